// `mxray posture` end to end on loopback: a real DNS server (the demo's) answering the zone, a real
// HTTPS policy host (test/helpers/policy-host.ts) with certificates made at test time, the node
// fetcher and resolver the CLI uses. One domain per case; each case's verdict and findings.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { PostureReport, SeenPolicy } from '../../src/core/schema.js';
import { startDnsServer, type RunningDnsServer } from '../../src/demo/dns-server.js';
import type { ZoneRecord } from '../../src/demo/zone.js';
import { createResolver } from '../../src/dns/system-resolver.js';
import type { HttpFetcher } from '../../src/http/fetcher.js';
import { createNodeFetcher } from '../../src/http/node-fetcher.js';
import { runPosture } from '../../src/jobs/posture/check-posture.js';
import type { PolicyMemory } from '../../src/jobs/posture/probe-posture.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { startPolicyHost, type PolicyHost, type PolicyRoute } from '../helpers/policy-host.js';

const POLICY = (mx: string[], mode = 'enforce', eol = '\n') => ['version: STSv1', `mode: ${mode}`, ...mx.map((m) => `mx: ${m}`), 'max_age: 604800', ''].join(eol);

interface Case {
  /** TXT records at _mta-sts (each an array of strings); default one good record. */
  sts?: string[][];
  rpt?: string[][];
  tlsrptAt?: string[][];
  route?: PolicyRoute | null;
  /** mta-sts.<domain> is a CNAME to this name (served by the host). */
  cnameTo?: string;
  mx?: string[];
}

const RPT = [['v=TLSRPTv1; rua=mailto:tlsrpt@example.net']];

const CASES: Record<string, Case> = {
  good: { route: { body: POLICY(['mx1.good.test', '*.mail.good.test']) }, mx: ['mx1.good.test', 'in.mail.good.test'] },
  crlf: { route: { body: POLICY(['mx1.crlf.test'], 'enforce', '\r\n'), contentType: 'text/plain; charset=utf-8' } },
  split: { sts: [['v=STSv1; id=2026', '1129T1200']], route: { body: POLICY(['mx1.split.test']) } },
  twice: { sts: [['v=STSv1; id=1'], ['v=STSv1; id=2']], route: { body: POLICY(['mx1.twice.test']) } },
  redirect: { route: { status: 301, headers: { location: 'https://www.redirect.test/' } } },
  html: { route: { body: POLICY(['mx1.html.test']), contentType: 'text/html' } },
  oversize: { route: { body: `${POLICY(['mx1.oversize.test'])}#${'x'.repeat(70_000)}\n` } },
  missing: { route: { status: 404, body: 'not found' } },
  wildcard: { route: { body: POLICY(['*.wildcard.test']) }, mx: ['a.b.wildcard.test'] },
  'cname-ok': { cnameTo: 'policies.provider.test', route: { body: POLICY(['mx1.cname-ok.test']) } },
  'cname-bad': { cnameTo: 'other.provider.test', route: { body: POLICY(['mx1.cname-bad.test']), cert: { names: ['other.provider.test'] } } },
  untrusted: { route: { body: POLICY(['mx1.untrusted.test']), cert: 'untrusted' } },
  'expired-cert': { route: { body: POLICY(['mx1.expired-cert.test']), cert: 'expired' } },
  orphan: { sts: [], route: { body: POLICY(['mx1.orphan.test']) } },
  unpublished: { sts: [], rpt: [], route: null },
  misplaced: { sts: [], rpt: [], tlsrptAt: RPT, route: null },
  'no-mailto': { sts: [], rpt: [['v=TLSRPTv1; rua=tlsrpt@no-mailto.test']], route: null },
};

let dns: RunningDnsServer;
let host: PolicyHost;
let fetcher: HttpFetcher;
let resolver: ReturnType<typeof createResolver>;
let trustStore: ReturnType<typeof createTrustStore>;

function zone(address: string): ZoneRecord[] {
  const records: ZoneRecord[] = [];
  for (const [name, c] of Object.entries(CASES)) {
    const domain = `${name}.test`;
    for (const [i, mx] of (c.mx ?? [`mx1.${domain}`]).entries()) {
      records.push({ name: domain, type: 'MX', data: { preference: 10 * (i + 1), exchange: mx } }, { name: mx, type: 'A', data: '127.0.0.1' });
    }
    for (const r of c.sts ?? [['v=STSv1; id=20261129T1200']]) records.push({ name: `_mta-sts.${domain}`, type: 'TXT', data: r });
    for (const r of c.rpt ?? RPT) records.push({ name: `_smtp._tls.${domain}`, type: 'TXT', data: r });
    for (const r of c.tlsrptAt ?? []) records.push({ name: `_tlsrpt.${domain}`, type: 'TXT', data: r });
    if (c.route === null) continue;
    if (c.cnameTo) {
      records.push({ name: `mta-sts.${domain}`, type: 'CNAME', data: c.cnameTo });
      if (!records.some((r) => r.name === c.cnameTo)) records.push({ name: c.cnameTo, type: 'A', data: address });
    } else records.push({ name: `mta-sts.${domain}`, type: 'A', data: address });
  }
  return records;
}

