// The chain as sent, recovered from the server's bytes: real handshakes on loopback against Node
// (OpenSSL) servers that send their chain in an odd order, with a stray certificate and a
// duplicate, in TLS 1.2 and in TLS 1.3 with every cipher suite, a HelloRetryRequest, padded
// records and a chain spanning several records; RFC 8448's published trace as a known answer;
// sealed records of our own under RFC 8448's published key for what OpenSSL never sends; and
// hostile bytes (truncated, garbage, oversized, wrong secrets), which give a reason, never a throw.
import { spawn } from 'node:child_process';
import { createCipheriv, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, type IssuedCert } from '../../../src/demo/test-pki.js';
import { MAX_CERTIFICATES, MAX_RECORD_BODY, MAX_SECRETS, MAX_SERVER_BYTES, recoverSentChain, type SentChain } from '../../../src/tls/sent-chain.js';

const MX = 'mx.sent-chain.test';

// ---------------------------------------------------------------------------------------------
// Certificates: a leaf under an intermediate, a stray certificate from another PKI, a long chain.
// ---------------------------------------------------------------------------------------------

let ecLeaf: IssuedCert;
let rsaLeaf: IssuedCert;
let intermediate: IssuedCert;
let stray: IssuedCert;
/** A leaf and 40 intermediates, leaf first: over 16 KiB, so more than one record. */
let long: IssuedCert[];

beforeAll(async () => {
  const now = Date.now();
  const root = await createRootCa('mxray sent-chain root', now);
  const inter = await root.intermediate('mxray sent-chain intermediate');
  intermediate = inter.cert;
  ecLeaf = await inter.issue({ commonName: MX, key: 'ec' });
  rsaLeaf = await inter.issue({ commonName: MX, key: 'rsa2048' });
  const other = await createRootCa('mxray sent-chain other root', now);
  stray = await other.issue({ commonName: 'stray.sent-chain.test', key: 'rsa2048' });
  const cas = [root];
  for (let i = 1; i <= 40; i++) cas.push(await cas[i - 1]!.intermediate(`mxray sent-chain long intermediate ${i}`, { pathLen: null }));
  long = [await cas[40]!.issue({ commonName: MX }), ...cas.slice(1).reverse().map((ca) => ca.cert)];
});

/** What each server is configured to send: leaf, a stray, the intermediate twice. */
const oddChain = (leaf: IssuedCert) => [leaf, stray, intermediate, intermediate];
const pems = (certs: IssuedCert[]) => certs.map((c) => c.certPem).join('');
const ders = (certs: IssuedCert[]) => certs.map((c) => c.der);

