// The MTA-STS policy fetch end to end: fetchPolicy through the real HTTP fetcher (node:https,
// verified against a test CA made per run with openssl) and the real resolver, against the policy
// host (test/helpers/policy-host.ts) and the demo DNS server, both on loopback and stopped after
// the run. One test per way a policy host answers or fails; codes and details asserted, never
// message text, and no time-out asserted by elapsed time.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.js';
import type { Resolver } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';
import type { PolicyFetch } from '../../src/core/schema.js';
import { Transcript } from '../../src/core/transcript.js';
import { startDnsServer, type RunningDnsServer } from '../../src/demo/dns-server.js';
import type { ZoneRecord } from '../../src/demo/zone.js';
import { createResolver } from '../../src/dns/system-resolver.js';
import type { HttpFetcher } from '../../src/http/fetcher.js';
import { createNodeFetcher } from '../../src/http/node-fetcher.js';
import { fetchPolicy } from '../../src/jobs/posture/fetch-policy.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { startPolicyHost, type PolicyHost, type PolicyRoute } from '../helpers/policy-host.js';

const LF_POLICY = 'version: STSv1\nmode: enforce\nmx: mail.lf.test\nmx: *.backup.lf.test\nmax_age: 604800\n';
const CRLF_POLICY = 'version: STSv1\r\nmode: testing\r\nmx: mail.crlf.test\r\nmax_age: 86400\r\n';
const PATH = '/.well-known/mta-sts.txt';
const url = (domain: string) => `https://mta-sts.${domain}${PATH}`;
const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');
const KIB64 = 64 * 1024;

/** The policy host's behaviour per domain (the route is mta-sts.<domain>). */
const ROUTES: Record<string, PolicyRoute> = {
  'lf.test': { body: LF_POLICY },
  'crlf.test': { body: CRLF_POLICY },
  'charset.test': { contentType: 'text/plain; charset=utf-8', body: LF_POLICY },
  'html.test': { contentType: 'text/html', body: `<html><body><pre>${LF_POLICY}</pre></body></html>\n` },
  'no-type.test': { contentType: null, body: LF_POLICY },
  'redirect.test': { status: 301, headers: { location: url('target.test') }, body: 'Moved\n' },
  'found.test': { status: 302, headers: { location: url('target.test') }, body: '' },
  'target.test': { body: LF_POLICY },
  'not-found.test': { status: 404, body: 'Not Found\n' },
  'server-error.test': { status: 500, body: 'Internal Server Error\n' },
  'exact.test': { body: Buffer.alloc(KIB64, 0x61) },
  'big.test': { body: Buffer.alloc(KIB64 + 1, 0x61) },
  'big-chunked.test': { body: Buffer.alloc(KIB64 + 1, 0x61), chunked: true },
  'huge.test': { body: Buffer.alloc(1024 * 1024, 0x61) },
  'huge-chunked.test': { body: Buffer.alloc(1024 * 1024, 0x61), chunked: true },
  'latin1.test': { contentType: 'text/plain; charset=iso-8859-1', body: Buffer.from('version: STSv1\nmode: enforce\nmx: caf\xe9.test\nmax_age: 86400\n', 'latin1') },
  'untrusted.test': { body: LF_POLICY, cert: 'untrusted' },
  'mismatch.test': { body: LF_POLICY, cert: { names: ['www.mismatch.test'] } },
  'expired.test': { body: LF_POLICY, cert: 'expired' },
  'cname.test': { body: LF_POLICY },
  // A provider serves its own certificate to a customer name it has none for.
  'cname-wrong.test': { body: LF_POLICY, cert: { names: ['policyhost.provider.test'] } },
  'hang.test': { hang: true },
};
/** The CNAME target's own route: whoever asks for it by name gets this (never a policy fetch done right). */
const PROVIDER: PolicyRoute = { body: 'the provider itself\n' };

let host: PolicyHost;
let dns: RunningDnsServer;
/** A loopback address where nothing listens. */
let closedAddress: string;

