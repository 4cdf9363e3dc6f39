// The connector against loopback servers started (and stopped) by each test: TCP outcomes,
// TLS handshakes (facts, SNI, legacy mode, the certificates sent) and every way a handshake
// fails, with what the record scanner saw. Asserts codes, reasons and facts, never timing.
import { getEventListeners } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Clock, Connection, TlsHandshake } from '../../../src/core/context.js';
import { MxrayError } from '../../../src/core/errors.js';
import { createRootCa, createSelfSigned, type IssuedCert } from '../../../src/demo/test-pki.js';
import { startScriptedServer, type ScriptConnection, type ScriptedServerTls } from '../../../src/demo/scripted-server.js';
import { bundledRootCertificates, CLOSE_GRACE_MS, connectFailure, createConnector, handshakeFailure, profileOptions, TlsHandshakeError } from '../../../src/net/connector.js';
import { emptyRecordSummary, recordsOf, type TlsRecordSummary } from '../../../src/tls/records.js';
import { TLS_LEGACY, TLS_NORMAL } from '../../../src/tls/profiles.js';

const MX = 'mx.connector.test';
const clock: Clock = { now: () => 0, monotonic: () => 0, sleep: async () => {} };

let ecLeaf: IssuedCert;
let rsaLeaf: IssuedCert;
let chain: { leaf: IssuedCert; intermediate: IssuedCert; root: IssuedCert };
/** A chain of 22: a leaf, 20 intermediates, a root. */
let long: IssuedCert[];

beforeAll(async () => {
  // src/demo is not mutated: the PKI is made once here.
  const now = Date.now();
  ecLeaf = await createSelfSigned({ commonName: MX }, now);
  rsaLeaf = await createSelfSigned({ commonName: MX, key: 'rsa2048' }, now);
  const root = await createRootCa('mxray connector root', now);
  const inter = await root.intermediate('mxray connector intermediate');
  chain = { leaf: await inter.issue({ commonName: MX }), intermediate: inter.cert, root: root.cert };
  const cas = [root];
  for (let i = 1; i <= 20; i++) cas.push(await cas[i - 1]!.intermediate(`mxray connector intermediate ${i}`));
  long = [await cas[20]!.issue({ commonName: MX }), ...cas.reverse().map((ca) => ca.cert)];
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0)) c();
});

/** Starts a loopback server, stopped after the test. */
async function listen<T extends net.Server>(server: T, host = '127.0.0.1'): Promise<{ server: T; port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  server.on('connection', (s: net.Socket) => {
    // A TLS server's TLS socket owns the TCP socket: only the TLS socket is destroyed (both
    // destroyed makes Node 20 crash).
    if (!(server instanceof tls.Server)) sockets.push(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { server, port: (server.address() as net.AddressInfo).port, sockets };
}

/** A port nobody listens on (a server is opened on port 0, then closed). */
async function closedPort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Reads from a stream until `text` has arrived. */
function receive(stream: Duplex | net.Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (chunk: Buffer) => {
      got += chunk.toString('latin1');
      if (got.includes(text)) {
        stream.off('data', onData);
        resolve(got);
      }
    };
    stream.on('data', onData);
    stream.once('error', reject);
  });
}

const ended = (stream: Duplex | net.Socket) => new Promise<void>((resolve) => (stream.readableEnded ? resolve() : stream.once('end', () => resolve())));

async function connected(port: number, address = '127.0.0.1', c: Clock = clock): Promise<Connection> {
  const connection = await createConnector(c).connect({ address, port, timeoutMs: 5000 });
  cleanups.push(() => connection.close());
  return connection;
}

/** The rejection of a promise (fails the test when it resolves). */
async function failure<E>(p: Promise<unknown>): Promise<E> {
  return p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e as E,
  );
}

