// `mxray blocklist` as a child process (through dist/): exit codes, --json valid against the
// published schema, the verdict and the table first, one-line usage errors. The lists are served
// by our DNS server on loopback; every run passes --resolver pointing at it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlocklistReport } from '../../src/core/schema.js';
import { startDnsServer, type RunningDnsServer } from '../../src/demo/dns-server.js';
import { schemaErrors } from '../helpers/schema.js';

const BIN = join(process.cwd(), 'bin/mxray.cjs');
const BL = 'bl.mxray.test';

function mxray(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

let server: RunningDnsServer;
let dns: string[];
beforeAll(async () => {
  server = await startDnsServer({
    records: [
      { name: `2.0.0.127.${BL}`, type: 'A', data: '127.0.0.2' },
      { name: `2.0.0.127.${BL}`, type: 'TXT', data: 'Listed for spam trap hits: https://bl.mxray.test/lookup?ip=127.0.0.2' },
      { name: '2.0.0.127.zen.spamhaus.org', type: 'A', data: '127.255.255.254' },
    ],
  });
  dns = ['--resolver', `127.0.0.1:${server.port}`, '--timeout', '2'];
});
afterAll(() => server.stop());

describe('mxray blocklist (CLI)', () => {
  it('127.0.0.2 --dnsbl <zone> --json: exit 1, the Report, valid against the schema', async () => {
    const run = await mxray(['blocklist', '127.0.0.2', '--dnsbl', BL, ...dns, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as BlocklistReport;
    expect(schemaErrors(report)).toEqual([]);
    expect(report.kind).toBe('blocklist');
    expect(report.body.dnsbl.zones).toEqual([BL]);
    expect(report.findings.map((f) => f.id)).toEqual(['dnsbl.listed']);
  });

  it('text: the verdict and why first, then the table with the listing and the refusal before the clean rows', async () => {
    const run = await mxray(['blocklist', '127.0.0.2', '--dnsbl', BL, '--dnsbl', 'zen.spamhaus.org', '--dnsbl', 'clean.mxray.test', ...dns, '--width', '160']);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^mxray block list lookup — address 127\.0\.0\.2 — /);
    expect(lines[1]).toBe('FAIL — 127.0.0.2 is listed on bl.mxray.test');
    const table = lines.slice(lines.findIndex((l) => l.startsWith('Address')), lines.findIndex((l) => l.startsWith('Address')) + 4);
    expect(table[0]).toMatch(/^Address +List +Answer +Meaning$/);
    expect(table[1]).toMatch(/^127\.0\.0\.2 +bl\.mxray\.test +127\.0\.0\.2 +listed \(code 127\.0\.0\.2/);
    expect(table[2]).toMatch(/^127\.0\.0\.2 +Spamhaus ZEN +127\.255\.255\.254 +refused, not a listing/);
    expect(table[3]).toMatch(/^127\.0\.0\.2 +the other list +NXDOMAIN +not listed on the other list$/);
  });

  it('only a refusal: exit 3, never "listed"', async () => {
    const run = await mxray(['blocklist', '127.0.0.2', '--dnsbl', 'zen.spamhaus.org', ...dns, '--width', '200']);
    expect(run.code).toBe(3);
    expect(run.stdout.split('\n')[1]).toMatch(/^INCONCLUSIVE — could not tell: no usable answer from Spamhaus ZEN through the resolver 127\.0\.0\.1:\d+$/);
    expect(run.stdout).not.toMatch(/is listed on|LISTED|^ERROR/m);
  });

  it('not listed: exit 0', async () => {
    const run = await mxray(['blocklist', '192.0.2.1', '--dnsbl', BL, ...dns]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[1]).toBe('PASS — 192.0.2.1 is on none of the 1 list asked (through the resolver 127.0.0.1:' + server.port + ')');
  });

  it('--dnsbl-default with --dnsbl: the default lists and the one named; no --dnsbl at all: the defaults', async () => {
    const both = JSON.parse((await mxray(['blocklist', '127.0.0.2', '--dnsbl', BL, '--dnsbl-default', ...dns, '--json'])).stdout) as BlocklistReport;
    expect(both.body.dnsbl.zones).toEqual(['zen.spamhaus.org', 'b.barracudacentral.org', 'bl.spamcop.net', 'dnsbl-1.uceprotect.net', 'psbl.surriel.com', 'bl.mailspike.net', BL]);
    const defaults = JSON.parse((await mxray(['blocklist', '127.0.0.2', ...dns, '--json'])).stdout) as BlocklistReport;
    expect(defaults.body.dnsbl.zones).toHaveLength(6);
  });

  it('a bad target, a bad zone, a bad resolver: one line, exit 2, before any query', async () => {
    for (const args of [
      ['blocklist', 'not/a/target', ...dns],
      ['blocklist', '127.0.0.2', '--dnsbl', 'bad_zone.example', ...dns],
      ['blocklist', '127.0.0.2', '--dnsbl', 'zen', ...dns],
      ['blocklist', '127.0.0.2', '--resolver', 'dns.example'],
    ]) {
      const run = await mxray(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')[0]).toMatch(/^mxray: /);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
