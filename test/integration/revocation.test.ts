// Revocation end to end: a real CA made with openssl and served on loopback (CRL by `openssl ca`,
// OCSP answered by `openssl ocsp`), looked up by the certificate check and the receiver test through
// the real HTTP fetcher. Revoked, unreachable, stale, badly signed; each URL asked once per run; and
// "could not check" never read as "not revoked".
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { CertificateReport, Finding } from '../../src/core/schema.js';
import { startDnsServer, type RunningDnsServer } from '../../src/demo/dns-server.js';
import { startScriptedServer, type ScriptedServer } from '../../src/demo/scripted-server.js';
import { createResolver } from '../../src/dns/system-resolver.js';
import { createNodeFetcher } from '../../src/http/node-fetcher.js';
import { runCertificateCheck } from '../../src/jobs/certificate/check-certificate.js';
import { runReceiverCheck } from '../../src/jobs/receiver/check-receiver.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { createScheduler, DEFAULT_SCHEDULER_LIMITS } from '../../src/core/scheduler.js';
import { startLoopbackCa, type LoopbackCa } from '../helpers/loopback-ca.js';
import type { TestLeaf } from '../helpers/test-ca.js';

let ca: LoopbackCa;
let good: TestLeaf;
let revoked: TestLeaf;
let bare: TestLeaf;

beforeAll(async () => {
  ca = await startLoopbackCa();
  good = ca.ca.issueLeaf('mx.good.test');
  revoked = ca.ca.issueLeaf('mx.revoked.test');
  bare = ca.ca.issueLeaf('mx.bare.test', { revocationInfo: false });
  ca.ca.revoke(revoked, 'keyCompromise', new Date(ca.ca.madeAt - 60_000));
}, 60_000);

afterAll(async () => {
  await ca?.close();
});

beforeEach(() => {
  ca.reset();
  for (const route of ['issuer', 'issuer-p7c', 'crl', 'ocsp'] as const) ca.setMode(route, 'normal');
});

function edges() {
  const trustStore = createTrustStore([ca.ca.root.pem], 'test root');
  // Every URL of the test CA is an IP literal on loopback: the resolver is never asked.
  const resolver = createResolver({ server: '127.0.0.1:9', timeoutMs: 500, tries: 1 });
  const fetcher = createNodeFetcher({ resolver, trustStore, addressPolicy: () => true, limits: { timeoutMs: 5000 } });
  return { trustStore, resolver, fetcher };
}

async function check(leaf: TestLeaf, options: { revocation?: boolean; names?: string[] } = {}): Promise<CertificateReport> {
  const e = edges();
  return runCertificateCheck(
    {
      files: [{ name: 'leaf.pem', role: 'certificate', bytes: Buffer.from(leaf.pem + ca.ca.intermediate.pem) }],
      names: options.names ?? [leaf.subject.replace(/^.*CN=/, '')],
      revocation: options.revocation ?? true,
      // The test CA's certificates live 30 days: no expiry warning in the way.
      warnDays: 7,
      clock: systemClock,
      trustStore: e.trustStore,
      fetcher: e.fetcher,
    },
    () => {
      throw new Error('every edge is given');
    },
  );
}

const ids = (r: { findings: Finding[] }) => [...new Set(r.findings.map((f) => f.id))].sort();
const lookups = (r: CertificateReport, index = 0) =>
  (r.body.subjects[0]!.verdict.revocation ?? []).find((c) => c.index === index)?.lookups.map((l) => [l.method, l.status]) ?? null;
const accepts = (r: CertificateReport, profile: string) => r.body.subjects[0]!.acceptance.find((a) => a.profile === profile)?.accepts;

