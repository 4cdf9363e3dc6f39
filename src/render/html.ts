// Report → a standalone HTML page. Every string is escaped; no script, no external resources.
import type { Report, Severity } from '../core/schema.js';
import { SUMMARY_HEADER, renderTranscript, summaryRow } from './text.js';
import { plainStyle } from './style.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const COLORS: Record<Severity, string> = { critical: '#8b008b', error: '#c0392b', warning: '#b7791f', info: '#2b6cb0', ok: '#2f855a' };

export function renderHtml(report: Report, options: { verbose?: boolean } = {}): string {
  const e = escapeHtml;
  const t = report.target;
  const title = `mxray receiver test: ${t.domain ?? t.host ?? t.input}`;
  const rows = report.hosts.map((h) => `<tr>${summaryRow(h, plainStyle).map((c) => `<td>${e(c)}</td>`).join('')}</tr>`).join('\n');
  const findings = report.findings
    .map((f) => {
      const mtas = ([['Exchange', f.remediation.exchange], ['Postfix', f.remediation.postfix], ['Exim', f.remediation.exim]] as const)
        .filter(([, s]) => s?.length)
        .map(([m, s]) => `<li>${m}: <ul>${s!.map((x) => `<li>${e(x)}</li>`).join('')}</ul></li>`)
        .join('');
      return `<section class="finding"><h3><span class="sev" style="background:${COLORS[f.severity]}">${f.severity.toUpperCase()}</span> ${e(f.title)} <code>${e(f.id)}</code></h3>
<p class="hosts">${f.hosts.map(e).join(', ')}</p><p>${e(f.detail)}</p>
${f.severity === 'ok' ? '' : `<p><b>Opportunistic senders:</b> ${e(f.opportunistic)}</p><p><b>Verifying / forced-TLS senders:</b> ${e(f.verifying)}</p>
<p><b>Who acts:</b> ${e(f.actor)}</p><p><b>Fix:</b> ${e(f.remediation.summary)}</p><ul>${f.remediation.steps.map((s) => `<li>${e(s)}</li>`).join('')}${mtas}</ul>`}
${f.refs.length ? `<p class="refs">${f.refs.map(e).join('; ')}</p>` : ''}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
.sev{color:#fff;padding:0 .4rem;border-radius:3px;font-size:.8em}.hosts,.refs{color:#555;font-size:.9em}pre{background:#f6f6f6;padding:1rem;overflow:auto}</style></head>
<body><h1>${e(title)}</h1>
<p><b>Verdict: ${e(report.verdict.toUpperCase())}</b> · ${e(report.startedAt)} · ${(report.durationMs / 1000).toFixed(2)} s</p>
${rows ? `<table><thead><tr>${SUMMARY_HEADER.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>\n${rows}\n</tbody></table>` : ''}
<h2>Findings, worst first</h2>
${findings || '<p>No findings.</p>'}
${options.verbose ? `<h2>Transcript</h2><pre>${e(renderTranscript(report))}</pre>` : ''}
</body></html>
`;
}
