// The lab of test/interop/logs-pcap.interop.test.ts: real Postfix and Exim sessions, each captured
// with Debian's tcpdump on loopback while the MTAs write their own logs, so that `mxray pcap` and
// `mxray logs` can be compared with tshark (tshark-oracle.ts) and with what the MTAs said.
//
//   receivers      one private Postfix (explain-lab.ts: foreground, private mount namespace, its
//                  /etc/hosts naming the lab's hosts) with one smtpd listener per behaviour: a good
//                  certificate at smtpd_tls_loglevel 1 and at 0, TLS 1.0/1.1 only (a modern sender's
//                  handshake fails; at 1 and at 0), no STARTTLS, a key that does not match its
//                  certificate (STARTTLS answered 454); two private Exims (mta/exim.ts), one with a
//                  good certificate, one with a mismatched key (454). All on port 25 of 127.0.24.x.
//   senders        the same Postfix, one master.cf smtp(8) service per case (its own syslog name,
//                  source address, TLS settings, smtp_tls_loglevel), fed by Postfix's sendmail; a
//                  private Exim (explain-lab.ts) with one smtp transport per case (its own source
//                  address, GnuTLS priority, SNI), fed over SMTP on an address not captured; and a
//                  raw client in this process that sends STARTTLS, gets 220 and goes on in clear.
//
// Cases run one after the other. For each: tcpdump starts with a filter on the case's own source
// and receiver addresses (so the submission to Exim and other cases are never in it), the lab
// waits for its "listening on" line, the mail goes, the lab waits for the log lines that end the
// case (the sender's status / Completed, the receiver's disconnect for every connection expected),
// then tcpdump gets SIGINT and is waited for. The log files are cut at the offsets they had before
// and after the case: the lines each MTA wrote during that case, as it wrote them.
import { spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { runTool, startEximLab, startPostfixLab, submit, waitForLine, writeTlsFiles, type EximLab, type PostfixLab } from './explain-lab.js';
import { createInteropPki, serverTls } from './harness.js';
import { startExim } from './mta/exim.js';
import type { MtaInstance, TlsMaterial } from './mta/types.js';

export const TCPDUMP = '/usr/bin/tcpdump';
const D = 'logs.test';
/** The Postfix instance's own name: its smtp client's EHLO. */
export const POSTFIX_HOSTNAME = `mail-out.postfix.${D}`;
export const EXIM_HOSTNAME = `mail-out.exim.${D}`;
/** Exim takes the messages to send here (never captured: no case's filter names this address). */
const EXIM_SUBMIT = '127.0.24.50';

/**
 * The receivers: name, address, port — 25 but for one on a port no SMTP tool watches by itself
 * (mxray pcap is told with --port, tshark with -d tcp.port==N,smtp).
 */
export const RECEIVERS = {
  good: { name: `mx.good.${D}`, address: '127.0.24.2', port: 25, mta: 'postfix' },
  quiet: { name: `mx.quiet.${D}`, address: '127.0.24.3', port: 25, mta: 'postfix' },
  old: { name: `mx.old.${D}`, address: '127.0.24.4', port: 25, mta: 'postfix' },
  oldQuiet: { name: `mx.old-quiet.${D}`, address: '127.0.24.9', port: 25, mta: 'postfix' },
  plain: { name: `mx.plain.${D}`, address: '127.0.24.5', port: 25, mta: 'postfix' },
  brokenKey: { name: `mx.broken-key.${D}`, address: '127.0.24.6', port: 25, mta: 'postfix' },
  otherPort: { name: `mx.other-port.${D}`, address: '127.0.24.10', port: 10025, mta: 'postfix' },
  exim: { name: `mx.exim.${D}`, address: '127.0.24.7', port: 25, mta: 'exim' },
  eximBrokenKey: { name: `mx.exim-broken-key.${D}`, address: '127.0.24.8', port: 25, mta: 'exim' },
} as const;
export type ReceiverId = keyof typeof RECEIVERS;

/** What the test may expect of a case. */
export type Outcome = 'tls' | 'failed-then-clear' | 'not-offered' | 'refused' | 'clear-after-starttls';

export interface CaseSpec {
  title: string;
  sender: 'postfix' | 'exim' | 'raw';
  receiver: ReceiverId;
  outcome: Outcome;
  /** The protocol the handshake must end in (tls cases). */
  protocol?: 'TLSv1.3' | 'TLSv1.2';
  /** Postfix smtp_tls_loglevel of the sending service (and the receiver's smtpd_tls_loglevel for Postfix receivers). */
  logLevel?: 0 | 1;
  /** The SNI the sender sends (null: none). */
  sni: string | null;
  /**
   * TCP connections the case makes. Exim: the failed handshake and its retry in clear (2). Postfix:
   * the first attempt's failed handshake (deferred), then at the retry a failed handshake again and
   * the connection in clear (3).
   */
  connections: number;
  /** More `-o name=value` of the Postfix service, or option lines of the Exim transport. */
  options?: readonly string[];
}

/** GnuTLS priority strings: TLS 1.2 only, and "at least 1.2" (the default might still offer 1.0/1.1). */
const GNUTLS_TLS12 = 'NORMAL:-VERS-ALL:+VERS-TLS1.2';
const GNUTLS_MODERN = 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2';

export const CASES = {
  'pf-tls13': { title: 'Postfix → Postfix, TLS 1.3, SNI, log level 1', sender: 'postfix', receiver: 'good', outcome: 'tls', protocol: 'TLSv1.3', logLevel: 1, sni: RECEIVERS.good.name, connections: 1, options: ['smtp_tls_servername=hostname'] },
  'pf-tls12': { title: 'Postfix → Postfix, TLS 1.2 forced by the sender, log level 1', sender: 'postfix', receiver: 'good', outcome: 'tls', protocol: 'TLSv1.2', logLevel: 1, sni: RECEIVERS.good.name, connections: 1, options: ['smtp_tls_servername=hostname', 'smtp_tls_protocols=<=TLSv1.2'] },
  'pf-tls13-quiet': { title: 'Postfix → Postfix, TLS 1.3, log level 0 on both sides', sender: 'postfix', receiver: 'quiet', outcome: 'tls', protocol: 'TLSv1.3', logLevel: 0, sni: null, connections: 1 },
  // Postfix at `may` would take TLS 1.1 from it; a sender that wants at least TLS 1.2 (as many do now) fails the handshake.
  'pf-fail-retry': { title: 'Postfix (may, TLS ≥ 1.2) → a TLS 1.0/1.1-only Postfix: the handshake fails, the mail goes in clear on a new connection, log level 1', sender: 'postfix', receiver: 'old', outcome: 'failed-then-clear', logLevel: 1, sni: null, connections: 3, options: ['smtp_tls_protocols=>=TLSv1.2'] },
  'pf-fail-retry-quiet': { title: 'the same at log level 0 on both sides', sender: 'postfix', receiver: 'oldQuiet', outcome: 'failed-then-clear', logLevel: 0, sni: null, connections: 3, options: ['smtp_tls_protocols=>=TLSv1.2'] },
  'pf-plain': { title: 'Postfix → a Postfix without STARTTLS', sender: 'postfix', receiver: 'plain', outcome: 'not-offered', logLevel: 1, sni: null, connections: 1 },
  'pf-refused': { title: 'Postfix → an Exim whose key does not load: STARTTLS answered 454, the mail goes on in clear', sender: 'postfix', receiver: 'eximBrokenKey', outcome: 'refused', logLevel: 1, sni: null, connections: 1 },
  // Without aNULL the TLS 1.2 handshake carries the server's certificate in clear.
  'pf-tls12-cert-port': { title: 'Postfix → Postfix on port 10025, TLS 1.2 with a certificate (anonymous suites left out), SNI', sender: 'postfix', receiver: 'otherPort', outcome: 'tls', protocol: 'TLSv1.2', logLevel: 1, sni: RECEIVERS.otherPort.name, connections: 1, options: ['smtp_tls_servername=hostname', 'smtp_tls_protocols=<=TLSv1.2', 'smtp_tls_exclude_ciphers=aNULL'] },
  'pf-to-exim': { title: 'Postfix → Exim, TLS 1.3', sender: 'postfix', receiver: 'exim', outcome: 'tls', protocol: 'TLSv1.3', logLevel: 1, sni: RECEIVERS.exim.name, connections: 1, options: ['smtp_tls_servername=hostname'] },
  'ex-tls13': { title: 'Exim → Postfix, TLS 1.3, SNI', sender: 'exim', receiver: 'good', outcome: 'tls', protocol: 'TLSv1.3', sni: RECEIVERS.good.name, connections: 1, options: ['tls_sni = $host'] },
  'ex-tls12': { title: 'Exim → Postfix, TLS 1.2 forced by the sender', sender: 'exim', receiver: 'good', outcome: 'tls', protocol: 'TLSv1.2', sni: RECEIVERS.good.name, connections: 1, options: ['tls_sni = $host', `tls_require_ciphers = ${GNUTLS_TLS12}`] },
  'ex-fail-retry': { title: 'Exim (default tls_tempfail_tryclear) → a TLS 1.0/1.1-only Postfix: the handshake fails, the mail goes in clear on a new connection', sender: 'exim', receiver: 'old', outcome: 'failed-then-clear', sni: null, connections: 2, options: [`tls_require_ciphers = ${GNUTLS_MODERN}`] },
  'ex-plain': { title: 'Exim → a Postfix without STARTTLS', sender: 'exim', receiver: 'plain', outcome: 'not-offered', sni: null, connections: 1 },
  'ex-refused': { title: 'Exim → a Postfix whose key does not load: STARTTLS answered 454, the mail goes on in clear', sender: 'exim', receiver: 'brokenKey', outcome: 'refused', sni: null, connections: 1 },
  'raw-clear-after-starttls': { title: 'a client that sends STARTTLS, gets 220 and sends MAIL FROM and RCPT TO in clear (to Postfix)', sender: 'raw', receiver: 'good', outcome: 'clear-after-starttls', logLevel: 1, sni: null, connections: 1 },
} as const satisfies Record<string, CaseSpec>;
export type CaseId = keyof typeof CASES;
export const CASE_IDS = Object.keys(CASES) as CaseId[];

/** The source address of a case's sender: each case's connections are its own. */
export function sourceOf(c: CaseId): string {
  return `127.0.24.${100 + CASE_IDS.indexOf(c)}`;
}

/** The envelope a case sends. */
export function envelopeOf(c: CaseId): { from: string; to: string } {
  const sender = (CASES[c] as CaseSpec).sender;
  const host = sender === 'exim' ? EXIM_HOSTNAME : sender === 'postfix' ? POSTFIX_HOSTNAME : `raw-client.${D}`;
  return { from: `${c}@${host}`, to: `rcpt-${c}@${c}.${D}` };
}

export interface CaseRun {
  id: CaseId;
  spec: CaseSpec;
  /** The client's address (its ports are the kernel's), the server's address and port. */
  client: string;
  server: { ip: string; port: number; name: string };
  envelope: { from: string; to: string };
  /** The capture of the case (pcap, Ethernet link type on Linux's lo). */
  pcap: string;
  /** The case's lines of each MTA log (files), by role: the Postfix instance, the sending Exim, the receiving Exim. */
  logs: Partial<Record<'postfix' | 'exim' | 'exim-receiver', string>>;
  /** tcpdump's own count at its end. */
  capture: TcpdumpStats;
}

// ── tcpdump ────────────────────────────────────────────────────────────────────────────────────

export interface TcpdumpStats {
  captured: number;
  dropped: number;
  stderr: string;
}

export interface RunningCapture {
  pid: number;
  /** SIGINT, then waits for tcpdump to exit (it writes and closes the file on the way out). */
  stop(): Promise<TcpdumpStats>;
}

const CAPTURE_START_MS = 10_000;
const CAPTURE_STOP_MS = 10_000;

/**
 * tcpdump -i lo -U -w FILE FILTER, resolved once tcpdump printed "listening on" (the filter is in
 * the kernel: nothing sent after this point is missed). --immediate-mode: packets are handed to
 * tcpdump as they come, not in blocks (a block still in the kernel when SIGINT arrives would be
 * lost); -U: every packet is written as it comes; -s 65535 -B 32768: the kernel's ring holds
 * frames of snaplen bytes each, and with the default (262144 bytes, 2 MB) it held eight, which a
 * busy machine overflowed within one SMTP session; 64 kB covers any IPv4 packet, GSO's included;
 * -Z root: the file stays writable where the test made it (tcpdump drops to its own user otherwise).
 */
export function startTcpdump(file: string, filter: string): Promise<RunningCapture> {
  return new Promise((resolve, reject) => {
    const child = spawn(TCPDUMP, ['-i', 'lo', '-n', '--immediate-mode', '-U', '-Z', 'root', '-s', '65535', '-B', '32768', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let listening = false;
    let exited = false;
    const exit = new Promise<void>((done) => child.once('exit', () => ((exited = true), done())));
    const timer = setTimeout(() => {
      if (listening) return;
      child.kill('SIGKILL');
      reject(new Error(`tcpdump did not say "listening on" within ${CAPTURE_START_MS} ms: ${stderr}`));
    }, CAPTURE_START_MS);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 16_384) stderr += chunk;
      if (!listening && stderr.includes('listening on')) {
        listening = true;
        clearTimeout(timer);
        const pid = child.pid ?? -1;
        resolve({
          pid,
          async stop() {
            if (!exited) child.kill('SIGINT');
            const late = setTimeout(() => child.kill('SIGKILL'), CAPTURE_STOP_MS);
            await exit;
            clearTimeout(late);
            const captured = Number(/(\d+) packets? captured/.exec(stderr)?.[1] ?? NaN);
            const dropped = Number(/(\d+) packets? dropped by kernel/.exec(stderr)?.[1] ?? NaN);
            return { captured, dropped, stderr };
          },
        });
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump could not start: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      if (!listening) {
        clearTimeout(timer);
        reject(new Error(`tcpdump exited (code ${code}, signal ${signal}) before listening: ${stderr}`));
      }
    });
  });
}

// ── the raw client ─────────────────────────────────────────────────────────────────────────────

/** Reads one SMTP reply (multi-line aware) from a line buffer fed by the socket. */
function replies(socket: Socket): () => Promise<string> {
  let buffer = '';
  let closed = false;
  let wake: (() => void) | null = null;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    buffer = (buffer + chunk).slice(-65_536);
    wake?.();
  });
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  socket.on('error', () => undefined);
  return async () => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const m = /^\d{3} [^\r\n]*\r\n/m.exec(buffer);
      if (m) {
        const text = buffer.slice(0, m.index + m[0].length);
        buffer = buffer.slice(m.index + m[0].length);
        return text;
      }
      if (closed || Date.now() > deadline) return '';
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  };
}

