// The DER readers (src/pki/der.ts) on hand-made structures, each differing from a readable one in
// one place: a tag, a length, a missing field, a time's text. Exact results, never a throw.
import { describe, expect, it } from 'vitest';
import {
  parseAuthorityInfoAccess,
  parseCertificatePolicies,
  parseCrlDistributionPoints,
  parseSctList,
  readBasicOcspResponse,
  readCrl,
  readPublicKeyBits,
  readSerialNumber,
  sameInteger,
} from '../../../src/pki/der.js';

/** A DER TLV (tag below 31, definite length). */
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}
const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
const oid = (h: string): Buffer => tlv(0x06, hex(h));
const ascii = (tag: number, text: string): Buffer => tlv(tag, Buffer.from(text, 'latin1'));

const OCSP_METHOD = oid('2b06010505073001'); // 1.3.6.1.5.5.7.48.1
const uri = (text: string): Buffer => ascii(0x86, text);
const SHA256_RSA = seq(oid('2a864886f70d01010b'), hex('0500'));
const NAME = seq(tlv(0x31, seq(oid('550403'), ascii(0x0c, 'Test CA'))));
const utc = (text: string): Buffer => ascii(0x17, text);
const generalized = (text: string): Buffer => ascii(0x18, text);
const SIGNATURE = tlv(0x03, hex('00'), hex('0102030405'));

/** A CertificateList from its tbsCertList fields, with outer tag `outerTag`. */
const crlOf = (fields: Buffer[], outerTag = 0x30): Buffer => tlv(outerTag, seq(...fields), SHA256_RSA, SIGNATURE);
const crlFields = (thisUpdate: Buffer = utc('260102030405Z')): Buffer[] => [tlv(0x02, hex('01')), SHA256_RSA, NAME, thisUpdate];

describe('parseAuthorityInfoAccess', () => {
  it('each access description must be a SEQUENCE whose method is an OBJECT IDENTIFIER', () => {
    expect(parseAuthorityInfoAccess(seq(seq(OCSP_METHOD, uri('http://ocsp.test/'))))).toEqual({ caIssuers: [], ocsp: ['http://ocsp.test/'] });
    expect(parseAuthorityInfoAccess(seq(tlv(0x31, OCSP_METHOD, uri('http://ocsp.test/'))))).toBeNull();
    expect(parseAuthorityInfoAccess(seq(seq(tlv(0x04, hex('2b06010505073001')), uri('http://ocsp.test/'))))).toBeNull();
  });
});

describe('parseCrlDistributionPoints', () => {
  const point = (...fields: Buffer[]): Buffer => seq(...fields);
  const fullName = (...names: Buffer[]): Buffer => tlv(0xa0, tlv(0xa0, ...names));
  it('each distribution point must be a SEQUENCE', () => {
    expect(parseCrlDistributionPoints(seq(point(fullName(uri('http://crl.test/a.crl')))))).toEqual(['http://crl.test/a.crl']);
    expect(parseCrlDistributionPoints(seq(tlv(0x31, fullName(uri('http://crl.test/a.crl')))))).toBeNull();
    expect(parseCrlDistributionPoints(seq(tlv(0x04, hex('00'))))).toBeNull();
  });

  it('only the distributionPoint field [0] holds names: a cRLIssuer [2] holding an otherName [0] is not read as one', () => {
    const otherName = tlv(0xa0, oid('2b0601'), tlv(0xa0, ascii(0x0c, 'x')));
    expect(parseCrlDistributionPoints(seq(point(tlv(0xa2, otherName))))).toEqual([]);
  });
});

describe('parseSctList', () => {
  const octets = (list: Buffer): Buffer => tlv(0x04, list);
  it('an empty list (its two length bytes alone) has no SCTs', () => {
    expect(parseSctList(octets(hex('0000')))).toEqual([]);
  });

  it('an SCT of 33 bytes (version and log id) is read', () => {
    const sct = Buffer.concat([hex('00'), Buffer.alloc(32, 0x11)]);
    expect(parseSctList(octets(Buffer.concat([hex('0023'), hex('0021'), sct])))).toEqual(['11'.repeat(32)]);
    expect(parseSctList(octets(Buffer.concat([hex('0022'), hex('0020'), sct.subarray(0, 32)])))).toBeNull();
  });
});

describe('parseCertificatePolicies', () => {
  it('each PolicyInformation must be a SEQUENCE starting with an OBJECT IDENTIFIER', () => {
    expect(parseCertificatePolicies(seq(seq(oid('67810c010202'))))).toEqual(['2.23.140.1.2.2']);
    expect(parseCertificatePolicies(seq(tlv(0x31, oid('67810c010202'))))).toBeNull();
    expect(parseCertificatePolicies(seq(tlv(0x04, hex('67810c010202'))))).toBeNull();
    expect(parseCertificatePolicies(seq(seq()))).toBeNull();
  });
});

