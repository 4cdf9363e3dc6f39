// A small, total DER reader for the few certificate fields node:crypto's X509Certificate does not
// expose: the outer signature algorithm, and the raw issuer / subject names (for indexing a trust
// store without parsing every root), the serial number; and a CRL's parts and entries, walked in
// place (revocation.ts). Every function returns null on malformed input, never throws,
// and does work bounded by the input's length (no recursion beyond a fixed depth).

/** One TLV: tag byte, where its contents start and end (exclusive), and where the next TLV starts. */
interface Tlv {
  tag: number;
  /** Where the TLV itself (its tag byte) starts. */
  at: number;
  start: number;
  end: number;
}

const MAX_OID_BYTES = 64;

/** Reads the TLV at `pos`, which must end at or before `limit`. Null when malformed or truncated. */
function readTlv(buf: Buffer, pos: number, limit: number): Tlv | null {
  if (pos + 2 > limit) return null;
  const tag = buf[pos] as number;
  // High-tag-number form never occurs in the structures we read.
  if ((tag & 0x1f) === 0x1f) return null;
  const first = buf[pos + 1] as number;
  let offset = pos + 2;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    // 0x80 is the indefinite form (not DER); more than 4 length bytes is beyond any certificate.
    if (count === 0 || count > 4 || offset + count > limit) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[offset + i] as number);
    offset += count;
  }
  const end = offset + length;
  if (end > limit) return null;
  return { tag, at: pos, start: offset, end };
}

