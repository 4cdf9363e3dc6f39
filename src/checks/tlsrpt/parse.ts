// One RFC 8460 aggregate report, from its JSON text to typed values, or the named reason it is not
// one. Pure and total: never throws, whatever the text; every string, list and count is bounded.
//
// Lenient where real senders deviate and the meaning is clear (each deviation is kept as a warning):
// `mx-host` as a string (RFC 8460) or an array (its erratum 6241, and Google); a date-range without a
// time zone (Microsoft: read as UTC); a summary whose failure count disagrees with the failure
// details (Mail.ru: the summary is counted). Strict where counting would be a guess: a policy
// without its policy-type, policy-domain or summary counts is left out (and said); a report with no
// usable policy, or with no `policies` array, is not a report.
import { TLSRPT_RESULT_TYPES } from '../../core/tlsrpt-vocabulary.js';

/** Bounds on one report (a report's JSON text is already at most MAX_REPORT_BYTES). */
export const REPORT_LIMITS = {
  /** Bytes of one report's JSON text (and what one gzip stream may expand to). */
  reportBytes: 20 * 1024 * 1024,
  policies: 1000,
  failureDetails: 10_000,
  policyStringLines: 100,
  mxHosts: 20,
  /** Characters kept of any string (longer ones are clipped, and said). */
  stringLength: 1024,
  /** A session count above this is not believed (no sender makes 10^12 sessions in a report). */
  count: 1e12,
} as const;

export type PolicyType = 'sts' | 'tlsa' | 'no-policy-found' | 'other';

export interface ParsedFailure {
  resultType: string;
  known: boolean;
  sendingIp: string | null;
  receivingMx: string | null;
  receivingIp: string | null;
  failed: number;
  reasonCode: string | null;
  additionalInformation: string | null;
}

export interface ParsedPolicy {
  domain: string;
  type: PolicyType;
  /** The policy-type as sent, when it is none of RFC 8460's. */
  typeAsSent: string | null;
  mode: string | null;
  mxHosts: string[];
  successful: number;
  failed: number;
  failures: ParsedFailure[];
}

export interface ParsedReport {
  organization: string | null;
  reportId: string | null;
  contact: string | null;
  /** date-range as epoch ms (null: missing or unreadable). */
  start: number | null;
  end: number | null;
  policies: ParsedPolicy[];
  /** Deviations from RFC 8460 that did not stop the report being read. */
  warnings: string[];
  /** Bounds reached: what lies past them was not counted. */
  limits: string[];
}

export type ParseResult = { ok: true; report: ParsedReport } | { ok: false; problem: 'not-json' | 'not-a-report' | 'too-large'; detail: string };

const KNOWN: ReadonlySet<string> = new Set(TLSRPT_RESULT_TYPES);
const MAX_WARNINGS = 20;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : 'a fraction';
  return `a ${typeof v}`;
}

class Notes {
  readonly warnings: string[] = [];
  readonly limits: string[] = [];
  private dropped = 0;
  warn(text: string): void {
    if (this.warnings.length < MAX_WARNINGS - 1) this.warnings.push(text);
    else this.dropped++;
  }
  limit(text: string): void {
    this.limits.push(text);
    this.warn(text);
  }
  done(): string[] {
    return this.dropped ? [...this.warnings, `and ${this.dropped} more warnings`] : this.warnings;
  }
}

/** A string field (clipped to the bound, and said), or null when absent; a wrong type is a warning. */
function text(o: JsonObject, key: string, where: string, notes: Notes): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') {
    notes.warn(`${where}${key} is ${typeName(v)}, not a string: ignored`);
    return null;
  }
  if (v.length > REPORT_LIMITS.stringLength) {
    notes.warn(`${where}${key} is ${v.length} characters long: clipped to ${REPORT_LIMITS.stringLength}`);
    return v.slice(0, REPORT_LIMITS.stringLength);
  }
  return v;
}

/** A session count, or why it is not one. */
function count(o: JsonObject, key: string): number | string {
  const v = o[key];
  if (v === undefined) return `${key} is missing`;
  if (typeof v !== 'number' || !Number.isInteger(v)) return `${key} is ${typeName(v)}, not a whole number`;
  if (v < 0) return `${key} is negative (${v})`;
  if (v > REPORT_LIMITS.count) return `${key} is ${v}, more sessions than mxray believes a report (over 10^12)`;
  return v;
}

/** A host name as compared: lower case, no trailing dot. */
const hostName = (s: string): string => s.trim().toLowerCase().replace(/\.$/, '');

const DATE = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(\.\d{1,9})?([Zz]|[+-]\d\d:?\d\d)?$/;

