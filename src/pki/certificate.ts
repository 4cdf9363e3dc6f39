// Certificate facts (CertInfo) from DER, with node:crypto's X509Certificate only: it is native and
// fast. The heavy ASN.1 libraries (@peculiar/x509, pkijs, asn1js) must never be imported here, as
// this module is on the `mxray check` start-up path.
import { createHash, X509Certificate } from 'node:crypto';
import type { CertInfo } from '../core/schema.js';
import { describeSignatureAlgorithm, readCertificateNames, readSubjectPublicKeyInfo, sameName } from './der.js';

export type CertSource = CertInfo['source'];

/**
 * Most parsed certificates kept for reuse. One check parses the same few certificates several times
 * (the probe's transcript line, then the verdicts of the main and the extra handshakes); a run over
 * many hosts meets the same intermediates again and again. Bounded: the oldest is dropped first.
 */
export const PARSED_CACHE_SIZE = 256;
const parsedCache = new Map<string, X509Certificate | null>();

/**
 * The certificate in `der`, parsed once per distinct bytes (null when Node cannot parse it). The
 * object is shared: facts read from it may be kept with it (see `describeX509`).
 */
export function parseCertificate(der: Buffer): X509Certificate | null {
  const key = der.toString('base64');
  let cert = parsedCache.get(key);
  if (cert === undefined) {
    try {
      cert = new X509Certificate(der);
    } catch {
      cert = null;
    }
    if (parsedCache.size >= PARSED_CACHE_SIZE) parsedCache.delete(parsedCache.keys().next().value as string);
    parsedCache.set(key, cert);
  }
  return cert;
}

/** Facts about one DER certificate. Throws when the bytes are not a certificate Node can parse. */
export function describeCertificate(der: Buffer, source: CertSource): CertInfo {
  const cert = parseCertificate(der);
  if (cert === null) throw new Error('not a certificate Node can parse');
  return describeX509(cert, source);
}

/** What describeX509 read from each certificate object, kept as long as the object lives. */
const described = new WeakMap<X509Certificate, Omit<CertInfo, 'source'>>();

/** The same facts from an already parsed certificate (saves a second parse in chain building). */
export function describeX509(cert: X509Certificate, source: CertSource): CertInfo {
  let info = described.get(cert);
  if (info === undefined) {
    info = readCertInfo(cert);
    described.set(cert, info);
  }
  // Fresh arrays: a caller may change its copy without changing the next one.
  return { ...info, dnsNames: [...info.dnsNames], ipAddresses: [...info.ipAddresses], source };
}

function readCertInfo(cert: X509Certificate): Omit<CertInfo, 'source'> {
  const raw = cert.raw;
  const subjectLines = nameLines(cert.subject);
  const issuerLines = nameLines(cert.issuer);
  const san = cert.subjectAltName ? parseSubjectAltName(cert.subjectAltName) : { dnsNames: [], ipAddresses: [] };
  const key = describeKey(cert);
  const signature = describeSignatureAlgorithm(raw);
  const validity = readValidity(cert);
  // Node gives an empty Name as undefined, and prints different names alike (string types): compare the DER.
  const names = readCertificateNames(raw);
  return {
    subject: subjectLines.join(', '),
    issuer: issuerLines.join(', '),
    commonName: commonNameOf(subjectLines),
    dnsNames: san.dnsNames,
    ipAddresses: san.ipAddresses,
    serialNumber: cert.serialNumber.toUpperCase(),
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    signatureAlgorithm: signature.name,
    signatureOid: signature.oid,
    keyType: key.type,
    keyBits: key.bits,
    keyCurve: key.curve,
    selfIssued: names ? sameName(names.subject, names.issuer) : (cert.subject ?? '') === (cert.issuer ?? ''),
    isCa: cert.ca,
    sha1: thumbprint(cert.fingerprint),
    sha256: thumbprint(cert.fingerprint256),
    spkiSha256: createHash('sha256').update(subjectPublicKeyInfo(cert)).digest('hex').toUpperCase(),
  };
}

