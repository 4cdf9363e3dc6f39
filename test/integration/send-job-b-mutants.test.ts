// `mxray send`'s job (runSend) after the message is composed, for the corners the mutation run found
// unguarded: the ids of a --count series (the first message as composed before DNS, the others
// numbered .2, .3 … and dealt out to the sessions in runs), the DNS step (both address families by
// default, a server name only for a name, a resolver that breaks), the events every session sends
// to the caller's sink, the opportunistic retry in clear after a failed handshake (its note, its
// connection, the evidence of both, the failure cut to 300 characters, --tls none's HELO), the next
// MX address (the reason and the note cut, the caller's abort), the settings reported, and the
// figures on an injected clock. Loopback only; every server a test starts, the test stops.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import type { ClientCertificate, Clock, Connector, HostMapping, JobEdges, Limits, Resolver } from '../../src/core/context.js';
import { DnsError, TlsHandshakeError } from '../../src/core/errors.js';
import type { JobEvent } from '../../src/core/events.js';
import { createScheduler } from '../../src/core/scheduler.js';
import type { SendReport } from '../../src/core/schema.js';
import { reply, startScriptedServer, verbOf } from '../../src/demo/scripted-server.js';
import { createRootCa, type TestCa } from '../../src/demo/test-pki.js';
import { sendMessage, type SendOptions } from '../../src/library.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { startGreeter, startSendServer, type SendServer, type SendServerPlan } from '../helpers/send-server.js';

const HELO = 'client.mxray.test';
const FROM = 'sender@client.mxray.test';
const TO = 'rcpt@send.test';
const NAME = 'mx.send.test';
const NOW = Date.UTC(2026, 10, 29, 9, 0, 0);
const LIMITS: Partial<Limits> = { connectTimeoutMs: 3000, greetingTimeoutMs: 3000, commandTimeoutMs: 3000, tlsTimeoutMs: 3000 };

let ca: TestCa;
let tlsKey: { key: string; cert: string };
let clientCert: ClientCertificate;
beforeAll(async () => {
  ca = await createRootCa('mxray send job test root', Date.now());
  const leaf = await ca.issue({ commonName: NAME, dnsNames: [NAME, 'mx1.fallback.test', 'mx2.fallback.test'] });
  tlsKey = { key: leaf.keyPem, cert: leaf.certPem };
  const client = await ca.issue({ commonName: 'client.mxray.test', dnsNames: ['client.mxray.test'] });
  clientCert = { keyPem: client.keyPem, certPem: client.certPem, subject: 'CN=client.mxray.test' };
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

/**
 * A server whose first connection offers STARTTLS and then speaks only TLS 1.0 (our client refuses
 * it), and whose later connections refuse EHLO (502) and take HELO: a clear-text retry gets in only
 * if it falls back to HELO, as --tls none does.
 */
async function heloOnlyAfterTls(): Promise<{ port: number; received: { conn: number; line: string }[]; messages: number }> {
  const state = { received: [] as { conn: number; line: string }[], messages: 0 };
  const scripted = await startScriptedServer(
    () => {
      let wire = '';
      return {
        greeting: () => [reply(220, 'mx.send.test ESMTP')],
        command: (text, c) => {
          state.received.push({ conn: c.id, line: text });
          switch (verbOf(text)) {
            case 'EHLO':
              return c.id === 1 ? [reply(250, 'mx.send.test', 'STARTTLS')] : [reply(502, '5.5.2 Error: command not recognized')];
            case 'HELO':
              return [reply(250, 'mx.send.test')];
            case 'STARTTLS':
              return [reply(220, '2.0.0 Ready to start TLS'), { type: 'starttls' }];
            case 'MAIL':
              return [reply(250, '2.1.0 Ok')];
            case 'RCPT':
              return [reply(250, '2.1.5 Ok')];
            case 'DATA':
              wire = '';
              return [reply(354, 'End data with <CR><LF>.<CR><LF>'), { type: 'raw' }];
            case 'QUIT':
              return [reply(221, '2.0.0 Bye'), { type: 'close' }];
            default:
              return [reply(502, '5.5.2 Error: command not recognized')];
          }
        },
        data: (chunk) => {
          wire += chunk.toString('latin1');
          const end = wire.indexOf('\r\n.\r\n');
          if (end === -1) return [];
          state.messages++;
          return [reply(250, '2.0.0 Ok: queued as Q1'), { type: 'lines' }];
        },
        error: () => undefined,
      };
    },
    { address: '127.0.0.1', tls: { key: tlsKey.key, cert: tlsKey.cert, maxVersion: 'TLSv1' }, maxLineBytes: 100_000 },
  );
  stops.push(() => scripted.stop());
  return Object.assign(state, { port: scripted.port });
}

const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
const noDns: Resolver = { description: 'in-test resolver', mx: (n) => nx(n, 'MX'), a: (n) => nx(n, 'A'), aaaa: (n) => nx(n, 'AAAA'), cname: (n) => nx(n, 'CNAME'), txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]) };

