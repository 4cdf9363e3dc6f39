import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MxrayError } from '../../../src/core/errors.js';
import { LineReader } from '../../../src/net/line-reader.js';

describe('LineReader', () => {
  it('splits CRLF and bare LF lines across chunks and decodes at line boundaries', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.write(Buffer.from('220 h\xc3', 'latin1'));
    s.write(Buffer.from('\xa9llo\r\n250 ok\n', 'latin1'));
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '220 héllo', bareLf: false, bytes: 12 });
    expect(await r.readLine(100, 'io-timeout')).toMatchObject({ text: '250 ok', bareLf: true });
  });
  it('fails with a code when a line exceeds the cap, without buffering it', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 16);
    const p = r.readLine(1000, 'io-timeout');
    s.write('x'.repeat(10));
    s.write('y'.repeat(10));
    await expect(p).rejects.toMatchObject({ code: 'protocol-error', detail: 'line-too-long' });
  });
  it('times out with the code it was given', async () => {
    const r = new LineReader(new PassThrough(), 100);
    const err = await r.readLine(20, 'greeting-timeout').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MxrayError);
    expect((err as MxrayError).code).toBe('greeting-timeout');
  });
  it('reports the connection end', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const p = r.readLine(1000, 'io-timeout');
    s.end();
    await expect(p).rejects.toMatchObject({ code: 'protocol-error', detail: 'closed' });
  });
  it('detach returns unread lines and partial bytes (STARTTLS injection evidence)', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.write('220 go ahead\r\n250-INJECTED\r\npart');
    expect((await r.readLine(100, 'io-timeout')).text).toBe('220 go ahead');
    expect(r.detach().toString()).toBe('250-INJECTED\r\npart');
  });
});
