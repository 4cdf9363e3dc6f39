// Document → text for a person, fitted to the terminal's width: the verdict with its reason and the
// summary table first, then the problems worst first, each with its one-line fix (in full with
// `explain`), what is right, then on request the details and the transcript. Pure: no I/O, no clock.
import type { Report } from '../core/schema.js';
import type { Document, DocumentOptions, FindingView, Inline, Line } from './document.js';
import { plainParts } from './document.js';
import { documentFor } from './index.js';
import { plainStyle, table, wrap, type Style } from './style.js';

export interface TextOptions extends DocumentOptions {
  style?: Style;
  /** Columns to fit (the terminal's width; 100 when unknown). */
  width?: number;
}

export const DEFAULT_WIDTH = 100;
/** Narrower than this, nothing fits anyway: wrap as if this wide. */
const MIN_WIDTH = 40;
/** The column findings' text starts at: after "CRITICAL ". */
const INDENT = 9;

interface Out {
  style: Style;
  width: number;
  lines: string[];
}

/** A paragraph wrapped with a hanging indent; `lead` (already styled) starts the first line. */
function para(o: Out, text: string, indent: number, lead = '', leadWidth = indent): void {
  const lines = wrap(text, o.width, indent, leadWidth);
  o.lines.push(lead + lines[0]!, ...lines.slice(1));
}

function inline(parts: readonly Inline[], style: Style): string {
  return parts.map((p) => (typeof p === 'string' ? p : 'dim' in p ? style.dim(p.dim) : style.bold(p.bold))).join('');
}

/**
 * A details line. Plain: wrapped with a hanging indent. Styled: as it comes when it fits; else its
 * first part stands as a label (an extension's keyword) and the rest wraps beside it.
 */
function detailLine(o: Out, l: Line): void {
  const indent = 2 * l.depth;
  const margin = ' '.repeat(indent);
  if (l.parts.every((p) => typeof p === 'string')) return para(o, plainParts(l.parts), indent + 2, margin, indent);
  if (plainParts(l.parts).length + indent <= o.width) {
    o.lines.push(margin + inline(l.parts, o.style));
    return;
  }
  const [label, ...rest] = l.parts;
  const labelText = typeof label === 'string' ? label : plainParts([label!]);
  const hang = indent + labelText.length;
  // A label too wide to leave room beside it: the rest goes under it instead.
  if (o.width - hang < 30) return para(o, plainParts(l.parts), indent + 2, margin, indent);
  const lines = wrap(plainParts(rest), o.width, hang, hang);
  const dim = rest.every((p) => typeof p !== 'string' && 'dim' in p);
  const paint = (t: string) => (dim ? o.style.dim(t) : t);
  o.lines.push(margin + inline([label!], o.style) + paint(lines[0]!), ...lines.slice(1).map((x) => ' '.repeat(hang) + paint(x.slice(hang))));
}

function findingLines(o: Out, f: FindingView, explain: boolean): void {
  const { style } = o;
  const pad = ' '.repeat(INDENT);
  const lead = `${style.severity(f.severity, f.label.padEnd(INDENT - 1))} `;
  para(o, `${f.title}`, INDENT, lead, INDENT);
  // Good news, and (unless explaining) notes: the title says it all.
  if (f.severity === 'ok' || (f.severity === 'info' && !explain)) return;
  if (f.hosts.length > 1) para(o, `on ${f.hosts.join(', ')}`, INDENT + 3, pad, INDENT);
  if (explain) {
    para(o, f.detail, INDENT, pad, INDENT);
    for (const h of f.perHost) para(o, `${h.host}: ${h.detail}`, INDENT + 2, pad, INDENT);
    if (f.senders) {
      para(o, `Opportunistic senders: ${f.senders.opportunistic}`, INDENT + 2, pad, INDENT);
      para(o, `Verifying / forced-TLS senders: ${f.senders.verifying}`, INDENT + 2, pad, INDENT);
    }
    para(o, `Who acts: ${f.who}`, INDENT + 2, pad, INDENT);
  }
  para(o, `Fix: ${f.fix.summary}`, INDENT + 5, pad, INDENT);
  if (explain) {
    for (const s of f.fix.steps) para(o, `- ${s}`, INDENT + 4, `${pad}  `, INDENT + 2);
    for (const m of f.fix.perMta) {
      o.lines.push(`${pad}  ${m.mta}:`);
      for (const s of m.steps) para(o, `- ${s}`, INDENT + 6, `${pad}    `, INDENT + 4);
    }
    if (f.refs.length) para(o, `Refs: ${f.refs.join('; ')}`, INDENT + 2, pad, INDENT);
    para(o, `[${f.id}]`, INDENT, pad, INDENT);
  } else {
    // The recognised software's first step: the one fix most readers need.
    const own = f.software ? f.fix.perMta.find((m) => m.mta === f.software) : undefined;
    if (own?.steps[0]) para(o, `${own.mta}: ${own.steps[0]}`, INDENT + 2, pad, INDENT);
  }
}

