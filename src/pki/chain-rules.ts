// RFC 5280 path validation (§6.1) of a built path, certificate by certificate, with the checks
// OpenSSL adds for a TLS server (the sslserver purpose; sslclient for a sender's client certificate): validity of every certificate above the
// leaf, CA flags, key usages, path length and name constraints, extended key usage, critical
// extensions. Facts come from the DER (der.ts): node:crypto's X509Certificate does not expose key
// usage bits, pathLenConstraint, name constraints or criticality.
//
// Two views of the same facts:
// - `checkPath`: the problems we report, each naming the certificate and the rule, for people;
//   trust anchors are trusted as configured (RFC 5280 §6.1.1 d: an anchor is a name and a key), so
//   only their validity and the constraints they impose on the certificates below them count;
// - `opensslChainFacts`: what OpenSSL's X509_verify_cert checks on the same chain, anchors
//   included, for the first error it would report (openssl-errors.ts).
//
// Work is bounded: the path has at most MAX_PATH_LENGTH (+ continuation) certificates, each with at
// most MAX_EXTENSIONS extensions and MAX_LIST_ENTRIES names or subtrees per extension, and name
// constraints are compared at most MAX_NAME_CHECKS times per path.
import type { X509Certificate } from 'node:crypto';
import type { ChainRule } from '../core/schema.js';
import { normalizeIp, parseOpenSslTime } from './certificate.js';
import {
  commonNamesOf,
  isEmptyName,
  KEY_USAGE,
  parseBasicConstraints,
  parseExtendedKeyUsage,
  parseGeneralNames,
  parseKeyUsage,
  parseAuthorityKeyId,
  parseNameConstraints,
  parseSubjectKeyId,
  readCertificateNames,
  readExtensions,
  sameName,
  type GeneralSubtree,
} from './der.js';
import type { OpensslCertFacts, OpensslErrorSymbol } from './openssl-errors.js';

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
  netscapeCertType: '2.16.840.1.113730.1.1',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
} as const;

/** Extensions OpenSSL 3 handles (X509_supported_extension): a critical one of any other kind fails verification (34). */
const HANDLED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.netscapeCertType,
  OID.keyUsage,
  OID.subjectAltName,
  OID.basicConstraints,
  '2.5.29.32', // certificatePolicies
  '2.5.29.31', // cRLDistributionPoints
  OID.extKeyUsage,
  '1.3.6.1.5.5.7.1.7', // sbgp-ipAddrBlock (RFC 3779)
  '1.3.6.1.5.5.7.1.8', // sbgp-autonomousSysNum (RFC 3779)
  '1.3.6.1.5.5.7.48.1.5', // id-pkix-ocsp-nocheck
  '2.5.29.36', // policyConstraints
  '1.3.6.1.5.5.7.1.14', // proxyCertInfo
  OID.nameConstraints,
  '2.5.29.33', // policyMappings
  '2.5.29.54', // inhibitAnyPolicy
]);

/** extendedKeyUsage values OpenSSL takes for a TLS server: serverAuth, and the old Netscape and Microsoft Server Gated Crypto. */
const SERVER_AUTH_EKU: ReadonlySet<string> = new Set(['1.3.6.1.5.5.7.3.1', '2.16.840.1.113730.4.1', '1.3.6.1.4.1.311.10.3.3']);
export const EKU_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};
/** extendedKeyUsage values OpenSSL takes for a TLS client (check_purpose_ssl_client): clientAuth alone (anyExtendedKeyUsage is not enough). */
const CLIENT_AUTH_EKU: ReadonlySet<string> = new Set(['1.3.6.1.5.5.7.3.2']);
/** keyUsage bits a TLS server key needs one of (OpenSSL's check_purpose_ssl_server). */
const SERVER_KEY_USES = KEY_USAGE.digitalSignature | KEY_USAGE.keyEncipherment | KEY_USAGE.keyAgreement;
/** keyUsage bits a TLS client key needs one of (check_purpose_ssl_client: it signs, or agrees a key; never key encipherment). */
const CLIENT_KEY_USES = KEY_USAGE.digitalSignature | KEY_USAGE.keyAgreement;
/** Netscape cert type "SSL server": bit 1 of its BIT STRING (OpenSSL's NS_SSL_SERVER, 0x40 of the first byte). */
const NS_SSL_SERVER = 2;
/** Netscape cert type "SSL client": bit 0 of its BIT STRING (OpenSSL's NS_SSL_CLIENT, 0x80 of the first byte). */
const NS_SSL_CLIENT = 1;

