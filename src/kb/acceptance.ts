// The "who will accept this certificate?" table, as data: one profile per kind of sending MTA and
// configuration, each with the rules it applies to the certificate a receiving server presents,
// the documentation behind each rule, and the short texts the judge (checks/certificate/acceptance.ts)
// writes its reasons from. Changing what a profile requires means bumping ACCEPTANCE_VERSION.
import type { TrustFailure } from '../core/schema.js';

/** Bumped whenever a profile's rules or thresholds change. */
export const ACCEPTANCE_VERSION = 2;

/** The profile ids, in the order the table lists them (part of the JSON contract: never renamed). */
export const ACCEPTANCE_PROFILE_IDS = ['opportunistic', 'postfix-verify', 'postfix-secure', 'exim-verify', 'exchange-server', 'exchange-online', 'dane'] as const;
export type AcceptanceProfileId = (typeof ACCEPTANCE_PROFILE_IDS)[number];

/**
 * One requirement a sender puts on the certificate. Rules are judged in the profile's order: the
 * first one that fails (else the first one that cannot be judged) gives the deciding reason.
 */
export type AcceptanceRule = { ref: string } & (
  /** A certificate at all (the server presented a readable leaf). */
  | { rule: 'leaf' }
  /** Not the server's own self-signed certificate (Exchange takes none from partners, even one it was told to trust). */
  | { rule: 'not-self-signed' }
  /** The chain verifies to a trust anchor with only the certificates the server sent: OpenSSL and GnuTLS fetch nothing. */
  | { rule: 'trusted-as-sent' }
  /** The chain verifies, missing intermediates fetched from the AIA caIssuers URLs as Windows' chain engine does. */
  | { rule: 'trusted-with-aia' }
  /** The path ends at a public CA's root (Microsoft's Trusted Root Program): only said, since a CA file's root cannot be told from a public one here. */
  | { rule: 'public-ca' }
  /** The server certificate is inside its validity period at the judging time. */
  | { rule: 'time-valid' }
  /** The MX host name the sender connected to is on the certificate (RFC 6125: DNS SANs, the CN only without them, `*` only as the whole left-most label). */
  | { rule: 'mx-host-covered' }
  /** Postfix `smtp_tls_secure_cert_match = nexthop, dot-nexthop`: a name equal to the next-hop domain or under it. */
  | { rule: 'nexthop-domain' }
  /** The connector's names (TlsDomain, TlsSenderCertificateName, --name) are on the certificate; `required`: a name must be given to judge it. */
  | { rule: 'connector-names'; required: boolean }
  /** Each certificate on the path (not the trust anchor) has a usable CRL or OCSP answer that says it is good. */
  | { rule: 'revocation-checkable' }
  /** No certificate on the path (but the trust anchor) is signed with one of these hashes. */
  | { rule: 'signature-hashes'; refused: readonly string[] }
  /** No RSA key on the path (but the trust anchor's) below this many bits. */
  | { rule: 'rsa-key-size'; minBits: number }
  /**
   * DANE (RFC 7672): with DNSSEC-secure usable TLSA records, the chain matches one (DANE-EE: the leaf,
   * whatever its dates, names and issuer; DANE-TA: a certificate sent, and the leaf names the MX host
   * or the next-hop domain); without them, opportunistic TLS; a failed or bogus lookup defers.
   */
  | { rule: 'dane-match' }
);
export type AcceptanceRuleId = AcceptanceRule['rule'];

export interface AcceptanceProfile {
  id: AcceptanceProfileId;
  /** Its name for people (the table's row label). */
  name: string;
  /** The software, as the reasons name it ("Postfix does not …"). */
  software: string;
  /** The settings this row stands for, in the software's own words. */
  configuration: string;
  rules: readonly AcceptanceRule[];
  /** Said with every answer the profile gives (after the deciding reasons). */
  notes: readonly string[];
}

