// Document → Markdown (tickets, wikis, chat). Every string is escaped.
import type { Report } from '../core/schema.js';
import { plainParts, type Document, type DocumentOptions } from './document.js';
import { documentFor } from './index.js';

/** Escapes Markdown and inline HTML so hostile text cannot format or inject (input is already terminal-safe). */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
}

export function markdownOf(doc: Document): string {
  const out: string[] = [];
  out.push(`# ${doc.title}: ${md(doc.shortSubject)}`, '');
  out.push(`**Verdict: ${doc.verdict.toUpperCase()}** — ${md(doc.reason)}`, '');
  out.push(`${md(doc.verdictNote)} · ${md(doc.startedAt)} · ${(doc.durationMs / 1000).toFixed(2)} s · ${doc.meta.map(md).join(' · ')}`, '');
  for (const l of doc.context) out.push(md(plainParts(l.parts).trim()), '');
  if (doc.summary) {
    out.push(`| ${doc.summary.header.join(' | ')} |`, `|${doc.summary.header.map(() => '---').join('|')}|`);
    for (const r of doc.summary.rows) out.push(`| ${r.map((c) => md(c.text)).join(' | ')} |`);
    out.push('');
  }
  const shown = doc.findings.filter((f) => f.severity !== 'ok');
  if (shown.length) out.push('## Findings, worst first', '');
  for (const f of shown) {
    out.push(`### ${f.label}: ${md(f.title)} (\`${f.id}\`)`, '');
    if (f.hosts.length) out.push(`*On:* ${f.hosts.map(md).join(', ')}`, '');
    out.push(md(f.detail), '');
    if (f.senders) out.push(`- **Opportunistic senders:** ${md(f.senders.opportunistic)}`, `- **Verifying / forced-TLS senders:** ${md(f.senders.verifying)}`);
    out.push(`- **Who acts:** ${f.actor}`, `- **Fix:** ${md(f.fix.summary)}`);
    for (const s of f.fix.steps) out.push(`  - ${md(s)}`);
    for (const m of f.fix.perMta) out.push(`  - ${m.mta}:`, ...m.steps.map((x) => `    - ${md(x)}`));
    if (f.refs.length) out.push(`- **Refs:** ${f.refs.map(md).join('; ')}`);
    out.push('');
  }
  const ok = doc.findings.filter((f) => f.severity === 'ok');
  if (ok.length) {
    out.push('## What is right', '');
    for (const f of ok) out.push(`- ${md(f.title)} (\`${f.id}\`)`);
    out.push('');
  }
  if (doc.details) {
    out.push(`## ${doc.details.heading}`, '');
    for (const s of doc.details.sections) {
      out.push(`### ${md(s.heading)}`, '');
      for (const l of s.lines) out.push(`${'  '.repeat(Math.max(0, l.depth - 1))}- ${md(plainParts(l.parts).trimEnd())}`);
      out.push('');
    }
  }
  if (doc.transcript !== null) out.push('## Transcript', '', '```', doc.transcript.replace(/```/g, "'''"), '```', '');
  return out.join('\n');
}

export function renderMarkdown(report: Report, options: DocumentOptions = {}): string {
  return markdownOf(documentFor(report, options));
}
