#!/usr/bin/env node
// Writes the findings table of README.md (between <!-- findings:start --> and
// <!-- findings:end -->) from the catalogue, via the build (dist/kb/): run `npm run build` first.
// `--check` exits 1 when the README's table is stale (test/unit/readme.test.ts checks the same).
// `--readme FILE` works on another file (for tests).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = (file) => join(root, 'dist/kb', file);
if (!existsSync(built('index.js')) || !existsSync(built('findings-table.js'))) {
  process.stderr.write('dist/kb/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const { allEntries } = await import(pathToFileURL(built('index.js')).href);
const { findingsTable, replaceFindingsTable } = await import(pathToFileURL(built('findings-table.js')).href);

const at = process.argv.indexOf('--readme');
const file = at > 0 && process.argv[at + 1] ? process.argv[at + 1] : join(root, 'README.md');
const current = readFileSync(file, 'utf8');
const next = replaceFindingsTable(current, findingsTable(allEntries()));
if (next === null) {
  process.stderr.write(`${file} has no <!-- findings:start --> … <!-- findings:end --> markers\n`);
  process.exit(2);
}
if (process.argv.includes('--check')) {
  if (next !== current) {
    process.stderr.write(`${file}: the findings table is stale: run \`npm run build && node scripts/findings-table.js\`\n`);
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(file, next);
  process.stdout.write(`wrote the findings table of ${file}\n`);
} else {
  process.stdout.write(`${file}: the findings table is up to date\n`);
}