/**
 * The DER SubjectPublicKeyInfo, whose SHA-256 a DANE `3 1 1` record holds: as OpenSSL encodes the
 * key (what `openssl x509 -pubkey` prints), or for a key this OpenSSL cannot load, as the
 * certificate holds it, read from its bytes.
 */
function subjectPublicKeyInfo(cert: X509Certificate): Buffer {
  try {
    return cert.publicKey.export({ type: 'spki', format: 'der' });
  } catch {
    const spki = readSubjectPublicKeyInfo(cert.raw);
    // Every certificate OpenSSL parses can be read so: this is our bug, reported as such.
    if (spki === null) throw new Error('the SubjectPublicKeyInfo of a parsed certificate could not be read');
    return spki;
  }
}

/** "AB:CD:…" → "ABCD…", the form Exchange's Get-ExchangeCertificate shows. */
function thumbprint(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').toUpperCase();
}

/**
 * Node prints a Name one attribute per line ("CN=x\nO=y"), RFC 2253-escaped; control characters
 * come out as \XX. An empty Name (allowed for a subject when the SAN is critical) comes as undefined.
 */
function nameLines(name: string | undefined): string[] {
  return (name ?? '').split('\n').filter((line) => line.length > 0);
}

/** Removes RFC 2253 escapes: "\," → ",", "\0A" → byte 0x0A (UTF-8 sequences reassembled). */
export function unescapeDnValue(value: string): string {
  let out = '';
  const bytes: number[] = [];
  /** Decodes the escaped bytes gathered so far (nothing when there are none). */
  const flush = (): void => {
    out += Buffer.from(bytes).toString(); // UTF-8
    bytes.length = 0;
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '\\' && i + 1 < value.length) {
      const hex = value.slice(i + 1, i + 3); // at most two characters
      if (/[0-9A-Fa-f]{2}/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
      flush();
      out += value[i + 1] as string;
      i += 1;
      continue;
    }
    flush();
    out += ch;
  }
  flush();
  return out;
}

/** The most specific (last) CN of a subject, unescaped; null when there is none. */
function commonNameOf(lines: string[]): string | null {
  let cn: string | null = null;
  for (const line of lines) {
    // A multi-valued RDN prints as "CN=a + O=b"; a "+" inside a value is always escaped ("\+"),
    // so " + " is the separator even after an escaped backslash ("CN=a\\ + O=b").
    for (const part of line.split(' + ')) {
      if (part.startsWith('CN=')) cn = unescapeDnValue(part.slice(3));
    }
  }
  return cn;
}

const SAN_TYPES = ['DNS', 'IP Address', 'email', 'URI', 'DirName', 'Registered ID', 'othername', 'X400Name', 'EdiPartyName'];
const NEXT_ENTRY = new RegExp(`, (?=(?:${SAN_TYPES.join('|')}):)`);

/**
 * Reads Node's subjectAltName string: ", "-separated "DNS:x", "IP Address:y", … entries. Node
 * (since the 2022 security release) JSON-quotes a value holding a comma, quote, backslash or
 * non-printable character ('DNS:"a\u002cb"'); older versions print it bare. Both are handled.
 */
export function parseSubjectAltName(text: string): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  let i = 0;
  for (;;) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon);
    let value: string;
    if (text[colon + 1] === '"') {
      const close = closingQuote(text, colon + 1);
      if (close === -1) break;
      try {
        value = JSON.parse(text.slice(colon + 1, close + 1)) as string;
      } catch {
        value = text.slice(colon + 2, close);
      }
      i = text.startsWith(', ', close + 1) ? close + 3 : close + 1;
    } else {
      // A bare value runs up to the next ", TYPE:" (or the end).
      const rest = text.slice(colon + 1);
      const m = NEXT_ENTRY.exec(rest);
      value = m ? rest.slice(0, m.index) : rest;
      i = m ? colon + 1 + m.index + 2 : text.length;
    }
    if (type === 'DNS') dnsNames.push(value);
    else if (type === 'IP Address') {
      const ip = normalizeIp(value);
      if (ip !== null) ipAddresses.push(ip);
    }
  }
  return { dnsNames, ipAddresses };
}

