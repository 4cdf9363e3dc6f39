import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../../src/jobs/logs/lines.js';
import { MAX_LINE_CHARS } from '../../../../src/jobs/logs/model.js';

function split(chunks: (string | Uint8Array)[]): { lines: string[]; long: number } {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  s.end();
  return { lines, long: s.longLines };
}

/** The same bytes cut into pieces of `size`. */
function pieces(text: string, size: number): Uint8Array[] {
  const b = Buffer.from(text, 'utf8');
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

describe('LineSplitter', () => {
  const text = 'first line\r\nsecond — ünïcode 😀 line\n\nfourth\nlast without end';
  const expected = ['first line', 'second — ünïcode 😀 line', '', 'fourth', 'last without end'];

  it('gives the same lines whatever the chunk sizes, a character split between chunks included', () => {
    for (const size of [1, 2, 3, 5, 7, 13, 64, 4096]) expect(split(pieces(text, size)).lines, `size ${size}`).toEqual(expected);
  });

  it('strips a CR only at the end of a line, and keeps a lone CR inside one', () => {
    expect(split(['a\rb\r\nc\n']).lines).toEqual(['a\rb', 'c']);
  });

  it('a last line without a line end is still a line; an input ending with a line end adds none', () => {
    expect(split(['x\ny']).lines).toEqual(['x', 'y']);
    expect(split(['x\ny\n']).lines).toEqual(['x', 'y']);
    expect(split([]).lines).toEqual([]);
  });

  it('cuts an over-long line at the cap, counts it, and goes on with the next line', () => {
    const long = 'A'.repeat(MAX_LINE_CHARS * 5);
    for (const size of [1000, 65536, long.length + 10]) {
      const r = split(pieces(`${long}\nnext\n`, size));
      expect(r.lines.length, `size ${size}`).toBe(2);
      expect(r.lines[0]!.length).toBe(MAX_LINE_CHARS);
      expect(r.lines[1]).toBe('next');
      expect(r.long).toBe(1);
    }
  });

  it('a line just at the cap is not cut', () => {
    const r = split([`${'b'.repeat(MAX_LINE_CHARS)}\n`]);
    expect(r.lines[0]!.length).toBe(MAX_LINE_CHARS);
    expect(r.long).toBe(0);
  });

  it('an endless line without a line end holds no more than the cap (memory bounded) and gives one cut line', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const chunk = Buffer.alloc(65536, 0x41);
    for (let i = 0; i < 200; i++) s.push(chunk);
    s.end();
    expect(lines.length).toBe(1);
    expect(lines[0]!.length).toBe(MAX_LINE_CHARS);
    expect(s.longLines).toBe(1);
  });

  it('binary bytes and invalid UTF-8 become replacement characters, never an exception', () => {
    const r = split([new Uint8Array([0xff, 0xfe, 0x00, 0x0a, 0xc3, 0x0a])]);
    expect(r.lines).toEqual(['\ufffd\ufffd\u0000', '\ufffd']);
  });
});
