// The sums of `mxray logs`: every session judged and counted per remote domain, per remote host,
// per failure reason and per hour, in bounded memory whatever the log's size (distinct domains,
// hosts, reasons and chart points are capped; what passes a cap is summed under "(other)" and
// counted). Pure: sessions in, a LogsBody's sums out.
import type { LogFailure, LogSession, LogSessionJudged, LogSessionVerdict, LogSummaryRow, LogVerdictCounts, LogsBody } from '../../core/logs-schema.js';
import { detach } from '../../core/detach.js';
import { registrableDomain } from '../headers/organisations.js';
import { sessionVerdict, usedTls, VERDICT_ORDER } from './session-verdict.js';

export const SUMMARY_LIMITS = {
  /** Distinct domains (and hosts) counted one by one; later ones go to "(other)". */
  trackedNames: 50_000,
  /** Rows of each table in the report. */
  rows: 500,
  /** Distinct failure reasons counted; the report keeps the most frequent 20. */
  trackedReasons: 2_000,
  failures: 20,
  /** Sessions kept whole per verdict. */
  sessionsPerVerdict: 150,
  /** (domain, hour) points tracked for the chart, and domains charted. */
  chartPoints: 200_000,
  chartDomains: 8,
} as const;

export const OTHER = '(other)';
export const NONE = '(none)';
const HOUR = 3_600_000;

export const zeroCounts = (): LogVerdictCounts => ({ verified: 0, encrypted: 0, failed: 0, 'failed-then-clear': 0, clear: 0, unknown: 0 });

interface Row {
  name: string;
  sessions: number;
  counts: LogVerdictCounts;
  protocols: Set<string>;
  failures: Map<string, number>;
  first: number | null;
  last: number | null;
}

function newRow(name: string): Row {
  return { name, sessions: 0, counts: zeroCounts(), protocols: new Set(), failures: new Map(), first: null, last: null };
}

/** Shares of the sessions whose state is known. */
export function shares(c: LogVerdictCounts): { tlsShare: number | null; verifiedShare: number | null } {
  const known = c.verified + c.encrypted + c.failed + c['failed-then-clear'] + c.clear;
  if (known === 0) return { tlsShare: null, verifiedShare: null };
  return { tlsShare: (c.verified + c.encrypted) / known, verifiedShare: c.verified / known };
}

const iso = (ms: number | null): string | null => (ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString());

/**
 * A failure's words with what differs from one occurrence to the next taken out (names in brackets,
 * addresses, numbers, queue ids), so that alike failures are counted together.
 */
