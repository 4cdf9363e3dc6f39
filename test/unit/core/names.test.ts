// DNS names as mxray compares them, and what passes for a name in EHLO/HELO.
import { describe, expect, it } from 'vitest';
import { isHeloName, normalizeDnsName } from '../../../src/core/names.js';

/** A syntactically good host name of exactly `length` characters ("a.a.…" ending in "a" or "aa"). */
const nameOfLength = (length: number) => `${'a.'.repeat(Math.floor((length - 1) / 2))}${'a'.repeat(2 - (length % 2))}`;

describe('normalizeDnsName', () => {
  it('lower-cases, trims and drops the trailing dot; the root becomes ""', () => {
    expect([' MX.Example.TEST. ', 'mx.example.test', '.', ''].map(normalizeDnsName)).toEqual(['mx.example.test', 'mx.example.test', '', '']);
  });
});

describe('isHeloName', () => {
  it('takes a fully qualified name or an IPv4 address literal, nothing else', () => {
    for (const ok of ['mail.example.test', 'a-b.c0', '[192.0.2.1]', '[IPv6:2001:db8::1]', '[ipv6:::1]']) expect(isHeloName(ok), ok).toBe(true);
    for (const bad of ['localhost', 'mail.example.test.', '-', 'a..b', 'a b.test', '[192.0.2.1', '', '[2001:db8::1]', '[IPv6:192.0.2.1]', '[192.0.2.300]', '[IPv6:2001:db8::g]', '[]']) expect(isHeloName(bad), bad).toBe(false);
  });

  it('takes at most 254 characters', () => {
    expect([nameOfLength(253).length, nameOfLength(254).length, nameOfLength(255).length]).toEqual([253, 254, 255]);
    expect(isHeloName(nameOfLength(253))).toBe(true);
    expect(isHeloName(nameOfLength(254))).toBe(true);
    expect(isHeloName(nameOfLength(255))).toBe(false);
    expect(isHeloName(nameOfLength(1000))).toBe(false);
  });
});
