// The report store's rules (src/core/report-store.ts) apart from the SQL: what a stored report may
// hold, how it is normalised before it is written, how a search's filters read, and how rows map
// back to the port's records. Everything a caller hands in is bounded here, before any statement.
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { MxrayError } from '../core/errors.js';
import type { ReportQuery, StoredCertificate, StoredReportMeta } from '../core/report-store.js';
import { storedMoment } from './moments.js';
import type { Database, ReportCertificatesTable, ReportsTable } from './schema.js';

/** Reports one search gives at most, whatever the caller asks for, and unless told. */
export const MAX_REPORTS = 500;
export const DEFAULT_REPORTS = 50;
/** Search text longer than this is refused (not cut: a shorter text is another search). */
export const MAX_SEARCH_TEXT = 200;
/** The longest target kept (the port's bound); a longer one is refused. */
export const MAX_TARGET_LENGTH = 500;
/** Hosts one report keeps: the first 50 distinct ones (lower case); the rest are dropped. */
export const MAX_HOSTS = 50;
/** Certificates one report keeps: the first 200 distinct (host, SHA-256) ones; the rest are dropped. */
export const MAX_CERTIFICATES = 200;
/** Expiry-timeline points one call gives at most, and unless told. */
export const MAX_CERTIFICATE_POINTS = 1000;
export const DEFAULT_CERTIFICATE_POINTS = 200;
/** The largest Report kept (UTF-8 bytes of its JSON text). */
export const MAX_STORED_REPORT_BYTES = 16 * 1024 * 1024;
/** The largest job request kept (its JSON text, in characters). */
export const MAX_REQUEST_LENGTH = 64 * 1024;
/** A certificate's subject is cut to this many characters (a server chooses it: it can be huge). */
export const MAX_SUBJECT_LENGTH = 1000;
/** Short words: kind, verdict, owner, a filter's value, a host, a domain. */
const MAX_WORD = 255;

/** 22 characters of base64url: 128 random bits. */
export const REPORT_ID = /^[A-Za-z0-9_-]{22}$/;
const SHA256 = /^[0-9a-f]{64}$/;

function invalid(message: string, detail: string): MxrayError {
  return new MxrayError('invalid-input', message, detail);
}

/** Text either database keeps as given: no NUL (PostgreSQL's text cannot hold one). */
function word(value: string, what: string, detail: string, max = MAX_WORD): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || value.includes('\u0000')) {
    throw invalid(`${what} is 1 to ${max} characters without NUL`, detail);
  }
  return value;
}

/** A report's row, its hosts for the search, and its certificates, ready to insert. */
export interface ReportRows {
  report: ReportsTable;
  hosts: { report_id: string; host: string }[];
  certificates: ReportCertificatesTable[];
}

/**
 * Checks and normalises a report before it is stored: moments in the one ISO form, domain and
 * hosts in lower case, hosts and certificates deduplicated and capped, `bytes` measured here
 * (the meta's own figure is not trusted). Throws MxrayError invalid-input, naming the field.
 */
export function reportRows(meta: StoredReportMeta, report: string, certificates: readonly StoredCertificate[]): ReportRows {
  if (typeof meta.id !== 'string' || !REPORT_ID.test(meta.id)) throw invalid('a report id is 22 characters of base64url', 'bad-id');
  const target = word(meta.target, 'a report target', 'bad-target', MAX_TARGET_LENGTH);
  const domain = meta.domain === null ? null : word(meta.domain, 'a report domain', 'bad-domain').toLowerCase();
  const hosts = [...new Set((meta.hosts ?? []).map((h) => word(h, 'a report host', 'bad-host').toLowerCase()))].slice(0, MAX_HOSTS);
  const durationMs = meta.durationMs;
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0 || durationMs > Number.MAX_SAFE_INTEGER) {
    throw invalid('a report duration is a non-negative number of milliseconds', 'bad-duration');
  }
  const owner = meta.owner === null ? null : word(meta.owner, 'a report owner', 'bad-owner');
  if (meta.request !== null && (typeof meta.request !== 'string' || meta.request.length > MAX_REQUEST_LENGTH || meta.request.includes('\u0000'))) {
    throw invalid(`a report request is at most ${MAX_REQUEST_LENGTH} characters without NUL`, 'bad-request');
  }
  // Characters first: a string of more characters than the limit has more bytes too.
  if (typeof report !== 'string' || report.length > MAX_STORED_REPORT_BYTES || Buffer.byteLength(report, 'utf8') > MAX_STORED_REPORT_BYTES) {
    throw invalid(`a stored report is at most ${MAX_STORED_REPORT_BYTES} bytes`, 'report-too-large');
  }
  if (report.includes('\u0000')) throw invalid('a stored report holds no NUL (JSON text never does)', 'bad-report');
  const storedAt = storedMoment(meta.storedAt, 'storedAt');
  const row: ReportsTable = {
    id: meta.id,
    kind: word(meta.kind, 'a report kind', 'bad-kind', 64),
    target,
    target_key: target.toLowerCase(),
    domain,
    hosts: JSON.stringify(hosts),
    verdict: word(meta.verdict, 'a report verdict', 'bad-verdict', 64),
    started_at: storedMoment(meta.startedAt, 'startedAt'),
    stored_at: storedAt,
    duration_ms: Math.round(durationMs),
    owner,
    request: meta.request,
    bytes: Buffer.byteLength(report, 'utf8'),
    report,
  };
  const seen = new Set<string>();
  const certs: ReportCertificatesTable[] = [];
  for (const c of certificates) {
    if (c.reportId !== meta.id) throw invalid('a certificate belongs to the report it is stored with', 'bad-certificate');
    if (typeof c.sha256 !== 'string' || !SHA256.test(c.sha256)) throw invalid('a certificate thumbprint is 64 lower-case hex digits', 'bad-certificate');
    const host = word(c.host, 'a certificate host', 'bad-certificate', MAX_TARGET_LENGTH).toLowerCase();
    if (typeof c.subject !== 'string') throw invalid('a certificate subject is text', 'bad-certificate');
    // The subject is the server's words: kept, cut to a size, without NUL.
    const subject = c.subject.replaceAll('\u0000', '\ufffd');
    const row = {
      report_id: meta.id,
      stored_at: storedAt,
      host,
      subject: subject.length > MAX_SUBJECT_LENGTH ? `${subject.slice(0, MAX_SUBJECT_LENGTH - 1)}…` : subject,
      not_after: storedMoment(c.notAfter, 'notAfter'),
      sha256: c.sha256,
    };
    const key = `${host} ${c.sha256}`;
    if (seen.has(key)) continue;
    seen.add(key);
    certs.push(row);
    if (certs.length === MAX_CERTIFICATES) break;
  }
  return { report: row, hosts: hosts.map((host) => ({ report_id: meta.id, host })), certificates: certs };
}

