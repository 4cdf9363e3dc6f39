// The lab test/interop/explain-mta.interop.test.ts makes real Postfix and Exim error lines in:
// a private Postfix instance that is both client (smtp(8), with a transport map and a TLS policy
// map per destination) and server (one smtpd(8) listener per broken configuration), a private Exim
// (client through manualroute routers, server on its own addresses), small scripted SMTP peers in
// this process (no STARTTLS, a close or text after the 220 to STARTTLS, a TLS session dropped without
// close_notify) and a client that gives up right after STARTTLS. Everything listens on loopback
// addresses of its own; the daemons run in the foreground in private mount namespaces (their
// /etc/hosts names the lab's hosts) and are stopped by the pids we started (test/interop/mta/).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { TLSSocket, createSecureContext } from 'node:tls';
import { EXIM_BINARY } from './mta/exim.js';
import { isLoopbackV4, portAccepts, privateEtc, startForeground } from './mta/foreground.js';
import type { MtaInstance, TlsMaterial } from './mta/types.js';

const POSTFIX = '/usr/sbin/postfix';
const MASTER = '/usr/lib/postfix/sbin/master';
const SENDMAIL = '/usr/sbin/sendmail';
/** A master that outlives a crashed test run ends itself after this long. */
const SELF_DESTRUCT_S = 900;

/** master.cf: what a Postfix instance needs besides its smtpd listeners (pickup for sendmail, smtp to deliver). */
const CLIENT_SERVICES = [
  'pickup    unix  n       -       n       60      1       pickup',
  'cleanup   unix  n       -       n       -       0       cleanup',
  'qmgr      unix  n       -       n       300     1       qmgr',
  'tlsmgr    unix  -       -       n       1000?   1       tlsmgr',
  'rewrite   unix  -       -       n       -       -       trivial-rewrite',
  'bounce    unix  -       -       n       -       0       bounce',
  'defer     unix  -       -       n       -       0       bounce',
  'trace     unix  -       -       n       -       0       bounce',
  'verify    unix  -       -       n       -       1       verify',
  'proxymap  unix  -       -       n       -       -       proxymap',
  'smtp      unix  -       -       n       -       -       smtp',
  'anvil     unix  -       -       n       -       1       anvil',
  'scache    unix  -       -       n       -       1       scache',
  'error     unix  -       -       n       -       -       error',
  'retry     unix  -       -       n       -       -       error',
  'discard   unix  -       -       n       -       -       discard',
  'postlog   unix-dgram n  -       n       -       1       postlogd',
];

interface Ran {
  code: number | null;
  out: string;
}

/** A program with a time-out; stdin from `input`; never rejects. */
export function runTool(file: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, out: `${stdout}${stderr}${err !== null && typeof err.code !== 'number' ? `\n[${err.message}]` : ''}` });
    });
    child.stdin?.end(options.input ?? '');
  });
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function hostsFile(hosts: Readonly<Record<string, string>>): string {
  const lines = ['127.0.0.1 localhost'];
  for (const [name, address] of Object.entries(hosts)) {
    if (!isLoopbackV4(address)) throw new Error(`explain lab: ${name} → ${address} is not a loopback address`);
    lines.push(`${address} ${name}`);
  }
  return `${lines.join('\n')}\n`;
}

/** PEM files of a key and its chain, and Postfix's "key first" chain file, under `dir`. */
export async function writeTlsFiles(dir: string, name: string, tls: TlsMaterial): Promise<{ key: string; cert: string; chainFile: string }> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const chainFile = join(dir, `${name}.chain.pem`);
  await writeFile(key, tls.keyPem, { mode: 0o600 });
  await writeFile(cert, tls.chainPem, { mode: 0o644 });
  await writeFile(chainFile, `${tls.keyPem.trimEnd()}\n${tls.chainPem.trimEnd()}\n`, { mode: 0o600 });
  return { key, cert, chainFile };
}

// ── Postfix: one instance, client and servers ──────────────────────────────────────────────────

export interface PostfixListener {
  address: string;
  port: number;
  /** The name this smtpd greets with (not the client's own: Postfix refuses to talk to itself). */
  hostname: string;
  /** master.cf `-o name=value` overrides (no spaces in values). */
  options: string[];
}

