// `mxray headers`: messages (a .eml, a pasted header, an mbox, standard input) → each message's
// Received chain read into hops, judged (checks/headers: trust boundary, TLS per hop, delays),
// with its authentication and Microsoft fields; a message returned inside a bounce (or attached)
// is analysed on its own, beside the message that carries it. Pure apart from the injected clock:
// the caller reads files (jobs never touch the file system) and may hand in messages one by one
// (an mbox streamed by jobs/headers/mbox-stream.ts), so memory holds one message at a time plus the
// bounded body.
import type { Clock } from '../../core/context.js';
import type { HeaderHop, HeaderMessage, HeaderRow, HeadersBody, HeadersReport } from '../../core/schema.js';
import { detach } from '../../core/detach.js';
import { Transcript } from '../../core/transcript.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { HEADERS_CHECKS } from '../../checks/registry.js';
import { judgeMessage, type HeadersJudgeOptions, type MessageFinding } from '../../checks/headers/index.js';
import { verdictOf } from '../../checks/verdict.js';
import { DEFAULT_PROFILE } from '../../kb/profiles.js';
import { sortFindings } from '../../kb/index.js';
import { embeddedMessages, fieldsNamed, HEADER_LIMITS, readHeaderBlock, splitMessages, type HeaderBlock, type HeaderField } from './read-header.js';
import { describeAuthResult, parseAuthResults, parseReceivedSpf } from './auth-results.js';
import { readMicrosoftFields } from './microsoft.js';
import { parseReceived, parseReceivedDate } from './received.js';

export interface HeadersInput {
  /** The name shown for it (a path, "standard input", "inbox.mbox message 3"). */
  name: string;
  text: string;
  /** Already one message (split by the caller): never read as an mbox. */
  single?: boolean;
  /** Another message of the same input as the one before (an mbox handed in message by message): not counted as another input. */
  continued?: boolean;
  /** Bounds the caller reached reading it (the message cut, more messages than read), said in full. */
  limits?: readonly string[];
}

export interface HeadersOptions extends HeadersJudgeOptions {
  inputs: Iterable<HeadersInput> | AsyncIterable<HeadersInput>;
  /** Inputs the caller could not read (too large, not a file): counted and named. */
  unreadable?: readonly { name: string; detail: string }[];
  /** Bounds the caller reached. */
  limits?: readonly string[];
  target?: string;
  clock?: Clock;
}

export const HEADERS_LIMITS = {
  /** Messages kept in full in the body; the rest give a row. */
  fullMessages: 50,
  rows: 10_000,
  hops: 100,
  /** Messages returned inside one message analysed. */
  returnedPerMessage: 5,
  problems: 100,
} as const;

/** Fields shown as they are, beside the hops. */
const OTHER_FIELDS = new Set([
  'return-path', 'delivered-to', 'x-original-to', 'envelope-to', 'reply-to', 'sender', 'auto-submitted', 'x-failed-recipients',
  'x-mailer', 'user-agent', 'list-id', 'precedence', 'x-originating-ip', 'require-recipient-valid-since',
]);

const cap = (s: string | null | undefined, n: number): string | null => (s === null || s === undefined ? null : s.length > n ? s.slice(0, n) : s);

function firstValue(block: HeaderBlock, name: string, max: number): string | null {
  const f = fieldsNamed(block, name)[0];
  return f ? cap(f.decoded, max) : null;
}

function isoOf(epochMs: number | null): string | null {
  if (epochMs === null || !Number.isFinite(epochMs)) return null;
  const d = new Date(epochMs);
  const y = d.getUTCFullYear();
  return y < 1000 || y > 9999 ? null : d.toISOString();
}

/** What software writes about an authenticated client besides an "A" type (Postfix, Sendmail, qmail's patches). */
const AUTH_MARKS = ['(authenticated sender:', '(authenticated bits=', '(authenticated as ', ' with plain)', ' with login)', ' with cram-md5)'];

/**
 * A client's submission, not a hop between organisations: an "A" type (ESMTPA, ESMTPSA), a line
 * that says the client authenticated, or a client's protocol (webmail over HTTP, Exchange's MAPI).
 */
export function isSubmission(auth: boolean, type: string | null, value: string): boolean {
  if (auth) return true;
  const t = type?.toLowerCase() ?? '';
  if (t === 'http' || t === 'https' || t === 'mapi') return true;
  const v = value.slice(0, 4096).toLowerCase();
  return AUTH_MARKS.some((m) => v.includes(m));
}

