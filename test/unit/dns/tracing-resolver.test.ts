// traceResolver: every query and its answer or error as one 'dns' transcript line, the answer
// itself passed through untouched.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import type { MxAnswer, Resolver } from '../../../src/core/context.js';
import { DnsError } from '../../../src/core/errors.js';
import { Transcript } from '../../../src/core/transcript.js';
import { traceResolver } from '../../../src/dns/tracing-resolver.js';
import { fail, fakeResolver, type Outcome } from './fake-resolver.js';

function traced(table: Readonly<Record<string, Outcome>>, inner: Resolver = fakeResolver(table)): { resolver: Resolver; lines: () => string[]; transcript: Transcript } {
  const transcript = new Transcript(fixedClock(0));
  return { resolver: traceResolver(inner, transcript), transcript, lines: () => transcript.events.map((e) => e.text) };
}

const hosts = (n: number, from = 1): string[] => Array.from({ length: n }, (_, i) => `192.0.2.${from + i}`);

describe('traceResolver', () => {
  it('records each query as a dns event on the dns connection', async () => {
    const { resolver, transcript } = traced({ 'A mx.example.test': ['192.0.2.1', '192.0.2.2'] });
    expect(await resolver.a('mx.example.test')).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(transcript.events).toEqual([{ seq: 0, t: 0, conn: 'dns', kind: 'dns', text: 'A mx.example.test → 192.0.2.1, 192.0.2.2' }]);
  });

  it('names each query type', async () => {
    const { resolver, lines } = traced({
      'AAAA mx.example.test': ['2001:db8::1'],
      'CNAME alias.example.test': ['mx.example.test'],
      'PTR 192.0.2.1': ['mx.example.test'],
    });
    expect(await resolver.aaaa('mx.example.test')).toEqual(['2001:db8::1']);
    expect(await resolver.cname('alias.example.test')).toEqual(['mx.example.test']);
    expect(await resolver.ptr('192.0.2.1')).toEqual(['mx.example.test']);
    expect(lines()).toEqual(['AAAA mx.example.test → 2001:db8::1', 'CNAME alias.example.test → mx.example.test', 'PTR 192.0.2.1 → mx.example.test']);
  });

  it('shows MX answers in preference order, then by name, and returns them as the server gave them', async () => {
    const answer: MxAnswer[] = [
      { exchange: 'mx2.example.test', priority: 20 },
      { exchange: 'mx1.example.test', priority: 10 },
      { exchange: 'mx0.example.test', priority: 20 },
      { exchange: 'mx9.example.test', priority: 5 },
    ];
    const { resolver, lines } = traced({ 'MX example.test': answer });
    expect(await resolver.mx('example.test')).toEqual(answer);
    expect(lines()).toEqual(['MX example.test → 5 mx9.example.test, 10 mx1.example.test, 20 mx0.example.test, 20 mx2.example.test']);
  });

  it('orders equal preferences by name whatever order they came in', async () => {
    const names = ['b.example.test', 'a.example.test', 'c.example.test'];
    for (const order of [names, [...names].sort(), [...names].sort().reverse()]) {
      const { resolver, lines } = traced({ 'MX example.test': order.map((exchange) => ({ exchange, priority: 10 })) });
      await resolver.mx('example.test');
      expect(lines(), order.join()).toEqual(['MX example.test → 10 a.example.test, 10 b.example.test, 10 c.example.test']);
    }
  });

  it('writes a null MX as "."', async () => {
    const { resolver, lines } = traced({ 'MX a.test': [{ exchange: '', priority: 0 }], 'MX b.test': [{ exchange: '.', priority: 0 }] });
    await resolver.mx('a.test');
    await resolver.mx('b.test');
    expect(lines()).toEqual(['MX a.test → 0 .', 'MX b.test → 0 .']);
  });

  it('says when the answer is empty', async () => {
    const { resolver, lines } = traced({ 'MX example.test': [], 'A example.test': [] });
    expect(await resolver.mx('example.test')).toEqual([]);
    expect(await resolver.a('example.test')).toEqual([]);
    expect(lines()).toEqual(['MX example.test → (no records)', 'A example.test → (no records)']);
  });

  it('shows at most 20 records, then how many there were', async () => {
    const { resolver, lines } = traced({ 'A twenty.test': hosts(20), 'A many.test': hosts(25) });
    expect(await resolver.a('twenty.test')).toEqual(hosts(20));
    expect(await resolver.a('many.test')).toEqual(hosts(25));
    expect(lines()).toEqual([`A twenty.test → ${hosts(20).join(', ')}`, `A many.test → ${hosts(20).join(', ')}, … (25 in all)`]);
  });

  it('caps MX answers after ordering them', async () => {
    const answer = Array.from({ length: 21 }, (_, i) => ({ exchange: `mx${i}.example.test`, priority: 100 - i }));
    const { resolver, lines } = traced({ 'MX example.test': answer });
    await resolver.mx('example.test');
    const shown = Array.from({ length: 20 }, (_, i) => `${80 + i} mx${20 - i}.example.test`);
    expect(lines()).toEqual([`MX example.test → ${shown.join(', ')}, … (21 in all)`]);
  });

  it('records a DNS failure by its code and rethrows the same error', async () => {
    const { resolver, lines } = traced({
      'TXT nodata.test': ['x'],
      'A servfail.test': fail('SERVFAIL'),
      'AAAA odd.test': fail('OTHER', 'AAAA odd.test: EBADRESP'),
    });
    await expect(resolver.a('ghost.test')).rejects.toMatchObject({ code: 'NXDOMAIN', qname: 'ghost.test', qtype: 'A' });
    await expect(resolver.mx('nodata.test')).rejects.toMatchObject({ code: 'NODATA' });
    await expect(resolver.a('servfail.test')).rejects.toMatchObject({ code: 'SERVFAIL' });
    await expect(resolver.aaaa('odd.test')).rejects.toMatchObject({ code: 'OTHER' });
    expect(lines()).toEqual([
      'A ghost.test → NXDOMAIN',
      'MX nodata.test → NODATA',
      'A servfail.test → SERVFAIL',
      'AAAA odd.test → error: AAAA odd.test: EBADRESP',
    ]);
  });

  it('records an exception that is not a DNS outcome, and rethrows it unchanged', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    const inner: Resolver = { ...fakeResolver({ 'CNAME x.test': bug }), ptr: () => Promise.reject('no PTR today') };
    const { resolver, lines } = traced({}, inner);
    await expect(resolver.cname('x.test')).rejects.toBe(bug);
    await expect(resolver.ptr('192.0.2.1')).rejects.toBe('no PTR today');
    expect(lines()).toEqual(['CNAME x.test → error: cannot read properties of undefined', 'PTR 192.0.2.1 → error: no PTR today']);
  });

  it('keeps the inner resolver description', () => {
    expect(traced({}, fakeResolver({}, '127.0.0.1:5353')).resolver.description).toBe('127.0.0.1:5353');
  });

  it('a DnsError made without a message still shows its code', async () => {
    const inner: Resolver = { ...fakeResolver({}), a: (name) => Promise.reject(new DnsError('TIMEOUT', name, 'A')) };
    const { resolver, lines } = traced({}, inner);
    await expect(resolver.a('slow.test')).rejects.toBeInstanceOf(DnsError);
    expect(lines()).toEqual(['A slow.test → TIMEOUT']);
  });
});
