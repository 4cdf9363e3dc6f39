// Reading header blocks (issue 22, item 1): a whole message or just its header — a .eml, an mbox,
// an Outlook "Internet headers" or OWA "message details" paste — into fields, each with its raw
// lines and where they were, unfolded (RFC 5322 §2.2.3) and, where RFC 2047 allows encoded-words,
// decoded. Pure, total and bounded: every input gives a value, hostile text only notes.
//
// Lines end in LF or CRLF; a lone CR is kept as text. Everything is scanned line by line with
// indexOf, never with a regex that can backtrack: the one regex (encoded-words) has only bounded
// classes that cannot cross its delimiters.

import { TextDecoder } from 'node:util';
import { decodeQuotedPrintable, parseParams } from '../mime.js';

export const HEADER_LIMITS = {
  /** Characters of one header block read, from the first field on. */
  blockChars: 1024 * 1024,
  fields: 10_000,
  /** Characters kept of one field's raw lines. */
  fieldChars: 64 * 1024,
  messages: 100_000,
  /** MIME parts walked, at every depth together, when looking for returned messages. */
  parts: 1_000,
  depth: 8,
} as const;

export interface HeaderField {
  /** The name as written ("Received", "subject"). */
  name: string;
  /** The field's lines as written, without their line ends, joined with "\n" (cut at the cap). */
  raw: string;
  /** The value unfolded (line breaks removed, the folding white space kept), trimmed. */
  value: string;
  /** `value` with RFC 2047 encoded-words decoded in the fields where they may appear; `value` otherwise. */
  decoded: string;
  /** 1-based number of the field's first line in the text read. */
  line: number;
  /** How many lines the field spans in the text (all of them, even past the cap). */
  lines: number;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** 1-based line where the body starts (after the empty line, or the line that ended the header); null when the text ended first. */
  bodyStart: number | null;
  notes: string[];
  /** The block was longer than the bounds: fields past them were not read. */
  truncated: boolean;
}

/** Whether `code` may be in a field name (RFC 5322 §2.2: printable US-ASCII but ":"). */
function isNameChar(code: number): boolean {
  return code >= 33 && code <= 126 && code !== 58;
}

/** The length of the field name at the start of `line` when it is a field line ("Name:" or obsolete "Name  :"), else -1. */
function fieldNameLength(line: string): number {
  let i = 0;
  while (i < line.length && i <= 256 && isNameChar(line.charCodeAt(i))) i++;
  if (i === 0 || i > 256) return -1;
  let j = i;
  while (j < line.length && j - i < 64 && (line[j] === ' ' || line[j] === '\t')) j++;
  return line[j] === ':' ? i : -1;
}

const isWsp = (c: string | undefined): boolean => c === ' ' || c === '\t';

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (!isWsp(line[i])) return false;
  return true;
}

/** Iterates over the lines of `text` from `pos`, without their line ends. */
function* linesOf(text: string, pos = 0): Generator<{ text: string; start: number; next: number }> {
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    const next = nl === -1 ? text.length : nl + 1;
    const line = end > pos && text.charCodeAt(end - 1) === 13 ? text.slice(pos, end - 1) : text.slice(pos, end);
    yield { text: line, start: pos, next };
    pos = next;
  }
}

// Fields whose text RFC 2047 encoded-words may appear in: unstructured fields (§5 (1)) and the
// phrases of address fields (§5 (3)). Received, Authentication-Results, DKIM-Signature … are not.
const DECODED = new Set([
  'subject', 'comments', 'keywords', 'content-description', 'thread-topic',
  'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'resent-from', 'resent-sender', 'resent-to', 'resent-cc',
  'resent-bcc', 'disposition-notification-to', 'return-receipt-to', 'x-original-from', 'x-original-to', 'x-sender',
]);

function shouldDecode(name: string): boolean {
  const lower = name.toLowerCase();
  return DECODED.has(lower);
}

// windows-1252 (which WHATWG also answers for iso-8859-1 and us-ascii): Node without full ICU
// decodes it as Latin-1, so 0x80-0x9F are mapped here (0x81, 0x8D, 0x8F, 0x90, 0x9D stay as they are).
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
interface Decoder {
  decode(bytes: Uint8Array): string;
}
const WINDOWS_1252: Decoder = {
  decode(bytes) {
    let out = '';
    for (const b of bytes) out += b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b);
    return out;
  },
};

const decoders = new Map<string, Decoder | null>();

