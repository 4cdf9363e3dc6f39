// `mxray posture <domain>`. (Filled in by the posture work.)
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { Run } from './commands.js';
import { addReportOptions } from './options.js';

export function configure(cmd: Command): Run {
  cmd.argument('<domain>', 'what to look at');
  addReportOptions(cmd, { timeout: false });
  return () => Promise.reject(new UsageError('mxray posture is not built yet'));
}
