// `mxray headers`' judge (src/checks/headers/index.ts) on hops built here, never parsed from
// Received text (that is received.ts's job): what each hop proves about TLS, the zones and the
// crossing hops, the message's TLS verdict, the delays, the findings, and the merge over messages.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Judge from '../../../../src/checks/headers/index.js';
import type { MessageFinding } from '../../../../src/checks/headers/index.js';
import type { AuthResultsField, HeaderHop, HeaderMessage, HeadersBody } from '../../../../src/core/headers-schema.js';

// The judge and its tables (software names, TLS versions, providers, second levels) load inside each
// test, so that mutation testing runs the tables' mutants against these tests (docs/TESTING.md).
let J: typeof Judge;
beforeEach(async () => {
  vi.resetModules();
  J = await import('../../../../src/checks/headers/index.js');
});
const judgeMessage = (...a: Parameters<typeof Judge.judgeMessage>) => J.judgeMessage(...a);
const hopTls = (...a: Parameters<typeof Judge.hopTls>) => J.hopTls(...a);
const isOldProtocol = (...a: Parameters<typeof Judge.isOldProtocol>) => J.isOldProtocol(...a);
const softwareName = (...a: Parameters<typeof Judge.softwareName>) => J.softwareName(...a);

type Protocol = NonNullable<HeaderHop['protocol']>;
const ESMTP: Protocol = { tls: false, auth: false, lmtp: false, utf8: false };
const ESMTPS: Protocol = { tls: true, auth: false, lmtp: false, utf8: false };
const ESMTPSA: Protocol = { tls: true, auth: true, lmtp: false, utf8: false };
const ESMTPA: Protocol = { tls: false, auth: true, lmtp: false, utf8: false };
const LMTP: Protocol = { tls: false, auth: false, lmtp: true, utf8: false };

/**
 * One hop with every field present: no from clause, no by, no type, no date. The derived fields
 * hold values the judge never writes, so that a field it forgets to fill shows.
 */
function hop(over: Partial<HeaderHop> = {}): HeaderHop {
  return {
    index: 1,
    line: 1,
    raw: 'Received: (built by the test)',
    fromHelo: null,
    fromReverse: null,
    fromIp: null,
    by: null,
    via: null,
    with: null,
    protocol: null,
    id: null,
    for: null,
    date: null,
    dateRaw: null,
    dateNote: null,
    delaySeconds: 99999,
    tls: 'unknown',
    tlsEvidence: '(not judged)',
    tlsVersion: null,
    cipher: null,
    bits: null,
    tlsVerified: null,
    tlsSource: null,
    software: null,
    submission: false,
    local: false,
    zone: 'claimed',
    crossing: false,
    fromOrg: '(not judged)',
    byOrg: '(not judged)',
    notes: [],
    ...over,
  };
}

/** One message of these hops (oldest first; numbered here), no fields of its own unless named. */
function message(hops: Partial<HeaderHop>[], over: Partial<HeaderMessage> = {}): HeaderMessage {
  return {
    source: 'test.eml',
    returnedIn: null,
    subject: null,
    from: null,
    to: null,
    messageId: null,
    date: null,
    dateRaw: null,
    fields: 0,
    hops: hops.map((h, i) => hop({ index: i + 1, line: hops.length - i, ...h })),
    hopsNotListed: 0,
    organisation: { names: ['(not judged)'], how: '(not judged)' },
    border: { hop: 99, ip: null, from: null, by: null },
    tls: { verdict: 'no-hops', crossingHops: 99, protectedHops: 99, cleartextHops: 99, unknownHops: 99, weakestVersion: '(not judged)' },
    totalSeconds: 99999,
    tlsRequired: null,
    authentication: [],
    receivedSpf: [],
    microsoft: [],
    other: [],
    findings: ['(not judged)'],
    notes: [],
    ...over,
  };
}

/** The hop from a sender's server to the receiver's: ESMTPS between two named organisations. */
const inbound = (over: Partial<HeaderHop> = {}): Partial<HeaderHop> => ({
  fromHelo: 'smtp.example.com',
  fromReverse: 'smtp.example.com',
  fromIp: '198.51.100.5',
  by: 'mx.example.net',
  with: 'ESMTPS',
  protocol: ESMTPS,
  software: 'postfix',
  ...over,
});
/** The receiver's own hand-off to its mailbox server (written by an LMTP server mxray does not name). */
const delivery = (over: Partial<HeaderHop> = {}): Partial<HeaderHop> => ({
  fromHelo: 'mx.example.net',
  fromReverse: 'mx.example.net',
  fromIp: '10.0.0.5',
  by: 'mbox.example.net',
  with: 'LMTP',
  protocol: LMTP,
  local: true,
  software: null,
  ...over,
});
/** The sender's client submitting to its own server. */
const submission = (over: Partial<HeaderHop> = {}): Partial<HeaderHop> => ({
  fromHelo: 'laptop',
  fromIp: '192.168.1.20',
  by: 'smtp.example.com',
  with: 'ESMTPSA',
  protocol: ESMTPSA,
  submission: true,
  software: 'postfix',
  ...over,
});

const ids = (findings: readonly MessageFinding[]) => findings.map((f) => f.id);
const factsOf = (findings: readonly MessageFinding[], id: string) => findings.find((f) => f.id === id)?.facts ?? null;
const zones = (m: HeaderMessage) => m.hops.map((h) => h.zone);
const crossings = (m: HeaderMessage) => m.hops.map((h) => h.crossing);

