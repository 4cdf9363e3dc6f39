// The built command, run as a user runs it (bin/mxray.cjs under this Node), with standard input
// given and closed, no colour; resolves with its exit code and both outputs, never rejects.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(process.cwd(), 'bin/mxray.cjs');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runMxray(args: string[], stdin?: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}
