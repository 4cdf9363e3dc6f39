import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrustStore } from '../../../src/core/context.js';
import { createRootCa, createSelfSigned, DAY_MS, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { MAX_PATH_LENGTH, verifyChain, type VerifyInput } from '../../../src/pki/verify.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

let root: TestCa;
let inter: TestCa;
let otherRoot: TestCa;
let leaf: IssuedCert;
let unrelated: IssuedCert;
let store: TrustStore;

beforeAll(async () => {
  root = await createRootCa('Verify Test Root', NOW);
  inter = await root.intermediate('Verify Test Intermediate');
  otherRoot = await createRootCa('Some Other Root', NOW);
  leaf = await inter.issue({ commonName: 'mx1.example.test', dnsNames: ['mx1.example.test'] });
  unrelated = await otherRoot.issue({ commonName: 'elsewhere.example.net' });
  store = createTrustStore([root.cert.certPem], 'test roots');
});

function verify(chain: Buffer[], overrides: Partial<VerifyInput> = {}) {
  return verifyChain({ chain, trustStore: store, now: NOW, name: 'mx1.example.test', domain: null, ...overrides });
}

/** Flips a bit in the last byte of the signature: still parses, no longer verifies. */
function tamper(der: Buffer): Buffer {
  const copy = Buffer.from(der);
  copy[copy.length - 1] = (copy[copy.length - 1] as number) ^ 0x01;
  return copy;
}

describe('verifyChain: trust', () => {
  it('trusts a good chain', () => {
    const v = verify([leaf.der, inter.cert.der]);
    expect(v).toMatchObject({
      trusted: true,
      trustFailure: 'none',
      trustReason: null,
      checkedName: 'mx1.example.test',
      nameMatches: true,
      domainMatches: null,
      timeValid: true,
      daysLeft: 365,
    });
    expect(v.sent.map((c) => c.commonName)).toEqual(['mx1.example.test', 'Verify Test Intermediate']);
    expect(v.path.map((c) => [c.commonName, c.source])).toEqual([
      ['mx1.example.test', 'sent'],
      ['Verify Test Intermediate', 'sent'],
      ['Verify Test Root', 'trust-store'],
    ]);
  });

  it('builds the path from a chain sent out of order, with the root and an unrelated certificate', () => {
    const v = verify([leaf.der, unrelated.der, root.cert.der, inter.cert.der]);
    expect(v.trusted).toBe(true);
    expect(v.trustFailure).toBe('none');
    expect(v.sent).toHaveLength(4);
    expect(v.path.map((c) => [c.commonName, c.source])).toEqual([
      ['mx1.example.test', 'sent'],
      ['Verify Test Intermediate', 'sent'],
      ['Verify Test Root', 'trust-store'],
    ]);
  });

  it('ignores duplicates and unreadable extras', () => {
    const v = verify([leaf.der, leaf.der, Buffer.from('junk'), inter.cert.der, inter.cert.der]);
    expect(v.trusted).toBe(true);
    expect(v.path).toHaveLength(3);
    expect(v.sent).toHaveLength(4);
  });

  it('reports a missing intermediate as chain-incomplete', () => {
    const v = verify([leaf.der]);
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('chain-incomplete');
    expect(v.trustReason).toContain('"mx1.example.test"');
    expect(v.trustReason).toContain('"Verify Test Intermediate"');
    expect(v.path.map((c) => c.commonName)).toEqual(['mx1.example.test']);
    // The other facts are still measured.
    expect(v.nameMatches).toBe(true);
    expect(v.timeValid).toBe(true);
  });

  it('reports a chain ending at a root we do not trust as untrusted-root', () => {
    const v = verify([leaf.der, inter.cert.der, root.cert.der], { trustStore: createTrustStore([otherRoot.cert.certPem], 'other') });
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('untrusted-root');
    expect(v.trustReason).toContain('"Verify Test Root"');
    expect(v.path.map((c) => [c.commonName, c.source])).toEqual([
      ['mx1.example.test', 'sent'],
      ['Verify Test Intermediate', 'sent'],
      ['Verify Test Root', 'sent'],
    ]);
  });

  it('reports a chain whose root was not sent and is not trusted as an untrusted root, naming the root', () => {
    const v = verify([leaf.der, inter.cert.der], { trustStore: createTrustStore([otherRoot.cert.certPem], 'other') });
    expect(v.trustFailure).toBe('untrusted-root');
    expect(v.trustReason).toContain('"Verify Test Root"');
    expect(v.path).toHaveLength(2);
  });

  it('reports a self-signed certificate', async () => {
    const self = await createSelfSigned({ commonName: 'mx1.example.test' }, NOW);
    const v = verify([self.der]);
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('self-signed');
    expect(v.trustReason).toContain('"mx1.example.test"');
    expect(v.path).toHaveLength(1);
    expect(v.nameMatches).toBe(true);
  });

  it('trusts a self-signed certificate the user put in the trust store (--ca-file)', async () => {
    const self = await createSelfSigned({ commonName: 'mx1.example.test' }, NOW);
    const v = verify([self.der], { trustStore: createTrustStore([root.cert.certPem, self.certPem], 'pinned') });
    expect(v.trusted).toBe(true);
    expect(v.trustFailure).toBe('none');
    expect(v.path.map((c) => c.source)).toEqual(['trust-store']);
    expect(v.sent.map((c) => c.source)).toEqual(['sent']);
  });

  it('reports a signature that does not verify', () => {
    const v = verify([tamper(leaf.der), inter.cert.der]);
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('bad-signature');
    expect(v.trustReason).toContain('"mx1.example.test"');
    expect(v.trustReason).toContain('"Verify Test Intermediate"');
  });

  it('reports a self-issued certificate whose signature does not verify', async () => {
    const self = await createSelfSigned({ commonName: 'mx1.example.test' }, NOW);
    const v = verify([tamper(self.der)]);
    expect(v.trustFailure).toBe('bad-signature');
  });

  it('reports an empty chain', () => {
    const v = verify([]);
    expect(v).toEqual({
      sent: [],
      path: [],
      trusted: false,
      trustFailure: 'no-certificate',
      trustReason: 'The server sent no certificate.',
      checkedName: 'mx1.example.test',
      nameMatches: null,
      domainMatches: null,
      timeValid: false,
      daysLeft: 0,
    });
  });

  it('reports an unreadable leaf as no certificate', () => {
    const v = verify([Buffer.from('junk'), inter.cert.der]);
    expect(v.trustFailure).toBe('no-certificate');
    expect(v.trusted).toBe(false);
    expect(v.sent).toHaveLength(1);
  });

  it('stops building after the maximum path length', async () => {
    let ca = root;
    const chain: Buffer[] = [];
    for (let i = 0; i < MAX_PATH_LENGTH + 1; i++) {
      ca = await ca.intermediate(`Deep ${i}`);
      chain.unshift(ca.cert.der);
    }
    const deepLeaf = await ca.issue({ commonName: 'deep.example.test' });
    const v = verify([deepLeaf.der, ...chain]);
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('chain-incomplete');
    expect(v.path).toHaveLength(MAX_PATH_LENGTH);
    expect(v.trustReason).toContain(`longer than ${MAX_PATH_LENGTH}`);
  });

  it('works with a plain TrustStore that only lists roots', () => {
    const plain: TrustStore = { description: 'plain', roots: () => [new X509Certificate(root.cert.der)] };
    expect(verify([leaf.der, inter.cert.der], { trustStore: plain }).trusted).toBe(true);
    expect(verify([leaf.der], { trustStore: plain }).trustFailure).toBe('chain-incomplete');
  });
});

describe('verifyChain: time', () => {
  it('flags an expired certificate with negative days left', async () => {
    const expired = await inter.issue({
      commonName: 'mx1.example.test',
      notBefore: new Date(NOW - 400 * DAY_MS),
      notAfter: new Date(NOW - 10 * DAY_MS),
    });
    const v = verify([expired.der, inter.cert.der]);
    expect(v.timeValid).toBe(false);
    expect(v.daysLeft).toBe(-10);
    // Trust is judged separately from time.
    expect(v.trusted).toBe(true);
  });

  it('flags a certificate that is not yet valid', async () => {
    const future = await inter.issue({
      commonName: 'mx1.example.test',
      notBefore: new Date(NOW + 5 * DAY_MS),
      notAfter: new Date(NOW + 100 * DAY_MS),
    });
    const v = verify([future.der, inter.cert.der]);
    expect(v.timeValid).toBe(false);
    expect(v.daysLeft).toBe(100);
  });

  it('uses only the injected time', () => {
    const later = verify([leaf.der, inter.cert.der], { now: NOW + 400 * DAY_MS });
    expect(later.timeValid).toBe(false);
    expect(later.daysLeft).toBe(-35);
    const edge = verify([leaf.der, inter.cert.der], { now: NOW + 365 * DAY_MS });
    expect(edge.timeValid).toBe(true);
    expect(edge.daysLeft).toBe(0);
  });
});

describe('verifyChain: names (RFC 6125)', () => {
  let wildcard: IssuedCert;
  let partial: IssuedCert;
  let cnOnly: IssuedCert;
  let ipCert: IssuedCert;

  beforeAll(async () => {
    wildcard = await inter.issue({ commonName: '*.example.test', dnsNames: ['*.example.test'] });
    partial = await inter.issue({ commonName: 'm*.example.test', dnsNames: ['m*.example.test'] });
    cnOnly = await inter.issue({ commonName: 'legacy.example.test', dnsNames: [], ipAddresses: ['192.0.2.99'] });
    ipCert = await inter.issue({ commonName: 'ip.example.test', dnsNames: ['ip.example.test'], ipAddresses: ['192.0.2.10', '2001:db8::10'] });
  });

  const nameCheck = (cert: IssuedCert, name: string | null, extra: Partial<VerifyInput> = {}) =>
    verify([cert.der, inter.cert.der], { name, ...extra }).nameMatches;

  it('matches a wildcard on exactly one left-most label', () => {
    expect(nameCheck(wildcard, 'mx1.example.test')).toBe(true);
    expect(nameCheck(wildcard, 'MX1.Example.Test')).toBe(true);
    expect(nameCheck(wildcard, 'a.b.example.test')).toBe(false);
    expect(nameCheck(wildcard, 'example.test')).toBe(false);
    expect(nameCheck(wildcard, 'mx1.example.net')).toBe(false);
  });

  it('never matches partial wildcards', () => {
    expect(nameCheck(partial, 'mx.example.test')).toBe(false);
    expect(nameCheck(partial, 'm.example.test')).toBe(false);
    expect(nameCheck(partial, 'm*.example.test')).toBe(false);
  });

  it('accepts a trailing dot in the checked name', () => {
    expect(nameCheck(leaf, 'mx1.example.test.')).toBe(true);
  });

  it('uses the CN only when there is no DNS name in the SAN', () => {
    expect(nameCheck(cnOnly, 'legacy.example.test')).toBe(true);
    expect(nameCheck(ipCert, 'ip.example.test')).toBe(true);
    expect(nameCheck(leaf, 'mx2.example.test')).toBe(false);
  });

  it('is null when there is no name to check', () => {
    const v = verify([leaf.der, inter.cert.der], { name: null });
    expect(v.nameMatches).toBeNull();
    expect(v.checkedName).toBeNull();
  });

  it('checks an IP target against the IP addresses in the SAN', () => {
    expect(nameCheck(ipCert, null, { ipTarget: '192.0.2.10' })).toBe(true);
    expect(nameCheck(ipCert, null, { ipTarget: '2001:db8::10' })).toBe(true);
    expect(nameCheck(ipCert, null, { ipTarget: '[2001:db8::10]' })).toBe(true);
    expect(nameCheck(ipCert, null, { ipTarget: '192.0.2.11' })).toBe(false);
    expect(nameCheck(leaf, null, { ipTarget: '192.0.2.10' })).toBe(false);
    expect(nameCheck(ipCert, null, { ipTarget: 'not-an-ip' })).toBe(false);
    expect(verify([ipCert.der], { name: null, ipTarget: '192.0.2.10' }).checkedName).toBeNull();
  });

  it('checks the mail domain too, as Postfix "secure" does (nexthop, dot-nexthop)', () => {
    // mx1.example.test is under example.test: dot-nexthop matches it.
    expect(verify([leaf.der, inter.cert.der], { domain: 'example.test' }).domainMatches).toBe(true);
    expect(verify([leaf.der, inter.cert.der], { domain: 'mx1.example.test' }).domainMatches).toBe(true);
    expect(verify([leaf.der, inter.cert.der], { domain: 'other.test' }).domainMatches).toBe(false);
    // A name that merely ends in the same letters is not under the domain.
    expect(verify([leaf.der, inter.cert.der], { domain: 'ample.test' }).domainMatches).toBe(false);
    expect(verify([wildcard.der, inter.cert.der], { name: 'mx.example.test', domain: 'example.test' })).toMatchObject({
      nameMatches: true,
      domainMatches: true,
    });
  });
});

describe('verifyChain: weak cryptography is reported, not judged', () => {
  it('describes a SHA-1 signature', async () => {
    const sha1 = await inter.issue({ commonName: 'mx1.example.test', signatureHash: 'SHA-1' });
    const v = verify([sha1.der, inter.cert.der]);
    expect(v.path[0]?.signatureAlgorithm).toBe('ecdsa-with-SHA1');
    expect(v.path[0]?.signatureOid).toBe('1.2.840.10045.4.1');
    expect(v.path[1]?.signatureAlgorithm).toBe('ecdsa-with-SHA256');
    expect(v.trustFailure).not.toBe('bad-signature');
  });

  it('describes an RSA-1024 key', async () => {
    const small = await inter.issue({ commonName: 'mx1.example.test', key: 'rsa1024' });
    const v = verify([small.der, inter.cert.der]);
    expect(v.trusted).toBe(true);
    expect(v.path[0]).toMatchObject({ keyType: 'rsa', keyBits: 1024 });
  });
});

describe('verifyChain: a sent intermediate under a root we do not trust', () => {
  it('is an untrusted root (the intermediate was sent), not an incomplete chain', async () => {
    const { createRootCa } = await import('../../../src/demo/test-pki.js');
    const { createTrustStore } = await import('../../../src/pki/trust-store.js');
    const { verifyChain } = await import('../../../src/pki/verify.js');
    const now = Date.UTC(2026, 10, 23);
    const other = await createRootCa('Other Root', now);
    const mid = await other.intermediate('Other Intermediate');
    const leafCert = await mid.issue({ commonName: 'mx.example.test' });
    const unrelated = await createRootCa('Unrelated Root', now);
    const store = createTrustStore([unrelated.cert.certPem], 'test');
    const withMid = verifyChain({ chain: [leafCert.der, mid.cert.der], trustStore: store, now, name: 'mx.example.test', domain: null });
    expect(withMid).toMatchObject({ trusted: false, trustFailure: 'untrusted-root' });
    expect(withMid.trustReason).toContain('Other Root');
    const leafOnly = verifyChain({ chain: [leafCert.der], trustStore: store, now, name: 'mx.example.test', domain: null });
    expect(leafOnly.trustFailure).toBe('chain-incomplete');
  });
});
