// What assessCertificate reads from the leaf's DER (certificate policies, extended key usages,
// embedded SCTs, must-staple) and from the chain repair: notes for publicly trusted certificates
// (validity longer than the CA/Browser Forum allows, clientAuth ending, no SCTs), must-staple
// without a stapled response, and what fetching a missing intermediate from its AIA URL gave.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type { AiaFetch, CertInfo, ChainRepair } from '../../../src/core/schema.js';
import { opensslCertificate } from '../../helpers/openssl-cert.js';
import { cert, F, found, ids, intermediate, judge, OK, rootCa } from './certificate-fixtures.js';

/** An SCT list extension value as RFC 6962 §3.3 encodes it (an OCTET STRING holding a TLS list), one SCT per log id. */
function sctExtension(...logIds: Buffer[]): string {
  const scts = logIds.map((id) => {
    const body = Buffer.concat([Buffer.from([0]), id, Buffer.alloc(8), Buffer.from([0, 0]), Buffer.from([4, 3, 0, 2, 0xab, 0xcd])]);
    return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
  });
  const list = Buffer.concat(scts);
  const tls = Buffer.concat([Buffer.from([list.length >> 8, list.length & 0xff]), list]);
  return Buffer.concat([Buffer.from([0x04, tls.length]), tls]).toString('hex');
}

const DV = 'certificatePolicies = 2.23.140.1.2.1';
const SCTS = `1.3.6.1.4.1.11129.2.4.2 = DER:${sctExtension(Buffer.alloc(32, 0xa1), Buffer.alloc(32, 0xb2))}`;

