// fetchPolicy against a fake fetcher and a fake resolver: the exact request it makes, how each
// answer and failure becomes facts, the bounds on what is kept, the CNAME chain's ends, and our
// own bugs thrown rather than recorded as the server's. (The real fetcher, DNS and TLS:
// test/integration/mta-sts-fetch.test.ts.)
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import { DnsError, MxrayError } from '../../../../src/core/errors.js';
import { Transcript } from '../../../../src/core/transcript.js';
import type { FetchRequest, FetchResult, HttpFetcher } from '../../../../src/http/fetcher.js';
import { fetchPolicy } from '../../../../src/jobs/posture/fetch-policy.js';
import { fail, fakeResolver } from '../../dns/fake-resolver.js';

const URL_ = 'https://mta-sts.example.test/.well-known/mta-sts.txt';
const POLICY = 'version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 86400\n';
const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A fetcher that records each request and answers with `answer` (a result's fields, or a thrown value). */
function fakeFetcher(answer: Partial<FetchResult> | { throws: unknown } | ((request: FetchRequest) => Promise<FetchResult>)) {
  const requests: FetchRequest[] = [];
  const fetcher: HttpFetcher = {
    fetch(request) {
      requests.push(request);
      if (typeof answer === 'function') return answer(request);
      if ('throws' in answer) return Promise.reject(answer.throws);
      return Promise.resolve({ status: 200, headers: {}, body: Buffer.alloc(0), url: request.url, address: '192.0.2.7', redirects: [], ...answer });
    },
  };
  return { fetcher, requests };
}

const noAlias = () => fakeResolver({ 'A mta-sts.example.test': ['192.0.2.7'] });

async function run(answer: Parameters<typeof fakeFetcher>[0], options: { timeoutMs?: number; signal?: AbortSignal; resolver?: ReturnType<typeof fakeResolver> } = {}) {
  const { fetcher, requests } = fakeFetcher(answer);
  const transcript = new Transcript(fixedClock(0));
  const resolver = options.resolver ?? noAlias();
  const result = await fetchPolicy('example.test', { fetcher, resolver, transcript, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  return { result, requests, transcript, resolver };
}

describe('the request', () => {
  it('GET of the well-known URL, 64 KiB at most, no redirects, 15 s, Accept: text/plain', async () => {
    const { requests } = await run({ body: Buffer.from(POLICY) });
    expect(requests).toEqual([{ url: URL_, maxBytes: 65536, followRedirects: 0, timeoutMs: 15000, headers: { accept: 'text/plain' } }]);
  });

  it('the time-out and signal given are passed on', async () => {
    const signal = new AbortController().signal;
    const { requests } = await run({ body: Buffer.from(POLICY) }, { timeoutMs: 250, signal });
    expect(requests).toEqual([{ url: URL_, maxBytes: 65536, followRedirects: 0, timeoutMs: 250, headers: { accept: 'text/plain' }, signal }]);
    expect(requests[0]?.signal).toBe(signal);
  });

  it('without a transcript it works the same', async () => {
    const { fetcher } = fakeFetcher({ body: Buffer.from(POLICY) });
    const result = await fetchPolicy('example.test', { fetcher, resolver: noAlias() });
    expect(result.body).toBe(POLICY);
  });
});

describe('answers', () => {
  it.each([
    [200, true],
    [204, true],
    [299, true],
    [199, false],
    [300, false],
    [404, false],
  ])('HTTP %d: body text %s, size and SHA-256 always', async (status, hasText) => {
    const { result } = await run({ status, body: Buffer.from(POLICY), headers: { 'content-type': 'text/plain' } });
    expect(result).toEqual({
      url: URL_,
      status: 'fetched',
      cname: [],
      address: '192.0.2.7',
      httpStatus: status,
      contentType: 'text/plain',
      location: null,
      bytes: Buffer.byteLength(POLICY),
      body: hasText ? POLICY : null,
      sha256: sha256(POLICY),
      error: null,
    });
  });

  it('an empty 200: an empty text, 0 bytes, the SHA-256 of nothing', async () => {
    const { result } = await run({});
    expect([result.body, result.bytes, result.sha256]).toEqual(['', 0, sha256('')]);
  });

  it.each([300, 301, 307, 308, 399])('a %d keeps its Location (the redirect is not followed)', async (status) => {
    const { result, transcript } = await run({ status, headers: { location: 'https://elsewhere.test/x' } });
    expect([result.httpStatus, result.location, result.body]).toEqual([status, 'https://elsewhere.test/x', null]);
    expect(transcript.events.map((e) => e.text)).toEqual([
      `GET ${URL_}`,
      `HTTP ${status}, no Content-Type, 0 bytes from 192.0.2.7`,
      `redirect ${status} to https://elsewhere.test/x; not followed (RFC 8461 §3.3)`,
    ]);
  });

  it('a Location outside a 3xx is not kept; a 3xx without one is said so', async () => {
    expect((await run({ status: 200, headers: { location: 'https://elsewhere.test/' } })).result.location).toBeNull();
    expect((await run({ status: 400, headers: { location: 'https://elsewhere.test/' } })).result.location).toBeNull();
    const { result, transcript } = await run({ status: 302 });
    expect(result.location).toBeNull();
    expect(transcript.events[2]?.text).toBe('redirect 302 without a Location; not followed (RFC 8461 §3.3)');
  });

  it('Content-Type and Location are cut to 1024 and 2048 characters', async () => {
    const type = `text/plain; x=${'a'.repeat(2000)}`;
    const location = `https://elsewhere.test/${'b'.repeat(3000)}`;
    const { result } = await run({ status: 301, headers: { 'content-type': type, location } });
    expect(result.contentType).toBe(type.slice(0, 1024));
    expect(result.location).toBe(location.slice(0, 2048));
    const exact = await run({ status: 301, headers: { 'content-type': type.slice(0, 1024), location: location.slice(0, 2048) } });
    expect([exact.result.contentType, exact.result.location]).toEqual([type.slice(0, 1024), location.slice(0, 2048)]);
  });

  it('a byte-order mark stays in the text', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(POLICY)]);
    const { result, transcript } = await run({ body: bytes });
    expect(result.body).toBe(`\ufeff${POLICY}`);
    expect([result.bytes, result.sha256]).toEqual([bytes.length, sha256(bytes)]);
    expect(transcript.events).toHaveLength(2);
  });

  it('invalid UTF-8: U+FFFD in the text, the bytes as received counted and hashed, a note', async () => {
    // A 4-byte sequence cut after 3 bytes becomes one U+FFFD of 3 bytes: same length, other bytes.
    const bytes = Buffer.concat([Buffer.from('mx: a'), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from('\n')]);
    const { result, transcript } = await run({ body: bytes });
    expect(result.body).toBe('mx: a\ufffd\n');
    expect([result.bytes, result.sha256]).toEqual([bytes.length, sha256(bytes)]);
    expect(Buffer.byteLength(result.body as string)).toBe(bytes.length);
    expect(sha256(Buffer.from(result.body as string))).not.toBe(result.sha256);
    expect(transcript.events[2]?.text).toMatch(/^the body is not valid UTF-8/);
  });

  it('a fetcher that returns more than 64 KiB broke its contract: our bug, thrown', async () => {
    await expect(run({ body: Buffer.alloc(65537) })).rejects.toMatchObject({ code: 'internal-error', detail: 'bug' });
    expect((await run({ body: Buffer.alloc(65536) })).result.bytes).toBe(65536);
  });
});

