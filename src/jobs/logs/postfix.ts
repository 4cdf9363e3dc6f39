// Postfix's syslog (or postlogd) lines grouped into SMTP sessions: smtpd's (inbound) from
// "connect from" to "disconnect from", smtp's (outbound) from the TLS line or the first delivery of
// a connection to the last delivery over it, across processes when a cached connection is reused.
//
// What the log can tell, and how it is told here:
// - smtpd: since Postfix 3.0 "disconnect from" carries command counters, and "starttls=N" (or
//   "starttls=ok/total") says whether STARTTLS was tried and worked even at smtpd_tls_loglevel 0
//   (evidence 'counters'); with a "TLS connection established from" line the evidence is 'handshake'.
//   Without counters (older Postfix) and without a TLS line the session's TLS is unknown ('none').
// - smtp: a "TLS connection established to" line starts a connection in its process. A delivery
//   without conn_use (or conn_use=1) on no such connection went over a fresh one: in clear text when
//   the input shows smtp TLS lines elsewhere (smtp_tls_loglevel ≥ 1 would have logged a handshake;
//   evidence 'handshake', judged when the session is handed over); unknown ('none') when smtp never
//   logs TLS (smtp_tls_loglevel 0; said once as the note 'postfix-smtp-loglevel-0').
//   conn_use=N (N ≥ 2) is a cached connection, maybe opened by another smtp process: it joins the
//   latest session to the same relay address (still open: idle under REUSE_MS), else it starts a
//   session whose TLS is unknown.
// - The clear retry: at level "may", after a failed handshake Postfix logs the failure
//   ("SSL_connect error to …", "TLS library problem", then "QUEUEID: Cannot start TLS: handshake
//   failure" when another try is left) and delivers again to the same address in clear text in the
//   same process, without a distinct line for the retry. So a delivery that follows a failed
//   handshake in the same process, to the same relay, whose own status is not that failure, is that
//   retry: clearRetry.
import { MAX_OPEN_SESSIONS, type LineUse, type LogFormatModule, type LogParser, type ParserOptions, type ParserSink } from './model.js';
import { OpenSessions, addDomain, addressEnd, addQueueId, domainOf, emit, flat, newDraft, normaliseProtocol, setRemote, touchDraft, touchTime, words, type Draft } from './open-sessions.js';
import { SyslogClock, hasAt, newScan, scanSyslog } from './syslog.js';

/** Postfix keeps a cached connection for reuse up to smtp_connection_reuse_time_limit (300 s). */
const REUSE_MS = 330_000;
/** A disconnected smtpd session waits this long (log time) for qmgr's "from=" of its messages. */
const LINGER_MS = 5_000;
const LINGER_MAX = 2_000;
const QUEUE_MAP_MAX = 20_000;
const PENDING_MAX = 1_000;

interface PfDraft extends Draft {
  kind: 'smtpd' | 'smtp' | 'postscreen';
  pidKey: string;
  relayKey: string;
  lastQid: string;
  /** A "TLS connection established" line was seen for it. */
  tlsLine: boolean;
  /** A failed STARTTLS or handshake was logged for it. */
  failedTls: boolean;
  /** It joined a cached connection whose opening is not in the input. */
  reusedUnknown: boolean;
  countersSeen: boolean;
}

const TRUST: Record<string, 'verified' | 'trusted' | 'untrusted' | 'anonymous'> = {
  Verified: 'verified',
  Trusted: 'trusted',
  Untrusted: 'untrusted',
  Anonymous: 'anonymous',
};

interface Endpoint {
  host: string;
  ip: string;
  port: number | null;
  /** Index just after "]" or after ":port". */
  end: number;
}

/** "name[ip]" or "name[ip]:port" at `at`. */
export function endpointAt(line: string, at: number): Endpoint | null {
  const open = line.indexOf('[', at);
  if (open < 0 || open - at > 255) return null;
  const close = line.indexOf(']', open + 1);
  if (close < 0 || close - open > 64) return null;
  const host = line.slice(at, open);
  if (host.indexOf(' ') >= 0) return null;
  let port: number | null = null;
  let end = close + 1;
  if (line.charCodeAt(end) === 58) {
    let p = 0;
    let i = end + 1;
    while (i < line.length && i < end + 7) {
      const c = line.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      p = p * 10 + c;
      i++;
    }
    if (i > end + 1 && p <= 65535) {
      port = p;
      end = i;
    }
  }
  return { host, ip: line.slice(open + 1, close), port, end };
}

