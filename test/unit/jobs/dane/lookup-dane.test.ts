// What a DANE sender looks up (RFC 7672 §2.2), through a fake validating resolver: a table of
// answers keyed by query (type, name, and whether CD=1 was set) that records every query it gets.
// Each test asserts the facts recorded and exactly which queries were (and were not) made.
import { describe, expect, it } from 'vitest';
import type { DnssecResolver } from '../../../../src/core/context.js';
import { fixedClock } from '../../../../src/core/clock.js';
import { DnsError } from '../../../../src/core/errors.js';
import { Transcript } from '../../../../src/core/transcript.js';
import { daneResolverOf, lookupDane, lookupDaneHost, secureLookup, tlsaFacts } from '../../../../src/jobs/dane/lookup-dane.js';
import { lookup } from '../../../helpers/dane-facts.js';
import { fakeDnssec, answer, secure, unsigned, servfail, mxRec, aRec, aaaaRec, cnameRec, tlsaRec, type Outcome } from '../../../helpers/fake-dnssec.js';


const DIGEST = 'ab'.repeat(32);
const DIGEST_SHOWN = `3 1 1 ${'AB'.repeat(32)}`;
const OTHER = 'cd'.repeat(32);

const MX = 'mx.example.test';
const TLSA_MX = `_25._tcp.${MX}`;
const V4V6 = { v4: true, v6: true };

/** A host whose A and AAAA records are secure (no TLSA entry: the test adds it). */
const secureAddresses = (mx = MX): Record<string, Outcome> => ({
  [`A ${mx}`]: secure(aRec(mx, '192.0.2.1')),
  [`AAAA ${mx}`]: secure(aaaaRec(mx, '2001:db8::1')),
});

