import { createHash, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, createSelfSigned, DAY_MS, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import {
  describeCertificate,
  describeX509,
  displayName,
  nameForPeople,
  normalizeIp,
  parseOpenSslTime,
  parseSubjectAltName,
  unescapeDnValue,
} from '../../../src/pki/certificate.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const NOT_BEFORE = new Date(Date.UTC(2026, 0, 10, 8, 30, 15));
const NOT_AFTER = new Date(Date.UTC(2027, 0, 10, 8, 30, 15));

let root: TestCa;
let inter: TestCa;
let leaf: IssuedCert;
let quoted: IssuedCert;
let rsaSelf: IssuedCert;

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
    expect(info.serialNumber).toMatch(/^[0-9A-F]+$/);
    expect(info.serialNumber).toBe(new X509Certificate(leaf.der).serialNumber.toUpperCase());
  });

  it('gives thumbprints as Exchange shows them: upper-case hex, no colons', () => {
    const info = describeCertificate(leaf.der, 'sent');
    expect(info.sha1).toBe(createHash('sha1').update(leaf.der).digest('hex').toUpperCase());
    expect(info.sha256).toBe(createHash('sha256').update(leaf.der).digest('hex').toUpperCase());
    expect(info.sha1).toMatch(/^[0-9A-F]{40}$/);
    expect(info.sha256).toMatch(/^[0-9A-F]{64}$/);
  });

  it('describes a root and an intermediate as CAs', () => {
    const r = describeCertificate(root.cert.der, 'trust-store');
    expect(r).toMatchObject({ selfIssued: true, isCa: true, source: 'trust-store', commonName: 'Cert Test Root' });
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

  it('reads SAN names Node quotes because they hold special characters', () => {
    const info = describeCertificate(quoted.der, 'sent');
    expect(info.dnsNames).toEqual(['a,b.example.test', 'odd.example.test', 'q"uote.example.test']);
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

  it('names certificates for people', () => {
    expect(displayName({ commonName: 'a.example', subject: 'CN=a.example, O=x' })).toBe('a.example');
    expect(displayName({ commonName: null, subject: 'O=x' })).toBe('O=x');
    expect(nameForPeople('C=US\nO=Example\\, Inc.\nCN=Example Root')).toBe('Example Root');
    expect(nameForPeople('C=US\nO=Example\\, Inc.')).toBe('C=US, O=Example\\, Inc.');
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
  });

  it('reads unquoted entries with commas (older Node) by the next entry type', () => {
    expect(parseSubjectAltName('DNS:a, b.example, email:x@example.test, URI:http://example.test/, DNS:c.example')).toEqual({
      dnsNames: ['a, b.example', 'c.example'],
      ipAddresses: [],
    });
  });

  it('ignores other types and survives garbage', () => {
    expect(parseSubjectAltName('')).toEqual({ dnsNames: [], ipAddresses: [] });
    expect(parseSubjectAltName('othername:<unsupported>, DirName:"CN=x\\nO=y", Registered ID:1.2.3')).toEqual({ dnsNames: [], ipAddresses: [] });
    expect(parseSubjectAltName('DNS:"unterminated')).toEqual({ dnsNames: [], ipAddresses: [] });
    expect(parseSubjectAltName('garbage without colon')).toEqual({ dnsNames: [], ipAddresses: [] });
    expect(parseSubjectAltName('IP Address:<invalid>')).toEqual({ dnsNames: [], ipAddresses: [] });
  });
});

describe('helpers', () => {
  it('normalizes IP addresses', () => {
    expect(normalizeIp('192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(normalizeIp('0:0:0:0:0:0:0:0')).toBe('::');
    expect(normalizeIp('2001:DB8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(normalizeIp('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeIp('2001:DB8:1:1:1:1:0:1')).toBe('2001:db8:1:1:1:1:0:1');
    expect(normalizeIp('FE80:0:0:0:0:0:0:0')).toBe('fe80::');
    expect(normalizeIp('<invalid>')).toBeNull();
  });

  it('parses the times OpenSSL prints', () => {
    expect(parseOpenSslTime('Nov 27 20:23:42 2006 GMT')).toBe(Date.UTC(2006, 10, 27, 20, 23, 42));
    expect(parseOpenSslTime('Jan  5 01:02:03 2030 GMT')).toBe(Date.UTC(2030, 0, 5, 1, 2, 3));
    expect(parseOpenSslTime('Dec 31 23:59:59 9999 GMT')).toBe(Date.UTC(9999, 11, 31, 23, 59, 59));
    expect(parseOpenSslTime('Feb  1 00:00:00.5 2030 GMT')).toBe(Date.UTC(2030, 1, 1, 0, 0, 0, 500));
    expect(parseOpenSslTime('Foo  1 00:00:00 2030 GMT')).toBeNull();
    expect(parseOpenSslTime('not a time')).toBeNull();
  });

  it('undoes RFC 2253 escapes', () => {
    expect(unescapeDnValue('Example\\, Inc.')).toBe('Example, Inc.');
    expect(unescapeDnValue('line\\0Abreak')).toBe('line\nbreak');
    expect(unescapeDnValue('caf\\C3\\A9')).toBe('café');
    expect(unescapeDnValue('plain')).toBe('plain');
  });
});
