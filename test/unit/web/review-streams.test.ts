// Review of `mxray serve` (issue 25): uploads and event streams over real loopback sockets, and the
// job table's memory. Each `it.fails` demonstrates a real problem; the comment names the fix.
// Traffic: 127.0.0.1 only; every server and socket started here is stopped by the test.
import { request as httpRequest, type ClientRequest } from 'node:http';
import { Type } from '@sinclair/typebox';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import type { Report } from '../../../src/core/schema.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { startWebServer, type WebServerOptions } from '../../../src/web/app.js';
import { asset } from '../../../src/web/assets.js';
import { JobManager } from '../../../src/web/jobs.js';
import { JOB_KINDS } from '../../../src/web/kinds/index.js';
import type { JobKind, WebEdges } from '../../../src/web/kinds/model.js';
import { EXCHANGE, explainText } from '../../helpers/explain.js';

const assets = { index: asset('<!doctype html><title>mxray</title>', 'text/html; charset=utf-8'), files: new Map() };

let sample: Report;
beforeAll(async () => {
  sample = await explainText(EXCHANGE, 'argument');
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const uploadKind: JobKind = {
  name: 'upload',
  title: 'Upload',
  params: Type.Object({ name: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
  upload: { maxBytes: 1000 },
  rerunnable: false,
  targetOf: (p: { name?: string }) => p.name ?? 'upload',
  async run(_p, ctx) {
    let bytes = 0;
    for await (const chunk of ctx.upload!.chunks) bytes += chunk.length;
    return { ...sample, target: `${bytes} bytes` };
  },
};

/** A kind that never ends by itself (until aborted). */
const waitingKind: JobKind = {
  name: 'waiting',
  title: 'Waiting',
  params: Type.Object({}, { additionalProperties: false }),
  rerunnable: false,
  targetOf: () => 'waiting.example',
  run: (_p, ctx) => new Promise<Report>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })),
};

async function running(options: Partial<WebServerOptions> = {}) {
  const store = await openSqliteStore(':memory:');
  const web = await startWebServer({ address: '127.0.0.1', port: 0, store, clock: systemClock, edges: { clock: systemClock } as WebEdges, publicMode: false, auth: null, assets, kinds: [...JOB_KINDS, uploadKind, waitingKind], ...options });
  cleanups.push(async () => {
    await web.stop();
    await store.close();
  });
  return web;
}

/** A raw request; resolves with the status (or the socket error's code) once the answer's head came. */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: (req: ClientRequest) => void): { req: ClientRequest; answer: Promise<{ status: number | null; error: string | null; body: Promise<string> }> } {
  let req!: ClientRequest;
  const answer = new Promise<{ status: number | null; error: string | null; body: Promise<string> }>((resolve) => {
    req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      const done = new Promise<string>((r) => {
        res.on('data', (c: string) => (text += c));
        res.on('end', () => r(text));
        res.on('close', () => r(text));
      });
      resolve({ status: res.statusCode ?? null, error: null, body: done });
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: null, error: err.code ?? err.message, body: Promise.resolve('') }));
  });
  cleanups.push(() => {
    req.destroy();
  });
  if (body) body(req);
  return { req, answer };
}

describe('review: stalled uploads', () => {
  // A client that starts an upload and then stalls holds its job slot for good: the upload is read
  // without any time limit (Fastify's requestTimeout is 0), the upload kinds read the stream without
  // looking at the abort signal, and cancelling the job does not release the slot (it is released
  // on job.finished, which waits for the stalled read). With --public's two slots per client and 32
  // in all, sixteen addresses stall the instance for everybody. Fix (src/web/app.ts): race every
  // upload read against context.signal (destroy request.raw on abort), set an idle timeout on the
  // upload (e.g. 30 s without a byte) and Fastify's requestTimeout; release the slot on cancel.
  it('a stalled upload, once cancelled, no longer holds the client\'s job slot', async () => {
    const web = await running({ limits: { runningPerClient: 1 } });
    const stalled = send(web.port, 'POST', '/api/v1/jobs/cert-file?name=a.pem', { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, (req) => {
      req.write('-----BEGIN CERTIFICATE-----\n');
    });
    // The job is running (its upload waits for more bytes).
    for (let i = 0; i < 200 && web.jobs.runningCount === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(web.jobs.runningCount).toBe(1);
    web.jobs.cancelAll();
    await new Promise((r) => setTimeout(r, 50));
    const next = await fetch(`${web.url}/api/v1/jobs/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: EXCHANGE }) });
    await next.body?.cancel();
    stalled.req.destroy();
    expect(next.status).toBe(202);
  });
});

describe('review: event streams per job', () => {
  // Nothing bounds the event streams open on one job (or per client): each holds a socket, a
  // listener, a 15 s timer and, since res.write() ignores back-pressure, up to the whole replay
  // (5,000 events × ~2 KB) in memory for a client that does not read. Fix (src/web/sse.ts /
  // app.ts): count streams per job and per client (e.g. 8 per job per client, 64 per client),
  // 429 beyond; stop writing (or drop the client) when res.write() returns false.
  it('refuses the 40th concurrent event stream one client opens on one job', async () => {
    const web = await running();
    const post = await fetch(`${web.url}/api/v1/jobs/waiting`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const { id } = (await post.json()) as { id: string };
    const statuses: (number | null)[] = [];
    for (let i = 0; i < 40; i++) {
      const { answer } = send(web.port, 'GET', `/api/v1/jobs/${id}/events`, {}, (req) => req.end());
      statuses.push((await answer).status);
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThan(40);
  });
});

describe('review: the job table\'s memory', () => {
  // A finished job keeps its whole event log (up to 5,500 events of up to ~2 KB each) as long as the
  // job is kept (500 of them): ~11 MB a job, gigabytes in all, from servers whose banners and
  // replies the requester chooses. Fix (src/web/jobs.ts): bound each EventLog by bytes (e.g. 1 MiB,
  // dropping the oldest like the count), and drop or shrink the log of a finished job after a short
  // grace (its report is in the store).
  it('keeps at most about a megabyte of events of a finished job', async () => {
    const store = await openSqliteStore(':memory:');
    cleanups.push(() => store.close());
    const chatty: JobKind = {
      name: 'chatty',
      title: 'Chatty',
      params: Type.Object({}),
      rerunnable: false,
      targetOf: () => 'chatty.example',
      async run(_p, ctx) {
        const text = 'x'.repeat(2000);
        for (let i = 0; i < 6000; i++) ctx.events.emit({ type: 'transcript', event: { seq: i, t: i, conn: 'mx1.chatty.example', kind: 'recv', text } });
        return sample;
      },
    };
    const jobs = new JobManager({ store, clock: systemClock, edgesFor: () => ({ clock: systemClock }) as WebEdges, publicMode: false, maxRunning: 4 });
    const job = jobs.start(chatty, {}, { owner: null, client: '127.0.0.1', upload: null, request: null });
    await job.finished;
    expect(job.status).toBe('done');
    const kept = job.log.since(0).events.reduce((n, e) => n + e.data.length, 0);
    expect(kept).toBeLessThan(1024 * 1024);
  });
});