/** A Postfix queue id ("3F1A2B4C5D" short form, or the long form) followed by ": " at `at`; its end or -1. */
function queueIdEnd(line: string, at: number): number {
  let i = at;
  const max = Math.min(line.length, at + 24);
  while (i < max) {
    const c = line.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) i++;
    else break;
  }
  if (i - at < 5 || line.charCodeAt(i) !== 58 || line.charCodeAt(i + 1) !== 32) return -1;
  // Postfix's own severity words look like a queue id ("warning: TLS library problem: …").
  const c0 = line.charCodeAt(at);
  if ((c0 === 119 || c0 === 101 || c0 === 102 || c0 === 112) && SEVERITY_WORDS.has(line.slice(at, i))) return -1;
  return i;
}

/** Outbound sessions held while the input has not yet shown whether smtp logs TLS. */
const UNDECIDED_MAX = 2_000;

const SEVERITY_WORDS = new Set(['warning', 'error', 'fatal', 'panic']);

/** "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) …" at `at`. */
function tlsDetails(line: string, at: number): { protocol: string | null; cipher: string | null } {
  const w = line.indexOf(' with cipher ', at);
  if (w < 0 || w - at > 20) return { protocol: null, cipher: null };
  const protocol = normaliseProtocol(line.slice(at, w));
  const cAt = w + 13;
  let cEnd = line.indexOf(' ', cAt);
  if (cEnd < 0) cEnd = line.length;
  return { protocol, cipher: cEnd > cAt ? words(line.slice(cAt, cEnd), 120) : null };
}

/** "starttls=1" or "starttls=0/1" in smtpd's counters: [succeeded, tried], null when absent. */
function starttlsCounter(line: string, at: number): [number, number] | null {
  const i = line.indexOf(' starttls=', at);
  if (i < 0) return null;
  let a = 0;
  let j = i + 10;
  const start = j;
  while (j < line.length && line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57 && j - start < 9) a = a * 10 + line.charCodeAt(j++) - 48;
  if (j === start) return null;
  if (line.charCodeAt(j) !== 47) return [a, a];
  let b = 0;
  const bStart = ++j;
  while (j < line.length && line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57 && j - bStart < 9) b = b * 10 + line.charCodeAt(j++) - 48;
  return j === bStart ? [a, a] : [a, b];
}

/**
 * OpenSSL's reason in a "TLS library problem" line ("error:0A00042E:SSL routines::tlsv1 alert protocol
 * version:../ssl/…" → "tlsv1 alert protocol version"), or null.
 */
export function libraryReason(line: string): string | null {
  const at = line.indexOf('routines::');
  if (at < 0) return null;
  const end = line.indexOf(':', at + 10);
  const reason = line.slice(at + 10, end < 0 ? line.length : end).trim();
  return reason ? words(reason, 120) : null;
}

/** "SSL_connect error to …: -1" says only that OpenSSL failed: its reason, from the library line that follows, is added. */
function withLibraryReason(failure: string | null, line: string): string | null {
  if (failure === null || !/: -1$/.test(failure)) return failure;
  const reason = libraryReason(line);
  return reason === null ? failure : words(`${failure} (${reason})`);
}

/** Words of a delivery's reason that tell of a TLS failure. */
const TLS_FAILURE_WORDS = ['Cannot start TLS', 'TLS is required', 'TLS handshake', 'certificate not', 'certificate verification', 'TLS library problem', 'while performing the TLS handshake', 'SSL_connect'];

function tlsFailureIn(text: string): boolean {
  for (const w of TLS_FAILURE_WORDS) if (text.includes(w)) return true;
  return false;
}

class PostfixParser implements LogParser {
  readonly format = 'postfix' as const;
  private readonly clock: SyslogClock;
  private readonly open: OpenSessions<PfDraft>;
  private seq = 0;
  /** The open session of each smtpd process, and the latest connection of each smtp process. */
  private readonly inByPid = new Map<string, PfDraft>();
  private readonly outByPid = new Map<string, PfDraft>();
  /** The latest session to each relay address (syslog host + ip:port), for cached connections. */
  private readonly byRelay = new Map<string, PfDraft>();
  /** Queue id → the smtpd session that received it, for qmgr's "from=". */
  private readonly byQueueId = new Map<string, PfDraft>();
  /** Ended smtpd sessions waiting briefly for qmgr's "from=". */
  private readonly lingering = new Map<string, PfDraft>();
  /** Lines of an smtp process logged during a handshake, before its "TLS connection established". */
  private readonly pending = new Map<string, { lines: [number, string][]; failure: string }>();
  private smtpTlsSeen = false;
  /** Outbound sessions without a TLS line handed over before the input showed whether smtp logs TLS. */
  private undecided: [PfDraft, boolean][] = [];
  private smtpFresh = 0;
  private smtpdNoCounters = 0;
  private smtpdTlsSeen = false;
  private now: number | null = null;
  private lastRelease = Number.NEGATIVE_INFINITY;
  /** Length of the syslog host at the start of the current line's process key. */
  private hostLen = 0;
  private readonly scan = newScan();