/**
 * What the path is checked for: a TLS server's certificate (OpenSSL's purpose sslserver, what a
 * sending MTA checks), or a TLS client's (sslclient: what a receiving MTA checks of a sender's).
 */
export type Purpose = 'server' | 'client';

/** What path validation reads of one certificate. */
export interface ElementFacts {
  /** Raw DER issuer and subject Names, null when they cannot be read. */
  issuerName: Buffer | null;
  subjectName: Buffer | null;
  /** Subject and issuer are the same name (RFC 5280's "self-issued"), compared as OpenSSL compares names. */
  selfIssued: boolean;
  /** The issuer field is the empty Name. */
  emptyIssuer: boolean;
  /** Whether it has any extensions at all (a version 1 certificate has none). */
  hasExtensions: boolean;
  basicConstraints: { ca: boolean; pathLen: number | null } | null;
  /** keyUsage mask (der.ts KEY_USAGE), null when absent. */
  keyUsage: number | null;
  /** extendedKeyUsage OIDs, null when absent. */
  eku: string[] | null;
  /** Netscape cert type bits (bit i of its BIT STRING as 1 << i), null when absent. */
  nsCertType: number | null;
  dnsNames: string[];
  /** iPAddress SAN entries, 4 or 16 bytes (others are kept: OpenSSL rejects them under IP constraints). */
  ipAddresses: Buffer[];
  /** CN values that look like DNS names (OpenSSL's cn2dnsid), checked against DNS name constraints when there is no DNS SAN. */
  dnsLikeCommonNames: string[];
  nameConstraints: { permitted: GeneralSubtree[]; excluded: GeneralSubtree[] } | null;
  /** OIDs of critical extensions path validation does not handle. */
  unknownCritical: string[];
  /** Why an extension cannot be used: "basicConstraints cannot be read", "extKeyUsage appears twice" …; [] when none. */
  invalid: string[];
  /** subjectKeyIdentifier and the keyIdentifier of authorityKeyIdentifier, null when absent. */
  subjectKeyId: Buffer | null;
  authorityKeyId: Buffer | null;
  /** Validity, epoch ms (the epoch when unreadable). */
  notBefore: number;
  notAfter: number;
}

const EXTENSION_NAMES: Readonly<Record<string, string>> = {
  [OID.basicConstraints]: 'basicConstraints',
  [OID.keyUsage]: 'keyUsage',
  [OID.extKeyUsage]: 'extKeyUsage',
  [OID.subjectAltName]: 'subjectAltName',
  [OID.nameConstraints]: 'nameConstraints',
  [OID.netscapeCertType]: 'nsCertType',
  [OID.subjectKeyId]: 'subjectKeyIdentifier',
  [OID.authorityKeyId]: 'authorityKeyIdentifier',
};

/** OpenSSL's cn2dnsid: letters, digits, "_", inner "-" and ".", at least two labels; no "*". */
function looksLikeDnsName(cn: string): boolean {
  const s = cn.trim();
  if (s.length === 0 || s.includes('\0')) return false;
  let dotted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (/[A-Za-z0-9_]/.test(c)) continue;
    const inner = i > 0 && i < s.length - 1;
    if (inner && c === '-') continue;
    if (inner && c === '.' && s[i + 1] !== '.' && s[i - 1] !== '-' && s[i + 1] !== '-') {
      dotted = true;
      continue;
    }
    return false;
  }
  return dotted;
}

