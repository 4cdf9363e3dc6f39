// Hostile SMTP servers, each on loopback, each checked through the library API (checkReceiver)
// with short injected limits: every misbehaviour must end in a precise finding, in bounded time
// and memory, with no crash and no unhandled rejection. Asserts finding ids and Report fields,
// never message text.
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { HostMapping, Limits, Resolver } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';
import type { HostReport, Report, TranscriptEvent } from '../../src/core/schema.js';
import { startScriptedServer, type ScriptedServer, type ScriptedServerOptions } from '../../src/demo/scripted-server.js';
import { createRootCa, type IssuedCert } from '../../src/demo/test-pki.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { checkReceiver, type ReceiverOptions } from '../../src/receiver/check-receiver.js';
import * as hostile from '../fakes/hostile.js';
import type { HostileScript, WireTap } from '../fakes/hostile.js';
import { schemaErrors } from '../helpers/schema.js';

const GREETING_MS = 1500;
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
    ptr: () => Promise.resolve([]),
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
  wallMs: number;
}

async function check(target: string, extra: Partial<ReceiverOptions> = {}): Promise<Run> {
  const started = performance.now();
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
  const wallMs = performance.now() - started;
  expectValidReport(report);
  const host = report.hosts[0]!;
  expect(host).toBeDefined();
  return { report, host, ids: host.findings.map((f) => f.id), wallMs };
}

/** The events of one connection ("…/main" by default) of a host. */
function eventsOf(report: Report, host: HostReport, conn = 'main'): TranscriptEvent[] {
  return report.transcript.filter((e) => e.conn === `${host.key}/${conn}`);
}

/** Lines received between sending `verb` and the next error on that connection. */
function linesAfter(events: TranscriptEvent[], verb: string): TranscriptEvent[] {
  const start = events.findIndex((e) => e.kind === 'send' && e.text.startsWith(verb));
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = events.slice(start + 1);
  const end = rest.findIndex((e) => e.kind === 'error');
  return (end < 0 ? rest : rest.slice(0, end)).filter((e) => e.kind === 'recv');
}

const verbs = (h: HostileScript) => h.received.map((r) => r.line.split(' ')[0]!.toUpperCase());

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
  it('a server that never greets: smtp.greeting-timeout, inconclusive, in about one greeting time-out', async () => {
    const h = hostile.neverGreets();
    const s = await serve(h);
    const { report, host, ids, wallMs } = await check(`127.0.0.1:${s.port}`);
    expect(host.status).toBe('greeting-timeout');
    expect(host.banner).toBeNull();
    expect(ids).toContain('smtp.greeting-timeout');
    expect(host.verdict).toBe('inconclusive');
    expect(report.verdict).toBe('inconclusive');
    expect(wallMs).toBeGreaterThanOrEqual(GREETING_MS - 50);
    expect(wallMs).toBeLessThan(GREETING_MS + 1500 + 1000);
  });

  // Regression: a timed-out session used to send QUIT and wait for it too, doubling the time.
  it('a server that never greets: the check ends in about ONE greeting time-out (no QUIT wait after it)', async () => {
    const h = hostile.neverGreets();
    const s = await serve(h);
    const { wallMs } = await check(`127.0.0.1:${s.port}`);
    expect(wallMs).toBeLessThan(GREETING_MS + 1000);
  });

  it('a banner dripped one byte a second: the greeting deadline ends it (no hang)', async () => {
    const s = await serve(hostile.dripsBanner(1000));
    const { host, ids, wallMs } = await check(`127.0.0.1:${s.port}`);
    expect(host.status).toBe('greeting-timeout');
    expect(host.banner).toBeNull();
    expect(ids).toContain('smtp.greeting-timeout');
    // The banner alone would take ~30 s at this pace.
    expect(wallMs).toBeLessThan(5000);
  });

  it('an EHLO reply dripped so that every line arrives in time but the whole does not: smtp.io-timeout at the whole-reply deadline', async () => {
    const s = await serve(hostile.dripsEhloReply({ lines: 40, intervalMs: 40 }));
    const { report, host, ids, wallMs } = await check(`127.0.0.1:${s.port}`);
    expect(host.banner?.code).toBe(220);
    expect(host.status).toBe('io-timeout');
    expect(host.greeting).toBeNull();
    const finding = host.findings.find((f) => f.id === 'smtp.io-timeout');
    expect(finding?.facts.command).toBe('EHLO');
    expect(ids).not.toContain('smtp.protocol-error');
    // Lines kept arriving (each ~0.3 s apart): only a deadline on the whole reply can end it.
    expect(linesAfter(eventsOf(report, host), 'EHLO').length).toBeGreaterThan(2);
    // The whole reply would take ~11 s.
    expect(wallMs).toBeLessThan(5000);
  });
});

