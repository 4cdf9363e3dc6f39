// The posture check's reading and judging pinned exactly: the TXT records and policy file as
// senders read them (every problem and hint in its words), the MX matching, the judged fields and
// every finding's facts, and what an MTA-STS policy does to the receiver test's hosts. Written
// against the survivors of a mutation run of src/checks/posture (docs/TESTING.md).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DnsFacts, Finding, HostReport, PolicyFetch, PostureSection, SeenPolicy, TxtLookup } from '../../../src/core/schema.js';
import { isTextPlain, judgePosture, mxHosts, type PostureFacts } from '../../../src/checks/posture/judge.js';
import { applyMtaSts, MTA_STS_FATAL, mtaStsFailure } from '../../../src/checks/posture/mta-sts-hosts.js';
import { MAX_AGE_LIMIT, matchMx, mxName, nearMiss, parsePolicy } from '../../../src/checks/posture/policy.js';
import { joinRecords, quote, readMtaStsRecord, readTlsRptRecord, selectMtaStsRecord, selectTlsRptRecord, someOf, uriProblem } from '../../../src/checks/posture/records.js';
import { makeFinding } from '../../../src/kb/index.js';

const POLICY = (...lines: string[]) => `${lines.join('\n')}\n`;
const OK = (...more: string[]) => POLICY('version: STSv1', 'mode: enforce', 'mx: a.example', 'max_age: 86400', ...more);

describe('TXT records: which are ours', () => {
  it('the strings of each record are joined, and kept as published', () => {
    const input = [['a', 'b'], ['c']];
    const views = joinRecords(input);
    expect(views).toEqual([
      { strings: ['a', 'b'], text: 'ab' },
      { strings: ['c'], text: 'c' },
    ]);
    expect(views[0]?.strings).not.toBe(input[0]);
  });

  it('the version alone, or followed by spaces or tabs and ";", is ours; anything else after it is not', () => {
    for (const text of ['v=STSv1', 'v=STSv1 ', 'v=STSv1;', 'v=STSv1 ;id=a', 'v=STSv1\t \t; id=a']) expect(selectMtaStsRecord([[text]]).ours.map((r) => r.text), text).toEqual([text]);
    for (const text of ['v=STSv1 id=a', 'v=STSv1x; id=a', 'v=STSv1 x', 'xv=STSv1; id=a']) expect(selectMtaStsRecord([[text]]).ours, text).toEqual([]);
  });

  it('a near miss: the version in another case, or after white space; a record that only contains it is not one', () => {
    expect(selectMtaStsRecord([['\t v=STSv1; id=a']]).nearMisses.map((r) => r.text)).toEqual(['\t v=STSv1; id=a']);
    expect(selectMtaStsRecord([['V=stsV1; id=a']]).nearMisses.map((r) => r.text)).toEqual(['V=stsV1; id=a']);
    expect(selectMtaStsRecord([['x v=STSv1; id=a']]).nearMisses).toEqual([]);
    // Ours is never a near miss as well.
    expect(selectMtaStsRecord([['v=STSv1; id=a']]).nearMisses).toEqual([]);
    expect(selectTlsRptRecord([[' v=TLSRPTv1; rua=mailto:a@b.c']]).nearMisses.map((r) => r.text)).toEqual([' v=TLSRPTv1; rua=mailto:a@b.c']);
  });

  it('the one record is read with its strings; none or two: no record', () => {
    expect(selectMtaStsRecord([['v=STSv1; ', 'id=a1']]).record).toEqual({ strings: ['v=STSv1; ', 'id=a1'], text: 'v=STSv1; id=a1', id: 'a1', problems: [] });
    expect(selectMtaStsRecord([]).record).toBeNull();
    expect(selectTlsRptRecord([['v=TLSRPTv1;rua=mailto:a@b.c']]).record).toEqual({ strings: ['v=TLSRPTv1;rua=mailto:a@b.c'], text: 'v=TLSRPTv1;rua=mailto:a@b.c', rua: ['mailto:a@b.c'], problems: [], unusable: [] });
    expect(selectTlsRptRecord([['v=TLSRPTv1; rua=mailto:a@b.c'], ['v=TLSRPTv1; rua=mailto:d@e.f']])).toMatchObject({ record: null, nearMisses: [] });
    expect(selectTlsRptRecord([]).record).toBeNull();
  });
});

describe('the _mta-sts record read', () => {
  it('fields are trimmed of spaces and tabs on both sides', () => {
    expect(readMtaStsRecord('v=STSv1;\t id=abc \t')).toEqual({ id: 'abc', problems: [] });
    expect(readMtaStsRecord('v=STSv1;\tid=abc\t;')).toEqual({ id: 'abc', problems: [] });
  });

  it('a field without "=" is read as a name without a value', () => {
    expect(readMtaStsRecord('v=STSv1; id')).toEqual({ id: null, problems: ['id "" is not 1 to 32 letters and digits'] });
    expect(readMtaStsRecord('v=STSv1; id=a; flag')).toEqual({ id: null, problems: ['"flag" is not a field (name=value without spaces)'] });
  });

  it('the id: letters and digits only, from the first character to the last', () => {
    expect(readMtaStsRecord('v=STSv1; id=a')).toEqual({ id: 'a', problems: [] });
    expect(readMtaStsRecord('v=STSv1; id=-abc')).toEqual({ id: null, problems: ['id "-abc" is not 1 to 32 letters and digits'] });
    expect(readMtaStsRecord('v=STSv1; id=abc-')).toEqual({ id: null, problems: ['id "abc-" is not 1 to 32 letters and digits'] });
    expect(readMtaStsRecord(`v=STSv1; id=${'7'.repeat(33)}`)).toEqual({ id: null, problems: [`id "${'7'.repeat(33)}" is not 1 to 32 letters and digits`] });
  });

  it('every problem in its words', () => {
    expect(readMtaStsRecord('v=STSv1;; id=a')).toEqual({ id: null, problems: ['an empty field (two ";" in a row)'] });
    expect(readMtaStsRecord('v=STSv1; ID=abc')).toEqual({ id: null, problems: ['"ID=" is not "id=" (the field names are case-sensitive)'] });
    expect(readMtaStsRecord('v=STSv1; Id=abc; id=abc')).toEqual({ id: null, problems: ['"Id=" is not "id=" (the field names are case-sensitive)'] });
    expect(readMtaStsRecord('v=STSv1; id=a; id=b')).toEqual({ id: null, problems: ['more than one id'] });
    expect(readMtaStsRecord('v=STSv1; x=1')).toEqual({ id: null, problems: ['no id field'] });
    // "no id field" is left out only for the capitalised id; another problem does not hide it.
    expect(readMtaStsRecord('v=STSv1;; x=1')).toEqual({ id: null, problems: ['an empty field (two ";" in a row)', 'no id field'] });
  });

  it('extension fields: a name of 1 to 32 letters, digits, "_", "." or "-" starting with a letter or digit, and a value of printable characters but "=" and ";"', () => {
    expect(readMtaStsRecord(`v=STSv1; id=a; ${'n'.repeat(32)}=v`).problems).toEqual([]);
    expect(readMtaStsRecord('v=STSv1; id=a; x_y.z-1=!~:<>').problems).toEqual([]);
    for (const raw of [`${'n'.repeat(33)}=v`, '_x=v', 'x y=v', 'x=', 'x=a b', 'x=a=b', 'é=v', 'x=é', 'x!=v']) {
      expect(readMtaStsRecord(`v=STSv1; id=a; ${raw}`), raw).toEqual({ id: null, problems: [`"${raw}" is not a field (name=value without spaces)`] });
    }
  });
});

