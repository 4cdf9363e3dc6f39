// The posture job against fakes: the TXT lookups as answered and bounded, what probePosture asks
// and passes on, what is remembered of a judged policy, and runPosture's report (its edges, the
// block lists, progress, the memory, the clock). Written against the survivors of a mutation run
// of src/jobs/posture (docs/TESTING.md).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import type { MxAnswer, Resolver } from '../../../../src/core/context.js';
import { DnsError, UsageError } from '../../../../src/core/errors.js';
import type { MtaSts, SeenPolicy, TranscriptEvent } from '../../../../src/core/schema.js';
import { Transcript } from '../../../../src/core/transcript.js';
import type { FetchRequest, FetchResult, HttpFetcher } from '../../../../src/http/fetcher.js';
import type { JobEvent } from '../../../../src/core/events.js';
import { VERSION } from '../../../../src/core/version.js';
import { DEFAULT_PROFILE } from '../../../../src/checks/profile.js';
import { runPosture, type PostureEdges } from '../../../../src/jobs/posture/check-posture.js';
import { lookupTxt, probePosture, rememberPolicy, type PolicyMemory } from '../../../../src/jobs/posture/probe-posture.js';

type Answer = readonly string[] | readonly (readonly string[])[] | readonly MxAnswer[] | Error;

/** A resolver answering from "TYPE name" keys; a name in the table under another type is NODATA, else NXDOMAIN. */
function zone(table: Readonly<Record<string, Answer>>, description = 'zone 192.0.2.53') {
  const asked: string[] = [];
  const names = new Set(Object.keys(table).map((k) => k.slice(k.indexOf(' ') + 1)));
  const answer = <T,>(type: string, name: string): Promise<T[]> => {
    asked.push(`${type} ${name}`);
    const a = table[`${type} ${name}`];
    if (a === undefined) return Promise.reject(new DnsError(names.has(name) ? 'NODATA' : 'NXDOMAIN', name, type));
    if (a instanceof Error) return Promise.reject(a);
    return Promise.resolve(a.map((x) => (Array.isArray(x) ? [...(x as string[])] : x)) as T[]);
  };
  const resolver: Resolver & { asked: string[] } = {
    description,
    asked,
    mx: (n) => answer('MX', n),
    a: (n) => answer('A', n),
    aaaa: (n) => answer('AAAA', n),
    cname: (n) => answer('CNAME', n),
    ptr: (n) => answer('PTR', n),
    txt: (n) => answer('TXT', n),
  };
  return resolver;
}

const POLICY = 'version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 604800\n';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function fetcherOf(body: string | null = POLICY, over: Partial<FetchResult> = {}) {
  const requests: FetchRequest[] = [];
  const fetcher: HttpFetcher = {
    fetch(request) {
      requests.push(request);
      if (body === null) return Promise.reject(new Error('must not be asked'));
      return Promise.resolve({ status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from(body), url: request.url, address: '192.0.2.7', redirects: [], ...over });
    },
  };
  return { fetcher, requests };
}

function memoryOf(seen: SeenPolicy | null = null, fail: { recall?: Error; remember?: Error } = {}) {
  const remembered: [string, SeenPolicy][] = [];
  const recalled: string[] = [];
  const memory: PolicyMemory = {
    recall: (domain) => {
      recalled.push(domain);
      return fail.recall ? Promise.reject(fail.recall) : Promise.resolve(seen);
    },
    remember: (domain, s) => {
      remembered.push([domain, s]);
      return fail.remember ? Promise.reject(fail.remember) : Promise.resolve();
    },
  };
  return { memory, remembered, recalled };
}

