// The interop harness: a test PKI made at run time, one MTA instance per configuration on its
// own loopback address, a DNS server on loopback whose zone gives every configuration a mail
// domain `<config>.interop.test` with `MX 10 mx.<config>.interop.test` → that instance, and for
// each configuration the Report of `mxray check <domain> --json` (the real CLI, through that DNS
// server) next to what openssl s_client, swaks and posttls-finger concluded on the same server.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReceiverReport as Report } from '../../src/core/schema.js';
import { startDnsServer, type RunningDnsServer } from '../../src/demo/dns-server.js';
import { createRootCa, createSelfSigned, DAY_MS, type IssuedCert, type TestCa } from '../../src/demo/test-pki.js';
import type { Zone, ZoneRecord } from '../../src/demo/zone.js';
import { limitConcurrency } from '../../src/core/concurrency.js';
import type { InstanceOptions, MtaInstance, MtaKind, StartMta, TlsMaterial } from './mta/types.js';
import { runOpenssl, runPeers, runPosttlsFinger, writePosttlsFingerConfig, type OpensslConclusion, type PeerConclusion, type PeerResults, type PeerTarget } from './peers.js';

export const INTEROP_DOMAIN = 'interop.test';
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'bin/mxray.cjs');
/** The name a wrong-name certificate is issued for. */
export const OTHER_NAME = 'mail.other-company.test';

// ── PKI ───────────────────────────────────────────────────────────────────────────────────────

/**
 * Why the interop suite cannot run here (null: it can): Linux and root, then each setup script
 * (test/interop/setup.sh installs the Debian packages; setup-exim-opensmtpd.sh unpacks Exim and
 * OpenSMTPD), its last lines quoted when it fails.
 */
export async function interopPrerequisites(scripts: readonly string[] = ['test/interop/setup.sh']): Promise<string | null> {
  if (process.platform !== 'linux') return `needs Linux (Debian 12); this is ${process.platform}`;
  if (process.getuid?.() !== 0) return "needs root (apt-get installs, port 25, the daemons' own users)";
  for (const script of scripts) {
    const failed = await new Promise<string | null>((resolve) => {
      execFile('bash', [join(REPO, script)], { cwd: REPO, timeout: 600_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
        resolve(err === null ? null : `${script} failed: ${`${stdout}${stderr}`.trim().split('\n').slice(-3).join(' | ')}`);
      });
    });
    if (failed !== null) return failed;
  }
  return null;
}

export interface InteropPki {
  now: number;
  root: TestCa;
  intermediate: TestCa;
  /** A second root nobody trusts, with its own intermediate. */
  otherRoot: TestCa;
  otherIntermediate: TestCa;
  /** The CA whose client certificates the client-certificate configurations ask for. */
  clientCa: TestCa;
}

export async function createInteropPki(now: number): Promise<InteropPki> {
  const root = await createRootCa('mxray interop root CA', now);
  const otherRoot = await createRootCa('mxray interop untrusted root CA', now);
  const clientCa = await createRootCa('mxray interop client CA', now);
  return {
    now,
    root,
    intermediate: await root.intermediate('mxray interop intermediate CA'),
    otherRoot,
    otherIntermediate: await otherRoot.intermediate('mxray interop untrusted intermediate CA'),
    clientCa,
  };
}

/** The certificate cases of the matrix. */
export type CertCase = 'good' | 'expired' | 'self-signed' | 'wrong-name' | 'missing-intermediate' | 'untrusted-root' | 'weak-key';

function material(leaf: IssuedCert, chain: TestCa[], clientCaPem?: string): TlsMaterial {
  return {
    keyPem: leaf.keyPem,
    chainPem: leaf.certPem + chain.map((ca) => ca.cert.certPem).join(''),
    ...(clientCaPem !== undefined ? { clientCaPem } : {}),
  };
}

/**
 * Key and chain for `host`. RSA-2048 leaves: every TLS library and protocol version involved
 * (GnuTLS in Exim, TLS 1.0 at security level 0 in Postfix) can use them.
 */
export async function serverTls(pki: InteropPki, cert: CertCase, host: string, clientCaPem?: string): Promise<TlsMaterial> {
  const key = 'rsa2048' as const;
  switch (cert) {
    case 'good':
      return material(await pki.intermediate.issue({ commonName: host, key }), [pki.intermediate], clientCaPem);
    case 'expired':
      return material(
        await pki.intermediate.issue({ commonName: host, key, notBefore: new Date(pki.now - 100 * DAY_MS), notAfter: new Date(pki.now - 10 * DAY_MS) }),
        [pki.intermediate],
        clientCaPem,
      );
    case 'self-signed':
      return material(await createSelfSigned({ commonName: host, key }, pki.now), [], clientCaPem);
    case 'wrong-name':
      return material(await pki.intermediate.issue({ commonName: OTHER_NAME, key }), [pki.intermediate], clientCaPem);
    case 'missing-intermediate':
      return material(await pki.intermediate.issue({ commonName: host, key }), [], clientCaPem);
    case 'weak-key':
      // RSA-1024: loads and works at OpenSSL security level 1 (Node's), fails verification at level 2 (Debian's).
      return material(await pki.intermediate.issue({ commonName: host, key: 'rsa1024' }), [pki.intermediate], clientCaPem);
    case 'untrusted-root':
      // The complete chain, root included, up to a root that is not in anyone's trust store.
      return material(await pki.otherIntermediate.issue({ commonName: host, key }), [pki.otherIntermediate, pki.otherRoot], clientCaPem);
  }
}

