// The lists as data (kb/dnsbl-zones.ts) and the query names (jobs/blocklist/lookup-dnsbl.ts): what
// each answer code means, the error range that is never a listing, the default set, zone checks.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { dnsblQueryName, normalizeZone, normalizeZones } from '../../../src/jobs/blocklist/lookup-dnsbl.js';
import { asksFamily, DEFAULT_DNSBL_ZONES, DNSBL_LISTS, publicResolverOperator, readCode } from '../../../src/kb/dnsbl-zones.js';

describe('the default lists', () => {
  it('are the lists alive today, each with an operator, a policy, a removal page and documented codes; SORBS (closed in 2024) is not one', () => {
    expect(DEFAULT_DNSBL_ZONES).toEqual(['zen.spamhaus.org', 'b.barracudacentral.org', 'bl.spamcop.net', 'dnsbl-1.uceprotect.net', 'psbl.surriel.com', 'bl.mailspike.net']);
    expect(DEFAULT_DNSBL_ZONES.some((z) => z.includes('sorbs'))).toBe(false);
    for (const l of DNSBL_LISTS) {
      expect(l.operator.length, l.zone).toBeGreaterThan(0);
      expect(l.policy.length, l.zone).toBeGreaterThan(20);
      expect(l.source.length, l.zone).toBeGreaterThan(20);
      expect(l.removal, l.zone).toMatch(/^https:\/\//);
      expect(l.codes.some((c) => c.code === '127.0.0.2' && c.kind === 'listing'), l.zone).toBe(true);
    }
    expect(DNSBL_LISTS.filter((l) => l.ipv6).map((l) => l.zone)).toEqual(['zen.spamhaus.org']);
    expect(asksFamily('bl.spamcop.net', 6)).toBe(false);
    expect(asksFamily('bl.spamcop.net', 4)).toBe(true);
    // A list mxray does not know is asked about both families.
    expect(asksFamily('bl.example.net', 6)).toBe(true);
  });
});

describe('readCode', () => {
  it('Spamhaus ZEN’s codes, as documented', () => {
    expect(readCode('zen.spamhaus.org', '127.0.0.2')).toEqual({ kind: 'listing', meaning: 'SBL: a spam source or spam service Spamhaus listed by hand' });
    expect(readCode('zen.spamhaus.org', '127.0.0.30').meaning).toMatch(/^BCL/);
    expect(readCode('zen.spamhaus.org', '127.255.255.252').kind).toBe('error');
    expect(readCode('zen.spamhaus.org', '127.255.255.254').kind).toBe('refusal');
    expect(readCode('zen.spamhaus.org', '127.255.255.255').kind).toBe('refusal');
  });

  it('Mailspike BL: 127.0.0.2 is the spam wave list, 10 to 12 the worst reputation levels', () => {
    expect(readCode('bl.mailspike.net', '127.0.0.2').meaning).toMatch(/spam wave/);
    expect(readCode('bl.mailspike.net', '127.0.0.10').meaning).toMatch(/^reputation L5/);
    expect(readCode('bl.mailspike.net', '127.0.0.12').meaning).toMatch(/^reputation L3/);
  });

  it('127.255.255.x from any list, a user-given one too, is never a listing', () => {
    for (const zone of ['bl.example.net', 'bl.spamcop.net', 'zen.spamhaus.org']) {
      expect(readCode(zone, '127.255.255.254').kind, zone).toBe('refusal');
      expect(readCode(zone, '127.255.255.255').kind, zone).toBe('refusal');
      expect(readCode(zone, '127.255.255.252').kind, zone).toBe('error');
      expect(readCode(zone, '127.255.255.1').kind, zone).toBe('error');
    }
  });

  it('127.0.0.1 is never a listing (RFC 5782 §5); outside 127/8 is no list answer at all; anything else in 127/8 from an unknown list is a listing by its code', () => {
    expect(readCode('bl.example.net', '127.0.0.1').kind).toBe('error');
    expect(readCode('bl.example.net', '198.51.100.7').kind).toBe('outside');
    expect(readCode('bl.example.net', '127.0.0.256').kind).toBe('outside');
    expect(readCode('bl.example.net', '127.00.0.2').kind).toBe('outside');
    expect(readCode('bl.example.net', '::1').kind).toBe('outside');
    expect(readCode('bl.example.net', '127.1.2.3')).toEqual({ kind: 'listing', meaning: "listed (code 127.1.2.3)" });
  });
});

describe('query names and zones', () => {
  it('IPv4: the octets reversed under the zone', () => {
    expect(dnsblQueryName('192.0.2.1', 'zen.spamhaus.org')).toBe('1.2.0.192.zen.spamhaus.org');
  });

  it('IPv6: the 32 nibbles of the expanded address reversed (RFC 5782 §2.4)', () => {
    const name = dnsblQueryName('2001:DB8::1', 'zen.spamhaus.org');
    expect(name).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org');
    expect(name.replace('.zen.spamhaus.org', '').split('.')).toHaveLength(32);
  });

  it('a non-address is our bug, not a query', () => {
    expect(() => dnsblQueryName('mx.example.com', 'zen.spamhaus.org')).toThrow(TypeError);
  });

  it('zones: normalised (case, trailing dot), repeats dropped, none given → the defaults; a bad one is a usage error', () => {
    expect(normalizeZone('ZEN.Spamhaus.org.')).toBe('zen.spamhaus.org');
    expect(normalizeZones(['bl.example.net', 'BL.example.net.'])).toEqual(['bl.example.net']);
    expect(normalizeZones([])).toEqual(DEFAULT_DNSBL_ZONES);
    expect(normalizeZones(null)).toEqual(DEFAULT_DNSBL_ZONES);
    for (const bad of ['zen', 'bad_zone.example', '-x.example', 'a..b', `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example`, '', 'x.example/y']) {
      expect(() => normalizeZone(bad), bad).toThrow(UsageError);
    }
    expect(() => normalizeZones(Array.from({ length: 65 }, (_, i) => `z${i}.example`))).toThrow(UsageError);
  });

  it('public resolvers are recognised with or without a port', () => {
    expect(publicResolverOperator('8.8.8.8')).toBe('Google Public DNS');
    expect(publicResolverOperator('1.1.1.1:53')).toBe('Cloudflare');
    expect(publicResolverOperator('[2620:fe::fe]:53')).toBe('Quad9');
    expect(publicResolverOperator('127.0.0.1:5353')).toBeNull();
    expect(publicResolverOperator('system')).toBeNull();
  });
});
