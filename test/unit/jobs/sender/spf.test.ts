import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { SenderDnsSchema } from '../../../../src/core/sender-schema.js';
import { evaluateSpf, isSpfDomain, sameAddress, spfIdentity, unmapIPv4, type SpfOutcome } from '../../../../src/jobs/sender/spf.js';
import { fail, fakeDns, hang, txt, type Outcome } from './fake-dns.js';

const V4 = '192.0.2.10';
const V6 = '2001:db8::10';

/** SPF of example.com for the client, with MAIL FROM user@example.com. */
async function spf(table: Record<string, Outcome>, ip = V4, mailFrom = 'user@example.com', helo = 'mail.example.com'): Promise<SpfOutcome & { asked: string[] }> {
  const dns = fakeDns(table);
  const outcome = await evaluateSpf(dns, spfIdentity(ip, mailFrom, helo)!);
  return { ...outcome, asked: dns.asked };
}

const record = (text: string): Record<string, Outcome> => ({ 'TXT example.com': txt(text) });

describe('results by qualifier', () => {
  it('passes on an ip4 network holding the client', async () => {
    const r = await spf(record('v=spf1 ip4:192.0.2.0/24 -all'));
    expect(r).toEqual({ record: 'v=spf1 ip4:192.0.2.0/24 -all', result: 'pass', mechanism: 'ip4:192.0.2.0/24', lookups: 0, reason: null, names: [], asked: ['TXT example.com'] });
  });

  it('passes on an explicit "+" and on one ip4 address without length', async () => {
    expect((await spf(record('v=spf1 +ip4:192.0.2.10 -all'))).mechanism).toBe('+ip4:192.0.2.10');
    expect((await spf(record('v=spf1 ip4:192.0.2.11 -all'))).result).toBe('fail');
  });

  it('fails, softfails and is neutral by the qualifier of the matching term', async () => {
    expect(await spf(record('v=spf1 ip4:198.51.100.0/24 -all'))).toMatchObject({ result: 'fail', mechanism: '-all', reason: null });
    expect(await spf(record('v=spf1 ip4:198.51.100.0/24 ~all'))).toMatchObject({ result: 'softfail', mechanism: '~all' });
    expect(await spf(record('v=spf1 ?all'))).toMatchObject({ result: 'neutral', mechanism: '?all' });
    expect(await spf(record('v=spf1 -ip4:192.0.2.0/24 +all'))).toMatchObject({ result: 'fail', mechanism: '-ip4:192.0.2.0/24' });
  });

  it('is neutral when nothing matches and there is no redirect', async () => {
    expect(await spf(record('v=spf1 ip4:198.51.100.1'))).toMatchObject({ result: 'neutral', mechanism: null, reason: 'no mechanism matched in the SPF record of example.com' });
    expect(await spf(record('v=spf1'))).toMatchObject({ result: 'neutral', mechanism: null });
  });

  it('reads names and the version case-insensitively', async () => {
    expect(await spf(record('V=SPF1 IP4:192.0.2.0/24 -ALL'))).toMatchObject({ result: 'pass', mechanism: 'IP4:192.0.2.0/24' });
  });
});

describe('none and multiple records', () => {
  it('is none without a TXT record, for a name that does not exist, and without a v=spf1 record', async () => {
    expect(await spf({ 'MX example.com': [] })).toMatchObject({ result: 'none', record: null, reason: 'example.com has no SPF record', lookups: 0 });
    expect(await spf({})).toMatchObject({ result: 'none', reason: 'example.com does not exist' });
    expect(await spf({ 'TXT example.com': txt('v=spf10 -all', 'v=spf1x', 'google-site-verification=x') })).toMatchObject({ result: 'none', reason: 'example.com has no SPF record' });
  });

  it('joins a record split in strings', async () => {
    expect(await spf({ 'TXT example.com': [['v=spf1 ip4:192.0.2.0', '/24 -all']] })).toMatchObject({ result: 'pass', record: 'v=spf1 ip4:192.0.2.0/24 -all' });
  });

  it('is permerror with two SPF records', async () => {
    const r = await spf({ 'TXT example.com': txt('v=spf1 -all', 'v=spf1 ip4:192.0.2.0/24 -all') });
    expect(r).toMatchObject({ result: 'permerror', reason: 'example.com has 2 SPF records', mechanism: null, record: 'v=spf1 -all\nv=spf1 ip4:192.0.2.0/24 -all' });
  });

  it('is none for a domain SPF cannot check, without asking DNS', async () => {
    const r = await spf({}, V4, 'user@localhost');
    expect(r).toMatchObject({ result: 'none', asked: [] });
    expect(isSpfDomain('a..example')).toBe(false);
    expect(isSpfDomain(`${'x'.repeat(64)}.example`)).toBe(false);
    expect(isSpfDomain(`${'x'.repeat(63)}.example`)).toBe(true);
    expect(isSpfDomain('_spf.example.com')).toBe(true);
  });
});

