#!/usr/bin/env node
// Benchmark: `mxray logs` (issue 24) over a big Postfix log, on one core.
//   A realistic Postfix log (smtpd sessions with and without TLS, counters, qmgr, cleanup, smtp
//   deliveries over fresh and cached connections, other programs' lines) of --mb MiB (default
//   1024) is generated into os.tmpdir() at run time (deterministic; deleted after). Ours:
//   `node bin/mxray.cjs logs FILE --json > /dev/null` when the built CLI has the logs command; else
//   a child that reads the file in 1 MiB chunks, splits lines and drives the Postfix parser of
//   dist/jobs/logs/postfix.js (said in the output). Its peak RSS comes from getrusage
//   (bench/report-rss.mjs). Peer: `grep -c 'TLS connection established' FILE`, which only counts
//   lines; and `node -e 0` for Node's own start.                (targets: ≥ 100 MB/s, RSS ≤ 150 MB)
// Usage: npm run build && node bench/logs.js [--mb M] [--runs R]
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

// --- The child without the CLI: chunks → lines → the Postfix parser; prints what it did as JSON. ---
if (process.argv[2] === '--child') {
  const { postfixModule } = await import(pathToFileURL(join(root, 'dist/jobs/logs/postfix.js')).href);
  const counts = { sessions: 0, handshake: 0, inbound: 0, incomplete: 0, used: 0, ignored: 0, malformed: 0 };
  const parser = postfixModule.create(
    {
      session: (s) => {
        counts.sessions++;
        if (s.evidence === 'handshake') counts.handshake++;
        if (s.direction === 'inbound') counts.inbound++;
        if (s.incomplete) counts.incomplete++;
      },
      note: () => undefined,
    },
    { year: 2026, offsetMinutes: 0 },
  );
  const fd = openSync(process.argv[3], 'r');
  const buf = Buffer.alloc(1 << 20);
  let carry = '';
  let lineNo = 0;
  const t0 = performance.now();
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    const text = carry + buf.latin1Slice(0, n);
    let at = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', at)) {
      counts[parser.line(text.slice(at, nl), ++lineNo)]++;
      at = nl + 1;
    }
    carry = text.slice(at);
  }
  if (carry.length > 0) counts[parser.line(carry, ++lineNo)]++;
  parser.end();
  closeSync(fd);
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ lines: lineNo, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, ...counts }));
  process.exit(0);
}

const MB = arg('--mb', 1024);
const RUNS = arg('--runs', 1);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
let seed = 24;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};

