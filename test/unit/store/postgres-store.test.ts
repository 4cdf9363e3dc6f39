// The PostgreSQL store's own cases, against a server of this file's own: an empty database made a
// store, a database of something else refused and left alone, two servers opening one database at
// once, a newer schema, read-only, the pool (ended by close, surviving connections the server
// ends), and the password in a URL found in no description and no message. openStore's choice
// between a file and a URL too.
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import type { StoredReportMeta } from '../../../src/core/report-store.js';
import { openStore } from '../../../src/store/index.js';
import { openPostgresStore } from '../../../src/store/postgres.js';
import { hasPostgres, PASSWORD_ROLE, postgresMissing, startPostgres, type PostgresServer } from '../../helpers/postgres.js';
import { skipWithout } from '../../helpers/skip.js';

let server: PostgresServer | null = null;
beforeAll(async () => {
  if (hasPostgres()) server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

/** The server, or the test skipped saying why (failed where CI requires PostgreSQL). */
function need(context: TestContext): PostgresServer {
  if (server === null) skipWithout(context, 'postgres', postgresMissing() ?? 'the server did not start');
  return server;
}

/** Runs statements as the superuser on `database`, giving the last one's rows. */
async function admin(pgServer: PostgresServer, database: string, ...statements: string[]): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: pgServer.adminUrl(database) });
  await client.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const statement of statements) rows = (await client.query(statement)).rows as Record<string, unknown>[];
    return rows;
  } finally {
    await client.end();
  }
}

function nameOf(url: string): string {
  return url.split('/').at(-1) ?? '';
}

async function tablesOf(pgServer: PostgresServer, database: string): Promise<string[]> {
  const rows = await admin(pgServer, database, "select table_name from information_schema.tables where table_schema = 'public' order by table_name");
  return rows.map((r) => String(r.table_name));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (err: unknown) => err,
  );
}

/** A one-line UsageError saying `words`, holding none of `secrets` (message or stack). */
function expectUsage(err: unknown, words: string, secrets: string[] = []): void {
  expect(err).toBeInstanceOf(UsageError);
  const { message, stack } = err as UsageError;
  expect(message).toBe(words);
  for (const secret of secrets) {
    expect(message).not.toContain(secret);
    expect(stack ?? '').not.toContain(secret);
  }
}