/** Leaves as openssl writes them (what a CA's tooling writes): made once, judged in each test. */
const der: Record<'public' | 'oneSct' | 'noScts' | 'clientAuth' | 'clientAuthOnly' | 'privateCa' | 'staple' | 'publicStaple', Buffer> = {} as never;
beforeAll(() => {
  der.public = opensslCertificate([DV, 'extendedKeyUsage = serverAuth', SCTS]);
  der.oneSct = opensslCertificate([DV, 'extendedKeyUsage = serverAuth', `1.3.6.1.4.1.11129.2.4.2 = DER:${sctExtension(Buffer.alloc(32, 0xc3))}`]);
  der.noScts = opensslCertificate([DV, 'extendedKeyUsage = serverAuth']);
  der.clientAuth = opensslCertificate([DV, 'extendedKeyUsage = serverAuth, clientAuth', SCTS]);
  der.clientAuthOnly = opensslCertificate([DV, 'extendedKeyUsage = clientAuth', SCTS]);
  // A private CA's certificate: no CA/Browser Forum policy, clientAuth, no SCTs.
  der.privateCa = opensslCertificate(['extendedKeyUsage = serverAuth, clientAuth', 'certificatePolicies = 1.3.6.1.4.1.99999.1']);
  der.staple = opensslCertificate(['extendedKeyUsage = serverAuth', 'tlsfeature = status_request']);
  der.publicStaple = opensslCertificate([DV, 'extendedKeyUsage = serverAuth', SCTS, 'tlsfeature = status_request']);
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex').toUpperCase();
/** The fixtures' leaf, as the DER's certificate (its SHA-256), with the dates given. */
const leafOf = (d: Buffer, o: Partial<CertInfo> = {}) => cert({ sha256: sha256(d), ...o });
/** A verdict on the good chain whose leaf is `d`'s, judged with `d` as the leaf's DER. */
const judgeDer = (d: Buffer, leaf: Partial<CertInfo> = {}, o: Parameters<typeof judge>[0] = {}, c: Parameters<typeof judge>[1] = {}) => {
  const l = leafOf(d, leaf);
  return judge({ sent: [l, intermediate()], path: [l, intermediate(), rootCa()], ...o }, { leafDer: d, ...c });
};
/** Valid from `from` for `days` days (and `extraMs` more). */
const valid = (from: string, days: number, extraMs = 0): Partial<CertInfo> => ({
  notBefore: from,
  notAfter: new Date(Date.parse(from) + days * 86_400_000 + extraMs).toISOString(),
});

describe('a public certificate as it should be: no note', () => {
  it('a CA/Browser Forum policy, serverAuth only, SCTs, 334 days: only cert.ok', () => {
    expect(found(judgeDer(der.public))).toEqual([OK]);
  });
});

describe('cert.validity-too-long', () => {
  /** The finding, then cert.ok (a note does not hold it back) for the same leaf. */
  const andOk = (f: ReturnType<typeof F>) => [f, F('cert.ok', { subject: 'mx1.example.test', issuer: 'Example Issuing CA', notAfter: (f[1] as Record<string, string>).notAfter ?? null })];
  const tooLong = (from: string, days: number, extraMs: number, shown: number, maxDays: number) => {
    const dates = valid(from, days, extraMs);
    return F('cert.validity-too-long', { subject: 'mx1.example.test', notBefore: from, notAfter: dates.notAfter as string, days: shown, maxDays });
  };

  it('398 days for a certificate issued before 15 March 2026: at the limit nothing, a second more is too long (days rounded up)', () => {
    expect(ids(judgeDer(der.public, valid('2025-06-01T00:00:00.000Z', 398)))).toEqual(['cert.ok']);
    expect(found(judgeDer(der.public, valid('2025-06-01T00:00:00.000Z', 398, 1000)))).toEqual(andOk(tooLong('2025-06-01T00:00:00.000Z', 398, 1000, 399, 398)));
    expect(ids(judgeDer(der.public, valid('2026-03-14T23:59:59.000Z', 398)))).toEqual(['cert.ok']);
    expect(found(judgeDer(der.public, valid('2025-06-01T00:00:00.000Z', 825)))).toEqual(andOk(tooLong('2025-06-01T00:00:00.000Z', 825, 0, 825, 398)));
  });

  it('200 days from 15 March 2026, 100 from 15 March 2027, 47 from 15 March 2029', () => {
    expect(ids(judgeDer(der.public, valid('2026-03-15T00:00:00.000Z', 200)))).toEqual(['cert.ok']);
    expect(found(judgeDer(der.public, valid('2026-03-15T00:00:00.000Z', 201)))).toEqual(andOk(tooLong('2026-03-15T00:00:00.000Z', 201, 0, 201, 200)));
    expect(ids(judgeDer(der.public, valid('2027-03-14T00:00:00.000Z', 200)))).toEqual(['cert.ok']);
    expect(ids(judgeDer(der.public, valid('2027-03-15T00:00:00.000Z', 100)))).toEqual(['cert.ok']);
    expect(found(judgeDer(der.public, valid('2027-03-15T00:00:00.000Z', 101)))).toEqual(andOk(tooLong('2027-03-15T00:00:00.000Z', 101, 0, 101, 100)));
    expect(ids(judgeDer(der.public, valid('2029-03-15T00:00:00.000Z', 47)))).toEqual(['cert.ok']);
    expect(found(judgeDer(der.public, valid('2029-03-15T00:00:00.000Z', 47, 3_600_000)))).toEqual(andOk(tooLong('2029-03-15T00:00:00.000Z', 47, 3_600_000, 48, 47)));
  });

  it("against the profile's table", () => {
    const profile = { ...DEFAULT_PROFILE, publicMaxValidity: [{ from: null, days: 90 }] };
    expect(found(judgeDer(der.public, valid('2026-06-01T00:00:00.000Z', 91), {}, { profile }))).toEqual(andOk(tooLong('2026-06-01T00:00:00.000Z', 91, 0, 91, 90)));
    // A table that does not go back far enough says nothing of an older certificate.
    const later = { ...DEFAULT_PROFILE, publicMaxValidity: [{ from: '2027-01-01T00:00:00.000Z', days: 10 }] };
    expect(ids(judgeDer(der.public, valid('2026-06-01T00:00:00.000Z', 300), {}, { profile: later }))).toEqual(['cert.ok']);
  });

  it('only for a certificate claiming the Baseline Requirements that chains to our trust store', () => {
    const long = valid('2025-06-01T00:00:00.000Z', 825);
    // No CA/Browser Forum policy: a private CA's.
    expect(ids(judgeDer(der.privateCa, long))).toEqual(['cert.ok']);
    // Ends at a root the server sent, not ours.
    const l = leafOf(der.public, long);
    const sentRoot = rootCa({ source: 'sent' });
    expect(ids(judge({ path: [l, intermediate(), sentRoot], trusted: false, trustFailure: 'untrusted-root' }, { leafDer: der.public }))).toEqual(['cert.untrusted-root']);
  });

  it('not judged without the DER, or with the DER of another certificate', () => {
    const long = valid('2025-06-01T00:00:00.000Z', 825);
    expect(ids(judgeDer(der.public, long, {}, { leafDer: null }))).toEqual(['cert.ok']);
    expect(ids(judgeDer(der.public, long, {}, { leafDer: undefined }))).toEqual(['cert.ok']);
    expect(ids(judgeDer(der.public, long, {}, { leafDer: der.noScts }))).toEqual(['cert.ok']);
  });
});

describe('cert.client-auth-ending', () => {
  it('a public certificate with clientAuth besides serverAuth: a note naming it and its end', () => {
    const findings = judgeDer(der.clientAuth);
    expect(found(findings)).toEqual([F('cert.client-auth-ending', { subject: 'mx1.example.test', notAfter: '2026-12-01T00:00:00.000Z' }), OK]);
    expect(findings[0]?.severity).toBe('info');
  });

  it('not for a private CA’s certificate, nor without serverAuth (not a server certificate: its own finding), nor serverAuth alone', () => {
    expect(ids(judgeDer(der.privateCa))).toEqual(['cert.ok']);
    expect(ids(judgeDer(der.clientAuthOnly))).toEqual(['cert.ok']);
    expect(ids(judgeDer(der.public))).toEqual(['cert.ok']);
  });
});

describe('cert.no-scts', () => {
  it('a public certificate without embedded SCTs: a note', () => {
    const findings = judgeDer(der.noScts);
    expect(found(findings)).toEqual([F('cert.no-scts', { subject: 'mx1.example.test' }), OK]);
    expect(findings[0]?.severity).toBe('info');
  });

  it('not with one embedded SCT or more', () => {
    expect(ids(judgeDer(der.oneSct))).toEqual(['cert.ok']);
    expect(ids(judgeDer(der.public))).toEqual(['cert.ok']);
  });

  it('not for a private CA’s certificate; for one whose chain was completed from AIA to our trust store, yes', () => {
    expect(ids(judgeDer(der.privateCa))).toEqual(['cert.ok']);
    const l = leafOf(der.noScts);
    const repaired: ChainRepair = { outcome: 'repaired', path: [l, intermediate({ source: 'aia' }), rootCa()], trustFailure: 'none', reason: null, fetches: [fetched(AIA)] };
    const v = { sent: [l], path: [l], trusted: false, trustFailure: 'chain-incomplete' as const };
    expect(ids(judge({ ...v, repair: repaired }, { leafDer: der.noScts }))).toEqual(['cert.chain-incomplete', 'cert.no-scts']);
    // Repair failed, or its path ends elsewhere: not known to be public.
    expect(ids(judge({ ...v, repair: { ...repaired, outcome: 'failed' } }, { leafDer: der.noScts }))).toEqual(['cert.chain-incomplete']);
    expect(ids(judge({ ...v, repair: { ...repaired, path: [l, intermediate({ source: 'aia' })] } }, { leafDer: der.noScts }))).toEqual(['cert.chain-incomplete']);
    expect(ids(judge(v, { leafDer: der.noScts }))).toEqual(['cert.chain-incomplete']);
  });
});

describe('cert.must-staple-missing (from the DER)', () => {
  it('the leaf requires stapling and the server stapled nothing: a note; for a private CA’s certificate too', () => {
    expect(found(judgeDer(der.staple, {}, {}, { ocspStapled: false }))).toEqual([F('cert.must-staple-missing', { subject: 'mx1.example.test' }), OK]);
    expect(found(judgeDer(der.publicStaple, {}, {}, { ocspStapled: false }))).toEqual([F('cert.must-staple-missing', { subject: 'mx1.example.test' }), OK]);
  });

  it('not when the server stapled or that is not known; not for a leaf without must-staple, whatever the revocation facts say', () => {
    expect(ids(judgeDer(der.staple, {}, {}, { ocspStapled: true }))).toEqual(['cert.ok']);
    expect(ids(judgeDer(der.staple, {}, {}, { ocspStapled: null }))).toEqual(['cert.ok']);
    expect(ids(judgeDer(der.staple))).toEqual(['cert.ok']);
    // The DER is the leaf itself: it wins over a revocation entry that says otherwise.
    const entry = { index: 0, subject: 'x', sha256: sha256(der.public), crlUrls: ['http://c.example.test/'], ocspUrls: [], mustStaple: true, lookups: [] };
    expect(ids(judgeDer(der.public, {}, { revocation: [entry] }, { ocspStapled: false }))).toEqual(['cert.ok']);
  });
});

const AIA = 'http://ca.example.test/issuing.cer';
const AIA2 = 'http://ca2.example.test/issuing.p7c';
function fetched(url: string, o: Partial<AiaFetch> = {}): AiaFetch {
  return { url, ok: true, detail: null, certificates: ['QQ=='], ...o };
}

describe('cert.chain-incomplete and the AIA repair', () => {
  const leaf = cert();
  const incomplete = { sent: [leaf], path: [leaf], trusted: false, trustFailure: 'chain-incomplete' as const };
  const repair = (o: Partial<ChainRepair>): ChainRepair => ({ outcome: 'failed', path: [leaf], trustFailure: 'chain-incomplete', reason: null, fetches: [], ...o });
  const incompleteWith = (r: ChainRepair | null) => found(judge({ ...incomplete, repair: r }));
  const F_ = (outcome: string, text: string) => F('cert.chain-incomplete', { issuer: 'Example Issuing CA', outcome, repair: text });

  it('repaired: where the missing certificate came from; the texts say who fetches (Windows, browsers) and who never does (OpenSSL-based MTAs)', () => {
    const r = repair({ outcome: 'repaired', path: [leaf, intermediate({ source: 'aia' }), rootCa()], trustFailure: 'none', fetches: [fetched(AIA, { ok: false, detail: 'HTTP 404' }), fetched(AIA2)] });
    const findings = judge({ ...incomplete, repair: r });
    expect(found(findings)).toEqual([F_('repaired', `the missing certificate was fetched from ${AIA2}, and the chain then verifies`)]);
    const f = findings[0];
    expect(f?.severity).toBe('error');
    expect(f?.detail).toContain('Windows (and so Exchange Server and Exchange Online) and browsers complete such a chain themselves');
    expect(f?.detail).toContain('OpenSSL-based MTAs (Postfix, Exim built with OpenSSL, Sendmail) never fetch it');
    expect(f?.detail).toContain('“works in my browser”');
    expect(f?.detail).toContain(`Fetching the missing certificate as Windows does: the missing certificate was fetched from ${AIA2}, and the chain then verifies.`);
    expect(f?.verifying).toContain('(in this test: repaired)');
  });

  it('failed fetches: each URL and why', () => {
    expect(incompleteWith(repair({ fetches: [fetched(AIA, { ok: false, detail: 'HTTP 404', certificates: [] })] }))).toEqual([
      F_('failed', `fetching the issuer from ${AIA} failed: HTTP 404`),
    ]);
    expect(incompleteWith(repair({ fetches: [fetched(AIA, { ok: false, detail: 'timed out' }), fetched(AIA2, { ok: false })] }))).toEqual([
      F_('failed', `fetching the issuer from ${AIA} failed: timed out; fetching the issuer from ${AIA2} failed: no certificate`),
    ]);
  });

  it('nothing to fetch: the reason given, else no AIA URL', () => {
    expect(incompleteWith(repair({ reason: 'the certificate names no AIA URL' }))).toEqual([F_('failed', 'the certificate names no AIA URL')]);
    expect(incompleteWith(repair({}))).toEqual([F_('failed', 'the certificate names no issuer URL (AIA caIssuers)')]);
  });

  it('fetched, but the chain still does not verify: the URLs and the reason, else the trust failure', () => {
    expect(incompleteWith(repair({ fetches: [fetched(AIA)], reason: 'the fetched certificate did not issue it' }))).toEqual([
      F_('failed', `fetched from ${AIA}, but the chain still does not verify: the fetched certificate did not issue it`),
    ]);
    expect(incompleteWith(repair({ fetches: [fetched(AIA), fetched(AIA2)], trustFailure: 'untrusted-root' }))).toEqual([
      F_('failed', `fetched from ${AIA}, ${AIA2}, but the chain still does not verify: untrusted-root`),
    ]);
  });

  it('not tried', () => {
    const [f] = judge({ ...incomplete, repair: null });
    expect(f?.facts).toEqual({ host: f?.hosts[0], issuer: 'Example Issuing CA', outcome: 'not tried', repair: 'not tried in this test' });
    expect(f?.verifying).toContain('(in this test: not tried)');
  });
});
