// `mxray blocklist` end to end over loopback: our DNS server serves block list zones on 127.0.0.1
// (port 0), the node:dns adapter asks it, the job judges. Every failure mode has its own test; no
// query ever leaves loopback (every resolver here points at the loopback server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.js';
import type { JobEdges, Resolver } from '../../src/core/context.js';
import { UsageError } from '../../src/core/errors.js';
import { createScheduler, DEFAULT_SCHEDULER_LIMITS } from '../../src/core/scheduler.js';
import type { BlocklistReport } from '../../src/core/schema.js';
import { startDnsServer, type RunningDnsServer } from '../../src/demo/dns-server.js';
import type { Zone } from '../../src/demo/zone.js';
import { createResolver } from '../../src/dns/system-resolver.js';
import { lookupDnsbl, runBlocklist } from '../../src/jobs/blocklist/index.js';
import { schemaErrors } from '../helpers/schema.js';

const BL = 'bl.mxray.test';
const V6_QUERY = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2';

const zone: Zone = {
  records: [
    // A user list: 127.0.0.2 (the RFC 5782 test entry) listed with a reason, 192.0.2.10 listed, IPv6 2001:db8::1 listed.
    { name: `2.0.0.127.${BL}`, type: 'A', data: '127.0.0.2' },
    { name: `2.0.0.127.${BL}`, type: 'TXT', data: ['Listed for spam trap hits: ', 'https://bl.mxray.test/lookup?ip=127.0.0.2'] },
    { name: `10.2.0.192.${BL}`, type: 'A', data: '127.0.0.3' },
    { name: `${V6_QUERY}.${BL}`, type: 'A', data: '127.0.0.2' },
    // "Spamhaus" through a resolver it refuses: 127.255.255.254 to everything asked here.
    { name: `2.0.0.127.zen.spamhaus.org`, type: 'A', data: '127.255.255.254' },
    { name: `2.0.0.127.zen.spamhaus.org`, type: 'TXT', data: 'Error: open resolver; see https://www.spamhaus.org/returnc/pub/' },
    // A dead list whose domain was parked: a public address for the names asked.
    { name: `2.0.0.127.dead.mxray.test`, type: 'A', data: '198.51.100.80' },
    // A domain with two MX hosts, one with two addresses.
    { name: 'example.test', type: 'MX', data: { preference: 10, exchange: 'mx1.example.test' } },
    { name: 'example.test', type: 'MX', data: { preference: 20, exchange: 'mx2.example.test' } },
    { name: 'mx1.example.test', type: 'A', data: '192.0.2.10' },
    { name: 'mx1.example.test', type: 'A', data: '192.0.2.11' },
    { name: 'mx2.example.test', type: 'AAAA', data: '2001:db8::1' },
  ],
  servfail: [`2.0.0.127.servfail.mxray.test`],
  timeout: [`2.0.0.127.slow.mxray.test`],
  refused: [`2.0.0.127.refused.mxray.test`],
};

let server: RunningDnsServer;
let resolver: Resolver;
beforeAll(async () => {
  server = await startDnsServer(zone);
  // Small time-outs: the time-out list answers nothing.
  resolver = createResolver({ server: `127.0.0.1:${server.port}`, timeoutMs: 300, tries: 1 });
});
afterAll(() => server.stop());

const noEdges = (): JobEdges => {
  throw new Error('the test injects every edge');
};
const clock = fixedClock(Date.parse('2026-11-29T12:00:00Z'));
const scheduler = createScheduler(DEFAULT_SCHEDULER_LIMITS);

async function run(target: string, zones: string[]): Promise<BlocklistReport> {
  const report = await runBlocklist({ target, zones, resolver, clock, scheduler }, noEdges);
  expect(schemaErrors(report)).toEqual([]);
  return report;
}
const lookups = (r: BlocklistReport) => r.body.dnsbl.addresses.flatMap((a) => a.lookups.map((l) => [a.address, l.zone, l.status]));
const ids = (r: BlocklistReport) => r.findings.map((f) => f.id);