describe('revocation of a certificate from files', () => {
  it('a good certificate: CRL and OCSP both answer good; its intermediate names neither (a private CA), which stops Exchange only', async () => {
    const r = await check(good);
    expect(lookups(r)).toEqual([
      ['crl', 'good'],
      ['ocsp', 'good'],
    ]);
    expect(lookups(r, 1)).toEqual([]);
    const notes = r.findings.filter((f) => /revo|crl|ocsp/.test(f.id));
    expect(notes.map((f) => [f.id, f.severity, f.facts.element])).toEqual([['cert.no-revocation-info', 'info', 'intermediate 1']]);
    expect(accepts(r, 'exchange-server')).toBe('no');
    expect(accepts(r, 'postfix-verify')).toBe('yes');
    expect(r.findings.filter((f) => f.severity !== 'ok' && f.severity !== 'info').map((f) => f.id)).toEqual([]);
    expect(r.verdict).toBe('pass');
  });

  it('a revoked certificate: cert.revoked with its date and reason, from both CRL and OCSP', async () => {
    const r = await check(revoked);
    expect(lookups(r)).toEqual([
      ['crl', 'revoked'],
      ['ocsp', 'revoked'],
    ]);
    const l = r.body.subjects[0]!.verdict.revocation![0]!.lookups[0]!;
    expect(l.reason).toBe('keyCompromise');
    expect(Date.parse(l.revokedAt!)).toBe(Math.floor((ca.ca.madeAt - 60_000) / 1000) * 1000);
    expect(ids(r)).toContain('cert.revoked');
    expect(r.verdict).toBe('fail');
    expect(accepts(r, 'exchange-server')).toBe('no');
  });

  it('the CRL unreachable but OCSP answering: no finding (one answer is enough)', async () => {
    ca.setMode('crl', 'not-found');
    const r = await check(good);
    expect(lookups(r)).toEqual([
      ['crl', 'unreachable'],
      ['ocsp', 'good'],
    ]);
    expect(r.body.subjects[0]!.verdict.revocation![0]!.lookups[0]!.detail).toBe('HTTP 404');
    expect(r.findings.filter((f) => /revo|crl|ocsp/.test(f.id)).map((f) => [f.id, f.facts.element])).toEqual([['cert.no-revocation-info', 'intermediate 1']]);
  });

  it('both unreachable: cert.crl-unreachable and cert.ocsp-unreachable, and Exchange fails with RevocationOffline, never "not revoked"', async () => {
    ca.setMode('crl', 'server-error');
    ca.setMode('ocsp', 'not-found');
    const r = await check(good);
    expect(lookups(r)).toEqual([
      ['crl', 'unreachable'],
      ['ocsp', 'unreachable'],
    ]);
    expect(ids(r)).toEqual(expect.arrayContaining(['cert.crl-unreachable', 'cert.ocsp-unreachable']));
    expect(ids(r)).not.toContain('cert.revoked');
    expect(accepts(r, 'exchange-server')).toBe('no');
    expect(accepts(r, 'postfix-verify')).toBe('yes');
  });

  it('a stale CRL and no OCSP answer: cert.crl-stale', async () => {
    ca.setMode('crl', 'stale-crl');
    ca.setMode('ocsp', 'server-error');
    const r = await check(good);
    expect(lookups(r)).toEqual([
      ['crl', 'good'],
      ['ocsp', 'unreachable'],
    ]);
    expect(ids(r)).toContain('cert.crl-stale');
  });

  it('an OCSP answer with a bad signature is no answer: invalid, reported, not "good"', async () => {
    ca.setMode('ocsp', 'bad-ocsp-signature');
    ca.setMode('crl', 'garbage');
    const r = await check(good);
    expect(lookups(r)).toEqual([
      ['crl', 'invalid'],
      ['ocsp', 'invalid'],
    ]);
    expect(ids(r)).toEqual(expect.arrayContaining(['cert.crl-unreachable', 'cert.ocsp-unreachable']));
    expect(accepts(r, 'exchange-server')).toBe('no');
  });

  it('a certificate that names neither: a note, and Exchange cannot check it', async () => {
    const r = await check(bare);
    expect(lookups(r)).toEqual([]);
    expect(ids(r)).toContain('cert.no-revocation-info');
    expect(accepts(r, 'exchange-server')).toBe('no');
    expect(ca.requestCount('crl') + ca.requestCount('ocsp')).toBe(0);
  });

  it('--no-revocation: nothing is asked, and revocation-dependent senders are unknown', async () => {
    const r = await check(good, { revocation: false });
    expect(r.body.revocationChecked).toBe(false);
    expect(ca.requestCount('crl') + ca.requestCount('ocsp')).toBe(0);
    expect(accepts(r, 'exchange-server')).toBe('unknown');
  });
});

