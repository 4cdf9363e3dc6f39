// The clocks: the real one reads Date.now and performance.now (and nothing else does); the fixed
// one stands still until told to move.
import { getEventListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixedClock, systemClock } from '../../../src/core/clock.js';

describe('fixedClock', () => {
  it('stands still at the epoch given, with monotonic time from 0', () => {
    const clock = fixedClock(1_700_000_000_000);
    expect([clock.now(), clock.monotonic()]).toEqual([1_700_000_000_000, 0]);
    expect([clock.now(), clock.monotonic()]).toEqual([1_700_000_000_000, 0]);
  });

  it('moves both readings together when advanced', () => {
    const clock = fixedClock(1_000);
    clock.advance(250);
    expect([clock.now(), clock.monotonic()]).toEqual([1_250, 250]);
    clock.advance(0.5);
    expect([clock.now(), clock.monotonic()]).toEqual([1_250.5, 250.5]);
  });
});

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('reads the wall clock from Date.now', () => {
    vi.useFakeTimers({ now: 1_700_000_123_456, toFake: ['Date'] });
    expect(systemClock.now()).toBe(1_700_000_123_456);
  });

  it('reads monotonic time from performance.now', () => {
    vi.spyOn(performance, 'now').mockReturnValue(4321.5);
    expect(systemClock.monotonic()).toBe(4321.5);
  });
});

describe('sleeping', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const settled = async (p: Promise<unknown>) => {
    let done = false;
    void p.then(() => (done = true));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    return done;
  };

  it('a fixed clock wakes a sleeper only when advanced past its time, and moves nothing by itself', async () => {
    const clock = fixedClock(1000);
    const a = clock.sleep(100);
    const b = clock.sleep(300);
    expect(await settled(a)).toBe(false);
    clock.advance(99);
    expect(await settled(a)).toBe(false);
    clock.advance(1);
    expect(await settled(a)).toBe(true);
    expect(await settled(b)).toBe(false);
    clock.advance(200);
    expect(await settled(b)).toBe(true);
    expect(clock.monotonic()).toBe(300);
  });

  it('a fixed clock: zero, negative and aborted sleeps end at once; an abort wakes a sleeper', async () => {
    const clock = fixedClock(0);
    expect(await settled(clock.sleep(0))).toBe(true);
    expect(await settled(clock.sleep(-5))).toBe(true);
    expect(await settled(clock.sleep(10, AbortSignal.abort()))).toBe(true);
    const ac = new AbortController();
    const s = clock.sleep(10_000, ac.signal);
    expect(await settled(s)).toBe(false);
    ac.abort();
    expect(await settled(s)).toBe(true);
    expect(clock.monotonic()).toBe(0);
  });

  it('the system clock sleeps on a real timer, and an abort ends the sleep and its timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = systemClock.sleep(500);
    expect(vi.getTimerCount()).toBe(1);
    expect(await settled(s)).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    expect(await settled(s)).toBe(true);
    const ac = new AbortController();
    const t = systemClock.sleep(500, ac.signal);
    ac.abort();
    expect(await settled(t)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(await settled(systemClock.sleep(500, AbortSignal.abort()))).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the system clock: a sleep that ends on time takes its listener off the signal (a long-lived signal gathers none)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const ac = new AbortController();
    const s = systemClock.sleep(500, ac.signal);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(await settled(s)).toBe(true);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('a fixed clock: an aborted sleep leaves no listener on the signal', async () => {
    const clock = fixedClock(0);
    const ac = new AbortController();
    const s = clock.sleep(1000, ac.signal);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    ac.abort();
    expect(await settled(s)).toBe(true);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('a fixed clock: a sleep woken by advance() takes its listener off the signal (eleven sleeps on one signal gather none)', async () => {
    const clock = fixedClock(0);
    const ac = new AbortController();
    const sleeps = Array.from({ length: 11 }, (_, i) => clock.sleep(10 + i, ac.signal));
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(11);
    clock.advance(20);
    for (const s of sleeps) expect(await settled(s)).toBe(true);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('a fixed clock: aborting a sleep that already woke leaves the other sleepers waiting', async () => {
    const clock = fixedClock(0);
    const ac = new AbortController();
    const early = clock.sleep(10, ac.signal);
    const late = clock.sleep(1000);
    clock.advance(10);
    expect(await settled(early)).toBe(true);
    // The woken sleeper is no longer listed: its abort must not take another one off the list.
    ac.abort();
    expect(await settled(late)).toBe(false);
    clock.advance(990);
    expect(await settled(late)).toBe(true);
  });
});
