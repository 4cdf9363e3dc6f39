// The demo lab's scenarios, as data: one record per classic TLS failure, with how its domain
// appears in DNS, the certificate its server presents, how that server behaves, and the verdict
// and findings the receiver test must give. src/demo/lab.ts interprets the records.
import type { SecureVersion } from 'node:tls';
import type { Verdict } from '../core/schema.js';
import type { KeyKind, SignatureHash } from './test-pki.js';

/** How the scenario's domain `<name>.mxray.test` appears in DNS. */
export type DnsShape =
  /** MX 10 mx.<domain>, whose A record is 127.0.0.1 and whose server is the scenario's. */
  | 'mx'
  /** No MX; the domain's own A record is 127.0.0.1 (implicit MX, RFC 5321 §5.1). */
  | 'implicit-mx'
  /** MX 10 mx-down.<domain>, which refuses connections, and MX 20 mx.<domain> with the scenario's server: senders fall back. */
  | 'mx-backup'
  /** MX 0 "." (RFC 7505): the domain accepts no mail. */
  | 'null-mx'
  /** Not in the zone at all: NXDOMAIN. */
  | 'absent';

/** The certificate authorities of the lab's test PKI. */
export type LabCa = 'demo-root' | 'demo-intermediate' | 'expired-intermediate' | 'untrusted-root' | 'untrusted-intermediate';

/** A server certificate: who issues the leaf, what it says, and which CA certificates are sent with it. */
export interface CertShape {
  /** The leaf's issuer; 'self': a self-signed leaf. */
  issuer: Exclude<LabCa, 'demo-root' | 'untrusted-root'> | 'self';
  /** The CA certificates sent after the leaf, in order. */
  chain: readonly LabCa[];
  /** The leaf's common name (and DNS name); default: the server's host name. */
  commonName?: string;
  /** Validity relative to the lab's clock, in days (negative: in the past); default the test PKI's. */
  validDays?: { from: number; to: number };
  /** Key type (default the test PKI's: EC P-256). */
  key?: KeyKind;
  /** Hash the issuer signs with (default SHA-256). */
  signatureHash?: SignatureHash;
}

/** An smtp-server based server (src/smtpd): a real ESMTP dialogue that accepts no message data. */
export interface SmtpdShape {
  kind: 'smtpd';
  /** STARTTLS with this certificate and settings; null: no STARTTLS at all. */
  tls: { cert: CertShape; ciphers?: string; minVersion?: SecureVersion; maxVersion?: SecureVersion } | null;
  /** A certificate presented only to clients that send the server's host name as SNI; the others get `tls.cert`. */
  sniCert?: CertShape;
  /** The name in the banner and EHLO reply (default: the host). */
  announce?: string;
  /** 530 to MAIL FROM in clear. */
  requireTls?: boolean;
  /** Refuse the connection with this reply instead of a 220 greeting. */
  refuse?: { code: number; text: string };
}

/**
 * A scripted server (src/demo/scripted-server.ts), for what smtp-server cannot produce: greeting,
 * EHLO/HELO, MAIL/RCPT accepted, DATA refused, QUIT. `{host}` in texts stands for the host name.
 */
export interface ScriptedShape {
  kind: 'scripted';
  /** The greeting line, without "220 ". */
  banner: string;
  /** EHLO reply lines after the first (the name line); null: 500 to EHLO (no ESMTP). */
  ehlo: readonly string[] | null;
  /** STARTTLS answered with 220 `ready`, then `answer` (instead of a ServerHello) to what comes next, then close; null: the unknown-command reply. */
  starttls: { ready: string; answer: string } | null;
  /** Whether replies carry enhanced status codes (RFC 3463). */
  enhanced: boolean;
  /** The reply to commands the server does not know. */
  unknown: string;
}

export type ServerShape = SmtpdShape | ScriptedShape;

