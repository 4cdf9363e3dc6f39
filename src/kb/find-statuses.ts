// Every SMTP reply code and enhanced status code in a piece of text, wherever it sits: at the start
// of a reply ("451 4.4.0 …"), inside another server's words as Exchange wraps them ("Primary target
// IP address responded with: "451 5.7.3 STARTTLS is required …""), in a DSN field ("Status: 5.7.1"),
// in brackets ("[Message=451 5.7.3 …]"). The text is hostile: it is capped, and every pattern here
// is linear (no nested quantifiers), so no input can make it backtrack for long.
import { describeEnhancedStatus, type EnhancedStatus } from './enhanced-status.js';

/** Characters of one text looked at; the rest is ignored (a log line or a diagnostic is far shorter). */
export const MAX_TEXT = 16 * 1024;
/** Statuses kept from one text. */
const MAX_FOUND = 32;
/** Characters of the words kept after each code. */
const MAX_WORDS = 300;

export interface FoundStatus {
  /** The three-digit reply code (RFC 5321 §4.2), or null for an enhanced status on its own. */
  reply: number | null;
  enhanced: EnhancedStatus | null;
  /** Where it starts in the text. */
  offset: number;
  /** The words that follow it, to the closing quote or bracket that ends a wrapped reply, or the end. */
  words: string;
  /**
   * The reply's class and the enhanced code's class disagree ("451 5.7.3"): RFC 2034 §4 says they
   * must agree; a sender acts on the reply code (RFC 5321 §4.2.1), so a 4xx reply is retried
   * whatever its enhanced code says.
   */
  mismatch: boolean;
}

/**
 * A reply: a code 2xx-5xx whose second digit is 0-5 (RFC 5321 §4.2.1), at the start or after a space,
 * quote, bracket, ';' (a DSN's "smtp;550"), ',' (a CSV protocol log) or Exchange's "Message=",
 * followed by a space or '-' (a multi-line reply), then optionally an enhanced status code. Not
 * after any other '=' or ':' — Exim's S=345, a cipher's ":256" are numbers, not replies.
 * An enhanced status on its own: class 2/4/5, a subject of the registry (0-7), a detail of one to
 * three digits, after the same characters or Postfix's "dsn=" — and of class 2 only as a DSN's or
 * a log's status ("Status: 2.0.0", "dsn=2.0.0"): a version number ("Dovecot 2.3.21") is none.
 */
const REPLY = /(^|[\s"'[(;,]|Message=)([2-5][0-5]\d)[ -](?:([245]\.[0-7]\.\d{1,3})(?![\w.]))?/g;
const ENHANCED = /(^|[\s"'[(;,]|Message=|dsn=)([245]\.[0-7]\.\d{1,3})(?![\w.])/g;
/** What says an enhanced code of class 2 on its own is a status: a DSN's Status field or Postfix's dsn=. */
const STATUS_FIELD = /(?:status: ?|dsn=)$/i;

/** These patterns, for the lint step's backtracking check (scripts/check-patterns.js). */
export const STATUS_PATTERNS: Readonly<Record<string, RegExp>> = { REPLY, ENHANCED, STATUS_FIELD };

/**
 * The words after a code: up to a quote, the closing bracket of a wrapped reply ("[Message=451 5.7.3
 * …]") — a bracket opened inside the words closes inside them ("[EXAMPLE.JP]") — the " [Name=" of
 * Exchange's bracketed details, or the line's end; trimmed and capped.
 */
function wordsFrom(text: string, from: number): string {
  const rest = text.slice(from, from + MAX_WORDS * 2);
  let depth = 0;
  let end = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '"' || c === '\r' || c === '\n') {
      end = i;
      break;
    }
    if (c === '[') {
      if (depth === 0 && rest[i - 1] === ' ' && /^\[[A-Za-z]{2,40}=/.test(rest.slice(i, i + 42))) {
        end = i;
        break;
      }
      depth++;
    } else if (c === ']') {
      if (depth === 0) {
        end = i;
        break;
      }
      depth--;
    }
  }
  // A code's own punctuation is not its words (Postfix's "dsn=4.7.5, status=…").
  return rest.slice(0, end).replace(/^[\s,;:)]{1,20}/, '').trim().slice(0, MAX_WORDS);
}

/** The statuses of a text, in the order they appear: in a wrapped reply, the outer one first and the one that failed last. */
export function findStatuses(input: string): FoundStatus[] {
  const text = input.slice(0, MAX_TEXT);
  const found: FoundStatus[] = [];
  const covered = new Set<number>();
  for (const m of text.matchAll(REPLY)) {
    if (found.length >= MAX_FOUND) break;
    const offset = (m.index ?? 0) + (m[1] as string).length;
    const enhanced = m[3] ? describeEnhancedStatus(m[3]) : null;
    if (m[3]) covered.add(offset + 4);
    const reply = Number(m[2]);
    const mismatch = m[3] !== undefined && (m[3] as string)[0] !== String(reply)[0];
    found.push({ reply, enhanced, offset, words: wordsFrom(text, offset + (m[0].length - (m[1] as string).length)), mismatch });
  }
  for (const m of text.matchAll(ENHANCED)) {
    if (found.length >= MAX_FOUND) break;
    const offset = (m.index ?? 0) + (m[1] as string).length;
    if (covered.has(offset)) continue;
    if ((m[2] as string)[0] === '2' && !STATUS_FIELD.test(text.slice(Math.max(0, offset - 8), offset))) continue;
    found.push({ reply: null, enhanced: describeEnhancedStatus(m[2] as string), offset, words: wordsFrom(text, offset + (m[2] as string).length), mismatch: false });
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/** The status that says what failed: the innermost (last) one with an enhanced code, else the last reply. */
export function rootStatus(found: readonly FoundStatus[]): FoundStatus | null {
  return [...found].reverse().find((f) => f.enhanced !== null) ?? found.at(-1) ?? null;
}
