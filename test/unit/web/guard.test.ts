// Public mode's guarded edges (src/web/guard.ts): non-public answers removed after resolution, the
// address and port checked again at connect time (a rebinding name, IP literals), the fetcher's
// policy, the receiver job run on them, and the early one-line refusals of targetProblem.
//
// Network rule of this file: traffic to loopback only. Every connector under test sits on a safety
// connector that connects to 127.0.0.0/8 and ::1 only; any other address it records and refuses,
// so a "public" address in these tests (1.1.1.1) shows that the guard let it through without a
// packet ever leaving. The loopback servers count the connections they accept: zero means the
// guard refused before a socket was opened.
import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixedClock, systemClock } from '../../../src/core/clock.js';
import type { Connector, DnssecResolver, Resolver } from '../../../src/core/context.js';
import type * as Errors from '../../../src/core/errors.js';
import { createScheduler } from '../../../src/core/scheduler.js';
import { createConnector } from '../../../src/net/connector.js';
import { createNodeFetcher } from '../../../src/http/node-fetcher.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import type * as Guard from '../../../src/web/guard.js';

// Loaded afresh inside each test (the port tables are built while the module loads: see TESTING.md,
// "Tables are tested where they load"); the errors with it, so that instanceof sees one class.
let guard: typeof Guard;
let DnsError: typeof Errors.DnsError;
let MxrayError: typeof Errors.MxrayError;
beforeEach(async () => {
  vi.resetModules();
  guard = await import('../../../src/web/guard.js');
  ({ DnsError, MxrayError } = await import('../../../src/core/errors.js'));
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A public address no test ever reaches: the safety connector records it and refuses. */
const PUBLIC_V4 = '1.1.1.1';
const PUBLIC_V6 = '2606:4700:4700::1111';

// ---------------------------------------------------------------- test edges

/** A TCP server on 127.0.0.1 that counts the connections it accepts (and closes them). */
async function countingServer(): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.end('220 loopback test server\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, accepted: () => accepted };
}

/** An HTTP server on 127.0.0.1 counting its TCP connections. */
async function countingHttpServer(): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const server = http.createServer((_req, res) => res.end('loopback'));
  server.on('connection', () => accepted++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, accepted: () => accepted };
}

/** Loopback written as the plain forms only (deliberately not the code under test's ranges). */
const isLoopback = (address: string) => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || address === '::1';

/**
 * The real connector, to loopback only: any other address is recorded ("address:port") and refused
 * with connection-refused / detail 'test-safety', and never connected to.
 */
function safetyConnector(): { connector: Connector; refused: string[]; loopback: string[] } {
  const real = createConnector(systemClock);
  const refused: string[] = [];
  const loopback: string[] = [];
  return {
    refused,
    loopback,
    connector: {
      async connect(options) {
        if (!isLoopback(options.address)) {
          refused.push(`${options.address}:${options.port}`);
          throw new MxrayError('connection-refused', `test safety: ${options.address} is not loopback`, 'test-safety');
        }
        loopback.push(`${options.address}:${options.port}`);
        return real.connect(options);
      },
    },
  };
}

const nxdomain = (name: string, qtype: string) => Promise.reject(new DnsError('NXDOMAIN', name, qtype));

/** A resolver from a table "A name" / "AAAA name" / "MX name" → answers; anything else NXDOMAIN. Records every query. */
function tableResolver(table: Record<string, string[] | (() => string[])>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const look = (qtype: string, name: string) => {
    asked.push(`${qtype} ${name}`);
    const found = table[`${qtype} ${name}`];
    if (found === undefined) return nxdomain(name, qtype);
    return Promise.resolve(typeof found === 'function' ? found() : [...found]);
  };
  return {
    description: 'in-test resolver',
    asked,
    mx: async (name) => (await look('MX', name)).map((exchange, i) => ({ exchange, priority: 10 * (i + 1) })),
    a: (name) => look('A', name),
    aaaa: (name) => look('AAAA', name),
    cname: (name) => look('CNAME', name),
    ptr: (address) => look('PTR', address),
    txt: async (name) => (await look('TXT', name)).map((t) => [t]),
  };
}

const trustStore = createTrustStore([], 'no roots (test)');
const dnssec: DnssecResolver = {
  description: '127.0.0.1:53',
  trust: 'loopback',
  query: () => Promise.reject(new Error('not asked in these tests')),
};

function edgesOn(resolver: Resolver, connector: Connector, options: Guard.PublicEdgeOptions = {}) {
  return guard.publicEdges({ clock: fixedClock(Date.UTC(2026, 10, 30)), resolver, dnssec, connector, trustStore, scheduler: createScheduler(), helo: 'mxray.test' }, options);
}

/** What a lookup rejected with: [class name, code, message]. */
async function rejection(p: Promise<unknown>): Promise<{ type: string; code: string; detail: string | null; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; code: string; detail?: string | null; message: string };
    return { type: e.name, code: e.code, detail: e.detail ?? null, message: e.message };
  }
  throw new Error('expected a rejection, got an answer');
}

