// lookupDnsbl over a fake resolver: how each DNS outcome becomes a lookup's status, the hostile
// answer bounds (codes, TXT records and lengths), the bounds on addresses, lookups and lookups at
// once, the abort signal, and our own bugs propagating instead of reading as "not listed".
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import type { Resolver } from '../../../src/core/context.js';
import { DnsError } from '../../../src/core/errors.js';
import { Transcript } from '../../../src/core/transcript.js';
import { lookupDnsbl } from '../../../src/jobs/blocklist/lookup-dnsbl.js';

type Answer = string[] | DnsError | Error | (() => Promise<string[]>);

function fakeResolver(a: (name: string) => Answer, txt: (name: string) => string[][] | DnsError = () => []): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const fail = (): never => {
    throw new Error('not used');
  };
  return {
    description: '127.0.0.1:5353',
    asked,
    a: async (name) => {
      asked.push(`A ${name}`);
      const r = a(name);
      if (typeof r === 'function') return r();
      if (r instanceof Error) throw r;
      return r;
    },
    txt: async (name) => {
      asked.push(`TXT ${name}`);
      const r = txt(name);
      if (r instanceof Error) throw r;
      return r;
    },
    aaaa: fail,
    mx: fail,
    cname: fail,
    ptr: fail,
  };
}

const dnsError = (code: ConstructorParameters<typeof DnsError>[0]) => new DnsError(code, 'x', 'A');

