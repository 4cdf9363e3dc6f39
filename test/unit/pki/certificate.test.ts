import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, generateKeyPairSync, type KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, createSelfSigned, DAY_MS, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { firstElementLength, MAX_BER_DEPTH, readSubjectPublicKeyInfo } from '../../../src/pki/der.js';
import {
  describeCertificate,
  describeX509,
  displayName,
  nameForPeople,
  normalizeIp,
  PARSED_CACHE_SIZE,
  parseCertificate,
  parseOpenSslTime,
  parseSubjectAltName,
  unescapeDnValue,
} from '../../../src/pki/certificate.js';
import { openssl, opensslSpki } from '../../helpers/openssl-cert.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const NOT_BEFORE = new Date(Date.UTC(2026, 0, 10, 8, 30, 15));
const NOT_AFTER = new Date(Date.UTC(2027, 0, 10, 8, 30, 15));

// ---- Hand-made certificates (@peculiar/x509): any public key, name bytes and serial we choose.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
let issuerKey: webcrypto.CryptoKey;

async function certify(publicKey: webcrypto.CryptoKey | Buffer, options: { subject?: string | Buffer; issuer?: string; serialNumber?: string } = {}): Promise<Buffer> {
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: options.serialNumber ?? '01',
    subject: new x509.Name(options.subject ?? 'CN=key.example.test'),
    issuer: options.issuer ?? 'CN=Hand-made Issuer',
    publicKey,
    signingKey: issuerKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'key.example.test' }], options.subject === '')],
  });
  return Buffer.from(cert.rawData);
}

/** A certificate for a freshly generated Node key of the given type. */
async function certifyNodeKey(type: string, options: object = {}): Promise<Buffer> {
  const generate = generateKeyPairSync as unknown as (type: string, options: object) => { publicKey: KeyObject };
  return certify(generate(type, options).publicKey.export({ type: 'spki', format: 'der' }));
}

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag, body.length]), body]);
}
const OID_CN = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]);
const OID_O = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x0a]);
const utf8 = (type: Buffer, value: string) => tlv(0x30, type, tlv(0x0c, Buffer.from(value, 'utf8')));

// ---- Fixtures

let root: TestCa;
let inter: TestCa;
let leaf: IssuedCert;
let quoted: IssuedCert;
let rsaSelf: IssuedCert;
const keyed: Record<string, Buffer> = {};
let unloadableKey: Buffer;
/** Its SubjectPublicKeyInfo, as put into it. */
let gostSpki: Buffer;
let hexSerial: Buffer;
let emptySubject: Buffer;
/** Both names empty (a subject and an issuer of zero RDNs). */
let emptyNames: Buffer;
let badNotBefore: Buffer;
let multiValued: Buffer;
let escapedNames: Buffer;

beforeAll(async () => {
  root = await createRootCa('Cert Test Root', NOW);
  inter = await root.intermediate('Cert Test Intermediate');
  leaf = await inter.issue({
    commonName: 'mx1.example.test',
    dnsNames: ['mx1.example.test', '*.mail.example.test'],
    ipAddresses: ['192.0.2.25', '2001:db8::25'],
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
  });
  quoted = await inter.issue({ commonName: 'odd.example.test', dnsNames: ['a,b.example.test', 'odd.example.test', 'q"uote.example.test'] });
  rsaSelf = await createSelfSigned({ commonName: 'self.example.test', key: 'rsa1024' }, NOW);

  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  issuerKey = keys.privateKey;
  keyed.rsa2048 = await certifyNodeKey('rsa', { modulusLength: 2048 });
  keyed.rsaPss = await certifyNodeKey('rsa-pss', { modulusLength: 1024 });
  keyed.dsa = await certifyNodeKey('dsa', { modulusLength: 1024, divisorLength: 160 });
  keyed.p384 = await certifyNodeKey('ec', { namedCurve: 'secp384r1' });
  keyed.p521 = await certifyNodeKey('ec', { namedCurve: 'secp521r1' });
  keyed.k256 = await certifyNodeKey('ec', { namedCurve: 'secp256k1' });
  keyed.brainpool512 = await certifyNodeKey('ec', { namedCurve: 'brainpoolP512r1' });
  keyed.sm2 = await certifyNodeKey('ec', { namedCurve: 'SM2' });
  keyed.wtls1 = await certifyNodeKey('ec', { namedCurve: 'wap-wsg-idm-ecid-wtls1' });
  keyed.ed25519 = await certifyNodeKey('ed25519');
  keyed.ed448 = await certifyNodeKey('ed448');
  keyed.x25519 = await certifyNodeKey('x25519');
  // A GOST R 34.10-2012 key (1.2.643.7.1.1.1.1) that this OpenSSL cannot load.
  gostSpki = tlv(0x30, tlv(0x30, Buffer.from([0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x01])), tlv(0x03, Buffer.from([0x00, 0x01, 0x02])));
  unloadableKey = await certify(gostSpki);

  hexSerial = await certify(keys.publicKey, { serialNumber: 'abcdef01' });
  emptySubject = await certify(keys.publicKey, { subject: '' });
  emptyNames = await certify(keys.publicKey, { subject: '', issuer: '' });
  multiValued = await certify(keys.publicKey, { subject: tlv(0x30, tlv(0x31, utf8(OID_CN, 'back\\'), utf8(OID_O, 'Org'))) });
  escapedNames = await certify(keys.publicKey, {
    subject: tlv(0x30, tlv(0x31, utf8(OID_CN, 'first.example.test')), tlv(0x31, utf8(OID_O, 'Example, Inc.')), tlv(0x31, utf8(OID_CN, 'Mail + Web, "café"'))),
  });
  // notBefore's UTCTime made unreadable ("26XX…"): the certificate still parses.
  const good = await certify(keys.publicKey);
  const text = good.toString('latin1');
  const at = text.indexOf('260110083015Z');
  badNotBefore = Buffer.from(`${text.slice(0, at)}26XX10083015Z${text.slice(at + 13)}`, 'latin1');
});

