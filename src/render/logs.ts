// `mxray logs`' report as a Document: the verdict with the worst thing the logs show on the first
// line; what was read, the period, the sessions by verdict and a sparkline of the TLS share as
// context; one row per remote domain, worst first, as the summary; the findings; on request the
// hosts, the failures with what they mean, and the sessions kept; for HTML the sessions per
// hour/day and the TLS share of the busiest domains as charts.
import type { LogsReport } from '../core/schema.js';
import type { LogSessionJudged, LogSummaryRow, LogsBody, LogVerdictCounts } from '../core/logs-schema.js';
import { countLine, findingView, line, transcriptText, type Cell, type DetailSection, type DocChart, type DocShareChart, type Document, type DocumentOptions, type Line } from './document.js';
import { safe, num } from './style.js';

export const LOGS_SUMMARY_HEADER = ['Remote domain', 'Sessions', 'TLS', 'Verified', 'Clear', 'Failed', 'Unknown', 'Last seen'];
const MAX_ROWS = 15;
const MAX_SESSIONS_SHOWN = 200;

const pct = (share: number | null): string => (share === null ? '–' : `${Math.round(share * 1000) / 10} %`);
const failedOf = (c: LogVerdictCounts): number => c.failed + c['failed-then-clear'];
const plural = (n: number, word: string): string => `${num(n)} ${word}${n === 1 ? '' : 's'}`;

const FORMAT_NAMES: Record<string, string> = {
  exchange2003: 'Exchange 2003 SMTP (IIS W3C)',
  exchange: 'Exchange protocol log',
  'exchange-tracking': 'Exchange message tracking',
  postfix: 'Postfix',
  exim: 'Exim',
  sendmail: 'Sendmail',
};

function rowVerdict(r: LogSummaryRow): Cell['verdict'] {
  if (failedOf(r.counts) > 0) return 'fail';
  if (r.counts.clear > 0) return 'warn';
  if (r.counts.unknown > 0 && r.tlsShare === null) return 'inconclusive';
  return 'pass';
}

function summaryRows(body: LogsBody, by: 'domain' | 'host'): Cell[][] {
  const all = by === 'host' ? body.hosts : body.domains;
  const rows = all.slice(0, MAX_ROWS).map((r) => [
    { text: safe(r.name, by === 'host' ? 70 : 50) },
    { text: num(r.sessions) },
    { text: pct(r.tlsShare), verdict: rowVerdict(r) },
    { text: pct(r.verifiedShare) },
    { text: num(r.counts.clear) },
    { text: num(failedOf(r.counts)) + (r.counts['failed-then-clear'] ? ` (${num(r.counts['failed-then-clear'])} → clear)` : '') },
    { text: num(r.counts.unknown) },
    { text: r.lastSeen ? r.lastSeen.slice(0, 16).replace('T', ' ') : '–' },
  ]);
  const hidden = all.length - MAX_ROWS + (by === 'host' ? body.hostsOmitted : body.domainsOmitted);
  if (hidden > 0) rows.push([{ text: `… ${num(hidden)} more ${by === 'host' ? 'hosts' : 'domains'} (--details, --json)` }, { text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }]);
  return rows;
}

function reasonOf(body: LogsBody): string {
  const t = body.totals;
  const c = t.counts;
  const read = body.inputs.filter((i) => i.format !== null);
  if (t.sessions === 0) {
    if (!read.length) return body.inputs.length ? 'no input was recognised as an MTA log' : 'nothing was read';
    const filtered = body.inputs.reduce((a, i) => a + i.filteredOut, 0);
    return `no SMTP session found in ${plural(body.inputs.length, 'input')}${filtered ? ` (${num(filtered)} left out by the filters)` : ''}`;
  }
  const worst = (v: keyof LogVerdictCounts): string => {
    const r = body.domains.filter((d) => d.counts[v] > 0).sort((a, b) => b.counts[v] - a.counts[v])[0];
    return r && r.name !== '(none)' ? `, most to ${safe(r.name, 60)}` : '';
  };
  const parts: string[] = [];
  if (c['failed-then-clear']) parts.push(`${num(c['failed-then-clear'])} of ${num(t.sessions)} sessions fell back to clear text after TLS failed${worst('failed-then-clear')}`);
  if (c.failed) parts.push(`TLS failed in ${plural(c.failed, 'session')}${parts.length ? '' : worst('failed')}`);
  if (c.clear) parts.push(`${plural(c.clear, 'session')} in clear text${parts.length ? '' : worst('clear')}`);
  const exchange2003 = t.unknownBy.some((u) => u.format === 'exchange2003');
  if (c.unknown) parts.push(`the log cannot tell for ${num(c.unknown)} of ${plural(t.sessions, 'session')}${exchange2003 ? ' (Exchange 2003 logs STARTTLS, never the handshake: capture with mxray pcap)' : ''}`);
  const used = c.verified + c.encrypted;
  if (!parts.length) return `all ${plural(used, 'session')} used TLS (${num(c.verified)} verified)`;
  if (used) parts.push(`${num(used)} of ${num(t.sessions - c.unknown)} with a known state used TLS`);
  return parts.join('; ');
}

