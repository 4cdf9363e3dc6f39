// The document model every renderer shares. A kind of report turns its body into a Document;
// text, Markdown and HTML are thin back ends over it, so each block (the summary table, a finding
// with its per-MTA fix steps, the details, the transcript) is laid out once, here.
// All strings in a Document are already safe for a terminal (control characters escaped, long
// server texts clipped); back ends only add their own markup and escaping.
import type { Finding, Report, Severity, Verdict } from '../core/schema.js';
import { safe } from './style.js';

/** A piece of a line: plain, or a hint for the back end's styling. */
export type Inline = string | { dim: string } | { bold: string };

export interface Line {
  /** Nesting depth: 0 at the section's margin. */
  depth: number;
  parts: Inline[];
}

export interface Cell {
  text: string;
  /** A verdict cell is coloured by its verdict. */
  verdict?: Verdict;
}

export interface DocTable {
  header: string[];
  rows: Cell[][];
}

export interface DetailSection {
  heading: string;
  lines: Line[];
}

export interface FindingView {
  id: string;
  severity: Severity;
  /** 'ERROR', 'WARNING' … */
  label: string;
  title: string;
  hosts: string[];
  detail: string;
  /** What senders do (left out for notes and good news). */
  senders: { opportunistic: string; verifying: string } | null;
  actor: Finding['actor'];
  /** "them (the receiving domain's mail administrators)" … */
  who: string;
  fix: { summary: string; steps: string[]; perMta: { mta: 'Exchange' | 'Postfix' | 'Exim'; steps: string[] }[] };
  refs: string[];
}

export interface Document {
  /** "mxray receiver test" */
  title: string;
  /** What was tested, for people: "mail domain example.com". */
  subject: string;
  /** The short name of the target, for a page title: "example.com". */
  shortSubject: string;
  startedAt: string;
  durationMs: number;
  /** "profile mxray-2026.11 v1" */
  meta: string[];
  verdict: Verdict;
  /** "2 errors, 1 warning" */
  verdictNote: string;
  /** Lines under the verdict (the MX records and the resolver …). */
  context: Line[];
  summary: DocTable | null;
  /** Worst first. */
  findings: FindingView[];
  /** Shown unless brief. */
  details: { heading: string; sections: DetailSection[] } | null;
  transcript: string | null;
}

export interface DocumentOptions {
  verbose?: boolean;
  /** Leave out the per-host details (the demo's overview uses this). */
  brief?: boolean;
}

const SEV_LABEL: Record<Severity, string> = { critical: 'CRITICAL', error: 'ERROR', warning: 'WARNING', info: 'INFO', ok: 'OK' };
const WHO: Record<Finding['actor'], string> = {
  us: 'us (the network we test from)',
  them: "them (the receiving domain's mail administrators)",
  either: 'either side (see the detail)',
};

export function findingView(f: Finding): FindingView {
  const perMta: FindingView['fix']['perMta'] = [];
  for (const [mta, steps] of [
    ['Exchange', f.remediation.exchange],
    ['Postfix', f.remediation.postfix],
    ['Exim', f.remediation.exim],
  ] as const) {
    if (steps?.length) perMta.push({ mta, steps: steps.map((s) => safe(s, 1000)) });
  }
  return {
    id: f.id,
    severity: f.severity,
    label: SEV_LABEL[f.severity],
    title: safe(f.title, 400),
    hosts: f.hosts.map((h) => safe(h, 80)),
    detail: safe(f.detail, 2000),
    senders: f.severity === 'ok' || f.severity === 'info' ? null : { opportunistic: safe(f.opportunistic, 1000), verifying: safe(f.verifying, 1000) },
    actor: f.actor,
    who: WHO[f.actor],
    fix: { summary: safe(f.remediation.summary, 1000), steps: f.remediation.steps.map((s) => safe(s, 1000)), perMta },
    refs: f.refs.map((r) => safe(r, 200)),
  };
}

/** "2 errors, 1 warning, 1 note", or "no problems found". */
export function countLine(findings: readonly Finding[]): string {
  const n = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const parts = [
    n('critical') && `${n('critical')} critical`,
    n('error') && `${n('error')} error${n('error') > 1 ? 's' : ''}`,
    n('warning') && `${n('warning')} warning${n('warning') > 1 ? 's' : ''}`,
    n('info') && `${n('info')} note${n('info') > 1 ? 's' : ''}`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no problems found';
}

/** The transcript with millisecond offsets, one event per line. */
export function transcriptText(report: Pick<Report, 'transcript'>): string {
  const who = (k: string) => (k === 'send' ? 'C:' : k === 'recv' ? 'S:' : `${k}:`);
  // Escaped at capture, and again here: a saved report is a file anyone can write.
  return report.transcript.map((e) => `[${(e.t / 1000).toFixed(3).padStart(7, '0')}] ${safe(e.conn, 100)}  ${who(e.kind)} ${safe(e.text, 1100)}`).join('\n');
}

export const line = (depth: number, ...parts: Inline[]): Line => ({ depth, parts });

/** The plain text of a line's parts, without styling. */
export function plainParts(parts: readonly Inline[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : 'dim' in p ? p.dim : p.bold)).join('');
}
