#!/usr/bin/env node
// Benchmark: `mxray headers` (issue 22) — reading header blocks and following their Received hops.
//   1. header blocks per second, one core: the header blocks of every message (and every message
//      returned inside a bounce) of the shared corpus (../shared/corpus/headers, read in place;
//      MXRAY_CORPUS overrides; without it the project's fixtures, test/fixtures/headers/), repeated
//      to ~20,000 blocks. Ours: analyseMessage (dist/jobs/headers/run-headers.js) when it is built,
//      else readHeaderBlock + parseReceived of every Received field. Peer, same blocks, same run:
//      mailparser — simpleParser (whole message object) and MailParser's 'headers' event (the
//      parsed header map, the least it offers); the faster is the peer.   (target ≥ 5,000 blocks/s)
//   2. a 100 MB mbox (generated into os.tmpdir() at run time from the blocks of 1 and bodies of
//      random text, deleted after) streamed by a child `node` through streamMessages and the same
//      analysis, keeping one summary row per message: its peak RSS (getrusage, bench/report-rss.mjs),
//      messages/s and MB/s, next to `node -e 0`.                           (target peak RSS < 150 MB)
// Usage: npm run bench  (or: npm run build && node bench/headers.js [--blocks N] [--runs R] [--mb M])
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => pathToFileURL(join(root, 'dist', path)).href;
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

/** Our analysis of one message: analyseMessage when the job is built, else the two parsers it is made of. */
async function loadAnalysis() {
  const { readHeaderBlock, fieldsNamed } = await import(dist('jobs/headers/read-header.js'));
  const { parseReceived } = await import(dist('jobs/headers/received.js'));
  const parsers = {
    name: 'readHeaderBlock + parseReceived of every Received',
    analyse: (text) => {
      const hops = fieldsNamed(readHeaderBlock(text), 'received').map((f) => parseReceived(f.value));
      return { hops: hops.length, first: hops[hops.length - 1]?.by ?? null };
    },
  };
  const job = join(root, 'dist/jobs/headers/run-headers.js');
  if (existsSync(job)) {
    const mod = await import(pathToFileURL(job).href);
    if (typeof mod.analyseMessage === 'function') {
      return {
        parsers,
        name: 'analyseMessage (run-headers.js)',
        analyse: (text, source) => {
          const r = mod.analyseMessage(text, source);
          const m = r?.message ?? r; // { message, findings } (or the message itself)
          return { hops: Array.isArray(m?.hops) ? m.hops.length : 0, first: m?.hops?.[0]?.by ?? null };
        },
      };
    }
  }
  return { ...parsers, parsers: null };
}

// --- The child of 2: stream the mbox, one summary row per message; print what it did as JSON. ---
if (process.argv[2] === '--child') {
  const { streamMessages } = await import(dist('jobs/headers/mbox-stream.js'));
  const { analyse, name } = await loadAnalysis();
  const file = process.argv[3];
  const rows = [];
  const t0 = performance.now();
  for await (const m of streamMessages(createReadStream(file, { highWaterMark: 64 * 1024 }))) {
    const r = analyse(m.text, `mbox#${m.index}`);
    rows.push({ index: m.index, hops: r.hops, first: r.first, cut: m.cut, chars: m.text.length });
  }
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ name, messages: rows.length, hops: rows.reduce((s, r) => s + r.hops, 0), cut: rows.filter((r) => r.cut).length, ms }));
  process.exit(0);
}

const BLOCKS = arg('--blocks', 20_000);
const RUNS = arg('--runs', 3);
const MB = arg('--mb', 100);
const { readHeaderBlock, splitMessages, embeddedMessages } = await import(dist('jobs/headers/read-header.js'));
const { analyse, name: oursName, parsers } = await loadAnalysis();
const { simpleParser, MailParser } = await import('mailparser');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
// A deterministic generator (no Math.random: the same mbox every run).
let seed = 22;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};

