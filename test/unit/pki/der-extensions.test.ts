// The DER reader's extension and name helpers (src/pki/der.ts): exact values from hand-made DER
// and from real certificates, null for every malformed input, and never an exception (fuzzed).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import {
  commonNamesOf,
  isEmptyName,
  KEY_USAGE,
  MAX_EXTENSIONS,
  MAX_LIST_ENTRIES,
  parseAuthorityInfoAccess,
  parseAuthorityKeyId,
  parseBasicConstraints,
  parseCertificatePolicies,
  parseCrlDistributionPoints,
  parseExtendedKeyUsage,
  parseGeneralNames,
  parseKeyUsage,
  parseNameConstraints,
  parseSctList,
  parseSubjectKeyId,
  parseTlsFeature,
  readExtensions,
  sameName,
} from '../../../src/pki/der.js';
import { certify, nameConstraintsValue, party, rawExtension } from '../../helpers/chain-pki.js';
import { opensslCertificate } from '../../helpers/openssl-cert.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const BOOL_TRUE = hex('0101ff');
const BOOL_FALSE = hex('010100');
const int = (...bytes: number[]) => tlv(0x02, Buffer.from(bytes));
const oid = (s: string) => hex(s); // pre-encoded OID TLVs below
const OID_BC = oid('0603551d13');
const OID_KU = oid('0603551d0f');
const OID_SAN = oid('0603551d11');
const octets = (b: Buffer) => tlv(0x04, b);

/** A "Certificate" whose tbsCertificate holds the given fields (enough for readExtensions). */
function certWith(...tbsFields: Buffer[]): Buffer {
  return tlv(0x30, tlv(0x30, ...tbsFields), tlv(0x30, hex('06082a8648ce3d040302')), tlv(0x03, Buffer.from([0, 1])));
}
const V3 = tlv(0xa0, int(2));
const SERIAL = int(1);
const ALG = tlv(0x30, hex('06082a8648ce3d040302'));
const NAME = tlv(0x30, tlv(0x31, tlv(0x30, hex('0603550403'), tlv(0x0c, Buffer.from('x')))));
const EMPTY_NAME = tlv(0x30);
const VALIDITY = tlv(0x30, tlv(0x17, Buffer.from('260101000000Z')), tlv(0x17, Buffer.from('270101000000Z')));
const SPKI = tlv(0x30, tlv(0x30, hex('06072a8648ce3d0201')), tlv(0x03, Buffer.from([0, 4])));
const withExtensions = (...exts: Buffer[]) => certWith(V3, SERIAL, ALG, NAME, VALIDITY, NAME, SPKI, tlv(0xa3, tlv(0x30, ...exts)));

let root: TestCa;
let leaf: IssuedCert;
beforeAll(async () => {
  root = await createRootCa('Extension Test Root', NOW);
  leaf = await root.issue({ commonName: 'mx.example.test', dnsNames: ['mx.example.test', 'mx2.example.test'], ipAddresses: ['192.0.2.7'] });
});