// ---------------------------------------------------------------- after resolution

const NON_PUBLIC: [string, string][] = [
  ['127.0.0.1', 'loopback'],
  ['10.0.0.1', 'private'],
  ['::1', 'loopback'],
  ['::ffff:127.0.0.1', 'loopback (IPv4-mapped)'],
  ['::ffff:7f00:1', 'loopback (IPv4-mapped)'],
  ['::ffff:10.1.2.3', 'private (IPv4-mapped)'],
  ['::127.0.0.1', 'reserved'],
  ['64:ff9b::127.0.0.1', 'loopback (NAT64)'],
  ['64:ff9b::a9fe:a9fe', 'link-local (NAT64)'],
  ['100.64.1.1', 'shared (CGNAT)'],
  ['169.254.169.254', 'link-local'],
  ['224.0.0.1', 'multicast'],
  ['0.0.0.0', 'unspecified'],
  ['255.255.255.255', 'reserved'],
  ['192.0.2.1', 'documentation'],
  ['fe80::1', 'link-local'],
  ['fd00::1', 'unique-local'],
  ['ff02::1', 'multicast'],
];

describe('the resolver, after resolution', () => {
  it.each(NON_PUBLIC)('a name answering only %s keeps it, for the connector to refuse and the report to name (%s)', async (address, reason) => {
    const base = tableResolver({ 'A evil.test': [address], 'AAAA evil.test': [address] });
    const resolver = guard.guardResolver(base);
    expect(await resolver.a('evil.test')).toEqual([address]);
    expect(await resolver.aaaa('evil.test')).toEqual([address]);
    expect(guard.connectRefusal(address, 25)?.message).toBe(`the public-mode address policy refuses ${address} (${reason})`);
    expect(base.asked).toEqual(['A evil.test', 'AAAA evil.test']);
  });

  it('public addresses are kept, in order, and the others dropped from the same answer', async () => {
    const resolver = guard.guardResolver(tableResolver({ 'A mixed.test': ['10.0.0.1', PUBLIC_V4, '127.0.0.1', '8.8.8.8'], 'AAAA mixed.test': ['::1', PUBLIC_V6, '::ffff:10.0.0.1'] }));
    expect(await resolver.a('mixed.test')).toEqual([PUBLIC_V4, '8.8.8.8']);
    expect(await resolver.aaaa('mixed.test')).toEqual([PUBLIC_V6]);
  });

  it('an empty answer stays empty, and the base resolver\'s own failures pass unchanged', async () => {
    const resolver = guard.guardResolver(tableResolver({ 'A empty.test': [] }));
    expect(await resolver.a('empty.test')).toEqual([]);
    expect(await rejection(resolver.a('missing.test'))).toEqual({ type: 'DnsError', code: 'NXDOMAIN', detail: null, message: 'A missing.test: NXDOMAIN' });
  });

  it('MX, CNAME, TXT and PTR answers and the description are the base resolver\'s', async () => {
    const base = tableResolver({ 'MX d.test': ['mx.d.test'], 'CNAME w.d.test': ['d.test'], 'TXT d.test': ['v=spf1 -all'], 'PTR 1.1.1.1': ['one.one.one.one'] });
    const resolver = guard.guardResolver(base);
    expect(resolver.description).toBe('in-test resolver');
    expect(await resolver.mx('d.test')).toEqual([{ exchange: 'mx.d.test', priority: 10 }]);
    expect(await resolver.cname('w.d.test')).toEqual(['d.test']);
    expect(await resolver.txt('d.test')).toEqual([['v=spf1 -all']]);
    expect(await resolver.ptr('1.1.1.1')).toEqual(['one.one.one.one']);
  });
});

// ---------------------------------------------------------------- at connect time

