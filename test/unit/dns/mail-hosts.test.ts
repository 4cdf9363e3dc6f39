// resolveMailHosts against an in-memory resolver: every DNS outcome becomes data in DnsFacts
// (RFC 5321 §5.1 for MX selection and the implicit MX, RFC 7505 for the null MX); only our own
// bugs (a non-DnsError from the resolver) propagate.
import { describe, expect, it } from 'vitest';
import type { HostMapping } from '../../../src/core/context.js';
import type { DnsFacts, MxRecord, Target } from '../../../src/core/schema.js';
import { resolveMailHosts, type MailHost, type MailHostOptions } from '../../../src/dns/mail-hosts.js';
import { fail, fakeResolver, type Outcome } from './fake-resolver.js';

const RESOLVER = 'fake 192.0.2.53';
const both = { v4: true, v6: true };
const opts = (over: Partial<MailHostOptions> = {}): MailHostOptions => ({ families: both, hostMap: new Map(), first: false, ...over });
const mapOf = (entries: Record<string, HostMapping>): ReadonlyMap<string, HostMapping> => new Map(Object.entries(entries));
const domainTarget = (domain: string): Target => ({ input: domain, kind: 'domain', domain, host: null, port: 25, implicitTls: false });
const hostTarget = (host: string): Target => ({ input: host, kind: 'host', domain: null, host, port: 25, implicitTls: false });

/** An MxRecord with the defaults of a name that was looked up and had nothing special. */
const mx = (exchange: string, preference: number, over: Partial<MxRecord> = {}): MxRecord => ({
  exchange,
  preference,
  addresses: [],
  cname: null,
  isIpLiteral: false,
  error: null,
  ...over,
});
const v4 = (address: string, port: number | null = null) => ({ address, family: 4 as const, port });
const v6 = (address: string, port: number | null = null) => ({ address, family: 6 as const, port });
const facts = (status: DnsFacts['status'], mxRecords: MxRecord[] = [], error: string | null = null): DnsFacts => ({
  status,
  resolver: RESOLVER,
  mx: mxRecords,
  error,
});
const sorted = (list: readonly string[]): string[] => [...list].sort();

// The texts a report shows for each DNS outcome.
const NX = 'the name does not exist (NXDOMAIN)';
const SERVFAIL = 'the resolver failed to answer (SERVFAIL)';
const TIMEOUT = 'no answer in time (TIMEOUT)';
const REFUSED = 'the resolver refused the query (REFUSED)';
const NO_FAMILY = 'no address family enabled (both IPv4 and IPv6 are off)';

