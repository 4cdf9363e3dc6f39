// The receiver test's less travelled paths, each against a loopback server started (and stopped)
// by the test and checked through the library API with injected edges: implicit TLS (SMTPS), the
// --from/--rcpt envelope test, every address timing out, failures on the extra connections
// (no SNI, cleartext), and injected bytes before a failed handshake.
//
// Asserts finding ids (exact sets), statuses, Report fields, transcript events and what each
// server received; never message text from OpenSSL and never wall-clock time.
import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import type { Connector, HostMapping, Limits, Resolver } from '../../src/core/context.js';
import { DnsError, MxrayError } from '../../src/core/errors.js';
import type { Finding, HostReport, ReceiverReport as Report, TranscriptEvent } from '../../src/core/schema.js';
import { reply, startScriptedServer, verbOf, type ScriptActions, type ScriptConnection, type ScriptedServer, type ScriptedServerOptions } from '../../src/demo/scripted-server.js';
import { createRootCa, type IssuedCert, type LeafOptions } from '../../src/demo/test-pki.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { checkReceiver, type ReceiverOptions } from '../../src/library.js';
import { defaultHelo } from '../../src/runtime/edges.js';
import { DEFAULT_PROFILE } from '../../src/checks/profile.js';
import { schemaErrors } from '../helpers/schema.js';

const DOMAIN = 'rcv.test';
const MX = 'mx.rcv.test';
const HELO = 'client.mxray.test';
const LIMITS: Partial<Limits> = { connectTimeoutMs: 1500, greetingTimeoutMs: 1500, commandTimeoutMs: 1500, tlsTimeoutMs: 1500 };

// ---- unhandled rejections: none allowed, anywhere in this file.
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => void rejections.push(reason);
process.on('unhandledRejection', onRejection);

let caPem: string;
let leaf: IssuedCert;
let issue: (options: LeafOptions) => Promise<IssuedCert>;
/** An RSA leaf for mx.rcv.test from the same CA (made on first use: RSA keys are slow to make). */
let rsa: Promise<IssuedCert> | null = null;
const rsaLeaf = () => (rsa ??= issue({ commonName: MX, dnsNames: [MX], key: 'rsa2048' }));

beforeAll(async () => {
  // src/demo is not mutated: making the PKI once here costs no attribution.
  const ca = await createRootCa('mxray receiver-paths root', Date.now());
  caPem = ca.cert.certPem;
  leaf = await ca.issue({ commonName: MX, dnsNames: [MX] });
  issue = (options) => ca.issue(options);
});

const stoppers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(stoppers.splice(0).map((stop) => stop()));
  expect(rejections).toEqual([]);
});

afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  process.off('unhandledRejection', onRejection);
  expect(rejections).toEqual([]);
});

/** MX rcv.test → mx.rcv.test (or the names given); no A/AAAA (the host map gives addresses); PTR as given. */
function fakeResolver(mx: Record<string, string[]> = { [DOMAIN]: [MX] }, a: Record<string, string[]> = {}, ptr: () => Promise<string[]> = () => Promise.resolve([])): Resolver {
  const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
  return {
    description: 'in-test resolver',
    mx: (name) => {
      const hosts = mx[name];
      return hosts ? Promise.resolve(hosts.map((exchange, i) => ({ exchange, priority: 10 * (i + 1) }))) : nx(name, 'MX');
    },
    a: (name) => (a[name] ? Promise.resolve(a[name]) : nx(name, 'A')),
    aaaa: (name) => nx(name, 'AAAA'),
    cname: (name) => nx(name, 'CNAME'),
    txt: () => Promise.resolve([]),
    ptr,
  };
}

/** One line a test server received. */
interface Received {
  conn: number;
  line: string;
  secure: boolean;
}

/** What a test server does; every handler may look at the connection (its number, TLS, SNI). */
interface Plan {
  /** On connect (default: a 220 banner naming mx.rcv.test). */
  greeting?: (c: ScriptConnection) => ScriptActions;
  /** After a completed `starttls` action (default: nothing; implicit-TLS servers greet here). */
  secured?: (c: ScriptConnection) => ScriptActions;
  /** EHLO (default: 250 with STARTTLS in clear when the server has TLS). */
  ehlo?: (c: ScriptConnection) => ScriptActions;
  starttls?: (c: ScriptConnection) => ScriptActions;
  mail?: (c: ScriptConnection) => ScriptActions;
  rcpt?: (c: ScriptConnection) => ScriptActions;
}

interface TestServer {
  port: number;
  received: Received[];
  /** The connections it accepted, with the SNI each sent (null: none, or no TLS). */
  connections: ScriptConnection[];
}

const banner = (): ScriptActions => [reply(220, `${MX} ESMTP ready`)];
const goAhead = (): ScriptActions => [reply(220, '2.0.0 go ahead'), { type: 'starttls' }];

/** A scripted SMTP server on loopback: plain and correct wherever the plan says nothing. */
async function serve(plan: Plan, options: { tls?: boolean; starttls?: boolean } = {}): Promise<TestServer> {
  const received: Received[] = [];
  const connections: ScriptConnection[] = [];
  const hasTls = options.tls ?? true;
  const offerStarttls = options.starttls ?? hasTls;
  const server: ScriptedServer = await startScriptedServer(
    {
      greeting: (c) => {
        connections.push(c);
        return (plan.greeting ?? banner)(c);
      },
      secured: (c) => plan.secured?.(c) ?? [],
      command: (line, c) => {
        received.push({ conn: c.id, line, secure: c.secure });
        switch (verbOf(line)) {
          case 'EHLO':
            return plan.ehlo ? plan.ehlo(c) : [reply(250, MX, 'PIPELINING', ...(offerStarttls && !c.secure ? ['STARTTLS'] : []), '8BITMIME')];
          case 'HELO':
            return [reply(250, MX)];
          case 'STARTTLS':
            return plan.starttls ? plan.starttls(c) : hasTls ? goAhead() : [reply(454, '4.7.0 TLS not available')];
          case 'MAIL':
            return plan.mail ? plan.mail(c) : [reply(250, '2.1.0 OK')];
          case 'RCPT':
            return plan.rcpt ? plan.rcpt(c) : [reply(250, '2.1.5 OK')];
          case 'RSET':
            return [reply(250, '2.0.0 OK')];
          case 'QUIT':
            return [reply(221, '2.0.0 bye'), { type: 'close' }];
          default:
            return [reply(502, '5.5.2 not implemented')];
        }
      },
    },
    hasTls ? ({ tls: { key: leaf.keyPem, cert: leaf.certPem } } satisfies ScriptedServerOptions) : {},
  );
  stoppers.push(() => server.stop());
  return { port: server.port, received, connections };
}

/** Checks rcv.test, whose one MX (mx.rcv.test) the host map points at the loopback port. */
async function check(port: number, extra: Partial<ReceiverOptions> = {}): Promise<{ report: Report; host: HostReport; ids: string[] }> {
  const report = await checkReceiver({
    target: DOMAIN,
    helo: HELO,
    clock: systemClock,
    resolver: fakeResolver(),
    connector: createConnector(systemClock),
    trustStore: createTrustStore([caPem], 'receiver-paths test CA'),
    hostMap: new Map<string, HostMapping>([[MX, { address: '127.0.0.1', port }]]),
    // The SMTP and TLS paths are tested here; MTA-STS and TLS-RPT in posture.test.ts.
    posture: false,
    ...extra,
    limits: { ...LIMITS, ...extra.limits },
  });
  expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
  expect(report.body.hosts).toHaveLength(1);
  const host = report.body.hosts[0]!;
  return { report, host, ids: host.findings.map((f) => f.id).sort() };
}

const keyOf = (port: number) => `${MX}[127.0.0.1]:${port}`;

/** A failed handshake in which the server sent nothing at all. */
const NOTHING_SEEN = {
  bytes: 0,
  notTls: false,
  preview: null,
  serverHello: false,
  certificate: false,
  encrypted: false,
  alert: null,
  certificateRequest: false,
  certificateBytes: null,
  serverHelloDone: false,
  encryptedBytes: 0,
};

/** What the checks make of a handshake without SNI that showed no certificate. */
const NO_SNI_CERTIFICATE = { sameCertificate: null, certificate: null };

/** Lines one connection of the server received, as `verb` (or `verb(secure)` inside TLS). */
function dialogue(s: TestServer, conn: number): string[] {
  return s.received.filter((r) => r.conn === conn).map((r) => `${verbOf(r.line)}${r.secure ? '(tls)' : ''}`);
}

/** The one finding with this id on this host. */
function findingOf(host: HostReport, id: string): Finding {
  const found = host.findings.filter((f) => f.id === id);
  expect(found, `finding ${id} on ${host.key}`).toHaveLength(1);
  return found[0]!;
}

const eventsOf = (report: Report, host: HostReport, conn: string): TranscriptEvent[] => report.transcript.filter((e) => e.conn === `${host.key}/${conn}`);
const notes = (report: Report) => report.transcript.filter((e) => e.kind === 'note').map((e) => `${e.conn} ${e.text}`);

// ---------------------------------------------------------------------------------------------