describe('secureLookup: one query with the DO bit, as a fact', () => {
  it('a validated answer from a trusted resolver is secure: its records in presentation form, no CD query', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: secure(tlsaRec(TLSA_MX, 3, 1, 1, DIGEST), tlsaRec(TLSA_MX, 2, 0, 2, OTHER)) });
    expect(await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns })).toEqual(
      lookup(TLSA_MX, 'TLSA', { records: [DIGEST_SHOWN, `2 0 2 ${'CD'.repeat(32)}`] }),
    );
    expect(dns.asked).toEqual([`TLSA ${TLSA_MX}`]);
  });

  it('MX records as "preference exchange", a null MX as "0 ."', async () => {
    const dns = fakeDnssec({ 'MX example.test': secure(mxRec('example.test', 10, MX), mxRec('example.test', 0, '')) });
    expect((await secureLookup('example.test', 'MX', { dnssec: dns })).records).toEqual([`10 ${MX}`, '0 .']);
  });

  it('an answer without AD is insecure', async () => {
    const dns = fakeDnssec({ [`A ${MX}`]: unsigned(aRec(MX, '192.0.2.1')) });
    expect(await secureLookup(MX, 'A', { dnssec: dns })).toEqual(lookup(MX, 'A', { ad: false, status: 'insecure', records: ['192.0.2.1'] }));
  });

  it('AD from a resolver that is not trusted is recorded, but the answer is insecure', async () => {
    const dns = fakeDnssec({ [`A ${MX}`]: secure(aRec(MX, '192.0.2.1')) }, null);
    expect(await secureLookup(MX, 'A', { dnssec: dns })).toEqual(lookup(MX, 'A', { ad: true, status: 'insecure', records: ['192.0.2.1'] }));
  });

  it('a validated NXDOMAIN is a secure answer (a denial), not an error', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: answer('NXDOMAIN', true) });
    expect(await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns })).toEqual(lookup(TLSA_MX, 'TLSA', { rcode: 'NXDOMAIN' }));
  });

  it('a SERVFAIL is asked again with CD=1: data there (NOERROR) makes it bogus', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: servfail(), [`TLSA ${TLSA_MX} +cd`]: unsigned(tlsaRec(TLSA_MX, 3, 1, 1, DIGEST)) });
    expect(await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns })).toEqual(lookup(TLSA_MX, 'TLSA', { rcode: 'SERVFAIL', ad: false, status: 'bogus', cdRcode: 'NOERROR' }));
    expect(dns.asked).toEqual([`TLSA ${TLSA_MX}`, `TLSA ${TLSA_MX} +cd`]);
  });

  it('a SERVFAIL whose CD=1 query says NXDOMAIN is bogus too (the denial exists but does not validate)', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: servfail(), [`TLSA ${TLSA_MX} +cd`]: answer('NXDOMAIN', false) });
    expect(await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns })).toMatchObject({ status: 'bogus', cdRcode: 'NXDOMAIN' });
  });

  it('a SERVFAIL that CD=1 cannot answer either is an error, not bogus', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: servfail(), [`TLSA ${TLSA_MX} +cd`]: servfail() });
    expect(await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns })).toEqual(lookup(TLSA_MX, 'TLSA', { rcode: 'SERVFAIL', ad: false, status: 'error', cdRcode: 'SERVFAIL' }));
  });

  it('a SERVFAIL whose CD=1 query gets no answer at all is an error, cdRcode null', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: servfail(), [`TLSA ${TLSA_MX} +cd`]: new DnsError('TIMEOUT', TLSA_MX, 'TLSA') });
    expect(await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns })).toEqual(lookup(TLSA_MX, 'TLSA', { rcode: 'SERVFAIL', ad: false, status: 'error', cdRcode: null }));
    expect(dns.asked).toEqual([`TLSA ${TLSA_MX}`, `TLSA ${TLSA_MX} +cd`]);
  });

  it('a SERVFAIL with EDE 6 (DNSSEC Bogus) is bogus even when the CD=1 query fails; the EDE is kept', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: servfail([{ code: 6, text: 'signature expired' }]), [`TLSA ${TLSA_MX} +cd`]: new DnsError('TIMEOUT', TLSA_MX, 'TLSA') });
    expect(await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns })).toEqual(
      lookup(TLSA_MX, 'TLSA', { rcode: 'SERVFAIL', ad: false, status: 'bogus', ede: [{ code: 6, text: 'signature expired' }], cdRcode: null }),
    );
  });

  it('an EDE that is not about DNSSEC (3, stale answer) does not make a SERVFAIL bogus', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: servfail([{ code: 3, text: '' }]), [`TLSA ${TLSA_MX} +cd`]: servfail() });
    expect(await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns })).toMatchObject({ status: 'error', ede: [{ code: 3, text: '' }] });
  });

  it('another RCODE (REFUSED) is an error and is not asked again with CD=1', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: answer('REFUSED', false) });
    expect(await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns })).toEqual(lookup(TLSA_MX, 'TLSA', { rcode: 'REFUSED', ad: false, status: 'error' }));
    expect(dns.asked).toEqual([`TLSA ${TLSA_MX}`]);
  });

  it('no answer at all (DnsError TIMEOUT): status error, rcode null, the code as the error', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: new DnsError('TIMEOUT', TLSA_MX, 'TLSA') });
    expect(await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns })).toEqual(lookup(TLSA_MX, 'TLSA', { rcode: null, ad: false, status: 'error', error: 'TIMEOUT' }));
  });

  it('a DnsError OTHER keeps its message (cut at 300 characters)', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: new DnsError('OTHER', TLSA_MX, 'TLSA', `malformed answer ${'x'.repeat(400)}`) });
    const fact = await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns });
    expect(fact.error).toBe(`malformed answer ${'x'.repeat(283)}`);
    expect(fact.status).toBe('error');
  });

  it('an exception that is not a DnsError is our bug: it is thrown, not recorded as a DNS failure', async () => {
    const dns = fakeDnssec({});
    await expect(secureLookup(TLSA_MX, 'TLSA', { dnssec: dns })).rejects.toThrow(`unexpected query TLSA ${TLSA_MX}`);
  });

  it('keeps the records of the type asked only; the CNAMEs followed are the chain, in order', async () => {
    const dns = fakeDnssec({
      [`A ${MX}`]: secure(cnameRec(MX, 'mail.hoster.test'), cnameRec('mail.hoster.test', 'smtp.hoster.test'), aRec('smtp.hoster.test', '192.0.2.7'), aaaaRec('smtp.hoster.test', '2001:db8::7')),
    });
    expect(await secureLookup(MX, 'A', { dnssec: dns })).toEqual(lookup(MX, 'A', { records: ['192.0.2.7'], cnames: ['mail.hoster.test', 'smtp.hoster.test'] }));
  });

  it('passes the caller’s signal on, to the CD=1 query too', async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const inner = fakeDnssec({ [`TLSA ${TLSA_MX}`]: servfail(), [`TLSA ${TLSA_MX} +cd`]: servfail() });
    const dns: DnssecResolver = { ...inner, query: (name, type, options) => (signals.push(options?.signal), inner.query(name, type, options)) };
    const signal = new AbortController().signal;
    await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns, signal });
    expect(signals).toEqual([signal, signal]);
  });

  it('records one transcript line per lookup: the answer, its EDE, the CD=1 RCODE and the status', async () => {
    const transcript = new Transcript(fixedClock(0));
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: servfail([{ code: 6, text: 'RRSIG expired' }]), [`TLSA ${TLSA_MX} +cd`]: unsigned(tlsaRec(TLSA_MX, 3, 1, 1, DIGEST)) });
    await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns, transcript });
    expect(transcript.events.map((e) => [e.conn, e.kind, e.text])).toEqual([['dns', 'dns', `TLSA ${TLSA_MX} (DNSSEC) → SERVFAIL [EDE 6 RRSIG expired] (with CD: NOERROR): bogus`]]);
  });
});

