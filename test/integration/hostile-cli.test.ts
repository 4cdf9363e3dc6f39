// The CLI against a hostile server and hostile arguments: exit codes, JSON on stdout, one line on
// stderr for usage errors. Runs `node bin/mxray.js` (which loads dist/), so it builds first. DNS
// goes to a loopback zone server (--resolver), so nothing here leaves 127.0.0.1.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/schema.js';
import { startDnsServer, type RunningDnsServer } from '../../src/demo/dns-server.js';
import { startScriptedServer } from '../../src/demo/scripted-server.js';
import * as hostile from '../fakes/hostile.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Runs `node bin/mxray.js …args` and collects its output; kills it after `timeoutMs`. */
function mxray(args: string[], timeoutMs = 20_000): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/mxray.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', MXRAY_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

let dns: RunningDnsServer;
const servers: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  // bin/mxray.js runs the esbuild bundle: build both steps, or this file would test stale code.
  await promisify(execFile)(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: ROOT, timeout: 240_000 });
  await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/bundle.js')], { cwd: ROOT, timeout: 120_000 });
  // An empty zone: every lookup (the PTR of 127.0.0.1 included) is answered NXDOMAIN at once.
  dns = await startDnsServer({ records: [] });
}, 300_000);

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

afterAll(async () => {
  await dns?.stop();
});