describe('resolveMailHosts: a domain with MX records', () => {
  it('lists every MX by preference, then name, with its addresses, and probes each once', async () => {
    const resolver = fakeResolver({
      'MX example.test': [
        { exchange: 'mx2.example.test', priority: 20 },
        { exchange: 'MX1.Example.Test.', priority: 10 },
        { exchange: 'mx0.example.test', priority: 20 },
      ],
      'A mx1.example.test': ['192.0.2.11'],
      'AAAA mx1.example.test': ['2001:db8::11'],
      'A mx2.example.test': ['192.0.2.12'],
      'A mx0.example.test': ['192.0.2.10', '192.0.2.20'],
    });
    const result = await resolveMailHosts(domainTarget('example.test'), resolver, opts());
    expect(result).toEqual({
      dns: facts('ok', [
        mx('mx1.example.test', 10, { addresses: ['192.0.2.11', '2001:db8::11'] }),
        mx('mx0.example.test', 20, { addresses: ['192.0.2.10', '192.0.2.20'] }),
        mx('mx2.example.test', 20, { addresses: ['192.0.2.12'] }),
      ]),
      hosts: [
        { mx: 'mx1.example.test', preference: 10, addresses: [v4('192.0.2.11'), v6('2001:db8::11')] },
        { mx: 'mx0.example.test', preference: 20, addresses: [v4('192.0.2.10'), v4('192.0.2.20')] },
        { mx: 'mx2.example.test', preference: 20, addresses: [v4('192.0.2.12')] },
      ],
      notProbed: [],
    });
    const looked = ['mx0', 'mx1', 'mx2'].flatMap((h) => [`A ${h}.example.test`, `AAAA ${h}.example.test`, `CNAME ${h}.example.test`]);
    expect(sorted(resolver.asked)).toEqual(sorted(['MX example.test', ...looked]));
  });

  it('orders equal preferences by name whatever order the server gave', async () => {
    const names = ['b.example.test', 'c.example.test', 'a.example.test'];
    const orders = [names, [...names].sort(), [...names].sort().reverse(), ['c.example.test', 'a.example.test', 'b.example.test']];
    for (const order of orders) {
      const table: Record<string, Outcome> = { 'MX example.test': order.map((exchange) => ({ exchange, priority: 5 })) };
      for (const name of names) table[`A ${name}`] = [`192.0.2.${name.charCodeAt(0)}`];
      const { dns, hosts } = await resolveMailHosts(domainTarget('example.test'), fakeResolver(table), opts({ families: { v4: true, v6: false } }));
      expect(dns.mx.map((r) => r.exchange), order.join()).toEqual(['a.example.test', 'b.example.test', 'c.example.test']);
      expect(hosts.map((h) => h.mx), order.join()).toEqual(['a.example.test', 'b.example.test', 'c.example.test']);
    }
  });

  it('sorts by preference before name, numerically', async () => {
    const resolver = fakeResolver({
      'MX example.test': [
        { exchange: 'a.example.test', priority: 100 },
        { exchange: 'z.example.test', priority: 9 },
        { exchange: 'm.example.test', priority: 20 },
      ],
      'A a.example.test': ['192.0.2.1'],
      'A z.example.test': ['192.0.2.26'],
      'A m.example.test': ['192.0.2.13'],
    });
    const { dns, hosts } = await resolveMailHosts(domainTarget('example.test'), resolver, opts());
    expect(dns.mx.map((r) => [r.preference, r.exchange])).toEqual([
      [9, 'z.example.test'],
      [20, 'm.example.test'],
      [100, 'a.example.test'],
    ]);
    expect(hosts.map((h) => [h.preference, h.mx])).toEqual([
      [9, 'z.example.test'],
      [20, 'm.example.test'],
      [100, 'a.example.test'],
    ]);
  });

  it('keeps a name listed twice as two records with their own preference, and probes it once', async () => {
    const resolver = fakeResolver({
      'MX example.test': [
        { exchange: 'mx.example.test', priority: 20 },
        { exchange: 'backup.example.test', priority: 15 },
        { exchange: 'MX.example.test.', priority: 10 },
      ],
      'A mx.example.test': ['192.0.2.5'],
      'A backup.example.test': ['192.0.2.6'],
    });
    const { dns, hosts } = await resolveMailHosts(domainTarget('example.test'), resolver, opts());
    expect(dns).toEqual(
      facts('ok', [
        mx('mx.example.test', 10, { addresses: ['192.0.2.5'] }),
        mx('backup.example.test', 15, { addresses: ['192.0.2.6'] }),
        mx('mx.example.test', 20, { addresses: ['192.0.2.5'] }),
      ]),
    );
    expect(hosts).toEqual<MailHost[]>([
      { mx: 'mx.example.test', preference: 10, addresses: [v4('192.0.2.5')] },
      { mx: 'backup.example.test', preference: 15, addresses: [v4('192.0.2.6')] },
    ]);
    expect(resolver.asked.filter((q) => q === 'A mx.example.test')).toEqual(['A mx.example.test']);
  });

  it('reports what each MX host gave: missing names, failures, aliases, literals', async () => {
    const resolver = fakeResolver({
      'MX example.test': [
        { exchange: 'ghost.example.test', priority: 10 },
        { exchange: 'txtonly.example.test', priority: 20 },
        { exchange: 'broken.example.test', priority: 30 },
        { exchange: 'slow.example.test', priority: 40 },
        { exchange: 'odd.example.test', priority: 50 },
        { exchange: 'half.example.test', priority: 55 },
        { exchange: 'mx.example.test', priority: 60 },
        { exchange: 'alias.example.test', priority: 70 },
        { exchange: '[192.0.2.1]', priority: 80 },
        { exchange: '2001:db8::25', priority: 90 },
      ],
      'TXT txtonly.example.test': ['v=spf1 -all'],
      'A broken.example.test': fail('SERVFAIL'),
      'AAAA broken.example.test': fail('SERVFAIL'),
      'CNAME broken.example.test': fail('SERVFAIL'),
      'A slow.example.test': fail('TIMEOUT'),
      'AAAA slow.example.test': fail('REFUSED'),
      'A odd.example.test': fail('OTHER', 'A odd.example.test: EBADRESP'),
      'A half.example.test': fail('NXDOMAIN'),
      'AAAA half.example.test': fail('NODATA'),
      'A mx.example.test': ['192.0.2.60'],
      'AAAA mx.example.test': fail('SERVFAIL'),
      'CNAME alias.example.test': ['Real.Example.TEST.'],
      'A alias.example.test': ['192.0.2.70'],
    });
    const { dns, hosts } = await resolveMailHosts(domainTarget('example.test'), resolver, opts());
    expect(dns).toEqual(
      facts('ok', [
        mx('ghost.example.test', 10, { error: NX }),
        mx('txtonly.example.test', 20, { error: 'no A or AAAA record' }),
        mx('broken.example.test', 30, { error: `A lookup: ${SERVFAIL}; AAAA lookup: ${SERVFAIL}` }),
        mx('slow.example.test', 40, { error: `A lookup: ${TIMEOUT}; AAAA lookup: ${REFUSED}` }),
        mx('odd.example.test', 50, { error: 'A lookup: the lookup failed (A odd.example.test: EBADRESP)' }),
        mx('half.example.test', 55, { error: 'no A or AAAA record' }),
        mx('mx.example.test', 60, { addresses: ['192.0.2.60'] }),
        mx('alias.example.test', 70, { addresses: ['192.0.2.70'], cname: 'real.example.test' }),
        mx('[192.0.2.1]', 80, { isIpLiteral: true }),
        mx('2001:db8::25', 90, { isIpLiteral: true }),
      ]),
    );
    expect(hosts).toEqual<MailHost[]>([
      { mx: 'mx.example.test', preference: 60, addresses: [v4('192.0.2.60')] },
      { mx: 'alias.example.test', preference: 70, addresses: [v4('192.0.2.70')] },
    ]);
    // An address literal is never looked up.
    expect(resolver.asked.filter((q) => q.includes('192.0.2.1') || q.includes('2001:db8::25'))).toEqual([]);
  });

  it('takes a CNAME answer that is empty as "not an alias"', async () => {
    const resolver = fakeResolver({
      'MX example.test': [
        { exchange: 'empty.example.test', priority: 10 },
        { exchange: 'blank.example.test', priority: 20 },
      ],
      'CNAME empty.example.test': [],
      'CNAME blank.example.test': [''],
      'A empty.example.test': ['192.0.2.1'],
      'A blank.example.test': ['192.0.2.2'],
    });
    const { dns } = await resolveMailHosts(domainTarget('example.test'), resolver, opts());
    expect(dns.mx).toEqual([mx('empty.example.test', 10, { addresses: ['192.0.2.1'] }), mx('blank.example.test', 20, { addresses: ['192.0.2.2'] })]);
  });

  it('does not take a name with one bracket for an address literal', async () => {
    for (const exchange of ['192.0.2.1]', '[192.0.2.10']) {
      const resolver = fakeResolver({ 'MX example.test': [{ exchange, priority: 10 }] });
      const { dns } = await resolveMailHosts(domainTarget('example.test'), resolver, opts());
      expect(dns.mx).toEqual([mx(exchange, 10, { error: NX })]);
      expect(sorted(resolver.asked)).toEqual(sorted(['MX example.test', `A ${exchange}`, `AAAA ${exchange}`, `CNAME ${exchange}`]));
    }
  });

  it('keeps one copy of an address the server gave twice', async () => {
    const resolver = fakeResolver({
      'MX example.test': [{ exchange: 'mx.example.test', priority: 10 }],
      'A mx.example.test': ['192.0.2.5', '192.0.2.5'],
      'AAAA mx.example.test': ['2001:DB8::5', '2001:db8::5'],
    });
    const { dns, hosts } = await resolveMailHosts(domainTarget('example.test'), resolver, opts());
    expect(dns.mx).toEqual([mx('mx.example.test', 10, { addresses: ['192.0.2.5', '2001:DB8::5'] })]);
    expect(hosts).toEqual([{ mx: 'mx.example.test', preference: 10, addresses: [v4('192.0.2.5'), v6('2001:DB8::5')] }]);
  });

  it('with first, keeps only the best MX host that has an address', async () => {
    const resolver = fakeResolver({
      'MX example.test': [
        { exchange: 'ghost.example.test', priority: 5 },
        { exchange: 'mx2.example.test', priority: 20 },
        { exchange: 'mx1.example.test', priority: 10 },
      ],
      'A mx1.example.test': ['192.0.2.1'],
      'A mx2.example.test': ['192.0.2.2'],
    });
    const { dns, hosts } = await resolveMailHosts(domainTarget('example.test'), resolver, opts({ first: true }));
    expect(dns.mx.map((r) => r.exchange)).toEqual(['ghost.example.test', 'mx1.example.test', 'mx2.example.test']);
    expect(hosts).toEqual([{ mx: 'mx1.example.test', preference: 10, addresses: [v4('192.0.2.1')] }]);
  });

  it('asks only for the address families that are on', async () => {
    const table: Record<string, Outcome> = {
      'MX example.test': [
        { exchange: 'dual.example.test', priority: 10 },
        { exchange: 'v4.example.test', priority: 20 },
        { exchange: 'v6.example.test', priority: 30 },
      ],
      'A dual.example.test': ['192.0.2.1'],
      'AAAA dual.example.test': ['2001:db8::1'],
      'A v4.example.test': ['192.0.2.4'],
      'AAAA v6.example.test': ['2001:db8::6'],
    };
    const v4only = fakeResolver(table);
    const four = await resolveMailHosts(domainTarget('example.test'), v4only, opts({ families: { v4: true, v6: false } }));
    expect(four.dns.mx).toEqual([
      mx('dual.example.test', 10, { addresses: ['192.0.2.1'] }),
      mx('v4.example.test', 20, { addresses: ['192.0.2.4'] }),
      mx('v6.example.test', 30, { error: 'no A record' }),
    ]);
    expect(four.hosts.map((h) => h.addresses)).toEqual([[v4('192.0.2.1')], [v4('192.0.2.4')]]);
    expect(v4only.asked.filter((q) => q.startsWith('AAAA '))).toEqual([]);

    const v6only = fakeResolver(table);
    const six = await resolveMailHosts(domainTarget('example.test'), v6only, opts({ families: { v4: false, v6: true } }));
    expect(six.dns.mx).toEqual([
      mx('dual.example.test', 10, { addresses: ['2001:db8::1'] }),
      mx('v4.example.test', 20, { error: 'no AAAA record' }),
      mx('v6.example.test', 30, { addresses: ['2001:db8::6'] }),
    ]);
    expect(six.hosts.map((h) => h.addresses)).toEqual([[v6('2001:db8::1')], [v6('2001:db8::6')]]);
    expect(v6only.asked.filter((q) => q.startsWith('A '))).toEqual([]);

    const none = await resolveMailHosts(domainTarget('example.test'), fakeResolver(table), opts({ families: { v4: false, v6: false } }));
    expect(none.dns.mx).toEqual([
      mx('dual.example.test', 10, { error: NO_FAMILY }),
      mx('v4.example.test', 20, { error: NO_FAMILY }),
      mx('v6.example.test', 30, { error: NO_FAMILY }),
    ]);
    expect(none.hosts).toEqual([]);
  });

  it('maps names in hostMap instead of looking them up, keys compared as names', async () => {
    const resolver = fakeResolver({
      'MX example.test': [
        { exchange: 'lab.example.test', priority: 10 },
        { exchange: 'LAB6.example.test.', priority: 20 },
        { exchange: 'mx.example.test', priority: 30 },
      ],
      'A mx.example.test': ['192.0.2.30'],
    });
    const hostMap = mapOf({ ' LAB.Example.TEST. ': { address: '127.0.0.1', port: 2525 }, 'lab6.example.test': { address: '::1', port: null } });
    const { dns, hosts } = await resolveMailHosts(domainTarget('example.test'), resolver, opts({ hostMap }));
    expect(dns).toEqual(
      facts('ok', [
        mx('lab.example.test', 10, { addresses: ['127.0.0.1'] }),
        mx('lab6.example.test', 20, { addresses: ['::1'] }),
        mx('mx.example.test', 30, { addresses: ['192.0.2.30'] }),
      ]),
    );
    expect(hosts).toEqual<MailHost[]>([
      { mx: 'lab.example.test', preference: 10, addresses: [v4('127.0.0.1', 2525)] },
      { mx: 'lab6.example.test', preference: 20, addresses: [v6('::1')] },
      { mx: 'mx.example.test', preference: 30, addresses: [v4('192.0.2.30')] },
    ]);
    expect(resolver.asked.filter((q) => q.includes('lab'))).toEqual([]);
  });

  it('normalises the domain before asking: space, case, trailing dot', async () => {
    const resolver = fakeResolver({ 'MX example.test': [{ exchange: 'mx.example.test', priority: 10 }], 'A mx.example.test': ['192.0.2.1'] });
    const { dns } = await resolveMailHosts(domainTarget(' Example.TEST. '), resolver, opts());
    expect(dns.status).toBe('ok');
    expect(resolver.asked[0]).toBe('MX example.test');
  });
});