describe('secureLookup: a TLSA record longer than any certificate', () => {
  it('is kept with empty data (unusable), never cut into hex that could look like a digest', async () => {
    const big = 'AB'.repeat(20_000);
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: secure(tlsaRec(TLSA_MX, 3, 0, 0, big), tlsaRec(TLSA_MX, 3, 1, 1, 'CD'.repeat(32))) });
    const fact = await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns });
    expect(fact.records).toEqual(['3 0 0 ', `3 1 1 ${'CD'.repeat(32)}`]);
    expect(tlsaFacts(fact)).toEqual([
      { usage: 3, selector: 0, matchingType: 0, data: '' },
      { usage: 3, selector: 1, matchingType: 1, data: 'CD'.repeat(32) },
    ]);
  });
});

describe('tlsaFacts', () => {
  it('reads the presentation form back into records; anything else is left out', () => {
    expect(tlsaFacts(lookup(TLSA_MX, 'TLSA', { records: [DIGEST_SHOWN, '2 0 0 0A0B', 'not a record', '3 1 1 abcd'] }))).toEqual([
      { usage: 3, selector: 1, matchingType: 1, data: 'AB'.repeat(32) },
      { usage: 2, selector: 0, matchingType: 0, data: '0A0B' },
    ]);
  });
});

