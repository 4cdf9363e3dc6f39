// Revocation as assessCertificate judges it from the lookups made at run time: revoked, no usable
// answer (unreachable, untrustworthy, unknown), an out-of-date CRL, no CRL or OCSP URL at all,
// must-staple without a stapled response. A lookup that gave no answer never reads as "not revoked".
import { describe, expect, it } from 'vitest';
import type { CertRevocation, RevocationLookup } from '../../../src/core/schema.js';
import { cert, F, found, ids, intermediate, judge, OK, rootCa } from './certificate-fixtures.js';

const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const CRL = 'http://crl.example.test/issuing.crl';
const CRL2 = 'http://crl2.example.test/issuing.crl';
const OCSP = 'http://ocsp.example.test/';
const ROOT_CRL = 'http://crl.example.test/root.crl';

function lookup(o: Partial<RevocationLookup> = {}): RevocationLookup {
  return {
    method: 'crl',
    url: CRL,
    status: 'good',
    detail: null,
    revokedAt: null,
    reason: null,
    thisUpdate: '2026-05-28T00:00:00.000Z',
    nextUpdate: '2026-06-04T00:00:00.000Z',
    ...o,
  };
}
const ocsp = (o: Partial<RevocationLookup> = {}) => lookup({ method: 'ocsp', url: OCSP, ...o });
const unreachable = (o: Partial<RevocationLookup> = {}) => lookup({ status: 'unreachable', thisUpdate: null, nextUpdate: null, ...o });

/** The SHA-256 of the fixtures' leaf, intermediate and root, by index. */
const SHA = ['B'.repeat(64), 'D'.repeat(64), 'F'.repeat(64)];
function entry(index: number, lookups: RevocationLookup[], o: Partial<CertRevocation> = {}): CertRevocation {
  return { index, subject: `CN=entry ${index}`, sha256: SHA[index] ?? '0'.repeat(64), crlUrls: [CRL], ocspUrls: [OCSP], mustStaple: false, lookups, ...o };
}
/** Both certificates the server answers for, each with a good CRL and OCSP answer. */
const allGood = () => [entry(0, [lookup(), ocsp()]), entry(1, [lookup({ url: ROOT_CRL })], { crlUrls: [ROOT_CRL], ocspUrls: [] })];
const judged = (revocation: CertRevocation[] | null | undefined) => judge(revocation === undefined ? {} : { revocation }, { now: NOW, noteMissingRevocation: true });
/** Judged without a judging time (a verdict judged as made). */
const judgedTimeless = (revocation: CertRevocation[]) => judge({ revocation }, { noteMissingRevocation: true });

describe('revocation: nothing when it was not checked, cert.ok when every answer is good', () => {
  it('no revocation facts (not checked, or a report from before): no finding about revocation', () => {
    const [ok] = judged(null);
    expect(found(judged(null))).toEqual([OK]);
    expect(found(judged(undefined))).toEqual([OK]);
    // cert.ok does not claim that revocation was checked.
    expect([ok?.title, ok?.detail, ok?.verifying].join(' ')).not.toMatch(/revo|CRL|OCSP/i);
    // Not even for a certificate with no revocation URLs: nothing was looked at.
    expect(found(judge({ revocation: null, path: [cert(), intermediate(), rootCa()] }, { now: NOW }))).toEqual([OK]);
  });

  it('good CRL and OCSP answers for the leaf and the intermediate: only cert.ok, whose facts claim nothing about revocation', () => {
    expect(found(judged(allGood()))).toEqual([OK]);
    // One good answer is enough: a CRL alone (a CA that stopped running OCSP), or OCSP alone.
    expect(found(judged([entry(0, [lookup()], { ocspUrls: [] })]))).toEqual([OK]);
    expect(found(judged([entry(0, [ocsp(), unreachable()])]))).toEqual([OK]);
    expect(found(judged([entry(0, [unreachable(), lookup({ url: CRL2 })], { crlUrls: [CRL, CRL2], ocspUrls: [] })]))).toEqual([OK]);
    // An empty list: no certificate was looked up.
    expect(found(judged([]))).toEqual([OK]);
  });
});