  constructor(
    private readonly sink: ParserSink,
    options: ParserOptions,
    cap = MAX_OPEN_SESSIONS,
  ) {
    this.clock = new SyslogClock(options.year, options.offsetMinutes, options.reference);
    this.open = new OpenSessions<PfDraft>(REUSE_MS, (d, why) => this.finish(d, why), cap);
  }

  line(text: string, lineNo: number): LineUse {
    const sc = this.scan;
    if (!scanSyslog(text, this.clock, sc)) return 'malformed';
    if (!hasAt(text, sc.progAt, 'postfix')) return 'ignored';
    const time = sc.time;
    this.now = time;
    if (this.lingering.size > LINGER_MAX || (this.lingering.size > 0 && time !== null && time - this.lastRelease >= 1000)) this.release();
    this.open.sweep(time);
    // the service is the program's last part ("postfix-out/submission/smtpd" → smtpd); strings are
    // made only for the lines that need them
    const pe = sc.progEnd;
    const last = text.charCodeAt(pe - 1);
    const role =
      last === 100 && hasAt(text, pe - 6, '/smtpd') ? 1 : last === 112 && hasAt(text, pe - 5, '/smtp') ? 2 : last === 114 && hasAt(text, pe - 5, '/qmgr') ? 3 : last === 110 && hasAt(text, pe - 11, '/postscreen') ? 4 : 0;
    if (role === 0) return 'ignored';
    try {
      if (role === 3) return this.qmgr(text, sc.msg);
      // "mx1 postfix/smtp[1234]": the syslog host and the process, the one string made per line
      const pidKey = text.slice(sc.hostAt, sc.procEnd);
      this.hostLen = sc.hostEnd - sc.hostAt;
      if (role === 2) return this.smtp(text, sc.msg, lineNo, pidKey, time);
      if (role === 1) {
        const p = text.slice(sc.progAt, pe);
        return this.smtpd(text, sc.msg, lineNo, pidKey, time, p.includes('/smtps/') || p.includes('/submissions/'));
      }
      return this.postscreen(text, sc.msg, lineNo, time, pidKey);
    } catch {
      // a bug of ours must not stop the reading of a log: the line is counted as damaged
      return 'malformed';
    }
  }

  end(): void {
    this.open.end();
    // Never a TLS line from smtp: the waiting sessions stay unknown (smtp_tls_loglevel 0).
    for (const [d, inc] of this.undecided) emit(this.sink, d, inc);
    this.undecided = [];
    if (this.smtpFresh > 0 && !this.smtpTlsSeen) {
      this.sink.note('postfix-smtp-loglevel-0', 'no "TLS connection established to" line from smtp in the whole input (smtp_tls_loglevel 0?): outbound TLS is unknown');
    }
    if (this.smtpdNoCounters > 0 && !this.smtpdTlsSeen) {
      this.sink.note('postfix-smtpd-no-counters', 'smtpd\'s "disconnect from" lines carry no command counters (Postfix before 3.0) and no TLS line was logged: inbound TLS is unknown');
    }
  }

  /** The syslog host of the current line's process key. */
  private hostOf(pidKey: string): string {
    return pidKey.slice(0, this.hostLen);
  }

  private draft(kind: PfDraft['kind'], pidKey: string, direction: 'inbound' | 'outbound', time: number | null): PfDraft {
    // the key as the log names the process: "postfix/smtp[1234]"
    const base = newDraft(String(++this.seq), 'postfix', pidKey.slice(this.hostLen + 1), direction, time, this.hostOf(pidKey));
    // one literal of fixed shape (a spread of `base` would make a slow dictionary-mode object)
    const d: PfDraft = { id: base.id, s: base.s, last: base.last, touched: base.touched, ended: false, kind, pidKey: flat(pidKey), relayKey: '', lastQid: '', tlsLine: false, failedTls: false, reusedUnknown: false, countersSeen: false };
    this.open.add(d);
    return d;
  }