describe('hopTls', () => {
  const from = { fromHelo: 'smtp.example.com', fromReverse: null, fromIp: '198.51.100.5' };
  const tlsOf = (over: Partial<HeaderHop>) => hopTls(hop({ ...from, ...over }));

  it('takes TLS details for TLS, whatever the type says', () => {
    expect(tlsOf({ tlsVersion: 'TLS 1.3', cipher: 'TLS_AES_256_GCM_SHA384', with: 'ESMTP', protocol: ESMTP, software: 'postfix' })).toEqual({
      state: 'tls',
      evidence: 'the TLS details written (TLS 1.3 TLS_AES_256_GCM_SHA384)',
    });
    expect(tlsOf({ tlsVersion: 'TLS 1.2' })).toEqual({ state: 'tls', evidence: 'the TLS details written (TLS 1.2)' });
    expect(tlsOf({ cipher: 'ECDHE-RSA-AES256-GCM-SHA384' })).toEqual({ state: 'tls', evidence: 'the TLS details written (ECDHE-RSA-AES256-GCM-SHA384)' });
    // Even on a line without a from clause.
    expect(hopTls(hop({ tlsVersion: 'TLS 1.2' }))).toEqual({ state: 'tls', evidence: 'the TLS details written (TLS 1.2)' });
  });

  it('takes a TLS note without details for TLS', () => {
    expect(tlsOf({ tlsSource: 'iis', with: 'ESMTP', protocol: ESMTP, software: 'exchange' })).toEqual({ state: 'tls', evidence: 'the line says TLS was used (iis)' });
    expect(hopTls(hop({ tlsSource: 'rfc8314' }))).toEqual({ state: 'tls', evidence: 'the line says TLS was used (rfc8314)' });
  });

  it.each(['ESMTPS', 'ESMTPSA', 'LMTPS', 'UTF8SMTPS', 'HTTPS'])('takes %s (an S type) for TLS', (type) => {
    expect(tlsOf({ with: type, protocol: { ...ESMTPS, lmtp: type === 'LMTPS', auth: type === 'ESMTPSA' }, software: null })).toEqual({ state: 'tls', evidence: `with ${type} (RFC 3848: the S means TLS)` });
  });

  it('takes an S type for TLS even from software that writes a TLS comment', () => {
    expect(tlsOf({ with: 'ESMTPS', protocol: ESMTPS, software: 'sendmail' })).toEqual({ state: 'tls', evidence: 'with ESMTPS (RFC 3848: the S means TLS)' });
  });

  it.each([
    ['postfix', 'Postfix'],
    ['exim', 'Exim'],
    ['opensmtpd', 'OpenSMTPD'],
    ['gmail', 'Gmail'],
    ['haraka', 'Haraka'],
    ['zimbra', 'Zimbra (Postfix)'],
    ['ironport', 'Cisco Secure Email (IronPort)'],
  ])('takes ESMTP from %s (which marks TLS) for clear text', (software, name) => {
    expect(tlsOf({ with: 'ESMTP', protocol: ESMTP, software })).toEqual({ state: 'clear', evidence: `with ESMTP, written by ${name}, which marks TLS (RFC 3848)` });
  });

  it('takes ESMTP from software not known to mark TLS for unknown', () => {
    expect(tlsOf({ with: 'ESMTP', protocol: ESMTP, software: null })).toEqual({ state: 'unknown', evidence: 'with ESMTP, but the software that wrote it is not known to mark TLS' });
    expect(tlsOf({ with: 'SMTP', protocol: ESMTP, software: 'qmail' })).toEqual({ state: 'unknown', evidence: 'with SMTP, but qmail is not known to mark TLS' });
    expect(tlsOf({ with: 'ESMTP', protocol: ESMTP, software: 'iis' })).toEqual({ state: 'unknown', evidence: 'with ESMTP, but IIS SMTP is not known to mark TLS' });
    expect(tlsOf({ with: 'ESMTP', protocol: ESMTP, software: 'amavis' })).toEqual({ state: 'unknown', evidence: 'with ESMTP, but Amavis is not known to mark TLS' });
    expect(tlsOf({ with: 'ESMTP', protocol: ESMTP, software: 'mystery' })).toEqual({ state: 'unknown', evidence: 'with ESMTP, but mystery is not known to mark TLS' });
  });

  it('takes Exchange and Sendmail without a TLS comment on an SMTP hop for clear text', () => {
    const exchange = 'no TLS comment, and Exchange writes "(version=…, cipher=…)" whenever TLS was used';
    const sendmail = 'no TLS comment, and Sendmail writes "(version=… cipher=… verify=…)" whenever TLS was used';
    // Exchange writes "with Microsoft SMTP Server": no type.
    expect(tlsOf({ software: 'exchange' })).toEqual({ state: 'clear', evidence: exchange });
    expect(tlsOf({ with: 'ESMTP', protocol: ESMTP, software: 'exchange' })).toEqual({ state: 'clear', evidence: exchange });
    expect(tlsOf({ with: 'ESMTP', protocol: ESMTP, software: 'sendmail' })).toEqual({ state: 'clear', evidence: sendmail });
    expect(tlsOf({ with: 'smtp', protocol: ESMTP, software: 'sendmail' })).toEqual({ state: 'clear', evidence: sendmail });
    expect(tlsOf({ with: 'esmtp', protocol: ESMTP, software: 'sendmail' })).toEqual({ state: 'clear', evidence: sendmail });
  });

  it('does not take Sendmail without a type for clear text: it always writes one', () => {
    expect(tlsOf({ software: 'sendmail' })).toEqual({ state: 'unknown', evidence: 'no transmission type and no TLS details written' });
  });

  it('does not take Exchange without a TLS comment on a client’s hop (mapi, HTTP) for clear text', () => {
    expect(tlsOf({ with: 'mapi', protocol: null, software: 'exchange' })).toEqual({ state: 'unknown', evidence: 'with mapi: not a type that says either way' });
    expect(tlsOf({ with: 'HTTP', protocol: { ...ESMTP }, software: 'exchange' })).toEqual({ state: 'unknown', evidence: 'with HTTP, but Exchange is not known to mark TLS' });
    // Only the whole type: "xsmtp" or "esmtpx" is not SMTP.
    expect(tlsOf({ with: 'XSMTP', protocol: null, software: 'sendmail' })).toEqual({ state: 'unknown', evidence: 'with XSMTP: not a type that says either way' });
    expect(tlsOf({ with: 'ESMTPX', protocol: null, software: 'sendmail' })).toEqual({ state: 'unknown', evidence: 'with ESMTPX: not a type that says either way' });
  });

  it('takes a line without a from clause for unknown: a hand-off inside one server', () => {
    const evidence = 'no from clause: a hand-off inside one server, not a network hop';
    expect(hopTls(hop({ by: 'mx.example.net', with: 'ESMTPS', protocol: ESMTPS }))).toEqual({ state: 'unknown', evidence });
    expect(hopTls(hop({ by: 'mx.example.net', with: 'ESMTP', protocol: ESMTP, software: 'postfix' }))).toEqual({ state: 'unknown', evidence });
    expect(hopTls(hop({ by: 'mx.example.net', software: 'exchange' }))).toEqual({ state: 'unknown', evidence });
  });

  it.each([
    [{ fromHelo: 'smtp.example.com' }],
    [{ fromReverse: 'smtp.example.com' }],
    [{ fromIp: '198.51.100.5' }],
  ])('takes any one part of a from clause for a from clause (%o)', (part) => {
    expect(hopTls(hop({ ...part, with: 'ESMTPS', protocol: ESMTPS }))).toEqual({ state: 'tls', evidence: 'with ESMTPS (RFC 3848: the S means TLS)' });
  });

  it('writes an empty type when a type was read but none written', () => {
    expect(tlsOf({ with: null, protocol: ESMTPS })).toEqual({ state: 'tls', evidence: 'with  (RFC 3848: the S means TLS)' });
    expect(tlsOf({ with: null, protocol: ESMTP, software: 'exim' })).toEqual({ state: 'clear', evidence: 'with , written by Exim, which marks TLS (RFC 3848)' });
  });

  it('takes a line without a type for unknown', () => {
    expect(tlsOf({ software: 'postfix' })).toEqual({ state: 'unknown', evidence: 'no transmission type and no TLS details written' });
    expect(tlsOf({ with: 'local', software: null })).toEqual({ state: 'unknown', evidence: 'with local: not a type that says either way' });
  });

  it('names software for people', () => {
    expect(softwareName(null)).toBe('unknown software');
    expect(softwareName('postfix')).toBe('Postfix');
    expect(softwareName('exchange')).toBe('Exchange');
    expect(softwareName('sendmail')).toBe('Sendmail');
    expect(softwareName('qmail')).toBe('qmail');
    expect(softwareName('iis')).toBe('IIS SMTP');
    expect(softwareName('amavis')).toBe('Amavis');
    expect(softwareName('ironport')).toBe('Cisco Secure Email (IronPort)');
    expect(softwareName('other-mta')).toBe('other-mta');
  });

  it('tells the old protocol versions', () => {
    for (const v of ['SSL 2.0', 'SSL 3.0', 'TLS 1.0', 'TLS 1.1']) expect(isOldProtocol(v)).toBe(true);
    for (const v of [null, 'TLS 1.2', 'TLS 1.3', 'TLS 1.10', 'TLS 1.0x', 'xSSL 3', 'xTLS 1.0', '']) expect(isOldProtocol(v)).toBe(false);
  });
});

