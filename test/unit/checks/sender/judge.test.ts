// The sender test's judge (checks/sender): facts built here, one test per finding and per rule of
// severity, the verdict of the whole Report, and a Report built from the judgement valid against
// SenderReportSchema.
import { Value } from '@sinclair/typebox/value';
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { judgeSender, judgeSenderReport, senderVerdict } from '../../../../src/checks/sender/judge.js';
import { cipherWeakness, ehloProblem, ekuOf, handshakeWhy, sameAddress } from '../../../../src/checks/sender/index.js';
import type { TrustStore } from '../../../../src/core/context.js';
import { SenderReportSchema, type SenderBody, type SenderReport } from '../../../../src/core/schema.js';
import { SCHEMA_VERSION } from '../../../../src/core/version.js';
// Registers the date-time format TypeBox's checker needs, as `mxray report` does.
import '../../../../src/core/saved-report.js';
import { schemaErrors } from '../../../helpers/schema.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { certify, DAY_MS, EKU, KU, party, rawExtension, type Party } from '../../../helpers/chain-pki.js';
import { body, CLEAR, CLIENT_IP, dns, EHLO, headerMessage, hop, session, withTls } from './sender-facts.js';

const NOW = Date.parse('2026-11-29T10:00:05.000Z');

let trustStore: TrustStore;
let inter: Party;
let interB64: string;
const certs: Record<string, string> = {};
const b64 = (der: Buffer) => der.toString('base64');

beforeAll(async () => {
  const root = await party('CN=Sender Test Root');
  const rootDer = await certify(root, root, 'ca', NOW);
  trustStore = createTrustStore([new X509Certificate(rootDer).toString()], 'test roots');
  inter = await party('CN=Sender Test CA');
  interB64 = b64(await certify(inter, root, 'ca', NOW));
  const leaf = async (o: Parameters<typeof certify>[4], name = 'CN=mail.sender.test') => b64(await certify(await party(name), inter, 'leaf', NOW, { dnsNames: [EHLO], ...o }));
  certs.client = await leaf({ eku: [EKU.clientAuth, EKU.serverAuth] });
  certs.serverOnly = await leaf({ eku: [EKU.serverAuth] });
  certs.expired = await leaf({ eku: [EKU.clientAuth], notBefore: NOW - 400 * DAY_MS, notAfter: NOW - 3 * DAY_MS });
  certs.otherName = await leaf({ eku: [EKU.clientAuth], dnsNames: ['other.sender.test'] }, 'CN=other.sender.test');
  const self = await party('CN=mail.sender.test');
  certs.selfSigned = b64(await certify(self, self, 'leaf', NOW, { eku: [EKU.clientAuth], dnsNames: [EHLO] }));
});

const ctx = () => ({ trustStore, now: NOW });
const judge = (b: SenderBody) => judgeSender(b, ctx());
const ids = (b: SenderBody) => judge(b).map((f) => f.id);
const find = (b: SenderBody, id: string) => judge(b).find((f) => f.id === id);
/** The ids and severities a body gives, worst first. */
const sevs = (b: SenderBody) => judge(b).map((f) => `${f.severity} ${f.id}`);

/** A body whose session presented `chain` (leaf first) to a listener of `policy`. */
function withCert(chain: string[], policy: SenderBody['session']['listener']['policy'] = 'opportunistic'): SenderBody {
  const s = session({ listener: { address: '0.0.0.0', port: 25, policy } });
  return body({ session: { ...s, tls: { ...s.tls, clientCertificate: { requested: true, chain, opensslError: null } } } });
}

function report(b: SenderBody): SenderReport {
  const j = judgeSenderReport(b, ctx());
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: '0.0.0' },
    kind: 'sender',
    target: b.test.address,
    startedAt: b.session.startedAt,
    durationMs: b.session.durationMs,
    verdict: j.verdict,
    judgedWith: { at: '2026-11-29T10:00:05.000Z', profile: { name: 'mxray-2026.11', version: 2 }, trustStore: { description: 'test roots', bundledRootsOfNode: null, extraCaFiles: [] }, options: { warnDays: 30, expectThumbprint: null }, rejudged: false },
    findings: j.findings,
    transcript: [],
    body: b,
  };
}