/** Reads what path validation needs from a certificate. Never throws. */
export function readElement(cert: X509Certificate): ElementFacts {
  const der = cert.raw;
  const names = readCertificateNames(der);
  const extensions = readExtensions(der);
  const facts: ElementFacts = {
    issuerName: names?.issuer ?? null,
    subjectName: names?.subject ?? null,
    selfIssued: names !== null && sameName(names.subject, names.issuer),
    emptyIssuer: names !== null && isEmptyName(names.issuer),
    hasExtensions: extensions === null || extensions.length > 0,
    basicConstraints: null,
    keyUsage: null,
    eku: null,
    nsCertType: null,
    dnsNames: [],
    ipAddresses: [],
    dnsLikeCommonNames: [],
    nameConstraints: null,
    unknownCritical: [],
    invalid: extensions === null ? ['the extensions cannot be read'] : [],
    subjectKeyId: null,
    authorityKeyId: null,
    notBefore: parseOpenSslTime(cert.validFrom) ?? 0,
    notAfter: parseOpenSslTime(cert.validTo) ?? 0,
  };
  const seen = new Set<string>();
  let hasDnsSan = false;
  for (const ext of extensions ?? []) {
    const known = EXTENSION_NAMES[ext.oid];
    if (seen.has(ext.oid)) facts.invalid.push(`${known ?? ext.oid} appears twice`);
    seen.add(ext.oid);
    if (ext.critical && !HANDLED_EXTENSIONS.has(ext.oid)) facts.unknownCritical.push(ext.oid);
    if (known === undefined) continue;
    let readable = true;
    switch (ext.oid) {
      case OID.basicConstraints:
        facts.basicConstraints = parseBasicConstraints(ext.value);
        readable = facts.basicConstraints !== null;
        break;
      case OID.keyUsage:
        facts.keyUsage = parseKeyUsage(ext.value);
        readable = facts.keyUsage !== null;
        break;
      case OID.extKeyUsage:
        facts.eku = parseExtendedKeyUsage(ext.value);
        readable = facts.eku !== null;
        break;
      case OID.netscapeCertType:
        // A BIT STRING like keyUsage.
        facts.nsCertType = parseKeyUsage(ext.value);
        readable = facts.nsCertType !== null;
        break;
      case OID.subjectAltName: {
        const list = parseGeneralNames(ext.value);
        readable = list !== null;
        for (const n of list ?? []) {
          if (n.type === 2) {
            facts.dnsNames.push(n.value.toString('latin1'));
            hasDnsSan = true;
          } else if (n.type === 7) facts.ipAddresses.push(n.value);
        }
        break;
      }
      case OID.subjectKeyId:
        facts.subjectKeyId = parseSubjectKeyId(ext.value);
        readable = facts.subjectKeyId !== null;
        break;
      case OID.authorityKeyId: {
        const id = parseAuthorityKeyId(ext.value);
        facts.authorityKeyId = id === 'absent' ? null : id;
        readable = id !== null;
        break;
      }
      default: // nameConstraints
        facts.nameConstraints = parseNameConstraints(ext.value);
        readable = facts.nameConstraints !== null;
    }
    if (!readable) facts.invalid.push(`${known} cannot be read`);
  }
  if (!hasDnsSan && names) facts.dnsLikeCommonNames = commonNamesOf(names.subject).filter(looksLikeDnsName).map((n) => n.trim());
  return facts;
}

// ---- the rules

/** OpenSSL's check_ca() == 1: basicConstraints CA:TRUE and a keyUsage (when present) with keyCertSign. */
function isProperCa(f: ElementFacts): boolean {
  return f.basicConstraints?.ca === true && canSignCertificates(f);
}

function canSignCertificates(f: ElementFacts): boolean {
  return f.keyUsage === null || (f.keyUsage & KEY_USAGE.keyCertSign) !== 0;
}