describe('revocation in the receiver test', () => {
  let servers: ScriptedServer[] = [];
  let dns: RunningDnsServer;
  const names = [1, 2, 3, 4].map((i) => `mx${i}.four.test`);

  beforeAll(async () => {
    const shared = ca.ca.issueLeaf('mx1.four.test');
    const { readFileSync } = await import('node:fs');
    const key = readFileSync(shared.keyPath, 'utf8');
    const cert = shared.pem + ca.ca.intermediate.pem;
    servers = await Promise.all(
      names.map((n) =>
        startScriptedServer(
          {
            greeting: () => [{ type: 'write', data: `220 ${n} ESMTP\r\n` }],
            command: (line) =>
              /^QUIT/i.test(line)
                ? [{ type: 'write', data: '221 bye\r\n' }, { type: 'close' }]
                : /^EHLO/i.test(line)
                  ? [{ type: 'write', data: `250-${n}\r\n250 STARTTLS\r\n` }]
                  : /^STARTTLS/i.test(line)
                    ? [{ type: 'write', data: '220 go ahead\r\n' }, { type: 'starttls' }]
                    : [{ type: 'write', data: '250 ok\r\n' }],
          },
          { tls: { key, cert } },
        ),
      ),
    );
    dns = await startDnsServer({
      records: [
        ...names.map((exchange, i) => ({ name: 'four.test', type: 'MX' as const, data: { preference: 10 * (i + 1), exchange } })),
        ...names.map((name) => ({ name, type: 'A' as const, data: '127.0.0.1' })),
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([dns?.stop(), ...servers.map((s) => s.stop())]);
  });

  it('4 MX hosts sharing one certificate: one CRL and one OCSP request in all, every host judged with the answers', async () => {
    const e = edges();
    const resolver = createResolver({ server: `127.0.0.1:${dns.port}`, timeoutMs: 2000, tries: 1 });
    const report = await runReceiverCheck(
      {
        target: 'four.test',
        extras: false,
        helo: 'client.test',
        hostMap: new Map(names.map((n, i) => [n, { address: '127.0.0.1', port: servers[i]!.port }])),
        clock: systemClock,
        resolver,
        connector: createConnector(systemClock),
        trustStore: e.trustStore,
        fetcher: e.fetcher,
        scheduler: createScheduler(DEFAULT_SCHEDULER_LIMITS),
      },
      () => {
        throw new Error('every edge is given');
      },
    );
    expect(report.body.hosts).toHaveLength(4);
    for (const h of report.body.hosts) {
      expect(h.assessment.certificate?.revocation?.[0]?.lookups.map((l) => [l.method, l.status])).toEqual([
        ['crl', 'good'],
        ['ocsp', 'good'],
      ]);
    }
    expect(ca.requestCount('crl')).toBe(1);
    expect(ca.requestCount('ocsp')).toBe(1);
  });

  it('with revocation off: no request, no revocation facts', async () => {
    const e = edges();
    const resolver = createResolver({ server: `127.0.0.1:${dns.port}`, timeoutMs: 2000, tries: 1 });
    const report = await runReceiverCheck(
      {
        target: 'four.test',
        extras: false,
        helo: 'client.test',
        revocation: false,
        hostMap: new Map(names.map((n, i) => [n, { address: '127.0.0.1', port: servers[i]!.port }])),
        clock: systemClock,
        resolver,
        connector: createConnector(systemClock),
        trustStore: e.trustStore,
        fetcher: e.fetcher,
        scheduler: createScheduler(DEFAULT_SCHEDULER_LIMITS),
      },
      () => {
        throw new Error('every edge is given');
      },
    );
    expect(ca.requestCount('crl') + ca.requestCount('ocsp')).toBe(0);
    expect(report.body.hosts.map((h) => h.assessment.certificate?.revocation ?? null)).toEqual([null, null, null, null]);
  });
});
