// One address's probe against an SMTP server in memory (memory-mta.ts): what each phase cites as
// evidence, what is asked inside TLS, how the extra connections start TLS, what the transcript says
// of a certificate it cannot read, and probeHost called directly (it is exported: its context's
// progress observer is optional, and its input is not checked again).
import { createHash } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import { DEFAULT_LIMITS, type Connection, type Connector, type ProbeContext, type Resolver } from '../../../../src/core/context.js';
import { DnsError } from '../../../../src/core/errors.js';
import type { HostReport, ReceiverReport as Report, TranscriptEvent } from '../../../../src/core/schema.js';
import { Transcript } from '../../../../src/core/transcript.js';
import { createSelfSigned } from '../../../../src/demo/test-pki.js';
import { probeHost, type HostTarget, type ProbeOptions } from '../../../../src/jobs/receiver/probe-host.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { checkReceiver, type ReceiverOptions } from '../../../../src/library.js';
import { schemaErrors } from '../../../helpers/schema.js';
import { handshakeFailure, handshakeOf, memoryMta, reply, type MemoryMta, type MemoryPlan } from './memory-mta.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const KEY = 'mx1.far.test[192.0.2.1]:25';

/** far.test → mx1.far.test (192.0.2.1), and mx2.far.test (192.0.2.2) when asked for two. */
function resolver(names: string[] = ['mx1.far.test']): Resolver {
  const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
  const a: Record<string, string> = { 'mx1.far.test': '192.0.2.1', 'mx2.far.test': '192.0.2.2' };
  return {
    description: 'in-test resolver',
    mx: (name) => (name === 'far.test' ? Promise.resolve(names.map((exchange, i) => ({ exchange, priority: 10 * (i + 1) }))) : nx(name, 'MX')),
    a: (name) => (a[name] ? Promise.resolve([a[name]]) : nx(name, 'A')),
    aaaa: (name) => nx(name, 'AAAA'),
    cname: (name) => nx(name, 'CNAME'),
    txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
  };
}

async function check(mta: MemoryMta, extra: Partial<ReceiverOptions> = {}): Promise<{ report: Report; host: HostReport }> {
  const report = await checkReceiver({
    target: 'far.test',
    posture: false,
    helo: 'client.mxray.test',
    clock: fixedClock(NOW),
    resolver: resolver(),
    connector: mta.connector,
    trustStore: createTrustStore([], 'empty'),
    ...extra,
  });
  expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
  return { report, host: report.body.hosts[0]! };
}

/** The events a host's evidence cites for one phase, as "kind text". */
function cited(report: Report, seqs: number[] | undefined): string[] | undefined {
  return seqs?.map((seq) => {
    const e = report.transcript.find((x) => x.seq === seq)!;
    return `${e.kind} ${e.text}`;
  });
}

const TARGET: HostTarget = {
  mx: 'mx1.far.test',
  preference: 10,
  address: '192.0.2.1',
  family: 4,
  port: 25,
  implicitTls: false,
  serverName: 'mx1.far.test',
  domain: 'far.test',
};

/** probeHost itself, with a context of its own (no scheduler, no judge). */
function direct(mta: MemoryMta, opts: Partial<ProbeOptions> = {}, onProgress?: ProbeContext['onProgress']) {
  const clock = fixedClock(NOW);
  const transcript = new Transcript(clock);
  const ctx: ProbeContext = { clock, resolver: resolver(), connector: mta.connector, transcript, limits: DEFAULT_LIMITS, hostMap: new Map(), ...(onProgress ? { onProgress } : {}) };
  return { transcript, probe: probeHost(ctx, TARGET, { helo: 'client.mxray.test', from: null, rcpt: null, extras: true, ...opts }) };
}

const failingNormalHandshake: MemoryPlan['handshake'] = (o) => {
  if (o.profile.name === 'normal') throw handshakeFailure();
  return handshakeOf([], 'TLSv1');
};

