// `mxray posture` and the check's policy options as child processes (through dist/), against the
// demo lab in this process: exit codes, --json valid against the published schema, the policy kept
// in the state folder between runs, a saved posture report rendered again by `mxray report`, and
// one-line usage errors (exit 2). Every run names the lab's resolver and --connect mappings.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostureReport, ReceiverReport } from '../../src/core/schema.js';
import { startLabWithDns, type RunningLab } from '../../src/demo/run-demo.js';
import { schemaErrors } from '../helpers/schema.js';

const BIN = join(process.cwd(), 'bin/mxray.cjs');
let running: RunningLab;
let tmp: string;
let lab: string[];

function mxray(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', MXRAY_STATE_DIR: join(tmp, 'state'), ...env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  running = await startLabWithDns({ now: Date.now(), only: ['good', 'mta-sts-not-covered'] });
  tmp = mkdtempSync(join(tmpdir(), 'mxray-posture-cli-'));
  const ca = join(tmp, 'demo-root.pem');
  writeFileSync(ca, running.lab.trustedCaPem);
  lab = ['--resolver', running.resolver, '--ca-file', ca, ...[...running.lab.hostMap].flatMap(([name, m]) => ['--connect', `${name}=127.0.0.1:${m.port}`])];
}, 120_000);

afterAll(async () => {
  await running?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('mxray posture (CLI)', () => {
  it('a good domain: exit 0, the Report valid, the policy kept in the state folder (one file per domain)', async () => {
    const run = await mxray(['posture', 'good.mxray.test', ...lab, '--no-blocklists', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as PostureReport;
    expect(schemaErrors(report)).toEqual([]);
    expect(report.kind).toBe('posture');
    expect(report.body.posture.mtaSts.effect).toBe('enforced');
    expect(readdirSync(join(tmp, 'state/mta-sts'))).toEqual(['good.mxray.test.json']);
    const seen = JSON.parse(readFileSync(join(tmp, 'state/mta-sts/good.mxray.test.json'), 'utf8')) as { id: string; sha256: string; mx: string[] };
    expect(seen.id).toBe('20261129T1200');
    expect(seen.mx).toEqual(['mx.good.mxray.test']);
    expect(seen.sha256).toBe(report.body.posture.mtaSts.policy.sha256);
    // The next run reads it back.
    const again = JSON.parse((await mxray(['posture', 'good.mxray.test', ...lab, '--no-blocklists', '--json'])).stdout) as PostureReport;
    expect(again.body.posture.mtaSts.previous?.sha256).toBe(seen.sha256);
  });

  it('a policy changed under the same id (the state file says another policy): exit 1, mta-sts.id-unchanged; --no-store does not see it', async () => {
    const file = join(tmp, 'state/mta-sts/good.mxray.test.json');
    const seen = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    // Seen before under the same id with another MX pattern: a change senders never pick up.
    writeFileSync(file, JSON.stringify({ ...seen, sha256: 'f'.repeat(64), mx: ['old-mx.good.mxray.test'], seenAt: '2026-11-01T00:00:00.000Z' }));
    const run = await mxray(['posture', 'good.mxray.test', ...lab, '--no-blocklists']);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')[1]).toMatch(/^FAIL — The MTA-STS policy of good\.mxray\.test changed but its id 20261129T1200 did not/);
    expect((await mxray(['posture', 'good.mxray.test', ...lab, '--no-blocklists', '--no-store'])).code).toBe(0);
  });

  it('a state file that is not ours is as good as none', async () => {
    writeFileSync(join(tmp, 'state/mta-sts/good.mxray.test.json'), '{"id": "../../etc", "sha256": 1}');
    const report = JSON.parse((await mxray(['posture', 'good.mxray.test', ...lab, '--no-blocklists', '--json', '--no-store'])).stdout) as PostureReport;
    expect(report.body.posture.mtaSts.previous).toBeNull();
    const read = JSON.parse((await mxray(['posture', 'good.mxray.test', ...lab, '--no-blocklists', '--json'])).stdout) as PostureReport;
    expect(read.body.posture.mtaSts.previous).toBeNull();
  });

  it('an MX host the policy does not cover: exit 1, the reason first; the saved report renders again with mxray report', async () => {
    const run = await mxray(['posture', 'mta-sts-not-covered.mxray.test', ...lab, '--no-blocklists', '--json']);
    expect(run.code).toBe(1);
    const file = join(tmp, 'not-covered.json');
    writeFileSync(file, run.stdout);
    const shown = await mxray(['report', file, '--width', '100']);
    expect(shown.code).toBe(1);
    expect(shown.stdout).toMatch(/^mxray posture — mail domain mta-sts-not-covered\.mxray\.test/);
    expect(shown.stdout).toMatch(/MTA-STS +enforce, id 20261129T1200, max_age 604800, covers 0\/1 MX/);
    // Judged again from the saved answers: the same verdict and findings, and it says it was re-judged.
    const rejudged = await mxray(['report', file, '--rejudge', '--json']);
    expect(rejudged.code).toBe(1);
    const again = JSON.parse(rejudged.stdout) as PostureReport;
    const saved = JSON.parse(run.stdout) as PostureReport;
    expect(again.judgedWith.rejudged).toBe(true);
    expect(again.findings).toEqual(saved.findings);
    expect(again.body).toEqual(saved.body);
    expect(schemaErrors(again)).toEqual([]);
    // A saved answer judged again: a policy whose record was made invalid in the file is judged so.
    const edited = { ...saved, body: { ...saved.body, posture: { ...saved.body.posture, mtaSts: { ...saved.body.posture.mtaSts, record: { ...saved.body.posture.mtaSts.record, records: [['v=STSv1; id=no-dashes']] } } } } };
    writeFileSync(file, JSON.stringify(edited));
    const badRecord = JSON.parse((await mxray(['report', file, '--rejudge', '--json'])).stdout) as PostureReport;
    expect(badRecord.findings.map((f) => f.id)).toContain('mta-sts.bad-record');
    const caFile = await mxray(['report', file, '--rejudge', '--at', '2026-01-01']);
    expect(caFile.code).toBe(2);
    expect(caFile.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('usage errors: one line, exit 2, no stack trace', async () => {
    for (const args of [
      ['posture', '192.0.2.1', ...lab],
      ['posture', 'good.mxray.test', '--dnsbl', 'not a zone', ...lab],
      ['check', 'good.mxray.test', '--dnsbl', '--source-ip', 'nowhere', ...lab],
      ['check', 'good.mxray.test', '--dnsbl-zone', 'x', ...lab],
    ]) {
      const run = await mxray(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/);
    }
  });

  it('mxray check: the policy line on the first screen; --no-posture leaves it out', async () => {
    const run = await mxray(['check', 'good.mxray.test', ...lab, '--quick', '--width', '100']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').slice(0, 6).join('\n')).toMatch(/MTA-STS \/ TLS-RPT {2}enforce, id 20261129T1200/);
    const json = JSON.parse((await mxray(['check', 'good.mxray.test', ...lab, '--quick', '--no-posture', '--json'])).stdout) as ReceiverReport;
    expect(json.body.posture).toBeUndefined();
  });
});
