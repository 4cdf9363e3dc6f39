// Certificate files as people have them (for `mxray cert`): PEM (bundles, keys, Windows' "Bag
// Attributes" text), DER, PKCS#7 (.p7b) and PKCS#12 (.pfx, .p12). Pure: it gets the file's bytes,
// never reads a file. Every input is hostile: the size is capped before anything else, the ASN.1
// is read by a small BER reader with a depth and an element budget, and every password-based key
// derivation has its iteration count checked before it runs.
//
// PKCS#7 and PKCS#12 are walked here rather than by node-forge's readers: forge's certificate and
// key parsers know RSA only (an EC certificate or key comes back as bare ASN.1), and its PKCS#12
// reader derives keys with whatever iteration count the file asks for, the key bags' inside the
// encrypted part included, before anyone could look. node-forge (loaded on first use) is kept for
// what Node's OpenSSL 3 cannot do: the PKCS#12 key derivation (RFC 7292 appendix B) for the MAC and
// the legacy encryption, and RC2, which Windows and `openssl pkcs12 -legacy` use for certificates.
// AES, triple DES, PBKDF2 and HMAC are Node's own.
import { createDecipheriv, createHmac, createPrivateKey, createPublicKey, pbkdf2Sync, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import { canonicalName, firstElementLength, oidText, readCertificateNames } from './der.js';

export type CertFileFormat = 'pem' | 'der' | 'pkcs7' | 'pkcs12';

/** Bigger files are refused before anything is parsed (a chain with a key is a few KiB). */
export const MAX_CERT_FILE_BYTES = 4 * 1024 * 1024;
/** Most certificates read from one file, and most PEM blocks. */
export const MAX_CERTIFICATES = 1000;
export const MAX_PEM_BLOCKS = 1000;
/** Most ASN.1 elements the BER reader looks at per file, and the deepest nesting. */
export const MAX_BER_ELEMENTS = 200_000;
export const MAX_BER_DEPTH = 32;
/** Most iterations one password-based key derivation may ask for (OpenSSL's default is 2048). */
export const MAX_KDF_ITERATIONS = 1_000_000;
/** Most hash iterations all key derivations for one file may take together (a few seconds in node-forge). */
export const MAX_KDF_WORK = 4_000_000;

export interface CertFileContents {
  format: CertFileFormat;
  /** DER, in file order; each one Node's X509Certificate can parse. */
  certificates: Buffer[];
  privateKeys: KeyObject[];
  /** Encrypted private keys left unread because no password was given (PEM only: a PKCS#12 file needs its password to be read at all). */
  lockedKeys: number;
  /** Short facts for people: 'a private key (PKCS#8, EC P-256) is in the file too'. */
  notes: string[];
}

/** What is wrong with a certificate file: tests and the CLI read this, people the message. */
export type CertFileProblem =
  | 'too-large'
  | 'empty'
  | 'unrecognised'
  | 'damaged'
  | 'no-certificate'
  | 'unreadable-certificate'
  | 'password-needed'
  | 'wrong-password'
  | 'unsupported'
  | 'too-many'
  | 'too-much-work';

/**
 * A certificate file that cannot be read: one line naming the file, saying what is wrong and what
 * to do. A UsageError (exit 2, no --help hint). `password-needed` is the one the CLI answers by
 * asking for the password and reading the file again.
 */
export class CertFileError extends UsageError {
  constructor(
    readonly problem: CertFileProblem,
    message: string,
  ) {
    super(message, { helpful: false });
    this.name = 'CertFileError';
  }
}

/** A password as given, or the PKCS#12 "no password" (an empty BMPString without its terminating zero). */
type Password = string | typeof NO_PASSWORD;
const NO_PASSWORD = Symbol('no password');

type Forge = typeof import('node-forge');
let forgeModule: Promise<Forge> | null = null;
/** node-forge, loaded on first use only (the bundle turns this import() into a require()). */
function loadForge(): Promise<Forge> {
  forgeModule ??= import('node-forge').then((m) => (m as unknown as { default: Forge }).default ?? m);
  return forgeModule;
}

// ---- OIDs (as dotted strings)

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  crlBag: '1.2.840.113549.1.12.10.1.4',
  secretBag: '1.2.840.113549.1.12.10.1.5',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

/** The PKCS#12 password-based encryption schemes (RFC 7292 appendix C) we decrypt: Node's cipher (or forge's RC2), key and IV length. */
const PKCS12_PBE: Record<string, { name: string; cipher: string; keyLength: number }> = {
  '1.2.840.113549.1.12.1.3': { name: 'pbeWithSHA1And3-KeyTripleDES-CBC', cipher: 'des-ede3-cbc', keyLength: 24 },
  '1.2.840.113549.1.12.1.4': { name: 'pbeWithSHA1And2-KeyTripleDES-CBC', cipher: 'des-ede-cbc', keyLength: 16 },
  '1.2.840.113549.1.12.1.5': { name: 'pbeWithSHA1And128BitRC2-CBC', cipher: 'rc2', keyLength: 16 },
  '1.2.840.113549.1.12.1.6': { name: 'pbeWithSHA1And40BitRC2-CBC', cipher: 'rc2', keyLength: 5 },
};
const PKCS12_PBE_UNSUPPORTED: Record<string, string> = {
  '1.2.840.113549.1.12.1.1': 'pbeWithSHA1And128BitRC4',
  '1.2.840.113549.1.12.1.2': 'pbeWithSHA1And40BitRC4',
};
const PBES2_CIPHERS: Record<string, { name: string; cipher: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'AES-128-CBC', cipher: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'AES-192-CBC', cipher: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'AES-256-CBC', cipher: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'DES-EDE3-CBC', cipher: 'des-ede3-cbc', keyLength: 24 },
};
const PBKDF2_PRFS: Record<string, { name: string; digest: string; length: number }> = {
  '1.2.840.113549.2.7': { name: 'HMAC-SHA-1', digest: 'sha1', length: 20 },
  '1.2.840.113549.2.8': { name: 'HMAC-SHA-224', digest: 'sha224', length: 28 },
  '1.2.840.113549.2.9': { name: 'HMAC-SHA-256', digest: 'sha256', length: 32 },
  '1.2.840.113549.2.10': { name: 'HMAC-SHA-384', digest: 'sha384', length: 48 },
  '1.2.840.113549.2.11': { name: 'HMAC-SHA-512', digest: 'sha512', length: 64 },
};
const MAC_DIGESTS: Record<string, { name: string; digest: 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'md5'; length: number }> = {
  '1.3.14.3.2.26': { name: 'SHA-1', digest: 'sha1', length: 20 },
  '2.16.840.1.101.3.4.2.1': { name: 'SHA-256', digest: 'sha256', length: 32 },
  '2.16.840.1.101.3.4.2.2': { name: 'SHA-384', digest: 'sha384', length: 48 },
  '2.16.840.1.101.3.4.2.3': { name: 'SHA-512', digest: 'sha512', length: 64 },
  '1.2.840.113549.2.5': { name: 'MD5', digest: 'md5', length: 16 },
};

// ---- A small BER reader: definite and indefinite lengths, bounded depth and element count

