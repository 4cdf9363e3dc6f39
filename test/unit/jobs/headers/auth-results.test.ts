// parseAuthResults / parseReceivedSpf / describeAuthResult: the project's own values in every shape
// issue 22 names (Gmail, Microsoft with and without an authserv-id, ARC, OpenDKIM/OpenDMARC, no
// result, versions), every failure shape with its exact notes, then the real headers of the corpus
// read in place (never copied), then fast-check: random and mutated values never throw and every
// cap holds.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeAuthResult, parseAuthResults, parseReceivedSpf, type AuthMethodResult, type AuthProperty, type ParsedAuthResults, type ParsedReceivedSpf,
} from '../../../../src/jobs/headers/auth-results.js';
import { embeddedMessages, readHeaderBlock } from '../../../../src/jobs/headers/read-header.js';
import { skipWithout } from '../../../helpers/skip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CORPUS = join(process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus'), 'headers');

const NO_AUTHSERV_ID = 'no authserv-id: the first item is a result (as Microsoft writes it)';

/** A parsed value with every field present: a test names only what differs from "nothing". */
function parsed(partial: Partial<ParsedAuthResults>): ParsedAuthResults {
  return { authservId: null, version: null, instance: null, results: [], notes: [], ...partial };
}
function result(method: string, res: string, properties: AuthProperty[] = [], more: Partial<AuthMethodResult> = {}): AuthMethodResult {
  return { method, version: null, result: res, reason: null, properties, ...more };
}
const p = (ptype: string, property: string, value: string): AuthProperty => ({ ptype, property, value });
function spf(partial: Partial<ParsedReceivedSpf>): ParsedReceivedSpf {
  return { result: null, comment: null, clientIp: null, envelopeFrom: null, helo: null, receiver: null, identity: null, notes: [], ...partial };
}

