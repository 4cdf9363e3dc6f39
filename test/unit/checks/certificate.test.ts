import { describe, expect, it } from 'vitest';
import { certificateCovers, certificateNames, nameCovers } from '../../../src/checks/certificate/index.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type { CertVerdict } from '../../../src/core/schema.js';
import { cert, F, found, HOST, ids, intermediate, judge, NAMES, NOT_TRIED, OK, rootCa } from './certificate-fixtures.js';

describe('assessCertificate', () => {
  it('gives only cert.ok for a good certificate, about this host, with the evidence given', () => {
    const findings = judge();
    expect(found(findings)).toEqual([OK]);
    expect(findings[0]?.hosts).toEqual([HOST]);
    expect(findings[0]?.evidence).toEqual([7, 8]);
    expect(findings[0]?.severity).toBe('ok');
  });

  it('gives cert.ok when no name was checked (an IP target)', () => {
    expect(found(judge({ checkedName: null, nameMatches: null }))).toEqual([OK]);
  });

  it('says nothing when there is no certificate', () => {
    expect(judge({ sent: [], path: [], trusted: false, trustFailure: 'no-certificate', nameMatches: null, timeValid: false, daysLeft: 0 })).toEqual([]);
  });

  it('does not judge another certificate as the leaf when the leaf could not be read', () => {
    // verifyChain's verdict for an unreadable leaf sent with a good intermediate: no path, the intermediate in `sent`.
    const v = { sent: [intermediate()], path: [], trusted: false, trustFailure: 'no-certificate' as const, nameMatches: null, timeValid: false, daysLeft: 0 };
    expect(judge(v)).toEqual([]);
  });

  it('marks findings from the handshake without SNI', () => {
    expect(found(judge({ nameMatches: false }, { handshake: 'no-sni' }))).toEqual([F('cert.name-mismatch', { handshake: 'no-sni', name: 'mx1.example.test', certNames: NAMES })]);
    expect(found(judge({ nameMatches: false }))).toEqual([F('cert.name-mismatch', { name: 'mx1.example.test', certNames: NAMES })]);
    expect(found(judge({}, { handshake: 'no-sni' }))).toEqual([['cert.ok', { host: HOST, handshake: 'no-sni', subject: 'mx1.example.test', issuer: 'Example Issuing CA', notAfter: '2026-12-01T00:00:00.000Z' }]]);
  });

  describe('time', () => {
    it('cert.expired', () => {
      expect(found(judge({ timeValid: false, daysLeft: -10 }))).toEqual([F('cert.expired', { subject: 'mx1.example.test', notAfter: '2026-12-01T00:00:00.000Z', daysAgo: 10 })]);
    });

    it('cert.not-yet-valid, also when the end of validity is less than a day away', () => {
      const notYet = F('cert.not-yet-valid', { subject: 'mx1.example.test', notBefore: '2026-01-01T00:00:00.000Z' });
      expect(found(judge({ timeValid: false, daysLeft: 300 }))).toEqual([notYet]);
      expect(found(judge({ timeValid: false, daysLeft: 0 }))).toEqual([notYet]);
    });

    it('cert.expiring-soon within the warning window only', () => {
      const soon = (daysLeft: number) => F('cert.expiring-soon', { subject: 'mx1.example.test', notAfter: '2026-12-01T00:00:00.000Z', daysLeft });
      expect(found(judge({ daysLeft: 12 }))).toEqual([soon(12)]);
      expect(found(judge({ daysLeft: 0 }))).toEqual([soon(0)]);
      expect(found(judge({ daysLeft: 29 }))).toEqual([soon(29)]);
      expect(found(judge({ daysLeft: 30 }))).toEqual([OK]);
      expect(found(judge({ daysLeft: 45 }, { warnDays: 60 }))).toEqual([soon(45)]);
    });
  });

  describe('trust', () => {
    it('cert.self-signed', () => {
      const self = cert({ issuer: 'CN=mx1.example.test, O=Example', selfIssued: true });
      const findings = judge({ sent: [self], path: [self], trusted: false, trustFailure: 'self-signed', trustReason: 'self-signed' });
      expect(found(findings)).toEqual([F('cert.self-signed', { subject: 'mx1.example.test' })]);
    });

    it('cert.untrusted-root names the root the server sent', () => {
      const path = [cert(), intermediate(), rootCa({ source: 'sent', commonName: 'Private Root' })];
      expect(found(judge({ path, trusted: false, trustFailure: 'untrusted-root' }))).toEqual([F('cert.untrusted-root', { root: 'Private Root' })]);
    });

    it('cert.untrusted-root names the root the chain points to when the server did not send it', () => {
      const path = [cert(), intermediate()];
      expect(found(judge({ path, trusted: false, trustFailure: 'untrusted-root' }))).toEqual([F('cert.untrusted-root', { root: 'Example Root CA' })]);
    });

    it('cert.chain-incomplete names the missing issuer (no repair tried)', () => {
      const leaf = cert();
      expect(found(judge({ sent: [leaf], path: [leaf], trusted: false, trustFailure: 'chain-incomplete' }))).toEqual([F('cert.chain-incomplete', { issuer: 'Example Issuing CA', ...NOT_TRIED })]);
      const upTo = [cert(), intermediate()];
      expect(found(judge({ path: upTo, trusted: false, trustFailure: 'chain-incomplete', repair: null }))).toEqual([F('cert.chain-incomplete', { issuer: 'Example Root CA', ...NOT_TRIED })]);
    });

    it('cert.bad-signature names the certificate whose signature failed (the end of the path built)', () => {
      const leaf = cert();
      expect(found(judge({ path: [leaf], trusted: false, trustFailure: 'bad-signature' }))).toEqual([F('cert.bad-signature', { subject: 'mx1.example.test' })]);
      expect(found(judge({ path: [leaf, intermediate()], trusted: false, trustFailure: 'bad-signature' }))).toEqual([F('cert.bad-signature', { subject: 'Example Issuing CA' })]);
    });

    it('a certificate without a CN is named by its subject', () => {
      const leaf = cert({ commonName: null, subject: 'O=Example, OU=Mail' });
      expect(found(judge({ sent: [leaf], path: [leaf], trusted: false, trustFailure: 'self-signed' }))).toEqual([F('cert.self-signed', { subject: 'O=Example, OU=Mail' })]);
      const empty = cert({ commonName: '', subject: 'CN=, O=Example' });
      expect(found(judge({ sent: [empty], path: [empty], trusted: false, trustFailure: 'self-signed' }))).toEqual([F('cert.self-signed', { subject: 'CN=, O=Example' })]);
    });
  });

  describe("the issuer's name", () => {
    const issuerOf = (issuer: string) => {
      const leaf = cert({ issuer });
      const [f] = judge({ sent: [leaf], path: [leaf], trusted: false, trustFailure: 'chain-incomplete' });
      return f?.facts.issuer;
    };

    it('is the last CN of the DN, whatever the order', () => {
      expect(issuerOf('CN=R3, O=Example, C=US')).toBe('R3');
      expect(issuerOf('C=US, O=Example, CN=R3')).toBe('R3');
      expect(issuerOf('CN=Example Root, OU=Issuing, CN=Example Issuing CA 2')).toBe('Example Issuing CA 2');
    });

    it('reads escaped separators as text, and splits multi-valued RDNs', () => {
      expect(issuerOf('C=US, O=Example\\, Inc., CN=R3 \\+ more')).toBe('R3 + more');
      expect(issuerOf('O=Example, CN=a\\,b\\\\c')).toBe('a,b\\c');
      expect(issuerOf('O=Example, CN=Issuing CA+OU=Mail')).toBe('Issuing CA');
      // Hex escapes stay as they are.
      expect(issuerOf('O=Example, CN=caf\\C3\\A9 CA')).toBe('caf\\C3\\A9 CA');
    });

    it('is the whole DN without a CN', () => {
      expect(issuerOf('O=Example Trust, C=US')).toBe('O=Example Trust, C=US');
      // "XCN=" is no CN.
      expect(issuerOf('O=Example, XCN=nope')).toBe('O=Example, XCN=nope');
    });
  });

  describe('names', () => {
    it('cert.name-mismatch lists the certificate names', () => {
      expect(found(judge({ checkedName: 'mx9.example.test', nameMatches: false }, { announcedNames: [] }))).toEqual([F('cert.name-mismatch', { name: 'mx9.example.test', certNames: NAMES })]);
    });

    it('cert.name-mismatch falls back to the CN without SAN, and to the host for an IP target', () => {
      const leaf = cert({ dnsNames: [], commonName: 'legacy.example.test' });
      const findings = judge({ path: [leaf, intermediate(), rootCa()], checkedName: null, nameMatches: false }, { announcedNames: [] });
      expect(found(findings)).toEqual([F('cert.name-mismatch', { name: HOST, certNames: 'legacy.example.test' }), F('cert.cn-only', { commonName: 'legacy.example.test' })]);
    });

    it('cert.domain-mismatch only when the host name matched', () => {
      const findings = judge({ domainMatches: false }, { domain: 'example.test' });
      expect(found(findings)).toEqual([F('cert.domain-mismatch', { domain: 'example.test', certNames: NAMES }), OK]);
      // Without the domain in the context, the finding still comes, naming no domain.
      expect(found(judge({ domainMatches: false }))).toEqual([F('cert.domain-mismatch', { domain: null, certNames: NAMES }), OK]);
      expect(ids(judge({ nameMatches: false, domainMatches: false }))).toEqual(['cert.name-mismatch']);
      // No host name checked (an IP target): nothing to compare the domain with.
      expect(ids(judge({ checkedName: null, nameMatches: null, domainMatches: false }))).toEqual(['cert.ok']);
      expect(ids(judge({ domainMatches: true }))).toEqual(['cert.ok']);
    });

    it('cert.ehlo-name-mismatch lists announced FQDNs the certificate does not cover, once each', () => {
      const findings = judge(
        {},
        { announcedNames: ['mx1.example.test', 'MX2.example.test.', 'smtp.example.net', 'SMTP.example.net', '[192.0.2.25]', '192.0.2.25', 'localhost', 'relay.example.org'] },
      );
      expect(found(findings)).toEqual([F('cert.ehlo-name-mismatch', { announced: 'smtp.example.net, relay.example.org', certNames: NAMES })]);
      // Compared in normal form: case, a trailing dot and white space do not count.
      expect(found(judge({}, { announcedNames: [' Relay.Example.ORG. ', 'mx1.example.test'] }))).toEqual([F('cert.ehlo-name-mismatch', { announced: 'relay.example.org', certNames: NAMES })]);
    });

    it('no cert.ehlo-name-mismatch when a wildcard covers the announced name, or for IP literals and bare labels', () => {
      const leaf = cert({ dnsNames: ['*.example.test'] });
      const v = { path: [leaf, intermediate(), rootCa()], sent: [leaf] };
      expect(ids(judge(v, { announcedNames: ['mx7.example.test', '[IPv6:2001:db8::1]', 'mailhost'] }))).toEqual(['cert.ok']);
      expect(found(judge(v, { announcedNames: ['a.b.example.test'] }))).toEqual([F('cert.ehlo-name-mismatch', { announced: 'a.b.example.test', certNames: '*.example.test' })]);
    });

    it('compares announced names with the CN when the certificate has no DNS names', () => {
      const leaf = cert({ dnsNames: [], commonName: 'mx1.example.test' });
      const v = { path: [leaf, intermediate(), rootCa()], sent: [leaf] };
      expect(ids(judge(v, { announcedNames: ['mx1.example.test'] }))).toEqual(['cert.cn-only']);
      expect(ids(judge(v, { announcedNames: ['mx2.example.test'] }))).toEqual(['cert.ehlo-name-mismatch', 'cert.cn-only']);
    });

    it('cert.cn-only: a CN and no subjectAltName at all; not with an IP address or DNS name in it, nor without a CN', () => {
      const only = (o: Parameters<typeof cert>[0]) => {
        const leaf = cert(o);
        return found(judge({ sent: [leaf, intermediate()], path: [leaf, intermediate(), rootCa()] }, { announcedNames: [] }));
      };
      const findings = judge({ path: [cert({ dnsNames: [] }), intermediate(), rootCa()] }, { announcedNames: [] });
      expect(found(findings)).toEqual([F('cert.cn-only', { commonName: 'mx1.example.test' })]);
      expect(findings[0]?.severity).toBe('warning');
      expect(only({ dnsNames: [], ipAddresses: ['192.0.2.25'] })).toEqual([F('cert.ok', { subject: 'mx1.example.test', issuer: 'Example Issuing CA', notAfter: '2026-12-01T00:00:00.000Z' })]);
      expect(only({ dnsNames: ['mx1.example.test'] })).toEqual([OK]);
      // No name at all: nothing to say about the CN (the name check says the rest).
      expect(only({ dnsNames: [], commonName: null, subject: 'O=Example' })).toEqual([F('cert.ok', { subject: 'O=Example', issuer: 'Example Issuing CA', notAfter: '2026-12-01T00:00:00.000Z' })]);
      expect(only({ dnsNames: [], commonName: '' })).toEqual([F('cert.ok', { subject: 'CN=mx1.example.test, O=Example', issuer: 'Example Issuing CA', notAfter: '2026-12-01T00:00:00.000Z' })]);
    });

    it('does not repeat the checked name in cert.ehlo-name-mismatch', () => {
      expect(ids(judge({ checkedName: 'mx9.example.test', nameMatches: false }, { announcedNames: ['mx9.example.test'] }))).toEqual(['cert.name-mismatch']);
      // The checked name is compared in its normal form.
      expect(ids(judge({ checkedName: 'MX9.example.test.', nameMatches: false }, { announcedNames: ['mx9.example.test'] }))).toEqual(['cert.name-mismatch']);
      // Without a checked name, every uncovered announced name is reported.
      expect(ids(judge({ checkedName: null, nameMatches: false }, { announcedNames: ['mx9.example.test'] }))).toEqual(['cert.name-mismatch', 'cert.ehlo-name-mismatch']);
    });
  });

  describe('cryptography', () => {
    const rsa = (bits: number, subject: string) => F('cert.weak-key', { keyType: 'RSA', bits, minBits: 2048, subject });
    const ec = (bits: number, subject: string) => F('cert.weak-key', { keyType: 'EC', bits, minBits: 256, subject });

    it('cert.weak-key for EC keys below the profile minimum (P-256), on the leaf or an intermediate, not the anchor', () => {
      expect(found(judge({ path: [cert({ keyBits: 224, keyCurve: 'secp224r1' }), intermediate(), rootCa()] }))).toEqual([ec(224, 'mx1.example.test')]);
      expect(found(judge({ path: [cert(), intermediate({ keyBits: 192, keyCurve: 'prime192v1' }), rootCa()] }))).toEqual([ec(192, 'Example Issuing CA')]);
      expect(found(judge({ path: [cert({ keyBits: 224 }), intermediate({ keyBits: 192 }), rootCa()] }))).toEqual([ec(192, 'mx1.example.test, Example Issuing CA')]);
      // P-256 is enough, P-384 too; the anchor's key is ours to answer for; a size not read is not judged.
      expect(ids(judge({ path: [cert({ keyBits: 256 }), intermediate({ keyBits: 384 }), rootCa({ keyBits: 160 })] }))).toEqual(['cert.ok']);
      expect(ids(judge({ path: [cert({ keyBits: null }), intermediate(), rootCa()] }))).toEqual(['cert.ok']);
      // Against the profile's minimum.
      expect(found(judge({}, { profile: { ...DEFAULT_PROFILE, minEcBits: 384 } }))).toEqual([
        F('cert.weak-key', { keyType: 'EC', bits: 256, minBits: 384, subject: 'mx1.example.test, Example Issuing CA' }),
      ]);
      // An Ed25519 key (256 bits, another type) is not an EC key.
      expect(ids(judge({ path: [cert({ keyType: 'ed25519', keyBits: 128 }), intermediate(), rootCa()] }))).toEqual(['cert.ok']);
    });

    it('cert.weak-key with weak RSA and EC keys on the path: the RSA keys are named (the smallest), every weak certificate listed', () => {
      const path = [cert({ keyBits: 224 }), intermediate({ keyType: 'rsa', keyBits: 1024 }), rootCa()];
      expect(found(judge({ path }))).toEqual([F('cert.weak-key', { keyType: 'RSA', bits: 1024, minBits: 2048, subject: 'Example Issuing CA, mx1.example.test' })]);
    });

    it('cert.weak-signature for an intermediate signed with SHA-1 under a good leaf', () => {
      const path = [cert(), intermediate({ signatureAlgorithm: 'sha1WithRSAEncryption' }), rootCa()];
      expect(found(judge({ path }))).toEqual([F('cert.weak-signature', { algorithm: 'sha1WithRSAEncryption', subject: 'Example Issuing CA' })]);
      // Also when the chain is incomplete: the intermediate the server sent is its own.
      const upTo = [cert(), intermediate({ signatureAlgorithm: 'ecdsa-with-SHA1' })];
      expect(ids(judge({ path: upTo, trusted: false, trustFailure: 'chain-incomplete' }))).toEqual(['cert.chain-incomplete', 'cert.weak-signature']);
    });

    it('cert.weak-signature on the leaf', () => {
      const leaf = cert({ signatureAlgorithm: 'sha1WithRSAEncryption' });
      expect(found(judge({ path: [leaf, intermediate(), rootCa()] }))).toEqual([F('cert.weak-signature', { algorithm: 'sha1WithRSAEncryption', subject: 'mx1.example.test' })]);
    });

    it('cert.weak-signature on an intermediate, MD5 and PSS with SHA-1 included, each algorithm once', () => {
      const path = [cert({ signatureAlgorithm: 'RSASSA-PSS (sha1)' }), intermediate({ signatureAlgorithm: 'md5WithRSAEncryption' }), rootCa()];
      expect(found(judge({ path }))).toEqual([F('cert.weak-signature', { algorithm: 'RSASSA-PSS (sha1), md5WithRSAEncryption', subject: 'mx1.example.test, Example Issuing CA' })]);
      const both = [cert({ signatureAlgorithm: 'sha1WithRSAEncryption' }), intermediate({ signatureAlgorithm: 'sha1WithRSAEncryption' }), rootCa()];
      expect(found(judge({ path: both }))).toEqual([F('cert.weak-signature', { algorithm: 'sha1WithRSAEncryption', subject: 'mx1.example.test, Example Issuing CA' })]);
    });

    it("judges against the profile's list of weak hashes", () => {
      const strict = { ...DEFAULT_PROFILE, weakSignatureHashes: ['sha1', 'sha256'] };
      expect(found(judge({}, { profile: strict }))).toEqual([F('cert.weak-signature', { algorithm: 'ecdsa-with-SHA256', subject: 'mx1.example.test, Example Issuing CA' })]);
      // An algorithm whose hash is not known is not called weak.
      const odd = [cert({ signatureAlgorithm: '1.2.3.4.5' }), intermediate({ signatureAlgorithm: 'ecdsa-with-SHA384' }), rootCa()];
      expect(ids(judge({ path: odd }, { profile: strict }))).toEqual(['cert.ok']);
    });

    it("no cert.weak-signature for the trust anchor's own signature, trusted or not", () => {
      const trusted = [cert(), intermediate(), rootCa({ signatureAlgorithm: 'sha1WithRSAEncryption' })];
      expect(ids(judge({ path: trusted }))).toEqual(['cert.ok']);
      const untrusted = [cert(), intermediate(), rootCa({ source: 'sent', signatureAlgorithm: 'sha1WithRSAEncryption' })];
      expect(ids(judge({ path: untrusted, trusted: false, trustFailure: 'untrusted-root' }))).toEqual(['cert.untrusted-root']);
      const self = cert({ selfIssued: true, signatureAlgorithm: 'sha1WithRSAEncryption' });
      expect(ids(judge({ path: [self], sent: [self], trusted: false, trustFailure: 'self-signed' }))).toEqual(['cert.self-signed']);
      expect(ids(judge({ path: [cert({ signatureAlgorithm: 'sha256WithRSAEncryption' }), intermediate(), rootCa()] }))).toEqual(['cert.ok']);
    });

    it('a self-issued certificate the server sent that is not the end of the path is judged', () => {
      // A self-issued intermediate (a CA's key rollover certificate) in the middle of the path.
      const rollover = intermediate({ issuer: 'CN=Example Issuing CA, O=Example', selfIssued: true, signatureAlgorithm: 'sha1WithRSAEncryption' });
      expect(ids(judge({ path: [cert(), rollover, intermediate(), rootCa()] }))).toEqual(['cert.weak-signature']);
    });

    it('cert.weak-key for small RSA keys in the path (the smallest named), not the anchor', () => {
      expect(found(judge({ path: [cert({ keyType: 'rsa', keyBits: 1024 }), intermediate(), rootCa()] }))).toEqual([rsa(1024, 'mx1.example.test')]);
      expect(found(judge({ path: [cert(), intermediate({ keyType: 'rsa', keyBits: 1536 }), rootCa()] }))).toEqual([rsa(1536, 'Example Issuing CA')]);
      expect(found(judge({ path: [cert({ keyType: 'rsa-pss', keyBits: 1536 }), intermediate({ keyType: 'rsa', keyBits: 1024 }), rootCa()] }))).toEqual([rsa(1024, 'mx1.example.test, Example Issuing CA')]);
      expect(found(judge({ path: [cert({ keyType: 'rsa', keyBits: 1024 }), intermediate({ keyType: 'rsa', keyBits: 1536 }), rootCa()] }))).toEqual([rsa(1024, 'mx1.example.test, Example Issuing CA')]);
      expect(ids(judge({ path: [cert(), intermediate(), rootCa({ keyType: 'rsa', keyBits: 1024 })] }))).toEqual(['cert.ok']);
      expect(ids(judge({ path: [cert({ keyType: 'rsa', keyBits: 2048 }), intermediate(), rootCa()] }))).toEqual(['cert.ok']);
    });

    it('not cert.weak-key for EC keys, or an RSA key whose size could not be read; against the profile minimum', () => {
      expect(ids(judge({ path: [cert({ keyType: 'ec', keyBits: 256 }), intermediate(), rootCa()] }))).toEqual(['cert.ok']);
      expect(ids(judge({ path: [cert({ keyType: 'rsa', keyBits: null }), intermediate(), rootCa()] }))).toEqual(['cert.ok']);
      expect(found(judge({ path: [cert({ keyType: 'rsa', keyBits: 2048 }), intermediate(), rootCa()] }, { profile: { ...DEFAULT_PROFILE, minRsaBits: 3072 } }))).toEqual([
        F('cert.weak-key', { keyType: 'RSA', bits: 2048, minBits: 3072, subject: 'mx1.example.test' }),
      ]);
    });

    it('an RSA-PSS key is an RSA key', () => {
      expect(found(judge({ path: [cert({ keyType: 'rsa-pss', keyBits: 1536 }), intermediate(), rootCa()] }))).toEqual([rsa(1536, 'mx1.example.test')]);
    });

    it("an anchor from our trust store is ours to answer for, not the server's, self-issued or not", () => {
      // A trust store may hold an intermediate (a --ca-file with the issuing CA): the path ends there.
      const anchor = intermediate({ source: 'trust-store', signatureAlgorithm: 'sha1WithRSAEncryption', keyType: 'rsa', keyBits: 1024 });
      expect(ids(judge({ sent: [cert()], path: [cert(), anchor] }))).toEqual(['cert.ok']);
    });

    it('cert.weak-key for a small key on a pinned (trust-store) leaf: its key is still used in the handshake', () => {
      const leaf = cert({ keyType: 'rsa', keyBits: 1024, source: 'trust-store', selfIssued: true });
      expect(found(judge({ path: [leaf], sent: [leaf] }))).toEqual([rsa(1024, 'mx1.example.test')]);
    });
  });

  describe('thumbprint', () => {
    it('cert.thumbprint-mismatch when the expected thumbprint is neither SHA-1 nor SHA-256', () => {
      expect(found(judge({}, { expectThumbprint: '12:34:' + '0'.repeat(36) }))).toEqual([F('cert.thumbprint-mismatch', { expected: '1234' + '0'.repeat(36), actual: 'A'.repeat(40) })]);
      expect(found(judge({}, { expectThumbprint: '0'.repeat(64) }))).toEqual([F('cert.thumbprint-mismatch', { expected: '0'.repeat(64), actual: 'B'.repeat(64) })]);
    });

    it('matches either thumbprint, ignoring case, colons and white space', () => {
      expect(ids(judge({}, { expectThumbprint: 'aa:'.repeat(20).slice(0, -1) }))).toEqual(['cert.ok']);
      expect(ids(judge({}, { expectThumbprint: 'bb bb '.repeat(16) }))).toEqual(['cert.ok']);
      expect(ids(judge({}, { expectThumbprint: 'bb\tbb\n'.repeat(16) }))).toEqual(['cert.ok']);
    });
  });
});

