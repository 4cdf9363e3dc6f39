// Opening the store a server is told to use: a file path (SQLite, ':memory:' for one that lives as
// long as it is open) or a postgres:// URL (PostgreSQL). Either gives the one store class with
// both ports (the sender test's and the web UI's reports). Each driver is loaded only when used.
import { UsageError } from '../core/errors.js';
import type { MxrayStore } from './kysely-store.js';

export type { MxrayStore } from './kysely-store.js';

export interface StoreOptions {
  /** Open for reading only: nothing is created or migrated, nothing can be written. */
  readonly?: boolean;
  /** PostgreSQL: connections the pool keeps at most (default 5). */
  poolSize?: number;
}

/** Whether the store spec is a PostgreSQL URL (postgres:// or postgresql://, any case). */
export function isPostgresSpec(spec: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(spec);
}

/**
 * Opens the store `spec` names: a postgres:// or postgresql:// URL, or else a file path. Another
 * URL scheme ("mysql://…") is refused rather than taken for a file name. Errors are one-line
 * UsageErrors (never holding a password).
 */
export async function openStore(spec: string, options: StoreOptions = {}): Promise<MxrayStore> {
  if (isPostgresSpec(spec)) {
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore(spec, options);
  }
  // The spec is not echoed: a URL of another kind may hold a password too.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) throw new UsageError('a store is a file path or a postgres:// URL', { helpful: false });
  if (spec === '') throw new UsageError('a store is a file path or a postgres:// URL (it is empty)', { helpful: false });
  const { openSqliteStore } = await import('./sqlite.js');
  return openSqliteStore(spec, { readonly: options.readonly ?? false });
}