/** A decoder for a MIME charset name, or null when the platform does not know it. */
function decoderFor(charset: string): Decoder | null {
  const key = charset.toLowerCase();
  const known = decoders.get(key);
  if (known !== undefined) return known;
  let decoder: Decoder | null = null;
  try {
    const platform = new TextDecoder(key === 'utf8' ? 'utf-8' : key, { fatal: false });
    // WHATWG maps some labels (iso-2022-kr, hz-gb-2312 …) to a decoder that only yields U+FFFD.
    if (platform.encoding === 'windows-1252') decoder = WINDOWS_1252;
    else if (platform.encoding !== 'replacement') decoder = platform;
  } catch {
    decoder = null;
  }
  if (decoders.size < 64) decoders.set(key, decoder);
  return decoder;
}

function qBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '_') out[n++] = 0x20;
    else if (c === '=' && i + 2 < text.length && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out[n++] = parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else out[n++] = text.charCodeAt(i) & 0xff;
  }
  return out.subarray(0, n);
}

// charset (optionally *language, RFC 2231) ? B|Q ? text ?= — every class excludes "?" and white
// space, so no part can run into the next: the scan stays linear.
const ENCODED_WORD = /=\?([^?\s*]{1,64})(?:\*[^?\s]{1,32})?\?([BbQq])\?([^?\s]{0,4096})\?=/g;

/**
 * Decodes the RFC 2047 encoded-words of `value`; white space between two adjacent words goes
 * (§6.2), and adjacent words in one charset are decoded together, so that a character split
 * between two words (UTF-8 bytes, an ISO-2022-JP escape) comes back whole.
 */
export function decodeEncodedWords(value: string, notes: string[] = []): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let pending: { charset: string; decoder: Decoder; bytes: Uint8Array[] } | null = null;
  const flush = (): void => {
    if (pending) out += pending.decoder.decode(Buffer.concat(pending.bytes));
    pending = null;
  };
  for (const m of value.matchAll(ENCODED_WORD)) {
    const index = m.index;
    const [word, charset = '', encoding = '', text = ''] = m;
    const decoder = decoderFor(charset);
    if (!decoder) {
      if (!notes.some((n) => n.includes(`"${charset}"`))) notes.push(`encoded-word in unknown charset "${charset}" left as written`);
      continue;
    }
    const between = value.slice(last, index);
    const adjacent = pending !== null && isBlankText(between);
    const bytes = encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qBytes(text);
    const open = pending as { charset: string; decoder: Decoder; bytes: Uint8Array[] } | null;
    if (adjacent && open && open.charset === charset.toLowerCase()) open.bytes.push(bytes);
    else {
      flush();
      if (!adjacent) out += between;
      pending = { charset: charset.toLowerCase(), decoder, bytes: [bytes] };
    }
    last = index + word.length;
  }
  flush();
  return out + value.slice(last);
}

function isBlankText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s[i] !== ' ' && s[i] !== '\t' && s[i] !== '\r' && s[i] !== '\n') return false;
  return true;
}

interface OpenField {
  name: string;
  nameLength: number;
  parts: string[];
  size: number;
  line: number;
  lines: number;
  cut: boolean;
}

function closeField(open: OpenField, notes: string[]): HeaderField {
  const raw = open.parts.join('\n');
  if (open.cut) notes.push(`field ${open.name.slice(0, 64)} at line ${open.line} cut at ${HEADER_LIMITS.fieldChars} characters`);
  const afterName = raw.slice(open.nameLength);
  const value = afterName.slice(afterName.indexOf(':') + 1).split('\n').join('').trim();
  const decoded = shouldDecode(open.name) ? decodeEncodedWords(value, notes) : value;
  return { name: open.name, raw, value, decoded, line: open.line, lines: open.lines };
}

/**
 * Reads the header block at the start of `text`: leading blank lines and an mbox "From " line are
 * skipped; it ends at the first empty (or blank) line after a field, or at a line that is neither
 * a field nor a continuation (with a note).
 */