/** An RFC 3339 date-time (fractional seconds or not); without a zone it is read as UTC (and said). */
export function parseDateTime(value: string): { ms: number; zoneless: boolean } | null {
  const m = DATE.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const fraction = frac ? `.${frac.slice(1, 4).padEnd(3, '0')}` : '';
  const z = !zone || zone === 'Z' || zone === 'z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${z}`);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2024-02-31 over to 2 March: the day must survive the round trip.
  if (new Date(Date.parse(`${y}-${mo}-${d}T00:00:00Z`)).toISOString().slice(0, 10) !== `${y}-${mo}-${d}`) return null;
  return { ms, zoneless: !zone };
}

function dateField(range: JsonObject, key: string, notes: Notes): number | null {
  const v = range[key];
  if (typeof v !== 'string') {
    notes.warn(`date-range.${key} is ${v === undefined ? 'missing' : typeName(v)}: the report is counted but not placed in time`);
    return null;
  }
  const d = parseDateTime(v.slice(0, 100));
  if (!d) {
    notes.warn(`date-range.${key} "${v.slice(0, 60)}" is not an RFC 3339 date-time: the report is counted but not placed in time`);
    return null;
  }
  if (d.zoneless) notes.warn(`date-range.${key} "${v.slice(0, 40)}" has no time zone: read as UTC`);
  return d.ms;
}

function policyType(v: string): { type: PolicyType; asSent: string | null } {
  const t = v.trim().toLowerCase();
  return t === 'sts' || t === 'tlsa' || t === 'no-policy-found' ? { type: t, asSent: null } : { type: 'other', asSent: v.slice(0, 100) };
}

function modeOf(lines: Json | undefined, where: string, notes: Notes): string | null {
  if (lines === undefined || lines === null) return null;
  if (!Array.isArray(lines)) {
    notes.warn(`${where}policy-string is ${typeName(lines)}, not an array of lines`);
    return null;
  }
  if (lines.length > REPORT_LIMITS.policyStringLines) notes.limit(`${where}policy-string has ${lines.length} lines: only the first ${REPORT_LIMITS.policyStringLines} read`);
  for (const l of lines.slice(0, REPORT_LIMITS.policyStringLines)) {
    const m = typeof l === 'string' ? /^\s*mode\s*:\s*([A-Za-z0-9_-]{1,40})/.exec(l) : null;
    if (m) return m[1]!.toLowerCase();
  }
  return null;
}

function mxHostsOf(v: Json | undefined, where: string, notes: Notes): string[] {
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : null;
  if (!list) {
    notes.warn(`${where}mx-host is ${typeName(v)}: ignored`);
    return [];
  }
  if (list.length > REPORT_LIMITS.mxHosts) notes.limit(`${where}mx-host lists ${list.length} names: only the first ${REPORT_LIMITS.mxHosts} kept`);
  return list.slice(0, REPORT_LIMITS.mxHosts).flatMap((h) => (typeof h === 'string' ? [hostName(h.slice(0, 300))] : []));
}

function failureOf(v: Json, where: string, notes: Notes): ParsedFailure | null {
  if (!isObject(v)) {
    notes.warn(`${where} is ${typeName(v)}, not an object: left out`);
    return null;
  }
  const resultType = text(v, 'result-type', `${where}.`, notes);
  if (resultType === null) {
    notes.warn(`${where} has no result-type: left out`);
    return null;
  }
  const failed = count(v, 'failed-session-count');
  if (typeof failed === 'string') {
    notes.warn(`${where}: ${failed}: left out`);
    return null;
  }
  const mx = text(v, 'receiving-mx-hostname', `${where}.`, notes);
  const rt = resultType.trim().toLowerCase().slice(0, 200);
  return {
    resultType: rt,
    known: KNOWN.has(rt),
    sendingIp: text(v, 'sending-mta-ip', `${where}.`, notes)?.slice(0, 100) ?? null,
    receivingMx: mx === null ? null : hostName(mx.slice(0, 300)),
    receivingIp: text(v, 'receiving-ip', `${where}.`, notes)?.slice(0, 100) ?? null,
    failed,
    reasonCode: text(v, 'failure-reason-code', `${where}.`, notes)?.slice(0, 300) ?? null,
    additionalInformation: text(v, 'additional-information', `${where}.`, notes)?.slice(0, 300) ?? null,
  };
}

