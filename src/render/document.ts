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

/**
 * A small chart over time: one bar per label, its series stacked (the first at the bottom). HTML
 * draws it as inline SVG; text and Markdown leave it out (a kind that wants a text form puts a line
 * in `context`). Labels and names are already terminal-safe, like every Document string.
 */
export interface DocChart {
  title: string;
  /** One per bar, oldest first ("2026-03-01"). */
  labels: string[];
  /** Stacked bottom to top; each holds one value per label. `tone` picks the colour. */
  series: { name: string; tone: 'ok' | 'bad'; values: number[] }[];
  /** A line under the chart ("the last 366 days"). */
  note?: string;
}

/**
 * Shares over time (HTML only): one line per series, each value 0..1 or null (a gap). Drawn as
 * inline SVG with a tooltip per point; strings already terminal-safe.
 */
export interface DocShareChart {
  title: string;
  /** One per point on the x axis, oldest first. */
  labels: string[];
  /** The first series is drawn boldest (the total). */
  series: { name: string; values: (number | null)[] }[];
  note?: string;
}

/**
 * The header analyzer's picture (HTML only): the delay per hop as bars (a negative delay, from a
 * skewed clock, drawn as such) and the hops on a timeline. Strings already terminal-safe.
 */
export interface DocHopChart {
  title: string;
  /** Oldest first. `at`: the hop's moment (ISO), null when its date was unreadable. */
  hops: { label: string; delaySeconds: number | null; at: string | null; tls: 'tls' | 'clear' | 'unknown'; crossing: boolean }[];
  /** The Date field's moment, the timeline's start when present. */
  start: string | null;
  note?: string;
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
  /** Each host's own detail, when the finding is on several hosts and their details differ (else empty). */
  perHost: { host: string; detail: string }[];
  actor: Finding['actor'];
  /** "them (the receiving domain's mail administrators)" … */
  who: string;
  /** perMta: the recognised receiving software's steps first (see `software`). */
  fix: { summary: string; steps: string[]; perMta: { mta: string; steps: string[] }[] };
  /** The receiving software recognised on the finding's hosts ("Postfix"), whose steps come first; null when unknown or mixed. */
  software: string | null;
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
  /** Why, in one sentence: "mx-down refuses connections; mail is delivered to mx-backup with verified TLS 1.3". */
  reason: string;
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
  /** Findings in full (what senders do, every step, every MTA's steps, references); otherwise title and one-line fix. */
  explain: boolean;
  /** What --details adds, in a few words (default: the receiver test's per-address details). */
  detailsHint?: string;
  /** A chart under the summary table (HTML only). */
  chart?: DocChart | null;
  /** Shares over time, one line per series (HTML only). */
  shareChart?: DocShareChart | null;
  /** The delay per hop and a timeline (HTML only). */
  hopChart?: DocHopChart | null;
  /** The verdict's word when the verdict vocabulary does not fit the kind ("EXPLAINED"); default: the verdict in capitals. */
  verdictWord?: string;
}

export interface DocumentOptions {
  /** Everything: details, full explanations and the transcript. */
  verbose?: boolean;
  /** Leave out the per-host details (the default on a terminal; the demo's overview). */
  brief?: boolean;
  /** Explain every finding in full (implied by verbose). */
  explain?: boolean;
  /** The summary's rows per remote host instead of per domain, where a kind has both (mxray logs --by host). */
  summaryBy?: 'domain' | 'host';
}

const SEV_LABEL: Record<Severity, string> = { critical: 'CRITICAL', error: 'ERROR', warning: 'WARNING', info: 'INFO', ok: 'OK' };
const WHO: Record<Finding['actor'], string> = {
  us: 'us (the network we test from)',
  them: "them (the receiving domain's mail administrators)",
  either: 'either side (see the detail)',
};

/** Which per-MTA steps of the catalogue apply to recognised software (kb/software.ts remediationKey). */
export type RemediationKey = 'exchange' | 'postfix' | 'exim';

export interface FindingContext {
  /** Each host's own detail (host key → detail), when the finding is on several hosts. */
  perHost?: { host: string; detail: string }[];
  /** The software recognised on the finding's hosts: its steps come first. */
  software?: { name: string; remediationKey: RemediationKey | null } | null;
  /** Who "us" is in this kind of report (default: the network we test from). */
  us?: string;
}

export function findingView(f: Finding, ctx: FindingContext = {}): FindingView {
  const perMta: FindingView['fix']['perMta'] = [];
  const lists = [
    ['exchange', 'Exchange', f.remediation.exchange],
    ['postfix', 'Postfix', f.remediation.postfix],
    ['exim', 'Exim', f.remediation.exim],
  ] as const;
  const first = ctx.software?.remediationKey ?? null;
  for (const [key, mta, steps] of [...lists.filter((l) => l[0] === first), ...lists.filter((l) => l[0] !== first)]) {
    if (steps?.length) perMta.push({ mta: key === first && ctx.software ? safe(ctx.software.name, 60) : mta, steps: steps.map((s) => safe(s, 1000)) });
  }
  const details = ctx.perHost ?? [];
  const differ = new Set(details.map((d) => d.detail)).size > 1;
  return {
    id: f.id,
    severity: f.severity,
    label: SEV_LABEL[f.severity],
    title: safe(f.title, 400),
    hosts: f.hosts.map((h) => safe(h, 80)),
    detail: safe(f.detail, 2000),
    perHost: differ ? details.map((d) => ({ host: safe(d.host, 80), detail: safe(d.detail, 2000) })) : [],
    senders: f.severity === 'ok' || f.severity === 'info' ? null : { opportunistic: safe(f.opportunistic, 1000), verifying: safe(f.verifying, 1000) },
    actor: f.actor,
    who: f.actor === 'us' && ctx.us ? ctx.us : WHO[f.actor],
    fix: { summary: safe(f.remediation.summary, 1000), steps: f.remediation.steps.map((s) => safe(s, 1000)), perMta },
    software: first && ctx.software ? safe(ctx.software.name, 60) : null,
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
