// `mxray send` to a mail domain whose first MX address does not take the session: as an MTA does
// (RFC 5321 §5.1), the message goes on to the next address in preference order — after a refused
// connection, a 421 greeting, or missing TLS when TLS is required — and never after the envelope
// was sent (a refusal at RCPT is the answer, not a reason to try elsewhere). Each test asserts which
// server received what. Loopback only; every server is stopped by the test that started it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { HostMapping, JobEdges, Limits, Resolver } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';
import { createScheduler } from '../../src/core/scheduler.js';
import type { SendReport } from '../../src/core/schema.js';
import { closedLoopbackPort } from '../../src/demo/scripted-server.js';
import { createRootCa, type TestCa } from '../../src/demo/test-pki.js';
import { MAX_SERVER_TRIES, nextAddressWhy } from '../../src/jobs/send/check-send.js';
import type { SessionResult } from '../../src/jobs/send/probe-send.js';
import { sendMessage, type SendOptions } from '../../src/library.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { renderText } from '../../src/render/text.js';
import { startGreeter, startSendServer, type SendServer, type SendServerPlan } from '../helpers/send-server.js';
import { schemaErrors } from '../helpers/schema.js';

const DOMAIN = 'fallback.test';
const TO = `rcpt@${DOMAIN}`;
const LIMITS: Partial<Limits> = { connectTimeoutMs: 3000, greetingTimeoutMs: 3000, commandTimeoutMs: 3000, tlsTimeoutMs: 3000 };

let ca: TestCa;
let tlsKey: { key: string; cert: string };
beforeAll(async () => {
  ca = await createRootCa('mxray fallback test root', Date.now());
  const leaf = await ca.issue({ commonName: 'mx2.fallback.test', dnsNames: ['mx1.fallback.test', 'mx2.fallback.test', 'mx3.fallback.test'] });
  tlsKey = { key: leaf.keyPem, cert: leaf.certPem };
});

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function serve(plan: SendServerPlan = {}): Promise<SendServer> {
  const s = await startSendServer(plan, tlsKey);
  stops.push(() => s.stop());
  return s;
}

/** A server that greets every connection with `greeting` and closes it (stopped after the test). */
async function greeter(greeting: string): Promise<{ port: number; connections: () => number }> {
  const g = await startGreeter(greeting);
  stops.push(g.stop);
  return g;
}

/** fallback.test's MX records: mx1 … mxN at preferences 10, 20, …; each name mapped to a loopback port. */
function domainTo(ports: readonly number[]): { resolver: Resolver; hostMap: Map<string, HostMapping> } {
  const names = ports.map((_, i) => `mx${i + 1}.${DOMAIN}`);
  const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
  return {
    resolver: {
      description: 'in-test resolver',
      // Listed out of order: mxray sorts them by preference.
      mx: (name) => (name === DOMAIN ? Promise.resolve(names.map((exchange, i) => ({ exchange, priority: (i + 1) * 10 })).reverse()) : nx(name, 'MX')),
      a: (name) => nx(name, 'A'),
      aaaa: (name) => nx(name, 'AAAA'),
      cname: (name) => nx(name, 'CNAME'),
      txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
    },
    hostMap: new Map(names.map((n, i) => [n, { address: '127.0.0.1', port: ports[i] as number }])),
  };
}

function edges(): JobEdges {
  throw new Error('every edge is given in the options');
}

function send(ports: readonly number[], extra: Partial<SendOptions> = {}): Promise<SendReport> {
  return sendMessage(
    {
      target: DOMAIN,
      to: [TO],
      from: 'sender@client.mxray.test',
      helo: 'client.mxray.test',
      limits: LIMITS,
      ...domainTo(ports),
      clock: systemClock,
      connector: createConnector(systemClock),
      scheduler: createScheduler(),
      trustStore: createTrustStore([ca.cert.certPem], 'test root'),
      ...extra,
    },
    edges,
  );
}

const ids = (r: SendReport) => r.findings.map((f) => f.id).sort();
const messagesOf = (s: SendServer) => s.messages.length;

