// The TLS check (the handshake, read with the legacy retry; injected bytes; EHLO inside TLS) and
// the SNI-required check, from only the facts and assessment their input types declare.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import { certificateTooLarge, classifyLegacySuccess, handshakeStalled, OPENSSL_MAX_CERT_LIST, readLegacyCause, sniRequiredCheck, tlsCheck, type TlsInput } from '../../../src/checks/tls/index.js';
import type { HandshakeFailure, LegacyCause, LegacyRetry } from '../../../src/core/schema.js';
import { cap, EV, F, found, HOST, ids, reply, tlsFailed, tlsOk } from './check-helpers.js';

type Facts = TlsInput['facts'];
const facts = (over: Partial<Facts> = {}): Facts => ({
  key: HOST,
  evidence: EV,
  tls: tlsOk(),
  legacyRetry: null,
  capabilitiesInTls: [cap('SIZE', '1000')],
  ehloTlsReply: reply(250, 'mx.example.test', 'SIZE 1000'),
  implicitTls: false,
  ...over,
});
const run = (over: Partial<Facts> = {}, legacyCause: LegacyCause | null = null, profile = DEFAULT_PROFILE) =>
  tlsCheck.assess({ facts: facts(over), assessment: { legacyCause }, ctx: { profile }, prior: [] });
const retry = (over: Partial<LegacyRetry> = {}): LegacyRetry => ({ ok: true, protocol: 'TLSv1', cipher: 'AES128-SHA', cipherStandard: null, error: null, failure: null, peerChain: [], ...over });
const TLS_OK = F('tls.ok', { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });

describe('tlsCheck: a handshake that worked', () => {
  it('tls.ok with the protocol and the standard cipher name, with the TLS evidence', () => {
    const [f] = run();
    expect(found([f!])).toEqual([TLS_OK]);
    expect(f?.evidence).toEqual([8, 9]);
    expect(found(run({ tls: tlsOk({ cipherStandard: null, cipher: 'ECDHE-RSA-AES256-GCM-SHA384' }) }))).toEqual([F('tls.ok', { protocol: 'TLSv1.3', cipher: 'ECDHE-RSA-AES256-GCM-SHA384' })]);
  });

  it("an old protocol by the profile's list: tls.old-protocol; a NULL cipher: tls.null-cipher", () => {
    expect(found(run({ tls: tlsOk({ protocol: 'TLSv1.1' }) }))).toEqual([F('tls.old-protocol', { protocol: 'TLSv1.1' })]);
    const strict = { ...DEFAULT_PROFILE, oldProtocols: [...DEFAULT_PROFILE.oldProtocols, 'TLSv1.2'] };
    expect(ids(run({ tls: tlsOk({ protocol: 'TLSv1.2' }) }))).toEqual(['tls.ok']);
    expect(ids(run({ tls: tlsOk({ protocol: 'TLSv1.2' }) }, null, strict))).toEqual(['tls.old-protocol']);
    expect(found(run({ tls: tlsOk({ protocol: 'TLSv1.2', cipher: 'NULL-SHA256' }) }))).toEqual([F('tls.null-cipher', { cipher: 'NULL-SHA256' })]);
  });

  it('STARTTLS offered again inside TLS, and EHLO refused inside TLS (not over implicit TLS)', () => {
    expect(ids(run({ capabilitiesInTls: [cap('STARTTLS')] }))).toEqual(['tls.ok', 'starttls.readvertised']);
    expect(found(run({ ehloTlsReply: reply(554, '5.7.1 no') }))).toEqual([TLS_OK, F('smtp.ehlo-rejected', { reply: '554 5.7.1 no (inside TLS)' })]);
    expect(ids(run({ ehloTlsReply: reply(421, '4.7.0 too many connections') }))).toEqual(['tls.ok', 'smtp.rate-limited']);
    expect(ids(run({ ehloTlsReply: reply(554, '5.7.1 no'), implicitTls: true }))).toEqual(['tls.ok']);
  });

  it('bytes injected before the handshake: starttls.injection, before the handshake result', () => {
    expect(found(run({ tls: tlsOk({ injectedBytes: 24 }) }))).toEqual([F('starttls.injection', { bytes: 24 }), TLS_OK]);
  });

  it('no TLS reached: nothing', () => {
    expect(run({ tls: null, capabilitiesInTls: null, ehloTlsReply: null })).toEqual([]);
  });
});

