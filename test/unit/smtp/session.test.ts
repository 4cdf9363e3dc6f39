// The SMTP client session over an in-memory connection: what it writes, what it reads, how it
// bounds replies, and when it stops talking. A fake Connection (two in-memory duplexes, one for
// the cleartext phase and one standing in for TLS, ./memory-connection.ts) records every byte the
// session writes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LIMITS, type Limits, type TlsHandshake } from '../../../src/core/context.js';
import { MxrayError } from '../../../src/core/errors.js';
import { systemClock } from '../../../src/core/clock.js';
import type { TranscriptEvent } from '../../../src/core/schema.js';
import { Transcript } from '../../../src/core/transcript.js';
import { SmtpSession } from '../../../src/smtp/session.js';
import { TLS_LEGACY, TLS_NORMAL } from '../../../src/tls/profiles.js';
import { FakeConnection, HANDSHAKE } from './memory-connection.js';

/** Fake timers move Date; the session's clock reads it, so deadlines follow the fake time. */
const fakeClock = { ...systemClock, now: () => Date.now(), monotonic: () => Date.now() };

function open(limits: Partial<Limits> = {}, signal?: AbortSignal, handshake?: () => Promise<TlsHandshake>) {
  const connection = new FakeConnection(handshake);
  const transcript = new Transcript(fakeClock);
  const session = new SmtpSession(connection, transcript, 'c1', { ...DEFAULT_LIMITS, ...limits }, fakeClock, signal);
  const events = (kind?: TranscriptEvent['kind']) => transcript.events.filter((e) => !kind || e.kind === kind).map((e) => e.text);
  return { connection, transcript, session, events, server: connection.clear };
}

/** The rejection of a promise (fails the test when it resolves). */
function rejection(p: Promise<unknown>): Promise<MxrayError> {
  return p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e as MxrayError,
  );
}

/** Lets queued stream events and promise callbacks run. */
const flush = () => vi.advanceTimersByTimeAsync(0);

