// canonicalIp: one written form per address (RFC 5952 for IPv6; a mapped IPv4 as IPv4).
import { describe, expect, it } from 'vitest';
import { canonicalIp } from '../../../src/core/ip.js';

describe('canonicalIp', () => {
  it('IPv4 as is; a mapped IPv4 as IPv4; not addresses give null', () => {
    expect(canonicalIp('192.0.2.7')).toBe('192.0.2.7');
    expect(canonicalIp(' ::FFFF:192.0.2.7 ')).toBe('192.0.2.7');
    for (const bad of ['', 'host.example', '192.0.2.256', '1:2:3', '::ffff:999.1.1.1']) expect(canonicalIp(bad)).toBeNull();
  });

  it('IPv6: lower case, no leading zeros, the longest zero run (two groups or more, the first of equals) as ::', () => {
    expect(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonicalIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalIp('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(canonicalIp('::1')).toBe('::1');
    expect(canonicalIp('::')).toBe('::');
    expect(canonicalIp('fe80::')).toBe('fe80::');
  });
});
