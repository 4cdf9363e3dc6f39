#!/usr/bin/env node
// `npm run test:mutation`: runs StrykerJS (stryker.config.mjs), then holds its JSON report to the
// project's bar:
//   - the mutation score of every mutated folder and of all of them together is at least 85 %;
//   - every mutant that survived (or that no test reaches) is listed in test/mutation/equivalents/
//     with the reason it cannot be killed, and every entry there still matches such a mutant.
// Exit 0 when all holds, 1 when not, 2 on a usage error.
//
//   node scripts/mutation.js                   run Stryker (incremental), then check
//   node scripts/mutation.js --report-only     check the last report without running Stryker
//   node scripts/mutation.js --mutate 'src/pki/**/*.ts'   run on some files only (score shown, not enforced)
//   node scripts/mutation.js --since REF [--in src/pki,src/jobs]
//                                              only the lines changed since git REF (the folder's last
//                                              run: the incremental file is local, a fresh clone has none)
//   node scripts/mutation.js --static          also run the static mutants (module-level code; slow)
//   node scripts/mutation.js --merge           check the union of every report under reports/
//                                              (per source file, the newest report that mutated it:
//                                              runs made per folder with MXRAY_MUTATION_TAG)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tag = process.env.MXRAY_MUTATION_TAG ? `-${process.env.MXRAY_MUTATION_TAG}` : '';
const REPORT = join(root, `reports/mutation${tag}/mutation.json`);
const EQUIVALENTS = join(root, 'test/mutation/equivalents');
const GOAL = 85;
/** The folders stryker.config.mjs mutates (it also leaves out src/core/schema.ts). */
const MUTATED = /^src\/(checks|smtp|smtpd|pki|dns|net|tls|jobs|runtime|core|http)\//;

const args = process.argv.slice(2);
const reportOnly = args.includes('--report-only');
const withStatic = args.includes('--static');
const merge = args.includes('--merge');
const mutateAt = args.indexOf('--mutate');
const sinceAt = args.indexOf('--since');
const inAt = args.indexOf('--in');
const partial = mutateAt >= 0 || sinceAt >= 0;
if (mutateAt >= 0 && !args[mutateAt + 1]) {
  console.error('--mutate needs a glob, e.g. --mutate "src/pki/**/*.ts"');
  process.exit(2);
}
if ((sinceAt >= 0 && !args[sinceAt + 1]) || (inAt >= 0 && !args[inAt + 1]) || (mutateAt >= 0 && sinceAt >= 0)) {
  console.error('--since needs a git revision (and --in a comma-separated list of folders); it does not go with --mutate');
  process.exit(2);
}

/** Stryker's mutate patterns for the lines of mutated files changed since a git revision: file:start-end each. */
function changedSince(ref, folders) {
  const diff = spawnSync('git', ['diff', '-U0', '--no-color', ref, 'HEAD', '--', ...folders], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (diff.status !== 0) {
    console.error(`git diff ${ref}: ${diff.stderr.trim().split('\n')[0]}`);
    process.exit(2);
  }
  const patterns = [];
  let file = null;
  for (const line of diff.stdout.split('\n')) {
    const name = /^\+\+\+ b\/(.+)$/.exec(line);
    if (name) file = MUTATED.test(name[1]) && name[1].endsWith('.ts') && name[1] !== 'src/core/schema.ts' ? name[1] : null;
    else if (line.startsWith('+++ ')) file = null;
    const hunk = file && /^@@ [^+]*\+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk && hunk[2] !== '0') {
      const start = Number(hunk[1]);
      patterns.push(`${file}:${start}-${start + Number(hunk[2] ?? 1) - 1}`);
    }
  }
  return patterns;
}

