// The whole receiver test against the built-in lab, through the real resolver and connector code
// (a DNS server on loopback, the lab's host map): every scenario's verdict and finding ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/schema.js';
import { listLabScenarios } from '../../src/demo/lab.js';
import { runDemo, type DemoScenarioResult } from '../../src/demo/run-demo.js';
import { schemaErrors } from '../helpers/schema.js';

let results: DemoScenarioResult[] = [];
const byName = (name: string): Report => {
  const r = results.find((x) => x.name === name);
  if (!r) throw new Error(`scenario ${name} missing`);
  return r.report;
};
const ids = (report: Report) => report.findings.map((f) => f.id);

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  results = await runDemo();
}, 120_000);

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('mxray demo lab, through the library API', () => {
  it('tests every scenario, with no unhandled rejection', () => {
    expect(results.map((r) => r.name).sort()).toEqual(listLabScenarios().map((s) => s.name).sort());
    expect(unhandled).toEqual([]);
  });

  for (const scenario of listLabScenarios()) {
    it(`${scenario.name}: verdict ${scenario.expect.verdict} with ${scenario.expect.findings.join(', ') || 'no findings'}`, () => {
      const report = byName(scenario.name);
      expect(report.verdict).toBe(scenario.expect.verdict);
      expect(ids(report)).toEqual(expect.arrayContaining(scenario.expect.findings));
      expect(schemaErrors(report)).toEqual([]);
    });
  }

  it('good: summary fields say offered, negotiated, verified and name match, separately', () => {
    const [h] = byName('good').hosts;
    expect(h).toBeDefined();
    expect(h!.starttls).toMatchObject({ offered: true, negotiated: true });
    expect(h!.tls).toMatchObject({ ok: true, protocol: 'TLSv1.3', sni: 'mx.good.mxray.test' });
    expect(h!.tls!.certificate).toMatchObject({ trusted: true, nameMatches: true, trustFailure: 'none' });
    expect(h!.tls!.certificate!.sent).toHaveLength(2);
    expect(h!.capabilitiesInTls!.some((c) => c.keyword === 'STARTTLS')).toBe(false);
    expect(h!.noSni).toMatchObject({ status: 'ok', sameCertificate: true });
    expect(h!.cleartext).toMatchObject({ requiresTls: false });
    expect(h!.connectMs).toBeGreaterThanOrEqual(0);
    expect(ids(byName('good'))).not.toContain('tls.handshake-failed');
  });

  it('keeps "no STARTTLS", "handshake failed" and "bad certificate" apart', () => {
    const none = byName('no-starttls').hosts[0]!;
    expect(none.starttls).toMatchObject({ offered: false, negotiated: false });
    expect(none.tls).toBeNull();
    const broken = byName('handshake-fails').hosts[0]!;
    expect(broken.starttls).toMatchObject({ offered: true, negotiated: false });
    expect(broken.tls).toMatchObject({ ok: false, status: 'tls-handshake-error' });
    expect(broken.legacyRetry).toMatchObject({ ok: false, cause: 'not-tls' });
    const bad = byName('self-signed').hosts[0]!;
    expect(bad.starttls.negotiated).toBe(true);
    expect(bad.tls!.certificate).toMatchObject({ trusted: false, trustFailure: 'self-signed' });
    expect(bad.tls!.certificate!.trustReason).toBeTruthy();
  });

  it('requires-tls: the cleartext session is refused with the exact reply, TLS works', () => {
    const h = byName('requires-tls').hosts[0]!;
    expect(h.cleartext?.requiresTls).toBe(true);
    expect(h.cleartext?.steps[0]).toMatchObject({ outcome: 'requires-tls', reply: { code: 530, enhanced: '5.7.0' } });
    expect(h.tls?.ok).toBe(true);
  });

  it('helo-only: EHLO 500 then HELO, no STARTTLS possible', () => {
    const h = byName('helo-only').hosts[0]!;
    expect(h.greeting).toBe('HELO');
    expect(h.ehloReply?.code).toBe(500);
    expect(ids(byName('helo-only'))).not.toContain('starttls.not-offered');
  });

  it('rate-limited: inconclusive with the server\'s own words, not "no TLS"', () => {
    const report = byName('rate-limited');
    expect(ids(report)).not.toContain('starttls.not-offered');
    const f = report.findings.find((x) => x.id === 'smtp.rate-limited')!;
    expect(String(f.facts.reply)).toMatch(/^421 /);
  });

  it('null MX: nothing is probed; NXDOMAIN: nothing is probed', () => {
    expect(byName('null-mx').hosts).toEqual([]);
    expect(byName('null-mx').dns.status).toBe('null-mx');
    expect(byName('nxdomain').hosts).toEqual([]);
    expect(byName('nxdomain').dns.status).toBe('nxdomain');
  });

  it('every finding carries its explanation and fix from the catalogue', () => {
    for (const r of results) {
      for (const f of r.report.findings) {
        expect(f.title.length).toBeGreaterThan(0);
        if (f.severity !== 'ok') expect(f.remediation.summary.length).toBeGreaterThan(0);
      }
    }
  });
});