describe('probeHost called directly', () => {
  it('without a progress observer: the main session, the handshake without SNI and the cleartext session all run', async () => {
    const mta = memoryMta();
    const { facts } = await direct(mta).probe;
    expect([facts.status, facts.tls?.ok, facts.noSni?.status, facts.cleartext?.status, facts.legacyRetry]).toEqual(['ok', true, 'ok', 'ok', null]);
    // Every connection ends with QUIT, inside TLS after a handshake (regression: the handshake
    // without SNI used to close without a word: "lost connection after STARTTLS" in Postfix's log).
    expect([1, 2, 3].map((c) => mta.dialogue(c))).toEqual([
      ['EHLO', 'STARTTLS', 'EHLO(tls)', 'QUIT(tls)'],
      ['EHLO', 'STARTTLS', 'QUIT(tls)'],
      ['EHLO', 'MAIL', 'RCPT', 'RSET', 'QUIT'],
    ]);
  });

  it('without a progress observer: the legacy retry after a failed handshake runs too', async () => {
    const mta = memoryMta({ handshake: failingNormalHandshake });
    const { facts } = await direct(mta).probe;
    expect(facts.status).toBe('tls-handshake-error');
    expect(facts.legacyRetry).toEqual({ ok: true, protocol: 'TLSv1', cipher: 'TLS_AES_128_GCM_SHA256', cipherStandard: 'TLS_AES_128_GCM_SHA256', error: null, failure: null, peerChain: [] });
    expect(mta.handshakes.map((h) => `${h.conn} ${h.profile}`)).toEqual(['1 normal', '2 legacy']);
  });

  it('an observer that throws when the handshake begins: our bug (internal-error), not a failed handshake; no handshake, no retry', async () => {
    const mta = memoryMta();
    const phases: string[] = [];
    const { facts } = await direct(mta, {}, (key, phase) => {
      phases.push(`${key} ${phase}`);
      if (phase === 'TLS handshake') throw new TypeError('observer bug');
    }).probe;
    expect([facts.status, facts.statusDetail, facts.statusReason]).toEqual(['internal-error', 'observer bug', 'bug']);
    expect(facts.tls).toBeNull();
    expect(facts.legacyRetry).toBeNull();
    expect(facts.starttls.negotiated).toBe(false);
    expect(mta.handshakes).toEqual([]);
    expect(mta.dialogue(1)).toEqual(['EHLO', 'STARTTLS', 'QUIT']);
    // No extra connections after our own error.
    expect(phases).toEqual(['banner', 'EHLO', 'STARTTLS', 'TLS handshake', 'done'].map((p) => `${KEY} ${p}`));
  });

  it('a sender address the client refuses inside TLS (only a direct caller can pass one): invalid-input stays ours, never post-tls-error', async () => {
    const mta = memoryMta();
    const { facts } = await direct(mta, { from: 'pro be@example.com', extras: false }).probe;
    expect(facts.starttls.negotiated).toBe(true);
    expect([facts.status, facts.statusReason]).toEqual(['invalid-input', null]);
    expect(mta.dialogue(1)).toEqual(['EHLO', 'STARTTLS', 'EHLO(tls)', 'QUIT(tls)']);
  });
});

