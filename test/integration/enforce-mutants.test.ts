// `mxray enforce`'s job and probe, for the corners the mutation run found unguarded: every usage
// error's exact words (and that it comes before any connection), the edges taken from the defaults,
// observers and progress, the limits given, the deadlines' notes and duration on the injected clock,
// a resolver that throws, which MX addresses are probed, SNI, judging a saved report again, the
// exact steps and evidence of each session, EHLO refused before or inside TLS, STARTTLS refused,
// odd reply codes to MAIL FROM, and a broken dialogue (no QUIT). Loopback only; every server a test
// starts, the test stops.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import type { Clock, JobEdges, Limits, ProbeContext, Resolver } from '../../src/core/context.js';
import { DEFAULT_LIMITS } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';
import type { JobEvent } from '../../src/core/events.js';
import { createScheduler } from '../../src/core/scheduler.js';
import type { EnforceReport, TranscriptEvent } from '../../src/core/schema.js';
import { Transcript } from '../../src/core/transcript.js';
import { DEFAULT_PROFILE } from '../../src/checks/profile.js';
import { closedLoopbackPort, reply, startScriptedServer, verbOf, type ScriptActions, type ScriptConnection } from '../../src/demo/scripted-server.js';
import { createRootCa } from '../../src/demo/test-pki.js';
import { rejudgeEnforce, runEnforceCheck, type EnforceOptions } from '../../src/jobs/enforce/check-enforce.js';
import { probeEnforce } from '../../src/jobs/enforce/probe-enforce.js';
import { createConnector } from '../../src/net/connector.js';
import { startEnforceServer, type EnforcePlan, type EnforceServer } from '../helpers/enforce-server.js';

const HELO = 'client.mxray.test';
const RCPT = 'postmaster@enforce.test';
const FAST: Partial<Limits> = { connectTimeoutMs: 2000, greetingTimeoutMs: 2000, commandTimeoutMs: 2000, tlsTimeoutMs: 2000 };
const REQUIRE_TLS = '530 5.7.0 Must issue a STARTTLS command first';
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

let tlsKey: { key: string; cert: string };
beforeAll(async () => {
  const ca = await createRootCa('mxray enforce mutants root', Date.now());
  const leaf = await ca.issue({ commonName: 'mx.enforce.test', dnsNames: ['mx.enforce.test'] });
  tlsKey = { key: leaf.keyPem, cert: leaf.certPem };
});

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function serve(plan: EnforcePlan): Promise<EnforceServer> {
  const s = await startEnforceServer(plan, tlsKey);
  stops.push(() => s.stop());
  return s;
}

interface Line {
  conn: number;
  line: string;
  secure: boolean;
}
interface Scripted {
  port: number;
  lines: Line[];
  /** The SNI of each connection's handshake, by connection id. */
  servernames: Map<number, string | null>;
}

/**
 * A server like the enforce fixture (STARTTLS offered, everything accepted), where `answer` may
 * replace the reply to any command (null: the default).
 */
async function scripted(answer: (verb: string, line: string, c: ScriptConnection) => ScriptActions | null = () => null): Promise<Scripted> {
  const lines: Line[] = [];
  const servernames = new Map<number, string | null>();
  const server = await startScriptedServer(
    {
      greeting: () => [reply(220, 'mx.script.test ESMTP')],
      command: (text, c) => {
        lines.push({ conn: c.id, line: text, secure: c.secure });
        if (c.secure) servernames.set(c.id, c.servername);
        const verb = verbOf(text);
        const given = answer(verb, text, c);
        if (given) return given;
        switch (verb) {
          case 'EHLO':
            return [reply(250, 'mx.script.test', 'PIPELINING', ...(c.secure ? [] : ['STARTTLS']))];
          case 'STARTTLS':
            return [reply(220, '2.0.0 Ready to start TLS'), { type: 'starttls' }];
          case 'MAIL':
            return [reply(250, '2.1.0 Ok')];
          case 'RCPT':
            return [reply(250, '2.1.5 Ok')];
          case 'RSET':
            return [reply(250, '2.0.0 Ok')];
          case 'QUIT':
            return [reply(221, '2.0.0 Bye'), { type: 'close' }];
          default:
            return [reply(502, '5.5.2 Command not recognized')];
        }
      },
      error: () => undefined,
    },
    { address: '127.0.0.1', tls: { key: tlsKey.key, cert: tlsKey.cert } },
  );
  stops.push(() => server.stop());
  return { port: server.port, lines, servernames };
}