describe('profileOptions', () => {
  it('gives Node exactly what a profile sets: no CA of its own, the versions, and ciphers and DH floor only when the profile has them', () => {
    expect(profileOptions(TLS_NORMAL)).toStrictEqual({ ca: [], minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    // Node's own floor for DH is 1024 bits: the legacy retry must reach the 512- and 768-bit groups of old servers.
    expect(profileOptions(TLS_LEGACY)).toStrictEqual({ ca: [], minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: 'ALL:eNULL:@SECLEVEL=0', minDHSize: 1 });
    expect(profileOptions({ name: 'dh only', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: null, minDhBits: 2048 })).toStrictEqual({
      ca: [],
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      minDHSize: 2048,
    });
  });
});

describe('createConnector: TCP', () => {
  it('connects to a loopback address and carries bytes both ways', async () => {
    const { port, server } = await listen(net.createServer((s) => s.write('220 hi\r\n')));
    const serverSide = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const c = await connected(port);
    expect(c.remoteAddress).toBe('127.0.0.1');
    expect(c.localAddress).toBe('127.0.0.1');
    expect(await receive(c.stream, '\r\n')).toBe('220 hi\r\n');
    const s = await serverSide;
    const got = receive(s, '\r\n');
    c.stream.write('EHLO client.example\r\n');
    expect(await got).toBe('EHLO client.example\r\n');
    // close() ends the connection for the server too, with a FIN (an orderly end, not a reset).
    let serverSaw = '';
    s.once('end', () => (serverSaw = 'end'));
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    const ours = new Promise<void>((resolve) => c.stream.once('close', () => resolve()));
    c.close();
    await closed;
    expect(serverSaw).toBe('end');
    await ours;
    expect(c.stream.destroyed).toBe(true);
  });
  it('a reset while nobody reads yet does not take the process down', async () => {
    const { port, server } = await listen(net.createServer());
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const c = await connected(port);
    // Watch the socket's events without listening for 'error' ourselves.
    let wake: () => void = () => undefined;
    const errored = new Promise<void>((resolve) => (wake = resolve));
    const emit = c.stream.emit.bind(c.stream);
    c.stream.emit = (event: string | symbol, ...args: unknown[]) => {
      if (event === 'error') wake();
      return emit(event, ...args);
    };
    (await accepted).resetAndDestroy();
    await errored;
  });
  it('has no addresses once closed', async () => {
    const { port } = await listen(net.createServer((s) => s.resume()));
    const c = await createConnector(clock).connect({ address: '127.0.0.1', port, timeoutMs: 5000 });
    const ours = new Promise<void>((resolve) => c.stream.once('close', () => resolve()));
    c.close();
    await ours;
    expect(c.remoteAddress).toBe('');
    expect(c.localAddress).toBeNull();
  });
  it('connects over IPv6 loopback', async () => {
    const { port } = await listen(net.createServer(), '::1');
    const c = await connected(port, '::1');
    expect(c.remoteAddress).toBe('::1');
    expect(c.localAddress).toBe('::1');
  });
  it('reports a refused port as connection-refused with the errno', async () => {
    const port = await closedPort();
    const err = await failure<MxrayError>(createConnector(clock).connect({ address: '127.0.0.1', port, timeoutMs: 5000 }));
    expect(err).toBeInstanceOf(MxrayError);
    expect(err).toMatchObject({ code: 'connection-refused', detail: 'ECONNREFUSED' });
  });
  it('refuses a host name: names never reach the socket layer', async () => {
    const { port, sockets } = await listen(net.createServer());
    for (const address of ['localhost', 'mx.example.com', '']) {
      const err = await failure<MxrayError>(createConnector(clock).connect({ address, port, timeoutMs: 5000 }));
      expect(err).toBeInstanceOf(MxrayError);
      expect(err.code, address).toBe('internal-error');
      expect(err.message).not.toBe('');
    }
    expect(sockets).toHaveLength(0);
  });
  it('gives up with connection-timeout when the time is up before the connection is made', async () => {
    const { port } = await listen(net.createServer());
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const p = createConnector(clock).connect({ address: '127.0.0.1', port, timeoutMs: 3000 });
    vi.advanceTimersByTime(2999);
    const early = await Promise.race([p.then(() => 'settled', () => 'settled'), Promise.resolve('pending')]);
    expect(early).toBe('pending');
    vi.advanceTimersByTime(1);
    const err = await failure<MxrayError>(p);
    expect(err).toBeInstanceOf(MxrayError);
    expect(err).toMatchObject({ code: 'connection-timeout', detail: 'timeout', localAddress: null });
    expect(err.message).toContain('3000');
  });
  it('a time-out after the connection attempt left names our own address', async () => {
    const { port } = await listen(net.createServer());
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const p = createConnector(clock).connect({ address: '127.0.0.1', port, timeoutMs: 3000 });
    // The SYN is sent on the next tick; its answer is read in a later I/O phase.
    await new Promise((resolve) => process.nextTick(resolve));
    vi.advanceTimersByTime(3000);
    expect(await failure<MxrayError>(p)).toMatchObject({ code: 'connection-timeout', detail: 'timeout', localAddress: '127.0.0.1' });
  });
  it('clears its timer and abort listener once connected', async () => {
    const { port } = await listen(net.createServer());
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const ac = new AbortController();
    const c = await createConnector(clock).connect({ address: '127.0.0.1', port, timeoutMs: 3000, signal: ac.signal });
    cleanups.push(() => c.close());
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    ac.abort();
    expect(c.stream.destroyed).toBe(false);
  });
  it('gives up when aborted', async () => {
    const { port } = await listen(net.createServer());
    const ac = new AbortController();
    const p = createConnector(clock).connect({ address: '127.0.0.1', port, timeoutMs: 5000, signal: ac.signal });
    ac.abort();
    const err = await failure<MxrayError>(p);
    expect(err).toBeInstanceOf(MxrayError);
    expect(err.code).toBe('connection-timeout');
    expect(err.message).not.toBe('');
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
  it('a signal aborted before the call: no connection is even attempted', async () => {
    let accepted = 0;
    const { port } = await listen(net.createServer(() => accepted++));
    const err = await failure<MxrayError>(createConnector(clock).connect({ address: '127.0.0.1', port, timeoutMs: 5000, signal: AbortSignal.abort() }));
    expect(err).toMatchObject({ code: 'connection-timeout', detail: 'aborted', message: 'aborted' });
    await new Promise((r) => setTimeout(r, 20));
    expect(accepted).toBe(0);
  });
  it('clears its abort listener after a refusal', async () => {
    const port = await closedPort();
    const ac = new AbortController();
    await failure(createConnector(clock).connect({ address: '127.0.0.1', port, timeoutMs: 5000, signal: ac.signal }));
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
  it('reads what a failed connection attempt means from its errno', () => {
    const errno = (code: string) => Object.assign(new Error(`connect ${code} 192.0.2.25:25`), { code });
    expect(connectFailure(errno('ECONNREFUSED'))).toMatchObject({ code: 'connection-refused', detail: 'ECONNREFUSED', localAddress: null });
    // No route from here is told apart by its errno.
    expect(connectFailure(errno('ENETUNREACH'), '192.0.2.1')).toMatchObject({ code: 'connection-refused', detail: 'ENETUNREACH', localAddress: null });
    // The kernel gave up on the SYN: a time-out, with our own address (port 25 blocked on our side?).
    const timedOut = connectFailure(errno('ETIMEDOUT'), '192.0.2.1');
    expect(timedOut).toBeInstanceOf(MxrayError);
    expect(timedOut).toMatchObject({ code: 'connection-timeout', detail: 'ETIMEDOUT', localAddress: '192.0.2.1' });
    expect(timedOut.message).not.toBe('');
    // An error without an errno: no detail, and the message says what happened.
    const odd = connectFailure(new Error('something odd'));
    expect(odd).toMatchObject({ code: 'connection-refused', detail: null });
    expect(odd.message).toContain('something odd');
    expect(connectFailure(errno('EHOSTUNREACH')).message).toContain('EHOSTUNREACH');
  });
  it('names the bundled Mozilla roots as the default trust store', () => {
    const roots = bundledRootCertificates();
    expect(roots).toBe(tls.rootCertificates);
  });
});

/** A loopback TLS server (TLS from the first byte: the STARTTLS dialogue is not the connector's business). */
async function tlsServer(options: tls.TlsOptions, onSecure?: (s: tls.TLSSocket) => void) {
  let accepted: (s: tls.TLSSocket) => void = () => undefined;
  /** The server's side of the first connection, once its handshake is done. */
  const secure = new Promise<tls.TLSSocket>((resolve) => (accepted = resolve));
  const server = tls.createServer(options, (s) => {
    s.on('error', () => undefined);
    cleanups.push(() => s.destroy());
    onSecure?.(s);
    accepted(s);
  });
  server.on('tlsClientError', () => undefined);
  const { port } = await listen(server);
  const servername = async () => ((await secure) as tls.TLSSocket & { servername?: string | false }).servername;
  return { port, secure, servername, server };
}

/** A loopback relay to `port`: the test sees (and can write on) its side of each connection from us. */
async function relayTo(port: number) {
  const downs: net.Socket[] = [];
  const ups: net.Socket[] = [];
  const relay = await listen(
    net.createServer((down) => {
      const up = net.connect({ host: '127.0.0.1', port });
      up.on('error', () => undefined);
      cleanups.push(() => up.destroy());
      down.pipe(up);
      up.pipe(down);
      downs.push(down);
      ups.push(up);
    }),
  );
  return { port: relay.port, downs, ups };
}

describe('Connection.startTls: a handshake that works', () => {
  it('returns the facts of the handshake and carries data inside TLS', async () => {
    const { port, secure, servername } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem }, (s) => s.write('220 inside TLS\r\n'));
    const c = await connected(port);
    const h = await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    expect(h.protocol).toBe('TLSv1.3');
    expect(h.cipher).toMatch(/^TLS_AES_(128|256)_GCM_SHA(256|384)$|^TLS_CHACHA20_POLY1305_SHA256$/);
    expect(h.cipherStandard).toBe(h.cipher);
    expect(h.group).toBe('X25519');
    expect(h.peerChain).toEqual([ecLeaf.der]);
    expect(h.ocspResponse).toBeNull();
    expect(await servername()).toBe(MX);
    expect(await receive(c.stream, '\r\n')).toBe('220 inside TLS\r\n');
    const got = receive(await secure, '\r\n');
    c.stream.write('EHLO client.example\r\n');
    expect(await got).toBe('EHLO client.example\r\n');
  });
  it('measures the handshake with the injected clock', async () => {
    const { port } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem });
    const times = [1000, 1012.3456];
    const ticking: Clock = { now: () => 0, monotonic: () => times.shift() ?? 9999, sleep: async () => {} };
    const c = await connected(port, '127.0.0.1', ticking);
    const h = await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    expect(h.handshakeMs).toBe(12.346);
  });
  it('sends no SNI when told so', async () => {
    const { port, servername } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem });
    const c = await connected(port);
    await c.startTls({ servername: null, profile: TLS_NORMAL, timeoutMs: 5000 });
    expect(await servername()).toBe(false);
  });
  it('returns every certificate the server sent, leaf first', async () => {
    const { port } = await tlsServer({ key: chain.leaf.keyPem, cert: chain.leaf.certPem + chain.intermediate.certPem + chain.root.certPem });
    const c = await connected(port);
    const h = await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    expect(h.peerChain).toEqual([chain.leaf.der, chain.intermediate.der, chain.root.der]);
  });
  it('reads the chain exactly as sent (order, a stray, a duplicate), in TLS 1.3 and 1.2, where Node reorders and drops', async () => {
    const cert = chain.leaf.certPem + ecLeaf.certPem + chain.intermediate.certPem + chain.intermediate.certPem;
    const asSent = [chain.leaf.der, ecLeaf.der, chain.intermediate.der, chain.intermediate.der];
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const { port } = await tlsServer({ key: chain.leaf.keyPem, cert, maxVersion });
      const c = await connected(port);
      const h = await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
      expect(h.protocol).toBe(maxVersion);
      expect(h.sentChain, maxVersion).toEqual(asSent);
      expect(h.sentChainProblem).toBeNull();
      expect(h.peerChain).toEqual([chain.leaf.der, chain.intermediate.der]);
    }
  });
  it('returns an incomplete chain as far as it goes', async () => {
    const { port } = await tlsServer({ key: chain.leaf.keyPem, cert: chain.leaf.certPem + chain.intermediate.certPem });
    const c = await connected(port);
    expect((await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 })).peerChain).toEqual([chain.leaf.der, chain.intermediate.der]);
  });
  it('returns at most 20 certificates of a longer chain', async () => {
    const { port } = await tlsServer({ key: long[0]!.keyPem, cert: long.map((c) => c.certPem).join('') });
    const c = await connected(port);
    const h = await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    expect(long).toHaveLength(22);
    expect(h.peerChain).toEqual(long.slice(0, 20).map((c) => c.der));
  });
  it('legacy mode stops at TLS 1.2 and names a finite-field group by type and size', async () => {
    const { port } = await tlsServer({ key: rsaLeaf.keyPem, cert: rsaLeaf.certPem, dhparam: 'auto', ciphers: 'DHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' });
    const c = await connected(port);
    const h = await c.startTls({ servername: MX, profile: TLS_LEGACY, timeoutMs: 5000 });
    expect(h.protocol).toBe('TLSv1.2');
    expect(h.cipher).toBe('DHE-RSA-AES128-GCM-SHA256');
    expect(h.cipherStandard).toBe('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(h.group).toBe('DH 2048');
  });
  it('legacy mode negotiates TLS 1.2 with a server that offers 1.3', async () => {
    const { port } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem });
    const c = await connected(port);
    const h = await c.startTls({ servername: MX, profile: TLS_LEGACY, timeoutMs: 5000 });
    expect(h.protocol).toBe('TLSv1.2');
    expect(h.group).toBe('X25519');
  });
  it('legacy mode reaches what the normal mode refuses: TLS 1.0 and NULL ciphers', async () => {
    const old = await tlsServer({ key: rsaLeaf.keyPem, cert: rsaLeaf.certPem, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'AES128-SHA:@SECLEVEL=0' });
    const c1 = await connected(old.port);
    expect(await c1.startTls({ servername: MX, profile: TLS_LEGACY, timeoutMs: 5000 })).toMatchObject({ protocol: 'TLSv1', cipher: 'AES128-SHA' });
    const c2 = await connected(old.port);
    expect(await failure(c2.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 }))).toBeInstanceOf(TlsHandshakeError);
    const nul = await tlsServer({ key: rsaLeaf.keyPem, cert: rsaLeaf.certPem, maxVersion: 'TLSv1.2', ciphers: 'NULL-SHA256:@SECLEVEL=0' });
    const c3 = await connected(nul.port);
    expect(await c3.startTls({ servername: MX, profile: TLS_LEGACY, timeoutMs: 5000 })).toMatchObject({ protocol: 'TLSv1.2', cipher: 'NULL-SHA256' });
    const c4 = await connected(nul.port);
    expect(await failure(c4.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 }))).toBeInstanceOf(TlsHandshakeError);
  });
  it('names no group when the key exchange has none (RSA key transport)', async () => {
    const { port } = await tlsServer({ key: rsaLeaf.keyPem, cert: rsaLeaf.certPem, maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' });
    const c = await connected(port);
    expect(await c.startTls({ servername: MX, profile: TLS_LEGACY, timeoutMs: 5000 })).toMatchObject({ cipher: 'AES128-GCM-SHA256', group: null });
  });
  it('returns a stapled OCSP response', async () => {
    const stapled = Buffer.from('an OCSP response, as far as this test is concerned');
    const { port, server } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem });
    server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, callback: (err: Error | null, response: Buffer) => void) => callback(null, stapled));
    const c = await connected(port);
    expect((await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 })).ocspResponse).toEqual(stapled);
  });
  it('starts TLS on a stream the cleartext reader had paused', async () => {
    const { port } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem }, (s) => s.write('220 inside TLS\r\n'));
    const c = await connected(port);
    c.stream.pause();
    await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    expect(await receive(c.stream, '\r\n')).toBe('220 inside TLS\r\n');
  });
  it('keeps data flowing when the reader inside TLS is slower than the server', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
    const { port, secure } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem });
    const c = await connected(port);
    await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    c.stream.pause();
    (await secure).end(big);
    // Let the socket fill the buffers while nobody reads.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    let got = 0;
    c.stream.on('data', (chunk: Buffer) => (got += chunk.length));
    c.stream.resume();
    await ended(c.stream);
    expect(got).toBe(big.length);
  });
  it('clears its timer and abort listener after the handshake', async () => {
    const { port } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem });
    const c = await connected(port);
    const ac = new AbortController();
    await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000, signal: ac.signal });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    ac.abort();
    expect(c.stream.destroyed).toBe(false);
  });
  it('passes the end of the stream both ways through the tap', async () => {
    const { port, secure } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem });
    const c = await connected(port);
    await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    const server = await secure;
    server.resume();
    const serverEnded = ended(server);
    c.stream.end();
    await serverEnded;
    c.stream.resume();
    const clientEnded = ended(c.stream);
    server.end();
    await clientEnded;
  });
  it('ending the TLS stream ends the TCP connection under it (FIN after close_notify)', async () => {
    const { port: tlsPort } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem });
    const relay = await relayTo(tlsPort);
    const c = await connected(relay.port);
    await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    // From here the server hears nothing more, so the FIN can only come from us, not as its answer.
    const down = relay.downs[0]!;
    down.unpipe(relay.ups[0]!);
    const fin = new Promise<void>((resolve) => down.once('end', () => resolve()));
    down.resume();
    c.stream.end();
    await fin;
  });
  it('destroying the TLS stream closes the TCP connection under it', async () => {
    const { port, secure } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem });
    const c = await connected(port);
    await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    const server = await secure;
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    c.stream.destroy();
    await closed;
  });
  it('an error after the handshake, while nobody reads, does not take the process down', async () => {
    const { port: tlsPort } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem });
    const relay = await relayTo(tlsPort);
    const c = await connected(relay.port);
    await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    // Watch the stream's events without listening for 'error' ourselves.
    const emitted: string[] = [];
    const emit = c.stream.emit.bind(c.stream);
    let wake: () => void = () => undefined;
    const errored = new Promise<void>((resolve) => (wake = resolve));
    c.stream.emit = (event: string | symbol, ...args: unknown[]) => {
      emitted.push(String(event));
      if (event === 'error') wake();
      return emit(event, ...args);
    };
    c.stream.resume();
    relay.downs[0]!.write('not a TLS record at all');
    await errored;
    expect(emitted).toContain('error');
  });
});

