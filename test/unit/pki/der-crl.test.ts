// The DER reader's CRL and revocation helpers (src/pki/der.ts): a CertificateList located in
// place, its entries walked, serials compared as numbers, issuingDistributionPoint and reasonCode
// read; exact values from hand-made DER, null (or 'malformed') for malformed input, never an
// exception (fuzzed). Real CRLs from openssl are in revocation.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCrlEntry, parseCrlReason, parseIssuingDistributionPoint, readCrl, readPublicKeyBits, readSerialNumber, sameInteger } from '../../../src/pki/der.js';

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');
const text = (s: string): Buffer => Buffer.from(s, 'latin1');

const SHA256_RSA = tlv(0x30, hex('06092a864886f70d01010b'), hex('0500'));
const NAME = tlv(0x30, tlv(0x31, tlv(0x30, hex('0603550403'), tlv(0x0c, text('Test CA')))));
const THIS_UPDATE = tlv(0x17, text('260101000000Z'));
const NEXT_UPDATE = tlv(0x18, text('20260108000000Z'));
const SIGNATURE = tlv(0x03, hex('00'), Buffer.alloc(8, 0xab));

const entry = (serial: Buffer, date: Buffer, ...extensions: Buffer[]): Buffer => tlv(0x30, tlv(0x02, serial), date, ...(extensions.length ? [tlv(0x30, ...extensions)] : []));
const reasonCode = (code: number, critical = false): Buffer => tlv(0x30, hex('0603551d15'), ...(critical ? [hex('0101ff')] : []), tlv(0x04, tlv(0x0a, Buffer.from([code]))));

/** A CertificateList from its tbsCertList fields (the signature is not a real one: readCrl does not check it). */
function crlOf(fields: Buffer[], outer: Buffer[] = [SHA256_RSA, SIGNATURE]): Buffer {
  return tlv(0x30, tlv(0x30, ...fields), ...outer);
}