describe('resolveMailHosts: null MX (RFC 7505)', () => {
  it('a lone null MX means the domain takes no mail: nothing to probe', async () => {
    for (const exchange of ['.', '']) {
      const resolver = fakeResolver({ 'MX nullmx.test': [{ exchange, priority: 0 }] });
      const result = await resolveMailHosts(domainTarget('nullmx.test'), resolver, opts());
      expect(result, JSON.stringify(exchange)).toEqual({ dns: facts('null-mx', [mx('.', 0)]), hosts: [], notProbed: [] });
      expect(resolver.asked).toEqual(['MX nullmx.test']);
    }
  });

  it('keeps the preference a lone null MX was given', async () => {
    const resolver = fakeResolver({ 'MX nullmx.test': [{ exchange: '.', priority: 10 }] });
    expect((await resolveMailHosts(domainTarget('nullmx.test'), resolver, opts())).dns).toEqual(facts('null-mx', [mx('.', 10)]));
  });

  it('a null MX beside real MX records is a mistake on that record; the real ones are probed', async () => {
    for (const exchange of ['.', '']) {
      const resolver = fakeResolver({
        'MX mixed.test': [
          { exchange: 'mx.mixed.test', priority: 10 },
          { exchange, priority: 0 },
        ],
        'A mx.mixed.test': ['192.0.2.10'],
      });
      const result = await resolveMailHosts(domainTarget('mixed.test'), resolver, opts());
      expect(result, JSON.stringify(exchange)).toEqual({
        dns: facts('ok', [
          mx('.', 0, { error: 'a null MX (".") listed alongside other MX records' }),
          mx('mx.mixed.test', 10, { addresses: ['192.0.2.10'] }),
        ]),
        hosts: [{ mx: 'mx.mixed.test', preference: 10, addresses: [v4('192.0.2.10')] }],
        notProbed: [],
      });
      // The null MX itself is never looked up.
      expect(sorted(resolver.asked)).toEqual(sorted(['MX mixed.test', 'A mx.mixed.test', 'AAAA mx.mixed.test', 'CNAME mx.mixed.test']));
    }
  });
});

