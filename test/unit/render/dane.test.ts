// The DANE summary line and details section: every state's words, the resolver's trust, the MX
// lookup's status, one host, all hosts and mixed states, each lookup's line (CNAMEs, EDE, CD
// RCODE), the records (at most 20), and server text escaped before it reaches a terminal.
import { describe, expect, it } from 'vitest';
import type { DaneHost, DaneSection, DaneState, SecureLookup } from '../../../src/core/schema.js';
import { line, plainParts } from '../../../src/render/document.js';
import { daneDetails, daneLine, daneText } from '../../../src/render/dane.js';
import { daneHost, lookup, NOTHING, section, tlsa } from '../../helpers/dane-facts.js';

const R1 = tlsa(3, 1, 1, NOTHING);
const host = (mx: string, state: DaneState | null, over: Partial<DaneHost> = {}): DaneHost => daneHost(mx, [R1], { state, ...over });
const one = (state: DaneState | null): DaneSection => section([host('mx1.example.test', state)]);

describe('daneText: the summary line', () => {
  it.each([
    ['match', 'matches (mx1.example.test)'],
    ['no-match', 'NO MATCH (mx1.example.test)'],
    ['no-tls', 'NO TLS (required by DANE) (mx1.example.test)'],
    ['lookup-failed', 'TLSA LOOKUP FAILS (mx1.example.test)'],
    ['bogus', 'BOGUS (mx1.example.test)'],
    ['unusable', 'only unusable records (mx1.example.test)'],
    ['no-records', 'no TLSA records (mx1.example.test)'],
    ['insecure', 'not signed (mx1.example.test)'],
    ['not-tested', 'not tested (mx1.example.test)'],
    [null, 'records published, to be matched by mxray check (mx1.example.test)'],
  ] as const)('one host in state %s: "%s"', (state, want) => {
    expect(daneText(one(state))).toBe(want);
  });

  it('every host in one state: "(all N MX hosts)"', () => {
    const s = section([host('mx1.example.test', 'match'), host('mx2.example.test', 'match')]);
    expect(daneText(s)).toBe('matches (all 2 MX hosts)');
    const published = section([host('mx1.example.test', null), host('mx2.example.test', null), host('mx3.example.test', null)]);
    expect(daneText(published)).toBe('records published, to be matched by mxray check (all 3 MX hosts)');
  });

  it('mixed states: each state with its hosts, joined by " · ", in the order first seen', () => {
    const s = section([host('mx1.example.test', 'match'), host('mx2.example.test', 'no-match'), host('mx3.example.test', 'match')]);
    expect(daneText(s)).toBe('matches: mx1.example.test, mx3.example.test · NO MATCH: mx2.example.test');
  });

  it('mixed states: three names in full, more as "+N"', () => {
    const three = ['a', 'b', 'c'].map((n) => host(`${n}.example.test`, 'match'));
    expect(daneText(section([...three, host('x.example.test', 'bogus')]))).toBe('matches: a.example.test, b.example.test, c.example.test · BOGUS: x.example.test');
    const four = ['a', 'b', 'c', 'd'].map((n) => host(`${n}.example.test`, 'match'));
    expect(daneText(section([...four, host('x.example.test', null)]))).toBe(
      'matches: a.example.test, b.example.test, c.example.test +1 · records published, to be matched by mxray check: x.example.test',
    );
    const six = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => host(`${n}.example.test`, 'insecure'));
    expect(daneText(section([host('x.example.test', 'no-tls'), ...six]))).toBe('NO TLS (required by DANE): x.example.test · not signed: a.example.test, b.example.test, c.example.test +3');
    const two = ['a', 'b'].map((n) => host(`${n}.example.test`, 'unusable'));
    expect(daneText(section([...two, host('x.example.test', 'not-tested')]))).toBe('only unusable records: a.example.test, b.example.test · not tested: x.example.test');
  });

  it('a resolver not trusted: not judged, whatever the hosts say', () => {
    expect(daneText(section([host('mx1.example.test', 'match')], { resolver: { description: '192.0.2.53:53', trust: null } }))).toBe(
      'not judged (resolver 192.0.2.53:53 not trusted: --trust-ad)',
    );
  });

  it('a trusted resolver, named or on loopback, is judged', () => {
    expect(daneText(section([host('mx1.example.test', 'match')], { resolver: { description: '192.0.2.53:53', trust: 'named' } }))).toBe('matches (mx1.example.test)');
  });

  it('MX not signed: DANE not in use; MX failing: its status and RCODE or error', () => {
    const mxOf = (over: Partial<SecureLookup>) => section([host('mx1.example.test', 'match')], { mx: lookup('example.test', 'MX', over) });
    expect(daneText(mxOf({ status: 'insecure', ad: false }))).toBe('not in use (the MX records are not DNSSEC-signed)');
    expect(daneText(mxOf({ status: 'bogus', rcode: 'SERVFAIL', ad: false }))).toBe('MX lookup bogus (SERVFAIL)');
    expect(daneText(mxOf({ status: 'error', rcode: null, ad: false, error: 'timeout' }))).toBe('MX lookup error (timeout)');
    expect(daneText(mxOf({ status: 'error', rcode: 'REFUSED', ad: false, error: 'ignored' }))).toBe('MX lookup error (REFUSED)');
    expect(daneText(mxOf({ status: 'error', rcode: null, ad: false, error: null }))).toBe('MX lookup error (?)');
  });

  it('a secure MX, or none (a host given directly), goes on to the hosts', () => {
    expect(daneText(section([host('mx1.example.test', 'no-match')], { mx: null }))).toBe('NO MATCH (mx1.example.test)');
    expect(daneText(section([]))).toBe('no MX hosts');
    expect(daneText(section([], { mx: null }))).toBe('no MX hosts');
  });

  it('hostile names and resolver descriptions are escaped', () => {
    expect(daneText(section([host('mx\x1b[31m.example.test', 'match')]))).toBe('matches (mx\\x1b[31m.example.test)');
    expect(daneText(section([host('a\u202e.test', 'match'), host('b\x07.test', 'bogus')]))).toBe('matches: a\\u{202e}.test · BOGUS: b\\x07.test');
    expect(daneText(section([], { resolver: { description: 'r\x1b]0;x\x07', trust: null } }))).toBe('not judged (resolver r\\x1b]0;x\\x07 not trusted: --trust-ad)');
    expect(daneText(section([], { mx: lookup('example.test', 'MX', { status: 'error', rcode: null, error: 'bad\r\nthing' }) }))).toBe('MX lookup error (bad\\r\\nthing)');
  });
});