describe('the STARTTLS phase and the TLS phase in the evidence', () => {
  it('STARTTLS accepted: its phase is the command and the 220, the TLS phase the handshake (what the TLS findings cite)', async () => {
    const { report, host } = await check(memoryMta(), { extras: false });
    expect(cited(report, host.evidence.starttls)).toEqual(['send STARTTLS', 'recv 220 2.0.0 go ahead']);
    expect(cited(report, host.evidence.tls)).toEqual(['tls TLS handshake (normal, SNI mx1.far.test)', 'tls TLS established: TLSv1.3 TLS_AES_128_GCM_SHA256 x25519']);
    expect(host.findings.find((f) => f.id === 'tls.ok')!.evidence).toEqual(host.evidence.tls);
  });

  it('STARTTLS refused (454): its phase is the command and the refusal; no TLS phase, and no "TLS handshake" in the progress', async () => {
    const mta = memoryMta({ answer: (verb) => (verb === 'STARTTLS' ? reply(454, '4.7.0 TLS not available') : undefined) });
    const phases: string[] = [];
    const { report, host } = await check(mta, { extras: false, onProgress: (_key, phase) => phases.push(phase) });
    expect(host.starttls.negotiated).toBe(false);
    expect(cited(report, host.evidence.starttls)).toEqual(['send STARTTLS', 'recv 454 4.7.0 TLS not available']);
    expect(Object.keys(host.evidence).sort()).toEqual(['banner', 'connect', 'ehlo', 'starttls']);
    expect(phases).toEqual(['banner', 'EHLO', 'STARTTLS', 'done']);
    expect(host.findings.find((f) => f.id === 'starttls.rejected')!.evidence).toEqual(host.evidence.starttls);
  });

  it('two hosts probed at once: each phase cites only its own connection, though the other host talks meanwhile', async () => {
    // mx1 answers STARTTLS only once mx2 has said EHLO, and finishes its handshake only once mx2
    // has said EHLO inside TLS: mx2's events fall inside both of mx1's phases.
    let mx2Ehlo!: () => void;
    let mx2EhloTls!: () => void;
    const mx2Greeted = new Promise<void>((resolve) => (mx2Ehlo = resolve));
    const mx2InTls = new Promise<void>((resolve) => (mx2EhloTls = resolve));
    const mta = memoryMta({
      answer: async (verb, _line, c) => {
        if (c.address === '192.0.2.2' && verb === 'EHLO') (c.secure ? mx2EhloTls : mx2Ehlo)();
        if (c.address === '192.0.2.1' && verb === 'STARTTLS' && !c.secure) await mx2Greeted;
        return undefined;
      },
      handshake: async (_o, c) => {
        if (c.address === '192.0.2.1') await mx2InTls;
        return handshakeOf();
      },
    });
    const { report } = await check(mta, { extras: false, resolver: resolver(['mx1.far.test', 'mx2.far.test']) });
    const [mx1, mx2] = report.body.hosts;
    expect([mx1!.key, mx2!.key]).toEqual([KEY, 'mx2.far.test[192.0.2.2]:25']);
    // They did interleave: mx2's events lie inside each of mx1's two phases.
    const seqOf = (host: HostReport, test: (e: TranscriptEvent) => boolean) => report.transcript.find((e) => e.conn === `${host.key}/main` && test(e))!.seq;
    const mx1Starttls = seqOf(mx1!, (e) => e.text === 'STARTTLS');
    const mx1Reply = seqOf(mx1!, (e) => e.text === '220 2.0.0 go ahead');
    const mx1Established = seqOf(mx1!, (e) => e.text.startsWith('TLS established'));
    const mx2Between = (from: number, to: number) => report.transcript.filter((e) => e.seq > from && e.seq < to && e.conn.startsWith('mx2.')).length;
    expect(mx2Between(mx1Starttls, mx1Reply)).toBeGreaterThan(0);
    expect(mx2Between(mx1Reply, mx1Established)).toBeGreaterThan(0);
    for (const host of [mx1!, mx2!]) {
      expect(cited(report, host.evidence.starttls)).toEqual(['send STARTTLS', 'recv 220 2.0.0 go ahead']);
      expect(cited(report, host.evidence.tls)).toEqual([`tls TLS handshake (normal, SNI ${host.mx})`, 'tls TLS established: TLSv1.3 TLS_AES_128_GCM_SHA256 x25519']);
      for (const seqs of Object.values(host.evidence)) {
        expect(report.transcript.filter((e) => seqs.includes(e.seq)).every((e) => e.conn === `${host.key}/main`)).toBe(true);
      }
    }
  });
});

