// A copy of the raw bytes of one smtp-server connection's STARTTLS handshake, both directions, for
// tls/hello.ts to read (what the client offered, the group, the alert it sent).
//
// smtp-server's SMTPConnection#upgrade hands its net.Socket to `new tls.TLSSocket(socket)`, and
// Node then reads and writes the socket's handle in C++: JS never sees a byte of the handshake.
// Given any other stream, Node takes its JS path instead (JSStreamSocket): it reads the stream's
// 'data' and calls its write(). So, just before upgrade runs, the connection's socket is replaced
// by TapSocket, a Duplex that forwards to the raw socket in both directions and copies what
// passes (up to a bound) to an observer. The TLS session then runs over it for the rest of the
// connection: every byte of the session crosses JS once more (see the limits in the report).
//
// Pinned to smtp-server 3.x internals (upgrade, _socket, _parser), like server.ts's greetAtOnce.
import { Duplex } from 'node:stream';

/** Receives copies of the bytes; called synchronously as they pass. An observer that throws is dropped. */
export interface TlsTapObserver {
  /** Bytes the client sent, from its first TLS byte (the ClientHello) on. */
  client(bytes: Buffer): void;
  /** Bytes the server sent, from the ServerHello on (the 220 to STARTTLS went out before). */
  server(bytes: Buffer): void;
}

export interface TlsTap {
  /** STARTTLS began and the tap is in place. */
  readonly active: boolean;
  /** Bytes handed to the observer so far. */
  readonly seen: { client: number; server: number };
  /** No more copies (the connection carries on); e.g. once the reader says it is done. */
  stop(): void;
}

/** At most this many bytes per direction go to the observer (a TLS 1.2 server flight with a long chain fits). */
export const MAX_TAPPED_BYTES = 64 * 1024;

/** What the tap uses of a net.Socket (typed by shape: this layer does not import node:net). */
type RawSocket = Duplex & {
  remoteAddress?: string;
  remotePort?: number;
  remoteFamily?: string;
  localAddress?: string;
  localPort?: number;
  allowHalfOpen: boolean;
  setTimeout(ms: number, callback?: () => void): unknown;
  setNoDelay(noDelay?: boolean): unknown;
  setKeepAlive(enable?: boolean, delay?: number): unknown;
  ref(): unknown;
  unref(): unknown;
};

/** The parts of smtp-server's SMTPConnection the tap touches. */
interface ConnectionInternals {
  upgrade(callback: () => void, secureCallback?: () => void): void;
  /** upgrade calls it with the new TLS socket: how the tap finds that socket. */
  _armTimeout(socket?: unknown): void;
  _socket: unknown;
  _parser: unknown;
  secure?: boolean;
}

function isConnection(value: object): value is ConnectionInternals {
  return typeof (value as Partial<ConnectionInternals>).upgrade === 'function' && '_socket' in value;
}

function isRawSocket(value: unknown): value is RawSocket {
  return value instanceof Duplex && typeof (value as Partial<RawSocket>).setTimeout === 'function' && !value.destroyed;
}

/**
 * A Duplex over the raw socket: what the client sent comes out of it, what is written to it goes
 * to the client. It looks enough like a socket for smtp-server (readyState, destroyed, writable,
 * end, destroy, addresses) and for Node's TLS (allowHalfOpen); reads follow backpressure (the raw
 * socket is paused while the TLS side does not read), writes wait for the raw socket's 'drain'.
 */
class TapSocket extends Duplex {
  private pendingWrite: ((error?: Error | null) => void) | null = null;

  constructor(
    private readonly raw: RawSocket,
    private readonly copy: (from: 'client' | 'server', bytes: Buffer) => void,
  ) {
    // The raw socket's half-open setting, so the TLS socket (which takes it from us) behaves as on the C++ path.
    super({ allowHalfOpen: raw.allowHalfOpen });
    raw.on('data', (chunk: Buffer) => {
      this.copy('client', chunk);
      if (!this.push(chunk)) raw.pause();
    });
    raw.on('end', () => this.push(null));
    raw.on('drain', () => this.flushed());
    raw.on('error', (error: Error) => this.destroy(error));
    raw.on('close', () => this.destroy());
    raw.on('timeout', () => this.emit('timeout'));
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.copy('server', chunk);
    if (this.raw.write(chunk)) callback();
    else this.pendingWrite = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.raw.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.pendingWrite = null;
    if (!this.raw.destroyed) this.raw.destroy();
    callback(error);
  }