/** A row of `reports` without its body, as the port's meta. */
export function metaOf(row: Omit<ReportsTable, 'report'>): StoredReportMeta {
  return {
    id: row.id,
    kind: row.kind,
    target: row.target,
    domain: row.domain,
    hosts: JSON.parse(row.hosts) as string[],
    verdict: row.verdict,
    startedAt: row.started_at,
    storedAt: row.stored_at,
    // pg gives bigint columns as strings.
    durationMs: Number(row.duration_ms),
    owner: row.owner,
    request: row.request,
    bytes: Number(row.bytes),
  };
}

/** The meta's columns (everything but the body). */
export const META_COLUMNS = [
  'reports.id',
  'reports.kind',
  'reports.target',
  'reports.target_key',
  'reports.domain',
  'reports.hosts',
  'reports.verdict',
  'reports.started_at',
  'reports.stored_at',
  'reports.duration_ms',
  'reports.owner',
  'reports.request',
  'reports.bytes',
] as const;

/** A search's limit: a whole number from 0 to MAX_REPORTS, DEFAULT_REPORTS unless told. */
export function reportLimit(limit: number | undefined, fallback = DEFAULT_REPORTS, max = MAX_REPORTS): number {
  if (limit === undefined || typeof limit !== 'number' || !Number.isFinite(limit)) return fallback;
  return Math.min(max, Math.max(0, Math.floor(limit)));
}

/** The LIKE pattern for a substring, its wildcards (`%`, `_`) and the escape character itself taken literally. */
export function substringPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `column LIKE pattern ESCAPE '\'` — the escape character a parameter, the same text in both databases. */
function like(column: Expression<string | null>, pattern: string): Expression<SqlBool> {
  return sql<SqlBool>`${column} like ${pattern} escape ${'\\'}`;
}

/** The search's filters (not its paging), checked: one WHERE for the search and its count. */
export function reportFilters(query: Omit<ReportQuery, 'limit' | 'before'>): (eb: ExpressionBuilder<Database, 'reports'>) => Expression<SqlBool> {
  const text = query.text === undefined ? '' : query.text;
  if (typeof text !== 'string' || text.includes('\u0000')) throw invalid('search text is text without NUL', 'bad-text');
  if (text.length > MAX_SEARCH_TEXT) throw invalid(`search text is at most ${MAX_SEARCH_TEXT} characters`, 'text-too-long');
  const needle = text.trim().toLowerCase();
  const equal = (value: string | undefined, what: string): string | undefined => (value === undefined ? undefined : word(value, what, 'bad-filter'));
  const kind = equal(query.kind, 'the kind filter');
  const verdict = equal(query.verdict, 'the verdict filter');
  const owner = equal(query.owner, 'the owner filter');
  const since = query.since === undefined ? undefined : storedMoment(query.since, 'since');
  const until = query.until === undefined ? undefined : storedMoment(query.until, 'until');
  return (eb) => {
    const parts: Expression<SqlBool>[] = [];
    if (needle !== '') {
      const pattern = substringPattern(needle);
      parts.push(
        eb.or([
          like(eb.ref('reports.target_key'), pattern),
          like(eb.ref('reports.domain'), pattern),
          eb.exists(
            eb
              .selectFrom('report_hosts')
              .select('report_hosts.host')
              .whereRef('report_hosts.report_id', '=', 'reports.id')
              .where((h) => like(h.ref('report_hosts.host'), pattern)),
          ),
        ]),
      );
    }
    if (kind !== undefined) parts.push(eb('reports.kind', '=', kind));
    if (verdict !== undefined) parts.push(eb('reports.verdict', '=', verdict));
    if (owner !== undefined) parts.push(eb('reports.owner', '=', owner));
    if (since !== undefined) parts.push(eb('reports.stored_at', '>=', since));
    if (until !== undefined) parts.push(eb('reports.stored_at', '<', until));
    return eb.and(parts);
  };
}

/** Keyset paging: reports stored before this one (its storedAt, then its id), newest first. */
export function beforeFilter(before: ReportQuery['before']): ((eb: ExpressionBuilder<Database, 'reports'>) => Expression<SqlBool>) | null {
  if (before === undefined) return null;
  if (typeof before.id !== 'string' || !REPORT_ID.test(before.id)) throw invalid('before.id is a report id', 'bad-id');
  const storedAt = storedMoment(before.storedAt, 'before.storedAt');
  return (eb) => eb.or([eb('reports.stored_at', '<', storedAt), eb.and([eb('reports.stored_at', '=', storedAt), eb('reports.id', '<', before.id)])]);
}
