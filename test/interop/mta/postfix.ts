// A private Postfix instance for the interop tests: its own config_directory, queue_directory
// and data_directory under options.workDir, its own master.cf with one listener on the
// instance's loopback address, logging to a file there (there is no syslog), and the master
// daemon in the foreground as our own child, so stop() ends exactly the process we started.
// The system's Postfix ("No configuration", /etc/postfix without main.cf) is never touched.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { dirname, join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { InstanceOptions, MtaInstance, StartMta } from './types.js';

const POSTFIX = '/usr/sbin/postfix';
const MASTER = '/usr/lib/postfix/sbin/master';
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
/** The master ends itself after this long even if the test process died without stopping it. */
const SELF_DESTRUCT_S = 1800;

/** Masters still running, killed synchronously if the test process exits without stop(). */
const live = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}

function isLoopbackV4(address: string): boolean {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 30_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}${err && typeof err.code !== 'number' ? `\n${err.message}` : ''}` });
    });
  });
}

/** uid and gid of a system account, from the account files (the package created them). */
async function account(user: string, group: string): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const groups = await readFile('/etc/group', 'utf8');
  const pw = passwd.split('\n').map((l) => l.split(':')).find((f) => f[0] === user);
  const gr = groups.split('\n').map((l) => l.split(':')).find((f) => f[0] === group);
  if (!pw || !gr) throw new Error(`postfix: the ${!pw ? `user ${user}` : `group ${group}`} does not exist (run test/interop/setup.sh)`);
  return { uid: Number(pw[2]), gid: Number(gr[2]) };
}

/**
 * Postfix's daemons run as the postfix user and chdir into the queue directory: every folder on
 * the way there must be searchable by others. The work folder is ours (made 0755); its parents
 * must already allow it.
 */
function ensureTraversable(workDir: string): void {
  chmodSync(workDir, 0o755);
  for (let dir = dirname(workDir); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(`postfix: ${dir} is not searchable by others (mode ${(statSync(dir).mode & 0o777).toString(8)}); Postfix's daemons (user postfix) could not reach ${workDir}`);
    }
    if (dirname(dir) === dir) break;
  }
}

/** An RSA key under 2048 bits (OpenSSL 3 loads it only at security level 1 or below). */
function weakRsaKey(keyPem: string): boolean {
  const key = createPrivateKey(keyPem);
  return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 2048) < 2048;
}

