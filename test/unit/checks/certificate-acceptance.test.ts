import { describe, expect, it } from 'vitest';
import { judgeAcceptance, type AcceptanceInput } from '../../../src/checks/certificate/acceptance.js';
import type { Acceptance, CertInfo, CertRevocation, CertVerdict, ChainRepair, RevocationLookup } from '../../../src/core/schema.js';
import { ACCEPTANCE_PROFILE_IDS, ACCEPTANCE_PROFILES, ACCEPTANCE_TEXTS } from '../../../src/kb/acceptance.js';

// The judging time: the leaf below is valid from 2026-01-01 to 2026-12-01.
const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const LATER = '2026-06-08T00:00:00.000Z';
const EARLIER = '2026-05-25T00:00:00.000Z';

const LEAF_SHA = 'B'.repeat(64);
const INTERMEDIATE_SHA = 'D'.repeat(64);
const AIA_SHA = '7'.repeat(64);

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
    sha256: LEAF_SHA,
    spkiSha256: '5'.repeat(64),
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
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter: '2030-01-01T00:00:00.000Z',
    isCa: true,
    sha1: 'C'.repeat(40),
    sha256: INTERMEDIATE_SHA,
    ...o,
  });

const rootCa = (o: Partial<CertInfo> = {}): CertInfo =>
  cert({
    subject: 'C=US, O=Example, CN=Example Root CA',
    issuer: 'C=US, O=Example, CN=Example Root CA',
    commonName: 'Example Root CA',
    dnsNames: [],
    notBefore: '2020-01-01T00:00:00.000Z',
    notAfter: '2040-01-01T00:00:00.000Z',
    isCa: true,
    selfIssued: true,
    source: 'trust-store',
    sha1: 'E'.repeat(40),
    sha256: 'F'.repeat(64),
    ...o,
  });

const lookup = (o: Partial<RevocationLookup> = {}): RevocationLookup => ({
  method: 'crl',
  url: 'http://crl.example.test/ca.crl',
  status: 'good',
  detail: null,
  revokedAt: null,
  reason: null,
  thisUpdate: EARLIER,
  nextUpdate: LATER,
  ...o,
});

const revocationOf = (c: CertInfo, index: number, lookups: RevocationLookup[] = [lookup()], o: Partial<CertRevocation> = {}): CertRevocation => ({
  index,
  subject: c.subject,
  sha256: c.sha256,
  crlUrls: ['http://crl.example.test/ca.crl'],
  ocspUrls: [],
  mustStaple: false,
  lookups,
  ...o,
});

/** A trusted chain as sent (leaf, intermediate, root from the trust store), with good CRL answers for leaf and intermediate. */
function verdict(overrides: Partial<CertVerdict> = {}): CertVerdict {
  const path = overrides.path ?? [cert(), intermediate(), rootCa()];
  return {
    sent: path.filter((c) => c.source === 'sent'),
    path,
    trusted: true,
    trustFailure: 'none',
    trustReason: null,
    checkedName: 'mx1.example.test',
    nameMatches: true,
    domainMatches: true,
    timeValid: true,
    daysLeft: 183,
    opensslError: null,
    problems: [],
    sentCount: 2,
    repair: null,
    revocation: path.filter((c) => c.source !== 'trust-store').map((c, i) => revocationOf(c, i)),
    ...overrides,
  };
}

function input(overrides: Partial<AcceptanceInput> = {}): AcceptanceInput {
  return {
    verdict: verdict(),
    mxHost: 'mx1.example.test',
    domain: 'example.test',
    connectorNames: ['mx1.example.test'],
    now: NOW,
    revocationChecked: true,
    ...overrides,
  };
}

/** The answer of every profile, in the table's order. */
const table = (i: AcceptanceInput): [string, Acceptance['accepts']][] => judgeAcceptance(i).map((r) => [r.profile, r.accepts]);

function row(i: AcceptanceInput, profile: string): Acceptance {
  const found = judgeAcceptance(i).find((r) => r.profile === profile);
  if (!found) throw new Error(`no row ${profile}`);
  return found;
}

/** A profile's answer and its deciding (first) reason. */
const decided = (i: AcceptanceInput, profile: string): [Acceptance['accepts'], string | undefined] => {
  const r = row(i, profile);
  return [r.accepts, r.reasons[0]];
};

/** An incomplete chain as sent (leaf only), completed from the AIA URL; revocation known for the fetched intermediate too. */
function repairedVerdict(repair: Partial<ChainRepair> = {}, o: Partial<CertVerdict> = {}): CertVerdict {
  const leaf = cert();
  const fetched = intermediate({ source: 'aia', sha256: AIA_SHA });
  return verdict({
    path: [leaf],
    trusted: false,
    trustFailure: 'chain-incomplete',
    trustReason: 'The issuer is missing.',
    sentCount: 1,
    repair: { outcome: 'repaired', path: [leaf, fetched, rootCa()], trustFailure: 'none', reason: null, fetches: [], ...repair },
    revocation: [revocationOf(leaf, 0), revocationOf(fetched, 1)],
    ...o,
  });
}

const selfSignedLeaf = (o: Partial<CertInfo> = {}): CertInfo => cert({ issuer: 'CN=mx1.example.test, O=Example', selfIssued: true, ...o });

