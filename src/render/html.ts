// Document → a standalone HTML page: the verdict with its reason first, the summary table, the
// findings worst first with every field, then the details per address and the transcript, each
// collapsible. Self-contained: no script and no external resource (the page's CSP forbids both).
// Safe on its own, whatever the Document did: every string is escaped here and Unicode format
// characters (bidi controls, zero-width characters) are made visible.
import type { Report } from '../core/schema.js';
import { SEVERITIES, VERDICTS } from '../core/vocabulary.js';
import type { DocChart, DocHopChart, DocShareChart, Document, DocumentOptions, FindingView, Inline, Line } from './document.js';
import { plainParts } from './document.js';
import { neutralise } from '../core/transcript.js';
import { documentFor } from './index.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an HTML element or attribute value: markup characters escaped, invisible characters made visible. */
export function escapeHtml(text: string): string {
  return neutralise(text).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Catalogue text: escaped, then each pair of backticks ("run `postconf -n`") made a code element. */
export function proseHtml(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** A CSS class from a closed list, so a hostile saved report cannot write an attribute. */
function known<T extends string>(list: readonly T[], value: string, prefix: string): string {
  return (list as readonly string[]).includes(value) ? `${prefix}${value}` : `${prefix}unknown`;
}

/** A line's parts, styled; runs of spaces (a terminal's alignment) made one, kept outside the markup. */
function inline(parts: readonly Inline[], lead = false): string {
  const e = escapeHtml;
  const html = parts.map((p) => {
    if (typeof p === 'string') return e(p);
    const [, before, core, after] = /^( *)(.*?)( *)$/s.exec('dim' in p ? p.dim : p.bold)!;
    return `${before}${'dim' in p ? `<span class="dim">${e(core!)}</span>` : `<strong>${e(core!)}</strong>`}${after}`;
  });
  // "keyword   meaning": a label before its dimmed explanation (an extension and what it means).
  const [first, second] = parts;
  if (lead && parts.length === 2 && typeof first === 'string' && typeof second !== 'string' && 'dim' in second!) html[0] = `<span class="lead">${e(first.trim())}</span> `;
  return html.join('').replace(/ {2,}/g, ' ').trim();
}

/**
 * Lines with a depth as nested lists (a jump of more than one level opens one level). A line
 * whose text starts with spaces continues the one before it (a certificate's issuer, names,
 * thumbprints under its subject): one level deeper.
 */
function nestedList(lines: readonly Line[]): string {
  if (!lines.length) return '';
  const depthOf = (l: Line) => l.depth + (/^ /.test(plainParts(l.parts)) ? 1 : 0);
  const base = Math.min(...lines.map((l) => l.depth));
  let html = '';
  let level = 0;
  for (const l of lines) {
    const depth = Math.min(depthOf(l) - base + 1, level + 1);
    if (depth > level) html += '<ul>';
    else html += '</li>' + '</ul></li>'.repeat(level - depth);
    level = depth;
    html += `\n<li>${inline(l.parts, true)}`;
  }
  return `${html}${'</li></ul>'.repeat(level)}\n`;
}

function findingHtml(f: FindingView, explain: boolean): string {
  const e = escapeHtml;
  const p = proseHtml;
  const out: string[] = [];
  out.push(`<article class="finding ${known(SEVERITIES, f.severity, 'sev-')}">`);
  out.push(`<h3><span class="sev">${e(f.label)}</span> ${p(f.title)}</h3>`);
  if (f.hosts.length) out.push(`<p class="hosts">On ${f.hosts.map(e).join(', ')}</p>`);
  out.push(`<p>${p(f.detail)}</p>`);
  out.push(`<p><span class="k">Who acts:</span> ${e(f.who)}</p>`);
  out.push(`<p class="fix"><span class="k">Fix:</span> ${p(f.fix.summary)}</p>`);
  const more: string[] = [];
  if (f.perHost.length) more.push(`<p class="k">Per host:</p><ul class="per-host">${f.perHost.map((h) => `<li><span class="host">${e(h.host)}</span>: ${p(h.detail)}</li>`).join('')}</ul>`);
  if (f.senders) {
    more.push(
      `<dl class="senders"><dt>Opportunistic senders</dt><dd>${p(f.senders.opportunistic)}</dd><dt>Verifying / forced-TLS senders</dt><dd>${p(f.senders.verifying)}</dd></dl>`,
    );
  }
  if (f.fix.steps.length) more.push(`<p class="k">Steps:</p><ol class="steps">${f.fix.steps.map((s) => `<li>${p(s)}</li>`).join('')}</ol>`);
  for (const m of f.fix.perMta) {
    const own = f.software !== null && m.mta === f.software;
    more.push(
      `<div class="mta${own ? ' own' : ''}"><p class="k">${e(m.mta)}${own ? ' <span class="dim">(recognised on these hosts)</span>' : ''}:</p><ul>${m.steps.map((s) => `<li>${p(s)}</li>`).join('')}</ul></div>`,
    );
  }
  if (f.refs.length) more.push(`<p class="refs">Refs: ${f.refs.map(e).join('; ')}</p>`);
  if (more.length) out.push(`<details class="more"${explain ? ' open' : ''}><summary>Why, what senders do, every step</summary>\n${more.join('\n')}\n</details>`);
  out.push(`<p class="id"><code>${e(f.id)}</code></p>`, '</article>');
  return out.join('\n');
}

const STYLE = `:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--code:#eff2f5;
--critical:#8a1c8c;--error:#c0231b;--warning:#9a6700;--info:#0a63c9;--ok:#1a7f37;--unknown:#59636e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#151b23;--line:#3d444d;--code:#212830;
--critical:#d98ae6;--error:#ff7b72;--warning:#d29922;--info:#58a6ff;--ok:#3fb950;--unknown:#9198a1}}
*{box-sizing:border-box}
body{margin:0 auto;padding:1.5rem;max-width:72rem;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
h1{font-size:1.45rem;margin:0}h2{font-size:1.15rem;margin:2rem 0 .75rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:0 0 .4rem}p{margin:.35rem 0}ul,ol{margin:.25rem 0;padding-left:1.4rem}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}code{background:var(--code);padding:.05rem .3rem;border-radius:4px}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.75rem;white-space:pre-wrap;margin:.5rem 0}
.meta,.dim,.hosts,.refs,.id{color:var(--muted)}.meta,.hosts,.refs{font-size:.9em}.id code{background:none;padding:0}
.k,dt{font-weight:600}dl{margin:.35rem 0}dd{margin:0 0 .35rem 1.4rem}
.verdict{--c:var(--unknown);margin:1rem 0;padding:.75rem 1rem;background:var(--panel);border-left:6px solid var(--c);border-radius:6px}
.verdict .word{color:var(--c);font-size:1.2rem;font-weight:700;margin-right:.4rem}.verdict .reason{font-size:1.05rem}
.v-pass{--c:var(--ok)}.v-warn{--c:var(--warning)}.v-fail{--c:var(--error)}.v-inconclusive{--c:var(--info)}
table{width:100%;border-collapse:collapse;font-size:.92em}th,td{padding:.3rem .5rem;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
th{background:var(--panel)}td.verdict-cell{color:var(--c);font-weight:700}
.finding{--c:var(--unknown);margin:.75rem 0;padding:.6rem .9rem;border:1px solid var(--line);border-left:5px solid var(--c);border-radius:6px}
.sev{display:inline-block;padding:0 .4rem;margin-right:.3rem;border-radius:4px;background:var(--c);color:var(--bg);font-size:.75rem;font-weight:700;vertical-align:.1em}
.sev-critical{--c:var(--critical)}.sev-error{--c:var(--error)}.sev-warning{--c:var(--warning)}.sev-info{--c:var(--info)}.sev-ok{--c:var(--ok)}
.good{list-style:none;padding:0}.good li{--c:var(--ok);margin:.2rem 0}.mta.own .k{color:var(--c)}
details{margin:.4rem 0}summary{cursor:pointer;font-weight:600}details.more>summary{font-weight:400;color:var(--muted)}
details.host{border:1px solid var(--line);border-radius:6px;padding:.4rem .8rem}details.host>ul{padding-left:0;list-style:none}
details.host ul ul{list-style:disc}.lead{display:inline-block;min-width:11rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
@media print{body{max-width:none;padding:0;font-size:10.5pt}details::details-content{content-visibility:visible;display:block}
summary{list-style:none}.finding,tr{break-inside:avoid}h2,h3{break-after:avoid}*{print-color-adjust:exact;-webkit-print-color-adjust:exact}}`;

/** Only on pages with a chart (every other page stays byte for byte as it was). */
const CHART_STYLE = `
.chart{margin:1rem 0}.chart svg{width:100%;height:auto;max-height:14rem}
.chart .ok{fill:var(--ok)}.chart .bad{fill:var(--error)}.chart text{fill:var(--muted);font-size:11px}.chart .key{font-size:.9em;color:var(--muted)}
.chart .key .ok,.chart .key .bad{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 .8em;vertical-align:-.05em}.chart .key .ok{background:var(--ok)}.chart .key .bad{background:var(--error)}`;

/**
 * A chart as inline SVG (no script, no external resource): one bar per label with its series
 * stacked, a tooltip (<title>) per bar, the first and last labels under it. Every text escaped.
 */
export function chartSvg(chart: DocChart): string {
  const e = escapeHtml;
  const n = chart.labels.length;
  if (n === 0) return '';
  const W = 800;
  const H = 160;
  const base = H - 18;
  const step = W / n;
  const bar = Math.max(1, step * 0.8);
  const totals = chart.labels.map((_, i) => chart.series.reduce((a, s) => a + Math.max(0, Number(s.values[i]) || 0), 0));
  const max = Math.max(1, ...totals);
  const bars: string[] = [];
  for (let i = 0; i < n; i++) {
    let y = base;
    const rects: string[] = [];
    for (const s of chart.series) {
      const v = Math.max(0, Number(s.values[i]) || 0);
      const h = (v / max) * (base - 4);
      if (h <= 0) continue;
      y -= h;
      rects.push(`<rect class="${s.tone === 'bad' ? 'bad' : 'ok'}" x="${(i * step + (step - bar) / 2).toFixed(2)}" y="${y.toFixed(2)}" width="${bar.toFixed(2)}" height="${h.toFixed(2)}"/>`);
    }
    const tip = `${chart.labels[i]}: ${chart.series.map((s) => `${s.values[i] ?? 0} ${s.name}`).join(', ')}`;
    bars.push(`<g><title>${e(tip)}</title>${rects.join('')}</g>`);
  }
  const first = e(chart.labels[0]!);
  const last = e(chart.labels[n - 1]!);
  const axis = `<text x="0" y="${H - 4}">${first}</text>${n > 1 ? `<text x="${W}" y="${H - 4}" text-anchor="end">${last}</text>` : ''}`;
  const key = chart.series.map((s) => `<span class="${s.tone === 'bad' ? 'bad' : 'ok'}"></span>${e(s.name)}`).join('');
  return [
    `<figure class="chart"><figcaption><strong>${e(chart.title)}</strong> <span class="key">${key}</span></figcaption>`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${e(chart.title)}">${bars.join('')}${axis}</svg>`,
    chart.note ? `<p class="dim">${e(chart.note)}</p>` : '',
    '</figure>',
  ].join('\n');
}

/** Distinct on light and dark backgrounds; the first (the total) is the page's own text colour. */
const SHARE_COLOURS = ['var(--fg)', '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

/** Only on pages with a share chart. */
const SHARE_CHART_STYLE = `
.share-chart{margin:1rem 0}.share-chart svg{width:100%;height:auto;max-height:16rem}.share-chart text{fill:var(--muted);font-size:11px}
.share-chart .grid{stroke:var(--line);stroke-width:1}.share-chart path{fill:none;stroke-width:1.5}.share-chart path.s0{stroke-width:3}
.share-chart .key{font-size:.9em;color:var(--muted)}.share-chart .key i{display:inline-block;width:1.2em;height:.25em;margin:0 .3em 0 .8em;vertical-align:.2em}
${[0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => `.share-chart path.s${i}{stroke:${SHARE_COLOURS[i]}}.share-chart circle.s${i}{fill:${SHARE_COLOURS[i]}}.share-chart .key i.s${i}{background:${SHARE_COLOURS[i]}}`).join('')}`;

/**
 * Shares over time as inline SVG: a line per series (a gap where a value is null), 0–100 % grid,
 * a tooltip per point, the first and last labels under it. Every text escaped; at most 9 series.
 */
export function shareChartSvg(chart: DocShareChart): string {
  const e = escapeHtml;
  const n = chart.labels.length;
  if (n === 0) return '';
  const W = 800;
  const H = 200;
  const top = 8;
  const base = H - 22;
  const left = 34;
  const x = (i: number): number => (n === 1 ? left : left + (i * (W - left - 4)) / (n - 1));
  const y = (v: number): number => base - Math.max(0, Math.min(1, v)) * (base - top);
  const grid = [0, 0.5, 1].map((v) => `<line class="grid" x1="${left}" x2="${W}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text x="${left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v * 100} %</text>`).join('');
  const series = chart.series.slice(0, SHARE_COLOURS.length);
  const lines = series.map((s, k) => {
    let d = '';
    let pen = false;
    const dots: string[] = [];
    s.values.slice(0, n).forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
      pen = true;
      dots.push(`<circle class="s${k}" cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2"><title>${e(`${s.name}, ${chart.labels[i]}: ${Math.round(v * 1000) / 10} %`)}</title></circle>`);
    });
    return `<g><path class="s${k}" d="${d}"/>${dots.join('')}</g>`;
  });
  const axis = `<text x="${left}" y="${H - 6}">${e(chart.labels[0]!)}</text>${n > 1 ? `<text x="${W}" y="${H - 6}" text-anchor="end">${e(chart.labels[n - 1]!)}</text>` : ''}`;
  const key = series.map((s, k) => `<i class="s${k}"></i>${e(s.name)}`).join('');
  return [
    `<figure class="share-chart"><figcaption><strong>${e(chart.title)}</strong> <span class="key">${key}</span></figcaption>`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${e(chart.title)}">${grid}${lines.join('')}${axis}</svg>`,
    chart.note ? `<p class="dim">${e(chart.note)}</p>` : '',
    '</figure>',
  ].join('\n');
}

/** Only on pages with a hop chart (every other page stays byte for byte as it was). */
const HOP_CHART_STYLE = `
.hop-chart{margin:1rem 0;overflow-x:auto}.hop-chart svg{display:block;width:100%;min-width:42rem;height:auto}
.hop-chart .sub{margin:.6rem 0 .1rem;font-weight:600}.hop-chart .key{font-size:.9em;color:var(--muted)}
.hop-chart text{fill:var(--fg);font-size:12px}.hop-chart text.dim,.hop-chart .tick text{fill:var(--muted);font-size:11px}
.hop-chart .tls{fill:var(--ok)}.hop-chart .clear,.hop-chart .neg{fill:var(--error)}.hop-chart .unknown{fill:var(--muted)}
.hop-chart text.tls{fill:var(--ok)}.hop-chart text.clear{fill:var(--error)}.hop-chart text.unknown,.hop-chart text.nodate{fill:var(--muted)}
.hop-chart .neg{fill-opacity:.55;stroke:var(--error);stroke-width:1.5;stroke-dasharray:3 2}
.hop-chart .zero,.hop-chart .axis{stroke:var(--fg);stroke-width:1}.hop-chart .tick line,.hop-chart .lead{stroke:var(--line);stroke-width:1}
.hop-chart .start{fill:var(--bg);stroke:var(--fg);stroke-width:1.5}.hop-chart .cross{fill:var(--fg);font-weight:700}
.hop-chart .key i{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 .8em;vertical-align:-.05em;font-style:normal}
.hop-chart .key i.tls{background:var(--ok)}.hop-chart .key i.clear{background:var(--error)}.hop-chart .key i.unknown{background:var(--muted)}
.hop-chart .key i.neg{background:color-mix(in srgb,var(--error) 55%,transparent);border:1px dashed var(--error)}
.hop-chart .key b{margin:0 .3em 0 .8em;color:var(--fg)}.hop-chart .key span{white-space:nowrap}.hop-chart text.mark{paint-order:stroke;stroke:var(--bg);stroke-width:4px;stroke-linejoin:round}`;

/** At most this many hops are drawn; the rest are counted ("… 50 more"). */
const HOP_CHART_MAX = 100;
const TLS_WORD = { tls: 'TLS', clear: 'clear', unknown: 'unknown' } as const;

/** A delay for people: "0 s", "4 s", "2 min 5 s", "1 h 3 min", "2 d 4 h", "−12 s" (a true minus). */
export function delayText(seconds: number): string {
  const sign = seconds < 0 ? '\u2212' : '';
  const s = Math.round(Math.abs(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts = d ? [`${d} d`, h ? `${h} h` : ''] : h ? [`${h} h`, m ? `${m} min` : ''] : m ? [`${m} min`, sec ? `${sec} s` : ''] : [`${sec} s`];
  return sign + parts.filter(Boolean).join(' ');
}

/** Neutralised (format characters visible), then cut to `max` characters with "…": for a label in the SVG, before escaping. */
function clip(text: string, max: number): string {
  const chars = [...neutralise(text)];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

/** "1, 2, 4–7": hop numbers, runs made ranges. */
function hopRanges(numbers: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    out.push(j > i ? `${numbers[i]}–${numbers[j]}` : `${numbers[i]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** An ISO moment as the timeline prints it: "10:00:00 UTC", with the date when `withDate`. */
function clockText(ms: number, withDate: boolean): string {
  const iso = new Date(ms).toISOString();
  return `${withDate ? `${iso.slice(0, 10)} ` : ''}${iso.slice(11, 19)} UTC`;
}

const n2 = (v: number) => v.toFixed(1).replace(/\.0$/, '');

/** Bar length scale: log10(1 + seconds), so a hop of a second and one of hours both show. */
const logScale = (seconds: number) => Math.log10(1 + Math.abs(seconds));

interface HopRow {
  number: number;
  label: string;
  delay: number | null;
  at: number | null;
  tls: 'tls' | 'clear' | 'unknown';
  crossing: boolean;
}

function hopTip(h: HopRow): string {
  // A dated hop without a delay is the first one (nothing earlier to measure from).
  const delay = h.delay !== null ? `delay ${delayText(h.delay)}` : h.at !== null ? 'the first dated hop' : 'no date';
  const at = h.at === null ? '' : `, at ${clockText(h.at, true)}`;
  return `Hop ${h.number}: ${h.label} — ${delay}${at}, ${h.tls === 'tls' ? 'TLS' : h.tls === 'clear' ? 'clear text' : 'TLS unknown'}${h.crossing ? ', between organisations' : ''}`;
}

/** The bars: one row per hop, oldest at the top; a zero line, negative delays to its left. */
function delayBars(rows: readonly HopRow[], more: number, title: string): string {
  const e = escapeHtml;
  const W = 800;
  const top = 24;
  const rowH = 22;
  const dated = rows.filter((r) => r.delay !== null).map((r) => r.delay!);
  const maxPos = Math.max(0, ...dated);
  const maxNeg = Math.max(0, ...dated.map((d) => -d));
  // Columns: hop number, label, TLS word, the crossing mark, then the bars with their values.
  const plotLeft = 316 + (maxNeg > 0 ? 58 : 0);
  const plotRight = W - 74;
  const posSpan = Math.max(logScale(maxPos), logScale(1));
  const negSpan = logScale(maxNeg);
  const unit = (plotRight - plotLeft) / (posSpan + negSpan);
  const zero = plotLeft + negSpan * unit;
  const xOf = (seconds: number) => zero + Math.sign(seconds) * logScale(seconds) * unit;
  const height = top + rows.length * rowH + (more ? rowH : 0) + 4;
  const out: string[] = [];
  // Ticks at round durations, each side, where they fit.
  const ticks: string[] = [];
  for (const sign of [1, -1]) {
    let last = zero;
    for (const t of [1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400]) {
      if (t > (sign > 0 ? Math.max(maxPos, 1) : maxNeg)) break;
      const x = xOf(sign * t);
      if (Math.abs(x - last) < 44) continue;
      last = x;
      ticks.push(`<g class="tick"><line x1="${n2(x)}" y1="${top - 6}" x2="${n2(x)}" y2="${top + rows.length * rowH}"/><text x="${n2(x)}" y="${top - 10}" text-anchor="middle">${e(delayText(sign * t))}</text></g>`);
    }
  }
  out.push(...ticks);
  out.push(`<text class="dim" x="${n2(zero)}" y="${top - 10}" text-anchor="middle">0</text>`);
  rows.forEach((h, i) => {
    const y = top + i * rowH;
    const mid = y + rowH / 2 + 4;
    const parts = [
      `<title>${e(hopTip(h))}</title>`,
      `<text class="dim" x="22" y="${mid}" text-anchor="end">${h.number}</text>`,
      `<text x="30" y="${mid}">${e(clip(h.label, 30))}</text>`,
      `<text class="${h.tls}" x="232" y="${mid}">${TLS_WORD[h.tls]}</text>`,
    ];
    if (h.crossing) parts.push(`<text class="cross" x="300" y="${mid}" text-anchor="middle">⇄</text>`);
    if (h.delay === null) {
      parts.push(`<text class="nodate" x="${n2(zero + 6)}" y="${mid}">${h.at !== null ? 'first hop' : 'no date'}</text>`);
    } else {
      const x = xOf(h.delay);
      const neg = h.delay < 0;
      // A zero delay still shows its colour as a sliver.
      const width = Math.max(2, Math.abs(x - zero));
      const left = neg ? zero - width : zero;
      parts.push(`<rect class="bar ${neg ? 'neg' : h.tls}" x="${n2(left)}" y="${y + 4}" width="${n2(width)}" height="${rowH - 8}"/>`);
      parts.push(
        neg
          ? `<text class="value" x="${n2(left - 5)}" y="${mid}" text-anchor="end">${e(delayText(h.delay))}</text>`
          : `<text class="value" x="${n2(left + width + 5)}" y="${mid}">${e(delayText(h.delay))}</text>`,
      );
    }
    out.push(`<g class="hop${h.crossing ? ' crossing' : ''}">${parts.join('')}</g>`);
  });
  out.push(`<line class="zero" x1="${n2(zero)}" y1="${top - 4}" x2="${n2(zero)}" y2="${top + rows.length * rowH}"/>`);
  if (more) out.push(`<text class="dim more" x="30" y="${top + rows.length * rowH + rowH / 2 + 4}">… ${more} more ${more === 1 ? 'hop' : 'hops'}, not drawn</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="bars" viewBox="0 0 ${W} ${height}" role="img" aria-label="${e(`${title}: delay per hop`)}">${out.join('')}</svg>`;
}

/** The hops as dots on one time axis (numbers above, stacked where they would collide); undated hops as text under it. */
function hopTimeline(rows: readonly HopRow[], startMs: number | null, title: string): string {
  const e = escapeHtml;
  const dated = rows.filter((r) => r.at !== null);
  const undated = rows.filter((r) => r.at === null);
  const out: string[] = [];
  const times = [...(startMs === null ? [] : [startMs]), ...dated.map((r) => r.at!)];
  if (!dated.length) {
    out.push('<p class="dim">No hop has a date that could be read.</p>');
  } else if (Math.floor(Math.min(...times) / 1000) === Math.floor(Math.max(...times) / 1000)) {
    const at = clockText(times[0]!, true);
    out.push(`<p class="dim">${dated.length === 1 && startMs === null ? 'One dated hop' : 'Every dated hop'}${startMs === null ? '' : ' and the Date field'} at the same second, ${e(at)}: nothing to draw on a time axis.</p>`);
  } else {
    const W = 800;
    const left = 20;
    const right = W - 20;
    const t0 = Math.min(...times);
    const t1 = Math.max(...times);
    const xOf = (ms: number) => left + ((ms - t0) / (t1 - t0)) * (right - left);
    // Hops within a few pixels (and the Date field's moment) share one label ("Date, 1–3"); labels stack in lanes where they would touch.
    const marks: { x: number; text: string; tip: string }[] = [];
    const items = [...(startMs === null ? [] : [{ ms: startMs, hop: null }]), ...dated.map((h) => ({ ms: h.at!, hop: h }))].sort((a, b) => a.ms - b.ms);
    for (let i = 0; i < items.length; ) {
      const x = xOf(items[i]!.ms);
      let j = i;
      while (j + 1 < items.length && xOf(items[j + 1]!.ms) - x < 8) j++;
      const group = items.slice(i, j + 1);
      const hops = group.flatMap((g) => (g.hop ? [g.hop] : [])).sort((a, b) => a.number - b.number);
      const withStart = group.length > hops.length;
      marks.push({
        x,
        text: [...(withStart ? ['Date'] : []), ...(hops.length ? [hopRanges(hops.map((h) => h.number))] : [])].join(', '),
        tip: [...(withStart ? [`Date field: ${clockText(startMs!, true)}`] : []), ...hops.map(hopTip)].join('\n'),
      });
      i = j + 1;
    }
    marks.sort((a, b) => a.x - b.x);
    const lanes: number[] = [];
    const placed = marks.map((m) => {
      const width = [...m.text].length * 7 + 6;
      const cx = Math.min(Math.max(m.x, left + width / 2 - 14), right - width / 2 + 14);
      let lane = lanes.findIndex((end) => end < cx - width / 2);
      if (lane < 0) lane = lanes.push(0) - 1;
      lanes[lane] = cx + width / 2;
      return { ...m, cx, lane };
    });
    const laneH = 16;
    const axisY = 14 + lanes.length * laneH;
    const height = axisY + 30;
    const spanDays = clockText(t0, true).slice(0, 10) !== clockText(t1, true).slice(0, 10);
    out.push(`<line class="axis" x1="${left}" y1="${axisY}" x2="${right}" y2="${axisY}"/>`);
    // Lead lines first, then the labels over them (each with a halo of the page's colour).
    const labelY = (lane: number) => axisY - 12 - lane * laneH;
    for (const m of placed) out.push(`<line class="lead" x1="${n2(m.x)}" y1="${axisY}" x2="${n2(m.cx)}" y2="${labelY(m.lane) + 3}"/>`);
    for (const m of placed) out.push(`<text class="mark" x="${n2(m.cx)}" y="${labelY(m.lane)}" text-anchor="middle"><title>${e(m.tip)}</title>${e(m.text)}</text>`);
    if (startMs !== null) out.push(`<circle class="start" cx="${n2(xOf(startMs))}" cy="${axisY}" r="4.5"><title>${e(`Date field: ${clockText(startMs, true)}`)}</title></circle>`);
    for (const h of dated) out.push(`<circle class="${h.tls}" cx="${n2(xOf(h.at!))}" cy="${axisY}" r="4"><title>${e(hopTip(h))}</title></circle>`);
    out.push(
      `<text class="dim" x="${left}" y="${axisY + 22}">${e(clockText(t0, spanDays))}</text>`,
      `<text class="dim" x="${W / 2}" y="${axisY + 22}" text-anchor="middle">${e(`${delayText((t1 - t0) / 1000)} in all`)}</text>`,
      `<text class="dim" x="${right}" y="${axisY + 22}" text-anchor="end">${e(clockText(t1, spanDays))}</text>`,
    );
    out.unshift(`<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${W} ${height}" role="img" aria-label="${e(`${title}: timeline`)}">`);
    out.push('</svg>');
  }
  if (undated.length) out.push(`<p class="dim nodate">No date: ${undated.map((h) => `${h.number} (${e(h.label)})`).join(', ')}</p>`);
  return out.join('');
}

/**
 * The header analyzer's picture as inline SVG (no script, no external resource): the delay per hop
 * as bars on a logarithmic scale, coloured by TLS, negative delays left of the zero line; then the
 * hops on a time axis. Every text escaped; at most 100 hops drawn.
 */
export function hopChartSvg(chart: DocHopChart): string {
  const e = escapeHtml;
  if (!chart.hops.length) return '';
  const moment = (iso: string | null) => {
    const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
    return Number.isFinite(ms) ? ms : null;
  };
  const rows: HopRow[] = chart.hops.slice(0, HOP_CHART_MAX).map((h, i) => ({
    number: i + 1,
    label: String(h.label),
    delay: typeof h.delaySeconds === 'number' && Number.isFinite(h.delaySeconds) ? h.delaySeconds : null,
    at: moment(h.at),
    tls: h.tls === 'tls' || h.tls === 'clear' ? h.tls : 'unknown',
    crossing: h.crossing === true,
  }));
  const more = chart.hops.length - rows.length;
  const negative = rows.some((r) => r.delay !== null && r.delay < 0);
  const key = [
    '<i class="tls"></i>TLS',
    '<i class="clear"></i>clear text',
    '<i class="unknown"></i>unknown',
    ...(negative ? ['<i class="neg"></i>negative delay (a clock is wrong)'] : []),
    '<b>⇄</b>between organisations',
  ]
    .map((k) => `<span>${k}</span>`)
    .join('');
  const scale = `Bar length on a logarithmic scale (log of 1 + seconds), so a hop of seconds and one of hours both show; the figure at each bar is exact.${negative ? ' Left of the 0 line: a hop dated before the one before it.' : ''}`;
  return [
    `<figure class="hop-chart"><figcaption><strong>${e(chart.title)}</strong> <span class="key">${key}</span></figcaption>`,
    '<p class="sub">Delay per hop</p>',
    delayBars(rows, more, chart.title),
    `<p class="dim">${scale}</p>`,
    '<p class="sub">Timeline</p>',
    hopTimeline(rows, moment(chart.start), chart.title),
    chart.note ? `<p class="dim">${e(chart.note)}</p>` : '',
    '</figure>',
  ].join('\n');
}

/** "2026-11-23T10:00:00.000Z" → "2026-11-23 10:00 UTC", as the text report says it. */
function when(iso: string): string {
  return iso.replace('T', ' ').replace(/(:\d\d)?\.\d+Z$/, ' UTC');
}

/** Every style a report can use, for a page that shows reports inside itself (the web UI serves it as a file). */
export const REPORT_CSS = `${STYLE}${CHART_STYLE}${HOP_CHART_STYLE}${SHARE_CHART_STYLE}`;

export function htmlOf(doc: Document): string {
  const e = escapeHtml;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">',
    `<title>${e(`${doc.verdictWord ?? doc.verdict.toUpperCase()} — ${doc.shortSubject} — ${doc.title}`)}</title>`,
    `<style>${STYLE}${doc.chart ? CHART_STYLE : ''}${doc.hopChart ? HOP_CHART_STYLE : ''}${doc.shareChart ? SHARE_CHART_STYLE : ''}</style></head>`,
    '<body>',
    htmlBodyOf(doc),
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * The report as the body of a page (no head, no style: REPORT_CSS styles it): what the web UI shows
 * inside its own page. Every string in it is escaped here, as in htmlOf.
 */
export function htmlBodyOf(doc: Document): string {
  const e = escapeHtml;
  const verdict = known(VERDICTS, doc.verdict, 'v-');
  const out: string[] = [];
  out.push(
    `<header><h1>${e(doc.title)}: ${e(doc.shortSubject)}</h1>`,
    `<p class="meta">${[doc.subject, when(doc.startedAt), `${(doc.durationMs / 1000).toFixed(2)} s`, ...doc.meta].map(e).join(' · ')}</p>`,
    `<div class="verdict ${verdict}"><p class="reason"><span class="word">${e(doc.verdictWord ?? doc.verdict.toUpperCase())}</span> ${e(doc.reason)}</p><p>${e(doc.verdictNote)}</p></div>`,
    ...doc.context.map((l) => `<p class="context">${inline(l.parts)}</p>`),
    '</header>',
  );
  if (doc.summary) {
    out.push(
      `<table class="summary"><thead><tr>${doc.summary.header.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead><tbody>`,
      ...doc.summary.rows.map((r) => `<tr>${r.map((c) => (c.verdict ? `<td class="verdict-cell ${known(VERDICTS, c.verdict, 'v-')}">${e(c.text)}</td>` : `<td>${e(c.text)}</td>`)).join('')}</tr>`),
      '</tbody></table>',
    );
  }
  if (doc.chart) out.push(chartSvg(doc.chart));
  if (doc.hopChart) out.push(hopChartSvg(doc.hopChart));
  if (doc.shareChart) out.push(shareChartSvg(doc.shareChart));
  const problems = doc.findings.filter((f) => f.severity !== 'ok' && f.severity !== 'info');
  const notes = doc.findings.filter((f) => f.severity === 'info');
  const good = doc.findings.filter((f) => f.severity === 'ok');
  if (problems.length) out.push('<h2>Problems, worst first</h2>', ...problems.map((f) => findingHtml(f, doc.explain)));
  if (notes.length) out.push('<h2>Notes</h2>', ...notes.map((f) => findingHtml(f, doc.explain)));
  if (good.length) {
    out.push(
      '<h2>What is right</h2>',
      `<ul class="good">${good.map((f) => `<li class="${known(SEVERITIES, f.severity, 'sev-')}"><span class="sev">${e(f.label)}</span> ${proseHtml(f.title)} <code class="id">${e(f.id)}</code></li>`).join('\n')}</ul>`,
    );
  }
  if (!doc.findings.length) out.push('<p>No findings.</p>');
  if (doc.details) {
    out.push(`<h2>${e(doc.details.heading)}</h2>`);
    for (const s of doc.details.sections) out.push(`<details class="host"><summary>${e(s.heading)}</summary>\n${nestedList(s.lines)}</details>`);
  }
  if (doc.transcript !== null) out.push('<h2>Transcript</h2>', `<details class="transcript"><summary>Every event, with its time</summary><pre>${e(doc.transcript)}</pre></details>`);
  return out.join('\n');
}

export function renderHtml(report: Report, options: DocumentOptions = {}): string {
  return htmlOf(documentFor(report, options));
}
