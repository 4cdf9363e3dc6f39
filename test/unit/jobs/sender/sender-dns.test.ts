import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Resolver } from '../../../../src/core/context.js';
import { DnsError } from '../../../../src/core/errors.js';
import { SenderDnsSchema, type SenderDns } from '../../../../src/core/sender-schema.js';
import { isHostName, SenderDnsLookups } from '../../../../src/jobs/sender/sender-dns.js';
import { fail, fakeDns, hang, txt, type Outcome } from './fake-dns.js';

const V4 = '192.0.2.10';
const V6 = '2001:db8::10';

/** Waits for every lookup (the signal never aborts); checks the facts against the schema. */
async function settle(lookups: SenderDnsLookups): Promise<SenderDns> {
  const facts = await lookups.result(new AbortController().signal);
  expect([...Value.Errors(SenderDnsSchema, facts)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
  return facts;
}

/** Lets every answered query's continuation run (fake answers settle within a few turns). */
const turns = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

const EMPTY = { reverse: { names: [], error: null }, forward: [], fcrdns: null, ehlo: null, mailDomain: null, mx: null, spf: null, unfinished: [] };

describe('a whole session', () => {
  it('looks up PTR, its names back, the EHLO name, and the MAIL FROM domain\'s MX and SPF', async () => {
    const dns = fakeDns({
      [`PTR ${V4}`]: ['Mail.Example.com.'],
      'A mail.example.com': [V4],
      'AAAA mail.example.com': [V6],
      'MX example.com': [{ exchange: 'mx2.example.com', priority: 20 }, { exchange: 'MX1.example.com.', priority: 10 }, { exchange: 'mx1.example.com', priority: 30 }],
      'TXT example.com': txt('v=spf1 a:mail.example.com -all'),
    });
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.greeting('MAIL.example.com.');
    lookups.mailFrom('User@Example.COM');
    expect(await settle(lookups)).toEqual({
      reverse: { names: ['mail.example.com'], error: null },
      forward: [{ name: 'mail.example.com', addresses: [V4], error: null }],
      fcrdns: true,
      ehlo: { name: 'mail.example.com', literal: null, addresses: [V4, V6], error: null },
      mailDomain: 'example.com',
      mx: { hosts: ['mx1.example.com', 'mx2.example.com'], error: null },
      spf: { record: 'v=spf1 a:mail.example.com -all', result: 'pass', mechanism: 'a:mail.example.com', lookups: 1, reason: null, names: ['mail.example.com'] },
      unfinished: [],
    });
    expect(dns.asked.sort()).toEqual([`PTR ${V4}`, 'A mail.example.com', 'A mail.example.com', 'A mail.example.com', 'AAAA mail.example.com', 'MX example.com', 'TXT example.com'].sort());
  });

  it('starts the PTR lookup at construction, and gives empty facts without a greeting or sender', async () => {
    const dns = fakeDns({});
    const lookups = new SenderDnsLookups(dns, V4);
    expect(dns.asked).toEqual([`PTR ${V4}`]);
    expect(await settle(lookups)).toEqual({ ...EMPTY, reverse: { names: [], error: 'NXDOMAIN' } });
  });
});

describe('reverse DNS and FCrDNS', () => {
  it('is false when the PTR name resolves elsewhere or not at all', async () => {
    const elsewhere = await settle(new SenderDnsLookups(fakeDns({ [`PTR ${V4}`]: ['mail.example.com'], 'A mail.example.com': ['198.51.100.1'] }), V4));
    expect(elsewhere).toMatchObject({ fcrdns: false, forward: [{ name: 'mail.example.com', addresses: ['198.51.100.1'], error: null }] });
    const gone = await settle(new SenderDnsLookups(fakeDns({ [`PTR ${V4}`]: ['mail.example.com'] }), V4));
    expect(gone).toMatchObject({ fcrdns: false, forward: [{ name: 'mail.example.com', addresses: [], error: 'NXDOMAIN' }] });
  });

  it('is true when any of the names leads back, false when one answers and none does', async () => {
    const table = { [`PTR ${V4}`]: ['a.example.com', 'b.example.com'], 'A a.example.com': fail('SERVFAIL'), 'A b.example.com': [V4] };
    expect((await settle(new SenderDnsLookups(fakeDns(table), V4))).fcrdns).toBe(true);
    const noneBack = { ...table, 'A b.example.com': ['198.51.100.1'] };
    expect(await settle(new SenderDnsLookups(fakeDns(noneBack), V4))).toMatchObject({
      fcrdns: false,
      forward: [
        { name: 'a.example.com', addresses: [], error: 'SERVFAIL' },
        { name: 'b.example.com', addresses: ['198.51.100.1'], error: null },
      ],
    });
  });

  it('is null when every forward lookup failed, and when there is no PTR name', async () => {
    const failed = await settle(new SenderDnsLookups(fakeDns({ [`PTR ${V4}`]: ['a.example.com', 'b.example.com'], 'A a.example.com': fail('SERVFAIL'), 'A b.example.com': fail('TIMEOUT') }), V4));
    expect(failed).toMatchObject({ fcrdns: null, forward: [{ error: 'SERVFAIL' }, { error: 'timeout' }] });
    expect(await settle(new SenderDnsLookups(fakeDns({ [`PTR ${V4}`]: fail('SERVFAIL') }), V4))).toMatchObject({ reverse: { names: [], error: 'SERVFAIL' }, forward: [], fcrdns: null });
    expect(await settle(new SenderDnsLookups(fakeDns({ [`PTR ${V4}`]: [] }), V4))).toMatchObject({ reverse: { names: [], error: 'NODATA' }, fcrdns: null });
    expect(await settle(new SenderDnsLookups(fakeDns({}), V4))).toMatchObject({ reverse: { names: [], error: 'NXDOMAIN' }, fcrdns: null });
  });

  it('keeps 10 of 20 PTR names and looks up the first 5', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `h${i}.example.com`);
    const dns = fakeDns({ [`PTR ${V4}`]: [...names, 'h0.example.com.'] });
    const facts = await settle(new SenderDnsLookups(dns, V4));
    expect(facts.reverse.names).toEqual(names.slice(0, 10));
    expect(facts.forward.map((f) => f.name)).toEqual(names.slice(0, 5));
    expect(dns.asked.filter((q) => q.startsWith('A '))).toEqual(names.slice(0, 5).map((n) => `A ${n}`));
    expect(facts.fcrdns).toBe(false);
  });

  it('does not look up a PTR name that is no host name, and caps long names', async () => {
    const long = `${'x'.repeat(63)}.`.repeat(5) + 'example';
    const dns = fakeDns({ [`PTR ${V4}`]: ['bad_name!.example.com', long, ''] });
    const facts = await settle(new SenderDnsLookups(dns, V4));
    expect(facts.reverse.names).toEqual(['bad_name!.example.com', long.slice(0, 256)]);
    expect(facts.forward).toEqual([
      { name: 'bad_name!.example.com', addresses: [], error: 'invalid name' },
      { name: long.slice(0, 256), addresses: [], error: 'invalid name' },
    ]);
    expect(facts.fcrdns).toBe(false);
    expect(dns.asked).toEqual([`PTR ${V4}`]);
  });

  it('asks AAAA for an IPv6 client, and treats an IPv4-mapped client as IPv4', async () => {
    const v6 = await settle(new SenderDnsLookups(fakeDns({ [`PTR ${V6}`]: ['mail.example.com'], 'A mail.example.com': [V4], 'AAAA mail.example.com': ['2001:DB8:0::10'] }), V6));
    expect(v6).toMatchObject({ fcrdns: true, forward: [{ addresses: ['2001:DB8:0::10'] }] });
    const dns = fakeDns({ [`PTR ${V4}`]: ['mail.example.com'], 'A mail.example.com': [V4] });
    expect(await settle(new SenderDnsLookups(dns, `::ffff:${V4}`))).toMatchObject({ fcrdns: true });
    expect(dns.asked).toEqual([`PTR ${V4}`, 'A mail.example.com']);
  });

  it('asks nothing for a client address that is no address', async () => {
    const dns = fakeDns({});
    const lookups = new SenderDnsLookups(dns, 'garbage');
    lookups.greeting('mail.example.com');
    lookups.mailFrom('u@example.com');
    const facts = await settle(lookups);
    expect(facts).toMatchObject({ reverse: { names: [], error: 'invalid address' }, spf: null, mx: { hosts: [], error: 'NXDOMAIN' } });
    expect(dns.asked).toEqual(['A mail.example.com', 'AAAA mail.example.com', 'MX example.com']);
  });
});