describe('name helpers', () => {
  it('nameCovers follows RFC 6125', () => {
    expect(nameCovers('mx.example.test', 'MX.Example.Test.')).toBe(true);
    expect(nameCovers(' MX.example.test. ', 'mx.example.test')).toBe(true);
    expect(nameCovers('*.example.test', 'a.example.test')).toBe(true);
    expect(nameCovers('*.Example.Test.', ' A.example.test ')).toBe(true);
    expect(nameCovers('*.example.test', 'a.b.example.test')).toBe(false);
    expect(nameCovers('*.example.test', 'example.test')).toBe(false);
    expect(nameCovers('*.example.test', '.example.test')).toBe(false);
    expect(nameCovers('m*.example.test', 'mx.example.test')).toBe(false);
    // A partial wildcard is no wildcard, whatever follows the "*".
    expect(nameCovers('f*o.example.test', 'x.o.example.test')).toBe(false);
    expect(nameCovers('x.*.example.test', 'x.a.example.test')).toBe(false);
    expect(nameCovers('*.*.example.test', 'a.b.example.test')).toBe(false);
    expect(nameCovers('*.test', 'example.test')).toBe(false);
    expect(nameCovers('', 'example.test')).toBe(false);
    expect(nameCovers('', '')).toBe(false);
    expect(nameCovers('mx.example.test', '')).toBe(false);
  });

  it('certificateCovers uses the CN only without DNS SANs', () => {
    expect(certificateCovers(cert({ dnsNames: [], commonName: 'a.example.test' }), 'a.example.test')).toBe(true);
    expect(certificateCovers(cert({ dnsNames: ['b.example.test'], commonName: 'a.example.test' }), 'a.example.test')).toBe(false);
    expect(certificateCovers(cert({ dnsNames: ['b.example.test', '*.example.test'], commonName: null }), 'a.example.test')).toBe(true);
    expect(certificateCovers(cert({ dnsNames: [], commonName: null }), 'a.example.test')).toBe(false);
  });

  it('certificateNames lists SAN entries, else the CN', () => {
    expect(certificateNames(cert({ ipAddresses: ['192.0.2.1'] }))).toBe('mx1.example.test, mx2.example.test, 192.0.2.1');
    expect(certificateNames(cert({ dnsNames: [], ipAddresses: ['192.0.2.1', '2001:db8::1'] }))).toBe('192.0.2.1, 2001:db8::1');
    expect(certificateNames(cert({ dnsNames: [] }))).toBe('mx1.example.test');
    expect(certificateNames(cert({ dnsNames: [], commonName: null }))).toBe('(none)');
  });
});

