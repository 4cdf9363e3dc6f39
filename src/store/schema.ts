// The sender test's tables as Kysely sees them (the rows as stored, snake_case). The port's
// records (src/core/sender-store.ts) are mapped from these in kysely-store.ts.
import type { Generated } from 'kysely';

/** One sender test; found by the SHA-256 of its passcode. Moments are ISO 8601 text in UTC, one fixed form (kysely-store.ts), so text order is time order. */
export interface SenderTestsTable {
  key: string;
  address: string;
  created_at: string;
  expires_at: string;
}

/** One result (a Report of kind `sender`, as JSON text); deleted with its test. */
export interface SenderResultsTable {
  /** better-sqlite3 gives a number; node-postgres would give a bigint column as a string: read through Number(). */
  id: Generated<number | string>;
  test_key: string;
  received_at: string;
  report: string;
}

/** An address a test expects its sender at (`new --from`); deleted with its test. */
export interface SenderTestSourcesTable {
  test_key: string;
  address: string;
}

export interface Database {
  sender_tests: SenderTestsTable;
  sender_results: SenderResultsTable;
  sender_test_sources: SenderTestSourcesTable;
}