/** A resolver that answers A queries with 127.0.0.1 (after `onA`) and AAAA with NODATA. */
function loopbackA(onA: () => void = () => undefined): Resolver {
  return {
    ...noDns,
    a: () => {
      onA();
      return Promise.resolve(['127.0.0.1']);
    },
    aaaa: (name) => Promise.reject(new DnsError('NODATA', name, 'AAAA')),
  };
}

function edges(): JobEdges {
  throw new Error('every edge is given in the options');
}

/** Sends to mx.send.test:port, mapped to the fixture, unless the options say otherwise. */
function send(port: number, extra: Partial<SendOptions> = {}): Promise<SendReport> {
  return sendMessage(
    {
      target: `${NAME}:${port}`,
      to: [TO],
      from: FROM,
      helo: HELO,
      limits: LIMITS,
      hostMap: new Map([[NAME, { address: '127.0.0.1', port }]]),
      clock: systemClock,
      resolver: noDns,
      connector: createConnector(systemClock),
      scheduler: createScheduler(),
      trustStore: createTrustStore([ca.cert.certPem], 'test root'),
      ...extra,
    },
    edges,
  );
}

/** fallback.test's MX records mx1 … mxN (preferences 10, 20 …), each name mapped to a loopback port. */
function domainTo(ports: readonly number[]): { target: string; resolver: Resolver; hostMap: Map<string, HostMapping> } {
  const names = ports.map((_, i) => `mx${i + 1}.fallback.test`);
  return {
    target: 'fallback.test',
    resolver: { ...noDns, mx: (name) => (name === 'fallback.test' ? Promise.resolve(names.map((exchange, i) => ({ exchange, priority: (i + 1) * 10 }))) : nx(name, 'MX')) },
    hostMap: new Map(names.map((n, i) => [n, { address: '127.0.0.1', port: ports[i] as number }])),
  };
}

/** A fixed clock whose monotonic time starts at 7 s (not 0: a difference of two readings is then not their sum). */
function clockAt(epochMs: number): Clock & { advance(ms: number): void } {
  const base = fixedClock(epochMs);
  return { now: base.now, monotonic: () => 7000 + base.monotonic(), sleep: base.sleep, advance: base.advance };
}

