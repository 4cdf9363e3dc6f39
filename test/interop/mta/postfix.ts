// A private Postfix instance for the interop tests: its own config_directory, queue_directory
// and data_directory under options.workDir, its own master.cf with one listener on the
// instance's loopback address, logging to a file there (there is no syslog), and the master
// daemon in the foreground as our own child, so stop() ends exactly the process we started.
// The system's Postfix ("No configuration", /etc/postfix without main.cf) is never touched.
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { dirname, join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { isLoopbackV4, startForeground } from './foreground.js';
import type { InstanceOptions, StartMta } from './types.js';

const POSTFIX = '/usr/sbin/postfix';
const MASTER = '/usr/lib/postfix/sbin/master';
const READY_TIMEOUT_MS = 20_000;
/** The master ends itself after this long even if the test process died without stopping it. */
const SELF_DESTRUCT_S = 1800;

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
    // smtpd_tls_req_ccert is honoured only with mandatory TLS.
    lines.push(`smtpd_tls_security_level = ${o.requireTls || o.requireClientCert ? 'encrypt' : 'may'}`);
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
    if (o.requestClientCert || o.requireClientCert) {
      lines.push('smtpd_tls_ask_ccert = yes');
      lines.push(`smtpd_tls_req_ccert = ${o.requireClientCert ? 'yes' : 'no'}`);
      if (o.tls.clientCaPem !== undefined) lines.push(`smtpd_tls_CAfile = ${d.clientCa}`);
    }
  }
  lines.push(...(o.postfixMainCf ?? []));
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

  // -d: the master stays in the foreground, so the pid we track is its own; it and its daemons
  // form one process group that foreground.ts stops. -e: it ends itself if a test run died.
  return startForeground({
    kind: 'postfix',
    options: o,
    command: [MASTER, '-c', etc, '-d', '-e', String(SELF_DESTRUCT_S)],
    binds: [],
    logFiles: [log],
    env: { MAIL_CONFIG: etc },
    ready: () => greets(o),
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
};
