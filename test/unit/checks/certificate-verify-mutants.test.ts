// verifyHostCertificates and withFetched with what was fetched for the chain: the missing
// intermediate fetched from the AIA URL (the chain repaired, revocation along the repaired path),
// no AIA URL to fetch from, and a path of one certificate. Real certificates from the test PKI.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyHostCertificates } from '../../../src/checks/certificate/index.js';
import { withFetched } from '../../../src/checks/certificate/verify.js';
import type { CertRevocation, PkiFetches } from '../../../src/core/schema.js';
import { createRootCa, createSelfSigned, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { verifyChain } from '../../../src/pki/verify.js';
import { tlsOk } from './check-helpers.js';

const NOW = Date.UTC(2026, 5, 1);
const MX = 'mx.example.test';
const AIA_URL = 'http://ca.example.test/issuing.cer';

let root: TestCa;
let issuing: TestCa;
let leaf: IssuedCert;
let selfSigned: IssuedCert;

beforeAll(async () => {
  root = await createRootCa('Verify Test Root', NOW);
  issuing = await root.intermediate('Verify Test Issuing CA');
  leaf = await issuing.issue({ commonName: MX });
  selfSigned = await createSelfSigned({ commonName: MX }, NOW);
});

const trustStore = () => createTrustStore([root.cert.certPem], 'verify test root');
const b64 = (der: Buffer) => der.toString('base64');
const sha256 = (der: Buffer) => createHash('sha256').update(der).digest('hex').toUpperCase();
const revocationOf = (der: Buffer, subject: string): CertRevocation => ({
  index: 99,
  subject,
  sha256: sha256(der),
  crlUrls: ['http://crl.example.test/ca.crl'],
  ocspUrls: [],
  mustStaple: false,
  lookups: [],
});

/** The main handshake sent the leaf only; the given fetches were made for it. */
const certificateOf = (pkiFetches: PkiFetches) =>
  verifyHostCertificates({ serverName: MX, tls: tlsOk({ peerChain: [b64(leaf.der)] }), noSni: null, legacyRetry: null, pkiFetches }, { trustStore: trustStore(), now: NOW, domain: null })
    .certificate;

describe('verifyHostCertificates with fetches: the chain completed from the AIA URL', () => {
  it('the fetched intermediate completes the chain as sent; revocation is looked up along the repaired path', () => {
    const aia = [{ url: AIA_URL, ok: true, detail: null, certificates: [b64(issuing.cert.der)] }];
    const revocation = [revocationOf(leaf.der, `CN=${MX}`), revocationOf(issuing.cert.der, 'CN=Verify Test Issuing CA')];
    const v = certificateOf({ aia, revocation });
    expect([v?.trusted, v?.trustFailure, v?.path.map((c) => c.sha256)]).toEqual([false, 'chain-incomplete', [sha256(leaf.der)]]);
    expect(v?.repair).toEqual({
      outcome: 'repaired',
      path: verifyChain({ chain: [leaf.der, issuing.cert.der], trustStore: trustStore(), now: NOW, name: null, domain: null }).path.map((c, i) => (i === 1 ? { ...c, source: 'aia' } : c)),
      trustFailure: 'none',
      reason: null,
      fetches: aia,
    });
    expect(v?.revocation?.map((r) => [r.index, r.sha256])).toEqual([
      [0, sha256(leaf.der)],
      [1, sha256(issuing.cert.der)],
    ]);
  });

  it('no caIssuers URL fetched: the repair failed, saying there was nothing to fetch from; one certificate, no lookups: revocation looked up (nothing)', () => {
    const v = certificateOf({ aia: [], revocation: [] });
    expect([v?.repair?.outcome, v?.repair?.reason, v?.repair?.fetches, v?.revocation]).toEqual([
      'failed',
      'The certificate names no caIssuers URL (authorityInfoAccess) to fetch its issuer from.',
      [],
      [],
    ]);
  });

  it('a fetch that brought nothing usable: the repair\'s own reason', () => {
    const aia = [{ url: AIA_URL, ok: false, detail: 'HTTP 404', certificates: [] }];
    const v = certificateOf({ aia, revocation: [] });
    const repair = v?.repair;
    expect([repair?.outcome, repair?.fetches]).toEqual(['failed', aia]);
    expect(repair?.reason).toBe(
      'The server\'s certificate "mx.example.test" was issued by "Verify Test Issuing CA", which the server did not send and which is not in the trust store (verify test root): ' +
        'the server is probably not sending its intermediate certificate (or the issuer is a CA we do not trust).',
    );
  });
});

describe('withFetched: a path of one certificate', () => {
  it('a self-signed certificate alone, no lookups: revocation looked up (nothing to look up), not "not attempted"', () => {
    const chain = [selfSigned.der];
    const verdict = verifyChain({ chain, trustStore: trustStore(), now: NOW, name: MX, domain: null });
    const fetched = withFetched(verdict, chain, { aia: [], revocation: [] }, { trustStore: trustStore(), now: NOW });
    expect([verdict.path.length, fetched.revocation, fetched.repair]).toEqual([1, [], null]);
    // Two certificates on the path and no lookups: not looked up.
    const two = [leaf.der, issuing.cert.der];
    const trusted = verifyChain({ chain: two, trustStore: trustStore(), now: NOW, name: MX, domain: null });
    expect(withFetched(trusted, two, { aia: [], revocation: [] }, { trustStore: trustStore(), now: NOW }).revocation).toBeNull();
  });
});