// ---------------------------------------------------------------------------------------------
// Loopback servers and a tapped client
// ---------------------------------------------------------------------------------------------

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function listenTls(options: tls.TlsOptions): Promise<number> {
  const server = tls.createServer(options);
  server.on('tlsClientError', () => undefined);
  const sockets: tls.TLSSocket[] = [];
  server.on('secureConnection', (s: tls.TLSSocket) => {
    sockets.push(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

interface Tapped {
  /** Every byte the server sent until our side of the handshake was done. */
  serverBytes: Buffer;
  keylog: Buffer[];
  /** getPeerCertificate(true)'s chain, walked as the connector walks it. */
  peerChain: Buffer[];
  protocol: string | null;
  cipher: string;
  reused: boolean;
  session: Promise<Buffer>;
}

/** A TLS client over a tap in front of a net.Socket, as src/net/connector.ts runs it. */
function connectTapped(port: number, options: tls.ConnectionOptions = {}): Promise<Tapped> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const tap = new Duplex({
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
      chunks.push(Buffer.from(chunk));
      if (!tap.push(chunk)) socket.pause();
    });
    socket.on('end', () => tap.push(null));
    socket.on('error', (err) => tap.destroy(err));
    const keylog: Buffer[] = [];
    const secure = tls.connect({ socket: tap, ca: [], rejectUnauthorized: false, servername: MX, ...options });
    secure.on('keylog', (line: Buffer) => keylog.push(line));
    const session = new Promise<Buffer>((resolveSession) => secure.once('session', resolveSession));
    cleanups.push(() => {
      secure.destroy();
      socket.destroy();
    });
    secure.once('error', reject);
    secure.once('secureConnect', () => {
      const peerChain: Buffer[] = [];
      const seen = new Set<string>();
      let cert: tls.DetailedPeerCertificate | undefined = secure.getPeerCertificate(true);
      while (cert?.raw && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        peerChain.push(Buffer.from(cert.raw));
        cert = cert.issuerCertificate;
      }
      resolve({
        serverBytes: Buffer.concat(chunks),
        keylog: [...keylog],
        peerChain,
        protocol: secure.getProtocol(),
        cipher: secure.getCipher().standardName,
        reused: secure.isSessionReused(),
        session,
      });
    });
  });
}

/** Record framing, read by the test itself: [type, body length] of each whole record. */
function recordsOf(bytes: Buffer): { type: number; length: number; offset: number }[] {
  const out: { type: number; length: number; offset: number }[] = [];
  for (let off = 0; off + 5 <= bytes.length; ) {
    const length = bytes.readUInt16BE(off + 3);
    if (off + 5 + length > bytes.length) break;
    out.push({ type: bytes[off]!, length, offset: off });
    off += 5 + length;
  }
  return out;
}

const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

const ok = (chain: IssuedCert[], version: string): SentChain => ({ chain: ders(chain), version: version as SentChain['version'], error: null, alert: null });

// ---------------------------------------------------------------------------------------------

describe('recoverSentChain: TLS 1.2, the Certificate message in the clear', () => {
  it.each([
    ['ECDHE-ECDSA', () => ecLeaf, 'ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
    ['ECDHE-RSA', () => rsaLeaf, 'ECDHE-RSA-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
  ])('%s: leaf, stray, intermediate twice — exactly as configured, unlike getPeerCertificate', async (_name, leafOf, ciphers, standardName) => {
    const leaf = leafOf();
    const port = await listenTls({ key: leaf.keyPem, cert: pems(oddChain(leaf)), maxVersion: 'TLSv1.2', ciphers });
    const tapped = await connectTapped(port, { maxVersion: 'TLSv1.2' });
    expect([tapped.protocol, tapped.cipher]).toEqual(['TLSv1.2', standardName]);

    const got = recoverSentChain({ serverBytes: tapped.serverBytes, keylog: tapped.keylog });
    expect(got).toEqual(ok(oddChain(leaf), 'TLSv1.2'));
    // Node reorders and drops: the stray and the duplicate are gone.
    expect(tapped.peerChain).toEqual([leaf.der, intermediate.der]);
    // No key log is needed in the clear.
    expect(recoverSentChain({ serverBytes: tapped.serverBytes })).toEqual(got);
  });

  it('a chain over 16 KiB spans several records and is read whole, in order', async () => {
    const port = await listenTls({ key: long[0]!.keyPem, cert: pems(long), maxVersion: 'TLSv1.2' });
    const tapped = await connectTapped(port, { maxVersion: 'TLSv1.2' });
    expect(ders(long).reduce((n, d) => n + d.length + 3, 0)).toBeGreaterThan(1 << 14);
    expect(recordsOf(tapped.serverBytes).filter((r) => r.type === 22 && r.length === 1 << 14).length).toBeGreaterThanOrEqual(1);
    expect(recoverSentChain({ serverBytes: tapped.serverBytes })).toEqual(ok(long, 'TLSv1.2'));
  });

  it('the same bytes in 1-byte handshake records, or one record holding every message, read the same', async () => {
    const port = await listenTls({ key: ecLeaf.keyPem, cert: pems(oddChain(ecLeaf)), maxVersion: 'TLSv1.2' });
    const { serverBytes } = await connectTapped(port, { maxVersion: 'TLSv1.2' });
    // The server's first flight: its handshake records before the ChangeCipherSpec.
    const records = recordsOf(serverBytes);
    const flight = records.slice(0, records.findIndex((r) => r.type !== 22));
    const stream = Buffer.concat(flight.map((r) => serverBytes.subarray(r.offset + 5, r.offset + 5 + r.length)));
    const tiny = Buffer.concat([...stream].map((b) => record(22, [b])));
    expect(recoverSentChain({ serverBytes: tiny })).toEqual(ok(oddChain(ecLeaf), 'TLSv1.2'));
    expect(recoverSentChain({ serverBytes: record(22, stream) })).toEqual(ok(oddChain(ecLeaf), 'TLSv1.2'));
  });

  it('a resumed session has no Certificate message: no-certificate', async () => {
    const port = await listenTls({ key: ecLeaf.keyPem, cert: pems(oddChain(ecLeaf)), maxVersion: 'TLSv1.2' });
    const first = await connectTapped(port, { maxVersion: 'TLSv1.2' });
    const again = await connectTapped(port, { maxVersion: 'TLSv1.2', session: await first.session });
    expect(again.reused).toBe(true);
    expect(recoverSentChain({ serverBytes: again.serverBytes })).toMatchObject({ chain: null, version: 'TLSv1.2', error: 'no-certificate' });
  });

  it('every truncation before the Certificate message ends is "truncated"; from there on the chain is whole', async () => {
    const port = await listenTls({ key: ecLeaf.keyPem, cert: pems(oddChain(ecLeaf)), maxVersion: 'TLSv1.2' });
    const { serverBytes } = await connectTapped(port, { maxVersion: 'TLSv1.2' });
    expectTruncationBoundary(serverBytes, [], oddChain(ecLeaf), 'TLSv1.2');
  });
});

describe('recoverSentChain: TLS 1.3, the Certificate message decrypted with the handshake secret', () => {
  it.each([
    ['TLS_AES_128_GCM_SHA256', 32],
    ['TLS_AES_256_GCM_SHA384', 48],
    ['TLS_CHACHA20_POLY1305_SHA256', 32],
    ['TLS_AES_128_CCM_SHA256', 32],
    ['TLS_AES_128_CCM_8_SHA256', 32],
  ])('%s: leaf, stray, intermediate twice — exactly as configured, unlike getPeerCertificate', async (suite, secretBytes) => {
    const port = await listenTls({ key: ecLeaf.keyPem, cert: pems(oddChain(ecLeaf)), minVersion: 'TLSv1.3', ciphers: suite });
    const tapped = await connectTapped(port, { ciphers: suite });
    expect([tapped.protocol, tapped.cipher]).toEqual(['TLSv1.3', suite]);
    const secretLine = tapped.keylog.map(String).find((l) => l.startsWith('SERVER_HANDSHAKE_TRAFFIC_SECRET '));
    expect(secretLine?.trim().split(' ')[2]).toHaveLength(secretBytes * 2);
    // Middlebox compatibility: OpenSSL sends a ChangeCipherSpec between ServerHello and the encrypted records.
    expect(recordsOf(tapped.serverBytes).map((r) => r.type).slice(0, 3)).toEqual([22, 20, 23]);

    expect(recoverSentChain({ serverBytes: tapped.serverBytes, keylog: tapped.keylog })).toEqual(ok(oddChain(ecLeaf), 'TLSv1.3'));
    expect(tapped.peerChain).toEqual([ecLeaf.der, intermediate.der]);
  });

  it('an RSA leaf, and key log lines given as strings', async () => {
    const port = await listenTls({ key: rsaLeaf.keyPem, cert: pems(oddChain(rsaLeaf)), minVersion: 'TLSv1.3' });
    const tapped = await connectTapped(port);
    const got = recoverSentChain({ serverBytes: tapped.serverBytes, keylog: tapped.keylog.map(String) });
    expect(got).toEqual(ok(oddChain(rsaLeaf), 'TLSv1.3'));
  });

  it('after a HelloRetryRequest (the server wants P-384, the client offered an X25519 share) the final handshake is read', async () => {
    const port = await listenTls({ key: ecLeaf.keyPem, cert: pems(oddChain(ecLeaf)), minVersion: 'TLSv1.3', ecdhCurve: 'P-384' });
    const tapped = await connectTapped(port);
    // The first record is a HelloRetryRequest: a ServerHello with the special random (RFC 8446 §4.1.3).
    expect(tapped.serverBytes.subarray(11, 43).toString('hex')).toBe(HRR_RANDOM);
    const types = recordsOf(tapped.serverBytes).map((r) => r.type);
    expect(types.slice(0, 4)).toEqual([22, 20, 22, 23]);
    expect(recoverSentChain({ serverBytes: tapped.serverBytes, keylog: tapped.keylog })).toEqual(ok(oddChain(ecLeaf), 'TLSv1.3'));
  });

  it('a chain over 16 KiB spans several encrypted records and is read whole, in order', async () => {
    const port = await listenTls({ key: long[0]!.keyPem, cert: pems(long), minVersion: 'TLSv1.3' });
    const tapped = await connectTapped(port);
    expect(recordsOf(tapped.serverBytes).filter((r) => r.type === 23 && r.length > 1 << 14).length).toBeGreaterThanOrEqual(1);
    expect(recoverSentChain({ serverBytes: tapped.serverBytes, keylog: tapped.keylog })).toEqual(ok(long, 'TLSv1.3'));
  });

  it('records padded by OpenSSL (RecordPadding 512, set through its configuration file) are unpadded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mxray-sent-chain-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const conf = join(dir, 'openssl.cnf');
    writeFileSync(
      conf,
      [
        'nodejs_conf = nodejs_init',
        '[nodejs_init]',
        'ssl_conf = ssl_sect',
        '[ssl_sect]',
        'system_default = system_default_sect',
        '[system_default_sect]',
        'RecordPadding = 512',
        '',
      ].join('\n'),
    );
    // A server in its own process: the configuration file is read when Node starts.
    const script = [
      "import tls from 'node:tls';",
      'const s = tls.createServer({ key: process.env.KEY, cert: process.env.CERT, minVersion: "TLSv1.3" });',
      "s.on('tlsClientError', () => {});",
      "s.listen(0, '127.0.0.1', () => console.log(s.address().port));",
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, OPENSSL_CONF: conf, KEY: ecLeaf.keyPem, CERT: pems(oddChain(ecLeaf)) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => child.kill());
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (code) => reject(new Error(`padding server exited with ${code}`)));
    });
    const tapped = await connectTapped(port);
    // Every encrypted record is padded to 512 bytes of inner plaintext (plus the 16-byte tag).
    const encrypted = recordsOf(tapped.serverBytes).filter((r) => r.type === 23);
    expect(encrypted.length).toBeGreaterThanOrEqual(4);
    expect(encrypted.map((r) => (r.length - 16) % 512)).toEqual(encrypted.map(() => 0));
    expect(recoverSentChain({ serverBytes: tapped.serverBytes, keylog: tapped.keylog })).toEqual(ok(oddChain(ecLeaf), 'TLSv1.3'));
  });

  it('a resumed session (PSK) has no Certificate message: no-certificate', async () => {
    const port = await listenTls({ key: ecLeaf.keyPem, cert: pems(oddChain(ecLeaf)), minVersion: 'TLSv1.3' });
    const first = await connectTapped(port);
    const again = await connectTapped(port, { session: await first.session });
    expect(again.reused).toBe(true);
    expect(recoverSentChain({ serverBytes: again.serverBytes, keylog: again.keylog })).toMatchObject({
      chain: null,
      version: 'TLSv1.3',
      error: 'no-certificate',
    });
  });

  it('the key log decides: no line, a wrong secret, a decoy before the right one, another client random', async () => {
    const port = await listenTls({ key: ecLeaf.keyPem, cert: pems(oddChain(ecLeaf)), minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' });
    const { serverBytes, keylog } = await connectTapped(port);
    const line = keylog.map(String).find((l) => l.startsWith('SERVER_HANDSHAKE_TRAFFIC_SECRET '))!;
    const [, random, secret] = line.trim().split(' ') as [string, string, string];
    const wrong = `SERVER_HANDSHAKE_TRAFFIC_SECRET ${random} ${'ab'.repeat(32)}\n`;
    const fail = (error: string) => ({ chain: null, version: 'TLSv1.3', error });
    const want = ok(oddChain(ecLeaf), 'TLSv1.3');

    expect(recoverSentChain({ serverBytes })).toMatchObject(fail('no-secret'));
    // Other secrets of the connection are not the server's handshake secret.
    expect(recoverSentChain({ serverBytes, keylog: keylog.filter((l) => !String(l).startsWith('SERVER_HANDSHAKE')) })).toMatchObject(fail('no-secret'));
    expect(recoverSentChain({ serverBytes, keylog: [wrong] })).toMatchObject(fail('decrypt-failed'));
    expect(recoverSentChain({ serverBytes, keylog: [wrong, ...keylog] })).toEqual(want);
    // Several lines in one entry, with CRLF, are read too.
    expect(recoverSentChain({ serverBytes, keylog: [`${wrong.trim()}\r\n${line.trim()}\r\n`] })).toEqual(want);
    // A SHA-384-sized secret cannot belong to a SHA-256 suite.
    expect(recoverSentChain({ serverBytes, keylog: [`SERVER_HANDSHAKE_TRAFFIC_SECRET ${random} ${secret}${'00'.repeat(16)}`] })).toMatchObject(fail('no-secret'));
    // Our client random picks the line; another random's lines are not tried.
    expect(recoverSentChain({ serverBytes, keylog, clientRandom: Buffer.from(random, 'hex') })).toEqual(want);
    expect(recoverSentChain({ serverBytes, keylog, clientRandom: Buffer.alloc(32, 7) })).toMatchObject(fail('no-secret'));
    // Upper-case hex is hex.
    expect(recoverSentChain({ serverBytes, keylog: [line.toUpperCase()], clientRandom: Buffer.from(random, 'hex') })).toEqual(want);
    // Bounded: the same wrong secret repeated is tried once; at most MAX_SECRETS distinct ones are tried.
    expect(recoverSentChain({ serverBytes, keylog: [...Array.from({ length: MAX_SECRETS }, () => wrong), line] })).toEqual(want);
    const wrongs = Array.from({ length: MAX_SECRETS }, (_, i) => `SERVER_HANDSHAKE_TRAFFIC_SECRET ${random} ${i.toString(16).padStart(64, '0')}`);
    expect(recoverSentChain({ serverBytes, keylog: [...wrongs.slice(1), line] })).toEqual(want);
    expect(recoverSentChain({ serverBytes, keylog: [...wrongs, line] })).toMatchObject(fail('decrypt-failed'));
    // Bounded: 64 key log entries at most, 4096 characters of each.
    expect(recoverSentChain({ serverBytes, keylog: [...Array.from({ length: 63 }, () => 'CLIENT_RANDOM x y'), line] })).toEqual(want);
    expect(recoverSentChain({ serverBytes, keylog: [...Array.from({ length: 64 }, () => 'CLIENT_RANDOM x y'), line] })).toMatchObject(fail('no-secret'));
    expect(recoverSentChain({ serverBytes, keylog: [`${'#'.repeat(4096 - line.trim().length - 1)}\n${line.trim()}`] })).toEqual(want);
    expect(recoverSentChain({ serverBytes, keylog: [`${'#'.repeat(4096 - line.trim().length)}\n${line.trim()}`] })).toMatchObject(fail('no-secret'));
    // A corrupted record after the first one: the secret was right, the record is not.
    const records = recordsOf(serverBytes).filter((r) => r.type === 23);
    const damaged = Buffer.from(serverBytes);
    damaged[records[1]!.offset + 10]! ^= 1;
    expect(recoverSentChain({ serverBytes: damaged, keylog })).toMatchObject(fail('decrypt-failed'));
  });

  it('every truncation before the Certificate record ends is "truncated"; from there on the chain is whole', async () => {
    const port = await listenTls({ key: ecLeaf.keyPem, cert: pems(oddChain(ecLeaf)), minVersion: 'TLSv1.3' });
    const { serverBytes, keylog } = await connectTapped(port);
    expectTruncationBoundary(serverBytes, keylog, oddChain(ecLeaf), 'TLSv1.3');
  });
});

/** Every prefix of `bytes` is "truncated" up to the end of some record, and the whole chain from there on. */
function expectTruncationBoundary(bytes: Buffer, keylog: Buffer[], chain: IssuedCert[], version: string): void {
  const want = ders(chain);
  const outcomes = Array.from({ length: bytes.length + 1 }, (_, n) => {
    const r = recoverSentChain({ serverBytes: bytes.subarray(0, n), keylog });
    if (r.error !== null) return r.chain === null ? r.error : 'chain with an error';
    const same = r.version === version && r.chain?.length === want.length && r.chain.every((d, i) => d.equals(want[i]!));
    return same ? 'whole' : 'wrong chain';
  });
  const first = outcomes.indexOf('whole');
  expect(first).toBeGreaterThan(want.reduce((n, d) => n + d.length, 0));
  expect(recordsOf(bytes).map((r) => r.offset + 5 + r.length)).toContain(first);
  expect(outcomes).toEqual(outcomes.map((_, n) => (n < first ? 'truncated' : 'whole')));
}

// ---------------------------------------------------------------------------------------------
// RFC 8448 §3 (Simple 1-RTT Handshake): the published ServerHello, encrypted flight and secret.
// ---------------------------------------------------------------------------------------------

const hex = (text: string) => Buffer.from(text.replace(/[^0-9a-f]/gi, ''), 'hex');
const RFC8448_SERVER_HELLO = hex(`
  16 03 03 00 5a 02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e
  d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25
  3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04`);
const RFC8448_FLIGHT = hex(`
  17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07 cc 87 b5 80 23 3f 50 0f 45 e4 89 e7 f3 3a f3 5e df 78 69 fc f4 0a
  a4 0a a2 b8 ea 73 f8 48 a7 ca 07 61 2e f9 f9 45 cb 96 0b 40 68 90 51 23 ea 78 b1 11 b4 29 ba 91 91 cd 05 d2 a3 89
  28 0f 52 61 34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 02 07
  16 cf b9 b1 18 3e f3 ab 20 e3 7d 57 a6 b9 d7 47 76 09 ae e6 e1 22 a4 cf 51 42 73 25 25 0c 7d 0e 50 92 89 44 4c 9b
  3a 64 8f 1d 71 03 5d 2e d6 5b 0e 3c dd 0c ba e8 bf 2d 0b 22 78 12 cb b3 60 98 72 55 cc 74 41 10 c4 53 ba a4 fc d6
  10 92 8d 80 98 10 e4 b7 ed 1a 8f d9 91 f0 6a a6 24 82 04 79 7e 36 a6 a7 3b 70 a2 55 9c 09 ea d6 86 94 5b a2 46 ab
  66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8 94 41 ac 66 27 2f d8 fb 33 0e f8 19 05 79 b3 68 45 96 c9 60 bd 59 6e ea 52 0a
  56 a8 d6 50 f5 63 aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e a5 e2 2f 44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26
  4e d6 54 0c 84 83 8d 89 f7 2c 24 46 1a ad 6d 26 f5 9e ca ba 9a cb bb 31 7b 66 d9 02 f4 f2 92 a3 6a c1 b6 39 c6 37
  ce 34 31 17 b6 59 62 22 45 31 7b 49 ee da 0c 62 58 f1 00 d7 d9 61 ff b1 38 64 7e 92 ea 33 0f ae ea 6d fa 31 c7 a8
  4d c3 bd 7e 1b 7a 6c 71 78 af 36 87 90 18 e3 f2 52 10 7f 24 3d 24 3d c7 33 9d 56 84 c8 b0 37 8b f3 02 44 da 8c 87
  c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4 61 e6 6f 99 88 2b d8 9f
  c5 08 00 be cc a6 2d 6c 74 11 6d bd 29 72 fd a1 fa 80 f8 5d f8 81 ed be 5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c
  69 18 a3 96 fa 48 a1 81 d6 b6 fa 4f 9d 62 d5 13 af bb 99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb 56 30 c8 ca
  01 e0 c6 5d 11 c6 6a 1e 2a c4 c8 59 77 b7 c7 a6 99 9b bf 10 dc 35 ae 69 f5 51 56 14 63 6c 0b 9b 68 c1 9e d2 e3 1c
  0b 3b 66 76 30 38 eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 8c 31 7f c9 fa 66 a7 3f 60 f0 50 4d e9 3b 5b 84
  5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78 40 16 e4 b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5 d2 af 93 98 28 fd
  4a e3 79 4e 44 f9 4d f5 a6 31 ed e4 2c 17 19 bf da bf 02 53 fe 51 75 be 89 8e 75 0e dc 53 37 0d 2b`);
const RFC8448_CLIENT_RANDOM = 'cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7';
const RFC8448_SECRET = 'b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38';
// The record key and IV the trace derives from that secret: the test seals records of its own with them.
const RFC8448_KEY = hex('3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc');
const RFC8448_IV = hex('5d 31 3e b2 67 12 76 ee 13 00 0b 30');
const RFC8448_KEYLOG = [`SERVER_HANDSHAKE_TRAFFIC_SECRET ${RFC8448_CLIENT_RANDOM} ${RFC8448_SECRET}\n`];

describe('recoverSentChain: RFC 8448, a trace nobody here produced', () => {
  it('reads the one RSA certificate of the published handshake (key and IV from HKDF-Expand-Label)', () => {
    const got = recoverSentChain({ serverBytes: Buffer.concat([RFC8448_SERVER_HELLO, RFC8448_FLIGHT]), keylog: RFC8448_KEYLOG, clientRandom: hex(RFC8448_CLIENT_RANDOM) });
    expect(got).toMatchObject({ version: 'TLSv1.3', error: null });
    expect(got.chain).toHaveLength(1);
    expect(new X509Certificate(got.chain![0]!).subject).toBe('CN=rsa');
  });
});

// ---------------------------------------------------------------------------------------------
// Records of our own: TLS 1.2 messages, and TLS 1.3 records sealed under RFC 8448's key.
// ---------------------------------------------------------------------------------------------

function record(type: number, body: number[] | Buffer, version = [3, 3]): Buffer {
  return Buffer.concat([Buffer.from([type, ...version, body.length >> 8, body.length & 0xff]), Buffer.from(body)]);
}
const u24 = (n: number) => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const message = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type, ...u24(body.length)]), body]);
/** A TLS 1.2 (or older) ServerHello: version, random, empty session id, suite, no compression, no extensions. */
const serverHello12 = (version = 0x0303) => message(2, Buffer.concat([Buffer.from([version >> 8, version & 0xff]), Buffer.alloc(32, 1), Buffer.from([0, 0xc0, 0x2f, 0])]));
const certificate12 = (certs: Buffer[]) => {
  const list = Buffer.concat(certs.map((c) => Buffer.concat([Buffer.from(u24(c.length)), c])));
  return message(11, Buffer.concat([Buffer.from(u24(list.length)), list]));
};
const certificate13 = (certs: Buffer[], context = Buffer.alloc(0)) => {
  const list = Buffer.concat(certs.map((c) => Buffer.concat([Buffer.from(u24(c.length)), c, Buffer.from([0, 4, 0, 5, 0, 0])])));
  return message(11, Buffer.concat([Buffer.from([context.length]), context, Buffer.from(u24(list.length)), list]));
};
const encryptedExtensions = message(8, Buffer.from([0, 0]));
const finished = message(20, Buffer.alloc(32, 9));

