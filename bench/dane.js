#!/usr/bin/env node
// Benchmark: what DANE costs the receiver test. `mxray check` of the demo lab's DNSSEC-signed `dane`
// domain (TLSA 3 1 1 of the server key and of a next key; the lab's DNS server on loopback plays
// the validating resolver) with its DANE lookups (MX, A, AAAA and TLSA with the DO bit, beside the
// probes, then one handshake per key type) next to the same check with --no-posture, which skips
// DANE (and MTA-STS, TLS-RPT); whole processes, interleaved, same run, on loopback; `node -e 0`
// printed for reference. Target (issue 20): a DANE domain's check ≤ 1.2× the check with --no-posture.
// Usage: node bench/dane.js [--runs N]
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

const running = await startLabWithDns({ now: Date.now(), only: ['dane'] });
const tmp = mkdtempSync(join(tmpdir(), 'mxray-bench-dane-'));
try {
  const caFile = join(tmp, 'demo-root.pem');
  writeFileSync(caFile, running.lab.trustedCaPem);
  const mx = running.lab.hostMap.get('mx.dane.mxray.test');
  const mxray = join(root, 'bin/mxray.cjs');
  const common = ['--resolver', running.resolver, '--connect', `mx.dane.mxray.test=127.0.0.1:${mx.port}`, '--ca-file', caFile, '--json', '--no-store'];
  const env = { MXRAY_CACHE_DIR: join(tmp, 'compile-cache') };
  const cases = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'mxray check (DANE on, the default)', args: [mxray, 'check', 'dane.mxray.test', ...common], dane: true },
    { name: 'mxray check --no-posture', args: [mxray, 'check', 'dane.mxray.test', ...common, '--no-posture'] },
  ];
  // Each case once untimed (writes the compile cache, warms the files), and it must work.
  for (const c of cases) {
    const first = await run(process.execPath, c.args, env);
    if (first.code !== 0) throw new Error(`${c.name}: exit ${first.code} ${first.stderr.split('\n')[0]}`);
    if (c.dane) {
      const report = JSON.parse(first.stdout);
      if (report.body.dane?.hosts[0]?.state !== 'match') throw new Error('DANE did not match in the lab: the benchmark would measure nothing');
    }
    c.samples = [];
  }
  for (let i = 0; i < RUNS; i++) for (const c of cases) c.samples.push((await run(process.execPath, c.args, env)).ms);

  const m = Object.fromEntries(cases.map((c) => [c.name, median(c.samples)]));
  console.log(`mxray DANE bench — ${RUNS} runs each, whole process, loopback, the demo lab's dane domain (Node ${process.version})\n`);
  const width = Math.max(...cases.map((c) => c.name.length));
  for (const c of cases) console.log(`${c.name.padEnd(width)}  ${m[c.name].toFixed(1)} ms`);
  const on = m['mxray check (DANE on, the default)'];
  const off = m['mxray check --no-posture'];
  const ratio = on / off;
  console.log('');
  console.log(`DANE on / --no-posture: ${ratio.toFixed(2)}× (+${(on - off).toFixed(1)} ms)`);
  console.log(`target mxray check of a DANE domain ≤ 1.2× --no-posture: ${ratio.toFixed(2)}× ${ratio <= 1.2 ? 'MET' : 'MISSED'}`);
} finally {
  await running.stop();
  rmSync(tmp, { recursive: true, force: true });
}