describe('describeCertificate', () => {
  it('describes a leaf', () => {
    const info = describeCertificate(leaf.der, 'sent');
    expect(info).toMatchObject({
      subject: 'CN=mx1.example.test, O=mxray test server',
      issuer: 'CN=Cert Test Intermediate, O=mxray test PKI',
      commonName: 'mx1.example.test',
      dnsNames: ['mx1.example.test', '*.mail.example.test'],
      ipAddresses: ['192.0.2.25', '2001:db8::25'],
      notBefore: NOT_BEFORE.toISOString(),
      notAfter: NOT_AFTER.toISOString(),
      signatureAlgorithm: 'ecdsa-with-SHA256',
      signatureOid: '1.2.840.10045.4.3.2',
      keyType: 'ec',
      keyBits: 256,
      keyCurve: 'prime256v1',
      selfIssued: false,
      isCa: false,
      source: 'sent',
    });
  });

  it('gives the serial number in upper-case hex', () => {
    expect(describeCertificate(hexSerial, 'sent').serialNumber).toBe('ABCDEF01');
  });

  it('gives thumbprints as Exchange shows them: upper-case hex, no colons', () => {
    const info = describeCertificate(leaf.der, 'sent');
    expect(info.sha1).toBe(createHash('sha1').update(leaf.der).digest('hex').toUpperCase());
    expect(info.sha256).toBe(createHash('sha256').update(leaf.der).digest('hex').toUpperCase());
  });

  it('describes a root and an intermediate as CAs', () => {
    const r = describeCertificate(root.cert.der, 'trust-store');
    expect(r).toMatchObject({ selfIssued: true, isCa: true, source: 'trust-store', commonName: 'Cert Test Root' });
    // A root has no subjectAltName.
    expect([r.dnsNames, r.ipAddresses]).toEqual([[], []]);
    const i = describeCertificate(inter.cert.der, 'sent');
    expect(i).toMatchObject({ selfIssued: false, isCa: true, commonName: 'Cert Test Intermediate' });
  });

  it('describes an RSA key and its size', () => {
    const info = describeCertificate(rsaSelf.der, 'sent');
    expect(info).toMatchObject({ keyType: 'rsa', keyBits: 1024, keyCurve: null, selfIssued: true, isCa: false });
    expect(info.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(info.dnsNames).toEqual(['self.example.test']);
    expect(info.ipAddresses).toEqual([]);
  });

  it('describes every kind of key by type, size and curve', () => {
    const key = (der: Buffer | undefined) => {
      const info = describeCertificate(der as Buffer, 'sent');
      return [info.keyType, info.keyBits, info.keyCurve];
    };
    expect(key(keyed.rsa2048)).toEqual(['rsa', 2048, null]);
    expect(key(keyed.rsaPss)).toEqual(['rsa-pss', 1024, null]);
    expect(key(keyed.dsa)).toEqual(['dsa', 1024, null]);
    // EC sizes are the field sizes of the named curves (SEC 2, RFC 5639).
    expect(key(keyed.p384)).toEqual(['ec', 384, 'secp384r1']);
    expect(key(keyed.p521)).toEqual(['ec', 521, 'secp521r1']);
    expect(key(keyed.k256)).toEqual(['ec', 256, 'secp256k1']);
    expect(key(keyed.brainpool512)).toEqual(['ec', 512, 'brainpoolP512r1']);
    // A curve whose name does not give its size: the size is not guessed.
    expect(key(keyed.wtls1)).toEqual(['ec', null, 'wap-wsg-idm-ecid-wtls1']);
    // A key type Node does not name (SM2 here).
    expect(key(keyed.sm2)).toEqual(['unknown', null, null]);
    expect(key(keyed.ed25519)).toEqual(['ed25519', 256, null]);
    expect(key(keyed.ed448)).toEqual(['ed448', 448, null]);
    expect(key(keyed.x25519)).toEqual(['x25519', null, null]);
  });

  it('describes a key this OpenSSL cannot load as unknown, without throwing', () => {
    expect(describeCertificate(unloadableKey, 'sent')).toMatchObject({ keyType: 'unknown', keyBits: null, keyCurve: null, commonName: 'key.example.test' });
  });

  it('reads SAN names Node quotes because they hold special characters', () => {
    const info = describeCertificate(quoted.der, 'sent');
    expect(info.dnsNames).toEqual(['a,b.example.test', 'odd.example.test', 'q"uote.example.test']);
  });

  it('describes a certificate with an empty subject', () => {
    expect(describeCertificate(emptySubject, 'sent')).toMatchObject({
      subject: '',
      issuer: 'CN=Hand-made Issuer',
      commonName: null,
      dnsNames: ['key.example.test'],
      selfIssued: false,
    });
  });

  it('says whether a BER certificate (names not read from its bytes) is self-issued from the names Node prints: two empty names are the same', () => {
    const ber = (der: Buffer) => berCertificate(der, split(split(der)[0] as Buffer)[6] as Buffer);
    const selfIssued = (der: Buffer) => describeCertificate(ber(der), 'sent').selfIssued;
    expect([selfIssued(rsaSelf.der), selfIssued(root.cert.der), selfIssued(leaf.der), selfIssued(emptySubject), selfIssued(emptyNames)]).toEqual([true, true, false, false, true]);
    // The same answers as from the DER.
    expect([rsaSelf.der, root.cert.der, leaf.der, emptySubject, emptyNames].map((der) => describeCertificate(der, 'sent').selfIssued)).toEqual([true, true, false, false, true]);
  });

  it('takes the last CN, unescaped, also from a multi-valued RDN', () => {
    const info = describeCertificate(escapedNames, 'sent');
    expect(info.subject).toBe('CN=first.example.test, O=Example\\, Inc., CN=Mail \\+ Web\\, \\"café\\"');
    expect(info.commonName).toBe('Mail + Web, "café"');
    expect(describeCertificate(multiValued, 'sent').commonName).toBe('back\\');
  });

  it('reports an unreadable validity time as the epoch', () => {
    const info = describeCertificate(badNotBefore, 'sent');
    expect(info.notBefore).toBe(new Date(0).toISOString());
    expect(info.notAfter).toBe(NOT_AFTER.toISOString());
  });

  it('gives the same facts from DER and from a parsed certificate', () => {
    expect(describeX509(new X509Certificate(leaf.der), 'sent')).toEqual(describeCertificate(leaf.der, 'sent'));
  });

  it('uses validity relative to the injected time in test certificates', () => {
    const info = describeCertificate(rsaSelf.der, 'sent');
    expect(Date.parse(info.notBefore)).toBe(NOW - DAY_MS);
    expect(Date.parse(info.notAfter)).toBe(NOW + 365 * DAY_MS);
  });

  it('throws on bytes that are not a certificate', () => {
    expect(() => describeCertificate(Buffer.from('nope'), 'sent')).toThrow();
  });
});

const sha256hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').toUpperCase();

/** What DANE tooling computes for `3 1 1`: openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 */
function opensslSpkiSha256(der: Buffer): string {
  const spki = opensslSpki(der);
  const digest = /= *([0-9a-f]{64})\s*$/.exec(openssl(['dgst', '-sha256'], spki).toString());
  expect(digest).not.toBeNull();
  return (digest?.[1] as string).toUpperCase();
}

// ---- BER encodings, written by hand for the tests (any length, indefinite length).

/** A definite-length TLV, its length in the shortest form. */
function enc(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const bytes: number[] = [];
  for (let n = body.length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.concat([Buffer.from(body.length < 128 ? [tag, body.length] : [tag, 0x80 | bytes.length, ...bytes]), body]);
}

/** An indefinite-length TLV: contents, then the end-of-contents octets. */
function indefinite(tag: number, ...contents: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([tag, 0x80]), ...contents, Buffer.from([0, 0])]);
}