describe('judgeMessage: the receiving organisation and the zones', () => {
  describe('what the sender cannot choose: a name the receiver wrote as unknown', () => {
    // The real connection: an attacker's address whose name the receiving Postfix could not verify, its HELO the victim's own name.
    const spoofed = (over: Partial<HeaderHop> = {}): Partial<HeaderHop> => ({
      fromHelo: 'mail.victim.example', fromReverse: null, fromIp: '203.0.113.66', by: 'mx.victim.example', with: 'ESMTP', protocol: ESMTP, software: 'postfix',
      raw: 'from mail.victim.example (unknown [203.0.113.66])\n\tby mx.victim.example (Postfix) with ESMTP id 1', ...over,
    });
    const forged = { fromReverse: 'trusted-partner.example', fromIp: '198.51.100.10', by: 'mx.victim.example', with: 'ESMTPS', protocol: ESMTPS };

    it('a HELO naming the organisation does not make an unverified public address internal: that hop is the border, in clear text', () => {
      const m = message([forged, spoofed()]);
      const findings = judgeMessage(m);
      expect(m.border).toEqual({ hop: 2, ip: '203.0.113.66', from: 'mail.victim.example', by: 'mx.victim.example' });
      expect(m.tls.verdict).toBe('cleartext');
      expect(ids(findings)).toContain('headers.cleartext-hop');
    });

    it('nor does the line below it, for an address with no name (Sendmail’s "may be forged" too)', () => {
      const bare = spoofed({ fromHelo: '[203.0.113.66]', raw: 'from [203.0.113.66] (unknown [203.0.113.66]) by mx.victim.example with ESMTP id 1' });
      const m = message([forged, bare]);
      judgeMessage(m);
      expect(m.border?.hop).toBe(2);
      const sendmail = message([forged, spoofed({ software: 'sendmail', raw: 'from mail.victim.example ([203.0.113.66]) (may be forged) by mx.victim.example' })]);
      judgeMessage(sendmail);
      expect(sendmail.border?.hop).toBe(2);
    });

    it('the same line with a verified name, or an address of --internal, stays internal', () => {
      const verified = message([forged, spoofed({ fromReverse: 'mail.victim.example', raw: 'from mail.victim.example (mail.victim.example [203.0.113.66]) by mx.victim.example' })]);
      judgeMessage(verified);
      expect(verified.border?.hop).toBe(1);
      const listed = message([forged, spoofed()]);
      judgeMessage(listed, { internal: ['203.0.113.0/24'] });
      expect(listed.border?.hop).toBe(1);
    });

    it('an unverified sender of another organisation keeps its organisation’s name at the border; a private address stays internal', () => {
      const other = message([spoofed({ fromHelo: 'mail.partner.example', raw: 'from mail.partner.example (unknown [203.0.113.66]) by mx.victim.example' })]);
      judgeMessage(other, { domains: ['victim.example'] });
      expect([other.border?.hop, other.hops[0]!.fromOrg]).toEqual([1, 'partner.example']);
      const privateOne = message([forged, spoofed({ fromIp: '10.0.0.5', raw: 'from mail.victim.example (unknown [10.0.0.5]) by mx.victim.example' })]);
      judgeMessage(privateOne);
      expect([privateOne.border?.hop, privateOne.hops[1]!.fromOrg]).toEqual([1, 'private address']);
    });

    it('an own HELO with no address read (a garbled "unknown [ ]") stays the organisation’s: there is no address to judge instead', () => {
      const m = message([forged, spoofed({ fromIp: null, raw: 'from mail.victim.example (unknown [garbled]) by mx.victim.example' })]);
      judgeMessage(m, { domains: ['victim.example'] });
      expect([m.border?.hop, m.hops[1]!.fromOrg]).toEqual([1, 'own (victim.example)']);
    });

    it('names the sender once when its HELO is its address, and without an address when none was written', () => {
      const literal = message([spoofed({ fromHelo: '[203.0.113.66]', raw: 'from [203.0.113.66] (unknown [203.0.113.66]) by mx.victim.example' })]);
      expect(factsOf(judgeMessage(literal), 'headers.cleartext-hop')).toMatchObject({ from: '[203.0.113.66]' });
      const noAddress = message([spoofed({ fromHelo: '[203.0.113.66]', fromIp: null, raw: 'from [203.0.113.66] by mx.victim.example' })]);
      expect(factsOf(judgeMessage(noAddress), 'headers.cleartext-hop')).toMatchObject({ from: '[203.0.113.66]' });
    });

    it('the domain to test for a provider’s hop: the recipient’s of any hop, else --domain, else "your domain"', () => {
      const clearAt = (over: Partial<HeaderHop>[], options = {}) => factsOf(judgeMessage(message(over), options), 'headers.cleartext-hop')?.byDomain;
      const toGoogle = { fromReverse: 'a.example.org', fromIp: '192.0.2.1', by: 'mx.google.com', with: 'ESMTP', protocol: ESMTP, software: 'gmail' };
      expect(clearAt([toGoogle, { by: 'mx.google.com', for: 'carol@example.com' }])).toBe('example.com');
      expect(clearAt([{ ...toGoogle, for: 'postmaster' }])).toBe('your domain');
      expect(clearAt([toGoogle], { domains: ['example.net'] })).toBe('example.net');
      expect(clearAt([{ ...toGoogle, for: 'bob@[192.0.2.9]' }])).toBe('your domain');
      expect(clearAt([{ ...toGoogle, for: 'list.example.org' }])).toBe('your domain');
    });

    it('a clear-text hop known only from lines below the border is said to be a claim', () => {
      const m = message([{ fromReverse: 'a.example.org', fromIp: '192.0.2.1', by: 'b.example.com', with: 'ESMTP', protocol: ESMTP, software: 'postfix' }, inbound()]);
      expect(factsOf(judgeMessage(m), 'headers.cleartext-hop')).toMatchObject({ hop: '1', claim: ' (a line below your border: what the sender’s side wrote, not verified)' });
    });

    it('a hop received by a mail provider’s host is tested at the recipient’s domain, not the provider’s', () => {
      const m = message([{ fromReverse: 'a.example.org', fromIp: '192.0.2.1', by: 'mx.google.com', with: 'ESMTP', protocol: ESMTP, software: 'gmail', for: 'bob@example.com' }]);
      expect(factsOf(judgeMessage(m), 'headers.cleartext-hop')).toMatchObject({ byDomain: 'example.com' });
    });
  });

  it('fills every hop and the message on a submission, an inbound hop and a delivery', () => {
    const m = message([submission(), inbound({ tlsVersion: 'TLS 1.3', cipher: 'TLS_AES_256_GCM_SHA384' }), delivery()]);
    const findings = judgeMessage(m);
    expect(m.organisation).toEqual({ names: ['example.net'], how: 'the topmost Received line is written by mbox.example.net' });
    expect(m.hops.map((h) => ({ zone: h.zone, crossing: h.crossing, tls: h.tls, fromOrg: h.fromOrg, byOrg: h.byOrg }))).toEqual([
      { zone: 'claimed', crossing: false, tls: 'tls', fromOrg: 'private address', byOrg: 'example.com' },
      { zone: 'border', crossing: true, tls: 'tls', fromOrg: 'example.com', byOrg: 'own (example.net)' },
      { zone: 'internal', crossing: false, tls: 'unknown', fromOrg: 'private address', byOrg: 'own (example.net)' },
    ]);
    expect(m.hops.map((h) => h.tlsEvidence)).toEqual([
      'with ESMTPSA (RFC 3848: the S means TLS)',
      'the TLS details written (TLS 1.3 TLS_AES_256_GCM_SHA384)',
      'with LMTP, but the software that wrote it is not known to mark TLS',
    ]);
    expect(m.border).toEqual({ hop: 2, ip: '198.51.100.5', from: 'smtp.example.com', by: 'mx.example.net' });
    expect(m.tls).toEqual({ verdict: 'protected', crossingHops: 1, protectedHops: 1, cleartextHops: 0, unknownHops: 0, weakestVersion: 'TLS 1.3' });
    expect(findings).toEqual([
      {
        id: 'headers.unverified-hops',
        facts: { lines: 'The Received line below', are: 'is a claim', border: 'hop 2 (mx.example.net)', ip: '198.51.100.5' },
      },
      { id: 'headers.all-protected', facts: { hops: '1 hop', weakest: 'TLS 1.3' } },
    ]);
    expect(m.findings).toEqual(['headers.unverified-hops', 'headers.all-protected']);
  });

  it('takes every top line about own names, private addresses and local hand-offs for internal', () => {
    const m = message([
      inbound({ by: 'mx1.example.net' }),
      { fromReverse: 'mx1.example.net', fromIp: '203.0.113.10', by: 'filter.example.net', with: 'ESMTP', protocol: ESMTP, software: 'postfix' },
      { fromHelo: 'filter', fromIp: '10.0.0.7', by: 'hub.example.net', with: 'ESMTP', protocol: ESMTP, software: 'postfix' },
      { by: 'hub.example.net', with: 'local' },
    ]);
    judgeMessage(m);
    expect(zones(m)).toEqual(['border', 'internal', 'internal', 'internal']);
    expect(crossings(m)).toEqual([true, false, false, false]);
    expect(m.border?.hop).toBe(1);
    expect(m.tls.verdict).toBe('protected');
  });

  it('takes a top line whose by is an address for the organisation’s (its from decides)', () => {
    const m = message([inbound({ by: '203.0.113.25' }), { fromReverse: 'mx.example.net', fromIp: '203.0.113.25', by: '2001:db8::25', with: 'ESMTP', protocol: ESMTP, software: 'postfix' }]);
    // No name at all: the organisation is the address side's.
    judgeMessage(m, { internal: ['mx.example.net'] });
    expect(m.hops.map((h) => [h.zone, h.crossing, h.fromOrg, h.byOrg])).toEqual([
      ['border', true, 'example.com', '203.0.113.25'],
      ['internal', false, 'own (mx.example.net)', '2001:db8::25'],
    ]);
  });

  it('reads a by written as an address literal as that address, not as a name', () => {
    const m = message([
      inbound({ by: '[192.0.2.25]' }),
      { fromReverse: 'gw.example.net', fromIp: '192.0.2.25', by: '[10.0.0.6]', with: 'ESMTPS', protocol: ESMTPS },
      { fromIp: '10.0.0.6', by: '[IPv6:fd00::7]', with: 'ESMTPS', protocol: ESMTPS },
    ]);
    const findings = judgeMessage(m, { domains: ['example.net'] });
    expect(m.hops.map((h) => [h.zone, h.crossing, h.fromOrg, h.byOrg])).toEqual([
      ['border', true, 'example.com', '192.0.2.25'],
      ['internal', false, 'own (example.net)', 'private address'],
      ['internal', false, 'private address', 'private address'],
    ]);
    expect(ids(findings)).toEqual(['headers.all-protected']);
    // Without --domain, no line names a receiving host: the first line from a named host is the border.
    const bare = message(m.hops.map((h) => ({ ...h })));
    judgeMessage(bare);
    expect(bare.organisation).toEqual({ names: [], how: 'no Received line names a receiving host' });
    expect(zones(bare)).toEqual(['claimed', 'border', 'internal']);
  });

  it('takes a top line whose by is a private address, or missing, for the organisation’s', () => {
    const m = message([inbound({ by: null }), { fromReverse: 'mx.example.net', fromIp: '10.0.0.5', by: '10.0.0.6', with: 'ESMTP', protocol: ESMTP }]);
    judgeMessage(m);
    expect(m.hops.map((h) => [h.zone, h.crossing, h.byOrg])).toEqual([
      ['border', true, null],
      ['internal', false, 'private address'],
    ]);
    expect(m.organisation).toEqual({ names: [], how: 'no Received line names a receiving host' });
  });

  it('takes the first line from another organisation, from the top, for the border and claims everything below', () => {
    const m = message([
      { fromReverse: 'a.example.org', fromIp: '192.0.2.1', by: 'b.example.org', with: 'ESMTP', protocol: ESMTP, software: 'postfix' },
      { fromReverse: 'b.example.org', fromIp: '192.0.2.2', by: 'smtp.example.com', with: 'ESMTP', protocol: ESMTP, software: 'postfix' },
      inbound(),
      // Below the border, a line naming own hosts is still a claim.
      { fromReverse: 'mx.example.net', fromIp: '203.0.113.10', by: 'mbox.example.net', with: 'ESMTP', protocol: ESMTP, software: 'postfix' },
    ]);
    judgeMessage(m);
    expect(zones(m)).toEqual(['claimed', 'claimed', 'border', 'internal']);
    expect(crossings(m)).toEqual([false, true, true, false]);
    expect(m.border).toEqual({ hop: 3, ip: '198.51.100.5', from: 'smtp.example.com', by: 'mx.example.net' });
  });

  it('claims every line when the top one was not written by the organisation named with --domain', () => {
    const m = message([submission(), inbound()]);
    const findings = judgeMessage(m, { domains: ['example.org'] });
    expect(m.organisation).toEqual({ names: ['example.org'], how: '--domain example.org' });
    expect(zones(m)).toEqual(['claimed', 'claimed']);
    // A claimed hop between two organisations still crosses.
    expect(crossings(m)).toEqual([false, true]);
    expect(m.border).toBeNull();
    expect(ids(findings)).toEqual(['headers.all-protected']);
  });

  it('claims below a top line about another organisation even when an own line stands lower', () => {
    const m = message([inbound({ by: 'mx.example.org' }), { fromReverse: 'mx.example.org', fromIp: '192.0.2.10', by: 'smtp.example.com', with: 'ESMTPS', protocol: ESMTPS }]);
    judgeMessage(m, { domains: ['example.org'] });
    expect(zones(m)).toEqual(['claimed', 'claimed']);
    expect(m.border).toBeNull();
  });

  it('crosses on a claimed hop only between two different organisations, neither private, never for a submission or a local hop', () => {
    const top = inbound({ fromReverse: 'relay.example.org', fromHelo: 'relay.example.org', fromIp: '192.0.2.50' });
    const below = (over: Partial<HeaderHop>): Partial<HeaderHop> => ({ with: 'ESMTPS', protocol: ESMTPS, by: 'relay.example.org', ...over });
    const m = message([
      below({ fromReverse: 'a.example.com', fromIp: '198.51.100.1', by: 'b.example.com' }), // same organisation
      below({ fromReverse: 'b.example.com', fromIp: '10.1.1.1' }), // private from
      below({ fromReverse: 'c.example.com', fromIp: '198.51.100.3', by: '192.168.4.4' }), // private by
      below({ fromReverse: 'd.example.com', fromIp: '198.51.100.4', submission: true }), // submission
      below({ fromReverse: 'e.example.com', fromIp: '198.51.100.5', local: true }), // local
      below({ fromReverse: 'f.example.com', fromIp: '198.51.100.6', by: null }), // no by
      below({ fromReverse: 'g.example.com', fromIp: '198.51.100.7' }), // crosses
      // A from with an address alone is the organisation whose host wrote the line below (the hop before it).
      below({ fromIp: '198.51.100.8' }), // from relay.example.org's organisation to itself: does not cross
      below({ fromIp: '198.51.100.9', by: '192.0.2.9' }), // from example.org (the line below) to an address: crosses
      below({ fromIp: '198.51.100.9', by: '198.51.100.9' }), // the line below names an address: one address, does not
      below({ fromReverse: 'mx.example.net', fromIp: '203.0.113.1', by: 'mbox.example.net' }), // both own
      top,
    ]);
    judgeMessage(m, { domains: ['example.net'] });
    expect(zones(m)).toEqual([...Array(11).fill('claimed'), 'border']);
    expect(crossings(m)).toEqual([false, false, false, false, false, false, true, false, true, false, false, true]);
    expect(m.hops.slice(7, 10).map((h) => h.fromOrg)).toEqual(['example.org', 'example.org', '198.51.100.9']);
  });

  it('never crosses a line without a from clause, even with a by of another organisation', () => {
    const m = message([inbound(), { by: 'mx.example.org', with: 'ESMTPS', protocol: ESMTPS }, { by: 'mbox.example.net', with: 'LMTP', protocol: LMTP, local: true }]);
    judgeMessage(m, { domains: ['example.net'] });
    expect(m.hops.map((h) => [h.zone, h.crossing, h.fromOrg])).toEqual([
      ['claimed', true, 'example.com'],
      ['claimed', false, null],
      ['internal', false, null],
    ]);
  });

  it('does not cross at the border for a submission', () => {
    const m = message([submission({ fromIp: '198.51.100.77', fromHelo: 'laptop.example.org', by: 'smtp.example.net' })]);
    const findings = judgeMessage(m);
    expect(m.hops.map((h) => [h.zone, h.crossing])).toEqual([['border', false]]);
    expect(m.border).toEqual({ hop: 1, ip: '198.51.100.77', from: 'laptop.example.org', by: 'smtp.example.net' });
    expect(m.tls.verdict).toBe('no-internet-hop');
    expect(findings).toEqual([{ id: 'headers.no-internet-hop', facts: { org: 'example.net' } }]);
  });

  it('does not count a submission in clear text (ESMTPA) as a clear-text hop between organisations', () => {
    const m = message([submission({ fromIp: '198.51.100.77', fromHelo: 'laptop.example.org', by: 'smtp.example.net', with: 'ESMTPA', protocol: ESMTPA })]);
    const findings = judgeMessage(m);
    expect(m.hops.map((h) => [h.zone, h.crossing, h.tls])).toEqual([['border', false, 'clear']]);
    expect(ids(findings)).toEqual(['headers.no-internet-hop']);
  });

  it('takes a local or from-less top line for internal, not the border', () => {
    const m = message([inbound({ local: true }), { by: 'mx.example.net' }]);
    judgeMessage(m);
    expect(zones(m)).toEqual(['internal', 'internal']);
    expect(crossings(m)).toEqual([false, false]);
    expect(m.border).toBeNull();
  });

  it('takes a top line whose from names nothing usable for internal', () => {
    const m = message([{ fromHelo: 'localhost', by: 'mx.example.net', with: 'ESMTP', protocol: ESMTP, software: 'postfix' }]);
    judgeMessage(m);
    expect(m.hops.map((h) => [h.zone, h.crossing, h.fromOrg])).toEqual([['internal', false, null]]);
    expect(m.tls.verdict).toBe('no-internet-hop');
  });

  it('takes --internal names for own hosts', () => {
    const hops = [inbound({ fromReverse: 'edge.example.com', fromIp: '198.51.100.40', by: 'gw.example.org' }), { fromReverse: 'gw.example.org', fromIp: '192.0.2.33', by: 'mx.example.net', with: 'ESMTPS', protocol: ESMTPS }];
    const plain = message(hops);
    judgeMessage(plain);
    expect(zones(plain)).toEqual(['claimed', 'border']);
    expect(crossings(plain)).toEqual([true, true]);
    const named = message(hops);
    judgeMessage(named, { internal: ['*.example.org'] });
    expect(zones(named)).toEqual(['border', 'internal']);
    expect(crossings(named)).toEqual([true, false]);
    expect(named.hops.map((h) => [h.fromOrg, h.byOrg])).toEqual([
      ['example.com', 'own (example.org)'],
      ['own (example.org)', 'own (example.net)'],
    ]);
    expect(named.border?.hop).toBe(1);
  });

  it('takes --internal networks for own hosts, a by written as an address too', () => {
    const hops = [inbound({ fromReverse: 'edge.example.com', fromIp: '198.51.100.40', by: '192.0.2.33' }), { fromReverse: 'gw.example.org', fromIp: '192.0.2.33', by: 'mx.example.net', with: 'ESMTPS', protocol: ESMTPS }];
    const plain = message(hops);
    judgeMessage(plain);
    expect(zones(plain)).toEqual(['claimed', 'border']);
    const network = message(hops);
    judgeMessage(network, { internal: ['192.0.2.0/24'] });
    expect(zones(network)).toEqual(['border', 'internal']);
    expect(network.hops.map((h) => [h.fromOrg, h.byOrg])).toEqual([
      ['example.com', 'own (--internal)'],
      ['own (--internal)', 'own (example.net)'],
    ]);
    const single = message(hops);
    judgeMessage(single, { internal: ['192.0.2.33'] });
    expect(zones(single)).toEqual(['border', 'internal']);
  });

  it('takes the provider hosting the organisation, and another customer’s Google outbound relay for another organisation', () => {
    const m = message([
      { fromReverse: 'mail-ej1-f54.google.com', fromHelo: 'mail-ej1-f54.google.com', fromIp: '209.85.218.54', by: 'mx.google.com', with: 'ESMTPS', protocol: ESMTPS, software: 'gmail', tlsVersion: 'TLS 1.3' },
      { by: '2002:a05:6358:1234::', with: 'SMTP', protocol: ESMTP, software: 'gmail' },
    ]);
    const findings = judgeMessage(m);
    expect(m.organisation).toEqual({ names: ['Google'], how: 'hosted by Google: the topmost Received line is written by mx.google.com' });
    expect(m.hops.map((h) => [h.zone, h.crossing, h.fromOrg, h.byOrg])).toEqual([
      ['border', true, 'Google, another customer’s outbound relay', 'own (Google)'],
      // Google's internal relays write a 6to4 address that carries a private one (10.5.99.88).
      ['internal', false, null, 'private address'],
    ]);
    expect(findings).toEqual([{ id: 'headers.all-protected', facts: { hops: '1 hop', weakest: 'TLS 1.3' } }]);
  });

  it('takes a Google host that is not an outbound relay for the organisation’s own when Google hosts it', () => {
    const m = message([{ fromReverse: 'smtp.gmail.com', fromIp: '209.85.220.41', by: 'mx.google.com', with: 'ESMTPS', protocol: ESMTPS }]);
    const findings = judgeMessage(m);
    expect(m.hops.map((h) => [h.zone, h.crossing, h.fromOrg])).toEqual([['internal', false, 'own (Google)']]);
    expect(findings).toEqual([{ id: 'headers.no-internet-hop', facts: { org: 'Google' } }]);
  });

  it('takes Exchange Online’s outbound protection relays for another organisation when Microsoft hosts the receiver', () => {
    const m = message([
      { fromReverse: 'mail-am6eur05on2045.outbound.protection.outlook.com', fromIp: '40.107.22.45', by: 'DB5EUR03FT010.mail.protection.outlook.com', with: 'ESMTPS', protocol: ESMTPS, tlsVersion: 'TLS 1.2', software: 'exchange' },
      { fromReverse: 'DB5EUR03FT010.eop-EUR03.prod.protection.outlook.com', fromIp: '2603:10a6:20b:1::1', by: 'AM6PR01MB1234.eurprd01.prod.exchangelabs.com', tlsVersion: 'TLS 1.2', software: 'exchange' },
    ]);
    judgeMessage(m);
    expect(m.organisation.names).toEqual(['Microsoft 365']);
    expect(m.hops.map((h) => [h.zone, h.crossing, h.fromOrg, h.byOrg])).toEqual([
      ['border', true, 'Microsoft 365, another customer’s outbound relay', 'own (Microsoft 365)'],
      ['internal', false, 'own (Microsoft 365)', 'own (Microsoft 365)'],
    ]);
  });

  it('takes a Microsoft host for another organisation when the receiver is not hosted there', () => {
    const m = message([{ fromReverse: 'mail-am6eur05on2045.outbound.protection.outlook.com', fromIp: '40.107.22.45', by: 'mx.example.net', tlsVersion: 'TLS 1.2', software: 'postfix' }, delivery()]);
    judgeMessage(m);
    expect(m.hops.map((h) => [h.zone, h.crossing, h.fromOrg])).toEqual([
      ['border', true, 'Microsoft 365, another customer’s outbound relay'],
      ['internal', false, 'private address'],
    ]);
  });

  it('writes the organisation with --domain, and bounds its names and how', () => {
    const many = Array.from({ length: 45 }, (_, i) => `d${i}.example.org`);
    const m = message([inbound()]);
    judgeMessage(m, { domains: many });
    expect(m.organisation.names).toEqual(many.slice(0, 40));
    expect(m.organisation.how).toBe(`--domain ${many.join(', ')}`.slice(0, 300));
    expect(m.organisation.how).toHaveLength(300);
  });

  it('puts the provider first among the names, within the bound', () => {
    const internal = Array.from({ length: 45 }, (_, i) => `n${i}.example.org`);
    const m = message([{ fromReverse: 'mx.example.org', fromIp: '192.0.2.3', by: 'mx.google.com', with: 'ESMTPS', protocol: ESMTPS }]);
    judgeMessage(m, { internal });
    expect(m.organisation.names).toEqual(['Google', ...internal.slice(0, 39)]);
  });

  it('bounds the TLS evidence at 300 characters', () => {
    const cipher = 'C'.repeat(400);
    const m = message([inbound({ cipher })]);
    judgeMessage(m);
    expect(m.hops[0]!.tlsEvidence).toBe(`the TLS details written (${cipher})`.slice(0, 300));
  });

  it('takes a border whose from is named only by its address', () => {
    const m = message([inbound({ fromHelo: null, fromReverse: null, fromIp: '198.51.100.9' })]);
    judgeMessage(m);
    expect(m.border).toEqual({ hop: 1, ip: '198.51.100.9', from: null, by: 'mx.example.net' });
    expect(m.hops[0]!.fromOrg).toBe('198.51.100.9');
  });

  it('takes the HELO name when the reverse name is not a dotted host name, and an address literal as the address', () => {
    const judged = (over: Partial<HeaderHop>) => {
      const m = message([inbound(over)]);
      judgeMessage(m, { domains: ['example.net'] });
      return [m.hops[0]!.fromOrg, m.hops[0]!.zone, m.hops[0]!.crossing];
    };
    expect(judged({ fromReverse: 'vss-024', fromHelo: 'smtp.example.org', fromIp: '198.51.100.9' })).toEqual(['example.org', 'border', true]);
    expect(judged({ fromReverse: 'unknown', fromHelo: 'ylmf-pc', fromIp: '198.51.100.9' })).toEqual(['198.51.100.9', 'border', true]);
    expect(judged({ fromReverse: null, fromHelo: '[192.0.2.9]', fromIp: null })).toEqual(['192.0.2.9', 'border', true]);
    expect(judged({ fromReverse: 'vss-024', fromHelo: '[10.0.0.9]', fromIp: null })).toEqual(['private address', 'internal', false]);
    expect(judged({ fromReverse: '192.0.2.10', fromHelo: 'smtp.example.org', fromIp: null })).toEqual(['192.0.2.10', 'border', true]);
    expect(judged({ fromReverse: 'relay.example.net', fromHelo: 'smtp.example.org', fromIp: '198.51.100.9' })).toEqual(['own (example.net)', 'internal', false]);
  });

  it('takes a from named only by a public address for the organisation that wrote the line below', () => {
    const fromOf = (below: Partial<HeaderHop>) => {
      const m = message([{ fromReverse: 'smtp.example.com', fromIp: '198.51.100.5', with: 'ESMTPS', protocol: ESMTPS, ...below }, inbound({ fromHelo: null, fromReverse: null, fromIp: '192.0.2.50' })]);
      judgeMessage(m);
      return m.hops[1]!.fromOrg;
    };
    expect(fromOf({ by: 'relay.example.org' })).toBe('example.org');
    expect(fromOf({ by: 'mail-ej1-f54.google.com' })).toBe('Google, another customer’s outbound relay');
    expect(fromOf({ by: '203.0.113.7' })).toBe('192.0.2.50');
    expect(fromOf({ by: null })).toBe('192.0.2.50');
    // A private address stays private; a name stays its own.
    const m = message([{ fromReverse: 'smtp.example.com', fromIp: '198.51.100.5', by: 'relay.example.org' }, inbound({ fromHelo: null, fromReverse: null, fromIp: '10.0.0.50' }), inbound({ fromReverse: 'gw.example.com' })]);
    judgeMessage(m, { domains: ['example.net'] });
    expect(m.hops.map((h) => h.fromOrg)).toEqual(['example.com', 'private address', 'example.com']);
  });

  it('takes the reverse name before the HELO name', () => {
    const m = message([inbound({ fromHelo: 'smtp.example.org', fromReverse: 'smtp.example.com' })]);
    judgeMessage(m);
    expect(m.border?.from).toBe('smtp.example.com');
    expect(m.hops[0]!.fromOrg).toBe('example.com');
    const helo = message([inbound({ fromHelo: 'smtp.example.org', fromReverse: null })]);
    judgeMessage(helo);
    expect(helo.border?.from).toBe('smtp.example.org');
    expect(helo.hops[0]!.fromOrg).toBe('example.org');
  });
});