export interface PostfixRoute {
  /** Mail to anyone@domain goes … */
  domain: string;
  /** … through this master.cf service (default smtp) to [host]:port, at this TLS policy. */
  service?: string;
  host: string;
  port: number;
  /** smtp_tls_policy_maps value for [host]:port, e.g. "verify" or "encrypt protocols=>=TLSv1.2". */
  policy?: string;
}

export interface PostfixLabOptions {
  workDir: string;
  /** The instance's own name (the smtp client's EHLO). */
  hostname: string;
  /** /etc/hosts inside the daemons' mount namespace. */
  hosts: Readonly<Record<string, string>>;
  listeners: PostfixListener[];
  routes: PostfixRoute[];
  /** More master.cf client services, e.g. "noengine unix - - n - - smtp\n  -o smtp_tls_chain_files=/x". */
  services?: string[];
  mainCf?: string[];
}

export interface PostfixLab {
  instance: MtaInstance;
  /** The maillog so far. */
  log(): string;
  /** Queues a message to `to` (Postfix's own sendmail), from a sender in the instance's name. */
  send(to: string): Promise<void>;
}

export async function startPostfixLab(o: PostfixLabOptions): Promise<PostfixLab> {
  const first = o.listeners[0];
  if (first === undefined) throw new Error('explain lab: Postfix needs at least one listener');
  const etc = join(o.workDir, 'etc');
  const spool = join(o.workDir, 'spool');
  const data = join(o.workDir, 'data');
  const log = join(o.workDir, 'maillog');
  await mkdir(etc, { recursive: true, mode: 0o755 });
  await mkdir(spool, { recursive: true, mode: 0o755 });
  await mkdir(data, { recursive: true });
  await chmod(o.workDir, 0o755);
  const passwd = await readFile('/etc/passwd', 'utf8');
  const uid = Number(passwd.split('\n').map((l) => l.split(':')).find((f) => f[0] === 'postfix')?.[2] ?? NaN);
  if (!Number.isInteger(uid)) throw new Error('explain lab: no postfix user (run test/interop/setup.sh)');
  await chown(data, uid, 0);
  await chmod(data, 0o700);

  const transport = join(etc, 'transport');
  const policy = join(etc, 'tls_policy');
  const hosts = join(etc, 'hosts');
  await writeFile(transport, o.routes.map((r) => `${r.domain} ${r.service ?? 'smtp'}:[${r.host}]:${r.port}\n`).join(''), { mode: 0o644 });
  await writeFile(policy, o.routes.filter((r) => r.policy !== undefined).map((r) => `[${r.host}]:${r.port} ${r.policy}\n`).join(''), { mode: 0o644 });
  await writeFile(hosts, hostsFile(o.hosts), { mode: 0o644 });
  const main = [
    '# mxray interop: the explain lab (generated by test/interop/explain-lab.ts)',
    'compatibility_level = 3.6',
    `config_directory = ${etc}`,
    `queue_directory = ${spool}`,
    `data_directory = ${data}`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    `maillog_file = ${log}`,
    `maillog_file_prefixes = ${o.workDir}`,
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    `myhostname = ${o.hostname}`,
    'mydestination =',
    'local_recipient_maps =',
    'alias_maps =',
    'alias_database =',
    'mynetworks = 127.0.0.0/8',
    'smtpd_relay_restrictions = permit_mynetworks, reject',
    'smtpd_peername_lookup = no',
    'smtpd_tls_loglevel = 1',
    'smtpd_tls_received_header = no',
    // Names from the namespace's /etc/hosts only: no DNS at all.
    'smtp_dns_support_level = disabled',
    'smtp_host_lookup = native',
    'smtp_tls_security_level = may',
    'smtp_tls_loglevel = 1',
    `transport_maps = texthash:${transport}`,
    `smtp_tls_policy_maps = texthash:${policy}`,
    'notify_classes =',
    'biff = no',
    ...(o.mainCf ?? []),
  ];
  const service = (l: PostfixListener): string =>
    [`${l.address}:${l.port} inet n - n - - smtpd`, `  -o myhostname=${l.hostname}`, '  -o content_filter=discard:', ...l.options.map((x) => `  -o ${x}`)].join('\n');
  const master = [
    '# mxray interop: the explain lab (generated by test/interop/explain-lab.ts)',
    ...o.listeners.map(service),
    ...(o.services ?? []),
    ...CLIENT_SERVICES,
    '',
  ];
  await writeFile(join(etc, 'main.cf'), `${main.join('\n')}\n`, { mode: 0o644 });
  await writeFile(join(etc, 'master.cf'), master.join('\n'), { mode: 0o644 });
  await writeFile(log, '', { mode: 0o644 });
  const env = { ...process.env, MAIL_CONFIG: etc };
  const check = await runTool(POSTFIX, ['-c', etc, 'check'], { env });
  if (check.code !== 0) throw new Error(`explain lab: postfix check failed (exit ${check.code}): ${check.out}\n${readText(log)}`);

  const instance = await startForeground({
    kind: 'postfix',
    options: { address: first.address, port: first.port, hostname: o.hostname, workDir: o.workDir, tls: null },
    command: [MASTER, '-c', etc, '-d', '-e', String(SELF_DESTRUCT_S)],
    binds: [[hosts, '/etc/hosts']],
    logFiles: [log],
    env: { MAIL_CONFIG: etc },
    ready: async () => (await Promise.all(o.listeners.map((l) => portAccepts(l.address, l.port)))).every(Boolean),
    readyTimeoutMs: 20_000,
  });
  return {
    instance,
    log: () => readText(log),
    async send(to: string) {
      const message = `From: lab@${o.hostname}\nTo: ${to}\nSubject: mxray explain lab\n\nA test message of the explain lab; it is discarded.\n`;
      const r = await runTool(SENDMAIL, ['-C', etc, '-f', `lab@${o.hostname}`, to], { input: message, env });
      if (r.code !== 0) throw new Error(`explain lab: sendmail to ${to} failed (exit ${r.code}): ${r.out}`);
    },
  };
}