  private finish(d: PfDraft, why: 'evicted' | 'idle' | 'end' | 'closed'): void {
    if (this.inByPid.get(d.pidKey) === d) this.inByPid.delete(d.pidKey);
    if (this.outByPid.get(d.pidKey) === d) this.outByPid.delete(d.pidKey);
    if (d.relayKey !== '' && this.byRelay.get(d.relayKey) === d) this.byRelay.delete(d.relayKey);
    this.lingering.delete(d.id);
    for (const q of d.s.queueIds) if (this.byQueueId.get(q) === d) this.byQueueId.delete(q);
    const tls = d.s.tls;
    if (d.kind === 'smtp') {
      if (d.tlsLine || d.failedTls) d.s.evidence = 'handshake';
      else if (!d.reusedUnknown && this.smtpTlsSeen) {
        // smtp logs every handshake at smtp_tls_loglevel ≥ 1, and this input shows it does: none here
        tls.negotiated = false;
        d.s.evidence = 'handshake';
      } else if (!d.reusedUnknown) {
        // No TLS line from smtp yet: the log level is not known until one comes (or the input ends).
        // Wait, bounded: a delivery before the first TLS line of a level-1 log is clear text too.
        this.undecided.push([d, why === 'evicted' || (d.s.status === null && d.s.messages === 0)]);
        if (this.undecided.length > UNDECIDED_MAX) {
          const [first, inc] = this.undecided.shift() as [PfDraft, boolean];
          emit(this.sink, first, inc);
        }
        return;
      }
    } else if (d.kind === 'smtpd') {
      if (d.tlsLine) d.s.evidence = 'handshake';
      else if (d.countersSeen) d.s.evidence = 'counters';
      else if (d.failedTls) d.s.evidence = 'handshake';
    }
    let incomplete: boolean;
    if (why === 'evicted') incomplete = true;
    else if (d.kind === 'smtp') incomplete = d.s.status === null && d.s.messages === 0 && !d.failedTls;
    else if (d.kind === 'postscreen') incomplete = false;
    else incomplete = !d.ended;
    emit(this.sink, d, incomplete);
  }

  /** Hands over the ended smtpd sessions whose wait for qmgr is over. */
  private release(): void {
    if (this.now !== null) this.lastRelease = this.now;
    for (const d of this.lingering.values()) {
      const old = this.lingering.size > LINGER_MAX || (this.now !== null && d.last !== null && this.now - d.last > LINGER_MS);
      if (!old) break;
      this.lingering.delete(d.id);
      this.open.close(d, 'closed');
    }
  }

  // --- smtp: outbound ---