  private flushed(): void {
    const callback = this.pendingWrite;
    this.pendingWrite = null;
    callback?.();
  }

  get remoteAddress(): string | undefined {
    return this.raw.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.raw.remotePort;
  }

  get remoteFamily(): string | undefined {
    return this.raw.remoteFamily;
  }

  get localAddress(): string | undefined {
    return this.raw.localAddress;
  }

  get localPort(): number | undefined {
    return this.raw.localPort;
  }

  /** As net.Socket names its states. */
  get readyState(): 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.destroyed) return 'closed';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    return this.writable ? 'writeOnly' : 'closed';
  }

  /** The raw socket's idle timer, its 'timeout' re-emitted here. */
  setTimeout(ms: number, callback?: () => void): this {
    this.raw.setTimeout(ms);
    if (callback) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.raw.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.raw.setKeepAlive(enable, delay);
    return this;
  }

  ref(): this {
    this.raw.ref();
    return this;
  }

  unref(): this {
    this.raw.unref();
    return this;
  }
}

/**
 * A TLS socket over a JS stream asks its handle for the addresses and gets nothing: it is given
 * the raw socket's, as own properties, so it answers as on the C++ path.
 */
function giveAddresses(secure: Duplex, raw: RawSocket): void {
  const addresses = {
    remoteAddress: raw.remoteAddress,
    remotePort: raw.remotePort,
    remoteFamily: raw.remoteFamily,
    localAddress: raw.localAddress,
    localPort: raw.localPort,
  };
  for (const [name, value] of Object.entries(addresses)) Object.defineProperty(secure, name, { value, enumerable: true });
}

/**
 * Taps `connection` (an smtp-server SMTPConnection, before or after its greeting): when the client
 * sends STARTTLS, the handshake's bytes in both directions go to `observer`, up to `maxBytes` per
 * direction, and the connection works as before. Nothing happens for a connection that never
 * upgrades. Throws only when `connection` is not an SMTPConnection (a programming error).
 */
export function tapStartTls(connection: object, observer: TlsTapObserver, options: { maxBytes?: number } = {}): TlsTap {
  if (!isConnection(connection)) throw new TypeError('tapStartTls: not an smtp-server connection (no upgrade/_socket)');
  const maxBytes = options.maxBytes ?? MAX_TAPPED_BYTES;
  const seen = { client: 0, server: 0 };
  let active = false;
  let stopped = false;

  const copy = (from: 'client' | 'server', bytes: Buffer): void => {
    const room = maxBytes - seen[from];
    if (stopped || room <= 0 || bytes.length === 0) return;
    const part = Buffer.from(bytes.subarray(0, room));
    seen[from] += part.length;
    try {
      if (from === 'client') observer.client(part);
      else observer.server(part);
    } catch {
      // An observer's bug must not break the mail session: it gets nothing more.
      stopped = true;
    }
  };

  const original = connection.upgrade;
  connection.upgrade = function tappedUpgrade(this: ConnectionInternals, callback, secureCallback) {
    // One upgrade per connection: later calls (a second STARTTLS is refused anyway) are smtp-server's own.
    connection.upgrade = original;
    const raw = connection._socket;
    if (connection.secure || !isRawSocket(raw)) return original.call(connection, callback, secureCallback);
    // What upgrade does first to the socket it knows, done here to the raw one: stop feeding the
    // command parser, and drop every listener (smtp-server's close, error, time-out, pipe).
    raw.unpipe(connection._parser as NodeJS.WritableStream);
    raw.removeAllListeners();
    const tap = new TapSocket(raw, copy);
    connection._socket = tap;
    active = true;
    // Errors of the raw socket now reach smtp-server both through the tap (its own 'error'
    // listener, put there by upgrade) and through the TLS socket, as they do on the C++ path
    // (where the raw socket and the TLS socket each report them).
    const ownArm = Object.prototype.hasOwnProperty.call(connection, '_armTimeout');
    const arm = connection._armTimeout;
    let secure: unknown = null;
    connection._armTimeout = function (socket?: unknown) {
      secure ??= socket;
      arm.call(connection, socket);
    };
    try {
      original.call(connection, callback, secureCallback);
    } finally {
      if (ownArm) connection._armTimeout = arm;
      else delete (connection as Partial<ConnectionInternals>)._armTimeout;
    }
    if (secure instanceof Duplex) giveAddresses(secure, raw);
  };

  return {
    get active() {
      return active;
    },
    get seen() {
      return { ...seen };
    },
    stop() {
      stopped = true;
    },
  };
}