// ── Exim: one instance, client and server ──────────────────────────────────────────────────────

export interface EximRoute {
  domain: string;
  host: string;
  port: number;
  /** One of the transports of `EximLabOptions.transports`. */
  transport: string;
}

export interface EximListener {
  address: string;
  /** The certificate and key this address serves (both files; they may not belong together). */
  certFile: string;
  keyFile: string;
  /** Insist on a client certificate from `EximLabOptions.clientCaFile` on this address (tls_verify_hosts). */
  verifyClients?: boolean;
}

export interface EximLabOptions {
  workDir: string;
  hostname: string;
  hosts: Readonly<Record<string, string>>;
  /** Every listener on port 25; the first one takes the messages the test submits. */
  listeners: EximListener[];
  routes: EximRoute[];
  /** name → option lines of an smtp transport (driver and user are added). */
  transports: Readonly<Record<string, readonly string[]>>;
  /** The CAs the server side trusts for client certificates. */
  clientCaFile?: string;
}

export interface EximLab {
  instance: MtaInstance;
  log(): string;
  /** Submits a message over SMTP to the first listener; Exim delivers it at once. */
  send(to: string): Promise<void>;
}

export async function startEximLab(o: EximLabOptions): Promise<EximLab> {
  const first = o.listeners[0];
  if (first === undefined) throw new Error('explain lab: Exim needs at least one listener');
  const spool = join(o.workDir, 'spool');
  const logDir = join(o.workDir, 'log');
  const config = join(o.workDir, 'exim.conf');
  const hosts = join(o.workDir, 'hosts');
  await mkdir(join(spool, 'db'), { recursive: true });
  await mkdir(logDir, { recursive: true });
  // The transports run as Debian-exim (Exim never runs one as root) and keep their hints there.
  await chmod(join(spool, 'db'), 0o777);
  await writeFile(hosts, hostsFile(o.hosts), { mode: 0o644 });
  const pick = (field: 'certFile' | 'keyFile'): string => {
    let expr = first[field];
    for (const l of o.listeners.slice(1)) expr = `\${if eq{$received_ip_address}{${l.address}}{${l[field]}}{${expr}}}`;
    return expr;
  };
  const verifying = o.listeners.filter((l) => l.verifyClients === true);
  const lines = [
    '# mxray interop: the explain lab (generated by test/interop/explain-lab.ts)',
    `exim_path = ${EXIM_BINARY}`,
    'exim_user = root',
    'exim_group = root',
    'keep_environment =',
    `primary_hostname = ${o.hostname}`,
    `qualify_domain = ${o.hostname}`,
    `local_interfaces = <; ${o.listeners.map((l) => `${l.address}.25`).join(' ; ')}`,
    'daemon_smtp_ports = 25',
    `spool_directory = ${spool}`,
    `log_file_path = ${join(logDir, '%slog')}`,
    `pid_file_path = ${join(o.workDir, 'exim.pid')}`,
    'log_selector = +smtp_connection +incoming_interface +outgoing_port +smtp_protocol_error +tls_certificate_verified +tls_peerdn +tls_sni',
    'host_lookup =',
    'rfc1413_hosts =',
    'acl_smtp_rcpt = acl_check_rcpt',
    'tls_advertise_hosts = *',
    `tls_certificate = ${pick('certFile')}`,
    `tls_privatekey = ${pick('keyFile')}`,
    // Only the listeners that verify clients insist on a certificate (the host list is expanded per connection).
    verifying.length === 0 ? 'tls_verify_hosts =' : `tls_verify_hosts = \${if or{${verifying.map((l) => `{eq{$received_ip_address}{${l.address}}}`).join('')}}{*}{}}`,
    'tls_try_verify_hosts =',
    ...(o.clientCaFile !== undefined ? [`tls_verify_certificates = ${o.clientCaFile}`] : []),
    '',
    'begin acl',
    'acl_check_rcpt:',
    '  accept',
    '',
    'begin routers',
    ...o.routes.flatMap((r, i) => [
      `r${i}:`,
      '  driver = manualroute',
      `  domains = ${r.domain}`,
      `  transport = ${r.transport}`,
      `  route_list = * ${r.host} byname`,
      '  self = send',
      '',
    ]),
    'begin transports',
    ...Object.entries(o.transports).flatMap(([name, options]) => [`${name}:`, '  driver = smtp', '  user = Debian-exim', '  port = 25', ...options.map((l) => `  ${l}`), '']),
    'begin retry',
    '* * F,2h,15m',
    '',
  ];
  await writeFile(config, lines.join('\n'), { mode: 0o644 });
  const ns = await privateEtc(o.workDir, [{ user: 'Debian-exim', home: '/var/spool/exim4', gecos: 'Exim (mxray explain lab)' }]);
  const instance = await startForeground({
    kind: 'exim',
    options: { address: first.address, port: 25, hostname: o.hostname, workDir: o.workDir, tls: null },
    command: [EXIM_BINARY, '-bdf', '-oX', '25', '-C', config],
    binds: [...ns.binds, [hosts, '/etc/hosts']],
    logFiles: ['mainlog', 'paniclog'].map((f) => join(logDir, f)),
  });
  return {
    instance,
    log: () => readText(join(logDir, 'mainlog')),
    send: (to) => submit(first.address, 25, `lab@${o.hostname}`, to),
  };
}