  private smtp(line: string, m: number, lineNo: number, pidKey: string, time: number | null): LineUse {
    const c = line.charCodeAt(m);
    // "Trusted|Verified|Untrusted|Anonymous TLS connection established to name[ip]:port: …"
    if (c === 84 || c === 86 || c === 85 || c === 65) {
      const sp = line.indexOf(' ', m);
      const trust = sp > 0 ? TRUST[line.slice(m, sp)] : undefined;
      if (trust !== undefined && hasAt(line, sp, ' TLS connection established to ')) {
        const ep = endpointAt(line, sp + 31);
        if (ep === null) return 'malformed';
        if (!this.smtpTlsSeen) {
          this.smtpTlsSeen = true;
          // The deliveries before it had no TLS line at a level that writes one: clear text.
          for (const [u, inc] of this.undecided) {
            u.s.tls.negotiated = false;
            u.s.evidence = 'handshake';
            emit(this.sink, u, inc);
          }
          this.undecided = [];
        }
        const d = this.draft('smtp', pidKey, 'outbound', time);
        this.outByPid.set(d.pidKey, d);
        d.relayKey = flat(`${this.hostOf(pidKey)} ${ep.ip}:${ep.port ?? ''}`);
        this.byRelay.set(d.relayKey, d);
        setRemote(d, ep.host, ep.ip, ep.port);
        const t = d.s.tls;
        const { protocol, cipher } = tlsDetails(line, ep.end + 2);
        t.attempted = true;
        t.accepted = true;
        t.negotiated = true;
        t.protocol = protocol;
        t.cipher = cipher;
        t.verify = trust;
        t.implicit = ep.port === 465;
        d.tlsLine = true;
        d.s.evidence = 'handshake';
        const pend = this.pending.get(pidKey);
        if (pend !== undefined) {
          for (const [n, l] of pend.lines) touchDraft(d, n, l, null);
          this.pending.delete(pidKey);
        }
        touchDraft(d, lineNo, line, time);
        return 'used';
      }
    }
    const qEnd = queueIdEnd(line, m);
    if (qEnd > 0) {
      const qid = line.slice(m, qEnd);
      const rest = qEnd + 2;
      if (hasAt(line, rest, 'to=<')) return this.delivery(line, rest, qid, lineNo, pidKey, time);
      // informational lines about the queue id in this process: a failure that leaves another try
      const cur = this.outByPid.get(pidKey);
      if (cur !== undefined && this.open.has(cur)) {
        const text = line.slice(rest);
        if (tlsFailureIn(text)) {
          this.fail(cur, text, text.startsWith('TLS is required'));
          addQueueId(cur, qid);
          touchDraft(cur, lineNo, line, time);
          this.open.touch(cur);
          return 'used';
        }
      }
      return 'ignored';
    }
    if (hasAt(line, m, 'SSL_connect error to ')) {
      const ep = endpointAt(line, m + 21);
      const d = this.draft('smtp', pidKey, 'outbound', time);
      this.outByPid.set(d.pidKey, d);
      if (ep !== null) {
        setRemote(d, ep.host, ep.ip, ep.port);
        d.relayKey = flat(`${this.hostOf(pidKey)} ${ep.ip}:${ep.port ?? ''}`);
        this.byRelay.set(d.relayKey, d);
      }
      const pend = this.pending.get(pidKey);
      if (pend !== undefined) {
        for (const [n, l] of pend.lines) touchDraft(d, n, l, null);
        this.pending.delete(pidKey);
      }
      this.fail(d, line.slice(m), false);
      touchDraft(d, lineNo, line, time);
      return 'used';
    }
    if (hasAt(line, m, 'warning: TLS library problem: ')) {
      const cur = this.outByPid.get(pidKey);
      if (cur !== undefined && this.open.has(cur) && cur.failedTls && cur.s.messages === 0) {
        cur.s.tls.failure = withLibraryReason(cur.s.tls.failure, line);
        touchDraft(cur, lineNo, line, time);
        return 'used';
      }
      this.hold(pidKey, lineNo, line, line.slice(m));
      return 'used';
    }
    if (hasAt(line, m, 'certificate verification failed for ') || hasAt(line, m, 'server certificate verification failed for ') || hasAt(line, m, 'warning: TLS policy lookup')) {
      this.hold(pidKey, lineNo, line, line.slice(m));
      return 'used';
    }
    if (line.indexOf('offered STARTTLS', m) >= 0) {
      const cur = this.outByPid.get(pidKey);
      if (cur !== undefined && this.open.has(cur)) {
        cur.s.tls.offered = true;
        touchDraft(cur, lineNo, line, time);
        return 'used';
      }
    }
    return 'ignored';
  }

  /** Keeps a handshake-time line of an smtp process for the connection it belongs to. */
  private hold(pidKey: string, lineNo: number, line: string, text: string): void {
    let p = this.pending.get(pidKey);
    if (p === undefined) {
      if (this.pending.size >= PENDING_MAX) this.pending.delete(this.pending.keys().next().value as string);
      p = { lines: [], failure: text };
      this.pending.set(flat(pidKey), p);
    } else p.failure = withLibraryReason(p.failure, line) ?? p.failure;
    if (p.lines.length < 4) p.lines.push([lineNo, line]);
  }

  private fail(d: PfDraft, text: string, notOffered: boolean): void {
    const t = d.s.tls;
    if (t.failure === null) t.failure = words(text);
    if (notOffered) {
      t.offered = false;
      t.attempted = false;
      t.negotiated = false;
    } else if (!d.tlsLine) {
      t.attempted = true;
      t.negotiated = false;
    }
    d.failedTls = true;
  }