/** The TLVs inside a DER TLV. */
function split(der: Buffer): Buffer[] {
  const lengthByte = der[1] as number;
  let pos = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
  const out: Buffer[] = [];
  while (pos < der.length) {
    const length = firstElementLength(der.subarray(pos)) as number;
    out.push(der.subarray(pos, pos + length));
    pos += length;
  }
  return out;
}

/** `der` with its outer SEQUENCE and tbsCertificate in indefinite length, and the SubjectPublicKeyInfo replaced by `spki`. */
function berCertificate(der: Buffer, spki: Buffer): Buffer {
  const [tbs, algorithm, signature] = split(der) as [Buffer, Buffer, Buffer];
  const fields = split(tbs);
  const at = fields[0]?.[0] === 0xa0 ? 6 : 5;
  return indefinite(0x30, indefinite(0x30, ...fields.slice(0, at), spki, ...fields.slice(at + 1)), algorithm, signature);
}

const NULL = Buffer.from([0x05, 0x00]);
const GOST_OID = Buffer.from([0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x01]);

/** A certificate's outline (not signed, not for Node): what readSubjectPublicKeyInfo walks. */
function outline(spki: Buffer, options: { version?: boolean } = {}): Buffer {
  const name = enc(0x30, enc(0x31, enc(0x30, Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]), enc(0x0c, Buffer.from('x')))));
  const algorithm = enc(0x30, Buffer.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));
  const validity = enc(0x30, enc(0x17, Buffer.from('260101000000Z')), enc(0x17, Buffer.from('270101000000Z')));
  const version = options.version === false ? [] : [enc(0xa0, enc(0x02, Buffer.from([2])))];
  const tbs = enc(0x30, ...version, enc(0x02, Buffer.from([1])), algorithm, name, validity, name, spki, enc(0xa3, enc(0x30)));
  return enc(0x30, tbs, algorithm, enc(0x03, Buffer.from([0])));
}

