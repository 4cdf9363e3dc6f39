// The SenderTestStore port (src/core/sender-store.ts) against both stores — SQLite in a file and
// PostgreSQL (a server of this file's own, a database per test) — with the same expectations.
// The SQLite file's own cases (reopening, read-only, refusing what is not a store) are in
// sqlite-store.test.ts, PostgreSQL's in postgres-store.test.ts.
import { describe, expect, it } from 'vitest';
import { MxrayError } from '../../../src/core/errors.js';
import type { SenderTestRecord } from '../../../src/core/sender-store.js';
import { MAX_REPORT_BYTES } from '../../../src/store/kysely-store.js';
import { useFlavours } from './flavours.js';

const FLAVOURS = useFlavours();

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

function expectCode(err: unknown, code: string, detail: string): void {
  expect(err).toBeInstanceOf(MxrayError);
  expect([(err as MxrayError).code, (err as MxrayError).detail]).toEqual([code, detail]);
}

describe.each(FLAVOURS)('the $name sender-test store', (flavour) => {
  it('says what it is', async (ctx) => {
    const store = await flavour.open(ctx);
    expect(store.description).toBe(flavour.description());
  });

  it('finds a test it created, and nothing for a key it never saw', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest(A);
    expect(await store.findTest(KEY_A)).toEqual(A);
    expect(await store.findTest(KEY_B)).toBeNull();
  });

  it('keeps moments in the one ISO form, whatever form they came in', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest(test(KEY_A, '2026-11-30T10:00Z', '2026-11-30T12:00:00+01:00'));
    expect(await store.findTest(KEY_A)).toEqual(test(KEY_A, '2026-11-30T10:00:00.000Z', '2026-11-30T11:00:00.000Z'));
  });

  it('refuses a key that is not 64 lower-case hex digits, a moment that is not ISO 8601, an address too long', async (ctx) => {
    const store = await flavour.open(ctx);
    expectCode(await rejection(store.createTest(test('A'.repeat(64), A.createdAt, A.expiresAt))), 'invalid-input', 'bad-key');
    expectCode(await rejection(store.createTest(test('a'.repeat(63), A.createdAt, A.expiresAt))), 'invalid-input', 'bad-key');
    expectCode(await rejection(store.createTest(test(KEY_A, 'Mon, 30 Nov 2026 10:00:00 GMT', A.expiresAt))), 'invalid-input', 'bad-moment');
    expectCode(await rejection(store.createTest(test(KEY_A, A.createdAt, '+010000-01-01T00:00:00.000Z'))), 'invalid-input', 'bad-moment');
    expectCode(await rejection(store.createTest(test(KEY_A, A.createdAt, '2026-13-01T00:00:00.000Z'))), 'invalid-input', 'bad-moment');
    expectCode(await rejection(store.createTest({ ...A, address: `test-x@${'h'.repeat(1020)}` })), 'invalid-input', 'address-too-long');
    expect(await store.countCreatedSince('2000-01-01T00:00:00.000Z')).toBe(0);
  });

  it('refuses a key that exists already and keeps the first test', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest(A);
    expectCode(await rejection(store.createTest({ ...A, address: 'test-other@mx.example' })), 'internal-error', 'duplicate-key');
    expect(await store.findTest(KEY_A)).toEqual(A);
  });

  it('adds results with increasing ids and gives them back as stored', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest(A);
    const first = await store.addResult(KEY_A, '2026-11-30T10:05:00Z', '{"n":1}');
    const second = await store.addResult(KEY_A, '2026-11-30T10:06:00.000Z', '{"n":2}');
    expect(first).toEqual({ id: first.id, key: KEY_A, receivedAt: '2026-11-30T10:05:00.000Z', report: '{"n":1}' });
    expect(second.id).toBeGreaterThan(first.id);
    expect(await store.results(KEY_A)).toEqual([second, first]);
  });

  it('refuses a result for a test it does not hold', async (ctx) => {
    const store = await flavour.open(ctx);
    expectCode(await rejection(store.addResult(KEY_A, '2026-11-30T10:05:00.000Z', '{}')), 'invalid-input', 'unknown-test');
    expect(await store.results(KEY_A)).toEqual([]);
  });

  it('keeps a report of 8 MiB and refuses one byte more, counted in UTF-8 bytes', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest(A);
    const exact = 'é'.repeat(MAX_REPORT_BYTES / 2);
    const stored = await store.addResult(KEY_A, A.createdAt, exact);
    expect((await store.results(KEY_A, 1))[0]?.report.length).toBe(MAX_REPORT_BYTES / 2);
    // Fewer characters than the limit, more bytes.
    expectCode(await rejection(store.addResult(KEY_A, A.createdAt, `${exact}é`)), 'invalid-input', 'report-too-large');
    expectCode(await rejection(store.addResult(KEY_A, A.createdAt, 'x'.repeat(MAX_REPORT_BYTES + 1))), 'invalid-input', 'report-too-large');
    expect((await store.results(KEY_A)).map((r) => r.id)).toEqual([stored.id]);
  });

  it('gives a test its own results, newest first, 20 unless told, never more than 100', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest(A);
    await store.createTest(B);
    const ids: number[] = [];
    for (let i = 0; i < 105; i++) {
      ids.push((await store.addResult(KEY_A, A.createdAt, `{"i":${i}}`)).id);
      if (i % 10 === 0) await store.addResult(KEY_B, B.createdAt, '{"other":true}');
    }
    const newestFirst = [...ids].reverse();
    expect((await store.results(KEY_A)).map((r) => r.id)).toEqual(newestFirst.slice(0, 20));
    expect((await store.results(KEY_A, 3)).map((r) => r.report)).toEqual(['{"i":104}', '{"i":103}', '{"i":102}']);
    expect((await store.results(KEY_A, 1000)).map((r) => r.id)).toEqual(newestFirst.slice(0, 100));
    expect(await store.results(KEY_A, 0)).toEqual([]);
    expect((await store.results(KEY_B, 1000)).map((r) => r.key)).toEqual(Array<string>(11).fill(KEY_B));
  });

  it('gives the results after an id, oldest first, of that test only', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest(A);
    await store.createTest(B);
    const a1 = await store.addResult(KEY_A, A.createdAt, '1');
    const b1 = await store.addResult(KEY_B, B.createdAt, 'b');
    const a2 = await store.addResult(KEY_A, A.createdAt, '2');
    const a3 = await store.addResult(KEY_A, A.createdAt, '3');
    expect(await store.resultsAfter(KEY_A, 0)).toEqual([a1, a2, a3]);
    expect(await store.resultsAfter(KEY_A, a1.id)).toEqual([a2, a3]);
    expect(await store.resultsAfter(KEY_A, a1.id, 1)).toEqual([a2]);
    expect(await store.resultsAfter(KEY_A, a3.id)).toEqual([]);
    expect(await store.resultsAfter(KEY_B, 0)).toEqual([b1]);
    expectCode(await rejection(store.resultsAfter(KEY_A, 1.5)), 'invalid-input', 'bad-id');
  });

  it('counts the tests created at or after a moment', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest(test('1'.repeat(64), '2026-11-30T09:59:59.999Z', A.expiresAt));
    await store.createTest(test('2'.repeat(64), '2026-11-30T10:00:00.000Z', A.expiresAt));
    await store.createTest(test('3'.repeat(64), '2026-11-30T10:00:00.001Z', A.expiresAt));
    expect(await store.countCreatedSince('2026-11-30T10:00:00.000Z')).toBe(2);
    // The same moment written otherwise counts the same.
    expect(await store.countCreatedSince('2026-11-30T10:00:00Z')).toBe(2);
    expect(await store.countCreatedSince('2026-11-30T11:00:00+01:00')).toBe(2);
    expect(await store.countCreatedSince('2026-11-30T09:59:59.999Z')).toBe(3);
    expect(await store.countCreatedSince('2026-11-30T10:00:00.002Z')).toBe(0);
    expectCode(await rejection(store.countCreatedSince('yesterday')), 'invalid-input', 'bad-moment');
  });

  it('purges the tests that expired before a moment, with their results', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest(A); // expires 11:00
    await store.createTest(B); // expires 11:30
    await store.addResult(KEY_A, A.createdAt, 'a');
    const b = await store.addResult(KEY_B, B.createdAt, 'b');
    // Expiring exactly at the moment given is not "before" it.
    expect(await store.purgeExpired('2026-11-30T11:00:00.000Z')).toBe(0);
    expect(await store.purgeExpired('2026-11-30T11:00:00.001Z')).toBe(1);
    expect(await store.findTest(KEY_A)).toBeNull();
    // Gone with the test (ON DELETE CASCADE), not left behind under its key.
    expect(await store.results(KEY_A)).toEqual([]);
    expect(await store.resultsAfter(KEY_A, 0)).toEqual([]);
    expect(await store.results(KEY_B)).toEqual([b]);
    expect(await store.purgeExpired('2027-01-01T00:00:00.000Z')).toBe(1);
    expect(await store.results(KEY_B)).toEqual([]);
  });

  it('never hands out an id again, even after every result was purged', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest(A);
    const last = await store.addResult(KEY_A, A.createdAt, 'a');
    await store.purgeExpired('2027-01-01T00:00:00.000Z');
    await store.createTest(B);
    expect((await store.addResult(KEY_B, B.createdAt, 'b')).id).toBe(last.id + 1);
  });

  it('may be closed twice', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.close();
    await store.close();
  });

  it('the addresses a test expects its sender at: found by address, unexpired only, newest first; deleted with the test', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest({ ...A, expectFrom: ['192.0.2.7', '2001:db8::7'] });
    await store.createTest({ ...B, expectFrom: ['192.0.2.7'] });
    expect((await store.findTest(KEY_A))?.expectFrom).toEqual(['192.0.2.7', '2001:db8::7']);
    expect(await store.testsExpecting('192.0.2.7', '2026-11-30T10:45:00.000Z')).toEqual([
      { key: KEY_B, address: B.address, createdAt: B.createdAt, expiresAt: B.expiresAt },
      { key: KEY_A, address: A.address, createdAt: A.createdAt, expiresAt: A.expiresAt },
    ]);
    expect((await store.testsExpecting('2001:db8::7', '2026-11-30T10:45:00.000Z')).map((t) => t.key)).toEqual([KEY_A]);
    // A expired at 11:00: only B still expects its sender.
    expect((await store.testsExpecting('192.0.2.7', '2026-11-30T11:00:00.000Z')).map((t) => t.key)).toEqual([KEY_B]);
    expect(await store.testsExpecting('198.51.100.1', '2026-11-30T10:45:00.000Z')).toEqual([]);
    await store.purgeExpired('2026-11-30T12:00:00.000Z');
    expect(await store.testsExpecting('192.0.2.7', '2026-11-30T10:45:00.000Z')).toEqual([]);
  });

  it('refuses more than 10 expected addresses, or an empty one, and creates nothing then', async (ctx) => {
    const store = await flavour.open(ctx);
    const many = Array.from({ length: 11 }, (_, i) => `192.0.2.${i + 1}`);
    expectCode(await rejection(store.createTest({ ...A, expectFrom: many })), 'invalid-input', 'bad-sources');
    expectCode(await rejection(store.createTest({ ...A, expectFrom: [''] })), 'invalid-input', 'bad-sources');
    expect(await store.findTest(KEY_A)).toBeNull();
  });

  it('counts a test’s results', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.createTest(A);
    expect(await store.countResults(KEY_A)).toBe(0);
    await store.addResult(KEY_A, '2026-11-30T10:01:00.000Z', '{}');
    await store.addResult(KEY_A, '2026-11-30T10:02:00.000Z', '{}');
    expect(await store.countResults(KEY_A)).toBe(2);
    expect(await store.countResults(KEY_B)).toBe(0);
  });
});
