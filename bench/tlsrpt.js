#!/usr/bin/env node
// Benchmark: `mxray tlsrpt <folder> --json` over 10,000 TLS-RPT reports generated at run time into
// a temporary folder (never committed): four in five as .json, one in five as .json.gz, in Google's
// and Microsoft's dialects, a third with failure details. Whole process (target ≥ 2,000 reports/s),
// the same reading in process (the job alone, files already in memory), `node -e 0` for Node's own
// start-up, and as a peer a `jq` pass over the same files (cat/gzip -dc piped into `jq -s` summing
// the failed sessions: reading and parsing only, no judging) when jq is installed. Prints each
// figure, and mxray's time next to the peer's with the ratio.
// Usage: npm run bench  (or: npm run build && node bench/tlsrpt.js [--reports N] [--runs R])
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const REPORTS = arg('--reports', 10_000);
const RUNS = arg('--runs', 3);
const TARGET = 2000;
const mxray = join(root, 'bin/mxray.cjs');

function run(cmd, args) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(cmd, args, { timeout: 600_000, maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ ms: performance.now() - t0, code: err ? (err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function median(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Report i: a day in 2026, one of 20 domains, Google's or Microsoft's dialect, failures in a third. */
function report(i) {
  const day = new Date(Date.UTC(2026, 0, 1) + (i % 365) * 86_400_000).toISOString().slice(0, 10);
  const google = i % 2 === 0;
  const domain = `example${i % 20}.net`;
  const failed = i % 3 === 0 ? (i % 7) + 1 : 0;
  return {
    'organization-name': google ? 'Google Inc.' : 'Microsoft Corporation',
    'date-range': google ? { 'start-datetime': `${day}T00:00:00Z`, 'end-datetime': `${day}T23:59:59Z` } : { 'start-datetime': `${day}T00:00:00`, 'end-datetime': `${day}T23:59:59` },
    'contact-info': google ? 'smtp-tls-reporting@google.com' : 'tlsrpt-noreply@microsoft.com',
    'report-id': google ? `${day}T00:00:00Z_${domain}_${i}` : `${134000000000000000 + i}+${domain}`,
    policies: [
      {
        policy: {
          'policy-type': 'sts',
          'policy-string': ['version: STSv1', 'mode: enforce', `mx: mx1.${domain}`, `mx: mx2.${domain}`, 'max_age: 604800'],
          'policy-domain': domain,
          ...(google ? { 'mx-host': [`mx1.${domain}`, `mx2.${domain}`] } : {}),
        },
        summary: { 'total-successful-session-count': 100 + (i % 50), 'total-failure-session-count': failed },
        ...(failed
          ? { 'failure-details': [{ 'result-type': i % 2 ? 'certificate-expired' : 'starttls-not-supported', 'sending-mta-ip': `198.51.100.${i % 250}`, 'receiving-ip': '192.0.2.25', 'receiving-mx-hostname': `mx2.${domain}`, 'failed-session-count': failed }] }
          : {}),
      },
    ],
  };
}

const tmp = mkdtempSync(join(tmpdir(), 'mxray-bench-tlsrpt-'));
try {
  const t0 = performance.now();
  for (let i = 0; i < REPORTS; i++) {
    const text = JSON.stringify(report(i), null, google(i) ? 0 : 2);
    if (i % 5 === 4) writeFileSync(join(tmp, `r${String(i).padStart(6, '0')}.json.gz`), gzipSync(text));
    else writeFileSync(join(tmp, `r${String(i).padStart(6, '0')}.json`), text);
  }
  console.log(`mxray bench: tlsrpt — ${REPORTS} reports generated in ${((performance.now() - t0) / 1000).toFixed(1)} s into ${tmp}; ${RUNS} runs each (Node ${process.version})\n`);

  // Node's own start-up.
  const floor = [];
  for (let r = 0; r < RUNS; r++) floor.push((await run(process.execPath, ['-e', '0'])).ms);

  // Whole process: the folder walked, every file read, judged, the JSON report written.
  const whole = [];
  let last = null;
  for (let r = 0; r < RUNS; r++) {
    const res = await run(process.execPath, [mxray, 'tlsrpt', tmp, '--json']);
    if (res.code !== 0 && res.code !== 1) throw new Error(`mxray tlsrpt exited ${res.code}: ${res.stderr}`);
    whole.push(res.ms);
    last = JSON.parse(res.stdout);
  }
  if (last.body.inputs.reports !== REPORTS) throw new Error(`mxray counted ${last.body.inputs.reports} reports, not ${REPORTS}`);

  // In process: the job alone, the files already read into memory.
  const { runTlsRpt } = await import(pathToFileURL(join(root, 'dist/jobs/tlsrpt/check-tlsrpt.js')).href);
  const inputs = readdirSync(tmp).sort().map((name) => ({ name, bytes: readFileSync(join(tmp, name)) }));
  const clock = { now: () => Date.UTC(2026, 11, 31), monotonic: () => performance.now(), sleep: () => Promise.resolve() };
  const inproc = [];
  for (let r = 0; r < RUNS; r++) {
    const s = performance.now();
    const rep = await runTlsRpt({ inputs }, () => ({ clock }));
    inproc.push(performance.now() - s);
    if (rep.body.inputs.reports !== REPORTS) throw new Error('in-process count differs');
  }

  // The peer: jq reading the same files and summing the failed sessions.
  const hasJq = spawnSync('sh', ['-c', 'command -v jq'], { encoding: 'utf8' }).status === 0;
  const peer = [];
  let peerSum = null;
  if (hasJq) {
    const script = `cd '${tmp}' && { cat *.json; gzip -dc *.json.gz; } | jq -s 'map(.policies[].summary["total-failure-session-count"]) | add'`;
    for (let r = 0; r < RUNS; r++) {
      const res = await run('sh', ['-c', script]);
      if (res.code !== 0) throw new Error(`jq: ${res.stderr}`);
      peer.push(res.ms);
      peerSum = Number(res.stdout.trim());
    }
    if (peerSum !== last.body.totals.failed) throw new Error(`jq summed ${peerSum} failed sessions, mxray ${last.body.totals.failed}`);
  }

  const rate = (ms) => Math.round(REPORTS / (ms / 1000));
  const w = 44;
  const line = (name, ms, extra = '') => console.log(`${name.padEnd(w)} ${ms.toFixed(1).padStart(8)} ms  ${extra}`);
  line('node -e 0', median(floor));
  line(`mxray tlsrpt <folder> --json (whole process)`, median(whole), `${rate(median(whole))} reports/s`);
  line('runTlsRpt in process (files in memory)', median(inproc), `${rate(median(inproc))} reports/s`);
  if (hasJq) {
    line('peer: cat | gzip -dc | jq -s (sum of failures)', median(peer), `${rate(median(peer))} reports/s`);
    console.log(`\nmxray tlsrpt / jq: ${(median(whole) / median(peer)).toFixed(2)}× (both counted ${peerSum} failed sessions)`);
  } else console.log('\npeer: jq is not installed (Debian: jq): no comparison');
  const got = rate(median(whole));
  console.log(`target mxray tlsrpt ≥ ${TARGET} reports/s (whole process): ${got} reports/s ${got >= TARGET ? 'MET' : 'MISSED'}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

function google(i) {
  return i % 2 === 0;
}
