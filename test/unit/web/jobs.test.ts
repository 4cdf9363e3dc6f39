// The web server's job table and event log: replay after Last-Event-ID, bounds, the end of a job,
// cancellation, and the report kept in the store with its meta.
import { Type } from '@sinclair/typebox';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import { UsageError } from '../../../src/core/errors.js';
import type { Report } from '../../../src/core/schema.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { EventLog, JobManager, PublicModeRefusal, TooManyJobsError } from '../../../src/web/jobs.js';
import type { JobKind, WebEdges } from '../../../src/web/kinds/model.js';
import { compareReports } from '../../../src/web/app.js';
import { EXCHANGE, explainText } from '../../helpers/explain.js';

describe('EventLog', () => {
  it('replays the events after a given id, then only new ones', () => {
    const log = new EventLog(100);
    for (let i = 0; i < 5; i++) log.push('progress', { i });
    expect(log.since(0).events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(log.since(3).events.map((e) => e.id)).toEqual([4, 5]);
    expect(log.since(3).reset).toBe(false);
    expect(log.since(5).events).toEqual([]);
  });

  it('drops the oldest events past its bound and says so to a client that missed them', () => {
    const log = new EventLog(10);
    for (let i = 0; i < 50; i++) log.push('transcript', { i });
    expect(log.size).toBeLessThanOrEqual(11);
    const replay = log.since(0);
    expect(replay.reset).toBe(true);
    expect(replay.events.at(-1)?.id).toBe(50);
    // A client that saw everything up to the last kept event needs no reset.
    const first = replay.events[0]!.id;
    expect(log.since(first - 1).reset).toBe(false);
    expect(log.since(first - 2).reset).toBe(true);
  });

  it('tells listeners the last event with closed already set, then nothing more', () => {
    const log = new EventLog();
    const seen: { event: string; closed: boolean }[] = [];
    log.subscribe((e) => seen.push({ event: e.event, closed: log.closed }));
    log.push('progress', {});
    log.close('done', { reportId: 'x' });
    log.push('progress', {});
    expect(seen).toEqual([
      { event: 'progress', closed: false },
      { event: 'done', closed: true },
    ]);
    expect(log.since(0).events.map((e) => e.event)).toEqual(['progress', 'done']);
  });

  it('keeps the data one JSON line: a CR or LF from a server cannot break the event stream', () => {
    const log = new EventLog();
    log.push('transcript', { text: 'a\r\ndata: forged\n\nevent: done' });
    const data = log.since(0).events[0]!.data;
    expect(data).not.toMatch(/[\r\n]/);
    expect(JSON.parse(data)).toEqual({ text: 'a\r\ndata: forged\n\nevent: done' });
  });
});

let base: Report;
beforeAll(async () => {
  base = await explainText(EXCHANGE, 'argument');
});

function report(verdict: Report['verdict'], findings: { id: string; severity: string; title?: string; hosts?: string[] }[] = []): Report {
  return { ...base, verdict, findings: findings.map((f) => ({ ...base.findings[0]!, id: f.id, severity: f.severity as never, title: f.title ?? f.id, hosts: f.hosts ?? [] })) } as Report;
}

const stores: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

describe('JobManager', () => {
  const edges = { clock: fixedClock(0) } as unknown as WebEdges;
  const kind = (run: JobKind['run'], extra: Partial<JobKind> = {}): JobKind => ({ name: 'test', title: 'Test', params: Type.Object({}), rerunnable: true, targetOf: () => 'example.test', run, ...extra });

  async function manager(options: { maxRunning?: number; publicMode?: boolean } = {}) {
    const store = await openSqliteStore(':memory:');
    stores.push(store);
    const clock = fixedClock(Date.parse('2026-11-30T08:00:00Z'));
    const errors: Error[] = [];
    const jobs = new JobManager({ store, clock, edgesFor: () => edges, publicMode: options.publicMode ?? false, maxRunning: options.maxRunning ?? 4, onError: (e) => errors.push(e) });
    return { store, jobs, errors, clock };
  }

  it('runs a job, streams its events, stores its report and ends with done', async () => {
    const { store, jobs } = await manager();
    const job = jobs.start(
      kind(async (_p, ctx) => {
        ctx.events.emit({ type: 'progress', key: 'mx1.example.test', phase: 'STARTTLS' });
        ctx.events.emit({ type: 'transcript', event: { seq: 0, t: 1, conn: 'mx1', kind: 'recv', text: '220 hi\u202e' } });
        return report('fail');
      }),
      {},
      { owner: 'alice', client: '127.0.0.1', upload: null, request: '{"kind":"test","params":{}}' },
    );
    await job.finished;
    expect(job.status).toBe('done');
    expect(job.verdict).toBe('fail');
    const events = job.log.since(0).events;
    expect(events.map((e) => e.event)).toEqual(['status', 'progress', 'transcript', 'done']);
    // Bidi controls from a server are made visible before they reach a page.
    expect(JSON.parse(events[2]!.data).text).not.toContain('\u202e');
    expect(JSON.parse(events[3]!.data).reportId).toBe(job.reportId);
    const stored = await store.getReport(job.reportId!);
    expect(stored?.meta).toMatchObject({ kind: 'explain', verdict: 'fail', owner: 'alice', request: '{"kind":"test","params":{}}' });
    expect(JSON.parse(stored!.report).verdict).toBe('fail');
  });

  it('a job that throws our own error fails without its message; a usage error says why', async () => {
    const { jobs, errors } = await manager();
    const bug = jobs.start(kind(async () => Promise.reject(new Error('secret internals\nstack'))), {}, { owner: null, client: 'c', upload: null, request: null });
    await bug.finished;
    expect(bug.status).toBe('failed');
    expect(bug.error).not.toContain('secret');
    expect(errors.map((e) => e.message)).toEqual(['secret internals\nstack']);
    const usage = jobs.start(kind(async () => Promise.reject(new UsageError('say what to test'))), {}, { owner: null, client: 'c', upload: null, request: null });
    await usage.finished;
    expect(usage.error).toBe('say what to test');
    expect(usage.log.since(0).events.at(-1)?.event).toBe('failed');
  });

  it('caps the jobs running at once', async () => {
    const { jobs } = await manager({ maxRunning: 2 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = kind(async () => {
      await gate;
      return report('pass');
    });
    const a = jobs.start(slow, {}, { owner: null, client: 'c', upload: null, request: null });
    const b = jobs.start(slow, {}, { owner: null, client: 'c', upload: null, request: null });
    expect(() => jobs.start(slow, {}, { owner: null, client: 'c', upload: null, request: null })).toThrow(TooManyJobsError);
    expect(jobs.runningCount).toBe(2);
    release();
    await Promise.all([a.finished, b.finished]);
    expect(jobs.runningCount).toBe(0);
    // A slot freed is a slot to use again.
    const c = jobs.start(slow, {}, { owner: null, client: 'c', upload: null, request: null });
    await c.finished;
    expect(c.status).toBe('done');
  });

  it('cancel aborts the job and ends its stream; its late report is not stored', async () => {
    const { jobs, store } = await manager();
    let seenSignal: AbortSignal | null = null;
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    const job = jobs.start(
      kind(async (_p, ctx) => {
        seenSignal = ctx.signal;
        await gate;
        return report('pass');
      }),
      {},
      { owner: null, client: 'c', upload: null, request: null },
    );
    expect(jobs.cancel(job.id)).toBe(true);
    expect(seenSignal!.aborted).toBe(true);
    expect(job.log.closed).toBe(true);
    finish();
    await job.finished;
    expect(job.status).toBe('cancelled');
    expect(job.reportId).toBeNull();
    expect(await store.countReports({})).toBe(0);
    expect(jobs.cancel(job.id)).toBe(false);
  });

  it('in public mode refuses resolver and connect, and what the kind forbids', async () => {
    const { jobs } = await manager({ publicMode: true });
    const k = kind(async () => report('pass'), { publicProblem: (p: { count?: number }) => ((p.count ?? 1) > 1 ? 'a public instance sends one message at a time' : null) } as Partial<JobKind>);
    const opts = { owner: null, client: 'c', upload: null, request: null };
    expect(() => jobs.start(k, { resolver: '127.0.0.1' }, opts)).toThrow(PublicModeRefusal);
    expect(() => jobs.start(k, { resolver: '127.0.0.1' }, opts)).toThrow(/public/);
    expect(() => jobs.start(k, { connect: ['a=127.0.0.1'] }, opts)).toThrow(/public/);
    expect(() => jobs.start(k, { count: 5 }, opts)).toThrow(/one message/);
    // Obvious refusals before any job: a private literal, localhost, a port public mode does not test.
    expect(() => jobs.start(k, { target: '10.0.0.1' }, opts)).toThrow(/public mode does not test 10\.0\.0\.1/);
    expect(() => jobs.start(k, { host: 'localhost' }, opts)).toThrow(/public mode does not test localhost/);
    expect(() => jobs.start(k, { target: 'example.com', port: 8025 }, opts)).toThrow(/not 8025/);
    const ok = jobs.start(k, { count: 1 }, opts);
    await ok.finished;
    expect(ok.status).toBe('done');
  });
});

describe('compareReports', () => {
  it('names the findings added, removed and changed, and both verdicts', () => {
    const a = report('fail', [
      { id: 'tls.expired', severity: 'error', hosts: ['mx1'] },
      { id: 'tls.ok', severity: 'ok' },
      { id: 'dns.thing', severity: 'warning', hosts: ['mx1'] },
    ]);
    const b = report('pass', [
      { id: 'tls.ok', severity: 'ok' },
      { id: 'dns.thing', severity: 'warning', hosts: ['mx1', 'mx2'] },
      { id: 'mta-sts.good', severity: 'ok' },
    ]);
    const diff = compareReports(a, b);
    expect(diff.verdict).toEqual({ a: 'fail', b: 'pass' });
    expect(diff.added.map((f) => f.id)).toEqual(['mta-sts.good']);
    expect(diff.removed.map((f) => f.id)).toEqual(['tls.expired']);
    expect(diff.changed.map((c) => c.id)).toEqual(['dns.thing']);
    expect(compareReports(a, a)).toMatchObject({ added: [], removed: [], changed: [] });
  });
});
