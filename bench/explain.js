#!/usr/bin/env node
// Benchmark: the error-text engine (kb/explain-text.ts) as the log analyser will run it over whole
// logs, and `mxray explain "<one text>"` as a person runs it. A log of realistic Postfix, Exim and
// Exchange lines is generated at run time into a temporary folder (never committed): most lines are
// ordinary traffic no rule is about (connects, queue ids, deliveries), a share are TLS errors.
//   1. prefilter: lines with no candidate keyword rejected per second      (target ≥ 1,000,000/s)
//   2. explained: lines that a rule recognises, explained per second        (target ≥    50,000/s)
//   3. mxray explain "<text>", whole process, next to `node -e 0`          (target ≤ 1.5×)
//   4. hostile 16 KiB lines (every keyword with repeated pattern fragments): the worst time per line
// The peer for 1 and 2 is `grep -E -i -c` with the same alternatives (every rule's keywords) over the
// same files in the same run (whole process: grep's start-up is part of its figure, as it is tiny).
// Usage: npm run bench  (or: npm run build && node bench/explain.js [--lines N] [--runs R])
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const LINES = arg('--lines', 400_000);
const RUNS = arg('--runs', 5);
const mxray = join(root, 'bin/mxray.cjs');

const { mayMatch, explainLine } = await import(pathToFileURL(join(root, 'dist/kb/explain-text.js')).href);
const { ERROR_RULES } = await import(pathToFileURL(join(root, 'dist/kb/error-rules.js')).href);

function run(cmd, args) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => resolve({ ms: performance.now() - t0, code: err ? (err.code ?? 1) : 0, stdout, missing: err?.code === 'ENOENT' }));
  });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// A deterministic generator (no Math.random: the same log every run).
let seed = 42;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};
const hex = (n) => Array.from({ length: n }, () => '0123456789ABCDEF'[rnd(16)]).join('');
const ip = () => `${[192, 198, 203][rnd(3)]}.${[0, 51, 0][rnd(3)]}.${[2, 100, 113][rnd(3)]}.${1 + rnd(254)}`;
const host = () => `mx${rnd(9)}.${['partner', 'example', 'contoso', 'fabrikam', 'northwind'][rnd(5)]}.${['example', 'test', 'net', 'org'][rnd(4)]}`;
const stamp = () => `Nov ${10 + rnd(18)} ${String(rnd(24)).padStart(2, '0')}:${String(rnd(60)).padStart(2, '0')}:${String(rnd(60)).padStart(2, '0')} mail`;

/** Ordinary lines: what most of a mail log is. */
const ordinary = [
  () => `${stamp()} postfix/smtpd[${rnd(99999)}]: connect from ${host()}[${ip()}]`,
  () => `${stamp()} postfix/smtpd[${rnd(99999)}]: disconnect from ${host()}[${ip()}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`,
  () => `${stamp()} postfix/cleanup[${rnd(99999)}]: ${hex(10)}: message-id=<${hex(16)}@${host()}>`,
  () => `${stamp()} postfix/qmgr[${rnd(99999)}]: ${hex(10)}: from=<user${rnd(999)}@example.org>, size=${rnd(99999)}, nrcpt=1 (queue active)`,
  () => `${stamp()} postfix/smtp[${rnd(99999)}]: ${hex(10)}: to=<ann${rnd(999)}@${host()}>, relay=${host()}[${ip()}]:25, delay=0.${rnd(99)}, delays=0.1/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ${hex(10)})`,
  () => `${stamp()} postfix/qmgr[${rnd(99999)}]: ${hex(10)}: removed`,
  () => `2026-11-${10 + rnd(18)} 10:${String(rnd(60)).padStart(2, '0')}:00 ${hex(6)}-${hex(6)}-${hex(2)} <= user${rnd(99)}@example.org H=${host()} [${ip()}] P=esmtp S=${rnd(99999)}`,
  () => `2026-11-${10 + rnd(18)} 10:${String(rnd(60)).padStart(2, '0')}:00 ${hex(6)}-${hex(6)}-${hex(2)} Completed`,
  () => `${stamp()} postfix/anvil[${rnd(99999)}]: statistics: max connection rate 1/60s for (smtp:${ip()}) at Nov 20 10:00:00`,
];
/** TLS error lines of the kinds the rules know (the same dialects as the rules' samples). */
const errors = [
  () => `${stamp()} postfix/smtp[${rnd(99999)}]: ${hex(10)}: TLS is required, but was not offered by host ${host()}[${ip()}]`,
  () => `${stamp()} postfix/smtp[${rnd(99999)}]: certificate verification failed for ${host()}[${ip()}]:25: num=20:unable to get local issuer certificate`,
  () => `${stamp()} postfix/smtp[${rnd(99999)}]: Untrusted TLS connection established to ${host()}[${ip()}]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)`,
  () => `${stamp()} postfix/smtpd[${rnd(99999)}]: SSL_accept error from ${host()}[${ip()}]: -1`,
  () => `${stamp()} postfix/smtpd[${rnd(99999)}]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol`,
  () => `2026-11-20 10:00:00 TLS error on connection from ${host()} [${ip()}] (gnutls_handshake): A TLS fatal alert has been received.`,
  () => `451 4.4.0 Primary target IP address responded with: "451 5.7.3 STARTTLS is required to send mail." Attempted failover to alternate host, but that did not succeed.`,
  () => `Microsoft Exchange couldn't find a certificate that contains the domain name ${host()} in the personal store on the local computer.`,
];