const ids = (r: SendReport) => r.findings.map((f) => f.id).sort();
const headerOf = (content: Buffer, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(content.toString('utf8').split('\r\n\r\n')[0]!)?.[1] ?? null;
/** The events of these connections but the job's own notes (written after a session's evidence was taken). */
const seqsOf = (r: SendReport, ...conns: string[]) => r.transcript.filter((e) => conns.includes(e.conn) && e.kind !== 'note').map((e) => e.seq);
const connsOf = (r: SendReport) => [...new Set(r.transcript.map((e) => e.conn))];

describe('the message series: the first message as composed, the others numbered and dealt out in runs', () => {
  it('--count 4 --concurrency 1: ids T0, T0.2, T0.3, T0.4; the first dated before DNS, the others when sent; the figures and the duration on the clock', async () => {
    const clock = clockAt(NOW);
    const s = await serve({ onMessage: () => clock.advance(5) });
    // DNS takes 2 s of the injected clock: the first message was composed before it, the others after.
    const r = await send(s.port, { count: 4, concurrency: 1, clock, testId: () => 'T0', hostMap: new Map(), resolver: loopbackA(() => clock.advance(2000)) });
    expect(s.messages.map((m) => headerOf(m.content, 'X-Mxray-Test'))).toEqual(['T0', 'T0.2', 'T0.3', 'T0.4']);
    expect(s.messages.map((m) => headerOf(m.content, 'Message-ID'))).toEqual(['<T0@client.mxray.test>', '<T0.2@client.mxray.test>', '<T0.3@client.mxray.test>', '<T0.4@client.mxray.test>']);
    expect(s.messages.map((m) => headerOf(m.content, 'Date'))).toEqual(['Sun, 29 Nov 2026 09:00:00 +0000', 'Sun, 29 Nov 2026 09:00:02 +0000', 'Sun, 29 Nov 2026 09:00:02 +0000', 'Sun, 29 Nov 2026 09:00:02 +0000']);
    expect(r.body.message).toEqual({ messageId: '<T0@client.mxray.test>', testId: 'T0', subject: 'mxray test T0', bytes: s.messages[0]!.content.length, eightBit: false, utf8: false, source: 'composed', foldedHeaders: 0 });
    expect(r.body.load).toEqual({ count: 4, concurrency: 1, delivered: 4, refused: 0, failed: 0, elapsedMs: 20, messagesPerSecond: 200, latencyMs: { p50: 5, p90: 5, p99: 5, max: 5 }, firstFailure: null });
    expect(r.startedAt).toBe('2026-11-29T09:00:00.000Z');
    expect(r.durationMs).toBe(2020);
  });

  it('a duration in fractions of a millisecond is kept to the microsecond', async () => {
    const clock = clockAt(NOW);
    const s = await serve({ onMessage: () => clock.advance(2.25) });
    const r = await send(s.port, { clock, hostMap: new Map(), resolver: loopbackA(() => clock.advance(0.5)) });
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.load).toBeNull();
    expect(r.durationMs).toBe(2.75);
  });

  it('--count 4 --concurrency 2: two sessions of two messages each (T0 T0.2, T0.3 T0.4); only the first session in the transcript, as …/send#1', async () => {
    const s = await serve({ pipelining: true });
    const progress: JobEvent[] = [];
    const r = await send(s.port, {
      count: 4,
      concurrency: 2,
      testId: () => 'T0',
      events: {
        emit: (e) => {
          if (e.type === 'progress') progress.push(e);
        },
      },
    });
    const byConn = new Map<number, string[]>();
    for (const m of s.messages) byConn.set(m.conn, [...(byConn.get(m.conn) ?? []), headerOf(m.content, 'X-Mxray-Test')!]);
    expect([...byConn.values()].sort((a, b) => a[0]!.localeCompare(b[0]!))).toEqual([
      ['T0', 'T0.2'],
      ['T0.3', 'T0.4'],
    ]);
    const key = `${NAME}[127.0.0.1]:${s.port}`;
    expect(connsOf(r)).toEqual([`${key}/send#1`]);
    expect(r.body.session!.evidence).toEqual(seqsOf(r, `${key}/send#1`));
    expect(r.body.load).toMatchObject({ count: 4, concurrency: 2, delivered: 4, refused: 0, failed: 0 });
    expect(progress).toEqual([
      { type: 'progress', key, phase: 'sending 4 messages over 2 sessions' },
      { type: 'progress', key, phase: 'done' },
    ]);
  });

  it('an address literal as the EHLO name: the Message-ID on mxray.invalid, the sender mxray-test@ the address', async () => {
    const s = await serve();
    const r = await send(s.port, { helo: '[127.0.0.1]', from: null, testId: () => 'T0' });
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.envelope).toEqual({ helo: '[127.0.0.1]', from: 'mxray-test@[127.0.0.1]', to: [TO] });
    expect(r.body.message.messageId).toBe('<T0@mxray.invalid>');
    expect(headerOf(s.messages[0]!.content, 'Message-ID')).toBe('<T0@mxray.invalid>');
    expect(s.messages[0]!.mailFrom).toBe('MAIL FROM:<mxray-test@[127.0.0.1]>');
  });
});

describe('a --count run of large messages', () => {
  it('a message just over the 10 MiB floor, --count 12: every one goes, though the later ones are longer by their ids', async () => {
    const s = await serve();
    const body = `${'x'.repeat(76)}\n`.repeat(Math.ceil((10 * 1024 * 1024) / 77));
    const r = await send(s.port, { count: 12, concurrency: 1, testId: () => 'T0', body });
    expect(r.body.load).toMatchObject({ count: 12, delivered: 12, failed: 0 });
    expect(s.messages).toHaveLength(12);
    // ".12" in X-Mxray-Test, Message-ID and the Subject.
    expect(s.messages[11]!.content.length - s.messages[0]!.content.length).toBe(9);
  });
});