describe('EHLO inside TLS', () => {
  it('its capabilities are the ones it advertised inside TLS, not those in clear', async () => {
    const mta = memoryMta({ tlsCaps: () => ['PIPELINING', 'AUTH PLAIN LOGIN', 'CHUNKING'] });
    const { host } = await check(mta, { extras: false });
    expect(host.capabilities.map((c) => c.keyword)).toEqual(['PIPELINING', 'STARTTLS', '8BITMIME']);
    expect(host.capabilitiesInTls?.map((c) => [c.keyword, c.params])).toEqual([
      ['PIPELINING', []],
      ['AUTH', ['PLAIN', 'LOGIN']],
      ['CHUNKING', []],
    ]);
  });

  it('500 to EHLO inside TLS: no HELO is tried there (the refusal itself is what the report shows)', async () => {
    const mta = memoryMta({ answer: (verb, _line, c) => (verb === 'EHLO' && c.secure ? reply(500, '5.5.1 what?') : undefined) });
    const { host } = await check(mta, { extras: false });
    expect(mta.dialogue(1)).toEqual(['EHLO', 'STARTTLS', 'EHLO(tls)', 'QUIT(tls)']);
    expect(host.ehloTlsReply?.code).toBe(500);
    expect(host.capabilitiesInTls).toBeNull();
    expect(host.findings.map((f) => f.id)).toContain('smtp.ehlo-rejected');
  });

  it('implicit TLS and a server without ESMTP (HELO accepted): no capabilities inside TLS or out, no EHLO name', async () => {
    const mta = memoryMta({ implicitTls: true, answer: (verb) => (verb === 'EHLO' ? reply(502, '5.5.2 no ESMTP here') : undefined) });
    const { host } = await check(mta, { extras: false, port: 465 });
    expect(host.implicitTls).toBe(true);
    expect(mta.dialogue(1)).toEqual(['EHLO(tls)', 'HELO(tls)', 'QUIT(tls)']);
    expect([host.greeting, host.ehloName, host.capabilities, host.capabilitiesInTls]).toEqual(['HELO', null, [], null]);
  });
});

describe('the extra connections', () => {
  it('STARTTLS advertised on the main connection only: the connection without SNI sends it anyway', async () => {
    const mta = memoryMta({ clearCaps: (c) => (c.id === 1 ? ['PIPELINING', 'STARTTLS'] : ['PIPELINING']) });
    const { host } = await check(mta);
    expect(mta.dialogue(2)).toEqual(['EHLO', 'STARTTLS', 'QUIT(tls)']);
    expect(mta.handshakes.map((h) => [h.conn, h.servername])).toEqual([
      [1, 'mx1.far.test'],
      [2, null],
    ]);
    expect(host.noSni).toEqual({ status: 'ok', error: null, peerChain: [] });
  });

  it('the same for the legacy retry', async () => {
    const mta = memoryMta({ clearCaps: (c) => (c.id === 1 ? ['PIPELINING', 'STARTTLS'] : ['PIPELINING']), handshake: failingNormalHandshake });
    const { host } = await check(mta, { extras: false });
    // The legacy retry ends politely too: QUIT inside TLS.
    expect(mta.dialogue(2)).toEqual(['EHLO', 'STARTTLS', 'QUIT(tls)']);
    expect(host.legacyRetry?.ok).toBe(true);
  });
});

