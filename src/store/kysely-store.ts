// The store over any Kysely database — the sender test's tests and results, and the web UI's
// reports — with only the query builder's portable parts (no SQLite or PostgreSQL syntax but
// `LIKE … ESCAPE`, which both have), so the same class serves better-sqlite3 and node-postgres.
// Opening, pragmas, pools and migrations are the dialect's business (sqlite.ts, postgres.ts).
import type { Kysely } from 'kysely';
import { MxrayError } from '../core/errors.js';
import type { ReportQuery, ReportStore, StoredCertificate, StoredReport, StoredReportMeta } from '../core/report-store.js';
import type { SenderResultRecord, SenderTestRecord, SenderTestStore } from '../core/sender-store.js';
import { storedMoment } from './moments.js';
import { beforeFilter, DEFAULT_CERTIFICATE_POINTS, MAX_CERTIFICATE_POINTS, META_COLUMNS, metaOf, REPORT_ID, reportFilters, reportLimit, reportRows } from './reports.js';
import type { Database } from './schema.js';

export { storedMoment };

/** Both ports in one: what `openStore` gives. */
export type MxrayStore = SenderTestStore & ReportStore;

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
function invalid(message: string, detail: string): MxrayError {
  return new MxrayError('invalid-input', message, detail);
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

export class KyselyStore implements SenderTestStore, ReportStore {
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

  // ---- reports (src/core/report-store.ts) ----

  async addReport(meta: StoredReportMeta, report: string, certificates: readonly StoredCertificate[] = []): Promise<void> {
    const rows = reportRows(meta, report, certificates);
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx.insertInto('reports').values(rows.report).execute();
        if (rows.hosts.length) await tx.insertInto('report_hosts').values(rows.hosts).execute();
        if (rows.certificates.length) await tx.insertInto('report_certificates').values(rows.certificates).execute();
      });
    } catch (err) {
      // Each dialect words a duplicate key its own way; asking is the same everywhere.
      if ((await this.getMeta(meta.id)) !== null) {
        throw new MxrayError('internal-error', 'a report with this id exists already (ids are random: a bug)', 'duplicate-id');
      }
      throw err;
    }
  }

  async getReport(id: string): Promise<StoredReport | null> {
    if (typeof id !== 'string' || !REPORT_ID.test(id)) return null;
    const row = await this.db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : { meta: metaOf(row), report: row.report };
  }

  async getMeta(id: string): Promise<StoredReportMeta | null> {
    if (typeof id !== 'string' || !REPORT_ID.test(id)) return null;
    const row = await this.db.selectFrom('reports').select(META_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : metaOf(row);
  }

  async searchReports(query: ReportQuery): Promise<StoredReportMeta[]> {
    const filters = reportFilters(query);
    const before = beforeFilter(query.before);
    const limit = reportLimit(query.limit);
    if (limit === 0) return [];
    let select = this.db.selectFrom('reports').select(META_COLUMNS).where(filters);
    if (before !== null) select = select.where(before);
    const rows = await select.orderBy('reports.stored_at', 'desc').orderBy('reports.id', 'desc').limit(limit).execute();
    return rows.map(metaOf);
  }

  async countReports(query: Omit<ReportQuery, 'limit' | 'before'>): Promise<number> {
    const row = await this.db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where(reportFilters(query))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async previousReport(id: string): Promise<StoredReportMeta | null> {
    if (typeof id !== 'string' || !REPORT_ID.test(id)) return null;
    const self = await this.db.selectFrom('reports').select(['kind', 'target_key', 'stored_at']).where('id', '=', id).executeTakeFirst();
    if (self === undefined) return null;
    const row = await this.db
      .selectFrom('reports')
      .select(META_COLUMNS)
      .where('reports.kind', '=', self.kind)
      .where('reports.target_key', '=', self.target_key)
      .where((eb) => eb.or([eb('reports.stored_at', '<', self.stored_at), eb.and([eb('reports.stored_at', '=', self.stored_at), eb('reports.id', '<', id)])]))
      .orderBy('reports.stored_at', 'desc')
      .orderBy('reports.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? null : metaOf(row);
  }

  async latestCertificates(limit?: number): Promise<StoredCertificate[]> {
    const n = reportLimit(limit, DEFAULT_CERTIFICATE_POINTS, MAX_CERTIFICATE_POINTS);
    if (n === 0) return [];
    // A host's certificates from the newest report (stored_at, then id) that saw any for it: no
    // other report saw one for that host later.
    const rows = await this.db
      .selectFrom('report_certificates as c')
      .select(['c.report_id', 'c.host', 'c.subject', 'c.not_after', 'c.sha256'])
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('report_certificates as n')
              .select('n.report_id')
              .whereRef('n.host', '=', 'c.host')
              .where((eb) => eb.or([eb('n.stored_at', '>', eb.ref('c.stored_at')), eb.and([eb('n.stored_at', '=', eb.ref('c.stored_at')), eb('n.report_id', '>', eb.ref('c.report_id'))])])),
          ),
        ),
      )
      .orderBy('c.not_after', 'asc')
      .orderBy('c.host', 'asc')
      .orderBy('c.sha256', 'asc')
      .limit(n)
      .execute();
    return rows.map((r) => ({ reportId: r.report_id, host: r.host, subject: r.subject, notAfter: r.not_after, sha256: r.sha256 }));
  }

  async deleteReport(id: string): Promise<boolean> {
    if (typeof id !== 'string' || !REPORT_ID.test(id)) return false;
    // Its hosts and certificates go with it: ON DELETE CASCADE.
    const result = await this.db.deleteFrom('reports').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }
}
