// What a deadline does to `mxray enforce`: the whole-test deadline and the per-address deadline,
// on the injected clock (no real waiting), against loopback servers that greet and then stay
// silent. A session cut by a deadline is no measurement: the address reads as untested, never as
// "does not enforce", and an address the deadline kept from being probed at all stays listed.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.js';
import type { JobEdges, Limits, Resolver } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';
import { createScheduler } from '../../src/core/scheduler.js';
import type { EnforceReport } from '../../src/core/schema.js';
import { checkEnforce } from '../../src/library.js';
import { MxrayError } from '../../src/core/errors.js';
import type { Connector } from '../../src/core/context.js';
import { createRootCa } from '../../src/demo/test-pki.js';
import { createConnector } from '../../src/net/connector.js';
import { startEnforceServer } from '../helpers/enforce-server.js';
import { schemaErrors } from '../helpers/schema.js';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const HELO = 'client.mxray.test';

interface Silent { port: number; lines: string[]; stop(): Promise<void> }
const running: Silent[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** Greets, answers EHLO, then reads every line and never answers again. */
async function silentAfterEhlo(): Promise<Silent> {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.write('220 silent.enforce.test ESMTP\r\n');
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        lines.push(line);
        if (/^EHLO /i.test(line)) s.write('250-silent.enforce.test\r\n250 STARTTLS\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const stop = () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
  const me = { port, lines, stop };
  running.push(me);
  return me;
}

const resolver = (mx: string[]): Resolver => ({
  description: 'in-test resolver',
  mx: (name) => (name === 'enforce.test' ? Promise.resolve(mx.map((exchange, i) => ({ exchange, priority: 10 + i }))) : Promise.reject(new DnsError('NXDOMAIN', name, 'MX'))),
  a: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'A')),
  aaaa: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'AAAA')),
  cname: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'CNAME')),
  txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
});

function edges(): JobEdges {
  throw new Error('every edge is given in the options');
}

const LONG = 60_000;

/** Runs enforce with the deadlines given on a fixed clock and moves the clock `ms` once the first server got MAIL FROM. */
async function cut(servers: Silent[], limits: Partial<Limits>, ms: number): Promise<{ report: EnforceReport; connects: number }> {
  const clock = fixedClock(NOW);
  const mx = servers.map((_, i) => `mx${i + 1}.enforce.test`);
  const hostMap = new Map(mx.map((name, i) => [name, { address: '127.0.0.1', port: servers[i]!.port }]));
  const pending = checkEnforce(
    {
      target: 'enforce.test',
      helo: HELO,
      limits: { connectTimeoutMs: LONG, greetingTimeoutMs: LONG, commandTimeoutMs: LONG, tlsTimeoutMs: LONG, connectionsPerDomain: 1, ...limits },
      clock,
      resolver: resolver(mx),
      hostMap,
      connector: createConnector(clock),
      scheduler: createScheduler(),
    },
    edges,
  );
  // The first server got MAIL FROM and says nothing more: now the deadline comes.
  while (!servers[0]!.lines.some((l) => l.startsWith('MAIL FROM'))) await new Promise((r) => setTimeout(r, 5));
  clock.advance(ms);
  const report = await pending;
  return { report, connects: report.transcript.filter((e) => e.kind === 'connect' && e.text.startsWith('connecting')).length };
}

const ids = (report: EnforceReport) => report.findings.map((f) => f.id).sort();