const tmp = mkdtempSync(join(tmpdir(), 'mxray-bench-explain-'));
try {
  const plain = Array.from({ length: LINES }, () => ordinary[rnd(ordinary.length)]());
  const tls = Array.from({ length: Math.max(1000, Math.round(LINES / 8)) }, () => errors[rnd(errors.length)]());
  const rejected = plain.filter((l) => !mayMatch(l));
  const matched = tls.filter((l) => explainLine(l).matches.length > 0);
  const plainFile = join(tmp, 'plain.log');
  const tlsFile = join(tmp, 'tls.log');
  writeFileSync(plainFile, `${rejected.join('\n')}\n`);
  writeFileSync(tlsFile, `${matched.join('\n')}\n`);
  const keywords = [...new Set(ERROR_RULES.flatMap((r) => r.keywords))];
  const alternatives = keywords.map((k) => k.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&')).join('|');
  console.log(`mxray bench: explain — ${ERROR_RULES.length} rules, ${keywords.length} keywords; ${rejected.length} ordinary lines (of ${plain.length} generated: ${plain.length - rejected.length} passed the prefilter), ${matched.length} TLS error lines (of ${tls.length}); ${RUNS} runs each (Node ${process.version})\n`);

  // 1 and 2, in process: the engine over lines already in memory, as the log analyser holds them.
  const inProcess = (lines, fn) => {
    const times = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      let n = 0;
      for (const l of lines) if (fn(l)) n++;
      times.push(performance.now() - t0);
      if (r === 0 && n < 0) throw new Error('unreachable');
    }
    return median(times);
  };
  const prefilterMs = inProcess(rejected, (l) => mayMatch(l));
  const explainMs = inProcess(matched, (l) => explainLine(l).matches.length > 0);

  const grepTimes = async (file) => {
    const times = [];
    for (let r = 0; r < RUNS; r++) {
      const g = await run('grep', ['-E', '-i', '-c', alternatives, file]);
      if (g.missing) return null;
      times.push(g.ms);
    }
    return median(times);
  };
  const grepPlain = await grepTimes(plainFile);
  const grepTls = await grepTimes(tlsFile);

  const perSec = (n, ms) => Math.round((n / ms) * 1000);
  const row = (name, n, ms, extra = '') => console.log(`${name.padEnd(44)} ${String(perSec(n, ms)).padStart(10)} lines/s  (${ms.toFixed(1)} ms)${extra}`);
  row('mxray prefilter (no-candidate lines)', rejected.length, prefilterMs);
  if (grepPlain !== null) row('grep -E -i -c, same alternatives, same file', rejected.length, grepPlain, `   mxray/grep ${(perSec(rejected.length, prefilterMs) / perSec(rejected.length, grepPlain)).toFixed(2)}×`);
  row('mxray explained (recognised lines)', matched.length, explainMs);
  if (grepTls !== null) row('grep -E -i -c, same alternatives, same file', matched.length, grepTls, `   mxray/grep ${(perSec(matched.length, explainMs) / perSec(matched.length, grepTls)).toFixed(2)}× (grep only counts; mxray explains)`);
  if (grepPlain === null) console.log('peer: grep is not installed: no comparison');

  // 4 (before 3, in process). Hostile lines: 16 KiB made of every rule's keywords and of the
  // fragments patterns are built from, repeated — the fuzz of the time per line (the lint step
  // proves no pattern can backtrack catastrophically; this measures what the worst line costs).
  const fragments = ['a', 'a.', '[1.1.1.1]', ':25', ' ', '=', "'", '"', '(x)', 'H=a [1.1.1.1] ', 'num=1:', '5.7.1 ', '451 ', '@a.b '];
  const hostile = [];
  for (const k of keywords) for (const f of fragments) hostile.push(`${k}${f.repeat(Math.ceil(16_384 / f.length))}`.slice(0, 16_384));
  let worst = { ms: 0, line: '' };
  for (const l of hostile) {
    const t0 = performance.now();
    explainLine(l);
    const ms = performance.now() - t0;
    if (ms > worst.ms) worst = { ms, line: l };
  }
  const HOSTILE_BOUND_MS = 50;
  console.log(`${'hostile 16 KiB lines, worst of ' + hostile.length}`.padEnd(44), `${worst.ms.toFixed(2).padStart(10)} ms/line  (${JSON.stringify(worst.line.slice(0, 40))}…)`);

  // 3. Whole process, one text, as a person runs it; the first run (compile cache) not timed.
  const text = '451 4.4.0 Primary target IP address responded with: "451 5.7.3 STARTTLS is required to send mail."';
  const whole = async (args) => {
    await run(process.execPath, args);
    const times = [];
    for (let r = 0; r < Math.max(RUNS, 9); r++) times.push((await run(process.execPath, args)).ms);
    return median(times);
  };
  const nodeMs = await whole(['-e', '0']);
  const explainProc = await whole([mxray, 'explain', text]);
  console.log(`\n${'node -e 0'.padEnd(44)} ${nodeMs.toFixed(1).padStart(8)} ms`);
  console.log(`${'mxray explain "<one text>"'.padEnd(44)} ${explainProc.toFixed(1).padStart(8)} ms   ${(explainProc / nodeMs).toFixed(2)}× node -e 0`);

  const targets = [
    ['prefilter ≥ 1,000,000 lines/s', perSec(rejected.length, prefilterMs) >= 1_000_000],
    ['explained ≥ 50,000 lines/s', perSec(matched.length, explainMs) >= 50_000],
    ['mxray explain ≤ 1.5× node -e 0', explainProc / nodeMs <= 1.5],
    [`worst hostile line ≤ ${HOSTILE_BOUND_MS} ms`, worst.ms <= HOSTILE_BOUND_MS],
  ];
  console.log('');
  for (const [name, met] of targets) console.log(`target ${name}: ${met ? 'MET' : 'MISSED'}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