// ── scripted peers ─────────────────────────────────────────────────────────────────────────────

/**
 * What a scripted server does: `plain` never offers STARTTLS; `close` answers STARTTLS with 220
 * and closes; `garbage` answers 220 and then a line of text instead of a ServerHello; `tls-drop`
 * starts TLS for real and, at MAIL FROM inside TLS, drops the TCP connection without close_notify.
 */
export type PeerMode = 'plain' | 'close' | 'garbage' | 'tls-drop';

const LINE_LIMIT = 4096;

function scriptedSession(socket: Socket | TLSSocket, mode: PeerMode, name: string, tls: TlsMaterial | null, inTls: boolean): void {
  let buffer = '';
  const onData = (chunk: Buffer): void => {
    buffer += chunk.toString('latin1');
    if (buffer.length > LINE_LIMIT) {
      socket.destroy();
      return;
    }
    for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
      const verb = buffer.slice(0, i).slice(0, 4).toUpperCase();
      buffer = buffer.slice(i + 2);
      if (verb === 'EHLO') socket.write(mode === 'plain' || inTls ? `250-${name}\r\n250 PIPELINING\r\n` : `250-${name}\r\n250-PIPELINING\r\n250 STARTTLS\r\n`);
      else if (verb === 'HELO') socket.write(`250 ${name}\r\n`);
      else if (verb === 'STAR' && mode !== 'plain' && !inTls) {
        if (mode === 'close') socket.end('220 2.0.0 Ready to start TLS\r\n');
        else if (mode === 'garbage') {
          // Text instead of the ServerHello, once the ClientHello is here (sent with the 220, it would
          // sit in the client's SMTP buffer and the client would wait for a handshake that never comes).
          socket.off('data', onData);
          socket.write('220 2.0.0 Ready to start TLS\r\n');
          socket.once('data', () => socket.write('250 this is not TLS\r\n'));
          return;
        }
        else if (tls !== null) {
          socket.off('data', onData);
          socket.write('220 2.0.0 Ready to start TLS\r\n', () => {
            const secure = new TLSSocket(socket as Socket, { isServer: true, secureContext: createSecureContext({ key: tls.keyPem, cert: tls.chainPem }) });
            secure.on('error', () => secure.destroy());
            scriptedSession(secure, mode, name, tls, true);
          });
          return;
        }
      } else if (verb === 'MAIL' && inTls && mode === 'tls-drop') {
        socket.destroy();
        return;
      } else if (verb === 'QUIT') socket.end('221 2.0.0 Bye\r\n');
      else if (verb === 'DATA') socket.write('554 5.7.1 mxray explain lab: no mail is taken here\r\n');
      else socket.write('250 2.0.0 Ok\r\n');
    }
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  socket.setTimeout(30_000, () => socket.destroy());
}

