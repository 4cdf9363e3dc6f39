#!/usr/bin/env node
// Benchmark (issue 25): `mxray serve --demo` as a child process (its own SQLite store in a temporary
// folder, stopped by its pid), on loopback.
//   1. Concurrent receiver tests: every scenario of the server's demo lab AND of a second lab this
//      script starts (through the API's per-request resolver and connect: 60 different servers),
//      all started at once through POST /api/v1/jobs/check; how many ran at once, how long until
//      every report was stored, and that each job ended with a report.     (target ≥ 50 at once)
//   2. Report reads: `wrk` (Debian's) on GET /api/v1/reports/<id> (a receiver report) next to
//      Fastify's own hello-world on the same machine in the same run (a child process), and the
//      ratio.                                                                (target ≥ 2,000 req/s)
//   3. Page weight of the receiver-test page: the shell, its script and styles, and the report
//      page's view of a receiver report (what a browser downloads).          (target ≤ 200 KB)
// Also `node -e 0` (Node's start-up) for scale. Skips 2 with a message when wrk is not installed.
// Usage: npm run bench  (or: npm run build && node bench/serve.js [--duration S])
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const { fetch } = globalThis;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DURATION = arg('--duration', 5);
const mxray = join(root, 'bin/mxray.cjs');
const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find(existsSync);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const verdicts = [];
const verdict = (ok, what) => {
  const line = `${ok ? 'PASS' : 'FAIL'}  ${what}`;
  verdicts.push(line);
  console.log(line);
};

function run(cmd, args, timeout = 120_000) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(cmd, args, { timeout, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ ms: performance.now() - t0, code: err ? (err.code ?? 1) : 0, stdout, stderr }));
  });
}