/** Settled state of a promise, without awaiting it. */
function track<T>(p: Promise<T>) {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then(
    (value) => Object.assign(state, { done: true, value }),
    (error: unknown) => Object.assign(state, { done: true, error }),
  );
  return state;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SmtpSession: replies', () => {
  it('reads the greeting and a multi-line EHLO reply, sending nothing before its final line', async () => {
    vi.useFakeTimers();
    const { session, server, events } = open();
    expect(session.phase).toBe('connected');
    server.send('220 mx.example.com ESMTP\r\n');
    expect(await session.readReply('greeting')).toEqual({ code: 220, enhanced: null, lines: ['mx.example.com ESMTP'] });
    expect(session.phase).toBe('ready');
    const ehlo = track(session.command('EHLO client.example'));
    expect(session.phase).toBe('awaiting-reply');
    expect(server.written).toBe('EHLO client.example\r\n');
    server.send('250-mx.example.com\r\n250-PIPELINING\r\n');
    await flush();
    expect(ehlo.done).toBe(false);
    server.send('250 STARTTLS\r\n');
    await flush();
    expect(ehlo).toEqual({ done: true, value: { code: 250, enhanced: null, lines: ['mx.example.com', 'PIPELINING', 'STARTTLS'] } });
    expect(events()).toEqual(['220 mx.example.com ESMTP', 'EHLO client.example', '250-mx.example.com', '250-PIPELINING', '250 STARTTLS']);
    expect(events('send')).toEqual(['EHLO client.example']);
    expect(events('recv')).toHaveLength(4);
    expect(server.written).toBe('EHLO client.example\r\n');
    expect(session.phase).toBe('ready');
  });
  it('records events under its connection label', async () => {
    const { session, server, transcript } = open();
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    expect(transcript.events.map((e) => e.conn)).toEqual(['c1']);
  });
  it('a reply with mixed codes is what its last line says; the codes are kept and noted in the transcript', async () => {
    const { session, server, events } = open();
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const p = session.command('MAIL FROM:<a@example.com>');
    server.send('250-2.1.0 Sender OK\r\n550 5.7.1 Relaying denied\r\n');
    expect(await p).toEqual({ code: 550, enhanced: '5.7.1', lines: ['2.1.0 Sender OK', '5.7.1 Relaying denied'], codes: [250, 550] });
    expect(events('note')).toEqual(["reply lines carry different codes (250, 550): the last line's 550 counts"]);
  });
  it('answers with the next reply, one command at a time', async () => {
    const { session, server } = open();
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const mail = session.command('MAIL FROM:<a@example.com>');
    server.send('250 2.1.0 Ok\r\n');
    expect(await mail).toMatchObject({ code: 250, enhanced: '2.1.0' });
    const rcpt = session.command('RCPT TO:<b@example.com>');
    server.send('550 5.1.1 No such user\r\n');
    expect(await rcpt).toMatchObject({ code: 550, enhanced: '5.1.1' });
    expect(server.written).toBe('MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n');
  });
  it('closed by us while a reply is awaited: our doing, not a server error; it stays closed, closed once', async () => {
    const { session, server, events } = open();
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const pending = session.command('NOOP');
    session.close();
    const err = await rejection(pending);
    expect(err).toMatchObject({ code: 'io-timeout', detail: 'aborted', message: 'closed by us while waiting for the reply to NOOP' });
    expect(session.phase).toBe('closed');
    session.close();
    expect(events('close')).toEqual(['connection closed']);
    expect(events('error')).toEqual([]);
  });
  it('refuses to send a second command while a reply is awaited', async () => {
    const { session, server } = open();
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const first = session.command('NOOP');
    await expect(session.command('RSET')).rejects.toMatchObject({ code: 'internal-error', message: expect.stringMatching(/./) });
    expect(server.written).toBe('NOOP\r\n');
    server.send('250 ok\r\n');
    expect(await first).toMatchObject({ code: 250 });
  });
  it('refuses a second read while a reply is awaited', async () => {
    const { session, server } = open();
    const greeting = session.readReply('greeting');
    await expect(session.readReply('greeting')).rejects.toMatchObject({ code: 'internal-error', message: expect.stringMatching(/./) });
    // The refused read is our mistake: the dialogue itself is still waiting for its reply.
    expect(session.phase).toBe('awaiting-reply');
    server.send('220 hi\r\n');
    expect(await greeting).toMatchObject({ code: 220, lines: ['hi'] });
  });
  it('may send a command before reading any greeting', async () => {
    const { session, server } = open();
    const p = session.command('EHLO client.example');
    server.send('250 ok\r\n');
    expect(await p).toMatchObject({ code: 250 });
    expect(server.written).toBe('EHLO client.example\r\n');
  });
});

