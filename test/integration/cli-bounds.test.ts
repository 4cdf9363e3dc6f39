// `mxray check` through the built CLI (bin/mxray.cjs → dist/; `npm test` builds first) against its
// bounds and a few hostile details (issue 16, items 4, 9 and 12): --max-mx, --timeout bounding the
// wait for the banner, --deadline, --connect and --expect-thumbprint syntax, a resolver address
// where nothing listens, bidirectional controls from a server, IPv6 targets in every format, and a
// reply past mxray's own cap. Loopback only: our DNS server (--resolver) and scripted SMTP servers,
// each stopped by this file. Times are never asserted: limits show as the figures in the findings.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiverReport } from '../../src/core/schema.js';
import { startDnsServer, type RunningDnsServer } from '../../src/demo/dns-server.js';
import { reply, startScriptedServer, verbOf, type ScriptedServer, type ScriptHandlers } from '../../src/demo/scripted-server.js';

const BIN = join(process.cwd(), 'bin/mxray.cjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/mxray.cjs …args`, without blocking this process (the servers live here); killed after `killMs` (a hang, not a measure). */
function mxray(args: string[], killMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', MXRAY_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), killMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One line on stderr, no stack trace, nothing on stdout, exit 2. */
function expectUsageError(run: Run): string {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

const MX = (i: number) => `mx${i}.five.bounds.test`;
let dns: RunningDnsServer;
let resolver: string[];
const servers: ScriptedServer[] = [];

beforeAll(async () => {
  dns = await startDnsServer({
    records: [
      ...[1, 2, 3, 4, 5].flatMap((i) => [
        { name: 'five.bounds.test', type: 'MX' as const, data: { preference: 10 * i, exchange: MX(i) } },
        { name: MX(i), type: 'A' as const, data: '127.0.0.1' },
      ]),
      // One MX host with 12 addresses: only 127.0.0.1 listens (the others refuse at once).
      { name: 'wide.bounds.test', type: 'MX' as const, data: { preference: 10, exchange: 'mx.wide.bounds.test' } },
      ...Array.from({ length: 12 }, (_, i) => ({ name: 'mx.wide.bounds.test', type: 'A' as const, data: `127.0.0.${i + 1}` })),
    ],
  });
  resolver = ['--resolver', `127.0.0.1:${dns.port}`];
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

afterAll(async () => {
  await dns?.stop();
});

async function server(handlers: ScriptHandlers, tls?: { key: string; cert: string }): Promise<ScriptedServer> {
  const s = await startScriptedServer(handlers, tls ? { tls } : {});
  servers.push(s);
  return s;
}

/** A plain ESMTP server without STARTTLS that answers at once. */
const plain = (name = 'mx.bounds.test'): ScriptHandlers => ({
  greeting: () => [reply(220, `${name} ESMTP`)],
  command: (line) => (verbOf(line) === 'QUIT' ? [reply(221, 'bye'), { type: 'close' }] : verbOf(line) === 'EHLO' ? [reply(250, name, 'SIZE 1000')] : [reply(250, 'ok')]),
});

describe('--max-mx', () => {
  it('of 5 MX hosts, --max-mx 2 probes the first 2; the JSON lists the other 3 with names and preferences, the text says how many and why', async () => {
    const s = await server(plain());
    const args = ['check', 'five.bounds.test', '--port', String(s.port), '--quick', '--max-mx', '2', ...resolver];
    const json = await mxray([...args, '--json']);
    expect(json.stderr).toBe('');
    const report = JSON.parse(json.stdout) as ReceiverReport;
    expect(report.body.hosts.map((h) => h.mx)).toEqual([MX(1), MX(2)]);
    expect(report.body.bounds?.notProbed).toEqual([3, 4, 5].map((i) => ({ reason: 'max-mx', mx: MX(i), preference: 10 * i, address: null })));
    expect(report.body.bounds?.notProbedCount).toBe(3);
    // Never looked up, never connected to: only two MX hosts in the transcript.
    // (DANE's own MX lookup, with the DO bit, names them too; nothing asks about them after it.)
    const aboutOthers = report.transcript.filter((e) => /mx[345]\.five/.test(e.text) || /mx[345]\.five/.test(e.conn)).map((e) => e.text);
    expect(aboutOthers.filter((t) => !t.startsWith('MX five.bounds.test (DNSSEC) → '))).toEqual([`MX five.bounds.test → 10 ${MX(1)}, 20 ${MX(2)}, 30 ${MX(3)}, 40 ${MX(4)}, 50 ${MX(5)}`]);
    expect(aboutOthers).toHaveLength(2);
    const text = await mxray([...args, '--width', '200']);
    expect(text.stdout).toContain(`Not probed: 3 more MX hosts (mxray probes the first 2 by preference; --max-mx): ${MX(3)} (30), ${MX(4)} (40), ${MX(5)} (50)\n`);
  });

  it('10 by default: all 5 probed, nothing said about hosts not probed', async () => {
    const s = await server(plain());
    const run = await mxray(['check', 'five.bounds.test', '--port', String(s.port), '--quick', '--json', ...resolver]);
    const report = JSON.parse(run.stdout) as ReceiverReport;
    expect(report.body.hosts).toHaveLength(5);
    expect(report.body.bounds).toMatchObject({ maxMx: 10, notProbed: [], notProbedCount: 0 });
  });

  it.each([['0'], ['1001'], ['two']])('--max-mx %s: one line, exit 2', async (n) => {
    expect(expectUsageError(await mxray(['check', 'five.bounds.test', '--max-mx', n, ...resolver]))).toBe(`mxray: --max-mx must be a whole number from 1 to 1000, not "${n}" (see mxray check --help)`);
  });
});

describe('addresses of one name', () => {
  it('an MX host with 12 addresses: 10 probed, the text names the other 2 and why', async () => {
    const s = await server(plain());
    const args = ['check', 'wide.bounds.test', '--port', String(s.port), '--quick', '-4', ...resolver];
    const report = JSON.parse((await mxray([...args, '--json'])).stdout) as ReceiverReport;
    expect(report.body.hosts.map((h) => h.address)).toEqual(Array.from({ length: 10 }, (_, i) => `127.0.0.${i + 1}`));
    expect(report.body.bounds?.notProbed).toEqual([11, 12].map((i) => ({ reason: 'max-addresses', mx: 'mx.wide.bounds.test', preference: 10, address: `127.0.0.${i}` })));
    const text = await mxray([...args, '--width', '200']);
    expect(text.stdout).toContain('Not probed: 2 more addresses of names with many (mxray probes at most 10 of each): mx.wide.bounds.test [127.0.0.11] (10), mx.wide.bounds.test [127.0.0.12] (10)\n');
  });
});

describe('time', () => {
  it('--timeout alone bounds the wait for the banner too (a server that never greets)', async () => {
    const s = await server({ greeting: () => [] });
    const run = await mxray(['check', `127.0.0.1:${s.port}`, '--json', '--timeout', '1', ...resolver]);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as ReceiverReport;
    expect(report.findings.map((f) => [f.id, f.facts.timeoutMs])).toEqual([['smtp.greeting-timeout', 1000]]);
    expect(report.body.timeouts).toEqual({ connectMs: 1000, greetingMs: 1000, commandMs: 1000 });
    expect(run.code).toBe(3);
  });

  it('--greeting-timeout still sets the banner apart from --timeout', async () => {
    const s = await server({ greeting: () => [] });
    const run = await mxray(['check', `127.0.0.1:${s.port}`, '--json', '--timeout', '3', '--greeting-timeout', '1', ...resolver]);
    const report = JSON.parse(run.stdout) as ReceiverReport;
    expect(report.body.timeouts).toEqual({ connectMs: 3000, greetingMs: 1000, commandMs: 3000 });
  });

  it('--deadline 1: a server answering every command 4 s late (inside --timeout 6) is stopped; what it said is kept; inconclusive, exit 3', async () => {
    const heard: string[] = [];
    const s = await server({
      greeting: () => [reply(220, 'mx.late.test ESMTP')],
      command: (line) => {
        heard.push(verbOf(line));
        return [{ type: 'delay', ms: 4000 }, verbOf(line) === 'QUIT' ? reply(221, 'bye') : reply(250, 'mx.late.test')];
      },
    });
    const run = await mxray(['check', `127.0.0.1:${s.port}`, '--json', '--timeout', '6', '--deadline', '1', ...resolver]);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as ReceiverReport;
    const host = report.body.hosts[0]!;
    expect([host.status, host.statusDetail]).toEqual(['deadline-reached', 'stopped by mxray at its deadline of 1 s for the whole test, during the main session']);
    expect(host.banner?.lines).toEqual(['mx.late.test ESMTP']);
    expect(report.findings.map((f) => f.id)).toEqual(['net.deadline-reached']);
    expect(report.body.bounds).toMatchObject({ deadlineMs: 1000, deadlineReached: 'check', stopped: [host.key] });
    expect(report.verdict).toBe('inconclusive');
    expect(run.code).toBe(3);
    // Stopped while EHLO's reply was awaited: nothing more was sent.
    expect(heard).toEqual(['EHLO']);
  });

  it.each([['0'], ['soon'], ['3601']])('--deadline %s: one line, exit 2', async (v) => {
    expect(expectUsageError(await mxray(['check', '127.0.0.1:25', '--deadline', v, ...resolver]))).toBe(`mxray: --deadline must be a number of seconds (0 < s ≤ 3600), not "${v}" (see mxray check --help)`);
  });
});

describe('what the user types', () => {
  it('--connect a=::1:25 is ambiguous: exit 2, one line offering both readings', async () => {
    const line = expectUsageError(await mxray(['check', 'five.bounds.test', '--connect', 'a.test=::1:25', ...resolver]));
    expect(line).toBe('mxray: --connect "a.test=::1:25" is ambiguous: write [::1]:25 for port 25 of ::1, or [::1:25] for the address ::1:25 (see mxray check --help)');
  });

  it('a bare IPv6 target that could end in a port is refused the same way', async () => {
    expect(expectUsageError(await mxray(['check', '::1:25', ...resolver]))).toBe('mxray: "::1:25" is ambiguous: write [::1]:25 for port 25 of ::1, or [::1:25] for the address ::1:25 (see mxray check --help)');
  });

  it.each([['zz'], ['0123456789abcdef'], ['AB'.repeat(21)]])('--expect-thumbprint %s: exit 2, one line saying what a thumbprint is', async (v) => {
    const s = await server(plain());
    const line = expectUsageError(await mxray(['check', `127.0.0.1:${s.port}`, '--expect-thumbprint', v, ...resolver]));
    expect(line).toBe(
      `mxray: --expect-thumbprint "${v}" is not a thumbprint: give the certificate's SHA-1 (40 hex digits) or SHA-256 (64 hex digits), ":" or spaces between them allowed (see mxray check --help)`,
    );
  });

  it('a resolver address where nothing listens: "no DNS server answers" there, never "refused"; exit 3', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const { port } = socket.address();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    const json = await mxray(['check', 'five.bounds.test', '--json', '--resolver', `127.0.0.1:${port}`]);
    const report = JSON.parse(json.stdout) as ReceiverReport;
    expect(report.body.dns).toMatchObject({ status: 'error', error: `MX lookup: no DNS server answers at 127.0.0.1:${port} (nothing listens there)` });
    expect(report.findings.map((f) => f.id)).toEqual(['dns.error']);
    expect(json.code).toBe(3);
    const text = await mxray(['check', 'five.bounds.test', '--verbose', '--resolver', `127.0.0.1:${port}`]);
    expect(text.stdout).toContain(`no DNS server answers at 127.0.0.1:${port}`);
    // Neither a refusal in words, nor the REFUSED code in the transcript.
    expect(text.stdout).not.toMatch(/refused the query|→ REFUSED/);
    expect(text.stdout).toContain(`MX five.bounds.test → UNREACHABLE`);
  });
});

describe('what a server sends', () => {
  // Every bidirectional control of Unicode: embeddings, overrides, isolates, the marks, the Arabic letter mark.
  const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
  const ANY_BIDI = new RegExp(`[${BIDI.join('')}]`, 'u');

  it('bidirectional controls in the banner, the EHLO reply and the certificate never reach the output unescaped, in any format', async () => {
    const { createRootCa } = await import('../../src/demo/test-pki.js');
    const ca = await createRootCa('bidi root', Date.now());
    const leaf = await ca.issue({ commonName: `mx.bidi.test ${BIDI.join('')}evil`, dnsNames: ['mx.bidi.test'] });
    const s = await server(
      {
        greeting: () => [reply(220, `mx.bidi.test ESMTP ${BIDI.join('')}gnp.exe`)],
        command: (line, conn) => {
          switch (verbOf(line)) {
            case 'EHLO':
              return [reply(250, `mx.bidi.test hello \u202e[192.0.2.1]`, `X-\u2067EXT ${BIDI.join('')}`, ...(conn.secure ? [] : ['STARTTLS']))];
            case 'STARTTLS':
              return [reply(220, 'go ahead'), { type: 'starttls' }];
            case 'QUIT':
              return [reply(221, `bye \u202e`), { type: 'close' }];
            default:
              return [reply(250, `ok \u2066`)];
          }
        },
      },
      { key: leaf.keyPem, cert: leaf.certPem },
    );
    const outputs: [string, Run][] = [];
    for (const format of [['--verbose', '--width', '1000'], ['--details', '--explain'], ['--format', 'md', '--verbose'], ['--format', 'html', '--verbose'], ['--json']]) {
      outputs.push([format.join(' '), await mxray(['check', `127.0.0.1:${s.port}`, ...format, ...resolver])]);
    }
    for (const [format, run] of outputs) {
      expect(run.stderr, format).toBe('');
      expect(ANY_BIDI.test(run.stdout), `${format}: a raw bidirectional control`).toBe(false);
    }
    // Made visible, not dropped: the text says where they were.
    const text = outputs[0]![1].stdout;
    expect(text).toContain('gnp.exe');
    expect(text).toContain('\\u{202e}');
    expect(text).toContain('\\u{2067}EXT');
    const escaped = BIDI.map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join('');
    expect(text).toContain(`Banner: 220 mx.bidi.test ESMTP ${escaped}gnp.exe`);
    expect(text).toContain(`CN=mx.bidi.test ${escaped}evil`);
    // The JSON writes them as \u escapes (JSON.stringify would leave them as they are): parsed, the
    // facts hold exactly what the server sent; the transcript was escaped at capture.
    expect(outputs[4]![1].stdout).toContain('gnp.exe');
    const report = JSON.parse(outputs[4]![1].stdout) as ReceiverReport;
    expect(report.body.hosts[0]!.banner?.lines).toEqual([`mx.bidi.test ESMTP ${BIDI.join('')}gnp.exe`]);
    expect(report.transcript.some((e) => e.text.includes('\\u{202e}'))).toBe(true);
  });

  it('an IPv6 target reads [::1]:port in every format, never ::1:port', async () => {
    for (const format of [['--verbose'], ['--format', 'md', '--verbose'], ['--format', 'html', '--verbose'], ['--json']]) {
      const run = await mxray(['check', '[::1]:1', '--quick', '--timeout', '2', ...format, ...resolver]);
      expect(run.stderr, format.join(' ')).toBe('');
      expect(run.stdout, format.join(' ')).toContain('[::1]:1');
      expect(run.stdout, format.join(' ')).not.toContain('::1:1');
    }
  });

  it("an EHLO reply of 300 extensions goes past mxray's cap of 200 lines: the summary says so (mxray limit), never that EHLO was refused", async () => {
    const caps = Array.from({ length: 300 }, (_, i) => `X-EXT${i}`);
    const s = await server({
      greeting: () => [reply(220, 'mx.many.test ESMTP')],
      command: (line) => (verbOf(line) === 'EHLO' ? [reply(250, 'mx.many.test', ...caps, 'STARTTLS')] : verbOf(line) === 'QUIT' ? [reply(221, 'bye'), { type: 'close' }] : [reply(250, 'ok')]),
    });
    const run = await mxray(['check', `127.0.0.1:${s.port}`, '--details', '--width', '200', ...resolver]);
    const row = run.stdout.split('\n').find((l) => l.startsWith('127.0.0.1 '))!;
    // Not the server's fault, and not tested to the end: inconclusive (exit 3), mxray.reply-limit, no protocol error blamed on it.
    expect(row.split(/\s{2,}/)).toEqual(['127.0.0.1', '-', `127.0.0.1:${s.port}`, 'mxray limit', '-', '-', '-', 'inconclusive']);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("sent a reply beyond mxray’s own limit: reply longer than 200 lines");
    expect(run.stdout).not.toMatch(/EHLO refused|broke the SMTP protocol/);
    expect(run.stdout).toContain("Probe status: protocol-error (reply longer than 200 lines: a limit of mxray's own (lines and bytes per reply), not of SMTP)");
  });
});