describe('readExtensions', () => {
  it('lists a real certificate’s extensions in order, with their criticality', () => {
    expect(readExtensions(leaf.der)?.map((e) => [e.oid, e.critical])).toEqual([
      ['2.5.29.19', true],
      ['2.5.29.15', true],
      ['2.5.29.37', false],
      ['2.5.29.17', false],
      ['2.5.29.14', false],
      ['2.5.29.35', false],
    ]);
    expect(readExtensions(root.cert.der)?.map((e) => e.oid)).toEqual(['2.5.29.19', '2.5.29.15', '2.5.29.14']);
  });

  it('gives each extnValue’s contents, and reads criticality from the BOOLEAN (an explicit FALSE too)', () => {
    const bc = tlv(0x30, BOOL_TRUE);
    expect(readExtensions(withExtensions(tlv(0x30, OID_BC, BOOL_TRUE, octets(bc)), tlv(0x30, OID_KU, BOOL_FALSE, octets(hex('03020106'))), tlv(0x30, OID_SAN, octets(hex('3000')))))).toEqual([
      { oid: '2.5.29.19', critical: true, value: bc },
      { oid: '2.5.29.15', critical: false, value: hex('03020106') },
      { oid: '2.5.29.17', critical: false, value: hex('3000') },
    ]);
  });

  it('is [] without extensions (a version 1 certificate), also after unique identifiers', () => {
    expect(readExtensions(certWith(SERIAL, ALG, NAME, VALIDITY, NAME, SPKI))).toEqual([]);
    expect(readExtensions(certWith(V3, SERIAL, ALG, NAME, VALIDITY, NAME, SPKI, tlv(0x81, Buffer.from([0, 1]))))).toEqual([]);
  });

  it('is null for malformed extensions', () => {
    const ext = tlv(0x30, OID_BC, octets(tlv(0x30)));
    // Not a SEQUENCE inside [3]; trailing bytes inside [3].
    expect(readExtensions(certWith(V3, SERIAL, ALG, NAME, VALIDITY, NAME, SPKI, tlv(0xa3, tlv(0x31, ext))))).toBeNull();
    expect(readExtensions(certWith(V3, SERIAL, ALG, NAME, VALIDITY, NAME, SPKI, tlv(0xa3, tlv(0x30, ext), hex('0500'))))).toBeNull();
    // An extension that is not a SEQUENCE, lacks its value, has a value that is not an OCTET STRING, a criticality that is not a one-byte BOOLEAN, a bad OID.
    expect(readExtensions(withExtensions(tlv(0x31, OID_BC, octets(tlv(0x30)))))).toBeNull();
    expect(readExtensions(withExtensions(tlv(0x30, OID_BC)))).toBeNull();
    expect(readExtensions(withExtensions(tlv(0x30, OID_BC, tlv(0x03, Buffer.from([0])))))).toBeNull();
    expect(readExtensions(withExtensions(tlv(0x30, OID_BC, hex('02010f'), octets(tlv(0x30)))))).toBeNull();
    expect(readExtensions(withExtensions(tlv(0x30, OID_BC, hex('0102ffff'), octets(tlv(0x30)))))).toBeNull();
    expect(readExtensions(withExtensions(tlv(0x30, hex('0600'), octets(tlv(0x30)))))).toBeNull();
    expect(readExtensions(withExtensions(tlv(0x30, hex('0403000000'), octets(tlv(0x30)))))).toBeNull();
    // Not a certificate.
    expect(readExtensions(Buffer.from('junk'))).toBeNull();
  });

  it('finds the extensions by their place after subjectPublicKeyInfo, with or without a version field', () => {
    const ext = tlv(0x30, OID_SAN, octets(hex('3000')));
    const read = [{ oid: '2.5.29.17', critical: false, value: hex('3000') }];
    // No [0] version: subjectPublicKeyInfo is the sixth field, [3] after it is read all the same.
    expect(readExtensions(certWith(SERIAL, ALG, NAME, VALIDITY, NAME, SPKI, tlv(0xa3, tlv(0x30, ext))))).toEqual(read);
    // A [3] where a version 3 certificate has its subjectPublicKeyInfo is no extensions field.
    expect(readExtensions(certWith(V3, SERIAL, ALG, NAME, VALIDITY, NAME, tlv(0xa3, tlv(0x30, ext))))).toEqual([]);
    // A tbsCertificate without any field has no extensions (and is no reason to throw).
    expect(readExtensions(certWith())).toEqual([]);
  });

  it(`reads at most ${MAX_EXTENSIONS} extensions: more is null`, () => {
    const one = tlv(0x30, OID_SAN, octets(hex('3000')));
    expect(readExtensions(withExtensions(...new Array<Buffer>(MAX_EXTENSIONS).fill(one)))).toHaveLength(MAX_EXTENSIONS);
    expect(readExtensions(withExtensions(...new Array<Buffer>(MAX_EXTENSIONS + 1).fill(one)))).toBeNull();
  });
});