describe('SmtpSession: bounds on a reply', () => {
  it('accepts a reply of exactly maxReplyLines lines and refuses one line more, without waiting for the end', async () => {
    const { session, server, events } = open({ maxReplyLines: 3 });
    server.send('250-a\r\n250-b\r\n250 c\r\n');
    expect((await session.readReply('greeting')).lines).toEqual(['a', 'b', 'c']);
    const p = session.command('EHLO client.example');
    server.send('250-a\r\n250-b\r\n250-c\r\n250-d\r\n');
    const err = await rejection(p);
    expect(err).toMatchObject({ code: 'protocol-error', detail: 'reply-too-long' });
    // The transcript holds the failure as it was thrown (no command attached: not a time-out).
    expect(events('error')).toEqual([err.message]);
    expect(err.message).not.toBe('');
    expect(session.phase).toBe('broken');
  });
  it('refuses a reply of more than maxReplyLines lines even when its last line is final', async () => {
    const { session, server } = open({ maxReplyLines: 2 });
    server.send('220-a\r\n220-b\r\n220 c\r\n');
    await expect(session.readReply('greeting')).rejects.toMatchObject({ code: 'protocol-error', detail: 'reply-too-long' });
  });
  it('accepts a reply of exactly maxReplyBytes bytes (line ends included) and refuses one byte more', async () => {
    const { session, server } = open({ maxReplyBytes: 18 });
    server.send('250-abc\r\n250 abc\r\n');
    expect((await session.readReply('greeting')).lines).toEqual(['abc', 'abc']);
    const p = session.command('EHLO client.example');
    server.send('250-abc\r\n250 abcd\r\n');
    await expect(p).rejects.toMatchObject({ code: 'protocol-error', detail: 'reply-too-large', message: expect.stringMatching(/./) });
  });
  it('counts the bytes of the whole reply, not of each line', async () => {
    const { session, server } = open({ maxReplyBytes: 20 });
    server.send('220-abcdefgh\r\n220-abcdefgh\r\n');
    await expect(session.readReply('greeting')).rejects.toMatchObject({ code: 'protocol-error', detail: 'reply-too-large' });
  });
  it('refuses a line that is not an SMTP reply line', async () => {
    const { session, server, events } = open();
    server.send('HTTP/1.1 400 Bad Request\r\n');
    const err = await rejection(session.readReply('greeting'));
    expect(err).toMatchObject({ code: 'protocol-error', detail: 'malformed-reply' });
    expect(events('recv')).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(events('error')).toEqual([err.message]);
    expect(err.message).toContain('HTTP/1.1 400 Bad Request');
    expect(session.phase).toBe('broken');
  });
  it('quotes at most 80 characters of a malformed line in its error', async () => {
    const { session, server } = open();
    server.send(`${'x'.repeat(200)}\r\n`);
    const err = await rejection(session.readReply('greeting'));
    expect(err).toMatchObject({ code: 'protocol-error', detail: 'malformed-reply' });
    expect(err.message).toContain('x'.repeat(80));
    expect(err.message).not.toContain('x'.repeat(81));
  });
  it('refuses a malformed line in the middle of a reply', async () => {
    const { session, server } = open();
    server.send('250-ok\r\n* garbage\r\n250 ok\r\n');
    await expect(session.readReply('greeting')).rejects.toMatchObject({ code: 'protocol-error', detail: 'malformed-reply' });
  });
  it('passes on a line that is too long as the reader reports it', async () => {
    const { session, server } = open({ maxLineBytes: 10 });
    server.send(`220 ${'x'.repeat(20)}\r\n`);
    await expect(session.readReply('greeting')).rejects.toMatchObject({ code: 'protocol-error', detail: 'line-too-long' });
  });
});

