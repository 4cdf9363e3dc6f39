// The sender test's store over any Kysely database: only the query builder's portable parts
// (no SQLite or PostgreSQL syntax), so the same class serves better-sqlite3 today and pg later.
// Opening, pragmas and migrations are the dialect's business (sqlite.ts).
import type { Kysely } from 'kysely';
import { MxrayError } from '../core/errors.js';
import type { SenderResultRecord, SenderTestRecord, SenderTestStore } from '../core/sender-store.js';
import type { Database } from './schema.js';

/** Results one call returns at most, whatever the caller asks for. */
export const MAX_RESULTS = 100;
export const DEFAULT_RESULTS = 20;
/** The largest report kept (UTF-8 bytes); the caller caps reports well below this. */
export const MAX_REPORT_BYTES = 8 * 1024 * 1024;
/** An address is "test-<passcode>@<hostname>": far below this. */
export const MAX_ADDRESS_LENGTH = 1024;
/** Addresses one test may expect its sender at. */
export const MAX_EXPECTED_SOURCES = 10;

const KEY = /^[0-9a-f]{64}$/;
// ISO 8601 with a date, a time and a zone: what toISOString writes and what a person would.
const MOMENT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function invalid(message: string, detail: string): MxrayError {
  return new MxrayError('invalid-input', message, detail);
}

/**
 * The one form moments are stored and compared in (toISOString: "2026-11-30T00:44:14.000Z"): the
 * queries compare text, which is time order only when every moment has the same form.
 */
export function storedMoment(moment: string, what: string): string {
  const ms = MOMENT.test(moment) ? Date.parse(moment) : Number.NaN;
  // Years 0000–9999 only: beyond, toISOString writes "+010000-…" (27 characters), which sorts wrong.
  const iso = Number.isFinite(ms) ? new Date(ms).toISOString() : '';
  if (iso.length !== 24) throw invalid(`${what} is not an ISO 8601 moment`, 'bad-moment');
  return iso;
}

function boundedLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_RESULTS;
  return Math.min(MAX_RESULTS, Math.max(0, Math.floor(limit)));
}

interface ResultRow {
  id: number | string;
  test_key: string;
  received_at: string;
  report: string;
}

function resultOf(row: ResultRow): SenderResultRecord {
  return { id: Number(row.id), key: row.test_key, receivedAt: row.received_at, report: row.report };
}

