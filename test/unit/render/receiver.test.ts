import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assessDelivery } from '../../../src/checks/delivery/index.js';
import type { Finding, HostReport, ReceiverReport } from '../../../src/core/schema.js';
import { makeFinding, sortFindings } from '../../../src/kb/index.js';
import { certState, receiverDocument, shortCipher, summaryRow, verdictReason } from '../../../src/render/receiver.js';

const FIXTURE = JSON.parse(readFileSync(new URL('../../fixtures/report-sni-dependent.json', import.meta.url), 'utf8')) as ReceiverReport;
const BASE = FIXTURE.body.hosts[0]!;

/** A host of the fixture with some fields replaced (deep enough for the renderers). */
function host(over: Omit<Partial<HostReport>, 'assessment'> & { assessment?: Partial<HostReport['assessment']> } = {}): HostReport {
  const { assessment, ...rest } = over;
  return structuredClone({ ...BASE, ...rest, assessment: { ...BASE.assessment, ...assessment } });
}

const cert = BASE.assessment.certificate!;

describe('shortCipher', () => {
  it.each([
    ['TLS_AES_256_GCM_SHA384', 'AES256-GCM'],
    ['TLS_AES_128_GCM_SHA256', 'AES128-GCM'],
    ['TLS_CHACHA20_POLY1305_SHA256', 'CHACHA20'],
    ['ECDHE-RSA-AES256-GCM-SHA384', 'AES256-GCM'],
    ['ECDHE-RSA-AES128-SHA', 'AES128-CBC'],
    ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'AES128-CBC'],
    ['AES256-CCM', 'AES256-CCM'],
    ['NULL-SHA256', 'NULL'],
    ['TLS_RSA_WITH_NULL_SHA', 'NULL'],
    ['DES-CBC3-SHA', '3DES'],
    ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', '3DES'],
    ['RC4-SHA', 'RC4'],
    ['CAMELLIA256-SHA', 'CAMELLIA'],
    ['SOMETHING-NEW', 'SOMETHING-NEW'],
    ['A-VERY-LONG-UNKNOWN-CIPHER-SUITE-NAME', 'A-VERY-LONG-UNKNOWN…'],
    [null, ''],
  ])('%s → %s', (name, short) => expect(shortCipher(name)).toBe(short));
});

describe('certState: the worst state of the certificate, in one word', () => {
  const withCert = (c: Partial<typeof cert> | null, findings: Finding[] = []) => host({ assessment: { certificate: c === null ? null : { ...cert, ...c } }, findings });
  it('says what "trusted" alone hides', () => {
    expect(certState(withCert({}))).toBe('ok');
    expect(certState(withCert(null))).toBe('-');
    expect(certState(withCert({ timeValid: false, daysLeft: -3 }))).toBe('expired');
    expect(certState(withCert({ timeValid: false, daysLeft: 400 }))).toBe('not yet valid');
    // Time first: an expired self-signed certificate is expired.
    expect(certState(withCert({ timeValid: false, daysLeft: -1, trusted: false, trustFailure: 'self-signed' }))).toBe('expired');
    expect(certState(withCert({ trusted: false, trustFailure: 'bad-signature' }))).toBe('bad chain');
    expect(certState(withCert({ trusted: false, trustFailure: 'chain-invalid' }))).toBe('bad chain');
    expect(certState(withCert({ trusted: false, trustFailure: 'chain-too-long' }))).toBe('too long');
    expect(certState(withCert({ trusted: false, trustFailure: 'self-signed' }))).toBe('self-signed');
    expect(certState(withCert({ trusted: false, trustFailure: 'untrusted-root' }))).toBe('untrusted');
    expect(certState(withCert({ trusted: false, trustFailure: 'chain-incomplete' }))).toBe('incomplete');
    expect(certState(withCert({ trusted: false, trustFailure: 'no-certificate' }))).toBe('none');
    expect(certState(withCert({ trusted: false, trustFailure: 'none' }))).toBe('untrusted');
    expect(certState(withCert({}, [makeFinding('cert.weak-key', { host: 'h', bits: 1024 })]))).toBe('weak key');
    expect(certState(withCert({}, [makeFinding('cert.weak-signature', { host: 'h', algorithm: 'sha1', subject: 's' })]))).toBe('weak sig');
    // A weak key outranks a weak signature; a broken chain outranks both.
    const both = [makeFinding('cert.weak-signature', { host: 'h', algorithm: 'sha1', subject: 's' }), makeFinding('cert.weak-key', { host: 'h', bits: 1024 })];
    expect(certState(withCert({}, both))).toBe('weak key');
    expect(certState(withCert({ trusted: false, trustFailure: 'untrusted-root' }, both))).toBe('untrusted');
  });
});