describe('the EHLO name', () => {
  it('parses an address literal and does not look it up', async () => {
    for (const [name, literal] of [['[192.0.2.1]', '192.0.2.1'], ['[IPv6:2001:db8::1]', '2001:db8::1'], ['[ipv6:::1]', '::1']]) {
      const dns = fakeDns({});
      const lookups = new SenderDnsLookups(dns, V4);
      lookups.greeting(name!);
      expect((await settle(lookups)).ehlo).toEqual({ name, literal, addresses: [], error: null });
      expect(dns.asked).toEqual([`PTR ${V4}`]);
    }
  });

  it('calls a name that is no host name or literal "invalid name", without a lookup', async () => {
    for (const name of ['[2001:db8::1]', '[192.0.2.256]', '[foo', 'localhost', 'bad_name.example.com', 'a..example.com', '-x.example.com', '192.0.2.1', '', 'x'.repeat(400)]) {
      const dns = fakeDns({});
      const lookups = new SenderDnsLookups(dns, V4);
      lookups.greeting(name);
      const ehlo = (await settle(lookups)).ehlo;
      expect(ehlo).toEqual({ name: name.slice(0, 300), literal: null, addresses: [], error: 'invalid name' });
      expect(dns.asked).toEqual([`PTR ${V4}`]);
    }
  });

  it('says why a name has no address: a failure before NXDOMAIN before NODATA', async () => {
    const ehloOf = async (table: Record<string, Outcome>) => {
      const lookups = new SenderDnsLookups(fakeDns(table), V4);
      lookups.greeting('mail.example.com');
      return (await settle(lookups)).ehlo;
    };
    expect(await ehloOf({})).toMatchObject({ addresses: [], error: 'NXDOMAIN' });
    expect(await ehloOf({ 'MX mail.example.com': [] })).toMatchObject({ addresses: [], error: 'NODATA' });
    expect(await ehloOf({ 'A mail.example.com': [], 'AAAA mail.example.com': [] })).toMatchObject({ addresses: [], error: 'NODATA' });
    expect(await ehloOf({ 'A mail.example.com': fail('NXDOMAIN'), 'AAAA mail.example.com': fail('TIMEOUT') })).toMatchObject({ addresses: [], error: 'timeout' });
    expect(await ehloOf({ 'A mail.example.com': fail('SERVFAIL'), 'MX mail.example.com': [] })).toMatchObject({ addresses: [], error: 'SERVFAIL' });
    expect(await ehloOf({ 'A mail.example.com': fail('SERVFAIL'), 'AAAA mail.example.com': [V6] })).toMatchObject({ addresses: [V6], error: null });
  });

  it('keeps the last greeting: an earlier lookup that never answers is neither waited for nor listed', async () => {
    const dns = fakeDns({ 'A before.example.com': hang(), 'AAAA before.example.com': hang(), 'A after.example.com': [V4] });
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.greeting('before.example.com');
    lookups.greeting('after.example.com');
    const facts = await settle(lookups);
    expect(facts.ehlo).toEqual({ name: 'after.example.com', literal: null, addresses: [V4], error: null });
    expect(facts.unfinished).toEqual([]);
  });

  it('does not let a late answer for an earlier greeting overwrite the last one', async () => {
    let answerFirst: (v: string[]) => void = () => {};
    const base = fakeDns({ 'A after.example.com': [V4] });
    const dns: Resolver = { ...base, a: (name) => (name === 'before.example.com' ? new Promise<string[]>((r) => (answerFirst = r)) : base.a(name)) };
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.greeting('before.example.com');
    lookups.greeting('after.example.com');
    await turns();
    answerFirst(['198.51.100.1']);
    await turns();
    expect((await settle(lookups)).ehlo).toEqual({ name: 'after.example.com', literal: null, addresses: [V4], error: null });
  });

  it('asks once for the same name greeted twice (EHLO again after STARTTLS)', async () => {
    const dns = fakeDns({ 'A mail.example.com': [V4] });
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.greeting('mail.example.com');
    lookups.greeting('Mail.Example.com.');
    await settle(lookups);
    expect(dns.asked.filter((q) => q.includes('mail.example.com'))).toEqual(['A mail.example.com', 'AAAA mail.example.com']);
  });
});

