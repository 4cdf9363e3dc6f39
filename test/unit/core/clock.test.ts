// The clocks: the real one reads Date.now and performance.now (and nothing else does); the fixed
// one stands still until told to move.
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
