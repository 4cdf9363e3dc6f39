// `mxray tlsrpt`: RFC 8460 aggregate reports read from what the caller hands in (a name and the
// bytes: jobs never touch the file system), summed and judged. Each input is recognised by its
// content, not its name: a gzip stream (expanded within a bound), a JSON text, an mbox ("From "
// first) or a single mail (a header field first). Every input that gives no report is counted and
// named (which file, which message, which attachment, why); none stops the others.
import type { Clock } from '../../core/context.js';
import type { TlsRptReport } from '../../core/schema.js';
import type { TlsRptProblem, TlsRptProblemCode } from '../../core/tlsrpt-schema.js';
import { Transcript } from '../../core/transcript.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { TLSRPT_CHECKS } from '../../checks/registry.js';
import { parseTlsRptReport, REPORT_LIMITS, summariseReports, type ReadReport } from '../../checks/tlsrpt/index.js';
import { verdictOf } from '../../checks/verdict.js';
import { DEFAULT_PROFILE } from '../../kb/profiles.js';
import { sortFindings } from '../../kb/index.js';
import { gunzipBounded, isGzip } from './gunzip.js';
import { looksLikeMessage, readMessage, splitMbox } from '../mime.js';

export interface TlsRptInput {
  /** The name shown for it (the path as given, or found in a folder). */
  name: string;
  bytes: Uint8Array;
}

export interface TlsRptOptions {
  inputs: readonly TlsRptInput[];
  /** Inputs the caller could not hand in (too large, not a regular file): counted and named. */
  unreadable?: readonly { name: string; problem: TlsRptProblemCode; detail: string }[];
  /** Bounds the caller reached (a folder walk). */
  limits?: readonly string[];
  /** What the report says it looked at (default: the input names). */
  target?: string;
  clock?: Clock;
}

export interface TlsRptEdges {
  clock: Clock;
}

export const INPUT_LIMITS = {
  /** One input file (a JSON report, a gzip file, a mail or an mbox). */
  fileBytes: 256 * 1024 * 1024,
  /** Report documents read in one run, over every input. */
  documents: 1_000_000,
} as const;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

interface Reader {
  reports: ReadReport[];
  problems: TlsRptProblem[];
  limits: string[];
  messages: number;
}

/** A report document's bytes (JSON, or gzip holding JSON), read into the reader. */
function readDocument(r: Reader, source: string, bytes: Uint8Array): void {
  if (r.reports.length >= INPUT_LIMITS.documents) {
    if (r.limits.length < 50 && !r.limits.some((l) => l.startsWith('more than'))) r.limits.push(`more than ${INPUT_LIMITS.documents} reports: the rest not read`);
    return;
  }
  let json = bytes;
  if (isGzip(bytes)) {
    const g = gunzipBounded(bytes, REPORT_LIMITS.reportBytes);
    if (!g.ok) {
      r.problems.push({ source, problem: g.problem, detail: g.detail });
      return;
    }
    json = g.bytes;
  } else if (bytes.length > REPORT_LIMITS.reportBytes) {
    r.problems.push({ source, problem: 'too-large', detail: `${bytes.length} bytes, more than the ${REPORT_LIMITS.reportBytes / 1024 / 1024} MiB a report may be` });
    return;
  }
  let text: string;
  try {
    text = fatalUtf8.decode(json);
  } catch {
    r.problems.push({ source, problem: 'not-json', detail: isGzip(bytes) ? 'the gzip stream does not hold UTF-8 text' : 'not UTF-8 text' });
    return;
  }
  const parsed = parseTlsRptReport(text);
  if (parsed.ok) r.reports.push({ source, report: parsed.report });
  else r.problems.push({ source, problem: parsed.problem, detail: parsed.detail });
}