describe('implicit TLS (SMTPS, TLS from the first byte)', () => {
  /** TLS at once, then the banner and EHLO inside TLS; no STARTTLS anywhere. */
  const smtps = (): Plan => ({ greeting: () => [{ type: 'starttls' }], secured: banner });

  it('port 465 means TLS on connect: banner and EHLO inside TLS, certificate judged, no STARTTLS, no cleartext session', async () => {
    const s = await serve(smtps(), { starttls: false });
    // rcv.test on port 465 (the host map sends it to the loopback port): implicit TLS by default.
    const { report, host, ids } = await check(s.port, { port: 465 });
    expect(host.implicitTls).toBe(true);
    expect(host.status).toBe('ok');
    expect(host.statusDetail).toBeNull();
    expect(host.statusReason).toBeNull();
    expect(host.banner).toEqual({ code: 220, enhanced: null, lines: [`${MX} ESMTP ready`] });
    expect(host.bannerName).toBe(MX);
    expect(host.greeting).toBe('EHLO');
    expect(host.ehloName).toBe(MX);
    // What the server offered was said inside TLS: it goes to capabilitiesInTls, none "before TLS".
    expect(host.capabilities).toEqual([]);
    expect(host.capabilitiesInTls!.map((c) => c.keyword)).toEqual(['PIPELINING', '8BITMIME']);
    // That one EHLO was said inside TLS: it is also the reply "in TLS".
    expect(host.ehloTlsReply).toEqual({ code: 250, enhanced: null, lines: [MX, 'PIPELINING', '8BITMIME'] });
    expect(host.ehloReply).toEqual(host.ehloTlsReply);
    expect(host.starttls).toEqual({ offered: false, masked: false, reply: null, negotiated: true });
    expect(host.tls).toMatchObject({ ok: true, status: 'ok', sni: MX, injectedBytes: 0, error: null });
    expect(host.tls!.peerChain).toEqual([leaf.der.toString('base64')]);
    expect(host.assessment.certificate).toMatchObject({ trusted: true, nameMatches: true, checkedName: MX });
    expect(host.assessment.certificate!.sent.map((c) => c.commonName)).toEqual([MX]);
    // The handshake without SNI ran (same certificate: the server has one); no cleartext session on an SMTPS port.
    expect(host.noSni).toMatchObject({ status: 'ok', error: null });
    expect(host.assessment.noSni).toMatchObject({ sameCertificate: true });
    expect(host.cleartext).toBeNull();
    expect(host.legacyRetry).toBeNull();
    expect(ids).toEqual(['cert.ok', 'tls.ok']);
    expect(report.verdict).toBe('pass');
    // Two connections: the main one (SNI mx.rcv.test), the one without SNI. EHLO once, inside TLS.
    expect(s.connections.map((c) => [c.id, c.servername])).toEqual([
      [1, MX],
      [2, null],
    ]);
    expect(dialogue(s, 1)).toEqual(['EHLO(tls)', 'QUIT(tls)']);
    expect(dialogue(s, 2)).toEqual([]);
    // The connection without SNI is closed as soon as its certificate is seen.
    expect(eventsOf(report, host, 'no-sni').map((e) => e.kind).at(-1)).toBe('close');
    // The certificate is in the transcript of the main connection, the leaf's subject with it.
    expect(eventsOf(report, host, 'main').filter((e) => e.kind === 'cert')).toHaveLength(1);
  });

  it('STARTTLS advertised inside implicit TLS: starttls.readvertised, its evidence the EHLO on the main connection', async () => {
    const s = await serve({ ...smtps(), ehlo: () => [reply(250, MX, 'STARTTLS')] }, { starttls: false });
    const { report, host, ids } = await check(s.port, { tlsOnConnect: true, extras: false });
    expect(ids).toEqual(['cert.ok', 'starttls.readvertised', 'tls.ok']);
    const evidence = new Set(findingOf(host, 'starttls.readvertised').evidence);
    expect(report.transcript.filter((e) => evidence.has(e.seq)).map((e) => [e.kind, e.text])).toEqual([
      ['send', `EHLO ${HELO}`],
      ['recv', `250-${MX}`],
      ['recv', '250 STARTTLS'],
    ]);
    expect(dialogue(s, 1)).toEqual(['EHLO(tls)', 'QUIT(tls)']);
  });

  it('an SMTPS server on node:tls that staples an OCSP response: noted in the TLS facts', async () => {
    const sockets = new Set<tls.TLSSocket>();
    const received: string[] = [];
    const server = tls.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.write(`220 ${MX} ESMTPS\r\n`);
      let buffer = '';
      socket.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('latin1');
        for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          received.push(verbOf(line));
          if (verbOf(line) === 'EHLO') socket.write(`250-${MX}\r\n250 PIPELINING\r\n`);
          else if (verbOf(line) === 'QUIT') socket.end('221 bye\r\n');
          else socket.write('502 no\r\n');
        }
      });
    });
    // Any bytes will do: stapling is noted, the response is not judged here.
    server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, callback: (err: Error | null, response: Buffer) => void) => callback(null, Buffer.from('a stapled response')));
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    stoppers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
        }),
    );
    const { host } = await check((server.address() as net.AddressInfo).port, { tlsOnConnect: true, extras: false });
    expect(host.status).toBe('ok');
    expect(host.tls).toMatchObject({ ok: true, ocspStapled: true });
    expect(received).toEqual(['EHLO', 'QUIT']);
  });

  it('--tls-on-connect on another port, --from/--rcpt: the envelope runs inside TLS', async () => {
    const s = await serve(smtps(), { starttls: false });
    const { host, ids } = await check(s.port, { tlsOnConnect: true, from: 'probe@client.mxray.test', rcpt: `postmaster@${DOMAIN}`, extras: false });
    expect(host.implicitTls).toBe(true);
    expect(host.assessment.envelope.map((e) => [e.command, e.outcome])).toEqual([
      ['MAIL FROM:<probe@client.mxray.test>', 'accepted'],
      [`RCPT TO:<postmaster@${DOMAIN}>`, 'accepted'],
    ]);
    expect(dialogue(s, 1)).toEqual(['EHLO(tls)', 'MAIL(tls)', 'RCPT(tls)', 'RSET(tls)', 'QUIT(tls)']);
    expect(ids).toEqual(['cert.ok', 'tls.ok']);
  });

  it('a plain SMTP server on the TLS port: tls-handshake-error, the legacy retry says not-tls, no banner, no extra sessions', async () => {
    const s = await serve({}, { tls: false });
    const { report, host, ids } = await check(s.port, { tlsOnConnect: true });
    expect(host.implicitTls).toBe(true);
    expect(host.status).toBe('tls-handshake-error');
    expect(host.tls).toMatchObject({ ok: false, status: 'tls-handshake-error', sni: MX, protocol: null, peerChain: [], injectedBytes: 0 });
    expect(host.assessment.certificate).toBeNull();
    expect(host.statusDetail).toBe(host.tls!.error);
    expect(host.statusReason).not.toBe('bug');
    expect(host.starttls).toEqual({ offered: false, masked: false, reply: null, negotiated: false });
    expect(host.banner).toBeNull();
    expect(host.greeting).toBeNull();
    expect(host.legacyRetry).toMatchObject({ ok: false, protocol: null, cipher: null });
    expect(host.assessment).toMatchObject({ legacyCause: 'not-tls', certificateReceived: false });
    expect(host.noSni).toBeNull();
    expect(host.cleartext).toBeNull();
    expect(ids).toEqual(['tls.handshake-failed']);
    expect(host.verdict).toBe('fail');
    expect(report.verdict).toBe('fail');
    // Main and legacy connection, nothing more; no EHLO was ever sent (the ClientHello is not a command).
    expect(s.connections.map((c) => c.id)).toEqual([1, 2]);
    expect(s.received.filter((r) => verbOf(r.line) === 'EHLO')).toEqual([]);
    expect(eventsOf(report, host, 'main').filter((e) => e.kind === 'error').map((e) => e.text)).toEqual([`TLS handshake failed: ${host.tls!.error}`]);
    expect(eventsOf(report, host, 'legacy').filter((e) => e.kind === 'connect')).toHaveLength(2);
    // Evidence of the finding: the main and legacy handshakes' events.
    const evidence = new Set(findingOf(host, 'tls.handshake-failed').evidence);
    const conns = new Set(report.transcript.filter((e) => evidence.has(e.seq)).map((e) => e.conn.slice(host.key.length + 1)));
    expect(conns).toEqual(new Set(['main', 'legacy']));
  });
});

// ---------------------------------------------------------------------------------------------

