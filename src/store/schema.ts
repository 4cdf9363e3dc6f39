// The store's tables as Kysely sees them (the rows as stored, snake_case). The ports' records
// (src/core/sender-store.ts, src/core/report-store.ts) are mapped from these in kysely-store.ts
// and reports.ts.
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
  reports: ReportsTable;
  report_hosts: ReportHostsTable;
  report_certificates: ReportCertificatesTable;
}

/**
 * One stored report (src/core/report-store.ts): its meta as columns, the Report as JSON text.
 * `target_key` is the target in lower case (JavaScript's toLowerCase, the same for both
 * databases): what the search and "the previous run" compare.
 */
export interface ReportsTable {
  id: string;
  kind: string;
  target: string;
  target_key: string;
  domain: string | null;
  /** The meta's hosts, in their order, as a JSON array (report_hosts holds them for the search). */
  hosts: string;
  verdict: string;
  started_at: string;
  stored_at: string;
  /** bigint: node-postgres gives it as a string; read through Number(). */
  duration_ms: number | string;
  owner: string | null;
  request: string | null;
  bytes: number | string;
  report: string;
}

/** A host a report is about, for the search; deleted with its report. */
export interface ReportHostsTable {
  report_id: string;
  host: string;
}

/** A certificate a report saw (the expiry timeline); deleted with its report. */
export interface ReportCertificatesTable {
  report_id: string;
  /** The report's stored_at, kept here too: "each host's newest report" is found on this table's index. */
  stored_at: string;
  host: string;
  subject: string;
  not_after: string;
  sha256: string;
}
