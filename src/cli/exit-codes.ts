// The one place where what happened becomes an exit code (DESIGN.md, Conventions).
import { CommanderError } from 'commander';
import { UsageError } from '../core/errors.js';
import type { Report } from '../core/schema.js';

export const EXIT = { ok: 0, problems: 1, usage: 2, untestable: 3, internal: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What a command run came to. Commands return one; main.ts turns thrown errors into `failed`. */
export type Outcome =
  /** Done, nothing judged or nothing wrong (a listing, a served lab). */
  | { kind: 'ok' }
  /** Problems found that are not one Report's verdict (the demo: a scenario did not come out as expected). */
  | { kind: 'problems' }
  /** A judged Report: its verdict decides. */
  | { kind: 'report'; report: Report }
  | { kind: 'failed'; error: unknown };

export function exitCodeFor(outcome: Outcome): ExitCode {
  switch (outcome.kind) {
    case 'ok':
      return EXIT.ok;
    case 'problems':
      return EXIT.problems;
    case 'report': {
      const { report } = outcome;
      // Our own bug outranks every verdict: exit 4 says "do not trust this result".
      if (report.hosts.some((h) => h.status === 'internal-error')) return EXIT.internal;
      return report.verdict === 'fail' ? EXIT.problems : report.verdict === 'inconclusive' ? EXIT.untestable : EXIT.ok;
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
