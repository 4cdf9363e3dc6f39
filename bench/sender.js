#!/usr/bin/env node
// Benchmark (issue 23): the sender-test server (`mxray sender-test serve`, run as a child process
// so its memory is its own, stopped by its pid) on loopback, every message to the address of a
// test made through its API — so each message stores a result (a Report in SQLite, durable before
// the 250): that is the real cost.
//   1. cleartext: Postfix's `smtp-source -s 50 -m N` (one session per message, its default) into
//      the sender test, next to the same load into Postfix's `smtp-sink` in the same run.
//                                                                       (target ≥ 300 messages/s)
//      Also `smtp-source -d` (every session sends its messages over one connection), for reference.
//   2. STARTTLS: `mxray send --tls required --verify none --count N --concurrency 50` into the
//      sender test (whole process, next to `node -e 0`; and mxray's own figures).  (figure printed)
//   3. 1,000 idle sessions (greeting read, EHLO answered) held at once from ten loopback addresses
//      (127.0.34.1–10, 100 each), with the server's resident memory before and after divided by
//      1,000 (a fresh server child, /proc/<pid>/status VmRSS).   (target: 1,000 held; memory printed)
// The server's connection limits are raised for the run (--max-connections, --max-per-ip: 50
// sessions from one address are over the default 20 per address), and the results one test keeps
// (--max-results: every message of the run goes to one test).
// Skips 1 with a message when smtp-source or smtp-sink is not installed (Debian: postfix).
// Usage: npm run bench  (or: npm run build && node bench/sender.js [--count N] [--runs R] [--idle N])
import { Buffer } from 'node:buffer';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { clearTimeout } from 'node:timers';

// Node 20's own HTTP client (the API is plain JSON over HTTP).
const { fetch, AbortSignal } = globalThis;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const COUNT = arg('--count', 2000);
const RUNS = arg('--runs', 3);
const IDLE = arg('--idle', 1000);
const SESSIONS = 50;
const TARGET_RATE = 300;
const mxray = join(root, 'bin/mxray.cjs');
const SINK = ['/usr/sbin/smtp-sink', '/usr/bin/smtp-sink'].find(existsSync);
const SOURCE = ['/usr/sbin/smtp-source', '/usr/bin/smtp-source'].find(existsSync);
/** The sender test's own loopback address (nothing else of the project's benches or tests uses it). */
const SERVER_ADDRESS = '127.0.33.1';
const HOSTNAME = 'sendertest.bench.test';
/** Where the idle sessions come from: ten addresses, IDLE / 10 each. */
const IDLE_SOURCES = Array.from({ length: 10 }, (_, i) => `127.0.34.${i + 1}`);

const verdicts = [];
const verdict = (ok, what) => {
  const line = `${ok ? 'PASS' : 'FAIL'}  ${what}`;
  verdicts.push(line);
  console.log(line);
};

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

