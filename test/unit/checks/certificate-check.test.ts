// The certificate check as the registry runs it: the certificate of the SNI handshake, and the
// one shown without SNI when it differs (judged too, its problems reported once per id).
import { describe, expect, it } from 'vitest';
import { certificateCheck, type CertificateInput } from '../../../src/checks/certificate/index.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type { CertInfo, CertVerdict, Finding } from '../../../src/core/schema.js';
import { makeFinding } from '../../../src/kb/index.js';
import { EV, F, found, HOST, ids, tlsFailed, tlsOk } from './check-helpers.js';

const NOW = Date.UTC(2026, 10, 23);

function cert(o: Partial<CertInfo> = {}): CertInfo {
  return {
    subject: 'CN=mx.example.test',
    issuer: 'CN=Example Issuing CA',
    commonName: 'mx.example.test',
    dnsNames: ['mx.example.test'],
    ipAddresses: [],
    serialNumber: '01',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-06-01T00:00:00.000Z',
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
    ...o,
  };
}
const ca = cert({ subject: 'CN=Example Issuing CA', issuer: 'CN=Example Root', commonName: 'Example Issuing CA', dnsNames: [], isCa: true, sha256: 'C'.repeat(64) });
const root = cert({ subject: 'CN=Example Root', issuer: 'CN=Example Root', commonName: 'Example Root', dnsNames: [], isCa: true, selfIssued: true, source: 'trust-store', sha256: 'D'.repeat(64) });

function verdict(leaf: CertInfo, o: Partial<CertVerdict> = {}): CertVerdict {
  return { sent: [leaf, ca], path: [leaf, ca, root], trusted: true, trustFailure: 'none', trustReason: null, checkedName: 'mx.example.test', nameMatches: true, domainMatches: null, timeValid: true, daysLeft: 190, opensslError: null, problems: [], sentCount: 2, ...o };
}
const good = verdict(cert());
/** A self-signed default certificate of another name, as a server sends without SNI. */
const fallbackLeaf = cert({ subject: 'CN=localhost', issuer: 'CN=localhost', commonName: 'localhost', dnsNames: ['localhost'], selfIssued: true, sha256: 'E'.repeat(64) });
const fallback: CertVerdict = { ...verdict(fallbackLeaf), sent: [fallbackLeaf], path: [fallbackLeaf], trusted: false, trustFailure: 'self-signed', nameMatches: false };

type Input = CertificateInput;
const run = (judged: Omit<Input['assessment'], 'software'> & Partial<Pick<Input['assessment'], 'software'>>, over: Partial<Input['facts']> = {}, prior: Finding[] = [], ctx: Partial<Input['ctx']> = {}) =>
  certificateCheck.assess({
    facts: { key: HOST, evidence: EV, tls: tlsOk(), bannerName: 'mx.example.test', ehloName: 'mx.example.test', ...over },
    assessment: { software: null, ...judged },
    ctx: { profile: DEFAULT_PROFILE, warnDays: 30, expectThumbprint: null, domain: 'example.test', now: NOW, ...ctx },
    prior,
  });
const CERT_OK = F('cert.ok', { subject: 'mx.example.test', issuer: 'Example Issuing CA', notAfter: '2027-06-01T00:00:00.000Z' });

