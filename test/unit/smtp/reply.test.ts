import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assembleReply, enhancedCode, formatReply, parseReplyLine } from '../../../src/smtp/reply.js';

describe('parseReplyLine', () => {
  it('reads code, continuation and text', () => {
    expect(parseReplyLine('250-mx.example.com Hello')).toEqual({ code: 250, final: false, text: 'mx.example.com Hello' });
    expect(parseReplyLine('250 OK')).toEqual({ code: 250, final: true, text: 'OK' });
    expect(parseReplyLine('220')).toEqual({ code: 220, final: true, text: '' });
  });
  it('rejects what is not a reply line', () => {
    for (const bad of ['', 'HTTP/1.1 400 Bad Request', '25 OK', '2500 OK', '650 nope', 'abc', '250_x']) expect(parseReplyLine(bad)).toBeNull();
  });
  it('is total: never throws, code always 200-599 when it parses', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (s) => {
        const r = parseReplyLine(s);
        if (r) expect(r.code >= 200 && r.code <= 599).toBe(true);
      }),
    );
  });
});

describe('enhancedCode / assembleReply', () => {
  it('extracts RFC 3463 codes only at the start', () => {
    expect(enhancedCode('5.7.0 Must issue a STARTTLS command first')).toBe('5.7.0');
    expect(enhancedCode('4.7.0 Too many connections')).toBe('4.7.0');
    expect(enhancedCode('Requested action 5.7.0')).toBeNull();
    expect(enhancedCode('5.7.0.1 x')).toBeNull();
  });
  it('assembles multi-line replies and warns on mixed codes', () => {
    const lines = ['250-a', '250-b', '251 c'].map((l) => parseReplyLine(l)!);
    const { reply, warnings } = assembleReply(lines);
    expect(reply).toEqual({ code: 250, enhanced: null, lines: ['a', 'b', 'c'] });
    expect(warnings).toHaveLength(1);
    expect(formatReply(reply)).toBe('250 a / b / c');
    expect(formatReply(null)).toBe('(no reply)');
  });
});
