// The receiver job's own bounds (issue 16, items 4 and 9), with every edge injected and no socket:
// at most maxMx MX hosts looked up and probed (the rest listed as not probed), at most N DNS
// queries in flight, each address's deadline and the whole test's, both on the injected clock (a
// test moves it forward, nothing waits on real time), and what a deadline leaves in the report.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import type { Connector, MxAnswer, Resolver, TlsOptions } from '../../../../src/core/context.js';
import { DnsError, MxrayError, TlsHandshakeError, UsageError } from '../../../../src/core/errors.js';
import type { ReceiverReport } from '../../../../src/core/schema.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { checkReceiver, rejudgeReceiver, type ReceiverOptions } from '../../../../src/library.js';
import { createScheduler } from '../../../../src/core/scheduler.js';
import { schemaErrors } from '../../../helpers/schema.js';
import { memoryMta, type MemoryPlan } from './memory-mta.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const TRUST = createTrustStore([], 'empty');

/** many.test with `count` MX hosts mx1 … mxN (preference 10·i), mxI at 192.0.2.I; every question recorded. */
function zoneResolver(count: number, asked: string[] = [], over: Partial<Resolver> = {}): Resolver {
  const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
  const index = (name: string) => /^mx(\d+)\.many\.test$/.exec(name)?.[1];
  return {
    description: 'in-test resolver',
    mx: (name) => {
      asked.push(`MX ${name}`);
      if (name !== 'many.test') return nx(name, 'MX');
      return Promise.resolve(Array.from({ length: count }, (_, i): MxAnswer => ({ exchange: `mx${i + 1}.many.test`, priority: 10 * (i + 1) })));
    },
    a: (name) => {
      asked.push(`A ${name}`);
      const i = index(name);
      return i && Number(i) <= count ? Promise.resolve([`192.0.2.${i}`]) : nx(name, 'A');
    },
    aaaa: (name) => (asked.push(`AAAA ${name}`), nx(name, 'AAAA')),
    cname: (name) => (asked.push(`CNAME ${name}`), nx(name, 'CNAME')),
    txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
    ...over,
  };
}

const key = (i: number) => `mx${i}.many.test[192.0.2.${i}]:25`;

function options(extra: Partial<ReceiverOptions>): ReceiverOptions {
  return {
    target: 'many.test',
    posture: false,
    helo: 'client.mxray.test',
    clock: fixedClock(NOW),
    resolver: zoneResolver(1),
    connector: memoryMta().connector,
    trustStore: TRUST,
    // A scheduler of its own: the process's one is shared with other test files.
    scheduler: createScheduler(),
    extras: false,
    ...extra,
  };
}

/** A few turns of the event loop: long enough for in-memory dialogues to reach their next wait. */
async function settle(until: () => boolean = () => false): Promise<void> {
  for (let i = 0; i < 200 && !until(); i++) await new Promise((r) => setImmediate(r));
}

function valid(report: ReceiverReport): ReceiverReport {
  expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
  return report;
}

/** An MTA that greets and then never answers EHLO (the test's clock decides when we give up). */
const stallsAtEhlo: MemoryPlan = { answer: (verb) => (verb === 'EHLO' ? new Promise<undefined>(() => undefined) : undefined) };

