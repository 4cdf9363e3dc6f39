import { describe, expect, it } from 'vitest';
import { clip, neutral, neutralLine } from '../../../web-ui/src/neutral.js';

describe('neutral (web UI)', () => {
  it('shows bidi overrides, isolates, zero-width characters and the BOM as ⟨U+XXXX⟩', () => {
    expect(neutral('abc\u202Edcba')).toBe('abc⟨U+202E⟩dcba');
    expect(neutral('\u2066x\u2069')).toBe('⟨U+2066⟩x⟨U+2069⟩');
    expect(neutral('a\u200Bb\u200Fc')).toBe('a⟨U+200B⟩b⟨U+200F⟩c');
    expect(neutral('\uFEFFmx')).toBe('⟨U+FEFF⟩mx');
    expect(neutral('\u202A\u202B\u202C\u202D')).toBe('⟨U+202A⟩⟨U+202B⟩⟨U+202C⟩⟨U+202D⟩');
  });

  it('shows C0 and C1 controls (escape, carriage return, NUL, U+0085) but keeps newline and tab', () => {
    expect(neutral('220 mx\u001b[2J ok')).toBe('220 mx⟨U+001B⟩[2J ok');
    expect(neutral('a\rb\u0000c\u0085d\u007f')).toBe('a⟨U+000D⟩b⟨U+0000⟩c⟨U+0085⟩d⟨U+007F⟩');
    expect(neutral('line 1\n\tline 2')).toBe('line 1\n\tline 2');
  });

  it('leaves ordinary text alone, other scripts and emoji included', () => {
    const text = 'Ünïcödé — 日本語 עברית 🔒 <script>alert(1)</script>';
    expect(neutral(text)).toBe(text);
  });

  it('shows a lone surrogate', () => {
    expect(neutral('a\uD800b')).toBe('a⟨U+D800⟩b');
    expect(neutral('🔒')).toBe('🔒');
  });

  it('neutralLine shows newlines and tabs too', () => {
    expect(neutralLine('evil\nname\t.pem')).toBe('evil⟨U+000A⟩name⟨U+0009⟩.pem');
  });

  it('clip cuts by code points with an ellipsis', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
    expect(clip('🔒🔒🔒🔒🔒', 3)).toBe('🔒🔒…');
  });
});
