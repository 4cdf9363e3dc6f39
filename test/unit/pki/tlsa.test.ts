// TLSA records against the certificates a server sent (src/pki/tlsa.ts): the data compared with
// what openssl computes for the same certificates (what people publish with), every usage and
// selector, and records pasted the ways people paste them.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { openssl, opensslSpki } from '../../helpers/openssl-cert.js';
import { matchTlsa, MAX_TLSA_DATA_BYTES, parseTlsaText, tlsaData, tlsaText, type TlsaRecord } from '../../../src/pki/tlsa.js';

const NOW = Date.UTC(2026, 10, 1);
let root: TestCa;
let inter: TestCa;
let leaf: IssuedCert;
let renewed: IssuedCert;

beforeAll(async () => {
  root = await createRootCa('TLSA Test Root', NOW);
  inter = await root.intermediate('TLSA Test Intermediate');
  leaf = await inter.issue({ commonName: 'mx.example.test', key: 'rsa2048' });
  renewed = await inter.issue({ commonName: 'mx.example.test' });
});

const digest = (alg: string, b: Buffer) => createHash(alg).update(b).digest();
const record = (usage: number, selector: number, matchingType: number, data: Buffer): TlsaRecord => ({ usage, selector, matchingType, data });

describe('tlsaData: what a record holds for a certificate', () => {
  it('agrees with openssl for every selector and matching type', () => {
    for (const cert of [leaf.der, renewed.der, inter.cert.der]) {
      const spki = opensslSpki(cert);
      expect(tlsaData(cert, 1, 0)).toEqual(spki);
      expect(tlsaData(cert, 1, 1)).toEqual(digest('sha256', spki));
      expect(tlsaData(cert, 1, 2)).toEqual(digest('sha512', spki));
      expect(tlsaData(cert, 0, 0)).toEqual(cert);
      expect(tlsaData(cert, 0, 1)).toEqual(digest('sha256', openssl(['x509', '-inform', 'DER', '-outform', 'DER'], cert)));
      expect(tlsaData(cert, 0, 2)).toEqual(digest('sha512', cert));
    }
  });

  it('null for a selector or matching type that does not exist, or bytes that are no certificate', () => {
    expect(tlsaData(leaf.der, 2, 1)).toBeNull();
    expect(tlsaData(leaf.der, 1, 3)).toBeNull();
    expect(tlsaData(Buffer.from('junk'), 1, 1)).toBeNull();
  });
});

describe('matchTlsa: which certificate each record matches', () => {
  const chain = () => [leaf.der, inter.cert.der];

  it('DANE-EE(3) matches the leaf only; a renewal with a new key no longer matches 3 1 1, one with the same key would', () => {
    const [m] = matchTlsa([record(3, 1, 1, tlsaData(leaf.der, 1, 1)!)], chain());
    expect(m).toMatchObject({ matched: 0, note: 'matches the server certificate' });
    const [stale] = matchTlsa([record(3, 1, 1, tlsaData(leaf.der, 1, 1)!)], [renewed.der, inter.cert.der]);
    expect(stale).toMatchObject({ matched: null, note: 'does not match the server certificate' });
    // The intermediate's key in a DANE-EE record: EE records look at the leaf alone.
    expect(matchTlsa([record(3, 1, 1, tlsaData(inter.cert.der, 1, 1)!)], chain())[0]?.matched).toBeNull();
  });

  it('DANE-TA(2) matches any certificate sent, and says which; the anchor must be sent unless the record holds it whole', () => {
    expect(matchTlsa([record(2, 1, 1, tlsaData(inter.cert.der, 1, 1)!)], chain())[0]).toMatchObject({ matched: 1, note: 'matches certificate 1 of the chain sent' });
    const [absent] = matchTlsa([record(2, 1, 1, tlsaData(root.cert.der, 1, 1)!)], chain());
    expect(absent).toMatchObject({ matched: null, note: 'matches no certificate of the chain sent (the trust anchor must be sent)' });
    const [whole] = matchTlsa([record(2, 0, 0, root.cert.der)], chain());
    expect(whole?.matched).toBeNull();
    expect(whole?.note).toMatch(/holds the trust anchor itself/);
  });

  it('PKIX records are matched, and said to be unusable for SMTP', () => {
    const [ee, ta] = matchTlsa([record(1, 1, 1, tlsaData(leaf.der, 1, 1)!), record(0, 1, 1, tlsaData(inter.cert.der, 1, 1)!)], chain());
    expect(ee).toMatchObject({ matched: 0, note: 'PKIX-EE records are not used for SMTP (RFC 7672 §3.1.3): senders treat them as unusable' });
    expect(ta).toMatchObject({ matched: 1, note: 'PKIX-TA records are not used for SMTP (RFC 7672 §3.1.3): senders treat them as unusable' });
  });

  it('an empty chain matches nothing', () => {
    expect(matchTlsa([record(3, 1, 1, Buffer.alloc(32))], [])[0]?.matched).toBeNull();
  });
});

describe('parseTlsaText: records as people paste them', () => {
  const hex = 'A9'.repeat(32);
  it('reads "3 1 1 <hex>", with an owner name and "IN TLSA" before it, the hex split or in lower case', () => {
    for (const text of [`3 1 1 ${hex}`, `_25._tcp.mx.example.test. 3600 IN TLSA 3 1 1 ${hex.toLowerCase()}`, `_25._tcp.mx.example.test. TLSA 3 1 1 ${hex.slice(0, 20)} ${hex.slice(20)}`, `  3 1 1 ${hex}  `]) {
      expect(parseTlsaText(text)).toEqual(record(3, 1, 1, Buffer.from(hex, 'hex')));
    }
    expect(tlsaText(record(3, 1, 1, Buffer.from(hex, 'hex')))).toBe(`3 1 1 ${hex}`);
  });

  it('says what is wrong, in one line', () => {
    expect(parseTlsaText('3 1 1')).toEqual({ error: '"3 1 1" is not a TLSA record: write it as "3 1 1 <hex>" (usage, selector, matching type, data)' });
    expect(parseTlsaText(`4 1 1 ${hex}`)).toMatchObject({ error: expect.stringMatching(/: usage 4 is not one of 0-3 /) });
    expect(parseTlsaText(`3 2 1 ${hex}`)).toMatchObject({ error: expect.stringMatching(/: selector 2 is not 0 /) });
    expect(parseTlsaText(`3 1 3 ${hex}`)).toMatchObject({ error: expect.stringMatching(/: matching type 3 is not 0 /) });
    expect(parseTlsaText('3 1 1 abc')).toMatchObject({ error: expect.stringMatching(/odd number of hex digits$/) });
    expect(parseTlsaText(`3 1 1 ${'ab'.repeat(31)}`)).toMatchObject({ error: expect.stringMatching(/a SHA-256 digest is 32 bytes, this one 31$/) });
    expect(parseTlsaText(`3 1 2 ${hex}`)).toMatchObject({ error: expect.stringMatching(/a SHA-512 digest is 64 bytes, this one 32$/) });
    expect(parseTlsaText(`3 0 0 ${'ab'.repeat(MAX_TLSA_DATA_BYTES + 1)}`)).toMatchObject({ error: expect.stringMatching(/longer than 16384 bytes$/) });
    const long = parseTlsaText(`x`.repeat(200));
    expect('error' in long && long.error.length).toBeLessThan(200);
    expect(parseTlsaText(`3 0 0 ${'ab'.repeat(MAX_TLSA_DATA_BYTES)}`)).toMatchObject({ usage: 3, selector: 0, matchingType: 0 });
  });
});
