import { Duplex, PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MxrayError } from '../../../src/core/errors.js';
import { DRAIN_MAX_BYTES, DRAIN_MAX_TURNS, LineReader, UNREAD_SAMPLE_BYTES } from '../../../src/net/line-reader.js';

/** Lets the stream deliver what was written (PassThrough emits 'data' on a later tick). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
/** One turn of the event loop (setImmediate, as the drain counts them). */
const turn = settle;

describe('LineReader: framing', () => {
  it('splits CRLF and bare LF lines across chunks and decodes at line boundaries', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.write(Buffer.from('220 h\xc3', 'latin1'));
    s.write(Buffer.from('\xa9llo\r\n250 ok\n', 'latin1'));
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '220 héllo', bareLf: false, bytes: 12 });
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '250 ok', bareLf: true, bytes: 7 });
  });
  it('reads several lines from one chunk and a CRLF split between chunks', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.write('250-a\r\n250-b\r\n250 c\r');
    s.write('\n');
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '250-a', bareLf: false, bytes: 7 });
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '250-b', bareLf: false, bytes: 7 });
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '250 c', bareLf: false, bytes: 7 });
  });
  it('reads empty lines, with and without CR', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.write('\n\r\n');
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '', bareLf: true, bytes: 1 });
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '', bareLf: false, bytes: 2 });
  });
  it('turns invalid UTF-8 into U+FFFD', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.write(Buffer.from([0x32, 0x32, 0x30, 0x20, 0xff, 0x0d, 0x0a]));
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '220 \ufffd', bareLf: false, bytes: 7 });
  });
});

describe('LineReader: the line cap (bytes before the LF, CR included)', () => {
  it('accepts a line of exactly the cap, arriving whole', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 8);
    s.write('1234567\r\n12345678\n');
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '1234567', bareLf: false, bytes: 9 });
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '12345678', bareLf: true, bytes: 9 });
  });
  it('fails when a too-long line arrives whole in one chunk, and does not deliver it', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 8);
    s.write('220 ok\r\n12345678\r\n250 after\r\n');
    expect((await r.readLine(100, 'io-timeout')).text).toBe('220 ok');
    // Nobody asked for more when the long line came: the reading ends only now that somebody does.
    expect(s.destroyed).toBe(false);
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ code: 'protocol-error', detail: 'line-too-long', message: expect.stringMatching(/./) });
    expect(s.destroyed).toBe(true);
    // The same failure for every later read.
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ detail: 'line-too-long' });
  });
  // Regression (STARTTLS injection of more than the cap): an over-long line nobody asked for
  // destroyed the socket at once, so the TLS handshake after a 220 failed with "socket closed".
  it('a too-long line nobody has asked for yet is only counted (first bytes kept), and detach returns it as unread', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 8);
    const flood = 'x'.repeat(100_000);
    s.write(`220 go\r\n${flood}`);
    expect((await r.readLine(100, 'io-timeout')).text).toBe('220 go');
    s.write('more\r\nand more');
    await settle();
    expect(s.destroyed).toBe(false);
    const unread = r.detach();
    expect(unread.bytes).toBe(100_000 + 14);
    expect(unread.sample.toString()).toBe(flood.slice(0, UNREAD_SAMPLE_BYTES));
    expect(UNREAD_SAMPLE_BYTES).toBe(256);
  });
  it('fails on a long line with its LF in the same chunk while a reader waits', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 16);
    const p = r.readLine(1000, 'io-timeout');
    s.write(`${'x'.repeat(40)}\r\n`);
    await expect(p).rejects.toMatchObject({ code: 'protocol-error', detail: 'line-too-long' });
  });
  it('accepts a line that reaches the cap in pieces and fails one byte beyond it', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 8);
    s.write('1234');
    s.write('5678');
    s.write('\n');
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '12345678', bareLf: true, bytes: 9 });
    s.write('1234');
    s.write('567');
    s.write('8\r\n');
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ code: 'protocol-error', detail: 'line-too-long' });
  });
  it('fails when the unterminated rest of a line exceeds the cap, without waiting for its end', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 16);
    const p = r.readLine(1000, 'io-timeout');
    s.write('x'.repeat(10));
    s.write('y'.repeat(10));
    await expect(p).rejects.toMatchObject({ code: 'protocol-error', detail: 'line-too-long' });
    // The failure stays: later reads see the same error, not the close that followed.
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ code: 'protocol-error', detail: 'line-too-long' });
    expect(s.destroyed).toBe(true);
  });
  it('a too-long line that failed the waiting read is not also left as unread bytes', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 16);
    const p = r.readLine(1000, 'io-timeout');
    s.write('x'.repeat(10));
    s.write('y'.repeat(10));
    await expect(p).rejects.toMatchObject({ detail: 'line-too-long' });
    expect(r.detach()).toEqual({ bytes: 0, sample: Buffer.alloc(0) });
  });
  it('fails at once on a single chunk longer than the cap with no LF in it', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 16);
    s.write('220 ok\r\n' + 'z'.repeat(17));
    expect((await r.readLine(100, 'io-timeout')).text).toBe('220 ok');
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ detail: 'line-too-long' });
  });
  it('counts a line from where the previous one ended, not from the start of the chunk', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 8);
    s.write('12345678\n1234');
    s.write('5678\n');
    expect((await r.readLine(100, 'io-timeout')).text).toBe('12345678');
    expect(await r.readLine(100, 'io-timeout')).toEqual({ text: '12345678', bareLf: true, bytes: 9 });
  });
});

