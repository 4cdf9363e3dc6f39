// The node:http(s) fetcher against loopback servers started (and stopped) by each test, with a
// test CA made per run and a fake resolver: URL rules, DNS through the Resolver only, the address
// policy on every hop, TLS verification, redirects, size caps, time-outs and aborts. Asserts
// codes and details, never elapsed time; of a message only the facts it must name.
import { X509Certificate } from 'node:crypto';
import { getEventListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Resolver, TrustStore } from '../../../src/core/context.js';
import type * as Errors from '../../../src/core/errors.js';
import { VERSION } from '../../../src/core/version.js';
import { createRootCa, DAY_MS, type IssuedCert } from '../../../src/demo/test-pki.js';
import type * as Fetcher from '../../../src/http/fetcher.js';
import type { AddressPolicy, FetchRequest } from '../../../src/http/fetcher.js';
import type * as NodeFetcher from '../../../src/http/node-fetcher.js';
import type { NodeFetcherOptions } from '../../../src/http/node-fetcher.js';
import { skipWithout } from '../../helpers/skip.js';
import type * as FakeResolver from '../dns/fake-resolver.js';
import type { Outcome } from '../dns/fake-resolver.js';

// The modules under test are loaded afresh before each test, inside it: their tables (redirect
// statuses, the fetcher's own headers, OpenSSL's verification codes) are built while a module
// loads, and mutation testing, which records what each test runs and leaves out code run before
// any test, would otherwise hold a wrong table to no test here. The errors and the fake resolver
// are loaded with them so that instanceof checks see one MxrayError and one DnsError.
let MxrayError: typeof Errors.MxrayError;
let parseFetchUrl: typeof Fetcher.parseFetchUrl;
let createNodeFetcher: typeof NodeFetcher.createNodeFetcher;
let requestFailure: typeof NodeFetcher.requestFailure;
let fakeResolver: typeof FakeResolver.fakeResolver;
let fail: typeof FakeResolver.fail;
beforeEach(async () => {
  vi.resetModules();
  ({ MxrayError } = await import('../../../src/core/errors.js'));
  ({ parseFetchUrl } = await import('../../../src/http/fetcher.js'));
  ({ createNodeFetcher, requestFailure } = await import('../../../src/http/node-fetcher.js'));
  ({ fakeResolver, fail } = await import('../dns/fake-resolver.js'));
});

const WWW = 'www.fetch.test';
const OTHER = 'other.fetch.test';

let trusted: IssuedCert;
let untrusted: IssuedCert;
let expired: IssuedCert;
let notYetValid: IssuedCert;
let trustStore: TrustStore;

beforeAll(async () => {
  const now = Date.now();
  const root = await createRootCa('mxray fetch root', now);
  const stranger = await createRootCa('mxray stranger root', now);
  trusted = await root.issue({ commonName: WWW, dnsNames: [WWW], ipAddresses: ['127.0.0.1', '::1'] });
  untrusted = await stranger.issue({ commonName: WWW, dnsNames: [WWW] });
  expired = await root.issue({ commonName: WWW, dnsNames: [WWW], notBefore: new Date(now - 30 * DAY_MS), notAfter: new Date(now - DAY_MS) });
  notYetValid = await root.issue({ commonName: WWW, dnsNames: [WWW], notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 30 * DAY_MS) });
  trustStore = { description: 'test root', roots: () => [new X509Certificate(root.cert.der)] };
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** What a test server saw. */
interface Served {
  port: number;
  /** TCP connections accepted (TLS or not, handshake done or not). */
  connections: number;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }[];
  /** The SNI of each TLS connection (false: none sent). */
  sni: (string | false | null)[];
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function listen(server: net.Server, host: string): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

/** An HTTP server (HTTPS with `cert`) on loopback, closed after the test. Requests are logged with their bodies. */
async function serve(handler: Handler, options: { cert?: IssuedCert; host?: string } = {}): Promise<Served> {
  const served: Served = { port: 0, connections: 0, requests: [], sni: [] };
  const onRequest: Handler = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      served.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) });
      handler(req, res);
    });
  };
  const server = options.cert
    ? https.createServer({ cert: options.cert.certPem, key: options.cert.keyPem }, onRequest)
    : http.createServer(onRequest);
  server.on('connection', () => served.connections++);
  server.on('secureConnection', (s: TLSSocket) => served.sni.push(s.servername));
  server.on('tlsClientError', () => undefined);
  served.port = await listen(server, options.host ?? '127.0.0.1');
  return served;
}

/** A bare TCP server that answers every connection with `answer` (raw bytes, then nothing more). */
async function serveRaw(answer: (socket: net.Socket) => void): Promise<Served> {
  const served: Served = { port: 0, connections: 0, requests: [], sni: [] };
  const server = net.createServer((socket) => {
    served.connections++;
    answer(socket);
  });
  served.port = await listen(server, '127.0.0.1');
  return served;
}

/** The same over TLS with `cert`: `answer` gets the socket once the handshake is done. */
async function serveTlsRaw(cert: IssuedCert, answer: (socket: TLSSocket) => void): Promise<Served> {
  const served: Served = { port: 0, connections: 0, requests: [], sni: [] };
  const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => {
    served.connections++;
    socket.on('error', () => undefined);
    answer(socket);
  });
  server.on('tlsClientError', () => undefined);
  served.port = await listen(server, '127.0.0.1');
  return served;
}

/** A port on 127.0.0.1 where nobody listens. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server, '127.0.0.1');
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const ok = (body: string | Buffer, headers: http.OutgoingHttpHeaders = {}): Handler => (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', ...headers });
  res.end(body);
};

const redirect = (status: number, location: string): Handler => (_req, res) => {
  res.writeHead(status, { location });
  res.end('moved');
};

/** Every loopback address, on any port. */
const loopbackOnly: AddressPolicy = (address) => address === '127.0.0.1' || address === '::1' || 'not loopback';

const NAMES: Record<string, Outcome> = { [`A ${WWW}`]: ['127.0.0.1'], [`A ${OTHER}`]: ['127.0.0.1'] };

function fetcher(options: Partial<NodeFetcherOptions> & { table?: Record<string, Outcome> } = {}) {
  const resolver = options.resolver ?? fakeResolver(options.table ?? NAMES);
  return {
    resolver: resolver as ReturnType<typeof fakeResolver>,
    fetcher: createNodeFetcher({ trustStore, addressPolicy: loopbackOnly, ...options, resolver }),
  };
}