/** A certificate that may issue others, as path building prefers it. */
export function mayIssue(f: ElementFacts): boolean {
  return isProperCa(f);
}

/** Its keyUsage is present and lacks keyCertSign. */
export function keyUsageForbidsSigning(f: ElementFacts): boolean {
  return !canSignCertificates(f);
}

/**
 * Whether the names and key identifiers say `issuer` issued `child` (OpenSSL's
 * ossl_x509_likely_issued, without its key-type check): the issuer name is the issuer's subject,
 * and the authority key identifier, when both carry one, is the issuer's subject key identifier.
 */
export function namesFit(child: ElementFacts, issuer: ElementFacts): boolean {
  if (!child.issuerName || !issuer.subjectName || !sameName(child.issuerName, issuer.subjectName)) return false;
  return !(child.authorityKeyId && issuer.subjectKeyId && !child.authorityKeyId.equals(issuer.subjectKeyId));
}

/** OpenSSL takes a self-issued certificate for self-signed when its key identifiers do not say otherwise (EXFLAG_SS), without checking the signature. */
export function opensslSelfSigned(f: ElementFacts): boolean {
  return f.selfIssued && namesFit(f, f);
}

/** The words and bits of each purpose: its extendedKeyUsage values, keyUsage bits and Netscape type. */
const PURPOSES: Readonly<Record<Purpose, { eku: ReadonlySet<string>; ekuName: string; keyUses: number; keyUsesText: string; ns: number; nsName: string; role: string }>> = {
  server: { eku: SERVER_AUTH_EKU, ekuName: 'serverAuth', keyUses: SERVER_KEY_USES, keyUsesText: 'digitalSignature, keyEncipherment nor keyAgreement', ns: NS_SSL_SERVER, nsName: 'SSL server', role: 'a TLS server' },
  client: { eku: CLIENT_AUTH_EKU, ekuName: 'clientAuth', keyUses: CLIENT_KEY_USES, keyUsesText: 'digitalSignature nor keyAgreement', ns: NS_SSL_CLIENT, nsName: 'SSL client', role: 'a TLS client' },
};

function ekuAllows(f: ElementFacts, purpose: Purpose): boolean {
  return f.eku === null || f.eku.some((oid) => PURPOSES[purpose].eku.has(oid));
}

/** Why a leaf may not be a TLS server (OpenSSL's check_purpose_ssl_server) or client (check_purpose_ssl_client) certificate, or null. */
function leafPurposeProblem(f: ElementFacts, purpose: Purpose): string | null {
  const p = PURPOSES[purpose];
  if (!ekuAllows(f, purpose)) return `its extendedKeyUsage (${ekuText(f.eku ?? [])}) does not include ${p.ekuName}`;
  if (f.nsCertType !== null && (f.nsCertType & p.ns) === 0) return `its Netscape certificate type does not include ${p.nsName}`;
  if (f.keyUsage !== null && (f.keyUsage & p.keyUses) === 0) return `its keyUsage allows neither ${p.keyUsesText}`;
  return null;
}

function ekuText(oids: readonly string[]): string {
  return oids.map((o) => EKU_NAMES[o] ?? o).join(', ');
}

/** CA certificates below index `i` that count against its pathLenConstraint: the intermediates that are not self-issued. */
function casBelow(facts: readonly ElementFacts[], i: number): number {
  let n = 0;
  for (let k = 1; k < i; k++) if (!(facts[k] as ElementFacts).selfIssued) n++;
  return n;
}

// ---- name constraints (RFC 5280 §4.2.1.10; matching as OpenSSL's nc_match)

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
    // RFC 5952: the longest run of zero groups as "::" (eight groups of hex always normalise).
    return normalizeIp(groups.join(':')) as string;
  }
  return `0x${bytes.toString('hex')}`;
}