describe('parseBasicConstraints', () => {
  it('reads the CA flag and the path length', () => {
    expect(parseBasicConstraints(tlv(0x30, BOOL_TRUE, int(0)))).toEqual({ ca: true, pathLen: 0 });
    expect(parseBasicConstraints(tlv(0x30, BOOL_TRUE, int(3)))).toEqual({ ca: true, pathLen: 3 });
    expect(parseBasicConstraints(tlv(0x30, BOOL_TRUE))).toEqual({ ca: true, pathLen: null });
    expect(parseBasicConstraints(tlv(0x30))).toEqual({ ca: false, pathLen: null });
    expect(parseBasicConstraints(tlv(0x30, BOOL_FALSE))).toEqual({ ca: false, pathLen: null });
    // cA left out (DEFAULT FALSE), a path length alone.
    expect(parseBasicConstraints(tlv(0x30, int(2)))).toEqual({ ca: false, pathLen: 2 });
    expect(parseBasicConstraints(tlv(0x30, BOOL_TRUE, int(0x01, 0x00)))).toEqual({ ca: true, pathLen: 256 });
    expect(parseBasicConstraints(tlv(0x30, BOOL_TRUE, int(0x00, 0xff)))).toEqual({ ca: true, pathLen: 255 });
  });

  it('caps a huge path length at 2^31', () => {
    expect(parseBasicConstraints(tlv(0x30, BOOL_TRUE, int(0x7f, 0xff, 0xff, 0xff, 0xff)))).toEqual({ ca: true, pathLen: 2 ** 31 });
    expect(parseBasicConstraints(tlv(0x30, BOOL_TRUE, int(0x7f, 0xff, 0xff, 0xff)))).toEqual({ ca: true, pathLen: 2 ** 31 - 1 });
  });

  it('is null when malformed: a negative or empty path length, extra fields, a wrong type, trailing bytes', () => {
    expect(parseBasicConstraints(tlv(0x30, BOOL_TRUE, int(0x80)))).toBeNull();
    expect(parseBasicConstraints(tlv(0x30, BOOL_TRUE, tlv(0x02)))).toBeNull();
    expect(parseBasicConstraints(tlv(0x30, BOOL_TRUE, int(1), int(1)))).toBeNull();
    expect(parseBasicConstraints(tlv(0x30, BOOL_TRUE, tlv(0x04, Buffer.from([1]))))).toBeNull();
    expect(parseBasicConstraints(tlv(0x30, hex('0102ffff')))).toBeNull();
    expect(parseBasicConstraints(tlv(0x31, BOOL_TRUE))).toBeNull();
    expect(parseBasicConstraints(Buffer.concat([tlv(0x30, BOOL_TRUE), hex('00')]))).toBeNull();
    expect(parseBasicConstraints(Buffer.alloc(0))).toBeNull();
    // Fields out of order: two path lengths, or a path length before cA.
    expect(parseBasicConstraints(tlv(0x30, int(1), int(1)))).toBeNull();
    expect(parseBasicConstraints(tlv(0x30, int(2), BOOL_TRUE))).toBeNull();
  });
});

describe('parseKeyUsage', () => {
  it('reads the bits of the BIT STRING, first bit first', () => {
    // keyCertSign | cRLSign: 0000 0110, one unused bit.
    expect(parseKeyUsage(hex('03020106'))).toBe(KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign);
    expect(parseKeyUsage(hex('03020780'))).toBe(KEY_USAGE.digitalSignature);
    expect(parseKeyUsage(hex('030205a0'))).toBe(KEY_USAGE.digitalSignature | KEY_USAGE.keyEncipherment);
    expect(parseKeyUsage(hex('03020308'))).toBe(KEY_USAGE.keyAgreement);
    // decipherOnly is bit 8, in the second byte.
    expect(parseKeyUsage(hex('0303070080'))).toBe(256);
    // No bit set at all.
    expect(parseKeyUsage(hex('030100'))).toBe(0);
    // All nine named bits; bits past decipherOnly are not key usages and are left out.
    expect(parseKeyUsage(hex('030307ff80'))).toBe(511);
    expect(parseKeyUsage(hex('030300ffff'))).toBe(511);
    expect(parseKeyUsage(hex('0304000000ff'))).toBe(0);
    expect(KEY_USAGE).toEqual({ digitalSignature: 1, nonRepudiation: 2, keyEncipherment: 4, dataEncipherment: 8, keyAgreement: 16, keyCertSign: 32, cRLSign: 64 });
  });

  it('is null when malformed', () => {
    expect(parseKeyUsage(hex('0300'))).toBeNull();
    expect(parseKeyUsage(hex('030108'))).toBeNull();
    expect(parseKeyUsage(hex('03020806'))).toBeNull();
    expect(parseKeyUsage(hex('04020106'))).toBeNull();
    expect(parseKeyUsage(hex('0302010600'))).toBeNull();
    // A BIT STRING with no bits at all cannot have unused bits.
    expect(parseKeyUsage(hex('030101'))).toBeNull();
  });
});