export function failureReason(text: string): string {
  return text
    .slice(0, 600)
    .replace(/\[[^\]\s]{1,80}\](?::\d{1,5})?/g, '[…]')
    .replace(/<[^>\s]{0,320}>/g, '<…>')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '…')
    .replace(/\b[0-9A-F]{6,}\b/g, '…')
    .replace(/\b\d+\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** The remote side's domain(s) a session is counted under. */
export function sessionDomains(s: LogSession): string[] {
  if (s.domains.length) return s.domains;
  const host = s.remoteHost?.toLowerCase();
  if (host && host !== 'unknown' && host.includes('.')) {
    const d = registrableDomain(host.replace(/\.$/, ''));
    if (d) return [d];
  }
  return [NONE];
}

export const hostLabel = (s: LogSession): string => {
  const host = s.remoteHost ?? 'unknown';
  return s.remoteIp ? `${host}[${s.remoteIp}]` : host;
};

/** A session kept in the body, holding none of the input's chunks (see core/detach.ts). */
function detachSession(s: LogSession, verdict: LogSessionVerdict): LogSessionJudged {
  return {
    ...s,
    file: detach(s.file),
    key: detach(s.key),
    localHost: detach(s.localHost),
    remoteHost: detach(s.remoteHost),
    remoteIp: detach(s.remoteIp),
    domains: s.domains.map(detach),
    queueIds: s.queueIds.map(detach),
    tls: { ...s.tls, protocol: detach(s.tls.protocol), cipher: detach(s.tls.cipher), peer: detach(s.tls.peer), failure: detach(s.tls.failure) },
    dsn: detach(s.dsn),
    lines: s.lines.map((l) => ({ line: l.line, text: detach(l.text) })),
    verdict,
  };
}

class Table {
  readonly rows = new Map<string, Row>();
  omitted = 0;
  row(name: string): Row {
    let r = this.rows.get(name);
    if (r) return r;
    if (this.rows.size >= SUMMARY_LIMITS.trackedNames) {
      this.omitted++;
      name = OTHER;
      r = this.rows.get(name);
      if (r) return r;
    }
    r = newRow(detach(name));
    this.rows.set(name, r);
    return r;
  }
  out(): { rows: LogSummaryRow[]; omitted: number } {
    const rank = (r: Row): number[] => [...VERDICT_ORDER.slice(0, 4).map((v) => -r.counts[v]), -r.sessions];
    const sorted = [...this.rows.values()].sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return (ra[i] as number) - (rb[i] as number);
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
    const rows = sorted.slice(0, SUMMARY_LIMITS.rows).map((r) => ({
      name: r.name,
      sessions: r.sessions,
      counts: r.counts,
      ...shares(r.counts),
      protocols: [...r.protocols].sort().reverse().slice(0, 8),
      failures: [...r.failures.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5).map(([reason, count]) => ({ reason, count })),
      firstSeen: iso(r.first),
      lastSeen: iso(r.last),
    }));
    return { rows, omitted: Math.max(0, this.rows.size - rows.length) + this.omitted };
  }
}

function count(r: Row, s: LogSession, verdict: LogSessionVerdict, reason: string | null): void {
  r.sessions++;
  r.counts[verdict]++;
  if (s.tls.protocol && usedTls(verdict) && r.protocols.size < 8) r.protocols.add(s.tls.protocol);
  if (reason !== null && (r.failures.has(reason) || r.failures.size < 20)) r.failures.set(reason, (r.failures.get(reason) ?? 0) + 1);
  const t = s.start ?? s.end;
  if (t !== null) {
    if (r.first === null || t < r.first) r.first = t;
    if (r.last === null || t > r.last) r.last = t;
  }
}

export class LogsSummary {
  private readonly domains = new Table();
  private readonly hosts = new Table();
  private readonly failures = new Map<string, { count: number; example: LogFailure['example']; domains: Set<string> }>();
  private otherFailures = 0;
  /** domain → hour → counts (nested: no key string made per session). */
  private readonly chart = new Map<string, Map<number, { sessions: number; tls: number; known: number }>>();
  private chartPoints = 0;
  private chartDropped = 0;
  private readonly kept = new Map<LogSessionVerdict, LogSessionJudged[]>();
  private keptOmitted = 0;
  private readonly unknownBy = new Map<string, { format: LogSession['format']; evidence: LogSession['evidence']; count: number }>();
  readonly totals = { sessions: 0, messages: 0, counts: zeroCounts(), inbound: 0, outbound: 0, evidence: { handshake: 0, counters: 0, dialogue: 0, none: 0 }, protocols: {} as Record<string, number>, first: null as number | null, last: null as number | null };

  add(s: LogSession): LogSessionVerdict {
    const verdict = sessionVerdict(s);
    const t = this.totals;
    t.sessions++;
    t.messages += s.messages;
    t.counts[verdict]++;
    if (s.direction === 'inbound') t.inbound++;
    else if (s.direction === 'outbound') t.outbound++;
    t.evidence[s.evidence]++;
    if (verdict === 'unknown') {
      const k = `${s.format}/${s.evidence}`;
      const u = this.unknownBy.get(k);
      if (u) u.count++;
      else this.unknownBy.set(k, { format: s.format, evidence: s.evidence, count: 1 });
    }
    if (s.tls.protocol && usedTls(verdict)) t.protocols[s.tls.protocol] = (t.protocols[s.tls.protocol] ?? 0) + 1;
    const time = s.start ?? s.end;
    if (time !== null) {
      if (t.first === null || time < t.first) t.first = time;
      if (t.last === null || time > t.last) t.last = time;
    }
    const reason = (verdict === 'failed' || verdict === 'failed-then-clear') && s.tls.failure ? failureReason(s.tls.failure) : verdict === 'failed' || verdict === 'failed-then-clear' ? 'TLS failed (the log gives no reason)' : null;
    const domains = sessionDomains(s);
    for (const d of domains) count(this.domains.row(d), s, verdict, reason);
    count(this.hostRow(s), s, verdict, reason);
    if (reason !== null) this.failure(reason, s, domains);
    if (time !== null) for (const d of [...domains, '(all)']) this.point(d, Math.floor(time / HOUR) * HOUR, verdict);
    this.keep(s, verdict);
    return verdict;
  }

  /** The host's row, looked up by name and address (the "name[ip]" label is made once per host, not per session). */
  private readonly hostRows = new Map<string, Map<string, Row>>();
  private hostRow(s: LogSession): Row {
    const name = s.remoteHost ?? 'unknown';
    const ip = s.remoteIp ?? '';
    const byIp = this.hostRows.get(name);
    const r = byIp?.get(ip);
    if (r) return r;
    const row = this.hosts.row(hostLabel(s));
    // Rows past the cap are "(other)": not remembered per host, so the map stays bounded too.
    if (row.name !== OTHER) {
      if (byIp) byIp.set(detach(ip), row);
      else this.hostRows.set(detach(name), new Map([[detach(ip), row]]));
    }
    return row;
  }

  private failure(reason: string, s: LogSession, domains: string[]): void {
    let f = this.failures.get(reason);
    if (!f) {
      if (this.failures.size >= SUMMARY_LIMITS.trackedReasons) {
        this.otherFailures++;
        return;
      }
      const line = s.lines.find((l) => s.tls.failure !== null && l.text.includes(s.tls.failure.slice(0, 40))) ?? s.lines[s.lines.length - 1];
      f = { count: 0, example: { file: detach(s.file), line: line?.line ?? 1, text: detach(line?.text ?? s.tls.failure ?? '') }, domains: new Set() };
      this.failures.set(reason, f);
    }
    f.count++;
    for (const d of domains) if (f.domains.size < 5) f.domains.add(detach(d));
  }

  private point(domain: string, hour: number, verdict: LogSessionVerdict): void {
    let hours = this.chart.get(domain);
    let p = hours?.get(hour);
    if (!p) {
      // (all) has room of its own so that the busiest domains never crowd it out; both are capped (a hostile log's times can be anything).
      if (domain === '(all)' ? (hours?.size ?? 0) >= SUMMARY_LIMITS.chartPoints : this.chartPoints >= SUMMARY_LIMITS.chartPoints) {
        this.chartDropped++;
        return;
      }
      if (!hours) this.chart.set(detach(domain), (hours = new Map()));
      p = { sessions: 0, tls: 0, known: 0 };
      hours.set(hour, p);
      if (domain !== '(all)') this.chartPoints++;
    }
    p.sessions++;
    if (usedTls(verdict)) p.tls++;
    if (verdict !== 'unknown') p.known++;
  }

  private keep(s: LogSession, verdict: LogSessionVerdict): void {
    let list = this.kept.get(verdict);
    if (!list) this.kept.set(verdict, (list = []));
    if (list.length < SUMMARY_LIMITS.sessionsPerVerdict) list.push(detachSession(s, verdict));
    else this.keptOmitted++;
  }

  /** The sums, ready for the body. `explain` turns a failure's example line into what it means. */
  out(explain: (text: string) => LogFailure['explained']): Omit<LogsBody, 'inputs' | 'filters'> {
    const t = this.totals;
    const domains = this.domains.out();
    const hosts = this.hosts.out();
    const failures: LogFailure[] = [...this.failures.entries()]
      .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
      .slice(0, SUMMARY_LIMITS.failures)
      .map(([reason, f]) => ({ reason, count: f.count, example: f.example, explained: explain(f.example.text), domains: [...f.domains] }));
    const span = t.first !== null && t.last !== null ? t.last - t.first : 0;
    const bucket: 'hour' | 'day' = span <= 3 * 24 * HOUR ? 'hour' : 'day';
    const charted = new Set(['(all)', ...domains.rows.filter((r) => r.name !== NONE && r.name !== OTHER).sort((a, b) => b.sessions - a.sessions).slice(0, SUMMARY_LIMITS.chartDomains).map((r) => r.name)]);
    const points = new Map<string, { at: number; domain: string; sessions: number; tls: number; known: number }>();
    for (const domain of charted) {
      for (const [hour, p] of this.chart.get(domain) ?? []) {
        const at = bucket === 'hour' ? hour : Math.floor(hour / (24 * HOUR)) * 24 * HOUR;
        const k = `${at}\u0000${domain}`;
        const q = points.get(k) ?? { at, domain, sessions: 0, tls: 0, known: 0 };
        q.sessions += p.sessions;
        q.tls += p.tls;
        q.known += p.known;
        points.set(k, q);
      }
    }
    const timeline = [...points.values()].sort((a, b) => a.at - b.at || (a.domain < b.domain ? -1 : 1)).slice(-5000).map((p) => ({ ...p, at: new Date(p.at).toISOString() }));
    const sessions = VERDICT_ORDER.flatMap((v) => this.kept.get(v) ?? []).slice(0, 1000);
    return {
      totals: { sessions: t.sessions, messages: t.messages, counts: t.counts, ...shares(t.counts), inbound: t.inbound, outbound: t.outbound, evidence: t.evidence, unknownBy: [...this.unknownBy.values()].sort((a, b) => b.count - a.count), protocols: t.protocols, firstSeen: iso(t.first), lastSeen: iso(t.last) },
      domains: domains.rows,
      domainsOmitted: domains.omitted,
      hosts: hosts.rows,
      hostsOmitted: hosts.omitted,
      failures,
      timeline: { bucket, points: timeline },
      sessions,
      sessionsOmitted: this.keptOmitted,
    };
  }

  /** Failure reasons beyond the tracked ones, and chart points dropped. */
  get dropped(): { reasons: number; chartPoints: number } {
    return { reasons: this.otherFailures, chartPoints: this.chartDropped };
  }
}
