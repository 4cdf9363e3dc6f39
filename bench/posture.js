#!/usr/bin/env node
// Benchmark: what MTA-STS and TLS-RPT cost the receiver test. `mxray check` of the demo lab's good
// domain (MTA-STS enforce served by the lab's policy host, TLS-RPT published) with its posture
// lookups (two TXT queries and the policy fetch over HTTPS, beside the probes) next to the same
// check with --no-posture, and `mxray posture` alone; whole processes, interleaved, same run, on
// loopback; `node -e 0` printed for reference. Target (issue 19): with posture ≤ 1.2× without.
// Usage: node bench/posture.js [--runs N]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const { startLabWithDns } = await import(join(root, 'dist/demo/run-demo.js'));

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(cmd, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ ms: performance.now() - t0, code: err ? (err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const running = await startLabWithDns({ now: Date.now(), only: ['good'] });
const tmp = mkdtempSync(join(tmpdir(), 'mxray-bench-posture-'));
try {
  const caFile = join(tmp, 'demo-root.pem');
  writeFileSync(caFile, running.lab.trustedCaPem);
  const mx = running.lab.hostMap.get('mx.good.mxray.test');
  const policy = running.lab.hostMap.get('mta-sts.good.mxray.test');
  const mxray = join(root, 'bin/mxray.cjs');
  const common = ['--resolver', running.resolver, '--connect', `mx.good.mxray.test=127.0.0.1:${mx.port}`, '--connect', `mta-sts.good.mxray.test=127.0.0.1:${policy.port}`, '--ca-file', caFile, '--json', '--no-store'];
  const env = { MXRAY_CACHE_DIR: join(tmp, 'compile-cache') };
  const cases = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'mxray check (posture on, the default)', args: [mxray, 'check', 'good.mxray.test', ...common], posture: true },
    { name: 'mxray check --no-posture', args: [mxray, 'check', 'good.mxray.test', ...common, '--no-posture'] },
    { name: 'mxray posture --no-blocklists', args: [mxray, 'posture', 'good.mxray.test', ...common, '--no-blocklists'] },
  ];
  // Each case once untimed (writes the compile cache, warms the files), and it must work.
  for (const c of cases) {
    const first = await run(process.execPath, c.args, env);
    if (first.code !== 0) throw new Error(`${c.name}: exit ${first.code} ${first.stderr.split('\n')[0]}`);
    if (c.posture) {
      const report = JSON.parse(first.stdout);
      if (report.body.posture?.mtaSts.effect !== 'enforced') throw new Error('the lab policy was not fetched: the benchmark would measure nothing');
    }
    c.samples = [];
  }
  for (let i = 0; i < RUNS; i++) for (const c of cases) c.samples.push((await run(process.execPath, c.args, env)).ms);

  const m = Object.fromEntries(cases.map((c) => [c.name, median(c.samples)]));
  console.log(`mxray posture bench — ${RUNS} runs each, whole process, loopback, the demo lab's good domain (Node ${process.version})\n`);
  const width = Math.max(...cases.map((c) => c.name.length));
  for (const c of cases) console.log(`${c.name.padEnd(width)}  ${m[c.name].toFixed(1)} ms`);
  const on = m['mxray check (posture on, the default)'];
  const off = m['mxray check --no-posture'];
  const ratio = on / off;
  console.log('');
  console.log(`posture on / --no-posture: ${ratio.toFixed(2)}× (+${(on - off).toFixed(1)} ms)`);
  console.log(`target mxray check with posture ≤ 1.2× --no-posture: ${ratio.toFixed(2)}× ${ratio <= 1.2 ? 'MET' : 'MISSED'}`);
} finally {
  await running.stop();
  rmSync(tmp, { recursive: true, force: true });
}