describe('judgeMessage: the TLS verdict', () => {
  it('says no-hops without a Received line, with its finding', () => {
    const m = message([]);
    expect(judgeMessage(m)).toEqual([{ id: 'headers.no-received', facts: {} }]);
    expect(m.tls).toEqual({ verdict: 'no-hops', crossingHops: 0, protectedHops: 0, cleartextHops: 0, unknownHops: 0, weakestVersion: null });
    expect(m.border).toBeNull();
    expect(m.totalSeconds).toBeNull();
    expect(m.organisation).toEqual({ names: [], how: 'no Received line names a receiving host' });
    expect(m.findings).toEqual(['headers.no-received']);
  });

  it('says no-internet-hop when no hop crosses, naming the organisation', () => {
    const m = message([delivery()]);
    expect(judgeMessage(m)).toEqual([{ id: 'headers.no-internet-hop', facts: { org: 'example.net' } }]);
    expect(m.tls).toEqual({ verdict: 'no-internet-hop', crossingHops: 0, protectedHops: 0, cleartextHops: 0, unknownHops: 0, weakestVersion: null });
    // No organisation known: "one organisation".
    const bare = message([{ by: '10.0.0.1', with: 'local' }]);
    expect(judgeMessage(bare)).toEqual([{ id: 'headers.no-internet-hop', facts: { org: 'one organisation' } }]);
  });

  it('says cleartext over unknown over protected', () => {
    const claimed = (i: number, over: Partial<HeaderHop>): Partial<HeaderHop> => ({ fromReverse: `s${i}.example${i}.org`, fromIp: `192.0.2.${i}`, by: `s${i + 1}.example${i + 1}.org`, ...over });
    const tls = { with: 'ESMTPS', protocol: ESMTPS };
    const unknown = { with: 'ESMTP', protocol: ESMTP, software: null };
    const clear = { with: 'ESMTP', protocol: ESMTP, software: 'exim' };
    const top = (over: Partial<HeaderHop>) => ({ fromReverse: 's4.example4.org', fromIp: '192.0.2.4', by: 'mx.example.net', ...over });
    const verdictOf = (a: Partial<HeaderHop>, b: Partial<HeaderHop>, c: Partial<HeaderHop>) => {
      const m = message([claimed(1, a), claimed(2, b), claimed(3, c), top(tls)], { source: 'x' });
      judgeMessage(m);
      return m.tls;
    };
    expect(verdictOf(tls, tls, tls)).toEqual({ verdict: 'protected', crossingHops: 4, protectedHops: 4, cleartextHops: 0, unknownHops: 0, weakestVersion: null });
    expect(verdictOf(tls, unknown, tls)).toEqual({ verdict: 'unknown', crossingHops: 4, protectedHops: 3, cleartextHops: 0, unknownHops: 1, weakestVersion: null });
    expect(verdictOf(clear, unknown, tls)).toEqual({ verdict: 'cleartext', crossingHops: 4, protectedHops: 2, cleartextHops: 1, unknownHops: 1, weakestVersion: null });
    expect(verdictOf(unknown, clear, clear)).toEqual({ verdict: 'cleartext', crossingHops: 4, protectedHops: 1, cleartextHops: 2, unknownHops: 1, weakestVersion: null });
  });

  it('counts only the crossing hops: a clear-text hop inside one organisation does not matter', () => {
    const m = message([inbound(), { fromReverse: 'mx.example.net', fromIp: '10.0.0.5', by: 'mbox.example.net', with: 'ESMTP', protocol: ESMTP, software: 'postfix' }]);
    const findings = judgeMessage(m);
    expect(m.hops.map((h) => h.tls)).toEqual(['tls', 'clear']);
    expect(m.tls).toEqual({ verdict: 'protected', crossingHops: 1, protectedHops: 1, cleartextHops: 0, unknownHops: 0, weakestVersion: null });
    expect(findings).toEqual([{ id: 'headers.all-protected', facts: { hops: '1 hop', weakest: 'version not written' } }]);
  });

  it.each([
    [['TLS 1.3', 'TLS 1.2', 'TLS 1.3'], 'TLS 1.2'],
    [['TLS 1.2', 'TLS 1.0'], 'TLS 1.0'],
    [['TLS 1.1', 'TLS 1.0', 'TLS 1.2'], 'TLS 1.0'],
    [['TLS 1.3', 'SSL 3.0'], 'SSL 3.0'],
    [['SSL 3.0', 'SSL 2.0'], 'SSL 2.0'],
    [['TLS 1.3', 'TLS 1.2'], 'TLS 1.2'],
    [['TLS 1.2', 'TLS 1.1'], 'TLS 1.1'],
    [['SSL 3.0', 'TLS 1.0'], 'SSL 3.0'],
    [['TLS 1.3'], 'TLS 1.3'],
    // A version mxray does not know counts as newer than every known one.
    [['TLSv9', 'TLS 1.3'], 'TLS 1.3'],
    [['TLS 1.3', 'TLSv9'], 'TLS 1.3'],
    [['TLSv9'], 'TLSv9'],
    [[null, 'TLSv9'], 'TLSv9'],
    [[null, null], null],
  ] as [(string | null)[], string | null][])('takes the oldest of %j for the weakest version: %s', (versions, weakest) => {
    const hops: Partial<HeaderHop>[] = versions.map((v, i) => ({ fromReverse: `a${i}.example${i}.org`, fromIp: `192.0.2.${i + 1}`, by: `b${i}.example${i + 1}.org`, tlsVersion: v, with: 'ESMTPS', protocol: ESMTPS }));
    hops.push({ fromReverse: `a.example${versions.length}.org`, fromIp: '198.51.100.1', by: 'mx.example.net', with: 'ESMTPS', protocol: ESMTPS });
    const m = message(hops);
    judgeMessage(m);
    expect(m.hops.every((h) => h.crossing)).toBe(true);
    expect(m.tls.weakestVersion).toBe(weakest);
  });

  it('takes the weakest version from crossing hops only', () => {
    const m = message([inbound({ tlsVersion: 'TLS 1.2' }), delivery({ tlsVersion: 'TLS 1.0', local: false, with: 'ESMTPS', protocol: ESMTPS })]);
    const findings = judgeMessage(m);
    expect(m.tls.weakestVersion).toBe('TLS 1.2');
    expect(ids(findings)).toEqual(['headers.all-protected']);
  });
});