describe('failures', () => {
  it('an MxrayError is the facts: code, detail and message; the transcript says code and detail', async () => {
    const error = new MxrayError('tls-handshake-error', 'certificate has expired', 'cert-expired');
    const { result, transcript } = await run({ throws: error });
    expect(result).toEqual({
      url: URL_,
      status: 'failed',
      cname: [],
      address: null,
      httpStatus: null,
      contentType: null,
      location: null,
      bytes: null,
      body: null,
      sha256: null,
      error: { code: 'tls-handshake-error', detail: 'cert-expired', message: 'certificate has expired' },
    });
    expect(transcript.events.map((e) => [e.conn, e.kind, e.text])).toEqual([
      ['mta-sts.example.test/https', 'note', `GET ${URL_}`],
      ['mta-sts.example.test/https', 'error', 'no policy: tls-handshake-error (cert-expired): certificate has expired'],
    ]);
  });

  it('a detail of null stays null', async () => {
    const { result, transcript } = await run({ throws: new MxrayError('protocol-error', 'odd') });
    expect(result.error).toEqual({ code: 'protocol-error', detail: null, message: 'odd' });
    expect(transcript.events[1]?.text).toBe('no policy: protocol-error: odd');
  });

  it('anything else the fetcher throws is our bug: thrown as it is', async () => {
    const bug = new TypeError('x is undefined');
    await expect(run({ throws: bug })).rejects.toBe(bug);
    const internal = new MxrayError('internal-error', 'fetch failed unexpectedly', 'bug');
    await expect(run({ throws: internal })).rejects.toBe(internal);
  });
});