function subtreeText(s: GeneralSubtree): string {
  const v = s.base.value;
  if (s.base.type === 2) return v.toString('latin1') || '(any name)';
  if (s.base.type === 7 && (v.length === 8 || v.length === 32)) {
    const half = v.length / 2;
    const mask = v.subarray(half);
    let bits = 0;
    for (const b of mask) for (let k = 7; k >= 0; k--) bits += (b >> k) & 1;
    return `${ipText(v.subarray(0, half))}/${bits}`;
  }
  return `(name type ${s.base.type})`;
}

/** OpenSSL's nc_dns: an empty base matches all; else the name ends with the base, at a label boundary unless the base starts with ".". */
function dnsWithin(name: string, base: string): boolean {
  if (base.length === 0) return true;
  const n = name.toLowerCase();
  const b = base.toLowerCase();
  if (n.length < b.length) return false;
  if (n.length > b.length && !b.startsWith('.') && n[n.length - b.length - 1] !== '.') return false;
  return n.endsWith(b);
}

/** OpenSSL's nc_ip: same family, and equal under the mask. Null when either is malformed (OpenSSL: unsupported name syntax). */
function ipWithin(ip: Buffer, base: Buffer): boolean | null {
  if ((ip.length !== 4 && ip.length !== 16) || (base.length !== 8 && base.length !== 32)) return null;
  if (ip.length * 2 !== base.length) return false;
  for (let i = 0; i < ip.length; i++) {
    const mask = base[ip.length + i] as number;
    if (((ip[i] as number) & mask) !== ((base[i] as number) & mask)) return false;
  }
  return true;
}

interface NameViolation {
  symbol: OpensslErrorSymbol;
  detail: string;
}

/**
 * Most name comparisons for a whole path (OpenSSL allows as many for one certificate against one
 * CA: NAME_CHECK_MAX), so that hostile certificates (thousands of names under CAs with thousands of
 * subtrees) stay cheap.
 */
export const MAX_NAME_CHECKS = 1 << 20;

/** The comparisons left for a path. */
interface Budget {
  left: number;
}

/** One name of a certificate against one CA's constraints (nc_match): a violation, or null. */
function checkName(type: 2 | 7, name: Buffer | string, nc: NonNullable<ElementFacts['nameConstraints']>, caLabel: string): NameViolation | null {
  const shown = typeof name === 'string' ? name : ipText(name);
  const within = (s: GeneralSubtree): boolean | null =>
    type === 2 ? dnsWithin(name as string, s.base.value.toString('latin1')) : ipWithin(name as Buffer, s.base.value);
  const permitted = nc.permitted.filter((s) => s.base.type === type);
  const excluded = nc.excluded.filter((s) => s.base.type === type);
  for (const s of [...permitted, ...excluded]) {
    if (!s.defaultRange) return { symbol: 'SUBTREE_MINMAX', detail: `${caLabel} limits names with a minimum or maximum distance, which no verifier supports` };
  }
  if (permitted.length > 0) {
    const results = permitted.map(within);
    if (results.includes(null)) return { symbol: 'PERMITTED_VIOLATION', detail: `${shown} cannot be compared with the IP address constraints of ${caLabel}` };
    if (!results.includes(true)) {
      return { symbol: 'PERMITTED_VIOLATION', detail: `${shown} is outside the names ${caLabel} permits (${permitted.map(subtreeText).join(', ')})` };
    }
  }
  const hit = excluded.find((s) => within(s) !== false);
  if (hit) return { symbol: 'EXCLUDED_VIOLATION', detail: `${shown} is among the names ${caLabel} excludes (${subtreeText(hit)})` };
  return null;
}

