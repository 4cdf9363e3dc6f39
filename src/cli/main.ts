// The command line: parse, run, map outcomes to exit codes. Nothing else lives here.
import { Command, CommanderError } from 'commander';
import { UsageError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { registerCheck } from './check.js';

const DEMO_DESCRIPTION = 'run the receiver test against a built-in lab of local servers with every classic TLS failure (no network needed)';

/** The demo pulls in the lab (smtp-server, dns-packet, ~80 ms): load it only when it is asked for. */
async function registerDemo(program: Command, argv: string[], setCode: (c: number) => void): Promise<void> {
  if (argv.includes('demo')) {
    const m = await import('./demo.js');
    m.registerDemo(program, setCode, DEMO_DESCRIPTION);
  } else {
    program.command('demo').description(DEMO_DESCRIPTION);
  }
}

const REPORT_DESCRIPTION = 'render a saved report again, or re-judge it with other CA files or on another date';

/** `report` loads the schema checker (TypeBox): only when it is asked for. */
async function registerReportCommand(program: Command, argv: string[], setCode: (c: number) => void): Promise<void> {
  if (argv.includes('report')) {
    const m = await import('./report.js');
    m.registerReport(program, setCode);
  } else {
    program.command('report').description(REPORT_DESCRIPTION);
  }
}

/** Exit codes (DESIGN.md): 0 good, 1 problems found, 2 usage, 3 could not test, 4 internal error. */
export const EXIT = { ok: 0, problems: 1, usage: 2, untestable: 3, internal: 4 } as const;

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('mxray')
    .description('Is mail between organisations protected by TLS? If not: why, and who must fix what.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    // Usage errors: one line, the same shape as ours ("mxray: …"), exit 2.
    .configureOutput({ outputError: (s, write) => write(`mxray: ${s.replace(/^error: /, '').trimEnd()} (see mxray --help)\n`) });
  const setCode = (c: number) => {
    code = c;
  };
  registerCheck(program, setCode);
  await registerDemo(program, argv, setCode);
  await registerReportCommand(program, argv, setCode);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, successfully.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`mxray: ${err.message}\n`);
      return EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mxray: internal error: ${message} (this is a bug in mxray, not a problem of the server tested)\n`);
    if (process.env.MXRAY_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return EXIT.internal;
  }
}