describe('IPv6', () => {
  it('passes on ip6, and an IPv6 client never matches an ip4-only record', async () => {
    expect(await spf(record('v=spf1 ip6:2001:db8::/32 -all'), V6)).toMatchObject({ result: 'pass', mechanism: 'ip6:2001:db8::/32' });
    expect(await spf(record('v=spf1 ip4:0.0.0.0/0 -all'), V6)).toMatchObject({ result: 'fail', mechanism: '-all' });
    expect(await spf(record('v=spf1 ip6:::/0 -all'), V4)).toMatchObject({ result: 'fail', mechanism: '-all' });
  });

  it('takes an IPv4-mapped IPv6 client as its IPv4 address', async () => {
    expect(await spf(record('v=spf1 ip4:192.0.2.0/24 -all'), '::ffff:192.0.2.10')).toMatchObject({ result: 'pass' });
    expect(unmapIPv4('::ffff:c000:20a')).toBe('192.0.2.10');
    expect(unmapIPv4('2001:db8::1')).toBe('2001:db8::1');
    expect(unmapIPv4('::fffe:c000:20a')).toBe('::fffe:c000:20a');
    expect(sameAddress('2001:DB8:0::10', V6)).toBe(true);
    expect(sameAddress('2001:db8::11', V6)).toBe(false);
    expect(sameAddress('192.0.2.10', 'garbage')).toBe(false);
  });
});

describe('a and mx', () => {
  it('passes on a (the domain itself) and a:name, counting one lookup each', async () => {
    const bare = await spf({ ...record('v=spf1 a -all'), 'A example.com': [V4] });
    expect(bare).toMatchObject({ result: 'pass', mechanism: 'a', lookups: 1, names: ['example.com'] });
    const named = await spf({ ...record('v=spf1 a:out.example.net -all'), 'A out.example.net': ['198.51.100.1', V4] });
    expect(named).toMatchObject({ result: 'pass', mechanism: 'a:out.example.net', lookups: 1, names: ['out.example.net'] });
  });

  it('asks AAAA for an IPv6 client', async () => {
    const r = await spf({ ...record('v=spf1 a:out.example.net -all'), 'A out.example.net': [V4], 'AAAA out.example.net': [V6] }, V6);
    expect(r).toMatchObject({ result: 'pass', asked: ['TXT example.com', 'AAAA out.example.net'] });
  });

  it('applies a CIDR length to a: (a/24) and to mx: for IPv6 (mx//64)', async () => {
    expect(await spf({ ...record('v=spf1 a/24 -all'), 'A example.com': ['192.0.2.200'] })).toMatchObject({ result: 'pass', mechanism: 'a/24' });
    expect(await spf({ ...record('v=spf1 a -all'), 'A example.com': ['192.0.2.200'] })).toMatchObject({ result: 'fail' });
    const mx = { ...record('v=spf1 mx//64 -all'), 'MX example.com': [{ exchange: 'mx.example.com', priority: 10 }], 'AAAA mx.example.com': ['2001:db8::1'] };
    expect(await spf(mx, V6)).toMatchObject({ result: 'pass', mechanism: 'mx//64' });
    expect(await spf({ ...mx, 'TXT example.com': txt('v=spf1 mx -all') }, V6)).toMatchObject({ result: 'fail' });
    expect(await spf({ ...record('v=spf1 a:out.example.net/24//64 -all'), 'AAAA out.example.net': ['2001:db8::1'] }, V6)).toMatchObject({ result: 'pass' });
  });

  it('passes on mx, asking each MX host in preference order', async () => {
    const r = await spf({
      ...record('v=spf1 mx -all'),
      'MX example.com': [{ exchange: 'mx2.example.com.', priority: 20 }, { exchange: 'MX1.example.com', priority: 10 }],
      'A mx1.example.com': ['198.51.100.1'],
      'A mx2.example.com': [V4],
    });
    expect(r).toMatchObject({ result: 'pass', mechanism: 'mx', lookups: 1, asked: ['TXT example.com', 'MX example.com', 'A mx1.example.com', 'A mx2.example.com'] });
  });

  it('is permerror for an MX of more than 10 names, and fine with 10', async () => {
    const mx = (n: number) => Array.from({ length: n }, (_, i) => ({ exchange: `mx${i}.example.com`, priority: i }));
    const r = await spf({ ...record('v=spf1 mx:example.org -all'), 'MX example.org': mx(11) });
    expect(r).toMatchObject({ result: 'permerror', mechanism: 'mx:example.org', reason: 'mx:example.org: more than 10 MX names' });
    expect(await spf({ ...record('v=spf1 mx:example.org -all'), 'MX example.org': mx(10) })).toMatchObject({ result: 'fail', mechanism: '-all' });
  });

  it('is temperror when an MX host lookup fails before a match, and skips a null MX', async () => {
    const table = { ...record('v=spf1 mx -all'), 'MX example.com': [{ exchange: 'mx1.example.com', priority: 10 }, { exchange: 'mx2.example.com', priority: 20 }], 'A mx1.example.com': fail('SERVFAIL'), 'A mx2.example.com': [V4] };
    expect(await spf(table)).toMatchObject({ result: 'temperror', mechanism: 'mx', reason: 'A mx1.example.com: SERVFAIL' });
    expect(await spf({ ...record('v=spf1 mx ~all'), 'MX example.com': [{ exchange: '', priority: 0 }] })).toMatchObject({ result: 'softfail', asked: ['TXT example.com', 'MX example.com'] });
  });
});

