// Interop: mxray's verdicts against real mail servers (Postfix, Exim, OpenSMTPD from Debian's
// packages, each instance on its own loopback address), and agreement with the established
// tools on the same servers: openssl s_client, swaks and posttls-finger.
//
// Needs root (the packages, port 25, the daemons' own users): `bash test/interop/setup.sh &&
// npm run test:interop`. The test runs setup.sh itself too (idempotent). Without root, or when
// the setup fails, every case is skipped with the reason printed, never passed silently; with
// MXRAY_INTEROP_REQUIRE=1 (CI) that is a failure instead.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostReport, LegacyCause, ReceiverReport as Report, TrustFailure, Verdict } from '../../src/core/schema.js';
import { limitConcurrency } from '../../src/core/concurrency.js';
import { connect } from 'node:net';
import { INTEROP_DOMAIN, InteropHarness, OTHER_NAME, REPO, domainOf, mxOf, type ConfigResult, type InteropConfig } from './harness.js';
import type { ZoneRecord } from '../../src/demo/zone.js';
import type { MtaKind, StartMta } from './mta/types.js';
import { startPostfix } from './mta/postfix.js';
import { PEER_NAMES, type PeerConclusion, type PeerName } from './peers.js';

// ── prerequisites ─────────────────────────────────────────────────────────────────────────────

const REQUIRED = process.env.MXRAY_INTEROP_REQUIRE === '1';

function runSetup(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('bash', [join(REPO, 'test/interop/setup.sh')], { cwd: REPO, timeout: 600_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err === null) return resolve(null);
      const tail = `${stdout}${stderr}`.trim().split('\n').slice(-5).join(' | ');
      resolve(`test/interop/setup.sh failed (exit ${err.code ?? err.message}): ${tail}`);
    });
  });
}

/** Why the interop tests cannot run here, or null. */
async function prerequisites(): Promise<string | null> {
  if (process.platform !== 'linux') return `needs Linux (Debian 12); this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'needs root (apt-get installs, port 25, Postfix running its daemons as user postfix): run `sudo bash test/interop/setup.sh && sudo npm run test:interop`';
  const setup = await runSetup();
  if (setup !== null) return setup;
  for (const file of ['/usr/sbin/postfix', '/usr/lib/postfix/sbin/master', '/usr/sbin/posttls-finger', '/usr/bin/swaks', '/usr/bin/openssl', join(REPO, 'bin/mxray.cjs'), join(REPO, 'dist/cli-bundle')]) {
    if (!existsSync(file)) return `${file} is missing (run \`bash test/interop/setup.sh\` as root, and \`npm run build\`)`;
  }
  return null;
}