describe('the confirming handshake with SNI', () => {
  /** Stand-ins for leaves (the probe compares the bytes, it never parses them). */
  const A = Buffer.from('leaf A');
  const B = Buffer.from('leaf B');
  /** A server that shows `main` with SNI and `other` without, and `again` to a second handshake with SNI. */
  const showing = (main: Buffer, other: Buffer, again: Buffer = main): MemoryPlan['handshake'] => {
    let withSni = 0;
    return (o) => handshakeOf(o.servername === null ? [other] : [withSni++ === 0 ? main : again]);
  };

  it('only when the certificate without SNI differs: made once, last, with SNI, ending with QUIT inside TLS; its facts and evidence', async () => {
    const mta = memoryMta({ handshake: showing(A, B) });
    const phases: string[] = [];
    const { transcript, probe } = direct(mta, {}, (_key, phase) => phases.push(phase));
    const { facts } = await probe;
    expect(mta.handshakes.map((h) => [h.conn, h.servername, h.profile])).toEqual([
      [1, 'mx1.far.test', 'normal'],
      [2, null, 'normal'],
      [4, 'mx1.far.test', 'normal'],
    ]);
    expect(mta.attempts).toHaveLength(4);
    expect(mta.dialogue(3)).toEqual(['EHLO', 'MAIL', 'RCPT', 'RSET', 'QUIT']);
    expect(mta.dialogue(4)).toEqual(['EHLO', 'STARTTLS', 'QUIT(tls)']);
    expect(facts.noSni).toEqual({ status: 'ok', error: null, peerChain: [B.toString('base64')], confirm: { status: 'ok', error: null, peerChain: [A.toString('base64')] } });
    expect(phases).toEqual(['banner', 'EHLO', 'STARTTLS', 'TLS handshake', 'EHLO in TLS', 'handshake without SNI', 'cleartext session', 'handshake with SNI again', 'done']);
    // Its evidence: every event of its connection, and only those.
    const mine = transcript.events.filter((e) => e.conn === `${KEY}/sni-confirm`);
    expect(facts.evidence.sniConfirm).toEqual(mine.map((e) => e.seq));
    expect(mine.filter((e) => e.kind === 'cert').map((e) => e.text)).toEqual(['again with SNI: 1 certificate(s) sent; the leaf could not be read']);
  });

  it('another certificate the second time too: recorded as shown (judging is not the probe’s business)', async () => {
    const mta = memoryMta({ handshake: showing(A, B, B) });
    const { facts } = await direct(mta).probe;
    expect(facts.noSni?.confirm).toEqual({ status: 'ok', error: null, peerChain: [B.toString('base64')] });
    expect(mta.handshakes).toHaveLength(3);
  });

  it('never otherwise: the same certificate, no certificate on either side, a failed handshake without SNI, extras off', async () => {
    const cases: [MemoryPlan, Partial<ProbeOptions>][] = [
      [{ handshake: showing(A, A) }, {}],
      [{ handshake: () => handshakeOf([]) }, {}],
      [{ handshake: (o) => handshakeOf(o.servername === null ? [] : [A]) }, {}],
      [{ handshake: (o) => handshakeOf(o.servername === null ? [B] : []) }, {}],
      [{ handshake: (o) => (o.servername === null ? Promise.reject(handshakeFailure()) : handshakeOf([A])) }, {}],
      [{ handshake: showing(A, B) }, { extras: false }],
    ];
    const seen = [];
    for (const [plan, opts] of cases) {
      const mta = memoryMta(plan);
      const { facts } = await direct(mta, opts).probe;
      seen.push([mta.attempts.length, facts.noSni?.confirm, facts.evidence.sniConfirm]);
    }
    expect(seen).toEqual([
      [3, undefined, undefined],
      [3, undefined, undefined],
      [3, undefined, undefined],
      [3, undefined, undefined],
      [3, undefined, undefined],
      [1, undefined, undefined],
    ]);
  });

  it('implicit TLS: made third (there is no cleartext session), with SNI', async () => {
    const mta = memoryMta({ implicitTls: true, handshake: showing(A, B) });
    const report = await check(mta, { tlsOnConnect: true });
    expect(mta.handshakes.map((h) => [h.conn, h.servername])).toEqual([
      [1, 'mx1.far.test'],
      [2, null],
      [3, 'mx1.far.test'],
    ]);
    // Ended as the one without SNI ends on an SMTPS port: closed once its certificate is seen (no banner read, nothing said).
    expect([mta.dialogue(2), mta.dialogue(3)]).toEqual([[], []]);
    expect(report.host.noSni?.confirm?.status).toBe('ok');
  });

  it('the second handshake with SNI fails: its status and error recorded, the connection closed', async () => {
    let withSni = 0;
    const mta = memoryMta({ handshake: (o) => (o.servername === null ? handshakeOf([B]) : withSni++ === 0 ? handshakeOf([A]) : Promise.reject(handshakeFailure())) });
    const { transcript, probe } = direct(mta);
    const { facts } = await probe;
    expect(facts.noSni?.confirm).toEqual({ status: 'tls-handshake-error', error: facts.noSni?.confirm?.error, peerChain: [] });
    expect(facts.noSni?.confirm?.error).not.toBeNull();
    expect(transcript.events.filter((e) => e.conn === `${KEY}/sni-confirm`).map((e) => e.kind).at(-1)).toBe('close');
  });
});