describe('include and redirect', () => {
  it('passes through an include, naming the include term and what matched inside', async () => {
    const r = await spf({ ...record('v=spf1 include:_spf.example.net -all'), 'TXT _spf.example.net': txt('v=spf1 ip4:192.0.2.0/24 -all') });
    expect(r).toMatchObject({ result: 'pass', mechanism: 'include:_spf.example.net', lookups: 1, reason: 'ip4:192.0.2.0/24 in the SPF record of _spf.example.net', names: ['_spf.example.net'] });
  });

  it('names the innermost term through nested includes', async () => {
    const r = await spf({
      ...record('v=spf1 include:a.example.net -all'),
      'TXT a.example.net': txt('v=spf1 include:b.example.net -all'),
      'TXT b.example.net': txt('v=spf1 ip4:192.0.2.10 -all'),
    });
    expect(r).toMatchObject({ result: 'pass', mechanism: 'include:a.example.net', lookups: 2, reason: 'ip4:192.0.2.10 in the SPF record of b.example.net', names: ['a.example.net', 'b.example.net'] });
  });

  it('goes on past an include whose record fails, softfails or is neutral', async () => {
    for (const inner of ['-all', '~all', '?all', 'ip4:198.51.100.1']) {
      const r = await spf({ ...record('v=spf1 include:_spf.example.net ~all'), 'TXT _spf.example.net': txt(`v=spf1 ${inner}`) });
      expect(r).toMatchObject({ result: 'softfail', mechanism: '~all' });
    }
  });

  it('is permerror for an include without a record, or of a name that does not exist', async () => {
    const r = await spf({ ...record('v=spf1 include:_spf.example.net -all'), 'MX _spf.example.net': [] });
    expect(r).toMatchObject({ result: 'permerror', mechanism: 'include:_spf.example.net', reason: 'include:_spf.example.net: _spf.example.net has no SPF record', record: 'v=spf1 include:_spf.example.net -all' });
    expect(await spf(record('v=spf1 include:gone.example.net -all'))).toMatchObject({ result: 'permerror', reason: 'include:gone.example.net: gone.example.net does not exist' });
  });

  it('is permerror when an included record has a syntax error or two records', async () => {
    const broken = await spf({ ...record('v=spf1 include:_spf.example.net -all'), 'TXT _spf.example.net': txt('v=spf1 ip4:192.0.2.0/33') });
    expect(broken).toMatchObject({ result: 'permerror', mechanism: 'include:_spf.example.net', reason: 'include:_spf.example.net: ip4:192.0.2.0/33: bad CIDR length /33' });
    const two = await spf({ ...record('v=spf1 include:_spf.example.net -all'), 'TXT _spf.example.net': txt('v=spf1 -all', 'v=spf1 +all') });
    expect(two).toMatchObject({ result: 'permerror', reason: 'include:_spf.example.net: _spf.example.net has 2 SPF records' });
  });

  it('follows redirect= when nothing matched, with the result of the target', async () => {
    const table = { ...record('v=spf1 ip4:198.51.100.1 redirect=_spf.example.net'), 'TXT _spf.example.net': txt('v=spf1 ip4:192.0.2.0/24 ~all') };
    expect(await spf(table)).toMatchObject({ result: 'pass', mechanism: 'redirect=_spf.example.net', lookups: 1, reason: 'ip4:192.0.2.0/24 in the SPF record of _spf.example.net', names: ['_spf.example.net'] });
    expect(await spf(table, '198.51.100.2')).toMatchObject({ result: 'softfail', mechanism: 'redirect=_spf.example.net', reason: '~all in the SPF record of _spf.example.net' });
    expect(await spf(table, '198.51.100.1')).toMatchObject({ result: 'pass', mechanism: 'ip4:198.51.100.1', lookups: 0 });
  });

  it('ignores redirect= in a record with all, and is permerror for a redirect to no record', async () => {
    const withAll = await spf({ ...record('v=spf1 redirect=_spf.example.net ?all'), 'TXT _spf.example.net': txt('v=spf1 +all') });
    expect(withAll).toMatchObject({ result: 'neutral', mechanism: '?all', lookups: 0, asked: ['TXT example.com'] });
    expect(await spf(record('v=spf1 redirect=_spf.example.net'))).toMatchObject({ result: 'permerror', mechanism: 'redirect=_spf.example.net', reason: 'redirect=_spf.example.net: _spf.example.net does not exist' });
  });

  it('is permerror with two redirect= or two exp=, and ignores one exp= and unknown modifiers', async () => {
    expect(await spf(record('v=spf1 redirect=a.example.net redirect=b.example.net'))).toMatchObject({ result: 'permerror', reason: 'more than one redirect=' });
    expect(await spf(record('v=spf1 exp=a.example.net exp=b.example.net -all'))).toMatchObject({ result: 'permerror', reason: 'more than one exp=' });
    expect(await spf(record('v=spf1 exp=explain.example.com foo=bar ip4:192.0.2.10 -all'))).toMatchObject({ result: 'pass', asked: ['TXT example.com'] });
  });
});