describe('summaryRow: one compact row per address', () => {
  const cells = (h: HostReport) => summaryRow(h).map((c) => c.text);
  it('the fixture: port shown when not 25, TLS as "1.3 AES256-GCM", the verdict cell coloured by verdict', () => {
    const row = summaryRow(BASE);
    expect(row.map((c) => c.text)).toEqual(['mx.sni-dependent.mxray.test', '10', '127.0.0.1:2525', 'yes', '1.3 AES256-GCM', 'ok', 'ok', 'fail']);
    expect(row.at(-1)?.verdict).toBe('fail');
    expect(row.slice(0, -1).every((c) => c.verdict === undefined)).toBe(true);
  });

  it('port 25 is left out; IPv6 in brackets; no preference is "-"', () => {
    expect(cells(host({ port: 25, address: '2001:db8::1', preference: null })).slice(1, 3)).toEqual(['-', '[2001:db8::1]']);
    expect(cells(host({ port: 25 }))[2]).toBe('127.0.0.1');
  });

  it('STARTTLS: every state a reader must tell apart', () => {
    const st = (over: Partial<HostReport>) => cells(host(over))[3];
    const s = BASE.starttls;
    expect(st({ implicitTls: true })).toBe('implicit');
    expect(st({ starttls: { ...s, negotiated: false, offered: true, reply: { code: 454, enhanced: null, lines: ['not now'] } } })).toBe('refused 454');
    expect(st({ starttls: { ...s, negotiated: false, offered: true, reply: { code: 220, enhanced: null, lines: ['go'] } } })).toBe('offered');
    expect(st({ starttls: { ...s, negotiated: false, offered: true, reply: null } })).toBe('offered');
    expect(st({ starttls: { ...s, negotiated: false, offered: false, masked: true } })).toBe('masked');
    const none = { ...s, negotiated: false, offered: false, masked: false };
    expect(st({ starttls: none, greeting: 'HELO' })).toBe('no (HELO)');
    expect(st({ starttls: none, greeting: 'EHLO' })).toBe('no');
    expect(st({ starttls: none, greeting: null, status: 'connection-refused', banner: null })).toBe('refused');
    expect(st({ starttls: none, greeting: null, status: 'connection-timeout', banner: null })).toBe('timeout');
    expect(st({ starttls: none, greeting: null, status: 'greeting-timeout', banner: null })).toBe('timeout');
    expect(st({ starttls: none, greeting: null, status: 'protocol-error', banner: { code: 554, enhanced: null, lines: ['go away'] } })).toBe('554');
    expect(st({ starttls: none, greeting: null, status: 'protocol-error', banner: null })).toBe('-');
  });

  it('TLS: what failed, in a word or two, from the cause read off both handshakes', () => {
    const failed = { ...BASE.tls!, ok: false };
    const tls = (cause: HostReport['assessment']['legacyCause'], retry: Partial<NonNullable<HostReport['legacyRetry']>> = {}) =>
      cells(host({ tls: failed, legacyRetry: { ok: true, protocol: 'TLSv1.1', cipher: 'x', cipherStandard: null, error: null, failure: null, peerChain: [], ...retry }, assessment: { legacyCause: cause } }))[4];
    expect(tls('old-protocol')).toBe('failed (1.1 only)');
    expect(tls('null-cipher', { protocol: 'TLSv1.2' })).toBe('failed (NULL ciphers)');
    expect(tls('no-shared-cipher')).toBe('failed (no shared cipher)');
    expect(tls('server-abort-after-certificate')).toBe('failed (aborted)');
    expect(tls('not-tls')).toBe('failed (not TLS)');
    expect(tls('client-certificate-required')).toBe('failed (client cert required)');
    expect(tls('certificate-too-large')).toBe('failed (cert too large)');
    expect(tls('handshake-timeout')).toBe('failed (stalled)');
    expect(tls('unknown')).toBe('failed');
    expect(tls(null)).toBe('failed');
    expect(cells(host({ tls: null }))[4]).toBe('-');
  });

  it('Name: ok, wrong, or n/a for an IP target', () => {
    expect(cells(host({ assessment: { certificate: { ...cert, nameMatches: false } } }))[6]).toBe('wrong');
    expect(cells(host({ assessment: { certificate: { ...cert, nameMatches: null } } }))[6]).toBe('n/a');
    expect(cells(host({ assessment: { certificate: null } }))[6]).toBe('-');
  });
});

