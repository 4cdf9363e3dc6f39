// The real clock: the only place that reads the time. Everything else gets a Clock injected.
import { performance } from 'node:perf_hooks';
import type { Clock } from './context.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock that stands still (or moves only when told): for tests and golden files. */
export function fixedClock(epochMs: number): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => epochMs + offset,
    monotonic: () => offset,
    advance(ms: number) {
      offset += ms;
    },
  };
}