/** An SPKI whose algorithm parameters are `params`. */
const spkiWith = (params: Buffer) => enc(0x30, enc(0x30, GOST_OID, params), enc(0x03, Buffer.from([0, 1, 2])));

/** `levels` SEQUENCEs, each inside the one before, around a NULL; built in one pass (a deep one is long). */
function definiteNest(levels: number): Buffer {
  /** A SEQUENCE's tag and length octets for `n` bytes of contents. */
  const header = (n: number): number[] => {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    return n < 128 ? [0x30, n] : [0x30, 0x80 | bytes.length, ...bytes];
  };
  const headers: number[][] = []; // from the inside out
  let size = NULL.length;
  for (let i = 0; i < levels; i++) {
    const h = header(size);
    headers.push(h);
    size += h.length;
  }
  return Buffer.concat([Buffer.from(headers.reverse().flat()), NULL]);
}

describe('parseCertificate: each distinct certificate parsed once, the cache bounded', () => {
  it('the same bytes give the same object (a copy of them too); bytes that are no certificate give null', () => {
    const a = parseCertificate(leaf.der);
    expect(a).toBeInstanceOf(X509Certificate);
    expect(parseCertificate(Buffer.from(leaf.der))).toBe(a);
    expect(parseCertificate(inter.cert.der)).not.toBe(a);
    expect(parseCertificate(Buffer.from('not a certificate'))).toBeNull();
  });

  it(`holds at most ${PARSED_CACHE_SIZE} entries: the oldest goes first`, () => {
    // Bytes that are no certificate fill it cheaply (cached as null alike). First, flush the rest.
    const fill = (tag: string, n: number) => {
      for (let i = 0; i < n; i++) parseCertificate(Buffer.from(`${tag} ${i}`));
    };
    fill('before', PARSED_CACHE_SIZE);
    const a = parseCertificate(leaf.der);
    const b = parseCertificate(inter.cert.der);
    fill('after', PARSED_CACHE_SIZE - 2);
    // Full now, a and b the oldest: both still there.
    expect(parseCertificate(leaf.der)).toBe(a);
    expect(parseCertificate(inter.cert.der)).toBe(b);
    fill('one more', 1);
    expect(parseCertificate(inter.cert.der)).toBe(b);
    const again = parseCertificate(leaf.der);
    expect(again).not.toBe(a);
    expect(again?.raw.equals(leaf.der)).toBe(true);
  });

  it('describeX509 hands out fresh arrays: changing one description leaves the next alone', () => {
    const first = describeCertificate(leaf.der, 'sent');
    first.dnsNames.push('changed.example');
    first.ipAddresses.push('192.0.2.1');
    const second = describeCertificate(leaf.der, 'trust-store');
    expect(second.dnsNames).not.toContain('changed.example');
    expect(second.ipAddresses).not.toContain('192.0.2.1');
    expect(second.source).toBe('trust-store');
  });
});

