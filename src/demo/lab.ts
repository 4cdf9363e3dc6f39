// The demo lab: one local SMTP server per classic TLS failure, each behind its own mail domain
// `<name>.mxray.test`, with the zone a loopback DNS server answers from and the host map that
// points each MX name at its real port. Used by `mxray demo` and by integration tests.
// The scenarios are data (./scenarios.ts); this module interprets them: it issues each server's
// certificates from a fresh test PKI and starts an smtp-server (../smtpd/) or a scripted server.
// Everything binds 127.0.0.1 on an OS-chosen port; stop() closes every listener and socket.
import type { HostMapping } from '../core/context.js';
import type { Verdict } from '../core/schema.js';
import { startSmtpd, type SmtpdCertificate, type SmtpdTls } from '../smtpd/server.js';
import {
  SCENARIOS,
  type CertShape,
  type LabCa,
  type ScenarioRecord,
  type ScriptedShape,
  type ServerShape,
  type SmtpdShape,
} from './scenarios.js';
import { closedLoopbackPort, reply, startScriptedServer, verbOf, type ScriptActions, type ScriptHandlers } from './scripted-server.js';
import { createRootCa, createSelfSigned, DAY_MS, type LeafOptions, type TestCa } from './test-pki.js';
import type { Zone, ZoneRecord } from './zone.js';
import { startPolicyHost } from './policy-host.js';
import { tlsaData } from '../pki/tlsa.js';
import { createHash } from 'node:crypto';

export {
  INTERNAL_NAME,
  MASKED_BANNER,
  MASKED_STARTTLS,
  NOT_A_SERVER_HELLO,
  OTHER_COMPANY_NAME,
  RATE_LIMIT_REPLY,
  REQUIRE_TLS_REPLY,
} from './scenarios.js';

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
  /** Issued by the demo root, expired 20 days ago (its leaves are still valid themselves). */
  expiredIntermediate: TestCa;
  untrustedRoot: TestCa;
  untrustedIntermediate: TestCa;
}

interface RunningServer {
  port: number;
  /** The leaf certificate it presents (DER), for DANE's TLSA records. */
  leafDer?: Buffer;
  stop(): Promise<void>;
}

/** The first certificate of a PEM text, as DER. */
function firstDer(pem: string): Buffer | undefined {
  const m = /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/.exec(pem);
  return m ? Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64') : undefined;
}

// ── certificates ─────────────────────────────────────────────────────────────────────────────

function caOf(pki: LabPki, name: LabCa): TestCa {
  switch (name) {
    case 'demo-root':
      return pki.root;
    case 'demo-intermediate':
      return pki.intermediate;
    case 'expired-intermediate':
      return pki.expiredIntermediate;
    case 'untrusted-root':
      return pki.untrustedRoot;
    case 'untrusted-intermediate':
      return pki.untrustedIntermediate;
  }
}

/** The key and the certificates (leaf first, then the chain) a server with this shape sends. */
async function issueCert(pki: LabPki, host: string, shape: CertShape): Promise<SmtpdCertificate> {
  const options: LeafOptions = { commonName: shape.commonName ?? host };
  if (shape.validDays) {
    options.notBefore = new Date(pki.now + shape.validDays.from * DAY_MS);
    options.notAfter = new Date(pki.now + shape.validDays.to * DAY_MS);
  }
  if (shape.key) options.key = shape.key;
  if (shape.signatureHash) options.signatureHash = shape.signatureHash;
  const leaf = shape.issuer === 'self' ? await createSelfSigned(options, pki.now) : await caOf(pki, shape.issuer).issue(options);
  return { key: leaf.keyPem, cert: leaf.certPem + shape.chain.map((ca) => caOf(pki, ca).cert.certPem).join('') };
}

// ── servers ──────────────────────────────────────────────────────────────────────────────────

async function startSmtpdServer(host: string, shape: SmtpdShape, pki: LabPki): Promise<RunningServer> {
  let tls: SmtpdTls | null = null;
  if (shape.tls) {
    const [cert, sniCert] = await Promise.all([
      issueCert(pki, host, shape.tls.cert),
      shape.sniCert ? issueCert(pki, host, shape.sniCert) : null,
    ]);
    tls = {
      ...cert,
      minVersion: shape.tls.minVersion ?? 'TLSv1.2',
      ...(shape.tls.maxVersion !== undefined ? { maxVersion: shape.tls.maxVersion } : {}),
      ...(shape.tls.ciphers !== undefined ? { ciphers: shape.tls.ciphers } : {}),
      ...(sniCert ? { sni: [{ name: host, ...sniCert }] } : {}),
    };
  }
  const server = await startSmtpd({
    address: LOOPBACK,
    name: shape.announce ?? host,
    banner: 'mxray demo lab',
    tls,
    maxMessageBytes: 10 * 1024 * 1024,
    greetAtOnce: true,
    ...(shape.refuse ? { refuse: shape.refuse } : {}),
    ...(shape.requireTls ? { requireTls: true } : {}),
    data: { action: 'discard', reply: { code: 554, text: 'This is the mxray demo lab: it accepts no messages' } },
  });
  const leafDer = tls ? firstDer(tls.cert) : undefined;
  return { port: server.port, ...(leafDer ? { leafDer } : {}), stop: () => server.stop() };
}

