// The sender test's HTTP API (src/web/sender-api.ts) over a running listener
// (src/jobs/sender/sender-server.ts) and an in-memory SQLite store, on loopback: creating tests
// (lifetime, caps, the rate limit), reading them (waiting, a Report that passes the schema, unknown,
// malformed, expired), the long-poll that returns when a mail arrives, the result list — and the
// guards of a page every web page can reach: the Host header (DNS rebinding), Origin, and JSON-only POSTs.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import type { Clock } from '../../src/core/context.js';
import { parseSavedReport } from '../../src/core/saved-report.js';
import type { SenderTestStore } from '../../src/core/sender-store.js';
import { createRootCa, type IssuedCert, type TestCa } from '../../src/demo/test-pki.js';
import { startSenderServer, type SenderLimits, type SenderServer } from '../../src/jobs/sender/sender-server.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { startSenderApi, type SenderApi } from '../../src/web/sender-api.js';
import { maskedAddress } from '../../src/jobs/sender/passcode.js';
import { noDns } from '../helpers/no-dns.js';

const HOST = 'sendertest.mxray.test';
const CLIENT = 'client.sender.test';
const HOUR = 3_600_000;


let ca: TestCa;
let serverCert: IssuedCert;
beforeAll(async () => {
  ca = await createRootCa('sender api test root', Date.now());
  serverCert = await ca.issue({ commonName: HOST });
});

interface Harness {
  server: SenderServer;
  store: SenderTestStore;
  api: SenderApi;
  smtpPort: number;
  /** Resolves the next time the API starts waiting for a result (the long-poll is in place). */
  waiting(): Promise<void>;
  /** How many times the API has waited for a result. */
  waits(): number;
}

const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) {
    await h.api.stop();
    await h.server.stop();
    await h.store.close();
  }
});

