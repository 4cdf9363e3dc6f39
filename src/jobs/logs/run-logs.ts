// `mxray logs`: MTA logs (handed in as chunks of bytes, plain — the caller gunzips) → lines →
// the format's parser → sessions → judged and summed (checks/logs) → a Report of kind `logs`.
// Memory is bounded whatever the size: one chunk and one capped line at a time, each parser's open
// sessions capped, the summary's tables capped. Never throws on what the inputs hold.
import { nonPublicReason } from '../../core/address-ranges.js';
import type { Clock } from '../../core/context.js';
import type { LogFailure, LogFormat, LogInput, LogSession, LogsBody } from '../../core/logs-schema.js';
import type { LogsReport } from '../../core/schema.js';
import { Transcript } from '../../core/transcript.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { LOGS_CHECKS } from '../../checks/registry.js';
import { LogsSummary, sessionDomains } from '../../checks/logs/index.js';
import { verdictOf } from '../../checks/verdict.js';
import { explainLine } from '../../kb/explain-text.js';
import { DEFAULT_PROFILE } from '../../kb/profiles.js';
import { sortFindings } from '../../kb/index.js';
import { detectFormat, formatModule, SNIFF_LINES, SNIFF_MAX_LINES } from './formats.js';
import { LineSplitter } from './lines.js';
import { ClearRetryPairing } from './retry.js';
import { MAX_EVIDENCE_CHARS, type LineUse, type LogParser } from './model.js';

export interface LogsInputSource {
  /** The name shown (a path, or "-" for standard input). */
  name: string;
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** The year of syslog time stamps without one (the file's modification year); the clock's year otherwise. */
  year?: number;
  /** When the input was last written (its modification time, ms): a year-less stamp after it is last year's. */
  modified?: number;
}

export interface LogsOptions {
  inputs: AsyncIterable<LogsInputSource> | Iterable<LogsInputSource>;
  /** 'auto' (the default): detected per input. */
  format?: LogFormat | 'auto';
  /** Only sessions with these remote domains (or subdomains; or a remote host under them). */
  domains?: readonly string[];
  /** Only sessions from/until these moments (ms since the epoch). */
  since?: number | null;
  until?: number | null;
  /** Count sessions whose peer is this machine (a content filter on 127.0.0.1, local submission): off by default. */
  includeLocal?: boolean;
  /** Minutes east of UTC for time stamps that carry no zone (the machine's zone by default in the CLI). */
  offsetMinutes?: number;
  /** Inputs the caller could not read: named in the body. */
  unreadable?: readonly { name: string; detail: string }[];
  target?: string;
  clock?: Clock;
}

function newInput(name: string): LogInput {
  return { name: name.slice(0, 1000), format: null, detected: true, bytes: 0, lines: 0, used: 0, ignored: 0, malformed: 0, longLines: 0, malformedExamples: [], filteredOut: 0, local: 0, sessions: 0, notes: [], problem: null };
}

function explainFailure(text: string): LogFailure['explained'] {
  const e = explainLine(text);
  const m = e.matches.find((x) => !x.rule.reason) ?? e.matches[0];
  if (!m) return null;
  return { rule: m.rule.id, meaning: m.rule.meaning.slice(0, 2000), fault: m.rule.fault, findings: m.rule.causes.flatMap((c) => c.findings).slice(0, 8) };
}

/** 127.0.0.0/8, ::1, and either written as IPv4-mapped IPv6 (the address ranges' own reading). */
export function isLoopback(ip: string): boolean {
  return nonPublicReason(ip)?.startsWith('loopback') === true;
}

export function domainFilter(wanted: readonly string[]): ((s: LogSession) => boolean) | null {
  if (!wanted.length) return null;
  const ds = wanted.map((d) => d.toLowerCase().replace(/\.$/, ''));
  const under = (name: string | null): boolean => {
    if (!name) return false;
    const n = name.toLowerCase().replace(/\.$/, '');
    return ds.some((d) => n === d || n.endsWith(`.${d}`));
  };
  return (s) => sessionDomains(s).some(under) || under(s.remoteHost);
}

/** One input read through: its lines to a parser, its sessions to `take`. */
async function readInput(source: LogsInputSource, options: LogsOptions, year: number, reference: number | undefined, take: (s: LogSession, input: LogInput) => void): Promise<LogInput> {
  const input = newInput(source.name);
  const given = options.format && options.format !== 'auto' ? options.format : null;
  let parser: LogParser | null = null;
  let decided = false;
  const held: string[] = [];
  let nonEmpty = 0;
  // Failed sessions wait a moment for the session in clear that may follow them (retry.ts).
  const pairing = new ClearRetryPairing((s) => take(s, input));
  const sink = {
    // The parser hands the session over: it is filled in place (no copy per session).
    session: (s: Omit<LogSession, 'file'>) => {
      (s as LogSession).file = input.name;
      pairing.add(s as LogSession);
    },
    note: (id: string, detail: string) => {
      if (input.notes.length < 20 && !input.notes.some((n) => n.id === id)) input.notes.push({ id: id.slice(0, 80), detail: detail.slice(0, 2000) });
    },
  };
  const start = (format: LogFormat | null): void => {
    decided = true;
    input.format = format;
    input.detected = given === null;
    if (format) parser = formatModule(format).create(sink, reference === undefined ? { year, offsetMinutes: options.offsetMinutes ?? 0 } : { year, offsetMinutes: options.offsetMinutes ?? 0, reference });
  };
  let lineNo = 0;
  const feed = (text: string, no: number): void => {
    input.lines++;
    if (!parser) return;
    // A blank line says nothing (and a cut or padded log has them): not the parser's business.
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) {
      input.ignored++;
      return;
    }
    let use: LineUse;
    try {
      use = parser.line(text, no);
    } catch {
      // A parser must not throw; if one does, the line is counted as unreadable rather than the run lost.
      use = 'malformed';
    }
    if (use === 'used') input.used++;
    else if (use === 'ignored') input.ignored++;
    else {
      input.malformed++;
      if (input.malformedExamples.length < 3) input.malformedExamples.push({ line: no, text: text.slice(0, MAX_EVIDENCE_CHARS) });
    }
  };
  if (given) start(given);
  const splitter = new LineSplitter((text) => {
    lineNo++;
    if (decided) return feed(text, lineNo);
    held.push(text);
    if (text.trim() !== '') nonEmpty++;
    if (nonEmpty >= SNIFF_LINES || held.length >= SNIFF_MAX_LINES) {
      const format = detectFormat(held);
      if (format || held.length >= SNIFF_MAX_LINES) {
        start(format);
        held.forEach((l, i) => feed(l, i + 1));
        held.length = 0;
      }
    }
  });
  for await (const chunk of source.chunks) {
    input.bytes += chunk.length;
    splitter.push(chunk);
  }
  splitter.end();
  if (!decided) {
    start(detectFormat(held));
    held.forEach((l, i) => feed(l, i + 1));
  }
  input.longLines = splitter.longLines;
  (parser as LogParser | null)?.end();
  pairing.flush();
  return input;
}

