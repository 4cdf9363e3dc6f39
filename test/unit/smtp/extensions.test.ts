import { describe, expect, it } from 'vitest';
import { describeExtension } from '../../../src/smtp/extensions.js';

describe('describeExtension', () => {
  it('knows the standard extensions and their RFCs', () => {
    const expected: Record<string, string> = {
      SIZE: 'RFC 1870',
      '8BITMIME': 'RFC 6152',
      PIPELINING: 'RFC 2920',
      DSN: 'RFC 3461',
      ETRN: 'RFC 1985',
      AUTH: 'RFC 4954',
      CHUNKING: 'RFC 3030',
      BINARYMIME: 'RFC 3030',
      STARTTLS: 'RFC 3207',
      ENHANCEDSTATUSCODES: 'RFC 2034',
      SMTPUTF8: 'RFC 6531',
      REQUIRETLS: 'RFC 8689',
      DELIVERBY: 'RFC 2852',
      VRFY: 'RFC 5321',
      EXPN: 'RFC 5321',
      HELP: 'RFC 5321',
      MTRK: 'RFC 3885',
      ATRN: 'RFC 2645',
      BURL: 'RFC 4468',
      'NO-SOLICITING': 'RFC 3865',
      FUTURERELEASE: 'RFC 4865',
      LIMITS: 'RFC 9422',
    };
    const meanings = new Set<string>();
    for (const [keyword, rfc] of Object.entries(expected)) {
      const info = describeExtension(keyword);
      expect(info?.rfc, keyword).toBe(rfc);
      meanings.add(info!.meaning);
    }
    // Each keyword is explained in its own words.
    expect(meanings.size).toBe(Object.keys(expected).length);
    expect(meanings.has('')).toBe(false);
  });

  it('ignores case and surrounding spaces', () => {
    expect(describeExtension('starttls')).toEqual(describeExtension('STARTTLS'));
    expect(describeExtension(' Pipelining ')?.rfc).toBe('RFC 2920');
    expect(describeExtension('x-exps')?.meaning).toMatch(/Exchange/);
  });

  it('names vendor extensions without an RFC', () => {
    for (const keyword of ['X-EXPS', 'X-LINK2STATE', 'XEXCH50', 'X-ANONYMOUSTLS', 'XRDST', 'XSHADOW']) {
      const info = describeExtension(keyword);
      expect(info?.rfc, keyword).toBeNull();
      expect(info?.meaning, keyword).toMatch(/Microsoft Exchange/);
      // The admin's question "do we need this?" is answered: only Exchange peers use it.
      expect(info?.meaning, keyword).toMatch(/only between Exchange servers/);
    }
    for (const keyword of ['XCLIENT', 'XFORWARD']) {
      expect(describeExtension(keyword)).toMatchObject({ rfc: null, meaning: expect.stringMatching(/^Postfix/) });
    }
  });

  it('recognises keywords masked by an inspecting firewall', () => {
    expect(describeExtension('XXXXXXXA')).toMatchObject({ rfc: null, meaning: expect.stringMatching(/STARTTLS masked/) });
    for (const keyword of ['XXXXXX', 'XXXXXXXB', 'xxxxxxxxxx']) {
      expect(describeExtension(keyword), keyword).toMatchObject({ rfc: null, meaning: expect.stringMatching(/masked/) });
    }
  });

  it('returns null for anything else', () => {
    for (const keyword of ['', 'X', 'XXXX', 'XXXA', 'XXXXX', 'XXXXA', 'AXXXXXXB', 'XXXXXXAB', 'XXXXXX1', 'FOO', 'X-UNKNOWN', 'XFOO', 'STARTTLS2', 'SIZE 1000'])
      expect(describeExtension(keyword), keyword).toBeNull();
  });

  it('hands out copies, not the table itself', () => {
    const a = describeExtension('SIZE')!;
    a.meaning = 'changed';
    expect(describeExtension('SIZE')?.meaning).not.toBe('changed');
  });
});