describe('certificates in the transcript', () => {
  it('a chain whose leaf Node cannot read, and no chain at all: the count, and that the leaf could not be read', async () => {
    const garbage = memoryMta({ handshake: () => handshakeOf([Buffer.from('not a certificate'), Buffer.from('nor this')]) });
    const { report } = await check(garbage);
    expect(report.transcript.filter((e) => e.kind === 'cert').map((e) => `${e.conn} ${e.text}`)).toEqual([
      `${KEY}/main 2 certificate(s) sent; the leaf could not be read`,
      `${KEY}/no-sni without SNI: 2 certificate(s) sent; the leaf could not be read`,
    ]);
    const none = memoryMta();
    const { report: empty } = await check(none, { extras: false });
    expect(empty.transcript.filter((e) => e.kind === 'cert').map((e) => e.text)).toEqual(['0 certificate(s) sent; the leaf could not be read']);
  });

  it('the chain as sent on the wire, when it differs from what Node shows (order, duplicates, strays); nothing more when it is the same', async () => {
    const leaf = await createSelfSigned({ commonName: 'mx1.far.test' }, Date.UTC(2026, 10, 1));
    const stray = Buffer.from('stray bytes');
    const shown = [leaf.der];
    const asSent = [leaf.der, stray, leaf.der];
    const differs = memoryMta({ handshake: () => ({ ...handshakeOf(shown), sentChain: asSent }) });
    const { report } = await check(differs, { extras: false });
    const id = createHash('sha256').update(leaf.der).digest('hex').toUpperCase().slice(0, 8);
    expect(report.transcript.filter((e) => e.kind === 'cert').map((e) => e.text)[1]).toBe(
      `as sent on the wire: 3 certificate(s), in this order: CN=mx1.far.test, O=mxray test server [${id}] | (11 bytes that are no certificate Node can read) | CN=mx1.far.test, O=mxray test server [${id}]`,
    );
    for (const sentChain of [shown, null, undefined]) {
      const same = memoryMta({ handshake: () => ({ ...handshakeOf(shown), sentChain }) });
      const { report: r } = await check(same, { extras: false });
      expect(r.transcript.filter((e) => e.kind === 'cert'), String(sentChain)).toHaveLength(1);
    }
    // Same count, another order: shown too.
    const swapped = memoryMta({ handshake: () => ({ ...handshakeOf([leaf.der, stray]), sentChain: [stray, leaf.der] }) });
    const { report: s2 } = await check(swapped, { extras: false });
    expect(s2.transcript.filter((e) => e.kind === 'cert')).toHaveLength(2);
  });
});

describe('a client certificate request seen in a handshake that worked (clientCertificateRequested)', () => {
  /** What a tapping connector (net/connector.ts) adds to a handshake: the record layer's summary. */
  const tapped = (protocol: string, certificateRequest: boolean) => ({
    ...handshakeOf([], protocol),
    records: { bytes: 900, notTls: false, preview: null, serverHello: true, certificate: true, encrypted: false, alert: null, certificateRequest, certificateBytes: 700, serverHelloDone: true, encryptedBytes: 0 },
  });

  it.each([
    ['TLS 1.2, a CertificateRequest seen in the clear: true', () => tapped('TLSv1.2', true), true],
    ['TLS 1.2, none seen: false', () => tapped('TLSv1.2', false), false],
    ['TLS 1.3: null, whatever the records say (the request travels encrypted there)', () => tapped('TLSv1.3', true), null],
    ['no records (a connector that does not tap them): null', () => handshakeOf([], 'TLSv1.2'), null],
  ])('%s', async (_name, handshake, expected) => {
    const { facts } = await direct(memoryMta({ handshake }), { extras: false }).probe;
    expect(facts.tls?.ok).toBe(true);
    expect(facts.tls?.clientCertificateRequested).toBe(expected);
  });
});

