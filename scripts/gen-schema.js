#!/usr/bin/env node
// Writes schema/report.schema.json from the one definition in src/core/schema.ts (via dist/).
// `--check` exits 1 when the committed file is stale (a test runs this too).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { ReportSchema } = await import(join(root, 'dist/core/schema.js'));
const text = `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...ReportSchema }, null, 2)}\n`;
const file = join(root, 'schema/report.schema.json');
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    process.stderr.write('schema/report.schema.json is stale: run `npm run schema`\n');
    process.exit(1);
  }
} else {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote ${file}\n`);
}
