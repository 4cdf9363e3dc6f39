// assessRevocation, called directly: which certificates of the path a missing CRL/OCSP address is
// reported for (not the trust anchor, not the self-signature the path ends with, but a self-issued
// certificate inside the path and an intermediate the path ends at), and stale CRLs of two certificates.
import { describe, expect, it } from 'vitest';
import { assessRevocation, type NameCertificate } from '../../../src/checks/certificate/revocation.js';
import type { CertInfo, CertRevocation, RevocationLookup } from '../../../src/core/schema.js';
import { cert, intermediate, rootCa, verdict } from './certificate-fixtures.js';

const NOW = Date.parse('2026-06-01T00:00:00.000Z');

/** Names a certificate by its index and the subject its entry gives. */
const name: NameCertificate = (r) => ({ element: `#${r.index}`, subject: r.subject });

/** An entry for the certificate at `index`, with no CRL and no OCSP address (and so no lookups) unless given. */
const entry = (c: CertInfo, index: number, o: Partial<CertRevocation> = {}): CertRevocation => ({
  index,
  subject: c.commonName ?? c.subject,
  sha256: c.sha256,
  crlUrls: [],
  ocspUrls: [],
  mustStaple: false,
  lookups: [],
  ...o,
});

const judge = (path: CertInfo[], revocation: CertRevocation[]) => assessRevocation(verdict({ path, revocation }), NOW, name);

describe('assessRevocation: no CRL or OCSP address', () => {
  it('a self-signed certificate alone: nobody looks it up, nothing to report', () => {
    const leaf = cert({ issuer: 'CN=mx1.example.test, O=Example', selfIssued: true });
    expect(judge([leaf], [entry(leaf, 0)])).toEqual([]);
  });

  it('a self-issued certificate inside the path is looked up like any other: reported', () => {
    const leaf = cert();
    const rollover = intermediate({ issuer: 'CN=Example Issuing CA, O=Example', selfIssued: true, sha256: '8'.repeat(64) });
    const path = [leaf, rollover, intermediate(), rootCa()];
    expect(judge(path, [entry(rollover, 1)])).toEqual([{ id: 'cert.no-revocation-info', facts: { element: '#1', subject: 'Example Issuing CA' } }]);
  });

  it('an intermediate the incomplete path ends at: reported; a trust anchor that is no root: not', () => {
    const leaf = cert();
    expect(judge([leaf, intermediate()], [entry(intermediate(), 1)])).toEqual([{ id: 'cert.no-revocation-info', facts: { element: '#1', subject: 'Example Issuing CA' } }]);
    const anchor = intermediate({ source: 'trust-store' });
    expect(judge([leaf, anchor], [entry(anchor, 1)])).toEqual([]);
  });
});

describe('assessRevocation: stale CRLs', () => {
  it('of two certificates: one finding naming both, the first one\'s nextUpdate', () => {
    const stale = (url: string, nextUpdate: string): RevocationLookup => ({
      method: 'crl',
      url,
      status: 'good',
      detail: null,
      revokedAt: null,
      reason: null,
      thisUpdate: '2026-05-01T00:00:00.000Z',
      nextUpdate,
    });
    const leaf = cert();
    const issuing = intermediate();
    const crl = (c: CertInfo, index: number, url: string, next: string) => entry(c, index, { crlUrls: [url], lookups: [stale(url, next)] });
    expect(
      judge([leaf, issuing, rootCa()], [crl(leaf, 0, 'http://crl.example.test/leaf.crl', '2026-05-20T00:00:00.000Z'), crl(issuing, 1, 'http://crl.example.test/ca.crl', '2026-05-25T00:00:00.000Z')]),
    ).toEqual([
      {
        id: 'cert.crl-stale',
        facts: {
          subject: 'mx1.example.test, Example Issuing CA',
          url: 'http://crl.example.test/leaf.crl, http://crl.example.test/ca.crl',
          nextUpdate: '2026-05-20T00:00:00.000Z',
        },
      },
    ]);
  });
});