// ── configurations ────────────────────────────────────────────────────────────────────────────

export interface InteropConfig {
  /** `pf-good` → mail domain pf-good.interop.test, MX mx.pf-good.interop.test. */
  name: string;
  title: string;
  mta: MtaKind;
  /** The instance's own loopback address. */
  address: string;
  /** 25, or 465 for implicit TLS. */
  port: number;
  /** Null: no TLS at all. */
  cert: CertCase | null;
  requireTls?: boolean;
  oldProtocolsOnly?: boolean;
  implicitTls?: boolean;
  requestClientCert?: boolean;
  requireClientCert?: boolean;
}

export function domainOf(config: InteropConfig): string {
  return `${config.name}.${INTEROP_DOMAIN}`;
}

export function mxOf(config: InteropConfig): string {
  return `mx.${domainOf(config)}`;
}

export interface MxrayRun {
  /** The CLI's exit code (null: killed). */
  code: number | null;
  stderr: string;
  report: Report | null;
  /** Why the Report could not be read, when it could not. */
  error: string | null;
  ms: number;
  args: string[];
}

export interface ConfigResult {
  config: InteropConfig;
  domain: string;
  mx: string;
  mxray: MxrayRun;
  peers: PeerResults;
  /** openssl s_client with security level 0 (old-protocol configurations only): what a legacy client gets. */
  legacyOpenssl: OpensslConclusion | null;
  /**
   * posttls-finger at the levels an opportunistic / encrypting Postfix sender uses (old-protocol
   * configurations only): Postfix runs OpenSSL at security level 0 there, 1 at verify/secure.
   */
  postfixLevels: { may: PeerConclusion; encrypt: PeerConclusion } | null;
  /** The instance's log at the end of the run (for failure messages). */
  logs: string;
}

/** The configuration could not be started: why. */
export interface ConfigFailure {
  config: InteropConfig;
  error: string;
}

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

// ── the harness ───────────────────────────────────────────────────────────────────────────────

export class InteropHarness {
  readonly instances = new Map<string, MtaInstance>();
  readonly failures = new Map<string, ConfigFailure>();
  private dns: RunningDnsServer | null = null;

  private constructor(
    readonly dir: string,
    readonly pki: InteropPki,
    readonly caFile: string,
    readonly postfixConfigDir: string,
  ) {}

  /** A temporary folder (searchable by the MTAs' own users), the PKI and the root as a PEM file. */
  static async create(now: number): Promise<InteropHarness> {
    const dir = await mkdtemp(join(tmpdir(), 'mxray-interop-'));
    // The daemons drop to their own users (postfix …) and must reach their folders under here.
    await chmod(dir, 0o755);
    const pki = await createInteropPki(now);
    const caFile = join(dir, 'interop-root.pem');
    await writeFile(caFile, pki.root.cert.certPem, { mode: 0o644 });
    const postfixConfigDir = join(dir, 'posttls-finger');
    await writePosttlsFingerConfig(postfixConfigDir);
    return new InteropHarness(dir, pki, caFile, postfixConfigDir);
  }

  /** Starts one instance per configuration (at most `parallel` at once); failures are recorded, not thrown. */
  async startAll(configs: InteropConfig[], launchers: Partial<Record<MtaKind, StartMta>>, parallel = 4): Promise<void> {
    const limit = limitConcurrency(parallel);
    await Promise.all(
      configs.map((config) =>
        limit(async () => {
          const start = launchers[config.mta];
          if (start === undefined) {
            this.failures.set(config.name, { config, error: `no launcher for ${config.mta}` });
            return;
          }
          try {
            const workDir = join(this.dir, config.name);
            await mkdir(workDir, { recursive: true });
            await chmod(workDir, 0o755);
            const mx = mxOf(config);
            const clientCaPem = config.requestClientCert || config.requireClientCert ? this.pki.clientCa.cert.certPem : undefined;
            const options: InstanceOptions = {
              address: config.address,
              port: config.port,
              hostname: mx,
              workDir,
              tls: config.cert === null ? null : await serverTls(this.pki, config.cert, mx, clientCaPem),
              ...(config.requireTls ? { requireTls: true } : {}),
              ...(config.oldProtocolsOnly ? { oldProtocolsOnly: true } : {}),
              ...(config.implicitTls ? { implicitTls: true } : {}),
              ...(config.requestClientCert ? { requestClientCert: true } : {}),
              ...(config.requireClientCert ? { requireClientCert: true } : {}),
            };
            this.instances.set(config.name, await start(options));
          } catch (err) {
            this.failures.set(config.name, { config, error: errorText(err) });
          }
        }),
      ),
    );
  }