describe('cert.revoked', () => {
  const revoked = (o: Partial<RevocationLookup> = {}) => ocsp({ status: 'revoked', revokedAt: '2026-05-20T08:00:00.000Z', reason: 'keyCompromise', ...o });

  it('names the certificate, its place, the date, the reason, the method and the URL; critical; no cert.ok', () => {
    const findings = judged([entry(0, [lookup(), revoked()])]);
    expect(found(findings)).toEqual([
      F('cert.revoked', { element: 'the server certificate', subject: 'mx1.example.test', revokedAt: '2026-05-20T08:00:00.000Z', reason: 'keyCompromise', method: 'OCSP', url: OCSP }),
    ]);
    expect(findings[0]?.severity).toBe('critical');
  });

  it('by a CRL, for an intermediate, without a reason; by the stapled response', () => {
    expect(found(judged([entry(0, [lookup()]), entry(1, [lookup({ status: 'revoked', revokedAt: '2026-04-01T00:00:00.000Z' })])]))).toEqual([
      F('cert.revoked', { element: 'intermediate 1', subject: 'Example Issuing CA', revokedAt: '2026-04-01T00:00:00.000Z', reason: 'none given', method: 'CRL', url: CRL }),
    ]);
    expect(found(judged([entry(0, [revoked({ method: 'stapled-ocsp', url: null, reason: 'superseded' })])]))).toEqual([
      F('cert.revoked', { element: 'the server certificate', subject: 'mx1.example.test', revokedAt: '2026-05-20T08:00:00.000Z', reason: 'superseded', method: 'stapled OCSP', url: 'stapled by the server' }),
    ]);
  });

  it('one finding for several revoked certificates, in path order, the first one’s answer named', () => {
    const findings = judged([entry(1, [lookup({ status: 'revoked', revokedAt: '2026-04-01T00:00:00.000Z', reason: 'cACompromise' })]), entry(0, [revoked()])]);
    expect(found(findings)).toEqual([
      F('cert.revoked', {
        element: 'the server certificate, intermediate 1',
        subject: 'mx1.example.test, Example Issuing CA',
        revokedAt: '2026-05-20T08:00:00.000Z',
        reason: 'keyCompromise',
        method: 'OCSP',
        url: OCSP,
      }),
    ]);
  });

  it('a revoked certificate has no other revocation finding, and an old answer saying revoked still counts', () => {
    expect(ids(judged([entry(0, [unreachable(), revoked({ nextUpdate: '2026-05-21T00:00:00.000Z' })], { mustStaple: false })]))).toEqual(['cert.revoked']);
  });
});

describe('cert.crl-unreachable', () => {
  it('a CRL that could not be fetched, with no OCSP answer: the certificate, the URL and why; a warning, so no cert.ok', () => {
    const findings = judged([entry(0, [unreachable({ detail: 'HTTP 404' })], { ocspUrls: [] })]);
    expect(found(findings)).toEqual([F('cert.crl-unreachable', { subject: 'mx1.example.test', url: CRL, detail: 'HTTP 404' })]);
    expect(findings[0]?.severity).toBe('warning');
    expect(findings[0]?.actor).toBe('either');
  });

  it('an answer that cannot be trusted is no answer, never "not revoked"', () => {
    expect(found(judged([entry(0, [lookup({ status: 'invalid', detail: 'the CRL signature does not verify' })], { ocspUrls: [] })]))).toEqual([
      F('cert.crl-unreachable', { subject: 'mx1.example.test', url: CRL, detail: 'the CRL signature does not verify' }),
    ]);
    // Without a detail, the status says why.
    expect(found(judged([entry(0, [lookup({ status: 'invalid', nextUpdate: null })], { ocspUrls: [] })]))).toEqual([
      F('cert.crl-unreachable', { subject: 'mx1.example.test', url: CRL, detail: 'an answer that cannot be trusted' }),
    ]);
    expect(found(judged([entry(0, [unreachable()], { ocspUrls: [] })]))).toEqual([F('cert.crl-unreachable', { subject: 'mx1.example.test', url: CRL, detail: 'no answer' })]);
  });

  it('not when OCSP answered for the certificate (good or revoked), or another CRL did', () => {
    expect(ids(judged([entry(0, [unreachable({ detail: 'timed out' }), ocsp()])]))).toEqual(['cert.ok']);
    expect(ids(judged([entry(0, [unreachable(), ocsp({ method: 'stapled-ocsp', url: null })])]))).toEqual(['cert.ok']);
    expect(ids(judged([entry(0, [unreachable(), lookup({ url: CRL2 })], { crlUrls: [CRL, CRL2], ocspUrls: [] })]))).toEqual(['cert.ok']);
  });

  it('with OCSP failing too: both findings, each with its URL', () => {
    expect(found(judged([entry(0, [unreachable({ detail: 'HTTP 503' }), ocsp({ status: 'unreachable', detail: 'connection refused', nextUpdate: null })])]))).toEqual([
      F('cert.crl-unreachable', { subject: 'mx1.example.test', url: CRL, detail: 'HTTP 503' }),
      F('cert.ocsp-unreachable', { subject: 'mx1.example.test', url: OCSP, detail: 'connection refused' }),
    ]);
  });

  it('one finding for every certificate and URL that failed, in path order', () => {
    const findings = judged([
      entry(1, [unreachable({ url: ROOT_CRL, detail: 'b' })], { crlUrls: [ROOT_CRL], ocspUrls: [] }),
      entry(0, [unreachable({ detail: 'a1' }), unreachable({ url: CRL2, detail: 'a2' })], { crlUrls: [CRL, CRL2], ocspUrls: [] }),
    ]);
    expect(found(findings)).toEqual([
      F('cert.crl-unreachable', { subject: 'mx1.example.test, Example Issuing CA', url: `${CRL}, ${CRL2}, ${ROOT_CRL}`, detail: 'a1; a2; b' }),
    ]);
  });
});