beforeAll(async () => {
  host = await startPolicyHost({
    routes: { ...Object.fromEntries(Object.entries(ROUTES).map(([domain, route]) => [`mta-sts.${domain}`, route])), 'policyhost.provider.test': PROVIDER },
  });
  const [a, b, c] = host.address.split('.').slice(1).map(Number) as [number, number, number];
  closedAddress = `127.${a}.${b}.${c === 254 ? 1 : c + 1}`;
  const records: ZoneRecord[] = [
    ...Object.keys(ROUTES)
      .filter((domain) => !domain.startsWith('cname'))
      .map((domain): ZoneRecord => ({ name: `mta-sts.${domain}`, type: 'A', data: host.address })),
    { name: 'mta-sts.cname.test', type: 'CNAME', data: 'policyhost.provider.test' },
    { name: 'mta-sts.cname-wrong.test', type: 'CNAME', data: 'policyhost.provider.test' },
    { name: 'policyhost.provider.test', type: 'A', data: host.address },
    { name: 'mta-sts.refused.test', type: 'A', data: closedAddress },
    // A loop, and a chain longer than the 8 links followed.
    { name: 'mta-sts.loop.test', type: 'CNAME', data: 'a.loop.test' },
    { name: 'a.loop.test', type: 'CNAME', data: 'mta-sts.loop.test' },
    ...Array.from({ length: 9 }, (_, i): ZoneRecord => ({ name: i === 0 ? 'mta-sts.long.test' : `l${i}.long.test`, type: 'CNAME', data: `l${i + 1}.long.test` })),
    { name: 'l9.long.test', type: 'A', data: host.address },
    // The domain exists (it has a TXT record), its policy host does not.
    { name: '_mta-sts.nx.test', type: 'TXT', data: 'v=STSv1; id=1' },
  ];
  dns = await startDnsServer({ records });
}, 60_000);

afterAll(async () => {
  await dns?.stop();
  await host?.stop();
});

beforeEach(() => host.reset());

/** The resolver on the test's DNS server, with every query it is asked recorded. */
function edges(options: { fetcher?: boolean; limits?: { timeoutMs?: number } } = {}) {
  const system = createResolver({ server: `127.0.0.1:${dns.port}`, timeoutMs: 2000, tries: 1 });
  const asked: string[] = [];
  const resolver: Resolver = {
    description: system.description,
    mx: (n) => system.mx(n),
    a: (n) => (asked.push(`A ${n}`), system.a(n)),
    aaaa: (n) => (asked.push(`AAAA ${n}`), system.aaaa(n)),
    cname: (n) => (asked.push(`CNAME ${n}`), system.cname(n)),
    ptr: (n) => system.ptr(n),
    txt: (n) => system.txt(n),
  };
  const trustStore = createTrustStore([host.caPem], 'policy host test CA');
  // Loopback addresses are refused by default (publicOnlyPolicy): allowed here.
  const fetcher: HttpFetcher | null = options.fetcher === false ? null : host.reach(createNodeFetcher({ resolver, trustStore, addressPolicy: () => true, limits: options.limits }));
  const transcript = new Transcript(fixedClock(0));
  return { resolver, fetcher, transcript, asked };
}

async function fetchOf(domain: string, more: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  const e = edges();
  const result = await fetchPolicy(domain, { fetcher: e.fetcher, resolver: e.resolver, transcript: e.transcript, ...more });
  return { result, transcript: e.transcript, asked: e.asked };
}

/** A fetched answer as the test expects it, the fields not given as on a 200 with no body. */
function fetched(domain: string, fields: Partial<PolicyFetch>): PolicyFetch {
  return { url: url(domain), status: 'fetched', cname: [], address: host.address, httpStatus: 200, contentType: 'text/plain', location: null, bytes: 0, body: null, sha256: sha256(''), error: null, ...fields };
}

/** A failure's facts: code and detail asserted, the message only checked to be there. */
function failed(domain: string, code: string, detail: string | null, cname: string[] = []): PolicyFetch {
  return {
    url: url(domain),
    status: 'failed',
    cname,
    address: null,
    httpStatus: null,
    contentType: null,
    location: null,
    bytes: null,
    body: null,
    sha256: null,
    error: { code, detail, message: expect.any(String) as unknown as string } as PolicyFetch['error'],
  };
}

const texts = (t: Transcript) => t.events.map((e) => `${e.conn} ${e.kind} ${e.text}`);

