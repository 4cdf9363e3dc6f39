// Hostile SMTP servers, each on loopback, each checked through the library API (checkReceiver)
// with short injected limits: every misbehaviour must end in a precise finding, ended by the right
// limit (a time-out, a line or reply cap) and nothing else, in bounded memory, with no crash and no
// unhandled rejection. Asserts finding ids, Report fields, transcript events and what the server
// received, never message text and never wall-clock time (that belongs in bench/).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import type { Clock, HostMapping, Limits, Resolver } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';
import type { Finding, HostReport, ReceiverReport as Report, TranscriptEvent } from '../../src/core/schema.js';
import { startScriptedServer, type ScriptedServer, type ScriptedServerOptions } from '../../src/demo/scripted-server.js';
import { createRootCa, type IssuedCert } from '../../src/demo/test-pki.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { checkReceiver, type ReceiverOptions } from '../../src/library.js';
import * as hostile from '../fakes/hostile.js';
import type { HostileScript, WireTap } from '../fakes/hostile.js';
import { schemaErrors } from '../helpers/schema.js';

// Short limits, and the greeting's unlike the others, so that a finding naming the wrong one shows.
const GREETING_MS = 1000;
const LIMITS: Partial<Limits> = {
  connectTimeoutMs: 1500,
  greetingTimeoutMs: GREETING_MS,
  commandTimeoutMs: 1500,
  tlsTimeoutMs: 1500,
};

// ---- unhandled rejections: recorded for the whole file, asserted after every test and at the end.
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => {
  rejections.push(reason);
};
process.on('unhandledRejection', onRejection);

function expectValidReport(report: Report): void {
  expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
}

// ---- edges: an in-test resolver, the real connector (loopback only), a test CA.
let ca: Awaited<ReturnType<typeof createRootCa>>;
let leaf: IssuedCert;
let trustStore: ReturnType<typeof createTrustStore>;

/** Answers MX for the names given; everything else is NXDOMAIN; PTR is always empty. */
function fakeResolver(mx: Record<string, string[]> = {}): Resolver {
  const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
  return {
    description: 'in-test resolver',
    mx: (name) => {
      const hosts = mx[name];
      return hosts ? Promise.resolve(hosts.map((exchange) => ({ exchange, priority: 10 }))) : nx(name, 'MX');
    },
    a: (name) => nx(name, 'A'),
    aaaa: (name) => nx(name, 'AAAA'),
    cname: (name) => nx(name, 'CNAME'),
    txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
  };
}

const servers: { stop(): Promise<void> }[] = [];

async function serve(h: HostileScript, options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  const server = await startScriptedServer(h.script, options);
  servers.push(server);
  return server;
}

function tlsOption(): ScriptedServerOptions {
  return { tls: { key: leaf.keyPem, cert: leaf.certPem } };
}

interface Run {
  report: Report;
  host: HostReport;
  /** Finding ids of the first host. */
  ids: string[];
}

async function check(target: string, extra: Partial<ReceiverOptions> = {}): Promise<Run> {
  const report = await checkReceiver({
    target,
    helo: 'client.mxray.test',
    extras: false,
    clock: systemClock,
    resolver: fakeResolver(),
    connector: createConnector(systemClock),
    trustStore,
    ...extra,
    limits: { ...LIMITS, ...extra.limits },
  });
  expectValidReport(report);
  // Every target here is one address: one host.
  expect(report.body.hosts).toHaveLength(1);
  const host = report.body.hosts[0]!;
  return { report, host, ids: host.findings.map((f) => f.id) };
}

/**
 * A clock that stands still, except that every line received costs it `msPerLine`: the session's
 * notion of time, under the test's control. A reply deadline then ends after an exact number of
 * lines, however fast or slow the machine is.
 */
function clockPerLine(msPerLine: number): { clock: Clock; onEvent: (e: TranscriptEvent) => void } {
  const clock = fixedClock(Date.now());
  return { clock, onEvent: (e) => (e.kind === 'recv' ? clock.advance(msPerLine) : undefined) };
}

/** The events of one connection ("…/main" by default) of a host. */
function eventsOf(report: Report, host: HostReport, conn = 'main'): TranscriptEvent[] {
  return report.transcript.filter((e) => e.conn === `${host.key}/${conn}`);
}