/** The first violation of a CA's constraints by the names of one certificate below it, or null; bounded by `budget`. */
function nameConstraintViolation(f: ElementFacts, isLeaf: boolean, ca: ElementFacts, caLabel: string, budget: Budget): NameViolation | null {
  const nc = ca.nameConstraints;
  if (!nc) return null;
  const dns = [...f.dnsNames, ...(isLeaf ? f.dnsLikeCommonNames : [])];
  const work = (dns.length + f.ipAddresses.length) * (nc.permitted.length + nc.excluded.length);
  if (work > budget.left) {
    budget.left = 0;
    return { symbol: 'UNSPECIFIED', detail: `it has too many names to compare with the name constraints of ${caLabel} (verifiers give up too)` };
  }
  budget.left -= work;
  for (const name of dns) {
    const v = checkName(2, name, nc, caLabel);
    if (v) return v;
  }
  for (const ip of f.ipAddresses) {
    const v = checkName(7, ip, nc, caLabel);
    if (v) return v;
  }
  return null;
}

// ---- the problems we report

export type Role = 'leaf' | 'intermediate' | 'trust-anchor';

export interface PathElement {
  facts: ElementFacts;
  role: Role;
  /** Its name for people. */
  label: string;
}

export interface RuleViolation {
  index: number;
  rule: ChainRule;
  detail: string;
  /** What OpenSSL reports for it. */
  symbol: OpensslErrorSymbol;
}

const DAY_MS = 86_400_000;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Every rule the certificates on `path` break, by position (leaf first), for the verdict. Not the
 * leaf's own validity (the verdict has it apart). Trust anchors are trusted as configured: their
 * validity and the constraints they impose on the certificates below them are checked, not their
 * CA flag, key usages or extensions.
 */