describe('the MAIL FROM domain', () => {
  it('checks SPF for the HELO name with the null sender, and has no domain or MX', async () => {
    const dns = fakeDns({ 'TXT mail.example.com': txt('v=spf1 ip4:192.0.2.10 -all') });
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.greeting('mail.example.com');
    lookups.mailFrom('');
    const facts = await settle(lookups);
    expect(facts).toMatchObject({ mailDomain: null, mx: null, spf: { result: 'pass', mechanism: 'ip4:192.0.2.10', record: 'v=spf1 ip4:192.0.2.10 -all' } });
    expect(dns.asked).not.toContain('MX mail.example.com');
  });

  it('has no SPF for the null sender without a greeting, and none for a literal greeting', async () => {
    const bare = new SenderDnsLookups(fakeDns({}), V4);
    bare.mailFrom('');
    expect(await settle(bare)).toMatchObject({ mailDomain: null, mx: null, spf: null });
    const literal = new SenderDnsLookups(fakeDns({}), V4);
    literal.greeting('[192.0.2.10]');
    literal.mailFrom('');
    expect((await settle(literal)).spf).toMatchObject({ result: 'none', lookups: 0 });
  });

  it('reports MX failures and a null MX, and keeps 32 hosts', async () => {
    const mxOf = async (outcome: Outcome) => {
      const lookups = new SenderDnsLookups(fakeDns({ 'MX example.com': outcome, 'TXT example.com': txt('v=spf1 -all') }), V4);
      lookups.mailFrom('u@example.com');
      return (await settle(lookups)).mx;
    };
    expect(await mxOf(fail('SERVFAIL'))).toEqual({ hosts: [], error: 'SERVFAIL' });
    expect(await mxOf(fail('TIMEOUT'))).toEqual({ hosts: [], error: 'timeout' });
    expect(await mxOf([{ exchange: '.', priority: 0 }])).toEqual({ hosts: ['.'], error: null });
    const many = Array.from({ length: 40 }, (_, i) => ({ exchange: `mx${i}.example.com`, priority: i }));
    expect((await mxOf(many))!.hosts).toEqual(many.slice(0, 32).map((m) => m.exchange));
  });

  it('calls a MAIL FROM domain that is no host name "invalid name" and checks no MX for it', async () => {
    const dns = fakeDns({});
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.mailFrom('user@[192.0.2.1]');
    const facts = await settle(lookups);
    expect(facts).toMatchObject({ mailDomain: '[192.0.2.1]', mx: { hosts: [], error: 'invalid name' }, spf: { result: 'none' } });
    expect(dns.asked).toEqual([`PTR ${V4}`]);
  });

  it('keeps the last MAIL FROM of the session', async () => {
    const dns = fakeDns({ 'TXT first.example': hang(), 'MX first.example': hang(), 'TXT second.example': txt('v=spf1 ~all'), 'MX second.example': [{ exchange: 'mx.second.example', priority: 0 }] });
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.mailFrom('a@first.example');
    lookups.mailFrom('b@second.example');
    lookups.mailFrom('b@second.example');
    expect(await settle(lookups)).toMatchObject({ mailDomain: 'second.example', mx: { hosts: ['mx.second.example'] }, spf: { result: 'softfail' }, unfinished: [] });
    expect(dns.asked.filter((q) => q.includes('second'))).toEqual(['MX second.example', 'TXT second.example']);
  });
});