describe('DNS: where the message goes', () => {
  it('a name looked up: A and AAAA by default; the server named by it (its SNI)', async () => {
    const s = await serve();
    const r = await send(s.port, { hostMap: new Map(), resolver: loopbackA() });
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.transcript.filter((e) => e.conn === 'dns').map((e) => e.text).sort()).toEqual([`A ${NAME} → 127.0.0.1`, `AAAA ${NAME} → NODATA`]);
    expect(r.body.dns).toEqual({ status: 'ok', resolver: 'in-test resolver', mx: [], error: null });
    expect(r.body.dnsEvidence).toEqual(seqsOf(r, 'dns'));
    expect(r.body.server).toEqual({ mx: NAME, address: '127.0.0.1', port: s.port, serverName: NAME });
    expect(s.messages).toHaveLength(1);
  });

  it('--families given: only those asked', async () => {
    const s = await serve();
    const r = await send(s.port, { hostMap: new Map(), resolver: loopbackA(), families: { v4: true, v6: false } });
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.transcript.filter((e) => e.conn === 'dns').map((e) => e.text)).toEqual([`A ${NAME} → 127.0.0.1`]);
  });

  it('an address as the target: no server name (no SNI, no name to check)', async () => {
    const s = await serve();
    const r = await send(s.port, { target: `127.0.0.1:${s.port}`, hostMap: new Map() });
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.server).toEqual({ mx: '127.0.0.1', address: '127.0.0.1', port: s.port, serverName: null });
    expect(r.body.session!.tls!.sni).toBeNull();
  });

  it('a resolver that breaks (not a DNS outcome): DNS in error with its message, no server, nothing sent', async () => {
    const s = await serve();
    const resolver: Resolver = { ...loopbackA(), a: () => Promise.reject(new Error('the resolver broke')) };
    const r = await send(s.port, { hostMap: new Map(), resolver });
    expect(r.body.dns).toEqual({ status: 'error', resolver: 'in-test resolver', mx: [], error: 'the resolver broke' });
    expect(r.body.server).toBeNull();
    expect(r.body.passedOver).toEqual([]);
    expect(r.body.session).toBeNull();
    expect(r.body.load).toBeNull();
    expect(r.body.outcome).toEqual({ result: 'failed', stage: null, reply: null, reason: 'no server to send to', cause: null, queueId: null, refusedRecipients: [] });
    expect(ids(r)).toEqual(['dns.error', 'send.failed']);
    expect(s.received).toEqual([]);
  });
});

describe("the caller's events", () => {
  it('every transcript event and the progress of the send, in order, through the sink', async () => {
    const s = await serve();
    const got: JobEvent[] = [];
    const r = await send(s.port, { events: { emit: (e) => got.push(e) } });
    expect(r.body.outcome.result).toBe('delivered');
    const key = `${NAME}[127.0.0.1]:${s.port}`;
    expect(got).toHaveLength(r.transcript.length + 2);
    expect(got[0]).toEqual({ type: 'progress', key, phase: 'sending' });
    expect(got.at(-1)).toEqual({ type: 'progress', key, phase: 'done' });
    expect(got.slice(1, -1)).toEqual(r.transcript.map((event) => ({ type: 'transcript', event })));
  });

  it('onProgress and onEvent get the same', async () => {
    const s = await serve();
    const phases: string[] = [];
    const events: unknown[] = [];
    const r = await send(s.port, { onProgress: (key, phase) => phases.push(`${key} ${phase}`), onEvent: (e) => events.push(e) });
    const key = `${NAME}[127.0.0.1]:${s.port}`;
    expect(phases).toEqual([`${key} sending`, `${key} done`]);
    expect(events).toEqual(r.transcript);
  });
});

