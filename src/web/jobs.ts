// The web server's jobs: each request to run a kind becomes a job with an id, a status and a log of
// its events (progress, transcript lines, the end), which the SSE stream replays from any event id
// (`Last-Event-ID`) and then follows live. A finished job's report goes into the ReportStore under
// a new unguessable id. Everything is bounded: jobs kept, events per job, jobs running at once.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import { createEventSink, type JobEvent } from '../core/events.js';
import type { ReportStore } from '../core/report-store.js';
import type { Report } from '../core/schema.js';
import { neutralise } from '../core/transcript.js';
import type { JobContext, JobKind, WebEdges } from './kinds/model.js';
import { targetProblem } from './guard.js';
import { indexReport } from './report-meta.js';

/** Events a job keeps for replay; older ones are dropped (a client resuming past them gets `reset`). */
export const MAX_EVENTS_PER_JOB = 5000;
/** …and bytes: a server that sends long lines cannot make a job hold more (a finished job keeps a quarter). */
export const MAX_EVENT_BYTES_PER_JOB = 1024 * 1024;
/** Finished jobs kept in memory (their reports are in the store for good). */
export const MAX_JOBS_KEPT = 500;
/** Longest transcript text sent to the page. */
const MAX_EVENT_TEXT = 2000;

export type JobStatus = 'running' | 'done' | 'failed' | 'cancelled';

export interface LoggedEvent {
  id: number;
  event: string;
  data: string;
}

/** A job's events in order, bounded, with listeners for the live stream. */
export class EventLog {
  private entries: LoggedEvent[] = [];
  private bytes = 0;
  private nextId = 1;
  private readonly listeners = new Set<(e: LoggedEvent) => void>();
  closed = false;

  constructor(
    private readonly max = MAX_EVENTS_PER_JOB,
    private readonly maxBytes = MAX_EVENT_BYTES_PER_JOB,
  ) {}

  push(event: string, data: unknown): void {
    if (this.closed) return;
    this.append(event, data);
  }

  /** The last event: listeners see `closed` already true when it reaches them (they end their streams). */
  close(event: string, data: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.append(event, data);
    this.listeners.clear();
    // Whoever follows the job has had it; a late reader is told `reset` and reads the report.
    this.trim(this.max, Math.floor(this.maxBytes / 4));
  }

  private append(event: string, data: unknown): void {
    const entry = { id: this.nextId++, event, data: JSON.stringify(data) };
    this.entries.push(entry);
    this.bytes += entry.data.length;
    // Dropped in blocks, so a long job does not shift the array at every event.
    if (this.entries.length > this.max + Math.ceil(this.max / 10) || this.bytes > this.maxBytes) this.trim(this.max, Math.floor((this.maxBytes * 9) / 10));
    for (const listener of [...this.listeners]) listener(entry);
  }

  /** Keeps the newest events within `count` and `bytes` (the last one always). */
  private trim(count: number, bytes: number): void {
    let drop = Math.max(0, this.entries.length - count);
    let kept = this.bytes;
    for (let i = 0; i < drop; i++) kept -= this.entries[i]!.data.length;
    while (kept > bytes && drop < this.entries.length - 1) kept -= this.entries[drop++]!.data.length;
    if (drop === 0) return;
    this.entries = this.entries.slice(drop);
    this.bytes = kept;
  }

  /** The bytes of event data kept. */
  get byteSize(): number {
    return this.bytes;
  }

  /** The events after `lastId`; `reset`: some of them were dropped already. */
  since(lastId: number): { reset: boolean; events: LoggedEvent[] } {
    const first = this.entries[0]?.id ?? this.nextId;
    const events = this.entries.filter((e) => e.id > lastId);
    return { reset: lastId + 1 < first, events };
  }

  subscribe(listener: (e: LoggedEvent) => void): () => void {
    if (this.closed) return () => undefined;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.entries.length;
  }
}

export interface Job {
  id: string;
  kind: string;
  target: string;
  status: JobStatus;
  startedAt: string;
  finishedAt: string | null;
  reportId: string | null;
  verdict: string | null;
  error: string | null;
  owner: string | null;
  /** The client address that started it (rate limits, job caps). */
  client: string;
  readonly log: EventLog;
  readonly abort: AbortController;
  /** Resolves when the job ended, whichever way. */
  readonly finished: Promise<void>;
}

/** What GET /api/v1/jobs/:id shows. */
export function jobView(job: Job) {
  const { id, kind, target, status, startedAt, finishedAt, reportId, verdict, error } = job;
  return { id, kind, target, status, startedAt, finishedAt, reportId, verdict, error, events: `/api/v1/jobs/${id}/events`, job: `/api/v1/jobs/${id}` };
}

/** 128 random bits, base64url: a job's or a report's unguessable id. */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}

export const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export interface JobManagerOptions {
  store: ReportStore;
  clock: Clock;
  /** The edges for one request (the server's, or built for the request's resolver/connect). */
  edgesFor(params: { resolver?: string; connect?: string[] }): WebEdges;
  publicMode: boolean;
  /** Jobs running at once in the whole server. */
  maxRunning: number;
  /** Our own failures (a store that fails, a bug), for the operator's log. */
  onError?(error: Error): void;
}

/** What public mode refuses in a request (a forbidden option, a non-public target): the server's 403, not a bad request. */
export class PublicModeRefusal extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'PublicModeRefusal';
  }
}

export class TooManyJobsError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many jobs are running; try again shortly');
    this.name = 'TooManyJobsError';
  }
}

