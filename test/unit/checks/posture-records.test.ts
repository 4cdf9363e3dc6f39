// The _mta-sts and _smtp._tls TXT records (RFC 8461 §3.1, RFC 8460 §3) and the policy file
// (RFC 8461 §3.2, §4.1) read as senders read them.
import { describe, expect, it } from 'vitest';
import { matchMx, nearMiss, parsePolicy } from '../../../src/checks/posture/policy.js';
import { readMtaStsRecord, readTlsRptRecord, selectMtaStsRecord, selectTlsRptRecord, uriProblem } from '../../../src/checks/posture/records.js';

describe('the _mta-sts record', () => {
  it('joins a record’s strings without spaces before reading it', () => {
    const s = selectMtaStsRecord([['v=STSv1; id=2026', '1129T1200']]);
    expect(s.record?.id).toBe('20261129T1200');
    expect(s.record?.problems).toEqual([]);
  });

  it('two v=STSv1 records are none at all', () => {
    const s = selectMtaStsRecord([['v=STSv1; id=1'], ['v=STSv1; id=2']]);
    expect(s.ours).toHaveLength(2);
    expect(s.record).toBeNull();
  });

  it('sets aside records that are not ours (SPF at the same name), and keeps the one that is', () => {
    const s = selectMtaStsRecord([['v=spf1 -all'], ['v=STSv1; id=abc']]);
    expect(s.ours).toHaveLength(1);
    expect(s.record?.id).toBe('abc');
    expect(s.nearMisses).toEqual([]);
  });

  it('a record in the wrong case or with a leading space is a near miss, not ours', () => {
    for (const text of ['V=STSv1; id=1', 'v=stsv1; id=1', ' v=STSv1; id=1']) {
      const s = selectMtaStsRecord([[text]]);
      expect(s.ours, text).toEqual([]);
      expect(s.nearMisses.map((r) => r.text), text).toEqual([text]);
    }
  });

  it('"v=STSv1id=1" (no separator) is not ours either', () => {
    expect(selectMtaStsRecord([['v=STSv1id=1']]).ours).toEqual([]);
  });

  it('accepts spaces around ";" and a trailing ";"', () => {
    expect(readMtaStsRecord('v=STSv1 ;  id=abc ;').problems).toEqual([]);
    expect(readMtaStsRecord('v=STSv1 ;  id=abc ;').id).toBe('abc');
  });

  it('id: 1 to 32 letters and digits, exactly', () => {
    expect(readMtaStsRecord(`v=STSv1; id=${'a'.repeat(32)}`).id).toBe('a'.repeat(32));
    expect(readMtaStsRecord(`v=STSv1; id=${'a'.repeat(33)}`).id).toBeNull();
    expect(readMtaStsRecord('v=STSv1; id=2026-11-29').problems.join()).toMatch(/not 1 to 32 letters and digits/);
    expect(readMtaStsRecord('v=STSv1; id=').id).toBeNull();
  });

  it('no id, two ids, ID= in capitals, an empty field: each named', () => {
    expect(readMtaStsRecord('v=STSv1;').problems).toEqual(['no id field']);
    expect(readMtaStsRecord('v=STSv1; id=a; id=b').problems).toEqual(['more than one id']);
    expect(readMtaStsRecord('v=STSv1; ID=abc').problems.join()).toMatch(/case-sensitive/);
    expect(readMtaStsRecord('v=STSv1; ID=abc').problems).not.toContain('no id field');
    expect(readMtaStsRecord('v=STSv1;; id=a').problems.join()).toMatch(/empty field/);
  });

  it('extension fields are allowed; garbage is not', () => {
    expect(readMtaStsRecord('v=STSv1; id=a; ext.name=value').problems).toEqual([]);
    expect(readMtaStsRecord('v=STSv1; id=a; what is this').problems).toHaveLength(1);
  });
});