/** Lines received between sending `verb` and the next error on that connection. */
function linesAfter(events: TranscriptEvent[], verb: string): TranscriptEvent[] {
  const start = events.findIndex((e) => e.kind === 'send' && e.text.startsWith(verb));
  expect(start, `no ${verb} sent`).not.toBe(-1);
  const rest = events.slice(start + 1);
  const end = rest.findIndex((e) => e.kind === 'error');
  return (end < 0 ? rest : rest.slice(0, end)).filter((e) => e.kind === 'recv');
}

const verbs = (h: HostileScript) => h.received.map((r) => r.line.split(' ')[0]!.toUpperCase());

/** The kinds of a connection's events, in order: the shape of its dialogue. */
const kinds = (events: TranscriptEvent[]) => events.map((e) => e.kind);

/** The connections (of every host) that recorded an error event, one entry per error. */
const errorConns = (report: Report) => report.transcript.filter((e) => e.kind === 'error').map((e) => e.conn);

/** The one finding with this id on this host (fails when there is none, or more than one). */
function findingOf(host: HostReport, id: string): Finding {
  const found = host.findings.filter((f) => f.id === id);
  expect(found, `findings ${id} on ${host.key}`).toHaveLength(1);
  return found[0]!;
}

beforeAll(async () => {
  ca = await createRootCa('mxray hostile-suite root', Date.now());
  leaf = await ca.issue({ commonName: hostile.MX_NAME, dnsNames: [hostile.MX_NAME, 'mx1.hostile.test', 'mx2.hostile.test', 'mx3.hostile.test', 'mx4.hostile.test'], ipAddresses: ['127.0.0.1'] });
  trustStore = createTrustStore([ca.cert.certPem], 'hostile-suite test CA');
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  expect(rejections).toEqual([]);
});

afterAll(async () => {
  // Late socket events (after the servers stopped) get a moment to surface.
  await new Promise((resolve) => setTimeout(resolve, 200));
  process.off('unhandledRejection', onRejection);
  expect(rejections).toEqual([]);
});


describe('silence and slowness', () => {
  it('a server that never greets: smtp.greeting-timeout after the configured greeting time-out, inconclusive', async () => {
    const h = hostile.neverGreets();
    const s = await serve(h);
    const { report, host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.status).toBe('greeting-timeout');
    expect(host.statusReason).toBe('timeout');
    expect(host.banner).toBeNull();
    expect(ids).toEqual(['smtp.greeting-timeout']);
    // The wait that ended it is the greeting time-out we configured, and it happened once.
    expect(findingOf(host, 'smtp.greeting-timeout').facts).toEqual({ host: host.key, timeoutMs: GREETING_MS });
    expect(errorConns(report)).toEqual([`${host.key}/main`]);
    expect(host.verdict).toBe('inconclusive');
    expect(report.verdict).toBe('inconclusive');
  });

  // Regression: a timed-out session used to send QUIT and wait for its reply too (a second time-out).
  it('a server that never greets: ONE greeting time-out, then silence (no QUIT, no second wait)', async () => {
    const h = hostile.neverGreets();
    const s = await serve(h);
    const { report, host } = await check(`127.0.0.1:${s.port}`);
    // connect, connected, the time-out, close: nothing sent, nothing waited for after the time-out.
    expect(kinds(eventsOf(report, host))).toEqual(['connect', 'connect', 'error', 'close']);
    expect(errorConns(report)).toEqual([`${host.key}/main`]);
    // And the server heard nothing at all (a QUIT would show here).
    expect(h.received).toEqual([]);
  });

  it('a banner dripped one byte a second: the greeting deadline ends it while the line is still incomplete', async () => {
    const h = hostile.dripsBanner(1000);
    const s = await serve(h);
    const { report, host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.status).toBe('greeting-timeout');
    expect(host.statusReason).toBe('timeout');
    expect(host.banner).toBeNull();
    expect(ids).toEqual(['smtp.greeting-timeout']);
    expect(findingOf(host, 'smtp.greeting-timeout').facts).toEqual({ host: host.key, timeoutMs: GREETING_MS });
    // Bytes kept coming, but no line was ever completed (the banner takes ~33 s at this pace): the
    // deadline covers the whole banner, it is not reset by each byte. Then nothing is sent, not even QUIT.
    expect(kinds(eventsOf(report, host))).toEqual(['connect', 'connect', 'error', 'close']);
    expect(h.received).toEqual([]);
  });

  it('an EHLO reply dripped so that every line arrives in time but the whole does not: smtp.io-timeout at the whole-reply deadline', async () => {
    // Time as the session sees it: each line received costs 2.5 s, the reply may take 10 s. So the
    // deadline passes with the 4th line, although every line comes well within the time-out.
    const COMMAND_MS = 10_000;
    const { clock, onEvent } = clockPerLine(2500);
    const h = hostile.dripsEhloReply({ lines: 40, intervalMs: 5 });
    const s = await serve(h);
    const { report, host, ids } = await check(`127.0.0.1:${s.port}`, { clock, onEvent, limits: { commandTimeoutMs: COMMAND_MS } });
    expect(host.banner?.code).toBe(220);
    expect(host.status).toBe('io-timeout');
    expect(host.statusReason).toBe('timeout');
    expect(host.greeting).toBeNull();
    expect(ids).toEqual(['smtp.io-timeout']);
    expect(findingOf(host, 'smtp.io-timeout').facts).toEqual({ host: host.key, command: 'EHLO', timeoutMs: COMMAND_MS });
    // Exactly the four lines that fit in the deadline were read, and the reply never completed
    // (its last line, "250 END", was never received): then one error, and the connection closed.
    const events = eventsOf(report, host);
    expect(linesAfter(events, 'EHLO').map((e) => e.text)).toEqual(['250-X0', '250-X1', '250-X2', '250-X3']);
    expect(kinds(events)).toEqual(['connect', 'connect', 'recv', 'send', 'recv', 'recv', 'recv', 'recv', 'error', 'close']);
    expect(errorConns(report)).toEqual([`${host.key}/main`]);
    // Nothing was sent after the timed-out EHLO: not even QUIT.
    expect(verbs(h)).toEqual(['EHLO']);
  });
});