describe('parseAuthResults: the shapes of real mail, in the project\'s own values', () => {
  it('Gmail: authserv-id, dkim with its properties, spf and dmarc with comments kept out of the values', () => {
    const value = 'mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=s1 header.b=AbCd;\r\n       spf=pass (google.com: domain of a@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.com;\r\n       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com';
    expect(parseAuthResults(value)).toEqual(parsed({
      authservId: 'mx.google.com',
      results: [
        result('dkim', 'pass', [p('header', 'i', '@example.com'), p('header', 's', 's1'), p('header', 'b', 'AbCd')]),
        result('spf', 'pass', [p('smtp', 'mailfrom', 'a@example.com')]),
        result('dmarc', 'pass', [p('header', 'from', 'example.com')]),
      ],
    }));
  });

  it('Microsoft without an authserv-id: the first item is a result, noted; "action" kept as a property without ptype; compauth\'s reason', () => {
    const value = 'spf=pass (sender IP is 192.0.2.1)\r\n smtp.mailfrom=example.com; dkim=pass (signature was verified)\r\n header.d=example.com;dmarc=pass action=none\r\n header.from=example.com;compauth=pass reason=100';
    expect(parseAuthResults(value)).toEqual(parsed({
      results: [
        result('spf', 'pass', [p('smtp', 'mailfrom', 'example.com')]),
        result('dkim', 'pass', [p('header', 'd', 'example.com')]),
        result('dmarc', 'pass', [p('', 'action', 'none'), p('header', 'from', 'example.com')]),
        result('compauth', 'pass', [], { reason: '100' }),
      ],
      notes: [NO_AUTHSERV_ID],
    }));
  });

  it('Microsoft\'s bestguesspass and a failing compauth with its reason', () => {
    const value = 'spf=none (sender IP is 198.51.100.7) smtp.mailfrom=example.org; dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none header.from=example.org;compauth=fail reason=001';
    const r = parseAuthResults(value);
    expect(r.results.map((x) => [x.method, x.result, x.reason])).toEqual([
      ['spf', 'none', null], ['dkim', 'none', null], ['dmarc', 'bestguesspass', null], ['compauth', 'fail', '001'],
    ]);
    expect(r.results[2]!.properties).toEqual([p('', 'action', 'none'), p('header', 'from', 'example.org')]);
    expect(r.notes).toEqual([NO_AUTHSERV_ID]);
  });

  it('Microsoft\'s older form: the authserv-id between results is taken once, noted, and its repeats ignored', () => {
    const value = 'spf=softfail (sender IP is 203.0.113.9) smtp.mailfrom=example.com; tenant.example.net; dkim=fail (signature did not verify) header.d=example.com;tenant.example.net; dmarc=fail action=oreject header.from=example.com;';
    expect(parseAuthResults(value)).toEqual(parsed({
      authservId: 'tenant.example.net',
      results: [
        result('spf', 'softfail', [p('smtp', 'mailfrom', 'example.com')]),
        result('dkim', 'fail', [p('header', 'd', 'example.com')]),
        result('dmarc', 'fail', [p('', 'action', 'oreject'), p('header', 'from', 'example.com')]),
      ],
      notes: [NO_AUTHSERV_ID, 'authserv-id "tenant.example.net" found after the first result (Microsoft\'s older form)'],
    }));
  });

  it('ARC-Authentication-Results: the instance first, then the authserv-id and its version', () => {
    const value = 'i=1; mx.microsoft.com 1; spf=pass smtp.mailfrom=example.org; dmarc=pass action=none header.from=example.org; dkim=pass header.d=example.org; arc=none';
    expect(parseAuthResults(value, true)).toEqual(parsed({
      authservId: 'mx.microsoft.com', version: 1, instance: 1,
      results: [
        result('spf', 'pass', [p('smtp', 'mailfrom', 'example.org')]),
        result('dmarc', 'pass', [p('', 'action', 'none'), p('header', 'from', 'example.org')]),
        result('dkim', 'pass', [p('header', 'd', 'example.org')]),
        result('arc', 'none'),
      ],
    }));
    expect(parseAuthResults('i=2;mx.example.net; arc=pass smtp.remote-ip=192.0.2.8', true)).toEqual(parsed({
      authservId: 'mx.example.net', instance: 2, results: [result('arc', 'pass', [p('smtp', 'remote-ip', '192.0.2.8')])],
    }));
  });

  it('ARC: no instance first, a word for one, one out of RFC 8617\'s range', () => {
    expect(parseAuthResults('mx.example.net; spf=pass', true)).toEqual(parsed({
      authservId: 'mx.example.net', results: [result('spf', 'pass')], notes: ['no instance ("i=N;") first'],
    }));
    expect(parseAuthResults('i=one; mx.example.net; spf=pass', true).notes).toEqual(['instance "one" is not a number']);
    const far = parseAuthResults('i=51; mx.example.net; spf=pass', true);
    expect([far.instance, far.notes]).toEqual([51, ['instance 51 is outside 1-50 (RFC 8617)']]);
    expect(parseAuthResults('i=0 x; mx.example.net; spf=pass', true).notes).toEqual(['instance 0 is outside 1-50 (RFC 8617)', 'text after the instance ignored']);
  });

  it('OpenDKIM and OpenDMARC behind Postfix: a comment with ";" inside, a quoted value unquoted, dkim-atps', () => {
    const value = 'mail.example.net;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=example.org header.i=@example.org header.b="AbCdEfGh";\r\n\tdkim-atps=neutral';
    expect(parseAuthResults(value)).toEqual(parsed({
      authservId: 'mail.example.net',
      results: [
        result('dkim', 'pass', [p('header', 'd', 'example.org'), p('header', 'i', '@example.org'), p('header', 'b', 'AbCdEfGh')]),
        result('dkim-atps', 'neutral'),
      ],
    }));
  });

  it('a quoted reason with ";" inside, and a second reason noted', () => {
    const r = parseAuthResults('mail.example.net; dkim=pass reason="2048-bit key; unprotected key" header.d=example.org; dkim=fail reason=a reason=b');
    expect(r.results).toEqual([
      result('dkim', 'pass', [p('header', 'd', 'example.org')], { reason: '2048-bit key; unprotected key' }),
      result('dkim', 'fail', [], { reason: 'a' }),
    ]);
    expect(r.notes).toEqual(['dkim: a second reason ignored']);
  });

  it('"none": no result at all; after results it is noted', () => {
    expect(parseAuthResults('mx.example.net; none')).toEqual(parsed({ authservId: 'mx.example.net' }));
    expect(parseAuthResults('mx.example.net 1; NONE')).toEqual(parsed({ authservId: 'mx.example.net', version: 1 }));
    expect(parseAuthResults('mx.example.net; spf=pass; none').notes).toEqual(['"none" (no result) after results: ignored']);
  });

  it('versions: the authserv-id\'s and a method\'s; a method version that is no number is noted', () => {
    expect(parseAuthResults('mx.example.net 1; dkim/1=pass header.d=example.org')).toEqual(parsed({
      authservId: 'mx.example.net', version: 1, results: [result('dkim', 'pass', [p('header', 'd', 'example.org')], { version: 1 })],
    }));
    const r = parseAuthResults('mx.example.net; dkim/one=pass');
    expect([r.results, r.notes]).toEqual([[result('dkim', 'pass')], ['dkim: method version "one" is not a number']]);
  });

  it('case: methods, results, ptypes and properties lower-cased, values as written', () => {
    expect(parseAuthResults('MX.Example.NET; SPF=PASS SMTP.MailFrom=Alice@Example.ORG')).toEqual(parsed({
      authservId: 'MX.Example.NET', results: [result('spf', 'pass', [p('smtp', 'mailfrom', 'Alice@Example.ORG')])],
    }));
  });

  it('white space around "=", a comment glued to a property, a quoted local part with its domain, an empty quoted value', () => {
    const value = 'mx.example.net; spf = pass (mx.example.net: 192.0.2.1 is allowed)smtp.mailfrom="first last"@example.org smtp.helo=""';
    expect(parseAuthResults(value)).toEqual(parsed({
      authservId: 'mx.example.net',
      results: [result('spf', 'pass', [p('smtp', 'mailfrom', '"first last"@example.org'), p('smtp', 'helo', '')])],
    }));
  });

  it('an authserv-id in quotes; comments before and after it', () => {
    expect(parseAuthResults('(front) "mx.example.net" (back); spf=pass')).toEqual(parsed({ authservId: 'mx.example.net', results: [result('spf', 'pass')] }));
  });

  it('properties cut off by a ";" go to the result before them, noted; with no result before, dropped', () => {
    expect(parseAuthResults('mx.example.net from=example.org; dkim=pass (ok); header.i=@example.org')).toEqual(parsed({
      authservId: 'mx.example.net',
      results: [result('dkim', 'pass', [p('header', 'i', '@example.org')])],
      notes: ['text after the authserv-id ignored: "from=example.org"', 'properties after a ";" read as dkim\'s: "header.i"'],
    }));
    expect(parseAuthResults('mx.example.net; header.i=@example.org').notes).toEqual(['properties without a method before them ignored: "header.i"']);
  });

  it('words that are no method, results without a value, properties without a value, loose words: each noted, the rest kept', () => {
    const r = parseAuthResults('mx.example.net; sp f=pass; spf=; dkim=pass header.d= ; dmarc=pass stray; weird$=pass; other.example.net');
    expect(r.results).toEqual([result('spf', ''), result('dkim', 'pass', [p('header', 'd', '')]), result('dmarc', 'pass')]);
    expect(r.notes).toEqual([
      'an item without a method ignored: "sp"',
      'spf: no result',
      'dkim: property "header.d" has no value',
      'dmarc: text without "=" ignored: "stray"',
      'not a method name, item ignored: "weird$"',
      'an item without a method ignored: "other.example.net"',
    ]);
  });
});