describe('limits', () => {
  /** A chain of n includes before the client's network. */
  function chain(n: number): Record<string, Outcome> {
    const table: Record<string, Outcome> = { 'TXT example.com': txt('v=spf1 include:i1.example.net -all') };
    for (let i = 1; i <= n; i++) table[`TXT i${i}.example.net`] = txt(i < n ? `v=spf1 include:i${i + 1}.example.net -all` : 'v=spf1 ip4:192.0.2.10 -all');
    return table;
  }

  it('allows 10 DNS lookups and is permerror at the 11th', async () => {
    expect(await spf(chain(10))).toMatchObject({ result: 'pass', lookups: 10 });
    const over = await spf(chain(11));
    expect(over).toMatchObject({ result: 'permerror', lookups: 11, reason: 'more than 10 DNS lookups', mechanism: 'include:i1.example.net' });
    expect(over.asked).not.toContain('TXT i11.example.net');
  });

  it('counts a, mx, exists, ptr and include alike, and stops a record that includes itself', async () => {
    const many = await spf({ ...record(`v=spf1 ${'a:x.example.net '.repeat(5)}${'mx:x.example.net '.repeat(5)}exists:x.example.net -all`), 'A x.example.net': ['198.51.100.1'], 'MX x.example.net': [{ exchange: 'x.example.net', priority: 0 }] });
    expect(many).toMatchObject({ result: 'permerror', lookups: 11, mechanism: 'exists:x.example.net' });
    const loop = await spf(record('v=spf1 include:example.com -all'));
    expect(loop).toMatchObject({ result: 'permerror', lookups: 11, reason: 'more than 10 DNS lookups', mechanism: 'include:example.com' });
  });

  it('allows 2 void lookups and is permerror at the third', async () => {
    const two = await spf({ ...record('v=spf1 a:v1.example.net exists:v2.example.net -all'), 'MX v2.example.net': [] });
    expect(two).toMatchObject({ result: 'fail', lookups: 2 });
    const three = await spf(record('v=spf1 a:v1.example.net mx:v2.example.net exists:v3.example.net -all'));
    expect(three).toMatchObject({ result: 'permerror', reason: 'more than 2 void lookups', mechanism: 'exists:v3.example.net' });
    // An answer without records is void too.
    const empty = await spf({ ...record('v=spf1 a:v1.example.net a:v2.example.net a:v3.example.net -all'), 'A v1.example.net': [], 'A v2.example.net': [], 'A v3.example.net': [] });
    expect(empty).toMatchObject({ result: 'permerror', reason: 'more than 2 void lookups' });
  });

  it('keeps at most 50 names and caps the record at 2048 characters', async () => {
    const terms = Array.from({ length: 60 }, (_, i) => `?exists:n${i}.example.net`).join(' ');
    const r = await spf({ ...record(`v=spf1 ip4:192.0.2.10 ${terms} ${'x'.repeat(2000)}=1`) });
    expect(r.names).toHaveLength(50);
    expect(r.names[49]).toBe('n49.example.net');
    expect(r.record).toHaveLength(2048);
    expect(r.result).toBe('pass');
  });
});

