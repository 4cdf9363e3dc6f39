// checks/dane after the review, edge by edge (what the confirmation mutation run left): signed
// answers without AD (dane.not-validated, with the lookup it names), the resolver's own failures on
// TLSA, TLS being mandatory on implicit-TLS hosts and after a failed main handshake, whole-anchor
// DANE-TA records the server leaves out (path validated, or a bare key taken by its signature), the
// usable records the findings name, and daneOutcome for an address without TLS.
import { beforeAll, describe, expect, it } from 'vitest';
import { applyDane, daneOutcome, judgeDaneRecords } from '../../../src/checks/dane/index.js';
import type { DaneHost, Finding, HostReport } from '../../../src/core/schema.js';
import { createRootCa, DAY_MS, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { tlsaData, type TlsaRecord } from '../../../src/pki/tlsa.js';
import { daneHandshake, daneHost, hostFacts, judged, lookup, NOTHING, RESOLVER, section, tlsa, tlsaFor } from '../../helpers/dane-facts.js';

const NOW = Date.UTC(2026, 10, 23);
const MX = 'mx.example.test';
const DOMAIN = 'example.test';
const NOTHING_311 = tlsa(3, 1, 1, NOTHING);

let root: TestCa;
let ca: TestCa;
let leaf: IssuedCert;
let expiredLeaf: IssuedCert;

beforeAll(async () => {
  root = await createRootCa('DANE-C Root', NOW);
  ca = await root.intermediate('DANE-C Issuing CA');
  leaf = await ca.issue({ commonName: MX });
  expiredLeaf = await ca.issue({ commonName: MX, notBefore: new Date(NOW - 400 * DAY_MS), notAfter: new Date(NOW - 10 * DAY_MS) });
});

const store = () => createTrustStore([root.cert.certPem], 'DANE-C root');
const address = (chain: IssuedCert[] | null, over: Parameters<typeof hostFacts>[3] = {}): HostReport => judged(hostFacts(MX, '192.0.2.1', chain, over), store(), NOW);
const apply = (records: ReturnType<typeof tlsa>[], hosts: HostReport[], over: Partial<DaneHost> = {}) => applyDane(section([daneHost(MX, records, over)]), hosts, { domain: DOMAIN, now: NOW });
const daneIds = (h: HostReport | undefined) => (h?.findings ?? []).map((f) => f.id).filter((id) => id.startsWith('dane.')).sort();
const one = (findings: readonly Finding[], id: string): Finding => {
  const hits = findings.filter((f) => f.id === id);
  expect(hits.map((f) => f.id)).toEqual([id]);
  return hits[0] as Finding;
};
const byMx = (hosts: DaneHost[], over: Parameters<typeof section>[1] = {}) => judgeDaneRecords(section(hosts, over), { domain: DOMAIN }).byMx;

describe('judgeDaneRecords: signed answers without AD, and the resolver’s own failures', () => {
  it('an address answer signed but without AD: dane.not-validated naming that lookup (not "not signed")', () => {
    const h = daneHost(MX, [], {
      addresses: [lookup(MX, 'A', { ad: false, signed: true, status: 'insecure' }), lookup(MX, 'AAAA')],
      skipped: 'address-insecure',
      tlsa: [],
      base: null,
    });
    const found = byMx([h]).get(MX) ?? [];
    expect(found.map((f) => [f.id, f.facts])).toEqual([['dane.not-validated', { name: MX, type: 'A', resolver: RESOLVER }]]);
  });

  it('an address answer neither signed nor validated: dane.insecure, even when another (secure) one was signed', () => {
    const h = daneHost(MX, [], { addresses: [lookup(MX, 'A', { ad: false, status: 'insecure' }), lookup(MX, 'AAAA', { signed: true })], skipped: 'address-insecure', tlsa: [], base: null });
    expect((byMx([h]).get(MX) ?? []).map((f) => f.id)).toEqual(['dane.insecure']);
  });

  it('the TLSA query answered REFUSED by our resolver: dane.lookup-failed naming the TLSA lookup', () => {
    const name = `_25._tcp.${MX}`;
    const h = daneHost(MX, [], { tlsa: [lookup(name, 'TLSA', { rcode: 'REFUSED', ad: false, status: 'error' })], base: null });
    expect((byMx([h]).get(MX) ?? []).map((f) => [f.id, f.facts])).toEqual([['dane.lookup-failed', { name, type: 'TLSA', error: 'REFUSED', resolver: RESOLVER }]]);
  });

  it('the MX answer signed but without AD: dane.not-validated naming the MX lookup', () => {
    const found = byMx([], { mx: lookup(DOMAIN, 'MX', { ad: false, signed: true, status: 'insecure' }) }).get('') ?? [];
    expect(found.map((f) => [f.id, f.facts])).toEqual([['dane.not-validated', { name: DOMAIN, type: 'MX', resolver: RESOLVER }]]);
  });
});

describe('applyDane: TLS mandatory, on every kind of host', () => {
  it('implicit TLS whose handshake fails: dane.no-tls "fails the TLS handshake"', () => {
    const failed = address(null, { implicitTls: true, tls: { ...(address([leaf, ca.cert]).tls as NonNullable<HostReport['tls']>), ok: false, peerChain: [], sentChain: [] } });
    const out = apply([tlsaFor(3, 1, 1, leaf), NOTHING_311], [failed]);
    expect(one(out.hosts[0]?.findings ?? [], 'dane.no-tls').facts.why).toBe('fails the TLS handshake');
  });

  it('implicit TLS that works: no dane.no-tls (no STARTTLS is asked of it)', () => {
    const ok = address([leaf, ca.cert], { implicitTls: true, starttls: { offered: false, masked: false, reply: null, negotiated: false } });
    expect(daneIds(apply([tlsaFor(3, 1, 1, leaf), NOTHING_311], [ok]).hosts[0])).toEqual(['dane.ok']);
  });

  it('STARTTLS offered but not answered (no reply recorded): not judged as refused', () => {
    const silent = address([leaf, ca.cert], { starttls: { offered: true, masked: false, reply: null, negotiated: true } });
    expect(daneIds(apply([tlsaFor(3, 1, 1, leaf), NOTHING_311], [silent]).hosts[0])).toEqual(['dane.ok']);
  });

  it('the main handshake failed but a DANE handshake worked: the records are matched, not "no TLS"', () => {
    const h = address(null, {
      tls: { ...(address([leaf, ca.cert]).tls as NonNullable<HostReport['tls']>), ok: false, peerChain: [], sentChain: [] },
      dane: [daneHandshake('ecdsa', [leaf, ca.cert], MX)],
    });
    expect(daneIds(apply([tlsaFor(3, 1, 1, leaf), NOTHING_311], [h]).hosts[0])).toEqual(['dane.ok']);
  });

  it('the main handshake failed and the DANE handshakes too: dane.no-tls', () => {
    const h = address(null, {
      tls: { ...(address([leaf, ca.cert]).tls as NonNullable<HostReport['tls']>), ok: false, peerChain: [], sentChain: [] },
      dane: [{ ...daneHandshake('rsa', [leaf], MX), status: 'tls-handshake-error', peerChain: [] }],
    });
    expect(daneIds(apply([tlsaFor(3, 1, 1, leaf), NOTHING_311], [h]).hosts[0])).toEqual(['dane.no-tls']);
  });
});

describe('applyDane: whole-anchor DANE-TA records the server leaves out', () => {
  it('2 0 0 of the issuing CA, not sent, and an expired leaf under it: no match (the path is validated at the judging time)', () => {
    const out = apply([tlsaFor(2, 0, 0, ca.cert)], [address([expiredLeaf])]);
    expect(out.section.hosts.map((h) => h.state)).toEqual(['no-match']);
    expect(one(out.hosts[0]?.findings ?? [], 'dane.no-match').facts.which).toMatch(/whose chain to the DANE-TA anchor does not validate/);
  });

  it('2 0 0 of the issuing CA, not sent, and a valid leaf under it: a match', () => {
    const out = apply([tlsaFor(2, 0, 0, ca.cert)], [address([leaf])]);
    expect(out.section.hosts.map((h) => h.state)).toEqual(['match']);
  });

  it('2 1 0 (the bare key) of the CA, not sent: a match by the leaf’s signature, even for an expired leaf (no certificate to build a path to)', () => {
    expect(apply([tlsaFor(2, 1, 0, ca.cert)], [address([leaf])]).section.hosts.map((h) => h.state)).toEqual(['match']);
    expect(apply([tlsaFor(2, 1, 0, ca.cert)], [address([expiredLeaf])]).section.hosts.map((h) => h.state)).toEqual(['match']);
  });
});

describe('applyDane: the records the findings name are the usable ones', () => {
  it('dane.ok lists the usable records, not a PKIX one beside them', () => {
    const pkix = tlsa(1, 1, 1, tlsaFor(3, 1, 1, leaf).data);
    const out = apply([tlsaFor(3, 1, 1, leaf), pkix], [address([leaf, ca.cert])]);
    const ok = one(out.hosts[0]?.findings ?? [], 'dane.ok');
    expect(ok.facts.records).not.toMatch(/^1 1 1|, 1 1 1/);
    expect(ok.facts.records).toMatch(/^3 1 1 /);
  });
});

describe('daneOutcome: an address DANE found without TLS still has its certificate judged when there is one', () => {
  it('state no-tls with a chain that matches: match (the row is about the certificate)', () => {
    const r: TlsaRecord = { usage: 3, selector: 1, matchingType: 1, data: tlsaData(leaf.der, 1, 1) as Buffer };
    expect(daneOutcome('no-tls', [r], [leaf.der, ca.cert.der], [MX], NOW).kind).toBe('match');
  });
});