/** Scripted SMTP servers on loopback port 25, one per address. */
export async function startScriptedPeers(peers: Array<{ address: string; name: string; mode: PeerMode }>, tls: TlsMaterial): Promise<{ stop(): Promise<void> }> {
  const servers: Server[] = [];
  for (const p of peers) {
    if (!isLoopbackV4(p.address)) throw new Error(`explain lab: ${p.address} is not loopback`);
    const server = createServer((socket) => {
      socket.write(`220 ${p.name} ESMTP mxray explain lab\r\n`);
      scriptedSession(socket, p.mode, p.name, p.mode === 'tls-drop' ? tls : null, false);
    });
    server.maxConnections = 32;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(25, p.address, () => resolve());
    });
    servers.push(server);
  }
  return {
    stop: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.unref();
            }),
        ),
      ).then(() => undefined),
  };
}

/** A small SMTP client: reads replies (multi-line aware), fails on an unexpected code. */
class Dialogue {
  private buffer = '';
  private waiters: Array<() => void> = [];
  private ended = false;

  constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async reply(timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(\d{3}) [^\r\n]*\r\n/m.exec(this.buffer);
      if (m) {
        const end = m.index + m[0].length;
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return text;
      }
      if (this.ended || Date.now() > deadline) throw new Error(`no SMTP reply (buffer: ${JSON.stringify(this.buffer.slice(0, 200))})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async command(line: string, expect: RegExp): Promise<string> {
    this.socket.write(`${line}\r\n`);
    const r = await this.reply();
    if (!expect.test(r)) throw new Error(`${line.split(' ')[0]}: unexpected reply ${r.trim()}`);
    return r;
  }
}

function open(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: address, port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Submits one message over SMTP (no TLS). */
export async function submit(address: string, port: number, from: string, to: string): Promise<void> {
  const socket = await open(address, port);
  const d = new Dialogue(socket);
  try {
    if (!/^220/.test(await d.reply())) throw new Error('no 220 greeting');
    await d.command('EHLO submit.explain.test', /^250/);
    await d.command(`MAIL FROM:<${from}>`, /^250/);
    await d.command(`RCPT TO:<${to}>`, /^250/);
    await d.command('DATA', /^354/);
    await d.command(`From: ${from}\r\nTo: ${to}\r\nSubject: mxray explain lab\r\n\r\nA test message of the explain lab.\r\n.`, /^250/);
    await d.command('QUIT', /^221/);
  } finally {
    socket.destroy();
  }
}

/**
 * A client that sends EHLO and STARTTLS, gets 220, and then either closes (`close`) or sends a
 * line of text instead of a TLS ClientHello (`garbage`) and closes half a second later.
 */
export async function abandonStarttls(address: string, port: number, mode: 'close' | 'garbage'): Promise<void> {
  const socket = await open(address, port);
  const d = new Dialogue(socket);
  try {
    await d.reply();
    await d.command('EHLO abandon.explain.test', /^250/);
    await d.command('STARTTLS', /^220/);
    if (mode === 'garbage') {
      socket.write('THIS IS NOT A TLS HANDSHAKE\r\n');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    socket.end();
    socket.destroy();
  }
}

/** `openssl s_client -starttls smtp` with extra arguments (cipher or protocol choices); its output. */
export function opensslStarttls(address: string, port: number, args: string[]): Promise<Ran> {
  return runTool('openssl', ['s_client', '-starttls', 'smtp', '-connect', `${address}:${port}`, '-brief', ...args], { input: 'QUIT\r\n', timeoutMs: 20_000 });
}

/** The first line of `read()` that matches, waiting for it up to `timeoutMs`. */
export async function waitForLine(read: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = read()
      .split('\n')
      .find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms; the log:\n${read().slice(-6000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// ── Postfix smtp(8) inside the DANE world ──────────────────────────────────────────────────────

/** What runs a command inside the DANE world (test/helpers/dane-world/client.ts: DaneWorld.run). */
export type WorldRun = (argv: string[], timeoutMs?: number) => Promise<{ code: number | null; stdout: string; stderr: string; error?: string }>;

/**
 * A private Postfix client at smtp_tls_security_level = dane with DNSSEC lookups, started inside
 * the DANE world (its validating Unbound is the only resolver there), given one message for each
 * of `recipients`, and stopped by its pid once every message has a delivery status (or 60 s have
 * passed). Returns the maillog.
 */
export async function runPostfixDane(run: WorldRun, workDir: string, recipients: string[]): Promise<string> {
  const etc = join(workDir, 'etc');
  const spool = join(workDir, 'spool');
  const data = join(workDir, 'data');
  const log = join(workDir, 'maillog');
  await mkdir(etc, { recursive: true, mode: 0o755 });
  await mkdir(spool, { recursive: true, mode: 0o755 });
  await mkdir(data, { recursive: true });
  await chmod(workDir, 0o755);
  const passwd = await readFile('/etc/passwd', 'utf8');
  const uid = Number(passwd.split('\n').map((l) => l.split(':')).find((f) => f[0] === 'postfix')?.[2] ?? NaN);
  if (!Number.isInteger(uid)) throw new Error('explain lab: no postfix user (run test/interop/setup.sh)');
  await chown(data, uid, 0);
  await chmod(data, 0o700);
  const hostname = 'client.dane-lab.test';
  const main = [
    '# mxray interop: the explain lab, DANE client (generated by test/interop/explain-lab.ts)',
    'compatibility_level = 3.6',
    `config_directory = ${etc}`,
    `queue_directory = ${spool}`,
    `data_directory = ${data}`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    `maillog_file = ${log}`,
    `maillog_file_prefixes = ${workDir}`,
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    `myhostname = ${hostname}`,
    'mydestination =',
    'local_recipient_maps =',
    'alias_maps =',
    'alias_database =',
    'smtp_dns_support_level = dnssec',
    'smtp_host_lookup = dns',
    'smtp_tls_security_level = dane',
    'smtp_tls_loglevel = 1',
    'notify_classes =',
    'biff = no',
  ];
  await writeFile(join(etc, 'main.cf'), `${main.join('\n')}\n`, { mode: 0o644 });
  await writeFile(join(etc, 'master.cf'), `${CLIENT_SERVICES.join('\n')}\n`, { mode: 0o644 });
  await writeFile(log, '', { mode: 0o644 });
  for (const r of recipients) if (!/^[a-z0-9.@-]+$/.test(r)) throw new Error(`explain lab: odd recipient ${r}`);
  const script = [
    'set -e',
    `export MAIL_CONFIG=${etc}`,
    `/usr/sbin/postfix -c ${etc} check`,
    `${MASTER} -c ${etc} -d -e 120 & pid=$!`,
    'sleep 1',
    ...recipients.map((r) => `printf 'Subject: mxray explain lab\\n\\ndiscarded\\n' | ${SENDMAIL} -C ${etc} -f lab@${hostname} ${r}`),
    'i=0',
    `while [ $i -lt 120 ] && [ "$(grep -c ' status=' ${log} || true)" -lt ${recipients.length} ]; do sleep 0.5; i=$((i+1)); done`,
    'kill $pid',
    'wait $pid || true',
  ].join('\n');
  const r = await run(['/bin/sh', '-c', script], 90_000);
  if (r.code !== 0) throw new Error(`explain lab: Postfix in the DANE world failed (exit ${r.code}, ${r.error ?? ''}): ${r.stdout}${r.stderr}\n${readText(log)}`);
  return readText(log);
}