describe('LineReader: the queue of lines nobody asked for', () => {
  it('holds up to 64 lines of the cap in bytes, and ends the reading beyond', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 16);
    // 16 × 64 = 1024 bytes may wait: 512 lines of 2 bytes fill it exactly.
    s.write('a\n'.repeat(512));
    await settle();
    expect(r.pending).toBe(512);
    expect(s.destroyed).toBe(false);
    s.write('b\n');
    await settle();
    // The line beyond is only counted; what arrived before the flood can still be read; then the
    // flood is reported and the reading ends.
    expect(r.pending).toBe(512);
    for (let i = 0; i < 512; i++) await r.readLine(100, 'io-timeout');
    expect(s.destroyed).toBe(false);
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ code: 'protocol-error', detail: 'flood', message: expect.stringMatching(/./) });
    expect(s.destroyed).toBe(true);
  });
  it('a flood nobody asked for goes to the unread bytes (a detach before TLS), lines first', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 16);
    s.write('a\n'.repeat(600));
    await settle();
    expect(r.pending).toBe(512);
    const unread = r.detach();
    expect(unread.bytes).toBe(1200);
    expect(unread.sample.toString()).toBe('a\n'.repeat(128));
    expect(s.destroyed).toBe(false);
  });
  it('holds at most 10 000 lines, however short', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 4096);
    s.write('\n'.repeat(10_000));
    await settle();
    expect(r.pending).toBe(10_000);
    expect(s.destroyed).toBe(false);
    s.write('\n');
    await settle();
    expect(r.pending).toBe(10_000);
    for (let i = 0; i < 10_000; i++) await r.readLine(100, 'io-timeout');
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ detail: 'flood' });
    expect(s.destroyed).toBe(true);
  });
  it('frees the room of every line read', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 16);
    s.write('a\n'.repeat(500));
    await settle();
    for (let i = 0; i < 500; i++) await r.readLine(100, 'io-timeout');
    s.write('a\n'.repeat(500));
    await settle();
    expect(r.pending).toBe(500);
    expect(s.destroyed).toBe(false);
  });
});