interface Ber {
  tag: number;
  /** Where the element (its tag byte) starts. */
  at: number;
  /** Where its contents start and stop (before the end-of-contents octets of an indefinite length). */
  start: number;
  stop: number;
  /** Where the next element starts. */
  end: number;
  depth: number;
}

/** Elements read so far, shared by every reader of one file. */
interface Budget {
  left: number;
  exhausted: boolean;
}

class BerReader {
  constructor(
    readonly buf: Buffer,
    readonly budget: Budget,
  ) {}

  /** The first element, or null when the bytes do not start with one. */
  top(): Ber | null {
    return this.read(0, this.buf.length, 0);
  }

  /** The element at `pos`, ending at or before `limit`. Null when malformed, too deep or over budget. */
  read(pos: number, limit: number, depth: number): Ber | null {
    if (depth > MAX_BER_DEPTH || pos + 2 > limit) return null;
    if (--this.budget.left < 0) {
      this.budget.exhausted = true;
      return null;
    }
    const buf = this.buf;
    const tag = buf[pos] as number;
    if ((tag & 0x1f) === 0x1f) return null; // high tag numbers occur in none of these formats
    const first = buf[pos + 1] as number;
    if (first === 0x80) {
      // Indefinite length: constructed only, children up to the end-of-contents octets.
      if ((tag & 0x20) === 0) return null;
      let at = pos + 2;
      for (;;) {
        if (at + 2 > limit) return null;
        if (buf[at] === 0 && buf[at + 1] === 0) break;
        const child = this.read(at, limit, depth + 1);
        if (!child) return null;
        at = child.end;
      }
      return { tag, at: pos, start: pos + 2, stop: at, end: at + 2, depth };
    }
    let start = pos + 2;
    let length = first;
    if (first > 0x80) {
      const count = first & 0x7f;
      if (count > 4 || start + count > limit) return null;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (buf[start + i] as number);
      start += count;
    }
    if (start + length > limit) return null;
    return { tag, at: pos, start, stop: start + length, end: start + length, depth };
  }

  /** The children of a constructed element, in order; null when it is primitive or malformed. */
  children(el: Ber, max = MAX_CERTIFICATES + 16): Ber[] | null {
    if ((el.tag & 0x20) === 0) return null;
    const out: Ber[] = [];
    for (let pos = el.start; pos < el.stop; ) {
      if (out.length >= max) return null;
      const child = this.read(pos, el.stop, el.depth + 1);
      if (!child) return null;
      out.push(child);
      pos = child.end;
    }
    return out;
  }

  /** The element's bytes, tag and length included. */
  bytes(el: Ber): Buffer {
    return this.buf.subarray(el.at, el.end);
  }

  /** The contents of a primitive element. */
  contents(el: Ber): Buffer {
    return this.buf.subarray(el.start, el.stop);
  }

  /** An OCTET STRING's contents (or an implicitly tagged one's), joined when sent in segments (BER). */
  octets(el: Ber): Buffer | null {
    if ((el.tag & 0x20) === 0) return this.contents(el);
    const kids = this.children(el, 1 << 16);
    if (!kids) return null;
    const parts: Buffer[] = [];
    for (const k of kids) {
      if (k.tag !== 0x04 && k.tag !== 0x24) return null;
      const part = this.octets(k);
      if (!part) return null;
      parts.push(part);
    }
    return Buffer.concat(parts);
  }

  /** An OBJECT IDENTIFIER in dotted form, or null. */
  oid(el: Ber | undefined): string | null {
    if (!el || el.tag !== 0x06) return null;
    return oidText(this.contents(el));
  }

  /** A non-negative INTEGER; Infinity when larger than 2^48; null when not an INTEGER. */
  integer(el: Ber | undefined): number | null {
    if (!el || el.tag !== 0x02 || el.stop === el.start) return null;
    const bytes = this.contents(el);
    if ((bytes[0] as number) & 0x80) return null;
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    if (bytes.length - i > 6) return Infinity;
    return bytes.subarray(i).reduce((n, b) => n * 256 + b, 0);
  }
}

// ---- What kind of file

type DerKind = 'certificate' | 'pkcs7' | 'pkcs12' | 'private-key' | null;

/** What a DER (or BER) element is, from its first few children. */
function derKind(reader: BerReader, top: Ber): DerKind {
  if (top.tag !== 0x30) return null;
  const kids = reader.children(top, 16);
  if (!kids) return null;
  const [a, b, c] = kids;
  if (a?.tag === 0x02 && b?.tag === 0x30) {
    const inner = reader.children(b, 2);
    const oid = reader.oid(inner?.[0]);
    if (oid === OID.data || oid === OID.signedData) return 'pkcs12';
    // PrivateKeyInfo (INTEGER 0, AlgorithmIdentifier, OCTET STRING); an RSA key has INTEGERs only.
    if (c?.tag === 0x04) return 'private-key';
  }
  if (a?.tag === 0x02 && b?.tag === 0x02 && c?.tag === 0x02) return 'private-key';
  if (a?.tag === 0x02 && b?.tag === 0x04) return 'private-key'; // SEC1 ECPrivateKey
  if (a?.tag === 0x06 && b?.tag === 0xa0) return 'pkcs7';
  if (kids.length === 3 && a?.tag === 0x30 && b?.tag === 0x30 && c?.tag === 0x03) return 'certificate';
  return null;
}

/** Whether the bytes are a PKCS#12 (PFX) file: one needs a password to be read. */
export function isPkcs12(bytes: Buffer): boolean {
  if (!Buffer.isBuffer(bytes) || bytes.length === 0 || bytes.length > MAX_CERT_FILE_BYTES) return false;
  const reader = new BerReader(bytes, { left: MAX_BER_ELEMENTS, exhausted: false });
  const top = reader.top();
  return top !== null && derKind(reader, top) === 'pkcs12';
}

/** The file as text: UTF-16 when it starts with a byte order mark (as PowerShell 5 writes), else one character per byte. */
function asText(bytes: Buffer): { text: string; utf16: boolean } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: bytes.subarray(2).toString('utf16le'), utf16: true };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1))).swap16();
    return { text: swapped.toString('utf16le'), utf16: true };
  }
  return { text: bytes.toString('latin1'), utf16: false };
}

/** Whether the bytes look like text: no control characters but tab, line ends and form feed. */
function looksLikeText(bytes: Buffer): boolean {
  for (const b of bytes) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) return false;
  return true;
}

const FORMATS_WE_READ = 'give a PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.pfx) certificate file';

/**
 * Reads a certificate file: the certificates (DER, in file order), the private keys and short
 * notes. Throws CertFileError, one line, for anything it cannot use. `password` is for PKCS#12
 * files and encrypted private keys; without one a PKCS#12 file is tried with the empty password.
 */
