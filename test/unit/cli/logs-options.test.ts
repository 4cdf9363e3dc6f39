import { describe, expect, it } from 'vitest';
import { parseMoment, parseOffset, splitFormats } from '../../../src/cli/logs.js';
import { UsageError } from '../../../src/core/errors.js';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

describe('mxray logs options', () => {
  it('--format takes a log format and an output format, in either order, the last of each kind winning', () => {
    expect(splitFormats([])).toEqual({ log: 'auto', output: 'text' });
    expect(splitFormats(['postfix'])).toEqual({ log: 'postfix', output: 'text' });
    expect(splitFormats(['HTML', 'exchange2003'])).toEqual({ log: 'exchange2003', output: 'html' });
    expect(splitFormats(['csv', 'exim', 'json'])).toEqual({ log: 'exim', output: 'json' });
    expect(() => splitFormats(['postfixx'])).toThrow(UsageError);
  });

  it('--utc-offset: ±HH:MM, ±HHMM, ±H, Z', () => {
    expect(parseOffset('+01:00')).toBe(60);
    expect(parseOffset('-0530')).toBe(-330);
    expect(parseOffset('+9')).toBe(540);
    expect(parseOffset('Z')).toBe(0);
    for (const bad of ['1:00', '+25:00', '+01:75', 'CET', '']) expect(() => parseOffset(bad), bad).toThrow(UsageError);
  });

  it('--since/--until: dates, moments in the logs’ zone or their own, and spans back from now', () => {
    expect(parseMoment('2026-11-30', '--since', NOW, 0)).toBe(Date.UTC(2026, 10, 30));
    expect(parseMoment('2026-11-30 10:15', '--since', NOW, 60)).toBe(Date.UTC(2026, 10, 30, 9, 15));
    expect(parseMoment('2026-11-30T10:15:30Z', '--since', NOW, 60)).toBe(Date.UTC(2026, 10, 30, 10, 15, 30));
    expect(parseMoment('2026-11-30T10:15+02:00', '--since', NOW, 0)).toBe(Date.UTC(2026, 10, 30, 8, 15));
    expect(parseMoment('24h', '--since', NOW, 0)).toBe(NOW - 86_400_000);
    expect(parseMoment('7d', '--since', NOW, 0)).toBe(NOW - 7 * 86_400_000);
    expect(parseMoment('30m', '--since', NOW, 0)).toBe(NOW - 1_800_000);
    for (const bad of ['2026-02-30', '2026-11-30 25:00', 'yesterday', '7 days', '2026-13-01']) expect(() => parseMoment(bad, '--since', NOW, 0), bad).toThrow(UsageError);
  });
});
