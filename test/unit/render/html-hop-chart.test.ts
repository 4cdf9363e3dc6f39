// The header analyzer's picture in the HTML page (render/html.ts hopChartSvg): the delay per hop as
// bars (a negative delay left of the zero line, a missing one as words), coloured by TLS, and the
// hops on a time axis; every label escaped; drawn only on pages that have one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ReceiverReport } from '../../../src/core/schema.js';
import type { DocHopChart, Document } from '../../../src/render/document.js';
import { delayText, escapeHtml, hopChartSvg, htmlOf } from '../../../src/render/html.js';
import { documentFor } from '../../../src/render/index.js';

type Hop = DocHopChart['hops'][number];

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/report-sni-dependent.json', import.meta.url), 'utf8')) as ReceiverReport;
const golden = readFileSync(new URL('../../golden/sni-dependent.html', import.meta.url), 'utf8');

const hop = (label: string, delaySeconds: number | null, at: string | null, tls: Hop['tls'] = 'tls', crossing = false): Hop => ({ label, delaySeconds, at, tls, crossing });

/** Six hops: 0 s, 1 s, −3 s (a skewed clock), no date, 2 min 5 s, 1 h 1 min 40 s. */
const SIX: DocHopChart = {
  title: 'Hops of message 1',
  start: '2026-11-23T09:59:59Z',
  hops: [
    hop('laptop.example.com', 0, '2026-11-23T10:00:00Z'),
    hop('submit.example.com', 1, '2026-11-23T10:00:01Z'),
    hop('relay.example.com', -3, '2026-11-23T09:59:58Z', 'unknown'),
    hop('mx1.example.net', null, null, 'clear', true),
    hop('filter.example.net', 125, '2026-11-23T10:02:03Z', 'clear'),
    hop('mbox.example.net', 3700, '2026-11-23T11:03:43Z', 'tls', true),
  ],
  note: 'a note',
};