describe('parseExtendedKeyUsage', () => {
  it('reads the purposes', () => {
    expect(parseExtendedKeyUsage(tlv(0x30, hex('06082b06010505070301'), hex('06082b06010505070302')))).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(parseExtendedKeyUsage(tlv(0x30, hex('0604551d2500')))).toEqual(['2.5.29.37.0']);
  });

  it('is null when empty or malformed', () => {
    expect(parseExtendedKeyUsage(tlv(0x30))).toBeNull();
    expect(parseExtendedKeyUsage(tlv(0x30, hex('0500')))).toBeNull();
    expect(parseExtendedKeyUsage(tlv(0x30, hex('0600')))).toBeNull();
    expect(parseExtendedKeyUsage(tlv(0x31, hex('06082b06010505070301')))).toBeNull();
    // A purpose that is not an OBJECT IDENTIFIER, even holding an OID's bytes.
    expect(parseExtendedKeyUsage(tlv(0x30, tlv(0x04, hex('2b06010505070301'))))).toBeNull();
  });
});

describe('parseGeneralNames', () => {
  it('reads each name with its type and contents', () => {
    const dirName = tlv(0x30, tlv(0x31, tlv(0x30, hex('0603550403'), tlv(0x0c, Buffer.from('a')))));
    expect(
      parseGeneralNames(tlv(0x30, tlv(0x82, Buffer.from('mx.example.test')), tlv(0x87, Buffer.from([192, 0, 2, 1])), tlv(0xa4, dirName), tlv(0x81, Buffer.from('a@b')), tlv(0xa0, hex('0500')), tlv(0x88, hex('2a03')))),
    ).toEqual([
      { type: 2, value: Buffer.from('mx.example.test') },
      { type: 7, value: Buffer.from([192, 0, 2, 1]) },
      { type: 4, value: dirName },
      { type: 1, value: Buffer.from('a@b') },
      { type: 0, value: hex('0500') },
      { type: 8, value: hex('2a03') },
    ]);
  });

  it('reads an ediPartyName [5] in constructed form only', () => {
    const party = tlv(0xa5, tlv(0x81, Buffer.from('x')));
    expect(parseGeneralNames(tlv(0x30, party))).toEqual([{ type: 5, value: tlv(0x81, Buffer.from('x')) }]);
    expect(parseGeneralNames(tlv(0x30, tlv(0x85, Buffer.from('x'))))).toBeNull();
  });

  it('is null for an empty list, a universal tag, a tag beyond 8, a primitive name in constructed form or the reverse', () => {
    expect(parseGeneralNames(tlv(0x30))).toBeNull();
    expect(parseGeneralNames(tlv(0x30, tlv(0x16, Buffer.from('x'))))).toBeNull();
    expect(parseGeneralNames(tlv(0x30, tlv(0x89, Buffer.from('x'))))).toBeNull();
    expect(parseGeneralNames(tlv(0x30, tlv(0xa2, Buffer.from('x'))))).toBeNull();
    expect(parseGeneralNames(tlv(0x30, tlv(0x84, Buffer.from('x'))))).toBeNull();
    expect(parseGeneralNames(tlv(0x30, tlv(0x83, Buffer.from('x'))))).toBeNull();
    // Universal and application tags are no GeneralName, even when their number is a name type's.
    expect(parseGeneralNames(tlv(0x30, tlv(0x02, Buffer.from('x'))))).toBeNull();
    expect(parseGeneralNames(tlv(0x30, tlv(0x47, Buffer.from([192, 0, 2, 1]))))).toBeNull();
  });
});

describe(`lists hold at most ${MAX_LIST_ENTRIES} entries`, () => {
  it('more is unreadable (null), so the work per certificate stays bounded', () => {
    const names = (n: number) => tlv(0x30, ...new Array<Buffer>(n).fill(tlv(0x82, Buffer.from('a.test'))));
    expect(parseGeneralNames(names(MAX_LIST_ENTRIES))).toHaveLength(MAX_LIST_ENTRIES);
    expect(parseGeneralNames(names(MAX_LIST_ENTRIES + 1))).toBeNull();
    const ekus = (n: number) => tlv(0x30, ...new Array<Buffer>(n).fill(hex('06082b06010505070301')));
    expect(parseExtendedKeyUsage(ekus(MAX_LIST_ENTRIES))).toHaveLength(MAX_LIST_ENTRIES);
    expect(parseExtendedKeyUsage(ekus(MAX_LIST_ENTRIES + 1))).toBeNull();
    const subtrees = (n: number) => tlv(0x30, tlv(0xa0, ...new Array<Buffer>(n).fill(tlv(0x30, tlv(0x82, Buffer.from('a.test'))))));
    expect(parseNameConstraints(subtrees(MAX_LIST_ENTRIES))?.permitted).toHaveLength(MAX_LIST_ENTRIES);
    expect(parseNameConstraints(subtrees(MAX_LIST_ENTRIES + 1))).toBeNull();
    expect(MAX_LIST_ENTRIES).toBe(4096);
  });
});

