// A raw-TCP SMTP server driven by a script, for what smtp-server cannot produce: masked
// banners, HELO-only servers, garbage instead of TLS, and every hostile peer a test needs
// (silence, byte drips, endless replies, over-long lines, bare LF, injected lines).
// Loopback only: it refuses to listen anywhere else.
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';

/** One step of a script. Actions run in order; the next received line waits until they are done. */
export type ScriptAction =
  /** Writes bytes as they are (a string is written as UTF-8; add the CRLF yourself, or use `reply`). */
  | { type: 'write'; data: string | Uint8Array }
  /** Writes one byte, then waits `intervalMs`, and so on to the end of `data`. */
  | { type: 'drip'; data: string | Uint8Array; intervalMs: number }
  /** Writes `chunk` again and again (with back-pressure) until `totalBytes` are out; without it, until the peer or stop() ends it. */
  | { type: 'flood'; chunk: string | Uint8Array; totalBytes?: number }
  /** Waits. */
  | { type: 'delay'; ms: number }
  /**
   * Upgrades the connection to TLS (server side, with the server's `tls` option), then calls
   * `secured`. Buffered cleartext is discarded. `stall: 'after-first-flight'`: everything the
   * server writes after the client's second flight arrived is dropped (TLS ≤ 1.2: ServerHello …
   * ServerHelloDone go out, then silence). `certificate`: this connection presents that key and
   * certificate instead of the `tls` option's (as one member of a pool behind one address would).
   */
  | { type: 'starttls'; stall?: 'after-first-flight'; certificate?: ScriptedCertificate }
  /** From now on, received bytes go unframed to `data` (e.g. to answer a ClientHello with garbage). */
  | { type: 'raw' }
  /** Back to lines after `raw` (the end of message data); `rest`, bytes of a chunk after that end, is read as lines first. */
  | { type: 'lines'; rest?: Uint8Array }
  /** Sends FIN after what was written; nothing more is read or answered. */
  | { type: 'close' }
  /** Resets the connection at once. */
  | { type: 'destroy' };

export type ScriptActions = readonly ScriptAction[];
type MaybePromise<T> = T | Promise<T>;

/** What a script sees of one connection. */
export interface ScriptConnection {
  /** 1, 2, 3 … per server, in accept order. */
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** True once a `starttls` action completed its handshake. */
  readonly secure: boolean;
  /** The SNI the client sent in that handshake, or null. */
  readonly servername: string | null;
  // The two below are always set by startScriptedServer (optional only so that other hand-made
  // connections in tests need not carry them).
  /**
   * Content types of the TLS records the client sent once the handshake was complete. Up to TLS
   * 1.2 the type is visible: 21 is an alert, and a polite client's last one is its close_notify
   * (in TLS 1.3 every record shows as 23).
   */
  readonly recordsAfterHandshake?: readonly number[];
  /** How the client ended the TCP connection: 'fin' (an orderly end), 'reset', or null while it has not. */
  readonly clientEnd?: 'fin' | 'reset' | null;
}

export interface ScriptHandlers {
  /** On connect. Default: nothing (a server that never greets). */
  greeting?(conn: ScriptConnection): MaybePromise<ScriptActions>;
  /** One received line, without its CRLF (a bare LF also ends a line). Default: no reply. */
  command?(line: string, conn: ScriptConnection): MaybePromise<ScriptActions>;
  /** A line longer than `maxLineBytes`; the rest of it, up to the next LF, is discarded. Default: 500 5.5.6 and close. */
  lineTooLong?(conn: ScriptConnection): MaybePromise<ScriptActions>;
  /** After a `starttls` action's handshake succeeded. Default: nothing. */
  secured?(conn: ScriptConnection): MaybePromise<ScriptActions>;
  /** Bytes received after a `raw` action. Default: ignored. */
  data?(chunk: Buffer, conn: ScriptConnection): MaybePromise<ScriptActions>;
  /** A failed TLS handshake, a socket error or an exception thrown by a handler; the connection is destroyed. */
  error?(error: Error, conn: ScriptConnection): void;
}