describe('a TXT lookup as answered', () => {
  it('records found: kept with their strings', async () => {
    const r = zone({ 'TXT _x.example.test': [['a', 'b'], ['c']] });
    expect(await lookupTxt(r, '_x.example.test')).toEqual({ name: '_x.example.test', status: 'found', error: null, records: [['a', 'b'], ['c']] });
  });

  it('an empty answer: none, NODATA', async () => {
    expect(await lookupTxt(zone({ 'TXT _x.example.test': [] }), '_x.example.test')).toEqual({ name: '_x.example.test', status: 'none', error: 'NODATA', records: [] });
  });

  it('at most 64 records, 64 strings each, 4096 characters a string', async () => {
    const records = Array.from({ length: 65 }, () => Array.from({ length: 65 }, () => 'x'.repeat(4097)));
    const got = await lookupTxt(zone({ 'TXT _x.example.test': records }), '_x.example.test');
    expect(got.records).toHaveLength(64);
    expect(got.records.every((r) => r.length === 64 && r.every((s) => s.length === 4096))).toBe(true);
    const exact = Array.from({ length: 64 }, () => Array.from({ length: 64 }, () => 'y'.repeat(4096)));
    expect((await lookupTxt(zone({ 'TXT _x.example.test': exact }), '_x.example.test')).records).toEqual(exact);
  });

  it('NXDOMAIN and NODATA: none with the code; any other DNS failure: an error with the code', async () => {
    const r = zone({
      'A _nodata.example.test': ['192.0.2.1'],
      'TXT _servfail.example.test': new DnsError('SERVFAIL', '_servfail.example.test', 'TXT'),
      'TXT _timeout.example.test': new DnsError('TIMEOUT', '_timeout.example.test', 'TXT', 'a message not kept'),
    });
    expect(await lookupTxt(r, '_nx.example.test')).toEqual({ name: '_nx.example.test', status: 'none', error: 'NXDOMAIN', records: [] });
    expect(await lookupTxt(r, '_nodata.example.test')).toEqual({ name: '_nodata.example.test', status: 'none', error: 'NODATA', records: [] });
    expect(await lookupTxt(r, '_servfail.example.test')).toEqual({ name: '_servfail.example.test', status: 'error', error: 'SERVFAIL', records: [] });
    expect(await lookupTxt(r, '_timeout.example.test')).toEqual({ name: '_timeout.example.test', status: 'error', error: 'TIMEOUT', records: [] });
  });

  it('an OTHER failure: its message, 200 characters', async () => {
    const message = `bad answer ${'z'.repeat(300)}`;
    const r = zone({ 'TXT _o.example.test': new DnsError('OTHER', '_o.example.test', 'TXT', message) });
    expect(await lookupTxt(r, '_o.example.test')).toEqual({ name: '_o.example.test', status: 'error', error: message.slice(0, 200), records: [] });
  });

  it('a resolver that throws something else is our bug: thrown as it is', async () => {
    const bug = new TypeError('broken resolver');
    await expect(lookupTxt(zone({ 'TXT _b.example.test': bug }), '_b.example.test')).rejects.toBe(bug);
  });
});