describe('maxMx: at most this many MX host names are looked up and probed', () => {
  it('10 by default: of 12 MX hosts the first 10 by preference, the other 2 listed as not probed and never looked up', async () => {
    const asked: string[] = [];
    const mta = memoryMta();
    const report = valid(await checkReceiver(options({ resolver: zoneResolver(12, asked), connector: mta.connector })));
    expect(report.body.hosts.map((h) => h.key)).toEqual(Array.from({ length: 10 }, (_, i) => key(i + 1)));
    expect(new Set(mta.attempts.map((a) => a.address)).size).toBe(10);
    expect(asked.filter((q) => /mx1[12]\./.test(q))).toEqual([]);
    expect(report.body.bounds).toEqual({
      maxMx: 10,
      addressesPerHost: 10,
      addressDeadlineMs: 120_000,
      deadlineMs: null,
      deadlineReached: null,
      stopped: [],
      notProbed: [
        { reason: 'max-mx', mx: 'mx11.many.test', preference: 110, address: null },
        { reason: 'max-mx', mx: 'mx12.many.test', preference: 120, address: null },
      ],
      notProbedCount: 2,
    });
  });

  it('as many as asked (maxMx 2)', async () => {
    const report = valid(await checkReceiver(options({ resolver: zoneResolver(5), maxMx: 2 })));
    expect(report.body.hosts.map((h) => h.key)).toEqual([key(1), key(2)]);
    expect(report.body.bounds?.notProbed.map((n) => `${n.reason} ${n.preference} ${n.mx}`)).toEqual(['max-mx 30 mx3.many.test', 'max-mx 40 mx4.many.test', 'max-mx 50 mx5.many.test']);
  });

  it('2,000 MX hosts: 10 probed, 1,990 listed, about 30 DNS questions instead of 6,000', async () => {
    const asked: string[] = [];
    const report = valid(await checkReceiver(options({ resolver: zoneResolver(2000, asked) })));
    expect(report.body.hosts).toHaveLength(10);
    expect(report.body.bounds?.notProbedCount).toBe(1990);
    expect(report.body.bounds?.notProbed).toHaveLength(1990);
    // One MX question, then A, AAAA and CNAME of the ten names.
    expect(asked).toHaveLength(1 + 10 * 3);
  });

  it.each([0, -1, 1.5, Number.NaN])('maxMx %s: a usage error before any question', async (maxMx) => {
    const asked: string[] = [];
    await expect(checkReceiver(options({ resolver: zoneResolver(3, asked), maxMx }))).rejects.toThrow(UsageError);
    expect(asked).toEqual([]);
  });
});

describe('addresses of one name (limits.addressesPerHost)', () => {
  const wide = (v4: number, v6: number): Resolver => ({
    ...zoneResolver(1),
    a: () => Promise.resolve(Array.from({ length: v4 }, (_, i) => `192.0.2.${i + 1}`)),
    aaaa: () => Promise.resolve(Array.from({ length: v6 }, (_, i) => `2001:db8::${i + 1}`)),
  });

  it('10 by default: an MX host with 30 IPv4 addresses is 10 probes; the other 20 are listed with their addresses', async () => {
    const mta = memoryMta();
    const report = valid(await checkReceiver(options({ resolver: wide(30, 0), connector: mta.connector })));
    expect(mta.attempts.map((a) => a.address)).toEqual(Array.from({ length: 10 }, (_, i) => `192.0.2.${i + 1}`));
    expect(report.body.bounds?.notProbed).toEqual(Array.from({ length: 20 }, (_, i) => ({ reason: 'max-addresses', mx: 'mx1.many.test', preference: 10, address: `192.0.2.${i + 11}` })));
    expect(report.body.bounds?.notProbedCount).toBe(20);
  });

  it('as many as asked, from both families in turn', async () => {
    const report = valid(await checkReceiver(options({ resolver: wide(3, 3), limits: { addressesPerHost: 2 } })));
    expect(report.body.hosts.map((h) => h.address)).toEqual(['192.0.2.1', '2001:db8::1']);
    expect(report.body.bounds?.notProbed.map((n) => n.address)).toEqual(['192.0.2.2', '192.0.2.3', '2001:db8::2', '2001:db8::3']);
  });

  it.each([0, 2.5])('addressesPerHost %s: a usage error', async (addressesPerHost) => {
    await expect(checkReceiver(options({ limits: { addressesPerHost } }))).rejects.toThrow(UsageError);
  });
});

