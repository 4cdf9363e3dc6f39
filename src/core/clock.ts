// The real clock: the only place that reads the time. Everything else gets a Clock injected.
import { performance } from 'node:perf_hooks';
import type { Clock } from './context.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      // A wait alone never keeps the process alive (a stopped job must not hang the CLI).
      timer.unref();
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/**
 * A clock that stands still and moves only when told (tests, golden files): `advance(ms)` moves it
 * and wakes every `sleep` whose time has come, so nothing ever waits on real time.
 */
export function fixedClock(epochMs: number): Clock & { advance(ms: number): void } {
  let offset = 0;
  const sleepers: { until: number; wake: () => void }[] = [];
  const wakeDue = () => {
    for (const s of sleepers.filter((x) => x.until <= offset)) {
      sleepers.splice(sleepers.indexOf(s), 1);
      s.wake();
    }
  };
  return {
    now: () => epochMs + offset,
    monotonic: () => offset,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted || ms <= 0) return resolve();
        const onAbort = () => {
          const i = sleepers.indexOf(sleeper);
          if (i >= 0) sleepers.splice(i, 1);
          resolve();
        };
        // Woken by advance(): the abort listener goes too (a signal shared by many sleeps must not collect them).
        const sleeper = {
          until: offset + ms,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        sleepers.push(sleeper);
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    advance(ms: number) {
      offset += ms;
      wakeDue();
    },
  };
}