describe('cert.expired counts whole days from the judging time', () => {
  it('10 days and some seconds ago reads 10, a few hours ago reads 1', () => {
    const notAfter = Date.parse('2026-12-01T00:00:00.000Z');
    // The intermediate here outlives the leaf: only the leaf has expired.
    const path = [cert(), intermediate({ notAfter: '2027-12-01T00:00:00.000Z' }), rootCa()];
    const later = judge({ path, timeValid: false, daysLeft: -11 }, { now: notAfter + 10 * 86_400_000 + 5000 });
    expect(found(later)).toEqual([F('cert.expired', { subject: 'mx1.example.test', notAfter: '2026-12-01T00:00:00.000Z', daysAgo: 10 })]);
    const soon = judge({ path, timeValid: false, daysLeft: -1 }, { now: notAfter + 3 * 3_600_000 });
    expect(found(soon)).toEqual([F('cert.expired', { subject: 'mx1.example.test', notAfter: '2026-12-01T00:00:00.000Z', daysAgo: 1 })]);
  });
});

describe('an intermediate on the path out of date at the judging time, the verdict made earlier', () => {
  const now = Date.parse('2026-06-01T00:00:00.000Z');
  const expiredMid = (notAfter: string, daysAgo: number, element = 'intermediate 1', subject = 'Example Issuing CA') =>
    F('cert.intermediate-expired', { element, subject, notAfter, daysAgo });

  it('is cert.intermediate-expired naming the intermediate, even with a valid leaf', () => {
    const staleMid = intermediate({ notAfter: '2026-05-01T00:00:00.000Z' });
    const findings = judge({ sent: [cert(), staleMid], path: [cert(), staleMid, rootCa()] }, { now });
    expect(found(findings)).toEqual([expiredMid('2026-05-01T00:00:00.000Z', 31)]);
    expect(ids(judge({}, { now }))).toEqual(['cert.ok']);
    // Expired a few hours ago: one day.
    const justNow = intermediate({ notAfter: '2026-05-31T20:00:00.000Z' });
    expect(found(judge({ path: [cert(), justNow, rootCa()] }, { now }))).toEqual([expiredMid('2026-05-31T20:00:00.000Z', 1)]);
  });

  it('not when it expires at the judging time or later, nor without a judging time', () => {
    const atNow = intermediate({ notAfter: '2026-06-01T00:00:00.000Z' });
    expect(ids(judge({ path: [cert(), atNow, rootCa()] }, { now, warnDays: 0 }))).toEqual(['cert.ok']);
    const staleMid = intermediate({ notAfter: '2026-05-01T00:00:00.000Z' });
    expect(ids(judge({ path: [cert(), staleMid, rootCa()] }))).toEqual(['cert.ok']);
  });

  it("not for the trust store's own certificates, nor for a root the server sends at the end of the path", () => {
    const staleAnchor = rootCa({ notAfter: '2026-05-01T00:00:00.000Z' });
    expect(ids(judge({ path: [cert(), intermediate(), staleAnchor] }, { now }))).toEqual(['cert.ok']);
    const staleSentRoot = rootCa({ notAfter: '2026-05-01T00:00:00.000Z', source: 'sent' });
    expect(ids(judge({ path: [cert(), intermediate(), staleSentRoot], trusted: false, trustFailure: 'untrusted-root' }, { now }))).toEqual(['cert.untrusted-root']);
  });

  it('besides other findings about the leaf, the leaf expired too', () => {
    const staleMid = intermediate({ notAfter: '2026-05-01T00:00:00.000Z' });
    expect(ids(judge({ path: [cert(), staleMid, rootCa()], daysLeft: 12 }, { now }))).toEqual(['cert.expiring-soon', 'cert.intermediate-expired']);
    const findings = judge({ path: [cert({ notAfter: '2026-05-15T00:00:00.000Z' }), staleMid, rootCa()], timeValid: false, daysLeft: -17 }, { now });
    expect(found(findings)).toEqual([
      F('cert.expired', { subject: 'mx1.example.test', notAfter: '2026-05-15T00:00:00.000Z', daysAgo: 17 }),
      expiredMid('2026-05-01T00:00:00.000Z', 31),
    ]);
  });

  it('a leaf that expired between the handshake and the judging is expired too', () => {
    const leaf = cert({ notAfter: '2026-05-31T23:00:00.000Z' });
    // Verified a few hours earlier: still valid then, with no day left.
    const findings = judge({ sent: [leaf, intermediate()], path: [leaf, intermediate(), rootCa()], daysLeft: 0 }, { now, warnDays: 0 });
    expect(found(findings)).toEqual([F('cert.expired', { subject: 'mx1.example.test', notAfter: '2026-05-31T23:00:00.000Z', daysAgo: 1 })]);
  });

  it('the first expired one the server sent is named', () => {
    const first = intermediate({ commonName: 'Issuing CA 1', notAfter: '2026-04-01T00:00:00.000Z' });
    const second = intermediate({ commonName: 'Issuing CA 2', notAfter: '2026-05-01T00:00:00.000Z' });
    expect(found(judge({ path: [cert(), first, second, rootCa()] }, { now }))).toEqual([expiredMid('2026-04-01T00:00:00.000Z', 61, 'intermediate 1', 'Issuing CA 1')]);
    // One found out of date by the verifier is reported from its problem, and not twice.
    const problem = { index: 1, role: 'intermediate' as const, subject: 'Issuing CA 1', rule: 'expired' as const, detail: 'it expired', opensslError: { code: 10, name: 'certificate has expired' } };
    expect(found(judge({ path: [cert(), first, second, rootCa()], problems: [problem], trusted: false, trustFailure: 'chain-invalid' }, { now }))).toEqual([
      expiredMid('2026-04-01T00:00:00.000Z', 61, 'intermediate 1', 'Issuing CA 1'),
    ]);
  });
});