describe('mxray blocklist over a loopback DNS server', () => {
  it('listed with a TXT reason: fail, the code, the reason, every query in the transcript', async () => {
    const r = await run('127.0.0.2', [BL]);
    expect(r.kind).toBe('blocklist');
    expect(r.verdict).toBe('fail');
    expect(r.body).toMatchObject({ input: '127.0.0.2', inputKind: 'ip', dnsbl: { resolver: `127.0.0.1:${server.port}`, zones: [BL] } });
    const l = r.body.dnsbl.addresses[0]?.lookups[0];
    expect(l).toEqual({ zone: BL, query: `2.0.0.127.${BL}`, status: 'listed', codes: ['127.0.0.2'], txt: ['Listed for spam trap hits: https://bl.mxray.test/lookup?ip=127.0.0.2'], error: null });
    expect(ids(r)).toEqual(['dnsbl.listed']);
    expect(r.findings[0]?.facts.reason).toBe('Listed for spam trap hits: https://bl.mxray.test/lookup?ip=127.0.0.2');
    expect(r.transcript.map((e) => e.text)).toEqual([`A 2.0.0.127.${BL} → 127.0.0.2`, `TXT 2.0.0.127.${BL} → "Listed for spam trap hits: " "https://bl.mxray.test/lookup?ip=127.0.0.2"`]);
    expect(r.findings[0]?.evidence).toEqual([0, 1]);
    expect(r.startedAt).toBe('2026-11-29T12:00:00.000Z');
  });

  it('not listed (NXDOMAIN): pass, one ok finding', async () => {
    const r = await run('192.0.2.99', [BL]);
    expect(r.verdict).toBe('pass');
    expect(lookups(r)).toEqual([['192.0.2.99', BL, 'not-listed']]);
    expect(ids(r)).toEqual(['dnsbl.not-listed']);
  });

  it('Spamhaus answering 127.255.255.254: refused, never listed, inconclusive; no TXT asked', async () => {
    const r = await run('127.0.0.2', ['zen.spamhaus.org']);
    expect(lookups(r)).toEqual([['127.0.0.2', 'zen.spamhaus.org', 'refused']]);
    expect(r.body.dnsbl.addresses[0]?.lookups[0]?.codes).toEqual(['127.255.255.254']);
    expect(ids(r)).toEqual(['dnsbl.query-refused']);
    expect(r.verdict).toBe('inconclusive');
    expect(r.transcript.some((e) => e.text.startsWith('TXT'))).toBe(false);
  });

  it('the REFUSED rcode: refused', async () => {
    const r = await run('127.0.0.2', ['refused.mxray.test']);
    expect(r.body.dnsbl.addresses[0]?.lookups[0]).toMatchObject({ status: 'refused', error: 'REFUSED' });
    expect(ids(r)).toEqual(['dnsbl.query-refused']);
    expect(r.verdict).toBe('inconclusive');
  });

  it('SERVFAIL: lookup failed, inconclusive', async () => {
    const r = await run('127.0.0.2', ['servfail.mxray.test']);
    expect(r.body.dnsbl.addresses[0]?.lookups[0]).toMatchObject({ status: 'error', error: 'SERVFAIL' });
    expect(ids(r)).toEqual(['dnsbl.lookup-failed']);
    expect(r.verdict).toBe('inconclusive');
  });

  it('a list that never answers: time-out, lookup failed, inconclusive', async () => {
    const r = await run('127.0.0.2', ['slow.mxray.test']);
    expect(r.body.dnsbl.addresses[0]?.lookups[0]).toMatchObject({ status: 'error', error: 'TIMEOUT' });
    expect(ids(r)).toEqual(['dnsbl.lookup-failed']);
  });

  it('a dead, wildcarded list answering a public address: dead-list, never listed', async () => {
    const r = await run('127.0.0.2', ['dead.mxray.test']);
    expect(r.body.dnsbl.addresses[0]?.lookups[0]).toMatchObject({ status: 'error', codes: ['198.51.100.80'] });
    expect(ids(r)).toEqual(['dnsbl.dead-list']);
    expect(r.verdict).toBe('inconclusive');
  });

  it('IPv6: the nibble query; a list of the defaults that lists IPv4 only is not asked, and said', async () => {
    const r = await run('[IPv6:2001:DB8::1]', [BL, 'bl.spamcop.net']);
    expect(r.body.dnsbl.addresses[0]).toMatchObject({ address: '2001:db8::1', notAsked: ['bl.spamcop.net'] });
    expect(r.body.dnsbl.addresses[0]?.lookups.map((l) => [l.query, l.status])).toEqual([[`${V6_QUERY}.${BL}`, 'listed']]);
    expect(r.verdict).toBe('fail');
  });

  it('a domain: its MX hosts’ addresses through the same resolver, each asked about, said in the transcript', async () => {
    const r = await run('Example.TEST.', [BL]);
    expect(r.body.inputKind).toBe('domain');
    expect(r.body.dns?.status).toBe('ok');
    expect(r.body.dns?.mx.map((m) => m.exchange)).toEqual(['mx1.example.test', 'mx2.example.test']);
    expect(r.body.dnsbl.addresses.map((a) => [a.address, a.source, a.mx, a.lookups[0]?.status])).toEqual([
      ['192.0.2.10', 'mx', 'mx1.example.test', 'listed'],
      ['192.0.2.11', 'mx', 'mx1.example.test', 'not-listed'],
      ['2001:db8::1', 'mx', 'mx2.example.test', 'listed'],
    ]);
    expect(r.transcript[0]?.text).toMatch(/example\.test is a domain: looking up its MX hosts/);
    expect(r.transcript.some((e) => e.text.startsWith('MX example.test'))).toBe(true);
    expect(ids(r)).toEqual(['dnsbl.listed', 'dnsbl.listed', 'dnsbl.not-listed']);
    expect((r.body.dnsEvidence ?? []).length).toBeGreaterThan(0);
  });

  it('a domain that does not exist: the DNS finding, nothing asked of the lists', async () => {
    const r = await run('nowhere.test', [BL]);
    expect(r.body.dns?.status).toBe('nxdomain');
    expect(r.body.dnsbl.addresses).toEqual([]);
    expect(ids(r)).toContain('dns.nxdomain');
    expect(r.verdict).toBe('fail');
  });

  it('several lists at once, a user zone among the defaults; each answered on its own', async () => {
    const r = await run('127.0.0.2', [BL, 'zen.spamhaus.org', 'servfail.mxray.test']);
    expect(lookups(r)).toEqual([
      ['127.0.0.2', BL, 'listed'],
      ['127.0.0.2', 'zen.spamhaus.org', 'refused'],
      ['127.0.0.2', 'servfail.mxray.test', 'error'],
    ]);
    // Listed somewhere: fail, whatever could not be told elsewhere.
    expect(r.verdict).toBe('fail');
    expect(ids(r)).toEqual(['dnsbl.listed', 'dnsbl.lookup-failed', 'dnsbl.query-refused']);
  });

  it('neither an address nor a domain, or a bad zone: a usage error before any query', async () => {
    for (const bad of ['', 'not a name', 'user@example.test', 'mx.example.test:25', '300.1.1.1']) {
      await expect(runBlocklist({ target: bad, zones: [BL], resolver, clock, scheduler }, noEdges), bad).rejects.toThrow(UsageError);
    }
    await expect(runBlocklist({ target: '127.0.0.2', zones: ['bad_zone'], resolver, clock, scheduler }, noEdges)).rejects.toThrow(UsageError);
  });

  it('lookupDnsbl as the lead reuses it: an address from an EHLO reply, the loopback resolver, the caller’s transcript', async () => {
    const s = await lookupDnsbl(resolver, [{ address: '127.0.0.2', source: 'ehlo' }], [BL]);
    expect(s.addresses[0]).toMatchObject({ address: '127.0.0.2', source: 'ehlo', mx: null });
    expect(s.addresses[0]?.lookups[0]?.status).toBe('listed');
  });
});
