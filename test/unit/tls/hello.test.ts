// The handshake reader (src/tls/hello.ts) on real handshakes captured at test time — a node:tls
// server and client on loopback through a TCP relay that records both directions — checked
// against what Node's own sockets report; then on the openssl client refusing our certificate
// (its alert); then on hand-built and random hostile bytes.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, type IssuedCert } from '../../../src/demo/test-pki.js';
import { cipherSuiteName, groupName, isGrease, signatureSchemeName } from '../../../src/tls/hello-names.js';
import { HelloReader, MAX_DIRECTION_BYTES, type HelloResult } from '../../../src/tls/hello.js';
import { alertOfErrorCode } from '../../../src/tls/records.js';
import { skipWithout } from '../../helpers/skip.js';

type Piece = { from: 'client' | 'server'; bytes: Buffer };

/** Feeds a transcript to a fresh reader, in order. */
function read(pieces: readonly Piece[]): HelloResult {
  const reader = new HelloReader();
  for (const p of pieces) {
    if (p.from === 'client') reader.pushClient(p.bytes);
    else reader.pushServer(p.bytes);
  }
  return reader.result();
}

/** A TCP relay in front of `target` that records what crosses it, in arrival order. */
async function startRelay(target: number): Promise<{ port: number; pieces: Piece[]; close(): Promise<void> }> {
  const pieces: Piece[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    inbound.on('data', (d: Buffer) => {
      pieces.push({ from: 'client', bytes: Buffer.from(d) });
      outbound.write(d);
    });
    outbound.on('data', (d: Buffer) => {
      pieces.push({ from: 'server', bytes: Buffer.from(d) });
      inbound.write(d);
    });
    inbound.on('end', () => outbound.end());
    outbound.on('end', () => inbound.end());
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    pieces,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Captured {
  pieces: Piece[];
  server: { protocol: string | null; cipher: tls.CipherNameAndProtocol; servername: string | null } | null;
  client: { protocol: string | null; cipher: tls.CipherNameAndProtocol; key: tls.EphemeralKeyInfo | object | null } | null;
  serverError: (Error & { code?: string }) | null;
}

/** One handshake between a node:tls server and client through the relay; both sides' view of it. */
async function capture(serverOptions: tls.TlsOptions, clientOptions: tls.ConnectionOptions): Promise<Captured> {
  const out: Captured = { pieces: [], server: null, client: null, serverError: null };
  const serverDone = new Promise<void>((resolve) => {
    const server = tls.createServer(serverOptions, (socket) => {
      out.server = { protocol: socket.getProtocol(), cipher: socket.getCipher(), servername: (socket as unknown as { servername: string | false }).servername || null };
      socket.on('error', () => undefined);
      socket.resume();
      socket.on('close', () => resolve());
    });
    server.on('tlsClientError', (error: Error & { code?: string }) => {
      out.serverError = error;
      resolve();
    });
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    server.listen(0, '127.0.0.1', () => {
      void startRelay((server.address() as net.AddressInfo).port).then((relay) => {
        cleanups.push(relay.close);
        out.pieces = relay.pieces;
        const client = tls.connect({ host: '127.0.0.1', port: relay.port, rejectUnauthorized: false, ...clientOptions }, () => {
          out.client = { protocol: client.getProtocol(), cipher: client.getCipher(), key: client.getEphemeralKeyInfo() };
          client.end();
        });
        client.on('error', () => undefined);
        clientReady.push(new Promise<void>((r) => client.on('close', () => r())));
      });
    });
  });
  const clientReady: Promise<void>[] = [];
  await serverDone;
  await Promise.all(clientReady);
  return out;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** OpenSSL's curve names (getEphemeralKeyInfo) → the IANA group names the reader gives. */
const OPENSSL_GROUPS: Record<string, string> = { X25519: 'x25519', X448: 'x448', prime256v1: 'secp256r1', secp384r1: 'secp384r1', secp521r1: 'secp521r1' };

let ecCert: IssuedCert;
let rsaCert: IssuedCert;
beforeAll(async () => {
  const ca = await createRootCa('hello test root', Date.now());
  [ecCert, rsaCert] = await Promise.all([
    ca.issue({ commonName: 'mx.hello.test', dnsNames: ['mx.hello.test'] }),
    ca.issue({ commonName: 'mx.hello.test', dnsNames: ['mx.hello.test'], key: 'rsa2048' }),
  ]);
});

describe('HelloReader on real handshakes', () => {
  it('TLS 1.3: the ClientHello (versions, suites, groups, key share, signature schemes, SNI, ALPN) and the group the ServerHello chose', async () => {
    const got = await capture(
      { key: ecCert.keyPem, cert: ecCert.certPem },
      { servername: 'mx.hello.test', ALPNProtocols: ['smtp', 'x-test'], ecdhCurve: 'X25519:P-256:P-384' },
    );
    const r = read(got.pieces);
    expect(got.client?.protocol).toBe('TLSv1.3');
    expect(r.problems).toEqual([]);
    expect(r.serverVersion).toBe(got.server?.protocol);
    expect(r.cipher).toBe(got.client?.cipher.standardName);
    expect(r.group).toBe(OPENSSL_GROUPS[(got.client?.key as tls.EphemeralKeyInfo).name!]);
    expect(r.group).toBe('x25519');
    expect(r.helloRetry).toBe(false);
    expect(r.clientAlert).toBeNull();
    expect(r.clientAlertEncrypted).toBe(false);
    expect(r.done).toBe(true);
    const hello = r.clientHello!;
    expect(hello.versions).toEqual(['TLSv1.3', 'TLSv1.2']);
    expect(hello.sni).toBe('mx.hello.test');
    expect(hello.sni).toBe(got.server?.servername);
    expect(hello.alpn).toEqual(['smtp', 'x-test']);
    expect(hello.groups).toEqual(['x25519', 'secp256r1', 'secp384r1']);
    expect(hello.keyShares).toEqual(['x25519']);
    expect(hello.ciphers.slice(0, 3)).toEqual(['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256']);
    expect(hello.ciphers).toContain('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    expect(hello.ciphers).toContain('TLS_EMPTY_RENEGOTIATION_INFO_SCSV');
    expect(hello.ciphers.filter((c) => c.startsWith('0x'))).toEqual([]);
    expect(hello.ciphersNotListed).toBe(0);
    expect(hello.signatureAlgorithms).toContain('ecdsa_secp256r1_sha256');
    expect(hello.signatureAlgorithms).toContain('rsa_pss_rsae_sha256');
    expect(hello.signatureAlgorithms).toContain('ed25519');
  });

  it('TLS 1.3 with a HelloRetryRequest: the group asked for, and the one used', async () => {
    const got = await capture({ key: ecCert.keyPem, cert: ecCert.certPem, ecdhCurve: 'P-384' }, { servername: 'mx.hello.test', ecdhCurve: 'X25519:P-384' });
    const r = read(got.pieces);
    expect(r.problems).toEqual([]);
    expect(r.helloRetry).toBe(true);
    expect(r.helloRetryGroup).toBe('secp384r1');
    expect(r.group).toBe(OPENSSL_GROUPS[(got.client?.key as tls.EphemeralKeyInfo).name!]);
    expect(r.group).toBe('secp384r1');
    // The first ClientHello is what the client offered.
    expect(r.clientHello?.keyShares).toEqual(['x25519']);
    expect(r.serverVersion).toBe('TLSv1.3');
  });

  it('TLS 1.2 ECDHE: the curve from the ServerKeyExchange; no SNI when the client sends none', async () => {
    const got = await capture({ key: ecCert.keyPem, cert: ecCert.certPem, ecdhCurve: 'P-384' }, { maxVersion: 'TLSv1.2' });
    const r = read(got.pieces);
    expect(got.client?.protocol).toBe('TLSv1.2');
    expect(r.problems).toEqual([]);
    expect(r.serverVersion).toBe('TLSv1.2');
    expect(r.cipher).toBe(got.server?.cipher.standardName);
    const key = got.client?.key as tls.EphemeralKeyInfo;
    expect(key.type).toBe('ECDH');
    expect(r.group).toBe(OPENSSL_GROUPS[key.name!]);
    expect(r.group).toBe('secp384r1');
    expect(r.clientHello?.versions).toEqual(['TLSv1.2']);
    expect(r.clientHello?.sni).toBeNull();
    expect(r.clientHello?.keyShares).toEqual([]);
    expect(r.done).toBe(true);
  });

  it('TLS 1.2 DHE: the prime\'s size (and family) from the ServerKeyExchange', async () => {
    const cipher = 'DHE-RSA-AES128-GCM-SHA256';
    const got = await capture(
      { key: rsaCert.keyPem, cert: rsaCert.certPem, ciphers: cipher, dhparam: 'auto', maxVersion: 'TLSv1.2' },
      { maxVersion: 'TLSv1.2', ciphers: cipher },
    );
    const r = read(got.pieces);
    expect(got.client?.cipher.standardName).toBe('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(r.problems).toEqual([]);
    expect(r.cipher).toBe('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256');
    const key = got.client?.key as tls.EphemeralKeyInfo;
    expect(key.type).toBe('DH');
    expect(r.group).toMatch(/^(ffdhe|modp|DH )\d+$/);
    expect(r.group!.replace(/\D/g, '')).toBe(String(key.size));
  });

  it('TLS 1.0 at SECLEVEL 0: the legacy version alone, a CBC suite', async () => {
    const weak = 'DEFAULT:@SECLEVEL=0';
    const got = await capture(
      { key: rsaCert.keyPem, cert: rsaCert.certPem, minVersion: 'TLSv1', ciphers: weak },
      { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: weak, servername: 'mx.hello.test' },
    );
    const r = read(got.pieces);
    expect(got.client?.protocol).toBe('TLSv1');
    expect(r.problems).toEqual([]);
    expect(r.serverVersion).toBe('TLSv1');
    expect(r.cipher).toBe(got.client?.cipher.standardName);
    expect(r.clientHello?.versions).toEqual(['TLSv1']);
    expect(r.clientHello?.sni).toBe('mx.hello.test');
    expect(r.group).toBe(OPENSSL_GROUPS[(got.client?.key as tls.EphemeralKeyInfo).name!]);
  });

  it('a handshake the server refuses (no common version): the server\'s alert in the clear, no ServerHello', async () => {
    const got = await capture({ key: ecCert.keyPem, cert: ecCert.certPem, minVersion: 'TLSv1.3' }, { maxVersion: 'TLSv1.2' });
    const r = read(got.pieces);
    expect(got.serverError).not.toBeNull();
    expect(r.serverAlert).toBe('protocol_version');
    expect(r.serverVersion).toBeNull();
    expect(r.clientHello?.versions).toEqual(['TLSv1.2']);
  });
});

const opensslMissing = (() => {
  const run = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return run.error ? run.error.message : run.status !== 0 ? `openssl version exited with ${run.status}` : null;
})();

/** `openssl s_client` that verifies during the handshake (unlike Node, which verifies after it) against a CA that did not issue our certificate. */
async function refusingClient(version: '-tls1_2' | '-tls1_3'): Promise<Captured> {
  const other = await createRootCa('someone else', Date.now());
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'mxray-hello-'));
  writeFileSync(join(dir, 'ca.pem'), other.cert.certPem);
  const out: Captured = { pieces: [], server: null, client: null, serverError: null };
  const server = tls.createServer({ key: ecCert.keyPem, cert: ecCert.certPem }, (s) => s.on('error', () => undefined));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const failed = new Promise<void>((resolve) =>
    server.on('tlsClientError', (error: Error & { code?: string }) => {
      out.serverError = error;
      resolve();
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const relay = await startRelay((server.address() as net.AddressInfo).port);
  cleanups.push(relay.close);
  out.pieces = relay.pieces;
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${relay.port}`, version, '-verify_return_error', '-CAfile', join(dir, 'ca.pem'), '-servername', 'mx.hello.test'], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await Promise.all([failed, new Promise<void>((r) => child.on('close', () => r()))]);
  return out;
}

describe('HelloReader: a client that refuses our certificate', () => {
  it('TLS 1.2: its alert is in the clear, and it is the one OpenSSL reports on the server', async (ctx) => {
    if (opensslMissing) skipWithout(ctx, 'openssl', opensslMissing);
    const got = await refusingClient('-tls1_2');
    const r = read(got.pieces);
    expect(r.serverVersion).toBe('TLSv1.2');
    expect(r.clientAlert).toBe('unknown_ca');
    expect(r.clientAlert).toBe(alertOfErrorCode(got.serverError?.code ?? null));
    expect(r.clientAlertEncrypted).toBe(false);
    expect(r.clientHello?.sni).toBe('mx.hello.test');
  });

  it('TLS 1.3: OpenSSL\'s client sends it before it switches to its handshake keys, so it is in the clear too', async (ctx) => {
    if (opensslMissing) skipWithout(ctx, 'openssl', opensslMissing);
    const got = await refusingClient('-tls1_3');
    const r = read(got.pieces);
    expect(r.serverVersion).toBe('TLSv1.3');
    expect(r.clientAlert).toBe('unknown_ca');
    expect(r.clientAlert).toBe(alertOfErrorCode(got.serverError?.code ?? null));
    expect(r.clientAlertEncrypted).toBe(false);
  });

  it('the name table agrees with OpenSSL\'s standard names for every suite OpenSSL knows', (ctx) => {
    if (opensslMissing) skipWithout(ctx, 'openssl', opensslMissing);
    const run = spawnSync('openssl', ['ciphers', '-V', '-stdname', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'], { encoding: 'utf8' });
    let checked = 0;
    for (const line of run.stdout.split('\n')) {
      const m = /0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)/.exec(line);
      if (!m) continue;
      const code = parseInt(m[1]! + m[2]!, 16);
      const name = cipherSuiteName(code);
      // Suites outside the table are written as hex; those inside must carry OpenSSL's standard name.
      if (!name.startsWith('0x')) {
        expect(name, m[0]).toBe(m[3]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });
});

// ------------------------------------------------------------------------------------------------
// Hand-built bytes
// ------------------------------------------------------------------------------------------------

const u16 = (n: number) => [n >> 8, n & 0xff];
const vec16 = (b: number[]) => [...u16(b.length), ...b];
const vec8 = (b: number[]) => [b.length, ...b];
const ext = (type: number, data: number[]) => [...u16(type), ...vec16(data)];
const handshakeMsg = (type: number, body: number[]) => [type, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff, ...body];
const record = (type: number, body: number[]) => Buffer.from([type, 3, 1, ...u16(body.length), ...body]);

function clientHelloBody(suites: number[], extensions: number[][]): number[] {
  return [3, 3, ...new Array<number>(32).fill(7), ...vec8([]), ...vec16(suites.flatMap(u16)), ...vec8([0]), ...vec16(extensions.flat())];
}

const sni = (name: string | Buffer) => ext(0, vec16([0, ...vec16([...Buffer.from(name)])]));

describe('HelloReader on hand-built ClientHellos', () => {
  it('skips GREASE everywhere, names what it knows, writes the rest as hex, sorts versions newest first', () => {
    const body = clientHelloBody(
      [0x0a0a, 0x1301, 0xc02f, 0x1234],
      [
        ext(43, vec8([0x3a, 0x3a, 3, 3, 3, 4, 0x7f, 0x1c])),
        ext(10, vec16([0x2a, 0x2a, ...u16(0x11ec), 0, 29, 0, 23, 1, 0])),
        ext(51, vec16([0x4a, 0x4a, ...vec16([0]), ...u16(0x11ec), ...vec16([1, 2, 3]), 0, 29, ...vec16(new Array<number>(32).fill(1))])),
        ext(13, vec16([4, 3, 8, 4, 2, 1, 3, 2, 0xfe, 0xfe])),
        ext(16, vec16([...vec8([0x5a, 0x5a]), ...vec8([...Buffer.from('smtp')])])),
        sni('mx.example'),
      ],
    );
    const r = read([{ from: 'client', bytes: record(22, handshakeMsg(1, body)) }]);
    expect(r.problems).toEqual([]);
    expect(r.clientHello).toEqual({
      versions: ['0x7f1c', 'TLSv1.3', 'TLSv1.2'],
      ciphers: ['TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', '0x1234'],
      ciphersNotListed: 0,
      groups: ['X25519MLKEM768', 'x25519', 'secp256r1', 'ffdhe2048'],
      keyShares: ['X25519MLKEM768', 'x25519'],
      signatureAlgorithms: ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256', 'rsa_pkcs1_sha1', 'dsa_sha224', '0xfefe'],
      sni: 'mx.example',
      alpn: ['smtp'],
    });
    expect(r.done).toBe(false);
  });

  it('keeps 200 cipher suites and counts the rest; caps every list; cuts a long SNI and masks its odd bytes', () => {
    const suites = Array.from({ length: 300 }, (_, i) => 0x0100 + i);
    const longName = Buffer.concat([Buffer.from('a\x00\x1b'), Buffer.alloc(400, 0x62)]);
    const body = clientHelloBody(suites, [ext(10, vec16(Array.from({ length: 100 }, (_, i) => u16(0x0100 + i)).flat())), sni(longName)]);
    const bytes = Buffer.from(handshakeMsg(1, body));
    // The message spans two records, as a large ClientHello does.
    const r = read([{ from: 'client', bytes: Buffer.concat([record(22, [...bytes.subarray(0, 100)]), record(22, [...bytes.subarray(100)])]) }]);
    expect(r.clientHello?.ciphers).toHaveLength(200);
    expect(r.clientHello?.ciphersNotListed).toBe(100);
    expect(r.clientHello?.groups).toHaveLength(64);
    expect(r.clientHello?.sni).toHaveLength(256);
    expect(r.clientHello?.sni?.startsWith('a??bbb')).toBe(true);
    expect(r.problems.join('\n')).toMatch(/more than 64 supported groups/);
    expect(r.problems.join('\n')).toMatch(/SNI is 403 bytes long/);
    expect(r.problems.join('\n')).toMatch(/not printable ASCII/);
  });

  it('names malformed extensions, a duplicate extension and a truncated extension list, and keeps what parsed', () => {
    const body = clientHelloBody([0x1301], [ext(10, [0, 3, 0, 29, 0]), ext(10, vec16([0, 23])), sni('ok.example'), [0, 16, 0, 9, 1]]);
    const r = read([{ from: 'client', bytes: record(22, handshakeMsg(1, body)) }]);
    expect(r.clientHello?.ciphers).toEqual(['TLS_AES_128_GCM_SHA256']);
    expect(r.clientHello?.sni).toBe('ok.example');
    expect(r.problems).toEqual([
      'a hello carries extension 0x000a twice',
      "a hello's extension list ends in the middle of an extension",
      "the ClientHello's supported groups extension is malformed",
    ]);
  });

  it('a ClientHello cut short, a record that is not TLS, an SSL 2.0 hello, an oversized record, a huge handshake length', () => {
    const body = clientHelloBody([0x1301], [sni('x.example')]);
    expect(read([{ from: 'client', bytes: record(22, handshakeMsg(1, body.slice(0, 30))) }]).problems).toEqual(['the ClientHello is malformed']);
    expect(read([{ from: 'client', bytes: Buffer.from('EHLO me\r\n') }]).problems).toEqual(['the client sent bytes that are not a TLS record: "EHLO me??"']);
    expect(read([{ from: 'client', bytes: Buffer.from([0x80, 0x2e, 1, 3, 1, 0, 0x15]) }]).problems).toEqual(['the client sent an SSL 2.0-format ClientHello']);
    expect(read([{ from: 'server', bytes: Buffer.from([22, 3, 3, 0xff, 0xff]) }]).problems).toEqual(['the server announced a 65535-byte record, longer than TLS allows']);
    const r = read([{ from: 'client', bytes: record(22, [1, 0xff, 0xff, 0xff]) }]);
    expect(r.problems).toEqual(['the client announced a 16777215-byte handshake message']);
    expect(r.done).toBe(false);
  });

  it('an incomplete record claims nothing; 1 MiB of handshake junk is read up to the bound, then ignored', () => {
    expect(read([{ from: 'client', bytes: record(22, handshakeMsg(1, clientHelloBody([0x1301], []))).subarray(0, 20) }]).clientHello).toBeNull();
    const reader = new HelloReader();
    // Records of a handshake message that never ends: 1 MiB in 16 KiB records.
    reader.pushClient(Buffer.concat([Buffer.from([22, 3, 3, 0x40, 0x00, 1, 0x00, 0xff, 0xff]), Buffer.alloc(0x4000 - 4, 0x41)]));
    const chunk = Buffer.concat([Buffer.from([22, 3, 3, 0x40, 0x00]), Buffer.alloc(0x4000, 0x41)]);
    for (let i = 0; i < 63; i++) reader.pushClient(chunk);
    const r = reader.result();
    expect(r.problems).toEqual([`more than ${MAX_DIRECTION_BYTES} bytes from the client before the handshake was encrypted: the rest was not read`]);
    expect(r.clientHello).toBeNull();
  });

  it('GREASE is exactly the sixteen 0x?a?a values', () => {
    const grease = Array.from({ length: 0x10000 }, (_, i) => i).filter(isGrease);
    expect(grease).toEqual(Array.from({ length: 16 }, (_, i) => ((i << 4) | 0x0a) * 0x0101));
    expect(groupName(0x11ec)).toBe('X25519MLKEM768');
    expect(signatureSchemeName(0x0601)).toBe('rsa_pkcs1_sha512');
  });
});

describe('HelloReader: any split, any bytes', () => {
  let transcript: Piece[];
  let whole: HelloResult;
  beforeAll(async () => {
    const got = await capture({ key: ecCert.keyPem, cert: ecCert.certPem }, { servername: 'mx.hello.test', maxVersion: 'TLSv1.2' });
    transcript = got.pieces;
    whole = read(transcript);
    expect(whole.group).not.toBeNull();
  });

  it('byte by byte gives what whole chunks give', () => {
    const bytewise = transcript.flatMap((p) => [...p.bytes].map((b) => ({ from: p.from, bytes: Buffer.from([b]) })));
    expect(read(bytewise)).toEqual(whole);
  });

  it('any split of each piece gives the same result', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        const split: Piece[] = [];
        for (const p of transcript) {
          let off = 0;
          for (let i = 0; off < p.bytes.length; i++) {
            const n = sizes[i % sizes.length]!;
            split.push({ from: p.from, bytes: p.bytes.subarray(off, off + n) });
            off += n;
          }
        }
        expect(read(split)).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });

  it('random bytes, and a real transcript with random bytes changed, never throw and stay within the bounds', () => {
    const all = transcript;
    fc.assert(
      fc.property(
        fc.array(fc.record({ from: fc.constantFrom('client' as const, 'server' as const), bytes: fc.uint8Array({ maxLength: 3000 }) }), { maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (junk, flips) => {
          const mutated = all.map((p) => ({ from: p.from, bytes: Buffer.from(p.bytes) }));
          for (const [at, value] of flips) {
            const piece = mutated[at % mutated.length]!;
            if (piece.bytes.length) piece.bytes[at % piece.bytes.length] = value;
          }
          for (const pieces of [junk.map((j) => ({ from: j.from, bytes: Buffer.from(j.bytes) })), mutated]) {
            const r = read(pieces);
            expect(r.problems.length).toBeLessThanOrEqual(20);
            expect(r.problems.filter((p) => p.startsWith('internal error'))).toEqual([]);
            if (r.clientHello) {
              expect(r.clientHello.ciphers.length).toBeLessThanOrEqual(200);
              expect(r.clientHello.versions.length).toBeLessThanOrEqual(16);
              expect((r.clientHello.sni ?? '').length).toBeLessThanOrEqual(256);
              expect(r.clientHello.sni ?? '').toMatch(/^[\x20-\x7e]*$/);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('HelloReader on hand-built server flights', () => {
  const random = new Array<number>(32).fill(9);
  const serverHello = (suite: number, extensions: number[][], rnd = random) => [3, 3, ...rnd, ...vec8([]), ...u16(suite), 0, ...vec16(extensions.flat())];
  const hello13 = (group: number) => serverHello(0x1302, [ext(43, [3, 4]), ext(51, [...u16(group), ...vec16(new Array<number>(32).fill(1))])]);
  const clientHello = { from: 'client' as const, bytes: record(22, handshakeMsg(1, clientHelloBody([0x1302], [sni('a.example')]))) };

  it('TLS 1.3: a first encrypted record of an alert\'s size from the client is an encrypted alert; a Finished\'s size is not', () => {
    for (const [size, alert] of [
      [19, true],
      [53, false],
    ] as const) {
      const r = read([
        clientHello,
        { from: 'server', bytes: Buffer.concat([record(22, handshakeMsg(2, hello13(0x11ec))), record(20, [1]), record(23, new Array<number>(80).fill(0))]) },
        { from: 'client', bytes: Buffer.concat([record(20, [1]), record(23, new Array<number>(size).fill(0))]) },
      ]);
      expect(r).toMatchObject({ serverVersion: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', group: 'X25519MLKEM768', clientAlert: null, clientAlertEncrypted: alert, done: true, problems: [] });
    }
  });

  it('TLS 1.2: an alert after the client\'s ChangeCipherSpec is encrypted; a resumed session names no group', () => {
    const r = read([
      clientHello,
      { from: 'server', bytes: Buffer.concat([record(22, handshakeMsg(2, serverHello(0xc02f, []))), record(20, [1]), record(22, new Array<number>(40).fill(0))]) },
      { from: 'client', bytes: Buffer.concat([record(20, [1]), record(21, new Array<number>(26).fill(0))]) },
    ]);
    expect(r).toMatchObject({ serverVersion: 'TLSv1.2', group: null, clientAlert: null, clientAlertEncrypted: true, done: true, problems: [] });
    // Two bytes after ChangeCipherSpec are ciphertext, not an alert's level and description.
    const short = read([
      clientHello,
      { from: 'server', bytes: record(22, handshakeMsg(2, serverHello(0xc02f, []))) },
      { from: 'client', bytes: Buffer.concat([record(20, [1]), record(21, [2, 48])]) },
    ]);
    expect(short).toMatchObject({ clientAlert: null, clientAlertEncrypted: true });
  });

  it('TLS 1.2: an explicit curve, a malformed ServerKeyExchange, a DH prime of no known family, a malformed ServerHello', () => {
    const ske = (suite: number, body: number[]) =>
      read([clientHello, { from: 'server', bytes: record(22, [...handshakeMsg(2, serverHello(suite, [])), ...handshakeMsg(12, body)]) }]);
    expect(ske(0xc02f, [1, 0, 0]).group).toBe('explicit curve');
    expect(ske(0xc02f, [3, 0]).problems).toEqual(['the ServerKeyExchange (ECDHE) is malformed']);
    expect(ske(0xc02f, [3, 0, 23, 65]).group).toBe('secp256r1');
    expect(ske(0x009e, [...vec16([0, 0x7f, ...new Array<number>(127).fill(0xff)])]).group).toBe('DH 1023');
    expect(ske(0x009e, [0, 5, 1]).problems).toEqual(['the ServerKeyExchange (DHE) is malformed']);
    // RSA key exchange: no ServerKeyExchange is expected, and one is not read.
    expect(ske(0x002f, [3, 0, 23]).group).toBeNull();
    const bad = read([{ from: 'server', bytes: record(22, handshakeMsg(2, [3, 3, 1, 2])) }]);
    expect(bad.problems).toEqual(['the ServerHello is malformed']);
    expect(bad.done).toBe(false);
  });
});