describe('cert.ocsp-unreachable', () => {
  it('when no CRL answered either: the responder, and why (unreachable, untrustworthy, unknown)', () => {
    const only = (l: RevocationLookup) => found(judged([entry(0, [l], { crlUrls: [] })]));
    expect(only(ocsp({ status: 'unreachable', detail: 'HTTP 500', nextUpdate: null }))).toEqual([F('cert.ocsp-unreachable', { subject: 'mx1.example.test', url: OCSP, detail: 'HTTP 500' })]);
    expect(only(ocsp({ status: 'invalid', detail: 'signed by an unauthorised responder' }))).toEqual([
      F('cert.ocsp-unreachable', { subject: 'mx1.example.test', url: OCSP, detail: 'signed by an unauthorised responder' }),
    ]);
    expect(only(ocsp({ status: 'unknown' }))).toEqual([F('cert.ocsp-unreachable', { subject: 'mx1.example.test', url: OCSP, detail: 'the responder does not know the certificate' })]);
    // A stapled response that cannot be trusted: the server's, named as such.
    expect(only(ocsp({ method: 'stapled-ocsp', url: null, status: 'invalid', detail: 'for another certificate' }))).toEqual([
      F('cert.ocsp-unreachable', { subject: 'mx1.example.test', url: 'stapled by the server', detail: 'for another certificate' }),
    ]);
  });

  it('a warning, and not when a CRL answered for the certificate', () => {
    const findings = judged([entry(0, [ocsp({ status: 'unreachable', nextUpdate: null })], { crlUrls: [] })]);
    expect(findings.map((f) => [f.id, f.severity, f.actor])).toEqual([['cert.ocsp-unreachable', 'warning', 'either']]);
    expect(ids(judged([entry(0, [ocsp({ status: 'unreachable', nextUpdate: null }), lookup()])]))).toEqual(['cert.ok']);
  });

  it('a good OCSP answer past its nextUpdate at the judging time is no answer', () => {
    expect(found(judged([entry(0, [ocsp({ nextUpdate: '2026-05-30T00:00:00.000Z' })], { crlUrls: [] })]))).toEqual([
      F('cert.ocsp-unreachable', { subject: 'mx1.example.test', url: OCSP, detail: 'the answer was valid until 2026-05-30T00:00:00.000Z' }),
    ]);
    // Without a judging time, it is not out of date.
    expect(ids(judgedTimeless([entry(0, [ocsp({ nextUpdate: '2026-05-30T00:00:00.000Z' })], { crlUrls: [] })]))).toEqual(['cert.ok']);
  });
});

