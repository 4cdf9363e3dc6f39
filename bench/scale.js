#!/usr/bin/env node
// Benchmark: mxray's bounds against hostile scale and hostile time (issue 16, items 4 and 9), on
// loopback only: our own DNS server (src/demo/dns-server.ts) and scripted SMTP servers.
//
//   1. A zone of 2,000 MX records (half on a scripted server that greets at once, half on an
//      address where nothing listens, so connections are refused at once). Targets: the whole
//      process under 30 s and its peak memory (the child's maxRSS) under 200 MB. Printed next to
//      `node -e 0` and the same check of a zone of only the 10 MX hosts mxray probes by default,
//      measured in this run (with --unbounded also `--max-mx 1000`, the most the CLI allows).
//   2. A domain of 4 MX hosts, one of which never greets, with `--timeout 2` alone: finishes in
//      about one greeting time-out (--timeout bounds the wait for the banner too).
//   3. A server that answers every command 1.5 s late (each reply within the 2 s time-out): the
//      whole check without a deadline, and with `--deadline 3`.
//
// Usage: npm run build && node bench/scale.js [--unbounded]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { clearTimeout } from 'node:timers';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mxray = join(root, 'bin/mxray.cjs');
const preload = pathToFileURL(join(root, 'bench/report-rss.mjs')).href;
const UNBOUNDED = process.argv.includes('--unbounded');
const { startScriptedServer } = await import(join(root, 'dist/demo/scripted-server.js'));
const { startDnsServer } = await import(join(root, 'dist/demo/dns-server.js'));

const tmp = mkdtempSync(join(tmpdir(), 'mxray-bench-scale-'));
let serial = 0;

/**
 * Runs `node --import report-rss.mjs …args` (never blocking this process's event loop: the servers
 * live here) and returns its wall time, exit code, output size and peak RSS.
 */
function run(args) {
  const rssFile = join(tmp, `rss-${++serial}`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', preload, ...args], { env: { ...process.env, MXRAY_BENCH_RSS_FILE: rssFile, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      bytes += d.length;
      if (stdout.length < 64 * 1024 * 1024) stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      let rssMiB = null;
      try {
        rssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
      } catch {
        // killed: no figure
      }
      resolve({ ms, code, bytes, rssMiB, stdout, stderr });
    });
  });
}

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mib = (v) => (v === null ? '?' : `${v.toFixed(1)} MiB`);
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

/** What a JSON report says about the run, in a few words. */
function summary(r) {
  try {
    const report = JSON.parse(r.stdout);
    const b = report.body.bounds;
    return `exit ${r.code}, ${report.body.hosts.length} addresses probed, ${b ? b.notProbedCount : 0} not probed, ${report.transcript.length} events`;
  } catch {
    return `exit ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`;
  }
}

// The servers: one that greets at once and says little (no STARTTLS: three short sessions), on
// 127.0.0.1; nothing listens on 127.0.0.2 at that port, so connections there are refused at once.
const quick = await startScriptedServer({
  greeting: () => [{ type: 'write', data: '220 mx.bench.test ESMTP\r\n' }],
  command: (line) =>
    /^QUIT/i.test(line)
      ? [{ type: 'write', data: '221 bye\r\n' }, { type: 'close' }]
      : /^EHLO/i.test(line)
        ? [{ type: 'write', data: '250-mx.bench.test\r\n250 SIZE 1000\r\n' }]
        : [{ type: 'write', data: '250 ok\r\n' }],
});
const silent = await startScriptedServer({ greeting: () => [] });
const LATE_MS = 1500;
const late = await startScriptedServer({
  greeting: () => [{ type: 'delay', ms: LATE_MS }, { type: 'write', data: '220 mx.late.bench.test ESMTP\r\n' }],
  command: (line) => [
    { type: 'delay', ms: LATE_MS },
    ...(/^QUIT/i.test(line)
      ? [{ type: 'write', data: '221 bye\r\n' }, { type: 'close' }]
      : [{ type: 'write', data: /^EHLO/i.test(line) ? '250-mx.late.bench.test\r\n250 SIZE 1000\r\n' : '250 ok\r\n' }]),
  ],
});

