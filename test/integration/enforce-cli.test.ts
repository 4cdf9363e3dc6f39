// `mxray enforce` as a child process (through dist/): exit codes, --json valid against the published
// schema, text on the first screen, one-line usage errors, and `mxray report` (and --rejudge) on a
// saved enforce report. Loopback fixture servers only; each stopped after its test.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EnforceReport } from '../../src/core/schema.js';
import { createRootCa } from '../../src/demo/test-pki.js';
import { startEnforceServer, type EnforcePlan, type EnforceServer } from '../helpers/enforce-server.js';
import { schemaErrors } from '../helpers/schema.js';

const BIN = join(process.cwd(), 'bin/mxray.cjs');
const HELO = 'client.mxray.test';
const RCPT = 'postmaster@enforce.test';

function mxray(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

let tlsKey: { key: string; cert: string };
let tmp: string;
beforeAll(async () => {
  const ca = await createRootCa('mxray enforce cli root', Date.now());
  const leaf = await ca.issue({ commonName: 'mx.enforce.test', dnsNames: ['mx.enforce.test'] });
  tlsKey = { key: leaf.keyPem, cert: leaf.certPem };
  tmp = mkdtempSync(join(tmpdir(), 'mxray-enforce-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const servers: EnforceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
async function serve(plan: EnforcePlan): Promise<EnforceServer> {
  const s = await startEnforceServer(plan, tlsKey);
  servers.push(s);
  return s;
}

const base = (s: EnforceServer) => ['enforce', `${s.address}:${s.port}`, '--rcpt', RCPT, '--helo', HELO, '--timeout', '5'];

describe('mxray enforce (CLI)', () => {
  it('a server that enforces TLS: exit 0, the verdict and its reason first, the table of addresses', async () => {
    const s = await serve({ clear: { stage: 'mail', reply: '530 5.7.0 Must issue a STARTTLS command first' } });
    const run = await mxray([...base(s), '--width', '200']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^mxray enforce test — server 127\.0\.0\.1:\d+ — /);
    expect(lines[1]).toBe('PASS — the address refuses mail without TLS (at MAIL FROM) and accepts it with TLS');
    expect(run.stdout).toContain('Address');
    expect(run.stdout).toMatch(/127\.0\.0\.1\]?:\d+ +enforces TLS +MAIL FROM +530 5\.7\.0 Must issue a STARTTLS command first +250 2\.1\.0 Ok/);
    expect(s.delivered).toBe(0);
  });

  it('a server that accepts mail without TLS: exit 1; --json is the Report, valid against the schema', async () => {
    const s = await serve({});
    const run = await mxray([...base(s), '--through-data', '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as EnforceReport;
    expect(schemaErrors(report)).toEqual([]);
    expect(report.kind).toBe('enforce');
    expect(report.findings.map((f) => f.id)).toEqual(['policy.cleartext-not-refused']);
    expect(report.body.envelope).toEqual({ helo: HELO, from: `mxray-test@${HELO}`, rcpt: RCPT, throughData: true });
    expect([s.delivered, s.dataBytes]).toEqual([0, 0]);
  });

  it('refused with TLS too: exit 3', async () => {
    const s = await serve({ always: { stage: 'rcpt', reply: '550 5.1.1 User unknown' } });
    const run = await mxray(base(s));
    expect(run.code).toBe(3);
    expect(run.stdout.split('\n')[1]).toMatch(/^INCONCLUSIVE — 127\.0\.0\.1:\d+: refused with TLS too$/);
  });

  it('usage errors: one line on stderr, exit 2, never a stack trace, no connection made', async () => {
    const s = await serve({});
    for (const args of [
      ['enforce', `127.0.0.1:${s.port}`],
      ['enforce', `127.0.0.1:${s.port}`, '--rcpt', 'not an address'],
      ['enforce', `127.0.0.1:${s.port}`, '--rcpt', RCPT, '--from', 'a\r\nRCPT TO:<x@y>'],
      ['enforce'],
    ]) {
      const run = await mxray(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await mxray(['enforce', `127.0.0.1:${s.port}`])).stderr).toMatch(/^mxray: give --rcpt: the target "127\.0\.0\.1:\d+" is an IP address, not a mail domain/);
    expect(s.received).toEqual([]);
  });

  it('mxray report renders a saved enforce report in every format, and --rejudge judges it again', async () => {
    const s = await serve({ clear: { stage: 'rcpt', reply: '450 4.7.1 Session encryption is required' }, authBeforeTls: 'PLAIN LOGIN' });
    const file = join(tmp, 'enforce.json');
    const saved = await mxray([...base(s), '--json', '--output', file]);
    expect(saved.code).toBe(0);
    const report = JSON.parse(readFileSync(file, 'utf8')) as EnforceReport;
    expect(report.findings.map((f) => f.id).sort()).toEqual(['policy.cleartext-auth-challenged', 'policy.tls-enforced', 'smtp.auth-before-tls']);
    const md = await mxray(['report', file, '--format', 'md']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('| Address | Verdict | Stage | Reply without TLS | With TLS |');
    const html = await mxray(['report', file, '--format', 'html']);
    expect(html.code).toBe(0);
    expect(html.stdout).toContain('enforces TLS');
    const again = await mxray(['report', file, '--rejudge', '--json']);
    expect(again.code).toBe(0);
    const rejudged = JSON.parse(again.stdout) as EnforceReport;
    expect(rejudged.judgedWith.rejudged).toBe(true);
    expect(rejudged.findings).toEqual(report.findings);
    expect(s.credentials).toEqual([]);
  });
});
