// Numbers and moments for people (pure).

/** "512 B", "1.5 KB", "20 MB" (powers of 1024, as the upload cap is given). */
export function bytesText(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : Math.round(v * 10) / 10} ${units[i]}`;
}

/** "850 ms", "2.4 s", "3 min 5 s". */
export function durationText(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min${whole % 60 ? ` ${whole % 60} s` : ''}`;
}

/** "2026-11-30T06:29:47.123Z" → "2026-11-30 06:29 UTC"; anything else as it is. */
export function whenText(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** The verdicts a badge has a colour for; any other word gets the neutral one. */
export const VERDICTS = ['pass', 'warn', 'fail', 'inconclusive', 'not-applicable', 'error'] as const;

/** Reports' kinds (the Report's `kind`, what History filters on) and their names. */
export const REPORT_KINDS: readonly (readonly [string, string])[] = [
  ['receiver', 'Receiver test'],
  ['certificate', 'Certificate'],
  ['send', 'Send'],
  ['enforce', 'Enforcement'],
  ['sender', 'Sender test'],
  ['headers', 'Headers'],
  ['explain', 'Explain'],
  ['logs', 'Logs'],
  ['pcap', 'Packet capture'],
  ['posture', 'Posture'],
  ['tlsrpt', 'TLS-RPT'],
  ['blocklist', 'Block lists'],
];

/** "Receiver test" for "receiver"; an unknown kind as it is. */
export const kindName = (kind: string): string => REPORT_KINDS.find(([k]) => k === kind)?.[1] ?? kind;

/** A CSS class from a closed list, never from the text itself. */
export function verdictClass(verdict: string | null | undefined): string {
  return `v-${(VERDICTS as readonly string[]).includes(verdict ?? '') ? verdict : 'unknown'}`;
}

/** A date input's value ("2026-11-30") as the start of that day in UTC, ISO; `endOfDay`: the next day's start (an exclusive bound). Null when empty or malformed. */
export function dayBound(value: string, endOfDay: boolean): string | null {
  if (!/^\d{4}-\d\d-\d\d$/.test(value)) return null;
  const ms = Date.parse(`${value}T00:00:00.000Z`);
  if (!Number.isFinite(ms)) return null;
  return new Date(ms + (endOfDay ? 86_400_000 : 0)).toISOString();
}