/** A plain MTA dialogue: greeting, EHLO/HELO, MAIL/RCPT accepted, DATA refused, QUIT. */
function dialogue(host: string, shape: ScriptedShape): ScriptHandlers {
  const code = (enhanced: string, text: string) => (shape.enhanced ? `${enhanced} ${text}` : text);
  const starttls: ScriptActions | null = shape.starttls ? [reply(220, shape.starttls.ready), { type: 'raw' }] : null;
  const handlers: ScriptHandlers = {
    greeting: () => [reply(220, shape.banner.replaceAll('{host}', host))],
    command: (line) => {
      switch (verbOf(line)) {
        case 'EHLO':
          return shape.ehlo ? [reply(250, `${host} Hello [${LOOPBACK}]`, ...shape.ehlo)] : [reply(500, shape.unknown)];
        case 'HELO':
          return [reply(250, `${host} Hello [${LOOPBACK}]`)];
        case 'STARTTLS':
          return starttls ?? [reply(500, shape.unknown)];
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
          return [reply(500, shape.unknown)];
      }
    },
  };
  // What follows the 220 to STARTTLS (the client's ClientHello) gets the answer, then the connection closes.
  if (shape.starttls) {
    const answer = shape.starttls.answer;
    handlers.data = () => [{ type: 'write', data: answer }, { type: 'close' }];
  }
  return handlers;
}

async function startScripted(host: string, shape: ScriptedShape): Promise<RunningServer> {
  const server = await startScriptedServer(dialogue(host, shape), { address: LOOPBACK });
  return { port: server.port, stop: () => server.stop() };
}

function startServer(host: string, shape: ServerShape, pki: LabPki): Promise<RunningServer> {
  return shape.kind === 'smtpd' ? startSmtpdServer(host, shape, pki) : startScripted(host, shape);
}

// ── the scenarios ──────────────────────────────────────────────────────────────────────────────

function domainOf(name: string): string {
  return `${name}.${LAB_DOMAIN}`;
}

/** The host a scenario's server answers for, or null when it has none. */
function serverHost(def: ScenarioRecord): string | null {
  if (!def.server) return null;
  if (def.dns === 'mx' || def.dns === 'mx-backup') return `mx.${domainOf(def.name)}`;
  if (def.dns === 'implicit-mx') return domainOf(def.name);
  return null;
}

/** The primary MX of an 'mx-backup' scenario: a name whose address refuses connections. */
function deadHost(def: ScenarioRecord): string {
  return `mx-down.${domainOf(def.name)}`;
}

function toScenario(def: ScenarioRecord): LabScenario {
  return { name: def.name, title: def.title, domain: domainOf(def.name), expect: { verdict: def.expect.verdict, findings: [...def.expect.findings] } };
}

/** The scenarios, without starting anything. */
export function listLabScenarios(): LabScenario[] {
  return SCENARIOS.map(toScenario);
}

/** The policy file of a scenario with MTA-STS. */
function policyOf(def: ScenarioRecord & { mtaSts: NonNullable<ScenarioRecord['mtaSts']> }): string {
  const domain = domainOf(def.name);
  return ['version: STSv1', `mode: ${def.mtaSts.mode}`, ...def.mtaSts.mx.map((p) => `mx: ${p.replace('{domain}', domain)}`), 'max_age: 604800', ''].join('\n');
}

/** MTA-STS and TLS-RPT records of a scenario that has a policy. */
function postureRecords(def: ScenarioRecord): ZoneRecord[] {
  if (!def.mtaSts) return [];
  const domain = domainOf(def.name);
  return [
    { name: `_mta-sts.${domain}`, type: 'TXT', data: 'v=STSv1; id=20261129T1200' },
    { name: `mta-sts.${domain}`, type: 'A', data: LOOPBACK },
    { name: `_smtp._tls.${domain}`, type: 'TXT', data: `v=TLSRPTv1; rua=mailto:tlsrpt@${domain}` },
  ];
}

