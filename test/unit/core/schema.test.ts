import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import pkg from '../../../package.json' with { type: 'json' };
import { VERSION } from '../../../src/core/version.js';

it('the committed JSON Schema is generated from the current definitions (npm run schema)', () => {
  // Exits non-zero with a message when schema/report.schema.json is stale.
  expect(() => execFileSync(process.execPath, ['scripts/gen-schema.js', '--check'], { stdio: 'pipe' })).not.toThrow();
  const schema = JSON.parse(readFileSync('schema/report.schema.json', 'utf8')) as { required: string[]; additionalProperties: boolean };
  expect(schema.additionalProperties).toBe(false);
  for (const field of ['schemaVersion', 'tool', 'kind', 'target', 'startedAt', 'durationMs', 'hosts', 'findings', 'transcript']) {
    expect(schema.required).toContain(field);
  }
});

it('the version in the code is the package version', () => {
  expect(VERSION).toBe(pkg.version);
});
