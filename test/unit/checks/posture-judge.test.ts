// Judging a domain's MTA-STS and TLS-RPT facts: one finding per case RFC 8461 and RFC 8460 name,
// and the judged fields (id, parsed policy, coverage, effect, rua) recomputed from facts alone.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DnsFacts, PolicyFetch, PostureSection, SeenPolicy, TxtLookup } from '../../../src/core/schema.js';
import { isTextPlain, judgePosture, type PostureFacts } from '../../../src/checks/posture/judge.js';

const DOMAIN = 'example.test';
const GOOD = 'version: STSv1\nmode: enforce\nmx: mx1.example.test\nmx: *.mail.example.test\nmax_age: 604800\n';

function dns(...mx: string[]): DnsFacts {
  return { status: 'ok', resolver: '127.0.0.1:5353', error: null, mx: mx.map((exchange, i) => ({ exchange, preference: 10 * (i + 1), addresses: ['192.0.2.1'], cname: null, isIpLiteral: false, error: null })) };
}

function txt(name: string, ...records: string[][]): TxtLookup {
  return { name, status: records.length ? 'found' : 'none', error: records.length ? null : 'NXDOMAIN', records };
}

function fetched(body: string, over: Partial<PolicyFetch> = {}): PolicyFetch {
  return {
    url: `https://mta-sts.${DOMAIN}/.well-known/mta-sts.txt`,
    status: 'fetched',
    cname: [],
    address: '127.0.0.1',
    httpStatus: 200,
    contentType: 'text/plain; charset=utf-8',
    location: null,
    bytes: Buffer.byteLength(body),
    body,
    sha256: createHash('sha256').update(body).digest('hex'),
    error: null,
    ...over,
  };
}

function failed(code: NonNullable<PolicyFetch['error']>['code'], detail: string): PolicyFetch {
  return { ...fetched(''), status: 'failed', address: null, httpStatus: null, contentType: null, bytes: null, body: null, sha256: null, error: { code, detail, message: `failed: ${detail}` } };
}

interface Case {
  sts?: string[][];
  policy?: PolicyFetch;
  rpt?: string[][];
  misplaced?: string[][];
  previous?: SeenPolicy | null;
  mx?: string[];
}

function facts(c: Case = {}): PostureFacts {
  const posture: PostureSection = {
    mtaSts: {
      record: txt(`_mta-sts.${DOMAIN}`, ...(c.sts ?? [['v=STSv1; id=20261129']])),
      policy: c.policy ?? fetched(GOOD),
      previous: c.previous ?? null,
      id: null,
      parsed: null,
      coverage: [],
      effect: 'not-published',
    },
    tlsRpt: {
      record: txt(`_smtp._tls.${DOMAIN}`, ...(c.rpt ?? [['v=TLSRPTv1; rua=mailto:tlsrpt@example.test']])),
      misplaced: c.misplaced ? txt(`_tlsrpt.${DOMAIN}`, ...c.misplaced) : null,
      rua: [],
    },
    dnsbl: null,
  };
  return { domain: DOMAIN, dns: dns(...(c.mx ?? ['mx1.example.test', 'a.mail.example.test'])), posture };
}

const ids = (c: Case) => judgePosture(facts(c)).findings.map((f) => f.id).sort();