describe('sameInteger', () => {
  it('compares numbers, not encodings; any non-empty operand against another number is false', () => {
    expect(sameInteger(hex('01'), hex('02'))).toBe(false);
    expect(sameInteger(hex('0001'), hex('01'))).toBe(true);
  });
});

describe('readPublicKeyBits', () => {
  it('a SubjectPublicKeyInfo has exactly two fields', () => {
    const algorithm = seq(oid('2a8648ce3d0201'));
    expect(readPublicKeyBits(seq(algorithm, tlv(0x03, hex('00'), hex('0401'))))).toEqual(hex('0401'));
    expect(readPublicKeyBits(seq(algorithm, tlv(0x03, hex('00'), hex('0401')), hex('0500')))).toBeNull();
  });
});

describe('readSerialNumber', () => {
  it('an empty serialNumber INTEGER is no serial', () => {
    const tbs = (serial: Buffer) => seq(tlv(0xa0, tlv(0x02, hex('02'))), serial, SHA256_RSA, NAME, seq(utc('260102030405Z'), utc('270102030405Z')), NAME, seq());
    const cert = (serial: Buffer) => seq(tbs(serial), SHA256_RSA, SIGNATURE);
    expect(readSerialNumber(cert(tlv(0x02, hex('07'))))).toEqual(hex('07'));
    expect(readSerialNumber(cert(tlv(0x02)))).toBeNull();
  });
});

describe('readCrl', () => {
  it('a minimal CertificateList is read; its times are UTCTime or GeneralizedTime with nothing after the Z', () => {
    expect(readCrl(crlOf(crlFields()))).toMatchObject({ thisUpdate: Date.UTC(2026, 0, 2, 3, 4, 5), nextUpdate: null, extensions: [] });
    expect(readCrl(crlOf(crlFields(utc('260102030405Z0'))))).toBeNull();
    expect(readCrl(crlOf(crlFields(generalized('20260102030405.123Z'))))?.thisUpdate).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 123));
    expect(readCrl(crlOf(crlFields(generalized('X20260102030405Z'))))).toBeNull();
    expect(readCrl(crlOf(crlFields(generalized('20260102030405Z0'))))).toBeNull();
  });

  it('not a SEQUENCE, not a Buffer, or fields missing: null', () => {
    expect(readCrl(crlOf(crlFields(), 0x31))).toBeNull();
    expect(readCrl(undefined as unknown as Buffer)).toBeNull();
    expect(readCrl(crlOf([]))).toBeNull();
    expect(readCrl(crlOf([tlv(0x02, hex('01'))]))).toBeNull();
    expect(readCrl(crlOf([tlv(0x02, hex('01')), SHA256_RSA]))).toBeNull();
  });

  it('the version is the one-byte INTEGER 1', () => {
    const [, ...rest] = crlFields();
    expect(readCrl(crlOf([tlv(0x02, hex('0100')), ...rest]))).toBeNull();
    expect(readCrl(crlOf(rest))).toMatchObject({ thisUpdate: Date.UTC(2026, 0, 2, 3, 4, 5) });
  });
});

describe('readBasicOcspResponse', () => {
  const singleResponse = seq(seq(seq(oid('2b0e03021a'), hex('0500')), tlv(0x04, Buffer.alloc(20, 1)), tlv(0x04, Buffer.alloc(20, 2)), tlv(0x02, hex('05'))), tlv(0x80), generalized('20260102030405Z'));
  const tbsWith = (...fields: Buffer[]): Buffer => seq(...fields);
  const basic = (tbs: Buffer): Buffer => seq(tbs, SHA256_RSA, SIGNATURE);
  const byKey = tlv(0xa2, tlv(0x04, Buffer.alloc(20, 3)));
  const produced = generalized('20260102030405Z');

  it('a minimal response is read; its version, when present, is [0] { INTEGER 0 }', () => {
    expect(readBasicOcspResponse(basic(tbsWith(byKey, produced, seq(singleResponse))))?.answers).toEqual([
      { hashOid: '1.3.14.3.2.26', nameHash: Buffer.alloc(20, 1), keyHash: Buffer.alloc(20, 2), serial: hex('05'), status: 'good', revokedAt: null, reason: null, thisUpdate: Date.UTC(2026, 0, 2, 3, 4, 5), nextUpdate: null },
    ]);
    expect(readBasicOcspResponse(basic(tbsWith(tlv(0xa0, tlv(0x02, hex('00'))), byKey, produced, seq(singleResponse))))?.answers.length).toBe(1);
    expect(readBasicOcspResponse(basic(tbsWith(tlv(0xa0, hex('020200')), byKey, produced, seq(singleResponse))))).toBeNull();
  });

  it('not a Buffer, or ResponseData fields missing: null', () => {
    expect(readBasicOcspResponse(undefined as unknown as Buffer)).toBeNull();
    expect(readBasicOcspResponse(basic(tbsWith()))).toBeNull();
    expect(readBasicOcspResponse(basic(tbsWith(byKey)))).toBeNull();
    expect(readBasicOcspResponse(basic(tbsWith(byKey, produced)))).toBeNull();
  });
});