const MANY = 2000;
// Short names: our DNS server does not compress names, and 2,000 MX records must fit in one
// 64 KiB TCP answer (a real server's compression makes room for many more).
const name = (i, zone) => `m${String(i).padStart(4, '0')}.${zone}`;
const records = [];
for (const [zone, count] of [
  ['b.t', MANY],
  ['ten.t', 10],
]) {
  for (let i = 1; i <= count; i++) {
    records.push({ name: zone, type: 'MX', data: { preference: i, exchange: name(i, zone) } });
    records.push({ name: name(i, zone), type: 'A', data: i % 2 ? '127.0.0.1' : '127.0.0.2' });
  }
}
const four = ['mx1.four.bench.test', 'mx2.four.bench.test', 'mx3.four.bench.test', 'mx4.four.bench.test'];
four.forEach((exchange, i) => records.push({ name: 'four.bench.test', type: 'MX', data: { preference: 10 * (i + 1), exchange } }));
for (const exchange of four) records.push({ name: exchange, type: 'A', data: '127.0.0.1' });
const dns = await startDnsServer({ records });
const resolver = ['--resolver', `127.0.0.1:${dns.port}`];

try {
  console.log(`mxray scale bench — loopback, our DNS server and scripted SMTP servers (Node ${process.version})\n`);

  // 1. Many MX hosts.
  const check = (zone, extra = []) => [mxray, 'check', zone, ...resolver, '--port', String(quick.port), '-4', '--json', '--timeout', '5', ...extra];
  const cases = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: `mxray check, 10 MX hosts`, args: check('ten.t') },
    { name: `mxray check, ${MANY} MX hosts`, args: check('b.t') },
    ...(UNBOUNDED ? [{ name: `mxray check, ${MANY} MX hosts, --max-mx 1000 (the most the CLI allows)`, args: check('b.t', ['--max-mx', '1000']) }] : []),
  ];
  const results = [];
  for (const c of cases) results.push({ ...c, ...(await run(c.args)) });
  const [base, ten] = results;
  table(
    ['run', 'wall', '× node -e 0', 'peak RSS', '× node -e 0', 'report', 'what happened'],
    results.map((r) => [r.name, seconds(r.ms), `${(r.ms / base.ms).toFixed(1)}×`, mib(r.rssMiB), r.rssMiB && base.rssMiB ? `${(r.rssMiB / base.rssMiB).toFixed(1)}×` : '?', r === base ? '' : kib(r.bytes), r === base ? '' : summary(r)]),
  );
  const big = results[2];
  console.log('');
  console.log(`${MANY} MX hosts / 10 MX hosts: wall ${(big.ms / ten.ms).toFixed(2)}×, peak RSS ${(big.rssMiB / ten.rssMiB).toFixed(2)}×, report ${(big.bytes / ten.bytes).toFixed(2)}×`);
  console.log(`target ${MANY} MX hosts: wall < 30 s: ${seconds(big.ms)} ${big.ms < 30_000 ? 'MET' : 'MISSED'}; peak RSS < 200 MB: ${mib(big.rssMiB)} ${big.rssMiB !== null && big.rssMiB * 1.048576 < 200 ? 'MET' : 'MISSED'}`);

  // 2. Four MX hosts, one silent, --timeout alone.
  const timeout = 2;
  const fourArgs = [mxray, 'check', 'four.bench.test', ...resolver, '--json', '--timeout', String(timeout)];
  four.forEach((n, i) => fourArgs.push('--connect', `${n}=127.0.0.1:${(i === 0 ? silent : quick).port}`));
  const f = await run(fourArgs);
  console.log('');
  console.log(`4 MX hosts, the first never greets, --timeout ${timeout} (no --greeting-timeout): ${seconds(f.ms)} whole process (${summary(f)})`);
  console.log(`  = ${(f.ms / (timeout * 1000)).toFixed(2)} greeting time-outs (node -e 0: ${seconds(base.ms)}): the silent host is waited for once, for --timeout, while the others are probed`);

  // 3. A server that answers every command late, just inside the time-out.
  const lateArgs = [mxray, 'check', `127.0.0.1:${late.port}`, ...resolver, '--json', '--timeout', '2'];
  const without = await run(lateArgs);
  const deadline = 3;
  const withDeadline = await run([...lateArgs, '--deadline', String(deadline)]);
  console.log('');
  console.log(`a server answering every command ${LATE_MS / 1000} s late, --timeout 2:`);
  table(
    ['run', 'wall', 'what happened'],
    [
      ['no --deadline (120 s for the address)', seconds(without.ms), summary(without)],
      [`--deadline ${deadline}`, seconds(withDeadline.ms), summary(withDeadline)],
    ],
  );
  console.log(`  --deadline ${deadline}: ${(withDeadline.ms / (deadline * 1000)).toFixed(2)}× the deadline, ${(withDeadline.ms / without.ms).toFixed(2)}× the run without it`);
} finally {
  await Promise.all([dns.stop(), quick.stop(), silent.stop(), late.stop()]);
  rmSync(tmp, { recursive: true, force: true });
}