/** main.cf for this instance. */
function mainCf(o: InstanceOptions, d: { etc: string; spool: string; data: string; log: string; chain: string; clientCa: string }): string {
  const lines = [
    '# mxray interop: a private Postfix instance (generated; see test/interop/mta/postfix.ts)',
    'compatibility_level = 3.6',
    `config_directory = ${d.etc}`,
    `queue_directory = ${d.spool}`,
    `data_directory = ${d.data}`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    `maillog_file = ${d.log}`,
    `maillog_file_prefixes = ${dirname(d.log)}`,
    // Postfix insists that inet_interfaces name addresses configured on an interface; 127.0.x.y
    // other than 127.0.0.1 is routed to lo but not configured on it (and adding it would change
    // the machine). So the only listener is the master.cf service bound to `address:port`
    // explicitly; inet_interfaces stays on loopback and no service listens without an address.
    'inet_interfaces = loopback-only',
    `proxy_interfaces = ${o.address}`,
    'inet_protocols = ipv4',
    `myhostname = ${o.hostname}`,
    // $mydomain is $myhostname without its first label: mx.<config>.interop.test → <config>.interop.test.
    'mydestination = $myhostname, $mydomain, localhost',
    'local_recipient_maps =',
    'alias_maps =',
    'alias_database =',
    'mynetworks = 127.0.0.0/8',
    'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
    'smtpd_banner = $myhostname ESMTP',
    // No DNS or /etc/hosts lookups for clients: the instance must not depend on the system resolver.
    'smtpd_peername_lookup = no',
    'smtp_dns_support_level = disabled',
    'biff = no',
    'append_dot_mydomain = no',
    'readme_directory = no',
    'smtpd_tls_loglevel = 1',
    'smtpd_tls_received_header = no',
  ];
  if (o.tls === null) {
    lines.push('smtpd_tls_security_level = none');
  } else {
    lines.push(`smtpd_tls_chain_files = ${d.chain}`);
    lines.push(`smtpd_tls_security_level = ${o.requireTls ? 'encrypt' : 'may'}`);
    if (o.oldProtocolsOnly) {
      // TLS 1.0 and 1.1 only. OpenSSL 3 refuses them at security level 1 and above (their
      // handshake signatures use SHA-1/MD5), so the cipher lists drop to level 0 as well.
      lines.push('smtpd_tls_protocols = >=TLSv1, <=TLSv1.1');
      lines.push('smtpd_tls_mandatory_protocols = >=TLSv1, <=TLSv1.1');
      lines.push('tls_low_cipherlist = ALL:!aNULL:!eNULL:@SECLEVEL=0');
      lines.push('tls_medium_cipherlist = ALL:!aNULL:!eNULL:@SECLEVEL=0');
      lines.push('smtpd_tls_ciphers = low');
      lines.push('smtpd_tls_mandatory_ciphers = low');
    } else if (weakRsaKey(o.tls.keyPem)) {
      // Debian's OpenSSL 3 runs at security level 2, where a certificate with an RSA key under
      // 2048 bits does not even load: level 1 lets the instance serve it, as older systems do.
      lines.push('tls_medium_cipherlist = aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:@SECLEVEL=1');
      lines.push('tls_high_cipherlist = aNULL:-aNULL:HIGH:@STRENGTH:@SECLEVEL=1');
    }
    if (o.requestClientCert) {
      lines.push('smtpd_tls_ask_ccert = yes');
      lines.push('smtpd_tls_req_ccert = no');
      if (o.tls.clientCaPem !== undefined) lines.push(`smtpd_tls_CAfile = ${d.clientCa}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** master.cf: one smtpd on address:port (wrapper mode for implicit TLS) and the services it needs, none chrooted. */
function masterCf(o: InstanceOptions): string {
  const listener = `${o.address}:${o.port}`;
  const smtpd = o.implicitTls
    ? `${listener} inet n - n - - smtpd\n  -o smtpd_tls_wrappermode=yes\n  -o smtpd_tls_security_level=encrypt\n`
    : `${listener} inet n - n - - smtpd\n`;
  return [
    '# mxray interop: a private Postfix instance (generated; see test/interop/mta/postfix.ts)',
    '# service  type  private unpriv chroot wakeup maxproc command',
    smtpd.trimEnd(),
    'cleanup   unix  n       -       n       -       0       cleanup',
    'qmgr      unix  n       -       n       300     1       qmgr',
    'tlsmgr    unix  -       -       n       1000?   1       tlsmgr',
    'rewrite   unix  -       -       n       -       -       trivial-rewrite',
    'bounce    unix  -       -       n       -       0       bounce',
    'defer     unix  -       -       n       -       0       bounce',
    'trace     unix  -       -       n       -       0       bounce',
    'verify    unix  -       -       n       -       1       verify',
    'proxymap  unix  -       -       n       -       -       proxymap',
    'anvil     unix  -       -       n       -       1       anvil',
    'scache    unix  -       -       n       -       1       scache',
    'error     unix  -       -       n       -       -       error',
    'retry     unix  -       -       n       -       -       error',
    'discard   unix  -       -       n       -       -       discard',
    'postlog   unix-dgram n  -       n       -       1       postlogd',
    '',
  ].join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One attempt: connect and read the 220 greeting (inside TLS for wrapper mode), then QUIT. */
function greets(o: InstanceOptions): Promise<boolean> {
  return new Promise((resolve) => {
    let buffer = '';
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const socket = o.implicitTls
      ? tlsConnect({ host: o.address, port: o.port, rejectUnauthorized: false, minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' })
      : netConnect({ host: o.address, port: o.port });
    const timer = setTimeout(() => finish(false), 3000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (/^220 .*\r?\n/m.test(buffer)) {
        socket.write('QUIT\r\n');
        finish(true);
      } else if (/^\d{3} .*\r?\n/m.test(buffer)) {
        finish(false);
      }
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

export const startPostfix: StartMta = async (o) => {
  if (!isLoopbackV4(o.address)) throw new Error(`postfix: ${o.address} is not an IPv4 loopback address (127.0.0.0/8)`);
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw new Error(`postfix: bad port ${o.port}`);
  if (!/^[a-z0-9.-]+$/i.test(o.hostname) || !o.hostname.includes('.')) throw new Error(`postfix: bad hostname ${o.hostname}`);
  for (const tool of [POSTFIX, MASTER]) {
    if (!existsSync(tool)) throw new Error(`postfix: ${tool} is missing (run test/interop/setup.sh as root)`);
  }
  if (process.getuid?.() !== 0) throw new Error('postfix: a private instance needs root (the master binds port 25 and runs daemons as user postfix)');

  const etc = join(o.workDir, 'etc');
  const spool = join(o.workDir, 'spool');
  const data = join(o.workDir, 'data');
  const log = join(o.workDir, 'maillog');
  const chain = join(etc, 'server-chain.pem');
  const clientCa = join(etc, 'client-ca.pem');
  await mkdir(etc, { recursive: true });
  await mkdir(spool, { recursive: true });
  await mkdir(data, { recursive: true });
  ensureTraversable(o.workDir);
  const { uid } = await account('postfix', 'postdrop');
  await chown(data, uid, 0);
  await chmod(data, 0o700);

  if (o.tls !== null) {
    // smtpd_tls_chain_files: the private key first, then the leaf, then the chain it sends.
    await writeFile(chain, `${o.tls.keyPem.trimEnd()}\n${o.tls.chainPem.trimEnd()}\n`, { mode: 0o600 });
    if (o.tls.clientCaPem !== undefined) await writeFile(clientCa, o.tls.clientCaPem, { mode: 0o644 });
  }
  await writeFile(join(etc, 'main.cf'), mainCf(o, { etc, spool, data, log, chain, clientCa }), { mode: 0o644 });
  await writeFile(join(etc, 'master.cf'), masterCf(o), { mode: 0o644 });
  await writeFile(log, '', { mode: 0o644 });

  const readLog = (): string => {
    try {
      return readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  };

  // `postfix check` creates the queue directories (post-install create-missing) and validates
  // the configuration; its complaints go to the maillog file.
  const env = { ...process.env, MAIL_CONFIG: etc };
  const check = await run(POSTFIX, ['-c', etc, 'check'], env);
  if (check.code !== 0) {
    throw new Error(`postfix: \`postfix -c ${etc} check\` failed (exit ${check.code}):\n${check.out}\n${readLog()}`);
  }

  let output = '';
  // -d: stay in the foreground (no fork, stdio kept) so the pid is the master's; detached: its
  // own session and process group, so the master's SIGTERM to its group reaches only its daemons.
  const child: ChildProcess = spawn(MASTER, ['-c', etc, '-d', '-e', String(SELF_DESTRUCT_S)], {
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`postfix: could not start ${MASTER}`);
  live.add(pid);
  installExitHook();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(pid);
      resolve();
    });
  });
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-65536)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-65536)));
  child.on('error', (err) => (output += `\nspawn error: ${err.message}`));

  const logs = (): string => `${readLog()}${output ? `\n[master stdout/stderr]\n${output}` : ''}`;

  /** Is any process of the master's group (its daemons) still alive? */
  const groupAlive = (): boolean => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exited === null) {
        // The master passes SIGTERM on to its own process group (its daemons) and exits.
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
        const timedOut = await Promise.race([exitPromise.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)]);
        if (timedOut) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
          await exitPromise;
        }
      }
      // Its daemons (same process group, id = the master's pid) exit on the master's SIGTERM.
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (groupAlive() && Date.now() < deadline) await sleep(50);
      if (groupAlive()) {
        // Only processes the master started are in this group (its own session, created by us).
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        const hard = Date.now() + 2000;
        while (groupAlive() && Date.now() < hard) await sleep(50);
      }
      live.delete(pid);
    })();
    return stopping;
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited !== null) {
      const e = exited as { code: number | null; signal: NodeJS.Signals | null };
      await stop();
      throw new Error(`postfix: the master on ${o.address}:${o.port} exited during start-up (code ${e.code}, signal ${e.signal}):\n${logs()}`);
    }
    if (await greets(o)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`postfix: ${o.address}:${o.port} did not greet within ${READY_TIMEOUT_MS} ms:\n${logs()}`);
    }
    await sleep(100);
  }

  const instance: MtaInstance = { kind: 'postfix', address: o.address, port: o.port, pid, logs, stop };
  return instance;
};
