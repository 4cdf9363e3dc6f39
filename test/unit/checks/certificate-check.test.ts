// The certificate check as the registry runs it: the certificate of the SNI handshake, and the
// one shown without SNI when it differs (judged too, its problems reported once per id).
import { describe, expect, it } from 'vitest';
import { certificateCheck, type CertificateInput } from '../../../src/checks/certificate/index.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type { CertInfo, CertVerdict, Finding, HostFacts } from '../../../src/core/schema.js';
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
    facts: { key: HOST, evidence: EV, tls: tlsOk(), bannerName: 'mx.example.test', ehloName: 'mx.example.test', noSni: null, ...over },
    assessment: { software: null, ...judged },
    ctx: { profile: DEFAULT_PROFILE, warnDays: 30, expectThumbprint: null, domain: 'example.test', now: NOW, ...ctx },
    prior,
  });
const CERT_OK = F('cert.ok', { subject: 'mx.example.test', issuer: 'Example Issuing CA', notAfter: '2027-06-01T00:00:00.000Z' });

/** The certificates as the findings name them. */
const WITH_SNI = `CN=mx.example.test (SHA-256 ${'B'.repeat(16)}…)`;
const WITHOUT_SNI = `CN=localhost (SHA-256 ${'E'.repeat(16)}…)`;
/** What cert.sni-dependent says of its confirmation, by outcome. */
const CONFIRMED = 'A second handshake with SNI showed the first certificate again: the server chooses its certificate by SNI.';
const NOT_MADE = 'No second handshake with SNI was made to rule out a pool of servers with certificates of their own (a report saved before mxray made one): not confirmed.';

/** Evidence with the confirming handshake's events. */
const EV_CONFIRM = { ...EV, sniConfirm: [18, 19] };
/** Stand-ins for the leaves as sent (base64 DER): the check compares them, never parses them. */
const A = 'QQ==';
const B = 'Qg==';
const C = 'Qw==';
/** The measured handshake without SNI (leaf `leaf`) and, when given, the confirming one. */
function noSniFacts(leaf: string, confirm?: NonNullable<HostFacts['noSni']>['confirm']): HostFacts['noSni'] {
  return { status: 'ok', error: null, peerChain: [leaf], ...(confirm ? { confirm } : {}) };
}
const confirmOk = (leaf: string) => ({ status: 'ok' as const, error: null, peerChain: [leaf] });

