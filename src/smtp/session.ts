// The SMTP client dialogue, one command at a time: never pipelined, nothing sent before the
// final line of a reply, every reply bounded in lines, bytes and time.
import type { Clock, Connection, Limits, TlsHandshake, TlsOptions } from '../core/context.js';
import { MxrayError } from '../core/errors.js';
import type { ReplyFacts } from '../core/schema.js';
import type { Transcript } from '../core/transcript.js';
import { LineReader, type Unread } from '../net/line-reader.js';
import { assembleReply, parseReplyLine, type ReplyLine } from './reply.js';

export type SessionState =
  | { phase: 'connected' }
  | { phase: 'ready' }
  | { phase: 'awaiting-reply'; command: string }
  /** A reply timed out or was malformed, or the TLS handshake failed: nothing more is sent, not even QUIT. */
  | { phase: 'broken' }
  | { phase: 'closed' };

const noop = () => {};

/** What the session needs of the clock: durations, and the short wait for QUIT's reply. */
export type Clocked = Pick<Clock, 'monotonic' | 'sleep'>;

export class SmtpSession {
  private reader: LineReader;
  private state: SessionState = { phase: 'connected' };
  private secure = false;
  /** Bytes received after the 220 to STARTTLS and before the handshake (dropped, reported). */
  injectedBytes = 0;
  /** The first of them (at most UNREAD_SAMPLE_BYTES). */
  injectedSample: Buffer = Buffer.alloc(0);
  private bareLfNoted = false;

  constructor(
    private readonly connection: Connection,
    private readonly transcript: Transcript,
    readonly conn: string,
    private readonly limits: Limits,
    private readonly clock: Clocked,
    private readonly signal?: AbortSignal,
  ) {
    this.reader = new LineReader(connection.stream, limits.maxLineBytes);
  }

  /** Where the dialogue stands: only 'connected' and 'ready' allow a command. */
  get phase(): SessionState['phase'] {
    return this.state.phase;
  }

  /** Reads one complete reply. The deadline covers the whole reply, however slowly it drips. */
  readReply(kind: 'greeting' | 'command', command = 'greeting'): Promise<ReplyFacts> {
    return kind === 'greeting'
      ? this.awaitReply(this.limits.greetingTimeoutMs, 'greeting-timeout', command)
      : this.awaitReply(this.limits.commandTimeoutMs, 'io-timeout', command);
  }

  private async awaitReply(timeoutMs: number, code: 'greeting-timeout' | 'io-timeout', command: string): Promise<ReplyFacts> {
    // One reader at a time: a second read while one is awaited would steal its lines.
    if (this.state.phase !== 'ready' && this.state.phase !== 'connected') throw new MxrayError('internal-error', `cannot read in phase ${this.state.phase}`);
    const deadline = this.clock.monotonic() + timeoutMs;
    const lines: ReplyLine[] = [];
    let bytes = 0;
    this.state = { phase: 'awaiting-reply', command };
    try {
      for (;;) {
        const remaining = Math.max(1, Math.ceil(deadline - this.clock.monotonic()));
        const line = await this.reader.readLine(remaining, code, this.signal);
        this.transcript.record(this.conn, 'recv', line.text);
        if (line.bareLf && !this.bareLfNoted) {
          // Tolerated (as real MTAs do), but worth showing: RFC 5321 §2.3.8 requires CRLF.
          this.bareLfNoted = true;
          this.transcript.record(this.conn, 'note', 'the server ends lines with a bare LF, not CRLF');
        }
        bytes += line.bytes;
        const parsed = parseReplyLine(line.text);
        if (!parsed) {
          throw new MxrayError('protocol-error', `not an SMTP reply line: ${line.text.slice(0, 80)}`, 'malformed-reply');
        }
        lines.push(parsed);
        if (lines.length > this.limits.maxReplyLines) {
          throw new MxrayError('protocol-error', `reply longer than ${this.limits.maxReplyLines} lines`, 'reply-too-long');
        }
        if (bytes > this.limits.maxReplyBytes) {
          throw new MxrayError('protocol-error', `reply larger than ${this.limits.maxReplyBytes} bytes`, 'reply-too-large');
        }
        if (parsed.final) break;
      }
    } catch (err) {
      // We closed the connection ourselves while waiting (a cancelled job): not the server's doing,
      // the session stays closed, and "connection closed" is already in the transcript.
      if ((this.state.phase as SessionState['phase']) === 'closed') {
        throw new MxrayError('io-timeout', `closed by us while waiting for the reply to ${command}`, 'aborted');
      }
      // The dialogue is out of step now (a late reply would answer the next command): stop talking.
      // Only MxrayErrors come here (from the line reader or the checks above).
      this.state = { phase: 'broken' };
      const e = err as MxrayError;
      const timedOut = e.code === 'greeting-timeout' || e.code === 'io-timeout';
      this.transcript.record(this.conn, 'error', timedOut ? `${e.message} (${command})` : e.message);
      throw err;
    }
    const { reply, warnings } = assembleReply(lines);
    for (const w of warnings) this.transcript.record(this.conn, 'note', w);
    this.state = { phase: 'ready' };
    return reply;
  }

