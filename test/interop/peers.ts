// The established tools, run against the same server as mxray, and what each of them concluded,
// parsed into one shape: `openssl s_client`, `swaks` and Postfix's `posttls-finger`.
// Every tool runs as a child process with a time-out (execFile): the event loop never blocks,
// and servers living in this process (the DNS server) keep answering meanwhile.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What one peer concluded about one server. `null`: the peer did not say (or could not know). */
export interface PeerConclusion {
  /** Whether the EHLO reply listed STARTTLS (null for implicit TLS). */
  starttlsOffered: boolean | null;
  /** Whether a TLS handshake completed (null: the peer did not try, e.g. STARTTLS not offered). */
  handshakeOk: boolean | null;
  /** "TLSv1.3" … as OpenSSL names it. */
  protocol: string | null;
  /** The cipher suite, OpenSSL's name (the IANA name for TLS 1.3). */
  cipher: string | null;
  /**
   * Whether the certificate chain verified against the test root and the clock, the name
   * aside (null: no certificate seen, or the peer does not verify).
   */
  verified: boolean | null;
  /** The peer's own words for why the chain did not verify (null when it did, or it does not say). */
  verifyReason: string | null;
  /** Whether the certificate names the MX host (null: the peer does not check names). */
  nameMatches: boolean | null;
  /** Beyond the common shape, where the peer says it: the key-exchange group (X25519 …). */
  group?: string | null;
  /** The TLS library's words for a failed handshake. */
  handshakeError?: string | null;
  /** The EHLO extensions (the reply's lines after the first), before TLS and inside TLS. */
  ehlo?: string[] | null;
  ehloInTls?: string[] | null;
  /** The command lines and everything they printed. */
  raw: string;
}

export interface OpensslConclusion extends PeerConclusion {
  /** The handshake with `-verify_return_error` (aborts on any verify error, the name included). */
  strictHandshakeOk: boolean | null;
}

export interface PeerTarget {
  /** The instance's loopback address and port. */
  address: string;
  port: number;
  /** The MX host name: SNI and the name to verify. */
  name: string;
  /** The mail domain (RCPT TO:<postmaster@domain>). */
  domain: string;
  /** PEM file with the test root. */
  caFile: string;
  /** Implicit TLS (port 465) instead of STARTTLS. */
  implicitTls: boolean;
  /** A Postfix configuration directory of the test's own (posttls-finger refuses to run without one). */
  postfixConfigDir: string;
}

export interface PeerResults {
  openssl: OpensslConclusion;
  swaks: PeerConclusion;
  posttlsFinger: PeerConclusion;
}

export const PEER_NAMES = ['openssl', 'swaks', 'posttlsFinger'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

const PEER_TIMEOUT_MS = 45_000;
const RAW_LIMIT = 40_000;

interface Ran {
  command: string;
  code: number | null;
  timedOut: boolean;
  out: string;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./[\]-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs a tool with stdin closed at once; never rejects. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = PEER_TIMEOUT_MS): Promise<Ran> {
  const command = [file, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    const child = execFile(file, args, { env, timeout, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      const timedOut = err !== null && (err as NodeJS.ErrnoException & { killed?: boolean }).killed === true;
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      const extra = err !== null && typeof err.code !== 'number' && !timedOut ? `\n[${err.message}]` : '';
      resolve({ command, code, timedOut, out: `${stdout}${stderr}${extra}${timedOut ? `\n[timed out after ${timeout} ms]` : ''}` });
    });
    child.stdin?.end();
  });
}

function rawOf(...runs: Ran[]): string {
  const text = runs.map((r) => `$ ${r.command}\n${r.out.trimEnd()}\n[exit ${r.code ?? 'signal'}]`).join('\n\n');
  return text.length > RAW_LIMIT ? `${text.slice(0, RAW_LIMIT)}\n[… cut]` : text;
}

// ── openssl s_client ──────────────────────────────────────────────────────────────────────────

export interface OpensslOptions {
  /** Extra arguments (e.g. `-cipher ALL:@SECLEVEL=0` for a legacy attempt). */
  extraArgs?: string[];
}

function opensslArgs(t: PeerTarget, strict: boolean, extra: string[]): string[] {
  return [
    's_client',
    ...(t.implicitTls ? [] : ['-starttls', 'smtp']),
    '-connect',
    `${t.address}:${t.port}`,
    '-servername',
    t.name,
    '-CAfile',
    t.caFile,
    '-verify_hostname',
    t.name,
    ...(strict ? ['-verify_return_error'] : []),
    '-brief',
    ...extra,
  ];
}

const HOSTNAME_MISMATCH = 62; // X509_V_ERR_HOSTNAME_MISMATCH

/**
 * openssl s_client -brief, twice: without `-verify_return_error` to read everything (it goes on
 * after verify errors and lists each as `verify error:num=N:text`, the host name check included),
 * and with it, which is what a verifying client does.
 */