describe('readCrl', () => {
  it('locates every part of a v2 CRL: the signed bytes, algorithms, issuer, dates, entries and extensions', () => {
    const entries = [entry(hex('01'), THIS_UPDATE)];
    const crlNumber = tlv(0x30, hex('0603551d14'), tlv(0x04, tlv(0x02, hex('05'))));
    const der = crlOf([hex('020101'), SHA256_RSA, NAME, THIS_UPDATE, NEXT_UPDATE, tlv(0x30, ...entries), tlv(0xa0, tlv(0x30, crlNumber))]);
    const crl = readCrl(der);
    expect(crl).toEqual({
      tbs: der.subarray(2 + (der[1] === 0x81 ? 1 : 0), der.length - SHA256_RSA.length - SIGNATURE.length),
      signatureAlgorithm: { oid: '1.2.840.113549.1.1.11', params: hex('0500') },
      algorithmsMatch: true,
      signature: Buffer.alloc(8, 0xab),
      issuer: NAME,
      thisUpdate: Date.UTC(2026, 0, 1),
      nextUpdate: Date.UTC(2026, 0, 8),
      extensions: [{ oid: '2.5.29.20', critical: false, value: tlv(0x02, hex('05')) }],
      entries: Buffer.concat(entries),
    });
    expect(crl?.tbs[0]).toBe(0x30);
  });

  it('a v1 CRL: no version, no nextUpdate, no entries, no extensions', () => {
    const crl = readCrl(crlOf([SHA256_RSA, NAME, THIS_UPDATE]));
    expect(crl).toMatchObject({ nextUpdate: null, extensions: [], algorithmsMatch: true });
    expect(crl?.entries.length).toBe(0);
  });

  it('says when the outer and inner signature algorithms differ', () => {
    const other = tlv(0x30, hex('06092a864886f70d01010c'), hex('0500'));
    expect(readCrl(crlOf([SHA256_RSA, NAME, THIS_UPDATE], [other, SIGNATURE]))?.algorithmsMatch).toBe(false);
  });

  it('null for every malformed shape', () => {
    const ok = [SHA256_RSA, NAME, THIS_UPDATE];
    const cases: Buffer[] = [
      Buffer.alloc(0),
      hex('3000'),
      Buffer.concat([crlOf(ok), hex('00')]), // trailing byte
      crlOf(ok, [SHA256_RSA]), // no signature
      crlOf(ok, [SHA256_RSA, tlv(0x04, hex('00ab'))]), // signature not a BIT STRING
      crlOf(ok, [SHA256_RSA, tlv(0x03)]), // empty BIT STRING
      crlOf(ok, [SHA256_RSA, tlv(0x03, hex('01ab'))]), // unused bits
      crlOf(ok, [tlv(0x31, hex('0500')), SIGNATURE]), // algorithm not a SEQUENCE
      crlOf(ok, [tlv(0x30, hex('0500')), SIGNATURE]), // algorithm without an OID
      tlv(0x30, tlv(0x31, ...ok), SHA256_RSA, SIGNATURE), // tbsCertList not a SEQUENCE
      crlOf([hex('020100'), ...ok]), // version v1 written out
      crlOf([hex('02020001'), ...ok]), // version of two bytes
      crlOf([SHA256_RSA, tlv(0x31), THIS_UPDATE]), // issuer not a SEQUENCE
      crlOf([SHA256_RSA, NAME]), // no thisUpdate
      crlOf([SHA256_RSA, NAME, tlv(0x04, text('260101000000Z'))]), // thisUpdate not a time
      crlOf([SHA256_RSA, NAME, THIS_UPDATE, tlv(0x17, text('261301000000Z'))]), // month 13
      crlOf([SHA256_RSA, NAME, THIS_UPDATE, tlv(0x04)]), // a field that is nothing of the rest
      crlOf([SHA256_RSA, NAME, THIS_UPDATE, tlv(0xa0, tlv(0x31))]), // extensions not a SEQUENCE
      crlOf([SHA256_RSA, NAME, THIS_UPDATE, tlv(0xa0, tlv(0x30, tlv(0x30, hex('0603551d14'))))]), // an extension without a value
      crlOf([SHA256_RSA, NAME, THIS_UPDATE, tlv(0xa0, tlv(0x30), hex('0500'))]), // more inside [0]
      crlOf([SHA256_RSA, NAME, THIS_UPDATE, tlv(0x30), tlv(0x30)]), // two lists of entries
    ];
    expect(cases.map((der) => readCrl(der))).toEqual(cases.map(() => null));
    expect(readCrl('not a buffer' as unknown as Buffer)).toBeNull();
  });

  it('reads UTCTime 1950-2049, GeneralizedTime with fractions, and refuses days that do not exist', () => {
    const at = (time: Buffer): number | null => readCrl(crlOf([SHA256_RSA, NAME, time]))?.thisUpdate ?? null;
    expect(at(tlv(0x17, text('491231235959Z')))).toBe(Date.UTC(2049, 11, 31, 23, 59, 59));
    expect(at(tlv(0x17, text('500101000000Z')))).toBe(Date.UTC(1950, 0, 1));
    expect(at(tlv(0x18, text('20510203040506.25Z')))).toBe(Date.UTC(2051, 1, 3, 4, 5, 6, 250));
    expect(at(tlv(0x18, text('20240229000000Z')))).toBe(Date.UTC(2024, 1, 29));
    for (const bad of ['20230229000000Z', '20260431000000Z', '20260101240000Z', '20260101006000Z', '20260101000060Z', '00500101000000Z', '20260101000000', '20260101000000+0100', '2026010100000Z']) {
      expect(at(tlv(0x18, text(bad)))).toBeNull();
    }
    expect(at(tlv(0x17, text('2601010000Z')))).toBeNull();
    expect(at(tlv(0x17, text('20260101000000Z')))).toBeNull();
  });

  it('never throws on random bytes or on a valid CRL cut or changed anywhere (fuzzed)', () => {
    const good = crlOf([hex('020101'), SHA256_RSA, NAME, THIS_UPDATE, NEXT_UPDATE, tlv(0x30, entry(hex('01'), THIS_UPDATE, reasonCode(1)))]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: good.length }), fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (bytes, cut, at, xor) => {
        readCrl(Buffer.from(bytes));
        readCrl(good.subarray(0, cut));
        const changed = Buffer.from(good);
        changed[at] = (changed[at] as number) ^ xor;
        const crl = readCrl(changed);
        if (crl) findCrlEntry(crl.entries, hex('01'));
      }),
    );
  });
});