describe('probePosture: what it asks and passes on', () => {
  const records = {
    'TXT _mta-sts.example.test': [['v=STSv1; id=1']],
    'TXT _smtp._tls.example.test': [['v=TLSRPTv1; rua=mailto:r@example.test']],
    'A mta-sts.example.test': ['192.0.2.7'],
  };

  it('both records, the policy and the memory; the facts with the judged fields empty', async () => {
    const r = zone(records);
    const { fetcher, requests } = fetcherOf();
    const seen: SeenPolicy = { id: '0', sha256: 'a'.repeat(64), seenAt: '2026-11-01T00:00:00.000Z', mode: 'enforce', maxAge: 1 };
    const { memory, recalled } = memoryOf(seen);
    const s = await probePosture('example.test', { resolver: r, fetcher, memory });
    expect(recalled).toEqual(['example.test']);
    expect(r.asked).not.toContain('TXT _tlsrpt.example.test');
    expect(requests).toEqual([{ url: 'https://mta-sts.example.test/.well-known/mta-sts.txt', maxBytes: 65536, followRedirects: 0, timeoutMs: 15000, headers: { accept: 'text/plain' } }]);
    expect(s).toEqual({
      mtaSts: { record: { name: '_mta-sts.example.test', status: 'found', error: null, records: [['v=STSv1; id=1']] }, policy: s.mtaSts.policy, previous: seen, id: null, parsed: null, coverage: [], effect: 'not-published' },
      tlsRpt: { record: { name: '_smtp._tls.example.test', status: 'found', error: null, records: [['v=TLSRPTv1; rua=mailto:r@example.test']] }, misplaced: null, rua: [] },
      dnsbl: null,
    });
    expect(s.mtaSts.policy).toMatchObject({ status: 'fetched', httpStatus: 200, body: POLICY, sha256: sha(POLICY) });
  });

  it('the time-out, signal and transcript reach the fetch', async () => {
    const { fetcher, requests } = fetcherOf();
    const signal = new AbortController().signal;
    const transcript = new Transcript(fixedClock(0));
    await probePosture('example.test', { resolver: zone(records), fetcher, signal, fetchTimeoutMs: 250, transcript });
    expect(requests).toEqual([{ url: 'https://mta-sts.example.test/.well-known/mta-sts.txt', maxBytes: 65536, followRedirects: 0, timeoutMs: 250, headers: { accept: 'text/plain' }, signal }]);
    expect(transcript.events.some((e) => e.text.includes('mta-sts.example.test'))).toBe(true);
  });

  it('a memory that cannot recall: nothing seen before; no memory: none asked', async () => {
    const { memory } = memoryOf(null, { recall: new Error('disk gone') });
    expect((await probePosture('example.test', { resolver: zone(records), fetcher: fetcherOf().fetcher, memory })).mtaSts.previous).toBeNull();
    expect((await probePosture('example.test', { resolver: zone(records), fetcher: fetcherOf().fetcher, memory: null })).mtaSts.previous).toBeNull();
    expect((await probePosture('example.test', { resolver: zone(records), fetcher: fetcherOf().fetcher })).mtaSts.previous).toBeNull();
  });

  it('no _smtp._tls record: _tlsrpt is asked as well; an error at _smtp._tls is not "none", so it is not', async () => {
    const r = zone({ 'TXT _tlsrpt.example.test': [['v=TLSRPTv1; rua=mailto:r@example.test']] });
    const s = await probePosture('example.test', { resolver: r, fetcher: null });
    expect(s.tlsRpt.misplaced).toEqual({ name: '_tlsrpt.example.test', status: 'found', error: null, records: [['v=TLSRPTv1; rua=mailto:r@example.test']] });
    expect(s.mtaSts.policy.status).toBe('skipped');
    const failing = zone({ 'TXT _smtp._tls.example.test': new DnsError('SERVFAIL', '_smtp._tls.example.test', 'TXT') });
    expect((await probePosture('example.test', { resolver: failing, fetcher: null })).tlsRpt.misplaced).toBeNull();
    expect(failing.asked).not.toContain('TXT _tlsrpt.example.test');
  });
});

function judged(over: Partial<MtaSts> = {}): MtaSts {
  return {
    record: { name: '_mta-sts.example.test', status: 'found', error: null, records: [['v=STSv1; id=7']] },
    policy: { url: 'https://mta-sts.example.test/.well-known/mta-sts.txt', status: 'fetched', cname: [], address: null, httpStatus: 200, contentType: 'text/plain', location: null, bytes: 1, body: POLICY, sha256: sha(POLICY), error: null },
    previous: null,
    id: '7',
    parsed: { version: 'STSv1', mode: 'testing', maxAge: 3600, mx: ['mx1.example.test'], lineEndings: 'lf' },
    coverage: [],
    effect: 'testing',
    ...over,
  };
}

describe('what is remembered of a judged policy', () => {
  const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

  it('a valid policy with an id: its id, hash, when, mode and max_age', async () => {
    const { memory, remembered } = memoryOf();
    await rememberPolicy(memory, 'example.test', judged(), NOW);
    expect(remembered).toEqual([['example.test', { id: '7', sha256: sha(POLICY), seenAt: '2026-11-29T12:00:00.000Z', mode: 'testing', maxAge: 3600, mx: ['mx1.example.test'] }]]);
    for (const effect of ['enforced', 'none'] as const) {
      const m = memoryOf();
      await rememberPolicy(m.memory, 'example.test', judged({ effect }), NOW);
      expect(m.remembered, effect).toHaveLength(1);
    }
  });

  it('nothing without a memory, an id, a parsed policy or its hash, nor when it is broken or not published', async () => {
    await expect(rememberPolicy(null, 'example.test', judged(), NOW)).resolves.toBeUndefined();
    await expect(rememberPolicy(undefined, 'example.test', judged(), NOW)).resolves.toBeUndefined();
    const { memory, remembered } = memoryOf();
    await rememberPolicy(memory, 'example.test', judged({ id: null }), NOW);
    await rememberPolicy(memory, 'example.test', judged({ parsed: null }), NOW);
    await rememberPolicy(memory, 'example.test', judged({ policy: { ...judged().policy, sha256: null } }), NOW);
    await rememberPolicy(memory, 'example.test', judged({ effect: 'broken' }), NOW);
    await rememberPolicy(memory, 'example.test', judged({ effect: 'not-published' }), NOW);
    expect(remembered).toEqual([]);
  });

  it('the first policy seen under an id stays; a new id replaces it', async () => {
    const { memory, remembered } = memoryOf();
    const seen: SeenPolicy = { id: '7', sha256: 'b'.repeat(64), seenAt: '2026-11-01T00:00:00.000Z', mode: 'enforce', maxAge: 1 };
    await rememberPolicy(memory, 'example.test', judged({ previous: seen }), NOW);
    expect(remembered).toEqual([]);
    await rememberPolicy(memory, 'example.test', judged({ previous: { ...seen, id: '6' } }), NOW);
    expect(remembered.map(([, s]) => s.id)).toEqual(['7']);
  });
});