/** One set of handlers for every connection, or a factory called per connection (for per-connection state). */
export type Script = ScriptHandlers | ((conn: ScriptConnection) => ScriptHandlers);

/** A key and the certificates to send with it (PEM, leaf first, then any chain certificates). */
export interface ScriptedCertificate {
  key: string;
  cert: string;
}

export interface ScriptedServerTls {
  key: string;
  /** PEM, leaf first, then any chain certificates to send. */
  cert: string;
  /**
   * Certificates chosen by the SNI the client sends (the name in lower case): a client that sends
   * another name, or none, gets the default one (`cert`, or the `starttls` action's).
   */
  sni?: Readonly<Record<string, ScriptedCertificate>>;
  ciphers?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** Ask the client for a certificate ('ask', and go on without one) or insist on one ('require'). */
  clientCertificate?: 'ask' | 'require';
  /** PEM of the CAs whose client certificates are accepted (named in the CertificateRequest). */
  clientCa?: string;
}

export interface ScriptedServerOptions {
  /** Loopback address to bind (default 127.0.0.1); the port is always chosen by the OS. */
  address?: string;
  /** Key and certificate for `starttls` actions. */
  tls?: ScriptedServerTls;
  /** Longest accepted line, without its line ending (default 4096). */
  maxLineBytes?: number;
}

export interface ScriptedServer {
  port: number;
  address: string;
  /** Closes the listener, destroys every open socket and cancels every pending delay or drip. */
  stop(): Promise<void>;
}

/** An SMTP reply, multi-line when given several lines: `250-a`, `250-b`, `250 c`, each ending in CRLF. */
export function reply(code: number, ...lines: string[]): ScriptAction {
  const texts = lines.length > 0 ? lines : [''];
  const data = texts
    .map((text, i) => `${code}${i < texts.length - 1 ? '-' : text === '' ? '' : ' '}${text}\r\n`)
    .join('');
  return { type: 'write', data };
}

/** The command verb of a line, upper-cased: "mail FROM:<a@b>" → "MAIL". */
export function verbOf(line: string): string {
  const match = /^\s*([^\s:]*)/.exec(line);
  return (match?.[1] ?? '').toUpperCase();
}

function isLoopback(address: string): boolean {
  if (net.isIPv4(address)) return address.startsWith('127.');
  return address === '::1';
}

function toBuffer(data: string | Uint8Array): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

const LF = 0x0a;
const CR = 0x0d;

type Item = { kind: 'line'; line: string } | { kind: 'too-long' } | { kind: 'data'; chunk: Buffer };

/** Shared by the sessions of one server. */
interface ServerState {
  readonly secureContext: tls.SecureContext | null;
  /** A secure context with the server's TLS settings and another key and certificate (made once per certificate). */
  readonly contextFor: (certificate: ScriptedCertificate) => tls.SecureContext;
  /** The contexts chosen by SNI, or null when the server has none. */
  readonly sniContexts: ReadonlyMap<string, tls.SecureContext> | null;
  readonly clientCertificate: 'ask' | 'require' | null;
  readonly maxLineBytes: number;
  readonly maxBufferedBytes: number;
  readonly sockets: Set<net.Socket>;
  readonly sessions: Set<Session>;
}

