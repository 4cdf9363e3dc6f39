// What a deadline cuts from a probe's facts (check-receiver.ts, markStopped), through the job's
// public entry: every edge injected, the deadline on the injected clock, an in-memory MTA whose
// connections and handshakes behave like the real connector's when the job's signal aborts (a
// connection asked for after it is refused, one in progress or a handshake in progress is
// stopped). Each case stops the probe in another phase and asserts exactly which phases' facts are
// dropped (they are no measurements), which stay, and what the status says.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import type { Clock, ConnectOptions, Connector, Resolver, TlsOptions } from '../../../../src/core/context.js';
import { DnsError, MxrayError, TlsHandshakeError } from '../../../../src/core/errors.js';
import type { HostFacts, ReceiverReport, TranscriptEvent } from '../../../../src/core/schema.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { checkReceiver, type ReceiverOptions } from '../../../../src/library.js';
import { createScheduler } from '../../../../src/core/scheduler.js';
import { schemaErrors } from '../../../helpers/schema.js';
import { handshakeFailure, handshakeOf, memoryMta, type MemoryMta } from './memory-mta.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const KEY = 'mx1.far.test[192.0.2.1]:25';
const BY_ADDRESS = '30 s for each address';
const SEEN = { bytes: 0, notTls: false, preview: null, serverHello: false, certificate: false, encrypted: false, alert: null };

/** far.test → mx1.far.test → 192.0.2.1; the reverse lookup as the test says (default: no names, at once). */
function resolver(ptr: Resolver['ptr'] = () => Promise.resolve([])): Resolver {
  const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
  return {
    description: 'in-test resolver',
    mx: (name) => (name === 'far.test' ? Promise.resolve([{ exchange: 'mx1.far.test', priority: 10 }]) : nx(name, 'MX')),
    a: (name) => (name === 'mx1.far.test' ? Promise.resolve(['192.0.2.1']) : nx(name, 'A')),
    aaaa: (name) => nx(name, 'AAAA'),
    cname: (name) => nx(name, 'CNAME'),
    txt: () => Promise.resolve([]),
    ptr,
  };
}

/** Settles when the signal aborts (at once if it has). */
const abortOf = (signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', () => resolve(), { once: true });
  });

/** A handshake that waits until the job's signal aborts, then fails as `stopped` says (the real connector: TlsHandshakeError 'aborted'). */
const stoppedHandshake =
  (stopped: () => Error = () => new TlsHandshakeError('aborted', 'aborted', SEEN, true)) =>
  async (o: TlsOptions): Promise<never> => {
    await abortOf(o.signal);
    throw stopped();
  };

/**
 * The MTA behind a connector that obeys the signal like net/connector.ts: no connection after the
 * abort; the connection attempts `held` names (1, 2 … in order) wait for the abort, then fail with
 * `stopped` (the real connector's MxrayError('connection-timeout', 'aborted')).
 */
function obeying(mta: MemoryMta, held: (n: number) => boolean = () => false, stopped: () => Error = () => new MxrayError('connection-timeout', 'aborted')) {
  let n = 0;
  const attempts: ConnectOptions[] = [];
  /** For each attempt, whether the signal had aborted when it was asked for. */
  const afterAbort: boolean[] = [];
  const connector: Connector = {
    async connect(o) {
      attempts.push(o);
      afterAbort.push(o.signal?.aborted ?? false);
      if (o.signal?.aborted) throw new MxrayError('connection-timeout', 'aborted', 'aborted');
      if (held(++n)) {
        await abortOf(o.signal);
        throw stopped();
      }
      return mta.connector.connect(o);
    },
  };
  return { connector, attempts, afterAbort };
}

/** A clock that also tells which sleeps were asked for (the reverse lookup's wait is 3000 ms). */
function watchedClock() {
  const clock = fixedClock(NOW);
  const sleeps: number[] = [];
  const watched: Clock & { advance(ms: number): void } = { ...clock, sleep: (ms, signal) => (sleeps.push(ms), clock.sleep(ms, signal)) };
  return { clock: watched, sleeps };
}

async function settle(until: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !until(); i++) await new Promise((r) => setImmediate(r));
}

function valid(report: ReceiverReport): ReceiverReport {
  expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
  return report;
}

