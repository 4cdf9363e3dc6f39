// The event sink a job reports to: progress and transcript events, to the observers given (the
// CLI's status line, the web page's SSE stream) and to `node:diagnostics_channel` ("mxray:event"),
// where any tool in the process can subscribe without being passed in.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { TranscriptEvent } from './schema.js';

export type JobEvent =
  /** A host's probe moved to another phase ("STARTTLS", "done" …). */
  | { type: 'progress'; key: string; phase: string }
  /** Something was recorded on the wire. */
  | { type: 'transcript'; event: TranscriptEvent };

export type EventObserver = (event: JobEvent) => void;

export interface EventSink {
  emit(event: JobEvent): void;
}

export const EVENT_CHANNEL = 'mxray:event';
const channel = diagnosticsChannel.channel(EVENT_CHANNEL);

/**
 * Observers are called in order, synchronously; one that throws is a bug of the caller's that the
 * job reports as its own (internal-error), as it would any other.
 */
export function createEventSink(...observers: (EventObserver | undefined)[]): EventSink {
  const active = observers.filter((o): o is EventObserver => o !== undefined);
  return {
    emit(event) {
      for (const o of active) o(event);
      if (channel.hasSubscribers) channel.publish(event);
    },
  };
}
