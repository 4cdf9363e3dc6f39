#!/usr/bin/env node
// Lint step (npm run lint): every pattern that reads hostile text — the error-text rules of
// kb/error-rules/ and the engine's own (kb/explain-text.ts, kb/find-statuses.ts) — checked for
// catastrophic backtracking with redos-detector (Node 20 has no linear-time regex engine). The
// sources are compiled in memory with esbuild, so the check sees src/, never a stale dist/.
// Exit 1 naming each unsafe pattern and the backtracking it allows; 0 when all are safe.
import { build } from 'esbuild';
import { patternProblems } from './pattern-safety.js';
import { Buffer } from 'node:buffer';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = `
export { ERROR_RULES } from './src/kb/error-rules.ts';
export { ENGINE_PATTERNS } from './src/kb/explain-text.ts';
export { STATUS_PATTERNS } from './src/kb/find-statuses.ts';
`;
const out = await build({ stdin: { contents: entry, resolveDir: root, loader: 'ts' }, bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'silent' });
const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);

const patterns = [
  ...mod.ERROR_RULES.flatMap((r) => r.patterns.map((p, i) => ({ where: `${r.id} pattern ${i + 1}`, re: p }))),
  ...Object.entries(mod.ENGINE_PATTERNS).map(([name, re]) => ({ where: `kb/explain-text.ts ${name}`, re })),
  ...Object.entries(mod.STATUS_PATTERNS).map(([name, re]) => ({ where: `kb/find-statuses.ts ${name}`, re })),
];
let unsafe = 0;
for (const { where, re } of patterns) {
  const problems = patternProblems(re);
  if (problems.length) {
    unsafe++;
    console.error(`unsafe pattern (${where}): /${re.source}/${re.flags}\n  ${problems.join('\n  ')}`);
  }
}
if (unsafe) {
  console.error(`\n${unsafe} of ${patterns.length} patterns can backtrack catastrophically: bound the repeats ({0,N}), drop nested quantifiers and overlapping alternatives under a repeat`);
  process.exit(1);
}
console.log(`check-patterns: ${patterns.length} patterns, none can backtrack catastrophically (redos-detector)`);