interface Run {
  connector: Connector;
  /** Where the probe waits when the deadline comes (given the clock's sleeps so far). */
  until: (sleeps: readonly number[]) => boolean;
  extras?: boolean;
  ptr?: Resolver['ptr'];
  /** The whole test's deadline instead of each address's. */
  whole?: boolean;
  events?: TranscriptEvent[];
}

/** Runs the test, waits until the probe is where `until` says, then moves the clock to the deadline (30 s). */
async function stopAt(run: Run): Promise<ReceiverReport> {
  const { clock, sleeps } = watchedClock();
  const options: ReceiverOptions = {
    target: 'far.test',
    posture: false,
    helo: 'client.mxray.test',
    clock,
    resolver: resolver(run.ptr),
    connector: run.connector,
    trustStore: createTrustStore([], 'empty'),
    scheduler: createScheduler(),
    extras: run.extras ?? true,
    limits: run.whole ? { deadlineMs: 30_000, addressDeadlineMs: 60_000 } : { addressDeadlineMs: 30_000 },
    onEvent: (e) => run.events?.push(e),
  };
  let done = false;
  const pending = checkReceiver(options).then((r) => ((done = true), r));
  await settle(() => run.until(sleeps) || done);
  // The probe is waiting where the case says, and it waits on the deadline (not done before it).
  expect([run.until(sleeps), done]).toEqual([true, false]);
  clock.advance(30_000);
  return valid(await pending);
}

/** The status and what is left of each phase that a deadline may cut. */
function cutView(h: HostFacts) {
  return { status: h.status, statusReason: h.statusReason, statusDetail: h.statusDetail, tls: h.tls, legacyRetry: h.legacyRetry, noSni: h.noSni, cleartext: h.cleartext };
}

const stoppedDuring = (phase: string, how = BY_ADDRESS) => ({ status: 'deadline-reached', statusReason: 'deadline', statusDetail: `stopped by mxray at its deadline of ${how}, during ${phase}` });

/** The report says the probe was stopped: one finding, inconclusive, the address in the bounds. */
function expectStopped(report: ReceiverReport, reached: 'address' | 'check' = 'address'): void {
  expect(report.body.hosts[0]!.findings.map((f) => f.id)).toContain('net.deadline-reached');
  expect(report.body.bounds).toMatchObject({ deadlineReached: reached, stopped: [KEY] });
  expect(report.verdict).toBe('inconclusive');
}

const handshakes = (mta: MemoryMta, profile: string, servername?: null) => mta.handshakes.filter((h) => h.profile === profile && (servername === undefined || h.servername === servername)).length;

describe('a deadline during the main session', () => {
  it('stalled at EHLO: the main session is cut; nothing else was started', async () => {
    const mta = memoryMta({ answer: (verb) => (verb === 'EHLO' ? new Promise<undefined>(() => undefined) : undefined) });
    const { connector } = obeying(mta);
    const report = await stopAt({ connector, until: () => mta.received.length === 1 });
    expect(cutView(report.body.hosts[0]!)).toEqual({ ...stoppedDuring('the main session'), tls: null, legacyRetry: null, noSni: null, cleartext: null });
    expect(report.body.hosts[0]!.banner?.code).toBe(220);
    expectStopped(report);
  });

  it('while connecting (the error says only "aborted", with no reason): the main session is cut', async () => {
    const mta = memoryMta();
    const { connector, attempts } = obeying(mta, (n) => n === 1);
    const report = await stopAt({ connector, until: () => attempts.length === 1 });
    const host = report.body.hosts[0]!;
    expect(cutView(host)).toEqual({ ...stoppedDuring('the main session'), tls: null, legacyRetry: null, noSni: null, cleartext: null });
    expect([host.connectMs, host.banner]).toEqual([null, null]);
    expectStopped(report);
  });

  it('while connecting, an error whose reason is "aborted" whatever its words: the main session is cut', async () => {
    const mta = memoryMta();
    const { connector, attempts } = obeying(
      mta,
      (n) => n === 1,
      () => new MxrayError('connection-timeout', 'closed by us while connecting', 'aborted'),
    );
    const report = await stopAt({ connector, until: () => attempts.length === 1 });
    expect(cutView(report.body.hosts[0]!)).toEqual({ ...stoppedDuring('the main session'), tls: null, legacyRetry: null, noSni: null, cleartext: null });
    expectStopped(report);
  });

  it('the whole test\'s deadline says so', async () => {
    const mta = memoryMta({ answer: (verb) => (verb === 'EHLO' ? new Promise<undefined>(() => undefined) : undefined) });
    const report = await stopAt({ connector: obeying(mta).connector, until: () => mta.received.length === 1, whole: true });
    expect(cutView(report.body.hosts[0]!)).toMatchObject(stoppedDuring('the main session', '30 s for the whole test'));
    expectStopped(report, 'check');
  });
});

