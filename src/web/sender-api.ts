// The sender test's HTTP API, under /api/v1/sender-tests — the path the web UI (`mxray serve`) will
// host too. Fastify 5, loaded only by `mxray sender-test serve`.
//
//   POST /api/v1/sender-tests                       → 201 a new test (passcode, address, expiry);
//        {"lifetimeSeconds": 3600, "expectFrom": ["198.51.100.7"]} both optional
//   GET  /api/v1/sender-tests/<passcode>            → 200 the latest Report (kind sender),
//                                                     202 waiting, 410 expired without a result, 404 unknown
//        ?wait=<seconds> (≤ 60)                      waits for a result first (what `show --watch` uses)
//        ?after=<result id>                          …for one newer than that
//   GET  /api/v1/sender-tests/<passcode>/results    → 200 the results (the newest 100): id, time, verdict
//   GET  /api/v1/sender-tests/<passcode>/results/<id> → 200 that Report
//   GET  /api/v1/health                             → 200 the listeners
//
// A page on 127.0.0.1:8025 is reachable from every web page the user visits, through DNS rebinding:
// every request's Host must name this listener (its address, localhost, or the sender test's
// hostname), and a request from a browser (Origin) must come from the same origin. A POST must be
// JSON (a cross-site form cannot send that without a preflight) or empty.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { UsageError } from '../core/errors.js';
import { isPasscode } from '../jobs/sender/passcode.js';
import { RateLimitedError, type SenderServer } from '../jobs/sender/sender-server.js';

export interface SenderApiOptions {
  address: string;
  port: number;
  /** More names the API may be reached by (the Host header), e.g. a reverse proxy's. */
  hostNames?: readonly string[];
  /** Our own errors (a failing store …), for the operator's log; clients get a bare 500. */
  onError?(error: Error): void;
}

export interface SenderApi {
  /** "http://127.0.0.1:8025" */
  readonly url: string;
  readonly address: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Longest long-poll. */
export const MAX_WAIT_SECONDS = 60;

const problem = (reply: FastifyReply, status: number, error: string) => reply.code(status).send({ error });

/** Host names this listener answers to, lower case, with and without the port. */
export function allowedHosts(address: string, port: number, extra: readonly string[]): Set<string> {
  const names = new Set<string>(['localhost', address.includes(':') ? `[${address}]` : address, ...extra.map((h) => h.toLowerCase())]);
  if (address === '0.0.0.0' || address === '::') names.add('127.0.0.1').add('[::1]');
  const hosts = new Set<string>();
  for (const name of names) {
    hosts.add(name);
    hosts.add(`${name}:${port}`);
  }
  return hosts;
}

function stateOf(server: SenderServer, passcode: string) {
  return isPasscode(passcode.toLowerCase()) ? server.lookup(passcode) : Promise.resolve(null);
}

/** A non-negative integer query parameter, or the fallback. */
function intParam(value: unknown, fallback: number, max: number): number {
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) return fallback;
  return Math.min(Number(value), max);
}

/** The id under which a result is also kept as a report (the web UI's History), when there is one. */
export type ReportIdOf = (result: { key: string; id: number }) => string;