beforeAll(async () => {
  const routes: Record<string, PolicyRoute> = {};
  for (const [name, c] of Object.entries(CASES)) if (c.route) routes[`mta-sts.${name}.test`] = c.route;
  host = await startPolicyHost({ routes });
  dns = await startDnsServer({ records: zone(host.address) });
  resolver = createResolver({ server: `${dns.address}:${dns.port}`, timeoutMs: 2000, tries: 1 });
  trustStore = createTrustStore([host.caPem], 'the test CA');
  fetcher = host.reach(createNodeFetcher({ resolver, trustStore, addressPolicy: () => true }));
}, 60_000);

afterAll(async () => {
  await dns?.stop();
  await host?.stop();
});

function posture(domain: string, memory: PolicyMemory | null = null): Promise<PostureReport> {
  // The policy host's certificate verified by mxray (pki/verify.ts), as the command line does.
  return runPosture({ target: domain, resolver, fetcher, trustStore, memory, dnsbl: false, fetchTimeoutMs: 5000 }, () => ({ clock: systemClock, resolver }));
}

const ids = (r: PostureReport) => r.findings.map((f) => f.id);

describe('mxray posture against a loopback policy host and zone', () => {
  it('a good policy covering every MX (one by name, one by wildcard): pass', async () => {
    const r = await posture('good.test');
    expect(r.verdict).toBe('pass');
    expect(ids(r).sort()).toEqual(['mta-sts.ok', 'tls-rpt.ok']);
    expect(r.body.posture.mtaSts).toMatchObject({ id: '20261129T1200', effect: 'enforced', parsed: { lineEndings: 'lf', mode: 'enforce' } });
    expect(r.body.posture.mtaSts.coverage.map((c) => c.pattern)).toEqual(['mx1.good.test', '*.mail.good.test']);
    expect(r.body.posture.mtaSts.policy.address).toBe(host.address);
  });

  it('CRLF line ends and a charset parameter: pass, and the line ends are said', async () => {
    const r = await posture('crlf.test');
    expect(r.verdict).toBe('pass');
    expect(r.body.posture.mtaSts.parsed?.lineEndings).toBe('crlf');
    expect(r.body.posture.mtaSts.policy.contentType).toBe('text/plain; charset=utf-8');
  });

  it('a TXT record split in strings is joined', async () => {
    const r = await posture('split.test');
    expect(r.body.posture.mtaSts.id).toBe('20261129T1200');
    expect(r.body.posture.mtaSts.record.records).toEqual([['v=STSv1; id=2026', '1129T1200']]);
    expect(r.verdict).toBe('pass');
  });

  it('two v=STSv1 records: fail, no policy', async () => {
    const r = await posture('twice.test');
    expect(r.verdict).toBe('fail');
    expect(ids(r)).toContain('mta-sts.multiple-records');
    expect(r.body.posture.mtaSts.effect).toBe('broken');
  });

  it('a redirect is not followed', async () => {
    const before = host.requestCount('www.redirect.test');
    const r = await posture('redirect.test');
    expect(ids(r)).toContain('mta-sts.policy-redirect');
    expect(r.body.posture.mtaSts.policy.location).toBe('https://www.redirect.test/');
    expect(host.requestCount('www.redirect.test')).toBe(before);
  });

  it('text/html: bad content type', async () => {
    expect(ids(await posture('html.test'))).toContain('mta-sts.bad-content-type');
  });

  it('more than 64 KiB: too large', async () => {
    const r = await posture('oversize.test');
    expect(ids(r)).toContain('mta-sts.policy-too-large');
    expect(r.verdict).toBe('fail');
  });

  it('a record but HTTP 404: txt-without-policy', async () => {
    const r = await posture('missing.test');
    expect(ids(r)).toContain('mta-sts.txt-without-policy');
    expect(r.body.posture.mtaSts.policy.httpStatus).toBe(404);
  });

  it('a wildcard expected to match two labels: the MX is not covered', async () => {
    const r = await posture('wildcard.test');
    const f = r.findings.find((x) => x.id === 'mta-sts.mx-not-covered');
    expect(f?.hosts).toEqual(['a.b.wildcard.test']);
    expect(f?.detail).toMatch(/one label only/);
    expect(r.verdict).toBe('fail');
  });

  it('a CNAME’d policy host whose certificate names mta-sts.<domain>: pass, the CNAME recorded', async () => {
    const r = await posture('cname-ok.test');
    expect(r.verdict).toBe('pass');
    expect(r.body.posture.mtaSts.policy.cname).toEqual(['policies.provider.test']);
  });

  it('a CNAME’d policy host whose certificate names only the provider: rejected', async () => {
    const r = await posture('cname-bad.test');
    const f = r.findings.find((x) => x.id === 'mta-sts.policy-cert-invalid');
    expect(f?.facts.detail).toBe('cert-name-mismatch');
    expect(f?.detail).toMatch(/mta-sts\.cname-bad\.test → other\.provider\.test/);
  });

  it('the certificate judged by mxray names the trust store it was judged against', async () => {
    expect((await posture('good.test')).judgedWith.trustStore.description).toBe('the test CA');
  });

  it('an expired certificate on the policy host: rejected as expired', async () => {
    const f = (await posture('expired-cert.test')).findings.find((x) => x.id === 'mta-sts.policy-cert-invalid');
    expect(f?.facts.detail).toBe('cert-expired');
  });

  it('without a trust store of its own, the fetcher verifies: the same verdicts', async () => {
    const byFetcher = (domain: string) => runPosture({ target: domain, resolver, fetcher, dnsbl: false, fetchTimeoutMs: 5000 }, () => ({ clock: systemClock, resolver }));
    expect((await byFetcher('good.test')).verdict).toBe('pass');
    for (const [domain, detail] of [['untrusted.test', 'cert-untrusted'], ['cname-bad.test', 'cert-name-mismatch'], ['expired-cert.test', 'cert-expired']] as const) {
      expect((await byFetcher(domain)).findings.find((x) => x.id === 'mta-sts.policy-cert-invalid')?.facts.detail, domain).toBe(detail);
    }
  });

  it('an untrusted certificate on the policy host: rejected', async () => {
    const f = (await posture('untrusted.test')).findings.find((x) => x.id === 'mta-sts.policy-cert-invalid');
    expect(f?.facts.detail).toBe('cert-untrusted');
  });

  it('a policy served without a record: the cached-policy warning', async () => {
    const r = await posture('orphan.test');
    expect(ids(r)).toEqual(expect.arrayContaining(['mta-sts.policy-without-record', 'mta-sts.not-published']));
    expect(r.verdict).toBe('warn');
  });

  it('nothing published: notes only, the verdict passes', async () => {
    const r = await posture('unpublished.test');
    expect(ids(r).sort()).toEqual(['mta-sts.not-published', 'tls-rpt.not-published']);
    expect(r.body.posture.mtaSts.policy.status).toBe('failed');
    expect(r.body.posture.mtaSts.policy.error?.code).toBe('dns-error');
  });

  it('TLS-RPT published at _tlsrpt: misplaced', async () => {
    expect(ids(await posture('misplaced.test'))).toContain('tls-rpt.misplaced');
  });

  it('rua=address without mailto:', async () => {
    const f = (await posture('no-mailto.test')).findings.find((x) => x.id === 'tls-rpt.bad-record');
    expect(f?.title).toMatch(/lacks "mailto:"/);
  });

  it('a policy changed under the same id: id-unchanged on the next run, until the id changes', async () => {
    const seen = new Map<string, SeenPolicy>();
    const memory: PolicyMemory = { recall: (d) => Promise.resolve(seen.get(d) ?? null), remember: (d, s) => Promise.resolve(void seen.set(d, s)) };
    const first = await posture('good.test', memory);
    expect(ids(first)).not.toContain('mta-sts.id-unchanged');
    expect(seen.get('good.test')).toMatchObject({ id: '20261129T1200', sha256: createHash('sha256').update(POLICY(['mx1.good.test', '*.mail.good.test'])).digest('hex') });
    host.route('mta-sts.good.test', { body: POLICY(['mx1.good.test', '*.mail.good.test', 'mx9.good.test']) });
    try {
      const second = await posture('good.test', memory);
      expect(ids(second)).toContain('mta-sts.id-unchanged');
      expect(second.verdict).toBe('fail');
      // The first policy seen under the id stays remembered: the next run says it again.
      expect(ids(await posture('good.test', memory))).toContain('mta-sts.id-unchanged');
    } finally {
      host.route('mta-sts.good.test', CASES.good!.route!);
    }
  });
});