describe('a deadline during the TLS handshake', () => {
  it.each([
    ['"aborted", as the real connector says it', () => new TlsHandshakeError('aborted', 'aborted', SEEN, true)],
    ['other words, with the reason "aborted"', () => new TlsHandshakeError('the handshake was stopped', 'aborted', SEEN, true)],
  ])('a TlsHandshakeError in %s: the handshake, the legacy retry and the cleartext session (both refused after it) are cut', async (_, stopped) => {
    const mta = memoryMta({ handshake: stoppedHandshake(stopped) });
    const { connector, afterAbort } = obeying(mta);
    const report = await stopAt({ connector, until: () => mta.handshakes.length === 1 });
    const host = report.body.hosts[0]!;
    expect(cutView(host)).toEqual({ ...stoppedDuring('the TLS handshake'), tls: null, legacyRetry: null, noSni: null, cleartext: null });
    // The legacy retry and the cleartext session were asked for after the abort: refused at once.
    expect(afterAbort).toEqual([false, true, true]);
    expect([host.starttls.offered, host.starttls.reply?.code, host.starttls.negotiated]).toEqual([true, 220, false]);
    expectStopped(report);
  });

  it('a handshake that fails with the line reader\'s own "aborted" (no TLS failure facts): the handshake is cut, not the main session', async () => {
    const mta = memoryMta({ handshake: stoppedHandshake(() => new MxrayError('io-timeout', 'aborted', 'aborted')) });
    const { connector, attempts } = obeying(mta);
    const report = await stopAt({ connector, until: () => mta.handshakes.length === 1 });
    expect(cutView(report.body.hosts[0]!)).toEqual({ ...stoppedDuring('the TLS handshake'), tls: null, legacyRetry: null, noSni: null, cleartext: null });
    // No TlsHandshakeError: no legacy retry; an io-timeout: no extra connection either.
    expect(attempts).toHaveLength(1);
    expectStopped(report);
  });
});

describe('a deadline during the legacy retry', () => {
  it.each([
    ['"aborted"', () => new TlsHandshakeError('aborted', 'aborted', SEEN, true)],
    ['other words, with the reason "aborted"', () => new TlsHandshakeError('the legacy handshake was stopped', 'aborted', SEEN, true)],
  ])('stopped with %s: the retry and the cleartext session are cut; the real handshake failure before them stays', async (_, stopped) => {
    const mta = memoryMta({
      handshake: (o) => (o.profile.name === 'legacy' ? stoppedHandshake(stopped)(o) : Promise.reject(handshakeFailure())),
    });
    const { connector, afterAbort } = obeying(mta);
    const report = await stopAt({ connector, until: () => handshakes(mta, 'legacy') === 1 });
    const host = report.body.hosts[0]!;
    expect(cutView(host)).toEqual({
      ...stoppedDuring('the legacy TLS retry'),
      tls: expect.objectContaining({ ok: false, status: 'tls-handshake-error', error: 'handshake failed: wrong version number', failure: expect.objectContaining({ reason: 'wrong version number' }) }),
      legacyRetry: null,
      noSni: null,
      cleartext: null,
    });
    expect(afterAbort).toEqual([false, false, true]);
    // The finding about the deadline, and none about the handshake the deadline stopped.
    expect(host.findings.map((f) => f.id)).toContain('net.deadline-reached');
    expect(report.body.bounds).toMatchObject({ deadlineReached: 'address', stopped: [KEY] });
  });
});