const linesOf = (lines: readonly Line[], conn: number) => lines.filter((r) => r.conn === conn).map((r) => `${r.secure ? 'tls:' : ''}${r.line}`);

const noDns: Resolver = {
  description: 'in-test resolver',
  mx: (name) => (name === 'enforce.test' ? Promise.resolve([{ exchange: 'mx.enforce.test', priority: 10 }]) : Promise.reject(new DnsError('NXDOMAIN', name, 'MX'))),
  a: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'A')),
  aaaa: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'AAAA')),
  cname: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'CNAME')),
  txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
};

function noEdges(): JobEdges {
  throw new Error('every edge is given in the options');
}

function run(port: number, extra: Partial<EnforceOptions> = {}, defaults: () => JobEdges = noEdges): Promise<EnforceReport> {
  return runEnforceCheck(
    {
      target: `127.0.0.1:${port}`,
      rcpt: RCPT,
      helo: HELO,
      limits: FAST,
      clock: systemClock,
      resolver: noDns,
      connector: createConnector(systemClock),
      scheduler: createScheduler(),
      ...extra,
    },
    defaults,
  );
}

const ids = (report: EnforceReport) => report.findings.map((f) => f.id).sort();
const notes = (report: EnforceReport) => report.transcript.filter((e) => e.kind === 'note').map((e) => [e.conn, e.text]);
const PLAIN = 'give a plain address like name@example.com';

describe('usage errors, before any connection', () => {
  it('--helo, --from and --rcpt each named in their message, checked before the target', async () => {
    await expect(run(1, { helo: 'no_such name' })).rejects.toThrow('--helo "no_such name" is not usable: give a fully qualified domain name, [IPv4] or [IPv6:address]');
    await expect(run(1, { target: '', from: '@a@b' })).rejects.toThrow(`--from "@a@b" is not usable: ${PLAIN}`);
    await expect(run(1, { target: '', from: 'a@b@' })).rejects.toThrow(`--from "a@b@" is not usable: ${PLAIN}`);
    await expect(run(1, { target: '', rcpt: '@a@b' })).rejects.toThrow(`--rcpt "@a@b" is not usable: ${PLAIN}`);
    await expect(run(1, { target: '', rcpt: 'a@b@' })).rejects.toThrow(`--rcpt "a@b@" is not usable: ${PLAIN}`);
  });

  it('a user@domain target whose mailbox is not one address: refused whether --rcpt is absent or null', async () => {
    await expect(run(1, { target: 'a<b>@enforce.test', rcpt: undefined })).rejects.toThrow(`the target "a<b>@enforce.test" is not usable: ${PLAIN}`);
    await expect(run(1, { target: 'a@b@enforce.test', rcpt: undefined })).rejects.toThrow(`the target "a@b@enforce.test" is not usable: ${PLAIN}`);
  });

  it('a server by name, or an address literal after @, needs --rcpt: the message says which', async () => {
    await expect(run(1, { target: 'mx.example.test:2525', rcpt: null })).rejects.toThrow(
      'give --rcpt: the target "mx.example.test:2525" is a server, not a mail domain, so there is no postmaster@domain to try',
    );
    const port = await closedLoopbackPort();
    await expect(run(1, { target: 'alice@[127.0.0.1]', port, rcpt: null })).rejects.toThrow(
      'give --rcpt: the target "alice@[127.0.0.1]" is an IP address, not a mail domain, so there is no postmaster@domain to try',
    );
    const long = `${'a'.repeat(60)}.${'b'.repeat(30)}.test:2525`;
    await expect(run(1, { target: long, rcpt: null })).rejects.toThrow(`give --rcpt: the target ${JSON.stringify(long.slice(0, 80))} is a server, not a mail domain`);
  });

  it('a default EHLO name that cannot make a --from: refused as --from, before any connection', async () => {
    const port = await closedLoopbackPort();
    const defaults = (): JobEdges => ({ clock: systemClock, resolver: noDns, connector: createConnector(systemClock), trustStore: { roots: () => [], description: 'x' }, helo: 'host@evil', scheduler: createScheduler() });
    await expect(runEnforceCheck({ target: `127.0.0.1:${port}`, rcpt: RCPT }, defaults)).rejects.toThrow(`--from "mxray-test@host@evil" is not usable: ${PLAIN}`);
  });
});