describe('oversized input', () => {
  it('a 10 MB banner line: smtp.protocol-error at the line cap, memory bounded', async () => {
    const s = await serve(hostile.hugeBannerLine(10 * 1024 * 1024));
    const rssBefore = process.memoryUsage().rss;
    const { host, ids, wallMs } = await check(`127.0.0.1:${s.port}`);
    const grownMb = (process.memoryUsage().rss - rssBefore) / (1024 * 1024);
    expect(host.status).toBe('protocol-error');
    expect(host.banner).toBeNull();
    expect(ids).toContain('smtp.protocol-error');
    // Ended by the cap, not by a time-out.
    expect(wallMs).toBeLessThan(GREETING_MS);
    expect(grownMb).toBeLessThan(40);
  });

  it('an endless multi-line reply (250-… forever): smtp.protocol-error, capped by maxReplyLines', async () => {
    const s = await serve(hostile.endlessEhloReply(16));
    // A long command time-out: ending well before it shows the line cap ended the reply, not the clock.
    const { report, host, ids, wallMs } = await check(`127.0.0.1:${s.port}`, { limits: { maxReplyLines: 200, commandTimeoutMs: 5000 } });
    expect(host.banner?.code).toBe(220);
    expect(host.status).toBe('protocol-error');
    expect(ids).toContain('smtp.protocol-error');
    const lines = linesAfter(eventsOf(report, host), 'EHLO');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(201);
    expect(wallMs).toBeLessThan(4000);
  });

  it('an endless multi-line reply of long lines: smtp.protocol-error, capped by maxReplyBytes', async () => {
    const s = await serve(hostile.endlessEhloReply(2000));
    const { report, host, ids, wallMs } = await check(`127.0.0.1:${s.port}`, {
      limits: { maxReplyLines: 1000, maxReplyBytes: 64 * 1024, commandTimeoutMs: 5000 },
    });
    expect(host.status).toBe('protocol-error');
    expect(ids).toContain('smtp.protocol-error');
    const lines = linesAfter(eventsOf(report, host), 'EHLO');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(Math.ceil((64 * 1024) / 2000) + 1);
    expect(wallMs).toBeLessThan(4000);
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
    expect(host.capabilities.map((c) => c.keyword)).toEqual(expect.arrayContaining(['PIPELINING', 'STARTTLS', '8BITMIME']));
    expect(host.starttls.offered).toBe(true);
    expect(host.starttls.negotiated).toBe(true);
    expect(host.tls?.ok).toBe(true);
    expect(host.capabilitiesInTls?.map((c) => c.keyword)).toContain('8BITMIME');
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
    // On the wire: the first byte from the client comes after the chunk that completed the banner.
    let down = '';
    let lastLineAt = -1;
    for (const [i, c] of tap.chunks.entries()) {
      if (c.direction !== 'down') continue;
      down += c.data.toString('latin1');
      if (down.includes(hostile.SPLIT_BANNER_LAST)) {
        lastLineAt = i;
        break;
      }
    }
    const firstUp = tap.chunks.findIndex((c) => c.direction === 'up');
    expect(lastLineAt).toBeGreaterThanOrEqual(0);
    expect(firstUp).toBeGreaterThan(lastLineAt);
    expect(tap.chunks[firstUp]!.at - tap.chunks[0]!.at).toBeGreaterThanOrEqual(2 * gapMs - 50);
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
    const inTls = host.capabilitiesInTls?.map((c) => c.keyword) ?? null;
    expect(inTls).not.toBeNull();
    expect(inTls).toContain('8BITMIME');
    expect(inTls).not.toContain('INJECTED');
    expect(eventsOf(report, host).some((e) => e.kind === 'recv' && e.text.includes('INJECTED'))).toBe(false);
    expect(h.received.filter((r) => r.secure).map((r) => r.line.split(' ')[0])).toContain('EHLO');
  });

  it('answers the ClientHello with garbage: tls.handshake-failed, legacy retry says not-tls', async () => {
    const s = await serve(hostile.garbageForClientHello());
    const { host, ids } = await check(`127.0.0.1:${s.port}`);
    expect(host.starttls.reply?.code).toBe(220);
    expect(host.tls?.ok).toBe(false);
    expect(host.starttls.negotiated).toBe(false);
    expect(host.legacyRetry?.ok).toBe(false);
    expect(host.legacyRetry?.cause).toBe('not-tls');
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

  // A short command time-out, so that nothing but the greeting time-out counts: these tests measure concurrency.
  const limits: Partial<Limits> = { ...LIMITS, commandTimeoutMs: 300 };

  async function checkDomain(scripts: HostileScript[]): Promise<{ report: Report; wallMs: number }> {
    const hostMap = new Map<string, HostMapping>();
    for (const [i, h] of scripts.entries()) {
      const s = await serve(h);
      hostMap.set(names[i]!, { address: '127.0.0.1', port: s.port });
    }
    const started = performance.now();
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
    const wallMs = performance.now() - started;
    expectValidReport(report);
    return { report, wallMs };
  }

  it('4 MX hosts, one never greets: the check ends in about one greeting time-out', async () => {
    const { report, wallMs } = await checkDomain([hostile.wellBehaved(), hostile.neverGreets(), hostile.wellBehaved(), hostile.wellBehaved()]);
    expect(report.hosts).toHaveLength(4);
    const silent = report.hosts.filter((h) => h.status === 'greeting-timeout');
    expect(silent.map((h) => h.mx)).toEqual(['mx2.hostile.test']);
    expect(silent[0]!.findings.map((f) => f.id)).toContain('smtp.greeting-timeout');
    expect(report.hosts.filter((h) => h.status === 'ok')).toHaveLength(3);
    expect(wallMs).toBeGreaterThanOrEqual(GREETING_MS - 50);
    expect(wallMs).toBeLessThan(2 * GREETING_MS);
  });

  it('4 MX hosts, none greets: still about one greeting time-out (probed concurrently), not four', async () => {
    const { report, wallMs } = await checkDomain([hostile.neverGreets(), hostile.neverGreets(), hostile.neverGreets(), hostile.neverGreets()]);
    expect(report.hosts).toHaveLength(4);
    expect(report.hosts.every((h) => h.status === 'greeting-timeout')).toBe(true);
    expect(report.verdict).toBe('inconclusive');
    expect(wallMs).toBeLessThan(2 * GREETING_MS);
  });
});