const PUBLIC_CA_NOTE = ACCEPTANCE_TEXTS.publicCaOnly;
const POSTFIX_NOTE = 'Postfix does not check revocation (no CRL or OCSP lookups).';

describe('the acceptance profiles (kb)', () => {
  it('lists the seven profiles in the table order, each with its rules and a reference for every rule', () => {
    expect(ACCEPTANCE_PROFILES.map((p) => p.id)).toEqual(['opportunistic', 'postfix-verify', 'postfix-secure', 'exim-verify', 'exchange-server', 'exchange-online', 'dane']);
    expect(ACCEPTANCE_PROFILE_IDS).toEqual(ACCEPTANCE_PROFILES.map((p) => p.id));
    for (const p of ACCEPTANCE_PROFILES) {
      expect(p.rules[0]?.rule).toBe('leaf');
      for (const r of p.rules) expect(r.ref.length).toBeGreaterThan(0);
    }
    expect(ACCEPTANCE_PROFILES.map((p) => p.rules.map((r) => r.rule))).toEqual([
      ['leaf'],
      ['leaf', 'trusted-as-sent', 'time-valid', 'mx-host-covered'],
      ['leaf', 'trusted-as-sent', 'time-valid', 'nexthop-domain'],
      ['leaf', 'trusted-as-sent', 'time-valid', 'mx-host-covered'],
      ['leaf', 'not-self-signed', 'trusted-with-aia', 'time-valid', 'connector-names', 'revocation-checkable'],
      ['leaf', 'not-self-signed', 'trusted-with-aia', 'public-ca', 'time-valid', 'signature-hashes', 'rsa-key-size', 'connector-names', 'revocation-checkable'],
      ['leaf', 'dane-match'],
    ]);
  });
});

describe('judgeAcceptance: whole tables', () => {
  it('a trusted, named, time-valid certificate with good revocation answers: every sender accepts it', () => {
    const rows = judgeAcceptance(input());
    expect(rows.map((r) => [r.profile, r.accepts])).toEqual([
      ['opportunistic', 'yes'],
      ['postfix-verify', 'yes'],
      ['postfix-secure', 'yes'],
      ['exim-verify', 'yes'],
      ['exchange-server', 'yes'],
      ['exchange-online', 'yes'],
      ['dane', 'unknown'],
    ]);
    expect(rows.map((r) => r.reasons)).toEqual([
      ['Not verified: any certificate encrypts, even a self-signed or expired one.'],
      [POSTFIX_NOTE],
      ['Postfix matches the next-hop domain, not the MX host name, at this level.', POSTFIX_NOTE],
      ['Exim checks no CRL or OCSP by default (tls_crl and hosts_require_ocsp are unset).'],
      [],
      [PUBLIC_CA_NOTE],
      // No TLSA records looked up or given: a DANE sender's answer is not known.
      ['No TLSA records were looked up or given (name the host, or give --tlsa).'],
    ]);
    expect(rows.map((r) => r.name)).toEqual(ACCEPTANCE_PROFILES.map((p) => p.name));
  });

  it('a self-signed certificate: only opportunistic senders', () => {
    const leaf = selfSignedLeaf();
    const v = verdict({ path: [leaf], trusted: false, trustFailure: 'self-signed', revocation: [revocationOf(leaf, 0)] });
    expect(table(input({ verdict: v }))).toEqual([
      ['opportunistic', 'yes'],
      ['postfix-verify', 'no'],
      ['postfix-secure', 'no'],
      ['exim-verify', 'no'],
      ['exchange-server', 'no'],
      ['exchange-online', 'no'],
      ['dane', 'unknown'],
    ]);
  });

  it('a chain only complete after AIA repair: Windows senders yes, OpenSSL senders no', () => {
    expect(table(input({ verdict: repairedVerdict() }))).toEqual([
      ['opportunistic', 'yes'],
      ['postfix-verify', 'no'],
      ['postfix-secure', 'no'],
      ['exim-verify', 'no'],
      ['exchange-server', 'yes'],
      ['exchange-online', 'yes'],
      ['dane', 'unknown'],
    ]);
  });

  it('no MX host name: the profiles that check it cannot tell', () => {
    expect(table(input({ mxHost: null }))).toEqual([
      ['opportunistic', 'yes'],
      ['postfix-verify', 'unknown'],
      ['postfix-secure', 'yes'],
      ['exim-verify', 'unknown'],
      ['exchange-server', 'yes'],
      ['exchange-online', 'yes'],
      ['dane', 'unknown'],
    ]);
  });

  it('revocation not checked: the Exchange profiles cannot tell', () => {
    expect(table(input({ revocationChecked: false }))).toEqual([
      ['opportunistic', 'yes'],
      ['postfix-verify', 'yes'],
      ['postfix-secure', 'yes'],
      ['exim-verify', 'yes'],
      ['exchange-server', 'unknown'],
      ['exchange-online', 'unknown'],
      ['dane', 'unknown'],
    ]);
  });

  it('an expired certificate: only opportunistic senders', () => {
    const v = verdict({ timeValid: false, daysLeft: -3 });
    expect(table(input({ verdict: v, now: Date.parse('2026-12-04T00:00:00.000Z') }))).toEqual([
      ['opportunistic', 'yes'],
      ['postfix-verify', 'no'],
      ['postfix-secure', 'no'],
      ['exim-verify', 'no'],
      ['exchange-server', 'no'],
      ['exchange-online', 'no'],
      ['dane', 'unknown'],
    ]);
  });

  it('no certificate: every row says no, with that reason only', () => {
    const v = verdict({ path: [], sent: [], trusted: false, trustFailure: 'no-certificate', timeValid: false, daysLeft: 0, revocation: null });
    const rows = judgeAcceptance(input({ verdict: v }));
    expect(rows.map((r) => [r.accepts, r.reasons])).toEqual(ACCEPTANCE_PROFILES.map(() => ['no', ['The server presented no readable certificate.']]));
  });

  it('is pure: the input is left as it was and the same input gives the same table', () => {
    const i = input({ verdict: repairedVerdict() });
    const before = structuredClone(i);
    const first = judgeAcceptance(i);
    expect(i).toEqual(before);
    expect(judgeAcceptance(i)).toEqual(first);
  });
});