describe('a policy is fetched', () => {
  it('an LF policy: the body, its size and SHA-256, the address, the request as RFC 8461 asks', async () => {
    const { result, transcript } = await fetchOf('lf.test');
    const bytes = Buffer.byteLength(LF_POLICY);
    expect(result).toEqual(fetched('lf.test', { body: LF_POLICY, bytes, sha256: sha256(LF_POLICY) }));
    expect(host.requests).toEqual([
      { host: 'mta-sts.lf.test', sni: 'mta-sts.lf.test', method: 'GET', path: PATH, headers: expect.objectContaining({ accept: 'text/plain' }) },
    ]);
    expect(texts(transcript)).toEqual([
      `mta-sts.lf.test/https note GET ${url('lf.test')}`,
      `mta-sts.lf.test/https note HTTP 200, text/plain, ${bytes} bytes from ${host.address}`,
    ]);
  });

  it('a CRLF policy: the bytes kept exactly', async () => {
    const { result } = await fetchOf('crlf.test');
    expect(result).toEqual(fetched('crlf.test', { body: CRLF_POLICY, bytes: Buffer.byteLength(CRLF_POLICY), sha256: sha256(CRLF_POLICY) }));
    expect(result.body?.split('\r\n')).toHaveLength(5);
  });

  it('a Content-Type with parameters is recorded as received', async () => {
    const { result, transcript } = await fetchOf('charset.test');
    expect(result).toEqual(fetched('charset.test', { contentType: 'text/plain; charset=utf-8', body: LF_POLICY, bytes: Buffer.byteLength(LF_POLICY), sha256: sha256(LF_POLICY) }));
    expect(texts(transcript)[1]).toBe(`mta-sts.charset.test/https note HTTP 200, text/plain; charset=utf-8, ${Buffer.byteLength(LF_POLICY)} bytes from ${host.address}`);
  });

  it('text/html is recorded, the body kept (judging it is not the fetch’s business)', async () => {
    const body = ROUTES['html.test']?.body as string;
    const { result } = await fetchOf('html.test');
    expect(result).toEqual(fetched('html.test', { contentType: 'text/html', body, bytes: Buffer.byteLength(body), sha256: sha256(body) }));
  });

  it('no Content-Type at all: null', async () => {
    const { result, transcript } = await fetchOf('no-type.test');
    expect(result).toEqual(fetched('no-type.test', { contentType: null, body: LF_POLICY, bytes: Buffer.byteLength(LF_POLICY), sha256: sha256(LF_POLICY) }));
    expect(texts(transcript)[1]).toBe(`mta-sts.no-type.test/https note HTTP 200, no Content-Type, ${Buffer.byteLength(LF_POLICY)} bytes from ${host.address}`);
  });

  it('a body of exactly 64 KiB is fetched whole', async () => {
    const { result } = await fetchOf('exact.test');
    expect(result).toEqual(fetched('exact.test', { body: 'a'.repeat(KIB64), bytes: KIB64, sha256: sha256(Buffer.alloc(KIB64, 0x61)) }));
  });

  it('a body that is not UTF-8: the text with U+FFFD, the size and SHA-256 of the bytes received, and a note', async () => {
    const raw = ROUTES['latin1.test']?.body as Buffer;
    const { result, transcript } = await fetchOf('latin1.test');
    expect(result).toEqual(
      fetched('latin1.test', { contentType: 'text/plain; charset=iso-8859-1', body: 'version: STSv1\nmode: enforce\nmx: caf\ufffd.test\nmax_age: 86400\n', bytes: raw.length, sha256: sha256(raw) }),
    );
    // What tells the judge: the text re-encoded is not the bytes that came.
    expect(sha256(Buffer.from(result.body as string, 'utf8'))).not.toBe(result.sha256);
    expect(transcript.events.map((e) => e.kind)).toEqual(['note', 'note', 'note']);
    expect(transcript.events[2]?.text).toMatch(/^the body is not valid UTF-8/);
  });

  it('an upper-case domain with a trailing dot: the URL in lower case, without the dot', async () => {
    const { result } = await fetchOf('LF.Test.');
    expect(result).toEqual(fetched('lf.test', { body: LF_POLICY, bytes: Buffer.byteLength(LF_POLICY), sha256: sha256(LF_POLICY) }));
  });
});

describe('answers that are no policy are recorded as they came', () => {
  it.each([
    ['redirect.test', 301, 'Moved\n'],
    ['found.test', 302, ''],
  ])('%s: a %d is not followed, its Location recorded, the target never asked', async (domain, status, body) => {
    const { result, transcript } = await fetchOf(domain);
    expect(result).toEqual(fetched(domain, { httpStatus: status, location: url('target.test'), bytes: Buffer.byteLength(body), sha256: sha256(body) }));
    expect(host.requestCount(`mta-sts.${domain}`)).toBe(1);
    expect(host.requestCount('mta-sts.target.test')).toBe(0);
    expect(texts(transcript)[2]).toBe(`mta-sts.${domain}/https note redirect ${status} to ${url('target.test')}; not followed (RFC 8461 §3.3)`);
  });

  it.each([
    ['not-found.test', 404, 'Not Found\n'],
    ['server-error.test', 500, 'Internal Server Error\n'],
  ])('%s: HTTP %d is fetched, with no body text but its size and SHA-256', async (domain, status, body) => {
    const { result } = await fetchOf(domain);
    expect(result).toEqual(fetched(domain, { httpStatus: status, bytes: Buffer.byteLength(body), sha256: sha256(body) }));
  });
});