describe('parseNameConstraints', () => {
  it('reads permitted and excluded subtrees', () => {
    const value = nameConstraintsValue({ permitted: [{ dns: 'example.test' }, { ip: '192.0.2.0/24' }], excluded: [{ dns: '.bad.example.test' }, { ip: '2001:db8::/32' }] });
    expect(parseNameConstraints(value)).toEqual({
      permitted: [
        { base: { type: 2, value: Buffer.from('example.test') }, defaultRange: true },
        { base: { type: 7, value: Buffer.from([192, 0, 2, 0, 255, 255, 255, 0]) }, defaultRange: true },
      ],
      excluded: [
        { base: { type: 2, value: Buffer.from('.bad.example.test') }, defaultRange: true },
        { base: { type: 7, value: Buffer.from([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(12).fill(0), 0xff, 0xff, 0xff, 0xff, ...new Array<number>(12).fill(0)]) }, defaultRange: true },
      ],
    });
    expect(parseNameConstraints(nameConstraintsValue({ excluded: [{ dns: 'x.test' }] }))).toEqual({ permitted: [], excluded: [{ base: { type: 2, value: Buffer.from('x.test') }, defaultRange: true }] });
  });

  it('marks a subtree with a minimum or maximum', () => {
    const base = tlv(0x82, Buffer.from('example.test'));
    expect(parseNameConstraints(tlv(0x30, tlv(0xa0, tlv(0x30, base, tlv(0x80, Buffer.from([1]))))))?.permitted).toEqual([{ base: { type: 2, value: Buffer.from('example.test') }, defaultRange: false }]);
    expect(parseNameConstraints(tlv(0x30, tlv(0xa1, tlv(0x30, base, tlv(0x81, Buffer.from([2]))))))?.excluded).toEqual([{ base: { type: 2, value: Buffer.from('example.test') }, defaultRange: false }]);
  });

  it('is null when malformed', () => {
    const subtree = tlv(0x30, tlv(0x82, Buffer.from('a.test')));
    // Excluded before permitted, twice the same part, an unknown part, an empty part, a bad base, a bad distance tag.
    expect(parseNameConstraints(tlv(0x30, tlv(0xa1, subtree), tlv(0xa0, subtree)))).toBeNull();
    expect(parseNameConstraints(tlv(0x30, tlv(0xa0, subtree), tlv(0xa0, subtree)))).toBeNull();
    expect(parseNameConstraints(tlv(0x30, tlv(0xa2, subtree)))).toBeNull();
    expect(parseNameConstraints(tlv(0x30, tlv(0xa0)))).toBeNull();
    expect(parseNameConstraints(tlv(0x30, tlv(0xa0, tlv(0x30, tlv(0x16, Buffer.from('a'))))))).toBeNull();
    expect(parseNameConstraints(tlv(0x30, tlv(0xa0, tlv(0x31, tlv(0x82, Buffer.from('a'))))))).toBeNull();
    expect(parseNameConstraints(tlv(0x30, tlv(0xa0, tlv(0x30, tlv(0x82, Buffer.from('a')), tlv(0x02, Buffer.from([1]))))))).toBeNull();
    expect(parseNameConstraints(tlv(0x30, tlv(0xa0, tlv(0x30))))).toBeNull();
    expect(parseNameConstraints(tlv(0x31))).toBeNull();
  });

  it('an empty NameConstraints is no constraint at all', () => {
    expect(parseNameConstraints(tlv(0x30))).toEqual({ permitted: [], excluded: [] });
  });
});