describe('cut short', () => {
  it('lists what did not finish when the signal aborts, and leaves it empty', async () => {
    const dns = fakeDns({
      [`PTR ${V4}`]: ['a.example.com', 'b.example.com'],
      'A a.example.com': hang(),
      'A b.example.com': [V4],
      'A mail.example.com': hang(),
      'AAAA mail.example.com': [V6],
      'MX example.com': hang(),
      'TXT example.com': txt('v=spf1 a:slow.example.net -all'),
      'A slow.example.net': hang(),
    });
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.greeting('mail.example.com');
    lookups.mailFrom('u@example.com');
    const stop = new AbortController();
    const pending = lookups.result(stop.signal);
    await turns();
    stop.abort();
    const facts = await pending;
    expect(facts).toEqual({
      reverse: { names: ['a.example.com', 'b.example.com'], error: null },
      forward: [
        { name: 'a.example.com', addresses: [], error: null },
        { name: 'b.example.com', addresses: [V4], error: null },
      ],
      fcrdns: true,
      ehlo: { name: 'mail.example.com', literal: null, addresses: [], error: null },
      mailDomain: 'example.com',
      mx: null,
      spf: null,
      unfinished: ['A mail.example.com', 'MX example.com', 'SPF example.com', 'A a.example.com'],
    });
    expect([...Value.Errors(SenderDnsSchema, facts)]).toEqual([]);
    // SPF asks nothing more once cut short.
    await turns();
    expect(dns.asked.filter((q) => q === 'A slow.example.net')).toEqual(['A slow.example.net']);
  });

  it('returns at once for a signal aborted already, with the PTR lookup unfinished', async () => {
    const lookups = new SenderDnsLookups(fakeDns({ [`PTR ${V4}`]: hang() }), V4);
    expect(await lookups.result(AbortSignal.abort())).toEqual({ ...EMPTY, unfinished: [`PTR ${V4}`] });
  });

  it('has fcrdns null when the forward lookups did not finish', async () => {
    const lookups = new SenderDnsLookups(fakeDns({ [`PTR ${V4}`]: ['a.example.com'], 'A a.example.com': hang() }), V4);
    const stop = new AbortController();
    const pending = lookups.result(stop.signal);
    await turns();
    stop.abort();
    expect(await pending).toMatchObject({ fcrdns: null, unfinished: ['A a.example.com'] });
  });
});

