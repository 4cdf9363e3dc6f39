// Many reports summed into the body of a `tlsrpt` Report: per policy (policy-domain, policy-type),
// per MX host and result type, per day, per report. Pure: the same reports in the same order give
// the same body.
//
// Duplicates: a report whose organization-name and report-id were both read before (a mail that
// arrived twice, the same file given in two folders) is counted once: the first read wins, the
// others are named as problems of kind 'duplicate'. A report without a report-id is never taken
// for a duplicate. Dates: each report's sessions go to the UTC day its date-range starts; reports
// may come in any order (the days are sorted); one whose dates cannot be read is counted in the
// totals and in `undated`, not on a day.
import type { TlsRptBody, TlsRptFailureGroup, TlsRptPolicySummary, TlsRptProblem, TlsRptReportEntry } from '../../core/tlsrpt-schema.js';
import type { ParsedReport } from './parse.js';

/** One document read, with where it was read from. */
export interface ReadReport {
  source: string;
  report: ParsedReport;
}

export interface SummaryInput {
  /** In the order read (the CLI sorts a folder's files by name). */
  reports: readonly ReadReport[];
  /** Inputs that gave no report, in the order met. */
  problems: readonly TlsRptProblem[];
  files: number;
  messages: number;
  /** Bounds reached while reading the inputs (folders, mailboxes, MIME). */
  limits: readonly string[];
}

export const SUMMARY_LIMITS = { policies: 2000, failureGroups: 200, reports: 20_000, problems: 1000, days: 3660, listed: 20, ips: 10, reasons: 10, info: 5, limits: 50 } as const;

const DAY_MS = 86_400_000;

interface GroupAcc {
  group: TlsRptFailureGroup;
  ips: Set<string>;
  sending: Set<string>;
  reasons: Set<string>;
  info: Set<string>;
  reporters: Set<string>;
}

interface PolicyAcc {
  domain: string;
  type: TlsRptPolicySummary['policyType'];
  asSent: string | null;
  mode: string | null;
  mx: Set<string>;
  reports: number;
  successful: number;
  failed: number;
  groups: Map<string, GroupAcc>;
  reporters: Set<string>;
}

/** Adds to a set while it is below its bound. */
function addBounded(set: Set<string>, value: string | null, max: number): void {
  if (value !== null && set.size < max) set.add(value);
}

/** Distinct values, counted up to a large bound (sending IPs: counted, not listed). */
const MAX_COUNTED = 100_000;

