#!/usr/bin/env node
// Coverage of src/ from the whole test suite, CLI child processes included: vitest measures what the
// tests run in-process; NODE_V8_COVERAGE makes every `node bin/mxray.cjs` the tests spawn dump raw V8
// coverage of the dist/ bundle, which goes back to src/*.ts through the source maps (converted by
// ast-v8-to-istanbul, as vitest does, so both halves share one statement/branch model). Writes
// coverage/index.html and coverage/coverage-final.json, prints a per-folder table and fails when a
// folder in BRANCH_THRESHOLDS is below its branch coverage. Extra arguments go to `vitest run`.
// It all runs in a copy of the tree (node_modules linked): a build with source maps, and sources
// and dist/ that nobody edits or rebuilds halfway through; the real dist/ is left alone.
// MXRAY_COVERAGE_DEBUG=1 lists the CLI items left unpaired and keeps the work directory.
import convert from 'ast-v8-to-istanbul';
import libCoverage from 'istanbul-lib-coverage';
import libReport from 'istanbul-lib-report';
import reports from 'istanbul-reports';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAstAsync } from 'vitest/node';

// Minimum branch coverage (%) per source folder. Other folders are printed, not enforced.
const BRANCH_THRESHOLDS = {
  'src/checks': 85,
  'src/smtp': 85,
  'src/pki': 85,
  'src/dns': 85,
  'src/net': 85,
  'src/tls': 85,
  'src/jobs': 85,
  'src/runtime': 85,
  'src/smtpd': 85,
  'src/core': 85,
  'src/http': 85,
};

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
// Not copied: .git and the directories git ignores (.stryker-tmp* too, below).
const NOT_COPIED = ['node_modules', '.git', 'dist', 'coverage', '.tmp', 'reports'];
const work = mkdtempSync(join(tmpdir(), 'mxray-coverage-'));
const root = join(work, 'tree'); // the copy everything runs in
const srcDir = join(root, 'src') + sep;
const distUrl = pathToFileURL(join(root, 'dist')).href + '/';
const rawDir = join(work, 'v8');
const vitestDir = join(work, 'vitest');
const debug = process.env.MXRAY_COVERAGE_DEBUG === '1';