describe('findCrlEntry', () => {
  const list = (...entries: Buffer[]): Buffer => Buffer.concat(entries);

  it('finds the entry for a serial, with its date and extensions; null when not listed', () => {
    const entries = list(entry(hex('05'), THIS_UPDATE), entry(hex('00ff'), NEXT_UPDATE, reasonCode(4)), entry(hex('07'), THIS_UPDATE));
    expect(findCrlEntry(entries, hex('ff'))).toBeNull();
    expect(findCrlEntry(entries, hex('00ff'))).toEqual({ revokedAt: Date.UTC(2026, 0, 8), extensions: [{ oid: '2.5.29.21', critical: false, value: tlv(0x0a, hex('04')) }] });
    expect(findCrlEntry(entries, hex('0005'))).toEqual({ revokedAt: Date.UTC(2026, 0, 1), extensions: [] });
    expect(findCrlEntry(entries, hex('06'))).toBeNull();
    expect(findCrlEntry(Buffer.alloc(0), hex('05'))).toBeNull();
  });

  it('the first entry for a serial counts', () => {
    const entries = list(entry(hex('05'), THIS_UPDATE), entry(hex('05'), NEXT_UPDATE));
    expect(findCrlEntry(entries, hex('05'))).toEqual({ revokedAt: Date.UTC(2026, 0, 1), extensions: [] });
  });

  it("'malformed' when any entry cannot be read, before or after the match", () => {
    const fine = entry(hex('05'), THIS_UPDATE);
    const broken = [
      tlv(0x30, tlv(0x02, hex('06'))),
      tlv(0x31, tlv(0x02, hex('06')), THIS_UPDATE),
      tlv(0x30, tlv(0x04, hex('06')), THIS_UPDATE),
      tlv(0x30, tlv(0x02, hex('06')), tlv(0x04, text('260101000000Z'))),
      tlv(0x30, tlv(0x02, hex('06')), THIS_UPDATE, tlv(0x31)),
      tlv(0x30, tlv(0x02, hex('06')), THIS_UPDATE, tlv(0x30), tlv(0x30)),
      hex('3005020106'),
    ];
    for (const bad of broken) {
      expect(findCrlEntry(list(fine, bad), hex('05'))).toBe('malformed');
      expect(findCrlEntry(list(bad, fine), hex('05'))).toBe('malformed');
    }
    // The matching entry's own date and extensions are decoded.
    expect(findCrlEntry(entry(hex('05'), tlv(0x17, text('260230000000Z'))), hex('05'))).toBe('malformed');
    expect(findCrlEntry(entry(hex('05'), THIS_UPDATE, tlv(0x30, hex('0603551d15'))), hex('05'))).toBe('malformed');
    // Another serial's are not.
    expect(findCrlEntry(entry(hex('06'), tlv(0x17, text('260230000000Z'))), hex('05'))).toBeNull();
  });
});

describe('sameInteger', () => {
  it('compares INTEGER contents as numbers: redundant leading 00 (positive) and FF (negative) bytes do not count', () => {
    expect(sameInteger(hex('00ff'), hex('ff00').subarray(0, 1))).toBe(false); // 255 against -1
    expect(sameInteger(hex('00ff'), hex('0000ff'))).toBe(true);
    expect(sameInteger(hex('01'), hex('0001'))).toBe(true);
    expect(sameInteger(hex('ff80'), hex('80'))).toBe(true); // -128, twice
    expect(sameInteger(hex('ff7f'), hex('7f'))).toBe(false); // -129 against 127
    expect(sameInteger(hex('0080'), hex('80'))).toBe(false); // 128 against -128
    expect(sameInteger(hex('00'), hex('0000'))).toBe(true);
    expect(sameInteger(hex('0102'), hex('0201'))).toBe(false);
    expect(sameInteger(Buffer.alloc(0), Buffer.alloc(0))).toBe(false);
    expect(sameInteger(hex('01'), Buffer.alloc(0))).toBe(false);
  });
});