const POSTFIX_TLS = 'Postfix TLS_README, "Mandatory server certificate verification" and "Secure server certificate verification"; postconf(5)';
const EXIM_TLS = 'Exim specification, chapter "Encrypted SMTP connections using TLS/SSL", smtp transport options tls_verify_hosts, tls_verify_cert_hostnames';
const EXCHANGE_CONNECTOR = 'Microsoft Learn, Exchange Server: Set-SendConnector -RequireTLS -TlsAuthLevel; "TLS functionality and related terminology in Exchange Server"';
const EXO_CONNECTOR = 'Microsoft Learn, Exchange Online: New-OutboundConnector -TlsSettings -TlsDomain, New-InboundConnector -TlsSenderCertificateName';
const WINDOWS_CHAIN = 'Microsoft Learn, "Certificate Chain Engine" (CertGetCertificateChain: AIA retrieval, CRL and OCSP revocation checks)';

/** The MD and SHA-1 signatures Microsoft's chain policy refuses for Exchange Online connectors. */
const REFUSED_BY_EXCHANGE_ONLINE = ['md2', 'md4', 'md5', 'sha1'] as const;

export const ACCEPTANCE_PROFILES: readonly AcceptanceProfile[] = [
  {
    id: 'opportunistic',
    name: 'Opportunistic (any sender)',
    software: 'An opportunistic sender',
    configuration: 'Postfix smtp_tls_security_level = may; Exim without tls_verify_hosts; Exchange send connectors without RequireTLS',
    rules: [{ rule: 'leaf', ref: 'RFC 7435 (opportunistic security); RFC 3207 §4.1' }],
    notes: ['Not verified: any certificate encrypts, even a self-signed or expired one.'],
  },
  {
    id: 'postfix-verify',
    name: 'Postfix, level verify',
    software: 'Postfix',
    configuration: 'smtp_tls_security_level = verify, smtp_tls_verify_cert_match = hostname (the default)',
    rules: [
      { rule: 'leaf', ref: POSTFIX_TLS },
      { rule: 'trusted-as-sent', ref: `${POSTFIX_TLS}; OpenSSL verifies the chain the server sends and fetches no intermediates` },
      { rule: 'time-valid', ref: 'RFC 5280 §6.1.3 (a)(2)' },
      { rule: 'mx-host-covered', ref: `${POSTFIX_TLS}: smtp_tls_verify_cert_match = hostname; RFC 6125 §6.4` },
    ],
    notes: ['Postfix does not check revocation (no CRL or OCSP lookups).'],
  },
  {
    id: 'postfix-secure',
    name: 'Postfix, level secure',
    software: 'Postfix',
    configuration: 'smtp_tls_security_level = secure, smtp_tls_secure_cert_match = nexthop, dot-nexthop (the default)',
    rules: [
      { rule: 'leaf', ref: POSTFIX_TLS },
      { rule: 'trusted-as-sent', ref: `${POSTFIX_TLS}; OpenSSL verifies the chain the server sends and fetches no intermediates` },
      { rule: 'time-valid', ref: 'RFC 5280 §6.1.3 (a)(2)' },
      { rule: 'nexthop-domain', ref: `${POSTFIX_TLS}: smtp_tls_secure_cert_match = nexthop, dot-nexthop` },
    ],
    notes: [
      'Postfix matches the next-hop domain, not the MX host name, at this level.',
      'Postfix does not check revocation (no CRL or OCSP lookups).',
    ],
  },
  {
    id: 'exim-verify',
    name: 'Exim, tls_verify_hosts',
    software: 'Exim',
    configuration: 'smtp transport: tls_verify_hosts matching the host, tls_verify_cert_hostnames = * (the default in current Exim)',
    rules: [
      { rule: 'leaf', ref: EXIM_TLS },
      { rule: 'trusted-as-sent', ref: `${EXIM_TLS}; OpenSSL and GnuTLS verify the chain the server sends and fetch no intermediates` },
      { rule: 'time-valid', ref: 'RFC 5280 §6.1.3 (a)(2)' },
      { rule: 'mx-host-covered', ref: `${EXIM_TLS}: tls_verify_cert_hostnames; RFC 6125 §6.4` },
    ],
    notes: ['Exim checks no CRL or OCSP by default (tls_crl and hosts_require_ocsp are unset).'],
  },
  {
    id: 'exchange-server',
    name: 'Exchange Server, validating',
    software: 'Exchange',
    configuration: 'Send connector with RequireTLS and TlsAuthLevel CertificateValidation, or DomainValidation with TlsDomain',
    rules: [
      { rule: 'leaf', ref: EXCHANGE_CONNECTOR },
      { rule: 'not-self-signed', ref: `${EXCHANGE_CONNECTOR}: partners need a certificate from a certification authority` },
      { rule: 'trusted-with-aia', ref: WINDOWS_CHAIN },
      { rule: 'time-valid', ref: 'RFC 5280 §6.1.3 (a)(2)' },
      { rule: 'connector-names', required: false, ref: `${EXCHANGE_CONNECTOR}: TlsDomain with DomainValidation` },
      { rule: 'revocation-checkable', ref: `${WINDOWS_CHAIN}; RFC 5280 §6.3, RFC 6960` },
    ],
    notes: [],
  },
  {
    id: 'exchange-online',
    name: 'Exchange Online connectors',
    software: 'Exchange Online',
    configuration: 'Connectors with TlsSettings CertificateValidation or DomainValidation (TlsDomain); inbound connectors matched by TlsSenderCertificateName',
    rules: [
      { rule: 'leaf', ref: EXO_CONNECTOR },
      { rule: 'not-self-signed', ref: `${EXO_CONNECTOR}: a certificate from a public certification authority` },
      { rule: 'trusted-with-aia', ref: WINDOWS_CHAIN },
      { rule: 'public-ca', ref: 'Microsoft Learn, "Microsoft Trusted Root Program"' },
      { rule: 'time-valid', ref: 'RFC 5280 §6.1.3 (a)(2)' },
      { rule: 'signature-hashes', refused: REFUSED_BY_EXCHANGE_ONLINE, ref: 'Microsoft Trusted Root Program requirements (SHA-1 deprecation); RFC 9155' },
      { rule: 'rsa-key-size', minBits: 2048, ref: 'Microsoft Trusted Root Program requirements (RSA keys of at least 2048 bits)' },
      { rule: 'connector-names', required: true, ref: `${EXO_CONNECTOR}: TlsDomain, TlsSenderCertificateName` },
      { rule: 'revocation-checkable', ref: `${WINDOWS_CHAIN}; RFC 5280 §6.3, RFC 6960` },
    ],
    notes: [],
  },
  {
    id: 'dane',
    name: 'DANE sender',
    software: 'A DANE sender',
    configuration: 'Postfix smtp_tls_security_level = dane with smtp_dns_support_level = dnssec; Exim hosts_try_dane; Exchange Online outbound DANE',
    rules: [
      { rule: 'leaf', ref: 'RFC 7672 §3' },
      { rule: 'dane-match', ref: 'RFC 7672 §2.2, §3.1; RFC 7671 §5' },
    ],
    notes: [],
  },
];

