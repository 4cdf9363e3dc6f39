// Judging block list answers (checks/dnsbl): a listing with the list's meaning and reason, a refusal
// that is never a listing, a dead list, failures grouped per list, the clean addresses, and the
// verdict of a whole blocklist body. Pure: facts in, findings out.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { judgeDnsbl } from '../../../src/checks/dnsbl/index.js';
import type { BlocklistBody, DnsFacts, DnsblAddress, DnsblLookup, DnsblSection, TranscriptEvent } from '../../../src/core/schema.js';
import { judgeBlocklist } from '../../../src/jobs/blocklist/check-blocklist.js';

const lookup = (zone: string, status: DnsblLookup['status'], over: Partial<DnsblLookup> = {}): DnsblLookup => ({
  zone,
  query: `2.0.0.127.${zone}`,
  status,
  codes: [],
  txt: [],
  error: null,
  ...over,
});
const address = (addr: string, lookups: DnsblLookup[], over: Partial<DnsblAddress> = {}): DnsblAddress => ({ address: addr, source: 'argument', mx: null, lookups, ...over });
const section = (addresses: DnsblAddress[], over: Partial<DnsblSection> = {}): DnsblSection => ({
  resolver: '127.0.0.1:5353',
  zones: [...new Set(addresses.flatMap((a) => a.lookups.map((l) => l.zone)))],
  addresses,
  ...over,
});
const ids = (s: DnsblSection) => judgeDnsbl(s).map((f) => f.id);