describe('the envelope test (--from / --rcpt)', () => {
  const FROM = 'probe@client.mxray.test';
  const RCPT = `someone@${DOMAIN}`;

  /** Runs the envelope test on a STARTTLS server answering MAIL and RCPT as given. */
  async function envelopeRun(plan: Pick<Plan, 'mail' | 'rcpt'>, who: { from?: string | null; rcpt?: string | null } = { from: FROM, rcpt: RCPT }) {
    const s = await serve(plan);
    const run = await check(s.port, { ...who, extras: false });
    return { s, ...run };
  }

  it('accepted: MAIL and RCPT accepted inside TLS, then RSET (never DATA), no envelope finding', async () => {
    const { s, host, ids } = await envelopeRun({});
    expect(host.envelope).toEqual([
      { command: `MAIL FROM:<${FROM}>`, reply: { code: 250, enhanced: '2.1.0', lines: ['2.1.0 OK'] } },
      { command: `RCPT TO:<${RCPT}>`, reply: { code: 250, enhanced: '2.1.5', lines: ['2.1.5 OK'] } },
    ]);
    expect(host.assessment.envelope).toEqual([
      { command: `MAIL FROM:<${FROM}>`, outcome: 'accepted' },
      { command: `RCPT TO:<${RCPT}>`, outcome: 'accepted' },
    ]);
    expect(dialogue(s, 1)).toEqual(['EHLO', 'STARTTLS', 'EHLO(tls)', 'MAIL(tls)', 'RCPT(tls)', 'RSET(tls)', 'QUIT(tls)']);
    expect(ids).toEqual(['cert.ok', 'tls.ok']);
    expect(host.verdict).toBe('pass');
  });

  it('greylisted (450 "try again later" to RCPT): smtp.greylisted with the command and reply, inconclusive', async () => {
    const { s, host, ids } = await envelopeRun({ rcpt: () => [reply(450, '4.2.0 Greylisted, please try again later')] });
    expect(host.assessment.envelope.map((e) => e.outcome)).toEqual(['accepted', 'greylisted']);
    expect(ids).toEqual(['cert.ok', 'smtp.greylisted', 'tls.ok']);
    expect(findingOf(host, 'smtp.greylisted').facts).toEqual({ host: host.key, command: `RCPT TO:<${RCPT}>`, reply: '450 4.2.0 Greylisted, please try again later' });
    expect(dialogue(s, 1).slice(-3)).toEqual(['RCPT(tls)', 'RSET(tls)', 'QUIT(tls)']);
    expect(host.verdict).toBe('inconclusive');
  });

  it('greylisted (451 to MAIL): smtp.greylisted on MAIL FROM, RCPT never sent, RSET still sent', async () => {
    const { s, host, ids } = await envelopeRun({ mail: () => [reply(451, '4.7.1 Greylisting in action, try again later')] });
    expect(host.assessment.envelope.map((e) => [e.command, e.outcome])).toEqual([[`MAIL FROM:<${FROM}>`, 'greylisted']]);
    expect(ids).toEqual(['cert.ok', 'smtp.greylisted', 'tls.ok']);
    expect(findingOf(host, 'smtp.greylisted').facts).toEqual({ host: host.key, command: `MAIL FROM:<${FROM}>`, reply: '451 4.7.1 Greylisting in action, try again later' });
    expect(dialogue(s, 1)).toEqual(['EHLO', 'STARTTLS', 'EHLO(tls)', 'MAIL(tls)', 'RSET(tls)', 'QUIT(tls)']);
  });

  it('rejected (550 to RCPT): smtp.envelope-rejected with the command and reply, warn', async () => {
    const { host, ids } = await envelopeRun({ rcpt: () => [reply(550, '5.1.1 no such user')] });
    expect(host.assessment.envelope.map((e) => e.outcome)).toEqual(['accepted', 'rejected']);
    expect(ids).toEqual(['cert.ok', 'smtp.envelope-rejected', 'tls.ok']);
    expect(findingOf(host, 'smtp.envelope-rejected').facts).toEqual({ host: host.key, command: `RCPT TO:<${RCPT}>`, reply: '550 5.1.1 no such user' });
    expect(host.verdict).toBe('warn');
  });

  it('rejected (550 to MAIL): smtp.envelope-rejected on MAIL FROM, RCPT never sent, RSET still sent', async () => {
    const { s, host, ids } = await envelopeRun({ mail: () => [reply(550, '5.7.1 sender refused')] });
    expect(host.assessment.envelope.map((e) => [e.command, e.outcome])).toEqual([[`MAIL FROM:<${FROM}>`, 'rejected']]);
    expect(ids).toEqual(['cert.ok', 'smtp.envelope-rejected', 'tls.ok']);
    expect(findingOf(host, 'smtp.envelope-rejected').facts).toEqual({ host: host.key, command: `MAIL FROM:<${FROM}>`, reply: '550 5.7.1 sender refused' });
    expect(dialogue(s, 1)).toEqual(['EHLO', 'STARTTLS', 'EHLO(tls)', 'MAIL(tls)', 'RSET(tls)', 'QUIT(tls)']);
  });

  it('deferred (452 to RCPT, not greylisting): smtp.envelope-rejected', async () => {
    const { host, ids } = await envelopeRun({ rcpt: () => [reply(452, '4.3.1 insufficient system storage')] });
    expect(host.assessment.envelope.map((e) => e.outcome)).toEqual(['accepted', 'deferred']);
    expect(ids).toEqual(['cert.ok', 'smtp.envelope-rejected', 'tls.ok']);
    expect(findingOf(host, 'smtp.envelope-rejected').facts).toEqual({ host: host.key, command: `RCPT TO:<${RCPT}>`, reply: '452 4.3.1 insufficient system storage' });
  });

  it('421 to MAIL (and the server hangs up): smtp.rate-limited, RCPT never sent, the host status stays ok, inconclusive', async () => {
    const { s, host, ids } = await envelopeRun({ mail: () => [reply(421, '4.7.0 too many connections, closing'), { type: 'close' }] });
    expect(host.envelope).toEqual([{ command: `MAIL FROM:<${FROM}>`, reply: { code: 421, enhanced: '4.7.0', lines: ['4.7.0 too many connections, closing'] } }]);
    expect(host.assessment.envelope).toEqual([{ command: `MAIL FROM:<${FROM}>`, outcome: 'deferred' }]);
    expect(ids).toEqual(['cert.ok', 'smtp.rate-limited', 'tls.ok']);
    expect(findingOf(host, 'smtp.rate-limited').facts).toEqual({ host: host.key, reply: '421 4.7.0 too many connections, closing' });
    // The RSET after it found the connection closed: that failure is not the host's status.
    expect(host.status).toBe('ok');
    expect(dialogue(s, 1)).toEqual(['EHLO', 'STARTTLS', 'EHLO(tls)', 'MAIL(tls)']);
    expect(host.verdict).toBe('inconclusive');
  });

  it('--from only: MAIL FROM alone, no RCPT', async () => {
    const { s, host } = await envelopeRun({}, { from: FROM });
    expect(host.envelope.map((e) => e.command)).toEqual([`MAIL FROM:<${FROM}>`]);
    expect(dialogue(s, 1).slice(3)).toEqual(['MAIL(tls)', 'RSET(tls)', 'QUIT(tls)']);
  });

  it('--rcpt only: the null sender MAIL FROM:<>, then RCPT', async () => {
    const { host } = await envelopeRun({}, { rcpt: RCPT });
    expect(host.envelope.map((e) => e.command)).toEqual(['MAIL FROM:<>', `RCPT TO:<${RCPT}>`]);
  });

  it('neither: no envelope on the main connection at all', async () => {
    const { s, host } = await envelopeRun({}, {});
    expect(host.envelope).toEqual([]);
    expect(dialogue(s, 1)).toEqual(['EHLO', 'STARTTLS', 'EHLO(tls)', 'QUIT(tls)']);
  });

  it('--rcpt is also the recipient of the cleartext session (instead of postmaster@domain)', async () => {
    const s = await serve({});
    const { host, ids } = await check(s.port, { rcpt: RCPT });
    expect(host.cleartext!.steps.map((e) => e.command)).toEqual(['MAIL FROM:<>', `RCPT TO:<${RCPT}>`]);
    expect(ids).toEqual(['cert.ok', 'policy.cleartext-accepted', 'tls.ok']);
    // main, no-SNI, cleartext: the cleartext one never starts TLS.
    expect(dialogue(s, 3)).toEqual(['EHLO', 'MAIL', 'RCPT', 'RSET', 'QUIT']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('every address timing out on connect (net.all-unreachable)', () => {
  const ADDRESSES: Record<string, string> = { 'mx1.far.test': '192.0.2.1', 'mx2.far.test': '192.0.2.2', 'mx3.far.test': '192.0.2.3' };
  const resolver = () =>
    fakeResolver({ 'far.test': Object.keys(ADDRESSES) }, Object.fromEntries(Object.entries(ADDRESSES).map(([name, address]) => [name, [address]])));

  /** A connector that never reaches the network: each address gets the outcome given (default: a time-out). */
  function scriptedConnector(outcome: (address: string) => MxrayError, asked: string[]): Connector {
    return {
      connect: (o) => {
        asked.push(`${o.address}:${o.port}`);
        return Promise.reject(outcome(o.address));
      },
    };
  }

  const timeout = (local: string | null) => () => new MxrayError('connection-timeout', 'no TCP connection in time', 'timeout', local);

  async function run(connector: Connector, extra: Partial<ReceiverOptions> = {}): Promise<Report> {
    const report = await checkReceiver({
      target: 'far.test',
      posture: false,
      helo: HELO,
      clock: systemClock,
      resolver: resolver(),
      connector,
      trustStore: createTrustStore([caPem], 'receiver-paths test CA'),
      limits: LIMITS,
      ...extra,
    });
    expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
    return report;
  }

  it('all three time out: one domain finding with count, port and our source address; inconclusive', async () => {
    const asked: string[] = [];
    const report = await run(scriptedConnector(timeout('198.51.100.7'), asked));
    expect(asked.sort()).toEqual(['192.0.2.1:25', '192.0.2.2:25', '192.0.2.3:25']);
    expect(report.body.hosts.map((h) => h.status)).toEqual(['connection-timeout', 'connection-timeout', 'connection-timeout']);
    // Nothing but the failed connection is known of each.
    for (const h of report.body.hosts) {
      expect([h.statusReason, h.connectMs, h.banner, h.bannerName, h.greeting, h.tls, h.noSni, h.cleartext, h.legacyRetry]).toEqual(['timeout', null, null, null, null, null, null, null, null]);
    }
    expect(report.body.hosts.map((h) => h.findings.map((f) => f.id))).toEqual([['net.connect-timeout'], ['net.connect-timeout'], ['net.connect-timeout']]);
    expect(report.findings.map((f) => f.id).sort()).toEqual(['net.all-unreachable', 'net.connect-timeout']);
    const all = report.findings.find((f) => f.id === 'net.all-unreachable')!;
    expect(all.facts).toEqual({ domain: 'far.test', count: 3, port: 25, sourceAddress: '198.51.100.7' });
    expect(all.hosts).toEqual([]);
    // The per-host finding, merged: one entry naming every host, with every host's evidence.
    const merged = report.findings.find((f) => f.id === 'net.connect-timeout')!;
    expect(merged.hosts).toEqual(report.body.hosts.map((h) => h.key));
    expect(merged.evidence).toEqual(report.body.hosts.flatMap((h) => h.findings[0]!.evidence));
    expect(report.body.sourceAddress).toBe('198.51.100.7');
    expect(report.verdict).toBe('inconclusive');
    // Nothing but the connection attempts: no extra connections, no note about them (nothing was greeted).
    expect(notes(report)).toEqual([]);
  });

  it('a server target on another port, no source address known: the host as "domain", the port asked, "unknown"', async () => {
    const asked: string[] = [];
    const report = await run(scriptedConnector(timeout(null), asked), { target: '192.0.2.9:2525' });
    expect(asked).toEqual(['192.0.2.9:2525']);
    expect(report.findings.map((f) => f.id).sort()).toEqual(['net.all-unreachable', 'net.connect-timeout']);
    expect(report.findings.find((f) => f.id === 'net.all-unreachable')!.facts).toEqual({
      domain: '192.0.2.9',
      count: 1,
      port: 2525,
      sourceAddress: 'unknown (no connection was established)',
    });
    expect(report.body.sourceAddress).toBeNull();
    expect(report.verdict).toBe('inconclusive');
  });

  it('only some time out (one refuses): no net.all-unreachable', async () => {
    const asked: string[] = [];
    const outcome = (address: string) =>
      address === '192.0.2.2' ? new MxrayError('connection-refused', 'connection refused', 'ECONNREFUSED') : timeout('198.51.100.7')();
    const report = await run(scriptedConnector(outcome, asked));
    expect(report.body.hosts.map((h) => h.status)).toEqual(['connection-timeout', 'connection-refused', 'connection-timeout']);
    expect(report.findings.map((f) => f.id).sort()).toEqual(['net.connect-refused', 'net.connect-timeout']);
    // No address takes mail, and one refusal is certainly theirs: fail, not "could not tell".
    expect(report.body.delivery.state).toBe('none');
    expect(report.verdict).toBe('fail');
  });

  it('only some time out (one answers): no net.all-unreachable, and the source address comes from the one that answered', async () => {
    const s = await serve({});
    const real = createConnector(systemClock);
    const asked: string[] = [];
    const connector: Connector = {
      connect: (o) => {
        asked.push(o.address);
        return o.address === '192.0.2.2' ? real.connect({ ...o, address: '127.0.0.1', port: s.port }) : Promise.reject(timeout(null)());
      },
    };
    const report = await run(connector, { extras: false });
    expect(report.body.hosts.map((h) => h.status)).toEqual(['connection-timeout', 'ok', 'connection-timeout']);
    expect(report.findings.map((f) => f.id)).not.toContain('net.all-unreachable');
    expect(report.body.sourceAddress).toBe('127.0.0.1');
  });

  it('no address at all (NXDOMAIN): no host, so no net.all-unreachable', async () => {
    const asked: string[] = [];
    const report = await run(scriptedConnector(timeout(null), asked), { target: 'nowhere.test' });
    expect(report.body.hosts).toEqual([]);
    expect(asked).toEqual([]);
    expect(report.findings.map((f) => f.id)).toEqual(['dns.nxdomain']);
  });
});

// ---------------------------------------------------------------------------------------------

/**
 * A STARTTLS server on node:tls directly, for what startScriptedServer's one fixed context cannot
 * do: `sniOnly` gives the certificate only to a ClientHello naming a server (as on a shared host:
 * without SNI there is no certificate and the handshake fails); `context` sets the TLS settings
 * (e.g. TLS 1.0 only).
 */
async function serveTls(
  options: {
    sniOnly?: boolean;
    context?: tls.SecureContextOptions;
    /** Ask for a client certificate and refuse the handshake without one (after sending ours). */
    requireClientCert?: boolean;
    /** What connection number `id` does with STARTTLS: a handshake (default), a 454, or 220 and a hang-up. */
    onStarttls?: (id: number) => 'tls' | 'refuse' | 'close';
  } = {},
): Promise<TestServer> {
  const received: Received[] = [];
  const connections: ScriptConnection[] = [];
  const sockets = new Set<net.Socket>();
  const full = tls.createSecureContext({ key: leaf.keyPem, cert: leaf.certPem, ...options.context });
  let nextId = 1;
  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => undefined);
    const conn = { id: nextId++, remoteAddress: raw.remoteAddress ?? '', remotePort: raw.remotePort ?? 0, secure: false, servername: null as string | null };
    connections.push(conn);
    let stream: net.Socket = raw;
    let buffer = '';
    const answer = (line: string) => {
      received.push({ conn: conn.id, line, secure: conn.secure });
      const verb = verbOf(line);
      if (verb === 'EHLO') stream.write(conn.secure ? `250-${MX}\r\n250 8BITMIME\r\n` : `250-${MX}\r\n250 STARTTLS\r\n`);
      else if (verb === 'STARTTLS' && !conn.secure && options.onStarttls?.(conn.id) === 'refuse') stream.write('454 4.7.0 not now\r\n');
      else if (verb === 'STARTTLS' && !conn.secure && options.onStarttls?.(conn.id) === 'close') stream.end('220 2.0.0 go ahead\r\n');
      else if (verb === 'STARTTLS' && !conn.secure) {
        raw.off('data', onData);
        raw.write('220 2.0.0 go ahead\r\n');
        const secure = options.sniOnly
          ? new tls.TLSSocket(raw, { isServer: true, secureContext: tls.createSecureContext({}), SNICallback: (_name, cb) => cb(null, full) })
          : new tls.TLSSocket(raw, { isServer: true, secureContext: full, requestCert: options.requireClientCert ?? false, rejectUnauthorized: options.requireClientCert ?? false });
        secure.on('error', () => raw.destroy());
        secure.on('secure', () => {
          conn.secure = true;
          const sni: unknown = (secure as tls.TLSSocket & { servername?: unknown }).servername;
          conn.servername = typeof sni === 'string' ? sni : null;
          buffer = '';
          stream = secure;
          secure.on('data', onData);
        });
      } else if (verb === 'QUIT') stream.end('221 2.0.0 bye\r\n');
      else stream.write('250 2.0.0 OK\r\n');
    };
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        answer(line);
      }
    };
    raw.on('data', onData);
    raw.write(`220 ${MX} ESMTP on node:tls\r\n`);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  stoppers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, received, connections: connections as ScriptConnection[] };
}

describe('failures on the extra connections', () => {
  it('the handshake without SNI fails while the main one worked: tls.sni-required, the cleartext session still runs', async () => {
    const s = await serveTls({ sniOnly: true });
    const { host, ids } = await check(s.port);
    expect(host.status).toBe('ok');
    expect(host.tls).toMatchObject({ ok: true, sni: MX });
    expect(host.noSni).toMatchObject({ status: 'tls-handshake-error', peerChain: [] });
    expect(host.assessment.noSni).toEqual(NO_SNI_CERTIFICATE);
    expect(host.noSni!.error).not.toBeNull();
    expect(findingOf(host, 'tls.sni-required').facts).toEqual({ host: host.key, error: host.noSni!.error });
    expect(ids).toEqual(['cert.ok', 'policy.cleartext-accepted', 'tls.ok', 'tls.sni-required']);
    expect(host.verdict).toBe('fail');
    expect(s.connections.map((c) => [c.id, c.secure, c.servername])).toEqual([
      [1, true, MX],
      [2, false, null],
      [3, false, null],
    ]);
    expect(dialogue(s, 2)).toEqual(['EHLO', 'STARTTLS']);
    expect(dialogue(s, 3)).toEqual(['EHLO', 'MAIL', 'RCPT', 'RSET', 'QUIT']);
  });

  it('the no-SNI connection is closed before its banner: its status is recorded, no SNI finding', async () => {
    const s = await serve({ greeting: (c) => (c.id === 2 ? [{ type: 'close' }] : banner()) });
    const { host, ids } = await check(s.port);
    expect(host.status).toBe('ok');
    expect(host.noSni).toEqual({ status: 'protocol-error', error: host.noSni!.error, peerChain: [] });
    expect(host.assessment.noSni).toEqual(NO_SNI_CERTIFICATE);
    expect(ids).toEqual(['cert.ok', 'policy.cleartext-accepted', 'tls.ok']);
    expect(s.connections.map((c) => c.id)).toEqual([1, 2, 3]);
  });

  it('the no-SNI connection refused STARTTLS: status starttls-refused, no SNI finding', async () => {
    const s = await serve({ starttls: (c) => (c.id === 2 ? [reply(454, '4.7.0 TLS not available now')] : goAhead()) });
    const last = await check(s.port);
    const { host, ids } = last;
    expect(host.noSni).toMatchObject({ status: 'starttls-refused', error: '454 4.7.0 TLS not available now', peerChain: [] });
    expect(host.assessment.noSni).toEqual(NO_SNI_CERTIFICATE);
    // We hang up on it at once.
    expect(eventsOf(last.report, host, 'no-sni').map((e) => e.kind).at(-1)).toBe('close');
    expect(ids).toEqual(['cert.ok', 'policy.cleartext-accepted', 'tls.ok']);
  });

  it('the no-SNI connection refused EHLO: status protocol-error, no SNI finding', async () => {
    const s = await serve({ ehlo: (c) => (c.id === 2 ? [reply(554, '5.7.1 go away')] : [reply(250, MX, ...(c.secure ? [] : ['STARTTLS']))]) });
    const { host, ids } = await check(s.port);
    expect(host.noSni).toMatchObject({ status: 'protocol-error', peerChain: [] });
    expect(host.assessment.noSni).toEqual(NO_SNI_CERTIFICATE);
    // Refused, but in step: QUIT (issue 16: every session ends politely).
    expect(dialogue(s, 2)).toEqual(['EHLO', 'QUIT']);
    expect(ids).toEqual(['cert.ok', 'policy.cleartext-accepted', 'tls.ok']);
  });

  it('the no-SNI connection is refused by the network: status connection-refused', async () => {
    const s = await serve({});
    const real = createConnector(systemClock);
    let n = 0;
    const connector: Connector = {
      connect: (o) => (++n === 2 ? Promise.reject(new MxrayError('connection-refused', 'connection refused', 'ECONNREFUSED')) : real.connect(o)),
    };
    const { host, ids } = await check(s.port, { connector });
    expect(host.noSni).toEqual({ status: 'connection-refused', error: 'connection refused', peerChain: [] });
    expect(host.assessment.noSni).toEqual(NO_SNI_CERTIFICATE);
    expect(host.cleartext).toMatchObject({ status: 'ok' });
    expect(host.assessment.cleartext).toMatchObject({ requiresTls: false });
    expect(ids).toEqual(['cert.ok', 'policy.cleartext-accepted', 'tls.ok']);
  });

  it('the cleartext connection is refused: status recorded, requiresTls null, no policy finding', async () => {
    const s = await serve({});
    const real = createConnector(systemClock);
    let n = 0;
    const connector: Connector = {
      connect: (o) => (++n === 3 ? Promise.reject(new MxrayError('connection-refused', 'connection refused', 'ECONNREFUSED')) : real.connect(o)),
    };
    const { host, ids } = await check(s.port, { connector });
    expect(host.cleartext).toEqual({ status: 'connection-refused', steps: [] });
    expect(host.assessment.cleartext).toEqual({ outcomes: [], requiresTls: null });
    expect(ids).toEqual(['cert.ok', 'tls.ok']);
  });

  it('the cleartext connection gets a 554 banner: protocol-error, requiresTls null, no policy finding', async () => {
    const s = await serve({ greeting: (c) => (c.id === 3 ? [reply(554, '5.3.2 not now')] : banner()) });
    const { host, ids } = await check(s.port);
    expect(host.cleartext).toEqual({ status: 'protocol-error', steps: [] });
    expect(host.assessment.cleartext).toEqual({ outcomes: [], requiresTls: null });
    expect(ids).toEqual(['cert.ok', 'tls.ok']);
    expect(dialogue(s, 3)).toEqual(['QUIT']);
  });

  it('the cleartext connection times out on MAIL: io-timeout, requiresTls null, no policy finding, the main session unharmed', async () => {
    const s = await serve({ mail: (c) => (c.id === 3 ? [] : [reply(250, '2.1.0 OK')]) });
    const { host, ids } = await check(s.port, { limits: { commandTimeoutMs: 300 } });
    expect(host.status).toBe('ok');
    expect(host.cleartext).toEqual({ status: 'io-timeout', steps: [] });
    expect(host.assessment.cleartext).toEqual({ outcomes: [], requiresTls: null });
    expect(ids).toEqual(['cert.ok', 'tls.ok']);
    expect(dialogue(s, 3)).toEqual(['EHLO', 'MAIL']);
  });

  it('the cleartext session answers MAIL with a 4xx: the envelope is kept, requiresTls null, no policy finding', async () => {
    const s = await serve({ mail: (c) => (c.id === 3 ? [reply(451, '4.3.0 local problem')] : [reply(250, '2.1.0 OK')]) });
    const { host, ids } = await check(s.port);
    expect(host.cleartext).toMatchObject({ status: 'ok' });
    expect(host.assessment.cleartext).toMatchObject({ requiresTls: null });
    expect(host.assessment.cleartext!.outcomes.map((e) => [e.command, e.outcome])).toEqual([['MAIL FROM:<>', 'deferred']]);
    expect(ids).toEqual(['cert.ok', 'tls.ok']);
  });

  it('the cleartext session refuses RCPT for another reason (550 no such user): requiresTls null, no policy finding', async () => {
    const s = await serve({ rcpt: (c) => (c.id === 3 ? [reply(550, '5.1.1 no such user')] : [reply(250, '2.1.5 OK')]) });
    const { host, ids } = await check(s.port);
    expect(host.cleartext).toMatchObject({ status: 'ok' });
    expect(host.assessment.cleartext).toMatchObject({ requiresTls: null });
    expect(host.assessment.cleartext!.outcomes.map((e) => e.outcome)).toEqual(['accepted', 'rejected']);
    expect(ids).toEqual(['cert.ok', 'tls.ok']);
  });

  it('the cleartext session refuses RCPT for want of TLS: policy.requires-tls', async () => {
    const s = await serve({ rcpt: (c) => (c.id === 3 ? [reply(530, '5.7.0 Must issue a STARTTLS command first')] : [reply(250, '2.1.5 OK')]) });
    const { host, ids } = await check(s.port);
    expect(host.cleartext).toMatchObject({ status: 'ok' });
    expect(host.assessment.cleartext).toMatchObject({ requiresTls: true });
    expect(host.assessment.cleartext!.outcomes.map((e) => e.outcome)).toEqual(['accepted', 'requires-tls']);
    expect(ids).toEqual(['cert.ok', 'policy.requires-tls', 'tls.ok']);
  });

  it('after the main session timed out: "no extra connections after io-timeout", one connection only', async () => {
    // STARTTLS is never answered: the main session times out inside the dialogue.
    const s = await serve({ starttls: () => [] });
    const { report, host, ids } = await check(s.port, { limits: { commandTimeoutMs: 300 } });
    expect(host.status).toBe('io-timeout');
    expect(host.noSni).toBeNull();
    expect(host.cleartext).toBeNull();
    expect(notes(report)).toEqual([`${host.key}/main no extra connections after io-timeout`]);
    expect(report.body.sourceAddress).toBe('127.0.0.1');
    expect(s.connections.map((c) => c.id)).toEqual([1]);
    expect(ids).toEqual(['smtp.io-timeout']);
  });

  it('after the main session broke the protocol: "no extra connections after protocol-error"', async () => {
    const s = await serve({ starttls: () => [{ type: 'write', data: 'HTTP/1.1 400 Bad Request\r\n' }] });
    const { report, host, ids } = await check(s.port);
    expect(host.status).toBe('protocol-error');
    expect(host.statusReason).toBe('malformed-reply');
    expect(notes(report)).toEqual([`${host.key}/main no extra connections after protocol-error`]);
    expect(s.connections.map((c) => c.id)).toEqual([1]);
    expect(ids).toEqual(['smtp.protocol-error']);
  });

  it('a server that refuses TLS (454): the main status stays ok, the cleartext session runs, no no-SNI handshake', async () => {
    const s = await serve({ starttls: () => [reply(454, '4.7.0 TLS not available')] });
    const { host, ids } = await check(s.port);
    expect(host.status).toBe('ok');
    expect(host.tls).toBeNull();
    expect(host.noSni).toBeNull();
    expect(host.cleartext).toMatchObject({ status: 'ok' });
    expect(host.assessment.cleartext).toMatchObject({ requiresTls: false });
    expect(ids).toEqual(['policy.cleartext-accepted', 'starttls.rejected']);
    expect(s.connections.map((c) => c.id)).toEqual([1, 2]);
  });

  it('extras off: one connection, no note', async () => {
    const s = await serve({ starttls: () => [] });
    const { report, host } = await check(s.port, { extras: false, limits: { commandTimeoutMs: 300 } });
    expect(host.status).toBe('io-timeout');
    expect(notes(report)).toEqual([]);
    expect(s.connections.map((c) => c.id)).toEqual([1]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('injected bytes before a handshake that then fails', () => {
  it('"220 go" plus a forged line, then no TLS: the bytes are counted and reported beside the handshake failure', async () => {
    const INJECTED = '250 injected\r\n';
    const s = await serve({ starttls: () => [{ type: 'write', data: `220 go\r\n${INJECTED}` }, { type: 'close' }] });
    const { report, host, ids } = await check(s.port);
    expect(host.status).toBe('tls-handshake-error');
    expect(host.starttls).toMatchObject({ offered: true, negotiated: false, reply: { code: 220, enhanced: null, lines: ['go'] } });
    expect(host.tls).toMatchObject({ ok: false, status: 'tls-handshake-error', injectedBytes: Buffer.byteLength(INJECTED) });
    expect(findingOf(host, 'starttls.injection').facts).toEqual({ host: host.key, bytes: Buffer.byteLength(INJECTED) });
    expect(ids).toEqual(['policy.cleartext-accepted', 'starttls.injection', 'tls.handshake-failed']);
    // The forged line was never read as a reply: it is not among the lines received on the main connection.
    expect(eventsOf(report, host, 'main').filter((e) => e.kind === 'recv').map((e) => e.text)).not.toContain('250 injected');
  });
});

// ---------------------------------------------------------------------------------------------

describe('failures inside and around TLS on the main connection', () => {
  it('the server hangs up after a good STARTTLS handshake: post-tls-error, TLS facts kept, the extra sessions still run', async () => {
    const s = await serve({ ehlo: (c) => (c.secure ? [{ type: 'close' }] : [reply(250, MX, 'STARTTLS')]) });
    const { host, ids } = await check(s.port);
    expect(host.status).toBe('post-tls-error');
    expect(host.statusReason).toBe('closed');
    expect(host.starttls.negotiated).toBe(true);
    expect(host.tls).toMatchObject({ ok: true, sni: MX });
    expect(host.ehloTlsReply).toBeNull();
    expect(host.capabilitiesInTls).toBeNull();
    expect(findingOf(host, 'smtp.protocol-error').facts).toEqual({ host: host.key, detail: `after TLS was established: ${host.statusDetail}` });
    expect(ids).toEqual(['cert.ok', 'policy.cleartext-accepted', 'smtp.protocol-error', 'tls.ok']);
    expect(host.noSni).toMatchObject({ status: 'ok' });
    expect(host.assessment.noSni).toMatchObject({ sameCertificate: true });
    expect(host.cleartext).toMatchObject({ status: 'ok' });
    expect(host.assessment.cleartext).toMatchObject({ requiresTls: false });
  });

  it('the server hangs up after a good implicit-TLS handshake: protocol-error (TLS was not an upgrade), no extra sessions', async () => {
    const s = await serve({ greeting: () => [{ type: 'starttls' }], secured: () => [{ type: 'close' }] }, { starttls: false });
    const { report, host, ids } = await check(s.port, { tlsOnConnect: true });
    expect(host.status).toBe('protocol-error');
    expect(host.statusReason).toBe('closed');
    expect(host.starttls.negotiated).toBe(true);
    expect(host.tls).toMatchObject({ ok: true });
    expect(host.banner).toBeNull();
    expect(ids).toEqual(['cert.ok', 'smtp.no-banner', 'tls.ok']);
    expect(host.noSni).toBeNull();
    expect(notes(report)).toEqual([]);
    expect(s.connections.map((c) => c.id)).toEqual([1]);
  });

  it('EHLO refused inside TLS (554): smtp.ehlo-rejected, the envelope still tried', async () => {
    const s = await serve({ ehlo: (c) => (c.secure ? [reply(554, '5.7.1 not you')] : [reply(250, MX, 'STARTTLS')]) });
    const { host, ids } = await check(s.port, { rcpt: `postmaster@${DOMAIN}`, extras: false });
    expect(host.ehloTlsReply).toEqual({ code: 554, enhanced: '5.7.1', lines: ['5.7.1 not you'] });
    expect(host.capabilitiesInTls).toBeNull();
    expect(ids).toEqual(['cert.ok', 'smtp.ehlo-rejected', 'tls.ok']);
    expect(dialogue(s, 1)).toEqual(['EHLO', 'STARTTLS', 'EHLO(tls)', 'MAIL(tls)', 'RCPT(tls)', 'RSET(tls)', 'QUIT(tls)']);
  });

  it('421 to EHLO inside TLS and to MAIL: one smtp.rate-limited naming the host once, with the evidence of both', async () => {
    const s = await serve({
      ehlo: (c) => (c.secure ? [reply(421, '4.7.0 slow down')] : [reply(250, MX, 'STARTTLS')]),
      mail: () => [reply(421, '4.7.0 slow down')],
    });
    const { report, host } = await check(s.port, { from: 'probe@client.mxray.test', extras: false });
    const onHost = host.findings.filter((f) => f.id === 'smtp.rate-limited');
    expect(onHost).toHaveLength(2);
    const merged = report.findings.filter((f) => f.id === 'smtp.rate-limited');
    expect(merged).toHaveLength(1);
    expect(merged[0]!.hosts).toEqual([host.key]);
    expect(merged[0]!.evidence).toEqual([...onHost[0]!.evidence, ...onHost[1]!.evidence]);
    expect(report.findings.map((f) => f.id)).toEqual(['smtp.rate-limited', 'cert.ok', 'tls.ok']);
  });

  // The probe never asks the trust store: a store that throws cannot touch the dialogue. The judge
  // labels the bug as ours on that host (exit 4), never as a finding about the server.
  it('a bug of ours while judging the certificate (the trust store throws): internal-error on the host, never a handshake failure; the probe ran in full', async () => {
    const s = await serve({});
    const broken = { description: 'broken', roots: () => { throw new TypeError('trust store bug'); } };
    const events: TranscriptEvent[] = [];
    const { report, host, ids } = await check(s.port, { trustStore: broken, extras: false, onEvent: (e) => events.push(e) });
    expect(dialogue(s, 1)).toEqual(['EHLO', 'STARTTLS', 'EHLO(tls)', 'QUIT(tls)']);
    expect(host.status).toBe('ok');
    expect(host.tls?.ok).toBe(true);
    expect(ids).toEqual(['mxray.internal-error']);
    expect(report.findings[0]!.facts.detail).toBe('while judging: trust store bug');
    expect(host.assessment.certificate).toBeNull();
    expect(report.verdict).toBe('inconclusive');
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    expect(events.filter((e) => e.kind === 'cert')).toHaveLength(1);
  });

  it('the same with implicit TLS', async () => {
    const s = await serve({ greeting: () => [{ type: 'starttls' }], secured: banner }, { starttls: false });
    const broken = { description: 'broken', roots: () => { throw new TypeError('trust store bug'); } };
    const events: TranscriptEvent[] = [];
    const { host, ids } = await check(s.port, { trustStore: broken, tlsOnConnect: true, extras: false, onEvent: (e) => events.push(e) });
    expect(dialogue(s, 1)).toEqual(['EHLO(tls)', 'QUIT(tls)']);
    expect(host.status).toBe('ok');
    expect(ids).toEqual(['mxray.internal-error']);
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    expect(events.filter((e) => e.kind === 'cert')).toHaveLength(1);
  });

  it('a progress observer that throws (the caller\'s bug): the probe goes on untouched, and the report says internal-error once', async () => {
    const s = await serve({});
    const onProgress = (_key: string, phase: string) => {
      if (phase === 'EHLO in TLS' || phase === 'done') throw new TypeError('observer bug');
    };
    const { report, host, ids } = await check(s.port, { onProgress, extras: false });
    expect(host.starttls.negotiated).toBe(true);
    expect(host.status).toBe('ok');
    expect(dialogue(s, 1)).toEqual(['EHLO', 'STARTTLS', 'EHLO(tls)', 'QUIT(tls)']);
    // The host's own findings are what was measured; the report adds our error.
    expect(ids).toEqual(['cert.ok', 'tls.ok']);
    expect(report.findings.map((f) => f.id).sort()).toEqual(['cert.ok', 'mxray.internal-error', 'tls.ok']);
    const internal = report.findings.find((f) => f.id === 'mxray.internal-error')!;
    expect(internal.facts.detail).toBe('an event observer failed: observer bug');
    expect(internal.hosts).toEqual([]);
    expect(report.verdict).toBe('inconclusive');
  });

  it('observers that throw at every phase: every host still measured and judged', async () => {
    const s = await serve({});
    const { report, host, ids } = await check(s.port, {
      onProgress: () => {
        throw new TypeError('progress bug');
      },
      onEvent: () => {
        throw new TypeError('event bug');
      },
    });
    expect(host.status).toBe('ok');
    expect(host.noSni?.status).toBe('ok');
    expect(host.cleartext?.status).toBe('ok');
    expect(ids).toContain('tls.ok');
    expect(ids).not.toContain('mxray.internal-error');
    // The first failure is the one reported.
    expect(report.findings.filter((f) => f.id === 'mxray.internal-error').map((f) => f.facts.detail)).toEqual(['an event observer failed: event bug']);
  });

  it('a handshake that fails with something other than a TLS error (our bug): internal-error, no legacy retry', async () => {
    const s = await serve({});
    const real = createConnector(systemClock);
    const connector: Connector = {
      async connect(o) {
        const c = await real.connect(o);
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
          startTls: () => Promise.reject(new TypeError('connector bug')),
          close: () => c.close(),
        };
      },
    };
    const { host, ids } = await check(s.port, { connector, extras: false });
    expect(host.status).toBe('internal-error');
    expect(host.statusReason).toBe('bug');
    expect(host.tls).toMatchObject({ ok: false, status: 'internal-error', error: 'connector bug', injectedBytes: 0 });
    expect(host.legacyRetry).toBeNull();
    expect(s.connections.map((c) => c.id)).toEqual([1]);
    // Our own bug, and nothing blamed on the server (no tls.handshake-failed).
    expect(ids).toEqual(['mxray.internal-error']);
  });
});

describe('our own bugs with implicit TLS', () => {
  it('a handshake that fails with something other than a TLS error: internal-error, no legacy retry', async () => {
    const s = await serve({ greeting: () => [{ type: 'starttls' }], secured: banner }, { starttls: false });
    const real = createConnector(systemClock);
    const connector: Connector = {
      async connect(o) {
        const c = await real.connect(o);
        return {
          localAddress: c.localAddress,
          remoteAddress: c.remoteAddress,
          stream: c.stream,
          startTls: () => Promise.reject(new TypeError('connector bug')),
          close: () => c.close(),
        };
      },
    };
    const { host, ids } = await check(s.port, { connector, tlsOnConnect: true });
    expect(host.status).toBe('internal-error');
    expect(ids).toEqual(['mxray.internal-error']);
    expect(host.statusReason).toBe('bug');
    expect(host.statusDetail).toBe('connector bug');
    expect(host.tls).toMatchObject({ ok: false, status: 'internal-error', error: 'connector bug' });
    expect(host.legacyRetry).toBeNull();
    expect(s.connections.map((c) => c.id)).toEqual([1]);
  });
});

describe('the main connection as seen from outside', () => {
  it('progress phases in order, for every connection', async () => {
    const s = await serve({});
    const phases: string[] = [];
    const { host } = await check(s.port, { onProgress: (key, phase) => phases.push(`${key === keyOf(s.port) ? '' : key}${phase}`), from: 'probe@client.mxray.test' });
    expect(host.status).toBe('ok');
    expect(phases).toEqual(['banner', 'EHLO', 'STARTTLS', 'TLS handshake', 'EHLO in TLS', 'envelope', 'handshake without SNI', 'cleartext session', 'done']);
  });

  it('progress with implicit TLS, and after a failed handshake', async () => {
    const ok = await serve({ greeting: () => [{ type: 'starttls' }], secured: banner }, { starttls: false });
    const phases: string[] = [];
    await check(ok.port, { tlsOnConnect: true, onProgress: (_key, phase) => phases.push(phase) });
    expect(phases).toEqual(['TLS (implicit)', 'banner', 'EHLO', 'handshake without SNI', 'done']);
    const plain = await serve({}, { tls: false });
    phases.length = 0;
    await check(plain.port, { tlsOnConnect: true, onProgress: (_key, phase) => phases.push(phase) });
    expect(phases).toEqual(['TLS (implicit)', 'legacy TLS retry', 'done']);
  });

  it('the reverse name matches the name in the banner', async () => {
    const s = await serve({});
    const { host } = await check(s.port, { resolver: fakeResolver(undefined, undefined, () => Promise.resolve(['MX.RCV.TEST.'])), extras: false });
    expect(host.ptr).toEqual([MX]);
    expect(host.ptrMatchesBanner).toBe(true);
  });

  it('the reverse name matches only the name in the EHLO reply', async () => {
    const s = await serve({ greeting: () => [reply(220, 'relay.other.test ESMTP ready')] });
    const { host } = await check(s.port, { resolver: fakeResolver(undefined, undefined, () => Promise.resolve([MX])), extras: false });
    expect(host.bannerName).toBe('relay.other.test');
    expect(host.ehloName).toBe(MX);
    expect(host.ptrMatchesBanner).toBe(true);
  });

  it('a reverse name that is not announced: no match', async () => {
    const s = await serve({});
    const { host } = await check(s.port, { resolver: fakeResolver(undefined, undefined, () => Promise.resolve(['dsl-1-2-3-4.isp.example'])), extras: false });
    expect(host.ptr).toEqual(['dsl-1-2-3-4.isp.example']);
    expect(host.ptrMatchesBanner).toBe(false);
  });

  it('no reverse name: nothing to match', async () => {
    const s = await serve({});
    const { host } = await check(s.port, { extras: false });
    expect(host.ptr).toEqual([]);
    expect(host.ptrMatchesBanner).toBeNull();
  });

  it('a banner that is not 220: no announced name, protocol-error, no EHLO', async () => {
    const s = await serve({ greeting: () => [reply(554, `${MX} no service`)] });
    const { report, host, ids } = await check(s.port);
    expect(host.bannerName).toBeNull();
    expect(host.status).toBe('protocol-error');
    expect(host.statusReason).toBe('greeting-refused');
    expect(host.statusDetail).toBe(`554 ${MX} no service`);
    expect(ids).toEqual(['smtp.banner-rejected']);
    // We did connect: our address is known.
    expect(report.body.sourceAddress).toBe('127.0.0.1');
    expect(dialogue(s, 1)).toEqual(['QUIT']);
  });

  it('EHLO and HELO refused: protocol-error, ehlo-refused, the HELO reply as detail', async () => {
    const s = await serve({ ehlo: () => [reply(502, '5.5.2 what')] });
    // The scripted server answers HELO with 250: refuse it here by closing on the first HELO instead.
    const { host } = await check(s.port, { extras: false });
    expect(host.greeting).toBe('HELO');
    const refusing = await startScriptedServer({
      greeting: () => banner(),
      command: (line) => (verbOf(line) === 'EHLO' ? [reply(500, '5.5.1 unrecognized')] : verbOf(line) === 'HELO' ? [reply(550, '5.7.1 go away')] : [reply(221, 'bye'), { type: 'close' }]),
    });
    stoppers.push(() => refusing.stop());
    const second = await check(refusing.port, { extras: false });
    expect(second.host.status).toBe('protocol-error');
    expect(second.host.statusReason).toBe('ehlo-refused');
    expect(second.host.statusDetail).toBe('550 5.7.1 go away');
    expect(second.host.greeting).toBeNull();
  });

  it('EHLO refused without HELO (550): the EHLO reply as detail', async () => {
    const s = await serve({ ehlo: () => [reply(550, '5.7.1 not welcome')] });
    const { report, host, ids } = await check(s.port);
    expect(report.body.sourceAddress).toBe('127.0.0.1');
    expect(host.status).toBe('protocol-error');
    expect(host.statusReason).toBe('ehlo-refused');
    expect(host.statusDetail).toBe('550 5.7.1 not welcome');
    expect(ids).toEqual(['smtp.ehlo-rejected']);
    expect(dialogue(s, 1)).toEqual(['EHLO', 'QUIT']);
  });

  it('a HELO-only server: no capabilities, STARTTLS not offered, the cleartext session still greets with HELO', async () => {
    const s = await serve({ ehlo: () => [reply(502, '5.5.2 what')] });
    const { host, ids } = await check(s.port);
    expect(host.greeting).toBe('HELO');
    expect(host.capabilities).toEqual([]);
    expect(host.ehloName).toBeNull();
    expect(host.starttls.offered).toBe(false);
    expect(ids).toEqual(['policy.cleartext-accepted', 'smtp.esmtp-unsupported']);
    expect(dialogue(s, 2)).toEqual(['EHLO', 'HELO', 'MAIL', 'RCPT', 'RSET', 'QUIT']);
  });

  it('a masked STARTTLS (XXXXXXXA): masked, not offered, no STARTTLS sent', async () => {
    const s = await serve({ ehlo: () => [reply(250, MX, 'PIPELINING', 'XXXXXXXA', '8BITMIME')] });
    const { host, ids } = await check(s.port, { extras: false });
    expect(host.starttls).toEqual({ offered: false, masked: true, reply: null, negotiated: false });
    expect(ids).toEqual(['starttls.masked']);
    expect(dialogue(s, 1)).toEqual(['EHLO', 'QUIT']);
  });

  it('no helo given: this machine\'s name; no connector given: the real one; no trust store: Mozilla\'s roots (the test CA is unknown there)', async () => {
    const s = await serve({});
    const report = await checkReceiver({
      target: DOMAIN,
      posture: false,
      clock: systemClock,
      resolver: fakeResolver(),
      hostMap: new Map<string, HostMapping>([[MX, { address: '127.0.0.1', port: s.port }]]),
      extras: false,
      limits: LIMITS,
    });
    const host = report.body.hosts[0]!;
    expect(s.received.map((r) => r.line)).toEqual([`EHLO ${defaultHelo()}`, 'STARTTLS', `EHLO ${defaultHelo()}`, 'QUIT']);
    // The server sends its leaf alone, and no Mozilla root issued it: no chain can be built.
    expect(host.assessment.certificate).toMatchObject({ trusted: false, trustFailure: 'chain-incomplete' });
    // The transcript shows what was sent; whether it is trusted is the judge's word, not the probe's.
    const leafInfo = host.assessment.certificate!.sent[0]!;
    const certEvents = report.transcript.filter((e) => e.kind === 'cert').map((e) => e.text);
    expect(certEvents).toEqual([`1 certificate(s) sent; leaf ${leafInfo.subject} issued by ${leafInfo.issuer}, valid until ${leafInfo.notAfter}, SHA-256 ${leafInfo.sha256}`]);
  });

  it('no clock given: the system clock dates the report', async () => {
    const s = await serve({});
    const before = Date.now();
    const report = await checkReceiver({
      target: DOMAIN,
      posture: false,
      helo: HELO,
      resolver: fakeResolver(),
      trustStore: createTrustStore([caPem], 'receiver-paths test CA'),
      hostMap: new Map<string, HostMapping>([[MX, { address: '127.0.0.1', port: s.port }]]),
      extras: false,
      limits: LIMITS,
    });
    expect(Date.parse(report.startedAt)).toBeGreaterThanOrEqual(before);
    expect(report.body.hosts[0]!.assessment.certificate!.trusted).toBe(true);
  });
});

describe('what the probe records', () => {
  it('STARTTLS injection before a good handshake: the bytes counted, TLS still judged', async () => {
    const INJECTED = '250-INJECTED\r\n';
    const s = await serve({ starttls: () => [{ type: 'write', data: `220 2.0.0 go ahead\r\n${INJECTED}` }, { type: 'starttls' }] });
    const { host, ids } = await check(s.port, { extras: false });
    expect(host.tls).toMatchObject({ ok: true, injectedBytes: Buffer.byteLength(INJECTED) });
    expect(findingOf(host, 'starttls.injection').facts).toEqual({ host: host.key, bytes: Buffer.byteLength(INJECTED) });
    expect(ids).toEqual(['cert.ok', 'starttls.injection', 'tls.ok']);
  });

  it('the TLS facts of a failed handshake: only what is known, the rest null', async () => {
    const s = await serve({ starttls: () => [reply(220, '2.0.0 go ahead'), { type: 'close' }] });
    const { report, host } = await check(s.port, { extras: false });
    const error = host.tls!.error!;
    expect(error).not.toBe('');
    expect(host.tls).toEqual({
      ok: false,
      status: 'tls-handshake-error',
      protocol: null,
      cipher: null,
      cipherStandard: null,
      group: null,
      sni: MX,
      ocspStapled: false,
      handshakeMs: null,
      error,
      // What the record layer saw: nothing at all (the server hung up).
      failure: { error: host.tls!.failure!.error, reason: host.tls!.failure!.reason, seen: NOTHING_SEEN, timedOut: false },
      injectedBytes: 0,
      injectedSample: null,
      clientCertificateRequested: null,
      alertAfterHandshake: null,
      peerChain: [],
    });
    expect(host.assessment.certificate).toBeNull();
    expect(host.statusDetail).toBe(error);
    expect(eventsOf(report, host, 'main').filter((e) => e.kind === 'error').map((e) => e.text)).toEqual([`TLS handshake failed: ${error}`]);
    // The legacy retry fails the same way, and says so.
    expect(host.legacyRetry).toEqual({
      ok: false,
      protocol: null,
      cipher: null,
      cipherStandard: null,
      error: host.legacyRetry!.error,
      failure: { error: host.legacyRetry!.failure!.error, reason: host.legacyRetry!.failure!.reason, seen: NOTHING_SEEN, timedOut: false },
      peerChain: [],
    });
    expect(host.assessment).toMatchObject({ legacyCause: 'unknown', certificateReceived: false });
    expect(eventsOf(report, host, 'legacy').filter((e) => e.kind === 'error').map((e) => e.text)).toEqual([`TLS handshake failed: ${host.legacyRetry!.error}`]);
    expect(eventsOf(report, host, 'legacy').map((e) => e.kind).at(-1)).toBe('close');
  });

  it('the legacy connection cannot even reach STARTTLS: its error, the cause from the first attempt alone', async () => {
    const s = await serve({ greeting: (c) => (c.id === 2 ? [reply(421, '4.3.2 busy')] : banner()), starttls: () => [reply(220, '2.0.0 go ahead'), { type: 'close' }] });
    const { host } = await check(s.port, { extras: false });
    expect(host.legacyRetry).toEqual({ ok: false, protocol: null, cipher: null, cipherStandard: null, error: 'EHLO refused on the extra connection', failure: null, peerChain: [] });
    expect(host.assessment).toMatchObject({ legacyCause: 'unknown', certificateReceived: false });
    // After the 421 banner: QUIT (RFC 5321 §3.1), as on the main connection.
    expect(dialogue(s, 2)).toEqual(['QUIT']);
  });

  it('the transcript of a good session: where we connected, how long it took (injected clock), the handshake, the certificate', async () => {
    const s = await serve({});
    const clock = fixedClock(Date.now());
    // A monotonic clock that does not start at zero.
    clock.advance(5000);
    const real = createConnector(clock);
    const connector: Connector = {
      connect: (o) => {
        clock.advance(2.0004);
        return real.connect(o);
      },
    };
    const { report, host } = await check(s.port, { clock, connector });
    expect(host.connectMs).toBe(2);
    const main = eventsOf(report, host, 'main');
    expect(main.filter((e) => e.kind === 'connect').map((e) => e.text)).toEqual([`connecting to 127.0.0.1 port ${s.port}`, 'connected from 127.0.0.1 in 2 ms']);
    const tlsFacts = host.tls!;
    expect(tlsFacts).toMatchObject({ ok: true, ocspStapled: false, handshakeMs: 0, error: null });
    expect(main.filter((e) => e.kind === 'tls').map((e) => e.text)).toEqual([`TLS handshake (normal, SNI ${MX})`, `TLS established: ${tlsFacts.protocol} ${tlsFacts.cipher} ${tlsFacts.group}`]);
    // The certificate as sent (the judge, not the probe, says whether it is trusted: it is).
    expect(host.assessment.certificate!.trusted).toBe(true);
    const leafInfo = host.assessment.certificate!.sent[0]!;
    const described = (c: typeof leafInfo) => `1 certificate(s) sent; leaf ${c.subject} issued by ${c.issuer}, valid until ${c.notAfter}, SHA-256 ${c.sha256}`;
    expect(main.filter((e) => e.kind === 'cert').map((e) => e.text)).toEqual([described(leafInfo)]);
    // Without SNI: the certificate sent then, described the same way.
    expect(eventsOf(report, host, 'no-sni').filter((e) => e.kind === 'cert').map((e) => e.text)).toEqual([`without SNI: ${described(host.assessment.noSni!.certificate!.sent[0]!)}`]);
    // Every connection's events are its own: no event of another connection among the evidence.
    for (const f of host.findings) for (const seq of f.evidence) expect(report.transcript.find((e) => e.seq === seq)!.conn.startsWith(host.key)).toBe(true);
  });

  it('an IP-address target: no SNI, no name to check, no handshake without SNI (there is nothing to leave out)', async () => {
    const s = await serve({});
    const report = await checkReceiver({
      target: `127.0.0.1:${s.port}`,
      posture: false,
      helo: HELO,
      clock: systemClock,
      resolver: fakeResolver(),
      connector: createConnector(systemClock),
      trustStore: createTrustStore([caPem], 'receiver-paths test CA'),
      limits: LIMITS,
    });
    const host = report.body.hosts[0]!;
    expect(host.key).toBe(`127.0.0.1:${s.port}`);
    expect(host.tls).toMatchObject({ ok: true, sni: null });
    expect(host.serverName).toBeNull();
    expect(host.assessment.certificate).toMatchObject({ checkedName: null, nameMatches: null, domainMatches: null, trusted: true });
    expect(host.noSni).toBeNull();
    expect(host.cleartext!.steps.map((e) => e.command)).toEqual(['MAIL FROM:<>']);
    expect(s.connections.map((c) => [c.id, c.servername])).toEqual([
      [1, null],
      [2, null],
    ]);
    expect(dialogue(s, 2)).toEqual(['EHLO', 'MAIL', 'RSET', 'QUIT']);
  });

  it('a reply of 200 to MAIL is positive (RCPT follows); 300 is not', async () => {
    const two = await serve({ mail: () => [reply(200, 'fine')] });
    const a = await check(two.port, { from: 'probe@client.mxray.test', rcpt: `x@${DOMAIN}`, extras: false });
    expect(a.host.assessment.envelope.map((e) => [e.command.split(':')[0], e.outcome])).toEqual([
      ['MAIL FROM', 'accepted'],
      ['RCPT TO', 'accepted'],
    ]);
    const three = await serve({ mail: () => [reply(300, 'odd')] });
    const b = await check(three.port, { from: 'probe@client.mxray.test', rcpt: `x@${DOMAIN}`, extras: false });
    expect(b.host.assessment.envelope.map((e) => [e.command.split(':')[0], e.outcome])).toEqual([['MAIL FROM', 'rejected']]);
    expect(dialogue(three, 1).slice(3)).toEqual(['MAIL(tls)', 'RSET(tls)', 'QUIT(tls)']);
  });

  it('a connector that fails with something that is not an Error: internal-error, its text in the transcript', async () => {
    const connector: Connector = { connect: () => Promise.reject('not an error object') };
    const { report, host, ids } = await check(1, { connector });
    expect(host.status).toBe('internal-error');
    expect(host.statusDetail).toBe('connector failed: not an error object');
    expect(eventsOf(report, host, 'main').map((e) => [e.kind, e.text])).toEqual([
      ['connect', 'connecting to 127.0.0.1 port 1'],
      ['error', 'not an error object'],
    ]);
    expect(ids).toEqual(['mxray.internal-error']);
    expect(report.body.sourceAddress).toBeNull();
  });
});

describe('what the judge is told', () => {
  it('warnDays: a certificate with a year left is "expiring soon" when the window is longer', async () => {
    const s = await serve({});
    const { ids } = await check(s.port, { warnDays: 400, extras: false });
    expect(ids).toEqual(['cert.expiring-soon', 'tls.ok']);
  });

  it('without warnDays, the profile\'s window', async () => {
    const s = await serve({});
    const { report, ids } = await check(s.port, { profile: { ...DEFAULT_PROFILE, name: 'long window', expiryWarnDays: 400 }, extras: false });
    expect(ids).toEqual(['cert.expiring-soon', 'tls.ok']);
    expect(report.judgedWith.profile.name).toBe('long window');
    expect(report.judgedWith.options.warnDays).toBe(400);
  });

  it('expectThumbprint: a certificate other than the one expected', async () => {
    const s = await serve({});
    const { report, host, ids } = await check(s.port, { expectThumbprint: 'AA'.repeat(32), extras: false });
    expect(ids).toEqual(['cert.thumbprint-mismatch', 'tls.ok']);
    expect(findingOf(host, 'cert.thumbprint-mismatch').facts).toMatchObject({ expected: 'AA'.repeat(32), actual: host.assessment.certificate!.sent[0]!.sha256 });
    expect(report.judgedWith.options.expectThumbprint).toBe('AA'.repeat(32));
  });

  it('the greeting time-out: the one configured', async () => {
    const s = await serve({ greeting: () => [] });
    const { host, ids } = await check(s.port, { limits: { greetingTimeoutMs: 200 } });
    expect(ids).toEqual(['smtp.greeting-timeout']);
    expect(findingOf(host, 'smtp.greeting-timeout').facts).toEqual({ host: host.key, timeoutMs: 200 });
    expect(host.verdict).toBe('inconclusive');
  });

  it('a command time-out: the command and the time-out configured', async () => {
    const s = await serve({ starttls: () => [] });
    const { host } = await check(s.port, { limits: { commandTimeoutMs: 250 }, extras: false });
    expect(findingOf(host, 'smtp.io-timeout').facts).toEqual({ host: host.key, command: 'STARTTLS', timeoutMs: 250 });
  });
});

describe('handshake modes in the transcript', () => {
  it('implicit TLS: normal with SNI on the main connection, normal without SNI on the extra one', async () => {
    const s = await serve({ greeting: () => [{ type: 'starttls' }], secured: banner }, { starttls: false });
    const { report, host } = await check(s.port, { tlsOnConnect: true });
    const tlsTexts = (conn: string) => eventsOf(report, host, conn).filter((e) => e.kind === 'tls').map((e) => e.text);
    expect(tlsTexts('main')).toEqual([`TLS handshake (normal, SNI ${MX})`, `TLS established: ${host.tls!.protocol} ${host.tls!.cipher} ${host.tls!.group}`]);
    expect(tlsTexts('no-sni')).toEqual(['TLS handshake (normal, no SNI)', `TLS established: ${host.tls!.protocol} ${host.tls!.cipher} ${host.tls!.group}`]);
    expect(eventsOf(report, host, 'main').filter((e) => e.kind === 'cert')).toHaveLength(1);
  });

  it('a failed handshake: the legacy retry runs in legacy mode, with SNI', async () => {
    const s = await serve({ starttls: () => [reply(220, '2.0.0 go ahead'), { type: 'close' }] });
    const { report, host } = await check(s.port, { extras: false });
    expect(eventsOf(report, host, 'legacy').filter((e) => e.kind === 'tls').map((e) => e.text)).toEqual([`TLS handshake (legacy, SNI ${MX})`]);
  });

  it('a connection whose local address is unknown: "?" in the transcript, no source address', async () => {
    const s = await serve({});
    const real = createConnector(systemClock);
    const connector: Connector = {
      async connect(o) {
        const c = await real.connect(o);
        return {
          localAddress: null,
          get remoteAddress() {
            return c.remoteAddress;
          },
          get stream() {
            return c.stream;
          },
          startTls: (t) => c.startTls(t),
          close: () => c.close(),
        };
      },
    };
    const { report, host } = await check(s.port, { connector, clock: fixedClock(Date.now()), extras: false });
    expect(host.status).toBe('ok');
    expect(eventsOf(report, host, 'main').filter((e) => e.kind === 'connect').map((e) => e.text)[1]).toBe('connected from ? in 0 ms');
    expect(report.body.sourceAddress).toBeNull();
  });
});

describe('the legacy retry that succeeds', () => {
  it('a TLS 1.0-only server: the normal handshake fails, the legacy one works and says why', async () => {
    const s = await serveTls({ context: { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' } });
    const { report, host, ids } = await check(s.port, { extras: false });
    expect(host.status).toBe('tls-handshake-error');
    expect(host.tls).toMatchObject({ ok: false, status: 'tls-handshake-error' });
    const retry = host.legacyRetry!;
    expect(retry).toEqual({ ok: true, protocol: 'TLSv1', cipher: retry.cipher, cipherStandard: retry.cipherStandard, error: null, failure: null, peerChain: retry.peerChain });
    expect(host.assessment).toMatchObject({ legacyCause: 'old-protocol', certificateReceived: true });
    // Only the legacy handshake obtained a certificate: it is kept, verified and reported as such.
    expect(retry.peerChain).toHaveLength(1);
    expect(host.assessment.certificateFrom).toBe('legacy');
    expect(host.assessment.certificate?.sent[0]?.sha256).toBe(createHash('sha256').update(Buffer.from(retry.peerChain[0]!, 'base64')).digest('hex').toUpperCase());
    expect(retry.cipher).not.toBeNull();
    expect(eventsOf(report, host, 'legacy').filter((e) => e.kind === 'tls').map((e) => e.text)).toEqual([
      `TLS handshake (legacy, SNI ${MX})`,
      expect.stringMatching(new RegExp(`^TLS established: TLSv1 ${retry.cipher}( \\S+)?$`)),
    ]);
    expect(ids).toEqual(['tls.old-protocol']);
    // The legacy connection ended right after its handshake, politely: no EHLO inside it, QUIT.
    expect(dialogue(s, 2)).toEqual(['EHLO', 'STARTTLS', 'QUIT(tls)']);
    expect(eventsOf(report, host, 'legacy').map((e) => e.kind).at(-1)).toBe('close');
  });
});

// Issue 16: a TLS 1.2 server that requires a client certificate sends its certificate, a
// CertificateRequest, and after our empty Certificate an alert. That is not an abort of a broken
// server (tls.server-aborted) but a refusal of senders without a certificate.
describe('a server that requires a client certificate (TLS 1.2): it sends its certificate, then refuses', () => {
  const tls12 = { maxVersion: 'TLSv1.2' as const };

  it('both handshakes saw its certificate and its CertificateRequest: certificateReceived, tls.client-cert-required', async () => {
    const s = await serveTls({ context: tls12, requireClientCert: true });
    const { host, ids } = await check(s.port, { extras: false });
    expect(host.legacyRetry).toMatchObject({ ok: false });
    expect(host.tls!.failure!.seen).toMatchObject({ certificate: true, certificateRequest: true, alert: 'handshake_failure' });
    expect(host.legacyRetry!.failure!.seen).toMatchObject({ certificate: true, certificateRequest: true });
    expect(host.assessment).toMatchObject({ legacyCause: 'client-certificate-required', certificateReceived: true });
    expect(ids).toEqual(['tls.client-cert-required']);
  });

  it('only the first handshake saw it (the legacy one was cut short): still certificateReceived', async () => {
    const s = await serveTls({ context: tls12, requireClientCert: true, onStarttls: (id) => (id === 2 ? 'close' : 'tls') });
    const { host } = await check(s.port, { extras: false });
    expect(host.legacyRetry).toMatchObject({ ok: false });
    expect(host.tls!.failure!.seen.certificate).toBe(true);
    expect(host.assessment.certificateReceived).toBe(true);
  });

  it('only the legacy handshake saw it (the first was cut short): the second attempt tells why', async () => {
    const s = await serveTls({ context: tls12, requireClientCert: true, onStarttls: (id) => (id === 1 ? 'close' : 'tls') });
    const { host, ids } = await check(s.port, { extras: false });
    expect(host.legacyRetry).toMatchObject({ ok: false });
    expect(host.tls!.failure!.seen.certificate).toBe(false);
    expect(host.legacyRetry!.failure!.seen.certificate).toBe(true);
    expect(host.assessment).toMatchObject({ legacyCause: 'client-certificate-required', certificateReceived: true });
    expect(ids).toEqual(['tls.client-cert-required']);
  });

  it('the legacy connection refused STARTTLS: the first attempt alone tells, certificateReceived', async () => {
    const s = await serveTls({ context: tls12, requireClientCert: true, onStarttls: (id) => (id === 2 ? 'refuse' : 'tls') });
    const { host } = await check(s.port, { extras: false });
    expect(host.legacyRetry).toEqual({ ok: false, protocol: null, cipher: null, cipherStandard: null, error: '454 4.7.0 not now', failure: null, peerChain: [] });
    expect(host.assessment).toMatchObject({ legacyCause: 'client-certificate-required', certificateReceived: true });
  });
});

describe('more edges of the extra connections', () => {
  it('the cleartext connection never greets: its own greeting time-out (not a command time-out)', async () => {
    const s = await serve({ greeting: (c) => (c.id === 3 ? [] : banner()) });
    const { host, ids } = await check(s.port, { limits: { greetingTimeoutMs: 250 } });
    expect(host.cleartext).toEqual({ status: 'greeting-timeout', steps: [] });
    expect(host.assessment.cleartext).toEqual({ outcomes: [], requiresTls: null });
    expect(ids).toEqual(['cert.ok', 'tls.ok']);
  });

  it('the no-SNI connection gets a 554 banner: protocol-error, no SNI finding', async () => {
    const s = await serve({ greeting: (c) => (c.id === 2 ? [reply(554, '5.3.2 not now')] : banner()) });
    const { host, ids } = await check(s.port);
    expect(host.noSni).toEqual({ status: 'protocol-error', error: 'EHLO refused on the extra connection', peerChain: [] });
    expect(host.assessment.noSni).toEqual(NO_SNI_CERTIFICATE);
    // After the 554 banner: QUIT (RFC 5321 §3.1), as on the main connection.
    expect(dialogue(s, 2)).toEqual(['QUIT']);
    expect(ids).toEqual(['cert.ok', 'policy.cleartext-accepted', 'tls.ok']);
  });

  it('a trust store that breaks during the handshake without SNI: that handshake is unaffected (the probe never asks the store); judging reports our own error', async () => {
    const s = await serve({});
    let broken = false;
    const good = createTrustStore([caPem], 'receiver-paths test CA');
    const trustStore = {
      description: 'breaks later',
      roots: () => {
        if (broken) throw new TypeError('trust store bug');
        return good.roots();
      },
    };
    const onProgress = (_key: string, phase: string) => {
      if (phase === 'handshake without SNI') broken = true;
    };
    const events: TranscriptEvent[] = [];
    const { host, ids } = await check(s.port, { trustStore, onProgress, onEvent: (e) => events.push(e) });
    expect(broken).toBe(true);
    expect(ids).toEqual(['mxray.internal-error']);
    expect(host.noSni?.status).toBe('ok');
    // All three sessions ran to their end: main, without SNI (its certificate seen), cleartext.
    expect(s.connections.map((c) => [c.id, c.servername])).toEqual([
      [1, MX],
      [2, null],
      [3, null],
    ]);
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    expect(events.filter((e) => e.kind === 'cert').map((e) => e.conn.split('/').at(-1))).toEqual(['main', 'no-sni']);
  });

  it('the legacy handshake fails with a bug of ours: its words kept, the cause from the first attempt alone', async () => {
    const s = await serve({ starttls: () => [reply(220, '2.0.0 go ahead'), { type: 'close' }] });
    const real = createConnector(systemClock);
    let n = 0;
    const connector: Connector = {
      async connect(o) {
        const c = await real.connect(o);
        const legacy = ++n === 2;
        return {
          localAddress: c.localAddress,
          remoteAddress: c.remoteAddress,
          get stream() {
            return c.stream;
          },
          startTls: (options) => (legacy ? Promise.reject(new TypeError('connector bug')) : c.startTls(options)),
          close: () => c.close(),
        };
      },
    };
    const { report, host } = await check(s.port, { connector, extras: false });
    expect(host.legacyRetry).toEqual({ ok: false, protocol: null, cipher: null, cipherStandard: null, error: 'connector bug', failure: null, peerChain: [] });
    expect(host.assessment).toMatchObject({ legacyCause: 'unknown', certificateReceived: false });
    expect(eventsOf(report, host, 'legacy').filter((e) => e.kind === 'error').map((e) => e.text)).toEqual(['TLS handshake failed: connector bug']);
  });
});

describe('a handshake without an ephemeral key exchange', () => {
  it('TLS 1.2 with RSA key transport: no group, and none in the transcript', async () => {
    const rsa = await rsaLeaf();
    const s = await serveTls({ context: { key: rsa.keyPem, cert: rsa.certPem, maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' } });
    const { report, host } = await check(s.port, { extras: false });
    expect(host.tls).toMatchObject({ ok: true, protocol: 'TLSv1.2', cipher: 'AES128-GCM-SHA256', group: null });
    expect(eventsOf(report, host, 'main').filter((e) => e.kind === 'tls').map((e) => e.text)).toEqual([`TLS handshake (normal, SNI ${MX})`, 'TLS established: TLSv1.2 AES128-GCM-SHA256']);
  });
});