/** The rejection of a promise (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<Errors.MxrayError> {
  const err = await p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MxrayError);
  return err as Errors.MxrayError;
}

describe('parseFetchUrl', () => {
  it('splits a URL into what a connection needs', () => {
    expect(parseFetchUrl('http://WWW.Fetch.Test./a/b?c=d#frag')).toEqual({
      href: 'http://www.fetch.test./a/b?c=d#frag',
      https: false,
      host: WWW,
      literal: false,
      port: 80,
      authority: 'www.fetch.test.',
      path: '/a/b?c=d',
    });
    expect(parseFetchUrl('https://[::1]:8443')).toMatchObject({ https: true, host: '::1', literal: true, port: 8443, authority: '[::1]:8443', path: '/' });
    expect(parseFetchUrl('https://www.fetch.test')).toMatchObject({ port: 443, literal: false });
    // Every IPv4 spelling is an address, not a name to resolve.
    expect(parseFetchUrl('http://0x7f.1/')).toMatchObject({ host: '127.0.0.1', literal: true });
    expect(parseFetchUrl('http://2130706433/')).toMatchObject({ host: '127.0.0.1', literal: true });
  });

  it.each([
    ['file:///etc/passwd', 'bad-scheme'],
    ['ftp://www.fetch.test/crl', 'bad-scheme'],
    ['data:text/plain,hello', 'bad-scheme'],
    ['javascript:alert(1)', 'bad-scheme'],
    ['ldap://www.fetch.test/cn=ca', 'bad-scheme'],
    ['http://user:secret@www.fetch.test/', 'credentials'],
    ['http://user@www.fetch.test/', 'credentials'],
    ['https://:pw@www.fetch.test/', 'credentials'],
    ['www.fetch.test/crl', 'bad-url'],
    ['http://', 'bad-url'],
    ['http://[::1/', 'bad-url'],
    ['', 'bad-url'],
    // The host "." is the root: without its trailing dot nothing is left to resolve.
    ['http://./', 'bad-url'],
    ['http://www.fetch.test:0/', 'bad-port'],
    ['http://www.fetch.test:65536/', 'bad-url'],
    // The default limit: 2048 characters.
    [`http://www.fetch.test/${'a'.repeat(2048)}`, 'url-too-long'],
  ])('refuses %s as invalid-input (%s)', (url, detail) => {
    let err: unknown;
    try {
      parseFetchUrl(url);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MxrayError);
    expect(err).toMatchObject({ code: 'invalid-input', detail, message: expect.stringMatching(/./) });
  });

  it('accepts a URL of exactly the default limit', () => {
    const url = `http://www.fetch.test/${'a'.repeat(2048 - 'http://www.fetch.test/'.length)}`;
    expect(parseFetchUrl(url).href).toHaveLength(2048);
  });

  it('names the scheme refused and the length allowed', () => {
    expect(() => parseFetchUrl('ftp://www.fetch.test/crl')).toThrow(expect.objectContaining({ detail: 'bad-scheme', message: expect.stringContaining('ftp:') }));
    expect(() => parseFetchUrl(`http://www.fetch.test/${'a'.repeat(100)}`, 100)).toThrow(
      expect.objectContaining({ detail: 'url-too-long', message: expect.stringContaining('100') }),
    );
  });

  it('bounds the URL length as given and as normalised', () => {
    const path = 'a'.repeat(100 - 'http://www.fetch.test/'.length);
    expect(parseFetchUrl(`http://www.fetch.test/${path}`, 100).href).toHaveLength(100);
    expect(() => parseFetchUrl(`http://www.fetch.test/${path}a`, 100)).toThrow(MxrayError);
    // The parser drops white space around a URL and tabs in it: the text as given counts too.
    expect(() => parseFetchUrl(`${' '.repeat(100)}http://www.fetch.test/`, 100)).toThrow(expect.objectContaining({ detail: 'url-too-long' }));
    expect(() => parseFetchUrl(`http://www.fetch.test/${'\t'.repeat(100)}`, 100)).toThrow(expect.objectContaining({ detail: 'url-too-long' }));
    // 34 characters as given, 36 once the space is percent-encoded.
    expect(() => parseFetchUrl('http://www.fetch.test/ abcdefghijk', 35)).toThrow(
      expect.objectContaining({ detail: 'url-too-long', message: expect.stringContaining('35') }),
    );
  });
});

describe('createNodeFetcher: plain HTTP', () => {
  it('GETs a URL through the resolver and returns status, headers, bytes and the address', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x41]);
    const server = await serve(ok(bytes, { 'x-one': 'a', 'set-cookie': ['a=1', 'b=2'] }));
    const { fetcher: f, resolver } = fetcher();
    const url = `http://${WWW}:${server.port}/crl/ca.crl?x=1#fragment`;
    const result = await f.fetch({ url, headers: { accept: 'application/pkix-crl' } });
    expect(result.status).toBe(200);
    expect(result.body.equals(bytes)).toBe(true);
    expect(result.headers['x-one']).toBe('a');
    expect(result.headers['content-type']).toBe('text/plain');
    expect(result.headers['set-cookie']).toBe('a=1, b=2');
    expect(result).toMatchObject({ url, address: '127.0.0.1', redirects: [] });
    expect(resolver.asked).toEqual([`A ${WWW}`, `AAAA ${WWW}`]);
    expect(server.requests).toHaveLength(1);
    const seen = server.requests[0]!;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/crl/ca.crl?x=1');
    // The headers on the wire, exactly: the caller's, then ours (our User-Agent when the caller
    // set none); no Accept-Encoding, since we decode nothing.
    expect(seen.rawHeaders).toEqual([
      'accept', 'application/pkix-crl',
      'user-agent', `mxray/${VERSION}`,
      'host', `${WWW}:${server.port}`,
      'connection', 'close',
    ]);
  });

  it('returns the body bytes as sent, without decoding a Content-Encoding', async () => {
    const bytes = Buffer.from('1f8b0800000000000003cb48cdc9c90700', 'hex');
    const server = await serve(ok(bytes, { 'content-encoding': 'gzip' }));
    const result = await fetcher().fetcher.fetch({ url: `http://${WWW}:${server.port}/` });
    expect(result.body.equals(bytes)).toBe(true);
  });

  it('uses an IP address host as is, without asking the resolver', async () => {
    const server = await serve(ok('hi'));
    const { fetcher: f, resolver } = fetcher();
    const result = await f.fetch({ url: `http://127.0.0.1:${server.port}/` });
    expect(result.body.toString()).toBe('hi');
    expect(resolver.asked).toEqual([]);
    expect(server.requests[0]!.headers.host).toBe(`127.0.0.1:${server.port}`);
  });

  it('POSTs a body with its length; the caller cannot set Host or the framing headers', async () => {
    const server = await serve(ok('answer'));
    const body = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]);
    await fetcher().fetcher.fetch({
      url: `http://${WWW}:${server.port}/ocsp`,
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/ocsp-request',
        Host: 'evil.example',
        'Content-Length': '1',
        'Transfer-Encoding': 'chunked',
        Connection: 'keep-alive',
        'user-agent': 'custom/1',
      },
    });
    const seen = server.requests[0]!;
    expect(seen.method).toBe('POST');
    expect(seen.body.equals(body)).toBe(true);
    // Exactly these headers, in this order: none of the caller's framing headers is sent, not
    // even as a duplicate that ours would overwrite.
    expect(seen.rawHeaders).toEqual([
      'content-type', 'application/ocsp-request',
      'user-agent', 'custom/1',
      'host', `${WWW}:${server.port}`,
      'connection', 'close',
      'content-length', '5',
    ]);
  });

  it('refuses bad requests as invalid-input before connecting', async () => {
    const server = await serve(ok('hi'));
    const url = `http://${WWW}:${server.port}/`;
    const f = fetcher().fetcher;
    // Each with what its message must name.
    const bad: [FetchRequest, string][] = [
      [{ url, method: 'PUT' as 'GET' }, 'PUT'],
      [{ url, body: Buffer.from('x') }, 'POST'],
      [{ url, timeoutMs: 0 }, 'timeoutMs'],
      [{ url, timeoutMs: 2 ** 31 }, 'timeoutMs'],
      [{ url, maxBytes: -1 }, 'maxBytes'],
      [{ url, maxBytes: 1.5 }, 'maxBytes'],
      [{ url, followRedirects: -1 }, 'followRedirects'],
      [{ url, headers: { 'x-bad': 'a\r\nInjected: yes' } }, 'x-bad'],
    ];
    for (const [request, named] of bad) {
      expect(await failure(f.fetch(request)), JSON.stringify(request)).toMatchObject({
        code: 'invalid-input',
        detail: 'bad-request',
        message: expect.stringContaining(named),
      });
    }
    expect(server.connections).toBe(0);
  });

  it('accepts the largest time-out, size cap and redirect count a timer can hold (2^31-1)', async () => {
    const server = await serve(ok('hi'));
    const max = 2 ** 31 - 1;
    const result = await fetcher().fetcher.fetch({ url: `http://${WWW}:${server.port}/`, timeoutMs: max, maxBytes: max, followRedirects: max });
    expect(result.body.toString()).toBe('hi');
  });

  it('refuses other schemes and credentials as invalid-input without a DNS query', async () => {
    const { fetcher: f, resolver } = fetcher();
    for (const [url, detail] of [
      ['file:///etc/passwd', 'bad-scheme'],
      ['ftp://www.fetch.test/', 'bad-scheme'],
      ['data:,x', 'bad-scheme'],
      ['http://a:b@www.fetch.test/', 'credentials'],
      ['not a url', 'bad-url'],
    ] as const) {
      expect(await failure(f.fetch({ url })), url).toMatchObject({ code: 'invalid-input', detail });
    }
    expect(resolver.asked).toEqual([]);
  });

  it('reports a broken response as protocol-error, and a short body as closed', async () => {
    const garbage = await serveRaw((s) => s.end('HELLO THERE\r\n\r\n'));
    const short = await serveRaw((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'));
    const silent = await serveRaw((s) => s.end());
    // Node drops a connection that switches protocols unasked, without an error.
    const upgrade = await serveRaw((s) => s.once('data', () => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n')));
    // A control character in a header value: only Node's lenient parser would take it.
    const lenient = await serveRaw((s) => s.end('HTTP/1.1 200 OK\r\nX-Odd: a\x01b\r\nContent-Length: 2\r\n\r\nhi'));
    const f = fetcher().fetcher;
    expect(await failure(f.fetch({ url: `http://${WWW}:${garbage.port}/` }))).toMatchObject({ code: 'protocol-error', detail: 'bad-response' });
    expect(await failure(f.fetch({ url: `http://${WWW}:${lenient.port}/` }))).toMatchObject({ code: 'protocol-error', detail: 'bad-response' });
    expect(await failure(f.fetch({ url: `http://${WWW}:${silent.port}/` }))).toMatchObject({ code: 'protocol-error', detail: 'closed' });
    // The message tells a body cut short from a connection that ended without a response.
    expect(await failure(f.fetch({ url: `http://${WWW}:${short.port}/`, timeoutMs: 5000 }))).toMatchObject({
      code: 'protocol-error',
      detail: 'closed',
      message: expect.stringMatching(/body/),
    });
    expect(await failure(f.fetch({ url: `http://${WWW}:${upgrade.port}/`, timeoutMs: 5000 }))).toMatchObject({
      code: 'protocol-error',
      detail: 'closed',
      message: expect.stringMatching(/response/),
    });
  });

  it('reads the trust store on the first HTTPS fetch only, and never for plain HTTP', async () => {
    const plain = await serve(ok('plain'));
    const secure = await serve(ok('secure'), { cert: trusted });
    let reads = 0;
    const counting: TrustStore = {
      description: 'counting',
      roots: () => {
        reads++;
        return trustStore.roots();
      },
    };
    const f = fetcher({ trustStore: counting }).fetcher;
    await f.fetch({ url: `http://${WWW}:${plain.port}/` });
    expect(reads).toBe(0);
    await f.fetch({ url: `https://${WWW}:${secure.port}/` });
    await f.fetch({ url: `https://${WWW}:${secure.port}/` });
    expect(reads).toBe(1);
  });

  it('connects to the checked address itself: the lookup node:http is given refuses every name', async () => {
    const server = await serve(ok('hi'));
    const spy = vi.spyOn(http, 'request');
    try {
      await fetcher().fetcher.fetch({ url: `http://${WWW}:${server.port}/` });
      expect(spy).toHaveBeenCalledTimes(1);
      const options = spy.mock.calls[0]![0] as http.RequestOptions;
      expect(options.host).toBe('127.0.0.1');
      let answer: unknown[] = [];
      const lookup = options.lookup as unknown as (name: string, options: object, callback: (...args: unknown[]) => void) => void;
      lookup(WWW, {}, (...args) => {
        answer = args;
      });
      expect(answer).toEqual([expect.objectContaining({ code: 'internal-error', message: expect.stringContaining(WWW) }), '', 4]);
      expect(answer[0]).toBeInstanceOf(MxrayError);
    } finally {
      spy.mockRestore();
    }
  });

  it('reports a closed port as connection-refused with the errno', async () => {
    const server = net.createServer();
    const port = await listen(server, '127.0.0.1');
    server.close();
    expect(await failure(fetcher().fetcher.fetch({ url: `http://${WWW}:${port}/` }))).toMatchObject({
      code: 'connection-refused',
      detail: 'ECONNREFUSED',
    });
  });
});

describe('createNodeFetcher: DNS and the address policy', () => {
  it('reports a resolver failure as dns-error with the DNS code', async () => {
    const server = await serve(ok('hi'));
    const cases: [Record<string, Outcome>, string][] = [
      [{}, 'NXDOMAIN'],
      [{ [`A ${WWW}`]: fail('SERVFAIL') }, 'SERVFAIL'],
      [{ [`AAAA ${WWW}`]: fail('SERVFAIL'), [`MX ${WWW}`]: [] }, 'SERVFAIL'],
      [{ [`MX ${WWW}`]: [] }, 'NODATA'],
      [{ [`A ${WWW}`]: fail('TIMEOUT'), [`AAAA ${WWW}`]: fail('NODATA') }, 'TIMEOUT'],
      // Answers that are not addresses are no answer.
      [{ [`A ${WWW}`]: ['localhost', '127.0.0.1.', ''] }, 'NODATA'],
      [{ [`A ${WWW}`]: ['localhost'], [`AAAA ${WWW}`]: [] }, 'NODATA'],
    ];
    for (const [table, detail] of cases) {
      const err = await failure(fetcher({ table }).fetcher.fetch({ url: `http://${WWW}:${server.port}/` }));
      expect(err, JSON.stringify(table)).toMatchObject({ code: 'dns-error', detail, message: expect.stringContaining(WWW) });
    }
    expect(server.connections).toBe(0);
  });

  it('uses the AAAA answer when there is no A answer', async () => {
    const server = await serve(ok('hi'));
    const policy: AddressPolicy = (address) => address === '::ffff:127.0.0.1';
    const f = fetcher({ table: { [`AAAA ${WWW}`]: ['::ffff:127.0.0.1'] }, addressPolicy: policy }).fetcher;
    const result = await f.fetch({ url: `http://${WWW}:${server.port}/` });
    expect(result.address).toBe('::ffff:127.0.0.1');
  });

  it('refuses an address the policy refuses as blocked-target, and never connects', async () => {
    const server = await serve(ok('hi'));
    const asked: string[] = [];
    const policy: AddressPolicy = (address, port) => {
      asked.push(`${address}:${port}`);
      return 'no thanks';
    };
    const f = fetcher({ addressPolicy: policy }).fetcher;
    expect(await failure(f.fetch({ url: `http://${WWW}:${server.port}/` }))).toMatchObject({ code: 'blocked-target', detail: 'address-policy' });
    expect(await failure(f.fetch({ url: `http://127.0.0.1:${server.port}/` }))).toMatchObject({ code: 'blocked-target', detail: 'address-policy' });
    expect(asked).toEqual([`127.0.0.1:${server.port}`, `127.0.0.1:${server.port}`]);
    expect(server.connections).toBe(0);
  });

  it('treats a policy answer of false as a refusal', async () => {
    const server = await serve(ok('hi'));
    const f = fetcher({ addressPolicy: () => false }).fetcher;
    expect(await failure(f.fetch({ url: `http://${WWW}:${server.port}/` }))).toMatchObject({ code: 'blocked-target', detail: 'address-policy' });
    expect(server.connections).toBe(0);
  });

  it('refuses loopback by default (publicOnlyPolicy)', async () => {
    const server = await serve(ok('hi'));
    const f = createNodeFetcher({ resolver: fakeResolver(NAMES), trustStore });
    for (const url of [`http://${WWW}:${server.port}/`, `http://127.0.0.1:${server.port}/`, `http://0x7f000001:${server.port}/`]) {
      expect(await failure(f.fetch({ url })), url).toMatchObject({ code: 'blocked-target', detail: 'address-policy' });
    }
    expect(server.connections).toBe(0);
  });

  it('skips the refused addresses of a name and connects to an allowed one', async () => {
    const server = await serve(ok('hi'));
    const table = { [`A ${WWW}`]: ['10.0.0.1', '127.0.0.1'], [`AAAA ${WWW}`]: ['fd00::1'] };
    const asked: string[] = [];
    const policy: AddressPolicy = (address) => {
      asked.push(address);
      return loopbackOnly(address, 0);
    };
    const result = await fetcher({ table, addressPolicy: policy }).fetcher.fetch({ url: `http://${WWW}:${server.port}/` });
    expect(result.address).toBe('127.0.0.1');
    expect(asked).toEqual(['10.0.0.1', '127.0.0.1']);
  });

  it('reports a resolver or policy that throws as internal-error', async () => {
    const server = await serve(ok('hi'));
    const broken: Resolver = { ...fakeResolver(NAMES), a: () => Promise.reject(new TypeError('resolver exploded')) };
    const url = `http://${WWW}:${server.port}/`;
    const bug = (message: string) => ({ code: 'internal-error', detail: 'bug', message: expect.stringContaining(message) });
    expect(await failure(fetcher({ resolver: broken }).fetcher.fetch({ url }))).toMatchObject(bug('resolver exploded'));
    // Also when the other lookup answered, with nothing usable.
    const half = { [`A ${WWW}`]: [], [`AAAA ${WWW}`]: new TypeError('AAAA exploded') };
    expect(await failure(fetcher({ table: half }).fetcher.fetch({ url }))).toMatchObject(bug('AAAA exploded'));
    const throwing: AddressPolicy = () => {
      throw new Error('policy exploded');
    };
    expect(await failure(fetcher({ addressPolicy: throwing }).fetcher.fetch({ url }))).toMatchObject(bug('policy exploded'));
    expect(server.connections).toBe(0);
  });

  it('names every refused address and why in the message', async () => {
    const table = { [`A ${WWW}`]: ['10.0.0.1', '127.0.0.2'] };
    const policy: AddressPolicy = (address) => (address === '10.0.0.1' ? 'private' : false);
    const err = await failure(fetcher({ table, addressPolicy: policy }).fetcher.fetch({ url: `http://${WWW}:8080/` }));
    expect(err).toMatchObject({ code: 'blocked-target', detail: 'address-policy' });
    expect(err.message).toContain(`${WWW} (10.0.0.1: private, 127.0.0.2: refused)`);
  });

  it('tries at most four addresses of a name that refuse the connection', async () => {
    const port = await closedPort();
    // Five spellings of 127.0.0.1 (the IPv4-mapped ones reach it too), none listening.
    const spellings = ['127.0.0.1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:7f00:0001', '0:0:0:0:0:ffff:7f00:1'];
    const asked: string[] = [];
    const policy: AddressPolicy = (address) => {
      asked.push(address);
      return true;
    };
    const table = { [`A ${WWW}`]: spellings.slice(0, 1), [`AAAA ${WWW}`]: spellings.slice(1) };
    const err = await failure(fetcher({ table, addressPolicy: policy }).fetcher.fetch({ url: `http://${WWW}:${port}/` }));
    expect(err).toMatchObject({ code: 'connection-refused', detail: 'ECONNREFUSED' });
    expect(asked).toEqual(spellings.slice(0, 4));
  });

  it('tries no other address after a failure other than a refused connection', async () => {
    let connection = 0;
    // The first connection gets garbage, a second one would get an answer.
    const server = await serveRaw((s) =>
      s.end(connection++ === 0 ? 'HELLO THERE\r\n\r\n' : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'),
    );
    const table = { [`A ${WWW}`]: ['127.0.0.1'], [`AAAA ${WWW}`]: ['::ffff:127.0.0.1'] };
    const err = await failure(fetcher({ table, addressPolicy: () => true }).fetcher.fetch({ url: `http://${WWW}:${server.port}/` }));
    expect(err).toMatchObject({ code: 'protocol-error', detail: 'bad-response' });
    expect(server.connections).toBe(1);
  });

  it('stops, asking the policy nothing, when the signal aborts while DNS is asked', async () => {
    const server = await serve(ok('hi'));
    const controller = new AbortController();
    const names = fakeResolver(NAMES);
    const aborting: Resolver = {
      ...names,
      a: (name) => {
        controller.abort();
        return names.a(name);
      },
    };
    const asked: string[] = [];
    const policy: AddressPolicy = (address) => {
      asked.push(address);
      return true;
    };
    const f = fetcher({ resolver: aborting, addressPolicy: policy }).fetcher;
    const err = await failure(f.fetch({ url: `http://${WWW}:${server.port}/`, signal: controller.signal }));
    expect(err).toMatchObject({ code: 'connection-timeout', detail: 'aborted' });
    expect(asked).toEqual([]);
    expect(server.connections).toBe(0);
  });

  it('does not connect when the signal aborts while the policy is asked', async () => {
    const server = await serve(ok('hi'));
    const controller = new AbortController();
    const policy: AddressPolicy = () => {
      controller.abort();
      return true;
    };
    const err = await failure(fetcher({ addressPolicy: policy }).fetcher.fetch({ url: `http://${WWW}:${server.port}/`, signal: controller.signal }));
    expect(err).toMatchObject({ code: 'connection-timeout', detail: 'aborted' });
    expect(server.connections).toBe(0);
  });
});

describe('createNodeFetcher: HTTPS', () => {
  it('verifies the server against the injected trust store and sends the host name as SNI', async () => {
    const server = await serve(ok('secret'), { cert: trusted });
    const result = await fetcher().fetcher.fetch({ url: `https://${WWW}:${server.port}/policy` });
    expect(result.status).toBe(200);
    expect(result.body.toString()).toBe('secret');
    expect(server.sni).toEqual([WWW]);
    expect(server.requests[0]!.headers.host).toBe(`${WWW}:${server.port}`);
  });

  it('checks an IP address host against the IP addresses in the certificate, and sends no SNI', async () => {
    const server = await serve(ok('by address'), { cert: trusted });
    const result = await fetcher().fetcher.fetch({ url: `https://127.0.0.1:${server.port}/` });
    expect(result.body.toString()).toBe('by address');
    expect(server.sni).toEqual([false]);
  });

  it('refuses a certificate from a CA outside the trust store', async () => {
    const server = await serve(ok('secret'), { cert: untrusted });
    const err = await failure(fetcher().fetcher.fetch({ url: `https://${WWW}:${server.port}/` }));
    expect(err).toMatchObject({ code: 'tls-handshake-error', detail: 'cert-untrusted' });
    expect(server.requests).toHaveLength(0);
  });

  it('trusts nothing when the trust store is empty', async () => {
    const server = await serve(ok('secret'), { cert: trusted });
    const empty: TrustStore = { description: 'empty', roots: () => [] };
    const err = await failure(fetcher({ trustStore: empty }).fetcher.fetch({ url: `https://${WWW}:${server.port}/` }));
    expect(err).toMatchObject({ code: 'tls-handshake-error', detail: 'cert-untrusted' });
  });

  it('refuses a certificate for another name', async () => {
    const server = await serve(ok('secret'), { cert: trusted });
    const err = await failure(fetcher().fetcher.fetch({ url: `https://${OTHER}:${server.port}/` }));
    expect(err).toMatchObject({ code: 'tls-handshake-error', detail: 'cert-name-mismatch' });
    expect(server.sni).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses an expired certificate', async () => {
    const server = await serve(ok('secret'), { cert: expired });
    const err = await failure(fetcher().fetcher.fetch({ url: `https://${WWW}:${server.port}/` }));
    expect(err).toMatchObject({ code: 'tls-handshake-error', detail: 'cert-expired' });
  });

  it('refuses a certificate that is not valid yet', async () => {
    const server = await serve(ok('secret'), { cert: notYetValid });
    const err = await failure(fetcher().fetcher.fetch({ url: `https://${WWW}:${server.port}/` }));
    expect(err).toMatchObject({ code: 'tls-handshake-error', detail: 'cert-not-yet-valid' });
    expect(server.requests).toHaveLength(0);
  });

  it('sends a name written with a trailing dot without it as SNI', async () => {
    const server = await serve(ok('secret'), { cert: trusted });
    const result = await fetcher().fetcher.fetch({ url: `https://${WWW}.:${server.port}/` });
    expect(result.body.toString()).toBe('secret');
    expect(server.sni).toEqual([WWW]);
    expect(server.requests[0]!.headers.host).toBe(`${WWW}.:${server.port}`);
  });

  it('reports a broken response after the handshake as protocol-error, not as a TLS failure', async () => {
    const server = await serveTlsRaw(trusted, (s) => s.once('data', () => s.end('HELLO THERE\r\n\r\n')));
    const err = await failure(fetcher().fetcher.fetch({ url: `https://${WWW}:${server.port}/` }));
    expect(err).toMatchObject({ code: 'protocol-error', detail: 'bad-response' });
    expect(server.connections).toBe(1);
  });

  it('reports a server that does not speak TLS as tls-handshake-error', async () => {
    const server = await serveRaw((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const err = await failure(fetcher().fetcher.fetch({ url: `https://${WWW}:${server.port}/` }));
    expect(err).toMatchObject({ code: 'tls-handshake-error', detail: 'handshake-failed' });
  });
});

describe('createNodeFetcher: redirects', () => {
  it('returns a redirect as the result by default, without following it', async () => {
    const target = await serve(ok('final'));
    const server = await serve(redirect(301, `http://${WWW}:${target.port}/final`));
    const url = `http://${WWW}:${server.port}/start`;
    const result = await fetcher().fetcher.fetch({ url });
    expect(result.status).toBe(301);
    expect(result.headers.location).toBe(`http://${WWW}:${target.port}/final`);
    expect(result.body.toString()).toBe('moved');
    expect(result).toMatchObject({ url, redirects: [] });
    expect(target.connections).toBe(0);
  });

  it('follows up to the given number of redirects, relative ones included, resolving each host', async () => {
    const final = await serve(ok('final'));
    const server = await serve((req, res) => {
      if (req.url === '/r1') redirect(302, '/r2')(req, res);
      else redirect(308, `http://${OTHER}:${final.port}/final`)(req, res);
    });
    const { fetcher: f, resolver } = fetcher();
    const first = `http://${WWW}:${server.port}/r1`;
    const result = await f.fetch({ url: first, followRedirects: 2 });
    expect(result.status).toBe(200);
    expect(result.body.toString()).toBe('final');
    expect(result.url).toBe(`http://${OTHER}:${final.port}/final`);
    expect(result.redirects).toEqual([first, `http://${WWW}:${server.port}/r2`]);
    expect(resolver.asked).toEqual([`A ${WWW}`, `AAAA ${WWW}`, `A ${WWW}`, `AAAA ${WWW}`, `A ${OTHER}`, `AAAA ${OTHER}`]);
    // One redirect fewer than needed: the limit is an error, and the last hop is never reached.
    const before = final.connections;
    expect(await failure(f.fetch({ url: first, followRedirects: 1 }))).toMatchObject({
      code: 'protocol-error',
      detail: 'redirect-limit',
      message: expect.stringMatching(/\b1\b/),
    });
    expect(final.connections).toBe(before);
  });

  it('repeats a POST on 307 and turns it into a GET on 303', async () => {
    const final = await serve(ok('done'));
    const server = await serve((req, res) => {
      if (req.url === '/307') redirect(307, '/303')(req, res);
      else redirect(303, `http://${WWW}:${final.port}/result`)(req, res);
    });
    const body = Buffer.from('request');
    const result = await fetcher().fetcher.fetch({ url: `http://${WWW}:${server.port}/307`, method: 'POST', body, followRedirects: 3 });
    expect(result.body.toString()).toBe('done');
    expect(server.requests.map((r) => [r.method, r.url, r.body.toString()])).toEqual([
      ['POST', '/307', 'request'],
      ['POST', '/303', 'request'],
    ]);
    expect(final.requests.map((r) => [r.method, r.body.length, r.headers['content-length']])).toEqual([['GET', 0, undefined]]);
  });

  it('after a POST: 307 and 308 repeat it, 301, 302 and 303 make it a GET without a body', async () => {
    const server = await serve((req, res) => {
      if (req.url!.endsWith('/next')) ok('done')(req, res);
      else redirect(Number(req.url!.slice(1)), `${req.url!}/next`)(req, res);
    });
    const f = fetcher().fetcher;
    for (const status of [301, 302, 303, 307, 308]) {
      const result = await f.fetch({ url: `http://${WWW}:${server.port}/${status}`, method: 'POST', body: Buffer.from('form'), followRedirects: 1 });
      expect(result.body.toString()).toBe('done');
    }
    expect(server.requests.map((r) => [r.method, r.url, r.body.toString()])).toEqual([
      ['POST', '/301', 'form'],
      ['GET', '/301/next', ''],
      ['POST', '/302', 'form'],
      ['GET', '/302/next', ''],
      ['POST', '/303', 'form'],
      ['GET', '/303/next', ''],
      ['POST', '/307', 'form'],
      ['POST', '/307/next', 'form'],
      ['POST', '/308', 'form'],
      ['POST', '/308/next', 'form'],
    ]);
  });

  it('follows only 301, 302, 303, 307 and 308', async () => {
    const server = await serve((req, res) => {
      if (req.url!.endsWith('/next')) ok('followed')(req, res);
      else redirect(Number(req.url!.slice(1)), `${req.url!}/next`)(req, res);
    });
    const f = fetcher().fetcher;
    const statusAfter = async (status: number) => (await f.fetch({ url: `http://${WWW}:${server.port}/${status}`, followRedirects: 1 })).status;
    expect(await Promise.all([300, 301, 302, 303, 304, 305, 307, 308].map(statusAfter))).toEqual([300, 200, 200, 200, 304, 305, 200, 200]);
  });

  it('puts every hop to the address policy: a redirect to a refused address is blocked-target', async () => {
    const blocked = await serve(ok('internal'));
    const server = await serve(redirect(302, `http://${OTHER}:${blocked.port}/admin`));
    const policy: AddressPolicy = (_address, port) => port !== blocked.port || 'internal service';
    const err = await failure(fetcher({ addressPolicy: policy }).fetcher.fetch({ url: `http://${WWW}:${server.port}/`, followRedirects: 3 }));
    expect(err).toMatchObject({ code: 'blocked-target', detail: 'address-policy', message: expect.stringContaining(`127.0.0.1: internal service`) });
    expect(blocked.connections).toBe(0);
  });

  it('follows redirects without reading their bodies, however long', async () => {
    const final = await serve(ok('final'));
    const server = await serve((req, res) => {
      res.writeHead(302, { location: req.url === '/a' ? '/b' : `http://${WWW}:${final.port}/` });
      res.end(Buffer.alloc(5000));
    });
    const f = fetcher().fetcher;
    const url = `http://${WWW}:${server.port}/a`;
    expect((await f.fetch({ url, followRedirects: 2, maxBytes: 100 })).body.toString()).toBe('final');
    // Over the limit it is the limit that counts, not the size of the last redirect's body.
    expect(await failure(f.fetch({ url, followRedirects: 1, maxBytes: 100 }))).toMatchObject({ code: 'protocol-error', detail: 'redirect-limit' });
  });

  it('refuses a redirect from https to http', async () => {
    const plain = await serve(ok('cleartext'));
    const server = await serve(redirect(301, `http://${WWW}:${plain.port}/`), { cert: trusted });
    const err = await failure(fetcher().fetcher.fetch({ url: `https://${WWW}:${server.port}/`, followRedirects: 3 }));
    expect(err).toMatchObject({ code: 'blocked-target', detail: 'redirect-downgrade', message: expect.stringContaining(`http://${WWW}:${plain.port}/`) });
    expect(plain.connections).toBe(0);
  });

  it('follows a redirect from http to https', async () => {
    const secure = await serve(ok('secure'), { cert: trusted });
    const server = await serve(redirect(301, `https://${WWW}:${secure.port}/`));
    const result = await fetcher().fetcher.fetch({ url: `http://${WWW}:${server.port}/`, followRedirects: 1 });
    expect(result.body.toString()).toBe('secure');
  });

  it('applies the URL rules to a redirect target', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/file') redirect(302, 'file:///etc/passwd')(req, res);
      else if (req.url === '/creds') redirect(302, `http://u:p@${WWW}/`)(req, res);
      else if (req.url === '/bad') redirect(302, 'http://[::1/')(req, res);
      else {
        res.writeHead(302);
        res.end();
      }
    });
    const f = fetcher().fetcher;
    const at = (path: string) => f.fetch({ url: `http://${WWW}:${server.port}${path}`, followRedirects: 2 });
    expect(await failure(at('/file'))).toMatchObject({ code: 'invalid-input', detail: 'bad-scheme' });
    expect(await failure(at('/creds'))).toMatchObject({ code: 'invalid-input', detail: 'credentials' });
    expect(await failure(at('/bad'))).toMatchObject({ code: 'protocol-error', detail: 'redirect-location' });
    // The message names the status that came without a Location.
    expect(await failure(at('/none'))).toMatchObject({ code: 'protocol-error', detail: 'redirect-location', message: expect.stringContaining('302') });
  });
});

describe('createNodeFetcher: size caps', () => {
  it('refuses a body whose Content-Length is over the cap without waiting for it', async () => {
    // The body never comes: only the announcement can end this fetch before its time-out.
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(10_000_000) });
      res.flushHeaders();
    });
    const err = await failure(fetcher().fetcher.fetch({ url: `http://${WWW}:${server.port}/`, timeoutMs: 20_000 }));
    expect(err).toMatchObject({ code: 'protocol-error', detail: 'too-large', message: expect.stringContaining('10000000') });
  });

  it('stops reading a chunked body as soon as it is over the cap', async () => {
    // 4 KiB chunks, without end: only counting the bytes can end this fetch before its time-out.
    const server = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(Buffer.alloc(4096, 0x61)), 5);
      res.on('close', () => clearInterval(timer));
      cleanups.push(() => clearInterval(timer));
    });
    const err = await failure(fetcher().fetcher.fetch({ url: `http://${WWW}:${server.port}/`, maxBytes: 64 * 1024, timeoutMs: 20_000 }));
    expect(err).toMatchObject({ code: 'protocol-error', detail: 'too-large', message: expect.stringContaining('65536') });
  });

  it('accepts a body of exactly the cap, announced or chunked, and refuses one byte more', async () => {
    const server = await serve((req, res) => {
      const size = req.url!.includes('over') ? 1001 : 1000;
      if (req.url!.startsWith('/announced')) res.writeHead(200, { 'content-length': String(size) });
      else res.writeHead(200);
      res.write(Buffer.alloc(size - 1, 0x62));
      res.end(Buffer.from('z'));
    });
    const f = fetcher().fetcher;
    const at = (path: string) => f.fetch({ url: `http://${WWW}:${server.port}${path}`, maxBytes: 1000 });
    expect((await at('/announced')).body).toHaveLength(1000);
    expect((await at('/chunked')).body).toHaveLength(1000);
    expect(await failure(at('/announced-over'))).toMatchObject({ code: 'protocol-error', detail: 'too-large' });
    expect(await failure(at('/chunked-over'))).toMatchObject({ code: 'protocol-error', detail: 'too-large' });
  });

  it('uses the limits given to the fetcher', async () => {
    const server = await serve(ok('0123456789'));
    const f = fetcher({ limits: { maxBytes: 9 } }).fetcher;
    expect(await failure(f.fetch({ url: `http://${WWW}:${server.port}/` }))).toMatchObject({ detail: 'too-large' });
    // A request's own cap wins.
    expect((await f.fetch({ url: `http://${WWW}:${server.port}/`, maxBytes: 10 })).body.toString()).toBe('0123456789');
  });

  it('refuses headers over the header cap', async () => {
    const server = await serve(ok('hi', { 'x-big': 'b'.repeat(2000) }));
    const small = fetcher({ limits: { maxHeaderBytes: 1024 } }).fetcher;
    expect(await failure(small.fetch({ url: `http://${WWW}:${server.port}/` }))).toMatchObject({ code: 'protocol-error', detail: 'header-too-large' });
    // Within the default cap.
    expect((await fetcher().fetcher.fetch({ url: `http://${WWW}:${server.port}/` })).headers['x-big']).toHaveLength(2000);
    // The default cap: 16 KiB.
    const huge = await serve(ok('hi', { 'x-big': 'b'.repeat(16 * 1024) }));
    expect(await failure(fetcher().fetcher.fetch({ url: `http://${WWW}:${huge.port}/` }))).toMatchObject({ detail: 'header-too-large' });
  });
});

describe('createNodeFetcher: time-outs and aborts', () => {
  it('gives up with io-timeout when the server never answers', async () => {
    const server = await serve(() => undefined);
    const err = await failure(fetcher().fetcher.fetch({ url: `http://${WWW}:${server.port}/`, timeoutMs: 200 }));
    expect(err).toMatchObject({ code: 'io-timeout', detail: 'timeout', message: expect.stringMatching(/time/) });
  });

  it('counts the body in the time-out: a server that drips its body is cut off', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 20);
      res.on('close', () => clearInterval(timer));
      cleanups.push(() => clearInterval(timer));
    });
    const err = await failure(fetcher().fetcher.fetch({ url: `http://${WWW}:${server.port}/`, timeoutMs: 300 }));
    expect(err).toMatchObject({ code: 'io-timeout', detail: 'timeout' });
  });

  it('gives up with connection-timeout when the time runs out before a connection (here: during DNS)', async () => {
    const slow: Resolver = { ...fakeResolver(NAMES), a: () => new Promise<string[]>(() => undefined) };
    const err = await failure(fetcher({ resolver: slow }).fetcher.fetch({ url: `http://${WWW}:1/`, timeoutMs: 200 }));
    expect(err).toMatchObject({ code: 'connection-timeout', detail: 'timeout', message: expect.stringMatching(/time/) });
  });

  it('uses the fetcher default time-out', async () => {
    const server = await serve(() => undefined);
    const err = await failure(fetcher({ limits: { timeoutMs: 200 } }).fetcher.fetch({ url: `http://${WWW}:${server.port}/` }));
    expect(err).toMatchObject({ code: 'io-timeout', detail: 'timeout' });
  });

  it('rejects at once for an already aborted signal, without DNS or a connection', async () => {
    const server = await serve(ok('hi'));
    const { fetcher: f, resolver } = fetcher();
    const err = await failure(f.fetch({ url: `http://${WWW}:${server.port}/`, signal: AbortSignal.abort() }));
    expect(err).toMatchObject({ code: 'connection-timeout', detail: 'aborted', message: expect.stringMatching(/abort/) });
    expect(resolver.asked).toEqual([]);
    expect(server.connections).toBe(0);
  });

  it('stops when the signal aborts during the fetch', async () => {
    const controller = new AbortController();
    const server = await serve(() => controller.abort());
    const err = await failure(fetcher().fetcher.fetch({ url: `http://${WWW}:${server.port}/`, signal: controller.signal, timeoutMs: 20_000 }));
    expect(err).toMatchObject({ code: 'io-timeout', detail: 'aborted', message: expect.stringMatching(/abort/) });
  });

  it('leaves no listener on the caller signal', async () => {
    const server = await serve(ok('hi'));
    const controller = new AbortController();
    const f = fetcher().fetcher;
    await f.fetch({ url: `http://${WWW}:${server.port}/`, signal: controller.signal });
    await failure(f.fetch({ url: `http://${WWW}:${server.port}/`, signal: controller.signal, maxBytes: 1 }));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('createNodeFetcher: IPv6 loopback', () => {
  async function serveV6(handler: Handler, cert?: IssuedCert): Promise<Served | null> {
    try {
      return await serve(handler, { host: '::1', ...(cert ? { cert } : {}) });
    } catch {
      return null;
    }
  }

  it('fetches from [::1] and from a name with only an AAAA answer, over HTTP and HTTPS', async (context) => {
    const server = await serveV6(ok('six'));
    const secure = await serveV6(ok('secure six'), trusted);
    if (!server || !secure) skipWithout(context, 'ipv6-loopback', 'cannot bind [::1]');
    const f = fetcher({ table: { [`AAAA ${WWW}`]: ['::1'] } }).fetcher;
    expect(await f.fetch({ url: `http://[::1]:${server.port}/` })).toMatchObject({ status: 200, address: '::1' });
    expect(server.requests[0]!.headers.host).toBe(`[::1]:${server.port}`);
    expect((await f.fetch({ url: `http://${WWW}:${server.port}/` })).body.toString()).toBe('six');
    expect((await f.fetch({ url: `https://${WWW}:${secure.port}/` })).body.toString()).toBe('secure six');
    expect((await f.fetch({ url: `https://[::1]:${secure.port}/` })).body.toString()).toBe('secure six');
  });

  it('tries the next address when one refuses the connection', async (context) => {
    const server = await serveV6(ok('second'));
    if (!server) skipWithout(context, 'ipv6-loopback', 'cannot bind [::1]');
    // Nobody listens on 127.0.0.1 at the port the kernel gave the [::1] server.
    const f = fetcher({ table: { [`A ${WWW}`]: ['127.0.0.1'], [`AAAA ${WWW}`]: ['::1'] } }).fetcher;
    const result = await f.fetch({ url: `http://${WWW}:${server.port}/` });
    expect(result).toMatchObject({ address: '::1' });
    expect(result.body.toString()).toBe('second');
  });
});

describe('requestFailure: what an error from node:http means, by phase', () => {
  const error = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code });

  // OpenSSL's verification codes as Node reports them: the chain is not trusted, whatever the phase.
  it.each([
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_CRL',
    'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
    'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
    'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
    'CERT_SIGNATURE_FAILURE',
    'CRL_SIGNATURE_FAILURE',
    'CRL_NOT_YET_VALID',
    'CRL_HAS_EXPIRED',
    'ERROR_IN_CERT_NOT_BEFORE_FIELD',
    'ERROR_IN_CERT_NOT_AFTER_FIELD',
    'ERROR_IN_CRL_LAST_UPDATE_FIELD',
    'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'CERT_CHAIN_TOO_LONG',
    'CERT_REVOKED',
    'INVALID_CA',
    'PATH_LENGTH_EXCEEDED',
    'INVALID_PURPOSE',
    'CERT_UNTRUSTED',
    'CERT_REJECTED',
  ])('%s: cert-untrusted', (code) => {
    for (const phase of ['connect', 'tls', 'response'] as const) {
      expect(requestFailure(error('verification failed', code), phase), phase).toMatchObject({ code: 'tls-handshake-error', detail: 'cert-untrusted' });
    }
  });

  it.each([
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'cert-name-mismatch'],
    ['HOSTNAME_MISMATCH', 'cert-name-mismatch'],
    ['CERT_HAS_EXPIRED', 'cert-expired'],
    ['CERT_NOT_YET_VALID', 'cert-not-yet-valid'],
  ])('%s: %s', (code, detail) => {
    expect(requestFailure(error('bad certificate', code), 'tls')).toMatchObject({ code: 'tls-handshake-error', detail });
  });

  it.each([
    ['connect', 'ETIMEDOUT', 'connection-timeout', 'ETIMEDOUT'],
    ['connect', 'ECONNREFUSED', 'connection-refused', 'ECONNREFUSED'],
    ['connect', 'EHOSTUNREACH', 'connection-refused', 'EHOSTUNREACH'],
    ['connect', undefined, 'connection-refused', null],
    ['tls', 'ECONNRESET', 'tls-handshake-error', 'handshake-failed'],
    ['tls', 'ETIMEDOUT', 'tls-handshake-error', 'handshake-failed'],
    ['response', 'HPE_HEADER_OVERFLOW', 'protocol-error', 'header-too-large'],
    ['response', 'HPE_INVALID_CONSTANT', 'protocol-error', 'bad-response'],
    ['response', 'ECONNRESET', 'protocol-error', 'closed'],
    ['response', 'ETIMEDOUT', 'protocol-error', 'closed'],
    ['response', undefined, 'protocol-error', 'closed'],
  ] as const)('at %s, code %s: %s (%s)', (phase, errno, code, detail) => {
    expect(requestFailure(error('it failed', errno), phase)).toMatchObject({ code, detail });
  });

  it("keeps Node's message and adds the code, when there is one", () => {
    expect(requestFailure(error('socket hang up', 'ECONNRESET'), 'response').message).toBe('socket hang up (ECONNRESET)');
    expect(requestFailure(error('socket hang up'), 'response').message).toBe('socket hang up');
  });

  it('passes an MxrayError through as it is', () => {
    const own = new MxrayError('internal-error', 'lookup attempted');
    expect(requestFailure(own, 'connect')).toBe(own);
  });
});