export function summariseReports(input: SummaryInput): TlsRptBody {
  const problems: TlsRptProblem[] = [...input.problems];
  const limits = new Set<string>(input.limits);
  const seen = new Map<string, string>();
  const policies = new Map<string, PolicyAcc>();
  const days = new Map<string, { successful: number; failed: number }>();
  const undated = { reports: 0, successful: 0, failed: 0 };
  const entries: TlsRptReportEntry[] = [];
  let reportsNotListed = 0;
  let counted = 0;
  let duplicates = 0;
  let first: number | null = null;
  let last: number | null = null;
  const totals = { successful: 0, failed: 0 };

  for (const { source, report } of input.reports) {
    if (report.reportId !== null) {
      const key = `${report.organization ?? ''}\u0000${report.reportId}`;
      const before = seen.get(key);
      if (before !== undefined) {
        duplicates++;
        problems.push({ source, problem: 'duplicate', detail: `the same organization-name and report-id as ${before.slice(0, 300)}: counted once` });
        continue;
      }
      seen.set(key, source);
    }
    counted++;
    for (const l of report.limits) if (limits.size < SUMMARY_LIMITS.limits) limits.add(`${source.slice(0, 120)}: ${l}`.slice(0, 300));
    let successful = 0;
    let failed = 0;
    const org = report.organization?.slice(0, 200) ?? '(no organization-name)';
    for (const p of report.policies) {
      successful += p.successful;
      failed += p.failed;
      const key = `${p.domain}\u0000${p.type}\u0000${p.typeAsSent ?? ''}`;
      let acc = policies.get(key);
      if (!acc) {
        acc = { domain: p.domain, type: p.type, asSent: p.typeAsSent, mode: null, mx: new Set(), reports: 0, successful: 0, failed: 0, groups: new Map(), reporters: new Set() };
        policies.set(key, acc);
      }
      acc.reports++;
      acc.successful += p.successful;
      acc.failed += p.failed;
      if (p.mode !== null) acc.mode = p.mode;
      for (const h of p.mxHosts) addBounded(acc.mx, h, SUMMARY_LIMITS.listed);
      addBounded(acc.reporters, org, SUMMARY_LIMITS.listed);
      for (const f of p.failures) {
        const gk = `${f.resultType}\u0000${f.receivingMx ?? ''}`;
        let g = acc.groups.get(gk);
        if (!g) {
          g = {
            group: { resultType: f.resultType, known: f.known, receivingMx: f.receivingMx, receivingIps: [], sendingIps: 0, failed: 0, reasonCodes: [], additionalInformation: [], reporters: [] },
            ips: new Set(),
            sending: new Set(),
            reasons: new Set(),
            info: new Set(),
            reporters: new Set(),
          };
          acc.groups.set(gk, g);
        }
        g.group.failed += f.failed;
        addBounded(g.ips, f.receivingIp, SUMMARY_LIMITS.ips);
        addBounded(g.sending, f.sendingIp, MAX_COUNTED);
        addBounded(g.reasons, f.reasonCode, SUMMARY_LIMITS.reasons);
        addBounded(g.info, f.additionalInformation, SUMMARY_LIMITS.info);
        addBounded(g.reporters, org, SUMMARY_LIMITS.listed);
      }
    }
    totals.successful += successful;
    totals.failed += failed;
    if (report.start !== null) {
      const day = new Date(Math.floor(report.start / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
      const d = days.get(day) ?? { successful: 0, failed: 0 };
      d.successful += successful;
      d.failed += failed;
      days.set(day, d);
      first = first === null ? report.start : Math.min(first, report.start);
      last = last === null ? (report.end ?? report.start) : Math.max(last, report.end ?? report.start);
    } else {
      undated.reports++;
      undated.successful += successful;
      undated.failed += failed;
    }
    if (entries.length < SUMMARY_LIMITS.reports) {
      entries.push({
        source: source.slice(0, 1100),
        organization: report.organization?.slice(0, 200) ?? null,
        reportId: report.reportId?.slice(0, 300) ?? null,
        contact: report.contact?.slice(0, 300) ?? null,
        start: report.start === null ? null : new Date(report.start).toISOString(),
        end: report.end === null ? null : new Date(report.end).toISOString(),
        policies: report.policies.length,
        successful,
        failed,
        warnings: report.warnings.slice(0, 20).map((w) => w.slice(0, 300)),
      });
    } else reportsNotListed++;
  }

  const summaries = [...policies.values()].map(policySummary).sort(worstFirst);
  const sortedDays = [...days.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  if (summaries.length > SUMMARY_LIMITS.policies) limits.add(`${summaries.length} policies: the ${SUMMARY_LIMITS.policies} worst listed, all counted in the totals`);
  if (sortedDays.length > SUMMARY_LIMITS.days) limits.add(`${sortedDays.length} days: the last ${SUMMARY_LIMITS.days} listed, all counted in the totals`);
  return {
    inputs: {
      files: input.files,
      messages: input.messages,
      documents: input.reports.length,
      reports: counted,
      duplicates,
      unreadable: problems.length,
    },
    period: first === null || last === null ? null : { start: new Date(first).toISOString(), end: new Date(last).toISOString() },
    totals,
    policies: summaries.slice(0, SUMMARY_LIMITS.policies),
    policiesNotListed: Math.max(0, summaries.length - SUMMARY_LIMITS.policies),
    daily: sortedDays.slice(-SUMMARY_LIMITS.days).map(([day, d]) => ({ day, successful: d.successful, failed: d.failed })),
    undated,
    reports: entries,
    reportsNotListed,
    problems: problems.slice(0, SUMMARY_LIMITS.problems).map((p) => ({ source: p.source.slice(0, 1100), problem: p.problem, detail: p.detail.slice(0, 500) })),
    problemsNotListed: Math.max(0, problems.length - SUMMARY_LIMITS.problems),
    limits: [...limits].slice(0, SUMMARY_LIMITS.limits).map((l) => l.slice(0, 300)),
  };
}

/** failed / all sessions; 0 when none. */
export function shareOf(successful: number, failed: number): number {
  const all = successful + failed;
  return all === 0 ? 0 : failed / all;
}

function policySummary(acc: PolicyAcc): TlsRptPolicySummary {
  const groups = [...acc.groups.values()]
    .map((g) => ({
      ...g.group,
      receivingIps: [...g.ips],
      sendingIps: g.sending.size,
      reasonCodes: [...g.reasons],
      additionalInformation: [...g.info],
      reporters: [...g.reporters],
    }))
    .sort((a, b) => b.failed - a.failed || cmp(a.resultType, b.resultType) || cmp(a.receivingMx ?? '', b.receivingMx ?? ''));
  return {
    policyDomain: acc.domain,
    policyType: acc.type,
    policyTypeAsSent: acc.asSent,
    mode: acc.mode,
    mxHosts: [...acc.mx],
    reports: acc.reports,
    successful: acc.successful,
    failed: acc.failed,
    failedShare: shareOf(acc.successful, acc.failed),
    failures: groups.slice(0, SUMMARY_LIMITS.failureGroups),
    failuresNotListed: Math.max(0, groups.length - SUMMARY_LIMITS.failureGroups),
    reporters: [...acc.reporters],
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Highest failed share first, then most failed sessions, then by name. */
function worstFirst(a: TlsRptPolicySummary, b: TlsRptPolicySummary): number {
  return b.failedShare - a.failedShare || b.failed - a.failed || cmp(a.policyDomain, b.policyDomain) || cmp(a.policyType, b.policyType);
}