describe('judgeMessage: delays', () => {
  const at = (hhmmss: string) => `2026-11-20T${hhmmss}${hhmmss.includes('.') ? '' : '.000'}Z`;

  it('dates the first hop from the Date field, then each from the previous dated hop, skipping an undated one', () => {
    const m = message([inbound({ date: at('10:00:05') }), { ...inbound(), date: null }, delivery({ date: at('10:01:10') }), delivery({ date: at('10:01:10.470') })], { date: at('10:00:00') });
    const findings = judgeMessage(m);
    expect(m.hops.map((h) => h.delaySeconds)).toEqual([5, null, 65, 0.5]);
    expect(m.totalSeconds).toBe(70.5);
    expect(ids(findings)).not.toContain('headers.clock-skew');
  });

  it('keeps a negative delay, and says which hop and which date it went back against', () => {
    const m = message([inbound({ date: at('10:00:05'), by: 'relay.example.net' }), delivery({ date: at('09:58:05') }), delivery({ date: at('09:59:00'), by: 'mbox2.example.net' })], { date: at('10:00:00') });
    const findings = judgeMessage(m);
    expect(m.hops.map((h) => h.delaySeconds)).toEqual([5, -120, 55]);
    expect(factsOf(findings, 'headers.clock-skew')).toEqual({ hop: 2, previous: 'hop 1', skew: '2 min', by: 'mbox.example.net' });
    // From the Date field (the earliest date) to the last hop.
    expect(m.totalSeconds).toBe(-60);
  });

  it('says "the Date field" when the first hop is dated before it', () => {
    const m = message([inbound({ date: at('09:59:57.5') }), delivery({ date: at('10:00:03') })], { date: at('10:00:00') });
    const findings = judgeMessage(m);
    expect(m.hops.map((h) => h.delaySeconds)).toEqual([-2.5, 5.5]);
    expect(factsOf(findings, 'headers.clock-skew')).toEqual({ hop: 1, previous: 'the Date field', skew: '2.5 s', by: 'mx.example.net' });
    // The first hop is earlier than the Date field: the total runs from it.
    expect(m.totalSeconds).toBe(5.5);
  });

  it('names the first skewed hop, after an undated one, and a hop without a by', () => {
    const m = message([inbound({ date: at('10:00:00') }), { ...inbound(), date: null }, delivery({ date: at('09:00:00'), by: null }), delivery({ date: at('08:00:00') })]);
    const findings = judgeMessage(m);
    expect(m.hops.map((h) => h.delaySeconds)).toEqual([null, null, -3600, -3600]);
    expect(factsOf(findings, 'headers.clock-skew')).toEqual({ hop: 3, previous: 'hop 1', skew: '1 h', by: 'an unnamed host' });
    expect(m.totalSeconds).toBe(-7200);
  });

  it('gives no skew for a delay of 0', () => {
    const m = message([inbound({ date: at('10:00:00') }), delivery({ date: at('10:00:00') })], { date: at('10:00:00') });
    const findings = judgeMessage(m);
    expect(m.hops.map((h) => h.delaySeconds)).toEqual([0, 0]);
    expect(m.totalSeconds).toBe(0);
    expect(ids(findings)).toEqual(['headers.all-protected']);
  });

  it('without a Date field: the first hop has no delay, the total runs from the first dated hop to the last', () => {
    const m = message([{ ...inbound(), date: null }, inbound({ date: at('10:00:00') }), delivery({ date: at('10:00:42') })]);
    judgeMessage(m);
    expect(m.hops.map((h) => h.delaySeconds)).toEqual([null, null, 42]);
    expect(m.totalSeconds).toBe(42);
  });

  it('gives no total for one dated hop without a Date field, nor without any dated hop', () => {
    const one = message([inbound({ date: at('10:00:00') }), delivery()]);
    judgeMessage(one);
    expect(one.hops.map((h) => h.delaySeconds)).toEqual([null, null]);
    expect(one.totalSeconds).toBeNull();
    const none = message([inbound(), delivery()], { date: at('10:00:00') });
    judgeMessage(none);
    expect(none.hops.map((h) => h.delaySeconds)).toEqual([null, null]);
    expect(none.totalSeconds).toBeNull();
  });

  it('gives a total from the Date field to one dated hop', () => {
    const m = message([inbound({ date: at('10:00:30') })], { date: at('10:00:00') });
    judgeMessage(m);
    expect(m.totalSeconds).toBe(30);
    // The Date field later than the hop: from the hop to itself.
    const late = message([inbound({ date: at('10:00:30') })], { date: at('10:05:00') });
    judgeMessage(late);
    expect(late.hops[0]!.delaySeconds).toBe(-270);
    expect(late.totalSeconds).toBe(0);
  });

  it('rounds delays to a tenth of a second', () => {
    const m = message([inbound({ date: at('10:00:00.040') }), delivery({ date: at('10:00:00.260') })], { date: at('10:00:00') });
    judgeMessage(m);
    expect(m.hops.map((h) => h.delaySeconds)).toEqual([0, 0.2]);
    expect(m.totalSeconds).toBe(0.3);
  });
});