describe('DNS queries in flight', () => {
  /** Every query answers after a real millisecond, so that many are asked before any returns. */
  function slowResolver(count: number) {
    const state = { active: 0, peak: 0 };
    const inner = zoneResolver(count);
    const slow =
      <A extends unknown[], T>(f: (...a: A) => Promise<T>) =>
      async (...a: A): Promise<T> => {
        state.peak = Math.max(state.peak, ++state.active);
        try {
          await new Promise((r) => setTimeout(r, 1));
          return await f(...a);
        } finally {
          state.active--;
        }
      };
    const resolver: Resolver = { description: inner.description, mx: slow(inner.mx), a: slow(inner.a), aaaa: slow(inner.aaaa), cname: slow(inner.cname), txt: () => Promise.resolve([]), ptr: slow(inner.ptr) };
    return { resolver, state };
  }

  it('at most 8 at once by default (10 MX hosts: 30 address questions, 10 reverse lookups)', async () => {
    const { resolver, state } = slowResolver(10);
    await checkReceiver(options({ resolver }));
    expect(state.peak).toBe(8);
  });

  it('at most limits.dnsQueriesAtOnce', async () => {
    const { resolver, state } = slowResolver(10);
    await checkReceiver(options({ resolver, limits: { dnsQueriesAtOnce: 3 } }));
    expect(state.peak).toBe(3);
  });
});

