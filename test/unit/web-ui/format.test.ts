import { describe, expect, it } from 'vitest';
import { bytesText, dayBound, durationText, kindName, verdictClass, whenText } from '../../../web-ui/src/format.js';

describe('format (web UI)', () => {
  it('bytesText in powers of 1024', () => {
    expect(bytesText(512)).toBe('512 B');
    expect(bytesText(1536)).toBe('1.5 KB');
    expect(bytesText(20 * 1024 * 1024)).toBe('20 MB');
    expect(bytesText(-1)).toBe('?');
  });

  it('durationText', () => {
    expect(durationText(850)).toBe('850 ms');
    expect(durationText(2400)).toBe('2.4 s');
    expect(durationText(185_000)).toBe('3 min 5 s');
    expect(durationText(120_000)).toBe('2 min');
  });

  it('whenText', () => {
    expect(whenText('2026-11-30T06:29:47.123Z')).toBe('2026-11-30 06:29 UTC');
    expect(whenText('garbage')).toBe('garbage');
  });

  it('verdictClass comes from a closed list, never from the text', () => {
    expect(verdictClass('fail')).toBe('v-fail');
    expect(verdictClass('not-applicable')).toBe('v-not-applicable');
    expect(verdictClass('x" onmouseover="y')).toBe('v-unknown');
    expect(verdictClass(null)).toBe('v-unknown');
  });

  it('kindName names the Report kinds History filters on', () => {
    expect(kindName('receiver')).toBe('Receiver test');
    expect(kindName('tlsrpt')).toBe('TLS-RPT');
    expect(kindName('future-kind')).toBe('future-kind');
  });

  it('dayBound: the day starts in UTC; the end bound is the next day (exclusive)', () => {
    expect(dayBound('2026-11-30', false)).toBe('2026-11-30T00:00:00.000Z');
    expect(dayBound('2026-11-30', true)).toBe('2026-12-01T00:00:00.000Z');
    expect(dayBound('', false)).toBeNull();
    expect(dayBound('2026-13-45', false)).toBeNull();
  });
});
