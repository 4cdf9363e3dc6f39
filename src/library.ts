// The library's jobs with the system's edges filled in where the caller gave none: the one place
// (besides the CLI) where a job meets the runtime. src/index.ts re-exports from here.
import type { ReceiverOptions } from './jobs/receiver/check-receiver.js';
import { runReceiverCheck } from './jobs/receiver/check-receiver.js';
import type { ReceiverReport } from './core/schema.js';
import { systemEdges } from './runtime/edges.js';

export { rejudgeReceiver, type ReceiverOptions, type RejudgeOptions } from './jobs/receiver/check-receiver.js';

/** The receiver test (`mxray check`): every edge left out of `options` is the system's. */
export function checkReceiver(options: ReceiverOptions): Promise<ReceiverReport> {
  return runReceiverCheck(options, () => systemEdges());
}
