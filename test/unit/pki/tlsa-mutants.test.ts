// TLSA records in presentation form (spacing, owner name, TTL and class, field widths) and the
// matching notes for records that match no certificate, each asserted exactly.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { matchTlsa, parseTlsaText, type TlsaRecord } from '../../../src/pki/tlsa.js';

const NOW = Date.UTC(2026, 10, 1);
const HEX = 'ab'.repeat(32);
const DATA = Buffer.from(HEX, 'hex');

let root: TestCa;
let leaf: IssuedCert;
beforeAll(async () => {
  root = await createRootCa('TLSA Mutants Root', NOW);
  leaf = await root.issue({ commonName: 'mx.example.test' });
});

const record = (usage: number, selector: number, matchingType: number, data: Buffer): TlsaRecord => ({ usage, selector, matchingType, data });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

describe('parseTlsaText', () => {
  it('shows a record of up to 80 characters whole in an error, a longer one cut to 77 and "..."', () => {
    const eighty = `9 1 1 ${'a'.repeat(74)}`;
    expect(eighty.length).toBe(80);
    expect(parseTlsaText(eighty)).toEqual({ error: `"${eighty}": usage 9 is not one of 0-3 (PKIX-TA, PKIX-EE, DANE-TA, DANE-EE)` });
    const eightyOne = `${eighty}a`;
    expect(parseTlsaText(eightyOne)).toEqual({ error: `"${eighty.slice(0, 77)}...": usage 9 is not one of 0-3 (PKIX-TA, PKIX-EE, DANE-TA, DANE-EE)` });
  });

  it('takes owner, TTL, class and type separated by runs of white space', () => {
    for (const text of [
      `_25._tcp.mx.example.test.  3600 IN TLSA 3 1 1 ${HEX}`,
      `_25._tcp.mx.example.test. 3600  IN TLSA 3 1 1 ${HEX}`,
      `_25._tcp.mx.example.test. 3600 IN  TLSA 3 1 1 ${HEX}`,
      `_25._tcp.mx.example.test. 3600 IN TLSA  3 1 1 ${HEX}`,
      `3  1  1  ${HEX}`,
      `3\t1\t1\t${HEX}`,
    ]) {
      expect(parseTlsaText(text)).toEqual(record(3, 1, 1, DATA));
    }
  });

  it('refuses text before the record that is not an owner name with TLSA, and text after the data', () => {
    const junk = `junk 3 1 1 ${HEX}`;
    expect(parseTlsaText(junk)).toEqual({ error: `"${junk}" is not a TLSA record: write it as "3 1 1 <hex>" (usage, selector, matching type, data)` });
    const trailing = `3 1 1 ${HEX} zz`;
    expect(parseTlsaText(trailing)).toEqual({ error: `"${trailing}" is not a TLSA record: write it as "3 1 1 <hex>" (usage, selector, matching type, data)` });
  });

  it('reads fields of up to three digits, and then checks their range', () => {
    expect(parseTlsaText(`255 1 1 ${HEX}`)).toEqual({ error: `"255 1 1 ${HEX}": usage 255 is not one of 0-3 (PKIX-TA, PKIX-EE, DANE-TA, DANE-EE)` });
    expect(parseTlsaText(`3 255 1 ${HEX}`)).toEqual({ error: `"3 255 1 ${HEX}": selector 255 is not 0 (whole certificate) or 1 (public key)` });
    expect(parseTlsaText(`3 1 255 ${HEX}`)).toEqual({ error: `"3 1 255 ${HEX}": matching type 255 is not 0 (exact), 1 (SHA-256) or 2 (SHA-512)` });
    expect(parseTlsaText(`003 001 001 ${HEX}`)).toEqual(record(3, 1, 1, DATA));
  });
});

describe('matchTlsa', () => {
  it('PKIX-EE(1), like DANE-EE(3), looks at the leaf only', () => {
    const issuerDigest = sha256(root.cert.der);
    const [pkixEe, pkixTa] = matchTlsa([record(1, 0, 1, issuerDigest), record(0, 0, 1, issuerDigest)], [leaf.der, root.cert.der]);
    expect(pkixEe?.matched).toBeNull();
    expect(pkixTa?.matched).toBe(1);
  });

  it('a certificate that cannot be read matches nothing', () => {
    const [m] = matchTlsa([record(3, 1, 1, DATA)], [Buffer.from('not a certificate')]);
    expect(m).toEqual({ record: record(3, 1, 1, DATA), matched: null, note: 'does not match the server certificate' });
  });

  it('the note for a record that matches nothing: only 2 0 0 may hold a trust anchor left out', () => {
    const notes = [record(2, 0, 0, DATA), record(2, 0, 1, DATA), record(2, 1, 0, DATA), record(3, 0, 0, DATA), record(3, 1, 0, DATA)].map(
      (r) => matchTlsa([r], [leaf.der])[0]?.note,
    );
    expect(notes).toEqual([
      'matches no certificate sent; the record holds the trust anchor itself, which senders may use when the server leaves it out',
      'matches no certificate of the chain sent (the trust anchor must be sent)',
      'matches no certificate of the chain sent (the trust anchor must be sent)',
      'does not match the server certificate',
      'does not match the server certificate',
    ]);
  });
});
