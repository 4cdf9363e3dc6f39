// CRLF line reader with byte caps. Bytes are decoded only at line boundaries; a line longer
// than the cap ends the reading with a protocol error instead of growing memory.
//
// What nobody has asked for yet (the reply is complete, the next command not sent) is not an
// error until somebody asks: lines are queued (bounded), and an over-long line or a flood is
// only counted, with a bounded sample kept, until the next read fails with it, or until the
// session hands the connection to TLS and reports those bytes as injected (detach, drain).
import type { Duplex } from 'node:stream';
import { setImmediate } from 'node:timers';
import { MxrayError } from '../core/errors.js';

export interface Line {
  /** The line without its terminator, decoded as UTF-8 (invalid bytes become U+FFFD). */
  text: string;
  /** True when the line ended with a bare LF instead of CRLF. */
  bareLf: boolean;
  bytes: number;
}

/** Bytes received and never read as lines (after a 220 to STARTTLS: injected). */
export interface Unread {
  bytes: number;
  /** The first of them, at most UNREAD_SAMPLE_BYTES. */
  sample: Buffer;
}

/** How much of the unread bytes is kept as evidence. */
export const UNREAD_SAMPLE_BYTES = 256;

/** drain(): at most this many bytes or event-loop turns are taken in before the handshake starts. */
export const DRAIN_MAX_BYTES = 16 * 1024 * 1024;
export const DRAIN_MAX_TURNS = 1000;

type Waiter = { resolve: (line: Line) => void; reject: (err: Error) => void };

/** Counts bytes and keeps the first UNREAD_SAMPLE_BYTES of them. */
class UnreadBytes {
  bytes = 0;
  private readonly parts: Buffer[] = [];
  private kept = 0;

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.kept >= UNREAD_SAMPLE_BYTES || chunk.length === 0) return;
    const part = Buffer.from(chunk.subarray(0, UNREAD_SAMPLE_BYTES - this.kept));
    this.parts.push(part);
    this.kept += part.length;
  }

  result(): Unread {
    return { bytes: this.bytes, sample: Buffer.concat(this.parts) };
  }
}

/** A line waiting to be read, with its bytes as received (for the evidence if it is never read). */
type Queued = { line: Line; raw: Buffer };