describe('key identifiers', () => {
  it('reads the subject key identifier', () => {
    expect(parseSubjectKeyId(tlv(0x04, Buffer.from([1, 2, 3])))).toEqual(Buffer.from([1, 2, 3]));
    expect(parseSubjectKeyId(tlv(0x03, Buffer.from([1, 2, 3])))).toBeNull();
    expect(parseSubjectKeyId(Buffer.concat([tlv(0x04, Buffer.from([1])), hex('00')]))).toBeNull();
  });

  it('reads the keyIdentifier of the authority key identifier, or says it has none', () => {
    expect(parseAuthorityKeyId(tlv(0x30, tlv(0x80, Buffer.from([9, 8]))))).toEqual(Buffer.from([9, 8]));
    expect(parseAuthorityKeyId(tlv(0x30, tlv(0xa1, tlv(0xa4, tlv(0x30))), tlv(0x82, Buffer.from([1]))))).toBe('absent');
    expect(parseAuthorityKeyId(tlv(0x30))).toBe('absent');
    expect(parseAuthorityKeyId(tlv(0x30, tlv(0x04, Buffer.from([9]))))).toBeNull();
    expect(parseAuthorityKeyId(tlv(0x04, Buffer.from([9])))).toBeNull();
  });

  it('of a real certificate', () => {
    const exts = readExtensions(leaf.der) ?? [];
    const skid = parseSubjectKeyId(exts.find((e) => e.oid === '2.5.29.14')?.value ?? Buffer.alloc(0));
    const akid = parseAuthorityKeyId(exts.find((e) => e.oid === '2.5.29.35')?.value ?? Buffer.alloc(0));
    const rootSkid = parseSubjectKeyId(readExtensions(root.cert.der)?.find((e) => e.oid === '2.5.29.14')?.value ?? Buffer.alloc(0));
    expect(skid?.length).toBe(20);
    expect(akid).toEqual(rootSkid);
  });
});

describe('names', () => {
  it('isEmptyName is true only for the empty SEQUENCE', () => {
    expect(isEmptyName(EMPTY_NAME)).toBe(true);
    expect(isEmptyName(NAME)).toBe(false);
    expect(isEmptyName(hex('3100'))).toBe(false);
    expect(isEmptyName(Buffer.alloc(0))).toBe(false);
    expect(isEmptyName(hex('300000'))).toBe(false);
    expect(isEmptyName(hex('3001'))).toBe(false);
  });

  it('sameName compares bytes, then as RFC 5280 §7.1 does', () => {
    const printable = tlv(0x30, tlv(0x31, tlv(0x30, hex('0603550403'), tlv(0x13, Buffer.from('Example CA')))));
    const utf8 = tlv(0x30, tlv(0x31, tlv(0x30, hex('0603550403'), tlv(0x0c, Buffer.from('example  ca')))));
    const other = tlv(0x30, tlv(0x31, tlv(0x30, hex('0603550403'), tlv(0x0c, Buffer.from('other')))));
    expect(sameName(printable, utf8)).toBe(true);
    expect(sameName(printable, other)).toBe(false);
    expect(sameName(EMPTY_NAME, EMPTY_NAME)).toBe(true);
    expect(sameName(EMPTY_NAME, printable)).toBe(false);
    // Two unreadable names are not the same name unless they are the same bytes.
    expect(sameName(Buffer.from('junk'), Buffer.from('junk'))).toBe(true);
    expect(sameName(Buffer.from('junk'), Buffer.from('knuj'))).toBe(false);
  });

  it('commonNamesOf gives every CN value, decoded, in order', () => {
    const name = tlv(
      0x30,
      tlv(0x31, tlv(0x30, hex('0603550403'), tlv(0x13, Buffer.from('first')))),
      tlv(0x31, tlv(0x30, hex('060355040a'), tlv(0x0c, Buffer.from('org')))),
      tlv(0x31, tlv(0x30, hex('0603550403'), tlv(0x0c, Buffer.from('zwei')))),
      tlv(0x31, tlv(0x30, hex('0603550403'), tlv(0x04, Buffer.from('raw')))),
    );
    expect(commonNamesOf(name)).toEqual(['first', 'zwei']);
    expect(commonNamesOf(EMPTY_NAME)).toEqual([]);
    expect(commonNamesOf(Buffer.from('junk'))).toEqual([]);
    // Only from a Name (a SEQUENCE, not a SET), and only attributes with an OBJECT IDENTIFIER type and a value.
    const cn = tlv(0x31, tlv(0x30, hex('0603550403'), tlv(0x0c, Buffer.from('ok'))));
    expect(commonNamesOf(tlv(0x31, cn))).toEqual([]);
    expect(commonNamesOf(tlv(0x30, tlv(0x31, tlv(0x30, hex('0603550403'))), cn))).toEqual(['ok']);
    expect(commonNamesOf(tlv(0x30, tlv(0x31, tlv(0x30, hex('0403550403'), tlv(0x0c, Buffer.from('not a CN')))), cn))).toEqual(['ok']);
  });
});