/** Index of the quote closing the JSON string that opens at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  for (let j = open + 1; ; j++) {
    const c = text[j];
    if (c === undefined) return -1;
    if (c === '\\') j++;
    else if (c === '"') return j;
  }
}

/** IPv4 as is; IPv6 in RFC 5952 form (Node prints "2001:DB8:0:0:0:0:0:1"). Null when neither. */
export function normalizeIp(value: string): string | null {
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(value)) return value;
  const groups = value.split(':');
  if (groups.length !== 8 || !groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) {
    return /^[0-9A-Fa-f:.]+$/.test(value) && value.includes(':') ? value.toLowerCase() : null;
  }
  const parts = groups.map((g) => parseInt(g, 16).toString(16));
  // The longest run of two or more zero groups becomes "::" (the first one on a tie).
  let bestStart = -1;
  let bestLen = 1; // a single zero group stays as it is
  let runStart = -1;
  parts.forEach((part, k) => {
    if (part !== '0') {
      runStart = -1;
      return;
    }
    if (runStart < 0) runStart = k;
    if (k - runStart + 1 > bestLen) {
      bestStart = runStart;
      bestLen = k - runStart + 1;
    }
  });
  if (bestStart < 0) return parts.join(':');
  return `${parts.slice(0, bestStart).join(':')}::${parts.slice(bestStart + bestLen).join(':')}`;
}

function describeKey(cert: X509Certificate): { type: string; bits: number | null; curve: string | null } {
  let type = 'unknown';
  let details: { modulusLength?: number; namedCurve?: string } = {};
  try {
    const key = cert.publicKey;
    type = key.asymmetricKeyType ?? 'unknown';
    details = key.asymmetricKeyDetails ?? {};
  } catch {
    // A key type this OpenSSL cannot load (e.g. GOST): it stays "unknown", without a size.
  }
  switch (type) {
    case 'ec': {
      // Named curves carry their size in their name: prime256v1, secp384r1, brainpoolP512r1 ….
      const curve = details.namedCurve ?? null;
      const digits = /\d{3}/.exec(String(curve)); // "null" has no digits
      return { type, bits: digits ? Number(digits[0]) : null, curve };
    }
    case 'ed25519':
      return { type, bits: 256, curve: null };
    case 'ed448':
      return { type, bits: 448, curve: null };
    default:
      // rsa, rsa-pss and dsa give their modulus length; x25519, dh … nothing we report.
      return { type, bits: details.modulusLength ?? null, curve: null };
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Epoch milliseconds of OpenSSL's printed time ("Nov 27 20:23:42 2006 GMT"), or null. */
export function parseOpenSslTime(text: string): number | null {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)? (\d{1,4}) GMT$/.exec(text);
  if (!m) {
    const t = Date.parse(text);
    return Number.isNaN(t) ? null : t;
  }
  const month = MONTHS.indexOf(m[1] as string);
  if (month < 0) return null;
  const date = new Date(0);
  date.setUTCFullYear(Number(m[7]), month, Number(m[2]));
  // At most year 9999, day 99 and 99:99:99: always a valid time value.
  return date.setUTCHours(Number(m[3]), Number(m[4]), Number(m[5]), m[6] ? Math.floor(Number(m[6]) * 1000) : 0);
}

/**
 * notBefore / notAfter as ISO strings, from the times OpenSSL prints (every Node has them; the
 * validFromDate of Node 22+ gives the same instants).
 */
function readValidity(cert: X509Certificate): { notBefore: string; notAfter: string } {
  // An unreadable time ("Bad time value") is reported as the epoch: such a certificate is out of its validity anyway.
  const iso = (printed: string): string => new Date(parseOpenSslTime(printed) ?? 0).toISOString();
  return { notBefore: iso(cert.validFrom), notAfter: iso(cert.validTo) };
}

/** A short name for people from Node's printed Name ("CN=x\nO=y"): the CN, else the whole name on one line. */
export function nameForPeople(printedName: string | undefined): string {
  const lines = nameLines(printedName);
  return commonNameOf(lines) || lines.join(', ') || '(empty name)';
}

/** A short name for people: the CN, else the whole subject. */
export function displayName(info: Pick<CertInfo, 'commonName' | 'subject'>): string {
  return info.commonName || info.subject || '(empty subject)';
}