describe('Connection.startTls: handshakes that fail', () => {
  it('against a plain server: TlsHandshakeError with what the server sent instead', async () => {
    const { port } = await listen(
      net.createServer((s) => {
        s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
      }),
    );
    const c = await connected(port);
    const err = await failure<TlsHandshakeError>(c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 }));
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect(err.name).toBe('TlsHandshakeError');
    expect(err.timedOut).toBe(false);
    // Node's code for the OpenSSL failure, and OpenSSL's short reason as the message.
    expect(err.reason).toMatch(/^ERR_SSL_/);
    expect(err.message).not.toBe('');
    expect(err.message).not.toMatch(/SSL routines/);
    expect(err.seen).toEqual({
      bytes: 28,
      notTls: true,
      preview: 'HTTP/1.1 400 Bad Request....',
      serverHello: false,
      certificate: false,
      encrypted: false,
      alert: null,
      certificateRequest: false,
      certificateBytes: null,
      serverHelloDone: false,
      encryptedBytes: 0,
    });
    expect(c.stream.destroyed).toBe(true);
  });
  it('against a TLS server that refuses our versions: the alert by name', async () => {
    const { port } = await tlsServer({ key: ecLeaf.keyPem, cert: ecLeaf.certPem, minVersion: 'TLSv1.3' });
    const c = await connected(port);
    const err = await failure<TlsHandshakeError>(c.startTls({ servername: MX, profile: TLS_LEGACY, timeoutMs: 5000 }));
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect(err.timedOut).toBe(false);
    expect(err.seen).toMatchObject({ notTls: false, alert: 'protocol_version', serverHello: false });
  });
  it('a server that hangs up after the ClientHello: connection reset, nothing seen', async () => {
    const { port } = await listen(net.createServer((s) => s.once('data', () => s.end())));
    const c = await connected(port);
    const err = await failure<TlsHandshakeError>(c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 }));
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect(err).toMatchObject({ reason: 'ECONNRESET', timedOut: false, message: expect.stringMatching(/reset/) });
    expect(err.seen).toMatchObject({ bytes: 0, notTls: false });
  });
  it('a server that resets the connection after the ClientHello: connection reset', async () => {
    const { port } = await listen(net.createServer((s) => s.once('data', () => s.resetAndDestroy())));
    const c = await connected(port);
    const err = await failure<TlsHandshakeError>(c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 }));
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect(err).toMatchObject({ reason: 'ECONNRESET', timedOut: false });
  });
  it('closing the connection during the handshake ends it with reason closed', async () => {
    const { port } = await listen(net.createServer());
    const c = await connected(port);
    const p = c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    c.close();
    const err = await failure<TlsHandshakeError>(p);
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect(err).toMatchObject({ reason: 'closed', timedOut: false });
    expect(err.message).not.toBe('');
  });
  it('reads what a failed handshake means from the error Node gives', () => {
    const seen: TlsRecordSummary = { ...emptyRecordSummary(), bytes: 7, alert: 'handshake_failure' };
    const openssl = Object.assign(new Error('C0:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure'), {
      code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      reason: 'sslv3 alert handshake failure',
    });
    const e1 = handshakeFailure(openssl, seen);
    expect(e1).toBeInstanceOf(TlsHandshakeError);
    expect(e1).toMatchObject({ reason: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', message: 'sslv3 alert handshake failure', timedOut: false, seen });
    // Without a code, the reason stands for it; without a reason, the message.
    expect(handshakeFailure(Object.assign(new Error('long text'), { reason: 'short reason' }), seen)).toMatchObject({ reason: 'short reason', message: 'short reason' });
    expect(handshakeFailure(new Error('only a message'), seen)).toMatchObject({ reason: 'only a message', message: 'only a message' });
    const reset = handshakeFailure(Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), { code: 'ECONNRESET' }), seen);
    expect(reset).toMatchObject({ reason: 'ECONNRESET', message: expect.stringMatching(/reset/) });
  });
  it('a silent server: timeout when the time is up, with nothing seen', async () => {
    const { port } = await listen(net.createServer());
    const c = await connected(port);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const p = c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 4000 });
    vi.advanceTimersByTime(3999);
    expect(await Promise.race([p.then(() => 'settled', () => 'settled'), Promise.resolve('pending')])).toBe('pending');
    vi.advanceTimersByTime(1);
    const err = await failure<TlsHandshakeError>(p);
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect(err).toMatchObject({ reason: 'timeout', timedOut: true });
    expect(err.message).toContain('4000');
    expect(err.seen.bytes).toBe(0);
    expect(c.stream.destroyed).toBe(true);
  });
  it('a signal aborted before the handshake: it fails at once as aborted', async () => {
    const { port } = await listen(net.createServer());
    const c = await connected(port);
    const err = await failure<TlsHandshakeError>(c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000, signal: AbortSignal.abort() }));
    expect(err).toMatchObject({ reason: 'aborted', timedOut: true });
    expect(c.stream.destroyed).toBe(true);
  });
  it('aborted: reason aborted, counted as timed out', async () => {
    const { port } = await listen(net.createServer());
    const c = await connected(port);
    const ac = new AbortController();
    const p = c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000, signal: ac.signal });
    ac.abort();
    const err = await failure<TlsHandshakeError>(p);
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect(err).toMatchObject({ reason: 'aborted', timedOut: true });
    expect(err.message).not.toBe('');
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
});