describe('a good sender', () => {
  it('TLS 1.3, FCrDNS, SPF pass, no client certificate: three findings, PASS, and a Report valid against the schema', () => {
    const r = report(body());
    expect([...Value.Errors(SenderReportSchema, r)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
    expect(Value.Check(SenderReportSchema, r)).toBe(true);
    expect(schemaErrors(r)).toEqual([]);
    expect(r.findings.map((f) => `${f.severity} ${f.id}`)).toEqual(['info sender.no-client-cert', 'ok sender.spf-pass', 'ok sender.tls-ok']);
    expect(r.verdict).toBe('pass');
    expect(r.findings.find((f) => f.id === 'sender.tls-ok')?.title).toBe('Your server sent with TLSv1.3 (TLS_AES_256_GCM_SHA384, x25519)');
    expect(r.findings.find((f) => f.id === 'sender.spf-pass')?.title).toBe(`SPF of sender.test permits ${CLIENT_IP} (mx)`);
    // Every sender finding is the user's own to fix.
    expect(new Set(r.findings.map((f) => f.actor))).toEqual(new Set(['us']));
  });

  it('without a group or an IANA name: the OpenSSL name alone', () => {
    const f = find(body({ session: withTls({ group: null, cipherStandard: null, cipher: 'TLS_AES_128_GCM_SHA256' }) }), 'sender.tls-ok');
    expect(f?.title).toBe('Your server sent with TLSv1.3 (TLS_AES_128_GCM_SHA256)');
  });

  it('never writes to its input', () => {
    const freeze = <T>(v: T): T => {
      if (v && typeof v === 'object') {
        for (const x of Object.values(v)) freeze(x);
        Object.freeze(v);
      }
      return v;
    };
    const b = freeze(withCert([certs.client!, interB64]));
    expect(() => judge(b)).not.toThrow();
  });
});

describe('TLS', () => {
  it('sender.no-starttls: offered, not used — an error, FAIL, and no client-certificate note', () => {
    const b = body({ session: withTls(CLEAR) });
    expect(sevs(b)).toEqual(['error sender.no-starttls', 'ok sender.spf-pass']);
    expect(find(b, 'sender.no-starttls')?.detail).toContain('Our EHLO reply on 0.0.0.0:25 (opportunistic) listed STARTTLS');
    expect(senderVerdict(judge(b))).toBe('fail');
  });

  it('sender.helo-only: HELO, so STARTTLS could not be offered', () => {
    const b = body({ session: withTls({ ...CLEAR, offered: false }, { greeting: { command: 'HELO', name: EHLO } }) });
    expect(sevs(b)).toEqual(['error sender.helo-only', 'ok sender.spf-pass']);
    expect(find(b, 'sender.helo-only')?.detail).toContain(`HELO ${EHLO}`);
  });

  it('sender.tls-not-offered: EHLO, and our listener had no STARTTLS: inconclusive', () => {
    const b = body({ session: withTls({ ...CLEAR, offered: false }) });
    expect(sevs(b)).toEqual(['warning sender.tls-not-offered', 'ok sender.spf-pass']);
    expect(senderVerdict(judge(b))).toBe('inconclusive');
  });

  it('no greeting at all: nothing about TLS', () => {
    const b = body({ session: withTls({ ...CLEAR, offered: false }, { greeting: null, outcome: 'no-message', message: null, finalReply: null, ended: 'disconnect' }) });
    expect(ids(b)).toEqual(['sender.message-not-accepted', 'sender.spf-pass']);
  });

  it('sender.starttls-failed: the session’s handshake failed, with why', () => {
    const b = body({ session: withTls({ established: false, protocol: null, cipher: null, cipherStandard: null, failure: { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', text: 'sslv3 alert bad certificate', clientAlert: 'bad_certificate' } }, { outcome: 'no-message', message: null, finalReply: null, ended: 'disconnect' }) });
    expect(sevs(b)).toEqual(['error sender.starttls-failed', 'warning sender.message-not-accepted', 'ok sender.spf-pass']);
    expect(find(b, 'sender.starttls-failed')?.title).toBe('The TLS handshake of your server failed: your server refused our certificate (alert bad_certificate): it verifies the certificate of this destination');
  });

  it('handshakeWhy: our certificate refused, no version or cipher in common, closed, timed out, else OpenSSL’s words', () => {
    const why = (code: string | null, text: string, clientAlert: string | null, hello = body().session.tls.clientHello) => handshakeWhy({ failure: { code, text, clientAlert }, clientHello: hello });
    expect(why('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca', null)).toBe('your server refused our certificate (alert unknown_ca): it verifies the certificate of this destination');
    expect(why(null, 'x', 'certificate unknown')).toBe('your server refused our certificate (alert certificate_unknown): it verifies the certificate of this destination');
    expect(why('ERR_SSL_UNSUPPORTED_PROTOCOL', 'unsupported protocol', null)).toBe('no TLS version in common: your server offered TLSv1.3, TLSv1.2');
    expect(why(null, 'x', 'protocol_version', null)).toBe('no TLS version in common: your server offered versions we could not read');
    expect(why('ERR_SSL_NO_SHARED_CIPHER', 'no shared cipher', null)).toBe(
      'no cipher suite or key exchange in common: your server offered 4 suites (TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256 and 1 more)',
    );
    expect(why(null, 'x', 'handshake_failure', null)).toBe('no cipher suite or key exchange in common: your server offered suites we could not read');
    expect(why('ECONNRESET', 'socket hang up', null)).toBe('your server closed the connection during the handshake');
    expect(why(null, 'handshake timed out', null)).toBe('the handshake did not finish in time');
    expect(why('ERR_SSL_SOMETHING', 'odd failure', null)).toBe('the handshake failed: odd failure (ERR_SSL_SOMETHING)');
    expect(why(null, 'odd failure', 'decode_error')).toBe('the handshake failed: odd failure alert decode_error');
    expect(handshakeWhy({ failure: null, clientHello: null })).toBe('the handshake did not complete');
  });

  const failed = () => session({ id: 'conn-0', startedAt: '2026-11-29T10:00:01.000Z', clientPort: 40111, tls: { ...session().tls, established: false, protocol: null, cipher: null, cipherStandard: null, failure: { code: 'ERR_SSL_NO_SHARED_CIPHER', text: 'no shared cipher', clientAlert: null } }, outcome: 'no-message', message: null, ended: 'disconnect' });

  it('sender.cleartext-retry: an earlier failed handshake, then this session in clear — instead of no-starttls', () => {
    const b = body({ earlier: [failed()], session: withTls(CLEAR) });
    expect(sevs(b)).toEqual(['error sender.cleartext-retry', 'ok sender.spf-pass']);
    const f = find(b, 'sender.cleartext-retry')!;
    expect(f.detail).toContain('An earlier connection from the same address (at 10:00:01 UTC from port 40111) tried STARTTLS and the handshake failed: no cipher suite or key exchange in common');
    // The last failed one counts.
    const later = { ...failed(), startedAt: '2026-11-29T10:00:03.000Z', clientPort: 40222 };
    expect(find(body({ earlier: [failed(), later, session({ id: 'ok-in-between' })], session: withTls(CLEAR) }), 'sender.cleartext-retry')?.facts.earlier).toBe('at 10:00:03 UTC from port 40222');
  });

  it('sender.earlier-handshake-failed: an earlier failure, then TLS worked — a warning', () => {
    const b = body({ earlier: [failed()] });
    expect(sevs(b)).toEqual(['warning sender.earlier-handshake-failed', 'info sender.no-client-cert', 'ok sender.spf-pass', 'ok sender.tls-ok']);
    expect(senderVerdict(judge(b))).toBe('warn');
  });

  it('an earlier session without a failed handshake says nothing', () => {
    expect(ids(body({ earlier: [session({ id: 'c0' }), withTls(CLEAR)] , session: withTls(CLEAR) }))).toEqual(['sender.no-starttls', 'sender.spf-pass']);
  });

  it('sender.tls-required-refused: require-tls, no STARTTLS, our 530 — not also no-starttls or message-not-accepted', () => {
    const b = body({ session: withTls(CLEAR, { listener: { address: '0.0.0.0', port: 25, policy: 'require-tls' }, outcome: 'refused', finalReply: { code: 530, text: '5.7.0 Must issue a STARTTLS command first' }, message: null }) });
    expect(sevs(b)).toEqual(['error sender.tls-required-refused', 'ok sender.spf-pass']);
    expect(find(b, 'sender.tls-required-refused')?.title).toBe('Your server did not use TLS where it is required, and was refused (530 5.7.0 Must issue a STARTTLS command first)');
    const noReply = body({ session: withTls(CLEAR, { listener: { address: '0.0.0.0', port: 25, policy: 'require-tls' }, outcome: 'refused', finalReply: null }) });
    expect(find(noReply, 'sender.tls-required-refused')?.facts.reply).toBe('no reply recorded');
    // After a failed handshake, both: why TLS failed, and that it was refused.
    expect(ids(body({ earlier: [failed()], session: noReply.session }))).toEqual(['sender.cleartext-retry', 'sender.tls-required-refused', 'sender.spf-pass']);
  });

  it('sender.old-protocol: TLS 1.0 and 1.1 (the profile’s old protocols) are errors, with what it offered', () => {
    const hello = { ...body().session.tls.clientHello!, versions: ['TLSv1.1', 'TLSv1'] };
    const b = body({ session: withTls({ protocol: 'TLSv1.1', cipher: 'ECDHE-RSA-AES256-SHA', cipherStandard: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', clientHello: hello }) });
    // No good news about TLS on top of it.
    expect(sevs(b)).toEqual(['error sender.old-protocol', 'info sender.no-client-cert', 'ok sender.spf-pass']);
    expect(find(b, 'sender.old-protocol')?.detail).toContain('your server offered nothing newer (TLSv1.1, TLSv1)');
    expect(find(body({ session: withTls({ protocol: 'TLSv1', clientHello: null }) }), 'sender.old-protocol')?.facts.offered).toBe('TLSv1');
    expect(ids(body({ session: withTls({ protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', cipherStandard: null }) }))).not.toContain('sender.old-protocol');
  });

  it('cipherWeakness: NULL, EXPORT, anonymous, RC4, 3DES/DES, no forward secrecy; current suites are not weak', () => {
    const w = (cipher: string | null, cipherStandard: string | null = null, protocol = 'TLSv1.2') => cipherWeakness({ cipher, cipherStandard, protocol });
    expect(w('ECDHE-RSA-NULL-SHA')).toBe('no encryption at all (NULL)');
    expect(w(null, 'TLS_RSA_WITH_NULL_SHA256')).toBe('no encryption at all (NULL)');
    expect(w('EXP-RC4-MD5')).toBe('export grade, breakable in hours');
    expect(w(null, 'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA')).toBe('export grade, breakable in hours');
    expect(w('ADH-AES128-SHA')).toBe('anonymous: the server is not authenticated');
    expect(w(null, 'TLS_DH_anon_WITH_AES_128_CBC_SHA')).toBe('anonymous: the server is not authenticated');
    expect(w('ECDHE-RSA-RC4-SHA')).toBe('RC4, prohibited by RFC 7465');
    expect(w('DES-CBC3-SHA')).toBe('3DES or DES, 64-bit blocks (Sweet32)');
    expect(w(null, 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA')).toBe('3DES or DES, 64-bit blocks (Sweet32)');
    expect(w('DES-CBC-SHA')).toBe('3DES or DES, 64-bit blocks (Sweet32)');
    expect(w('AES256-GCM-SHA384')).toBe('no forward secrecy (RSA key exchange)');
    expect(w(null, 'TLS_RSA_WITH_AES_128_GCM_SHA256')).toBe('no forward secrecy (RSA key exchange)');
    expect(w('DH-RSA-AES128-SHA')).toBe('no forward secrecy (RSA key exchange)');
    expect(w('ECDHE-ECDSA-AES128-GCM-SHA256')).toBeNull();
    expect(w('DHE-RSA-CHACHA20-POLY1305')).toBeNull();
    expect(w('TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384', 'TLSv1.3')).toBeNull();
    expect(w(null, null)).toBeNull();
  });

  it('sender.weak-cipher: a warning naming the suite and why', () => {
    const b = body({ session: withTls({ protocol: 'TLSv1.2', cipher: 'AES128-SHA', cipherStandard: 'TLS_RSA_WITH_AES_128_CBC_SHA', group: null }) });
    expect(sevs(b)).toEqual(['warning sender.weak-cipher', 'info sender.no-client-cert', 'ok sender.spf-pass']);
    // An old protocol with a weak suite: both problems.
    expect(ids(body({ session: withTls({ protocol: 'TLSv1', cipher: 'DES-CBC3-SHA', cipherStandard: null }) }))).toEqual(['sender.old-protocol', 'sender.weak-cipher', 'sender.no-client-cert', 'sender.spf-pass']);
    expect(find(b, 'sender.weak-cipher')?.title).toBe('Your server agreed on a weak cipher: TLS_RSA_WITH_AES_128_CBC_SHA (no forward secrecy (RSA key exchange))');
  });

  it('sender.no-sni: neither the session nor its ClientHello carried a server name — a note', () => {
    const hello = { ...body().session.tls.clientHello!, sni: null };
    expect(sevs(body({ session: withTls({ sni: null, clientHello: hello }) }))).toEqual(['info sender.no-client-cert', 'info sender.no-sni', 'ok sender.spf-pass', 'ok sender.tls-ok']);
    // The ClientHello's SNI counts when the session's is missing.
    expect(ids(body({ session: withTls({ sni: null }) }))).not.toContain('sender.no-sni');
    expect(ids(body({ session: withTls({ sni: null, clientHello: null }) }))).toContain('sender.no-sni');
  });

  it('sender.requiretls-used: MAIL FROM … REQUIRETLS is good news', () => {
    const s = session();
    const b = body({ session: { ...s, mailParams: { ...s.mailParams, requireTls: true } } });
    expect(ids(b)).toEqual(['sender.no-client-cert', 'sender.requiretls-used', 'sender.spf-pass', 'sender.tls-ok']);
  });
});

describe('the client certificate', () => {
  it('sender.no-client-cert is a note where none is required, and only when we asked for one', () => {
    expect(find(body(), 'sender.no-client-cert')?.severity).toBe('info');
    expect(find(withCert([], 'require-tls'), 'sender.no-client-cert')?.severity).toBe('info');
    const s = session();
    expect(ids(body({ session: { ...s, tls: { ...s.tls, clientCertificate: { requested: false, chain: [], opensslError: null } } } }))).toEqual(['sender.spf-pass', 'sender.tls-ok']);
  });

  it('sender.client-cert-required: none presented where the listener requires one — an error instead of the note', () => {
    const b = withCert([], 'require-client-cert');
    expect(sevs(b)).toEqual(['error sender.client-cert-required', 'ok sender.spf-pass', 'ok sender.tls-ok']);
    expect(find(b, 'sender.client-cert-required')?.detail).toContain('The listener 0.0.0.0:25 (require-client-cert) requires a client certificate');
  });

  it('sender.client-cert-ok: a clientAuth certificate from a trusted CA for the EHLO name, with what it is', () => {
    const b = withCert([certs.client!, interB64]);
    expect(sevs(b)).toEqual(['ok sender.client-cert-ok', 'ok sender.spf-pass', 'ok sender.tls-ok']);
    const f = find(b, 'sender.client-cert-ok')!;
    expect(f.title).toBe(`Your server’s client certificate verifies: CN=mail.sender.test, for ${EHLO}`);
    expect(f.facts).toMatchObject({ subject: 'CN=mail.sender.test', issuer: 'CN=Sender Test CA', names: EHLO, eku: 'clientAuth, serverAuth', name: EHLO });
    expect(f.facts.sha256).toMatch(/^[0-9A-F]{64}$/);
    expect(f.detail).toContain('extended key usage clientAuth, serverAuth; SHA-256 ');
    // Also where the listener requires one.
    expect(ids(withCert([certs.client!, interB64], 'require-client-cert'))).toEqual(['sender.client-cert-ok', 'sender.spf-pass', 'sender.tls-ok']);
  });

  it('sender.client-cert-no-clientauth: a serverAuth-only certificate — a warning, with error 26 and the 2026 change', () => {
    const b = withCert([certs.serverOnly!, interB64]);
    expect(sevs(b)).toEqual(['warning sender.client-cert-no-clientauth', 'ok sender.spf-pass', 'ok sender.tls-ok']);
    const f = find(b, 'sender.client-cert-no-clientauth')!;
    expect(f.title).toBe('Your server’s client certificate is not for client authentication: its extendedKeyUsage (serverAuth) does not include clientAuth: it may not be used for a TLS client');
    expect(f.detail).toContain('error 26 "unsupported certificate purpose"');
    expect(f.detail).toContain('Public CAs stop issuing certificates with clientAuth during 2026');
  });

  it('sender.client-cert-invalid: expired, self-signed, another name — a warning where none is required', () => {
    expect(find(withCert([certs.expired!, interB64]), 'sender.client-cert-invalid')?.facts.why).toBe(`it expired on ${new Date(NOW - 3 * DAY_MS).toISOString().slice(0, 10)}`);
    const self = find(withCert([certs.selfSigned!]), 'sender.client-cert-invalid')!;
    expect(self.severity).toBe('warning');
    expect(self.facts.why).toBe('The client\'s certificate "mail.sender.test" is self-signed (it is its own issuer) and is not in the trust store (test roots).');
    expect(find(withCert([certs.otherName!, interB64]), 'sender.client-cert-invalid')?.facts.why).toBe(`it does not name ${EHLO}`);
    expect(ids(withCert([certs.otherName!, interB64]))).toEqual(['sender.client-cert-invalid', 'sender.spf-pass', 'sender.tls-ok']);
    // Missing intermediate.
    expect(find(withCert([certs.client!]), 'sender.client-cert-invalid')?.facts.why).toContain('the client is probably not sending its intermediate certificate');
    // Unreadable.
    const junk = find(withCert([Buffer.from('not a certificate').toString('base64')]), 'sender.client-cert-invalid')!;
    expect([junk.facts.subject, junk.facts.why]).toEqual(['an unreadable certificate', "The client's certificate could not be read: it is not valid DER."]);
  });

  it('an address literal EHLO is checked as an address', () => {
    const s = session({ greeting: { command: 'EHLO', name: `[${CLIENT_IP}]` } });
    const b = body({ session: { ...s, tls: { ...s.tls, clientCertificate: { requested: true, chain: [certs.client!, interB64], opensslError: null } } } });
    expect(find(b, 'sender.client-cert-invalid')?.facts.why).toBe(`it does not name [${CLIENT_IP}]`);
  });

  it('sender.client-cert-rejected: where one is required, a certificate that does not verify is an error (a name mismatch alone stays a warning)', () => {
    const self = withCert([certs.selfSigned!], 'require-client-cert');
    expect(sevs(self)).toEqual(['error sender.client-cert-rejected', 'ok sender.spf-pass', 'ok sender.tls-ok']);
    expect(find(self, 'sender.client-cert-rejected')?.detail).toContain('The listener 0.0.0.0:25 (require-client-cert) requires a valid client certificate');
    const server = withCert([certs.serverOnly!, interB64], 'require-client-cert');
    expect(sevs(server)).toEqual(['error sender.client-cert-rejected', 'warning sender.client-cert-no-clientauth', 'ok sender.spf-pass', 'ok sender.tls-ok']);
    expect(find(server, 'sender.client-cert-rejected')?.facts.why).toBe('it is not for client authentication');
    const other = withCert([certs.otherName!, interB64], 'require-client-cert');
    expect(sevs(other)).toEqual(['warning sender.client-cert-invalid', 'ok sender.spf-pass', 'ok sender.tls-ok']);
    const expiredOther = withCert([certs.expired!, interB64], 'require-client-cert');
    expect(ids(expiredOther)).toEqual(['sender.client-cert-rejected', 'sender.spf-pass', 'sender.tls-ok']);
  });

  it('judged at the time handed in: the same certificate before it expired verifies', () => {
    const b = withCert([certs.expired!, interB64]);
    expect(judgeSender(b, { trustStore, now: NOW - 10 * DAY_MS }).map((f) => f.id)).toContain('sender.client-cert-ok');
  });
});

describe('names and DNS', () => {
  it('sender.no-rdns: no PTR name (NXDOMAIN, or none) — an error', () => {
    const b = body({ dns: dns({ reverse: { names: [], error: 'NXDOMAIN' }, fcrdns: null }) });
    expect(sevs(b)).toEqual(['error sender.no-rdns', 'warning sender.ehlo-mismatch', 'info sender.no-client-cert', 'ok sender.spf-pass', 'ok sender.tls-ok'].filter((x) => x !== 'warning sender.ehlo-mismatch'));
    expect(find(b, 'sender.no-rdns')?.title).toBe(`Your server’s address ${CLIENT_IP} has no reverse DNS name (NXDOMAIN)`);
    expect(find(body({ dns: dns({ reverse: { names: [], error: null }, fcrdns: null }) }), 'sender.no-rdns')?.facts.why).toBe('no PTR record');
  });

  it('a PTR lookup that failed or did not finish: not judged, reported as unfinished (inconclusive)', () => {
    const servfail = body({ dns: dns({ reverse: { names: [], error: 'SERVFAIL' }, fcrdns: null }) });
    expect(sevs(servfail)).toEqual(['warning sender.dns-unfinished', 'info sender.no-client-cert', 'ok sender.spf-pass', 'ok sender.tls-ok']);
    expect(find(servfail, 'sender.dns-unfinished')?.facts.lookups).toBe(`PTR ${CLIENT_IP} (SERVFAIL)`);
    expect(senderVerdict(judge(servfail))).toBe('inconclusive');
    const unfinished = body({ dns: dns({ reverse: { names: [], error: null }, fcrdns: null, unfinished: [`PTR ${CLIENT_IP}`] }) });
    expect(ids(unfinished)).toEqual(['sender.dns-unfinished', 'sender.no-client-cert', 'sender.spf-pass', 'sender.tls-ok']);
    expect(find(unfinished, 'sender.dns-unfinished')?.facts.lookups).toBe(`PTR ${CLIENT_IP}`);
  });

  it('sender.fcrdns-mismatch: the PTR names do not resolve back — an error', () => {
    const b = body({ dns: dns({ reverse: { names: ['host-25.isp.test'], error: null }, forward: [{ name: 'host-25.isp.test', addresses: ['198.51.100.7'], error: null }], fcrdns: false }) });
    expect(ids(b)).toEqual(['sender.fcrdns-mismatch', 'sender.ehlo-mismatch', 'sender.no-client-cert', 'sender.spf-pass', 'sender.tls-ok']);
    expect(find(b, 'sender.fcrdns-mismatch')?.title).toBe(`The reverse name of ${CLIENT_IP} does not resolve back to it (host-25.isp.test)`);
    expect(find(b, 'sender.ehlo-mismatch')?.facts.what).toBe(`the reverse name of ${CLIENT_IP} is host-25.isp.test`);
  });

  it('ehloProblem: literals, localhost, bare names, invalid names, internal names; a public FQDN is fine', () => {
    expect(ehloProblem(`[${CLIENT_IP}]`, CLIENT_IP)).toBe('an address literal instead of a host name');
    expect(ehloProblem('[IPv6:2001:db8::1]', '2001:db8:0:0:0:0:0:1')).toBe('an address literal instead of a host name');
    expect(ehloProblem('[10.0.0.5]', CLIENT_IP)).toBe(`an address literal of another address than ${CLIENT_IP}`);
    expect(ehloProblem('localhost', CLIENT_IP)).toBe('localhost');
    expect(ehloProblem('localhost.localdomain', CLIENT_IP)).toBe('localhost');
    expect(ehloProblem('192.0.2.25', CLIENT_IP)).toBe('a bare address without the brackets of an address literal');
    expect(ehloProblem('EXCH01', CLIENT_IP)).toBe('a bare host name, not a fully qualified domain name');
    expect(ehloProblem('exch01.contoso.local', CLIENT_IP)).toBe('an internal name that does not exist on the internet');
    expect(ehloProblem('bad name.example', CLIENT_IP)).toBe('not a valid host name');
    expect(ehloProblem('-x.example', CLIENT_IP)).toBe('not a valid host name');
    expect(ehloProblem('', CLIENT_IP)).toBe('an empty name');
    expect(ehloProblem('Mail.Sender.Test.', CLIENT_IP)).toBeNull();
  });

  it('sender.ehlo-invalid: a warning, and no mismatch judged on top of it', () => {
    const b = body({ session: session({ greeting: { command: 'EHLO', name: 'EXCH01' } }), dns: dns({ ehlo: { name: 'EXCH01', literal: null, addresses: [], error: 'NXDOMAIN' } }) });
    expect(sevs(b)).toEqual(['warning sender.ehlo-invalid', 'info sender.no-client-cert', 'ok sender.spf-pass', 'ok sender.tls-ok']);
    expect(find(b, 'sender.ehlo-invalid')?.title).toBe('Your server greeted with an unusable name: EXCH01 (a bare host name, not a fully qualified domain name)');
  });

  it('sender.ehlo-mismatch: resolves elsewhere, does not resolve, or is not the reverse name', () => {
    const elsewhere = body({ dns: dns({ ehlo: { name: EHLO, literal: null, addresses: ['198.51.100.9'], error: null } }) });
    expect(find(elsewhere, 'sender.ehlo-mismatch')?.title).toBe(`Your server’s EHLO name ${EHLO} does not fit its address ${CLIENT_IP}: it resolves to 198.51.100.9, not to ${CLIENT_IP}`);
    expect(find(elsewhere, 'sender.ehlo-mismatch')?.severity).toBe('warning');
    const none = body({ dns: dns({ ehlo: { name: EHLO, literal: null, addresses: [], error: 'NXDOMAIN' } }) });
    expect(find(none, 'sender.ehlo-mismatch')?.facts.what).toBe('it does not resolve (NXDOMAIN)');
    const noRecord = body({ dns: dns({ ehlo: { name: EHLO, literal: null, addresses: [], error: null } }) });
    expect(find(noRecord, 'sender.ehlo-mismatch')?.facts.what).toBe('it does not resolve (no A/AAAA record)');
    const both = body({ dns: dns({ reverse: { names: ['other.sender.test'], error: null }, ehlo: { name: EHLO, literal: null, addresses: ['198.51.100.9'], error: null } }) });
    expect(find(both, 'sender.ehlo-mismatch')?.facts.what).toBe(`it resolves to 198.51.100.9, not to ${CLIENT_IP}; the reverse name of ${CLIENT_IP} is other.sender.test`);
    // Case and a trailing dot do not matter; an IPv4-mapped address is its IPv4.
    const same = body({ session: session({ greeting: { command: 'EHLO', name: 'MAIL.sender.test.' }, clientIp: `::ffff:${CLIENT_IP}` }) });
    expect(ids(same)).not.toContain('sender.ehlo-mismatch');
  });

  it('an EHLO lookup that failed temporarily or did not finish: not judged', () => {
    const failed = body({ dns: dns({ ehlo: { name: EHLO, literal: null, addresses: [], error: 'timeout' } }) });
    expect(ids(failed)).toEqual(['sender.dns-unfinished', 'sender.no-client-cert', 'sender.spf-pass', 'sender.tls-ok']);
    expect(find(failed, 'sender.dns-unfinished')?.facts.lookups).toBe(`A/AAAA ${EHLO} (timeout)`);
    const listed = body({ dns: dns({ ehlo: { name: EHLO, literal: null, addresses: [], error: 'timeout' }, unfinished: [`A ${EHLO}`] }) });
    expect(find(listed, 'sender.dns-unfinished')?.facts.lookups).toBe(`A ${EHLO}`);
    const unfinishedOnly = body({ dns: dns({ ehlo: { name: EHLO, literal: null, addresses: [], error: null }, unfinished: [`AAAA ${EHLO}`] }) });
    expect(ids(unfinishedOnly)).not.toContain('sender.ehlo-mismatch');
  });

  it('sameAddress compares addresses, not strings', () => {
    expect(sameAddress('2001:DB8::1', '2001:db8:0:0:0:0:0:1')).toBe(true);
    expect(sameAddress('::ffff:192.0.2.1', '192.0.2.1')).toBe(true);
    expect(sameAddress('192.0.2.1', '192.0.2.10')).toBe(false);
  });

  it('SPF: pass ok, fail error, softfail warning, neutral note, none warning, permerror error, temperror inconclusive', () => {
    const spf = (result: NonNullable<SenderBody['dns']['spf']>['result'], o: Partial<NonNullable<SenderBody['dns']['spf']>> = {}) =>
      judge(body({ dns: dns({ spf: { record: 'v=spf1 ip4:198.51.100.0/24 -all', result, mechanism: '-all', lookups: 1, reason: null, names: [], ...o } }) })).filter((f) => f.id.startsWith('sender.spf-'));
    const one = (result: Parameters<typeof spf>[0], o = {}) => spf(result, o).map((f) => [f.id, f.severity, f.title]);
    expect(one('pass', { mechanism: 'ip4:192.0.2.0/24' })).toEqual([['sender.spf-pass', 'ok', `SPF of sender.test permits ${CLIENT_IP} (ip4:192.0.2.0/24)`]]);
    expect(one('fail')).toEqual([['sender.spf-fail', 'error', `SPF of sender.test does not permit your server’s address ${CLIENT_IP} (-all)`]]);
    expect(spf('fail')[0]?.detail).toContain('(v=spf1 ip4:198.51.100.0/24 -all)');
    expect(one('softfail', { mechanism: '~all' })).toEqual([['sender.spf-softfail', 'warning', `SPF of sender.test soft-fails your server’s address ${CLIENT_IP} (~all)`]]);
    expect(one('neutral', { mechanism: null })).toEqual([['sender.spf-neutral', 'info', `SPF of sender.test says nothing about ${CLIENT_IP} (no mechanism matched)`]]);
    expect(one('none', { record: null, mechanism: null })).toEqual([['sender.spf-none', 'warning', 'sender.test publishes no SPF record']]);
    expect(one('permerror', { reason: 'more than 10 DNS lookups' })).toEqual([['sender.spf-permerror', 'error', 'The SPF record of sender.test is broken: more than 10 DNS lookups']]);
    expect(one('permerror')[0]?.[2]).toBe('The SPF record of sender.test is broken: the record cannot be evaluated');
    expect(one('temperror', { reason: 'include:x.test timed out' })).toEqual([['sender.spf-temperror', 'warning', 'The SPF record of sender.test could not be evaluated: include:x.test timed out']]);
    expect(one('temperror')[0]?.[2]).toBe('The SPF record of sender.test could not be evaluated: a DNS lookup failed');
    expect(senderVerdict(judge(body({ dns: dns({ spf: { record: null, result: 'temperror', mechanism: null, lookups: 0, reason: null, names: [] } }) })))).toBe('inconclusive');
  });

  it('no SPF judged for the null sender, or without an evaluation', () => {
    expect(ids(body({ dns: dns({ mailDomain: null }) }))).toEqual(['sender.no-client-cert', 'sender.tls-ok']);
    expect(ids(body({ dns: dns({ spf: null }) }))).toEqual(['sender.no-client-cert', 'sender.tls-ok']);
  });

  it('sender.dns-unfinished names the lookups, a few of them', () => {
    const b = body({ dns: dns({ unfinished: ['MX sender.test', 'TXT sender.test', 'A a.test', 'A b.test'] }) });
    expect(find(b, 'sender.dns-unfinished')?.title).toBe('Some DNS lookups about your server did not finish: MX sender.test, TXT sender.test, A a.test and 1 more');
  });
});

describe('the message', () => {
  it('sender.8bit-undeclared: 8-bit data without BODY=8BITMIME (BINARYMIME and SMTPUTF8 count as declared)', () => {
    const s = session({ message: { size: 1200, truncated: false, eightBit: true } });
    const params = (o: Partial<SenderBody['session']['mailParams']>) => body({ session: { ...s, mailParams: { ...s.mailParams, ...o } } });
    expect(find(params({ body: null }), 'sender.8bit-undeclared')?.title).toBe('Your server sent 8-bit data without declaring it (no BODY= parameter)');
    expect(find(params({ body: '7BIT' }), 'sender.8bit-undeclared')?.severity).toBe('warning');
    expect(find(params({ body: '7BIT' }), 'sender.8bit-undeclared')?.facts.body).toBe('BODY=7BIT');
    expect(ids(params({ body: '8bitmime' }))).not.toContain('sender.8bit-undeclared');
    expect(ids(params({ body: 'BINARYMIME' }))).not.toContain('sender.8bit-undeclared');
    expect(ids(params({ body: null, smtputf8: true }))).not.toContain('sender.8bit-undeclared');
    expect(ids(body({ session: session({ mailParams: { ...s.mailParams, body: null } }) }))).not.toContain('sender.8bit-undeclared');
  });

  it('sender.message-not-accepted: aborted, refused by us, or no message', () => {
    const how = (o: Partial<SenderBody['session']>) => find(body({ session: session(o) }), 'sender.message-not-accepted')?.facts.how;
    expect(how({ outcome: 'aborted', ended: 'disconnect' })).toBe('the session ended before the end of the data: it closed the connection');
    expect(how({ outcome: 'aborted', ended: 'timeout' })).toBe('the session ended before the end of the data: it stopped answering and the session timed out');
    expect(how({ outcome: 'refused', finalReply: { code: 552, text: '5.3.4 Message size exceeds fixed limit' } })).toBe('we refused it (552 5.3.4 Message size exceeds fixed limit)');
    expect(how({ outcome: 'refused', finalReply: null })).toBe('we refused it');
    expect(how({ outcome: 'no-message', ended: 'quit' })).toBe('no message was sent: it said QUIT');
    expect(how({ outcome: 'no-message', ended: 'limit' })).toBe('no message was sent: it reached one of the listener’s limits');
    expect(find(body({ session: session({ outcome: 'aborted' }) }), 'sender.message-not-accepted')?.severity).toBe('warning');
  });

  it('sender.header-cleartext-hop: a hop below ours (the sender’s side) in clear text, the last of them named', () => {
    const m = headerMessage([
      hop({ index: 1, fromHelo: 'app01', fromIp: '10.0.0.5', by: 'exch01.sender.test', tls: 'clear', zone: 'claimed' }),
      hop({ index: 2, fromReverse: 'exch01.sender.test', fromIp: '10.0.0.6', by: 'edge.sender.test', tls: 'clear', zone: 'claimed' }),
      hop({ index: 3, fromReverse: 'edge.sender.test', fromIp: CLIENT_IP, by: 'sender-test.mxray.test', tls: 'tls', zone: 'border' }),
    ]);
    const f = find(body({ headers: m }), 'sender.header-cleartext-hop')!;
    expect([f.severity, f.title]).toEqual(['warning', 'Before it reached us, the message went in clear text on hop 1, 2: exch01.sender.test → edge.sender.test']);
  });

  it('no finding for hops with TLS or unknown, or a hand-off inside one server', () => {
    const m = headerMessage([
      hop({ index: 1, by: 'exch01.sender.test', tls: 'clear', zone: 'claimed' }),
      hop({ index: 2, fromHelo: 'x', by: 'y', tls: 'clear', zone: 'claimed', local: true }),
      hop({ index: 3, fromHelo: 'a.sender.test', by: 'b.sender.test', tls: 'unknown', zone: 'internal' }),
      hop({ index: 4, fromIp: '10.0.0.1', by: 'b.sender.test', tls: 'tls', zone: 'internal' }),
    ]);
    expect(ids(body({ headers: m }))).not.toContain('sender.header-cleartext-hop');
    // We add no Received line: every line is the sender's, its own relays' hops (zone internal) too.
    const inside = headerMessage([hop({ index: 1, fromHelo: 'exch01.sender.test', by: 'edge.sender.test', tls: 'clear', zone: 'internal' })]);
    expect(find(body({ headers: inside }), 'sender.header-cleartext-hop')?.title).toBe('Before it reached us, the message went in clear text on hop 1: exch01.sender.test → edge.sender.test');
    const named = headerMessage([hop({ index: 1, fromIp: '10.0.0.7', by: null, tls: 'clear', zone: 'claimed' })]);
    expect(find(body({ headers: named }), 'sender.header-cleartext-hop')?.title).toBe('Before it reached us, the message went in clear text on hop 1: 10.0.0.7 → an unnamed host');
  });
});

describe('the verdict', () => {
  it('the worst finding decides; a failure we are sure of outranks an unfinished lookup', () => {
    expect(judgeSenderReport(body(), ctx()).verdict).toBe('pass');
    const both = body({ session: withTls(CLEAR), dns: dns({ unfinished: ['TXT sender.test'] }) });
    expect(judgeSenderReport(both, ctx()).verdict).toBe('fail');
    expect(judgeSenderReport(body({ session: session({ outcome: 'aborted' }) }), ctx()).verdict).toBe('warn');
    expect(judgeSenderReport(body({ dns: dns({ unfinished: ['TXT sender.test'] }) }), ctx()).verdict).toBe('inconclusive');
  });

  it('findings worst first, then by id', () => {
    const b = body({ session: withTls(CLEAR, { greeting: { command: 'EHLO', name: 'EXCH01' } }), dns: dns({ reverse: { names: [], error: 'NXDOMAIN' }, fcrdns: null, spf: { record: 'v=spf1 -all', result: 'fail', mechanism: '-all', lookups: 0, reason: null, names: [] } }) });
    expect(sevs(b)).toEqual(['error sender.no-rdns', 'error sender.no-starttls', 'error sender.spf-fail', 'warning sender.ehlo-invalid']);
  });
});

describe('a client on a private network', () => {
  it('loopback, private, CGNAT, IPv6 loopback: one info finding, nothing judged of reverse DNS, FCrDNS, SPF or where the EHLO name points', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '100.64.0.9', '::1', '::ffff:192.168.1.5']) {
      const b = body({ session: session({ clientIp: ip }), dns: dns({ reverse: { names: [], error: 'NXDOMAIN' }, fcrdns: false, spf: { record: 'v=spf1 -all', result: 'fail', mechanism: '-all', lookups: 0, reason: null, names: [] } }) });
      const got = ids(b);
      expect(got).toContain('sender.private-address');
      for (const id of ['sender.no-rdns', 'sender.fcrdns-mismatch', 'sender.spf-fail', 'sender.ehlo-mismatch', 'sender.dns-unfinished']) expect(got).not.toContain(id);
    }
    expect(find(body({ session: session({ clientIp: '10.1.2.3' }) }), 'sender.private-address')?.title).toBe('Your server reached us from 10.1.2.3, a private address: reverse DNS, FCrDNS and SPF were not judged');
  });

  it('the EHLO name’s own shape still counts; a documentation address stands for a public one', () => {
    expect(ids(body({ session: session({ clientIp: '127.0.0.1', greeting: { command: 'EHLO', name: 'localhost' } }) }))).toContain('sender.ehlo-invalid');
    expect(ids(body({ session: session({ clientIp: '192.0.2.25' }) }))).not.toContain('sender.private-address');
  });
});

describe('the client certificate: facts, names and the rules’ edges (mutation run)', () => {
  const LONG_DN = `CN=${'c'.repeat(450)}, O=${'o'.repeat(100)}`;
  let store: TrustStore;
  const chains: Record<string, string[]> = {};
  beforeAll(async () => {
    const root = await party('CN=Mutation Root');
    store = createTrustStore([new X509Certificate(await certify(root, root, 'ca', NOW)).toString()], 'mutation roots');
    const ca = await party('CN=Mutation CA');
    const caB64 = b64(await certify(ca, root, 'ca', NOW));
    const serverCa = await party('CN=Server-only CA');
    const serverCaB64 = b64(await certify(serverCa, root, 'ca', NOW, { eku: [EKU.serverAuth] }));
    const noSignCa = await party('CN=No-sign CA');
    const noSignCaB64 = b64(await certify(noSignCa, root, 'ca', NOW, { keyUsage: KU.digitalSignature }));
    const leaf = async (issuer: Party, o: Parameters<typeof certify>[4], name = 'CN=mail.sender.test') => b64(await certify(await party(name), issuer, 'leaf', NOW, { eku: [EKU.clientAuth], dnsNames: [EHLO], ...o }));
    chains.underServerCa = [await leaf(serverCa, {}), serverCaB64];
    chains.underNoSignCa = [await leaf(noSignCa, {}), noSignCaB64];
    chains.expiredOther = [await leaf(ca, { dnsNames: ['other.sender.test'], notBefore: NOW - 400 * DAY_MS, notAfter: NOW - 3 * DAY_MS }), caB64];
    chains.notYet = [await leaf(ca, { notBefore: NOW + 5 * DAY_MS, notAfter: NOW + 300 * DAY_MS }), caB64];
    chains.noNames = [await leaf(ca, { dnsNames: [] }), caB64];
    chains.emptySubject = [await leaf(ca, {}, ''), caB64];
    chains.noEku = [await leaf(ca, { eku: null }), caB64];
    chains.oddEku = [await leaf(ca, { eku: ['1.2.3.4', EKU.clientAuth] }), caB64];
    chains.ipOnly = [await leaf(ca, { dnsNames: [], ipAddresses: [CLIENT_IP] }), caB64];
    chains.manyNames = [await leaf(ca, { dnsNames: [EHLO, 'a.sender.test', 'b.sender.test', 'c.sender.test', 'd.sender.test', 'e.sender.test'] }), caB64];
    // Dates reversed, judged at its notBefore: not valid, and not "not yet valid" either.
    chains.reversed = [await leaf(ca, { notBefore: NOW, notAfter: NOW - DAY_MS }), caB64];
    const emptyCa = await party('');
    chains.underEmptyCa = [await leaf(emptyCa, {}), b64(await certify(emptyCa, root, 'ca', NOW))];
    // Three problems of the chain: an unknown critical extension in the leaf and in the CA, and a CA that says CA:FALSE.
    const badCa = await party('CN=Bad CA');
    const badCaB64 = b64(await certify(badCa, root, 'ca', NOW, { basicConstraints: { ca: false }, extensions: [rawExtension('1.2.3.4.5', true, Buffer.from([5, 0]))] }));
    chains.underBadCa = [await leaf(badCa, { extensions: [rawExtension('1.2.3.4.6', true, Buffer.from([5, 0]))] }), badCaB64];
    // Names longer than the facts keep: a CN of 450 characters and more after it.
    const longCa = await party(LONG_DN);
    const longCaB64 = b64(await certify(longCa, root, 'ca', NOW, { eku: [EKU.serverAuth] }));
    chains.underLongCa = [await leaf(longCa, {}, LONG_DN), longCaB64];
    chains.expiredUnderLongCa = [await leaf(longCa, { notBefore: NOW - 400 * DAY_MS, notAfter: NOW - 3 * DAY_MS }), longCaB64];
    const longSelf = await party(LONG_DN);
    chains.longSelfExpired = [b64(await certify(longSelf, longSelf, 'leaf', NOW, { eku: [EKU.clientAuth], dnsNames: [EHLO], notBefore: NOW - 400 * DAY_MS, notAfter: NOW - 3 * DAY_MS }))];
  });

  /** The client-certificate findings (id → facts) of `chain` presented after `greeting` to a listener of `policy`. */
  const certFindings = (chain: string[], policy: SenderBody['session']['listener']['policy'] = 'opportunistic', greeting: SenderBody['session']['greeting'] = { command: 'EHLO', name: EHLO }) => {
    const s = session({ greeting, listener: { address: '0.0.0.0', port: 25, policy } });
    const b = body({ session: { ...s, tls: { ...s.tls, clientCertificate: { requested: true, chain, opensslError: null } } } });
    return Object.fromEntries(judgeSender(b, { trustStore: store, now: NOW }).filter((f) => f.id.includes('client-cert')).map((f) => [f.id, f.facts]));
  };
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  it('the facts: subject, issuer, names, validity in days, extended key usages by name or OID', () => {
    const ok = certFindings(chains.oddEku!)['sender.client-cert-ok']!;
    expect(ok).toMatchObject({ subject: 'CN=mail.sender.test', issuer: 'CN=Mutation CA', names: EHLO, notBefore: day(NOW - 30 * DAY_MS), notAfter: day(NOW + 300 * DAY_MS), eku: '1.2.3.4, clientAuth', name: EHLO });
    expect(certFindings(chains.noEku!)['sender.client-cert-ok']?.eku).toBe('none listed (any purpose)');
    expect(certFindings(chains.noNames!)['sender.client-cert-ok']?.names).toBe('none');
    expect(certFindings(chains.emptySubject!)['sender.client-cert-ok']?.subject).toBe('(empty subject)');
    expect(ekuOf(Buffer.from('not a certificate'))).toBe('not readable');
  });

  it('a self-signed certificate outside the trust store is described from what was sent', () => {
    const f = find(withCert([certs.selfSigned!]), 'sender.client-cert-invalid')!;
    expect(f.facts).toMatchObject({ subject: 'CN=mail.sender.test', issuer: 'CN=mail.sender.test', names: EHLO, eku: 'clientAuth' });
  });

  it('the EHLO name is compared in lower case without its trailing dot; a literal as its address; no greeting names nothing', () => {
    expect(certFindings(chains.oddEku!, 'opportunistic', { command: 'EHLO', name: 'MAIL.Sender.Test.' })['sender.client-cert-ok']?.name).toBe(EHLO);
    expect(certFindings(chains.oddEku!, 'opportunistic', { command: 'EHLO', name: '[IPv6:2001:DB8::1]' })['sender.client-cert-invalid']).toMatchObject({ why: 'it does not name [2001:db8::1]', name: '[2001:db8::1]' });
    expect(certFindings(chains.oddEku!, 'opportunistic', null)['sender.client-cert-ok']?.name).toBe('no name');
  });

  it('an intermediate without clientAuth is named in the no-clientauth detail', () => {
    const f = certFindings(chains.underServerCa!);
    expect(Object.keys(f)).toEqual(['sender.client-cert-no-clientauth']);
    expect(f['sender.client-cert-no-clientauth']?.detail).toBe('"Server-only CA": its extendedKeyUsage (serverAuth) does not include clientAuth, so no certificate below it may be used for a TLS client');
  });

  it('a chain that is invalid says the rule it broke; where one is required, it is rejected', () => {
    const why = '"No-sign CA": it issued "mail.sender.test" but its keyUsage does not include keyCertSign';
    expect(certFindings(chains.underNoSignCa!)['sender.client-cert-invalid']?.why).toBe(why);
    expect(certFindings(chains.underNoSignCa!, 'require-client-cert')['sender.client-cert-rejected']).toMatchObject({ why, listener: '0.0.0.0:25 (require-client-cert)' });
  });

  it('dates: not yet valid says from when; expired and another name says both', () => {
    expect(certFindings(chains.notYet!)['sender.client-cert-invalid']?.why).toBe(`it is valid only from ${day(NOW + 5 * DAY_MS)}`);
    expect(certFindings(chains.expiredOther!)['sender.client-cert-invalid']?.why).toBe(`it expired on ${day(NOW - 3 * DAY_MS)}; it does not name ${EHLO}`);
    // Required: rejected for the dates, and the name said apart as a warning.
    const required = certFindings(chains.expiredOther!, 'require-client-cert');
    expect(Object.keys(required).sort()).toEqual(['sender.client-cert-invalid', 'sender.client-cert-rejected']);
    expect(required['sender.client-cert-rejected']?.why).toBe(`it expired on ${day(NOW - 3 * DAY_MS)}`);
    expect(required['sender.client-cert-invalid']).toMatchObject({ why: `it does not name ${EHLO}`, name: EHLO });
  });

  it('no client certificate note when the handshake did not complete', () => {
    const b = body({ session: withTls({ established: false, failure: { code: 'ECONNRESET', text: 'read', clientAlert: null } }) });
    expect(ids(b)).not.toContain('sender.no-client-cert');
  });
  it('the certificate’s names: a few of them; an address literal checked against its IP addresses, and only a whole literal is one', () => {
    expect(certFindings(chains.manyNames!)['sender.client-cert-ok']?.names).toBe(`${EHLO}, a.sender.test, b.sender.test, c.sender.test, d.sender.test and 1 more`);
    expect(certFindings(chains.ipOnly!, 'opportunistic', { command: 'EHLO', name: `[${CLIENT_IP}]` })['sender.client-cert-ok']).toMatchObject({ names: CLIENT_IP, name: `[${CLIENT_IP}]` });
    for (const name of [`mail[${CLIENT_IP}]`, `[${CLIENT_IP}]x`]) {
      expect(certFindings(chains.ipOnly!, 'opportunistic', { command: 'EHLO', name })['sender.client-cert-invalid']).toMatchObject({ why: `it does not name ${name}`, name });
    }
  });

  it('an issuer with an empty name is said so', () => {
    expect(certFindings(chains.underEmptyCa!)['sender.client-cert-invalid']).toMatchObject({ issuer: '(empty issuer)', why: '"mail.sender.test": its issuer field is an empty name' });
  });

  it('an invalid chain names its first two problems only', () => {
    expect(certFindings(chains.underBadCa!)['sender.client-cert-invalid']?.why).toBe(
      '"mail.sender.test": it has critical extension(s) 1.2.3.4.6, which verifiers do not know and so must refuse; "Bad CA": it has critical extension(s) 1.2.3.4.5, which verifiers do not know and so must refuse',
    );
  });

  it('dates reversed, judged at the notBefore: expired, not "valid only from"', () => {
    expect(certFindings(chains.reversed!)['sender.client-cert-invalid']?.why).toBe(`it expired on ${day(NOW - DAY_MS)}`);
  });

  it('what a sender wrote in its certificate is cut: subject and issuer at 300, reasons and details at 400', () => {
    const under = certFindings(chains.underLongCa!);
    expect(under['sender.client-cert-no-clientauth']).toMatchObject({ subject: LONG_DN.slice(0, 300), issuer: LONG_DN.slice(0, 300) });
    expect(under['sender.client-cert-no-clientauth']?.detail).toBe(`"${'c'.repeat(450)}": its extendedKeyUsage (serverAuth) does not include clientAuth, so no certificate below it may be used for a TLS client`.slice(0, 400));
    const self = certFindings(chains.longSelfExpired!)['sender.client-cert-invalid']?.why;
    expect(self).toBe(`${`The client's certificate "${'c'.repeat(450)}`.slice(0, 400)}; it expired on ${day(NOW - 3 * DAY_MS)}`);
  });

  it('where one is required, a certificate both expired and not for client authentication is rejected for both', () => {
    expect(certFindings(chains.expiredUnderLongCa!, 'require-client-cert')['sender.client-cert-rejected']?.why).toBe(`it expired on ${day(NOW - 3 * DAY_MS)}; it is not for client authentication`);
  });

  it('an unreadable leaf: every fact is a dash', () => {
    const junk = Buffer.from('not a certificate').toString('base64');
    expect(certFindings([junk])['sender.client-cert-invalid']).toEqual({ subject: 'an unreadable certificate', issuer: '-', names: '-', notBefore: '-', notAfter: '-', eku: '-', sha256: '-', why: "The client's certificate could not be read: it is not valid DER.", name: EHLO });
  });
});