/** A child that prints its URL on a line matching `pattern`; resolves with the URL and a stop(). */
function startChild(args, pattern, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out = (out + c.toString('utf8')).slice(-20_000);
      const m = pattern.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr.on('data', (c) => (err = (err + c.toString('utf8')).slice(-4000)));
    void exited.then((code) => reject(new Error(`exited (${code}) before it listened: ${err || out}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if ((await Promise.race([exited.then(() => 'gone'), sleep(10_000)])) !== 'gone') child.kill('SIGKILL');
    await exited;
  };
  return { child, url, stop };
}

const HELLO = `
const Fastify = require(${JSON.stringify(join(root, 'node_modules/fastify'))});
const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
app.listen({ host: '127.0.0.1', port: 0 }).then(() => console.log('listening http://127.0.0.1:' + app.server.address().port));
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
`;

async function wrk(url) {
  const r = await run(WRK, ['-t2', '-c50', `-d${DURATION}s`, '--latency', url], (DURATION + 30) * 1000);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  const p99 = /99%\s+([\d.]+\w+)/.exec(r.stdout);
  const errors = /Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout);
  return { rate: rate ? Number(rate[1]) : NaN, p99: p99?.[1] ?? '?', errors: errors ? Number(errors[1]) : 0 };
}

async function main() {
  const nodeStart = await run(process.execPath, ['-e', '0']);
  console.log(`node -e 0: ${nodeStart.ms.toFixed(0)} ms (Node's start-up, for scale)`);
  const dir = mkdtempSync(join(tmpdir(), 'mxray-bench-serve-'));
  const server = startChild([mxray, 'serve', '--demo', '--listen', '127.0.0.1:0', '--store', join(dir, 'bench.db'), '--max-jobs', '200'], /mxray serve: (http:\/\/[^/\s]+)\//);
  const { startLabWithDns } = await import(join(root, 'dist/demo/run-demo.js'));
  const second = await startLabWithDns({ now: Date.now() });
  try {
    const base = await server.url;
    console.log(`mxray serve --demo at ${base} (pid ${server.child.pid}); a second lab's DNS at ${second.resolver}`);
    const scenarios = second.lab.scenarios.filter((s) => s.name !== 'nxdomain');
    const connect = [...second.lab.hostMap].map(([host, m]) => `${host}=${m.address}:${m.port}`);
    const requests = [
      ...scenarios.map((s) => ({ target: s.domain })),
      ...scenarios.map((s) => ({ target: s.domain, resolver: second.resolver, connect })),
    ];
    // 1. Every test at once.
    const t0 = performance.now();
    const started = await Promise.all(
      requests.map(async (body) => {
        const r = await fetch(`${base}/api/v1/jobs/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: r.status, job: await r.json() };
      }),
    );
    const refused = started.filter((s) => s.status !== 202);
    if (refused.length) console.log(`refused: ${refused.length} (${JSON.stringify(refused[0])})`);
    let maxRunning = 0;
    let jobs = started.filter((s) => s.status === 202).map((s) => s.job);
    for (;;) {
      const states = await Promise.all(jobs.map(async (j) => (await (await fetch(`${base}/api/v1/jobs/${j.id}`)).json())));
      const running = states.filter((s) => s.status === 'running').length;
      maxRunning = Math.max(maxRunning, running);
      if (running === 0) {
        jobs = states;
        break;
      }
      await sleep(100);
    }
    const allMs = performance.now() - t0;
    const done = jobs.filter((j) => j.status === 'done' && j.reportId);
    console.log(`${requests.length} receiver tests (${scenarios.length} servers of each lab): ${done.length} done with a report, at most ${maxRunning} running at once, all finished in ${(allMs / 1000).toFixed(1)} s`);
    verdict(done.length === requests.length && maxRunning >= 50, `≥ 50 concurrent receiver tests: ${maxRunning} at once, ${done.length}/${requests.length} reports stored`);
    // 3. Page weight (before the load test, on a quiet server).
    const weigh = async (path) => (await (await fetch(`${base}${path}`)).arrayBuffer()).byteLength;
    const receiver = done.find((j) => j.verdict === 'fail') ?? done[0];
    const parts = {
      '/check (shell)': await weigh('/check'),
      '/assets/app.js': await weigh('/assets/app.js'),
      '/assets/app.css': await weigh('/assets/app.css'),
      '/assets/report.css': await weigh('/assets/report.css'),
      '/api/v1/session': await weigh('/api/v1/session'),
      [`/api/v1/reports/<id>/view (a receiver report)`]: await weigh(`/api/v1/reports/${receiver.reportId}/view`),
    };
    const total = Object.values(parts).reduce((a, b) => a + b, 0);
    for (const [name, bytes] of Object.entries(parts)) console.log(`  ${name.padEnd(48)} ${(bytes / 1024).toFixed(1).padStart(7)} KB`);
    verdict(total <= 200 * 1024, `receiver-test page weight ${(total / 1024).toFixed(1)} KB (≤ 200 KB)`);
    // 2. Report reads, next to Fastify's hello-world.
    if (!WRK) {
      console.log('wrk not installed (Debian: apt-get install wrk): report reads not measured');
    } else {
      const hello = startChild(['-e', HELLO], /listening (http:\/\/\S+)/);
      try {
        const helloUrl = await hello.url;
        const ours = await wrk(`${base}/api/v1/reports/${receiver.reportId}`);
        const peer = await wrk(`${helloUrl}/`);
        const bytes = await weigh(`/api/v1/reports/${receiver.reportId}`);
        console.log(`report reads (GET /api/v1/reports/<id>, ${(bytes / 1024).toFixed(0)} KB JSON, wrk -t2 -c50 -d${DURATION}s): ${ours.rate.toFixed(0)} req/s (p99 ${ours.p99}, non-2xx ${ours.errors})`);
        console.log(`Fastify hello-world, same machine, same run:                          ${peer.rate.toFixed(0)} req/s (p99 ${peer.p99}); ratio ${(ours.rate / peer.rate).toFixed(2)}`);
        verdict(ours.rate >= 2000 && ours.errors === 0, `report reads ${ours.rate.toFixed(0)} req/s (≥ 2,000)`);
      } finally {
        await hello.stop();
      }
    }
  } finally {
    await server.stop();
    await second.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(verdicts.join('\n'));
  if (verdicts.some((v) => v.startsWith('FAIL'))) process.exitCode = 1;
}

await main();