describe("each address's deadline (120 s by default, on the injected clock)", () => {
  it('a server that stalls after its banner: stopped at 120 s, not before; the banner kept; inconclusive, with net.deadline-reached', async () => {
    const clock = fixedClock(NOW);
    const mta = memoryMta(stallsAtEhlo);
    let done = false;
    const pending = checkReceiver(options({ clock, connector: mta.connector })).then((r) => ((done = true), r));
    await settle(() => mta.received.length > 0);
    expect(mta.dialogue(1)).toEqual(['EHLO']);
    clock.advance(119_999);
    await settle();
    expect(done).toBe(false);
    clock.advance(1);
    const report = valid(await pending);
    const host = report.body.hosts[0]!;
    expect([host.status, host.statusReason, host.statusDetail]).toEqual(['deadline-reached', 'deadline', 'stopped by mxray at its deadline of 120 s for each address, during the main session']);
    expect(host.banner?.code).toBe(220);
    expect(host.findings.map((f) => f.id)).toEqual(['net.deadline-reached']);
    expect(host.verdict).toBe('inconclusive');
    expect(report.findings.map((f) => [f.id, f.hosts, f.facts])).toEqual([
      ['net.deadline-reached', [key(1)], { host: key(1), detail: 'stopped by mxray at its deadline of 120 s for each address, during the main session' }],
    ]);
    expect(report.findings[0]!.title).toBe(`mxray stopped testing ${key(1)} at its deadline`);
    expect(report.verdict).toBe('inconclusive');
    expect(report.body.bounds).toMatchObject({ deadlineReached: 'address', stopped: [key(1)], notProbed: [], notProbedCount: 0 });
    // The moment is in the transcript; the finding cites where the probe stopped, right after it.
    const mine = report.transcript.filter((e) => e.conn === `${key(1)}/main`);
    expect(mine.slice(-3).map((e) => [e.kind, e.text])).toEqual([
      ['note', "deadline reached (120 s for each address): stopping this address's probe"],
      ['error', 'aborted (EHLO)'],
      ['close', 'connection closed'],
    ]);
    expect(report.findings[0]!.evidence).toEqual([mine.at(-2)!.seq]);
    // Stopped while waiting: nothing more was said to the server (no QUIT into a broken dialogue).
    expect(mta.dialogue(1)).toEqual(['EHLO']);
  });

  it('a handshake stopped by the deadline is no handshake failure: no TLS facts, no legacy retry, no cleartext verdict', async () => {
    const clock = fixedClock(NOW);
    const seen = { bytes: 0, notTls: false, preview: null, serverHello: false, certificate: false, encrypted: false, alert: null };
    // Like the real connector (net/connector.ts): a handshake the signal stops, or one begun after
    // it, ends with TlsHandshakeError 'aborted'; a connection asked for after it is not made.
    const handshake = (o: TlsOptions) =>
      new Promise<never>((_, reject) => {
        const stop = () => reject(new TlsHandshakeError('aborted', 'aborted', seen, true));
        if (o.signal?.aborted) stop();
        else o.signal?.addEventListener('abort', stop, { once: true });
      });
    const mta = memoryMta({ handshake });
    const connector: Connector = { connect: (o) => (o.signal?.aborted ? Promise.reject(new MxrayError('connection-timeout', 'aborted', 'aborted')) : mta.connector.connect(o)) };
    const pending = checkReceiver(options({ clock, connector, extras: true, limits: { addressDeadlineMs: 30_000 } }));
    await settle(() => mta.handshakes.length > 0);
    clock.advance(30_000);
    const report = valid(await pending);
    const host = report.body.hosts[0]!;
    expect([host.status, host.statusDetail]).toEqual(['deadline-reached', 'stopped by mxray at its deadline of 30 s for each address, during the TLS handshake']);
    expect([host.starttls.offered, host.starttls.reply?.code, host.starttls.negotiated]).toEqual([true, 220, false]);
    expect([host.tls, host.legacyRetry, host.noSni, host.cleartext]).toEqual([null, null, null, null]);
    expect(host.findings.map((f) => f.id)).toEqual(['net.deadline-reached']);
    expect(report.verdict).toBe('inconclusive');
  });

  it('a reverse lookup that never answers does not hold a stopped probe: the deadline ends its 3 s wait too', async () => {
    const clock = fixedClock(NOW);
    const mta = memoryMta(stallsAtEhlo);
    let done = false;
    const resolver = zoneResolver(1, [], { ptr: () => new Promise<string[]>(() => undefined) });
    const pending = checkReceiver(options({ clock, connector: mta.connector, resolver, limits: { deadlineMs: 1000 } })).then((r) => ((done = true), r));
    await settle(() => mta.received.length > 0);
    clock.advance(1000);
    await settle(() => done);
    // Without the deadline reaching the wait, the report would wait for 3 s more on the clock.
    expect(done).toBe(true);
    const host = valid(await pending).body.hosts[0]!;
    expect([host.status, host.ptr]).toEqual(['deadline-reached', []]);
  });

  it('a probe that finishes in time is not touched by its deadline', async () => {
    const clock = fixedClock(NOW);
    const report = valid(await checkReceiver(options({ clock })));
    expect(report.body.hosts.map((h) => h.status)).toEqual(['ok']);
    expect(report.body.bounds?.deadlineReached).toBeNull();
    // Its timer was cancelled: moving the clock past it changes nothing.
    clock.advance(200_000);
    expect(report.findings.map((f) => f.id)).not.toContain('net.deadline-reached');
  });
});

