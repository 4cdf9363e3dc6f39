import { describe, expect, it, vi } from 'vitest';
import { createScheduler, DEFAULT_SCHEDULER_LIMITS } from '../../../src/core/scheduler.js';

// Every Gate the scheduler builds is counted (it behaves as the real one): an address's gate is
// dropped when idle, so the next connection there builds a new one.
const gates = vi.hoisted(() => ({ built: 0 }));
vi.mock('../../../src/core/concurrency.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/core/concurrency.js')>();
  class CountedGate extends real.Gate {
    constructor(...args: ConstructorParameters<typeof real.Gate>) {
      super(...args);
      gates.built++;
    }
  }
  return { ...real, Gate: CountedGate };
});

/** A task that waits until released, counting how many run at once. */
function counter() {
  let active = 0;
  let peak = 0;
  const releases: (() => void)[] = [];
  const task = () =>
    new Promise<number>((resolve) => {
      peak = Math.max(peak, ++active);
      releases.push(() => {
        active--;
        resolve(peak);
      });
    });
  const flush = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { task, releases, flush, peak: () => peak, active: () => active };
}

describe('scheduler', () => {
  it('runs at most targetsAtOnce targets, the rest in the order they came', async () => {
    const s = createScheduler({ targetsAtOnce: 2, connectionsPerAddress: 1 });
    const c = counter();
    const order: number[] = [];
    const all = [1, 2, 3, 4].map((n) => s.target(() => (order.push(n), c.task())));
    await c.flush();
    expect([c.active(), order]).toEqual([2, [1, 2]]);
    c.releases.shift()!();
    await c.flush();
    expect(order).toEqual([1, 2, 3]);
    while (c.releases.length) {
      c.releases.shift()!();
      await c.flush();
    }
    await Promise.all(all);
    expect(c.peak()).toBe(2);
  });

  it('limits connections per address and port, not across addresses or ports', async () => {
    const s = createScheduler({ targetsAtOnce: 8, connectionsPerAddress: 1 });
    const c = counter();
    const runs = [
      s.connection('192.0.2.1', 25, c.task),
      s.connection('192.0.2.1', 25, c.task),
      s.connection('192.0.2.1', 465, c.task),
      s.connection('192.0.2.2', 25, c.task),
      s.connection('2001:DB8::1', 25, c.task),
      s.connection('2001:db8::1', 25, c.task),
    ];
    await c.flush();
    // 192.0.2.1:25 once, :465, 192.0.2.2:25, and 2001:db8::1 once (case does not make another address).
    expect(c.active()).toBe(4);
    while (c.releases.length) {
      c.releases.shift()!();
      await c.flush();
    }
    await Promise.all(runs);
    expect(c.active()).toBe(0);
  });

  it('a task that fails or throws at once frees its slot', async () => {
    const s = createScheduler({ targetsAtOnce: 1, connectionsPerAddress: 1 });
    await expect(s.connection('192.0.2.1', 25, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await expect(
      s.connection('192.0.2.1', 25, () => {
        throw new Error('bug');
      }),
    ).rejects.toThrow('bug');
    await expect(s.connection('192.0.2.1', 25, async () => 'next')).resolves.toBe('next');
    await expect(s.target(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(s.target(async () => 'after')).resolves.toBe('after');
  });

  it('keeps no gate for an address with nothing running or waiting (a scan of thousands of hosts keeps no map of them)', async () => {
    const s = createScheduler({ targetsAtOnce: 8, connectionsPerAddress: 1 });
    const c = counter();
    const built = gates.built;
    // Busy: the connections to one address and port share one gate.
    const first = s.connection('192.0.2.7', 25, c.task);
    const second = s.connection('192.0.2.7', 25, c.task);
    await c.flush();
    expect(gates.built - built).toBe(1);
    c.releases.shift()!();
    await c.flush();
    // The second connection runs on the same gate: none built.
    expect([c.active(), gates.built - built]).toEqual([1, 1]);
    c.releases.shift()!();
    await Promise.all([first, second]);
    await c.flush();
    // Idle now, so dropped: the next connection there builds a new gate.
    const third = s.connection('192.0.2.7', 25, c.task);
    await c.flush();
    expect(gates.built - built).toBe(2);
    c.releases.shift()!();
    await third;
  });

  it('refuses limits below 1, and defaults to one connection per address', () => {
    expect(() => createScheduler({ targetsAtOnce: 0, connectionsPerAddress: 1 })).toThrow(new RangeError('scheduler limits must be at least 1'));
    expect(() => createScheduler({ targetsAtOnce: 1, connectionsPerAddress: 0 })).toThrow(new RangeError('scheduler limits must be at least 1'));
    expect(() => createScheduler({ targetsAtOnce: Number.NaN, connectionsPerAddress: 1 })).toThrow(RangeError);
    expect(createScheduler().limits).toEqual(DEFAULT_SCHEDULER_LIMITS);
    expect(DEFAULT_SCHEDULER_LIMITS.connectionsPerAddress).toBe(1);
  });
});