describe('lookupDaneHost: an MX host’s addresses, then its TLSA records', () => {
  it('MX records not secure: skipped as mx-insecure, no address or TLSA query', async () => {
    const dns = fakeDnssec({});
    expect(await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, false)).toEqual({ mx: MX, addresses: [], skipped: 'mx-insecure', tlsa: [], base: null, records: [], state: null });
    expect(dns.asked).toEqual([]);
  });

  it('a resolver that is not trusted: skipped as not-trusted', async () => {
    const dns = fakeDnssec({}, null);
    expect((await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, false)).skipped).toBe('not-trusted');
    expect(dns.asked).toEqual([]);
  });

  it('secure addresses, secure TLSA records: base is the MX name, records read back', async () => {
    const dns = fakeDnssec({ ...secureAddresses(), [`TLSA ${TLSA_MX}`]: secure(tlsaRec(TLSA_MX, 3, 1, 1, DIGEST)) });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true);
    expect(host).toEqual({
      mx: MX,
      addresses: [lookup(MX, 'A', { records: ['192.0.2.1'] }), lookup(MX, 'AAAA', { records: ['2001:db8::1'] })],
      skipped: null,
      tlsa: [lookup(TLSA_MX, 'TLSA', { records: [DIGEST_SHOWN] })],
      base: MX,
      records: [{ usage: 3, selector: 1, matchingType: 1, data: 'AB'.repeat(32) }],
      state: null,
    });
    expect(dns.asked).toEqual([`A ${MX}`, `AAAA ${MX}`, `TLSA ${TLSA_MX}`]);
  });

  it('an address answer not signed: skipped as address-insecure, no TLSA query', async () => {
    const dns = fakeDnssec({ [`A ${MX}`]: secure(aRec(MX, '192.0.2.1')), [`AAAA ${MX}`]: unsigned(aaaaRec(MX, '2001:db8::1')) });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true);
    expect([host.skipped, host.tlsa, host.base]).toEqual(['address-insecure', [], null]);
    expect(dns.asked).toEqual([`A ${MX}`, `AAAA ${MX}`]);
  });

  it('an address answer bogus: no TLSA query (nobody who validates reaches the host), not marked skipped', async () => {
    const dns = fakeDnssec({ [`A ${MX}`]: servfail([{ code: 6, text: '' }]), [`A ${MX} +cd`]: unsigned(aRec(MX, '192.0.2.1')), [`AAAA ${MX}`]: secure(aaaaRec(MX, '2001:db8::1')) });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true);
    expect([host.skipped, host.tlsa, host.addresses.map((l) => l.status)]).toEqual([null, [], ['bogus', 'secure']]);
    expect(dns.asked).toEqual([`A ${MX}`, `AAAA ${MX}`, `A ${MX} +cd`]);
  });

  it('every address lookup failing: skipped as address-failed; one failing beside a secure one does not stop the TLSA lookup', async () => {
    const timeout = (t: string) => new DnsError('TIMEOUT', MX, t);
    const failed = fakeDnssec({ [`A ${MX}`]: timeout('A'), [`AAAA ${MX}`]: timeout('AAAA') });
    expect((await lookupDaneHost(MX, 25, V4V6, { dnssec: failed }, true)).skipped).toBe('address-failed');
    expect(failed.asked).toEqual([`A ${MX}`, `AAAA ${MX}`]);
    const half = fakeDnssec({ [`A ${MX}`]: secure(aRec(MX, '192.0.2.1')), [`AAAA ${MX}`]: timeout('AAAA'), [`TLSA ${TLSA_MX}`]: secure(tlsaRec(TLSA_MX, 3, 1, 1, DIGEST)) });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: half }, true);
    expect([host.skipped, host.base]).toEqual([null, MX]);
  });

  it('asks only the address families wanted', async () => {
    const dns = fakeDnssec({ ...secureAddresses(), [`TLSA ${TLSA_MX}`]: secure() });
    await lookupDaneHost(MX, 25, { v4: true, v6: false }, { dnssec: dns }, true);
    expect(dns.asked).toEqual([`A ${MX}`, `TLSA ${TLSA_MX}`]);
  });

  it('the port is part of the TLSA name (_2525._tcp)', async () => {
    const name = `_2525._tcp.${MX}`;
    const dns = fakeDnssec({ ...secureAddresses(), [`TLSA ${name}`]: secure(tlsaRec(name, 3, 1, 1, DIGEST)) });
    const host = await lookupDaneHost(MX, 2525, V4V6, { dnssec: dns }, true);
    expect(host.tlsa.map((l) => l.name)).toEqual([name]);
    expect(host.records).toHaveLength(1);
  });

  it('a secure NODATA: no records, no base', async () => {
    const dns = fakeDnssec({ ...secureAddresses(), [`TLSA ${TLSA_MX}`]: secure() });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true);
    expect([host.tlsa.map((l) => l.status), host.base, host.records]).toEqual([['secure'], null, []]);
  });

  it('TLSA records that are not signed are not used', async () => {
    const dns = fakeDnssec({ ...secureAddresses(), [`TLSA ${TLSA_MX}`]: unsigned(tlsaRec(TLSA_MX, 3, 1, 1, DIGEST)) });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true);
    expect([host.tlsa.map((l) => [l.status, l.records]), host.base, host.records]).toEqual([[['insecure', [DIGEST_SHOWN]]], null, []]);
  });
});

