// lookup-dane's edges: the transcript line of each lookup (exactly), the caps on records, CNAMEs
// and EDE, an RCODE other than SERVFAIL, the MX answer's parsing (null MX, exchanges in order,
// records that are not "preference exchange"), and an MX lookup that fails but carries records.
import { describe, expect, it } from 'vitest';
import type { DnssecResolver, SecureDnsAnswer, SecureQueryType } from '../../../../src/core/context.js';
import { fixedClock } from '../../../../src/core/clock.js';
import { DnsError } from '../../../../src/core/errors.js';
import { Transcript } from '../../../../src/core/transcript.js';
import { lookupDane, lookupDaneHost, secureLookup, tlsaFacts } from '../../../../src/jobs/dane/lookup-dane.js';
import { lookup } from '../../../helpers/dane-facts.js';
import { fakeDnssec, answer, secure, unsigned, mxRec, aRec, cnameRec, tlsaRec, type Outcome } from '../../../helpers/fake-dnssec.js';


const MX = 'mx.example.test';
const TLSA_MX = `_25._tcp.${MX}`;
const V4 = { v4: true, v6: false };
const hex = (i: number) => i.toString(16).padStart(64, '0');
const HEX = (i: number) => hex(i).toUpperCase();

async function lineOf(name: string, type: SecureQueryType, table: Record<string, Outcome>, trust: DnssecResolver['trust'] = 'loopback'): Promise<string> {
  const transcript = new Transcript(fixedClock(0));
  await secureLookup(name, type, { dnssec: fakeDnssec(table, trust), transcript });
  expect(transcript.events).toHaveLength(1);
  return transcript.events[0]?.text ?? '';
}

describe('secureLookup: the transcript line', () => {
  it('a secure answer: RCODE, AD, each record', async () => {
    expect(await lineOf(TLSA_MX, 'TLSA', { [`TLSA ${TLSA_MX}`]: secure(tlsaRec(TLSA_MX, 3, 1, 1, hex(1))) })).toBe(`TLSA ${TLSA_MX} (DNSSEC) → NOERROR AD 3 1 1 ${HEX(1)}: secure`);
  });

  it('no records, no AD: nothing after the RCODE', async () => {
    expect(await lineOf(TLSA_MX, 'TLSA', { [`TLSA ${TLSA_MX}`]: unsigned() })).toBe(`TLSA ${TLSA_MX} (DNSSEC) → NOERROR: insecure`);
    expect(await lineOf(TLSA_MX, 'TLSA', { [`TLSA ${TLSA_MX}`]: answer('NXDOMAIN', true) })).toBe(`TLSA ${TLSA_MX} (DNSSEC) → NXDOMAIN AD: secure`);
  });

  it('four records in full; a fifth makes "… (N in all)"', async () => {
    const recs = (n: number) => Array.from({ length: n }, (_, i) => tlsaRec(TLSA_MX, 3, 1, 1, hex(i)));
    const shown = (n: number) => Array.from({ length: n }, (_, i) => `3 1 1 ${HEX(i)}`).join(', ');
    expect(await lineOf(TLSA_MX, 'TLSA', { [`TLSA ${TLSA_MX}`]: secure(...recs(4)) })).toBe(`TLSA ${TLSA_MX} (DNSSEC) → NOERROR AD ${shown(4)}: secure`);
    expect(await lineOf(TLSA_MX, 'TLSA', { [`TLSA ${TLSA_MX}`]: secure(...recs(5)) })).toBe(`TLSA ${TLSA_MX} (DNSSEC) → NOERROR AD ${shown(4)} … (5 in all): secure`);
    expect(await lineOf(TLSA_MX, 'TLSA', { [`TLSA ${TLSA_MX}`]: secure(...recs(7)) })).toBe(`TLSA ${TLSA_MX} (DNSSEC) → NOERROR AD ${shown(4)} … (7 in all): secure`);
  });

  it('a CNAME chain, EDE with and without text, the CD=1 RCODE', async () => {
    const table = {
      [`A ${MX}`]: answer('SERVFAIL', false, [cnameRec(MX, 'a.example.test'), cnameRec('a.example.test', 'b.example.test')], [
        { code: 6, text: 'RRSIG expired' },
        { code: 9, text: '' },
      ]),
      [`A ${MX} +cd`]: answer('SERVFAIL', false),
    };
    expect(await lineOf(MX, 'A', table)).toBe(`A ${MX} (DNSSEC) → SERVFAIL via CNAME a.example.test → b.example.test [EDE 6 RRSIG expired] [EDE 9] (with CD: SERVFAIL): bogus`);
  });

  it('a SERVFAIL whose CD=1 query throws: no CD RCODE', async () => {
    const table = { [`A ${MX}`]: answer('SERVFAIL', false), [`A ${MX} +cd`]: new DnsError('TIMEOUT', MX, 'A') };
    expect(await lineOf(MX, 'A', table)).toBe(`A ${MX} (DNSSEC) → SERVFAIL: error`);
  });

  it('no answer: the error code (or message for OTHER) in place of the RCODE', async () => {
    expect(await lineOf(MX, 'A', { [`A ${MX}`]: new DnsError('TIMEOUT', MX, 'A') })).toBe(`A ${MX} (DNSSEC) → TIMEOUT: error`);
    expect(await lineOf(MX, 'A', { [`A ${MX}`]: new DnsError('OTHER', MX, 'A', 'socket closed') })).toBe(`A ${MX} (DNSSEC) → socket closed: error`);
  });
});