class Session implements ScriptConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  secure = false;
  servername: string | null = null;
  recordsAfterHandshake: number[] = [];
  clientEnd: 'fin' | 'reset' | null = null;

  private stream: net.Socket;
  private readonly raw: net.Socket;
  private readonly handlers: ScriptHandlers;
  private readonly abort = new AbortController();
  private buffer: Buffer = Buffer.alloc(0);
  private mode: 'lines' | 'raw' = 'lines';
  private discarding = false;
  private busy = false;
  private greeted = false;
  /** No more reading or answering: closed by us, by the peer, or by stop(). */
  private finished = false;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);

  constructor(
    readonly id: number,
    socket: net.Socket,
    script: Script,
    private readonly server: ServerState,
  ) {
    this.raw = socket;
    this.stream = socket;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.handlers = typeof script === 'function' ? script(this) : script;
    this.watch(socket);
    socket.on('data', this.onData);
    socket.once('end', () => {
      this.clientEnd ??= 'fin';
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') this.clientEnd ??= 'reset';
    });
  }

  start(): void {
    void this.pump();
  }

  /** Ends the session from outside (stop()): cancels timers; the server destroys the sockets. */
  cancel(): void {
    this.finished = true;
    this.abort.abort();
  }

  private watch(socket: net.Socket): void {
    this.server.sockets.add(socket);
    socket.on('error', (error) => this.fail(error));
    socket.once('close', () => {
      this.server.sockets.delete(socket);
      if (socket !== this.stream && socket !== this.raw) return;
      this.cancel();
      this.server.sessions.delete(this);
    });
  }

  private fail(error: Error): void {
    if (!this.finished) {
      try {
        this.handlers.error?.(error, this);
      } catch {
        // a reporting hook that throws has nothing left to report to
      }
    }
    this.cancel();
    this.stream.destroy();
    this.raw.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.finished) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > this.server.maxBufferedBytes) this.stream.pause();
    void this.pump();
  }

  /** Takes the next unit of input: a line, an over-long line, or (raw mode) everything buffered. */
  private next(): Item | null {
    if (this.mode === 'raw') {
      if (this.buffer.length === 0) return null;
      const chunk = this.buffer;
      this.buffer = Buffer.alloc(0);
      return { kind: 'data', chunk };
    }
    const max = this.server.maxLineBytes;
    for (;;) {
      const lf = this.buffer.indexOf(LF);
      if (this.discarding) {
        if (lf < 0) {
          this.buffer = Buffer.alloc(0);
          return null;
        }
        this.buffer = this.buffer.subarray(lf + 1);
        this.discarding = false;
        continue;
      }
      if (lf < 0) {
        if (this.buffer.length <= max) return null;
        this.buffer = Buffer.alloc(0);
        this.discarding = true;
        return { kind: 'too-long' };
      }
      const end = lf > 0 && this.buffer[lf - 1] === CR ? lf - 1 : lf;
      const line = this.buffer.subarray(0, end);
      this.buffer = this.buffer.subarray(lf + 1);
      if (line.length > max) return { kind: 'too-long' };
      return { kind: 'line', line: line.toString('utf8') };
    }
  }

  /** Runs the greeting, then one input unit after another, each with its actions, never two at once. */
  private async pump(): Promise<void> {
    if (this.busy || this.finished) return;
    this.busy = true;
    try {
      if (!this.greeted) {
        this.greeted = true;
        await this.perform(await this.handlers.greeting?.(this));
      }
      while (!this.finished) {
        const item = this.next();
        if (!item) break;
        if (this.stream.isPaused() && this.buffer.length <= this.server.maxBufferedBytes) this.stream.resume();
        await this.perform(await this.dispatch(item));
      }
    } catch (error) {
      if (!this.abort.signal.aborted) this.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.busy = false;
    }
    if (!this.finished && this.stream.isPaused()) this.stream.resume();
  }

  private async dispatch(item: Item): Promise<ScriptActions | undefined> {
    switch (item.kind) {
      case 'line':
        return this.handlers.command?.(item.line, this);
      case 'too-long':
        return this.handlers.lineTooLong
          ? this.handlers.lineTooLong(this)
          : [reply(500, '5.5.6 Line too long'), { type: 'close' }];
      case 'data':
        return this.handlers.data?.(item.chunk, this);
    }
  }

  private async perform(actions: ScriptActions | undefined): Promise<void> {
    for (const action of actions ?? []) {
      if (this.finished) return;
      switch (action.type) {
        case 'write':
          await this.write(toBuffer(action.data));
          break;
        case 'drip': {
          const bytes = toBuffer(action.data);
          for (let i = 0; i < bytes.length && !this.finished; i++) {
            await this.write(bytes.subarray(i, i + 1));
            if (i < bytes.length - 1) await this.sleep(action.intervalMs);
          }
          break;
        }
        case 'flood': {
          const chunk = toBuffer(action.chunk);
          if (chunk.length === 0) break;
          const total = action.totalBytes ?? Number.POSITIVE_INFINITY;
          for (let sent = 0; sent < total && !this.finished; ) {
            const part = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
            await this.write(part);
            sent += part.length;
          }
          break;
        }
        case 'delay':
          await this.sleep(action.ms);
          break;
        case 'starttls':
          await this.startTls(action.stall === 'after-first-flight', action.certificate);
          break;
        case 'raw':
          this.mode = 'raw';
          break;
        case 'lines':
          this.mode = 'lines';
          if (action.rest?.length) this.buffer = Buffer.concat([Buffer.from(action.rest), this.buffer]);
          break;
        case 'close':
          this.finished = true;
          this.stream.end();
          break;
        case 'destroy':
          this.finished = true;
          this.stream.destroy();
          this.raw.destroy();
          break;
      }
    }
  }

  private async sleep(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.abort.signal });
    } catch {
      this.finished = true;
    }
  }

  /** Writes and waits while the socket's buffer is full (or until the connection ends). */
  private async write(bytes: Buffer): Promise<void> {
    const stream = this.stream;
    if (this.finished || stream.destroyed || !stream.writable) {
      this.finished = true;
      return;
    }
    if (stream.write(bytes)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('close', done);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
      this.abort.signal.addEventListener('abort', done);
    });
  }

  private async startTls(stall: boolean, certificate: ScriptedCertificate | undefined): Promise<void> {
    if (!this.server.secureContext) throw new Error('scripted server: a starttls action needs the tls option');
    const context = certificate ? this.server.contextFor(certificate) : this.server.secureContext;
    const sniContexts = this.server.sniContexts;
    // RFC 3207 §4.2: whatever the client sent in clear after STARTTLS is not part of the TLS session.
    this.buffer = Buffer.alloc(0);
    this.discarding = false;
    this.mode = 'lines';
    this.raw.off('data', this.onData);
    const transport = recordTransport(this.raw, stall, (type) => {
      if (this.secure) this.recordsAfterHandshake.push(type);
    });
    const clientCert = this.server.clientCertificate;
    const secure = new tls.TLSSocket(transport, {
      isServer: true,
      secureContext: context,
      ...(sniContexts ? { SNICallback: (name: string, done: (err: Error | null, ctx?: tls.SecureContext) => void) => done(null, sniContexts.get(name.toLowerCase()) ?? context) } : {}),
      ...(clientCert ? { requestCert: true, rejectUnauthorized: clientCert === 'require' } : {}),
    });
    this.stream = secure;
    this.watch(secure);
    const ok = await new Promise<boolean>((resolve) => {
      const settle = (value: boolean) => {
        secure.off('secure', onSecure);
        secure.off('close', onClose);
        this.abort.signal.removeEventListener('abort', onClose);
        resolve(value);
      };
      const onSecure = () => settle(true);
      const onClose = () => settle(false);
      secure.once('secure', onSecure);
      secure.once('close', onClose);
      this.abort.signal.addEventListener('abort', onClose);
    });
    if (!ok || this.finished) {
      this.finished = true;
      return;
    }
    this.secure = true;
    const sni: unknown = (secure as tls.TLSSocket & { servername?: unknown }).servername;
    this.servername = typeof sni === 'string' && sni !== '' ? sni : null;
    secure.on('data', this.onData);
    await this.perform(await this.handlers.secured?.(this));
  }
}