/** A receiver report over these hosts, judged as the receiver judge does (delivery and merged findings). */
function reportOf(hosts: HostReport[], verdict: ReceiverReport['verdict'] = 'warn', domain: Finding[] = []): ReceiverReport {
  const findings = sortFindings([...domain, ...hosts.flatMap((h) => h.findings)]);
  return { ...FIXTURE, verdict, findings, body: { ...FIXTURE.body, hosts, delivery: assessDelivery(hosts) } };
}

const ok = (mx: string, pref: number, address = '192.0.2.1', findings: Finding[] = []) =>
  host({ mx, preference: pref, address, port: 25, key: `${mx}[${address}]:25`, verdict: 'pass', findings, assessment: { certificate: { ...cert, trusted: true, timeValid: true, nameMatches: true } } });
const refused = (mx: string, pref: number, address = '192.0.2.9') => {
  const key = `${mx}[${address}]:25`;
  return host({ mx, preference: pref, address, port: 25, key, status: 'connection-refused', banner: null, tls: null, verdict: 'fail', findings: [makeFinding('net.connect-refused', { host: key }, [], [key])] });
};

describe('verdictReason: what senders get, in one sentence', () => {
  it('a good single host: where mail goes and how', () => {
    expect(verdictReason(reportOf([ok('mx.a.test', 10)], 'pass'))).toBe('mail is delivered to mx.a.test with verified TLS 1.3');
  });

  it('the dead primary, then the backup that takes the mail (with the host key shortened to the MX name)', () => {
    expect(verdictReason(reportOf([refused('mx1.a.test', 10), ok('mx2.a.test', 20)]))).toBe('mx1.a.test refuses connections; mail is delivered to mx2.a.test with verified TLS 1.3');
  });

  it('a skipped primary and a problem on the backup: one sentence, the title read on mid-sentence', () => {
    const b = ok('mx2.a.test', 20);
    const expired = host({ ...b, findings: [makeFinding('cert.expired', { host: b.key, daysAgo: 3, notAfter: 'x', subject: 's' }, [], [b.key])] });
    expect(verdictReason(reportOf([refused('mx1.a.test', 10), expired], 'fail'))).toBe(
      'mx1.a.test refuses connections; the certificate of mx2.a.test expired 3 days ago; mail is delivered to mx2.a.test with verified TLS 1.3',
    );
  });

  it('a problem on the host that takes the mail: the problem, then "there" and how', () => {
    const h = ok('mx.a.test', 10, '192.0.2.1');
    const bad = host({ ...h, assessment: { certificate: { ...cert, trusted: false, trustFailure: 'self-signed' } }, findings: [makeFinding('cert.self-signed', { host: h.key, subject: 's' }, [], [h.key])] });
    expect(verdictReason(reportOf([bad], 'fail'))).toBe('mx.a.test presents a self-signed certificate; mail is delivered there with TLS 1.3, certificate not verified');
  });

  it('how: clear text without TLS, legacy TLS only for senders that allow it', () => {
    const clear = host({ ...ok('mx.a.test', 10), tls: null, assessment: { certificate: null } });
    expect(verdictReason(reportOf([clear]))).toBe('mail is delivered to mx.a.test in clear text');
    const legacy = host({ ...clear, tls: { ...BASE.tls!, ok: false }, legacyRetry: { ok: true, protocol: 'TLSv1', cipher: 'x', cipherStandard: null, error: null, failure: null, peerChain: [] } });
    expect(verdictReason(reportOf([legacy]))).toBe('mail is delivered to mx.a.test with TLS 1 only by senders that still allow it, else in clear text');
  });

  it('several hosts of the first preference share the mail; more than three are counted', () => {
    const five = ['a', 'b', 'c', 'd', 'e'].map((n, i) => ok(`mx${n}.test`, 10, `192.0.2.${i + 1}`));
    expect(verdictReason(reportOf(five, 'pass'))).toBe('mail is delivered to mxa.test, mxb.test, mxc.test and 2 more with verified TLS 1.3');
  });

  it('no address takes the mail: every skipped host, then why nothing is delivered', () => {
    expect(verdictReason(reportOf([refused('mx1.a.test', 10), refused('mx2.a.test', 20, '192.0.2.8')], 'fail'))).toBe('mx1.a.test refuses connections; mx2.a.test refuses connections; no MX host accepts mail');
  });

  it('nothing to connect to: the worst finding says why (null MX, NXDOMAIN)', () => {
    const nothing = (f: Finding) => ({ ...reportOf([]), findings: [f] });
    expect(verdictReason(nothing(makeFinding('dns.null-mx', { domain: 'a.test' })))).toBe('a.test accepts no mail (null MX)');
    expect(verdictReason(nothing(makeFinding('dns.nxdomain', { domain: 'a.test' })))).toBe('The domain a.test does not exist');
  });

  it('every address silent: the all-unreachable finding, which blames our network first', () => {
    const all = makeFinding('net.all-unreachable', { domain: 'a.test', count: 1, port: 25, sourceAddress: '198.51.100.1' });
    expect(verdictReason(reportOf([refused('mx.a.test', 10)], 'inconclusive', [all]))).toBe('No mail server of a.test answers on port 25 from here');
  });

  it('escapes what a hostile server put in a title', () => {
    const h = ok('mx.a.test', 10);
    const evil = { ...h, findings: [makeFinding('smtp.banner-rejected', { host: h.key, reply: '554 \x1b[31mred' }, [], [h.key])] };
    expect(verdictReason(reportOf([evil]))).not.toContain('\x1b');
  });
});

