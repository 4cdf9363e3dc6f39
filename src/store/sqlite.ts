// The embedded store: one SQLite file through better-sqlite3, in WAL mode.
//
// Durability: addResult and addReport resolve after SQLite's COMMIT returned, and with journal_mode=WAL a
// commit is the transaction's pages written (write(2)) to the -wal file. synchronous=NORMAL skips
// the fsync at each commit (it syncs at checkpoints): the written pages are in the operating
// system's page cache, which outlives our process, so a process killed the next moment — kill -9,
// a crash, an OOM kill — leaves the result in the file, and the next open replays the WAL
// (test/integration/store-durability.test.ts). What NORMAL gives up is the last commits before a
// power cut or a kernel crash; the database stays consistent either way. synchronous=FULL would
// cover those too, at an fsync per result.
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { UsageError } from '../core/errors.js';
import { KyselyStore, type MxrayStore } from './kysely-store.js';
import { prepareSchema } from './migrations.js';
import type { Database as Tables } from './schema.js';

/** How long a write waits for another process holding the file's write lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

export interface SqliteStoreOptions {
  /** Open for reading only (`show` on a server's file): nothing is created or migrated. */
  readonly?: boolean;
}

/** A path as printed in a one-line message: quoted when it holds control characters (a newline would break the line). */
function shown(file: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(file) ? JSON.stringify(file) : file;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** SQLite's refusals (not a database, cannot open, read-only, locked) as one line for the user; anything else is ours and stays as it is. */
function openError(file: string, err: unknown): unknown {
  if (err instanceof Database.SqliteError && err.code === 'SQLITE_NOTADB') {
    return new UsageError(`${shown(file)} is not an mxray store (not an SQLite database)`, { helpful: false });
  }
  // better-sqlite3 checks the folder itself, before SQLite sees the path.
  if (err instanceof TypeError && /directory does not exist/.test(err.message)) {
    return new UsageError(`cannot open the store ${shown(file)}: the folder ${shown(dirname(file))} does not exist`, { helpful: false });
  }
  if (err instanceof Database.SqliteError) {
    return new UsageError(`cannot open the store ${shown(file)}: ${firstLine(err.message)}`, { helpful: false });
  }
  return err;
}

/**
 * Opens (creating it when missing, unless read-only) the SQLite store at `file` — ':memory:' for a
 * store that lives as long as it is open — and brings its schema up to date. Refuses, with a
 * one-line UsageError, a file that is not an mxray store, one written by a newer mxray, and a path
 * whose folder is missing (making folders is the caller's business).
 */
export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<MxrayStore> {
  const readonly = options.readonly ?? false;
  const description = `sqlite ${shown(file)}${readonly ? ' (read-only)' : ''}`;
  let database: Database.Database;
  try {
    database = new Database(file, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw openError(file, err);
  }
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database }) });
  try {
    // A file that is not SQLite fails at the first statement that reads it (SQLITE_NOTADB).
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // The results' ON DELETE CASCADE needs it. better-sqlite3 builds SQLite with it on, plain
    // SQLite has it off: said here rather than trusted to the build.
    database.pragma('foreign_keys = ON');
    // One transaction around the check and the migrations: two servers opening a new file at once
    // take turns (IMMEDIATE takes the write lock at once, busy_timeout waits for it), and a process
    // killed halfway leaves the file as it was. Kysely runs SQLite migrations without a
    // transaction of its own, so this one is not nested.
    database.exec(readonly ? 'BEGIN' : 'BEGIN IMMEDIATE');
    try {
      await prepareSchema(db, 'sqlite', { where: shown(file), readonly });
      database.exec('COMMIT');
    } finally {
      if (database.inTransaction) database.exec('ROLLBACK');
    }
    // Only once the file is known to be ours: WAL mode is written into the file's header, and a
    // file we refuse is left as it was. (It cannot be switched inside a transaction either.)
    if (!readonly) {
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
    }
  } catch (err) {
    await db.destroy();
    // Kysely closes the handle only if it had used it; a file refused at its first pragma was not.
    if (database.open) database.close();
    throw openError(file, err);
  }
  return new KyselyStore(db, description);
}
