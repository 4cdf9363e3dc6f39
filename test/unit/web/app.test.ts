// `mxray serve`'s HTTP layer: the guards every request passes (Host, Origin, body type, CSP), the
// job API with its event stream (replay by Last-Event-ID, heartbeat, proxy header), the report
// endpoints (JSON, downloads, the page's view, re-run, compare), History's rights and paging.
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../../src/core/clock.js';
import { UsageError } from '../../../src/core/errors.js';
import type { Report } from '../../../src/core/schema.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { buildWebServer, startWebServer, type WebServerOptions } from '../../../src/web/app.js';
import { asset } from '../../../src/web/assets.js';
import { JOB_KINDS } from '../../../src/web/kinds/index.js';
import type { JobKind, WebEdges } from '../../../src/web/kinds/model.js';
import { EXCHANGE, explainText } from '../../helpers/explain.js';

const HOST = '127.0.0.1:8025';
const assets = {
  index: asset('<!doctype html><title>mxray</title><script src="/assets/app.js"></script>', 'text/html; charset=utf-8'),
  files: new Map([['app.js', asset('console.log(1)', 'text/javascript; charset=utf-8')]]),
};

let sample: Report;
beforeAll(async () => {
  sample = await explainText(EXCHANGE, 'argument');
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A kind that emits `steps` transcript events, one per `gate` release, then returns the sample report. */
function steppedKind(name = 'stepped') {
  const waiters: (() => void)[] = [];
  const kind: JobKind = {
    name,
    title: 'Stepped',
    params: Type.Object({ steps: Type.Integer({ minimum: 0, maximum: 50 }), text: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
    rerunnable: true,
    targetOf: () => 'stepped.example',
    async run(p: { steps: number; text?: string }, ctx) {
      for (let i = 0; i < p.steps; i++) {
        await new Promise<void>((r) => waiters.push(r));
        ctx.events.emit({ type: 'transcript', event: { seq: i, t: i, conn: 'mx1', kind: 'recv', text: p.text ?? `line ${i}` } });
      }
      return sample;
    },
  };
  return {
    kind,
    step: async () => {
      while (waiters.length === 0) await new Promise((r) => setTimeout(r, 2));
      waiters.shift()!();
    },
  };
}

const uploadKind: JobKind = {
  name: 'upload',
  title: 'Upload',
  params: Type.Object({ name: Type.Optional(Type.String({ maxLength: 100 })), password: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
  upload: { maxBytes: 1000 },
  rerunnable: false,
  targetOf: (p: { name?: string }) => p.name ?? 'upload',
  async run(p: { password?: string }, ctx) {
    let bytes = 0;
    for await (const chunk of ctx.upload!.chunks) bytes += chunk.length;
    if (bytes === 0) throw new UsageError('the upload is empty');
    return { ...sample, target: `${bytes} bytes${p.password === 's3cret' ? ', the password given' : ''}` };
  },
};

async function server(options: Partial<WebServerOptions> = {}) {
  const store = await openSqliteStore(':memory:');
  const web = await buildWebServer({ store, clock: systemClock, edges: { clock: systemClock } as WebEdges, publicMode: false, auth: null, assets, kinds: [...JOB_KINDS, uploadKind], ...options });
  web.listening('127.0.0.1', 8025);
  cleanups.push(async () => {
    web.jobs.cancelAll();
    await web.app.close();
    await store.close();
  });
  return { ...web, store };
}

const json = { host: HOST, 'content-type': 'application/json' };

describe('every request', () => {
  it('must name this server in Host (DNS rebinding) and come from its own origin', async () => {
    const { app } = await server();
    expect((await app.inject({ url: '/', headers: { host: 'evil.example:8025' } })).statusCode).toBe(421);
    expect((await app.inject({ url: '/api/v1/session', headers: { host: 'rebound.attacker.test' } })).statusCode).toBe(421);
    expect((await app.inject({ url: '/', headers: { host: HOST } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/', headers: { host: 'localhost:8025' } })).statusCode).toBe(200);
    const cross = await app.inject({ method: 'POST', url: '/api/v1/jobs/explain', headers: { ...json, origin: 'http://evil.example' }, payload: { text: EXCHANGE } });
    expect(cross.statusCode).toBe(403);
    const nullOrigin = await app.inject({ method: 'POST', url: '/api/v1/jobs/explain', headers: { ...json, origin: 'null' }, payload: { text: EXCHANGE } });
    expect(nullOrigin.statusCode).toBe(403);
    const same = await app.inject({ method: 'POST', url: '/api/v1/jobs/explain', headers: { ...json, origin: `http://${HOST}` }, payload: { text: EXCHANGE } });
    expect(same.statusCode).toBeLessThan(300);
  });

  it('refuses a body a cross-site form could send (text/plain, urlencoded, multipart)', async () => {
    const { app } = await server();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/jobs/explain', headers: { host: HOST, 'content-type': type }, payload: '{"text":"x"}' });
      expect(r.statusCode, type).toBe(415);
    }
  });

  it('carries a strict Content-Security-Policy and serves the page shell only for page paths', async () => {
    const { app } = await server();
    for (const path of ['/', '/check', '/history', '/reports/AAAAAAAAAAAAAAAAAAAAAA', '/compare/AAAAAAAAAAAAAAAAAAAAAA/BBBBBBBBBBBBBBBBBBBBBB']) {
      const r = await app.inject({ url: path, headers: { host: HOST } });
      expect(r.statusCode, path).toBe(200);
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
      expect(r.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
      expect(r.headers['x-frame-options']).toBe('DENY');
    }
    expect((await app.inject({ url: '/reports/../../etc/passwd', headers: { host: HOST } })).statusCode).toBe(404);
    expect((await app.inject({ url: '/nope', headers: { host: HOST } })).statusCode).toBe(404);
    const js = await app.inject({ url: '/assets/app.js', headers: { host: HOST } });
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect((await app.inject({ url: '/assets/app.js', headers: { host: HOST, 'if-none-match': String(js.headers.etag) } })).statusCode).toBe(304);
    expect((await app.inject({ url: '/assets/report.css', headers: { host: HOST } })).body).toContain('.verdict');
    expect((await app.inject({ url: '/assets/../package.json', headers: { host: HOST } })).statusCode).toBe(404);
  });
});

describe('jobs and reports', () => {
  it('runs a job, keeps its report, and serves it as JSON, HTML, Markdown and the page view', async () => {
    const { app } = await server();
    const started = await app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=10', headers: json, payload: { text: `${EXCHANGE} <script>alert(1)</script>` } });
    expect(started.statusCode).toBe(200);
    const job = started.json();
    expect(job).toMatchObject({ kind: 'explain', status: 'done' });
    const id = job.reportId as string;
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const report = await app.inject({ url: `/api/v1/reports/${id}`, headers: { host: HOST } });
    expect(report.json().kind).toBe('explain');
    const html = await app.inject({ url: `/api/v1/reports/${id}.html`, headers: { host: HOST } });
    expect(html.headers['content-security-policy']).toContain('sandbox');
    expect(html.headers['content-disposition']).toMatch(/^attachment; filename="mxray-explain-[A-Za-z0-9._-]+\.html"$/);
    expect(html.body).not.toContain('<script>');
    expect((await app.inject({ url: `/api/v1/reports/${id}.md`, headers: { host: HOST } })).headers['content-type']).toMatch(/markdown/);
    const view = (await app.inject({ url: `/api/v1/reports/${id}/view`, headers: { host: HOST } })).json();
    expect(view.meta.id).toBe(id);
    expect(view.html).toContain('class="verdict');
    expect(view.html).not.toContain('<script>');
    expect(view.html).toContain('&lt;script&gt;');
    expect((await app.inject({ url: '/api/v1/reports/AAAAAAAAAAAAAAAAAAAAAA', headers: { host: HOST } })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/v1/reports/short', headers: { host: HOST } })).statusCode).toBe(404);
  });

  it('refuses parameters the kind does not take, with the field in one line', async () => {
    const { app } = await server();
    const r = await app.inject({ method: 'POST', url: '/api/v1/jobs/explain', headers: json, payload: { text: 'x', evil: 1 } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatch(/evil|propert/i);
    expect((await app.inject({ method: 'POST', url: '/api/v1/jobs/nosuch', headers: json, payload: {} })).statusCode).toBe(404);
  });

  it('streams the events live, replays after Last-Event-ID, sends heartbeats and the proxy header', async () => {
    const { kind, step } = steppedKind();
    const store = await openSqliteStore(':memory:');
    const web = await startWebServer({ address: '127.0.0.1', port: 0, store, clock: systemClock, edges: { clock: systemClock } as WebEdges, publicMode: false, auth: null, assets, kinds: [kind], heartbeatMs: 20 });
    cleanups.push(async () => {
      await web.stop();
      await store.close();
    });
    const host = `127.0.0.1:${web.port}`;
    const post = await fetch(`${web.url}/api/v1/jobs/stepped`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ steps: 3, text: 'evil\r\nevent: done\r\n' }) });
    expect(post.status).toBe(202);
    const { id } = (await post.json()) as { id: string };
    const read = (lastEventId: string | null) =>
      new Promise<{ headers: Record<string, unknown>; text: () => string; close: () => void; until: (re: RegExp) => Promise<void> }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: web.port, path: `/api/v1/jobs/${id}/events`, headers: { host, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) } }, (res) => {
          let body = '';
          const waits: { re: RegExp; done: () => void }[] = [];
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
            for (const w of waits.splice(0)) if (w.re.test(body)) w.done();
            else waits.push(w);
          });
          resolve({
            headers: res.headers,
            text: () => body,
            close: () => req.destroy(),
            until: (re) => (re.test(body) ? Promise.resolve() : new Promise<void>((done) => waits.push({ re, done }))),
          });
        });
        req.on('error', reject);
        req.end();
      });
    const first = await read(null);
    expect(first.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(first.headers['x-accel-buffering']).toBe('no');
    await step();
    await first.until(/event: transcript/);
    await first.until(/^: ping$/m);
    first.close();
    // The injected CR LF stays inside one JSON data line.
    expect(first.text()).not.toMatch(/^event: done/m);
    const lastId = Math.max(...[...first.text().matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])));
    await step();
    await step();
    const second = await read(String(lastId));
    await second.until(/event: done/);
    const ids = [...second.text().matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(Math.min(...ids)).toBe(lastId + 1);
    expect(second.text().match(/event: transcript/g)).toHaveLength(2);
    expect(second.text()).toMatch(/event: done\ndata: \{"reportId":"[A-Za-z0-9_-]{22}"/);
  });

  it('re-runs a report from its request, and compares it with the previous run', async () => {
    const { app } = await server();
    const a = (await app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=10', headers: json, payload: { text: EXCHANGE } })).json();
    const rerun = await app.inject({ method: 'POST', url: `/api/v1/reports/${a.reportId}/rerun?wait=10`, headers: json, payload: {} });
    expect(rerun.statusCode).toBe(200);
    const b = rerun.json();
    expect(b.reportId).not.toBe(a.reportId);
    const view = (await app.inject({ url: `/api/v1/reports/${b.reportId}/view`, headers: { host: HOST } })).json();
    expect(view.previousId).toBe(a.reportId);
    const diff = (await app.inject({ url: `/api/v1/reports/${a.reportId}/compare/${b.reportId}`, headers: { host: HOST } })).json();
    expect(diff).toMatchObject({ verdict: { a: b.verdict, b: b.verdict }, added: [], removed: [], changed: [] });
  });

  it('takes an upload as a stream, capped, and does not keep it for re-run', async () => {
    const { app } = await server();
    const ok = await app.inject({ method: 'POST', url: '/api/v1/jobs/upload?name=a.log&wait=10', headers: { host: HOST, 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(600, 65) });
    expect(ok.statusCode).toBe(200);
    const meta = (await app.inject({ url: `/api/v1/reports/${ok.json().reportId}/view`, headers: { host: HOST } })).json().meta;
    expect(meta.request).toBe(false);
    const rerun = await app.inject({ method: 'POST', url: `/api/v1/reports/${ok.json().reportId}/rerun`, headers: json, payload: {} });
    expect(rerun.statusCode).toBe(409);
    // A password comes in a header, never in the URL.
    const pfx = await app.inject({ method: 'POST', url: '/api/v1/jobs/upload?wait=10', headers: { host: HOST, 'content-type': 'application/octet-stream', 'x-mxray-password': 's3cret' }, payload: Buffer.alloc(10, 65) });
    expect(pfx.json().target).toBe('upload');
    const withPassword = (await app.inject({ url: `/api/v1/reports/${pfx.json().reportId}`, headers: { host: HOST } })).json();
    expect(withPassword.target).toBe('10 bytes, the password given');
    const big = await app.inject({ method: 'POST', url: '/api/v1/jobs/upload', headers: { host: HOST, 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(1001, 65) });
    expect(big.statusCode).toBe(413);
    // Without a Content-Length (chunked), the cap holds while the body streams.
    const chunked = await app.inject({ method: 'POST', url: '/api/v1/jobs/upload', headers: { host: HOST, 'content-type': 'application/octet-stream' }, payload: Readable.from([Buffer.alloc(600, 65), Buffer.alloc(600, 65)]) });
    expect(chunked.statusCode).toBe(413);
    expect(chunked.json().error).toMatch(/larger than 1000 bytes/);
    const asJson = await app.inject({ method: 'POST', url: '/api/v1/jobs/upload', headers: json, payload: {} });
    expect(asJson.statusCode).toBe(415);
  });

  it('rate-limits job starts per client with Retry-After', async () => {
    const { app } = await server({ limits: { startsPerMinute: 2 } });
    const codes: number[] = [];
    let retry: unknown;
    for (let i = 0; i < 3; i++) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/jobs/explain', headers: json, payload: { text: 'x' } });
      codes.push(r.statusCode);
      retry = r.headers['retry-after'];
    }
    expect(codes).toEqual([202, 202, 429]);
    expect(Number(retry)).toBeGreaterThan(0);
  });
});

describe('History', () => {
  it('searches by text, kind and verdict, pages with next, newest first', async () => {
    const { app, store } = await server({ clock: fixedClock(Date.parse('2026-11-30T08:00:00Z')) });
    for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=10', headers: json, payload: { text: `${EXCHANGE} ${i}` } });
    expect(await store.countReports({})).toBe(5);
    const page1 = (await app.inject({ url: '/api/v1/reports?limit=2', headers: { host: HOST } })).json();
    expect(page1.reports).toHaveLength(2);
    expect(page1.total).toBe(5);
    const page2 = (await app.inject({ url: `/api/v1/reports?limit=2&before=${page1.next}`, headers: { host: HOST } })).json();
    expect(page2.reports.map((r: { id: string }) => r.id)).not.toContain(page1.reports[0].id);
    const none = (await app.inject({ url: '/api/v1/reports?kind=receiver', headers: { host: HOST } })).json();
    expect(none.total).toBe(0);
    expect((await app.inject({ url: '/api/v1/reports?since=yesterday', headers: { host: HOST } })).statusCode).toBe(400);
  });

  it('is not offered by a public instance without sign-in; single reports stay readable by their link', async () => {
    const { app } = await server({ publicMode: true });
    const job = (await app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=10', headers: json, payload: { text: EXCHANGE } })).json();
    expect((await app.inject({ url: '/api/v1/reports', headers: { host: HOST } })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/v1/certificates', headers: { host: HOST } })).statusCode).toBe(403);
    expect((await app.inject({ url: `/api/v1/reports/${job.reportId}`, headers: { host: HOST } })).statusCode).toBe(200);
  });
});

describe('the OpenAPI document', () => {
  it('lists every job kind with its request schema and the Report schema', async () => {
    const { app } = await server();
    const doc = (await app.inject({ url: '/api/v1/openapi.json', headers: { host: HOST } })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const kind of JOB_KINDS) expect(doc.paths[`/api/v1/jobs/${kind.name}`]?.post, kind.name).toBeDefined();
    expect(doc.paths['/api/v1/jobs/check'].post.requestBody.content['application/json'].schema.properties.target).toBeDefined();
    expect(doc.components.schemas.Report.anyOf.length).toBeGreaterThanOrEqual(12);
  });
});