describe('spkiSha256 (what a DANE 3 1 1 record holds)', () => {
  it('is what openssl computes from the certificate, for EC and RSA keys', () => {
    for (const der of [leaf.der, root.cert.der, inter.cert.der, rsaSelf.der, keyed.rsa2048, keyed.p384, keyed.k256] as Buffer[]) {
      expect(describeCertificate(der, 'sent').spkiSha256).toBe(opensslSpkiSha256(der));
    }
  });

  it('is what openssl computes for the other key types too', () => {
    for (const kind of ['rsaPss', 'dsa', 'p521', 'brainpool512', 'wtls1', 'sm2', 'ed25519', 'ed448', 'x25519']) {
      const der = keyed[kind] as Buffer;
      expect([kind, describeCertificate(der, 'sent').spkiSha256]).toEqual([kind, opensslSpkiSha256(der)]);
    }
  });

  it('is the same for every certificate of one key, unlike the thumbprints', () => {
    const a = describeCertificate(hexSerial, 'sent');
    const b = describeCertificate(emptySubject, 'sent');
    expect(a.spkiSha256).toBe(b.spkiSha256);
    expect(a.sha256).not.toBe(b.sha256);
    expect(a.spkiSha256).toMatch(/^[0-9A-F]{64}$/);
  });

  it('is read from the certificate for a key this OpenSSL cannot load', () => {
    expect(() => openssl(['x509', '-inform', 'DER', '-pubkey', '-noout'], unloadableKey)).toThrow();
    expect(describeCertificate(unloadableKey, 'sent').spkiSha256).toBe(sha256hex(gostSpki));
  });

  it('is read from a BER certificate as its DER form, for a key this OpenSSL cannot load', () => {
    const variants = {
      'indefinite lengths around it': gostSpki,
      'indefinite and over-long lengths in it': indefinite(0x30, Buffer.from([0x30, 0x81, 0x0a, ...GOST_OID]), Buffer.from([0x03, 0x82, 0x00, 0x03, 0x00, 0x01, 0x02])),
      'a BIT STRING in segments': enc(0x30, enc(0x30, GOST_OID), indefinite(0x23, enc(0x03, Buffer.from([0x00, 0x01])), enc(0x23, enc(0x03, Buffer.from([0x02]))))),
    };
    for (const [what, spki] of Object.entries(variants)) {
      const ber = berCertificate(unloadableKey, spki);
      expect([what, describeCertificate(ber, 'sent').spkiSha256]).toEqual([what, sha256hex(gostSpki)]);
    }
    // A key OpenSSL loads is taken from OpenSSL, whatever the encoding around it.
    const leafSpki = split(split(leaf.der)[0] as Buffer)[6] as Buffer;
    expect(describeCertificate(berCertificate(leaf.der, leafSpki), 'sent').spkiSha256).toBe(describeCertificate(leaf.der, 'sent').spkiSha256);
  });

  it('is never missing: a certificate whose key cannot be read at all is our bug, and says so', () => {
    const real = new X509Certificate(unloadableKey);
    const broken = new Proxy(real, {
      get: (target, property) => {
        if (property === 'raw') return Buffer.from('not DER');
        return Reflect.get(target, property) as unknown;
      },
    });
    expect(() => describeX509(broken, 'sent')).toThrow('the SubjectPublicKeyInfo of a parsed certificate could not be read');
  });
});