/** Another good certificate for the MX name (a second member of a pool), and a third. */
const otherGood = verdict(cert({ sha256: 'F'.repeat(64), sha1: '1'.repeat(40) }));
const expiredLeaf = cert({ sha256: '9'.repeat(64), sha1: '2'.repeat(40), notAfter: '2026-11-01T00:00:00.000Z' });
const expired = verdict(expiredLeaf, { timeValid: false, daysLeft: -22 });

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

  it('another certificate without SNI, and no confirming handshake (a report saved before it was made): cert.sni-dependent, not confirmed, then that certificate’s problems, marked, with the no-SNI evidence', () => {
    const findings = run({ certificate: good, noSni: { sameCertificate: false, certificate: fallback } });
    expect(found(findings)).toEqual([
      CERT_OK,
      F('cert.sni-dependent', { withSni: WITH_SNI, withoutSni: WITHOUT_SNI, confirmation: NOT_MADE }),
      F('cert.self-signed', { handshake: 'no-sni', subject: 'localhost' }),
      F('cert.name-mismatch', { handshake: 'no-sni', name: 'mx.example.test', certNames: 'localhost' }),
    ]);
    expect(findings.slice(1).map((f) => f.evidence)).toEqual([[15, 16], [15, 16], [15, 16]]);
    expect(findings[2]?.title).toMatch(/\(certificate sent without SNI\)$/);
    expect(findings[1]?.detail).toContain(`without SNI it presents ${WITHOUT_SNI}. ${NOT_MADE} Postfix sends no SNI`);
  });

  it('the confirming handshake with SNI showed the main certificate again: cert.sni-dependent, confirmed, citing both extra handshakes; the no-SNI certificate judged as before', () => {
    const findings = run(
      { certificate: good, noSni: { sameCertificate: false, certificate: fallback, confirm: { sameCertificate: true, certificate: good } } },
      { noSni: noSniFacts(B, confirmOk(A)), evidence: EV_CONFIRM },
    );
    expect(found(findings)).toEqual([
      CERT_OK,
      F('cert.sni-dependent', { withSni: WITH_SNI, withoutSni: WITHOUT_SNI, confirmation: CONFIRMED }),
      F('cert.self-signed', { handshake: 'no-sni', subject: 'localhost' }),
      F('cert.name-mismatch', { handshake: 'no-sni', name: 'mx.example.test', certNames: 'localhost' }),
    ]);
    expect(findings.slice(1).map((f) => f.evidence)).toEqual([[15, 16, 18, 19], [15, 16], [15, 16]]);
    expect(findings[1]?.detail).toContain(`without SNI it presents ${WITHOUT_SNI}. ${CONFIRMED} Postfix sends no SNI`);
    // As before: the thumbprint the user expects is the main certificate's; the default one is not held to it.
    const pinned = run(
      { certificate: good, noSni: { sameCertificate: false, certificate: otherGood, confirm: { sameCertificate: true, certificate: good } } },
      { noSni: noSniFacts(B, confirmOk(A)), evidence: EV_CONFIRM },
      [],
      { expectThumbprint: 'B'.repeat(64) },
    );
    expect(ids(pinned)).toEqual(['cert.ok', 'cert.sni-dependent']);
  });

  it('the confirming handshake failed: cert.sni-dependent, saying it is not confirmed and why (the error, else the status)', () => {
    const refused = { status: 'connection-refused' as const, error: 'connection refused', peerChain: [] };
    const findings = run(
      { certificate: good, noSni: { sameCertificate: false, certificate: fallback, confirm: { sameCertificate: null, certificate: null } } },
      { noSni: noSniFacts(B, refused), evidence: EV_CONFIRM },
    );
    expect(found(findings).slice(0, 2)).toEqual([
      CERT_OK,
      F('cert.sni-dependent', {
        withSni: WITH_SNI,
        withoutSni: WITHOUT_SNI,
        confirmation: 'A second handshake with SNI, to rule out a pool of servers with certificates of their own, failed (connection refused): not confirmed.',
      }),
    ]);
    expect(ids(findings)).toEqual(['cert.ok', 'cert.sni-dependent', 'cert.self-signed', 'cert.name-mismatch']);
    expect(findings[1]?.evidence).toEqual([15, 16, 18, 19]);
    const noWords = run(
      { certificate: good, noSni: { sameCertificate: false, certificate: fallback, confirm: { sameCertificate: null, certificate: null } } },
      { noSni: noSniFacts(B, { ...refused, status: 'tls-handshake-error', error: null }), evidence: EV_CONFIRM },
    );
    expect(noWords[1]?.facts['confirmation']).toBe('A second handshake with SNI, to rule out a pool of servers with certificates of their own, failed (tls-handshake-error): not confirmed.');
    // A handshake that worked but showed no certificate: nothing to compare, not confirmed either.
    const bare = run(
      { certificate: good, noSni: { sameCertificate: false, certificate: fallback, confirm: { sameCertificate: null, certificate: verdict(cert(), { sent: [], path: [] }) } } },
      { noSni: noSniFacts(B, { status: 'ok', error: null, peerChain: [] }), evidence: EV_CONFIRM },
    );
    expect(bare.map((f) => [f.id, f.facts['confirmation']]).slice(1, 2)).toEqual([
      ['cert.sni-dependent', 'A second handshake with SNI, to rule out a pool of servers with certificates of their own, showed no certificate to compare: not confirmed.'],
    ]);
  });

  it('the confirming handshake with SNI showed another certificate than the main one, the no-SNI one again: cert.differs-between-connections naming both, not cert.sni-dependent', () => {
    const findings = run(
      { certificate: good, noSni: { sameCertificate: false, certificate: otherGood, confirm: { sameCertificate: false, certificate: otherGood } } },
      { noSni: noSniFacts(B, confirmOk(B)), evidence: EV_CONFIRM },
    );
    expect(found(findings)).toEqual([
      CERT_OK,
      F('cert.differs-between-connections', {
        count: 2,
        certificates: `${WITH_SNI} in the first handshake with SNI; CN=mx.example.test (SHA-256 ${'F'.repeat(16)}…) without SNI and in a second handshake with SNI`,
      }),
    ]);
    // Its evidence: the three handshakes that showed the certificates.
    expect(findings[1]?.evidence).toEqual([8, 9, 15, 16, 18, 19]);
    expect(findings[1]?.severity).toBe('warning');
    expect(findings[1]?.title).toBe(`${HOST} presents different certificates on different connections`);
  });

  it('a pool of three certificates: each judged (only problems not reported yet), marked with where it was seen, with its own evidence', () => {
    const findings = run(
      { certificate: good, noSni: { sameCertificate: false, certificate: fallback, confirm: { sameCertificate: false, certificate: expired } } },
      { noSni: noSniFacts(B, confirmOk(C)), evidence: EV_CONFIRM },
    );
    expect(found(findings)).toEqual([
      CERT_OK,
      F('cert.differs-between-connections', {
        count: 3,
        certificates: `${WITH_SNI} in the first handshake with SNI; ${WITHOUT_SNI} without SNI; CN=mx.example.test (SHA-256 ${'9'.repeat(16)}…) in a second handshake with SNI`,
      }),
      F('cert.self-signed', { handshake: 'no-sni', subject: 'localhost' }),
      F('cert.name-mismatch', { handshake: 'no-sni', name: 'mx.example.test', certNames: 'localhost' }),
      F('cert.expired', { handshake: 'sni-confirm', subject: 'mx.example.test', notAfter: '2026-11-01T00:00:00.000Z', daysAgo: 22 }),
    ]);
    expect(findings.slice(2).map((f) => f.evidence)).toEqual([[15, 16], [15, 16], [18, 19]]);
    expect(findings.slice(2).map((f) => f.title.replace(/^.*\(/, '('))).toEqual([
      '(certificate sent without SNI)',
      '(certificate sent without SNI)',
      '(certificate sent in a second handshake with SNI)',
    ]);
    // The third certificate's problems already reported for the second are not repeated.
    const twice = run(
      { certificate: good, noSni: { sameCertificate: false, certificate: fallback, confirm: { sameCertificate: false, certificate: fallback } } },
      { noSni: noSniFacts(B, confirmOk(C)), evidence: EV_CONFIRM },
    );
    expect(ids(twice)).toEqual(['cert.ok', 'cert.differs-between-connections', 'cert.self-signed', 'cert.name-mismatch']);
  });

  it('the confirming handshake showed the no-SNI leaf with another chain: both judged (the same leaf is not the same certificate chain)', () => {
    const findings = run(
      { certificate: good, noSni: { sameCertificate: false, certificate: fallback, confirm: { sameCertificate: false, certificate: expired } } },
      { noSni: noSniFacts(B, { status: 'ok', error: null, peerChain: [B, C] }), evidence: EV_CONFIRM },
    );
    expect(findings[1]?.facts['count']).toBe(3);
    expect(ids(findings)).toEqual(['cert.ok', 'cert.differs-between-connections', 'cert.self-signed', 'cert.name-mismatch', 'cert.expired']);
    expect(findings[4]?.facts['handshake']).toBe('sni-confirm');
  });

  it('a pool whose facts recorded no evidence (a hand-made or trimmed report): its finding and each member’s problems cite no event', () => {
    const findings = run(
      { certificate: good, noSni: { sameCertificate: false, certificate: fallback, confirm: { sameCertificate: false, certificate: expired } } },
      { noSni: noSniFacts(B, confirmOk(C)), evidence: {} },
    );
    expect(findings.map((f) => [f.id, f.evidence])).toEqual([
      ['cert.ok', []],
      ['cert.differs-between-connections', []],
      ['cert.self-signed', []],
      ['cert.name-mismatch', []],
      ['cert.expired', []],
    ]);
  });

  it('an assessment that saw a pool next to facts without the handshakes it came from (an inconsistent saved report): judged, no crash', () => {
    const assessment = { certificate: good, noSni: { sameCertificate: false, certificate: otherGood, confirm: { sameCertificate: false, certificate: otherGood } } };
    expect(ids(run(assessment, { noSni: null, evidence: EV_CONFIRM }))).toEqual(['cert.ok', 'cert.differs-between-connections']);
    // The handshake without SNI recorded, the confirming one not.
    expect(ids(run(assessment, { noSni: noSniFacts(B), evidence: EV_CONFIRM }))).toEqual(['cert.ok', 'cert.differs-between-connections']);
  });

  it('in a pool, every certificate must match the thumbprint the user expects', () => {
    const pinned = (confirmed: CertVerdict, leaf: string) =>
      run(
        { certificate: good, noSni: { sameCertificate: false, certificate: otherGood, confirm: { sameCertificate: false, certificate: confirmed } } },
        { noSni: noSniFacts(B, confirmOk(leaf)), evidence: EV_CONFIRM },
        [],
        { expectThumbprint: 'B'.repeat(64) },
      );
    const two = pinned(otherGood, B);
    expect(found(two)).toEqual([
      CERT_OK,
      F('cert.differs-between-connections', {
        count: 2,
        certificates: `${WITH_SNI} in the first handshake with SNI; CN=mx.example.test (SHA-256 ${'F'.repeat(16)}…) without SNI and in a second handshake with SNI`,
      }),
      F('cert.thumbprint-mismatch', { handshake: 'no-sni', expected: 'B'.repeat(64), actual: 'F'.repeat(64) }),
    ]);
    // A third certificate that does not match either: reported once (by id), for the first one seen.
    expect(ids(pinned(expired, C))).toEqual(['cert.ok', 'cert.differs-between-connections', 'cert.thumbprint-mismatch', 'cert.expired']);
    // The third one alone does not match: its finding, marked.
    const third = run(
      { certificate: good, noSni: { sameCertificate: false, certificate: verdict(cert({ sha256: 'B'.repeat(64), subject: 'CN=mx.example.test, O=twin' })), confirm: { sameCertificate: false, certificate: expired } } },
      { noSni: noSniFacts(B, confirmOk(C)), evidence: EV_CONFIRM },
      [],
      { expectThumbprint: 'B'.repeat(64) },
    );
    expect(found(third).slice(2)).toEqual([
      F('cert.expired', { handshake: 'sni-confirm', subject: 'mx.example.test', notAfter: '2026-11-01T00:00:00.000Z', daysAgo: 22 }),
      F('cert.thumbprint-mismatch', { handshake: 'sni-confirm', expected: 'B'.repeat(64), actual: '9'.repeat(64) }),
    ]);
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
