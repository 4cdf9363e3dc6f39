// Standard output as the CLI writes it. Every write is awaited, so the process ends only once its
// output has reached the reader (a slow pipe included). A reader that went away (EPIPE: `| head`)
// ends our output quietly, as in other Unix tools; any other failure (ENOSPC on `> /dev/full`,
// EIO) becomes an OutputError: one line on stderr and exit 4 (see exit-codes.ts).
import type { Writable } from 'node:stream';

export class OutputError extends Error {
  constructor(readonly code: string) {
    super(`cannot write output: ${code}`);
    this.name = 'OutputError';
  }
}

export interface Sink {
  /** Resolves once `text` is written (or quietly dropped: the reader is gone); rejects with OutputError. */
  write(text: string): Promise<void>;
  /** Waits for every write still under way; throws the OutputError if one failed. */
  flush(): Promise<void>;
}

export function createSink(stream: Writable): Sink {
  let gone = false;
  let failure: OutputError | null = null;
  const pending = new Set<Promise<void>>();
  const note = (err: NodeJS.ErrnoException) => {
    // After EPIPE the stream is destroyed: later errors (ERR_STREAM_DESTROYED) only repeat it.
    if (gone || failure) return;
    if (err.code === 'EPIPE') gone = true;
    else failure = new OutputError(err.code ?? err.message);
  };
  // Without a listener an 'error' event is an uncaught exception with a stack trace.
  stream.on('error', note);
  return {
    write(text) {
      if (failure) return Promise.reject(failure);
      if (gone || text === '') return Promise.resolve();
      const done = new Promise<void>((resolve) => {
        stream.write(text, (err) => {
          if (err) note(err);
          resolve();
        });
      }).finally(() => pending.delete(done));
      pending.add(done);
      return done.then(() => {
        if (failure) throw failure;
      });
    },
    async flush() {
      await Promise.all([...pending]);
      if (failure) throw failure;
    },
  };
}

let processSink: Sink | undefined;

/** The sink over process.stdout, made once (it adds the stream's 'error' listener). */
export function stdout(): Sink {
  processSink ??= createSink(process.stdout);
  return processSink;
}
