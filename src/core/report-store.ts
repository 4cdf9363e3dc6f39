// The port the web UI (`mxray serve`) keeps every report in: History, permalinks, re-run and
// compare. Implementations live in src/store/ (Kysely over better-sqlite3, the embedded default,
// and over node-postgres), from one schema and one set of migrations; the same test suite runs
// against both. The web layer never opens a database itself: the store is injected.
//
// A report is found by its id: 22 characters of base64url (128 random bits) — the unguessable
// link that lets a single report be read without signing in. Moments are ISO 8601 text in UTC in
// one fixed form ("2026-11-30T06:29:47.123Z"), so text order is time order in both databases.

/** What History lists and searches: a report without its body. */
export interface StoredReportMeta {
  /** 22 characters [A-Za-z0-9_-]. */
  id: string;
  /** The Report's `kind` ("receiver", "certificate" …). */
  kind: string;
  /** The Report's target as the user gave it ("example.com", "mx1.example.com:587", "mail.log"); at most 500 characters. */
  target: string;
  /** The mail domain the report is about, lower case, or null (a file, an IP literal). */
  domain: string | null;
  /** Host names and addresses the report is about (MX hosts, the certificate's host …), lower case, at most 50. */
  hosts: string[];
  /** The Report's verdict ("pass", "warn", "fail", "inconclusive", "error" …). */
  verdict: string;
  /** The Report's startedAt. */
  startedAt: string;
  /** When it was stored. */
  storedAt: string;
  durationMs: number;
  /** Who ran it (the signed-in user or token name), or null without --auth. */
  owner: string | null;
  /**
   * The job request that made it, as JSON text (kind and parameters, never a secret), when the
   * job can be run again from it; null for uploads (the input is not kept).
   */
  request: string | null;
  /** The report's size in bytes (the JSON text). */
  bytes: number;
}

/** A stored report: its meta and the Report itself, as JSON text (parsed and checked by the caller). */
export interface StoredReport {
  meta: StoredReportMeta;
  report: string;
}

/** One certificate seen by a report: the expiry timeline's points. */
export interface StoredCertificate {
  reportId: string;
  /** The host (or file name) that presented it, lower case. */
  host: string;
  subject: string;
  /** The leaf's notAfter, ISO 8601 UTC. */
  notAfter: string;
  /** The SHA-256 thumbprint, lower-case hex. */
  sha256: string;
}

export interface ReportQuery {
  /**
   * Free text: matches (case-insensitively, as a substring) the target, the domain or any host.
   * At most 200 characters; SQL wildcards in it are literal.
   */
  text?: string;
  kind?: string;
  verdict?: string;
  /** storedAt ≥ since / < until (ISO moments). */
  since?: string;
  until?: string;
  owner?: string;
  /** Newest first; at most `limit` (default 50, at most 500). */
  limit?: number;
  /** Keyset paging: only reports stored before this one (its storedAt, then id) — the last id of the previous page. */
  before?: { storedAt: string; id: string };
}

export interface ReportStore {
  /** What the store is ("sqlite /var/lib/mxray/mxray.db", "postgres 127.0.0.1:5432/mxray"), for the log line at start-up. */
  readonly description: string;
  /** Adds a report and the certificates it saw (at most 200). An id that exists already is an error. Durable when it resolves. */
  addReport(meta: StoredReportMeta, report: string, certificates?: readonly StoredCertificate[]): Promise<void>;
  getReport(id: string): Promise<StoredReport | null>;
  getMeta(id: string): Promise<StoredReportMeta | null>;
  /** Newest first (storedAt, then id descending). */
  searchReports(query: ReportQuery): Promise<StoredReportMeta[]>;
  /** How many reports match (the same filters, without paging). */
  countReports(query: Omit<ReportQuery, 'limit' | 'before'>): Promise<number>;
  /** The newest report stored before this one with the same kind and target (case-insensitive): "compare with the previous run". */
  previousReport(id: string): Promise<StoredReportMeta | null>;
  /** For the expiry timeline: each host's certificates from its newest report that saw any, soonest expiry first, at most `limit` (default 200). */
  latestCertificates(limit?: number): Promise<StoredCertificate[]>;
  /** Deletes one report (and its certificates); true when it existed. */
  deleteReport(id: string): Promise<boolean>;
}
