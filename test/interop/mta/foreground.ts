// Shared by the Exim and OpenSMTPD launchers: options checks, a private /etc/passwd and
// /etc/group (and resolver) in a private mount namespace, the daemon in the foreground under the
// pid we spawned, readiness by TCP connect, and stopping exactly what we started.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InstanceOptions, MtaInstance, MtaKind } from './types.js';

/** Where setup-exim-opensmtpd.sh unpacks the .deb files (the repository's .tmp/, gitignored). */
export const INTEROP_ROOT = fileURLToPath(new URL('../../../.tmp/interop/root/', import.meta.url));


export const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

export function isLoopbackV4(address: string): boolean {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

/** Common checks: loopback only, a sane port and hostname, root, TLS options only with TLS material. */
export function checkOptions(kind: MtaKind, o: InstanceOptions): void {
  if (!isLoopbackV4(o.address)) throw new Error(`${kind}: ${o.address} is not an IPv4 loopback address (127.0.0.0/8)`);
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw new Error(`${kind}: bad port ${o.port}`);
  if (!/^[a-z0-9.-]+$/i.test(o.hostname) || !o.hostname.includes('.')) throw new Error(`${kind}: bad hostname ${o.hostname}`);
  if (!o.workDir.startsWith('/') || /[\s"'\\]/.test(o.workDir)) throw new Error(`${kind}: workDir must be an absolute path without spaces or quotes: ${o.workDir}`);
  if (process.getuid?.() !== 0) throw new Error(`${kind}: a private instance needs root (port ${o.port}, a private mount namespace)`);
  if (o.tls === null) {
    const needTls = (['requireTls', 'oldProtocolsOnly', 'implicitTls', 'requestClientCert'] as const).filter((k) => o[k] === true);
    if (needTls.length > 0) throw new Error(`${kind}: ${needTls.join(', ')} need TLS material (options.tls is null)`);
  }
}

export interface PrivateAccount {
  user: string;
  home: string;
  gecos: string;
}

/**
 * Copies of /etc/passwd and /etc/group with the daemon's accounts added (ids unused on this
 * machine, from 60100 up), and a resolv.conf that points at loopback only, all in workDir. The
 * real /etc is never written: the copies are bound over it inside the daemon's own mount namespace.
 */
export async function privateEtc(workDir: string, accounts: PrivateAccount[]): Promise<{ binds: Array<[string, string]> }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const group = await readFile('/etc/group', 'utf8');
  const field = (text: string, i: number): Set<string> =>
    new Set(text.split('\n').map((l) => l.split(':')[i] ?? '').filter((v) => v !== ''));
  const users = field(passwd, 0);
  const groups = field(group, 0);
  const usedIds = new Set([...field(passwd, 2), ...field(passwd, 3), ...field(group, 2)].map(Number));
  let next = 60100;
  const extraPasswd: string[] = [];
  const extraGroup: string[] = [];
  for (const a of accounts) {
    if (users.has(a.user)) continue; // the machine has it already: use the real one
    while (usedIds.has(next)) next++;
    const id = next++;
    extraPasswd.push(`${a.user}:x:${id}:${id}:${a.gecos}:${a.home}:/usr/sbin/nologin`);
    if (!groups.has(a.user)) extraGroup.push(`${a.user}:x:${id}:`);
  }
  const etc = join(workDir, 'etc');
  await mkdir(etc, { recursive: true, mode: 0o755 });
  const withLines = (text: string, extra: string[]): string => `${text.replace(/\n*$/, '\n')}${extra.map((l) => `${l}\n`).join('')}`;
  await writeFile(join(etc, 'passwd'), withLines(passwd, extraPasswd), { mode: 0o644 });
  await writeFile(join(etc, 'group'), withLines(group, extraGroup), { mode: 0o644 });
  // The daemons need no DNS; should they ask anyway (OpenSMTPD resolves its clients), the
  // question goes to loopback and never to the machine's real resolver.
  await writeFile(join(etc, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n', { mode: 0o644 });
  return {
    binds: [
      [join(etc, 'passwd'), '/etc/passwd'],
      [join(etc, 'group'), '/etc/group'],
      [join(etc, 'resolv.conf'), '/etc/resolv.conf'],
    ],
  };
}

/** Daemons still running, killed (their whole process group) if the test process exits without stop(). */
const live = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of live) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * Processes of process group `pgid` that still run (zombies left out: once their parent is gone
 * only init can reap them, and they hold no port and run no code). Linux /proc.
 */
export function liveGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') members.push(Number(entry));
  }
  return members;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One TCP connect to address:port (closed at once); true when something accepted it. */
export function portAccepts(address: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: address, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface ForegroundSpec {
  kind: MtaKind;
  options: InstanceOptions;
  /** The daemon and its arguments; it must stay in the foreground. */
  command: [string, ...string[]];
  /** [file or folder in workDir, path it is bound over] inside the daemon's mount namespace. */
  binds: Array<[string, string]>;
  /** Log files the daemon writes (shown by logs() with what it printed). */
  logFiles: string[];
  /** Extra environment for the daemon (e.g. Postfix's MAIL_CONFIG). */
  env?: Record<string, string>;
  /** When the instance is ready (default: its port accepts a TCP connection). */
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

/**
 * Starts the daemon in a private mount namespace and resolves once address:port accepts TCP
 * connections. `unshare -m` (private propagation: nothing leaks to the machine's mounts) execs
 * sh, which binds the files and execs setpriv, which execs the daemon: one pid all the way, the
 * one we spawned. setpriv's parent-death signal ends the daemon should this test process die
 * without stop(). detached: the daemon leads its own process group, so its children (Exim's
 * connection handlers, OpenSMTPD's privsep processes) can be found and stopped by that id.
 */
export async function startForeground(spec: ForegroundSpec): Promise<MtaInstance> {
  const { kind, options: o } = spec;
  for (const [, target] of spec.binds) {
    if (!existsSync(target)) throw new Error(`${kind}: cannot bind over ${target}: it does not exist on this machine`);
  }
  // Readiness is "the port accepts": something already listening there would fake it.
  if (await portAccepts(o.address, o.port)) {
    throw new Error(`${kind}: ${o.address}:${o.port} already accepts connections (an instance left running?)`);
  }
  const script = 'while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 111; shift 2; done; shift; exec "$@"';
  const args = [
    '--mount',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    script,
    'sh',
    ...spec.binds.flat(),
    '--',
    'setpriv',
    '--pdeathsig',
    'KILL',
    '--',
    ...spec.command,
  ];
  let output = '';
  const child = spawn('unshare', args, {
    cwd: o.workDir,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', ...spec.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error | undefined>((resolve) => child.once('error', resolve));
    throw new Error(`${kind}: could not start unshare: ${err?.message ?? 'no pid'}`);
  }
  live.add(pid);
  installExitHook();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-65536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (err) => (output += `\nspawn error: ${err.message}`));

  const logs = (): string => {
    const parts: string[] = [];
    for (const file of spec.logFiles) {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      if (text !== '') parts.push(`[${file}]\n${text.trimEnd()}`);
    }
    if (output !== '') parts.push(`[${kind} stdout/stderr]\n${output.trimEnd()}`);
    return parts.join('\n');
  };

  const groupAlive = (): boolean => liveGroupMembers(pid).length > 0;
  const signal = (target: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(target, sig);
    } catch {
      // already gone
    }
  };

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exited === null) {
        signal(pid, 'SIGTERM');
        const timedOut = await Promise.race([exitPromise.then(() => false), sleep(STOP_GRACE_MS).then(() => true)]);
        if (timedOut) signal(pid, 'SIGKILL');
        await exitPromise;
      }
      // Children of the daemon (same process group, id = its pid) end with it; any left over get
      // SIGTERM, then SIGKILL. The group is ours: we created it with the daemon.
      let deadline = Date.now() + STOP_GRACE_MS;
      if (groupAlive()) signal(-pid, 'SIGTERM');
      while (groupAlive() && Date.now() < deadline) await sleep(50);
      if (groupAlive()) {
        signal(-pid, 'SIGKILL');
        deadline = Date.now() + 2000;
        while (groupAlive() && Date.now() < deadline) await sleep(50);
      }
      live.delete(pid);
    })();
    return stopping;
  };

  const readyTimeout = spec.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const ready = spec.ready ?? (() => portAccepts(o.address, o.port));
  const deadline = Date.now() + readyTimeout;
  for (;;) {
    if (exited !== null) {
      const e: { code: number | null; signal: NodeJS.Signals | null } = exited;
      await stop();
      throw new Error(`${kind}: the daemon for ${o.address}:${o.port} exited during start-up (code ${e.code}, signal ${e.signal}):\n${logs()}`);
    }
    if (await ready()) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${kind}: ${o.address}:${o.port} was not ready within ${readyTimeout} ms:\n${logs()}`);
    }
    await sleep(100);
  }
  return { kind, address: o.address, port: o.port, pid, logs, stop };
}
