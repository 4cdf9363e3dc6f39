import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { announcedName, hasCapability, isMaskedBanner, isMaskedKeyword, parseEhlo } from '../../../src/smtp/ehlo.js';

const reply = (lines: string[]) => ({ code: 250, enhanced: null, lines });

describe('parseEhlo', () => {
  it('takes the name from the first line and one capability per further line', () => {
    const p = parseEhlo(reply(['mx.example.com Hello client [127.0.0.1]', 'SIZE 52428800', 'AUTH PLAIN LOGIN', 'AUTH=PLAIN LOGIN', 'starttls', '8BITMIME']));
    expect(p.name).toBe('mx.example.com');
    expect(p.capabilities.map((c) => c.keyword)).toEqual(['SIZE', 'AUTH', 'AUTH', 'STARTTLS', '8BITMIME']);
    expect(p.capabilities[0]!.params).toEqual(['52428800']);
    expect(p.capabilities[1]!.params).toEqual(['PLAIN', 'LOGIN']);
    expect(p.capabilities[2]!.params).toEqual(['PLAIN', 'LOGIN']);
    expect(p.capabilities[3]!.params).toEqual([]);
    expect(p.warnings).toEqual([]);
    expect(hasCapability(p.capabilities, 'STARTTLS')).toBe(true);
    expect(hasCapability(p.capabilities, 'CHUNKING')).toBe(false);
  });
  it('describes each keyword from the extension table, and leaves unknown ones undescribed', () => {
    const p = parseEhlo(reply(['mx.example.com', 'STARTTLS', 'X-UNKNOWN-EXT 1']));
    expect(p.capabilities[0]).toMatchObject({ keyword: 'STARTTLS', rfc: 'RFC 3207', meaning: expect.stringMatching(/TLS/) });
    expect(p.capabilities[1]).toEqual({ keyword: 'X-UNKNOWN-EXT', params: ['1'], meaning: null, rfc: null });
  });
  it('merges a keyword listed twice into one capability (the first listing wins)', () => {
    const p = parseEhlo(reply(['mx.example.com', 'SIZE 10240000', 'PIPELINING', 'size 52428800', 'STARTTLS', 'STARTTLS', 'PIPELINING']));
    expect(p.capabilities.map((c) => c.keyword)).toEqual(['SIZE', 'PIPELINING', 'STARTTLS']);
    expect(p.capabilities[0]!.params).toEqual(['10240000']);
    expect(p.warnings).toEqual([]);
  });
  it('keeps the pre-standard "AUTH=" form apart from "AUTH", and merges each form with itself', () => {
    const p = parseEhlo(reply(['mx.example.com', 'AUTH=LOGIN', 'AUTH LOGIN PLAIN', 'AUTH=PLAIN', 'AUTH CRAM-MD5']));
    expect(p.capabilities).toEqual([
      { keyword: 'AUTH', params: ['LOGIN'], meaning: expect.any(String), rfc: 'RFC 4954' },
      { keyword: 'AUTH', params: ['LOGIN', 'PLAIN'], meaning: expect.any(String), rfc: 'RFC 4954' },
    ]);
  });
  it('reads "KEYWORD=value" with further words, an empty value, and surrounding or inner white space', () => {
    const p = parseEhlo(reply(['mx.example.com', 'AUTH=LOGIN PLAIN', '  SIZE\t1000  ', 'X-EXPS=', 'DSN', 'AUTH  PLAIN \t LOGIN']));
    expect(p.capabilities.map((c) => [c.keyword, c.params])).toEqual([
      ['AUTH', ['LOGIN', 'PLAIN']],
      ['SIZE', ['1000']],
      ['X-EXPS', []],
      ['DSN', []],
      ['AUTH', ['PLAIN', 'LOGIN']],
    ]);
  });
  it('does not invent capabilities from the greeting line or garbage', () => {
    const p = parseEhlo(reply(['mx.example.com STARTTLS', '***', '', '   ', '=STARTTLS', '-SIZE 10', 'X_FOO 1', 'SIZE: 100']));
    expect(p.capabilities).toEqual([]);
    // One warning per line that is not a capability, quoting the line.
    expect(p.warnings).toEqual([
      expect.stringContaining('***'),
      expect.stringContaining('=STARTTLS'),
      expect.stringContaining('-SIZE 10'),
      expect.stringContaining('X_FOO 1'),
      expect.stringContaining('SIZE: 100'),
    ]);
  });
  it('quotes at most 80 characters of a line it cannot read', () => {
    const p = parseEhlo(reply(['mx.example.com', `*${'y'.repeat(200)}`]));
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toContain('y'.repeat(79));
    expect(p.warnings[0]).not.toContain('y'.repeat(80));
  });
  it('a reply without lines has no name and no capabilities', () => {
    expect(parseEhlo(reply([]))).toEqual({ name: null, capabilities: [], warnings: [] });
  });
  it('never throws on arbitrary lines', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 100 }), { maxLength: 20 }), (lines) => void parseEhlo(reply(lines))));
  });
});