describe('the CNAME chain', () => {
  it('followed to its end; only the first target of each answer', async () => {
    const resolver = fakeResolver({ 'CNAME mta-sts.example.test': ['a.provider.test', 'b.provider.test'], 'CNAME a.provider.test': ['edge.cdn.test'], 'A edge.cdn.test': ['192.0.2.7'] });
    const { result, transcript } = await run({ body: Buffer.from(POLICY) }, { resolver });
    expect(result.cname).toEqual(['a.provider.test', 'edge.cdn.test']);
    expect(resolver.asked).toEqual(['CNAME mta-sts.example.test', 'CNAME a.provider.test', 'CNAME edge.cdn.test']);
    expect(transcript.events.map((e) => e.text)).toContain('mta-sts.example.test is an alias: CNAME a.provider.test → edge.cdn.test');
  });

  it('an empty answer ends it', async () => {
    const resolver = fakeResolver({ 'CNAME mta-sts.example.test': [] });
    expect((await run({}, { resolver })).result.cname).toEqual([]);
  });

  it.each(['SERVFAIL', 'TIMEOUT', 'REFUSED'] as const)('%s ends it with a note; NODATA and NXDOMAIN end it quietly', async (code) => {
    const resolver = fakeResolver({ 'CNAME mta-sts.example.test': ['a.provider.test'], 'CNAME a.provider.test': fail(code) });
    const { result, transcript } = await run({}, { resolver });
    expect(result.cname).toEqual(['a.provider.test']);
    expect(transcript.events.map((e) => e.text)).toContain(`CNAME lookup of a.provider.test: ${code}; the alias chain is not followed further`);
    const quiet = await run({}, { resolver: fakeResolver({ 'CNAME mta-sts.example.test': ['a.provider.test'], 'CNAME a.provider.test': fail('NXDOMAIN') }) });
    expect(quiet.transcript.events.map((e) => e.text).filter((t) => t.startsWith('CNAME lookup'))).toEqual([]);
  });

  it('a resolver that throws something other than a DnsError is our bug: thrown', async () => {
    const bug = new RangeError('resolver broke');
    const resolver = fakeResolver({ 'CNAME mta-sts.example.test': bug });
    await expect(run({}, { resolver })).rejects.toBe(bug);
  });

  it('an abort ends the wait for the chain; a late DNS answer writes nothing', async () => {
    const controller = new AbortController();
    let answerLate: (reason: unknown) => void = () => undefined;
    const resolver = { ...noAlias(), cname: () => new Promise<string[]>((_, reject) => (answerLate = reject)) };
    const fetcher = (request: FetchRequest) =>
      new Promise<FetchResult>((_, reject) => {
        request.signal?.addEventListener('abort', () => reject(new MxrayError('io-timeout', 'aborted', 'aborted')));
        controller.abort();
      });
    const { result, transcript } = await run(fetcher, { resolver: resolver as ReturnType<typeof fakeResolver>, signal: controller.signal });
    expect(result.status).toBe('failed');
    expect(result.cname).toEqual([]);
    const before = transcript.events.length;
    answerLate(new DnsError('SERVFAIL', 'mta-sts.example.test', 'CNAME'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(transcript.events).toHaveLength(before);
  });

  it('an already aborted signal asks no CNAME', async () => {
    const controller = new AbortController();
    controller.abort();
    const resolver = noAlias();
    const { result } = await run({ throws: new MxrayError('connection-timeout', 'aborted', 'aborted') }, { resolver, signal: controller.signal });
    expect(result.error?.detail).toBe('aborted');
    expect(resolver.asked).toEqual([]);
  });
});

describe('not fetched', () => {
  it('no fetcher: skipped, no-fetcher, nothing asked', async () => {
    const resolver = noAlias();
    const transcript = new Transcript(fixedClock(0));
    const result = await fetchPolicy('Example.Test.', { fetcher: null, resolver, transcript });
    expect(result).toMatchObject({ url: URL_, status: 'skipped', error: { code: 'invalid-input', detail: 'no-fetcher' } });
    expect(resolver.asked).toEqual([]);
    expect(transcript.events.map((e) => [e.conn, e.kind])).toEqual([['mta-sts.example.test/https', 'note']]);
  });

  it.each([
    ['exämple.test', 'non-ascii'],
    ['example.test\u202e', 'non-ascii'],
    ['a..test', 'bad-domain'],
    ['-a.test', 'bad-domain'],
    ['a b.test', 'bad-domain'],
    ['example.test:443', 'bad-domain'],
    ['user@example.test', 'bad-domain'],
    [`${'a'.repeat(64)}.test`, 'bad-domain'],
  ])('%j: skipped, %s, under a connection name of our own', async (domain, detail) => {
    const { fetcher, requests } = fakeFetcher({});
    const resolver = noAlias();
    const transcript = new Transcript(fixedClock(0));
    const result = await fetchPolicy(domain, { fetcher, resolver, transcript });
    expect(result).toMatchObject({ url: '', status: 'skipped', cname: [], error: { code: 'invalid-input', detail } });
    expect([requests, resolver.asked]).toEqual([[], []]);
    expect(transcript.events.map((e) => [e.conn, e.kind])).toEqual([['mta-sts/https', 'note']]);
  });

  it('the longest domain that still makes mta-sts.<domain> a name is fetched; one more character is not', async () => {
    const labels = (n: number) => [`${'a'.repeat(63)}`, `${'b'.repeat(63)}`, `${'c'.repeat(63)}`, 'd'.repeat(n)].join('.');
    expect(labels(53).length).toBe(245);
    const { fetcher, requests } = fakeFetcher({});
    expect((await fetchPolicy(labels(53), { fetcher, resolver: fakeResolver({}) })).status).toBe('fetched');
    expect(requests[0]?.url).toBe(`https://mta-sts.${labels(53)}/.well-known/mta-sts.txt`);
    expect((await fetchPolicy(labels(54), { fetcher, resolver: fakeResolver({}) })).error?.detail).toBe('bad-domain');
  });
});