describe("the whole test's deadline (limits.deadlineMs, --deadline)", () => {
  it('6 addresses, 4 at once, all stalling: at 5 s the 4 running are stopped and the 2 waiting are not probed', async () => {
    const clock = fixedClock(NOW);
    const mta = memoryMta(stallsAtEhlo);
    const pending = checkReceiver(options({ clock, resolver: zoneResolver(6), connector: mta.connector, limits: { deadlineMs: 5000 } }));
    await settle(() => mta.received.length === 4);
    expect(mta.attempts.map((a) => a.address)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']);
    clock.advance(5000);
    const report = valid(await pending);
    expect(report.body.hosts.map((h) => `${h.key} ${h.status}`)).toEqual([1, 2, 3, 4].map((i) => `${key(i)} deadline-reached`));
    expect(report.body.hosts[0]!.statusDetail).toBe('stopped by mxray at its deadline of 5 s for the whole test, during the main session');
    // Nothing was started after the deadline.
    expect(mta.attempts).toHaveLength(4);
    expect(report.body.bounds).toEqual({
      maxMx: 10,
      addressesPerHost: 10,
      // Only the whole test's deadline given: each address may take all of it.
      addressDeadlineMs: 5000,
      deadlineMs: 5000,
      deadlineReached: 'check',
      stopped: [1, 2, 3, 4].map(key),
      notProbed: [
        { reason: 'deadline', mx: 'mx5.many.test', preference: 50, address: '192.0.2.5' },
        { reason: 'deadline', mx: 'mx6.many.test', preference: 60, address: '192.0.2.6' },
      ],
      notProbedCount: 2,
    });
    // One finding per stopped address, merged for the domain; the addresses not reached are in the bounds.
    expect(report.body.hosts.map((h) => h.findings.map((f) => [f.id, f.facts]))).toEqual([1, 2, 3, 4].map((i) => [['net.deadline-reached', { host: key(i), detail: 'stopped by mxray at its deadline of 5 s for the whole test, during the main session' }]]));
    expect(report.findings.map((f) => [f.id, f.hosts])).toEqual([['net.deadline-reached', [1, 2, 3, 4].map(key)]]);
    expect(report.verdict).toBe('inconclusive');
    const note = report.transcript.find((e) => e.conn === 'mxray')!;
    expect(note.text).toBe('deadline reached (5 s for the whole test): stopping what is still running');
  });

  it('reached during the DNS step: no MX answer waited for any longer, the DNS step failed for that reason, nothing probed', async () => {
    const clock = fixedClock(NOW);
    const resolver = zoneResolver(1, [], { mx: () => new Promise<MxAnswer[]>(() => undefined) });
    const mta = memoryMta();
    const pending = checkReceiver(options({ clock, resolver, connector: mta.connector, limits: { deadlineMs: 1500 } }));
    await settle();
    clock.advance(1500);
    const report = valid(await pending);
    expect(report.body.dns).toEqual({ status: 'error', resolver: 'in-test resolver', mx: [], error: "no complete answer before mxray's deadline (1.5 s for the whole test)" });
    expect(report.body.hosts).toEqual([]);
    expect(mta.attempts).toEqual([]);
    expect(report.findings.map((f) => f.id)).toEqual(['dns.error']);
    expect(report.findings[0]!.title).toBe("DNS lookups for many.test failed (no complete answer before mxray's deadline (1.5 s for the whole test))");
    expect(report.verdict).toBe('inconclusive');
    expect(report.body.bounds?.deadlineReached).toBe('check');
  });

  it('a check that ends before its deadline: no trace of it', async () => {
    const report = valid(await checkReceiver(options({ limits: { deadlineMs: 5000 } })));
    expect(report.body.bounds).toMatchObject({ deadlineMs: 5000, addressDeadlineMs: 5000, deadlineReached: null, stopped: [], notProbedCount: 0 });
    expect(report.transcript.filter((e) => e.text.startsWith('deadline'))).toEqual([]);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('deadlineMs %s: a usage error', async (deadlineMs) => {
    await expect(checkReceiver(options({ limits: { deadlineMs } }))).rejects.toThrow(UsageError);
  });

  it('a re-judged report says the same about its deadline', async () => {
    const clock = fixedClock(NOW);
    const pending = checkReceiver(options({ clock, connector: memoryMta(stallsAtEhlo).connector, limits: { deadlineMs: 2000 } }));
    await settle();
    clock.advance(2000);
    const report = valid(await pending);
    const again = rejudgeReceiver(report, { trustStore: TRUST });
    expect(again.findings).toEqual(report.findings);
    expect(again.verdict).toBe('inconclusive');
    expect(again.body.hosts.map((h) => [h.verdict, h.findings.map((f) => f.id)])).toEqual([['inconclusive', ['net.deadline-reached']]]);
  });
});

describe('what the bounds say when a deadline came (deadlineReached)', () => {
  /** `count` MX hosts; the reverse lookup never answers for 192.0.2.1 (the others answer at once, with no name). */
  const silentPtr = (count: number, asked: string[] = []) => zoneResolver(count, [], { ptr: (address) => (asked.push(address), address === '192.0.2.1' ? new Promise<string[]>(() => undefined) : Promise.resolve([])) });

  it("the whole test's deadline while only a reverse lookup was awaited: nothing measured was cut, so no deadline is reported (null), and the report is not held", async () => {
    const clock = fixedClock(NOW);
    const mta = memoryMta();
    let done = false;
    const pending = checkReceiver(options({ clock, connector: mta.connector, resolver: silentPtr(1), limits: { deadlineMs: 1000 } })).then((r) => ((done = true), r));
    // The whole dialogue ends without the clock moving; then only the reverse lookup is left.
    await settle(() => mta.dialogue(1).includes('QUIT(tls)'));
    await settle();
    expect(done).toBe(false);
    clock.advance(1000);
    await settle(() => done);
    expect(done).toBe(true);
    const report = valid(await pending);
    expect(report.body.hosts.map((h) => [h.key, h.status, h.ptr])).toEqual([[key(1), 'ok', []]]);
    expect(report.body.bounds).toMatchObject({ deadlineMs: 1000, deadlineReached: null, stopped: [], notProbed: [], notProbedCount: 0 });
    expect(report.findings.map((f) => f.id)).not.toContain('net.deadline-reached');
    // The moment itself is in the transcript.
    expect(report.transcript.filter((e) => e.conn === 'mxray').map((e) => e.text)).toEqual(['deadline reached (1 s for the whole test): stopping what is still running']);
  });

  it("the same with a second address still waiting its turn: that one is not probed, so the whole test's deadline is reported ('check')", async () => {
    const clock = fixedClock(NOW);
    const mta = memoryMta();
    const asked: string[] = [];
    let done = false;
    const pending = checkReceiver(options({ clock, connector: mta.connector, resolver: silentPtr(2, asked), limits: { deadlineMs: 1000, connectionsPerDomain: 1 } })).then((r) => ((done = true), r));
    await settle(() => mta.dialogue(1).includes('QUIT(tls)'));
    await settle();
    // One at a time: the second address waits for the first one's reverse lookup.
    expect([done, mta.attempts.map((a) => a.address), asked]).toEqual([false, ['192.0.2.1'], ['192.0.2.1']]);
    clock.advance(1000);
    const report = valid(await pending);
    expect(mta.attempts.map((a) => a.address)).toEqual(['192.0.2.1']);
    expect(report.body.hosts.map((h) => [h.key, h.status])).toEqual([[key(1), 'ok']]);
    expect(report.body.bounds).toMatchObject({
      deadlineReached: 'check',
      stopped: [],
      notProbed: [{ reason: 'deadline', mx: 'mx2.many.test', preference: 20, address: '192.0.2.2' }],
      notProbedCount: 1,
    });
  });

  it("one address stopped by the whole test's deadline, none waiting: 'check' (its own deadline is further off)", async () => {
    const clock = fixedClock(NOW);
    const mta = memoryMta(stallsAtEhlo);
    const pending = checkReceiver(options({ clock, connector: mta.connector, limits: { deadlineMs: 2000, addressDeadlineMs: 60_000 } }));
    await settle(() => mta.received.length > 0);
    clock.advance(2000);
    const report = valid(await pending);
    expect(report.body.hosts.map((h) => [h.status, h.statusDetail])).toEqual([['deadline-reached', 'stopped by mxray at its deadline of 2 s for the whole test, during the main session']]);
    expect(report.body.bounds).toMatchObject({ addressDeadlineMs: 60_000, deadlineMs: 2000, deadlineReached: 'check', stopped: [key(1)], notProbed: [], notProbedCount: 0 });
  });

  it("an address's deadline ends with its probe: a finished address's timer does not fire while the next one runs", async () => {
    const clock = fixedClock(NOW);
    // mx1 answers everything; mx2 greets and never answers EHLO.
    const mta = memoryMta({ answer: (verb, _line, c) => (c.address === '192.0.2.2' && verb === 'EHLO' ? new Promise<undefined>(() => undefined) : undefined) });
    const pending = checkReceiver(options({ clock, connector: mta.connector, resolver: zoneResolver(2), limits: { addressDeadlineMs: 1000, connectionsPerDomain: 1 } }));
    await settle(() => mta.received.some((r) => r.address === '192.0.2.2'));
    // Both probes began at the same moment on the clock: both deadlines would come now.
    clock.advance(1000);
    const report = valid(await pending);
    expect(report.body.hosts.map((h) => [h.key, h.status])).toEqual([
      [key(1), 'ok'],
      [key(2), 'deadline-reached'],
    ]);
    expect(report.transcript.filter((e) => e.text.startsWith('deadline reached')).map((e) => `${e.conn} ${e.text}`)).toEqual([`${key(2)}/main deadline reached (1 s for each address): stopping this address's probe`]);
    expect(report.body.bounds).toMatchObject({ deadlineReached: 'address', stopped: [key(2)] });
  });
});

describe('the not-probed list in the report', () => {
  it('at most 5,000 entries are listed; the count says how many there were', async () => {
    const report = valid(await checkReceiver(options({ resolver: zoneResolver(5002), maxMx: 1 })));
    expect(report.body.hosts.map((h) => h.key)).toEqual([key(1)]);
    const bounds = report.body.bounds!;
    expect(bounds.notProbedCount).toBe(5001);
    expect(bounds.notProbed).toHaveLength(5000);
    // The first 5,000 in preference order: mx2 … mx5001 (mx5002 is only counted).
    expect([bounds.notProbed[0]!.mx, bounds.notProbed.at(-1)!.mx]).toEqual(['mx2.many.test', 'mx5001.many.test']);
  });
});

describe("the caller's own abort signal", () => {
  it('still stops the probe (it is not a deadline: no finding about one)', async () => {
    const controller = new AbortController();
    const mta = memoryMta(stallsAtEhlo);
    const pending = checkReceiver(options({ connector: mta.connector, signal: controller.signal }));
    await settle(() => mta.received.length > 0);
    controller.abort();
    const report = valid(await pending);
    expect(report.body.hosts.map((h) => [h.status, h.statusReason])).toEqual([['io-timeout', 'aborted']]);
    expect(report.body.bounds?.deadlineReached).toBeNull();
  });
});

describe('expectThumbprint', () => {
  const SHA1 = 'AB'.repeat(20);
  const SHA256 = 'cd'.repeat(32);
  it.each([SHA1, SHA256, SHA1.match(/../g)!.join(':'), SHA256.match(/../g)!.join(' '), ` ${SHA1} `])('accepts %s', async (thumbprint) => {
    const report = await checkReceiver(options({ expectThumbprint: thumbprint }));
    expect(report.judgedWith.options.expectThumbprint).toBe(thumbprint);
  });

  it.each(['zz', '', 'AB', SHA1.slice(1), `${SHA1}A`, `${SHA256}00`, SHA1.replace('A', 'G'), `${SHA1.slice(0, 38)}-${SHA1.slice(38)}`])('refuses %j with one line saying what a thumbprint is', async (thumbprint) => {
    const asked: string[] = [];
    const error = await checkReceiver(options({ expectThumbprint: thumbprint, resolver: zoneResolver(1, asked) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      `--expect-thumbprint ${JSON.stringify(thumbprint)} is not a thumbprint: give the certificate's SHA-1 (40 hex digits) or SHA-256 (64 hex digits), ":" or spaces between them allowed`,
    );
    expect(asked).toEqual([]);
  });
});
