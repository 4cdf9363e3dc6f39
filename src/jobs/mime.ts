// The little MIME the jobs read by hand, shared: TLS-RPT mail (RFC 8460 §5.3: a multipart/report with
// the report as an application/tlsrpt+gzip or +json part) and the header analysis (parameters,
// quoted-printable of a bounce's returned message). Walked by hand and bounded: header size, nesting depth,
// parts per message. Works on "binary strings" (latin1: one character per byte), so that a part's
// bytes come back exactly; only a report's JSON is read as UTF-8, later.
//
// Mailboxes: an mbox is split at every line that starts with "From " (mboxo and mboxrd both escape
// such lines in bodies as ">From "); a single .eml is one message.

export const MIME_LIMITS = {
  /** Header block of one message or part. */
  headerBytes: 256 * 1024,
  depth: 8,
  /** Parts walked per message, at every depth together. */
  parts: 100,
  messagesPerMailbox: 100_000,
} as const;

export interface MimeHeaders {
  /** "application/tlsrpt+gzip", lower case; "text/plain" when absent (RFC 2045 §5.2). */
  type: string;
  params: Record<string, string>;
  encoding: string;
  filename: string | null;
}

export interface Attachment {
  /** The part's file name, or its content type when it has none. */
  name: string;
  type: string;
  bytes: Buffer;
}

export interface MessageContents {
  /** Message-ID, for naming the message (clipped). */
  messageId: string | null;
  subject: string | null;
  /** Parts that may hold a report. */
  reports: Attachment[];
  /** The other leaf parts (named in a "no report" problem). */
  others: { name: string; type: string }[];
  /** Why the walk stopped early (a bound, a bad encoding); the parts before it are kept. */
  problems: string[];
}

/** Report parts: by their type, or a generic type with a report's file name. */
const REPORT_TYPES = new Set(['application/tlsrpt+gzip', 'application/tlsrpt+json']);
const GENERIC_TYPES = new Set(['application/gzip', 'application/x-gzip', 'application/json', 'application/octet-stream', 'text/json', 'text/plain']);
const REPORT_NAME = /\.(json|json\.gz|gz)$/i;

/** Splits a message into its header block and body at the first empty line (CRLF or LF). */
function splitHead(text: string): { head: string; body: string } | null {
  const m = /\r?\n\r?\n/.exec(text.length > MIME_LIMITS.headerBytes ? text.slice(0, MIME_LIMITS.headerBytes + 4) : text);
  if (!m) return text.length > MIME_LIMITS.headerBytes ? null : { head: text, body: '' };
  return { head: text.slice(0, m.index), body: text.slice(m.index + m[0].length) };
}

/** Unfolded header fields, names in lower case, the first of each kept. */
function headerFields(head: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!fields.has(name)) fields.set(name, line.slice(i + 1).trim());
  }
  return fields;
}

/** `type/subtype; a=b; c="d"` → the type and its parameters (RFC 2231 `name*=utf-8''…` decoded, continuations joined). */
export function parseParams(value: string): { value: string; params: Record<string, string> } {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && quoted && i + 1 < value.length) cur += value[++i];
    else if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const params: Record<string, string> = {};
  const continued: Record<string, string[]> = {};
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    let key = p.slice(0, eq).trim().toLowerCase();
    let v = p.slice(eq + 1).trim();
    const cont = /^(.*)\*(\d+)\*?$/.exec(key);
    if (key.endsWith('*')) v = decode2231(v);
    if (cont) {
      key = cont[1]!;
      (continued[key] ??= [])[Number(cont[2])] = v;
      continue;
    }
    params[key.replace(/\*$/, '')] = v;
  }
  for (const [k, pieces] of Object.entries(continued)) params[k] ??= pieces.join('');
  return { value: parts[0]!.trim().toLowerCase(), params };
}