describe('failures', () => {
  it.each(['big.test', 'big-chunked.test', 'huge.test', 'huge-chunked.test'])('%s: a body over 64 KiB fails as too-large', async (domain) => {
    const { result, transcript } = await fetchOf(domain);
    expect(result).toEqual(failed(domain, 'protocol-error', 'too-large'));
    expect(host.requestCount(`mta-sts.${domain}`)).toBe(1);
    expect(transcript.events.map((e) => e.kind)).toEqual(['note', 'error']);
    expect(transcript.events[1]?.text).toMatch(/^no policy: protocol-error \(too-large\): /);
  });

  it('a certificate from a CA not trusted: cert-untrusted', async () => {
    const { result } = await fetchOf('untrusted.test');
    expect(result).toEqual(failed('untrusted.test', 'tls-handshake-error', 'cert-untrusted'));
    expect(host.sni).toEqual(['mta-sts.untrusted.test']);
    expect(host.requestCount('mta-sts.untrusted.test')).toBe(0);
  });

  it('a certificate that does not name mta-sts.<domain>: cert-name-mismatch', async () => {
    const { result } = await fetchOf('mismatch.test');
    expect(result).toEqual(failed('mismatch.test', 'tls-handshake-error', 'cert-name-mismatch'));
    expect(host.requestCount('mta-sts.mismatch.test')).toBe(0);
  });

  it('an expired certificate: cert-expired', async () => {
    const { result } = await fetchOf('expired.test');
    expect(result).toEqual(failed('expired.test', 'tls-handshake-error', 'cert-expired'));
    expect(host.requestCount('mta-sts.expired.test')).toBe(0);
  });

  it('no policy host in DNS: dns-error NXDOMAIN, and no alias chain', async () => {
    const { result, asked } = await fetchOf('nx.test');
    expect(result).toEqual(failed('nx.test', 'dns-error', 'NXDOMAIN'));
    expect(asked.sort()).toEqual(['A mta-sts.nx.test', 'AAAA mta-sts.nx.test', 'CNAME mta-sts.nx.test']);
  });

  it('nothing listens at the address: connection-refused', async () => {
    const { result } = await fetchOf('refused.test');
    expect(result).toEqual(failed('refused.test', 'connection-refused', 'ECONNREFUSED'));
  });

  it('a host that never answers: io-timeout by the time-out given', async () => {
    const { result, transcript } = await fetchOf('hang.test', { timeoutMs: 300 });
    expect(result).toEqual(failed('hang.test', 'io-timeout', 'timeout'));
    // It did get the request: the time ran out waiting for the answer.
    expect(host.requestCount('mta-sts.hang.test')).toBe(1);
    expect(transcript.events.filter((e) => e.kind === 'error')).toHaveLength(1);
  });
});

describe('a policy host that is a CNAME (RFC 8461 §3.3: the certificate must name mta-sts.<domain>)', () => {
  it('with a certificate for mta-sts.<domain>: fetched, the alias recorded, SNI and Host the policy host', async () => {
    const { result, transcript } = await fetchOf('cname.test');
    expect(result).toEqual(fetched('cname.test', { cname: ['policyhost.provider.test'], body: LF_POLICY, bytes: Buffer.byteLength(LF_POLICY), sha256: sha256(LF_POLICY) }));
    expect(host.sni).toEqual(['mta-sts.cname.test']);
    expect(host.requestCount('mta-sts.cname.test')).toBe(1);
    expect(host.requestCount('policyhost.provider.test')).toBe(0);
    expect(texts(transcript)).toContain('mta-sts.cname.test/https note mta-sts.cname.test is an alias: CNAME policyhost.provider.test');
  });

  it('with a certificate only for the CNAME target: cert-name-mismatch, the alias recorded', async () => {
    const { result } = await fetchOf('cname-wrong.test');
    expect(result).toEqual(failed('cname-wrong.test', 'tls-handshake-error', 'cert-name-mismatch', ['policyhost.provider.test']));
    expect(host.sni).toEqual(['mta-sts.cname-wrong.test']);
    expect(host.requests).toEqual([]);
  });

  it('a CNAME loop: the chain ends with the name seen again', async () => {
    const { result, transcript } = await fetchOf('loop.test');
    expect(result.cname).toEqual(['a.loop.test', 'mta-sts.loop.test']);
    expect(result.status).toBe('failed');
    expect(texts(transcript)).toContain('mta-sts.loop.test/https note mta-sts.loop.test: the CNAME chain loops back to mta-sts.loop.test');
  });

  it('a chain of 9 links: the first 8 recorded, then no more asked', async () => {
    const { result, asked, transcript } = await fetchOf('long.test');
    expect(result.cname).toEqual(['l1.long.test', 'l2.long.test', 'l3.long.test', 'l4.long.test', 'l5.long.test', 'l6.long.test', 'l7.long.test', 'l8.long.test']);
    expect(asked.filter((q) => q.startsWith('CNAME'))).toEqual(['CNAME mta-sts.long.test', ...Array.from({ length: 8 }, (_, i) => `CNAME l${i + 1}.long.test`)]);
    expect(texts(transcript)).toContain('mta-sts.long.test/https note mta-sts.long.test: more than 8 CNAME links; the rest is not followed');
  });
});