describe('masking', () => {
  it('recognises keywords a firewall overwrote with X', () => {
    for (const k of ['XXXXXXXA', 'XXXXXXXXXX', 'XXXXXA', 'XXXXXX', 'XXXXXZ']) expect(isMaskedKeyword(k), k).toBe(true);
    for (const k of ['XEXCH50', 'X-EXPS', 'XXXXX', 'XXXXA', 'XXXXXXAB', 'AXXXXXX', 'XXXXXX1', 'xxxxxx', 'XXXXXXa', 'XXXXXXA ', ' XXXXXXA']) expect(isMaskedKeyword(k), k).toBe(false);
  });
  it('recognises a banner made mostly of asterisks (at least five, and at least 60 % of the visible characters)', () => {
    const banner = (...lines: string[]) => ({ code: 220, enhanced: null, lines });
    expect(isMaskedBanner(banner('****************************'))).toBe(true);
    expect(isMaskedBanner(banner('*****'))).toBe(true);
    expect(isMaskedBanner(banner('***', '**'))).toBe(true);
    expect(isMaskedBanner(banner('****'))).toBe(false);
    expect(isMaskedBanner(banner('******abcd'))).toBe(true);
    expect(isMaskedBanner(banner('*****abcd'))).toBe(false);
    // White space does not count as visible text.
    expect(isMaskedBanner(banner('*****   abc'))).toBe(true);
    expect(isMaskedBanner(banner('mx.example.com ESMTP *** ready'))).toBe(false);
    expect(isMaskedBanner(banner())).toBe(false);
  });
});

describe('announcedName', () => {
  it('reads a host name, lower-cased and without the trailing dot', () => {
    expect(announcedName('MX.Example.COM. ESMTP Postfix')).toBe('mx.example.com');
    expect(announcedName('  mail_1.example.org\tready')).toBe('mail_1.example.org');
    expect(announcedName('localhost')).toBe('localhost');
    expect(announcedName('a-b.c-d.example')).toBe('a-b.c-d.example');
    // One-character labels.
    expect(announcedName('a.example.com')).toBe('a.example.com');
    expect(announcedName('mx.b.example')).toBe('mx.b.example');
    expect(announcedName('x')).toBe('x');
  });
  it('reads an address literal as it is', () => {
    expect(announcedName('[192.0.2.1] ready')).toBe('[192.0.2.1]');
    expect(announcedName('[2001:DB8::1]')).toBe('[2001:DB8::1]');
    // RFC 5321 §4.1.3 writes IPv6 literals with a tag.
    expect(announcedName('[IPv6:2001:db8::25] ESMTP')).toBe('[IPv6:2001:db8::25]');
  });
  it('refuses what is not a host name', () => {
    for (const text of ['****** ready', '', '   ', '-mx.example.com', 'mx-.example.com', 'mx..example.com', '.example.com', 'mx.example.com..', 'mx!.example', '[192.0.2.1', '[]', '[mx.example]', '[IPv4:192.0.2.1]', '[IPv6:]', 'mx[192.0.2.1]', '[192.0.2.1]x'])
      expect(announcedName(text), text).toBeNull();
  });
  it('accepts names up to 253 characters', () => {
    const label = 'a'.repeat(63);
    const name253 = [label, label, label, 'b'.repeat(61)].join('.');
    expect(name253).toHaveLength(253);
    expect(announcedName(name253)).toBe(name253);
    expect(announcedName(`${name253}.`)).toBe(name253);
    expect(announcedName(`${name253}c`)).toBeNull();
  });
});