describe('certificateCheck', () => {
  it('judges the certificate of a good handshake, with the TLS evidence', () => {
    const [f] = run({ certificate: good, noSni: null });
    expect(found([f!])).toEqual([CERT_OK]);
    expect(f?.evidence).toEqual([8, 9]);
  });

  it('nothing without a good handshake or a certificate verdict', () => {
    expect(run({ certificate: null, noSni: null })).toEqual([]);
    expect(run({ certificate: good, noSni: null }, { tls: tlsFailed('x') })).toEqual([]);
    expect(run({ certificate: good, noSni: null }, { tls: null })).toEqual([]);
  });

  it('the names the server announced (banner, EHLO) are checked against the certificate', () => {
    expect(found(run({ certificate: good, noSni: null }, { bannerName: 'relay.example.net', ehloName: null }))).toEqual([
      F('cert.ehlo-name-mismatch', { announced: 'relay.example.net', certNames: 'mx.example.test' }),
    ]);
  });

  it('an announced name not on the certificate matters on Exchange (warning) and is a note on other recognised software; unknown software keeps the warning', () => {
    const sw = (id: string, remediationKey: 'exchange' | 'postfix' | null) => ({ id, name: id, remediationKey, confidence: 'high' as const, evidence: 'banner' });
    const severity = (software: Input['assessment']['software']) =>
      run({ certificate: good, noSni: null, software }, { bannerName: 'exch01.corp.test', ehloName: null }).map((f) => [f.id, f.severity]);
    expect(severity(sw('exchange', 'exchange'))).toEqual([['cert.ehlo-name-mismatch', 'warning']]);
    expect(severity(sw('exchange-online', 'exchange'))).toEqual([['cert.ehlo-name-mismatch', 'warning']]);
    // A note is no problem: the certificate is also reported good.
    expect(severity(sw('postfix', 'postfix'))).toEqual([['cert.ehlo-name-mismatch', 'info'], ['cert.ok', 'ok']]);
    expect(severity(sw('proofpoint', null))).toEqual([['cert.ehlo-name-mismatch', 'info'], ['cert.ok', 'ok']]);
    expect(severity(null)).toEqual([['cert.ehlo-name-mismatch', 'warning']]);
    // Other findings keep their severity whatever the software.
    expect(run({ certificate: good, noSni: null, software: sw('postfix', 'postfix') }).map((f) => f.severity)).toEqual(['ok']);
  });

  it('another certificate without SNI: cert.sni-dependent, then that certificate’s problems, marked, with the no-SNI evidence', () => {
    const findings = run({ certificate: good, noSni: { sameCertificate: false, certificate: fallback } });
    expect(found(findings)).toEqual([
      CERT_OK,
      F('cert.sni-dependent', { withSni: `CN=mx.example.test (SHA-256 ${'B'.repeat(16)}…)`, withoutSni: `CN=localhost (SHA-256 ${'E'.repeat(16)}…)` }),
      F('cert.self-signed', { handshake: 'no-sni', subject: 'localhost' }),
      F('cert.name-mismatch', { handshake: 'no-sni', name: 'mx.example.test', certNames: 'localhost' }),
    ]);
    expect(findings.slice(1).map((f) => f.evidence)).toEqual([[15, 16], [15, 16], [15, 16]]);
    expect(findings[2]?.title).toMatch(/\(certificate sent without SNI\)$/);
  });

  it("the no-SNI certificate's problems are reported only when this host has no finding of that id yet, including earlier checks' findings", () => {
    const sniBroken = verdict(cert(), { trusted: false, trustFailure: 'self-signed', sent: [cert()], path: [cert({ selfIssued: true })] });
    expect(ids(run({ certificate: sniBroken, noSni: { sameCertificate: false, certificate: fallback } }))).toEqual(['cert.self-signed', 'cert.sni-dependent', 'cert.name-mismatch']);
    const prior = [makeFinding('cert.name-mismatch', { host: HOST }, [], [HOST])];
    expect(ids(run({ certificate: good, noSni: { sameCertificate: false, certificate: fallback } }, {}, prior))).toEqual(['cert.ok', 'cert.sni-dependent', 'cert.self-signed']);
  });

  it('the same certificate without SNI (or none compared): nothing more', () => {
    expect(ids(run({ certificate: good, noSni: { sameCertificate: true, certificate: good } }))).toEqual(['cert.ok']);
    expect(ids(run({ certificate: good, noSni: { sameCertificate: null, certificate: null } }))).toEqual(['cert.ok']);
  });

  it('reads the thresholds and options of its context: warning window, profile, expected thumbprint', () => {
    expect(ids(run({ certificate: good, noSni: null }, {}, [], { warnDays: 400 }))).toEqual(['cert.expiring-soon']);
    const rsa = verdict(cert({ keyType: 'rsa', keyBits: 2048 }));
    expect(ids(run({ certificate: rsa, noSni: null }))).toEqual(['cert.ok']);
    expect(ids(run({ certificate: rsa, noSni: null }, {}, [], { profile: { ...DEFAULT_PROFILE, minRsaBits: 3072 } }))).toEqual(['cert.weak-key']);
    expect(ids(run({ certificate: good, noSni: null }, {}, [], { expectThumbprint: 'F'.repeat(64) }))).toEqual(['cert.thumbprint-mismatch']);
  });
});