describe('DNS failures', () => {
  it('is temperror when the record cannot be read (SERVFAIL, timeout)', async () => {
    expect(await spf({ 'TXT example.com': fail('SERVFAIL') })).toMatchObject({ result: 'temperror', reason: 'TXT example.com: SERVFAIL', record: null, mechanism: null });
    expect(await spf({ 'TXT example.com': fail('TIMEOUT') })).toMatchObject({ result: 'temperror', reason: 'TXT example.com: timeout' });
  });

  it('is temperror for a failed lookup of a mechanism, naming the top-level term', async () => {
    expect(await spf({ ...record('v=spf1 a:out.example.net -all'), 'A out.example.net': fail('TIMEOUT') })).toMatchObject({ result: 'temperror', mechanism: 'a:out.example.net', reason: 'A out.example.net: timeout', record: 'v=spf1 a:out.example.net -all' });
    expect(await spf({ ...record('v=spf1 mx:x.example.net -all'), 'MX x.example.net': fail('REFUSED') })).toMatchObject({ result: 'temperror', reason: 'MX x.example.net: REFUSED' });
    expect(await spf({ ...record('v=spf1 exists:x.example.net -all'), 'A x.example.net': fail('SERVFAIL') })).toMatchObject({ result: 'temperror', reason: 'A x.example.net: SERVFAIL' });
    const inside = await spf({ ...record('v=spf1 include:_spf.example.net -all'), 'TXT _spf.example.net': txt('v=spf1 a:x.example.net -all'), 'A x.example.net': fail('SERVFAIL') });
    expect(inside).toMatchObject({ result: 'temperror', mechanism: 'include:_spf.example.net', reason: 'A x.example.net: SERVFAIL' });
  });

  it('is temperror, never a throw, for a resolver that throws or answers garbage', async () => {
    const base = fakeDns({});
    const throwing = { ...base, txt: () => { throw new TypeError('boom'); } };
    expect(await evaluateSpf(throwing, spfIdentity(V4, 'u@example.com', null)!)).toMatchObject({ result: 'temperror', reason: 'TXT example.com: error: boom' });
    const garbage = { ...base, txt: () => Promise.resolve('v=spf1 +all' as unknown as string[][]) };
    expect(await evaluateSpf(garbage, spfIdentity(V4, 'u@example.com', null)!)).toMatchObject({ result: 'temperror', reason: 'TXT example.com: malformed answer' });
    // Records that are no lists of strings are left out.
    const mixed = { ...base, txt: () => Promise.resolve([42, ['v=spf1 ', 7], ['v=spf1 ip4:192.0.2.10']] as unknown as string[][]) };
    expect(await evaluateSpf(mixed, spfIdentity(V4, 'u@example.com', null)!)).toMatchObject({ result: 'pass' });
  });

  it('is temperror for a client address that is no address', async () => {
    expect(await spf(record('v=spf1 +all'), 'not-an-ip')).toMatchObject({ result: 'temperror', asked: [] });
  });

  it('stops when the signal aborts, without waiting for a query that never answers', async () => {
    const dns = fakeDns({ ...record('v=spf1 a:slow.example.net -all'), 'A slow.example.net': hang() });
    const stop = new AbortController();
    const pending = evaluateSpf(dns, spfIdentity(V4, 'u@example.com', null)!, stop.signal);
    await new Promise((r) => setImmediate(r));
    stop.abort();
    expect(await pending).toMatchObject({ result: 'temperror', reason: 'A slow.example.net: stopped', mechanism: 'a:slow.example.net' });
    stop.abort();
    expect(await evaluateSpf(dns, spfIdentity(V4, 'u@example.com', null)!, stop.signal)).toMatchObject({ result: 'temperror', reason: 'TXT example.com: stopped' });
  });
});

describe('the signal', () => {
  it('takes back the abort listener of every query it asked', async () => {
    const stop = new AbortController();
    const added = vi.spyOn(stop.signal, 'addEventListener');
    const removed = vi.spyOn(stop.signal, 'removeEventListener');
    const table = { ...record('v=spf1 a:x.example.net mx:x.example.net include:_spf.example.net -all'), 'A x.example.net': ['198.51.100.1'], 'TXT _spf.example.net': txt('v=spf1 ?all') };
    expect(await evaluateSpf(fakeDns(table), spfIdentity(V4, 'u@example.com', null)!, stop.signal)).toMatchObject({ result: 'fail' });
    expect(added).toHaveBeenCalledTimes(4);
    expect(removed.mock.calls.map((c) => c[1])).toEqual(added.mock.calls.map((c) => c[1]));
  });
});

describe('syntax errors', () => {
  it.each([
    ['ip4:192.0.2.0/33', 'ip4:192.0.2.0/33: bad CIDR length /33'],
    ['ip4:192.0.2.0/024', 'ip4:192.0.2.0/024: bad CIDR length /024'],
    ['ip6:2001:db8::/129', 'ip6:2001:db8::/129: bad CIDR length /129'],
    ['ip4:2001:db8::1', 'ip4:2001:db8::1: not an IPv4 network'],
    ['ip6:192.0.2.1', 'ip6:192.0.2.1: not an IPv6 network'],
    ['ip4:192.0.2.0/24/1', 'ip4:192.0.2.0/24/1: not an IPv4 network'],
    ['ip4', 'ip4: not an IPv4 network'],
    ['a/33', 'a/33: bad CIDR length /33'],
    ['mx//129', 'mx//129: bad CIDR length /129'],
    ['a:192.0.2.1', 'a:192.0.2.1: not a domain name'],
    ['a:localhost', 'a:localhost: not a domain name'],
    ['include', 'include: no domain'],
    ['include:', 'include:: no domain'],
    ['exists', 'exists: no domain'],
    ['redirect=', 'redirect=: no domain'],
    ['all:x', 'all:x: "all" takes no argument'],
    ['ipv4:192.0.2.1', 'unknown mechanism "ipv4:192.0.2.1"'],
    ['spf2.0/pra', 'unknown mechanism "spf2.0/pra"'],
    ['aa', 'unknown mechanism "aa"'],
  ])('is permerror for %s, before any lookup', async (term, reason) => {
    const r = await spf(record(`v=spf1 ip4:192.0.2.10 a:x.example.net ${term} -all`));
    expect(r).toMatchObject({ result: 'permerror', reason, mechanism: null, lookups: 0, asked: ['TXT example.com'] });
  });
});