export function textOf(doc: Document, style: Style = plainStyle, columns = DEFAULT_WIDTH): string {
  const o: Out = { style, width: Math.max(MIN_WIDTH, Math.floor(columns)), lines: [] };
  const out = o.lines;
  para(o, `${doc.title} — ${doc.subject} — ${doc.startedAt.replace('T', ' ').replace(/(:\d\d)?\.\d+Z$/, ' UTC')}, ${(doc.durationMs / 1000).toFixed(2)} s`, 2);
  const word = doc.verdictWord ?? doc.verdict.toUpperCase();
  para(o, doc.reason, 2, `${style.verdict(doc.verdict, style.bold(word))} — `, word.length + 3);
  for (const l of doc.context) detailLine(o, l);
  out.push('');
  if (doc.summary) {
    const rows = doc.summary.rows.map((r) => r.map((c) => c.text));
    const paint = (row: number, col: number, text: string) => {
      const v = doc.summary!.rows[row]?.[col]?.verdict;
      return v ? style.verdict(v, text) : text;
    };
    out.push(table(doc.summary.header, rows, style, o.width, paint), '');
  }
  const problems = doc.findings.filter((f) => f.severity !== 'ok' && f.severity !== 'info');
  const notes = doc.findings.filter((f) => f.severity === 'info');
  const good = doc.findings.filter((f) => f.severity === 'ok');
  if (problems.length) {
    out.push(style.bold('Problems, worst first'));
    for (const f of problems) findingLines(o, f, doc.explain);
    out.push('');
  }
  if (notes.length) {
    out.push(style.bold('Notes'));
    for (const f of notes) findingLines(o, f, doc.explain);
    out.push('');
  }
  if (good.length) {
    out.push(style.bold('What is right'));
    for (const f of good) findingLines(o, f, doc.explain);
    out.push('');
  }
  if (doc.details) {
    out.push(style.bold(doc.details.heading));
    for (const s of doc.details.sections) {
      out.push(style.bold(s.heading));
      for (const l of s.lines) detailLine(o, l);
      out.push('');
    }
  }
  if (doc.transcript !== null) {
    // One event per line, long server lines wrapped under their text (after "[000.123] ").
    out.push(style.bold('Transcript'));
    for (const l of doc.transcript.split('\n')) para(o, l, 10, '', 0);
    out.push('');
  }
  const more = [
    !doc.details && doc.summary ? `--details (${doc.detailsHint ?? 'per address: banner, extensions, chain, thumbprints'})` : null,
    !doc.explain && problems.length ? '--explain (what senders do, every step, every MTA)' : null,
    doc.transcript === null ? '--verbose (all of it, with the transcript)' : null,
  ].filter((x): x is string => x !== null);
  if (more.length && (problems.length || doc.summary)) para(o, `More: ${more.join(' · ')}`, 6, '', 0);
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

export function renderText(report: Report, options: TextOptions = {}): string {
  return textOf(documentFor(report, options), options.style ?? plainStyle, options.width ?? DEFAULT_WIDTH);
}
