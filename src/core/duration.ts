// Durations for people, as every report writes them.

/** 0 s, 4 s, 2 min 5 s, 1 h 3 min, 2 d 4 h; negative with a minus sign. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '';
  const sign = seconds < 0 ? '−' : '';
  let s = Math.abs(seconds);
  if (s < 60) return `${sign}${s < 10 && s % 1 !== 0 ? s.toFixed(1) : Math.round(s)} s`;
  s = Math.round(s);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${sign}${d} d${h ? ` ${h} h` : ''}`;
  if (h > 0) return `${sign}${h} h${m ? ` ${m} min` : ''}`;
  return `${sign}${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
}
