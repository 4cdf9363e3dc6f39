#!/usr/bin/env node
// Benchmark (issue 18): `mxray send --tls none --count 2000 --concurrency 20` into Postfix's
// `smtp-sink` on loopback, next to Postfix's own `smtp-source -d -s 20 -m 2000` (20 sessions, each
// sending its messages over one connection, as mxray does) in the same run, and `node -e 0` for
// Node's own start-up. Prints both rates, their ratio, and mxray's latency percentiles from its
// report. Skips with a message when smtp-sink or smtp-source is not installed (Debian: postfix).
// Usage: npm run bench  (or: npm run build && node bench/send.js [--count N] [--concurrency C] [--runs R])
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const COUNT = arg('--count', 2000);
const CONCURRENCY = arg('--concurrency', 20);
const RUNS = arg('--runs', 3);
const mxray = join(root, 'bin/mxray.cjs');
const SINK = ['/usr/sbin/smtp-sink', '/usr/bin/smtp-sink'].find(existsSync);
const SOURCE = ['/usr/sbin/smtp-source', '/usr/bin/smtp-source'].find(existsSync);

function run(cmd, args) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(cmd, args, { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ ms: performance.now() - t0, code: err ? (err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function median(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForGreeting(port) {
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise((resolve) => {
      const c = connect({ host: '127.0.0.1', port });
      c.once('data', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`smtp-sink did not greet on port ${port}`);
}

if (!SINK || !SOURCE) {
  console.log(`bench/send.js: skipped — ${!SINK ? 'smtp-sink' : 'smtp-source'} is not installed (Debian package postfix)`);
  process.exit(0);
}

const port = await freePort();
// smtp-sink wants a user to drop to when started as root; -m: sessions at once; 256: listen backlog.
const sinkArgs = [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), '-m', '512', `127.0.0.1:${port}`, '256'];
const sink = spawn(SINK, sinkArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
let sinkErr = '';
sink.stderr.on('data', (c) => (sinkErr += c));
try {
  await waitForGreeting(port);
  const node = [];
  const ours = [];
  const theirs = [];
  let last = null;
  for (let r = 0; r < RUNS; r++) {
    node.push((await run(process.execPath, ['-e', '0'])).ms);
    const m = await run(process.execPath, [mxray, 'send', `127.0.0.1:${port}`, '--to', 'bench@sink.test', '--from', 'mxray@bench.test', '--helo', 'bench.test', '--tls', 'none', '--count', String(COUNT), '--concurrency', String(CONCURRENCY), '--json']);
    if (m.code !== 0) throw new Error(`mxray send exited ${m.code}: ${m.stderr || m.stdout.slice(0, 500)}`);
    last = JSON.parse(m.stdout);
    if (last.body.load.delivered !== COUNT) throw new Error(`mxray delivered ${last.body.load.delivered} of ${COUNT}: ${last.body.load.firstFailure}`);
    ours.push(m.ms);
    const s = await run(SOURCE, ['-d', '-s', String(CONCURRENCY), '-m', String(COUNT), '-f', 'source@bench.test', '-t', 'bench@sink.test', `127.0.0.1:${port}`]);
    if (s.code !== 0) throw new Error(`smtp-source exited ${s.code}: ${s.stderr}`);
    theirs.push(s.ms);
  }
  const mx = median(ours);
  const src = median(theirs);
  const l = last.body.load;
  console.log(`${COUNT} messages over ${CONCURRENCY} sessions into smtp-sink on loopback (median of ${RUNS} runs, whole processes)`);
  console.log(`node -e 0                                   ${median(node).toFixed(1)} ms`);
  console.log(`mxray send --count ${COUNT} --concurrency ${CONCURRENCY}   ${mx.toFixed(1)} ms   ${((COUNT / mx) * 1000).toFixed(0)} messages/s`);
  console.log(`smtp-source -d -s ${CONCURRENCY} -m ${COUNT}            ${src.toFixed(1)} ms   ${((COUNT / src) * 1000).toFixed(0)} messages/s`);
  console.log(`ratio mxray / smtp-source: ${(mx / src).toFixed(2)}×`);
  console.log(
    `mxray's own figures (its report, the last run): ${l.messagesPerSecond} messages/s inside the process; latency p50 ${l.latencyMs.p50} ms, p90 ${l.latencyMs.p90} ms, p99 ${l.latencyMs.p99} ms, max ${l.latencyMs.max} ms`,
  );
} finally {
  sink.kill('SIGTERM');
  if (sinkErr.trim()) console.error(`smtp-sink said: ${sinkErr.trim().split('\n').slice(-3).join(' | ')}`);
}