describe('LineReader: waiting', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it('times out with the code it was given', async () => {
    vi.useFakeTimers();
    const r = new LineReader(new PassThrough(), 100);
    const greeting = r.readLine(20, 'greeting-timeout').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(20);
    const err = await greeting;
    expect(err).toBeInstanceOf(MxrayError);
    expect(err).toMatchObject({ code: 'greeting-timeout', detail: 'timeout', message: expect.stringMatching(/./) });
    const io = r.readLine(20, 'io-timeout').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(20);
    expect(await io).toMatchObject({ code: 'io-timeout', detail: 'timeout' });
  });
  it('waits the whole time it was given', async () => {
    vi.useFakeTimers();
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const p = r.readLine(50, 'io-timeout');
    await vi.advanceTimersByTimeAsync(49);
    s.write('250 ok\r\n');
    await vi.advanceTimersByTimeAsync(0);
    expect(await p).toMatchObject({ text: '250 ok' });
    // Its timer is gone: nothing fires later.
    expect(vi.getTimerCount()).toBe(0);
  });
  it('keeps a line that arrives after a time-out for the next read', async () => {
    vi.useFakeTimers();
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const late = r.readLine(20, 'io-timeout').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(20);
    expect(await late).toMatchObject({ code: 'io-timeout' });
    s.write('250 late\r\n');
    await vi.advanceTimersByTimeAsync(0);
    expect(r.pending).toBe(1);
    expect((await r.readLine(20, 'io-timeout')).text).toBe('250 late');
  });
  it('a read asked for after the abort fails at once (no timer: a deadline does not wait out a whole time-out), but a queued line is still read', async () => {
    vi.useFakeTimers();
    try {
      const s = new PassThrough();
      const r = new LineReader(s, 100);
      s.write('250 queued\r\n');
      await vi.advanceTimersByTimeAsync(0);
      const ac = new AbortController();
      ac.abort();
      expect((await r.readLine(10_000, 'io-timeout', ac.signal)).text).toBe('250 queued');
      const p = r.readLine(10_000, 'io-timeout', ac.signal);
      expect(vi.getTimerCount()).toBe(0);
      await expect(p).rejects.toMatchObject({ code: 'io-timeout', detail: 'aborted', message: 'aborted' });
    } finally {
      vi.useRealTimers();
    }
  });
  it('gives up when aborted, with io-timeout/aborted, and keeps later lines', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const ac = new AbortController();
    const p = r.readLine(10_000, 'greeting-timeout', ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'io-timeout', detail: 'aborted', message: expect.stringMatching(/./) });
    s.write('220 late\r\n');
    await settle();
    expect(r.pending).toBe(1);
  });
  it('clears its timer and abort listener once a line arrives', async () => {
    vi.useFakeTimers();
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const ac = new AbortController();
    const p = r.readLine(1000, 'io-timeout', ac.signal);
    s.write('250 ok\r\n');
    await vi.advanceTimersByTimeAsync(0);
    expect((await p).text).toBe('250 ok');
    expect(vi.getTimerCount()).toBe(0);
    // An abort after the read is over does not take the next waiter with it.
    const next = r.readLine(1000, 'io-timeout');
    ac.abort();
    s.write('250 next\r\n');
    await vi.advanceTimersByTimeAsync(0);
    expect((await next).text).toBe('250 next');
  });
  it('clears its abort listener on a time-out', async () => {
    vi.useFakeTimers();
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const ac = new AbortController();
    const first = r.readLine(10, 'io-timeout', ac.signal).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    expect(await first).toMatchObject({ code: 'io-timeout', detail: 'timeout' });
    const next = r.readLine(1000, 'io-timeout');
    ac.abort();
    s.write('250 next\r\n');
    await vi.advanceTimersByTimeAsync(0);
    expect((await next).text).toBe('250 next');
  });
  it('clears the timer of a read that failed', async () => {
    vi.useFakeTimers();
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const p = r.readLine(1000, 'io-timeout').catch((e: unknown) => e);
    s.end();
    await vi.advanceTimersByTimeAsync(0);
    expect(await p).toMatchObject({ detail: 'closed' });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('LineReader: the end of the connection', () => {
  it('reports the connection end', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const p = r.readLine(1000, 'io-timeout');
    s.end();
    await expect(p).rejects.toMatchObject({ code: 'protocol-error', detail: 'closed' });
    await expect(r.readLine(1000, 'io-timeout')).rejects.toMatchObject({ code: 'protocol-error', detail: 'closed' });
  });
  it('reports the end of the server side while ours is still open (half-closed duplex)', async () => {
    const s = new Duplex({ read() {}, write: (_chunk, _encoding, callback) => callback(), allowHalfOpen: true });
    const r = new LineReader(s, 100);
    const p = r.readLine(1000, 'io-timeout');
    s.push(null);
    await expect(p).rejects.toMatchObject({ code: 'protocol-error', detail: 'closed', message: expect.stringMatching(/./) });
    expect(s.destroyed).toBe(false);
  });
  it('reports a close without an end', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const p = r.readLine(1000, 'io-timeout');
    s.destroy();
    await expect(p).rejects.toMatchObject({ code: 'protocol-error', detail: 'closed' });
  });
  it('reports a socket error', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const p = r.readLine(1000, 'io-timeout');
    s.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await expect(p).rejects.toMatchObject({ code: 'protocol-error', detail: 'socket-error', message: expect.stringContaining('read ECONNRESET') });
  });
  it('the first failure stands: a socket error stays the answer once the close that follows it has come', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    s.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await closed;
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ code: 'protocol-error', detail: 'socket-error' });
  });
  it('the first failure stands: a line too long stays the answer once the close it caused has come', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 16);
    const p = r.readLine(1000, 'io-timeout');
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    s.write('x'.repeat(20));
    await expect(p).rejects.toMatchObject({ detail: 'line-too-long' });
    await closed;
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ detail: 'line-too-long' });
  });
  it('still hands out the lines that came before the end', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.end('221 bye\r\n');
    await settle();
    expect((await r.readLine(100, 'io-timeout')).text).toBe('221 bye');
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ detail: 'closed' });
  });
});

