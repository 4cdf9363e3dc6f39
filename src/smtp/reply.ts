// Pure, total SMTP reply parsing (RFC 5321 §4.2): lines in, a reply plus warnings out.
import type { ReplyFacts } from '../core/schema.js';

export interface ReplyLine {
  code: number;
  /** '-' continues the reply, ' ' (or nothing) ends it. */
  final: boolean;
  text: string;
}

/** Parses one reply line; null when it is not an SMTP reply line at all. */
export function parseReplyLine(line: string): ReplyLine | null {
  const m = /^([2-5][0-9][0-9])([ -]|$)(.*)/s.exec(line);
  if (!m) return null;
  return { code: Number(m[1]), final: m[2] !== '-', text: m[3]! };
}

/** RFC 3463 enhanced status code at the start of the text, e.g. "5.7.0". */
export function enhancedCode(text: string): string | null {
  const m = /^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)/.exec(text);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : null;
}

export interface ReplyAssembly {
  reply: ReplyFacts;
  warnings: string[];
}

/**
 * Assembles complete reply lines (the last one final) into a reply. Every line should carry the
 * same code (RFC 5321 §4.2.1); when they do not ("220-…" then "554 …"), the last line's code
 * counts, as Postfix and most clients read it, and each line's code is kept (`codes`).
 */
export function assembleReply(lines: ReplyLine[]): ReplyAssembly {
  const warnings: string[] = [];
  const last = lines[lines.length - 1];
  const code = last ? last.code : 0;
  const mixed = lines.some((l) => l.code !== code);
  if (mixed) warnings.push(`reply lines carry different codes (${lines.map((l) => l.code).join(', ')}): the last line's ${code} counts`);
  // RFC 2034 §3: every line of a multi-line reply repeats the enhanced code; the first line with
  // the code that counts carries it.
  const first = lines.find((l) => l.code === code);
  const enhanced = first ? enhancedCode(first.text) : null;
  const reply: ReplyFacts = { code, enhanced, lines: lines.map((l) => l.text) };
  if (mixed) reply.codes = lines.map((l) => l.code);
  return { reply, warnings };
}

/** One line of text for reports: "530 5.7.0 Must issue a STARTTLS command first". */
export function formatReply(reply: ReplyFacts | null): string {
  if (!reply) return '(no reply)';
  return `${reply.code} ${reply.lines.join(' / ')}`.trim();
}
