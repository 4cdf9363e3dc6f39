// CRL and OCSP answers checked against a certificate and its issuer (src/pki/revocation.ts), on
// material the openssl command makes at test time (test/helpers/test-ca.ts): CRLs from `openssl ca
// -gencrl`, OCSP responses from `openssl ocsp`, the real responder. No network, no server.
// Statuses, dates and reasons are asserted exactly; details by their kind (a pattern), not word for word.
import fc from 'fast-check';
import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_MS,
  MAX_CRL_BYTES,
  MAX_OCSP_RESPONSE_BYTES,
  checkCrl,
  checkOcspResponse,
  crlDer,
  ocspRequest,
  type RevocationAnswer,
} from '../../../src/pki/revocation.js';
import { openssl } from '../../helpers/openssl-cert.js';
import { makeTestCa, type IndexReason, type TestCa, type TestLeaf } from '../../helpers/test-ca.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REVOKED_AT = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

let ca: TestCa;
/** Revoked for keyCompromise at REVOKED_AT. */
let revoked: TestLeaf;
/** Never revoked (an EC key). */
let good: TestLeaf;
/** Revoked without a reason code. */
let revokedNoReason: TestLeaf;
/** Issued, then left out of index.txt: the responder does not know it. */
let unrecorded: TestLeaf;
/** No authorityInfoAccess nor crlDistributionPoints. */
let bare: TestLeaf;
/** Issued by the CA whose keyUsage lacks cRLSign. */
let underNoCrlSign: TestLeaf;
/** `revoked`'s serial under the impostor (same issuer name, other key) and under the renamed CA (same key, other name). */
let twinUnderImpostor: TestLeaf;
let twinUnderRenamed: TestLeaf;
/** One leaf per reason openssl's index.txt can hold, revoked with it. */
const byReason = new Map<IndexReason, TestLeaf>();
/** A fixed thisUpdate for CRLs (whole seconds, an hour before the CA was made). */
let crlThisUpdate: number;
/** The CRL of the intermediate, DER, thisUpdate crlThisUpdate and nextUpdate 7 days on. */
let crl: Buffer;

