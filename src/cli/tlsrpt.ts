// `mxray tlsrpt <report.json[.gz]|folder|mbox...>`. (Filled in by the tlsrpt work.)
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { Run } from './commands.js';
import { addReportOptions } from './options.js';

export function configure(cmd: Command): Run {
  cmd.argument('<input...>', 'what to look at');
  addReportOptions(cmd, { timeout: false });
  return () => Promise.reject(new UsageError('mxray tlsrpt is not built yet'));
}
