/**
 * A queue that runs at most `limit` tasks at once, in the order they came; `onIdle` is called when
 * the last running task ends with none waiting. A task that throws at once is a rejected task,
 * never a stuck slot.
 */
export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly onIdle: () => void = () => {},
  ) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.active++;
        // Started at once when a slot is free; a synchronous throw becomes a rejection.
        let running: Promise<T>;
        try {
          running = task();
        } catch (err) {
          running = Promise.reject(err);
        }
        running
          .then(resolve, reject)
          .finally(() => {
            this.active--;
            const next = this.waiting.shift();
            if (next) next();
            else if (this.active === 0) this.onIdle();
          });
      };
      if (this.active < this.limit) start();
      else this.waiting.push(start);
    });
  }
}

/** Runs at most `limit` tasks at once, in the order they were submitted. */
export function limitConcurrency(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  const gate = new Gate(limit);
  return (task) => gate.run(task);
}