export async function readCertFile(bytes: Buffer, opts: { name: string; password?: string | null; purpose?: 'certificate' | 'key' }): Promise<CertFileContents> {
  const { name } = opts;
  const password = opts.password ?? null;
  if (bytes.length > MAX_CERT_FILE_BYTES) {
    throw new CertFileError('too-large', `${name} is ${bytes.length} bytes, more than the ${MAX_CERT_FILE_BYTES / 1024 / 1024} MiB a certificate file can be: ${FORMATS_WE_READ}`);
  }
  if (bytes.length === 0) throw new CertFileError('empty', `${name} is empty: ${FORMATS_WE_READ}`);
  const budget: Budget = { left: MAX_BER_ELEMENTS, exhausted: false };
  // DER when the whole file is one DER element (a certificate could hold the words "-----BEGIN "),
  // else PEM wherever a block begins (stray control characters around it do not matter).
  const wholeDer = bytes[0] === 0x30 && firstElementLength(bytes) === bytes.length;
  const text = asText(bytes);
  if (!wholeDer && text.text.includes('-----BEGIN ')) {
    const contents = await readPem(text.text, name, password, budget, opts.purpose === 'key');
    if (text.utf16) contents.notes.unshift('the file is UTF-16 text (as Windows PowerShell writes it)');
    return contents;
  }
  if (text.utf16 || looksLikeText(bytes)) throw new CertFileError('unrecognised', `${name} is text without a PEM block ("-----BEGIN CERTIFICATE-----"): ${FORMATS_WE_READ}`);
  if (bytes[0] !== 0x30) throw new CertFileError('unrecognised', `${name} is neither PEM nor DER (it does not start with an ASN.1 SEQUENCE): ${FORMATS_WE_READ}`);
  return readDer(bytes, name, password, budget);
}

async function readDer(bytes: Buffer, name: string, password: string | null, budget: Budget): Promise<CertFileContents> {
  const reader = new BerReader(bytes, budget);
  const top = reader.top();
  if (!top) {
    if (budget.exhausted) throw tooComplex(name);
    const declared = declaredLength(bytes);
    if (declared !== null && declared > bytes.length) {
      throw new CertFileError('damaged', `${name}: the DER data says it is ${declared} bytes long but the file has ${bytes.length}: the file is cut short; copy it again`);
    }
    throw new CertFileError('damaged', `${name} starts like DER but is malformed: the file is damaged; copy it again, or ${FORMATS_WE_READ}`);
  }
  const kind = derKind(reader, top);
  if (kind === 'certificate') {
    const length = firstElementLength(bytes);
    if (length !== bytes.length) {
      throw new CertFileError(
        'damaged',
        `${name}: the DER certificate ${length === null ? 'is not in DER form' : `is ${length} bytes long but the file has ${bytes.length}`}: the file is damaged or not a single certificate; copy it again`,
      );
    }
    return finish(name, 'der', [Buffer.from(bytes)], [], 0, []);
  }
  if (top.end !== bytes.length) {
    throw new CertFileError('damaged', `${name}: the DER data is ${top.end} bytes long but the file has ${bytes.length}: the file is damaged; copy it again`);
  }
  if (kind === 'pkcs7') {
    const notes: string[] = [];
    const certs = pkcs7Certificates(reader, top, name, notes);
    return finish(name, 'pkcs7', certs, [], 0, notes);
  }
  if (kind === 'pkcs12') return readPkcs12(reader, top, name, password, budget);
  if (kind === 'private-key') throw keyOnly(name);
  if (budget.exhausted) throw tooComplex(name);
  throw new CertFileError('unrecognised', `${name} is DER but neither a certificate, PKCS#7 nor PKCS#12 (a certificate request or a CRL?): ${FORMATS_WE_READ}`);
}

/** The length the first element's header declares, header included (definite lengths only). */
function declaredLength(bytes: Buffer): number | null {
  const first = bytes[1];
  if (first === undefined || first === 0x80) return null;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count > 4 || bytes.length < 2 + count) return null;
  return 2 + count + bytes.subarray(2, 2 + count).reduce((n, b) => n * 256 + b, 0);
}

function keyOnly(name: string): CertFileError {
  return new CertFileError('no-certificate', `${name} holds a private key but no certificate: give the certificate's file (or one with both)`);
}

function tooComplex(name: string): CertFileError {
  return new CertFileError('too-much-work', `${name} holds more than ${MAX_BER_ELEMENTS} ASN.1 elements or nests them deeper than ${MAX_BER_DEPTH}: not a certificate file mxray reads; ${FORMATS_WE_READ}`);
}

function tooMany(name: string, what: string, max: number): CertFileError {
  return new CertFileError('too-many', `${name} holds more than ${max} ${what}: give a file with the certificate and its chain only`);
}

/** Checks every certificate with Node's parser and gathers the notes about keys. */
function finish(name: string, format: CertFileFormat, certificates: Buffer[], privateKeys: { key: KeyObject; container: string }[], lockedKeys: number, notes: string[]): CertFileContents {
  if (certificates.length === 0) {
    if (privateKeys.length > 0 || lockedKeys > 0) throw keyOnly(name);
    throw new CertFileError('no-certificate', `${name} holds no certificate: ${FORMATS_WE_READ}`);
  }
  certificates.forEach((der, i) => {
    try {
      new X509Certificate(der);
    } catch (err) {
      const which = certificates.length === 1 ? 'its certificate' : `certificate ${i + 1} of ${certificates.length}`;
      throw new CertFileError('unreadable-certificate', `${name}: ${which} cannot be read (${oneLine(err)}): the file is damaged or not an X.509 certificate`);
    }
  });
  for (const { key, container } of privateKeys) notes.push(`a private key (${container}, ${describeKey(key)}) is in the file too`);
  return { format, certificates, privateKeys: privateKeys.map((k) => k.key), lockedKeys, notes: [...new Set(notes)] };
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 160);
}

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return `${key.asymmetricKeyType === 'rsa' ? 'RSA' : 'RSA-PSS'} ${details.modulusLength ?? '?'} bits`;
    case 'ec':
      return `EC ${CURVES[details.namedCurve ?? ''] ?? details.namedCurve ?? '?'}`;
    case 'ed25519':
      return 'Ed25519';
    case 'ed448':
      return 'Ed448';
    default:
      return key.asymmetricKeyType ?? 'unknown type';
  }
}

// ---- PEM

interface PemBlock {
  n: number;
  label: string;
  line: number;
  headers: Map<string, string>;
  der: Buffer;
  text: string;
}

