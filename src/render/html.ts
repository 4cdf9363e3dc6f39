// Document → a standalone HTML page. Every string is escaped; no script, no external resources.
import type { Report, Severity } from '../core/schema.js';
import { type Document, type DocumentOptions, type Inline } from './document.js';
import { documentFor } from './index.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const COLORS: Record<Severity, string> = { critical: '#8b008b', error: '#c0392b', warning: '#b7791f', info: '#2b6cb0', ok: '#2f855a' };

function inline(parts: readonly Inline[]): string {
  const e = escapeHtml;
  return parts.map((p) => (typeof p === 'string' ? e(p) : 'dim' in p ? `<span class="dim">${e(p.dim)}</span>` : `<b>${e(p.bold)}</b>`)).join('');
}

export function htmlOf(doc: Document): string {
  const e = escapeHtml;
  const title = `${doc.title}: ${doc.shortSubject}`;
  const findings = doc.findings
    .map((f) => {
      const mtas = f.fix.perMta.map((m) => `<li>${m.mta}: <ul>${m.steps.map((x) => `<li>${e(x)}</li>`).join('')}</ul></li>`).join('');
      return `<section class="finding"><h3><span class="sev" style="background:${COLORS[f.severity]}">${f.label}</span> ${e(f.title)} <code>${e(f.id)}</code></h3>
<p class="hosts">${f.hosts.map(e).join(', ')}</p><p>${e(f.detail)}</p>
${f.severity === 'ok' ? '' : `${f.senders ? `<p><b>Opportunistic senders:</b> ${e(f.senders.opportunistic)}</p><p><b>Verifying / forced-TLS senders:</b> ${e(f.senders.verifying)}</p>\n` : ''}<p><b>Who acts:</b> ${e(f.actor)}</p><p><b>Fix:</b> ${e(f.fix.summary)}</p><ul>${f.fix.steps.map((s) => `<li>${e(s)}</li>`).join('')}${mtas}</ul>`}
${f.refs.length ? `<p class="refs">${f.refs.map(e).join('; ')}</p>` : ''}</section>`;
    })
    .join('\n');
  const table = doc.summary
    ? `<table><thead><tr>${doc.summary.header.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>\n${doc.summary.rows
        .map((r) => `<tr>${r.map((c) => `<td${c.verdict ? ` class="v-${c.verdict}"` : ''}>${e(c.text)}</td>`).join('')}</tr>`)
        .join('\n')}\n</tbody></table>`
    : '';
  const details = doc.details
    ? `<h2>${e(doc.details.heading)}</h2>\n${doc.details.sections
        .map((s) => `<section class="host"><h3>${e(s.heading)}</h3><ul>${s.lines.map((l) => `<li class="d${l.depth}">${inline(l.parts)}</li>`).join('')}</ul></section>`)
        .join('\n')}`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
.sev{color:#fff;padding:0 .4rem;border-radius:3px;font-size:.8em}.hosts,.refs,.dim{color:#555;font-size:.9em}pre{background:#f6f6f6;padding:1rem;overflow:auto}
.v-fail{color:#c0392b;font-weight:bold}.v-warn{color:#b7791f}.v-pass{color:#2f855a}.host ul{list-style:none;padding-left:0}.d2{padding-left:1.5rem}.d3{padding-left:3rem}</style></head>
<body><h1>${e(title)}</h1>
<p><b>Verdict: ${e(doc.verdict.toUpperCase())}</b> — ${e(doc.reason)}</p>
<p>${e(doc.verdictNote)} · ${e(doc.startedAt)} · ${(doc.durationMs / 1000).toFixed(2)} s · ${doc.meta.map(e).join(' · ')}</p>
${doc.context.map((l) => `<p>${inline(l.parts)}</p>`).join('\n')}
${table}
<h2>Findings, worst first</h2>
${findings || '<p>No findings.</p>'}
${details}
${doc.transcript !== null ? `<h2>Transcript</h2><pre>${e(doc.transcript)}</pre>` : ''}
</body></html>
`;
}

export function renderHtml(report: Report, options: DocumentOptions = {}): string {
  return htmlOf(documentFor(report, options));
}