describe('the connector, at connect time', () => {
  it('control: without the guard the safety connector does reach the loopback server (so the counts below can fail)', async () => {
    const server = await countingServer();
    const safety = safetyConnector();
    const connection = await safety.connector.connect({ address: '127.0.0.1', port: server.port, timeoutMs: 5000 });
    connection.close();
    await vi.waitFor(() => expect(server.accepted()).toBe(1));
  });

  it.each(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::7f00:1', '::127.0.0.1'])(
    'refuses %s even on an allowed port, before any socket: blocked-target, address-policy',
    async (address) => {
      const server = await countingServer();
      const safety = safetyConnector();
      // The loopback server's port is allowed here: only the address can refuse.
      const connector = guard.guardConnector(safety.connector, [server.port]);
      const err = await rejection(connector.connect({ address, port: server.port, timeoutMs: 5000 }));
      expect(err.type).toBe('MxrayError');
      expect(err.code).toBe('blocked-target');
      expect(err.detail).toBe('address-policy');
      expect(err.message).toMatch(/^the public-mode address policy refuses \S+ \((loopback|reserved)[^)]*\)+$/);
      expect(safety.loopback).toEqual([]);
      expect(safety.refused).toEqual([]);
      expect(server.accepted()).toBe(0);
    },
  );

  it.each([
    ['10.0.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.1.1', 'shared (CGNAT)'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'not an IP address'],
    ['localhost', 'not an IP address'],
  ])('refuses %s (%s) without handing it on', async (address, reason) => {
    const safety = safetyConnector();
    const err = await rejection(guard.guardConnector(safety.connector).connect({ address, port: 25, timeoutMs: 5000 }));
    expect(err).toEqual({ type: 'MxrayError', code: 'blocked-target', detail: 'address-policy', message: `the public-mode address policy refuses ${address} (${reason})` });
    expect(safety.refused).toEqual([]);
  });

  it('allows a public address on 25, 465, 587 and 2525 only: the other ports never reach the connector below', async () => {
    const safety = safetyConnector();
    const connector = guard.guardConnector(safety.connector);
    const outcome: Record<number, string> = {};
    for (const port of [24, 25, 26, 80, 443, 465, 587, 2525, 2526, 8025, 65535]) {
      const err = await rejection(connector.connect({ address: PUBLIC_V4, port, timeoutMs: 5000 }));
      outcome[port] = `${err.code}/${err.detail}`;
    }
    expect(outcome).toEqual({
      24: 'blocked-target/port-policy',
      25: 'connection-refused/test-safety',
      26: 'blocked-target/port-policy',
      80: 'blocked-target/port-policy',
      443: 'blocked-target/port-policy',
      465: 'connection-refused/test-safety',
      587: 'connection-refused/test-safety',
      2525: 'connection-refused/test-safety',
      2526: 'blocked-target/port-policy',
      8025: 'blocked-target/port-policy',
      65535: 'blocked-target/port-policy',
    });
    // Handed on (and refused by the test's safety net, never connected): exactly the mail ports.
    expect(safety.refused).toEqual([`${PUBLIC_V4}:25`, `${PUBLIC_V4}:465`, `${PUBLIC_V4}:587`, `${PUBLIC_V4}:2525`]);
    const err = await rejection(connector.connect({ address: PUBLIC_V6, port: 8025, timeoutMs: 5000 }));
    expect(err.message).toBe('the public-mode address policy allows ports 25, 465, 587 and 2525 only, not 8025');
  });

  it('the tables are the brief\'s', () => {
    expect(guard.PUBLIC_SMTP_PORTS).toEqual([25, 465, 587, 2525]);
    expect(guard.PUBLIC_HTTP_PORTS).toEqual([80, 443]);
  });
});

