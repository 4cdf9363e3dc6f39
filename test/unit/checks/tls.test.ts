// Why a handshake failed, read from what the record layer saw and OpenSSL's words, in the normal
// attempt and the legacy retry. The error texts are OpenSSL 1.1/3 reason strings as Node reports them.
import { describe, expect, it } from 'vitest';
import { classifyHandshakeFailure, classifyLegacySuccess, refusedClientCertificate, type HandshakeAttempt } from '../../../src/checks/tls/index.js';
import type { TlsRecordSummaryFacts as TlsRecordSummary } from '../../../src/core/schema.js';

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

const attempt = (error: string, over: Partial<TlsRecordSummary> = {}): HandshakeAttempt => ({ error, seen: seen(over) });
/** The server closed the connection before sending anything at all. */
const silent = (error = 'Client network socket disconnected before secure TLS connection was established') => attempt(error, { bytes: 0 });

describe('classifyHandshakeFailure', () => {
  describe('not TLS at all', () => {
    it('bytes that are not TLS records, in either attempt', () => {
      expect(classifyHandshakeFailure(attempt('wrong version number', { notTls: true, preview: '220 mx ESMTP' }), null)).toBe('not-tls');
      expect(classifyHandshakeFailure(silent(), attempt('wrong version number', { notTls: true, preview: '<html>' }))).toBe('not-tls');
    });

    it('bytes that are not TLS win over anything else seen', () => {
      const cert = attempt('tlsv1 alert internal error', { serverHello: true, certificate: true, alert: 'internal_error' });
      expect(classifyHandshakeFailure(attempt('wrong version number', { notTls: true }), cert)).toBe('not-tls');
    });

    it("OpenSSL's words for a non-TLS answer, when the record layer saw nothing", () => {
      for (const error of ['error:0A00010B:SSL routines::wrong version number', 'error:0A0000C6:SSL routines::packet length too long', 'error:140770FC:SSL routines:SSL23_GET_SERVER_HELLO:unknown protocol']) {
        expect(classifyHandshakeFailure(silent(error), null), error).toBe('not-tls');
      }
    });
  });

  describe('the server aborted after its certificate', () => {
    it('TLS 1.3: ServerHello and encrypted records (the certificate among them), then an alert', () => {
      const first = attempt('error:0A000438:SSL routines::tlsv1 alert internal error', { serverHello: true, encrypted: true, alert: 'internal_error' });
      expect(classifyHandshakeFailure(first, null)).toBe('server-abort-after-certificate');
      // The legacy retry fails before the certificate: the first attempt is still the telling one.
      expect(classifyHandshakeFailure(first, silent())).toBe('server-abort-after-certificate');
    });

    it('TLS 1.3 encrypted records in one attempt, the alert in the other (OpenSMTPD 6.8 with OpenSSL 3)', () => {
      const first = attempt('socket hang up', { serverHello: true, encrypted: true });
      expect(classifyHandshakeFailure(first, attempt('tlsv1 alert internal error', { serverHello: true, alert: 'internal_error' }))).toBe('server-abort-after-certificate');
      const second = attempt('tlsv1 alert internal error', { serverHello: true, certificate: true, alert: 'internal_error' });
      expect(classifyHandshakeFailure(first, second)).toBe('server-abort-after-certificate');
    });

    it('TLS 1.2: a certificate in the clear, then the connection closed (no alert) or an alert', () => {
      expect(classifyHandshakeFailure(attempt('socket hang up', { serverHello: true, certificate: true }), null)).toBe('server-abort-after-certificate');
      // An alert that would otherwise read as "no shared cipher" comes after the certificate here.
      expect(classifyHandshakeFailure(attempt('sslv3 alert handshake failure', { serverHello: true, certificate: true, alert: 'handshake_failure' }), null)).toBe(
        'server-abort-after-certificate',
      );
    });

    it('is not an abort after the certificate without encrypted records or a certificate', () => {
      // ServerHello, then an alert: the server refused before any certificate.
      expect(classifyHandshakeFailure(attempt('tlsv1 alert insufficient security', { serverHello: true, alert: 'insufficient_security' }), null)).toBe('no-shared-cipher');
      // Encrypted records after a ServerHello but no alert and no certificate: the connection just closed.
      expect(classifyHandshakeFailure(attempt('socket hang up', { serverHello: true, encrypted: true }), null)).toBe('unknown');
      // Both attempts closed quietly after encrypted records.
      expect(classifyHandshakeFailure(attempt('socket hang up', { serverHello: true, encrypted: true }), attempt('socket hang up', { serverHello: true, encrypted: true }))).toBe('unknown');
    });
  });

  describe('no shared cipher', () => {
    it("by OpenSSL's words", () => {
      for (const error of [
        'error:0A0000C1:SSL routines::no shared cipher',
        'error:0A0000B5:SSL routines::no ciphers available',
        'error:0A000410:SSL routines::sslv3 alert handshake failure',
        'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      ]) {
        expect(classifyHandshakeFailure(silent(error), null), error).toBe('no-shared-cipher');
      }
    });

    it('by the alert the server sent', () => {
      expect(classifyHandshakeFailure(attempt('alert', { alert: 'handshake_failure' }), null)).toBe('no-shared-cipher');
      expect(classifyHandshakeFailure(attempt('alert', { alert: 'insufficient_security' }), null)).toBe('no-shared-cipher');
      expect(classifyHandshakeFailure(silent(), attempt('alert', { alert: 'handshake_failure' }))).toBe('no-shared-cipher');
    });

    it('by the words of the legacy retry alone', () => {
      expect(classifyHandshakeFailure(silent(), silent('error:0A0000C1:SSL routines::no shared cipher'))).toBe('no-shared-cipher');
    });

    it('wins over the signs of an old protocol', () => {
      expect(classifyHandshakeFailure(attempt('sslv3 alert handshake failure', { alert: 'protocol_version' }), null)).toBe('no-shared-cipher');
    });
  });

  describe('old protocol', () => {
    it('by the protocol_version alert, in either attempt', () => {
      expect(classifyHandshakeFailure(attempt('alert', { alert: 'protocol_version' }), null)).toBe('old-protocol');
      expect(classifyHandshakeFailure(silent(), attempt('alert', { alert: 'protocol_version' }))).toBe('old-protocol');
    });

    it("by OpenSSL's words, in either attempt", () => {
      expect(classifyHandshakeFailure(silent('error:0A000102:SSL routines::unsupported protocol'), null)).toBe('old-protocol');
      expect(classifyHandshakeFailure(silent('error:0A00042E:SSL routines::tlsv1 alert protocol version'), null)).toBe('old-protocol');
      expect(classifyHandshakeFailure(silent(), silent('error:0A000102:SSL routines::unsupported protocol'))).toBe('old-protocol');
    });

    it('wins over the words of a non-TLS answer', () => {
      expect(classifyHandshakeFailure(silent('unsupported protocol'), silent('wrong version number'))).toBe('old-protocol');
    });
  });

  it('nothing to go on: unknown', () => {
    expect(classifyHandshakeFailure(silent('the server closed the connection during the handshake'), null)).toBe('unknown');
    expect(classifyHandshakeFailure(silent(), silent())).toBe('unknown');
    // An alert that names none of the causes above.
    expect(classifyHandshakeFailure(attempt('tlsv1 alert decode error', { serverHello: true, alert: 'decode_error' }), null)).toBe('unknown');
  });
});

describe('classifyLegacySuccess', () => {
  it('a NULL cipher, by its OpenSSL or its standard name', () => {
    expect(classifyLegacySuccess('TLSv1.2', 'NULL-SHA256', 'TLS_RSA_WITH_NULL_SHA256')).toBe('null-cipher');
    expect(classifyLegacySuccess('TLSv1.2', 'ECDHE-RSA-NULL-SHA', null)).toBe('null-cipher');
    expect(classifyLegacySuccess('TLSv1.2', null, 'TLS_ECDHE_RSA_WITH_NULL_SHA')).toBe('null-cipher');
    // Even over an old protocol, the NULL cipher is the worse news.
    expect(classifyLegacySuccess('TLSv1', 'NULL-SHA', 'TLS_RSA_WITH_NULL_SHA')).toBe('null-cipher');
  });

  it('an old protocol: anything below TLS 1.2', () => {
    for (const protocol of ['SSLv3', 'TLSv1', 'TLSv1.1']) {
      expect(classifyLegacySuccess(protocol, 'ECDHE-RSA-AES256-SHA', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'), protocol).toBe('old-protocol');
    }
  });

  it('TLS 1.2 or 1.3 with a cipher our normal settings lack', () => {
    expect(classifyLegacySuccess('TLSv1.2', 'DHE-RSA-AES128-SHA', 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA')).toBe('no-shared-cipher');
    expect(classifyLegacySuccess('TLSv1.2', 'AES128-SHA', null)).toBe('no-shared-cipher');
    // No cipher name at all is no NULL cipher (the word "null" is not a cipher's name).
    expect(classifyLegacySuccess('TLSv1.2', null, null)).toBe('no-shared-cipher');
    expect(classifyLegacySuccess('TLSv1.3', 'TLS_AES_128_CCM_8_SHA256', 'TLS_AES_128_CCM_8_SHA256')).toBe('no-shared-cipher');
  });
});

describe('refusedClientCertificate', () => {
  it('no record summary is no refusal; a request with a refusal alert is one, a request without an alert is none', () => {
    expect(refusedClientCertificate(null)).toBe(false);
    expect(refusedClientCertificate(undefined)).toBe(false);
    const seen = { bytes: 900, notTls: false, preview: null, serverHello: true, certificate: true, encrypted: false, certificateRequest: true };
    expect(refusedClientCertificate({ ...seen, alert: 'bad_certificate' })).toBe(true);
    expect(refusedClientCertificate({ ...seen, alert: null })).toBe(false);
    expect(refusedClientCertificate({ ...seen, certificateRequest: false, alert: 'bad_certificate' })).toBe(false);
  });
});