export function readHeaderBlock(text: string): HeaderBlock {
  const fields: HeaderField[] = [];
  const notes: string[] = [];
  let truncated = false;
  let open: OpenField | null = null;
  let lineNo = 0;
  let skipped = 0;
  let firstSkipped = 0;
  let used = 0;
  let bodyStart: number | null = null;
  let ended = false;
  for (const { text: line, start, next } of linesOf(text)) {
    lineNo++;
    if (!open && fields.length === 0) {
      // Before the first field: pasted blanks, indentation, an mbox envelope line, stray text.
      if (isBlank(line)) continue;
      const trimmed = line.trimStart();
      const n = fieldNameLength(trimmed);
      if (n === -1) {
        if (skipped === 0 && trimmed.startsWith('From ')) notes.push(`line ${lineNo}: mbox "From " line skipped`);
        else if (firstSkipped === 0) firstSkipped = lineNo;
        skipped++;
        if (start > HEADER_LIMITS.blockChars) {
          notes.push(`no header field in the first ${HEADER_LIMITS.blockChars} characters`);
          truncated = true;
          ended = true;
          break;
        }
        continue;
      }
      if (trimmed.length !== line.length) notes.push(`line ${lineNo}: indentation before the first field ignored`);
      open = { name: trimmed.slice(0, n), nameLength: n, parts: [], size: 0, line: lineNo, lines: 0, cut: false };
      appendLine(open, trimmed);
      used = line.length;
      continue;
    }
    used += next - start;
    if (used > HEADER_LIMITS.blockChars) {
      notes.push(`header block longer than ${HEADER_LIMITS.blockChars} characters: read up to line ${lineNo - 1}`);
      truncated = true;
      ended = true;
      break;
    }
    if (line.length === 0 || isBlank(line)) {
      bodyStart = next < text.length ? lineNo + 1 : null;
      ended = true;
      break;
    }
    if (isWsp(line[0]) && open) {
      appendLine(open, line);
      continue;
    }
    const n = fieldNameLength(line);
    if (n === -1) {
      notes.push(`line ${lineNo}: neither a field nor a continuation: the header ends here`);
      bodyStart = lineNo;
      ended = true;
      break;
    }
    if (open) fields.push(closeField(open, notes));
    open = null;
    if (fields.length >= HEADER_LIMITS.fields) {
      notes.push(`more than ${HEADER_LIMITS.fields} fields: read up to line ${lineNo - 1}`);
      truncated = true;
      ended = true;
      break;
    }
    open = { name: line.slice(0, n), nameLength: n, parts: [], size: 0, line: lineNo, lines: 0, cut: false };
    appendLine(open, line);
  }
  if (open) fields.push(closeField(open, notes));
  if (firstSkipped > 0) notes.splice(0, 0, `line ${firstSkipped}: text before the first field skipped`);
  if (!ended && fields.length === 0 && text.length > 0) notes.push('no header field found');
  return { fields, bodyStart, notes, truncated };
}

function appendLine(open: OpenField, line: string): void {
  open.lines++;
  if (open.cut) return;
  const room = HEADER_LIMITS.fieldChars - open.size - (open.parts.length > 0 ? 1 : 0);
  if (line.length > room) {
    if (room > 0) open.parts.push(line.slice(0, room));
    open.size = HEADER_LIMITS.fieldChars;
    open.cut = true;
    return;
  }
  open.parts.push(line);
  open.size += line.length + (open.parts.length > 1 ? 1 : 0);
}

/** The fields called `name` (any case), in their order. */
export function fieldsNamed(block: HeaderBlock, name: string): HeaderField[] {
  const lower = name.toLowerCase();
  return block.fields.filter((f) => f.name.toLowerCase() === lower);
}

/** Whether `line` quotes an mbox separator (">From ", ">>From " …) and so loses one ">". */
function unquoteFrom(line: string): string {
  let i = 0;
  while (i < line.length && line[i] === '>') i++;
  return i > 0 && line.startsWith('From ', i) ? line.slice(1) : line;
}

/**
 * Several messages from one text: an mbox (a "From " line at the start or after an empty line
 * begins a message; ">From " lines inside lose one ">", mboxrd style) or a single message, as is.
 */
export function splitMessages(text: string): { messages: string[]; cut: boolean } {
  let first = 0;
  while (first < text.length && (text[first] === '\n' || text[first] === '\r')) first++;
  if (!text.startsWith('From ', first)) return { messages: text.length > 0 ? [text] : [], cut: false };
  const messages: string[] = [];
  let current: string[] | null = null;
  let previousEmpty = true;
  let cut = false;
  const finish = (lines: string[]): void => {
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // the empty line before the next "From "
    messages.push(lines.join('\n'));
  };
  for (const { text: line } of linesOf(text, first)) {
    if (previousEmpty && line.startsWith('From ')) {
      if (current) finish(current);
      if (messages.length >= HEADER_LIMITS.messages) {
        cut = true;
        current = null;
        break;
      }
      current = [];
      previousEmpty = false;
      continue;
    }
    current?.push(unquoteFrom(line));
    previousEmpty = line.length === 0;
  }
  if (current) finish(current);
  return { messages, cut };
}