/** A launcher written by someone else, loaded only if its module is there (else its rows are skipped). */
async function loadLauncher(module: string, exportName: string): Promise<{ start: StartMta | null; reason: string | null }> {
  const source = join(REPO, 'test/interop/mta', module.replace(/\.js$/, '.ts'));
  if (!existsSync(source)) return { start: null, reason: `test/interop/mta/${module.replace(/\.js$/, '.ts')} is not there yet` };
  const specifier = `./mta/${module}`;
  try {
    const loaded = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
    const start = loaded[exportName];
    if (typeof start !== 'function') return { start: null, reason: `test/interop/mta/${module} does not export ${exportName}` };
    return { start: start as StartMta, reason: null };
  } catch (err) {
    return { start: null, reason: `test/interop/mta/${module} could not be loaded: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const skipAll = await prerequisites();
const loaded = skipAll === null ? { exim: await loadLauncher('exim.js', 'startExim'), opensmtpd: await loadLauncher('opensmtpd.js', 'startOpenSmtpd') } : null;
const launchers: Partial<Record<MtaKind, StartMta>> = { postfix: startPostfix };
const launcherMissing: Partial<Record<MtaKind, string>> = {};
for (const kind of ['exim', 'opensmtpd'] as const) {
  const l = loaded?.[kind];
  if (l?.start) launchers[kind] = l.start;
  else if (l?.reason) launcherMissing[kind] = l.reason;
}
if (skipAll !== null) console.warn(`interop: SKIPPED (every configuration): ${skipAll}`);
for (const [kind, reason] of Object.entries(launcherMissing)) console.warn(`interop: SKIPPED the ${kind} rows: ${reason}`);

// ── the matrix ────────────────────────────────────────────────────────────────────────────────

interface CertExpect {
  trusted: boolean;
  trustFailure: TrustFailure;
  nameMatches: boolean;
  timeValid: boolean;
}

interface Expect {
  verdict: Verdict;
  /** Finding ids that must be there. */
  findings: string[];
  /** Finding ids that must not be there. */
  absent?: string[];
  /** host.starttls.offered / .negotiated */
  offered: boolean;
  negotiated: boolean;
  /** tls.protocol after a successful handshake; null: no successful handshake. */
  protocol: string | null;
  /** The certificate verdict of the main handshake; null: none (no TLS, or the handshake failed). */
  cert: CertExpect | null;
  /** assessment.cleartext.requiresTls (null: no cleartext session, e.g. implicit TLS). */
  requiresTls: boolean | null;
  /** assessment.legacyCause when the normal handshake fails. */
  legacyCause?: LegacyCause;
  /** The server aborts the handshake after its certificate (OpenSMTPD 6.8 with OpenSSL 3). */
  serverAbort?: boolean;
}

/** A difference between mxray and a peer that is legitimate, and why (it must occur). */
type Differences = Partial<Record<PeerName, Partial<Record<keyof PeerConclusion, string>>>>;

interface Row extends InteropConfig {
  expect: Expect;
  differences?: Differences;
}

const GOOD: CertExpect = { trusted: true, trustFailure: 'none', nameMatches: true, timeValid: true };
const OK_TLS = ['tls.ok', 'cert.ok'];
const CERT_PROBLEMS = ['cert.expired', 'cert.self-signed', 'cert.untrusted-root', 'cert.chain-incomplete', 'cert.name-mismatch'];

const ROWS: Row[] = [
  // ── Postfix 3.7 (OpenSSL 3.0) on 127.0.1.x ──
  {
    name: 'pf-good', title: 'Postfix: trusted chain (leaf + intermediate), names match', mta: 'postfix', address: '127.0.1.1', port: 25, cert: 'good',
    expect: { verdict: 'pass', findings: [...OK_TLS, 'policy.cleartext-accepted'], absent: CERT_PROBLEMS, offered: true, negotiated: true, protocol: 'TLSv1.3', cert: GOOD, requiresTls: false },
  },
  {
    name: 'pf-expired', title: 'Postfix: certificate expired 10 days ago', mta: 'postfix', address: '127.0.1.2', port: 25, cert: 'expired',
    expect: { verdict: 'fail', findings: ['cert.expired', 'tls.ok'], absent: ['cert.ok'], offered: true, negotiated: true, protocol: 'TLSv1.3', cert: { ...GOOD, timeValid: false }, requiresTls: false },
  },
  {
    name: 'pf-self-signed', title: 'Postfix: self-signed certificate', mta: 'postfix', address: '127.0.1.3', port: 25, cert: 'self-signed',
    expect: { verdict: 'fail', findings: ['cert.self-signed', 'tls.ok'], absent: ['cert.ok'], offered: true, negotiated: true, protocol: 'TLSv1.3', cert: { ...GOOD, trusted: false, trustFailure: 'self-signed' }, requiresTls: false },
  },
  {
    name: 'pf-wrong-name', title: `Postfix: trusted certificate for ${OTHER_NAME}, not the MX name`, mta: 'postfix', address: '127.0.1.4', port: 25, cert: 'wrong-name',
    expect: { verdict: 'fail', findings: ['cert.name-mismatch', 'tls.ok'], absent: ['cert.ok'], offered: true, negotiated: true, protocol: 'TLSv1.3', cert: { ...GOOD, nameMatches: false }, requiresTls: false },
  },
  {
    name: 'pf-missing-intermediate', title: 'Postfix: leaf sent without its intermediate', mta: 'postfix', address: '127.0.1.5', port: 25, cert: 'missing-intermediate',
    expect: { verdict: 'fail', findings: ['cert.chain-incomplete', 'tls.ok'], absent: ['cert.ok'], offered: true, negotiated: true, protocol: 'TLSv1.3', cert: { ...GOOD, trusted: false, trustFailure: 'chain-incomplete' }, requiresTls: false },
  },
  {
    name: 'pf-untrusted-root', title: 'Postfix: complete chain to a root nobody trusts', mta: 'postfix', address: '127.0.1.6', port: 25, cert: 'untrusted-root',
    expect: { verdict: 'fail', findings: ['cert.untrusted-root', 'tls.ok'], absent: ['cert.ok'], offered: true, negotiated: true, protocol: 'TLSv1.3', cert: { ...GOOD, trusted: false, trustFailure: 'untrusted-root' }, requiresTls: false },
  },
  {
    name: 'pf-weak-key', title: 'Postfix: trusted chain, but the leaf has an RSA-1024 key', mta: 'postfix', address: '127.0.1.12', port: 25, cert: 'weak-key',
    expect: { verdict: 'fail', findings: ['cert.weak-key', 'tls.ok'], absent: ['cert.ok', 'cert.untrusted-root', 'cert.chain-incomplete'], offered: true, negotiated: true, protocol: 'TLSv1.3', cert: GOOD, requiresTls: false },
    // Node (mxray) runs OpenSSL at security level 1; openssl s_client and swaks run Debian's
    // level 2. mxray judges the chain itself (trusted, names match) and reports the short key
    // as its own finding (cert.weak-key, an error); OpenSSL at level 2 turns it into a failure of
    // the chain ("EE certificate key too weak", X509_V_ERR_EE_KEY_TOO_SMALL). posttls-finger
    // agrees with mxray: Postfix's TLS client sets security level 1 at verify/secure
    // (tls_client.c: "use 80-bit plus OpenSSL security level") and verifies the chain.
    differences: {
      openssl: { verified: 'OpenSSL at security level 2 fails verification on an RSA-1024 leaf; mxray: trusted chain + cert.weak-key' },
      swaks: { verified: 'OpenSSL (Net::SSLeay) at security level 2 fails verification on an RSA-1024 leaf; mxray: trusted chain + cert.weak-key' },
    },
  },
  {
    name: 'pf-no-starttls', title: 'Postfix: smtpd_tls_security_level = none (no STARTTLS)', mta: 'postfix', address: '127.0.1.7', port: 25, cert: null,
    expect: { verdict: 'fail', findings: ['starttls.not-offered', 'policy.cleartext-accepted'], absent: ['tls.ok'], offered: false, negotiated: false, protocol: null, cert: null, requiresTls: false },
  },
  {
    name: 'pf-requires-tls', title: 'Postfix: smtpd_tls_security_level = encrypt', mta: 'postfix', address: '127.0.1.8', port: 25, cert: 'good', requireTls: true,
    expect: { verdict: 'pass', findings: [...OK_TLS, 'policy.requires-tls'], absent: ['policy.cleartext-accepted'], offered: true, negotiated: true, protocol: 'TLSv1.3', cert: GOOD, requiresTls: true },
  },
  {
    name: 'pf-old-protocols', title: 'Postfix: only TLS 1.0 and 1.1 (security level 0)', mta: 'postfix', address: '127.0.1.9', port: 25, cert: 'good', oldProtocolsOnly: true,
    expect: { verdict: 'fail', findings: ['tls.old-protocol'], absent: ['tls.ok'], offered: true, negotiated: false, protocol: null, cert: null, requiresTls: false, legacyCause: 'old-protocol' },
  },
  {
    name: 'pf-implicit-tls', title: 'Postfix: implicit TLS on 465 (smtpd_tls_wrappermode)', mta: 'postfix', address: '127.0.1.10', port: 465, cert: 'good', implicitTls: true,
    expect: { verdict: 'pass', findings: OK_TLS, absent: CERT_PROBLEMS, offered: false, negotiated: true, protocol: 'TLSv1.3', cert: GOOD, requiresTls: null },
  },
  {
    name: 'pf-client-cert', title: 'Postfix: asks for a client certificate (smtpd_tls_ask_ccert)', mta: 'postfix', address: '127.0.1.11', port: 25, cert: 'good', requestClientCert: true,
    expect: { verdict: 'pass', findings: [...OK_TLS, 'policy.cleartext-accepted'], absent: CERT_PROBLEMS, offered: true, negotiated: true, protocol: 'TLSv1.3', cert: GOOD, requiresTls: false },
  },
  // ── Exim 4.96 (GnuTLS) on 127.0.2.x ──
  {
    name: 'exim-good', title: 'Exim: trusted chain, names match', mta: 'exim', address: '127.0.2.1', port: 25, cert: 'good',
    expect: { verdict: 'pass', findings: [...OK_TLS, 'policy.cleartext-accepted'], absent: CERT_PROBLEMS, offered: true, negotiated: true, protocol: 'TLSv1.3', cert: GOOD, requiresTls: false },
  },
  {
    name: 'exim-no-starttls', title: 'Exim: tls_advertise_hosts empty (no STARTTLS)', mta: 'exim', address: '127.0.2.2', port: 25, cert: null,
    expect: { verdict: 'fail', findings: ['starttls.not-offered', 'policy.cleartext-accepted'], absent: ['tls.ok'], offered: false, negotiated: false, protocol: null, cert: null, requiresTls: false },
  },
  {
    name: 'exim-requires-tls', title: 'Exim: refuses mail without TLS (ACL on encrypted)', mta: 'exim', address: '127.0.2.3', port: 25, cert: 'good', requireTls: true,
    expect: { verdict: 'pass', findings: [...OK_TLS, 'policy.requires-tls'], absent: ['policy.cleartext-accepted'], offered: true, negotiated: true, protocol: 'TLSv1.3', cert: GOOD, requiresTls: true },
  },
  {
    name: 'exim-expired', title: 'Exim: certificate expired 10 days ago', mta: 'exim', address: '127.0.2.4', port: 25, cert: 'expired',
    expect: { verdict: 'fail', findings: ['cert.expired', 'tls.ok'], absent: ['cert.ok'], offered: true, negotiated: true, protocol: 'TLSv1.3', cert: { ...GOOD, timeValid: false }, requiresTls: false },
  },
  {
    name: 'exim-old-protocols', title: 'Exim: only TLS 1.0 and 1.1 (GnuTLS priority string)', mta: 'exim', address: '127.0.2.5', port: 25, cert: 'good', oldProtocolsOnly: true,
    expect: { verdict: 'fail', findings: ['tls.old-protocol'], absent: ['tls.ok'], offered: true, negotiated: false, protocol: null, cert: null, requiresTls: false, legacyCause: 'old-protocol' },
  },
  {
    name: 'exim-implicit-tls', title: 'Exim: implicit TLS on 465 (tls_on_connect_ports)', mta: 'exim', address: '127.0.2.6', port: 465, cert: 'good', implicitTls: true,
    expect: { verdict: 'pass', findings: OK_TLS, absent: CERT_PROBLEMS, offered: false, negotiated: true, protocol: 'TLSv1.3', cert: GOOD, requiresTls: null },
  },
  {
    name: 'exim-client-cert', title: 'Exim: asks for a client certificate (tls_try_verify_hosts)', mta: 'exim', address: '127.0.2.7', port: 25, cert: 'good', requestClientCert: true,
    expect: { verdict: 'pass', findings: [...OK_TLS, 'policy.cleartext-accepted'], absent: CERT_PROBLEMS, offered: true, negotiated: true, protocol: 'TLSv1.3', cert: GOOD, requiresTls: false },
  },
  // ── OpenSMTPD 6.8.0p2 (OpenSSL 3) on 127.0.4.x ──
  {
    name: 'smtpd-no-starttls', title: 'OpenSMTPD: listener without TLS', mta: 'opensmtpd', address: '127.0.4.1', port: 25, cert: null,
    expect: { verdict: 'fail', findings: ['starttls.not-offered', 'policy.cleartext-accepted'], absent: ['tls.ok'], offered: false, negotiated: false, protocol: null, cert: null, requiresTls: false },
  },
  {
    name: 'smtpd-requires-tls', title: 'OpenSMTPD: tls-require (refuses cleartext; its handshake aborts)', mta: 'opensmtpd', address: '127.0.4.2', port: 25, cert: 'good', requireTls: true,
    expect: { verdict: 'fail', findings: ['policy.requires-tls'], absent: ['tls.ok', 'policy.cleartext-accepted'], offered: true, negotiated: false, protocol: null, cert: null, requiresTls: true, serverAbort: true },
  },
  {
    name: 'smtpd-tls', title: 'OpenSMTPD: STARTTLS listener, handshake aborts after the certificate (OpenSMTPD #1171/#1239)', mta: 'opensmtpd', address: '127.0.4.3', port: 25, cert: 'good',
    expect: { verdict: 'fail', findings: ['policy.cleartext-accepted'], absent: ['tls.ok'], offered: true, negotiated: false, protocol: null, cert: null, requiresTls: false, serverAbort: true },
  },
];

// ── assertions ────────────────────────────────────────────────────────────────────────────────

function onlyHost(report: Report): HostReport {
  expect(report.body.hosts, `one MX address: ${report.body.hosts.map((h) => h.key).join(', ')}`).toHaveLength(1);
  return report.body.hosts[0]!;
}

function ids(report: Report): string[] {
  return report.findings.map((f) => f.id);
}

/** An EHLO extension line as the server sent it, normalised: upper-case keyword, single spaces. */
function extensionLine(line: string): string {
  const [keyword = '', ...params] = line.trim().split(/\s+/);
  return [keyword.toUpperCase(), ...params].join(' ');
}

function mxrayCertReason(host: HostReport): string | null {
  const cert = host.assessment.certificate;
  if (!cert) return null;
  if (!cert.trusted) return cert.trustFailure;
  if (!cert.timeValid) return cert.daysLeft < 0 ? 'expired' : 'not yet valid';
  return null;
}

/** mxray's own conclusions in the peers' shape. */
function mxrayConclusion(host: HostReport): PeerConclusion {
  const tls = host.tls;
  const cert = host.assessment.certificate;
  return {
    starttlsOffered: host.implicitTls ? null : host.starttls.offered,
    // No TLS facts at all: no handshake was tried (STARTTLS not offered).
    handshakeOk: tls === null ? null : tls.ok,
    protocol: tls?.ok ? tls.protocol : null,
    cipher: tls?.ok ? tls.cipher : null,
    group: tls?.ok ? tls.group : null,
    handshakeError: tls && !tls.ok ? tls.error : null,
    // The chain (trusted) and the clock (timeValid) together: what the peers call "verified".
    verified: cert ? cert.trusted && cert.timeValid : null,
    verifyReason: mxrayCertReason(host),
    nameMatches: cert?.nameMatches ?? null,
    ehlo: host.implicitTls ? null : host.capabilities.map((c) => extensionLine([c.keyword, ...c.params].join(' '))),
    ehloInTls: host.capabilitiesInTls?.map((c) => extensionLine([c.keyword, ...c.params].join(' '))) ?? null,
    raw: '',
  };
}

/** The common name in a distinguished name as mxray writes it ("CN=…, O=…"). */
function commonName(dn: string | undefined): string {
  return /(?:^|,\s*)CN=((?:\\.|[^,])*)/.exec(dn ?? '')?.[1]?.replace(/\\(.)/g, '$1') ?? '?';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The peer's words we expect for the certificate failure mxray found. */
function expectedReason(peer: PeerName, host: HostReport): RegExp | null {
  const cert = host.assessment.certificate;
  if (!cert) return null;
  if (peer === 'swaks') return /certificate verify failed/; // swaks says no more than that
  if (!cert.trusted) {
    switch (cert.trustFailure) {
      case 'self-signed':
        return /^self[- ]signed certificate$/;
      case 'untrusted-root': {
        // The whole chain, root included, is sent: OpenSSL finds the self-signed root in it;
        // Postfix names the root it does not trust ("untrusted issuer <DN>").
        const root = commonName(cert.path[cert.path.length - 1]?.subject);
        return peer === 'openssl' ? /^self[- ]signed certificate in certificate chain$/ : new RegExp(`^untrusted issuer .*CN=${escapeRegExp(root)}(/|$)`);
      }
      case 'chain-incomplete': {
        // Postfix names the issuer that is missing: the one mxray says was not sent.
        const issuer = commonName(cert.sent[0]?.issuer);
        return peer === 'openssl' ? /^unable to get local issuer certificate$/ : new RegExp(`^untrusted issuer .*CN=${escapeRegExp(issuer)}(/|$)`);
      }
      default:
        return null;
    }
  }
  if (!cert.timeValid) return cert.daysLeft < 0 ? /^certificate has expired$/ : /^certificate is not yet valid$/;
  return null;
}

/**
 * Where mxray and one peer disagree on this server, in words (empty: they agree). A null on
 * either side means "not said" and is not compared.
 */
function disagreements(result: ConfigResult, peer: PeerName): string[] {
  const host = onlyHost(result.mxray.report!);
  const ours = mxrayConclusion(host);
  const theirs = result.peers[peer];
  const out: string[] = [];
  const allowed = (result.config as Row).differences?.[peer] ?? {};
  const compare = <K extends keyof PeerConclusion>(key: K): void => {
    const a = ours[key] ?? null;
    const b = theirs[key] ?? null;
    if (a === null || b === null) return;
    if (allowed[key] !== undefined) {
      // A declared, legitimate difference: it must really be there (else the comment is stale).
      if (a === b) out.push(`${key}: declared as a legitimate difference (${allowed[key]}), but mxray and ${peer} agree (${JSON.stringify(a)})`);
      return;
    }
    if (a !== b) out.push(`${key}: mxray ${JSON.stringify(a)}, ${peer} ${JSON.stringify(b)}`);
  };
  compare('starttlsOffered');
  compare('handshakeOk');
  if (ours.handshakeOk && theirs.handshakeOk) {
    compare('protocol');
    compare('group');
    // Postfix (and Exim) follow the client's cipher order on TLS 1.2, and Node's order differs
    // from OpenSSL's: suites are compared on TLS 1.3 only.
    if (ours.protocol === 'TLSv1.3' && theirs.protocol === 'TLSv1.3') compare('cipher');
    compare('verified');
    compare('nameMatches');
    const reason = expectedReason(peer, host);
    if (theirs.verified === false && allowed.verified === undefined && reason !== null && !reason.test(theirs.verifyReason ?? '')) {
      out.push(`verifyReason: mxray ${host.assessment.certificate?.trustFailure}/${host.assessment.certificate?.timeValid ? 'time-valid' : 'not time-valid'}, ${peer} said ${JSON.stringify(theirs.verifyReason)} (expected ${reason})`);
    }
  }
  if (peer === 'openssl' && ours.handshakeOk && result.peers.openssl.strictHandshakeOk !== null) {
    // What a verifying client does: -verify_return_error aborts on any verify error, the name included.
    const strictOk = (allowed.verified !== undefined ? theirs.verified : ours.verified) === true && ours.nameMatches === true;
    if (result.peers.openssl.strictHandshakeOk !== strictOk) {
      out.push(`openssl -verify_return_error: handshake ${result.peers.openssl.strictHandshakeOk ? 'succeeded' : 'failed'}, mxray says verified=${ours.verified} nameMatches=${ours.nameMatches}`);
    }
  }
  return out;
}

// ── the side-by-side table ────────────────────────────────────────────────────────────────────

function yn(v: boolean | null): string {
  return v === null ? '–' : v ? 'yes' : 'no';
}

function tableFor(row: Row, result: ConfigResult | undefined, failure: string | undefined): string {
  const head = `${row.name} — ${row.title}\n  ${mxOf(row)} → ${row.address}:${row.port}`;
  if (result === undefined || result.mxray.report === null) return `${head}\n  NOT RUN: ${failure ?? result?.mxray.error ?? 'unknown'}`;
  const host = result.mxray.report.body.hosts[0];
  if (host === undefined) return `${head}\n  mxray reported no host (verdict ${result.mxray.report.verdict})`;
  const cols: [string, PeerConclusion][] = [
    ['mxray', mxrayConclusion(host)],
    ['openssl s_client', result.peers.openssl],
    ['swaks', result.peers.swaks],
    ['posttls-finger', result.peers.posttlsFinger],
  ];
  const cell = (c: PeerConclusion, key: string): string => {
    switch (key) {
      case 'STARTTLS offered':
        return c.starttlsOffered === null && row.implicitTls ? 'implicit' : yn(c.starttlsOffered);
      case 'handshake':
        return c.handshakeOk === null ? 'not tried' : c.handshakeOk ? 'ok' : 'failed';
      case 'protocol':
        return c.protocol ?? '–';
      case 'cipher':
        return c.cipher ?? '–';
      case 'group':
        return c.group ?? '–';
      case 'TLS error':
        return c.handshakeError ?? '–';
      case 'verified':
        return c.verified === null ? '–' : c.verified ? 'yes' : `no: ${c.verifyReason ?? '?'}`;
      case 'name matches':
        return c.nameMatches === null ? (c === cols[2]![1] && c.handshakeOk ? 'not checked' : '–') : yn(c.nameMatches);
      default:
        return '';
    }
  };
  const keys = ['STARTTLS offered', 'handshake', 'protocol', 'cipher', 'group', 'verified', 'name matches'];
  if (cols.some(([, c]) => (c.handshakeError ?? null) !== null)) keys.push('TLS error');
  const grid = [['', ...cols.map(([n]) => n)], ...keys.map((k) => [k, ...cols.map(([, c]) => cell(c, k))])];
  const widths = grid[0]!.map((_, i) => Math.min(48, Math.max(...grid.map((r) => (r[i] ?? '').length))));
  const lines = grid.map((r) => `  ${r.map((v, i) => (v.length > widths[i]! ? `${v.slice(0, widths[i]! - 1)}…` : v.padEnd(widths[i]!))).join('  ').trimEnd()}`);
  const report = result.mxray.report;
  const extra = [
    `  mxray: verdict ${report.verdict} (exit ${result.mxray.code}, ${(result.mxray.ms / 1000).toFixed(2)} s): ${ids(report).join(', ')}`,
  ];
  for (const [peer, fields] of Object.entries(row.differences ?? {})) {
    for (const [field, why] of Object.entries(fields)) extra.push(`  legitimate difference (${field}, ${peer}): ${why}`);
  }
  if (host.legacyRetry) extra.push(`  mxray legacy retry: ${host.assessment.legacyCause}${host.legacyRetry.ok ? ` (${host.legacyRetry.protocol} ${host.legacyRetry.cipher})` : ''}; tls error: ${host.tls?.error ?? '–'}`);
  if (result.legacyOpenssl) extra.push(`  openssl s_client -cipher ALL:@SECLEVEL=0: ${result.legacyOpenssl.handshakeOk ? `${result.legacyOpenssl.protocol} ${result.legacyOpenssl.cipher}` : 'failed'}`);
  if (result.postfixLevels) {
    for (const [level, c] of Object.entries(result.postfixLevels)) {
      extra.push(`  posttls-finger -l ${level}: ${c.handshakeOk ? `${c.protocol} ${c.cipher}` : `failed (${c.handshakeError ?? '?'})`}`);
    }
  }
  if (host.cleartext) extra.push(`  cleartext session: ${host.cleartext.steps.map((s) => `${s.command} → ${s.reply ? `${s.reply.code} ${s.reply.lines.join(' ')}` : 'no reply'}`).join('; ')}`);
  return `${head}\n${lines.join('\n')}\n${extra.join('\n')}`;
}

// ── the tests ─────────────────────────────────────────────────────────────────────────────────

if (skipAll !== null) {
  describe('interop: mxray against real MTAs and peer tools', () => {
    if (REQUIRED) {
      it('prerequisites (MXRAY_INTEROP_REQUIRE=1)', () => {
        throw new Error(`interop cannot run: ${skipAll}`);
      });
    } else {
      it.skip(`SKIPPED: ${skipAll}`, () => undefined);
    }
  });
} else {
  const active = ROWS.filter((r) => launchers[r.mta] !== undefined);
  const results = new Map<string, ConfigResult>();
  const runErrors = new Map<string, string>();
  let harness: InteropHarness | null = null;
  const timings: string[] = [];

  describe('interop: mxray against real MTAs and peer tools', () => {
    beforeAll(async () => {
      const t0 = performance.now();
      harness = await InteropHarness.create(Date.now());
      const t1 = performance.now();
      await harness.startAll(active, launchers, 4);
      const t2 = performance.now();
      await harness.startDns(active, deliveryZone(active));
      const limit = limitConcurrency(3);
      await Promise.all(
        active.map((row) =>
          limit(async () => {
            const failure = harness!.failures.get(row.name);
            if (failure) {
              runErrors.set(row.name, `the ${row.mta} instance did not start: ${failure.error}`);
              return;
            }
            try {
              results.set(row.name, await harness!.check(row));
            } catch (err) {
              runErrors.set(row.name, err instanceof Error ? (err.stack ?? err.message) : String(err));
            }
          }),
        ),
      );
      const t3 = performance.now();
      timings.push(
        `PKI ${((t1 - t0) / 1000).toFixed(1)} s, ${harness.instances.size} instances started in ${((t2 - t1) / 1000).toFixed(1)} s, mxray + peers on ${results.size} configurations in ${((t3 - t2) / 1000).toFixed(1)} s`,
      );
    }, 600_000);

    afterAll(async () => {
      const tables = ROWS.map((row) =>
        launchers[row.mta] === undefined ? `${row.name} — ${row.title}\n  SKIPPED: ${launcherMissing[row.mta] ?? 'no launcher'}` : tableFor(row, results.get(row.name), runErrors.get(row.name)),
      );
      const t0 = performance.now();
      try {
        await harness?.stop();
      } finally {
        timings.push(`stopped every instance in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        console.log(`\ninterop: mxray vs openssl s_client vs swaks vs posttls-finger, per configuration\n\n${tables.join('\n\n')}\n\ninterop timings: ${timings.join('; ')}\n`);
      }
    }, 120_000);

    for (const row of ROWS) {
      if (launchers[row.mta] === undefined) {
        it.skip(`${row.name}: SKIPPED: ${launcherMissing[row.mta] ?? 'no launcher'}`, () => undefined);
        continue;
      }
      describe(`${row.name} (${row.title})`, () => {
        const result = (): ConfigResult => {
          const r = results.get(row.name);
          if (r === undefined) throw new Error(`${row.name} did not run: ${runErrors.get(row.name) ?? 'unknown'}`);
          if (r.mxray.report === null) throw new Error(`${row.name}: ${r.mxray.error}\n--- ${row.mta} log ---\n${r.logs}`);
          return r;
        };

        it(`mxray: verdict ${row.expect.verdict}, findings ${row.expect.findings.join(', ')}`, () => {
          const r = result();
          const report = r.mxray.report!;
          const context = `${domainOf(row)}: findings ${ids(report).join(', ')}\n--- ${row.mta} log ---\n${r.logs.slice(-4000)}`;
          expect(r.mxray.stderr, context).toBe('');
          expect(report.body.dns.status, context).toBe('ok');
          expect(report.body.dns.mx.map((m) => m.exchange), context).toEqual([mxOf(row)]);
          const host = onlyHost(report);
          expect(host.address, context).toBe(row.address);
          expect(host.port, context).toBe(row.port);
          expect(host.implicitTls, context).toBe(row.implicitTls === true);
          expect(host.status === 'ok' || host.status === 'tls-handshake-error', `${context}\nstatus ${host.status}: ${host.statusDetail}`).toBe(true);
          expect(host.bannerName, context).toBe(mxOf(row));
          expect(ids(report), context).toEqual(expect.arrayContaining(row.expect.findings));
          for (const id of row.expect.absent ?? []) expect(ids(report), context).not.toContain(id);
          expect(report.verdict, context).toBe(row.expect.verdict);
          expect(r.mxray.code, context).toBe(row.expect.verdict === 'fail' ? 1 : row.expect.verdict === 'inconclusive' ? 3 : 0);
          expect(host.verdict, context).toBe(row.expect.verdict);
        });

        it(`mxray: STARTTLS offered ${row.expect.offered}, negotiated ${row.expect.negotiated}, TLS ${row.expect.protocol ?? 'none'}, cleartext requires TLS ${row.expect.requiresTls}`, () => {
          const r = result();
          const host = onlyHost(r.mxray.report!);
          const context = `${domainOf(row)}: ${JSON.stringify({ starttls: host.starttls, tls: host.tls && { ...host.tls, peerChain: undefined }, legacy: host.legacyRetry, cleartext: host.cleartext, assessment: { ...host.assessment, certificate: undefined, noSni: undefined } })}`;
          expect(host.starttls.offered, context).toBe(row.expect.offered);
          expect(host.starttls.negotiated, context).toBe(row.expect.negotiated);
          if (row.expect.protocol === null) {
            expect(host.tls?.ok ?? false, context).toBe(false);
          } else {
            expect(host.tls?.ok, context).toBe(true);
            expect(host.tls?.status, context).toBe('ok');
            expect(host.tls?.protocol, context).toBe(row.expect.protocol);
            expect(host.tls?.cipher, context).toMatch(/^TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/);
            expect(host.tls?.sni, context).toBe(mxOf(row));
            expect(host.capabilitiesInTls, context).not.toBeNull();
          }
          if (row.expect.offered && !row.implicitTls) expect(host.capabilities.map((c) => c.keyword), context).toContain('STARTTLS');
          expect(host.assessment.cleartext?.requiresTls ?? null, context).toBe(row.expect.requiresTls);
          if (row.expect.legacyCause !== undefined) expect(host.assessment.legacyCause, context).toBe(row.expect.legacyCause);
        });

        if (row.expect.cert !== null) {
          const c = row.expect.cert;
          it(`mxray: certificate trusted ${c.trusted} (${c.trustFailure}), name matches ${c.nameMatches}, time-valid ${c.timeValid}`, () => {
            const r = result();
            const cert = onlyHost(r.mxray.report!).assessment.certificate;
            const context = `${domainOf(row)}: ${JSON.stringify(cert && { ...cert, sent: cert.sent.map((s) => s.subject), path: cert.path.map((s) => s.subject) })}`;
            expect(cert, context).toBeTruthy();
            expect(cert!.trusted, context).toBe(c.trusted);
            expect(cert!.trustFailure, context).toBe(c.trustFailure);
            expect(cert!.nameMatches, context).toBe(c.nameMatches);
            expect(cert!.checkedName, context).toBe(mxOf(row));
            expect(cert!.timeValid, context).toBe(c.timeValid);
          });
        }

        if (row.expect.serverAbort) {
          // OpenSMTPD 6.8.0p2 built against OpenSSL 3 sends its certificate, then an internal_error
          // alert (upstream issues 1171 and 1239): a server-side fault mxray must name as such.
          it('mxray: says the server aborts the handshake after its certificate', () => {
            const r = result();
            const host = onlyHost(r.mxray.report!);
            const context = `${domainOf(row)}: findings ${ids(r.mxray.report!).join(', ')}; tls ${JSON.stringify(host.tls && { ...host.tls, peerChain: undefined })}; legacy ${JSON.stringify(host.legacyRetry)}; legacy cause ${host.assessment.legacyCause}`;
            const named = ids(r.mxray.report!).includes('tls.server-aborted');
            const legacyCause = ids(r.mxray.report!).includes('tls.handshake-failed') && host.assessment.legacyCause === 'server-abort-after-certificate';
            expect(named || legacyCause, context).toBe(true);
            // The peers see the same thing: the server's internal_error alert.
            expect(host.tls?.error, context).toMatch(/internal error/);
            for (const peer of PEER_NAMES) {
              expect(r.peers[peer].handshakeOk, r.peers[peer].raw).toBe(false);
              expect(r.peers[peer].handshakeError, r.peers[peer].raw).toMatch(/internal error/);
            }
            expect(host.tls?.ok, context).toBe(false);
            expect(host.tls?.status, context).toBe('tls-handshake-error');
          });
        }

        for (const peer of PEER_NAMES) {
          const label = peer === 'posttlsFinger' ? 'posttls-finger' : peer === 'openssl' ? 'openssl s_client' : 'swaks';
          it(`agrees with ${label}: STARTTLS offered, handshake, protocol, cipher (TLS 1.3), verified or why not, name match`, () => {
            const r = result();
            const theirs = r.peers[peer];
            // Every peer must have reached the server at all (a tool that could not run proves nothing).
            expect(theirs.handshakeOk !== null || theirs.starttlsOffered !== null, `${label} concluded nothing:\n${theirs.raw}`).toBe(true);
            expect(disagreements(r, peer), `${label} output:\n${theirs.raw}`).toEqual([]);
          });
        }

        it('EHLO extensions agree with posttls-finger (before TLS and inside TLS)', () => {
          const r = result();
          const host = onlyHost(r.mxray.report!);
          const ours = mxrayConclusion(host);
          const theirs = r.peers.posttlsFinger;
          const raw = `posttls-finger output:\n${theirs.raw}`;
          expect(host.ehloName, raw).toBe(mxOf(row));
          if (!row.implicitTls) expect(ours.ehlo, raw).toEqual(theirs.ehlo?.map(extensionLine));
          // Inside TLS only where both got there.
          if (ours.ehloInTls !== null && theirs.ehloInTls != null) expect(ours.ehloInTls, raw).toEqual(theirs.ehloInTls.map(extensionLine));
        });

        if (row.cert === 'weak-key' && row.mta === 'postfix') {
          it('posttls-finger (Postfix\'s own TLS client, level secure) verifies the RSA-1024 leaf', () => {
            const r = result();
            expect(r.peers.posttlsFinger.verified, r.peers.posttlsFinger.raw).toBe(true);
            expect(r.peers.posttlsFinger.raw).toMatch(/Verified TLS connection established .*\(1024 bits\)/);
          });

          // Regression (was wrong in src/kb/catalogue.ts cert.weak-key → VERIFYING_CERT_TRUST): the finding
          // tells admins that "Postfix at 'verify' or 'secure' defers with 'Server certificate not
          // trusted'", but Postfix 3.7 verifies at OpenSSL security level 1 and accepts the
          // RSA-1024 leaf (the test above: "Verified TLS connection established"). Only senders on
          // OpenSSL's default level 2 (openssl s_client, swaks, most OpenSSL-based tools) refuse it.
          it('mxray: cert.weak-key does not claim that Postfix at verify/secure refuses the certificate', () => {
            const r = result();
            const finding = r.mxray.report!.findings.find((f) => f.id === 'cert.weak-key');
            expect(finding).toBeDefined();
            expect(finding!.verifying).not.toMatch(/Postfix at 'verify' or 'secure' defers/);
          });
        }

        if (row.cert === 'wrong-name' && row.mta === 'postfix') {
          it('posttls-finger (level secure) calls the wrong name a verification failure: "Untrusted", num=62 hostname mismatch', () => {
            const raw = result().peers.posttlsFinger.raw;
            expect(raw).toMatch(/verification failed for \S+: num=62:hostname mismatch/);
            expect(raw).toMatch(/Untrusted TLS connection established/);
          });

          // Regression (was wrong in src/kb/catalogue.ts cert.name-mismatch, `verifying`): it says "Postfix at
          // 'verify' or 'secure' defers with 'Server certificate not verified'". Postfix 3.7 checks
          // the name inside OpenSSL's chain verification (the test above: num=62, "Untrusted TLS
          // connection"), so the certificate is not trusted, and smtp(8) (smtp_proto.c: level >=
          // verify and not trusted) defers with "Server certificate not trusted" — the message an
          // admin will grep for.
          it('mxray: cert.name-mismatch names the deferral Postfix 3.7 really logs ("Server certificate not trusted")', () => {
            const finding = result().mxray.report!.findings.find((f) => f.id === 'cert.name-mismatch');
            expect(finding).toBeDefined();
            expect(finding!.verifying).toMatch(/Server certificate not trusted/);
          });
        }

        if (row.oldProtocolsOnly) {
          it('posttls-finger at may and encrypt (Postfix\'s opportunistic and mandatory levels) gets the old protocol mxray\'s legacy retry got', () => {
            const r = result();
            const host = onlyHost(r.mxray.report!);
            // Postfix's TLS client runs OpenSSL at security level 0 below "verify", so it still
            // negotiates TLS 1.0/1.1; only verify and secure (level 1) fail like the other peers.
            for (const c of [r.postfixLevels!.may, r.postfixLevels!.encrypt]) {
              expect(c.handshakeOk, c.raw).toBe(true);
              expect(c.protocol, c.raw).toBe(host.legacyRetry?.protocol);
            }
          });

          // Regression (was wrong in src/kb/catalogue.ts tls.old-protocol, `opportunistic` and `verifying`): it
          // says modern senders fail the handshake, "Postfix at 'may' retries in plain text" and
          // "Postfix at 'encrypt' or above defers with 'Cannot start TLS: handshake failure'". Postfix
          // 3.7 with OpenSSL 3.0 (Debian 12) at may and encrypt negotiates TLSv1.1 with this server
          // ("Trusted TLS connection established … TLSv1.1 with cipher ECDHE-RSA-AES256-SHA", the
          // test above); only verify/secure fail ("legacy sigalg disallowed or unsupported").
          it('mxray: tls.old-protocol does not claim that Postfix at may/encrypt fails the handshake', () => {
            const finding = result().mxray.report!.findings.find((f) => f.id === 'tls.old-protocol');
            expect(finding).toBeDefined();
            expect(finding!.opportunistic).not.toMatch(/Postfix at 'may' retries in plain text/);
            expect(finding!.verifying).not.toMatch(/Postfix at 'encrypt' or above defers/);
          });

          it('openssl at security level 0 gets the same old protocol as mxray\'s legacy retry', () => {
            const r = result();
            const host = onlyHost(r.mxray.report!);
            // At modern settings nobody gets a handshake, each failing in its own words: mxray's
            // normal attempt (Node, TLS 1.2 and later only) meets a protocol_version alert (Postfix)
            // or a TLS 1.1 ServerHello it refuses ("unsupported protocol", Exim/GnuTLS); the peers'
            // OpenSSL still offers TLS 1.0 and 1.1 (Debian 12 sets no MinProtocol) but at security
            // level 2 refuses the SHA-1 handshake signature ("legacy sigalg disallowed or
            // unsupported"). mxray's legacy retry and openssl with @SECLEVEL=0 both get through.
            expect(r.legacyOpenssl?.handshakeOk, r.legacyOpenssl?.raw).toBe(true);
            expect(host.legacyRetry?.ok, JSON.stringify(host.legacyRetry)).toBe(true);
            expect(host.legacyRetry?.protocol, JSON.stringify(host.legacyRetry)).toBe(r.legacyOpenssl?.protocol);
            expect(['TLSv1', 'TLSv1.1']).toContain(host.legacyRetry?.protocol);
          });
        }
      });
    }

    // The domain as senders deliver to it, with a real Postfix as the backup MX.
    describe('delivery: what senders get', () => {
      const good = active.find((r) => r.name === 'pf-good');
      it.skipIf(good === undefined)('primary MX refuses, the backup (real Postfix) has verified TLS: warn, exit 0, mail delivered to the backup', async () => {
        // The dead primary's address must really refuse port 25 (nothing may listen there).
        expect(await refuses(DEAD_ADDRESS, 25), `something listens on ${DEAD_ADDRESS}:25`).toBe(true);
        const run = await harness!.runMxrayOn(BACKUP_DOMAIN);
        const report = run.report!;
        expect(run.stderr).toBe('');
        expect(report.verdict).toBe('warn');
        expect(run.code).toBe(0);
        expect(report.body.delivery).toMatchObject({ state: 'fallback', deliveredTo: [mxOf(good!)] });
        expect(report.body.delivery.attempts.map((a) => [a.mx, a.outcome])).toEqual([
          [`mx-down.${BACKUP_DOMAIN}`, 'refused'],
          [mxOf(good!), 'accepts'],
        ]);
        expect(report.findings.find((f) => f.id === 'net.connect-refused')?.severity).toBe('warning');
      });

      it('a null MX (MX 0 "."): not applicable, exit 0, nothing probed', async () => {
        const run = await harness!.runMxrayOn(NULL_MX_DOMAIN);
        expect(run.report?.verdict).toBe('not-applicable');
        expect(run.code).toBe(0);
        expect(run.report?.body.hosts).toEqual([]);
        expect(run.report?.findings.map((f) => f.id)).toEqual(['dns.null-mx']);
      });
    });
  });
}

const BACKUP_DOMAIN = `backup-mx.${INTEROP_DOMAIN}`;
const NULL_MX_DOMAIN = `null-mx.${INTEROP_DOMAIN}`;
/** A loopback address no instance binds: connections to port 25 there are refused. */
const DEAD_ADDRESS = '127.0.9.1';

/** DNS for the delivery tests: a domain whose primary MX is dead and whose backup is pf-good, and a null MX. */
function deliveryZone(active: readonly InteropConfig[]): ZoneRecord[] {
  const records: ZoneRecord[] = [{ name: NULL_MX_DOMAIN, type: 'MX', data: { preference: 0, exchange: '.' } }];
  const good = active.find((r) => r.name === 'pf-good');
  if (good) {
    records.push(
      { name: BACKUP_DOMAIN, type: 'MX', data: { preference: 10, exchange: `mx-down.${BACKUP_DOMAIN}` } },
      { name: BACKUP_DOMAIN, type: 'MX', data: { preference: 20, exchange: mxOf(good) } },
      { name: `mx-down.${BACKUP_DOMAIN}`, type: 'A', data: DEAD_ADDRESS },
    );
  }
  return records;
}

/** Whether a TCP connection to address:port is refused (true), rather than accepted or timed out. */
function refuses(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}