describe('MTA-STS judged', () => {
  it('a good policy covering every MX: ok, with the judged fields filled', () => {
    const j = judgePosture(facts());
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.ok', 'tls-rpt.ok']);
    expect(j.section.mtaSts).toMatchObject({ id: '20261129', effect: 'enforced', parsed: { mode: 'enforce', maxAge: 604800, lineEndings: 'lf' } });
    expect(j.section.mtaSts.coverage).toEqual([
      { mx: 'mx1.example.test', pattern: 'mx1.example.test' },
      { mx: 'a.mail.example.test', pattern: '*.mail.example.test' },
    ]);
    expect(j.section.tlsRpt.rua).toEqual(['mailto:tlsrpt@example.test']);
    expect(j.findings.find((f) => f.id === 'mta-sts.ok')?.title).toMatch(/covers all 2 MX hosts/);
  });

  it('no record: not published, and the policy is not judged against the MX hosts', () => {
    const j = judgePosture(facts({ sts: [], policy: failed('dns-error', 'NXDOMAIN') }));
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.not-published', 'tls-rpt.ok']);
    expect(j.section.mtaSts.effect).toBe('not-published');
    expect(j.section.mtaSts.coverage).toEqual([]);
  });

  it('a policy served without a record: the cached-policy trap', () => {
    const j = judgePosture(facts({ sts: [], previous: { id: 'old1', sha256: 'a'.repeat(64), seenAt: '2026-11-01T00:00:00.000Z', mode: 'enforce', maxAge: 604800 } }));
    const f = j.findings.find((x) => x.id === 'mta-sts.policy-without-record');
    expect(f?.severity).toBe('warning');
    expect(f?.detail).toMatch(/deleting the TXT record does not withdraw/);
    expect(f?.detail).toMatch(/under id old1/);
    expect(j.findings.map((x) => x.id)).toContain('mta-sts.not-published');
  });

  it('two records: none, and no policy is applied', () => {
    const j = judgePosture(facts({ sts: [['v=STSv1; id=1'], ['v=STSv1; id=2']] }));
    expect(j.findings.map((f) => f.id)).toContain('mta-sts.multiple-records');
    expect(j.section.mtaSts.effect).toBe('broken');
    expect(j.section.mtaSts.id).toBeNull();
    expect(j.findings.map((f) => f.id)).not.toContain('mta-sts.not-published');
  });

  it('a bad record and a near miss are each named', () => {
    expect(ids({ sts: [['v=STSv1; id=not-ok']] })).toContain('mta-sts.bad-record');
    expect(ids({ sts: [['v=STSV1; id=1']] })).toContain('mta-sts.record-near-miss');
  });

  it('the fetch: unreachable, certificate, redirect, HTTP error, size, content type', () => {
    expect(ids({ policy: failed('connection-refused', 'ECONNREFUSED') })).toContain('mta-sts.policy-unreachable');
    expect(ids({ policy: failed('dns-error', 'NXDOMAIN') })).toContain('mta-sts.policy-unreachable');
    expect(ids({ policy: failed('tls-handshake-error', 'cert-name-mismatch') })).toContain('mta-sts.policy-cert-invalid');
    expect(ids({ policy: failed('tls-handshake-error', 'cert-untrusted') })).toContain('mta-sts.policy-cert-invalid');
    // A handshake that fails for another reason is no certificate verdict.
    expect(ids({ policy: failed('tls-handshake-error', 'handshake-failed') })).toContain('mta-sts.policy-unreachable');
    expect(ids({ policy: failed('protocol-error', 'too-large') })).toContain('mta-sts.policy-too-large');
    expect(ids({ policy: fetched('', { httpStatus: 301, location: 'https://www.example.test/', body: null }) })).toContain('mta-sts.policy-redirect');
    expect(ids({ policy: fetched('not found', { httpStatus: 404, body: null }) })).toContain('mta-sts.txt-without-policy');
    expect(ids({ policy: fetched(GOOD, { contentType: 'text/html' }) })).toContain('mta-sts.bad-content-type');
    expect(ids({ policy: fetched(GOOD, { contentType: null }) })).toContain('mta-sts.bad-content-type');
  });

  it('each fetch failure leaves the policy unused (effect broken, no coverage)', () => {
    for (const policy of [failed('connection-refused', 'ECONNREFUSED'), fetched(GOOD, { contentType: 'text/html' }), fetched('', { httpStatus: 302, body: null })]) {
      const j = judgePosture(facts({ policy }));
      expect(j.section.mtaSts.effect).toBe('broken');
      expect(j.section.mtaSts.coverage).toEqual([]);
      expect(j.findings.map((f) => f.id)).not.toContain('mta-sts.ok');
    }
  });

  it('content type: text/plain with parameters, any case; nothing else', () => {
    expect(isTextPlain('text/plain')).toBe(true);
    expect(isTextPlain('Text/Plain; charset=UTF-8')).toBe(true);
    expect(isTextPlain('text/plain;charset=utf-8')).toBe(true);
    expect(isTextPlain('text/plainx')).toBe(false);
    expect(isTextPlain('text/html; x=text/plain')).toBe(false);
    expect(isTextPlain(null)).toBe(false);
  });

  it('an invalid policy names its problems and hints', () => {
    const f = judgePosture(facts({ policy: fetched('version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax-age: 86400\n') })).findings.find((x) => x.id === 'mta-sts.policy-invalid');
    expect(f?.title).toMatch(/no max_age/);
    expect(f?.detail).toMatch(/"max-age"/);
  });

  it('an MX host the patterns miss, with the one-label wildcard explained', () => {
    const j = judgePosture(facts({ mx: ['mx1.example.test', 'a.b.mail.example.test'] }));
    const f = j.findings.find((x) => x.id === 'mta-sts.mx-not-covered');
    expect(f?.severity).toBe('error');
    expect(f?.hosts).toEqual(['a.b.mail.example.test']);
    expect(f?.detail).toMatch(/matches one label only/);
    expect(f?.detail).toMatch(/mode enforce, MTA-STS senders do not deliver/);
    expect(j.findings.map((x) => x.id)).not.toContain('mta-sts.ok');
  });

  it('a pattern no MX uses is a note', () => {
    expect(ids({ mx: ['mx1.example.test'] })).toContain('mta-sts.pattern-unused');
  });

  it('testing, none, short max_age', () => {
    expect(ids({ policy: fetched(GOOD.replace('enforce', 'testing')) })).toContain('mta-sts.testing');
    const none = judgePosture(facts({ policy: fetched('version: STSv1\nmode: none\nmax_age: 86400\n') }));
    expect(none.findings.map((f) => f.id)).toContain('mta-sts.mode-none');
    expect(none.section.mtaSts.effect).toBe('none');
    expect(none.findings.map((f) => f.id)).not.toContain('mta-sts.mx-not-covered');
    expect(ids({ policy: fetched(GOOD.replace('604800', '3600')) })).toContain('mta-sts.max-age-short');
    expect(ids({ policy: fetched(GOOD.replace('604800', '86400')) })).not.toContain('mta-sts.max-age-short');
  });

  it('a policy changed under the same id: id-unchanged; under a new id, or unchanged: not', () => {
    const sha = createHash('sha256').update('version: STSv1\nmode: testing\nmx: mx1.example.test\nmax_age: 86400\n').digest('hex');
    const previous: SeenPolicy = { id: '20261129', sha256: sha, seenAt: '2026-11-20T10:00:00.000Z', mode: 'testing', maxAge: 86400 };
    const f = judgePosture(facts({ previous })).findings.find((x) => x.id === 'mta-sts.id-unchanged');
    expect(f?.severity).toBe('error');
    expect(f?.detail).toMatch(/2026-11-20T10:00:00.000Z/);
    expect(f?.detail).toMatch(/86400 seconds/);
    expect(ids({ previous: { ...previous, id: 'older' } })).not.toContain('mta-sts.id-unchanged');
    const same = createHash('sha256').update(GOOD).digest('hex');
    expect(ids({ previous: { ...previous, sha256: same } })).not.toContain('mta-sts.id-unchanged');
  });

  it('a failed TXT lookup is inconclusive, not "not published"', () => {
    const j = judgePosture({ ...facts(), posture: { ...facts().posture, mtaSts: { ...facts().posture.mtaSts, record: { name: `_mta-sts.${DOMAIN}`, status: 'error', error: 'SERVFAIL', records: [] } } } });
    expect(j.findings.map((f) => f.id)).toContain('mta-sts.lookup-failed');
    expect(j.findings.map((f) => f.id)).not.toContain('mta-sts.not-published');
  });
});