describe('resolveMailHosts: the MX lookup fails', () => {
  const cases: [string, Outcome, DnsFacts['status'], string][] = [
    ['NXDOMAIN', fail('NXDOMAIN'), 'nxdomain', NX],
    ['SERVFAIL', fail('SERVFAIL'), 'servfail', SERVFAIL],
    ['TIMEOUT', fail('TIMEOUT'), 'timeout', TIMEOUT],
    ['REFUSED', fail('REFUSED'), 'error', `MX lookup: ${REFUSED}`],
    // Nothing listens at the resolver's address: said as such, never as a refusal.
    ['UNREACHABLE', fail('UNREACHABLE'), 'error', `MX lookup: no DNS server answers at ${RESOLVER} (nothing listens there)`],
    ['OTHER', fail('OTHER', 'MX example.test: EBADRESP'), 'error', 'MX lookup: the lookup failed (MX example.test: EBADRESP)'],
  ];
  it('UNREACHABLE at the system resolvers: said so, without a made-up address', async () => {
    const resolver = fakeResolver({ 'MX example.test': fail('UNREACHABLE') }, 'system');
    expect((await resolveMailHosts(domainTarget('example.test'), resolver, opts())).dns.error).toBe(
      "MX lookup: no DNS server answers at the system resolvers' addresses (nothing listens there)",
    );
  });

  it.each(cases)('%s → its status, nothing to probe', async (_code, outcome, status, error) => {
    const resolver = fakeResolver({ 'MX example.test': outcome, 'A example.test': ['192.0.2.1'] });
    expect(await resolveMailHosts(domainTarget('example.test'), resolver, opts())).toEqual({ dns: facts(status, [], error), hosts: [], notProbed: [] });
    expect(resolver.asked).toEqual(['MX example.test']);
  });
});

