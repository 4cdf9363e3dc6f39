// assessCertificate, the cases the other tests leave open: where a certificate sits on the path in
// a revocation finding (an intermediate the incomplete path ends at, a self-issued one inside it),
// the URLs a repair fetched from, a repair that claims success with no path beside a public leaf,
// and must-staple read from the leaf's revocation entry when the DER is not given.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertInfo, CertRevocation } from '../../../src/core/schema.js';
import { opensslCertificate } from '../../helpers/openssl-cert.js';
import { cert, F, found, intermediate, judge, rootCa } from './certificate-fixtures.js';

const NOW = Date.parse('2026-06-01T00:00:00.000Z');

const entry = (c: CertInfo, index: number, o: Partial<CertRevocation> = {}): CertRevocation => ({
  index,
  subject: c.subject,
  sha256: c.sha256,
  crlUrls: [],
  ocspUrls: [],
  mustStaple: false,
  lookups: [],
  ...o,
});

const NOT_TRIED = { outcome: 'not tried', repair: 'not tried in this test' };

describe('the place of a certificate in a revocation finding', () => {
  it('an intermediate the incomplete path ends at: "intermediate 1", not the root', () => {
    const leaf = cert();
    const issuing = intermediate();
    const v = { sent: [leaf, issuing], path: [leaf, issuing], trusted: false, trustFailure: 'chain-incomplete' as const, revocation: [entry(issuing, 1)] };
    expect(found(judge(v, { now: NOW, noteMissingRevocation: true }))).toEqual([
      F('cert.chain-incomplete', { issuer: 'Example Root CA', ...NOT_TRIED }),
      F('cert.no-revocation-info', { element: 'intermediate 1', subject: 'Example Issuing CA' }),
    ]);
  });

  it('a self-issued intermediate inside the path: "intermediate 1" as well', () => {
    const leaf = cert();
    const rollover = intermediate({ issuer: 'CN=Example Issuing CA, O=Example', selfIssued: true, sha256: '8'.repeat(64) });
    const v = { sent: [leaf, rollover, intermediate()], path: [leaf, rollover, intermediate(), rootCa()], revocation: [entry(rollover, 1)] };
    expect(found(judge(v, { now: NOW, noteMissingRevocation: true }))).toEqual([
      F('cert.no-revocation-info', { element: 'intermediate 1', subject: 'Example Issuing CA' }),
      F('cert.ok', { subject: 'mx1.example.test', issuer: 'Example Issuing CA', notAfter: '2026-12-01T00:00:00.000Z' }),
    ]);
  });
});

describe('a repaired chain', () => {
  it('fetched from two URLs: both named', () => {
    const leaf = cert();
    const fetched = intermediate({ source: 'aia' });
    const fetches = [
      { url: 'http://a.example.test/ca.cer', ok: true, detail: null, certificates: [] },
      { url: 'http://b.example.test/ca.p7c', ok: true, detail: null, certificates: [] },
    ];
    const v = {
      sent: [leaf],
      path: [leaf],
      trusted: false,
      trustFailure: 'chain-incomplete' as const,
      repair: { outcome: 'repaired' as const, path: [leaf, fetched, rootCa()], trustFailure: 'none' as const, reason: null, fetches },
    };
    expect(found(judge(v, { now: NOW }))).toEqual([
      F('cert.chain-incomplete', {
        issuer: 'Example Issuing CA',
        outcome: 'repaired',
        repair: 'the missing certificate was fetched from http://a.example.test/ca.cer, http://b.example.test/ca.p7c, and the chain then verifies',
      }),
    ]);
  });

  describe('with a public leaf (a CA/Browser Forum policy, no SCTs)', () => {
    let der: Buffer;
    beforeAll(() => {
      der = opensslCertificate(['certificatePolicies = 2.23.140.1.2.1', 'extendedKeyUsage = serverAuth']);
    });

    it('a repair that claims success with no path: the path does not end in the trust store, so no public-CA notes', () => {
      const leaf = cert({ sha256: createHash('sha256').update(der).digest('hex').toUpperCase() });
      const v = {
        sent: [leaf],
        path: [leaf],
        trusted: false,
        trustFailure: 'chain-incomplete' as const,
        repair: { outcome: 'repaired' as const, path: [], trustFailure: 'none' as const, reason: null, fetches: [{ url: 'http://a.example.test/ca.cer', ok: true, detail: null, certificates: [] }] },
      };
      expect(found(judge(v, { now: NOW, leafDer: der }))).toEqual([
        F('cert.chain-incomplete', { issuer: 'Example Issuing CA', outcome: 'repaired', repair: 'the missing certificate was fetched from http://a.example.test/ca.cer, and the chain then verifies' }),
      ]);
    });
  });
});

describe('must-staple from the revocation facts (no DER)', () => {
  it('the leaf\'s entry says, not the first entry listed', () => {
    const path = [cert(), intermediate(), rootCa()];
    const crl = { crlUrls: ['http://crl.example.test/ca.crl'] };
    const revocation = [entry(path[1] as CertInfo, 1, { ...crl, mustStaple: true }), entry(path[0] as CertInfo, 0, { ...crl, mustStaple: false })];
    expect(found(judge({ revocation }, { now: NOW, ocspStapled: false }))).toEqual([
      F('cert.ok', { subject: 'mx1.example.test', issuer: 'Example Issuing CA', notAfter: '2026-12-01T00:00:00.000Z' }),
    ]);
    const stapleLeaf = [entry(path[0] as CertInfo, 0, { ...crl, mustStaple: true }), entry(path[1] as CertInfo, 1, { ...crl, mustStaple: false })];
    expect(found(judge({ revocation: stapleLeaf }, { now: NOW, ocspStapled: false }))).toEqual([
      F('cert.must-staple-missing', { subject: 'mx1.example.test' }),
      F('cert.ok', { subject: 'mx1.example.test', issuer: 'Example Issuing CA', notAfter: '2026-12-01T00:00:00.000Z' }),
    ]);
  });
});