describe('lookupDaneHost: a CNAME’d MX host (RFC 7672 §2.2.2)', () => {
  const EXPANDED = 'smtp.hoster.test';
  const TLSA_EXPANDED = `_25._tcp.${EXPANDED}`;
  /** The MX name is an alias: both address answers follow mx.example.test → mail.hoster.test → smtp.hoster.test. */
  const aliased: Record<string, Outcome> = {
    [`A ${MX}`]: secure(cnameRec(MX, 'mail.hoster.test'), cnameRec('mail.hoster.test', EXPANDED), aRec(EXPANDED, '192.0.2.9')),
    [`AAAA ${MX}`]: secure(cnameRec(MX, 'mail.hoster.test'), cnameRec('mail.hoster.test', EXPANDED), aaaaRec(EXPANDED, '2001:db8::9')),
  };

  it('the expanded name’s secure records win: base is the expanded name, the MX name is not asked', async () => {
    const dns = fakeDnssec({ ...aliased, [`TLSA ${TLSA_EXPANDED}`]: secure(tlsaRec(TLSA_EXPANDED, 3, 1, 1, DIGEST)) });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true);
    expect([host.base, host.records.map((r) => r.data), host.tlsa.map((l) => l.name)]).toEqual([EXPANDED, ['AB'.repeat(32)], [TLSA_EXPANDED]]);
    expect(dns.asked).toEqual([`A ${MX}`, `AAAA ${MX}`, `TLSA ${TLSA_EXPANDED}`]);
  });

  it('the expanded name securely has none (NODATA): then the MX name, whose records apply', async () => {
    const dns = fakeDnssec({ ...aliased, [`TLSA ${TLSA_EXPANDED}`]: secure(), [`TLSA ${TLSA_MX}`]: secure(tlsaRec(TLSA_MX, 3, 1, 1, OTHER)) });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true);
    expect([host.base, host.records.map((r) => r.data), host.tlsa.map((l) => l.name)]).toEqual([MX, ['CD'.repeat(32)], [TLSA_EXPANDED, TLSA_MX]]);
    expect(dns.asked).toEqual([`A ${MX}`, `AAAA ${MX}`, `TLSA ${TLSA_EXPANDED}`, `TLSA ${TLSA_MX}`]);
  });

  it('the expanded name does not exist (secure NXDOMAIN): then the MX name', async () => {
    const dns = fakeDnssec({ ...aliased, [`TLSA ${TLSA_EXPANDED}`]: answer('NXDOMAIN', true), [`TLSA ${TLSA_MX}`]: secure(tlsaRec(TLSA_MX, 3, 1, 1, OTHER)) });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true);
    expect([host.base, host.tlsa.map((l) => [l.name, l.rcode])]).toEqual([MX, [[TLSA_EXPANDED, 'NXDOMAIN'], [TLSA_MX, 'NOERROR']]]);
  });

  it('neither has records: both asked, no base', async () => {
    const dns = fakeDnssec({ ...aliased, [`TLSA ${TLSA_EXPANDED}`]: secure(), [`TLSA ${TLSA_MX}`]: secure() });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true);
    expect([host.base, host.records, host.tlsa.map((l) => l.name)]).toEqual([null, [], [TLSA_EXPANDED, TLSA_MX]]);
  });

  it('the expanded name’s lookup failing decides: the MX name is not asked', async () => {
    const dns = fakeDnssec({ ...aliased, [`TLSA ${TLSA_EXPANDED}`]: servfail(), [`TLSA ${TLSA_EXPANDED} +cd`]: servfail() });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true);
    expect([host.base, host.tlsa.map((l) => [l.name, l.status])]).toEqual([null, [[TLSA_EXPANDED, 'error']]]);
    expect(dns.asked).toEqual([`A ${MX}`, `AAAA ${MX}`, `TLSA ${TLSA_EXPANDED}`, `TLSA ${TLSA_EXPANDED} +cd`]);
  });

  it('the expanded name’s answer bogus decides too', async () => {
    const dns = fakeDnssec({ ...aliased, [`TLSA ${TLSA_EXPANDED}`]: servfail(), [`TLSA ${TLSA_EXPANDED} +cd`]: unsigned(tlsaRec(TLSA_EXPANDED, 3, 1, 1, DIGEST)) });
    const host = await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true);
    expect([host.base, host.records, host.tlsa.map((l) => [l.name, l.status])]).toEqual([null, [], [[TLSA_EXPANDED, 'bogus']]]);
  });

  it('a CNAME in the AAAA answer only still gives the expanded name', async () => {
    const dns = fakeDnssec({
      [`A ${MX}`]: secure(aRec(MX, '192.0.2.1')),
      [`AAAA ${MX}`]: secure(cnameRec(MX, EXPANDED), aaaaRec(EXPANDED, '2001:db8::9')),
      [`TLSA ${TLSA_EXPANDED}`]: secure(tlsaRec(TLSA_EXPANDED, 3, 1, 1, DIGEST)),
    });
    expect((await lookupDaneHost(MX, 25, V4V6, { dnssec: dns }, true)).base).toBe(EXPANDED);
  });
});

