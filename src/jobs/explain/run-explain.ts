// `mxray explain`: error texts in (an NDR's diagnostic, a queue viewer's last error, log lines, whole
// bounce messages), one item per line that holds a reply or status code or that a rule of the
// knowledge base recognises — and a bounce (a message, a pasted NDR or DSN) read recipient by
// recipient (jobs/explain/bounce.ts, loaded only when a text may be one), each recipient's
// diagnostic explained with its domain and the server that answered for the confirming command.
// Pure but for the clock: the caller (CLI, web) reads the files and standard input.
import type { Clock } from '../../core/context.js';
import { UsageError } from '../../core/errors.js';
import type { BounceFacts, ExplainBody, ExplainItem, ExplainReport, ExplainStatus } from '../../core/schema.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { judgedWith } from '../../core/report.js';
import { DEFAULT_PROFILE } from '../../checks/profile.js';
import { explainLine, type LineContext } from '../../kb/explain-text.js';
import type { FoundStatus } from '../../kb/find-statuses.js';

/** Most bytes of text read, lines looked at, and items kept. */
export const MAX_EXPLAIN_BYTES = 32 * 1024 * 1024;
const MAX_LINES = 1_000_000;
const MAX_ITEMS = 5000;
/** Bounce messages read whole (one per file; the rest line by line). */
const MAX_BOUNCES = 64;

