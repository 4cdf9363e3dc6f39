// The test message of `mxray send`, composed from the options or read whole from a file (--data),
// before anything touches the network. Pure: the time and the test id are handed in. Every line end
// becomes CRLF (a bare CR or LF never reaches the wire: SMTP smuggling), no line is longer than the
// 998 octets RFC 5322 §2.1.1 allows (headers are folded at a space where they can be, anything else
// is refused), NUL is refused, and the message says whether it needs 8BITMIME or SMTPUTF8.
import { UsageError } from '../../core/errors.js';
import { escapeText } from '../../core/transcript.js';

/** RFC 5322 §2.1.1: at most 998 octets on a line, without its CRLF. */
export const MAX_LINE_OCTETS = 998;
/** The largest message mxray sends (after --size padding). */
export const MAX_SEND_BYTES = 64 * 1024 * 1024;
/** The largest --data file read. */
export const MAX_DATA_FILE_BYTES = 32 * 1024 * 1024;

export interface ComposeInput {
  from: string;
  to: readonly string[];
  subject?: string | null;
  /** Extra header lines, "Name: value" (--header); From, To, Subject, Date and the MIME headers given here replace ours. */
  headers?: readonly string[];
  body?: string | null;
  /** A whole RFC 5322 message (--data): only X-Mxray-Test (and a Message-ID when it has none) is added. */
  data?: Buffer | null;
  /** Pad the body to make the message exactly this many bytes (--size). */
  size?: number | null;
  /** Epoch milliseconds, for the Date header. */
  now: number;
  /** Unique per message: the X-Mxray-Test value and the left part of the Message-ID. */
  testId: string;
  /** The right part of the Message-ID (our EHLO name). */
  idDomain: string;
}

export interface ComposedMessage {
  /** CRLF line ends, not dot-stuffed. */
  bytes: Buffer;
  messageId: string;
  testId: string;
  subject: string | null;
  /** A byte over 127 somewhere: needs 8BITMIME (BODY=8BITMIME). */
  eightBit: boolean;
  /** Non-ASCII in the envelope or the headers: needs SMTPUTF8. */
  utf8: boolean;
  foldedHeaders: number;
  source: 'composed' | 'file';
}

const CRLF = Buffer.from('\r\n');
/** RFC 5322 §3.6.8 ftext: printable ASCII but the colon. */
const FIELD_NAME = /^[!-9;-~]{1,76}$/;
/** Headers mxray sets itself and never takes from --header. */
const OURS_ONLY = new Set(['message-id', 'x-mxray-test']);
/** Headers --header may replace. */
const REPLACEABLE = ['from', 'to', 'subject', 'date', 'mime-version', 'content-type', 'content-transfer-encoding'];

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7e) return false;
  return true;
}

/** Every line end (CRLF, bare LF, bare CR) as CRLF; the result ends with CRLF. */
export function normaliseLineEnds(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(bytes.length * 2 + 2);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0d || b === 0x0a) {
      out[n++] = 0x0d;
      out[n++] = 0x0a;
      if (b === 0x0d && bytes[i + 1] === 0x0a) i++;
      continue;
    }
    out[n++] = b;
  }
  if (n < 2 || out[n - 2] !== 0x0d || out[n - 1] !== 0x0a) {
    out[n++] = 0x0d;
    out[n++] = 0x0a;
  }
  return Buffer.from(out.subarray(0, n));
}

/** The first line longer than 998 octets (1-based number and length), or null. Expects CRLF line ends. */
export function longLine(bytes: Buffer): { line: number; octets: number } | null {
  let start = 0;
  let line = 1;
  for (;;) {
    const end = bytes.indexOf(CRLF, start);
    const stop = end === -1 ? bytes.length : end;
    if (stop - start > MAX_LINE_OCTETS) return { line, octets: stop - start };
    if (end === -1) return null;
    start = end + 2;
    line++;
  }
}

