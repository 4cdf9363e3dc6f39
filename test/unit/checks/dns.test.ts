import { describe, expect, it } from 'vitest';
import { assessDns } from '../../../src/checks/dns/index.js';
import type { DnsFacts, MxRecord } from '../../../src/core/schema.js';
import { kbEntry } from '../../../src/kb/index.js';

const ctx = { domain: 'example.com', resolver: '127.0.0.1:5353', evidence: [3, 4] };

function mx(over: Partial<MxRecord> = {}): MxRecord {
  return { exchange: 'mx1.example.com', preference: 10, addresses: ['192.0.2.1'], cname: null, isIpLiteral: false, error: null, ...over };
}

function facts(status: DnsFacts['status'], records: MxRecord[] = [], error: string | null = null): DnsFacts {
  return { status, resolver: ctx.resolver, mx: records, error };
}

/** Each finding as [id, facts]. */
const found = (dns: DnsFacts, c: Parameters<typeof assessDns>[1] = ctx) => assessDns(dns, c).map((f) => [f.id, f.facts]);

describe('assessDns', () => {
  it('has nothing to say about healthy MX records', () => {
    expect(assessDns(facts('ok', [mx(), mx({ exchange: 'mx2.example.com', preference: 20 })]), ctx)).toEqual([]);
    expect(assessDns(facts('not-applicable'), { domain: null, resolver: 'system' })).toEqual([]);
  });

  it('reports a domain that does not exist', () => {
    const [f, ...rest] = assessDns(facts('nxdomain', [], 'NXDOMAIN'), ctx);
    expect(rest).toEqual([]);
    expect([f?.id, f?.facts, f?.evidence, f?.hosts]).toEqual(['dns.nxdomain', { domain: 'example.com' }, [3, 4], []]);
    expect(f?.severity).toBe(kbEntry('dns.nxdomain').severity);
  });

  it('reports a host target\'s lookup failures under the host name', () => {
    const hostCtx = { ...ctx, host: 'mx.example.net' };
    expect(found(facts('nxdomain'), hostCtx)).toEqual([['dns.nxdomain', { domain: 'mx.example.net' }]]);
    expect(found(facts('timeout'), { ...hostCtx, domain: null })).toEqual([['dns.timeout', { domain: 'mx.example.net', resolver: '127.0.0.1:5353' }]]);
    expect(found(facts('servfail'), { ...ctx, host: null })).toEqual([['dns.servfail', { domain: 'example.com', resolver: '127.0.0.1:5353' }]]);
  });

  it('reports SERVFAIL and time-outs with the resolver asked', () => {
    expect(found(facts('servfail'), ctx)).toEqual([['dns.servfail', { domain: 'example.com', resolver: '127.0.0.1:5353' }]]);
    expect(found(facts('timeout'), ctx)).toEqual([['dns.timeout', { domain: 'example.com', resolver: '127.0.0.1:5353' }]]);
  });

  it('reports the implicit MX with the addresses used', () => {
    const dns = facts('no-mx-implicit', [mx({ exchange: 'example.com', preference: 0, addresses: ['192.0.2.7', '2001:db8::7'] })]);
    expect(found(dns)).toEqual([['dns.no-mx', { domain: 'example.com', addresses: '192.0.2.7, 2001:db8::7' }]]);
  });

  it('reports no MX and no address as both', () => {
    const dns = facts('no-mx-implicit', [mx({ exchange: 'example.com', preference: 0, addresses: [], error: 'no MX record, and no A or AAAA record' })]);
    const found = assessDns(dns, ctx);
    expect(found.map((f) => f.id)).toEqual(['dns.no-mx', 'dns.mx-unresolved']);
    expect(found[0]?.facts).toEqual({ domain: 'example.com', addresses: 'none' });
    expect(found[1]?.facts).toEqual({ mx: 'example.com', error: 'no MX record, and no A or AAAA record' });
  });

  it('reports a null MX once, and nothing about its record', () => {
    expect(found(facts('null-mx', [mx({ exchange: '.', preference: 0, addresses: [] })]))).toEqual([['dns.null-mx', { domain: 'example.com' }]]);
  });

  it('reports MX hosts that are IP literals, aliases or without an address', () => {
    const dns = facts('ok', [
      mx(),
      mx({ exchange: '192.0.2.9', addresses: [], isIpLiteral: true }),
      mx({ exchange: 'alias.example.com', cname: 'real.example.net' }),
      mx({ exchange: 'ghost.example.com', addresses: [], error: 'the name does not exist (NXDOMAIN)' }),
    ]);
    const found = assessDns(dns, ctx);
    expect(found.map((f) => [f.id, f.facts])).toEqual([
      ['dns.mx-ip-literal', { mx: '192.0.2.9' }],
      ['dns.mx-cname', { mx: 'alias.example.com', cname: 'real.example.net' }],
      ['dns.mx-unresolved', { mx: 'ghost.example.com', error: 'the name does not exist (NXDOMAIN)' }],
    ]);
    expect(found.every((f) => f.evidence.join() === '3,4' && f.hosts.length === 0)).toBe(true);
  });

  it('takes the severity, texts and actor from the catalogue only', () => {
    const dns = facts('ok', [mx({ exchange: 'alias.example.com', cname: 'real.example.net' })]);
    const [f] = assessDns(dns, { domain: 'example.com', resolver: 'system' });
    const entry = kbEntry('dns.mx-cname');
    expect(f?.severity).toBe(entry.severity);
    expect(f?.actor).toBe(entry.actor);
    expect(f?.evidence).toEqual([]);
    expect(f?.title).not.toMatch(/\{[a-z]+\}/i);
    expect(f?.detail).not.toMatch(/\{[a-z]+\}/i);
  });

  it('does not touch its input', () => {
    const dns = facts('ok', [mx({ exchange: '192.0.2.9', addresses: [], isIpLiteral: true })]);
    const copy = structuredClone(dns);
    assessDns(dns, ctx);
    expect(dns).toEqual(copy);
  });

  it('reports other resolver errors as dns.error (never a silent pass)', () => {
    expect(found(facts('error', [], 'MX lookup: the resolver refused the query (REFUSED)'))).toEqual([
      ['dns.error', { domain: 'example.com', resolver: '127.0.0.1:5353', error: 'MX lookup: the resolver refused the query (REFUSED)' }],
    ]);
    expect(found(facts('error'))).toEqual([['dns.error', { domain: 'example.com', resolver: '127.0.0.1:5353', error: 'no usable answer' }]]);
  });
});