describe('failures after a handshake that worked', () => {
  it("the server's alert after the handshake (TLS 1.3: certificate_required) is kept with the TLS facts; the session is a post-TLS error", async () => {
    // The stream inside TLS ends with the error Node gives for a received alert.
    const connections: Connection[] = [];
    const mta = memoryMta({
      answer: (verb, _line, c) => {
        if (verb !== 'EHLO' || !c.secure) return undefined;
        const alert = Object.assign(new Error('tlsv13 alert certificate required'), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
        setImmediate(() => connections[c.id - 1]!.stream.destroy(alert));
        return new Promise<undefined>(() => undefined);
      },
    });
    const connector: Connector = { connect: async (o) => (connections.push(await mta.connector.connect(o)), connections.at(-1)!) };
    const { facts } = await direct({ ...mta, connector }, { extras: false }).probe;
    expect([facts.status, facts.statusReason]).toEqual(['post-tls-error', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED']);
    expect(facts.tls).toMatchObject({ ok: true, protocol: 'TLSv1.3', alertAfterHandshake: 'certificate_required' });
  });

  it('our own bug after the handshake (an observer that throws at "EHLO in TLS") stays internal-error, never post-tls-error', async () => {
    const mta = memoryMta();
    const { facts } = await direct(mta, { extras: false }, (_key, phase) => {
      if (phase === 'EHLO in TLS') throw new TypeError('observer bug');
    }).probe;
    expect(facts.starttls.negotiated).toBe(true);
    expect([facts.status, facts.statusDetail, facts.statusReason]).toEqual(['internal-error', 'observer bug', 'bug']);
    expect(facts.tls).toMatchObject({ ok: true, alertAfterHandshake: null });
  });
});

describe('the legacy retry in the transcript', () => {
  it('its certificates are named as the legacy handshake’s', async () => {
    const { transcript, probe } = direct(memoryMta({ handshake: failingNormalHandshake }), { extras: false });
    await probe;
    expect(transcript.events.filter((e) => e.kind === 'cert').map((e) => `${e.conn} ${e.text}`)).toEqual([`${KEY}/legacy legacy handshake: 0 certificate(s) sent; the leaf could not be read`]);
  });
});

describe('the wait for the reverse lookup and the abort signal', () => {
  /** probeHost with an abort signal and a reverse lookup of our choosing. */
  function withSignal(signal: AbortSignal, ptr: Resolver['ptr']) {
    const clock = fixedClock(NOW);
    const transcript = new Transcript(clock);
    const ctx: ProbeContext = { clock, resolver: { ...resolver(), ptr }, connector: memoryMta().connector, transcript, limits: DEFAULT_LIMITS, hostMap: new Map(), signal };
    return probeHost(ctx, TARGET, { helo: 'client.mxray.test', from: null, rcpt: null, extras: true });
  }

  it('an abort while only the reverse lookup is awaited ends the wait at once (not 3 s later on the clock)', async () => {
    const controller = new AbortController();
    let asked!: () => void;
    const ptrAsked = new Promise<void>((resolve) => (asked = resolve));
    let done = false;
    const pending = withSignal(controller.signal, () => (asked(), new Promise<string[]>(() => undefined))).then((p) => ((done = true), p));
    await ptrAsked;
    // Every session ends without the clock moving; then only the reverse lookup is left.
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    controller.abort();
    for (let i = 0; i < 20 && !done; i++) await new Promise((r) => setImmediate(r));
    expect(done).toBe(true);
    const { facts } = await pending;
    expect([facts.status, facts.noSni?.status, facts.cleartext?.status, facts.ptr]).toEqual(['ok', 'ok', 'ok', []]);
  });

  it('leaves no listener on the signal once it returns (a signal shared by many probes must not collect them)', async () => {
    const controller = new AbortController();
    const { facts } = await withSignal(controller.signal, () => Promise.resolve(['MX1.far.test.']));
    expect(facts.ptr).toEqual(['mx1.far.test']);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
  });
});