describe('resolveMailHosts: no MX record (implicit MX, RFC 5321 §5.1)', () => {
  it('takes the domain itself as MX 0 when the MX answer is NODATA or empty', async () => {
    for (const answer of [undefined, []] as const) {
      const table: Record<string, Outcome> = { 'A implicit.test': ['192.0.2.30'], 'TXT implicit.test': ['v=spf1 -all'] };
      if (answer !== undefined) table['MX implicit.test'] = answer;
      const resolver = fakeResolver(table);
      const result = await resolveMailHosts(domainTarget('implicit.test'), resolver, opts());
      expect(result).toEqual({
        dns: facts('no-mx-implicit', [mx('implicit.test', 0, { addresses: ['192.0.2.30'] })]),
        hosts: [{ mx: 'implicit.test', preference: 0, addresses: [v4('192.0.2.30')] }],
        notProbed: [],
      });
      // No CNAME question for the implicit MX.
      expect(sorted(resolver.asked)).toEqual(sorted(['MX implicit.test', 'A implicit.test', 'AAAA implicit.test']));
    }
  });

  it('says why there is nothing to probe', async () => {
    const cases: [Record<string, Outcome>, MailHostOptions['families'], string][] = [
      [{ 'TXT bare.test': ['x'] }, both, 'no MX record, and no A or AAAA record'],
      [{ 'MX bare.test': fail('NODATA'), 'A bare.test': fail('NXDOMAIN'), 'AAAA bare.test': fail('NXDOMAIN') }, both, `no MX record, and ${NX}`],
      [{ 'TXT bare.test': ['x'], 'A bare.test': fail('SERVFAIL') }, both, `no MX record, and A lookup: ${SERVFAIL}`],
      [{ 'TXT bare.test': ['x'] }, { v4: false, v6: false }, `no MX record, and ${NO_FAMILY}`],
    ];
    for (const [table, families, error] of cases) {
      const result = await resolveMailHosts(domainTarget('bare.test'), fakeResolver(table), opts({ families, first: true }));
      expect(result).toEqual({ dns: facts('no-mx-implicit', [mx('bare.test', 0, { error })]), hosts: [], notProbed: [] });
    }
  });

  it('maps the domain through hostMap without looking it up', async () => {
    const resolver = fakeResolver({ 'TXT lab.test': ['x'] });
    const hostMap = mapOf({ 'LAB.test.': { address: '127.0.0.1', port: 2525 } });
    const result = await resolveMailHosts(domainTarget('lab.test'), resolver, opts({ hostMap }));
    expect(result).toEqual({
      dns: facts('no-mx-implicit', [mx('lab.test', 0, { addresses: ['127.0.0.1'] })]),
      hosts: [{ mx: 'lab.test', preference: 0, addresses: [v4('127.0.0.1', 2525)] }],
      notProbed: [],
    });
    expect(resolver.asked).toEqual(['MX lab.test']);
  });
});

