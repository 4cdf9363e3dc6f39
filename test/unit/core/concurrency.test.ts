import { describe, expect, it } from 'vitest';
import { Gate, limitConcurrency } from '../../../src/core/concurrency.js';

/** A task the test finishes by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

it('never runs more than the limit at once, and runs everything', async () => {
  const run = limitConcurrency(2);
  let active = 0;
  let peak = 0;
  const task = (v: number) => async () => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, 5));
    active--;
    return v;
  };
  const results = await Promise.all([1, 2, 3, 4, 5].map((v) => run(task(v))));
  expect(results).toEqual([1, 2, 3, 4, 5]);
  expect(peak).toBe(2);
});

it('starts queued tasks in the order they were submitted, one as each finishes', async () => {
  const run = limitConcurrency(1);
  const started: number[] = [];
  const gates = [0, 1, 2, 3].map(() => deferred<void>());
  const done = gates.map((gate, i) =>
    run(async () => {
      started.push(i);
      await gate.promise;
      return i;
    }),
  );
  await settle();
  expect(started).toEqual([0]);
  gates[0]!.resolve();
  await settle();
  expect(started).toEqual([0, 1]);
  gates[1]!.resolve();
  gates[2]!.resolve();
  gates[3]!.resolve();
  expect(await Promise.all(done)).toEqual([0, 1, 2, 3]);
  expect(started).toEqual([0, 1, 2, 3]);
});

it('a failing task rejects its own promise only, and frees its slot', async () => {
  const run = limitConcurrency(1);
  const failure = new Error('task failed');
  const first = run(() => Promise.reject(failure));
  const second = run(() => Promise.resolve('after'));
  await expect(first).rejects.toBe(failure);
  await expect(second).resolves.toBe('after');
  // The limiter is still usable, and still limits.
  const gate = deferred<void>();
  let fourthStarted = false;
  const third = run(async () => {
    await gate.promise;
    return 3;
  });
  const fourth = run(async () => {
    fourthStarted = true;
    return 4;
  });
  await settle();
  expect(fourthStarted).toBe(false);
  gate.resolve();
  expect(await Promise.all([third, fourth])).toEqual([3, 4]);
});

it('a task submitted when a slot is free starts at once (synchronously)', () => {
  const run = limitConcurrency(3);
  let started = 0;
  for (let i = 0; i < 4; i++) {
    void run(async () => {
      started++;
      await new Promise(() => undefined);
    });
  }
  expect(started).toBe(3);
});

describe('Gate: onIdle', () => {
  it('is called each time the last running task ends with none waiting, and not while others still run', async () => {
    let idle = 0;
    const gate = new Gate(2, () => idle++);
    const release: (() => void)[] = [];
    const task = () => new Promise<void>((r) => release.push(r));
    const a = gate.run(task);
    const b = gate.run(task);
    const c = gate.run(task); // waits for a slot
    await Promise.resolve();
    expect(release).toHaveLength(2);
    release[0]!();
    await a;
    await new Promise((r) => setImmediate(r));
    // c took a's slot: still two running, not idle.
    expect(release).toHaveLength(3);
    expect(idle).toBe(0);
    release[1]!();
    await b;
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(0); // c still runs
    release[2]!();
    await c;
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(1);
    // Idle again after the next burst, and a failing task counts too.
    await gate.run(() => Promise.reject(new Error('x'))).catch(() => {});
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(2);
  });
});