describe('DNS rebinding: a name answering a public address first and 127.0.0.1 next', () => {
  it('the second answer is refused after resolution, and again at connect time by whoever resolved it without the guard', async () => {
    const server = await countingServer();
    let answers = 0;
    const base = tableResolver({ 'A rebind.test': () => (++answers === 1 ? [PUBLIC_V4] : ['127.0.0.1']) });
    const safety = safetyConnector();
    // The loopback server's port is allowed: only the address check stands between the name and it.
    const edges = edgesOn(base, safety.connector, { smtpPorts: [25, server.port] });

    // First answer: public, kept; a connection to it passes the guard (the safety net records it).
    expect(await edges.resolver.a('rebind.test')).toEqual([PUBLIC_V4]);
    const first = await rejection(edges.connector.connect({ address: PUBLIC_V4, port: 25, timeoutMs: 5000 }));
    expect(first.detail).toBe('test-safety');

    // Second answer: nothing public left, handed on — and refused at connect time, before any socket.
    const [second] = await edges.resolver.a('rebind.test');
    expect(second).toBe('127.0.0.1');
    expect(await rejection(edges.connector.connect({ address: second!, port: server.port, timeoutMs: 5000 }))).toMatchObject({ code: 'blocked-target', detail: 'address-policy' });

    // A later lookup that bypasses the guard (getaddrinfo at connect time, a host map, a cache):
    // the address it hands the connector is refused there, and no socket is opened.
    const [late] = await base.a('rebind.test');
    expect(late).toBe('127.0.0.1');
    const third = await rejection(edges.connector.connect({ address: late!, port: server.port, timeoutMs: 5000 }));
    expect(third).toEqual({ type: 'MxrayError', code: 'blocked-target', detail: 'address-policy', message: 'the public-mode address policy refuses 127.0.0.1 (loopback)' });

    expect(safety.refused).toEqual([`${PUBLIC_V4}:25`]);
    expect(safety.loopback).toEqual([]);
    expect(server.accepted()).toBe(0);
  });

  it('through the fetcher: the rebound answer is refused by the policy just before connecting, with no connection', async () => {
    const server = await countingHttpServer();
    let answers = 0;
    const base = tableResolver({ 'A rebind.test': () => (++answers === 1 ? [PUBLIC_V4] : ['127.0.0.1']), 'AAAA rebind.test': [] });
    // The first answer is taken by someone else (the guarded resolver, say): public, allowed.
    expect(await edgesOn(base, safetyConnector().connector).resolver.a('rebind.test')).toEqual([PUBLIC_V4]);
    const edges = edgesOn(base, safetyConnector().connector, { httpPorts: [80, server.port] });
    const err = await rejection(edges.fetcher.fetch({ url: `http://rebind.test:${server.port}/`, timeoutMs: 5000 }));
    expect(err).toEqual({ type: 'MxrayError', code: 'blocked-target', detail: 'address-policy', message: 'the address policy refuses rebind.test (127.0.0.1: loopback)' });
    expect(server.accepted()).toBe(0);
  });
});

// ---------------------------------------------------------------- the fetcher

describe('the fetcher', () => {
  it('control: a fetcher allowing everything reaches the loopback server (so the counts below can fail)', async () => {
    const server = await countingHttpServer();
    const fetcher = createNodeFetcher({ resolver: tableResolver({ 'A loop.test': ['127.0.0.1'], 'AAAA loop.test': [] }), trustStore, addressPolicy: () => true });
    const result = await fetcher.fetch({ url: `http://loop.test:${server.port}/`, timeoutMs: 5000 });
    expect(result.status).toBe(200);
    expect(server.accepted()).toBe(1);
  });

  it.each([
    ['a name answering 127.0.0.1', (port: number) => `http://loop.test:${port}/`, 'loop.test (127.0.0.1: loopback)'],
    ['a name answering ::ffff:127.0.0.1', (port: number) => `http://mapped.test:${port}/`, 'mapped.test (::ffff:127.0.0.1: loopback (IPv4-mapped))'],
    ['the literal 127.0.0.1', (port: number) => `http://127.0.0.1:${port}/`, '127.0.0.1 (127.0.0.1: loopback)'],
    ['the literal [::ffff:127.0.0.1]', (port: number) => `http://[::ffff:127.0.0.1]:${port}/`, '::ffff:7f00:1 (::ffff:7f00:1: loopback (IPv4-mapped))'],
  ])('refuses %s before connecting, even on an allowed port: blocked-target (not a DNS error)', async (_what, url, refused) => {
    const server = await countingHttpServer();
    const base = tableResolver({ 'A loop.test': ['127.0.0.1'], 'AAAA loop.test': [], 'A mapped.test': [], 'AAAA mapped.test': ['::ffff:127.0.0.1'] });
    const edges = edgesOn(base, safetyConnector().connector, { httpPorts: [server.port] });
    const err = await rejection(edges.fetcher.fetch({ url: url(server.port), timeoutMs: 5000 }));
    expect(err).toEqual({ type: 'MxrayError', code: 'blocked-target', detail: 'address-policy', message: `the address policy refuses ${refused}` });
    expect(server.accepted()).toBe(0);
  });

  it('the default public edges refuse loopback on port 80 too', async () => {
    const edges = edgesOn(tableResolver({ 'A loop.test': ['127.0.0.1'], 'AAAA loop.test': [] }), safetyConnector().connector);
    const err = await rejection(edges.fetcher.fetch({ url: 'http://loop.test/crl', timeoutMs: 5000 }));
    expect(err).toEqual({ type: 'MxrayError', code: 'blocked-target', detail: 'address-policy', message: 'the address policy refuses loop.test (127.0.0.1: loopback)' });
  });

  it('the policy (asked for every address and every redirect hop): public addresses on 80 and 443 only', () => {
    const policy = guard.publicHttpPolicy();
    const verdicts = Object.fromEntries(
      [
        [PUBLIC_V4, 80],
        [PUBLIC_V4, 443],
        [PUBLIC_V6, 443],
        [PUBLIC_V4, 8080],
        [PUBLIC_V4, 25],
        [PUBLIC_V4, 444],
        ['127.0.0.1', 80],
        ['::ffff:10.0.0.1', 443],
        ['169.254.169.254', 80],
      ].map(([address, port]) => [`${address}:${port}`, policy(address as string, port as number)]),
    );
    expect(verdicts).toEqual({
      [`${PUBLIC_V4}:80`]: true,
      [`${PUBLIC_V4}:443`]: true,
      [`${PUBLIC_V6}:443`]: true,
      [`${PUBLIC_V4}:8080`]: 'port 8080 (public mode fetches from ports 80 and 443 only)',
      [`${PUBLIC_V4}:25`]: 'port 25 (public mode fetches from ports 80 and 443 only)',
      [`${PUBLIC_V4}:444`]: 'port 444 (public mode fetches from ports 80 and 443 only)',
      '127.0.0.1:80': 'loopback',
      '::ffff:10.0.0.1:443': 'private (IPv4-mapped)',
      '169.254.169.254:80': 'link-local',
    });
  });
});