/** The bars of an SVG: class and geometry, in document order. */
function bars(svg: string): { cls: string; x: number; width: number }[] {
  return [...svg.matchAll(/<rect class="bar (\w+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => ({ cls: m[1]!, x: Number(m[2]), width: Number(m[3]) }));
}
const zeroOf = (svg: string) => Number(/<line class="zero" x1="([\d.]+)"/.exec(svg)![1]);
/** The hop rows of the bar chart, each as its markup. */
const rowsOf = (svg: string) => [...svg.matchAll(/<g class="hop[^"]*">.*?<\/g>/g)].map((m) => m[0]);

describe('delayText', () => {
  it('says a delay as people do, a negative one with a true minus sign', () => {
    expect([0, 4, 59.6, 60, 125, 3599, 3600, 3780, 3700, 90000, 86400].map(delayText)).toEqual([
      '0 s',
      '4 s',
      '1 min',
      '1 min',
      '2 min 5 s',
      '59 min 59 s',
      '1 h',
      '1 h 3 min',
      '1 h 1 min',
      '1 d 1 h',
      '1 d',
    ]);
    expect(delayText(-12)).toBe('\u221212 s');
    expect(delayText(-125)).toBe('\u22122 min 5 s');
  });
});

describe('the delay per hop', () => {
  const svg = hopChartSvg(SIX);
  const bar = /<svg [^>]*class="bars"[\s\S]*?<\/svg>/.exec(svg)![0];

  it('draws one bar per hop with a dated delay, oldest at the top, and its exact value at the end', () => {
    expect(rowsOf(bar)).toHaveLength(6);
    expect(bars(bar)).toHaveLength(5);
    const values = rowsOf(bar).map((r) => /<text class="(?:value|nodate)"[^>]*>([^<]*)</.exec(r)![1]);
    expect(values).toEqual(['0 s', '1 s', '\u22123 s', 'no date', '2 min 5 s', '1 h 1 min']);
    // The row of the hop without a date has no bar.
    expect(rowsOf(bar)[3]).not.toContain('<rect');
    expect(rowsOf(bar)[3]).toContain('mx1.example.net');
    expect(rowsOf(bar).map((r) => />(\d+)<\/text>/.exec(r)![1])).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('draws a negative delay to the left of the zero line, in the error colour, never clamped', () => {
    const zero = zeroOf(bar);
    const [b0, b1, neg, b4, b5] = bars(bar);
    expect(neg!.cls).toBe('neg');
    expect(neg!.width).toBeGreaterThan(10);
    expect(neg!.x + neg!.width).toBeCloseTo(zero, 1);
    expect(neg!.x).toBeLessThan(zero - 10);
    for (const b of [b0, b1, b4, b5]) expect(b!.x).toBeCloseTo(zero, 1);
    // Its value stands left of the bar.
    const negValue = /<text class="value" x="([\d.]+)"[^>]*text-anchor="end">\u22123 s</.exec(bar);
    expect(Number(negValue![1])).toBeLessThan(neg!.x);
    expect(svg).toContain('Left of the 0 line');
    expect(svg).toContain('<i class="neg"></i>negative delay');
  });

  it('has no negative side, and says nothing of one, when no delay is negative', () => {
    const plain = hopChartSvg({ ...SIX, hops: SIX.hops.filter((h) => (h.delaySeconds ?? 0) >= 0) });
    expect(bars(plain).every((b) => b.cls !== 'neg')).toBe(true);
    expect(plain).not.toContain('Left of the 0 line');
    expect(plain).not.toContain('class="neg"');
    expect(zeroOf(plain)).toBeLessThan(zeroOf(bar));
  });

  it('keeps a second readable beside an hour (a logarithmic scale, said under the chart)', () => {
    const [zeroBar, second, , twoMinutes, hour] = bars(bar);
    expect(zeroBar!.width).toBeGreaterThan(0);
    expect(zeroBar!.width).toBeLessThan(second!.width);
    expect(second!.width).toBeLessThan(twoMinutes!.width);
    expect(twoMinutes!.width).toBeLessThan(hour!.width);
    // On a linear scale a second would be 1/3700 of the hour's bar; here it is plainly visible.
    expect(second!.width / hour!.width).toBeGreaterThan(0.05);
    expect(svg).toContain('logarithmic scale');
  });

  it('colours each bar by its hop’s TLS (a class from a closed list) and marks hops between organisations', () => {
    expect(bars(bar).map((b) => b.cls)).toEqual(['tls', 'tls', 'neg', 'clear', 'tls']);
    const words = rowsOf(bar).map((r) => /<text class="(tls|clear|unknown)"[^>]*>([^<]*)</.exec(r)!.slice(1).join(' '));
    expect(words).toEqual(['tls TLS', 'tls TLS', 'unknown unknown', 'clear clear', 'clear clear', 'tls TLS']);
    const unknownBar = bars(hopChartSvg({ ...SIX, hops: [hop('a.example.org', 5, null, 'unknown')] }));
    expect(unknownBar.map((b) => b.cls)).toEqual(['unknown']);
    // A hostile saved report's TLS state cannot write a class.
    const odd = hopChartSvg({ ...SIX, hops: [hop('a.example.org', 5, null, '" onclick="x' as Hop['tls'])] });
    expect(bars(odd).map((b) => b.cls)).toEqual(['unknown']);
    expect(odd).not.toContain('onclick');
    expect(rowsOf(bar).map((r) => r.includes('⇄'))).toEqual([false, false, false, true, false, true]);
    expect(rowsOf(bar)[3]).toMatch(/^<g class="hop crossing">/);
    for (const k of ['<i class="tls"></i>TLS', '<i class="clear"></i>clear text', '<i class="unknown"></i>unknown', '<b>⇄</b>between organisations']) expect(svg).toContain(k);
  });

  it('takes a delay that is not a finite number as no date', () => {
    const svg2 = hopChartSvg({ ...SIX, hops: [hop('a.example.org', Number.NaN, null), hop('b.example.org', Number.POSITIVE_INFINITY, null), hop('c.example.org', 2, null)] });
    expect(bars(svg2)).toHaveLength(1);
    expect(svg2.match(/>no date</g)).toHaveLength(2);
  });

  it('is empty without hops', () => {
    expect(hopChartSvg({ title: 'x', hops: [], start: null })).toBe('');
  });

  it('draws at most 100 hops and counts the rest', () => {
    const many = Array.from({ length: 150 }, (_, i) => hop(`relay${i + 1}.example.net`, i, `2026-11-23T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`));
    const out = hopChartSvg({ title: 'x', hops: many, start: null });
    expect(rowsOf(out)).toHaveLength(100);
    expect(bars(out)).toHaveLength(100);
    expect(out).toContain('… 50 more hops, not drawn');
    expect(out).toContain('relay100.example.net');
    expect(out).not.toContain('relay101.example.net');
    // The picture grows with the hops drawn, not with all of them.
    const height = (s: string) => Number(/class="bars" viewBox="0 0 800 ([\d.]+)"/.exec(s)![1]);
    const hundred = hopChartSvg({ title: 'x', hops: many.slice(0, 100), start: null });
    expect(height(out)).toBe(height(hundred) + 22);
    expect(hundred).not.toContain('more hop');
    expect(hopChartSvg({ title: 'x', hops: many.slice(0, 101), start: null })).toContain('… 1 more hop, not drawn');
  });
});

describe('the timeline', () => {
  const timeline = (chart: DocHopChart) => /<svg [^>]*class="timeline"[\s\S]*?<\/svg>/.exec(hopChartSvg(chart))?.[0] ?? null;

  it('puts the dated hops as dots on one axis from the earliest moment to the latest, with both times printed', () => {
    const t = timeline(SIX)!;
    const dots = [...t.matchAll(/<circle class="(tls|clear|unknown)" cx="([\d.]+)"/g)].map((m) => ({ cls: m[1], x: Number(m[2]) }));
    expect(dots).toHaveLength(5);
    expect(dots.map((d) => d.cls)).toEqual(['tls', 'tls', 'unknown', 'clear', 'tls']);
    // Hop 3's clock is behind: it is the axis' start; hop 6 its end.
    const axis = /<line class="axis" x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"/.exec(t)!;
    expect(dots[2]!.x).toBeCloseTo(Number(axis[1]), 1);
    expect(dots[4]!.x).toBeCloseTo(Number(axis[2]), 1);
    expect(dots[0]!.x).toBeLessThan(dots[3]!.x);
    expect(t).toContain('>09:59:58 UTC</text>');
    expect(t).toContain('>11:03:43 UTC</text>');
    expect(t).toContain('>1 h 3 min in all</text>');
    // The Date field's moment, and hops close together sharing one label.
    expect(t).toMatch(/<circle class="start" cx="[\d.]+"/);
    expect(t).toContain('>Date, 1–3</text>');
    expect(t).toMatch(/>6<\/text>/);
    // Undated hops listed under it.
    expect(hopChartSvg(SIX)).toContain('<p class="dim nodate">No date: 4 (mx1.example.net)</p>');
  });

  it('labels that would touch are stacked', () => {
    const t = timeline({ title: 'x', start: null, hops: [hop('a', 0, '2026-11-23T10:00:00Z'), hop('b', 1, '2026-11-23T10:00:01.600Z'), hop('c', 1, '2026-11-23T10:01:40Z')] })!;
    const ys = Object.fromEntries([...t.matchAll(/<text class="mark" x="[\d.]+" y="([\d.]+)"[^>]*><title>[^<]*<\/title>([^<]*)</g)].map((m) => [m[2], Number(m[1])]));
    expect(Object.keys(ys).sort()).toEqual(['1', '2', '3']);
    // 12 px apart: not one label, but two that would overlap; the third stays on the first lane.
    expect(ys['1']).not.toBe(ys['2']);
    expect(ys['3']).toBe(ys['1']);
  });

  it('prints the dates when the hops span days', () => {
    const t = timeline({ title: 'x', start: null, hops: [hop('a', 0, '2026-11-23T23:59:00Z'), hop('b', 120, '2026-11-24T00:01:00Z')] })!;
    expect(t).toContain('>2026-11-23 23:59:00 UTC</text>');
    expect(t).toContain('>2026-11-24 00:01:00 UTC</text>');
  });

  it('says so, instead of drawing an axis of no length, when every hop has the same second', () => {
    const same = hopChartSvg({ title: 'x', start: '2026-11-23T10:00:00.200Z', hops: [hop('a', 0, '2026-11-23T10:00:00Z'), hop('b', 0, '2026-11-23T10:00:00.900Z')] });
    expect(timeline({ title: 'x', start: null, hops: [hop('a', 0, '2026-11-23T10:00:00Z'), hop('b', 0, '2026-11-23T10:00:00.900Z')] })).toBeNull();
    expect(same).not.toContain('class="timeline"');
    expect(same).toContain('Every dated hop and the Date field at the same second, 2026-11-23 10:00:00 UTC');
    expect(hopChartSvg({ title: 'x', start: null, hops: [hop('a', null, null), hop('b', null, 'not a date')] })).toContain('No hop has a date that could be read.');
  });
});

describe('escaping (labels are host names from hostile headers)', () => {
  const HOSTILE = `<script>alert(1)</script>"'&amp;\u202eevil\u2066x`;
  const chart: DocHopChart = {
    title: `T<script>x" onmouseover="alert(1)\u202e`,
    start: '2026-11-23T10:00:00Z',
    hops: [hop(HOSTILE, 3, '2026-11-23T10:00:03Z', 'clear', true), hop(`${HOSTILE}2`, null, null)],
    note: `n<script>&\u2066`,
  };
  const svg = hopChartSvg(chart);

  it('escapes every label, the title, the note and the aria-labels; no markup or bidi control gets through', () => {
    expect(svg).not.toMatch(/<script/i);
    expect(svg).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(svg).not.toContain('" onmouseover');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('&amp;amp;');
    expect(svg).toContain('\\u{202e}evil\\u{2066}x');
    const labels = [...svg.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]);
    expect(labels).toEqual([`${escapeHtml(chart.title)}: delay per hop`, `${escapeHtml(chart.title)}: timeline`]);
    expect(svg).toContain(`<p class="dim">${escapeHtml(chart.note!)}</p>`);
    expect(svg).toContain(`<strong>${escapeHtml(chart.title)}</strong>`);
    // The list of undated hops carries the whole label, escaped.
    expect(svg).toContain(`No date: 2 (${escapeHtml(`${HOSTILE}2`)})`);
  });

  it('escapes the tooltips (<title>): each holds text only, with the whole label', () => {
    const opened = svg.match(/<title>/g)!.length;
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]!);
    expect(titles).toHaveLength(opened);
    expect(titles.filter((t) => t.includes(escapeHtml(HOSTILE))).length).toBeGreaterThanOrEqual(3);
    expect(titles).toContain(`Hop 1: ${escapeHtml(HOSTILE)} — delay 3 s, at 2026-11-23 10:00:03 UTC, clear text, between organisations`);
  });

  it('cuts a long label in the picture, after making format characters visible, and keeps it whole in the tooltip', () => {
    const long = `${'a'.repeat(40)}.example.org`;
    const out = hopChartSvg({ title: 'x', start: null, hops: [hop(long, 1, null)] });
    expect(out).toContain(`>${'a'.repeat(29)}…</text>`);
    expect(out).toContain(`Hop 1: ${long} — delay 1 s`);
  });
});

describe('the page', () => {
  const base = () => documentFor(structuredClone(fixture), { verbose: true });
  const withHops = (hopChart: Document['hopChart']): Document => ({ ...base(), hopChart });

  it('is byte for byte as before without a hop chart (the golden page), whether the field is absent, undefined or null', () => {
    expect(htmlOf(base())).toBe(golden);
    expect(htmlOf(withHops(undefined))).toBe(golden);
    expect(htmlOf(withHops(null))).toBe(golden);
    expect(golden).not.toContain('hop-chart');
  });

  it('with a hop chart: its style and figure, right after the summary table, and nothing else changed', () => {
    const html = htmlOf(withHops(SIX));
    expect(html).toContain('.hop-chart{margin:1rem 0;');
    const figure = hopChartSvg(SIX);
    expect(html.indexOf(figure)).toBeGreaterThan(html.indexOf('</tbody></table>'));
    expect(html.indexOf(figure)).toBeLessThan(html.indexOf('<h2>Problems, worst first</h2>'));
    // Take the figure and the style out again: the page as before.
    const style = /<style>([^<]*)<\/style>/.exec(golden)![1]!;
    expect(html.replace(`${figure}\n`, '').replace(/<style>[^<]*<\/style>/, `<style>${style}</style>`)).toBe(golden);
    // Still self-contained: no script, nothing loaded from anywhere.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\s(src|href|on\w+)=|url\(|@import/i);
    // A page with a hop chart of no hops has the style but draws nothing.
    expect(htmlOf(withHops({ title: 'x', hops: [], start: null }))).not.toContain('<figure class="hop-chart"');
  });
});