/** Offset in `text` where the 1-based `line` starts. */
function offsetOfLine(text, line) {
  let pos = 0;
  for (let n = 1; n < line && pos !== -1; n++) pos = text.indexOf('\n', pos) + 1 || -1;
  return pos === -1 ? text.length : pos;
}

/** The header block of `text`: from its first field to the empty line after the last (included). */
function headerOf(text) {
  const block = readHeaderBlock(text);
  if (block.fields.length === 0) return null;
  const start = offsetOfLine(text, block.fields[0].line);
  const end = block.bodyStart === null ? text.length : offsetOfLine(text, block.bodyStart);
  const h = text.slice(start, end);
  return /\r?\n\r?\n$/.test(h) ? h : h.endsWith('\n') ? `${h}\n` : `${h}\n\n`;
}

// --- Real header blocks, read in place. ---
const corpusDir = join(process.env.MXRAY_CORPUS ?? resolve(root, '../shared/corpus'), 'headers');
const fromCorpus = existsSync(corpusDir);
const dir = fromCorpus ? corpusDir : join(root, 'test/fixtures/headers');
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(join(d, e.name));
    else if (/\.(eml|mbox|txt|msg)$/i.test(e.name)) files.push(join(d, e.name));
  }
};
walk(dir);
const unique = [];
for (const f of files.sort()) {
  for (const message of splitMessages(readFileSync(f, 'utf8')).messages) {
    for (const m of [message, ...embeddedMessages(message)]) {
      const h = headerOf(m);
      if (h !== null) unique.push({ name: f.slice(dir.length + 1), text: h });
    }
  }
}
if (unique.length === 0) {
  console.error(`no header blocks under ${dir}`);
  process.exit(2);
}
const blocks = Array.from({ length: Math.ceil(BLOCKS / unique.length) * unique.length }, (_, i) => unique[i % unique.length]);
const blockBytes = Buffer.from(unique.map((b) => b.text).join('')).length / unique.length;
const withReceived = unique.filter((b) => /^received:/im.test(b.text)).length;
console.log(`mxray bench: headers — ${unique.length} header blocks from ${files.length} files (${fromCorpus ? corpusDir : `${dir}: the shared corpus is absent`}), ${withReceived} with Received fields, ${Math.round(blockBytes)} bytes on average; repeated to ${blocks.length}; ${RUNS} runs each (Node ${process.version}, mailparser ${JSON.parse(readFileSync(join(root, 'node_modules/mailparser/package.json'), 'utf8')).version})\n`);

// --- 1. Blocks per second. ---
const bufs = blocks.map((b) => Buffer.from(b.text, 'utf8'));
const oursWith = (fn) => () => {
  const t0 = performance.now();
  let hops = 0;
  for (const b of blocks) hops += fn(b.text, b.name).hops;
  return { ms: performance.now() - t0, hops };
};
const ours = oursWith(analyse);
const options = { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true };
async function peerSimple() {
  const t0 = performance.now();
  let hops = 0;
  for (const b of bufs) {
    const mail = await simpleParser(b, options);
    const r = mail.headers.get('received');
    hops += Array.isArray(r) ? r.length : r ? 1 : 0;
  }
  return { ms: performance.now() - t0, hops };
}
/** MailParser's header event: resolved when the parsed header map is out, after the parser ends. */
function headersOnly(buf) {
  return new Promise((resolveP, reject) => {
    const parser = new MailParser(options);
    let headers = null;
    parser.on('headers', (h) => (headers = h));
    parser.on('error', reject);
    parser.on('end', () => resolveP(headers));
    parser.resume();
    parser.end(buf);
  });
}
async function peerHeaders() {
  const t0 = performance.now();
  let hops = 0;
  for (const b of bufs) {
    const h = await headersOnly(b);
    const r = h?.get('received');
    hops += Array.isArray(r) ? r.length : r ? 1 : 0;
  }
  return { ms: performance.now() - t0, hops };
}
const timed = async (fn) => {
  await fn(); // warm-up (JIT), not timed
  const rs = [];
  for (let r = 0; r < RUNS; r++) rs.push(await fn());
  return { ms: median(rs.map((r) => r.ms)), hops: rs[0].hops };
};
const mine = await timed(ours);
const parsersOnly = parsers ? await timed(oursWith(parsers.analyse)) : null;
const simple = await timed(peerSimple);
const hdrOnly = await timed(peerHeaders);
const perSec = (ms) => Math.round((blocks.length / ms) * 1000);
const peer = hdrOnly.ms <= simple.ms ? { name: "mailparser MailParser, 'headers' event", ...hdrOnly } : { name: 'mailparser simpleParser', ...simple };

