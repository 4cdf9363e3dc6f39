#!/usr/bin/env node
// Benchmark (issue 17): `mxray cert file.pem` as a whole process next to `node -e 0` (target ≤ 1.5×)
// and `openssl x509 -noout -text` on the same file; and a receiver test of a domain whose 4 MX
// hosts share one certificate from a loopback CA with a CRL and an OCSP responder (`openssl ocsp`,
// a real responder): with revocation on it makes one CRL and one OCSP request in all, and takes
// ≤ 1.3× the time with --no-revocation. Everything on loopback, measured in this one run.
// Usage: npm run bench  (or: npm run build && node bench/cert.js [--runs N])
import { Buffer } from 'node:buffer';
import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const mxray = join(root, 'bin/mxray.cjs');

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(cmd, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ ms: performance.now() - t0, code: err ? (err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function median(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function ossl(args, cwd) {
  const r = spawnSync('openssl', args, { cwd });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const tmp = mkdtempSync(join(tmpdir(), 'mxray-bench-cert-'));
const cleanups = [];
try {
  // The loopback CA's HTTP side first: its port goes into the certificates.
  let crlHits = 0;
  let ocspHits = 0;
  const http = createServer((req, res) => {
    if (req.url === '/int.crl') {
      crlHits++;
      res.writeHead(200, { 'content-type': 'application/pkix-crl' });
      res.end(readFileSync(join(tmp, 'int.crl')));
      return;
    }
    if (req.url === '/ocsp' && req.method === 'POST') {
      ocspHits++;
      // Answered by `openssl ocsp`, the real responder, run on each request (-reqin/-respout):
      // `openssl ocsp -port` would listen on every interface, and this bench stays on loopback.
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const n = ocspHits;
        writeFileSync(join(tmp, `ocsp-req-${n}.der`), Buffer.concat(chunks));
        execFile('openssl', ['ocsp', '-index', 'index.txt', '-CA', 'int.pem', '-rsigner', 'int.pem', '-rkey', 'int.key', '-reqin', `ocsp-req-${n}.der`, '-respout', `ocsp-resp-${n}.der`, '-nmin', '60'], { cwd: tmp }, (err) => {
          if (err) {
            res.writeHead(500).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'application/ocsp-response' });
          res.end(readFileSync(join(tmp, `ocsp-resp-${n}.der`)));
        });
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => http.close(resolve)));
  const base = `http://127.0.0.1:${http.address().port}`;

  const cnf = (name, lines) => writeFileSync(join(tmp, `${name}.cnf`), ['[req]', 'distinguished_name = dn', '[dn]', '[ext]', ...lines, ''].join('\n'));
  const caExt = ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign'];
  cnf('root', caExt);
  ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=Bench Root', '-config', 'root.cnf', '-extensions', 'ext', '-keyout', 'root.key', '-out', 'root.pem', '-days', '30'], tmp);
  cnf('int', caExt);
  ossl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=Bench Intermediate', '-config', 'int.cnf', '-keyout', 'int.key', '-out', 'int.csr'], tmp);
  ossl(['x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-extfile', 'int.cnf', '-extensions', 'ext', '-out', 'int.pem', '-days', '30'], tmp);
  const names = [1, 2, 3, 4].map((i) => `mx${i}.four.bench.test`);
  cnf('leaf', [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${names.map((n) => `DNS:${n}`).join(', ')}`,
    `crlDistributionPoints = URI:${base}/int.crl`,
    `authorityInfoAccess = OCSP;URI:${base}/ocsp`,
  ]);
  ossl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=mx1.four.bench.test', '-config', 'leaf.cnf', '-keyout', 'leaf.key', '-out', 'leaf.csr'], tmp);
  ossl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-extfile', 'leaf.cnf', '-extensions', 'ext', '-out', 'leaf.pem', '-days', '20'], tmp);
  // A file with no URLs for the file benchmark (nothing to fetch): the plain certificate check.
  cnf('plain', ['basicConstraints = CA:FALSE', 'subjectAltName = DNS:mail.bench.test']);
  ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=mail.bench.test', '-config', 'plain.cnf', '-extensions', 'ext', '-keyout', 'plain.key', '-out', 'plain.pem', '-days', '30'], tmp);
  // The CA's database, its CRL, and the OCSP responder.
  writeFileSync(join(tmp, 'index.txt'), '');
  writeFileSync(join(tmp, 'ca.cnf'), ['[ca]', 'default_ca = c', '[c]', 'database = index.txt', 'default_md = sha256', 'default_crl_days = 7', ''].join('\n'));
  const serial = ossl(['x509', '-in', 'leaf.pem', '-noout', '-serial'], tmp).toString().trim().split('=')[1];
  const expiry = new Date(Date.now() + 20 * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  writeFileSync(join(tmp, 'index.txt'), `V\t${expiry}\t\t${serial}\tunknown\t/CN=mx1.four.bench.test\n`);
  ossl(['ca', '-config', 'ca.cnf', '-gencrl', '-cert', 'int.pem', '-keyfile', 'int.key', '-outdir', '.', '-out', 'int.crl.pem'], tmp);
  ossl(['crl', '-in', 'int.crl.pem', '-outform', 'DER', '-out', 'int.crl'], tmp);

  // Part 1: mxray cert on a file, next to node -e 0 and openssl x509 -text.
  const plain = join(tmp, 'plain.pem');
  const cached = { MXRAY_CACHE_DIR: join(tmp, 'compile-cache') };
  const cases = [
    { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
    { name: 'mxray cert file.pem', cmd: process.execPath, args: [mxray, 'cert', plain], env: cached },
    { name: 'mxray cert file.pem --json', cmd: process.execPath, args: [mxray, 'cert', plain, '--json'], env: cached },
    { name: 'openssl x509 -noout -text', cmd: 'openssl', args: ['x509', '-in', plain, '-noout', '-text'] },
  ];
  for (const c of cases) {
    const r = await run(c.cmd, c.args, c.env);
    if (c.cmd === process.execPath && c.args[1] === 'cert' && r.code > 1) throw new Error(`mxray cert failed: ${r.stderr}`);
    c.samples = [];
  }
  for (let i = 0; i < RUNS; i++) for (const c of cases) c.samples.push((await run(c.cmd, c.args, c.env)).ms);
  const floor = median(cases[0].samples);
  console.log(`mxray bench: certificates — ${RUNS} runs each, loopback (Node ${process.version})\n`);
  const w = Math.max(...cases.map((c) => c.name.length));
  for (const c of cases) console.log(`${c.name.padEnd(w)}  ${median(c.samples).toFixed(1).padStart(7)} ms  ${(median(c.samples) / floor).toFixed(2)}× node -e 0`);
  const certRatio = median(cases[1].samples) / floor;
  console.log(`mxray cert / openssl x509 -text: ${(median(cases[1].samples) / median(cases[3].samples)).toFixed(2)}×`);
  console.log(`target mxray cert file.pem ≤ 1.5× node -e 0: ${certRatio.toFixed(2)}× ${certRatio <= 1.5 ? 'MET' : 'MISSED'}`);

  // Part 2: 4 MX hosts sharing the certificate; revocation on and off.
  const { startScriptedServer } = await import(join(root, 'dist/demo/scripted-server.js'));
  const { startDnsServer } = await import(join(root, 'dist/demo/dns-server.js'));
  const key = readFileSync(join(tmp, 'leaf.key'), 'utf8');
  const cert = readFileSync(join(tmp, 'leaf.pem'), 'utf8') + readFileSync(join(tmp, 'int.pem'), 'utf8');
  const servers = await Promise.all(
    names.map((n) =>
      startScriptedServer(
        {
        greeting: () => [{ type: 'write', data: `220 ${n} ESMTP\r\n` }],
        command: (line) =>
          /^QUIT/i.test(line)
            ? [{ type: 'write', data: '221 bye\r\n' }, { type: 'close' }]
            : /^EHLO/i.test(line)
              ? [{ type: 'write', data: `250-${n}\r\n250 STARTTLS\r\n` }]
              : /^STARTTLS/i.test(line)
                ? [{ type: 'write', data: '220 go ahead\r\n' }, { type: 'starttls' }]
                : [{ type: 'write', data: '250 ok\r\n' }],
        },
        { tls: { key, cert } },
      ),
    ),
  );
  cleanups.push(() => Promise.all(servers.map((s) => s.stop())));
  const dns = await startDnsServer({
    records: [...names.map((exchange, i) => ({ name: 'four.bench.test', type: 'MX', data: { preference: 10 * (i + 1), exchange } })), ...names.map((name) => ({ name, type: 'A', data: '127.0.0.1' }))],
  });
  cleanups.push(() => dns.stop());
  const args = [mxray, 'check', 'four.bench.test', '--resolver', `127.0.0.1:${dns.port}`, '--ca-file', join(tmp, 'root.pem'), '--quick', '--json'];
  for (const [i, n] of names.entries()) args.push('--connect', `${n}=127.0.0.1:${servers[i].port}`);
  crlHits = 0;
  ocspHits = 0;
  const once = await run(process.execPath, args, cached);
  const [crlOnce, ocspOnce] = [crlHits, ocspHits];
  const report = JSON.parse(once.stdout);
  const lookups = report.body.hosts.map((h) => (h.assessment.certificate?.revocation ?? []).flatMap((r) => r.lookups.map((l) => `${l.method}:${l.status}`)).join(' '));
  console.log('');
  console.log(`4 MX hosts, one certificate, revocation on: ${crlOnce} CRL request(s), ${ocspOnce} OCSP request(s) in all; lookups per host: ${[...new Set(lookups)].join(' | ')}`);
  const on = { samples: [] };
  const off = { samples: [] };
  for (let i = 0; i < RUNS; i++) {
    on.samples.push((await run(process.execPath, args, cached)).ms);
    off.samples.push((await run(process.execPath, [...args, '--no-revocation'], cached)).ms);
  }
  const ratio = median(on.samples) / median(off.samples);
  console.log(`mxray check, revocation on:  ${median(on.samples).toFixed(1)} ms`);
  console.log(`mxray check --no-revocation: ${median(off.samples).toFixed(1)} ms`);
  console.log(`target revocation on ≤ 1.3× off: ${ratio.toFixed(2)}× ${ratio <= 1.3 ? 'MET' : 'MISSED'}; one request per URL: ${crlOnce === 1 && ocspOnce === 1 ? 'MET' : 'MISSED'}`);
} finally {
  for (const c of cleanups.reverse()) await c();
  rmSync(tmp, { recursive: true, force: true });
}