export class LineReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private lines: Queued[] = [];
  private queuedBytes = 0;
  private waiter: Waiter | null = null;
  private failure: Error | null = null;
  /** An over-long line or a flood while nobody was reading: counted until somebody asks. */
  private spill: { error: MxrayError; unread: UnreadBytes } | null = null;
  private detached = false;
  private readonly onData = (chunk: Buffer) => this.push(chunk);
  private readonly onEnd = () => this.fail(new MxrayError('protocol-error', 'connection closed by the server', 'closed'));
  private readonly onError = (err: Error) => this.fail(socketError(err));

  constructor(
    private readonly stream: Duplex,
    private readonly maxLineBytes: number,
  ) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  // Not called after a failure (the stream is destroyed or has ended) nor after detach (no listener).
  private push(chunk: Buffer): void {
    if (this.spill) {
      this.spill.unread.add(chunk);
      return;
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.buffered + piece.length > this.maxLineBytes) {
        this.tooLong(chunk.subarray(start));
        return;
      }
      const whole = this.chunks.length ? Buffer.concat([...this.chunks, piece]) : piece;
      this.chunks = [];
      this.buffered = 0;
      const bareLf = whole[whole.length - 1] !== 0x0d;
      const body = bareLf ? whole : whole.subarray(0, whole.length - 1);
      if (!this.deliver({ text: body.toString('utf8'), bareLf, bytes: whole.length + 1 }, chunk.subarray(start, nl + 1))) {
        // A flood: this line and everything after it is only counted.
        this.spillOver(new MxrayError('protocol-error', 'the server sent far more lines than were asked for', 'flood'), chunk.subarray(start));
        return;
      }
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length) {
      if (this.buffered + rest.length > this.maxLineBytes) {
        this.tooLong(rest);
        return;
      }
      this.chunks.push(Buffer.from(rest));
      this.buffered += rest.length;
    }
  }

  /** A line over the cap: `rest` is the part of the chunk from where the line begins (after any buffered start). */
  private tooLong(rest: Buffer): void {
    const error = new MxrayError('protocol-error', `the server sent a line longer than ${this.maxLineBytes} bytes`, 'line-too-long');
    if (this.waiter) {
      this.chunks = [];
      this.buffered = 0;
      this.fail(error);
      this.stream.destroy();
      return;
    }
    this.spillOver(error, rest);
  }

  /** Nobody is reading: the partial line and `rest` are counted (sample kept), nothing more is framed. */
  private spillOver(error: MxrayError, rest: Buffer): void {
    const unread = new UnreadBytes();
    for (const c of this.chunks) unread.add(c);
    unread.add(rest);
    this.chunks = [];
    this.buffered = 0;
    this.spill = { error, unread };
  }

  /** Hands a line to the waiting reader or queues it; false when the queue would overflow. */
  private deliver(line: Line, raw: Buffer): boolean {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve(line);
      return true;
    }
    // Bound the queue too: a server that floods lines we never asked for.
    if (this.lines.length >= 10_000 || this.queuedBytes + line.bytes > this.maxLineBytes * 64) return false;
    this.lines.push({ line, raw: Buffer.from(raw) });
    this.queuedBytes += line.bytes;
    return true;
  }

  // The first failure stands. Not called after detach (no listeners left).
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(err);
    }
  }

  /** Lines already received and not yet read (e.g. pipelined by a misbehaving server). */
  get pending(): number {
    return this.lines.length;
  }

  /** Reads the next line; rejects when the deadline passes or the connection ends. */
  readLine(timeoutMs: number, timeoutCode: 'greeting-timeout' | 'io-timeout', signal?: AbortSignal): Promise<Line> {
    const queued = this.lines.shift();
    if (queued) {
      this.queuedBytes -= queued.line.bytes;
      return Promise.resolve(queued.line);
    }
    if (this.spill && !this.failure) {
      // Now somebody asks: the over-long line or the flood is the answer, and the reading ends.
      this.fail(this.spill.error);
      this.stream.destroy();
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.detached) return Promise.reject(new MxrayError('internal-error', 'reader detached'));
    // Already stopped (a deadline came while we were busy): no waiting out a whole time-out.
    if (signal?.aborted) return Promise.reject(new MxrayError('io-timeout', 'aborted', 'aborted'));
    return new Promise<Line>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        this.waiter = null;
        cleanup();
        reject(new MxrayError('io-timeout', 'aborted', 'aborted'));
      };
      const timer = setTimeout(() => {
        this.waiter = null;
        cleanup();
        reject(new MxrayError(timeoutCode, `no complete line within ${timeoutMs} ms`, 'timeout'));
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort);
      this.waiter = {
        resolve: (l) => {
          cleanup();
          resolve(l);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
    });
  }

  /**
   * Stops reading (before a TLS upgrade) and returns every byte received but not consumed, in
   * order (a count and a bounded sample): after a 220 to STARTTLS there must be none (STARTTLS
   * response injection).
   */
  detach(): Unread {
    return this.stopReading().result();
  }

  /**
   * detach(), and then also what arrives until the connection has been quiet for a whole turn of
   * the event loop (bounded in bytes and turns): bytes that reached us before our ClientHello
   * can have reached the server are injected, whether they came in the read of the 220 or later.
   * Then the stream is paused again, for the TLS layer.
   */
  async drain(): Promise<Unread> {
    const unread = this.stopReading();
    const stream = this.stream;
    const onData = (chunk: Buffer) => unread.add(chunk);
    stream.on('data', onData);
    stream.resume();
    // Two turns without data: one of them had a poll phase in which nothing was there to read.
    for (let quiet = 0, turns = 0; quiet < 2 && turns < DRAIN_MAX_TURNS && unread.bytes < DRAIN_MAX_BYTES && !ended(stream); turns++) {
      const before = unread.bytes;
      await nextTurn();
      quiet = unread.bytes === before ? quiet + 1 : 0;
    }
    stream.pause();
    stream.off('data', onData);
    let more: Buffer | null;
    while ((more = stream.read() as Buffer | null) !== null) unread.add(more);
    return unread.result();
  }

  private stopReading(): UnreadBytes {
    this.detached = true;
    this.stream.pause();
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    const unread = new UnreadBytes();
    for (const q of this.lines) unread.add(q.raw);
    for (const c of this.chunks) unread.add(c);
    if (this.spill) {
      const spilled = this.spill.unread.result();
      unread.add(spilled.sample);
      // The rest of the spill was only counted.
      unread.bytes += spilled.bytes - spilled.sample.length;
    }
    this.lines = [];
    this.queuedBytes = 0;
    this.chunks = [];
    this.buffered = 0;
    this.spill = null;
    // Anything the stream itself still holds (read but not yet emitted) is also injected data.
    let more: Buffer | null;
    while ((more = this.stream.read() as Buffer | null) !== null) unread.add(more);
    return unread;
  }
}

function ended(stream: Duplex): boolean {
  return stream.readableEnded || stream.destroyed;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A connection error as a protocol error. TLS errors keep OpenSSL's code as the reason
 * (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: the server's alert after a handshake that worked on
 * our side); anything else is a plain 'socket-error'.
 */
function socketError(err: Error): MxrayError {
  const code = (err as { code?: unknown }).code;
  const reason = typeof code === 'string' && code.startsWith('ERR_SSL_') ? code : 'socket-error';
  return new MxrayError('protocol-error', `connection error: ${err.message}`, reason);
}