describe('opportunistic', () => {
  it('accepts even a self-signed, expired certificate, and says it is not verified', () => {
    const leaf = selfSignedLeaf({ notAfter: '2026-02-01T00:00:00.000Z' });
    const v = verdict({ path: [leaf], trusted: false, trustFailure: 'self-signed', timeValid: false, daysLeft: -120 });
    expect(row(input({ verdict: v, mxHost: null, domain: null, revocationChecked: false }), 'opportunistic')).toEqual({
      profile: 'opportunistic',
      name: 'Opportunistic (any sender)',
      accepts: 'yes',
      reasons: ['Not verified: any certificate encrypts, even a self-signed or expired one.'],
    });
  });
});

describe('postfix-verify and exim-verify (OpenSSL: the chain as sent, the MX host name)', () => {
  it('an untrusted root: no, saying why', () => {
    const v = verdict({ path: [cert(), intermediate(), rootCa({ source: 'sent' })], trusted: false, trustFailure: 'untrusted-root' });
    expect(decided(input({ verdict: v }), 'postfix-verify')).toEqual(['no', 'The chain is not trusted: it ends at a root that is not in the trust store.']);
    expect(decided(input({ verdict: v }), 'exim-verify')).toEqual(['no', 'The chain is not trusted: it ends at a root that is not in the trust store.']);
  });

  it('a chain that breaks a rule of path validation: no, naming the rules', () => {
    const v = verdict({
      trusted: false,
      trustFailure: 'chain-invalid',
      problems: [
        { index: 1, role: 'intermediate', subject: 'Example Issuing CA', rule: 'not-a-ca', detail: 'x', opensslError: { code: 79, name: 'X509_V_ERR_INVALID_CA' } },
        { index: 1, role: 'intermediate', subject: 'Example Issuing CA', rule: 'issuer-cannot-sign', detail: 'y', opensslError: { code: 32, name: 'X' } },
      ],
    });
    expect(decided(input({ verdict: v }), 'postfix-verify')).toEqual(['no', 'The chain is not trusted: a certificate on it breaks a rule of path validation (not-a-ca, issuer-cannot-sign).']);
  });

  it('a chain only AIA completes: no, because OpenSSL fetches nothing (the software named)', () => {
    const i = input({ verdict: repairedVerdict() });
    expect(decided(i, 'postfix-verify')[1]).toContain('incomplete as sent');
    expect(decided(i, 'postfix-verify')[1]).toContain('and Postfix does not');
    expect(decided(i, 'exim-verify')[1]).toContain('and Exim does not');
  });

  it('an incomplete chain AIA could not repair: not trusted', () => {
    const v = repairedVerdict({ outcome: 'failed', trustFailure: 'chain-incomplete', reason: 'HTTP 404' });
    expect(decided(input({ verdict: v }), 'postfix-verify')).toEqual(['no', 'The chain is not trusted: intermediate certificates are missing.']);
  });

  it('the MX host name not on the certificate: no (even though the CN names it: SANs win)', () => {
    const v = verdict({ path: [cert({ dnsNames: ['other.example.test'] }), intermediate(), rootCa()] });
    expect(decided(input({ verdict: v }), 'postfix-verify')).toEqual(['no', 'The MX host name mx1.example.test is not on the certificate (names: other.example.test).']);
    expect(decided(input({ verdict: v }), 'exim-verify')[0]).toBe('no');
  });

  it('the CN counts when there are no DNS SANs', () => {
    const v = verdict({ path: [cert({ dnsNames: [] }), intermediate(), rootCa()] });
    expect(decided(input({ verdict: v }), 'postfix-verify')[0]).toBe('yes');
  });

  it('the MX host name is compared in any case and without a trailing dot', () => {
    expect(decided(input({ mxHost: 'MX1.Example.Test.' }), 'postfix-verify')[0]).toBe('yes');
  });

  it('wildcards: only the whole left-most label, one label deep', () => {
    const withNames = (...dnsNames: string[]) => verdict({ path: [cert({ dnsNames, commonName: null }), intermediate(), rootCa()] });
    expect(decided(input({ verdict: withNames('*.example.test') }), 'postfix-verify')[0]).toBe('yes');
    expect(decided(input({ verdict: withNames('*.example.test'), mxHost: 'a.mx1.example.test' }), 'postfix-verify')[0]).toBe('no');
    expect(decided(input({ verdict: withNames('mx*.example.test') }), 'exim-verify')[0]).toBe('no');
    expect(decided(input({ verdict: withNames('example.test') }), 'exim-verify')[0]).toBe('no');
  });

  it('no MX host name: unknown, unless something else already says no', () => {
    expect(decided(input({ mxHost: null }), 'postfix-verify')).toEqual(['unknown', 'There is no MX host name to check the certificate against.']);
    expect(decided(input({ mxHost: '  ' }), 'exim-verify')).toEqual(['unknown', 'There is no MX host name to check the certificate against.']);
    const untrusted = verdict({ trusted: false, trustFailure: 'untrusted-root' });
    expect(row(input({ verdict: untrusted, mxHost: null }), 'postfix-verify').reasons).toEqual([
      'The chain is not trusted: it ends at a root that is not in the trust store.',
      'There is no MX host name to check the certificate against.',
      POSTFIX_NOTE,
    ]);
  });

  it('expired at the judging time (though valid when verified): no', () => {
    const r = decided(input({ now: Date.parse('2026-12-01T00:00:01.000Z') }), 'postfix-verify');
    expect(r).toEqual(['no', 'The certificate expired on 2026-12-01 00:00 UTC.']);
  });

  it('valid up to and including its last moment', () => {
    expect(decided(input({ now: Date.parse('2026-12-01T00:00:00.000Z') }), 'postfix-verify')[0]).toBe('yes');
    expect(decided(input({ now: Date.parse('2026-01-01T00:00:00.000Z') }), 'exim-verify')[0]).toBe('yes');
  });

  it('not yet valid at the judging time: no', () => {
    expect(decided(input({ now: Date.parse('2025-12-31T23:59:59.000Z') }), 'exim-verify')).toEqual(['no', 'The certificate is not valid before 2026-01-01 00:00 UTC.']);
  });

  it('out of date when it was verified: no, expired or not yet valid by the sign of daysLeft', () => {
    expect(decided(input({ verdict: verdict({ timeValid: false, daysLeft: -1 }) }), 'postfix-verify')).toEqual(['no', 'The certificate expired on 2026-12-01 00:00 UTC.']);
    expect(decided(input({ verdict: verdict({ timeValid: false, daysLeft: 400 }) }), 'postfix-verify')).toEqual([
      'no',
      'The certificate is not valid before 2026-01-01 00:00 UTC.',
    ]);
  });

  it('does not check revocation: a revoked certificate is still accepted', () => {
    const v = verdict({ revocation: [revocationOf(cert(), 0, [lookup({ status: 'revoked', revokedAt: EARLIER })])] });
    expect(table(input({ verdict: v })).slice(1, 4)).toEqual([
      ['postfix-verify', 'yes'],
      ['postfix-secure', 'yes'],
      ['exim-verify', 'yes'],
    ]);
  });
});