  private delivery(line: string, at: number, qid: string, lineNo: number, pidKey: string, time: number | null): LineUse {
    // The address may be a quoted local part holding '>' and ' relay=': its own closing bracket ends it.
    const addrEnd = addressEnd(line, at + 3) - 1;
    if (line.charCodeAt(addrEnd) !== 62) return 'malformed';
    const domain = domainOf(line.slice(at + 4, addrEnd));
    const r = line.indexOf(' relay=', addrEnd);
    if (r < 0) return 'malformed';
    const ep = endpointAt(line, r + 7);
    // "relay=none": no connection was made (refused, timed out, no MX): not an SMTP session; nor is
    // a delivery over a local socket ("relay=host[private/dovecot-lmtp]")
    if (ep === null || ep.ip.includes('/')) return 'ignored';
    let connUse = 0;
    const cu = line.indexOf(' conn_use=', ep.end);
    if (cu >= 0 && cu - ep.end < 4) {
      let i = cu + 10;
      while (i < line.length && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57 && i - cu < 18) connUse = connUse * 10 + line.charCodeAt(i++) - 48;
    }
    const relayKey = `${this.hostOf(pidKey)} ${ep.ip}:${ep.port ?? ''}`;
    let d: PfDraft | undefined;
    const cur = this.outByPid.get(pidKey);
    const curOpen = cur !== undefined && this.open.has(cur) ? cur : undefined;
    if (connUse >= 2) {
      if (curOpen !== undefined && curOpen.relayKey === relayKey) d = curOpen;
      else {
        const r2 = this.byRelay.get(relayKey);
        if (r2 !== undefined && this.open.has(r2)) d = r2;
      }
      if (d === undefined) {
        d = this.draft('smtp', pidKey, 'outbound', time);
        d.reusedUnknown = true;
      }
    } else if (curOpen !== undefined && curOpen.relayKey === relayKey && (curOpen.s.messages === 0 || curOpen.lastQid === qid)) {
      d = curOpen;
    } else {
      d = this.draft('smtp', pidKey, 'outbound', time);
      this.smtpFresh++;
    }
    if (d.relayKey === '') {
      d.relayKey = flat(relayKey);
      setRemote(d, ep.host, ep.ip, ep.port);
    }
    if (this.byRelay.get(relayKey) !== d) this.byRelay.set(d.relayKey === relayKey ? d.relayKey : flat(relayKey), d);
    if (this.outByPid.get(pidKey) !== d) this.outByPid.set(flat(pidKey), d);
    // status and its reason
    const dsnAt = line.indexOf(' dsn=', ep.end);
    if (dsnAt >= 0) {
      const e = line.indexOf(',', dsnAt);
      const dsn = line.slice(dsnAt + 5, e < 0 ? line.length : e);
      if (dsn.length <= 20 && dsn !== d.s.dsn) d.s.dsn = flat(dsn);
    }
    const stAt = line.indexOf(' status=', ep.end);
    let reason = '';
    if (stAt >= 0) {
      let e = line.indexOf(' ', stAt + 8);
      if (e < 0) e = line.length;
      const st = line.slice(stAt + 8, e);
      d.s.status = st === 'sent' ? 'sent' : st === 'deferred' ? 'deferred' : st === 'bounced' || st === 'expired' ? 'bounced' : d.s.status;
      if (line.charCodeAt(e + 1) === 40) reason = line.slice(e + 2, line.endsWith(')') ? line.length - 1 : line.length);
    }
    if (reason !== '' && tlsFailureIn(reason)) {
      this.fail(d, reason, reason.startsWith('TLS is required'));
    } else if (d.failedTls && !d.tlsLine && connUse < 2) {
      // delivered (or tried) again after the failed handshake: Postfix's retry in clear text
      d.s.tls.clearRetry = true;
    }
    if (d.lastQid !== qid) {
      d.s.messages++;
      d.lastQid = flat(qid);
    }
    addQueueId(d, qid);
    addDomain(d, domain);
    touchDraft(d, lineNo, line, time);
    this.open.touch(d);
    return 'used';
  }

  // --- smtpd: inbound ---

  private inbound(pidKey: string, time: number | null, implicit: boolean): PfDraft {
    const cur = this.inByPid.get(pidKey);
    if (cur !== undefined && this.open.has(cur) && !cur.ended) return cur;
    const d = this.draft('smtpd', pidKey, 'inbound', time);
    if (implicit) {
      d.s.tls.implicit = true;
      d.s.tls.attempted = true;
    }
    this.inByPid.set(d.pidKey, d);
    return d;
  }