describe('macros', () => {
  it('expands %{i}, %{d}, %{ir} and %{v} in exists', async () => {
    const r = await spf({ ...record('v=spf1 exists:%{ir}.%{v}.%{d}.ex.example.net -all'), 'A 10.2.0.192.in-addr.example.com.ex.example.net': ['127.0.0.2'] });
    expect(r).toMatchObject({ result: 'pass', names: ['10.2.0.192.in-addr.example.com.ex.example.net'] });
    const plain = await spf({ ...record('v=spf1 exists:%{i}.x.example.net -all'), 'A 192.0.2.10.x.example.net': ['127.0.0.2'] });
    expect(plain.result).toBe('pass');
  });

  it('expands %{i} of an IPv6 client as nibbles, and %{v} as ip6', async () => {
    const nibbles = '2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0';
    const r = await spf({ ...record('v=spf1 exists:%{i}.%{v}.x.example.net -all'), [`A ${nibbles}.ip6.x.example.net`]: ['127.0.0.2'] }, V6);
    expect(r).toMatchObject({ result: 'pass' });
  });

  it('expands %{s}, %{l}, %{o}, %{h} and the sender without local part', async () => {
    const table = { ...record('v=spf1 exists:%{l}.%{o}.%{h}.x.example.net -all'), 'A user.example.com.mail.example.com.x.example.net': ['127.0.0.2'] };
    expect((await spf(table)).result).toBe('pass');
    const s = await spf({ ...record('v=spf1 exists:%{s}.x.example.net -all'), 'A user@example.com.x.example.net': ['127.0.0.2'] });
    expect(s.result).toBe('pass');
    expect(spfIdentity(V4, '@example.com', null)).toEqual({ ip: V4, domain: 'example.com', sender: 'postmaster@example.com', helo: '' });
  });

  it('keeps the rightmost labels (%{d2}), splits on other delimiters (%{l-}) and reverses (%{d1r})', async () => {
    const table = { 'TXT a.b.example.com': txt('v=spf1 exists:%{d2}.%{l1-}.%{d1r}.x.example.net -all'), 'A example.com.last.a.x.example.net': ['127.0.0.2'] };
    const r = await evaluateSpf(fakeDns(table), spfIdentity(V4, 'first-last@a.b.example.com', 'h.example')!);
    expect(r).toMatchObject({ result: 'pass' });
  });

  it('escapes an upper-case macro, and writes %%, %_ and %-', async () => {
    const r = await spf({ ...record('v=spf1 exists:%{L}.%%.%_.%-.x.example.net -all') }, V4, 'a+b@example.com');
    // Names are compared lower-case, so the escape's hex digits are too.
    expect(r.names).toEqual(['a%2bb.%. .%20.x.example.net']);
  });

  it('expands %{p} as "unknown"', async () => {
    expect(await spf({ ...record('v=spf1 exists:%{p}.x.example.net -all'), 'A unknown.x.example.net': ['127.0.0.2'] })).toMatchObject({ result: 'pass' });
  });

  it('is permerror for explanation-only and malformed macros', async () => {
    expect(await spf(record('v=spf1 exists:%{c}.x.example.net -all'))).toMatchObject({ result: 'permerror', reason: 'macro %{c} is allowed only in an explanation' });
    expect(await spf(record('v=spf1 exists:%{d0}.x.example.net -all'))).toMatchObject({ result: 'permerror', reason: 'macro %{d0} keeps zero labels' });
    expect(await spf(record('v=spf1 exists:%{x}.x.example.net -all'))).toMatchObject({ result: 'permerror', reason: 'bad macro in "%{x}.x.example.net"' });
    expect(await spf(record('v=spf1 exists:%{d.x.example.net -all'))).toMatchObject({ result: 'permerror', reason: 'bad macro in "%{d.x.example.net"' });
    expect(await spf(record('v=spf1 exists:%x.example.net -all'))).toMatchObject({ result: 'permerror', reason: 'a "%" that starts no macro in "%x.example.net"' });
    expect(await spf(record('v=spf1 exists:x.example.net%'))).toMatchObject({ result: 'permerror' });
  });

  it('cuts an expansion over 253 characters from the left, label by label', async () => {
    const local = Array.from({ length: 60 }, () => 'abcd').join('.');
    const r = await spf(record('v=spf1 ?exists:%{l}.x.example.net'), V4, `${local}@example.com`);
    const name = r.names[0]!;
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name.length).toBeGreaterThan(248);
    expect(name.endsWith('abcd.x.example.net')).toBe(true);
    expect(name.startsWith('abcd.')).toBe(true);
  });
});