beforeAll(() => {
  ca = makeTestCa();
  revoked = ca.issueLeaf('revoked.example.test');
  good = ca.issueLeaf('good.example.test', { key: 'ec' });
  revokedNoReason = ca.issueLeaf('no-reason.example.test');
  unrecorded = ca.issueLeaf('unrecorded.example.test', { recorded: false });
  bare = ca.issueLeaf('bare.example.test', { revocationInfo: false });
  underNoCrlSign = ca.issueLeaf('other-ca.example.test', { issuer: 'no-crl-sign' });
  twinUnderImpostor = ca.issueLeaf('twin.example.test', { issuer: 'impostor', serial: revoked.serial });
  twinUnderRenamed = ca.issueLeaf('twin.example.test', { issuer: 'renamed', serial: revoked.serial });
  ca.revoke(revoked, 'keyCompromise', REVOKED_AT);
  ca.revoke(revokedNoReason, null, REVOKED_AT);
  for (const reason of ['unspecified', 'CACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'removeFromCRL'] as const) {
    const leaf = ca.issueLeaf(`${reason.toLowerCase()}.example.test`);
    ca.revoke(leaf, reason, REVOKED_AT);
    byReason.set(reason, leaf);
  }
  crlThisUpdate = Math.floor(ca.madeAt / 1000) * 1000 - HOUR;
  crl = ca.crl({ lastUpdate: new Date(crlThisUpdate), nextUpdate: new Date(crlThisUpdate + 7 * DAY) });
});

afterAll(() => ca?.dispose());

const iso = (ms: number): string => new Date(ms).toISOString();

/** A DER TLV (tag below 31, definite length). */
function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

/** The elements inside a DER SEQUENCE, each whole (tag, length, contents). */
function elements(der: Buffer): Buffer[] {
  const lengthAt = (at: number): [number, number] => {
    const first = der[at + 1] as number;
    if (first < 0x80) return [first, 2];
    let n = 0;
    for (let i = 0; i < (first & 0x7f); i++) n = n * 256 + (der[at + 2 + i] as number);
    return [n, 2 + (first & 0x7f)];
  };
  const [outer, header] = lengthAt(0);
  const out: Buffer[] = [];
  for (let at = header; at < header + outer; ) {
    const [n, h] = lengthAt(at);
    out.push(der.subarray(at, at + h + n));
    at += h + n;
  }
  return out;
}

/** An answer, exact in every field; an invalid one's detail matched by kind. */
function expected(status: RevocationAnswer['status'], fields: Partial<Omit<RevocationAnswer, 'detail'>> & { detail?: RegExp | null } = {}): unknown {
  const { detail, ...rest } = fields;
  return {
    status,
    detail: detail === undefined || detail === null ? null : expect.stringMatching(detail),
    revokedAt: null,
    reason: null,
    thisUpdate: null,
    nextUpdate: null,
    ...rest,
  };
}

describe('checkCrl', () => {
  const crlDates = (): { thisUpdate: string; nextUpdate: string } => ({ thisUpdate: iso(crlThisUpdate), nextUpdate: iso(crlThisUpdate + 7 * DAY) });

  it('a revoked certificate: its revocation date and reason, and the CRL dates', async () => {
    const result = await checkCrl(crl, revoked.der, ca.intermediate.der, ca.madeAt);
    expect(result).toEqual(expected('revoked', { detail: /revoked since 2026-01-02T03:04:05\.000Z \(keyCompromise\)/, revokedAt: REVOKED_AT.toISOString(), reason: 'keyCompromise', ...crlDates() }));
  });

  it('a certificate the CRL does not list is good', async () => {
    expect(await checkCrl(crl, good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('good', crlDates()));
  });

  it('a revocation without a reason code has reason null', async () => {
    expect(await checkCrl(crl, revokedNoReason.der, ca.intermediate.der, ca.madeAt)).toEqual(
      expected('revoked', { detail: /revoked since/, revokedAt: REVOKED_AT.toISOString(), ...crlDates() }),
    );
  });

  it('reasons by their RFC 5280 names (openssl writes CACompromise, the RFC cACompromise; removeFromCRL is code 8)', async () => {
    const names: Record<string, string> = {};
    for (const [reason, leaf] of byReason) names[reason] = (await checkCrl(crl, leaf.der, ca.intermediate.der, ca.madeAt)).reason ?? 'null';
    expect(names).toEqual({
      unspecified: 'unspecified',
      CACompromise: 'cACompromise',
      affiliationChanged: 'affiliationChanged',
      superseded: 'superseded',
      cessationOfOperation: 'cessationOfOperation',
      certificateHold: 'certificateHold',
      removeFromCRL: 'removeFromCRL',
    });
  });

  it('PEM and DER CRLs give the same answer; crlDer decodes the PEM block and passes DER through', async () => {
    const pem = ca.crl({ lastUpdate: new Date(crlThisUpdate), nextUpdate: new Date(crlThisUpdate + 7 * DAY), format: 'pem' });
    expect(pem.toString('latin1')).toMatch(/^-----BEGIN X509 CRL-----\n/);
    expect(await checkCrl(pem, revoked.der, ca.intermediate.der, ca.madeAt)).toEqual(await checkCrl(crl, revoked.der, ca.intermediate.der, ca.madeAt));
    expect(crlDer(pem)).toEqual(openssl(['crl', '-outform', 'DER'], pem));
    const crlf = Buffer.from(pem.toString('latin1').replace(/\n/g, '\r\n'));
    expect(crlDer(crlf)).toEqual(crlDer(pem));
    expect(crlDer(crl)).toBe(crl);
    expect(crlDer(Buffer.from(pem.toString('latin1').replace(/X509 CRL/g, 'CERTIFICATE')))).toBeNull();
  });

  it('a CRL signed by another key under the issuer\'s name (an impostor) does not verify', async () => {
    const forged = ca.crl({ signer: 'impostor' });
    expect(await checkCrl(forged, revoked.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /signature does not verify with the issuer's key/ }));
  });

  it('a CRL of another issuer (the root\'s, for a certificate of the intermediate) is refused by name', async () => {
    const other = ca.crl({ signer: 'root' });
    expect(await checkCrl(other, revoked.der, ca.intermediate.der, ca.madeAt)).toEqual(
      expected('invalid', { detail: /published by "mxray Test Revocation Root", not by the certificate's issuer "mxray Test Revocation CA"/ }),
    );
  });

  it('a CRL signed by an issuer whose keyUsage lacks cRLSign is refused', async () => {
    const own = ca.crl({ signer: 'no-crl-sign' });
    expect(await checkCrl(own, underNoCrlSign.der, ca.noCrlSign.der, ca.madeAt)).toEqual(expected('invalid', { detail: /lacks cRLSign/ }));
  });

  it('an outer signature algorithm other than the signed one is refused', async () => {
    const rsaSha256 = Buffer.from('06092a864886f70d01010b', 'hex');
    const outerOnly = Buffer.from(crl);
    Buffer.from('06092a864886f70d01010c', 'hex').copy(outerOnly, outerOnly.lastIndexOf(rsaSha256)); // sha384WithRSAEncryption
    expect(await checkCrl(outerOnly, good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /two different signature algorithms/ }));
  });

  it('CRLs signed with SHA-1 and with RSASSA-PSS are verified; one signed with MD5 is not verified at all', async () => {
    const gencrl = (md: string): Buffer => openssl(['crl', '-outform', 'DER'], openssl(['ca', '-gencrl', '-md', md, '-config', `${ca.dir}/intermediate-ca/ca.cnf`], Buffer.alloc(0)));
    expect((await checkCrl(gencrl('sha1'), revoked.der, ca.intermediate.der, ca.madeAt)).status).toBe('revoked');
    const pss = openssl(['crl', '-outform', 'DER'], openssl(['ca', '-gencrl', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-config', `${ca.dir}/intermediate-ca/ca.cnf`], Buffer.alloc(0)));
    expect((await checkCrl(pss, revoked.der, ca.intermediate.der, ca.madeAt)).status).toBe('revoked');
    expect(await checkCrl(gencrl('md5'), good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /signed with md5WithRSAEncryption, which mxray does not verify/ }));
  });

  it('garbage, text, an empty buffer and truncated DER are invalid, never thrown', async () => {
    const unreadable = expected('invalid', { detail: /cannot be read/ });
    expect(await checkCrl(Buffer.from('hello, this is not a CRL'), good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /neither DER nor a PEM "X509 CRL" block/ }));
    expect(await checkCrl(Buffer.from([0x30, 0x82, 0xff, 0xff, 1, 2, 3]), good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /malformed or truncated/ }));
    expect(await checkCrl(Buffer.alloc(0), good.der, ca.intermediate.der, ca.madeAt)).toEqual(unreadable);
    for (const cut of [1, 2, 10, 100, crl.length - 100, crl.length - 1]) {
      expect(await checkCrl(crl.subarray(0, cut), good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /malformed or truncated/ }));
    }
    expect(await checkCrl(Buffer.concat([crl, Buffer.from([0])]), good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /malformed or truncated/ }));
  });

  it('any one byte changed makes the CRL invalid (fuzzed)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: crl.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const changed = Buffer.from(crl);
        changed[at] = (changed[at] as number) ^ xor;
        const result = await checkCrl(changed, revoked.der, ca.intermediate.der, ca.madeAt);
        expect(result.status).toBe('invalid');
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes are invalid (fuzzed)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        expect((await checkCrl(Buffer.from(bytes), good.der, ca.intermediate.der, ca.madeAt)).status).toBe('invalid');
      }),
      { numRuns: 200 },
    );
  });

  it('a CRL over 20 MiB is refused before it is read', async () => {
    const huge = Buffer.alloc(MAX_CRL_BYTES + 1, 0x30);
    expect(await checkCrl(huge, good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /larger than 20 MiB \(20971521 bytes\)/ }));
    // At the limit it is read (and found malformed).
    expect(await checkCrl(huge.subarray(0, MAX_CRL_BYTES), good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /malformed/ }));
  });

  it('a stale CRL (nextUpdate passed) is still read: the caller judges staleness from nextUpdate', async () => {
    const staleThis = crlThisUpdate - 10 * DAY;
    const stale = ca.crl({ lastUpdate: new Date(staleThis), nextUpdate: new Date(staleThis + 3 * DAY) });
    expect(await checkCrl(stale, revoked.der, ca.intermediate.der, ca.madeAt)).toEqual(
      expected('revoked', { detail: /revoked since/, revokedAt: REVOKED_AT.toISOString(), reason: 'keyCompromise', thisUpdate: iso(staleThis), nextUpdate: iso(staleThis + 3 * DAY) }),
    );
  });

  it('a CRL dated in the future is invalid, beyond 5 minutes of clock skew', async () => {
    const future = ca.crl({ lastUpdate: new Date(crlThisUpdate), nextUpdate: new Date(crlThisUpdate + DAY) });
    const dates = { thisUpdate: iso(crlThisUpdate), nextUpdate: iso(crlThisUpdate + DAY) };
    expect(await checkCrl(future, good.der, ca.intermediate.der, crlThisUpdate - CLOCK_SKEW_MS - 1)).toEqual(expected('invalid', { detail: /dated in the future/, ...dates }));
    expect(await checkCrl(future, good.der, ca.intermediate.der, crlThisUpdate - CLOCK_SKEW_MS)).toEqual(expected('good', dates));
  });

  describe('CRLs openssl cannot be told to write: edited, then signed again with the issuer\'s key', () => {
    /**
     * The CRL with its tbsCertList fields edited, signed again by the intermediate with RSA PKCS#1
     * v1.5 and SHA-256, and labelled (inside and outside) with `algorithm` (default: that, sha256WithRSAEncryption).
     */
    function resigned(edit: (fields: Buffer[]) => Buffer[], label?: Buffer): Buffer {
      const [tbs, original] = elements(crl) as [Buffer, Buffer];
      const algorithm = label ?? original;
      const fields = edit(elements(tbs));
      const signed = tlv(0x30, Buffer.concat([fields[0] as Buffer, algorithm, ...fields.slice(2)]));
      const signature = sign('sha256', signed, readFileSync(ca.intermediate.keyPath));
      return tlv(0x30, Buffer.concat([signed, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature]))]));
    }
    const serialOf = (leaf: TestLeaf): Buffer => tlv(0x02, Buffer.from(leaf.serial.length % 2 ? `0${leaf.serial}` : leaf.serial, 'hex'));
    const utc = (date: Date): Buffer => tlv(0x17, Buffer.from(date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'));
    const reasonCode = (code: number): Buffer => tlv(0x30, Buffer.concat([tlv(0x06, Buffer.from('551d15', 'hex')), tlv(0x04, tlv(0x0a, Buffer.from([code])))]));
    /** tbsCertList fields: version, signature, issuer, thisUpdate, nextUpdate, revokedCertificates, crlExtensions. */
    const withEntries = (...entries: Buffer[]) => (fields: Buffer[]): Buffer[] => [...fields.slice(0, 5), tlv(0x30, Buffer.concat(entries)), ...fields.slice(6)];

    it('the edit itself keeps the CRL valid (the same answers as openssl\'s CRL)', async () => {
      const same = resigned((fields) => fields);
      expect(await checkCrl(same, revoked.der, ca.intermediate.der, ca.madeAt)).toEqual(await checkCrl(crl, revoked.der, ca.intermediate.der, ca.madeAt));
    });

    it('an RSA signature labelled with another algorithm family (dsa-with-sha256, same hash) does not verify with an RSA key', async () => {
      const dsaSha256 = tlv(0x30, Buffer.concat([tlv(0x06, Buffer.from('608648016503040302', 'hex')), Buffer.from('0500', 'hex')]));
      const relabelled = resigned((fields) => fields, dsaSha256);
      expect(await checkCrl(relabelled, good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /signature does not verify/ }));
    });

    it('without nextUpdate: nextUpdate null', async () => {
      const none = resigned((fields) => [...fields.slice(0, 4), ...fields.slice(5)]);
      expect(await checkCrl(none, revoked.der, ca.intermediate.der, ca.madeAt)).toEqual(
        expected('revoked', { detail: /revoked since/, revokedAt: REVOKED_AT.toISOString(), reason: 'keyCompromise', thisUpdate: iso(crlThisUpdate) }),
      );
    });

    it('a reason code outside RFC 5280 (7) is no reason; the first entry for a serial counts; later entries are still checked', async () => {
      const at = new Date(Date.UTC(2025, 5, 6, 7, 8, 9));
      const odd = resigned(withEntries(tlv(0x30, Buffer.concat([serialOf(revoked), utc(at), tlv(0x30, reasonCode(7))])), tlv(0x30, Buffer.concat([serialOf(revoked), utc(REVOKED_AT), tlv(0x30, reasonCode(1))]))));
      expect(await checkCrl(odd, revoked.der, ca.intermediate.der, ca.madeAt)).toMatchObject({ status: 'revoked', revokedAt: at.toISOString(), reason: null });
      const brokenLater = resigned(withEntries(tlv(0x30, Buffer.concat([serialOf(revoked), utc(at)])), tlv(0x30, serialOf(good))));
      expect((await checkCrl(brokenLater, revoked.der, ca.intermediate.der, ca.madeAt)).detail).toMatch(/list of revoked certificates cannot be read/);
    });

    it('an entry that cannot be read makes the list unreadable, even for another serial', async () => {
      const cases = [
        tlv(0x30, serialOf(revoked)), // no revocation date
        tlv(0x31, Buffer.concat([serialOf(revoked), utc(REVOKED_AT)])), // a SET, not a SEQUENCE
        tlv(0x30, Buffer.concat([tlv(0x04, Buffer.from([1])), utc(REVOKED_AT)])), // the serial as an OCTET STRING
        tlv(0x30, Buffer.concat([serialOf(revoked), tlv(0x04, Buffer.from('260102030405Z'))])), // the date as an OCTET STRING
        tlv(0x30, Buffer.concat([serialOf(revoked), utc(REVOKED_AT), tlv(0x04, Buffer.alloc(0))])), // extensions not a SEQUENCE
        tlv(0x30, Buffer.concat([serialOf(good), tlv(0x17, Buffer.from('260231000000Z'))])), // 31 February, for the serial asked
        tlv(0x30, Buffer.concat([serialOf(good), utc(REVOKED_AT), tlv(0x30, tlv(0x30, tlv(0x06, Buffer.from('551d15', 'hex'))))])), // an extension without a value
      ];
      const details: string[] = [];
      for (const entry of cases) details.push((await checkCrl(resigned(withEntries(entry)), good.der, ca.intermediate.der, ca.madeAt)).detail ?? 'good');
      expect(details).toEqual(cases.map(() => "the CRL's list of revoked certificates cannot be read"));
    });

    it('GeneralizedTime dates (after 2049) are read, fractions of a second too', async () => {
      const generalized = (text: string): Buffer => tlv(0x18, Buffer.from(text));
      const late = resigned(withEntries(tlv(0x30, Buffer.concat([serialOf(revoked), generalized('20510203040506.5Z')]))));
      expect((await checkCrl(late, revoked.der, ca.intermediate.der, ca.madeAt)).revokedAt).toBe('2051-02-03T04:05:06.500Z');
    });
  });

  describe('scope: what the CRL covers', () => {
    const check = (extra: { extensions?: string[]; idp?: string[] }, leaf: { der: Buffer } = good, issuer = ca.intermediate): Promise<RevocationAnswer> =>
      checkCrl(ca.crl({ ...extra, signer: issuer === ca.root ? 'root' : 'intermediate' }), leaf.der, issuer.der, ca.madeAt);

    it('an issuingDistributionPoint that cannot be read', async () => {
      expect((await check({ extensions: ['2.5.29.28 = critical, DER:3003020101'] })).detail).toMatch(/issuingDistributionPoint cannot be read/);
    });

    it('a delta CRL is not a complete list', async () => {
      expect((await check({ extensions: ['2.5.29.27 = critical, ASN1:INTEGER:1000'] })).detail).toMatch(/delta CRL/);
    });

    it('an unknown critical extension makes it unusable; an unknown non-critical one does not', async () => {
      expect(await check({ extensions: ['1.2.3.4.5 = critical, ASN1:NULL'] })).toMatchObject({ status: 'invalid', detail: expect.stringMatching(/critical extension mxray does not understand \(1\.2\.3\.4\.5\)/) });
      expect((await check({ extensions: ['1.2.3.4.5 = ASN1:NULL'] })).status).toBe('good');
    });

    it('a partitioned CRL (issuingDistributionPoint) counts only for certificates that point at its distribution point', async () => {
      expect((await check({ idp: [`fullname = URI:${ca.urls.crl}`] })).status).toBe('good');
      expect((await check({ idp: [`fullname = URI:${ca.urls.crl}`] }, revoked)).status).toBe('revoked');
      expect(await check({ idp: [`fullname = URI:${ca.baseUrl}/crl/shard-2.crl`] })).toMatchObject({ status: 'invalid', detail: expect.stringMatching(/another part of the CA's certificates \(its distribution point http:\/\/127\.0\.0\.1:9\/crl\/shard-2\.crl/) });
      expect((await check({ idp: [`fullname = URI:${ca.urls.crl}`] }, bare)).detail).toMatch(/another part/);
      // A distribution point named relative to the issuer ("CN=shard 1" under the CA's name) cannot be matched with the certificate's URIs.
      expect((await check({ idp: ['relativename = shard', '[shard]', 'CN = shard 1'] })).detail).toMatch(/names its distribution point relative to its issuer/);
      // Only the scope flags: no distribution point to match.
      expect((await check({ idp: ['onlyuser = TRUE'] }, bare)).status).toBe('good');
    });

    it('a CRL for CA certificates only, or end-entity certificates only', async () => {
      expect((await check({ idp: ['onlyCA = TRUE'] })).detail).toMatch(/only CA certificates/);
      expect((await check({ idp: ['onlyuser = TRUE'] })).status).toBe('good');
      // The root's CRL for the intermediate (a CA).
      expect((await check({ idp: ['onlyuser = TRUE'] }, ca.intermediate, ca.root)).detail).toMatch(/only end-entity certificates/);
      expect((await check({ idp: ['onlyCA = TRUE'] }, ca.intermediate, ca.root)).status).toBe('good');
    });

    it('some reasons only, indirect and attribute-certificate CRLs are not read', async () => {
      expect((await check({ idp: ['onlysomereasons = keyCompromise'] })).detail).toMatch(/only some revocation reasons/);
      expect((await check({ idp: ['indirectCRL = TRUE'] })).detail).toMatch(/indirect CRL/);
      expect((await check({ idp: ['onlyAA = TRUE'] })).detail).toMatch(/only attribute certificates/);
    });
  });

  it('certificates that cannot be used: unreadable, or not issued by the issuer given', async () => {
    expect(await checkCrl(crl, Buffer.from('nope'), ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /^the certificate cannot be read/ }));
    expect(await checkCrl(crl, good.der, Buffer.from('nope'), ca.madeAt)).toEqual(expected('invalid', { detail: /issuer's certificate cannot be read/ }));
    expect(await checkCrl(crl, good.der, ca.root.der, ca.madeAt)).toEqual(expected('invalid', { detail: /not issued by the certificate given as its issuer/ }));
    // The impostor has the intermediate's name: only the signature tells.
    expect(await checkCrl(crl, good.der, ca.impostor.der, ca.madeAt)).toEqual(expected('invalid', { detail: /not issued by the certificate given as its issuer/ }));
  });
});

describe('ocspRequest', () => {
  it('is byte for byte the request `openssl ocsp -no_nonce` makes (SHA-1 CertID), for RSA and EC certificates', async () => {
    expect(await ocspRequest(revoked.der, ca.intermediate.der)).toEqual(ca.ocspRequestFor(revoked));
    expect(await ocspRequest(good.der, ca.intermediate.der)).toEqual(ca.ocspRequestFor(good));
  });

  it('openssl reads it, and its responder answers it', async () => {
    const request = (await ocspRequest(revoked.der, ca.intermediate.der)) as Buffer;
    const text = ca.ocspText(request, 'request');
    expect(text).toContain(`Serial Number: ${revoked.serial}`);
    expect(text).toContain('Hash Algorithm: sha1');
    const response = ca.ocspRespond(request);
    const result = await checkOcspResponse(response, revoked.der, ca.intermediate.der, ca.ocspTimes(response).thisUpdate);
    expect(result.status).toBe('revoked');
  });

  it('null for certificates it cannot read or that do not belong together', async () => {
    expect(await ocspRequest(Buffer.from('x'), ca.intermediate.der)).toBeNull();
    expect(await ocspRequest(good.der, Buffer.from('x'))).toBeNull();
    expect(await ocspRequest(good.der, ca.root.der)).toBeNull();
  });
});

describe('checkOcspResponse', () => {
  /** The response openssl's responder gives for `leaf`, and the moment it was made (its thisUpdate). */
  function respond(leaf: TestLeaf, options: Parameters<TestCa['ocspRespond']>[1] = {}, digest: 'sha1' | 'sha256' = 'sha1'): { response: Buffer; thisUpdate: number; nextUpdate: number | null } {
    const response = ca.ocspRespond(ca.ocspRequestFor(leaf, digest), options);
    return { response, ...ca.ocspTimes(response) };
  }
  const dates = (r: { thisUpdate: number; nextUpdate: number | null }): { thisUpdate: string; nextUpdate: string | null } => ({
    thisUpdate: iso(r.thisUpdate),
    nextUpdate: r.nextUpdate === null ? null : iso(r.nextUpdate),
  });

  it('good, signed by the issuer itself', async () => {
    const r = respond(good);
    expect(r.nextUpdate).toBe(r.thisUpdate + HOUR);
    expect(await checkOcspResponse(r.response, good.der, ca.intermediate.der, r.thisUpdate)).toEqual(expected('good', dates(r)));
  });

  it('revoked, signed by a delegated responder (OCSPSigning EKU, an EC key): date and reason exact', async () => {
    const r = respond(revoked, { signer: 'responder' });
    expect(await checkOcspResponse(r.response, revoked.der, ca.intermediate.der, r.thisUpdate)).toEqual(
      expected('revoked', { detail: /revoked since 2026-01-02T03:04:05\.000Z \(keyCompromise\)/, revokedAt: REVOKED_AT.toISOString(), reason: 'keyCompromise', ...dates(r) }),
    );
  });

  it('revoked without a reason, and reasons by their RFC names', async () => {
    const r = respond(revokedNoReason);
    expect(await checkOcspResponse(r.response, revokedNoReason.der, ca.intermediate.der, r.thisUpdate)).toEqual(
      expected('revoked', { detail: /revoked since/, revokedAt: REVOKED_AT.toISOString(), ...dates(r) }),
    );
    const names: Record<string, string> = {};
    for (const [reason, leaf] of byReason) {
      const answer = respond(leaf);
      names[reason] = (await checkOcspResponse(answer.response, leaf.der, ca.intermediate.der, answer.thisUpdate)).reason ?? 'null';
    }
    expect(names).toEqual({
      unspecified: 'unspecified',
      CACompromise: 'cACompromise',
      affiliationChanged: 'affiliationChanged',
      superseded: 'superseded',
      cessationOfOperation: 'cessationOfOperation',
      certificateHold: 'certificateHold',
      removeFromCRL: 'removeFromCRL',
    });
  });

  it('unknown: the responder does not know the certificate', async () => {
    const r = respond(unrecorded);
    expect(await checkOcspResponse(r.response, unrecorded.der, ca.intermediate.der, r.thisUpdate)).toEqual(expected('unknown', { detail: /does not know this certificate/, ...dates(r) }));
  });

  it('a SHA-256 CertID is matched too', async () => {
    const r = respond(good, { signer: 'responder' }, 'sha256');
    expect(ca.ocspText(r.response, 'response')).toContain('Hash Algorithm: sha256');
    expect(await checkOcspResponse(r.response, good.der, ca.intermediate.der, r.thisUpdate)).toEqual(expected('good', dates(r)));
  });

  it('a response without nextUpdate stays usable: nextUpdate null', async () => {
    const r = respond(good, { validMinutes: null });
    expect(r.nextUpdate).toBeNull();
    expect(await checkOcspResponse(r.response, good.der, ca.intermediate.der, r.thisUpdate + 30 * DAY)).toEqual(expected('good', dates(r)));
  });

  it('a response whose nextUpdate has passed is invalid, with its dates', async () => {
    const r = respond(revoked, { validMinutes: 1 });
    const next = r.thisUpdate + 60_000;
    expect(await checkOcspResponse(r.response, revoked.der, ca.intermediate.der, next + 1)).toEqual(expected('invalid', { detail: /out of date/, ...dates(r) }));
    expect((await checkOcspResponse(r.response, revoked.der, ca.intermediate.der, next)).status).toBe('revoked');
  });

  it('a response dated in the future is invalid, beyond 5 minutes of clock skew', async () => {
    const r = respond(good);
    expect(await checkOcspResponse(r.response, good.der, ca.intermediate.der, r.thisUpdate - CLOCK_SKEW_MS - 1)).toEqual(expected('invalid', { detail: /dated in the future/, ...dates(r) }));
    expect((await checkOcspResponse(r.response, good.der, ca.intermediate.der, r.thisUpdate - CLOCK_SKEW_MS)).status).toBe('good');
  });

  describe('who signed it', () => {
    it('a tampered signature does not verify', async () => {
      const r = respond(good, { includeCerts: false });
      const tampered = Buffer.from(r.response);
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
      expect(await checkOcspResponse(tampered, good.der, ca.intermediate.der, r.thisUpdate)).toEqual(expected('invalid', { detail: /signature does not verify with the issuer's key, nor with any certificate included/ }));
    });

    it('signed by the impostor (the issuer\'s name, another key): without its certificate it does not verify; with it, the issuer did not issue it', async () => {
      const bare = respond(good, { signer: 'impostor', includeCerts: false });
      expect((await checkOcspResponse(bare.response, good.der, ca.intermediate.der, bare.thisUpdate)).detail).toMatch(/signature does not verify/);
      const withCert = respond(good, { signer: 'impostor' });
      expect(await checkOcspResponse(withCert.response, good.der, ca.intermediate.der, withCert.thisUpdate)).toEqual(expected('invalid', { detail: /signed by "mxray Test Revocation CA", a certificate the issuer did not issue/ }));
    });

    it("signed data changed under an authorised responder's certificate: the certificate does not make the signature verify", async () => {
      const r = respond(good, { signer: 'responder' });
      const changed = Buffer.from(r.response);
      // producedAt (the first GeneralizedTime): its last digit of seconds, still a valid time.
      const at = changed.indexOf(Buffer.from([0x18, 0x0f])) + 2 + 13;
      changed[at] = (changed[at] as number) ^ 1;
      expect(await checkOcspResponse(changed, good.der, ca.intermediate.der, r.thisUpdate)).toEqual(expected('invalid', { detail: /signature does not verify/ }));
    });

    it('a delegated responder whose certificate is not in the response cannot be verified', async () => {
      const r = respond(good, { signer: 'responder', includeCerts: false });
      expect((await checkOcspResponse(r.response, good.der, ca.intermediate.der, r.thisUpdate)).detail).toMatch(/signature does not verify/);
    });

    it('an unrelated responder certificate (with the OCSPSigning EKU) was not issued by the issuer', async () => {
      const r = respond(revoked, { signer: 'stranger' });
      expect(await checkOcspResponse(r.response, revoked.der, ca.intermediate.der, r.thisUpdate)).toEqual(expected('invalid', { detail: /signed by "Unrelated OCSP Responder", a certificate the issuer did not issue/ }));
    });

    it('a certificate the issuer issued without the OCSPSigning EKU is not authorised', async () => {
      const r = respond(revoked, { signer: 'no-eku-responder' });
      expect(await checkOcspResponse(r.response, revoked.der, ca.intermediate.der, r.thisUpdate)).toEqual(
        expected('invalid', { detail: /signed by "mxray Test server certificate", a certificate the issuer did not authorise \(no OCSPSigning EKU\)/ }),
      );
    });

    it('a delegated responder certificate expired, or not valid yet, is refused', async () => {
      for (const signer of ['expired-responder', 'future-responder'] as const) {
        const r = respond(good, { signer });
        expect(await checkOcspResponse(r.response, good.der, ca.intermediate.der, r.thisUpdate)).toEqual(expected('invalid', { detail: /a responder certificate not valid at this time \(valid \S+ to \S+\)/ }));
      }
    });
  });

  describe('about which certificate', () => {
    it('a response about another certificate of the same issuer (serial differs)', async () => {
      const r = respond(revoked);
      expect(await checkOcspResponse(r.response, good.der, ca.intermediate.der, r.thisUpdate)).toEqual(expected('invalid', { detail: /about another certificate/ }));
    });

    it('same serial and issuer name, another issuer key (issuerKeyHash differs)', async () => {
      const r = respond(revoked);
      expect(await checkOcspResponse(r.response, twinUnderImpostor.der, ca.impostor.der, r.thisUpdate)).toEqual(expected('invalid', { detail: /about another certificate/ }));
    });

    it('same serial and issuer key, another issuer name (issuerNameHash differs)', async () => {
      const r = respond(revoked);
      expect(await checkOcspResponse(r.response, twinUnderRenamed.der, ca.renamed.der, r.thisUpdate)).toEqual(expected('invalid', { detail: /about another certificate/ }));
    });

    it('a CertID with a hash other than SHA-1 or SHA-256 is not matched', async () => {
      const response = ca.ocspRespond(ca.ocspRequestFor(good, 'sha384'));
      expect(ca.ocspText(response, 'response')).toContain('Hash Algorithm: sha384');
      expect((await checkOcspResponse(response, good.der, ca.intermediate.der, ca.ocspTimes(response).thisUpdate)).detail).toMatch(/about another certificate/);
    });
  });

  describe('responses that are not answers', () => {
    it('a non-successful responseStatus, by name', async () => {
      const details: string[] = [];
      for (const code of [1, 2, 3, 4, 5, 6]) {
        const result = await checkOcspResponse(Buffer.from([0x30, 0x03, 0x0a, 0x01, code]), good.der, ca.intermediate.der, ca.madeAt);
        expect(result).toEqual(expected('invalid', { detail: /^the OCSP responder answered .+ instead of a certificate status$/ }));
        details.push(/answered (.+) instead/.exec(result.detail as string)?.[1] as string);
      }
      expect(details).toEqual(['malformedRequest', 'internalError', 'tryLater', 'status 4', 'sigRequired', 'unauthorized']);
    });

    it('successful without responseBytes, and a response type other than basic', async () => {
      expect(await checkOcspResponse(Buffer.from('30030a0100', 'hex'), good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /holds no answer/ }));
      const otherType = Buffer.from('300d0a0100a008300606022a030400', 'hex');
      expect(await checkOcspResponse(otherType, good.der, ca.intermediate.der, ca.madeAt)).toEqual(expected('invalid', { detail: /of a type mxray does not read \(1\.2\.3\)/ }));
    });

    it('garbage, empty, truncated and oversized responses are invalid, never thrown', async () => {
      const r = respond(good);
      const unreadable = expected('invalid', { detail: /cannot be read/ });
      expect(await checkOcspResponse(Buffer.from('garbage'), good.der, ca.intermediate.der, r.thisUpdate)).toEqual(unreadable);
      expect(await checkOcspResponse(Buffer.alloc(0), good.der, ca.intermediate.der, r.thisUpdate)).toEqual(unreadable);
      for (const cut of [1, 5, 50, r.response.length - 1]) {
        expect(await checkOcspResponse(r.response.subarray(0, cut), good.der, ca.intermediate.der, r.thisUpdate)).toEqual(unreadable);
      }
      expect(await checkOcspResponse(Buffer.alloc(MAX_OCSP_RESPONSE_BYTES + 1, 0x30), good.der, ca.intermediate.der, r.thisUpdate)).toEqual(
        expected('invalid', { detail: /larger than 1 MiB \(1048577 bytes\)/ }),
      );
    });

    it('any one byte changed: invalid, or (where the parser ignores the change) the same answer (fuzzed)', async () => {
      const r = respond(revoked, { includeCerts: false });
      const original = await checkOcspResponse(r.response, revoked.der, ca.intermediate.der, r.thisUpdate);
      expect(original.status).toBe('revoked');
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: r.response.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
          const changed = Buffer.from(r.response);
          changed[at] = (changed[at] as number) ^ xor;
          const result = await checkOcspResponse(changed, revoked.der, ca.intermediate.der, r.thisUpdate);
          if (result.status !== 'invalid') expect(result).toEqual(original);
        }),
        { numRuns: 300 },
      );
    });

    it('certificates that cannot be used', async () => {
      const r = respond(good);
      expect((await checkOcspResponse(r.response, Buffer.from('x'), ca.intermediate.der, r.thisUpdate)).detail).toMatch(/^the certificate cannot be read/);
      expect((await checkOcspResponse(r.response, good.der, ca.root.der, r.thisUpdate)).detail).toMatch(/not issued by the certificate given as its issuer/);
    });
  });
});