describe('judgeMessage: findings', () => {
  it('names every clear-text crossing hop, and the first one’s facts', () => {
    const m = message([
      { fromReverse: 'a.example.org', fromIp: '192.0.2.1', by: 'b.example.com', with: 'ESMTPS', protocol: ESMTPS },
      { fromHelo: 'b.example.com', fromIp: '192.0.2.2', by: 'mx.example.co.uk', with: 'ESMTP', protocol: ESMTP, software: 'exim' },
      { fromReverse: 'mx.example.co.uk', fromIp: '192.0.2.3', by: 'c.example.com', with: 'ESMTPS', protocol: ESMTPS },
      { fromReverse: 'c.example.com', fromIp: '192.0.2.4', by: 'mx.example.net', with: 'ESMTP', protocol: ESMTP, software: 'sendmail' },
      delivery(),
    ]);
    const findings = judgeMessage(m);
    expect(ids(findings)).toEqual(['headers.cleartext-hop', 'headers.unverified-hops']);
    expect(factsOf(findings, 'headers.cleartext-hop')).toEqual({
      hop: '2, 4',
      claim: '',
      from: 'b.example.com [192.0.2.2]',
      by: 'mx.example.co.uk',
      with: 'ESMTP',
      software: 'Exim',
      why: 'with ESMTP, written by Exim, which marks TLS (RFC 3848)',
      byDomain: 'example.co.uk',
    });
    expect(factsOf(findings, 'headers.unverified-hops')).toEqual({ lines: 'The 3 Received lines below', are: 'are claims', border: 'hop 4 (mx.example.net)', ip: '192.0.2.4' });
    expect(m.tls).toEqual({ verdict: 'cleartext', crossingHops: 4, protectedHops: 2, cleartextHops: 2, unknownHops: 0, weakestVersion: null });
  });

  it('writes a clear-text hop without a type, by an address or by nothing', () => {
    const byIp = message([{ fromReverse: 'smtp.example.com', fromIp: '198.51.100.5', by: '203.0.113.25', software: 'exchange' }]);
    expect(judgeMessage(byIp)).toEqual([
      {
        id: 'headers.cleartext-hop',
        facts: {
          hop: '1',
          from: 'smtp.example.com [198.51.100.5]',
          by: '203.0.113.25',
          claim: '',
          with: 'Microsoft SMTP Server',
          software: 'Exchange',
          why: 'no TLS comment, and Exchange writes "(version=…, cipher=…)" whenever TLS was used',
          byDomain: 'your domain',
        },
      },
    ]);
    const byNothing = message([{ fromIp: '198.51.100.5', with: 'ESMTP', protocol: ESMTP, software: 'postfix' }]);
    expect(judgeMessage(byNothing)).toEqual([
      {
        id: 'headers.cleartext-hop',
        facts: { hop: '1', claim: '', from: '198.51.100.5', by: 'an unnamed host', with: 'ESMTP', software: 'Postfix', why: 'with ESMTP, written by Postfix, which marks TLS (RFC 3848)', byDomain: 'your domain' },
      },
    ]);
  });

  it('names a host from its HELO name alone without an address', () => {
    const m = message([{ fromHelo: 'smtp.example.com', by: 'mx.example.net', with: 'ESMTP', protocol: ESMTP, software: 'postfix' }]);
    const findings = judgeMessage(m);
    expect(factsOf(findings, 'headers.cleartext-hop')).toMatchObject({ from: 'smtp.example.com' });
    expect(m.border).toEqual({ hop: 1, ip: null, from: 'smtp.example.com', by: 'mx.example.net' });
  });

  it('names the unverified hops by the border’s address, or its name without one', () => {
    const m = message([submission(), inbound({ fromIp: null, by: null })]);
    const findings = judgeMessage(m, { domains: ['example.net'] });
    expect(factsOf(findings, 'headers.unverified-hops')).toEqual({ lines: 'The Received line below', are: 'is a claim', border: 'hop 2 (your border server)', ip: 'smtp.example.com' });
  });

  it('gives no unverified-hops finding when the border is the lowest line', () => {
    const m = message([inbound(), delivery()]);
    expect(ids(judgeMessage(m))).toEqual(['headers.all-protected']);
    expect(m.border?.hop).toBe(1);
  });

  it('names the old protocol on crossing hops only', () => {
    const m = message([
      { fromReverse: 'a.example.org', fromIp: '192.0.2.1', by: 'b.example.com', tlsVersion: 'TLS 1.2' },
      { fromReverse: 'b.example.com', fromIp: '192.0.2.2', by: 'relay.example.org', tlsVersion: 'TLS 1.1', cipher: 'AES128-SHA' },
      { fromReverse: 'relay.example.org', fromIp: '192.0.2.3', by: '198.51.100.200', tlsVersion: 'SSL 3.0' },
      inbound({ fromReverse: 'edge.example.org', fromIp: '192.0.2.4', tlsVersion: 'TLS 1.3' }),
      delivery({ tlsVersion: 'TLS 1.0' }),
    ]);
    const findings = judgeMessage(m);
    expect(ids(findings)).toEqual(['headers.old-protocol-hop', 'headers.unverified-hops', 'headers.all-protected']);
    expect(factsOf(findings, 'headers.old-protocol-hop')).toEqual({ hop: '2, 3', from: 'b.example.com [192.0.2.2]', by: 'relay.example.org', version: 'TLS 1.1 and SSL 3.0', byDomain: 'example.org' });
    expect(factsOf(findings, 'headers.all-protected')).toEqual({ hops: '4 hops', weakest: 'SSL 3.0' });
  });

  it('writes an old-protocol hop by an address or by nothing', () => {
    const byIp = message([{ fromIp: '192.0.2.2', by: '198.51.100.200', tlsVersion: 'TLS 1.0' }]);
    expect(factsOf(judgeMessage(byIp), 'headers.old-protocol-hop')).toEqual({ hop: '1', from: '192.0.2.2', by: '198.51.100.200', version: 'TLS 1.0', byDomain: 'your domain' });
    const byNothing = message([{ fromIp: '192.0.2.2', tlsVersion: 'TLS 1.0' }]);
    expect(factsOf(judgeMessage(byNothing), 'headers.old-protocol-hop')).toEqual({ hop: '1', from: '192.0.2.2', by: 'an unnamed host', version: 'TLS 1.0', byDomain: 'your domain' });
  });

  it('names the hops that say nothing about TLS', () => {
    const m = message([
      { fromReverse: 'a.example.org', fromIp: '192.0.2.1', by: 'b.example.com', with: 'SMTP', protocol: ESMTP, software: 'qmail' },
      { fromReverse: 'b.example.com', fromIp: '192.0.2.2', by: 'c.example.org', with: 'ESMTPS', protocol: ESMTPS },
      { fromReverse: 'c.example.org', fromIp: '192.0.2.3', by: 'smtp.example.com', software: null },
      inbound(),
    ]);
    const findings = judgeMessage(m, { domains: ['example.net'] });
    expect(ids(findings)).toEqual(['headers.tls-unknown-hop', 'headers.unverified-hops']);
    expect(factsOf(findings, 'headers.tls-unknown-hop')).toEqual({ hop: '1, 3', from: 'a.example.org [192.0.2.1]', by: 'b.example.com', why: 'with SMTP, but qmail is not known to mark TLS' });
    const byNothing = message([{ fromIp: '192.0.2.3' }]);
    expect(judgeMessage(byNothing)).toEqual([
      { id: 'headers.tls-unknown-hop', facts: { hop: '1', from: '192.0.2.3', by: 'an unnamed host', why: 'no transmission type and no TLS details written' } },
    ]);
  });

  it('lists the findings in their order: clear text, old protocol, unknown, skew, unverified, TLS-Required', () => {
    const m = message(
      [
        { fromReverse: 'a.example.org', fromIp: '192.0.2.1', by: 'b.example.com', with: 'ESMTP', protocol: ESMTP, software: 'postfix', date: '2026-11-20T10:00:00.000Z' },
        { fromReverse: 'b.example.com', fromIp: '192.0.2.2', by: 'c.example.org', tlsVersion: 'TLS 1.0', date: '2026-11-20T09:00:00.000Z' },
        inbound({ with: 'ESMTP', protocol: ESMTP, software: null }),
      ],
      { tlsRequired: 'No' },
    );
    const expected = ['headers.cleartext-hop', 'headers.old-protocol-hop', 'headers.tls-unknown-hop', 'headers.clock-skew', 'headers.unverified-hops', 'headers.tls-required-ignored'];
    expect(ids(judgeMessage(m))).toEqual(expected);
    expect(m.findings).toEqual(expected);
  });

  it.each([
    ['No', 'No'],
    ['no', 'no'],
    ['NO', 'NO'],
    ['  No \t', 'No'],
  ])('takes TLS-Required: %j for a relaxed TLS', (value, written) => {
    const m = message([inbound()], { tlsRequired: value });
    expect(judgeMessage(m)).toEqual([
      { id: 'headers.tls-required-ignored', facts: { value: written } },
      { id: 'headers.all-protected', facts: { hops: '1 hop', weakest: 'version not written' } },
    ]);
  });

  it.each(['Yes', 'no thanks', 'N', '', 'not'])('does not take TLS-Required: %j for a relaxed TLS', (value) => {
    const m = message([inbound()], { tlsRequired: value });
    expect(ids(judgeMessage(m))).toEqual(['headers.all-protected']);
  });

  it('writes "hops" for several protected hops', () => {
    const m = message([{ fromReverse: 'a.example.org', fromIp: '192.0.2.1', by: 'smtp.example.com', with: 'ESMTPS', protocol: ESMTPS, tlsVersion: 'TLS 1.3' }, inbound()]);
    expect(factsOf(judgeMessage(m), 'headers.all-protected')).toEqual({ hops: '2 hops', weakest: 'TLS 1.3' });
  });

  it('names the organisation the message stayed in: the provider, then the first own name', () => {
    const google = message([{ by: 'mx.google.com', with: 'SMTP' }]);
    expect(judgeMessage(google)).toEqual([{ id: 'headers.no-internet-hop', facts: { org: 'Google' } }]);
    const named = message([delivery()]);
    expect(judgeMessage(named, { domains: ['example.net', 'example.org'] })).toEqual([{ id: 'headers.no-internet-hop', facts: { org: 'example.net' } }]);
  });
});