/** One Received field → one hop with what the line says; the judge fills the rest. */
function hopOf(field: HeaderField, index: number): HeaderHop {
  const r = parseReceived(field.value);
  return {
    index,
    line: field.line,
    raw: field.raw.slice(0, 2000),
    fromHelo: r.from?.helo ?? null,
    fromReverse: r.from?.reverse ?? null,
    fromIp: r.from?.ip ?? null,
    by: r.by,
    via: r.via,
    with: r.with,
    protocol: r.protocol,
    id: r.id,
    for: r.for,
    date: isoOf(r.date?.epochMs ?? null),
    dateRaw: r.date?.raw ?? null,
    dateNote: cap(r.date?.note, 200),
    delaySeconds: null,
    tls: 'unknown',
    tlsEvidence: '',
    tlsVersion: r.tls?.version ?? null,
    cipher: r.tls?.cipher ?? null,
    bits: r.tls?.bits ?? null,
    tlsVerified: r.tls?.verified ?? null,
    tlsSource: cap(r.tls?.source, 40),
    software: r.software,
    submission: isSubmission(r.protocol?.auth === true, r.with, field.value),
    local: r.from === null || r.protocol?.lmtp === true,
    zone: 'claimed',
    crossing: false,
    fromOrg: null,
    byOrg: null,
    notes: r.notes.slice(0, 16),
  };
}

/** Authentication-Results and ARC-Authentication-Results, in header order (trust is the judge's: the user's authserv-ids). */
function authenticationOf(block: HeaderBlock): HeaderMessage['authentication'] {
  const out: HeaderMessage['authentication'] = [];
  for (const f of block.fields) {
    const name = f.name.toLowerCase();
    if (name !== 'authentication-results' && name !== 'arc-authentication-results') continue;
    if (out.length >= 30) break;
    const r = parseAuthResults(f.value, name.startsWith('arc-'));
    out.push({
      field: f.name.slice(0, 64),
      line: f.line,
      instance: r.instance,
      authservId: r.authservId,
      trusted: false,
      results: r.results.map((x) => ({ method: x.method, version: x.version, result: x.result, reason: x.reason, properties: x.properties, meaning: cap(describeAuthResult(x), 600) })),
      notes: r.notes.slice(0, 16).map((n) => n.slice(0, 200)),
    });
  }
  return out;
}

/** One message's header read and judged (pure). */
/**
 * Whether a message may carry another inside it: a multipart or message/* body (a bounce's
 * returned message, a forwarded attachment), or a plain-text bounce (a null return path, a mailer
 * daemon's or postmaster's From, Auto-Submitted, X-Failed-Recipients), which quotes the message.
 * Only these are walked: the walk reads the whole body, and an mbox is mostly ordinary mail.
 */
export function mayEnclose(block: HeaderBlock): boolean {
  const type = (fieldsNamed(block, 'content-type')[0]?.value ?? '').trim().toLowerCase();
  if (type.startsWith('multipart/') || type.startsWith('message/')) return true;
  if (fieldsNamed(block, 'x-failed-recipients').length > 0) return true;
  const auto = (fieldsNamed(block, 'auto-submitted')[0]?.value ?? '').trim().toLowerCase();
  if (auto !== '' && auto !== 'no') return true;
  if ((fieldsNamed(block, 'return-path')[0]?.value ?? '').replace(/\s/g, '') === '<>') return true;
  const from = (fieldsNamed(block, 'from')[0]?.value ?? '').toLowerCase();
  return from.includes('mailer-daemon') || from.includes('postmaster');
}

/**
 * A header pasted with every line indented (a ticket, a chat code block) or quoted ("> " in a reply)
 * loses that prefix; anything else is returned as it is. The prefix is the first non-blank line's,
 * taken only when that line is then a field ("Received: …") and at least 80 % of the first 200
 * non-blank lines carry it. Folded lines keep their own white space after the prefix.
 */