describe('parseAuthResults: failure shapes end with exact notes', () => {
  it('empty, white space only, comments only', () => {
    const nothing = parsed({ notes: ['no authserv-id and no results'] });
    expect(parseAuthResults('')).toEqual(nothing);
    expect(parseAuthResults(' \t\r\n ')).toEqual(nothing);
    expect(parseAuthResults('(only (nested) comments) (and another)')).toEqual(nothing);
  });

  it('an unclosed quote takes the rest of the value as its text', () => {
    expect(parseAuthResults('mx.example.net; dkim=pass reason="never closed; spf=pass')).toEqual(parsed({
      authservId: 'mx.example.net',
      results: [result('dkim', 'pass', [], { reason: 'never closed; spf=pass' })],
      notes: ['a quoted string is not closed: \'"\' without its pair'],
    }));
  });

  it('an unclosed comment swallows the rest; a stray ")" is skipped', () => {
    expect(parseAuthResults('mx.example.net; spf=pass (never closed smtp.mailfrom=a@example.org; dkim=pass')).toEqual(parsed({
      authservId: 'mx.example.net', results: [result('spf', 'pass')], notes: ['a comment is not closed: "(" without ")"'],
    }));
    expect(parseAuthResults('mx.example.net; spf=pass) smtp.mailfrom=a@example.org')).toEqual(parsed({
      authservId: 'mx.example.net', results: [result('spf', 'pass', [p('smtp', 'mailfrom', 'a@example.org')])], notes: ['a ")" without "(" ignored'],
    }));
  });

  it('a backslash escapes inside quotes and comments', () => {
    expect(parseAuthResults('mx.example.net; spf=pass (a \\) inside) reason="say \\"hi\\""')).toEqual(parsed({
      authservId: 'mx.example.net', results: [result('spf', 'pass', [], { reason: 'say "hi"' })],
    }));
  });

  it('10,000 semicolons: empty items are skipped without a note', () => {
    expect(parseAuthResults(`mx.example.net${';'.repeat(10_000)} spf=pass;`)).toEqual(parsed({ authservId: 'mx.example.net', results: [result('spf', 'pass')] }));
    expect(parseAuthResults(';'.repeat(10_000))).toEqual(parsed({ notes: ['no authserv-id before the first ";"'] }));
  });

  it('a 1 MB value: read up to 64 KiB, every string within 256 characters', () => {
    const r = parseAuthResults(`mx.example.net; dkim=pass header.b=${'A'.repeat(1024 * 1024)}`);
    expect(r.results).toEqual([result('dkim', 'pass', [p('header', 'b', 'A'.repeat(256))])]);
    expect(r.notes).toEqual(['value longer than 65536 characters: the rest not read']);
    const long = parseAuthResults(`${'m'.repeat(1000)}; ${'x'.repeat(1000)}=pass reason="${'r'.repeat(1000)}"`);
    expect([long.authservId!.length, long.results[0]!.method.length, long.results[0]!.reason!.length]).toEqual([256, 256, 256]);
  });

  it('more than 30 results and more than 20 properties: the rest dropped, said once', () => {
    const many = `mx.example.net; ${Array.from({ length: 40 }, (_, i) => `dkim=pass header.s=s${i}`).join('; ')}`;
    const r = parseAuthResults(many);
    expect(r.results.length).toBe(30);
    expect(r.results[29]!.properties).toEqual([p('header', 's', 's29')]);
    expect(r.notes).toEqual(['more than 30 results: the rest not read']);
    const props = `mx.example.net; dkim=pass ${Array.from({ length: 25 }, (_, i) => `header.p${i}=v${i}`).join(' ')}`;
    const q = parseAuthResults(props);
    expect(q.results[0]!.properties.length).toBe(20);
    expect(q.results[0]!.properties[19]).toEqual(p('header', 'p19', 'v19'));
    expect(q.notes).toEqual(['dkim: more than 20 properties: the rest not read']);
  });

  it('more than 20 notes: 19 kept and one saying the rest were not', () => {
    const r = parseAuthResults(`mx.example.net; ${Array.from({ length: 30 }, (_, i) => `a${i}.example.net`).join('; ')}`);
    expect(r.notes.length).toBe(20);
    expect(r.notes[0]).toBe('an item without a method ignored: "a0.example.net"');
    expect(r.notes[19]).toBe('more notes than 20: the rest not kept');
  });

  it('bidi and control characters stay text inside values; they never split or end anything', () => {
    const value = 'mx.example.net; spf=pass smtp.mailfrom=a\u202e@example.org\u0007 header.from=\u0000example.org\u200f';
    expect(parseAuthResults(value)).toEqual(parsed({
      authservId: 'mx.example.net',
      results: [result('spf', 'pass', [p('smtp', 'mailfrom', 'a\u202e@example.org\u0007'), p('header', 'from', '\u0000example.org\u200f')])],
    }));
  });

  it('a value that is not a string (a caller\'s bug) reads as empty', () => {
    expect(parseAuthResults(undefined as unknown as string)).toEqual(parsed({ notes: ['no authserv-id and no results'] }));
  });
});