/** ▁▂▃▄▅▆▇█ per bucket: the share that used TLS (full: all of them); a space where nothing is known. */
export function shareSparkline(points: { tls: number; known: number }[]): string {
  const bars = '▁▂▃▄▅▆▇█';
  return points.map((p) => (p.known === 0 ? ' ' : bars[Math.min(7, Math.round((p.tls / p.known) * 7))])).join('');
}

function contextLines(body: LogsBody): Line[] {
  const out: Line[] = [];
  const t = body.totals;
  for (const i of body.inputs.slice(0, 5)) {
    const what = i.problem ? `not read: ${safe(i.problem, 200)}` : `${i.format ? FORMAT_NAMES[i.format] : 'not recognised'}${i.format && !i.detected ? ' (--format)' : ''}, ${plural(i.lines, 'line')}, ${plural(i.sessions, 'session')}${i.local ? ` (and ${num(i.local)} with this machine itself, left out)` : ''}${i.malformed ? `, ${num(i.malformed)} unreadable` : ''}`;
    out.push(line(0, { dim: 'Read        ' }, `${safe(i.name, 120)}: ${what}`));
  }
  if (body.inputs.length > 5) out.push(line(0, { dim: 'Read        ' }, `… and ${num(body.inputs.length - 5)} more inputs`));
  if (t.firstSeen && t.lastSeen) out.push(line(0, { dim: 'Period      ' }, `${t.firstSeen.slice(0, 19).replace('T', ' ')} to ${t.lastSeen.slice(0, 19).replace('T', ' ')} UTC`));
  const f = body.filters;
  if (f.domains.length || f.since || f.until) out.push(line(0, { dim: 'Filters     ' }, [f.domains.length ? `domain ${safe(f.domains.join(', '), 120)}` : '', f.since ? `since ${f.since}` : '', f.until ? `until ${f.until}` : ''].filter(Boolean).join(', ')));
  if (t.sessions) {
    const c = t.counts;
    out.push(line(0, { dim: 'Sessions    ' }, `${num(t.sessions)} (${num(t.outbound)} outbound, ${num(t.inbound)} inbound): ${num(c.verified)} verified, ${num(c.encrypted)} encrypted, ${num(c['failed-then-clear'])} failed then clear, ${num(c.failed)} failed, ${num(c.clear)} clear, ${num(c.unknown)} unknown`));
    const protocols = Object.entries(t.protocols).sort((a, b) => b[1] - a[1]);
    if (protocols.length) out.push(line(0, { dim: 'Protocols   ' }, protocols.map(([p, n]) => `${safe(p, 20)} ${num(n)}`).join(', ')));
    const all = body.timeline.points.filter((p) => p.domain === '(all)');
    if (all.length > 1) out.push(line(0, { dim: `TLS/${body.timeline.bucket.padEnd(7)}` }, `${shareSparkline(all.slice(-60))}  ${all[Math.max(0, all.length - 60)]!.at.slice(0, 13)} … ${all[all.length - 1]!.at.slice(0, 13)}`));
  }
  return out;
}