/** Every PEM block in the text, decoded; throws CertFileError for a block cut short or not base64. */
function pemBlocks(text: string, name: string): { blocks: PemBlock[]; outside: number } {
  const blocks: PemBlock[] = [];
  let outside = 0;
  let pos = 0;
  const lines = { at: 0, line: 1 };
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', pos);
    outside += countTextLines(text.slice(pos, begin === -1 ? text.length : begin));
    if (begin === -1) break;
    if (blocks.length >= MAX_PEM_BLOCKS) throw tooMany(name, 'PEM blocks', MAX_PEM_BLOCKS);
    const n = blocks.length + 1;
    const line = lineOf(text, begin, lines);
    const headerEnd = text.indexOf('-----', begin + 11);
    const eol = text.indexOf('\n', begin);
    if (headerEnd === -1 || (eol !== -1 && headerEnd > eol)) {
      throw new CertFileError('damaged', `${name}: PEM block ${n} (line ${line}) has a BEGIN line not closed with "-----": the file is damaged; copy it again`);
    }
    const label = text.slice(begin + 11, headerEnd);
    const at = `${name}: PEM block ${n} ("${label}", line ${line})`;
    const next = text.indexOf('-----BEGIN ', headerEnd);
    const footer = `-----END ${label}-----`;
    const end = text.indexOf(footer, headerEnd);
    if (end === -1 || (next !== -1 && end > next)) {
      throw new CertFileError('damaged', `${at} has no "${footer}" line before ${next === -1 ? 'the end of the file' : 'the next block'}: the file is cut short or damaged; copy it again in full`);
    }
    // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED", "DEK-Info: …") come first, then an empty line.
    const headers = new Map<string, string>();
    let body = text.slice(headerEnd + 5, end);
    const headerMatch = /^\s*\n((?:[A-Za-z-]+:[^\n]*\n)+)\s*\n/.exec(body.replace(/\r/g, ''));
    if (headerMatch) {
      for (const h of (headerMatch[1] as string).trim().split('\n')) {
        const colon = h.indexOf(':');
        headers.set(h.slice(0, colon).trim().toLowerCase(), h.slice(colon + 1).trim());
      }
      body = body.replace(/\r/g, '').slice(headerMatch[0].length);
    }
    body = body.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 === 1) {
      throw new CertFileError('damaged', `${at} is not valid base64: the file is damaged; copy it again`);
    }
    const der = Buffer.from(body, 'base64');
    if (der.length === 0) throw new CertFileError('damaged', `${at} is empty: the file is damaged; copy it again`);
    blocks.push({ n, label, line, headers, der, text: text.slice(begin, end + footer.length) });
    pos = end + footer.length;
  }
  return { blocks, outside };
}

/** The line number of `index`, counting on from the last one asked (indices only grow). */
function lineOf(text: string, index: number, from: { at: number; line: number }): number {
  for (let i = text.indexOf('\n', from.at); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) from.line++;
  from.at = index;
  return from.line;
}

/** Lines with something other than white space on them. */
function countTextLines(text: string): number {
  return text.split('\n').filter((l) => l.trim() !== '').length;
}

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const PKCS7_LABELS = new Set(['PKCS7', 'PKCS #7 SIGNED DATA', 'CMS']);
const KEY_TYPES: Record<string, { type: 'pkcs8' | 'pkcs1' | 'sec1'; container: string }> = {
  'PRIVATE KEY': { type: 'pkcs8', container: 'PKCS#8' },
  'RSA PRIVATE KEY': { type: 'pkcs1', container: 'PKCS#1' },
  'EC PRIVATE KEY': { type: 'sec1', container: 'SEC1' },
};

async function readPem(text: string, name: string, password: string | null, budget: Budget, keyFile = false): Promise<CertFileContents> {
  const { blocks, outside } = pemBlocks(text, name);
  const certificates: Buffer[] = [];
  const keys: { key: KeyObject; container: string }[] = [];
  const notes: string[] = [];
  let locked = 0;
  let fromPkcs7 = 0;
  const work: Work = { left: MAX_KDF_WORK };
  const add = (der: Buffer) => {
    if (certificates.length >= MAX_CERTIFICATES) throw tooMany(name, 'certificates', MAX_CERTIFICATES);
    certificates.push(der);
  };
  for (const block of blocks) {
    const at = `PEM block ${block.n} ("${block.label}", line ${block.line})`;
    if (CERTIFICATE_LABELS.has(block.label) || PKCS7_LABELS.has(block.label)) {
      const reader = new BerReader(block.der, budget);
      const top = reader.top();
      const kind = top && derKind(reader, top);
      if (top && kind === 'pkcs7') {
        // Some CAs send a PKCS#7 bundle labelled CERTIFICATE.
        if (top.end !== block.der.length) throw new CertFileError('damaged', `${name}: ${at} holds ${block.der.length} bytes but its PKCS#7 data ends after ${top.end}: the file is damaged; copy it again`);
        const certs = pkcs7Certificates(reader, top, name, notes);
        if (!PKCS7_LABELS.has(block.label)) notes.push(`${at} holds a PKCS#7 bundle, not a certificate: its ${certs.length} certificate(s) were read`);
        certs.forEach(add);
        fromPkcs7 += certs.length;
        continue;
      }
      if (PKCS7_LABELS.has(block.label)) throw new CertFileError('damaged', `${name}: ${at} is not a PKCS#7 bundle of certificates: the file is damaged; copy it again`);
      const length = firstElementLength(block.der);
      if (block.label === 'TRUSTED CERTIFICATE') {
        // OpenSSL's form: the certificate, then its trust settings.
        if (length === null || block.der[0] !== 0x30) throw new CertFileError('unreadable-certificate', `${name}: ${at} is not a DER certificate: the file is damaged; copy it again`);
        notes.push(`${at} is an OpenSSL "trusted certificate": read as a plain certificate (its trust settings are ignored)`);
        add(Buffer.from(block.der.subarray(0, length)));
        continue;
      }
      if (length !== block.der.length) {
        throw new CertFileError(
          'damaged',
          `${name}: ${at} ${length === null ? 'is not a DER certificate' : `holds ${block.der.length} bytes but its certificate is ${length} bytes long`}: the file is damaged; copy it again`,
        );
      }
      add(block.der);
      continue;
    }
    const keyType = KEY_TYPES[block.label];
    if (keyType) {
      if (block.headers.get('proc-type')?.includes('ENCRYPTED')) {
        // OpenSSL's old PEM encryption (DEK-Info): one MD5 round, cheap; Node decrypts it.
        if (password === null) {
          locked++;
          continue;
        }
        keys.push({ key: pemKey(() => createPrivateKey({ key: block.text, format: 'pem', passphrase: password }), name, at, true), container: keyType.container });
        const dek = block.headers.get('dek-info')?.split(',')[0];
        notes.push(`its private key is encrypted with OpenSSL's old PEM encryption${dek ? ` (${dek})` : ''}`);
        continue;
      }
      keys.push({ key: pemKey(() => createPrivateKey({ key: block.der, format: 'der', type: keyType.type }), name, at, false), container: keyType.container });
      continue;
    }
    if (block.label === 'ENCRYPTED PRIVATE KEY') {
      if (password === null) {
        locked++;
        continue;
      }
      const reader = new BerReader(block.der, budget);
      const top = reader.top();
      const info = top && top.end === block.der.length ? encryptedPrivateKeyInfo(reader, top) : null;
      if (!info) throw new CertFileError('damaged', `${name}: ${at} is not an encrypted PKCS#8 key: the file is damaged; copy it again`);
      const scheme = pbeScheme(reader, info.algorithm, name);
      const forge = scheme.kind === 'pkcs12' ? await loadForge() : null;
      const plain = decrypt(scheme, info.ciphertext, password, work, forge, name);
      const key = plain && tryPrivateKey(plain);
      if (!key) throw new CertFileError('wrong-password', `wrong password for the private key in ${name} (or the file is damaged)`);
      keys.push({ key, container: 'PKCS#8' });
      notes.push(`its private key is encrypted with ${scheme.description}`);
      continue;
    }
    if (block.label === 'EC PARAMETERS') continue; // what `openssl ecparam -genkey` writes before the key
    notes.push(`${at} is not a certificate or a private key: skipped`);
  }
  if (locked > 0) notes.push(`${locked === 1 ? 'an encrypted private key is' : `${locked} encrypted private keys are`} in the file too, not read without the password`);
  if (outside > 0) notes.push(`text outside the PEM blocks (${outside} line${outside === 1 ? '' : 's'}, e.g. "Bag Attributes" or "subject=") was ignored`);
  // A key file (--key) may hold keys alone; it still must hold one.
  if (keyFile && certificates.length === 0) {
    if (keys.length === 0) throw new CertFileError(locked > 0 ? 'password-needed' : 'no-certificate', locked > 0 ? `${name}: its private key is encrypted: give the password (--password-env)` : `${name} holds no private key`);
    return { format: 'pem', certificates, privateKeys: keys.map((k) => k.key), lockedKeys: locked, notes: [...new Set(notes)] };
  }
  return finish(name, fromPkcs7 > 0 && fromPkcs7 === certificates.length ? 'pkcs7' : 'pem', certificates, keys, locked, notes);
}

