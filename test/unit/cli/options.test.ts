// The options every report-producing command shares come from one helper, with one meaning.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands.js';
import { addReportOptions, timeLimits } from '../../../src/cli/options.js';
import { UsageError } from '../../../src/core/errors.js';

const SHARED = ['--json', '--format', '--output', '--color', '--details', '--explain', '--width', '--verbose'];

function parse(args: string[], timeout: string | false = 'time-out') {
  // exitOverride: throw instead of exiting; writeErr: commander's own message is not the point here.
  const cmd = addReportOptions(new Command('x').exitOverride().configureOutput({ writeErr: () => {} }), { timeout }).action(() => {});
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

describe('addReportOptions', () => {
  it('adds --json, --format, --output, --no-color, --details, --explain, --width, --verbose and --timeout', () => {
    const cmd = addReportOptions(new Command('x'), { timeout: 'how long' });
    expect(cmd.options.map((o) => o.long)).toEqual(['--json', '--format', '--output', '--no-color', '--details', '--explain', '--width', '--verbose', '--timeout']);
    expect(cmd.options.find((o) => o.long === '--timeout')?.description).toBe('how long');
  });

  it('without time-outs to set, no --timeout', () => {
    const cmd = addReportOptions(new Command('x'), { timeout: false });
    expect(cmd.options.map((o) => o.long)).not.toContain('--timeout');
  });

  it('parses them: defaults, short forms, --timeout in seconds → milliseconds', () => {
    expect(parse([])).toEqual({ format: 'text', color: true });
    expect(parse(['--json', '-o', 'f.json', '--no-color', '-v', '--timeout', '2.5'])).toEqual({ json: true, format: 'text', output: 'f.json', color: false, verbose: true, timeout: 2500 });
    expect(() => parse(['--format', 'pdf'])).toThrow(/format/);
    for (const bad of ['0', '-1', 'soon', '3601']) expect(() => parse(['--timeout', bad]), bad).toThrow(UsageError);
    expect(parse(['--details', '--explain', '--width', '72'])).toEqual({ format: 'text', color: true, details: true, explain: true, width: 72 });
    for (const bad of ['0', '-5', 'wide', '1001', '7.5']) expect(() => parse(['--width', bad]), bad).toThrow(UsageError);
  });

  it('every command of the table that produces a report has them', async () => {
    for (const entry of COMMANDS) {
      const cmd = new Command(entry.name);
      (await entry.load()).configure(cmd);
      const longs = cmd.options.map((o) => o.negate ? o.long!.replace('--no-', '--') : o.long);
      // A server writes no report: none of the options would mean anything.
      if (entry.report === false) for (const flag of SHARED) expect(longs, `${entry.name} ${flag}`).not.toContain(flag);
      else for (const flag of SHARED) expect(longs, `${entry.name} ${flag}`).toContain(flag);
    }
  });
});

describe('timeLimits: what --timeout, --greeting-timeout and --deadline set', () => {
  it('none given: no limit changed (each keeps its default)', () => {
    expect(timeLimits({})).toEqual({});
  });
  it('--timeout bounds every phase, the banner included', () => {
    expect(timeLimits({ timeout: 5000 })).toEqual({ connectTimeoutMs: 5000, greetingTimeoutMs: 5000, commandTimeoutMs: 5000, tlsTimeoutMs: 5000 });
  });
  it('--greeting-timeout overrides --timeout for the banner only; --deadline bounds the whole test', () => {
    expect(timeLimits({ timeout: 5000, greetingTimeout: 60_000, deadline: 90_000 })).toEqual({
      connectTimeoutMs: 5000,
      greetingTimeoutMs: 60_000,
      commandTimeoutMs: 5000,
      tlsTimeoutMs: 5000,
      deadlineMs: 90_000,
    });
    expect(timeLimits({ greetingTimeout: 1000 })).toEqual({ greetingTimeoutMs: 1000 });
  });
});
