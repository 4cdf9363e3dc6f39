// Real MTA-STS policy files from other projects (../shared/corpus/mta-sts, or $MXRAY_CORPUS/mta-sts),
// read in place and never copied into the repository: each is read as a sender reads it, and
// whatever is wrong with it is named. The corpus is small and partly invalid on purpose (a
// published template); the project's own cases are in posture-records.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../src/checks/posture/policy.js';
import { skipWithout } from '../../helpers/skip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CORPUS = join(process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus'), 'mta-sts');

function files(ctx: Parameters<typeof skipWithout>[0]): string[] {
  try {
    return readdirSync(CORPUS).filter((f) => f.endsWith('.txt')).sort();
  } catch {
    return skipWithout(ctx, 'corpus', `no MTA-STS corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
  }
}

describe('MTA-STS policies of the corpus', () => {
  it('every file is read without a throw, and a file with problems names each of them', (ctx) => {
    for (const name of files(ctx)) {
      const text = readFileSync(join(CORPUS, name), 'utf8');
      const policy = parsePolicy(text);
      expect(policy.version, name).toBe('STSv1');
      // A valid policy has its three fields; an invalid one says what is missing or wrong.
      if (policy.problems.length === 0) {
        expect(policy.mode, name).not.toBeNull();
        expect(policy.maxAge, name).not.toBeNull();
      } else for (const p of policy.problems) expect(p.length, name).toBeGreaterThan(10);
    }
  });

  it('the published template: its placeholder mode, its commented mx and max_age lines are each named, and "#" is explained', (ctx) => {
    const name = files(ctx).find((f) => f.includes('template'));
    if (!name) return skipWithout(ctx, 'corpus', 'no template policy in the corpus');
    const policy = parsePolicy(readFileSync(join(CORPUS, name), 'utf8'));
    expect(policy.mode).toBeNull();
    expect(policy.maxAge).toBeNull();
    expect(policy.mx).toEqual([]);
    expect(policy.problems.some((p) => p.startsWith('mode "['))).toBe(true);
    expect(policy.problems.some((p) => p.startsWith('max_age "604800'))).toBe(true);
    expect(policy.problems.filter((p) => p.startsWith('mx "'))).toHaveLength(2);
    expect(policy.hints.some((h) => h.includes('starts no comment'))).toBe(true);
  });
});
