// Moments and zones as people type them (the CLI's --since, --until, --utc-offset and --at, the web
// API's parameters of the same names): parsed once here, each caller saying in its own words what
// was wrong (null here means "not one of these").

/** "+01:00", "-0530", "Z", "UTC" → minutes east of UTC; null when it is none of these. */
export function parseUtcOffset(text: string): number | null {
  if (/^(?:z|utc)$/i.test(text.trim())) return 0;
  const m = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(text.trim());
  if (!m || Number(m[2]) > 14 || Number(m[3] ?? 0) > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/**
 * "2026-11-30", "2026-11-30 10:00", "2026-11-30T10:00:00Z" (a stamp without a zone is in
 * `offsetMinutes`), or "7d" / "24h" / "30m" back from `now` → epoch milliseconds; null when it is
 * none of these or names a day that does not exist (31 February).
 */
export function parseMomentText(text: string, now: number, offsetMinutes: number): number | null {
  const t = text.trim();
  const rel = /^(\d{1,6})\s*([smhdw])$/i.exec(t);
  if (rel) {
    const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[rel[2]!.toLowerCase() as 's' | 'm' | 'h' | 'd' | 'w'];
    return now - Number(rel[1]) * unit;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(utc);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) >= 24 || Number(mi) >= 60 || Number(s) >= 61) return null;
  const offset = zone === undefined ? offsetMinutes : parseUtcOffset(zone);
  return offset === null ? null : utc - offset * 60_000;
}

/** 2026-03-01, 2026-03-01T12:00, 2026-03-01T12:00:00Z … (a date alone is 00:00 UTC, a time without zone UTC) → epoch ms; null otherwise. */
export function parseIsoMoment(text: string): number | null {
  const m = /^(\d{4}-\d\d-\d\d)(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?)?$/.exec(text);
  if (!m) return null;
  const at = Date.parse(m[2] ? (m[5] ? text : `${text}Z`) : `${m[1]}T00:00:00Z`);
  // Date.parse rolls 2026-02-31 over to 3 March: the day must survive the round trip.
  const day = Date.parse(`${m[1]}T00:00:00Z`);
  const sameDay = !Number.isNaN(day) && new Date(day).toISOString().slice(0, 10) === m[1];
  return Number.isNaN(at) || !sameDay ? null : at;
}