describe('tlsCheck: a handshake that failed, read with the legacy retry', () => {
  const failed = tlsFailed('sslv3 alert handshake failure');
  it('each cause its finding, with the TLS and legacy evidence', () => {
    const cases: [LegacyCause | null, LegacyRetry | null, unknown][] = [
      ['old-protocol', retry({ protocol: 'TLSv1.1' }), F('tls.old-protocol', { protocol: 'TLSv1.1' })],
      ['old-protocol', null, F('tls.old-protocol', { protocol: 'TLS 1.0/1.1' })],
      ['null-cipher', retry({ protocol: 'TLSv1.2', cipher: 'NULL-SHA' }), F('tls.null-cipher', { cipher: 'NULL-SHA' })],
      ['no-shared-cipher', retry({ protocol: 'TLSv1.2' }), F('tls.no-shared-cipher', { error: 'sslv3 alert handshake failure' })],
      ['server-abort-after-certificate', retry({ ok: false }), F('tls.server-aborted', { error: 'sslv3 alert handshake failure' })],
      ['not-tls', retry({ ok: false }), F('tls.handshake-failed', { error: 'sslv3 alert handshake failure; the server did not answer with TLS' })],
      ['unknown', retry({ ok: false }), F('tls.handshake-failed', { error: 'sslv3 alert handshake failure' })],
      [null, null, F('tls.handshake-failed', { error: 'sslv3 alert handshake failure' })],
    ];
    for (const [cause, legacyRetry, expected] of cases) {
      const findings = run({ tls: failed, legacyRetry, capabilitiesInTls: null, ehloTlsReply: null }, cause);
      expect(found(findings), String(cause)).toEqual([expected]);
      expect(findings[0]?.evidence).toEqual([8, 9, 17]);
    }
  });
});

describe('readLegacyCause and the profile', () => {
  it("a legacy handshake that worked on a protocol outside the profile's currentProtocols: old-protocol", () => {
    const failed = tlsFailed('unsupported protocol', { alert: 'protocol_version' });
    expect(readLegacyCause({ tls: failed, ehloTlsReply: null, legacyRetry: retry({ protocol: 'TLSv1' }) }, DEFAULT_PROFILE.currentProtocols)).toEqual({ legacyCause: 'old-protocol', certificateReceived: true });
    expect(readLegacyCause({ tls: failed, ehloTlsReply: null, legacyRetry: retry({ protocol: 'TLSv1.2' }) }, DEFAULT_PROFILE.currentProtocols).legacyCause).toBe('no-shared-cipher');
    expect(readLegacyCause({ tls: failed, ehloTlsReply: null, legacyRetry: retry({ protocol: 'TLSv1.2' }) }, ['TLSv1.3']).legacyCause).toBe('old-protocol');
    expect(classifyLegacySuccess('TLSv1.2', 'AES128-SHA', null, ['TLSv1.3'])).toBe('old-protocol');
    expect(classifyLegacySuccess(null, 'AES128-SHA', null)).toBe('old-protocol');
  });

  it('a legacy handshake that failed too: the cause from both attempts, and whether a certificate was seen', () => {
    const failed = tlsFailed('handshake failure');
    const second = { error: 'handshake failure', reason: 'handshake', seen: { ...failed.failure!.seen, certificate: true }, timedOut: false };
    expect(readLegacyCause({ tls: failed, ehloTlsReply: null, legacyRetry: retry({ ok: false, failure: second }) }, DEFAULT_PROFILE.currentProtocols)).toEqual({
      legacyCause: 'server-abort-after-certificate',
      certificateReceived: true,
    });
    expect(readLegacyCause({ tls: failed, ehloTlsReply: null, legacyRetry: retry({ ok: false, failure: null }) }, DEFAULT_PROFILE.currentProtocols)).toEqual({
      legacyCause: 'no-shared-cipher',
      certificateReceived: false,
    });
  });

  it('no retry, or no failed first handshake: nothing read', () => {
    expect(readLegacyCause({ tls: tlsFailed('x'), ehloTlsReply: null, legacyRetry: null }, DEFAULT_PROFILE.currentProtocols)).toEqual({ legacyCause: null, certificateReceived: null });
    expect(readLegacyCause({ tls: tlsOk(), ehloTlsReply: null, legacyRetry: retry() }, DEFAULT_PROFILE.currentProtocols)).toEqual({ legacyCause: null, certificateReceived: null });
    expect(readLegacyCause({ tls: null, ehloTlsReply: null, legacyRetry: retry() }, DEFAULT_PROFILE.currentProtocols)).toEqual({ legacyCause: null, certificateReceived: null });
  });
});

