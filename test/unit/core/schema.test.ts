import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import pkg from '../../../package.json' with { type: 'json' };
import { VERSION } from '../../../src/core/version.js';

it('the committed JSON Schema is generated from the current definitions (npm run schema)', () => {
  // Exits non-zero with a message when schema/report.schema.json is stale.
  expect(() => execFileSync(process.execPath, ['scripts/gen-schema.js', '--check'], { stdio: 'pipe' })).not.toThrow();
  type Obj = { required: string[]; additionalProperties: boolean; properties: Record<string, { const?: string }> };
  const schema = JSON.parse(readFileSync('schema/report.schema.json', 'utf8')) as Obj & { anyOf?: Obj[] };
  // One envelope per kind (a single kind is the envelope itself).
  const kinds = schema.anyOf ?? [schema];
  expect(kinds.map((k) => k.properties.kind?.const)).toContain('receiver');
  for (const k of kinds) {
    expect(k.additionalProperties).toBe(false);
    for (const field of ['schemaVersion', 'tool', 'kind', 'target', 'startedAt', 'durationMs', 'verdict', 'judgedWith', 'findings', 'transcript', 'body']) {
      expect(k.required).toContain(field);
    }
  }
});

it('the version in the code is the package version', () => {
  expect(VERSION).toBe(pkg.version);
});
