import { expect, it } from 'vitest';
import { limitConcurrency } from '../../../src/receiver/concurrency.js';

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
