// `mxray tlsrpt <report.json[.gz]|folder|mbox|mail...>`: RFC 8460 aggregate reports, read from
// files, folders (walked, bounded) and mailboxes, summed and explained. The files are read here (the
// edge); recognising and reading what they hold is the job's (jobs/tlsrpt).
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import { INPUT_LIMITS, runTlsRpt, type TlsRptInput, type TlsRptOptions } from '../jobs/tlsrpt/check-tlsrpt.js';
import type { Run } from './commands.js';
import { addReportOptions, type ReportOptions } from './options.js';
import { emit, formatOf, renderReport } from './output.js';

const TLSRPT_HELP = `
Inputs (recognised by their content, not their names):
  report.json, report.json.gz, report.gz   one report each (gzip expanded up to 20 MiB)
  a folder                                 every regular file in it, sub-folders too
                                           (at most ${8} levels, 100,000 files)
  inbox.mbox, report.eml                   mail: the application/tlsrpt+gzip or +json
                                           attachments (base64 or quoted-printable)

Examples:
  mxray tlsrpt ~/tlsrpt/                      everything saved in a folder
  mxray tlsrpt /var/mail/tlsrpt --details     a mailbox, with each report listed
  mxray tlsrpt reports/ --format html -o tlsrpt.html   with a chart of sessions per day

A report read twice (same organization-name and report-id) is counted once. An input that is
not a report is named with why, and the others are still counted.

Exit codes:
  0  no failed session, or failures under 2 % of a policy's sessions (warnings)
  1  a policy had 2 % or more failed sessions
  2  usage error (a file or folder given that does not exist or cannot be read)
  3  no report could be read from the inputs
  4  internal error of mxray, or the output could not be written
`;

/** Bounds of the folder walk and of what is read into memory. */
export const WALK_LIMITS = { depth: 8, files: 100_000, totalBytes: 2 * 1024 * 1024 * 1024 } as const;

interface Collected {
  inputs: TlsRptInput[];
  unreadable: NonNullable<TlsRptOptions['unreadable']>[number][];
  limits: string[];
  files: number;
  bytes: number;
}

const why = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/** One file: size checked before it is read; one that is too large, or unreadable inside a folder, is named, not fatal. */
function readOne(c: Collected, path: string, size: number, given: boolean): void {
  if (c.files >= WALK_LIMITS.files) {
    if (!c.limits.some((l) => l.startsWith('more than'))) c.limits.push(`more than ${WALK_LIMITS.files} files: the rest not read`);
    return;
  }
  c.files++;
  if (size > INPUT_LIMITS.fileBytes) {
    c.unreadable.push({ name: path, problem: 'too-large', detail: `${size} bytes, more than the ${INPUT_LIMITS.fileBytes / 1024 / 1024} MiB mxray reads from one file` });
    return;
  }
  if (c.bytes + size > WALK_LIMITS.totalBytes) {
    c.unreadable.push({ name: path, problem: 'too-large', detail: `the files before it already hold ${WALK_LIMITS.totalBytes / 1024 / 1024 / 1024} GiB: not read` });
    return;
  }
  try {
    const bytes = readFileSync(path);
    c.bytes += bytes.length;
    c.inputs.push({ name: path, bytes });
  } catch (err) {
    if (given) throw new UsageError(`cannot read ${path}: ${why(err)}`, { helpful: false });
    c.unreadable.push({ name: path, problem: 'unreadable', detail: `cannot be read: ${why(err)}` });
  }
}

/** A folder, its regular files in name order (dot files and symbolic links left out), bounded in depth and count. */
function walk(c: Collected, dir: string, depth: number): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (depth === 0) throw new UsageError(`cannot read ${dir}: ${why(err)}`, { helpful: false });
    c.limits.push(`${dir}: cannot be read (${why(err)})`);
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth + 1 > WALK_LIMITS.depth) {
        c.limits.push(`${path}: deeper than ${WALK_LIMITS.depth} folders: not read`);
        continue;
      }
      walk(c, path, depth + 1);
    } else if (e.isFile()) {
      let size = 0;
      try {
        size = lstatSync(path).size;
      } catch (err) {
        c.limits.push(`${path}: cannot be read (${why(err)})`);
        continue;
      }
      readOne(c, path, size, false);
    }
    if (c.files >= WALK_LIMITS.files && !c.limits.some((l) => l.startsWith('more than'))) {
      c.limits.push(`more than ${WALK_LIMITS.files} files: the rest not read`);
      return;
    }
  }
}

export function configure(cmd: Command): Run {
  cmd.argument('<input...>', 'TLS-RPT reports: .json, .json.gz or .gz files, folders of them, mailboxes (mbox) or mails (.eml)');
  addReportOptions(cmd, { timeout: false });
  cmd.addHelpText('after', TLSRPT_HELP);
  return async (args: string[], o: ReportOptions) => {
    formatOf(o);
    const c: Collected = { inputs: [], unreadable: [], limits: [], files: 0, bytes: 0 };
    for (const arg of args) {
      let stat;
      try {
        stat = statSync(arg);
      } catch (err) {
        throw new UsageError(`cannot read ${arg}: ${why(err)}`, { helpful: false });
      }
      if (stat.isDirectory()) walk(c, arg, 0);
      else if (stat.isFile()) readOne(c, arg, stat.size, true);
      else throw new UsageError(`${arg} is not a regular file or a folder`, { helpful: false });
    }
    const report = await runTlsRpt({ inputs: c.inputs, unreadable: c.unreadable, limits: c.limits, target: args.join(' ') }, () => ({ clock: systemClock }));
    await emit(await renderReport(report, o), o);
    return { kind: 'report', report };
  };
}