// ---------------------------------------------------------------- the edges and a job on them

describe('publicEdges', () => {
  it('keeps the clock, DNSSEC resolver, trust store, scheduler and EHLO name; the host map is empty; resolver and connector are guarded', async () => {
    const base = { clock: fixedClock(0), resolver: tableResolver({ 'A x.test': ['10.0.0.1'] }), dnssec, connector: safetyConnector().connector, trustStore, scheduler: createScheduler(), helo: 'mxray.test' };
    const edges = guard.publicEdges(base);
    expect(edges.clock).toBe(base.clock);
    expect(edges.dnssec).toBe(dnssec);
    expect(edges.trustStore).toBe(trustStore);
    expect(edges.scheduler).toBe(base.scheduler);
    expect(edges.helo).toBe('mxray.test');
    expect([...edges.hostMap]).toEqual([]);
    expect(edges.resolver).not.toBe(base.resolver);
    expect(await edges.resolver.a('x.test')).toEqual(['10.0.0.1']);
    expect((await rejection(edges.connector.connect({ address: '10.0.0.1', port: 25, timeoutMs: 5000 }))).code).toBe('blocked-target');
  });
});

describe('the receiver test on public edges', () => {
  /** Runs `mxray check` on the public edges; the loopback server's port is allowed, so only the address guard can stop it. */
  async function check(resolver: Resolver, target: { target?: string; host?: string }) {
    const server = await countingServer();
    const safety = safetyConnector();
    const edges = edgesOn(resolver, safety.connector, { smtpPorts: [server.port] });
    // From the same module registry as the guard: the job's instanceof DnsError must see its errors.
    const { checkReceiver } = await import('../../../src/library.js');
    const report = await checkReceiver({
      target: target.target ?? null,
      host: target.host?.replace('PORT', String(server.port)) ?? null,
      posture: false,
      revocation: false,
      helo: edges.helo,
      clock: edges.clock,
      resolver: edges.resolver,
      connector: edges.connector,
      trustStore: edges.trustStore,
      fetcher: edges.fetcher,
      scheduler: edges.scheduler,
      hostMap: edges.hostMap,
    });
    return { report, server, safety };
  }

  it('a domain whose MX host resolves to loopback: inconclusive, each address refused by the policy (ours, not the domain\'s fault); nothing connected', async () => {
    const resolver = tableResolver({ 'MX evil.test': ['mx.evil.test'], 'A mx.evil.test': ['127.0.0.1'], 'AAAA mx.evil.test': ['::1'] });
    const { report, server, safety } = await check(resolver, { target: 'evil.test' });
    expect(report.verdict).toBe('inconclusive');
    expect(report.findings.map((f) => f.id)).not.toContain('dns.mx-unresolved');
    expect(report.findings.map((f) => [f.id, f.actor])).toContainEqual(['net.blocked-target', 'us']);
    expect(report.body.hosts.map((h) => [h.address, h.status, h.statusReason])).toEqual([
      ['127.0.0.1', 'blocked-target', 'address-policy'],
      ['::1', 'blocked-target', 'address-policy'],
    ]);
    expect(server.accepted()).toBe(0);
    expect(safety.loopback).toEqual([]);
  });

  it('a host name resolving to 127.0.0.1: inconclusive, refused by the policy at connect time (not a DNS error, not NXDOMAIN); nothing connected', async () => {
    const { report, server, safety } = await check(tableResolver({ 'A host.evil.test': ['127.0.0.1'] }), { host: 'host.evil.test:PORT' });
    expect(report.verdict).toBe('inconclusive');
    expect(report.findings.map((f) => f.id)).toEqual(['net.blocked-target']);
    expect(report.findings[0]!.detail).toContain('the public-mode address policy refuses 127.0.0.1 (loopback)');
    expect(server.accepted()).toBe(0);
    expect(safety.loopback).toEqual([]);
  });

  it('the IP literal 127.0.0.1 (which skips DNS): refused at connect time, the probe\'s status says so; nothing connected', async () => {
    const { report, server, safety } = await check(tableResolver({}), { host: '127.0.0.1:PORT' });
    expect(report.body.hosts.map((h) => [h.key, h.status, h.statusReason, h.statusDetail])).toEqual([
      [`127.0.0.1:${server.port}`, 'blocked-target', 'address-policy', 'the public-mode address policy refuses 127.0.0.1 (loopback)'],
    ]);
    // Not measured is not a pass: the refusal is ours, named as such, and the verdict inconclusive.
    expect(report.verdict).toBe('inconclusive');
    expect(report.findings.map((f) => [f.id, f.actor])).toContainEqual(['net.blocked-target', 'us']);
    expect(server.accepted()).toBe(0);
    expect(safety.loopback).toEqual([]);
  });
});

