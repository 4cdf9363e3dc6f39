// The one place where what happened becomes an exit code (DESIGN.md, Conventions).
import { CommanderError } from 'commander';
import { UsageError } from '../core/errors.js';
import { exitCodeFor as reportExitCode } from '../core/report.js';
import type { Report } from '../core/schema.js';

export { EXIT } from '../core/report.js';
import { EXIT } from '../core/report.js';
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What a command run came to. Commands return one; main.ts turns thrown errors into `failed`. */
export type Outcome =
  /** Done, nothing judged or nothing wrong (a listing, a served lab). */
  | { kind: 'ok' }
  /** Problems found that are not one Report's verdict (the demo: a scenario did not come out as expected). */
  | { kind: 'problems' }
  /** Nothing to judge yet and the command said why (sender-test show before the mail came): exit 3. */
  | { kind: 'untestable' }
  /** A judged Report: its verdict decides. */
  | { kind: 'report'; report: Report }
  | { kind: 'failed'; error: unknown };

export function exitCodeFor(outcome: Outcome): ExitCode {
  switch (outcome.kind) {
    case 'ok':
      return EXIT.ok;
    case 'problems':
      return EXIT.problems;
    case 'untestable':
      return EXIT.untestable;
    case 'report': {
      // The one verdict → exit code rule of every kind of report (our own bug outranks every verdict).
      return reportExitCode(outcome.report) as ExitCode;
    }
    case 'failed': {
      const { error } = outcome;
      // --help and --version end in a CommanderError too, successfully.
      if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      if (error instanceof UsageError) return EXIT.usage;
      // OutputError (stdout failed) and every unexpected exception.
      return EXIT.internal;
    }
  }
}