describe('the connection: what the record layer shows, and a polite end', () => {
  /** A TLS server that starts TLS at once, and the connection it sees. */
  async function tlsAtOnce(tlsOptions: Omit<ScriptedServerTls, 'key' | 'cert'> = {}): Promise<{ port: number; seen: () => ScriptConnection }> {
    let conn: ScriptConnection | null = null;
    const server = await startScriptedServer(
      (c) => {
        conn = c;
        return { greeting: () => [{ type: 'starttls' }] };
      },
      { tls: { key: rsaLeaf.keyPem, cert: rsaLeaf.certPem, ...tlsOptions } },
    );
    cleanups.push(() => void server.stop());
    return {
      port: server.port,
      seen: () => {
        expect(conn).not.toBeNull();
        return conn!;
      },
    };
  }
  const closedStream = (c: Connection) => new Promise<void>((resolve) => (c.stream.destroyed ? resolve() : c.stream.once('close', () => resolve())));

  // Regression: close() destroyed the sockets at once: no TLS close_notify, so Exim logged "TLS error
  // on connection … (recv): The TLS connection was non-properly terminated".
  it('close() inside TLS sends close_notify (an alert record, visible in TLS 1.2) and then FIN', async () => {
    const { port, seen } = await tlsAtOnce({ maxVersion: 'TLSv1.2' });
    const c = await connected(port);
    const h = await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    expect(h.protocol).toBe('TLSv1.2');
    const closed = closedStream(c);
    c.close();
    await closed;
    expect(seen().recordsAfterHandshake).toEqual([21]);
    expect(seen().clientEnd).toBe('fin');
  });
  it('a handshake that worked carries what the record layer saw: TLS 1.2 shows the first flight and whether a client certificate was asked for', async () => {
    const plain = await tlsAtOnce({ maxVersion: 'TLSv1.2' });
    const h1 = await (await connected(plain.port)).startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    expect(recordsOf(h1)).toMatchObject({ serverHello: true, certificate: true, certificateRequest: false, serverHelloDone: true, alert: null });
    const asking = await tlsAtOnce({ maxVersion: 'TLSv1.2', clientCertificate: 'ask' });
    const h2 = await (await connected(asking.port)).startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    expect(recordsOf(h2)).toMatchObject({ certificateRequest: true, serverHelloDone: true });
    // A handshake that did not come from this connector (a test's fake) shows nothing.
    expect(recordsOf({ ...h2, records: undefined } as unknown as TlsHandshake)).toBeNull();
  });
  it('a server that requires a client certificate: TLS 1.2 fails with the request and its alert; TLS 1.3 works, then the alert ends the stream', async () => {
    const v12 = await tlsAtOnce({ maxVersion: 'TLSv1.2', clientCertificate: 'require' });
    const err = await failure<TlsHandshakeError>((await connected(v12.port)).startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 }));
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect(err.reason).toBe('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
    expect(err.seen).toMatchObject({ certificateRequest: true, alert: 'handshake_failure', serverHelloDone: true });
    const v13 = await tlsAtOnce({ clientCertificate: 'require' });
    const c = await connected(v13.port);
    const h = await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    expect(h.protocol).toBe('TLSv1.3');
    const streamError = await new Promise<NodeJS.ErrnoException>((resolve) => c.stream.once('error', resolve));
    expect(streamError.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  });
  it('no handshake on a connection the server has already closed: TlsHandshakeError closed at once, nothing sent', async () => {
    const { port, server } = await listen(net.createServer((s) => s.end('220 bye\r\n')));
    const got: Buffer[] = [];
    server.on('connection', (s: net.Socket) => s.on('data', (d: Buffer) => got.push(d)));
    const c = await connected(port);
    c.stream.resume();
    await ended(c.stream);
    const err = await failure<TlsHandshakeError>(c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 }));
    expect(err).toMatchObject({ reason: 'closed', timedOut: false });
    expect(err.seen).toEqual(emptyRecordSummary());
    expect(Buffer.concat(got).length).toBe(0);
  });
  it('close() during a handshake stops it at once (no polite end to a session that never began)', async () => {
    const { port } = await listen(net.createServer((s) => s.resume()));
    const c = await connected(port);
    const p = c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 60_000 });
    c.close();
    expect(c.stream.destroyed).toBe(true);
    await expect(p).rejects.toMatchObject({ reason: 'closed' });
  });
  it('close() of a connection already gone just frees it', async () => {
    const { port, sockets } = await listen(net.createServer());
    const c = await connected(port);
    await new Promise((resolve) => setImmediate(resolve));
    const closed = closedStream(c);
    for (const s of sockets) s.destroy();
    c.stream.resume();
    await closed;
    c.close();
    expect(c.stream.destroyed).toBe(true);
  });
  it('a server that never closes its side is let go after CLOSE_GRACE_MS', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { port } = await listen(net.createServer({ allowHalfOpen: true }, (s) => s.resume()));
    const c = await connected(port);
    c.close();
    expect(c.stream.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(CLOSE_GRACE_MS - 1);
    expect(c.stream.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(c.stream.destroyed).toBe(true);
    expect(CLOSE_GRACE_MS).toBe(2000);
  });
  it('close() again while the server is given its time does not cut the polite end short', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { port } = await listen(net.createServer({ allowHalfOpen: true }, (s) => s.resume()));
    const c = await connected(port);
    c.close();
    c.close();
    expect(c.stream.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(CLOSE_GRACE_MS - 1);
    expect(c.stream.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(c.stream.destroyed).toBe(true);
  });
});