describe('the envelope and the edges', () => {
  it('everything from the defaults (no limits given): EHLO name, clock, connector, scheduler; a valid --from is used as given', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS } });
    let made = 0;
    const defaults = (): JobEdges => {
      made++;
      return { clock: systemClock, resolver: noDns, connector: createConnector(systemClock), trustStore: { roots: () => [], description: 'x' }, helo: 'edge.mxray.test', scheduler: createScheduler() };
    };
    const report = await runEnforceCheck({ target: `127.0.0.1:${server.port}`, rcpt: RCPT, from: 'sender@partner.example' }, defaults);
    expect(made).toBe(1);
    expect(report.body.envelope).toEqual({ helo: 'edge.mxray.test', from: 'sender@partner.example', rcpt: RCPT, throughData: false });
    expect(report.body.timeouts).toEqual({ connectMs: DEFAULT_LIMITS.connectTimeoutMs, greetingMs: DEFAULT_LIMITS.greetingTimeoutMs, commandMs: DEFAULT_LIMITS.commandTimeoutMs });
    expect(server.received.filter((r) => r.conn === 1).map((r) => r.line)).toEqual(['EHLO edge.mxray.test', 'MAIL FROM:<sender@partner.example>', 'QUIT']);
    expect(ids(report)).toEqual(['policy.tls-enforced']);
  });

  it('a target with white space around user@domain: the mailbox is taken trimmed', async () => {
    const server = await serve({ clear: { stage: 'rcpt', reply: REQUIRE_TLS } });
    const hostMap = new Map([['mx.enforce.test', { address: '127.0.0.1', port: server.port }]]);
    const report = await run(server.port, { target: '  alice@enforce.test ', rcpt: undefined, hostMap });
    expect(report.body.envelope.rcpt).toBe('alice@enforce.test');
    expect(server.received.filter((r) => r.conn === 1).map((r) => r.line)).toEqual([`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`, 'RCPT TO:<alice@enforce.test>', 'RSET', 'QUIT']);
  });

  it('a given --rcpt makes an unusable mailbox in the target irrelevant', async () => {
    const server = await serve({ clear: { stage: 'rcpt', reply: REQUIRE_TLS } });
    const hostMap = new Map([['mx.enforce.test', { address: '127.0.0.1', port: server.port }]]);
    const report = await run(server.port, { target: 'a<b>@enforce.test', rcpt: 'bob@enforce.test', hostMap });
    expect(report.body.envelope.rcpt).toBe('bob@enforce.test');
    expect(ids(report)).toEqual(['policy.tls-enforced']);
  });

  it('limits given as undefined or null keep the defaults; the others are taken', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS } });
    const report = await run(server.port, { limits: { connectTimeoutMs: undefined, greetingTimeoutMs: null as unknown as number, commandTimeoutMs: 1234 } });
    expect(report.body.timeouts).toEqual({ connectMs: DEFAULT_LIMITS.connectTimeoutMs, greetingMs: DEFAULT_LIMITS.greetingTimeoutMs, commandMs: 1234 });
  });
});

describe('observers and progress', () => {
  it('progress, transcript events and the event sink each get exactly what happened', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS } });
    const progress: [string, string][] = [];
    const seen: TranscriptEvent[] = [];
    const sunk: JobEvent[] = [];
    const report = await run(server.port, { onProgress: (k, p) => progress.push([k, p]), onEvent: (e) => seen.push(e), events: { emit: (e) => sunk.push(e) } });
    const key = `127.0.0.1:${server.port}`;
    expect(progress).toEqual([
      [key, 'cleartext session'],
      [key, 'control session with STARTTLS'],
      [key, 'done'],
    ]);
    expect(seen).toEqual(report.transcript);
    expect(seen.length).toBe(report.transcript.length);
    expect(sunk.filter((e) => e.type === 'progress')).toEqual(progress.map(([k, phase]) => ({ type: 'progress', key: k, phase })));
    expect(sunk.filter((e) => e.type === 'transcript')).toEqual(report.transcript.map((event) => ({ type: 'transcript', event })));
    expect(new Set(report.transcript.map((e) => e.conn))).toEqual(new Set([`${key}/cleartext`, `${key}/tls`]));
  });

  it('an observer that throws: the test runs on, and the report says so (mxray.internal-error, inconclusive)', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS } });
    let calls = 0;
    const report = await run(server.port, {
      onEvent: () => {
        calls++;
        throw new Error(`observer broke ${calls}`);
      },
    });
    expect(ids(report)).toEqual(['mxray.internal-error', 'policy.tls-enforced']);
    expect(report.findings.find((f) => f.id === 'mxray.internal-error')?.facts).toEqual({ host: `127.0.0.1:${server.port}`, detail: 'an event observer failed: observer broke 1' });
    expect(report.verdict).toBe('inconclusive');
    expect(calls).toBe(report.transcript.length);
  });
});