/** One line, no stack trace. */
function expectOneLineError(stderr: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^mxray: /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('mxray check (CLI) against hostile input', () => {
  it('a server that never greets: exit 3 (could not test), JSON with smtp.greeting-timeout', async () => {
    const server = await startScriptedServer(hostile.neverGreets().script);
    servers.push(server);
    const run = await mxray([
      'check',
      `127.0.0.1:${server.port}`,
      '--json',
      '--quick',
      '--greeting-timeout',
      '1',
      '--timeout',
      '1',
      '--resolver',
      `127.0.0.1:${dns.port}`,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.verdict).toBe('inconclusive');
    expect(report.hosts[0]?.status).toBe('greeting-timeout');
    expect(report.findings.map((f) => f.id)).toContain('smtp.greeting-timeout');
    expect(run.wallMs).toBeLessThan(10_000);
  });

  it("a bad target ('exa mple'): exit 2, one line on stderr, no stack trace", async () => {
    const run = await mxray(['check', 'exa mple', '--resolver', `127.0.0.1:${dns.port}`]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expectOneLineError(run.stderr);
  });

  it.each([['mx.example.test=not-an-address'], ['mx.example.test'], ['mx.example.test=127.0.0.1:99999'], ['=127.0.0.1']])(
    '--connect %s (malformed): exit 2, one line on stderr',
    async (spec) => {
      const run = await mxray(['check', 'example.test', '--quick', '--connect', spec, '--resolver', `127.0.0.1:${dns.port}`, '--timeout', '1']);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expectOneLineError(run.stderr);
    },
  );
});

// Every hostile server of test/fakes/hostile.ts through the real CLI too, with the extra
// connections ON (no --quick): the handshake without SNI and the cleartext session meet the
// same hostile server. Each ends within its time-outs with a precise finding and the right exit
// code, stderr stays empty (no crash, no stack, no unhandled rejection), and the JSON is a Report.
describe('every hostile server through `mxray check --json` (extra connections on)', () => {
  let tls: { key: string; cert: string };
  beforeAll(async () => {
    const { createRootCa } = await import('../../src/demo/test-pki.js');
    const ca = await createRootCa('hostile CLI root', Date.now());
    const leaf = await ca.issue({ commonName: hostile.MX_NAME });
    tls = { key: leaf.keyPem, cert: leaf.certPem };
  });

  const cases: [string, () => hostile.HostileScript, string, number, boolean?][] = [
    ['never greets', () => hostile.neverGreets(), 'smtp.greeting-timeout', 3],
    ['drips the banner a byte a second', () => hostile.dripsBanner(1000), 'smtp.greeting-timeout', 3],
    ['drips the EHLO reply past the whole-reply deadline', () => hostile.dripsEhloReply({ lines: 12, intervalMs: 300 }), 'smtp.io-timeout', 1],
    ['sends a 10 MB banner line', () => hostile.hugeBannerLine(), 'smtp.protocol-error', 1],
    ['sends an endless multi-line EHLO reply', () => hostile.endlessEhloReply(), 'smtp.protocol-error', 1],
    // Works, TLS included; exit 1 only because the test CA is not trusted here (cert.untrusted-root).
    ['ends lines with a bare LF (works, TLS too)', () => hostile.bareLfServer({ tls: true }), 'tls.ok', 1, true],
    ['closes right after 220 to STARTTLS', () => hostile.closesAfterStarttls(), 'tls.handshake-failed', 1],
    ['injects a line after its 220 to STARTTLS', () => hostile.injectsAfterStarttls(), 'starttls.injection', 1, true],
    ['answers the ClientHello with garbage', () => hostile.garbageForClientHello(), 'tls.handshake-failed', 1],
    ['greets with 421 (rate limit)', () => hostile.greetsWith(421, '4.7.0 Too many connections, try again later'), 'smtp.rate-limited', 3],
    ['greets with 554', () => hostile.greetsWith(554, '5.7.1 no service for you'), 'smtp.banner-rejected', 1],
    ['answers EHLO with 500, HELO with 250', () => hostile.refusesEhlo(500), 'smtp.esmtp-unsupported', 1],
    ['answers EHLO with 550', () => hostile.refusesEhlo(550), 'smtp.ehlo-rejected', 1],
    ['speaks another protocol instead of a banner', () => hostile.notSmtpBanner(), 'smtp.protocol-error', 1],
    ['answers EHLO with something that is not SMTP', () => hostile.notSmtpReply(), 'smtp.protocol-error', 1],
  ];

  for (const [name, make, id, code, needsTls] of cases) {
    it(`${name}: ${id}, exit ${code}`, async () => {
      const h = make();
      const server = await startScriptedServer(h.script, needsTls ? { tls } : {});
      servers.push(server);
      const run = await mxray(
        ['check', `127.0.0.1:${server.port}`, '--json', '--greeting-timeout', '1', '--timeout', '1.5', '--resolver', `127.0.0.1:${dns.port}`],
        30_000,
      );
      expect(run.stderr).toBe('');
      const report = JSON.parse(run.stdout) as Report;
      expect(report.findings.map((f) => f.id)).toContain(id);
      if (id === 'tls.ok') expect(report.findings.map((f) => f.id)).not.toContain('smtp.protocol-error');
      expect(run.code).toBe(code);
      // Bounded by the time-outs: main session, legacy retry, no-SNI and cleartext sessions.
      expect(run.wallMs).toBeLessThan(15_000);
      // A server that timed out or broke the protocol is not given a second chance to stall us.
      if (/timeout|protocol-error/.test(id)) {
        const conns = new Set(report.transcript.map((e) => e.conn.split('/').pop()));
        expect([...conns].filter((c) => c === 'cleartext' || c === 'no-sni')).toEqual([]);
      }
    });
  }
});

describe('a server that stalls after EHLO', () => {
  it('never answers STARTTLS: smtp.io-timeout once, and no extra sessions to stall again', async () => {
    const server = await startScriptedServer({
      greeting: () => [{ type: 'write', data: `220 ${hostile.MX_NAME} ESMTP\r\n` }],
      command: (line) => {
        if (/^EHLO/i.test(line)) return [{ type: 'write', data: `250-${hostile.MX_NAME}\r\n250 STARTTLS\r\n` }];
        if (/^STARTTLS/i.test(line)) return []; // silence
        if (/^QUIT/i.test(line)) return [{ type: 'write', data: '221 bye\r\n' }, { type: 'close' }];
        return [{ type: 'write', data: '250 ok\r\n' }];
      },
    });
    servers.push(server);
    const run = await mxray(['check', `127.0.0.1:${server.port}`, '--json', '--timeout', '1', '--resolver', `127.0.0.1:${dns.port}`]);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as Report;
    expect(report.findings.map((f) => f.id)).toContain('smtp.io-timeout');
    const conns = new Set(report.transcript.map((e) => e.conn.split('/').pop()));
    expect(conns.has('cleartext')).toBe(false);
    expect(conns.has('no-sni')).toBe(false);
    // One command time-out, not one per session.
    expect(run.wallMs).toBeLessThan(2900);
  });
});