  private smtpd(line: string, m: number, lineNo: number, pidKey: string, time: number | null, implicit: boolean): LineUse {
    const c = line.charCodeAt(m);
    if (c === 99 && hasAt(line, m, 'connect from ')) {
      const cur = this.inByPid.get(pidKey);
      if (cur !== undefined && this.open.has(cur) && !cur.ended) this.open.close(cur, 'evicted');
      const d = this.inbound(pidKey, time, implicit);
      const ep = endpointAt(line, m + 13);
      if (ep !== null) setRemote(d, ep.host, ep.ip, ep.port);
      // evidence is the lines that decide (TLS, counters, failures, rejects): this one only opens
      touchTime(d, time);
      return 'used';
    }
    if (c === 100 && hasAt(line, m, 'disconnect from ')) {
      const cur = this.inByPid.get(pidKey);
      const d = cur !== undefined && this.open.has(cur) && !cur.ended ? cur : this.inbound(pidKey, time, implicit);
      if (d.s.remoteIp === null) {
        const ep = endpointAt(line, m + 16);
        if (ep !== null) setRemote(d, ep.host, ep.ip, ep.port);
      }
      if (line.indexOf(' commands=', m) >= 0) {
        d.countersSeen = true;
        const st = starttlsCounter(line, m);
        const t = d.s.tls;
        if (st === null) {
          if (!t.implicit) {
            t.attempted = false;
            t.negotiated = false;
          } else if (t.negotiated === null) {
            t.negotiated = line.indexOf(' ehlo=', m) >= 0 || line.indexOf(' helo=', m) >= 0;
          }
        } else {
          t.attempted = st[1] > 0;
          if (!d.tlsLine) t.negotiated = st[0] > 0;
          if (st[0] > 0) t.accepted = true;
          if (st[0] < st[1] && t.failure === null) {
            const i = line.indexOf(' starttls=', m) + 1;
            const e = line.indexOf(' ', i);
            t.failure = words(line.slice(i, e < 0 ? line.length : e));
          }
          // STARTTLS never worked (refused with 454, or a failed handshake the client then ignored)
          // and the client still sent MAIL on this connection: the mail went in clear text.
          if (st[0] === 0 && st[1] > 0 && line.indexOf(' mail=', m) >= 0) t.clearRetry = true;
        }
      } else {
        this.smtpdNoCounters++;
      }
      d.ended = true;
      touchDraft(d, lineNo, line, time);
      this.inByPid.delete(pidKey);
      this.lingering.set(d.id, d);
      return 'used';
    }
    if (c === 84 || c === 86 || c === 85 || c === 65) {
      const sp = line.indexOf(' ', m);
      const trust = sp > 0 ? TRUST[line.slice(m, sp)] : undefined;
      if (trust !== undefined && hasAt(line, sp, ' TLS connection established from ')) {
        this.smtpdTlsSeen = true;
        const d = this.inbound(pidKey, time, implicit);
        const ep = endpointAt(line, sp + 33);
        if (ep !== null && d.s.remoteIp === null) setRemote(d, ep.host, ep.ip, ep.port);
        const { protocol, cipher } = tlsDetails(line, ep === null ? sp : ep.end + 2);
        const t = d.s.tls;
        t.attempted = true;
        t.accepted = true;
        t.negotiated = true;
        t.protocol = protocol;
        t.cipher = cipher;
        t.verify = trust;
        d.tlsLine = true;
        d.s.evidence = 'handshake';
        touchDraft(d, lineNo, line, time);
        this.open.touch(d);
        return 'used';
      }
    }
    if (hasAt(line, m, 'SSL_accept error from ') || hasAt(line, m, 'lost connection after STARTTLS') || hasAt(line, m, 'timeout after STARTTLS') || hasAt(line, m, 'warning: TLS library problem: ')) {
      const cur = this.inByPid.get(pidKey);
      const library = c === 119;
      // a library problem outside any session (a stray warning) says nothing about one
      if (library && (cur === undefined || !this.open.has(cur))) return 'ignored';
      const d = this.inbound(pidKey, time, implicit);
      const t = d.s.tls;
      if (t.failure === null) t.failure = words(line.slice(m));
      else if (library) t.failure = withLibraryReason(t.failure, line);
      if (!d.tlsLine) {
        t.attempted = true;
        t.accepted = true;
        t.negotiated = false;
      }
      d.failedTls = true;
      touchDraft(d, lineNo, line, time);
      this.open.touch(d);
      return 'used';
    }
    const qEnd = queueIdEnd(line, m);
    if (qEnd > 0) {
      const qid = line.slice(m, qEnd);
      const rest = qEnd + 2;
      if (hasAt(line, rest, 'client=')) {
        const d = this.inbound(pidKey, time, implicit);
        if (d.s.remoteIp === null) {
          const ep = endpointAt(line, rest + 7);
          if (ep !== null) setRemote(d, ep.host, ep.ip, ep.port);
        }
        d.s.messages++;
        addQueueId(d, qid);
        if (qid !== 'NOQUEUE') {
          if (this.byQueueId.size >= QUEUE_MAP_MAX) this.byQueueId.delete(this.byQueueId.keys().next().value as string);
          this.byQueueId.set(d.s.queueIds[d.s.queueIds.length - 1] === qid ? d.s.queueIds[d.s.queueIds.length - 1]! : flat(qid), d);
        }
        touchTime(d, time);
        this.open.touch(d);
        return 'used';
      }
      if (hasAt(line, rest, 'reject: ')) {
        const d = this.inbound(pidKey, time, implicit);
        this.reject(d, line, rest + 8, lineNo, time);
        return 'used';
      }
    }
    return 'ignored';
  }

