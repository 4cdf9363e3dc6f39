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
      ['2.16.840.1.101.3.4.3.1', 'dsa-with-sha224', 'sha224'],
      ['2.16.840.1.101.3.4.3.2', 'dsa-with-sha256', 'sha256'],
      ['1.3.14.3.2.29', 'sha1WithRSAEncryption', 'sha1'],
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
    const digests: [string, string][] = [
      ['1.2.840.113549.2.2', 'md2'],
      ['1.2.840.113549.2.4', 'md4'],
      ['1.2.840.113549.2.5', 'md5'],
      ['1.3.14.3.2.26', 'sha1'],
      ['2.16.840.1.101.3.4.2.4', 'sha224'],
      ['2.16.840.1.101.3.4.2.1', 'sha256'],
      ['2.16.840.1.101.3.4.2.2', 'sha384'],
      ['2.16.840.1.101.3.4.2.3', 'sha512'],
    ];
    for (const [o, h] of digests) expect(signatureHash(pss, tlv(0x30, tlv(0xa0, tlv(0x30, oid(o), NULL))))).toBe(h);
    // Absent hashAlgorithm means the default, SHA-1.
    expect(signatureHash(pss, tlv(0x30))).toBe('sha1');
    // No parameters, or unreadable ones: unknown.
    expect(signatureHash(pss)).toBeNull();
    expect(signatureHash(pss, NULL)).toBeNull();
    expect(signatureHash(pss, Buffer.alloc(0))).toBeNull();
    expect(signatureHash(pss, tlv(0x30, tlv(0xa2, tlv(0x02, Buffer.from([32])))))).toBe('sha1'); // other fields only
    expect(signatureHash(pss, tlv(0x30, tlv(0xa0, NULL)))).toBeNull();
    expect(signatureHash(pss, tlv(0x30, tlv(0xa0, tlv(0x30))))).toBeNull();
    expect(signatureHash(pss, tlv(0x30, tlv(0xa0)))).toBeNull();
    expect(signatureHash(pss, tlv(0x30, tlv(0xa0, tlv(0x31, oid('2.16.840.1.101.3.4.2.1')))))).toBeNull();
    expect(signatureHash(pss, tlv(0x30, tlv(0xa0, tlv(0x30, oid('1.2.3.4')))))).toBeNull();
    expect(signatureHash(pss, tlv(0x30, tlv(0xa2, tlv(0x02, Buffer.from([32]))), Buffer.from([0x30])))).toBeNull();
    const sha384 = tlv(0xa0, tlv(0x30, oid('2.16.840.1.101.3.4.2.2')));
    const field = tlv(0xa2, tlv(0x02, Buffer.from([32])));
    expect(signatureHash(pss, tlv(0x30, sha384, field, field, field))).toBe('sha384');
    expect(signatureHash(pss, tlv(0x30, sha384, field, field, field, field))).toBeNull();
    expect(describeSignatureAlgorithm(fakeCert(tlv(0x30, oid(pss), tlv(0x30, tlv(0xa0, tlv(0x30, oid('1.2.3.4')))))))).toEqual({
      oid: pss,
      name: 'RSASSA-PSS',
      hash: null,
    });
    expect(describeSignatureAlgorithm(fakeCert(tlv(0x30, oid(pss))))).toEqual({ oid: pss, name: 'RSASSA-PSS', hash: null });
  });

  it('reads the hash back from a name, whatever its case', () => {
    expect(signatureHashOfName('ECDSA-WITH-SHA384')).toBe('sha384');
    expect(signatureHashOfName('sha1withrsaencryption')).toBe('sha1');
    expect(signatureHashOfName('Ed25519')).toBeNull();
    expect(signatureHashOfName('RSASSA-PSS')).toBeNull();
    for (const h of ['md2', 'md4', 'md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']) expect(signatureHashOfName(`RSASSA-PSS (${h})`)).toBe(h);
    expect(signatureHashOfName('RSASSA-PSS (sha3)')).toBeNull();
    expect(signatureHashOfName('RSASSA-PSS (sha256) ')).toBeNull();
    expect(signatureHashOfName(' RSASSA-PSS (sha256)')).toBeNull();
    expect(signatureHashOfName('xRSASSA-PSS (sha256)')).toBeNull();
    expect(signatureHashOfName('RSASSA-PSS (sha256)x')).toBeNull();
    expect(signatureHashOfName('RSASSA-PSS ()')).toBeNull();
    expect(signatureHashOfName('unknown')).toBeNull();
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

describe('reading a TLV header (firstElementLength)', () => {
  const bytes = (...b: number[]) => Buffer.from(b);

  it('reads short and long lengths, up to four length bytes', () => {
    expect(firstElementLength(bytes(0x30, 0x00))).toBe(2);
    expect(firstElementLength(bytes(0x04, 0x02, 0xaa, 0xbb, 0xcc))).toBe(4);
    expect(firstElementLength(Buffer.concat([bytes(0x30, 0x81, 0x80), Buffer.alloc(0x80)]))).toBe(3 + 0x80);
    expect(firstElementLength(Buffer.concat([bytes(0x30, 0x82, 0x01, 0x02), Buffer.alloc(0x102)]))).toBe(4 + 0x102);
    expect(firstElementLength(Buffer.concat([bytes(0x30, 0x83, 0x01, 0x00, 0x01), Buffer.alloc(0x10001)]))).toBe(5 + 0x10001);
    expect(firstElementLength(bytes(0x30, 0x84, 0x00, 0x00, 0x00, 0x01, 0xff))).toBe(7);
    // A long-form zero length (not minimal, but unambiguous) ends right after its length bytes.
    expect(firstElementLength(bytes(0x30, 0x81, 0x00))).toBe(3);
  });

  it('returns null for a header that is cut off, too long or not DER', () => {
    expect(firstElementLength(bytes(0x30))).toBeNull();
    expect(firstElementLength(bytes(0x30, 0x81))).toBeNull();
    expect(firstElementLength(bytes(0x30, 0x82, 0x01))).toBeNull();
    expect(firstElementLength(bytes(0x30, 0x02, 0x00))).toBeNull();
    expect(firstElementLength(Buffer.concat([bytes(0x30, 0x82, 0x01, 0x02), Buffer.alloc(0x101)]))).toBeNull();
    // Indefinite length, even with enough bytes behind it to pass for a length of 0x80.
    expect(firstElementLength(Buffer.concat([bytes(0x30, 0x80), Buffer.alloc(0x90)]))).toBeNull();
    expect(firstElementLength(bytes(0x30, 0x85, 0, 0, 0, 0, 1, 0))).toBeNull();
    // High-tag-number form.
    expect(firstElementLength(bytes(0x1f, 0x00))).toBeNull();
    expect(firstElementLength(bytes(0xbf, 0x00))).toBeNull();
    expect(firstElementLength('x' as unknown as Buffer)).toBeNull();
    expect(firstElementLength(null as unknown as Buffer)).toBeNull();
  });
});

describe('OBJECT IDENTIFIER decoding', () => {
  const read = (contents: Buffer) => signatureAlgorithmOid(fakeCert(tlv(0x30, tlv(0x06, contents))));

  it('splits the first sub-identifier into the first two arcs (X.690 8.19.4)', () => {
    expect(read(Buffer.from([39, 1]))).toBe('0.39.1');
    expect(read(Buffer.from([40, 1]))).toBe('1.0.1');
    expect(read(Buffer.from([79, 1]))).toBe('1.39.1');
    expect(read(Buffer.from([80, 1]))).toBe('2.0.1');
    expect(read(Buffer.from([0x81, 0x00]))).toBe('2.48');
  });

  it('reads OIDs up to 64 bytes and no longer', () => {
    expect(read(Buffer.concat([Buffer.from([0x2a]), Buffer.alloc(63, 0x01)]))).toBe(`1.2${'.1'.repeat(63)}`);
    expect(read(Buffer.concat([Buffer.from([0x2a]), Buffer.alloc(64, 0x01)]))).toBeNull();
  });

  it('accepts 0x80 inside a sub-identifier, only not at its start', () => {
    expect(read(Buffer.from([0x2a, 0x81, 0x80, 0x00]))).toBe('1.2.16384');
    expect(read(Buffer.from([0x2a, 0x81, 0x80, 0x80]))).toBeNull();
    expect(read(Buffer.from([0x80, 0x01]))).toBeNull();
  });
});

describe('certificate structure', () => {
  const alg = tlv(0x30, oid('1.2.840.10045.4.3.2'));
  const bits = tlv(0x03, Buffer.from([0x00, 0x01]));

  it('reads the outer signature algorithm only from a SEQUENCE of SEQUENCE, SEQUENCE and one more', () => {
    expect(signatureAlgorithmOid(tlv(0x30, tlv(0x30), alg, bits))).toBe('1.2.840.10045.4.3.2');
    expect(signatureAlgorithmOid(tlv(0x31, tlv(0x30), alg, bits))).toBeNull();
    expect(signatureAlgorithmOid(tlv(0x30, tlv(0x31), alg, bits))).toBeNull();
    expect(signatureAlgorithmOid(tlv(0x30, tlv(0x30), tlv(0x31, oid('1.2.840.10045.4.3.2')), bits))).toBeNull();
    expect(signatureAlgorithmOid(tlv(0x30, tlv(0x30), alg, bits, bits))).toBeNull();
    expect(signatureAlgorithmOid(tlv(0x30, tlv(0x30), alg, Buffer.from([0x03, 0x05, 0x00])))).toBeNull();
  });

  it('reads an AlgorithmIdentifier of an OID and at most one parameter', () => {
    expect(readSignatureAlgorithm(fakeCert(tlv(0x30, oid('1.2.3'))))).toEqual({ oid: '1.2.3', params: null });
    expect(readSignatureAlgorithm(fakeCert(tlv(0x30, oid('1.2.3'), NULL)))?.params?.equals(NULL)).toBe(true);
    expect(readSignatureAlgorithm(fakeCert(tlv(0x30)))).toBeNull();
    expect(readSignatureAlgorithm(fakeCert(tlv(0x30, oid('1.2.3'), NULL, NULL)))).toBeNull();
    const badOid = fakeCert(tlv(0x30, tlv(0x06, Buffer.from([0x2a, 0x86]))));
    expect(readSignatureAlgorithm(badOid)).toBeNull();
    expect(describeSignatureAlgorithm(badOid)).toEqual({ oid: null, name: 'unknown', hash: null });
    expect(readSignatureAlgorithm(undefined as unknown as Buffer)).toBeNull();
  });
});

describe('readCertificateNames', () => {
  const serial = tlv(0x02, Buffer.from([0x01]));
  const sigAlg = tlv(0x30, oid('1.2.840.10045.4.3.2'));
  const issuerName = name(['2.5.4.3', 0x0c, 'Issuer']);
  const subjectName = name(['2.5.4.3', 0x0c, 'Subject']);
  const validity = tlv(0x30, tlv(0x17, Buffer.from('260101000000Z')), tlv(0x17, Buffer.from('270101000000Z')));
  const spki = tlv(0x30, tlv(0x30, oid('1.2.840.10045.2.1')), tlv(0x03, Buffer.from([0x00])));
  const cert = (...tbs: Buffer[]) => tlv(0x30, tlv(0x30, ...tbs), sigAlg, tlv(0x03, Buffer.from([0x00, 0x01])));
  const read = (der: Buffer) => {
    const names = readCertificateNames(der);
    return names && { issuer: names.issuer.toString('hex'), subject: names.subject.toString('hex') };
  };
  const expected = { issuer: issuerName.toString('hex'), subject: subjectName.toString('hex') };

  it('reads the names of a v3 certificate (with [0] version) and of a v1 certificate (without)', () => {
    const version = tlv(0xa0, tlv(0x02, Buffer.from([0x02])));
    expect(read(cert(version, serial, sigAlg, issuerName, validity, subjectName, spki))).toEqual(expected);
    expect(read(cert(serial, sigAlg, issuerName, validity, subjectName, spki))).toEqual(expected);
  });

  it('returns null when a field is missing or of the wrong type', () => {
    expect(read(cert(serial, sigAlg, issuerName, validity))).toBeNull();
    expect(read(cert(NULL, sigAlg, issuerName, validity, subjectName, spki))).toBeNull();
    expect(read(cert(serial, NULL, issuerName, validity, subjectName, spki))).toBeNull();
    expect(read(cert(serial, sigAlg, tlv(0x31), validity, subjectName, spki))).toBeNull();
    expect(read(cert(serial, sigAlg, issuerName, NULL, subjectName, spki))).toBeNull();
    expect(read(cert(serial, sigAlg, issuerName, validity, tlv(0x31), spki))).toBeNull();
    expect(read(cert(serial, sigAlg, issuerName, validity, subjectName, Buffer.from([0x30, 0x05])))).toBeNull();
    expect(read(tlv(0x30, tlv(0x30), sigAlg))).toBeNull();
    expect(read(cert())).toBeNull();
    expect(readCertificateNames(null as unknown as Buffer)).toBeNull();
  });

  it('reads a tbsCertificate of up to 16 fields and no more', () => {
    const fields = [serial, sigAlg, issuerName, validity, subjectName, spki];
    expect(read(cert(...fields, ...Array<Buffer>(10).fill(NULL)))).toEqual(expected);
    expect(read(cert(...fields, ...Array<Buffer>(11).fill(NULL)))).toBeNull();
  });
});

describe('canonicalName', () => {
  const CN = '2.5.4.3';
  const O = '2.5.4.10';
  const one = (tag: number, value: Buffer, type = CN) => tlv(0x30, tlv(0x31, tlv(0x30, oid(type), tlv(tag, value))));
  const same = (a: Buffer, b: Buffer) => {
    const ka = canonicalName(a);
    expect(ka).not.toBeNull();
    return ka === canonicalName(b);
  };

  it('is the list of RDNs, each the sorted list of its "type=value" entries (nothing else)', () => {
    expect(canonicalName(name([CN, 0x0c, ' Example  Root ']))).toBe('[["2.5.4.3=example root"]]');
    expect(canonicalName(tlv(0x30, tlv(0x31, tlv(0x30, oid(O), tlv(0x0c, Buffer.from('B'))), tlv(0x30, oid(CN), tlv(0x0c, Buffer.from('A'))))))).toBe(
      '[["2.5.4.10=b","2.5.4.3=a"]]',
    );
  });

  it('decodes every directory string type to the same text', () => {
    const utf8 = name([CN, 0x0c, 'Example 123']);
    for (const tag of [0x12, 0x13, 0x14, 0x16, 0x1a]) expect(same(name([CN, tag, 'Example 123']), utf8)).toBe(true);
    expect(same(one(0x1e, Buffer.from('Example 123', 'utf16le').swap16()), utf8)).toBe(true);
    const ucs4 = Buffer.alloc(4 * 'Example 123'.length);
    [...'Example 123'].forEach((ch, i) => ucs4.writeUInt32BE(ch.codePointAt(0) as number, 4 * i));
    expect(same(one(0x1c, ucs4), utf8)).toBe(true);
  });

  it('reads T61String as Latin-1 and UniversalString beyond the BMP', () => {
    expect(same(one(0x14, Buffer.from([0x63, 0x61, 0x66, 0xe9])), name([CN, 0x0c, 'café']))).toBe(true);
    const astral = Buffer.alloc(4);
    astral.writeUInt32BE(0x1f600);
    expect(same(one(0x1c, astral), name([CN, 0x0c, '\u{1f600}']))).toBe(true);
    const last = Buffer.alloc(4);
    last.writeUInt32BE(0x10ffff);
    expect(same(one(0x1c, last), name([CN, 0x0c, '\u{10ffff}']))).toBe(true);
  });

  it('ignores case and surrounding white space, and collapses inner white space of any kind', () => {
    expect(same(name([CN, 0x0c, ' Example\t\n Root ']), name([CN, 0x13, 'example root']))).toBe(true);
    expect(same(name([CN, 0x0c, 'Example Root']), name([CN, 0x0c, 'ExampleRoot']))).toBe(false);
    // Case is folded to lower case: "ß" has no upper-case single letter, so it stays apart from "SS".
    expect(same(name([CN, 0x0c, 'Straße']), name([CN, 0x0c, 'STRASSE']))).toBe(false);
  });

  it('compares the attributes of a multi-valued RDN in any order, but keeps the order of RDNs', () => {
    const atv = (o: string, v: string) => tlv(0x30, oid(o), tlv(0x0c, Buffer.from(v)));
    const ab = tlv(0x30, tlv(0x31, atv(CN, 'a'), atv(O, 'b')));
    const ba = tlv(0x30, tlv(0x31, atv(O, 'b'), atv(CN, 'a')));
    expect(same(ab, ba)).toBe(true);
    expect(same(name([CN, 0x0c, 'a'], [O, 0x0c, 'b']), name([O, 0x0c, 'b'], [CN, 0x0c, 'a']))).toBe(false);
    expect(same(ab, name([CN, 0x0c, 'a'], [O, 0x0c, 'b']))).toBe(false);
    expect(same(name([CN, 0x0c, 'a']), name([O, 0x0c, 'a']))).toBe(false);
  });

  it('keeps values it cannot decode as their bytes, so different ones stay different', () => {
    expect(same(one(0x04, Buffer.from([1, 2])), one(0x04, Buffer.from([1, 2])))).toBe(true);
    expect(same(one(0x04, Buffer.from([1, 2])), one(0x04, Buffer.from([1, 3])))).toBe(false);
    expect(same(one(0x04, Buffer.from([0xff])), one(0x04, Buffer.from([0xfe])))).toBe(false);
    // The bytes, not a decoding of them: an OCTET STRING "a" is not the text "a".
    expect(same(one(0x04, Buffer.from('a')), name([CN, 0x0c, 'a']))).toBe(false);
    // A BMPString of odd length, a UniversalString not a multiple of 4 long or beyond U+10FFFF.
    expect(same(one(0x1e, Buffer.from([0, 0x61, 0])), one(0x1e, Buffer.from([0, 0x62, 0])))).toBe(false);
    expect(same(one(0x1e, Buffer.from([0, 0x61, 0])), name([CN, 0x0c, 'a']))).toBe(false);
    expect(same(one(0x1e, Buffer.from([0, 0x61, 0])), one(0x1e, Buffer.from([0, 0x61, 0, 0])))).toBe(false);
    expect(same(one(0x1c, Buffer.from([0, 0, 0, 0x61, 0])), name([CN, 0x0c, 'a']))).toBe(false);
    expect(same(one(0x1c, Buffer.from([0, 0x11, 0, 0])), one(0x1c, Buffer.from([0, 0x12, 0, 0])))).toBe(false);
    expect(same(one(0x1c, Buffer.from([0, 0x11, 0, 0])), name([CN, 0x0c, '']))).toBe(false);
  });

  it('returns null for what is not a Name', () => {
    expect(canonicalName(tlv(0x30))).toBe('[]');
    expect(canonicalName(tlv(0x31))).toBeNull();
    expect(canonicalName('x' as unknown as Buffer)).toBeNull();
    expect(canonicalName(null as unknown as Buffer)).toBeNull();
    expect(canonicalName(tlv(0x30, tlv(0x30, tlv(0x30, oid(CN), tlv(0x0c, Buffer.from('a'))))))).toBeNull(); // an RDN must be a SET
    expect(canonicalName(tlv(0x30, tlv(0x31)))).toBeNull(); // … and not empty
    expect(canonicalName(tlv(0x30, tlv(0x31, tlv(0x31, oid(CN), NULL))))).toBeNull(); // an ATV must be a SEQUENCE
    expect(canonicalName(tlv(0x30, tlv(0x31, tlv(0x30, oid(CN)))))).toBeNull(); // of a type and a value
    expect(canonicalName(tlv(0x30, tlv(0x31, tlv(0x30, oid(CN), NULL, NULL))))).toBeNull();
    expect(canonicalName(tlv(0x30, tlv(0x31, tlv(0x30, tlv(0x04, Buffer.from([0x55, 0x04, 0x03])), NULL))))).toBeNull(); // the type must be an OID
    expect(canonicalName(tlv(0x30, tlv(0x31, tlv(0x30, tlv(0x06, Buffer.from([0x2a, 0x86])), NULL))))).toBeNull();
    expect(canonicalName(tlv(0x30, Buffer.from([0x31, 0x05])))).toBeNull();
    expect(canonicalName(tlv(0x30, tlv(0x31, Buffer.from([0x30, 0x05]))))).toBeNull();
    expect(canonicalName(tlv(0x30, tlv(0x31, tlv(0x30, oid(CN), Buffer.from([0x0c, 0x05])))))).toBeNull();
  });

  it('reads up to 64 RDNs of up to 16 attributes, and no more', () => {
    const atv = tlv(0x30, oid(CN), tlv(0x0c, Buffer.from('x')));
    const rdn = tlv(0x31, atv);
    expect(canonicalName(tlv(0x30, ...Array<Buffer>(64).fill(rdn)))).not.toBeNull();
    expect(canonicalName(tlv(0x30, ...Array<Buffer>(65).fill(rdn)))).toBeNull();
    expect(canonicalName(tlv(0x30, tlv(0x31, ...Array<Buffer>(16).fill(atv))))).not.toBeNull();
    expect(canonicalName(tlv(0x30, tlv(0x31, ...Array<Buffer>(17).fill(atv))))).toBeNull();
  });
});