// ---------------------------------------------------------------------------------------------
// runPosture

const CLOCK_AT = Date.UTC(2026, 10, 29, 9, 30, 0);

function domainZone(extra: Record<string, Answer> = {}) {
  return zone({
    'MX example.test': [{ exchange: 'mx1.example.test', priority: 10 }],
    'A mx1.example.test': ['192.0.2.25'],
    'TXT _mta-sts.example.test': [['v=STSv1; id=7']],
    'TXT _smtp._tls.example.test': [['v=TLSRPTv1; rua=mailto:r@example.test']],
    ...extra,
  });
}

function defaultsNever(): () => PostureEdges {
  return () => {
    throw new Error('defaults must not be built');
  };
}

describe('runPosture: the target', () => {
  it('a host with a port, an address or nonsense is a usage error naming what was given (80 characters)', async () => {
    for (const target of ['[192.0.2.1]', 'mx.example.test:25']) {
      const err = await runPosture({ target, resolver: domainZone(), fetcher: null, dnsbl: false }, defaultsNever()).catch((e: unknown) => e);
      expect(err, target).toBeInstanceOf(UsageError);
      expect((err as Error).message, target).toBe(`mxray posture takes a mail domain (or user@domain), not ${JSON.stringify(target)}`);
    }
    const long = `${'a'.repeat(50)}.${'b'.repeat(50)}.test:25`;
    const err = (await runPosture({ target: long, resolver: domainZone(), fetcher: null, dnsbl: false }, defaultsNever()).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(`mxray posture takes a mail domain (or user@domain), not ${JSON.stringify(long.slice(0, 80))}`);
  });

  it('user@domain: the domain is judged, the target kept as given', async () => {
    const clock = fixedClock(CLOCK_AT);
    const r = await runPosture({ target: 'postmaster@example.test', clock, resolver: domainZone(), fetcher: fetcherOf().fetcher, dnsbl: false }, defaultsNever());
    expect(r.target).toBe('postmaster@example.test');
    expect(r.body.domain).toBe('example.test');
  });
});

describe('runPosture: the report', () => {
  it('kind, times from the injected clock, judgedWith without a trust store, the sorted findings and the body', async () => {
    const clock = fixedClock(CLOCK_AT);
    const { fetcher } = fetcherOf(POLICY, {});
    const slow: HttpFetcher = {
      fetch: async (req) => {
        clock.advance(1234.5678);
        return fetcher.fetch(req);
      },
    };
    clock.advance(5000);
    const r = await runPosture({ target: 'example.test', clock, resolver: domainZone(), fetcher: slow, dnsbl: false }, defaultsNever());
    expect(r.kind).toBe('posture');
    expect(r.tool).toEqual({ name: 'mxray', version: VERSION });
    expect(r.startedAt).toBe('2026-11-29T09:30:05.000Z');
    expect(r.durationMs).toBe(1234.568);
    expect(r.judgedWith).toEqual({
      at: new Date(CLOCK_AT + 5000 + 1234.5678).toISOString(),
      profile: { name: DEFAULT_PROFILE.name, version: DEFAULT_PROFILE.version },
      trustStore: { description: 'none (the policy host’s certificate is verified by the HTTP fetcher)', bundledRootsOfNode: null, extraCaFiles: [] },
      options: { warnDays: DEFAULT_PROFILE.expiryWarnDays, expectThumbprint: null },
      rejudged: false,
    });
    expect(r.findings.map((f) => f.id)).toEqual(['mta-sts.ok', 'tls-rpt.ok']);
    expect(r.verdict).toBe('pass');
    expect(r.body.dns.mx.map((m) => m.exchange)).toEqual(['mx1.example.test']);
    expect(r.body.posture.mtaSts).toMatchObject({ id: '7', effect: 'enforced', coverage: [{ mx: 'mx1.example.test', pattern: 'mx1.example.test' }] });
    expect(r.body.posture.dnsbl).toBeNull();
  });

  it('findings worst first; the verdict from them', async () => {
    const clock = fixedClock(CLOCK_AT);
    const r = await runPosture({ target: 'example.test', clock, resolver: domainZone({ 'TXT _smtp._tls.example.test': [] }), fetcher: fetcherOf(POLICY.replace('mx1', 'mx2')).fetcher, dnsbl: false }, defaultsNever());
    expect(r.findings.map((f) => [f.id, f.severity])).toEqual([
      ['mta-sts.mx-not-covered', 'error'],
      ['mta-sts.pattern-unused', r.findings[1]?.severity],
      ['tls-rpt.not-published', r.findings[2]?.severity],
    ]);
    expect(r.verdict).toBe('fail');
  });

  it('maxMx bounds the MX hosts; the profile given is the one said', async () => {
    const clock = fixedClock(CLOCK_AT);
    const mx = Array.from({ length: 12 }, (_, i) => ({ exchange: `m${i}.example.test`, priority: i }));
    const r = await runPosture({ target: 'example.test', clock, resolver: domainZone({ 'MX example.test': mx }), fetcher: null, dnsbl: false, maxMx: 2 }, defaultsNever());
    expect(r.body.dns.mx.map((m) => m.exchange)).toEqual(['m0.example.test', 'm1.example.test']);
    const profile = { ...DEFAULT_PROFILE, name: 'strict-test', version: 9, expiryWarnDays: 3 };
    const p = await runPosture({ target: 'example.test', clock, resolver: domainZone(), fetcher: null, dnsbl: false, profile }, defaultsNever());
    expect(p.judgedWith.profile).toEqual({ name: 'strict-test', version: 9 });
    expect(p.judgedWith.options.warnDays).toBe(3);
    const all = await runPosture({ target: 'example.test', clock, resolver: domainZone({ 'MX example.test': mx }), fetcher: null, dnsbl: false }, defaultsNever());
    expect(all.body.dns.mx).toHaveLength(10);
  });
});

describe('runPosture: the edges it uses', () => {
  it('a resolver of its own and no fetcher: nothing fetched, the defaults never built', async () => {
    const r = await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: domainZone(), dnsbl: false }, defaultsNever());
    expect(r.body.posture.mtaSts.policy.status).toBe('skipped');
  });

  it('a fetcher given with the resolver is used', async () => {
    const { fetcher, requests } = fetcherOf();
    await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: domainZone(), fetcher, dnsbl: false, fetchTimeoutMs: 300 }, defaultsNever());
    expect(requests.map((q) => [q.url, q.timeoutMs])).toEqual([['https://mta-sts.example.test/.well-known/mta-sts.txt', 300]]);
  });

  it('without a resolver: the defaults, built once, give the clock, resolver and fetcher', async () => {
    const { fetcher, requests } = fetcherOf();
    let built = 0;
    const r = await runPosture({ target: 'example.test', dnsbl: false }, () => {
      built += 1;
      return { clock: fixedClock(CLOCK_AT), resolver: domainZone(), fetcher };
    });
    expect(built).toBe(1);
    expect(requests).toHaveLength(1);
    expect(r.startedAt).toBe('2026-11-29T09:30:00.000Z');
    expect(r.verdict).toBe('pass');
  });

  it('the defaults’ trust store: the policy host verified by mxray (the fetcher asked for the chain), and named in judgedWith', async () => {
    const { fetcher, requests } = fetcherOf(POLICY, { peerChain: [] });
    const trustStore = { roots: () => [], description: 'the defaults’ roots' };
    const r = await runPosture({ target: 'example.test', dnsbl: false }, () => ({ clock: fixedClock(CLOCK_AT), resolver: domainZone(), fetcher, trustStore }));
    expect(requests.map((q) => q.tlsVerify)).toEqual(['caller']);
    expect(r.judgedWith.trustStore.description).toBe('the defaults’ roots');
    // No chain came with the answer: the certificate is refused, as no certificate at all.
    expect(r.body.posture.mtaSts.policy.error?.detail).toBe('cert-untrusted');
  });

  it('defaults without a fetcher: nothing fetched', async () => {
    const r = await runPosture({ target: 'example.test', dnsbl: false }, () => ({ clock: fixedClock(CLOCK_AT), resolver: domainZone() }));
    expect(r.body.posture.mtaSts.policy.status).toBe('skipped');
  });

  it('every transcript event reaches the event sink as a transcript event, after a progress event', async () => {
    const got: JobEvent[] = [];
    const r = await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: domainZone(), fetcher: null, dnsbl: false, events: { emit: (e) => got.push(e) } }, defaultsNever());
    expect(got[0]).toEqual({ type: 'progress', key: 'example.test', phase: 'looking up MX, MTA-STS and TLS-RPT' });
    expect(got.slice(1)).toEqual(r.transcript.map((event) => ({ type: 'transcript', event })));
  });

  it('the lookups are traced in the transcript, and each event reaches onEvent', async () => {
    const events: TranscriptEvent[] = [];
    const r = await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: domainZone(), fetcher: null, dnsbl: false, onEvent: (e) => events.push(e) }, defaultsNever());
    expect(events).toEqual(r.transcript);
    expect(r.transcript.some((e) => e.text.includes('_mta-sts.example.test'))).toBe(true);
  });
});

