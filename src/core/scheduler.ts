// The process's scheduler: how many targets run at once, and how many connections go to one IP
// address and port at once, across every job in the process (a bulk scan of domains that share an
// MX host, the demo lab serving every scenario from 127.0.0.1). One is built per process by
// runtime/; jobs get it injected and never make their own.
import { Gate } from './concurrency.js';

export interface SchedulerLimits {
  /** Targets (whole receiver tests, scans of one domain …) at once. */
  targetsAtOnce: number;
  /** Connections to one address and port at once, whichever job opens them. */
  connectionsPerAddress: number;
}

export const DEFAULT_SCHEDULER_LIMITS: SchedulerLimits = { targetsAtOnce: 8, connectionsPerAddress: 1 };

export interface Scheduler {
  readonly limits: SchedulerLimits;
  /** Runs a whole target's work once a target slot is free. */
  target<T>(task: () => Promise<T>): Promise<T>;
  /** Runs work on one connection to `address`:`port` once a slot for that address and port is free. */
  connection<T>(address: string, port: number, task: () => Promise<T>): Promise<T>;
}

export function createScheduler(limits: SchedulerLimits = DEFAULT_SCHEDULER_LIMITS): Scheduler {
  if (!(limits.targetsAtOnce >= 1 && limits.connectionsPerAddress >= 1)) throw new RangeError('scheduler limits must be at least 1');
  const targets = new Gate(limits.targetsAtOnce);
  // One gate per address and port, dropped when idle: a scan of thousands of hosts keeps no map of them.
  const perAddress = new Map<string, Gate>();
  return {
    limits: { ...limits },
    target: (task) => targets.run(task),
    connection(address, port, task) {
      const key = `${address.toLowerCase()}|${port}`;
      let gate = perAddress.get(key);
      if (!gate) perAddress.set(key, (gate = new Gate(limits.connectionsPerAddress, () => perAddress.delete(key))));
      return gate.run(task);
    },
  };
}
