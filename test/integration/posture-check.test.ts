// The receiver test with its policies, on the demo lab (real servers, the lab's policy host and a
// DNS server answering the lab's zone plus a block list): MTA-STS in mode enforce raising what stops
// MTA-STS senders, mode testing only warning, the summary line, --dnsbl on the address a server
// echoes (or --source-ip), and `mxray posture` asking the lists about the MX addresses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { ReceiverReport } from '../../src/core/schema.js';
import { startDnsServer, type RunningDnsServer } from '../../src/demo/dns-server.js';
import { labFetcher, startLabWithDns, type RunningLab } from '../../src/demo/run-demo.js';
import { createResolver } from '../../src/dns/system-resolver.js';
import { applyMtaSts, mtaStsFailure } from '../../src/checks/posture/mta-sts-hosts.js';
import { checkReceiver } from '../../src/library.js';
import { runPosture } from '../../src/jobs/posture/check-posture.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { receiverDocument } from '../../src/render/receiver.js';
import { renderText } from '../../src/render/text.js';
import { schemaErrors } from '../helpers/schema.js';

const LIST = 'bl.mxray.test';
let running: RunningLab;
let dns: RunningDnsServer;

beforeAll(async () => {
  running = await startLabWithDns({ now: systemClock.now(), only: ['good', 'mta-sts-self-signed', 'mta-sts-not-covered', 'self-signed', 'no-starttls'] });
  // The lab's zone, and a block list that lists 127.0.0.1 (the address the lab's servers see us come from).
  dns = await startDnsServer({
    records: [
      ...running.lab.zone.records,
      { name: `1.0.0.127.${LIST}`, type: 'A', data: '127.0.0.2' },
      { name: `1.0.0.127.${LIST}`, type: 'TXT', data: 'Listed for spam trap hits, see https://bl.mxray.test/lookup' },
    ],
  });
}, 120_000);

afterAll(async () => {
  await dns?.stop();
  await running?.stop();
});

function edges() {
  const resolver = createResolver({ server: `${dns.address}:${dns.port}`, timeoutMs: 2000, tries: 1 });
  const trustStore = createTrustStore([running.lab.trustedCaPem], 'the demo root');
  return { resolver, trustStore, fetcher: labFetcher(running, resolver, trustStore) };
}

async function check(name: string, extra: Partial<Parameters<typeof checkReceiver>[0]> = {}): Promise<ReceiverReport> {
  const report = await checkReceiver({
    target: `${name}.mxray.test`,
    helo: 'client.mxray.test',
    clock: systemClock,
    connector: createConnector(systemClock),
    hostMap: running.lab.hostMap,
    extras: false,
    ...edges(),
    ...extra,
  });
  expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
  return report;
}

const finding = (r: ReceiverReport, id: string) => r.findings.find((f) => f.id === id);

describe('the receiver test with MTA-STS', () => {
  it('mode enforce and a self-signed MX: cert.self-signed raised to an error that says why, and who cannot deliver', async () => {
    const r = await check('mta-sts-self-signed');
    const cert = r.body.hosts[0]!.findings.find((f) => f.id === 'cert.self-signed')!;
    expect(cert.severity).toBe('error');
    expect(cert.detail).toMatch(/mode enforce, every sender that uses MTA-STS refuses to deliver/);
    expect(cert.facts.mtaSts).toBe('enforce');
    const blocks = finding(r, 'mta-sts.enforce-blocks-delivery');
    expect(blocks?.hosts).toEqual([r.body.hosts[0]!.key]);
    expect(blocks?.title).toMatch(/the certificate is not trusted \(self-signed\)/);
    expect(r.verdict).toBe('fail');
  });

  it('without MTA-STS the same certificate is judged as before (no raise, no mention)', async () => {
    const r = await check('self-signed');
    const cert = r.body.hosts[0]!.findings.find((f) => f.id === 'cert.self-signed')!;
    expect(cert.detail).not.toMatch(/MTA-STS/);
    expect(cert.facts.mtaSts).toBeUndefined();
    expect(finding(r, 'mta-sts.enforce-blocks-delivery')).toBeUndefined();
    expect(finding(r, 'mta-sts.not-published')).toBeDefined();
  });

  it('mode testing: nothing raised, one warning names who would be blocked', async () => {
    const r = await check('mta-sts-self-signed');
    const section = { ...r.body.posture!, mtaSts: { ...r.body.posture!.mtaSts, effect: 'testing' as const } };
    // The hosts as judged before the policy was applied: the same report judged without posture.
    const plain = await check('mta-sts-self-signed', { posture: false });
    const applied = applyMtaSts('mta-sts-self-signed.mxray.test', section, plain.body.hosts);
    expect(applied.findings.map((f) => f.id)).toEqual(['mta-sts.testing-would-block']);
    expect(applied.hosts).toEqual(plain.body.hosts);
  });

  it('a server named by --host is shown the policy, not judged by it', async () => {
    const r = await check('mta-sts-self-signed', { host: 'mx.mta-sts-self-signed.mxray.test' });
    expect(r.body.posture?.mtaSts.effect).toBe('enforced');
    const cert = r.body.hosts[0]!.findings.find((f) => f.id === 'cert.self-signed')!;
    expect(cert.facts.mtaSts).toBeUndefined();
    expect(finding(r, 'mta-sts.enforce-blocks-delivery')).toBeUndefined();
  });

  it('a host that refuses us at the greeting is no MTA-STS failure; a refused STARTTLS is', async () => {
    const host = (await check('mta-sts-self-signed', { posture: false })).body.hosts[0]!;
    const patterns = ['mx.mta-sts-self-signed.mxray.test'];
    expect(mtaStsFailure(host, patterns)).toMatch(/not trusted \(self-signed\)/);
    expect(mtaStsFailure({ ...host, banner: { ...host.banner!, code: 554 } }, patterns)).toBeNull();
    expect(mtaStsFailure({ ...host, banner: null }, patterns)).toBeNull();
    const refused = { ...host, tls: null, starttls: { ...host.starttls, reply: { code: 454, enhanced: '4.7.0', lines: ['TLS not available due to local problem'] } } };
    expect(mtaStsFailure(refused, patterns)).toBe('STARTTLS refused (454)');
    expect(mtaStsFailure(host, ['other.mxray.test'])).toBe('not named by the policy');
  });

  it('a wildcard that misses the MX: not covered, and MTA-STS senders blocked though the certificate verifies', async () => {
    const r = await check('mta-sts-not-covered');
    expect(finding(r, 'mta-sts.mx-not-covered')?.detail).toMatch(/does not match mx\.mta-sts-not-covered\.mxray\.test itself/);
    expect(finding(r, 'mta-sts.enforce-blocks-delivery')?.title).toMatch(/not named by the policy/);
    expect(r.body.hosts[0]!.verdict).toBe('pass');
    expect(r.verdict).toBe('fail');
  });

  it('the first screen has the MTA-STS / TLS-RPT line, and a failing policy is in the verdict’s reason', async () => {
    const good = renderText(await check('good'), { width: 120 });
    expect(good).toMatch(/MTA-STS \/ TLS-RPT {2}enforce, id 20261129T1200, max_age 604800, covers 1\/1 MX \/ reports to mailto:tlsrpt@good\.mxray\.test/);
    const bad = receiverDocument(await check('mta-sts-not-covered'));
    expect(bad.reason).toMatch(/MTA-STS senders cannot deliver/);
  });

  it('--no-posture: no lookups of _mta-sts or _smtp._tls, no section, no finding', async () => {
    const r = await check('good', { posture: false });
    expect(r.body.posture).toBeUndefined();
    expect(r.transcript.some((e) => e.text.includes('_mta-sts') || e.text.includes('_smtp._tls'))).toBe(false);
    expect(r.findings.some((f) => f.id.startsWith('mta-sts.') || f.id.startsWith('tls-rpt.'))).toBe(false);
  });
});