describe('--tls opportunistic and a failed handshake: the message again in clear, on a new connection', () => {
  const NOTE = 'the TLS handshake failed: --tls opportunistic sends again without TLS on a new connection, as Postfix at "may" and Exim do';

  it('the note, the retry as …/send/cleartext, the evidence of both connections, the failure kept', async () => {
    const s = await serve({ tlsMaxVersion: 'TLSv1' });
    const r = await send(s.port);
    const key = `${NAME}[127.0.0.1]:${s.port}`;
    expect(r.body.outcome.result).toBe('delivered');
    expect(connsOf(r)).toEqual([`${key}/send`, `${key}/send/cleartext`]);
    expect(r.transcript.filter((e) => e.kind === 'note').map((e) => ({ conn: e.conn, text: e.text }))).toEqual([{ conn: `${key}/send`, text: NOTE }]);
    expect(r.body.session!.evidence).toEqual(seqsOf(r, `${key}/send`, `${key}/send/cleartext`));
    const failed = r.transcript.filter((e) => e.conn === `${key}/send` && e.kind === 'error').map((e) => e.text);
    expect(failed).toEqual([`TLS handshake failed: ${r.body.session!.tlsFallback}`]);
    expect(s.messages.map((m) => ({ conn: m.conn, secure: m.secure }))).toEqual([{ conn: 2, secure: false }]);
  });

  it("the handshake's failure is kept to 300 characters", async () => {
    const s = await serve({ tlsMaxVersion: 'TLSv1' });
    const long = `the server speaks only TLS 1.0 ${'and nothing newer '.repeat(30)}`;
    const inner = createConnector(systemClock);
    // The real handshake fails; its error is told at length.
    const connector: Connector = {
      async connect(options) {
        const c = await inner.connect(options);
        return {
          get localAddress() {
            return c.localAddress;
          },
          get remoteAddress() {
            return c.remoteAddress;
          },
          get stream() {
            return c.stream;
          },
          startTls: (o) =>
            c.startTls(o).catch((err: TlsHandshakeError) => {
              throw new TlsHandshakeError(long, err.reason, err.seen, err.timedOut);
            }),
          close: () => c.close(),
        };
      },
    };
    const r = await send(s.port, { connector });
    expect(r.body.outcome.result).toBe('delivered');
    expect(long.length).toBeGreaterThan(300);
    expect(r.body.session!.tlsFallback).toBe(long.slice(0, 300));
  });

  it('the retry is --tls none: a server that refuses EHLO there takes HELO', async () => {
    const s = await heloOnlyAfterTls();
    const r = await send(s.port);
    expect(r.body.outcome.result).toBe('delivered');
    expect(s.received.filter((x) => x.conn === 2).map((x) => verbOf(x.line))).toEqual(['EHLO', 'HELO', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
    expect(s.messages).toBe(1);
  });
});

describe('the next MX address', () => {
  const busy = Array.from({ length: 80 }, () => 'busy').join(' ');

  it('a long refusal: the reason kept to 300 characters, the note to 200; the evidence of the address passed over', async () => {
    const mx1 = await greeter(`421 4.3.2 ${busy}`);
    const mx2 = await serve();
    const r = await send(0, { ...domainTo([mx1.port, mx2.port]) });
    const why = `refused at the greeting: 421 4.3.2 ${busy}`;
    expect(why.length).toBeGreaterThan(300);
    const conn1 = `mx1.fallback.test[127.0.0.1]:${mx1.port}/send`;
    expect(r.body.passedOver).toEqual([{ mx: 'mx1.fallback.test', address: '127.0.0.1', port: mx1.port, reason: why.slice(0, 300), evidence: seqsOf(r, conn1) }]);
    expect(r.transcript.filter((e) => e.kind === 'note').map((e) => ({ conn: e.conn, text: e.text }))).toEqual([
      { conn: conn1, text: `not taken (${why.slice(0, 200)}): trying the next MX address, mx2.fallback.test[127.0.0.1]:${mx2.port}, as an MTA does` },
    ]);
    expect(r.body.server).toEqual({ mx: 'mx2.fallback.test', address: '127.0.0.1', port: mx2.port, serverName: 'mx2.fallback.test' });
    expect(r.body.outcome.result).toBe('delivered');
    expect(mx2.messages).toHaveLength(1);
  });

  it("after the caller's abort, no next address: the first one's end is the outcome", async () => {
    const mx1 = await greeter('421 4.3.2 busy');
    const mx2 = await serve();
    const stop = new AbortController();
    stop.abort();
    const r = await send(0, { ...domainTo([mx1.port, mx2.port]), signal: stop.signal });
    expect(r.body.passedOver).toEqual([]);
    expect(r.body.server).toEqual({ mx: 'mx1.fallback.test', address: '127.0.0.1', port: mx1.port, serverName: 'mx1.fallback.test' });
    expect(r.body.outcome).toEqual({ result: 'failed', stage: 'connect', reply: null, reason: 'connection-timeout: aborted', cause: null, queueId: null, refusedRecipients: [] });
    expect(ids(r)).toEqual(['send.failed']);
    expect(mx2.received).toEqual([]);
  });
});

describe('the settings reported', () => {
  it('--auth and --client-cert: the login as given (no secret) and the certificate presented', async () => {
    const s = await serve({ auth: ['PLAIN'], credentials: { user: 'alice', password: 'pw-0123' }, clientCertificate: 'require', clientCa: ca.cert.certPem });
    const r = await send(s.port, { tls: 'required', auth: { user: 'alice', secret: 'pw-0123', mechanism: 'PLAIN', allowCleartext: false }, clientCertificate: clientCert });
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.settings).toEqual({ tls: 'required', verify: 'name', requireTls: false, auth: { user: 'alice', mechanism: 'PLAIN', allowCleartext: false }, clientCertificate: 'CN=client.mxray.test' });
    expect(r.body.session!.tls!.clientCertificate).toBe(true);
    expect(s.logins).toEqual([{ conn: 1, mechanism: 'PLAIN', ok: true, secure: true }]);
    expect(s.messages).toHaveLength(1);
  });
});