describe('oversized input', () => {
  it('a 10 MB banner line: smtp.protocol-error at the line cap, memory bounded', async () => {
    const h = hostile.hugeBannerLine(10 * 1024 * 1024);
    const s = await serve(h);
    const rssBefore = process.memoryUsage().rss;
    const { report, host, ids } = await check(`127.0.0.1:${s.port}`);
    const grownMb = (process.memoryUsage().rss - rssBefore) / (1024 * 1024);
    expect(host.status).toBe('protocol-error');
    // Ended by the line cap (maxLineBytes), not by a time-out or by the reply-size cap further on.
    expect(host.statusReason).toBe('line-too-long');
    expect(host.banner).toBeNull();
    expect(ids).toEqual(['smtp.protocol-error']);
    // Not a single line was taken in; one error, then the connection was dropped without a word.
    expect(kinds(eventsOf(report, host))).toEqual(['connect', 'connect', 'error', 'close']);
    expect(errorConns(report)).toEqual([`${host.key}/main`]);
    expect(h.received).toEqual([]);
    expect(grownMb).toBeLessThan(40);
  });

  it('an endless multi-line reply (250-… forever): capped by maxReplyLines, mxray.reply-limit (the test stopped there: inconclusive)', async () => {
    const h = hostile.endlessEhloReply(16);
    const s = await serve(h);
    // A long command time-out, so that only the line cap can end the reply in this test.
    const { report, host, ids } = await check(`127.0.0.1:${s.port}`, { limits: { maxReplyLines: 200, commandTimeoutMs: 30_000 } });
    expect(host.banner?.code).toBe(220);
    expect(host.status).toBe('protocol-error');
    expect(host.statusReason).toBe('reply-too-long');
    expect(ids).toEqual(['mxray.reply-limit']);
    expect(report.verdict).toBe('inconclusive');
    // Exactly one line past the cap was read, then the reply was abandoned: one error, no QUIT.
    expect(linesAfter(eventsOf(report, host), 'EHLO')).toHaveLength(201);
    expect(errorConns(report)).toEqual([`${host.key}/main`]);
    expect(verbs(h)).toEqual(['EHLO']);
  });

  it('an endless multi-line reply of long lines: capped by maxReplyBytes, mxray.reply-limit', async () => {
    const h = hostile.endlessEhloReply(2000);
    const s = await serve(h);
    const { report, host, ids } = await check(`127.0.0.1:${s.port}`, {
      limits: { maxReplyLines: 1000, maxReplyBytes: 64 * 1024, commandTimeoutMs: 30_000 },
    });
    expect(host.status).toBe('protocol-error');
    expect(host.statusReason).toBe('reply-too-large');
    expect(ids).toEqual(['mxray.reply-limit']);
    // 2000-byte lines: 32 of them (64 000 bytes) fit in 64 KiB, the 33rd goes over the cap.
    expect(linesAfter(eventsOf(report, host), 'EHLO')).toHaveLength(Math.floor((64 * 1024) / 2000) + 1);
    expect(errorConns(report)).toEqual([`${host.key}/main`]);
    expect(verbs(h)).toEqual(['EHLO']);
  });
});

