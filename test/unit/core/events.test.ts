// The event sink: the observers given, in order, and node:diagnostics_channel "mxray:event".
import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { createEventSink, EVENT_CHANNEL, type JobEvent } from '../../../src/core/events.js';

const progress: JobEvent = { type: 'progress', key: 'mx.example.test[192.0.2.1]:25', phase: 'STARTTLS' };

describe('createEventSink', () => {
  it('hands each event to every observer given, in order, and skips the ones left out (undefined)', () => {
    const calls: string[] = [];
    const sink = createEventSink(undefined, (e) => calls.push(`a:${e.type}`), undefined, (e) => calls.push(`b:${e.type}`));
    sink.emit(progress);
    sink.emit({ type: 'transcript', event: { seq: 0, t: 0, conn: 'dns', kind: 'note', text: 'x' } });
    expect(calls).toEqual(['a:progress', 'b:progress', 'a:transcript', 'b:transcript']);
  });

  it('with no observer at all (only undefined ones), emitting is harmless', () => {
    expect(() => createEventSink(undefined).emit(progress)).not.toThrow();
    expect(() => createEventSink().emit(progress)).not.toThrow();
  });

  it('publishes every event on the "mxray:event" diagnostics channel to whoever subscribed', () => {
    const seen: unknown[] = [];
    const listener = (message: unknown) => seen.push(message);
    diagnosticsChannel.subscribe(EVENT_CHANNEL, listener);
    try {
      createEventSink().emit(progress);
    } finally {
      diagnosticsChannel.unsubscribe(EVENT_CHANNEL, listener);
    }
    createEventSink().emit(progress);
    expect(seen).toEqual([progress]);
  });
});