function hasHighByte(bytes: Buffer): boolean {
  for (const b of bytes) if (b > 0x7f) return true;
  return false;
}

function refuse(message: string): never {
  throw new UsageError(message, { helpful: false });
}

/**
 * One header field as lines of at most 998 octets: folded (RFC 5322 §2.2.3) at the last space or tab
 * before the limit. A run of 998 octets without one cannot be folded: refused.
 */
export function foldHeader(field: string): { lines: string[]; folded: boolean } {
  const octets = (s: string) => Buffer.byteLength(s, 'utf8');
  if (octets(field) <= MAX_LINE_OCTETS) return { lines: [field], folded: false };
  const lines: string[] = [];
  let rest = field;
  while (octets(rest) > MAX_LINE_OCTETS) {
    // The longest prefix within the limit (in characters; octets counted for UTF-8).
    let cut = Math.min(rest.length, MAX_LINE_OCTETS);
    while (octets(rest.slice(0, cut)) > MAX_LINE_OCTETS) cut--;
    const space = Math.max(rest.lastIndexOf(' ', cut), rest.lastIndexOf('\t', cut));
    // Folding inserts CRLF before the white space; at position 0 (or none) nothing can be folded.
    if (space <= 0) {
      refuse(`the header ${JSON.stringify(escapeText(field.slice(0, 40)))}… has a run of more than ${MAX_LINE_OCTETS} octets without a space: it cannot be folded (RFC 5322 §2.1.1)`);
    }
    lines.push(rest.slice(0, space));
    rest = rest.slice(space);
  }
  lines.push(rest);
  return { lines, folded: true };
}

/** RFC 2047 encoded-words (UTF-8, base64) for a Subject with non-ASCII text, so that it needs no SMTPUTF8. */
function encodeWord(text: string): string {
  if (isAscii(text)) return text;
  const words: string[] = [];
  // At most 45 bytes of UTF-8 per word (60 of base64): whole characters only.
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(' ');
}

/** RFC 5322 §3.3 date-time in UTC: "Sun, 29 Nov 2026 08:35:39 +0000". */
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, '+0000');
}

/** "Name: value" from --header: the name as RFC 5322 allows, no CR, LF or NUL anywhere. */
export function parseHeaderOption(text: string): { name: string; value: string } {
  if (/[\r\n\0]/.test(text)) refuse(`--header ${JSON.stringify(escapeText(text.slice(0, 60)))} contains CR, LF or NUL: give one header line, without line breaks`);
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!FIELD_NAME.test(name)) refuse(`--header ${JSON.stringify(escapeText(text.slice(0, 60)))} is not "Name: value" (the name: printable ASCII without spaces or colons)`);
  if (OURS_ONLY.has(name.toLowerCase())) refuse(`--header ${name}: mxray sets it itself (a unique one per message)`);
  return { name, value: text.slice(colon + 1).trim() };
}