describe('readSubjectPublicKeyInfo', () => {
  it('reads the seventh field of a tbsCertificate, or the sixth without a version', () => {
    const spki = spkiWith(NULL);
    expect(readSubjectPublicKeyInfo(outline(spki))).toEqual(spki);
    expect(readSubjectPublicKeyInfo(outline(spki, { version: false }))).toEqual(spki);
    expect(readSubjectPublicKeyInfo(unloadableKey)).toEqual(gostSpki);
  });

  it('re-encodes in DER: definite shortest lengths, segments joined, SETs and context tags kept', () => {
    const der = spkiWith(enc(0x30, enc(0x31, enc(0x02, Buffer.from([7]))), enc(0xa1, enc(0x04, Buffer.from('abc')))));
    const ber = indefinite(
      0x30,
      indefinite(0x30, GOST_OID, indefinite(0x30, indefinite(0x31, Buffer.from([0x02, 0x81, 0x01, 7])), indefinite(0xa1, indefinite(0x24, enc(0x04, Buffer.from('a')), enc(0x04, Buffer.from('bc')))))),
      enc(0x03, Buffer.from([0, 1, 2])),
    );
    expect(readSubjectPublicKeyInfo(outline(ber))).toEqual(der);
  });

  it('writes lengths of 127, 128, 255 and 256 bytes in the shortest form', () => {
    for (const size of [127, 128, 255, 256, 70000]) {
      const der = spkiWith(enc(0x04, Buffer.alloc(size, 0x41)));
      const ber = spkiWith(indefinite(0x24, enc(0x04, Buffer.alloc(size, 0x41))));
      expect([size, readSubjectPublicKeyInfo(outline(ber))]).toEqual([size, der]);
    }
  });

  it(`follows nesting down to level ${MAX_BER_DEPTH} (the certificate is level 0), not deeper`, () => {
    // Certificate 0, tbsCertificate 1, SubjectPublicKeyInfo 2, AlgorithmIdentifier 3, parameters from 4.
    const levels = MAX_BER_DEPTH - 4;
    expect(readSubjectPublicKeyInfo(outline(spkiWith(definiteNest(levels))))).toEqual(spkiWith(definiteNest(levels)));
    expect(readSubjectPublicKeyInfo(outline(spkiWith(definiteNest(levels + 1))))).toBeNull();
    const open = (n: number): Buffer => (n === 0 ? NULL : indefinite(0x30, open(n - 1)));
    expect(readSubjectPublicKeyInfo(outline(spkiWith(open(levels))))).toEqual(spkiWith(definiteNest(levels)));
    expect(readSubjectPublicKeyInfo(outline(spkiWith(open(levels + 1))))).toBeNull();
  });

  it('returns null, without overflowing the stack, for nesting far deeper than that', () => {
    expect(readSubjectPublicKeyInfo(definiteNest(100_000))).toBeNull();
    const depth = 100_000;
    const open = Buffer.concat([Buffer.alloc(2 * depth).fill(Buffer.from([0x30, 0x80])), NULL, Buffer.alloc(2 * depth)]);
    expect(readSubjectPublicKeyInfo(open)).toBeNull();
  });

  it('returns null for what is not a certificate', () => {
    expect(readSubjectPublicKeyInfo('not a buffer' as unknown as Buffer)).toBeNull();
    // Never a throw for what a caller without types might hand it.
    for (const odd of [undefined, null, [0x30, 0x80, 0, 0], new Uint16Array([0x30])]) expect(readSubjectPublicKeyInfo(odd as unknown as Buffer)).toBeNull();
    expect(readSubjectPublicKeyInfo(Buffer.alloc(0))).toBeNull();
    expect(readSubjectPublicKeyInfo(Buffer.from('nope'))).toBeNull();
    expect(readSubjectPublicKeyInfo(unloadableKey.subarray(0, unloadableKey.length - 1))).toBeNull();
    // Not a SEQUENCE outside, and a SubjectPublicKeyInfo that is not a SEQUENCE.
    expect(readSubjectPublicKeyInfo(Buffer.concat([Buffer.from([0x31]), outline(spkiWith(NULL)).subarray(1)]))).toBeNull();
    expect(readSubjectPublicKeyInfo(outline(enc(0x04, Buffer.from('key'))))).toBeNull();
    // Too few fields for a SubjectPublicKeyInfo.
    expect(readSubjectPublicKeyInfo(enc(0x30, enc(0x30, enc(0x02, Buffer.from([1]))), enc(0x30), enc(0x03, Buffer.from([0]))))).toBeNull();
    expect(readSubjectPublicKeyInfo(enc(0x30, enc(0x30), enc(0x30), enc(0x03, Buffer.from([0]))))).toBeNull();
  });

  it('returns null for malformed indefinite lengths', () => {
    const bad = {
      'a primitive value': Buffer.from([0x04, 0x80, 0x41, 0x00, 0x00]),
      'a high tag number': Buffer.from([0x3f, 0x80, 0x00, 0x00]),
      'no end-of-contents octets': Buffer.from([0x30, 0x80, 0x05, 0x00]),
      'a malformed child': Buffer.from([0x30, 0x80, 0x05, 0x05, 0x00, 0x00]),
      'a primitive value whose contents look like elements': Buffer.from([0x04, 0x80, 0x04, 0x01, 0x41, 0x00, 0x00]),
    };
    for (const [what, params] of Object.entries(bad)) {
      expect([what, readSubjectPublicKeyInfo(outline(spkiWith(params)))]).toEqual([what, null]);
    }
    // The same values well formed are read.
    expect(readSubjectPublicKeyInfo(outline(spkiWith(Buffer.from([0x24, 0x80, 0x04, 0x01, 0x41, 0x00, 0x00]))))).toEqual(spkiWith(Buffer.from([0x04, 0x01, 0x41])));
    expect(readSubjectPublicKeyInfo(outline(spkiWith(Buffer.from([0x30, 0x80, 0x05, 0x00, 0x00, 0x00]))))).toEqual(spkiWith(enc(0x30, NULL)));
    // Only two zero bytes end an indefinite length: a zero tag byte with a length is an element inside it.
    expect(readSubjectPublicKeyInfo(outline(spkiWith(Buffer.from([0x30, 0x80, 0x00, 0x01, 0x41, 0x00, 0x00]))))).toEqual(spkiWith(enc(0x30, Buffer.from([0x00, 0x01, 0x41]))));
  });
});

describe('names for people', () => {
  it('uses the CN, else the whole name, else a placeholder', () => {
    expect(nameForPeople('C=US\nO=Example\\, Inc.\nCN=Example Root')).toBe('Example Root');
    expect(nameForPeople('C=US\nO=Example\\, Inc.')).toBe('C=US, O=Example\\, Inc.');
    expect(nameForPeople('')).toBe('(empty name)');
    expect(nameForPeople(undefined)).toBe('(empty name)');
    expect(nameForPeople('O=x\n\nCN=')).toBe('O=x, CN=');
  });

  it('reads the CN out of a multi-valued RDN, whichever its place', () => {
    expect(nameForPeople('CN=a + O=b')).toBe('a');
    expect(nameForPeople('O=b + CN=a')).toBe('a');
    expect(nameForPeople('CN=first\nO=b + CN=second')).toBe('second');
    expect(nameForPeople('O=Mail \\+ Web')).toBe('O=Mail \\+ Web');
  });

  it('names a certificate by its CN, else its subject', () => {
    expect(displayName({ commonName: 'a.example', subject: 'CN=a.example, O=x' })).toBe('a.example');
    expect(displayName({ commonName: null, subject: 'O=x' })).toBe('O=x');
    expect(displayName({ commonName: '', subject: 'O=x, CN=' })).toBe('O=x, CN=');
    expect(displayName({ commonName: null, subject: '' })).toBe('(empty subject)');
  });
});