function mediaType(block: HeaderBlock): string {
  const field = fieldsNamed(block, 'content-type')[0];
  if (!field) return 'text/plain';
  const semi = field.value.indexOf(';');
  return (semi === -1 ? field.value : field.value.slice(0, semi)).trim().toLowerCase();
}

/** Offset in `text` where the 1-based `line` starts (text.length when past the end). */
function offsetOfLine(text: string, line: number): number {
  let pos = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf('\n', pos);
    if (nl === -1) return text.length;
    pos = nl + 1;
  }
  return pos;
}

function decodeBody(body: string, encoding: string): string {
  const e = encoding.trim().toLowerCase();
  if (e === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (e === 'quoted-printable') {
    return decodeQuotedPrintable(body).toString('utf8');
  }
  return body;
}

const RETURNED = new Set(['message/rfc822', 'text/rfc822-headers', 'message/rfc822-headers', 'message/global', 'message/global-headers']);

interface Walk {
  found: string[];
  parts: number;
}

/** The parts of a multipart body between its boundary lines (the line break before a boundary belongs to it). */
function splitParts(body: string, boundary: string, walk: Walk): string[] {
  const parts: string[] = [];
  const marker = `--${boundary}`;
  let partStart = -1;
  for (const { text: line, start, next } of linesOf(body)) {
    if (!line.startsWith(marker)) continue;
    const rest = line.slice(marker.length);
    const closing = rest.startsWith('--');
    if (!isBlank(closing ? rest.slice(2) : rest)) continue;
    if (partStart !== -1) {
      let end = start;
      if (end > partStart && body[end - 1] === '\n') end--;
      if (end > partStart && body[end - 1] === '\r') end--;
      parts.push(body.slice(partStart, end));
      if (++walk.parts >= HEADER_LIMITS.parts) return parts;
    }
    if (closing) return parts;
    partStart = next;
  }
  if (partStart !== -1 && partStart < body.length) parts.push(body.slice(partStart)); // no closing boundary
  return parts;
}

function walkEntity(text: string, depth: number, walk: Walk): void {
  if (depth > HEADER_LIMITS.depth || walk.parts >= HEADER_LIMITS.parts) return;
  if (depth > 0 && (text.startsWith('\n') || text.startsWith('\r\n'))) return; // no header: text/plain
  const block = readHeaderBlock(text);
  if (block.bodyStart === null) return;
  const type = mediaType(block);
  const body = text.slice(offsetOfLine(text, block.bodyStart));
  if (RETURNED.has(type)) {
    const encoding = fieldsNamed(block, 'content-transfer-encoding')[0]?.value ?? '';
    walk.found.push(decodeBody(body, encoding));
    return;
  }
  if (!type.startsWith('multipart/')) return;
  const boundary = parseParams(fieldsNamed(block, 'content-type')[0]?.value ?? '').params.boundary?.slice(0, 200);
  if (!boundary) return;
  for (const part of splitParts(body, boundary, walk)) walkEntity(part, depth + 1, walk);
}

/** A line that introduces a quoted message: "----- Original message -----", "-----------". */
function isMarker(line: string): boolean {
  return line.trimStart().startsWith('---');
}

/**
 * A plain-text bounce ("--- Below this line is a copy of the message.") quotes the message after
 * an empty line or a dashed marker line: the first header block there with a Received field.
 */
function quotedMessage(text: string, bodyOffset: number): string | null {
  let previousEmpty = true;
  let scanned = 0;
  let tried = 0;
  for (const { text: line, start } of linesOf(text, bodyOffset)) {
    if (++scanned > 200_000) return null;
    if (previousEmpty && fieldNameLength(line) > 0 && tried++ < 100) {
      const candidate = text.slice(start);
      if (fieldsNamed(readHeaderBlock(candidate), 'received').length > 0) return candidate;
    }
    previousEmpty = isBlank(line) || isMarker(line);
  }
  return null;
}

/**
 * The messages returned inside a bounce or a failure report: the message/rfc822 and
 * text/rfc822-headers parts (at any multipart depth, not inside a returned message), or else the
 * message a plain-text bounce quotes after its own text. Each comes back as its text.
 */
export function embeddedMessages(text: string): string[] {
  const walk: Walk = { found: [], parts: 0 };
  try {
    walkEntity(text, 0, walk);
    if (walk.found.length > 0) return walk.found;
    const block = readHeaderBlock(text);
    if (block.bodyStart === null) return [];
    const quoted = quotedMessage(text, offsetOfLine(text, block.bodyStart));
    return quoted === null ? [] : [quoted];
  } catch {
    return walk.found; // a bug of ours must not cost the caller the parts already found
  }
}
