// Fixtures for the tests of assessCertificate: a certificate's facts (CertInfo), a verdict on a
// good chain (leaf, intermediate, root from the trust store), a judging context, and the findings
// as [id, facts] pairs.
import { assessCertificate, type CertificateContext } from '../../../src/checks/certificate/index.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type { CertInfo, CertVerdict, Finding } from '../../../src/core/schema.js';

export const HOST = 'mx1.example.test[192.0.2.25]:25';

export function cert(overrides: Partial<CertInfo> = {}): CertInfo {
  return {
    subject: 'CN=mx1.example.test, O=Example',
    issuer: 'CN=Example Issuing CA, O=Example',
    commonName: 'mx1.example.test',
    dnsNames: ['mx1.example.test', 'mx2.example.test'],
    ipAddresses: [],
    serialNumber: '01AB',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2026-12-01T00:00:00.000Z',
    signatureAlgorithm: 'ecdsa-with-SHA256',
    signatureOid: '1.2.840.10045.4.3.2',
    keyType: 'ec',
    keyBits: 256,
    keyCurve: 'prime256v1',
    selfIssued: false,
    isCa: false,
    sha1: 'A'.repeat(40),
    sha256: 'B'.repeat(64),
    spkiSha256: '5'.repeat(64),
    source: 'sent',
    ...overrides,
  };
}

export const intermediate = (o: Partial<CertInfo> = {}): CertInfo =>
  cert({
    subject: 'CN=Example Issuing CA, O=Example',
    issuer: 'C=US, O=Example, CN=Example Root CA',
    commonName: 'Example Issuing CA',
    dnsNames: [],
    isCa: true,
    sha1: 'C'.repeat(40),
    sha256: 'D'.repeat(64),
    ...o,
  });

export const rootCa = (o: Partial<CertInfo> = {}): CertInfo =>
  cert({
    subject: 'C=US, O=Example, CN=Example Root CA',
    issuer: 'C=US, O=Example, CN=Example Root CA',
    commonName: 'Example Root CA',
    dnsNames: [],
    isCa: true,
    selfIssued: true,
    source: 'trust-store',
    sha1: 'E'.repeat(40),
    sha256: 'F'.repeat(64),
    ...o,
  });

export function verdict(overrides: Partial<CertVerdict> = {}): CertVerdict {
  const leaf = cert();
  return {
    sent: [leaf, intermediate()],
    path: [leaf, intermediate(), rootCa()],
    trusted: true,
    trustFailure: 'none',
    trustReason: null,
    checkedName: 'mx1.example.test',
    nameMatches: true,
    domainMatches: null,
    timeValid: true,
    daysLeft: 200,
    opensslError: null,
    problems: [],
    sentCount: 2,
    ...overrides,
  };
}

export function context(overrides: Partial<CertificateContext> = {}): CertificateContext {
  return {
    host: HOST,
    profile: DEFAULT_PROFILE,
    warnDays: 30,
    expectThumbprint: null,
    announcedNames: ['mx1.example.test'],
    evidence: [7, 8],
    handshake: 'sni',
    ...overrides,
  };
}

export const ids = (findings: Finding[]): string[] => findings.map((f) => f.id);
/** Each finding as [id, facts]; every finding's facts carry the host. */
export const found = (findings: Finding[]) => findings.map((f) => [f.id, f.facts]);
export const F = (id: string, facts: Finding['facts'] = {}) => [id, { host: HOST, ...facts }];
export const judge = (v: Partial<CertVerdict> = {}, c: Partial<CertificateContext> = {}) => assessCertificate(verdict(v), context(c));
export const OK = F('cert.ok', { subject: 'mx1.example.test', issuer: 'Example Issuing CA', notAfter: '2026-12-01T00:00:00.000Z' });
export const NAMES = 'mx1.example.test, mx2.example.test';
/** cert.chain-incomplete's facts when no repair was tried. */
export const NOT_TRIED = { outcome: 'not tried', repair: 'not tried in this test' };
