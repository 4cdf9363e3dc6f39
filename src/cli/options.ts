// Option parsers and the options every report-producing command shares, defined once.
import { Option, type Command } from 'commander';
import type { Limits } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import { parseIsoMoment } from '../core/time-text.js';
import type { OutputOptions } from './output.js';

/** The shared options as commander hands them over (`timeout` already in milliseconds). */
export interface ReportOptions extends OutputOptions {
  timeout?: number;
}

export function positiveInt(name: string, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}, not "${value}"`);
    return Number(value);
  };
}

/** "2.5" → 2500 (milliseconds). */
export function seconds(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || n <= 0 || n > 3600) throw new UsageError(`${name} must be a number of seconds (0 < s ≤ 3600), not "${value}"`);
    return n * 1000;
  };
}

/** For repeatable options: `--x a --x b` → ['a', 'b']. */
/**
 * The session limits the time options set (milliseconds, as seconds() parsed them): --timeout bounds
 * every phase, the wait for the banner included unless --greeting-timeout says otherwise; --deadline
 * the whole test.
 */
export function timeLimits(o: { timeout?: number; greetingTimeout?: number; deadline?: number }): Partial<Limits> {
  return {
    ...(o.timeout ? { connectTimeoutMs: o.timeout, greetingTimeoutMs: o.timeout, commandTimeoutMs: o.timeout, tlsTimeoutMs: o.timeout } : {}),
    ...(o.greetingTimeout ? { greetingTimeoutMs: o.greetingTimeout } : {}),
    ...(o.deadline ? { deadlineMs: o.deadline } : {}),
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export interface ReportOptionsSpec {
  /** Help text of --timeout, saying what it bounds for this command; false: the command has no time-outs to set. */
  timeout: string | false;
  /** Help text of --details, saying what it adds for this command (default: the receiver test's). */
  details?: string;
  /** false: the command defines its own --format (mxray logs: log formats and output formats). */
  format?: false;
}

/** Adds --json, --format, --output, --no-color, --details, --explain, --width, --verbose and (unless spec.timeout is false) --timeout. */
export function addReportOptions(cmd: Command, spec: ReportOptionsSpec): Command {
  cmd
    .option('--json', 'print the Report as JSON (same as --format json)');
  if (spec.format !== false) cmd.addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'md', 'html']).default('text'));
  cmd
    .option('-o, --output <file>', 'write the output to a file instead of standard output')
    .option('--no-color', 'no colour (also when NO_COLOR is set or output is not a terminal)')
    .option('--details', spec.details ?? 'add the details per address: banner, extensions, TLS, the chain as sent with thumbprints')
    .option('--explain', 'explain every finding in full: what senders do, every step, every MTA, references')
    .option('--width <columns>', 'fit text output to this many columns (default: the terminal, else 100)', positiveInt('--width', 1000))
    .option('-v, --verbose', 'everything: details, full explanations and the transcript with millisecond offsets');
  if (spec.timeout !== false) cmd.option('--timeout <seconds>', spec.timeout, seconds('--timeout'));
  return cmd;
}

/** 2026-03-01, 2026-03-01T12:00, 2026-03-01T12:00:00Z …; a date alone means 00:00 UTC, a time without zone UTC. */
export function parseAt(text: string): number {
  const at = parseIsoMoment(text);
  if (at === null) throw new UsageError(`--at wants an ISO date like 2026-03-01 or 2026-03-01T12:00:00Z, not "${text.slice(0, 60)}"`);
  return at;
}