export async function runOpenssl(t: PeerTarget, options: OpensslOptions = {}): Promise<OpensslConclusion> {
  const extra = options.extraArgs ?? [];
  const [loose, strict] = await Promise.all([run('openssl', opensslArgs(t, false, extra)), run('openssl', opensslArgs(t, true, extra))]);
  const out = loose.out;
  const established = /^CONNECTION ESTABLISHED$/m.test(out);
  const noStarttls = /Didn't find STARTTLS in server response/.test(out);
  const connectFailed = /connect:errno=|Connection refused|BIO_connect|connect to .* failed/i.test(out) && !established;
  const errors = [...out.matchAll(/^verify error:num=(\d+):(.*)$/gm)].map((m) => ({ num: Number(m[1]), text: (m[2] ?? '').trim() }));
  const chainErrors = errors.filter((e) => e.num !== HOSTNAME_MISMATCH);
  const sawCertificate = established || /^depth=\d+ /m.test(out);
  return {
    starttlsOffered: t.implicitTls || connectFailed ? null : !noStarttls,
    // s_client tries the handshake even without STARTTLS in the EHLO reply ("trying anyway").
    handshakeOk: connectFailed ? null : established,
    protocol: established ? (/^Protocol version: (\S+)/m.exec(out)?.[1] ?? null) : null,
    cipher: established ? (/^Ciphersuite: (\S+)/m.exec(out)?.[1] ?? null) : null,
    group: established ? (/^Server Temp Key: (?:ECDH, |DH, )?([^,\s]+)/m.exec(out)?.[1] ?? null) : null,
    handshakeError: established ? null : (/:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):/.exec(out)?.[1]?.trim() ?? null),
    verified: sawCertificate ? chainErrors.length === 0 : null,
    verifyReason: chainErrors[0]?.text ?? null,
    nameMatches: sawCertificate ? !errors.some((e) => e.num === HOSTNAME_MISMATCH) : null,
    strictHandshakeOk: connectFailed ? null : /^CONNECTION ESTABLISHED$/m.test(strict.out),
    raw: rawOf(loose, strict),
  };
}

// ── swaks ─────────────────────────────────────────────────────────────────────────────────────

function swaksArgs(t: PeerTarget, verify: boolean): string[] {
  return [
    '--server',
    `${t.address}:${t.port}`,
    t.implicitTls ? '--tls-on-connect' : '--tls',
    '--quit-after',
    'RCPT',
    '--to',
    `postmaster@${t.domain}`,
    '--tls-sni',
    t.name,
    '--timeout',
    '20',
    ...(verify ? ['--tls-verify', '--tls-ca-path', t.caFile] : []),
  ];
}

/**
 * swaks twice: once without verification (what TLS it gets), once with `--tls-verify
 * --tls-ca-path ROOT` (whether the chain verifies). Swaks 20201014 (Debian 12) verifies the chain
 * only (VERIFY_PEER, no host name check) and says nothing but "certificate verify failed", so its
 * `nameMatches` is null and its reason is that generic phrase.
 */
export async function runSwaks(t: PeerTarget): Promise<PeerConclusion> {
  const [plain, verifying] = await Promise.all([run('swaks', swaksArgs(t, false)), run('swaks', swaksArgs(t, true))]);
  const out = plain.out;
  const started = /^=== TLS started with cipher ([^:\s]+):([^:\s]+):/m.exec(out);
  const notAdvertised = /\*\*\* Host did not advertise STARTTLS/.test(out);
  const triedStarttls = /^ -> STARTTLS/m.test(out);
  const tlsFailed = /\*\*\* TLS startup failed/.test(out) || (t.implicitTls && /\*\*\* /.test(out) && !started);
  const connectFailed = /\*\*\* Error connecting/.test(out);
  const verifyStarted = /^=== TLS started with cipher/m.test(verifying.out);
  const verifyFailure = /\*\*\* TLS startup failed \((.*)\)/.exec(verifying.out)?.[1] ?? null;
  const certificateFailure = verifyFailure !== null && /certificate verify failed/i.test(verifyFailure);
  return {
    starttlsOffered: t.implicitTls || connectFailed ? null : notAdvertised ? false : triedStarttls ? true : null,
    handshakeOk: started ? true : tlsFailed ? false : null,
    protocol: started?.[1] ?? null,
    cipher: started?.[2] ?? null,
    handshakeError: started ? null : (/\*\*\* TLS startup failed \((?:.*SSL routines:[^:]*:)?([^)]*)\)/.exec(out)?.[1]?.trim() ?? null),
    // Only meaningful when the handshake itself works: otherwise the verifying run fails for that reason.
    verified: started ? (verifyStarted ? true : certificateFailure ? false : null) : null,
    verifyReason: started && certificateFailure ? 'certificate verify failed' : null,
    nameMatches: null,
    raw: rawOf(plain, verifying),
  };
}

