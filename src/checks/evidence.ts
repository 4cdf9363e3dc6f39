// Reading a host's recorded evidence (transcript event numbers per phase), for findings that point
// at "where it stopped" rather than at one phase.
import type { Evidence, TranscriptEvent } from '../core/schema.js';

/** Every transcript event number recorded for the host, in any phase. */
export function recorded(ev: Evidence): number[] {
  return Object.values(ev).flatMap((v) => v ?? []);
}

/** The last event recorded for the host, in any phase (empty when none was). */
export function lastOf(ev: Evidence): number[] {
  // A loop, not Math.max(...all): a saved report may hold more numbers than a call has arguments.
  let last = -1;
  for (const seq of recorded(ev)) if (seq > last) last = seq;
  return last >= 0 ? [last] : [];
}

/** The verb of the last command we sent to the host ("command" when none is recorded). */
export function lastCommand(ev: Evidence, transcript: readonly TranscriptEvent[]): string {
  const seqs = new Set(recorded(ev));
  const sent = transcript.filter((e) => seqs.has(e.seq) && e.kind === 'send');
  return sent.at(-1)?.text.split(' ')[0] ?? 'command';
}
