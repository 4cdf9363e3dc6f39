import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { alertName, alertOfErrorCode, TlsRecordScanner, type TlsRecordSummary } from '../../../src/tls/records.js';

// Record layer (RFC 8446 §5.1): type, legacy version (3, x), 16-bit length, body.
const record = (type: number, body: number[] | Buffer, version = [3, 3]) => Buffer.concat([Buffer.from([type, ...version, body.length >> 8, body.length & 0xff]), Buffer.from(body)]);
// Handshake message (RFC 8446 §4): type, 24-bit length, body.
const handshake = (msg: number, len = 4) => [msg, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff, ...new Array<number>(len).fill(0)];
const SERVER_HELLO = 2;
const CERTIFICATE = 11;
const CERTIFICATE_REQUEST = 13;
const SERVER_HELLO_DONE = 14;
const HANDSHAKE = 22;
const ALERT = 21;
const CCS = 20;
const APP_DATA = 23;

const nothingSeen: TlsRecordSummary = {
  bytes: 0,
  notTls: false,
  preview: null,
  serverHello: false,
  certificate: false,
  encrypted: false,
  alert: null,
  certificateRequest: false,
  certificateBytes: null,
  serverHelloDone: false,
  encryptedBytes: 0,
};

function scan(...chunks: Buffer[]): TlsRecordSummary {
  const s = new TlsRecordScanner();
  for (const c of chunks) s.push(c);
  return s.summary();
}