describe('the _smtp._tls record read', () => {
  it('rua: each URI trimmed, and kept as written when all are good', () => {
    expect(readTlsRptRecord('v=TLSRPTv1; rua=mailto:a@b.c ,\thttps://r.example/x')).toEqual({ rua: ['mailto:a@b.c', 'https://r.example/x'], problems: [], unusable: [] });
  });

  it('each reporting URI is trimmed of every space and tab around it, and only around it', () => {
    expect(readTlsRptRecord('v=TLSRPTv1; rua=  \tmailto:a@b.c  \t,\t\t https://r.example/x')).toEqual({ rua: ['mailto:a@b.c', 'https://r.example/x'], problems: [], unusable: [] });
    expect(readTlsRptRecord('v=TLSRPTv1; rua=mailto:a  b@c.d')).toEqual({ rua: [], problems: ['"mailto:a  b@c.d" is not a mail address'], unusable: [] });
  });

  it('an extension field with a bad name is not a field, whatever its value', () => {
    expect(readTlsRptRecord('v=TLSRPTv1; rua=mailto:a@b.c; _x=v')).toEqual({ rua: [], problems: ['"_x=v" is not a field (name=value)'], unusable: [] });
    expect(readTlsRptRecord('v=TLSRPTv1; rua=mailto:a@b.c; x=a b')).toEqual({ rua: [], problems: ['"x=a b" is not a field (name=value)'], unusable: [] });
  });

  it('every problem in its words, and no rua kept with any', () => {
    expect(readTlsRptRecord('v=TLSRPTv1;; rua=mailto:a@b.c')).toEqual({ rua: [], problems: ['an empty field (two ";" in a row)'], unusable: [] });
    expect(readTlsRptRecord('v=TLSRPTv1; RUA=mailto:a@b.c')).toEqual({ rua: [], problems: ['"RUA=" is not "rua=" (the field names are case-sensitive)', 'no rua field: senders have nowhere to send reports'], unusable: [] });
    expect(readTlsRptRecord('v=TLSRPTv1; rua=mailto:a@b.c; x y')).toEqual({ rua: [], problems: ['"x y" is not a field (name=value)'], unusable: [] });
    expect(readTlsRptRecord('v=TLSRPTv1; rua=mailto:a@b.c; ext=1')).toEqual({ rua: ['mailto:a@b.c'], problems: [], unusable: [] });
    expect(readTlsRptRecord('v=TLSRPTv1; rua=mailto:a@b.c; rua=mailto:d@e.f')).toEqual({ rua: [], problems: ['more than one rua field (give every address in one, separated by commas)'], unusable: [] });
    expect(readTlsRptRecord('v=TLSRPTv1; x=1')).toEqual({ rua: [], problems: ['no rua field: senders have nowhere to send reports'], unusable: [] });
    // One usable URI makes the record valid; the others are named as skipped.
    expect(readTlsRptRecord('v=TLSRPTv1; rua=mailto:a@b.c,,ftp://x')).toEqual({ rua: ['mailto:a@b.c'], problems: [], unusable: ['an empty address in rua', '"ftp:" is not a reporting scheme (only mailto: and https:)'] });
    expect(readTlsRptRecord('v=TLSRPTv1; rua=,ftp://x')).toEqual({ rua: [], problems: ['an empty address in rua; "ftp:" is not a reporting scheme (only mailto: and https:)'], unusable: [] });
    expect(readTlsRptRecord('v=TLSRPTv1; rua=')).toEqual({ rua: [], problems: ['an empty address in rua'], unusable: [] });
  });

  it('reporting URIs: what is wrong with each', () => {
    expect(uriProblem('mailto:tls@example.com')).toBeNull();
    expect(uriProblem('https://r.example/v1')).toBeNull();
    expect(uriProblem('')).toBe('an empty address in rua');
    expect(uriProblem('tls@example.com')).toBe('"tls@example.com" lacks "mailto:" (write rua=mailto:tls@example.com)');
    // An "@" is not enough: a scheme, a "/" or a second "@" make it something else.
    expect(uriProblem('a@b@c')).toBe('"a@b@c" is not a URI (mailto: or https:)');
    expect(uriProblem('x/y@b.c')).toBe('"x/y@b.c" is not a URI (mailto: or https:)');
    expect(uriProblem('@b.c')).toBe('"@b.c" is not a URI (mailto: or https:)');
    expect(uriProblem('example.com')).toBe('"example.com" is not a URI (mailto: or https:)');
    expect(uriProblem('1x:y')).toBe('"1x:y" is not a URI (mailto: or https:)');
    expect(uriProblem('mailto:a@b')).toBe('"mailto:a@b" is not a mail address');
    expect(uriProblem('mailto:a b@c.d')).toBe('"mailto:a b@c.d" is not a mail address');
    expect(uriProblem('mailto:a@b.c x')).toBe('"mailto:a@b.c x" is not a mail address');
    expect(uriProblem('mailto:@b.c')).toBe('"mailto:@b.c" is not a mail address');
    expect(uriProblem('mailto:a@.c')).toBe('"mailto:a@.c" is not a mail address');
    expect(uriProblem('mailto:a@b.')).toBe('"mailto:a@b." is not a mail address');
    expect(uriProblem('xmailto:a@b.c')).toBe('"xmailto:" is not a reporting scheme (only mailto: and https:)');
    expect(uriProblem('https://[')).toBe('"https://[" is not a URL');
    expect(uriProblem('https:x')).toBeNull();
    // Schemes compare without case (RFC 3986 §3.1).
    expect(uriProblem('MailTo:a@b.c')).toBeNull();
    expect(uriProblem('HTTPS://r.example/')).toBeNull();
    expect(uriProblem(`x${'y'.repeat(100)}@b.c`)).toMatch(/^"xy{59}…" lacks "mailto:"/);
    expect(uriProblem('x+y.z-1:a')).toBe('"x+y.z-1:" is not a reporting scheme (only mailto: and https:)');
  });

  it('an https URI without a host is no URL: the URL parser refuses an empty host', () => {
    for (const uri of ['https://', 'https:///', 'https:']) expect(uriProblem(uri), uri).toBe(`"${uri}" is not a URL`);
  });
});

describe('the policy file: lines and their ends', () => {
  it('line ends are named: none, LF, CRLF, mixed (a bare CR, or both LF and CRLF)', () => {
    expect(parsePolicy('version: STSv1').lineEndings).toBe('none');
    expect(parsePolicy('version: STSv1\n').lineEndings).toBe('lf');
    expect(parsePolicy('version: STSv1\r\n').lineEndings).toBe('crlf');
    expect(parsePolicy('version: STSv1\r\nmode: none\n').lineEndings).toBe('mixed');
    expect(parsePolicy('version: STSv1\rmode: none').lineEndings).toBe('mixed');
    expect(parsePolicy('version: STSv1\r\n\r\n').lineEndings).toBe('crlf');
    expect(parsePolicy('\n\n').lineEndings).toBe('lf');
  });

  it('a bare CR is a problem; LF and CRLF mixed are not', () => {
    expect(parsePolicy('version: STSv1\r\nmode: none\nmax_age: 86400\n').problems).toEqual([]);
    expect(parsePolicy('version: STSv1\nmode: none\nmax_age: 86400\r').problems).toEqual(['lines end with a bare CR (only LF or CRLF end a line)', 'max_age "86400\r" is not a whole number of seconds']);
  });

  it('lines are numbered from 1, counting blank lines; one final line end adds no line, two add a blank one', () => {
    expect(parsePolicy('\nversion: STSv1\nbad\n').problems[0]).toBe('line 3 "bad" is not "key: value"');
    expect(parsePolicy(' \t\nversion: STSv1\nmode: none\nmax_age: 86400\n\n').problems).toEqual([]);
  });

  it('a line that is only spaces and tabs is blank; one with text after them is read', () => {
    expect(parsePolicy('version: STSv1\n x\nmode: none\nmax_age: 86400').problems).toEqual(['line 2 " x" is not "key: value"']);
  });

  it('control characters: C0 but tab and LF, and DEL; a CR at the end of a line is its end', () => {
    for (const c of ['\x00', '\x08', '\x0b', '\x1f', '\x7f']) {
      expect(parsePolicy(`version: STSv1\nmode: none${c}\nmax_age: 86400`).problems, JSON.stringify(c)).toEqual(['line 2 holds a control character', 'no mode field (mode: enforce, testing or none)']);
    }
    expect(parsePolicy('version: STSv1\nmode:\tnone\t\nmax_age: 86400').problems).toEqual([]);
    expect(parsePolicy('version: STSv1\nmode: n\rone\r\nmax_age: 86400').problems).toEqual(['lines end with a bare CR (only LF or CRLF end a line)', 'line 2 holds a control character', 'no mode field (mode: enforce, testing or none)']);
  });

  it('a line without a colon: named with its first 60 characters', () => {
    const long = 'x'.repeat(70);
    expect(parsePolicy(`version: STSv1\n${long}\nmode: none\nmax_age: 86400`).problems).toEqual([`line 2 "${'x'.repeat(60)}" is not "key: value"`]);
  });

  it('values are trimmed of spaces and tabs; the key is not', () => {
    const p = parsePolicy('version:\t STSv1 \t\nmode:none\nmax_age:  86400  \n');
    expect(p).toMatchObject({ version: 'STSv1', mode: 'none', maxAge: 86400, problems: [], unknown: [], hints: [] });
  });
});