describe('cert.crl-stale', () => {
  it('a CRL past its nextUpdate, with no other answer: the certificate, the URL, the date', () => {
    const findings = judged([entry(0, [lookup({ nextUpdate: '2026-05-15T00:00:00.000Z' })], { ocspUrls: [] })]);
    expect(found(findings)).toEqual([F('cert.crl-stale', { subject: 'mx1.example.test', url: CRL, nextUpdate: '2026-05-15T00:00:00.000Z' })]);
    expect(findings[0]?.severity).toBe('warning');
  });

  it('also when the fetcher found it invalid for being out of date: stale, not unreachable', () => {
    const stale = lookup({ status: 'invalid', detail: 'out of date since 2026-05-15', nextUpdate: '2026-05-15T00:00:00.000Z' });
    expect(found(judged([entry(0, [stale], { ocspUrls: [] })]))).toEqual([F('cert.crl-stale', { subject: 'mx1.example.test', url: CRL, nextUpdate: '2026-05-15T00:00:00.000Z' })]);
  });

  it('not at its nextUpdate itself, not without a judging time, not when OCSP answered', () => {
    expect(ids(judged([entry(0, [lookup({ nextUpdate: '2026-06-01T00:00:00.000Z' })], { ocspUrls: [] })]))).toEqual(['cert.ok']);
    expect(ids(judgedTimeless([entry(0, [lookup({ nextUpdate: '2026-05-15T00:00:00.000Z' })], { ocspUrls: [] })]))).toEqual(['cert.ok']);
    expect(ids(judged([entry(0, [lookup({ nextUpdate: '2026-05-15T00:00:00.000Z' }), ocsp()])]))).toEqual(['cert.ok']);
  });

  it('next to an unreachable CRL of another certificate: each its finding; the first stale CRL’s date', () => {
    const findings = judged([
      entry(0, [lookup({ nextUpdate: '2026-05-15T00:00:00.000Z' }), lookup({ url: CRL2, nextUpdate: '2026-05-10T00:00:00.000Z' })], { crlUrls: [CRL, CRL2], ocspUrls: [] }),
      entry(1, [unreachable({ url: ROOT_CRL, detail: 'DNS' })], { crlUrls: [ROOT_CRL], ocspUrls: [] }),
    ]);
    expect(found(findings)).toEqual([
      F('cert.crl-unreachable', { subject: 'Example Issuing CA', url: ROOT_CRL, detail: 'DNS' }),
      F('cert.crl-stale', { subject: 'mx1.example.test', url: `${CRL}, ${CRL2}`, nextUpdate: '2026-05-15T00:00:00.000Z' }),
    ]);
  });
});

describe('cert.no-revocation-info', () => {
  const none = { crlUrls: [], ocspUrls: [] };

  it('a leaf with neither a CRL nor an OCSP URL: a note naming it (the certificate is still fine for OpenSSL-based senders)', () => {
    const findings = judged([entry(0, [], none), entry(1, [lookup({ url: ROOT_CRL })])]);
    expect(found(findings)).toEqual([F('cert.no-revocation-info', { element: 'the server certificate', subject: 'mx1.example.test' }), OK]);
    expect(findings[0]?.severity).toBe('info');
  });

  it('only where asked (mxray cert): the receiver test leaves the note out', () => {
    const none2 = { crlUrls: [], ocspUrls: [] };
    expect(found(judge({ revocation: [entry(0, [], none2)] }, { now: NOW }))).toEqual([OK]);
  });

  it('an intermediate too, listed with the leaf', () => {
    expect(found(judged([entry(0, [lookup()]), entry(1, [], none)]))).toEqual([F('cert.no-revocation-info', { element: 'intermediate 1', subject: 'Example Issuing CA' }), OK]);
    expect(found(judged([entry(0, [], none), entry(1, [], none)]))).toEqual([
      F('cert.no-revocation-info', { element: 'the server certificate, intermediate 1', subject: 'mx1.example.test, Example Issuing CA' }),
      OK,
    ]);
  });

  it('a CRL alone (no OCSP, as some public CAs do now) or OCSP alone is enough', () => {
    expect(ids(judged([entry(0, [lookup()], { ocspUrls: [] })]))).toEqual(['cert.ok']);
    expect(ids(judged([entry(0, [ocsp()], { crlUrls: [] })]))).toEqual(['cert.ok']);
  });

  it('not for the trust anchor, nor for the self-signed certificate a path ends with', () => {
    expect(ids(judged([entry(0, [lookup()]), entry(2, [], none)]))).toEqual(['cert.ok']);
    const self = cert({ issuer: 'CN=mx1.example.test, O=Example', selfIssued: true });
    expect(ids(judge({ sent: [self], path: [self], trusted: false, trustFailure: 'self-signed', revocation: [entry(0, [], none)] }, { now: NOW }))).toEqual(['cert.self-signed']);
    // An intermediate from the trust store (a --ca-file with the issuing CA) ends the path: an anchor, not looked up.
    const anchorMid = [cert(), intermediate({ source: 'trust-store' })];
    expect(ids(judge({ path: anchorMid, revocation: [entry(0, [lookup()]), entry(1, [], none)] }, { now: NOW }))).toEqual(['cert.ok']);
    // A root the server sent at the end of an untrusted path, too.
    const sentRoot = rootCa({ source: 'sent' });
    expect(ids(judge({ path: [cert(), intermediate(), sentRoot], trusted: false, trustFailure: 'untrusted-root', revocation: [entry(0, [lookup()]), entry(2, [], none)] }, { now: NOW }))).toEqual([
      'cert.untrusted-root',
    ]);
  });
});

