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
    expect(p.capabilities[2]!.params).toEqual(['PLAIN', 'LOGIN']);
    expect(hasCapability(p.capabilities, 'STARTTLS')).toBe(true);
    expect(p.capabilities.find((c) => c.keyword === 'STARTTLS')!.rfc).toMatch(/3207/);
  });
  it('does not invent capabilities from the greeting line or garbage', () => {
    const p = parseEhlo(reply(['mx.example.com STARTTLS', '***', '']));
    expect(p.capabilities).toEqual([]);
    expect(p.warnings.length).toBe(1);
  });
  it('never throws on arbitrary lines', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 100 }), { maxLength: 20 }), (lines) => void parseEhlo(reply(lines))));
  });
});

describe('masking and names', () => {
  it('recognises firewall masking', () => {
    expect(isMaskedKeyword('XXXXXXXA')).toBe(true);
    expect(isMaskedKeyword('XXXXXXXXXX')).toBe(true);
    expect(isMaskedKeyword('XEXCH50')).toBe(false);
    expect(isMaskedKeyword('X-EXPS')).toBe(false);
    expect(isMaskedBanner({ code: 220, enhanced: null, lines: ['****************************'] })).toBe(true);
    expect(isMaskedBanner({ code: 220, enhanced: null, lines: ['mx.example.com ESMTP *** ready'] })).toBe(false);
  });
  it('reads announced names', () => {
    expect(announcedName('MX.Example.COM. ESMTP Postfix')).toBe('mx.example.com');
    expect(announcedName('[192.0.2.1] ready')).toBe('[192.0.2.1]');
    expect(announcedName('****** ready')).toBeNull();
  });
});
