import { describe, expect, it } from 'vitest';
import { clip, plainStyle, table, width, wrap } from '../../../src/render/style.js';

describe('wrap', () => {
  it('keeps text that fits as it is, runs of spaces included', () => {
    expect(wrap('a  b   c', 20, 2)).toEqual(['a  b   c']);
  });

  it('breaks at spaces, the first line after the lead, the others indented', () => {
    expect(wrap('one two three four five six', 16, 4, 0)).toEqual(['one two three', '    four five', '    six']);
    expect(wrap('one two three four five', 18, 2, 6)).toEqual(['one two', '  three four five']);
  });

  it('never makes a line longer than the width, even for a word longer than a line', () => {
    const lines = wrap(`short ${'x'.repeat(45)} tail`, 20, 2, 0);
    expect(lines[0]).toBe('short');
    for (const l of lines) expect(width(l)).toBeLessThanOrEqual(20);
    expect(lines.join('').replace(/ /g, '')).toBe(`short${'x'.repeat(45)}tail`);
  });

  it('keeps leading spaces of the first line (a list continuation)', () => {
    expect(wrap('   issuer CN=a long issuer name here', 20, 6, 0)).toEqual(['   issuer CN=a long', '      issuer name', '      here']);
  });

  it('treats a narrow width as 10 columns of room, so it always ends', () => {
    expect(wrap('aaaa bbbb cccc', 3, 0, 0)).toEqual(['aaaa bbbb', 'cccc']);
  });
});

describe('table', () => {
  const rows = [
    ['mx1.a-rather-long-host-name.example', '10', 'ok'],
    ['mx2.example', '20', 'fail'],
  ];

  it('sizes columns to content with two spaces between them', () => {
    expect(table(['Host', 'Pref', 'Verdict'], rows, plainStyle, 200).split('\n')).toEqual([
      'Host                                 Pref  Verdict',
      'mx1.a-rather-long-host-name.example  10    ok',
      'mx2.example                          20    fail',
    ]);
  });

  it('shrinks the widest column first when too wide, clipping with an ellipsis', () => {
    const lines = table(['Host', 'Pref', 'Verdict'], rows, plainStyle, 30).split('\n');
    for (const l of lines) expect(width(l)).toBeLessThanOrEqual(30);
    expect(lines[1]).toBe('mx1.a-rather-l…  10    ok');
  });

  it('wraps the last column instead of clipping it, under its own start', () => {
    const lines = table(['Name', 'Why'], [['a', 'one two three four five six seven']], plainStyle, 24, undefined, true).split('\n');
    expect(lines).toEqual(['Name  Why', 'a     one two three four', '      five six seven']);
  });

  it('paints cells after fitting them, and keeps the columns aligned', () => {
    const painted = table(['A', 'B'], [['x', 'y']], plainStyle, 80, (_r, c, t) => (c === 0 ? `\x1b[31m${t}\x1b[39m` : t));
    expect(painted.split('\n')[1]).toBe('\x1b[31mx\x1b[39m  y');
  });
});

describe('clip and width', () => {
  it('count visible characters, not escape codes or UTF-16 units', () => {
    expect(width('\x1b[1mab\x1b[22m')).toBe(2);
    expect(width('😀x')).toBe(2);
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abcd', 4)).toBe('abcd');
  });
});