let seconds = null;
if (!reportOnly && !merge) {
  const started = process.hrtime.bigint();
  let mutate = mutateAt >= 0 ? args[mutateAt + 1] : null;
  if (sinceAt >= 0) {
    const patterns = changedSince(args[sinceAt + 1], inAt >= 0 ? args[inAt + 1].split(',') : ['src']);
    if (patterns.length === 0) {
      console.log(`nothing mutated has changed since ${args[sinceAt + 1]}`);
      process.exit(0);
    }
    console.log(`mutating ${patterns.length} changed range(s) since ${args[sinceAt + 1]}`);
    mutate = patterns.join(',');
  }
  const strykerArgs = ['stryker', 'run', ...(mutate ? ['--mutate', mutate] : [])];
  const env = withStatic ? { ...process.env, MXRAY_MUTATION_STATIC: '1' } : process.env;
  const run = spawnSync('npx', strykerArgs, { cwd: root, stdio: 'inherit', env });
  seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) {
    console.error(`stryker exited with ${run.status}`);
    process.exit(1);
  }
}

/** The report to check: the last run's, or (--merge) every source file from the newest report that has it. */
function loadReport() {
  if (!merge) {
    if (!existsSync(REPORT)) {
      console.error(`no mutation report at ${relative(root, REPORT)}: run without --report-only first`);
      process.exit(2);
    }
    return JSON.parse(readFileSync(REPORT, 'utf8'));
  }
  const dirs = readdirSync(join(root, 'reports')).filter((d) => d.startsWith('mutation') && existsSync(join(root, 'reports', d, 'mutation.json')));
  const reports = dirs
    .map((d) => ({ name: d, at: statSync(join(root, 'reports', d, 'mutation.json')).mtimeMs, data: JSON.parse(readFileSync(join(root, 'reports', d, 'mutation.json'), 'utf8')) }))
    .sort((a, b) => b.at - a.at);
  const files = {};
  for (const r of reports) {
    for (const [file, data] of Object.entries(r.data.files)) {
      if (files[file] || !MUTATED.test(file) || file === 'src/core/schema.ts') continue;
      // A file's source must still be what that report mutated, or its results say nothing.
      const current = existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8') : null;
      if (current !== data.source) {
        console.log(`  ${file}: changed since report ${r.name}, skipped there`);
        continue;
      }
      files[file] = data;
      console.log(`  ${file}: from ${r.name} (${new Date(r.at).toISOString().slice(0, 16).replace('T', ' ')})`);
    }
  }
  return { files };
}
const report = loadReport();
// One file per source folder (test/mutation/equivalents/<folder>.json), each an array of
// { file, mutator, original, replacement, reason, count? }: `original` and `replacement` are the
// mutated source text and what Stryker put there (white space collapsed), so entries survive line moves.
const equivalents = readdirSync(EQUIVALENTS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .flatMap((f) => JSON.parse(readFileSync(join(EQUIVALENTS, f), 'utf8')).map((e) => ({ ...e, source: f })));

/** One line of source text with its white space collapsed, for matching mutants across line moves. */
const squash = (text) => text.replace(/\s+/g, ' ').trim();

/** The source text a mutant replaced. */
function originalOf(source, location) {
  const lines = source.split('\n');
  const { start, end } = location;
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  const parts = [lines[start.line - 1].slice(start.column - 1)];
  for (let l = start.line; l < end.line - 1; l++) parts.push(lines[l]);
  parts.push(lines[end.line - 1].slice(0, end.column - 1));
  return parts.join('\n');
}

const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const folderOf = (file) => file.split('/').slice(0, 2).join('/');

const byFolder = new Map();
const undetected = [];
for (const [file, data] of Object.entries(report.files)) {
  const folder = folderOf(file);
  const tally = byFolder.get(folder) ?? { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, errors: 0, equivalent: 0 };
  byFolder.set(folder, tally);
  for (const m of data.mutants) {
    if (m.status === 'Killed') tally.killed++;
    else if (m.status === 'Timeout') tally.timeout++;
    else if (m.status === 'Survived') tally.survived++;
    else if (m.status === 'NoCoverage') tally.noCoverage++;
    else if (m.status === 'Ignored') tally.ignored++;
    else tally.errors++;
    if (UNDETECTED.has(m.status)) {
      undetected.push({ file, folder, mutant: m, original: squash(originalOf(data.source, m.location)), replacement: squash(m.replacement ?? '') });
    }
  }
}

// Match every undetected mutant against the justified equivalents.
const unused = equivalents.map((e, i) => ({ ...e, index: i, left: e.count ?? 1 }));
const unjustified = [];
for (const u of undetected) {
  const entry = unused.find(
    (e) => e.left > 0 && e.file === u.file && e.mutator === u.mutant.mutatorName && squash(e.original) === u.original && squash(e.replacement) === u.replacement,
  );
  if (entry) {
    entry.left--;
    byFolder.get(u.folder).equivalent++;
  } else unjustified.push(u);
}
const stale = unused.filter((e) => e.left > 0);
const missingReason = equivalents.filter((e) => typeof e.reason !== 'string' || e.reason.trim().length < 10);

const pct = (n, d) => (d === 0 ? 100 : (100 * n) / d);
const rows = [];
const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, errors: 0, equivalent: 0 };
for (const [folder, t] of [...byFolder].sort()) {
  for (const k of Object.keys(total)) total[k] += t[k];
  rows.push([folder, t]);
}
rows.push(['all', total]);