describe('TlsRecordScanner: handshake messages in the clear', () => {
  it('sees ServerHello, Certificate and a plaintext alert (server aborted after its certificate)', () => {
    const bytes = Buffer.concat([record(HANDSHAKE, [...handshake(SERVER_HELLO), ...handshake(CERTIFICATE)]), record(ALERT, [2, 80])]);
    // Deliver in awkward pieces: the scanner must reassemble records.
    const s = new TlsRecordScanner();
    for (let i = 0; i < bytes.length; i += 3) s.push(bytes.subarray(i, i + 3));
    expect(s.summary()).toEqual({ ...nothingSeen, bytes: bytes.length, serverHello: true, certificate: true, certificateBytes: 4, alert: 'internal_error' });
  });
  it('reads a record whose header and body arrive in different chunks', () => {
    const r = record(HANDSHAKE, handshake(SERVER_HELLO));
    expect(scan(r.subarray(0, 5), r.subarray(5))).toMatchObject({ serverHello: true, bytes: r.length });
    expect(scan(r.subarray(0, 2), r.subarray(2, 7), r.subarray(7))).toMatchObject({ serverHello: true });
    // Incomplete: nothing is claimed yet.
    expect(scan(r.subarray(0, r.length - 1))).toEqual({ ...nothingSeen, bytes: r.length - 1 });
  });
  it('keeps the start of a record that follows a whole one in the same chunk, and reads it once the rest comes', () => {
    const hello = record(HANDSHAKE, handshake(SERVER_HELLO));
    const rest = Buffer.concat([record(HANDSHAKE, [...handshake(CERTIFICATE, 20), ...handshake(SERVER_HELLO_DONE, 0)]), record(ALERT, [2, 40])]);
    // The header of the second record and 2 bytes of its body come with the first record.
    const chunk1 = Buffer.concat([hello, rest.subarray(0, 7)]);
    const chunk2 = rest.subarray(7);
    expect(scan(chunk1)).toEqual({ ...nothingSeen, bytes: chunk1.length, serverHello: true });
    expect(scan(chunk1, chunk2)).toEqual({
      ...nothingSeen,
      bytes: hello.length + rest.length,
      serverHello: true,
      certificate: true,
      certificateBytes: 20,
      serverHelloDone: true,
      alert: 'handshake_failure',
    });
  });
  it('reads handshake messages spread over several records, with 24-bit lengths', () => {
    const hello = handshake(SERVER_HELLO, 300);
    const cert = handshake(CERTIFICATE, 70_000 - 4).slice(0, 20); // only the start of a large Certificate
    expect(scan(record(HANDSHAKE, [...hello, ...cert]))).toMatchObject({ serverHello: true, certificate: true });
  });
  it('skips a message by its length, so bytes inside it are not taken for a message type', () => {
    // A ServerHello of 7 bytes whose body holds 11 (Certificate) at the place of a message type.
    const body = [SERVER_HELLO, 0, 0, 7, CERTIFICATE, 0, 0, 0, 0, 0, 0];
    expect(scan(record(HANDSHAKE, body))).toMatchObject({ serverHello: true, certificate: false });
    // The same bytes read with the length's high bytes set: the message is longer than the record.
    expect(scan(record(HANDSHAKE, [SERVER_HELLO, 1, 0, 0, CERTIFICATE, 0, 0, 0]))).toMatchObject({ serverHello: true, certificate: false });
  });
  it('reads a message header of exactly four bytes, and not a shorter one', () => {
    expect(scan(record(HANDSHAKE, [SERVER_HELLO, 0, 0, 0]))).toMatchObject({ serverHello: true });
    expect(scan(record(HANDSHAKE, [SERVER_HELLO, 0, 0]))).toMatchObject({ serverHello: false });
    expect(scan(record(HANDSHAKE, [...handshake(SERVER_HELLO, 0), CERTIFICATE, 0, 0]))).toMatchObject({ serverHello: true, certificate: false });
  });
  it('counts only ServerHello (2), Certificate (11), CertificateRequest (13) and ServerHelloDone (14) as what they are', () => {
    const others = [0, 1, 4, 8, 12, 15, 20].flatMap((m) => handshake(m));
    expect(scan(record(HANDSHAKE, others))).toEqual({ ...nothingSeen, bytes: 5 + others.length });
    expect(scan(record(HANDSHAKE, [...handshake(CERTIFICATE_REQUEST), ...handshake(SERVER_HELLO_DONE, 0)]))).toEqual({
      ...nothingSeen,
      bytes: 5 + 8 + 4,
      certificateRequest: true,
      serverHelloDone: true,
    });
  });
  // Regression: the scanner read messages record by record, so a Certificate message spread over
  // several records (any chain over 16 KiB) hid what followed it (CertificateRequest, ServerHelloDone).
  it('follows a Certificate message across records, with its announced length, and sees the messages after it', () => {
    const certLength = 40_000;
    const stream = Buffer.from([...handshake(SERVER_HELLO), ...handshake(CERTIFICATE, certLength), ...handshake(CERTIFICATE_REQUEST, 10), ...handshake(SERVER_HELLO_DONE, 0)]);
    const records: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 16_384) records.push(record(HANDSHAKE, stream.subarray(i, i + 16_384)));
    expect(records).toHaveLength(3);
    expect(scan(...records)).toEqual({
      ...nothingSeen,
      bytes: stream.length + 5 * 3,
      serverHello: true,
      certificate: true,
      certificateBytes: certLength,
      certificateRequest: true,
      serverHelloDone: true,
    });
    // A message header split between two records is read whole.
    expect(scan(record(HANDSHAKE, [SERVER_HELLO, 0]), record(HANDSHAKE, [0, 0, CERTIFICATE, 0, 1, 0]))).toMatchObject({ serverHello: true, certificate: true, certificateBytes: 256 });
  });
  it('keeps skipping a message continued in the next record, from where it stopped in the first', () => {
    // A ServerHello of 10 bytes: its header and 6 bytes in one record, its last 4 in the next, then
    // a Certificate header. Those last 4 bytes look like a ServerHelloDone header: they are body.
    const first = record(HANDSHAKE, [SERVER_HELLO, 0, 0, 10, 3, 3, 0xaa, 0xbb, 0xcc, 0xdd]);
    const second = record(HANDSHAKE, [SERVER_HELLO_DONE, 0, 0, 0, CERTIFICATE, 0, 1, 0]);
    expect(scan(first, second)).toEqual({ ...nothingSeen, bytes: first.length + second.length, serverHello: true, certificate: true, certificateBytes: 256 });
  });
  it('accepts the record versions of TLS 1.0 to 1.3 and the largest allowed record', () => {
    for (const minor of [0, 1, 2, 3, 4]) expect(scan(record(HANDSHAKE, handshake(SERVER_HELLO), [3, minor])).serverHello, `3.${minor}`).toBe(true);
    // 2^14 + 2048 bytes is the largest TLSCiphertext (RFC 8446 §5.2).
    const big = Buffer.concat([Buffer.from(handshake(SERVER_HELLO, 0)), Buffer.alloc(18432 - 4)]);
    expect(scan(record(HANDSHAKE, big))).toMatchObject({ serverHello: true, notTls: false });
  });
  it('ignores heartbeat records (24) without calling the stream foreign', () => {
    // Not a handshake record: bytes that would read as a ServerHello there mean nothing here.
    expect(scan(record(24, handshake(SERVER_HELLO)))).toEqual({ ...nothingSeen, bytes: 13 });
    expect(scan(record(24, [1, 0, 0]), record(HANDSHAKE, handshake(SERVER_HELLO)))).toMatchObject({ serverHello: true, notTls: false, encrypted: false, alert: null });
  });
});

