// An SMTP server in memory, for the receiver job's tests: a Connector whose connections are
// in-process streams answered line by line, and whose "TLS handshake" is whatever the test says
// (a handshake object, or a TlsHandshakeError). No socket, no certificate parsing on the wire:
// every run is the same, and a test decides exactly when each answer comes (an answer may wait
// for a promise, e.g. until another connection reached some point).
import { Duplex } from 'node:stream';
import type { Connection, Connector, ConnectOptions, TlsHandshake, TlsOptions } from '../../../../src/core/context.js';
import { TlsHandshakeError } from '../../../../src/core/errors.js';

/** What an answer sees of its connection. */
export interface MemoryConn {
  /** 1, 2, 3 … across the whole MTA, in connect order. */
  readonly id: number;
  readonly address: string;
  /** True after a handshake the MTA accepted. */
  readonly secure: boolean;
}

export interface ReceivedLine {
  conn: number;
  address: string;
  line: string;
  secure: boolean;
}

export interface HandshakeSeen {
  conn: number;
  servername: string | null;
  profile: string;
}

export interface MemoryPlan {
  /** TLS from the first byte: the banner comes after the handshake. */
  implicitTls?: boolean;
  /** Lines of the banner, as `reply` makes them (default: 220 mx.memory.test ESMTP). */
  banner?: (c: MemoryConn) => string;
  /** Answers one line; undefined falls back to the default answer. 'close' ends the stream. */
  answer?: (verb: string, line: string, c: MemoryConn) => string | 'close' | undefined | Promise<string | 'close' | undefined>;
  /** The result of a handshake (default: TLSv1.3, no certificate). */
  handshake?: (o: TlsOptions, c: MemoryConn) => TlsHandshake | Promise<TlsHandshake>;
  /** Capabilities after EHLO in clear (default PIPELINING, STARTTLS, 8BITMIME) and inside TLS (default PIPELINING, 8BITMIME). */
  clearCaps?: (c: MemoryConn) => string[];
  tlsCaps?: (c: MemoryConn) => string[];
}

/** A reply as the server writes it: `code-text` lines, then `code text`, each ending in CRLF. */
export function reply(code: number, ...texts: string[]): string {
  const lines = texts.length ? texts : [''];
  return lines.map((t, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${t}\r\n`).join('');
}

export function handshakeOf(peerChain: Buffer[] = [], protocol = 'TLSv1.3'): TlsHandshake {
  return { protocol, cipher: 'TLS_AES_128_GCM_SHA256', cipherStandard: 'TLS_AES_128_GCM_SHA256', group: 'x25519', peerChain, ocspResponse: null, handshakeMs: 1 };
}

export const handshakeFailure = (reason = 'wrong version number') =>
  new TlsHandshakeError(`handshake failed: ${reason}`, reason, { bytes: 7, notTls: true, preview: 'garbage', serverHello: false, certificate: false, encrypted: false, alert: null }, false);

/** One direction of the dialogue: what the client writes is answered, line by line, in order. */
class Wire extends Duplex {
  private pending = '';
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly onLine: (line: string) => Promise<string | 'close' | undefined>) {
    super();
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.pending += chunk.toString('latin1');
    for (let lf = this.pending.indexOf('\n'); lf >= 0; lf = this.pending.indexOf('\n')) {
      const line = this.pending.slice(0, lf).replace(/\r$/, '');
      this.pending = this.pending.slice(lf + 1);
      this.queue = this.queue.then(async () => {
        if (this.destroyed) return;
        const out = await this.onLine(line);
        if (this.destroyed) return;
        if (out === 'close') this.push(null);
        else if (out) this.push(Buffer.from(out, 'latin1'));
      });
    }
    done();
  }
}

export interface MemoryMta {
  connector: Connector;
  /** Every line received, across connections, in order. */
  received: ReceivedLine[];
  handshakes: HandshakeSeen[];
  /** Every connect attempt, in order. */
  attempts: ConnectOptions[];
  /** Lines one connection received, as `VERB` (or `VERB(tls)` inside TLS). */
  dialogue(conn: number): string[];
}

export function verbOf(line: string): string {
  return (line.split(/[\s:]/, 1)[0] ?? '').toUpperCase();
}

export function memoryMta(plan: MemoryPlan = {}): MemoryMta {
  const received: ReceivedLine[] = [];
  const handshakes: HandshakeSeen[] = [];
  const attempts: ConnectOptions[] = [];
  let next = 0;

  const defaultAnswer = (verb: string, c: MemoryConn): string | 'close' => {
    switch (verb) {
      case 'EHLO':
        return reply(250, 'mx.memory.test', ...(c.secure ? (plan.tlsCaps?.(c) ?? ['PIPELINING', '8BITMIME']) : (plan.clearCaps?.(c) ?? ['PIPELINING', 'STARTTLS', '8BITMIME'])));
      case 'HELO':
        return reply(250, 'mx.memory.test');
      case 'STARTTLS':
        return c.secure ? reply(503, '5.5.1 TLS already active') : reply(220, '2.0.0 go ahead');
      case 'MAIL':
        return reply(250, '2.1.0 OK');
      case 'RCPT':
        return reply(250, '2.1.5 OK');
      case 'RSET':
        return reply(250, '2.0.0 OK');
      case 'QUIT':
        return reply(221, '2.0.0 bye');
      default:
        return reply(502, '5.5.2 not implemented');
    }
  };

  const connector: Connector = {
    connect(o) {
      attempts.push(o);
      const state = { id: ++next, address: o.address, secure: false };
      const c: MemoryConn = state;
      const wire = () =>
        new Wire(async (line) => {
          received.push({ conn: c.id, address: c.address, line, secure: c.secure });
          const verb = verbOf(line);
          const custom = await plan.answer?.(verb, line, c);
          const out = custom ?? defaultAnswer(verb, c);
          // QUIT is answered, then the server hangs up.
          if (verb === 'QUIT' && custom === undefined) {
            setImmediate(() => current.push(null));
          }
          return out;
        });
      let current = wire();
      const greet = () => current.push(Buffer.from(plan.banner?.(c) ?? reply(220, 'mx.memory.test ESMTP'), 'latin1'));
      if (!plan.implicitTls) greet();
      const connection: Connection = {
        localAddress: '127.0.0.1',
        remoteAddress: o.address,
        get stream() {
          return current;
        },
        async startTls(options) {
          handshakes.push({ conn: c.id, servername: options.servername, profile: options.profile.name });
          const h = await (plan.handshake ?? (() => handshakeOf()))(options, c);
          // The cleartext stream is done with; what follows is "inside TLS".
          current.destroy();
          current = wire();
          state.secure = true;
          if (plan.implicitTls) greet();
          return h;
        },
        close() {
          current.destroy();
        },
      };
      return Promise.resolve(connection);
    },
  };
  const dialogue = (conn: number) => received.filter((r) => r.conn === conn).map((r) => `${verbOf(r.line)}${r.secure ? '(tls)' : ''}`);
  return { connector, received, handshakes, attempts, dialogue };
}
