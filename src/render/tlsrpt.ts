// `mxray tlsrpt`'s report as a Document: the verdict and the worst policy's failures on the first
// line; the period, what was read and what could not be, and a sparkline of the failed share per
// day as context; one row per policy and under it one per MX host and result type, worst first;
// the findings; on request each report read; and for HTML a chart of sessions per day.
import type { TlsRptReport, Verdict } from '../core/schema.js';
import type { TlsRptBody, TlsRptPolicySummary } from '../core/tlsrpt-schema.js';
import { countLine, findingView, line, transcriptText, type Cell, type DetailSection, type DocChart, type DocShareChart, type Document, type DocumentOptions, type Line } from './document.js';
import { safe, num } from './style.js';

export const TLSRPT_SUMMARY_HEADER = ['Policy domain', 'Policy', 'MX host', 'Result', 'Failed', 'Succeeded', 'Failed share'];

/** Rows of the summary table shown; the JSON report has all. */
const MAX_ROWS = 60;
/** Failure rows under one policy. */
const MAX_GROUP_ROWS = 10;
/** Reports shown one by one in the details. */
const MAX_REPORT_SECTIONS = 200;
/** Problems named in the context lines (all of them in the details). */
const MAX_CONTEXT_PROBLEMS = 5;
/** Days in the sparkline and the chart. */
const SPARK_DAYS = 60;
const CHART_DAYS = 366;
/** Mirrors checks/tlsrpt FAILURE_SHARE_ERROR (render/ may not import checks/). */
const ERROR_SHARE = 0.02;


function pct(share: number): string {
  if (share === 0) return '0 %';
  const p = share * 100;
  return p < 0.01 ? '<0.01 %' : `${p < 1 ? p.toFixed(2) : p.toFixed(1)} %`;
}

const shareVerdict = (share: number, failed: number): Verdict => (failed === 0 ? 'pass' : share >= ERROR_SHARE ? 'fail' : 'warn');

function policyLabel(p: TlsRptPolicySummary): string {
  const type = p.policyType === 'other' ? safe(p.policyTypeAsSent ?? 'other', 30) : p.policyType;
  return p.mode ? `${type} (${safe(p.mode, 20)})` : type;
}

function policyRows(p: TlsRptPolicySummary): Cell[][] {
  const all = p.successful + p.failed;
  const rows: Cell[][] = [
    [
      { text: safe(p.policyDomain, 80) },
      { text: policyLabel(p) },
      { text: 'all' },
      { text: p.failed ? 'all failures' : 'no failure' },
      { text: num(p.failed) },
      { text: num(p.successful) },
      { text: pct(p.failedShare), verdict: shareVerdict(p.failedShare, p.failed) },
    ],
  ];
  for (const g of p.failures.slice(0, MAX_GROUP_ROWS)) {
    rows.push([
      { text: '' },
      { text: '' },
      { text: g.receivingMx ? safe(g.receivingMx, 60) : '(not named)' },
      { text: safe(g.resultType, 40) },
      { text: num(g.failed) },
      { text: '' },
      { text: pct(all ? g.failed / all : 0) },
    ]);
  }
  const hidden = p.failures.length - MAX_GROUP_ROWS + p.failuresNotListed;
  if (hidden > 0) rows.push([{ text: '' }, { text: '' }, { text: `… ${hidden} more` }, { text: '' }, { text: '' }, { text: '' }, { text: '' }]);
  return rows;
}

function summaryRows(body: TlsRptBody): Cell[][] {
  const rows: Cell[][] = [];
  let shown = 0;
  for (const p of body.policies) {
    const r = policyRows(p);
    if (rows.length + r.length > MAX_ROWS) break;
    rows.push(...r);
    shown++;
  }
  const hidden = body.policies.length - shown + body.policiesNotListed;
  if (hidden > 0) rows.push([{ text: `… ${hidden} more policies (--json has them all)` }, { text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }]);
  return rows;
}

/** ▁▂▃▄▅▆▇█ for each day's failed share (the day with the highest share is full height); a space for a day without sessions. */
export function sparkline(daily: TlsRptBody['daily']): string {
  const bars = '▁▂▃▄▅▆▇█';
  const shares = daily.map((d) => (d.successful + d.failed ? d.failed / (d.successful + d.failed) : -1));
  const max = Math.max(0, ...shares);
  return shares.map((s) => (s < 0 ? ' ' : max === 0 ? bars[0] : bars[Math.min(7, Math.round((s / max) * 7))])).join('');
}