describe('secureLookup: statuses and caps', () => {
  it('an RCODE other than SERVFAIL is an error, even with a DNSSEC EDE; no CD=1 query', async () => {
    const dns = fakeDnssec({ [`TLSA ${TLSA_MX}`]: answer('REFUSED', false, [], [{ code: 6, text: 'bogus' }]) });
    const fact = await secureLookup(TLSA_MX, 'TLSA', { dnssec: dns });
    expect(fact.status).toBe('error');
    expect(fact.cdRcode).toBeNull();
    expect(dns.asked).toEqual([`TLSA ${TLSA_MX}`]);
  });

  it('keeps at most 64 records, 16 CNAMEs, 8 EDE of at most 300 characters each', async () => {
    const records = Array.from({ length: 70 }, (_, i) => tlsaRec(TLSA_MX, 3, 1, 1, hex(i)));
    const cnames = Array.from({ length: 20 }, (_, i) => cnameRec(`c${i}.example.test`, `c${i + 1}.example.test`));
    const ede = Array.from({ length: 10 }, (_, i) => ({ code: i, text: `${i}`.repeat(400) }));
    const fact = await secureLookup(TLSA_MX, 'TLSA', { dnssec: fakeDnssec({ [`TLSA ${TLSA_MX}`]: answer('NOERROR', true, [...cnames, ...records], ede) }) });
    expect(fact.records).toEqual(Array.from({ length: 64 }, (_, i) => `3 1 1 ${HEX(i)}`));
    expect(fact.cnames).toEqual(Array.from({ length: 16 }, (_, i) => `c${i + 1}.example.test`));
    expect(fact.ede).toEqual(Array.from({ length: 8 }, (_, i) => ({ code: i, text: `${i}`.repeat(300) })));
  });
});

describe('tlsaFacts: only whole "usage selector matching-type HEX" lines', () => {
  it('numbers of more than one digit; nothing before the usage', () => {
    expect(tlsaFacts(lookup(TLSA_MX, 'TLSA', { records: ['255 10 12 AB', 'x 3 1 1 AB', '13 1 1 AB'] }))).toEqual([
      { usage: 255, selector: 10, matchingType: 12, data: 'AB' },
      { usage: 13, selector: 1, matchingType: 1, data: 'AB' },
    ]);
  });
});

describe('lookupDaneHost: which TLSA names are asked', () => {
  it('no CNAME: the MX name alone (an insecure answer there does not lead to another name)', async () => {
    const dns = fakeDnssec({ [`A ${MX}`]: secure(aRec(MX, '192.0.2.1')), [`TLSA ${TLSA_MX}`]: unsigned() });
    const host = await lookupDaneHost(MX, 25, V4, { dnssec: dns }, true);
    expect(dns.asked).toEqual([`A ${MX}`, `TLSA ${TLSA_MX}`]);
    expect(host.tlsa.map((l) => l.name)).toEqual([TLSA_MX]);
  });

  it('a CNAME chain that ends at the MX name itself: the MX name once', async () => {
    const dns = fakeDnssec({ [`A ${MX}`]: secure(cnameRec(MX, MX), aRec(MX, '192.0.2.1')), [`TLSA ${TLSA_MX}`]: unsigned() });
    await lookupDaneHost(MX, 25, V4, { dnssec: dns }, true);
    expect(dns.asked).toEqual([`A ${MX}`, `TLSA ${TLSA_MX}`]);
  });
});