describe('enforce: deadlines on the injected clock', () => {
  it('the whole-test deadline during MAIL FROM: untested (not "does not enforce"), no control session started', async () => {
    const server = await silentAfterEhlo();
    const { report, connects } = await cut([server], { deadlineMs: 5_000 }, 5_000);
    expect([report.verdict, ids(report)]).toEqual(['inconclusive', ['policy.enforcement-untested']]);
    const a = report.body.addresses[0]!;
    expect(a.cleartext.status).toBe('deadline-reached');
    expect(a.cleartext.statusDetail).toBe('stopped by mxray at its deadline of 5000 ms for the whole test, during the cleartext session (MAIL FROM)');
    expect(a.assessment).toEqual({ verdict: 'inconclusive', stage: 'mail', reply: null, controlReply: null, reason: `untested: ${a.cleartext.statusDetail}` });
    expect(a.control).toBeNull();
    expect(connects).toBe(1);
    expect(server.lines).toEqual([`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`]);
    expect(schemaErrors(report)).toEqual([]);
  });

  it("an address's own deadline: its own words in the status", async () => {
    const server = await silentAfterEhlo();
    const { report } = await cut([server], { deadlineMs: null, addressDeadlineMs: 3_000 }, 3_000);
    const a = report.body.addresses[0]!;
    expect(a.cleartext.statusDetail).toBe('stopped by mxray at its deadline of 3000 ms for each address, during the cleartext session (MAIL FROM)');
    expect(a.assessment.verdict).toBe('inconclusive');
    expect(report.transcript.filter((e) => e.kind === 'note' && e.text.startsWith('deadline reached')).map((e) => e.text)).toEqual([
      "deadline reached (3000 ms for each address): stopping this address's probe",
    ]);
  });

  it('an address the whole-test deadline kept from its turn stays listed, untested, never connected to', async () => {
    const first = await silentAfterEhlo();
    const second = await silentAfterEhlo();
    const { report, connects } = await cut([first, second], { deadlineMs: 5_000 }, 5_000);
    expect(report.body.addresses.map((a) => [a.mx, a.cleartext.status, a.assessment.verdict])).toEqual([
      ['mx1.enforce.test', 'deadline-reached', 'inconclusive'],
      ['mx2.enforce.test', 'deadline-reached', 'inconclusive'],
    ]);
    expect(report.body.addresses[1]!.assessment.reason).toBe("untested: not started: mxray's deadline of 5000 ms for the whole test came first");
    expect([report.body.addresses[1]!.starttlsOffered, report.body.addresses[1]!.control, report.body.addresses[1]!.auth]).toEqual([false, null, null]);
    expect(report.findings.find((f) => f.id === 'policy.enforcement-untested')?.hosts).toEqual(report.body.addresses.map((a) => a.key));
    expect(connects).toBe(1);
    expect(second.lines).toEqual([]);
    expect(schemaErrors(report)).toEqual([]);
  });

  it('a deadline while the TCP connection is still being made: "during the cleartext session (the connection)"', async () => {
    const clock = fixedClock(NOW);
    let asked = 0;
    // A connection that never completes until the job's signal aborts, as the real connector then fails.
    const hanging: Connector = {
      connect: (o) => {
        asked++;
        return new Promise((_, reject) => o.signal?.addEventListener('abort', () => reject(new MxrayError('connection-timeout', 'aborted', 'aborted')), { once: true }));
      },
    };
    const pending = checkEnforce(
      { target: '127.0.0.1:25', rcpt: 'postmaster@enforce.test', helo: HELO, limits: { connectTimeoutMs: LONG, deadlineMs: 5_000 }, clock, resolver: resolver([]), connector: hanging, scheduler: createScheduler() },
      edges,
    );
    while (asked === 0) await new Promise((r) => setTimeout(r, 5));
    clock.advance(5_000);
    const report = await pending;
    const a = report.body.addresses[0]!;
    expect([a.cleartext.status, a.cleartext.statusDetail, a.cleartext.steps]).toEqual(['deadline-reached', 'stopped by mxray at its deadline of 5000 ms for the whole test, during the cleartext session (the connection)', []]);
    expect(a.assessment.reason).toBe(`untested: ${a.cleartext.statusDetail}`);
    expect(asked).toBe(1);
  });

  it('a deadline inside the control session: its own words; the cleartext refusal that asks for TLS still tells', async () => {
    const ca = await createRootCa('mxray enforce deadline root', NOW);
    const leaf = await ca.issue({ commonName: 'mx.enforce.test', dnsNames: ['mx.enforce.test'] });
    const server = await startEnforceServer({ clear: { stage: 'mail', reply: '530 5.7.0 Must issue a STARTTLS command first' }, stallInTls: 'mail' }, { key: leaf.keyPem, cert: leaf.certPem });
    try {
      const clock = fixedClock(NOW);
      const pending = checkEnforce(
        { target: `127.0.0.1:${server.port}`, rcpt: 'postmaster@enforce.test', helo: HELO, limits: { connectTimeoutMs: LONG, greetingTimeoutMs: LONG, commandTimeoutMs: LONG, tlsTimeoutMs: LONG, deadlineMs: 5_000 }, clock, resolver: resolver([]), connector: createConnector(clock), scheduler: createScheduler() },
        edges,
      );
      while (!server.received.some((r) => r.secure && r.line.startsWith('MAIL FROM'))) await new Promise((r) => setTimeout(r, 5));
      clock.advance(5_000);
      const report = await pending;
      const a = report.body.addresses[0]!;
      expect(a.cleartext.status).toBe('ok');
      expect([a.control?.status, a.control?.statusDetail]).toEqual(['deadline-reached', 'stopped by mxray at its deadline of 5000 ms for the whole test, during the control session with STARTTLS (MAIL FROM)']);
      expect(a.assessment).toMatchObject({ verdict: 'enforces', stage: 'mail', controlReply: null, reason: 'refused at MAIL FROM: the reply asks for TLS' });
    } finally {
      await server.stop();
    }
  });
});
