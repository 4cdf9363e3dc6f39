// A result is durable when addResult resolves: a child process (the built store, as the server
// runs it) adds results and says so after each one; the test kills it with SIGKILL the moment it
// reads that, then opens the file itself and finds every result the child said it had stored.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import type { SenderResultRecord, SenderTestStore } from '../../src/core/sender-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

const BUILT = join(process.cwd(), 'dist/store/sqlite.js');
const CHILD = join(process.cwd(), 'test/fixtures/store/add-results.mjs');
const KEY = 'c'.repeat(64);

interface Stored {
  id: number;
  n: number;
}

/**
 * Runs the child until it has said "stored" `killAfter` times, kills it with SIGKILL right then,
 * and resolves with every complete "stored" line it wrote before dying, and how it ended.
 */
function addUntilKilled(file: string, count: number, killAfter: number): Promise<{ stored: Stored[]; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, file, String(count)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let seen = 0;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      seen += chunk.split('\n').filter((line) => line.startsWith('stored ')).length;
      if (seen >= killAfter && child.exitCode === null) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    // 'close': the child is gone and its output read to the end.
    child.on('close', (_code, signal) => {
      // Only whole lines: one cut by the kill says nothing.
      const lines = out.split('\n').slice(0, -1);
      const stored = lines.filter((l) => l.startsWith('stored ')).map((l) => {
        const [, id, n] = l.split(' ');
        return { id: Number(id), n: Number(n) };
      });
      resolve({ stored, signal, stderr });
    });
  });
}

async function allResults(store: SenderTestStore): Promise<SenderResultRecord[]> {
  const all: SenderResultRecord[] = [];
  for (;;) {
    const page = await store.resultsAfter(KEY, all.at(-1)?.id ?? 0, 100);
    if (page.length === 0) return all;
    all.push(...page);
  }
}

function needBuild(ctx: TestContext): void {
  if (!existsSync(BUILT)) {
    console.warn(`SKIPPED: ${BUILT} is missing; run \`npm run build\` first (npm test does)`);
    ctx.skip('dist/store/sqlite.js missing: run npm run build');
  }
}

describe('a result survives kill -9 right after addResult resolved', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mxray-durable-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the one result the killed process had stored', async (ctx) => {
    needBuild(ctx);
    const file = join(dir, 'sender.db');
    const run = await addUntilKilled(file, 1, 1);
    expect(run.stderr).toBe('');
    expect(run.signal).toBe('SIGKILL');
    expect(run.stored).toHaveLength(1);
    // Killed, not closed: the result is in the write-ahead log, not yet in the main file, so
    // opening the file again must replay it.
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    const store = await openSqliteStore(file);
    const results = await allResults(store);
    await store.close();
    expect(results.map((r) => [r.id, r.report])).toEqual([[run.stored[0]?.id, '{"n":0}']]);
  });

  it('keeps every result a process killed in the middle of a loop had said it stored', async (ctx) => {
    needBuild(ctx);
    const file = join(dir, 'sender.db');
    const run = await addUntilKilled(file, 1_000_000, 500);
    expect(run.stderr).toBe('');
    expect(run.signal).toBe('SIGKILL');
    expect(run.stored.length).toBeGreaterThanOrEqual(500);
    expect(run.stored.length).toBeLessThan(1_000_000);
    const store = await openSqliteStore(file);
    const byId = new Map((await allResults(store)).map((r) => [r.id, r.report]));
    await store.close();
    const missing = run.stored.filter(({ id, n }) => byId.get(id) !== JSON.stringify({ n }));
    expect(missing).toEqual([]);
    // The one being added when the kill came may be there too, unannounced; nothing more.
    expect(byId.size - run.stored.length).toBeLessThanOrEqual(1);
  });
});
