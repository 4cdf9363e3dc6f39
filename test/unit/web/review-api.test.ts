// Review of `mxray serve` (issue 25): problems found in the API's rights, History and the job table.
// Each `it.fails` demonstrates a real problem (it passes while the bug is there); the comment above
// it names the fix. Traffic: Fastify's inject only (no socket).
import { Type } from '@sinclair/typebox';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import type { ReportStore } from '../../../src/core/report-store.js';
import type { Report } from '../../../src/core/schema.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { buildWebServer, type WebServerOptions } from '../../../src/web/app.js';
import { asset } from '../../../src/web/assets.js';
import { hashPassword, newToken, parseAuthFile, Sessions } from '../../../src/web/auth.js';
import { JOB_KINDS } from '../../../src/web/kinds/index.js';
import type { JobKind, WebEdges } from '../../../src/web/kinds/model.js';
import { EXCHANGE, explainText } from '../../helpers/explain.js';

const HOST = '127.0.0.1:8025';
const assets = { index: asset('<!doctype html><title>mxray</title>', 'text/html; charset=utf-8'), files: new Map() };
const json = { host: HOST, 'content-type': 'application/json' };

let sample: Report;
let authText: string;
let aliceToken: string;
let bobToken: string;
const ALICE_PASSWORD = 'correct horse battery';
beforeAll(async () => {
  sample = await explainText(EXCHANGE, 'argument');
  const a = newToken();
  const b = newToken();
  aliceToken = a.token;
  bobToken = b.token;
  authText = `user alice ${hashPassword(ALICE_PASSWORD)}\n${a.line('alice-ci')}\n${b.line('bob-ci')}\n`;
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A kind that waits until released (or aborted), then returns the sample report. */
function gatedKind() {
  const gates: (() => void)[] = [];
  const kind: JobKind = {
    name: 'gated',
    title: 'Gated',
    params: Type.Object({}, { additionalProperties: false }),
    rerunnable: true,
    targetOf: () => 'gated.example',
    async run(_p, ctx) {
      await new Promise<void>((resolve, reject) => {
        gates.push(resolve);
        ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
      return sample;
    },
  };
  return { kind, gates };
}

async function server(options: Partial<WebServerOptions> & { withAuth?: boolean } = {}) {
  const store = options.store ?? (await openSqliteStore(':memory:'));
  const { withAuth, ...rest } = options;
  const auth = withAuth ? { config: parseAuthFile(authText, 'team.auth'), sessions: new Sessions(systemClock) } : null;
  const web = await buildWebServer({ store, clock: systemClock, edges: { clock: systemClock } as WebEdges, publicMode: false, auth, assets, kinds: [...JOB_KINDS], ...rest });
  web.listening('127.0.0.1', 8025);
  cleanups.push(async () => {
    web.jobs.cancelAll();
    await web.app.close();
    await (store as ReportStore & { close?: () => Promise<void> }).close?.();
  });
  return { ...web, store };
}

const bearer = (token: string) => ({ ...json, authorization: `Bearer ${token}` });

describe('review: History rights through single-report links', () => {
  // History (searching other people's reports) is for signed-in users only (issue 25 §4); a single
  // report is readable by its link. But /view hands every link holder `previousId`, the id of the
  // previous report of the same kind and target — whoever holds one link walks the target's whole
  // History, and in public mode anyone can make a report of any target and walk back from it.
  // Fix (src/web/app.ts /view): previousId only when canBrowse(request), else null.
  it('does not give an anonymous link holder the id of another report (previousId)', async () => {
    const { app } = await server({ withAuth: true });
    const first = (await app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=10', headers: bearer(aliceToken), payload: { text: EXCHANGE } })).json();
    const second = (await app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=10', headers: bearer(aliceToken), payload: { text: EXCHANGE } })).json();
    expect(first.reportId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // Anonymous: no History for them…
    expect((await app.inject({ url: '/api/v1/reports', headers: { host: HOST } })).statusCode).toBe(401);
    // …but the view of one report names the other.
    const view = (await app.inject({ url: `/api/v1/reports/${second.reportId}/view`, headers: { host: HOST } })).json();
    expect(view.previousId).toBeNull();
  });

  // /view hides the stored request (`meta.request` becomes a boolean) and compare does not: it
  // returns both metas whole, the job's parameters (resolver, connect, helo, from, rcpt …) and the
  // owner (user or token name) to anyone with two links.
  // Fix (src/web/app.ts compare): return the same public meta as /view ({...meta, request: boolean},
  // owner only for canBrowse).
  it('compare shows an anonymous caller no more of the meta than /view does', async () => {
    const { app } = await server({ withAuth: true });
    const a = (await app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=10', headers: bearer(aliceToken), payload: { text: EXCHANGE } })).json();
    const b = (await app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=10', headers: bearer(aliceToken), payload: { text: EXCHANGE } })).json();
    const view = (await app.inject({ url: `/api/v1/reports/${a.reportId}/view`, headers: { host: HOST } })).json();
    expect(view.meta.request).toBe(true);
    const diff = (await app.inject({ url: `/api/v1/reports/${a.reportId}/compare/${b.reportId}`, headers: { host: HOST } })).json();
    expect(typeof diff.a.request).not.toBe('string');
  });
});

describe('review: writes by another user', () => {
  // Any signed-in user (or token) cancels any other user's running job: the job's owner is kept
  // but never checked. Fix (src/web/app.ts DELETE /api/v1/jobs/:id): 403 unless userOf(request) ===
  // job.owner (or an admin notion), and likewise for DELETE /api/v1/reports/:id (meta.owner).
  it('does not let bob cancel alice\'s job', async () => {
    const { kind } = gatedKind();
    const { app, jobs } = await server({ withAuth: true, kinds: [kind] });
    const started = (await app.inject({ method: 'POST', url: '/api/v1/jobs/gated', headers: bearer(aliceToken), payload: {} })).json();
    expect(jobs.get(started.id)?.owner).toBe('alice-ci');
    const cancel = await app.inject({ method: 'DELETE', url: `/api/v1/jobs/${started.id}`, headers: { host: HOST, authorization: `Bearer ${bobToken}` } });
    expect(cancel.statusCode).toBe(403);
  });
});

describe('review: sign-in lockout', () => {
  // Ten wrong passwords for a user name from anywhere lock that user out from everywhere for 15
  // minutes (byUser counter): anyone who knows a colleague's user name keeps them signed out with
  // ten requests per quarter hour. Fix (src/web/auth.ts): key the hard limit by (user, address) and
  // only slow down (delay) per user, or lock per user only above a much larger count.
  it('lets alice sign in from her own address after a stranger tried ten wrong passwords', async () => {
    const { app } = await server({ withAuth: true });
    for (let i = 0; i < 10; i++) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/login', headers: json, remoteAddress: '203.0.113.66', payload: { user: 'alice', password: `guess ${i}` } });
      expect(r.statusCode).toBe(401);
    }
    const alice = await app.inject({ method: 'POST', url: '/api/v1/login', headers: json, remoteAddress: '198.51.100.7', payload: { user: 'alice', password: ALICE_PASSWORD } });
    expect(alice.statusCode).toBe(200);
  });
});

describe('review: History paging', () => {
  // `before` is looked up as a report: when the last report of a page is deleted (by anyone) before
  // the next page is asked for, paging fails with 400 instead of going on.
  // Fix (src/web/app.ts GET /api/v1/reports): make `next` a cursor carrying storedAt and id
  // (e.g. "<storedAt>~<id>", validated) and page on it without reading the report.
  it('goes on to the next page when the report `next` named has been deleted', async () => {
    const { app } = await server();
    for (let i = 0; i < 3; i++) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=10', headers: json, payload: { text: `${EXCHANGE} ${i}` } });
      expect(r.json().status).toBe('done');
    }
    const page1 = (await app.inject({ url: '/api/v1/reports?limit=1', headers: { host: HOST } })).json();
    expect(page1.next).toMatch(/^[A-Za-z0-9_-]+$/);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/reports/${page1.reports[0].id}`, headers: { host: HOST } })).statusCode).toBe(204);
    const page2 = await app.inject({ url: `/api/v1/reports?limit=1&before=${page1.next}`, headers: { host: HOST } });
    expect(page2.statusCode).toBe(200);
    expect(page2.json().reports).toHaveLength(1);
    expect(page2.json().reports[0].id).not.toBe(page1.reports[0].id);
  });
});

describe('review: compare', () => {
  // Two reports of different kinds are "compared": every finding of one is "removed", every finding
  // of the other "added", as if one run had become the other. Fix (src/web/app.ts compare): 409
  // "reports of different kinds cannot be compared" when a.meta.kind !== b.meta.kind.
  it('refuses to compare reports of different kinds', async () => {
    const { app } = await server();
    const a = (await app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=10', headers: json, payload: { text: EXCHANGE } })).json();
    const b = (
      await app.inject({ method: 'POST', url: '/api/v1/jobs/headers?wait=10', headers: json, payload: { text: 'Received: from a.example (a.example [192.0.2.1]) by b.example with ESMTPS; Mon, 30 Nov 2026 07:00:00 +0000\r\nSubject: x\r\n\r\n' } })
    ).json();
    expect(a.status).toBe('done');
    expect(b.status).toBe('done');
    const diff = await app.inject({ url: `/api/v1/reports/${a.reportId}/compare/${b.reportId}`, headers: { host: HOST } });
    expect(diff.statusCode).toBe(409);
  });
});

describe('review: cancel against a report being stored', () => {
  // A job cancelled while its report is being written ends as 'done' with a report, after its
  // event stream already said `failed: cancelled` (EventLog closed): the job's endpoint and its
  // stream disagree. Fix (src/web/jobs.ts start): after `await this.store(...)`, keep 'cancelled'
  // (or make cancel() refuse once the report is being stored and say so).
  it('a cancelled job stays cancelled', async () => {
    let release!: () => void;
    let storing!: () => void;
    const storingNow = new Promise<void>((r) => (storing = r));
    const base = await openSqliteStore(':memory:');
    const slowStore: ReportStore = Object.assign(Object.create(base) as ReportStore, {
      async addReport(...args: Parameters<ReportStore['addReport']>) {
        storing();
        await new Promise<void>((r) => (release = r));
        return base.addReport(...args);
      },
      close: () => base.close(),
    });
    const { app, jobs } = await server({ store: slowStore });
    const started = (await app.inject({ method: 'POST', url: '/api/v1/jobs/explain', headers: json, payload: { text: EXCHANGE } })).json();
    await storingNow;
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/jobs/${started.id}`, headers: { host: HOST } })).statusCode).toBe(204);
    const job = jobs.get(started.id)!;
    const told = job.log.since(0).events.at(-1);
    expect(told).toMatchObject({ event: 'failed', data: '{"error":"cancelled"}' });
    release();
    await job.finished;
    expect(job.status).toBe('cancelled');
  });
});

describe('review: client addresses', () => {
  // Sign-in failures are counted per client address as given (request.ip), not by clientKey(): an
  // IPv6 client owns a whole /64 (2^64 addresses), so the per-address limit of 10 failures in
  // 15 minutes does not limit it at all — a password spray over many user names never meets a
  // 429. Fix (src/web/auth.ts FailureCounter byAddress): key it by clientKey(ip) from
  // ./rate-limit.ts, as the job limits are.
  it('counts sign-in failures from one IPv6 /64 together', async () => {
    const { app } = await server({ withAuth: true });
    const codes: number[] = [];
    for (let i = 1; i <= 11; i++) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/login', headers: json, remoteAddress: `2001:db8:1:2::${i.toString(16)}`, payload: { user: `user${i}`, password: 'guess' } });
      codes.push(r.statusCode);
    }
    expect(codes.at(-1)).toBe(429);
  });

  // The limits key on the TCP peer (trustProxy: false) and nothing lets an operator name a reverse
  // proxy, although --host-name and --secure-cookie exist for exactly that set-up: behind a proxy
  // every client is one client — in public mode 10 job starts a minute and 2 running jobs for the
  // whole world, and ten failed sign-ins lock the whole team out. Fix (src/cli/serve.ts, app.ts):
  // a --trust-proxy <address> option passed to Fastify's trustProxy (so request.ip is the
  // client's), never trusting X-Forwarded-For otherwise.
  it('behind a reverse proxy, one client\'s starts do not use up another\'s', async () => {
    const { app } = await server({ publicMode: true, trustProxy: ['10.0.0.2'] });
    const start = (client: string) =>
      app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=10', remoteAddress: '10.0.0.2', headers: { ...json, 'x-forwarded-for': client }, payload: { text: EXCHANGE } });
    for (let i = 0; i < 10; i++) expect((await start('198.51.100.1')).statusCode).toBe(200);
    expect((await start('203.0.113.9')).statusCode).toBe(200);
  });
});

describe('review: large pasted input', () => {
  // Header analyzer (1 MiB) and Explain (256 KiB) take far more text than the store keeps as a
  // job's request (MAX_REQUEST_LENGTH, 64 Ki characters), and both are rerunnable: a pasted message
  // over 64 K runs to the end, then its report is refused by the store, and the user gets "the job
  // failed (an internal error of mxray…)" — the work lost, the operator's log filled. Fix
  // (src/web/app.ts startJob / jobs.ts store): keep the request only when it fits (else null: not
  // rerunnable, as for uploads), or bound the kinds' text to what the store keeps.
  it('stores the report of an Explain paste of 70,000 characters', async () => {
    const errors: Error[] = [];
    const { app } = await server({ onError: (e) => errors.push(e) });
    const text = `${EXCHANGE}\n`.repeat(Math.ceil(70_000 / (EXCHANGE.length + 1)));
    const r = (await app.inject({ method: 'POST', url: '/api/v1/jobs/explain?wait=20', headers: json, payload: { text } })).json();
    expect(r.error).toBeNull();
    expect(r.status).toBe('done');
  });
});