const header = ['folder', 'mutants', 'killed', 'timeout', 'survived', 'no cover', 'equivalent', 'not run', 'score', 'score w/o equiv.'];
const table = [header];
let belowGoal = [];
for (const [folder, t] of rows) {
  const detected = t.killed + t.timeout;
  const valid = detected + t.survived + t.noCoverage;
  const score = pct(detected, valid);
  const adjusted = pct(detected, valid - t.equivalent);
  if (score < GOAL) belowGoal.push(`${folder} ${score.toFixed(1)} %`);
  table.push([folder, String(valid + t.ignored + t.errors), String(t.killed), String(t.timeout), String(t.survived), String(t.noCoverage), String(t.equivalent), String(t.ignored + t.errors), `${score.toFixed(1)} %`, `${adjusted.toFixed(1)} %`]);
}
const widths = header.map((_, c) => Math.max(...table.map((r) => r[c].length)));
for (const r of table) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
console.log('\nscore = (killed + timeout) / (killed + timeout + survived + no cover); "not run" are static mutants (see --static) and compile errors.');
if (seconds !== null) console.log(`\nStryker run: ${(seconds / 60).toFixed(1)} min (incremental: mutants and tests unchanged since the last run are not run again)`);

let ok = true;
if (unjustified.length > 0) {
  ok = false;
  console.log(`\n${unjustified.length} mutant(s) survived without a justification in ${relative(root, EQUIVALENTS)}:`);
  for (const u of unjustified.slice(0, 200)) {
    console.log(`  ${u.file}:${u.mutant.location.start.line}  ${u.mutant.status} ${u.mutant.mutatorName}: ${u.original.slice(0, 100)}  →  ${u.replacement.slice(0, 100)}`);
  }
  if (unjustified.length > 200) console.log(`  … and ${unjustified.length - 200} more (see reports/mutation/mutation.html)`);
}
if (!partial && !merge && stale.length > 0) {
  ok = false;
  console.log(`\n${stale.length} entr(ies) in ${relative(root, EQUIVALENTS)} match no surviving mutant any more (remove them):`);
  for (const e of stale) console.log(`  ${e.source}: ${e.file} ${e.mutator}: ${e.original} → ${e.replacement}`);
}
if (missingReason.length > 0) {
  ok = false;
  console.log(`\n${missingReason.length} entr(ies) in ${relative(root, EQUIVALENTS)} give no reason.`);
}
if (!partial && belowGoal.length > 0) {
  ok = false;
  console.log(`\nBelow the ${GOAL} % goal: ${belowGoal.join(', ')}`);
}
console.log(ok ? '\nmutation: OK' : '\nmutation: NOT OK');
process.exit(ok ? 0 : 1);
