// A state folder of the run's own for every test and every CLI it starts (MXRAY_STATE_DIR): the
// MTA-STS policies mxray keeps between runs must never come from, or go to, the tester's home
// (a policy remembered there from an older lab would make `mta-sts.id-unchanged` appear). Removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'mxray-test-state-'));
  process.env.MXRAY_STATE_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