const table = (head, rows) => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
};
table(
  ['1. header blocks, one core', 'blocks/s', 'µs/block', 'Received', 'time ÷ ours'],
  [
    [`ours: ${oursName}`, perSec(mine.ms), ((mine.ms * 1000) / blocks.length).toFixed(1), mine.hops, '1.00×'],
    ...(parsersOnly ? [[`  of which: ${parsers.name}`, perSec(parsersOnly.ms), ((parsersOnly.ms * 1000) / blocks.length).toFixed(1), parsersOnly.hops, `${(parsersOnly.ms / mine.ms).toFixed(2)}×`]] : []),
    ['mailparser simpleParser', perSec(simple.ms), ((simple.ms * 1000) / blocks.length).toFixed(1), simple.hops, `${(simple.ms / mine.ms).toFixed(2)}×`],
    ["mailparser MailParser, 'headers' event", perSec(hdrOnly.ms), ((hdrOnly.ms * 1000) / blocks.length).toFixed(1), hdrOnly.hops, `${(hdrOnly.ms / mine.ms).toFixed(2)}×`],
  ],
);
console.log(`peer: ${peer.name} (the faster of mailparser's two ways); ours is ${(peer.ms / mine.ms).toFixed(2)}× its speed. mailparser parses every field (addresses, dates, encoded-words) but not the Received clauses; ours reads every field, decodes encoded-words where allowed and parses each Received.`);