/** A TLSCiphertext under RFC 8448's server handshake key at `sequence` (RFC 8446 §5.2, §5.3). */
function seal(sequence: number, content: Buffer, innerType: number | null = 22, padding = 0): Buffer {
  const inner = Buffer.concat([content, Buffer.from(innerType === null ? [] : [innerType]), Buffer.alloc(padding)]);
  const header = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
  const nonce = Buffer.from(RFC8448_IV);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ sequence) >>> 0, 8);
  const cipher = createCipheriv('aes-128-gcm', RFC8448_KEY, nonce);
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([header, body]);
}
const flight13 = (...records: Buffer[]) => recoverSentChain({ serverBytes: Buffer.concat([RFC8448_SERVER_HELLO, ...records]), keylog: RFC8448_KEYLOG });

/** Distinct stand-ins for certificates: the parser never looks inside them. */
const fakeCerts = (n: number, size = 5) => Array.from({ length: n }, (_, i) => Buffer.alloc(size, i + 1));

describe('recoverSentChain: TLS 1.3 records sealed here', () => {
  it('strips zero padding, reads messages split across records and records with several messages, skips ChangeCipherSpec', () => {
    const certs = fakeCerts(3, 300);
    const cert = certificate13(certs, Buffer.from([1, 2]));
    const ccs = record(20, [1]);
    const got = flight13(ccs, seal(0, encryptedExtensions, 22, 100), seal(1, cert.subarray(0, 200)), ccs, seal(2, Buffer.concat([cert.subarray(200), finished]), 22, 3));
    expect(got).toEqual({ chain: certs, version: 'TLSv1.3', error: null, alert: null });
  });

  it('a CertificateRequest before the Certificate is skipped', () => {
    const certs = fakeCerts(2);
    const request = message(13, Buffer.from([0, 0, 0]));
    expect(flight13(seal(0, Buffer.concat([encryptedExtensions, request, certificate13(certs)])))).toMatchObject({ chain: certs, error: null });
  });

  it('says why when the encrypted handshake holds no usable Certificate', () => {
    const fail = (error: string) => ({ chain: null, version: 'TLSv1.3', error });
    // Finished without a certificate: a PSK handshake.
    expect(flight13(seal(0, Buffer.concat([encryptedExtensions, finished])))).toMatchObject(fail('no-certificate'));
    expect(flight13(seal(0, Buffer.concat([encryptedExtensions, message(15, Buffer.alloc(8))])))).toMatchObject(fail('no-certificate'));
    // An alert inside the encryption.
    expect(flight13(seal(0, encryptedExtensions), seal(1, Buffer.from([2, 42]), 21))).toMatchObject({ ...fail('alert'), alert: 'bad_certificate' });
    // A plaintext alert after the ServerHello.
    expect(flight13(record(21, [2, 40]))).toMatchObject({ ...fail('alert'), alert: 'handshake_failure' });
    // Only padding: no content type; and an empty inner plaintext (a record of just the tag).
    expect(flight13(seal(0, Buffer.alloc(0), 0, 20))).toMatchObject(fail('malformed'));
    expect(seal(0, Buffer.alloc(0), null).length).toBe(5 + 16);
    expect(flight13(seal(0, Buffer.alloc(0), null))).toMatchObject(fail('malformed'));
    // An alert record of another length than 2 is named by its length.
    expect(flight13(seal(0, Buffer.from([2, 42, 0]), 21))).toMatchObject({ ...fail('alert'), alert: '3-byte alert' });
    // Application data under the handshake key, a compressed certificate, an unexpected message, a plaintext handshake record.
    expect(flight13(seal(0, encryptedExtensions, 23))).toMatchObject(fail('malformed'));
    expect(flight13(seal(0, Buffer.concat([encryptedExtensions, message(25, Buffer.alloc(10))])))).toMatchObject(fail('malformed'));
    expect(flight13(seal(0, message(2, Buffer.alloc(40))))).toMatchObject(fail('malformed'));
    expect(flight13(record(22, encryptedExtensions))).toMatchObject(fail('malformed'));
    // A record too short to hold a tag, and one sealed with the wrong sequence number.
    expect(flight13(record(23, Buffer.alloc(16)))).toMatchObject(fail('decrypt-failed'));
    expect(flight13(seal(0, encryptedExtensions), seal(2, certificate13(fakeCerts(1))))).toMatchObject(fail('decrypt-failed'));
    expect(flight13(seal(1, encryptedExtensions))).toMatchObject(fail('decrypt-failed'));
    // Certificate messages that do not parse.
    // (empty; no list length; a certificate length cut; extensions cut; bytes after the list; a certificate of 0 bytes)
    const bodies = [[], [0, 0, 0], [0, 0, 0, 8, 0, 0, 1, 7, 0, 0, 0, 0], [0, 0, 0, 5, 0, 0, 1, 7, 0], [0, 0, 0, 0, 9], [0, 0, 0, 5, 0, 0, 0, 0, 0]];
    for (const body of bodies.map((b) => Buffer.from(b))) {
      expect(flight13(seal(0, message(11, body)))).toMatchObject(fail('malformed'));
    }
    // Bytes ending in the middle of the Certificate message.
    expect(flight13(seal(0, certificate13(fakeCerts(2)).subarray(0, 12)))).toMatchObject(fail('truncated'));
  });

  it('an empty certificate list is what was sent: no certificates', () => {
    expect(flight13(seal(0, Buffer.concat([encryptedExtensions, certificate13([])])))).toEqual({ chain: [], version: 'TLSv1.3', error: null, alert: null });
  });

  it('a TLS 1.3 cipher suite we do not know, and a handshake message after the ServerHello in its record', () => {
    const unknown = Buffer.from(RFC8448_SERVER_HELLO);
    unknown.writeUInt16BE(0x1306, 5 + 4 + 2 + 32 + 1);
    expect(recoverSentChain({ serverBytes: Buffer.concat([unknown, seal(0, encryptedExtensions)]), keylog: RFC8448_KEYLOG })).toMatchObject({
      chain: null,
      version: 'TLSv1.3',
      error: 'unknown-cipher-suite',
    });
    const sh = RFC8448_SERVER_HELLO.subarray(5);
    expect(recoverSentChain({ serverBytes: record(22, Buffer.concat([sh, encryptedExtensions])), keylog: RFC8448_KEYLOG })).toMatchObject({ error: 'malformed' });
  });
});