/** Greets, answers EHLO (with STARTTLS), then reads every line and never answers again. */
async function silentAfterEhlo(): Promise<{ port: number; lines: string[] }> {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.write('220 silent.enforce.test ESMTP\r\n');
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        lines.push(line);
        if (/^EHLO /i.test(line)) s.write('250-silent.enforce.test\r\n250 STARTTLS\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stops.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as { port: number }).port, lines };
}

const LONG = 60_000;
const SLOW: Partial<Limits> = { connectTimeoutMs: LONG, greetingTimeoutMs: LONG, commandTimeoutMs: LONG, tlsTimeoutMs: LONG };

function onClock(clock: Clock, port: number, limits: Partial<Limits>, extra: Partial<EnforceOptions> = {}): Promise<EnforceReport> {
  return run(port, { clock, connector: createConnector(clock), limits: { ...SLOW, ...limits }, ...extra });
}

const settle = () => new Promise((r) => setImmediate(r));

describe('deadlines on the injected clock', () => {
  it("the whole test's deadline: its note, and the duration measured on the clock", async () => {
    const server = await silentAfterEhlo();
    const clock = fixedClock(NOW);
    clock.advance(1000);
    const pending = onClock(clock, server.port, { deadlineMs: 5000 });
    while (!server.lines.some((l) => l.startsWith('MAIL FROM'))) await new Promise((r) => setTimeout(r, 5));
    clock.advance(5000);
    const report = await pending;
    expect(notes(report)).toEqual([['mxray', 'deadline reached (5000 ms for the whole test): stopping what is still running']]);
    expect(report.durationMs).toBe(5000);
    expect(report.body.addresses[0]!.cleartext.status).toBe('deadline-reached');
  });

  it("an address's own deadline: its note on that address's cleartext connection", async () => {
    const server = await silentAfterEhlo();
    const clock = fixedClock(NOW);
    const pending = onClock(clock, server.port, { addressDeadlineMs: 3000 });
    while (!server.lines.some((l) => l.startsWith('MAIL FROM'))) await new Promise((r) => setTimeout(r, 5));
    clock.advance(3000);
    const report = await pending;
    expect(notes(report)).toEqual([[`127.0.0.1:${server.port}/cleartext`, "deadline reached (3000 ms for each address): stopping this address's probe"]]);
    expect(report.body.addresses[0]!.cleartext.statusDetail).toBe('stopped by mxray at its deadline of 3000 ms for each address, during the cleartext session (MAIL FROM)');
  });

  it('a test done in time: both deadlines are cancelled, nothing fires afterwards', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS } });
    const clock = fixedClock(NOW);
    const report = await onClock(clock, server.port, { deadlineMs: 5000, addressDeadlineMs: 3000 });
    await settle();
    clock.advance(10_000);
    await settle();
    expect(notes(report)).toEqual([]);
    expect(report.durationMs).toBe(0);
    expect(ids(report)).toEqual(['policy.tls-enforced']);
  });

  it('a signal of the caller stops the test: nothing is sent', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS } });
    const report = await run(server.port, { signal: AbortSignal.abort() });
    expect(server.received).toEqual([]);
    expect([report.body.addresses[0]!.cleartext.status, report.body.addresses[0]!.cleartext.statusDetail, report.body.addresses[0]!.control]).toEqual(['connection-timeout', 'aborted', null]);
  });
});