export function unindentPaste(text: string): { text: string; prefix: string | null } {
  const lines = text.slice(0, 256 * 1024).split('\n', 400);
  const first = lines.find((l) => l.trim() !== '');
  if (first === undefined) return { text, prefix: null };
  let end = 0;
  if (first.startsWith('>')) {
    while (end < first.length && first[end] === '>') end++;
    if (first[end] === ' ') end++;
  } else {
    while (end < first.length && (first[end] === ' ' || first[end] === '\t')) end++;
  }
  if (end === 0 || end > 40) return { text, prefix: null };
  const prefix = first.slice(0, end);
  if (!/^[!-9;-~]{1,76}:/.test(first.slice(end))) return { text, prefix: null };
  const sample = lines.filter((l) => l.trim() !== '').slice(0, 200);
  if (sample.filter((l) => l.startsWith(prefix)).length < sample.length * 0.8) return { text, prefix: null };
  const out = text.split('\n').map((l) => (l.startsWith(prefix) ? l.slice(prefix.length) : l));
  return { text: out.join('\n'), prefix };
}

/**
 * A copied page that puts its own summary before the header (Gmail's "Show original": "Original
 * message", "Message ID", "SPF: PASS …", "Download original"): when the text read as the header
 * holds no Received line but a block further on (after an empty line, within the first 64 KiB)
 * does, that block is the header. Returns where it starts (the line's offset), or -1.
 */
export function laterHeader(text: string, block: HeaderBlock): number {
  if (block.bodyStart === null || fieldsNamed(block, 'received').length > 0) return -1;
  const head = text.slice(0, 64 * 1024);
  let at = 0;
  let tries = 0;
  while (at < head.length && tries < 20) {
    const nl = head.indexOf('\n', at);
    const next = nl === -1 ? head.length : nl + 1;
    const lineText = head.slice(at, next).replace(/\r?\n$/, '');
    // Only an empty line followed at once by a field line is tried (at most 20): each try reads one header block.
    if (lineText.trim() === '' && /^[!-9;-~]{1,76}:/.test(head.slice(next, next + 80))) {
      tries++;
      const candidate = readHeaderBlock(text.slice(next, next + 2 * 1024 * 1024));
      if (candidate.fields.length >= 2 && fieldsNamed(candidate, 'received').length > 0 && candidate.fields[0]!.line === 1) return next;
    }
    at = next;
  }
  return -1;
}

export function analyseMessage(text: string, source: string, options: HeadersJudgeOptions = {}, returnedIn: string | null = null): { message: HeaderMessage; findings: MessageFinding[]; encloses: boolean; truncated: boolean } {
  const paste = unindentPaste(text);
  text = paste.text;
  let block = readHeaderBlock(text);
  const later = laterHeader(text, block);
  let skipped: string | null = null;
  if (later > 0) {
    skipped = `the header starts after ${text.slice(0, later).split('\n').length - 1} lines of something else (a copied page's summary): read from there`;
    text = text.slice(later);
    block = readHeaderBlock(text);
  }
  const received = fieldsNamed(block, 'received');
  const kept = received.slice(0, HEADERS_LIMITS.hops); // newest first: the organisation's own lines are kept
  const hops = kept.reverse().map((f, i) => hopOf(f, received.length - kept.length + i + 1));
  const dateField = fieldsNamed(block, 'date')[0];
  const date = dateField ? parseReceivedDate(dateField.value) : null;
  const notes = block.notes.slice(0, 20).map((n) => n.slice(0, 300));
  if (paste.prefix !== null) notes.unshift(`every line began with ${JSON.stringify(paste.prefix)} (an indented or quoted paste): read without it`);
  if (skipped !== null) notes.unshift(skipped);
  if (received.length > kept.length) notes.push(`${received.length - kept.length} older Received lines past the ${HEADERS_LIMITS.hops} read`);
  if (block.fields.length === 0) notes.push('no header field found: not a message header');
  const message: HeaderMessage = {
    source: source.slice(0, 1100),
    returnedIn: cap(returnedIn, 1100),
    subject: firstValue(block, 'subject', 500),
    from: firstValue(block, 'from', 500),
    to: firstValue(block, 'to', 500),
    messageId: firstValue(block, 'message-id', 500),
    date: isoOf(date?.epochMs ?? null),
    dateRaw: cap(dateField?.value, 256),
    fields: block.fields.length,
    hops,
    hopsNotListed: received.length - kept.length,
    organisation: { names: [], how: '' },
    border: null,
    tls: { verdict: 'no-hops', crossingHops: 0, protectedHops: 0, cleartextHops: 0, unknownHops: 0, weakestVersion: null },
    totalSeconds: null,
    tlsRequired: firstValue(block, 'tls-required', 100),
    authentication: authenticationOf(block),
    receivedSpf: fieldsNamed(block, 'received-spf')
      .slice(0, 10)
      .map((f) => {
        const r = parseReceivedSpf(f.value);
        return { line: f.line, result: r.result, comment: r.comment, clientIp: r.clientIp, envelopeFrom: r.envelopeFrom, helo: r.helo, receiver: r.receiver, identity: r.identity };
      }),
    microsoft: [],
    other: block.fields
      .filter((f) => OTHER_FIELDS.has(f.name.toLowerCase()))
      .slice(0, 40)
      .map((f) => ({ name: f.name.slice(0, 128), value: f.decoded.slice(0, 500), line: f.line })),
    findings: [],
    notes: notes.slice(0, 30),
  };
  for (const item of readMicrosoftFields(block.fields)) {
    // The reader's own markers (a cap reached, a bug caught) are notes, not fields of the message.
    if (item.field === '(mxray)') message.notes.push(`Microsoft fields: ${item.key ?? ''} ${item.value}`.slice(0, 300));
    else message.microsoft.push({ field: item.field.slice(0, 128), key: cap(item.key, 64), value: item.value.slice(0, 256), meaning: cap(item.meaning, 600) });
  }
  message.notes = message.notes.slice(0, 30);
  const findings = judgeMessage(message, options);
  return { message, findings, encloses: block.fields.length > 0 && mayEnclose(block), truncated: block.truncated };
}

