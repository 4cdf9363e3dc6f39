// parseTarget's answers to input it cannot use: one UsageError per mistake, each saying what is
// wrong with the argument (quoted, cut to 80 characters), and the rules for ports and SMTPS.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { normalizeDomainName, parseTarget, type TargetOptions } from '../../../src/core/target.js';

const PORT_RULE = 'the port must be a number from 1 to 65535';
const LDH = 'labels hold only letters, digits and inner hyphens';
const GIVE = 'give a mail domain, user@domain or host:port';

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

const long = (n: number): string => 'a'.repeat(n);

describe('parseTarget: what each mistake is called', () => {
  const cases: [string, string | null, TargetOptions, string][] = [
    ['nothing', null, {}, `no target given: ${GIVE}`],
    ['only white space', '  \t ', {}, `no target given: ${GIVE}`],
    ['an empty --host and no target', null, { host: '   ' }, `no target given: ${GIVE}`],
    ['over 1024 characters', 'x'.repeat(1025), {}, 'the target is too long (1025 characters)'],
    ['a URL', 'http://example.com', {}, `"http://example.com" looks like a URL: ${GIVE}`],
    ['a URL with an odd scheme', 'X-1.y+z://mx.example.com', {}, `"X-1.y+z://mx.example.com" looks like a URL: ${GIVE}`],
    ['white space inside', 'a b', {}, '"a b" contains white space: give a single mail domain, user@domain or host:port'],
    ['a tab inside', 'a\tb.example', {}, '"a\\tb.example" contains white space: give a single mail domain, user@domain or host:port'],
    ['an option in the wrong place', '-v', {}, '"-v" is not a valid target (an option given in the wrong place?)'],
    ['nothing before @', '@example.com', {}, '"@example.com": the part before @ is empty'],
    ['nothing after @', 'user@', {}, '"user@": the domain after @ is missing'],
    ['a port on an e-mail address', 'user@[192.0.2.1]:25', {}, '"user@[192.0.2.1]:25": an e-mail address does not carry a port'],
    ['a name in brackets after @', 'user@[mx.example.com]', {}, '"[mx.example.com]": "mx.example.com" is not a valid IP address'],
    ['an unclosed bracket', '[2001:db8::1', {}, '"[2001:db8::1" is not a valid address: write [IPv6] or [IPv6]:port'],
    ['text after the bracket', '[2001:db8::1]x', {}, '"[2001:db8::1]x" is not a valid address: write [IPv6] or [IPv6]:port'],
    ['two bracketed addresses', '[::1][::2]', {}, '"[::1][::2]" is not a valid address: write [IPv6] or [IPv6]:port'],
    ['"IPv6:" inside the literal', '[abipv6::1]', {}, '"[abipv6::1]": "abipv6::1" is not a valid IP address'],
    ['"IPv6:" one character in', '[Xipv6::1]', {}, '"[Xipv6::1]": "xipv6::1" is not a valid IP address'],
    ['nonsense in SMTP form', '[IPv6:nonsense]', {}, '"[IPv6:nonsense]": "nonsense" is not a valid IPv6 address'],
    ['an IPv4 address behind the IPv6: tag', '[IPv6:192.0.2.1]', {}, '"[IPv6:192.0.2.1]": "192.0.2.1" is not a valid IPv6 address'],
    ['nonsense in brackets', '[nonsense]', {}, '"[nonsense]": "nonsense" is not a valid IP address'],
    ['an empty port after brackets', '[2001:db8::1]:', {}, `"[2001:db8::1]:": ${PORT_RULE}`],
    ['port 0 after brackets', '[::1]:0', {}, `"[::1]:0": ${PORT_RULE}`],
    ['a broken bare IPv6', '2001:db8:::1', {}, '"2001:db8:::1" is not a valid IPv6 address (with a port, write [IPv6]:port)'],
    ['an IPv6 with a port unbracketed', '2001:db8::1:25:1:2:3:4:5', {}, '"2001:db8::1:25:1:2:3:4:5" is not a valid IPv6 address (with a port, write [IPv6]:port)'],
    // A bare IPv6 whose last group could be a port: both readings named, never one picked silently.
    ['an IPv6 address that could end in a port', '::1:25', {}, '"::1:25" is ambiguous: write [::1]:25 for port 25 of ::1, or [::1:25] for the address ::1:25'],
    ['the same with --host', 'example.com', { host: '2001:DB8::1:2525' }, '"2001:DB8::1:2525" is ambiguous: write [2001:db8::1]:2525 for port 2525 of 2001:db8::1, or [2001:db8::1:2525] for the address 2001:db8::1:2525'],
    // Bidirectional and C1 controls in what we echo back are made visible (JSON.stringify leaves them).
    ['a right-to-left override', 'exa\u202emple.com', {}, '"exa\\u{202e}mple.com" is not a valid internationalised mail domain'],
    ['a C1 control', 'exa\u009bmple.com', {}, '"exa\\x9bmple.com" is not a valid internationalised mail domain'],
    ['a port without a server', ':25', {}, '":25": a server name or address is missing before the port'],
    ['an empty port', 'mx.example.com:', {}, `"mx.example.com:": ${PORT_RULE}`],
    ['port 0', 'mx.example.com:0', {}, `"mx.example.com:0": ${PORT_RULE}`],
    ['port 65536', 'mx.example.com:65536', {}, `"mx.example.com:65536": ${PORT_RULE}`],
    ['a six-digit port', 'mx.example.com:000025', {}, `"mx.example.com:000025": ${PORT_RULE}`],
    ['a port with letters', 'mx.example.com:25x', {}, `"mx.example.com:25x": ${PORT_RULE}`],
    ['a signed port', 'mx.example.com:+25', {}, `"mx.example.com:+25": ${PORT_RULE}`],
    ['a decimal port', 'mx.example.com:25.0', {}, `"mx.example.com:25.0": ${PORT_RULE}`],
    ['a hexadecimal port', 'mx.example.com:0x19', {}, `"mx.example.com:0x19": ${PORT_RULE}`],
    ['a bad host name before the port', 'mx_1.example.com:25', {}, `"mx_1.example.com" is not a valid host name: ${LDH}`],
    ['a bad address-like host before the port', '256.1.1.1:25', {}, '"256.1.1.1" is neither a valid IPv4 address nor a host name'],
    ['only a dot', '.', {}, '"." is not a valid mail domain'],
    ['an empty label', 'example..com', {}, '"example..com" is not a valid mail domain: it has an empty label'],
    ['two trailing dots', 'example.com..', {}, '"example.com.." is not a valid mail domain: it has an empty label'],
    ['a leading dot', '.example.com', {}, '".example.com" is not a valid mail domain: it has an empty label'],
    ['a 64-character label', `${long(64)}.com`, {}, `"${long(64)}.com" is not a valid mail domain: a label is longer than 63 characters`],
    ['an underscore', 'exa_mple.com', {}, `"exa_mple.com" is not a valid mail domain: ${LDH}`],
    ['a label ending in a hyphen', 'a-.com', {}, `"a-.com" is not a valid mail domain: ${LDH}`],
    ['a label starting with a hyphen', 'x.-a.com', {}, `"x.-a.com" is not a valid mail domain: ${LDH}`],
    ['a short IPv4', '192.0.2', {}, '"192.0.2" is neither a valid IPv4 address nor a mail domain'],
    ['an IPv4 out of range', '256.1.1.1', {}, '"256.1.1.1" is neither a valid IPv4 address nor a mail domain'],
    ['a numeric last label', 'example.123', {}, '"example.123" is neither a valid IPv4 address nor a mail domain'],
    ['an unconvertible international name', 'xn--a.é', {}, '"xn--a.é" is not a valid internationalised mail domain'],
    ['an international name with a path', 'bücher.example/path', {}, `"bücher.example/path" is not a valid mail domain: ${LDH}`],
    ['an international name with a query', 'bücher.example?x', {}, `"bücher.example?x" is not a valid mail domain: ${LDH}`],
    ['an international name with a fragment', 'user@bücher.example#x', {}, `"bücher.example#x" is not a valid mail domain: ${LDH}`],
    ['an international name with a backslash', 'bücher.example\\x', {}, `"bücher.example\\\\x" is not a valid mail domain: ${LDH}`],
    ['--port 0', 'example.com', { port: 0 }, `"0": ${PORT_RULE}`],
    ['--port 65536', 'example.com', { port: 65536 }, `"65536": ${PORT_RULE}`],
    ['--port 25.5', 'example.com', { port: 25.5 }, `"25.5": ${PORT_RULE}`],
    ['--port NaN', 'example.com', { port: Number.NaN }, `"NaN": ${PORT_RULE}`],
    ['two different ports', 'mx.example.com:2525', { port: 25 }, 'the port is given twice (2525 in the target, 25 with --port)'],
    ['an e-mail address as --host', 'example.com', { host: 'user@example.net' }, '--host "user@example.net": give a server name or address, not an e-mail address'],
    ['a URL as --host', 'example.com', { host: 'smtp://mx.example.net' }, `"smtp://mx.example.net" looks like a URL: ${GIVE}`],
    ['an option as --host', null, { host: '-v' }, '"-v" is not a valid target (an option given in the wrong place?)'],
    ['a bad --host name', null, { host: 'mx_1.example' }, `"mx_1.example" is not a valid host name: ${LDH}`],
    ['a server beside --host', 'mx.example.com:25', { host: 'mx.example.net' }, 'with --host, the target must be a mail domain or user@domain, not the server "mx.example.com:25"'],
    ['an address beside --host', '[::1]', { host: 'mx.example.net' }, 'with --host, the target must be a mail domain or user@domain, not the server "[::1]"'],
    ['a bad domain beside --host', 'exa_mple.com', { host: 'mx.example.net' }, `"exa_mple.com" is not a valid mail domain: ${LDH}`],
  ];
  it.each(cases)('%s', (_label, input, options, message) => {
    expect(usageError(() => parseTarget(input, options))).toBe(message);
  });

  it('quotes at most 80 characters of what it rejects', () => {
    const label = 'x'.repeat(70);
    expect(usageError(() => parseTarget(`${label}.com`, {}))).toBe(`"${label}.com" is not a valid mail domain: a label is longer than 63 characters`);
    const longer = `${label}.example`; // 78 characters
    expect(usageError(() => parseTarget(`${longer}:0`, {}))).toBe(`"${longer}:0": ${PORT_RULE}`);
    expect(usageError(() => parseTarget(`${longer}x:0`, {}))).toBe(`"${longer.slice(0, 77)}...": ${PORT_RULE}`);
  });

  it('checks the length of a name after the 1024-character input limit', () => {
    const name = [long(63), long(63), long(63), long(63)].join('.'); // 255 characters
    expect(usageError(() => parseTarget(name, {}))).toBe(`"${name.slice(0, 77)}..." is too long for a mail domain (at most 253 characters)`);
    const input1024 = `${'a.'.repeat(511)}ab`;
    expect(input1024).toHaveLength(1024);
    expect(usageError(() => parseTarget(input1024, {}))).toBe(`"${input1024.slice(0, 77)}..." is too long for a mail domain (at most 253 characters)`);
  });

  it('does not let a second trailing dot bring an over-long name under the limit', () => {
    const name = `${[long(63), long(63), long(63), 'b'.repeat(60)].join('.')}..`; // 254 characters
    expect(name).toHaveLength(254);
    expect(usageError(() => parseTarget(name, {}))).toBe(`"${name.slice(0, 77)}..." is too long for a mail domain (at most 253 characters)`);
  });

  it('names the thing in normalizeDomainName errors ("domain name" unless told)', () => {
    expect(usageError(() => normalizeDomainName('.'))).toBe('"." is not a valid domain name');
    expect(usageError(() => normalizeDomainName('a..b', 'host name'))).toBe('"a..b" is not a valid host name: it has an empty label');
  });
});

