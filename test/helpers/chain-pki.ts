// Certificates for chain-validation tests, made at test time with @peculiar/x509 and WebCrypto
// (never committed): every extension is chosen by the test, so one certificate can carry exactly
// one defect. By default each certificate is what `openssl verify -x509_strict` accepts: CA
// certificates with a critical basicConstraints, a keyUsage with keyCertSign and a subject key
// identifier; every certificate with an authority key identifier; a leaf with a critical SAN when
// its subject is empty.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' };
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' };
export const DAY_MS = 86_400_000;

export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  any: '2.5.29.37.0',
} as const;

export const KU = x509.KeyUsageFlags;

/** A name (DN string, '' for an empty one, or the DER of a Name with chosen string types and values) and a key pair. */
export interface Party {
  name: string | Buffer;
  keys: webcrypto.CryptoKeyPair;
}

export async function party(name: string | Buffer): Promise<Party> {
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return { name, keys };
}

/** A GeneralName for name constraints: a dNSName, or an iPAddress with its mask ("192.0.2.0/24", "2001:db8::/32"). */
export type Subtree = { dns: string } | { ip: string };

export interface CertOptions {
  /** Validity; default: 30 days before `now` to 300 days after. */
  notBefore?: number;
  notAfter?: number;
  /** basicConstraints (critical unless said otherwise); null: none. Default: CA:TRUE for a CA, CA:FALSE for a leaf. */
  basicConstraints?: { ca: boolean; pathLen?: number; critical?: boolean } | null;
  /** keyUsage flags (critical); null: none. Default: keyCertSign | cRLSign for a CA, digitalSignature for a leaf. */
  keyUsage?: number | null;
  /** extendedKeyUsage OIDs (not critical); null: none. Default: serverAuth for a leaf, none for a CA. */
  eku?: string[] | null;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Default: critical when the subject is empty, as RFC 5280 §4.2.1.6 requires. */
  sanCritical?: boolean;
  nameConstraints?: { permitted?: Subtree[]; excluded?: Subtree[] };
  /** More extensions, as they are (e.g. an unknown critical one). */
  extensions?: x509.Extension[];
  /** Subject and authority key identifiers (default true); without them only names and signatures link certificates. */
  keyIdentifiers?: boolean;
}

function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

function ipBytes(text: string): Buffer {
  if (text.includes('.')) return Buffer.from(text.split('.').map(Number));
  const [head = '', tail = ''] = text.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = groups(text.includes('::') ? tail : '');
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return Buffer.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

function maskBytes(bits: number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (bits >= (i + 1) * 8 ? 0xff : bits <= i * 8 ? 0 : (0xff << (8 - (bits - i * 8))) & 0xff)));
}

function generalSubtree(s: Subtree): Buffer {
  if ('dns' in s) return tlv(0x30, tlv(0x82, Buffer.from(s.dns, 'ascii')));
  const [address = '', bits = ''] = s.ip.split('/');
  const bytes = ipBytes(address);
  return tlv(0x30, tlv(0x87, Buffer.concat([bytes, maskBytes(Number(bits), bytes.length)])));
}

/** The DER of a NameConstraints extension value (RFC 5280 §4.2.1.10). */
export function nameConstraintsValue(nc: { permitted?: Subtree[]; excluded?: Subtree[] }): Buffer {
  const parts: Buffer[] = [];
  if (nc.permitted) parts.push(tlv(0xa0, Buffer.concat(nc.permitted.map(generalSubtree))));
  if (nc.excluded) parts.push(tlv(0xa1, Buffer.concat(nc.excluded.map(generalSubtree))));
  return tlv(0x30, Buffer.concat(parts));
}

/** An extension with any OID, criticality and DER value. */
export function rawExtension(oid: string, critical: boolean, value: Buffer): x509.Extension {
  return new x509.Extension(oid, critical, value);
}

let serial = 0;

const nameOf = (name: string | Buffer): string | x509.Name => (typeof name === 'string' ? name : new x509.Name(name));
const isEmptyName = (name: string | Buffer): boolean => (typeof name === 'string' ? name === '' : name.equals(Buffer.from([0x30, 0x00])));

/**
 * `subject`'s certificate signed by `issuer` (the same party: self-signed), of kind 'ca' or
 * 'leaf', at validity relative to `now` unless given.
 */
export async function certify(subject: Party, issuer: Party, kind: 'ca' | 'leaf', now: number, o: CertOptions = {}): Promise<Buffer> {
  const ca = kind === 'ca';
  const extensions: x509.Extension[] = [];
  const bc = o.basicConstraints === undefined ? { ca } : o.basicConstraints;
  if (bc) extensions.push(new x509.BasicConstraintsExtension(bc.ca, bc.pathLen, bc.critical ?? true));
  const ku = o.keyUsage === undefined ? (ca ? KU.keyCertSign | KU.cRLSign : KU.digitalSignature) : o.keyUsage;
  if (ku !== null) extensions.push(new x509.KeyUsagesExtension(ku, true));
  const eku = o.eku === undefined ? (ca ? null : [EKU.serverAuth]) : o.eku;
  if (eku) extensions.push(new x509.ExtendedKeyUsageExtension(eku, false));
  const names = [...(o.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(o.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, o.sanCritical ?? isEmptyName(subject.name)));
  if (o.nameConstraints) extensions.push(rawExtension('2.5.29.30', true, nameConstraintsValue(o.nameConstraints)));
  if (ca && o.keyIdentifiers !== false) extensions.push(await x509.SubjectKeyIdentifierExtension.create(subject.keys.publicKey));
  if (subject !== issuer && o.keyIdentifiers !== false) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey));
  extensions.push(...(o.extensions ?? []));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: `7f${(++serial).toString(16).padStart(6, '0')}${Buffer.from(webcrypto.getRandomValues(new Uint8Array(6))).toString('hex')}`,
    subject: nameOf(subject.name),
    issuer: nameOf(issuer.name),
    publicKey: subject.keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: EC_SIGN,
    notBefore: new Date(o.notBefore ?? now - 30 * DAY_MS),
    notAfter: new Date(o.notAfter ?? now + 300 * DAY_MS),
    extensions,
  });
  return Buffer.from(cert.rawData);
}

/** PEM of one or more DER certificates, as OpenSSL reads them. */
export function pemOf(ders: readonly Buffer[]): string {
  return ders
    .map((der) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`)
    .join('');
}