describe('resolveMailHosts: a host target', () => {
  it('uses an address literal as it is, without DNS', async () => {
    const resolver = fakeResolver({});
    expect(await resolveMailHosts(hostTarget('192.0.2.1'), resolver, opts())).toEqual({
      dns: facts('not-applicable'),
      hosts: [{ mx: '192.0.2.1', preference: null, addresses: [v4('192.0.2.1')] }],
      notProbed: [],
    });
    expect(await resolveMailHosts(hostTarget('[2001:db8::1]'), resolver, opts())).toEqual({
      dns: facts('not-applicable'),
      hosts: [{ mx: '2001:db8::1', preference: null, addresses: [v6('2001:db8::1')] }],
      notProbed: [],
    });
    expect(resolver.asked).toEqual([]);
  });

  it('maps an address literal through hostMap', async () => {
    const hostMap = mapOf({ '192.0.2.1': { address: '::1', port: 2525 } });
    expect(await resolveMailHosts(hostTarget('192.0.2.1'), fakeResolver({}), opts({ hostMap }))).toEqual({
      dns: facts('not-applicable'),
      hosts: [{ mx: '192.0.2.1', preference: null, addresses: [v6('::1', 2525)] }],
      notProbed: [],
    });
  });

  it('maps a host name through hostMap without looking it up', async () => {
    const resolver = fakeResolver({});
    const hostMap = mapOf({ 'mx.example.test': { address: '127.0.0.1', port: 2525 } });
    expect(await resolveMailHosts(hostTarget('MX.Example.Test.'), resolver, opts({ hostMap }))).toEqual({
      dns: facts('ok'),
      hosts: [{ mx: 'mx.example.test', preference: null, addresses: [v4('127.0.0.1', 2525)] }],
      notProbed: [],
    });
    expect(resolver.asked).toEqual([]);
  });

  it('looks a host name up', async () => {
    const resolver = fakeResolver({ 'A mx.example.test': ['192.0.2.1'], 'AAAA mx.example.test': ['2001:db8::1'] });
    expect(await resolveMailHosts(hostTarget('mx.example.test'), resolver, opts())).toEqual({
      dns: facts('ok'),
      hosts: [{ mx: 'mx.example.test', preference: null, addresses: [v4('192.0.2.1'), v6('2001:db8::1')] }],
      notProbed: [],
    });
    expect(sorted(resolver.asked)).toEqual(['A mx.example.test', 'AAAA mx.example.test']);
  });

  const failures: [string, Record<string, Outcome>, MailHostOptions['families'], DnsFacts['status'], string][] = [
    ['no such name', {}, both, 'nxdomain', NX],
    ['SERVFAIL', { 'A h.test': fail('SERVFAIL') }, both, 'servfail', `A lookup: ${SERVFAIL}`],
    ['TIMEOUT', { 'AAAA h.test': fail('TIMEOUT') }, both, 'timeout', `AAAA lookup: ${TIMEOUT}`],
    ['SERVFAIL before TIMEOUT', { 'A h.test': fail('SERVFAIL'), 'AAAA h.test': fail('TIMEOUT') }, both, 'servfail', `A lookup: ${SERVFAIL}; AAAA lookup: ${TIMEOUT}`],
    ['TIMEOUT before SERVFAIL', { 'A h.test': fail('TIMEOUT'), 'AAAA h.test': fail('SERVFAIL') }, both, 'timeout', `A lookup: ${TIMEOUT}; AAAA lookup: ${SERVFAIL}`],
    ['NXDOMAIN and SERVFAIL', { 'A h.test': fail('NXDOMAIN'), 'AAAA h.test': fail('SERVFAIL') }, both, 'servfail', `AAAA lookup: ${SERVFAIL}`],
    ['NODATA then SERVFAIL', { 'A h.test': fail('NODATA'), 'AAAA h.test': fail('SERVFAIL') }, both, 'servfail', `AAAA lookup: ${SERVFAIL}`],
    ['REFUSED', { 'A h.test': fail('REFUSED'), 'AAAA h.test': fail('REFUSED') }, both, 'error', `A lookup: ${REFUSED}; AAAA lookup: ${REFUSED}`],
    ['OTHER', { 'A h.test': fail('OTHER', 'A h.test: ECONNRESET') }, { v4: true, v6: false }, 'error', 'A lookup: the lookup failed (A h.test: ECONNRESET)'],
    ['NODATA', { 'TXT h.test': ['x'] }, both, 'error', 'no A or AAAA record'],
    ['no family', {}, { v4: false, v6: false }, 'error', NO_FAMILY],
    ['empty answers', { 'A h.test': [], 'AAAA h.test': [] }, both, 'error', 'no A or AAAA record'],
    ['an empty answer and NXDOMAIN', { 'A h.test': [], 'AAAA h.test': fail('NXDOMAIN') }, both, 'error', 'no A or AAAA record'],
    ['NXDOMAIN, one family', {}, { v4: false, v6: true }, 'nxdomain', NX],
  ];
  it.each(failures)('%s → its status', async (_label, table, families, status, error) => {
    const result = await resolveMailHosts(hostTarget('h.test'), fakeResolver(table), opts({ families }));
    expect(result).toEqual({ dns: facts(status, [], `h.test: ${error}`), hosts: [], notProbed: [] });
  });
});