/**
 * The byte stream TLS runs over on the server side: the TCP socket, with every TLS record the
 * client sends reported by its content type, and (`stall`) the server's writes dropped once the
 * client's second flight has arrived after the server's first.
 */
function recordTransport(raw: net.Socket, stall: boolean, onRecord: (type: number) => void): Duplex {
  let header = Buffer.alloc(0);
  let skip = 0;
  let served = false;
  let stalled = false;
  const transport = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (stalled) {
        callback();
        return;
      }
      served = true;
      raw.write(chunk, callback);
    },
    final(callback) {
      raw.end();
      callback();
    },
    destroy(err, callback) {
      // TLS is over: the TCP connection ends in order (what the client does then stays visible:
      // its FIN). An error, or the 'destroy' action, resets it.
      if (err) raw.destroy();
      else {
        raw.end();
        raw.resume();
      }
      callback(err);
    },
  });
  raw.on('data', (chunk: Buffer) => {
    if (stall && served) stalled = true;
    // Record headers: type (1), version (2), length (2); the bodies are skipped.
    let off = 0;
    while (off < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - off);
        skip -= n;
        off += n;
        continue;
      }
      const need = 5 - header.length;
      header = Buffer.concat([header, chunk.subarray(off, off + need)]);
      off += Math.min(need, chunk.length - off);
      if (header.length < 5) break;
      onRecord(header[0]!);
      skip = header.readUInt16BE(3);
      header = Buffer.alloc(0);
    }
    if (!transport.push(chunk)) raw.pause();
  });
  raw.on('end', () => transport.push(null));
  raw.on('close', () => transport.destroy());
  raw.on('error', (err) => transport.destroy(err));
  return transport;
}