/**
 * The short texts reasons are written from. `{placeholders}` are filled by the judge; each text
 * starts with or holds a stable key phrase (quoted in the comment) that tests look for.
 */
export const ACCEPTANCE_TEXTS = {
  /** "matches the TLSA record" */
  daneMatch: 'The certificate matches the TLSA record {record} ({usage}): {what}.',
  /** "matches none of the TLSA records" */
  daneNoMatch: 'The certificate matches none of the TLSA records ({records}): DANE senders defer the mail.',
  /** "not looked up" */
  daneNotLookedUp: 'No TLSA records were looked up or given (name the host, or give --tlsa).',
  /** "without DANE" */
  daneNone: 'No DNSSEC-secure TLSA records ({why}): a DANE sender uses TLS opportunistically and accepts any certificate.',
  /** "only unusable" */
  daneUnusable: 'Only TLSA records SMTP cannot use: a DANE sender insists on TLS but accepts any certificate.',
  /** "TLSA lookup fails" */
  daneLookupFails: 'The TLSA lookup fails ({why}): DANE senders defer the mail.',
  /** "names neither" */
  daneTaName: 'The certificate chains to the DANE-TA record {record} but names neither {names}: DANE senders refuse it.',
  /** "no readable certificate" */
  noCertificate: 'The server presented no readable certificate.',
  /** "not trusted" */
  notTrusted: 'The chain is not trusted: {why}.',
  /** "incomplete as sent" */
  incompleteAsSent: 'The chain is incomplete as sent: only senders that fetch missing intermediates (AIA) complete it, and {software} does not.',
  /** "completed from the AIA" (a note: Windows fetched what the server left out) */
  repairedByAia: 'The chain is incomplete as sent; Windows completes it from the AIA issuer URL, as mxray did.',
  /** "AIA repair was not tried" */
  repairNotTried: 'The chain is incomplete as sent, and fetching the missing intermediates (AIA repair) was not tried: whether Windows completes it is not known.',
  /** "AIA repair failed" */
  repairFailed: 'The chain is incomplete as sent, and the missing intermediates could not be fetched from the AIA issuer URL (AIA repair failed{detail}).',
  /** "self-signed" */
  selfSigned: 'The certificate is self-signed: {software} takes none from a partner.',
  /** "public CAs only" */
  publicCaOnly: 'Exchange Online trusts public CAs only (Microsoft Trusted Root Program): a root from a CA file given to mxray is not among them.',
  /** "expired" */
  expired: 'The certificate expired on {date}.',
  /** "not valid before" */
  notYetValid: 'The certificate is not valid before {date}.',
  /** "no MX host name" */
  noMxHost: 'There is no MX host name to check the certificate against.',
  /** "is not on the certificate" */
  mxHostNotCovered: 'The MX host name {name} is not on the certificate (names: {names}).',
  /** "no next-hop domain" */
  noDomain: 'There is no mail domain (next-hop domain) to check the certificate against.',
  /** "no name on the certificate is" */
  domainNotCovered: 'No name on the certificate is {domain} or a name under it (smtp_tls_secure_cert_match = nexthop, dot-nexthop; names: {names}).',
  /** "no connector name" */
  noConnectorName: 'There is no connector name (TlsDomain, TlsSenderCertificateName) to check the certificate against: give one with --name.',
  /** "connector name was given" (a note) */
  connectorNamesOptional: 'No connector name was given: judged as CertificateValidation; with DomainValidation the TlsDomain must be on the certificate too.',
  /** "connector name" */
  connectorNameNotCovered: 'The connector name {name} is not on the certificate (names: {names}).',
  /** "Revocation was not checked" */
  revocationNotChecked: 'Revocation was not checked (--no-revocation): {software} refuses a certificate whose revocation it cannot check.',
  /** "no revocation lookups" */
  revocationMissing: 'There are no revocation lookups for {subject}: whether {software} can check its revocation is not known.',
  /** "is revoked" */
  revoked: '{subject} is revoked{when}.',
  /** "RevocationOffline" + "out of date" */
  revocationStale: 'RevocationOffline: the {method} answer for {subject} is out of date (next update {date}).',
  /** "RevocationOffline" + "no CRL or OCSP answer" */
  revocationOffline: 'RevocationOffline: no CRL or OCSP answer for {subject} could be used ({detail}).',
  /** "names no CRL or OCSP address" */
  revocationNoAddress: '{subject} names no CRL or OCSP address: Windows cannot check its revocation.',
  /** "refuses" + the hash */
  weakSignature: '{subject} is signed with {algorithm}: {software} refuses {hash} signatures.',
  /** "-bit RSA key" */
  weakKey: '{subject} has a {bits}-bit RSA key: {software} requires at least {minBits} bits.',
  /** "key size is not known" */
  keySizeUnknown: 'The RSA key size of {subject} is not known.',
} as const;
export type AcceptanceTextKey = keyof typeof ACCEPTANCE_TEXTS;

/** Why a chain is not trusted, for the `notTrusted` text, by the verdict's trustFailure. */
export const TRUST_FAILURE_TEXTS: Readonly<Record<TrustFailure, string>> = {
  'self-signed': 'the certificate is self-signed',
  'untrusted-root': 'it ends at a root that is not in the trust store',
  'chain-incomplete': 'intermediate certificates are missing',
  'bad-signature': 'a signature on it does not verify',
  'no-certificate': 'there is no certificate',
  'chain-invalid': 'a certificate on it breaks a rule of path validation ({rules})',
  'chain-too-long': 'it is longer than verifying senders follow',
  none: 'verification failed',
};