function pemKey(make: () => KeyObject, name: string, at: string, encrypted: boolean): KeyObject {
  try {
    return make();
  } catch (err) {
    if (encrypted) throw new CertFileError('wrong-password', `wrong password for the private key in ${name} (or the file is damaged)`);
    throw new CertFileError('damaged', `${name}: ${at} is not a readable private key (${oneLine(err)}): the file is damaged; copy it again`);
  }
}

function tryPrivateKey(pkcs8: Buffer): KeyObject | null {
  try {
    return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  } catch {
    return null;
  }
}

// ---- PKCS#7 SignedData (RFC 2315 / RFC 5652): the certificates of a "certs-only" bundle

function pkcs7Certificates(reader: BerReader, top: Ber, name: string, notes: string[]): Buffer[] {
  const damaged = (what: string) => new CertFileError('damaged', `${name}: the PKCS#7 data ${what}: the file is damaged; copy it again`);
  const kids = reader.children(top, 2);
  const type = reader.oid(kids?.[0]);
  if (!kids || kids[1]?.tag !== 0xa0) throw damaged('is malformed');
  if (type !== OID.signedData) {
    throw new CertFileError('unsupported', `${name} is PKCS#7 of type ${type ?? '?'}, not SignedData: it holds no certificates; ${FORMATS_WE_READ}`);
  }
  const signedData = reader.children(kids[1], 1)?.[0];
  const fields = signedData?.tag === 0x30 ? reader.children(signedData, 8) : null;
  if (!fields) throw damaged('is malformed');
  // version, digestAlgorithms, encapContentInfo, then [0] IMPLICIT certificates OPTIONAL.
  const set = fields.slice(3).find((f) => f.tag === 0xa0);
  if (!set) throw new CertFileError('no-certificate', `${name} is PKCS#7 without certificates: ${FORMATS_WE_READ}`);
  const certs = reader.children(set, MAX_CERTIFICATES + 1);
  if (!certs) throw budgetOr(reader, name, () => damaged('has a malformed list of certificates'), set, MAX_CERTIFICATES);
  if (certs.length > MAX_CERTIFICATES) throw tooMany(name, 'certificates', MAX_CERTIFICATES);
  const out: Buffer[] = [];
  let other = 0;
  for (const c of certs) {
    if (c.tag !== 0x30) {
      other++;
      continue;
    }
    out.push(Buffer.from(reader.bytes(c)));
  }
  if (other > 0) notes.push(`${other} entr${other === 1 ? 'y' : 'ies'} of the PKCS#7 list that are not X.509 certificates (attribute certificates?) were skipped`);
  return out;
}

/** The error for a list that could not be read: over budget, too long, or malformed. */
function budgetOr(reader: BerReader, name: string, otherwise: () => CertFileError, list: Ber, max: number): CertFileError {
  if (reader.budget.exhausted) return tooComplex(name);
  // Count the elements without keeping them: more than `max` means too many.
  let count = 0;
  for (let pos = list.start; pos < list.stop && count <= max; count++) {
    const el = reader.read(pos, list.stop, list.depth + 1);
    if (!el) return otherwise();
    pos = el.end;
  }
  return count > max ? tooMany(name, 'certificates', max) : otherwise();
}

// ---- Password-based encryption (PKCS#5 PBES2, PKCS#12 PBE) and key derivation, bounded

interface Work {
  left: number;
}

interface AlgorithmId {
  oid: string;
  params: Ber | undefined;
}

type Scheme =
  | { kind: 'pkcs12'; cipher: string; keyLength: number; salt: Buffer; iterations: number; description: string; legacy: true }
  | { kind: 'pbes2'; cipher: string; keyLength: number; salt: Buffer; iterations: number; prf: string; prfLength: number; iv: Buffer; description: string; legacy: false };

function algorithmId(reader: BerReader, el: Ber | undefined): AlgorithmId | null {
  if (!el || el.tag !== 0x30) return null;
  const kids = reader.children(el, 2);
  const oid = reader.oid(kids?.[0]);
  return oid === null ? null : { oid, params: kids?.[1] };
}

function encryptedPrivateKeyInfo(reader: BerReader, el: Ber): { algorithm: AlgorithmId; ciphertext: Buffer } | null {
  if (el.tag !== 0x30) return null;
  const kids = reader.children(el, 2);
  const algorithm = algorithmId(reader, kids?.[0]);
  const data = kids?.[1];
  const ciphertext = data && (data.tag === 0x04 || data.tag === 0x24) ? reader.octets(data) : null;
  return algorithm && ciphertext ? { algorithm, ciphertext } : null;
}

/** The encryption scheme and its parameters; throws CertFileError for one we do not decrypt or cannot read. */
function pbeScheme(reader: BerReader, alg: AlgorithmId, name: string): Scheme {
  const damaged = () => new CertFileError('damaged', `${name}: the parameters of its password-based encryption are malformed: the file is damaged; copy it again`);
  const unsupported = (what: string) =>
    new CertFileError('unsupported', `${name} is encrypted with ${what}, which mxray cannot decrypt: export it again with AES-256-CBC or triple DES (OpenSSL 3's default, or Windows' "TripleDES-SHA1")`);
  const legacy = PKCS12_PBE[alg.oid];
  if (legacy) {
    const kids = alg.params?.tag === 0x30 ? reader.children(alg.params, 2) : null;
    const salt = kids?.[0]?.tag === 0x04 ? reader.contents(kids[0]) : null;
    const iterations = reader.integer(kids?.[1]);
    if (!salt || iterations === null) throw damaged();
    return { kind: 'pkcs12', cipher: legacy.cipher, keyLength: legacy.keyLength, salt, iterations, description: `${legacy.name} (legacy), ${iterations} iterations`, legacy: true };
  }
  if (PKCS12_PBE_UNSUPPORTED[alg.oid]) throw unsupported(PKCS12_PBE_UNSUPPORTED[alg.oid] as string);
  if (alg.oid !== OID.pbes2) throw unsupported(`an unknown scheme (${alg.oid})`);
  const parts = alg.params?.tag === 0x30 ? reader.children(alg.params, 2) : null;
  const kdf = algorithmId(reader, parts?.[0]);
  const enc = algorithmId(reader, parts?.[1]);
  if (!kdf || !enc) throw damaged();
  if (kdf.oid !== OID.pbkdf2) throw unsupported(`PBES2 with the key derivation ${kdf.oid === '1.3.6.1.4.1.11591.4.11' ? 'scrypt' : kdf.oid}`);
  const cipher = PBES2_CIPHERS[enc.oid];
  if (!cipher) throw unsupported(`PBES2 with the cipher ${enc.oid}`);
  const iv = enc.params?.tag === 0x04 ? reader.contents(enc.params) : null;
  const p = kdf.params?.tag === 0x30 ? reader.children(kdf.params, 4) : null;
  if (!p || !iv) throw damaged();
  const salt = p[0]?.tag === 0x04 ? reader.contents(p[0]) : null;
  const iterations = reader.integer(p[1]);
  // keyLength (INTEGER) is optional, then prf (AlgorithmIdentifier) DEFAULT hmacWithSHA1.
  let rest = p.slice(2);
  if (rest[0]?.tag === 0x02) {
    if (reader.integer(rest[0]) !== cipher.keyLength) throw damaged();
    rest = rest.slice(1);
  }
  const prfId = rest[0] ? algorithmId(reader, rest[0]) : { oid: '1.2.840.113549.2.7', params: undefined };
  if (!salt || iterations === null || !prfId) throw damaged();
  const prf = PBKDF2_PRFS[prfId.oid];
  if (!prf) throw unsupported(`PBES2 with the PRF ${prfId.oid}`);
  return {
    kind: 'pbes2',
    cipher: cipher.cipher,
    keyLength: cipher.keyLength,
    salt,
    iterations,
    prf: prf.digest,
    prfLength: prf.length,
    iv,
    description: `PBES2 (PBKDF2 with ${prf.name}, ${cipher.name}), ${iterations} iterations`,
    legacy: false,
  };
}