describe('the _smtp._tls record', () => {
  it('reads one rua with several URIs', () => {
    const r = readTlsRptRecord('v=TLSRPTv1; rua=mailto:a@example.com, https://rpt.example.net/v1');
    expect(r).toEqual({ rua: ['mailto:a@example.com', 'https://rpt.example.net/v1'], problems: [], unusable: [] });
  });

  it('names the address without mailto:', () => {
    const r = readTlsRptRecord('v=TLSRPTv1; rua=postmaster@example.com');
    expect(r.rua).toEqual([]);
    expect(r.problems.join()).toMatch(/lacks "mailto:"/);
  });

  it('no rua, two rua fields, other schemes', () => {
    expect(readTlsRptRecord('v=TLSRPTv1;').problems.join()).toMatch(/no rua/);
    expect(readTlsRptRecord('v=TLSRPTv1; rua=mailto:a@b.c; rua=mailto:d@e.f').problems.join()).toMatch(/more than one rua/);
    expect(uriProblem('http://example.com/r')).toMatch(/not a reporting scheme/);
    // Schemes compare without case (RFC 3986 §3.1).
    expect(uriProblem('MAILTO:a@b.c')).toBeNull();
    expect(uriProblem('HTTPS://rpt.example.net/')).toBeNull();
    expect(uriProblem('mailto:nobody')).toMatch(/not a mail address/);
    expect(uriProblem('https://')).not.toBeNull();
    expect(uriProblem('')).toMatch(/empty/);
  });

  it('a record with one usable URI is valid: senders report there, and the others are named', () => {
    const r = readTlsRptRecord('v=TLSRPTv1; rua=mailto:a@example.com,ftp://x.example,b@example.com');
    expect(r.problems).toEqual([]);
    expect(r.rua).toEqual(['mailto:a@example.com']);
    expect(r.unusable).toHaveLength(2);
    expect(r.unusable.join()).toMatch(/"ftp:" is not a reporting scheme/);
    expect(r.unusable.join()).toMatch(/lacks "mailto:"/);
    const none = readTlsRptRecord('v=TLSRPTv1; rua=ftp://x.example');
    expect(none.rua).toEqual([]);
    expect(none.problems.join()).toMatch(/not a reporting scheme/);
  });

  it('a hostile record is named in bounded words', () => {
    const r = readMtaStsRecord(`v=STSv1; ${'x;'.repeat(5000)}`);
    expect(r.problems.length).toBe(5001); // each "x" and the missing id
    for (const p of r.problems) expect(p.length).toBeLessThan(100);
    expect(readMtaStsRecord(`v=STSv1; id=${'a'.repeat(4000)}`).problems[0]!.length).toBeLessThan(120);
  });

  it('joins strings and sees two records as none', () => {
    expect(selectTlsRptRecord([['v=TLSRPTv1; rua=mailto:tls', 'rpt@example.com']]).record?.rua).toEqual(['mailto:tlsrpt@example.com']);
    expect(selectTlsRptRecord([['v=TLSRPTv1; rua=mailto:a@b.c'], ['v=TLSRPTv1; rua=mailto:d@e.f']]).record).toBeNull();
  });
});