describe('resolveMailHosts: our bugs are not DNS outcomes', () => {
  const bug = (): Error => new TypeError('bug in the resolver adapter');
  const cases: [string, Target, Record<string, Outcome>][] = [
    ['MX', domainTarget('example.test'), { 'MX example.test': bug() }],
    ['A of an MX host', domainTarget('example.test'), { 'MX example.test': [{ exchange: 'mx.example.test', priority: 1 }], 'A mx.example.test': bug() }],
    ['AAAA of an MX host', domainTarget('example.test'), { 'MX example.test': [{ exchange: 'mx.example.test', priority: 1 }], 'AAAA mx.example.test': bug() }],
    ['CNAME of an MX host', domainTarget('example.test'), { 'MX example.test': [{ exchange: 'mx.example.test', priority: 1 }], 'CNAME mx.example.test': bug() }],
    ['A of a host target', hostTarget('mx.example.test'), { 'A mx.example.test': bug() }],
  ];
  it.each(cases)('a non-DnsError from %s propagates', async (_label, target, table) => {
    await expect(resolveMailHosts(target, fakeResolver(table), opts())).rejects.toThrow(TypeError);
  });

  it('rejects a target whose kind and fields disagree', async () => {
    const resolver = fakeResolver({});
    await expect(resolveMailHosts({ ...hostTarget('x'), host: null }, resolver, opts())).rejects.toThrow('internal: a host target without a host');
    await expect(resolveMailHosts({ ...domainTarget('x'), domain: null }, resolver, opts())).rejects.toThrow('internal: a domain target without a domain');
    expect(resolver.asked).toEqual([]);
  });
});

describe('resolveMailHosts: at most maxMx MX host names', () => {
  /** A domain with `count` MX hosts, preferences 1..count, each with one IPv4 address. */
  function zone(count: number, extra: Record<string, Outcome> = {}): Record<string, Outcome> {
    const table: Record<string, Outcome> = { 'MX many.test': [], ...extra };
    const answers: { exchange: string; priority: number }[] = [];
    for (let i = 1; i <= count; i++) {
      answers.push({ exchange: `mx${i}.many.test`, priority: i });
      table[`A mx${i}.many.test`] = [`192.0.2.${i}`];
    }
    table['MX many.test'] = [...answers, ...((extra['MX many.test'] as { exchange: string; priority: number }[] | undefined) ?? [])];
    return table;
  }

  it('looks up only the first maxMx names by preference; the others come back, in order, never asked about', async () => {
    const resolver = fakeResolver(zone(12));
    const result = await resolveMailHosts(domainTarget('many.test'), resolver, opts({ maxMx: 10, families: { v4: true, v6: false } }));
    expect(result.hosts.map((h) => h.mx)).toEqual(Array.from({ length: 10 }, (_, i) => `mx${i + 1}.many.test`));
    expect(result.dns.mx.map((r) => r.exchange)).toEqual(result.hosts.map((h) => h.mx));
    expect(result.notProbed).toEqual([
      { reason: 'max-mx', exchange: 'mx11.many.test', preference: 11, address: null },
      { reason: 'max-mx', exchange: 'mx12.many.test', preference: 12, address: null },
    ]);
    // 1 MX question, then A and CNAME for each of the ten: nothing about mx11 or mx12.
    expect(resolver.asked.length).toBe(1 + 10 * 2);
    expect(resolver.asked.filter((q) => /mx1[12]\./.test(q))).toEqual([]);
  });

  it('counts names, not records: every record of a kept name stays, in preference order', async () => {
    const table = zone(3, { 'MX many.test': [{ exchange: 'mx1.many.test', priority: 50 }] });
    const result = await resolveMailHosts(domainTarget('many.test'), fakeResolver(table), opts({ maxMx: 2, families: { v4: true, v6: false } }));
    expect(result.dns.mx.map((r) => `${r.preference} ${r.exchange}`)).toEqual(['1 mx1.many.test', '2 mx2.many.test', '50 mx1.many.test']);
    expect(result.notProbed).toEqual([{ reason: 'max-mx', exchange: 'mx3.many.test', preference: 3, address: null }]);
    expect(result.hosts.map((h) => h.mx)).toEqual(['mx1.many.test', 'mx2.many.test']);
  });

  it('without maxMx, or with as many names as there are: everything, nothing left out', async () => {
    for (const maxMx of [undefined, 3]) {
      const result = await resolveMailHosts(domainTarget('many.test'), fakeResolver(zone(3)), opts({ families: { v4: true, v6: false }, ...(maxMx ? { maxMx } : {}) }));
      expect(result.hosts.map((h) => h.mx)).toEqual(['mx1.many.test', 'mx2.many.test', 'mx3.many.test']);
      expect(result.notProbed).toEqual([]);
    }
  });
});