/** Charges a key derivation to the file's budget, refusing one that asks too much. */
function charge(work: Work, iterations: number, blocks: number, name: string): void {
  if (!(iterations >= 1) || iterations > MAX_KDF_ITERATIONS) {
    if (iterations >= 1) {
      throw new CertFileError(
        'too-much-work',
        `${name} asks for ${iterations} key-derivation iterations, more than mxray does (${MAX_KDF_ITERATIONS}): export it again with fewer (OpenSSL's default is 2048)`,
      );
    }
    throw new CertFileError('damaged', `${name}: a key derivation asks for ${iterations} iterations: the file is damaged; copy it again`);
  }
  work.left -= iterations * blocks;
  if (work.left < 0) {
    throw new CertFileError('too-much-work', `${name} needs more than ${MAX_KDF_WORK} key-derivation rounds in all: export it again with fewer iterations (OpenSSL's default is 2048)`);
  }
}

/** The PKCS#12 key derivation (RFC 7292 B.2) with SHA-1 or the MAC's digest, through node-forge. */
function pkcs12Kdf(forge: Forge, password: Password, salt: Buffer, id: 1 | 2 | 3, iterations: number, length: number, digest: 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'md5'): Buffer {
  const md = { sha1: forge.md.sha1, sha256: forge.md.sha256, sha384: forge.md.sha384, sha512: forge.md.sha512, md5: forge.md.md5 }[digest].create();
  const key = forge.pkcs12.generateKey(password === NO_PASSWORD ? null : password, forge.util.createBuffer(salt.toString('binary')), id, iterations, length, md);
  return Buffer.from(key.getBytes(), 'binary');
}

/** Decrypts with a scheme; null when the padding is wrong (a wrong password, almost always). */
function decrypt(scheme: Scheme, ciphertext: Buffer, password: Password, work: Work, forge: Forge | null, name: string, used?: { usedPassword: boolean }): Buffer | null {
  if (used) used.usedPassword = true;
  let key: Buffer;
  let iv: Buffer;
  if (scheme.kind === 'pkcs12') {
    if (!forge) throw new Error('node-forge is needed for the PKCS#12 key derivation');
    charge(work, scheme.iterations, Math.ceil(scheme.keyLength / 20) + 1, name);
    key = pkcs12Kdf(forge, password, scheme.salt, 1, scheme.iterations, scheme.keyLength, 'sha1');
    iv = pkcs12Kdf(forge, password, scheme.salt, 2, scheme.iterations, 8, 'sha1');
    if (scheme.cipher === 'rc2') {
      const cipher = forge.rc2.createDecryptionCipher(forge.util.createBuffer(key.toString('binary')), scheme.keyLength * 8);
      cipher.start(forge.util.createBuffer(iv.toString('binary')));
      cipher.update(forge.util.createBuffer(ciphertext.toString('binary')));
      return cipher.finish() ? Buffer.from(cipher.output.getBytes(), 'binary') : null;
    }
  } else {
    charge(work, scheme.iterations, Math.ceil(scheme.keyLength / scheme.prfLength), name);
    // PBKDF2 takes the password's UTF-8 bytes (the PKCS#12 derivation above its UTF-16 code units).
    key = pbkdf2Sync(Buffer.from(password === NO_PASSWORD ? '' : password, 'utf8'), scheme.salt, scheme.iterations, scheme.keyLength, scheme.prf);
    iv = scheme.iv;
  }
  try {
    const decipher = createDecipheriv(scheme.cipher, key, iv);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return null;
  }
}

// ---- PKCS#12 (RFC 7292)

/** A wrong password found while decrypting (the MAC did not tell, or there is none). */
class WrongPassword extends Error {}

async function readPkcs12(reader: BerReader, top: Ber, name: string, password: string | null, budget: Budget): Promise<CertFileContents> {
  const damaged = (what: string) => new CertFileError('damaged', `${name}: the PKCS#12 data ${what}: the file is damaged; copy it again`);
  const kids = reader.children(top, 3);
  if (!kids) throw budget.exhausted ? tooComplex(name) : damaged('is malformed');
  const version = reader.integer(kids[0]);
  if (version !== 3) throw new CertFileError('unsupported', `${name} is PKCS#12 version ${version ?? '?'}, not 3: mxray cannot read it; export it again`);
  const authSafe = reader.children(kids[1] as Ber, 2);
  const contentType = reader.oid(authSafe?.[0]);
  if (contentType === OID.signedData) {
    throw new CertFileError('unsupported', `${name} is PKCS#12 protected by a signature (public-key integrity mode), which mxray cannot read: export it again with a password`);
  }
  const wrapped = authSafe?.[1]?.tag === 0xa0 ? reader.children(authSafe[1], 1)?.[0] : undefined;
  const content = wrapped && (wrapped.tag === 0x04 || wrapped.tag === 0x24) ? reader.octets(wrapped) : null;
  if (contentType !== OID.data || !content) throw budget.exhausted ? tooComplex(name) : damaged('is malformed');
  const mac = kids[2] ? readMacData(reader, kids[2], name) : null;

  const forge = await loadForge();
  const work: Work = { left: MAX_KDF_WORK };
  // No password: the empty one, in both forms (OpenSSL writes "" as a BMPString with its zero, others none at all).
  const candidates: Password[] = password === null || password === '' ? ['', NO_PASSWORD] : [password];
  for (const candidate of candidates) {
    const notes: string[] = [];
    const ctx: Pkcs12Context = { name, budget, work, forge, notes, usedPassword: mac !== null };
    if (mac) {
      charge(work, mac.iterations, 1, name);
      const key = pkcs12Kdf(forge, candidate, mac.salt, 3, mac.iterations, mac.length, mac.digest);
      const computed = createHmac(mac.digest, key).update(content).digest();
      if (computed.length !== mac.value.length || !timingSafeEqual(computed, mac.value)) continue;
      notes.push(`the PFX's MAC uses ${mac.name} with ${mac.iterations} iteration${mac.iterations === 1 ? '' : 's'}`);
    } else {
      notes.push('the PFX has no MAC: nothing shows whether it was changed');
    }
    try {
      const found = readAuthenticatedSafe(content, candidate, ctx);
      if (ctx.usedPassword && (candidate === '' || candidate === NO_PASSWORD)) notes.push('its password is empty');
      return finish(name, 'pkcs12', found.certificates, found.keys, 0, notes);
    } catch (err) {
      if (!(err instanceof WrongPassword)) throw err;
      // The MAC took the password, the contents did not: a second password (openssl -twopass), or damage.
      if (mac) throw new CertFileError('wrong-password', `${name}: the password opens its MAC but not its contents (a second password?), or the file is damaged`);
    }
  }
  if (password === null) throw new CertFileError('password-needed', `${name} is PKCS#12 protected by a password: give the password`);
  throw new CertFileError('wrong-password', `wrong password for ${name} (or the file is damaged)`);
}