  /** Sends one command and waits for its whole reply. */
  async command(line: string): Promise<ReplyFacts> {
    if (this.state.phase !== 'ready' && this.state.phase !== 'connected') {
      throw new MxrayError('internal-error', `cannot send in phase ${this.state.phase}`);
    }
    this.send(line);
    return this.awaitReply(this.limits.commandTimeoutMs, 'io-timeout', line.split(' ')[0]!.toUpperCase());
  }

  /**
   * PIPELINING (RFC 2920): the lines go out in one write, then their replies are read in order, each
   * bounded as any other. Only for commands whose replies the caller may await together.
   */
  async commands(lines: readonly string[]): Promise<ReplyFacts[]> {
    if (this.state.phase !== 'ready' && this.state.phase !== 'connected') {
      throw new MxrayError('internal-error', `cannot send in phase ${this.state.phase}`);
    }
    for (const line of lines) {
      if (/[\r\n]/.test(line)) throw new MxrayError('internal-error', 'refusing to send a command containing CR or LF');
    }
    for (const line of lines) this.transcript.record(this.conn, 'send', line);
    this.connection.stream.write(lines.map((l) => `${l}\r\n`).join(''));
    const replies: ReplyFacts[] = [];
    for (const line of lines) replies.push(await this.awaitReply(this.limits.commandTimeoutMs, 'io-timeout', line.split(' ')[0]!.toUpperCase()));
    return replies;
  }

  private send(line: string): void {
    // One command per line, always: a CR or LF here would smuggle in a second command.
    if (/[\r\n]/.test(line)) throw new MxrayError('internal-error', 'refusing to send a command containing CR or LF');
    this.transcript.record(this.conn, 'send', line);
    this.connection.stream.write(`${line}\r\n`);
  }

  /**
   * Upgrades to TLS after a 220 to STARTTLS (`afterReply`), or at once for implicit TLS.
   * Everything received and unread is dropped, and returned (a count and a sample) so the caller
   * can report it: after the 220 there must be nothing. After a 220 that includes what arrives
   * before our ClientHello can have reached the server, whatever its length or framing. All that
   * was learned before (capabilities) must be forgotten by the caller.
   */
  async startTls(options: TlsOptions, afterReply = true): Promise<{ handshake: TlsHandshake; injected: Unread }> {
    const injected = afterReply ? await this.reader.drain() : this.reader.detach();
    this.injectedBytes = injected.bytes;
    this.injectedSample = injected.sample;
    if (injected.bytes) {
      const more = injected.bytes > injected.sample.length ? ` … (the first ${injected.sample.length} shown)` : '';
      this.transcript.record(this.conn, 'error', `server sent ${injected.bytes} bytes after its 220 and before the handshake (discarded): ${injected.sample.toString('latin1')}${more}`);
    }
    this.transcript.record(this.conn, 'tls', `TLS handshake (${options.profile.name}${options.servername ? `, SNI ${options.servername}` : ', no SNI'})`);
    let handshake: TlsHandshake;
    try {
      handshake = await this.connection.startTls(options);
    } catch (err) {
      // The socket is gone with the failed handshake: nothing more can be said on it. A session
      // closed meanwhile (we gave up waiting) stays closed: closed once, recorded once.
      if (this.state.phase !== 'closed') this.state = { phase: 'broken' };
      throw err;
    }
    this.secure = true;
    this.reader = new LineReader(this.connection.stream, this.limits.maxLineBytes);
    this.state = { phase: 'ready' };
    return { handshake, injected };
  }

  get isSecure(): boolean {
    return this.secure;
  }

  /** QUIT politely (short wait), then close. Never throws. */
  async quit(): Promise<void> {
    try {
      if (this.state.phase === 'ready') {
        this.send('QUIT');
        const waited = new AbortController();
        await Promise.race([
          this.awaitReply(this.limits.commandTimeoutMs, 'io-timeout', 'QUIT').catch(noop),
          this.clock.sleep(Math.min(this.limits.commandTimeoutMs, 2000), waited.signal),
        ]);
        waited.abort();
      }
    } finally {
      this.close();
    }
  }

  /**
   * Ends the connection: politely (the connection sends close_notify inside TLS and FIN, and lets
   * the server close its side) unless the server broke the dialogue (a time-out, a malformed
   * reply, a failed handshake): then it is simply stopped.
   */
  close(): void {
    if (this.state.phase === 'closed') return;
    const broken = this.state.phase === 'broken';
    this.state = { phase: 'closed' };
    if (broken) this.connection.stream.destroy();
    this.connection.close();
    this.transcript.record(this.conn, 'close', 'connection closed');
  }
}
