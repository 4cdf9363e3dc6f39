// The demo lab: one local SMTP server per classic TLS failure, each behind its own mail domain
// `<name>.mxray.test`, with the zone a loopback DNS server answers from and the host map that
// points each MX name at its real port. Used by `mxray demo` and by integration tests.
// Everything binds 127.0.0.1 on an OS-chosen port; stop() closes every listener and socket.
import type { Socket } from 'node:net';
import tls, { type SecureContextOptions, type TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { HostMapping } from '../core/context.js';
import type { Verdict } from '../core/schema.js';
import { reply, startScriptedServer, verbOf, type ScriptActions, type ScriptHandlers } from './scripted-server.js';
import { createRootCa, createSelfSigned, DAY_MS, type IssuedCert, type LeafOptions, type TestCa } from './test-pki.js';
import type { Zone, ZoneRecord } from './zone.js';

export const LAB_DOMAIN = 'mxray.test';
const LOOPBACK = '127.0.0.1';

export interface LabScenario {
  name: string;
  title: string;
  domain: string;
  expect: { verdict: Verdict; findings: string[] };
}

export interface Lab {
  scenarios: LabScenario[];
  zone: Zone;
  /** MX (or, for no-mx, domain) name → loopback address and the server's real port. */
  hostMap: Map<string, HostMapping>;
  /** The demo root, PEM: the only anchor the checker should trust for the lab. */
  trustedCaPem: string;
  stop(): Promise<void>;
}

export interface LabOptions {
  /** The injected clock's time: certificate validity is relative to it. */
  now: number;
  /** Scenario names to start (default: all). */
  only?: string[];
}

interface LabPki {
  now: number;
  root: TestCa;
  intermediate: TestCa;
  untrustedRoot: TestCa;
  untrustedIntermediate: TestCa;
}

interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

/** How the scenario's domain appears in DNS. */
type DnsShape =
  /** MX 10 mx.<domain>, whose A record is 127.0.0.1 and whose server is the scenario's. */
  | 'mx'
  /** No MX; the domain's own A record is 127.0.0.1 (implicit MX, RFC 5321 §5.1). */
  | 'implicit-mx'
  /** MX 0 "." (RFC 7505): the domain accepts no mail. */
  | 'null-mx'
  /** Not in the zone at all: NXDOMAIN. */
  | 'absent';

interface ScenarioDefinition {
  name: string;
  title: string;
  expect: LabScenario['expect'];
  dns: DnsShape;
  /** Starts the server for `host` (the MX name, or the domain for an implicit MX). */
  start?: (host: string, pki: LabPki) => Promise<RunningServer>;
}

// ── certificates ─────────────────────────────────────────────────────────────────────────────

interface ServerCert {
  key: string;
  /** Leaf first, then the chain the server sends. */
  cert: string;
}

function sending(leaf: IssuedCert, ...chain: TestCa[]): ServerCert {
  return { key: leaf.keyPem, cert: leaf.certPem + chain.map((ca) => ca.cert.certPem).join('') };
}

/** A leaf for `host` from the demo intermediate, sent with the intermediate: a correct chain. */
async function goodCert(pki: LabPki, host: string, extra: Partial<LeafOptions> = {}): Promise<ServerCert> {
  return sending(await pki.intermediate.issue({ commonName: host, ...extra }), pki.intermediate);
}

// ── smtp-server based servers ──────────────────────────────────────────────────────────────────

interface LabSmtpOptions {
  /** Key and certificate for STARTTLS; null: no STARTTLS at all. */
  tls: (ServerCert & { ciphers?: string; minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion }) | null;
  /** The name in the banner and EHLO reply (default: the host). */
  announce?: string;
  /** A certificate presented only to clients that send this SNI name; others get `tls`. */
  sni?: { name: string; cert: ServerCert };
  /** 530 to MAIL FROM in clear. */
  requireTls?: boolean;
  /** Refuse the connection with this reply instead of a 220 greeting. */
  refuse?: { code: number; text: string };
}

function smtpError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

interface LabConnection {
  connections: Set<unknown>;
}
type ConnectionInternals = {
  on(event: string, listener: (arg: unknown) => void): void;
  _setListeners(callback: () => void): void;
  connectionReady(): void;
};

/**
 * smtp-server holds every greeting back 100 ms to catch early talkers. Real MTAs greet at once
 * (unless they tarpit on purpose, which the lab shows separately), and the benchmark compares
 * whole-process times against openssl and swaks on the good server, so this server greets at once.
 * Pinned to smtp-server 3.x internals (the lockfile pins it; test/integration/lab.test.ts covers it).
 */
function greetAtOnce(server: SMTPServer): void {
  const internals = server as unknown as LabConnection & { _onError(e: unknown): void; _onClientConnect(d: unknown): void };
  (server as unknown as { connect: (socket: Socket, socketOptions: unknown) => void }).connect = (socket, socketOptions) => {
    const connection = new (SMTPConnection as new (s: SMTPServer, socket: Socket, o: unknown) => ConnectionInternals)(server, socket, socketOptions);
    internals.connections.add(connection);
    connection.on('error', (err) => internals._onError(err));
    connection.on('connect', (data) => internals._onClientConnect(data));
    connection._setListeners(() => connection.connectionReady());
  };
}

async function startSmtpServer(host: string, options: LabSmtpOptions): Promise<RunningServer> {
  const tlsSockets = new Set<TLSSocket | Socket>();
  const sniContext = options.sni
    ? tls.createSecureContext({ key: options.sni.cert.key, cert: options.sni.cert.cert, minVersion: 'TLSv1.2' })
    : null;
  const sniName = options.sni?.name.toLowerCase();
  const tlsOptions: SecureContextOptions & Pick<SMTPServerOptions, 'SNICallback'> = options.tls
    ? {
        key: options.tls.key,
        cert: options.tls.cert,
        minVersion: options.tls.minVersion ?? 'TLSv1.2',
        ...(options.tls.maxVersion !== undefined ? { maxVersion: options.tls.maxVersion } : {}),
        ...(options.tls.ciphers !== undefined ? { ciphers: options.tls.ciphers } : {}),
        ...(sniContext
          ? {
              SNICallback: (servername: string, callback: (err: Error | null, ctx?: tls.SecureContext) => void) =>
                callback(null, servername.toLowerCase() === sniName ? sniContext : undefined),
            }
          : {}),
      }
    : {};
  const server = new SMTPServer({
    secure: false,
    logger: false,
    name: options.announce ?? host,
    banner: 'mxray demo lab',
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    hideENHANCEDSTATUSCODES: false,
    disableReverseLookup: true,
    size: 10 * 1024 * 1024,
    ...tlsOptions,
    onConnect(_session, callback) {
      if (options.refuse) callback(smtpError(options.refuse.code, options.refuse.text));
      else callback();
    },
    onSecure(socket, _session, callback) {
      tlsSockets.add(socket);
      socket.once('close', () => tlsSockets.delete(socket));
      callback();
    },
    onMailFrom(_address, session, callback) {
      if (options.requireTls && !session.secure) callback(smtpError(530, 'Must issue a STARTTLS command first'));
      else callback();
    },
    onRcptTo(_address, _session, callback) {
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.once('end', () => callback(smtpError(554, 'This is the mxray demo lab: it accepts no messages')));
    },
  });
  greetAtOnce(server);
  // Client errors (resets, failed handshakes) are expected here; without a listener they would throw.
  server.on('error', () => undefined);
  const sockets = new Set<Socket>();
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let stopped: Promise<void> | null = null;
  return {
    port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Topmost (TLS) sockets first, then the TCP sockets under them; no 30 s grace period.
        for (const socket of tlsSockets) socket.destroy();
        for (const socket of sockets) socket.destroy();
      });
      return stopped;
    },
  };
}

