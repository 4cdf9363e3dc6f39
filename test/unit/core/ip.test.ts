// IP literal syntax (RFC 4291 §2.2 for IPv6, dotted quads without leading zeros for IPv4) and
// reverse names (RFC 1035 §3.5 in-addr.arpa, RFC 3596 §2.5 ip6.arpa).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipFamily, ipv6PortReading, isIPv4, isIPv6, reverseName } from '../../../src/core/ip.js';

describe('isIPv4', () => {
  it.each(['0.0.0.0', '192.0.2.1', '255.255.255.255', '1.22.103.0', '100.200.250.9'])('accepts %j', (text) => {
    expect(isIPv4(text)).toBe(true);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.4.',
    '.1.2.3',
    '1..2.3',
    '256.1.1.1',
    '1.2.3.256',
    '1.2.3.1000',
    '01.2.3.4',
    '1.2.3.00',
    '1.2.3.-1',
    '+1.2.3.4',
    '1e1.2.3.4',
    '0x1.2.3.4',
    'a.b.c.d',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4\n',
    '255.255.255.2555',
  ])('rejects %j', (text) => {
    expect(isIPv4(text)).toBe(false);
  });
});

describe('isIPv6', () => {
  it.each([
    '::',
    '::1',
    '1::',
    '1::2',
    '2001:db8::1',
    'ABCD:ef01:2345:6789:abcd:EF01:2345:6789',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6::7',
    '::2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '::ffff:192.0.2.1',
    '::1.2.3.4',
    '1::1.2.3.4',
    '1:2:3:4:5::1.2.3.4',
    '1:2:3:4:5:6:1.2.3.4',
    'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255',
  ])('accepts %j', (text) => {
    expect(isIPv6(text)).toBe(true);
  });

  it.each([
    '',
    ':',
    ':::',
    '1',
    '1.2.3.4',
    ':1',
    '1:',
    ':1::',
    '::1:',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1::2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7:8::',
    '1::2::3',
    '12345::',
    'g::1',
    '::1%lo',
    'fe80::1%eth0',
    '::ffff:1.2.3',
    '::ffff:1.2.3.256',
    '::ffff:01.2.3.4',
    ':1.2.3.4',
    '1.2.3.4::',
    '::1.2.3.4:1',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1:2:3:4:5:6::1.2.3.4',
    '1:2:3:4:5:6:1.2.3.4:',
    ' ::1',
    'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2555',
  ])('rejects %j', (text) => {
    expect(isIPv6(text)).toBe(false);
  });
});

describe('ipFamily', () => {
  it('answers 4, 6 or 0 like net.isIP', () => {
    expect([ipFamily('192.0.2.1'), ipFamily('::1'), ipFamily('::ffff:192.0.2.1'), ipFamily('mx.example.test'), ipFamily('')]).toEqual([4, 6, 6, 0, 0]);
  });
});

describe('reverseName', () => {
  it('reverses the octets of an IPv4 address under in-addr.arpa', () => {
    expect(reverseName('192.0.2.1')).toBe('1.2.0.192.in-addr.arpa');
    expect(reverseName('10.0.0.255')).toBe('255.0.0.10.in-addr.arpa');
  });

  it('reverses the 32 nibbles of an IPv6 address under ip6.arpa', () => {
    // The example of RFC 3596 §2.5.
    expect(reverseName('4321:0:1:2:3:4:567:89ab')).toBe('b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa');
    // RFC 4291 §2.2's example, written in full, upper case, and compressed.
    const expected = 'a.7.1.4.c.0.0.2.0.0.8.0.8.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
    expect(reverseName('2001:DB8:0:0:8:800:200C:417A')).toBe(expected);
    expect(reverseName('2001:db8::8:800:200c:417a')).toBe(expected);
  });

  it('fills the zeros "::" stands for, wherever it is', () => {
    expect(reverseName('::')).toBe(`${'0.'.repeat(32)}ip6.arpa`);
    expect(reverseName('::1')).toBe(`1.${'0.'.repeat(31)}ip6.arpa`);
    expect(reverseName('1::')).toBe(`${'0.'.repeat(28)}1.0.0.0.ip6.arpa`);
  });

  it('turns an embedded IPv4 tail into its two groups', () => {
    expect(reverseName('::ffff:192.0.2.1')).toBe(`1.0.2.0.0.0.0.c.f.f.f.f.${'0.'.repeat(20)}ip6.arpa`);
    // RFC 6052 §2.4: 64:ff9b::192.0.2.33 is 64:ff9b::c000:221.
    expect(reverseName('64:ff9b::192.0.2.33')).toBe(`1.2.2.0.0.0.0.c.${'0.'.repeat(16)}b.9.f.f.4.6.0.0.ip6.arpa`);
    expect(reverseName('1:2:3:4:5:6:1.2.3.4')).toBe('4.0.3.0.2.0.1.0.6.0.0.0.5.0.0.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.ip6.arpa');
  });

  it('names the same address as the URL parser reads, for any IPv6 address', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const name = reverseName(ip);
        expect(name).toMatch(/^([0-9a-f]\.){32}ip6\.arpa$/);
        const nibbles = name.slice(0, 64).split('.').reverse().join('');
        const groups = Array.from({ length: 8 }, (_, i) => nibbles.slice(4 * i, 4 * i + 4)).join(':');
        expect(new URL(`http://[${groups}]/`).hostname, ip).toBe(new URL(`http://[${ip}]/`).hostname);
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves anything that is not an address as it is', () => {
    expect(['mx.example.test', '1.2.3', '', '1.2.3.4.in-addr.arpa'].map(reverseName)).toEqual(['mx.example.test', '1.2.3', '', '1.2.3.4.in-addr.arpa']);
  });
});

describe('ipv6PortReading', () => {
  it.each([
    ['::1:25', { address: '::1', port: 25 }],
    ['2001:db8::1:2525', { address: '2001:db8::1', port: 2525 }],
    ['fe80::1:9999', { address: 'fe80::1', port: 9999 }],
    ['::ffff:1', { address: '::ffff', port: 1 }],
  ])('%j could also be an address and a port: %j', (text, reading) => {
    expect(isIPv6(text)).toBe(true);
    expect(ipv6PortReading(text)).toEqual(reading);
  });

  it.each([
    // Only one reading: what comes before the last colon is no address, or what follows is no port.
    '::1',
    '::25',
    '2001:db8::25',
    '1:2:3:4:5:6:7:8',
    '::ffff:1.2.3.4',
    '2001:db8::1:0',
    '2001:db8::1:ab',
    '2001:db8::1:0x19',
    // Not IPv6 at all, though what comes before the last colon is.
    '1:2:3:4:5:6:7:8:25',
    '::1.2.3.4:25',
    '1:2:3:4:5:6::7:25',
    // Not IPv6 at all.
    '192.0.2.1',
    '127.0.0.1:25',
    'mx.example.test',
    '',
  ])('%j has one reading only', (text) => {
    expect(ipv6PortReading(text)).toBeNull();
  });

  it('the address it offers is always an IPv6 address and the port 1-65535', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const reading = ipv6PortReading(ip);
        if (reading === null) return;
        expect(isIPv6(reading.address)).toBe(true);
        expect(`${reading.address}:${reading.port}`).toBe(ip.replace(/:0*(\d+)$/, ':$1'));
        expect(reading.port >= 1 && reading.port <= 65535).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