/** One entry of `policies`, or why it cannot be counted. */
function policyOf(v: Json, i: number, notes: Notes): ParsedPolicy | string {
  const where = `policies[${i}]`;
  if (!isObject(v)) return `${where} is ${typeName(v)}, not an object`;
  const p = v.policy;
  if (!isObject(p)) return `${where}.policy is ${p === undefined ? 'missing' : typeName(p)}`;
  const rawType = p['policy-type'];
  if (typeof rawType !== 'string') return `${where}.policy.policy-type is ${rawType === undefined ? 'missing' : `${typeName(rawType)}, not a string`}`;
  const rawDomain = p['policy-domain'];
  if (typeof rawDomain !== 'string' || rawDomain.trim() === '') return `${where}.policy.policy-domain is ${rawDomain === undefined ? 'missing' : typeof rawDomain === 'string' ? 'empty' : `${typeName(rawDomain)}, not a string`}`;
  const s = v.summary;
  if (!isObject(s)) return `${where}.summary is ${s === undefined ? 'missing' : typeName(s)}`;
  const successful = count(s, 'total-successful-session-count');
  if (typeof successful === 'string') return `${where}.summary.${successful}`;
  const failed = count(s, 'total-failure-session-count');
  if (typeof failed === 'string') return `${where}.summary.${failed}`;
  const { type, asSent } = policyType(rawType.slice(0, 100));
  if (asSent !== null) notes.warn(`${where}.policy.policy-type "${asSent.slice(0, 40)}" is none of RFC 8460's (sts, tlsa, no-policy-found)`);
  const failures: ParsedFailure[] = [];
  const details = v['failure-details'];
  if (details !== undefined && details !== null && !Array.isArray(details)) notes.warn(`${where}.failure-details is ${typeName(details)}, not an array: ignored`);
  else if (Array.isArray(details)) {
    if (details.length > REPORT_LIMITS.failureDetails) notes.limit(`${where}.failure-details has ${details.length} entries: only the first ${REPORT_LIMITS.failureDetails} read`);
    details.slice(0, REPORT_LIMITS.failureDetails).forEach((d, j) => {
      const f = failureOf(d, `${where}.failure-details[${j}]`, notes);
      if (f) failures.push(f);
    });
  }
  const detailed = failures.reduce((a, f) => a + f.failed, 0);
  if (failures.length && detailed !== failed) {
    notes.warn(`${where}: the failure details add up to ${detailed} sessions, the summary says ${failed}: the summary is counted`);
  }
  if (failed > 0 && failures.length === 0) notes.warn(`${where}: ${failed} failed sessions without failure details`);
  return {
    domain: hostName(rawDomain.slice(0, 300)),
    type,
    typeAsSent: asSent,
    mode: type === 'sts' ? modeOf(p['policy-string'], `${where}.policy.`, notes) : null,
    mxHosts: mxHostsOf(p['mx-host'], `${where}.policy.`, notes),
    successful,
    failed,
    failures,
  };
}

/** Reads one report's JSON text (a BOM before it is allowed). */
export function parseTlsRptReport(json: string): ParseResult {
  if (json.length > REPORT_LIMITS.reportBytes) return { ok: false, problem: 'too-large', detail: `${json.length} characters, more than the ${REPORT_LIMITS.reportBytes / 1024 / 1024} MiB a report may be` };
  let value: unknown;
  try {
    value = JSON.parse(json.charCodeAt(0) === 0xfeff ? json.slice(1) : json);
  } catch (err) {
    return { ok: false, problem: 'not-json', detail: err instanceof SyntaxError ? err.message.slice(0, 200) : 'nested too deeply' };
  }
  if (!isObject(value)) return { ok: false, problem: 'not-a-report', detail: `the JSON text is ${typeName(value)}, not an object` };
  const notes = new Notes();
  const policies = value.policies;
  if (!Array.isArray(policies)) return { ok: false, problem: 'not-a-report', detail: `policies is ${policies === undefined ? 'missing' : `${typeName(policies)}, not an array`}` };
  const organization = text(value, 'organization-name', '', notes);
  const reportId = text(value, 'report-id', '', notes);
  const contact = text(value, 'contact-info', '', notes);
  if (organization === null) notes.warn('organization-name is missing');
  if (reportId === null) notes.warn('report-id is missing: duplicates of this report cannot be recognised');
  const range = value['date-range'];
  let start: number | null = null;
  let end: number | null = null;
  if (!isObject(range)) notes.warn(`date-range is ${range === undefined ? 'missing' : typeName(range)}: the report is counted but not placed in time`);
  else {
    start = dateField(range, 'start-datetime', notes);
    end = dateField(range, 'end-datetime', notes);
    if (start !== null && end !== null && end < start) notes.warn('date-range ends before it starts');
  }
  if (policies.length > REPORT_LIMITS.policies) notes.limit(`${policies.length} policies: only the first ${REPORT_LIMITS.policies} counted`);
  const read: ParsedPolicy[] = [];
  const refused: string[] = [];
  policies.slice(0, REPORT_LIMITS.policies).forEach((p, i) => {
    const r = policyOf(p, i, notes);
    if (typeof r === 'string') refused.push(r);
    else read.push(r);
  });
  if (refused.length && read.length === 0) return { ok: false, problem: 'not-a-report', detail: refused.length > 1 ? `${refused[0]} (and ${refused.length - 1} more policies unusable)` : refused[0]! };
  for (const r of refused) notes.warn(`${r}: that policy is not counted`);
  if (policies.length === 0) notes.warn('policies is empty: the report counts no session');
  return { ok: true, report: { organization, reportId, contact, start, end, policies: read, warnings: notes.done(), limits: notes.limits } };
}