export function checkPath(path: readonly PathElement[], now: number, purpose: Purpose = 'server'): RuleViolation[] {
  const purposeRule: ChainRule = purpose === 'server' ? 'not-for-server-auth' : 'not-for-client-auth';
  const p = PURPOSES[purpose];
  const out: RuleViolation[] = [];
  const facts = path.map((e) => e.facts);
  const budget: Budget = { left: MAX_NAME_CHECKS };
  path.forEach((element, i) => {
    const f = element.facts;
    const add = (rule: ChainRule, detail: string, symbol: OpensslErrorSymbol) => out.push({ index: i, rule, detail, symbol });
    const anchor = element.role === 'trust-anchor';
    if (!anchor) {
      if (f.unknownCritical.length > 0) {
        add('unknown-critical-extension', `it has critical extension(s) ${f.unknownCritical.join(', ')}, which verifiers do not know and so must refuse`, 'UNHANDLED_CRITICAL_EXTENSION');
      }
      if (f.invalid.length > 0) add('invalid-extension', f.invalid.join('; '), 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
      if (f.emptyIssuer) add('empty-issuer-name', 'its issuer field is an empty name', 'ISSUER_NAME_EMPTY');
    }
    if (i === 0) {
      const why = leafPurposeProblem(f, purpose);
      if (why) add(purposeRule, `${why}: it may not be used for ${p.role}`, 'INVALID_PURPOSE');
    } else if (!anchor) {
      const bc = f.basicConstraints;
      if (bc === null || !bc.ca) {
        const why = bc === null ? 'has no basicConstraints extension' : 'its basicConstraints say CA:FALSE';
        add('not-a-ca', `it issued ${quote((path[i - 1] as PathElement).label)} but ${why}`, 'INVALID_CA');
      } else if (!canSignCertificates(f)) {
        add('issuer-cannot-sign', `it issued ${quote((path[i - 1] as PathElement).label)} but its keyUsage does not include keyCertSign`, 'INVALID_CA');
      }
      if (!ekuAllows(f, purpose)) {
        add(purposeRule, `its extendedKeyUsage (${ekuText(f.eku ?? [])}) does not include ${p.ekuName}, so no certificate below it may be used for ${p.role}`, 'INVALID_PURPOSE');
      }
    }
    const pathLen = f.basicConstraints?.ca ? f.basicConstraints.pathLen : null;
    if (i > 1 && pathLen !== null && casBelow(facts, i) > pathLen) {
      const below = casBelow(facts, i);
      const allowed = pathLen === 0 ? 'no CA certificate' : `${pathLen} CA certificate${pathLen === 1 ? '' : 's'}`;
      add('path-length-exceeded', `its pathLenConstraint ${pathLen} allows ${allowed} below it; the path has ${below}`, 'PATH_LENGTH_EXCEEDED');
    }
    if (i > 0) {
      if (now < f.notBefore) add('not-yet-valid', `it is valid only from ${new Date(f.notBefore).toISOString()}`, 'CERT_NOT_YET_VALID');
      else if (now > f.notAfter) {
        const days = Math.max(1, Math.floor((now - f.notAfter) / DAY_MS));
        add('expired', `it expired on ${isoDay(f.notAfter)} (${days} day(s) before the judging time)`, 'CERT_HAS_EXPIRED');
      }
    }
    // Constraints of every CA above apply to this certificate's names (self-issued intermediates excepted).
    if (i === 0 || !f.selfIssued) {
      for (let j = i + 1; j < path.length; j++) {
        const v = nameConstraintViolation(f, i === 0, facts[j] as ElementFacts, quote((path[j] as PathElement).label), budget);
        if (v) {
          add('name-constraints-violated', v.detail, v.symbol);
          break;
        }
      }
    }
  });
  return out;
}

function quote(label: string): string {
  return `"${label}"`;
}

// ---- what OpenSSL checks (X509_verify_cert), for the first error it reports

/** OpenSSL's check_ca() != 0 at the top of the chain without -x509_strict: only an outright "not a CA" fails. */
function topIsCa(f: ElementFacts): boolean {
  if (!canSignCertificates(f)) return false;
  if (f.basicConstraints) return f.basicConstraints.ca;
  // A version 1 self-signed root (no extensions), or a keyUsage with keyCertSign, is tolerated.
  return (!f.hasExtensions && f.selfIssued) || f.keyUsage !== null;
}

/**
 * What OpenSSL finds on `chain` (leaf first, the trust anchor last when it reached one), per
 * certificate: the first error of its extension checks (34, 79, 26, 25), whether as issuer its key
 * usage forbids signing (32), and the first name-constraint error of its names (47, 48, 49). Dates
 * and signatures are the caller's.
 */
export function opensslChainFacts(chain: readonly ElementFacts[], purpose: Purpose = 'server'): Omit<OpensslCertFacts, 'signatureFails'>[] {
  const budget: Budget = { left: MAX_NAME_CHECKS };
  return chain.map((f, i) => {
    let extensionError: OpensslErrorSymbol | null = null;
    const mustBeCa = i > 0;
    const top = i === chain.length - 1;
    if (f.unknownCritical.length > 0) extensionError = 'UNHANDLED_CRITICAL_EXTENSION';
    else if (mustBeCa && (top ? !topIsCa(f) : !isProperCa(f))) extensionError = 'INVALID_CA';
    else if (mustBeCa ? !ekuAllows(f, purpose) : leafPurposeProblem(f, purpose) !== null) extensionError = 'INVALID_PURPOSE';
    else if (i > 1 && f.basicConstraints?.ca && f.basicConstraints.pathLen !== null && casBelow(chain, i) > f.basicConstraints.pathLen) {
      extensionError = 'PATH_LENGTH_EXCEEDED';
    }
    let nameConstraintError: OpensslErrorSymbol | null = null;
    if (i === 0 || !f.selfIssued) {
      for (let j = i + 1; j < chain.length && nameConstraintError === null; j++) {
        nameConstraintError = nameConstraintViolation(f, i === 0, chain[j] as ElementFacts, '', budget)?.symbol ?? null;
      }
    }
    return {
      notBefore: f.notBefore,
      notAfter: f.notAfter,
      extensionError,
      cannotSign: i > 0 && !canSignCertificates(f),
      nameConstraintError,
    };
  });
}

/** Whether OpenSSL can use every certificate of the chain at all (an extension it cannot decode makes a certificate unusable). */
export function opensslCanLink(chain: readonly ElementFacts[]): boolean {
  return chain.every((f) => f.invalid.length === 0);
}
