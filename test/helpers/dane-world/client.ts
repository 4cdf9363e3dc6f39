// Starts the DANE test world (world.mjs: Knot DNS signing the zones, a validating Unbound, SMTP
// servers with STARTTLS, all in network, mount and pid namespaces of their own) and talks to it:
//
//   const world = await startDaneWorld();
//   world.cases.good.mx[0].tlsa;                          // ['3 1 1 8a82…', '3 1 1 …']
//   await world.run(['posttls-finger', '-c', '-l', 'dane', 'good.test']);
//   await world.run([process.execPath, 'bin/mxray.cjs', 'check', 'good.test', '--json', '--resolver', '127.0.0.1']);
//   await world.stop();
//
// Commands given to run() execute inside the namespaces, in the repository's root, where the only
// resolver is the world's Unbound (127.0.0.1, also bound over /etc/resolv.conf) and the MX hosts
// listen on port 25 of their 127.0.1.x addresses. Needs Linux and root (namespaces, port 25): daneWorldMissing() says
// why it cannot start here.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const WORLD = fileURLToPath(new URL('./world.mjs', import.meta.url));
/** Commands run in the repository's root: `bin/mxray.cjs` names the CLI there. */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Certificates, two Knots and Unbound start in a few seconds; a slow shared machine gets ample room. */
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
/** What the client waits beyond a command's own time-out for the world's answer. */
const ANSWER_GRACE_MS = 10_000;
const STDERR_KEEP = 64 * 1024;

// ── the spec: what world.mjs builds ───────────────────────────────────────────────────────────

export interface WorldCertSpec {
  key: 'ec' | 'rsa';
  /** self: self-signed; intermediate: issued by the world's intermediate CA (sent with it, never with the root). */
  issuer: 'self' | 'intermediate';
  /** Valid from 400 to 30 days ago (else from a day ago for a year). */
  expired?: boolean;
}

export interface WorldTlsaSpec {
  usage: number;
  selector: 0 | 1;
  matching: 0 | 1 | 2;
  /** Whose data: the server's Nth certificate, a spare key the server does not have, or the world's CA. */
  of: `cert${number}` | 'spare' | 'root' | 'intermediate';
}

export interface WorldMxSpec {
  /** The MX target, a name under the case's domain. */
  host: string;
  /** 127.x.y.z outside 127.0.0.0/24; the SMTP server listens there on port 25. */
  address: string;
  /** The MX host is a CNAME to this name (in a signed zone of its own, its parent); TLSA is looked up there. */
  cname?: string;
  /** One or two (RSA and ECDSA: the server picks by the client's signature algorithms). */
  certs: WorldCertSpec[];
  /** Published at _25._tcp.<host, or the CNAME target>. */
  tlsa: WorldTlsaSpec[];
  /** _tcp.<host> delegated to a name server that answers SERVFAIL (tlsa must be empty). */
  tlsaServfail?: boolean;
}

export interface WorldCaseSpec {
  name: string;
  domain: string;
  /** signed: a trust anchor and a valid signature; unsigned: no DNSSEC; bogus-tlsa: signed, the TLSA RRSIG broken. */
  dnssec: 'signed' | 'unsigned' | 'bogus-tlsa';
  mx: WorldMxSpec[];
}

export interface WorldSpec {
  cases: WorldCaseSpec[];
}

const ee = (of: WorldTlsaSpec['of']): WorldTlsaSpec => ({ usage: 3, selector: 1, matching: 1, of });
const selfSigned: WorldCertSpec[] = [{ key: 'ec', issuer: 'self' }];
const bothKeys: WorldCertSpec[] = [
  { key: 'rsa', issuer: 'self' },
  { key: 'ec', issuer: 'self' },
];

