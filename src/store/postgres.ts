// The shared store: PostgreSQL through node-postgres (a small pool) and Kysely's PostgresDialect,
// with the same class and the same migrations as the embedded SQLite store.
//
// The URL may hold a password: it never appears in the description, in a message or in an error
// this module throws (errors from the driver are reworded, and scrubbed of the password and the
// URL). Two servers opening the same database at once take turns: the check and the migrations
// run on one connection holding a session advisory lock (Kysely's migrator takes its own lock
// too, inside); a process killed halfway leaves its migration's transaction rolled back.
//
// Durability: a commit in PostgreSQL is on disk when it returns (synchronous_commit, the default):
// addReport and addResult resolve after their COMMIT did.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { UsageError } from '../core/errors.js';
import { isPostgresSpec } from './index.js';
import { KyselyStore, type MxrayStore } from './kysely-store.js';
import { prepareSchema } from './migrations.js';
import type { Database as Tables } from './schema.js';

export interface PostgresStoreOptions {
  /** Nothing is created or migrated, and every transaction is read-only (`default_transaction_read_only`). */
  readonly?: boolean;
  /** Connections the pool keeps at most (default 5). */
  poolSize?: number;
}

/** Connections at most: a web UI's queries are short, and a database serves other clients too. */
export const DEFAULT_POOL_SIZE = 5;
/** How long connecting may take before the store says the server does not answer. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** A statement running longer is cancelled by the server… */
export const STATEMENT_TIMEOUT_MS = 30_000;
/** …and one whose answer never arrives (a dead network) is given up by the client. */
export const QUERY_TIMEOUT_MS = 60_000;
/** The advisory lock the check and the migrations run under ("mxra" in ASCII). */
const SCHEMA_LOCK = 0x6d787261;

interface Target {
  /** "postgres 127.0.0.1:5432/mxray": no user name, no password, no parameters. */
  description: string;
  /** Text that must never be shown: the password (as written and decoded) and the whole URL. */
  secrets: string[];
}

/** One line of text, printable: control characters (a newline in a database name) quoted away. */
function shown(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : text;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function targetOf(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL itself is not echoed: it may hold a password.
    throw new UsageError('the store URL is not a valid URL (postgres://user:password@host:port/database)', { helpful: false });
  }
  const secrets = [url];
  for (const password of [parsed.password, parsed.searchParams.get('password') ?? '']) {
    if (password !== '') secrets.push(password, decoded(password));
  }
  const host = parsed.hostname !== '' ? decoded(parsed.hostname) : (parsed.searchParams.get('host') ?? 'localhost');
  const port = parsed.port !== '' ? parsed.port : (parsed.searchParams.get('port') ?? '5432');
  // node-postgres's default database is the user's name.
  const database = decoded(parsed.pathname.replace(/^\//, '')) || decoded(parsed.username) || 'postgres';
  const description = `postgres ${shown(host)}:${shown(port)}/${shown(database)}`;
  return { description, secrets: secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length) };
}

/** Text with every secret replaced (the longest first: the URL holds the password). */
function scrubbed(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

type DriverError = Error & { code?: unknown; errors?: unknown };

/** The error code node-postgres or the socket gave (an AggregateError's first one: both families of "localhost" refused). */
function codeOf(err: unknown): string {
  const e = err as DriverError | null;
  if (e !== null && typeof e === 'object') {
    if (typeof e.code === 'string') return e.code;
    if (Array.isArray(e.errors)) return codeOf(e.errors[0]);
  }
  return '';
}

/** Why a connection failed, in words of our own where the reason is known. */
function reasonOf(err: unknown, secrets: readonly string[]): string {
  const code = codeOf(err);
  switch (code) {
    case '28P01':
      return 'authentication failed (user name or password)';
    case '28000':
      return 'authentication failed (the server does not let this user in from here: pg_hba.conf)';
    case '3D000':
      return 'the database does not exist';
    case '57P03':
      return 'the server is starting up or shutting down';
    case '53300':
      return 'the server has too many connections';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
    default: {
      const message = err instanceof Error ? err.message : String(err);
      if (/timeout/i.test(message) && code === '') return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
      return scrubbed(firstLine(message), secrets) || code || 'unknown error';
    }
  }
}

/** Whether node-postgres or the server raised it (rather than our own code). */
function isDriverError(err: unknown): boolean {
  if (err instanceof UsageError) return false;
  const code = codeOf(err);
  return code !== '' || (err instanceof Error && /connect|terminat|timeout|socket/i.test(err.message));
}

/**
 * Opens the PostgreSQL store at `url` (postgres:// or postgresql://, as node-postgres reads it),
 * making an empty database a store and bringing an older schema up to date. Refuses, with a
 * one-line UsageError that never holds the password: a server that cannot be reached, a failed
 * login, a missing database, a database holding other tables (not an mxray store), one written by
 * a newer mxray. `close()` ends the pool.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<MxrayStore> {
  if (!isPostgresSpec(url)) throw new UsageError('a PostgreSQL store is named by a postgres:// or postgresql:// URL', { helpful: false });
  const { description: base, secrets } = targetOf(url);
  const readonly = options.readonly ?? false;
  const description = `${base}${readonly ? ' (read-only)' : ''}`;
  const pool = new pg.Pool({
    connectionString: url,
    max: Math.max(1, Math.min(50, Math.floor(options.poolSize ?? DEFAULT_POOL_SIZE))),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idle_in_transaction_session_timeout: STATEMENT_TIMEOUT_MS,
    keepAlive: true,
    application_name: 'mxray',
    ...(readonly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  // An idle connection the server ended (a restart, an administrator) is dropped by the pool and
  // reported here; unheard, the event would end the process. The next query connects anew.
  pool.on('error', () => undefined);
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  try {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw new UsageError(`cannot connect to the store ${base}: ${reasonOf(err, secrets)}`, { helpful: false });
    }
    client.release();
    await db.connection().execute(async (conn) => {
      if (readonly) return prepareSchema(conn, 'postgres', { where: base, readonly });
      await sql`select pg_advisory_lock(${sql.lit(SCHEMA_LOCK)})`.execute(conn);
      try {
        await prepareSchema(conn, 'postgres', { where: base, readonly });
      } finally {
        await sql`select pg_advisory_unlock(${sql.lit(SCHEMA_LOCK)})`.execute(conn);
      }
    });
  } catch (err) {
    await db.destroy().catch(() => undefined);
    if (isDriverError(err)) throw new UsageError(`cannot open the store ${base}: ${reasonOf(err, secrets)}`, { helpful: false });
    if (err instanceof Error) err.message = scrubbed(err.message, secrets);
    throw err;
  }
  return new KyselyStore(db, description);
}
