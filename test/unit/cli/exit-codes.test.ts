// DESIGN.md: 0 all good, 1 problems found, 2 usage error, 3 could not test, 4 internal error.
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor } from '../../../src/cli/exit-codes.js';
import { OutputError } from '../../../src/cli/stdout.js';
import { UsageError } from '../../../src/core/errors.js';
import type { Report } from '../../../src/core/schema.js';
import { makeFinding } from '../../../src/kb/index.js';

const saved = JSON.parse(readFileSync(new URL('../../fixtures/report-sni-dependent.json', import.meta.url), 'utf8')) as Report;
const internal = makeFinding('mxray.internal-error', { host: 'mx', detail: 'bug' });
const report = (verdict: Report['verdict'], ourBug = false): Report => ({ ...saved, verdict, findings: ourBug ? [internal, ...saved.findings] : saved.findings });

describe('exitCodeFor', () => {
  it('the codes are the documented ones', () => {
    expect(EXIT).toEqual({ ok: 0, problems: 1, usage: 2, untestable: 3, internal: 4 });
  });

  it('a report: pass, warn and not-applicable 0, fail 1, inconclusive 3', () => {
    expect(exitCodeFor({ kind: 'report', report: report('not-applicable') })).toBe(0);
    expect(exitCodeFor({ kind: 'report', report: report('pass') })).toBe(0);
    expect(exitCodeFor({ kind: 'report', report: report('warn') })).toBe(0);
    expect(exitCodeFor({ kind: 'report', report: report('fail') })).toBe(1);
    expect(exitCodeFor({ kind: 'report', report: report('inconclusive') })).toBe(3);
  });

  it('a report with a finding of our own bug is 4, whatever the verdict', () => {
    for (const verdict of ['pass', 'fail', 'inconclusive'] as const) expect(exitCodeFor({ kind: 'report', report: report(verdict, true) })).toBe(4);
  });

  it('outcomes without a report', () => {
    expect(exitCodeFor({ kind: 'ok' })).toBe(0);
    expect(exitCodeFor({ kind: 'problems' })).toBe(1);
  });

  it('failures: usage 2 (ours and commander’s), help/version 0, output and anything unexpected 4', () => {
    expect(exitCodeFor({ kind: 'failed', error: new UsageError('bad') })).toBe(2);
    expect(exitCodeFor({ kind: 'failed', error: new CommanderError(1, 'commander.unknownCommand', 'x') })).toBe(2);
    expect(exitCodeFor({ kind: 'failed', error: new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)') })).toBe(0);
    expect(exitCodeFor({ kind: 'failed', error: new OutputError('ENOSPC') })).toBe(4);
    expect(exitCodeFor({ kind: 'failed', error: new TypeError('oops') })).toBe(4);
    expect(exitCodeFor({ kind: 'failed', error: 'thrown string' })).toBe(4);
  });
});
