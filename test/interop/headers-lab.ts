// The lab of test/interop/headers-mta.interop.test.ts: real Debian Postfix and Exim relay one
// message per case, over STARTTLS or in clear text, and the last Postfix delivers it into a
// maildir of the test's own, so the test reads the Received lines those MTAs wrote.
//
// Three organisations, all on 127.0.22.x inside the daemons' private /etc/hosts:
//   example.net  the sender: the smtp(8) client of a private Postfix instance (mail.example.net,
//                bound to 127.0.22.1), fed by Postfix's own sendmail;
//   example.com  a relay on the way (relay.example.com: a private Exim);
//   example.org  the receiver: smtpd(8) listeners of the same Postfix instance (each with its own
//                name, TLS settings and syslog name) that deliver with virtual(8) into maildirs,
//                and a border MX run by a second private Exim (mx-exim.example.org) in front of
//                mailstore.example.org.
// The daemons are started with the explain lab's helpers (explain-lab.ts, mta/foreground.ts):
// foreground, private mount namespaces, stopped by the pids we started.
//
// Public addresses on loopback. A header analyzer rightly takes a loopback (or private) client
// for a host of the receiver's own network, never a hop between organisations, so a lab where
// every line says [127.0.22.x] proves nothing about hops that cross the internet. Each server is
// therefore told its client's public address (a documentation address of the lab's own, PUBLIC)
// the way real deployments tell it, and writes that address in its Received line itself:
//   - the Postfix listeners sit behind a TCP relay in this process that speaks the HAProxy PROXY
//     protocol v1 to them (smtpd_upstream_proxy_protocol = haproxy), as a load balancer in front
//     of Postfix does;
//   - Exim 4.96 as Debian builds it (exim4-daemon-light) has no PROXY support: it runs in inetd
//     mode (`exim -bs`, one process per connection) started by this process, which as root (a
//     trusted caller) names the client's address with -oMa.
// Both pass every byte through untouched: STARTTLS and the TLS session stay end to end between
// the two MTAs. Every connection still goes from a loopback address to a loopback address.
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { EXIM_BINARY } from './mta/exim.js';
import { liveGroupMembers, privateEtc } from './mta/foreground.js';
import { runTool, startEximLab, startPostfixLab, writeTlsFiles, type EximLab, type PostfixLab } from './explain-lab.js';
import { createInteropPki, serverTls } from './harness.js';

/** Who does what: name → loopback address. */
export const HOST = {
  sender: ['mail.example.net', '127.0.22.1'],
  mx1: ['mx1.example.org', '127.0.22.2'],
  mx2: ['mx2.example.org', '127.0.22.3'],
  mx3: ['mx3.example.org', '127.0.22.4'],
  mailstore: ['mailstore.example.org', '127.0.22.5'],
  eximBorder: ['mx-exim.example.org', '127.0.22.30'],
  eximRelay: ['relay.example.com', '127.0.22.40'],
} as const satisfies Record<string, readonly [string, string]>;
export type HostKey = keyof typeof HOST;
export const hostName = (h: HostKey): string => HOST[h][0];
export const hostAddress = (h: HostKey): string => HOST[h][1];

/**
 * The public address each lab host shows behind the PROXY relay (documentation ranges): what the
 * Postfix listeners write for their clients, and what they are told they were reached on.
 */
export const PUBLIC: Record<HostKey, string> = {
  sender: '198.51.100.1',
  mx1: '192.0.2.2',
  mx2: '192.0.2.3',
  mx3: '192.0.2.4',
  mailstore: '192.0.2.5',
  eximBorder: '192.0.2.30',
  eximRelay: '203.0.113.40',
};

/** Where a host's daemon really listens: its address + 100 in the last octet (its own address is the PROXY relay's, or Exim's inetd). */
const backAddress = (h: HostKey): string => hostAddress(h).replace(/\.(\d+)$/, (_, n: string) => `.${Number(n) + 100}`);