describe('DNS and the addresses probed', () => {
  it('a resolver that throws something else than a DnsError: DNS in error, nothing probed', async () => {
    const broken: Resolver = { ...noDns, mx: () => Promise.reject(new Error('resolver bug')) };
    const report = await run(1, { target: 'enforce.test', resolver: broken });
    expect(report.body.dns).toEqual({ status: 'error', resolver: 'in-test resolver', mx: [], error: 'resolver bug' });
    expect(report.body.addresses).toEqual([]);
    expect([ids(report), report.verdict]).toEqual([['dns.error'], 'inconclusive']);
  });

  it('every MX host up to ten, each with its IPv4 and IPv6 address', async () => {
    const port = await closedLoopbackPort();
    const names = Array.from({ length: 11 }, (_, i) => `mx${i + 1}.enforce.test`);
    const resolver: Resolver = {
      ...noDns,
      mx: (name) => (name === 'enforce.test' ? Promise.resolve(names.map((exchange, i) => ({ exchange, priority: 10 + i }))) : Promise.reject(new DnsError('NXDOMAIN', name, 'MX'))),
      a: () => Promise.resolve(['127.0.0.1']),
      aaaa: () => Promise.resolve(['::1']),
    };
    const report = await run(1, { target: 'enforce.test', port, resolver, limits: { ...FAST, connectionsPerDomain: 8 } });
    expect(report.body.addresses.map((a) => [a.mx, a.address])).toEqual(names.slice(0, 10).flatMap((n) => [[n, '127.0.0.1'], [n, '::1']]));
    expect(report.body.dnsEvidence).toEqual(Array.from({ length: 31 }, (_, i) => i));
  });
});

describe('deadlines: an address never reached', () => {
  it("the whole test's deadline during the first address: the second stays listed, never connected to", async () => {
    const first = await silentAfterEhlo();
    const second = await silentAfterEhlo();
    const clock = fixedClock(NOW);
    const hostMap = new Map([
      ['mx1.enforce.test', { address: '127.0.0.1', port: first.port }],
      ['mx2.enforce.test', { address: '127.0.0.1', port: second.port }],
    ]);
    const resolver: Resolver = { ...noDns, mx: () => Promise.resolve([{ exchange: 'mx1.enforce.test', priority: 10 }, { exchange: 'mx2.enforce.test', priority: 20 }]) };
    const pending = onClock(clock, 1, { deadlineMs: 5000, connectionsPerDomain: 1 }, { target: 'enforce.test', rcpt: null, resolver, hostMap });
    while (!first.lines.some((l) => l.startsWith('MAIL FROM'))) await new Promise((r) => setTimeout(r, 5));
    clock.advance(5000);
    const report = await pending;
    expect(report.body.addresses.map((a) => a.cleartext.statusDetail)).toEqual([
      'stopped by mxray at its deadline of 5000 ms for the whole test, during the cleartext session (MAIL FROM)',
      "not started: mxray's deadline of 5000 ms for the whole test came first",
    ]);
    expect(second.lines).toEqual([]);
  });
});

describe('SNI in the control session', () => {
  it('an MX host name is sent as SNI; a server given by IP address gets none', async () => {
    const server = await scripted();
    const hostMap = new Map([['mx.enforce.test', { address: '127.0.0.1', port: server.port }]]);
    await run(server.port, { target: 'enforce.test', rcpt: null, hostMap });
    await run(server.port);
    expect([...server.servernames]).toEqual([
      [2, 'mx.enforce.test'],
      [4, null],
    ]);
  });
});

describe('judging a saved report again', () => {
  async function saved(): Promise<EnforceReport> {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS }, authBeforeTls: 'PLAIN LOGIN' });
    return JSON.parse(JSON.stringify(await run(server.port))) as EnforceReport;
  }

  it('a profile this mxray does not have, by name or by version: a usage error, unless a profile is given', async () => {
    const report = await saved();
    const { name, version } = report.judgedWith.profile;
    const unknown = { ...report, judgedWith: { ...report.judgedWith, profile: { name: 'nonesuch', version } } };
    expect(() => rejudgeEnforce(unknown)).toThrow(`the report was judged with profile nonesuch version ${version}, which this mxray does not have`);
    const newer = { ...report, judgedWith: { ...report.judgedWith, profile: { name, version: version + 1 } } };
    expect(() => rejudgeEnforce(newer)).toThrow(`the report was judged with profile ${name} version ${version + 1}, which this mxray does not have`);
    expect(rejudgeEnforce(unknown, { profile: DEFAULT_PROFILE }).findings.map((f) => f.id)).toEqual(report.findings.map((f) => f.id));
  });

  it('with the profile given: its list of cleartext mechanisms is the one judged by', () => {
    return saved().then((report) => {
      expect(report.findings.find((f) => f.id === 'smtp.auth-before-tls')?.facts.mechanisms).toBe('PLAIN LOGIN');
      const again = rejudgeEnforce(report, { profile: { ...DEFAULT_PROFILE, cleartextAuthMechanisms: ['LOGIN'] } });
      expect(again.findings.find((f) => f.id === 'smtp.auth-before-tls')?.facts.mechanisms).toBe('LOGIN');
    });
  });
});

