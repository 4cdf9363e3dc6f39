import { describe, expect, it } from 'vitest';
import { daysText, layoutTimeline, toneOf, type CertificatePoint } from '../../../web-ui/src/timeline-scale.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-30T00:00:00.000Z');
const at = (days: number) => new Date(NOW + days * DAY).toISOString();
const point = (host: string, days: number): CertificatePoint => ({ host, subject: `CN=${host}`, notAfter: at(days), reportId: 'r1', sha256: 'ab' });

describe('certificate expiry timeline (web UI)', () => {
  it('colours: red when expired or within 30 days, amber 30–60, green beyond', () => {
    expect(toneOf(NOW - DAY, NOW)).toBe('expired');
    expect(toneOf(NOW + 10 * DAY, NOW)).toBe('soon');
    expect(toneOf(NOW + 30 * DAY, NOW)).toBe('soon');
    expect(toneOf(NOW + 31 * DAY, NOW)).toBe('near');
    expect(toneOf(NOW + 60 * DAY, NOW)).toBe('near');
    expect(toneOf(NOW + 61 * DAY, NOW)).toBe('later');
  });

  it('puts today at the left edge when nothing has expired, and the latest expiry at the right', () => {
    const t = layoutTimeline([point('a.example', 100), point('b.example', 200)], NOW, 100, 700);
    expect(t.nowX).toBe(100);
    expect(t.startMs).toBe(NOW);
    expect(t.endMs).toBe(NOW + 200 * DAY);
    const b = t.rows.find((r) => r.host === 'b.example')!;
    expect(b.points[0]!.x).toBe(700);
    const a = t.rows.find((r) => r.host === 'a.example')!;
    expect(a.points[0]!.x).toBeCloseTo(400, 5);
  });

  it('starts the axis at the earliest expired certificate (at most a year back), soonest rows first', () => {
    const t = layoutTimeline([point('later.example', 300), point('gone.example', -50), point('soon.example', 20)], NOW, 0, 350);
    expect(t.startMs).toBe(NOW - 50 * DAY);
    expect(t.rows.map((r) => r.host)).toEqual(['gone.example', 'soon.example', 'later.example']);
    expect(t.rows[0]!.points[0]!.x).toBe(0);
    expect(t.nowX).toBeCloseTo(50, 5);
    expect(t.rows[0]!.points[0]!.tone).toBe('expired');
    expect(t.rows[0]!.points[0]!.days).toBe(-50);
    const old = layoutTimeline([point('ancient.example', -1000)], NOW, 0, 100);
    expect(old.startMs).toBe(NOW - 365 * DAY);
    expect(old.rows[0]!.points[0]!.x).toBe(0);
  });

  it('keeps at least 90 days ahead and at most three years; far expiries sit at the right edge', () => {
    expect(layoutTimeline([point('a', 5)], NOW, 0, 100).endMs).toBe(NOW + 90 * DAY);
    const far = layoutTimeline([point('a', 5000)], NOW, 0, 100);
    expect(far.endMs).toBe(NOW + 3 * 365 * DAY);
    expect(far.rows[0]!.points[0]!.x).toBe(100);
  });

  it('groups a host’s certificates in one row, skips malformed dates, caps the rows', () => {
    const points = [point('a', 10), point('a', 400), { ...point('b', 1), notAfter: 'not a date' }, ...Array.from({ length: 50 }, (_, i) => point(`h${i}`, 100 + i))];
    const t = layoutTimeline(points, NOW, 0, 100, 40);
    expect(t.rows[0]!.host).toBe('a');
    expect(t.rows[0]!.points).toHaveLength(2);
    expect(t.skipped).toBe(1);
    expect(t.rows).toHaveLength(40);
    expect(t.moreHosts).toBe(11);
  });

  it('ticks at month starts, inside the axis', () => {
    const t = layoutTimeline([point('a', 120)], NOW, 0, 1200);
    expect(t.ticks.map((x) => x.label)).toEqual(['2026-12', '2027-01', '2027-02', '2027-03']);
    for (const tick of t.ticks) expect(tick.x).toBeGreaterThanOrEqual(0);
    expect(t.ticks[0]!.x).toBeCloseTo(10, 5);
  });

  it('daysText', () => {
    expect(daysText(-1)).toBe('expired 1 day ago');
    expect(daysText(-3)).toBe('expired 3 days ago');
    expect(daysText(0)).toBe('expires today');
    expect(daysText(45)).toBe('expires in 45 days');
  });
});