/** The receiving organisation's domain. */
export const RECEIVING_DOMAIN = 'example.org';

/**
 * One message per case, to postmaster@<case>.example.org; the Postfix client's transport (by its
 * master.cf service: `tlsenc` at smtp_tls_security_level = encrypt, `cleartext` at none, `smtp` at
 * may) and first server decide the path.
 */
export const CASES = {
  /** Postfix → Postfix mx1 (smtpd_tls_received_header = yes) over STARTTLS. */
  'tls-header': { service: 'tlsenc', first: 'mx1' },
  /** Postfix → Postfix mx2 (smtpd_tls_received_header = no) over STARTTLS. */
  'tls-no-header': { service: 'tlsenc', first: 'mx2' },
  /** Postfix client at level none → Postfix mx2, which offers STARTTLS. */
  'clear-client': { service: 'cleartext', first: 'mx2' },
  /** Postfix client at level may → Postfix mx3, which offers no STARTTLS. */
  'clear-server': { service: 'smtp', first: 'mx3' },
  /** Postfix → Exim border MX over STARTTLS → Postfix mailstore over STARTTLS. */
  'exim-tls': { service: 'tlsenc', first: 'eximBorder' },
  /** Postfix at level none → Exim border MX in clear → Postfix mailstore over STARTTLS. */
  'exim-clear': { service: 'cleartext', first: 'eximBorder' },
  /** Postfix → Exim relay.example.com over STARTTLS → Postfix mx1 in clear (hosts_avoid_tls), though mx1 offers STARTTLS. */
  chain: { service: 'tlsenc', first: 'eximRelay' },
} as const satisfies Record<string, { service: 'tlsenc' | 'cleartext' | 'smtp'; first: HostKey }>;
export type CaseId = keyof typeof CASES;
export const CASE_IDS = Object.keys(CASES) as CaseId[];
export const recipient = (c: CaseId): string => `postmaster@${c}.${RECEIVING_DOMAIN}`;

/** The Postfix listeners that deliver (virtual(8), one maildir per case) and their TLS settings. */
const POSTFIX_SERVERS: Array<{ host: HostKey; options: string[] }> = [
  { host: 'mx1', options: ['smtpd_tls_security_level=may', 'smtpd_tls_received_header=yes'] },
  { host: 'mx2', options: ['smtpd_tls_security_level=may', 'smtpd_tls_received_header=no'] },
  { host: 'mx3', options: ['smtpd_tls_security_level=none'] },
  { host: 'mailstore', options: ['smtpd_tls_security_level=may', 'smtpd_tls_received_header=yes'] },
];

/** The uid and gid virtual(8) delivers as (nobody/nogroup: not the mail owner, not root). */
const MAILBOX_ID = 65534;
const DELIVERY_TIMEOUT_MS = 45_000;

export interface HeadersLab {
  /** Queues one message for the case with Postfix's sendmail. */
  send(c: CaseId): Promise<void>;
  /** The delivered message of the case (waits for the maildir file). */
  delivered(c: CaseId): Promise<string>;
  postfixLog(): string;
  eximBorderLog(): string;
  eximRelayLog(): string;
  /** Stops every daemon by its pid; safe to call more than once and after a failed start. */
  stop(): Promise<void>;
}

