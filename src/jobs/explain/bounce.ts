// Whole bounce messages for `mxray explain --file bounce.eml` (issue 21, item 3): which recipients
// failed, were delayed or delivered, with the status, the remote server and its words for each.
//
// Read, in order of trust:
// - the RFC 3464 delivery-status part (`Final-Recipient`, `Action`, `Status`, `Remote-MTA`,
//   `Diagnostic-Code`, `Last-Attempt-Date`; folded fields unfolded), also when a DSN is pasted
//   without its MIME headers, or sits inside a forwarded bounce;
// - the human-readable part in the dialects of Exchange / Exchange Online (the "Diagnostic
//   information for administrators" block, and the newer "Error Details" layout, from the text or
//   the HTML body), Postfix ("This is the mail system at host …", `<rcpt>: host …[…] said: …`),
//   Exim ("This message was created automatically by mail delivery software."), and, failing
//   those, any text that reads like a bounce (recipient lines, reason paragraphs, reply codes).
// When both exist, the delivery-status fields win and the human part fills what they lack for the
// same recipient. MIME (multipart/report, encodings, charsets) is postal-mime's job.
//
// The text is hostile: everything is capped (input, lines, fields, recipients, strings), HTML is
// stripped by a single forward scan, addresses and host names are found by scanning around '@' and
// '[' instead of by unanchored regular expressions, and the few regular expressions left are
// anchored or have no nested or overlapping repeats. Malformed input gives a partial result or
// null, never an exception.
import PostalMime from 'postal-mime';
import type { Address, Attachment, Email } from 'postal-mime';
import { findStatuses } from '../../kb/find-statuses.js';

export interface BounceRecipient {
  /** Final-Recipient address (or Original-Recipient / the address the NDR names). */
  recipient: string;
  /** failed | delayed | delivered | relayed | expanded (lower case). */
  action: string | null;
  /** The enhanced status code, e.g. "5.7.3". */
  status: string | null;
  /** Remote-MTA host name or address (without "dns;"). */
  remoteMta: string | null;
  /** Diagnostic-Code text without the "smtp;" type, unfolded, capped at 4 KiB. */
  diagnostic: string | null;
  /** Last-Attempt-Date as given. */
  lastAttempt: string | null;
}

export interface Bounce {
  /** Which dialect recognised it: 'rfc3464' when a delivery-status part named the recipients. */
  format: 'rfc3464' | 'exchange' | 'postfix' | 'exim' | 'text';
  reportingMta: string | null;
  subject: string | null;
  /** At most 500. */
  recipients: BounceRecipient[];
  /**
   * Diagnostic lines from the human-readable part not tied to one recipient (e.g. Exchange's
   * "Diagnostic information for administrators" block, Exim's "SMTP error from remote mail server …"
   * lines), capped: at most 50, each unfolded and at most 4 KiB. Lines that sit under a recipient
   * (Exim's indented lines, Postfix's continuation lines, an entry of Exchange's block) are that
   * recipient's `diagnostic` instead; a reason the report gives once for all its recipients is both.
   */
  diagnostics: string[];
}

/** Most characters of a bounce read (the caller refuses bigger input; this is the backstop). */
export const MAX_BOUNCE_CHARS = 32 * 1024 * 1024;
/** Most recipients kept from one bounce. */
export const MAX_BOUNCE_RECIPIENTS = 500;
/** Most characters of a diagnostic, a field or any other string kept. */
const MAX_STRING = 4096;
/** Most diagnostic lines kept that belong to no one recipient. */
const MAX_DIAGNOSTICS = 50;
/** Most characters of one line looked at. */
const MAX_LINE = 16 * 1024;
/** Most lines of a human-readable part or a delivery-status part looked at. */
const MAX_LINES = 50_000;
/** Most characters of a human-readable part, an HTML body, a delivery-status part looked at. */
const MAX_HUMAN = 1024 * 1024;
const MAX_HTML = 4 * 1024 * 1024;
const MAX_DSN = 4 * 1024 * 1024;
/** RFC 5321 §4.5.3.1: a path is at most 256 octets; a little slack for what MTAs print. */
const MAX_ADDRESS = 320;
const MAX_HOST = 255;
/**
 * Most of a message given to the MIME parser. Its cost grows with the number of lines (about ten
 * microseconds each), and a bounce says what it has to say (the report, the delivery-status part)
 * before the returned message, which is all a bigger bounce adds.
 */
const MAX_MIME_CHARS = 4 * 1024 * 1024;
const MAX_MIME_LINES = 50_000;
/** How deep a forwarded bounce (message/rfc822 inside message/rfc822) is looked into, and how many parts. */
const MAX_NESTED = 2;
const MAX_NESTED_PARTS = 4;

const MIME_OPTIONS = {
  // A returned message stays an attachment: its body must not join the report's own text.
  forceRfc822Attachments: true,
  attachmentEncoding: 'utf8',
  maxNestingDepth: 32,
  maxHeadersSize: 1024 * 1024,
  maxRfc822NestingDepth: 0,
} as const;

// ---------------------------------------------------------------------------------------------
// Small total helpers
// ---------------------------------------------------------------------------------------------

function cap(s: string, n: number = MAX_STRING): string {
  return s.length > n ? s.slice(0, n) : s;
}

/** Whitespace runs to one space, trimmed, capped. */
function squash(s: string, n: number = MAX_STRING): string {
  return cap(cap(s, n * 4).replace(/\s+/g, ' ').trim(), n);
}

/** Lines of a text (LF or CRLF), each capped, at most `max` of them. */
function splitLines(text: string, max: number = MAX_LINES): string[] {
  const lines: string[] = [];
  let from = 0;
  while (from <= text.length && lines.length < max) {
    let end = text.indexOf('\n', from);
    if (end < 0) end = text.length;
    let line = text.slice(from, Math.min(end, from + MAX_LINE));
    if (line.endsWith('\r')) line = line.slice(0, -1);
    lines.push(line);
    from = end + 1;
  }
  return lines;
}

function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return i;
}

/** Characters an address is made of as MTAs print it (no spaces, brackets, quotes, separators). */
function isAddressChar(c: number): boolean {
  if (c <= 0x20 || c === 0x7f) return false;
  // " ( ) , ; : < > [ ] \
  return c !== 0x22 && c !== 0x28 && c !== 0x29 && c !== 0x2c && c !== 0x3b && c !== 0x3a && c !== 0x3c && c !== 0x3e && c !== 0x5b && c !== 0x5d && c !== 0x5c;
}

function isHostChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f || c > 0x7f;
}

/** Trailing dots removed (a host name's root dot, a sentence's full stop), without a regular expression. */
function trimDots(s: string): string {
  let e = s.length;
  while (e > 0 && s[e - 1] === '.') e--;
  return s.slice(0, e);
}

/** A mailbox as bounces name it: one '@', a local part, a domain with a dot (trailing dots dropped). */
function asAddress(candidate: string): string | null {
  const a = trimDots(candidate);
  const at = a.indexOf('@');
  if (at <= 0 || at !== a.lastIndexOf('@') || at > 64 * 2 || a.length > MAX_ADDRESS) return null;
  const domain = a.slice(at + 1);
  if (domain.length < 3 || !domain.includes('.') || domain.startsWith('.') || domain.includes('..')) return null;
  for (let i = 0; i < domain.length; i++) if (!isHostChar(domain.charCodeAt(i))) return null;
  return a;
}

/** Every address in a line, found around each '@' (linear: each character is looked at a bounded number of times). */
function findAddresses(line: string, max = 20): { address: string; start: number; end: number }[] {
  const found: { address: string; start: number; end: number }[] = [];
  let from = 0;
  while (found.length < max) {
    const at = line.indexOf('@', from);
    if (at < 0) break;
    let s = at;
    while (s > 0 && at - s < 64 && isAddressChar(line.charCodeAt(s - 1)) && line[s - 1] !== '@') s--;
    let e = at + 1;
    while (e < line.length && e - at < 254 && isAddressChar(line.charCodeAt(e)) && line[e] !== '@') e++;
    const address = s < at && e > at + 1 ? asAddress(line.slice(s, e)) : null;
    if (address) found.push({ address, start: s, end: s + address.length });
    from = Math.max(e, at + 1);
  }
  return found;
}

/**
 * A line that begins with an address, as bounces list recipients: `user@x`, `<user@x>`,
 * `"user@x"`, then nothing, `: words`, `... words`, `(…)` (Postfix's "expanded from"), `on <date>`
 * (Exchange 2003), `<mailto:…>` or `(user@x)` (Exchange's user section). `rest` is the words after
 * a colon or an ellipsis, else ''. Anything else after the address (a sentence) is not a recipient line.
 */
function leadingAddress(trimmed: string): { address: string; rest: string } | null {
  let i = 0;
  let close = '';
  if (trimmed[0] === '<' || trimmed[0] === '"') {
    close = trimmed[0] === '<' ? '>' : '"';
    i = 1;
  }
  const start = i;
  while (i < trimmed.length && i - start <= MAX_ADDRESS && isAddressChar(trimmed.charCodeAt(i))) i++;
  const address = asAddress(trimmed.slice(start, i));
  if (!address) return null;
  if (close) {
    if (trimmed[i] !== close) return null;
    i++;
  }
  let after = trimmed.slice(i).trimStart();
  if (after.startsWith('(')) {
    const c = after.indexOf(')');
    if (c < 0) return null;
    after = after.slice(c + 1).trimStart();
  }
  if (after === '' || after.startsWith('<mailto:')) return { address, rest: '' };
  if (after.startsWith(':')) return { address, rest: after.slice(1).trim() };
  if (after.startsWith('...')) return { address, rest: after.slice(3).trim() };
  if (/^on\s/i.test(after)) return { address, rest: '' };
  return null;
}

