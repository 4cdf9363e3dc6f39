import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, createSelfSigned, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import {
  canonicalName,
  describeSignatureAlgorithm,
  firstElementLength,
  readCertificateNames,
  readSignatureAlgorithm,
  signatureAlgorithmName,
  signatureAlgorithmOid,
  signatureHash,
  signatureHashOfName,
} from '../../../src/pki/der.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

// Tiny DER writer for hand-made structures.
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const out: number[] = [];
  const push = (v: bigint): void => {
    const bytes = [Number(v & 0x7fn)];
    for (let x = v >> 7n; x > 0n; x >>= 7n) bytes.unshift(Number(x & 0x7fn) | 0x80);
    out.push(...bytes);
  };
  push((arcs[0] as bigint) * 40n + (arcs[1] as bigint));
  for (const a of arcs.slice(2)) push(a);
  return tlv(0x06, Buffer.from(out));
}
const NULL = Buffer.from([0x05, 0x00]);
/** A structurally valid "Certificate" with an empty tbs and the given AlgorithmIdentifier. */
function fakeCert(algorithm: Buffer): Buffer {
  return tlv(0x30, tlv(0x30), algorithm, tlv(0x03, Buffer.from([0x00, 0x01])));
}
function name(...rdns: [string, number, string][]): Buffer {
  return tlv(0x30, ...rdns.map(([o, tag, v]) => tlv(0x31, tlv(0x30, oid(o), tlv(tag, Buffer.from(v, 'utf8'))))));
}

let root: TestCa;
let ecLeaf: IssuedCert;
let ecSha1Leaf: IssuedCert;
let rsaSelf: IssuedCert;

beforeAll(async () => {
  root = await createRootCa('DER Test Root', NOW);
  ecLeaf = await root.issue({ commonName: 'mx.example.test' });
  ecSha1Leaf = await root.issue({ commonName: 'old.example.test', signatureHash: 'SHA-1' });
  rsaSelf = await createSelfSigned({ commonName: 'rsa.example.test', key: 'rsa2048' }, NOW);
});

describe('signatureAlgorithmOid', () => {
  it('reads the outer signature algorithm of real certificates', () => {
    expect(signatureAlgorithmOid(root.cert.der)).toBe('1.2.840.10045.4.3.2');
    expect(signatureAlgorithmOid(ecLeaf.der)).toBe('1.2.840.10045.4.3.2');
    expect(signatureAlgorithmOid(ecSha1Leaf.der)).toBe('1.2.840.10045.4.1');
    expect(signatureAlgorithmOid(rsaSelf.der)).toBe('1.2.840.113549.1.1.11');
  });

  it('knows the algorithm of every root Node bundles', () => {
    for (const pem of rootCertificates) {
      const der = new X509Certificate(pem).raw;
      const found = signatureAlgorithmOid(der);
      expect(found).not.toBeNull();
      expect(signatureAlgorithmName(found as string)).not.toBe(found);
    }
  });

  it('returns null for things that are not certificates', () => {
    expect(signatureAlgorithmOid(Buffer.alloc(0))).toBeNull();
    expect(signatureAlgorithmOid(Buffer.from([0x30]))).toBeNull();
    expect(signatureAlgorithmOid(Buffer.from([0x30, 0x80, 0x00, 0x00]))).toBeNull(); // indefinite length
    expect(signatureAlgorithmOid(Buffer.from([0x30, 0x85, 1, 0, 0, 0, 0]))).toBeNull(); // 5 length bytes
    expect(signatureAlgorithmOid(Buffer.from('not a certificate'))).toBeNull();
    expect(signatureAlgorithmOid(tlv(0x30, tlv(0x30), tlv(0x30, oid('1.2.3'))))).toBeNull(); // two parts only
    expect(signatureAlgorithmOid(fakeCert(tlv(0x30, tlv(0x02, Buffer.from([1])))))).toBeNull(); // not an OID
    expect(signatureAlgorithmOid('x' as unknown as Buffer)).toBeNull();
  });

  it('rejects OIDs that are not valid DER', () => {
    // A sub-identifier starting with 0x80 (non-minimal) and one cut off mid-way.
    expect(signatureAlgorithmOid(fakeCert(tlv(0x30, tlv(0x06, Buffer.from([0x2a, 0x80, 0x01])))))).toBeNull();
    expect(signatureAlgorithmOid(fakeCert(tlv(0x30, tlv(0x06, Buffer.from([0x2a, 0x86])))))).toBeNull();
    expect(signatureAlgorithmOid(fakeCert(tlv(0x30, tlv(0x06, Buffer.alloc(0)))))).toBeNull();
  });

  it('decodes large arcs and the joint-iso-itu-t arc', () => {
    const big = '2.25.329800735698586629295641978511506172918';
    expect(signatureAlgorithmOid(fakeCert(tlv(0x30, oid(big))))).toBe(big);
    expect(signatureAlgorithmOid(fakeCert(tlv(0x30, oid('2.999.3'))))).toBe('2.999.3');
    expect(signatureAlgorithmOid(fakeCert(tlv(0x30, oid('0.9.2342'))))).toBe('0.9.2342');
  });

  it('returns null for every truncation of a real certificate', () => {
    for (let n = 0; n < ecLeaf.der.length; n++) expect(signatureAlgorithmOid(ecLeaf.der.subarray(0, n))).toBeNull();
  });
});