describe('runPosture: the MX hosts', () => {
  it('every MX host, IPv4 and IPv6 addresses, at most 10 addresses a host', async () => {
    const many = Array.from({ length: 12 }, (_, i) => `192.0.2.${100 + i}`);
    const resolver = domainZone({
      'MX example.test': [
        { exchange: 'mx1.example.test', priority: 10 },
        { exchange: 'mx2.example.test', priority: 20 },
      ],
      'AAAA mx1.example.test': ['2001:db8::25'],
      'A mx2.example.test': many,
    });
    const r = await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver, fetcher: null, dnsbl: false }, defaultsNever());
    expect(r.body.dns.mx.map((m) => [m.exchange, m.addresses])).toEqual([
      ['mx1.example.test', ['192.0.2.25', '2001:db8::25']],
      ['mx2.example.test', many.slice(0, 10)],
    ]);
  });
});

describe('runPosture: progress and observers', () => {
  it('one progress line per phase, the block lists counted', async () => {
    const phases: string[] = [];
    await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: domainZone(), fetcher: null, dnsbl: ['bl.example.net', 'bl2.example.net'], onProgress: (key, phase) => phases.push(`${key}: ${phase}`) }, defaultsNever());
    expect(phases).toEqual(['example.test: looking up MX, MTA-STS and TLS-RPT', 'example.test: asking 2 block lists']);
    const none: string[] = [];
    await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: domainZone(), fetcher: null, dnsbl: false, onProgress: (_k, phase) => none.push(phase) }, defaultsNever());
    expect(none).toEqual(['looking up MX, MTA-STS and TLS-RPT']);
  });

  it('an observer that throws: the run ends, an internal error says so', async () => {
    const r = await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: domainZone(), fetcher: fetcherOf().fetcher, dnsbl: false, onProgress: () => { throw new Error('observer bug'); } }, defaultsNever());
    expect(r.findings.map((f) => f.id)).toEqual(['mxray.internal-error', 'mta-sts.ok', 'tls-rpt.ok']);
    expect(r.findings[0]?.facts).toEqual({ host: 'example.test', detail: 'an event observer failed: observer bug' });
    expect(r.verdict).toBe('inconclusive');
  });
});