describe('postfix-secure (nexthop, dot-nexthop)', () => {
  const named = (...dnsNames: string[]) => input({ verdict: verdict({ path: [cert({ dnsNames, commonName: null }), intermediate(), rootCa()] }) });

  it('the next-hop domain itself (nexthop)', () => {
    expect(decided(named('example.test'), 'postfix-secure')[0]).toBe('yes');
  });

  it('any name under it, at any depth (dot-nexthop), a wildcard included', () => {
    expect(decided(named('mx1.example.test'), 'postfix-secure')[0]).toBe('yes');
    expect(decided(named('a.b.example.test'), 'postfix-secure')[0]).toBe('yes');
    expect(decided(named('*.example.test'), 'postfix-secure')[0]).toBe('yes');
  });

  it('not the MX host name: a certificate for the MX host in another domain is refused', () => {
    const i = input({ verdict: verdict({ path: [cert({ dnsNames: ['mx.provider.test'] }), intermediate(), rootCa()] }), mxHost: 'mx.provider.test' });
    expect(decided(i, 'postfix-verify')[0]).toBe('yes');
    expect(decided(i, 'postfix-secure')).toEqual([
      'no',
      'No name on the certificate is example.test or a name under it (smtp_tls_secure_cert_match = nexthop, dot-nexthop; names: mx.provider.test).',
    ]);
  });

  it('a name that only ends in the same letters, or a parent domain: no', () => {
    expect(decided(named('notexample.test'), 'postfix-secure')[0]).toBe('no');
    expect(decided(named('test'), 'postfix-secure')[0]).toBe('no');
    expect(decided(named('example.test.evil'), 'postfix-secure')[0]).toBe('no');
  });

  it('the MX host name is not needed; the domain is compared in any case', () => {
    expect(decided(input({ mxHost: null, domain: 'EXAMPLE.test.' }), 'postfix-secure')[0]).toBe('yes');
  });

  it('no next-hop domain: unknown', () => {
    expect(decided(input({ domain: null }), 'postfix-secure')).toEqual(['unknown', 'There is no mail domain (next-hop domain) to check the certificate against.']);
  });

  it('a chain only AIA completes: no', () => {
    expect(decided(input({ verdict: repairedVerdict() }), 'postfix-secure')[1]).toContain('incomplete as sent');
  });

  it('expired: no', () => {
    expect(decided(input({ now: Date.parse('2027-01-01T00:00:00.000Z') }), 'postfix-secure')).toEqual(['no', 'The certificate expired on 2026-12-01 00:00 UTC.']);
  });
});

