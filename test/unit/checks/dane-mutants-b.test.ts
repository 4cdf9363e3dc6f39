// checks/dane's matching, edge by edge: which chains an address presented count (failed or empty
// extra handshakes, the same leaf twice, the key-type labels), which DANE-TA records hold a whole
// anchor, the DANE-TA path and name checks, what a match lifts and how, the domain's inconclusive
// findings per lookup, and which record daneOutcome names.
import { X509Certificate, ECDH } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyDane, daneOutcome } from '../../../src/checks/dane/index.js';
import type { DaneHost, Finding, HostReport } from '../../../src/core/schema.js';
import { createRootCa, createSelfSigned, DAY_MS, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { tlsaData, tlsaText, type TlsaRecord } from '../../../src/pki/tlsa.js';
import { daneHandshake, daneHost, hostFacts, judged, lookup, NOTHING, section, tlsa, tlsaFor } from '../../helpers/dane-facts.js';

const NOW = Date.UTC(2026, 10, 23);
const MX = 'mx.example.test';
const MX2 = 'mx2.example.test';
const DOMAIN = 'example.test';
const KEY = `${MX}[192.0.2.1]:25`;
const KEY2 = `${MX2}[192.0.2.2]:25`;
const CTX = { domain: DOMAIN };
const NOTHING_311 = tlsa(3, 1, 1, NOTHING);
const RSA_LABEL = 'the RSA certificate (sent to senders that offer RSA signatures only)';
const ECDSA_LABEL = 'the ECDSA certificate (sent to senders that offer ECDSA signatures only)';

let privateRoot: TestCa;
let privateCa: TestCa;
let expiredCa: TestCa;
let ecLeaf: IssuedCert;
let rsaLeaf: IssuedCert;
let ecOther: IssuedCert;
let privateLeaf: IssuedCert;
let privateExpired: IssuedCert;
let underExpiredCa: IssuedCert;
let selfSigned: IssuedCert;
let cnOnly: IssuedCert;
let noName: IssuedCert;

beforeAll(async () => {
  privateRoot = await createRootCa('DANE-B Private Root', NOW);
  privateCa = await privateRoot.intermediate('DANE-B Private Issuing CA');
  expiredCa = await privateRoot.intermediate('DANE-B Expired CA', { notBefore: new Date(NOW - 400 * DAY_MS), notAfter: new Date(NOW - 10 * DAY_MS) });
  ecLeaf = await createSelfSigned({ commonName: MX }, NOW);
  ecOther = await createSelfSigned({ commonName: MX }, NOW);
  rsaLeaf = await createSelfSigned({ commonName: MX, key: 'rsa2048' }, NOW);
  privateLeaf = await privateCa.issue({ commonName: MX });
  privateExpired = await privateCa.issue({ commonName: MX, notBefore: new Date(NOW - 400 * DAY_MS), notAfter: new Date(NOW - 10 * DAY_MS) });
  underExpiredCa = await expiredCa.issue({ commonName: MX });
  selfSigned = await createSelfSigned({ commonName: MX }, NOW);
  cnOnly = await privateCa.issue({ commonName: 'cn-only.elsewhere.test', dnsNames: [] });
  noName = await privateCa.issue({ commonName: '', dnsNames: [] });
});

const address = (chain: IssuedCert[] | null, over: Parameters<typeof hostFacts>[3] = {}, mx = MX, ip = '192.0.2.1'): HostReport =>
  judged(hostFacts(mx, ip, chain, over), createTrustStore([], 'none'), NOW);
const apply = (records: ReturnType<typeof tlsa>[], hosts: HostReport[], over: Partial<DaneHost> = {}, ctx: Parameters<typeof applyDane>[2] = CTX) =>
  applyDane(section([daneHost(MX, records, over)]), hosts, ctx);
const one = (findings: readonly Finding[] | undefined, id: string): Finding => {
  const hits = (findings ?? []).filter((f) => f.id === id);
  expect(hits.map((f) => f.id)).toEqual([id]);
  return hits[0] as Finding;
};
const daneIds = (h: HostReport | undefined) => (h?.findings ?? []).map((f) => f.id).filter((id) => id.startsWith('dane.')).sort();
const states = (out: ReturnType<typeof applyDane>) => out.section.hosts.map((h) => h.state);
const rec = (usage: number, selector: number, matchingType: number, cert: IssuedCert): TlsaRecord => ({ usage, selector, matchingType, data: tlsaData(cert.der, selector, matchingType) as Buffer });

describe('chainsOf: which chains count', () => {
  it('an extra handshake that failed is no chain, even with certificates recorded', () => {
    const failed = { ...daneHandshake('rsa', [rsaLeaf], MX), status: 'tls-handshake-error' as const, error: 'alert' };
    const out = apply([tlsaFor(3, 1, 1, ecLeaf), NOTHING_311], [address([ecLeaf], { dane: [failed] })]);
    expect(one(out.hosts[0]?.findings, 'dane.ok').facts.how).toBe('the certificate matches its DANE-EE record');
  });

  it('an extra handshake that got no certificates does not push the main one out (CNAMEd base)', () => {
    const base = 'smtp.hoster.test';
    const empty = daneHandshake('ecdsa', [], base);
    const out = apply([tlsaFor(3, 1, 1, ecLeaf), NOTHING_311], [address([ecLeaf], { dane: [empty] })], { base });
    expect(daneIds(out.hosts[0])).toEqual(['dane.ok']);
    expect(states(out)).toEqual(['match']);
  });

  it('the same leaf in the main and the ECDSA handshakes counts once; the main one relabelled by its key type', () => {
    const host = address([ecLeaf], { dane: [daneHandshake('rsa', [rsaLeaf], MX), daneHandshake('ecdsa', [ecLeaf], MX)] });
    expect(one(apply([NOTHING_311], [host]).hosts[0]?.findings, 'dane.no-match').facts.which).toBe(`the ECDSA certificate and ${RSA_LABEL}`);
    const ok = apply([tlsaFor(3, 1, 1, ecLeaf), tlsaFor(3, 1, 1, rsaLeaf)], [host]);
    expect(one(ok.hosts[0]?.findings, 'dane.ok').facts.how).toBe('all 2 certificates (ECDSA, RSA) match');
  });

  it('an RSA main certificate beside a different ECDSA one: "the RSA certificate" and the ECDSA label', () => {
    const host = address([rsaLeaf], { dane: [daneHandshake('ecdsa', [ecOther], MX)] });
    expect(one(apply([NOTHING_311], [host]).hosts[0]?.findings, 'dane.no-match').facts.which).toBe(`the RSA certificate and ${ECDSA_LABEL}`);
    const ok = apply([tlsaFor(3, 1, 1, rsaLeaf), tlsaFor(3, 1, 1, ecOther)], [host]);
    expect(one(ok.hosts[0]?.findings, 'dane.ok').facts.how).toBe('all 2 certificates (RSA, ECDSA) match');
  });
});

describe('matchChainRecords: only a full DANE-TA record (2 x 0) that matched nothing is an anchor of its own', () => {
  it('a "2 0 0" of the CA that signed the leaf, not sent: a match through the record’s own anchor', () => {
    const out = apply([tlsaFor(2, 0, 0, privateCa.cert)], [address([privateLeaf])], {}, { domain: DOMAIN, now: NOW });
    expect(states(out)).toEqual(['match']);
  });

  it('a "2 1 0" of a CA sent in the chain is matched in the chain: its path is validated (an expired leaf fails)', () => {
    const out = apply([tlsaFor(2, 1, 0, privateCa.cert)], [address([privateExpired, privateCa.cert])], {}, { domain: DOMAIN, now: NOW });
    expect(states(out)).toEqual(['no-match']);
    expect(one(out.hosts[0]?.findings, 'dane.no-match').facts.which).toBe(
      'the certificate, whose chain to the DANE-TA anchor does not validate (the server certificate is out of its validity period),',
    );
  });

  it('a "2 1 2" whose 64 bytes parse as a public key that signed the leaf is a digest, not an anchor', () => {
    const spki = new X509Certificate(selfSigned.der).publicKey.export({ format: 'der', type: 'spki' });
    const point = ECDH.convertKey(spki.subarray(spki.length - 65), 'prime256v1', undefined, undefined, 'compressed') as Buffer;
    const algorithm = spki.subarray(2, 4 + (spki[3] as number));
    const body = Buffer.concat([algorithm, Buffer.from([0x03, point.length + 1, 0]), point]);
    const compressed = Buffer.concat([Buffer.from([0x30, body.length]), body]);
    const data = Buffer.concat([compressed, Buffer.alloc(64 - compressed.length)]).toString('hex').toUpperCase();
    const out = apply([tlsa(2, 1, 2, data)], [address([selfSigned])]);
    expect(states(out)).toEqual(['no-match']);
    expect(daneIds(out.hosts[0])).toEqual(['dane.no-match', 'dane.ta-not-in-chain']);
  });

  it('a "3 0 0" of the CA that signed the leaf, not sent: no match (DANE-EE looks at the leaf only)', () => {
    const out = apply([tlsaFor(3, 0, 0, privateCa.cert), NOTHING_311], [address([privateLeaf])]);
    expect(states(out)).toEqual(['no-match']);
  });

  it('a full anchor record holding garbage, or a chain certificate that is not DER: no match, no throw', () => {
    const garbage: TlsaRecord = { usage: 2, selector: 0, matchingType: 0, data: Buffer.from('DEADBEEF', 'hex') };
    const garbageKey: TlsaRecord = { ...garbage, selector: 1 };
    expect(daneOutcome(null, [garbage, garbageKey], [privateLeaf.der], [MX]).kind).toBe('no-match');
    const notDer = Buffer.from('not a certificate');
    expect(daneOutcome(null, [rec(2, 0, 0, selfSigned)], [privateLeaf.der, notDer], [MX]).kind).toBe('no-match');
    expect(daneOutcome(null, [rec(2, 1, 0, selfSigned)], [notDer, privateLeaf.der], [MX]).kind).toBe('no-match');
  });
});

describe('matchChain: the DANE-TA path and names', () => {
  const withNow = { domain: DOMAIN, now: NOW };

  it('an expired intermediate below the anchor: no match, the reason in which', () => {
    const out = apply([tlsaFor(2, 1, 1, privateRoot.cert)], [address([underExpiredCa, expiredCa.cert, privateRoot.cert])], {}, withNow);
    expect(states(out)).toEqual(['no-match']);
    expect(one(out.hosts[0]?.findings, 'dane.no-match').facts.which).toMatch(/^the certificate, whose chain to the DANE-TA anchor does not validate \(.*expired.*\),$/i);
  });

  it('a leaf the anchor did not sign: no match, the reason in which; without a judging time the match alone is taken', () => {
    const out = apply([tlsaFor(2, 1, 1, privateCa.cert)], [address([selfSigned, privateCa.cert])], {}, withNow);
    expect(one(out.hosts[0]?.findings, 'dane.no-match').facts.which).toMatch(/^the certificate, whose chain to the DANE-TA anchor does not validate \(.+self-signed.+\),$/);
    expect(daneIds(out.hosts[0])).toEqual(['dane.no-match']);
    const noNow = apply([tlsaFor(2, 1, 1, privateCa.cert)], [address([selfSigned, privateCa.cert])]);
    expect(states(noNow)).toEqual(['match']);
    expect(one(noNow.hosts[0]?.findings, 'dane.ok').facts.how).toBe('the certificate matches its DANE-TA record');
  });

  it('a leaf with a common name only: the name mismatch names that; with no name at all, says so', () => {
    const cn = apply([tlsaFor(2, 1, 1, privateCa.cert)], [address([cnOnly, privateCa.cert])]);
    expect(one(cn.hosts[0]?.findings, 'dane.ta-name-mismatch').facts.names).toBe('cn-only.elsewhere.test');
    const none = apply([tlsaFor(2, 1, 1, privateCa.cert)], [address([noName, privateCa.cert])]);
    expect(one(none.hosts[0]?.findings, 'dane.ta-name-mismatch').facts.names).toBe('no name at all');
  });
});

describe('applyDane: what a match lifts, and the domain’s findings per lookup', () => {
  it('a lifted finding of severity info stays info', () => {
    const plain = address([selfSigned]);
    const host = { ...plain, findings: plain.findings.map((f) => (f.id === 'cert.self-signed' ? { ...f, severity: 'info' as const } : f)) };
    const out = apply([tlsaFor(3, 1, 1, selfSigned), NOTHING_311], [host]);
    const ss = one(out.hosts[0]?.findings, 'cert.self-signed');
    expect([ss.severity, ss.facts.dane]).toEqual(['info', 'ee']);
  });

  it('one chain by DANE-TA, another by DANE-EE: the lift is DANE-TA’s', () => {
    const host = address([privateLeaf, privateCa.cert], { dane: [daneHandshake('rsa', [rsaLeaf], MX)] });
    const out = apply([tlsaFor(2, 1, 1, privateCa.cert), tlsaFor(3, 1, 1, rsaLeaf)], [host]);
    const h = out.hosts[0] as HostReport;
    expect(one(h.findings, 'dane.ok').facts.how).toBe('all 2 certificates (ECDSA, RSA) match');
    const lifted = one(h.findings, 'cert.untrusted-root');
    expect(lifted.facts.dane).toBe('ta');
    expect(lifted.detail).toContain('the certificate matches the TLSA record (DANE-TA)');
    expect(lifted.detail).not.toContain('DANE-EE');
  });

  const failedA = (name: string, over: Parameters<typeof lookup>[2]) => lookup(name, 'A', { rcode: null, ad: false, status: 'error', ...over });
  const twoHosts = (a: Parameters<typeof lookup>[2], b: Parameters<typeof lookup>[2]) =>
    applyDane(
      section([
        daneHost(MX, [], { addresses: [failedA(MX, a)], skipped: 'address-failed', tlsa: [], base: null }),
        daneHost(MX2, [], { addresses: [failedA(MX2, b)], skipped: 'address-failed', tlsa: [], base: null }),
      ]),
      [address([ecLeaf]), address([ecLeaf], {}, MX2, '192.0.2.2')],
      CTX,
    );

  it('two different failed lookups (different errors) stay two findings, each naming its own address', () => {
    const out = twoHosts({ error: 'TIMEOUT' }, { rcode: 'REFUSED' });
    expect(out.findings.map((f) => [f.id, f.facts.name, f.facts.error, f.hosts])).toEqual([
      ['dane.lookup-failed', MX, 'TIMEOUT', [KEY]],
      ['dane.lookup-failed', MX2, 'REFUSED', [KEY2]],
    ]);
  });

  // The domain's inconclusive findings are merged by id, title and detail: dane.lookup-failed's detail
  // names the resolver and the error only, its title the lookup — two MX hosts whose A lookups fail
  // alike (both TIMEOUT) stay two findings, each naming its own lookup and address.
  it('two different failed lookups with the same error stay two findings', () => {
    const out = twoHosts({ error: 'TIMEOUT' }, { error: 'TIMEOUT' });
    expect(out.findings.map((f) => [f.id, f.facts.name, f.hosts])).toEqual([
      ['dane.lookup-failed', MX, [KEY]],
      ['dane.lookup-failed', MX2, [KEY2]],
    ]);
  });
});

describe('daneOutcome: the record that made the match', () => {
  it('matched by both a "3 1 1" and a "2 1 1": DANE-EE, naming the 3 1 1', () => {
    const ta = rec(2, 1, 1, privateCa.cert);
    const ee = rec(3, 1, 1, privateLeaf);
    expect(daneOutcome(null, [ta, ee], [privateLeaf.der, privateCa.cert.der], [MX])).toEqual({ kind: 'match', record: tlsaText(ee), usage: 'DANE-EE' });
  });

  it('by DANE-TA only: naming the DANE-TA record that matched, not an unmatched one or a DANE-EE record on the CA', () => {
    const ta = rec(2, 1, 1, privateCa.cert);
    const staleTa: TlsaRecord = { usage: 2, selector: 1, matchingType: 1, data: Buffer.from(NOTHING, 'hex') };
    const chain = [privateLeaf.der, privateCa.cert.der];
    expect(daneOutcome(null, [staleTa, ta], chain, [MX])).toEqual({ kind: 'match', record: tlsaText(ta), usage: 'DANE-TA' });
    expect(daneOutcome(null, [rec(3, 1, 1, privateCa.cert), ta], chain, [MX])).toEqual({ kind: 'match', record: tlsaText(ta), usage: 'DANE-TA' });
  });

  it('DANE-TA matched, the names failing, DANE-EE matching: match by DANE-EE', () => {
    const elsewhere = cnOnly;
    const ta = rec(2, 1, 1, privateCa.cert);
    const ee = rec(3, 1, 1, elsewhere);
    expect(daneOutcome(null, [ta, ee], [elsewhere.der, privateCa.cert.der], [MX, DOMAIN])).toEqual({ kind: 'match', record: tlsaText(ee), usage: 'DANE-EE' });
  });

  it('DANE-TA matched but its path fails at the judging time: no-match, not ta-name', () => {
    const ta = rec(2, 1, 1, privateCa.cert);
    expect(daneOutcome(null, [ta], [privateExpired.der, privateCa.cert.der], [MX], NOW).kind).toBe('no-match');
    expect(daneOutcome(null, [ta], [selfSigned.der, privateCa.cert.der], [MX], NOW).kind).toBe('no-match');
  });
});
