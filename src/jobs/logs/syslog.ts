// The syslog prefix of a log line, read by positions rather than by a regular expression, because
// every line of a gigabyte of Postfix log passes through here. Three shapes:
//   RFC 3164  "Nov 30 03:40:13 host prog[pid]: msg"            (optionally "<pri>" first)
//   RFC 3339  "2026-11-30T03:40:13.123456+00:00 host prog[pid]: msg"   (rsyslog's precise stamps)
//   RFC 5424  "<34>1 2026-11-30T03:40:13.123Z host app procid msgid [sd] msg"
// The date part of a stamp is cached (it changes once a day), so no line costs a Date.parse.

export interface SyslogLine {
  /** Milliseconds since the epoch (UTC); null when the stamp could not be read as a date. */
  time: number | null;
  host: string;
  /** "postfix/smtp", "postfix-out/smtpd", "sm-mta", "exim4" … */
  program: string;
  pid: number | null;
  /** Where the message starts in the line. */
  msg: number;
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/** Year and zone for stamps that carry none, kept across lines (the roll-over needs the last month). */
export class SyslogClock {
  private year: number;
  private lastMonth = -1;
  private readonly offsetMs: number;
  private cacheKey = '';
  private cacheDay = 0;

  constructor(
    year: number,
    offsetMinutes: number,
    private readonly reference?: number,
  ) {
    this.year = year;
    this.offsetMs = offsetMinutes * 60_000;
  }

  /** Midnight (local to offsetMinutes, in UTC ms) of an RFC 3164 "Mmm dd" date, with the roll-over. */
  dayOf3164(line: string, at: number): number | null {
    if (sameAt(line, at, this.cacheKey)) return this.cacheDay;
    const key = line.slice(at, at + 6);
    const m = MONTHS.indexOf(key.slice(0, 3));
    if (m < 0 || m % 3 !== 0) return null;
    const month = m / 3;
    const d1 = key.charCodeAt(4);
    const d2 = key.charCodeAt(5);
    const day = (d1 === 32 ? 0 : d1 - 48) * 10 + (d2 - 48);
    if (!(day >= 1 && day <= 31) || (d1 !== 32 && (d1 < 48 || d1 > 57)) || d2 < 48 || d2 > 57) return null;
    this.cacheKey = key;
    if (this.reference !== undefined) {
      // The log ends at its reference moment: a date more than a day after it is last year's.
      const inYear = Date.UTC(this.year, month, day) - this.offsetMs;
      this.cacheDay = inYear > this.reference + 86_400_000 ? Date.UTC(this.year - 1, month, day) - this.offsetMs : inYear;
      return this.cacheDay;
    }
    // A month far behind the last one is the turn of a year (Dec → Jan); a month just behind is a
    // central log's small disorder at a month's end and must not add a year.
    if (this.lastMonth >= 0 && month < this.lastMonth && this.lastMonth - month >= 6) this.year += 1;
    this.lastMonth = month;
    this.cacheDay = Date.UTC(this.year, month, day) - this.offsetMs;
    return this.cacheDay;
  }

  /** Midnight UTC of an ISO "yyyy-mm-dd" date (the zone is added by the caller). */
  dayOfIso(line: string, at: number): number | null {
    if (sameAt(line, at, this.cacheKey)) return this.cacheDay;
    const key = line.slice(at, at + 10);
    const y = digits(line, at, 4);
    const mo = digits(line, at + 5, 2);
    const d = digits(line, at + 8, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || line.charCodeAt(at + 4) !== 45 || line.charCodeAt(at + 7) !== 45) return null;
    this.cacheKey = key;
    this.cacheDay = Date.UTC(y, mo - 1, d);
    return this.cacheDay;
  }

  /** The zone offset for stamps without one, in ms east of UTC. */
  get localOffsetMs(): number {
    return this.offsetMs;
  }
}

/** `word` is written at `at` in `s`: startsWith by character codes, which the JIT inlines. */
export function hasAt(s: string, at: number, word: string): boolean {
  const n = word.length;
  if (at < 0 || at + n > s.length) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(at + i) !== word.charCodeAt(i)) return false;
  return true;
}

/** `key` is written at `at` in `s` (compared without making a string of the line's piece). */
function sameAt(s: string, at: number, key: string): boolean {
  const n = key.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(at + i) !== key.charCodeAt(i)) return false;
  return true;
}

/** n decimal digits at `at` as a number, -1 if any is not a digit. */
export function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** "hh:mm:ss" at `at` as ms into the day, -1 when it is not one. */
export function timeOfDay(s: string, at: number): number {
  const h = digits(s, at, 2);
  const m = digits(s, at + 3, 2);
  const sec = digits(s, at + 6, 2);
  if (h < 0 || m < 0 || sec < 0 || h > 23 || m > 59 || sec > 60 || s.charCodeAt(at + 2) !== 58 || s.charCodeAt(at + 5) !== 58) return -1;
  return ((h * 60 + m) * 60 + sec) * 1000;
}

/**
 * The rest of an ISO time after "hh:mm:ss": fraction and zone. Returns the ms to add (fraction
 * minus the zone offset) and where it ended, or null when the zone is malformed. `localMs` is used
 * when no zone is written.
 */
