// CRLF line reader with byte caps. Bytes are decoded only at line boundaries; a line longer
// than the cap ends the reading with a protocol error instead of growing memory.
import type { Duplex } from 'node:stream';
import { MxrayError } from '../core/errors.js';

export interface Line {
  /** The line without its terminator, decoded as UTF-8 (invalid bytes become U+FFFD). */
  text: string;
  /** True when the line ended with a bare LF instead of CRLF. */
  bareLf: boolean;
  bytes: number;
}

type Waiter = { resolve: (line: Line) => void; reject: (err: Error) => void };

export class LineReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private lines: Line[] = [];
  private queuedBytes = 0;
  private waiter: Waiter | null = null;
  private failure: Error | null = null;
  private detached = false;
  private readonly onData = (chunk: Buffer) => this.push(chunk);
  private readonly onEnd = () => this.fail(new MxrayError('protocol-error', 'connection closed by the server', 'closed'));
  private readonly onError = (err: Error) => this.fail(new MxrayError('protocol-error', `connection error: ${err.message}`, 'socket-error'));

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
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.buffered + piece.length > this.maxLineBytes) {
        this.tooLong();
        return;
      }
      const whole = this.chunks.length ? Buffer.concat([...this.chunks, piece]) : piece;
      this.chunks = [];
      this.buffered = 0;
      const bareLf = whole[whole.length - 1] !== 0x0d;
      const body = bareLf ? whole : whole.subarray(0, whole.length - 1);
      this.deliver({ text: body.toString('utf8'), bareLf, bytes: whole.length + 1 });
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length) {
      if (this.buffered + rest.length > this.maxLineBytes) {
        this.tooLong();
        return;
      }
      this.chunks.push(Buffer.from(rest));
      this.buffered += rest.length;
    }
  }

  private tooLong(): void {
    this.chunks = [];
    this.buffered = 0;
    this.fail(new MxrayError('protocol-error', `the server sent a line longer than ${this.maxLineBytes} bytes`, 'line-too-long'));
    this.stream.destroy();
  }

  private deliver(line: Line): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve(line);
    } else {
      this.lines.push(line);
      this.queuedBytes += line.bytes;
      // Bound the queue too: a server that floods lines we never asked for.
      if (this.lines.length > 10_000 || this.queuedBytes > this.maxLineBytes * 64) {
        this.fail(new MxrayError('protocol-error', 'the server sent far more lines than were asked for', 'flood'));
        this.stream.destroy();
      }
    }
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
      this.queuedBytes -= queued.bytes;
      return Promise.resolve(queued);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.detached) return Promise.reject(new MxrayError('internal-error', 'reader detached'));
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
   * Stops reading (before a TLS upgrade) and returns every byte received but not consumed:
   * after a 220 to STARTTLS there must be none (STARTTLS response injection).
   */
  detach(): Buffer {
    this.detached = true;
    this.stream.pause();
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    const left: Buffer[] = [];
    for (const l of this.lines) left.push(Buffer.from(`${l.text}${l.bareLf ? '\n' : '\r\n'}`));
    left.push(...this.chunks);
    this.lines = [];
    this.chunks = [];
    this.buffered = 0;
    // Anything the stream itself still holds (read but not yet emitted) is also injected data.
    let more: Buffer | null;
    while ((more = this.stream.read() as Buffer | null) !== null) left.push(more);
    return Buffer.concat(left);
  }
}