describe('recoverSentChain: TLS ≤ 1.2 records made here', () => {
  const certs = fakeCerts(4);

  it('reads SSL 3.0 to TLS 1.2, and a Certificate message in the same record as the ServerHello', () => {
    for (const [v, name] of [[0x0300, 'SSLv3'], [0x0301, 'TLSv1'], [0x0302, 'TLSv1.1'], [0x0303, 'TLSv1.2']] as const) {
      const bytes = record(22, Buffer.concat([serverHello12(v), certificate12(certs), message(14, Buffer.alloc(0))]));
      expect(recoverSentChain({ serverBytes: bytes })).toEqual({ chain: certs, version: name, error: null, alert: null });
    }
  });

  it('a message that says nothing about certificates (HelloRequest) before the Certificate is passed over', () => {
    const bytes = record(22, Buffer.concat([serverHello12(), message(0, Buffer.alloc(0)), certificate12(certs)]));
    expect(recoverSentChain({ serverBytes: bytes })).toEqual({ chain: certs, version: 'TLSv1.2', error: null, alert: null });
  });

  it('at most 100 certificates', () => {
    const hundred = fakeCerts(MAX_CERTIFICATES, 1);
    expect(recoverSentChain({ serverBytes: record(22, Buffer.concat([serverHello12(), certificate12(hundred)])) }).chain).toEqual(hundred);
    expect(recoverSentChain({ serverBytes: record(22, Buffer.concat([serverHello12(), certificate12(fakeCerts(MAX_CERTIFICATES + 1, 1))])) })).toMatchObject({
      chain: null,
      version: 'TLSv1.2',
      error: 'too-many-certificates',
    });
  });

  it('says why when there is no chain to read', () => {
    const hello = record(22, serverHello12());
    const no = (error: string, version: string | null = 'TLSv1.2') => ({ chain: null, version, error });
    // Anonymous or PSK suites: straight to ServerKeyExchange or ServerHelloDone.
    for (const type of [12, 13, 14, 20]) expect(recoverSentChain({ serverBytes: Buffer.concat([hello, record(22, message(type, Buffer.alloc(2)))]) })).toMatchObject(no('no-certificate'));
    // A resumed session: ChangeCipherSpec after the ServerHello.
    expect(recoverSentChain({ serverBytes: Buffer.concat([hello, record(20, [1])]) })).toMatchObject(no('no-certificate'));
    // Alerts, before or after the ServerHello.
    expect(recoverSentChain({ serverBytes: record(21, [2, 70]) })).toMatchObject({ ...no('alert', null), alert: 'protocol_version' });
    expect(recoverSentChain({ serverBytes: Buffer.concat([hello, record(21, [2, 80])]) })).toMatchObject({ ...no('alert'), alert: 'internal_error' });
    // Application data before the certificate, and a first message that is not a ServerHello.
    expect(recoverSentChain({ serverBytes: Buffer.concat([hello, record(23, [1, 2, 3])]) })).toMatchObject(no('malformed'));
    expect(recoverSentChain({ serverBytes: record(23, [1, 2, 3]) })).toMatchObject(no('malformed', null));
    expect(recoverSentChain({ serverBytes: record(22, certificate12(certs)) })).toMatchObject(no('malformed', null));
    // A ServerHello that does not parse, and versions we cannot read.
    expect(recoverSentChain({ serverBytes: record(22, message(2, Buffer.alloc(20))) })).toMatchObject(no('malformed', null));
    expect(recoverSentChain({ serverBytes: record(22, serverHello12(0x0305)) })).toMatchObject(no('unsupported-version', null));
    expect(recoverSentChain({ serverBytes: record(22, serverHello12(0x0200)) })).toMatchObject(no('unsupported-version', null));
    // ServerHellos that do not parse: a session id over 32 bytes, extensions cut or longer than the message,
    // a supported_versions extension of the wrong length, bytes where the extensions' length should be.
    const sh = (tail: number[], sessionId = 0) => record(22, message(2, Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 1), Buffer.from([sessionId]), Buffer.alloc(sessionId), Buffer.from([0x13, 0x01, 0, ...tail])])));
    expect(recoverSentChain({ serverBytes: sh([0, 6, 0, 0x2b, 0, 2, 3, 4]) })).toMatchObject({ error: 'no-secret', version: 'TLSv1.3' });
    expect(recoverSentChain({ serverBytes: sh([], 32) })).toMatchObject({ error: 'truncated', version: 'TLSv1.2' });
    for (const bad of [sh([], 33), sh([0]), sh([0, 7, 0, 0x2b, 0, 2, 3, 4]), sh([0, 5, 0, 0x2b, 0, 2, 3, 4]), sh([0, 0, 9]), sh([0, 5, 0, 1, 0, 9, 7]), sh([0, 3, 0, 0x2b, 0]), sh([0, 7, 0, 0x2b, 0, 3, 3, 4, 0]), sh([0, 4, 0, 0x2b, 0, 2])]) {
      expect(recoverSentChain({ serverBytes: bad })).toMatchObject(no('malformed', null));
    }
    // A HelloRetryRequest followed by more handshake bytes in its flight.
    const hrrMore = record(22, Buffer.concat([RFC8448_SERVER_HELLO.subarray(5), encryptedExtensions]));
    hex(HRR_RANDOM).copy(hrrMore, 11);
    expect(recoverSentChain({ serverBytes: hrrMore })).toMatchObject(no('malformed', 'TLSv1.3'));
    // A second HelloRetryRequest, or one in TLS 1.2.
    const hrr = Buffer.from(RFC8448_SERVER_HELLO);
    hex(HRR_RANDOM).copy(hrr, 11);
    expect(recoverSentChain({ serverBytes: Buffer.concat([hrr, hrr]) })).toMatchObject(no('malformed', 'TLSv1.3'));
    const hrr12 = record(22, serverHello12());
    hex(HRR_RANDOM).copy(hrr12, 11);
    expect(recoverSentChain({ serverBytes: hrr12 })).toMatchObject(no('malformed', 'TLSv1.2'));
  });

  it('hostile framing: not TLS, a record over 2^14 + 256 bytes, garbage after a record, more than 1 MiB', () => {
    expect(recoverSentChain({ serverBytes: Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n') })).toMatchObject({ chain: null, error: 'not-tls' });
    expect(recoverSentChain({ serverBytes: Buffer.alloc(0) })).toMatchObject({ chain: null, error: 'truncated' });
    // Content types 20 to 24 and version 3.x only.
    for (const head of [[19, 3, 3], [25, 3, 3], [22, 2, 0], [22, 4, 0]]) expect(recoverSentChain({ serverBytes: Buffer.from([...head, 0, 1, 0]) })).toMatchObject({ chain: null, error: 'not-tls' });
    for (const type of [20, 24]) expect(recoverSentChain({ serverBytes: Buffer.from([type, 3, 1, 0, 1, 0]) }).error).not.toBe('not-tls');
    // What a caller should never pass is no exception either.
    expect(recoverSentChain({ serverBytes: null as unknown as Buffer })).toEqual({ chain: null, version: null, error: 'malformed', alert: null });
    const over = Buffer.concat([Buffer.from([22, 3, 3, (MAX_RECORD_BODY + 1) >> 8, (MAX_RECORD_BODY + 1) & 0xff]), Buffer.alloc(MAX_RECORD_BODY + 1)]);
    expect(recoverSentChain({ serverBytes: over })).toMatchObject({ chain: null, error: 'record-too-long' });
    // At the limit the record is read (and the zeros inside are not a ServerHello).
    const at = Buffer.concat([Buffer.from([22, 3, 3, MAX_RECORD_BODY >> 8, MAX_RECORD_BODY & 0xff]), Buffer.alloc(MAX_RECORD_BODY)]);
    expect(recoverSentChain({ serverBytes: at })).toMatchObject({ chain: null, error: 'malformed' });
    expect(recoverSentChain({ serverBytes: Buffer.concat([record(22, serverHello12()), Buffer.from('garbage!')]) })).toMatchObject({ chain: null, error: 'malformed' });
    // A Certificate message announcing 2 MiB, fed in whole records: reading stops at 1 MiB.
    const header = record(22, Buffer.concat([serverHello12(), Buffer.from([11, ...u24(2 << 20)])]));
    const filler = record(22, Buffer.alloc(1 << 14));
    const huge = Buffer.concat([header, ...Array.from({ length: 70 }, () => filler)]);
    expect(huge.length).toBeGreaterThan(MAX_SERVER_BYTES);
    expect(recoverSentChain({ serverBytes: huge })).toMatchObject({ chain: null, version: 'TLSv1.2', error: 'too-long' });
    expect(recoverSentChain({ serverBytes: huge.subarray(0, MAX_SERVER_BYTES + 1) })).toMatchObject({ chain: null, error: 'too-long' });
    expect(recoverSentChain({ serverBytes: huge.subarray(0, MAX_SERVER_BYTES) })).toMatchObject({ chain: null, error: 'truncated' });
  });

  it('never throws on garbage or on damaged real-looking bytes (fuzzed)', () => {
    const good = Buffer.concat([record(22, serverHello12()), record(22, certificate12(certs))]);
    const good13 = Buffer.concat([RFC8448_SERVER_HELLO, RFC8448_FLIGHT]);
    const codes = ['not-tls', 'record-too-long', 'too-long', 'truncated', 'alert', 'malformed', 'unsupported-version', 'no-certificate', 'no-secret', 'unknown-cipher-suite', 'decrypt-failed', 'too-many-certificates'];
    const wellFormed = (r: SentChain) => (r.error === null ? Array.isArray(r.chain) && r.alert === null : r.chain === null && codes.includes(r.error) && (r.error === 'alert') === (typeof r.alert === 'string'));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.string(), { maxLength: 3 }), (bytes, keylog) => wellFormed(recoverSentChain({ serverBytes: Buffer.from(bytes), keylog }))),
    );
    fc.assert(
      fc.property(fc.constantFrom(good, good13), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (base, flips) => {
        const bytes = Buffer.from(base);
        for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask;
        return wellFormed(recoverSentChain({ serverBytes: bytes, keylog: RFC8448_KEYLOG }));
      }),
    );
  });
});