describe('the policy file: fields', () => {
  it('a good policy, every field read', () => {
    expect(parsePolicy(OK())).toEqual({ version: 'STSv1', mode: 'enforce', maxAge: 86400, mx: ['a.example'], lineEndings: 'lf', problems: [], unknown: [], hints: [] });
  });

  it('"#" after a space or tab starts no comment, and a hint says so; elsewhere it says nothing', () => {
    expect(parsePolicy(OK('mx: b.example #backup')).hints).toEqual([
      '"#" on line 5 starts no comment: a policy file has none, so the text after it is read as part of the mx value',
    ]);
    expect(parsePolicy(OK('x:\ta\t#b')).hints).toEqual(['"#" on line 5 starts no comment: a policy file has none, so the text after it is read as part of the x value']);
    expect(parsePolicy(OK('x: a#b')).hints).toEqual([]);
    expect(parsePolicy(OK('x: #b')).hints).toEqual([]);
  });

  it('a line that starts with its colon is a field without a name: unknown, not a problem', () => {
    const p = parsePolicy(OK(': value'));
    expect(p.problems).toEqual([]);
    expect(p.unknown).toEqual(['']);
    expect(p.hints).toEqual([]);
  });

  it('unknown fields: kept (first 40 characters), and a typo of ours gets a hint', () => {
    const p = parsePolicy(OK(`${'k'.repeat(50)}: v`, 'ext: v'));
    expect(p.unknown).toEqual(['k'.repeat(40), 'ext']);
    expect(p.hints).toEqual([]);
    expect(p.problems).toEqual([]);
    expect(parsePolicy(OK('MX: b.example')).hints).toEqual(['"MX" on line 5 is not read as "mx" (field names are lower case, with no space before the colon)']);
    expect(parsePolicy(OK(' mx : b.example')).hints).toEqual(['" mx " on line 5 is not read as "mx" (field names are lower case, with no space before the colon)']);
    expect(parsePolicy(OK('MaxAge: 1')).hints).toEqual(['"MaxAge" on line 5 is not read as "max_age" (field names are lower case, with no space before the colon)']);
    expect(parsePolicy(OK('MAX-AGE: 1')).unknown).toEqual(['MAX-AGE']);
  });

  it('mx: a host name or a "*." wildcard, in lower case, without its final dot, each once', () => {
    expect(parsePolicy(OK('mx: A.Example.', 'mx: *.b.example', 'mx: *.B.example.', 'mx: c_d.e-f.example')).mx).toEqual(['a.example', '*.b.example', 'c_d.e-f.example']);
    expect(parsePolicy(OK('mx: single')).mx).toEqual(['a.example', 'single']);
  });

  it('an mx value that is no pattern: named (first 80 characters), with a hint for a URL or a preference', () => {
    const p = (value: string) => parsePolicy(POLICY('version: STSv1', 'mode: testing', `mx: ${value}`, 'max_age: 86400'));
    expect(p('a.*.example')).toMatchObject({ mx: [], problems: ['mx "a.*.example" on line 3 is not a host name or a *. wildcard', 'no mx pattern: with mode testing no MX host is valid for MTA-STS senders'], hints: [] });
    expect(p('smtp://mx.example').hints).toEqual(['mx "smtp://mx.example" looks like a URL: write the MX host name alone']);
    expect(p('mx.example/x').hints).toEqual(['mx "mx.example/x" looks like a URL: write the MX host name alone']);
    expect(p('10 mx.example').hints).toEqual(['mx "10 mx.example" carries an MX preference: write the host name alone']);
    expect(p('10mx..example').hints).toEqual([]);
    expect(p('x 10 mx.example').hints).toEqual([]);
    const long = `${'a'.repeat(85)} b`;
    expect(p(long).problems[0]).toBe(`mx "${long.slice(0, 80)}" on line 3 is not a host name or a *. wildcard`);
    expect(p(`https://${'a'.repeat(85)}`).hints).toEqual([`mx "https://${'a'.repeat(72)}" looks like a URL: write the MX host name alone`]);
    expect(p(`10 ${'a'.repeat(85)}`).hints).toEqual([`mx "10 ${'a'.repeat(77)}" carries an MX preference: write the host name alone`]);
  });

  it(`at most 1000 mx patterns are kept, and a hint says so`, () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `mx: m${i}.example`);
    const full = parsePolicy(POLICY('version: STSv1', 'mode: enforce', 'max_age: 86400', ...lines(1000)));
    expect(full.mx).toHaveLength(1000);
    expect(full.hints).toEqual([]);
    const over = parsePolicy(POLICY('version: STSv1', 'mode: enforce', 'max_age: 86400', ...lines(1001)));
    expect(over.mx).toHaveLength(1000);
    expect(over.mx.at(-1)).toBe('m999.example');
    expect(over.hints).toEqual(['only the first 1000 mx patterns were read']);
  });

  it('a field given twice: named with the line; the first value stays', () => {
    const p = parsePolicy(POLICY('version: STSv1', 'mode: testing', 'mode: enforce', 'mx: a.example', 'max_age: 86400'));
    expect(p.problems).toEqual([]);
    expect(p.hints).toEqual(['mode is given again on line 3: the first one is read']);
    expect(p.mode).toBe('testing');
  });

  it('version, mode and max_age: each problem in its words, long values cut to 40 characters', () => {
    const long = 'z'.repeat(50);
    const base = { version: 'version: STSv1', mode: 'mode: none', age: 'max_age: 86400' };
    const read = (o: Partial<typeof base>) => parsePolicy(POLICY(...Object.values({ ...base, ...o }).filter((l) => l !== '')));
    expect(read({ version: '' }).problems).toEqual(['no version field (version: STSv1)']);
    expect(read({ version: `version: ${long}` }).problems).toEqual([`version "${'z'.repeat(40)}" is not STSv1`]);
    expect(read({ version: `version: ${long}` }).version).toBe(long);
    expect(read({ mode: '' }).problems).toEqual(['no mode field (mode: enforce, testing or none)']);
    expect(read({ mode: `mode: ${long}` }).problems).toEqual([`mode "${'z'.repeat(40)}" is not enforce, testing or none (lower case)`]);
    expect(read({ age: '' }).problems).toEqual(['no max_age field (seconds senders keep the policy)']);
    expect(read({ age: `max_age: ${long}` }).problems).toEqual([`max_age "${'z'.repeat(40)}" is not a whole number of seconds`]);
    expect(read({ age: 'max_age: 31557601' }).problems).toEqual(['max_age 31557601 is more than 31557600 (about a year), the most RFC 8461 allows']);
    expect(read({ age: 'max_age: 1' }).maxAge).toBe(1);
    expect(read({ age: 'max_age: 0000086400' }).maxAge).toBe(86400);
    for (const age of ['00000864000', '-1', '1.5', '+1', '', 'x1', '1x']) expect(read({ age: `max_age: ${age}` }).maxAge, age).toBeNull();
    expect(MAX_AGE_LIMIT).toBe(31_557_600);
  });

  it('mode none needs no mx; enforce and testing do; an unreadable mode asks for none', () => {
    expect(parsePolicy(POLICY('version: STSv1', 'mode: enforce', 'max_age: 86400')).problems).toEqual(['no mx pattern: with mode enforce no MX host is valid for MTA-STS senders']);
    expect(parsePolicy(POLICY('version: STSv1', 'mode: bogus', 'max_age: 86400')).problems).toEqual(['mode "bogus" is not enforce, testing or none (lower case)']);
  });
});

