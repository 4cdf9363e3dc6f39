// Review of `mxray serve --public` (issue 25 §4): the guarded edges against the jobs that use them,
// and what public mode still takes in a URL. Each `it.fails` demonstrates a real problem; the
// comment names the fix. No network: the resolver is a table, the connector refuses everything.
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import type { Connector, Resolver } from '../../../src/core/context.js';
import { DnsError } from '../../../src/core/errors.js';
import { createEventSink } from '../../../src/core/events.js';
import { createScheduler } from '../../../src/core/scheduler.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { buildWebServer } from '../../../src/web/app.js';
import { asset } from '../../../src/web/assets.js';
import { publicEdges } from '../../../src/web/guard.js';
import { blocklistKind } from '../../../src/web/kinds/blocklist.js';
import { JOB_KINDS } from '../../../src/web/kinds/index.js';
import type { JobContext, WebEdges } from '../../../src/web/kinds/model.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** "A name" → answers; anything else NXDOMAIN. */
function tableResolver(table: Record<string, string[]>): Resolver {
  const look = (qtype: string, name: string) => {
    const found = table[`${qtype} ${name}`];
    return found ? Promise.resolve([...found]) : Promise.reject(new DnsError('NXDOMAIN', name, qtype));
  };
  return {
    description: 'in-test resolver',
    mx: async (name) => (await look('MX', name)).map((exchange, i) => ({ exchange, priority: 10 * (i + 1) })),
    a: (name) => look('A', name),
    aaaa: (name) => look('AAAA', name),
    cname: (name) => look('CNAME', name),
    ptr: (address) => look('PTR', address),
    txt: async (name) => (await look('TXT', name)).map((t) => [t]),
  };
}

const refuseAll: Connector = {
  connect: () => Promise.reject(new Error('no connection in this test')),
};

const trustStore = createTrustStore([], 'no roots (test)');

function baseEdges(resolver: Resolver): Omit<WebEdges, 'fetcher' | 'hostMap'> {
  return { clock: systemClock, resolver, dnssec: null, connector: refuseAll, trustStore, scheduler: createScheduler(), helo: 'mxray.test' };
}

function contextOn(edges: WebEdges, publicMode: boolean): JobContext {
  return { edges, signal: new AbortController().signal, events: createEventSink(), publicMode, upload: null };
}

describe('review: block lists in public mode', () => {
  // A DNS block list answers "listed" with an A record in 127.0.0.0/8 (RFC 5782). Public mode's
  // resolver removes every non-public address from A answers (to keep connections off them), so
  // every listing becomes a failed lookup ("the public-mode address policy refuses every A address
  // of …"): on a public instance, the Block list job and Posture's block lists can never say
  // "listed". Fix (src/web/guard.ts, kinds/blocklist.ts, kinds/posture.ts): give the DNSBL lookups
  // the unguarded resolver (their answers are data, never connected to), e.g. a `lookupResolver`
  // edge in WebEdges that publicEdges sets to base.resolver.
  const listed = { 'A 9.9.9.9.bl.review.test': ['127.0.0.2'] };

  it('(control) the unguarded edges say the address is listed', async () => {
    const resolver = tableResolver(listed);
    const edges: WebEdges = { ...baseEdges(resolver), fetcher: { fetch: () => Promise.reject(new Error('no fetch')) }, hostMap: new Map() };
    const report = await blocklistKind.run({ target: '9.9.9.9', zones: ['bl.review.test'] }, contextOn(edges, false));
    expect(JSON.stringify(report.body)).toContain('"status":"listed"');
  });

  it('public mode still says a listed address is listed', async () => {
    const edges = publicEdges(baseEdges(tableResolver(listed)));
    const report = await blocklistKind.run({ target: '9.9.9.9', zones: ['bl.review.test'] }, contextOn(edges, true));
    expect(JSON.stringify(report.body)).toContain('"status":"listed"');
  });
});

describe('review: secrets in the URL', () => {
  // The PFX password is meant to travel in X-MXray-Password, "never in the URL" (a URL ends up in
  // proxies' and servers' logs), yet `?password=` is still taken for cert-file (FileParams has it,
  // and the query is spread into the parameters). Fix (src/web/app.ts upload path): refuse (400) a
  // `password` query parameter, or drop `password` from the query before the header is added.
  it('refuses a certificate password in the query string', async () => {
    const store = await openSqliteStore(':memory:');
    const assets = { index: asset('<!doctype html>', 'text/html; charset=utf-8'), files: new Map() };
    const web = await buildWebServer({ store, clock: systemClock, edges: { clock: systemClock } as WebEdges, publicMode: false, auth: null, assets, kinds: JOB_KINDS });
    web.listening('127.0.0.1', 8025);
    cleanups.push(async () => {
      web.jobs.cancelAll();
      await web.app.close();
      await store.close();
    });
    const r = await web.app.inject({
      method: 'POST',
      url: '/api/v1/jobs/cert-file?name=a.pfx&password=hunter2-in-the-access-log',
      headers: { host: '127.0.0.1:8025', 'content-type': 'application/octet-stream' },
      payload: Buffer.from('not a certificate'),
    });
    expect(r.statusCode).toBe(400);
  });
});

describe('review: Send in public mode', () => {
  // Public mode refuses `count` and `concurrency` above 1 ("one message per job"), yet one job
  // still takes up to MAX_RECIPIENTS (100) recipients, any MAIL FROM and HELO, and `data`, a whole
  // message of the requester's (any From:, any content): an anonymous public instance sends 100
  // forged messages per job, 10 jobs a minute per address, from its own IP — a spam and phishing
  // relay that gets the operator's address block-listed. Fix (src/web/kinds/send.ts publicProblem):
  // in public mode one recipient, no `data` (the server composes the test message, marked as a
  // test with the requester's address in a header), and a From: the server chooses (or refuse Send
  // in public mode without --auth).
  it('public mode refuses one job sending a composed message to 100 recipients', async () => {
    const store = await openSqliteStore(':memory:');
    const assets = { index: asset('<!doctype html>', 'text/html; charset=utf-8'), files: new Map() };
    const edges = publicEdges(baseEdges(tableResolver({})));
    const web = await buildWebServer({ store, clock: systemClock, edges, publicMode: true, auth: null, assets, kinds: JOB_KINDS });
    web.listening('127.0.0.1', 8025);
    cleanups.push(async () => {
      web.jobs.cancelAll();
      await web.app.close();
      await store.close();
    });
    const to = Array.from({ length: 100 }, (_, i) => `victim${i}@example.com`);
    const data = 'From: "Your Bank" <security@bank.example>\r\nTo: you\r\nSubject: Verify your account\r\n\r\nClick here.\r\n';
    const r = await web.app.inject({
      method: 'POST',
      url: '/api/v1/jobs/send',
      headers: { host: '127.0.0.1:8025', 'content-type': 'application/json' },
      payload: { target: 'example.com', from: 'security@bank.example', to, data },
    });
    expect(r.statusCode).toBe(403);
  });
});