/** The child TLVs of a constructed value, in order; null when any child is malformed. */
function children(buf: Buffer, tlv: Tlv, max = 64): Tlv[] | null {
  const out: Tlv[] = [];
  let pos = tlv.start;
  while (pos < tlv.end) {
    if (out.length >= max) return null;
    const child = readTlv(buf, pos, tlv.end);
    if (!child) return null;
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Decodes OBJECT IDENTIFIER contents into dotted form; null when not valid DER. */
function decodeOid(buf: Buffer, start: number, end: number): string | null {
  if (end <= start || end - start > MAX_OID_BYTES) return null;
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (let i = start; i < end; i++) {
    const byte = buf[i] as number;
    // A sub-identifier may not start with 0x80 (non-minimal encoding).
    if (fresh && byte === 0x80) return null;
    value = (value << 7n) | BigInt(byte & 0x7f);
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (!fresh) return null; // the last sub-identifier was cut off
  const head = arcs[0] as bigint;
  const first = head < 40n ? 0n : head < 80n ? 1n : 2n;
  const parts = [first, head - first * 40n, ...arcs.slice(1)];
  return parts.map((p) => p.toString()).join('.');
}

/** The dotted form of an OBJECT IDENTIFIER's contents (e.g. from a BER reader elsewhere); null when not valid. */
export function oidText(contents: Buffer): string | null {
  return decodeOid(contents, 0, contents.length);
}

/** The Certificate's three top-level parts, or null. */
function certificateParts(der: Buffer): { tbs: Tlv; algorithm: Tlv; outer: Tlv } | null {
  if (!Buffer.isBuffer(der)) return null;
  const outer = readTlv(der, 0, der.length);
  if (!outer || outer.tag !== 0x30) return null;
  const parts = children(der, outer, 3);
  if (!parts || parts.length !== 3) return null;
  const [tbs, algorithm] = parts as [Tlv, Tlv, Tlv];
  if (tbs.tag !== 0x30 || algorithm.tag !== 0x30) return null;
  return { tbs, algorithm, outer };
}

/** Reads an AlgorithmIdentifier: its OID and the raw DER of its parameters (null when absent). */
function readAlgorithmIdentifier(buf: Buffer, alg: Tlv): { oid: string; params: Buffer | null } | null {
  const parts = children(buf, alg, 2);
  if (!parts || parts.length === 0) return null;
  const oidTlv = parts[0] as Tlv;
  if (oidTlv.tag !== 0x06) return null;
  const oid = decodeOid(buf, oidTlv.start, oidTlv.end);
  if (oid === null) return null;
  const paramsTlv = parts[1];
  return { oid, params: paramsTlv ? buf.subarray(paramsTlv.at, paramsTlv.end) : null };
}

/** The length in bytes of the first DER element of `der` (e.g. to cut a certificate out of a larger buffer). */
export function firstElementLength(der: Buffer): number | null {
  if (!Buffer.isBuffer(der)) return null;
  const tlv = readTlv(der, 0, der.length);
  return tlv ? tlv.end : null;
}

/** The outer signatureAlgorithm of a Certificate, with the raw DER of its parameters. */
export function readSignatureAlgorithm(der: Buffer): { oid: string; params: Buffer | null } | null {
  const parts = certificateParts(der);
  if (!parts) return null;
  return readAlgorithmIdentifier(der, parts.algorithm);
}

/** The OID of a Certificate's outer signatureAlgorithm, or null when the bytes are not a certificate. */
export function signatureAlgorithmOid(der: Buffer): string | null {
  return readSignatureAlgorithm(der)?.oid ?? null;
}

/** The raw DER of the issuer and subject Names inside a Certificate's tbsCertificate. */
export function readCertificateNames(der: Buffer): { issuer: Buffer; subject: Buffer } | null {
  const parts = certificateParts(der);
  if (!parts) return null;
  const fields = children(der, parts.tbs, 16);
  if (!fields) return null;
  // [0] version is optional; then serialNumber, signature, issuer, validity, subject.
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[base + 4];
  if (!subject) return null;
  const [serial, signature, issuer, validity] = fields.slice(base, base + 4) as [Tlv, Tlv, Tlv, Tlv];
  if (serial.tag !== 0x02 || signature.tag !== 0x30 || issuer.tag !== 0x30 || validity.tag !== 0x30 || subject.tag !== 0x30) {
    return null;
  }
  // Keep the whole TLV (header included) so equal names give equal bytes.
  return { issuer: der.subarray(issuer.at, issuer.end), subject: der.subarray(subject.at, subject.end) };
}

// ---- Extensions (RFC 5280 §4.2): what chain validation needs and X509Certificate does not expose

/** Most extensions read from one certificate (real ones carry about ten). */
export const MAX_EXTENSIONS = 64;
/** Most entries read from one SAN, EKU or set of name-constraint subtrees (real SANs carry at most a few hundred names): more is unreadable. */
export const MAX_LIST_ENTRIES = 4096;

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** The contents of extnValue: the extension's own DER. */
  value: Buffer;
}

/** The fields of a tbsCertificate, with `base` the index of serialNumber (1 when a version is present). */
function tbsFields(der: Buffer): { fields: Tlv[]; base: number } | null {
  const parts = certificateParts(der);
  const fields = parts && children(der, parts.tbs, 16);
  if (!fields) return null;
  return { fields, base: fields[0]?.tag === 0xa0 ? 1 : 0 };
}

/**
 * The extensions of a Certificate, in order: [] when it has none, null when they cannot be read
 * (malformed DER, a non-boolean criticality, more than MAX_EXTENSIONS).
 */
export function readExtensions(der: Buffer): CertificateExtension[] | null {
  const tbs = tbsFields(der);
  if (!tbs) return null;
  // After subjectPublicKeyInfo: issuerUniqueID [1], subjectUniqueID [2], extensions [3].
  const wrapper = tbs.fields.slice(tbs.base + 6).find((f) => f.tag === 0xa3);
  return wrapper ? explicitExtensions(der, wrapper) : [];
}

/** The Extensions inside an EXPLICIT wrapper ([3] in a certificate, [0] in a CRL); null when malformed. */
function explicitExtensions(der: Buffer, wrapper: Tlv): CertificateExtension[] | null {
  const list = readTlv(der, wrapper.start, wrapper.end);
  if (!list || list.tag !== 0x30 || list.end !== wrapper.end) return null;
  return extensionList(der, list);
}

/** Extensions ::= SEQUENCE OF Extension { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function extensionList(der: Buffer, list: Tlv): CertificateExtension[] | null {
  const items = children(der, list, MAX_EXTENSIONS);
  if (!items) return null;
  const out: CertificateExtension[] = [];
  for (const item of items) {
    const fields = item.tag === 0x30 ? children(der, item, 3) : null;
    if (!fields || fields.length < 2) return null;
    const [id, second, third] = fields as [Tlv, Tlv, Tlv | undefined];
    const oid = id.tag === 0x06 ? decodeOid(der, id.start, id.end) : null;
    const flag = third ? second : null;
    const value = third ?? second;
    if (oid === null || value.tag !== 0x04) return null;
    if (flag && (flag.tag !== 0x01 || flag.end - flag.start !== 1)) return null;
    out.push({ oid, critical: flag !== null && der[flag.start] !== 0, value: der.subarray(value.start, value.end) });
  }
  return out;
}

/** The contents of a Certificate's serialNumber INTEGER, as encoded (a leading 00 kept). */
export function readSerialNumber(der: Buffer): Buffer | null {
  const tbs = tbsFields(der);
  const serial = tbs?.fields[tbs.base];
  return serial?.tag === 0x02 && serial.end > serial.start ? der.subarray(serial.start, serial.end) : null;
}

/** The one TLV that makes up all of `value`, or null. */
function whole(value: Buffer, tag: number): Tlv | null {
  const tlv = readTlv(value, 0, value.length);
  return tlv && tlv.tag === tag && tlv.end === value.length ? tlv : null;
}

/** A non-negative DER INTEGER's value, capped at 2^31 (OpenSSL's own limit); null when negative or empty. */
function readNatural(buf: Buffer, tlv: Tlv): number | null {
  const length = tlv.end - tlv.start;
  if (length === 0 || ((buf[tlv.start] as number) & 0x80) !== 0) return null;
  let n = 0;
  for (let i = tlv.start; i < tlv.end; i++) {
    n = n * 256 + (buf[i] as number);
    if (n >= 2 ** 31) return 2 ** 31;
  }
  return n;
}

/** basicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } */
export function parseBasicConstraints(value: Buffer): { ca: boolean; pathLen: number | null } | null {
  const seq = whole(value, 0x30);
  const fields = seq && children(value, seq, 2);
  if (!fields) return null;
  let ca = false;
  let pathLen: number | null = null;
  let at = 0;
  const first = fields[0];
  if (first?.tag === 0x01) {
    if (first.end - first.start !== 1) return null;
    ca = value[first.start] !== 0;
    at = 1;
  }
  const second = fields[at];
  if (second) {
    if (second.tag !== 0x02 || fields.length > at + 1) return null;
    pathLen = readNatural(value, second);
    if (pathLen === null) return null;
  }
  return { ca, pathLen };
}

/** keyUsage BIT STRING as a mask: bit i set for KeyUsage bit i (digitalSignature 0 … keyCertSign 5, cRLSign 6, decipherOnly 8). */
export function parseKeyUsage(value: Buffer): number | null {
  const bits = whole(value, 0x03);
  if (!bits || bits.end - bits.start < 1) return null;
  const unused = value[bits.start] as number;
  if (unused > 7 || (bits.end - bits.start === 1 && unused !== 0)) return null;
  let mask = 0;
  for (let i = 0; i < 9 && bits.start + 1 + (i >> 3) < bits.end; i++) {
    if (((value[bits.start + 1 + (i >> 3)] as number) >> (7 - (i & 7))) & 1) mask |= 1 << i;
  }
  return mask;
}

/** The keyUsage bits by name (RFC 5280 §4.2.1.3). */
export const KEY_USAGE = { digitalSignature: 1, nonRepudiation: 2, keyEncipherment: 4, dataEncipherment: 8, keyAgreement: 16, keyCertSign: 32, cRLSign: 64 } as const;

/** extKeyUsage ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId: the OIDs. */
export function parseExtendedKeyUsage(value: Buffer): string[] | null {
  const seq = whole(value, 0x30);
  const items = seq && children(value, seq, MAX_LIST_ENTRIES);
  if (!items || items.length === 0) return null;
  const out: string[] = [];
  for (const item of items) {
    const oid = item.tag === 0x06 ? decodeOid(value, item.start, item.end) : null;
    if (oid === null) return null;
    out.push(oid);
  }
  return out;
}

/** subjectKeyIdentifier ::= KeyIdentifier ::= OCTET STRING: its bytes. */
export function parseSubjectKeyId(value: Buffer): Buffer | null {
  const id = whole(value, 0x04);
  return id ? value.subarray(id.start, id.end) : null;
}

/**
 * authorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] OPTIONAL, authorityCertIssuer [1] OPTIONAL,
 * authorityCertSerialNumber [2] OPTIONAL }: the keyIdentifier bytes, or `absent` when it has none;
 * null when malformed.
 */
export function parseAuthorityKeyId(value: Buffer): Buffer | 'absent' | null {
  const seq = whole(value, 0x30);
  const fields = seq && children(value, seq, 3);
  if (!fields) return null;
  if (fields.some((f) => f.tag !== 0x80 && f.tag !== 0xa1 && f.tag !== 0x82)) return null;
  const id = fields.find((f) => f.tag === 0x80);
  return id ? value.subarray(id.start, id.end) : 'absent';
}

/** A GeneralName, by its context tag: 2 dNSName, 7 iPAddress, 4 directoryName, 1 rfc822Name, 6 URI … */
export interface GeneralName {
  type: number;
  /** The contents: the ASCII of a dNSName, the bytes of an iPAddress, the DER Name inside a directoryName. */
  value: Buffer;
}

function readGeneralName(buf: Buffer, tlv: Tlv): GeneralName | null {
  if ((tlv.tag & 0xc0) !== 0x80) return null;
  const type = tlv.tag & 0x1f;
  if (type > 8) return null;
  // otherName [0], directoryName [4] and ediPartyName [5] are constructed; the others primitive.
  const constructed = type === 0 || type === 4 || type === 5 || type === 3;
  if (((tlv.tag & 0x20) !== 0) !== constructed) return null;
  return { type, value: buf.subarray(tlv.start, tlv.end) };
}

/** subjectAltName ::= GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName. */
export function parseGeneralNames(value: Buffer): GeneralName[] | null {
  const seq = whole(value, 0x30);
  const items = seq && children(value, seq, MAX_LIST_ENTRIES);
  if (!items || items.length === 0) return null;
  const out: GeneralName[] = [];
  for (const item of items) {
    const name = readGeneralName(value, item);
    if (!name) return null;
    out.push(name);
  }
  return out;
}

/** A GeneralSubtree: its base name, and whether minimum is 0 and maximum absent (the only form RFC 5280 allows). */
export interface GeneralSubtree {
  base: GeneralName;
  defaultRange: boolean;
}

/** NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL, excludedSubtrees [1] GeneralSubtrees OPTIONAL } */
export function parseNameConstraints(value: Buffer): { permitted: GeneralSubtree[]; excluded: GeneralSubtree[] } | null {
  const seq = whole(value, 0x30);
  const parts = seq && children(value, seq, 2);
  if (!parts) return null;
  const out = { permitted: [] as GeneralSubtree[], excluded: [] as GeneralSubtree[] };
  let last = -1;
  for (const part of parts) {
    const which = part.tag === 0xa0 ? 0 : part.tag === 0xa1 ? 1 : -1;
    if (which <= last) return null;
    last = which;
    const subtrees = children(value, part, MAX_LIST_ENTRIES);
    if (!subtrees || subtrees.length === 0) return null;
    for (const st of subtrees) {
      const fields = st.tag === 0x30 ? children(value, st, 3) : null;
      const base = fields?.[0] && readGeneralName(value, fields[0]);
      if (!fields || !base) return null;
      const rest = fields.slice(1);
      // minimum [0] BaseDistance DEFAULT 0 (DER leaves a default out), maximum [1] BaseDistance OPTIONAL.
      const defaultRange = rest.length === 0;
      if (rest.some((f) => f.tag !== 0x80 && f.tag !== 0x81)) return null;
      (which === 0 ? out.permitted : out.excluded).push({ base, defaultRange });
    }
  }
  return out;
}

/** The URIs (type 6) among GeneralNames, as text; other names are skipped. Null when malformed. */
function uriNames(buf: Buffer, tlvs: readonly Tlv[]): string[] | null {
  const out: string[] = [];
  for (const t of tlvs) {
    const name = readGeneralName(buf, t);
    if (!name) return null;
    if (name.type === 6) out.push(name.value.toString('latin1'));
  }
  return out;
}

/** accessMethod OIDs of authorityInfoAccess (RFC 5280 §4.2.2.1). */
const AIA_OCSP = '1.3.6.1.5.5.7.48.1';
const AIA_CA_ISSUERS = '1.3.6.1.5.5.7.48.2';

/**
 * authorityInfoAccess ::= SEQUENCE SIZE (1..MAX) OF AccessDescription { accessMethod OID,
 * accessLocation GeneralName }: the URIs of the issuer's certificate (caIssuers) and of the OCSP
 * responder. Locations that are not URIs, and other methods, are left out. Null when malformed.
 */
export function parseAuthorityInfoAccess(value: Buffer): { caIssuers: string[]; ocsp: string[] } | null {
  const seq = whole(value, 0x30);
  const items = seq && children(value, seq, MAX_LIST_ENTRIES);
  if (!items || items.length === 0) return null;
  const out = { caIssuers: [] as string[], ocsp: [] as string[] };
  for (const item of items) {
    const fields = item.tag === 0x30 ? children(value, item, 2) : null;
    if (!fields || fields.length !== 2) return null;
    const [method, location] = fields as [Tlv, Tlv];
    const oid = method.tag === 0x06 ? decodeOid(value, method.start, method.end) : null;
    const uris = oid === null ? null : uriNames(value, [location]);
    if (uris === null) return null;
    if (oid === AIA_OCSP) out.ocsp.push(...uris);
    else if (oid === AIA_CA_ISSUERS) out.caIssuers.push(...uris);
  }
  return out;
}

/**
 * cRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint { distributionPoint [0]
 * { fullName [0] GeneralNames | nameRelativeToCRLIssuer [1] } OPTIONAL, reasons [1], cRLIssuer [2] }:
 * the URIs of every fullName, in order. Null when malformed.
 */
export function parseCrlDistributionPoints(value: Buffer): string[] | null {
  const seq = whole(value, 0x30);
  const points = seq && children(value, seq, MAX_LIST_ENTRIES);
  if (!points || points.length === 0) return null;
  const out: string[] = [];
  for (const point of points) {
    const fields = point.tag === 0x30 ? children(value, point, 3) : null;
    if (!fields) return null;
    const dp = fields.find((f) => f.tag === 0xa0);
    if (!dp) continue;
    const choice = readTlv(value, dp.start, dp.end);
    if (!choice || choice.end !== dp.end) return null;
    if (choice.tag !== 0xa0) continue; // nameRelativeToCRLIssuer: no URI of its own
    const names = children(value, choice, MAX_LIST_ENTRIES);
    const uris = names && uriNames(value, names);
    if (!uris) return null;
    out.push(...uris);
  }
  return out;
}

/**
 * The embedded SCT list (RFC 6962 §3.3): an OCTET STRING holding a TLS-encoded list (2-byte total
 * length, then 2-byte length-prefixed SCTs, each version 1 byte + log id 32 bytes + …). The log
 * ids (hex) in order; null when the encoding is off.
 */
export function parseSctList(value: Buffer): string[] | null {
  const octets = whole(value, 0x04);
  if (!octets) return null;
  const list = value.subarray(octets.start, octets.end);
  if (list.length < 2 || list.readUInt16BE(0) !== list.length - 2) return null;
  const ids: string[] = [];
  let pos = 2;
  while (pos < list.length) {
    if (pos + 2 > list.length || ids.length >= MAX_LIST_ENTRIES) return null;
    const len = list.readUInt16BE(pos);
    const sct = list.subarray(pos + 2, pos + 2 + len);
    if (sct.length !== len || len < 33) return null;
    ids.push(sct.subarray(1, 33).toString('hex'));
    pos += 2 + len;
  }
  return ids;
}

/** TLS Feature (RFC 7633) ::= SEQUENCE OF INTEGER: the feature numbers (5: status_request, "must-staple"). */
export function parseTlsFeature(value: Buffer): number[] | null {
  const seq = whole(value, 0x30);
  const items = seq && children(value, seq, MAX_LIST_ENTRIES);
  if (!items) return null;
  const out: number[] = [];
  for (const item of items) {
    const n = item.tag === 0x02 ? readNatural(value, item) : null;
    if (n === null) return null;
    out.push(n);
  }
  return out;
}

/** certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation { policyIdentifier OID, qualifiers OPTIONAL }: the OIDs. */
export function parseCertificatePolicies(value: Buffer): string[] | null {
  const seq = whole(value, 0x30);
  const items = seq && children(value, seq, MAX_LIST_ENTRIES);
  if (!items || items.length === 0) return null;
  const out: string[] = [];
  for (const item of items) {
    const fields = item.tag === 0x30 ? children(value, item, 2) : null;
    const id = fields?.[0];
    const oid = id?.tag === 0x06 ? decodeOid(value, id.start, id.end) : null;
    if (oid === null) return null;
    out.push(oid);
  }
  return out;
}

/** Whether a DER Name is the empty SEQUENCE (RFC 5280 allows that only for a subject, with a critical SAN). */
export function isEmptyName(nameDer: Buffer): boolean {
  return nameDer.length === 2 && nameDer[0] === 0x30 && nameDer[1] === 0x00;
}

/** Whether two DER Names are the same name: equal bytes, or equal once compared as RFC 5280 §7.1 (and OpenSSL) compare them. */
export function sameName(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  const ka = canonicalName(a);
  return ka !== null && ka === canonicalName(b);
}

const OID_COMMON_NAME = '2.5.4.3';

/** The values of the commonName attributes of a DER Name, decoded, in order; [] when there are none or the Name cannot be read. */
export function commonNamesOf(nameDer: Buffer): string[] {
  const name = readTlv(nameDer, 0, nameDer.length);
  const rdns = name && name.tag === 0x30 ? children(nameDer, name, 64) : null;
  const out: string[] = [];
  for (const rdn of rdns ?? []) {
    for (const atv of children(nameDer, rdn, 16) ?? []) {
      const pair = children(nameDer, atv, 2);
      const [type, value] = pair ?? [];
      if (!type || !value || type.tag !== 0x06 || decodeOid(nameDer, type.start, type.end) !== OID_COMMON_NAME) continue;
      const text = decodeString(value.tag, nameDer.subarray(value.start, value.end));
      if (text !== null) out.push(text);
    }
  }
  return out;
}

/** Decodes the directory-string types a Name uses; null for other types. */
function decodeString(tag: number, bytes: Buffer): string | null {
  switch (tag) {
    case 0x0c: // UTF8String (UTF-8 is Buffer's default decoding)
      return bytes.toString();
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x14: // T61String (treated as Latin-1, as OpenSSL does)
    case 0x16: // IA5String
    case 0x1a: // VisibleString
      return bytes.toString('latin1');
    case 0x1e: {
      // BMPString: UCS-2 big-endian
      if (bytes.length % 2 !== 0) return null;
      let s = '';
      for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
      return s;
    }
    case 0x1c: {
      // UniversalString: UCS-4 big-endian
      if (bytes.length % 4 !== 0) return null;
      let s = '';
      for (let i = 0; i < bytes.length; i += 4) {
        const cp = bytes.readUInt32BE(i);
        if (cp > 0x10ffff) return null;
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      return null;
  }
}

/**
 * A comparison key for a DER Name, in the spirit of RFC 5280 §7.1 / OpenSSL's canonical encoding:
 * string values are decoded, trimmed, inner white space collapsed and lower-cased, so the same
 * name encoded as PrintableString in one certificate and UTF8String in another gives one key.
 * Null when the bytes are not a Name.
 */
export function canonicalName(nameDer: Buffer): string | null {
  if (!Buffer.isBuffer(nameDer)) return null;
  const name = readTlv(nameDer, 0, nameDer.length);
  if (!name || name.tag !== 0x30) return null;
  const rdns = children(nameDer, name, 64);
  if (!rdns) return null;
  const out: string[][] = [];
  for (const rdn of rdns) {
    if (rdn.tag !== 0x31) return null;
    const atvs = children(nameDer, rdn, 16);
    if (!atvs || atvs.length === 0) return null;
    const entries: string[] = [];
    for (const atv of atvs) {
      if (atv.tag !== 0x30) return null;
      const pair = children(nameDer, atv, 2);
      if (!pair || pair.length !== 2) return null;
      const [type, value] = pair as [Tlv, Tlv];
      if (type.tag !== 0x06) return null;
      const oid = decodeOid(nameDer, type.start, type.end);
      if (oid === null) return null;
      const text = decodeString(value.tag, nameDer.subarray(value.start, value.end));
      entries.push(
        text === null
          ? `${oid}=#${nameDer.subarray(value.at, value.end).toString('hex')}`
          : `${oid}=${text.trim().replace(/\s+/g, ' ').toLowerCase()}`,
      );
    }
    out.push(entries.sort());
  }
  return JSON.stringify(out);
}

export type SignatureHash = 'md2' | 'md4' | 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

interface AlgorithmEntry {
  name: string;
  hash: SignatureHash | null;
}

const RSASSA_PSS = '1.2.840.113549.1.1.10';

const SIGNATURE_ALGORITHMS: ReadonlyMap<string, AlgorithmEntry> = new Map<string, AlgorithmEntry>([
  ['1.2.840.113549.1.1.2', { name: 'md2WithRSAEncryption', hash: 'md2' }],
  ['1.2.840.113549.1.1.3', { name: 'md4WithRSAEncryption', hash: 'md4' }],
  ['1.2.840.113549.1.1.4', { name: 'md5WithRSAEncryption', hash: 'md5' }],
  ['1.2.840.113549.1.1.5', { name: 'sha1WithRSAEncryption', hash: 'sha1' }],
  ['1.3.14.3.2.29', { name: 'sha1WithRSAEncryption', hash: 'sha1' }],
  ['1.2.840.113549.1.1.14', { name: 'sha224WithRSAEncryption', hash: 'sha224' }],
  ['1.2.840.113549.1.1.11', { name: 'sha256WithRSAEncryption', hash: 'sha256' }],
  ['1.2.840.113549.1.1.12', { name: 'sha384WithRSAEncryption', hash: 'sha384' }],
  ['1.2.840.113549.1.1.13', { name: 'sha512WithRSAEncryption', hash: 'sha512' }],
  [RSASSA_PSS, { name: 'RSASSA-PSS', hash: null }],
  ['1.2.840.10045.4.1', { name: 'ecdsa-with-SHA1', hash: 'sha1' }],
  ['1.2.840.10045.4.3.1', { name: 'ecdsa-with-SHA224', hash: 'sha224' }],
  ['1.2.840.10045.4.3.2', { name: 'ecdsa-with-SHA256', hash: 'sha256' }],
  ['1.2.840.10045.4.3.3', { name: 'ecdsa-with-SHA384', hash: 'sha384' }],
  ['1.2.840.10045.4.3.4', { name: 'ecdsa-with-SHA512', hash: 'sha512' }],
  ['1.2.840.10040.4.3', { name: 'dsa-with-sha1', hash: 'sha1' }],
  ['2.16.840.1.101.3.4.3.1', { name: 'dsa-with-sha224', hash: 'sha224' }],
  ['2.16.840.1.101.3.4.3.2', { name: 'dsa-with-sha256', hash: 'sha256' }],
  ['1.3.101.112', { name: 'Ed25519', hash: null }],
  ['1.3.101.113', { name: 'Ed448', hash: null }],
]);

const DIGESTS: ReadonlyMap<string, SignatureHash> = new Map<string, SignatureHash>([
  ['1.2.840.113549.2.2', 'md2'],
  ['1.2.840.113549.2.4', 'md4'],
  ['1.2.840.113549.2.5', 'md5'],
  ['1.3.14.3.2.26', 'sha1'],
  ['2.16.840.1.101.3.4.2.4', 'sha224'],
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
]);

/** A readable name for a signature algorithm OID (OpenSSL's long names); the OID itself when unknown. */
export function signatureAlgorithmName(oid: string): string {
  return SIGNATURE_ALGORITHMS.get(oid)?.name ?? oid;
}

/**
 * The hash a signature algorithm uses. For RSASSA-PSS the hash is in the parameters: pass them
 * (as `readSignatureAlgorithm` returns them) to have it read; without them, null. Null also for
 * algorithms with no separate hash (Ed25519, Ed448) and unknown OIDs.
 */
export function signatureHash(oid: string, params: Buffer | null = null): SignatureHash | null {
  if (oid === RSASSA_PSS) return params ? pssHash(params) : null;
  return SIGNATURE_ALGORITHMS.get(oid)?.hash ?? null;
}

/** RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier DEFAULT sha1, … } */
function pssHash(params: Buffer): SignatureHash | null {
  const seq = readTlv(params, 0, params.length);
  if (!seq || seq.tag !== 0x30) return null;
  const fields = children(params, seq, 4);
  if (!fields) return null;
  const hashField = fields.find((f) => f.tag === 0xa0);
  if (!hashField) return 'sha1';
  const alg = readTlv(params, hashField.start, hashField.end);
  if (!alg || alg.tag !== 0x30) return null;
  const id = readAlgorithmIdentifier(params, alg);
  return id ? (DIGESTS.get(id.oid) ?? null) : null;
}

/**
 * Name and hash of a certificate's signature algorithm, as describeCertificate reports them.
 * RSASSA-PSS with a known hash is named "RSASSA-PSS (sha256)" so the hash survives in the name.
 */
export function describeSignatureAlgorithm(der: Buffer): { oid: string | null; name: string; hash: SignatureHash | null } {
  const alg = readSignatureAlgorithm(der);
  if (!alg) return { oid: null, name: 'unknown', hash: null };
  const hash = signatureHash(alg.oid, alg.params);
  const base = signatureAlgorithmName(alg.oid);
  const name = alg.oid === RSASSA_PSS && hash ? `${base} (${hash})` : base;
  return { oid: alg.oid, name, hash };
}

/** The hash behind an algorithm name that describeSignatureAlgorithm produced; null when unknown. */
export function signatureHashOfName(name: string): SignatureHash | null {
  const pss = /^RSASSA-PSS \(([a-z0-9]+)\)$/.exec(name);
  if (pss) {
    const h = pss[1] as string;
    return [...DIGESTS.values()].includes(h as SignatureHash) ? (h as SignatureHash) : null;
  }
  const lower = name.toLowerCase();
  for (const entry of SIGNATURE_ALGORITHMS.values()) if (entry.name.toLowerCase() === lower) return entry.hash;
  return null;
}

// ---- The SubjectPublicKeyInfo, from any encoding OpenSSL accepts

/** Deepest nesting read when re-encoding BER (the certificate itself is level 0; OpenSSL's own limit is 30). */
export const MAX_BER_DEPTH = 32;

/** A BER TLV: its contents end at `contentsEnd`, before the end-of-contents octets of an indefinite length. */
interface BerTlv extends Tlv {
  contentsEnd: number;
}

/** Reads a BER TLV at `pos` and nesting level `depth` (definite or indefinite length), within `buf`. Null when malformed. */
function readBerTlv(buf: Buffer, pos: number, depth: number): BerTlv | null {
  if (depth > MAX_BER_DEPTH) return null;
  if (buf[pos + 1] !== 0x80) {
    const tlv = readTlv(buf, pos, buf.length);
    return tlv && { ...tlv, contentsEnd: tlv.end };
  }
  // Indefinite length: constructed only, children up to the end-of-contents octets 00 00.
  const tag = buf[pos] as number;
  if ((tag & 0x20) === 0 || (tag & 0x1f) === 0x1f) return null;
  let at = pos + 2;
  while (buf[at] !== 0 || buf[at + 1] !== 0) {
    const child = readBerTlv(buf, at, depth + 1);
    if (!child) return null;
    at = child.end;
  }
  return { tag, at: pos, start: pos + 2, end: at + 2, contentsEnd: at };
}

/** A universal type other than SEQUENCE and SET in constructed form: a string sent in segments. */
function isSegmented(tag: number): boolean {
  return (tag & 0xe0) === 0x20 && tag !== 0x30 && tag !== 0x31;
}

/** A TLV in DER form: the tag (a segmented string's made primitive), the shortest definite length, the contents. */
function derTlv(tag: number, contents: Buffer): Buffer {
  const bytes: number[] = [];
  for (let n = contents.length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  const length = contents.length < 0x80 ? [contents.length] : [0x80 | bytes.length, ...bytes];
  return Buffer.concat([Buffer.from([isSegmented(tag) ? tag & ~0x20 : tag, ...length]), contents]);
}

/**
 * The contents of a BER value at nesting level `depth`, re-encoded in DER: definite, shortest
 * lengths inside, and a segmented string's segments joined (as OpenSSL joins them, contents only).
 * Null when malformed.
 */
function derContents(buf: Buffer, tlv: BerTlv, depth: number): Buffer | null {
  const contents = buf.subarray(tlv.start, tlv.contentsEnd);
  if ((tlv.tag & 0x20) === 0) return contents;
  const parts: Buffer[] = [];
  for (let pos = 0; pos < contents.length; ) {
    const child = readBerTlv(contents, pos, depth + 1);
    const inner = child && derContents(contents, child, depth + 1);
    if (!child || !inner) return null;
    parts.push(isSegmented(tlv.tag) ? inner : derTlv(child.tag, inner));
    pos = child.end;
  }
  return Buffer.concat(parts);
}

/**
 * The DER SubjectPublicKeyInfo of a Certificate (tbsCertificate's seventh field, the sixth when
 * there is no version), also from a BER encoding, which is re-encoded in DER first as OpenSSL
 * would. Null when the bytes are not a certificate.
 */
export function readSubjectPublicKeyInfo(cert: Buffer): Buffer | null {
  if (!Buffer.isBuffer(cert)) return null;
  const outer = readBerTlv(cert, 0, 0);
  const contents = outer && derContents(cert, outer, 0);
  if (!outer || !contents) return null;
  const der = derTlv(outer.tag, contents);
  const parts = certificateParts(der);
  const fields = parts && children(der, parts.tbs, 16);
  const base = fields?.[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields?.[base + 5];
  return spki?.tag === 0x30 ? der.subarray(spki.at, spki.end) : null;
}

// ---- Serials, keys and times, as revocation checks compare them

/** An INTEGER's contents without redundant leading bytes (00 before a clear top bit, FF before a set one). */
function minimalInteger(bytes: Buffer): Buffer {
  let at = 0;
  while (at + 1 < bytes.length) {
    const next = (bytes[at + 1] as number) & 0x80;
    if ((bytes[at] === 0x00 && next === 0) || (bytes[at] === 0xff && next !== 0)) at++;
    else break;
  }
  return bytes.subarray(at);
}

/** Whether two INTEGER contents are the same number (a serial read from a CRL or an OCSP CertID against a certificate's). */
export function sameInteger(a: Buffer, b: Buffer): boolean {
  return a.length > 0 && b.length > 0 && minimalInteger(a).equals(minimalInteger(b));
}

/** The subjectPublicKey bits of a DER SubjectPublicKeyInfo (the BIT STRING's contents after its unused-bits byte), as OCSP hashes them. */
export function readPublicKeyBits(spki: Buffer): Buffer | null {
  const seq = whole(spki, 0x30);
  const parts = seq && children(spki, seq, 2);
  const bits = parts?.[1];
  if (!parts || parts.length !== 2 || parts[0]?.tag !== 0x30 || bits?.tag !== 0x03 || bits.end === bits.start || spki[bits.start] !== 0) return null;
  return spki.subarray(bits.start + 1, bits.end);
}

/** UTCTime (YYMMDDHHMMSSZ, 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSS[.fff]Z) as epoch ms; null when not one or not a real date. */
function readTime(buf: Buffer, tlv: Tlv): number | null {
  const text = buf.toString('latin1', tlv.start, tlv.end);
  const utc = tlv.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  const generalized = tlv.tag === 0x18 ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?Z$/.exec(text) : null;
  const m = utc ?? generalized;
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fullYear = utc ? (year < 50 ? 2000 : 1900) + year : year;
  const date = new Date(Date.UTC(fullYear, month - 1, day, hour, minute, second, Number((m[7] ?? '').padEnd(3, '0'))));
  // Date.UTC rolls 31 February over into March (and years below 100 into the 1900s): such a field is not a date.
  const fields = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  return fields.join() === [fullYear, month, day, hour, minute, second].join() ? date.getTime() : null;
}

// ---- Certificate revocation lists (RFC 5280 §5), read in place. A CA's CRL can list hundreds of
// thousands of serials (tens of MiB): more than an object tree should hold (asn1js, under
// @peculiar/x509's X509Crl, refuses more than 10,000 ASN.1 nodes: about 1,500 entries). So the
// parts are located, and the entries walked one at a time, never collected.

/** A CRL's parts, as signed. */
export interface CrlParts {
  /** The DER of tbsCertList: the bytes the signature covers. */
  tbs: Buffer;
  /** The outer signatureAlgorithm (the one the signature is checked with). */
  signatureAlgorithm: { oid: string; params: Buffer | null };
  /** Whether the outer signatureAlgorithm and tbsCertList's signature field are the same bytes, as RFC 5280 §5.1.1.2 requires. */
  algorithmsMatch: boolean;
  /** The signature value: the BIT STRING's contents after its unused-bits byte. */
  signature: Buffer;
  /** The DER of the issuer Name. */
  issuer: Buffer;
  thisUpdate: number;
  nextUpdate: number | null;
  extensions: CertificateExtension[];
  /** The contents of revokedCertificates (empty when the CRL lists none), for findCrlEntry. */
  entries: Buffer;
}

/** A DER CertificateList's parts; null when it is not one (trailing bytes included). Reads no entry. */
export function readCrl(der: Buffer): CrlParts | null {
  if (!Buffer.isBuffer(der)) return null;
  const outer = readTlv(der, 0, der.length);
  if (!outer || outer.tag !== 0x30 || outer.end !== der.length) return null;
  const parts = children(der, outer, 3);
  if (!parts || parts.length !== 3) return null;
  const [tbs, algorithm, signature] = parts as [Tlv, Tlv, Tlv];
  const signatureAlgorithm = algorithm.tag === 0x30 ? readAlgorithmIdentifier(der, algorithm) : null;
  if (tbs.tag !== 0x30 || !signatureAlgorithm || signature.tag !== 0x03 || signature.end === signature.start || der[signature.start] !== 0) return null;
  // version INTEGER v2 OPTIONAL, signature, issuer, thisUpdate, nextUpdate OPTIONAL, revokedCertificates OPTIONAL, [0] crlExtensions OPTIONAL
  const fields = children(der, tbs, 7);
  if (!fields) return null;
  let at = 0;
  const version = fields[0];
  if (version?.tag === 0x02) {
    if (version.end - version.start !== 1 || der[version.start] !== 1) return null;
    at = 1;
  }
  const [innerAlgorithm, issuer, thisUpdateField] = fields.slice(at, at + 3);
  const thisUpdate = thisUpdateField ? readTime(der, thisUpdateField) : null;
  if (innerAlgorithm?.tag !== 0x30 || issuer?.tag !== 0x30 || thisUpdate === null) return null;
  at += 3;
  let nextUpdate: number | null = null;
  const next = fields[at];
  if (next && (next.tag === 0x17 || next.tag === 0x18)) {
    nextUpdate = readTime(der, next);
    if (nextUpdate === null) return null;
    at++;
  }
  let entries = der.subarray(0, 0);
  const list = fields[at];
  if (list?.tag === 0x30) {
    entries = der.subarray(list.start, list.end);
    at++;
  }
  let extensions: CertificateExtension[] | null = [];
  const wrapper = fields[at];
  if (wrapper?.tag === 0xa0) {
    extensions = explicitExtensions(der, wrapper);
    at++;
  }
  if (!extensions || at !== fields.length) return null;
  return {
    tbs: der.subarray(tbs.at, tbs.end),
    signatureAlgorithm,
    algorithmsMatch: der.subarray(algorithm.at, algorithm.end).equals(der.subarray(innerAlgorithm.at, innerAlgorithm.end)),
    signature: der.subarray(signature.start + 1, signature.end),
    issuer: der.subarray(issuer.at, issuer.end),
    thisUpdate,
    nextUpdate,
    extensions,
    entries,
  };
}

/** A CRL entry: when the certificate was revoked, and the entry's extensions (reasonCode …). */
export interface CrlEntry {
  revokedAt: number;
  extensions: CertificateExtension[];
}

/**
 * The entry for `serial` (INTEGER contents) in a CRL's revokedCertificates contents: null when the
 * serial is not listed, 'malformed' when any entry cannot be read. Every entry's shape is checked;
 * only the matching one is decoded. Work is linear in the list's length.
 */
export function findCrlEntry(entries: Buffer, serial: Buffer): CrlEntry | null | 'malformed' {
  let found: CrlEntry | null = null;
  for (let pos = 0; pos < entries.length; ) {
    const entry = readTlv(entries, pos, entries.length);
    const fields = entry?.tag === 0x30 ? children(entries, entry, 3) : null;
    if (!entry || !fields || fields.length < 2) return 'malformed';
    pos = entry.end;
    const [number, date, extensions] = fields as [Tlv, Tlv, Tlv | undefined];
    if (number.tag !== 0x02 || (date.tag !== 0x17 && date.tag !== 0x18) || (extensions && extensions.tag !== 0x30)) return 'malformed';
    if (found || !sameInteger(entries.subarray(number.start, number.end), serial)) continue;
    const revokedAt = readTime(entries, date);
    const list = extensions ? extensionList(entries, extensions) : [];
    if (revokedAt === null || !list) return 'malformed';
    found = { revokedAt, extensions: list };
  }
  return found;
}

/** CRLReason ::= ENUMERATED (the reasonCode entry extension's value); null when malformed. */
export function parseCrlReason(value: Buffer): number | null {
  const reason = whole(value, 0x0a);
  return reason ? readNatural(value, reason) : null;
}

/** What an issuingDistributionPoint extension (RFC 5280 §5.2.5) limits a CRL to. */
export interface IssuingDistributionPoint {
  /** The fullName URIs of its distributionPoint; null when it names none (absent, or a name relative to the issuer: `relativeName`). */
  uris: string[] | null;
  relativeName: boolean;
  onlyUserCerts: boolean;
  onlyCaCerts: boolean;
  onlySomeReasons: boolean;
  indirectCrl: boolean;
  onlyAttributeCerts: boolean;
}

/**
 * IssuingDistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName OPTIONAL,
 * onlyContainsUserCerts [1] BOOLEAN DEFAULT FALSE, onlyContainsCACerts [2] BOOLEAN DEFAULT FALSE,
 * onlySomeReasons [3] ReasonFlags OPTIONAL, indirectCRL [4] BOOLEAN DEFAULT FALSE,
 * onlyContainsAttributeCerts [5] BOOLEAN DEFAULT FALSE }. Null when malformed.
 */
export function parseIssuingDistributionPoint(value: Buffer): IssuingDistributionPoint | null {
  const seq = whole(value, 0x30);
  const fields = seq && children(value, seq, 6);
  if (!fields) return null;
  const out: IssuingDistributionPoint = {
    uris: null,
    relativeName: false,
    onlyUserCerts: false,
    onlyCaCerts: false,
    onlySomeReasons: false,
    indirectCrl: false,
    onlyAttributeCerts: false,
  };
  const flags = { 0x81: 'onlyUserCerts', 0x82: 'onlyCaCerts', 0x84: 'indirectCrl', 0x85: 'onlyAttributeCerts' } as const;
  for (const field of fields) {
    if (field.tag === 0xa0) {
      const choice = readTlv(value, field.start, field.end);
      if (!choice || choice.end !== field.end || (choice.tag !== 0xa0 && choice.tag !== 0xa1)) return null;
      if (choice.tag === 0xa1) {
        out.relativeName = true;
        continue;
      }
      const names = children(value, choice, MAX_LIST_ENTRIES);
      out.uris = names && uriNames(value, names);
      if (!out.uris) return null;
    } else if (field.tag === 0x83) {
      out.onlySomeReasons = true;
    } else if (field.tag in flags) {
      if (field.end - field.start !== 1) return null;
      out[flags[field.tag as keyof typeof flags]] = value[field.start] !== 0;
    } else {
      return null;
    }
  }
  return out;
}

// ---- OCSP (RFC 6960 §4.1, §4.2): the request mxray sends, and the parts of a response, read in
// place like a CRL. An ASN.1 library did this before: loading and first running it cost more than
// the whole lookup (about 45 ms of a receiver test), and these are three small structures.

/** Most SingleResponses read from one response (responders answer one per CertID asked; a few batch more). */
export const MAX_OCSP_ANSWERS = 256;
/** Most certificates read from a response's certs field. */
export const MAX_OCSP_CERTS = 16;

const DER_NULL = Buffer.from([0x05, 0x00]);

/**
 * The DER OCSPRequest with one Request for this CertID (hash algorithm `hashOid` with NULL
 * parameters, the hashes, the serial as INTEGER contents): unsigned, no nonce, no extensions, as
 * `openssl ocsp -no_nonce` sends it.
 */
export function encodeOcspRequest(hashOid: string, nameHash: Buffer, keyHash: Buffer, serial: Buffer): Buffer {
  const arcs = hashOid.split('.').map(BigInt);
  const body: number[] = [];
  const push = (value: bigint): void => {
    const groups: number[] = [Number(value & 0x7fn)];
    for (let v = value >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    body.push(...groups);
  };
  push((arcs[0] as bigint) * 40n + (arcs[1] as bigint));
  for (const arc of arcs.slice(2)) push(arc);
  const algorithm = derTlv(0x30, Buffer.concat([derTlv(0x06, Buffer.from(body)), DER_NULL]));
  const certId = derTlv(0x30, Buffer.concat([algorithm, derTlv(0x04, nameHash), derTlv(0x04, keyHash), derTlv(0x02, serial)]));
  // OCSPRequest { TBSRequest { requestList SEQUENCE OF Request { reqCert CertID } } }
  return derTlv(0x30, derTlv(0x30, derTlv(0x30, derTlv(0x30, certId))));
}

/** An OCSPResponse's outer parts: its status and, when present, the response type and its bytes. */
export interface OcspResponseParts {
  /** OCSPResponseStatus (0 successful, 1 malformedRequest …). */
  status: number;
  /** The ResponseBytes, when given: its responseType and the contents of its response OCTET STRING. */
  body: { type: string; response: Buffer } | null;
}

/** A DER OCSPResponse's outer parts; null when it is not one (trailing bytes included). */
export function readOcspResponse(der: Buffer): OcspResponseParts | null {
  if (!Buffer.isBuffer(der)) return null;
  const outer = readTlv(der, 0, der.length);
  if (!outer || outer.tag !== 0x30 || outer.end !== der.length) return null;
  const parts = children(der, outer, 2);
  const status = parts?.[0];
  if (!parts || status?.tag !== 0x0a || status.end - status.start !== 1) return null;
  const wrapper = parts[1];
  if (!wrapper) return { status: der[status.start] as number, body: null };
  const inner = wrapper.tag === 0xa0 ? readTlv(der, wrapper.start, wrapper.end) : null;
  const fields = inner?.tag === 0x30 && inner.end === wrapper.end ? children(der, inner, 2) : null;
  const [type, octets] = fields ?? [];
  const oid = type?.tag === 0x06 ? decodeOid(der, type.start, type.end) : null;
  if (!fields || fields.length !== 2 || oid === null || octets?.tag !== 0x04) return null;
  return { status: der[status.start] as number, body: { type: oid, response: der.subarray(octets.start, octets.end) } };
}

/** One SingleResponse: the CertID it answers for, the status, and its dates. */
export interface OcspAnswer {
  hashOid: string;
  nameHash: Buffer;
  keyHash: Buffer;
  /** The serial's INTEGER contents. */
  serial: Buffer;
  status: 'good' | 'revoked' | 'unknown';
  /** For 'revoked': when (epoch ms), and the CRLReason code when one was given. */
  revokedAt: number | null;
  reason: number | null;
  thisUpdate: number;
  nextUpdate: number | null;
}

/** A BasicOCSPResponse's parts, as signed. */
export interface BasicOcspParts {
  /** The DER of tbsResponseData: the bytes the signature covers. */
  tbs: Buffer;
  signatureAlgorithm: { oid: string; params: Buffer | null };
  /** The signature value: the BIT STRING's contents after its unused-bits byte. */
  signature: Buffer;
  /** The certificates included (DER, as sent; at most MAX_OCSP_CERTS). */
  certs: Buffer[];
  answers: OcspAnswer[];
}

/** A DER BasicOCSPResponse's parts and every SingleResponse; null when any part cannot be read. */
export function readBasicOcspResponse(der: Buffer): BasicOcspParts | null {
  if (!Buffer.isBuffer(der)) return null;
  const outer = readTlv(der, 0, der.length);
  if (!outer || outer.tag !== 0x30 || outer.end !== der.length) return null;
  const parts = children(der, outer, 4);
  if (!parts || parts.length < 3) return null;
  const [tbs, algorithm, signature, certsWrapper] = parts as [Tlv, Tlv, Tlv, Tlv | undefined];
  const signatureAlgorithm = algorithm.tag === 0x30 ? readAlgorithmIdentifier(der, algorithm) : null;
  if (tbs.tag !== 0x30 || !signatureAlgorithm || signature.tag !== 0x03 || signature.end === signature.start || der[signature.start] !== 0) return null;
  let certs: Buffer[] = [];
  if (certsWrapper) {
    const list = certsWrapper.tag === 0xa0 ? readTlv(der, certsWrapper.start, certsWrapper.end) : null;
    const items = list?.tag === 0x30 && list.end === certsWrapper.end ? children(der, list, MAX_OCSP_CERTS) : null;
    if (!items || items.some((c) => c.tag !== 0x30)) return null;
    certs = items.map((c) => der.subarray(c.at, c.end));
  }
  // ResponseData: version [0] EXPLICIT DEFAULT v1, responderID ([1] byName | [2] byKey), producedAt, responses, [1] responseExtensions OPTIONAL
  const fields = children(der, tbs, 5);
  if (!fields) return null;
  let at = 0;
  const version = fields[0];
  if (version?.tag === 0xa0) {
    // Only v1 (INTEGER 0) exists.
    if (version.end - version.start !== 3 || der[version.start] !== 0x02 || der[version.start + 1] !== 1 || der[version.start + 2] !== 0) return null;
    at = 1;
  }
  const [responder, producedAt, responses, extensions] = fields.slice(at) as [Tlv | undefined, Tlv | undefined, Tlv | undefined, Tlv | undefined];
  if ((responder?.tag !== 0xa1 && responder?.tag !== 0xa2) || producedAt?.tag !== 0x18 || readTime(der, producedAt) === null || responses?.tag !== 0x30) return null;
  if (extensions && (extensions.tag !== 0xa1 || !explicitExtensions(der, extensions) || at + 4 !== fields.length)) return null;
  const items = children(der, responses, MAX_OCSP_ANSWERS);
  if (!items || items.length === 0) return null;
  const answers: OcspAnswer[] = [];
  for (const item of items) {
    const single = item.tag === 0x30 ? readSingleResponse(der, item) : null;
    if (!single) return null;
    answers.push(single);
  }
  return { tbs: der.subarray(tbs.at, tbs.end), signatureAlgorithm, signature: der.subarray(signature.start + 1, signature.end), certs, answers };
}

/** SingleResponse { certID, certStatus, thisUpdate, [0] nextUpdate OPTIONAL, [1] singleExtensions OPTIONAL }. */
function readSingleResponse(der: Buffer, tlv: Tlv): OcspAnswer | null {
  const fields = children(der, tlv, 5);
  if (!fields || fields.length < 3) return null;
  const [certId, certStatus, thisUpdateField, ...rest] = fields as [Tlv, Tlv, Tlv, ...Tlv[]];
  const id = certId.tag === 0x30 ? children(der, certId, 4) : null;
  if (!id || id.length !== 4) return null;
  const [hashAlgorithm, nameHash, keyHash, serial] = id as [Tlv, Tlv, Tlv, Tlv];
  const hash = hashAlgorithm.tag === 0x30 ? readAlgorithmIdentifier(der, hashAlgorithm) : null;
  if (!hash || nameHash.tag !== 0x04 || keyHash.tag !== 0x04 || serial.tag !== 0x02 || serial.end === serial.start) return null;
  const thisUpdate = thisUpdateField.tag === 0x18 ? readTime(der, thisUpdateField) : null;
  if (thisUpdate === null) return null;
  let nextUpdate: number | null = null;
  let next = 0;
  const nextField = rest[next];
  if (nextField?.tag === 0xa0) {
    const time = readTlv(der, nextField.start, nextField.end);
    nextUpdate = time?.tag === 0x18 && time.end === nextField.end ? readTime(der, time) : null;
    if (nextUpdate === null) return null;
    next++;
  }
  const extensions = rest[next];
  if (extensions) {
    if (extensions.tag !== 0xa1 || !explicitExtensions(der, extensions)) return null;
    next++;
  }
  if (next !== rest.length) return null;
  const status = readCertStatus(der, certStatus);
  if (!status) return null;
  return {
    hashOid: hash.oid,
    nameHash: der.subarray(nameHash.start, nameHash.end),
    keyHash: der.subarray(keyHash.start, keyHash.end),
    serial: der.subarray(serial.start, serial.end),
    ...status,
    thisUpdate,
    nextUpdate,
  };
}

/** CertStatus: good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo { revocationTime, [0] EXPLICIT CRLReason OPTIONAL }, unknown [2] IMPLICIT NULL. */
function readCertStatus(der: Buffer, tlv: Tlv): Pick<OcspAnswer, 'status' | 'revokedAt' | 'reason'> | null {
  if (tlv.tag === 0x80 || tlv.tag === 0x82) return tlv.end === tlv.start ? { status: tlv.tag === 0x80 ? 'good' : 'unknown', revokedAt: null, reason: null } : null;
  if (tlv.tag !== 0xa1) return null;
  const fields = children(der, tlv, 2);
  const time = fields?.[0];
  const revokedAt = time?.tag === 0x18 ? readTime(der, time) : null;
  if (!fields || revokedAt === null) return null;
  const wrapper = fields[1];
  if (!wrapper) return { status: 'revoked', revokedAt, reason: null };
  const code = wrapper.tag === 0xa0 ? readTlv(der, wrapper.start, wrapper.end) : null;
  if (code?.tag !== 0x0a || code.end !== wrapper.end) return null;
  const reason = parseCrlReason(der.subarray(code.at, code.end));
  return reason === null ? null : { status: 'revoked', revokedAt, reason };
}