describe('SmtpSession: time-outs', () => {
  it('the greeting has its own time-out and code', async () => {
    vi.useFakeTimers();
    const { session, events } = open({ greetingTimeoutMs: 1000, commandTimeoutMs: 300 });
    const greeting = track(session.readReply('greeting'));
    await vi.advanceTimersByTimeAsync(999);
    expect(greeting.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(greeting.error).toBeInstanceOf(MxrayError);
    expect(greeting.error).toMatchObject({ code: 'greeting-timeout' });
    expect(events('error')).toEqual([expect.stringMatching(/\(greeting\)$/)]);
  });
  it('a command has its own time-out and code, and the transcript names the command', async () => {
    vi.useFakeTimers();
    const { session, server, events } = open({ greetingTimeoutMs: 100, commandTimeoutMs: 300 });
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const ehlo = track(session.command('ehlo client.example'));
    await vi.advanceTimersByTimeAsync(299);
    expect(ehlo.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(ehlo.error).toMatchObject({ code: 'io-timeout' });
    expect(events('error')).toEqual([expect.stringMatching(/\(EHLO\)$/)]);
  });
  it('a reply read on its own (after DATA) has the command time-out and code', async () => {
    vi.useFakeTimers();
    const { session, server, events } = open({ greetingTimeoutMs: 1000, commandTimeoutMs: 300 });
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const reply = track(session.readReply('command', 'DATA'));
    await vi.advanceTimersByTimeAsync(299);
    expect(reply.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(reply.error).toMatchObject({ code: 'io-timeout' });
    expect(events('error')).toEqual([expect.stringMatching(/\(DATA\)$/)]);
  });
  it('the deadline covers the whole reply, however slowly it drips', async () => {
    vi.useFakeTimers();
    const { session, server } = open({ commandTimeoutMs: 1000 });
    const ehlo = track(session.command('EHLO client.example'));
    await vi.advanceTimersByTimeAsync(600);
    server.send('250-mx.example.com\r\n');
    await vi.advanceTimersByTimeAsync(300);
    server.send('250-PIPELINING\r\n');
    await vi.advanceTimersByTimeAsync(99);
    expect(ehlo.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(ehlo.error).toMatchObject({ code: 'io-timeout' });
  });
  it('a reply that comes in time is read, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const { session, server } = open({ commandTimeoutMs: 1000 });
    const ehlo = track(session.command('EHLO client.example'));
    await vi.advanceTimersByTimeAsync(998);
    server.send('250-mx.example.com\r\n');
    await vi.advanceTimersByTimeAsync(1);
    server.send('250 PIPELINING\r\n');
    await flush();
    expect(ehlo.value).toEqual({ code: 250, enhanced: null, lines: ['mx.example.com', 'PIPELINING'] });
    expect(vi.getTimerCount()).toBe(0);
  });
  it('after a time-out nothing more is sent, not even QUIT', async () => {
    vi.useFakeTimers();
    const { session, server, connection, events } = open({ commandTimeoutMs: 300 });
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const ehlo = track(session.command('EHLO client.example'));
    await vi.advanceTimersByTimeAsync(300);
    expect(ehlo.error).toMatchObject({ code: 'io-timeout' });
    expect(session.phase).toBe('broken');
    // The late reply would now answer the next command: the session is broken.
    server.send('250 late\r\n');
    await expect(session.command('MAIL FROM:<>')).rejects.toMatchObject({ code: 'internal-error', message: expect.stringMatching(/./) });
    await expect(session.readReply('command')).rejects.toMatchObject({ code: 'internal-error' });
    await session.quit();
    expect(session.phase).toBe('closed');
    expect(server.written).toBe('EHLO client.example\r\n');
    expect(connection.closed).toBe(1);
    expect(events('send')).toEqual(['EHLO client.example']);
    expect(events('close')).toHaveLength(1);
  });
  it('after a malformed reply nothing more is sent either', async () => {
    const { session, server, connection } = open();
    server.send('SSH-2.0-OpenSSH_9.2\r\n');
    await expect(session.readReply('greeting')).rejects.toMatchObject({ detail: 'malformed-reply' });
    await expect(session.command('EHLO client.example')).rejects.toMatchObject({ code: 'internal-error' });
    await session.quit();
    expect(server.written).toBe('');
    expect(connection.closed).toBe(1);
  });
  it('gives up when the run is aborted', async () => {
    const ac = new AbortController();
    const { session } = open({}, ac.signal);
    const p = session.readReply('greeting');
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'io-timeout', detail: 'aborted' });
    expect(session.phase).toBe('broken');
  });
});

describe('SmtpSession: what it sends', () => {
  it('refuses to send a command containing CR or LF (a smuggled second command)', async () => {
    const { session, server, events } = open();
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    for (const line of ['MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>', 'RCPT TO:<b@example.com>\nDATA', 'NOOP\r']) {
      await expect(session.command(line), JSON.stringify(line)).rejects.toMatchObject({ code: 'internal-error', message: expect.stringMatching(/./) });
    }
    expect(server.written).toBe('');
    expect(events('send')).toEqual([]);
    expect(session.phase).toBe('ready');
    // The refusal is ours: the dialogue itself is still in step.
    const noop = session.command('NOOP');
    server.send('250 ok\r\n');
    expect(await noop).toMatchObject({ code: 250 });
  });
});

describe('SmtpSession: bare LF', () => {
  it('notes once that the server ends lines with a bare LF', async () => {
    const { session, server, events } = open();
    server.send('220 hi\n');
    await session.readReply('greeting');
    const p = session.command('EHLO client.example');
    server.send('250-a\n250 b\n');
    await p;
    expect(events('note')).toEqual([expect.stringMatching(/bare LF/)]);
    expect(events().indexOf(events('note')[0]!)).toBe(1);
  });
  it('notes nothing when every line ends with CRLF', async () => {
    const { session, server, events } = open();
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    expect(events('note')).toEqual([]);
  });
});

describe('SmtpSession: STARTTLS', () => {
  async function atStarttls(limits: Partial<Limits> = {}, handshake?: () => Promise<TlsHandshake>) {
    const s = open(limits, undefined, handshake);
    s.server.send('220 hi\r\n');
    await s.session.readReply('greeting');
    return s;
  }

  it('reports bytes left after the 220 to STARTTLS as injected, and does not read them as a reply', async () => {
    const { session, server, connection, events } = await atStarttls();
    const p = session.command('STARTTLS');
    server.send('220 2.0.0 Ready to start TLS\r\n250-INJECTED\r\n250 ALSO');
    expect(await p).toMatchObject({ code: 220 });
    const { handshake, injected } = await session.startTls({ servername: 'mx.example.com', profile: TLS_NORMAL, timeoutMs: 1000 });
    expect(injected).toEqual({ bytes: 22, sample: Buffer.from('250-INJECTED\r\n250 ALSO', 'latin1') });
    expect(session.injectedBytes).toBe(22);
    expect(session.injectedSample.toString('latin1')).toBe('250-INJECTED\r\n250 ALSO');
    expect(handshake).toBe(HANDSHAKE);
    expect(connection.tlsOptions).toEqual([{ servername: 'mx.example.com', profile: TLS_NORMAL, timeoutMs: 1000 }]);
    // The transcript keeps the evidence: the injected bytes themselves (escaped).
    expect(events('error')).toEqual([expect.stringContaining('250-INJECTED\\r\\n250 ALSO')]);
    expect(events('tls')).toEqual([expect.stringMatching(/SNI mx\.example\.com/)]);
    expect(session.phase).toBe('ready');
    // Inside TLS, the injected lines are gone: EHLO is answered by what TLS carries.
    const ehlo = session.command('EHLO client.example');
    connection.tls.send('250-mx.example.com\r\n250 AUTH PLAIN\r\n');
    expect(await ehlo).toEqual({ code: 250, enhanced: null, lines: ['mx.example.com', 'AUTH PLAIN'] });
    expect(connection.tls.written).toBe('EHLO client.example\r\n');
    expect(server.written).toBe('STARTTLS\r\n');
  });
  // Regression: more than ~4 KB without a line end after the 220 hit the line reader's cap, which
  // destroyed the socket: the finding became "handshake failed: socket closed", the injection unseen.
  it('injection of any length or framing: counted with a bounded sample, and the handshake is still tried', async () => {
    for (const [label, bytes] of [
      ['one byte', Buffer.from('X')],
      ['5 KB without a line end', Buffer.alloc(5000, 0x61)],
      ['1 MB without a line end', Buffer.alloc(1024 * 1024, 0x62)],
      ['1 MB of short lines', Buffer.from('250-X\r\n'.repeat(150_000))],
      ['binary', Buffer.from([0x16, 0x03, 0x03, 0x00, 0x00, 0x0a, 0x0d, 0x00])],
    ] as const) {
      const { session, server, connection, events } = await atStarttls();
      const p = session.command('STARTTLS');
      // The 220 and the injection in one read.
      server.send(`220 go ahead\r\n${bytes.toString('latin1')}`);
      expect(await p, label).toMatchObject({ code: 220 });
      const { injected } = await session.startTls({ servername: null, profile: TLS_NORMAL, timeoutMs: 1000 });
      expect(injected.bytes, label).toBe(bytes.length);
      expect(injected.sample, label).toEqual(bytes.subarray(0, 256));
      expect(session.injectedBytes, label).toBe(bytes.length);
      // Not a broken session: the handshake was tried, and the dialogue goes on inside TLS.
      expect(connection.tlsOptions, label).toHaveLength(1);
      expect(session.phase, label).toBe('ready');
      expect(events('error'), label).toEqual([expect.stringContaining(`server sent ${bytes.length} bytes after its 220`)]);
    }
  });
  it('the transcript quotes the injected bytes, and says when they are only the first of more', async () => {
    for (const [bytes, suffix] of [
      [1, ''],
      [255, ''],
      [256, ''],
      [257, ' … (the first 256 shown)'],
      [5000, ' … (the first 256 shown)'],
    ] as const) {
      const { session, server, events } = await atStarttls();
      const p = session.command('STARTTLS');
      server.send(`220 go ahead\r\n${'i'.repeat(bytes)}`);
      await p;
      await session.startTls({ servername: null, profile: TLS_NORMAL, timeoutMs: 1000 });
      const shown = 'i'.repeat(Math.min(bytes, 256));
      expect(events('error'), String(bytes)).toEqual([`server sent ${bytes} bytes after its 220 and before the handshake (discarded): ${shown}${suffix}`]);
    }
  });
  it('injection that arrives in a later read, before the handshake starts, is counted too; what comes after the handshake began is not', async () => {
    const { session, server, connection } = await atStarttls();
    const p = session.command('STARTTLS');
    server.send('220 go ahead\r\n');
    await p;
    const started = session.startTls({ servername: null, profile: TLS_NORMAL, timeoutMs: 1000 });
    // While the session takes in what is there, more comes: one read, then another a turn later.
    server.send('250-INJECTED\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    server.send('250 LATER');
    const { injected } = await started;
    expect(injected).toEqual({ bytes: 23, sample: Buffer.from('250-INJECTED\r\n250 LATER') });
    expect(connection.tlsOptions).toHaveLength(1);
    // Bytes after that belong to the TLS layer (the stream is paused for it): not counted.
    server.send('more');
    await new Promise((resolve) => setImmediate(resolve));
    expect(session.injectedBytes).toBe(23);
  });
  it('close(): a dialogue in step is left to the connection to end politely; a broken one is stopped first', async () => {
    const closing = (connection: FakeConnection) => {
      const seen: boolean[] = [];
      const close = connection.close.bind(connection);
      connection.close = () => {
        seen.push(connection.stream.destroyed);
        close();
      };
      return seen;
    };
    const inStep = open();
    inStep.server.send('220 hi\r\n');
    await inStep.session.readReply('greeting');
    const polite = closing(inStep.connection);
    inStep.session.close();
    expect(polite).toEqual([false]);
    const broken = open({ greetingTimeoutMs: 1 });
    await expect(broken.session.readReply('greeting')).rejects.toMatchObject({ code: 'greeting-timeout' });
    expect(broken.session.phase).toBe('broken');
    const stopped = closing(broken.connection);
    broken.session.close();
    expect(stopped).toEqual([true]);
  });
  it('a handshake that fails after close(): the session stays closed, closed once and recorded once', async () => {
    let fail!: (e: Error) => void;
    const { session, server, connection, events } = await atStarttls({}, () => new Promise<TlsHandshake>((_, reject) => (fail = reject)));
    const p = session.command('STARTTLS');
    server.send('220 go ahead\r\n');
    await p;
    const handshake = rejection(session.startTls({ servername: null, profile: TLS_NORMAL, timeoutMs: 1000 }));
    // The drain after the 220 takes a few turns; then the handshake starts.
    for (let i = 0; i < 50 && connection.tlsOptions.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(connection.tlsOptions).toHaveLength(1);
    // We give up (a deadline, the caller closing): then the handshake fails with the socket gone.
    session.close();
    fail(new Error('socket closed'));
    expect((await handshake).message).toBe('socket closed');
    expect(session.phase).toBe('closed');
    session.close();
    expect(connection.closed).toBe(1);
    expect(events('close')).toEqual(['connection closed']);
  });
  it('reports no injection when the server sent nothing after its 220', async () => {
    const { session, server, events } = await atStarttls();
    const p = session.command('STARTTLS');
    server.send('220 go ahead\r\n');
    await p;
    const { injected } = await session.startTls({ servername: null, profile: TLS_LEGACY, timeoutMs: 1000 });
    expect(injected).toEqual({ bytes: 0, sample: Buffer.alloc(0) });
    expect(session.injectedBytes).toBe(0);
    expect(events('error')).toEqual([]);
    expect(events('tls')).toEqual([expect.stringMatching(/legacy, no SNI/)]);
  });
  it('is secure only after a successful handshake, and reads only from the TLS stream then', async () => {
    const { session, server, connection } = await atStarttls();
    expect(session.isSecure).toBe(false);
    const p = session.command('STARTTLS');
    server.send('220 go ahead\r\n');
    await p;
    await session.startTls({ servername: 'mx.example.com', profile: TLS_NORMAL, timeoutMs: 1000 });
    expect(session.isSecure).toBe(true);
    const ehlo = track(session.command('EHLO client.example'));
    // A reply on the old, cleartext stream is not an answer any more.
    server.send('250 from the clear\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(ehlo.done).toBe(false);
    connection.tls.send('250 from TLS\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(ehlo.value).toMatchObject({ lines: ['from TLS'] });
  });
  it('a failed handshake breaks the session: no QUIT afterwards', async () => {
    const failure = new Error('handshake failed');
    const { session, server, connection } = await atStarttls({}, () => Promise.reject(failure));
    const p = session.command('STARTTLS');
    server.send('220 go ahead\r\n');
    await p;
    await expect(session.startTls({ servername: 'mx.example.com', profile: TLS_NORMAL, timeoutMs: 1000 })).rejects.toBe(failure);
    expect(session.isSecure).toBe(false);
    expect(session.phase).toBe('broken');
    await expect(session.command('EHLO client.example')).rejects.toMatchObject({ code: 'internal-error' });
    await session.quit();
    expect(server.written).toBe('STARTTLS\r\n');
    expect(connection.tls.written).toBe('');
    expect(connection.closed).toBe(1);
  });
});

describe('SmtpSession: QUIT and close', () => {
  it('says QUIT, reads the 221, then closes', async () => {
    const { session, server, connection, events } = open();
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const q = session.quit();
    expect(server.written).toBe('QUIT\r\n');
    server.send('221 bye\r\n');
    await q;
    expect(connection.closed).toBe(1);
    expect(events()).toEqual(['220 hi', 'QUIT', '221 bye', 'connection closed']);
    await session.quit();
    session.close();
    expect(connection.closed).toBe(1);
    expect(events('close')).toHaveLength(1);
    expect(server.written).toBe('QUIT\r\n');
  });
  it('waits at most 2 s for the answer to QUIT', async () => {
    vi.useFakeTimers();
    const { session, server, connection } = open({ commandTimeoutMs: 30_000 });
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const q = track(session.quit());
    await vi.advanceTimersByTimeAsync(1999);
    expect(q.done).toBe(false);
    expect(connection.closed).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.done).toBe(true);
    expect(connection.closed).toBe(1);
  });
  it('waits no longer than the command time-out for the answer to QUIT', async () => {
    vi.useFakeTimers();
    const { session, server, connection, events } = open({ commandTimeoutMs: 500 });
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const q = track(session.quit());
    await vi.advanceTimersByTimeAsync(500);
    expect(q.done).toBe(true);
    expect(connection.closed).toBe(1);
    expect(events('error')).toEqual([expect.stringMatching(/\(QUIT\)$/)]);
  });
  it('leaves no timer behind when QUIT is answered at once', async () => {
    vi.useFakeTimers();
    const { session, server } = open();
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const q = session.quit();
    server.send('221 bye\r\n');
    await flush();
    await q;
    expect(vi.getTimerCount()).toBe(0);
  });
  it('closes without QUIT when no reply was read yet', async () => {
    const { session, server, connection } = open();
    await session.quit();
    expect(server.written).toBe('');
    expect(connection.closed).toBe(1);
  });
  it('closes even when the connection ends instead of answering QUIT', async () => {
    const { session, server, connection } = open();
    server.send('220 hi\r\n');
    await session.readReply('greeting');
    const q = session.quit();
    server.stream.push(null);
    await q;
    expect(connection.closed).toBe(1);
  });
  it('nothing can be read or sent after close', async () => {
    const { session, server, connection } = open();
    session.close();
    await expect(session.readReply('greeting')).rejects.toMatchObject({ code: 'internal-error' });
    await expect(session.command('NOOP')).rejects.toMatchObject({ code: 'internal-error' });
    await session.quit();
    expect(server.written).toBe('');
    expect(connection.closed).toBe(1);
  });
});
