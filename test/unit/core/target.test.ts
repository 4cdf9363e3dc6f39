import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { ipFamily, ipv6PortReading, isIPv4, isIPv6 } from '../../../src/core/ip.js';
import { parseTarget } from '../../../src/core/target.js';

describe('parseTarget: mail domains', () => {
  it('takes a bare name as a mail domain on port 25', () => {
    expect(parseTarget('example.com', {})).toEqual({
      input: 'example.com',
      kind: 'domain',
      domain: 'example.com',
      host: null,
      port: 25,
      implicitTls: false,
    });
  });

  it('normalises case, a trailing dot and surrounding space', () => {
    expect(parseTarget('  Example.COM. ', {}).domain).toBe('example.com');
    expect(parseTarget('localhost', {}).domain).toBe('localhost');
    expect(parseTarget('a-b.c0.example', {}).domain).toBe('a-b.c0.example');
    expect(parseTarget('123.example', {}).domain).toBe('123.example');
  });

  it('takes the domain of user@domain', () => {
    const t = parseTarget('Postmaster@Example.com', {});
    expect(t).toMatchObject({ kind: 'domain', domain: 'example.com', host: null, port: 25, input: 'Postmaster@Example.com' });
    expect(parseTarget('"odd@local"@example.org', {}).domain).toBe('example.org');
    expect(parseTarget('-list@example.org', {}).domain).toBe('example.org');
  });

  it('converts an internationalised name to its ASCII form', () => {
    expect(parseTarget('bücher.example', {}).domain).toBe('xn--bcher-kva.example');
    expect(parseTarget('user@ÜBER.example.', {}).domain).toBe('xn--ber-goa.example');
    expect(parseTarget('xn--bcher-kva.example', {}).domain).toBe('xn--bcher-kva.example');
  });

  it('accepts names at the length limits', () => {
    const label63 = 'a'.repeat(63);
    expect(parseTarget(`${label63}.example`, {}).domain).toBe(`${label63}.example`);
    const name253 = [...Array<string>(3).fill('a'.repeat(63)), 'b'.repeat(61)].join('.');
    expect(name253).toHaveLength(253);
    expect(parseTarget(name253, {}).domain).toBe(name253);
    expect(parseTarget(`${name253}.`, {}).domain).toBe(name253);
  });

  it('lets --port and --tls-on-connect apply to a domain', () => {
    expect(parseTarget('example.com', { port: 465 })).toMatchObject({ kind: 'domain', port: 465, implicitTls: true });
    expect(parseTarget('example.com', { port: 587 })).toMatchObject({ port: 587, implicitTls: false });
    expect(parseTarget('example.com', { port: 2465, tlsOnConnect: true })).toMatchObject({ port: 2465, implicitTls: true });
    expect(parseTarget('example.com', { port: 465, tlsOnConnect: false })).toMatchObject({ implicitTls: false });
    expect(parseTarget('example.com', { port: null, host: null })).toMatchObject({ port: 25 });
  });
});

