// The trust store: PEM bundles (Node's bundled roots, --ca-file contents) turned into trust anchors.
//
// Parsing a certificate with node:crypto costs ~0.25 ms under OpenSSL 3 (key decoding is slow), so
// all ~145 bundled roots cost ~25-35 ms. Chain building does not need them all: it asks for the
// roots whose subject is a certificate's issuer name. So the store keeps the roots as DER, finds
// the ones holding the issuer's name bytes with a native byte search, and parses only those: the
// first lookup (splitting the bundle included) costs ~2-3 ms. `roots()` still returns every root,
// parsed on its first call.
import { createHash, X509Certificate } from 'node:crypto';
import type { TrustProvenance, TrustStore } from '../core/context.js';
import { MxrayError } from '../core/errors.js';
import { canonicalName, firstElementLength, readCertificateNames } from './der.js';

/** A trust store that can answer "which anchors could have issued this?" without parsing every root. */
export interface IndexedTrustStore extends TrustStore {
  /** Anchors whose subject has exactly these Name bytes (raw DER), parsed on demand. Fast. */
  anchorsNamed(issuerNameDer: Buffer): readonly X509Certificate[];
  /**
   * Anchors whose subject equals the Name after RFC 5280 §7.1 normalisation (string types, case,
   * white space). The first call decodes every root's subject (~5 ms), so ask only when
   * `anchorsNamed` and the sent certificates found nothing.
   */
  anchorsNamedLoosely(issuerNameDer: Buffer): readonly X509Certificate[];
  /** Whether these exact certificate bytes are an anchor. */
  includes(certDer: Buffer): boolean;
  /** How many certificates the store holds (unparsed). */
  readonly size: number;
}

interface Entry {
  der: Buffer;
  parsed: X509Certificate | null | undefined;
}

const BEGIN = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----/;

/**
 * The DER of every certificate in a PEM text (bundles allowed), in order. Unreadable blocks are
 * left out, among them a block cut off before its END line: reading goes on at the next BEGIN.
 */
export function splitPemBundle(text: string): Buffer[] {
  // indexOf rather than one big regular expression: this runs once per start-up, on cold code.
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', pos);
    if (begin < 0) break;
    // A block ends before the next one begins.
    const next = text.indexOf('-----BEGIN ', begin + 11);
    pos = next === -1 ? text.length : next;
    const block = text.slice(begin, pos);
    // (A header without its closing dashes finds no footer below, so it is left out too.)
    const headerEnd = block.indexOf('-----', 11);
    const label = block.slice(11, headerEnd);
    const footer = `-----END ${label}-----`;
    const end = block.indexOf(footer, headerEnd);
    if (end === -1) continue;
    if (label !== 'CERTIFICATE' && label !== 'X509 CERTIFICATE' && label !== 'TRUSTED CERTIFICATE') continue;
    const bytes = Buffer.from(block.slice(headerEnd + 5, end), 'base64');
    // "TRUSTED CERTIFICATE" blocks carry OpenSSL trust settings after the certificate: cut them off.
    const len = firstElementLength(bytes);
    if (len === null || bytes[0] !== 0x30) continue;
    out.push(bytes.subarray(0, len));
  }
  return out;
}

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);

/**
 * What is wrong with the certificate blocks of a PEM text, one line each ("certificate block 2
 * (line 31): no END line"), at most `max`: the blocks splitPemBundle leaves out without a word.
 * Blocks of other kinds (a private key, a CRL) are not certificates and not looked at.
 */
export function pemCertificateProblems(text: string, max = 5): string[] {
  const problems: string[] = [];
  let pos = 0;
  let n = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', pos);
    if (begin < 0 || problems.length >= max) break;
    const next = text.indexOf('-----BEGIN ', begin + 11);
    pos = next === -1 ? text.length : next;
    const block = text.slice(begin, pos);
    const headerEnd = block.indexOf('-----', 11);
    const label = headerEnd === -1 ? '' : block.slice(11, headerEnd);
    if (headerEnd !== -1 && !CERTIFICATE_LABELS.has(label)) continue;
    n++;
    const at = `certificate block ${n} (line ${text.slice(0, begin).split('\n').length})`;
    if (headerEnd === -1) {
      problems.push(`${at}: its BEGIN line is not closed with "-----"`);
      continue;
    }
    const end = block.indexOf(`-----END ${label}-----`, headerEnd);
    if (end === -1) {
      problems.push(`${at}: no "-----END ${label}-----" line before ${next === -1 ? 'the end of the file' : 'the next block'}`);
      continue;
    }
    const body = block.slice(headerEnd + 5, end).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) {
      problems.push(`${at}: not base64`);
      continue;
    }
    const bytes = Buffer.from(body, 'base64');
    const len = firstElementLength(bytes);
    if (len === null || bytes[0] !== 0x30) {
      problems.push(`${at}: not a DER certificate (${bytes.length} bytes that do not form one)`);
      continue;
    }
    try {
      new X509Certificate(bytes.subarray(0, len));
    } catch (err) {
      problems.push(`${at}: not a readable certificate (${(err as Error).message})`);
    }
  }
  return problems;
}