/** Pads `bytes` (ending in CRLF) with lines of "x" to exactly `size` bytes. */
function pad(bytes: Buffer, size: number): Buffer {
  const missing = size - bytes.length;
  if (missing < 0) refuse(`--size ${size} is smaller than the message itself (${bytes.length} bytes)`);
  if (missing === 0) return bytes;
  const full = Math.floor(missing / 78);
  let rest = missing % 78;
  const lines: string[] = Array.from({ length: full }, () => 'x'.repeat(76));
  if (rest === 1) {
    if (lines.length === 0) refuse(`--size ${size} is one byte more than the message (${bytes.length} bytes): padding takes at least a line end; give ${size + 1}`);
    lines[0] = 'x'.repeat(77);
    rest = 0;
  }
  if (rest >= 2) lines.push('x'.repeat(rest - 2));
  return Buffer.concat([bytes, Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1')]);
}

function checkBody(bytes: Buffer, what: string): void {
  if (bytes.includes(0)) refuse(`${what} contains a NUL byte, which SMTP cannot carry (RFC 5321 §4.5.2)`);
  const long = longLine(bytes);
  if (long) {
    refuse(
      `${what}: line ${long.line} is ${long.octets} octets long, more than the ${MAX_LINE_OCTETS} SMTP allows (RFC 5321 §4.5.3.1.6): wrap it, or encode it (quoted-printable or base64) in a file sent with --data`,
    );
  }
}

function fromFile(input: ComposeInput, messageId: string): ComposedMessage {
  const raw = input.data as Buffer;
  if (raw.length > MAX_DATA_FILE_BYTES) refuse(`--data: the file is ${raw.length} bytes, more than the ${MAX_DATA_FILE_BYTES} mxray sends`);
  const body = normaliseLineEnds(raw);
  checkBody(body, '--data');
  // The header section ends at the first empty line: at once when the file starts with one (no header
  // at all), nowhere when there is none (all header, no body: RFC 5322 §3.5 allows it).
  // (The body's line ends are CRLF by now: a CR first is a CRLF first.)
  const end = body[0] === 0x0d ? 0 : body.indexOf('\r\n\r\n');
  const headBytes = end === -1 ? body : body.subarray(0, end);
  // RFC 6532: header text is UTF-8 (a Subject of "Grüße" read as such, never as Latin-1).
  const head = headBytes.toString('utf8');
  const hasId = /^message-id[ \t]*:/im.test(head);
  const added = [`X-Mxray-Test: ${input.testId}`, ...(hasId ? [] : [`Message-ID: ${messageId}`])].map((l) => `${l}\r\n`).join('');
  let bytes: Buffer = Buffer.concat([Buffer.from(added, 'utf8'), body]);
  if (input.size) bytes = pad(bytes, input.size);
  const id = hasId ? (/^message-id[ \t]*:[ \t]*(.*)$/im.exec(head)?.[1]?.trim() ?? messageId) : messageId;
  const subject = /^subject[ \t]*:[ \t]*(.*)$/im.exec(head)?.[1]?.trim() ?? null;
  const headUtf8 = hasHighByte(headBytes) || !isAscii(added);
  return {
    bytes,
    messageId: id,
    testId: input.testId,
    subject,
    eightBit: hasHighByte(bytes),
    utf8: headUtf8 || ![input.from, ...input.to].every(isAscii),
    foldedHeaders: 0,
    source: 'file',
  };
}

export function composeMessage(input: ComposeInput): ComposedMessage {
  const messageId = `<${input.testId}@${input.idDomain}>`;
  if (input.size !== null && input.size !== undefined && (!Number.isInteger(input.size) || input.size < 1 || input.size > MAX_SEND_BYTES)) {
    refuse(`--size must be a whole number of bytes from 1 to ${MAX_SEND_BYTES}`);
  }
  if (input.data) return fromFile(input, messageId);

  const given = (input.headers ?? []).map(parseHeaderOption);
  const replaced = new Set(given.map((h) => h.name.toLowerCase()).filter((n) => REPLACEABLE.includes(n)));
  const body = normaliseLineEnds(Buffer.from(input.body ?? 'This is a test message sent by mxray send.\n', 'utf8'));
  checkBody(body, '--body');
  const eightBit = hasHighByte(body);
  const subject = input.subject ?? `mxray test ${input.testId}`;
  const fields: string[] = [];
  const ours = (name: string, value: string) => {
    if (!replaced.has(name.toLowerCase())) fields.push(`${name}: ${value}`);
  };
  ours('From', `<${input.from}>`);
  ours('To', input.to.map((t) => `<${t}>`).join(', '));
  ours('Subject', encodeWord(subject));
  ours('Date', rfc5322Date(input.now));
  fields.push(`Message-ID: ${messageId}`);
  fields.push(`X-Mxray-Test: ${input.testId}`);
  ours('MIME-Version', '1.0');
  ours('Content-Type', 'text/plain; charset=utf-8');
  ours('Content-Transfer-Encoding', eightBit ? '8bit' : '7bit');
  for (const h of given) fields.push(`${h.name}: ${h.value}`);

  let folded = 0;
  const lines: string[] = [];
  for (const f of fields) {
    const out = foldHeader(f);
    if (out.folded) folded++;
    lines.push(...out.lines);
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  if (head.includes(0)) refuse('a header contains a NUL byte');
  let bytes: Buffer = Buffer.concat([head, body]);
  if (input.size) bytes = pad(bytes, input.size);
  return {
    bytes,
    messageId,
    testId: input.testId,
    subject,
    eightBit: eightBit || hasHighByte(head),
    utf8: !fields.every(isAscii) || ![input.from, ...input.to].every(isAscii),
    foldedHeaders: folded,
    source: 'composed',
  };
}

/** Another id as long as `id`, differing from it in every character (ASCII). */
function otherId(id: string): string {
  let out = '';
  for (let i = 0; i < id.length; i++) out += id[i] === '0' ? '1' : '0';
  return out;
}

/** Where `id` was put into `a` (and `other` into `b`): the runs where they differ, each exactly one id; null when they do not line up so. */
function idRuns(a: Buffer, b: Buffer, id: string, other: string): number[] | null {
  if (a.length !== b.length) return null;
  const idBytes = Buffer.from(id, 'latin1');
  const otherBytes = Buffer.from(other, 'latin1');
  const runs: number[] = [];
  for (let i = 0; i < a.length; ) {
    if (a[i] === b[i]) {
      i++;
      continue;
    }
    const end = i + idBytes.length;
    if (end > a.length || !a.subarray(i, end).equals(idBytes) || !b.subarray(i, end).equals(otherBytes)) return null;
    runs.push(i);
    i = end;
  }
  return runs;
}

type Template = { message: ComposedMessage; runs: number[] };

/**
 * composeMessage for many messages alike but for their test ids (a --count run): what composeMessage
 * makes, without composing each. A template is composed for each id length and Date (second), next
 * to one with a different id of the same length; the bytes where the two differ are where the id
 * goes, and each message is the template with its own id written there. When the two do not differ
 * in exactly whole ids (an id that an encoding or folding changes), each message is composed whole.
 */
export function composeSeries(input: Omit<ComposeInput, 'testId' | 'now'>): (testId: string, now: number) => ComposedMessage {
  const templates = new Map<string, Template | null>();
  return (testId, now) => {
    const whole = () => composeMessage({ ...input, testId, now });
    if (!isAscii(testId) || testId.length === 0) return whole();
    const key = `${testId.length} ${Math.floor(now / 1000)}`;
    let t = templates.get(key);
    if (t === undefined) {
      const a = whole();
      const other = otherId(testId);
      const b = composeMessage({ ...input, testId: other, now });
      const runs = idRuns(a.bytes, b.bytes, testId, other);
      const sameFacts = a.eightBit === b.eightBit && a.utf8 === b.utf8 && a.foldedHeaders === b.foldedHeaders && a.source === b.source;
      const strings = (['messageId', 'subject'] as const).every((k) => (a[k] ?? '').split(testId).join(other) === (b[k] ?? ''));
      t = runs && sameFacts && strings ? { message: { ...a, bytes: Buffer.from(a.bytes) }, runs } : null;
      templates.set(key, t);
      // The template keeps its own copy: the message returned is the caller's.
      return a;
    }
    if (t === null) return whole();
    const base = t.message;
    if (testId === base.testId) return { ...base, bytes: Buffer.from(base.bytes) };
    const bytes = Buffer.from(base.bytes);
    for (const at of t.runs) bytes.write(testId, at, 'latin1');
    const swap = (s: string) => s.split(base.testId).join(testId);
    return { ...base, bytes, testId, messageId: swap(base.messageId), subject: base.subject === null ? null : swap(base.subject) };
  };
}