describe('judgeMessage: authentication results', () => {
  const field = (authservId: string | null): AuthResultsField => ({ field: 'Authentication-Results', line: 1, instance: null, authservId, trusted: authservId === null, results: [], notes: [] });

  it('trusts only the authserv-ids given, in any case, never a missing one', () => {
    const m = message([inbound({ line: 10 })], { authentication: [field('mx.example.net'), field('MX.Example.NET'), field('mx.example.org'), field(null), field('mx2.example.net')] });
    judgeMessage(m, { authservIds: ['MX.example.net', 'mx2.EXAMPLE.net'] });
    expect(m.authentication.map((a) => a.trusted)).toEqual([true, true, false, false, true]);
  });

  it('never trusts a field below the border line: it came with the message (RFC 8601 §5), whatever its authserv-id', () => {
    const m = message([inbound({ line: 10 })], { authentication: [{ ...field('mx.example.net'), line: 9 }, { ...field('mx.example.net'), line: 10 }, { ...field('mx.example.net'), line: 11 }] });
    judgeMessage(m, { authservIds: ['mx.example.net'] });
    expect(m.authentication.map((a) => a.trusted)).toEqual([true, false, false]);
    const internal = message([{ fromIp: '10.0.0.5', by: 'mx.example.net', line: 10 }], { authentication: [{ ...field('mx.example.net'), line: 30 }] });
    judgeMessage(internal, { authservIds: ['mx.example.net'] });
    expect(internal.authentication.map((a) => a.trusted)).toEqual([true]);
  });

  it('trusts nothing without --authserv-id', () => {
    const m = message([inbound()], { authentication: [field('mx.example.net'), field(null)] });
    judgeMessage(m);
    expect(m.authentication.map((a) => a.trusted)).toEqual([false, false]);
  });
});

