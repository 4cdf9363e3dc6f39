import { describe, expect, it } from 'vitest';
import { classifyEnvelopeReply } from '../../../src/checks/policy.js';
import { classifyHandshakeFailure, classifyLegacySuccess } from '../../../src/checks/tls.js';
import type { TlsRecordSummary } from '../../../src/tls/records.js';

const seen = (over: Partial<TlsRecordSummary> = {}): TlsRecordSummary => ({
  bytes: 100,
  notTls: false,
  preview: null,
  serverHello: false,
  certificate: false,
  encrypted: false,
  alert: null,
  ...over,
});

describe('classifyHandshakeFailure', () => {
  it('bytes that are not TLS', () => {
    expect(classifyHandshakeFailure({ error: 'wrong version number', seen: seen({ notTls: true }) }, null)).toBe('not-tls');
  });
  it('certificate sent, then an alert: the server aborted (OpenSMTPD 6.8 with OpenSSL 3)', () => {
    const first = { error: 'tlsv1 alert internal error', seen: seen({ serverHello: true, encrypted: true }) };
    const second = { error: 'tlsv1 alert internal error', seen: seen({ serverHello: true, certificate: true, alert: 'internal_error' }) };
    expect(classifyHandshakeFailure(first, second)).toBe('server-abort-after-certificate');
  });
  it('handshake_failure before any certificate: no shared cipher', () => {
    expect(classifyHandshakeFailure({ error: 'sslv3 alert handshake failure', seen: seen({ alert: 'handshake_failure' }) }, null)).toBe('no-shared-cipher');
  });
  it('protocol_version alert: old protocol', () => {
    expect(classifyHandshakeFailure({ error: 'tlsv1 alert protocol version', seen: seen({ alert: 'protocol_version' }) }, null)).toBe('old-protocol');
  });
  it('nothing to go on: unknown', () => {
    expect(classifyHandshakeFailure({ error: 'the server closed the connection during the handshake', seen: seen({ bytes: 0 }) }, null)).toBe('unknown');
  });
});

describe('classifyLegacySuccess', () => {
  it('NULL cipher, old protocol, else a cipher our normal settings lack', () => {
    expect(classifyLegacySuccess('TLSv1.2', 'ECDHE-RSA-NULL-SHA', null)).toBe('null-cipher');
    expect(classifyLegacySuccess('TLSv1.1', 'ECDHE-RSA-AES256-SHA', null)).toBe('old-protocol');
    expect(classifyLegacySuccess('TLSv1.2', 'DHE-RSA-AES128-SHA', null)).toBe('no-shared-cipher');
  });
});

describe('classifyEnvelopeReply', () => {
  const r = (code: number, text: string) => ({ code, enhanced: /^\d\.\d+\.\d+/.exec(text)?.[0] ?? null, lines: [text] });
  it('reads accept, greylisting, deferral, refusal and "TLS first"', () => {
    expect(classifyEnvelopeReply(r(250, '2.1.0 Ok'))).toBe('accepted');
    expect(classifyEnvelopeReply(r(451, '4.7.1 Greylisted, please try again later'))).toBe('greylisted');
    expect(classifyEnvelopeReply(r(452, '4.3.1 Insufficient system storage'))).toBe('deferred');
    expect(classifyEnvelopeReply(r(550, '5.1.1 User unknown'))).toBe('rejected');
    expect(classifyEnvelopeReply(r(530, '5.7.0 Must issue a STARTTLS command first'))).toBe('requires-tls');
    expect(classifyEnvelopeReply(null)).toBe('no-reply');
  });
});