describe('the policy file', () => {
  const good = 'version: STSv1\nmode: enforce\nmx: mx1.example.com\nmx: *.mail.example.com\nmax_age: 604800\n';

  it('reads LF and CRLF alike, and says which', () => {
    const lf = parsePolicy(good);
    const crlf = parsePolicy(good.replace(/\n/g, '\r\n'));
    for (const p of [lf, crlf]) {
      expect(p.problems).toEqual([]);
      expect(p.mode).toBe('enforce');
      expect(p.maxAge).toBe(604800);
      expect(p.mx).toEqual(['mx1.example.com', '*.mail.example.com']);
    }
    expect(lf.lineEndings).toBe('lf');
    expect(crlf.lineEndings).toBe('crlf');
    expect(parsePolicy(good.trimEnd()).problems).toEqual([]);
  });

  it('a bare CR does not end a line', () => {
    const p = parsePolicy('version: STSv1\rmode: enforce\rmx: a.example\rmax_age: 86400');
    expect(p.lineEndings).toBe('mixed');
    expect(p.problems.join()).toMatch(/bare CR/);
  });

  it('every missing or wrong field is named', () => {
    expect(parsePolicy('mode: enforce\nmx: a.b\nmax_age: 1').problems).toEqual(['no version field (version: STSv1)']);
    expect(parsePolicy('version: STSv2\nmode: enforce\nmx: a.b\nmax_age: 1').problems.join()).toMatch(/not STSv1/);
    expect(parsePolicy('version: STSv1\nmode: Enforce\nmx: a.b\nmax_age: 1').problems.join()).toMatch(/not enforce, testing or none/);
    expect(parsePolicy('version: STSv1\nmx: a.b\nmax_age: 1').problems.join()).toMatch(/no mode/);
    expect(parsePolicy('version: STSv1\nmode: testing\nmx: a.b').problems.join()).toMatch(/no max_age/);
    expect(parsePolicy('version: STSv1\nmode: testing\nmx: a.b\nmax_age: 1w').problems.join()).toMatch(/not a whole number/);
    expect(parsePolicy('version: STSv1\nmode: testing\nmax_age: 100').problems.join()).toMatch(/no mx pattern/);
  });

  it('max_age: up to 31557600, not one more', () => {
    expect(parsePolicy('version: STSv1\nmode: none\nmax_age: 31557600').maxAge).toBe(31557600);
    const over = parsePolicy('version: STSv1\nmode: none\nmax_age: 31557601');
    expect(over.maxAge).toBeNull();
    expect(over.problems.join()).toMatch(/more than 31557600/);
    expect(parsePolicy('version: STSv1\nmode: none\nmax_age: 0').maxAge).toBe(0);
  });

  it('mode none needs no mx', () => {
    expect(parsePolicy('version: STSv1\nmode: none\nmax_age: 86400').problems).toEqual([]);
  });

  it('"max-age" and "mode :" are not our fields, and the hint says what was meant', () => {
    const p = parsePolicy('version: STSv1\nmode: enforce\nmx: a.b\nmax-age: 86400');
    expect(p.maxAge).toBeNull();
    expect(p.unknown).toEqual(['max-age']);
    expect(p.hints.join()).toMatch(/"max-age".*max_age/);
    const spaced = parsePolicy('version: STSv1\nmode : enforce\nmx: a.b\nmax_age: 86400');
    expect(spaced.mode).toBeNull();
    expect(spaced.hints.join()).toMatch(/"mode ".*"mode"/);
  });

  it('a repeated field: the first is read, and a hint says so; a repeated mx is simply another pattern', () => {
    const twice = parsePolicy('version: STSv1\nmode: enforce\nmode: testing\nmx: a.b\nmax_age: 86400');
    expect(twice.problems).toEqual([]);
    expect(twice.mode).toBe('enforce');
    expect(twice.hints.join()).toMatch(/mode is given again on line 3: the first one is read/);
    expect(parsePolicy('version: STSv1\nmode: enforce\nmx: a.b\nmx: c.d\nmax_age: 86400').problems).toEqual([]);
  });

  it('mx written as a URL or with a preference is named', () => {
    const url = parsePolicy('version: STSv1\nmode: enforce\nmx: https://mx.example.com\nmax_age: 86400');
    expect(url.problems.join()).toMatch(/not a host name/);
    expect(url.hints.join()).toMatch(/looks like a URL/);
    expect(parsePolicy('version: STSv1\nmode: enforce\nmx: 10 mx.example.com\nmax_age: 86400').hints.join()).toMatch(/MX preference/);
  });

  it('mx patterns are matched in lower case, without a trailing dot', () => {
    expect(parsePolicy('version: STSv1\nmode: enforce\nmx: MX1.Example.COM.\nmax_age: 86400').mx).toEqual(['mx1.example.com']);
  });

  it('a byte-order mark is named as such, not as a field in the wrong case', () => {
    const p = parsePolicy('\uFEFFversion: STSv1\nmode: enforce\nmx: a.b\nmax_age: 86400\n');
    expect(p.version).toBeNull();
    expect(p.hints.join()).toMatch(/byte-order mark/);
    expect(p.hints.join()).not.toMatch(/lower case/);
  });

  it('a control character is a problem; blank lines are not', () => {
    expect(parsePolicy('version: STSv1\nmode: enforce\x07\nmx: a.b\nmax_age: 86400').problems.join()).toMatch(/control character/);
    expect(parsePolicy('version: STSv1\n\nmode: enforce\n\nmx: a.b\nmax_age: 86400\n\n').problems).toEqual([]);
  });
});

describe('MX host matching (RFC 8461 §4.1)', () => {
  it('a name matches itself, case and trailing dot aside', () => {
    expect(matchMx('MX1.example.com.', ['mx1.example.com'])).toBe('mx1.example.com');
    expect(matchMx('mx2.example.com', ['mx1.example.com'])).toBeNull();
  });

  it('a wildcard matches exactly one left-most label', () => {
    expect(matchMx('mx1.example.com', ['*.example.com'])).toBe('*.example.com');
    expect(matchMx('a.b.example.com', ['*.example.com'])).toBeNull();
    expect(matchMx('example.com', ['*.example.com'])).toBeNull();
    expect(matchMx('xexample.com', ['*.example.com'])).toBeNull();
  });

  it('a near miss says why and what to write', () => {
    expect(nearMiss('a.b.example.com', ['*.example.com'])).toMatch(/one label only.*\*\.b\.example\.com/);
    expect(nearMiss('example.com', ['*.example.com'])).toMatch(/does not match example\.com itself/);
    expect(nearMiss('mx.other.net', ['*.example.com'])).toBeNull();
  });
});