function rowOf(m: HeaderMessage): HeaderRow {
  return {
    source: detach(m.source),
    returnedIn: detach(m.returnedIn),
    subject: detach(cap(m.subject, 200)),
    date: detach(m.date ?? m.hops[m.hops.length - 1]?.date ?? null),
    hops: m.hops.length + m.hopsNotListed,
    crossingHops: m.tls.crossingHops,
    tls: m.tls.verdict,
    weakestVersion: detach(m.tls.weakestVersion),
    totalSeconds: m.totalSeconds,
    findings: m.findings.slice(0, 20),
  };
}

/** The body being filled, message by message. */
class Collector {
  readonly body: HeadersBody;
  readonly perMessage: { source: string; findings: MessageFinding[] }[] = [];
  /** Finding ids met so far (their first facts kept). */
  private readonly seen = new Set<string>();

  constructor(options: HeadersOptions) {
    const list = (xs: readonly string[] | undefined) => (xs ?? []).slice(0, 50).map((x) => x.slice(0, 256));
    this.body = {
      inputs: { files: 0, messages: 0, returned: 0, unreadable: 0 },
      options: { domains: list(options.domains), internal: list(options.internal), authservIds: list(options.authservIds) },
      messages: [],
      messagesNotListed: 0,
      rows: [],
      rowsNotListed: 0,
      totals: { protected: 0, cleartext: 0, unknown: 0, noInternetHop: 0, noHops: 0 },
      problems: [],
      problemsNotListed: 0,
      limits: (options.limits ?? []).slice(0, 50).map((l) => l.slice(0, 300)),
    };
  }

  problem(source: string, detail: string): void {
    this.body.inputs.unreadable++;
    if (this.body.problems.length < HEADERS_LIMITS.problems) this.body.problems.push({ source: source.slice(0, 1100), detail: detail.slice(0, 500) });
    else this.body.problemsNotListed++;
  }

  private keep(message: HeaderMessage, findings: MessageFinding[]): void {
    const b = this.body;
    // The check needs each id's first facts and how many messages had it: later facts are dropped, and the
    // first ones copied, so that no message's text stays in memory through them.
    const kept = findings.map((f) => {
      if (this.seen.has(f.id)) return { id: f.id, facts: {} };
      this.seen.add(f.id);
      return { id: f.id, facts: JSON.parse(JSON.stringify(f.facts)) as MessageFinding['facts'] };
    });
    this.perMessage.push({ source: detach(message.source), findings: kept });
    const t = message.tls.verdict;
    if (t === 'protected') b.totals.protected++;
    else if (t === 'cleartext') b.totals.cleartext++;
    else if (t === 'unknown') b.totals.unknown++;
    else if (t === 'no-internet-hop') b.totals.noInternetHop++;
    else b.totals.noHops++;
    if (b.messages.length < HEADERS_LIMITS.fullMessages) b.messages.push(message);
    else b.messagesNotListed++;
    if (b.rows.length < HEADERS_LIMITS.rows) b.rows.push(rowOf(message));
    else b.rowsNotListed++;
  }