describe('the probe: steps, evidence and what is sent', () => {
  it('every step named as sent, in both sessions; dropped only at a 354; STARTTLS seen; evidence per connection', async () => {
    const server = await serve({ clear: { stage: 'data', reply: REQUIRE_TLS } });
    const report = await run(server.port, { throughData: true });
    const a = report.body.addresses[0]!;
    expect(a.starttlsOffered).toBe(true);
    expect(a.cleartext.steps.map((s) => [s.stage, s.command, s.reply?.code])).toEqual([
      ['banner', '(greeting)', 220],
      ['ehlo', `EHLO ${HELO}`, 250],
      ['mail', `MAIL FROM:<mxray-test@${HELO}>`, 250],
      ['rcpt', `RCPT TO:<${RCPT}>`, 250],
      ['data', 'DATA', 530],
    ]);
    expect(a.control!.steps.map((s) => [s.stage, s.command, s.reply?.code])).toEqual([
      ['banner', '(greeting)', 220],
      ['ehlo', `EHLO ${HELO} (in TLS)`, 250],
      ['mail', `MAIL FROM:<mxray-test@${HELO}>`, 250],
      ['rcpt', `RCPT TO:<${RCPT}>`, 250],
      ['data', 'DATA', 354],
    ]);
    expect([a.cleartext.droppedAfterData, a.control!.droppedAfterData]).toEqual([false, true]);
    const key = `127.0.0.1:${server.port}`;
    const seqs = (conn: string) => report.transcript.filter((e) => e.conn === conn).map((e) => e.seq);
    expect(a.cleartext.evidence).toEqual(seqs(`${key}/cleartext`));
    expect(a.control!.evidence).toEqual(seqs(`${key}/tls`));
    expect([a.cleartext.evidence.length > 0, a.control!.evidence.length > 0]).toEqual([true, true]);
  });

  it('two addresses at once: each session holds the events of its own connection only', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS } });
    const other = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS } });
    const hostMap = new Map([
      ['mx1.enforce.test', { address: '127.0.0.1', port: server.port }],
      ['mx2.enforce.test', { address: '127.0.0.1', port: other.port }],
    ]);
    const resolver: Resolver = { ...noDns, mx: () => Promise.resolve([{ exchange: 'mx1.enforce.test', priority: 10 }, { exchange: 'mx2.enforce.test', priority: 10 }]) };
    const report = await run(server.port, { target: 'enforce.test', rcpt: null, resolver, hostMap, limits: { ...FAST, connectionsPerDomain: 2 } });
    const seqs = (conn: string) => report.transcript.filter((e) => e.conn === conn).map((e) => e.seq);
    expect(report.body.addresses.map((a) => [a.cleartext.evidence, a.control!.evidence])).toEqual(report.body.addresses.map((a) => [seqs(`${a.key}/cleartext`), seqs(`${a.key}/tls`)]));
    // They did run at once: the first address's cleartext session had not ended when the second's began.
    const first = seqs(`${report.body.addresses[0]!.key}/cleartext`);
    const second = seqs(`${report.body.addresses[1]!.key}/cleartext`);
    expect(second[0]! < first.at(-1)!).toBe(true);
  });

  it('a 554 greeting: STARTTLS not seen', async () => {
    const server = await serve({ clear: { stage: 'banner', reply: '554 5.7.1 No SMTP service for you' } });
    const report = await run(server.port);
    expect(report.body.addresses[0]!.starttlsOffered).toBe(false);
  });

  it('EHLO refused with 502 before TLS: no HELO instead, nothing more but QUIT', async () => {
    const server = await serve({ clear: { stage: 'ehlo', reply: '502 5.5.2 Error: command not recognized' } });
    const report = await run(server.port);
    expect([1, 2].map((conn) => server.received.filter((r) => r.conn === conn).map((r) => r.line))).toEqual([
      [`EHLO ${HELO}`, 'QUIT'],
      [`EHLO ${HELO}`, 'QUIT'],
    ]);
    expect(report.body.addresses[0]!.cleartext.steps.map((s) => [s.stage, s.reply?.code])).toEqual([
      ['banner', 220],
      ['ehlo', 502],
    ]);
  });

  it('EHLO refused with 502 inside TLS: no HELO, no envelope, the session ends there', async () => {
    const server = await scripted((verb, _line, c) => (verb === 'EHLO' && c.secure ? [reply(502, '5.5.2 Error: command not recognized')] : null));
    const report = await run(server.port);
    expect(linesOf(server.lines, 2)).toEqual([`EHLO ${HELO}`, 'STARTTLS', `tls:EHLO ${HELO}`, 'tls:QUIT']);
    const control = report.body.addresses[0]!.control!;
    expect([control.status, control.steps.map((s) => [s.stage, s.reply?.code])]).toEqual([
      'ok',
      [
        ['banner', 220],
        ['ehlo', 502],
      ],
    ]);
  });

  it('STARTTLS answered 454: the control session is refused STARTTLS, its reply kept', async () => {
    const server = await scripted((verb, _line, c) => (verb === 'STARTTLS' ? [reply(454, '4.7.0 TLS not available due to local problem')] : verb === 'MAIL' && !c.secure ? [reply(530, '5.7.0 Must issue a STARTTLS command first')] : null));
    const report = await run(server.port);
    expect(linesOf(server.lines, 2)).toEqual([`EHLO ${HELO}`, 'STARTTLS', 'QUIT']);
    const control = report.body.addresses[0]!.control!;
    expect([control.status, control.statusDetail, control.starttls, control.tlsProtocol]).toEqual([
      'starttls-refused',
      'STARTTLS refused',
      { code: 454, enhanced: '4.7.0', lines: ['4.7.0 TLS not available due to local problem'] },
      null,
    ]);
    expect(report.findings.map((f) => [f.id, f.facts.controlReply])).toEqual([['policy.tls-enforced', '(no TLS: 454 4.7.0 TLS not available due to local problem)']]);
  });

  it('MAIL FROM answered 200 goes on to RCPT TO; 300 does not', async () => {
    const sent: string[][] = [];
    for (const code of [200, 300]) {
      const server = await scripted((verb) => (verb === 'MAIL' ? [reply(code, 'odd')] : null));
      const report = await run(server.port);
      sent.push(linesOf(server.lines, 1));
      expect(report.body.addresses[0]!.cleartext.status).toBe('ok');
    }
    expect(sent).toEqual([
      [`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`, `RCPT TO:<${RCPT}>`, 'RSET', 'QUIT'],
      [`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`, 'QUIT'],
    ]);
  });

  it('AUTH with 65 mechanisms: the first 64 kept; the evidence is the AUTH exchange alone', async () => {
    const mechs = Array.from({ length: 65 }, (_, i) => `M${i + 1}`);
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS }, authBeforeTls: mechs.join(' ') });
    const report = await run(server.port);
    const auth = report.body.addresses[0]!.auth!;
    expect(auth.mechanisms).toEqual(mechs.slice(0, 64));
    const clear = report.transcript.filter((e) => e.conn === `127.0.0.1:${server.port}/cleartext`);
    const from = clear.findIndex((e) => e.text === 'AUTH LOGIN');
    const to = clear.findIndex((e) => e.text.startsWith('501'));
    expect([from > 0, to > from]).toEqual([true, true]);
    expect(auth.evidence).toEqual(clear.slice(from, to + 1).map((e) => e.seq));
  });

  it('probeEnforce without a progress observer', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS } });
    const transcript = new Transcript(systemClock);
    const ctx: ProbeContext = { clock: systemClock, resolver: noDns, connector: createConnector(systemClock), transcript, limits: { ...DEFAULT_LIMITS, ...FAST }, hostMap: new Map() };
    const t = { mx: '127.0.0.1', preference: 0, address: '127.0.0.1', family: 4 as const, port: server.port, implicitTls: false, serverName: null, domain: null };
    const facts = await probeEnforce(ctx, t, { helo: HELO, from: `mxray-test@${HELO}`, rcpt: RCPT, throughData: false });
    expect(facts.cleartext.steps.map((s) => s.reply?.code)).toEqual([220, 250, 530]);
  });

  it('a garbled reply breaks the dialogue: no QUIT is sent after it', async () => {
    const server = await scripted((verb) => (verb === 'MAIL' ? [{ type: 'write', data: 'garbage\r\n' }] : null));
    const report = await run(server.port);
    expect(linesOf(server.lines, 1)).toEqual([`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`]);
    expect(report.body.addresses[0]!.cleartext.status).toBe('protocol-error');
  });
});
