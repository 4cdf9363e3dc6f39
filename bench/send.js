#!/usr/bin/env node
// Benchmark (issue 18): `mxray send --tls none --count 2000 --concurrency 20` into Postfix's
// `smtp-sink` on loopback, next to Postfix's own `smtp-source -d -s 20 -m 2000` (20 sessions, each
// sending its messages over one connection, as mxray does) in the same run, and `node -e 0` for
// Node's own start-up. Prints both rates, their ratio, and mxray's latency percentiles from its
// report. Skips with a message when smtp-sink or smtp-source is not installed (Debian: postfix).
// Then (as root, with Postfix installed) the same mxray run with --tls required (STARTTLS) into a
// private Postfix smtpd on 127.0.0.18 with TLS and every message going to the discard transport,
// and one whole `mxray send --tls required` next to one whole `swaks --tls` (Debian's swaks) on that
// server. The private instance has its own directories under a temporary folder, and its master
// runs as our child in its own process group, stopped by its pid.
// Usage: npm run bench  (or: npm run build && node bench/send.js [--count N] [--concurrency C] [--runs R])
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

async function waitForGreeting(port, host = '127.0.0.1') {
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise((resolve) => {
      const c = connect({ host, port });
      c.once('data', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no greeting on ${host} port ${port}`);
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

// ---- STARTTLS into a private Postfix (smtpd with TLS, the discard transport), and swaks --tls.
const POSTFIX = '/usr/sbin/postfix';
const MASTER = '/usr/lib/postfix/sbin/master';
const SWAKS = '/usr/bin/swaks';
const PF_ADDRESS = '127.0.0.18';

function postfixSkip() {
  if (process.getuid?.() !== 0) return 'not root (a private Postfix instance runs its daemons as user postfix)';
  if (!existsSync(POSTFIX) || !existsSync(MASTER)) return 'Postfix is not installed (Debian package postfix)';
  if (!existsSync('/usr/bin/openssl')) return 'openssl is not installed (for the test certificate)';
  return null;
}

/** A private instance: its own config, queue and data directories, one smtpd on PF_ADDRESS:port, everything discarded. */
async function startPostfix(port) {
  const work = mkdtempSync(join(tmpdir(), 'mxray-bench-postfix-'));
  chmodSync(work, 0o755);
  const etc = join(work, 'etc');
  const spool = join(work, 'spool');
  const data = join(work, 'data');
  const log = join(work, 'maillog');
  for (const d of [etc, spool, data]) mkdirSync(d, { recursive: true });
  const postfixUid = Number(readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === 'postfix')?.[2]);
  chownSync(data, postfixUid, 0);
  chmodSync(data, 0o700);
  const key = join(etc, 'key.pem');
  const cert = join(etc, 'cert.pem');
  const o = await run('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=mx.bench.test']);
  if (o.code !== 0) throw new Error(`openssl req failed: ${o.stderr}`);
  writeFileSync(join(etc, 'chain.pem'), readFileSync(key, 'utf8') + readFileSync(cert, 'utf8'), { mode: 0o600 });
  writeFileSync(
    join(etc, 'main.cf'),
    [
      '# mxray bench: a private Postfix instance (generated by bench/send.js)',
      'compatibility_level = 3.6',
      `config_directory = ${etc}`,
      `queue_directory = ${spool}`,
      `data_directory = ${data}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      `maillog_file = ${log}`,
      `maillog_file_prefixes = ${work}`,
      'inet_interfaces = loopback-only',
      `proxy_interfaces = ${PF_ADDRESS}`,
      'inet_protocols = ipv4',
      'myhostname = mx.bench.test',
      'mydestination = sink.test',
      'local_recipient_maps =',
      'alias_maps =',
      'alias_database =',
      'mynetworks = 127.0.0.0/8',
      'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
      'smtpd_peername_lookup = no',
      'smtp_dns_support_level = disabled',
      // Every message goes to the discard transport once queued: nothing is delivered anywhere.
      'local_transport = discard:bench',
      'default_transport = discard:bench',
      'relay_transport = discard:bench',
      'biff = no',
      'readme_directory = no',
      `smtpd_tls_chain_files = ${join(etc, 'chain.pem')}`,
      'smtpd_tls_security_level = may',
      'smtpd_tls_received_header = no',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(etc, 'master.cf'),
    [
      `${PF_ADDRESS}:${port} inet n - n - - smtpd`,
      'cleanup   unix  n       -       n       -       0       cleanup',
      'qmgr      unix  n       -       n       300     1       qmgr',
      'tlsmgr    unix  -       -       n       1000?   1       tlsmgr',
      'rewrite   unix  -       -       n       -       -       trivial-rewrite',
      'bounce    unix  -       -       n       -       0       bounce',
      'defer     unix  -       -       n       -       0       bounce',
      'trace     unix  -       -       n       -       0       bounce',
      'verify    unix  -       -       n       -       1       verify',
      'proxymap  unix  -       -       n       -       -       proxymap',
      'anvil     unix  -       -       n       -       1       anvil',
      'scache    unix  -       -       n       -       1       scache',
      'error     unix  -       -       n       -       -       error',
      'retry     unix  -       -       n       -       -       error',
      'discard   unix  -       -       n       -       -       discard',
      'postlog   unix-dgram n  -       n       -       1       postlogd',
      '',
    ].join('\n'),
  );
  writeFileSync(log, '');
  const env = { ...process.env, MAIL_CONFIG: etc };
  const check = await new Promise((resolve) => execFile(POSTFIX, ['-c', etc, 'check'], { env }, (err, out, errOut) => resolve(err ? `${out}${errOut}` : null)));
  if (check !== null) throw new Error(`postfix check failed: ${check}`);
  // -d: the master stays in the foreground, as our child; -e: it ends itself in 10 minutes should we die.
  const master = spawn(MASTER, ['-c', etc, '-d', '-e', '600'], { env, stdio: 'ignore', detached: true });
  const stop = () => {
    // The master and its daemons: the process group of the one process we started.
    try {
      process.kill(-master.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    rmSync(work, { recursive: true, force: true });
  };
  try {
    await waitForGreeting(port, PF_ADDRESS);
  } catch (err) {
    const said = readFileSync(log, 'utf8').trim().split('\n').slice(-5).join(' | ');
    stop();
    throw new Error(`${err.message}; Postfix said: ${said}`);
  }
  return { stop, log };
}

const skip = postfixSkip();
if (skip) {
  console.log(`\nSTARTTLS into Postfix: skipped — ${skip}`);
} else {
  const pfPort = await freePort();
  const pf = await startPostfix(pfPort);
  try {
    const target = `${PF_ADDRESS}:${pfPort}`;
    const common = ['send', target, '--to', 'bench@sink.test', '--from', 'mxray@bench.test', '--helo', 'bench.test', '--tls', 'required', '--verify', 'none', '--json'];
    const loads = [];
    let lastLoad = null;
    for (let r = 0; r < RUNS; r++) {
      const m = await run(process.execPath, [mxray, ...common, '--count', String(COUNT), '--concurrency', String(CONCURRENCY)]);
      if (m.code !== 0) throw new Error(`mxray send --tls required exited ${m.code}: ${m.stderr || m.stdout.slice(0, 500)}`);
      const rep = JSON.parse(m.stdout);
      lastLoad = rep.body.load;
      if (lastLoad.delivered !== COUNT) throw new Error(`mxray delivered ${lastLoad.delivered} of ${COUNT} into Postfix: ${lastLoad.firstFailure}`);
      if (!rep.body.session?.tls) throw new Error('mxray send --tls required: no TLS in the report');
      loads.push(m.ms);
    }
    const tlsMs = median(loads);
    console.log(`\n${COUNT} messages over ${CONCURRENCY} sessions with STARTTLS into a private Postfix smtpd (TLS, discard transport) on ${PF_ADDRESS} (median of ${RUNS} runs, whole processes)`);
    console.log(`mxray send --tls required --count ${COUNT} --concurrency ${CONCURRENCY}   ${tlsMs.toFixed(1)} ms   ${((COUNT / tlsMs) * 1000).toFixed(0)} messages/s`);
    console.log(
      `mxray's own figures (its report, the last run): ${lastLoad.messagesPerSecond} messages/s inside the process; latency p50 ${lastLoad.latencyMs.p50} ms, p90 ${lastLoad.latencyMs.p90} ms, p99 ${lastLoad.latencyMs.p99} ms, max ${lastLoad.latencyMs.max} ms`,
    );

    if (!existsSync(SWAKS)) {
      console.log(`one message, whole process, next to swaks --tls: skipped — ${SWAKS} is not installed (Debian package swaks)`);
    } else {
      const ones = [];
      const swaks = [];
      const node = [];
      for (let r = 0; r < RUNS; r++) {
        node.push((await run(process.execPath, ['-e', '0'])).ms);
        const m = await run(process.execPath, [mxray, ...common]);
        if (m.code !== 0) throw new Error(`mxray send --tls required exited ${m.code}: ${m.stderr || m.stdout.slice(0, 500)}`);
        ones.push(m.ms);
        const s = await run(SWAKS, ['--server', PF_ADDRESS, '--port', String(pfPort), '--tls', '--to', 'bench@sink.test', '--from', 'swaks@bench.test', '--helo', 'bench.test', '--silent', '2']);
        if (s.code !== 0) throw new Error(`swaks --tls exited ${s.code}: ${s.stdout.slice(-500)} ${s.stderr.slice(-500)}`);
        swaks.push(s.ms);
      }
      const one = median(ones);
      const sw = median(swaks);
      console.log(`\none message with STARTTLS into the same Postfix (median of ${RUNS} runs, whole processes)`);
      console.log(`node -e 0                                   ${median(node).toFixed(1)} ms`);
      console.log(`mxray send --tls required                   ${one.toFixed(1)} ms`);
      console.log(`swaks --tls                                 ${sw.toFixed(1)} ms`);
      console.log(`ratio mxray / swaks: ${(one / sw).toFixed(2)}×`);
    }
  } finally {
    pf.stop();
  }
}