describe('mxray send to a domain: the next MX address when one does not take the session', () => {
  it('a refused connection on the first MX: the message goes to the second, and the report says so', async () => {
    const closed = await closedLoopbackPort();
    const mx2 = await serve();
    const r = await send([closed, mx2.port]);
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.server).toMatchObject({ mx: 'mx2.fallback.test', port: mx2.port, serverName: 'mx2.fallback.test' });
    expect(r.body.passedOver).toHaveLength(1);
    expect(r.body.passedOver[0]).toMatchObject({ mx: 'mx1.fallback.test', address: '127.0.0.1', port: closed });
    expect(r.body.passedOver[0]!.reason).toMatch(/connection-refused/);
    expect(messagesOf(mx2)).toBe(1);
    expect(ids(r)).toEqual(['send.delivered', 'send.mx-passed-over']);
    const f = r.findings.find((x) => x.id === 'send.mx-passed-over')!;
    expect(f.title).toContain(`mx1.fallback.test[127.0.0.1]:${closed}`);
    expect(f.title).toContain(`went on to mx2.fallback.test[127.0.0.1]:${mx2.port}`);
    expect(f.hosts).toEqual([`mx1.fallback.test[127.0.0.1]:${closed}`]);
    // Its evidence is the failed attempt's transcript, not the delivery's.
    const conns = new Set(r.transcript.filter((e) => f.evidence.includes(e.seq)).map((e) => e.conn));
    expect([...conns]).toEqual([`mx1.fallback.test[127.0.0.1]:${closed}/send`]);
    expect(r.transcript.some((e) => e.kind === 'note' && /trying the next MX address, mx2\.fallback\.test/.test(e.text))).toBe(true);
    expect(r.verdict).toBe('warn');
    expect(schemaErrors(r)).toEqual([]);
    const out = renderText(r, { width: 100 });
    expect(out).toMatch(/Passed over mx1\.fallback\.test\[127\.0\.0\.1\]:\d+: connection-refused/);
  });

  it('a 421 greeting on the first MX: passed over, as Postfix does; the second gets the message', async () => {
    const busy = await greeter('421 4.3.2 mx1 busy, try later');
    const mx2 = await serve();
    const r = await send([busy.port, mx2.port]);
    expect(busy.connections()).toBe(1);
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.passedOver.map((p) => p.reason)).toEqual(['refused at the greeting: 421 4.3.2 mx1 busy, try later']);
    expect(messagesOf(mx2)).toBe(1);
  });

  it('a 554 greeting (a server refusing this client) is passed over too', async () => {
    const refusing = await greeter('554 5.7.1 no service for you');
    const mx2 = await serve();
    const r = await send([refusing.port, mx2.port]);
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.passedOver).toHaveLength(1);
    expect(messagesOf(mx2)).toBe(1);
  });

  it('--tls required and the first MX offers no STARTTLS: passed over to one that does, the message sent over TLS', async () => {
    const plain = await serve({ starttls: false });
    const mx2 = await serve();
    const r = await send([plain.port, mx2.port], { tls: 'required' });
    expect(plain.messages).toHaveLength(0);
    expect(r.body.passedOver[0]!.reason).toBe('STARTTLS is not offered');
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.session!.tls).not.toBeNull();
    expect(mx2.messages).toHaveLength(1);
    expect(mx2.messages[0]!.secure).toBe(true);
  });

  it('a refusal at RCPT is the answer: the next MX is never tried', async () => {
    const refusing = await serve({ refuse: { rcpt: { [TO]: '550 5.1.1 no such user' } } });
    const mx2 = await serve();
    const r = await send([refusing.port, mx2.port]);
    expect(r.body.outcome.result).toBe('refused');
    expect(r.body.outcome.stage).toBe('rcpt');
    expect(r.body.passedOver).toEqual([]);
    expect(r.body.server!.mx).toBe('mx1.fallback.test');
    expect(mx2.received).toHaveLength(0);
    expect(ids(r)).toEqual(['send.refused']);
  });

  it('a 421 at the end of the data is not passed over either (the message was on its way)', async () => {
    const deferring = await serve({ refuse: { message: '451 4.3.0 try again later' } });
    const mx2 = await serve();
    const r = await send([deferring.port, mx2.port]);
    expect(r.body.outcome.result).toBe('deferred');
    expect(r.body.passedOver).toEqual([]);
    expect(mx2.received).toHaveLength(0);
  });

  it('a refused login is not passed over: the next MX would refuse the same credentials', async () => {
    const authing = await serve({ auth: ['PLAIN'], credentials: { user: 'u', password: 'right' } });
    const mx2 = await serve({ auth: ['PLAIN'], credentials: { user: 'u', password: 'right' } });
    const r = await send([authing.port, mx2.port], { tls: 'required', auth: { user: 'u', secret: 'wrong', mechanism: 'PLAIN', allowCleartext: false } });
    expect(r.body.outcome.stage).toBe('auth');
    expect(r.body.passedOver).toEqual([]);
    expect(mx2.received).toHaveLength(0);
  });

  it('every MX address fails: all but the last are passed over, the last one’s failure is the outcome', async () => {
    const a = await closedLoopbackPort();
    const b = await greeter('421 4.3.2 busy');
    const c = await closedLoopbackPort();
    const r = await send([a, b.port, c]);
    expect(r.body.passedOver.map((p) => p.port)).toEqual([a, b.port]);
    expect(r.body.server!.port).toBe(c);
    expect(r.body.outcome.result).toBe('failed');
    expect(ids(r)).toEqual(['send.failed', 'send.mx-passed-over', 'send.mx-passed-over']);
    // Each passed-over finding names the address tried after it.
    const nexts = r.findings.filter((f) => f.id === 'send.mx-passed-over').map((f) => /went on to (\S+)$/.exec(f.title)?.[1]);
    expect(nexts.sort()).toEqual([`mx2.fallback.test[127.0.0.1]:${b.port}`, `mx3.fallback.test[127.0.0.1]:${c}`].sort());
  });

  it(`at most ${MAX_SERVER_TRIES} addresses are tried, as Postfix's smtp_mx_address_limit`, async () => {
    const closed = await Promise.all(Array.from({ length: MAX_SERVER_TRIES + 2 }, () => closedLoopbackPort()));
    const r = await send(closed);
    expect(r.body.passedOver).toHaveLength(MAX_SERVER_TRIES - 1);
    expect(r.body.server!.mx).toBe(`mx${MAX_SERVER_TRIES}.fallback.test`);
    expect(r.body.dns.mx).toHaveLength(MAX_SERVER_TRIES + 2);
  });

  it('a --count run goes to the next MX as a whole: every message to the server that answers', async () => {
    const closed = await closedLoopbackPort();
    const mx2 = await serve();
    const r = await send([closed, mx2.port], { count: 6, concurrency: 3 });
    expect(r.body.passedOver).toHaveLength(1);
    expect(r.body.load).toMatchObject({ count: 6, delivered: 6, failed: 0 });
    expect(messagesOf(mx2)).toBe(6);
  });

  it('a host:port target has one address: nothing to pass over to', async () => {
    const closed = await closedLoopbackPort();
    const r = await sendMessage(
      {
        target: `127.0.0.1:${closed}`,
        to: [TO],
        helo: 'client.mxray.test',
        limits: LIMITS,
        clock: systemClock,
        resolver: domainTo([]).resolver,
        connector: createConnector(systemClock),
        scheduler: createScheduler(),
        trustStore: createTrustStore([], 'empty'),
      },
      edges,
    );
    expect(r.body.outcome.result).toBe('failed');
    expect(r.body.passedOver).toEqual([]);
  });
});

