// TLSA records (RFC 6698, RFC 7671) against the certificates a server sent: "does my renewed
// certificate still match the DANE record I publish?" (`mxray cert --tlsa`), and the DANE check of
// the receiver test to come. Pure: records and certificates in, which certificate each record
// matches out. Trust, names and dates are judged elsewhere; SMTP (RFC 7672 §3.1) uses only
// DANE-TA(2) and DANE-EE(3) records, so PKIX-TA(0) and PKIX-EE(1) are reported as unusable.
import { createHash } from 'node:crypto';
import { readSubjectPublicKeyInfo } from './der.js';

export interface TlsaRecord {
  /** 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE. */
  usage: number;
  /** 0 the whole certificate, 1 its SubjectPublicKeyInfo. */
  selector: number;
  /** 0 the data itself, 1 its SHA-256, 2 its SHA-512. */
  matchingType: number;
  data: Buffer;
}

export const TLSA_USAGE_NAMES: Readonly<Record<number, string>> = { 0: 'PKIX-TA', 1: 'PKIX-EE', 2: 'DANE-TA', 3: 'DANE-EE' };

/** Longest association data we accept: a whole certificate (selector 0, matching 0) of a generous size. */
export const MAX_TLSA_DATA_BYTES = 16 * 1024;

/**
 * Reads a record in presentation form, as `dig` prints it and people paste it: "3 1 1 <hex>" (the
 * hex may be split by spaces, in either case; an owner name and "IN TLSA" before it are allowed).
 * Returns the record, or why it cannot be read (one line).
 */
export function parseTlsaText(text: string): TlsaRecord | { error: string } {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  const m = /^(?:\S+\s+(?:\d+\s+)?(?:IN\s+)?TLSA\s+)?(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})\s+([0-9A-Fa-f\s]+)$/i.exec(text.trim());
  if (!m) return { error: `"${shown}" is not a TLSA record: write it as "3 1 1 <hex>" (usage, selector, matching type, data)` };
  const [usage, selector, matchingType] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (usage > 3) return { error: `"${shown}": usage ${usage} is not one of 0-3 (PKIX-TA, PKIX-EE, DANE-TA, DANE-EE)` };
  if (selector > 1) return { error: `"${shown}": selector ${selector} is not 0 (whole certificate) or 1 (public key)` };
  if (matchingType > 2) return { error: `"${shown}": matching type ${matchingType} is not 0 (exact), 1 (SHA-256) or 2 (SHA-512)` };
  const hex = (m[4] as string).replace(/\s+/g, '');
  if (hex.length % 2 !== 0) return { error: `"${shown}": the data has an odd number of hex digits` };
  if (hex.length / 2 > MAX_TLSA_DATA_BYTES) return { error: `"${shown}": the data is longer than ${MAX_TLSA_DATA_BYTES} bytes` };
  const data = Buffer.from(hex, 'hex');
  const want = matchingType === 1 ? 32 : matchingType === 2 ? 64 : null;
  if (want !== null && data.length !== want) {
    return { error: `"${shown}": a ${matchingType === 1 ? 'SHA-256' : 'SHA-512'} digest is ${want} bytes, this one ${data.length}` };
  }
  return { usage, selector, matchingType, data };
}

/** The record in presentation form, digest in upper case as most tools print it. */
export function tlsaText(r: TlsaRecord): string {
  return `${r.usage} ${r.selector} ${r.matchingType} ${r.data.toString('hex').toUpperCase()}`;
}

/** What a record of this selector and matching type holds for one certificate (null when the certificate cannot be read). */
export function tlsaData(certDer: Buffer, selector: number, matchingType: number): Buffer | null {
  const selected = selector === 1 ? readSubjectPublicKeyInfo(certDer) : selector === 0 ? certDer : null;
  if (selected === null) return null;
  if (matchingType === 0) return Buffer.from(selected);
  if (matchingType === 1) return createHash('sha256').update(selected).digest();
  if (matchingType === 2) return createHash('sha512').update(selected).digest();
  return null;
}

export interface TlsaMatch {
  record: TlsaRecord;
  /** Index in the chain (0: the leaf) of the certificate the record matches, or null. */
  matched: number | null;
  /** Why the record can or cannot be used, for people. */
  note: string;
}

/**
 * Which certificate of `chain` (as sent, leaf first) each record matches. DANE-EE(3) looks at the
 * leaf only; DANE-TA(2) at every certificate sent (the trust anchor must be among them, RFC 7671
 * §5.2.2, unless the record holds a whole certificate: 2 0 0); PKIX records are matched alike but
 * noted as unusable for SMTP.
 */
export function matchTlsa(records: readonly TlsaRecord[], chain: readonly Buffer[]): TlsaMatch[] {
  return records.map((record) => {
    const candidates = record.usage === 3 || record.usage === 1 ? chain.slice(0, 1) : chain;
    const found = candidates.findIndex((c) => {
      const data = tlsaData(c, record.selector, record.matchingType);
      return data !== null && data.equals(record.data);
    });
    const matched = found < 0 ? null : found;
    return { record, matched, note: noteFor(record, matched) };
  });
}

function noteFor(record: TlsaRecord, matched: number | null): string {
  const usage = TLSA_USAGE_NAMES[record.usage] ?? String(record.usage);
  if (record.usage < 2) return `${usage} records are not used for SMTP (RFC 7672 §3.1.3): senders treat them as unusable`;
  if (matched !== null) return record.usage === 3 ? 'matches the server certificate' : `matches certificate ${matched} of the chain sent`;
  if (record.usage === 2 && record.selector === 0 && record.matchingType === 0) {
    return 'matches no certificate sent; the record holds the trust anchor itself, which senders may use when the server leaves it out';
  }
  return record.usage === 3 ? 'does not match the server certificate' : 'matches no certificate of the chain sent (the trust anchor must be sent)';
}
