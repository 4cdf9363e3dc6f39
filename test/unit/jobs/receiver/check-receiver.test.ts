// checkReceiver with every edge injected and no socket at all: a connector that never reaches the
// network (each address gets the outcome the test gives it) and an in-test resolver. What is left
// to test without a server: input checks, the Report envelope, which addresses are probed, how
// many at once, the reverse lookup, merged findings and the verdict.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import { escapeText } from '../../../../src/core/transcript.js';
import type { ConnectOptions, Connector, Resolver } from '../../../../src/core/context.js';
import { DnsError, MxrayError, UsageError } from '../../../../src/core/errors.js';
import { SCHEMA_VERSION, VERSION } from '../../../../src/core/version.js';
import { DEFAULT_PROFILE } from '../../../../src/checks/profile.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { checkReceiver, type ReceiverOptions } from '../../../../src/library.js';
import { createScheduler } from '../../../../src/core/scheduler.js';
import diagnosticsChannel from 'node:diagnostics_channel';
import { createEventSink, EVENT_CHANNEL, type JobEvent } from '../../../../src/core/events.js';
import { schemaErrors } from '../../../helpers/schema.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

interface ResolverPlan {
  mx?: Record<string, string[]>;
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
  ptr?: (address: string) => Promise<string[]>;
}

/** Answers from the plan; everything else is NXDOMAIN. Records every question. */
function planResolver(plan: ResolverPlan, asked: string[] = []): Resolver {
  const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
  const answer = (table: Record<string, string[]> | undefined, name: string, type: string) => {
    asked.push(`${type} ${name}`);
    const found = table?.[name];
    return found ? Promise.resolve(found) : nx(name, type);
  };
  return {
    description: 'in-test resolver',
    mx: (name) => {
      asked.push(`MX ${name}`);
      const hosts = plan.mx?.[name];
      return hosts ? Promise.resolve(hosts.map((exchange, i) => ({ exchange, priority: 10 * (i + 1) }))) : nx(name, 'MX');
    },
    a: (name) => answer(plan.a, name, 'A'),
    aaaa: (name) => answer(plan.aaaa, name, 'AAAA'),
    cname: (name) => nx(name, 'CNAME'),
    txt: () => Promise.resolve([]), ptr: plan.ptr ?? (() => Promise.resolve([])),
  };
}

const timeoutError = (local: string | null = null) => new MxrayError('connection-timeout', 'no TCP connection in time', 'timeout', local);

/**
 * A connector that never reaches the network: every attempt waits `holdMs` (real time, so that
 * attempts can overlap), then fails with `outcome(address)`. It records each attempt and the
 * most attempts it saw at once.
 */
function failingConnector(outcome: (o: ConnectOptions) => Error = () => timeoutError(), holdMs = 0) {
  const attempts: ConnectOptions[] = [];
  let active = 0;
  const state = { attempts, peak: 0 };
  const connector: Connector = {
    async connect(o) {
      attempts.push(o);
      active++;
      state.peak = Math.max(state.peak, active);
      try {
        if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
        throw outcome(o);
      } finally {
        active--;
      }
    },
  };
  return { connector, state };
}