function readMacData(reader: BerReader, el: Ber, name: string): { name: string; digest: 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'md5'; length: number; value: Buffer; salt: Buffer; iterations: number } {
  const damaged = new CertFileError('damaged', `${name}: the PKCS#12 MAC is malformed: the file is damaged; copy it again`);
  const kids = el.tag === 0x30 ? reader.children(el, 3) : null;
  const digestInfo = kids?.[0]?.tag === 0x30 ? reader.children(kids[0], 2) : null;
  const alg = algorithmId(reader, digestInfo?.[0]);
  const value = digestInfo?.[1]?.tag === 0x04 ? reader.contents(digestInfo[1]) : null;
  const salt = kids?.[1]?.tag === 0x04 ? reader.contents(kids[1]) : null;
  const iterations = kids?.[2] ? reader.integer(kids[2]) : 1;
  if (!alg || !value || !salt || iterations === null) throw damaged;
  const digest = MAC_DIGESTS[alg.oid];
  if (!digest) {
    const what = alg.oid === '1.2.840.113549.1.5.14' ? 'PBMAC1 (RFC 9579)' : alg.oid;
    throw new CertFileError('unsupported', `${name} protects its integrity with ${what}, which mxray cannot check: export it again with a SHA-256 MAC (OpenSSL 3's default)`);
  }
  return { ...digest, value, salt, iterations };
}

interface Pkcs12Context {
  name: string;
  budget: Budget;
  work: Work;
  forge: Forge;
  notes: string[];
  /** Whether anything (the MAC, a decryption) took the password. */
  usedPassword: boolean;
}

interface Found {
  certificates: Buffer[];
  keys: { key: KeyObject; container: string }[];
}

function readAuthenticatedSafe(content: Buffer, password: Password, ctx: Pkcs12Context): Found {
  const damaged = (what: string) => new CertFileError('damaged', `${ctx.name}: the PKCS#12 data ${what}: the file is damaged; copy it again`);
  const reader = new BerReader(content, ctx.budget);
  const top = reader.top();
  const parts = top?.tag === 0x30 ? reader.children(top, 64) : null;
  if (!top || !parts) throw ctx.budget.exhausted ? tooComplex(ctx.name) : damaged('is malformed');
  const found: Found = { certificates: [], keys: [] };
  for (const part of parts) {
    const info = part.tag === 0x30 ? reader.children(part, 2) : null;
    const type = reader.oid(info?.[0]);
    const explicit = info?.[1]?.tag === 0xa0 ? reader.children(info[1], 1)?.[0] : undefined;
    if (!explicit) throw damaged('has a malformed part');
    if (type === OID.data) {
      const bags = explicit.tag === 0x04 || explicit.tag === 0x24 ? reader.octets(explicit) : null;
      if (!bags) throw damaged('has a malformed part');
      readSafeContents(bags, password, ctx, found, null, 0);
    } else if (type === OID.encryptedData) {
      // EncryptedData: version, EncryptedContentInfo { contentType, algorithm, [0] IMPLICIT content }.
      const fields = explicit.tag === 0x30 ? reader.children(explicit, 2) : null;
      const eci = fields?.[1]?.tag === 0x30 ? reader.children(fields[1], 3) : null;
      const algorithm = algorithmId(reader, eci?.[1]);
      const body = eci?.[2] && (eci[2].tag === 0x80 || eci[2].tag === 0xa0) ? reader.octets(eci[2]) : null;
      if (!algorithm || !body) throw damaged('has a malformed encrypted part');
      const scheme = pbeScheme(reader, algorithm, ctx.name);
      const plain = decrypt(scheme, body, password, ctx.work, ctx.forge, ctx.name, ctx);
      if (!plain) throw new WrongPassword();
      readSafeContents(plain, password, ctx, found, scheme.description, 0);
    } else if (type === OID.envelopedData) {
      throw new CertFileError('unsupported', `${ctx.name} is PKCS#12 encrypted to a public key (public-key privacy mode), which mxray cannot read: export it again with a password`);
    } else {
      throw damaged(`has a part of unknown type ${type ?? '?'}`);
    }
  }
  return found;
}