const preload = pathToFileURL(join(root, 'bench/report-rss.mjs')).href;
const tmp = mkdtempSync(join(tmpdir(), 'mxray-bench-logs-'));
let serial = 0;
/** Runs a command; stdout is thrown away unless `keep`; node children report their peak RSS. */
function run(cmd, args, { node = false, keep = false } = {}) {
  const rssFile = join(tmp, `rss-${++serial}`);
  return new Promise((resolveP, reject) => {
    const t0 = performance.now();
    const child = spawn(node ? process.execPath : cmd, node ? ['--import', preload, ...args] : args, {
      env: { ...process.env, MXRAY_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', keep ? 'pipe' : 'ignore', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      let rssMiB = null;
      try {
        rssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
      } catch {
        // not a node child, or killed: no figure
      }
      resolveP({ ms, code, rssMiB, stdout, stderr });
    });
  });
}

/** Writes the log: `mb` MiB of Postfix lines, one pass of traffic after another. */
function generate(file, mb) {
  const fd = openSync(file, 'w');
  const target = mb * 1024 * 1024;
  let written = 0;
  let buf = [];
  let bufLen = 0;
  const put = (s) => {
    buf.push(s);
    bufLen += s.length + 1;
    if (bufLen > 1 << 20) {
      written += writeSync(fd, `${buf.join('\n')}\n`);
      buf = [];
      bufLen = 0;
    }
  };
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n) => String(n).padStart(2, '0');
  let t = Date.UTC(2026, 10, 1);
  let q = 0x2a0000;
  for (let i = 0; written + bufLen < target; i++) {
    t += 40 + rnd(200);
    const d = new Date(t);
    const s = `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} mx1`;
    const pid = 20000 + rnd(300);
    const client = `mail${rnd(2000)}.example.org[198.51.100.${rnd(250)}]`;
    const qid = (q++).toString(16).toUpperCase() + 'B';
    const tls = rnd(10) < 7;
    put(`${s} postfix/smtpd[${pid}]: connect from ${client}`);
    if (tls) put(`${s} postfix/smtpd[${pid}]: Anonymous TLS connection established from ${client}: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256`);
    if (rnd(20) === 0) {
      put(`${s} postfix/smtpd[${pid}]: NOQUEUE: reject: RCPT from ${client}: 554 5.7.1 <x${rnd(99)}@example.com>: Relay access denied; from=<s${rnd(99)}@example.org> to=<x@example.com> proto=ESMTP helo=<h>`);
      put(`${s} postfix/smtpd[${pid}]: disconnect from ${client} ehlo=${tls ? 2 : 1}${tls ? ' starttls=1' : ''} mail=1 rcpt=0/1 quit=1 commands=${tls ? 5 : 3}/${tls ? 6 : 4}`);
      continue;
    }
    put(`${s} postfix/smtpd[${pid}]: ${qid}: client=${client}`);
    put(`${s} postfix/cleanup[${30000 + rnd(50)}]: ${qid}: message-id=<${i}.${qid}@example.org>`);
    put(`${s} postfix/qmgr[977]: ${qid}: from=<user${rnd(500)}@example.org>, size=${1000 + rnd(90000)}, nrcpt=1 (queue active)`);
    put(`${s} postfix/smtpd[${pid}]: disconnect from ${client} ehlo=${tls ? 2 : 1}${tls ? ' starttls=1' : ''} mail=1 rcpt=1 data=1 quit=1 commands=${tls ? 6 : 5}`);
    const spid = 40000 + rnd(60);
    const mx = rnd(80);
    const relay = `mx${mx}.example.net[203.0.113.${mx}]:25`;
    const cached = rnd(3) === 0;
    if (!cached && rnd(10) < 8) put(`${s} postfix/smtp[${spid}]: Verified TLS connection established to ${relay}: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256`);
    put(`${s} postfix/smtp[${spid}]: ${qid}: to=<rcpt${rnd(900)}@example.net>, relay=${relay},${cached ? ` conn_use=${2 + rnd(8)},` : ''} delay=0.${rnd(99)}, delays=0.01/0.01/0.2/0.3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ${qid}Z)`);
    put(`${s} postfix/qmgr[977]: ${qid}: removed`);
    if (rnd(8) === 0) put(`${s} dovecot: imap-login: Login: user=<u${rnd(300)}@example.com>, method=PLAIN, rip=192.0.2.${rnd(250)}, lip=192.0.2.1, mpid=${i}, TLS, session=<x${i}>`);
  }
  written += writeSync(fd, buf.length > 0 ? `${buf.join('\n')}\n` : '');
  closeSync(fd);
  return written;
}