describe('parseReceivedSpf', () => {
  it('RFC 7208 §9.1: result, comment, every key kept', () => {
    const value = 'pass (mx.example.net: domain of a@example.org designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from="a@example.org"; helo=mail.example.org; receiver=mx.example.net; identity=mailfrom; mechanism="ip4:192.0.2.0/24"';
    expect(parseReceivedSpf(value)).toEqual(spf({
      result: 'pass', comment: 'mx.example.net: domain of a@example.org designates 192.0.2.1 as permitted sender',
      clientIp: '192.0.2.1', envelopeFrom: 'a@example.org', helo: 'mail.example.org', receiver: 'mx.example.net', identity: 'mailfrom',
    }));
  });

  it('Microsoft\'s shape: a capitalised result, folded comment, its own pr= key ignored', () => {
    const value = 'SoftFail (protection.outlook.com: domain of transitioning\r\n example.org discourages use of 198.51.100.4 as permitted sender) receiver=protection.outlook.com;\r\n client-ip=198.51.100.4; helo=mail.example.org; pr=C';
    expect(parseReceivedSpf(value)).toEqual(spf({
      result: 'softfail', comment: 'protection.outlook.com: domain of transitioning\r\n example.org discourages use of 198.51.100.4 as permitted sender',
      clientIp: '198.51.100.4', helo: 'mail.example.org', receiver: 'protection.outlook.com',
    }));
  });

  it('no comment; an envelope sender in angle brackets; the null sender; the first of two keys', () => {
    expect(parseReceivedSpf('neutral client-ip=2001:db8::25; envelope-from=<b@example.com>; helo=[192.0.2.4]; client-ip=192.0.2.99')).toEqual(spf({
      result: 'neutral', clientIp: '2001:db8::25', envelopeFrom: 'b@example.com', helo: '[192.0.2.4]',
    }));
    expect(parseReceivedSpf('none envelope-from=<>').envelopeFrom).toBe('');
    expect(parseReceivedSpf('none envelope-from=""').envelopeFrom).toBe('');
  });

  it('the result alone; a nested comment kept whole', () => {
    expect(parseReceivedSpf('Pass')).toEqual(spf({ result: 'pass' }));
    expect(parseReceivedSpf('fail (mx.example.net: (nested) reason) client-ip=192.0.2.3')).toEqual(spf({
      result: 'fail', comment: 'mx.example.net: (nested) reason', clientIp: '192.0.2.3',
    }));
  });

  it('failure shapes: empty, comments only, no result, a word that is no result, loose words, an unclosed comment', () => {
    expect(parseReceivedSpf('')).toEqual(spf({ notes: ['no result'] }));
    expect(parseReceivedSpf('(just a comment)')).toEqual(spf({ notes: ['no result'] }));
    expect(parseReceivedSpf('client-ip=192.0.2.1; helo=x.example.org')).toEqual(spf({
      clientIp: '192.0.2.1', helo: 'x.example.org', notes: ['no result before the key=value pairs'],
    }));
    expect(parseReceivedSpf('maybe client-ip=192.0.2.1')).toEqual(spf({
      result: 'maybe', clientIp: '192.0.2.1', notes: ['"maybe" is not an SPF result (RFC 7208 §8)'],
    }));
    expect(parseReceivedSpf('pass (c) stray client-ip=192.0.2.1').notes).toEqual(['text without "=" ignored: "stray"']);
    expect(parseReceivedSpf('pass (never closed client-ip=192.0.2.1')).toEqual(spf({
      result: 'pass', comment: 'never closed client-ip=192.0.2.1', notes: ['a comment is not closed: "(" without ")"'],
    }));
  });

  it('a 1 MB comment and 10,000 semicolons stay within their caps', () => {
    const big = parseReceivedSpf(`pass (${'c'.repeat(1024 * 1024)}) client-ip=192.0.2.1`);
    expect([big.result, big.comment!.length, big.clientIp, big.notes]).toEqual(['pass', 256, null, ['value longer than 65536 characters: the rest not read', 'a comment is not closed: "(" without ")"']]);
    expect(parseReceivedSpf(`pass${';'.repeat(10_000)}client-ip=192.0.2.1`)).toEqual(spf({ result: 'pass', clientIp: '192.0.2.1' }));
  });
});