describe('parseTarget: one server directly', () => {
  it('takes host:port', () => {
    expect(parseTarget('MX1.example.com:2525', {})).toEqual({
      input: 'MX1.example.com:2525',
      kind: 'host',
      domain: null,
      host: 'mx1.example.com',
      port: 2525,
      implicitTls: false,
    });
    expect(parseTarget('smtp.example.com.:465', {})).toMatchObject({ host: 'smtp.example.com', port: 465, implicitTls: true });
  });

  it('takes an IPv4 address, with or without a port', () => {
    expect(parseTarget('192.0.2.1', {})).toMatchObject({ kind: 'host', domain: null, host: '192.0.2.1', port: 25 });
    expect(parseTarget('192.0.2.1:587', {})).toMatchObject({ kind: 'host', host: '192.0.2.1', port: 587 });
    expect(parseTarget('[192.0.2.1]', {})).toMatchObject({ kind: 'host', host: '192.0.2.1', port: 25 });
  });

  it('takes IPv6 in brackets, with a port, in SMTP form, or bare', () => {
    expect(parseTarget('[2001:DB8::1]', {})).toMatchObject({ kind: 'host', domain: null, host: '2001:db8::1', port: 25 });
    expect(parseTarget('[2001:db8::1]:2525', {})).toMatchObject({ host: '2001:db8::1', port: 2525 });
    expect(parseTarget('[IPv6:2001:db8::1]', {})).toMatchObject({ host: '2001:db8::1', port: 25 });
    // The IPv6: tag names an IPv6 address; an IPv4 address behind it is a mistake, not an address.
    expect(() => parseTarget('[IPv6:192.0.2.1]', {})).toThrow(/not a valid IPv6 address/);
    expect(() => parseTarget('postmaster@[IPv6:192.0.2.1]', {})).toThrow(UsageError);
    expect(parseTarget('[192.0.2.1]', {})).toMatchObject({ host: '192.0.2.1' });
    expect(parseTarget('2001:db8::1', {})).toMatchObject({ kind: 'host', host: '2001:db8::1', port: 25 });
    expect(parseTarget('::1', { port: 2525 })).toMatchObject({ host: '::1', port: 2525 });
    expect(parseTarget('::ffff:192.0.2.1', {})).toMatchObject({ host: '::ffff:192.0.2.1' });
  });

  it('takes user@[address literal] as that server', () => {
    expect(parseTarget('postmaster@[192.0.2.1]', {})).toMatchObject({ kind: 'host', domain: null, host: '192.0.2.1', port: 25 });
    expect(parseTarget('postmaster@[IPv6:2001:db8::2]', {})).toMatchObject({ kind: 'host', host: '2001:db8::2' });
  });

  it('uses --host as the server and the positional as the domain', () => {
    expect(parseTarget('user@Example.com', { host: 'MX.example.net' })).toEqual({
      input: 'user@Example.com',
      kind: 'host',
      domain: 'example.com',
      host: 'mx.example.net',
      port: 25,
      implicitTls: false,
    });
    expect(parseTarget(null, { host: '192.0.2.9' })).toMatchObject({ input: '192.0.2.9', kind: 'host', domain: null, host: '192.0.2.9' });
    expect(parseTarget('', { host: 'mx.example.net:465' })).toMatchObject({ domain: null, host: 'mx.example.net', port: 465, implicitTls: true });
    expect(parseTarget('example.com', { host: '[::1]:2525' })).toMatchObject({ domain: 'example.com', host: '::1', port: 2525 });
    expect(parseTarget('example.com', { host: 'mx.example.net', port: 587 })).toMatchObject({ port: 587 });
  });

  it('accepts the same port given twice', () => {
    expect(parseTarget('mx.example.com:2525', { port: 2525 }).port).toBe(2525);
  });
});