  /** The loopback DNS server: MX and A records for every configuration. */
  async startDns(configs: InteropConfig[], extra: readonly ZoneRecord[] = []): Promise<RunningDnsServer> {
    const records: ZoneRecord[] = [...extra];
    for (const c of configs) {
      records.push({ name: domainOf(c), type: 'MX', data: { preference: 10, exchange: mxOf(c) } });
      records.push({ name: mxOf(c), type: 'A', data: c.address });
    }
    const zone: Zone = { records };
    this.dns = await startDnsServer(zone);
    return this.dns;
  }

  get resolver(): string {
    if (this.dns === null) throw new Error('harness: the DNS server is not running');
    return `${this.dns.address}:${this.dns.port}`;
  }

  /** `node bin/mxray.cjs check <domain> --resolver … --ca-file … --json [--port 465]`, asynchronously. */
  runMxray(config: InteropConfig): Promise<MxrayRun> {
    return this.runMxrayOn(domainOf(config), config.port);
  }

  /** `mxray check <domain> --json` through the harness's DNS and CA (any domain of its zone). */
  runMxrayOn(domain: string, port = 25): Promise<MxrayRun> {
    const args = ['check', domain, '--resolver', this.resolver, '--ca-file', this.caFile, '--json'];
    if (port !== 25) args.push('--port', String(port));
    const started = performance.now();
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [BIN, ...args],
        { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
          let report: Report | null = null;
          let error: string | null = null;
          try {
            report = JSON.parse(stdout) as Report;
          } catch (e) {
            error = `mxray printed no JSON Report (exit ${code}): ${e instanceof Error ? e.message : String(e)}; stderr: ${stderr.slice(0, 2000)}; stdout: ${stdout.slice(0, 2000)}`;
          }
          resolve({ code, stderr, report, error, ms: performance.now() - started, args });
        },
      );
      child.stdin?.end();
    });
  }

  peerTarget(config: InteropConfig): PeerTarget {
    return {
      address: config.address,
      port: config.port,
      name: mxOf(config),
      domain: domainOf(config),
      caFile: this.caFile,
      implicitTls: config.implicitTls === true,
      postfixConfigDir: this.postfixConfigDir,
    };
  }

  /** mxray, then the peers, on one configuration's server. */
  async check(config: InteropConfig): Promise<ConfigResult> {
    const instance = this.instances.get(config.name);
    if (instance === undefined) throw new Error(`harness: ${config.name} is not running: ${this.failures.get(config.name)?.error ?? 'never started'}`);
    // One after the other: a server with per-client limits sees one client at a time.
    const mxray = await this.runMxray(config);
    const target = this.peerTarget(config);
    const peers = await runPeers(target);
    const legacyOpenssl = config.oldProtocolsOnly ? await runOpenssl(target, { extraArgs: ['-cipher', 'ALL:@SECLEVEL=0'] }) : null;
    const postfixLevels = config.oldProtocolsOnly
      ? { may: await runPosttlsFinger(target, { level: 'may' }), encrypt: await runPosttlsFinger(target, { level: 'encrypt' }) }
      : null;
    const result: ConfigResult = { config, domain: domainOf(config), mx: mxOf(config), mxray, peers, legacyOpenssl, postfixLevels, logs: instance.logs() };
    // MXRAY_INTEROP_OUT=<folder>: keep every Report, the peers' output and the server's log for a look by hand.
    const out = process.env.MXRAY_INTEROP_OUT;
    if (out) {
      await mkdir(out, { recursive: true });
      await writeFile(join(out, `${config.name}.report.json`), JSON.stringify(mxray.report, null, 2));
      await writeFile(
        join(out, `${config.name}.peers.txt`),
        [peers.openssl.raw, peers.swaks.raw, peers.posttlsFinger.raw, legacyOpenssl?.raw ?? '', postfixLevels?.may.raw ?? '', postfixLevels?.encrypt.raw ?? ''].join('\n\n=====\n\n'),
      );
      await writeFile(join(out, `${config.name}.${config.mta}.log`), result.logs);
    }
    return result;
  }

  /** Stops every instance (each by its own pid, in parallel), the DNS server, and removes the folder. */
  async stop(): Promise<void> {
    const errors: string[] = [];
    await Promise.all(
      [...this.instances.entries()].map(async ([name, instance]) => {
        try {
          await instance.stop();
        } catch (err) {
          errors.push(`${name}: ${errorText(err)}`);
        }
      }),
    );
    this.instances.clear();
    await this.dns?.stop();
    this.dns = null;
    if (process.env.MXRAY_INTEROP_KEEP === '1') console.log(`interop: kept ${this.dir}`);
    else await rm(this.dir, { recursive: true, force: true });
    if (errors.length > 0) throw new Error(`interop: could not stop every instance:\n${errors.join('\n')}`);
  }
}