describe('readSerialNumber and readPublicKeyBits', () => {
  it('null for what is not a certificate or a SubjectPublicKeyInfo', () => {
    expect(readSerialNumber(hex('3000'))).toBeNull();
    const spki = (bits: Buffer, algorithm = tlv(0x30, hex('06072a8648ce3d0201'))): Buffer => tlv(0x30, algorithm, bits);
    expect(readPublicKeyBits(spki(tlv(0x03, hex('000102'))))).toEqual(hex('0102'));
    expect(readPublicKeyBits(spki(tlv(0x03, hex('010102'))))).toBeNull();
    expect(readPublicKeyBits(spki(tlv(0x03)))).toBeNull();
    expect(readPublicKeyBits(spki(tlv(0x04, hex('000102'))))).toBeNull();
    expect(readPublicKeyBits(spki(tlv(0x03, hex('000102')), tlv(0x31)))).toBeNull();
    expect(readPublicKeyBits(tlv(0x30, tlv(0x30)))).toBeNull();
    expect(readPublicKeyBits(Buffer.concat([spki(tlv(0x03, hex('000102'))), hex('00')]))).toBeNull();
  });
});

describe('parseCrlReason', () => {
  it('the ENUMERATED value; null otherwise', () => {
    expect(parseCrlReason(tlv(0x0a, hex('01')))).toBe(1);
    expect(parseCrlReason(tlv(0x0a, hex('0a')))).toBe(10);
    expect(parseCrlReason(tlv(0x02, hex('01')))).toBeNull();
    expect(parseCrlReason(tlv(0x0a))).toBeNull();
    expect(parseCrlReason(tlv(0x0a, hex('ff')))).toBeNull();
  });
});

describe('parseIssuingDistributionPoint', () => {
  const uri = (u: string): Buffer => tlv(0x86, text(u));
  const none = { uris: null, relativeName: false, onlyUserCerts: false, onlyCaCerts: false, onlySomeReasons: false, indirectCrl: false, onlyAttributeCerts: false };

  it('reads each field', () => {
    expect(parseIssuingDistributionPoint(tlv(0x30))).toEqual(none);
    expect(parseIssuingDistributionPoint(tlv(0x30, tlv(0xa0, tlv(0xa0, uri('http://a/1.crl'), tlv(0x82, text('x.test')), uri('http://a/2.crl')))))).toEqual({
      ...none,
      uris: ['http://a/1.crl', 'http://a/2.crl'],
    });
    expect(parseIssuingDistributionPoint(tlv(0x30, tlv(0xa0, tlv(0xa1, tlv(0x30)))))).toEqual({ ...none, relativeName: true });
    expect(parseIssuingDistributionPoint(tlv(0x30, hex('8101ff')))).toEqual({ ...none, onlyUserCerts: true });
    expect(parseIssuingDistributionPoint(tlv(0x30, hex('8201ff')))).toEqual({ ...none, onlyCaCerts: true });
    expect(parseIssuingDistributionPoint(tlv(0x30, hex('83020560')))).toEqual({ ...none, onlySomeReasons: true });
    expect(parseIssuingDistributionPoint(tlv(0x30, hex('8401ff')))).toEqual({ ...none, indirectCrl: true });
    expect(parseIssuingDistributionPoint(tlv(0x30, hex('8501ff')))).toEqual({ ...none, onlyAttributeCerts: true });
    expect(parseIssuingDistributionPoint(tlv(0x30, hex('810100')))).toEqual(none);
  });

  it('null when malformed', () => {
    const cases = [
      tlv(0x31),
      tlv(0x30, hex('8102ffff')),
      tlv(0x30, hex('8100')),
      tlv(0x30, hex('8601ff')),
      tlv(0x30, tlv(0xa0, tlv(0xa2))),
      tlv(0x30, tlv(0xa0, tlv(0xa0, uri('x')), hex('00'))),
      tlv(0x30, tlv(0xa0, tlv(0xa0, tlv(0x99, text('x'))))),
      Buffer.concat([tlv(0x30), hex('00')]),
    ];
    expect(cases.map((c) => parseIssuingDistributionPoint(c))).toEqual(cases.map(() => null));
  });
});