function sessionLine(s: LogSessionJudged): Line[] {
  const when = s.start !== null ? new Date(s.start).toISOString().slice(0, 19).replace('T', ' ') : '(no time)';
  const tls = s.tls.protocol ? `${s.tls.protocol}${s.tls.cipher ? ` ${s.tls.cipher}` : ''}${s.tls.verify ? `, ${s.tls.verify}` : ''}` : '';
  const head = line(0, { bold: s.verdict }, ` ${when} ${s.direction ?? ''} ${safe(s.remoteHost ?? 'unknown', 80)}${s.remoteIp ? `[${safe(s.remoteIp, 45)}]` : ''}${s.domains.length ? ` (${safe(s.domains.slice(0, 3).join(', '), 120)})` : ''}${tls ? ` ${safe(tls, 120)}` : ''}${s.incomplete ? ' (end not in the log)' : ''}`);
  const out = [head];
  if (s.tls.failure) out.push(line(1, { dim: 'failure: ' }, safe(s.tls.failure, 300)));
  for (const l of s.lines.slice(0, 4)) out.push(line(1, { dim: `${safe(s.file, 60)}:${l.line}: ` }, safe(l.text, 300)));
  return out;
}

function rowLines(rows: LogSummaryRow[]): Line[] {
  return rows.map((r) =>
    line(0, { bold: safe(r.name, 100) }, ` ${plural(r.sessions, 'session')}, TLS ${pct(r.tlsShare)}, verified ${pct(r.verifiedShare)}, clear ${num(r.counts.clear)}, failed ${num(failedOf(r.counts))}, unknown ${num(r.counts.unknown)}${r.protocols.length ? `, ${safe(r.protocols.join('/'), 60)}` : ''}${r.failures.length ? `; ${safe(r.failures.map((f) => `${f.reason} (${f.count})`).join('; '), 300)}` : ''}`),
  );
}

function detailSections(body: LogsBody): DetailSection[] {
  const sections: DetailSection[] = [];
  if (body.failures.length) {
    const lines: Line[] = [];
    for (const f of body.failures) {
      const named = f.domains.filter((d) => d !== '(none)');
      lines.push(line(0, { bold: `${num(f.count)}×` }, ` ${safe(f.reason, 300)}${named.length ? ` — ${safe(named.join(', '), 120)}` : ''}`));
      if (f.explained) lines.push(line(1, { dim: 'means: ' }, safe(f.explained.meaning, 600), { dim: ` [${safe(f.explained.rule, 60)}, fault: ${f.explained.fault}]` }));
      lines.push(line(1, { dim: `${safe(f.example.file, 60)}:${f.example.line}: ` }, safe(f.example.text, 300)));
    }
    sections.push({ heading: 'Failures, most frequent first (explained by mxray explain)', lines });
  }
  if (body.hosts.length) sections.push({ heading: 'Remote hosts, worst first', lines: [...rowLines(body.hosts.slice(0, 100)), ...(body.hosts.length > 100 || body.hostsOmitted ? [line(0, `… ${num(body.hosts.length - 100 + body.hostsOmitted)} more (--json)`)] : [])] });
  if (body.domains.length > MAX_ROWS) sections.push({ heading: 'Every remote domain', lines: rowLines(body.domains) });
  if (body.sessions.length) {
    const lines = body.sessions.slice(0, MAX_SESSIONS_SHOWN).flatMap(sessionLine);
    const more = body.sessions.length - MAX_SESSIONS_SHOWN + body.sessionsOmitted;
    if (more > 0) lines.push(line(0, `… ${num(more)} more sessions (the JSON report keeps the first of each verdict)`));
    sections.push({ heading: 'Sessions, worst first', lines });
  }
  const inputLines: Line[] = [];
  for (const i of body.inputs) {
    inputLines.push(line(0, { bold: safe(i.name, 200) }, ` ${i.format ?? 'not recognised'}: ${num(i.bytes)} bytes, ${num(i.lines)} lines (${num(i.used)} used, ${num(i.ignored)} other, ${num(i.malformed)} unreadable, ${num(i.longLines)} cut), ${num(i.filteredOut)} filtered out, ${num(i.local)} with this machine itself (--include-local)${i.problem ? `; ${safe(i.problem, 200)}` : ''}`));
    for (const n of i.notes) inputLines.push(line(1, { dim: `${safe(n.id, 60)}: ` }, safe(n.detail, 400)));
    for (const m of i.malformedExamples) inputLines.push(line(1, { dim: `unreadable line ${m.line}: ` }, safe(m.text, 200)));
  }
  if (inputLines.length) sections.push({ heading: 'Inputs', lines: inputLines });
  return sections;
}