/** The first enhanced status code in a text ("550 5.7.1 …" → "5.7.1"), as the reporting MTA would put in Status. */
function statusIn(text: string | null): string | null {
  if (!text) return null;
  for (const s of findStatuses(text)) if (s.enhanced) return s.enhanced.code;
  // qmail and others put it last, in brackets after a hash: "(#5.1.2)".
  const m = /\(#([245]\.\d{1,3}\.\d{1,3})\)/.exec(text.slice(0, MAX_STRING));
  return m ? (m[1] as string) : null;
}

/** A host named before an address in brackets: Postfix's `mx.example[192.0.2.1]`, Exim's `mx.example [192.0.2.1]`. */
function hostBeforeBracket(text: string): string | null {
  let from = 0;
  for (let n = 0; n < 20; n++) {
    const b = text.indexOf('[', from);
    if (b < 0) return null;
    from = b + 1;
    const close = text.indexOf(']', b);
    if (close < 0 || close - b > 50) continue;
    const inner = text.slice(b + 1, close);
    if (!/^(?:IPv6:)?[0-9A-Fa-f:.]{2,45}$/.test(inner) || !/[.:]/.test(inner)) continue;
    let e = b;
    if (text[e - 1] === ' ') e--;
    let s = e;
    while (s > 0 && e - s < MAX_HOST && isHostChar(text.charCodeAt(s - 1))) s--;
    const host = trimDots(text.slice(s, e));
    if (host === '') continue;
    if (host.toLowerCase() === 'unknown') return inner.replace(/^IPv6:/, '');
    if (host.includes('.') || host.includes(':')) return host;
  }
  return null;
}

/** "dns; mx.example.com (comment)" → "mx.example.com"; "[192.0.2.1]" → "192.0.2.1". */
function mtaName(value: string): string | null {
  const v = stripType(value).trim();
  const token = v.split(/\s/, 1)[0] ?? '';
  const name = trimDots(token.replace(/^\[/, '').replace(/\]$/, ''));
  return name === '' ? null : cap(name, MAX_HOST);
}

/** "smtp; 550 …" → "550 …": a DSN field's type (RFC 3464 §2.1.2) removed when there is one. */
function stripType(value: string): string {
  const semi = value.indexOf(';');
  if (semi < 0 || semi > 64) return value.trim();
  return /^\s*[A-Za-z0-9][A-Za-z0-9._-]{0,62}\s*$/.test(value.slice(0, semi)) ? value.slice(semi + 1).trim() : value.trim();
}

function addressValue(value: string): string | null {
  let v = stripType(value).trim();
  if (v.startsWith('<') && v.endsWith('>')) v = v.slice(1, -1).trim();
  return v === '' ? null : cap(v, MAX_ADDRESS);
}

function sameAddress(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// RFC 3464 delivery-status
// ---------------------------------------------------------------------------------------------

interface DsnRecipient extends BounceRecipient {
  original: string | null;
  final: string | null;
}

interface Dsn {
  reportingMta: string | null;
  recipients: DsnRecipient[];
}

const DSN_FIELDS = new Set(['final-recipient', 'original-recipient', 'action', 'status', 'remote-mta', 'diagnostic-code', 'last-attempt-date']);
/** Fields that start a DSN (the per-message group, or a recipient group when that is all there is). */
const DSN_START = /^(?:reporting-mta|final-recipient|original-recipient|original-envelope-id|dsn-gateway|received-from-mta|arrival-date)[ \t]*:/i;
/** Header fields of a returned message: past them, the DSN is over (a pasted bounce runs on into it). */
const RETURNED_HEADER = /^(?:received|return-path|message-id|from|to|subject|date|content-type|mime-version|dkim-signature)[ \t]*:/i;
const FIELD = /^([A-Za-z][A-Za-z0-9-]{0,63})[ \t]*:(.*)$/;

function emptyDsnRecipient(): DsnRecipient {
  return { recipient: '', action: null, status: null, remoteMta: null, diagnostic: null, lastAttempt: null, original: null, final: null };
}

/** The per-message and per-recipient fields of a message/delivery-status body (RFC 3464 §2). */
function parseDeliveryStatus(text: string, into: Dsn): void {
  const lines = splitLines(cap(text, MAX_DSN));
  let current = emptyDsnRecipient();
  let seen = new Set<string>();
  let name: string | null = null;
  let parts: string[] = [];
  let length = 0;

  const flushRecipient = (): void => {
    const recipient = current.final ?? current.original;
    if (recipient && into.recipients.length < MAX_BOUNCE_RECIPIENTS) {
      current.recipient = recipient;
      if (current.status === null) current.status = statusIn(current.diagnostic);
      into.recipients.push(current);
    }
    current = emptyDsnRecipient();
    seen = new Set();
  };
  const flushField = (): void => {
    if (name === null) return;
    const value = parts.join(' ');
    const key = name;
    name = null;
    parts = [];
    length = 0;
    if (key === 'reporting-mta') {
      into.reportingMta ??= mtaName(value);
      return;
    }
    if (!DSN_FIELDS.has(key)) return;
    // A second Final-Recipient (or Action …) with no blank line between: a new recipient group.
    if (seen.has(key) && (current.final !== null || current.original !== null)) flushRecipient();
    seen.add(key);
    switch (key) {
      case 'final-recipient':
        current.final = addressValue(value);
        break;
      case 'original-recipient':
        current.original = addressValue(value);
        break;
      case 'action': {
        const word = value.trim().split(/[\s(;]/, 1)[0] ?? '';
        current.action = word === '' ? null : cap(word.toLowerCase(), 32);
        break;
      }
      case 'status': {
        const m = /^\s*([245]\.\d{1,3}\.\d{1,3})(?![\d.])/.exec(value);
        current.status = m ? (m[1] as string) : null;
        break;
      }
      case 'remote-mta':
        current.remoteMta = mtaName(value);
        break;
      case 'diagnostic-code': {
        const d = squash(stripType(value));
        current.diagnostic = d === '' ? null : d;
        break;
      }
      case 'last-attempt-date': {
        const d = squash(value, 200);
        current.lastAttempt = d === '' ? null : d;
        break;
      }
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') {
      flushField();
      if (current.final !== null || current.original !== null) flushRecipient();
      else {
        current = emptyDsnRecipient();
        seen = new Set();
      }
      continue;
    }
    if ((line[0] === ' ' || line[0] === '\t') && name !== null) {
      if (length < MAX_STRING) {
        const t = line.trim();
        parts.push(t);
        length += t.length + 1;
      }
      continue;
    }
    // A pasted bounce runs on into the returned message: its headers or a separator end the DSN.
    if (i > 0 && (RETURNED_HEADER.test(line) || isSeparator(line))) break;
    flushField();
    const m = FIELD.exec(line);
    if (!m) continue;
    name = (m[1] as string).toLowerCase();
    const first = (m[2] as string).trim();
    parts = [first];
    length = first.length;
  }
  flushField();
  flushRecipient();
}

// ---------------------------------------------------------------------------------------------
// HTML to text
// ---------------------------------------------------------------------------------------------

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', lsquo: '‘', rsquo: '’',
  ldquo: '“', rdquo: '”', hellip: '…', copy: '©', reg: '®', middot: '·', bull: '•', laquo: '«', raquo: '»', shy: '',
  zwnj: '', zwj: '', ensp: ' ', emsp: ' ', thinsp: ' ',
};

/** Character references (named, decimal, hexadecimal) decoded; unknown or invalid ones left or replaced. */
function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#\d{1,8}|#[xX][0-9a-fA-F]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const n = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(n) || n <= 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return '\uFFFD';
      return String.fromCodePoint(n);
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

const BLOCK_TAGS = new Set(['br', 'p', 'div', 'tr', 'li', 'ul', 'ol', 'table', 'tbody', 'thead', 'tfoot', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'pre', 'blockquote', 'dt', 'dd', 'dl', 'section', 'article', 'header', 'footer', 'body', 'html', 'center']);
const CELL_TAGS = new Set(['td', 'th']);
const SKIPPED_TAGS = new Set(['script', 'style', 'title', 'head', 'xml']);

/** The text of an HTML body: one forward scan, tags dropped, blocks and rows to lines, cells to tabs. */
export function htmlToText(input: string): string {
  const html = cap(input, MAX_HTML);
  const lower = html.toLowerCase();
  const out: string[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    const end = lt < 0 ? html.length : lt;
    if (end > i) out.push(decodeEntities(html.slice(i, end).replace(/\s+/g, ' ')));
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const c = html.indexOf('-->', lt + 4);
      i = c < 0 ? html.length : c + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    let n = lt + 1;
    const closing = html[n] === '/';
    if (closing) n++;
    let e = n;
    while (e < gt && e - n < 16 && /[A-Za-z0-9]/.test(html[e] as string)) e++;
    const tag = lower.slice(n, e);
    i = gt + 1;
    if (!closing && SKIPPED_TAGS.has(tag) && !html.slice(lt, gt).endsWith('/')) {
      const c = lower.indexOf(`</${tag}`, i);
      if (c < 0) break;
      const cg = html.indexOf('>', c);
      i = cg < 0 ? html.length : cg + 1;
      continue;
    }
    if (BLOCK_TAGS.has(tag)) out.push('\n');
    else if (CELL_TAGS.has(tag) && closing) out.push('\t');
  }
  return out
    .join('')
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, (m) => (m.includes('\t') ? '\t' : ' ')).trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function looksLikeHtml(text: string): boolean {
  return /<(?:html|body|table|div|p|br)\b/i.test(text.slice(0, 4096));
}

// ---------------------------------------------------------------------------------------------
// The human-readable part
// ---------------------------------------------------------------------------------------------

type HumanFormat = 'exchange' | 'postfix' | 'exim' | 'text';

interface HumanRecipient {
  recipient: string;
  action: string | null;
  status: string | null;
  remoteMta: string | null;
  diagnostic: string | null;
}

interface Human {
  format: HumanFormat;
  /** The text said it is a bounce in a dialect's own words (not only by guess). */
  marked: boolean;
  reportingMta: string | null;
  recipients: HumanRecipient[];
  diagnostics: string[];
  /** Lines of the returned message when the text carries it inline (for the last-resort recipient). */
  returned: string[];
}

/** Where a bounce stops speaking and the returned message (or its headers) begins. */
const SEPARATORS = [
  'original message',
  'returned message',
  'unsent message',
  'the header of the original',
  'header of the original',
  'original mail',
  'below this line is a copy',
  'below is a copy',
  'included is a copy',
  'this is a copy of the',
  'copy of the message',
  'message header follows',
  'message headers follow',
  'returned mail follows',
  'original message headers',
];

function isSeparator(line: string): boolean {
  let i = 0;
  while (i < line.length && i < 40 && (line[i] === '-' || line[i] === '=' || line[i] === '*' || line[i] === ' ' || line[i] === '\t')) i++;
  const t = line.slice(i, i + 60).toLowerCase();
  if (t.startsWith('original message details')) return false; // Exchange Online's NDR goes on after it
  return SEPARATORS.some((p) => t.startsWith(p));
}

/** Header fields that only a returned message (not the report's own words) starts a line with. */
const INLINE_HEADERS = /^(?:received|return-path|dkim-signature|arc-seal|message-id|mime-version)[ \t]*:/i;

/** The report's own words: up to the returned message (or a DSN pasted after them). */
function reportRegion(lines: string[]): { region: string[]; returned: string[] } {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (isSeparator(line) || DSN_START.test(line)) return { region: lines.slice(0, i), returned: lines.slice(i + 1, i + 200) };
    if (INLINE_HEADERS.test(line)) return { region: lines.slice(0, i), returned: lines.slice(i, i + 200) };
  }
  return { region: lines, returned: [] };
}

const BOUNCE_WORDS = [
  'undeliver',
  'delivery status notification',
  'delivery failure',
  'delivery failed',
  'delivery has failed',
  'delivery is delayed',
  'could not be delivered',
  "couldn't be delivered",
  'not be delivered',
  'not yet been delivered',
  'returned mail',
  'mail delivery',
  'failure notice',
  'non-delivery',
  'nondelivery',
  'non delivery',
  'mailer-daemon',
  'mailer daemon',
  'unable to deliver',
  "wasn't able to deliver",
  'permanent error',
  'delivery problem',
  'failed to deliver',
  'delivery report',
  'delivery notification',
  'transcript of session',
  'did not reach',
  'rejected your message',
  'permanent fatal error',
];

/** A permanent failure by its enhanced status or, lacking one, its reply code (RFC 5321 §4.2.1: 5yz). */
function permanent(r: { status: string | null; diagnostic: string | null }): boolean {
  if (r.status !== null) return r.status.startsWith('5');
  const first = r.diagnostic ? findStatuses(r.diagnostic)[0] : undefined;
  return first?.reply !== undefined && first.reply !== null && first.reply >= 500;
}

/** Words of a failure notice (a recipient without an action of its own then failed). */
const FAILED_WORDS = /undeliver|could not be delivered|couldn't be delivered|did not reach|unable to deliver|delivery failed|delivery has failed|failed|permanent|returned mail|rejected/;

function bounceWords(text: string): boolean {
  const t = text.toLowerCase();
  return BOUNCE_WORDS.some((w) => t.includes(w));
}

/** A line that starts with a reply code (RFC 5321 §4.2), as transcripts and reason lines do. */
function startsWithReply(trimmed: string): boolean {
  return /^[2-5][0-5]\d(?:[ -]|$)/.test(trimmed);
}

function actionFromWords(text: string): string | null {
  const t = text.toLowerCase();
  if (t.includes('this is a warning only') || t.includes('warning message only') || t.includes('delivery is delayed') || t.includes('not yet been delivered') || t.includes("hasn't been delivered yet") || t.includes('will be retried') || t.includes('delivery attempts will continue')) return 'delayed';
  if (t.includes('successfully delivered') || t.includes('delivery to the following recipients succeeded') || t.includes('was delivered to the following')) return 'delivered';
  return null;
}

/** Recipients in the order named, one entry per address (a report may name one twice: in a list, then with its reason). */
interface RecipientSet {
  list: HumanRecipient[];
  byAddress: Map<string, HumanRecipient>;
}

function recipientSet(): RecipientSet {
  return { list: [], byAddress: new Map() };
}

/** Adds a recipient (made only when it is new or there is room), or fills what an earlier mention lacked. */
function addRecipient(set: RecipientSet, address: string, make: () => HumanRecipient): void {
  const key = address.toLowerCase();
  const same = set.byAddress.get(key);
  if (!same && set.list.length >= MAX_BOUNCE_RECIPIENTS) return;
  const r = make();
  if (same) {
    same.diagnostic ??= r.diagnostic;
    same.status ??= r.status;
    same.remoteMta ??= r.remoteMta;
    same.action ??= r.action;
  } else {
    set.list.push(r);
    set.byAddress.set(key, r);
  }
}

function humanRecipient(address: string, diagnostic: string | null, action: string | null, remoteMta: string | null = null): HumanRecipient {
  const d = diagnostic === null ? '' : squash(diagnostic);
  const diag = d === '' ? null : d;
  return { recipient: cap(address, MAX_ADDRESS), action, status: statusIn(diag), remoteMta: remoteMta ?? (diag ? hostBeforeBracket(diag) : null), diagnostic: diag };
}

function pushDiagnostic(list: string[], text: string): void {
  const d = squash(text);
  if (d !== '' && list.length < MAX_DIAGNOSTICS && !list.includes(d)) list.push(d);
}

// --- Exchange / Exchange Online ---------------------------------------------------------------

const EXCHANGE_LABELS = ['reported error:', 'error:', 'dsn generated by:', 'remote server:', 'message rejected by:', 'original message details', 'message hops', 'error details', 'recipient address:', 'sender address:', 'created date:', 'subject:', 'status code:'];

function labelValue(trimmed: string, label: string): string | null {
  return trimmed.toLowerCase().startsWith(label) ? trimmed.slice(label.length).trim() : null;
}

function isBareHost(t: string): boolean {
  if (t.length < 3 || t.length > MAX_HOST || !t.includes('.')) return false;
  for (let i = 0; i < t.length; i++) if (!isHostChar(t.charCodeAt(i)) && t[i] !== ':') return false;
  return true;
}

/** Exchange 2007's "#550 5.2.2 … ##rfc822;user@x" and 2010's "mx.example #550 … ##": the reply without the markers. */
function exchangeLine(t: string): { host: string | null; text: string } {
  let host: string | null = null;
  let s = t;
  const hash = s.indexOf(' #');
  if (hash > 0 && isBareHost(s.slice(0, hash))) {
    host = s.slice(0, hash);
    s = s.slice(hash + 1);
  }
  if (s.startsWith('#')) {
    s = s.replace(/^#<?\s?#?/, '');
    const end = s.indexOf('##');
    if (end >= 0) s = s.slice(0, end);
    s = s.replace(/>\s?#SMTP#\s*$/i, '').trim();
    s = stripType(s);
  }
  return { host, text: s.trim() };
}

function parseExchange(lines: string[], exclude: Set<string>): Human | null {
  const lower = lines.map((l) => l.toLowerCase());
  const adminAt = lower.findIndex((l) => l.includes('diagnostic information for administrators'));
  const marked =
    adminAt >= 0 ||
    lower.some((l) => l.trimStart().startsWith('generating server:') || l.trimStart().startsWith('dsn generated by:') || l.includes("remote server returned '") || l.includes('delivery has failed to these recipients') || l.includes('delivery is delayed to these recipients'));
  if (!marked) return null;
  const all = lines.join('\n');
  const action = actionFromWords(all) ?? 'failed';
  const recipients = recipientSet();
  const human: Human = { format: 'exchange', marked: true, reportingMta: null, recipients: recipients.list, diagnostics: [], returned: [] };

  // Labels of the newer Exchange Online layout ("Error Details"), and the generating server.
  let reported: string | null = null;
  let remote: string | null = null;
  const listed: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const t = (lines[i] as string).trim();
    const generating = labelValue(t, 'generating server:') ?? labelValue(t, 'dsn generated by:');
    if (generating !== null) {
      human.reportingMta ??= mtaName(generating || ((lines[i + 1] as string | undefined) ?? '').trim());
      continue;
    }
    const rep = labelValue(t, 'reported error:');
    if (rep !== null) {
      const more = [rep];
      for (let j = i + 1; j < lines.length && j < i + 20; j++) {
        const n = (lines[j] as string).trim();
        if (n === '' || EXCHANGE_LABELS.some((l) => n.toLowerCase().startsWith(l))) break;
        more.push(n);
      }
      reported ??= squash(more.join(' '));
      continue;
    }
    const rs = labelValue(t, 'remote server:');
    if (rs !== null && rs !== '') {
      remote ??= mtaName(rs);
      continue;
    }
    const ra = labelValue(t, 'recipient address:');
    if (ra !== null) for (const a of findAddresses(ra)) if (!exclude.has(a.address.toLowerCase())) listed.push(a.address);
  }

  // The administrators' block: an address line, then (optionally) the remote host, then the reply.
  if (adminAt >= 0) {
    let cur: { address: string; host: string | null; text: string[] } | null = null;
    const finish = (): void => {
      const c: { address: string; host: string | null; text: string[] } | null = cur;
      if (c) addRecipient(recipients, c.address, () => humanRecipient(c.address, c.text.length ? c.text.join(' ') : null, action, c.host));
      cur = null;
    };
    for (let i = adminAt + 1; i < lines.length; i++) {
      const t = (lines[i] as string).trim();
      if (t === '') {
        finish();
        continue;
      }
      if (labelValue(t, 'generating server:') !== null) continue;
      const lead = leadingAddress(t);
      if (lead && lead.rest === '') {
        finish();
        cur = { address: lead.address, host: null, text: [] };
        continue;
      }
      if (cur !== null) {
        const c: { address: string; host: string | null; text: string[] } = cur;
        if (c.text.length === 0 && c.host === null && isBareHost(t)) c.host = t;
        else {
          const x = exchangeLine(t);
          if (x.host && c.host === null) c.host = x.host;
          if (x.text) c.text.push(x.text);
        }
      } else pushDiagnostic(human.diagnostics, t);
    }
    finish();
  }

  // The newer layout names the recipient under "Original Message Details" and the error under "Error Details".
  for (const a of listed) addRecipient(recipients, a, () => humanRecipient(a, reported, action, remote));
  if (reported !== null && human.recipients.length === 0) {
    for (const line of lines) {
      if (!line.toLowerCase().includes('your message to ')) continue;
      const m = /^\s*your message to (\S{3,320}) (?:couldn't|could not|wasn't|was not|hasn't|has not) been/i.exec(line) ?? /^\s*your message to (\S{3,320}) couldn't be delivered/i.exec(line);
      const address = m ? asAddress((m[1] as string).replace(/^<|>$/g, '')) : null;
      if (address && !exclude.has(address.toLowerCase())) addRecipient(recipients, address, () => humanRecipient(address, reported, action, remote));
    }
  }
  if (reported !== null && !human.recipients.some((r) => r.diagnostic === reported)) pushDiagnostic(human.diagnostics, reported);

  // The user section ("Delivery has failed to these recipients or groups:") when nothing better named them.
  if (human.recipients.length === 0) {
    const userAt = lower.findIndex((l) => l.includes('to these recipients') || l.includes('your message to the following'));
    const stop = adminAt >= 0 ? adminAt : lines.length;
    for (let i = userAt + 1; userAt >= 0 && i < stop; i++) {
      const lead = leadingAddress((lines[i] as string).trim());
      if (!lead || exclude.has(lead.address.toLowerCase())) continue;
      const words: string[] = [];
      for (let j = i + 1; j < lines.length && j < i + 10; j++) {
        const n = (lines[j] as string).trim();
        if (n === '' || leadingAddress(n)) break;
        words.push(n);
      }
      addRecipient(recipients, lead.address, () => humanRecipient(lead.address, words.join(' ') || null, action));
    }
  }
  return human;
}

// --- Postfix ------------------------------------------------------------------------------------

function parsePostfix(lines: string[], exclude: Set<string>): Human | null {
  let reportingMta: string | null = null;
  let intro = false;
  for (const line of lines) {
    const v = labelValue(line.trim(), 'this is the mail system at host');
    if (v !== null) {
      intro = true;
      reportingMta = mtaName(v);
      break;
    }
  }
  const recipients = recipientSet();
  let postfixish = false;
  const action = actionFromWords(lines.join('\n')) ?? 'failed';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.startsWith('<')) continue;
    const lead = leadingAddress(line.trim());
    if (!lead || exclude.has(lead.address.toLowerCase())) continue;
    const words = [lead.rest];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const n = lines[j] as string;
      if (n.trim() === '' || indentOf(n) === 0) break;
      words.push(n.trim());
    }
    i = j - 1;
    const text = words.join(' ');
    if (/ said: | \(in reply to |TLS is required|connect to |lost connection with |conversation with |Host or domain name not found|delivery temporarily suspended/.test(text)) postfixish = true;
    addRecipient(recipients, lead.address, () => humanRecipient(lead.address, text || null, action));
  }
  if (!intro && !postfixish) return null;
  return { format: 'postfix', marked: true, reportingMta, recipients: recipients.list, diagnostics: [], returned: [] };
}

// --- Exim and anything else that lists recipients in paragraphs ----------------------------------

/** A heading that announces the reason ("For the following reason:", "----- Transcript of session follows -----"). */
function isReasonHeading(trimmed: string): boolean {
  const t = trimmed.toLowerCase();
  const shaped = t.endsWith(':') || t.startsWith('---') || t.startsWith('===') || t.endsWith('---') || t.endsWith('follows');
  return shaped && /reason|error|diagnos|transcript|information|server message|said|failure|problem/.test(t);
}

const EXIM_MARKS = ['this message was created automatically by mail delivery software', 'could not be delivered to one or more of its recipients', 'could not be delivered to one or more recipients', 'smtp error from remote mail server', 'has not yet been delivered to one or more of its'];

function parseParagraphs(lines: string[], exclude: Set<string>): Human {
  const all = lines.join('\n').toLowerCase();
  const exim = EXIM_MARKS.some((m) => all.includes(m));
  const action = actionFromWords(all) ?? (exim || /permanent error|permanent fatal|could not be delivered|undeliverable|unable to deliver/.test(all) ? 'failed' : null);
  const set = recipientSet();
  const used = new Set<number>();

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const t = line.trim();
    if (t === '') continue;
    const lead = leadingAddress(t);
    if (lead && !exclude.has(lead.address.toLowerCase())) {
      // A recipient line, and what follows it until a blank line or the next recipient at its indent.
      const indent = indentOf(line);
      const words = lead.rest ? [lead.rest] : [];
      let host: string | null = null;
      used.add(i);
      let j = i + 1;
      for (; j < lines.length; j++) {
        const n = lines[j] as string;
        const nt = n.trim();
        if (nt === '' || (indentOf(n) <= indent && leadingAddress(nt))) break;
        used.add(j);
        const h = /^host:?\s+([A-Za-z0-9._:-]{1,255})(?:\s+\[|\s*$)/i.exec(nt);
        if (h && host === null) host = trimDots(h[1] as string);
        words.push(nt);
      }
      i = j - 1;
      addRecipient(set, lead.address, () => humanRecipient(lead.address, words.length ? words.join(' ') : null, action, host));
      continue;
    }
    // "Could not be delivered to: <user@x>", "RCPT TO: user@x", "There was an error delivering your mail to <user@x>."
    for (const a of findAddresses(line, 4)) {
      if (exclude.has(a.address.toLowerCase())) continue;
      const before = line.slice(Math.max(0, a.start - 80), a.start).toLowerCase().replace(/[\s<":]+$/, '');
      if (!/(?:^|\s)to$/.test(before) || !/deliver|rcpt|recipient|message|mail|reach/.test(before)) continue;
      used.add(i);
      const words: string[] = [];
      if (!before.includes('rcpt')) {
        const tail = line.slice(a.end).replace(/^[>"\s.:]+/, '').trim();
        if (tail) words.push(tail);
        for (let j = i + 1; j < lines.length && (lines[j] as string).trim() !== ''; j++) {
          words.push((lines[j] as string).trim());
          used.add(j);
        }
      }
      addRecipient(set, a.address, () => humanRecipient(a.address, words.length ? words.join(' ') : null, action));
    }
  }

  // The reasons no recipient line holds: paragraphs after a reason heading, and reply-code lines.
  const diagnostics: string[] = [];
  let afterHeading = false;
  let para: string[] = [];
  const endParagraph = (): void => {
    if (para.length) {
      pushDiagnostic(diagnostics, para.join(' '));
      afterHeading = false;
    }
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const t = (lines[i] as string).trim();
    if (t === '') {
      endParagraph();
      continue;
    }
    if (used.has(i) || leadingAddress(t)?.rest === '') continue;
    if (isReasonHeading(t)) {
      endParagraph();
      afterHeading = true;
      continue;
    }
    if (afterHeading || startsWithReply(t) || / said: /.test(t) || /SMTP error from remote/i.test(t) || /a TLS session is required/i.test(t)) {
      para.push(t);
      continue;
    }
    if (para.length) para.push(t);
    else afterHeading = false;
  }
  endParagraph();

  // Recipients with no words of their own get the report's reason (one reason for all, as these reports give it).
  const shared = diagnostics.find((d) => statusIn(d) !== null || startsWithReply(d)) ?? diagnostics[0] ?? null;
  const recipients = set.list;
  for (const r of recipients) {
    if (r.diagnostic === null && shared !== null) {
      r.diagnostic = shared;
      r.status ??= statusIn(shared);
      r.remoteMta ??= hostBeforeBracket(shared);
    }
  }
  return { format: exim ? 'exim' : 'text', marked: exim, reportingMta: null, recipients, diagnostics, returned: [] };
}

/** The report's own words read in the first dialect that recognises them. */
function readHuman(text: string, exclude: Set<string>): Human | null {
  if (text.trim() === '') return null;
  const lines = splitLines(cap(looksLikeHtml(text) ? htmlToText(text) : text, MAX_HUMAN));
  const { region, returned } = reportRegion(lines);
  const exchange = parseExchange(region, exclude);
  if (exchange && exchange.recipients.length) return { ...exchange, returned };
  const postfix = parsePostfix(region, exclude);
  if (postfix && postfix.recipients.length) return { ...postfix, returned };
  const paragraphs = parseParagraphs(region, exclude);
  const named = exchange ?? postfix;
  if (paragraphs.recipients.length > 0 || named === null) return { ...paragraphs, marked: paragraphs.marked || named !== null, returned };
  // A dialect's own words but no recipient line: its name, and every reason either reading found.
  const diagnostics = [...named.diagnostics];
  for (const d of paragraphs.diagnostics) pushDiagnostic(diagnostics, d);
  return { ...named, diagnostics, returned };
}

// ---------------------------------------------------------------------------------------------
// Putting it together
// ---------------------------------------------------------------------------------------------

/** The addresses of a header block's To and Cc fields (for the last-resort recipient). */
function returnedRecipients(headerLines: string[]): string[] | null {
  const fields: { name: string; value: string }[] = [];
  for (const line of headerLines.slice(0, 300)) {
    if (line.trim() === '') break;
    if ((line[0] === ' ' || line[0] === '\t') && fields.length) {
      (fields[fields.length - 1] as { value: string }).value += ` ${line.trim()}`;
      continue;
    }
    const m = FIELD.exec(line);
    if (m) fields.push({ name: (m[1] as string).toLowerCase(), value: cap(m[2] as string) });
  }
  if (fields.length === 0) return null;
  const to = fields.filter((f) => f.name === 'to' || f.name === 'cc');
  return to.flatMap((f) => findAddresses(f.value).map((a) => a.address));
}

function mailboxes(list: Address[] | Address | undefined): string[] {
  const out: string[] = [];
  for (const a of list === undefined ? [] : Array.isArray(list) ? list : [list]) {
    if ('group' in a && Array.isArray(a.group)) for (const m of a.group) out.push(m.address);
    else if ('address' in a && typeof a.address === 'string') out.push(a.address);
  }
  return out.filter((x) => x !== '').map((x) => x.toLowerCase());
}

function contentText(a: Attachment): string {
  const c: unknown = a.content;
  if (typeof c === 'string') return cap(c, MAX_DSN);
  if (c instanceof ArrayBuffer || ArrayBuffer.isView(c)) {
    const bytes = c instanceof ArrayBuffer ? new Uint8Array(c) : new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, MAX_DSN));
  }
  return '';
}

interface Parts {
  subject: string | null;
  exclude: Set<string>;
  dsnTexts: string[];
  humanTexts: string[];
  /** Header lines of the returned message (message/rfc822, text/rfc822-headers), when attached. */
  returnedHeaders: string[];
  /** Attached messages that may themselves be bounces (a forwarded NDR). */
  nested: string[];
}

function startsLikeDsn(text: string): boolean {
  return DSN_START.test(text.slice(0, 200));
}

/** A header block first: header lines up to a blank line, and at least one that a message has. */
function startsLikeMessage(text: string): boolean {
  const lines = splitLines(text.slice(0, 64 * 1024), 200);
  let known = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') return known;
    if (line[0] === ' ' || line[0] === '\t') {
      if (i === 0) return false;
      continue;
    }
    const m = /^([!-9;-~]{1,76}):/.exec(line);
    if (!m) return false;
    if (/^(?:received|from|to|subject|date|message-id|content-type|mime-version|return-path|delivered-to|x-[a-z0-9-]+|sender|reply-to|auto-submitted|envelope-to|delivery-date)$/i.test(m[1] as string)) known = true;
  }
  return known;
}

/** The start of a text: at most `chars` characters and `lines` lines. */
function head(text: string, chars: number, lines: number): string {
  let at = 0;
  for (let n = 0; n < lines; n++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0 || nl >= chars) return cap(text, chars);
    at = nl + 1;
  }
  return text.slice(0, at);
}

async function readMime(input: string): Promise<Parts | null> {
  const text = head(input, MAX_MIME_CHARS, MAX_MIME_LINES);
  let email: Email;
  try {
    email = await PostalMime.parse(text, MIME_OPTIONS);
  } catch {
    return null; // over postal-mime's limits or unreadable: read as plain text instead
  }
  const parts: Parts = {
    subject: typeof email.subject === 'string' && email.subject.trim() !== '' ? squash(email.subject, 1000) : null,
    exclude: new Set([...mailboxes(email.from), ...mailboxes(email.to)]),
    dsnTexts: [],
    humanTexts: [],
    returnedHeaders: [],
    nested: [],
  };
  if (typeof email.text === 'string' && email.text.trim() !== '') parts.humanTexts.push(cap(email.text, MAX_HUMAN));
  if (typeof email.html === 'string' && email.html.trim() !== '') parts.humanTexts.push(htmlToText(email.html));
  // A broken MIME structure (a part whose boundary parameter lost its folding) hides every text: read the body as it is.
  if (parts.humanTexts.length === 0 && email.attachments.length === 0) {
    const blank = /\r?\n\r?\n/.exec(text);
    if (blank) parts.humanTexts.push(cap(text.slice(blank.index + blank[0].length), MAX_HUMAN));
  }
  for (const a of email.attachments.slice(0, 100)) {
    const type = (a.mimeType || '').toLowerCase();
    if (type === 'message/delivery-status' || type === 'message/global-delivery-status') parts.dsnTexts.push(contentText(a));
    else if (type === 'text/rfc822-headers' || type === 'message/global-headers') {
      if (parts.returnedHeaders.length === 0) parts.returnedHeaders = splitLines(contentText(a), 300);
    } else if (type === 'message/rfc822' || type === 'message/global') {
      const body = contentText(a);
      if (parts.returnedHeaders.length === 0) parts.returnedHeaders = splitLines(body.slice(0, 64 * 1024), 300);
      if (parts.nested.length < MAX_NESTED_PARTS) parts.nested.push(body);
    }
  }
  return parts;
}

function pastedParts(text: string): Parts {
  return { subject: null, exclude: new Set(), dsnTexts: [], humanTexts: [text], returnedHeaders: [], nested: [] };
}

/** Merges the delivery-status recipients with what the human part says about the same recipients. */
function merge(dsn: Dsn, human: Human | null): BounceRecipient[] {
  const humans = human?.recipients ?? [];
  return dsn.recipients.map((d) => {
    let h = humans.find((x) => sameAddress(x.recipient, d.final) || sameAddress(x.recipient, d.original));
    if (!h && dsn.recipients.length === 1 && humans.length === 1) h = humans[0];
    const diagnostic = d.diagnostic ?? h?.diagnostic ?? null;
    return {
      recipient: d.recipient,
      action: d.action ?? h?.action ?? null,
      status: d.status ?? h?.status ?? statusIn(diagnostic),
      remoteMta: d.remoteMta ?? h?.remoteMta ?? null,
      diagnostic,
      lastAttempt: d.lastAttempt,
    };
  });
}

async function parseAt(raw: string, depth: number): Promise<Bounce | null> {
  let text = raw.length > MAX_BOUNCE_CHARS ? raw.slice(0, MAX_BOUNCE_CHARS) : raw;
  text = text.replace(/^\uFEFF/, '').replace(/^\s+/, (ws) => (ws.includes('\n') ? '' : ws));
  // An mbox separator line ("From sender date") before the headers.
  if (text.startsWith('From ')) {
    const nl = text.indexOf('\n');
    text = nl < 0 ? '' : text.slice(nl + 1);
  }
  if (text.trim() === '') return null;

  let parts: Parts;
  if (startsLikeDsn(text)) parts = { ...pastedParts(''), dsnTexts: [text] };
  else if (startsLikeMessage(text)) parts = (await readMime(text)) ?? pastedParts(text);
  else parts = pastedParts(text);

  // The human part, in the first of its texts (plain, then HTML) that names recipients.
  let human: Human | null = null;
  for (const t of parts.humanTexts) {
    const h = readHuman(t, parts.exclude);
    if (h && (human === null || (human.recipients.length === 0 && h.recipients.length > 0))) human = h;
    if (human && human.recipients.length > 0) break;
  }

  // The delivery-status part; or a DSN pasted into (or sent as) the text.
  const dsn: Dsn = { reportingMta: null, recipients: [] };
  for (const t of parts.dsnTexts) parseDeliveryStatus(t, dsn);
  if (parts.dsnTexts.length === 0) {
    for (const t of parts.humanTexts.slice(0, 1)) {
      const lines = splitLines(cap(t, MAX_DSN));
      const at = lines.findIndex((l) => /^(?:reporting-mta|final-recipient|original-recipient)[ \t]*:/i.test(l));
      if (at >= 0) parseDeliveryStatus(lines.slice(at).join('\n'), dsn);
    }
  }

  let recipients: BounceRecipient[];
  let format: Bounce['format'];
  if (dsn.recipients.length > 0) {
    recipients = merge(dsn, human);
    format = 'rfc3464';
  } else {
    recipients = (human?.recipients ?? []).map((r) => ({ ...r, lastAttempt: null }));
    format = human?.format ?? 'text';
  }

  // A forwarded bounce: the report is the attached message.
  if (recipients.length === 0 && depth < MAX_NESTED) {
    for (const n of parts.nested) {
      const inner = await parseAt(n, depth + 1);
      if (inner && inner.recipients.length > 0) return { ...inner, subject: inner.subject ?? parts.subject };
    }
  }

  const humanText = parts.humanTexts.map((t) => t.slice(0, 64 * 1024)).join('\n');
  const bounceLike =
    parts.dsnTexts.length > 0 ||
    dsn.recipients.length > 0 ||
    Boolean(human?.marked) ||
    bounceWords(`${parts.subject ?? ''}\n${[...parts.exclude].join(' ')}\n${humanText}`) ||
    (recipients.length > 0 && splitLines(humanText, 2000).some((l) => /^[45]\d\d[ -]/.test(l.trim())));
  if (!bounceLike) return null;

  // Last resort: the report names no recipient but says why, and the returned message had one addressee.
  if (recipients.length === 0 && human && human.diagnostics.length > 0) {
    const headerLines = parts.returnedHeaders.length ? parts.returnedHeaders : human.returned;
    const to = returnedRecipients(headerLines);
    if (to && to.length === 1) {
      const diagnostic = human.diagnostics.find((d) => statusIn(d) !== null || startsWithReply(d)) ?? (human.diagnostics[0] as string);
      recipients = [{ ...humanRecipient(to[0] as string, diagnostic, actionFromWords(humanText) ?? null), lastAttempt: null }];
    }
  }

  // A recipient the report gave no action: failed when its code or the report's words say so.
  if (dsn.recipients.length === 0 && recipients.some((r) => r.action === null)) {
    const failedWords = FAILED_WORDS.test(`${parts.subject ?? ''}\n${parts.humanTexts[0]?.slice(0, 64 * 1024) ?? ''}`.toLowerCase());
    for (const r of recipients) r.action ??= permanent(r) || failedWords ? 'failed' : null;
  }

  return {
    format,
    reportingMta: dsn.reportingMta ?? human?.reportingMta ?? null,
    subject: parts.subject,
    recipients: recipients.slice(0, MAX_BOUNCE_RECIPIENTS),
    diagnostics: human?.diagnostics ?? [],
  };
}

/**
 * Reads a bounce (a whole message, or an NDR / DSN pasted without its headers): each recipient it
 * reports on, with the action, status, remote server and diagnostic. Null when the text is not a
 * bounce at all. Never throws on malformed input; the caller enforces the 32 MiB size limit.
 */
export async function parseBounce(raw: string): Promise<Bounce | null> {
  return parseAt(typeof raw === 'string' ? raw : '', 0);
}
