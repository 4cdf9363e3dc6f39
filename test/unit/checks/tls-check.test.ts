// The TLS check (the handshake, read with the legacy retry; injected bytes; EHLO inside TLS) and
// the SNI-required check, from only the facts and assessment their input types declare.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import { classifyLegacySuccess, readLegacyCause, sniRequiredCheck, tlsCheck, type TlsInput } from '../../../src/checks/tls/index.js';
import type { LegacyCause, LegacyRetry } from '../../../src/core/schema.js';
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
    expect(readLegacyCause({ tls: failed, legacyRetry: retry({ protocol: 'TLSv1' }) }, DEFAULT_PROFILE.currentProtocols)).toEqual({ legacyCause: 'old-protocol', certificateReceived: true });
    expect(readLegacyCause({ tls: failed, legacyRetry: retry({ protocol: 'TLSv1.2' }) }, DEFAULT_PROFILE.currentProtocols).legacyCause).toBe('no-shared-cipher');
    expect(readLegacyCause({ tls: failed, legacyRetry: retry({ protocol: 'TLSv1.2' }) }, ['TLSv1.3']).legacyCause).toBe('old-protocol');
    expect(classifyLegacySuccess('TLSv1.2', 'AES128-SHA', null, ['TLSv1.3'])).toBe('old-protocol');
    expect(classifyLegacySuccess(null, 'AES128-SHA', null)).toBe('old-protocol');
  });

  it('a legacy handshake that failed too: the cause from both attempts, and whether a certificate was seen', () => {
    const failed = tlsFailed('handshake failure');
    const second = { error: 'handshake failure', reason: 'handshake', seen: { ...failed.failure!.seen, certificate: true }, timedOut: false };
    expect(readLegacyCause({ tls: failed, legacyRetry: retry({ ok: false, failure: second }) }, DEFAULT_PROFILE.currentProtocols)).toEqual({
      legacyCause: 'server-abort-after-certificate',
      certificateReceived: true,
    });
    expect(readLegacyCause({ tls: failed, legacyRetry: retry({ ok: false, failure: null }) }, DEFAULT_PROFILE.currentProtocols)).toEqual({
      legacyCause: 'no-shared-cipher',
      certificateReceived: false,
    });
  });

  it('no retry, or no failed first handshake: nothing read', () => {
    expect(readLegacyCause({ tls: tlsFailed('x'), legacyRetry: null }, DEFAULT_PROFILE.currentProtocols)).toEqual({ legacyCause: null, certificateReceived: null });
    expect(readLegacyCause({ tls: tlsOk(), legacyRetry: retry() }, DEFAULT_PROFILE.currentProtocols)).toEqual({ legacyCause: null, certificateReceived: null });
    expect(readLegacyCause({ tls: null, legacyRetry: retry() }, DEFAULT_PROFILE.currentProtocols)).toEqual({ legacyCause: null, certificateReceived: null });
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