// ---------------------------------------------------------------- early refusals

describe('targetProblem', () => {
  it.each([
    ['127.0.0.1', null, 'public mode does not test 127.0.0.1: loopback'],
    ['10.0.0.1:25', null, 'public mode does not test 10.0.0.1: private'],
    ['[::1]', null, 'public mode does not test ::1: loopback'],
    ['[::1]:25', null, 'public mode does not test ::1: loopback'],
    ['::ffff:127.0.0.1', null, 'public mode does not test ::ffff:127.0.0.1: loopback (IPv4-mapped)'],
    ['[64:ff9b::a00:1]', null, 'public mode does not test 64:ff9b::a00:1: private (NAT64)'],
    ['user@[10.0.0.1]', null, 'public mode does not test 10.0.0.1: private'],
    ['169.254.169.254', null, 'public mode does not test 169.254.169.254: link-local'],
    ['localhost', null, 'public mode does not test localhost: it is this server itself'],
    ['LOCALHOST.', null, 'public mode does not test localhost: it is this server itself'],
    ['mx.localhost:25', null, 'public mode does not test mx.localhost: it is this server itself'],
    ['postmaster@localhost', null, 'public mode does not test localhost: it is this server itself'],
    ['example.com:8025', null, 'public mode tests ports 25, 465, 587 and 2525 only, not 8025'],
    ['1.1.1.1:80', null, 'public mode tests ports 25, 465, 587 and 2525 only, not 80'],
    ['example.com', 8025, 'public mode tests ports 25, 465, 587 and 2525 only, not 8025'],
    ['example.com', null, null],
    ['user@example.com', null, null],
    ['mx.example.com:2525', null, null],
    ['mx.example.com', 465, null],
    ['1.1.1.1', 587, null],
    ['[2606:4700:4700::1111]:25', null, null],
    ['notlocalhost.example', null, null],
    ['not a target', null, null],
  ] as const)('%s (port %s): %s', (text, port, expected) => {
    expect(guard.targetProblem(text, port)).toBe(expected);
  });
});
