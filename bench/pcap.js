#!/usr/bin/env node
// Benchmark (issue 24): reading a packet capture, one core.
//   A ~300 MB pcap (Ethernet, IPv4) of many SMTP sessions with STARTTLS and a TLS-sized exchange
//   after it (64 sessions interleaved at a time, each ~45 KB), generated into os.tmpdir() at run
//   time by test/helpers/pcap-writer.ts (compiled with esbuild) and deleted after.
//   Ours: `node bin/mxray.cjs pcap FILE --json` when the built CLI has the command; until then a
//   child `node` driving the three bottom layers from dist/ (CaptureReader → decodePacket →
//   TcpFlows with a handler that only counts bytes), which the run says. Whole process, next to
//   `node -e 0`. Peer: `tshark -r FILE -q -z conv,tcp` (Debian's tshark; skipped with a message
//   when absent), same file, same run.                                     (target ≥ 50 MB/s)
//   --small: the same without the message (~6 KB sessions of small packets), the per-packet cost.
// Usage: npm run build && node bench/pcap.js [--mb M] [--runs R] [--small]
import { Buffer } from 'node:buffer';
import { execFile, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => pathToFileURL(join(root, 'dist', path)).href;
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TARGET_MBS = 50;
/** --small: sessions without the message (small packets: the per-packet cost shows, not the per-byte one). */
const SMALL = process.argv.includes('--small');

// --- The child: our three layers over the file, one summary line of JSON. ---
if (process.argv[2] === '--child') {
  const { CaptureReader } = await import(dist('jobs/pcap/capture.js'));
  const { decodePacket } = await import(dist('jobs/pcap/packet.js'));
  const { TcpFlows } = await import(dist('jobs/pcap/tcp-flows.js'));
  const problems = {};
  const counter = { problem: (kind) => void (problems[kind] = (problems[kind] ?? 0) + 1) };
  const ports = new Set([25, 465, 587]);
  let flows = 0;
  let streamBytes = 0;
  const tracker = new TcpFlows({
    ports,
    problems: counter,
    onFlow: () => {
      flows++;
      return { data: (_dir, b) => void (streamBytes += b.length), gap: () => undefined, end: () => undefined };
    },
  });
  let segments = 0;
  let lastTs = 0;
  const reader = new CaptureReader((p) => {
    lastTs = p.ts;
    const s = decodePacket(p, ports, counter);
    if (s) {
      segments++;
      tracker.segment(s);
    }
  }, counter);
  for await (const chunk of createReadStream(process.argv[3], { highWaterMark: 1 << 20 })) reader.push(chunk);
  reader.end();
  tracker.end(lastTs);
  process.stdout.write(`${JSON.stringify({ packets: reader.stats.packets, segments, flows, streamBytes, problems })}\n`);
  process.exit(0);
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(cmd, args, { timeout: 600_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ ms: performance.now() - t0, code: err ? (err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function median(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** One line from what ours printed: the child's JSON line as is; of the CLI's report, the capture's figures. */
function summarise(stdout) {
  try {
    const seen = new Set();
    const find = (v) => {
      if (v === null || typeof v !== 'object' || seen.has(v)) return null;
      seen.add(v);
      if ('flowCount' in v && 'capture' in v) return v;
      for (const x of Object.values(v)) {
        const found = find(x);
        if (found) return found;
      }
      return null;
    };
    const json = JSON.parse(stdout);
    const body = find(json);
    if (!body) return JSON.stringify(json).slice(0, 200);
    return JSON.stringify({ packets: body.capture.packets, flows: body.flowCount, problems: body.capture.problems });
  } catch {
    return stdout.trim().replace(/\s+/g, ' ').slice(0, 200);
  }
}

/** The test writer, compiled on the fly (the build compiles src/ only). */
async function loadWriter(dir) {
  const { build } = await import('esbuild');
  const out = join(dir, 'pcap-writer.mjs');
  await build({ entryPoints: [join(root, 'test/helpers/pcap-writer.ts')], bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'error' });
  return import(pathToFileURL(out).href);
}

/** A pseudo-random byte string (TLS records look like noise). */
function noise(length, seed) {
  const b = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** TLS records of a type, `length` bytes of body in records of at most 16 KiB. */
function tlsRecords(type, length, seed) {
  const parts = [];
  for (let left = length; left > 0; left -= 16384) {
    const n = Math.min(16384, left);
    parts.push(Buffer.from([type, 3, 3, n >> 8, n & 0xff]), noise(n, seed + left));
  }
  return Buffer.concat(parts);
}

/** One session's frames (Ethernet, IPv4, TCP), as a template whose client address and port are patched per flow. */
function templateFrames(W) {
  const turns = [
    { from: 'server', data: '220 mx.example.net ESMTP Postfix (Debian/GNU)\r\n' },
    { from: 'client', data: 'EHLO client.example.com\r\n' },
    { from: 'server', data: '250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n' },
    { from: 'client', data: 'STARTTLS\r\n' },
    { from: 'server', data: '220 2.0.0 Ready to start TLS\r\n' },
    { from: 'client', data: tlsRecords(0x16, 512, 1) }, // ClientHello-sized
    { from: 'server', data: tlsRecords(0x16, 4200, 2) }, // ServerHello, certificates, key exchange
    { from: 'client', data: Buffer.concat([tlsRecords(0x14, 1, 3), tlsRecords(0x16, 80, 4)]) },
    { from: 'server', data: Buffer.concat([tlsRecords(0x14, 1, 5), tlsRecords(0x16, 80, 6)]) },
    { from: 'client', data: tlsRecords(0x17, 120, 7) }, // EHLO again, inside TLS
    { from: 'server', data: tlsRecords(0x17, 200, 8) },
    { from: 'client', data: tlsRecords(0x17, SMALL ? 300 : 38_000, 9) }, // MAIL, RCPT, DATA and a message
    { from: 'server', data: tlsRecords(0x17, 90, 10) },
    { from: 'client', data: tlsRecords(0x17, 30, 11) }, // QUIT
    { from: 'server', data: tlsRecords(0x17, 40, 12) },
  ];
  const segments = W.tcpConversation({ client: { ip: '192.0.2.1', port: 1024 }, server: { ip: '198.51.100.25', port: 25 }, turns, mss: 1448, startTs: 0, stepMs: 0.25 });
  return segments.map((s) => ({ fromClient: s.fromClient, ts: s.ts, data: Buffer.from(W.tcpFrame({ ...s, link: 'ethernet' }).data) }));
}

/** Writes the capture: sessions 64 at a time, their frames interleaved, each session's client its own (address, port). */
function writeCapture(W, file, targetBytes) {
  const frames = templateFrames(W);
  const perSession = frames.reduce((n, f) => n + 16 + f.data.length, 0);
  const sessions = Math.max(1, Math.round(targetBytes / perSession));
  const fd = openSync(file, 'w');
  const out = Buffer.alloc(8 << 20);
  let used = 0;
  const flush = () => {
    writeSync(fd, out, 0, used);
    used = 0;
  };
  const header = Buffer.from(W.pcapHeader({ linkType: 1 }));
  header.copy(out, 0);
  used = header.length;
  const T0 = 1_764_460_800; // seconds
  for (let base = 0; base < sessions; base += 64) {
    const batch = Math.min(64, sessions - base);
    for (let j = 0; j < frames.length; j++) {
      for (let k = 0; k < batch; k++) {
        const f = base + k;
        const frame = frames[j];
        if (used + 16 + frame.data.length > out.length) flush();
        const ms = (base / 64) * 2000 + frame.ts + k * 0.01;
        out.writeUInt32LE(T0 + Math.floor(ms / 1000), used);
        out.writeUInt32LE(Math.floor((ms % 1000) * 1000), used + 4);
        out.writeUInt32LE(frame.data.length, used + 8);
        out.writeUInt32LE(frame.data.length, used + 12);
        frame.data.copy(out, used + 16);
        const at = used + 16;
        // The client's address (192.0.2.x) and port: source when it sends, destination when it receives.
        const ipAt = at + (frame.fromClient ? 26 : 30);
        out[ipAt + 3] = 1 + (f % 250);
        out.writeUInt16BE(1024 + (Math.floor(f / 250) % 60000), at + (frame.fromClient ? 34 : 36));
        used += 16 + frame.data.length;
      }
    }
  }
  flush();
  closeSync(fd);
  return sessions;
}

async function main() {
  const MB = arg('--mb', 300);
  const RUNS = arg('--runs', 3);
  if (!existsSync(join(root, 'dist/jobs/pcap/capture.js'))) {
    console.error('dist/ is not built: npm run build first');
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'mxray-bench-pcap-'));
  try {
    const W = await loadWriter(dir);
    const file = join(dir, 'smtp.pcap');
    const t0 = performance.now();
    const sessions = writeCapture(W, file, MB * 1e6);
    const size = statSync(file).size;
    console.log(`capture: ${(size / 1e6).toFixed(0)} MB, ${sessions} SMTP/STARTTLS sessions${SMALL ? ' without a message (--small)' : ''} (written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

    const cli = spawnSync(process.execPath, [join(root, 'bin/mxray.cjs'), 'pcap', '--help'], { encoding: 'utf8' });
    const useCli = cli.status === 0;
    const ours = useCli
      ? { name: 'mxray pcap FILE --json', cmd: process.execPath, args: [join(root, 'bin/mxray.cjs'), 'pcap', file, '--json'] }
      : { name: 'CaptureReader → decodePacket → TcpFlows (dist/, no-op handler; `mxray pcap` not built yet)', cmd: process.execPath, args: [fileURLToPath(import.meta.url), '--child', file] };
    const baseline = [];
    for (let i = 0; i < RUNS; i++) baseline.push((await run(process.execPath, ['-e', '0'])).ms);
    const ourMs = [];
    let summary = '';
    for (let i = 0; i < RUNS; i++) {
      const r = await run(ours.cmd, ours.args);
      if (r.code !== 0 && !(useCli && r.code === 1)) {
        console.error(`ours failed (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
        process.exitCode = 1;
        return;
      }
      ourMs.push(r.ms);
      summary = summarise(r.stdout);
    }
    const ourRate = size / 1e6 / (median(ourMs) / 1000);
    console.log(`ours:  ${ours.name}`);
    console.log(`       ${(median(ourMs) / 1000).toFixed(2)} s median of ${RUNS}, ${ourRate.toFixed(0)} MB/s  (${summary})`);
    console.log(`node -e 0: ${median(baseline).toFixed(0)} ms`);

    const tshark = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find(existsSync);
    if (!tshark) {
      console.log('peer: SKIPPED — tshark is not installed (Debian: apt-get install --no-install-recommends tshark)');
    } else {
      const peerMs = [];
      let conversations = 0;
      for (let i = 0; i < RUNS; i++) {
        const r = await run(tshark, ['-r', file, '-q', '-z', 'conv,tcp']);
        if (r.code !== 0) {
          console.log(`peer: tshark failed (exit ${r.code}): ${r.stderr.slice(0, 300)}`);
          break;
        }
        peerMs.push(r.ms);
        conversations = r.stdout.split('\n').filter((l) => /<->/.test(l)).length;
      }
      if (peerMs.length > 0) {
        const peerRate = size / 1e6 / (median(peerMs) / 1000);
        console.log(`peer:  tshark -r FILE -q -z conv,tcp  ${(median(peerMs) / 1000).toFixed(2)} s median of ${peerMs.length}, ${peerRate.toFixed(0)} MB/s (${conversations} conversations)`);
        console.log(`ratio: ours ${(median(peerMs) / median(ourMs)).toFixed(1)}× the peer's speed`);
      }
    }
    console.log(`${ourRate >= TARGET_MBS ? 'PASS' : 'FAIL'}  ≥ ${TARGET_MBS} MB/s (ours ${ourRate.toFixed(0)} MB/s)`);
    if (ourRate < TARGET_MBS) process.exitCode = 1;
  } finally {
    if (process.env.MXRAY_BENCH_KEEP) console.log(`kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