// ── scripted servers ───────────────────────────────────────────────────────────────────────────

interface DialogueOptions {
  /** The greeting line, without "220 ". */
  banner: string;
  /** EHLO reply lines after the first (the name line); null: 500 to EHLO (no ESMTP). */
  ehlo: string[] | null;
  /** Actions for STARTTLS; null: the unknown-command reply. */
  starttls: ScriptActions | null;
  /** Whether replies carry enhanced status codes (RFC 3463). */
  enhanced: boolean;
  /** The reply to commands the server does not know. */
  unknown: string;
  /** Bytes received after a `raw` action (see handshake-fails). */
  data?: ScriptHandlers['data'];
}

/** A plain MTA dialogue: greeting, EHLO/HELO, MAIL/RCPT accepted, DATA refused, QUIT. */
function dialogue(host: string, options: DialogueOptions): ScriptHandlers {
  const code = (enhanced: string, text: string) => (options.enhanced ? `${enhanced} ${text}` : text);
  const handlers: ScriptHandlers = {
    greeting: () => [reply(220, options.banner)],
    command: (line) => {
      switch (verbOf(line)) {
        case 'EHLO':
          return options.ehlo ? [reply(250, `${host} Hello [${LOOPBACK}]`, ...options.ehlo)] : [reply(500, options.unknown)];
        case 'HELO':
          return [reply(250, `${host} Hello [${LOOPBACK}]`)];
        case 'STARTTLS':
          return options.starttls ?? [reply(500, options.unknown)];
        case 'MAIL':
          return [reply(250, code('2.1.0', 'Sender ok'))];
        case 'RCPT':
          return [reply(250, code('2.1.5', 'Recipient ok'))];
        case 'DATA':
          return [reply(554, code('5.7.1', 'This is the mxray demo lab: it accepts no messages'))];
        case 'RSET':
        case 'NOOP':
          return [reply(250, code('2.0.0', 'Ok'))];
        case 'QUIT':
          return [reply(221, code('2.0.0', 'Bye')), { type: 'close' }];
        default:
          return [reply(500, options.unknown)];
      }
    },
  };
  if (options.data) handlers.data = options.data;
  return handlers;
}