describe('LineReader.detach (before a TLS upgrade)', () => {
  it('returns unread lines and partial bytes (STARTTLS injection evidence)', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.write('220 go ahead\r\n250-INJECTED\r\n250 bare\npart');
    expect((await r.readLine(100, 'io-timeout')).text).toBe('220 go ahead');
    expect(r.detach()).toEqual({ bytes: 27, sample: Buffer.from('250-INJECTED\r\n250 bare\npart') });
    expect(r.pending).toBe(0);
  });
  it('also returns what the stream holds but has not emitted yet', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.write('220 go ahead\r\n');
    expect((await r.readLine(100, 'io-timeout')).text).toBe('220 go ahead');
    s.write('250-INJECTED\r\n');
    // Bytes that reach a paused stream stay in its buffer.
    s.pause();
    s.write('250 more\r\n');
    s.write('250 and more\r\n');
    await settle();
    expect(r.pending).toBe(1);
    expect(r.detach().sample.toString()).toBe('250-INJECTED\r\n250 more\r\n250 and more\r\n');
  });
  it('returns nothing when nothing came, and stops reading the stream', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.write('220 go ahead\r\n');
    expect((await r.readLine(100, 'io-timeout')).text).toBe('220 go ahead');
    expect(r.detach()).toEqual({ bytes: 0, sample: Buffer.alloc(0) });
    expect(s.isPaused()).toBe(true);
    // What follows stays in the stream for the TLS layer.
    s.write('250 next\r\n');
    await settle();
    expect(r.pending).toBe(0);
    expect(String(s.read())).toBe('250 next\r\n');
    s.resume();
    s.write('250 more\r\n');
    await settle();
    expect(r.pending).toBe(0);
    // A read on the detached reader is our mistake, not the server's.

    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ code: 'internal-error', message: expect.stringMatching(/./) });
  });
  it('does not report the end of a stream it no longer reads', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    r.detach();
    s.end();
    s.resume();
    await settle();
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ code: 'internal-error' });
  });
  it('does not report a close of a stream it no longer reads', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    r.detach();
    s.destroy();
    await settle();
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ code: 'internal-error' });
  });
  it('does not report an error of a stream it no longer reads', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    r.detach();
    // Whoever reads the stream next (the TLS layer) handles its errors.
    s.on('error', () => undefined);
    s.destroy(new Error('gone'));
    await settle();
    await expect(r.readLine(100, 'io-timeout')).rejects.toMatchObject({ code: 'internal-error' });
  });
  it('forgets a partial line, so a later line is not glued to it', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 8);
    s.write('1234567');
    await settle();
    expect(r.detach().sample.toString()).toBe('1234567');
    // Nothing of the partial line is counted any more.
    expect(r.detach()).toEqual({ bytes: 0, sample: Buffer.alloc(0) });
  });
});