describe('parseTarget: rejected input', () => {
  const rejected: [string | null, Parameters<typeof parseTarget>[1]][] = [
    [null, {}],
    ['', {}],
    ['   ', {}],
    ['http://example.com', {}],
    ['smtp://mx.example.com:25', {}],
    ['a b', {}],
    ['example .com', {}],
    ['exa_mple.com', {}],
    ['-a.com', {}],
    ['a-.com', {}],
    ['x.-a.com', {}],
    ['user@', {}],
    ['@example.com', {}],
    ['user@exa mple.com', {}],
    ['user@host:25', {}],
    ['user@[192.0.2.1]:25', {}],
    ['user@[nonsense]', {}],
    ['example..com', {}],
    ['.example.com', {}],
    ['example.com..', {}],
    ['.', {}],
    [`${'a'.repeat(64)}.com`, {}],
    [[...Array<string>(4).fill('a'.repeat(63))].join('.'), {}],
    ['192.0.2', {}],
    ['256.1.1.1', {}],
    ['01.2.3.4', {}],
    ['1.2.3.4.5', {}],
    ['host:', {}],
    [':25', {}],
    ['host:0', {}],
    ['host:65536', {}],
    ['host:25x', {}],
    ['host:-1', {}],
    ['[2001:db8::1', {}],
    ['[2001:db8::1]x', {}],
    ['[2001:db8::1]:', {}],
    ['[]', {}],
    ['[mx.example.com]', {}],
    ['2001:db8::1:25:1:2:3:4:5', {}],
    ['2001:db8:::1', {}],
    ['fe80::1%eth0', {}],
    ['exam!ple.com', {}],
    ['example.com/path', {}],
    ['ex\u0000ample.com', {}],
    ['\u00a0', {}],
    ['x'.repeat(5000), {}],
    ['example.com', { port: 0 }],
    ['example.com', { port: 65536 }],
    ['example.com', { port: 25.5 }],
    ['example.com', { port: Number.NaN }],
    ['mx.example.com:2525', { port: 25 }],
    [null, { host: '' }],
    ['mx.example.com:25', { host: 'mx.example.net' }],
    ['192.0.2.1', { host: 'mx.example.net' }],
    ['example.com', { host: 'user@example.net' }],
    ['example.com', { host: 'http://mx.example.net' }],
    ['example.com', { host: 'mx example' }],
  ];

  it.each(rejected.map(([input, options]) => ({ input, options, label: JSON.stringify(input)?.slice(0, 40) ?? 'null' })))(
    'rejects $label $options with one line',
    ({ input, options }) => {
    let caught: unknown;
    try {
      parseTarget(input, options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    const message = (caught as UsageError).message;
    expect(message.length).toBeGreaterThan(0);
    expect(message).not.toMatch(/\n/);
    expect(message.length).toBeLessThan(300);
    },
  );
});

describe('parseTarget: properties', () => {
  const check = (input: string | null, options: Parameters<typeof parseTarget>[1]): void => {
    try {
      const t = parseTarget(input, options);
      expect(t.port).toBeGreaterThanOrEqual(1);
      expect(t.port).toBeLessThanOrEqual(65535);
      expect(t.kind === 'host' ? t.host !== null : t.domain !== null && t.host === null).toBe(true);
      if (t.domain !== null) expect(t.domain).toMatch(/^[a-z0-9.-]{1,253}$/);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      expect(err.message).not.toMatch(/\n/);
    }
  };

  it('either returns a Target or throws UsageError, for any string', () => {
    fc.assert(fc.property(fc.option(fc.string({ maxLength: 300 })), (s) => check(s, {})), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (s) => check(s, {})), { numRuns: 1000 });
  });

  it('either returns a Target or throws UsageError, for target-like strings and options', () => {
    const alphabet = fc.constantFrom(...'aZ09-._@:[]/ é%'.split(''), 'xn--', '::', '192.0.2.1', '[::1]', 'IPv6:');
    const targetLike = fc.array(alphabet, { maxLength: 30 }).map((parts) => parts.join(''));
    const options = fc.record(
      {
        host: fc.option(targetLike),
        port: fc.option(fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.double())),
        tlsOnConnect: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(fc.option(targetLike), options, (s, o) => check(s, o)), { numRuns: 3000 });
  });

  it('accepts every generated domain and user@domain', () => {
    fc.assert(
      fc.property(fc.domain(), fc.emailAddress(), (domain, email) => {
        expect(parseTarget(domain, {})).toMatchObject({ kind: 'domain', domain: domain.toLowerCase() });
        expect(parseTarget(email, {}).domain).toBe(email.slice(email.lastIndexOf('@') + 1).toLowerCase());
      }),
      { numRuns: 500 },
    );
  });

  it('accepts every IP address, bare or bracketed with a port', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
        const v6 = ip.includes(':');
        // Bare, unless its last group could be a port ("::1:25"): then brackets are required.
        if (ipv6PortReading(ip.toLowerCase())) expect(() => parseTarget(ip, {})).toThrow(/is ambiguous: write \[/);
        else expect(parseTarget(ip, {})).toMatchObject({ kind: 'host', host: ip.toLowerCase(), port: 25 });
        if (v6) expect(parseTarget(`[${ip}]`, {})).toMatchObject({ kind: 'host', host: ip.toLowerCase(), port: 25 });
        expect(parseTarget(v6 ? `[${ip}]:${port}` : `${ip}:${port}`, {})).toMatchObject({ kind: 'host', host: ip.toLowerCase(), port });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('IP syntax checks', () => {
  it('agree with net.isIP on addresses and near-misses', () => {
    const near = fc
      .array(fc.constantFrom(...'0123456789abcdefABCDEFg:.%'.split('')), { maxLength: 45 })
      .map((cs) => cs.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), near), (text) => {
        if (text.includes('%')) return; // zone indices: node accepts them, we do not
        expect(ipFamily(text), text).toBe(isIP(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('handles the edge cases', () => {
    for (const ok of ['0.0.0.0', '255.255.255.255', '192.0.2.1']) expect(isIPv4(ok), ok).toBe(true);
    for (const bad of ['256.0.0.1', '1.2.3', '01.2.3.4', '1.2.3.4.', ' 1.2.3.4', '1..2.3']) expect(isIPv4(bad), bad).toBe(false);
    for (const ok of ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::ffff:1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '::1.2.3.4']) {
      expect(isIPv6(ok), ok).toBe(true);
    }
    for (const bad of [':', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', '1:2:3:4:5:6:7:1.2.3.4', ':1.2.3.4', 'g::1', '::1%lo', '1:2:3:4:5:6:7:8::']) {
      expect(isIPv6(bad), bad).toBe(false);
    }
  });
});

describe('reverseName', () => {
  it('builds in-addr.arpa and ip6.arpa names', async () => {
    const { reverseName } = await import('../../../src/core/ip.js');
    expect(reverseName('192.0.2.1')).toBe('1.2.0.192.in-addr.arpa');
    expect(reverseName('2001:db8::1')).toBe(`${'1'}.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
    expect(reverseName('::ffff:192.0.2.1')).toMatch(/^1\.0\.2\.0\.0\.0\.0\.c\.f\.f\.f\.f\./);
  });
});