/** Runs `node ...args` in the project root with inherited stdio; resolves to the exit code. */
function node(args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function mustRun(args, env) {
  const code = await node(args, env);
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
}

/** Copies the working tree (as it is now, uncommitted changes included) to `root`. */
function copyTree() {
  cpSync(repo, root, {
    recursive: true,
    filter: (path) => {
      const top = relative(repo, path).split(sep)[0];
      return !NOT_COPIED.includes(top) && !top.startsWith('.stryker-tmp');
    },
  });
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
}

/** The build, with source maps that lead from dist/ (bundle included) back to src/*.ts. */
async function buildWithMaps() {
  await mustRun([join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--sourceMap']);
  await mustRun(['scripts/bundle.js'], { ...process.env, MXRAY_SOURCEMAP: '1' });
}

/**
 * The count V8 gives each character of one process's script: the count of the innermost range
 * around it (the same reading as ast-v8-to-istanbul's normalize(), larger ranges filled first).
 */
function hitsOf(functions, length) {
  const ranges = functions.flatMap((f) => f.ranges);
  ranges.sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset) || a.endOffset - b.endOffset);
  const hits = new Uint32Array(length);
  for (const r of ranges) hits.fill(r.count, r.startOffset, r.endOffset);
  return hits;
}

/** Summed per-character counts back to flat V8 ranges (one pseudo-function covering the script). */
function toRanges(hits) {
  const ranges = [];
  let start = 0;
  for (let i = 1; i <= hits.length; i++) {
    if (i === hits.length || hits[i] !== hits[start]) {
      ranges.push({ startOffset: start, endOffset: i, count: hits[start] });
      start = i;
    }
  }
  return [{ functionName: '', isBlockCoverage: true, ranges }];
}

const lineLengths = (code) => code.split('\n').map((line) => line.length);
const withoutMapComment = (code) => code.replace(/\/\/# sourceMappingURL=[^\n]*\n?$/, '');
// esbuild names chunks by content hash (chunk-5CFFB4II.js): a build with source maps has other names.
const stem = (path) => path.replace(/-[A-Z0-9]{8}\.js$/, '.js');

/**
 * The dist/ file of the final build (with source maps) that a process ran as `url`, or null.
 * A test rebuilds dist/ halfway (hostile-cli.test.ts; its tsc step writes no maps, so the bundle's
 * maps and chunk names differ) from the same sources: same code, save the trailing sourceMappingURL
 * comment and the hashes in chunk names, which keep their length. So: same name up to the hash, same
 * length with or without the comment, and, where node recorded the map it ran with (NODE_V8_COVERAGE
 * keeps them), the same line lengths and original sources. Anything else is not counted.
 */
function currentFile(url, length, cached, files) {
  const path = fileURLToPath(url);
  const dir = dirname(path);
  if (!existsSync(dir)) return null;
  // Several chunks share a stem (chunk-….js): the one that ran has the same length (save the map comment).
  const load = (file) => {
    if (files.has(file)) return files.get(file);
    const code = readFileSync(file, 'utf8');
    const map = existsSync(`${file}.map`) ? JSON.parse(readFileSync(`${file}.map`, 'utf8')) : null;
    return { file, code, map, hits: new Uint32Array(code.length) };
  };
  const fits = (f) => length === f.code.length || length === withoutMapComment(f.code).length;
  const candidates = readdirSync(dir)
    .filter((name) => /\.c?js$/.test(name) && stem(name) === stem(basename(path)))
    .map((name) => load(join(dir, name)))
    .filter(fits);
  if (candidates.length !== 1) return null;
  if (!files.has(candidates[0].file)) files.set(candidates[0].file, candidates[0]);
  const current = candidates[0];
  if (cached?.lineLengths && cached.lineLengths.join() !== lineLengths(current.code).join()) return null;
  const ran = cached?.data;
  if (ran?.sourcesContent && current.map && ran.sources.join() === current.map.sources.join() &&
      ran.sourcesContent.some((text, i) => text !== current.map.sourcesContent?.[i])) return null;
  return current;
}

/**
 * Sums the raw V8 coverage of every dist/ script over all processes that ran it. Entries for other
 * URLs are dropped: the vitest workers' src/*.ts entries are vite-transformed code (vitest's own
 * report covers them), the rest is node_modules, tsc and esbuild.
 */
function collectDist() {
  const files = new Map(); // path in the current build -> { file, code, map, hits }
  let skipped = 0;
  for (const name of existsSync(rawDir) ? readdirSync(rawDir) : []) {
    const raw = JSON.parse(readFileSync(join(rawDir, name), 'utf8'));
    for (const entry of raw.result) {
      if (!entry.url.startsWith(distUrl)) continue;
      // The module's own range spans the whole script it ran.
      const length = Math.max(...entry.functions.flatMap((f) => f.ranges.map((r) => r.endOffset)));
      const current = currentFile(entry.url, length, raw['source-map-cache']?.[entry.url], files);
      if (current === null) {
        skipped++;
        continue;
      }
      const hits = hitsOf(entry.functions, length);
      for (let i = 0; i < hits.length; i++) current.hits[i] += hits[i];
    }
  }
  if (skipped > 0) console.warn(`coverage: ${skipped} raw dist/ entries ran code other than the current build, not counted`);
  return [...files.values()];
}

/**
 * Istanbul coverage of src/*.ts from the summed dist/ script counts, through the source maps: one
 * map per script (a source in two scripts, the bundle and dist/core/version.js, is paired twice).
 */
async function convertDist(files) {
  const maps = [];
  for (const { file, code, map: sourceMap, hits } of files) {
    if (sourceMap === null) {
      console.warn(`coverage: no source map for ${relative(root, file)}, its runs are not counted`);
      continue;
    }
    const data = await convert({
      code,
      ast: parseAstAsync(code),
      sourceMap,
      coverage: { url: pathToFileURL(file).href, functions: toRanges(hits) },
      wrapperLength: 0,
    });
    const map = libCoverage.createCoverageMap({});
    for (const [path, fc] of Object.entries(data)) if (path.startsWith(srcDir)) map.addFileCoverage(fc);
    maps.push(map);
  }
  return maps;
}

// How to pair an item of the CLI's coverage with vitest's: an exact key (start positions), and the
// group (kind and line) in which items left over are paired in column order.
const at = (loc) => `${loc.start.line}:${loc.start.column}`;
const KINDS = [
  { map: 'statementMap', hits: 's', exact: at, group: (l) => `${l.start.line}`, column: (l) => l.start.column },
  {
    map: 'fnMap', hits: 'f', exact: (fn) => `${at(fn.decl)} ${at(fn.loc)}`,
    group: (fn) => `${fn.decl.start.line}`, column: (fn) => fn.decl.start.column,
  },
  {
    map: 'branchMap', hits: 'b', exact: (b) => `${b.type} ${b.locations.map(at).join(' ')}`,
    group: (b) => `${b.type} ${b.locations.length} ${b.loc.start.line}`, column: (b) => b.loc.start.column,
  },
];

/**
 * Pairs the items of one kind in `from` (the CLI's coverage of a file) with those in `to` (vitest's):
 * [[fromId, toId]] and the items left unpaired. The two come from different compilers (tsc then
 * esbuild, vite), whose source maps do not place every start alike: tsc maps a function's body
 * `{` or the `if` of an `else if` to a neighbouring token. Same start: the same node. Otherwise the
 * rest of a line pair up in column order when both sides have as many of that kind there.
 */
function pair(from, to, kind) {
  const pairs = [];
  const free = new Map(); // exact key -> ids in `to` not paired yet
  for (const [id, item] of Object.entries(to[kind.map])) {
    const key = kind.exact(item);
    if (!free.has(key)) free.set(key, []);
    free.get(key).push(id);
  }
  const groups = new Map();
  const add = (side, id, item) => {
    const key = kind.group(item);
    if (!groups.has(key)) groups.set(key, { from: [], to: [] });
    groups.get(key)[side].push([id, item]);
  };
  for (const [id, item] of Object.entries(from[kind.map])) {
    const same = free.get(kind.exact(item));
    if (same?.length) pairs.push([id, same.shift()]);
    else add('from', id, item);
  }
  for (const ids of free.values()) for (const id of ids) add('to', id, to[kind.map][id]);
  const unpaired = [];
  const byColumn = (a, b) => kind.column(a[1]) - kind.column(b[1]);
  for (const group of groups.values()) {
    if (group.from.length !== group.to.length) {
      unpaired.push(...group.from.map(([, item]) => item));
      continue;
    }
    group.from.sort(byColumn);
    group.to.sort(byColumn);
    group.from.forEach(([id], i) => pairs.push([id, group.to[i][0]]));
  }
  return { pairs, unpaired };
}

/**
 * Adds the CLI's hits to vitest's coverage, item by paired item. vitest's statement, function and
 * branch maps stay as they are (exact locations, nothing added twice); a CLI item with no partner
 * (esbuild turns `class A` into `var A = class`, a statement of its own) is left out and counted.
 */
function addHits(target, extra) {
  let unpaired = 0;
  let total = 0;
  for (const file of extra.files()) {
    const from = extra.fileCoverageFor(file).data;
    if (!target.data[file]) {
      target.addFileCoverage(from);
      continue;
    }
    const to = target.fileCoverageFor(file).data;
    for (const kind of KINDS) {
      const result = pair(from, to, kind);
      total += Object.keys(from[kind.map]).length;
      unpaired += result.unpaired.length;
      if (debug) {
        for (const item of result.unpaired) {
          const loc = item.loc ?? item;
          console.log(`unpaired ${kind.hits} ${relative(root, file)}:${loc.start.line}:${loc.start.column} ${item.type ?? ''}`);
        }
      }
      for (const [fromId, toId] of result.pairs) {
        if (kind.hits === 'b') from.b[fromId].forEach((count, arm) => (to.b[toId][arm] += count));
        else to[kind.hits][toId] += from[kind.hits][fromId];
      }
    }
  }
  return { unpaired, total };
}

const pct = (t) => (t.total === 0 ? 100 : (100 * t.covered) / t.total);

/** Per-folder summaries and the table; returns the enforced folders below their threshold. */
function report(map) {
  const folders = new Map();
  for (const file of map.files()) {
    const folder = relative(root, dirname(file)).split(sep).join('/');
    if (!folders.has(folder)) folders.set(folder, libCoverage.createCoverageSummary());
    folders.get(folder).merge(map.fileCoverageFor(file).toSummary());
  }
  const total = libCoverage.createCoverageSummary();
  for (const summary of folders.values()) total.merge(summary);
  const metrics = ['statements', 'branches', 'functions', 'lines'];
  const rows = [...folders].sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(...rows.map(([f]) => f.length), 'folder'.length, 'all'.length);
  const cell = (t) => `${pct(t).toFixed(2).padStart(6)}%`.padStart(11);
  console.log(`\n${'folder'.padEnd(width)}${metrics.map((m) => m.padStart(11)).join('')}   branch check`);
  for (const [folder, s] of [...rows, ['all', total]]) console.log(`${folder.padEnd(width)}${metrics.map((m) => cell(s[m])).join('')}`);
  // Each threshold holds for a folder with everything below it (src/checks with src/checks/tls/ …).
  const failed = [];
  console.log('\nbranch coverage per layer (a folder with its subfolders)');
  for (const [layer, min] of Object.entries(BRANCH_THRESHOLDS)) {
    const s = libCoverage.createCoverageSummary();
    let files = 0;
    for (const [folder, summary] of folders) {
      if (folder === layer || folder.startsWith(`${layer}/`)) {
        s.merge(summary);
        files++;
      }
    }
    const ok = files > 0 && pct(s.branches) >= min;
    if (!ok) failed.push(layer);
    console.log(`${layer.padEnd(width)}${cell(s.branches)}   ${ok ? 'ok' : 'FAIL'} (>= ${min}%, ${s.branches.covered}/${s.branches.total})`);
  }
  return failed;
}

let exitCode = 0;
try {
  copyTree();
  await buildWithMaps();
  // MXRAY_SOURCEMAP reaches scripts/bundle.js when a test rebuilds dist/ (hostile-cli.test.ts).
  const vitest = await node(
    [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--coverage.enabled', '--coverage.provider=v8',
      '--coverage.include=src/**', '--coverage.reporter=json', `--coverage.reportsDirectory=${vitestDir}`,
      '--coverage.reportOnFailure', ...process.argv.slice(2)],
    { ...process.env, NODE_V8_COVERAGE: rawDir, MXRAY_SOURCEMAP: '1' },
  );
  if (vitest !== 0) {
    console.error(`coverage: vitest exited with ${vitest}; the numbers below come from a failing run`);
    exitCode = 1;
  }
  // A test's rebuild runs tsc without --sourceMap: rebuild so the bundle's maps reach src/ again.
  await buildWithMaps();
  const map = libCoverage.createCoverageMap(
    JSON.parse(readFileSync(join(vitestDir, 'coverage-final.json'), 'utf8')),
  );
  let unpaired = 0;
  let total = 0;
  for (const cli of await convertDist(collectDist())) {
    const added = addHits(map, cli);
    unpaired += added.unpaired;
    total += added.total;
  }
  console.log(`coverage: ${total - unpaired} of ${total} statements, functions and branches of the CLI run paired with vitest's, ${unpaired} left out`);

  // The html report reads the sources it shows from the copy; the json names the files in the tree.
  const outDir = join(repo, 'coverage');
  rmSync(outDir, { recursive: true, force: true });
  const context = libReport.createContext({ dir: outDir, coverageMap: map, defaultSummarizer: 'nested' });
  reports.create('html').execute(context);
  const inTree = {};
  for (const file of map.files()) {
    const path = join(repo, relative(root, file));
    inTree[path] = { ...map.fileCoverageFor(file).toJSON(), path };
  }
  writeFileSync(join(outDir, 'coverage-final.json'), JSON.stringify(inTree));

  const failed = report(map);
  console.log('\nReport: coverage/index.html, coverage/coverage-final.json');
  if (failed.length > 0) {
    console.error(`coverage: branch coverage below threshold in ${failed.join(', ')}`);
    exitCode = 1;
  }
} catch (err) {
  console.error(`coverage: ${err.stack ?? err}`);
  exitCode = 1;
} finally {
  if (debug) console.log(`coverage: work directory kept: ${work}`);
  else {
    if (existsSync(join(root, 'node_modules'))) unlinkSync(join(root, 'node_modules'));
    rmSync(work, { recursive: true, force: true });
  }
}
process.exit(exitCode);