export interface ScenarioRecord {
  name: string;
  title: string;
  dns: DnsShape;
  /** The server for the MX host (or, for an implicit MX, the domain); null: none. */
  server: ServerShape | null;
  expect: { verdict: Verdict; findings: readonly string[] };
  /**
   * An MTA-STS policy served by the lab's policy host at mta-sts.<domain> (with its _mta-sts TXT
   * record and a TLS-RPT record); `mx` patterns with {domain} for the scenario's domain.
   */
  mtaSts?: { mode: 'enforce' | 'testing'; mx: readonly string[] };
  /**
   * DANE: the zone is DNSSEC-signed (the lab's DNS server plays a validating resolver on loopback)
   * and publishes TLSA records for the MX host: 'match' (3 1 1 of the server's key and of a next
   * key), 'mismatch' (3 1 1 of two other keys), 'servfail' (the TLSA query fails).
   */
  dane?: 'match' | 'mismatch' | 'servfail';
}

/** What the handshake-fails server answers a ClientHello with. */
export const NOT_A_SERVER_HELLO = 'This is not TLS: garbage instead of a ServerHello\r\n';
export const MASKED_BANNER = '****************************';
export const MASKED_STARTTLS = 'XXXXXXXA';
export const RATE_LIMIT_REPLY = '4.7.0 Too many connections from your IP, try again later';
export const REQUIRE_TLS_REPLY = '5.7.0 Must issue a STARTTLS command first';
export const INTERNAL_NAME = 'exch01.corp.internal.test';
export const OTHER_COMPANY_NAME = 'mail.other-company.test';

/** A leaf for the host from the demo intermediate, sent with the intermediate: a correct chain. */
const TRUSTED: CertShape = { issuer: 'demo-intermediate', chain: ['demo-intermediate'] };
const WEAK_CIPHERS = 'DEFAULT:@SECLEVEL=0';

