// Reading a saved Report back (mxray report): the file is input like any other, so it is checked
// against the schema before anything trusts its shape. Loads TypeBox's checker: never import this
// from a module on another command's start-up path.
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UsageError } from './errors.js';
import { BlocklistReportSchema, ExplainReportSchema, HeadersReportSchema, SenderReportSchema, LogsReportSchema, PcapReportSchema, CertificateReportSchema, EnforceReportSchema, PostureReportSchema, ReceiverReportSchema, SendReportSchema, TlsRptReportSchema, type Report } from './schema.js';
import { SCHEMA_VERSION } from './version.js';

/** Larger than any real report (a scan of hundreds of hosts), small enough to parse safely. */
export const MAX_SAVED_REPORT_BYTES = 64 * 1024 * 1024;

/**
 * An RFC 3339 date-time that names a real moment: V8's Date.parse rolls 31 February over to March,
 * so the calendar day is checked on its own.
 */
export function isDateTime(v: string): boolean {
  const m = /^(\d{4})-(\d\d)-(\d\d)T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(v);
  if (!m || Number.isNaN(Date.parse(v))) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', isDateTime);

/** Each kind of report, by its `kind`. */
const KINDS: Readonly<Record<string, TSchema>> = {
  receiver: ReceiverReportSchema,
  certificate: CertificateReportSchema,
  enforce: EnforceReportSchema,
  send: SendReportSchema,
  posture: PostureReportSchema,
  tlsrpt: TlsRptReportSchema,
  blocklist: BlocklistReportSchema,
  explain: ExplainReportSchema,
  headers: HeadersReportSchema,
  sender: SenderReportSchema,
  logs: LogsReportSchema,
  pcap: PcapReportSchema,
};

/** Parses and checks a saved report; every problem is one line (UsageError), never a stack trace. */
export function parseSavedReport(text: string, name: string): Report {
  if (text.length > MAX_SAVED_REPORT_BYTES) throw new UsageError(`${name} is larger than ${MAX_SAVED_REPORT_BYTES / 1024 / 1024} MiB: not a report mxray wrote`, { helpful: false });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${name} is not JSON: ${(err as Error).message.slice(0, 120)}`, { helpful: false });
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof data !== 'object' || data === null || version === undefined) throw new UsageError(`${name} is not an mxray report (no schemaVersion)`, { helpful: false });
  if (version !== SCHEMA_VERSION) {
    throw new UsageError(`${name} is a report of schema version ${String(version).slice(0, 20)}; this mxray reads version ${SCHEMA_VERSION} (run the test again)`, { helpful: false });
  }
  // Checked against its own kind's schema, so that the first error names a field, not "the union".
  const kind = (data as { kind?: unknown }).kind;
  const schema = KINDS[String(kind)];
  if (!schema) throw new UsageError(`${name} is not a valid mxray report: /kind: ${JSON.stringify(String(kind).slice(0, 40))} is no kind of report mxray writes (${Object.keys(KINDS).join(', ')})`, { helpful: false });
  const first = Value.Errors(schema, data).First();
  if (first) throw new UsageError(`${name} is not a valid mxray report: ${first.path || '/'}: ${first.message}`, { helpful: false });
  return data as Report;
}