describe('cert.intermediate-expiring-soon', () => {
  const now = Date.parse('2026-06-01T00:00:00.000Z');
  const soon = (notAfter: string, daysLeft: number, element = 'intermediate 1', subject = 'Example Issuing CA') =>
    F('cert.intermediate-expiring-soon', { element, subject, notAfter, daysLeft });

  it('when a sent intermediate expires within the warning window, before the leaf', () => {
    const mid = intermediate({ notAfter: '2026-06-13T12:00:00.000Z' });
    expect(found(judge({ path: [cert(), mid, rootCa()] }, { now }))).toEqual([soon('2026-06-13T12:00:00.000Z', 12)]);
    expect(found(judge({ path: [cert(), mid, rootCa()] }, { now, warnDays: 12 }))).toEqual([OK]);
    expect(found(judge({ path: [cert(), mid, rootCa()] }, { now, warnDays: 13 }))).toEqual([soon('2026-06-13T12:00:00.000Z', 12)]);
    // At the judging time itself: 0 days left, not expired.
    const atNow = intermediate({ notAfter: '2026-06-01T00:00:00.000Z' });
    expect(found(judge({ path: [cert(), atNow, rootCa()] }, { now }))).toEqual([soon('2026-06-01T00:00:00.000Z', 0)]);
  });

  it('not when it outlives the leaf or expires with it (renewing the leaf with its chain settles both), nor without a judging time', () => {
    const leaf = cert({ notAfter: '2026-06-10T00:00:00.000Z' });
    const same = intermediate({ notAfter: '2026-06-10T00:00:00.000Z' });
    expect(ids(judge({ path: [leaf, same, rootCa()], daysLeft: 9 }, { now }))).toEqual(['cert.expiring-soon']);
    const mid = intermediate({ notAfter: '2026-06-13T12:00:00.000Z' });
    expect(ids(judge({ path: [cert(), mid, rootCa()] }))).toEqual(['cert.ok']);
  });

  it("not for the trust anchor or a sent root at the end of the path; the first of several, by position", () => {
    const anchor = rootCa({ notAfter: '2026-06-05T00:00:00.000Z' });
    expect(ids(judge({ path: [cert(), intermediate(), anchor] }, { now }))).toEqual(['cert.ok']);
    const sentRoot = rootCa({ notAfter: '2026-06-05T00:00:00.000Z', source: 'sent' });
    expect(ids(judge({ path: [cert(), intermediate(), sentRoot], trusted: false, trustFailure: 'untrusted-root' }, { now }))).toEqual(['cert.untrusted-root']);
    const a = intermediate({ commonName: 'CA A', notAfter: '2026-06-20T00:00:00.000Z' });
    const b = intermediate({ commonName: 'CA B', notAfter: '2026-06-05T00:00:00.000Z' });
    expect(found(judge({ path: [cert(), a, b, rootCa()] }, { now }))).toEqual([soon('2026-06-20T00:00:00.000Z', 19, 'intermediate 1', 'CA A')]);
  });
});

