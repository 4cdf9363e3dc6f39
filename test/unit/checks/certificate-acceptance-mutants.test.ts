// judgeAcceptance, the cases the table tests leave open: the names a certificate is checked by
// (CN only, none at all), Exchange's wildcard connector names, the path Windows builds when the
// verdict also carries a repair, a chain broken with no problem listed, revocation entries without
// lookups, a not-yet-valid certificate of less than a day, signatures on self-issued certificates.
import { describe, expect, it } from 'vitest';
import { judgeAcceptance, type AcceptanceInput } from '../../../src/checks/certificate/acceptance.js';
import type { Acceptance, CertInfo, CertRevocation, CertVerdict, RevocationLookup } from '../../../src/core/schema.js';
import { cert, intermediate, rootCa, verdict } from './certificate-fixtures.js';

const NOW = Date.parse('2026-06-01T00:00:00.000Z');

const goodCrl: RevocationLookup = {
  method: 'crl',
  url: 'http://crl.example.test/ca.crl',
  status: 'good',
  detail: null,
  revokedAt: null,
  reason: null,
  thisUpdate: '2026-05-25T00:00:00.000Z',
  nextUpdate: '2026-06-08T00:00:00.000Z',
};

const entry = (c: CertInfo, index: number, lookups: RevocationLookup[] = [goodCrl]): CertRevocation => ({
  index,
  subject: c.subject,
  sha256: c.sha256,
  crlUrls: ['http://crl.example.test/ca.crl'],
  ocspUrls: [],
  mustStaple: false,
  lookups,
});

/** Good revocation answers for every certificate of the path but the trust anchor. */
const answered = (path: CertInfo[]): CertRevocation[] => path.filter((c) => c.source !== 'trust-store').map((c, i) => entry(c, i));

function input(v: Partial<CertVerdict>, o: Partial<AcceptanceInput> = {}): AcceptanceInput {
  const path = v.path ?? [cert(), intermediate(), rootCa()];
  return {
    verdict: verdict({ path, revocation: answered(path), ...v }),
    mxHost: 'mx1.example.test',
    domain: 'example.test',
    connectorNames: ['mx1.example.test'],
    now: NOW,
    revocationChecked: true,
    ...o,
  };
}

function row(i: AcceptanceInput, profile: string): Pick<Acceptance, 'accepts' | 'reasons'> {
  const found = judgeAcceptance(i).find((r) => r.profile === profile);
  if (!found) throw new Error(`no row ${profile}`);
  return { accepts: found.accepts, reasons: found.reasons };
}

const POSTFIX_NOTE = 'Postfix does not check revocation (no CRL or OCSP lookups).';
const PUBLIC_CA_NOTE = 'Exchange Online trusts public CAs only (Microsoft Trusted Root Program): a root from a CA file given to mxray is not among them.';

describe('the names a certificate is checked by', () => {
  it('a certificate without DNS names: its CN', () => {
    const leaf = cert({ dnsNames: [], commonName: 'mail.example.test' });
    expect(row(input({ path: [leaf, intermediate(), rootCa()] }), 'postfix-verify')).toEqual({
      accepts: 'no',
      reasons: ['The MX host name mx1.example.test is not on the certificate (names: mail.example.test).', POSTFIX_NOTE],
    });
  });

  it('a certificate with neither DNS names nor a CN: "(none)"', () => {
    const leaf = cert({ dnsNames: [], commonName: null, subject: 'O=Example' });
    expect(row(input({ path: [leaf, intermediate(), rootCa()] }), 'postfix-verify')).toEqual({
      accepts: 'no',
      reasons: ['The MX host name mx1.example.test is not on the certificate (names: (none)).', POSTFIX_NOTE],
    });
  });
});

describe('Exchange: a wildcard connector name', () => {
  const exchange = (dnsNames: string[], connector: string) =>
    row(input({ path: [cert({ dnsNames }), intermediate(), rootCa()] }, { connectorNames: [connector] }), 'exchange-server');

  it('is covered by any certificate name below its domain, among others that are not', () => {
    expect(exchange(['mail.other.test', 'mx1.example.test'], '*.example.test')).toEqual({ accepts: 'yes', reasons: [] });
    expect(exchange(['*.example.test'], '*.example.test')).toEqual({ accepts: 'yes', reasons: [] });
  });

  it('is not covered by a name that only ends in the same letters, nor by one ending in "*." that is not below it', () => {
    expect(exchange(['xxexample.test'], '*.example.test')).toEqual({
      accepts: 'no',
      reasons: ['The connector name *.example.test is not on the certificate (names: xxexample.test).'],
    });
    // "xxb*." (normalised) is no wildcard (it does not start with "*."), and is not below "b*.".
    expect(exchange(['xxb*..'], '*.b*..')).toEqual({
      accepts: 'no',
      reasons: ['The connector name *.b*. is not on the certificate (names: xxb*..).'],
    });
    // "*.*.example.test" stands for names below "*.example.test": the wildcard "*.example.test" is not one.
    expect(exchange(['*.example.test'], '*.*.example.test')).toEqual({
      accepts: 'no',
      reasons: ['The connector name *.*.example.test is not on the certificate (names: *.example.test).'],
    });
  });
});

