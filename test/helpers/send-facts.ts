// Hand-made facts of a `mxray send` report for the unit tests that judge and render them: the TLS
// session, a leaf certificate and a certificate verdict, each with overrides.
import type { CertInfo, CertVerdict, SendTls } from '../../src/core/schema.js';

export function sendTls(over: Partial<SendTls> = {}): SendTls {
  return { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', group: 'x25519', sni: null, handshakeMs: 12, chain: [], clientCertificate: false, ...over };
}

export function certInfo(over: Partial<CertInfo> = {}): CertInfo {
  return {
    subject: 'CN=mx1.example.test',
    issuer: 'CN=Test CA',
    commonName: 'mx1.example.test',
    dnsNames: ['mx1.example.test', 'mx.example.test'],
    ipAddresses: ['192.0.2.1'],
    serialNumber: '01',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    signatureAlgorithm: 'sha256WithRSAEncryption',
    signatureOid: null,
    keyType: 'RSA',
    keyBits: 2048,
    keyCurve: null,
    selfIssued: false,
    isCa: false,
    sha1: 'A'.repeat(40),
    sha256: 'B'.repeat(64),
    spkiSha256: 'C'.repeat(64),
    source: 'sent',
    ...over,
  };
}

export function certVerdict(over: Partial<CertVerdict> = {}): CertVerdict {
  return {
    sent: [certInfo()],
    path: [certInfo()],
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
    sentCount: 1,
    ...over,
  };
}