// --- 2. A 100 MB mbox, streamed by a child. ---
const preload = pathToFileURL(join(root, 'bench/report-rss.mjs')).href;
const tmp = mkdtempSync(join(tmpdir(), 'mxray-bench-headers-'));
let serial = 0;
function run(args) {
  const rssFile = join(tmp, `rss-${++serial}`);
  return new Promise((resolveP, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', preload, ...args], { env: { ...process.env, MXRAY_BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      let rssMiB = null;
      try {
        rssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
      } catch {
        // killed: no figure
      }
      resolveP({ ms, code, rssMiB, stdout, stderr });
    });
  });
}
try {
  const words = ['mail', 'relay', 'the', 'of', 'certificate', 'and', 'queue', 'transport', 'policy', 'report', 'a', 'to', 'Grüße', 'naïve', 'über', 'server', 'hop', 'delivered', 'from', 'is', '—', 'ok'];
  const pool = Array.from({ length: 4096 }, () => {
    let l = '';
    while (l.length < 60 + rnd(16)) l += `${l ? ' ' : ''}${words[rnd(words.length)]}`;
    return l;
  });
  const quote = (text) => text.replace(/^(>*From )/gm, '>$1');
  const file = join(tmp, 'big.mbox');
  const target = MB * 1024 * 1024;
  const fd = openSync(file, 'w');
  let written = 0;
  let generated = 0;
  let buf = [];
  let bufLen = 0;
  const put = (s) => {
    buf.push(s);
    bufLen += s.length;
    if (bufLen > 1 << 20) flush();
  };
  const flush = () => {
    written += writeSync(fd, buf.join(''));
    buf = [];
    bufLen = 0;
  };
  const t0 = performance.now();
  while (written + bufLen < target) {
    const h = unique[rnd(unique.length)];
    put(`From sender${rnd(1000)}@example.org Mon Mar  2 ${String(rnd(24)).padStart(2, '0')}:00:00 2026\n`);
    put(quote(h.text));
    const lines = 20 + rnd(400);
    for (let i = 0; i < lines; i++) put(`${pool[rnd(pool.length)]}\n`);
    put('\n');
    generated++;
  }
  flush();
  closeSync(fd);
  const size = statSync(file).size;
  console.log(`\n2. ${(size / 1024 / 1024).toFixed(1)} MiB mbox of ${generated} messages generated in ${((performance.now() - t0) / 1000).toFixed(1)} s (${file}, deleted after)`);

  const base = [];
  for (let i = 0; i < 5; i++) base.push(await run(['-e', '0']));
  const nodeMs = median(base.map((r) => r.ms));
  const nodeRss = median(base.map((r) => r.rssMiB));
  const child = await run([fileURLToPath(import.meta.url), '--child', file]);
  // The whole command as a user runs it: the report (a row per message, the first 50 in full) written as JSON.
  const outFile = join(tmp, 'report.json');
  const cli = await run([join(root, 'bin/mxray.cjs'), 'headers', file, '--json', '-o', outFile]);
  let cliMessages = null;
  try {
    cliMessages = JSON.parse(readFileSync(outFile, 'utf8')).body.inputs.messages;
  } catch {
    // reported below
  }
  if (cli.code === null || cli.code > 3 || cliMessages === null) {
    console.error(`mxray headers failed (exit ${cli.code}):\n${cli.stderr.slice(0, 2000)}`);
    process.exitCode = 1;
  }
  if (child.code !== 0) {
    console.error(`the child failed (exit ${child.code}):\n${child.stderr}`);
    process.exitCode = 1;
  } else {
    const got = JSON.parse(child.stdout);
    const mbps = size / 1024 / 1024 / (got.ms / 1000);
    table(
      ['2. process', 'wall', 'peak RSS', 'messages/s', 'MiB/s', 'messages', 'Received', 'cut'],
      [
        ['node -e 0', `${nodeMs.toFixed(0)} ms`, `${nodeRss.toFixed(1)} MiB`, '', '', '', '', ''],
        [`streamMessages + ${got.name}`, `${(child.ms / 1000).toFixed(2)} s`, `${child.rssMiB.toFixed(1)} MiB`, Math.round(got.messages / (got.ms / 1000)), mbps.toFixed(1), got.messages, got.hops, got.cut],
        [`mxray headers big.mbox --json -o report.json`, `${(cli.ms / 1000).toFixed(2)} s`, `${cli.rssMiB?.toFixed(1) ?? '?'} MiB`, cliMessages === null ? '' : Math.round(cliMessages / (cli.ms / 1000)), (size / 1024 / 1024 / (cli.ms / 1000)).toFixed(1), cliMessages ?? 'failed', '', ''],
      ],
    );
    console.log(`messages streamed ${got.messages} of ${generated} written: ${got.messages === generated ? 'all' : 'MISMATCH'}; peak RSS ${(child.rssMiB / nodeRss).toFixed(2)}× node -e 0 (${(child.rssMiB - nodeRss).toFixed(1)} MiB above it)`);
    const rssMB = Math.max(child.rssMiB, cli.rssMiB ?? Infinity) * 1.048576;
    const targets = [
      ['header blocks ≥ 5,000/s', `${perSec(mine.ms)}/s`, perSec(mine.ms) >= 5_000],
      [`peak RSS streaming ${MB} MB < 150 MB (the larger of the two processes)`, `${rssMB.toFixed(1)} MB`, rssMB < 150 && got.messages === generated && cliMessages === generated],
    ];
    console.log('');
    for (const [n, v, met] of targets) console.log(`target ${n}: ${v} ${met ? 'PASS' : 'FAIL'}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