try {
  const file = join(tmp, 'maillog');
  const g0 = performance.now();
  generate(file, MB);
  const size = statSync(file).size;
  const sizeMB = size / 1e6;
  console.log(`mxray bench: logs — a ${(size / 1024 / 1024).toFixed(0)} MiB Postfix log generated in ${((performance.now() - g0) / 1000).toFixed(1)} s (${file}, deleted after); Node ${process.version}; ${RUNS} run(s) each\n`);

  // the CLI when it has the logs command, else our parser driven from dist/
  const cli = join(root, 'bin/mxray.cjs');
  const probe = existsSync(cli) ? await run(process.execPath, [cli, 'logs', '--help'], { node: true, keep: true }) : { code: 1 };
  const viaCli = probe.code === 0;
  if (!viaCli && !existsSync(join(root, 'dist/jobs/logs/postfix.js'))) {
    console.error('neither `mxray logs` in bin/mxray.cjs nor dist/jobs/logs/postfix.js: run `npm run build` first');
    process.exit(2);
  }
  const oursName = viaCli ? 'node bin/mxray.cjs logs FILE --json > /dev/null' : 'bench/logs.js --child (1 MiB reads, split, postfixModule of dist/; the CLI has no logs command yet)';
  const base = [];
  for (let i = 0; i < 3; i++) base.push(await run(process.execPath, ['-e', '0'], { node: true }));
  const ours = [];
  let childOut = null;
  for (let r = 0; r < RUNS; r++) {
    const res = viaCli ? await run(process.execPath, [cli, 'logs', file, '--json'], { node: true }) : await run(process.execPath, [fileURLToPath(import.meta.url), '--child', file], { node: true, keep: true });
    // the CLI's exit code is its verdict (0 TLS, 1 clear text or failures, 3 cannot tell): all three wrote a report
    if (viaCli ? ![0, 1, 3].includes(res.code) : res.code !== 0) {
      console.error(`ours failed (exit ${res.code}): ${res.stderr.slice(0, 2000)}`);
      process.exit(1);
    }
    if (!viaCli) childOut = JSON.parse(res.stdout);
    ours.push(res);
  }
  // the Postfix parser alone (no runner, no report) when the CLI was timed: how much is the parser's
  let parserOnly = null;
  if (viaCli && existsSync(join(root, 'dist/jobs/logs/postfix.js'))) {
    const res = await run(process.execPath, [fileURLToPath(import.meta.url), '--child', file], { node: true, keep: true });
    if (res.code === 0) {
      parserOnly = res;
      childOut = JSON.parse(res.stdout);
    }
  }
  const peer = [];
  let grepCount = null;
  for (let r = 0; r < RUNS; r++) {
    const res = await run('grep', ['-c', 'TLS connection established', file], { keep: true });
    grepCount = Number(res.stdout.trim());
    peer.push(res);
  }
  const oursMs = median(ours.map((r) => r.ms));
  const peerMs = median(peer.map((r) => r.ms));
  const baseMs = median(base.map((r) => r.ms));
  const rss = Math.max(...ours.map((r) => r.rssMiB ?? 0));
  const rows = [
    [`ours: ${oursName}`, (oursMs / 1000).toFixed(2), (sizeMB / (oursMs / 1000)).toFixed(0), rss.toFixed(0), '1.00×'],
    ...(parserOnly ? [['  the Postfix parser alone (bench/logs.js --child: 1 MiB reads, split, postfixModule)', (parserOnly.ms / 1000).toFixed(2), (sizeMB / (parserOnly.ms / 1000)).toFixed(0), (parserOnly.rssMiB ?? 0).toFixed(0), `${(parserOnly.ms / oursMs).toFixed(2)}×`]] : []),
    ["peer: grep -c 'TLS connection established'", (peerMs / 1000).toFixed(2), (sizeMB / (peerMs / 1000)).toFixed(0), '—', `${(peerMs / oursMs).toFixed(2)}×`],
    ['node -e 0', (baseMs / 1000).toFixed(2), '—', (Math.max(...base.map((r) => r.rssMiB ?? 0))).toFixed(0), `${(baseMs / oursMs).toFixed(3)}×`],
  ];
  const head = ['', 's', 'MB/s', 'peak RSS MiB', 'time ÷ ours'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  if (childOut !== null) {
    console.log(`\nours used ${(childOut.cpuMs / 1000).toFixed(2)} s of CPU (${(sizeMB / (childOut.cpuMs / 1000)).toFixed(0)} MB/s of CPU time: the figure that holds on a busy machine) and read ${childOut.lines} lines (${childOut.used} used, ${childOut.ignored} ignored, ${childOut.malformed} malformed) into ${childOut.sessions} sessions (${childOut.inbound} inbound; ${childOut.handshake} with a handshake line; ${childOut.incomplete} incomplete); grep counted ${grepCount} TLS lines`);
  }
  const mbps = sizeMB / (oursMs / 1000);
  console.log(`\ntargets: ≥ 100 MB/s — ${mbps >= 100 ? 'met' : 'NOT met'} (${mbps.toFixed(0)} MB/s); peak RSS ≤ 150 MB — ${rss * 1.048576 <= 150 ? 'met' : 'NOT met'} (${(rss * 1.048576).toFixed(0)} MB)`);
} finally {
  // MXRAY_BENCH_KEEP=1 keeps the generated log for profiling (its path is printed above).
  if (process.env.MXRAY_BENCH_KEEP !== '1') rmSync(tmp, { recursive: true, force: true });
}
