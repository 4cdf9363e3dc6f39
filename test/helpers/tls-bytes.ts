// Real TLS bytes for tests that read captures: a node:tls client and server joined by an in-memory
// pipe (or, for `openssl s_client`, by a loopback socket) that records what each side writes, in
// the order written — the bytes a capture of that connection would hold — with what Node itself
// says of the handshake (getProtocol, getCipher) to hold the reader's facts against.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import tls from 'node:tls';

export interface Piece {
  from: 'client' | 'server';
  bytes: Buffer;
}

export interface SideView {
  protocol: string | null;
  /** The IANA name (getCipher().standardName). */
  cipher: string | null;
}

export interface TlsRun {
  pieces: Piece[];
  client: SideView | null;
  server: (SideView & { servername: string | null }) | null;
  clientError: (Error & { code?: string }) | null;
  serverError: (Error & { code?: string }) | null;
}

export interface TlsRunOptions {
  /** Secure context options of the server (key, cert, minVersion …) plus requestCert. */
  server: tls.SecureContextOptions & { requestCert?: boolean; rejectUnauthorized?: boolean };
  client: tls.ConnectionOptions;
  /** A line the client sends once the handshake is done; the server answers `serverSays`, then the client closes. */
  clientSays?: string;
  serverSays?: string;
}

/** A pipe whose two ends record what they write. */
function recordingPipe(pieces: Piece[]): [Duplex, Duplex] {
  const ends: { client?: Duplex; server?: Duplex } = {};
  const end = (from: 'client' | 'server', other: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        pieces.push({ from, bytes: Buffer.from(chunk) });
        other().push(chunk);
        done();
      },
      final(done) {
        other().push(null);
        done();
      },
      destroy(error, done) {
        other().push(null);
        done(error);
      },
    });
  const clientEnd = end('client', () => ends.server!);
  const serverEnd = end('server', () => ends.client!);
  ends.client = clientEnd;
  ends.server = serverEnd;
  return [clientEnd, serverEnd];
}

function view(socket: tls.TLSSocket): SideView {
  const cipher = socket.getCipher() as (tls.CipherNameAndProtocol & { standardName?: string }) | undefined;
  return { protocol: socket.getProtocol(), cipher: cipher?.standardName ?? null };
}

/** A handshake (and, once it is done, one line each way) between node:tls sides, in memory. */
export async function runTls(options: TlsRunOptions): Promise<TlsRun> {
  const run: TlsRun = { pieces: [], client: null, server: null, clientError: null, serverError: null };
  const [clientEnd, serverEnd] = recordingPipe(run.pieces);
  const { requestCert, rejectUnauthorized, ...context } = options.server;
  const server = new tls.TLSSocket(serverEnd, {
    isServer: true,
    secureContext: tls.createSecureContext(context),
    requestCert: requestCert ?? false,
    rejectUnauthorized: rejectUnauthorized ?? false,
  });
  const serverClosed = new Promise<void>((resolve) => {
    server.on('secure', () => {
      run.server = { ...view(server), servername: (server as unknown as { servername?: string | false }).servername || null };
    });
    server.on('data', () => {
      if (options.serverSays) server.write(options.serverSays);
    });
    server.on('error', (error: Error & { code?: string }) => {
      run.serverError ??= error;
      server.destroy();
    });
    server.on('end', () => server.end());
    server.on('close', () => resolve());
  });
  const client = tls.connect({ socket: clientEnd, rejectUnauthorized: false, ...options.client });
  const clientClosed = new Promise<void>((resolve) => {
    client.on('secureConnect', () => {
      run.client = view(client);
      if (options.clientSays) client.write(options.clientSays);
      else client.end();
    });
    client.on('data', () => client.end());
    client.on('error', (error: Error & { code?: string }) => {
      run.clientError ??= error;
      client.destroy();
    });
    client.on('end', () => client.end());
    client.on('close', () => resolve());
  });
  await Promise.all([serverClosed, clientClosed]);
  return run;
}

/** Why openssl cannot be used here, or null when it can. */
export const opensslMissing: string | null = (() => {
  const run = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return run.error ? run.error.message : run.status !== 0 ? `openssl version exited with ${run.status}` : null;
})();

/**
 * `openssl s_client` (which verifies the certificate during the handshake, unlike Node) against a
 * node:tls server on loopback whose certificate it does not trust (`trusted` is another CA's
 * certificate): its bytes and the server's, recorded on the server's socket.
 */
export async function refusingClient(server: { key: string; cert: string }, trusted: string, version: '-tls1_2' | '-tls1_3', servername: string): Promise<TlsRun> {
  const run: TlsRun = { pieces: [], client: null, server: null, clientError: null, serverError: null };
  const dir = mkdtempSync(join(tmpdir(), 'mxray-tls-bytes-'));
  writeFileSync(join(dir, 'ca.pem'), trusted);
  let serverDone!: () => void;
  const done = new Promise<void>((resolve) => (serverDone = resolve));
  const listener = net.createServer((socket) => {
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, cb) {
        run.pieces.push({ from: 'server', bytes: Buffer.from(chunk) });
        socket.write(chunk, () => cb());
      },
      final(cb) {
        socket.end();
        cb();
      },
    });
    socket.on('data', (chunk: Buffer) => {
      run.pieces.push({ from: 'client', bytes: Buffer.from(chunk) });
      wire.push(chunk);
    });
    socket.on('end', () => wire.push(null));
    socket.on('error', () => wire.destroy());
    const tlsSide = new tls.TLSSocket(wire, { isServer: true, secureContext: tls.createSecureContext(server) });
    tlsSide.on('error', (error: Error & { code?: string }) => {
      run.serverError ??= error;
      socket.destroy();
    });
    socket.on('close', () => serverDone());
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, version, '-verify_return_error', '-CAfile', join(dir, 'ca.pem'), '-servername', servername], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await Promise.all([done, new Promise<void>((resolve) => child.on('close', () => resolve()))]);
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
  return run;
}