/**
 * EHLO, STARTTLS, 220 — and then MAIL FROM and RCPT TO in clear text, in one write, as a broken
 * client would. The server reads them as a TLS record, fails its handshake and closes; the
 * envelope is on the wire in clear either way. Returns the replies seen.
 */
export async function clearAfterStarttls(source: string, address: string, port: number, from: string, to: string): Promise<string[]> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = netConnect({ host: address, port, localAddress: source });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
  const seen: string[] = [];
  const reply = replies(socket);
  try {
    seen.push(await reply());
    socket.write(`EHLO raw-client.${D}\r\n`);
    seen.push(await reply());
    socket.write('STARTTLS\r\n');
    const started = await reply();
    seen.push(started);
    if (!started.startsWith('220')) throw new Error(`raw client: STARTTLS answered ${started.trim() || '(nothing)'}`);
    socket.write(`MAIL FROM:<${from}>\r\nRCPT TO:<${to}>\r\n`);
    // Whatever comes back (an alert, nothing); the server closes.
    seen.push(await reply());
  } finally {
    socket.end();
    if (!socket.destroyed) {
      await new Promise<void>((r) => {
        const t = setTimeout(() => (socket.destroy(), r()), 3000);
        socket.once('close', () => (clearTimeout(t), r()));
      });
    }
  }
  return seen;
}