describe('framing', () => {
  it('lines ending in a bare LF still parse, and the whole session (STARTTLS, TLS, EHLO again) works', async () => {
    const h = hostile.bareLfServer({ tls: true });
    const s = await serve(h, tlsOption());
    const { host, ids, report } = await check(`127.0.0.1:${s.port}`);
    expect(host.status).toBe('ok');
    expect(host.banner?.code).toBe(220);
    expect(host.greeting).toBe('EHLO');
    // Tolerated, but shown once in the transcript (RFC 5321 requires CRLF).
    expect(report.transcript.filter((e) => e.kind === 'note' && /bare LF/.test(e.text))).toHaveLength(1);
    expect(host.capabilities.map((c) => c.keyword)).toEqual(['PIPELINING', 'SIZE', 'STARTTLS', '8BITMIME']);
    expect(host.starttls.offered).toBe(true);
    expect(host.starttls.negotiated).toBe(true);
    expect(host.tls?.ok).toBe(true);
    expect(host.capabilitiesInTls?.map((c) => c.keyword)).toEqual(['PIPELINING', 'SIZE', '8BITMIME']);
    expect(ids).toContain('tls.ok');
    expect(ids).not.toContain('smtp.protocol-error');
    expect(h.received.some((r) => r.secure && r.line.toUpperCase().startsWith('EHLO'))).toBe(true);
  });

  it('a banner split over several lines with pauses: nothing is sent before its last line', async () => {
    const gapMs = 400;
    const h = hostile.splitBanner(gapMs);
    const s = await serve(h);
    const tap: WireTap = await hostile.startWireTap(s.port);
    servers.push(tap);
    const { host } = await check(`127.0.0.1:${tap.port}`);
    expect(host.banner?.code).toBe(220);
    expect(host.banner?.lines).toHaveLength(3);
    expect(host.greeting).toBe('EHLO');
    // On the wire: the banner came down as three separate chunks (the pauses were real: the client
    // had two chances to speak too early), and only then did the first byte go up: our EHLO.
    const wire = tap.chunks.slice(0, 4).map((c) => `${c.direction} ${c.data.toString('latin1')}`);
    expect(wire).toEqual([
      `down 220-${hostile.MX_NAME} ESMTP\r\n`,
      'down 220-please wait for the last line\r\n',
      `down ${hostile.SPLIT_BANNER_LAST}`,
      'up EHLO client.mxray.test\r\n',
    ]);
    // And the server saw EHLO as the first command.
    expect(verbs(h)[0]).toBe('EHLO');
  });

  it('a banner that is not SMTP at all: smtp.protocol-error', async () => {
    const s = await serve(hostile.notSmtpBanner());
    const { host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.status).toBe('protocol-error');
    expect(host.banner).toBeNull();
    expect(ids).toContain('smtp.protocol-error');
  });

  it('a reply line to EHLO that is not SMTP: smtp.protocol-error', async () => {
    const s = await serve(hostile.notSmtpReply());
    const { host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.banner?.code).toBe(220);
    expect(host.status).toBe('protocol-error');
    expect(ids).toContain('smtp.protocol-error');
  });
});

