// `mxray serve`: the web UI and its API under /api/v1, one Fastify app. Every page is the same
// shell (/assets/app.js builds it from the API); the API starts jobs of every kind, streams their
// events, and keeps every report in the store for History, permalinks, re-run and compare.
//
// Safety on every listener: the Host header must name this server (DNS rebinding), a browser's
// Origin must be this origin, a body must be JSON or (uploads) octet-stream — a cross-site form can
// send neither without a preflight; with --auth, writes need a token or the login cookie plus its
// CSRF token; every response carries a strict Content-Security-Policy and no third-party asset
// exists. In public mode the edges the jobs get are guarded (./guard.ts) and clients are rate-limited.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Clock } from '../core/context.js';
import { MxrayError, UsageError } from '../core/errors.js';
import type { ReportQuery, ReportStore, StoredReportMeta } from '../core/report-store.js';
import { parseSavedReport } from '../core/saved-report.js';
import type { Finding, Report } from '../core/schema.js';
import { VERSION } from '../core/version.js';
import type { SenderServer } from '../jobs/sender/sender-server.js';
import { htmlBodyOf, renderHtml } from '../render/html.js';
import { documentFor } from '../render/index.js';
import { renderMarkdown } from '../render/markdown.js';
import { renderText } from '../render/text.js';
import { asset, type UiAssets } from './assets.js';
import { registerAuth, sessionInfo, userOf, type AuthConfig, type Sessions } from './auth.js';
import { ID_PATTERN, JobManager, jobView, PublicModeRefusal, TooManyJobsError, type Job } from './jobs.js';
import { JOB_KINDS } from './kinds/index.js';
import type { JobKind, WebEdges } from './kinds/model.js';
import { openApiDocument } from './openapi.js';
import { JobSlots, RateLimiter } from './rate-limit.js';
import { allowedHosts, senderRoutes, type ReportIdOf } from './sender-api.js';
import { streamAllowed, streamEvents } from './sse.js';
import { REPORT_CSS } from '../render/html.js';

export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/** The standalone report (a download): its own styles only, nothing runs, nothing loads. */
const REPORT_FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox";

const PAGE = /^\/(?:|check|cert|send|sender-test|headers|explain|logs|posture|history|login|reports\/[A-Za-z0-9_-]{22}|jobs\/[A-Za-z0-9_-]{22}|compare\/[A-Za-z0-9_-]{22}\/[A-Za-z0-9_-]{22})$/;
/** The longest `?wait=` on a job start. */
export const MAX_JOB_WAIT_SECONDS = 30;
/** The longest request History keeps for "re-run" (the store's own bound is 64 Ki characters). */
const MAX_SAVED_REQUEST = 60_000;
/** An upload that sends nothing for this long is dropped (its job ends, its slot is free again). */
const UPLOAD_IDLE_MS = 60_000;

export interface WebLimits {
  /** Jobs running at once in the whole server. */
  maxRunning: number;
  /** Jobs running at once for one client address. */
  runningPerClient: number;
  /** Job starts per client address per minute (burst = the same number). */
  startsPerMinute: number;
}

export const DEFAULT_LIMITS: WebLimits = { maxRunning: 64, runningPerClient: 64, startsPerMinute: 600 };
/** What a public instance allows a client. */
export const PUBLIC_LIMITS: WebLimits = { maxRunning: 32, runningPerClient: 2, startsPerMinute: 10 };