describe('LineReader.drain (after a 220 to STARTTLS)', () => {
  it('takes in what is there and what arrives until the stream has been quiet for a turn, then pauses it for TLS', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.write('220 go\r\n250-INJECTED\r\n');
    expect((await r.readLine(100, 'io-timeout')).text).toBe('220 go');
    const drained = r.drain();
    s.write('250 ');
    await settle();
    s.write('LATER');
    expect(await drained).toEqual({ bytes: 23, sample: Buffer.from('250-INJECTED\r\n250 LATER') });
    expect(s.isPaused()).toBe(true);
    // What comes after that stays in the stream for the TLS layer.
    s.write('TLS');
    await settle();
    expect(String(s.read())).toBe('TLS');
  });
  it('stops at once when the server closed, and when nothing came', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.end('220 go\r\nbye');
    expect((await r.readLine(100, 'io-timeout')).text).toBe('220 go');
    expect(await r.drain()).toEqual({ bytes: 3, sample: Buffer.from('bye') });
    expect(s.readableEnded).toBe(true);
    const quiet = new LineReader(new PassThrough(), 100);
    expect(await quiet.drain()).toEqual({ bytes: 0, sample: Buffer.alloc(0) });
  });
  it('stops taking in after DRAIN_MAX_BYTES: an endless flood does not hold the handshake', async () => {
    const s = new PassThrough({ highWaterMark: 1024 * 1024 });
    const r = new LineReader(s, 100);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let stop = false;
    const flood = (async () => {
      while (!stop) {
        s.write(chunk);
        await settle();
      }
    })();
    const unread = await r.drain();
    stop = true;
    await flood;
    expect(unread.bytes).toBeGreaterThanOrEqual(DRAIN_MAX_BYTES);
    expect(unread.bytes).toBeLessThan(DRAIN_MAX_BYTES + 4 * chunk.length);
    expect(DRAIN_MAX_BYTES).toBe(16 * 1024 * 1024);
  });
  it('waits for two quiet turns: what comes after one quiet turn is taken in, what comes after two is left for TLS', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    // The drain's turns are queued before the test's: each of the test's turns ends after the drain's.
    const late = r.drain();
    await turn();
    s.write('one quiet turn');
    expect(await late).toEqual({ bytes: 14, sample: Buffer.from('one quiet turn') });
    const t = new PassThrough();
    const q = new LineReader(t, 100);
    const quiet = q.drain();
    await turn();
    await turn();
    t.write('two quiet turns');
    expect(await quiet).toEqual({ bytes: 0, sample: Buffer.alloc(0) });
    expect(String(t.read())).toBe('two quiet turns');
  });
  it('stops taking in after DRAIN_MAX_TURNS turns: a byte a turn does not hold the handshake', async () => {
    const s = new Duplex({ read() {}, write: (_chunk, _encoding, callback) => callback() });
    const r = new LineReader(s, 100);
    let sent = 0;
    // One byte in each turn, for three times as many turns as the bound.
    const drip = () => {
      if (sent === 3 * DRAIN_MAX_TURNS) return;
      s.push('x');
      sent++;
      setImmediate(drip);
    };
    const drained = r.drain();
    setImmediate(drip);
    const unread = await drained;
    // The drain's first turn comes before the first byte: its other DRAIN_MAX_TURNS - 1 turns each brought one.
    expect(unread.bytes).toBe(DRAIN_MAX_TURNS - 1);
    expect(DRAIN_MAX_TURNS).toBe(1000);
    while (sent < 3 * DRAIN_MAX_TURNS) await turn();
  });
  it('takes in nothing more once DRAIN_MAX_BYTES have come, not even in one more turn', async () => {
    const s = new Duplex({ read() {}, write: (_chunk, _encoding, callback) => callback() });
    const r = new LineReader(s, 100);
    // Exactly DRAIN_MAX_BYTES after the 220, without a line end: counted (a line far over the cap).
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < DRAIN_MAX_BYTES / chunk.length; i++) s.push(chunk);
    await turn();
    const drained = r.drain();
    s.push('x');
    const unread = await drained;
    expect(unread.bytes).toBe(DRAIN_MAX_BYTES);
    expect(unread.sample).toEqual(chunk.subarray(0, UNREAD_SAMPLE_BYTES));
    expect(String(s.read())).toBe('x');
  });
  it('hands the stream back with no listener of its own', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    s.write('220 go\r\n');
    expect((await r.readLine(100, 'io-timeout')).text).toBe('220 go');
    await r.drain();
    for (const event of ['data', 'end', 'close', 'error']) expect(s.listenerCount(event), event).toBe(0);
  });
  it('does not wait a single turn on a stream the server has ended or that is gone', async () => {
    const streams: [string, () => Duplex][] = [
      [
        'ended by the server (our side still open)',
        () => {
          const s = new Duplex({ read() {}, write: (_chunk, _encoding, callback) => callback(), allowHalfOpen: true });
          s.push(null);
          return s;
        },
      ],
      [
        'destroyed',
        () => {
          const s = new PassThrough();
          s.destroy();
          return s;
        },
      ],
    ];
    for (const [label, make] of streams) {
      const s = make();
      const r = new LineReader(s, 100);
      s.resume();
      await turn();
      expect(s.readableEnded || s.destroyed, label).toBe(true);
      const first = await Promise.race([r.drain().then(() => 'drained'), turn().then(() => 'a turn passed')]);
      expect(first, label).toBe('drained');
    }
  });
  it('keeps the reason of a TLS error: OpenSSL\'s code for an alert, socket-error otherwise', async () => {
    const s = new PassThrough();
    const r = new LineReader(s, 100);
    const p = r.readLine(1000, 'io-timeout');
    s.destroy(Object.assign(new Error('tlsv13 alert certificate required'), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }));
    await expect(p).rejects.toMatchObject({ code: 'protocol-error', detail: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
    const t = new PassThrough();
    const q = new LineReader(t, 100).readLine(1000, 'io-timeout');
    t.destroy(Object.assign(new Error('odd'), { code: 42 }));
    await expect(q).rejects.toMatchObject({ detail: 'socket-error' });
  });
});