export interface StartOptions {
  owner: string | null;
  client: string;
  upload: JobContext['upload'];
  /** The request as History keeps it for "re-run" (null: not rerunnable). */
  request: string | null;
}

/** An obviously refused target (a private IP literal, localhost, a port public mode does not test), before a job starts. */
function targetsProblem(p: { target?: unknown; host?: unknown; port?: unknown }): string | null {
  const port = typeof p.port === 'number' ? p.port : undefined;
  for (const value of [p.target, p.host]) {
    if (typeof value !== 'string' || !value) continue;
    const problem = targetProblem(value, port);
    if (problem) return problem;
  }
  return null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A one-line message of an error a job threw, for the page (never a stack). */
function errorLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return neutralise(text.split('\n', 1)[0] ?? '').slice(0, 500);
}

export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private running = 0;

  constructor(private readonly options: JobManagerOptions) {}

  get runningCount(): number {
    return this.running;
  }

  get(id: string): Job | null {
    return this.jobs.get(id) ?? null;
  }

  /**
   * Starts a job of `kind` with parameters already validated against its schema. Throws
   * UsageError for what the parameters cannot ask (public mode), TooManyJobsError at the cap.
   */
  start<P>(kind: JobKind, params: P, options: StartOptions): Job {
    if (this.options.publicMode) {
      const edgeParams = params as { resolver?: unknown; connect?: unknown[] };
      if (edgeParams.resolver !== undefined || (edgeParams.connect?.length ?? 0) > 0) throw new PublicModeRefusal('a public instance does not take resolver or connect: it tests what the internet sees');
      const problem = kind.publicProblem?.(params as never) ?? targetsProblem(params as { target?: unknown; host?: unknown; port?: unknown });
      if (problem) throw new PublicModeRefusal(problem);
    }
    if (this.running >= this.options.maxRunning) throw new TooManyJobsError(5);
    // Built before the job counts: a bad resolver or connect is the caller's 400, not a failed job.
    const edges = this.options.edgesFor(params as { resolver?: string; connect?: string[] });
    const abort = new AbortController();
    const log = new EventLog();
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const job: Job = {
      id: newId(),
      kind: kind.name,
      target: kind.targetOf(params as never).slice(0, 500),
      status: 'running',
      startedAt: iso(this.options.clock.now()),
      finishedAt: null,
      reportId: null,
      verdict: null,
      error: null,
      owner: options.owner,
      client: options.client,
      log,
      abort,
      finished,
    };
    this.remember(job);
    this.running++;
    log.push('status', { status: 'running' });
    const events = createEventSink((event: JobEvent) => {
      if (event.type === 'progress') log.push('progress', { key: neutralise(event.key).slice(0, 300), phase: neutralise(event.phase).slice(0, 100) });
      else {
        const e = event.event;
        log.push('transcript', { seq: e.seq, t: e.t, conn: neutralise(e.conn).slice(0, 300), kind: e.kind, text: neutralise(e.text).slice(0, MAX_EVENT_TEXT) });
      }
    });
    const context: JobContext = { edges, signal: abort.signal, events, publicMode: this.options.publicMode, upload: options.upload };
    void (async () => {
      try {
        const report = await kind.run(params as never, context);
        if (abort.signal.aborted && job.status === 'cancelled') return;
        await this.store(job, report, options.request);
        // Cancelled while the report was being written: the page was told so; the report stays in History.
        if (job.status === 'cancelled') return;
        job.status = 'done';
        job.verdict = report.verdict;
        log.close('done', { reportId: job.reportId, verdict: report.verdict });
      } catch (error) {
        if (job.status === 'cancelled') return;
        job.status = 'failed';
        job.error = error instanceof UsageError ? errorLine(error) : 'the job failed (an internal error of mxray; the operator\'s log has the detail)';
        if (!(error instanceof UsageError)) this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
        log.close('failed', { error: job.error });
      } finally {
        job.finishedAt = iso(this.options.clock.now());
        this.running--;
        finish();
      }
    })();
    return job;
  }

  /** Stops a running job; its page is told. False when it had ended already. */
  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job.status !== 'running') return false;
    job.status = 'cancelled';
    job.abort.abort();
    job.log.close('failed', { error: 'cancelled' });
    return true;
  }

  /** Stops every running job (the server is stopping). */
  cancelAll(): void {
    for (const job of this.jobs.values()) if (job.status === 'running') this.cancel(job.id);
  }

  /** Waits for a job to end, at most `ms` (on the injected clock). */
  async wait(job: Job, ms: number): Promise<void> {
    if (job.status !== 'running' || ms <= 0) return;
    const stop = new AbortController();
    await Promise.race([job.finished, this.options.clock.sleep(ms, stop.signal)]);
    stop.abort();
  }

  private async store(job: Job, report: Report, request: string | null): Promise<void> {
    const json = JSON.stringify(report);
    const id = newId();
    const { meta, certificates } = indexReport(report, json, { id, storedAt: iso(this.options.clock.now()), owner: job.owner, request });
    await this.options.store.addReport(meta, json, certificates);
    job.reportId = id;
  }

  private remember(job: Job): void {
    this.jobs.set(job.id, job);
    if (this.jobs.size <= MAX_JOBS_KEPT) return;
    // The oldest finished job goes; running ones stay (their count is capped by maxRunning).
    for (const [id, old] of this.jobs) {
      if (old.status !== 'running') {
        this.jobs.delete(id);
        break;
      }
    }
  }
}