describe('sniRequiredCheck', () => {
  const run = (tls: Facts['tls'], noSni: { status: 'ok' | 'tls-handshake-error' | 'connection-refused'; error: string | null } | null) =>
    sniRequiredCheck.assess({ facts: { key: HOST, evidence: EV, tls, noSni: noSni && { ...noSni, peerChain: [] } }, assessment: {}, ctx: {}, prior: [] });

  it('the handshake without SNI failed where the one with SNI worked: tls.sni-required, with the no-SNI evidence', () => {
    const [f] = run(tlsOk(), { status: 'tls-handshake-error', error: 'unrecognized name' });
    expect(found([f!])).toEqual([F('tls.sni-required', { error: 'unrecognized name' })]);
    expect(f?.evidence).toEqual([15, 16]);
  });

  it('otherwise nothing: both worked, the second did not connect, or the first failed too', () => {
    expect(run(tlsOk(), { status: 'ok', error: null })).toEqual([]);
    expect(run(tlsOk(), { status: 'connection-refused', error: 'ECONNREFUSED' })).toEqual([]);
    expect(run(tlsOk(), null)).toEqual([]);
    expect(run(tlsFailed('x'), { status: 'tls-handshake-error', error: 'x' })).toEqual([]);
  });
});

describe('tlsCheck: failures that are not a broken server (issue 16)', () => {
  /** A failed attempt as measured: OpenSSL's code, the words, what the record layer saw. */
  const failure = (reason: string, seen: Partial<HandshakeFailure['seen']>, timedOut = false): HandshakeFailure => ({
    error: reason === 'timeout' ? 'no TLS handshake within 15000 ms' : reason,
    reason,
    seen: { bytes: 2000, notTls: false, preview: null, serverHello: true, certificate: true, encrypted: false, alert: null, ...seen },
    timedOut,
  });
  const failedWith = (f: HandshakeFailure) => ({ ...tlsFailed(f.error), failure: f, error: f.error });
  const legacyFailed = (f: HandshakeFailure | null) => retry({ ok: false, protocol: null, cipher: null, error: f?.error ?? 'x', failure: f });
  const noTlsDialogue = { capabilitiesInTls: null, ehloTlsReply: null };
  const cause = (over: Partial<Facts>) => readLegacyCause({ ...facts(over), ...over }, DEFAULT_PROFILE.currentProtocols).legacyCause;

  // Regression: a CertificateRequest, our empty Certificate, then the alert read as "the server
  // aborted after its certificate" (tls.server-aborted, "broken TLS library").
  it('TLS 1.2: CertificateRequest, then handshake_failure: tls.client-cert-required, not tls.server-aborted', () => {
    const f = failure('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', { certificateRequest: true, serverHelloDone: true, alert: 'handshake_failure' });
    const over = { tls: failedWith(f), legacyRetry: legacyFailed(f), ...noTlsDialogue };
    expect(cause(over)).toBe('client-certificate-required');
    const findings = run(over, cause(over));
    expect(found(findings)).toEqual([F('tls.client-cert-required', { how: 'it asked for a client certificate and then refused the handshake without one (handshake_failure)' })]);
    expect(findings[0]?.evidence).toEqual([8, 9, 17]);
    // Without the request, the same alert after a certificate is still an abort (or what the legacy retry says).
    const abort = failure('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', { alert: 'handshake_failure' });
    expect(cause({ tls: failedWith(abort), legacyRetry: legacyFailed(abort) })).toBe('server-abort-after-certificate');
    // A request, then an alert that says nothing about certificates: not this.
    const other = failure('ERR_SSL_TLSV1_ALERT_DECODE_ERROR', { certificateRequest: true, alert: 'decode_error' });
    expect(ids(run({ tls: failedWith(other), legacyRetry: legacyFailed(other), ...noTlsDialogue }, 'unknown'))).toEqual(['tls.handshake-failed']);
  });
  it('every refusal alert counts after a CertificateRequest; certificate_required by OpenSSL\'s code alone', () => {
    for (const alert of ['certificate_required', 'handshake_failure', 'bad_certificate', 'certificate_unknown', 'access_denied']) {
      const f = failure('x', { certificateRequest: true, alert });
      expect(ids(run({ tls: failedWith(f), legacyRetry: legacyFailed(null), ...noTlsDialogue })), alert).toEqual(['tls.client-cert-required']);
    }
    const f = failure('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', { encrypted: true, certificate: false });
    expect(found(run({ tls: failedWith(f), legacyRetry: legacyFailed(null), ...noTlsDialogue }))).toEqual([
      F('tls.client-cert-required', { how: 'it refused the handshake without a client certificate (certificate_required)' }),
    ]);
    // Seen only in the legacy retry (TLS 1.2): the same.
    const plain = failure('socket hang up', { encrypted: true, certificate: false });
    const legacy = failure('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', { certificateRequest: true, alert: 'handshake_failure' });
    expect(ids(run({ tls: failedWith(plain), legacyRetry: legacyFailed(legacy), ...noTlsDialogue }))).toEqual(['tls.client-cert-required']);
  });
  it('TLS 1.3: the handshake worked on our side, then certificate_required ended the session: tls.client-cert-required instead of tls.ok', () => {
    const findings = run({ tls: tlsOk({ alertAfterHandshake: 'certificate_required' }), ...noTlsDialogue });
    expect(found(findings)).toEqual([F('tls.client-cert-required', { how: 'it ended the session right after the handshake with the alert certificate_required' })]);
    expect(findings[0]?.evidence).toEqual([8, 9, 10, 11]);
    // Another alert after the handshake is not about certificates.
    expect(ids(run({ tls: tlsOk({ alertAfterHandshake: 'decode_error' }), ...noTlsDialogue }))).toEqual(['tls.ok']);
  });
  it("Postfix smtpd_tls_req_ccert: the handshake works, EHLO gets 421 … No client certificate presented: tls.client-cert-required, not smtp.rate-limited", () => {
    const postfix = reply(421, '4.7.1 mx.example.test Error: No client certificate presented');
    expect(found(run({ ehloTlsReply: postfix, capabilitiesInTls: null }))).toEqual([
      F('tls.client-cert-required', { how: 'it completed the handshake, then answered EHLO with 421 4.7.1 mx.example.test Error: No client certificate presented' }),
    ]);
    expect(ids(run({ ehloTlsReply: reply(421, '4.7.1 mx.example.test Error: Client certificate not trusted'), capabilitiesInTls: null }))).toEqual(['tls.client-cert-required']);
    // Over implicit TLS the EHLO reply is inside TLS too.
    expect(ids(run({ ehloTlsReply: postfix, capabilitiesInTls: null, implicitTls: true }))).toEqual(['tls.client-cert-required']);
    // A 421 about something else stays a rate limit; a 250 naming certificates is no refusal.
    expect(ids(run({ ehloTlsReply: reply(421, '4.7.0 too many connections'), capabilitiesInTls: null }))).toEqual(['tls.ok', 'smtp.rate-limited']);
    expect(ids(run({ ehloTlsReply: reply(250, 'mx.example.test client certificate required'), capabilitiesInTls: null }))).toEqual(['tls.ok']);
  });
  it('a server that only asks for a certificate and goes on without one: a fact, no finding', () => {
    expect(ids(run({ tls: tlsOk({ protocol: 'TLSv1.2', clientCertificateRequested: true }) }))).toEqual(['tls.ok']);
  });
  it('a certificate message over OpenSSL\'s 100 KiB: tls.certificate-too-large, sized from the records (exact where TLS ≤ 1.2 shows it)', () => {
    expect(OPENSSL_MAX_CERT_LIST).toBe(102_400);
    const v13 = failure('ERR_SSL_EXCESSIVE_MESSAGE_SIZE', { certificate: false, encrypted: true, encryptedBytes: 65_536 });
    const v12 = failure('ERR_SSL_EXCESSIVE_MESSAGE_SIZE', { certificateBytes: 131_077 });
    const over = { tls: failedWith(v13), legacyRetry: legacyFailed(v12), ...noTlsDialogue };
    expect(cause(over)).toBe('certificate-too-large');
    const findings = run(over, cause(over));
    expect(found(findings)).toEqual([F('tls.certificate-too-large', { size: '131077 bytes', limit: 102_400 })]);
    expect(findings[0]?.evidence).toEqual([8, 9, 17]);
    // TLS 1.3 only (the legacy retry got no further): the error says it is over the limit.
    expect(found(run({ tls: failedWith(v13), legacyRetry: legacyFailed(null), ...noTlsDialogue }))).toEqual([F('tls.certificate-too-large', { size: 'more than 102400 bytes', limit: 102_400 })]);
    // OpenSSL's words without its code count as well.
    const words = { ...v12, reason: 'handshake', error: 'error:0A000098:SSL routines::excessive message size' };
    expect(ids(run({ tls: failedWith(words), legacyRetry: null, ...noTlsDialogue }))).toEqual(['tls.certificate-too-large']);
    // A certificate under the limit: some other message was too large; not this finding.
    const small = failure('ERR_SSL_EXCESSIVE_MESSAGE_SIZE', { certificateBytes: 4000, certificateRequest: true });
    expect(certificateTooLarge({ tls: failedWith(small), legacyRetry: null })).toBeNull();
    expect(certificateTooLarge({ tls: failedWith(failure('ERR_SSL_EXCESSIVE_MESSAGE_SIZE', { certificateBytes: 102_400 })), legacyRetry: null })).toBeNull();
    expect(certificateTooLarge({ tls: failedWith(failure('ERR_SSL_EXCESSIVE_MESSAGE_SIZE', { certificateBytes: 102_401 })), legacyRetry: null })).toEqual({ bytes: 102_401 });
    expect(certificateTooLarge({ tls: tlsOk(), legacyRetry: null })).toBeNull();
    expect(certificateTooLarge({ tls: failedWith(failure('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', { certificateBytes: 200_000 })), legacyRetry: null })).toBeNull();
  });
  it('a server that stalls after its first flight: tls.handshake-timeout, not tls.server-aborted', () => {
    const stall = failure('timeout', { serverHelloDone: true }, true);
    const over = { tls: failedWith(stall), legacyRetry: legacyFailed(stall), ...noTlsDialogue };
    expect(cause(over)).toBe('handshake-timeout');
    expect(found(run(over, cause(over)))).toEqual([
      F('tls.handshake-timeout', { stage: 'after its first flight (ServerHello … ServerHelloDone), waiting for its Finished', error: 'no TLS handshake within 15000 ms' }),
    ]);
    const stage = (seen: Partial<HandshakeFailure['seen']>) => handshakeStalled({ tls: failedWith(failure('timeout', seen, true)), legacyRetry: null });
    expect(stage({ certificate: false })).toBe('after its ServerHello');
    expect(stage({ certificate: false, encrypted: true })).toBe('after its ServerHello and part of its encrypted flight');
    expect(stage({ serverHello: false, certificate: false, bytes: 3 })).toBe('after 3 bytes, before a ServerHello');
    expect(stage({ serverHello: false, certificate: false, bytes: 0 })).toBe('without answering our ClientHello at all');
    // Not a stall: our own abort, a non-TLS answer, a legacy retry that worked, no time-out at all.
    expect(handshakeStalled({ tls: failedWith(failure('aborted', {}, true)), legacyRetry: null })).toBeNull();
    expect(stage({ notTls: true })).toBeNull();
    expect(handshakeStalled({ tls: failedWith(stall), legacyRetry: retry() })).toBeNull();
    expect(handshakeStalled({ tls: failedWith(failure('timeout', {}, false)), legacyRetry: null })).toBeNull();
    expect(handshakeStalled({ tls: tlsOk(), legacyRetry: null })).toBeNull();
  });
  it('a certificate too large is read from the failed handshakes only: none without a handshake, none when the main one worked; the larger of two sizes', () => {
    const huge = failure('ERR_SSL_EXCESSIVE_MESSAGE_SIZE', { certificateBytes: 200_000 });
    expect(certificateTooLarge({ tls: null, legacyRetry: null })).toBeNull();
    expect(certificateTooLarge({ tls: null, legacyRetry: legacyFailed(huge) })).toBeNull();
    expect(certificateTooLarge({ tls: tlsOk(), legacyRetry: legacyFailed(huge) })).toBeNull();
    // Both attempts sized the message: the larger size is the message's.
    const smaller = failure('ERR_SSL_EXCESSIVE_MESSAGE_SIZE', { certificateBytes: 110_000 });
    expect(certificateTooLarge({ tls: failedWith(smaller), legacyRetry: legacyFailed(huge) })).toEqual({ bytes: 200_000 });
    expect(certificateTooLarge({ tls: failedWith(huge), legacyRetry: legacyFailed(failure('ERR_SSL_EXCESSIVE_MESSAGE_SIZE', { certificateBytes: 4000 })) })).toEqual({ bytes: 200_000 });
  });
  it('no handshake at all is no stall', () => {
    expect(handshakeStalled({ tls: null, legacyRetry: null })).toBeNull();
  });
  it('a completed handshake refused inside TLS: the how names every line of the reply, space-separated, with no trailing blank', () => {
    const twoLines = reply(421, 'mx.example.test', '4.7.1 Error: No client certificate presented  ');
    expect(found(run({ ehloTlsReply: twoLines, capabilitiesInTls: null }))).toEqual([
      F('tls.client-cert-required', { how: 'it completed the handshake, then answered EHLO with 421 mx.example.test 4.7.1 Error: No client certificate presented' }),
    ]);
  });
  it('TLS 1.3 refusal after the handshake with no evidence recorded (a trimmed report): no events cited', () => {
    const findings = run({ tls: tlsOk({ alertAfterHandshake: 'certificate_required' }), ...noTlsDialogue, evidence: {} });
    expect(findings.map((f) => [f.id, f.evidence])).toEqual([['tls.client-cert-required', []]]);
  });
  it('our own bug in a handshake is still nobody\'s fault', () => {
    const f = failure('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', { certificateRequest: true, alert: 'handshake_failure' });
    expect(run({ tls: { ...failedWith(f), status: 'internal-error' }, legacyRetry: null, ...noTlsDialogue })).toEqual([]);
  });
});
