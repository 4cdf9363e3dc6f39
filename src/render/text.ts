// Document → text for a person: verdict and summary table first, findings worst first with their
// fix, details, then (verbose) the transcript with millisecond offsets. Pure: no I/O, no clock.
import type { Report } from '../core/schema.js';
import type { Document, DocumentOptions, FindingView, Inline, Line } from './document.js';
import { documentFor } from './index.js';
import { plainStyle, table, type Style } from './style.js';

export interface TextOptions extends DocumentOptions {
  style?: Style;
}

function inline(parts: readonly Inline[], style: Style): string {
  return parts.map((p) => (typeof p === 'string' ? p : 'dim' in p ? style.dim(p.dim) : style.bold(p.bold))).join('');
}

function textLine(l: Line, style: Style): string {
  return `${'  '.repeat(l.depth)}${inline(l.parts, style)}`;
}

function findingLines(f: FindingView, style: Style): string[] {
  const where = f.hosts.length ? `  ${style.dim(f.hosts.join(', '))}` : '';
  const out = [`${style.severity(f.severity, f.label.padEnd(8))} ${style.bold(f.title)}  ${style.dim(`[${f.id}]`)}${where}`];
  if (f.severity === 'ok') return out;
  const indent = '         ';
  out.push(`${indent}${f.detail}`);
  if (f.senders) {
    out.push(`${indent}${style.bold('Opportunistic senders:')} ${f.senders.opportunistic}`);
    out.push(`${indent}${style.bold('Verifying / forced-TLS senders:')} ${f.senders.verifying}`);
  }
  out.push(`${indent}${style.bold('Who acts:')} ${f.who}`);
  out.push(`${indent}${style.bold('Fix:')} ${f.fix.summary}`);
  for (const s of f.fix.steps) out.push(`${indent}  - ${s}`);
  for (const m of f.fix.perMta) out.push(`${indent}  ${m.mta}:`, ...m.steps.map((s) => `${indent}    - ${s}`));
  if (f.refs.length) out.push(`${indent}${style.dim(`Refs: ${f.refs.join('; ')}`)}`);
  return out;
}

export function textOf(doc: Document, style: Style = plainStyle): string {
  const out: string[] = [];
  out.push(`${style.bold(doc.title)} — ${doc.subject} — ${doc.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, ${(doc.durationMs / 1000).toFixed(2)} s`);
  out.push(`Verdict: ${style.verdict(doc.verdict, doc.verdict.toUpperCase())} — ${doc.verdictNote}`);
  for (const l of doc.context) out.push(textLine(l, style));
  out.push('');
  if (doc.summary) {
    const rows = doc.summary.rows.map((r) => r.map((c) => (c.verdict ? style.verdict(c.verdict, c.text) : c.text)));
    out.push(table(doc.summary.header, rows, style), '');
  }
  const shown = doc.findings.filter((f) => f.severity !== 'ok');
  if (shown.length) {
    out.push(style.bold(shown.some((f) => f.severity !== 'info') ? 'Findings, worst first' : 'Notes'));
    for (const f of shown) out.push(...findingLines(f, style), '');
  }
  const good = doc.findings.filter((f) => f.severity === 'ok');
  if (good.length) {
    out.push(style.bold('What is right'));
    for (const f of good) out.push(...findingLines(f, style));
    out.push('');
  }
  if (doc.details) {
    out.push(style.bold(doc.details.heading));
    for (const s of doc.details.sections) out.push(style.bold(s.heading), ...s.lines.map((l) => textLine(l, style)), '');
  }
  if (doc.transcript !== null) out.push(style.bold('Transcript'), doc.transcript, '');
  return out.join('\n').replace(/\n+$/, '\n');
}

export function renderText(report: Report, options: TextOptions = {}): string {
  return textOf(documentFor(report, options), options.style ?? plainStyle);
}
