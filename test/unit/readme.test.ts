// The README is part of the product: it must name every finding id and every `check` option,
// and keep the two-command Quick start.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { allEntries } from '../../src/kb/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
// `check`'s own options, and the options every report command shares.
const checkSource = ['check.ts', 'options.ts'].map((f) => readFileSync(new URL(`../../src/cli/${f}`, import.meta.url), 'utf8')).join('\n');

it('keeps the Quick start: exactly the two commands', () => {
  const quick = /## Quick start\s+```sh\n([\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n');
  expect(quick).toEqual(['npm install && npm run demo', 'npm test']);
});

it('lists every finding id of the catalogue', () => {
  for (const e of allEntries()) expect(readme, e.id).toContain(`\`${e.id}\``);
});

it('documents every option of `mxray check`', () => {
  const options = [...checkSource.matchAll(/(?:\.option|new Option)\('(?:-\w, )?(--[a-z0-9-]+)/g)].map((m) => m[1]!);
  expect(options).toEqual(expect.arrayContaining(['--json', '--format', '--output', '--no-color', '--verbose', '--timeout', '--helo', '--ca-file']));
  for (const o of options) expect(readme, o).toContain(o);
});
