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
type Cert = OpensslChainFacts['chain'][number];
const valid: Cert = { notBefore: NOW - 10 * DAY, notAfter: NOW + 10 * DAY, signatureFails: false, extensionError: null, cannotSign: false, nameConstraintError: null };

function facts(over: Partial<OpensslChainFacts> = {}): OpensslChainFacts {
  return { build: 'trusted', nameMismatch: null, chain: [valid, valid, valid], now: NOW, ...over };
}

const code = (over: Partial<OpensslChainFacts> = {}) => mod.firstOpensslError(facts(over))?.code ?? null;

describe('OPENSSL_VERIFY_ERRORS', () => {
  it('holds OpenSSL 3 numbers and texts, with other versions\' wordings', () => {
    expect(mod.OPENSSL_VERIFY_ERRORS).toEqual({
      UNSPECIFIED: { code: 1, name: 'unspecified certificate verification error', otherNames: [] },
      UNABLE_TO_GET_ISSUER_CERT: { code: 2, name: 'unable to get issuer certificate', otherNames: [] },
      CERT_SIGNATURE_FAILURE: { code: 7, name: 'certificate signature failure', otherNames: [] },
      CERT_NOT_YET_VALID: { code: 9, name: 'certificate is not yet valid', otherNames: ['certificate is not yet valid or the system clock is incorrect'] },
      CERT_HAS_EXPIRED: { code: 10, name: 'certificate has expired', otherNames: [] },
      DEPTH_ZERO_SELF_SIGNED_CERT: { code: 18, name: 'self-signed certificate', otherNames: ['self signed certificate'] },
      SELF_SIGNED_CERT_IN_CHAIN: { code: 19, name: 'self-signed certificate in certificate chain', otherNames: ['self signed certificate in certificate chain'] },
      UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { code: 20, name: 'unable to get local issuer certificate', otherNames: [] },
      UNABLE_TO_VERIFY_LEAF_SIGNATURE: { code: 21, name: 'unable to verify the first certificate', otherNames: [] },
      CERT_CHAIN_TOO_LONG: { code: 22, name: 'certificate chain too long', otherNames: [] },
      PATH_LENGTH_EXCEEDED: { code: 25, name: 'path length constraint exceeded', otherNames: [] },
      INVALID_PURPOSE: { code: 26, name: 'unsuitable certificate purpose', otherNames: [] },
      KEYUSAGE_NO_CERTSIGN: { code: 32, name: 'key usage does not include certificate signing', otherNames: [] },
      UNHANDLED_CRITICAL_EXTENSION: { code: 34, name: 'unhandled critical extension', otherNames: [] },
      PERMITTED_VIOLATION: { code: 47, name: 'permitted subtree violation', otherNames: [] },
      EXCLUDED_VIOLATION: { code: 48, name: 'excluded subtree violation', otherNames: [] },
      SUBTREE_MINMAX: { code: 49, name: 'name constraints minimum and maximum not supported', otherNames: [] },
      HOSTNAME_MISMATCH: { code: 62, name: 'hostname mismatch', otherNames: [] },
      IP_ADDRESS_MISMATCH: { code: 64, name: 'IP address mismatch', otherNames: [] },
      INVALID_CA: { code: 79, name: 'invalid CA certificate', otherNames: [] },
      ISSUER_NAME_EMPTY: { code: 83, name: 'Issuer name empty', otherNames: [] },
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
    const everything = {
      nameMismatch: 'host' as const,
      chain: [{ notBefore: NOW + DAY, notAfter: NOW - DAY, signatureFails: true, extensionError: 'INVALID_CA' as const, cannotSign: true, nameConstraintError: 'PERMITTED_VIOLATION' as const }],
    };
    expect(code({ ...everything, build: 'leaf-self-signed' })).toBe(18);
    expect(code({ ...everything, build: 'root-self-signed' })).toBe(19);
    expect(code({ ...everything, build: 'issuer-not-found' })).toBe(20);
    expect(code({ ...everything, build: 'too-long' })).toBe(22);
    expect(code({ ...everything, build: 'trusted' })).toBe(79);
  });

  it('then the extension checks, leaf first, then the name', () => {
    const ext = (extensionError: Cert['extensionError']): Cert => ({ ...valid, extensionError });
    expect(code({ nameMismatch: 'host', chain: [valid, ext('INVALID_CA'), valid] })).toBe(79);
    expect(code({ chain: [ext('INVALID_PURPOSE'), ext('UNHANDLED_CRITICAL_EXTENSION'), valid] })).toBe(26);
    expect(code({ chain: [valid, ext('PATH_LENGTH_EXCEEDED'), ext('UNHANDLED_CRITICAL_EXTENSION')] })).toBe(25);
    expect(code({ chain: [valid, valid, ext('UNHANDLED_CRITICAL_EXTENSION')] })).toBe(34);
    expect(code({ nameMismatch: 'host', chain: [{ ...valid, signatureFails: true, cannotSign: true, nameConstraintError: 'EXCLUDED_VIOLATION' }] })).toBe(62);
    expect(code({ nameMismatch: 'ip', chain: [{ ...valid, notAfter: NOW - DAY }] })).toBe(64);
  });

  it('then each certificate from the top of the chain down: its issuer\'s key usage, its signature, then its validity', () => {
    const expired = { ...valid, notAfter: NOW - DAY };
    const early = { ...valid, notBefore: NOW + DAY };
    const badSignature = { ...valid, signatureFails: true };
    const cannotSign = { ...valid, cannotSign: true };
    expect(code({ chain: [expired, early, valid] })).toBe(9);
    expect(code({ chain: [early, expired, valid] })).toBe(10);
    expect(code({ chain: [badSignature, valid, expired] })).toBe(10);
    expect(code({ chain: [expired, badSignature, valid] })).toBe(7);
    expect(code({ chain: [{ ...expired, signatureFails: true }] })).toBe(7);
    expect(code({ chain: [{ ...early, notAfter: NOW - DAY }] })).toBe(9);
    expect(code({ chain: [valid, valid, early] })).toBe(9);
    expect(code({ chain: [expired] })).toBe(10);
    // An issuer whose key usage forbids signing is reported before the signature it made.
    expect(code({ chain: [badSignature, cannotSign, valid] })).toBe(32);
    expect(code({ chain: [valid, { ...badSignature, cannotSign: true }, valid] })).toBe(7);
    expect(code({ chain: [expired, cannotSign, valid] })).toBe(32);
    // … after the issuer's own validity, which is checked first, higher up.
    expect(code({ chain: [valid, { ...expired, cannotSign: true }, valid] })).toBe(10);
    // The top of the chain (the anchor, self-signed) issued nothing above it: its own flag is for the one below.
    expect(code({ chain: [valid, valid, cannotSign] })).toBe(32);
    expect(code({ chain: [cannotSign] })).toBeNull();
  });

  it('last the name constraints, from the top of the chain down', () => {
    const nc = (nameConstraintError: Cert['nameConstraintError']): Cert => ({ ...valid, nameConstraintError });
    expect(code({ chain: [nc('PERMITTED_VIOLATION'), valid, valid] })).toBe(47);
    expect(code({ chain: [nc('PERMITTED_VIOLATION'), nc('EXCLUDED_VIOLATION'), valid] })).toBe(48);
    expect(code({ chain: [nc('EXCLUDED_VIOLATION'), valid, nc('SUBTREE_MINMAX')] })).toBe(49);
    expect(code({ chain: [{ ...valid, notAfter: NOW - DAY, nameConstraintError: 'PERMITTED_VIOLATION' }] })).toBe(10);
  });

  it('is valid from notBefore\'s second on, and expired from notAfter\'s second on (OpenSSL up to 3.5)', () => {
    const at = (now: number) => code({ now, chain: [{ ...valid, notBefore: NOW, notAfter: NOW + DAY }] });
    expect(at(NOW - 1)).toBe(9);
    expect(at(NOW)).toBeNull();
    expect(at(NOW + DAY - 1000)).toBeNull();
    expect(at(NOW + DAY - 1)).toBeNull();
    expect(at(NOW + DAY)).toBe(10);
  });
});