describe('fuzzing: the extension readers never throw', () => {
  const all = (bytes: Uint8Array): void => {
    const buf = Buffer.from(bytes);
    readExtensions(buf);
    parseBasicConstraints(buf);
    parseKeyUsage(buf);
    parseExtendedKeyUsage(buf);
    parseGeneralNames(buf);
    parseNameConstraints(buf);
    parseSubjectKeyId(buf);
    parseAuthorityKeyId(buf);
    isEmptyName(buf);
    sameName(buf, buf.subarray(1));
    commonNamesOf(buf);
  };

  it('on random bytes, also behind a SEQUENCE header', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => all(b)), { numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => all(tlv(0x30, Buffer.from(b)))), { numRuns: 1000 });
  });

  it('on truncated and mutated real certificates with every kind of extension', async () => {
    const p = await party('CN=Fuzz CA');
    const der = await certify(p, p, 'ca', NOW, {
      eku: ['1.3.6.1.5.5.7.3.1'],
      dnsNames: ['a.test'],
      ipAddresses: ['192.0.2.1'],
      nameConstraints: { permitted: [{ dns: 'a.test' }, { ip: '192.0.2.0/24' }], excluded: [{ dns: 'b.a.test' }] },
      extensions: [rawExtension('1.3.6.1.4.1.99999.7', true, Buffer.from([5, 0]))],
    });
    fc.assert(
      fc.property(
        fc.nat({ max: der.length }),
        fc.array(fc.tuple(fc.nat({ max: der.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (cut, edits) => {
          const copy = Buffer.from(der);
          for (const [at, value] of edits) copy[at] = value;
          all(copy);
          all(copy.subarray(0, cut));
          for (const e of readExtensions(copy) ?? []) all(e.value);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('the extensions `mxray cert` shows (AIA, CRL distribution points, SCTs, TLS feature, policies)', () => {
  /** An SCT list as RFC 6962 encodes it: a TLS list of SCTs, each version 0 + a 32-byte log id + the rest. */
  const sctList = (...logIds: Buffer[]) => {
    const scts = logIds.map((id) => {
      const body = Buffer.concat([Buffer.from([0]), id, Buffer.alloc(8), Buffer.from([0, 0]), Buffer.from([4, 3, 0, 2, 0xab, 0xcd])]);
      return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
    });
    const all = Buffer.concat(scts);
    return octets(Buffer.concat([Buffer.from([all.length >> 8, all.length & 0xff]), all]));
  };
  const LOG_A = Buffer.alloc(32, 0xa1);
  const LOG_B = Buffer.alloc(32, 0xb2);

  /** A certificate made by openssl itself with these extensions: what a real CA's tooling writes. */
  const opensslWithAll = () =>
    opensslCertificate([
      'authorityInfoAccess = OCSP;URI:http://ocsp.ca.example.test/,caIssuers;URI:http://ca.example.test/issuer.der,caIssuers;email:ca@example.test',
      'crlDistributionPoints = URI:http://crl.ca.example.test/ca.crl,URI:ldap://ldap.ca.example.test/cn=ca',
      'tlsfeature = status_request',
      'certificatePolicies = 2.23.140.1.2.1,1.3.6.1.4.1.44947.1.1.1',
      `1.3.6.1.4.1.11129.2.4.2 = DER:${sctList(LOG_A, LOG_B).toString('hex')}`,
    ]);

  it('reads each from a certificate openssl made', () => {
    const der = opensslWithAll();
    const ext = (id: string) => readExtensions(der)!.find((e) => e.oid === id)!.value;
    expect(parseAuthorityInfoAccess(ext('1.3.6.1.5.5.7.1.1'))).toEqual({ caIssuers: ['http://ca.example.test/issuer.der'], ocsp: ['http://ocsp.ca.example.test/'] });
    expect(parseCrlDistributionPoints(ext('2.5.29.31'))).toEqual(['http://crl.ca.example.test/ca.crl', 'ldap://ldap.ca.example.test/cn=ca']);
    expect(parseTlsFeature(ext('1.3.6.1.5.5.7.1.24'))).toEqual([5]);
    expect(parseCertificatePolicies(ext('2.5.29.32'))).toEqual(['2.23.140.1.2.1', '1.3.6.1.4.1.44947.1.1.1']);
    expect(parseSctList(ext('1.3.6.1.4.1.11129.2.4.2'))).toEqual([LOG_A.toString('hex'), LOG_B.toString('hex')]);
  });

  it('keeps only URIs: a distribution point named relative to the CRL issuer, or without a name, adds none', () => {
    const uri = (s: string) => tlv(0x86, Buffer.from(s));
    const fullName = (...names: Buffer[]) => tlv(0x30, tlv(0xa0, tlv(0xa0, ...names)));
    const relative = tlv(0x30, tlv(0xa0, tlv(0xa1, tlv(0x30, hex('0603550403'), tlv(0x0c, Buffer.from('crl'))))));
    const issuerOnly = tlv(0x30, tlv(0xa2, tlv(0xa4, NAME)));
    expect(parseCrlDistributionPoints(tlv(0x30, relative, fullName(uri('http://a/')), issuerOnly, fullName(tlv(0x82, Buffer.from('dns.name')), uri('http://b/'))))).toEqual(['http://a/', 'http://b/']);
    expect(parseCrlDistributionPoints(tlv(0x30, relative))).toEqual([]);
  });

  it('null for malformed values, never an exception', () => {
    const uri = tlv(0x86, Buffer.from('http://x/'));
    const ocspOid = hex('06082b06010505073001');
    // AIA: no entries, an entry without a location, a location that is no GeneralName, a bad OID.
    expect(parseAuthorityInfoAccess(tlv(0x30))).toBeNull();
    expect(parseAuthorityInfoAccess(tlv(0x30, tlv(0x30, ocspOid)))).toBeNull();
    expect(parseAuthorityInfoAccess(tlv(0x30, tlv(0x30, ocspOid, tlv(0x04, Buffer.from('x')))))).toBeNull();
    expect(parseAuthorityInfoAccess(tlv(0x30, tlv(0x30, tlv(0x06, Buffer.from([0x80])), uri)))).toBeNull();
    expect(parseAuthorityInfoAccess(tlv(0x30, tlv(0x30, ocspOid, uri)))).toEqual({ caIssuers: [], ocsp: ['http://x/'] });
    // An unknown access method is skipped.
    expect(parseAuthorityInfoAccess(tlv(0x30, tlv(0x30, hex('06082b06010505073003'), uri)))).toEqual({ caIssuers: [], ocsp: [] });
    // CRL DP: empty, not a SEQUENCE, a fullName holding junk.
    expect(parseCrlDistributionPoints(tlv(0x30))).toBeNull();
    expect(parseCrlDistributionPoints(tlv(0x31, tlv(0x30)))).toBeNull();
    expect(parseCrlDistributionPoints(tlv(0x30, tlv(0x30, tlv(0xa0, tlv(0xa0, tlv(0x04, Buffer.from('x')))))))).toBeNull();
    expect(parseCrlDistributionPoints(tlv(0x30, tlv(0x30, tlv(0xa0, tlv(0xa0, uri), tlv(0xa0, uri)))))).toBeNull();
    // SCTs: a total length that disagrees, an SCT cut short, one too short for a log id.
    const good = sctList(LOG_A);
    expect(parseSctList(good)).toEqual([LOG_A.toString('hex')]);
    const inner = good.subarray(2);
    expect(parseSctList(octets(Buffer.concat([Buffer.from([0, inner.length - 1]), inner.subarray(2)])))).toBeNull();
    expect(parseSctList(octets(Buffer.concat([Buffer.from([0, inner.length - 2 + 1]), inner.subarray(2), Buffer.from([0])])))).toBeNull();
    expect(parseSctList(octets(Buffer.from([0, 4, 0, 2, 0, 1])))).toBeNull();
    // An SCT that says it is longer than what is left of the list.
    expect(parseSctList(octets(Buffer.concat([Buffer.from([0, 37, 0, 40]), Buffer.alloc(35, 7)])))).toBeNull();
    expect(parseSctList(octets(Buffer.from([0])))).toBeNull();
    expect(parseSctList(tlv(0x30))).toBeNull();
    // TLS feature: not INTEGERs, a negative one; policies: empty, an entry without an OID.
    expect(parseTlsFeature(tlv(0x30, tlv(0x04, Buffer.from([5]))))).toBeNull();
    expect(parseTlsFeature(tlv(0x30, int(0x85)))).toBeNull();
    expect(parseTlsFeature(tlv(0x30, int(5), int(17)))).toEqual([5, 17]);
    expect(parseCertificatePolicies(tlv(0x30))).toBeNull();
    expect(parseCertificatePolicies(tlv(0x30, tlv(0x30, int(1))))).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const b = Buffer.from(bytes);
        for (const f of [parseAuthorityInfoAccess, parseCrlDistributionPoints, parseSctList, parseTlsFeature, parseCertificatePolicies]) expect(() => f(b)).not.toThrow();
      }),
    );
  });
});
