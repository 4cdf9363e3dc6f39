#!/usr/bin/env node
// Benchmark: whole-process wall time of `mxray check` against the demo lab's good server, next to
// `node -e 0` (Node's own start-up, the floor for any Node tool), `openssl s_client -starttls smtp`
// and `swaks --tls`, all measured in this one run, on loopback. Targets (issues 9 and 14):
//   mxray check ≤ 2.3 × node -e 0      mxray --version ≤ 1.2 × node -e 0 (issue 14)
// Usage: npm run bench [-- --runs N]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;

const { startLabWithDns } = await import(join(root, 'dist/demo/run-demo.js'));

/** Runs a command asynchronously (the lab lives in this process, so never block the event loop). */
function run(cmd, args, input = '', env = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = execFile(cmd, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ ms: performance.now() - t0, code: err ? (err.code ?? 1) : 0, stdout, stderr, missing: err?.code === 'ENOENT' });
    });
    child.stdin?.end(input);
  });
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

const running = await startLabWithDns({ now: Date.now(), only: ['good'] });
const tmp = mkdtempSync(join(tmpdir(), 'mxray-bench-'));
try {
  const caFile = join(tmp, 'demo-root.pem');
  writeFileSync(caFile, running.lab.trustedCaPem);
  const mxName = 'mx.good.mxray.test';
  const mapping = running.lab.hostMap.get(mxName);
  const port = mapping.port;
  const mxray = join(root, 'bin/mxray.cjs');
  // The lab's MTA-STS policy host too: the check fetches the policy, as it does by default.
  const policy = running.lab.hostMap.get('mta-sts.good.mxray.test');
  const checkArgs = [mxray, 'check', 'good.mxray.test', '--resolver', running.resolver, '--connect', `${mxName}=127.0.0.1:${port}`, '--connect', `mta-sts.good.mxray.test=127.0.0.1:${policy.port}`, '--ca-file', caFile, '--json', '--no-store'];

  // mxray's compile cache (bin/mxray.cjs) in a directory of this run: the first run of each command
  // below writes it (that run is not timed), as a user's first run does.
  const cached = { MXRAY_CACHE_DIR: join(tmp, 'compile-cache') };
  const cases = [
    { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
    { name: 'mxray --version', cmd: process.execPath, args: [mxray, '--version'], env: cached },
    { name: 'mxray check (full: 3 connections)', cmd: process.execPath, args: checkArgs, expectCode: [0], env: cached },
    { name: 'mxray check --quick (1 connection)', cmd: process.execPath, args: [...checkArgs, '--quick'], expectCode: [0], env: cached },
    {
      name: 'mxray check, no compile cache',
      cmd: process.execPath,
      args: checkArgs,
      expectCode: [0],
      env: { MXRAY_COMPILE_CACHE: '0' },
      note: "a command's first run (MXRAY_COMPILE_CACHE=0)",
    },
    {
      name: 'openssl s_client -starttls smtp',
      cmd: 'openssl',
      args: ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`, '-servername', mxName, '-verify_return_error', '-verify_hostname', mxName, '-CAfile', caFile, '-brief'],
      input: 'QUIT\r\n',
    },
    {
      name: 'swaks --tls --quit-after RCPT',
      cmd: 'swaks',
      args: ['--server', `127.0.0.1:${port}`, '--tls', '--quit-after', 'RCPT', '--to', 'postmaster@good.mxray.test', '--from', 'bench@client.mxray.test', '--helo', 'client.mxray.test'],
    },
  ];

  // Warm the file cache once, and check each case works before timing it.
  const results = [];
  for (const c of cases) {
    const probe = await run(c.cmd, c.args, c.input, c.env);
    if (probe.missing) {
      results.push({ ...c, skipped: `${c.cmd} is not installed (apt-get install ${c.cmd})` });
      continue;
    }
    if (c.expectCode && !c.expectCode.includes(probe.code)) {
      results.push({ ...c, skipped: `exit ${probe.code}: ${probe.stderr.trim().split('\n')[0] ?? ''}` });
      continue;
    }
    results.push({ ...c, samples: [] });
  }
  // Interleave the runs so drift in machine load hits every case alike.
  for (let i = 0; i < RUNS; i++) {
    for (const r of results) {
      if (r.skipped) continue;
      r.samples.push((await run(r.cmd, r.args, r.input, r.env)).ms);
    }
  }

  const base = stats(results[0].samples).median;
  const fmt = (n) => `${n.toFixed(1)} ms`;
  const rows = results.map((r) => {
    if (r.skipped) return [r.name, 'skipped', '', '', r.skipped];
    const s = stats(r.samples);
    return [r.name, fmt(s.median), fmt(s.min), `${(s.median / base).toFixed(2)}×`, r.note ?? ''];
  });
  const header = ['command', 'median', 'min', '× node -e 0', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`mxray bench — ${RUNS} runs each, loopback, demo lab's good server (Node ${process.version})\n`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));

  const ratio = (name) => {
    const r = results.find((x) => x.name === name);
    return r && !r.skipped ? stats(r.samples).median / base : null;
  };
  const checkRatio = ratio('mxray check (full: 3 connections)');
  const versionRatio = ratio('mxray --version');
  const peer = (name) => ratio(name);
  const full = ratio('mxray check (full: 3 connections)');
  console.log('');
  for (const name of ['openssl s_client -starttls smtp', 'swaks --tls --quit-after RCPT']) {
    const p = peer(name);
    if (full !== null && p !== null) console.log(`mxray check / ${name}: ${(full / p).toFixed(2)}×`);
  }
  console.log(`target mxray check     ≤ 2.3× node -e 0: ${checkRatio === null ? 'not measured' : `${checkRatio.toFixed(2)}× ${checkRatio <= 2.3 ? 'MET' : 'MISSED'}`}`);
  console.log(`target mxray --version ≤ 1.2× node -e 0: ${versionRatio === null ? 'not measured' : `${versionRatio.toFixed(2)}× ${versionRatio <= 1.2 ? 'MET' : 'MISSED'}`}`);

  // A domain whose 4 MX hosts include one that never greets: concurrent probing must finish in
  // about one greeting time-out, not four.
  const { startScriptedServer } = await import(join(root, 'dist/demo/scripted-server.js'));
  const { startDnsServer } = await import(join(root, 'dist/demo/dns-server.js'));
  const greeting = 2;
  const silent = await startScriptedServer({ greeting: () => [] });
  const good = await Promise.all(
    [1, 2, 3].map(() =>
      startScriptedServer({
        greeting: () => [{ type: 'write', data: '220 mx.bench.test ESMTP\r\n' }],
        command: (line) =>
          /^QUIT/i.test(line)
            ? [{ type: 'write', data: '221 bye\r\n' }, { type: 'close' }]
            : /^EHLO/i.test(line)
              ? [{ type: 'write', data: '250-mx.bench.test\r\n250 SIZE 1000\r\n' }]
              : [{ type: 'write', data: '250 ok\r\n' }],
      }),
    ),
  );
  const servers = [silent, ...good];
  const names = servers.map((_, i) => `mx${i + 1}.four.bench.test`);
  const dns = await startDnsServer({
    records: [
      ...names.map((exchange, i) => ({ name: 'four.bench.test', type: 'MX', data: { preference: 10 * (i + 1), exchange } })),
      ...names.map((name) => ({ name, type: 'A', data: '127.0.0.1' })),
    ],
  });
  try {
    const args = [mxray, 'check', 'four.bench.test', '--resolver', `127.0.0.1:${dns.port}`, '--json', '--greeting-timeout', String(greeting)];
    for (const [i, name] of names.entries()) args.push('--connect', `${name}=127.0.0.1:${servers[i].port}`);
    const r = await run(process.execPath, args);
    console.log('');
    console.log(`4 MX hosts, the first never greets (greeting time-out ${greeting} s): ${(r.ms / 1000).toFixed(2)} s whole process, exit ${r.code}`);
    console.log(
      `  = ${(r.ms / (greeting * 1000)).toFixed(2)} greeting time-outs: the other hosts are probed meanwhile, and the silent one is waited for once ` +
        '(no extra no-SNI, cleartext or legacy connection to a host that never greeted)',
    );
  } finally {
    await Promise.all([dns.stop(), ...servers.map((x) => x.stop())]);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
  await running.stop();
}