describe('lookupDane: the domain’s MX, then every MX host', () => {
  it('a secure MX answer: each host looked up, the section says which resolver and port', async () => {
    const dns = fakeDnssec({ 'MX example.test': secure(mxRec('example.test', 10, MX)), ...secureAddresses(), [`TLSA ${TLSA_MX}`]: secure(tlsaRec(TLSA_MX, 3, 1, 1, DIGEST)) });
    const s = await lookupDane({ domain: 'example.test', port: 25, maxMx: 5 }, { dnssec: dns });
    expect(s.resolver).toEqual({ description: '127.0.0.1:53', trust: 'loopback' });
    expect(s.port).toBe(25);
    expect(s.mx).toEqual(lookup('example.test', 'MX', { records: [`10 ${MX}`] }));
    expect(s.hosts.map((h) => [h.mx, h.skipped, h.base])).toEqual([[MX, null, MX]]);
    expect(dns.asked).toEqual(['MX example.test', `A ${MX}`, `AAAA ${MX}`, `TLSA ${TLSA_MX}`]);
  });

  it('MX records not signed: every host skipped as mx-insecure, only the MX query made', async () => {
    const dns = fakeDnssec({ 'MX example.test': unsigned(mxRec('example.test', 10, 'mx1.example.test'), mxRec('example.test', 20, 'mx2.example.test')) });
    const s = await lookupDane({ domain: 'example.test', port: 25, maxMx: 5 }, { dnssec: dns });
    expect(s.hosts.map((h) => [h.mx, h.skipped, h.addresses, h.tlsa])).toEqual([
      ['mx1.example.test', 'mx-insecure', [], []],
      ['mx2.example.test', 'mx-insecure', [], []],
    ]);
    expect(dns.asked).toEqual(['MX example.test']);
  });

  it('a resolver that is not trusted: the section says so, every host skipped as not-trusted', async () => {
    const dns = fakeDnssec({ 'MX example.test': secure(mxRec('example.test', 10, MX)) }, null);
    const s = await lookupDane({ domain: 'example.test', port: 25, maxMx: 5 }, { dnssec: dns });
    expect(s.resolver.trust).toBeNull();
    expect(s.mx?.status).toBe('insecure');
    expect(s.hosts.map((h) => [h.mx, h.skipped])).toEqual([[MX, 'not-trusted']]);
    expect(dns.asked).toEqual(['MX example.test']);
  });

  it('MX records sorted by preference (then name), a name listed twice looked up once', async () => {
    const dns = fakeDnssec({
      'MX example.test': secure(mxRec('example.test', 30, 'c.example.test'), mxRec('example.test', 10, 'b.example.test'), mxRec('example.test', 20, 'a.example.test'), mxRec('example.test', 10, 'a2.example.test'), mxRec('example.test', 40, 'b.example.test')),
    });
    const s = await lookupDane({ domain: 'example.test', port: 25, maxMx: 10, families: { v4: false, v6: false } }, { dnssec: dns });
    expect(s.hosts.map((h) => h.mx)).toEqual(['a2.example.test', 'b.example.test', 'a.example.test', 'c.example.test']);
  });

  it('at most maxMx hosts, the most preferred, and no query for the others', async () => {
    const dns = fakeDnssec({
      'MX example.test': secure(mxRec('example.test', 30, 'mx3.example.test'), mxRec('example.test', 10, 'mx1.example.test'), mxRec('example.test', 20, 'mx2.example.test')),
      ...secureAddresses('mx1.example.test'),
      ...secureAddresses('mx2.example.test'),
      'TLSA _25._tcp.mx1.example.test': secure(),
      'TLSA _25._tcp.mx2.example.test': secure(),
    });
    const s = await lookupDane({ domain: 'example.test', port: 25, maxMx: 2 }, { dnssec: dns });
    expect(s.hosts.map((h) => h.mx)).toEqual(['mx1.example.test', 'mx2.example.test']);
    expect(dns.asked.filter((q) => q.includes('mx3'))).toEqual([]);
    expect([...dns.asked].sort()).toEqual(
      ['MX example.test', 'A mx1.example.test', 'AAAA mx1.example.test', 'TLSA _25._tcp.mx1.example.test', 'A mx2.example.test', 'AAAA mx2.example.test', 'TLSA _25._tcp.mx2.example.test'].sort(),
    );
  });

  it('no MX (a secure NODATA): the domain itself is the host (RFC 5321 §5.1)', async () => {
    const dns = fakeDnssec({ 'MX example.test': secure(), ...secureAddresses('example.test'), 'TLSA _25._tcp.example.test': secure(tlsaRec('_25._tcp.example.test', 3, 1, 1, DIGEST)) });
    const s = await lookupDane({ domain: 'example.test', port: 25, maxMx: 5 }, { dnssec: dns });
    expect(s.hosts.map((h) => [h.mx, h.skipped, h.base])).toEqual([['example.test', null, 'example.test']]);
    expect(dns.asked).toEqual(['MX example.test', 'A example.test', 'AAAA example.test', 'TLSA _25._tcp.example.test']);
  });

  it('no MX and not signed (an insecure NODATA): the domain is the host, skipped as mx-insecure', async () => {
    const dns = fakeDnssec({ 'MX example.test': unsigned() });
    const s = await lookupDane({ domain: 'example.test', port: 25, maxMx: 5 }, { dnssec: dns });
    expect(s.hosts.map((h) => [h.mx, h.skipped])).toEqual([['example.test', 'mx-insecure']]);
  });

  it('a domain that does not exist (NXDOMAIN): no host', async () => {
    const dns = fakeDnssec({ 'MX example.test': answer('NXDOMAIN', true) });
    const s = await lookupDane({ domain: 'example.test', port: 25, maxMx: 5 }, { dnssec: dns });
    expect(s.hosts).toEqual([]);
    expect(dns.asked).toEqual(['MX example.test']);
  });

  // BUG (src/jobs/dane/lookup-dane.ts:174): a null MX ("0 .", RFC 7505: the domain accepts no mail)
  // is filtered out of the exchanges, and an MX answer left with no exchanges is taken as "no MX",
  // so the domain itself is made the host and its A, AAAA and TLSA records are looked up (and
  // judged: `mxray posture` of such a domain can report dane.no-records or dane.insecure for it).
  it('a null MX: no host, no address or TLSA query', async () => {
    const dns = fakeDnssec({ 'MX example.test': secure(mxRec('example.test', 0, '')), ...secureAddresses('example.test'), 'TLSA _25._tcp.example.test': secure() });
    const s = await lookupDane({ domain: 'example.test', port: 25, maxMx: 5 }, { dnssec: dns });
    expect(s.hosts).toEqual([]);
    expect(dns.asked).toEqual(['MX example.test']);
  });

  it('MX answer bogus, or failed: no host looked up at all', async () => {
    for (const [cd, status] of [[unsigned(mxRec('example.test', 10, MX)), 'bogus'], [servfail(), 'error']] as const) {
      const dns = fakeDnssec({ 'MX example.test': servfail(), 'MX example.test +cd': cd });
      const s = await lookupDane({ domain: 'example.test', port: 25, maxMx: 5 }, { dnssec: dns });
      expect([s.mx?.status, s.hosts]).toEqual([status, []]);
      expect(dns.asked).toEqual(['MX example.test', 'MX example.test +cd']);
    }
  });

  it('a host given directly: no MX query, the host’s own records decide', async () => {
    const dns = fakeDnssec({ ...secureAddresses(), [`TLSA ${TLSA_MX}`]: secure(tlsaRec(TLSA_MX, 3, 1, 1, DIGEST)) });
    const s = await lookupDane({ domain: null, host: MX, port: 25, maxMx: 1 }, { dnssec: dns });
    expect([s.mx, s.hosts.map((h) => [h.mx, h.base])]).toEqual([null, [[MX, MX]]]);
    expect(dns.asked).toEqual([`A ${MX}`, `AAAA ${MX}`, `TLSA ${TLSA_MX}`]);
    // --host beside a domain: the host, not the domain's MX.
    const both = fakeDnssec({ ...secureAddresses(), [`TLSA ${TLSA_MX}`]: secure() });
    expect((await lookupDane({ domain: 'example.test', host: MX, port: 25, maxMx: 1 }, { dnssec: both })).mx).toBeNull();
    expect(both.asked).not.toContain('MX example.test');
  });

  it('a host given directly through a resolver that is not trusted: addresses asked, then not-trusted, no TLSA query', async () => {
    const dns = fakeDnssec(secureAddresses(), null);
    const s = await lookupDane({ domain: null, host: MX, port: 25, maxMx: 1 }, { dnssec: dns });
    expect(s.hosts.map((h) => [h.skipped, h.addresses.map((l) => l.status)])).toEqual([['not-trusted', ['insecure', 'insecure']]]);
    expect(dns.asked).toEqual([`A ${MX}`, `AAAA ${MX}`]);
  });

  it('neither a domain nor a host: nothing asked', async () => {
    const dns = fakeDnssec({});
    expect((await lookupDane({ domain: null, port: 25, maxMx: 5 }, { dnssec: dns })).hosts).toEqual([]);
    expect(dns.asked).toEqual([]);
  });

  it('the TLSA port comes from the options', async () => {
    const dns = fakeDnssec({ 'MX example.test': secure(mxRec('example.test', 10, MX)), ...secureAddresses(), [`TLSA _2525._tcp.${MX}`]: secure() });
    const s = await lookupDane({ domain: 'example.test', port: 2525, maxMx: 5 }, { dnssec: dns });
    expect([s.port, s.hosts[0]?.tlsa.map((l) => l.name)]).toEqual([2525, [`_2525._tcp.${MX}`]]);
  });

  it('never more than 8 queries in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const hosts = Array.from({ length: 12 }, (_, i) => `mx${i}.example.test`);
    const inner = fakeDnssec({ 'MX example.test': secure(...hosts.map((h, i) => mxRec('example.test', i, h))), ...Object.assign({}, ...hosts.map((h) => ({ ...secureAddresses(h), [`TLSA _25._tcp.${h}`]: secure() }))) });
    const dns: DnssecResolver = {
      ...inner,
      query: async (name, type, options) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return inner.query(name, type, options);
      },
    };
    const s = await lookupDane({ domain: 'example.test', port: 25, maxMx: 12 }, { dnssec: dns });
    expect(s.hosts).toHaveLength(12);
    expect(most).toBe(8);
  });
});