  /** "reject: RCPT from name[ip]: 554 5.7.1 <…>: Relay access denied; from=<a@b> to=<c@d> proto=ESMTP helo=<x>" */
  private reject(d: PfDraft, line: string, at: number, lineNo: number, time: number | null): void {
    d.s.status = 'rejected';
    const from = line.indexOf(' from ', at);
    if (from >= 0 && d.s.remoteIp === null) {
      const ep = endpointAt(line, from + 6);
      if (ep !== null) setRemote(d, ep.host, ep.ip, ep.port);
    }
    const colon = line.indexOf(': ', from < 0 ? at : from);
    if (colon >= 0) {
      const codeAt = colon + 2;
      const sp1 = line.indexOf(' ', codeAt);
      const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
      if (sp2 > sp1 && /^\d\.\d{1,3}\.\d{1,3}$/.test(line.slice(sp1 + 1, sp2))) d.s.dsn = line.slice(sp1 + 1, sp2);
    }
    if (line.indexOf('Must issue a STARTTLS command first', at) >= 0 && !d.tlsLine) {
      d.s.tls.attempted = false;
      d.s.tls.negotiated = false;
    }
    const f = line.indexOf('; from=<', at);
    if (f >= 0) {
      const e = line.indexOf('>', f + 8);
      if (e > 0) addDomain(d, domainOf(line.slice(f + 8, e)));
    }
    touchDraft(d, lineNo, line, time);
    this.open.touch(d);
  }

  // --- qmgr: the sender of an inbound message ---

  private qmgr(line: string, m: number): LineUse {
    const qEnd = queueIdEnd(line, m);
    if (qEnd < 0 || !hasAt(line, qEnd + 2, 'from=<')) return 'ignored';
    const d = this.byQueueId.get(line.slice(m, qEnd));
    if (d === undefined || !this.open.has(d)) return 'ignored';
    const e = line.indexOf('>', qEnd + 8);
    if (e > 0) addDomain(d, domainOf(line.slice(qEnd + 8, e)));
    return 'used';
  }

  // --- postscreen: a reject before any smtpd is one line, and a session of its own ---

  private postscreen(line: string, m: number, lineNo: number, time: number | null, pidKey: string): LineUse {
    if (!hasAt(line, m, 'NOQUEUE: reject: ')) return 'ignored';
    const d = this.draft('postscreen', pidKey, 'inbound', time);
    this.reject(d, line, m + 17, lineNo, time);
    d.ended = true;
    this.open.close(d, 'closed');
    return 'used';
  }
}

/** How surely a line is Postfix's: a "postfix…/service[pid]:" program in a syslog line. */
function sniff(line: string): number {
  const i = line.indexOf(' postfix');
  if (i < 0 || i > 80) return 0;
  let slash = false;
  for (let j = i + 8; j < line.length && j < i + 60; j++) {
    const c = line.charCodeAt(j);
    if (c === 47) slash = true;
    else if (c === 91 || c === 58) return slash ? 1 : 0;
    else if (c === 32) return 0;
  }
  return 0;
}

export const postfixModule: LogFormatModule = {
  format: 'postfix',
  sniff,
  create: (sink, options) => new PostfixParser(sink, options),
};

/** For tests: a parser with a smaller cap on open sessions. */
export function createPostfixParser(sink: ParserSink, options: ParserOptions, cap = MAX_OPEN_SESSIONS): LogParser {
  return new PostfixParser(sink, options, cap);
}