describe('parseSubjectAltName', () => {
  it('reads plain entries', () => {
    expect(parseSubjectAltName('DNS:mx.example.test, DNS:*.example.test, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1')).toEqual({
      dnsNames: ['mx.example.test', '*.example.test'],
      ipAddresses: ['192.0.2.1', '2001:db8::1'],
    });
  });

  it('reads JSON-quoted entries (newer Node)', () => {
    expect(parseSubjectAltName('DNS:"a\\u002cb.example", DNS:"we\\"ird, DNS:x", DNS:plain.example')).toEqual({
      dnsNames: ['a,b.example', 'we"ird, DNS:x', 'plain.example'],
      ipAddresses: [],
    });
    // An escaped backslash right before the closing quote does not escape the quote.
    expect(parseSubjectAltName('DNS:"a\\\\", DNS:b.example')).toEqual({ dnsNames: ['a\\', 'b.example'], ipAddresses: [] });
  });

  it('keeps the raw text of a quoted value that is not valid JSON', () => {
    expect(parseSubjectAltName('DNS:"bad\\qname", DNS:ok.example')).toEqual({ dnsNames: ['bad\\qname', 'ok.example'], ipAddresses: [] });
  });

  it('reads on right after a closing quote', () => {
    expect(parseSubjectAltName('DNS:"a.example"DNS:b.example')).toEqual({ dnsNames: ['a.example', 'b.example'], ipAddresses: [] });
  });

  it('reads unquoted entries with commas (older Node) by the next entry type', () => {
    expect(parseSubjectAltName('DNS:a, b.example, email:x@example.test, URI:http://example.test/, DNS:c.example')).toEqual({
      dnsNames: ['a, b.example', 'c.example'],
      ipAddresses: [],
    });
    expect(parseSubjectAltName('DNS:, DNS:x.example')).toEqual({ dnsNames: ['', 'x.example'], ipAddresses: [] });
    // Every entry type Node prints ends the value before it.
    const types = ['othername:<unsupported>', 'DirName:CN=x', 'Registered ID:1.2.3.4', 'X400Name:<unsupported>', 'EdiPartyName:<unsupported>', 'IP Address:192.0.2.1', 'URI:http://x/', 'email:a@b'];
    const text = types.map((t, i) => `DNS:n${i}.example, ${t}`).join(', ');
    expect(parseSubjectAltName(text)).toEqual({ dnsNames: types.map((_, i) => `n${i}.example`), ipAddresses: ['192.0.2.1'] });
  });

  it('ignores other types and unreadable addresses, and survives garbage', () => {
    expect(parseSubjectAltName('')).toEqual({ dnsNames: [], ipAddresses: [] });
    expect(parseSubjectAltName('othername:<unsupported>, DirName:"CN=x\\nO=y", Registered ID:1.2.3')).toEqual({ dnsNames: [], ipAddresses: [] });
    expect(parseSubjectAltName('DNS:"unterminated')).toEqual({ dnsNames: [], ipAddresses: [] });
    expect(parseSubjectAltName('garbage without colon')).toEqual({ dnsNames: [], ipAddresses: [] });
    expect(parseSubjectAltName(':no type, DNS:a.example')).toEqual({ dnsNames: ['a.example'], ipAddresses: [] });
    expect(parseSubjectAltName('IP Address:<invalid>, DNS:after.example, IP Address:192.0.2.7')).toEqual({
      dnsNames: ['after.example'],
      ipAddresses: ['192.0.2.7'],
    });
  });
});

