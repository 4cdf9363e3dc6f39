// The certificate expiry timeline's arithmetic (pure; history.ts draws it as SVG): a time axis
// from today, one row per host, each certificate a point coloured by how soon it expires.

export interface CertificatePoint {
  host: string;
  subject: string;
  notAfter: string;
  reportId: string;
  sha256: string;
}

export type ExpiryTone = 'expired' | 'soon' | 'near' | 'later';

const DAY = 86_400_000;

/** Red when expired or within 30 days ("expired" / "soon"), amber within 60 ("near"), green beyond ("later"). */
export function toneOf(notAfterMs: number, nowMs: number): ExpiryTone {
  const days = (notAfterMs - nowMs) / DAY;
  if (days < 0) return 'expired';
  if (days <= 30) return 'soon';
  if (days <= 60) return 'near';
  return 'later';
}

export interface TimelineRow {
  host: string;
  points: { x: number; tone: ExpiryTone; days: number; notAfter: string; subject: string; reportId: string; sha256: string }[];
}

export interface Timeline {
  rows: TimelineRow[];
  /** The axis in ms: start ≤ now ≤ end. */
  startMs: number;
  endMs: number;
  /** x of today. */
  nowX: number;
  /** Ticks: x and a label ("2026-12"). */
  ticks: { x: number; label: string }[];
  /** Points left out (a malformed date) and hosts left out (past maxRows). */
  skipped: number;
  moreHosts: number;
}

/**
 * Lays the points out between x = left and x = right: the axis runs from today (or the earliest
 * expired certificate, at most a year back) to the latest expiry (at least 90 days ahead, at most
 * three years: later ones sit at the right edge). Rows sorted by their soonest expiry.
 */
export function layoutTimeline(points: readonly CertificatePoint[], nowMs: number, left: number, right: number, maxRows = 40): Timeline {
  let skipped = 0;
  const byHost = new Map<string, { ms: number; p: CertificatePoint }[]>();
  for (const p of points) {
    const ms = Date.parse(p.notAfter);
    if (typeof p.host !== 'string' || !Number.isFinite(ms)) {
      skipped++;
      continue;
    }
    const list = byHost.get(p.host) ?? [];
    list.push({ ms, p });
    byHost.set(p.host, list);
  }
  const all = [...byHost.values()].flat().map((v) => v.ms);
  const startMs = Math.max(nowMs - 365 * DAY, Math.min(nowMs, ...all));
  const endMs = Math.min(nowMs + 3 * 365 * DAY, Math.max(nowMs + 90 * DAY, ...all));
  const span = Math.max(1, endMs - startMs);
  const xOf = (ms: number) => left + ((Math.min(Math.max(ms, startMs), endMs) - startMs) / span) * (right - left);
  const hosts = [...byHost.entries()]
    .map(([host, list]) => ({ host, list: list.sort((a, b) => a.ms - b.ms) }))
    .sort((a, b) => a.list[0]!.ms - b.list[0]!.ms || (a.host < b.host ? -1 : 1));
  const rows = hosts.slice(0, maxRows).map(({ host, list }) => ({
    host,
    points: list.map(({ ms, p }) => ({ x: xOf(ms), tone: toneOf(ms, nowMs), days: Math.floor((ms - nowMs) / DAY), notAfter: p.notAfter, subject: String(p.subject), reportId: String(p.reportId), sha256: String(p.sha256) })),
  }));
  return { rows, startMs, endMs, nowX: xOf(nowMs), ticks: monthTicks(startMs, endMs, xOf), skipped, moreHosts: Math.max(0, hosts.length - maxRows) };
}

/** Month starts on the axis (every month, or every 3rd/6th/12th when the axis is long), labelled "2026-12". */
function monthTicks(startMs: number, endMs: number, xOf: (ms: number) => number): { x: number; label: string }[] {
  const months = (endMs - startMs) / (30 * DAY);
  const every = months <= 8 ? 1 : months <= 20 ? 3 : months <= 40 ? 6 : 12;
  const out: { x: number; label: string }[] = [];
  const d = new Date(startMs);
  let y = d.getUTCFullYear();
  let m = d.getUTCMonth() + 1;
  for (let guard = 0; guard < 100; guard++) {
    if (m > 11) {
      y += Math.floor(m / 12);
      m %= 12;
    }
    const ms = Date.UTC(y, m, 1);
    if (ms > endMs) break;
    if (m % every === 0) out.push({ x: xOf(ms), label: `${y}-${String(m + 1).padStart(2, '0')}` });
    m++;
  }
  return out;
}

/** "expired 3 days ago", "expires today", "expires in 45 days". */
export function daysText(days: number): string {
  if (days < 0) return `expired ${-days} ${-days === 1 ? 'day' : 'days'} ago`;
  if (days === 0) return 'expires today';
  return `expires in ${days} ${days === 1 ? 'day' : 'days'}`;
}
