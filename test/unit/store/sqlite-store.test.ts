// The SQLite store's own cases: a store in memory, and the file cases (reopening, read-only,
// refusing what is not a store or is from a newer mxray) in a temp folder of the test's own. The
// ports' contracts run against SQLite and PostgreSQL alike: sender-store.test.ts, report-store.test.ts.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import type { SenderTestRecord } from '../../../src/core/sender-store.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

function test(key: string, createdAt: string, expiresAt: string): SenderTestRecord {
  return { key, address: `test-${key.slice(0, 8)}@mx.example`, createdAt, expiresAt };
}

const A = test(KEY_A, '2026-11-30T10:00:00.000Z', '2026-11-30T11:00:00.000Z');
const B = test(KEY_B, '2026-11-30T10:30:00.000Z', '2026-11-30T11:30:00.000Z');

/** The error a promise rejects with (or null when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (err: unknown) => err,
  );
}

/** A one-line UsageError naming the file. */
function expectUsage(err: unknown, file: string): void {
  expect(err).toBeInstanceOf(UsageError);
  const message = (err as UsageError).message;
  expect(message).not.toContain('\n');
  expect(message).toContain(file);
}

describe('the store in memory', () => {
  it('says what it is, and keeps what it is given while open', async () => {
    const store = await openSqliteStore(':memory:');
    expect(store.description).toBe('sqlite :memory:');
    await store.createTest(A);
    expect(await store.findTest(KEY_A)).toEqual(A);
    await store.close();
  });
});

describe('the store in a file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mxray-store-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps its data when opened again, in WAL mode', async () => {
    const file = join(dir, 'sender.db');
    const first = await openSqliteStore(file);
    expect(first.description).toBe(`sqlite ${file}`);
    await first.createTest(A);
    const result = await first.addResult(KEY_A, A.createdAt, '{"kept":true}');
    await first.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const second = await openSqliteStore(file);
    expect(await second.findTest(KEY_A)).toEqual(A);
    expect(await second.results(KEY_A)).toEqual([result]);
    await second.close();
  });

  it('opens a store read-only: reads it, writes nothing', async () => {
    const file = join(dir, 'sender.db');
    const writer = await openSqliteStore(file);
    await writer.createTest(A);
    await writer.close();
    const reader = await openSqliteStore(file, { readonly: true });
    expect(reader.description).toBe(`sqlite ${file} (read-only)`);
    expect(await reader.findTest(KEY_A)).toEqual(A);
    expect(await rejection(reader.createTest(B))).toBeInstanceOf(Error);
    await reader.close();
    const again = await openSqliteStore(file);
    expect(await again.findTest(KEY_B)).toBeNull();
    await again.close();
  });

  it('refuses read-only a file that does not exist, and creates none', async () => {
    const file = join(dir, 'missing.db');
    expectUsage(await rejection(openSqliteStore(file, { readonly: true })), file);
    expect(() => readFileSync(file)).toThrow();
  });

  it('refuses, in one line, a path whose folder is missing', async () => {
    const file = join(dir, 'no-such-folder', 'sender.db');
    expectUsage(await rejection(openSqliteStore(file)), file);
  });

  it('refuses an SQLite file of something else, and leaves it as it was', async () => {
    const file = join(dir, 'other.db');
    const other = new Database(file);
    other.exec("create table notes (body text); insert into notes values ('mine')");
    other.close();
    const before = readFileSync(file);
    for (const readonly of [false, true]) expectUsage(await rejection(openSqliteStore(file, { readonly })), file);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a file that is not SQLite at all, and leaves it as it was', async () => {
    for (const [name, bytes] of [
      ['random.bin', randomBytes(8192)],
      ['text.txt', Buffer.from('hello, this is not a database\n'.repeat(10))],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      for (const readonly of [false, true]) expectUsage(await rejection(openSqliteStore(file, { readonly })), file);
      expect(readFileSync(file).equals(bytes)).toBe(true);
    }
  });

  it('refuses a store written by a newer mxray', async () => {
    const file = join(dir, 'sender.db');
    const store = await openSqliteStore(file);
    await store.createTest(A);
    await store.close();
    const raw = new Database(file);
    raw.prepare('insert into mxray_migration (name, timestamp) values (?, ?)').run('0002_from_the_future', '2027-01-01T00:00:00.000Z');
    raw.close();
    for (const readonly of [false, true]) expectUsage(await rejection(openSqliteStore(file, { readonly })), file);
  });

  it('refuses read-only an empty file (nothing to read), and makes a store of it otherwise', async () => {
    const file = join(dir, 'empty.db');
    writeFileSync(file, '');
    expectUsage(await rejection(openSqliteStore(file, { readonly: true })), file);
    const store = await openSqliteStore(file);
    await store.createTest(A);
    expect(await store.findTest(KEY_A)).toEqual(A);
    await store.close();
  });

  it('quotes a path with a newline, so the message stays one line', async () => {
    const file = join(dir, 'no\nsuch', 'sender.db');
    const err = await rejection(openSqliteStore(file));
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toContain(JSON.stringify(file));
    expect((err as UsageError).message).not.toContain('\n');
  });
});
