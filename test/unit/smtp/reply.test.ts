import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assembleReply, enhancedCode, formatReply, parseReplyLine } from '../../../src/smtp/reply.js';

const parsed = (lines: string[]) => lines.map((l) => parseReplyLine(l)!);

describe('parseReplyLine', () => {
  it('reads code, continuation and text', () => {
    expect(parseReplyLine('250-mx.example.com Hello')).toEqual({ code: 250, final: false, text: 'mx.example.com Hello' });
    expect(parseReplyLine('250 OK')).toEqual({ code: 250, final: true, text: 'OK' });
    expect(parseReplyLine('220')).toEqual({ code: 220, final: true, text: '' });
    expect(parseReplyLine('250-')).toEqual({ code: 250, final: false, text: '' });
    expect(parseReplyLine('554 ')).toEqual({ code: 554, final: true, text: '' });
  });
  it('keeps a stray CR inside the text (the line reader splits only at LF)', () => {
    expect(parseReplyLine('250 a\rb')).toEqual({ code: 250, final: true, text: 'a\rb' });
  });
  it('rejects what is not a reply line', () => {
    for (const bad of ['', 'HTTP/1.1 400 Bad Request', '25 OK', '2500 OK', '650 nope', '199 x', 'abc', '250_x', ' 250 OK']) expect(parseReplyLine(bad), bad).toBeNull();
  });
  it('is total: never throws, code always 200-599 when it parses', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (s) => {
        const r = parseReplyLine(s);
        expect(r === null || (r.code >= 200 && r.code <= 599)).toBe(true);
      }),
    );
  });
});

describe('enhancedCode', () => {
  it('extracts RFC 3463 codes only at the start', () => {
    expect(enhancedCode('5.7.0 Must issue a STARTTLS command first')).toBe('5.7.0');
    expect(enhancedCode('4.7.0 Too many connections')).toBe('4.7.0');
    expect(enhancedCode('2.1.5\tRecipient OK')).toBe('2.1.5');
    expect(enhancedCode('2.0.0')).toBe('2.0.0');
    expect(enhancedCode('5.100.999 x')).toBe('5.100.999');
    expect(enhancedCode('Requested action 5.7.0')).toBeNull();
    expect(enhancedCode('5.7.0.1 x')).toBeNull();
  });
  it('accepts only the classes 2, 4 and 5 and at most three digits per field', () => {
    expect(enhancedCode('3.0.0 x')).toBeNull();
    expect(enhancedCode('1.0.0 x')).toBeNull();
    expect(enhancedCode('5.1000.0 x')).toBeNull();
    expect(enhancedCode('5.1.1000 x')).toBeNull();
    expect(enhancedCode('5..1 x')).toBeNull();
    expect(enhancedCode('5.7.0x')).toBeNull();
  });
});

describe('assembleReply', () => {
  it('assembles multi-line replies; with mixed codes the last line decides, and every line\'s code is kept', () => {
    const { reply, warnings } = assembleReply(parsed(['250-a', '250-b', '251 c']));
    expect(reply).toEqual({ code: 251, enhanced: null, lines: ['a', 'b', 'c'], codes: [250, 250, 251] });
    expect(warnings).toEqual(["reply lines carry different codes (250, 250, 251): the last line's 251 counts"]);
  });
  // Regression: "220-… then 554 …" and "250-… then 550 …" were judged by the first line's code;
  // Postfix (smtp_chat.c reads the code of the last line) and most clients act on the last.
  it('a banner 220-… ending 554 is a 554; an EHLO reply 250-… ending 550 is a 550, with its enhanced code', () => {
    expect(assembleReply(parsed(['220-mx.example.com ESMTP', '554 5.7.1 no service for you'])).reply).toEqual({
      code: 554,
      enhanced: '5.7.1',
      lines: ['mx.example.com ESMTP', '5.7.1 no service for you'],
      codes: [220, 554],
    });
    expect(assembleReply(parsed(['250-2.0.0 mx.example.com', '250-PIPELINING', '550 5.7.1 go away'])).reply).toEqual({
      code: 550,
      enhanced: '5.7.1',
      lines: ['2.0.0 mx.example.com', 'PIPELINING', '5.7.1 go away'],
      codes: [250, 250, 550],
    });
    // The enhanced code comes from the first line that carries the deciding code.
    expect(assembleReply(parsed(['554-5.7.1 blocked', '250-2.0.0 hm', '554 see the web page'])).reply.enhanced).toBe('5.7.1');
  });
  it('gives no warning and no per-line codes when every line carries the same code', () => {
    expect(assembleReply(parsed(['250-a', '250-b', '250 c']))).toEqual({ reply: { code: 250, enhanced: null, lines: ['a', 'b', 'c'] }, warnings: [] });
  });
  it('takes the enhanced status code from the first line of a multi-line reply (RFC 2034 §3)', () => {
    expect(assembleReply(parsed(['554-5.7.1 Service unavailable; client host blocked', '554 See https://example.net/why'])).reply.enhanced).toBe('5.7.1');
    // A code that appears only further down is not the reply's code.
    expect(assembleReply(parsed(['250-mx.example.com Hello', '250 2.0.0 OK'])).reply.enhanced).toBeNull();
    expect(assembleReply(parsed(['452-4.5.3 Too many recipients', '452 5.5.3 Try again'])).reply.enhanced).toBe('4.5.3');
  });
  it('an empty list of lines is no reply: code 0, nothing else', () => {
    expect(assembleReply([])).toEqual({ reply: { code: 0, enhanced: null, lines: [] }, warnings: [] });
  });
});

describe('formatReply', () => {
  it('joins the lines behind the code', () => {
    expect(formatReply({ code: 250, enhanced: null, lines: ['a', 'b', 'c'] })).toBe('250 a / b / c');
    expect(formatReply({ code: 530, enhanced: '5.7.0', lines: ['5.7.0 Must issue a STARTTLS command first'] })).toBe('530 5.7.0 Must issue a STARTTLS command first');
    expect(formatReply({ code: 220, enhanced: null, lines: [''] })).toBe('220');
    expect(formatReply(null)).toBe('(no reply)');
  });
});