export interface WebServerOptions {
  store: ReportStore;
  clock: Clock;
  /** The edges every job gets (already guarded in public mode). */
  edges: WebEdges;
  /** Edges for a request that names its own resolver or host map (team mode); absent: such requests are refused. */
  edgesFor?: (params: { resolver?: string; connect?: string[] }) => WebEdges;
  publicMode: boolean;
  auth: { config: AuthConfig; sessions: Sessions } | null;
  assets: UiAssets;
  kinds?: readonly JobKind[];
  /** The sender test's receiving side, when this server runs it: its API is served here too. */
  sender?: { server: SenderServer; reportIdOf: ReportIdOf } | null;
  /** More names the server is reached by (a reverse proxy's), for the Host check. */
  hostNames?: readonly string[];
  limits?: Partial<WebLimits>;
  /** Cookies only over HTTPS (behind a TLS-terminating proxy). */
  secureCookie?: boolean;
  /** The reverse proxies whose X-Forwarded-For names the client (addresses or CIDRs); none: the TCP peer is the client. */
  trustProxy?: readonly string[];
  heartbeatMs?: number;
  onError?(error: Error): void;
}

export interface WebServer {
  readonly app: FastifyInstance;
  readonly jobs: JobManager;
  /** Sets the names the Host header may carry, once the listener's address and port are known. */
  listening(address: string, port: number): void;
}

const problem = (reply: FastifyReply, status: number, error: string) => reply.code(status).send({ error });

/** A query value as one string (a repeated parameter takes its first value). */
function q(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v : undefined;
}

function clientOf(request: FastifyRequest): string {
  return request.ip;
}

/** The first validation error as one line: "/port: Expected integer". */
function firstError(check: TypeCheck<TSchema>, value: unknown): string | null {
  const first = check.Errors(value).First();
  return first ? `${first.path || '(the request)'}: ${first.message}`.slice(0, 300) : null;
}

/** What changed between two runs: the verdict, and the findings by id. */
export function compareReports(a: Report, b: Report) {
  const byId = (r: Report) => new Map(r.findings.map((f) => [f.id, f] as const));
  const [fa, fb] = [byId(a), byId(b)];
  const brief = (f: Finding) => ({ id: f.id, severity: f.severity, title: f.title, hosts: f.hosts.slice(0, 20) });
  const added = [...fb.values()].filter((f) => !fa.has(f.id)).map(brief);
  const removed = [...fa.values()].filter((f) => !fb.has(f.id)).map(brief);
  const changed = [...fb.values()]
    .filter((f) => {
      const old = fa.get(f.id);
      return old !== undefined && (old.severity !== f.severity || old.title !== f.title || old.hosts.join('\n') !== f.hosts.join('\n'));
    })
    .map((f) => ({ id: f.id, a: brief(fa.get(f.id)!), b: brief(f) }));
  return { verdict: { a: a.verdict, b: b.verdict }, added, removed, changed };
}

/** History's paging cursor: where a page ended, as base64url of "<storedAt> <id>". */
function cursorOf(meta: Pick<StoredReportMeta, 'storedAt' | 'id'>): string {
  return Buffer.from(`${meta.storedAt} ${meta.id}`).toString('base64url');
}

function parseCursor(text: string): { storedAt: string; id: string } | null {
  if (text.length > 100 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) ([A-Za-z0-9_-]{22})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  return m ? { storedAt: m[1]!, id: m[2]! } : null;
}

/** A file name for a download: the kind, the target's safe characters, the date. */
function downloadName(meta: StoredReportMeta, ext: string): string {
  const target = meta.target.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 60) || 'report';
  return `mxray-${meta.kind}-${target}-${meta.startedAt.slice(0, 10)}.${ext}`;
}