describe('describeAuthResult', () => {
  const line = (method: string, res: string, reason: string | null = null): string | null => describeAuthResult(result(method, res, [], { reason }));

  it('one line for each method and result, starting with method=result', () => {
    expect(line('dkim', 'fail')).toBe('dkim=fail: a DKIM signature did not verify: the message changed after signing, or the key does not match');
    expect(line('spf', 'softfail')).toBe('spf=softfail: the SPF record says the sending IP address is probably not allowed (~all)');
    expect(line('dmarc', 'bestguesspass')).toBe('dmarc=bestguesspass: no DMARC record exists, but the message would pass DMARC if one did (Microsoft)');
    expect(line('arc', 'fail')).toBe('arc=fail: the ARC chain is broken: a seal or signature did not validate');
    expect(line('iprev', 'temperror')).toBe('iprev=temperror: the check could not be finished because of a temporary error (often DNS); a later try may succeed');
    expect(line('auth', 'pass')).toBe('auth=pass: the client authenticated to the receiving server (SMTP AUTH)');
    expect(line('bimi', 'declined')).toBe('bimi=declined: the domain declined to take part in BIMI');
    expect(line('dkim-atps', 'neutral')).toBe('dkim-atps=neutral: third-party signature authorisation was not decided (OpenDKIM: none was required)');
    expect(line('smime', 'none')).toBe('smime=none: the message carries no S/MIME signature');
    expect(line('x-hmca', 'pass')).toBe('x-hmca=pass: a private (x-) method of the receiver; its results have no standard meaning');
    expect(line('sender-id', 'pass')).toBe('sender-id=pass: Sender ID, an obsolete check of the purported responsible address against SPF-like records');
  });

  it('every result the tables know gives a line of its own; a result a method does not define says so', () => {
    const known: [string, string[]][] = [
      ['spf', ['pass', 'fail', 'softfail', 'neutral', 'none', 'policy', 'hardfail', 'temperror', 'permerror']],
      ['dkim', ['pass', 'fail', 'neutral', 'none', 'policy', 'temperror', 'permerror']],
      ['dmarc', ['pass', 'fail', 'none', 'bestguesspass', 'temperror', 'permerror']],
      ['arc', ['pass', 'fail', 'none', 'temperror', 'permerror']],
      ['compauth', ['pass', 'fail', 'softpass', 'none']],
      ['auth', ['pass', 'fail', 'none', 'temperror', 'permerror']],
      ['iprev', ['pass', 'fail', 'temperror', 'permerror']],
      ['bimi', ['pass', 'none', 'fail', 'declined', 'skipped', 'temperror']],
      ['dkim-atps', ['pass', 'fail', 'none', 'neutral', 'temperror', 'permerror']],
      ['smime', ['pass', 'fail', 'neutral', 'none', 'policy', 'temperror', 'permerror']],
    ];
    for (const [method, results] of known) {
      const lines = results.map((r) => line(method, r));
      expect(new Set(lines).size, method).toBe(results.length);
      for (const [i, l] of lines.entries()) {
        expect(l!.startsWith(`${method}=${results[i]}: `), l!).toBe(true);
        expect(l!.includes('is not a result'), l!).toBe(false);
      }
    }
    expect(line('dkim', 'softfail')).toBe('dkim=softfail: "softfail" is not a result dkim defines');
    expect(line('DKIM', 'PASS')).toBe('dkim=pass: a DKIM signature verified: the signing domain vouches for the signed parts');
  });

  it('compauth\'s reason codes, each with its documented meaning', () => {
    const reasons: [string, string, string][] = [
      ['fail', '000', 'explicit authentication failed: DMARC failed and the domain\'s policy is quarantine or reject'],
      ['fail', '001', 'implicit authentication failed: the domain publishes no authentication records, or only weak ones (SPF ~all or ?all, DMARC p=none)'],
      ['fail', '002', 'the organisation\'s own policy forbids this sender and domain pair to send spoofed mail'],
      ['fail', '010', 'DMARC failed with policy quarantine or reject, and the domain is one of the organisation\'s own (spoofing from inside)'],
      ['pass', '100', 'authentication passed (the last two digits are Microsoft\'s internal codes)'],
      ['pass', '109', 'authentication passed (the last two digits are Microsoft\'s internal codes)'],
      ['pass', '130', 'authentication passed because an ARC result overrode a DMARC failure'],
      ['pass', '701', 'authentication passed (the last two digits are Microsoft\'s internal codes)'],
      ['softpass', '201', 'implicit authentication soft-passed (the last two digits are Microsoft\'s internal codes)'],
      ['none', '301', 'the message was not checked for composite authentication'],
      ['none', '451', 'the message bypassed composite authentication (the last two digits are Microsoft\'s internal codes)'],
      ['none', '905', 'the message bypassed composite authentication (the last two digits are Microsoft\'s internal codes)'],
      ['fail', '601', 'implicit authentication failed and the domain is one of the organisation\'s own (spoofing from inside)'],
    ];
    const base: Record<string, string> = {
      pass: 'Microsoft\'s composite authentication passed',
      fail: 'Microsoft\'s composite authentication failed (the message may still be delivered)',
      softpass: 'Microsoft\'s composite authentication soft-passed',
      none: 'Microsoft\'s composite authentication was not evaluated or was bypassed',
    };
    for (const [res, code, why] of reasons) {
      const full = `compauth=${res}: ${base[res]}; reason ${code}: ${why}`;
      expect(full.length, code).toBeLessThanOrEqual(256);
      expect(line('compauth', res, code)).toBe(full);
    }
    for (const code of ['555', '800', '012', '1000', '10', 'abc', '']) expect(line('compauth', 'fail', code), code).toMatch(/; reason .* is not a documented code$/);
    expect(line('compauth', 'pass')).toBe('compauth=pass: Microsoft\'s composite authentication passed');
  });

  it('unknown methods give null; a long line is cut at 256 characters', () => {
    expect(line('tls', 'pass')).toBeNull();
    expect(line('domainkeys2', 'pass')).toBeNull();
    expect(line(`x-${'a'.repeat(300)}`, 'pass')!.length).toBe(256);
  });
});