function reasonOf(body: TlsRptBody): string {
  const unreadable = body.inputs.unreadable - body.inputs.duplicates;
  const tail = unreadable > 0 ? `; ${unreadable} input${unreadable > 1 ? 's' : ''} could not be read` : '';
  if (body.inputs.reports === 0) return `no TLS-RPT report could be read from ${num(body.inputs.files)} input file${body.inputs.files === 1 ? '' : 's'}${tail}`;
  const failing = body.policies.filter((p) => p.failed > 0);
  const all = body.totals.successful + body.totals.failed;
  if (failing.length === 0) {
    const domains = [...new Set(body.policies.map((p) => p.policyDomain))];
    return safe(`all ${num(all)} sessions in ${num(body.inputs.reports)} report${body.inputs.reports > 1 ? 's' : ''} for ${domains.slice(0, 3).join(', ')}${domains.length > 3 ? ` and ${domains.length - 3} more` : ''} used TLS${tail}`, 300);
  }
  const worst = failing[0]!;
  const types = new Map<string, number>();
  for (const g of worst.failures) types.set(g.resultType, (types.get(g.resultType) ?? 0) + g.failed);
  const top = [...types.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([t, n]) => `${t} ${num(n)}`).join(', ');
  const more = failing.length > 1 ? `; ${failing.length - 1} more polic${failing.length > 2 ? 'ies' : 'y'} with failures` : '';
  return safe(
    `${num(worst.failed)} of ${num(worst.failed + worst.successful)} sessions to ${worst.policyDomain} (${worst.policyType === 'other' ? 'other' : worst.policyType}) failed (${pct(worst.failedShare)})${top ? `: ${top}` : ''}${more}${tail}`,
    300,
  );
}

function contextLines(body: TlsRptBody): Line[] {
  const out: Line[] = [];
  if (body.period) out.push(line(0, { dim: 'Period      ' }, `${body.period.start.slice(0, 10)} to ${body.period.end.slice(0, 10)} (UTC)`));
  const read = [`${num(body.inputs.reports)} reports`, `${num(body.inputs.files)} files`];
  if (body.inputs.messages) read.push(`${num(body.inputs.messages)} mails`);
  if (body.inputs.duplicates) read.push(`${num(body.inputs.duplicates)} duplicate${body.inputs.duplicates === 1 ? '' : 's'} counted once`);
  const unreadable = body.inputs.unreadable - body.inputs.duplicates;
  if (unreadable) read.push(`${num(unreadable)} unreadable`);
  out.push(line(0, { dim: 'Read        ' }, read.join(', ')));
  out.push(line(0, { dim: 'Sessions    ' }, `${num(body.totals.successful)} successful, ${num(body.totals.failed)} failed (${pct(body.totals.successful + body.totals.failed ? body.totals.failed / (body.totals.successful + body.totals.failed) : 0)})`));
  const days = body.daily.slice(-SPARK_DAYS);
  if (days.length > 1) out.push(line(0, { dim: 'Failed/day  ' }, `${sparkline(days)}  ${days[0]!.day} … ${days[days.length - 1]!.day}`));
  const problems = body.problems.filter((p) => p.problem !== 'duplicate');
  for (const p of problems.slice(0, MAX_CONTEXT_PROBLEMS)) out.push(line(0, { dim: 'Unreadable  ' }, `${safe(p.source, 160)}: ${p.problem}: ${safe(p.detail, 200)}`));
  const more = problems.length - MAX_CONTEXT_PROBLEMS + body.problemsNotListed;
  if (more > 0) out.push(line(0, { dim: 'Unreadable  ' }, `… and ${num(more)} more (--details lists them)`));
  return out;
}

function reportSection(r: TlsRptBody['reports'][number]): DetailSection {
  const lines: Line[] = [
    line(0, { dim: 'Organization  ' }, r.organization ? safe(r.organization, 120) : '(none)', r.contact ? { dim: ` <${safe(r.contact, 120)}>` } : ''),
    line(0, { dim: 'Report-id     ' }, r.reportId ? safe(r.reportId, 200) : '(none)'),
    line(0, { dim: 'Period        ' }, r.start && r.end ? `${r.start} to ${r.end}` : `${r.start ?? '?'} to ${r.end ?? '?'}`),
    line(0, { dim: 'Sessions      ' }, `${num(r.successful)} successful, ${num(r.failed)} failed, in ${r.policies} polic${r.policies === 1 ? 'y' : 'ies'}`),
  ];
  for (const w of r.warnings) lines.push(line(1, { dim: 'warning: ' }, safe(w, 300)));
  return { heading: safe(r.source, 200), lines };
}