function options(extra: Partial<ReceiverOptions>): ReceiverOptions {
  return {
    target: 'far.test',
    posture: false,
    helo: 'client.mxray.test',
    clock: fixedClock(NOW),
    resolver: planResolver({ mx: { 'far.test': ['mx1.far.test'] }, a: { 'mx1.far.test': ['192.0.2.1'] } }),
    connector: failingConnector().connector,
    trustStore: createTrustStore([], 'empty'),
    ...extra,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('what we put on the wire ourselves is checked first', () => {
  // Each refused before any DNS question or connection: the resolver and connector record nothing.
  const refused: [keyof ReceiverOptions, string, RegExp][] = [
    ['helo', 'localhost', /fully qualified/],
    ['helo', 'client.example.com\r\nRSET', /fully qualified/],
    ['helo', 'client example.com', /fully qualified/],
    ['helo', '[192.0.2.1', /fully qualified/],
    ['helo', `${'a'.repeat(251)}.com`, /fully qualified/],
    ['helo', 'client.example.com.', /fully qualified/],
    ['helo', '!client.example.com', /fully qualified/],
    ['helo', 'client.example.com!', /fully qualified/],
    ['helo', 'client.exa\0mple.com', /fully qualified/],
    ['from', 'pro be@example.com', /plain address/],
    ['from', 'probe@example.com\r', /plain address/],
    ['rcpt', 'post\tmaster@example.com', /plain address/],
    ['from', 'no-at-sign', /plain address/],
    ['from', '<probe@example.com>', /plain address/],
    ['from', 'pro<be@example.com', /plain address/],
    ['from', 'pro\0be@example.com', /plain address/],
    ['from', 'probe@example.com\nRCPT TO:<x@y>', /plain address/],
    ['from', 'a@b@example.com', /plain address/],
    ['rcpt', 'a@b@example.com', /plain address/],
    ['rcpt', 'postmaster@example.com@', /plain address/],
    ['rcpt', '', /plain address/],
    ['rcpt', 'postmaster', /plain address/],
    ['rcpt', 'post>master@example.com', /plain address/],
    ['rcpt', 'postmaster@example.com ', /plain address/],
    ['rcpt', `postmaster@${'a'.repeat(240)}.example.com`, /plain address/],
    // Every control character, not only the ones \s covers: the client would refuse them mid-probe.
    ['rcpt', 'a\x01b@example.com', /plain address/],
    ['from', 'a\x7fb@example.com', /plain address/],
    ['rcpt', 'a\x9bb@example.com', /plain address/],
    ['helo', 'client\x1b.example.com', /fully qualified/],
    // RFC 5321's IPv6 address literal carries its tag; without it, strict servers refuse the EHLO.
    ['helo', '[2001:db8::1]', /\[IPv6:address\]/],
    // Both ends of the C1 range, and white space beyond ASCII (\s).
    ['rcpt', 'a\x80b@example.com', /plain address/],
    ['rcpt', 'a\x9fb@example.com', /plain address/],
    ['from', 'a\u00a0b@example.com', /plain address/],
    ['rcpt', 'a\u2028b@example.com', /plain address/],
  ];
  for (const [option, value, advice] of refused) {
    it(`--${option} ${JSON.stringify(value.slice(0, 40))}: a usage error naming the option, with advice`, async () => {
      const asked: string[] = [];
      const { connector, state } = failingConnector();
      const error = await checkReceiver(options({ [option]: value, resolver: planResolver({}, asked), connector })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      const message = (error as UsageError).message;
      expect(message).toMatch(advice);
      expect(message.startsWith(`--${option} "${escapeText(value.slice(0, 80))}"`)).toBe(true);
      // What was given is echoed back, at most 80 characters of it, escaped: no control or bidi character reaches the terminal.
      expect(message).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028\u202e]/);
      expect(asked).toEqual([]);
      expect(state.attempts).toEqual([]);
    });
  }

  const accepted: Partial<ReceiverOptions>[] = [
    { helo: 'client.example.com' },
    { helo: 'MX-1.Example.COM' },
    { helo: '[192.0.2.1]' },
    { helo: '[IPv6:2001:db8::1]' },
    { helo: `${'a'.repeat(250)}.com` },
    { from: 'probe@example.com' },
    { from: '' },
    { from: null, rcpt: null },
    { rcpt: 'postmaster@example.com' },
    { rcpt: `${'p'.repeat(242)}@example.com` },
  ];
  for (const extra of accepted) {
    it(`accepts ${JSON.stringify(extra).slice(0, 60)}`, async () => {
      const report = await checkReceiver(options(extra));
      expect(report.body.hosts.map((h) => h.status)).toEqual(['connection-timeout']);
    });
  }
});

describe('the numbers and the thumbprint are checked first too', () => {
  // Each message names the option as the caller wrote it (and the CLI flag), and echoes the value.
  const refused: [Partial<ReceiverOptions>, string][] = [
    [{ maxMx: 0 }, 'maxMx (--max-mx) must be a whole number of at least 1, not 0'],
    [{ limits: { dnsQueriesAtOnce: 2.5 } }, 'limits.dnsQueriesAtOnce must be a whole number of at least 1, not 2.5'],
    [{ limits: { addressesPerHost: 0 } }, 'limits.addressesPerHost must be a whole number of at least 1, not 0'],
    [{ limits: { connectionsPerDomain: -1 } }, 'limits.connectionsPerDomain must be a whole number of at least 1, not -1'],
    [{ limits: { deadlineMs: 0 } }, 'limits.deadlineMs (--deadline) must be a positive number of milliseconds, not 0'],
    [{ limits: { addressDeadlineMs: Number.NaN } }, 'limits.addressDeadlineMs must be a positive number of milliseconds, not NaN'],
  ];
  for (const [extra, message] of refused) {
    it(`${JSON.stringify(extra)}: ${message}`, async () => {
      const asked: string[] = [];
      const { connector, state } = failingConnector();
      const error = await checkReceiver(options({ ...extra, resolver: planResolver({}, asked), connector })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toBe(message);
      expect(asked).toEqual([]);
      expect(state.attempts).toEqual([]);
    });
  }

  it('1 is the least of each count, and is accepted', async () => {
    const report = await checkReceiver(options({ maxMx: 1, limits: { dnsQueriesAtOnce: 1, addressesPerHost: 1, connectionsPerDomain: 1 } }));
    expect(report.body.hosts.map((h) => h.status)).toEqual(['connection-timeout']);
    expect(report.body.bounds).toMatchObject({ maxMx: 1, addressesPerHost: 1 });
  });

  it('a count given as null from JavaScript keeps its default (it stalled the job, or probed no address at all)', async () => {
    const nulls = { dnsQueriesAtOnce: null, addressesPerHost: null, connectionsPerDomain: null, addressDeadlineMs: null } as unknown as ReceiverOptions['limits'];
    const report = await checkReceiver(options({ limits: nulls }));
    expect(report.body.hosts.map((h) => h.status)).toEqual(['connection-timeout']);
    expect(report.body.bounds).toMatchObject({ addressesPerHost: 10, addressDeadlineMs: 120_000, notProbedCount: 0 });
  });

  it('null is "not given": no deadline for the whole test, no thumbprint expected, and (from JavaScript) the default maxMx', async () => {
    const report = await checkReceiver(options({ limits: { deadlineMs: null }, expectThumbprint: null, maxMx: null as unknown as number }));
    expect(report.body.hosts.map((h) => h.status)).toEqual(['connection-timeout']);
    expect(report.body.bounds).toMatchObject({ maxMx: 10, deadlineMs: null });
    expect(report.judgedWith.options.expectThumbprint).toBeNull();
  });

  it('a long wrong thumbprint is echoed back, at most 80 characters of it', async () => {
    const value = `${'AB:'.repeat(40)}ZZ`;
    const error = await checkReceiver(options({ expectThumbprint: value })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message.startsWith(`--expect-thumbprint ${JSON.stringify(value.slice(0, 80))} is not a thumbprint:`)).toBe(true);
  });
});

describe('the Report envelope', () => {
  it('kind, versions, profile, target, times from the injected clock, the transcript as it was recorded', async () => {
    const clock = fixedClock(NOW);
    // Neither clock starts at zero.
    clock.advance(1000);
    const events: string[] = [];
    // The attempt costs 1.2344 ms of the injected clock.
    const connector: Connector = {
      connect: () => {
        clock.advance(1.2344);
        return Promise.reject(timeoutError());
      },
    };
    const report = await checkReceiver(
      options({ clock, connector, profile: { ...DEFAULT_PROFILE, name: 'in-test profile' }, onEvent: (e) => events.push(`${e.seq} ${e.conn} ${e.kind}`) }),
    );
    expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
    expect(report.schemaVersion).toBe(SCHEMA_VERSION);
    expect(report.tool).toEqual({ name: 'mxray', version: VERSION });
    expect(report.kind).toBe('receiver');
    expect(report.judgedWith.profile).toEqual({ name: 'in-test profile', version: DEFAULT_PROFILE.version });
    // The target as given, and as parsed.
    expect(report.target).toBe('far.test');
    expect(report.body.target).toEqual({ input: 'far.test', kind: 'domain', domain: 'far.test', host: null, port: 25, implicitTls: false });
    expect(report.startedAt).toBe('2026-11-27T12:00:01.000Z');
    // Judged after the probe, on the same clock, with the options given (none: the profile's).
    expect(report.judgedWith.at).toBe('2026-11-27T12:00:01.001Z');
    expect(report.judgedWith.options).toEqual({ warnDays: DEFAULT_PROFILE.expiryWarnDays, expectThumbprint: null });
    expect(report.judgedWith.trustStore.description).toBe('empty');
    // Milliseconds to three decimals.
    expect(report.durationMs).toBe(1.234);
    // Every event went to onEvent as it was recorded, in order.
    expect(events).toEqual(report.transcript.map((e) => `${e.seq} ${e.conn} ${e.kind}`));
    expect(report.transcript.filter((e) => e.conn === 'dns').length).toBeGreaterThan(0);
    expect(report.body.dns.status).toBe('ok');
  });

  it('the default profile when none is given', async () => {
    const report = await checkReceiver(options({}));
    expect(report.judgedWith.profile.name).toBe(DEFAULT_PROFILE.name);
  });

  it('a target with no mail host: no host, the DNS findings alone, the verdict from them', async () => {
    const report = await checkReceiver(options({ target: 'nowhere.test' }));
    expect(report.body.hosts).toEqual([]);
    expect(report.findings.map((f) => f.id)).toEqual(['dns.nxdomain']);
    expect(report.verdict).toBe('fail');
    expect(report.body.sourceAddress).toBeNull();
    // The DNS finding's evidence is the DNS events of the run.
    const dnsSeqs = report.transcript.filter((e) => e.conn === 'dns').map((e) => e.seq);
    expect(report.findings[0]!.evidence).toEqual(dnsSeqs);
  });

  it('a usage error in the target itself (before any question)', async () => {
    const asked: string[] = [];
    await expect(checkReceiver(options({ target: 'http://example.com', resolver: planResolver({}, asked) }))).rejects.toBeInstanceOf(UsageError);
    expect(asked).toEqual([]);
  });
});

describe('which addresses are probed', () => {
  const threeMx: ResolverPlan = {
    mx: { 'far.test': ['mx1.far.test', 'mx2.far.test', 'mx3.far.test'] },
    a: { 'mx1.far.test': ['192.0.2.1'], 'mx2.far.test': ['192.0.2.2'], 'mx3.far.test': ['192.0.2.3'] },
    aaaa: { 'mx1.far.test': ['2001:db8::1'] },
  };

  it('every address of every MX host, on port 25, the host name as SNI name in the key', async () => {
    const { connector, state } = failingConnector();
    const report = await checkReceiver(options({ resolver: planResolver(threeMx), connector }));
    expect(state.attempts.map((o) => `${o.address} ${o.port}`).sort()).toEqual(['192.0.2.1 25', '192.0.2.2 25', '192.0.2.3 25', '2001:db8::1 25']);
    expect(report.body.hosts.map((h) => [h.key, h.mx, h.preference, h.family, h.port, h.implicitTls])).toEqual([
      ['mx1.far.test[192.0.2.1]:25', 'mx1.far.test', 10, 4, 25, false],
      ['mx1.far.test[2001:db8::1]:25', 'mx1.far.test', 10, 6, 25, false],
      ['mx2.far.test[192.0.2.2]:25', 'mx2.far.test', 20, 4, 25, false],
      ['mx3.far.test[192.0.2.3]:25', 'mx3.far.test', 30, 4, 25, false],
    ]);
  });

  it('first: only the primary MX host', async () => {
    const { connector, state } = failingConnector();
    const report = await checkReceiver(options({ resolver: planResolver(threeMx), connector, first: true }));
    expect(state.attempts.map((o) => o.address).sort()).toEqual(['192.0.2.1', '2001:db8::1']);
    expect(report.body.hosts.map((h) => h.mx)).toEqual(['mx1.far.test', 'mx1.far.test']);
  });

  it('families: IPv6 only asks AAAA and probes only IPv6 addresses', async () => {
    const asked: string[] = [];
    const { connector, state } = failingConnector();
    await checkReceiver(options({ resolver: planResolver(threeMx, asked), connector, families: { v4: false, v6: true } }));
    expect(asked.filter((q) => q.startsWith('A '))).toEqual([]);
    expect(state.attempts.map((o) => o.address)).toEqual(['2001:db8::1']);
  });

  it('a server target: its address and port, the connect time-out from the limits, the abort signal passed on', async () => {
    const { connector, state } = failingConnector();
    const controller = new AbortController();
    const report = await checkReceiver(options({ target: '[2001:db8::25]:2525', connector, signal: controller.signal, limits: { connectTimeoutMs: 1234 } }));
    // The job's own signal (its deadlines join the caller's), which the caller's abort aborts.
    expect(state.attempts).toEqual([{ address: '2001:db8::25', port: 2525, timeoutMs: 1234, signal: expect.any(AbortSignal) }]);
    expect(state.attempts[0]!.signal!.aborted).toBe(false);
    controller.abort();
    expect(state.attempts[0]!.signal!.aborted).toBe(true);
    expect(report.body.hosts.map((h) => h.key)).toEqual(['[2001:db8::25]:2525']);
    // The judge was told the same time-out, and the report says so.
    expect(report.body.timeouts.connectMs).toBe(1234);
    expect(report.body.hosts[0]!.findings.map((f) => [f.id, f.facts])).toEqual([['net.connect-timeout', { host: '[2001:db8::25]:2525', timeoutMs: 1234 }]]);
  });

  it('--host with a mail domain: that server directly (no MX question), the domain kept for the report', async () => {
    const asked: string[] = [];
    const { connector, state } = failingConnector();
    const report = await checkReceiver(options({ target: 'far.test', host: '192.0.2.7', port: 2525, resolver: planResolver({}, asked), connector }));
    expect(asked.filter((q) => q.startsWith('MX '))).toEqual([]);
    expect(state.attempts.map((o) => `${o.address}:${o.port}`)).toEqual(['192.0.2.7:2525']);
    expect(report.body.target).toEqual({ input: 'far.test', kind: 'host', domain: 'far.test', host: '192.0.2.7', port: 2525, implicitTls: false });
  });

  it('port 465 means implicit TLS unless told otherwise', async () => {
    const implicit = await checkReceiver(options({ target: '192.0.2.7', port: 465 }));
    expect(implicit.body.hosts.map((h) => [h.port, h.implicitTls])).toEqual([[465, true]]);
    const plain = await checkReceiver(options({ target: '192.0.2.7', port: 465, tlsOnConnect: false }));
    expect(plain.body.hosts.map((h) => [h.port, h.implicitTls])).toEqual([[465, false]]);
  });

  it('a host map sends a name to another address and port (the MX name stays the key)', async () => {
    const { connector, state } = failingConnector();
    const report = await checkReceiver(options({ connector, hostMap: new Map([['mx1.far.test', { address: '127.0.0.9', port: 2526 }]]) }));
    expect(state.attempts.map((o) => `${o.address}:${o.port}`)).toEqual(['127.0.0.9:2526']);
    expect(report.body.hosts.map((h) => h.key)).toEqual(['mx1.far.test[127.0.0.9]:2526']);
  });
});

describe('how many at once', () => {
  const spread: ResolverPlan = {
    mx: { 'far.test': ['mx1.far.test', 'mx2.far.test', 'mx3.far.test', 'mx4.far.test', 'mx5.far.test'] },
    a: { 'mx1.far.test': ['192.0.2.1'], 'mx2.far.test': ['192.0.2.2'], 'mx3.far.test': ['192.0.2.3'], 'mx4.far.test': ['192.0.2.4'], 'mx5.far.test': ['192.0.2.5'] },
  };

  it('five addresses, connectionsPerDomain 3: three at once, never more, all five probed', async () => {
    const { connector, state } = failingConnector(() => timeoutError(), 20);
    const report = await checkReceiver(options({ resolver: planResolver(spread), connector, limits: { connectionsPerDomain: 3 } }));
    expect(state.attempts).toHaveLength(5);
    expect(state.peak).toBe(3);
    expect(report.body.hosts).toHaveLength(5);
  });

  it('the default allows four at once', async () => {
    const { connector, state } = failingConnector(() => timeoutError(), 20);
    await checkReceiver(options({ resolver: planResolver(spread), connector }));
    expect(state.peak).toBe(4);
  });

  it('two MX names on one address: one connection to it at a time (names on other addresses still in parallel)', async () => {
    const shared: ResolverPlan = {
      mx: { 'far.test': ['mx1.far.test', 'mx2.far.test', 'mx3.far.test'] },
      a: { 'mx1.far.test': ['192.0.2.1'], 'mx2.far.test': ['192.0.2.1'], 'mx3.far.test': ['192.0.2.3'] },
    };
    const perAddress = new Map<string, number>();
    let peakSame = 0;
    let peakAll = 0;
    let active = 0;
    const connector: Connector = {
      async connect(o) {
        const n = (perAddress.get(o.address) ?? 0) + 1;
        perAddress.set(o.address, n);
        peakSame = Math.max(peakSame, n);
        peakAll = Math.max(peakAll, ++active);
        await new Promise((resolve) => setTimeout(resolve, 20));
        perAddress.set(o.address, n - 1);
        active--;
        throw timeoutError();
      },
    };
    const report = await checkReceiver(options({ resolver: planResolver(shared), connector }));
    expect(report.body.hosts.map((h) => h.key)).toEqual(['mx1.far.test[192.0.2.1]:25', 'mx2.far.test[192.0.2.1]:25', 'mx3.far.test[192.0.2.3]:25']);
    expect(peakSame).toBe(1);
    expect(peakAll).toBe(2);
  });

  it('a scheduler allowing 2 connections per address: the two names on one address at once', async () => {
    const shared: ResolverPlan = { mx: { 'far.test': ['mx1.far.test', 'mx2.far.test'] }, a: { 'mx1.far.test': ['192.0.2.1'], 'mx2.far.test': ['192.0.2.1'] } };
    const { connector, state } = failingConnector(() => timeoutError(), 20);
    await checkReceiver(options({ resolver: planResolver(shared), connector, scheduler: createScheduler({ targetsAtOnce: 8, connectionsPerAddress: 2 }) }));
    expect(state.peak).toBe(2);
  });

  it('targets at once hold across tests: with one target slot, two tests run one after the other', async () => {
    const plan = (d: string, ip: string): ResolverPlan => ({ mx: { [d]: [`mx.${d}`] }, a: { [`mx.${d}`]: [ip] } });
    const run = async (targetsAtOnce: number) => {
      const { connector, state } = failingConnector(() => timeoutError(), 20);
      const scheduler = createScheduler({ targetsAtOnce, connectionsPerAddress: 1 });
      await Promise.all([
        checkReceiver(options({ target: 'one.test', resolver: planResolver(plan('one.test', '192.0.2.1')), connector, scheduler })),
        checkReceiver(options({ target: 'two.test', resolver: planResolver(plan('two.test', '192.0.2.2')), connector, scheduler })),
      ]);
      return state.peak;
    };
    expect(await run(1)).toBe(1);
    expect(await run(2)).toBe(2);
  });

  it('the scheduler is the process\'s, not the call\'s: two tests of domains sharing an MX address never connect to it at once', async () => {
    const plan = (d: string): ResolverPlan => ({ mx: { [d]: [`mx.${d}`] }, a: { [`mx.${d}`]: ['192.0.2.9'] } });
    const { connector, state } = failingConnector(() => timeoutError(), 20);
    const scheduler = createScheduler({ targetsAtOnce: 8, connectionsPerAddress: 1 });
    const [a, b] = await Promise.all([
      checkReceiver(options({ target: 'one.test', resolver: planResolver(plan('one.test')), connector, scheduler })),
      checkReceiver(options({ target: 'two.test', resolver: planResolver(plan('two.test')), connector, scheduler })),
    ]);
    expect([a.body.hosts.length, b.body.hosts.length]).toEqual([1, 1]);
    expect(state.peak).toBe(1);
    // Each call with its own scheduler would have connected to it twice at once.
    const { connector: c2, state: s2 } = failingConnector(() => timeoutError(), 20);
    await Promise.all([
      checkReceiver(options({ target: 'one.test', resolver: planResolver(plan('one.test')), connector: c2, scheduler: createScheduler() })),
      checkReceiver(options({ target: 'two.test', resolver: planResolver(plan('two.test')), connector: c2, scheduler: createScheduler() })),
    ]);
    expect(s2.peak).toBe(2);
  });
});

describe('evidence', () => {
  it('hosts probed at the same time: each finding cites only its own connection\'s events', async () => {
    const plan: ResolverPlan = {
      mx: { 'far.test': ['mx1.far.test', 'mx2.far.test', 'mx3.far.test'] },
      a: { 'mx1.far.test': ['192.0.2.1'], 'mx2.far.test': ['192.0.2.2'], 'mx3.far.test': ['192.0.2.3'] },
    };
    const { connector, state } = failingConnector(() => timeoutError(), 20);
    const report = await checkReceiver(options({ resolver: planResolver(plan), connector }));
    expect(state.peak).toBe(3);
    for (const host of report.body.hosts) {
      const finding = host.findings.find((f) => f.id === 'net.connect-timeout')!;
      const cited = report.transcript.filter((e) => finding.evidence.includes(e.seq));
      // "connecting to …" and the error: both on this host's main connection, nothing else.
      expect(cited.map((e) => [e.conn, e.kind])).toEqual([
        [`${host.key}/main`, 'connect'],
        [`${host.key}/main`, 'error'],
      ]);
    }
  });
});

describe('the reverse lookup', () => {
  it('PTR names are lowercased without their final dot; no name announced (no banner): no match to judge', async () => {
    const report = await checkReceiver(options({ resolver: planResolver({ mx: { 'far.test': ['mx1.far.test'] }, a: { 'mx1.far.test': ['192.0.2.1'] }, ptr: () => Promise.resolve(['MX1.Far.TEST.', 'other.far.test']) }) }));
    expect(report.body.hosts[0]!.ptr).toEqual(['mx1.far.test', 'other.far.test']);
    expect(report.body.hosts[0]!.ptrMatchesBanner).toBeNull();
  });

  it('a failed PTR lookup: no names', async () => {
    const report = await checkReceiver(options({ resolver: planResolver({ mx: { 'far.test': ['mx1.far.test'] }, a: { 'mx1.far.test': ['192.0.2.1'] }, ptr: () => Promise.reject(new DnsError('SERVFAIL', 'x', 'PTR')) }) }));
    expect(report.body.hosts[0]!.ptr).toEqual([]);
  });

  it('a PTR lookup that never answers holds the report for three seconds of the injected clock, no longer', async () => {
    const clock = fixedClock(NOW);
    const sleeps: number[] = [];
    const watched = { ...clock, sleep: (ms: number, signal?: AbortSignal) => (sleeps.push(ms), clock.sleep(ms, signal)) };
    const ptr = vi.fn(() => new Promise<string[]>(() => undefined));
    let done = false;
    const pending = checkReceiver(options({ clock: watched, resolver: planResolver({ mx: { 'far.test': ['mx1.far.test'] }, a: { 'mx1.far.test': ['192.0.2.1'] }, ptr }) })).then((r) => {
      done = true;
      return r;
    });
    // Until the job waits for the reverse lookup (besides it, only the address's deadline waits on the clock).
    for (let i = 0; i < 1000 && !sleeps.includes(3000); i++) await new Promise((r) => setImmediate(r));
    expect(sleeps).toEqual([120_000, 3000]);
    expect(ptr).toHaveBeenCalledWith('192.0.2.1');
    clock.advance(2999);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    clock.advance(1);
    const report = await pending;
    expect(done).toBe(true);
    expect(report.body.hosts[0]!.ptr).toEqual([]);
  });

  it('a PTR answer in time: the report does not wait for the clock', async () => {
    const clock = fixedClock(NOW);
    const report = await checkReceiver(options({ clock, resolver: planResolver({ mx: { 'far.test': ['mx1.far.test'] }, a: { 'mx1.far.test': ['192.0.2.1'] }, ptr: () => Promise.resolve(['mx1.far.test']) }) }));
    expect(report.body.hosts[0]!.ptr).toEqual(['mx1.far.test']);
    expect(clock.monotonic()).toBe(0);
  });
});

describe('progress', () => {
  it('a host whose connection fails reports only "done"', async () => {
    const phases: string[] = [];
    await checkReceiver(options({ onProgress: (key, phase) => phases.push(`${key} ${phase}`) }));
    expect(phases).toEqual(['mx1.far.test[192.0.2.1]:25 done']);
  });

  it('progress and transcript events reach an event sink and node:diagnostics_channel alike', async () => {
    const seen: JobEvent[] = [];
    const published: JobEvent[] = [];
    const subscriber = (m: unknown) => published.push(m as JobEvent);
    diagnosticsChannel.subscribe(EVENT_CHANNEL, subscriber);
    try {
      const report = await checkReceiver(options({ events: createEventSink((e) => seen.push(e)) }));
      const transcript = seen.filter((e) => e.type === 'transcript').map((e) => (e.type === 'transcript' ? e.event : null));
      expect(transcript).toEqual(report.transcript);
      expect(seen.filter((e) => e.type === 'progress')).toEqual([{ type: 'progress', key: 'mx1.far.test[192.0.2.1]:25', phase: 'done' }]);
      expect(published).toEqual(seen);
    } finally {
      diagnosticsChannel.unsubscribe(EVENT_CHANNEL, subscriber);
    }
  });
});
