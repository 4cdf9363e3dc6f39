#!/usr/bin/env node
// Writes the findings table of docs/FINDINGS.md (between <!-- findings:start --> and
// <!-- findings:end -->) from the catalogue, via the build (dist/kb/): run `npm run build` first.
// `--check` exits 1 when the table is stale (test/unit/readme.test.ts checks the same).
// `--file FILE` works on another file (for tests); `--readme FILE` is the same option's old name.
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

/** The value of --file (or its old name --readme); the default is docs/FINDINGS.md. */
function fileOption(argv) {
  const at = argv.findIndex((a) => a === '--file' || a === '--readme');
  if (at < 0) return join(root, 'docs/FINDINGS.md');
  const value = argv[at + 1];
  if (!value || value.startsWith('--')) {
    process.stderr.write(`${argv[at]} wants a file name\n`);
    process.exit(2);
  }
  return value;
}

const file = fileOption(process.argv.slice(2));
const current = readFileSync(file, 'utf8');
const next = replaceFindingsTable(current, findingsTable(allEntries()));
if (next === null) {
  process.stderr.write(`${file} has no <!-- findings:start --> … <!-- findings:end --> markers\n`);
  process.exit(2);
}
if (process.argv.includes('--check')) {
  if (next !== current) {
    process.stderr.write(`${file}: the findings table is stale: run \`npm run findings\`\n`);
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(file, next);
  process.stdout.write(`wrote the findings table of ${file}\n`);
} else {
  process.stdout.write(`${file}: the findings table is up to date\n`);
}
