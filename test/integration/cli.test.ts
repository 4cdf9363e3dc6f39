// Every lab scenario through the real CLI (bin/mxray.cjs → dist/), plus the CLI's own contract:
// exit codes, formats, --output, colour rules, escaping of hostile server text.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/schema.js';
import { listLabScenarios } from '../../src/demo/lab.js';
import { startScriptedServer, type ScriptedServer } from '../../src/demo/scripted-server.js';
import { startLabWithDns, type RunningLab } from '../../src/demo/run-demo.js';
import { limitConcurrency } from '../../src/core/concurrency.js';
import { LAB_EXPECTED } from '../helpers/lab-expectations.js';
import { schemaErrors } from '../helpers/schema.js';

const BIN = join(process.cwd(), 'bin/mxray.cjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking the event loop (the lab lives in this process). */
function mxray(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '', ...env }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let running: RunningLab;
let tmp: string;
let caFile: string;
let hostile: ScriptedServer;

function labArgs(): string[] {
  const args = ['--resolver', running.resolver, '--ca-file', caFile];
  for (const [host, m] of running.lab.hostMap) args.push('--connect', `${host}=${m.address}:${m.port}`);
  return args;
}

const EXIT: Record<Report['verdict'], number> = { pass: 0, warn: 0, 'not-applicable': 0, fail: 1, inconclusive: 3 };

beforeAll(async () => {
  running = await startLabWithDns({ now: Date.now() });
  tmp = mkdtempSync(join(tmpdir(), 'mxray-cli-'));
  caFile = join(tmp, 'demo-root.pem');
  writeFileSync(caFile, running.lab.trustedCaPem);
  // A server whose banner carries markup and terminal escapes: every renderer must neutralise them.
  hostile = await startScriptedServer({
    greeting: () => [{ type: 'write', data: '220 <script>alert(1)</script> \x1b[31mRED\x1b[0m ESMTP\r\n' }],
    command: (line) => (/^QUIT/i.test(line) ? [{ type: 'write', data: '221 bye\r\n' }, { type: 'close' }] : [{ type: 'write', data: '250 <b>ok</b>\r\n' }]),
  });
}, 60_000);

afterAll(async () => {
  await hostile?.stop();
  await running?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('every lab scenario through `mxray check --json`', () => {
  const run = limitConcurrency(4);
  const results = new Map<string, Promise<Run>>();
  const resultFor = (name: string, domain: string) => {
    if (!results.has(name)) results.set(name, run(() => mxray(['check', domain, ...labArgs(), '--json'])));
    return results.get(name)!;
  };
  it('every lab scenario has its expectation written in the tests', () => {
    expect(listLabScenarios().map((s) => s.name).sort()).toEqual(Object.keys(LAB_EXPECTED).sort());
  });
  for (const s of listLabScenarios()) {
    const expected = LAB_EXPECTED[s.name] ?? { verdict: 'fail', findings: ['(no expectation written for this scenario)'] };
    it(`${s.name}: exit ${EXIT[expected.verdict]}, verdict ${expected.verdict}, exactly ${expected.findings.join(', ')}`, async () => {
      const r = await resultFor(s.name, s.domain);
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as Report;
      expect(schemaErrors(report)).toEqual([]);
      expect({ verdict: report.verdict, findings: report.findings.map((f) => f.id).sort() }).toEqual(expected);
      expect(r.code).toBe(EXIT[expected.verdict]);
    });
  }
});

describe('text output', () => {
  it('the first screen: verdict with its reason, the table, each problem with a one-line fix; fits 100 columns and 25 lines; no colour off a terminal', async () => {
    const r = await mxray(['check', 'expired.mxray.test', ...labArgs()]);
    expect(r.code).toBe(1);
    const out = r.stdout;
    expect(out).not.toMatch(/\x1b\[/);
    const lines = out.trimEnd().split('\n');
    // The verdict and its reason, wrapped with a hanging indent.
    const verdict = lines.slice(1, lines.findIndex((l, i) => i > 1 && !l.startsWith('  '))).join(' ').replace(/ {2,}/g, ' ');
    expect(verdict).toMatch(/^FAIL — The certificate of mx\.expired\.mxray\.test expired \d+ days? ago; mail is delivered there with TLS 1\.3, certificate not verified$/);
    const table = out.indexOf('MX host');
    const findings = out.indexOf('Problems, worst first');
    expect(table).toBeGreaterThan(0);
    expect(findings).toBeGreaterThan(table);
    expect(out).toMatch(/^mx\.expired\.mxray\.test +10 +127\.0\.0\.1:\d+ +yes +1\.3 AES256-GCM +expired +ok +fail$/m);
    expect(out).toMatch(/^ERROR +The certificate of mx\.expired\.mxray\.test\[127\.0\.0\.1\]:\d+ expired/m);
    expect(out).toMatch(/^ {9}Fix: /m);
    // The long explanations and the details wait for --explain / --details.
    expect(out).not.toContain('Opportunistic senders:');
    expect(out).not.toContain('As sent by the server');
    expect(out).not.toContain('Transcript');
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(100);
    expect(lines.length).toBeLessThanOrEqual(25);
  });

  it('--explain adds what senders do, every step and the finding id; --details the per-address details; --width narrows', async () => {
    const r = await mxray(['check', 'expired.mxray.test', ...labArgs(), '--explain', '--details', '--width', '90']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Opportunistic senders:');
    expect(r.stdout).toMatch(/^ {9}\[cert\.expired\]$/m);
    expect(r.stdout).toContain('As sent by the server:');
    expect(r.stdout).toMatch(/^ +SHA-256 [0-9A-F]{64}$/m);
    expect(Math.max(...r.stdout.trimEnd().split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(90);
  });

  it('--verbose adds the transcript with millisecond offsets', async () => {
    const r = await mxray(['check', 'good.mxray.test', ...labArgs(), '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[\d{3}\.\d{3}\] mx\.good\.mxray\.test\[127\.0\.0\.1\]:\d+\/main {2}C: EHLO /m);
    expect(r.stdout).toMatch(/S: 220 2\.0\.0 Ready to start TLS/);
  });

  it('--format md and --format html render the same report; --output writes a file', async () => {
    const md = await mxray(['check', 'no-starttls.mxray.test', ...labArgs(), '--format', 'md']);
    expect(md.stdout).toMatch(/^# mxray receiver test/);
    expect(md.stdout).toContain('`starttls.not-offered`');
    const file = join(tmp, 'report.html');
    const html = await mxray(['check', 'no-starttls.mxray.test', ...labArgs(), '--format', 'html', '--output', file]);
    expect(html.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toMatch(/^<!doctype html>[\s\S]*starttls\.not-offered/);
  });

  it('hostile server text is escaped in every format', async () => {
    const target = `127.0.0.1:${hostile.port}`;
    const text = await mxray(['check', target, '--quick', '--verbose']);
    expect(text.stdout).not.toContain('\x1b[31m');
    expect(text.stdout).toContain('\\x1b[31m');
    const html = await mxray(['check', target, '--quick', '--verbose', '--format', 'html']);
    expect(html.stdout).not.toContain('<script>');
    expect(html.stdout).toContain('&lt;script&gt;');
    const md = await mxray(['check', target, '--quick', '--format', 'md']);
    expect(md.stdout).not.toContain('<script>');
  });
});

describe('CLI contract', () => {
  it('--version prints the version and exits 0', async () => {
    const r = await mxray(['--version']);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string };
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('check --help shows examples and every exit code; a usage error points to it', async () => {
    const help = await mxray(['check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Examples:\n {2}mxray check example\.com /m);
    const codes = help.stdout.slice(help.stdout.indexOf('Exit codes:')).match(/^ {2}(\d) /gm)?.map((m) => m.trim());
    expect(codes).toEqual(['0', '1', '2', '3', '4']);
    const bad = await mxray(['check', 'a.example', '--width', 'wide']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('mxray: --width must be a whole number from 1 to 1000, not "wide" (see mxray check --help)\n');
    // A file that cannot be read is not a question of options: no pointer to --help.
    const unreadable = await mxray(['check', 'a.example', '--ca-file', '/nonexistent/ca.pem']);
    expect(unreadable.stderr).toMatch(/^mxray: cannot read --ca-file \/nonexistent\/ca\.pem: ENOENT\n$/);
  });

  it('a --ca-file with a certificate block that cannot be read: exit 2, the file, the block and why (never silently left out)', async () => {
    const cut = join(tmp, 'cut.pem');
    const pem = running.lab.trustedCaPem.trim();
    // The lab's CA, then a second block cut off before its END line.
    writeFileSync(cut, `${pem}\n${pem.slice(0, pem.indexOf('\n') + 40)}\n`);
    const r = await mxray(['check', 'a.example', '--resolver', '127.0.0.1:9', '--ca-file', cut]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`mxray: --ca-file ${cut}: certificate block 2 (line ${pem.split('\n').length + 1}): no "-----END CERTIFICATE-----" line before the end of the file\n`);
  });

  it('usage errors: one line on stderr, exit 2, no stack trace', async () => {
    for (const args of [['check'], ['check', 'http://example.com'], ['check', 'a.example', '--format', 'pdf'], ['check', 'a.example', '--port', '0'], ['check', 'a.example', '--ca-file', '/nonexistent/ca.pem'], ['check', 'a.example', '-4', '-6'], ['demo', '--only', 'nope']]) {
      const r = await mxray(args);
      expect(r.code, args.join(' ')).toBe(2);
      // Exactly one line, ours ("mxray: …"), and nothing on stdout.
      expect(r.stderr, args.join(' ')).toMatch(/^mxray: [^\n]+\n$/);
      expect(r.stdout, args.join(' ')).toBe('');
    }
  });

  it('a resolver that refuses (nothing listens there) is "could not test": dns.error, exit 3, never a pass', async () => {
    const r = await mxray(['check', 'good.mxray.test', '--resolver', '127.0.0.1:9', '--json']);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.verdict).toBe('inconclusive');
    expect(report.findings.map((f) => f.id)).toContain('dns.error');
  });

  it('refuses CR/LF or brackets in what it would put on the wire', async () => {
    for (const args of [['--helo', 'a\r\nDATA'], ['--from', 'a@b>\r\nRCPT'], ['--rcpt', 'x y@z']]) {
      const r = await mxray(['check', 'good.mxray.test', ...labArgs(), ...args.map((a) => a.replace(/\\r/g, '\r').replace(/\\n/g, '\n'))]);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });

  it('`mxray demo --json` prints every scenario with its report', async () => {
    const r = await mxray(['demo', '--json', '--only', 'good,self-signed']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { scenarios: { name: string; report: Report }[] };
    expect(out.scenarios.map((s) => s.name).sort()).toEqual(['good', 'self-signed']);
    for (const s of out.scenarios) expect(schemaErrors(s.report)).toEqual([]);
  });

  it('`mxray demo` ends with one table of all scenarios, each with its verdict and reason; the reports only with --details', async () => {
    const r = await mxray(['demo', '--width', '100']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('━━');
    const lines = r.stdout.trimEnd().split('\n');
    const header = lines.findIndex((l) => /^Scenario +Verdict +Expected +Why$/.test(l));
    expect(header).toBeGreaterThan(0);
    const body = lines.slice(header + 1);
    const rows = body.slice(0, body.indexOf('')).filter((l) => /^\S/.test(l)).map((l) => l.split(/ {2,}/));
    // Every scenario, in order, as expected; the line after the table says so.
    expect(rows.map((c) => c[0])).toEqual(listLabScenarios().map((s) => s.name));
    for (const c of rows) expect(c[2]).toBe('yes');
    expect(r.stdout).toMatch(/^Every verdict is as expected\./m);
    expect(r.stdout).toMatch(/^backup-mx +warn +yes +mx-down\.backup-mx\.mxray\.test refuses connections;\n +mail is delivered to/m);
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(100);

    const detailed = await mxray(['demo', '--details', '--only', 'good,expired']);
    expect(detailed.stdout.split('━━ ').slice(1).map((s) => s.split(':')[0])).toEqual(['good', 'expired']);
    expect(detailed.stdout).toContain('As sent by the server:');
    expect(detailed.stdout.slice(detailed.stdout.lastIndexOf('Scenario'))).toMatch(/^Every verdict is as expected\./m);
  });
});