describe('TlsRecordScanner: alerts and encryption', () => {
  it('names a plaintext alert before ChangeCipherSpec', () => {
    expect(scan(record(ALERT, [2, 40]))).toEqual({ ...nothingSeen, bytes: 7, alert: 'handshake_failure' });
    expect(scan(record(HANDSHAKE, handshake(SERVER_HELLO)), record(ALERT, [2, 70]))).toMatchObject({ alert: 'protocol_version', encrypted: false });
  });
  it('does not read alerts after ChangeCipherSpec: they are encrypted', () => {
    const s = scan(record(HANDSHAKE, handshake(SERVER_HELLO)), record(CCS, [1]), record(ALERT, [2, 40]));
    expect(s).toMatchObject({ serverHello: true, alert: null, encrypted: true });
  });
  it('takes an alert record that is not two bytes long for an encrypted one', () => {
    expect(scan(record(ALERT, [2, 40, 0]))).toMatchObject({ alert: null, encrypted: true });
    expect(scan(record(ALERT, [2]))).toMatchObject({ alert: null, encrypted: true });
  });
  it('after ChangeCipherSpec, handshake records are encrypted: no Certificate is read from them', () => {
    const s = scan(record(HANDSHAKE, handshake(SERVER_HELLO)), record(CCS, [1]), record(HANDSHAKE, handshake(CERTIFICATE)));
    expect(s).toMatchObject({ serverHello: true, certificate: false, alert: null });
  });
  it('marks application data records (TLS 1.3 encrypted handshake) as encrypted', () => {
    expect(scan(record(HANDSHAKE, handshake(SERVER_HELLO)), record(APP_DATA, [1, 2, 3, 4]))).toEqual({
      ...nothingSeen,
      bytes: 5 + 8 + 5 + 4,
      serverHello: true,
      encrypted: true,
      encryptedBytes: 4,
    });
    // Every encrypted record counts: application data, handshake and alerts after ChangeCipherSpec.
    expect(scan(record(HANDSHAKE, handshake(SERVER_HELLO)), record(CCS, [1]), record(APP_DATA, new Array<number>(300).fill(1)), record(HANDSHAKE, [1, 2, 3]), record(ALERT, [1, 2, 3]))).toMatchObject({
      encryptedBytes: 306,
      certificate: false,
      alert: null,
    });
  });
  it('knows the alert names of RFC 8446 §6 and numbers the others', () => {
    const rfc8446: Record<number, string> = {
      0: 'close_notify',
      10: 'unexpected_message',
      20: 'bad_record_mac',
      22: 'record_overflow',
      40: 'handshake_failure',
      42: 'bad_certificate',
      43: 'unsupported_certificate',
      44: 'certificate_revoked',
      45: 'certificate_expired',
      46: 'certificate_unknown',
      47: 'illegal_parameter',
      48: 'unknown_ca',
      49: 'access_denied',
      50: 'decode_error',
      51: 'decrypt_error',
      70: 'protocol_version',
      71: 'insufficient_security',
      80: 'internal_error',
      86: 'inappropriate_fallback',
      90: 'user_canceled',
      109: 'missing_extension',
      110: 'unsupported_extension',
      112: 'unrecognized_name',
      116: 'certificate_required',
      120: 'no_application_protocol',
    };
    for (const [code, name] of Object.entries(rfc8446)) expect(alertName(Number(code))).toBe(name);
    expect(alertName(255)).toBe('alert 255');
    expect(alertName(21)).toBe('alert 21');
  });
});

