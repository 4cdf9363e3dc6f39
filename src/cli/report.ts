// `mxray report <saved.json>`: renders a saved Report in any format and, with --rejudge, judges a
// receiver report again from its stored facts (other CA files, another date).
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { MAX_SAVED_REPORT_BYTES, parseSavedReport } from '../core/saved-report.js';
import type { Report } from '../core/schema.js';
import { rejudgeEnforce, rejudgePosture, rejudgeReceiver } from '../library.js';
import { systemEdges } from '../runtime/edges.js';
import { readCaFiles } from './ca-files.js';
import type { Run } from './commands.js';
import { addReportOptions, collect, parseAt, type ReportOptions } from './options.js';
import { emit, renderReport } from './output.js';

interface ReportOpts extends ReportOptions {
  rejudge?: boolean;
  caFile: string[];
  at?: string;
}

export { parseAt };

function readReport(file: string): Report {
  let text: string;
  try {
    const stat = statSync(file);
    // A device or a pipe has no size to check first (/dev/zero would never end): files only.
    if (!stat.isFile()) throw new UsageError(`${file} is not a regular file: give the report saved with --json`, { helpful: false });
    if (stat.size > MAX_SAVED_REPORT_BYTES) throw new UsageError(`${file} is larger than ${MAX_SAVED_REPORT_BYTES / 1024 / 1024} MiB: not a report mxray wrote`, { helpful: false });
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { helpful: false });
  }
  return parseSavedReport(text, file);
}

export function configure(cmd: Command): Run {
  cmd
    .argument('<file>', 'a report saved with --json or --format json')
    .option('--rejudge', 'run every check again from the facts stored in the report')
    .option('--ca-file <file>', 'with --rejudge: also trust the CA certificates in this PEM file; repeatable', collect, [])
    .option('--at <date>', 'with --rejudge: judge certificates at this moment (ISO date, e.g. 2026-03-01)');
  addReportOptions(cmd, { timeout: false });
  return async (file: string, o: ReportOpts) => {
    if (!o.rejudge && (o.caFile.length || o.at !== undefined)) throw new UsageError('--ca-file and --at need --rejudge');
    const at = o.at === undefined ? undefined : parseAt(o.at);
    let report = readReport(file);
    if (o.rejudge) {
      const { trustStore } = systemEdges({ extraCaPems: readCaFiles(o.caFile), extraCaNames: o.caFile });
      switch (report.kind) {
        case 'receiver':
          report = rejudgeReceiver(report, { trustStore, ...(at === undefined ? {} : { at }) });
          break;
        case 'enforce':
          // Nothing about certificates is judged: --ca-file has nothing to change, --at only the date it says.
          report = rejudgeEnforce(report, at === undefined ? {} : { at });
          break;
        case 'posture':
          // The policy host's certificate was verified at the fetch (its verdict is a fact): --ca-file and --at change nothing.
          if (o.caFile.length || at !== undefined) throw new UsageError('--ca-file and --at do not apply to a posture report: its policy host was verified when it was fetched');
          report = rejudgePosture(report);
          break;
        case 'sender':
          report = (await import('../jobs/sender/rejudge.js')).rejudgeSender(report, { trustStore, ...(at === undefined ? {} : { at }) });
          break;
        case 'logs':
          // Sessions and their sums are facts; only the findings are judged again (no certificate in them).
          if (o.caFile.length || at !== undefined) throw new UsageError('--ca-file and --at do not apply to a logs report: nothing in it is a certificate to judge');
          report = (await import('../jobs/logs/run-logs.js')).rejudgeLogs(report);
          break;
        case 'pcap':
          if (o.caFile.length || at !== undefined) throw new UsageError('--ca-file and --at do not apply to a pcap report: nothing in it is judged by date or trust');
          report = (await import('../jobs/pcap/run-pcap.js')).rejudgePcap(report);
          break;
        default:
          throw new UsageError(`--rejudge reads receiver (mxray check), enforce (mxray enforce), posture (mxray posture), sender (mxray sender-test), logs and pcap reports; this is a ${report.kind} report: run the command again instead`);
      }
    }
    await emit(await renderReport(report, o), o);
    return { kind: 'report', report };
  };
}
