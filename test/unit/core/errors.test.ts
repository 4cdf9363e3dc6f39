// The error classes: codes and fields are what callers and tests read, names tell them apart in logs.
import { describe, expect, it } from 'vitest';
import { DnsError, MxrayError, statusOfError, TlsHandshakeError, UsageError } from '../../../src/core/errors.js';
import type { TlsRecordSummaryFacts } from '../../../src/core/schema.js';

describe('MxrayError', () => {
  it('carries a status code, with no detail or local address unless given', () => {
    const e = new MxrayError('connection-refused', 'connect 192.0.2.1:25: refused');
    expect(e).toBeInstanceOf(Error);
    expect({ name: e.name, code: e.code, message: e.message, detail: e.detail, localAddress: e.localAddress }).toEqual({
      name: 'MxrayError',
      code: 'connection-refused',
      message: 'connect 192.0.2.1:25: refused',
      detail: null,
      localAddress: null,
    });
  });

  it('keeps the detail and local address given', () => {
    const e = new MxrayError('io-timeout', 'no reply', 'ETIMEDOUT', '192.0.2.99');
    expect({ detail: e.detail, localAddress: e.localAddress }).toEqual({ detail: 'ETIMEDOUT', localAddress: '192.0.2.99' });
  });
});

describe('TlsHandshakeError', () => {
  it('carries the tls-handshake-error code, the reason, what the record layer saw and whether it timed out', () => {
    const seen: TlsRecordSummaryFacts = { bytes: 7, notTls: false, preview: null, serverHello: false, certificate: false, encrypted: false, alert: 'handshake_failure' };
    const e = new TlsHandshakeError('handshake failure', 'SSLV3_ALERT_HANDSHAKE_FAILURE', seen, false);
    expect(e).toBeInstanceOf(Error);
    expect({ name: e.name, code: e.code, message: e.message, reason: e.reason, timedOut: e.timedOut }).toEqual({
      name: 'TlsHandshakeError',
      code: 'tls-handshake-error',
      message: 'handshake failure',
      reason: 'SSLV3_ALERT_HANDSHAKE_FAILURE',
      timedOut: false,
    });
    expect(e.seen).toBe(seen);
    // Its code is the status statusOfError gives it.
    expect(statusOfError(e)).toEqual({ status: e.code, detail: 'handshake failure', reason: 'SSLV3_ALERT_HANDSHAKE_FAILURE' });
  });
});

describe('UsageError', () => {
  it('is an Error named UsageError with the message given', () => {
    const e = new UsageError('no target given');
    expect(e).toBeInstanceOf(Error);
    expect({ name: e.name, message: e.message }).toEqual({ name: 'UsageError', message: 'no target given' });
  });

  it('says the command\'s --help would help unless told otherwise (a file that cannot be read is no such case)', () => {
    expect(new UsageError('unknown option --x').helpful).toBe(true);
    expect(new UsageError('unknown option --x', {}).helpful).toBe(true);
    expect(new UsageError('r.json is not JSON', { helpful: false }).helpful).toBe(false);
    expect(new UsageError('bad target', { helpful: true }).helpful).toBe(true);
  });
});

describe('DnsError', () => {
  it('says which query failed and how when no message is given', () => {
    const e = new DnsError('NXDOMAIN', 'ghost.example.test', 'MX');
    expect(e).toBeInstanceOf(Error);
    expect({ name: e.name, code: e.code, qname: e.qname, qtype: e.qtype, message: e.message }).toEqual({
      name: 'DnsError',
      code: 'NXDOMAIN',
      qname: 'ghost.example.test',
      qtype: 'MX',
      message: 'MX ghost.example.test: NXDOMAIN',
    });
  });

  it('keeps a message given', () => {
    expect(new DnsError('OTHER', 'x.test', 'A', 'A x.test: EBADRESP').message).toBe('A x.test: EBADRESP');
  });
});
