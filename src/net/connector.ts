// The only place that opens sockets and runs TLS handshakes. Everything above gets a Connector.
import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import { MxrayError, TlsHandshakeError } from '../core/errors.js';

export { TlsHandshakeError } from '../core/errors.js';
import { TlsRecordScanner, type TappedHandshake, type TlsRecordSummary } from '../tls/records.js';
import { MAX_SECRETS, MAX_SERVER_BYTES, recoverSentChain } from '../tls/sent-chain.js';
import type { Clock, ConnectOptions, Connection, Connector, TlsClientProfile, TlsHandshake, TlsOptions } from '../core/context.js';

/** Node's bundled Mozilla root store (the default trust store). */
export function bundledRootCertificates(): readonly string[] {
  return tls.rootCertificates;
}

/**
 * A profile as Node's TLS options. An empty CA list means OpenSSL adds no roots of its own, so
 * getPeerCertificate(true) shows only what the server sent; we judge trust ourselves (pki/). A
 * context costs well under a millisecond: one per handshake, no shared state.
 */
export function profileOptions(profile: TlsClientProfile): tls.ConnectionOptions {
  return {
    ca: [],
    minVersion: profile.minVersion,
    maxVersion: profile.maxVersion,
    ...(profile.ciphers === null ? {} : { ciphers: profile.ciphers }),
    ...(profile.sigalgs ? { sigalgs: profile.sigalgs } : {}),
    ...(profile.minDhBits === null ? {} : { minDHSize: profile.minDhBits }),
  };
}