describe('mxray send and a caller whose observer throws', () => {
  it('the message still goes; the failure is our internal error on top and the verdict at best inconclusive', async () => {
    const mx1 = await serve();
    let calls = 0;
    const r = await send([mx1.port], {
      onEvent: () => {
        calls++;
        throw new Error('observer broke');
      },
    });
    expect(calls).toBeGreaterThan(1);
    expect(r.body.outcome.result).toBe('delivered');
    expect(messagesOf(mx1)).toBe(1);
    expect(ids(r)).toEqual(['mxray.internal-error', 'send.delivered']);
    expect(r.findings[0]!.facts.detail).toBe('an event observer failed: observer broke');
    expect(r.verdict).toBe('inconclusive');
  });
});

describe('nextAddressWhy: when an MTA leaves an address for the next', () => {
  const run = (o: Partial<SessionResult['messages'][number]['outcome']>, status: SessionResult['session']['status'] = 'ok'): SessionResult => ({
    session: { status, statusDetail: null, capabilities: [], extensionsUsed: [], tls: null, certificate: null, tlsFallback: null, tlsAlert: null, clientCertificateRequested: false, steps: [], evidence: [] },
    messages: [{ outcome: { result: 'failed', stage: 'connect', reply: null, reason: 'r', cause: null, queueId: null, refusedRecipients: [], ...o }, latencyMs: null }],
  });

  it('every session unreached: the first one’s reason', () => {
    expect(nextAddressWhy([run({ reason: 'first' }), run({ reason: 'second', stage: 'banner', result: 'deferred' })])).toBe('first');
  });
  it('one session that reached the envelope keeps the address', () => {
    expect(nextAddressWhy([run({}), run({ stage: 'mail', result: 'refused' })])).toBeNull();
  });
  it('not after our own deadline or our own error', () => {
    expect(nextAddressWhy([run({}, 'deadline-reached')])).toBeNull();
    expect(nextAddressWhy([run({}, 'internal-error')])).toBeNull();
  });
  it('a 5xx refusal passes over only at the greeting; not-sent only for missing TLS', () => {
    expect(nextAddressWhy([run({ result: 'refused', stage: 'banner', reason: 'g' })])).toBe('g');
    expect(nextAddressWhy([run({ result: 'refused', stage: 'ehlo' })])).toBeNull();
    expect(nextAddressWhy([run({ result: 'not-sent', stage: 'starttls', cause: 'tls-unavailable', reason: 't' })])).toBe('t');
    expect(nextAddressWhy([run({ result: 'not-sent', stage: 'ehlo', cause: 'extension-missing' })])).toBeNull();
    expect(nextAddressWhy([run({ result: 'delivered', stage: 'message' })])).toBeNull();
    expect(nextAddressWhy([run({ result: 'deferred', stage: 'rcpt' })])).toBeNull();
  });
  it('a session that broke before anything was reached (no stage) is passed over', () => {
    expect(nextAddressWhy([run({ stage: null, reason: 'x' })])).toBe('x');
  });
});