/** The cases of RFC 7672 the DANE work is tested on, one mail domain each. */
export const DANE_WORLD_SPEC: WorldSpec = {
  cases: [
    // DANE-EE(3) SPKI(1) SHA-256(1) of the server's key, and a second for the next key (rollover).
    { name: 'good', domain: 'good.test', dnssec: 'signed', mx: [{ host: 'mx.good.test', address: '127.0.1.1', certs: selfSigned, tlsa: [ee('cert0'), ee('spare')] }] },
    // 3 1 1 of a key the server does not have.
    { name: 'mismatch', domain: 'mismatch.test', dnssec: 'signed', mx: [{ host: 'mx.mismatch.test', address: '127.0.1.2', certs: selfSigned, tlsa: [ee('spare')] }] },
    // Expired and self-signed, but 3 1 1 matches: DANE-EE ignores dates and names (RFC 7672 3.1.1).
    { name: 'expired', domain: 'expired.test', dnssec: 'signed', mx: [{ host: 'mx.expired.test', address: '127.0.1.3', certs: [{ key: 'ec', issuer: 'self', expired: true }], tlsa: [ee('cert0')] }] },
    // DANE-TA(2) Cert(0) SHA-256 of the intermediate the server sends after its leaf.
    {
      name: 'ta',
      domain: 'ta.test',
      dnssec: 'signed',
      mx: [{ host: 'mx.ta.test', address: '127.0.1.4', certs: [{ key: 'ec', issuer: 'intermediate' }], tlsa: [{ usage: 2, selector: 0, matching: 1, of: 'intermediate' }] }],
    },
    // 2 0 1 of the root, which the server does not send.
    {
      name: 'ta-missing',
      domain: 'ta-missing.test',
      dnssec: 'signed',
      mx: [{ host: 'mx.ta-missing.test', address: '127.0.1.5', certs: [{ key: 'ec', issuer: 'intermediate' }], tlsa: [{ usage: 2, selector: 0, matching: 1, of: 'root' }] }],
    },
    // Only PKIX-EE(1) and PKIX-TA(0) records: unusable for SMTP (RFC 7672 3.1.3).
    {
      name: 'unusable',
      domain: 'unusable.test',
      dnssec: 'signed',
      mx: [
        {
          host: 'mx.unusable.test',
          address: '127.0.1.6',
          certs: selfSigned,
          tlsa: [
            { usage: 1, selector: 1, matching: 1, of: 'cert0' },
            { usage: 0, selector: 0, matching: 1, of: 'cert0' },
          ],
        },
      ],
    },
    // A matching 3 1 1 whose RRSIG is broken: bogus at the resolver (SERVFAIL, EDE 6).
    { name: 'bogus', domain: 'bogus.test', dnssec: 'bogus-tlsa', mx: [{ host: 'mx.bogus.test', address: '127.0.1.7', certs: selfSigned, tlsa: [ee('cert0')] }] },
    // MX and A secure; the TLSA lookup fails (SERVFAIL, with or without CD).
    { name: 'servfail', domain: 'servfail.test', dnssec: 'signed', mx: [{ host: 'mx.servfail.test', address: '127.0.1.8', certs: selfSigned, tlsa: [], tlsaServfail: true }] },
    // The MX host is a CNAME into another signed zone; TLSA at the target's name (RFC 7672 2.2.2).
    { name: 'cname', domain: 'cname.test', dnssec: 'signed', mx: [{ host: 'mx.cname.test', cname: 'host.target.test', address: '127.0.1.9', certs: selfSigned, tlsa: [ee('cert0')] }] },
    // A matching TLSA in an unsigned zone: not secure, so not used.
    { name: 'insecure', domain: 'insecure.test', dnssec: 'unsigned', mx: [{ host: 'mx.insecure.test', address: '127.0.1.10', certs: selfSigned, tlsa: [ee('cert0')] }] },
    // RSA and ECDSA certificates on one server, a 3 1 1 for each.
    { name: 'dual', domain: 'dual.test', dnssec: 'signed', mx: [{ host: 'mx.dual.test', address: '127.0.1.11', certs: bothKeys, tlsa: [ee('cert0'), ee('cert1')] }] },
    // The same kind of server, a 3 1 1 for the ECDSA key only: a sender that gets the RSA certificate fails.
    { name: 'dual-half', domain: 'dual-half.test', dnssec: 'signed', mx: [{ host: 'mx.dual-half.test', address: '127.0.1.12', certs: bothKeys, tlsa: [ee('cert1')] }] },
  ],
};

