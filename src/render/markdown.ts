// Report → Markdown (tickets, wikis, chat). Every server-supplied string is escaped.
import type { Report } from '../core/schema.js';
import { SUMMARY_HEADER, renderTranscript, summaryRow } from './text.js';
import { plainStyle, safe } from './style.js';

/** Escapes Markdown and inline HTML so hostile text cannot format or inject. */
export function md(text: string): string {
  return safe(text, 2000).replace(/[\\`*_{}[\]()#+\-.!|<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
}

export function renderMarkdown(report: Report, options: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  const t = report.target;
  out.push(`# mxray receiver test: ${md(t.domain ?? t.host ?? t.input)}`, '');
  out.push(`**Verdict: ${report.verdict.toUpperCase()}** · ${md(report.startedAt)} · ${(report.durationMs / 1000).toFixed(2)} s · profile ${md(report.profile)}`, '');
  if (report.hosts.length) {
    out.push(`| ${SUMMARY_HEADER.join(' | ')} |`, `|${SUMMARY_HEADER.map(() => '---').join('|')}|`);
    for (const h of report.hosts) out.push(`| ${summaryRow(h, plainStyle).map(md).join(' | ')} |`);
    out.push('');
  }
  const shown = report.findings.filter((f) => f.severity !== 'ok');
  if (shown.length) out.push('## Findings, worst first', '');
  for (const f of shown) {
    out.push(`### ${f.severity.toUpperCase()}: ${md(f.title)} (\`${f.id}\`)`, '');
    if (f.hosts.length) out.push(`*On:* ${f.hosts.map(md).join(', ')}`, '');
    out.push(md(f.detail), '');
    if (f.severity !== 'info') {
      out.push(`- **Opportunistic senders:** ${md(f.opportunistic)}`, `- **Verifying / forced-TLS senders:** ${md(f.verifying)}`);
    }
    out.push(`- **Who acts:** ${f.actor}`, `- **Fix:** ${md(f.remediation.summary)}`);
    for (const s of f.remediation.steps) out.push(`  - ${md(s)}`);
    for (const [mta, steps] of [['Exchange', f.remediation.exchange], ['Postfix', f.remediation.postfix], ['Exim', f.remediation.exim]] as const) {
      if (steps?.length) out.push(`  - ${mta}:`, ...steps.map((x) => `    - ${md(x)}`));
    }
    if (f.refs.length) out.push(`- **Refs:** ${f.refs.map(md).join('; ')}`);
    out.push('');
  }
  const ok = report.findings.filter((f) => f.severity === 'ok');
  if (ok.length) {
    out.push('## What is right', '');
    for (const f of ok) out.push(`- ${md(f.title)} (\`${f.id}\`)`);
    out.push('');
  }
  if (options.verbose) out.push('## Transcript', '', '```', renderTranscript(report).replace(/```/g, "'''"), '```', '');
  return out.join('\n');
}