describe('STARTTLS and TLS', () => {
  it('closes right after its 220 to STARTTLS: a precise TLS finding, no crash', async () => {
    const s = await serve(hostile.closesAfterStarttls());
    const { report, host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.starttls.offered).toBe(true);
    expect(host.starttls.reply?.code).toBe(220);
    expect(host.starttls.negotiated).toBe(false);
    expect(host.tls?.ok).toBe(false);
    expect(host.tls?.status).toBe('tls-handshake-error');
    expect(host.legacyRetry).not.toBeNull();
    expect(ids.some((id) => ['tls.handshake-failed', 'tls.server-aborted', 'tls.no-shared-cipher', 'tls.old-protocol'].includes(id))).toBe(true);
    expect(ids).toContain('tls.handshake-failed');
    expect(report.verdict).toBe('fail');
  });

  it('STARTTLS injection: lines after the 220 are reported and never read as a reply inside TLS', async () => {
    const h = hostile.injectsAfterStarttls();
    const s = await serve(h, tlsOption());
    const { report, host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.starttls.reply?.code).toBe(220);
    expect(host.starttls.negotiated).toBe(true);
    expect(host.tls?.ok).toBe(true);
    expect(host.tls?.injectedBytes).toBe(Buffer.byteLength(hostile.INJECTED));
    expect(ids).toContain('starttls.injection');
    // The EHLO reply inside TLS is the server's real one, not the injected line.
    expect(host.status).toBe('ok');
    expect(host.capabilitiesInTls?.map((c) => c.keyword)).toEqual(['PIPELINING', 'SIZE', '8BITMIME']);
    expect(eventsOf(report, host).some((e) => e.kind === 'recv' && e.text.includes('INJECTED'))).toBe(false);
    // Inside TLS the server heard EHLO again, then QUIT.
    expect(h.received.filter((r) => r.secure).map((r) => r.line.split(' ')[0])).toEqual(['EHLO', 'QUIT']);
  });

  it('answers the ClientHello with garbage: tls.handshake-failed, legacy retry says not-tls', async () => {
    const s = await serve(hostile.garbageForClientHello());
    const { host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.starttls.reply?.code).toBe(220);
    expect(host.tls?.ok).toBe(false);
    expect(host.starttls.negotiated).toBe(false);
    expect(host.legacyRetry?.ok).toBe(false);
    expect(host.assessment.legacyCause).toBe('not-tls');
    expect(ids).toContain('tls.handshake-failed');
  });
});

describe('refusals', () => {
  it('a 421 greeting: smtp.rate-limited, inconclusive', async () => {
    const h = hostile.greetsWith(421, '4.7.0 mx.hostile.test too many connections, try again later');
    const s = await serve(h);
    const { report, host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.banner?.code).toBe(421);
    expect(ids).toContain('smtp.rate-limited');
    expect(ids).not.toContain('smtp.banner-rejected');
    expect(host.verdict).toBe('inconclusive');
    expect(report.verdict).toBe('inconclusive');
    expect(verbs(h)).not.toContain('EHLO');
  });

  it('a 554 greeting: smtp.banner-rejected', async () => {
    const h = hostile.greetsWith(554, '5.7.1 no SMTP service here');
    const s = await serve(h);
    const { host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.banner?.code).toBe(554);
    expect(ids).toContain('smtp.banner-rejected');
    expect(ids).not.toContain('smtp.rate-limited');
    expect(verbs(h)).not.toContain('EHLO');
  });

  it('EHLO 500, then HELO 250: smtp.esmtp-unsupported', async () => {
    const h = hostile.refusesEhlo(500, 250);
    const s = await serve(h);
    const { host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.ehloReply?.code).toBe(500);
    expect(host.greeting).toBe('HELO');
    expect(ids).toContain('smtp.esmtp-unsupported');
    expect(ids).not.toContain('smtp.ehlo-rejected');
    expect(verbs(h).slice(0, 2)).toEqual(['EHLO', 'HELO']);
  });

  it('EHLO 550: smtp.ehlo-rejected, not esmtp-unsupported (and no HELO tried)', async () => {
    const h = hostile.refusesEhlo(550);
    const s = await serve(h);
    const { host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.ehloReply?.code).toBe(550);
    expect(host.greeting).toBeNull();
    expect(ids).toContain('smtp.ehlo-rejected');
    expect(ids).not.toContain('smtp.esmtp-unsupported');
    expect(verbs(h)).not.toContain('HELO');
  });

  it('a connection refused (a port just closed): net.connect-refused', async () => {
    const s = await startScriptedServer(hostile.neverGreets().script);
    const port = s.port;
    await s.stop();
    const { host, ids } = await check(`127.0.0.1:${port}`);
    expect(host.status).toBe('connection-refused');
    expect(host.connectMs).toBeNull();
    expect(ids).toContain('net.connect-refused');
  });
});