async function start(options: { limits?: Partial<SenderLimits>; clock?: Clock } = {}): Promise<Harness> {
  const store = await openSqliteStore(':memory:');
  const server = await startSenderServer({
    listeners: [{ address: '127.0.0.1', port: 0, policy: 'opportunistic' }],
    hostname: HOST,
    tls: { key: serverCert.keyPem, cert: serverCert.certPem },
    store,
    clock: options.clock ?? systemClock,
    resolver: noDns,
    trustStore: createTrustStore([ca.cert.certPem], 'sender api test root'),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  // The real server, watched: the test learns when the API has begun its long-poll.
  const waiters: (() => void)[] = [];
  let waits = 0;
  const watched: SenderServer = {
    hostname: server.hostname,
    listeners: server.listeners,
    limits: server.limits,
    createTest: (lifetimeMs, expectFrom) => server.createTest(lifetimeMs, expectFrom),
    lookup: (passcode) => server.lookup(passcode),
    waitingHint: (since) => server.waitingHint(since),
    waitForResults(passcode, afterId, signal) {
      waits++;
      const result = server.waitForResults(passcode, afterId, signal);
      for (const wake of waiters.splice(0)) wake();
      return result;
    },
    stop: () => server.stop(),
  };
  const api = await startSenderApi(watched, { address: '127.0.0.1', port: 0, hostNames: [HOST] });
  const h: Harness = {
    server,
    store,
    api,
    smtpPort: server.listeners[0]?.port ?? 0,
    waiting: () => new Promise<void>((resolve) => waiters.push(resolve)),
    waits: () => waits,
  };
  running.push(h);
  return h;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): Record<string, unknown>;
}

/** One HTTP request to the API with exactly the headers given (Host defaults to the API's address). */
function request(h: Harness, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: h.api.port, method, path, headers: { host: `127.0.0.1:${h.api.port}`, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const post = (h: Harness, body?: unknown, headers: Record<string, string> = {}) =>
  request(h, 'POST', '/api/v1/sender-tests', body === undefined ? headers : { 'content-type': 'application/json', ...headers }, body === undefined ? undefined : JSON.stringify(body));

async function created(h: Harness, body: unknown = {}): Promise<{ passcode: string; address: string; createdAt: string; expiresAt: string }> {
  const answer = await post(h, body);
  expect(answer.status, answer.text).toBe(201);
  return answer.json() as { passcode: string; address: string; createdAt: string; expiresAt: string };
}

/** swaks delivers one mail in clear text to `to`; resolves with its exit code. */
function swaks(h: Harness, to: string, subject = 'api test'): Promise<number> {
  return new Promise((resolve) => {
    execFile('swaks', ['--server', `127.0.0.1:${h.smtpPort}`, '--to', to, '--from', `sender@${CLIENT}`, '--ehlo', CLIENT, '--header', `Subject: ${subject}`, '--timeout', '20'], { timeout: 30_000 }, (err) => {
      resolve(err ? (typeof err.code === 'number' ? err.code : 99) : 0);
    });
  });
}

describe('POST /api/v1/sender-tests', () => {
  it('expectFrom: the addresses the sender is expected at, canonical; anything but a short list of IP addresses is a 400', async () => {
    const h = await start();
    const made = await post(h, { expectFrom: ['2001:DB8:0:0:0:0:0:7', '::ffff:192.0.2.7'] });
    expect(made.status, made.text).toBe(201);
    expect((made.json() as { expectFrom: string[] }).expectFrom).toEqual(['2001:db8::7', '192.0.2.7']);
    for (const bad of ['192.0.2.7', ['mail.example.net'], Array(11).fill('192.0.2.7'), [7]]) {
      const refused = await post(h, { expectFrom: bad });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
  });

  it('creates a test: 201, Location, the address, one hour by default, the listeners', async () => {
    const h = await start();
    const answer = await post(h, {});
    expect(answer.status).toBe(201);
    const body = answer.json();
    expect(body.passcode).toMatch(/^[a-z2-7]{20}$/);
    expect(answer.headers.location).toBe(`/api/v1/sender-tests/${String(body.passcode)}`);
    expect(body).toEqual({
      passcode: body.passcode,
      address: `test-${String(body.passcode)}@${HOST}`,
      fixedAddress: `test@${HOST}`,
      createdAt: body.createdAt,
      expiresAt: new Date(Date.parse(String(body.createdAt)) + HOUR).toISOString(),
      expectFrom: [],
      listeners: [{ address: '127.0.0.1', port: h.smtpPort, policy: 'opportunistic' }],
      hostname: HOST,
    });
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    const again = await created(h);
    expect(again.passcode).not.toBe(body.passcode);
  });

  it('honours lifetimeSeconds, and holds it between one minute and the longest lifetime', async () => {
    const h = await start({ limits: { maxLifetimeMs: 2 * HOUR } });
    const lifetime = async (seconds: unknown) => {
      const t = await created(h, { lifetimeSeconds: seconds });
      return Date.parse(t.expiresAt) - Date.parse(t.createdAt);
    };
    expect(await lifetime(600)).toBe(600_000);
    expect(await lifetime(5)).toBe(60_000);
    expect(await lifetime(-100)).toBe(60_000);
    expect(await lifetime(10 * 86_400)).toBe(2 * HOUR);
    expect(await lifetime('600')).toBe(HOUR);
    expect(await lifetime(null)).toBe(HOUR);
  });

  it('without a body (no Content-Type, nothing sent): created', async () => {
    const h = await start();
    const answer = await request(h, 'POST', '/api/v1/sender-tests');
    expect(answer.status, answer.text).toBe(201);
  });

  it('a body that is not JSON (text/plain, a form, a body without a type): 415', async () => {
    const h = await start();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await request(h, 'POST', '/api/v1/sender-tests', { 'content-type': type }, '{"lifetimeSeconds":600}');
      expect(answer.status, type).toBe(415);
      expect(answer.json()).toEqual({ error: 'send JSON (Content-Type: application/json) or nothing' });
    }
    const untyped = await request(h, 'POST', '/api/v1/sender-tests', { 'content-length': '2' }, '{}');
    expect(untyped.status).toBe(415);
    expect(await h.store.countCreatedSince(new Date(0).toISOString())).toBe(0);
  });

  it('the rate limit: past testsPerMinute 429 with Retry-After, and nothing created', async () => {
    const clock = fixedClock(Date.now());
    const h = await start({ limits: { testsPerMinute: 2 }, clock });
    await created(h);
    await created(h);
    const refused = await post(h, {});
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.json().error).toMatch(/too many sender tests created in the last minute/);
    expect(await h.store.countCreatedSince(new Date(0).toISOString())).toBe(2);
    // A minute on, the window has moved.
    clock.advance(60_001);
    await created(h);
  });
});

describe('GET /api/v1/sender-tests/<passcode>', () => {
  it('202 while waiting, then 200 with the stored Report (valid against the schema)', async () => {
    const h = await start();
    const test = await created(h);
    const waiting = await request(h, 'GET', `/api/v1/sender-tests/${test.passcode}`);
    expect(waiting.status).toBe(202);
    // The caller knows the passcode: the address whole; no session dropped out after STARTTLS yet.
    expect(waiting.json()).toEqual({ status: 'waiting', address: test.address, createdAt: test.createdAt, expiresAt: test.expiresAt, tlsDropouts: 0 });
    expect(await swaks(h, test.address)).toBe(0);
    const done = await request(h, 'GET', `/api/v1/sender-tests/${test.passcode.toUpperCase()}`);
    expect(done.status).toBe(200);
    expect(done.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(done.headers['x-mxray-results']).toBe('1');
    const [stored] = await h.store.results((await h.server.lookup(test.passcode))?.test.key ?? '');
    expect(done.headers['x-mxray-result-id']).toBe(String(stored?.id));
    expect(done.text).toBe(stored?.report);
    const report = parseSavedReport(done.text, 'the API answer');
    expect(report.kind).toBe('sender');
    if (report.kind !== 'sender') return;
    expect(report.body.test.address).toBe(maskedAddress(test.passcode, HOST));
    expect(report.body.session.outcome).toBe('accepted');
    expect(report.body.headers?.subject).toBe('api test');
  });

  it('404 for an unknown passcode and for anything that is not one', async () => {
    const h = await start();
    await created(h);
    for (const path of ['aaaaaaaaaaaaaaaaaaaa', 'nonsense', '00000000000000000000', 'aaaaaaaaaaaaaaaaaaaaa', `test-aaaaaaaaaaaaaaaaaaaa`, '%2e%2e']) {
      const answer = await request(h, 'GET', `/api/v1/sender-tests/${path}`);
      expect(answer.status, path).toBe(404);
      expect(answer.json(), path).toEqual({ error: 'no such sender test' });
    }
  });

  it('410 once expired without a result; a result still shows after the expiry', async () => {
    const clock = fixedClock(Date.now());
    const h = await start({ clock });
    const empty = await created(h, { lifetimeSeconds: 60 });
    const withMail = await created(h, { lifetimeSeconds: 60 });
    expect(await swaks(h, withMail.address)).toBe(0);
    clock.advance(60_001);
    const gone = await request(h, 'GET', `/api/v1/sender-tests/${empty.passcode}?wait=30`);
    expect(gone.status).toBe(410);
    expect(gone.json()).toEqual({ status: 'expired', address: empty.address, expiresAt: empty.expiresAt });
    // An expired test is not waited for: nothing can arrive any more.
    expect(h.waits()).toBe(0);
    expect((await request(h, 'GET', `/api/v1/sender-tests/${withMail.passcode}`)).status).toBe(200);
    const list = await request(h, 'GET', `/api/v1/sender-tests/${empty.passcode}/results`);
    expect(list.json()).toEqual({ address: empty.address, expiresAt: empty.expiresAt, expired: true, results: [] });
  });

  it('?wait= returns as soon as a result is stored', async () => {
    const h = await start();
    const test = await created(h);
    const inPlace = h.waiting();
    const answer = request(h, 'GET', `/api/v1/sender-tests/${test.passcode}?wait=60`);
    await inPlace;
    expect(await swaks(h, test.address)).toBe(0);
    const done = await answer;
    expect(h.waits()).toBe(1);
    expect(done.status).toBe(200);
    expect(parseSavedReport(done.text, 'the long-poll answer').kind).toBe('sender');
  });

  it('?wait=&after= waits for a newer result than the one given', async () => {
    const h = await start();
    const test = await created(h);
    expect(await swaks(h, test.address, 'first')).toBe(0);
    const first = await request(h, 'GET', `/api/v1/sender-tests/${test.passcode}`);
    const firstId = String(first.headers['x-mxray-result-id']);
    const inPlace = h.waiting();
    const answer = request(h, 'GET', `/api/v1/sender-tests/${test.passcode}?wait=60&after=${firstId}`);
    await inPlace;
    expect(await swaks(h, test.address, 'second')).toBe(0);
    const done = await answer;
    expect(done.status).toBe(200);
    expect(Number(done.headers['x-mxray-result-id'])).toBeGreaterThan(Number(firstId));
    expect(done.headers['x-mxray-results']).toBe('2');
    const report = parseSavedReport(done.text, 'the second result');
    expect(report.kind === 'sender' ? report.body.headers?.subject : null).toBe('second');
  });
});

describe('results', () => {
  it('the list (id, time, verdict) and one result by id; an unknown id 404', async () => {
    const h = await start();
    const test = await created(h);
    expect(await swaks(h, test.address, 'one')).toBe(0);
    expect(await swaks(h, test.address, 'two')).toBe(0);
    const list = await request(h, 'GET', `/api/v1/sender-tests/${test.passcode}/results`);
    expect(list.status).toBe(200);
    const body = list.json() as { address: string; expiresAt: string; expired: boolean; results: { id: number; receivedAt: string; verdict: string }[] };
    expect(body).toMatchObject({ address: test.address, expiresAt: test.expiresAt, expired: false });
    // Sent in clear text although STARTTLS was offered: each report fails (sender.no-starttls).
    expect(body.results.map((r) => r.verdict)).toEqual(['fail', 'fail']);
    const [newest, oldest] = body.results;
    if (!newest || !oldest) throw new Error('two results expected');
    expect(newest.id).toBeGreaterThan(oldest.id);
    const subjects: string[] = [];
    for (const r of body.results) {
      const one = await request(h, 'GET', `/api/v1/sender-tests/${test.passcode}/results/${r.id}`);
      expect(one.status).toBe(200);
      const report = parseSavedReport(one.text, 'one result');
      subjects.push(report.kind === 'sender' ? (report.body.headers?.subject ?? '') : '');
    }
    expect(subjects).toEqual(['two', 'one']);
    expect((await request(h, 'GET', `/api/v1/sender-tests/${test.passcode}/results/${newest.id + 1000}`)).json()).toEqual({ error: 'no such result' });
    expect((await request(h, 'GET', `/api/v1/sender-tests/aaaaaaaaaaaaaaaaaaaa/results`)).status).toBe(404);
  });

  it("a result id of another test is not found through this test's passcode", async () => {
    const h = await start();
    const one = await created(h);
    const two = await created(h);
    expect(await swaks(h, one.address)).toBe(0);
    const id = String((await request(h, 'GET', `/api/v1/sender-tests/${one.passcode}`)).headers['x-mxray-result-id']);
    expect((await request(h, 'GET', `/api/v1/sender-tests/${two.passcode}/results/${id}`)).status).toBe(404);
  });
});

describe('guards', () => {
  it('refuses a foreign Host (DNS rebinding), also one that starts with our address', async () => {
    const h = await start();
    const test = await created(h);
    for (const host of ['evil.example', `evil.example:${h.api.port}`, `127.0.0.1.evil.example:${h.api.port}`, '127.0.0.1.evil.example', `127.0.0.2:${h.api.port}`, `${HOST}.evil.example`]) {
      for (const [method, path] of [['GET', `/api/v1/sender-tests/${test.passcode}`], ['POST', '/api/v1/sender-tests']] as const) {
        const answer = await request(h, method, path, { host });
        expect(answer.status, `${method} Host: ${host}`).toBe(421);
      }
    }
    expect(await h.store.countCreatedSince(new Date(0).toISOString())).toBe(1);
    for (const host of [`127.0.0.1:${h.api.port}`, '127.0.0.1', `localhost:${h.api.port}`, `${HOST}:${h.api.port}`, HOST.toUpperCase()]) {
      expect((await request(h, 'GET', `/api/v1/sender-tests/${test.passcode}`, { host })).status, host).toBe(202);
    }
  });

  it('refuses another origin and Origin: null, for GET and POST; the same origin passes', async () => {
    const h = await start();
    const test = await created(h);
    const own = `http://127.0.0.1:${h.api.port}`;
    for (const origin of ['http://evil.example', `http://127.0.0.1:${h.api.port + 1}`, `${own}.evil.example`, 'null', 'not a url']) {
      const get = await request(h, 'GET', `/api/v1/sender-tests/${test.passcode}`, { origin });
      expect(get.status, `GET Origin: ${origin}`).toBe(403);
      expect(get.json()).toEqual({ error: 'cross-origin requests are refused' });
      expect((await post(h, {}, { origin })).status, `POST Origin: ${origin}`).toBe(403);
    }
    expect(await h.store.countCreatedSince(new Date(0).toISOString())).toBe(1);
    expect((await request(h, 'GET', `/api/v1/sender-tests/${test.passcode}`, { origin: own })).status).toBe(202);
    expect((await post(h, {}, { origin: own })).status).toBe(201);
  });

  it('health names the listeners', async () => {
    const h = await start();
    const answer = await request(h, 'GET', '/api/v1/health');
    expect(answer.json()).toEqual({ ok: true, hostname: HOST, listeners: [{ address: '127.0.0.1', port: h.smtpPort, policy: 'opportunistic' }] });
  });
});