describe('the rules of path validation each certificate is held to (the verdict\'s problems)', () => {
  const now = Date.parse('2026-06-01T00:00:00.000Z');
  type Problem = CertVerdict['problems'][number];
  const problem = (index: number, role: Problem['role'], rule: Problem['rule'], detail: string, subject = 'Example Issuing CA'): Problem => ({
    index,
    role,
    subject,
    rule,
    detail,
    opensslError: { code: 79, name: 'invalid CA certificate' },
  });
  const invalid = (problems: Problem[], o: Partial<CertVerdict> = {}) => judge({ problems, trusted: false, trustFailure: 'chain-invalid', ...o }, { now });

  it('each rule is its finding, naming the certificate, its place and the violation', () => {
    const cases: [Problem['rule'], string][] = [
      ['not-a-ca', 'cert.not-a-ca'],
      ['issuer-cannot-sign', 'cert.issuer-cannot-sign'],
      ['path-length-exceeded', 'cert.path-length-exceeded'],
      ['name-constraints-violated', 'cert.name-constraints-violated'],
      ['not-for-server-auth', 'cert.not-for-server-auth'],
      ['unknown-critical-extension', 'cert.unknown-critical-extension'],
      ['invalid-extension', 'cert.invalid-extension'],
      ['empty-issuer-name', 'cert.empty-name'],
    ];
    for (const [rule, id] of cases) {
      expect(found(invalid([problem(1, 'intermediate', rule, `why ${rule}`)])), rule).toEqual([F(id, { element: 'intermediate 1', subject: 'Example Issuing CA', detail: `why ${rule}` })]);
    }
    expect(found(invalid([problem(0, 'leaf', 'not-for-server-auth', 'clientAuth only', 'mx1.example.test')]))).toEqual([
      F('cert.not-for-server-auth', { element: 'the server certificate', subject: 'mx1.example.test', detail: 'clientAuth only' }),
    ]);
    expect(found(invalid([problem(2, 'trust-anchor', 'path-length-exceeded', 'pathlen', 'Example Root CA')]))).toEqual([
      F('cert.path-length-exceeded', { element: 'the root', subject: 'Example Root CA', detail: 'pathlen' }),
    ]);
  });

  it('one finding per kind, listing every certificate that breaks it, once each', () => {
    const findings = invalid([
      problem(0, 'leaf', 'unknown-critical-extension', 'a', 'mx1.example.test'),
      problem(1, 'intermediate', 'unknown-critical-extension', 'b'),
      problem(1, 'intermediate', 'not-a-ca', 'c'),
      problem(2, 'intermediate', 'not-a-ca', 'd'),
    ]);
    expect(found(findings)).toEqual([
      F('cert.unknown-critical-extension', { element: 'the server certificate, intermediate 1', subject: 'mx1.example.test, Example Issuing CA', detail: 'a; b' }),
      F('cert.not-a-ca', { element: 'intermediate 1, intermediate 2', subject: 'Example Issuing CA', detail: 'c; d' }),
    ]);
  });

  it('an out-of-date intermediate or root, with its dates from the path', () => {
    const path = [cert(), intermediate({ notAfter: '2026-05-01T00:00:00.000Z', notBefore: '2025-01-01T00:00:00.000Z' }), rootCa({ notAfter: '2026-04-01T00:00:00.000Z' })];
    expect(found(invalid([problem(1, 'intermediate', 'expired', 'x'), problem(2, 'trust-anchor', 'expired', 'y', 'Example Root CA')], { path }))).toEqual([
      F('cert.intermediate-expired', { element: 'intermediate 1', subject: 'Example Issuing CA', notAfter: '2026-05-01T00:00:00.000Z', daysAgo: 31 }),
      F('cert.root-expired', { subject: 'Example Root CA', notAfter: '2026-04-01T00:00:00.000Z' }),
    ]);
    const early = [cert(), intermediate({ notBefore: '2026-07-01T00:00:00.000Z' }), rootCa({ notBefore: '2026-08-01T00:00:00.000Z' })];
    expect(found(invalid([problem(1, 'intermediate', 'not-yet-valid', 'x'), problem(2, 'trust-anchor', 'not-yet-valid', 'y', 'Example Root CA')], { path: early }))).toEqual([
      F('cert.intermediate-not-yet-valid', { element: 'intermediate 1', subject: 'Example Issuing CA', notBefore: '2026-07-01T00:00:00.000Z' }),
      F('cert.root-not-yet-valid', { subject: 'Example Root CA', notBefore: '2026-08-01T00:00:00.000Z' }),
    ]);
    // Without a judging time, how long ago is not known.
    expect(found(judge({ path, problems: [problem(1, 'intermediate', 'expired', 'x')], trusted: false, trustFailure: 'chain-invalid' }))).toEqual([
      F('cert.intermediate-expired', { element: 'intermediate 1', subject: 'Example Issuing CA', notAfter: '2026-05-01T00:00:00.000Z', daysAgo: null }),
    ]);
  });

  it('a chain too long is not a missing intermediate: cert.chain-too-long, with how many were sent and the limit', () => {
    const path = [cert(), ...Array.from({ length: 9 }, (_, i) => intermediate({ commonName: `CA ${i}` }))];
    expect(found(judge({ path, trusted: false, trustFailure: 'chain-too-long', sentCount: 50 }))).toEqual([F('cert.chain-too-long', { sent: 50, limit: 10, subject: 'CA 8' })]);
  });

  it('a certificate with an empty subject is named by a placeholder, and an empty issuer too', () => {
    const leaf = cert({ subject: '', commonName: null, issuer: '' });
    expect(found(judge({ sent: [leaf], path: [leaf], trusted: false, trustFailure: 'chain-incomplete' }))).toEqual([F('cert.chain-incomplete', { issuer: '(empty issuer)', ...NOT_TRIED })]);
    expect(found(judge({ sent: [leaf], path: [leaf], trusted: false, trustFailure: 'self-signed' }))).toEqual([F('cert.self-signed', { subject: '(empty subject)' })]);
    expect(found(judge({ sent: [leaf, intermediate()], path: [leaf, intermediate(), rootCa()] }))).toEqual([
      F('cert.ok', { subject: '(empty subject)', issuer: '(empty issuer)', notAfter: '2026-12-01T00:00:00.000Z' }),
    ]);
  });
});

