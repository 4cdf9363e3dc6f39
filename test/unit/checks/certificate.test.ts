import { describe, expect, it } from 'vitest';
import { assessCertificate, certificateCovers, certificateNames, nameCovers, type CertificateContext } from '../../../src/checks/certificate.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type { CertInfo, CertVerdict, Finding } from '../../../src/core/schema.js';

const HOST = 'mx1.example.test[192.0.2.25]:25';
const BLOCKING = ['warning', 'error', 'critical'];

function cert(overrides: Partial<CertInfo> = {}): CertInfo {
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
    source: 'sent',
    ...overrides,
  };
}

const intermediate = (o: Partial<CertInfo> = {}): CertInfo =>
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

const rootCa = (o: Partial<CertInfo> = {}): CertInfo =>
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

function verdict(overrides: Partial<CertVerdict> = {}): CertVerdict {
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
    ...overrides,
  };
}

function context(overrides: Partial<CertificateContext> = {}): CertificateContext {
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

const ids = (findings: Finding[]): string[] => findings.map((f) => f.id);
const find = (findings: Finding[], id: string): Finding => {
  const f = findings.find((x) => x.id === id);
  if (!f) throw new Error(`no ${id} in ${ids(findings).join(', ')}`);
  return f;
};
/** cert.ok comes exactly when nothing at warning level or worse was found (severities are the catalogue's). */
function expectOkRule(findings: Finding[]): void {
  const blocking = findings.some((f) => BLOCKING.includes(f.severity));
  expect(ids(findings).includes('cert.ok')).toBe(!blocking);
}

describe('assessCertificate', () => {
  it('gives only cert.ok for a good certificate', () => {
    const findings = assessCertificate(verdict(), context());
    expect(ids(findings)).toEqual(['cert.ok']);
    const ok = find(findings, 'cert.ok');
    expect(ok.facts).toEqual({ host: HOST, subject: 'mx1.example.test', issuer: 'Example Issuing CA', notAfter: '2026-12-01T00:00:00.000Z' });
    expect(ok.hosts).toEqual([HOST]);
    expect(ok.evidence).toEqual([7, 8]);
  });

  it('gives cert.ok when no name was checked', () => {
    expect(ids(assessCertificate(verdict({ checkedName: null, nameMatches: null }), context()))).toEqual(['cert.ok']);
  });

  it('says nothing when there is no certificate', () => {
    const v = verdict({ sent: [], path: [], trusted: false, trustFailure: 'no-certificate', nameMatches: null, timeValid: false, daysLeft: 0 });
    expect(assessCertificate(v, context())).toEqual([]);
  });

  it('marks findings from the handshake without SNI', () => {
    const findings = assessCertificate(verdict({ nameMatches: false }), context({ handshake: 'no-sni' }));
    for (const f of findings) expect(f.facts).toMatchObject({ host: HOST, handshake: 'no-sni' });
    const withSni = assessCertificate(verdict({ nameMatches: false }), context());
    for (const f of withSni) expect(f.facts).not.toHaveProperty('handshake');
  });

  describe('time', () => {
    it('cert.expired', () => {
      const findings = assessCertificate(verdict({ timeValid: false, daysLeft: -10 }), context());
      expect(find(findings, 'cert.expired').facts).toMatchObject({ subject: 'mx1.example.test', notAfter: '2026-12-01T00:00:00.000Z', daysAgo: 10 });
      expect(ids(findings)).not.toContain('cert.ok');
      expect(ids(findings)).not.toContain('cert.not-yet-valid');
      expect(ids(findings)).not.toContain('cert.expiring-soon');
    });

    it('cert.not-yet-valid', () => {
      const findings = assessCertificate(verdict({ timeValid: false, daysLeft: 300 }), context());
      expect(find(findings, 'cert.not-yet-valid').facts).toMatchObject({ subject: 'mx1.example.test', notBefore: '2026-01-01T00:00:00.000Z' });
      expect(ids(findings)).not.toContain('cert.ok');
      expect(ids(findings)).not.toContain('cert.expired');
    });

    it('cert.expiring-soon within the warning window only', () => {
      const findings = assessCertificate(verdict({ daysLeft: 12 }), context());
      expect(find(findings, 'cert.expiring-soon').facts).toMatchObject({ subject: 'mx1.example.test', daysLeft: 12, notAfter: '2026-12-01T00:00:00.000Z' });
      expectOkRule(findings);
      expect(ids(assessCertificate(verdict({ daysLeft: 0 }), context()))).toContain('cert.expiring-soon');
      expect(ids(assessCertificate(verdict({ daysLeft: 30 }), context()))).not.toContain('cert.expiring-soon');
      expect(ids(assessCertificate(verdict({ daysLeft: 29 }), context()))).toContain('cert.expiring-soon');
      expect(ids(assessCertificate(verdict({ daysLeft: 45 }), context({ warnDays: 60 })))).toContain('cert.expiring-soon');
    });
  });

  describe('trust', () => {
    it('cert.self-signed', () => {
      const self = cert({ issuer: 'CN=mx1.example.test, O=Example', selfIssued: true });
      const v = verdict({ sent: [self], path: [self], trusted: false, trustFailure: 'self-signed', trustReason: 'self-signed' });
      const findings = assessCertificate(v, context());
      expect(find(findings, 'cert.self-signed').facts).toMatchObject({ subject: 'mx1.example.test' });
      expectOkRule(findings);
      expect(ids(findings)).not.toContain('cert.ok');
    });

    it('cert.untrusted-root', () => {
      const path = [cert(), intermediate(), rootCa({ source: 'sent', commonName: 'Private Root' })];
      const findings = assessCertificate(verdict({ path, trusted: false, trustFailure: 'untrusted-root' }), context());
      expect(find(findings, 'cert.untrusted-root').facts).toMatchObject({ root: 'Private Root' });
      expect(ids(findings)).not.toContain('cert.ok');
    });

    it('cert.chain-incomplete names the missing issuer', () => {
      const leaf = cert();
      const findings = assessCertificate(verdict({ sent: [leaf], path: [leaf], trusted: false, trustFailure: 'chain-incomplete' }), context());
      expect(find(findings, 'cert.chain-incomplete').facts).toMatchObject({ issuer: 'Example Issuing CA' });
      expect(ids(findings)).not.toContain('cert.ok');
    });

    it('cert.chain-incomplete reads the issuer CN from an escaped DN', () => {
      const leaf = cert({ issuer: 'C=US, O=Example\\, Inc., CN=R3 \\+ more' });
      const findings = assessCertificate(verdict({ sent: [leaf], path: [leaf], trusted: false, trustFailure: 'chain-incomplete' }), context());
      expect(find(findings, 'cert.chain-incomplete').facts).toMatchObject({ issuer: 'R3 + more' });
    });

    it('cert.bad-signature', () => {
      const leaf = cert();
      const findings = assessCertificate(verdict({ path: [leaf], trusted: false, trustFailure: 'bad-signature' }), context());
      expect(find(findings, 'cert.bad-signature').facts).toMatchObject({ subject: 'mx1.example.test' });
      expect(ids(findings)).not.toContain('cert.ok');
    });
  });

  describe('names', () => {
    it('cert.name-mismatch lists the certificate names', () => {
      const findings = assessCertificate(verdict({ checkedName: 'mx9.example.test', nameMatches: false }), context({ announcedNames: [] }));
      expect(find(findings, 'cert.name-mismatch').facts).toMatchObject({ name: 'mx9.example.test', certNames: 'mx1.example.test, mx2.example.test' });
      expect(ids(findings)).not.toContain('cert.ok');
    });

    it('cert.name-mismatch falls back to the CN without SAN, and to the host for an IP target', () => {
      const leaf = cert({ dnsNames: [], commonName: 'legacy.example.test' });
      const findings = assessCertificate(verdict({ path: [leaf, intermediate(), rootCa()], checkedName: null, nameMatches: false }), context({ announcedNames: [] }));
      expect(find(findings, 'cert.name-mismatch').facts).toMatchObject({ name: HOST, certNames: 'legacy.example.test' });
    });

    it('cert.domain-mismatch only when the host name matched', () => {
      const findings = assessCertificate(verdict({ domainMatches: false }), context({ domain: 'example.test' }));
      expect(find(findings, 'cert.domain-mismatch').facts).toMatchObject({ domain: 'example.test', certNames: 'mx1.example.test, mx2.example.test' });
      expectOkRule(findings);
      const both = assessCertificate(verdict({ nameMatches: false, domainMatches: false }), context());
      expect(ids(both)).not.toContain('cert.domain-mismatch');
      expect(ids(assessCertificate(verdict({ domainMatches: true }), context()))).not.toContain('cert.domain-mismatch');
    });

    it('cert.ehlo-name-mismatch lists announced FQDNs the certificate does not cover, once each', () => {
      const findings = assessCertificate(
        verdict(),
        context({
          announcedNames: ['mx1.example.test', 'MX2.example.test.', 'smtp.example.net', 'SMTP.example.net', '[192.0.2.25]', '192.0.2.25', 'localhost', 'relay.example.org'],
        }),
      );
      const f = find(findings, 'cert.ehlo-name-mismatch');
      expect(f.facts).toMatchObject({ announced: 'smtp.example.net, relay.example.org', certNames: 'mx1.example.test, mx2.example.test' });
      expectOkRule(findings);
    });

    it('no cert.ehlo-name-mismatch when a wildcard covers the announced name, or for IP literals and bare labels', () => {
      const leaf = cert({ dnsNames: ['*.example.test'] });
      const v = verdict({ path: [leaf, intermediate(), rootCa()], sent: [leaf] });
      expect(ids(assessCertificate(v, context({ announcedNames: ['mx7.example.test', '[IPv6:2001:db8::1]', 'mailhost'] })))).toEqual(['cert.ok']);
      expect(ids(assessCertificate(v, context({ announcedNames: ['a.b.example.test'] })))).toContain('cert.ehlo-name-mismatch');
    });

    it('does not repeat the checked name in cert.ehlo-name-mismatch', () => {
      const findings = assessCertificate(verdict({ checkedName: 'mx9.example.test', nameMatches: false }), context({ announcedNames: ['mx9.example.test'] }));
      expect(ids(findings)).toContain('cert.name-mismatch');
      expect(ids(findings)).not.toContain('cert.ehlo-name-mismatch');
    });
  });

  describe('cryptography', () => {
    it('cert.weak-signature on the leaf', () => {
      const leaf = cert({ signatureAlgorithm: 'sha1WithRSAEncryption' });
      const findings = assessCertificate(verdict({ path: [leaf, intermediate(), rootCa()] }), context());
      expect(find(findings, 'cert.weak-signature').facts).toMatchObject({ algorithm: 'sha1WithRSAEncryption', subject: 'mx1.example.test' });
      expectOkRule(findings);
    });

    it('cert.weak-signature on an intermediate, MD5 and PSS with SHA-1 included', () => {
      const path = [cert({ signatureAlgorithm: 'RSASSA-PSS (sha1)' }), intermediate({ signatureAlgorithm: 'md5WithRSAEncryption' }), rootCa()];
      const f = find(assessCertificate(verdict({ path }), context()), 'cert.weak-signature');
      expect(f.facts).toMatchObject({ algorithm: 'RSASSA-PSS (sha1), md5WithRSAEncryption', subject: 'mx1.example.test, Example Issuing CA' });
    });

    it("no cert.weak-signature for the trust anchor's own signature, trusted or not", () => {
      const trusted = [cert(), intermediate(), rootCa({ signatureAlgorithm: 'sha1WithRSAEncryption' })];
      expect(ids(assessCertificate(verdict({ path: trusted }), context()))).toEqual(['cert.ok']);
      const untrusted = [cert(), intermediate(), rootCa({ source: 'sent', signatureAlgorithm: 'sha1WithRSAEncryption' })];
      const findings = assessCertificate(verdict({ path: untrusted, trusted: false, trustFailure: 'untrusted-root' }), context());
      expect(ids(findings)).not.toContain('cert.weak-signature');
      const self = cert({ selfIssued: true, signatureAlgorithm: 'sha1WithRSAEncryption' });
      const selfSigned = assessCertificate(verdict({ path: [self], sent: [self], trusted: false, trustFailure: 'self-signed' }), context());
      expect(ids(selfSigned)).toEqual(['cert.self-signed']);
      expect(ids(assessCertificate(verdict({ path: [cert({ signatureAlgorithm: 'sha256WithRSAEncryption' }), intermediate(), rootCa()] }), context()))).toEqual(['cert.ok']);
    });

    it('cert.weak-key for small RSA keys in the path, not the anchor', () => {
      const path = [cert({ keyType: 'rsa', keyBits: 1024 }), intermediate(), rootCa()];
      const findings = assessCertificate(verdict({ path }), context());
      expect(find(findings, 'cert.weak-key').facts).toMatchObject({ bits: 1024 });
      expectOkRule(findings);
      const inter = [cert(), intermediate({ keyType: 'rsa', keyBits: 1536 }), rootCa()];
      expect(find(assessCertificate(verdict({ path: inter }), context()), 'cert.weak-key').facts).toMatchObject({ bits: 1536 });
      const anchor = [cert(), intermediate(), rootCa({ keyType: 'rsa', keyBits: 1024 })];
      expect(ids(assessCertificate(verdict({ path: anchor }), context()))).toEqual(['cert.ok']);
      const fine = [cert({ keyType: 'rsa', keyBits: 2048 }), intermediate(), rootCa()];
      expect(ids(assessCertificate(verdict({ path: fine }), context()))).toEqual(['cert.ok']);
    });

    it('cert.weak-key for a small key on a pinned (trust-store) leaf: its key is still used in the handshake', () => {
      const leaf = cert({ keyType: 'rsa', keyBits: 1024, source: 'trust-store', selfIssued: true });
      expect(ids(assessCertificate(verdict({ path: [leaf], sent: [leaf] }), context()))).toContain('cert.weak-key');
    });
  });

  describe('thumbprint', () => {
    it('cert.thumbprint-mismatch when the expected thumbprint is neither SHA-1 nor SHA-256', () => {
      const findings = assessCertificate(verdict(), context({ expectThumbprint: '12:34:' + '0'.repeat(36) }));
      expect(find(findings, 'cert.thumbprint-mismatch').facts).toMatchObject({ expected: '1234' + '0'.repeat(36), actual: 'A'.repeat(40) });
      expect(ids(findings)).not.toContain('cert.ok');
      const long = assessCertificate(verdict(), context({ expectThumbprint: '0'.repeat(64) }));
      expect(find(long, 'cert.thumbprint-mismatch').facts).toMatchObject({ actual: 'B'.repeat(64) });
    });

    it('matches either thumbprint, ignoring case, colons and spaces', () => {
      const sha1 = 'aa:'.repeat(20).slice(0, -1);
      expect(ids(assessCertificate(verdict(), context({ expectThumbprint: sha1 })))).toEqual(['cert.ok']);
      const sha256 = 'bb bb '.repeat(16);
      expect(ids(assessCertificate(verdict(), context({ expectThumbprint: sha256 })))).toEqual(['cert.ok']);
    });
  });
});

describe('name helpers', () => {
  it('nameCovers follows RFC 6125', () => {
    expect(nameCovers('mx.example.test', 'MX.Example.Test.')).toBe(true);
    expect(nameCovers('*.example.test', 'a.example.test')).toBe(true);
    expect(nameCovers('*.example.test', 'a.b.example.test')).toBe(false);
    expect(nameCovers('*.example.test', 'example.test')).toBe(false);
    expect(nameCovers('m*.example.test', 'mx.example.test')).toBe(false);
    expect(nameCovers('*.test', 'example.test')).toBe(false);
    expect(nameCovers('', 'example.test')).toBe(false);
  });

  it('certificateCovers uses the CN only without DNS SANs', () => {
    expect(certificateCovers(cert({ dnsNames: [], commonName: 'a.example.test' }), 'a.example.test')).toBe(true);
    expect(certificateCovers(cert({ dnsNames: ['b.example.test'], commonName: 'a.example.test' }), 'a.example.test')).toBe(false);
    expect(certificateCovers(cert({ dnsNames: [], commonName: null }), 'a.example.test')).toBe(false);
  });

  it('certificateNames lists SAN entries, else the CN', () => {
    expect(certificateNames(cert({ ipAddresses: ['192.0.2.1'] }))).toBe('mx1.example.test, mx2.example.test, 192.0.2.1');
    expect(certificateNames(cert({ dnsNames: [] }))).toBe('mx1.example.test');
    expect(certificateNames(cert({ dnsNames: [], commonName: null }))).toBe('(none)');
  });
});

describe('cert.expired counts whole days from the judging time', () => {
  it('10 days and some seconds ago reads 10, a few hours ago reads 1', () => {
    const notAfter = Date.parse('2026-12-01T00:00:00.000Z');
    const v = verdict({ timeValid: false, daysLeft: -11 });
    const later = assessCertificate(v, context({ now: notAfter + 10 * 86_400_000 + 5000 }));
    expect(find(later, 'cert.expired').facts.daysAgo).toBe(10);
    const soon = assessCertificate(verdict({ timeValid: false, daysLeft: -1 }), context({ now: notAfter + 3 * 3_600_000 }));
    expect(find(soon, 'cert.expired').facts.daysAgo).toBe(1);
  });
});

describe('an expired intermediate on the path', () => {
  it('is cert.expired naming the intermediate, even with a valid leaf', () => {
    const now = Date.parse('2026-06-01T00:00:00.000Z');
    const staleMid = intermediate({ notAfter: '2026-05-01T00:00:00.000Z' });
    const v = verdict({ sent: [cert(), staleMid], path: [cert(), staleMid, rootCa()] });
    const f = find(assessCertificate(v, context({ now })), 'cert.expired');
    expect(f.facts).toMatchObject({ subject: 'Example Issuing CA', daysAgo: 31 });
    expect(ids(assessCertificate(verdict(), context({ now })))).not.toContain('cert.expired');
  });
});
