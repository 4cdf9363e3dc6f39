// The confirming handshake with SNI, from recorded facts alone: what verifyHostCertificates makes of
// it (its certificate verified, and whether it is the main one's again), and the host judged from
// those facts as `mxray report --rejudge` judges them: real certificates from the test PKI, verified
// with pki/verify, no network.
import { beforeAll, describe, expect, it } from 'vitest';
import { judgeHost, type HostJudgeContext } from '../../../src/checks/host.js';
import { verifyHostCertificates } from '../../../src/checks/certificate/index.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type { HostFacts, NoSniFacts, SniConfirmFacts } from '../../../src/core/schema.js';
import { createRootCa, createSelfSigned, DAY_MS, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { verifyChain } from '../../../src/pki/verify.js';
import { tlsOk } from './check-helpers.js';

const NOW = Date.UTC(2026, 10, 23);
const MX = 'mx.example.test';
const HOST = `${MX}[192.0.2.1]:25`;

let root: TestCa;
/** Two good certificates for the MX name (two members of a pool), an expired one, a self-signed default. */
let first: IssuedCert;
let second: IssuedCert;
let expired: IssuedCert;
let fallback: IssuedCert;

beforeAll(async () => {
  root = await createRootCa('Confirm Test Root', NOW);
  first = await root.issue({ commonName: MX });
  second = await root.issue({ commonName: MX });
  expired = await root.issue({ commonName: MX, notBefore: new Date(NOW - 400 * DAY_MS), notAfter: new Date(NOW - 5 * DAY_MS) });
  fallback = await createSelfSigned({ commonName: 'localhost' }, NOW);
});

const trustStore = () => createTrustStore([root.cert.certPem], 'confirm test root');
const b64 = (c: IssuedCert) => c.der.toString('base64');
const verdictFor = (c: IssuedCert) => verifyChain({ chain: [c.der], trustStore: trustStore(), now: NOW, name: MX, domain: 'example.test' });

const ok = (c: IssuedCert): SniConfirmFacts => ({ status: 'ok', error: null, peerChain: [b64(c)] });
const noSni = (c: IssuedCert, confirm?: SniConfirmFacts): NoSniFacts => ({ ...ok(c), ...(confirm ? { confirm } : {}) });
const verify = (main: IssuedCert, n: NoSniFacts | null) =>
  verifyHostCertificates({ serverName: MX, tls: tlsOk({ peerChain: [b64(main)] }), noSni: n, legacyRetry: null }, { trustStore: trustStore(), now: NOW, domain: 'example.test' });

describe('verifyHostCertificates: the confirming handshake', () => {
  it('its certificate verified, and whether it is the main one again (the very same bytes)', () => {
    expect(verify(first, noSni(fallback, ok(first))).noSni).toEqual({
      sameCertificate: false,
      certificate: verdictFor(fallback),
      confirm: { sameCertificate: true, certificate: verdictFor(first) },
    });
    // Another certificate for the same name is another certificate.
    expect(verify(first, noSni(second, ok(second))).noSni?.confirm).toEqual({ sameCertificate: false, certificate: verdictFor(second) });
  });

  it('a failed one: nothing verified, nothing compared; none made: no confirm at all (facts saved before it, too)', () => {
    const refused: SniConfirmFacts = { status: 'connection-refused', error: 'connection refused', peerChain: [] };
    expect(verify(first, noSni(fallback, refused)).noSni?.confirm).toEqual({ sameCertificate: null, certificate: null });
    // A handshake that completed without a certificate: a verdict of nothing, and nothing to compare.
    expect(verify(first, noSni(fallback, { status: 'ok', error: null, peerChain: [] })).noSni?.confirm?.sameCertificate).toBeNull();
    const none = verify(first, noSni(fallback)).noSni;
    expect(none).toEqual({ sameCertificate: false, certificate: verdictFor(fallback) });
    expect(none).not.toHaveProperty('confirm');
  });
});

describe('verifyHostCertificates: one verdict per distinct chain', () => {
  it('the same chain on every handshake: equal verdicts, each its own object (changing one changes no other)', () => {
    const v = verify(first, noSni(first, ok(first)));
    expect(v.noSni?.certificate).toEqual(v.certificate);
    expect(v.noSni?.confirm?.certificate).toEqual(v.certificate);
    v.certificate?.problems.push({ index: 0, role: 'leaf', subject: 'x', rule: 'expired', detail: 'planted', opensslError: { code: 10, name: 'X509_V_ERR_CERT_HAS_EXPIRED' } });
    v.certificate?.sent.pop();
    expect(v.noSni?.certificate?.problems).toEqual([]);
    expect(v.noSni?.certificate?.sent).toHaveLength(1);
    expect(v.noSni?.confirm?.certificate?.problems).toEqual([]);
  });

  it('different chains keep different verdicts', () => {
    const v = verify(first, noSni(expired, ok(first)));
    expect(v.noSni?.certificate).toEqual(verdictFor(expired));
    expect(v.noSni?.certificate?.timeValid).toBe(false);
    expect(v.certificate?.timeValid).toBe(true);
    // The same leaf with more behind it is another chain.
    const longer: NoSniFacts = { status: 'ok', error: null, peerChain: [b64(first), b64(root.cert)] };
    const w = verify(first, longer);
    expect(w.certificate?.sentCount).toBe(1);
    expect(w.noSni?.certificate?.sentCount).toBe(2);
  });
});

/** A good host whose main handshake showed `main`, with the handshakes without SNI and again with SNI as given. */
function facts(main: IssuedCert, n: NoSniFacts): HostFacts {
  return {
    key: HOST,
    mx: MX,
    preference: 10,
    address: '192.0.2.1',
    family: 4,
    port: 25,
    implicitTls: false,
    serverName: MX,
    ptr: [],
    ptrMatchesBanner: null,
    status: 'ok',
    statusDetail: null,
    statusReason: null,
    connectMs: 3,
    banner: { code: 220, enhanced: null, lines: [`${MX} ESMTP`] },
    bannerName: MX,
    greeting: 'EHLO',
    ehloReply: { code: 250, enhanced: null, lines: [MX, 'STARTTLS'] },
    ehloName: MX,
    capabilities: [{ keyword: 'STARTTLS', params: [], meaning: null, rfc: null }],
    starttls: { offered: true, masked: false, reply: { code: 220, enhanced: '2.0.0', lines: ['2.0.0 go ahead'] }, negotiated: true },
    tls: tlsOk({ peerChain: [b64(main)] }),
    legacyRetry: null,
    capabilitiesInTls: [],
    ehloTlsReply: { code: 250, enhanced: null, lines: [MX] },
    envelope: [],
    noSni: n,
    cleartext: null,
    evidence: { tls: [8, 9], noSni: [15, 16], sniConfirm: [18, 19] },
  };
}

const ctx = (): HostJudgeContext => ({
  trustStore: trustStore(),
  profile: DEFAULT_PROFILE,
  warnDays: 30,
  expectThumbprint: null,
  timeouts: { connectMs: 10_000, greetingMs: 300_000, commandMs: 120_000 },
  now: NOW,
  domain: 'example.test',
  transcript: [],
});
const judged = (f: HostFacts, over: Partial<HostJudgeContext> = {}) => judgeHost(f, { ...ctx(), ...over });
const idsOf = (f: HostFacts, over: Partial<HostJudgeContext> = {}) => judged(f, over).findings.map((x) => x.id).sort();

describe('the host judged from facts with a confirming handshake', () => {
  it('the main certificate again: cert.sni-dependent and the default certificate’s problems', () => {
    expect(idsOf(facts(first, noSni(fallback, ok(first))))).toEqual(['cert.name-mismatch', 'cert.ok', 'cert.self-signed', 'cert.sni-dependent', 'tls.ok']);
  });

  it('another certificate: cert.differs-between-connections and never cert.sni-dependent; a bad member’s problems reported, marked', () => {
    expect(idsOf(facts(first, noSni(second, ok(second))))).toEqual(['cert.differs-between-connections', 'cert.ok', 'tls.ok']);
    const bad = judged(facts(first, noSni(second, ok(expired))));
    expect(bad.findings.map((x) => x.id).sort()).toEqual(['cert.differs-between-connections', 'cert.expired', 'cert.ok', 'tls.ok']);
    expect(bad.findings.find((x) => x.id === 'cert.expired')?.facts['handshake']).toBe('sni-confirm');
    expect(bad.verdict).toBe('fail');
    // The user's expected thumbprint (the first member's): every other member fails it, once.
    const pinned = idsOf(facts(first, noSni(second, ok(expired))), { expectThumbprint: verdictFor(first).sent[0]!.sha256 });
    expect(pinned).toEqual(['cert.differs-between-connections', 'cert.expired', 'cert.ok', 'cert.thumbprint-mismatch', 'tls.ok']);
  });

  it('another member seen twice (without SNI and again with it): its problems reported once, as seen without SNI', () => {
    const twice = judged(facts(first, noSni(expired, ok(expired))));
    expect(twice.findings.map((x) => x.id).sort()).toEqual(['cert.differs-between-connections', 'cert.expired', 'cert.ok', 'tls.ok']);
    expect(twice.findings.filter((x) => x.id === 'cert.expired').map((x) => x.facts['handshake'])).toEqual(['no-sni']);
  });

  it('a refused confirmation: cert.sni-dependent still, its detail saying it is not confirmed', () => {
    const h = judged(facts(first, noSni(fallback, { status: 'connection-refused', error: 'connection refused', peerChain: [] })));
    expect(h.findings.map((x) => x.id).sort()).toEqual(['cert.name-mismatch', 'cert.ok', 'cert.self-signed', 'cert.sni-dependent', 'tls.ok']);
    const f = h.findings.find((x) => x.id === 'cert.sni-dependent')!;
    expect(f.facts['confirmation']).toBe('A second handshake with SNI, to rule out a pool of servers with certificates of their own, failed (connection refused): not confirmed.');
    expect(f.evidence).toEqual([15, 16, 18, 19]);
  });
});