describe('ptr', () => {
  it('passes when a PTR name under the domain leads back to the client', async () => {
    const r = await spf({ ...record('v=spf1 ptr -all'), [`PTR ${V4}`]: ['other.example.org', 'mail.example.com.'], 'A other.example.org': [V4], 'A mail.example.com': [V4] });
    expect(r).toMatchObject({ result: 'pass', mechanism: 'ptr', lookups: 1 });
    expect(r.asked).not.toContain('A other.example.org');
  });

  it('does not pass for a name that does not lead back, a failed lookup, or a name elsewhere', async () => {
    expect(await spf({ ...record('v=spf1 ptr -all'), [`PTR ${V4}`]: ['mail.example.com'], 'A mail.example.com': ['198.51.100.1'] })).toMatchObject({ result: 'fail' });
    expect(await spf({ ...record('v=spf1 ptr -all'), [`PTR ${V4}`]: fail('SERVFAIL') })).toMatchObject({ result: 'fail', mechanism: '-all' });
    expect(await spf({ ...record('v=spf1 ptr -all'), [`PTR ${V4}`]: ['a.example.com', 'b.example.com'], 'A a.example.com': fail('TIMEOUT'), 'A b.example.com': [V4] })).toMatchObject({ result: 'pass' });
    expect(await spf({ ...record('v=spf1 ptr:example.org -all'), [`PTR ${V4}`]: ['mail.example.com'], 'A mail.example.com': [V4] })).toMatchObject({ result: 'fail' });
    expect(await spf({ ...record('v=spf1 ptr -all'), [`PTR ${V4}`]: ['notexample.com'], 'A notexample.com': [V4] })).toMatchObject({ result: 'fail' });
  });
});

describe('the identity', () => {
  it('checks the HELO name for the null sender, as postmaster@helo', async () => {
    expect(spfIdentity(V4, '', 'Mail.Example.ORG.')).toEqual({ ip: V4, domain: 'mail.example.org', sender: 'postmaster@mail.example.org', helo: 'mail.example.org' });
    expect(spfIdentity(V4, '', null)).toBeNull();
    expect(spfIdentity(V4, '"a@b"@Example.COM', null)).toEqual({ ip: V4, domain: 'example.com', sender: '"a@b"@example.com', helo: '' });
  });
});

describe('any record', () => {
  it('never throws, and every outcome fits the schema', async () => {
    const terms = fc.constantFrom('a', 'a/24', 'a:x.example.net//64', 'mx', 'mx:x.example.net/0', 'ptr', 'ptr:example.com', 'ip4:192.0.2.0/24', 'ip6:2001:db8::/32', '-all', '~all', '?all', 'include:i.example.net', 'include:example.com', 'redirect=i.example.net', 'exists:%{ir}.%{v}.%{d2}.x.example.net', 'exp=%{l}.e.example', '%{', 'ip4:1.2.3', 'v=spf1');
    const junk = fc.string({ maxLength: 30, unit: 'binary' });
    const record = fc.array(fc.oneof(terms, junk), { maxLength: 25 }).map((t) => `v=spf1 ${t.join(' ')}`);
    const spfSchema = SenderDnsSchema.properties.spf;
    await fc.assert(
      fc.asyncProperty(record, record, fc.constantFrom(V4, V6), fc.string({ maxLength: 80 }), async (top, inner, ip, local) => {
        const dns = fakeDns({
          'TXT example.com': txt(top),
          'TXT i.example.net': txt(inner),
          'A x.example.net': [V4],
          'AAAA x.example.net': [V6],
          'MX example.com': [{ exchange: 'x.example.net', priority: 1 }],
          'MX x.example.net': [{ exchange: 'x.example.net', priority: 1 }],
          [`PTR ${ip}`]: ['x.example.com'],
        });
        const outcome = await evaluateSpf(dns, spfIdentity(ip, `${local}@example.com`, 'h.example')!);
        expect([...Value.Errors(spfSchema, outcome)]).toEqual([]);
        expect(outcome.lookups).toBeLessThanOrEqual(11);
        expect(dns.asked.length).toBeLessThanOrEqual(1 + 11 * 11);
      }),
      { numRuns: 400 },
    );
  });
});