describe('the path Windows builds', () => {
  it('a repair that claims success with no path: the path as sent is judged', () => {
    const leaf = cert();
    const v: Partial<CertVerdict> = {
      path: [leaf],
      trusted: false,
      trustFailure: 'chain-incomplete',
      repair: { outcome: 'repaired', path: [], trustFailure: 'none', reason: null, fetches: [] },
      revocation: [],
    };
    expect(row(input(v), 'exchange-server')).toEqual({
      accepts: 'unknown',
      reasons: [
        'There are no revocation lookups for mx1.example.test: whether Exchange can check its revocation is not known.',
        'The chain is incomplete as sent; Windows completes it from the AIA issuer URL, as mxray did.',
      ],
    });
  });

  it('a trusted chain: the path as sent, even beside a repaired one', () => {
    const path = [cert(), intermediate(), rootCa()];
    const weak = intermediate({ source: 'aia', sha256: '7'.repeat(64), signatureAlgorithm: 'sha1WithRSAEncryption' });
    const v: Partial<CertVerdict> = { path, repair: { outcome: 'repaired', path: [cert(), weak, rootCa()], trustFailure: 'none', reason: null, fetches: [] } };
    expect(row(input(v), 'exchange-online')).toEqual({ accepts: 'yes', reasons: [PUBLIC_CA_NOTE] });
  });
});

describe('trust', () => {
  it('a chain that breaks a rule of path validation with no problem listed: "see the problems"', () => {
    const v: Partial<CertVerdict> = { trusted: false, trustFailure: 'chain-invalid', problems: [] };
    expect(row(input(v), 'postfix-verify')).toEqual({
      accepts: 'no',
      reasons: ['The chain is not trusted: a certificate on it breaks a rule of path validation (see the problems).', POSTFIX_NOTE],
    });
  });
});

describe('revocation', () => {
  it('an entry with addresses and no lookup: not known, naming the certificate and the software', () => {
    const path = [cert(), intermediate(), rootCa()];
    const v: Partial<CertVerdict> = { path, revocation: [entry(path[0] as CertInfo, 0, []), entry(path[1] as CertInfo, 1)] };
    expect(row(input(v), 'exchange-server')).toEqual({
      accepts: 'unknown',
      reasons: ['There are no revocation lookups for mx1.example.test: whether Exchange can check its revocation is not known.'],
    });
  });
});

describe('time', () => {
  it('not yet valid, with less than a day of validity left after its start: not yet valid, not expired', () => {
    const leaf = cert({ notBefore: '2026-06-02T00:00:00.000Z', notAfter: '2026-06-02T12:00:00.000Z' });
    const v: Partial<CertVerdict> = { path: [leaf, intermediate(), rootCa()], timeValid: false, daysLeft: 0 };
    expect(row(input(v), 'postfix-verify')).toEqual({ accepts: 'no', reasons: ['The certificate is not valid before 2026-06-02 00:00 UTC.', POSTFIX_NOTE] });
  });
});

describe('signature hashes (Exchange Online)', () => {
  it('a self-issued intermediate inside the path is judged by its signature; only the last certificate\'s self-signature is not', () => {
    const rollover = intermediate({ issuer: 'CN=Example Issuing CA, O=Example', selfIssued: true, sha256: '8'.repeat(64), signatureAlgorithm: 'sha1WithRSAEncryption' });
    const path = [cert(), rollover, intermediate(), rootCa()];
    expect(row(input({ path }), 'exchange-online')).toEqual({
      accepts: 'no',
      reasons: ['Example Issuing CA is signed with sha1WithRSAEncryption: Exchange Online refuses SHA-1 signatures.', PUBLIC_CA_NOTE],
    });
  });

  it('an incomplete path ends at an intermediate the server sent: its signature counts', () => {
    const weak = intermediate({ signatureAlgorithm: 'sha1WithRSAEncryption' });
    const path = [cert(), weak];
    const v: Partial<CertVerdict> = { path, trusted: false, trustFailure: 'chain-incomplete', repair: null };
    expect(row(input(v), 'exchange-online')).toEqual({
      accepts: 'no',
      reasons: [
        'Example Issuing CA is signed with sha1WithRSAEncryption: Exchange Online refuses SHA-1 signatures.',
        'The chain is incomplete as sent, and fetching the missing intermediates (AIA repair) was not tried: whether Windows completes it is not known.',
      ],
    });
  });
});