describe('exchange-server (Windows chain engine: AIA, revocation)', () => {
  const X = 'exchange-server';

  it('a trusted chain, the connector name on it, revocation answered: yes with nothing to add', () => {
    expect(row(input(), X)).toEqual({ profile: X, name: 'Exchange Server, validating', accepts: 'yes', reasons: [] });
  });

  it('does not check the MX host name', () => {
    expect(decided(input({ mxHost: 'elsewhere.example.net' }), X)[0]).toBe('yes');
  });

  it('a chain completed from the AIA URL: yes, saying so', () => {
    expect(row(input({ verdict: repairedVerdict() }), X)).toMatchObject({ accepts: 'yes', reasons: [ACCEPTANCE_TEXTS.repairedByAia] });
  });

  it('an incomplete chain with no AIA repair tried: unknown', () => {
    const v = repairedVerdict({}, { repair: null });
    expect(decided(input({ verdict: v }), X)[0]).toBe('unknown');
    expect(decided(input({ verdict: v }), X)[1]).toContain('AIA repair) was not tried');
    expect(decided(input({ verdict: repairedVerdict({}, { repair: undefined }) }), X)[0]).toBe('unknown');
  });

  it('an incomplete chain AIA could not repair: no, with the reason', () => {
    const v = repairedVerdict({ outcome: 'failed', trustFailure: 'chain-incomplete', reason: 'HTTP 404 from http://ca.example.test/ca.crt' });
    expect(decided(input({ verdict: v }), X)).toEqual([
      'no',
      'The chain is incomplete as sent, and the missing intermediates could not be fetched from the AIA issuer URL (AIA repair failed: HTTP 404 from http://ca.example.test/ca.crt).',
    ]);
    expect(decided(input({ verdict: repairedVerdict({ outcome: 'failed', reason: null }) }), X)[1]).toContain('(AIA repair failed).');
  });

  it('an untrusted root: no, AIA or not', () => {
    const v = verdict({ trusted: false, trustFailure: 'untrusted-root' });
    expect(decided(input({ verdict: v }), X)).toEqual(['no', 'The chain is not trusted: it ends at a root that is not in the trust store.']);
  });

  it('a self-signed certificate: no, even one the trust store holds', () => {
    const leaf = selfSignedLeaf({ source: 'trust-store' });
    const pinned = verdict({ path: [leaf], revocation: [] });
    expect(decided(input({ verdict: pinned }), 'postfix-verify')[0]).toBe('yes');
    expect(decided(input({ verdict: pinned }), X)).toEqual(['no', 'The certificate is self-signed: Exchange takes none from a partner.']);
    expect(decided(input({ verdict: pinned }), 'exchange-online')).toEqual(['no', 'The certificate is self-signed: Exchange Online takes none from a partner.']);
  });

  it('expired: no', () => {
    expect(decided(input({ now: Date.parse('2027-01-01T00:00:00.000Z') }), X)[1]).toBe('The certificate expired on 2026-12-01 00:00 UTC.');
  });

  it('no connector name given: yes, saying DomainValidation was not checked', () => {
    expect(row(input({ connectorNames: [] }), X)).toMatchObject({ accepts: 'yes', reasons: [ACCEPTANCE_TEXTS.connectorNamesOptional] });
    expect(row(input({ connectorNames: [' '] }), X)).toMatchObject({ accepts: 'yes', reasons: [ACCEPTANCE_TEXTS.connectorNamesOptional] });
  });

  it('a connector name not on the certificate: no, naming it (each one checked)', () => {
    const r = row(input({ connectorNames: ['mx2.example.test', 'relay.example.test', 'mail.partner.test'] }), X);
    expect(r.accepts).toBe('no');
    expect(r.reasons).toEqual([
      'The connector name relay.example.test is not on the certificate (names: mx1.example.test, mx2.example.test).',
      'The connector name mail.partner.test is not on the certificate (names: mx1.example.test, mx2.example.test).',
    ]);
  });

  it('at most 20 reasons (the schema bound), the first ones kept', () => {
    const names = Array.from({ length: 25 }, (_, i) => `host${i}.partner.test`);
    const r = row(input({ connectorNames: names }), X);
    expect(r.reasons).toHaveLength(20);
    expect(r.reasons[19]).toContain('host19.partner.test');
  });

  it('a wildcard TlsDomain: any name under it, a wildcard included, but not the domain itself', () => {
    const named = (...dnsNames: string[]) => input({ verdict: verdict({ path: [cert({ dnsNames, commonName: null }), intermediate(), rootCa()] }), connectorNames: ['*.example.test'] });
    expect(decided(named('mx1.example.test'), X)[0]).toBe('yes');
    expect(decided(named('a.b.example.test'), X)[0]).toBe('yes');
    expect(decided(named('*.example.test'), X)[0]).toBe('yes');
    expect(decided(named('*.sub.example.test'), X)[0]).toBe('yes');
    expect(decided(named('example.test'), X)[0]).toBe('no');
    expect(decided(named('*.other.test'), X)[0]).toBe('no');
    expect(decided(named('notexample.test'), X)[0]).toBe('no');
    expect(decided({ ...named('mx1.example.test'), connectorNames: ['*.'] }, X)[0]).toBe('no');
    expect(decided({ ...named('mx1.example.test'), connectorNames: ['*.Example.TEST.'] }, X)[0]).toBe('yes');
  });

  it('a plain connector name is matched like a host name (a wildcard certificate covers one label)', () => {
    const wild = verdict({ path: [cert({ dnsNames: ['*.example.test'] }), intermediate(), rootCa()] });
    expect(decided(input({ verdict: wild, connectorNames: ['smtp.example.test'] }), X)[0]).toBe('yes');
    expect(decided(input({ verdict: wild, connectorNames: ['example.test'] }), X)[0]).toBe('no');
  });

  describe('revocation', () => {
    const withLookups = (leafLookups: RevocationLookup[], o: Partial<CertRevocation> = {}) =>
      input({ verdict: verdict({ revocation: [revocationOf(cert(), 0, leafLookups, o), revocationOf(intermediate(), 1)] }) });

    it('not checked (--no-revocation): unknown, never yes', () => {
      expect(decided(input({ revocationChecked: false }), X)).toEqual([
        'unknown',
        'Revocation was not checked (--no-revocation): Exchange refuses a certificate whose revocation it cannot check.',
      ]);
    });

    it('not checked, and something else fails: no, that failure first', () => {
      const r = row(input({ revocationChecked: false, connectorNames: ['other.example.test'] }), X);
      expect(r.accepts).toBe('no');
      expect(r.reasons[0]).toContain('connector name other.example.test');
      expect(r.reasons[1]).toContain('Revocation was not checked');
    });

    it('checked, but no lookups recorded for this chain: unknown', () => {
      expect(decided(input({ verdict: verdict({ revocation: null }) }), X)).toEqual([
        'unknown',
        'There are no revocation lookups for mx1.example.test: whether Exchange can check its revocation is not known.',
      ]);
      expect(row(input({ verdict: verdict({ revocation: undefined }) }), X).reasons).toEqual([
        'There are no revocation lookups for mx1.example.test: whether Exchange can check its revocation is not known.',
      ]);
    });

    it('an intermediate with no lookups: unknown, naming it (the root is never looked up)', () => {
      const v = verdict({ revocation: [revocationOf(cert(), 0)] });
      expect(decided(input({ verdict: v }), X)).toEqual([
        'unknown',
        'There are no revocation lookups for Example Issuing CA: whether Exchange can check its revocation is not known.',
      ]);
    });

    it('revoked: no (even when another answer says good)', () => {
      expect(decided(withLookups([lookup({ status: 'revoked', revokedAt: '2026-05-01T12:30:00.000Z' })]), X)).toEqual([
        'no',
        'mx1.example.test is revoked since 2026-05-01 12:30 UTC.',
      ]);
      expect(decided(withLookups([lookup({ method: 'ocsp', status: 'good' }), lookup({ status: 'revoked' })]), X)).toEqual(['no', 'mx1.example.test is revoked.']);
    });

    it('a revoked intermediate: no', () => {
      const v = verdict({ revocation: [revocationOf(cert(), 0), revocationOf(intermediate(), 1, [lookup({ status: 'revoked' })])] });
      expect(decided(input({ verdict: v }), X)).toEqual(['no', 'Example Issuing CA is revoked.']);
    });

    it('one good answer suffices when the others fail', () => {
      expect(decided(withLookups([lookup({ status: 'unreachable', detail: 'time-out' }), lookup({ method: 'ocsp', status: 'good', nextUpdate: null })]), X)[0]).toBe('yes');
      expect(decided(withLookups([lookup({ method: 'stapled-ocsp', url: null })]), X)[0]).toBe('yes');
    });

    it('every lookup unreachable, invalid or unknown: RevocationOffline', () => {
      const r = decided(withLookups([lookup({ status: 'unreachable' }), lookup({ method: 'ocsp', status: 'invalid' }), lookup({ method: 'ocsp', status: 'unknown' })]), X);
      expect(r).toEqual(['no', 'RevocationOffline: no CRL or OCSP answer for mx1.example.test could be used (CRL unreachable; OCSP invalid; OCSP unknown).']);
    });

    it('a CRL past its next update: RevocationOffline, out of date', () => {
      expect(decided(withLookups([lookup({ nextUpdate: '2026-05-31T23:59:59.000Z' })]), X)).toEqual([
        'no',
        'RevocationOffline: the CRL answer for mx1.example.test is out of date (next update 2026-05-31 23:59 UTC).',
      ]);
    });

    it('a stale CRL but a current OCSP answer: yes', () => {
      expect(decided(withLookups([lookup({ nextUpdate: EARLIER }), lookup({ method: 'ocsp' })]), X)[0]).toBe('yes');
    });

    it('an answer whose next update is the judging time itself is still current', () => {
      expect(decided(withLookups([lookup({ nextUpdate: new Date(NOW).toISOString() })]), X)[0]).toBe('yes');
    });

    it('no CRL or OCSP address at all: no', () => {
      expect(decided(withLookups([], { crlUrls: [], ocspUrls: [] }), X)).toEqual(['no', 'mx1.example.test names no CRL or OCSP address: Windows cannot check its revocation.']);
    });

    it('addresses but no lookup made: unknown', () => {
      expect(decided(withLookups([], { crlUrls: [], ocspUrls: ['http://ocsp.example.test'] }), X)[0]).toBe('unknown');
      expect(decided(withLookups([], { crlUrls: ['http://crl.example.test/ca.crl'], ocspUrls: [] }), X)[0]).toBe('unknown');
    });

    it('a repaired chain: the fetched intermediate needs its own answer', () => {
      const v = repairedVerdict({}, { revocation: [revocationOf(cert(), 0)] });
      expect(decided(input({ verdict: v }), X)).toEqual([
        'unknown',
        'There are no revocation lookups for Example Issuing CA: whether Exchange can check its revocation is not known.',
      ]);
    });
  });
});