function zoneRecords(def: ScenarioRecord): ZoneRecord[] {
  return [...serverRecords(def), ...postureRecords(def)];
}

function serverRecords(def: ScenarioRecord): ZoneRecord[] {
  const domain = domainOf(def.name);
  switch (def.dns) {
    case 'mx': {
      const mx = `mx.${domain}`;
      return [
        { name: domain, type: 'MX', data: { preference: 10, exchange: mx } },
        { name: mx, type: 'A', data: LOOPBACK },
      ];
    }
    case 'mx-backup': {
      const down = deadHost(def);
      const mx = `mx.${domain}`;
      return [
        { name: domain, type: 'MX', data: { preference: 10, exchange: down } },
        { name: domain, type: 'MX', data: { preference: 20, exchange: mx } },
        { name: down, type: 'A', data: LOOPBACK },
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

/** A key hash no server has ("the next key", "the old key"), made from a label: the same for every run. */
function otherKeyHash(label: string): string {
  return createHash('sha256').update(`mxray demo lab: ${label}`).digest('hex').toUpperCase();
}

/** The TLSA records of a DANE scenario's MX host (port 25: the name a DANE sender asks). */
function daneRecords(def: ScenarioRecord, servers: readonly { host: string; server: RunningServer }[]): ZoneRecord[] {
  const host = serverHost(def);
  const leaf = servers.find((s) => s.host === host)?.server.leafDer;
  if (host === null || def.dane === undefined || def.dane === 'servfail') return [];
  const name = `_25._tcp.${host}`;
  const record = (hex: string): ZoneRecord => ({ name, type: 'TLSA', data: { usage: 3, selector: 1, matchingType: 1, data: hex } });
  if (def.dane === 'mismatch' || leaf === undefined) return [record(otherKeyHash(`${def.name} old key`)), record(otherKeyHash(`${def.name} next key`))];
  const own = tlsaData(leaf, 1, 1);
  return [...(own ? [record(own.toString('hex').toUpperCase())] : []), record(otherKeyHash(`${def.name} next key`))];
}

async function createLabPki(now: number): Promise<LabPki> {
  const [root, untrustedRoot] = await Promise.all([
    createRootCa('mxray demo root CA', now),
    createRootCa('mxray untrusted root CA', now),
  ]);
  const [intermediate, expiredIntermediate, untrustedIntermediate] = await Promise.all([
    root.intermediate('mxray demo intermediate CA'),
    root.intermediate('mxray expired intermediate CA', { notBefore: new Date(now - 2 * 365 * DAY_MS), notAfter: new Date(now - 20 * DAY_MS) }),
    untrustedRoot.intermediate('mxray untrusted intermediate CA'),
  ]);
  return { now, root, intermediate, expiredIntermediate, untrustedRoot, untrustedIntermediate };
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
      if (!host || !def.server) return null;
      return { host, server: await startServer(host, def.server, pki) };
    }),
  );
  const servers: { host: string; server: RunningServer }[] = [];
  for (const result of started) if (result.status === 'fulfilled' && result.value) servers.push(result.value);
  // One HTTPS server answers for every scenario's mta-sts.<domain>.
  const withPolicy = defs.filter((d): d is ScenarioRecord & { mtaSts: NonNullable<ScenarioRecord['mtaSts']> } => d.mtaSts !== undefined);
  if (withPolicy.length > 0 && !started.some((r) => r.status === 'rejected')) {
    try {
      const sites = await Promise.all(
        withPolicy.map(async (def) => {
          const name = `mta-sts.${domainOf(def.name)}`;
          const cert = await issueCert(pki, name, { issuer: 'demo-intermediate', chain: ['demo-intermediate'] });
          return { name, key: cert.key, cert: cert.cert, policy: policyOf(def) };
        }),
      );
      const host = await startPolicyHost(LOOPBACK, sites);
      for (const site of sites) servers.push({ host: site.name, server: host });
    } catch (err) {
      await Promise.all(servers.map(({ server }) => server.stop()));
      throw err;
    }
  }
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
  for (const def of defs.filter((d) => d.dns === 'mx-backup')) hostMap.set(deadHost(def), { address: LOOPBACK, port: await closedLoopbackPort() });
  const withDane = defs.filter((d) => d.dane !== undefined);
  const zone: Zone = {
    records: [{ name: '1.0.0.127.in-addr.arpa', type: 'PTR', data: 'localhost' }, ...defs.flatMap(zoneRecords), ...withDane.flatMap((d) => daneRecords(d, servers))],
    signed: withDane.map((d) => domainOf(d.name)),
    servfail: withDane.filter((d) => d.dane === 'servfail').map((d) => `_25._tcp.mx.${domainOf(d.name)}`),
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