describe('the judging time against the verdict: the leaf, and the problems the verifier found', () => {
  const now = Date.parse('2026-06-01T00:00:00.000Z');
  type Problem = CertVerdict['problems'][number];
  const problem = (index: number, role: Problem['role'], rule: Problem['rule'], subject = 'Example Issuing CA'): Problem => ({
    index,
    role,
    subject,
    rule,
    detail: `why ${rule}`,
    opensslError: { code: 10, name: 'certificate has expired' },
  });

  it('a leaf expiring soon at the handshake and expired by the judging is both; one expiring at the judging time itself is neither', () => {
    const leaf = cert({ notAfter: '2026-05-31T23:00:00.000Z' });
    expect(found(judge({ sent: [leaf, intermediate()], path: [leaf, intermediate(), rootCa()], daysLeft: 0 }, { now }))).toEqual([
      F('cert.expiring-soon', { subject: 'mx1.example.test', notAfter: '2026-05-31T23:00:00.000Z', daysLeft: 0 }),
      F('cert.expired', { subject: 'mx1.example.test', notAfter: '2026-05-31T23:00:00.000Z', daysAgo: 1 }),
    ]);
    const atNow = cert({ notAfter: '2026-06-01T00:00:00.000Z' });
    expect(ids(judge({ sent: [atNow, intermediate()], path: [atNow, intermediate(), rootCa()], daysLeft: 0 }, { now, warnDays: 0 }))).toEqual(['cert.ok']);
  });

  it('a leaf the verdict found not yet valid stays not yet valid, even judged after its end date', () => {
    const leaf = cert({ notBefore: '2026-05-01T00:00:00.000Z', notAfter: '2026-05-15T00:00:00.000Z' });
    expect(ids(judge({ sent: [leaf, intermediate()], path: [leaf, intermediate(), rootCa()], timeValid: false, daysLeft: 40 }, { now }))).toEqual(['cert.not-yet-valid']);
  });

  it('a problem that names a place beyond the path (an inconsistent saved verdict): its dates are unknown, no crash', () => {
    const judged = (p: Problem) => found(judge({ problems: [p], trusted: false, trustFailure: 'chain-invalid' }, { now }));
    expect(judged(problem(7, 'intermediate', 'expired'))).toEqual([
      F('cert.intermediate-expired', { element: 'intermediate 7', subject: 'Example Issuing CA', notAfter: null, daysAgo: null }),
    ]);
    expect(judged(problem(7, 'intermediate', 'not-yet-valid'))).toEqual([F('cert.intermediate-not-yet-valid', { element: 'intermediate 7', subject: 'Example Issuing CA', notBefore: null })]);
    expect(judged(problem(7, 'trust-anchor', 'expired', 'Example Root CA'))).toEqual([F('cert.root-expired', { subject: 'Example Root CA', notAfter: null })]);
    expect(judged(problem(7, 'trust-anchor', 'not-yet-valid', 'Example Root CA'))).toEqual([F('cert.root-not-yet-valid', { subject: 'Example Root CA', notBefore: null })]);
  });

  it('an out-of-date certificate from the trust store in the middle of the path is not one the server sends', () => {
    const staleAnchor = intermediate({ notAfter: '2026-05-01T00:00:00.000Z', source: 'trust-store' });
    expect(ids(judge({ path: [cert(), staleAnchor] }, { now }))).toEqual(['cert.ok']);
  });

  it('a sent intermediate that ends an incomplete path, or a self-issued one inside it, is still checked', () => {
    const staleMid = intermediate({ notAfter: '2026-05-01T00:00:00.000Z' });
    expect(ids(judge({ sent: [cert(), staleMid], path: [cert(), staleMid], trusted: false, trustFailure: 'chain-incomplete' }, { now }))).toEqual([
      'cert.chain-incomplete',
      'cert.intermediate-expired',
    ]);
    const selfIssuedMid = intermediate({ notAfter: '2026-05-01T00:00:00.000Z', selfIssued: true });
    expect(ids(judge({ path: [cert(), selfIssuedMid, rootCa()] }, { now }))).toEqual(['cert.intermediate-expired']);
  });

  it('an intermediate the verifier found out of date is reported from its problem alone, never also as expiring soon; other problems leave it checked', () => {
    const mid = intermediate({ notAfter: '2026-06-13T12:00:00.000Z' });
    const judged = (...problems: Problem[]) => ids(judge({ path: [cert(), mid, rootCa()], problems, trusted: false, trustFailure: 'chain-invalid' }, { now }));
    expect(judged(problem(1, 'intermediate', 'not-yet-valid'))).toEqual(['cert.intermediate-not-yet-valid']);
    expect(judged(problem(1, 'intermediate', 'expired'))).toEqual(['cert.intermediate-expired']);
    // Another rule broken by the same intermediate, or the root out of date: it is still checked.
    expect(judged(problem(1, 'intermediate', 'not-a-ca'))).toEqual(['cert.not-a-ca', 'cert.intermediate-expiring-soon']);
    expect(judged(problem(2, 'trust-anchor', 'expired', 'Example Root CA'))).toEqual(['cert.root-expired', 'cert.intermediate-expiring-soon']);
  });
});