// ── posttls-finger ────────────────────────────────────────────────────────────────────────────

/** The configuration directory posttls-finger needs (MAIL_CONFIG): a main.cf of the test's own. */
export async function writePosttlsFingerConfig(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'main.cf'),
    [
      '# mxray interop: configuration for posttls-finger only (no daemon runs from here)',
      'compatibility_level = 3.6',
      'smtp_dns_support_level = disabled',
      'smtp_host_lookup = native',
      '',
    ].join('\n'),
  );
}

/**
 * posttls-finger at the `secure` level with the test root (-F) and no CApath, the MX name as the
 * name to match and as SNI (-s), `[IP]:port` so that no DNS is involved, `-w` for wrapper mode.
 * Without `-c`: the SMTP chat shows whether STARTTLS was offered.
 *   Verified  TLS connection: chain and name verified;
 *   Trusted   TLS connection: chain verified, name not matched;
 *   Untrusted TLS connection: chain not verified ("certificate verification failed for …: why").
 */
export async function runPosttlsFinger(t: PeerTarget, options: { level?: 'may' | 'encrypt' | 'verify' | 'secure' } = {}): Promise<PeerConclusion> {
  const args = [
    ...(t.implicitTls ? ['-w'] : []),
    '-l',
    options.level ?? 'secure',
    '-F',
    t.caFile,
    '-P',
    '/dev/null',
    '-s',
    t.name,
    '-t',
    '20',
    '-T',
    '20',
    '-L',
    'routine,certmatch',
    `[${t.address}]:${t.port}`,
    t.name,
  ];
  const ran = await run('posttls-finger', args, { ...process.env, MAIL_CONFIG: t.postfixConfigDir });
  const out = ran.out;
  const ehlo = ehloReplies(out);
  const starttls = ehlo[0]?.some((line) => /^STARTTLS$/i.test(line)) ?? false;
  const established = /(\w+) TLS connection established to \S+: (\S+) with cipher (\S+)(?: \([^)]*\))?(?: key-exchange (\S+))?/.exec(out);
  const level = established?.[1] ?? null;
  const tlsFailed = /SSL_connect error|TLS handshake failed|Cannot start TLS|handshake failure|lost connection|tlsv1 alert/i.test(out) && !established;
  // Postfix reports one verification error: OpenSSL's words, or "untrusted issuer <DN>" when
  // the issuer is neither sent nor trusted; a host name mismatch is "num=62:hostname mismatch".
  const reason = /verification failed for \S+: (?:num=\d+:)?(.*)$/m.exec(out)?.[1]?.trim() ?? null;
  const nameOnly = reason !== null && /hostname mismatch/i.test(reason);
  const matched = /matched peername: /.test(out);
  const libraryError = /warning: TLS library problem: (?:error:[0-9A-F]+:[^:]*::)?([^:]+)/.exec(out)?.[1]?.trim() ?? null;
  return {
    starttlsOffered: t.implicitTls || ehlo.length === 0 ? null : starttls,
    handshakeOk: established ? true : tlsFailed ? false : null,
    protocol: established?.[2] ?? null,
    cipher: established?.[3] ?? null,
    group: established?.[4] ?? null,
    handshakeError: established ? null : libraryError,
    // "Verified": chain and name; "Trusted": chain only; "Untrusted": the chain failed, or only the name.
    verified: level === null ? null : level === 'Verified' || level === 'Trusted' || (level === 'Untrusted' && nameOnly),
    verifyReason: level === 'Untrusted' && !nameOnly ? reason : null,
    // One error only: when the chain failed, whether the name would have matched is not said.
    nameMatches: level === 'Verified' || matched ? true : level === 'Trusted' || nameOnly ? false : null,
    ehlo: ehlo[0] ?? null,
    ehloInTls: t.implicitTls ? (ehlo[0] ?? null) : (ehlo[1] ?? null),
    raw: rawOf(ran),
  };
}

/** The EHLO replies in a posttls-finger chat, each as its lines after the first (the extensions). */
function ehloReplies(out: string): string[][] {
  const replies: string[][] = [];
  let current: string[] | null = null;
  for (const line of out.split('\n')) {
    const m = /^posttls-finger: < 250([- ])(.*)$/.exec(line);
    if (m === null) {
      current = null;
      continue;
    }
    if (current === null) {
      current = [];
      replies.push(current);
    } else {
      current.push((m[2] ?? '').trim());
    }
    if (m[1] === ' ') current = null;
  }
  return replies;
}

/** All three peers on one server, concurrently. */
export async function runPeers(t: PeerTarget): Promise<PeerResults> {
  const [openssl, swaks, posttlsFinger] = await Promise.all([runOpenssl(t), runSwaks(t), runPosttlsFinger(t)]);
  return { openssl, swaks, posttlsFinger };
}