describe('parseTarget: what it accepts at the edges', () => {
  it('takes ports 1 and 65535, leading zeros and all', () => {
    expect(parseTarget('mx.example.com:1', {}).port).toBe(1);
    expect(parseTarget('mx.example.com:65535', {}).port).toBe(65535);
    expect(parseTarget('192.0.2.1:00025', {})).toMatchObject({ host: '192.0.2.1', port: 25 });
    expect(parseTarget('[::1]:1', {}).port).toBe(1);
    expect(parseTarget('example.com', { port: 1 }).port).toBe(1);
    expect(parseTarget('example.com', { port: 65535 }).port).toBe(65535);
  });

  it('uses SMTPS (implicit TLS) on port 465 unless told otherwise', () => {
    expect(parseTarget('[2001:db8::1]:465', {})).toMatchObject({ port: 465, implicitTls: true });
    expect(parseTarget('mx.example.com:465', { tlsOnConnect: false })).toMatchObject({ port: 465, implicitTls: false });
    expect(parseTarget('mx.example.com:587', { tlsOnConnect: true })).toMatchObject({ port: 587, implicitTls: true });
    expect(parseTarget('mx.example.com', {})).toMatchObject({ port: 25, implicitTls: false });
  });

  it('takes the SMTP address-literal form in any case (RFC 5321 §4.1.3: IPv6 behind the tag, IPv4 without one)', () => {
    expect(parseTarget('[ipv6:2001:DB8::1]', {})).toMatchObject({ kind: 'host', host: '2001:db8::1' });
    expect(parseTarget('[192.0.2.1]', {})).toMatchObject({ kind: 'host', host: '192.0.2.1' });
    expect(parseTarget('2001:DB8::1', {})).toMatchObject({ kind: 'host', host: '2001:db8::1', port: 25 });
  });

  it('strips the trailing dot an international name gets from a full-width full stop', () => {
    expect(parseTarget('bücher.example。', {}).domain).toBe('xn--bcher-kva.example');
  });

  it('uses --host as the input when there is no positional, trimmed', () => {
    expect(parseTarget(null, { host: ' 192.0.2.9 ' })).toEqual({
      input: '192.0.2.9',
      kind: 'host',
      domain: null,
      host: '192.0.2.9',
      port: 25,
      implicitTls: false,
    });
    expect(parseTarget('  ', { host: 'mx.example.net' })).toMatchObject({ input: '  ', domain: null, host: 'mx.example.net' });
  });

  it('takes one-character labels, inner hyphens, and digits that do not make the last label numeric', () => {
    expect(parseTarget('a.b-c.d1', {}).domain).toBe('a.b-c.d1');
    expect(parseTarget('mx.a1', {}).domain).toBe('mx.a1');
    expect(parseTarget('example.1a', {}).domain).toBe('example.1a');
    expect(parseTarget('x--y.example', {}).domain).toBe('x--y.example');
  });

  it('takes an option-like local part of an address as an address', () => {
    expect(parseTarget('-v@example.com', {})).toMatchObject({ kind: 'domain', domain: 'example.com' });
  });

  it('reads "://" inside a quoted local part as part of an address, not as a URL', () => {
    expect(parseTarget('"http://x"@example.com', {})).toMatchObject({ kind: 'domain', domain: 'example.com' });
  });
});