function freePort(host) {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of a process, in KiB (Linux /proc). */
function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/**
 * `mxray sender-test serve` as a child: its own store file in `dir`, its SMTP and API listeners on
 * SERVER_ADDRESS at free ports. Resolves once the API answers.
 */
async function startServer(dir, name) {
  const smtpPort = await freePort(SERVER_ADDRESS);
  const httpPort = await freePort(SERVER_ADDRESS);
  const store = join(dir, `${name}.db`);
  const args = [
    mxray, 'sender-test', 'serve',
    '--listen', `${SERVER_ADDRESS}:${smtpPort}`,
    '--http', `${SERVER_ADDRESS}:${httpPort}`,
    '--store', store,
    '--hostname', HOSTNAME,
    '--max-connections', String(Math.max(2000, IDLE * 2)),
    '--max-per-ip', String(Math.max(2000, IDLE * 2)),
    // Every message of the run goes to one test: past the default 50 results a test refuses more.
    '--max-results', '1000000',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdoutTail = '';
  let stderrTail = '';
  let results = 0;
  const byAddress = new Map();
  let partial = '';
  // It prints a line per stored result ("result <id> stored for <address> from …"): counted by
  // address and dropped (a full pipe would stall the server).
  child.stdout.on('data', (c) => {
    const text = partial + c.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = / result \d+ stored for (\S+) from /.exec(line);
      if (!m) continue;
      results++;
      byAddress.set(m[1], (byAddress.get(m[1]) ?? 0) + 1);
    }
    stdoutTail = (stdoutTail + text).slice(-2000);
  });
  child.stderr.on('data', (c) => (stderrTail = (stderrTail + c.toString('utf8')).slice(-2000)));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  const api = `http://${SERVER_ADDRESS}:${httpPort}`;
  const stop = async () => {
    if (!gone) {
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  };
  for (let i = 0; ; i++) {
    if (gone) throw new Error(`mxray sender-test serve exited at start-up: ${stderrTail.trim() || stdoutTail.trim()}`);
    try {
      const r = await fetch(`${api}/api/v1/health`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) break;
    } catch {
      // not yet listening
    }
    if (i > 100) {
      await stop();
      throw new Error(`mxray sender-test serve did not answer on ${api}: ${stderrTail.trim()}`);
    }
    await sleep(100);
  }
  return {
    pid: child.pid,
    smtp: `${SERVER_ADDRESS}:${smtpPort}`,
    api,
    store,
    results: () => results,
    /** The newest Report of a test: its size as served, and how many earlier sessions it carries. */
    async latest(passcode) {
      const r = await fetch(`${api}/api/v1/sender-tests/${passcode}`);
      const text = await r.text();
      return { status: r.status, bytes: Buffer.byteLength(text), earlier: r.status === 200 ? JSON.parse(text).body.earlier.length : null };
    },
    async newTest() {
      const r = await fetch(`${api}/api/v1/sender-tests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      if (r.status !== 201) throw new Error(`POST /api/v1/sender-tests answered ${r.status}: ${await r.text()}`);
      return r.json();
    },
    /**
     * Results stored for a test address, as the server's log counted them (the API lists only the
     * newest 100), once `expected` are there or 10 s passed.
     */
    async resultCount(address, expected) {
      // The log shows a test address with its passcode masked ("test-ab3x…@host").
      const shown = address.replace(/^test-([a-z2-7]{4})[a-z2-7]{16}@/, 'test-$1…@');
      for (let i = 0; i < 100 && (byAddress.get(shown) ?? 0) < expected; i++) await sleep(100);
      return byAddress.get(shown) ?? 0;
    },
    stop,
  };
}

/** One idle session: connected from `local`, greeting read, EHLO answered; resolves with the socket. */
function idleSession(host, port, local) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, localAddress: local });
    let buffer = '';
    let state = 'greeting';
    const timer = setTimeout(() => fail(new Error(`no ${state} within 30 s`)), 30_000);
    const fail = (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.setEncoding('latin1');
    socket.on('error', fail);
    socket.on('data', (chunk) => {
      buffer += chunk;
      // The last line of a reply: code and a space.
      const last = /^(\d{3}) [^\n]*\n/m.exec(buffer);
      if (!last) return;
      buffer = '';
      if (state === 'greeting') {
        if (last[1] !== '220') return fail(new Error(`greeting: ${last[0].trim()}`));
        state = 'EHLO reply';
        socket.write(`EHLO idle-${local.replace(/\./g, '-')}.bench.test\r\n`);
      } else if (state === 'EHLO reply') {
        if (last[1] !== '250') return fail(new Error(`EHLO: ${last[0].trim()}`));
        state = 'idle';
        clearTimeout(timer);
        socket.removeAllListeners('data');
        resolve(socket);
      }
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'mxray-bench-sender-'));
const started = [];
try {
  const node = [];
  for (let r = 0; r < RUNS; r++) node.push((await run(process.execPath, ['-e', '0'])).ms);

  // ---- 1. cleartext: smtp-source into the sender test and into smtp-sink.
  const server = await startServer(dir, 'load');
  started.push(server);
  if (!SINK || !SOURCE) {
    console.log(`cleartext with smtp-source: skipped — ${!SINK ? 'smtp-sink' : 'smtp-source'} is not installed (Debian package postfix)`);
    verdict(false, `smtp-source -s ${SESSIONS} into the sender test ≥ ${TARGET_RATE} messages/s: not measured (no smtp-source)`);
  } else {
    const sinkPort = await freePort('127.0.0.1');
    // smtp-sink wants a user to drop to when started as root; -m: sessions at once; 256: listen backlog.
    const sink = spawn(SINK, [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), '-m', '512', `127.0.0.1:${sinkPort}`, '256'], { stdio: ['ignore', 'ignore', 'pipe'] });
    started.push({ stop: async () => sink.kill('SIGTERM') });
    let sinkErr = '';
    sink.stderr.on('data', (c) => (sinkErr += c));
    for (let i = 0; ; i++) {
      const ok = await new Promise((resolve) => {
        const c = connect({ host: '127.0.0.1', port: sinkPort });
        c.once('data', () => {
          c.destroy();
          resolve(true);
        });
        c.once('error', () => resolve(false));
      });
      if (ok) break;
      if (i > 50) throw new Error(`smtp-sink did not greet: ${sinkErr}`);
      await sleep(100);
    }
    const source = (target, to, extra = []) => run(SOURCE, [...extra, '-s', String(SESSIONS), '-m', String(COUNT), '-M', 'source.bench.test', '-f', 'source@source.bench.test', '-t', to, target]);
    let last = null;
    const measure = async (extra, runs) => {
      const ours = [];
      const theirs = [];
      for (let r = 0; r < runs; r++) {
        // A test per run: its results are counted after the run (every message must have stored one).
        const test = await server.newTest();
        const m = await source(server.smtp, test.address, extra);
        if (m.code !== 0) throw new Error(`smtp-source into the sender test exited ${m.code}: ${m.stderr.slice(-500)}`);
        const stored = await server.resultCount(test.address, COUNT);
        if (stored !== COUNT) throw new Error(`smtp-source sent ${COUNT} messages; ${stored} results were stored for ${test.address}`);
        ours.push(m.ms);
        last = await server.latest(test.passcode);
        const s = await source(`127.0.0.1:${sinkPort}`, 'sink@sink.bench.test', extra);
        if (s.code !== 0) throw new Error(`smtp-source into smtp-sink exited ${s.code}: ${s.stderr.slice(-500)}`);
        theirs.push(s.ms);
      }
      return { ours: median(ours), theirs: median(theirs) };
    };
    const rate = (ms) => (COUNT / ms) * 1000;
    const perMessage = await measure([], RUNS);
    console.log(`${COUNT} messages, smtp-source -s ${SESSIONS} (a session per message), cleartext over loopback (median of ${RUNS} runs, whole smtp-source processes)`);
    console.log(`  into the sender test (a result stored per message)   ${perMessage.ours.toFixed(1)} ms   ${rate(perMessage.ours).toFixed(0)} messages/s`);
    console.log(`  into smtp-sink (Postfix's, same run)                   ${perMessage.theirs.toFixed(1)} ms   ${rate(perMessage.theirs).toFixed(0)} messages/s`);
    console.log(`  ratio sender test / smtp-sink (time): ${(perMessage.ours / perMessage.theirs).toFixed(2)}×`);
    console.log(`  the last Report stored: ${(last.bytes / 1024).toFixed(1)} KiB, carrying ${last.earlier} earlier sessions from the same address`);
    const oneConnection = await measure(['-d'], 1);
    console.log(`${COUNT} messages, smtp-source -d -s ${SESSIONS} (each session's messages over one connection), for reference (one run)`);
    console.log(`  into the sender test   ${oneConnection.ours.toFixed(1)} ms   ${rate(oneConnection.ours).toFixed(0)} messages/s`);
    console.log(`  into smtp-sink         ${oneConnection.theirs.toFixed(1)} ms   ${rate(oneConnection.theirs).toFixed(0)} messages/s`);
    console.log(`  ratio sender test / smtp-sink (time): ${(oneConnection.ours / oneConnection.theirs).toFixed(2)}×`);
    const bytes = ['', '-wal'].reduce((sum, s) => sum + (existsSync(server.store + s) ? statSync(server.store + s).size : 0), 0);
    console.log(`  the store after ${server.results()} results: ${(bytes / 1e6).toFixed(1)} MB (${(bytes / Math.max(1, server.results()) / 1024).toFixed(1)} KiB a result)`);
    verdict(rate(perMessage.ours) >= TARGET_RATE, `smtp-source -s ${SESSIONS} into the sender test: ${rate(perMessage.ours).toFixed(0)} messages/s (target ≥ ${TARGET_RATE}; smtp-sink ${rate(perMessage.theirs).toFixed(0)})`);
    sink.kill('SIGTERM');
  }

  // ---- 2. STARTTLS: mxray send --count --concurrency 50 into the sender test.
  {
    const runs = [];
    let load = null;
    let tls = null;
    for (let r = 0; r < RUNS; r++) {
      // A test per run, as in 1: a report also carries the sessions from the same address before it.
      const test = await server.newTest();
      const args = [mxray, 'send', server.smtp, '--to', test.address, '--from', 'mxray@bench.test', '--helo', 'bench.test', '--tls', 'required', '--verify', 'none', '--count', String(COUNT), '--concurrency', String(SESSIONS), '--json'];
      const m = await run(process.execPath, args);
      let report = null;
      try {
        report = JSON.parse(m.stdout);
      } catch {
        // no Report: said below
      }
      if (m.code !== 0 || !report) throw new Error(`mxray send --tls required exited ${m.code}: ${report ? `${JSON.stringify(report.body.load)} ${report.body.outcome?.reason}` : m.stderr || m.stdout.slice(0, 500)}`);
      load = report.body.load;
      tls = report.body.session?.tls ?? null;
      if (load.delivered !== COUNT) throw new Error(`mxray send delivered ${load.delivered} of ${COUNT}: ${load.firstFailure}`);
      if (!tls) throw new Error('mxray send --tls required: no TLS in its report');
      const stored = await server.resultCount(test.address, COUNT);
      if (stored !== COUNT) throw new Error(`mxray send delivered ${COUNT} messages; ${stored} results were stored for ${test.address}`);
      runs.push(m.ms);
    }
    const ms = median(runs);
    console.log(`\n${COUNT} messages with STARTTLS (${tls.protocol}), mxray send --tls required --count ${COUNT} --concurrency ${SESSIONS}, into the sender test (median of ${RUNS} runs, whole processes)`);
    console.log(`  node -e 0                                   ${median(node).toFixed(1)} ms`);
    console.log(`  mxray send                                  ${ms.toFixed(1)} ms   ${((COUNT / ms) * 1000).toFixed(0)} messages/s`);
    console.log(`  mxray's own figures (its report, the last run): ${load.messagesPerSecond} messages/s inside the process; latency p50 ${load.latencyMs.p50} ms, p90 ${load.latencyMs.p90} ms, p99 ${load.latencyMs.p99} ms, max ${load.latencyMs.max} ms`);
    verdict(true, `STARTTLS load: ${((COUNT / ms) * 1000).toFixed(0)} messages/s with mxray send as the generator (figure only; no target)`);
  }
  await server.stop();

  // ---- 3. idle sessions, in a fresh server.
  const idle = await startServer(dir, 'idle');
  started.push(idle);
  await sleep(500);
  const before = rssKiB(idle.pid);
  const [host, port] = [SERVER_ADDRESS, Number(idle.smtp.split(':')[1])];
  const sockets = [];
  const failures = [];
  const t0 = performance.now();
  // In waves of 100 (one per source address at a time), as clients arrive.
  for (let i = 0; i < IDLE; i += 100) {
    const wave = Array.from({ length: Math.min(100, IDLE - i) }, (_, j) => idleSession(host, port, IDLE_SOURCES[(i + j) % IDLE_SOURCES.length]));
    for (const r of await Promise.allSettled(wave)) {
      if (r.status === 'fulfilled') sockets.push(r.value);
      else failures.push(r.reason.message);
    }
  }
  const openMs = performance.now() - t0;
  await sleep(1000);
  const closedMeanwhile = sockets.filter((s) => s.destroyed || s.readyState !== 'open').length;
  const after = rssKiB(idle.pid);
  const held = sockets.length - closedMeanwhile;
  console.log(`\n${IDLE} idle sessions (greeting read, EHLO answered) from ${IDLE_SOURCES.length} loopback addresses, into a fresh sender-test server`);
  console.log(`  opened in ${openMs.toFixed(0)} ms; held ${held}${failures.length ? `; failed ${failures.length} (first: ${failures[0]})` : ''}${closedMeanwhile ? `; closed by the server meanwhile ${closedMeanwhile}` : ''}`);
  console.log(`  server RSS ${(before / 1024).toFixed(1)} MiB before, ${(after / 1024).toFixed(1)} MiB with the sessions: ${((after - before) / Math.max(1, held)).toFixed(1)} KiB a session`);
  verdict(held === IDLE, `${IDLE} concurrent idle sessions held: ${held} (memory ${((after - before) / Math.max(1, held)).toFixed(1)} KiB a session)`);
  for (const s of sockets) s.destroy();
  await idle.stop();
} finally {
  for (const s of started.reverse()) await s.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nsender bench: ${verdicts.filter((v) => v.startsWith('FAIL')).length === 0 ? 'every target met' : 'a target was missed'}`);