describe('a hostile resolver', () => {
  it('turns a synchronous throw, a rejection that is no DnsError and garbage answers into errors', async () => {
    const base = fakeDns({});
    const dns = {
      ...base,
      ptr: () => {
        throw new Error('boom');
      },
      a: () => Promise.reject('plain string'),
      aaaa: () => Promise.resolve({ length: 1 } as unknown as string[]),
      mx: () => Promise.resolve([{}, null, 'mx.example.com', { exchange: 'ok.example.com', priority: 5 }, { exchange: 'nan.example.com', priority: Number.NaN }] as never),
      txt: () => Promise.resolve(null as never),
    } as Resolver;
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.greeting('mail.example.com');
    lookups.mailFrom('u@example.com');
    expect(await settle(lookups)).toEqual({
      ...EMPTY,
      reverse: { names: [], error: 'error: boom' },
      ehlo: { name: 'mail.example.com', literal: null, addresses: [], error: 'error: plain string' },
      mailDomain: 'example.com',
      mx: { hosts: ['ok.example.com'], error: null },
      spf: { record: null, result: 'temperror', mechanism: null, lookups: 0, reason: 'TXT example.com: malformed answer', names: [] },
    });
  });

  it('survives a resolver whose methods are missing, and a greeting or sender that is no string', async () => {
    const lookups = new SenderDnsLookups({ description: 'broken' } as Resolver, V4);
    lookups.greeting(42 as unknown as string);
    lookups.mailFrom(null as unknown as string);
    lookups.greeting('mail.example.com');
    const facts = await settle(lookups);
    expect(facts.reverse.error).toMatch(/^error: /);
    expect(facts.ehlo).toMatchObject({ addresses: [], error: expect.stringMatching(/^error: /) });
    expect(facts.mailDomain).toBeNull();
  });

  it('stops asking after maxLookups queries', async () => {
    const dns = fakeDns({ [`PTR ${V4}`]: ['mail.example.com'], 'A mail.example.com': [V4] });
    const lookups = new SenderDnsLookups(dns, V4, { maxLookups: 2 });
    lookups.greeting('mail.example.com');
    const facts = await settle(lookups);
    expect(dns.asked).toEqual([`PTR ${V4}`, 'A mail.example.com']);
    expect(facts).toMatchObject({ ehlo: { addresses: [V4] }, forward: [{ name: 'mail.example.com', error: 'lookup budget spent' }], fcrdns: null });
  });

  it('caps answers: 32 addresses, error text at 100 characters', async () => {
    const many = Array.from({ length: 50 }, (_, i) => `198.51.100.${i}`);
    const base = fakeDns({ [`PTR ${V4}`]: ['mail.example.com'], 'A mail.example.com': many });
    const long = new Error('x'.repeat(500));
    const lookups = new SenderDnsLookups({ ...base, aaaa: () => Promise.reject(long) }, V4);
    lookups.greeting('mail.example.com');
    const facts = await settle(lookups);
    expect(facts.forward[0]!.addresses).toEqual(many.slice(0, 32));
    expect(facts.ehlo).toMatchObject({ addresses: many.slice(0, 32), error: null });
    const failing = new SenderDnsLookups({ ...base, a: () => Promise.reject(long), aaaa: () => Promise.reject(long) }, V4);
    failing.greeting('mail.example.com');
    expect((await settle(failing)).ehlo!.error).toBe(`error: ${'x'.repeat(93)}`);
  });
});