// ── what world.mjs reports ────────────────────────────────────────────────────────────────────

export interface WorldCert {
  key: 'ec' | 'rsa';
  issuer: 'self' | 'intermediate';
  expired: boolean;
  certFile: string;
  keyFile: string;
  certPem: string;
  /** What the server sends: the leaf, then the intermediate when it issued the leaf. */
  chainPem: string;
  /** SHA-256 of the SubjectPublicKeyInfo, hex (the data of a 3 1 1 record for it). */
  spkiSha256: string;
}

export interface WorldMx {
  host: string;
  address: string;
  port: number;
  cname: string | null;
  /** _25._tcp.<host or CNAME target>. */
  tlsaName: string;
  /** The TLSA records published there, "usage selector matching hex". */
  tlsa: string[];
  tlsaServfail: boolean;
  certs: WorldCert[];
  /** The key a "spare" TLSA record names (the server does not have it). */
  spare: { certFile: string; keyFile: string; spkiSha256: string } | null;
}

export interface WorldCase {
  name: string;
  domain: string;
  dnssec: WorldCaseSpec['dnssec'];
  mx: WorldMx[];
}

export interface RunResult {
  /** The exit status; null when the command did not end by itself (see error). */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Why there is no exit status: a time-out, output over 4 MiB, a command not found. */
  error?: string;
}

export interface DaneWorld {
  cases: Record<string, WorldCase>;
  /** The world's temporary folder (certificates, zones, configs, logs); removed by stop(). */
  dir: string;
  /** The validating resolver inside the namespaces: 127.0.0.1. */
  resolver: string;
  /** The Postfix configuration folder posttls-finger uses (MAIL_CONFIG is set for every command). */
  postfixConfigDir: string;
  /** The root of the world's CA (PEM file), null when no case uses it. */
  caFile: string | null;
  zones: Array<{ name: string; dnssec: WorldCaseSpec['dnssec']; server: string }>;
  trustAnchors: string[];
  /** Milliseconds from the world's start to each step (certificates, knot, unbound, smtp, ready). */
  timingsMs: Record<string, number>;
  /** The pid of the unshare process we spawned (the world is its child, pid 1 of its own pid namespace). */
  pid: number;
  /** Runs argv inside the namespaces (default time-out 20 s, at most 300 s). */
  run(argv: string[], timeoutMs?: number, env?: Record<string, string>): Promise<RunResult>;
  /** Stops the world (idempotent): its daemons, its servers, its folder. */
  stop(): Promise<void>;
}

