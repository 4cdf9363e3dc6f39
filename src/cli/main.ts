// The command line: build the program from the command table, run the one command asked for, turn
// what happened into one stderr line (if any) and an exit code. The only place that catches errors.
import { Command, CommanderError, Help } from 'commander';
import { UsageError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { COMMANDS, type CommandEntry } from './commands.js';
import { EXIT, exitCodeFor, type Outcome } from './exit-codes.js';
import { OutputError, stdout, type Sink } from './stdout.js';

/** The command named on the command line (`mxray help X` names X), or null: the only one to load. */
export function invokedCommand(argv: readonly string[]): string | null {
  // The program itself has no option that takes a value, so the first operand is the command.
  const operands = argv.filter((a) => !a.startsWith('-'));
  return (operands[0] === 'help' ? operands[1] : operands[0]) ?? null;
}

export interface Program {
  program: Command;
  /** What the invoked command returned; null when no command ran (help, usage error). */
  outcome(): Outcome | null;
}

/** Every command of the table is registered by name and description; only the invoked one is loaded. */
export async function buildProgram(argv: readonly string[], table: readonly CommandEntry[], out: Sink): Promise<Program> {
  let outcome: Outcome | null = null;
  const wanted = invokedCommand(argv);
  const helpHint = `see mxray ${wanted && table.some((e) => e.name === wanted) ? `${wanted} ` : ''}--help`;
  const program = new Command('mxray')
    .description('Is mail between organisations protected by TLS? If not: why, and who must fix what.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    // Usage errors: one line, the same shape as ours ("mxray: …"), exit 2. Help goes through the
    // sink, so a failing stdout is reported like any other output.
    .configureOutput({
      writeOut: (s) => void out.write(s).catch(() => {}),
      outputError: (s, write) => write(`mxray: ${s.replace(/^error: /, '').trimEnd()} (${helpHint})\n`),
    })
    // The list in `mxray --help` shows each command's usage from the table (its module is not loaded).
    .configureHelp({
      subcommandTerm: (cmd) => [cmd.name(), table.find((e) => e.name === cmd.name())?.usage ?? cmd.usage()].filter(Boolean).join(' '),
      // A repeatable option starts as an empty list: "(default: [])" says nothing to a reader.
      optionDescription(option) {
        return Help.prototype.optionDescription.call(this, option).replace(/ \(default: \[\]\)/, '');
      },
    });
  for (const entry of table) {
    // Created after exitOverride/configureOutput: subcommands inherit those settings when made.
    const cmd = program.command(entry.name).description(entry.description);
    if (entry.name !== wanted) continue;
    const run = (await entry.load()).configure(cmd);
    cmd.action(async (...args: unknown[]) => {
      outcome = await run(...(args as never[]));
    });
  }
  return { program, outcome: () => outcome };
}

function messageFor(outcome: Outcome, argv: readonly string[], table: readonly CommandEntry[]): string | null {
  if (outcome.kind !== 'failed') return null;
  const err = outcome.error;
  // Commander has printed its own line (or the help) already.
  if (err instanceof CommanderError) return null;
  if (err instanceof OutputError) return `mxray: ${err.message}\n`;
  if (err instanceof UsageError) {
    if (!err.helpful) return `mxray: ${err.message}\n`;
    const name = invokedCommand(argv);
    return `mxray: ${err.message} (see mxray ${name && table.some((e) => e.name === name) ? `${name} ` : ''}--help)\n`;
  }
  const message = err instanceof Error ? err.message : String(err);
  const stack = process.env.MXRAY_DEBUG && err instanceof Error ? `${err.stack}\n` : '';
  return `mxray: internal error: ${message} (this is a bug in mxray, not a problem of the server tested)\n${stack}`;
}

/** Runs `mxray …argv`; resolves with the exit code once standard output has drained. */
export async function main(argv: string[], table: readonly CommandEntry[] = COMMANDS): Promise<number> {
  const out = stdout();
  let outcome: Outcome;
  try {
    const { program, outcome: result } = await buildProgram(argv, table, out);
    await program.parseAsync(argv, { from: 'user' });
    outcome = result() ?? { kind: 'ok' };
  } catch (error) {
    outcome = { kind: 'failed', error };
  }
  try {
    await out.flush();
  } catch (error) {
    // One line on stderr, never two: a usage or internal error already reported stays the one.
    if (outcome.kind !== 'failed' || exitCodeFor(outcome) === EXIT.ok) outcome = { kind: 'failed', error };
  }
  const message = messageFor(outcome, argv, table);
  if (message) process.stderr.write(message);
  return exitCodeFor(outcome);
}