describe('MX host names and patterns', () => {
  it('a name as matched: lower case, one final dot removed', () => {
    expect(mxName('MX.Example.COM.')).toBe('mx.example.com');
    expect(mxName('mx.example..')).toBe('mx.example.');
    expect(mxName('a.b')).toBe('a.b');
  });

  it('the first matching pattern is returned', () => {
    expect(matchMx('a.example', ['*.example', 'a.example'])).toBe('*.example');
    expect(matchMx('a.example', ['b.example', 'a.example'])).toBe('a.example');
    expect(matchMx('a.example', [])).toBeNull();
  });

  it('a wildcard needs its dot: "*.example" does not match "xexample" nor "a.xexample"', () => {
    expect(matchMx('a.xexample', ['*.example'])).toBeNull();
    expect(matchMx('.example', ['*.example'])).toBeNull();
  });

  it('a pattern that is not a wildcard but ends like one is matched as a name', () => {
    expect(matchMx('a.example', ['x*.example'])).toBeNull();
    expect(matchMx('a.example', ['.example'])).toBeNull();
  });

  it('near misses: a wildcard over the name itself, or over a name with more labels; names are lower-cased first', () => {
    expect(nearMiss('Example.COM.', ['*.example.com'])).toBe('*.example.com does not match example.com itself: add "mx: example.com".');
    expect(nearMiss('a.b.example.com', ['mx.example.com', '*.example.com'])).toBe('*.example.com matches one label only, and a.b.example.com has 2 before example.com: add "mx: *.b.example.com" or "mx: a.b.example.com".');
    expect(nearMiss('a.b.c.example.com', ['*.example.com'])).toBe('*.example.com matches one label only, and a.b.c.example.com has 3 before example.com: add "mx: *.b.c.example.com" or "mx: a.b.c.example.com".');
    expect(nearMiss('a.xexample.com', ['*.example.com'])).toBeNull();
    expect(nearMiss('a.example.com', ['*.other.net', '*.example.com'])).toBe('*.example.com matches one label only, and a.example.com has 1 before example.com: add "mx: *.example.com" or "mx: a.example.com".');
    expect(nearMiss('example.com', ['example.com'])).toBeNull();
    // Only wildcards can be near misses: a name pattern is never cut as if it were one.
    expect(nearMiss('b.example.com', ['a.b.example.com'])).toBeNull();
    expect(nearMiss('x.1.example.com', ['mx1.example.com'])).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Judging

const DOMAIN = 'example.test';
const RESOLVER = '127.0.0.1:5353';
const GOOD = 'version: STSv1\nmode: enforce\nmx: mx1.example.test\nmx: *.mail.example.test\nmax_age: 604800\n';
const URL_ = `https://mta-sts.${DOMAIN}/.well-known/mta-sts.txt`;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function dnsOf(mx: string[], over: Partial<DnsFacts['mx'][number]>[] = []): DnsFacts {
  return { status: 'ok', resolver: RESOLVER, error: null, mx: mx.map((exchange, i) => ({ exchange, preference: 10 * (i + 1), addresses: ['192.0.2.1'], cname: null, isIpLiteral: false, error: null, ...over[i] })) };
}

function txt(name: string, records: string[][]): TxtLookup {
  return { name, status: records.length ? 'found' : 'none', error: records.length ? null : 'NXDOMAIN', records };
}

function fetched(body: string, over: Partial<PolicyFetch> = {}): PolicyFetch {
  return { url: URL_, status: 'fetched', cname: [], address: '127.0.0.1', httpStatus: 200, contentType: 'text/plain', location: null, bytes: body.length, body, sha256: sha(body), error: null, ...over };
}

function failedFetch(code: NonNullable<PolicyFetch['error']>['code'], detail: string | null, over: Partial<PolicyFetch> = {}): PolicyFetch {
  return { url: URL_, status: 'failed', cname: [], address: null, httpStatus: null, contentType: null, location: null, bytes: null, body: null, sha256: null, error: { code, detail, message: `failed: ${detail}` }, ...over };
}

interface Case {
  sts?: string[][] | TxtLookup;
  policy?: PolicyFetch;
  rpt?: string[][] | TxtLookup;
  misplaced?: string[][] | null;
  previous?: SeenPolicy | null;
  mx?: string[];
  dns?: DnsFacts;
}

function facts(c: Case = {}): PostureFacts {
  const sts = c.sts ?? [['v=STSv1; id=20261129']];
  const rpt = c.rpt ?? [['v=TLSRPTv1; rua=mailto:tlsrpt@example.test']];
  const posture: PostureSection = {
    mtaSts: { record: Array.isArray(sts) ? txt(`_mta-sts.${DOMAIN}`, sts) : sts, policy: c.policy ?? fetched(GOOD), previous: c.previous ?? null, id: null, parsed: null, coverage: [], effect: 'not-published' },
    tlsRpt: { record: Array.isArray(rpt) ? txt(`_smtp._tls.${DOMAIN}`, rpt) : rpt, misplaced: c.misplaced ? txt(`_tlsrpt.${DOMAIN}`, c.misplaced) : null, rua: [] },
    dnsbl: null,
  };
  return { domain: DOMAIN, dns: c.dns ?? dnsOf(c.mx ?? ['mx1.example.test', 'a.mail.example.test']), posture };
}

const judge = (c: Case = {}) => judgePosture(facts(c));
const ids = (c: Case = {}) => judge(c).findings.map((f) => f.id).sort();
const one = (c: Case, id: string): Finding => {
  const found = judge(c).findings.filter((f) => f.id === id);
  expect(found, id).toHaveLength(1);
  return found[0] as Finding;
};
const NOT_PUBLISHED: Case = { sts: [], policy: failedFetch('dns-error', 'NXDOMAIN') };

describe('the MX hosts a policy is held against', () => {
  it('each MX host once, lower case and without its final dot; IP literals and a null MX left out', () => {
    expect(mxHosts(dnsOf(['MX1.example.test.', 'mx1.example.test', '', '[192.0.2.1]', 'b.example.test'], [{}, {}, {}, { isIpLiteral: true }]))).toEqual(['mx1.example.test', 'b.example.test']);
  });
});

describe('MTA-STS judged: the record', () => {
  it('a failed lookup: lookup-failed with its facts, effect broken, nothing else of MTA-STS', () => {
    const record: TxtLookup = { name: `_mta-sts.${DOMAIN}`, status: 'error', error: 'SERVFAIL', records: [] };
    const j = judge({ sts: record });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.lookup-failed', 'tls-rpt.ok']);
    expect(j.findings.find((f) => f.id === 'mta-sts.lookup-failed')?.facts).toEqual({ domain: DOMAIN, name: `_mta-sts.${DOMAIN}`, error: 'SERVFAIL', resolver: RESOLVER });
    expect(j.section.mtaSts).toMatchObject({ effect: 'broken', id: null, parsed: null, coverage: [] });
    expect(j.policy).toBeNull();
    expect(one({ sts: { ...record, error: null } }, 'mta-sts.lookup-failed').facts.error).toBe('no answer');
  });

  it('two records: multiple-records with the count and the records quoted (120 characters each)', () => {
    const long = `v=STSv1; id=${'a'.repeat(150)}`;
    const f = one({ sts: [['v=STSv1; id=1'], [long], ['v=spf1 -all']] }, 'mta-sts.multiple-records');
    expect(f.facts).toEqual({ domain: DOMAIN, count: 2, records: `"v=STSv1; id=1", "${long.slice(0, 120)}"` });
    expect(judge({ sts: [['v=STSv1; id=1'], ['v=STSv1; id=2']] }).section.mtaSts).toMatchObject({ effect: 'broken', id: null, coverage: [] });
  });

  it('a bad record: its text (200 characters) and every problem', () => {
    const text = `v=STSv1; id=a-b; id=${'c'.repeat(200)}`;
    const f = one({ sts: [[text]] }, 'mta-sts.bad-record');
    expect(f.facts).toEqual({ domain: DOMAIN, record: text.slice(0, 200), problem: `id "a-b" is not 1 to 32 letters and digits; id "${'c'.repeat(60)}…" is not 1 to 32 letters and digits; more than one id` });
    expect(judge({ sts: [[text]] }).section.mtaSts).toMatchObject({ effect: 'broken', id: null, coverage: [] });
  });

  it('near misses: at most three named, each with its text (200 characters); not published is not said', () => {
    const long = `V=STSv1; id=${'x'.repeat(250)}`;
    const j = judge({ sts: [[long], ['v=stsv1; id=2'], [' v=STSv1; id=3'], ['V=STSV1; id=4']] });
    expect(j.findings.filter((f) => f.id === 'mta-sts.record-near-miss').map((f) => f.facts)).toEqual([
      { domain: DOMAIN, record: long.slice(0, 200) },
      { domain: DOMAIN, record: 'v=stsv1; id=2' },
      { domain: DOMAIN, record: ' v=STSv1; id=3' },
    ]);
    expect(j.findings.map((f) => f.id)).not.toContain('mta-sts.not-published');
    expect(j.section.mtaSts.effect).toBe('broken');
  });

  it('no record: not-published with the resolver; the policy fetched anyway is read but not used', () => {
    const j = judge({ sts: [], policy: fetched(GOOD.replace('enforce', 'none')) });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.not-published', 'tls-rpt.ok']);
    expect(j.findings.find((f) => f.id === 'mta-sts.not-published')?.facts).toEqual({ domain: DOMAIN, resolver: RESOLVER });
    expect(j.section.mtaSts).toMatchObject({ effect: 'not-published', id: null, coverage: [], parsed: { version: 'STSv1', mode: 'none', maxAge: 604800, mx: ['mx1.example.test', '*.mail.example.test'], lineEndings: 'lf' } });
    expect(j.policy?.mode).toBe('none');
  });

  it('no record: a fetch that failed or was skipped says nothing', () => {
    for (const policy of [failedFetch('connection-refused', 'ECONNREFUSED'), { ...failedFetch('invalid-input', null), status: 'skipped' as const }, fetched('', { httpStatus: 301, location: 'https://x/', body: null }), fetched('', { httpStatus: 404, body: null })]) {
      expect(ids({ sts: [], policy })).toEqual(['mta-sts.not-published', 'tls-rpt.ok']);
    }
  });
});

describe('MTA-STS judged: a policy without a record', () => {
  it('served in mode enforce or testing: the trap, with what mxray saw before', () => {
    const previous: SeenPolicy = { id: 'old1', sha256: 'a'.repeat(64), seenAt: '2026-11-01T00:00:00.000Z', mode: 'enforce', maxAge: null };
    expect(one({ sts: [], previous }, 'mta-sts.policy-without-record').facts).toEqual({
      domain: DOMAIN,
      mode: 'enforce',
      previous: 'mxray saw it published under id old1 at 2026-11-01T00:00:00.000Z.',
    });
    expect(one({ sts: [], previous: { ...previous, maxAge: 3600 } }, 'mta-sts.policy-without-record').facts.previous).toBe(
      'mxray saw it published under id old1 at 2026-11-01T00:00:00.000Z: senders that fetched it then keep it for its max_age of 3600 seconds from their last fetch.',
    );
    expect(one({ sts: [], policy: fetched(GOOD.replace('enforce', 'testing')) }, 'mta-sts.policy-without-record').facts).toEqual({ domain: DOMAIN, mode: 'testing', previous: '' });
  });

  it('not the trap: mode none, an invalid policy, or one not served as text/plain; a near miss instead of not-published', () => {
    expect(ids({ sts: [], policy: fetched(GOOD.replace('enforce', 'none')) })).toEqual(['mta-sts.not-published', 'tls-rpt.ok']);
    expect(ids({ sts: [], policy: fetched(GOOD.replace('STSv1', 'STSv2')) })).toEqual(['mta-sts.not-published', 'tls-rpt.ok']);
    expect(ids({ sts: [], policy: fetched(GOOD, { contentType: 'text/html' }) })).toEqual(['mta-sts.not-published', 'tls-rpt.ok']);
    const near = judge({ sts: [['v=stsv1; id=1']] });
    expect(near.findings.map((f) => f.id).sort()).toEqual(['mta-sts.policy-without-record', 'mta-sts.record-near-miss', 'tls-rpt.ok']);
    expect(near.section.mtaSts.effect).toBe('broken');
  });

  it('a bad record is present: the policy is not used, and no fetch finding is raised for it', () => {
    expect(ids({ sts: [['v=STSv1; id=-']], policy: fetched(GOOD, { contentType: 'text/html' }) })).toEqual(['mta-sts.bad-record', 'tls-rpt.ok']);
  });
});

describe('MTA-STS judged: the fetch', () => {
  it('skipped: policy-not-fetched with the reason, or "not fetched"', () => {
    const skipped = { ...failedFetch('invalid-input', 'no-fetcher'), status: 'skipped' as const };
    expect(one({ policy: skipped }, 'mta-sts.policy-not-fetched').facts).toEqual({ domain: DOMAIN, url: URL_, why: 'failed: no-fetcher' });
    expect(one({ policy: { ...skipped, error: null } }, 'mta-sts.policy-not-fetched').facts).toEqual({ domain: DOMAIN, url: URL_, why: 'not fetched' });
    expect(judge({ policy: skipped }).section.mtaSts).toMatchObject({ effect: 'broken', parsed: null });
  });

  it('too large: the limit', () => {
    expect(one({ policy: failedFetch('protocol-error', 'too-large') }, 'mta-sts.policy-too-large').facts).toEqual({ domain: DOMAIN, limit: 65536 });
    expect(ids({ policy: failedFetch('protocol-error', 'too-large') })).toEqual(['mta-sts.policy-too-large', 'tls-rpt.ok']);
  });

  it('a certificate refused: the detail, message and the CNAME chain, or that there is none', () => {
    expect(one({ policy: failedFetch('tls-handshake-error', 'cert-untrusted') }, 'mta-sts.policy-cert-invalid').facts).toEqual({ domain: DOMAIN, url: URL_, detail: 'cert-untrusted', what: 'not trusted', message: 'failed: cert-untrusted', cname: 'not a CNAME here' });
    expect(one({ policy: failedFetch('tls-handshake-error', 'cert-expired') }, 'mta-sts.policy-cert-invalid').facts.what).toBe('expired');
    expect(one({ policy: failedFetch('tls-handshake-error', 'cert-not-yet-valid') }, 'mta-sts.policy-cert-invalid').facts.what).toBe('not valid yet');
    expect(one({ policy: failedFetch('tls-handshake-error', 'cert-name-mismatch') }, 'mta-sts.policy-cert-invalid').facts.what).toBe("not valid for the policy host's name");
    expect(one({ policy: failedFetch('tls-handshake-error', 'cert-odd') }, 'mta-sts.policy-cert-invalid').facts.what).toBe('rejected');
    expect(one({ policy: failedFetch('tls-handshake-error', 'cert-name-mismatch', { cname: ['a.provider.test', 'b.provider.test'] }) }, 'mta-sts.policy-cert-invalid').facts.cname).toBe(`mta-sts.${DOMAIN} → a.provider.test → b.provider.test`);
  });

  it('unreachable: the code, detail and message, or what stands for them', () => {
    expect(one({ policy: failedFetch('tls-handshake-error', 'handshake-failed') }, 'mta-sts.policy-unreachable').facts).toEqual({ domain: DOMAIN, url: URL_, status: 'tls-handshake-error, handshake-failed', message: 'failed: handshake-failed' });
    expect(one({ policy: failedFetch('connection-refused', null) }, 'mta-sts.policy-unreachable').facts).toEqual({ domain: DOMAIN, url: URL_, status: 'connection-refused', message: 'failed: null' });
    expect(one({ policy: { ...failedFetch('connection-refused', null), error: null } }, 'mta-sts.policy-unreachable').facts).toEqual({ domain: DOMAIN, url: URL_, status: 'no answer', message: 'no answer' });
  });

  it('a redirect (300 to 399): redirect with its status and Location, or "none"', () => {
    for (const httpStatus of [300, 301, 399]) {
      expect(one({ policy: fetched('', { httpStatus, location: 'https://www.example.test/', body: null }) }, 'mta-sts.policy-redirect').facts).toEqual({ domain: DOMAIN, url: URL_, httpStatus, location: 'https://www.example.test/' });
    }
    expect(one({ policy: fetched('', { httpStatus: 302, body: null }) }, 'mta-sts.policy-redirect').facts.location).toBe('none');
    expect(ids({ policy: fetched('', { httpStatus: 302, body: null }) })).toEqual(['mta-sts.policy-redirect', 'tls-rpt.ok']);
  });

  it('any status but 200 and 3xx: txt-without-policy with the status, even with a body that reads as a policy', () => {
    for (const httpStatus of [201, 299, 400, 404, 500]) {
      expect(one({ policy: fetched(GOOD, { httpStatus }) }, 'mta-sts.txt-without-policy').facts).toEqual({ domain: DOMAIN, url: URL_, httpStatus });
      expect(ids({ policy: fetched(GOOD, { httpStatus }) })).toEqual(['mta-sts.txt-without-policy', 'tls-rpt.ok']);
    }
    expect(one({ policy: fetched(GOOD, { httpStatus: null }) }, 'mta-sts.txt-without-policy').facts.httpStatus).toBe(0);
    expect(judge({ policy: fetched(GOOD, { httpStatus: 404 }) }).section.mtaSts.parsed).toBeNull();
  });

  it('a 200 without a body: no policy, nothing said about it', () => {
    const j = judge({ policy: fetched('', { body: null }) });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['tls-rpt.ok']);
    expect(j.section.mtaSts).toMatchObject({ effect: 'broken', parsed: null });
    expect(j.policy).toBeNull();
  });

  it('a Content-Type that is not text/plain: bad-content-type with it, or "no Content-Type"; the policy is read but not used', () => {
    expect(one({ policy: fetched(GOOD, { contentType: 'text/html' }) }, 'mta-sts.bad-content-type').facts).toEqual({ domain: DOMAIN, contentType: 'text/html' });
    expect(one({ policy: fetched(GOOD, { contentType: null }) }, 'mta-sts.bad-content-type').facts).toEqual({ domain: DOMAIN, contentType: 'no Content-Type' });
    const j = judge({ policy: fetched(GOOD, { contentType: 'text/html' }) });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.bad-content-type', 'tls-rpt.ok']);
    expect(j.section.mtaSts).toMatchObject({ effect: 'broken', coverage: [], id: '20261129', parsed: { mode: 'enforce' } });
  });

  it('text/plain as senders take it: parameters after ";", spaces before it and around the type, any case', () => {
    expect(isTextPlain(' text/plain ')).toBe(true);
    expect(isTextPlain('text/plain \t; charset=utf-8')).toBe(true);
    expect(isTextPlain('TEXT/PLAIN;')).toBe(true);
    expect(isTextPlain('xtext/plain')).toBe(false);
    expect(isTextPlain('text/plain charset=utf-8')).toBe(false);
    expect(isTextPlain('')).toBe(false);
  });

  it('an invalid policy: its first six problems and four hints, or no hints at all', () => {
    const body = POLICY('version: STSv2', 'mode: sometimes', 'max_age: soon', 'mx: http://a', 'mx: http://b', 'mx: http://c', 'mx: http://d', 'mx: http://e');
    const f = one({ policy: fetched(body) }, 'mta-sts.policy-invalid');
    expect(f.facts).toEqual({
      domain: DOMAIN,
      problems: [
        'mx "http://a" on line 4 is not a host name or a *. wildcard',
        'mx "http://b" on line 5 is not a host name or a *. wildcard',
        'mx "http://c" on line 6 is not a host name or a *. wildcard',
        'mx "http://d" on line 7 is not a host name or a *. wildcard',
        'mx "http://e" on line 8 is not a host name or a *. wildcard',
        'and 3 more',
      ].join('; '),
      hints: `${[...['a', 'b', 'c', 'd'].map((x) => `mx "http://${x}" looks like a URL: write the MX host name alone`), 'and 1 more'].join('; ')}.`,
    });
    expect(one({ policy: fetched(GOOD.replace('STSv1', 'STSv2')) }, 'mta-sts.policy-invalid').facts).toEqual({ domain: DOMAIN, problems: 'version "STSv2" is not STSv1', hints: '' });
    const j = judge({ policy: fetched(GOOD.replace('STSv1', 'STSv2')) });
    expect(j.findings.map((x) => x.id).sort()).toEqual(['mta-sts.policy-invalid', 'tls-rpt.ok']);
    expect(j.section.mtaSts).toMatchObject({ effect: 'broken', coverage: [] });
  });
});

describe('MTA-STS judged: a valid policy', () => {
  it('covering every MX host: ok with its facts; the judged fields filled', () => {
    const j = judge();
    for (const f of j.findings) expect([f.id, f.hosts, f.evidence]).toEqual([f.id, [], []]);
    expect(j.findings.find((f) => f.id === 'mta-sts.ok')?.facts).toEqual({ domain: DOMAIN, mode: 'enforce', id: '20261129', maxAge: 604800, covered: 'all 2 MX hosts', resolver: RESOLVER });
    expect(j.section.mtaSts.effect).toBe('enforced');
    expect(one({ mx: ['mx1.example.test'], policy: fetched(POLICY('version: STSv1', 'mode: enforce', 'mx: mx1.example.test', 'max_age: 604800')) }, 'mta-sts.ok').facts.covered).toBe('its MX host');
    expect(one({ mx: [], dns: dnsOf([]) }, 'mta-sts.ok').facts.covered).toBe('no MX host (the domain has none)');
  });

  it('no MX host: ok, no pattern called unused', () => {
    expect(ids({ dns: dnsOf([]) })).toEqual(['mta-sts.ok', 'tls-rpt.ok']);
    expect(judge({ dns: dnsOf([]) }).section.mtaSts.coverage).toEqual([]);
  });

  it('mode testing: testing (with where reports go), the effect testing, and ok', () => {
    const j = judge({ policy: fetched(GOOD.replace('enforce', 'testing')) });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.ok', 'mta-sts.testing', 'tls-rpt.ok']);
    expect(j.findings.find((f) => f.id === 'mta-sts.testing')?.facts).toEqual({ domain: DOMAIN, tlsRpt: 'reports go to mailto:tlsrpt@example.test' });
    expect(j.section.mtaSts.effect).toBe('testing');
    expect(one({ policy: fetched(GOOD.replace('enforce', 'testing')), rpt: [] }, 'mta-sts.testing').facts.tlsRpt).toBe('but this domain publishes no valid TLS-RPT record, so nobody receives them');
  });

  it('mode none: mode-none alone, no coverage, no ok', () => {
    const j = judge({ policy: fetched('version: STSv1\nmode: none\nmax_age: 60\n') });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.mode-none', 'tls-rpt.ok']);
    expect(j.findings.find((f) => f.id === 'mta-sts.mode-none')?.facts).toEqual({ domain: DOMAIN });
    expect(j.section.mtaSts).toMatchObject({ effect: 'none', coverage: [], id: '20261129' });
  });

  it('max_age under a day: max-age-short with it; a day is not short', () => {
    expect(one({ policy: fetched(GOOD.replace('604800', '86399')) }, 'mta-sts.max-age-short').facts).toEqual({ domain: DOMAIN, maxAge: 86399 });
    expect(ids({ policy: fetched(GOOD.replace('604800', '0')) })).toEqual(['mta-sts.max-age-short', 'mta-sts.ok', 'tls-rpt.ok']);
    expect(ids({ policy: fetched(GOOD.replace('604800', '86400')) })).toEqual(['mta-sts.ok', 'tls-rpt.ok']);
  });

  it('an MX host not covered: one finding per host with the patterns, mode, hint and effect; no ok', () => {
    const j = judge({ mx: ['mx1.example.test', 'a.b.mail.example.test', 'other.example.net'] });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.mx-not-covered', 'mta-sts.pattern-unused', 'tls-rpt.ok']);
    const missed = j.findings.filter((f) => f.id === 'mta-sts.mx-not-covered');
    const effect = 'In mode enforce, MTA-STS senders do not deliver to these hosts.';
    expect(missed.map((f) => [f.hosts, f.facts])).toEqual([
      [
        ['a.b.mail.example.test', 'other.example.net'],
        { domain: DOMAIN, mx: 'a.b.mail.example.test, other.example.net', is: 'are', patterns: 'mx1.example.test, *.mail.example.test', mode: 'enforce', hint: `${nearMiss('a.b.mail.example.test', ['*.mail.example.test'])} `, effect },
      ],
    ]);
    expect(one({ mx: ['other.example.net'] }, 'mta-sts.mx-not-covered').facts).toMatchObject({ mx: 'other.example.net', is: 'is', hint: '', effect: 'In mode enforce, MTA-STS senders do not deliver to this host.' });
    expect(j.section.mtaSts.coverage).toEqual([
      { mx: 'mx1.example.test', pattern: 'mx1.example.test' },
      { mx: 'a.b.mail.example.test', pattern: null },
      { mx: 'other.example.net', pattern: null },
    ]);
    const testing = one({ mx: ['other.example.net'], policy: fetched(GOOD.replace('enforce', 'testing')) }, 'mta-sts.mx-not-covered');
    expect(testing.facts).toMatchObject({ mode: 'testing', effect: 'In mode testing, senders deliver and report the failure; in mode enforce they would not deliver to this host.' });
  });

  it('patterns no MX host uses: pattern-unused for each, at most ten', () => {
    const mx = Array.from({ length: 12 }, (_, i) => `mx: u${i}.example.test`);
    const j = judge({ mx: ['mx1.example.test'], policy: fetched(POLICY('version: STSv1', 'mode: enforce', 'mx: mx1.example.test', ...mx, 'max_age: 604800')) });
    expect(j.findings.filter((f) => f.id === 'mta-sts.pattern-unused').map((f) => f.facts)).toEqual(Array.from({ length: 10 }, (_, i) => ({ domain: DOMAIN, pattern: `u${i}.example.test` })));
    expect(one({ mx: ['mx1.example.test'] }, 'mta-sts.pattern-unused').facts).toEqual({ domain: DOMAIN, pattern: '*.mail.example.test' });
  });

  it('the policy changed under the same id: id-unchanged with when it was seen and its max_age (or the new one)', () => {
    const previous: SeenPolicy = { id: '20261129', sha256: 'b'.repeat(64), seenAt: '2026-11-20T10:00:00.000Z', mode: 'testing', maxAge: 3600 };
    expect(one({ previous }, 'mta-sts.id-unchanged').facts).toEqual({ domain: DOMAIN, id: '20261129', seenAt: '2026-11-20T10:00:00.000Z', maxAge: 3600 });
    expect(one({ previous: { ...previous, maxAge: null } }, 'mta-sts.id-unchanged').facts.maxAge).toBe(604800);
    // A policy whose hash is unknown cannot be compared.
    expect(ids({ previous, policy: fetched(GOOD, { sha256: null }) })).toEqual(['mta-sts.ok', 'tls-rpt.ok']);
    expect(ids({ previous: { ...previous, sha256: sha(GOOD) } })).toEqual(['mta-sts.ok', 'tls-rpt.ok']);
    expect(ids({ previous: { ...previous, id: '20261128' } })).toEqual(['mta-sts.ok', 'tls-rpt.ok']);
  });

  it('the judged section keeps the facts as given, with the judged fields replaced', () => {
    const f = facts({ previous: { id: 'x', sha256: 'c'.repeat(64), seenAt: '2026-11-01T00:00:00.000Z', mode: 'enforce', maxAge: 1 } });
    const j = judgePosture(f);
    expect(j.section.mtaSts).toEqual({
      record: f.posture.mtaSts.record,
      policy: f.posture.mtaSts.policy,
      previous: f.posture.mtaSts.previous,
      id: '20261129',
      parsed: { version: 'STSv1', mode: 'enforce', maxAge: 604800, mx: ['mx1.example.test', '*.mail.example.test'], lineEndings: 'lf' },
      coverage: [
        { mx: 'mx1.example.test', pattern: 'mx1.example.test' },
        { mx: 'a.mail.example.test', pattern: '*.mail.example.test' },
      ],
      effect: 'enforced',
    });
    expect(j.section.dnsbl).toBeNull();
    expect(j.policy?.problems).toEqual([]);
  });
});

describe('TLS-RPT judged', () => {
  it('ok: the addresses (at most 64 kept; three named, then how many more)', () => {
    const rua = Array.from({ length: 70 }, (_, i) => `mailto:r${i}@example.test`);
    const j = judge({ rpt: [[`v=TLSRPTv1; rua=${rua.join(',')}`]] });
    expect(j.section.tlsRpt.rua).toEqual(rua.slice(0, 64));
    expect(j.findings.find((f) => f.id === 'tls-rpt.ok')?.facts).toEqual({ domain: DOMAIN, rua: 'mailto:r0@example.test, mailto:r1@example.test, mailto:r2@example.test and 61 more', resolver: RESOLVER });
    expect(one({ rpt: [['v=TLSRPTv1; rua=mailto:a@example.test,mailto:b@example.test,mailto:c@example.test']] }, 'tls-rpt.ok').facts.rua).toBe('mailto:a@example.test, mailto:b@example.test, mailto:c@example.test');
    expect(one({ rpt: [['v=TLSRPTv1; rua=mailto:a@example.test,mailto:b@example.test,mailto:c@example.test,mailto:d@example.test']] }, 'tls-rpt.ok').facts.rua).toBe('mailto:a@example.test, mailto:b@example.test, mailto:c@example.test and 1 more');
  });

  it('a failed lookup: lookup-failed with its facts, or "no answer"', () => {
    const record: TxtLookup = { name: `_smtp._tls.${DOMAIN}`, status: 'error', error: 'TIMEOUT', records: [] };
    const j = judge({ rpt: record });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.ok', 'tls-rpt.lookup-failed']);
    expect(j.findings.find((f) => f.id === 'tls-rpt.lookup-failed')?.facts).toEqual({ domain: DOMAIN, name: `_smtp._tls.${DOMAIN}`, error: 'TIMEOUT', resolver: RESOLVER });
    expect(one({ rpt: { ...record, error: null } }, 'tls-rpt.lookup-failed').facts.error).toBe('no answer');
    expect(j.section.tlsRpt.rua).toEqual([]);
  });

  it('two records: multiple-records, quoted; nothing else', () => {
    const j = judge({ rpt: [['v=TLSRPTv1; rua=mailto:a@example.test'], ['v=TLSRPTv1; rua=mailto:b@example.test']], misplaced: [['v=TLSRPTv1; rua=mailto:c@example.test']] });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.ok', 'tls-rpt.multiple-records']);
    expect(j.findings.find((f) => f.id === 'tls-rpt.multiple-records')?.facts).toEqual({ domain: DOMAIN, count: 2, records: '"v=TLSRPTv1; rua=mailto:a@example.test", "v=TLSRPTv1; rua=mailto:b@example.test"' });
  });

  it('a bad record: its text (200 characters) and problems; no rua', () => {
    const text = `v=TLSRPTv1; rua=${'x'.repeat(250)}@example.test`;
    const j = judge({ rpt: [[text]] });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.ok', 'tls-rpt.bad-record']);
    expect(j.findings.find((f) => f.id === 'tls-rpt.bad-record')?.facts).toEqual({ domain: DOMAIN, record: text.slice(0, 200), problem: `"${'x'.repeat(60)}…" lacks "mailto:" (write rua=mailto:${'x'.repeat(60)})` });
    expect(j.section.tlsRpt.rua).toEqual([]);
    expect(one({ rpt: [['v=TLSRPTv1; rua=a@b.c; rua=mailto:a@b.c']] }, 'tls-rpt.bad-record').facts.problem).toBe('"a@b.c" lacks "mailto:" (write rua=mailto:a@b.c); more than one rua field (give every address in one, separated by commas)');
  });

  it('near misses: at most three, each 200 characters; then nothing else is said', () => {
    const long = `V=TLSRPTv1; rua=mailto:${'x'.repeat(250)}@example.test`;
    const j = judge({ rpt: [[long], ['v=tlsrptv1; rua=mailto:a@b.c'], [' v=TLSRPTv1; rua=mailto:a@b.c'], ['V=TLSRPTV1; rua=mailto:a@b.c']], misplaced: [['v=TLSRPTv1; rua=mailto:c@example.test']] });
    expect(j.findings.filter((f) => f.id.startsWith('tls-rpt.')).map((f) => [f.id, f.facts])).toEqual([
      ['tls-rpt.record-near-miss', { domain: DOMAIN, record: long.slice(0, 200) }],
      ['tls-rpt.record-near-miss', { domain: DOMAIN, record: 'v=tlsrptv1; rua=mailto:a@b.c' }],
      ['tls-rpt.record-near-miss', { domain: DOMAIN, record: ' v=TLSRPTv1; rua=mailto:a@b.c' }],
    ]);
  });

  it('misplaced at _tlsrpt: the name and the record (200 characters); only a record of ours there counts', () => {
    const text = `v=TLSRPTv1; rua=mailto:${'r'.repeat(250)}@example.test`;
    const j = judge({ rpt: [], misplaced: [['v=spf1 -all'], [text]] });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mta-sts.ok', 'tls-rpt.misplaced']);
    expect(j.findings.find((f) => f.id === 'tls-rpt.misplaced')?.facts).toEqual({ domain: DOMAIN, name: `_tlsrpt.${DOMAIN}`, record: text.slice(0, 200) });
    expect(ids({ rpt: [], misplaced: [['v=spf1 -all']] })).toEqual(['mta-sts.ok', 'tls-rpt.not-published']);
    expect(ids({ rpt: [], misplaced: [] })).toEqual(['mta-sts.ok', 'tls-rpt.not-published']);
  });

  it('not published: why it matters only when an MTA-STS record of ours was found', () => {
    const why = 'The domain publishes MTA-STS: without TLS-RPT its mode testing tells nobody anything, and failures in mode enforce go unseen.';
    expect(one({ rpt: [] }, 'tls-rpt.not-published').facts).toEqual({ domain: DOMAIN, why });
    // A bad record of ours still counts as published MTA-STS.
    expect(one({ rpt: [], sts: [['v=STSv1; id=-']] }, 'tls-rpt.not-published').facts.why).toBe(why);
    expect(one({ ...NOT_PUBLISHED, rpt: [] }, 'tls-rpt.not-published').facts).toEqual({ domain: DOMAIN, why: '' });
    expect(one({ rpt: [], sts: [['v=stsv1; id=1']] }, 'tls-rpt.not-published').facts.why).toBe('');
    // A found status is what says so: records under an error are not read.
    const errored: TxtLookup = { name: `_mta-sts.${DOMAIN}`, status: 'error', error: 'SERVFAIL', records: [['v=STSv1; id=1']] };
    expect(one({ rpt: [], sts: errored }, 'tls-rpt.not-published').facts.why).toBe('');
  });

  it('the findings come in order: MTA-STS, then TLS-RPT', () => {
    expect(judge({ rpt: [] }).findings.map((f) => f.id)).toEqual(['mta-sts.ok', 'tls-rpt.not-published']);
    expect(judge({ mx: ['mx1.example.test'], rpt: [] }).findings.map((f) => f.id)).toEqual(['mta-sts.pattern-unused', 'mta-sts.ok', 'tls-rpt.not-published']);
  });
});

// ---------------------------------------------------------------------------------------------
// What the policy does to the receiver test's hosts

interface HostSpec {
  mx?: string;
  key?: string;
  banner?: boolean;
  implicitTls?: boolean;
  starttls?: boolean;
  tls?: 'ok' | 'failed' | null;
  cert?: { timeValid?: boolean; trusted?: boolean; trustFailure?: string; nameMatches?: boolean | null } | null;
  /** The reply to STARTTLS (default: none recorded). */
  starttlsReply?: number;
  bannerCode?: number;
  findings?: Finding[];
  verdict?: HostReport['verdict'];
}

function host(s: HostSpec = {}): HostReport {
  const mx = s.mx ?? 'mx1.example.test';
  const cert = s.cert === null ? null : { timeValid: true, trusted: true, trustFailure: 'none', nameMatches: true, ...s.cert };
  return {
    key: s.key ?? `${mx}[192.0.2.1]:25`,
    mx,
    implicitTls: s.implicitTls ?? false,
    banner: s.banner === false ? null : { code: s.bannerCode ?? 220, lines: [`${mx} ESMTP`] },
    starttls: { offered: s.starttls ?? true, reply: s.starttlsReply === undefined ? null : { code: s.starttlsReply, enhanced: null, lines: ['TLS not available'] } },
    tls: s.tls === null ? null : { ok: (s.tls ?? 'ok') === 'ok' },
    assessment: { certificate: cert },
    findings: s.findings ?? [],
    verdict: s.verdict ?? 'pass',
  } as unknown as HostReport;
}

const PATTERNS = ['mx1.example.test', '*.mail.example.test'];

describe('why an MTA-STS sender does not deliver to a host', () => {
  it('the host is not named by the policy (matched like the judge: case and final dot aside)', () => {
    expect(mtaStsFailure(host({ mx: 'other.example.test' }), PATTERNS)).toBe('not named by the policy');
    expect(mtaStsFailure(host({ mx: 'MX1.example.test.' }), PATTERNS)).toBeNull();
    expect(mtaStsFailure(host({ mx: 'in.mail.example.test' }), PATTERNS)).toBeNull();
  });

  it('not reached (no greeting over plain SMTP): not an MTA-STS matter; with implicit TLS it is judged', () => {
    expect(mtaStsFailure(host({ banner: false, starttls: false, tls: null, cert: null }), PATTERNS)).toBeNull();
    expect(mtaStsFailure(host({ banner: false, implicitTls: true, tls: 'failed', cert: null }), PATTERNS)).toBe('the TLS handshake fails');
  });

  it('STARTTLS not offered (implicit TLS needs none)', () => {
    expect(mtaStsFailure(host({ starttls: false }), PATTERNS)).toBe('STARTTLS not offered');
    expect(mtaStsFailure(host({ starttls: false, implicitTls: true }), PATTERNS)).toBeNull();
  });

  it('a greeting that refuses us (421, 554 …) is no MTA-STS matter; a refused STARTTLS is', () => {
    expect(mtaStsFailure(host({ bannerCode: 554 }), PATTERNS)).toBeNull();
    expect(mtaStsFailure(host({ bannerCode: 421 }), PATTERNS)).toBeNull();
    expect(mtaStsFailure(host({ bannerCode: 199 }), PATTERNS)).toBeNull();
    expect(mtaStsFailure(host({ bannerCode: 299 }), PATTERNS)).toBe(null);
    expect(mtaStsFailure(host({ starttlsReply: 454, tls: null, cert: null }), PATTERNS)).toBe('STARTTLS refused (454)');
    // Refused, but a handshake happened anyway (a retry): the handshake is judged.
    expect(mtaStsFailure(host({ starttlsReply: 454 }), PATTERNS)).toBeNull();
    expect(mtaStsFailure(host({ starttlsReply: 220, tls: null, cert: null }), PATTERNS)).toBeNull();
  });

  it('the handshake: failed, or with no certificate; never tried says nothing', () => {
    expect(mtaStsFailure(host({ tls: 'failed' }), PATTERNS)).toBe('the TLS handshake fails');
    expect(mtaStsFailure(host({ tls: 'ok', cert: null }), PATTERNS)).toBe('the TLS handshake fails');
    expect(mtaStsFailure(host({ tls: null, cert: null }), PATTERNS)).toBeNull();
    expect(mtaStsFailure(host({ tls: null }), PATTERNS)).toBeNull();
  });

  it('the certificate: out of its dates, untrusted (with the reason when there is one), or not naming the host', () => {
    expect(mtaStsFailure(host({ cert: { timeValid: false, trusted: false, nameMatches: false } }), PATTERNS)).toBe('the certificate is expired or not yet valid');
    expect(mtaStsFailure(host({ cert: { trusted: false, trustFailure: 'untrusted-root', nameMatches: false } }), PATTERNS)).toBe('the certificate is not trusted (it chains to a root senders do not trust)');
    expect(mtaStsFailure(host({ cert: { trusted: false, trustFailure: 'self-signed' } }), PATTERNS)).toBe('the certificate is not trusted (self-signed)');
    expect(mtaStsFailure(host({ cert: { trusted: false, trustFailure: 'chain-incomplete' } }), PATTERNS)).toBe('the certificate is not trusted (an intermediate certificate is missing)');
    expect(mtaStsFailure(host({ cert: { trusted: false, trustFailure: 'something-new' } }), PATTERNS)).toBe('the certificate is not trusted (something-new)');
    expect(mtaStsFailure(host({ cert: { nameMatches: false } }), PATTERNS)).toBe('the certificate does not name mx1.example.test');
    expect(mtaStsFailure(host({ cert: { nameMatches: null } }), PATTERNS)).toBeNull();
  });
});

function section(effect: PostureSection['mtaSts']['effect'], mx: string[] | null = PATTERNS): PostureSection {
  return {
    mtaSts: { record: txt(`_mta-sts.${DOMAIN}`, []), policy: fetched(GOOD), previous: null, id: null, parsed: mx === null ? null : { version: 'STSv1', mode: 'enforce', maxAge: 1, mx, lineEndings: 'lf' }, coverage: [], effect },
    tlsRpt: { record: txt(`_smtp._tls.${DOMAIN}`, []), misplaced: null, rua: [] },
    dnsbl: null,
  };
}

describe('an MTA-STS policy applied to the hosts', () => {
  const selfSigned = makeFinding('cert.self-signed', {}, [], ['mx1.example.test[192.0.2.1]:25']);
  const expiring = makeFinding('cert.expiring-soon', { days: 5, notAfter: '2026-12-04' });

  it('no policy in force (not published, broken, none): hosts as they were, no finding', () => {
    const hosts = [host({ cert: { trusted: false }, findings: [selfSigned] })];
    for (const effect of ['not-published', 'broken', 'none'] as const) {
      const r = applyMtaSts(DOMAIN, section(effect), hosts);
      expect(r.findings).toEqual([]);
      expect(r.hosts).toEqual(hosts);
      expect(r.hosts).not.toBe(hosts);
    }
  });

  it('enforce: what stops an MTA-STS sender is raised to an error that says why; the rest is left alone', () => {
    const warn = { ...selfSigned, severity: 'warning' as const };
    const critical = { ...selfSigned, severity: 'critical' as const };
    const h = host({ cert: { trusted: false, trustFailure: 'self-signed' }, findings: [warn, critical, expiring], verdict: 'warn' });
    const r = applyMtaSts(DOMAIN, section('enforced'), [h]);
    const out = r.hosts[0] as HostReport;
    const ENFORCED = ' With the MTA-STS policy of this domain in mode enforce, every sender that uses MTA-STS refuses to deliver to this host because of it.';
    expect(out.findings).toEqual([
      { ...warn, severity: 'error', detail: `${warn.detail}${ENFORCED}`, facts: { ...warn.facts, mtaSts: 'enforce' } },
      { ...critical, detail: `${critical.detail}${ENFORCED}`, facts: { ...critical.facts, mtaSts: 'enforce' } },
      expiring,
    ]);
    expect(out.verdict).toBe('fail');
    expect(r.findings).toEqual([makeFinding('mta-sts.enforce-blocks-delivery', { domain: DOMAIN, hosts: h.mx, why: 'the certificate is not trusted (self-signed)' }, [], [h.key])]);
  });

  it('enforce: a host that fails with no fatal finding keeps its findings, and its verdict is not made better', () => {
    const h = host({ mx: 'other.example.test', findings: [expiring], verdict: 'inconclusive' });
    const out = applyMtaSts(DOMAIN, section('enforced'), [h]).hosts[0] as HostReport;
    expect(out.findings).toEqual([expiring]);
    expect(out.verdict).toBe('inconclusive');
  });

  it('a host MTA-STS senders deliver to is passed through as it is', () => {
    const h = host({ findings: [expiring] });
    const r = applyMtaSts(DOMAIN, section('enforced'), [h]);
    expect(r.hosts[0]).toBe(h);
    expect(r.findings).toEqual([]);
  });

  it('testing: hosts unchanged, one warning names those that would be blocked and every reason once', () => {
    const a = host({ key: 'a', mx: 'a.mail.example.test', cert: { trusted: false, trustFailure: 'self-signed' }, findings: [selfSigned] });
    const b = host({ key: 'b', mx: 'b.mail.example.test', starttls: false });
    const c = host({ key: 'c', mx: 'c.mail.example.test', cert: { trusted: false, trustFailure: 'self-signed' } });
    const r = applyMtaSts(DOMAIN, section('testing'), [a, b, c, host({ key: 'ok' })]);
    expect(r.hosts).toEqual([a, b, c, host({ key: 'ok' })]);
    expect(r.hosts[0]).toBe(a);
    expect(r.findings).toEqual([makeFinding('mta-sts.testing-would-block', { domain: DOMAIN, hosts: 'a.mail.example.test, b.mail.example.test, c.mail.example.test', why: 'the certificate is not trusted (self-signed); STARTTLS not offered' }, [], ['a', 'b', 'c'])]);
  });

  it('more than three hosts: three named, then how many more', () => {
    const hosts = ['a', 'b', 'c', 'd', 'e'].map((key) => host({ key, mx: `${key}.other.test` }));
    const r = applyMtaSts(DOMAIN, section('enforced'), hosts);
    expect(r.findings[0]?.facts).toEqual({ domain: DOMAIN, hosts: 'a.other.test, b.other.test, c.other.test and 2 more', why: 'not named by the policy' });
    expect(r.findings[0]?.hosts).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(applyMtaSts(DOMAIN, section('enforced'), hosts.slice(0, 3)).findings[0]?.facts.hosts).toBe('a.other.test, b.other.test, c.other.test');
    // Two addresses of one MX host: the host named once, both addresses kept.
    const twice = applyMtaSts(DOMAIN, section('enforced'), [host({ key: 'p', mx: 'x.other.test' }), host({ key: 'q', mx: 'x.other.test' })]).findings[0]!;
    expect(twice.facts.hosts).toBe('x.other.test');
    expect(twice.hosts).toEqual(['p', 'q']);
  });

  it('a policy whose patterns were not kept matches no host', () => {
    expect(applyMtaSts(DOMAIN, section('testing', null), [host({ key: 'a' })]).findings[0]?.facts).toEqual({ domain: DOMAIN, hosts: 'mx1.example.test', why: 'not named by the policy' });
  });

  it('the fatal findings: certificate trust, dates and name; no STARTTLS; no handshake', () => {
    expect([...MTA_STS_FATAL].sort()).toEqual(
      [
        'cert.expired', 'cert.not-yet-valid', 'cert.self-signed', 'cert.untrusted-root', 'cert.chain-incomplete', 'cert.bad-signature', 'cert.intermediate-expired', 'cert.intermediate-not-yet-valid', 'cert.root-expired', 'cert.root-not-yet-valid', 'cert.not-a-ca',
        'cert.issuer-cannot-sign', 'cert.path-length-exceeded', 'cert.name-constraints-violated', 'cert.not-for-server-auth', 'cert.unknown-critical-extension', 'cert.name-mismatch', 'cert.empty-name', 'starttls.not-offered', 'starttls.masked', 'starttls.rejected',
        'tls.handshake-failed', 'tls.no-shared-cipher', 'tls.server-aborted', 'tls.handshake-timeout',
      ].sort(),
    );
  });
});

describe('after the review: the bounds and comparisons it added', () => {
  it('a quoted value: 60 characters whole, more cut with an ellipsis', () => {
    expect(quote('x'.repeat(60))).toBe(`"${'x'.repeat(60)}"`);
    expect(quote('x'.repeat(61))).toBe(`"${'x'.repeat(60)}…"`);
  });

  it('five problems named whole; a sixth becomes "and 1 more"', () => {
    const five = ['a', 'b', 'c', 'd', 'e'];
    expect(someOf(five)).toBe('a; b; c; d; e');
    expect(someOf([...five, 'f'])).toBe('a; b; c; d; e; and 1 more');
    expect(someOf(['a', 'b'], 1)).toBe('a; and 1 more');
  });

  it('at most 64 reporting URIs kept from a record', () => {
    const uris = Array.from({ length: 70 }, (_, i) => `mailto:r${i}@example.test`);
    expect(readTlsRptRecord(`v=TLSRPTv1; rua=${uris.join(',')}`).rua).toEqual(uris.slice(0, 64));
  });

  it('id-unchanged: a new mode alone, or another pattern in a set of the same size, is a change', () => {
    const seen: SeenPolicy = { id: '20261129', sha256: '0'.repeat(64), seenAt: '2026-11-20T10:00:00.000Z', mode: 'enforce', maxAge: 604800, mx: ['mx1.example.test', '*.mail.example.test'] };
    expect(ids({ previous: seen })).not.toContain('mta-sts.id-unchanged');
    expect(ids({ previous: { ...seen, mode: 'testing' } })).toContain('mta-sts.id-unchanged');
    expect(ids({ previous: { ...seen, mx: ['mx1.example.test', '*.old.example.test'] } })).toContain('mta-sts.id-unchanged');
    expect(ids({ previous: { ...seen, mx: ['*.mail.example.test', 'mx1.example.test'] } })).not.toContain('mta-sts.id-unchanged');
  });

  it('mode testing when the TLS-RPT lookup failed: "could not be looked up", not "publishes none"', () => {
    const rpt: TxtLookup = { name: `_smtp._tls.${DOMAIN}`, status: 'error', error: 'SERVFAIL', records: [] };
    expect(one({ rpt, policy: fetched(GOOD.replace('enforce', 'testing')) }, 'mta-sts.testing').facts.tlsRpt).toBe('but whether the domain publishes a TLS-RPT record could not be looked up');
  });

  it('a greeting is judged when it is 2xx: 200 and 299 are, 199 and 300 are not', () => {
    expect(mtaStsFailure(host({ bannerCode: 200, starttls: false }), PATTERNS)).toBe('STARTTLS not offered');
    expect(mtaStsFailure(host({ bannerCode: 299, starttls: false }), PATTERNS)).toBe('STARTTLS not offered');
    expect(mtaStsFailure(host({ bannerCode: 199, starttls: false }), PATTERNS)).toBeNull();
    expect(mtaStsFailure(host({ bannerCode: 300, starttls: false }), PATTERNS)).toBeNull();
  });
});