describe('runPosture: block lists', () => {
  it('the lists given are asked about every MX address, and their findings join the report', async () => {
    const r = await runPosture(
      { target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: domainZone({ 'A 25.2.0.192.bl.example.net': ['127.0.0.2'], 'TXT 25.2.0.192.bl.example.net': [['listed']] }), fetcher: fetcherOf().fetcher, dnsbl: ['BL.example.net.'] },
      defaultsNever(),
    );
    expect(r.body.posture.dnsbl?.zones).toEqual(['bl.example.net']);
    expect(r.body.posture.dnsbl?.addresses.map((a) => [a.address, a.source, a.mx, a.lookups.map((l) => [l.query, l.status])])).toEqual([['192.0.2.25', 'mx', 'mx1.example.test', [['25.2.0.192.bl.example.net', 'listed']]]]);
    expect(r.findings.map((f) => f.id).filter((id) => id.startsWith('dnsbl.'))).toEqual(['dnsbl.listed']);
    expect(r.verdict).toBe('fail');
  });

  it('the addresses of every MX host are asked, not only the first', async () => {
    const resolver = domainZone({
      'MX example.test': [
        { exchange: 'mx1.example.test', priority: 10 },
        { exchange: 'mx2.example.test', priority: 20 },
      ],
      'A mx2.example.test': ['192.0.2.26'],
    });
    const r = await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver, fetcher: null, dnsbl: ['bl.example.net'] }, defaultsNever());
    expect(r.body.posture.dnsbl?.addresses.map((a) => [a.address, a.mx])).toEqual([
      ['192.0.2.25', 'mx1.example.test'],
      ['192.0.2.26', 'mx2.example.test'],
    ]);
  });

  it('no list named: the default lists; false: none asked', async () => {
    const asked = domainZone();
    const r = await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: asked, fetcher: null }, defaultsNever());
    expect(r.body.posture.dnsbl?.zones.length).toBeGreaterThan(0);
    expect(asked.asked.some((q) => q.startsWith('A 25.2.0.192.'))).toBe(true);
    const quiet = domainZone();
    const q = await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: quiet, fetcher: null, dnsbl: false }, defaultsNever());
    expect(q.body.posture.dnsbl).toBeNull();
    expect(quiet.asked.some((x) => x.startsWith('A 25.2.0.192.'))).toBe(false);
  });

  it('an aborted signal reaches the block list lookups and the policy fetch', async () => {
    const controller = new AbortController();
    controller.abort();
    const resolver = domainZone({ 'A 25.2.0.192.bl.example.net': ['127.0.0.2'] });
    const r = await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver, fetcher: null, dnsbl: ['bl.example.net'], signal: controller.signal }, defaultsNever());
    expect(resolver.asked).not.toContain('A 25.2.0.192.bl.example.net');
    const { fetcher, requests } = fetcherOf();
    await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: domainZone(), fetcher, dnsbl: false, signal: controller.signal }, defaultsNever());
    expect(requests.map((q) => q.signal)).toEqual([controller.signal]);
    expect(r.findings.map((f) => f.id)).not.toContain('dnsbl.listed');
  });
});