/** The certificates the server sent, leaf first: Node links each to its issuer; a root links to itself. */
function peerChain(socket: tls.TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  // No certificate: an empty object; the last certificate of an incomplete chain: no issuerCertificate.
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert?.raw && out.length < 20 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(Buffer.from(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

const noop = () => {};

/** After we end a connection (QUIT answered, TLS close_notify and FIN sent), how long the server gets to close its side. */
export const CLOSE_GRACE_MS = 2000;

/** A duplex over the socket that shows every received chunk to `onChunk` first. */
function tapStream(socket: net.Socket, onChunk: (chunk: Buffer) => void): Duplex {
  const tap = new Duplex({
    // TLS reads the tap from the start, so this also resumes a socket the cleartext reader paused.
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(err, callback) {
      socket.destroy();
      callback(err);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    onChunk(chunk);
    if (!tap.push(chunk)) socket.pause();
  });
  socket.on('end', () => tap.push(null));
  socket.on('close', () => tap.destroy());
  socket.on('error', (err) => tap.destroy(err));
  return tap;
}

function errorCode(err: unknown): string {
  return (err as { code?: string }).code ?? '';
}

/** What a failed TCP connection attempt means. Our own address goes with a time-out: "port 25 blocked on our side" needs it. */
export function connectFailure(err: Error, localAddress?: string): MxrayError {
  const code = errorCode(err);
  if (code === 'ETIMEDOUT') return new MxrayError('connection-timeout', 'connection timed out', code, localAddress);
  // ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL …: the reason code tells "no route from here" apart.
  return new MxrayError('connection-refused', `cannot connect: ${code || err.message}`, code || null);
}

/** What a failed TLS handshake means, with what the record layer showed of the server's side. */
export function handshakeFailure(err: Error, seen: TlsRecordSummary): TlsHandshakeError {
  const reason = (err as { reason?: string }).reason ?? err.message;
  const code = errorCode(err);
  const text = code === 'ECONNRESET' ? 'connection reset by the server during the handshake' : reason;
  return new TlsHandshakeError(text, code || reason, seen, false);
}

class SocketConnection implements Connection {
  stream: net.Socket | tls.TLSSocket;

  constructor(
    private readonly socket: net.Socket,
    private readonly clock: Clock,
  ) {
    this.stream = socket;
  }

  get localAddress(): string | null {
    return this.socket.localAddress ?? null;
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  startTls(options: TlsOptions): Promise<TlsHandshake> {
    const started = this.clock.monotonic();
    return new Promise<TlsHandshake>((resolve, reject) => {
      let ocsp: Buffer | null = null;
      // TLS runs over a tap, so the record scanner sees every byte the server sends: it tells
      // "never answered" from "answered garbage" and names the alert and the last message seen.
      const scanner = new TlsRecordScanner();
      this.handshaking = true;
      // The server may have closed while we took in what it sent after its 220: no handshake then.
      if (this.socket.destroyed || this.socket.readableEnded) {
        this.socket.destroy();
        reject(new TlsHandshakeError('the server closed the connection before the handshake', 'closed', scanner.summary(), false));
        return;
      }
      // What the server sends until the handshake is done, for its Certificate message as sent.
      const received: Buffer[] = [];
      let receivedBytes = 0;
      let receiving = true;
      const tap = tapStream(this.socket, (chunk) => {
        scanner.push(chunk);
        if (!receiving || receivedBytes >= MAX_SERVER_BYTES) return;
        received.push(chunk);
        receivedBytes += chunk.length;
      });
      const secure = tls.connect(<tls.ConnectionOptions>{
        socket: tap,
        ...profileOptions(options.profile),
        ...(options.servername ? { servername: options.servername } : {}),
        ...(options.clientCertificate ? { key: options.clientCertificate.keyPem, cert: options.clientCertificate.certPem } : {}),
        rejectUnauthorized: false,
        requestOCSP: true,
      });
      // Errors after the handshake end the stream; whoever reads it sees that.
      secure.on('error', noop);
      this.stream = secure;
      // Every source of a second call is detached on the first.
      const finish = (err: Error | null, value?: TlsHandshake) => {
        this.handshaking = false;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        secure.off('error', onError);
        secure.off('close', onClose);
        if (err) {
          secure.destroy();
          this.socket.destroy();
          reject(err);
        } else resolve(value!);
      };
      const fail = (text: string, reason: string, timedOut: boolean) =>
        finish(new TlsHandshakeError(text, reason, scanner.summary(), timedOut));
      const onAbort = () => fail('aborted', 'aborted', true);
      const timer = setTimeout(() => fail(`no TLS handshake within ${options.timeoutMs} ms`, 'timeout', true), options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort);
      const onError = (err: Error) => finish(handshakeFailure(err, scanner.summary()));
      const onClose = () => fail('the server closed the connection during the handshake', 'closed', false);
      secure.on('error', onError);
      secure.on('close', onClose);
      // TLS 1.3 encrypts the certificates: our own session's handshake secret opens them. Kept in
      // memory only until the handshake is read, never recorded.
      const keylog: Buffer[] = [];
      secure.on('keylog', (line: Buffer) => {
        if (keylog.length < MAX_SECRETS * 8) keylog.push(line);
      });
      secure.on('OCSPResponse', (response: Buffer) => {
        ocsp = response && response.length ? Buffer.from(response) : null;
      });
      secure.once('secureConnect', () => {
        scanner.stop();
        receiving = false;
        const sent = recoverSentChain({ serverBytes: Buffer.concat(received), keylog });
        keylog.length = 0;
        received.length = 0;
        const cipher = secure.getCipher();
        // On a client socket: {} without an ephemeral key exchange, { type: 'DH', size } or { type: 'ECDH', name, size }.
        const ephemeral = secure.getEphemeralKeyInfo() as { type?: string; name?: string; size?: number };
        const handshake: TappedHandshake = {
          records: scanner.summary(),
          protocol: secure.getProtocol(),
          cipher: cipher.name,
          cipherStandard: cipher.standardName,
          group: ephemeral.name ?? (ephemeral.type ? `${ephemeral.type} ${ephemeral.size}` : null),
          peerChain: peerChain(secure),
          sentChain: sent.chain,
          sentChainProblem: sent.error,
          ocspResponse: ocsp,
          handshakeMs: Math.round((this.clock.monotonic() - started) * 1000) / 1000,
        };
        finish(null, handshake);
      });
      // A signal aborted before we began fires no event: stop at once.
      if (options.signal?.aborted) onAbort();
    });
  }

  /**
   * Ends the connection politely: TLS close_notify (inside TLS) and FIN after everything written,
   * then, once the server has closed its side too (or after CLOSE_GRACE_MS), the socket is freed.
   * Whatever still arrives meanwhile is read and dropped, so that the server's FIN is seen. A
   * connection that is already broken or gone is simply destroyed.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    const stream = this.stream;
    const socket = this.socket;
    // During a handshake there is no session to end politely: stop it.
    if (this.handshaking || stream.destroyed || socket.destroyed || !stream.writable || !socket.writable) {
      stream.destroy();
      socket.destroy();
      return;
    }
    const destroy = () => {
      clearTimeout(timer);
      stream.destroy();
      socket.destroy();
    };
    const timer = setTimeout(destroy, CLOSE_GRACE_MS);
    socket.once('close', destroy);
    stream.on('error', noop);
    stream.resume();
    stream.end();
  }

  private closing = false;
  private handshaking = false;
}

/** Opens TCP connections to IP addresses only. `implicitTls` targets start TLS right away (startTls). */
export function createConnector(clock: Clock): Connector {
  return {
    connect(options: ConnectOptions): Promise<Connection> {
      // A signal aborted before we began fires no event: no connection at all.
      if (options.signal?.aborted) return Promise.reject(new MxrayError('connection-timeout', 'aborted', 'aborted'));
      if (net.isIP(options.address) === 0) {
        return Promise.reject(new MxrayError('internal-error', `connector was given a host name (${options.address}), not an address`));
      }
      return new Promise<Connection>((resolve, reject) => {
        const socket = net.connect({ host: options.address, port: options.port, noDelay: true });
        // Every source of a second call is detached on the first.
        const finish = (err: MxrayError | null) => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          socket.off('error', onError);
          if (err) {
            socket.destroy();
            reject(err);
          } else resolve(new SocketConnection(socket, clock));
        };
        const onAbort = () => finish(new MxrayError('connection-timeout', 'aborted'));
        const timer = setTimeout(
          // The detail carries our own source address: "port 25 blocked on our side" needs it.
          () => finish(new MxrayError('connection-timeout', `no TCP connection within ${options.timeoutMs} ms`, 'timeout', socket.localAddress)),
          options.timeoutMs,
        );
        options.signal?.addEventListener('abort', onAbort);
        const onError = (err: Error) => finish(connectFailure(err, socket.localAddress));
        socket.on('error', noop);
        socket.once('error', onError);
        socket.once('connect', () => finish(null));
      });
    },
  };
}