// ---------------------------------------------------------------- the corpus, read in place

interface FieldExpectation { field: 'A-R' | 'ARC'; authservId: string | null; instance?: number; methods: string[] }

/**
 * Checked by hand against the corpus: every Authentication-Results and ARC-Authentication-Results
 * field of the message (the file's own header, "#0", or the returned message inside it, "#1"), in
 * order, with its authserv-id and methods.
 */
const EXPECTED: Record<string, FieldExpectation[]> = {
  'mailbits-twine_release.eml#0': [
    { field: 'ARC', authservId: 'mx.google.com', instance: 1, methods: ['dkim', 'dkim', 'spf', 'dmarc'] },
    { field: 'A-R', authservId: 'mx.google.com', methods: ['dkim', 'dkim', 'spf', 'dmarc'] },
    { field: 'A-R', authservId: 'mail.python.org', methods: ['dkim', 'dkim-adsp', 'dkim-atps'] },
  ],
  'parsedmarc-dmarc_ruf_report_linkedin.eml#1': [
    { field: 'A-R', authservId: 'mail516.prod.linkedin.com', methods: ['iprev', 'spf', 'dkim', 'tls', 'dmarc'] },
  ],
  'parsedmarc-exim_plain_text_only_no_arf_part.eml#1': [
    { field: 'A-R', authservId: 'node04.mailgate.example.net', methods: ['iprev', 'spf', 'dmarc'] },
    { field: 'A-R', authservId: 'mailgate.example.net', methods: ['spf'] },
  ],
  'parsedmarc-google-ironport-exchange2010-o365.eml#0': [
    { field: 'A-R', authservId: 'cardinalhealth.mail.onmicrosoft.com', methods: ['spf', 'dkim', 'dmarc'] },
  ],
  'parsedmarc-mimecast-o365.eml#0': [{ field: 'A-R', authservId: null, methods: ['spf', 'dkim', 'dmarc', 'compauth'] }],
  'parsedmarc-twilight-postfix-exim.eml#0': [
    { field: 'A-R', authservId: 'relay-twl-01.twlnet.com', methods: ['dkim', 'dkim-atps'] },
    { field: 'A-R', authservId: 'relay-twl-01.twlnet.com', methods: ['dmarc'] },
  ],
  'sisimai-arf-22.eml#1': [{ field: 'A-R', authservId: 'example.com', methods: ['spf', 'dkim', 'x-hmca'] }],
  'sisimai-lhost-amazonses-05.eml#0': [
    { field: 'A-R', authservId: 'mx.google.com', methods: ['spf'] },
    { field: 'A-R', authservId: 'aneyakoji.example.jp', methods: ['sender-id'] },
  ],
  'sisimai-lhost-dragonfly-27.eml#0': [
    { field: 'A-R', authservId: 'email.example.org', methods: ['arc'] },
    { field: 'ARC', authservId: 'email.example.org', instance: 1, methods: ['dkim', 'arc'] },
    { field: 'A-R', authservId: 'email.example.org', methods: ['dkim'] },
  ],
  'sisimai-lhost-office365-04.eml#0': [{ field: 'A-R', authservId: 'outlook.com', methods: ['spf', 'dkim', 'dmarc'] }],
  'sisimai-lhost-office365-04.eml#1': [{ field: 'A-R', authservId: null, methods: ['spf'] }],
  'sisimai-lhost-postfix-57.eml#0': [{ field: 'A-R', authservId: 'outlook.com', methods: ['spf', 'dkim', 'dmarc'] }],
  'sisimai-rhost-gsuite-14.eml#0': [
    { field: 'ARC', authservId: 'mx.google.com', instance: 1, methods: ['dkim', 'spf', 'dmarc'] },
    { field: 'A-R', authservId: 'mx.google.com', methods: ['dkim', 'spf', 'dmarc'] },
  ],
};