describe('alertOfErrorCode', () => {
  it('names the alert of OpenSSL\'s error codes for a received alert', () => {
    expect(alertOfErrorCode('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')).toBe('certificate_required');
    expect(alertOfErrorCode('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')).toBe('handshake_failure');
    expect(alertOfErrorCode('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')).toBe('protocol_version');
  });
  it('takes the whole code or nothing: no other code, nothing before or after it', () => {
    for (const code of [
      null,
      '',
      'ECONNRESET',
      'ERR_SSL_WRONG_VERSION_NUMBER',
      'ERR_SSL_TLSV12_ALERT_INTERNAL_ERROR',
      'X_ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR',
      'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR.',
      'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR 2',
      'err_ssl_tlsv1_alert_internal_error',
    ]) {
      expect(alertOfErrorCode(code), String(code)).toBeNull();
    }
  });
});

describe('TlsRecordScanner: what is not TLS', () => {
  it('recognises bytes that are not TLS at all, with a printable preview', () => {
    expect(scan(Buffer.from('This is not TLS\r\n'))).toEqual({ ...nothingSeen, bytes: 17, notTls: true, preview: 'This is not TLS..' });
    expect(scan(Buffer.from([0x20, 0x7e, 0x7f, 0x1f, 0x80, 0xff, 0x41]))).toMatchObject({ notTls: true, preview: ' ~....A' });
  });
  it('limits the preview to 48 bytes', () => {
    const text = '554 5.7.1 This server does not speak TLS at all, it is a plain SMTP server';
    expect(scan(Buffer.from(text)).preview).toBe(text.slice(0, 48));
  });
  it('recognises a short answer (under a record header) that cannot start a record', () => {
    expect(scan(Buffer.from('5'))).toMatchObject({ notTls: true, preview: '5' });
    expect(scan(Buffer.from([19]))).toMatchObject({ notTls: true, preview: '.' });
    expect(scan(Buffer.from([25, 3]))).toMatchObject({ notTls: true, preview: '..' });
    expect(scan(Buffer.from('220 '))).toMatchObject({ notTls: true, preview: '220 ' });
  });
  it('waits on a short start that can begin a record', () => {
    for (const first of [20, 22, 24]) expect(scan(Buffer.from([first, 3, 3]))).toEqual({ ...nothingSeen, bytes: 3 });
    expect(scan(Buffer.alloc(0))).toEqual(nothingSeen);
  });
  it('judges a short start only on the very first bytes, not after a record', () => {
    expect(scan(record(HANDSHAKE, handshake(0)), Buffer.from('5'))).toMatchObject({ notTls: false, preview: null });
  });
  it('refuses record types outside 20-24, versions other than 3.x and oversized records', () => {
    expect(scan(record(19, [0]))).toMatchObject({ notTls: true });
    expect(scan(record(25, [0]))).toMatchObject({ notTls: true });
    expect(scan(record(HANDSHAKE, handshake(SERVER_HELLO), [2, 0]))).toMatchObject({ notTls: true, serverHello: false });
    expect(scan(record(HANDSHAKE, handshake(SERVER_HELLO), [4, 3]))).toMatchObject({ notTls: true, serverHello: false });
    expect(scan(Buffer.from([HANDSHAKE, 3, 3, 0x48, 0x01]))).toMatchObject({ notTls: true, preview: '...H.' });
  });
  it('calls garbage after a record foreign when no ServerHello came yet', () => {
    const first = record(HANDSHAKE, handshake(0));
    expect(scan(first, Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toMatchObject({ notTls: true, preview: 'HTTP/1.1 400 Bad Request..' });
  });
  it('drops garbage after a ServerHello without calling the whole stream foreign', () => {
    const s = new TlsRecordScanner();
    s.push(record(HANDSHAKE, handshake(SERVER_HELLO)));
    s.push(Buffer.from('garbage here'));
    expect(s.summary()).toMatchObject({ notTls: false, preview: null, serverHello: true });
    // The garbage is dropped: a later record is read from its own first byte.
    s.push(record(ALERT, [2, 80]));
    expect(s.summary()).toMatchObject({ alert: 'internal_error', bytes: 13 + 12 + 7 });
  });
  it('stops reading once the stream was found foreign, but keeps counting bytes', () => {
    const s = new TlsRecordScanner();
    s.push(Buffer.from('220 mx.example.com ESMTP\r\n'));
    s.push(record(HANDSHAKE, handshake(SERVER_HELLO)));
    expect(s.summary()).toEqual({ ...nothingSeen, bytes: 26 + 13, notTls: true, preview: '220 mx.example.com ESMTP..' });
  });
});

describe('TlsRecordScanner: bounds and life cycle', () => {
  /** Handshake records of the given sizes (each a record of one message) in one buffer. */
  const records = (...sizes: number[]) => Buffer.concat(sizes.map((n) => record(HANDSHAKE, handshake(SERVER_HELLO, n - 5 - 4))));
  it('scans a chunk of up to 64 KiB', () => {
    const chunk = records(16_389, 16_389, 16_389, 16_369);
    expect(chunk.length).toBe(65_536);
    expect(scan(chunk)).toMatchObject({ serverHello: true, bytes: 65_536 });
  });
  // Regression: chunks over 64 KiB (a socket read of a large certificate flight) made the scanner
  // give up, so the alert after a 100 KiB certificate was never seen.
  it('scans chunks of any size: it holds at most one incomplete record', () => {
    const chunk = Buffer.concat([records(16_389, 16_389, 16_389, 16_370, 16_389, 16_389, 16_389, 16_389), record(ALERT, [2, 80])]);
    expect(chunk.length).toBeGreaterThan(128 * 1024);
    const s = new TlsRecordScanner();
    s.push(chunk);
    expect(s.summary()).toEqual({ ...nothingSeen, bytes: chunk.length, serverHello: true, alert: 'internal_error' });
    // An unfinished record header waits, the rest completes it.
    const t = new TlsRecordScanner();
    t.push(chunk.subarray(0, 3));
    t.push(chunk.subarray(3));
    expect(t.summary()).toEqual(s.summary());
  });
  it('ignores what follows stop() (application data is not its business)', () => {
    const s = new TlsRecordScanner();
    s.push(record(HANDSHAKE, handshake(SERVER_HELLO)));
    s.stop();
    s.push(record(ALERT, [2, 40]));
    s.push(Buffer.from('not tls'));
    expect(s.summary()).toEqual({ ...nothingSeen, bytes: 13 + 7 + 7, serverHello: true });
  });
  it('forgets a half record on stop()', () => {
    const s = new TlsRecordScanner();
    const r = record(ALERT, [2, 40]);
    s.push(r.subarray(0, 4));
    s.stop();
    s.push(r.subarray(4));
    expect(s.summary().alert).toBeNull();
  });
  it('hands out a copy of its summary', () => {
    const s = new TlsRecordScanner();
    const first = s.summary();
    first.alert = 'changed';
    first.bytes = 99;
    expect(s.summary()).toEqual(nothingSeen);
  });
  it('does not keep a reference to the chunk it was given', () => {
    const s = new TlsRecordScanner();
    const r = record(ALERT, [2, 40]);
    const head = Buffer.from(r.subarray(0, 4));
    s.push(head);
    head.fill(0);
    s.push(r.subarray(4));
    expect(s.summary().alert).toBe('handshake_failure');
  });
  it('never throws and stays bounded on arbitrary input', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const s = new TlsRecordScanner();
        for (const c of chunks) s.push(Buffer.from(c));
        const sum = s.summary();
        expect(sum.bytes).toBe(chunks.reduce((n, c) => n + c.length, 0));
      }),
    );
  });
});