/** One mail: its report attachments read, or why it has none. */
function readMail(r: Reader, source: string, raw: string): void {
  r.messages++;
  const m = readMessage(raw);
  const where = m.messageId ? `${source} ${m.messageId}` : source;
  for (const a of m.reports) readDocument(r, `${where} attachment ${a.name}`, a.bytes);
  if (m.reports.length === 0) {
    const had = m.others.length ? `only ${m.others.map((o) => (o.name === o.type ? o.type : `${o.name} (${o.type})`)).slice(0, 5).join(', ')}` : 'no parts';
    const bad = m.problems.length ? `; ${m.problems.slice(0, 3).join('; ')}` : '';
    r.problems.push({ source: where, problem: m.problems.length ? 'bad-mime' : 'no-report', detail: `no TLS-RPT report attached: ${had}${bad}`.slice(0, 500) });
  } else if (m.problems.length) {
    r.limits.push(`${where.slice(0, 150)}: ${m.problems[0]!.slice(0, 140)}`);
  }
}

/** One input, recognised by its first bytes. */
function readInput(r: Reader, input: TlsRptInput): void {
  const b = input.bytes;
  if (b.length > INPUT_LIMITS.fileBytes) {
    r.problems.push({ source: input.name, problem: 'too-large', detail: `${b.length} bytes, more than the ${INPUT_LIMITS.fileBytes / 1024 / 1024} MiB mxray reads from one file` });
    return;
  }
  if (isGzip(b)) return readDocument(r, input.name, b);
  let i = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  if (b[i] === 0x7b /* { */ || b[i] === 0x5b /* [ */) return readDocument(r, input.name, b);
  const head = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, 1024)).toString('latin1');
  if (head.startsWith('From ')) {
    const text = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
    const { messages, cut } = splitMbox(text);
    if (cut) r.limits.push(`${input.name.slice(0, 150)}: more than ${messages.length} messages: the rest not read`);
    messages.forEach((msg, n) => readMail(r, `${input.name} message ${n + 1}`, msg));
    return;
  }
  if (looksLikeMessage(head)) return readMail(r, input.name, Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1'));
  r.problems.push({
    source: input.name,
    problem: b.length === 0 ? 'not-json' : 'unknown-format',
    detail: b.length === 0 ? 'the file is empty' : 'neither JSON, gzip, an mbox nor a mail (RFC 5322 header fields)',
  });
}

/**
 * Reads, sums and judges TLS-RPT reports. Never throws on what the inputs hold: every input that
 * gives no report is a named problem in the body, and the verdict says what the reports say.
 */
export function runTlsRpt(options: TlsRptOptions, defaults: () => TlsRptEdges): Promise<TlsRptReport> {
  const clock = options.clock ?? defaults().clock;
  const startedAt = new Date(clock.now()).toISOString();
  const startedMono = clock.monotonic();
  const transcript = new Transcript(clock);
  const r: Reader = { reports: [], problems: [], limits: [...(options.limits ?? [])], messages: 0 };
  for (const u of options.unreadable ?? []) r.problems.push({ source: u.name, problem: u.problem, detail: u.detail });
  for (const input of options.inputs) {
    const before = { reports: r.reports.length, problems: r.problems.length };
    readInput(r, input);
    transcript.record('tlsrpt', 'note', `${input.name}: ${input.bytes.length} bytes, ${r.reports.length - before.reports} reports, ${r.problems.length - before.problems} problems`);
  }
  const body = summariseReports({
    reports: r.reports,
    problems: r.problems,
    files: options.inputs.length + (options.unreadable?.length ?? 0),
    messages: r.messages,
    limits: r.limits,
  });
  const findings = sortFindings(TLSRPT_CHECKS.flatMap((c) => c.assess({ body })));
  const at = clock.now();
  return Promise.resolve({
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: VERSION },
    kind: 'tlsrpt',
    target: options.target ?? options.inputs.map((i) => i.name).slice(0, 20).join(' '),
    startedAt,
    durationMs: Math.round((clock.monotonic() - startedMono) * 1000) / 1000,
    verdict: verdictOf(findings),
    judgedWith: {
      at: new Date(at).toISOString(),
      profile: { name: DEFAULT_PROFILE.name, version: DEFAULT_PROFILE.version },
      trustStore: { description: 'not used: reports are read, nothing is probed', bundledRootsOfNode: null, extraCaFiles: [] },
      options: { warnDays: 0, expectThumbprint: null },
      rejudged: false,
    },
    findings,
    transcript: transcript.events,
    body,
  });
}
