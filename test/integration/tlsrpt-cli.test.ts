// `mxray tlsrpt` through the built CLI (bin/mxray.cjs): folders walked, mailboxes read, exit codes
// by verdict, --json against the schema, one-line usage errors, a gzip bomb and hostile names on
// the command line, the corpus of real reports (read in place), and the library entry.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TlsRptReport } from '../../src/core/schema.js';
import { readTlsRpt } from '../../src/index.js';
import { schemaErrors } from '../helpers/schema.js';
import { skipWithout } from '../helpers/skip.js';
import { CORPUS } from '../unit/checks/tlsrpt-corpus.js';

const BIN = join(process.cwd(), 'bin/mxray.cjs');
const FIXTURES = join(process.cwd(), 'test/fixtures/tlsrpt');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function mxray(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

const json = (r: Run): TlsRptReport => JSON.parse(r.stdout) as TlsRptReport;
const ids = (r: TlsRptReport) => [...new Set(r.findings.map((f) => f.id))].sort();

function oneLine(r: Run): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

const good = (id: string, ok = 10, day = '2026-03-01') =>
  JSON.stringify({
    'organization-name': 'Google Inc.',
    'date-range': { 'start-datetime': `${day}T00:00:00Z`, 'end-datetime': `${day}T23:59:59Z` },
    'contact-info': 'smtp-tls-reporting@google.com',
    'report-id': id,
    policies: [{ policy: { 'policy-type': 'sts', 'policy-domain': 'example.net' }, summary: { 'total-successful-session-count': ok, 'total-failure-session-count': 0 } }],
  });

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mxray-tlsrpt-cli-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('mxray tlsrpt', () => {
  it('reads our fixture folder: exit 1 (a policy with 2 % or more failed), a schema-valid report, every input named', async () => {
    const r = await mxray(['tlsrpt', FIXTURES, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const report = json(r);
    expect(schemaErrors(report)).toEqual([]);
    expect(report.kind).toBe('tlsrpt');
    expect(report.body.inputs).toEqual({ files: 7, messages: 5, documents: 9, reports: 7, duplicates: 2, unreadable: 3 });
    expect(report.body.policies.map((p) => [p.policyDomain, p.policyType, p.failed, p.successful])).toEqual([
      ['example.net', 'sts', 87, 1250],
      ['example.net', 'tlsa', 3, 97],
      ['example.com', 'sts', 5, 1800],
      ['example.org', 'no-policy-found', 0, 120],
    ]);
    expect(report.verdict).toBe('fail');
  });

  it('only good reports: exit 0; the text says PASS and why on its first lines', async () => {
    writeFileSync(join(tmp, 'ok.json'), good('ok-1', 53));
    const r = await mxray(['tlsrpt', join(tmp, 'ok.json'), '--width', '200']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[1]).toBe('PASS — all 53 sessions in 1 report for example.net used TLS');
  });

  it('failures under 2 %: exit 0 with a warning', async () => {
    const f = join(tmp, 'few.json');
    writeFileSync(
      f,
      JSON.stringify({ ...(JSON.parse(good('few-1', 999)) as object), policies: [{ policy: { 'policy-type': 'sts', 'policy-domain': 'example.net' }, summary: { 'total-successful-session-count': 999, 'total-failure-session-count': 1 }, 'failure-details': [{ 'result-type': 'certificate-expired', 'failed-session-count': 1 }] }] }),
    );
    const r = await mxray(['tlsrpt', f, '--json']);
    expect(r.code).toBe(0);
    expect(json(r).verdict).toBe('warn');
    expect(ids(json(r))).toEqual(['tls-rpt.certificate-expired', 'tls-rpt.failures-occasional']);
  });

  it('nothing readable (a gzip bomb, a truncated gzip): exit 3, each named, no crash', async () => {
    const dir = join(tmp, 'bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'bomb.json.gz'), gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x20)));
    const gz = gzipSync(Buffer.from(good('cut')));
    writeFileSync(join(dir, 'cut.json.gz'), gz.subarray(0, gz.length - 8));
    const r = await mxray(['tlsrpt', dir, '--json']);
    expect(r.code).toBe(3);
    expect(json(r).body.problems.map((p) => [p.source.slice(dir.length + 1), p.problem])).toEqual([
      ['bomb.json.gz', 'too-large'],
      ['cut.json.gz', 'bad-gzip'],
    ]);
  });

  it('a folder: sub-folders walked in name order, dot files and symbolic links left out', async () => {
    const dir = join(tmp, 'walk');
    mkdirSync(join(dir, 'b'), { recursive: true });
    writeFileSync(join(dir, 'b', '2.json'), good('w2', 1, '2026-03-02'));
    writeFileSync(join(dir, 'a.json'), good('w1', 1, '2026-03-01'));
    writeFileSync(join(dir, '.hidden.json'), '{');
    symlinkSync(join(dir, 'a.json'), join(dir, 'link.json'));
    const r = json(await mxray(['tlsrpt', dir, '--json']));
    expect(r.body.reports.map((x) => x.source.slice(dir.length + 1))).toEqual(['a.json', 'b/2.json']);
    expect(r.body.inputs.files).toBe(2);
  });

  it('bad input is one line and exit 2: a missing file, a missing folder among good ones', async () => {
    const missing = await mxray(['tlsrpt', join(tmp, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(oneLine(missing)).toContain('nope.json: ENOENT');
    const mixed = await mxray(['tlsrpt', FIXTURES, join(tmp, 'nowhere')]);
    expect(mixed.code).toBe(2);
    expect(oneLine(mixed)).toContain('nowhere: ENOENT');
    const none = await mxray(['tlsrpt']);
    expect(none.code).toBe(2);
  });

  it('HTML: the chart of sessions per day, as inline SVG', async () => {
    const out = join(tmp, 'r.html');
    const r = await mxray(['tlsrpt', FIXTURES, '--format', 'html', '-o', out]);
    expect(r.code).toBe(1);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/<figure class="chart"><figcaption><strong>Sessions per day<\/strong>/);
    expect(html.match(/<g><title>2026-03-0\d: /g)).toHaveLength(6);
    // And the share of sessions that succeeded, per day, beside the logs' TLS share per domain.
    expect(html).toMatch(/<figure class="share-chart"><figcaption><strong>Share of sessions with TLS that succeeded, per day<\/strong>/);
    expect(html).not.toMatch(/<script/i);
  });

  it('reads the real corpus in place: every file counted or named, the RFC example and its erratum counted once', async (ctx) => {
    try {
      readFileSync(join(CORPUS, 'parsedmarc-rfc8460.json'));
    } catch {
      return skipWithout(ctx, 'corpus', `no TLS-RPT corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
    }
    const r = await mxray(['tlsrpt', CORPUS, '--json']);
    expect(r.code).toBe(1);
    const report = json(r);
    expect(schemaErrors(report)).toEqual([]);
    expect(report.body.inputs).toEqual({ files: 8, messages: 1, documents: 8, reports: 7, duplicates: 1, unreadable: 1 });
    expect(report.body.problems.map((p) => [p.source.slice(CORPUS.length + 1), p.problem])).toEqual([['phi-ag-rfc-errata-6241.json', 'duplicate']]);
    expect(report.body.totals).toEqual({ successful: 5452, failed: 307 });
  });

  it('the library entry reads the same as the command', async () => {
    const r = await readTlsRpt({ inputs: [{ name: 'ok.json', bytes: Buffer.from(good('lib', 5)) }] });
    expect([r.kind, r.verdict, r.body.totals.successful]).toEqual(['tlsrpt', 'pass', 5]);
  });
});
