// `mxray explain`: error texts in (an NDR's diagnostic, a queue viewer's last error, log lines), one
// item per line that holds a reply or status code or that a rule of the knowledge base recognises.
// Pure but for the clock: the caller (CLI, web) reads the files and standard input.
import type { Clock } from '../../core/context.js';
import { UsageError } from '../../core/errors.js';
import type { ExplainBody, ExplainItem, ExplainReport, ExplainStatus } from '../../core/schema.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { judgedWith } from '../../core/report.js';
import { DEFAULT_PROFILE } from '../../checks/profile.js';
import { explainLine } from '../../kb/explain-text.js';
import type { FoundStatus } from '../../kb/find-statuses.js';

/** Most bytes of text read, lines looked at, and items kept. */
export const MAX_EXPLAIN_BYTES = 32 * 1024 * 1024;
const MAX_LINES = 1_000_000;
const MAX_ITEMS = 5000;

export interface ExplainInput {
  source: 'argument' | 'stdin' | 'file';
  /** File names (for files), else empty. */
  names: string[];
  text: string;
}

export interface ExplainOptions {
  input: ExplainInput;
  clock: Clock;
}

const NO_TRUST = { roots: () => [], description: 'none (mxray explain judges no certificate)' };

function statusOf(s: FoundStatus): ExplainStatus {
  const e = s.enhanced;
  const meaning = e ? [e.classSummary, e.subjectSummary, e.detailSummary].filter((x): x is string => x !== null).join(' — ') || null : null;
  return { reply: s.reply, code: e?.code ?? null, final: e?.final ?? null, meaning, tls: e?.tls ?? false, ref: e?.ref ?? null, words: s.words, classMismatch: s.mismatch };
}

/** Explains every line of the input; a text with nothing to explain still gives a report that says so. */
export function runExplain(options: ExplainOptions): ExplainReport {
  const { input, clock } = options;
  const startedMono = clock.monotonic();
  const startedAt = new Date(clock.now()).toISOString();
  const bytes = Buffer.byteLength(input.text);
  if (bytes > MAX_EXPLAIN_BYTES) throw new UsageError(`the text is ${bytes} bytes: mxray explain reads at most ${MAX_EXPLAIN_BYTES / 1024 / 1024} MiB at once`);
  if (input.text.trim() === '') throw new UsageError('nothing to explain: give the error text, "-" for standard input, or --file FILE');
  // A final line end ends the last line; it does not start another.
  const lines = input.text.replace(/\r?\n$/, '').split(/\r?\n/, MAX_LINES);
  const items: ExplainItem[] = [];
  let unrecognised = 0;
  let omitted = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const e = explainLine(line);
    if (e.statuses.length === 0 && e.matches.length === 0) return;
    if (e.matches.length === 0) unrecognised++;
    if (items.length >= MAX_ITEMS) {
      omitted++;
      return;
    }
    const root = e.root ? e.statuses.indexOf(e.root) : -1;
    items.push({
      line: i + 1,
      text: e.text,
      statuses: e.statuses.map(statusOf),
      root: root < 0 ? null : root,
      rules: e.matches.map((m) => ({
        id: m.rule.id,
        platform: m.rule.platform,
        reason: m.rule.reason === true,
        meaning: m.rule.meaning,
        fault: m.rule.fault,
        causes: m.rule.causes.map((c) => ({ cause: c.cause, findings: [...c.findings] })),
        confirm: m.confirm.slice(0, 600),
        fixes: Object.fromEntries(Object.entries(m.rule.fixes).map(([k, v]) => [k, [...v]])),
        refs: [...m.rule.refs],
        captures: { ...m.captures },
      })),
    });
  });
  const body: ExplainBody = { input: { source: input.source, names: input.names.slice(0, 64), lines: lines.length, bytes }, items, unrecognised, omitted };
  const recognised = items.some((it) => it.rules.length > 0);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: VERSION },
    kind: 'explain',
    target: input.source === 'file' ? input.names.join(' ') : input.source === 'stdin' ? '-' : input.text.slice(0, 200),
    startedAt,
    durationMs: Math.round((clock.monotonic() - startedMono) * 1000) / 1000,
    // Nothing was tested: the explanation is the answer. "inconclusive" when no rule recognised the text.
    verdict: recognised ? 'not-applicable' : 'inconclusive',
    judgedWith: judgedWith({ at: clock.now(), profile: DEFAULT_PROFILE, trustStore: NO_TRUST, warnDays: DEFAULT_PROFILE.expiryWarnDays, expectThumbprint: null }),
    findings: [],
    transcript: [],
    body,
  };
}