describe('resolveMailHosts: at most maxAddresses addresses of one name', () => {
  const v4s = (n: number) => Array.from({ length: n }, (_, i) => `192.0.2.${i + 1}`);
  const v6s = (n: number) => Array.from({ length: n }, (_, i) => `2001:db8::${i + 1}`);

  it('an MX host with 300 IPv4 and 2 IPv6 addresses: 10 probed, both families, the others listed with their addresses', async () => {
    const resolver = fakeResolver({ 'MX wide.test': [{ exchange: 'mx.wide.test', priority: 5 }], 'A mx.wide.test': v4s(300), 'AAAA mx.wide.test': v6s(2) });
    const result = await resolveMailHosts(domainTarget('wide.test'), resolver, opts({ maxAddresses: 10 }));
    expect(result.hosts).toEqual([{ mx: 'mx.wide.test', preference: 5, addresses: [...v4s(8).map((a) => v4(a)), ...v6s(2).map((a) => v6(a))] }]);
    expect(result.dns.mx.map((r) => r.addresses)).toEqual([[...v4s(8), ...v6s(2)]]);
    expect(result.notProbed).toEqual(v4s(300).slice(8).map((address) => ({ reason: 'max-addresses', exchange: 'mx.wide.test', preference: 5, address })));
  });

  it('takes the families in turn: 10 of each family gives 5 and 5', async () => {
    const resolver = fakeResolver({ 'A h.test': v4s(10), 'AAAA h.test': v6s(10) });
    const result = await resolveMailHosts(hostTarget('h.test'), resolver, opts({ maxAddresses: 10 }));
    expect(result.hosts[0]!.addresses).toEqual([...v4s(5).map((a) => v4(a)), ...v6s(5).map((a) => v6(a))]);
    expect(result.notProbed.map((n) => [n.reason, n.exchange, n.preference, n.address])).toEqual([...v4s(10).slice(5), ...v6s(10).slice(5)].map((a) => ['max-addresses', 'h.test', null, a]));
  });

  it('fills up with the other family when one runs out, and stops at the bound mid-turn', async () => {
    // One IPv4 address and many IPv6 ones: the single IPv4 one is kept, the rest filled with IPv6.
    const lopsided = await resolveMailHosts(hostTarget('h.test'), fakeResolver({ 'A h.test': v4s(1), 'AAAA h.test': v6s(12) }), opts({ maxAddresses: 10 }));
    expect(lopsided.hosts[0]!.addresses.map((a) => a.address)).toEqual([...v4s(1), ...v6s(9)]);
    expect(lopsided.notProbed.map((n) => n.address)).toEqual(v6s(12).slice(9));
    // An odd bound: the turn that reaches it stops there (3 of 24: two IPv4, one IPv6).
    const odd = await resolveMailHosts(hostTarget('h.test'), fakeResolver({ 'A h.test': v4s(12), 'AAAA h.test': v6s(12) }), opts({ maxAddresses: 3 }));
    expect(odd.hosts[0]!.addresses.map((a) => a.address)).toEqual([...v4s(2), ...v6s(1)]);
  });

  it('the implicit MX too; and no more than there are: nothing left out', async () => {
    const implicit = await resolveMailHosts(domainTarget('bare.test'), fakeResolver({ 'A bare.test': v4s(4) }), opts({ maxAddresses: 3, families: { v4: true, v6: false } }));
    expect(implicit.hosts[0]!.addresses.map((a) => a.address)).toEqual(v4s(3));
    expect(implicit.notProbed).toEqual([{ reason: 'max-addresses', exchange: 'bare.test', preference: 0, address: '192.0.2.4' }]);
    const exact = await resolveMailHosts(hostTarget('h.test'), fakeResolver({ 'A h.test': v4s(3) }), opts({ maxAddresses: 3, families: { v4: true, v6: false } }));
    expect(exact.notProbed).toEqual([]);
  });
});