/** Notes that describe a dialect, not a failure to read: Microsoft's placements of its authserv-id. */
function isDialectNote(note: string): boolean {
  return note === NO_AUTHSERV_ID || (note.startsWith('authserv-id "') && note.endsWith('found after the first result (Microsoft\'s older form)'));
}

/** The notes of failure the corpus does give, each checked by hand: values that break the grammar. */
const EXPECTED_FAILURES: Record<string, string[]> = {
  'sisimai-lhost-courier-04.eml#0': ['spf: property "smtp.mail" has no value'],
  'sisimai-lhost-yahoo-01.eml#0': ['text after the authserv-id ignored: "from=y.example.co.jp"', 'properties after a ";" read as dkim\'s: "header.i"'],
};

function corpusFiles(ctx: Parameters<typeof skipWithout>[0]): string[] {
  try {
    return readdirSync(CORPUS).filter((f) => f.endsWith('.eml')).sort();
  } catch {
    return skipWithout(ctx, 'corpus', `no header corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
  }
}

/** Every message of a corpus file: its own header ("#0") and each returned message ("#1" …). */
function messagesOf(name: string): [string, string][] {
  const text = readFileSync(join(CORPUS, name), 'latin1');
  return [text, ...embeddedMessages(text)].map((t, i) => [`${name}#${i}`, t]);
}

describe('the real headers of the corpus, read in place', () => {
  it('every Authentication-Results and ARC-Authentication-Results field: the hand-checked ids and methods, and no note of failure but the known ones', (ctx) => {
    const seen: Record<string, FieldExpectation[]> = {};
    const failures: Record<string, string[]> = {};
    let fields = 0;
    for (const name of corpusFiles(ctx)) {
      for (const [where, text] of messagesOf(name)) {
        for (const f of readHeaderBlock(text).fields) {
          const lower = f.name.toLowerCase();
          if (lower !== 'authentication-results' && lower !== 'arc-authentication-results') continue;
          fields++;
          const arc = lower.startsWith('arc-');
          const r = parseAuthResults(f.value, arc);
          const got: FieldExpectation = { field: arc ? 'ARC' : 'A-R', authservId: r.authservId, methods: r.results.map((x) => x.method) };
          if (arc) got.instance = r.instance!;
          (seen[where] ??= []).push(got);
          for (const x of r.results) expect(x.result, `${where} ${x.method}`).not.toBe('');
          const bad = r.notes.filter((n) => !isDialectNote(n));
          if (bad.length > 0) (failures[where] ??= []).push(...bad);
        }
      }
    }
    for (const [where, expected] of Object.entries(EXPECTED)) expect(seen[where], where).toEqual(expected);
    expect(Object.keys(EXPECTED).length).toBeGreaterThanOrEqual(8);
    expect(failures).toEqual(EXPECTED_FAILURES);
    expect(fields).toBe(Object.values(seen).flat().length);
    expect(fields).toBe(29); // the corpus as of 2026-11-29: a new message there changes this on purpose
  });

  it('every Received-SPF field: an SPF result, no note; three checked by hand', (ctx) => {
    const all: Record<string, ParsedReceivedSpf[]> = {};
    for (const name of corpusFiles(ctx)) {
      for (const [where, text] of messagesOf(name)) {
        for (const f of readHeaderBlock(text).fields) {
          if (f.name.toLowerCase() !== 'received-spf') continue;
          const r = parseReceivedSpf(f.value);
          expect(r.notes, where).toEqual([]);
          expect(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror'], where).toContain(r.result);
          (all[where] ??= []).push(r);
        }
      }
    }
    expect(Object.keys(all).length).toBeGreaterThan(15);
    const pick = ({ result: res, clientIp, envelopeFrom, helo, receiver, identity }: ParsedReceivedSpf) => ({ res, clientIp, envelopeFrom, helo, receiver, identity });
    expect(all['parsedmarc-twilight-postfix-exim.eml#0']!.map(pick)).toEqual([{
      res: 'pass', clientIp: '209.85.166.201', envelopeFrom: 'noreply-dmarc-support@google.com', helo: 'mail-it1-f201.google.com', receiver: 'dmarc.reports@twlnet.com', identity: 'mailfrom',
    }]);
    expect(all['sisimai-lhost-ezweb-02.eml#1']!.map(pick)).toEqual([{
      res: 'neutral', clientIp: '192.0.2.45', envelopeFrom: 'abuse@example.jp', helo: 'localhost', receiver: null, identity: null,
    }]);
    expect(all['parsedmarc-mimecast-o365.eml#0']!.map(pick)).toEqual([{
      res: 'pass', clientIp: '103.13.69.22', envelopeFrom: null, helo: 'au-mta-51.au.mimecast.lan', receiver: 'protection.outlook.com', identity: null,
    }]);
  });
});

// ---------------------------------------------------------------- fast-check

/** Every string of a parsed value, for the caps. */
function stringsOf(r: ParsedAuthResults): string[] {
  return [
    r.authservId ?? '', ...r.notes,
    ...r.results.flatMap((x) => [x.method, x.result, x.reason ?? '', ...x.properties.flatMap((q) => [q.ptype, q.property, q.value])]),
  ];
}

function assertCaps(r: ParsedAuthResults): void {
  expect(r.results.length).toBeLessThanOrEqual(30);
  expect(r.notes.length).toBeLessThanOrEqual(20);
  for (const x of r.results) expect(x.properties.length).toBeLessThanOrEqual(20);
  for (const s of stringsOf(r)) expect(s.length).toBeLessThanOrEqual(256);
  for (const x of r.results) {
    const d = describeAuthResult(x);
    if (d !== null) expect(d.length).toBeLessThanOrEqual(256);
  }
}

const SEEDS = [
  'mx.example.net; dkim=pass header.i=@example.com header.s=s1 header.b=AbCd; spf=pass (c) smtp.mailfrom=a@example.com; dmarc=pass (p=REJECT) header.from=example.com',
  'spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=pass header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass reason=100',
  'i=1; mx.microsoft.com 1; spf=pass smtp.mailfrom=example.org',
  'mail.example.net; dkim=pass (2048-bit key; unprotected) header.d=example.org header.b="AbCdEfGh"; dkim-atps=neutral',
];
const SPECIALS = ['(', ')', '"', ';', '=', '\\', '@', '/', ' ', '\r\n ', '\u0000', '\u202e', '.', 'i=1;'];

describe('fast-check: never throws, caps hold', () => {
  it('random text, as Authentication-Results and as ARC', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), fc.boolean(), (s, arc) => { assertCaps(parseAuthResults(s, arc)); }), { numRuns: 400 });
  });

  it('random text built of the grammar\'s own characters', () => {
    const piece = fc.oneof(fc.constantFrom(...SPECIALS), fc.constantFrom('spf', 'dkim', 'pass', 'header.d', 'reason', 'none', 'x'), fc.string({ maxLength: 5 }));
    fc.assert(fc.property(fc.array(piece, { maxLength: 200 }), fc.boolean(), (parts, arc) => { assertCaps(parseAuthResults(parts.join(''), arc)); }), { numRuns: 400 });
  });

  it('real shapes mutated: characters inserted, deleted, repeated', () => {
    const mutated = fc.tuple(fc.constantFrom(...SEEDS), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...SPECIALS), fc.constantFrom('insert', 'delete', 'repeat')), { maxLength: 12 }))
      .map(([seed, edits]) => {
        let s = seed;
        for (const [at, c, how] of edits) {
          const i = at % (s.length + 1);
          if (how === 'insert') s = s.slice(0, i) + c + s.slice(i);
          else if (how === 'delete') s = s.slice(0, i) + s.slice(i + 1);
          else s = s.slice(0, i) + c.repeat(50) + s.slice(i);
        }
        return s;
      });
    fc.assert(fc.property(mutated, fc.boolean(), (s, arc) => { assertCaps(parseAuthResults(s, arc)); }), { numRuns: 400 });
  });

  it('Received-SPF: random and grammar-built text', () => {
    const piece = fc.oneof(fc.constantFrom(...SPECIALS), fc.constantFrom('pass', 'client-ip', 'envelope-from', 'helo', '<', '>'), fc.string({ maxLength: 5 }));
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.array(piece, { maxLength: 200 }).map((a) => a.join(''))), (s) => {
      const r = parseReceivedSpf(s);
      expect(r.notes.length).toBeLessThanOrEqual(20);
      for (const v of [r.result, r.comment, r.clientIp, r.envelopeFrom, r.helo, r.receiver, r.identity, ...r.notes]) expect((v ?? '').length).toBeLessThanOrEqual(256);
    }), { numRuns: 400 });
  });

  it('describeAuthResult on any method, result and reason', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), fc.option(fc.string({ maxLength: 300 })), (m, r, reason) => {
      const d = describeAuthResult(result(m, r, [], { reason }));
      if (d !== null) expect(d.length).toBeLessThanOrEqual(256);
    }), { numRuns: 300 });
  });
});