function parse(entry: Entry): X509Certificate | null {
  if (entry.parsed === undefined) {
    try {
      entry.parsed = new X509Certificate(entry.der);
    } catch {
      entry.parsed = null;
    }
  }
  return entry.parsed;
}

/**
 * Builds a trust store from PEM texts. Each text must hold at least one certificate block: a text
 * without one (e.g. a --ca-file that is not PEM) throws MxrayError('invalid-input') at once.
 * Nothing is decoded until the store is first used; blocks whose contents are not a certificate
 * are then left out (`size` counts what was read).
 */
export function createTrustStore(pems: string[], description: string, provenance?: TrustProvenance): IndexedTrustStore {
  pems.forEach((text, i) => {
    if (!BEGIN.test(text)) {
      throw new MxrayError(
        'invalid-input',
        `trust store (${description}): input ${i + 1} of ${pems.length} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`,
      );
    }
  });
  let entries: Entry[] | null = null;
  /** Keyed by the canonical subject (RFC 5280 §7.1 comparison); built only when a byte search misses. */
  let byCanonicalSubject: Map<string, Entry[]> | null = null;
  let all: X509Certificate[] | null = null;

  const load = (): Entry[] => {
    entries ??= pems.flatMap((text) => splitPemBundle(text)).map((der) => ({ der, parsed: undefined }));
    return entries;
  };

  const canonicalIndex = (): Map<string, Entry[]> => (byCanonicalSubject ??= indexByCanonicalSubject(load()));

  const subjectIs = (entry: Entry, nameDer: Buffer): boolean => readCertificateNames(entry.der)?.subject.equals(nameDer) ?? false;

  return {
    description,
    provenance: provenance ?? { bundledRootsOfNode: null, extraCaFiles: [] },
    get size(): number {
      return load().length;
    },
    pems(): readonly string[] {
      // From the DER blocks the store read (no certificate parsed): base64 is cheap, parsing is not.
      return unique(load()).map((e) => `-----BEGIN CERTIFICATE-----\n${e.der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`);
    },
    roots(): readonly X509Certificate[] {
      all ??= unique(load())
        .map(parse)
        .filter((c): c is X509Certificate => c !== null);
      return all;
    },
    anchorsNamed(issuerNameDer: Buffer): readonly X509Certificate[] {
      // A native byte search finds the few roots holding these name bytes without decoding the
      // others; reading their subject then rules out a name that only occurs as an issuer.
      const list = load().filter((e) => e.der.indexOf(issuerNameDer) >= 0 && subjectIs(e, issuerNameDer));
      return unique(list)
        .map(parse)
        .filter((c): c is X509Certificate => c !== null);
    },
    anchorsNamedLoosely(issuerNameDer: Buffer): readonly X509Certificate[] {
      return unique(canonicalIndex().get(canonicalKey(issuerNameDer)) ?? [])
        .map(parse)
        .filter((c): c is X509Certificate => c !== null);
    },
    includes(certDer: Buffer): boolean {
      return load().some((e) => e.der.equals(certDer));
    },
  };
}

/** The entries by canonical subject; entries whose names cannot be read are left out. */
function indexByCanonicalSubject(entries: Entry[]): Map<string, Entry[]> {
  const map = new Map<string, Entry[]>();
  for (const entry of entries) {
    const names = readCertificateNames(entry.der);
    if (!names) continue;
    const key = canonicalKey(names.subject);
    const list = map.get(key);
    if (list) list.push(entry);
    else map.set(key, [entry]);
  }
  return map;
}

/** Entries without byte-identical duplicates (a root listed twice, e.g. bundled and in --ca-file). */
function unique(list: Entry[]): Entry[] {
  const out: Entry[] = [];
  for (const e of list) if (!out.some((o) => o.der.equals(e.der))) out.push(e);
  return out;
}

function canonicalKey(nameDer: Buffer): string {
  return canonicalName(nameDer) ?? `raw:${nameDer.toString('hex')}`;
}

/** Whether a TrustStore is one of ours (with the name index) rather than a plain one (e.g. a test fake). */
export function isIndexedTrustStore(store: TrustStore): store is IndexedTrustStore {
  const s = store as Partial<IndexedTrustStore>;
  return typeof s.anchorsNamed === 'function' && typeof s.anchorsNamedLoosely === 'function' && typeof s.includes === 'function';
}

/** SHA-256 (hex) of a CA file's content, as the report records it. */
export function contentSha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
