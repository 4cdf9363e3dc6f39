// The contract between `mxray logs`' runner (run-logs.ts) and its per-format parsers
// (postfix.ts, exim.ts, sendmail.ts, exchange2003.ts, exchange.ts). A parser is fed one line at a
// time — already split, its line end removed, capped at MAX_LINE_CHARS, and possibly hostile: any
// byte, any length up to the cap — and hands each finished session to its sink. It never throws on
// input and never holds more than MAX_OPEN_SESSIONS sessions open: the oldest is handed over with
// `incomplete: true` when a new one would pass the cap.
import type { LogFormat, LogLine, LogSession, LogTls } from '../../core/logs-schema.js';

export type { LogFormat, LogSession, LogTls, LogLine };

/** Longer lines are cut here by the runner before a parser sees them (and counted). */
export const MAX_LINE_CHARS = 16 * 1024;
/** Sessions a parser keeps open at once (per input). */
export const MAX_OPEN_SESSIONS = 10_000;
/** Lines kept as evidence per session, and each line's kept length. */
export const MAX_SESSION_LINES = 8;
export const MAX_EVIDENCE_CHARS = 1000;

export interface ParserSink {
  /** A finished (or evicted, or at the end still open) session. `file` is filled in by the runner. */
  session(s: Omit<LogSession, 'file'>): void;
  /**
   * Something the input says about itself, once per kind ("postfix-smtp-loglevel-0": no TLS line from
   * smtp at all, so outbound sessions are 'none'; "exchange-protocol-logging-off": only a tracking log).
   * The runner keeps each id once per input with the first detail.
   */
  note(id: string, detail: string): void;
}

export interface ParserOptions {
  /** The year for syslog time stamps that carry none (RFC 3164 "Nov 30 03:40:13"): the file's
   * modification year, or the clock's. A month that goes backwards (Dec → Jan) adds a year. */
  year: number;
  /** Minutes east of UTC for time stamps without a zone (syslog, Exim without +zone, IIS local time). */
  offsetMinutes: number;
  /**
   * When the log was last written (the file's modification time, else now), in ms: a year-less
   * stamp is put in `year`, or the year before when that would lie more than a day after this moment
   * (a log of December read in January). Without it, a month that goes far backwards adds a year.
   */
  reference?: number;
}

export interface LogParser {
  readonly format: LogFormat;
  /**
   * One line. 'used': it belongs to a session or says something about the input; 'ignored': a line of
   * this format that says nothing about SMTP sessions (another syslog program, a comment, a header);
   * 'malformed': not of this format, or damaged (the runner counts it and keeps the first few).
   */
  line(text: string, lineNo: number): LineUse;
  /** End of input: every open session goes to the sink (incomplete: true unless its end was seen). */
  end(): void;
}

export type LineUse = 'used' | 'ignored' | 'malformed';

export type ParserFactory = (sink: ParserSink, options: ParserOptions) => LogParser;

/** What each format's module exports: how to recognise it and how to make its parser. */
export interface LogFormatModule {
  readonly format: LogFormat;
  /** How surely one line is of this format: 0 (not), 1 (a line only this format writes). The runner
   * sums it over the first 200 non-empty lines of an input to pick a format for `--format auto`. */
  sniff(line: string): number;
  create: ParserFactory;
}

/** An empty TLS record: nothing known. */
export function unknownTls(): LogTls {
  return { offered: null, attempted: null, accepted: null, negotiated: null, protocol: null, cipher: null, verify: null, peer: null, failure: null, clearRetry: false, implicit: false };
}

/** Keeps a line as evidence (bounded). */
export function keepLine(lines: LogLine[], line: number, text: string): void {
  if (lines.length >= MAX_SESSION_LINES) return;
  lines.push({ line, text: text.length > MAX_EVIDENCE_CHARS ? text.slice(0, MAX_EVIDENCE_CHARS) : text });
}