describe('a deadline during the handshake without SNI', () => {
  it('the handshake without SNI and the cleartext session are cut; the main session\'s TLS stays', async () => {
    const mta = memoryMta({ handshake: (o) => (o.servername === null ? stoppedHandshake()(o) : handshakeOf()) });
    const { connector, afterAbort } = obeying(mta);
    const report = await stopAt({ connector, until: () => handshakes(mta, 'normal', null) === 1 });
    const host = report.body.hosts[0]!;
    expect(cutView(host)).toEqual({
      ...stoppedDuring('the handshake without SNI'),
      tls: expect.objectContaining({ ok: true, protocol: 'TLSv1.3', sni: 'mx1.far.test' }),
      legacyRetry: null,
      noSni: null,
      cleartext: null,
    });
    expect(afterAbort).toEqual([false, false, true]);
    expect(host.capabilitiesInTls?.map((c) => c.keyword)).toEqual(['PIPELINING', '8BITMIME']);
    expectStopped(report);
  });
});

describe('a deadline during the cleartext session', () => {
  it('stalled at its EHLO (an io-timeout): only the cleartext session is cut', async () => {
    // Connections: 1 main, 2 without SNI, 3 cleartext.
    const mta = memoryMta({ answer: (verb, _, c) => (verb === 'EHLO' && c.id === 3 ? new Promise<undefined>(() => undefined) : undefined) });
    const report = await stopAt({ connector: obeying(mta).connector, until: () => mta.dialogue(3).length === 1 });
    expect(cutView(report.body.hosts[0]!)).toEqual({
      ...stoppedDuring('the cleartext session'),
      tls: expect.objectContaining({ ok: true }),
      legacyRetry: null,
      noSni: { status: 'ok', error: null, peerChain: [] },
      cleartext: null,
    });
    expectStopped(report);
  });

  it('while connecting (a connection-timeout): only the cleartext session is cut', async () => {
    const mta = memoryMta();
    const { connector, attempts } = obeying(mta, (n) => n === 3);
    const report = await stopAt({ connector, until: () => attempts.length === 3 });
    expect(cutView(report.body.hosts[0]!)).toEqual({
      ...stoppedDuring('the cleartext session'),
      tls: expect.objectContaining({ ok: true }),
      legacyRetry: null,
      noSni: { status: 'ok', error: null, peerChain: [] },
      cleartext: null,
    });
    expectStopped(report);
  });
});