function chartOf(body: LogsBody): DocChart | null {
  const all = body.timeline.points.filter((p) => p.domain === '(all)');
  if (all.length < 2) return null;
  return {
    title: `Sessions per ${body.timeline.bucket} (UTC)`,
    labels: all.map((p) => p.at.slice(0, body.timeline.bucket === 'hour' ? 13 : 10).replace('T', ' ')),
    series: [
      { name: 'with TLS', tone: 'ok', values: all.map((p) => p.tls) },
      { name: 'without TLS or unknown', tone: 'bad', values: all.map((p) => p.sessions - p.tls) },
    ],
  };
}

function shareChartOf(body: LogsBody): DocShareChart | null {
  const buckets = [...new Set(body.timeline.points.map((p) => p.at))].sort();
  if (buckets.length < 2) return null;
  const domains = [...new Set(body.timeline.points.map((p) => p.domain))].sort((a, b) => (a === '(all)' ? -1 : b === '(all)' ? 1 : a < b ? -1 : 1));
  const at = new Map(body.timeline.points.map((p) => [`${p.at}\u0000${p.domain}`, p]));
  return {
    title: 'Share of sessions with TLS, per domain',
    labels: buckets.map((b) => b.slice(0, body.timeline.bucket === 'hour' ? 13 : 10).replace('T', ' ')),
    series: domains.map((d) => ({
      name: safe(d, 60),
      values: buckets.map((b) => {
        const p = at.get(`${b}\u0000${d}`);
        return p && p.known ? p.tls / p.known : null;
      }),
    })),
    note: 'Of the sessions whose TLS state the log tells; a gap where a domain had none. The busiest domains and all of them together.',
  };
}

export function logsDocument(report: LogsReport, options: DocumentOptions = {}): Document {
  const { body } = report;
  const verbose = options.verbose === true;
  const formats = [...new Set(body.inputs.map((i) => i.format).filter((f) => f !== null))].map((f) => FORMAT_NAMES[f] ?? f);
  const subject = `${plural(body.totals.sessions, 'SMTP session')} in ${plural(body.inputs.length, 'log')}${formats.length ? ` (${formats.join(', ')})` : ''}`;
  return {
    title: 'mxray logs',
    subject: safe(subject, 300),
    shortSubject: safe(body.inputs[0]?.name ?? report.target, 120),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [],
    verdict: report.verdict,
    reason: safe(reasonOf(body), 400),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context: contextLines(body),
    summary: body.domains.length ? { header: options.summaryBy === 'host' ? ['Remote host', ...LOGS_SUMMARY_HEADER.slice(1)] : LOGS_SUMMARY_HEADER, rows: summaryRows(body, options.summaryBy ?? 'domain') } : null,
    findings: report.findings.map((f) => findingView(f)),
    details: options.brief && !verbose ? null : { heading: 'Details', sections: detailSections(body) },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
    detailsHint: 'the failures explained, every remote host, the sessions with their log lines, each input',
    chart: chartOf(body),
    shareChart: shareChartOf(body),
  };
}

/** A cell a spreadsheet would take for a formula (=, +, -, @, tab, CR first) is quoted with a leading apostrophe; every cell is quoted. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export const LOGS_CSV_HEADER = ['name', 'sessions', 'verified', 'encrypted', 'failed_then_clear', 'failed', 'clear', 'unknown', 'tls_share', 'verified_share', 'protocols', 'first_seen', 'last_seen', 'top_failure'];

/** The summary as CSV, one row per remote domain (or host): every row the report kept. */
export function logsCsv(report: LogsReport, by: 'domain' | 'host' = 'domain'): string {
  const rows = by === 'host' ? report.body.hosts : report.body.domains;
  const share = (x: number | null): string | null => (x === null ? null : (Math.round(x * 10000) / 10000).toFixed(4));
  const out = [LOGS_CSV_HEADER.map(csvCell).join(',')];
  for (const r of rows) {
    const c = r.counts;
    out.push(
      [r.name, r.sessions, c.verified, c.encrypted, c['failed-then-clear'], c.failed, c.clear, c.unknown, share(r.tlsShare), share(r.verifiedShare), r.protocols.join(' '), r.firstSeen, r.lastSeen, r.failures[0]?.reason ?? null]
        .map((v) => csvCell(typeof v === 'string' ? safe(v, 400) : v))
        .join(','),
    );
  }
  return `${out.join('\r\n')}\r\n`;
}