describe('headersCheck', () => {
  function body(over: Partial<HeadersBody> = {}): HeadersBody {
    return {
      inputs: { files: 1, messages: 1, returned: 0, unreadable: 0 },
      options: { domains: [], internal: [], authservIds: [] },
      messages: [],
      messagesNotListed: 0,
      rows: [],
      rowsNotListed: 0,
      totals: { protected: 0, cleartext: 0, unknown: 0, noInternetHop: 0, noHops: 0 },
      problems: [],
      problemsNotListed: 0,
      limits: [],
      ...over,
    };
  }
  const summary = (findings: ReturnType<typeof Judge.headersCheck.assess>) => findings.map((f) => ({ id: f.id, title: f.title, facts: f.facts }));

  it('gives one message’s findings with an empty scope', () => {
    const findings = J.headersCheck.assess({ body: body(), perMessage: [{ source: 'a.eml', findings: [{ id: 'headers.tls-required-ignored', facts: { value: 'No' } }] }] });
    expect(summary(findings)).toEqual([
      { id: 'headers.tls-required-ignored', title: 'The sender asked to relax TLS for this message (TLS-Required: No, RFC 8689)', facts: { value: 'No', scope: '' } },
    ]);
    expect(findings[0]!.severity).toBe('warning');
  });

  it('merges one finding per id over the messages, with the first message’s facts and how many showed it', () => {
    const findings = J.headersCheck.assess({
      body: body(),
      perMessage: [
        { source: 'a.eml', findings: [{ id: 'headers.no-internet-hop', facts: { org: 'example.net' } }] },
        { source: 'b.eml', findings: [{ id: 'headers.no-received', facts: {} }] },
        { source: 'c.eml', findings: [] },
        { source: 'd.eml', findings: [{ id: 'headers.no-internet-hop', facts: { org: 'example.org' } }, { id: 'headers.no-received', facts: {} }] },
        { source: 'e.eml', findings: [{ id: 'headers.no-internet-hop', facts: { org: 'example.com' } }] },
      ],
    });
    expect(summary(findings)).toEqual([
      {
        id: 'headers.no-internet-hop',
        title: 'No hop crossed between organisations: the message stayed inside example.net; in 3 of 5 messages, first a.eml',
        facts: { org: 'example.net', scope: '; in 3 of 5 messages, first a.eml' },
      },
      {
        id: 'headers.no-received',
        title: 'No Received line: nothing shows how the message travelled; in 2 of 5 messages, first b.eml',
        facts: { scope: '; in 2 of 5 messages, first b.eml' },
      },
    ]);
  });

  it('gives nothing for no messages and nothing wrong', () => {
    expect(J.headersCheck.assess({ body: body(), perMessage: [] })).toEqual([]);
    expect(J.headersCheck.name).toBe('headers');
  });

  it('names the unreadable inputs', () => {
    const findings = J.headersCheck.assess({
      body: body({
        inputs: { files: 4, messages: 1, returned: 0, unreadable: 3 },
        problems: [
          { source: 'empty.eml', detail: 'empty' },
          { source: 'photo.jpg', detail: 'not text' },
          { source: 'huge.mbox', detail: 'too large' },
        ],
      }),
      perMessage: [{ source: 'a.eml', findings: [] }],
    });
    expect(summary(findings)).toEqual([
      {
        id: 'headers.unreadable-input',
        title: '3 inputs gave no message: empty.eml (empty), photo.jpg (not text) and 1 more',
        facts: { inputs: '3 inputs', examples: 'empty.eml (empty), photo.jpg (not text) and 1 more' },
      },
    ]);
  });

  it('says nothing of problems when no input was unreadable', () => {
    expect(J.headersCheck.assess({ body: body({ problems: [{ source: 'a.eml', detail: 'something' }] }), perMessage: [] })).toEqual([]);
  });

  it('names the bounds reached, with the messages and rows left out', () => {
    const all = J.headersCheck.assess({
      body: body({ limits: ['500 Received lines in a.eml (100 kept)'], messagesNotListed: 7, rowsNotListed: 2 }),
      perMessage: [],
    });
    expect(summary(all)).toEqual([
      {
        id: 'headers.limit-reached',
        title: 'A bound of mxray was reached while reading: 500 Received lines in a.eml (100 kept), 7 messages summed but not shown in full, 2 messages counted but not listed',
        facts: { limits: '500 Received lines in a.eml (100 kept), 7 messages summed but not shown in full, 2 messages counted but not listed' },
      },
    ]);
    const rows = J.headersCheck.assess({ body: body({ rowsNotListed: 1 }), perMessage: [] });
    expect(summary(rows)).toEqual([
      { id: 'headers.limit-reached', title: 'A bound of mxray was reached while reading: 1 messages counted but not listed', facts: { limits: '1 messages counted but not listed' } },
    ]);
    const messages = J.headersCheck.assess({ body: body({ messagesNotListed: 1, limits: ['a', 'b', 'c'] }), perMessage: [] });
    expect(messages[0]!.facts).toEqual({ limits: 'a, b, c and 1 more' });
  });

  it('puts the merged findings before the input problems and the bounds', () => {
    const findings = J.headersCheck.assess({
      body: body({ inputs: { files: 2, messages: 1, returned: 0, unreadable: 1 }, problems: [{ source: 'x.eml', detail: 'empty' }], limits: ['a bound'] }),
      perMessage: [{ source: 'a.eml', findings: [{ id: 'headers.no-received', facts: {} }] }],
    });
    expect(findings.map((f) => f.id)).toEqual(['headers.no-received', 'headers.unreadable-input', 'headers.limit-reached']);
  });
});