export function isoTail(s: string, at: number, localMs: number): { add: number; end: number } | null {
  let i = at;
  let frac = 0;
  if (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44) {
    i++;
    let scale = 100;
    while (i < s.length) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (scale >= 1) frac += c * scale;
      scale /= 10;
      i++;
    }
    frac = Math.floor(frac);
  }
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) return { add: frac, end: i + 1 }; // Z
  if (z === 43 || z === 45) {
    const hh = digits(s, i + 1, 2);
    const colon = s.charCodeAt(i + 3) === 58 ? 1 : 0;
    const mm = digits(s, i + 3 + colon, 2);
    if (hh < 0 || mm < 0 || hh > 23 || mm > 59) return null;
    const off = (hh * 60 + mm) * 60_000 * (z === 43 ? 1 : -1);
    return { add: frac - off, end: i + 5 + colon };
  }
  return { add: frac - localMs, end: i };
}

/** Where the parts of a syslog line are, filled in place by scanSyslog (no string is made). */
export interface SyslogScan {
  time: number | null;
  hostAt: number;
  hostEnd: number;
  progAt: number;
  /** End of the program's name (before "[pid]"). */
  progEnd: number;
  /** End of "prog[pid]" (before ": " or the RFC 5424 msgid). */
  procEnd: number;
  pid: number | null;
  msg: number;
}

export function newScan(): SyslogScan {
  return { time: null, hostAt: 0, hostEnd: 0, progAt: 0, progEnd: 0, procEnd: 0, pid: null, msg: 0 };
}

/**
 * Reads a line's syslog prefix into `out`; false when the line is not syslog. The hot path of a
 * log parser: a few character tests and indexOf, no allocation.
 */
export function scanSyslog(line: string, clock: SyslogClock, out: SyslogScan): boolean {
  let at = 0;
  let rfc5424 = false;
  if (line.charCodeAt(0) === 60) {
    // "<pri>" (1–3 digits), then either "1 " (RFC 5424) or an RFC 3164 stamp
    const close = line.indexOf('>', 1);
    if (close < 2 || close > 4) return false;
    at = close + 1;
    if (line.charCodeAt(at) === 49 && line.charCodeAt(at + 1) === 32) {
      rfc5424 = true;
      at += 2;
    }
  }
  let hostAt: number;
  const c0 = line.charCodeAt(at);
  if (c0 >= 48 && c0 <= 57) {
    // ISO: "2026-11-30T03:40:13[.frac](Z|±hh:mm)"
    if (line.charCodeAt(at + 10) !== 84 && line.charCodeAt(at + 10) !== 32) return false;
    const day = clock.dayOfIso(line, at);
    const tod = timeOfDay(line, at + 11);
    if (day === null || tod < 0) return false;
    const tail = isoTail(line, at + 19, clock.localOffsetMs);
    if (tail === null) return false;
    out.time = day + tod + tail.add;
    if (line.charCodeAt(tail.end) !== 32) return false;
    hostAt = tail.end + 1;
  } else if (c0 >= 65 && c0 <= 90) {
    // "Mmm dd hh:mm:ss "
    if (line.charCodeAt(at + 3) !== 32 || line.charCodeAt(at + 6) !== 32 || line.charCodeAt(at + 15) !== 32) return false;
    const day = clock.dayOf3164(line, at);
    const tod = timeOfDay(line, at + 7);
    if (day === null || tod < 0) return false;
    out.time = day + tod;
    hostAt = at + 16;
  } else {
    return false;
  }
  const hostEnd = line.indexOf(' ', hostAt);
  if (hostEnd <= hostAt) return false;
  out.hostAt = hostAt;
  out.hostEnd = hostEnd;
  const progAt = hostEnd + 1;
  out.progAt = progAt;
  if (rfc5424) {
    // app procid msgid structured-data msg; "-" is the nil value
    const appEnd = line.indexOf(' ', progAt);
    if (appEnd <= progAt) return false;
    const pidEnd = line.indexOf(' ', appEnd + 1);
    if (pidEnd < 0) return false;
    const idEnd = line.indexOf(' ', pidEnd + 1);
    if (idEnd < 0) return false;
    let msg = idEnd + 1;
    if (line.charCodeAt(msg) === 45 && line.charCodeAt(msg + 1) === 32) msg += 2;
    else if (line.charCodeAt(msg) === 91) {
      const sd = line.indexOf('] ', msg);
      msg = sd < 0 ? line.length : sd + 2;
    }
    const n = pidEnd - appEnd - 1;
    const pid = n >= 1 && n <= 10 ? digits(line, appEnd + 1, n) : -1;
    out.progEnd = appEnd;
    out.procEnd = pidEnd;
    out.pid = pid >= 0 ? pid : null;
    out.msg = msg;
    return true;
  }
  // "prog[pid]: " or "prog: "
  const colon = line.indexOf(': ', progAt);
  if (colon <= progAt) return false;
  // a program name has no spaces: a space means this was not a "prog[pid]:" at all
  const space = line.indexOf(' ', progAt);
  if (space < colon) return false;
  let progEnd = colon;
  let pid: number | null = null;
  if (line.charCodeAt(colon - 1) === 93) {
    const open = line.lastIndexOf('[', colon);
    if (open > progAt) {
      const n = colon - 2 - open;
      const p = n >= 1 && n <= 10 ? digits(line, open + 1, n) : -1;
      if (p >= 0) pid = p;
      progEnd = open;
    }
  }
  out.progEnd = progEnd;
  out.procEnd = colon;
  out.pid = pid;
  out.msg = colon + 2;
  return true;
}

/** Reads a line's syslog prefix as strings; null when the line is not syslog. */
export function parseSyslog(line: string, clock: SyslogClock): SyslogLine | null {
  const sc = newScan();
  if (!scanSyslog(line, clock, sc)) return null;
  return { time: sc.time, host: line.slice(sc.hostAt, sc.hostEnd), program: line.slice(sc.progAt, sc.progEnd), pid: sc.pid, msg: sc.msg };
}
