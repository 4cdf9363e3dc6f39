// The whole receiver test against the built-in lab, through the real resolver and connector code
// (a DNS server on loopback, the lab's host map): every scenario's verdict and exact finding ids.
//
// The lab starts once (beforeAll); every check runs inside its own test, so that mutation testing
// attributes what a check executes to the test that asserts on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiverReport as Report } from '../../src/core/schema.js';
import { systemClock } from '../../src/core/clock.js';
import { listLabScenarios } from '../../src/demo/lab.js';
import { labFetcher, runDemo, startLabWithDns, type RunningLab } from '../../src/demo/run-demo.js';
import { createResolver } from '../../src/dns/system-resolver.js';
import { bundledRootCertificates, createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { checkReceiver } from '../../src/library.js';
import { createDnssecResolver } from '../../src/dns/dnssec-resolver.js';
import { LAB_EXPECTED } from '../helpers/lab-expectations.js';
import { receiverDocument } from '../../src/render/receiver.js';
import { schemaErrors } from '../helpers/schema.js';


let running: RunningLab;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  running = await startLabWithDns({ now: systemClock.now() });
}, 120_000);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await running?.stop();
});

/**
 * Checks one scenario's domain the way `mxray demo` does. Not cached: each test runs its own check,
 * so whatever a test asserts on was executed inside that test.
 */
async function check(name: string): Promise<Report> {
  const resolver = createResolver({ server: running.resolver, timeoutMs: 2000, tries: 1 });
  const trustStore = createTrustStore([...bundledRootCertificates(), running.lab.trustedCaPem], 'Mozilla roots (Node) + the demo root');
  return checkReceiver({
    target: `${name}.mxray.test`,
    helo: 'client.mxray.test',
    clock: systemClock,
    resolver,
    dnssec: createDnssecResolver({ server: running.resolver, timeoutMs: 2000, tries: 1 }),
    connector: createConnector(systemClock),
    trustStore,
    fetcher: labFetcher(running, resolver, trustStore),
    hostMap: running.lab.hostMap,
    limits: { greetingTimeoutMs: 10_000, commandTimeoutMs: 10_000, connectTimeoutMs: 5000, tlsTimeoutMs: 5000 },
  });
}

const ids = (report: Report) => report.findings.map((f) => f.id).sort();