// ── the lab ────────────────────────────────────────────────────────────────────────────────────

/** The length of a file now (0 if it is not there). */
function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readFrom(file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

/** A key that is not the certificate's: the server cannot start TLS and answers STARTTLS with 454. */
function mismatchedKey(tls: TlsMaterial): TlsMaterial {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Sanity: it loads (the failure must be the mismatch, not a broken file).
  createPrivateKey(keyPem);
  return { ...tls, keyPem };
}

/** Postfix's minimal_backoff_time: how long a message waits before it may go in clear after a failed handshake. */
const MIN_BACKOFF_S = 1;

const LEVEL0 = ['tls_low_cipherlist=ALL:!aNULL:!eNULL:@SECLEVEL=0', 'smtpd_tls_ciphers=low', 'smtpd_tls_mandatory_ciphers=low'];

export interface LogsLab {
  dir: string;
  run(id: CaseId): Promise<CaseRun>;
  /** The whole logs of the run so far (for failure messages). */
  logs(): string;
  /** Copies every case's capture and log slices, and the whole logs, to `dest` (MXRAY_LOGS_LAB_KEEP). */
  keep(dest: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startLogsLab(dir: string): Promise<LogsLab> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    const errors: string[] = [];
    for (const s of stops.splice(0).reverse()) {
      try {
        await s();
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (errors.length > 0) throw new Error(`logs lab: stopping failed: ${errors.join('; ')}`);
  };
  try {
    const pki = await createInteropPki(Date.now());
    const tlsDir = join(dir, 'tls');
    const goodTls = (host: string): Promise<TlsMaterial> => serverTls(pki, 'good', host);
    const files = {
      good: await writeTlsFiles(tlsDir, 'good', await goodTls(RECEIVERS.good.name)),
      quiet: await writeTlsFiles(tlsDir, 'quiet', await goodTls(RECEIVERS.quiet.name)),
      old: await writeTlsFiles(tlsDir, 'old', await goodTls(RECEIVERS.old.name)),
      oldQuiet: await writeTlsFiles(tlsDir, 'old-quiet', await goodTls(RECEIVERS.oldQuiet.name)),
      brokenKey: await writeTlsFiles(tlsDir, 'broken-key', mismatchedKey(await goodTls(RECEIVERS.brokenKey.name))),
      otherPort: await writeTlsFiles(tlsDir, 'other-port', await goodTls(RECEIVERS.otherPort.name)),
      eximOut: await writeTlsFiles(tlsDir, 'exim-out', await goodTls(EXIM_HOSTNAME)),
    };
    const hosts: Record<string, string> = { [POSTFIX_HOSTNAME]: '127.0.24.1', [EXIM_HOSTNAME]: EXIM_SUBMIT };
    for (const r of Object.values(RECEIVERS)) hosts[r.name] = r.address;

    // The receiving Exims first (the Postfix and Exim senders need them only when a case runs).
    const eximReceivers: Partial<Record<ReceiverId, MtaInstance>> = {};
    const eximLogOf = (id: ReceiverId): string => join(dir, `exim-${id}`, 'log', 'mainlog');
    for (const id of ['exim', 'eximBrokenKey'] as const) {
      const workDir = join(dir, `exim-${id}`);
      await mkdir(workDir, { recursive: true, mode: 0o755 });
      const tls = await goodTls(RECEIVERS[id].name);
      eximReceivers[id] = await startExim({
        address: RECEIVERS[id].address,
        port: RECEIVERS[id].port,
        hostname: RECEIVERS[id].name,
        workDir,
        tls: id === 'eximBrokenKey' ? mismatchedKey(tls) : tls,
        exim: { acceptMessages: true },
      });
      const instance = eximReceivers[id];
      stops.push(() => instance.stop());
    }

    const postfixCases = CASE_IDS.filter((c) => CASES[c].sender === 'postfix');
    const eximCases = CASE_IDS.filter((c) => CASES[c].sender === 'exim');
    for (const c of eximCases) if (RECEIVERS[CASES[c].receiver].port !== 25) throw new Error(`logs lab: ${c}: the Exim lab delivers to port 25 only`);
    const service = (c: CaseId): string => `c_${c.replace(/-/g, '_')}`;
    const listen = (id: ReceiverId, chainFile: string | null, extra: string[] = []) => ({
      address: RECEIVERS[id].address,
      port: RECEIVERS[id].port,
      hostname: RECEIVERS[id].name,
      options: [
        `syslog_name=postfix/rx-${id}`,
        ...(chainFile === null ? ['smtpd_tls_security_level=none'] : ['smtpd_tls_security_level=may', `smtpd_tls_chain_files=${chainFile}`]),
        ...extra,
      ],
    });
    const postfix: PostfixLab = await startPostfixLab({
      workDir: join(dir, 'postfix'),
      hostname: POSTFIX_HOSTNAME,
      hosts,
      listeners: [
        listen('good', files.good.chainFile, ['smtpd_tls_loglevel=1']),
        listen('quiet', files.quiet.chainFile, ['smtpd_tls_loglevel=0']),
        // TLS 1.0 and 1.1 only: OpenSSL 3 allows them only at security level 0.
        listen('old', files.old.chainFile, ['smtpd_tls_loglevel=1', 'smtpd_tls_protocols=<=TLSv1.1', ...LEVEL0]),
        listen('oldQuiet', files.oldQuiet.chainFile, ['smtpd_tls_loglevel=0', 'smtpd_tls_protocols=<=TLSv1.1', ...LEVEL0]),
        listen('plain', null),
        listen('brokenKey', files.brokenKey.chainFile, ['smtpd_tls_loglevel=1']),
        listen('otherPort', files.otherPort.chainFile, ['smtpd_tls_loglevel=1']),
      ],
      routes: postfixCases.map((c) => ({ domain: `${c}.${D}`, service: service(c), host: RECEIVERS[CASES[c].receiver].name, port: RECEIVERS[CASES[c].receiver].port })),
      services: postfixCases.map((c) => {
        const k: CaseSpec = CASES[c];
        const options = [
          `syslog_name=postfix/${c}`,
          `smtp_bind_address=${sourceOf(c)}`,
          'smtp_tls_security_level=may',
          `smtp_tls_loglevel=${k.logLevel ?? 1}`,
          ...(k.options ?? []),
        ];
        return [`${service(c)} unix - - n - - smtp`, ...options.map((o) => `  -o ${o}`)].join('\n');
      }).concat(
        // postqueue -i asks the flush service to retry a deferred message now.
        'flush     unix  n       -       n       1000?   0       flush',
      ),
      mainCf: [
        // One connection per message, no TLS session resumed: every case's handshake is complete and its own.
        'smtp_connection_cache_on_demand = no',
        'smtp_tls_session_cache_database =',
        'smtpd_tls_session_cache_database =',
        // A deferred message waits for the test's postqueue -i (no queue run retries it behind its
        // back into the next case); it may fall back to plain text MIN_BACKOFF_S after its arrival.
        `minimal_backoff_time = ${MIN_BACKOFF_S}s`,
        `maximal_backoff_time = ${MIN_BACKOFF_S}s`,
        'queue_run_delay = 1h',
      ],
    });
    stops.push(() => postfix.instance.stop());
    const postfixLog = join(dir, 'postfix', 'maillog');
    const etc = join(dir, 'postfix', 'etc');
    // Postfix's own sendmail, with the case's envelope sender (PostfixLab.send has one sender for all).
    const sendmail = async (from: string, to: string): Promise<void> => {
      const message = `From: ${from}\nTo: ${to}\nSubject: mxray logs lab\n\nA message of the logs/pcap lab; it is discarded.\n`;
      const r = await runTool('/usr/sbin/sendmail', ['-C', etc, '-f', from, to], { input: message, env: { ...process.env, MAIL_CONFIG: etc } });
      if (r.code !== 0) throw new Error(`logs lab: sendmail to ${to} failed (exit ${r.code}): ${r.out}`);
    };

    const exim: EximLab = await startEximLab({
      workDir: join(dir, 'exim-out'),
      hostname: EXIM_HOSTNAME,
      hosts,
      listeners: [{ address: EXIM_SUBMIT, certFile: files.eximOut.cert, keyFile: files.eximOut.key }],
      // explain-lab's Exim transports deliver to port 25: the Exim cases' receivers listen there.
      routes: eximCases.map((c) => ({ domain: `${c}.${D}`, host: RECEIVERS[CASES[c].receiver].name, port: 25, transport: `t_${c.replace(/-/g, '_')}` })),
      transports: Object.fromEntries(eximCases.map((c) => [`t_${c.replace(/-/g, '_')}`, [`interface = ${sourceOf(c)}`, ...((CASES[c] as CaseSpec).options ?? [])]])),
    });
    stops.push(() => exim.instance.stop());
    const eximLog = join(dir, 'exim-out', 'log', 'mainlog');

    const logFiles = { postfix: postfixLog, exim: eximLog, exim_rx: eximLogOf('exim'), exim_rx_broken: eximLogOf('eximBrokenKey') };
    const allLogs = (): string =>
      Object.entries(logFiles)
        .map(([k, f]) => `[${k}]\n${readFrom(f, 0).slice(-8000)}`)
        .join('\n');
    const runs: CaseRun[] = [];

    const count = (text: string, pattern: RegExp): number => text.split('\n').filter((l) => pattern.test(l)).length;
    const waitCount = async (read: () => string, pattern: RegExp, n: number, what: string): Promise<void> => {
      const deadline = Date.now() + 45_000;
      while (count(read(), pattern) < n) {
        if (Date.now() > deadline) throw new Error(`logs lab: ${what}: fewer than ${n} lines matching ${pattern} within 45 s; the logs:\n${allLogs()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

    async function run(id: CaseId): Promise<CaseRun> {
      const spec: CaseSpec = CASES[id];
      const receiver = RECEIVERS[spec.receiver];
      const source = sourceOf(id);
      const envelope = envelopeOf(id);
      const caseDir = join(dir, 'cases', id);
      await mkdir(caseDir, { recursive: true, mode: 0o755 });
      const pcap = join(caseDir, `${id}.pcap`);
      const rxLog = receiver.mta === 'exim' ? eximLogOf(spec.receiver) : postfixLog;
      const offsets = { postfix: sizeOf(postfixLog), exim: sizeOf(eximLog), rx: sizeOf(rxLog) };
      const since = (file: string, offset: number) => () => readFrom(file, offset);

      const capture = await startTcpdump(pcap, `tcp and host ${source} and host ${receiver.address} and port ${receiver.port}`);
      let stats: TcpdumpStats;
      try {
        if (spec.sender === 'postfix') await sendmail(envelope.from, envelope.to);
        else if (spec.sender === 'exim') await submit(EXIM_SUBMIT, 25, envelope.from, envelope.to);
        else await clearAfterStarttls(source, receiver.address, receiver.port, envelope.from, envelope.to);

        // The sender's last word on the message.
        if (spec.sender === 'postfix') {
          const status = await waitForLine(since(postfixLog, offsets.postfix), new RegExp(`to=<${escape(envelope.to)}>,.* status=`), 45_000);
          const qid = / postfix\/[^[]+\[\d+\]: ([0-9A-F]+): /.exec(status)?.[1] ?? '';
          if (spec.outcome === 'failed-then-clear') {
            // Postfix falls back to plain text after a failed handshake only for a message that has
            // waited at least minimal_backoff_time (its first attempt is deferred: "Cannot start
            // TLS: handshake failure"), so that one bad handshake does not send a fresh message
            // in clear at once. The retry comes with the next queue run: here, the test's own.
            if (!/ status=deferred \(Cannot start TLS/.test(status)) throw new Error(`logs lab: ${id}: expected a deferral after the failed handshake, got: ${status}`);
            await new Promise((r) => setTimeout(r, MIN_BACKOFF_S * 1000 + 200));
            const flush = await runTool('/usr/sbin/postqueue', ['-c', etc, '-i', qid], { env: { ...process.env, MAIL_CONFIG: etc } });
            if (flush.code !== 0) throw new Error(`logs lab: postqueue -i ${qid} failed (exit ${flush.code}): ${flush.out}`);
            await waitCount(since(postfixLog, offsets.postfix), new RegExp(`to=<${escape(envelope.to)}>,.* status=sent `), 1, `${id}: the retry in clear`);
          }
          await waitForLine(since(postfixLog, offsets.postfix), new RegExp(`: ${qid}: removed`), 45_000);
        } else if (spec.sender === 'exim') {
          await waitCount(since(eximLog, offsets.exim), / Completed$/, 1, `${id}: Exim's delivery`);
        }
        // The receiver's end of every connection of the case.
        if (receiver.mta === 'postfix') {
          await waitCount(since(postfixLog, offsets.postfix), new RegExp(`postfix/rx-${spec.receiver}/smtpd\\[\\d+\\]: disconnect from \\S+\\[${escape(source)}\\]`), spec.connections, `${id}: the receiver's disconnects`);
        } else {
          await waitCount(since(rxLog, offsets.rx), new RegExp(`(?:closed by QUIT|connection lost|lost while reading).*\\[${escape(source)}\\]|\\[${escape(source)}\\].*(?:closed by QUIT|lost)`), spec.connections, `${id}: the receiving Exim's end of the connection`);
        }
      } finally {
        // The last packets (FIN/ACK) reach tcpdump's ring a moment after the logs speak of them.
        await new Promise((r) => setTimeout(r, 300));
        stats = await capture.stop();
      }

      const logs: CaseRun['logs'] = {};
      const slice = async (role: keyof CaseRun['logs'], file: string, offset: number): Promise<void> => {
        const text = readFrom(file, offset);
        if (text.trim() === '') return;
        const out = join(caseDir, `${id}.${role}.log`);
        await writeFile(out, text, { mode: 0o644 });
        logs[role] = out;
      };
      if (spec.sender === 'postfix' || receiver.mta === 'postfix') await slice('postfix', postfixLog, offsets.postfix);
      if (spec.sender === 'exim') await slice('exim', eximLog, offsets.exim);
      if (receiver.mta === 'exim') await slice('exim-receiver', rxLog, offsets.rx);
      const result: CaseRun = { id, spec, client: source, server: { ip: receiver.address, port: receiver.port, name: receiver.name }, envelope, pcap, logs, capture: stats };
      runs.push(result);
      return result;
    }

    return {
      dir,
      run,
      logs: allLogs,
      async keep(dest) {
        await mkdir(dest, { recursive: true });
        for (const r of runs) {
          await copyFile(r.pcap, join(dest, `${r.id}.pcap`));
          for (const [role, file] of Object.entries(r.logs)) await copyFile(file, join(dest, `${r.id}.${role}.log`));
        }
        for (const [name, file] of Object.entries(logFiles)) {
          if (sizeOf(file) > 0) await copyFile(file, join(dest, `whole.${name}.log`));
        }
        await writeFile(
          join(dest, 'README.txt'),
          `Produced by test/interop/logs-lab.ts (one run of test/interop/logs-pcap.interop.test.ts).\n\n${runs.map((r) => `${r.id}: ${r.spec.title}\n  client ${r.client} → ${r.server.name} ${r.server.ip}:${r.server.port}; MAIL FROM:<${r.envelope.from}> RCPT TO:<${r.envelope.to}>`).join('\n')}\n`,
        );
      },
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
