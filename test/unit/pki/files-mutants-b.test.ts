// Certificate files, the PKCS#12 and key half of src/pki/files.ts read byte by byte: every
// malformed field of a PFX (its version, AuthenticatedSafe, MAC, parts, bags), of an encrypted
// PKCS#8 key (PBES2 and the legacy PKCS#12 schemes), the key-derivation budget, and the leaf
// picked from certificates that do not parse or that issued each other. The files are built here
// from DER pieces with the test PKI's certificates (nothing committed), so each test names the one
// field it breaks and the exact error or result that follows.
import { createCipheriv, createHmac, createPrivateKey, createSecretKey, pbkdf2Sync, webcrypto, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { createRootCa, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { readCertificateNames } from '../../../src/pki/der.js';
import { CertFileError, keyMatchesCertificate, MAX_KDF_ITERATIONS, MAX_KDF_WORK, pickLeaf, readCertFile, type CertFileContents } from '../../../src/pki/files.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const FORMATS = 'give a PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.pfx) certificate file';

// ---- DER pieces

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...kids: Buffer[]) => tlv(0x30, ...kids);
const set = (...kids: Buffer[]) => tlv(0x31, ...kids);
const ctx0 = (...kids: Buffer[]) => tlv(0xa0, ...kids);
const octets = (bytes: Buffer) => tlv(0x04, bytes);
/** A constructed (BER) OCTET STRING: the bytes in two segments. */
const segmented = (bytes: Buffer, tag = 0x24) => tlv(tag, octets(bytes.subarray(0, 5)), octets(bytes.subarray(5)));
const NULL = Buffer.from([0x05, 0x00]);
/** The same element retagged (definite length): a SET with a SEQUENCE's contents, say. */
const retag = (tag: number, der: Buffer) => Buffer.concat([Buffer.from([tag]), der.subarray(1)]);

