// The store's schema as code: migrations run by Kysely's Migrator, the same for SQLite and
// PostgreSQL. Column types are the portable ones (text, integer, bigint); the two places the two
// differ are the result id, which must never be handed out twice (a `--watch` client that saw id 7
// waits for ids after 7): SQLite's INTEGER PRIMARY KEY AUTOINCREMENT, PostgreSQL's identity column;
// and the reports' ordered text columns, which PostgreSQL compares in byte order only when told
// COLLATE "C" (SQLite always does).
//
// The migrations keep their own bookkeeping tables (mxray_migration, not Kysely's default name):
// their presence is how a file is known to be an mxray store, and their rows say its schema version.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { UsageError } from '../core/errors.js';

/** The SQL the migrations are written for: the result id's column and the reports' collation differ. */
export type SqlFlavour = 'sqlite' | 'postgres';

export const MIGRATION_TABLE = 'mxray_migration';
export const MIGRATION_LOCK_TABLE = 'mxray_migration_lock';

// Kysely runs migrations in the order of their names: a new one gets the next number. Never edit
// or rename one that has shipped; add another.
// A migration sees the schema as it was then, not today's Database type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SchemaDb = Kysely<any>;

function migrations(flavour: SqlFlavour): Record<string, Migration> {
  return {
    '0001_sender_tests': {
      async up(db: SchemaDb): Promise<void> {
        await db.schema
          .createTable('sender_tests')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('sender_results')
          // SQLite: exactly "integer primary key" makes the column the rowid; AUTOINCREMENT keeps
          // the ids of deleted rows from coming back. PostgreSQL: `serial` would do too, but an
          // identity column is the standard form, and bigint does not run out.
          .addColumn('id', flavour === 'sqlite' ? 'integer' : 'bigint', (c) =>
            flavour === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity(),
          )
          .addColumn('test_key', 'text', (c) => c.notNull().references('sender_tests.key').onDelete('cascade'))
          .addColumn('received_at', 'text', (c) => c.notNull())
          .addColumn('report', 'text', (c) => c.notNull())
          .execute();
        // The creation rate limit counts by created_at, the purge looks by expires_at, and a
        // test's results are read by id within the test.
        await db.schema.createIndex('sender_tests_created_at').on('sender_tests').column('created_at').execute();
        await db.schema.createIndex('sender_tests_expires_at').on('sender_tests').column('expires_at').execute();
        await db.schema.createIndex('sender_results_test_key_id').on('sender_results').columns(['test_key', 'id']).execute();
      },
      async down(db: SchemaDb): Promise<void> {
        await db.schema.dropTable('sender_results').execute();
        await db.schema.dropTable('sender_tests').execute();
      },
    },
    // The addresses a test expects its sender at (`new --from`): a session from one of them that
    // ends in or right after the TLS handshake, before it could name the test, is reported for it.
    '0002_sender_test_sources': {
      async up(db: SchemaDb): Promise<void> {
        await db.schema
          .createTable('sender_test_sources')
          .addColumn('test_key', 'text', (c) => c.notNull().references('sender_tests.key').onDelete('cascade'))
          .addColumn('address', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sender_test_sources_address').on('sender_test_sources').column('address').execute();
      },
      async down(db: SchemaDb): Promise<void> {
        await db.schema.dropTable('sender_test_sources').execute();
      },
    },
    // The web UI's reports (src/core/report-store.ts): History, permalinks, re-run, compare, the
    // certificates' expiry timeline. Text that is ordered or compared by range (ids, moments, the
    // lower-cased target, hosts) is byte-ordered in both databases: SQLite's text is (BINARY),
    // PostgreSQL's follows the database's locale unless told "C" — and a locale order would make
    // keyset paging and "the newest" differ from SQLite's.
    '0003_reports': {
      async up(db: SchemaDb): Promise<void> {
        const ordered = flavour === 'postgres' ? sql`text collate "C"` : 'text';
        await db.schema
          .createTable('reports')
          .addColumn('id', ordered, (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('target_key', ordered, (c) => c.notNull())
          .addColumn('domain', ordered)
          .addColumn('hosts', 'text', (c) => c.notNull())
          .addColumn('verdict', 'text', (c) => c.notNull())
          .addColumn('started_at', ordered, (c) => c.notNull())
          .addColumn('stored_at', ordered, (c) => c.notNull())
          .addColumn('duration_ms', 'bigint', (c) => c.notNull())
          .addColumn('owner', 'text')
          .addColumn('request', 'text')
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .addColumn('report', 'text', (c) => c.notNull())
          .execute();
        // History pages newest first by (stored_at, id); "the previous run" looks within one kind
        // and target, newest first.
        await db.schema.createIndex('reports_stored_at_id').on('reports').columns(['stored_at', 'id']).execute();
        await db.schema.createIndex('reports_kind_target').on('reports').columns(['kind', 'target_key', 'stored_at', 'id']).execute();
        await db.schema
          .createTable('report_hosts')
          .addColumn('report_id', ordered, (c) => c.notNull().references('reports.id').onDelete('cascade'))
          .addColumn('host', ordered, (c) => c.notNull())
          .addPrimaryKeyConstraint('report_hosts_pk', ['report_id', 'host'])
          .execute();
        await db.schema
          .createTable('report_certificates')
          .addColumn('report_id', ordered, (c) => c.notNull().references('reports.id').onDelete('cascade'))
          .addColumn('stored_at', ordered, (c) => c.notNull())
          .addColumn('host', ordered, (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('not_after', ordered, (c) => c.notNull())
          .addColumn('sha256', ordered, (c) => c.notNull())
          .execute();
        // Each host's newest report that saw a certificate; a report's certificates (the cascade).
        await db.schema.createIndex('report_certificates_host').on('report_certificates').columns(['host', 'stored_at', 'report_id']).execute();
        await db.schema.createIndex('report_certificates_report_id').on('report_certificates').column('report_id').execute();
      },
      async down(db: SchemaDb): Promise<void> {
        await db.schema.dropTable('report_certificates').execute();
        await db.schema.dropTable('report_hosts').execute();
        await db.schema.dropTable('reports').execute();
      },
    },
  };
}

/** The migrations as Kysely's static provider (no files to find at run time: the bundle has none). */
export function migrationProvider(flavour: SqlFlavour): MigrationProvider {
  const all = migrations(flavour);
  return { getMigrations: () => Promise.resolve(all) };
}

/** The names of the migrations this version knows, in order; the schema version is how many ran. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations('sqlite')).sort();

/**
 * Makes the database an mxray store of the current schema, or says in one line why it will not:
 * a database holding other tables than ours is not an mxray store (it is left untouched), one
 * that ran migrations this version does not know was written by a newer mxray. An empty database
 * becomes a store (unless read-only). `where` names the store in the messages.
 */
export async function prepareSchema(
  db: SchemaDb,
  flavour: SqlFlavour,
  options: { where: string; readonly?: boolean },
): Promise<void> {
  const { where, readonly = false } = options;
  const tables = (await db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name);
  if (tables.length > 0 && !tables.includes(MIGRATION_TABLE)) {
    // Table names from a file we did not write are not echoed: they could hold anything.
    throw new UsageError(`${where} is not an mxray store (it holds other tables)`, { helpful: false });
  }
  const executed = tables.length === 0 ? [] : (await db.selectFrom(MIGRATION_TABLE).select('name').execute()).map((r) => String(r.name));
  const known = new Set(MIGRATION_NAMES);
  if (executed.some((name) => !known.has(name))) {
    throw new UsageError(
      `${where} was written by a newer mxray (schema version ${executed.length}; this one knows up to ${MIGRATION_NAMES.length}): upgrade mxray`,
      { helpful: false },
    );
  }
  if (executed.length === MIGRATION_NAMES.length) return;
  if (readonly) {
    throw new UsageError(
      tables.length === 0
        ? `${where} is not an mxray store (it is empty)`
        : `${where} has an older schema (version ${executed.length}); open it once without read-only to upgrade it`,
      { helpful: false },
    );
  }
  const migrator = new Migrator({ db, provider: migrationProvider(flavour), migrationTableName: MIGRATION_TABLE, migrationLockTableName: MIGRATION_LOCK_TABLE });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
}