describe('TLS-RPT judged', () => {
  it('missing: a note, which says MTA-STS testing is then blind', () => {
    const f = judgePosture(facts({ rpt: [] })).findings.find((x) => x.id === 'tls-rpt.not-published');
    expect(f?.detail).toMatch(/mode testing tells nobody/);
    const without = judgePosture(facts({ rpt: [], sts: [], policy: failed('dns-error', 'NXDOMAIN') })).findings.find((x) => x.id === 'tls-rpt.not-published');
    expect(without?.detail).not.toMatch(/mode testing/);
  });

  it('published at _tlsrpt instead: misplaced', () => {
    expect(ids({ rpt: [], misplaced: [['v=TLSRPTv1; rua=mailto:r@example.test']] })).toContain('tls-rpt.misplaced');
    expect(ids({ rpt: [], misplaced: [['something else']] })).toContain('tls-rpt.not-published');
  });

  it('bad, duplicated, near miss', () => {
    expect(ids({ rpt: [['v=TLSRPTv1; rua=tlsrpt@example.test']] })).toContain('tls-rpt.bad-record');
    expect(ids({ rpt: [['v=TLSRPTv1; rua=mailto:a@example.test'], ['v=TLSRPTv1; rua=mailto:b@example.test']] })).toContain('tls-rpt.multiple-records');
    expect(ids({ rpt: [['v=tlsrptv1; rua=mailto:a@example.test']] })).toContain('tls-rpt.record-near-miss');
  });

  it('the testing note names where reports go, or that nobody gets them', () => {
    const testing = fetched(GOOD.replace('enforce', 'testing'));
    expect(judgePosture(facts({ policy: testing })).findings.find((f) => f.id === 'mta-sts.testing')?.detail).toMatch(/reports go to mailto:tlsrpt@example.test/);
    expect(judgePosture(facts({ policy: testing, rpt: [] })).findings.find((f) => f.id === 'mta-sts.testing')?.detail).toMatch(/nobody receives them/);
  });
});