function detailSections(body: TlsRptBody): DetailSection[] {
  const sections = body.reports.slice(0, MAX_REPORT_SECTIONS).map(reportSection);
  const notShown = body.reports.length - MAX_REPORT_SECTIONS + body.reportsNotListed;
  if (notShown > 0) sections.push({ heading: `… ${num(notShown)} more reports`, lines: [line(0, 'The JSON report (--json) lists up to 20,000.')] });
  if (body.problems.length) {
    const lines = body.problems.map((p) => line(0, { bold: p.problem }, ` ${safe(p.source, 200)}: ${safe(p.detail, 300)}`));
    if (body.problemsNotListed) lines.push(line(0, `… and ${num(body.problemsNotListed)} more, not listed`));
    sections.push({ heading: 'Inputs not counted', lines });
  }
  if (body.limits.length) sections.push({ heading: 'Bounds reached', lines: body.limits.map((l) => line(0, safe(l, 300))) });
  return sections;
}

function chartOf(body: TlsRptBody): DocChart | null {
  const days = body.daily.slice(-CHART_DAYS);
  if (days.length === 0) return null;
  return {
    title: 'Sessions per day',
    labels: days.map((d) => d.day),
    series: [
      { name: 'successful', tone: 'ok', values: days.map((d) => d.successful) },
      { name: 'failed', tone: 'bad', values: days.map((d) => d.failed) },
    ],
    note:
      (body.daily.length > CHART_DAYS ? `The last ${CHART_DAYS} days of ${body.daily.length}. ` : '') +
      `Each report counted on the UTC day its date range starts${body.undated.reports ? `; ${num(body.undated.reports)} reports without readable dates are not shown` : ''}.`,
  };
}

/** The share of sessions that succeeded, per day (HTML): the TLS share the reports tell, next to the logs' per-domain chart. */
function shareChartOf(body: TlsRptBody): DocShareChart | null {
  const days = body.daily.slice(-CHART_DAYS);
  if (days.length < 2) return null;
  const domains = [...new Set(body.policies.map((p) => p.policyDomain))];
  return {
    title: 'Share of sessions with TLS that succeeded, per day',
    labels: days.map((d) => d.day),
    series: [{ name: domains.length === 1 ? safe(domains[0]!, 60) : '(all policy domains)', values: days.map((d) => (d.successful + d.failed > 0 ? d.successful / (d.successful + d.failed) : null)) }],
    note: 'Successful sessions of all sessions the reports count that day; a gap where a day had none.',
  };
}

export function tlsrptDocument(report: TlsRptReport, options: DocumentOptions = {}): Document {
  const { body } = report;
  const verbose = options.verbose === true;
  const domains = [...new Set(body.policies.map((p) => p.policyDomain))];
  const subject = `${num(body.inputs.reports)} TLS-RPT report${body.inputs.reports === 1 ? '' : 's'}${domains.length ? ` for ${domains.slice(0, 3).join(', ')}${domains.length > 3 ? ` and ${domains.length - 3} more domains` : ''}` : ''}`;
  return {
    title: 'mxray TLS-RPT reports',
    subject: safe(subject, 300),
    shortSubject: safe(domains[0] ?? report.target, 120),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: body.period ? [`${body.period.start.slice(0, 10)} to ${body.period.end.slice(0, 10)}`] : [],
    verdict: report.verdict,
    reason: reasonOf(body),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context: contextLines(body),
    summary: body.policies.length ? { header: TLSRPT_SUMMARY_HEADER, rows: summaryRows(body) } : null,
    findings: report.findings.map((f) => findingView(f)),
    details: options.brief && !verbose ? null : { heading: 'Reports', sections: detailSections(body) },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
    detailsHint: 'each report: organisation, report-id, period, sessions, warnings; every input not counted',
    chart: chartOf(body),
    shareChart: shareChartOf(body),
  };
}