describe('a deadline when only the reverse lookup was left: nothing is cut', () => {
  /** The reverse lookup never answers: the probe is done measuring and waits for it when the deadline comes. */
  const silent = () => new Promise<string[]>(() => undefined);
  /** Until the probe waits for the reverse lookup (3 s at most, on the clock). */
  const atPtr = (sleeps: readonly number[]) => sleeps.includes(3000);

  /** Nothing changed: no finding about a deadline, nothing in the bounds. */
  function expectUntouched(report: ReceiverReport): void {
    const host = report.body.hosts[0]!;
    expect(host.findings.map((f) => f.id)).not.toContain('net.deadline-reached');
    expect(report.findings.map((f) => f.id)).not.toContain('net.deadline-reached');
    expect(report.body.bounds).toMatchObject({ deadlineReached: null, stopped: [] });
    expect(host.ptr).toEqual([]);
  }

  it('every phase done: the facts as measured, status ok', async () => {
    const mta = memoryMta();
    const report = await stopAt({ connector: obeying(mta).connector, until: atPtr, ptr: silent });
    expect(cutView(report.body.hosts[0]!)).toEqual({
      status: 'ok',
      statusReason: null,
      statusDetail: null,
      tls: expect.objectContaining({ ok: true, failure: null, error: null }),
      legacyRetry: null,
      noSni: { status: 'ok', error: null, peerChain: [] },
      cleartext: expect.objectContaining({ status: 'ok' }),
    });
    expect(report.body.hosts[0]!.cleartext?.steps.map((s) => s.command)).toEqual(['MAIL FROM:<>', 'RCPT TO:<postmaster@far.test>']);
    expectUntouched(report);
    expect(report.verdict).not.toBe('inconclusive');
  });

  it('the same with the whole test\'s deadline: the report does not say it was reached', async () => {
    const mta = memoryMta();
    const report = await stopAt({ connector: obeying(mta).connector, until: atPtr, ptr: silent, whole: true });
    expect(report.body.hosts[0]!.status).toBe('ok');
    expectUntouched(report);
  });

  it('no STARTTLS offered (no TLS facts at all): status ok, the cleartext session kept', async () => {
    const mta = memoryMta({ clearCaps: () => ['PIPELINING', '8BITMIME'] });
    const report = await stopAt({ connector: obeying(mta).connector, until: atPtr, ptr: silent });
    expect(cutView(report.body.hosts[0]!)).toEqual({
      status: 'ok',
      statusReason: null,
      statusDetail: null,
      tls: null,
      legacyRetry: null,
      noSni: null,
      cleartext: expect.objectContaining({ status: 'ok' }),
    });
    expectUntouched(report);
  });

  it('real failures before (the handshake, the legacy retry): they stay, with their status', async () => {
    const mta = memoryMta({ handshake: () => Promise.reject(handshakeFailure()) });
    const report = await stopAt({ connector: obeying(mta).connector, until: atPtr, ptr: silent });
    expect(cutView(report.body.hosts[0]!)).toEqual({
      status: 'tls-handshake-error',
      statusReason: 'wrong version number',
      statusDetail: 'handshake failed: wrong version number',
      tls: expect.objectContaining({ ok: false, failure: expect.objectContaining({ reason: 'wrong version number' }) }),
      legacyRetry: expect.objectContaining({ ok: false, error: 'handshake failed: wrong version number', failure: expect.objectContaining({ reason: 'wrong version number' }) }),
      noSni: null,
      cleartext: expect.objectContaining({ status: 'ok' }),
    });
    expectUntouched(report);
  });

  it('a handshake without SNI that really failed: it stays', async () => {
    const mta = memoryMta({ handshake: (o) => (o.servername === null ? Promise.reject(handshakeFailure('sslv3 alert handshake failure')) : handshakeOf()) });
    const report = await stopAt({ connector: obeying(mta).connector, until: atPtr, ptr: silent });
    expect(cutView(report.body.hosts[0]!)).toEqual({
      status: 'ok',
      statusReason: null,
      statusDetail: null,
      tls: expect.objectContaining({ ok: true }),
      legacyRetry: null,
      noSni: { status: 'tls-handshake-error', error: 'handshake failed: sslv3 alert handshake failure', peerChain: [] },
      cleartext: expect.objectContaining({ status: 'ok' }),
    });
    expectUntouched(report);
  });

  it('a handshake that failed with an error of ours that is no TLS failure (no failure facts), not stopped: it stays', async () => {
    const mta = memoryMta({ handshake: () => Promise.reject(new MxrayError('io-timeout', 'no answer during the handshake', 'timeout')) });
    const { connector, attempts } = obeying(mta);
    const report = await stopAt({ connector, until: atPtr, ptr: silent });
    expect(cutView(report.body.hosts[0]!)).toEqual({
      status: 'io-timeout',
      statusReason: 'timeout',
      statusDetail: 'no answer during the handshake',
      tls: expect.objectContaining({ ok: false, error: 'no answer during the handshake', failure: null }),
      legacyRetry: null,
      noSni: null,
      cleartext: null,
    });
    expect(attempts).toHaveLength(1);
    expectUntouched(report);
  });
});

describe("a deadline's timer after the test", () => {
  it('is cancelled when the test ends in time: moving the clock past both deadlines later records nothing', async () => {
    const clock = fixedClock(NOW);
    const events: TranscriptEvent[] = [];
    const mta = memoryMta();
    const report = valid(
      await checkReceiver({
        target: 'far.test',
        posture: false,
        helo: 'client.mxray.test',
        clock,
        resolver: resolver(),
        connector: obeying(mta).connector,
        trustStore: createTrustStore([], 'empty'),
        scheduler: createScheduler(),
        limits: { deadlineMs: 60_000, addressDeadlineMs: 45_000 },
        onEvent: (e) => events.push(e),
      }),
    );
    expect(report.body.hosts[0]!.status).toBe('ok');
    const seen = events.length;
    const recorded = report.transcript.length;
    expect(seen).toBe(recorded);
    clock.advance(200_000);
    await settle(() => false);
    // No "deadline reached" note, for the test or the address, after the report.
    expect(events.slice(seen)).toEqual([]);
    expect(report.transcript).toHaveLength(recorded);
  });
});
