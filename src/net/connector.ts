// The only place that opens sockets and runs TLS handshakes. Everything above gets a Connector.
import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import { MxrayError } from '../core/errors.js';
import { TlsRecordScanner, type TlsRecordSummary } from '../tls/records.js';
import type { Clock, ConnectOptions, Connection, Connector, TlsHandshake, TlsOptions } from '../core/context.js';

/** Node's bundled Mozilla root store (the default trust store). */
export function bundledRootCertificates(): readonly string[] {
  return tls.rootCertificates;
}

export class TlsHandshakeError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    /** What the server sent during the failed handshake, as far as the record layer shows it. */
    readonly seen: TlsRecordSummary,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'TlsHandshakeError';
  }
}

// One secure context per run and mode. An empty CA list means OpenSSL adds no roots of its own,
// so getPeerCertificate(true) shows only what the server sent; we judge trust ourselves (pki/).
let normalContext: tls.SecureContext | null = null;
let legacyContext: tls.SecureContext | null = null;
function contextFor(mode: TlsOptions['mode']): tls.SecureContext {
  if (mode === 'legacy') {
    legacyContext ??= tls.createSecureContext({
      ca: [],
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.2',
      ciphers: 'ALL:eNULL:@SECLEVEL=0',
    });
    return legacyContext;
  }
  normalContext ??= tls.createSecureContext({ ca: [] });
  return normalContext;
}

function peerChain(socket: tls.TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | null = socket.getPeerCertificate(true);
  while (cert && cert.raw && out.length < 20) {
    const key = cert.fingerprint256;
    if (seen.has(key)) break;
    seen.add(key);
    out.push(Buffer.from(cert.raw));
    cert = cert.issuerCertificate && cert.issuerCertificate !== cert ? cert.issuerCertificate : null;
  }
  return out;
}

const noop = () => {};

/** A duplex over the socket that shows every received chunk to `onChunk` first. */
function tapStream(socket: net.Socket, onChunk: (chunk: Buffer) => void): Duplex {
  const tap = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (socket.destroyed) callback(new Error('socket closed'));
      else socket.write(chunk, (err) => callback(err ?? null));
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
  socket.resume();
  return tap;
}

function errorCode(err: unknown): string {
  return (err as { code?: string }).code ?? '';
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
      const tap = tapStream(this.socket, (chunk) => scanner.push(chunk));
      const secure = tls.connect(<tls.ConnectionOptions>{
        socket: tap,
        secureContext: contextFor(options.mode),
        ...(options.servername ? { servername: options.servername } : {}),
        rejectUnauthorized: false,
        requestOCSP: true,
        ...(options.mode === 'legacy' ? { minDHSize: 1 } : {}),
      });
      secure.on('error', noop);
      this.stream = secure;
      let done = false;
      const finish = (err: Error | null, value?: TlsHandshake) => {
        if (done) return;
        done = true;
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
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const onError = (err: Error) => {
        const reason = (err as { reason?: string }).reason ?? err.message;
        const code = errorCode(err);
        const text = code === 'ECONNRESET' ? 'connection reset by the server during the handshake' : reason;
        fail(text, code || reason, false);
      };
      const onClose = () => fail('the server closed the connection during the handshake', 'closed', false);
      secure.on('error', onError);
      secure.on('close', onClose);
      secure.on('OCSPResponse', (response: Buffer) => {
        ocsp = response && response.length ? Buffer.from(response) : null;
      });
      secure.once('secureConnect', () => {
        scanner.stop();
        const cipher = secure.getCipher();
        const ephemeral = secure.getEphemeralKeyInfo();
        const group =
          ephemeral && 'name' in ephemeral && ephemeral.name
            ? ephemeral.name
            : ephemeral && 'type' in ephemeral && ephemeral.type
              ? `${ephemeral.type}${ephemeral.size ? ` ${ephemeral.size}` : ''}`
              : null;
        finish(null, {
          protocol: secure.getProtocol(),
          cipher: cipher?.name ?? null,
          cipherStandard: (cipher as { standardName?: string } | undefined)?.standardName ?? null,
          group,
          peerChain: peerChain(secure),
          ocspResponse: ocsp,
          handshakeMs: Math.round((this.clock.monotonic() - started) * 1000) / 1000,
        });
      });
    });
  }

  close(): void {
    this.stream.destroy();
    this.socket.destroy();
  }
}

/** Opens TCP connections to IP addresses only. `implicitTls` targets start TLS right away (startTls). */
export function createConnector(clock: Clock): Connector {
  return {
    connect(options: ConnectOptions): Promise<Connection> {
      if (net.isIP(options.address) === 0) {
        return Promise.reject(new MxrayError('internal-error', `connector was given a host name (${options.address}), not an address`));
      }
      return new Promise<Connection>((resolve, reject) => {
        const socket = net.connect({ host: options.address, port: options.port, noDelay: true });
        let done = false;
        const finish = (err: MxrayError | null) => {
          if (done) return;
          done = true;
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
          () => finish(new MxrayError('connection-timeout', `no TCP connection within ${options.timeoutMs} ms`, 'timeout', socket.localAddress ?? null)),
          options.timeoutMs,
        );
        options.signal?.addEventListener('abort', onAbort, { once: true });
        const onError = (err: Error) => {
          const code = errorCode(err);
          if (code === 'ECONNREFUSED') finish(new MxrayError('connection-refused', 'connection refused', code));
          else if (code === 'ETIMEDOUT') finish(new MxrayError('connection-timeout', 'connection timed out', code, socket.localAddress ?? null));
          // ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL …: the reason code tells "no route from here" apart.
          else finish(new MxrayError('connection-refused', `cannot connect: ${code || err.message}`, code || null));
        };
        socket.on('error', noop);
        socket.once('error', onError);
        socket.once('connect', () => finish(null));
      });
    },
  };
}