describe('judgeDnsbl', () => {
  it('a Spamhaus SBL listing: an error naming the address, the list, the code’s meaning, the TXT reason, the removal page and the resolver', () => {
    const s = section([
      address('192.0.2.1', [
        lookup('zen.spamhaus.org', 'listed', { query: '1.2.0.192.zen.spamhaus.org', codes: ['127.0.0.2'], txt: ['https://check.spamhaus.org/sbl/query/SBL123'] }),
        lookup('bl.spamcop.net', 'not-listed'),
      ]),
    ]);
    const [f, ...rest] = judgeDnsbl(s);
    expect(rest).toEqual([]);
    expect(f?.id).toBe('dnsbl.listed');
    expect(f?.severity).toBe('error');
    expect(f?.hosts).toEqual(['192.0.2.1']);
    expect(f?.facts).toMatchObject({ address: '192.0.2.1', zone: 'zen.spamhaus.org', list: 'Spamhaus ZEN', codes: '127.0.0.2', reason: 'https://check.spamhaus.org/sbl/query/SBL123', removal: 'https://check.spamhaus.org/', resolver: '127.0.0.1:5353' });
    expect(String(f?.facts.meaning)).toMatch(/^SBL: /);
    expect(f?.title).toBe('192.0.2.1 is listed on Spamhaus ZEN: SBL: a spam source or spam service Spamhaus listed by hand');
    // The consequence a mail administrator must read: "no TLS" is really "listed".
    expect(f?.detail).toMatch(/STARTTLS/);
    expect(f?.detail).toMatch(/5\.7\.606/);
    expect(f?.detail).toContain('127.0.0.1:5353');
  });

  it('every Spamhaus listing code has its own meaning: XBL, DROP, PBL by the ISP and by Spamhaus, CSS', () => {
    const meaning = (code: string) => judgeDnsbl(section([address('192.0.2.1', [lookup('zen.spamhaus.org', 'listed', { codes: [code] })])]))[0]?.facts.meaning;
    expect(meaning('127.0.0.3')).toMatch(/^CSS/);
    expect(meaning('127.0.0.4')).toMatch(/^XBL/);
    expect(meaning('127.0.0.9')).toMatch(/^DROP/);
    expect(meaning('127.0.0.10')).toMatch(/^PBL, set by the network owner/);
    expect(meaning('127.0.0.11')).toMatch(/^PBL, set by Spamhaus/);
    expect(meaning('127.0.0.42')).toBe('listed (code 127.0.0.42, which Spamhaus ZEN does not document)');
  });

  it('a list mxray does not know: any 127.0.0.x is a listing, said as its code; no TXT: said so', () => {
    const [f] = judgeDnsbl(section([address('192.0.2.1', [lookup('bl.example.net', 'listed', { codes: ['127.0.0.5'] })])]));
    expect(f?.facts).toMatchObject({ list: 'bl.example.net', meaning: "listed (code 127.0.0.5)", reason: '(the list published no TXT reason)', removal: 'the web site of bl.example.net' });
  });

  it('Spamhaus 127.255.255.254 through a public resolver: refused, inconclusive, never listed; the public resolver named', () => {
    const s = section([address('192.0.2.1', [lookup('zen.spamhaus.org', 'refused', { codes: ['127.255.255.254'], error: 'answered 127.255.255.254: query refused: it came through a public or open resolver' })])], { resolver: '8.8.8.8' });
    const found = judgeDnsbl(s);
    expect(found.map((f) => f.id)).toEqual(['dnsbl.query-refused', 'dnsbl.public-resolver']);
    expect(found.some((f) => f.id === 'dnsbl.listed')).toBe(false);
    const [refused, publicNote] = found;
    expect(refused?.severity).toBe('warning');
    expect(refused?.facts).toMatchObject({ answer: '127.255.255.254', list: 'Spamhaus ZEN', resolver: '8.8.8.8', meaning: 'query refused: it came through a public or open resolver' });
    expect(refused?.title).toContain('8.8.8.8');
    expect(refused?.detail).toContain('The resolver 8.8.8.8 is a public resolver (Google Public DNS): that is why.');
    expect(publicNote?.facts).toMatchObject({ operator: 'Google Public DNS', lists: 'Spamhaus ZEN' });
    expect(judgeBlocklist({ input: '192.0.2.1', inputKind: 'ip', dnsbl: s }).verdict).toBe('inconclusive');
  });

  it('the DNS REFUSED code: refused, said as the DNS refusal; the system resolver: said it may forward to a public one', () => {
    const [f] = judgeDnsbl(section([address('192.0.2.1', [lookup('b.barracudacentral.org', 'refused', { error: 'REFUSED' })])], { resolver: 'system' }));
    expect(f?.id).toBe('dnsbl.query-refused');
    expect(f?.facts).toMatchObject({ answer: 'REFUSED', meaning: 'the list’s name server answered REFUSED (the DNS refusal code)' });
    expect(f?.facts.publicResolver).toMatch(/system’s resolvers/);
  });

  it('SERVFAIL and time-outs of one list: one lookup-failed finding per list and error, naming every address', () => {
    const s = section([
      address('192.0.2.1', [lookup('psbl.surriel.com', 'error', { error: 'SERVFAIL' }), lookup('bl.spamcop.net', 'error', { error: 'TIMEOUT' })]),
      address('192.0.2.2', [lookup('psbl.surriel.com', 'error', { error: 'SERVFAIL' }), lookup('bl.spamcop.net', 'not-listed')]),
    ]);
    const found = judgeDnsbl(s).filter((f) => f.id === 'dnsbl.lookup-failed');
    expect(found.map((f) => [f.facts.zone, f.facts.error, f.hosts])).toEqual([
      ['psbl.surriel.com', 'SERVFAIL', ['192.0.2.1', '192.0.2.2']],
      ['bl.spamcop.net', 'TIMEOUT', ['192.0.2.1']],
    ]);
    expect(found[0]?.facts.addresses).toBe('192.0.2.1, 192.0.2.2');
  });

  it('an answer outside 127.0.0.0/8: a dead or wildcarded list, not a listing and not a plain failure', () => {
    const [f, ...rest] = judgeDnsbl(section([address('192.0.2.1', [lookup('bl.spamcop.net', 'error', { codes: ['198.51.100.80'], error: 'the list answered a non-list address' })])]));
    expect(rest).toEqual([]);
    expect(f?.id).toBe('dnsbl.dead-list');
    expect(f?.facts.answer).toBe('198.51.100.80');
    expect(f?.title).toContain('dead');
  });

  it('an error code in 127/8 (a misspelt Spamhaus zone, 127.0.0.1): lookup-failed, not dead, not listed', () => {
    expect(ids(section([address('192.0.2.1', [lookup('zen.spamhaus.org', 'error', { codes: ['127.255.255.252'], error: 'answered 127.255.255.252: error' })])]))).toEqual(['dnsbl.lookup-failed']);
    expect(ids(section([address('192.0.2.1', [lookup('bl.example.net', 'error', { codes: ['127.0.0.1'], error: 'x' })])]))).toEqual(['dnsbl.lookup-failed']);
  });

  it('an address on none of the lists that answered: one ok finding naming them and the resolver; none for a listed address', () => {
    const clean = judgeDnsbl(section([address('2001:db8::1', [lookup('zen.spamhaus.org', 'not-listed'), lookup('bl.example.net', 'not-listed')], { source: 'mx', mx: 'mx1.example.test' })]));
    expect(clean.map((f) => [f.id, f.severity])).toEqual([['dnsbl.not-listed', 'ok']]);
    expect(clean[0]?.title).toBe('2001:db8::1 is on none of these lists: zen.spamhaus.org, bl.example.net');
    expect(clean[0]?.detail).toBe('2001:db8::1 (an address of the MX host mx1.example.test) is on none of the 2 lists that answered (zen.spamhaus.org, bl.example.net), asked through the resolver 127.0.0.1:5353.');
    expect(ids(section([address('192.0.2.1', [lookup('bl.example.net', 'listed', { codes: ['127.0.0.2'] }), lookup('zen.spamhaus.org', 'not-listed')])]))).toEqual(['dnsbl.listed']);
  });

  it('addresses left out by the bound: a note with how many and which', () => {
    const s = section([address('192.0.2.1', [lookup('bl.example.net', 'not-listed')])], { leftOut: ['192.0.2.2', '192.0.2.3'] });
    const note = judgeDnsbl(s).find((f) => f.id === 'dnsbl.addresses-left-out');
    expect(note?.facts).toEqual({ count: 2, addresses: '192.0.2.2, 192.0.2.3', limit: 1 });
  });

  it('cites the transcript lines of the queries it rests on', () => {
    const ev = (seq: number, text: string): TranscriptEvent => ({ seq, t: seq, conn: 'dns', kind: 'dns', text });
    const transcript = [ev(0, 'A 2.0.0.127.bl.example.net → 127.0.0.2'), ev(1, 'TXT 2.0.0.127.bl.example.net → "spam"'), ev(2, 'A 2.0.0.127.other.example → NXDOMAIN')];
    const [f] = judgeDnsbl(section([address('127.0.0.2', [lookup('bl.example.net', 'listed', { codes: ['127.0.0.2'] })])]), transcript);
    expect(f?.evidence).toEqual([0, 1]);
  });
});