describe('isHostName', () => {
  it('takes fully qualified LDH names only', () => {
    expect(isHostName('mail.example.com')).toBe(true);
    expect(isHostName('a-b.c1')).toBe(true);
    expect(isHostName('mail')).toBe(false);
    expect(isHostName('a.123')).toBe(false);
    expect(isHostName('a-.example')).toBe(false);
    expect(isHostName(`${'a'.repeat(64)}.example`)).toBe(false);
    expect(isHostName(`${'a'.repeat(63)}.example`)).toBe(true);
    expect(isHostName(`${'a.'.repeat(127)}ab`)).toBe(false);
  });
});

describe('any session', () => {
  it('never throws, and the facts always fit the schema', async () => {
    const name = fc.oneof(fc.string({ maxLength: 400, unit: 'binary' }), fc.constantFrom('mail.example.com', '[192.0.2.1]', '[IPv6:::1]', 'MAIL.EXAMPLE.COM.', ''), fc.domain());
    await fc.assert(
      fc.asyncProperty(
        fc.array(name, { maxLength: 40 }),
        fc.array(name, { maxLength: 3 }),
        fc.array(fc.oneof(name, fc.emailAddress(), fc.constant('')), { maxLength: 3 }),
        fc.constantFrom(V4, V6, '::ffff:192.0.2.10', 'x'),
        async (ptr, greetings, senders, ip) => {
          const dns = fakeDns({ [`PTR ${ip}`]: ptr, 'A mail.example.com': [V4], 'TXT example.com': txt('v=spf1 mx a ptr -all'), 'MX example.com': [{ exchange: 'mail.example.com', priority: 0 }] });
          const lookups = new SenderDnsLookups(dns, ip);
          for (const g of greetings) lookups.greeting(g);
          for (const s of senders) lookups.mailFrom(s);
          await settle(lookups);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('gaps found by mutation', () => {
  it('does not let a late MX answer of an earlier MAIL FROM overwrite the last one', async () => {
    let answerFirst: (v: { exchange: string; priority: number }[]) => void = () => {};
    const base = fakeDns({ 'MX second.example': [{ exchange: 'mx.second.example', priority: 0 }], 'TXT second.example': txt('v=spf1 -all') });
    const dns: Resolver = { ...base, mx: (name) => (name === 'first.example' ? new Promise((r) => (answerFirst = r)) : base.mx(name)) };
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.mailFrom('a@first.example');
    lookups.mailFrom('b@second.example');
    await turns();
    answerFirst([{ exchange: 'mx.first.example', priority: 0 }]);
    await turns();
    expect((await settle(lookups)).mx).toEqual({ hosts: ['mx.second.example'], error: null });
  });

  it('stops SPF once a result was cut short: a late answer leads to no further query', async () => {
    let answerSlow: (v: string[]) => void = () => {};
    const base = fakeDns({ 'TXT example.com': txt('v=spf1 a:slow.example.net a:next.example.net -all'), 'A next.example.net': [V4] });
    const dns: Resolver = { ...base, a: (name) => (name === 'slow.example.net' ? new Promise((r) => (answerSlow = r)) : base.a(name)) };
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.mailFrom('u@example.com');
    const stop = new AbortController();
    const pending = lookups.result(stop.signal);
    await turns();
    stop.abort();
    expect(await pending).toMatchObject({ spf: null, unfinished: ['SPF example.com'] });
    answerSlow(['198.51.100.1']);
    await turns();
    expect(base.asked).not.toContain('A next.example.net');
  });

  it('names NXDOMAIN over an empty answer for an EHLO name', async () => {
    const lookups = new SenderDnsLookups(fakeDns({ 'A mail.example.com': [], 'AAAA mail.example.com': fail('NXDOMAIN') }), V4);
    lookups.greeting('mail.example.com');
    expect((await settle(lookups)).ehlo).toMatchObject({ error: 'NXDOMAIN' });
  });

  it('trims the client address and the greeting, and refuses a literal with text after it', async () => {
    const dns = fakeDns({ [`PTR ${V4}`]: ['m.example.com'], 'A m.example.com': [V4] });
    const lookups = new SenderDnsLookups(dns, ` ${V4} `);
    lookups.greeting(' [192.0.2.1] ');
    expect(await settle(lookups)).toMatchObject({ fcrdns: true, ehlo: { name: '[192.0.2.1]', literal: '192.0.2.1' } });
    const after = new SenderDnsLookups(fakeDns({}), V4);
    after.greeting('[192.0.2.1]x');
    expect((await settle(after)).ehlo).toMatchObject({ literal: null, error: 'invalid name' });
  });

  it('takes maxLookups 0 as no query at all, and a nonsense value as the default', async () => {
    const none = fakeDns({});
    await settle(new SenderDnsLookups(none, V4, { maxLookups: 0 }));
    expect(none.asked).toEqual([]);
    const nan = fakeDns({});
    await settle(new SenderDnsLookups(nan, V4, { maxLookups: Number.NaN }));
    expect(nan.asked).toEqual([`PTR ${V4}`]);
  });

  it('drops answer items of the wrong type and caps overlong ones', async () => {
    const long = `2001:db8::${'0:'.repeat(40)}1`;
    const base = fakeDns({ [`PTR ${V4}`]: ['m.example.com'], 'TXT example.com': txt('v=spf1 -all') });
    const dns: Resolver = {
      ...base,
      a: () => Promise.resolve([42, long, V4] as unknown as string[]),
      aaaa: () => Promise.reject(new DnsError('OTHER', 'x', 'AAAA', 'y'.repeat(300))),
      mx: () => Promise.resolve([{ exchange: 5, priority: 1 }, { exchange: 'mx.example.com', priority: 2 }] as never),
    };
    const lookups = new SenderDnsLookups(dns, V4);
    lookups.greeting('m.example.com');
    lookups.mailFrom('u@example.com');
    const facts = await settle(lookups);
    expect(facts.forward[0]!.addresses).toEqual([long.slice(0, 64), V4]);
    expect(facts.ehlo!.addresses).toEqual([long.slice(0, 64), V4]);
    expect(facts.mx).toEqual({ hosts: ['mx.example.com'], error: null });
    const failing = new SenderDnsLookups({ ...base, a: dns.aaaa, aaaa: dns.aaaa }, V4);
    failing.greeting('m.example.com');
    expect((await settle(failing)).ehlo!.error).toBe('y'.repeat(100));
  });

  it('reads host names exactly', () => {
    expect(isHostName('')).toBe(false);
    expect(isHostName('a.1abc')).toBe(true);
    expect(isHostName(`${'a.'.repeat(125)}abc`)).toBe(true);
    expect(isHostName(`${'a.'.repeat(125)}abcd`)).toBe(false);
  });
});
