// The table of OpenSSL verify errors and the order OpenSSL checks in. What the real openssl
// prints for the chains verifyChain judges is compared in verify.test.ts.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { OpensslChainFacts } from '../../../src/pki/openssl-errors.js';

type Module = typeof import('../../../src/pki/openssl-errors.js');
let mod: Module;

// Loaded inside each test, so that the table's mutants are tested (TESTING.md, "Tables are tested where they load").
beforeEach(async () => {
  vi.resetModules();
  mod = await import('../../../src/pki/openssl-errors.js');
});

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const DAY = 86_400_000;
const valid = { notBefore: NOW - 10 * DAY, notAfter: NOW + 10 * DAY, signatureFails: false };

function facts(over: Partial<OpensslChainFacts> = {}): OpensslChainFacts {
  return { build: 'trusted', issuerNotCa: false, nameMismatch: null, chain: [valid, valid, valid], now: NOW, ...over };
}

const code = (over: Partial<OpensslChainFacts> = {}) => mod.firstOpensslError(facts(over))?.code ?? null;

describe('OPENSSL_VERIFY_ERRORS', () => {
  it('holds OpenSSL 3 numbers and texts, with other versions\' wordings', () => {
    expect(mod.OPENSSL_VERIFY_ERRORS).toEqual({
      UNABLE_TO_GET_ISSUER_CERT: { code: 2, name: 'unable to get issuer certificate', otherNames: [] },
      CERT_SIGNATURE_FAILURE: { code: 7, name: 'certificate signature failure', otherNames: [] },
      CERT_NOT_YET_VALID: { code: 9, name: 'certificate is not yet valid', otherNames: ['certificate is not yet valid or the system clock is incorrect'] },
      CERT_HAS_EXPIRED: { code: 10, name: 'certificate has expired', otherNames: [] },
      DEPTH_ZERO_SELF_SIGNED_CERT: { code: 18, name: 'self-signed certificate', otherNames: ['self signed certificate'] },
      SELF_SIGNED_CERT_IN_CHAIN: { code: 19, name: 'self-signed certificate in certificate chain', otherNames: ['self signed certificate in certificate chain'] },
      UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { code: 20, name: 'unable to get local issuer certificate', otherNames: [] },
      UNABLE_TO_VERIFY_LEAF_SIGNATURE: { code: 21, name: 'unable to verify the first certificate', otherNames: [] },
      CERT_CHAIN_TOO_LONG: { code: 22, name: 'certificate chain too long', otherNames: [] },
      INVALID_CA: { code: 79, name: 'invalid CA certificate', otherNames: [] },
      HOSTNAME_MISMATCH: { code: 62, name: 'hostname mismatch', otherNames: [] },
      IP_ADDRESS_MISMATCH: { code: 64, name: 'IP address mismatch', otherNames: [] },
    });
  });
});

describe('firstOpensslError', () => {
  it('is null when nothing is wrong', () => {
    expect(mod.firstOpensslError(facts())).toBeNull();
  });

  it('gives the code and the name, as OpenSSL prints them', () => {
    expect(mod.firstOpensslError(facts({ build: 'issuer-not-found' }))).toEqual({ code: 20, name: 'unable to get local issuer certificate' });
    expect(mod.firstOpensslError(facts({ nameMismatch: 'host' }))).toEqual({ code: 62, name: 'hostname mismatch' });
  });

  it('reports how chain building ended first of all', () => {
    const everything = { issuerNotCa: true, nameMismatch: 'host' as const, chain: [{ notBefore: NOW + DAY, notAfter: NOW - DAY, signatureFails: true }] };
    expect(code({ ...everything, build: 'leaf-self-signed' })).toBe(18);
    expect(code({ ...everything, build: 'root-self-signed' })).toBe(19);
    expect(code({ ...everything, build: 'issuer-not-found' })).toBe(20);
    expect(code({ ...everything, build: 'too-long' })).toBe(22);
    expect(code({ ...everything, build: 'trusted' })).toBe(79);
  });

  it('then an issuer that is not a CA, then the name', () => {
    expect(code({ issuerNotCa: true, nameMismatch: 'host' })).toBe(79);
    expect(code({ nameMismatch: 'host', chain: [{ ...valid, signatureFails: true }] })).toBe(62);
    expect(code({ nameMismatch: 'ip', chain: [{ ...valid, notAfter: NOW - DAY }] })).toBe(64);
  });

  it('then each certificate from the top of the chain down: its signature, then its validity', () => {
    const expired = { ...valid, notAfter: NOW - DAY };
    const early = { ...valid, notBefore: NOW + DAY };
    const badSignature = { ...valid, signatureFails: true };
    expect(code({ chain: [expired, early, valid] })).toBe(9);
    expect(code({ chain: [early, expired, valid] })).toBe(10);
    expect(code({ chain: [badSignature, valid, expired] })).toBe(10);
    expect(code({ chain: [expired, badSignature, valid] })).toBe(7);
    expect(code({ chain: [{ ...expired, signatureFails: true }] })).toBe(7);
    expect(code({ chain: [{ ...early, notAfter: NOW - DAY }] })).toBe(9);
    expect(code({ chain: [valid, valid, early] })).toBe(9);
    expect(code({ chain: [expired] })).toBe(10);
  });

  it('is valid from notBefore\'s second on, and expired from notAfter\'s second on (OpenSSL up to 3.5)', () => {
    const at = (now: number) => code({ now, chain: [{ notBefore: NOW, notAfter: NOW + DAY, signatureFails: false }] });
    expect(at(NOW - 1)).toBe(9);
    expect(at(NOW)).toBeNull();
    expect(at(NOW + DAY - 1000)).toBeNull();
    expect(at(NOW + DAY - 1)).toBeNull();
    expect(at(NOW + DAY)).toBe(10);
  });
});