/** Why the world cannot start on this machine (null: it can). */
export function daneWorldMissing(): string | null {
  if (process.platform !== 'linux') return `needs Linux (namespaces); this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'needs root (network, mount and pid namespaces; port 25 and 53)';
  const tools: Array<[string, string]> = [
    ['/usr/bin/unshare', 'util-linux'],
    ['/usr/sbin/ip', 'iproute2'],
    ['/usr/bin/openssl', 'openssl'],
    ['/usr/sbin/knotd', 'knot'],
    ['/usr/sbin/knotc', 'knot'],
    ['/usr/bin/kdig', 'knot-dnsutils'],
    ['/usr/sbin/unbound', 'unbound'],
    ['/usr/sbin/unbound-checkconf', 'unbound'],
  ];
  const missing = tools.filter(([file]) => !existsSync(file));
  if (missing.length > 0) return `missing ${missing.map(([file, pkg]) => `${file} (package ${pkg})`).join(', ')}: run test/interop/setup.sh`;
  return null;
}

/** Children still running, killed if this process exits without stop() (a crashed test run). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

interface Answer extends RunResult {
  id: number;
}

/**
 * Starts the world and resolves once every server in it answers (rejects with the world's own
 * one-line error otherwise). The world is unshare's child: stop() asks it to end, and kills
 * unshare by its pid if it does not (unshare's --kill-child then ends the world, and with it, as
 * pid 1 of its namespace, everything it started).
 */
export async function startDaneWorld(options: { spec?: WorldSpec; readyTimeoutMs?: number } = {}): Promise<DaneWorld> {
  const missing = daneWorldMissing();
  if (missing !== null) throw new Error(`the DANE world cannot start: ${missing}`);
  const specDir = await mkdtemp(join(tmpdir(), 'mxray-dane-spec-'));
  const specFile = join(specDir, 'spec.json');
  await writeFile(specFile, JSON.stringify(options.spec ?? DANE_WORLD_SPEC));

  const child = spawn('unshare', ['--net', '--mount', '--pid', '--fork', '--kill-child=SIGTERM', '--mount-proc', process.execPath, WORLD, specFile], {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: REPO,
    // A small, fixed environment: the test runner's own (NODE_OPTIONS and the like) stays out.
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', TZ: 'UTC', HOME: tmpdir(), ...(process.env.MXRAY_DANE_WORLD_KEEP ? { MXRAY_DANE_WORLD_KEEP: process.env.MXRAY_DANE_WORLD_KEEP } : {}) },
  });
  live.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  // A write after the world ended must not crash the test run.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(signal !== null ? `killed by ${signal}` : `exit ${code}`);
    });
    child.once('error', (e) => {
      live.delete(child);
      resolve(e.message);
    });
  });
  const said = () => stderr.trim().split('\n').filter((l) => l !== '').slice(-3).join(' | ') || '(nothing on stderr)';

  const pending = new Map<number, { resolve: (a: RunResult) => void; reject: (e: Error) => void }>();
  let ready: ((line: Record<string, unknown>) => void) | null = null;
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // not ours: the world prints only JSON lines
    }
    if (message.ready === true && ready !== null) return ready(message);
    const waiter = typeof message.id === 'number' ? pending.get(message.id) : undefined;
    if (waiter === undefined) return;
    pending.delete(message.id as number);
    const { id: _id, ...result } = message as unknown as Answer;
    waiter.resolve(result);
  });

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end(`${JSON.stringify({ stop: true })}\n`);
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(specDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  let readyTimer: NodeJS.Timeout | undefined;
  let info: Record<string, unknown>;
  try {
    info = await Promise.race([
      new Promise<Record<string, unknown>>((resolve) => {
        ready = resolve;
      }),
      exited.then((how) => Promise.reject(new Error(`the DANE world did not start (${how}): ${said()}`))),
      new Promise<never>((_, reject) => {
        readyTimer = setTimeout(() => reject(new Error(`the DANE world was not ready after ${options.readyTimeoutMs ?? READY_TIMEOUT_MS} ms: ${said()}`)), options.readyTimeoutMs ?? READY_TIMEOUT_MS);
      }),
    ]);
  } catch (e) {
    await stop();
    throw e;
  } finally {
    clearTimeout(readyTimer);
  }

  // Once the world is gone, nothing will answer: every waiting run() learns why.
  void exited.then((how) => {
    for (const [id, waiter] of pending) {
      pending.delete(id);
      waiter.reject(new Error(`the DANE world ended (${how}) before answering: ${said()}`));
    }
  });

  let nextId = 0;
  const run = (argv: string[], timeoutMs = 20_000, env: Record<string, string> = {}): Promise<RunResult> => {
    if (stopped !== null || child.exitCode !== null) return Promise.reject(new Error('the DANE world is stopped'));
    const id = ++nextId;
    return new Promise<RunResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the DANE world did not answer command ${id} (${argv[0]}) within ${timeoutMs + ANSWER_GRACE_MS} ms`));
      }, timeoutMs + ANSWER_GRACE_MS);
      pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.stdin.write(`${JSON.stringify({ id, run: argv, timeoutMs, env })}\n`);
    });
  };

  return {
    cases: info.cases as Record<string, WorldCase>,
    dir: info.dir as string,
    resolver: info.resolver as string,
    postfixConfigDir: info.postfixConfigDir as string,
    caFile: info.caFile as string | null,
    zones: info.zones as DaneWorld['zones'],
    trustAnchors: info.trustAnchors as string[],
    timingsMs: info.timingsMs as Record<string, number>,
    pid: child.pid ?? -1,
    run,
    stop,
  };
}
