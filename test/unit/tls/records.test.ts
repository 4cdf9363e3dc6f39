import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TlsRecordScanner } from '../../../src/tls/records.js';

const record = (type: number, body: number[]) => Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff, ...body]);
const handshake = (msg: number, len = 4) => [msg, 0, 0, len, ...new Array<number>(len).fill(0)];

describe('TlsRecordScanner', () => {
  it('sees ServerHello, Certificate and a plaintext alert (server aborted after its certificate)', () => {
    const s = new TlsRecordScanner();
    const bytes = Buffer.concat([record(22, [...handshake(2), ...handshake(11)]), record(21, [2, 80])]);
    // Deliver in awkward pieces: the scanner must reassemble records.
    for (let i = 0; i < bytes.length; i += 3) s.push(bytes.subarray(i, i + 3));
    expect(s.summary()).toMatchObject({ serverHello: true, certificate: true, alert: 'internal_error', notTls: false });
  });
  it('recognises bytes that are not TLS at all', () => {
    const s = new TlsRecordScanner();
    s.push(Buffer.from('This is not TLS\r\n'));
    expect(s.summary()).toMatchObject({ notTls: true, preview: 'This is not TLS..' });
  });
  it('does not read encrypted alerts after ChangeCipherSpec', () => {
    const s = new TlsRecordScanner();
    s.push(Buffer.concat([record(22, handshake(2)), record(20, [1]), record(21, [2, 40])]));
    expect(s.summary().alert).toBeNull();
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
