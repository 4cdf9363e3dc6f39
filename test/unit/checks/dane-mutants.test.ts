// checks/dane's edges: record texts at the 16-character cut, why a lookup is bogus or failed, the
// skipped states, a host with no TLSA lookup or no address lookup at all, no MX lookup, the
// greeting that makes STARTTLS required, the hosts findings name, the worst state of two addresses
// of equal weight, and the mail domain the checks pass on.
import { beforeAll, describe, expect, it } from 'vitest';
import { applyDane, daneMatchCheck, daneRecordsCheck, judgeDaneRecords } from '../../../src/checks/dane/index.js';
import type { DaneSection, Finding, HostReport, ReplyFacts } from '../../../src/core/schema.js';
import { createSelfSigned, type IssuedCert } from '../../../src/demo/test-pki.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { daneHandshake, daneHost, hostFacts, judged, lookup, NOTHING, section, tlsa } from '../../helpers/dane-facts.js';

const NOW = Date.UTC(2026, 10, 23);
const MX = 'mx.example.test';
const DOMAIN = 'example.test';
const KEY = `${MX}[192.0.2.1]:25`;
const KEY2 = `${MX}[192.0.2.2]:25`;
const CTX = { domain: DOMAIN };
const R311 = tlsa(3, 1, 1, NOTHING);

let ec: IssuedCert;
let rsa: IssuedCert;
beforeAll(async () => {
  ec = await createSelfSigned({ commonName: MX }, NOW);
  rsa = await createSelfSigned({ commonName: MX, key: 'rsa2048' }, NOW);
});

const reply = (code: number, ...lines: string[]): ReplyFacts => ({ code, enhanced: null, lines });
const address = (chain: IssuedCert[] | null, over: Parameters<typeof hostFacts>[3] = {}, ip = '192.0.2.1'): HostReport => judged(hostFacts(MX, ip, chain, over), createTrustStore([], 'none'), NOW);
const noStarttls = { starttls: { offered: false, masked: false, reply: null, negotiated: false } };
const findingsOf = (s: DaneSection, key = MX): Finding[] => judgeDaneRecords(s, CTX).byMx.get(key) ?? [];
const only = (findings: readonly Finding[], id: string): Finding => {
  const hits = findings.filter((f) => f.id === id);
  expect(hits.map((f) => f.id)).toEqual([id]);
  return hits[0] as Finding;
};
const stateOf = (s: DaneSection) => judgeDaneRecords(s, CTX).section.hosts.map((h) => h.state);

describe('judgeDaneRecords: texts and reasons', () => {
  it('record data of 16 characters is shown whole; of 17, cut in the middle', () => {
    const sixteen = tlsa(3, 1, 1, 'AB'.repeat(8));
    const seventeen = tlsa(3, 1, 1, `${'AB'.repeat(8)}C`);
    expect(only(findingsOf(section([daneHost(MX, [sixteen])])), 'dane.unusable-only').facts.records).toBe(`3 1 1 ${'AB'.repeat(8)}`);
    expect(only(findingsOf(section([daneHost(MX, [seventeen])])), 'dane.unusable-only').facts.records).toBe('3 1 1 ABABABAB…BABABABC');
  });

  it('bogus: every EDE joined by "; "; without EDE the CD=1 RCODE, else plain SERVFAIL', () => {
    const why = (over: Parameters<typeof lookup>[2]) =>
      only(findingsOf(section([daneHost(MX, [], { tlsa: [lookup(`_25._tcp.${MX}`, 'TLSA', { rcode: 'SERVFAIL', ad: false, status: 'bogus', ...over })] })])), 'dane.bogus').facts.why;
    const two = why({ ede: [{ code: 6, text: 'RRSIG expired' }, { code: 9, text: '' }] });
    expect(two).toMatch(/^.+: RRSIG expired; .+$/);
    expect(two).not.toContain('; ;');
    expect(why({ cdRcode: 'NOERROR' })).toBe('SERVFAIL, but NOERROR with checking disabled');
    expect(why({})).toBe('SERVFAIL');
  });

  it('an address lookup with no answer and no error: "no answer"', () => {
    const failed = lookup(MX, 'A', { rcode: null, ad: false, status: 'error', error: null });
    const f = only(findingsOf(section([daneHost(MX, [], { addresses: [failed], tlsa: [], skipped: 'address-failed' })])), 'dane.lookup-failed');
    expect(f.facts.error).toBe('no answer');
    expect(f.facts.type).toBe('A');
  });

  it('address-failed names the lookup that failed, not the first; with no address lookup at all, no finding', () => {
    const addresses = [lookup(MX, 'A', { ad: false, status: 'insecure' }), lookup(MX, 'AAAA', { rcode: 'REFUSED', ad: false, status: 'error' })];
    const s = section([daneHost(MX, [], { addresses, tlsa: [], skipped: 'address-failed' })]);
    expect(only(findingsOf(s), 'dane.lookup-failed').facts).toMatchObject({ type: 'AAAA', error: 'REFUSED' });
    const none = section([daneHost(MX, [], { addresses: [], tlsa: [], skipped: 'address-failed' })]);
    expect(findingsOf(none)).toEqual([]);
    expect(stateOf(none)).toEqual(['not-tested']);
  });

  it('every skipped reason but a failure is "insecure"', () => {
    for (const skipped of ['not-trusted', 'mx-insecure', 'address-insecure'] as const) {
      expect(stateOf(section([daneHost(MX, [], { tlsa: [], skipped })])), skipped).toEqual(['insecure']);
    }
  });

  it('no TLSA lookup recorded and no records: no-records at _25._tcp.<mx>, the domain passed on', () => {
    const s = section([daneHost(MX, [], { tlsa: [] })]);
    expect(only(findingsOf(s), 'dane.no-records').facts).toMatchObject({ name: `_25._tcp.${MX}`, domain: DOMAIN });
    expect(stateOf(s)).toEqual(['no-records']);
    expect(only(judgeDaneRecords(s, { domain: null }).byMx.get(MX) ?? [], 'dane.no-records').facts.domain).toBe(MX);
  });

  it('no MX lookup (a host given directly): no domain finding, the hosts judged', () => {
    const j = judgeDaneRecords(section([daneHost(MX, [R311])], { mx: null }), CTX);
    expect(j.byMx.get('')).toBeUndefined();
    expect(j.section.hosts.map((h) => h.state)).toEqual([null]);
  });
});