describe('recoverSentChain: the edges of each bound (mutation testing)', () => {
  const certs = fakeCerts(2);
  const helloBody = serverHello12().subarray(4);

  it('a record of exactly 5 bytes (an empty body) is a record: an empty alert, and 5 bytes that are not TLS', () => {
    expect(recoverSentChain({ serverBytes: record(21, []) })).toEqual({ chain: null, version: null, error: 'alert', alert: '0-byte alert' });
    expect(recoverSentChain({ serverBytes: Buffer.from('HELO!') })).toMatchObject({ chain: null, error: 'not-tls' });
  });

  it('an empty handshake record among 1-byte ones, inside a message header, is passed over', () => {
    const stream = Buffer.concat([serverHello12(), certificate12(certs)]);
    const records = [...stream].map((b) => record(22, [b]));
    records.splice(3, 0, record(22, []));
    expect(recoverSentChain({ serverBytes: Buffer.concat(records) })).toEqual({ chain: certs, version: 'TLSv1.2', error: null, alert: null });
  });

  it('a message ending inside a record that also holds the next message leaves the next one whole', () => {
    const small = [Buffer.from([7])];
    const cert = certificate12(small);
    expect(cert.length).toBeLessThan(20);
    const hello = serverHello12();
    const bytes = Buffer.concat([record(22, hello.subarray(0, 10)), record(22, Buffer.concat([hello.subarray(10), cert]))]);
    expect(recoverSentChain({ serverBytes: bytes })).toEqual({ chain: small, version: 'TLSv1.2', error: null, alert: null });
  });

  it('a ServerHello without its compression method byte, or with an empty extensions block', () => {
    // Session id of 1 byte, cipher suite, then nothing: 38 bytes, one short.
    const noCompression = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 1), Buffer.from([1, 9, 0xc0, 0x2f])]);
    expect(noCompression.length).toBe(38);
    expect(recoverSentChain({ serverBytes: record(22, message(2, noCompression)) })).toEqual({ chain: null, version: null, error: 'malformed', alert: null });
    // Extensions of length 0: legal, and the legacy version stands.
    const emptyExtensions = Buffer.concat([helloBody, Buffer.from([0, 0])]);
    expect(recoverSentChain({ serverBytes: record(22, Buffer.concat([message(2, emptyExtensions), certificate12(certs)])) })).toEqual({ chain: certs, version: 'TLSv1.2', error: null, alert: null });
  });

  it('a first message that is not a ServerHello is malformed even when its body would parse as one', () => {
    for (const type of [1, 11]) {
      expect(recoverSentChain({ serverBytes: record(22, Buffer.concat([message(type, helloBody), certificate12(certs)])) })).toEqual({ chain: null, version: null, error: 'malformed', alert: null });
    }
  });

  it('a certificate longer than what is left of the list (TLS 1.2), or extensions longer than what is left (TLS 1.3)', () => {
    // List of 8 bytes: a certificate announcing 10 bytes, 5 there.
    const list12 = Buffer.from([0, 0, 8, 0, 0, 10, 1, 2, 3, 4, 5]);
    expect(recoverSentChain({ serverBytes: record(22, Buffer.concat([serverHello12(), message(11, list12)])) })).toMatchObject({ chain: null, version: 'TLSv1.2', error: 'malformed' });
    // Empty context, list of 6 bytes: a 1-byte certificate, then extensions announcing 5 bytes, none there.
    const body13 = Buffer.from([0, 0, 0, 6, 0, 0, 1, 7, 0, 5]);
    expect(flight13(seal(0, message(11, body13)))).toMatchObject({ chain: null, version: 'TLSv1.3', error: 'malformed' });
    // The same with its 5 bytes of extensions is a chain.
    const whole13 = Buffer.from([0, 0, 0, 11, 0, 0, 1, 7, 0, 5, 1, 2, 3, 4, 5]);
    expect(flight13(seal(0, message(11, whole13)))).toEqual({ chain: [Buffer.from([7])], version: 'TLSv1.3', error: null, alert: null });
  });
});