export class KyselySenderStore implements SenderTestStore {
  #closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    readonly description: string,
  ) {}

  async createTest(test: SenderTestRecord): Promise<void> {
    if (!KEY.test(test.key)) throw invalid('a sender test key is 64 lower-case hex digits', 'bad-key');
    if (test.address.length > MAX_ADDRESS_LENGTH) throw invalid(`a sender test address is at most ${MAX_ADDRESS_LENGTH} characters`, 'address-too-long');
    const row = {
      key: test.key,
      address: test.address,
      created_at: storedMoment(test.createdAt, 'createdAt'),
      expires_at: storedMoment(test.expiresAt, 'expiresAt'),
    };
    const sources = [...new Set(test.expectFrom ?? [])];
    if (sources.length > MAX_EXPECTED_SOURCES || sources.some((a) => a.length === 0 || a.length > 64)) throw invalid(`a sender test expects at most ${MAX_EXPECTED_SOURCES} addresses of at most 64 characters`, 'bad-sources');
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx.insertInto('sender_tests').values(row).execute();
        if (sources.length) await tx.insertInto('sender_test_sources').values(sources.map((address) => ({ test_key: test.key, address }))).execute();
      });
    } catch (err) {
      // Each dialect words a duplicate key its own way; asking is the same everywhere.
      if ((await this.findTest(test.key)) !== null) {
        throw new MxrayError('internal-error', 'a sender test with this key exists already (passcodes are random: a bug)', 'duplicate-key');
      }
      throw err;
    }
  }

  async findTest(key: string): Promise<SenderTestRecord | null> {
    const row = await this.db.selectFrom('sender_tests').selectAll().where('key', '=', key).executeTakeFirst();
    if (row === undefined) return null;
    const sources = await this.db.selectFrom('sender_test_sources').select('address').where('test_key', '=', key).orderBy('address').execute();
    const test: SenderTestRecord = { key: row.key, address: row.address, createdAt: row.created_at, expiresAt: row.expires_at };
    return sources.length ? { ...test, expectFrom: sources.map((r) => r.address) } : test;
  }

  async testsExpecting(address: string, now: string): Promise<SenderTestRecord[]> {
    const rows = await this.db
      .selectFrom('sender_test_sources')
      .innerJoin('sender_tests', 'sender_tests.key', 'sender_test_sources.test_key')
      .select(['sender_tests.key', 'sender_tests.address', 'sender_tests.created_at', 'sender_tests.expires_at'])
      .where('sender_test_sources.address', '=', address)
      .where('sender_tests.expires_at', '>', storedMoment(now, 'now'))
      .orderBy('sender_tests.created_at', 'desc')
      .limit(10)
      .execute();
    return rows.map((row) => ({ key: row.key, address: row.address, createdAt: row.created_at, expiresAt: row.expires_at }));
  }

  async addResult(key: string, receivedAt: string, report: string): Promise<SenderResultRecord> {
    // Characters first: a string of more characters than the limit has more bytes too.
    if (report.length > MAX_REPORT_BYTES || Buffer.byteLength(report, 'utf8') > MAX_REPORT_BYTES) {
      throw invalid(`a sender report is at most ${MAX_REPORT_BYTES} bytes`, 'report-too-large');
    }
    const row = { test_key: key, received_at: storedMoment(receivedAt, 'receivedAt'), report };
    let inserted: { id: number | string };
    try {
      // RETURNING: SQLite (3.35+) and PostgreSQL both have it; the id comes from the same statement.
      inserted = await this.db.insertInto('sender_results').values(row).returning('id').executeTakeFirstOrThrow();
    } catch (err) {
      // The foreign key refused it: no such test (purged, or never made).
      if ((await this.findTest(key)) === null) throw invalid('no sender test with this key', 'unknown-test');
      throw err;
    }
    return { id: Number(inserted.id), key, receivedAt: row.received_at, report };
  }

  async results(key: string, limit?: number): Promise<SenderResultRecord[]> {
    const rows = await this.db
      .selectFrom('sender_results')
      .selectAll()
      .where('test_key', '=', key)
      .orderBy('id', 'desc')
      .limit(boundedLimit(limit))
      .execute();
    return rows.map(resultOf);
  }

  async countResults(key: string): Promise<number> {
    const row = await this.db.selectFrom('sender_results').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).where('test_key', '=', key).executeTakeFirst();
    // SQLite gives a number, PostgreSQL a bigint as text.
    return Number(row?.n ?? 0);
  }

  async resultsAfter(key: string, afterId: number, limit?: number): Promise<SenderResultRecord[]> {
    if (!Number.isSafeInteger(afterId)) throw invalid('afterId is a whole number', 'bad-id');
    const rows = await this.db
      .selectFrom('sender_results')
      .selectAll()
      .where('test_key', '=', key)
      .where('id', '>', afterId)
      .orderBy('id', 'asc')
      .limit(boundedLimit(limit))
      .execute();
    return rows.map(resultOf);
  }

  async countCreatedSince(since: string): Promise<number> {
    const row = await this.db
      .selectFrom('sender_tests')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('created_at', '>=', storedMoment(since, 'since'))
      .executeTakeFirstOrThrow();
    // pg counts in bigint (a string through node-postgres); SQLite in a number.
    return Number(row.n);
  }

  async purgeExpired(before: string): Promise<number> {
    // The results go with their tests: ON DELETE CASCADE (SQLite needs foreign_keys on: sqlite.ts).
    const result = await this.db.deleteFrom('sender_tests').where('expires_at', '<', storedMoment(before, 'before')).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }
}