describe('runPosture: the memory of policies', () => {
  it('a valid policy is remembered with the time of the judging; the one seen before is recalled', async () => {
    const clock = fixedClock(CLOCK_AT);
    const { memory, remembered, recalled } = memoryOf();
    await runPosture({ target: 'example.test', clock, resolver: domainZone(), fetcher: fetcherOf().fetcher, dnsbl: false, memory }, defaultsNever());
    expect(recalled).toEqual(['example.test']);
    expect(remembered).toEqual([['example.test', { id: '7', sha256: sha(POLICY), seenAt: '2026-11-29T09:30:00.000Z', mode: 'enforce', maxAge: 604800, mx: ['mx1.example.test'] }]]);
  });

  it('a memory that cannot remember: a note in the transcript, the report as it would be', async () => {
    const { memory } = memoryOf(null, { remember: new Error('read-only') });
    const r = await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: domainZone(), fetcher: fetcherOf().fetcher, dnsbl: false, memory }, defaultsNever());
    expect(r.transcript.filter((e) => e.kind === 'note' && e.conn === 'mxray').map((e) => e.text)).toEqual(['the policy could not be remembered: read-only']);
    expect(r.verdict).toBe('pass');
    const odd: PolicyMemory = { recall: () => Promise.resolve(null), remember: () => Promise.reject('just a string') };
    const s = await runPosture({ target: 'example.test', clock: fixedClock(CLOCK_AT), resolver: domainZone(), fetcher: fetcherOf().fetcher, dnsbl: false, memory: odd }, defaultsNever());
    expect(s.transcript.filter((e) => e.kind === 'note' && e.conn === 'mxray').map((e) => e.text)).toEqual(['the policy could not be remembered: just a string']);
  });
});