describe('gaps found by mutation', () => {
  it('reads only records that start with v=spf1, and exact-length networks', async () => {
    expect(await spf({ 'TXT example.com': txt('xv=spf1 +all') })).toMatchObject({ result: 'none' });
    expect(await spf(record('v=spf1 ip4:192.0.2.10/32 -all'))).toMatchObject({ result: 'pass' });
    expect(await spf(record('v=spf1 ip6:2001:db8::10/128 -all'), V6)).toMatchObject({ result: 'pass' });
    expect(await spf(record('v=spf1 ip6:2001:db8::/64 -all'), V6)).toMatchObject({ result: 'pass' });
    expect(await spf(record('v=spf1 ip6:2001:db8::/100 -all'), V6)).toMatchObject({ result: 'pass' });
  });

  it('says why a domain cannot be checked, and why the client cannot', async () => {
    expect(await spf({}, V4, 'user@localhost')).toMatchObject({ reason: '"localhost" is not a domain name SPF can check' });
    expect(await spf({}, 'x')).toMatchObject({ reason: 'the client address "x" is no IP address' });
    expect(isSpfDomain('')).toBe(false);
    expect(isSpfDomain(`${'a.'.repeat(125)}abc`)).toBe(true);
    expect(isSpfDomain(`${'a.'.repeat(125)}abcd`)).toBe(false);
    expect(unmapIPv4(V4)).toBe(V4);
    expect(unmapIPv4('::c000:20a')).toBe('::c000:20a');
    expect(unmapIPv4('1::ffff:c000:20a')).toBe('1::ffff:c000:20a');
  });

  it('matches ptr on the domain itself, and on any address of the name', async () => {
    expect(await spf({ ...record('v=spf1 ptr -all'), [`PTR ${V4}`]: ['example.com'], 'A example.com': [V4] })).toMatchObject({ result: 'pass' });
    expect(await spf({ ...record('v=spf1 ptr -all'), [`PTR ${V4}`]: ['m.example.com'], 'A m.example.com': ['198.51.100.1', V4] })).toMatchObject({ result: 'pass' });
  });

  it('counts an exists answered without records as void', async () => {
    const r = await spf({ ...record('v=spf1 exists:a.example.net exists:b.example.net exists:c.example.net -all'), 'A a.example.net': [], 'A b.example.net': [], 'A c.example.net': [] });
    expect(r).toMatchObject({ result: 'permerror', reason: 'more than 2 void lookups' });
  });

  it('keeps the top record when a lookup inside an include fails', async () => {
    const r = await spf({ ...record('v=spf1 include:_spf.example.net -all'), 'TXT _spf.example.net': txt('v=spf1 a:x.example.net -all'), 'A x.example.net': fail('SERVFAIL') });
    expect(r.record).toBe('v=spf1 include:_spf.example.net -all');
  });

  it('allows only visible ASCII in a domain-spec, and a macro at its end', async () => {
    expect(await spf(record('v=spf1 a:ex\u00e9.example.net -all'))).toMatchObject({ result: 'permerror', reason: 'character "\u00e9" is not allowed in "ex\u00e9.example.net"' });
    expect(await spf({ ...record('v=spf1 exists:%{i}._spf.%{d} -all'), 'A 192.0.2.10._spf.example.com': ['127.0.0.2'] })).toMatchObject({ result: 'pass' });
    expect(await spf({ ...record('v=spf1 a:x.example.net. -all'), 'A x.example.net': [V4] })).toMatchObject({ result: 'pass' });
    for (const letter of ['c', 'r', 't']) expect(await spf(record(`v=spf1 exists:%{${letter}}.x.example.net -all`))).toMatchObject({ result: 'permerror', reason: `macro %{${letter}} is allowed only in an explanation` });
    expect(await spf(record('v=spf1 include/24 -all'))).toMatchObject({ result: 'permerror', reason: 'include/24: no domain' });
    expect(await spf(record('v=spf1 a/24x -all'))).toMatchObject({ result: 'permerror', reason: 'a/24x: bad syntax' });
  });

  it('expands %{o} as the sender\'s domain, not the current one', async () => {
    const r = await spf({ ...record('v=spf1 include:_spf.example.net -all'), 'TXT _spf.example.net': txt('v=spf1 exists:%{o}.%{d}.x.example.net -all'), 'A example.com._spf.example.net.x.example.net': ['127.0.0.2'] });
    expect(r).toMatchObject({ result: 'pass' });
  });

  it('lists each name once, names the AAAA query of an IPv6 client, and skips an address that is none', async () => {
    expect((await spf({ ...record('v=spf1 a:x.example.net mx:x.example.net ?all'), 'A x.example.net': ['198.51.100.1'], 'MX x.example.net': [{ exchange: 'x.example.net', priority: 0 }] })).names).toEqual(['x.example.net']);
    expect(await spf({ ...record('v=spf1 a:x.example.net -all'), 'AAAA x.example.net': fail('SERVFAIL') }, V6)).toMatchObject({ result: 'temperror', reason: 'AAAA x.example.net: SERVFAIL' });
    expect(await spf({ ...record('v=spf1 a:x.example.net -all'), 'A x.example.net': ['garbage', V4] })).toMatchObject({ result: 'pass' });
  });
});