export async function runLogs(options: LogsOptions, defaults?: () => { clock: Clock }): Promise<LogsReport> {
  const clock = options.clock ?? defaults?.().clock;
  if (!clock) throw new Error('runLogs: no clock');
  const startedAt = new Date(clock.now()).toISOString();
  const startedMono = clock.monotonic();
  const transcript = new Transcript(clock);
  const summary = new LogsSummary();
  const byDomain = domainFilter(options.domains ?? []);
  const since = options.since ?? null;
  const until = options.until ?? null;
  const inputs: LogInput[] = [];
  let inputsOmitted = 0;
  for (const u of options.unreadable ?? []) {
    const i = newInput(u.name);
    i.problem = u.detail.slice(0, 500);
    inputs.push(i);
  }
  const take = (s: LogSession, input: LogInput): void => {
    // A content filter (amavis, a milter on 127.0.0.1:10025) or a local submission is a session
    // with this machine itself: never mail between organisations, and it would drown the sums.
    if (!options.includeLocal && s.remoteIp !== null && isLoopback(s.remoteIp)) {
      input.local++;
      return;
    }
    const t = s.start ?? s.end;
    if ((since !== null || until !== null) && (t === null || (since !== null && t < since) || (until !== null && t > until))) {
      input.filteredOut++;
      return;
    }
    if (byDomain && !byDomain(s)) {
      input.filteredOut++;
      return;
    }
    input.sessions++;
    summary.add(s);
  };
  const now = clock.now();
  const year = new Date(now).getUTCFullYear();
  const names: string[] = [];
  for await (const source of options.inputs) {
    // A file: its modification time; standard input: now. A given year alone keeps the roll-over rule.
    const reference = source.modified ?? (source.year === undefined ? now : undefined);
    const input = await readInput(source, options, reference === undefined ? (source.year ?? year) : new Date(reference).getUTCFullYear(), reference, take);
    if (inputs.length < 200) inputs.push(input);
    else inputsOmitted++;
    if (names.length < 20) names.push(source.name);
    if (transcript.events.length < 1000) {
      transcript.record('logs', 'note', `${input.name.slice(0, 200)}: ${input.format ?? 'not recognised'}${input.detected ? ' (detected)' : ''}, ${input.lines} lines, ${input.sessions} sessions, ${input.malformed} unreadable`);
    }
  }
  if (inputsOmitted) transcript.record('logs', 'note', `${inputsOmitted} more inputs read (counted, not listed)`);
  const sums = summary.out(explainFailure);
  const body: LogsBody = {
    inputs,
    filters: { domains: [...(options.domains ?? [])].slice(0, 50), since: since === null ? null : new Date(since).toISOString(), until: until === null ? null : new Date(until).toISOString() },
    ...sums,
  };
  const findings = sortFindings(LOGS_CHECKS.flatMap((check) => check.assess({ body })));
  const at = clock.now();
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: VERSION },
    kind: 'logs',
    target: options.target ?? names.join(' '),
    startedAt,
    durationMs: Math.round((clock.monotonic() - startedMono) * 1000) / 1000,
    verdict: body.totals.sessions === 0 && findings.length === 0 ? 'inconclusive' : verdictOf(findings),
    judgedWith: {
      at: new Date(at).toISOString(),
      profile: { name: DEFAULT_PROFILE.name, version: DEFAULT_PROFILE.version },
      trustStore: { description: 'not used: logs are read, nothing is probed', bundledRootsOfNode: null, extraCaFiles: [] },
      options: { warnDays: 0, expectThumbprint: null },
      rejudged: false,
    },
    findings,
    transcript: transcript.events,
    body,
  };
}

/** Judges a saved logs report again (mxray report --rejudge): the sums are facts, the findings are not. */
export function rejudgeLogs(report: LogsReport): LogsReport {
  const findings = sortFindings(LOGS_CHECKS.flatMap((check) => check.assess({ body: report.body })));
  return { ...report, findings, verdict: report.body.totals.sessions === 0 && findings.length === 0 ? 'inconclusive' : verdictOf(findings), judgedWith: { ...report.judgedWith, rejudged: true } };
}
