// A job's events as Server-Sent Events: what happened so far (after `Last-Event-ID`), then live
// until the job ends. A comment line every `heartbeatMs` keeps proxies and browsers from timing the
// stream out; `X-Accel-Buffering: no` stops nginx from holding the events back.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventLog, LoggedEvent } from './jobs.js';

export const HEARTBEAT_MS = 15_000;
/** Streams open at once on one job: a page or two per person, not thousands from one client. */
export const MAX_STREAMS_PER_JOB = 16;
/** A client that does not read is dropped once this much waits for it (the replay is at most MAX_EVENT_BYTES_PER_JOB). */
const MAX_UNREAD_BYTES = 2 * 1024 * 1024;

const open = new WeakMap<EventLog, number>();

/** Whether another stream may be opened on this job's events. */
export function streamAllowed(log: EventLog): boolean {
  return (open.get(log) ?? 0) < MAX_STREAMS_PER_JOB;
}

/** The client's last event id: the `Last-Event-ID` header (EventSource's reconnect) or `?lastEventId=` (a fresh page). */
export function lastEventIdOf(request: FastifyRequest): number {
  const header = request.headers['last-event-id'];
  const query = (request.query as { lastEventId?: unknown } | undefined)?.lastEventId;
  const text = typeof header === 'string' ? header : typeof query === 'string' ? query : '';
  return /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : 0;
}

/** One event in the wire format (the data is JSON: one line, no CR or LF in it). */
export function frame(e: LoggedEvent): string {
  return `id: ${e.id}\nevent: ${e.event}\ndata: ${e.data}\n\n`;
}

export function streamEvents(request: FastifyRequest, reply: FastifyReply, log: EventLog, headers: Record<string, string>, heartbeatMs = HEARTBEAT_MS): void {
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  });
  // How long the browser waits before reconnecting after a dropped stream.
  res.write('retry: 3000\n\n');
  const { reset, events } = log.since(lastEventIdOf(request));
  if (reset) res.write(`event: reset\ndata: {"reason":"older events were dropped"}\n\n`);
  for (const e of events) res.write(frame(e));
  if (log.closed) {
    res.end();
    return;
  }
  open.set(log, (open.get(log) ?? 0) + 1);
  let stopped = false;
  const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(heartbeat);
    unsubscribe();
    open.set(log, Math.max(0, (open.get(log) ?? 1) - 1));
    request.raw.socket.off('close', stop);
  };
  const unsubscribe = log.subscribe((e) => {
    res.write(frame(e));
    if (log.closed) {
      stop();
      res.end();
    } else if (res.writableLength > MAX_UNREAD_BYTES) {
      // A client that does not read: dropped, not buffered for.
      stop();
      res.destroy();
    }
  });
  // The job ended between the replay and the subscription: nothing more will come.
  if (log.closed) {
    stop();
    res.end();
    return;
  }
  request.raw.socket.once('close', stop);
}