/** RFC 2231 `utf-8'en'a%20b` → "a b" (the percent escapes as bytes, read as UTF-8). */
function decode2231(v: string): string {
  const m = /^([^']*)'[^']*'(.*)$/.exec(v);
  const raw = m ? m[2]! : v;
  try {
    return Buffer.from(raw.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  } catch {
    return raw;
  }
}

function mimeHeaders(fields: Map<string, string>): MimeHeaders {
  const ct = parseParams(fields.get('content-type') ?? 'text/plain');
  const cd = parseParams(fields.get('content-disposition') ?? '');
  return {
    type: /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(ct.value) ? ct.value : 'text/plain',
    params: ct.params,
    encoding: (fields.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase(),
    filename: cd.params.filename ?? ct.params.name ?? null,
  };
}

/** Quoted-printable (RFC 2045 §6.7) to bytes: soft line breaks removed, =XX decoded. */
export function decodeQuotedPrintable(text: string): Buffer {
  const s = text.replace(/=[ \t]*\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(s, 'latin1');
}

function decodeBody(body: string, encoding: string): Buffer | string {
  switch (encoding) {
    case 'base64':
      if (/[^A-Za-z0-9+/=\s]/.test(body)) return 'the base64 part holds characters base64 does not use';
      return Buffer.from(body, 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    case '7bit':
    case '8bit':
    case 'binary':
      return Buffer.from(body, 'latin1');
    default:
      return `unknown Content-Transfer-Encoding "${encoding.slice(0, 40)}"`;
  }
}

/** A multipart body's parts (between the delimiter lines); the preamble and epilogue left out. */
function splitMultipart(body: string, boundary: string, max: number): { parts: string[]; cut: boolean; closed: boolean } {
  const delim = `--${boundary}`;
  const parts: string[] = [];
  let pos = body.startsWith(delim) ? 0 : body.indexOf(`\n${delim}`);
  if (pos < 0) return { parts, cut: false, closed: false };
  if (pos > 0 || body[0] === '\n') pos += 1;
  for (;;) {
    if (body.startsWith('--', pos + delim.length)) return { parts, cut: false, closed: true };
    const lineEnd = body.indexOf('\n', pos);
    if (lineEnd < 0) return { parts, cut: false, closed: false };
    const next = body.indexOf(`\n${delim}`, lineEnd);
    if (parts.length >= max) return { parts, cut: true, closed: false };
    if (next < 0) {
      parts.push(body.slice(lineEnd + 1));
      return { parts, cut: false, closed: false };
    }
    const end = next > lineEnd + 1 && body[next - 1] === '\r' ? next - 1 : next;
    parts.push(body.slice(lineEnd + 1, Math.max(lineEnd + 1, end)));
    pos = next + 1;
  }
}

const clip = (s: string | undefined | null, n: number): string | null => (s == null ? null : s.length > n ? `${s.slice(0, n)}…` : s);

/** Walks one message (a binary string) and collects the parts that may hold a report. */
export function readMessage(raw: string): MessageContents {
  const out: MessageContents = { messageId: null, subject: null, reports: [], others: [], problems: [] };
  let parts = 0;
  const walk = (text: string, depth: number): void => {
    const split = splitHead(text);
    if (!split) {
      out.problems.push(`a header block over ${MIME_LIMITS.headerBytes / 1024} KiB`);
      return;
    }
    const fields = headerFields(split.head);
    if (depth === 0) {
      out.messageId = clip(fields.get('message-id'), 200);
      out.subject = clip(fields.get('subject'), 200);
    }
    const h = mimeHeaders(fields);
    if (h.type.startsWith('multipart/')) {
      const boundary = h.params.boundary;
      if (!boundary || boundary.length > 200) {
        out.problems.push(`a ${h.type} part without a usable boundary`);
        return;
      }
      if (depth >= MIME_LIMITS.depth) {
        out.problems.push(`parts nested more than ${MIME_LIMITS.depth} deep: not walked`);
        return;
      }
      const { parts: children, cut } = splitMultipart(split.body, boundary, MIME_LIMITS.parts);
      if (cut) out.problems.push(`more than ${MIME_LIMITS.parts} parts: the rest not walked`);
      for (const child of children) {
        if (++parts > MIME_LIMITS.parts) {
          out.problems.push(`more than ${MIME_LIMITS.parts} parts: the rest not walked`);
          return;
        }
        walk(child, depth + 1);
      }
      return;
    }
    const name = h.filename ?? '';
    const isReport = REPORT_TYPES.has(h.type) || (GENERIC_TYPES.has(h.type) && REPORT_NAME.test(name));
    const label = clip(name, 200) || h.type;
    if (!isReport) {
      if (out.others.length < 20) out.others.push({ name: label, type: h.type });
      return;
    }
    const bytes = decodeBody(split.body, h.encoding);
    if (typeof bytes === 'string') out.problems.push(`${label}: ${bytes}`);
    else out.reports.push({ name: label, type: h.type, bytes });
  };
  walk(raw, 0);
  return out;
}

/** Whether text starts like a mail: a header field ("Name: value") on its first line. */
export function looksLikeMessage(start: string): boolean {
  return /^[!-9;-~]{1,76}:[^\r\n]*\r?\n/.test(start);
}

/** An mbox postmark: "From sender Sat Mar  7 02:00:00 2026" (ctime), "From - Sat Mar 07 …" (Thunderbird). */
const POSTMARK = /^From \S+ .*\b\d\d:\d\d\b.*\b\d{4}\b/;

/**
 * An mbox's messages (binary strings), each without its "From " line. Bounded: past
 * `messagesPerMailbox` the rest is one last piece, reported by the caller.
 */
export function splitMbox(text: string): { messages: string[]; cut: boolean } {
  const messages: string[] = [];
  let start = text.startsWith('From ') ? 0 : -1;
  if (start < 0) return { messages: [text], cut: false };
  /** The next postmark line after `from`: "From " then a sender, a time and a year (an unescaped "From the desk…" body line is not one). */
  const nextPostmark = (from: number): number => {
    for (let at = text.indexOf('\nFrom ', from); at >= 0; at = text.indexOf('\nFrom ', at + 1)) {
      const end = text.indexOf('\n', at + 1);
      if (POSTMARK.test(text.slice(at + 1, end < 0 ? text.length : Math.min(end, at + 300)))) return at;
    }
    return -1;
  };
  for (;;) {
    const lineEnd = text.indexOf('\n', start);
    if (lineEnd < 0) break;
    const next = nextPostmark(lineEnd);
    if (messages.length >= MIME_LIMITS.messagesPerMailbox) return { messages, cut: true };
    messages.push(text.slice(lineEnd + 1, next < 0 ? text.length : next + 1));
    if (next < 0) break;
    start = next + 1;
  }
  return { messages, cut: false };
}