/** Starts a scripted server on a loopback address and an OS-chosen port. */
export async function startScriptedServer(script: Script, options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  const address = options.address ?? '127.0.0.1';
  if (!isLoopback(address)) throw new Error(`scripted server: refusing to bind ${address} (loopback only)`);
  const maxLineBytes = options.maxLineBytes ?? 4096;
  const t = options.tls;
  // One context per key and certificate (by content: a script may build a new object per connection).
  const contexts = new Map<string, tls.SecureContext>();
  const contextFor = (c: ScriptedCertificate): tls.SecureContext => {
    const id = `${c.key}\n${c.cert}`;
    let context = contexts.get(id);
    if (!context) {
      context = tls.createSecureContext({
        key: c.key,
        cert: c.cert,
        ...(t?.ciphers !== undefined ? { ciphers: t.ciphers } : {}),
        ...(t?.minVersion !== undefined ? { minVersion: t.minVersion } : {}),
        ...(t?.maxVersion !== undefined ? { maxVersion: t.maxVersion } : {}),
        ...(t?.clientCa !== undefined ? { ca: t.clientCa } : {}),
      });
      contexts.set(id, context);
    }
    return context;
  };
  const state: ServerState = {
    secureContext: t ? contextFor(t) : null,
    contextFor,
    sniContexts: t?.sni ? new Map(Object.entries(t.sni).map(([name, c]) => [name.toLowerCase(), contextFor(c)])) : null,
    clientCertificate: options.tls?.clientCertificate ?? null,
    maxLineBytes,
    maxBufferedBytes: Math.max(64 * 1024, maxLineBytes * 4),
    sockets: new Set(),
    sessions: new Set(),
  };
  let nextId = 1;
  let stopping = false;
  const server = net.createServer((socket) => {
    if (stopping) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    let session: Session;
    try {
      session = new Session(nextId++, socket, script, state);
    } catch {
      // the script's per-connection factory threw: nothing sensible to say to this client
      socket.destroy();
      return;
    }
    state.sessions.add(session);
    session.start();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port: 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as net.AddressInfo;
  let stopped: Promise<void> | null = null;
  return {
    port: bound.port,
    address: bound.address,
    stop(): Promise<void> {
      stopped ??= new Promise<void>((resolve) => {
        stopping = true;
        server.close(() => resolve());
        for (const session of state.sessions) session.cancel();
        state.sessions.clear();
        // Topmost (TLS) sockets first, then the TCP sockets under them.
        const sockets = [...state.sockets];
        for (const socket of sockets) if (socket instanceof tls.TLSSocket) socket.destroy();
        for (const socket of sockets) socket.destroy();
        state.sockets.clear();
      });
      return stopped;
    },
  };
}

/** A loopback port nothing listens on (bound once, then closed): connections to it are refused. */
export async function closedLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