export interface ExplainInput {
  source: 'argument' | 'stdin' | 'file';
  /** The texts: one per file (named), or the one text of the command line or standard input (name null). */
  parts: { name: string | null; text: string }[];
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

/** A header field of a message or a DSN on the first line: the text is a whole message (or a pasted DSN). */
const MESSAGE_START = /^(?:Received|Return-Path|From|To|Subject|Date|Message-ID|MIME-Version|Content-Type|Delivered-To|Reporting-MTA|Final-Recipient|Original-Recipient|Arrival-Date|X-[A-Za-z0-9-]{1,60}):/i;
/** Words that start a line only in a bounce's human-readable part (Exchange, Postfix, Exim), a pasted DSN, or a Postfix bounce line pasted alone. */
const BOUNCE_WORDS = /^[ \t]{0,8}(?:Diagnostic information for administrators|Remote Server returned|This is the mail system at host|This message was created automatically by mail delivery software|Delivery has failed to these recipients|Reporting-MTA:|Final-Recipient:|<[^<>@\s]{1,64}@[^<>\s]{1,253}>: host )/im;
/** A log line: a syslog time stamp or an ISO date first (Postfix, Exim, Sendmail logs). */
const LOG_LINE = /^(?:[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:)/;

/**
 * Whether a text may be a bounce, to be read whole (MIME, DSN, NDR) rather than line by line: a
 * message (header fields first), or a pasted NDR or DSN — but never a log, whose lines may quote a
 * bounce's words (a cleanup warning logging a Subject:) and must each be explained.
 */
function mayBeBounce(text: string): boolean {
  const head = text.slice(0, 256 * 1024);
  if (MESSAGE_START.test(head.trimStart())) return true;
  if (!BOUNCE_WORDS.test(head)) return false;
  const lines = head.split('\n', 200);
  return lines.filter((l) => LOG_LINE.test(l)).length <= 1;
}

/** A host name (or address) a command may carry. */
const HOSTLIKE = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/;

function itemOf(text: string, line: number | null, file: string | null, recipient: string | null, context: LineContext = {}): ExplainItem | null {
  const e = explainLine(text, context);
  if (e.statuses.length === 0 && e.matches.length === 0) return null;
  const root = e.root ? e.statuses.indexOf(e.root) : -1;
  return {
    line,
    file,
    recipient,
    text: e.text,
    statuses: e.statuses.slice(0, 32).map(statusOf),
    root: root < 0 || root >= 32 ? null : root,
    rules: e.matches.slice(0, 64).map((m) => ({
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
  };
}

/** The domain of a mail address, or undefined. */
function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  const d = at < 0 ? '' : address.slice(at + 1).replace(/[>\s]+$/, '');
  return HOSTLIKE.test(d) ? d : undefined;
}

/** Explains every line of the input, and every bounce in it recipient by recipient; a text with nothing to explain still gives a report that says so. */
export async function runExplain(options: ExplainOptions): Promise<ExplainReport> {
  const { input, clock } = options;
  const startedMono = clock.monotonic();
  const startedAt = new Date(clock.now()).toISOString();
  const bytes = input.parts.reduce((n, p) => n + Buffer.byteLength(p.text), 0);
  if (bytes > MAX_EXPLAIN_BYTES) throw new UsageError(`the text is ${bytes} bytes: mxray explain reads at most ${MAX_EXPLAIN_BYTES / 1024 / 1024} MiB at once`);
  if (input.parts.every((p) => p.text.trim() === '')) throw new UsageError('nothing to explain: give the error text, "-" for standard input, or --file FILE');
  const items: ExplainItem[] = [];
  const bounces: BounceFacts[] = [];
  let unrecognised = 0;
  let recognisedTotal = 0;
  let omitted = 0;
  let lineCount = 0;
  const keep = (item: ExplainItem | null): number | null => {
    if (!item) return null;
    if (item.rules.length === 0) unrecognised++;
    else recognisedTotal++;
    if (items.length >= MAX_ITEMS) {
      omitted++;
      return null;
    }
    items.push(item);
    return items.length - 1;
  };
  for (const part of input.parts) {
    const file = input.source === 'file' ? part.name : null;
    // A final line end ends the last line; it does not start another.
    const whole = part.text.replace(/\r?\n$/, '');
    const lines = whole.split(/\r?\n/, MAX_LINES);
    lineCount += lines.length;
    // Lines past the bound are not looked at: counted, and said.
    if (lines.length === MAX_LINES) {
      let total = 1;
      for (let at = whole.indexOf('\n'); at >= 0; at = whole.indexOf('\n', at + 1)) total++;
      omitted += total - MAX_LINES;
    }
    // A bounce (a whole message, a pasted NDR or DSN): recipient by recipient, not its MIME lines.
    if (bounces.length < MAX_BOUNCES && mayBeBounce(part.text)) {
      const { parseBounce } = await import('./bounce.js');
      const bounce = await parseBounce(part.text);
      if (bounce && bounce.recipients.length > 0) {
        const only = bounce.recipients.length === 1 ? bounce.recipients[0] : undefined;
        const recipients: BounceFacts['recipients'] = bounce.recipients.map((r) => {
          const remote = r.remoteMta !== null && HOSTLIKE.test(r.remoteMta) ? r.remoteMta : undefined;
          const text = r.diagnostic ?? (r.status ? `Status: ${r.status}` : '');
          const item = text ? keep(itemOf(text, null, file, r.recipient.slice(0, 320), { domain: domainOf(r.recipient), host: remote })) : null;
          return { address: r.recipient.slice(0, 320), action: r.action?.slice(0, 40) ?? null, status: r.status?.slice(0, 20) ?? null, remoteMta: r.remoteMta?.slice(0, 300) ?? null, lastAttempt: r.lastAttempt?.slice(0, 100) ?? null, item };
        });
        // What the report says once for all (Exchange's diagnostic block, Exim's SMTP error lines), not already a recipient's words.
        const said = new Set(bounce.recipients.map((r) => r.diagnostic));
        for (const d of bounce.diagnostics) if (!said.has(d)) keep(itemOf(d, null, file, only?.recipient.slice(0, 320) ?? null, { domain: only ? domainOf(only.recipient) : undefined }));
        bounces.push({ file, format: bounce.format, reportingMta: bounce.reportingMta?.slice(0, 300) ?? null, subject: bounce.subject?.slice(0, 1000) ?? null, recipients });
        continue;
      }
    }
    lines.forEach((line, i) => {
      if (line.trim() !== '') keep(itemOf(line, i + 1, file, null));
    });
  }
  const names = input.parts.flatMap((p) => (p.name === null ? [] : [p.name]));
  const body: ExplainBody = { input: { source: input.source, names: names.slice(0, 64), lines: lineCount, bytes }, items, bounces, recognised: recognisedTotal, unrecognised, omitted };
  const recognised = items.some((it) => it.rules.length > 0);
  const firstText = input.parts[0]?.text ?? '';
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: VERSION },
    kind: 'explain',
    target: input.source === 'file' ? names.join(' ').slice(0, 1000) : input.source === 'stdin' ? '-' : firstText.slice(0, 200),
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