describe('normalizeIp', () => {
  it('keeps IPv4 as is and refuses what is not an address', () => {
    expect(normalizeIp('192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeIp('<invalid>')).toBeNull();
    expect(normalizeIp('192.0.2.1.5')).toBeNull();
    expect(normalizeIp('a192.0.2.1')).toBeNull();
    expect(normalizeIp('192.0.2')).toBeNull();
    expect(normalizeIp('1234.0.2.1')).toBeNull();
    expect(normalizeIp('192.0.2.1234')).toBeNull();
    expect(normalizeIp('')).toBeNull();
  });

  it('writes IPv6 in RFC 5952 form: lower case, no leading zeros, the longest zero run as "::"', () => {
    expect(normalizeIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(normalizeIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(normalizeIp('0:0:0:0:0:0:0:0')).toBe('::');
    expect(normalizeIp('FE80:0:0:0:0:0:0:0')).toBe('fe80::');
    expect(normalizeIp('2001:DB8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(normalizeIp('2001:DB8:0:0:1:0:0:0')).toBe('2001:db8:0:0:1::');
    // A tie goes to the first run; a single zero group is not shortened.
    expect(normalizeIp('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeIp('2001:DB8:1:1:1:1:0:1')).toBe('2001:db8:1:1:1:1:0:1');
    expect(normalizeIp('1:2:3:4:5:6:7:8')).toBe('1:2:3:4:5:6:7:8');
  });

  it('lower-cases other IPv6 forms, and refuses non-hex groups', () => {
    expect(normalizeIp('2001:DB8::1')).toBe('2001:db8::1');
    expect(normalizeIp('::FFFF:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(normalizeIp('1::3:4:5:6:7:8')).toBe('1::3:4:5:6:7:8');
    expect(normalizeIp('0:0:1')).toBe('0:0:1');
    expect(normalizeIp('1:2:3:4:5:6:7:z1')).toBeNull();
    expect(normalizeIp('1:2:3:4:5:6:7:1z')).toBeNull();
    expect(normalizeIp('g::1')).toBeNull();
    expect(normalizeIp('::1g')).toBeNull();
    // A group of more than four digits is no RFC 5952 group: the text is only lower-cased.
    expect(normalizeIp('1:2:3:4:5:6:7:0ABCD')).toBe('1:2:3:4:5:6:7:0abcd');
  });
});

describe('parseOpenSslTime', () => {
  it('parses the times OpenSSL prints', () => {
    expect(parseOpenSslTime('Nov 27 20:23:42 2006 GMT')).toBe(Date.UTC(2006, 10, 27, 20, 23, 42));
    expect(parseOpenSslTime('Jan  5 01:02:03 2030 GMT')).toBe(Date.UTC(2030, 0, 5, 1, 2, 3));
    expect(parseOpenSslTime('Dec 31 23:59:59 9999 GMT')).toBe(Date.UTC(9999, 11, 31, 23, 59, 59));
  });

  it('knows every month', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    expect(months.map((m) => parseOpenSslTime(`${m} 15 12:00:00 2030 GMT`))).toEqual(months.map((_, i) => Date.UTC(2030, i, 15, 12)));
  });

  it('keeps fractions of a second, to the millisecond', () => {
    expect(parseOpenSslTime('Feb  1 00:00:00.5 2030 GMT')).toBe(Date.UTC(2030, 1, 1, 0, 0, 0, 500));
    expect(parseOpenSslTime('Feb  1 00:00:00.123456 2030 GMT')).toBe(Date.UTC(2030, 1, 1, 0, 0, 0, 123));
  });

  it('takes a year below 100 as it is (GeneralizedTime), not as 19xx', () => {
    expect(parseOpenSslTime('Jan  1 00:00:00 50 GMT')).toBe(Date.parse('0050-01-01T00:00:00Z'));
    expect(parseOpenSslTime('Dec 31 23:59:59 99 GMT')).toBe(Date.parse('0099-12-31T23:59:59Z'));
    expect(parseOpenSslTime('Jan  5 01:02:03 5 GMT')).toBe(Date.parse('0005-01-05T01:02:03Z'));
    expect(parseOpenSslTime('Feb  1 00:00:00.123456 99 GMT')).toBe(Date.parse('0099-02-01T00:00:00.123Z'));
  });

  it('refuses what is not such a time', () => {
    expect(parseOpenSslTime('Foo  1 00:00:00 2030 GMT')).toBeNull();
    expect(parseOpenSslTime('not a time')).toBeNull();
    expect(parseOpenSslTime('Bad time value')).toBeNull();
    expect(parseOpenSslTime('xNov 27 20:23:42 2006 GMT')).toBeNull();
    expect(parseOpenSslTime('Nov 27 20:23:42 2006 GMTx')).toBeNull();
    expect(parseOpenSslTime('Nov 127 20:23:42 2006 GMT')).toBeNull();
  });

  it('falls back to the ISO form', () => {
    expect(parseOpenSslTime('2030-01-02T03:04:05Z')).toBe(Date.UTC(2030, 0, 2, 3, 4, 5));
  });
});

describe('unescapeDnValue', () => {
  it('undoes RFC 2253 escapes of special characters', () => {
    expect(unescapeDnValue('Example\\, Inc.')).toBe('Example, Inc.');
    expect(unescapeDnValue('a\\+b\\"c\\\\d\\<e\\>f\\;g\\ ')).toBe('a+b"c\\d<e>f;g ');
    expect(unescapeDnValue('plain')).toBe('plain');
    expect(unescapeDnValue('')).toBe('');
  });

  it('decodes hex pairs as bytes, UTF-8 sequences reassembled', () => {
    expect(unescapeDnValue('line\\0Abreak')).toBe('line\nbreak');
    expect(unescapeDnValue('line\\0abreak')).toBe('line\nbreak');
    expect(unescapeDnValue('\\41\\42')).toBe('AB');
    expect(unescapeDnValue('caf\\C3\\A9')).toBe('café');
    expect(unescapeDnValue('caf\\C3\\A9s')).toBe('cafés');
    expect(unescapeDnValue('caf\\C3\\A9\\, Inc')).toBe('café, Inc');
    expect(unescapeDnValue('\\FF')).toBe('\uFFFD');
  });

  it('takes an escape without two hex digits as the escaped character', () => {
    expect(unescapeDnValue('x\\0')).toBe('x0');
    expect(unescapeDnValue('\\0g')).toBe('0g');
    expect(unescapeDnValue('\\zz')).toBe('zz');
  });

  it('keeps a lone trailing backslash', () => {
    expect(unescapeDnValue('abc\\')).toBe('abc\\');
  });
});
