// What every job sets up the same way before it probes: the event sink that shields a probe from a
// throwing observer, the limits with the caller's values over the defaults, and a timer on the
// injected clock; and, once judged, an observer's failure reported as ours. Shared by the receiver
// test, enforce and send.
import type { Clock, Limits } from '../core/context.js';
import { DEFAULT_LIMITS } from '../core/context.js';
import { statusOfError } from '../core/errors.js';
import { createEventSink, type EventSink } from '../core/events.js';
import type { Finding, TranscriptEvent, Verdict } from '../core/schema.js';
import { worstVerdict } from '../checks/verdict.js';
import { makeFinding, sortFindings } from '../kb/index.js';

export interface Observers {
  /** Where progress and transcript events go (besides "mxray:event" on node:diagnostics_channel). */
  events?: EventSink;
  onProgress?: (key: string, phase: string) => void;
  onEvent?: (event: TranscriptEvent) => void;
}

/**
 * The caller's sink (or one that only publishes on the diagnostics channel), after the shorthands.
 * An observer that throws is the caller's bug: it must not break a probe or lose other hosts'
 * results. The first one is kept (`failure()`) and reported as our internal error (exit 4) at the end.
 */
export function observedSink(options: Observers): { sink: EventSink; failure: () => unknown } {
  const events = options.events ?? createEventSink();
  let failure: unknown = null;
  const sink: EventSink = {
    emit(e) {
      try {
        if (e.type === 'progress') options.onProgress?.(e.key, e.phase);
        else options.onEvent?.(e.event);
        events.emit(e);
      } catch (err) {
        failure ??= err;
      }
    },
  };
  return { sink, failure: () => failure };
}

/**
 * The judgement as reported: with the first observer failure (observedSink's `failure()`, null when
 * none) on top as our own internal error (exit 4), and the verdict at best inconclusive.
 */
export function withObserverFailure<J extends { findings: Finding[]; verdict: Verdict }>(judged: J, failure: unknown, host: string): J {
  if (failure === null) return judged;
  const detail = `an event observer failed: ${statusOfError(failure).detail}`;
  return { ...judged, findings: sortFindings([makeFinding('mxray.internal-error', { host, detail }), ...judged.findings]), verdict: worstVerdict([judged.verdict, 'inconclusive']) };
}

/** The defaults with the caller's limits over them; a limit given as null or undefined (JavaScript callers) keeps its default, not a null that would stall the job. */
export function mergeLimits(given: Partial<Limits> | undefined): Limits {
  const set = Object.entries(given ?? {}).filter(([, v]) => v !== null && v !== undefined);
  return { ...DEFAULT_LIMITS, ...(Object.fromEntries(set) as Partial<Limits>) };
}

/** Calls `fire` after `ms` of the injected clock, unless cancelled first. Returns the cancel. */
export function after(clock: Clock, ms: number, fire: () => void): () => void {
  const cancel = new AbortController();
  void clock.sleep(ms, cancel.signal).then(() => {
    if (!cancel.signal.aborted) fire();
  });
  return () => cancel.abort();
}

/** Resolves when the signal aborts (never, if it does not, or when there is none). */
export function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