describe('daneLine', () => {
  it('"DANE  " dimmed, then the summary', () => {
    expect(daneLine(one('match'))).toEqual({ depth: 0, parts: [{ dim: 'DANE  ' }, 'matches (mx1.example.test)'] });
    expect(daneLine(section([]))).toEqual({ depth: 0, parts: [{ dim: 'DANE  ' }, 'no MX hosts'] });
  });
});

describe('daneDetails: the details section', () => {
  const MX = 'mx1.example.test';
  const TLSA = `_25._tcp.${MX}`;

  it('resolver and trust, the MX lookup, each host with its lookups and records', () => {
    const s = section([host(MX, 'match')]);
    expect(daneDetails(s)).toEqual({
      heading: 'DANE',
      lines: [
        line(0, { dim: 'resolver 127.0.0.1:53 (on this machine: its AD bit is believed); TLSA for port 25' }),
        line(0, 'MX example.test ', { dim: '→ NOERROR (AD): ' }, 'secure'),
        line(0, { bold: MX }, { dim: ' matches' }),
        line(1, `A ${MX} `, { dim: '→ NOERROR (AD): ' }, 'secure'),
        line(1, `TLSA ${TLSA} `, { dim: '→ NOERROR (AD): ' }, 'secure'),
        line(2, `3 1 1 ${NOTHING}`),
      ],
    });
  });

  it('trust named, trust null; another port; no MX lookup (a host given directly)', () => {
    const named = daneDetails(section([], { resolver: { description: '192.0.2.53:53', trust: 'named' }, port: 587, mx: null }));
    expect(named.lines).toEqual([line(0, { dim: 'resolver 192.0.2.53:53 (named as validating (--trust-ad)); TLSA for port 587' })]);
    const none = daneDetails(section([], { resolver: { description: '192.0.2.53:53', trust: null }, mx: null }));
    expect(none.lines).toEqual([line(0, { dim: 'resolver 192.0.2.53:53 (NOT trusted: its AD bit is ignored); TLSA for port 25' })]);
  });

  it('a lookup not secure: its status in bold; no answer: the error, else "no answer"; no AD: no "(AD)"', () => {
    const lines = (mx: SecureLookup) => daneDetails(section([], { mx })).lines[1];
    expect(lines(lookup('example.test', 'MX', { ad: false, status: 'insecure' }))).toEqual(line(0, 'MX example.test ', { dim: '→ NOERROR: ' }, { bold: 'insecure' }));
    expect(lines(lookup('example.test', 'MX', { rcode: null, ad: false, status: 'error', error: 'timeout' }))).toEqual(line(0, 'MX example.test ', { dim: '→ timeout: ' }, { bold: 'error' }));
    expect(lines(lookup('example.test', 'MX', { rcode: null, ad: false, status: 'error', error: null }))).toEqual(line(0, 'MX example.test ', { dim: '→ no answer: ' }, { bold: 'error' }));
    expect(lines(lookup('example.test', 'MX', { rcode: 'NXDOMAIN', ad: true, status: 'secure', error: 'not shown' }))).toEqual(line(0, 'MX example.test ', { dim: '→ NXDOMAIN (AD): ' }, 'secure'));
  });

  it('CNAMEs, EDE with and without text, the CD RCODE: after the answer, comma-separated', () => {
    const mx = lookup('example.test', 'MX', {
      rcode: 'SERVFAIL',
      ad: false,
      status: 'bogus',
      cnames: ['a.example.test', 'b.example.test'],
      ede: [
        { code: 6, text: 'DNSSEC Bogus' },
        { code: 9, text: '' },
      ],
      cdRcode: 'NOERROR',
    });
    expect(daneDetails(section([], { mx })).lines[1]).toEqual(
      line(0, 'MX example.test ', { dim: '→ SERVFAIL, via CNAME a.example.test → b.example.test, EDE 6 DNSSEC Bogus, EDE 9, with CD: NOERROR: ' }, { bold: 'bogus' }),
    );
    const onlyCd = lookup('example.test', 'MX', { rcode: 'SERVFAIL', ad: false, status: 'error', cdRcode: 'SERVFAIL' });
    expect(daneDetails(section([], { mx: onlyCd })).lines[1]).toEqual(line(0, 'MX example.test ', { dim: '→ SERVFAIL, with CD: SERVFAIL: ' }, { bold: 'error' }));
    const onlyEde = lookup('example.test', 'MX', { ede: [{ code: 3, text: 'stale' }] });
    expect(daneDetails(section([], { mx: onlyEde })).lines[1]).toEqual(line(0, 'MX example.test ', { dim: '→ NOERROR (AD), EDE 3 stale: ' }, 'secure'));
  });

  it('a host: no state word when null, why its TLSA was skipped, AAAA and both TLSA lookups at depth 1', () => {
    const h = daneHost(MX, [], {
      addresses: [lookup(MX, 'A', { ad: false, status: 'insecure' }), lookup(MX, 'AAAA', { ad: false, status: 'insecure' })],
      tlsa: [],
      skipped: 'address-insecure',
      state: 'insecure',
    });
    expect(daneDetails(section([h], { mx: null })).lines.slice(1)).toEqual([
      line(0, { bold: MX }, { dim: ' not signed (TLSA not looked up: address-insecure)' }),
      line(1, `A ${MX} `, { dim: '→ NOERROR: ' }, { bold: 'insecure' }),
      line(1, `AAAA ${MX} `, { dim: '→ NOERROR: ' }, { bold: 'insecure' }),
    ]);
    const unjudged = daneHost(MX, [], { addresses: [], tlsa: [], skipped: 'mx-insecure', state: null });
    // Unjudged facts: no state word, one space before the parenthesis.
    expect(daneDetails(section([unjudged], { mx: null })).lines.slice(1)).toEqual([line(0, { bold: MX }, { dim: ' (TLSA not looked up: mx-insecure)' })]);
    const nothing = daneHost(MX, [], { addresses: [], tlsa: [], state: null });
    expect(daneDetails(section([nothing], { mx: null })).lines.slice(1)).toEqual([line(0, { bold: MX }, { dim: '' })]);
  });

  it('the TLSA base domain is shown where it is not the MX name (a CNAME target)', () => {
    const target = 'mail.hoster.test';
    const h = daneHost(MX, [R1], {
      addresses: [lookup(MX, 'A', { cnames: [target] })],
      tlsa: [lookup(`_25._tcp.${target}`, 'TLSA', { records: [`3 1 1 ${NOTHING}`] })],
      base: target,
      state: 'no-match',
    });
    expect(daneDetails(section([h], { mx: null })).lines.slice(1)).toEqual([
      line(0, { bold: MX }, { dim: ' NO MATCH' }),
      line(1, `A ${MX} `, { dim: `→ NOERROR (AD), via CNAME ${target}: ` }, 'secure'),
      line(1, `TLSA _25._tcp.${target} `, { dim: '→ NOERROR (AD): ' }, 'secure'),
      line(1, { dim: 'TLSA base domain (and SNI) ' }, target),
      line(2, `3 1 1 ${NOTHING}`),
    ]);
    // base === mx, and base null: no such line.
    expect(daneDetails(section([host(MX, 'match', { base: MX })], { mx: null })).lines.some((l) => plainParts(l.parts).startsWith('TLSA base'))).toBe(false);
    expect(daneDetails(section([host(MX, 'match', { base: null })], { mx: null })).lines.some((l) => plainParts(l.parts).startsWith('TLSA base'))).toBe(false);
  });

  it('at most 20 records; more as "… N more"', () => {
    const records = (n: number) => Array.from({ length: n }, (_, i) => tlsa(3, 1, 1, i.toString(16).toUpperCase().padStart(64, '0')));
    const recordLines = (n: number) => daneDetails(section([daneHost(MX, records(n), { addresses: [], tlsa: [], state: 'match' })], { mx: null })).lines.slice(2);
    expect(recordLines(20)).toEqual(records(20).map((r) => line(2, `3 1 1 ${r.data}`)));
    const twentyOne = recordLines(21);
    expect(twentyOne).toHaveLength(21);
    expect(twentyOne.slice(0, 20)).toEqual(records(20).map((r) => line(2, `3 1 1 ${r.data}`)));
    expect(twentyOne[20]).toEqual(line(2, { dim: '… 1 more' }));
    expect(recordLines(25).at(-1)).toEqual(line(2, { dim: '… 5 more' }));
    expect(recordLines(25)).toHaveLength(21);
    expect(recordLines(0)).toEqual([]);
  });

  it('several hosts, each after the other', () => {
    const s = section([host('a.example.test', 'match', { addresses: [], tlsa: [], records: [] }), host('b.example.test', 'bogus', { addresses: [], tlsa: [], records: [] })], { mx: null });
    expect(daneDetails(s).lines.slice(1)).toEqual([line(0, { bold: 'a.example.test' }, { dim: ' matches' }), line(0, { bold: 'b.example.test' }, { dim: ' BOGUS' })]);
  });

  it('hostile text in names, CNAMEs, EDE text, errors, records and the resolver is escaped', () => {
    const evil = 'x\x1b[2J\u202e\x00y';
    const shownEvil = 'x\\x1b[2J\\u{202e}\\x00y';
    const mx = lookup(`${evil}.test`, 'MX', { rcode: null, ad: false, status: 'error', error: evil, cnames: [evil], ede: [{ code: 0, text: evil }] });
    const h = daneHost(evil, [tlsa(3, 1, 1, evil)], { addresses: [], tlsa: [], base: `${evil}.base`, state: 'no-match' });
    const d = daneDetails(section([h], { mx, resolver: { description: evil, trust: 'loopback' } }));
    expect(d.lines).toEqual([
      line(0, { dim: `resolver ${shownEvil} (on this machine: its AD bit is believed); TLSA for port 25` }),
      line(0, `MX ${shownEvil}.test `, { dim: `→ ${shownEvil}, via CNAME ${shownEvil}, EDE 0 ${shownEvil}: ` }, { bold: 'error' }),
      line(0, { bold: shownEvil }, { dim: ' NO MATCH' }),
      line(1, { dim: 'TLSA base domain (and SNI) ' }, `${shownEvil}.base`),
      line(2, `3 1 1 ${shownEvil}`),
    ]);
    for (const l of d.lines) expect(plainParts(l.parts)).not.toMatch(/[\x00-\x1f\u202e]/);
  });
});