function int(n: number): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return tlv(0x02, (bytes[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [40 * a + b];
  for (const n of rest) {
    const groups = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
}

const O = {
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
  x509: '1.2.840.113549.1.9.22.1',
  sdsi: '1.2.840.113549.1.9.22.2',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',
  aes256: '2.16.840.1.101.3.4.1.42',
  hmacSha1: '1.2.840.113549.2.7',
  hmacSha256: '1.2.840.113549.2.9',
  sha1: '1.3.14.3.2.26',
  tripleDesPbe: '1.2.840.113549.1.12.1.3',
  rc4Pbe: '1.2.840.113549.1.12.1.1',
  unknown: '1.2.3.4',
} as const;

// ---- Password-based encryption, as the writers of these files do it

const SALT = Buffer.from('0011223344556677', 'hex');
const IV = Buffer.alloc(16, 9);

interface Pbes2Options {
  iterations?: number;
  /** The optional keyLength INTEGER of the PBKDF2 parameters. */
  keyLength?: number;
  /** The PRF; null leaves it out (HMAC-SHA-1 by default). */
  prf?: string | null;
}

function pbes2Alg(o: Pbes2Options = {}): Buffer {
  const { iterations = 2, keyLength, prf = O.hmacSha256 } = o;
  const kdfParams = seq(octets(SALT), int(iterations), ...(keyLength === undefined ? [] : [int(keyLength)]), ...(prf === null ? [] : [seq(oid(prf), NULL)]));
  return seq(oid(O.pbes2), seq(seq(oid(O.pbkdf2), kdfParams), seq(oid(O.aes256), octets(IV))));
}

function pbes2Encrypt(plain: Buffer, password: string, o: Pbes2Options = {}): Buffer {
  const digest = o.prf === null || o.prf === O.hmacSha1 ? 'sha1' : 'sha256';
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), SALT, o.iterations ?? 2, 32, digest);
  const cipher = createCipheriv('aes-256-cbc', key, IV);
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}

/** The PKCS#12 key derivation (RFC 7292 B.2, SHA-1) of a password (null: none at all). */
function pkcs12Key(password: string | null, salt: Buffer, id: number, iterations: number, length: number): Buffer {
  return Buffer.from(forge.pkcs12.generateKey(password, forge.util.createBuffer(salt.toString('binary')), id, iterations, length, forge.md.sha1.create()).getBytes(), 'binary');
}

const legacyAlg = (iterations: number) => seq(oid(O.tripleDesPbe), seq(octets(SALT), int(iterations)));

function legacyEncrypt(plain: Buffer, password: string, iterations: number): Buffer {
  const cipher = createCipheriv('des-ede3-cbc', pkcs12Key(password, SALT, 1, iterations, 24), pkcs12Key(password, SALT, 2, iterations, 8));
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}

// ---- PKCS#12 pieces

const certBag = (der: Buffer) => seq(oid(O.certBag), ctx0(seq(oid(O.x509), ctx0(octets(der)))));
const safe = (...bags: Buffer[]) => seq(...bags);
const dataPart = (bags: Buffer) => seq(oid(O.data), ctx0(octets(bags)));
const encryptedPart = (alg: Buffer, body: Buffer) => seq(oid(O.encryptedData), ctx0(seq(int(0), seq(oid(O.data), alg, body))));
/** A part encrypted with PBES2 (AES-256-CBC) under `password`. */
const pbes2Part = (bags: Buffer, password = 'pw', o: Pbes2Options = {}) => encryptedPart(pbes2Alg(o), tlv(0x80, pbes2Encrypt(bags, password, o)));
const pfx = (content: Buffer, ...rest: Buffer[]) => seq(int(3), seq(oid(O.data), ctx0(octets(content))), ...rest);

interface MacOptions {
  /** The iteration count; null leaves it out (1 by default). */
  iterations?: number | null;
  digest?: string;
}

/** A PKCS#12 MacData: HMAC-SHA-1 over `content`, keyed by the PKCS#12 derivation of `password` (null: none at all). */
function macData(password: string | null, content: Buffer, o: MacOptions = {}): Buffer {
  const { iterations = 2, digest = O.sha1 } = o;
  const mac = createHmac('sha1', pkcs12Key(password, SALT, 3, iterations ?? 1, 20)).update(content).digest();
  return seq(seq(seq(oid(digest), NULL), octets(mac)), octets(SALT), ...(iterations === null ? [] : [int(iterations)]));
}

const pem = (label: string, der: Buffer) => `-----BEGIN ${label}-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

// ---- Reading

async function read(bytes: Buffer, password: string | null = null, name = 'x.pfx'): Promise<CertFileContents> {
  return readCertFile(bytes, { name, password });
}

/** The problem and message readCertFile fails with. */
async function failure(bytes: Buffer, password: string | null = null, name = 'x.pfx'): Promise<{ problem: string; message: string }> {
  try {
    await readCertFile(bytes, { name, password });
  } catch (err) {
    expect(err).toBeInstanceOf(CertFileError);
    expect(err).toBeInstanceOf(UsageError);
    return { problem: (err as CertFileError).problem, message: (err as Error).message };
  }
  throw new Error('readCertFile did not fail');
}

const damaged = (what: string) => ({ problem: 'damaged', message: `x.pfx: the PKCS#12 data ${what}: the file is damaged; copy it again` });
const malformedMac = { problem: 'damaged', message: 'x.pfx: the PKCS#12 MAC is malformed: the file is damaged; copy it again' };
const NO_MAC = 'the PFX has no MAC: nothing shows whether it was changed';
const PLAIN_CERTS = 'its certificates are not encrypted';

let root: TestCa;
let inter: TestCa;
let leaf: IssuedCert;
let leafKey: Buffer;
/** A part of PBES2 (HMAC-SHA-256, AES-256-CBC) with MAX_KDF_ITERATIONS iterations over the leaf's certificate bag, password "x". */
let heavyPart: Buffer;

beforeAll(async () => {
  root = await createRootCa('B Root', NOW);
  inter = await root.intermediate('B Intermediate');
  leaf = await inter.issue({ commonName: 'mx.b.example.test' });
  leafKey = createPrivateKey(leaf.keyPem).export({ type: 'pkcs8', format: 'der' });
  heavyPart = pbes2Part(safe(certBag(leaf.der)), 'x', { iterations: MAX_KDF_ITERATIONS });
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
}, 60_000);

describe('PKCS#7: the list of certificates that cannot be read', () => {
  const p7 = (...set: Buffer[]) =>
    seq(oid(O.signedData), ctx0(seq(int(1), tlv(0x31), seq(oid(O.data)), tlv(0xa0, ...set), tlv(0x31))));
  const tooMany = { problem: 'too-many', message: 'x.p7b holds more than 1000 certificates: give a file with the certificate and its chain only' };
  const malformed = { problem: 'damaged', message: 'x.p7b: the PKCS#7 data has a malformed list of certificates: the file is damaged; copy it again' };
  /** `levels` SEQUENCEs of indefinite length, each inside the one before. */
  const nested = (levels: number): Buffer => (levels === 0 ? Buffer.from([0x30, 0x80, 0, 0]) : Buffer.concat([Buffer.from([0x30, 0x80]), nested(levels - 1), Buffer.from([0, 0])]));

  it('counts the entries of a list too long to read: more than 1000 is too many', async () => {
    expect(await failure(p7(...Array<Buffer>(1002).fill(seq())), null, 'x.p7b')).toEqual(tooMany);
  });

  it('calls a list with an entry cut short malformed, however long', async () => {
    expect(await failure(p7(seq(), Buffer.from([0x30, 0x05])), null, 'x.p7b')).toEqual(malformed);
    // The bad entry first: the count stops there, even with more than 1000 after it.
    expect(await failure(p7(Buffer.from([0x30, 0x05]), ...Array<Buffer>(1001).fill(seq())), null, 'x.p7b')).toEqual(malformed);
  });

  it('counts at the list entries own depth: an entry nested past the depth limit is malformed, not one of many', async () => {
    // The list sits at depth 3 (ContentInfo, [0], SignedData): its entries at 4, so 29 more levels are 33 > 32.
    expect(await failure(p7(nested(29), ...Array<Buffer>(1001).fill(seq())), null, 'x.p7b')).toEqual(malformed);
  });
});

describe('encrypted PKCS#8 keys: the EncryptedPrivateKeyInfo and its scheme', () => {
  const keyFile = (epki: Buffer) => Buffer.from(leaf.certPem + pem('ENCRYPTED PRIVATE KEY', epki));
  const at = () => `PEM block 2 ("ENCRYPTED PRIVATE KEY", line ${leaf.certPem.split('\n').length})`;
  const notPkcs8 = () => ({ problem: 'damaged', message: `k.pem: ${at()} is not an encrypted PKCS#8 key: the file is damaged; copy it again` });
  const badParams = { problem: 'damaged', message: 'k.pem: the parameters of its password-based encryption are malformed: the file is damaged; copy it again' };
  const unsupported = (what: string) => ({
    problem: 'unsupported',
    message: `k.pem is encrypted with ${what}, which mxray cannot decrypt: export it again with AES-256-CBC or triple DES (OpenSSL 3's default, or Windows' "TripleDES-SHA1")`,
  });
  const fail = (epki: Buffer) => failure(keyFile(epki), 'pw', 'k.pem');
  const ct = () => octets(pbes2Encrypt(leafKey, 'pw'));
  /** PBES2 with the given PBKDF2 parameters and encryption scheme (AES-256-CBC with the IV by default). */
  const pbes2 = (kdf: Buffer, enc: Buffer = seq(oid(O.aes256), octets(IV))) => seq(oid(O.pbes2), seq(kdf, enc));
  const pbkdf2 = (...params: Buffer[]) => seq(oid(O.pbkdf2), seq(...params));
  const notes = (scheme: string) => [`its private key is encrypted with ${scheme}`, 'a private key (PKCS#8, EC P-256) is in the file too'];

  it('decrypts a key whose ciphertext is a constructed OCTET STRING (BER segments)', async () => {
    const got = await read(keyFile(seq(pbes2Alg(), segmented(pbes2Encrypt(leafKey, 'pw')))), 'pw', 'k.pem');
    expect(got.certificates).toEqual([leaf.der]);
    expect(keyMatchesCertificate(got.privateKeys[0] as never, leaf.der)).toBe(true);
    expect(got.notes).toEqual(notes('PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 2 iterations'));
  });

  it('refuses an EncryptedPrivateKeyInfo of the wrong shape', async () => {
    expect(await fail(seq())).toEqual(notPkcs8());
    // Not a SEQUENCE (a SET), though what it holds would decrypt.
    expect(await fail(set(pbes2Alg(), ct()))).toEqual(notPkcs8());
    expect(await fail(seq(pbes2Alg(), ct(), int(1)))).toEqual(notPkcs8());
    expect(await fail(seq(pbes2Alg()))).toEqual(notPkcs8());
    // The ciphertext not an OCTET STRING.
    expect(await fail(seq(pbes2Alg(), tlv(0x02, pbes2Encrypt(leafKey, 'pw'))))).toEqual(notPkcs8());
    // The AlgorithmIdentifier: a SET, three parts, or no OID.
    expect(await fail(seq(set(oid(O.unknown)), ct()))).toEqual(notPkcs8());
    expect(await fail(seq(seq(oid(O.unknown), NULL, NULL), ct()))).toEqual(notPkcs8());
    expect(await fail(seq(seq(int(1)), ct()))).toEqual(notPkcs8());
    expect(await fail(seq(int(1), ct()))).toEqual(notPkcs8());
  });

  it('refuses the legacy PKCS#12 scheme with malformed parameters', async () => {
    const legacy = (...params: Buffer[]) => seq(seq(oid(O.tripleDesPbe), ...params), ct());
    expect(await fail(legacy())).toEqual(badParams);
    expect(await fail(legacy(seq()))).toEqual(badParams);
    expect(await fail(legacy(seq(int(5), int(2048))))).toEqual(badParams);
    expect(await fail(legacy(seq(octets(SALT))))).toEqual(badParams);
    expect(await fail(legacy(seq(octets(SALT), int(2048), int(1))))).toEqual(badParams);
    expect(await fail(legacy(seq(octets(SALT), octets(SALT))))).toEqual(badParams);
  });

  it('names a scheme it does not decrypt', async () => {
    expect(await fail(seq(seq(oid(O.rc4Pbe), seq(octets(SALT), int(2048))), ct()))).toEqual(unsupported('pbeWithSHA1And128BitRC4'));
    expect(await fail(seq(seq(oid(O.unknown), NULL), ct()))).toEqual(unsupported('an unknown scheme (1.2.3.4)'));
    expect(await fail(seq(pbes2(seq(oid(O.unknown), NULL)), ct()))).toEqual(unsupported('PBES2 with the key derivation 1.2.3.4'));
    const kdf = pbkdf2(octets(SALT), int(2));
    expect(await fail(seq(pbes2(kdf, seq(oid(O.unknown), octets(IV))), ct()))).toEqual(unsupported('PBES2 with the cipher 1.2.3.4'));
    expect(await fail(seq(pbes2(pbkdf2(octets(SALT), int(2), seq(oid(O.unknown), NULL))), ct()))).toEqual(unsupported('PBES2 with the PRF 1.2.3.4'));
  });

  it('refuses PBES2 with malformed parameters', async () => {
    const kdf = pbkdf2(octets(SALT), int(2));
    const aes = seq(oid(O.aes256), octets(IV));
    expect(await fail(seq(seq(oid(O.pbes2)), ct()))).toEqual(badParams);
    expect(await fail(seq(seq(oid(O.pbes2), seq(kdf, aes, NULL)), ct()))).toEqual(badParams);
    expect(await fail(seq(seq(oid(O.pbes2), seq(kdf, int(1))), ct()))).toEqual(badParams);
    expect(await fail(seq(seq(oid(O.pbes2), seq(int(1), aes)), ct()))).toEqual(badParams);
    // The cipher without an IV, or with an INTEGER for it.
    expect(await fail(seq(pbes2(kdf, seq(oid(O.aes256))), ct()))).toEqual(badParams);
    expect(await fail(seq(pbes2(kdf, seq(oid(O.aes256), int(1))), ct()))).toEqual(badParams);
    // PBKDF2 without parameters, with none in its SEQUENCE, a salt that is no OCTET STRING, an iteration count that is no INTEGER.
    expect(await fail(seq(pbes2(seq(oid(O.pbkdf2))), ct()))).toEqual(badParams);
    expect(await fail(seq(pbes2(pbkdf2()), ct()))).toEqual(badParams);
    expect(await fail(seq(pbes2(pbkdf2(int(5), int(2))), ct()))).toEqual(badParams);
    expect(await fail(seq(pbes2(pbkdf2(octets(SALT), octets(SALT))), ct()))).toEqual(badParams);
    // A PRF that is no AlgorithmIdentifier.
    expect(await fail(seq(pbes2(pbkdf2(octets(SALT), int(2), oid(O.hmacSha256))), ct()))).toEqual(badParams);
  });

  it("reads PBKDF2's keyLength when given: it must be the cipher's", async () => {
    const withLength = await read(keyFile(seq(pbes2Alg({ keyLength: 32 }), ct())), 'pw', 'k.pem');
    expect(keyMatchesCertificate(withLength.privateKeys[0] as never, leaf.der)).toBe(true);
    expect(withLength.notes).toEqual(notes('PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 2 iterations'));
    expect(await fail(seq(pbes2Alg({ keyLength: 16 }), ct()))).toEqual(badParams);
  });

  it('refuses a key derivation of no iterations, and takes one of a single iteration', async () => {
    expect(await fail(seq(pbes2Alg({ iterations: 0 }), ct()))).toEqual({ problem: 'damaged', message: 'k.pem: a key derivation asks for 0 iterations: the file is damaged; copy it again' });
    const one = await read(keyFile(seq(pbes2Alg({ iterations: 1 }), octets(pbes2Encrypt(leafKey, 'pw', { iterations: 1 })))), 'pw', 'k.pem');
    expect(one.notes).toEqual(notes('PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 1 iterations'));
  });

  it('charges the legacy derivation by the blocks it computes: 24-byte key and IV, three SHA-1 blocks per iteration', async () => {
    const got = await read(keyFile(seq(legacyAlg(10_000), octets(legacyEncrypt(leafKey, 'pw', 10_000)))), 'pw', 'k.pem');
    expect(keyMatchesCertificate(got.privateKeys[0] as never, leaf.der)).toBe(true);
    expect(got.notes).toEqual(notes('pbeWithSHA1And3-KeyTripleDES-CBC (legacy), 10000 iterations'));
  });
});

describe('PKCS#12: the PFX and its AuthenticatedSafe', () => {
  const content = () => safe(certBag(leaf.der));
  const plain = () => seq(dataPart(content()));

  it('reads a plain PFX built by hand (the base of the tests below)', async () => {
    expect(await read(pfx(plain()))).toEqual({ format: 'pkcs12', certificates: [leaf.der], privateKeys: [], lockedKeys: 0, notes: [NO_MAC, PLAIN_CERTS] });
  });

  it('refuses a PFX of four parts, of another version, or signed', async () => {
    expect(await failure(pfx(plain(), macData('', plain()), int(0)))).toEqual(damaged('is malformed'));
    const versioned = (version: Buffer) => seq(version, seq(oid(O.data), ctx0(octets(plain()))));
    expect(await failure(versioned(int(2)))).toEqual({ problem: 'unsupported', message: 'x.pfx is PKCS#12 version 2, not 3: mxray cannot read it; export it again' });
    expect(await failure(versioned(tlv(0x02, Buffer.from([0xff]))))).toEqual({ problem: 'unsupported', message: 'x.pfx is PKCS#12 version ?, not 3: mxray cannot read it; export it again' });
    expect(await failure(seq(int(3), seq(oid(O.signedData), ctx0(seq(int(1))))))).toEqual({
      problem: 'unsupported',
      message: 'x.pfx is PKCS#12 protected by a signature (public-key integrity mode), which mxray cannot read: export it again with a password',
    });
  });

  it('refuses an AuthenticatedSafe ContentInfo without its content, or with it in the wrong form', async () => {
    const info = (...kids: Buffer[]) => seq(int(3), seq(oid(O.data), ...kids));
    expect(await failure(info())).toEqual(damaged('is malformed'));
    expect(await failure(info(ctx0()))).toEqual(damaged('is malformed'));
    expect(await failure(info(ctx0(octets(plain()), octets(plain()))))).toEqual(damaged('is malformed'));
    // An INTEGER holding what would read well as an OCTET STRING.
    expect(await failure(info(ctx0(tlv(0x02, plain()))))).toEqual(damaged('is malformed'));
  });

  it('reads the AuthenticatedSafe in a constructed OCTET STRING (BER segments)', async () => {
    const got = await read(seq(int(3), seq(oid(O.data), ctx0(segmented(plain())))));
    expect(got.certificates).toEqual([leaf.der]);
  });

  it('stops at the element budget in the PFX itself: in its AuthenticatedSafe, in its third part', async () => {
    // 100 000 NULLs in an indefinite length: the file-type check reads them once, the PKCS#12 reader a second time, over 200 000.
    const many = (tag: number) => Buffer.concat([Buffer.from([tag, 0x80]), Buffer.alloc(200_000).fill(NULL), Buffer.from([0, 0])]);
    const tooComplex = { problem: 'too-much-work', message: `x.pfx holds more than 200000 ASN.1 elements or nests them deeper than 32: not a certificate file mxray reads; ${FORMATS}` };
    expect(await failure(seq(int(3), seq(oid(O.data), many(0xa0))))).toEqual(tooComplex);
    expect(await failure(pfx(plain(), many(0x30)))).toEqual(tooComplex);
  });

  it('tries an empty password given as "" in both forms (with and without the BMPString zero)', async () => {
    // A MAC keyed with no password at all (as .NET writes for a null password), the contents under PBES2 with the empty one.
    const content = seq(pbes2Part(safe(certBag(leaf.der)), ''));
    const got = await read(pfx(content, macData(null, content)), '');
    expect(got.certificates).toEqual([leaf.der]);
    expect(got.notes).toEqual([
      "the PFX's MAC uses SHA-1 with 2 iterations",
      'its certificates are encrypted with PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 2 iterations',
      'its password is empty',
    ]);
  });

  it('says a PFX without a MAC but encrypted with the empty password has an empty password', async () => {
    const got = await read(pfx(seq(pbes2Part(safe(certBag(leaf.der)), ''))));
    expect(got.notes).toEqual([NO_MAC, 'its certificates are encrypted with PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 2 iterations', 'its password is empty']);
  });

  it('does not take "Stryker was here!" or any other text for the missing password', async () => {
    expect(await failure(pfx(seq(pbes2Part(safe(certBag(leaf.der)), 'Stryker was here!'))))).toEqual({
      problem: 'password-needed',
      message: 'x.pfx is PKCS#12 protected by a password: give the password',
    });
  });
});

describe('PKCS#12: the MAC', () => {
  const content = () => seq(dataPart(safe(certBag(leaf.der))));
  const withMac = (mac: Buffer) => pfx(content(), mac);
  const sha1 = seq(oid(O.sha1), NULL);
  const mac20 = octets(Buffer.alloc(20));

  it('reads a MAC of one iteration, given or left out', async () => {
    for (const iterations of [1, null]) {
      const got = await read(withMac(macData('pw', content(), { iterations })), 'pw');
      expect(got.certificates).toEqual([leaf.der]);
      expect(got.notes).toEqual(["the PFX's MAC uses SHA-1 with 1 iteration", PLAIN_CERTS]);
    }
  });

  it('takes a MAC value of the wrong length for a wrong password', async () => {
    const short = seq(seq(sha1, octets(Buffer.alloc(19))), octets(SALT), int(2));
    expect(await failure(withMac(short))).toEqual({ problem: 'password-needed', message: 'x.pfx is PKCS#12 protected by a password: give the password' });
    expect(await failure(withMac(short), 'pw')).toEqual({ problem: 'wrong-password', message: 'wrong password for x.pfx (or the file is damaged)' });
  });

  it('refuses a malformed MacData', async () => {
    const good = macData('pw', content());
    const [digestInfo, salt, count] = [seq(sha1, mac20), octets(SALT), int(2)];
    // A SET holding what would be a good MacData.
    expect(await failure(withMac(retag(0x31, good)), 'pw')).toEqual(malformedMac);
    expect(await failure(withMac(seq(digestInfo, salt, count, NULL)), 'pw')).toEqual(malformedMac);
    expect(await failure(withMac(seq()), 'pw')).toEqual(malformedMac);
    expect(await failure(withMac(seq(digestInfo)), 'pw')).toEqual(malformedMac);
    // The DigestInfo: no SEQUENCE, its digest alone, a value that is no OCTET STRING, an algorithm that is no AlgorithmIdentifier.
    expect(await failure(withMac(seq(int(1), salt, count)), 'pw')).toEqual(malformedMac);
    expect(await failure(withMac(seq(seq(sha1), salt, count)), 'pw')).toEqual(malformedMac);
    expect(await failure(withMac(seq(seq(sha1, tlv(0x02, Buffer.alloc(20, 1))), salt, count)), 'pw')).toEqual(malformedMac);
    expect(await failure(withMac(seq(seq(int(1), mac20), salt, count)), 'pw')).toEqual(malformedMac);
    // The salt or the iteration count of the wrong type.
    expect(await failure(withMac(seq(digestInfo, int(5), count)), 'pw')).toEqual(malformedMac);
    expect(await failure(withMac(seq(digestInfo, salt, octets(SALT))), 'pw')).toEqual(malformedMac);
  });

  it('names a MAC algorithm it cannot check', async () => {
    const mac = (alg: string) => seq(seq(seq(oid(alg), NULL), mac20), octets(SALT), int(2));
    const cannot = (what: string) => ({
      problem: 'unsupported',
      message: `x.pfx protects its integrity with ${what}, which mxray cannot check: export it again with a SHA-256 MAC (OpenSSL 3's default)`,
    });
    expect(await failure(withMac(mac(O.pbmac1)), 'pw')).toEqual(cannot('PBMAC1 (RFC 9579)'));
    expect(await failure(withMac(mac(O.unknown)), 'pw')).toEqual(cannot('1.2.3.4'));
  });
});

describe('PKCS#12: the parts of the AuthenticatedSafe', () => {
  const bags = () => safe(certBag(leaf.der));
  const malformedPart = damaged('has a malformed part');
  const malformedEncrypted = damaged('has a malformed encrypted part');
  const encryptedWith = (body: Buffer, alg = pbes2Alg()) => seq(encryptedPart(alg, body));
  const ciphertext = () => pbes2Encrypt(bags(), 'pw');

  it('refuses an AuthenticatedSafe that is empty, no SEQUENCE, or a SET', async () => {
    for (const content of [Buffer.alloc(0), int(0), tlv(0x31, dataPart(bags()))]) expect(await failure(pfx(content))).toEqual(damaged('is malformed'));
  });

  it('refuses a part of the wrong shape', async () => {
    expect(await failure(pfx(seq(int(1))))).toEqual(malformedPart);
    expect(await failure(pfx(seq(tlv(0x31, oid(O.data), ctx0(octets(bags()))))))).toEqual(malformedPart);
    expect(await failure(pfx(seq(seq(oid(O.data)))))).toEqual(malformedPart);
    expect(await failure(pfx(seq(seq(oid(O.data), ctx0(octets(bags()), octets(bags()))))))).toEqual(malformedPart);
    // Data whose content is an INTEGER, or a constructed OCTET STRING of something else.
    expect(await failure(pfx(seq(seq(oid(O.data), ctx0(tlv(0x02, bags()))))))).toEqual(malformedPart);
    expect(await failure(pfx(seq(seq(oid(O.data), ctx0(tlv(0x24, int(1)))))))).toEqual(malformedPart);
  });

  it('reads a Data part in a constructed OCTET STRING', async () => {
    expect((await read(pfx(seq(seq(oid(O.data), ctx0(segmented(bags()))))))).certificates).toEqual([leaf.der]);
  });

  it('refuses an EncryptedData part of the wrong shape', async () => {
    const eci = (...kids: Buffer[]) => pfx(seq(seq(oid(O.encryptedData), ctx0(seq(int(0), seq(...kids))))));
    // Not a SEQUENCE (a SET holding a good one's parts), an OCTET STRING, a version alone.
    const good = seq(int(0), seq(oid(O.data), pbes2Alg(), tlv(0x80, ciphertext())));
    const part = (explicit: Buffer) => pfx(seq(seq(oid(O.encryptedData), ctx0(explicit))));
    expect(await failure(part(retag(0x31, good)), 'pw')).toEqual(malformedEncrypted);
    expect(await failure(part(octets(good)), 'pw')).toEqual(malformedEncrypted);
    expect(await failure(part(seq(int(0))), 'pw')).toEqual(malformedEncrypted);
    expect(await failure(part(seq(int(0), int(1))), 'pw')).toEqual(malformedEncrypted);
    // The EncryptedContentInfo: no content, content as an OCTET STRING, no algorithm.
    expect(await failure(eci(oid(O.data), pbes2Alg()), 'pw')).toEqual(malformedEncrypted);
    expect(await failure(eci(oid(O.data), pbes2Alg(), octets(ciphertext())), 'pw')).toEqual(malformedEncrypted);
    expect(await failure(eci(oid(O.data), int(1), tlv(0x80, ciphertext())), 'pw')).toEqual(malformedEncrypted);
  });

  it('reads encrypted content in a constructed [0] (BER segments)', async () => {
    const got = await read(pfx(encryptedWith(segmented(ciphertext(), 0xa0))), 'pw');
    expect(got.certificates).toEqual([leaf.der]);
    expect(got.notes).toEqual([NO_MAC, 'its certificates are encrypted with PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 2 iterations']);
  });

  it('refuses a part encrypted to a public key, and one of an unknown type, naming it', async () => {
    expect(await failure(pfx(seq(seq(oid(O.envelopedData), ctx0(seq(int(0)))))))).toEqual({
      problem: 'unsupported',
      message: 'x.pfx is PKCS#12 encrypted to a public key (public-key privacy mode), which mxray cannot read: export it again with a password',
    });
    expect(await failure(pfx(seq(seq(oid(O.unknown), ctx0(octets(bags()))))))).toEqual(damaged('has a part of unknown type 1.2.3.4'));
    expect(await failure(pfx(seq(seq(int(1), ctx0(octets(bags()))))))).toEqual(damaged('has a part of unknown type ?'));
  });
});

describe('PKCS#12: the bags', () => {
  const read1 = (bags: Buffer) => read(pfx(seq(dataPart(bags))));
  const fail1 = (bags: Buffer) => failure(pfx(seq(dataPart(bags))));
  /** The same bags in a part encrypted under "pw". */
  const failEncrypted = (bags: Buffer) => failure(pfx(seq(pbes2Part(bags))), 'pw');
  const wrongPassword = { problem: 'wrong-password', message: 'wrong password for x.pfx (or the file is damaged)' };
  const badList = damaged('has a malformed list of bags');
  const badBag = damaged('has a malformed bag');
  const badCertBag = damaged('has a malformed certificate bag');
  const cert = () => certBag(leaf.der);

  it('refuses a list of bags that is empty, a SET, or followed by other bytes', async () => {
    expect(await fail1(Buffer.alloc(0))).toEqual(badList);
    expect(await fail1(tlv(0x31, cert()))).toEqual(badList);
    expect(await fail1(Buffer.concat([safe(cert()), Buffer.from([0])]))).toEqual(badList);
  });

  it('takes a list of bags that does not read after decryption for a wrong password', async () => {
    expect(await failEncrypted(tlv(0x31))).toEqual(wrongPassword);
  });

  it('stops at the element budget inside the bags', async () => {
    const wide = Buffer.concat([Buffer.from([0x30, 0x80]), Buffer.alloc(400_000).fill(NULL), Buffer.from([0, 0])]);
    expect(await fail1(safe(wide))).toEqual({
      problem: 'too-much-work',
      message: `x.pfx holds more than 200000 ASN.1 elements or nests them deeper than 32: not a certificate file mxray reads; ${FORMATS}`,
    });
  });

  it('refuses a bag of the wrong shape (a wrong password when it was encrypted)', async () => {
    const shapes = [
      int(1),
      retag(0x31, cert()),
      seq(oid(O.certBag)),
      seq(oid(O.certBag), ctx0(seq(), seq())),
      seq(int(1), ctx0(seq())),
    ];
    for (const bag of shapes) {
      expect(await fail1(safe(bag))).toEqual(badBag);
      expect(await failEncrypted(safe(bag))).toEqual(wrongPassword);
    }
  });

  it('skips a certificate bag that is not X.509, and says so', async () => {
    const sdsi = seq(oid(O.certBag), ctx0(seq(oid(O.sdsi), ctx0(octets(leaf.der)))));
    // A SET holding a good X.509 certificate bag's parts, and an OCTET STRING: neither is read as X.509.
    const setBag = seq(oid(O.certBag), ctx0(tlv(0x31, oid(O.x509), ctx0(octets(inter.cert.der)))));
    const octetBag = seq(oid(O.certBag), ctx0(octets(inter.cert.der)));
    for (const other of [sdsi, setBag, octetBag]) {
      const got = await read1(safe(other, cert()));
      expect(got.certificates).toEqual([leaf.der]);
      expect(got.notes).toEqual([NO_MAC, 'a certificate bag that is not X.509 (SDSI?) was skipped', PLAIN_CERTS]);
    }
  });

  it('refuses an X.509 certificate bag without its certificate', async () => {
    const x509Bag = (...kids: Buffer[]) => safe(seq(oid(O.certBag), ctx0(seq(oid(O.x509), ...kids))));
    expect(await fail1(x509Bag())).toEqual(badCertBag);
    expect(await fail1(x509Bag(ctx0()))).toEqual(badCertBag);
    expect(await fail1(x509Bag(ctx0(octets(leaf.der), octets(leaf.der))))).toEqual(badCertBag);
    expect(await fail1(x509Bag(ctx0(tlv(0x02, leaf.der))))).toEqual(badCertBag);
  });

  it('reads a certificate in a constructed OCTET STRING', async () => {
    const got = await read1(safe(seq(oid(O.certBag), ctx0(seq(oid(O.x509), ctx0(segmented(leaf.der)))))));
    expect(got.certificates).toEqual([leaf.der]);
  });

  it('refuses more than 1000 certificates', async () => {
    expect(await fail1(safe(...Array<Buffer>(1001).fill(cert())))).toEqual({
      problem: 'too-many',
      message: 'x.pfx holds more than 1000 certificates: give a file with the certificate and its chain only',
    });
  });

  it('reads a key bag, and says whether its part was encrypted', async () => {
    const keyBag = seq(oid(O.keyBag), ctx0(leafKey));
    const plain = await read1(safe(cert(), keyBag));
    expect(keyMatchesCertificate(plain.privateKeys[0] as never, leaf.der)).toBe(true);
    expect(plain.notes).toEqual([NO_MAC, 'its private key is not encrypted', PLAIN_CERTS, 'a private key (PKCS#8, EC P-256) is in the file too']);
    const encrypted = await read(pfx(seq(pbes2Part(safe(cert(), keyBag)))), 'pw');
    const scheme = 'PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 2 iterations';
    expect(encrypted.notes).toEqual([NO_MAC, `its private key is encrypted with ${scheme}`, `its certificates are encrypted with ${scheme}`, 'a private key (PKCS#8, EC P-256) is in the file too']);
  });

  it('refuses a key bag that is no key, and a malformed shrouded key bag', async () => {
    expect(await fail1(safe(cert(), seq(oid(O.keyBag), ctx0(seq(int(0))))))).toEqual(damaged('has a private key that cannot be read'));
    expect(await fail1(safe(cert(), seq(oid(O.shroudedKeyBag), ctx0(seq()))))).toEqual(damaged('has a malformed encrypted private key'));
  });

  it('reads SafeContents nested four deep, not five', async () => {
    const nest = (levels: number): Buffer => (levels === 0 ? safe(cert()) : safe(seq(oid(O.safeContentsBag), ctx0(nest(levels - 1)))));
    const got = await read1(nest(4));
    expect(got.certificates).toEqual([leaf.der]);
    expect(got.notes).toEqual([NO_MAC, PLAIN_CERTS]);
    expect(await fail1(nest(5))).toEqual(damaged('nests bags deeper than 4 levels'));
  });

  it('skips CRL, secret and unknown bags, naming each', async () => {
    const bag = (type: string) => seq(oid(type), ctx0(seq()));
    const got = await read1(safe(bag(O.crlBag), bag(O.secretBag), bag(O.unknown), cert()));
    expect(got.certificates).toEqual([leaf.der]);
    expect(got.notes).toEqual([NO_MAC, 'a CRL in the PFX was skipped', 'a secret in the PFX was skipped', 'a bag of unknown type 1.2.3.4 was skipped', PLAIN_CERTS]);
  });
});

describe('PKCS#12: the key-derivation budget', () => {
  const tooMuch = { problem: 'too-much-work', message: `x.pfx needs more than ${MAX_KDF_WORK} key-derivation rounds in all: export it again with fewer iterations (OpenSSL's default is 2048)` };

  it('reads a file whose derivations use the whole budget, not a round more', async () => {
    // PBES2 with HMAC-SHA-256 for a 32-byte key: one block per iteration, so four parts of MAX_KDF_ITERATIONS are MAX_KDF_WORK.
    expect(4 * MAX_KDF_ITERATIONS).toBe(MAX_KDF_WORK);
    const got = await read(pfx(seq(heavyPart, heavyPart, heavyPart, heavyPart)), 'x');
    expect(got.certificates).toEqual([leaf.der, leaf.der, leaf.der, leaf.der]);
  }, 30_000);

  it('charges a legacy triple-DES part three blocks an iteration (a 24-byte key, then the IV), before deriving', async () => {
    // 1 000 001 rounds of PBES2, then 3 × 1 000 000 for the legacy part: one over the budget (one block an iteration would fit).
    const small = pbes2Part(safe(certBag(leaf.der)), 'x', { iterations: 1 });
    const legacy = encryptedPart(legacyAlg(MAX_KDF_ITERATIONS), tlv(0x80, Buffer.alloc(16)));
    expect(await failure(pfx(seq(heavyPart, small, legacy)), 'x')).toEqual(tooMuch);
  }, 30_000);
});

describe('keyMatchesCertificate and pickLeaf: keys and certificates that do not read', () => {
  const ecKey = () => createPrivateKey(leaf.keyPem);
  const secret = () => createSecretKey(Buffer.alloc(32, 1));
  /** The leaf with its public key's algorithm OID changed: Node parses it, its key does not load. */
  const oddKey = () => {
    const der = Buffer.from(leaf.der);
    const at = der.indexOf(Buffer.from('06072a8648ce3d0201', 'hex'));
    der[at + 8] = 0x7f;
    return der;
  };
  /** The leaf re-encoded with an indefinite outer length: OpenSSL reads it, the DER name reader does not. */
  const indefinite = () => {
    const header = (leaf.der[1] as number) < 0x80 ? 2 : 2 + ((leaf.der[1] as number) & 0x7f);
    return Buffer.concat([Buffer.from([0x30, 0x80]), leaf.der.subarray(header), Buffer.from([0, 0])]);
  };

  it('keyMatchesCertificate is false for a certificate that does not read, and for a key with no public part', () => {
    expect(keyMatchesCertificate(ecKey(), Buffer.from('not a certificate'))).toBe(false);
    expect(keyMatchesCertificate(secret(), leaf.der)).toBe(false);
    expect(keyMatchesCertificate(ecKey(), oddKey())).toBe(false);
    expect(keyMatchesCertificate(ecKey(), leaf.der)).toBe(true);
  });

  it('pickLeaf passes over a key with no public part', () => {
    expect(pickLeaf([leaf.der, root.cert.der], [secret()])).toEqual({
      index: 0,
      why: 'no certificate matches the private key in the file; certificate 1 is not a CA and issued none of the others (the end entity)',
    });
  });

  it('pickLeaf passes over a certificate whose key does not load', () => {
    expect(() => new X509Certificate(oddKey()).publicKey).toThrow();
    expect(pickLeaf([oddKey(), leaf.der], [ecKey()])).toEqual({ index: 1, why: 'certificate 2 matches the private key in the file' });
  });

  it('pickLeaf passes over a certificate that does not parse, and one whose names do not read', () => {
    expect(pickLeaf([Buffer.from('not a certificate'), leaf.der], [])).toEqual({ index: 1, why: 'certificate 2 is not a CA and issued none of the others (the end entity)' });
    expect(readCertificateNames(indefinite())).toBe(null);
    expect(new X509Certificate(indefinite()).subject).toBe(new X509Certificate(leaf.der).subject);
    expect(pickLeaf([indefinite(), inter.cert.der], [])).toEqual({ index: 0, why: 'certificate 1 is not a CA and issued none of the others (the end entity)' });
  });

  it('pickLeaf refuses an empty list with its message', () => {
    expect(() => pickLeaf([], [])).toThrowError(/^pickLeaf: no certificates$/);
  });

  it('pickLeaf says "issued" alone for CAs', () => {
    expect(pickLeaf([root.cert.der, inter.cert.der], [])).toEqual({ index: 1, why: 'certificate 2 issued none of the others (the end entity)' });
  });
});

describe('pickLeaf: issuers found by name', () => {
  const generate = async () => (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ecdsa = { name: 'ECDSA', hash: 'SHA-256' };
  const validity = { notBefore: new Date(NOW - 86_400_000), notAfter: new Date(NOW + 86_400_000) };
  /** A CA certificate named `name` (issuer and subject), its key `own`, signed by another key: it issued nothing here. */
  const strayCa = async (name: Buffer) => {
    const [own, other] = [await generate(), await generate()];
    const cert = await x509.X509CertificateGenerator.create({
      subject: new x509.Name(name),
      issuer: new x509.Name(name),
      publicKey: own.publicKey,
      signingKey: other.privateKey,
      signingAlgorithm: ecdsa,
      ...validity,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    return Buffer.from(cert.rawData);
  };
  const subjectOf = (der: Buffer) => readCertificateNames(der)?.subject as Buffer;
  const list = (n: number, skip?: number) => Array.from({ length: n }, (_, i) => i + 1).filter((i) => i !== skip).join(', ');

  it('finds the issuer among the certificates of its name, not among the first eight of the file', async () => {
    const stray = await strayCa(subjectOf(inter.cert.der));
    // Eight CAs named like the intermediate, then the root, then the intermediate the root issued.
    expect(pickLeaf([...Array<Buffer>(8).fill(stray), root.cert.der, inter.cert.der], [])).toEqual({
      index: 0,
      why: `certificates ${list(10, 9)} issued none of the others; the first, certificate 1, was taken`,
    });
  });

  it('tries the first eight certificates of the issuer name, all of them', async () => {
    const stray = await strayCa(subjectOf(root.cert.der));
    // Seven CAs named like the root, then the root (the eighth of that name), then the intermediate.
    expect(pickLeaf([...Array<Buffer>(7).fill(stray), root.cert.der, inter.cert.der], [])).toEqual({
      index: 0,
      why: `certificates ${list(9, 8)} issued none of the others; the first, certificate 1, was taken`,
    });
  });

  it('matches names as RFC 5280 compares them (case aside), not byte for byte', async () => {
    const rootKey = await webcrypto.subtle.importKey('pkcs8', createPrivateKey(root.cert.keyPem).export({ type: 'pkcs8', format: 'der' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const own = await generate();
    const lower = new x509.Name(new x509.Name(subjectOf(root.cert.der)).toString().replace(/=[^,+]*/g, (value) => value.toLowerCase()));
    const child = Buffer.from(
      (
        await x509.X509CertificateGenerator.create({
          subject: 'CN=B Lower Intermediate',
          issuer: lower,
          publicKey: own.publicKey,
          signingKey: rootKey,
          signingAlgorithm: ecdsa,
          ...validity,
          extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
        })
      ).rawData,
    );
    expect(readCertificateNames(child)?.issuer.equals(subjectOf(root.cert.der))).toBe(false);
    expect(new X509Certificate(child).checkIssued(new X509Certificate(root.cert.der))).toBe(true);
    expect(pickLeaf([root.cert.der, child], [])).toEqual({ index: 1, why: 'certificate 2 issued none of the others (the end entity)' });
  });

  it('takes the first certificate when each issued another (cross-signed CAs)', async () => {
    const [a, b] = [await generate(), await generate()];
    const make = async (subject: string, issuer: string, publicKey: webcrypto.CryptoKey, signingKey: webcrypto.CryptoKey) =>
      Buffer.from(
        (
          await x509.X509CertificateGenerator.create({ subject, issuer, publicKey, signingKey, signingAlgorithm: ecdsa, ...validity, extensions: [new x509.BasicConstraintsExtension(true, undefined, true)] })
        ).rawData,
      );
    const certA = await make('CN=B Cross A', 'CN=B Cross B', a.publicKey, b.privateKey);
    const certB = await make('CN=B Cross B', 'CN=B Cross A', b.publicKey, a.privateKey);
    expect(pickLeaf([certA, certB], [])).toEqual({ index: 0, why: 'every certificate issued another one in the file; the first was taken' });
    expect(pickLeaf([certA, certB], [createPrivateKey(leaf.keyPem)])).toEqual({
      index: 0,
      why: 'no certificate matches the private key in the file; every certificate issued another one in the file; the first was taken',
    });
  });
});