describe('exchange-online (also: public CAs, SHA-1, RSA 2048, a connector name)', () => {
  const X = 'exchange-online';

  it('yes, saying it trusts public CAs only', () => {
    expect(row(input(), X)).toEqual({ profile: X, name: 'Exchange Online connectors', accepts: 'yes', reasons: [PUBLIC_CA_NOTE] });
  });

  it('the public-CA note only when the chain is trusted', () => {
    expect(row(input({ verdict: verdict({ trusted: false, trustFailure: 'untrusted-root' }) }), X).reasons).toEqual([
      'The chain is not trusted: it ends at a root that is not in the trust store.',
    ]);
    expect(row(input({ verdict: repairedVerdict() }), X).reasons).toEqual([ACCEPTANCE_TEXTS.repairedByAia, PUBLIC_CA_NOTE]);
  });

  it('no connector name given: unknown', () => {
    expect(decided(input({ connectorNames: [] }), X)).toEqual([
      'unknown',
      'There is no connector name (TlsDomain, TlsSenderCertificateName) to check the certificate against: give one with --name.',
    ]);
  });

  it('a connector name not on the certificate: no', () => {
    expect(decided(input({ connectorNames: ['mail.example.test'] }), X)[1]).toContain('connector name mail.example.test is not on the certificate');
  });

  it('revocation not checked: unknown', () => {
    expect(decided(input({ revocationChecked: false }), X)[1]).toContain('Revocation was not checked');
  });

  it('a SHA-1 signed server certificate: no (Exchange Server still yes)', () => {
    const v = verdict({ path: [cert({ signatureAlgorithm: 'sha1WithRSAEncryption' }), intermediate(), rootCa()] });
    expect(decided(input({ verdict: v }), X)).toEqual(['no', 'mx1.example.test is signed with sha1WithRSAEncryption: Exchange Online refuses SHA-1 signatures.']);
    expect(decided(input({ verdict: v }), 'exchange-server')[0]).toBe('yes');
  });

  it('an MD5 signed intermediate: no', () => {
    const v = verdict({ path: [cert(), intermediate({ signatureAlgorithm: 'md5WithRSAEncryption' }), rootCa()] });
    expect(decided(input({ verdict: v }), X)).toEqual(['no', 'Example Issuing CA is signed with md5WithRSAEncryption: Exchange Online refuses MD5 signatures.']);
  });

  it('a SHA-1 signed AIA-fetched intermediate: no', () => {
    const v = repairedVerdict({ path: [cert(), intermediate({ source: 'aia', sha256: AIA_SHA, signatureAlgorithm: 'ecdsa-with-SHA1' }), rootCa()] });
    expect(decided(input({ verdict: v }), X)[1]).toContain('refuses SHA-1 signatures');
  });

  it("the root's own SHA-1 signature does not matter", () => {
    const v = verdict({ path: [cert(), intermediate(), rootCa({ signatureAlgorithm: 'sha1WithRSAEncryption' })] });
    expect(decided(input({ verdict: v }), X)[0]).toBe('yes');
  });

  it('a trust anchor below the root (an intermediate in the trust store) is not judged for its signature', () => {
    const v = verdict({ path: [cert(), intermediate({ source: 'trust-store', signatureAlgorithm: 'sha1WithRSAEncryption' })] });
    expect(decided(input({ verdict: v }), X)[0]).toBe('yes');
  });

  it('an untrusted chain: the self-signature of the root it ends at is not reported', () => {
    const v = verdict({ path: [cert(), intermediate(), rootCa({ source: 'sent', signatureAlgorithm: 'sha1WithRSAEncryption' })], trusted: false, trustFailure: 'untrusted-root' });
    expect(row(input({ verdict: v }), X).reasons).toEqual(['The chain is not trusted: it ends at a root that is not in the trust store.']);
  });

  it('SHA-256 with RSA, RSA-PSS and Ed25519 are fine', () => {
    for (const signatureAlgorithm of ['sha256WithRSAEncryption', 'RSASSA-PSS (sha256)', 'Ed25519']) {
      const v = verdict({ path: [cert({ signatureAlgorithm }), intermediate(), rootCa()] });
      expect(decided(input({ verdict: v }), X)[0]).toBe('yes');
    }
  });

  it('an RSA key below 2048 bits on the server certificate or an intermediate: no; 2048 is enough', () => {
    const rsa = (bits: number | null, o: Partial<CertInfo> = {}) => ({ keyType: 'rsa', keyBits: bits, keyCurve: null, ...o });
    expect(decided(input({ verdict: verdict({ path: [cert(rsa(1024)), intermediate(), rootCa()] }) }), X)).toEqual([
      'no',
      'mx1.example.test has a 1024-bit RSA key: Exchange Online requires at least 2048 bits.',
    ]);
    expect(decided(input({ verdict: verdict({ path: [cert(rsa(2047, { keyType: 'rsa-pss' })), intermediate(), rootCa()] }) }), X)[1]).toContain('2047-bit RSA key');
    expect(decided(input({ verdict: verdict({ path: [cert(), intermediate(rsa(1024)), rootCa()] }) }), X)[1]).toContain('Example Issuing CA has a 1024-bit RSA key');
    expect(decided(input({ verdict: verdict({ path: [cert(rsa(2048)), intermediate(rsa(2048)), rootCa(rsa(1024))] }) }), X)[0]).toBe('yes');
    expect(decided(input({ verdict: verdict({ path: [cert(rsa(1024)), intermediate(), rootCa()] }) }), 'exchange-server')[0]).toBe('yes');
  });

  it('an RSA key of unknown size: unknown', () => {
    const v = verdict({ path: [cert({ keyType: 'rsa', keyBits: null }), intermediate(), rootCa()] });
    expect(decided(input({ verdict: v }), X)).toEqual(['unknown', 'The RSA key size of mx1.example.test is not known.']);
  });

  it("a pinned leaf's small key counts (the leaf's key is used in every handshake)", () => {
    const leaf = cert({ keyType: 'rsa', keyBits: 1024, source: 'trust-store' });
    const v = verdict({ path: [leaf], revocation: [] });
    expect(decided(input({ verdict: v }), X)[1]).toContain('1024-bit RSA key');
  });
});