export function senderRoutes(app: FastifyInstance, server: SenderServer, reportIdOf?: ReportIdOf): void {
  app.post('/api/v1/sender-tests', async (request, reply) => {
    const body = (request.body ?? {}) as { lifetimeSeconds?: unknown; expectFrom?: unknown };
    const lifetime = typeof body.lifetimeSeconds === 'number' && Number.isFinite(body.lifetimeSeconds) ? body.lifetimeSeconds * 1000 : undefined;
    const expectFrom = body.expectFrom ?? [];
    if (!Array.isArray(expectFrom) || expectFrom.length > 10 || !expectFrom.every((a) => typeof a === 'string' && a.length <= 64)) {
      return problem(reply, 400, 'expectFrom: a list of up to 10 IP addresses');
    }
    try {
      const test = await server.createTest(lifetime, expectFrom as string[]);
      return reply
        .code(201)
        .header('location', `/api/v1/sender-tests/${test.passcode}`)
        .send({ ...test, listeners: server.listeners, hostname: server.hostname });
    } catch (error) {
      if (error instanceof RateLimitedError) return reply.code(429).header('retry-after', String(error.retryAfterSeconds)).send({ error: error.message });
      if (error instanceof UsageError) return problem(reply, 400, error.message);
      throw error;
    }
  });

  app.get('/api/v1/sender-tests/:passcode', async (request: FastifyRequest<{ Params: { passcode: string }; Querystring: Record<string, unknown> }>, reply) => {
    const { passcode } = request.params;
    let state = await stateOf(server, passcode);
    if (!state) return problem(reply, 404, 'no such sender test');
    const after = intParam(request.query.after, 0, Number.MAX_SAFE_INTEGER);
    const wait = intParam(request.query.wait, 0, MAX_WAIT_SECONDS);
    const newest = () => state?.results.find((r) => r.id > after) ?? null;
    if (!newest() && wait > 0 && !state.expired) {
      const abort = new AbortController();
      const stop = () => abort.abort();
      const timer = setTimeout(stop, wait * 1000);
      // The client went away: stop waiting (the socket's close, not the request's: that one comes when its body was read).
      request.raw.socket.once('close', stop);
      try {
        await server.waitForResults(passcode, after, abort.signal);
      } finally {
        clearTimeout(timer);
        request.raw.socket.off('close', stop);
      }
      state = await stateOf(server, passcode);
      if (!state) return problem(reply, 404, 'no such sender test');
    }
    const result = newest();
    if (result) {
      if (reportIdOf) reply.header('x-mxray-report-id', reportIdOf(result));
      return reply.code(200).header('content-type', 'application/json; charset=utf-8').header('x-mxray-result-id', String(result.id)).header('x-mxray-results', String(state.results.length)).send(result.report);
    }
    // The caller knows the passcode: the address is given whole (the store keeps it masked).
    const address = `test-${passcode.toLowerCase()}@${server.hostname}`;
    if (state.expired) return reply.code(410).send({ status: 'expired', address, expiresAt: state.test.expiresAt });
    return reply.code(202).send({ status: 'waiting', address, createdAt: state.test.createdAt, expiresAt: state.test.expiresAt, ...server.waitingHint(state.test.createdAt) });
  });

  app.get('/api/v1/sender-tests/:passcode/results', async (request: FastifyRequest<{ Params: { passcode: string } }>, reply) => {
    const state = await stateOf(server, request.params.passcode);
    if (!state) return problem(reply, 404, 'no such sender test');
    return reply.send({
      address: `test-${request.params.passcode.toLowerCase()}@${server.hostname}`,
      expiresAt: state.test.expiresAt,
      expired: state.expired,
      results: state.results.map((r) => ({ id: r.id, receivedAt: r.receivedAt, verdict: verdictOfJson(r.report) })),
    });
  });

  app.get('/api/v1/sender-tests/:passcode/results/:id', async (request: FastifyRequest<{ Params: { passcode: string; id: string } }>, reply) => {
    const state = await stateOf(server, request.params.passcode);
    if (!state) return problem(reply, 404, 'no such sender test');
    const result = state.results.find((r) => String(r.id) === request.params.id);
    if (!result) return problem(reply, 404, 'no such result');
    return reply.header('content-type', 'application/json; charset=utf-8').send(result.report);
  });

  app.get('/api/v1/health', async () => ({ ok: true, hostname: server.hostname, listeners: server.listeners }));
}

/** A stored report's verdict, read without trusting the text (it is ours, but a file can be edited). */
function verdictOfJson(report: string): string | null {
  try {
    const v = (JSON.parse(report) as { verdict?: unknown }).verdict;
    return typeof v === 'string' ? v.slice(0, 20) : null;
  } catch {
    return null;
  }
}

export async function startSenderApi(server: SenderServer, options: SenderApiOptions): Promise<SenderApi> {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024, connectionTimeout: 90_000, requestTimeout: (MAX_WAIT_SECONDS + 15) * 1000 });
  let hosts = allowedHosts(options.address, options.port, options.hostNames ?? []);
  app.addHook('onRequest', async (request, reply) => {
    const host = (request.headers.host ?? '').toLowerCase();
    if (!hosts.has(host)) return problem(reply, 421, 'this API answers only to its own address (Host header refused: DNS rebinding protection)');
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      let originHost: string | null = null;
      try {
        originHost = new URL(origin).host.toLowerCase();
      } catch {
        originHost = null;
      }
      if (originHost === null || originHost !== host) return problem(reply, 403, 'cross-origin requests are refused');
    } else if (origin === 'null') return problem(reply, 403, 'cross-origin requests are refused');
    if (request.method === 'POST') {
      const type = request.headers['content-type'];
      const length = request.headers['content-length'];
      if (type !== undefined ? !/^application\/json\b/i.test(type) : length !== undefined && length !== '0') return problem(reply, 415, 'send JSON (Content-Type: application/json) or nothing');
    }
    reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
    return undefined;
  });
  // Our own failure (the store, a bug) is no client's business: a generic 500, the detail to the operator's log.
  app.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) options.onError?.(error instanceof Error ? error : new Error(String(error.message)));
    return reply.code(status).send({ error: status === 500 ? 'internal error of the sender-test server' : 'bad request' });
  });
  senderRoutes(app, server);
  await app.listen({ host: options.address, port: options.port });
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : options.port;
  const address = typeof bound === 'object' && bound ? bound.address : options.address;
  hosts = allowedHosts(options.address, port, options.hostNames ?? []);
  const shown = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '[::1]' : shown}:${port}`,
    address,
    port,
    async stop() {
      await app.close();
    },
  };
}