export const SCENARIOS: readonly ScenarioRecord[] = [
  {
    name: 'good',
    title: 'Trusted chain (leaf and intermediate), names match; MTA-STS enforce and TLS-RPT',
    expect: { verdict: 'pass', findings: ['tls.ok', 'cert.ok', 'mta-sts.ok', 'tls-rpt.ok'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: TRUSTED } },
    mtaSts: { mode: 'enforce', mx: ['mx.{domain}'] },
  },
  {
    name: 'mta-sts-self-signed',
    title: 'MTA-STS enforce, but the MX certificate is self-signed: fatal for MTA-STS senders',
    expect: { verdict: 'fail', findings: ['cert.self-signed', 'mta-sts.enforce-blocks-delivery'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { issuer: 'self', chain: [] } } },
    mtaSts: { mode: 'enforce', mx: ['mx.{domain}'] },
  },
  {
    name: 'mta-sts-not-covered',
    title: 'MTA-STS enforce, but its wildcard does not match the MX host',
    expect: { verdict: 'fail', findings: ['mta-sts.mx-not-covered', 'mta-sts.enforce-blocks-delivery'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: TRUSTED } },
    mtaSts: { mode: 'enforce', mx: ['*.mx.{domain}'] },
  },
  {
    name: 'dane',
    title: 'DNSSEC-signed, TLSA 3 1 1 of the server key and of the next key: DANE senders authenticate it',
    expect: { verdict: 'pass', findings: ['tls.ok', 'cert.ok', 'dane.ok'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: TRUSTED } },
    dane: 'match',
  },
  {
    name: 'dane-expired',
    title: 'Certificate expired, but TLSA 3 1 1 matches: DANE senders deliver, CA-verifying senders do not',
    expect: { verdict: 'warn', findings: ['cert.expired', 'dane.ok'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { ...TRUSTED, validDays: { from: -100, to: -10 } } } },
    dane: 'match',
  },
  {
    name: 'dane-mismatch',
    title: 'TLSA records name other keys than the server has (renewed without updating DANE)',
    expect: { verdict: 'fail', findings: ['dane.no-match'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: TRUSTED } },
    dane: 'mismatch',
  },
  {
    name: 'dane-servfail',
    title: 'Signed zone whose TLSA lookup fails (SERVFAIL): every DANE sender defers',
    expect: { verdict: 'fail', findings: ['dane.tlsa-lookup-failed'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: TRUSTED } },
    dane: 'servfail',
  },
  {
    name: 'expired',
    title: 'Certificate expired 10 days ago',
    expect: { verdict: 'fail', findings: ['cert.expired'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { ...TRUSTED, validDays: { from: -100, to: -10 } } } },
  },
  {
    name: 'expiring-soon',
    title: 'Certificate expires in 10 days',
    expect: { verdict: 'warn', findings: ['cert.expiring-soon'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { ...TRUSTED, validDays: { from: -80, to: 10 } } } },
  },
  {
    name: 'self-signed',
    title: 'Self-signed certificate',
    expect: { verdict: 'fail', findings: ['cert.self-signed'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { issuer: 'self', chain: [] } } },
  },
  {
    name: 'wrong-name',
    title: `Certificate for ${OTHER_COMPANY_NAME}, not the MX name`,
    expect: { verdict: 'fail', findings: ['cert.name-mismatch'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { ...TRUSTED, commonName: OTHER_COMPANY_NAME } } },
  },
  {
    name: 'untrusted-root',
    title: 'Complete chain to a root nobody trusts',
    expect: { verdict: 'fail', findings: ['cert.untrusted-root'] },
    dns: 'mx',
    server: {
      kind: 'smtpd',
      tls: { cert: { issuer: 'untrusted-intermediate', chain: ['untrusted-intermediate', 'untrusted-root'] } },
    },
  },
  {
    name: 'missing-intermediate',
    title: 'Leaf sent without its intermediate',
    expect: { verdict: 'fail', findings: ['cert.chain-incomplete'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { issuer: 'demo-intermediate', chain: [] } } },
  },
  {
    name: 'expired-intermediate',
    title: 'Leaf valid, its intermediate expired',
    expect: { verdict: 'fail', findings: ['cert.intermediate-expired'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { issuer: 'expired-intermediate', chain: ['expired-intermediate'] } } },
  },
  {
    name: 'weak-key',
    title: 'RSA 1024-bit key',
    expect: { verdict: 'fail', findings: ['cert.weak-key'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { ...TRUSTED, key: 'rsa1024' }, ciphers: WEAK_CIPHERS } },
  },
  {
    name: 'old-protocol',
    title: 'Only TLS 1.0 and 1.1 accepted',
    expect: { verdict: 'fail', findings: ['tls.old-protocol'] },
    dns: 'mx',
    server: {
      kind: 'smtpd',
      tls: { cert: { ...TRUSTED, key: 'rsa2048' }, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: WEAK_CIPHERS },
    },
  },
  {
    name: 'null-cipher',
    title: 'Only cipher suites without encryption (NULL)',
    expect: { verdict: 'fail', findings: ['tls.null-cipher'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { ...TRUSTED, key: 'rsa2048' }, maxVersion: 'TLSv1.2', ciphers: 'eNULL:@SECLEVEL=0' } },
  },
  {
    name: 'sha1-signature',
    title: 'Certificate signed with SHA-1',
    expect: { verdict: 'fail', findings: ['cert.weak-signature'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { ...TRUSTED, signatureHash: 'SHA-1' }, ciphers: WEAK_CIPHERS } },
  },
  {
    name: 'no-starttls',
    title: 'STARTTLS not offered',
    expect: { verdict: 'fail', findings: ['starttls.not-offered'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: null },
  },
  {
    name: 'handshake-fails',
    title: 'STARTTLS accepted, then garbage instead of a ServerHello',
    expect: { verdict: 'fail', findings: ['tls.handshake-failed'] },
    dns: 'mx',
    server: {
      kind: 'scripted',
      banner: '{host} ESMTP mxray demo lab',
      ehlo: ['PIPELINING', 'SIZE 10485760', '8BITMIME', 'ENHANCEDSTATUSCODES', 'STARTTLS'],
      starttls: { ready: '2.0.0 Ready to start TLS', answer: NOT_A_SERVER_HELLO },
      enhanced: true,
      unknown: '5.5.2 Command not recognized',
    },
  },
  {
    name: 'helo-only',
    title: 'No ESMTP: 500 to EHLO, 250 to HELO',
    expect: { verdict: 'fail', findings: ['smtp.esmtp-unsupported'] },
    dns: 'mx',
    server: {
      kind: 'scripted',
      banner: '{host} SMTP service ready',
      ehlo: null,
      starttls: null,
      enhanced: false,
      unknown: 'Command unrecognized',
    },
  },
  {
    name: 'requires-tls',
    title: 'Refuses MAIL FROM in clear (530), fine inside TLS',
    expect: { verdict: 'pass', findings: ['policy.requires-tls', 'tls.ok', 'cert.ok'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: TRUSTED }, requireTls: true },
  },
  {
    name: 'sni-dependent',
    title: 'Right certificate only with SNI; a self-signed default without',
    // Senders without SNI (Postfix, most MTAs) see a self-signed certificate for another name: a real failure for them.
    expect: { verdict: 'fail', findings: ['cert.sni-dependent', 'cert.self-signed', 'cert.name-mismatch'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: { issuer: 'self', chain: [], commonName: 'localhost' } }, sniCert: TRUSTED },
  },
  {
    name: 'firewall-masked',
    title: 'Firewall SMTP inspection masks the banner and STARTTLS (Cisco ASA style)',
    expect: { verdict: 'fail', findings: ['smtp.banner-masked', 'starttls.masked'] },
    dns: 'mx',
    server: {
      kind: 'scripted',
      banner: MASKED_BANNER,
      ehlo: ['PIPELINING', 'SIZE 36700160', 'DSN', 'ENHANCEDSTATUSCODES', MASKED_STARTTLS, '8BITMIME'],
      starttls: null,
      enhanced: true,
      unknown: '5.5.1 Command unrecognized',
    },
  },
  {
    name: 'ehlo-name-mismatch',
    title: `Good certificate for the MX name, but the server calls itself ${INTERNAL_NAME}`,
    expect: { verdict: 'warn', findings: ['cert.ehlo-name-mismatch'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: { cert: TRUSTED }, announce: INTERNAL_NAME },
  },
  {
    name: 'rate-limited',
    title: 'Greets with 421: too many connections',
    expect: { verdict: 'inconclusive', findings: ['smtp.rate-limited'] },
    dns: 'mx',
    server: { kind: 'smtpd', tls: null, refuse: { code: 421, text: RATE_LIMIT_REPLY } },
  },
  {
    name: 'backup-mx',
    title: 'The primary MX refuses connections; the backup MX has verified TLS',
    // Senders skip the dead primary and deliver to the backup: a warning, not a failure.
    expect: { verdict: 'warn', findings: ['net.connect-refused', 'tls.ok', 'cert.ok'] },
    dns: 'mx-backup',
    server: { kind: 'smtpd', tls: { cert: TRUSTED } },
  },
  {
    name: 'null-mx',
    title: 'Null MX (MX 0 "."): the domain accepts no mail',
    // Nothing to test: not applicable (exit 0), with the finding that says why.
    expect: { verdict: 'not-applicable', findings: ['dns.null-mx'] },
    dns: 'null-mx',
    server: null,
  },
  {
    name: 'no-mx',
    title: 'No MX record: mail goes to the A record (implicit MX)',
    expect: { verdict: 'warn', findings: ['dns.no-mx'] },
    dns: 'implicit-mx',
    server: { kind: 'smtpd', tls: { cert: TRUSTED } },
  },
  {
    name: 'nxdomain',
    title: 'The domain does not exist',
    expect: { verdict: 'fail', findings: ['dns.nxdomain'] },
    dns: 'absent',
    server: null,
  },
];