async function startScripted(handlers: ScriptHandlers): Promise<RunningServer> {
  const server = await startScriptedServer(handlers, { address: LOOPBACK });
  return { port: server.port, stop: () => server.stop() };
}

/** What the handshake-fails server answers a ClientHello with. */
export const NOT_A_SERVER_HELLO = 'This is not TLS: garbage instead of a ServerHello\r\n';
export const MASKED_BANNER = '****************************';
export const MASKED_STARTTLS = 'XXXXXXXA';
export const RATE_LIMIT_REPLY = '4.7.0 Too many connections from your IP, try again later';
export const REQUIRE_TLS_REPLY = '5.7.0 Must issue a STARTTLS command first';
export const INTERNAL_NAME = 'exch01.corp.internal.test';
export const OTHER_COMPANY_NAME = 'mail.other-company.test';

// ── the scenarios, as data ─────────────────────────────────────────────────────────────────────

const SCENARIOS: readonly ScenarioDefinition[] = [
  {
    name: 'good',
    title: 'Trusted chain (leaf and intermediate), names match',
    expect: { verdict: 'pass', findings: ['tls.ok', 'cert.ok'] },
    dns: 'mx',
    start: async (host, pki) => startSmtpServer(host, { tls: await goodCert(pki, host) }),
  },
  {
    name: 'expired',
    title: 'Certificate expired 10 days ago',
    expect: { verdict: 'fail', findings: ['cert.expired'] },
    dns: 'mx',
    start: async (host, pki) =>
      startSmtpServer(host, {
        tls: await goodCert(pki, host, { notBefore: new Date(pki.now - 100 * DAY_MS), notAfter: new Date(pki.now - 10 * DAY_MS) }),
      }),
  },
  {
    name: 'expiring-soon',
    title: 'Certificate expires in 10 days',
    expect: { verdict: 'warn', findings: ['cert.expiring-soon'] },
    dns: 'mx',
    start: async (host, pki) =>
      startSmtpServer(host, {
        tls: await goodCert(pki, host, { notBefore: new Date(pki.now - 80 * DAY_MS), notAfter: new Date(pki.now + 10 * DAY_MS) }),
      }),
  },
  {
    name: 'self-signed',
    title: 'Self-signed certificate',
    expect: { verdict: 'fail', findings: ['cert.self-signed'] },
    dns: 'mx',
    start: async (host, pki) => startSmtpServer(host, { tls: sending(await createSelfSigned({ commonName: host }, pki.now)) }),
  },
  {
    name: 'wrong-name',
    title: `Certificate for ${OTHER_COMPANY_NAME}, not the MX name`,
    expect: { verdict: 'fail', findings: ['cert.name-mismatch'] },
    dns: 'mx',
    start: async (host, pki) => startSmtpServer(host, { tls: await goodCert(pki, OTHER_COMPANY_NAME) }),
  },
  {
    name: 'untrusted-root',
    title: 'Complete chain to a root nobody trusts',
    expect: { verdict: 'fail', findings: ['cert.untrusted-root'] },
    dns: 'mx',
    start: async (host, pki) =>
      startSmtpServer(host, {
        tls: sending(await pki.untrustedIntermediate.issue({ commonName: host }), pki.untrustedIntermediate, pki.untrustedRoot),
      }),
  },
  {
    name: 'missing-intermediate',
    title: 'Leaf sent without its intermediate',
    expect: { verdict: 'fail', findings: ['cert.chain-incomplete'] },
    dns: 'mx',
    start: async (host, pki) => startSmtpServer(host, { tls: sending(await pki.intermediate.issue({ commonName: host })) }),
  },
  {
    name: 'weak-key',
    title: 'RSA 1024-bit key',
    expect: { verdict: 'fail', findings: ['cert.weak-key'] },
    dns: 'mx',
    start: async (host, pki) =>
      startSmtpServer(host, { tls: { ...(await goodCert(pki, host, { key: 'rsa1024' })), ciphers: 'DEFAULT:@SECLEVEL=0' } }),
  },
  {
    name: 'old-protocol',
    title: 'Only TLS 1.0 and 1.1 accepted',
    expect: { verdict: 'fail', findings: ['tls.old-protocol'] },
    dns: 'mx',
    start: async (host, pki) =>
      startSmtpServer(host, {
        tls: { ...(await goodCert(pki, host, { key: 'rsa2048' })), minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' },
      }),
  },
  {
    name: 'null-cipher',
    title: 'Only cipher suites without encryption (NULL)',
    expect: { verdict: 'fail', findings: ['tls.null-cipher'] },
    dns: 'mx',
    start: async (host, pki) =>
      startSmtpServer(host, { tls: { ...(await goodCert(pki, host, { key: 'rsa2048' })), maxVersion: 'TLSv1.2', ciphers: 'eNULL:@SECLEVEL=0' } }),
  },
  {
    name: 'sha1-signature',
    title: 'Certificate signed with SHA-1',
    expect: { verdict: 'fail', findings: ['cert.weak-signature'] },
    dns: 'mx',
    start: async (host, pki) =>
      startSmtpServer(host, { tls: { ...(await goodCert(pki, host, { signatureHash: 'SHA-1' })), ciphers: 'DEFAULT:@SECLEVEL=0' } }),
  },
  {
    name: 'no-starttls',
    title: 'STARTTLS not offered',
    expect: { verdict: 'fail', findings: ['starttls.not-offered'] },
    dns: 'mx',
    start: async (host) => startSmtpServer(host, { tls: null }),
  },
  {
    name: 'handshake-fails',
    title: 'STARTTLS accepted, then garbage instead of a ServerHello',
    expect: { verdict: 'fail', findings: ['tls.handshake-failed'] },
    dns: 'mx',
    start: async (host) =>
      startScripted(
        dialogue(host, {
          banner: `${host} ESMTP mxray demo lab`,
          ehlo: ['PIPELINING', 'SIZE 10485760', '8BITMIME', 'ENHANCEDSTATUSCODES', 'STARTTLS'],
          starttls: [reply(220, '2.0.0 Ready to start TLS'), { type: 'raw' }],
          enhanced: true,
          unknown: '5.5.2 Command not recognized',
          data: () => [{ type: 'write', data: NOT_A_SERVER_HELLO }, { type: 'close' }],
        }),
      ),
  },
  {
    name: 'helo-only',
    title: 'No ESMTP: 500 to EHLO, 250 to HELO',
    expect: { verdict: 'fail', findings: ['smtp.esmtp-unsupported'] },
    dns: 'mx',
    start: async (host) =>
      startScripted(
        dialogue(host, {
          banner: `${host} SMTP service ready`,
          ehlo: null,
          starttls: null,
          enhanced: false,
          unknown: 'Command unrecognized',
        }),
      ),
  },
  {
    name: 'requires-tls',
    title: 'Refuses MAIL FROM in clear (530), fine inside TLS',
    expect: { verdict: 'pass', findings: ['policy.requires-tls', 'tls.ok', 'cert.ok'] },
    dns: 'mx',
    start: async (host, pki) => startSmtpServer(host, { tls: await goodCert(pki, host), requireTls: true }),
  },
  {
    name: 'sni-dependent',
    title: 'Right certificate only with SNI; a self-signed default without',
    // Senders without SNI (Postfix, most MTAs) see a self-signed certificate for another name: a real failure for them.
    expect: { verdict: 'fail', findings: ['cert.sni-dependent', 'cert.self-signed', 'cert.name-mismatch'] },
    dns: 'mx',
    start: async (host, pki) => {
      const [fallback, good] = await Promise.all([createSelfSigned({ commonName: 'localhost' }, pki.now), goodCert(pki, host)]);
      return startSmtpServer(host, { tls: sending(fallback), sni: { name: host, cert: good } });
    },
  },
  {
    name: 'firewall-masked',
    title: 'Firewall SMTP inspection masks the banner and STARTTLS (Cisco ASA style)',
    expect: { verdict: 'fail', findings: ['smtp.banner-masked', 'starttls.masked'] },
    dns: 'mx',
    start: async (host) =>
      startScripted(
        dialogue(host, {
          banner: MASKED_BANNER,
          ehlo: ['PIPELINING', 'SIZE 36700160', 'DSN', 'ENHANCEDSTATUSCODES', MASKED_STARTTLS, '8BITMIME'],
          starttls: null,
          enhanced: true,
          unknown: '5.5.1 Command unrecognized',
        }),
      ),
  },
  {
    name: 'ehlo-name-mismatch',
    title: `Good certificate for the MX name, but the server calls itself ${INTERNAL_NAME}`,
    expect: { verdict: 'warn', findings: ['cert.ehlo-name-mismatch'] },
    dns: 'mx',
    start: async (host, pki) => startSmtpServer(host, { tls: await goodCert(pki, host), announce: INTERNAL_NAME }),
  },
  {
    name: 'rate-limited',
    title: 'Greets with 421: too many connections',
    expect: { verdict: 'inconclusive', findings: ['smtp.rate-limited'] },
    dns: 'mx',
    start: async (host) => startSmtpServer(host, { tls: null, refuse: { code: 421, text: RATE_LIMIT_REPLY } }),
  },
  {
    name: 'null-mx',
    title: 'Null MX (MX 0 "."): the domain accepts no mail',
    // Nothing is wrong and there is nothing to test: pass, with the finding that says why.
    expect: { verdict: 'pass', findings: ['dns.null-mx'] },
    dns: 'null-mx',
  },
  {
    name: 'no-mx',
    title: 'No MX record: mail goes to the A record (implicit MX)',
    expect: { verdict: 'warn', findings: ['dns.no-mx'] },
    dns: 'implicit-mx',
    start: async (host, pki) => startSmtpServer(host, { tls: await goodCert(pki, host) }),
  },
  {
    name: 'nxdomain',
    title: 'The domain does not exist',
    expect: { verdict: 'fail', findings: ['dns.nxdomain'] },
    dns: 'absent',
  },
];

function domainOf(name: string): string {
  return `${name}.${LAB_DOMAIN}`;
}

/** The host a scenario's server answers for, or null when it has none. */
function serverHost(def: ScenarioDefinition): string | null {
  if (!def.start) return null;
  if (def.dns === 'mx') return `mx.${domainOf(def.name)}`;
  if (def.dns === 'implicit-mx') return domainOf(def.name);
  return null;
}

function toScenario(def: ScenarioDefinition): LabScenario {
  return { name: def.name, title: def.title, domain: domainOf(def.name), expect: { verdict: def.expect.verdict, findings: [...def.expect.findings] } };
}

/** The scenarios, without starting anything. */
export function listLabScenarios(): LabScenario[] {
  return SCENARIOS.map(toScenario);
}

function zoneRecords(def: ScenarioDefinition): ZoneRecord[] {
  const domain = domainOf(def.name);
  switch (def.dns) {
    case 'mx': {
      const mx = `mx.${domain}`;
      return [
        { name: domain, type: 'MX', data: { preference: 10, exchange: mx } },
        { name: mx, type: 'A', data: LOOPBACK },
      ];
    }
    case 'implicit-mx':
      return [{ name: domain, type: 'A', data: LOOPBACK }];
    case 'null-mx':
      return [{ name: domain, type: 'MX', data: { preference: 0, exchange: '.' } }];
    case 'absent':
      return [];
  }
}

async function createLabPki(now: number): Promise<LabPki> {
  const [root, untrustedRoot] = await Promise.all([
    createRootCa('mxray demo root CA', now),
    createRootCa('mxray untrusted root CA', now),
  ]);
  const [intermediate, untrustedIntermediate] = await Promise.all([
    root.intermediate('mxray demo intermediate CA'),
    untrustedRoot.intermediate('mxray untrusted intermediate CA'),
  ]);
  return { now, root, intermediate, untrustedRoot, untrustedIntermediate };
}

/** Starts the lab: a fresh test PKI, then every (or every `only`) scenario's server, in parallel. */
export async function startLab(options: LabOptions): Promise<Lab> {
  const known = new Set(SCENARIOS.map((s) => s.name));
  const unknown = (options.only ?? []).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(`unknown lab scenario: ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  }
  const wanted = options.only ? new Set(options.only) : null;
  const defs = SCENARIOS.filter((def) => !wanted || wanted.has(def.name));
  const pki = await createLabPki(options.now);

  const started = await Promise.allSettled(
    defs.map(async (def) => {
      const host = serverHost(def);
      if (!host || !def.start) return null;
      return { host, server: await def.start(host, pki) };
    }),
  );
  const servers: { host: string; server: RunningServer }[] = [];
  for (const result of started) if (result.status === 'fulfilled' && result.value) servers.push(result.value);
  const stopAll = async () => {
    await Promise.all(servers.map(({ server }) => server.stop()));
  };
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }

  const hostMap = new Map<string, HostMapping>();
  for (const { host, server } of servers) hostMap.set(host, { address: LOOPBACK, port: server.port });
  const zone: Zone = {
    records: [{ name: '1.0.0.127.in-addr.arpa', type: 'PTR', data: 'localhost' }, ...defs.flatMap(zoneRecords)],
  };
  let stopped: Promise<void> | null = null;
  return {
    scenarios: defs.map(toScenario),
    zone,
    hostMap,
    trustedCaPem: pki.root.cert.certPem,
    stop() {
      stopped ??= stopAll();
      return stopped;
    },
  };
}