describe('several MX hosts at once', () => {
  const names = ['mx1.hostile.test', 'mx2.hostile.test', 'mx3.hostile.test', 'mx4.hostile.test'];

  // Four connections at once allowed (the default, said here because these tests are about it).
  const limits: Partial<Limits> = { ...LIMITS, commandTimeoutMs: 300, connectionsPerDomain: 4 };

  async function checkDomain(scripts: HostileScript[]): Promise<Report> {
    const hostMap = new Map<string, HostMapping>();
    for (const [i, h] of scripts.entries()) {
      const s = await serve(h);
      hostMap.set(names[i]!, { address: '127.0.0.1', port: s.port });
    }
    const report = await checkReceiver({
      target: 'hostile.test',
      helo: 'client.mxray.test',
      extras: false,
      clock: systemClock,
      resolver: fakeResolver({ 'hostile.test': names }),
      connector: createConnector(systemClock),
      trustStore,
      hostMap,
      limits,
    });
    expectValidReport(report);
    return report;
  }

  /**
   * The connections opened before anything else happened on any of them. All four at once means
   * the probes run side by side: a silent host costs one greeting time-out in all, not one each
   * (one after the other, the first host's dialogue would come before the second host's connect).
   */
  function openedAtOnce(report: Report): string[] {
    const opened: string[] = [];
    for (const e of report.transcript) {
      if (e.conn === 'dns' || e.conn.startsWith('mta-sts.')) continue;
      if (e.kind !== 'connect' || opened.includes(e.conn)) break;
      opened.push(e.conn);
    }
    return opened;
  }

  const mainConns = (report: Report) => report.body.hosts.map((h) => `${h.key}/main`);

  it('4 MX hosts, one never greets: all four probed at once, one greeting time-out in all', async () => {
    const silentScript = hostile.neverGreets();
    const report = await checkDomain([hostile.wellBehaved(), silentScript, hostile.wellBehaved(), hostile.wellBehaved()]);
    expect(report.body.hosts.map((h) => h.mx)).toEqual(names);
    expect(report.body.hosts.map((h) => h.status)).toEqual(['ok', 'greeting-timeout', 'ok', 'ok']);
    expect(openedAtOnce(report)).toEqual(mainConns(report));
    const silent = report.body.hosts[1]!;
    expect(findingOf(silent, 'smtp.greeting-timeout').facts).toEqual({ host: silent.key, timeoutMs: GREETING_MS });
    // One wait, on the silent host only, and nothing sent to it afterwards.
    expect(errorConns(report)).toEqual([`${silent.key}/main`]);
    expect(silentScript.received).toEqual([]);
  });

  it('4 MX hosts, none greets: all four probed at once (one greeting time-out in all, not four)', async () => {
    const scripts = [hostile.neverGreets(), hostile.neverGreets(), hostile.neverGreets(), hostile.neverGreets()];
    const report = await checkDomain(scripts);
    expect(report.body.hosts.map((h) => h.status)).toEqual(['greeting-timeout', 'greeting-timeout', 'greeting-timeout', 'greeting-timeout']);
    expect(report.verdict).toBe('inconclusive');
    expect(openedAtOnce(report)).toEqual(mainConns(report));
    for (const host of report.body.hosts) expect(findingOf(host, 'smtp.greeting-timeout').facts).toEqual({ host: host.key, timeoutMs: GREETING_MS });
    // Exactly one time-out per host, and none of them heard a word from us afterwards.
    expect([...errorConns(report)].sort()).toEqual([...mainConns(report)].sort());
    expect(scripts.map((h) => h.received)).toEqual([[], [], [], []]);
  });
});