describe('block lists', () => {
  it('--dnsbl: the address the server echoed in EHLO is asked; a listing is shown, the TLS verdict unchanged', async () => {
    const r = await check('good', { dnsbl: { zones: [LIST] } });
    expect(r.body.dnsbl?.addresses.map((a) => [a.address, a.source])).toEqual([['127.0.0.1', 'ehlo']]);
    expect(finding(r, 'dnsbl.listed')?.severity).toBe('error');
    expect(r.verdict).toBe('pass');
    const text = renderText(r, { width: 120 });
    expect(text).toMatch(/Block lists {2}127\.0\.0\.1 \(as the server saw us\): LISTED on bl\.mxray\.test/);
  });

  it('listed, and a host offers no STARTTLS: the report says the listing may be why (and not when TLS is offered)', async () => {
    const r = await check('no-starttls', { dnsbl: { zones: [LIST] } });
    const f = finding(r, 'dnsbl.listed-explains');
    expect(f?.title).toBe('We are listed (127.0.0.1 on bl.mxray.test), and mx.no-starttls.mxray.test offered no STARTTLS: the listing may be why');
    expect(f?.hosts).toEqual([r.body.hosts[0]!.key]);
    expect(finding(await check('good', { dnsbl: { zones: [LIST] } }), 'dnsbl.listed-explains')).toBeUndefined();
    // Not listed: nothing to explain.
    expect(finding(await check('no-starttls', { dnsbl: { zones: [LIST], sourceIp: '192.0.2.5' } }), 'dnsbl.listed-explains')).toBeUndefined();
  });

  it('--source-ip wins over the echoed address', async () => {
    const r = await check('good', { dnsbl: { zones: [LIST], sourceIp: '192.0.2.5' } });
    expect(r.body.dnsbl?.addresses.map((a) => [a.address, a.source])).toEqual([['192.0.2.5', 'source-ip']]);
    expect(finding(r, 'dnsbl.listed')).toBeUndefined();
    expect(finding(r, 'dnsbl.not-listed')).toBeDefined();
  });

  it('not asked unless --dnsbl', async () => {
    const r = await check('good');
    expect(r.body.dnsbl).toBeUndefined();
    expect(r.transcript.some((e) => e.text.includes(LIST))).toBe(false);
  });

  it('mxray posture asks the lists about every MX address, and a listing fails it', async () => {
    const { resolver, fetcher } = edges();
    const report = await runPosture({ target: 'good.mxray.test', resolver, fetcher, dnsbl: [LIST] }, () => ({ clock: systemClock, resolver }));
    expect(report.body.posture.dnsbl?.addresses.map((a) => [a.address, a.source, a.mx])).toEqual([['127.0.0.1', 'mx', 'mx.good.mxray.test']]);
    expect(report.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['dnsbl.listed', 'mta-sts.ok', 'tls-rpt.ok']));
    expect(report.verdict).toBe('fail');
    const none = await runPosture({ target: 'good.mxray.test', resolver, fetcher, dnsbl: false }, () => ({ clock: systemClock, resolver }));
    expect(none.body.posture.dnsbl).toBeNull();
    expect(none.verdict).toBe('pass');
  });
});