describe('judgeBlocklist: the verdict', () => {
  const body = (s: DnsblSection) => ({ input: '192.0.2.1', inputKind: 'ip' as const, dnsbl: s });
  it('listed anywhere: fail (a refusal elsewhere does not soften it); clean: pass; nothing asked: inconclusive', () => {
    const listed = section([address('192.0.2.1', [lookup('bl.example.net', 'listed', { codes: ['127.0.0.2'] }), lookup('zen.spamhaus.org', 'refused', { codes: ['127.255.255.254'] })])]);
    expect(judgeBlocklist(body(listed)).verdict).toBe('fail');
    expect(judgeBlocklist(body(section([address('192.0.2.1', [lookup('bl.example.net', 'not-listed')])]))).verdict).toBe('pass');
    expect(judgeBlocklist(body(section([], { zones: ['bl.example.net'] }))).verdict).toBe('inconclusive');
  });

  it('a domain whose MX lookup failed: the DNS finding, inconclusive', () => {
    const judged = judgeBlocklist({
      input: 'example.test',
      inputKind: 'domain',
      dns: { status: 'nxdomain', resolver: '127.0.0.1:5353', mx: [], error: null },
      dnsEvidence: [0],
      dnsbl: section([], { zones: ['bl.example.net'] }),
    });
    expect(judged.findings.map((f) => f.id)).toEqual(['dns.nxdomain']);
    expect(judged.verdict).toBe('fail');
  });
});

describe('the blocklist body', () => {
  it('holds a domain’s MX lookup as DnsFacts (the schema repeats its shape: schema.ts imports blocklist-schema.ts)', () => {
    expectTypeOf<NonNullable<BlocklistBody['dns']>>().toEqualTypeOf<DnsFacts>();
  });
});