function meta(id: string): StoredReportMeta {
  return {
    id,
    kind: 'receiver',
    target: 'example.com',
    domain: 'example.com',
    hosts: [],
    verdict: 'pass',
    startedAt: '2026-11-30T10:00:00.000Z',
    storedAt: '2026-11-30T10:00:01.000Z',
    durationMs: 5,
    owner: null,
    request: null,
    bytes: 2,
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

const ALL_TABLES = ['mxray_migration', 'mxray_migration_lock', 'report_certificates', 'report_hosts', 'reports', 'sender_results', 'sender_test_sources', 'sender_tests'];
const MIGRATIONS = ['0001_sender_tests', '0002_sender_test_sources', '0003_reports'];

describe('the PostgreSQL store', () => {
  it('makes an empty database a store: every migration, every table', async (ctx) => {
    const pgServer = need(ctx);
    const url = await pgServer.newDatabase();
    expect(await tablesOf(pgServer, nameOf(url))).toEqual([]);
    const store = await openPostgresStore(url);
    expect(store.description).toBe(`postgres 127.0.0.1:${pgServer.port}/${nameOf(url)}`);
    await store.close();
    expect(await tablesOf(pgServer, nameOf(url))).toEqual(ALL_TABLES);
    expect((await admin(pgServer, nameOf(url), 'select name from mxray_migration order by name')).map((r) => r.name)).toEqual(MIGRATIONS);
    // Opened again: nothing to do, the data kept.
    const again = await openPostgresStore(url);
    await again.addReport(meta('k'.repeat(22)), '{}');
    await again.close();
    const third = await openPostgresStore(url);
    expect((await third.getMeta('k'.repeat(22)))?.target).toBe('example.com');
    await third.close();
  });

  it('refuses, in one line, a database holding other tables, and leaves it as it was', async (ctx) => {
    const pgServer = need(ctx);
    const url = await pgServer.newDatabase();
    await admin(pgServer, nameOf(url), 'create table notes (body text)', "insert into notes values ('mine')");
    for (const readonly of [false, true]) {
      expectUsage(await rejection(openPostgresStore(url, { readonly })), `postgres 127.0.0.1:${pgServer.port}/${nameOf(url)} is not an mxray store (it holds other tables)`);
    }
    expect(await tablesOf(pgServer, nameOf(url))).toEqual(['notes']);
  });

  it('lets two servers (four, here) open a new database at once: each gets the store, the migrations run once', async (ctx) => {
    const pgServer = need(ctx);
    const url = await pgServer.newDatabase();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore(url)));
    try {
      expect((await admin(pgServer, nameOf(url), 'select name from mxray_migration order by name')).map((r) => r.name)).toEqual(MIGRATIONS);
      await stores[0]?.addReport(meta('a'.repeat(22)), '{}');
      await stores[3]?.addReport(meta('b'.repeat(22)), '{}');
      for (const store of stores) expect(await store.countReports({})).toBe(2);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('refuses a store written by a newer mxray', async (ctx) => {
    const pgServer = need(ctx);
    const url = await pgServer.newDatabase();
    await (await openPostgresStore(url)).close();
    await admin(pgServer, nameOf(url), "insert into mxray_migration (name, timestamp) values ('0004_from_the_future', '2027-01-01T00:00:00.000Z')");
    for (const readonly of [false, true]) {
      expectUsage(
        await rejection(openPostgresStore(url, { readonly })),
        `postgres 127.0.0.1:${pgServer.port}/${nameOf(url)} was written by a newer mxray (schema version 4; this one knows up to 3): upgrade mxray`,
      );
    }
  });

  it('opens read-only: refuses an empty database, reads a store, writes nothing', async (ctx) => {
    const pgServer = need(ctx);
    const url = await pgServer.newDatabase();
    expectUsage(await rejection(openPostgresStore(url, { readonly: true })), `postgres 127.0.0.1:${pgServer.port}/${nameOf(url)} is not an mxray store (it is empty)`);
    expect(await tablesOf(pgServer, nameOf(url))).toEqual([]);
    const writer = await openPostgresStore(url);
    await writer.addReport(meta('w'.repeat(22)), '{}');
    await writer.close();
    const reader = await openPostgresStore(url, { readonly: true });
    try {
      expect(reader.description).toBe(`postgres 127.0.0.1:${pgServer.port}/${nameOf(url)} (read-only)`);
      expect((await reader.getMeta('w'.repeat(22)))?.id).toBe('w'.repeat(22));
      expect(await rejection(reader.addReport(meta('x'.repeat(22)), '{}'))).toBeInstanceOf(Error);
      expect(await rejection(reader.deleteReport('w'.repeat(22)))).toBeInstanceOf(Error);
    } finally {
      await reader.close();
    }
    expect(await admin(pgServer, nameOf(url), 'select id from reports')).toEqual([{ id: 'w'.repeat(22) }]);
  });

  it('never shows the password of its URL: not in the description, not in any message', async (ctx) => {
    const pgServer = need(ctx);
    const password = 'S3cret/pass@word';
    const encoded = encodeURIComponent(password);
    await admin(pgServer, 'postgres', `create role ${PASSWORD_ROLE} login password '${password}'`, `create database pwdb owner ${PASSWORD_ROLE}`);
    const base = `127.0.0.1:${pgServer.port}`;
    const secrets = [password, encoded, 'S3cret', 'Wrong-One'];
    const store = await openPostgresStore(`postgres://${PASSWORD_ROLE}:${encoded}@${base}/pwdb`);
    expect(store.description).toBe(`postgres ${base}/pwdb`);
    await store.close();
    expectUsage(
      await rejection(openPostgresStore(`postgres://${PASSWORD_ROLE}:Wrong-One@${base}/pwdb`)),
      `cannot connect to the store postgres ${base}/pwdb: authentication failed (user name or password)`,
      secrets,
    );
    expectUsage(
      await rejection(openPostgresStore(`postgresql://${PASSWORD_ROLE}:${encoded}@${base}/no_such_db`)),
      `cannot connect to the store postgres ${base}/no_such_db: the database does not exist`,
      secrets,
    );
    const closed = await freePort();
    expectUsage(
      await rejection(openPostgresStore(`postgres://${PASSWORD_ROLE}:${encoded}@127.0.0.1:${closed}/pwdb`)),
      `cannot connect to the store postgres 127.0.0.1:${closed}/pwdb: connection refused`,
      secrets,
    );
    expectUsage(
      await rejection(openPostgresStore(`postgres://user:${encoded}@[not a host/pwdb`)),
      'the store URL is not a valid URL (postgres://user:password@host:port/database)',
      secrets,
    );
    // The password as a parameter.
    expectUsage(
      await rejection(openPostgresStore(`postgres://${base}/pwdb?user=${PASSWORD_ROLE}&password=Wrong-One`)),
      `cannot connect to the store postgres ${base}/pwdb: authentication failed (user name or password)`,
      secrets,
    );
  });

  it('keeps its connections to the pool (at most 5), outlives connections the server ends, ends the pool on close', async (ctx) => {
    const pgServer = need(ctx);
    const url = await pgServer.newDatabase();
    const db = nameOf(url);
    const store = await openPostgresStore(url);
    const connections = async (): Promise<number> =>
      Number((await admin(pgServer, 'postgres', `select count(*) as n from pg_stat_activity where datname = '${db}' and application_name = 'mxray'`))[0]?.n);
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.searchReports({ text: `t${i}` })));
    const open = await connections();
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(5);
    // The server ends every connection (a restart, an administrator): the pool drops them quietly
    // (an unheard 'error' event would end the process) and the next query connects anew.
    await admin(pgServer, 'postgres', `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${db}' and application_name = 'mxray'`);
    for (let i = 0; i < 50 && (await connections()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    // A connection already dead when taken from the pool fails that one query; then the store works.
    let count: number | null = null;
    for (let attempt = 0; attempt < 6 && count === null; attempt++) count = await store.countReports({}).catch(() => null);
    expect(count).toBe(0);
    await store.close();
    let left = await connections();
    for (let i = 0; i < 50 && left > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = await connections();
    }
    expect(left).toBe(0);
    await store.close();
  });
});

describe('openStore', () => {
  it('opens a postgres:// or postgresql:// URL (any case) as PostgreSQL', async (ctx) => {
    const pgServer = need(ctx);
    const url = await pgServer.newDatabase();
    for (const spec of [url, url.replace('postgres://', 'postgresql://'), url.replace('postgres://', 'POSTGRES://')]) {
      const store = await openStore(spec);
      expect(store.description).toBe(`postgres 127.0.0.1:${pgServer.port}/${nameOf(url)}`);
      await store.close();
    }
    const reader = await openStore(url, { readonly: true });
    expect(reader.description).toBe(`postgres 127.0.0.1:${pgServer.port}/${nameOf(url)} (read-only)`);
    await reader.close();
  });

  it('opens anything else as an SQLite file, and refuses another kind of URL without echoing it', async () => {
    const memory = await openStore(':memory:');
    expect(memory.description).toBe('sqlite :memory:');
    await memory.addReport(meta('m'.repeat(22)), '{}');
    expect(await memory.countReports({})).toBe(1);
    await memory.close();
    expectUsage(await rejection(openStore('mysql://root:hunter2@db.example/mxray')), 'a store is a file path or a postgres:// URL', ['hunter2']);
    expectUsage(await rejection(openStore('')), 'a store is a file path or a postgres:// URL (it is empty)');
  });
});
