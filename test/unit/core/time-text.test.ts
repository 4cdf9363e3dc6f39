// Moments and zones as people type them, shared by the CLI and the web API.
import { describe, expect, it } from 'vitest';
import { parseIsoMoment, parseMomentText, parseUtcOffset } from '../../../src/core/time-text.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('parseUtcOffset', () => {
  it.each([
    ['Z', 0],
    ['utc', 0],
    ['+01:00', 60],
    ['-0530', -330],
    ['+14', 840],
  ])('%s → %i minutes east', (text, minutes) => expect(parseUtcOffset(text)).toBe(minutes));
  it.each(['+15:00', '+01:60', '01:00', 'CET', ''])('%s is none', (text) => expect(parseUtcOffset(text)).toBeNull());
});

describe('parseMomentText', () => {
  it('a span back from now', () => {
    expect(parseMomentText('24h', NOW, 0)).toBe(NOW - 86_400_000);
    expect(parseMomentText('7 d', NOW, 0)).toBe(NOW - 7 * 86_400_000);
  });
  it('a date or a stamp: in the given zone, or its own', () => {
    expect(parseMomentText('2026-11-30', NOW, 0)).toBe(Date.parse('2026-11-30T00:00:00Z'));
    expect(parseMomentText('2026-11-30 10:00', NOW, 60)).toBe(Date.parse('2026-11-30T09:00:00Z'));
    expect(parseMomentText('2026-11-30T10:00:00Z', NOW, 60)).toBe(Date.parse('2026-11-30T10:00:00Z'));
    expect(parseMomentText('2026-11-30T10:00:00+02:00', NOW, 0)).toBe(Date.parse('2026-11-30T08:00:00Z'));
  });
  it.each(['2026-02-31', '2026-11-30 24:00', 'yesterday', '2026-11-30T10:00:00+15:00'])('%s is none', (text) => expect(parseMomentText(text, NOW, 0)).toBeNull());
});

describe('parseIsoMoment', () => {
  it('a date alone is 00:00 UTC, a time without a zone UTC', () => {
    expect(parseIsoMoment('2026-03-01')).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(parseIsoMoment('2026-03-01T12:00')).toBe(Date.parse('2026-03-01T12:00:00Z'));
    expect(parseIsoMoment('2026-03-01T12:00:00+01:00')).toBe(Date.parse('2026-03-01T11:00:00Z'));
  });
  it.each(['2026-02-31', 'tomorrow', '2026-03-01 12:00', ''])('%s is none (no rolling 31 February over to March)', (text) => expect(parseIsoMoment(text)).toBeNull());
});