describe('lookupDnsbl', () => {
  it('each DNS outcome as a status: NXDOMAIN and NODATA not listed, REFUSED refused, SERVFAIL and time-out errors', async () => {
    const outcome: Record<string, Answer> = {
      'nx.example': dnsError('NXDOMAIN'),
      'nodata.example': dnsError('NODATA'),
      'refused.example': dnsError('REFUSED'),
      'servfail.example': dnsError('SERVFAIL'),
      'slow.example': dnsError('TIMEOUT'),
      'other.example': new DnsError('OTHER', 'x', 'A', 'A x: EBADRESP'),
      'empty.example': [],
    };
    const r = fakeResolver((name) => outcome[name.split('.').slice(4).join('.')] ?? []);
    const s = await lookupDnsbl(r, ['192.0.2.1'], Object.keys(outcome));
    expect(s.addresses[0]?.lookups.map((l) => [l.zone, l.status, l.error])).toEqual([
      ['nx.example', 'not-listed', null],
      ['nodata.example', 'not-listed', null],
      ['refused.example', 'refused', 'REFUSED'],
      ['servfail.example', 'error', 'SERVFAIL'],
      ['slow.example', 'error', 'TIMEOUT'],
      ['other.example', 'error', 'A x: EBADRESP'],
      ['empty.example', 'not-listed', null],
    ]);
    // No TXT query without a listing.
    expect(r.asked.filter((q) => q.startsWith('TXT'))).toEqual([]);
  });

  it('a listing: the codes as answered and the TXT reason, each record’s strings joined', async () => {
    const r = fakeResolver(() => ['127.0.0.2', '127.0.0.4'], () => [['Listed: see ', 'https://bl.example/q?1.2.3.4']]);
    const s = await lookupDnsbl(r, [{ address: '192.0.2.1', source: 'mx', mx: 'mx1.example.test' }], ['zen.spamhaus.org']);
    expect(s).toEqual({
      resolver: '127.0.0.1:5353',
      zones: ['zen.spamhaus.org'],
      addresses: [
        {
          address: '192.0.2.1',
          source: 'mx',
          mx: 'mx1.example.test',
          lookups: [{ zone: 'zen.spamhaus.org', query: '1.2.0.192.zen.spamhaus.org', status: 'listed', codes: ['127.0.0.2', '127.0.0.4'], txt: ['Listed: see https://bl.example/q?1.2.3.4'], error: null }],
        },
      ],
    });
  });

  it('a listing whose TXT query fails is still a listing', async () => {
    const s = await lookupDnsbl(fakeResolver(() => ['127.0.0.2'], () => dnsError('SERVFAIL')), ['192.0.2.1'], ['bl.example.net']);
    expect(s.addresses[0]?.lookups[0]).toMatchObject({ status: 'listed', txt: [] });
  });

  it('Spamhaus 127.255.255.254 is refused, never listed, and no TXT is asked; .252 an error; an answer outside 127/8 an error that says "dead"', async () => {
    const codes: Record<string, string[]> = { 'zen.spamhaus.org': ['127.255.255.254'], 'typo.spamhaus.org': ['127.255.255.252'], 'dead.example': ['198.51.100.80'], 'mixed.example': ['127.0.0.2', '203.0.113.9'] };
    const r = fakeResolver((name) => codes[name.split('.').slice(4).join('.')] ?? []);
    const s = await lookupDnsbl(r, ['192.0.2.1'], Object.keys(codes));
    const [zen, typo, dead, mixed] = s.addresses[0]?.lookups ?? [];
    expect([zen?.status, zen?.codes, zen?.error]).toEqual(['refused', ['127.255.255.254'], 'answered 127.255.255.254: query refused: it came through a public or open resolver (or one the list cannot attribute)']);
    expect(typo?.status).toBe('error');
    expect(dead?.status).toBe('error');
    expect(dead?.error).toBe('the list answered a non-list address (198.51.100.80): the zone may be dead and wildcarded');
    // One wildcard address among list codes is enough to distrust the whole answer.
    expect(mixed?.status).toBe('error');
    expect(r.asked.filter((q) => q.startsWith('TXT'))).toEqual([]);
  });

  it('hostile answers are bounded: 64 codes, 16 TXT records of at most 1024 characters', async () => {
    const many = Array.from({ length: 300 }, (_, i) => `127.0.${i >> 8}.${(i % 250) + 2}`);
    const r = fakeResolver(() => many, () => Array.from({ length: 40 }, () => Array.from({ length: 100 }, () => 'x'.repeat(255))));
    const l = (await lookupDnsbl(r, ['192.0.2.1'], ['bl.example.net'])).addresses[0]?.lookups[0];
    expect(l?.codes).toHaveLength(64);
    expect(l?.txt).toHaveLength(16);
    expect(l?.txt.every((t) => t.length === 1024 && t.endsWith('…'))).toBe(true);
  });

  it('IPv6: only the lists that answer IPv6 are asked, the others said; repeats (any spelling, ::ffff:-mapped) asked once', async () => {
    const r = fakeResolver(() => dnsError('NXDOMAIN'));
    const s = await lookupDnsbl(r, ['2001:db8::1', '2001:DB8:0:0::1', '::ffff:192.0.2.1', '192.0.2.1'], ['zen.spamhaus.org', 'bl.spamcop.net', 'bl.example.net']);
    expect(s.addresses.map((a) => [a.address, a.lookups.map((l) => l.zone), a.notAsked])).toEqual([
      ['2001:db8::1', ['zen.spamhaus.org', 'bl.example.net'], ['bl.spamcop.net']],
      ['192.0.2.1', ['zen.spamhaus.org', 'bl.spamcop.net', 'bl.example.net'], undefined],
    ]);
    expect(s.addresses[0]?.lookups[0]?.query).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org');
  });

  it('bounded: addresses and A queries beyond the bounds are left out and said', async () => {
    const r = fakeResolver(() => dnsError('NXDOMAIN'));
    const addresses = Array.from({ length: 10 }, (_, i) => `192.0.2.${i + 1}`);
    const byAddresses = await lookupDnsbl(r, addresses, ['a.example', 'b.example'], { maxAddresses: 3 });
    expect(byAddresses.addresses.map((a) => a.address)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    expect(byAddresses.leftOut).toHaveLength(7);
    const byLookups = await lookupDnsbl(r, addresses, ['a.example', 'b.example'], { maxLookups: 5 });
    expect(byLookups.addresses).toHaveLength(2);
    expect(byLookups.leftOut?.[0]).toBe('192.0.2.3');
    // The schema's bound holds whatever the caller asks.
    const wide = await lookupDnsbl(r, Array.from({ length: 100 }, (_, i) => `198.51.100.${i}`), ['a.example'], { maxAddresses: 1000, maxLookups: 1000 });
    expect(wide.addresses).toHaveLength(64);
  });

  it('at most `atOnce` lookups in flight', async () => {
    let now = 0;
    let most = 0;
    const r = fakeResolver(() => async () => {
      now++;
      most = Math.max(most, now);
      await new Promise((resolve) => setImmediate(resolve));
      now--;
      throw dnsError('NXDOMAIN');
    });
    await lookupDnsbl(r, ['192.0.2.1', '192.0.2.2', '192.0.2.3'], ['a.example', 'b.example', 'c.example', 'd.example'], { atOnce: 3 });
    expect(most).toBe(3);
  });

  it('the signal: a query in flight and those not yet asked end as "stopped", without waiting for the resolver', async () => {
    const stop = new AbortController();
    const r = fakeResolver(() => () => new Promise<string[]>(() => {}));
    const running = lookupDnsbl(r, ['192.0.2.1'], ['a.example', 'b.example'], { signal: stop.signal, atOnce: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    const s = await running;
    expect(s.addresses[0]?.lookups.map((l) => [l.status, l.error])).toEqual([
      ['error', 'not answered: stopped by mxray (deadline or cancel)'],
      ['error', 'not answered: stopped by mxray (deadline or cancel)'],
    ]);
    // Only the first was asked: the second found the signal aborted.
    expect(r.asked).toEqual(['A 1.2.0.192.a.example']);
  });

  it('a resolver that throws something else than a DnsError is our bug: it propagates', async () => {
    await expect(lookupDnsbl(fakeResolver(() => new TypeError('boom')), ['192.0.2.1'], ['a.example'])).rejects.toThrow('boom');
    await expect(lookupDnsbl(fakeResolver(() => ['127.0.0.2'], () => new TypeError('txt boom') as never), ['192.0.2.1'], ['a.example'])).rejects.toThrow('txt boom');
  });

  it('with a transcript, every query and answer is in it', async () => {
    const transcript = new Transcript(fixedClock(0));
    await lookupDnsbl(fakeResolver(() => ['127.0.0.2'], () => [['why']]), ['192.0.2.1'], ['a.example'], { transcript });
    expect(transcript.events.map((e) => e.text)).toEqual(['A 1.2.0.192.a.example → 127.0.0.2', 'TXT 1.2.0.192.a.example → "why"']);
  });

  it('an address that is not one is the caller’s bug', async () => {
    await expect(lookupDnsbl(fakeResolver(() => []), ['mx.example.com'], ['a.example'])).rejects.toThrow(TypeError);
  });
});