describe('judgeAcceptance: the DANE sender', () => {
  const dane = (d: AcceptanceInput['dane']) => judgeAcceptance(input({ dane: d })).find((r) => r.profile === 'dane');

  it('a DANE-EE match: yes, and it says dates, names and issuer do not matter', () => {
    const row = dane({ kind: 'match', record: '3 1 1 ABCD', usage: 'DANE-EE' });
    expect(row?.accepts).toBe('yes');
    expect(row?.reasons[0]).toBe('The certificate matches the TLSA record 3 1 1 ABCD (DANE-EE): dates, names and issuer do not matter to DANE senders.');
  });

  it('a DANE-EE match of an expired, self-signed certificate: still yes (the other rows say no)', () => {
    const leaf = selfSignedLeaf();
    const v = verdict({ path: [leaf], trusted: false, trustFailure: 'self-signed', revocation: [revocationOf(leaf, 0)] });
    const rows = judgeAcceptance(input({ verdict: v, dane: { kind: 'match', record: '3 1 1 ABCD', usage: 'DANE-EE' } }));
    expect(rows.find((r) => r.profile === 'dane')?.accepts).toBe('yes');
    expect(rows.find((r) => r.profile === 'postfix-verify')?.accepts).toBe('no');
  });

  it('a DANE-TA match: yes, naming the anchor', () => {
    expect(dane({ kind: 'match', record: '2 1 1 EF01', usage: 'DANE-TA' })?.reasons[0]).toMatch(/^The certificate matches the TLSA record 2 1 1 EF01 \(DANE-TA\): the CA it names/);
  });

  it('no record matches: no, DANE senders defer', () => {
    const row = dane({ kind: 'no-match', records: '3 1 1 AAAA' });
    expect(row?.accepts).toBe('no');
    expect(row?.reasons[0]).toBe('The certificate matches none of the TLSA records (3 1 1 AAAA): DANE senders defer the mail.');
  });

  it('DANE-TA matched but the name is wrong: no', () => {
    const row = dane({ kind: 'ta-name', record: '2 1 1 EF01', names: 'mx.example.test nor example.test' });
    expect([row?.accepts, row?.reasons[0]]).toEqual(['no', 'The certificate chains to the DANE-TA record 2 1 1 EF01 but names neither mx.example.test nor example.test: DANE senders refuse it.']);
  });

  it('the TLSA lookup fails: no', () => {
    expect(dane({ kind: 'lookup-fails', why: 'SERVFAIL or no answer' })?.accepts).toBe('no');
  });

  it('no secure records, or only unusable ones: yes (opportunistic, or TLS without authentication), and says why', () => {
    const none = dane({ kind: 'none', why: 'the host publishes none' });
    expect([none?.accepts, none?.reasons[0]]).toEqual(['yes', 'No DNSSEC-secure TLSA records (the host publishes none): a DANE sender uses TLS opportunistically and accepts any certificate.']);
    expect(dane({ kind: 'unusable' })?.reasons[0]).toMatch(/^Only TLSA records SMTP cannot use/);
    expect(dane({ kind: 'unusable' })?.accepts).toBe('yes');
  });

  it('nothing looked up: unknown, never yes', () => {
    expect(dane(null)?.accepts).toBe('unknown');
    expect(dane(undefined)?.accepts).toBe('unknown');
  });
});