describe('how the revocation findings name a certificate', () => {
  it('by the path’s certificate when the entry is about it; else by the entry’s own subject (an inconsistent saved report)', () => {
    expect(found(judged([entry(0, [unreachable()], { ocspUrls: [], sha256: '0'.repeat(64) })]))).toEqual([F('cert.crl-unreachable', { subject: 'CN=entry 0', url: CRL, detail: 'no answer' })]);
    expect(found(judged([entry(0, [lookup()]), entry(5, [], { crlUrls: [], ocspUrls: [] })]))).toEqual([OK]);
    const revokedBeyond = lookup({ status: 'revoked', revokedAt: '2026-04-01T00:00:00.000Z' });
    expect(found(judged([entry(5, [revokedBeyond])]))).toEqual([
      F('cert.revoked', { element: 'intermediate 5', subject: 'CN=entry 5', revokedAt: '2026-04-01T00:00:00.000Z', reason: 'none given', method: 'CRL', url: CRL }),
    ]);
  });

  it('the root, when an entry is about the trust anchor or a root the server sent', () => {
    const revokedRoot = lookup({ status: 'revoked', revokedAt: '2026-04-01T00:00:00.000Z' });
    expect(found(judged([entry(2, [revokedRoot])]))).toEqual([
      F('cert.revoked', { element: 'the root', subject: 'Example Root CA', revokedAt: '2026-04-01T00:00:00.000Z', reason: 'none given', method: 'CRL', url: CRL }),
    ]);
    const path = [cert(), intermediate(), rootCa({ source: 'sent' })];
    expect(found(judge({ path, trusted: false, trustFailure: 'untrusted-root', revocation: [entry(2, [revokedRoot])] }, { now: NOW }))).toEqual([
      F('cert.untrusted-root', { root: 'Example Root CA' }),
      F('cert.revoked', { element: 'the root', subject: 'Example Root CA', revokedAt: '2026-04-01T00:00:00.000Z', reason: 'none given', method: 'CRL', url: CRL }),
    ]);
    // An intermediate from the trust store in the middle of the path is an anchor too.
    const anchorMid = [cert(), intermediate({ source: 'trust-store' })];
    expect(found(judge({ path: anchorMid, revocation: [entry(1, [revokedRoot])] }, { now: NOW }))).toEqual([
      F('cert.revoked', { element: 'the root', subject: 'Example Issuing CA', revokedAt: '2026-04-01T00:00:00.000Z', reason: 'none given', method: 'CRL', url: CRL }),
    ]);
  });
});

describe('cert.must-staple-missing (from the revocation facts)', () => {
  const staple = (stapled: boolean | null | undefined) => judge({ revocation: [entry(0, [lookup()], { mustStaple: true })] }, { now: NOW, ocspStapled: stapled });

  it('a note when the leaf requires stapling and the server stapled nothing; cert.ok stays', () => {
    const findings = staple(false);
    expect(found(findings)).toEqual([F('cert.must-staple-missing', { subject: 'mx1.example.test' }), OK]);
    expect(findings[0]?.severity).toBe('info');
  });

  it('not when the server stapled, when that is not known, or when only an intermediate has must-staple', () => {
    expect(ids(staple(true))).toEqual(['cert.ok']);
    expect(ids(staple(null))).toEqual(['cert.ok']);
    expect(ids(staple(undefined))).toEqual(['cert.ok']);
    expect(ids(judge({ revocation: [entry(0, [lookup()]), entry(1, [lookup()], { mustStaple: true })] }, { now: NOW, ocspStapled: false }))).toEqual(['cert.ok']);
    expect(ids(judge({ revocation: null }, { now: NOW, ocspStapled: false }))).toEqual(['cert.ok']);
  });
});