  /** One message, and the messages returned or attached inside it. */
  message(text: string, source: string, options: HeadersJudgeOptions): void {
    this.body.inputs.messages++;
    const { message, findings, encloses, truncated } = analyseMessage(text, source, options);
    this.keep(message, findings);
    if (truncated && this.body.limits.length < 50) this.body.limits.push(`${source.slice(0, 150)}: a header of more than ${HEADER_LIMITS.blockChars / 1024 / 1024} MiB or ${HEADER_LIMITS.fields} fields: the rest of it not read`);
    if (!encloses) return;
    const inner = embeddedMessages(text);
    inner.slice(0, HEADERS_LIMITS.returnedPerMessage).forEach((t, k) => {
      this.body.inputs.returned++;
      const r = analyseMessage(t, `${source}, returned message${inner.length > 1 ? ` ${k + 1}` : ''}`, options, source);
      this.keep(r.message, r.findings);
    });
    if (inner.length > HEADERS_LIMITS.returnedPerMessage && this.body.limits.length < 50) this.body.limits.push(`${source.slice(0, 150)}: ${inner.length} enclosed messages, the first ${HEADERS_LIMITS.returnedPerMessage} read`);
  }
}

/** An input's text: one message, or an mbox of several. */
function readInput(c: Collector, input: HeadersInput, options: HeadersJudgeOptions): void {
  if (!input.continued) c.body.inputs.files++;
  for (const l of input.limits ?? []) if (c.body.limits.length < 50) c.body.limits.push(l.slice(0, 300));
  if (input.text.trim() === '') return c.problem(input.name, 'empty');
  if (input.text.includes('\u0000')) return c.problem(input.name, 'not text (it holds NUL bytes): save the message as .eml or paste its header');
  if (input.single) return c.message(input.text, input.name, options);
  const { messages, cut } = splitMessages(input.text);
  if (cut && c.body.limits.length < 50) c.body.limits.push(`${input.name.slice(0, 150)}: more than ${messages.length} messages: the rest not read`);
  if (messages.length === 1) return c.message(messages[0]!, input.name, options);
  messages.forEach((m, n) => c.message(m, `${input.name} message ${n + 1}`, options));
}

/**
 * Reads, judges and reports every message of the inputs. Never throws on what they hold: an input
 * that gives no message is a named problem in the body.
 */
export async function runHeaders(options: HeadersOptions, defaults?: () => { clock: Clock }): Promise<HeadersReport> {
  const clock = options.clock ?? defaults?.().clock;
  if (!clock) throw new Error('runHeaders: no clock');
  const startedAt = new Date(clock.now()).toISOString();
  const startedMono = clock.monotonic();
  const transcript = new Transcript(clock);
  const c = new Collector(options);
  const judge: HeadersJudgeOptions = { domains: options.domains, internal: options.internal, authservIds: options.authservIds };
  for (const u of options.unreadable ?? []) {
    c.body.inputs.files++;
    c.problem(u.name, u.detail);
  }
  const names: string[] = [];
  for await (const input of options.inputs) {
    const before = c.body.inputs.messages;
    readInput(c, input, judge);
    if (names.length < 20) names.push(input.name);
    if (transcript.events.length < 1000) transcript.record('headers', 'note', `${input.name.slice(0, 200)}: ${input.text.length} characters, ${c.body.inputs.messages - before} messages`);
  }
  const findings = sortFindings(HEADERS_CHECKS.flatMap((check) => check.assess({ body: c.body, perMessage: c.perMessage })));
  const at = clock.now();
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: VERSION },
    kind: 'headers',
    target: options.target ?? names.join(' '),
    startedAt,
    durationMs: Math.round((clock.monotonic() - startedMono) * 1000) / 1000,
    // No message read, not even an unreadable input to say so: nothing was judged.
    verdict: c.body.inputs.messages === 0 && findings.length === 0 ? 'inconclusive' : verdictOf(findings),
    judgedWith: {
      at: new Date(at).toISOString(),
      profile: { name: DEFAULT_PROFILE.name, version: DEFAULT_PROFILE.version },
      trustStore: { description: 'not used: headers are read, nothing is probed', bundledRootsOfNode: null, extraCaFiles: [] },
      options: { warnDays: 0, expectThumbprint: null },
      rejudged: false,
    },
    findings,
    transcript: transcript.events,
    body: c.body,
  };
}
