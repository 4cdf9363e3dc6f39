// The two stores the one contract suite runs against: SQLite in a file of the test's own and
// PostgreSQL in a database of the test's own (one server per test file, started in beforeAll when
// Debian's PostgreSQL is here). Each test opens its store inside the test (`flavour.open(ctx)`);
// the stores a test opened are closed after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, type TestContext } from 'vitest';
import type { MxrayStore } from '../../../src/store/index.js';
import { openPostgresStore } from '../../../src/store/postgres.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { hasPostgres, postgresMissing, startPostgres, type PostgresServer } from '../../helpers/postgres.js';
import { skipWithout } from '../../helpers/skip.js';

export interface Flavour {
  name: 'sqlite' | 'postgres';
  /** A new, empty store for this test (skipped, saying why, where PostgreSQL is missing). */
  open(context: TestContext): Promise<MxrayStore>;
  /** The description a fresh store of this flavour gives (after open). */
  description(): string;
  /** The server, for tests that look inside (PostgreSQL only). */
  server(): PostgresServer | null;
}

/**
 * Registers the hooks (a PostgreSQL server for the file, a temp folder for the SQLite files,
 * closing what each test opened) and gives both flavours. Call once per file, at its top level.
 */
export function useFlavours(): Flavour[] {
  let server: PostgresServer | null = null;
  let dir = '';
  let lastDescription = '';
  let files = 0;
  const opened: MxrayStore[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mxray-store-'));
    if (hasPostgres()) server = await startPostgres();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const sqlite: Flavour = {
    name: 'sqlite',
    async open() {
      const file = join(dir, `store-${++files}.db`);
      const store = await openSqliteStore(file);
      opened.push(store);
      lastDescription = `sqlite ${file}`;
      return store;
    },
    description: () => lastDescription,
    server: () => null,
  };
  const postgres: Flavour = {
    name: 'postgres',
    async open(context) {
      if (server === null) skipWithout(context, 'postgres', postgresMissing() ?? 'the server did not start');
      const url = await server.newDatabase();
      const store = await openPostgresStore(url);
      opened.push(store);
      lastDescription = `postgres 127.0.0.1:${server.port}/${url.split('/').at(-1) ?? ''}`;
      return store;
    },
    description: () => lastDescription,
    server: () => server,
  };
  return [sqlite, postgres];
}