/** Reads the bags of one SafeContents. `encryptedWith` describes the encryption of the part they came from (null: none). */
function readSafeContents(bytes: Buffer, password: Password, ctx: Pkcs12Context, found: Found, encryptedWith: string | null, depth: number): void {
  const reader = new BerReader(bytes, ctx.budget);
  const top = reader.top();
  const bags = top?.tag === 0x30 && top.end === bytes.length ? reader.children(top, 2 * MAX_CERTIFICATES) : null;
  if (!bags) {
    if (ctx.budget.exhausted) throw tooComplex(ctx.name);
    // Decrypted garbage whose padding happened to look right: a wrong password.
    if (encryptedWith !== null) throw new WrongPassword();
    throw new CertFileError('damaged', `${ctx.name}: the PKCS#12 data has a malformed list of bags: the file is damaged; copy it again`);
  }
  let certs = 0;
  for (const bag of bags) {
    const kids = bag.tag === 0x30 ? reader.children(bag, 3) : null;
    const type = reader.oid(kids?.[0]);
    const value = kids?.[1]?.tag === 0xa0 ? reader.children(kids[1], 1)?.[0] : undefined;
    if (!type || !value) {
      if (encryptedWith !== null) throw new WrongPassword();
      throw new CertFileError('damaged', `${ctx.name}: the PKCS#12 data has a malformed bag: the file is damaged; copy it again`);
    }
    switch (type) {
      case OID.certBag: {
        const cert = value.tag === 0x30 ? reader.children(value, 2) : null;
        const certType = reader.oid(cert?.[0]);
        const inner = cert?.[1]?.tag === 0xa0 ? reader.children(cert[1], 1)?.[0] : undefined;
        const der = inner && (inner.tag === 0x04 || inner.tag === 0x24) ? reader.octets(inner) : null;
        if (certType !== OID.x509Certificate) {
          ctx.notes.push('a certificate bag that is not X.509 (SDSI?) was skipped');
          continue;
        }
        if (!der) throw new CertFileError('damaged', `${ctx.name}: the PKCS#12 data has a malformed certificate bag: the file is damaged; copy it again`);
        if (found.certificates.length >= MAX_CERTIFICATES) throw tooMany(ctx.name, 'certificates', MAX_CERTIFICATES);
        found.certificates.push(Buffer.from(der));
        certs++;
        break;
      }
      case OID.keyBag: {
        const key = tryPrivateKey(reader.bytes(value));
        if (!key) throw new CertFileError('damaged', `${ctx.name}: the PKCS#12 data has a private key that cannot be read: the file is damaged; copy it again`);
        found.keys.push({ key, container: 'PKCS#8' });
        ctx.notes.push(encryptedWith === null ? 'its private key is not encrypted' : `its private key is encrypted with ${encryptedWith}`);
        break;
      }
      case OID.shroudedKeyBag: {
        const info = encryptedPrivateKeyInfo(reader, value);
        if (!info) throw new CertFileError('damaged', `${ctx.name}: the PKCS#12 data has a malformed encrypted private key: the file is damaged; copy it again`);
        const scheme = pbeScheme(reader, info.algorithm, ctx.name);
        const plain = decrypt(scheme, info.ciphertext, password, ctx.work, ctx.forge, ctx.name, ctx);
        const key = plain && tryPrivateKey(plain);
        if (!key) throw new WrongPassword();
        found.keys.push({ key, container: 'PKCS#8' });
        ctx.notes.push(`its private key is encrypted with ${scheme.description}`);
        break;
      }
      case OID.safeContentsBag: {
        if (depth >= 4) throw new CertFileError('damaged', `${ctx.name}: the PKCS#12 data nests bags deeper than 4 levels: the file is damaged; copy it again`);
        readSafeContents(Buffer.from(reader.bytes(value)), password, ctx, found, encryptedWith, depth + 1);
        break;
      }
      case OID.crlBag:
        ctx.notes.push('a CRL in the PFX was skipped');
        break;
      case OID.secretBag:
        ctx.notes.push('a secret in the PFX was skipped');
        break;
      default:
        ctx.notes.push(`a bag of unknown type ${type} was skipped`);
    }
  }
  if (certs > 0) {
    ctx.notes.push(encryptedWith === null ? 'its certificates are not encrypted' : `its certificates are encrypted with ${encryptedWith}`);
  }
}

// ---- Keys and the leaf

/** The DER SubjectPublicKeyInfo of a certificate, or null when Node cannot parse it. */
function certificateSpki(cert: X509Certificate | Buffer): Buffer | null {
  try {
    return (Buffer.isBuffer(cert) ? new X509Certificate(cert) : cert).publicKey.export({ type: 'spki', format: 'der' });
  } catch {
    return null;
  }
}

/** The DER SubjectPublicKeyInfo of a key's public part, or null. */
function keySpki(key: KeyObject): Buffer | null {
  try {
    return (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
  } catch {
    return null;
  }
}

/** Whether the private (or public) key belongs to the certificate: the same SubjectPublicKeyInfo. */
export function keyMatchesCertificate(key: KeyObject, certDer: Buffer): boolean {
  const fromCert = certificateSpki(certDer);
  const fromKey = fromCert && keySpki(key);
  return fromCert !== null && fromKey !== null && fromCert.equals(fromKey);
}

/** Whether `issuer` issued `cert`: the names and key identifiers fit, and the signature verifies. */
function issued(issuer: X509Certificate, cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Most certificates of the same name tried as one certificate's issuer (each try may check a signature). */
const MAX_ISSUERS_TRIED = 8;

/** A Name as a lookup key: RFC 5280's comparison where it can be read, else its bytes. */
function nameKey(nameDer: Buffer): string {
  return canonicalName(nameDer) ?? `raw:${nameDer.toString('hex')}`;
}

/**
 * Which certificate of a file is the one it is about: the one matching a private key in the file;
 * else the one that issued none of the others (the end entity), preferring one that is not a CA.
 * `why` says which was taken and why, in words. Throws when there is no certificate at all.
 * Work grows with the number of certificates and keys, not with their product: each is parsed
 * once, and issuers are looked up by name before any signature is checked.
 */
export function pickLeaf(certs: readonly Buffer[], keys: readonly KeyObject[]): { index: number; why: string } {
  if (certs.length === 0) throw new RangeError('pickLeaf: no certificates');
  const list = (indices: number[]) => indices.map((i) => i + 1).join(', ');
  const parsed = certs.map((c) => {
    try {
      return new X509Certificate(c);
    } catch {
      return null;
    }
  });
  let because = '';
  if (keys.length > 0) {
    const keySpkis = new Set(keys.map(keySpki).filter((k): k is Buffer => k !== null).map((k) => k.toString('hex')));
    const matching = parsed.map((c, i) => (c && keySpkis.has(certificateSpki(c)?.toString('hex') ?? '') ? i : -1)).filter((i) => i >= 0);
    const [first] = matching;
    const theKey = keys.length === 1 ? 'the private key' : 'a private key';
    if (first !== undefined) {
      if (matching.length === 1) return { index: first, why: `certificate ${first + 1} matches ${theKey} in the file` };
      return { index: first, why: `certificates ${list(matching)} all match ${theKey} in the file; the first, certificate ${first + 1}, was taken` };
    }
    because = `no certificate matches ${keys.length === 1 ? 'the private key' : `any of the ${keys.length} private keys`} in the file; `;
  }
  if (certs.length === 1) return { index: 0, why: `${because}the file holds one certificate` };
  // Who could have issued whom, by name first (cheap), then by key identifiers and signature.
  const names = certs.map((c) => readCertificateNames(c));
  const bySubject = new Map<string, number[]>();
  names.forEach((n, i) => {
    if (!n) return;
    const key = nameKey(n.subject);
    bySubject.set(key, [...(bySubject.get(key) ?? []), i]);
  });
  const issuers = new Set<number>();
  names.forEach((n, j) => {
    const cert = parsed[j];
    if (!n || !cert) return;
    // At most MAX_ISSUERS_TRIED by name per certificate: a file of many same-named certificates stays quick.
    for (const i of (bySubject.get(nameKey(n.issuer)) ?? []).slice(0, MAX_ISSUERS_TRIED)) {
      const issuer = parsed[i];
      if (i !== j && issuer && !issuers.has(i) && issued(issuer, cert)) issuers.add(i);
    }
  });
  const ends = certs.map((_, i) => i).filter((i) => !issuers.has(i));
  const nonCa = ends.filter((i) => parsed[i]?.ca === false);
  const candidates = nonCa.length > 0 ? nonCa : ends;
  const [first] = candidates;
  if (first === undefined) return { index: 0, why: `${because}every certificate issued another one in the file; the first was taken` };
  if (candidates.length === 1) {
    return { index: first, why: `${because}certificate ${first + 1} ${nonCa.length > 0 ? 'is not a CA and issued' : 'issued'} none of the others (the end entity)` };
  }
  const what = nonCa.length > 0 ? 'are not CAs and issued' : 'issued';
  return { index: first, why: `${because}certificates ${list(candidates)} ${what} none of the others; the first, certificate ${first + 1}, was taken` };
}