/** Starts the lab under `dir` (a folder of the test's own, mode 0755). */
export async function startHeadersLab(dir: string): Promise<HeadersLab> {
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => s.stop()));
  };
  try {
    const pki = await createInteropPki(Date.now());
    const tlsDir = join(dir, 'tls');
    const caFile = join(tlsDir, 'root.pem');
    await mkdir(tlsDir, { recursive: true, mode: 0o755 });
    await writeFile(caFile, pki.root.cert.certPem, { mode: 0o644 });
    const tls = async (h: HostKey) => writeTlsFiles(tlsDir, h, await serverTls(pki, 'good', hostName(h)));
    const hosts = Object.fromEntries(Object.values(HOST).map(([n, a]) => [n, a]));

    const pfDir = join(dir, 'postfix');
    const mailBase = join(pfDir, 'mail');
    const mailboxMap = join(pfDir, 'mailboxes');
    await mkdir(mailBase, { recursive: true });
    await chown(mailBase, MAILBOX_ID, MAILBOX_ID);
    await chmod(mailBase, 0o700);
    await writeFile(mailboxMap, CASE_IDS.map((c) => `@${c}.${RECEIVING_DOMAIN} ${c}/\n`).join(''), { mode: 0o644 });

    const listeners = [];
    for (const s of POSTFIX_SERVERS) {
      const files = await tls(s.host);
      listeners.push({
        address: backAddress(s.host),
        port: 25,
        hostname: hostName(s.host),
        // content_filter=virtual: (after the lab's discard:) delivers whatever this listener takes.
        options: [
          `syslog_name=postfix/${s.host}`,
          'content_filter=virtual:',
          'smtpd_upstream_proxy_protocol=haproxy',
          // An MX for its own domains (virtual_mailbox_domains), relaying for nobody else.
          'smtpd_relay_restrictions=permit_mynetworks,reject_unauth_destination',
          `smtpd_tls_chain_files=${files.chainFile}`,
          ...s.options,
        ],
      });
    }
    const postfix: PostfixLab = await startPostfixLab({
      workDir: pfDir,
      hostname: hostName('sender'),
      hosts,
      listeners,
      services: [
        'tlsenc unix - - n - - smtp\n  -o smtp_tls_security_level=encrypt',
        'cleartext unix - - n - - smtp\n  -o smtp_tls_security_level=none',
        'virtual unix - n n - - virtual',
      ],
      routes: CASE_IDS.map((c) => ({ domain: `${c}.${RECEIVING_DOMAIN}`, service: CASES[c].service, host: hostName(CASES[c].first), port: 25 })),
      mainCf: [
        `smtp_bind_address = ${hostAddress('sender')}`,
        `virtual_mailbox_domains = ${CASE_IDS.map((c) => `${c}.${RECEIVING_DOMAIN}`).join(' ')}`,
        `virtual_mailbox_base = ${mailBase}`,
        `virtual_mailbox_maps = texthash:${mailboxMap}`,
        `virtual_uid_maps = static:${MAILBOX_ID}`,
        `virtual_gid_maps = static:${MAILBOX_ID}`,
      ],
    });
    started.push(postfix.instance);
    const relays = await startProxyRelays(POSTFIX_SERVERS.map((s) => s.host));
    started.push(relays);

    const border = await tls('eximBorder');
    const eximBorder: EximLab = await startEximLab({
      workDir: join(dir, 'exim-border'),
      hostname: hostName('eximBorder'),
      hosts,
      // The daemon (the explain lab's way of running Exim) listens on the back address and gets no
      // mail: mail comes in through inetd mode, with this instance's config and files.
      listeners: [{ address: backAddress('eximBorder'), certFile: border.cert, keyFile: border.key }],
      transports: { t_tls: ['hosts_require_tls = *', `tls_verify_certificates = ${caFile}`, `interface = ${hostAddress('eximBorder')}`] },
      routes: (['exim-tls', 'exim-clear'] as const).map((c) => ({ domain: `${c}.${RECEIVING_DOMAIN}`, host: hostName('mailstore'), port: 25, transport: 't_tls' })),
    });
    started.push(eximBorder.instance);
    started.push(await startEximInetd(join(dir, 'exim-border'), 'eximBorder'));

    const relay = await tls('eximRelay');
    const eximRelay: EximLab = await startEximLab({
      workDir: join(dir, 'exim-relay'),
      hostname: hostName('eximRelay'),
      hosts,
      listeners: [{ address: backAddress('eximRelay'), certFile: relay.cert, keyFile: relay.key }],
      transports: { t_clear: ['hosts_avoid_tls = *', `interface = ${hostAddress('eximRelay')}`] },
      routes: [{ domain: `chain.${RECEIVING_DOMAIN}`, host: hostName('mx1'), port: 25, transport: 't_clear' }],
    });
    started.push(eximRelay.instance);
    started.push(await startEximInetd(join(dir, 'exim-relay'), 'eximRelay'));

    const etc = join(pfDir, 'etc');
    const env = { ...process.env, MAIL_CONFIG: etc };
    const from = `lab@${hostName('sender')}`;
    const all = (): string => `${postfix.log()}\n${eximBorder.log()}\n${eximRelay.log()}`;
    return {
      async send(c) {
        const to = recipient(c);
        const message = `From: ${from}\nTo: ${to}\nSubject: mxray headers lab: ${c}\n\nA test message of the headers lab (${c}).\n`;
        const r = await runTool('/usr/sbin/sendmail', ['-C', etc, '-f', from, to], { input: message, env });
        if (r.code !== 0) throw new Error(`headers lab: sendmail to ${to} failed (exit ${r.code}): ${r.out}`);
      },
      async delivered(c) {
        const folder = join(mailBase, c, 'new');
        const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
        for (;;) {
          const files = listFiles(folder);
          if (files.length === 1) return readFileSync(join(folder, files[0]!), 'utf8');
          if (files.length > 1) throw new Error(`headers lab: ${files.length} messages for ${c}, expected one`);
          if (Date.now() > deadline) throw new Error(`headers lab: nothing delivered for ${c} within ${DELIVERY_TIMEOUT_MS} ms; the logs:\n${all().slice(-8000)}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
      postfixLog: () => postfix.log(),
      eximBorderLog: () => eximBorder.log(),
      eximRelayLog: () => eximRelay.log(),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * One TCP relay per Postfix listener, on the host's own address, port 25: it connects to the
 * listener's back address, sends the PROXY v1 line (the client's and the server's PUBLIC address)
 * and then passes the bytes both ways untouched. A client the lab does not know (none should come)
 * is passed on under its real address.
 */
async function startProxyRelays(hosts: HostKey[]): Promise<{ stop(): Promise<void> }> {
  const publicOf = new Map<string, string>(Object.entries(HOST).map(([k, [, a]]) => [a, PUBLIC[k as HostKey]]));
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const stop = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };
  try {
    for (const h of hosts) {
      const server = createServer((client) => {
        track(client);
        const peer = client.remoteAddress ?? '127.0.0.1';
        const line = `PROXY TCP4 ${publicOf.get(peer) ?? peer} ${PUBLIC[h]} ${client.remotePort ?? 0} 25\r\n`;
        const upstream = netConnect({ host: backAddress(h), port: 25 });
        track(upstream);
        upstream.once('connect', () => {
          upstream.write(line);
          client.pipe(upstream);
          upstream.pipe(client);
        });
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(25, hostAddress(h), () => resolve());
      });
      servers.push(server);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}

/**
 * Exim in inetd mode (`exim -bs`, one process per connection, as inetd or a super-server runs it)
 * on the host's own address, port 25: for each connection this process starts Exim — in a private
 * mount namespace with the instance's /etc/passwd, /etc/group and /etc/hosts, the instance's
 * config — and passes the bytes between the connection and Exim's standard input and output
 * (pipes), with -oMa naming the client's PUBLIC address (Exim lets root, a trusted caller, say who
 * the client is; it writes that address in its Received line). -odi: Exim delivers before it
 * reads the next command. Every Exim started is stopped by its process group id.
 */
async function startEximInetd(workDir: string, h: HostKey): Promise<{ stop(): Promise<void> }> {
  const publicOf = new Map<string, string>(Object.entries(HOST).map(([k, [, a]]) => [a, PUBLIC[k as HostKey]]));
  const ns = await privateEtc(workDir, [{ user: 'Debian-exim', home: '/var/spool/exim4', gecos: 'Exim (mxray headers lab)' }]);
  const binds = [...ns.binds, [join(workDir, 'hosts'), '/etc/hosts']] as const;
  const children = new Set<ChildProcess>();
  const script = 'while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 111; shift 2; done; shift; exec "$@"';
  const server = createServer((client) => {
    client.on('error', () => client.destroy());
    const peer = client.remoteAddress ?? '127.0.0.1';
    const child = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', ...binds.flat(), '--', 'setpriv', '--pdeathsig', 'KILL', '--',
        EXIM_BINARY, '-C', join(workDir, 'exim.conf'), '-bs', '-odi', '-oMa', publicOf.get(peer) ?? peer, '-oMi', PUBLIC[h], '-oMt', ''],
      { cwd: workDir, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' }, detached: true, stdio: ['pipe', 'pipe', 'ignore'] },
    );
    children.add(child);
    child.once('error', () => client.destroy());
    child.once('exit', () => {
      children.delete(child);
      client.end();
    });
    child.stdin!.on('error', () => undefined);
    client.pipe(child.stdin!);
    child.stdout!.pipe(client);
    client.once('close', () => child.stdin!.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(25, hostAddress(h), () => resolve());
  });
  return {
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const child of children) {
        const pid = child.pid;
        if (pid === undefined) continue;
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          // gone
        }
      }
      const deadline = Date.now() + 5000;
      const alive = (): number[] => [...children].flatMap((c) => (c.pid === undefined ? [] : liveGroupMembers(c.pid)));
      while (alive().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      for (const pid of alive()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
  };
}

function listFiles(folder: string): string[] {
  try {
    return readdirSync(folder).filter((f) => !f.startsWith('.'));
  } catch {
    return [];
  }
}

// ── what the MTAs logged about a message they received (the oracle for the headers) ─────────────

export interface LoggedTls {
  version: string;
  cipher: string;
  bits: number | null;
}

/**
 * For each queue id a Postfix smtpd received a message under: the TLS session it logged for that
 * connection ("… TLS connection established from …: TLSv1.3 with cipher X (…)"), or null when the
 * session had none. `syslogName` is the listener's (postfix/mx1 …). Read by process id: a line
 * "connect from" starts a session, the TLS line and "<queue id>: client=" follow in the same process.
 */
export function postfixReceptions(log: string, syslogName: string): Map<string, LoggedTls | null> {
  const session = new Map<string, LoggedTls | null>();
  const out = new Map<string, LoggedTls | null>();
  const prefix = ` ${syslogName}/smtpd[`;
  for (const line of log.split('\n')) {
    const at = line.indexOf(prefix);
    if (at < 0) continue;
    const rest = line.slice(at + prefix.length);
    const close = rest.indexOf(']: ');
    if (close < 0) continue;
    const pid = rest.slice(0, close);
    const text = rest.slice(close + 3);
    if (text.startsWith('connect from ')) session.set(pid, null);
    const tls = /TLS connection established from \S+: (TLSv[\d.]+) with cipher (\S+) \((\d+)\/\d+ bits\)/.exec(text);
    if (tls) session.set(pid, { version: tls[1]!, cipher: tls[2]!, bits: Number(tls[3]) });
    const queued = /^([0-9A-Za-z]+): client=/.exec(text);
    if (queued) out.set(queued[1]!, session.get(pid) ?? null);
  }
  return out;
}

/** For each message id Exim's mainlog shows arriving ("<="): its P= protocol and X= TLS (null without). */
export function eximReceptions(mainlog: string): Map<string, { protocol: string; tls: LoggedTls | null }> {
  const out = new Map<string, { protocol: string; tls: LoggedTls | null }>();
  for (const line of mainlog.split('\n')) {
    const m = /^\S+ \S+ (\S+) <= /.exec(line);
    if (!m) continue;
    const protocol = / P=(\S+)/.exec(line)?.[1] ?? '';
    const x = / X=([^:\s]+):([^:\s]+):(\d+)/.exec(line);
    out.set(m[1]!, { protocol, tls: x ? { version: x[1]!, cipher: x[2]!, bits: Number(x[3]) } : null });
  }
  return out;
}