describe('texts', () => {
  it('an optional part left out leaves no "unknown" in any title or detail', () => {
    const cases: Case[] = [
      { mx: ['mx9.other.test'] },
      { sts: [], previous: null },
      { rpt: [], sts: [], policy: failed('dns-error', 'NXDOMAIN') },
      { policy: fetched('version: STSv1\nmode: enforce\nmax_age: 86400\n') },
    ];
    for (const c of cases) {
      for (const f of judgePosture(facts(c)).findings) {
        expect(`${f.title} ${f.detail}`, f.id).not.toMatch(/\bunknown\b/);
      }
    }
  });
});

describe('the review’s cases', () => {
  it('a hostile record gives a bounded finding: five problems named and how many more', () => {
    const f = judgePosture(facts({ sts: [[`v=STSv1; ${'x;'.repeat(3000)}`]] })).findings.find((x) => x.id === 'mta-sts.bad-record')!;
    expect(f.title.length).toBeLessThan(600);
    expect(f.title).toMatch(/and 2996 more/);
  });

  it('a null MX is no MX host to cover', () => {
    const d: DnsFacts = { status: 'null-mx', resolver: 'r', error: null, mx: [{ exchange: '.', preference: 0, addresses: [], cname: null, isIpLiteral: false, error: null }] };
    const j = judgePosture({ ...facts(), dns: d });
    expect(j.findings.map((x) => x.id)).not.toContain('mta-sts.mx-not-covered');
    expect(j.section.mtaSts.coverage).toEqual([]);
  });

  it('a failed MX lookup: coverage not judged, and no claim of "none found"', () => {
    const j = judgePosture({ ...facts(), dns: { status: 'servfail', resolver: 'r', error: 'SERVFAIL', mx: [] } });
    expect(j.section.mtaSts.coverage).toEqual([]);
    expect(j.findings.map((x) => x.id)).not.toContain('mta-sts.ok');
    expect(j.findings.map((x) => x.id)).not.toContain('mta-sts.mx-not-covered');
  });

  it('our own abort is not the policy host’s failure', () => {
    const j = judgePosture(facts({ policy: failed('io-timeout', 'aborted') }));
    expect(j.findings.map((x) => x.id)).toContain('mta-sts.policy-not-fetched');
    expect(j.findings.map((x) => x.id)).not.toContain('mta-sts.policy-unreachable');
  });

  it('two uncovered MX hosts: one finding naming both', () => {
    const f = judgePosture(facts({ mx: ['mx1.example.test', 'x.other.test', 'y.other.test'] })).findings.filter((x) => x.id === 'mta-sts.mx-not-covered');
    expect(f).toHaveLength(1);
    expect(f[0]!.title).toMatch(/^x\.other\.test, y\.other\.test are not covered/);
    expect(f[0]!.hosts).toEqual(['x.other.test', 'y.other.test']);
  });

  it('a short max_age warns only in mode enforce', () => {
    expect(ids({ policy: fetched(GOOD.replace('604800', '3600').replace('enforce', 'testing')) })).not.toContain('mta-sts.max-age-short');
  });

  it('id-unchanged compares what senders read: a change of layout alone is none; a new pattern is one', () => {
    const seen: SeenPolicy = { id: '20261129', sha256: '0'.repeat(64), seenAt: '2026-11-20T10:00:00.000Z', mode: 'enforce', maxAge: 604800, mx: ['*.mail.example.test', 'mx1.example.test'] };
    // Other bytes (the sha256 differs), the same fields: nothing to report.
    expect(ids({ previous: seen })).not.toContain('mta-sts.id-unchanged');
    expect(ids({ previous: { ...seen, mx: ['mx1.example.test'] } })).toContain('mta-sts.id-unchanged');
    expect(ids({ previous: { ...seen, maxAge: 86400 } })).toContain('mta-sts.id-unchanged');
  });

  it('TLS-RPT with one usable URI is ok, and the others are named', () => {
    const j = judgePosture(facts({ rpt: [['v=TLSRPTv1; rua=mailto:r@example.test,ftp://x.example']] }));
    expect(j.findings.map((x) => x.id)).toEqual(expect.arrayContaining(['tls-rpt.ok', 'tls-rpt.uri-unusable']));
    expect(j.section.tlsRpt.rua).toEqual(['mailto:r@example.test']);
  });
});