describe('fuzzing: the reader never throws', () => {
  const all = (bytes: Uint8Array): void => {
    const buf = Buffer.from(bytes);
    const o = signatureAlgorithmOid(buf);
    expect(o === null || typeof o === 'string').toBe(true);
    readSignatureAlgorithm(buf);
    readCertificateNames(buf);
    canonicalName(buf);
    firstElementLength(buf);
    describeSignatureAlgorithm(buf);
    signatureHash('1.2.840.113549.1.1.10', buf);
  };

  it('on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), all), { numRuns: 2000 });
  });

  it('on random bytes behind a SEQUENCE header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => all(tlv(0x30, Buffer.from(bytes)))),
      { numRuns: 1000 },
    );
  });

  it('on truncated and mutated real certificates', () => {
    const der = ecLeaf.der;
    fc.assert(
      fc.property(
        fc.nat({ max: der.length }),
        fc.array(fc.tuple(fc.nat({ max: der.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (cut, edits) => {
          const copy = Buffer.from(der);
          for (const [at, value] of edits) copy[at] = value;
          all(copy);
          all(copy.subarray(0, cut));
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('signature algorithm names and hashes', () => {
  it('names the common algorithms', () => {
    const table: [string, string, string | null][] = [
      ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption', 'md2'],
      ['1.2.840.113549.1.1.3', 'md4WithRSAEncryption', 'md4'],
      ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption', 'md5'],
      ['1.2.840.113549.1.1.5', 'sha1WithRSAEncryption', 'sha1'],
      ['1.2.840.113549.1.1.14', 'sha224WithRSAEncryption', 'sha224'],
      ['1.2.840.113549.1.1.11', 'sha256WithRSAEncryption', 'sha256'],
      ['1.2.840.113549.1.1.12', 'sha384WithRSAEncryption', 'sha384'],
      ['1.2.840.113549.1.1.13', 'sha512WithRSAEncryption', 'sha512'],
      ['1.2.840.113549.1.1.10', 'RSASSA-PSS', null],
      ['1.2.840.10045.4.1', 'ecdsa-with-SHA1', 'sha1'],
      ['1.2.840.10045.4.3.1', 'ecdsa-with-SHA224', 'sha224'],
      ['1.2.840.10045.4.3.2', 'ecdsa-with-SHA256', 'sha256'],
      ['1.2.840.10045.4.3.3', 'ecdsa-with-SHA384', 'sha384'],
      ['1.2.840.10045.4.3.4', 'ecdsa-with-SHA512', 'sha512'],
      ['1.2.840.10040.4.3', 'dsa-with-sha1', 'sha1'],
      ['2.16.840.1.101.3.4.3.2', 'dsa-with-sha256', 'sha256'],
      ['1.3.101.112', 'Ed25519', null],
      ['1.3.101.113', 'Ed448', null],
    ];
    for (const [o, n, h] of table) {
      expect(signatureAlgorithmName(o)).toBe(n);
      expect(signatureHash(o)).toBe(h);
      if (h !== null) expect(signatureHashOfName(n)).toBe(h);
    }
    expect(signatureAlgorithmName('1.2.3.4')).toBe('1.2.3.4');
    expect(signatureHash('1.2.3.4')).toBeNull();
    expect(signatureHashOfName('1.2.3.4')).toBeNull();
  });

  it('reads the hash of RSASSA-PSS from its parameters', () => {
    const pss = '1.2.840.113549.1.1.10';
    const sha256Params = tlv(0x30, tlv(0xa0, tlv(0x30, oid('2.16.840.1.101.3.4.2.1'), NULL)));
    const cert = fakeCert(tlv(0x30, oid(pss), sha256Params));
    const alg = readSignatureAlgorithm(cert);
    expect(alg?.oid).toBe(pss);
    expect(alg?.params?.equals(sha256Params)).toBe(true);
    expect(signatureHash(pss, alg?.params ?? null)).toBe('sha256');
    expect(describeSignatureAlgorithm(cert)).toEqual({ oid: pss, name: 'RSASSA-PSS (sha256)', hash: 'sha256' });
    expect(signatureHashOfName('RSASSA-PSS (sha256)')).toBe('sha256');
    // Absent hashAlgorithm means the default, SHA-1.
    expect(signatureHash(pss, tlv(0x30))).toBe('sha1');
    // No parameters, or unreadable ones: unknown.
    expect(signatureHash(pss)).toBeNull();
    expect(signatureHash(pss, NULL)).toBeNull();
    expect(describeSignatureAlgorithm(fakeCert(tlv(0x30, oid(pss))))).toEqual({ oid: pss, name: 'RSASSA-PSS', hash: null });
  });

  it('describes an unreadable certificate as unknown', () => {
    expect(describeSignatureAlgorithm(Buffer.from([1, 2, 3]))).toEqual({ oid: null, name: 'unknown', hash: null });
  });
});

describe('names', () => {
  it('reads the raw issuer and subject names', () => {
    const leaf = readCertificateNames(ecLeaf.der);
    const ca = readCertificateNames(root.cert.der);
    expect(leaf).not.toBeNull();
    expect(ca).not.toBeNull();
    expect(leaf?.issuer.equals(ca?.subject as Buffer)).toBe(true);
    expect(ca?.issuer.equals(ca.subject)).toBe(true);
    expect(leaf?.subject.equals(leaf.issuer)).toBe(false);
  });

  it('gives the same canonical key whatever the string type, case or spacing', () => {
    const cn = '2.5.4.3';
    const o = '2.5.4.10';
    const a = name([o, 0x13, 'Example CA'], [cn, 0x13, 'Example  Root ']);
    const b = name([o, 0x0c, 'example ca'], [cn, 0x0c, 'EXAMPLE Root']);
    const bmp = tlv(0x30, tlv(0x31, tlv(0x30, oid(o), tlv(0x1e, Buffer.from('\0E\0x\0a\0m\0p\0l\0e\0 \0C\0A', 'latin1')))), tlv(0x31, tlv(0x30, oid(cn), tlv(0x13, Buffer.from('example root')))));
    const other = name([o, 0x13, 'Example CA'], [cn, 0x13, 'Another Root']);
    expect(canonicalName(a)).not.toBeNull();
    expect(canonicalName(a)).toBe(canonicalName(b));
    expect(canonicalName(a)).toBe(canonicalName(bmp));
    expect(canonicalName(a)).not.toBe(canonicalName(other));
    expect(canonicalName(tlv(0x30))).toBe('[]');
    expect(canonicalName(tlv(0x31))).toBeNull();
  });

  it('reports the length of the first element', () => {
    expect(firstElementLength(Buffer.concat([ecLeaf.der, Buffer.from([0xde, 0xad])]))).toBe(ecLeaf.der.length);
    expect(firstElementLength(Buffer.alloc(1))).toBeNull();
  });
});