describe('daneResolverOf: which DNSSEC resolver DANE asks', () => {
  const theirs = fakeDnssec({});
  const defaults = fakeDnssec({});

  it('the caller’s own, when given', () => {
    expect(daneResolverOf({ dnssec: theirs }, () => ({ dnssec: defaults }))).toBe(theirs);
    expect(daneResolverOf({ dnssec: theirs, resolver: {} }, () => ({ dnssec: defaults }))).toBe(theirs);
  });

  it('none, when the caller says none', () => {
    expect(daneResolverOf({ dnssec: null }, () => ({ dnssec: defaults }))).toBeNull();
  });

  it('none, when the caller brought a resolver of its own without a DNSSEC one (the defaults would ask another server)', () => {
    let asked = false;
    expect(daneResolverOf({ resolver: {} }, () => ((asked = true), { dnssec: defaults }))).toBeNull();
    expect(asked).toBe(false);
  });

  it('the defaults’, otherwise (or none when the defaults have none)', () => {
    expect(daneResolverOf({}, () => ({ dnssec: defaults }))).toBe(defaults);
    expect(daneResolverOf({ resolver: undefined }, () => ({ dnssec: defaults }))).toBe(defaults);
    expect(daneResolverOf({}, () => ({}))).toBeNull();
  });
});