describe('receiverDocument', () => {
  it('keeps each host’s own detail of a finding seen on several hosts, when they differ', () => {
    const a = ok('mx1.a.test', 10, '192.0.2.1');
    const b = ok('mx2.a.test', 10, '192.0.2.2');
    a.findings = [makeFinding('cert.weak-key', { host: a.key, bits: 1024 }, [], [a.key])];
    b.findings = [makeFinding('cert.weak-key', { host: b.key, bits: 512 }, [], [b.key])];
    const merged = { ...a.findings[0]!, hosts: [a.key, b.key] };
    const doc = receiverDocument({ ...reportOf([a, b]), findings: [merged] });
    expect(doc.findings[0]!.perHost.map((p) => p.host)).toEqual([a.key, b.key]);
    expect(doc.findings[0]!.perHost[1]!.detail).toContain('512');
    // The same detail everywhere: nothing to add.
    b.findings = [makeFinding('cert.weak-key', { host: a.key, bits: 1024 }, [], [b.key])];
    expect(receiverDocument({ ...reportOf([a, b]), findings: [merged] }).findings[0]!.perHost).toEqual([]);
  });

  it('puts the recognised software’s fix first, named by the software, only when every host of the finding runs it', () => {
    const postfix = { id: 'postfix', name: 'Postfix', remediationKey: 'postfix' as const, confidence: 'high' as const, evidence: 'banner' };
    const a = host({ ...ok('mx1.a.test', 10, '192.0.2.1'), assessment: { software: postfix } });
    const f = makeFinding('cert.expired', { host: a.key, daysAgo: 3, notAfter: 'x' }, [], [a.key]);
    const doc = receiverDocument({ ...reportOf([a]), findings: [f] });
    expect(doc.findings[0]!.software).toBe('Postfix');
    expect(doc.findings[0]!.fix.perMta.map((m) => m.mta)).toEqual(['Postfix', 'Exchange', 'Exim']);
    const b = host({ ...ok('mx2.a.test', 10, '192.0.2.2'), assessment: { software: { ...postfix, id: 'exim', name: 'Exim', remediationKey: 'exim' } } });
    const mixed = receiverDocument({ ...reportOf([a, b]), findings: [{ ...f, hosts: [a.key, b.key] }] });
    expect(mixed.findings[0]!.software).toBeNull();
    expect(mixed.findings[0]!.fix.perMta.map((m) => m.mta)).toEqual(['Exchange', 'Postfix', 'Exim']);
  });

  it('names a server target with its port, an IPv6 address in brackets', () => {
    const target = (host: string) => ({ ...FIXTURE, body: { ...FIXTURE.body, target: { ...FIXTURE.body.target, kind: 'host' as const, host, port: 2525, domain: null } } });
    expect(receiverDocument(target('::1')).subject).toBe('server [::1]:2525');
    expect(receiverDocument(target('mx.a.test')).subject).toBe('server mx.a.test:2525');
    expect(receiverDocument(FIXTURE).subject).toBe('mail domain sni-dependent.mxray.test');
  });

  it('details: each rule a certificate of the path breaks, with its position and OpenSSL number; a chain cut to what was examined', () => {
    const problem = { index: 1, role: 'intermediate' as const, subject: 'Example CA 1', rule: 'expired' as const, detail: 'expired on 2026-01-01', opensslError: { code: 10, name: 'certificate has expired' } };
    const broken = host({ assessment: { certificate: { ...cert, trusted: false, trustFailure: 'chain-invalid', problems: [problem], sentCount: 40 } } });
    const text = receiverDocument(reportOf([broken])).details!.sections.flatMap((d) => d.lines.map((l) => l.parts.map((p) => (typeof p === 'string' ? p : 'dim' in p ? p.dim : p.bold)).join('')));
    expect(text).toContain('Problem: intermediate 1 Example CA 1: expired on 2026-01-01 (OpenSSL 10 certificate has expired)');
    expect(text).toContain(`The server sent 40 certificates; mxray examined the first ${cert.sent.length}`);
    const whole = host({ assessment: { certificate: { ...cert, problems: [], sentCount: cert.sent.length } } });
    const plain = receiverDocument(reportOf([whole])).details!.sections.flatMap((d) => d.lines.map((l) => l.parts.map((p) => (typeof p === 'string' ? p : 'dim' in p ? p.dim : p.bold)).join('')));
    expect(plain.filter((l) => l.startsWith('Problem:') || l.startsWith('The server sent'))).toEqual([]);
  });

  it('details unless brief, explanations with explain or verbose, the transcript with verbose', () => {
    const r = reportOf([ok('mx.a.test', 10)]);
    expect(receiverDocument(r)).toMatchObject({ explain: false, transcript: null });
    expect(receiverDocument(r).details).not.toBeNull();
    expect(receiverDocument(r, { brief: true }).details).toBeNull();
    expect(receiverDocument(r, { explain: true }).explain).toBe(true);
    const v = receiverDocument(r, { verbose: true, brief: true });
    expect(v.explain).toBe(true);
    expect(v.details).not.toBeNull();
    expect(v.transcript).not.toBeNull();
  });
});
