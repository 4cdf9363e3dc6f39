// Document → a standalone HTML page: the verdict with its reason first, the summary table, the
// findings worst first with every field, then the details per address and the transcript, each
// collapsible. Self-contained: no script and no external resource (the page's CSP forbids both).
// Safe on its own, whatever the Document did: every string is escaped here and Unicode format
// characters (bidi controls, zero-width characters) are made visible.
import type { Report } from '../core/schema.js';
import { SEVERITIES, VERDICTS } from '../core/vocabulary.js';
import type { DocChart, Document, DocumentOptions, FindingView, Inline, Line } from './document.js';
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

/** "2026-11-23T10:00:00.000Z" → "2026-11-23 10:00 UTC", as the text report says it. */
function when(iso: string): string {
  return iso.replace('T', ' ').replace(/(:\d\d)?\.\d+Z$/, ' UTC');
}

export function htmlOf(doc: Document): string {
  const e = escapeHtml;
  const verdict = known(VERDICTS, doc.verdict, 'v-');
  const out: string[] = [];
  out.push(
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">',
    `<title>${e(`${doc.verdictWord ?? doc.verdict.toUpperCase()} — ${doc.shortSubject} — ${doc.title}`)}</title>`,
    `<style>${STYLE}${doc.chart ? CHART_STYLE : ''}</style></head>`,
    '<body>',
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
  out.push('</body></html>', '');
  return out.join('\n');
}

export function renderHtml(report: Report, options: DocumentOptions = {}): string {
  return htmlOf(documentFor(report, options));
}
