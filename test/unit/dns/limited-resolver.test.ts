// limitQueries: at most N DNS queries of one test in flight, the others waiting their turn in the
// order asked; answers and failures pass through unchanged.
import { describe, expect, it } from 'vitest';
import type { MxAnswer, Resolver } from '../../../src/core/context.js';
import { DnsError } from '../../../src/core/errors.js';
import { limitQueries } from '../../../src/dns/limited-resolver.js';

/** A resolver whose every query waits until the test releases it; it records the most in flight at once. */
function heldResolver() {
  const waiting: { query: string; release: () => void }[] = [];
  const state = { active: 0, peak: 0, started: [] as string[] };
  const hold = <T>(query: string, value: T): Promise<T> => {
    state.started.push(query);
    state.peak = Math.max(state.peak, ++state.active);
    return new Promise<T>((resolve) => {
      waiting.push({
        query,
        release: () => {
          state.active--;
          resolve(value);
        },
      });
    });
  };
  const resolver: Resolver = {
    description: 'held 192.0.2.53',
    mx: (name) => hold<MxAnswer[]>(`MX ${name}`, [{ exchange: `mx.${name}`, priority: 10 }]),
    a: (name) => hold(`A ${name}`, ['192.0.2.1']),
    aaaa: (name) => hold(`AAAA ${name}`, ['2001:db8::1']),
    cname: (name) => hold(`CNAME ${name}`, [`alias.${name}`]),
    txt: () => Promise.resolve([]), ptr: (address) => hold(`PTR ${address}`, [`ptr.${address}`]),
  };
  return { resolver, waiting, state };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('limitQueries', () => {
  it('keeps at most N queries in flight; the rest start in the order asked as earlier ones end', async () => {
    const { resolver, waiting, state } = heldResolver();
    const limited = limitQueries(resolver, 3);
    const names = Array.from({ length: 10 }, (_, i) => `h${i}.test`);
    const answers = Promise.all(names.map((n) => limited.a(n)));
    await settle();
    expect(state.started).toEqual(['A h0.test', 'A h1.test', 'A h2.test']);
    while (waiting.length) {
      waiting.shift()!.release();
      await settle();
    }
    expect(await answers).toEqual(names.map(() => ['192.0.2.1']));
    expect(state.started).toEqual(names.map((n) => `A ${n}`));
    expect(state.peak).toBe(3);
  });

  it('every query type goes through the same limit, and answers come back unchanged', async () => {
    const { resolver, waiting, state } = heldResolver();
    const limited = limitQueries(resolver, 2);
    expect(limited.description).toBe('held 192.0.2.53');
    const all = Promise.all([limited.mx('x.test'), limited.a('x.test'), limited.aaaa('x.test'), limited.cname('x.test'), limited.ptr('192.0.2.9')]);
    await settle();
    expect(state.started).toEqual(['MX x.test', 'A x.test']);
    while (waiting.length) {
      waiting.shift()!.release();
      await settle();
    }
    expect(await all).toEqual([[{ exchange: 'mx.x.test', priority: 10 }], ['192.0.2.1'], ['2001:db8::1'], ['alias.x.test'], ['ptr.192.0.2.9']]);
    expect(state.peak).toBe(2);
  });

  it('a failed query passes its DnsError on and frees its slot', async () => {
    const failing: Resolver = {
      description: 'failing',
      mx: (name) => Promise.reject(new DnsError('SERVFAIL', name, 'MX')),
      a: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'A')),
      aaaa: () => Promise.resolve(['2001:db8::1']),
      cname: () => Promise.resolve([]),
      txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
    };
    const limited = limitQueries(failing, 1);
    await expect(limited.mx('x.test')).rejects.toMatchObject({ code: 'SERVFAIL', qname: 'x.test', qtype: 'MX' });
    await expect(limited.a('x.test')).rejects.toMatchObject({ code: 'NXDOMAIN' });
    expect(await limited.aaaa('x.test')).toEqual(['2001:db8::1']);
  });

  it('refuses a limit that is not a whole number of at least 1', () => {
    const { resolver } = heldResolver();
    for (const n of [0, -1, 1.5, Number.NaN]) expect(() => limitQueries(resolver, n), String(n)).toThrow(RangeError);
    expect(() => limitQueries(resolver, 0)).toThrow('DNS queries at once must be a whole number of at least 1, not 0');
  });
});