describe('daneRecordsCheck and daneMatchCheck pass the mail domain on', () => {
  it('daneRecordsCheck: the domain in dane.no-records', () => {
    const findings = daneRecordsCheck.assess({ section: section([daneHost(MX, [])]), domain: DOMAIN });
    expect(only(findings, 'dane.no-records').facts.domain).toBe(DOMAIN);
  });

  it('daneMatchCheck: the domain in dane.no-match', () => {
    const findings = daneMatchCheck.assess({ section: section([daneHost(MX, [R311])]), domain: DOMAIN, hosts: [address([ec])] });
    expect(only(findings, 'dane.no-match').facts.domain).toBe(DOMAIN);
  });
});

describe('applyDane: when STARTTLS is required, and which hosts findings name', () => {
  const applied = (host: HostReport) => applyDane(section([daneHost(MX, [R311])]), [host], CTX);

  it('a greeting of 200 to 299 without STARTTLS: dane.no-tls on that address', () => {
    for (const code of [200, 220, 299]) {
      const out = applied(address(null, { ...noStarttls, banner: reply(code, 'hi') }));
      const f = only(out.hosts[0]?.findings ?? [], 'dane.no-tls');
      expect(f.hosts, String(code)).toEqual([KEY]);
      expect(out.section.hosts[0]?.state).toBe('no-tls');
    }
  });

  it('no greeting, or one outside 2xx: not reached that far, not tested', () => {
    for (const banner of [null, reply(199, 'x'), reply(300, 'x'), reply(421, 'busy')]) {
      const out = applied(address(null, { ...noStarttls, banner }));
      const f = only(out.hosts[0]?.findings ?? [], 'dane.not-tested');
      expect(f.hosts).toEqual([KEY]);
      expect(out.section.hosts[0]?.state).toBe('not-tested');
    }
  });

  it('two addresses of equal weight (no TLS, no match): the first one seen decides the host', () => {
    const noTls = address(null, noStarttls, '192.0.2.2');
    const noMatch = address([ec]);
    expect(applyDane(section([daneHost(MX, [R311])]), [noTls, noMatch], CTX).section.hosts[0]?.state).toBe('no-tls');
    expect(applyDane(section([daneHost(MX, [R311])]), [noMatch, noTls], CTX).section.hosts[0]?.state).toBe('no-match');
    const out = applyDane(section([daneHost(MX, [R311])]), [noTls, noMatch], CTX);
    expect(only(out.hosts[0]?.findings ?? [], 'dane.no-tls').hosts).toEqual([KEY2]);
    expect(only(out.hosts[1]?.findings ?? [], 'dane.no-match').hosts).toEqual([KEY]);
  });

  it('two certificates that match nothing: both named, joined by " and "', () => {
    const host = address([ec], { dane: [daneHandshake('rsa', [rsa], MX)] });
    const f = only(applied(host).hosts[0]?.findings ?? [], 'dane.no-match');
    expect(f.facts.which).toMatch(/^the \S+ certificate and the RSA certificate/);
  });
});