export async function buildWebServer(options: WebServerOptions): Promise<WebServer> {
  const kinds = options.kinds ?? JOB_KINDS;
  const limits = { ...(options.publicMode ? PUBLIC_LIMITS : DEFAULT_LIMITS), ...options.limits };
  const checks = new Map(kinds.map((k) => [k.name, TypeCompiler.Compile(k.params)] as const));
  const starts = new RateLimiter({ perMinute: limits.startsPerMinute, burst: limits.startsPerMinute }, options.clock);
  const slots = new JobSlots(limits.maxRunning, limits.runningPerClient);
  const jobs = new JobManager({
    store: options.store,
    clock: options.clock,
    publicMode: options.publicMode,
    maxRunning: limits.maxRunning,
    edgesFor: (params) => {
      if (params.resolver === undefined && (params.connect?.length ?? 0) === 0) return options.edges;
      if (!options.edgesFor) throw new UsageError('this server does not take resolver or connect');
      return options.edgesFor(params);
    },
    ...(options.onError ? { onError: options.onError } : {}),
  });
  // forceCloseConnections: an open event stream must not keep stop() waiting.
  const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024, trustProxy: options.trustProxy?.length ? [...options.trustProxy] : false, forceCloseConnections: true });
  let hosts = new Set<string>();
  const cssReport = asset(REPORT_CSS, 'text/css; charset=utf-8');

  const canWrite = (request: FastifyRequest) => (options.auth ? userOf(request) !== null : true);
  const canBrowse = (request: FastifyRequest) => (options.auth ? userOf(request) !== null : !options.publicMode);
  const refuseBrowse = (reply: FastifyReply) =>
    options.auth ? problem(reply, 401, 'sign in to see History') : problem(reply, 403, 'History is not offered by a public instance without --auth');

  /** What a link holder without History rights sees of a report's meta: not who ran it, not its request. */
  const metaFor = (request: FastifyRequest, meta: StoredReportMeta) => (canBrowse(request) ? { ...meta, request: meta.request !== null } : { ...meta, owner: null, request: meta.request !== null });

  app.addHook('onRequest', async (request, reply) => {
    const host = (request.headers.host ?? '').toLowerCase();
    if (!hosts.has(host)) return problem(reply, 421, 'this server answers only to its own address (Host header refused: DNS rebinding protection)');
    const origin = request.headers.origin;
    if (origin !== undefined) {
      let originHost: string | null = null;
      try {
        originHost = origin === 'null' ? null : new URL(origin).host.toLowerCase();
      } catch {
        originHost = null;
      }
      if (originHost !== host) return problem(reply, 403, 'cross-origin requests are refused');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const type = request.headers['content-type'];
      const length = request.headers['content-length'];
      const ok = type !== undefined ? /^application\/(json|octet-stream)\b/i.test(type) : length === undefined || length === '0';
      if (!ok) return problem(reply, 415, 'send JSON (Content-Type: application/json), a file as application/octet-stream, or nothing');
    }
    reply
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin')
      .header('cross-origin-resource-policy', 'same-origin')
      .header('content-security-policy', CSP);
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return undefined;
  });
  // Uploads: the body stays a stream for the job (never buffered whole, never written to disk).
  app.addContentTypeParser('application/octet-stream', (_request, _payload, done) => done(null, undefined));
  app.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    // The store refuses what it cannot keep or search (a value too long, a NUL): the request's fault.
    if (error instanceof MxrayError && error.code === 'invalid-input') return problem(reply, 400, error.message.split('\n', 1)[0]!.slice(0, 300));
    if (error instanceof UsageError) return problem(reply, 400, error.message.split('\n', 1)[0]!.slice(0, 300));
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) options.onError?.(error instanceof Error ? error : new Error(String(error.message)));
    return problem(reply, status, status === 500 ? 'internal error of the mxray server (the operator\'s log has the detail)' : status === 413 ? 'the request is too large' : 'bad request');
  });
  app.setNotFoundHandler((_request, reply) => problem(reply, 404, 'no such page'));

  if (options.auth) {
    registerAuth(app, { config: options.auth.config, sessions: options.auth.sessions, secureCookie: options.secureCookie ?? false });
  }
  // Writes (jobs, re-runs, deletes, sender tests) need a signed-in user or a token with --auth.
  app.addHook('preHandler', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD' || request.url.startsWith('/api/v1/login') || request.url.startsWith('/api/v1/logout')) return undefined;
    if (!canWrite(request)) return problem(reply, 401, 'sign in (or send an API token) to run jobs');
    return undefined;
  });

  // --- pages and assets
  app.get('/*', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    if (path.startsWith('/assets/')) {
      const name = path.slice('/assets/'.length);
      const file = name === 'report.css' ? cssReport : options.assets.files.get(name);
      if (!file) return problem(reply, 404, 'no such file');
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
      return reply.header('content-type', file.type).header('etag', file.etag).header('cache-control', 'no-cache').send(file.body);
    }
    if (!PAGE.test(path)) return problem(reply, 404, 'no such page');
    return reply.header('content-type', options.assets.index.type).header('cache-control', 'no-cache').send(options.assets.index.body);
  });

  // --- the API
  if (!options.sender) app.get('/api/v1/health', async () => ({ ok: true, version: VERSION }));
  app.get('/api/v1/openapi.json', async () => openApiDocument(kinds));
  app.get('/api/v1/session', async (request) => {
    const info = options.auth ? sessionInfo(request) : { user: null, csrf: null };
    return {
      auth: options.auth !== null,
      user: info.user,
      csrf: info.csrf,
      public: options.publicMode,
      canBrowse: canBrowse(request),
      canWrite: canWrite(request),
      version: VERSION,
      kinds: kinds.map((k) => ({ name: k.name, title: k.title, upload: k.upload ?? null, rerunnable: k.rerunnable })),
      senderTest: options.sender ? { hostname: options.sender.server.hostname, listeners: options.sender.server.listeners } : null,
    };
  });

  const startJob = async (request: FastifyRequest, reply: FastifyReply, kind: JobKind, params: unknown, upload: { name: string; stream: NodeJS.ReadableStream } | null, rerun: string | null) => {
    const client = clientOf(request);
    const allowed = starts.take(client);
    if (!allowed.ok) return reply.code(429).header('retry-after', String(allowed.retryAfterSeconds)).send({ error: 'too many jobs started from your address; wait a moment' });
    const release = slots.acquire(client);
    if (typeof release !== 'function') return reply.code(429).header('retry-after', String(release.retryAfterSeconds)).send({ error: 'too many jobs are running (yours or in all); wait for one to finish' });
    let job: Job;
    let uploadDone: Promise<void> = Promise.resolve();
    let tooLarge = false;
    try {
      let chunks: AsyncIterable<Buffer> | null = null;
      if (upload && kind.upload) {
        const max = kind.upload.maxBytes;
        let signalDone!: () => void;
        uploadDone = new Promise<void>((resolve) => (signalDone = resolve));
        const source = upload.stream;
        chunks = (async function* () {
          let total = 0;
          try {
            for await (const chunk of source as AsyncIterable<Buffer>) {
              total += chunk.length;
              if (total > max) {
                tooLarge = true;
                throw new UsageError(`the upload is larger than ${max} bytes, the most this server takes for ${kind.title}`);
              }
              yield chunk;
            }
          } finally {
            signalDone();
          }
        })();
      }
      job = jobs.start(kind, params, {
        owner: options.auth ? userOf(request) : null,
        client,
        upload: chunks ? { name: upload?.name ?? 'upload', chunks } : null,
        request: rerun,
      });
    } catch (error) {
      release();
      if (error instanceof TooManyJobsError) return reply.code(429).header('retry-after', String(error.retryAfterSeconds)).send({ error: error.message });
      if (error instanceof UsageError) return problem(reply, error instanceof PublicModeRefusal ? 403 : 400, error.message);
      throw error;
    }
    void job.finished.then(release);
    if (upload) {
      // A cancelled job, or an upload that stalls, ends the upload (and with it the job and its slot).
      const stream = request.raw;
      job.abort.signal.addEventListener('abort', () => stream.destroy(), { once: true });
      // (An injected request, in tests, has no real socket.)
      const socket = stream.socket as { setTimeout?: (ms: number, onIdle?: () => void) => unknown } | undefined;
      socket?.setTimeout?.(UPLOAD_IDLE_MS, () => stream.destroy());
      void job.finished.then(() => socket?.setTimeout?.(0));
    }
    // An upload is answered once it was read (or the job ended without reading it all).
    if (upload) await Promise.race([uploadDone, job.finished]);
    // The reading stopped at the cap: the job fails on it in a moment; wait for that to answer 413.
    if (tooLarge) await job.finished;
    const wait = Number(q((request.query as Record<string, unknown>).wait) ?? '0');
    if (Number.isInteger(wait) && wait > 0) await jobs.wait(job, Math.min(wait, MAX_JOB_WAIT_SECONDS) * 1000);
    // Past the cap (a body without Content-Length, or one that lied): the job failed on it; say so as HTTP does.
    if (tooLarge && job.status === 'failed') return problem(reply, 413, job.error ?? 'the upload is too large');
    return reply.code(job.status === 'running' ? 202 : 200).header('location', `/api/v1/jobs/${job.id}`).send(jobView(job));
  };

  app.post('/api/v1/jobs/:kind', async (request: FastifyRequest<{ Params: { kind: string } }>, reply) => {
    const kind = kinds.find((k) => k.name === request.params.kind);
    if (!kind) return problem(reply, 404, `no such job kind (${kinds.map((k) => k.name).join(', ')})`);
    // Sending mail from a public instance is for its signed-in users only: anyone else could make it a relay.
    if (kind.name === 'send' && options.publicMode && !options.auth) return problem(reply, 403, 'a public instance sends test messages only with --auth, for its signed-in users');
    const check = checks.get(kind.name)!;
    const isUpload = /^application\/octet-stream\b/i.test(request.headers['content-type'] ?? '');
    if (kind.upload) {
      if (!isUpload) return problem(reply, 415, `${kind.title}: send the file as application/octet-stream, the options in the query string`);
      const length = Number(request.headers['content-length'] ?? '0');
      if (length > kind.upload.maxBytes) return problem(reply, 413, `the upload is larger than ${kind.upload.maxBytes} bytes, the most this server takes for ${kind.title}`);
      const { wait: _wait, ...params } = request.query as Record<string, unknown>;
      if ('password' in params) return problem(reply, 400, 'send a password in the X-Mxray-Password header, never in the URL (proxies and logs keep URLs)');
      const flat: Record<string, string | undefined> = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, q(v)]));
      // A password (a PFX's) comes in a header: a URL ends up in proxies' and servers' logs.
      const password = request.headers['x-mxray-password'];
      if (typeof password === 'string' && password) flat.password = password;
      const bad = firstError(check, flat);
      if (bad) return problem(reply, 400, bad);
      const name = typeof flat.name === 'string' && flat.name ? flat.name : 'upload';
      return startJob(request, reply, kind, flat, { name, stream: request.raw }, null);
    }
    if (isUpload) return problem(reply, 415, `${kind.title} takes JSON parameters, not a file`);
    const params = request.body ?? {};
    const bad = firstError(check, params);
    if (bad) return problem(reply, 400, bad);
    // A request too long to keep (a pasted message) makes a report that cannot be re-run, not a failed job.
    const saved = kind.rerunnable ? JSON.stringify({ kind: kind.name, params }) : null;
    return startJob(request, reply, kind, params, null, saved !== null && saved.length <= MAX_SAVED_REQUEST ? saved : null);
  });

  const jobOf = (id: string) => (ID_PATTERN.test(id) ? jobs.get(id) : null);
  app.get('/api/v1/jobs/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const job = jobOf(request.params.id);
    return job ? jobView(job) : problem(reply, 404, 'no such job (jobs are kept for a while; their reports for good)');
  });
  app.delete('/api/v1/jobs/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const job = jobOf(request.params.id);
    if (!job) return problem(reply, 404, 'no such job');
    if (options.auth && job.owner !== null && job.owner !== userOf(request)) return problem(reply, 403, 'only who started a job may cancel it');
    jobs.cancel(job.id);
    return reply.code(204).send();
  });
  app.get('/api/v1/jobs/:id/events', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const job = jobOf(request.params.id);
    if (!job) return problem(reply, 404, 'no such job');
    if (!streamAllowed(job.log)) return reply.code(429).header('retry-after', '10').send({ error: 'too many event streams are open on this job' });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (typeof value === 'string') headers[name] = value;
    streamEvents(request, reply, job.log, headers, options.heartbeatMs);
    return reply;
  });

  // --- reports
  const reportIdOk = (id: string) => ID_PATTERN.test(id);
  app.get('/api/v1/reports', async (request, reply) => {
    if (!canBrowse(request)) return refuseBrowse(reply);
    const query = request.query as Record<string, unknown>;
    const text = q(query.q);
    const limit = Math.min(Math.max(Number(q(query.limit) ?? '50') || 50, 1), 500);
    const filters: ReportQuery = {};
    if (text) filters.text = text.slice(0, 200);
    for (const key of ['kind', 'verdict'] as const) {
      const v = q(query[key]);
      if (v) filters[key] = v.slice(0, 40);
    }
    for (const key of ['since', 'until'] as const) {
      const v = q(query[key]);
      if (v) {
        const ms = Date.parse(v);
        if (Number.isNaN(ms)) return problem(reply, 400, `${key}: a date (2026-11-30) or a moment (2026-11-30T08:00:00Z)`);
        filters[key] = new Date(ms).toISOString();
      }
    }
    const before = q(query.before);
    let page: ReportQuery = { ...filters, limit: limit + 1 };
    if (before) {
      // A cursor carries where the page ended (time and id): a deleted report does not break paging.
      const cursor = parseCursor(before) ?? (reportIdOk(before) ? await options.store.getMeta(before) : null);
      if (!cursor) return problem(reply, 400, 'before: give the `next` of the previous page');
      page = { ...page, before: { storedAt: cursor.storedAt, id: cursor.id } };
    }
    const [rows, total] = await Promise.all([options.store.searchReports(page), options.store.countReports(filters)]);
    const more = rows.length > limit;
    const reports = rows.slice(0, limit);
    const last = reports.at(-1);
    return { reports, total, next: more && last ? cursorOf(last) : null };
  });
  app.get('/api/v1/certificates', async (request, reply) => {
    if (!canBrowse(request)) return refuseBrowse(reply);
    return { certificates: await options.store.latestCertificates(200) };
  });

  const loadReport = async (id: string) => {
    if (!reportIdOk(id)) return null;
    const stored = await options.store.getReport(id);
    return stored;
  };
  app.get('/api/v1/reports/:file', async (request: FastifyRequest<{ Params: { file: string }; Querystring: Record<string, unknown> }>, reply) => {
    const m = /^([A-Za-z0-9_-]{22})(?:\.(json|html|md|txt))?$/.exec(request.params.file);
    if (!m) return problem(reply, 404, 'no such report');
    const stored = await loadReport(m[1]!);
    if (!stored) return problem(reply, 404, 'no such report');
    const ext = m[2] ?? 'json';
    if (q(request.query.download) === '1' || m[2] !== undefined) reply.header('content-disposition', `attachment; filename="${downloadName(stored.meta, ext)}"`);
    if (ext === 'json') return reply.header('content-type', 'application/json; charset=utf-8').send(stored.report);
    const report = parseSavedReport(stored.report, 'the stored report');
    if (ext === 'html') return reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', REPORT_FILE_CSP).send(renderHtml(report, { verbose: true }));
    if (ext === 'md') return reply.header('content-type', 'text/markdown; charset=utf-8').send(renderMarkdown(report, { explain: true }));
    return reply.header('content-type', 'text/plain; charset=utf-8').send(renderText(report, { explain: true }));
  });
  app.get('/api/v1/reports/:id/view', async (request: FastifyRequest<{ Params: { id: string }; Querystring: Record<string, unknown> }>, reply) => {
    const stored = await loadReport(request.params.id);
    if (!stored) return problem(reply, 404, 'no such report');
    const report = parseSavedReport(stored.report, 'the stored report');
    const previous = await options.store.previousReport(stored.meta.id);
    const verbose = q(request.query.verbose) === '1';
    return {
      meta: metaFor(request, stored.meta),
      // The previous run is History: a link holder without its rights does not walk the target's reports.
      previousId: canBrowse(request) ? (previous?.id ?? null) : null,
      html: htmlBodyOf(documentFor(report, { explain: true, verbose })),
    };
  });
  app.delete('/api/v1/reports/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    if (!canBrowse(request)) return refuseBrowse(reply);
    const meta = reportIdOk(request.params.id) ? await options.store.getMeta(request.params.id) : null;
    if (!meta) return problem(reply, 404, 'no such report');
    if (options.auth && meta.owner !== null && meta.owner !== userOf(request)) return problem(reply, 403, 'only who ran a report may delete it');
    await options.store.deleteReport(meta.id);
    return reply.code(204).send();
  });
  app.post('/api/v1/reports/:id/rerun', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const meta = reportIdOk(request.params.id) ? await options.store.getMeta(request.params.id) : null;
    if (!meta) return problem(reply, 404, 'no such report');
    if (meta.request === null) return problem(reply, 409, 'this report cannot be run again from here (its input was an upload, or it came from the sender test): start a new one');
    let saved: { kind?: unknown; params?: unknown };
    try {
      saved = JSON.parse(meta.request) as { kind?: unknown; params?: unknown };
    } catch {
      return problem(reply, 409, 'this report\'s request is unreadable');
    }
    const kind = kinds.find((k) => k.name === saved.kind);
    const check = kind ? checks.get(kind.name) : undefined;
    if (!kind || !check || firstError(check, saved.params) !== null) return problem(reply, 409, 'this report\'s request is no longer valid: start a new one');
    return startJob(request, reply, kind, saved.params, null, meta.request);
  });
  app.get('/api/v1/reports/:id/compare/:other', async (request: FastifyRequest<{ Params: { id: string; other: string } }>, reply) => {
    const [a, b] = await Promise.all([loadReport(request.params.id), loadReport(request.params.other)]);
    if (!a || !b) return problem(reply, 404, 'no such report');
    if (a.meta.kind !== b.meta.kind) return problem(reply, 409, `a ${a.meta.kind} report and a ${b.meta.kind} report cannot be compared`);
    const ra = parseSavedReport(a.report, 'the stored report');
    const rb = parseSavedReport(b.report, 'the stored report');
    return { a: metaFor(request, a.meta), b: metaFor(request, b.meta), ...compareReports(ra, rb) };
  });

  if (options.sender) senderRoutes(app, options.sender.server, options.sender.reportIdOf);

  return {
    app,
    jobs,
    listening(address, port) {
      hosts = allowedHosts(address, port, options.hostNames ?? []);
    },
  };
}

export interface RunningWebServer {
  /** "http://127.0.0.1:8025" */
  readonly url: string;
  readonly address: string;
  readonly port: number;
  readonly jobs: JobManager;
  stop(): Promise<void>;
}

export async function startWebServer(options: WebServerOptions & { address: string; port: number }): Promise<RunningWebServer> {
  const server = await buildWebServer(options);
  server.listening(options.address, options.port);
  await server.app.listen({ host: options.address, port: options.port });
  const bound = server.app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : options.port;
  const address = typeof bound === 'object' && bound ? bound.address : options.address;
  server.listening(options.address, port);
  const shown = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '[::1]' : shown}:${port}`,
    address,
    port,
    jobs: server.jobs,
    async stop() {
      server.jobs.cancelAll();
      await server.app.close();
    },
  };
}