describe('not tried', () => {
  it('no fetcher: skipped, nothing asked of DNS or the host', async () => {
    const e = edges({ fetcher: false });
    const result = await fetchPolicy('lf.test', { fetcher: null, resolver: e.resolver, transcript: e.transcript });
    expect(result).toEqual({ ...failed('lf.test', 'invalid-input', 'no-fetcher'), status: 'skipped' });
    expect(e.asked).toEqual([]);
    expect(host.requests).toEqual([]);
    expect(e.transcript.events.map((ev) => ev.kind)).toEqual(['note']);
  });

  it.each([
    ['bücher.test', 'non-ascii'],
    ['xn--bcher-kva.test/evil?', 'bad-domain'],
    ['127.0.0.1', 'bad-domain'],
    ['', 'bad-domain'],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(55)}`, 'bad-domain'],
  ])('%j: skipped, invalid-input %s, nothing asked', async (domain, detail) => {
    const e = edges();
    const result = await fetchPolicy(domain, { fetcher: e.fetcher, resolver: e.resolver, transcript: e.transcript });
    expect(result).toEqual({ ...failed('', 'invalid-input', detail), url: '', status: 'skipped' });
    expect(e.asked).toEqual([]);
    expect(host.requests).toEqual([]);
  });
});

describe('aborted', () => {
  it('a signal aborted before the fetch: failed as aborted, nothing asked', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result, asked } = await fetchOf('lf.test', { signal: controller.signal });
    expect(result).toEqual(failed('lf.test', 'connection-timeout', 'aborted'));
    expect(asked).toEqual([]);
    expect(host.requests).toEqual([]);
  });

  it('aborted while the host keeps the answer back: io-timeout, aborted', async () => {
    const controller = new AbortController();
    const pending = fetchOf('hang.test', { signal: controller.signal });
    // Aborted once the host has the request, polled without timing anything.
    while (host.requestCount('mta-sts.hang.test') === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const { result } = await pending;
    expect(result).toEqual(failed('hang.test', 'io-timeout', 'aborted'));
  });
});

describe('the policy host itself', () => {
  it('on a port other than 443 (where 443 cannot be bound), reach() sends the fetch there, SNI and Host unchanged', async () => {
    const other = await startPolicyHost({ port: 0, routes: { 'mta-sts.elsewhere.test': { body: LF_POLICY } }, pki: host.pki });
    try {
      expect(other.port).not.toBe(443);
      const nodata = (qtype: string) => (name: string) => Promise.reject(new DnsError('NODATA', name, qtype));
      const resolver: Resolver = { description: 'fixed', mx: nodata('MX'), a: (name) => (name === 'mta-sts.elsewhere.test' ? Promise.resolve([other.address]) : nodata('A')(name)), aaaa: nodata('AAAA'), cname: nodata('CNAME'), ptr: nodata('PTR'), txt: nodata('TXT') };
      const fetcher = other.reach(createNodeFetcher({ resolver, trustStore: createTrustStore([other.caPem], 'policy host test CA'), addressPolicy: () => true }));
      const result = await fetchPolicy('elsewhere.test', { fetcher, resolver });
      expect(result).toEqual({ ...fetched('elsewhere.test', { body: LF_POLICY, bytes: Buffer.byteLength(LF_POLICY), sha256: sha256(LF_POLICY) }), address: other.address });
      expect(other.requests.map((r) => [r.host, r.sni])).toEqual([['mta-sts.elsewhere.test', 'mta-sts.elsewhere.test']]);
    } finally {
      await other.stop();
    }
    // Its stop() left the certificates it was given alone: the folder still makes new ones.
    expect(host.pki.leaf('new.elsewhere.test', 'valid').certPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });
});