describe('mxray demo lab, through the library API', () => {
  it('every scenario of the lab has its expectation written here', () => {
    expect(listLabScenarios().map((s) => s.name).sort()).toEqual(Object.keys(LAB_EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(LAB_EXPECTED)) {
    it(`${name}: verdict ${expected.verdict} with exactly ${expected.findings.join(', ')}`, async () => {
      const report = await check(name);
      expect({ verdict: report.verdict, findings: ids(report) }).toEqual(expected);
      expect(schemaErrors(report)).toEqual([]);
      // Every finding carries its explanation and fix from the catalogue.
      for (const f of report.findings) {
        expect(f.title).not.toBe('');
        if (f.severity !== 'ok') expect(f.remediation.summary).not.toBe('');
      }
    });
  }

  it('runDemo tests the scenarios asked for, each with its report, with no unhandled rejection', async () => {
    const results = await runDemo({ only: ['good', 'self-signed'] });
    expect(results.map((r) => [r.name, r.report.verdict]).sort()).toEqual([
      ['good', 'pass'],
      ['self-signed', 'fail'],
    ]);
    expect(unhandled).toEqual([]);
  });

  it('dane: the DANE lookups and the extra handshake in the facts, and "no MTA-STS" says DANE protects DANE senders; elsewhere it does not', async () => {
    const dane = await check('dane');
    const host = dane.kind === 'receiver' ? dane.body.dane?.hosts[0] : undefined;
    expect([host?.state, host?.base, host?.records.length]).toEqual(['match', 'mx.dane.mxray.test', 2]);
    // The lab's server has an ECDSA key only: the RSA-only handshake is refused, as it is by such servers.
    expect(dane.kind === 'receiver' ? dane.body.hosts[0]?.dane?.map((d) => [d.algorithm, d.status]) : null).toEqual([['rsa', 'tls-handshake-error']]);
    expect(dane.findings.find((f) => f.id === 'mta-sts.not-published')?.detail).toMatch(/DANE protects this domain's mail from senders that use DANE/);
    const plain = await check('expired');
    expect(plain.findings.find((f) => f.id === 'mta-sts.not-published')?.detail).not.toMatch(/DANE protects/);
    expect(plain.kind === 'receiver' ? plain.body.dane?.mx?.status : null).toBe('insecure');
  });

  it('good: summary fields say offered, negotiated, verified and name match, separately', async () => {
    const report = await check('good');
    expect(report.body.hosts).toHaveLength(1);
    const h = report.body.hosts[0]!;
    expect(h.key).toBe(`mx.good.mxray.test[127.0.0.1]:${running.lab.hostMap.get('mx.good.mxray.test')!.port}`);
    expect(h.starttls).toMatchObject({ offered: true, negotiated: true });
    expect(h.tls).toMatchObject({ ok: true, protocol: 'TLSv1.3', sni: 'mx.good.mxray.test' });
    expect(h.tls!.peerChain).toHaveLength(2);
    expect(h.assessment.certificate).toMatchObject({ trusted: true, nameMatches: true, trustFailure: 'none', checkedName: 'mx.good.mxray.test' });
    expect(h.assessment.certificate!.sent.map((c) => c.commonName)).toEqual(['mx.good.mxray.test', 'mxray demo intermediate CA']);
    expect(h.capabilitiesInTls!.map((c) => c.keyword)).not.toContain('STARTTLS');
    expect(h.capabilities.map((c) => c.keyword)).toContain('STARTTLS');
    expect(h.noSni).toMatchObject({ status: 'ok' });
    expect(h.assessment.noSni).toMatchObject({ sameCertificate: true });
    expect(h.cleartext).toMatchObject({ status: 'ok' });
    expect(h.assessment.cleartext).toMatchObject({ requiresTls: false });
    expect(h.cleartext!.steps.map((s) => s.command)).toEqual(['MAIL FROM:<>', 'RCPT TO:<postmaster@good.mxray.test>']);
    expect(h.assessment.cleartext!.outcomes.map((s) => [s.command, s.outcome])).toEqual([
      ['MAIL FROM:<>', 'accepted'],
      ['RCPT TO:<postmaster@good.mxray.test>', 'accepted'],
    ]);
    expect(h.connectMs).not.toBeNull();
  });

  it('keeps "no STARTTLS", "handshake failed" and "bad certificate" apart', async () => {
    const none = (await check('no-starttls')).body.hosts[0]!;
    expect(none.starttls).toMatchObject({ offered: false, negotiated: false });
    expect(none.tls).toBeNull();
    const broken = (await check('handshake-fails')).body.hosts[0]!;
    expect(broken.starttls).toMatchObject({ offered: true, negotiated: false });
    expect(broken.tls).toMatchObject({ ok: false, status: 'tls-handshake-error' });
    expect(broken.legacyRetry).toMatchObject({ ok: false });
    expect(broken.assessment.legacyCause).toBe('not-tls');
    const bad = (await check('self-signed')).body.hosts[0]!;
    expect(bad.starttls.negotiated).toBe(true);
    expect(bad.assessment.certificate).toMatchObject({ trusted: false, trustFailure: 'self-signed' });
    expect(bad.assessment.certificate!.trustReason).toMatch(/self-signed/);
  });

  it('requires-tls: the cleartext session is refused with the exact reply, TLS works', async () => {
    const h = (await check('requires-tls')).body.hosts[0]!;
    expect(h.assessment.cleartext?.requiresTls).toBe(true);
    expect(h.cleartext?.steps[0]).toMatchObject({ reply: { code: 530, enhanced: '5.7.0' } });
    expect(h.assessment.cleartext?.outcomes[0]?.outcome).toBe('requires-tls');
    expect(h.tls?.ok).toBe(true);
  });

  it('helo-only: EHLO 500 then HELO, no STARTTLS possible', async () => {
    const report = await check('helo-only');
    const h = report.body.hosts[0]!;
    expect(h.greeting).toBe('HELO');
    expect(h.ehloReply?.code).toBe(500);
    expect(ids(report)).not.toContain('starttls.not-offered');
  });

  it('rate-limited: inconclusive with the server\'s own words, not "no TLS"', async () => {
    const report = await check('rate-limited');
    const f = report.findings.find((x) => x.id === 'smtp.rate-limited');
    expect(f?.facts.reply).toMatch(/^421 /);
  });

  it('null MX: nothing is probed; NXDOMAIN: nothing is probed', async () => {
    const nullMx = await check('null-mx');
    expect(nullMx.body.hosts).toEqual([]);
    expect(nullMx.body.delivery).toMatchObject({ state: 'not-applicable', deliveredTo: [] });
    expect(nullMx.body.dns.status).toBe('null-mx');
    const nx = await check('nxdomain');
    expect(nx.body.hosts).toEqual([]);
    expect(nx.body.dns.status).toBe('nxdomain');
  });

  it('backup-mx: senders skip the refusing primary and deliver to the backup, which the verdict line names', async () => {
    const report = await check('backup-mx');
    const domain = report.body.target.domain!;
    expect(report.body.delivery).toMatchObject({ state: 'fallback', deliveredTo: [`mx.${domain}`] });
    expect(report.body.delivery.attempts.map((a) => [a.mx, a.outcome])).toEqual([
      [`mx-down.${domain}`, 'refused'],
      [`mx.${domain}`, 'accepts'],
    ]);
    // The dead primary's own finding stays an error in its host report; for the domain it is a warning.
    const down = report.body.hosts.find((h) => h.mx === `mx-down.${domain}`)!;
    expect(down.findings.map((f) => [f.id, f.severity])).toEqual([['net.connect-refused', 'error']]);
    expect(report.findings.find((f) => f.id === 'net.connect-refused')?.severity).toBe('warning');
    expect(receiverDocument(report).reason).toBe(`mx-down.${domain} refuses connections; mail is delivered to mx.${domain} with verified TLS 1.3`);
  });

  it('no-mx: a name with an address but no MX is tested as the implicit MX, and the fix suggests testing it as a server', async () => {
    const report = await check('no-mx');
    const domain = report.body.target.domain!;
    const f = report.findings.find((x) => x.id === 'dns.no-mx')!;
    expect(f.remediation.summary).toContain(`\`mxray check --host ${domain}\``);
    expect(report.body.delivery).toMatchObject({ state: 'delivered', deliveredTo: [domain] });
  });
});