describe('lookupDane: the MX answer', () => {
  const D = 'example.test';
  const hostTable = (...names: string[]) => Object.fromEntries(names.flatMap((n) => [[`A ${n}`, secure(aRec(n, '192.0.2.1'))], [`TLSA _25._tcp.${n}`, secure()]]));
  const run = async (mxAnswer: SecureDnsAnswer, ...hosts: string[]) => {
    const dns = fakeDnssec({ [`MX ${D}`]: mxAnswer, [`MX ${D} +cd`]: secure(), ...hostTable(...hosts) });
    const s = await lookupDane({ domain: D, port: 25, maxMx: 10, families: V4 }, { dnssec: dns });
    return { s, asked: dns.asked };
  };

  it('exchanges of one preference in name order, preferences first', async () => {
    const mx = secure(mxRec(D, 10, 'c.example.test'), mxRec(D, 10, 'a.example.test'), mxRec(D, 5, 'z.example.test'), mxRec(D, 10, 'b.example.test'), mxRec(D, 10, 'a.example.test'));
    const { s } = await run(mx, 'a.example.test', 'b.example.test', 'c.example.test', 'z.example.test');
    expect(s.hosts.map((h) => h.mx)).toEqual(['z.example.test', 'a.example.test', 'b.example.test', 'c.example.test']);
    const reversed = secure(mxRec(D, 10, 'b.example.test'), mxRec(D, 10, 'a.example.test'));
    expect((await run(reversed, 'a.example.test', 'b.example.test')).s.hosts.map((h) => h.mx)).toEqual(['a.example.test', 'b.example.test']);
    const inOrder = secure(mxRec(D, 10, 'a.example.test'), mxRec(D, 10, 'b.example.test'), mxRec(D, 10, 'c.example.test'));
    expect((await run(inOrder, 'a.example.test', 'b.example.test', 'c.example.test')).s.hosts.map((h) => h.mx)).toEqual(['a.example.test', 'b.example.test', 'c.example.test']);
    const descending = secure(mxRec(D, 10, 'c.example.test'), mxRec(D, 10, 'b.example.test'), mxRec(D, 10, 'a.example.test'));
    expect((await run(descending, 'a.example.test', 'b.example.test', 'c.example.test')).s.hosts.map((h) => h.mx)).toEqual(['a.example.test', 'b.example.test', 'c.example.test']);
  });

  it('an exchange that is not one name (a space in it) is no exchange, and no null MX: mail goes to the domain', async () => {
    // Presentation "10 x 5 a.example.test" and "10 y .b": neither is "preference name", neither ends in " .".
    const { s, asked } = await run(secure(mxRec(D, 10, 'x 5 a.example.test'), mxRec(D, 10, 'y .b')), D);
    expect(s.mx?.records).toEqual(['10 x 5 a.example.test', '10 y .b']);
    expect(s.hosts.map((h) => h.mx)).toEqual([D]);
    expect(asked).toEqual([`MX ${D}`, `A ${D}`, `TLSA _25._tcp.${D}`]);
  });

  it('an exchange with a space beside a real one: only the real one', async () => {
    const { s } = await run(secure(mxRec(D, 10, 'a b'), mxRec(D, 20, 'mx.example.test')), MX);
    expect(s.hosts.map((h) => h.mx)).toEqual([MX]);
  });

  it('a null MX among others: no host at all', async () => {
    const { s, asked } = await run(secure(mxRec(D, 0, ''), mxRec(D, 10, MX)));
    expect(s.hosts).toEqual([]);
    expect(asked).toEqual([`MX ${D}`]);
  });

  it('a SERVFAIL (bogus) or REFUSED (error) MX answer that carries records anyway: no host is looked up', async () => {
    const bogus = await run(answer('SERVFAIL', false, [mxRec(D, 10, MX)], [{ code: 6, text: '' }]));
    expect(bogus.s.mx?.status).toBe('bogus');
    expect(bogus.s.hosts).toEqual([]);
    expect(bogus.asked).toEqual([`MX ${D}`, `MX ${D} +cd`]);
    const refused = await run(answer('REFUSED', false, [mxRec(D, 10, MX)]));
    expect(refused.s.mx?.status).toBe('error');
    expect(refused.s.hosts).toEqual([]);
    expect(refused.asked).toEqual([`MX ${D}`]);
  });
});
