// Exim's main log (or the same lines through syslog: "exim[1234]: 2026-11-30 03:40:13 …") as
// sessions: one per arrival ("<=" with H=), one per delivery attempt to a host ("=>", with its "->"
// companions and the "=="/"**" lines of the same message and host that follow within a minute),
// plus connection-level lines of their own ("TLS error on connection from …", rejects, "no MAIL in
// SMTP connection from … C=EHLO,STARTTLS").
//
// Exim's default log_selector writes X= (the cipher) and CV= (verified?) on "<=" and "=>" lines,
// so a line with H= but without X= went in clear text: evidence 'handshake'. Where X= is missing but
// P= says esmtps (a log_selector without tls_cipher), the protocol name tells: evidence 'dialogue'.
//
// TLS errors ("TLS error on connection to mx [ip] (SSL_connect): …") are written before the
// delivery line, without a message id; they wait (per process when +pid is logged, and per remote
// address) for the next delivery line to that address. The fall-back to clear text is Exim's own
// line: "TLS session failure: delivering unencrypted to mx [ip] (not in hosts_require_tls)", since
// 4.93 "TLS session: (…): …: delivering unencrypted to H=mx [ip] (not in hosts_require_tls)": the
// delivery that follows to that address gets clearRetry.
import { MAX_OPEN_SESSIONS, keepLine, type LineUse, type LogFormatModule, type LogParser, type ParserOptions, type ParserSink } from './model.js';
import { OpenSessions, addDomain, addressEnd, addQueueId, domainOf, emit, flat, newDraft, normaliseProtocol, setRemote, touchDraft, words, type Draft } from './open-sessions.js';
import { SyslogClock, digits, parseSyslog, timeOfDay } from './syslog.js';

/** Lines of one delivery (=>, ->, ==, **) to one host join within this (log time). */
const JOIN_MS = 60_000;
/** A TLS error waits this long for its delivery line. */
const PENDING_MS = 300_000;
const PENDING_MAX = 1_000;

interface ExDraft extends Draft {
  /** The X= (cipher) field was on one of its lines. */
  cipherLogged: boolean;
  /** Its key in `joinable` (deliveries), '' for others. */
  join: string;
}

interface Pending {
  lines: [number, string][];
  failure: string;
  clearRetry: boolean;
  time: number | null;
}

/** Exim's message id at `at`: 6-6-2 ("1tABcd-000AbC-Xy") or, since 4.97, 6-11-4; its length or 0. */
export function messageIdLength(line: string, at: number): number {
  if (!base62Run(line, at, 6) || line.charCodeAt(at + 6) !== 45) return 0;
  if (base62Run(line, at + 7, 6) && line.charCodeAt(at + 13) === 45 && base62Run(line, at + 14, 2) && endsToken(line, at + 16)) return 16;
  if (base62Run(line, at + 7, 11) && line.charCodeAt(at + 18) === 45 && base62Run(line, at + 19, 4) && endsToken(line, at + 23)) return 23;
  return 0;
}

function base62Run(s: string, at: number, n: number): boolean {
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

function endsToken(s: string, at: number): boolean {
  return at === s.length || s.charCodeAt(at) === 32;
}

interface Fields {
  /** key → value (quotes removed); H= holds the whole host clause "name (helo) [ip]:port". */
  map: Map<string, string>;
  /** Words that are not key=value ("defer", "(-38)"). */
  bare: string[];
  /** The text after the fields' closing ": " (a deferral's or bounce's reason), "" when none. */
  reason: string;
}

/** Exim's "K=V K2=\"quoted value\" …" fields from `at`, up to a ": " that ends them. */
export function eximFields(line: string, at: number): Fields {
  const map = new Map<string, string>();
  const bare: string[] = [];
  let reason = '';
  let i = at;
  let lastKey = '';
  let count = 0;
  while (i < line.length && count++ < 64) {
    while (line.charCodeAt(i) === 32) i++;
    if (i >= line.length) break;
    let end: number;
    let value: string;
    let key = '';
    const eq = line.indexOf('=', i);
    const first = line.charCodeAt(i);
    // "<original address>" after a recipient, a quoted address: one bare token, whatever it holds
    const sp = first === 60 || first === 34 ? line.indexOf(' ', addressEnd(line, i)) : line.indexOf(' ', i);
    const tokenEnd = sp < 0 ? line.length : sp;
    if (first !== 60 && first !== 34 && eq > i && eq < tokenEnd && eq - i <= 12 && /^[A-Za-z][A-Za-z0-9_]*$/.test(line.slice(i, eq))) {
      key = line.slice(i, eq);
      if (line.charCodeAt(eq + 1) === 34) {
        // a quoted value; \" inside is Exim's escape
        let j = eq + 2;
        while (j < line.length && !(line.charCodeAt(j) === 34 && line.charCodeAt(j - 1) !== 92)) j++;
        value = line.slice(eq + 2, j);
        end = Math.min(j + 1, line.length);
      } else {
        end = tokenEnd;
        value = line.slice(eq + 1, end);
      }
    } else {
      end = tokenEnd;
      value = line.slice(i, end);
    }
    let stop = false;
    if (value.endsWith(':') && key === '' && end === tokenEnd) {
      value = value.slice(0, -1);
      stop = true;
    } else if (line.charCodeAt(end) === 58 && line.charCodeAt(end + 1) === 32) {
      stop = true;
      end += 1;
    } else if (key !== '' && value.endsWith(':') && line.charCodeAt(eq + 1) !== 34) {
      value = value.slice(0, -1);
      stop = true;
    }
    if (key !== '') {
      if (!map.has(key)) map.set(key, value);
      lastKey = key;
    } else if (lastKey === 'H' && (value.startsWith('(') || value.startsWith('['))) {
      map.set('H', `${map.get('H')} ${value}`);
    } else {
      bare.push(value);
      lastKey = '';
    }
    i = end;
    if (stop) {
      reason = line.slice(Math.min(i + 1, line.length)).trimStart();
      break;
    }
  }
  return { map, bare, reason };
}

/** An H= clause "name (helo) [ip]:port", "(helo) [ip]", "[ip]:port" → its parts. */
export function eximHost(clause: string): { host: string | null; ip: string | null; port: number | null } {
  const open = clause.lastIndexOf('[');
  const close = clause.indexOf(']', open);
  let ip: string | null = null;
  let port: number | null = null;
  if (open >= 0 && close > open) {
    ip = clause.slice(open + 1, close);
    if (clause.charCodeAt(close + 1) === 58) {
      const p = Number(clause.slice(close + 2));
      if (Number.isInteger(p) && p >= 0 && p <= 65535) port = p;
    }
  }
  const first = clause.split(' ', 1)[0] ?? '';
  const host = first === '' || first.startsWith('(') || first.startsWith('[') ? null : first;
  return { host, ip, port };
}

/** X=TLS1.3:TLS_AES_256_GCM_SHA384:256 (OpenSSL "TLSv1.3:…", GnuTLS "TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256"). */
function cipherField(x: string): { protocol: string | null; cipher: string | null } {
  const first = x.indexOf(':');
  if (first < 0) return { protocol: normaliseProtocol(x), cipher: null };
  const last = x.lastIndexOf(':');
  const cipher = last > first ? x.slice(first + 1, last) : x.slice(first + 1);
  return { protocol: normaliseProtocol(x.slice(0, first)), cipher: cipher.length > 0 ? words(cipher, 120) : null };
}

const TLS_WORDS = ['TLS', 'SSL_connect', 'SSL_accept', 'gnutls', 'certificate verif', 'STARTTLS'];
function mentionsTls(text: string): boolean {
  for (const w of TLS_WORDS) if (text.includes(w)) return true;
  return false;
}

class EximParser implements LogParser {
  readonly format = 'exim' as const;
  private readonly clock: SyslogClock;
  private readonly open: OpenSessions<ExDraft>;
  private readonly pending = new Map<string, Pending>();
  /** The open delivery session of each message and host, for its "->", "==" and "**" lines. */
  private readonly joinable = new Map<string, ExDraft>();
  private seq = 0;

  constructor(
    private readonly sink: ParserSink,
    options: ParserOptions,
    cap = MAX_OPEN_SESSIONS,
  ) {
    this.clock = new SyslogClock(options.year, options.offsetMinutes, options.reference);
    this.open = new OpenSessions<ExDraft>(JOIN_MS, (d, why) => this.finish(d, why), cap);
  }

  line(text: string, lineNo: number): LineUse {
    let at = 0;
    let time: number | null = null;
    let localHost: string | null = null;
    let pid: number | null = null;
    // through syslog: "… host exim[1234]: " (the message may carry Exim's own stamp again)
    const c0 = text.charCodeAt(0);
    const isoStart = c0 >= 48 && c0 <= 57 && text.charCodeAt(4) === 45 && text.charCodeAt(10) === 32;
    if (!isoStart) {
      const sl = parseSyslog(text, this.clock);
      if (sl === null) return 'malformed';
      if (!sl.program.startsWith('exim')) return 'ignored';
      at = sl.msg;
      time = sl.time;
      localHost = sl.host;
      pid = sl.pid;
    }
    // "2026-11-30 03:40:13[.123] [+0100] [1234] "
    if (text.charCodeAt(at + 4) === 45 && text.charCodeAt(at + 10) === 32) {
      const day = this.clock.dayOfIso(text, at);
      const tod = timeOfDay(text, at + 11);
      if (day === null || tod < 0) return isoStart ? 'malformed' : 'ignored';
      let i = at + 19;
      let ms = 0;
      if (text.charCodeAt(i) === 46) {
        const f = digits(text, i + 1, 3);
        if (f >= 0) ms = f;
        i += 4;
      }
      let off = this.clock.localOffsetMs;
      if (text.charCodeAt(i) === 32 && (text.charCodeAt(i + 1) === 43 || text.charCodeAt(i + 1) === 45)) {
        const hh = digits(text, i + 2, 2);
        const mm = digits(text, i + 4, 2);
        if (hh >= 0 && mm >= 0 && text.charCodeAt(i + 6) === 32) {
          off = (hh * 60 + mm) * 60_000 * (text.charCodeAt(i + 1) === 43 ? 1 : -1);
          i += 6;
        }
      }
      time = day + tod + ms - off;
      at = i + 1;
      if (text.charCodeAt(i) !== 32) return 'malformed';
    } else if (isoStart) {
      return 'malformed';
    }
    if (text.charCodeAt(at) === 91) {
      const close = text.indexOf('] ', at);
      if (close > at && close - at <= 12) {
        const p = digits(text, at + 1, close - at - 1);
        if (p >= 0) pid = p;
        at = close + 2;
      }
    }
    this.open.sweep(time);
    try {
      return this.message(text, at, lineNo, time, localHost, pid);
    } catch {
      return 'malformed';
    }
  }

  end(): void {
    this.open.end();
    this.pending.clear();
  }

  private finish(d: ExDraft, why: 'evicted' | 'idle' | 'end' | 'closed'): void {
    if (d.join !== '' && this.joinable.get(d.join) === d) this.joinable.delete(d.join);
    emit(this.sink, d, why === 'evicted');
  }

  private draft(id: string, key: string, direction: 'inbound' | 'outbound', time: number | null, localHost: string | null): ExDraft {
    const base = newDraft(flat(`${++this.seq} ${id}`), 'exim', key, direction, time, localHost);
    const d: ExDraft = { id: base.id, s: base.s, last: base.last, touched: base.touched, ended: false, cipherLogged: false, join: '' };
    this.open.add(d);
    return d;
  }

  private message(line: string, at: number, lineNo: number, time: number | null, localHost: string | null, pid: number | null): LineUse {
    const idLen = messageIdLength(line, at);
    if (idLen > 0) {
      const id = line.slice(at, at + idLen);
      const op = at + idLen + 1;
      const a = line.charCodeAt(op);
      const b = line.charCodeAt(op + 1);
      if (line.charCodeAt(op + 2) === 32) {
        if (a === 60 && b === 61) return this.arrival(line, op + 3, id, lineNo, time, localHost, pid);
        if ((a === 61 && b === 62) || (a === 45 && b === 62) || (a === 61 && b === 61) || (a === 42 && b === 42)) {
          return this.delivery(line, op + 3, String.fromCharCode(a, b), id, lineNo, time, localHost, pid);
        }
        if (a === 42 && b === 62) return 'ignored'; // *> : delivery suppressed by -N
      }
      // a message's other lines: "Completed", "H=mx [ip] Connection timed out", TLS errors of its delivery
      return this.loose(line, op, lineNo, time, localHost, pid);
    }
    return this.loose(line, at, lineNo, time, localHost, pid);
  }

  /** "<= sender H=name (helo) [ip]:port I=[ip]:25 P=esmtps X=… CV=… DN=\"…\" S=…" */
  private arrival(line: string, at: number, id: string, lineNo: number, time: number | null, localHost: string | null, pid: number | null): LineUse {
    // The sender may be a quoted local part with spaces (and text that looks like fields): skip it whole.
    const sp = line.indexOf(' ', addressEnd(line, at));
    if (sp < 0) return 'malformed';
    const sender = line.slice(at, sp);
    const f = eximFields(line, sp + 1);
    const h = f.map.get('H');
    // local submissions and bounces ("<= <> R=… U=Debian-exim P=local") are no SMTP session
    if (h === undefined) return 'ignored';
    const d = this.draft(`in ${id}`, pid === null ? id : `${id} [${pid}]`, 'inbound', time, localHost);
    const where = eximHost(h);
    setRemote(d, where.host, where.ip, where.port);
    // The same connection's TLS error, logged before the message ("TLS error on connection from …",
    // then the mail taken in clear after a refused or failed STARTTLS): one session, not two.
    const conn = this.open.get(this.inKey(pid, where.ip));
    const failedTls = conn !== undefined && conn.s.tls.attempted === true && conn.s.tls.negotiated === false ? conn : null;
    if (failedTls !== null) {
      this.open.drop(failedTls);
      for (const l of failedTls.s.lines) keepLine(d.s.lines, l.line, l.text);
      d.s.tls.failure = failedTls.s.tls.failure;
      d.s.tls.attempted = true;
      if (failedTls.s.start !== null) d.s.start = failedTls.s.start;
    }
    addQueueId(d, id);
    d.s.messages = 1;
    addDomain(d, domainOf(sender.startsWith('<') ? sender.slice(1, -1) : sender));
    const t = d.s.tls;
    const p = (f.map.get('P') ?? '').toLowerCase();
    const iface = f.map.get('I') ?? '';
    t.implicit = p === 'ssmtp' || p === 'smtps' || iface.endsWith(']:465');
    this.tlsFields(d, f);
    if (!d.cipherLogged) {
      const viaTls = /^(?:e?smtps|esmtpsa|ssmtp)$/.test(p);
      if (p !== '') {
        t.negotiated = viaTls;
        if (viaTls) t.attempted = true;
        d.s.evidence = 'dialogue';
      }
      // without X= on a line that shows P=, Exim's default log_selector would have named a cipher
      if (!viaTls && p.startsWith('esmtp')) d.s.evidence = 'handshake';
    }
    if (failedTls !== null && t.negotiated !== true) {
      t.negotiated = false;
      t.clearRetry = true;
      d.s.evidence = 'handshake';
    }
    d.s.status = 'sent';
    touchDraft(d, lineNo, line, time);
    this.open.close(d, 'closed');
    return 'used';
  }

  private tlsFields(d: ExDraft, f: Fields): void {
    const t = d.s.tls;
    const x = f.map.get('X');
    if (x !== undefined) {
      const { protocol, cipher } = cipherField(x);
      t.attempted = true;
      t.accepted = true;
      t.negotiated = true;
      t.protocol = protocol;
      t.cipher = cipher;
      d.cipherLogged = true;
      d.s.evidence = 'handshake';
      const cv = f.map.get('CV');
      t.verify = cv === 'yes' || cv === 'dane' ? 'verified' : cv === 'no' ? 'untrusted' : t.verify;
      const dn = f.map.get('DN');
      if (dn !== undefined && dn.length > 0) t.peer = words(dn);
    }
  }

  /** "=> rcpt R=… T=… H=name [ip]:port X=… CV=… DN=\"…\" C=\"250 …\"", and "->", "==", "**". */
  private delivery(line: string, at: number, op: string, id: string, lineNo: number, time: number | null, localHost: string | null, pid: number | null): LineUse {
    const sp = line.indexOf(' ', addressEnd(line, at));
    const rcpt = line.slice(at, sp < 0 ? line.length : sp).replace(/:$/, '');
    const f = sp < 0 ? { map: new Map<string, string>(), bare: [], reason: '' } : eximFields(line, sp + 1);
    const h = f.map.get('H');
    if (h === undefined) return 'ignored'; // local deliveries, routing deferrals: no SMTP session
    const where = eximHost(h);
    const join = `out ${id} ${where.ip ?? h}`;
    let d = this.joinable.get(join);
    if (d !== undefined && (!this.open.has(d) || op === '=>')) d = undefined;
    if (d === undefined) {
      const old = this.joinable.get(join);
      if (old !== undefined && this.open.has(old)) this.open.close(old, 'closed');
      d = this.draft(join, pid === null ? id : `${id} [${pid}]`, 'outbound', time, localHost);
      d.join = flat(join);
      this.joinable.set(d.join, d);
      setRemote(d, where.host, where.ip, where.port);
      d.s.messages = 1;
      addQueueId(d, id);
      // a TLS error or the clear-text fall-back logged just before, for this address
      const pend = this.takePending(pid, where.ip, time);
      if (pend !== undefined) {
        for (const [n, l] of pend.lines) touchDraft(d, n, l, null);
        const t = d.s.tls;
        t.failure = words(pend.failure);
        t.attempted = true;
        t.negotiated = false;
        t.clearRetry = pend.clearRetry;
        d.s.evidence = 'handshake';
      }
    }
    addDomain(d, domainOf(rcpt.startsWith('<') ? rcpt.slice(1, -1) : rcpt));
    const t = d.s.tls;
    const hadFailure = t.failure !== null && !d.cipherLogged;
    this.tlsFields(d, f);
    if (hadFailure && d.cipherLogged) {
      // the error was of an earlier try: this line shows a working TLS session
      t.clearRetry = false;
    }
    if (op === '=>' || op === '->') {
      d.s.status = 'sent';
      if (!d.cipherLogged && t.negotiated === null) {
        t.negotiated = false;
        d.s.evidence = 'handshake';
      }
      const c = f.map.get('C');
      if (c !== undefined) {
        const m = /^\d{3} (\d\.\d{1,3}\.\d{1,3}) /.exec(c);
        if (m !== null) d.s.dsn = m[1]!;
      }
    } else {
      d.s.status = op === '==' ? 'deferred' : 'bounced';
      const reason = f.reason;
      const m = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(reason);
      if (m !== null) d.s.dsn = m[1]!;
      if (mentionsTls(reason)) {
        if (t.failure === null) t.failure = words(reason);
        if (!d.cipherLogged) {
          if (/did not offer|not advertised|not offered/.test(reason)) {
            t.offered = false;
            t.attempted = false;
          } else {
            t.attempted = true;
          }
          t.negotiated = false;
          d.s.evidence = 'handshake';
        }
      }
    }
    touchDraft(d, lineNo, line, time);
    this.open.touch(d);
    return 'used';
  }

  private pendingKey(pid: number | null, ip: string): string {
    return `${pid ?? ''} ${ip}`;
  }

  private hold(pid: number | null, ip: string, lineNo: number, line: string, failure: string, clearRetry: boolean, time: number | null): void {
    const k = this.pendingKey(pid, ip);
    let p = this.pending.get(k);
    if (p === undefined) {
      if (this.pending.size >= PENDING_MAX) this.pending.delete(this.pending.keys().next().value as string);
      p = { lines: [], failure: words(failure), clearRetry, time };
      this.pending.set(flat(k), p);
    }
    if (clearRetry) p.clearRetry = true;
    if (p.lines.length < 4) p.lines.push([lineNo, words(line, 1000)]);
  }

  private takePending(pid: number | null, ip: string | null, time: number | null): Pending | undefined {
    if (ip === null) return undefined;
    for (const k of [this.pendingKey(pid, ip), this.pendingKey(null, ip)]) {
      const p = this.pending.get(k);
      if (p === undefined) continue;
      this.pending.delete(k);
      if (time !== null && p.time !== null && time - p.time > PENDING_MS) return undefined;
      return p;
    }
    return undefined;
  }

  /** Lines without a delivery marker: TLS errors, the clear-text fall-back, connection-level lines. */
  private loose(line: string, at: number, lineNo: number, time: number | null, localHost: string | null, pid: number | null): LineUse {
    if (line.startsWith('TLS error on connection to ', at)) {
      const where = eximHost(line.slice(at + 27, line.indexOf(' (', at + 27) > 0 ? line.indexOf(' (', at + 27) : line.length));
      if (where.ip === null) return 'malformed';
      this.hold(pid, where.ip, lineNo, line, line.slice(at), false, time);
      return 'used';
    }
    const unenc = line.indexOf('delivering unencrypted to ', at);
    if (unenc >= 0 && line.startsWith('TLS session', at)) {
      let h = unenc + 26;
      if (line.startsWith('H=', h)) h += 2;
      const stop = line.indexOf(' (not in', h);
      const where = eximHost(line.slice(h, stop > 0 ? stop : line.length));
      if (where.ip === null) return 'malformed';
      this.hold(pid, where.ip, lineNo, line, line.slice(at), true, time);
      return 'used';
    }
    if (line.startsWith('TLS error on connection from ', at)) {
      const stop = line.indexOf(' (', line.indexOf('[', at));
      const clause = line.slice(at + 29, stop > 0 ? stop : line.length);
      const where = eximHost(clause.replace(/ I=\S+$/, ''));
      const d = this.inboundConn(pid, where, time, localHost);
      const t = d.s.tls;
      if (t.failure === null) t.failure = words(line.slice(at));
      t.attempted = true;
      t.accepted = true;
      t.negotiated = false;
      d.s.evidence = 'handshake';
      touchDraft(d, lineNo, line, time);
      return 'used';
    }
    // connection-level: "no MAIL in SMTP connection from … C=EHLO,STARTTLS", "SMTP connection from … lost …",
    // "H=… F=<…> rejected RCPT <…>: …"
    const noMail = line.startsWith('no MAIL in SMTP connection from ', at);
    const lost = line.startsWith('SMTP connection from ', at) || line.startsWith('unexpected disconnection while reading SMTP command from ', at);
    const hAt = line.startsWith('H=', at) ? at : -1;
    if (noMail || lost) {
      const from = line.indexOf(' from ', at) + 6;
      const stop = line.indexOf(' I=', from);
      const bracket = line.indexOf(']', from);
      const clause = line.slice(from, stop > 0 ? stop : bracket > 0 ? line.indexOf(' ', bracket) > 0 ? line.indexOf(' ', bracket) : line.length : line.length);
      const where = eximHost(clause);
      const existing = this.open.get(this.inKey(pid, where.ip));
      const tlsSaid = mentionsTls(line.slice(at));
      if (existing === undefined && !noMail && !tlsSaid) return 'ignored';
      const d = existing ?? this.inboundConn(pid, where, time, localHost);
      const cAt = line.indexOf(' C=', from);
      if (cAt > 0) {
        const cmds = line.slice(cAt + 3, line.indexOf(' ', cAt + 3) > 0 ? line.indexOf(' ', cAt + 3) : line.length).split(',');
        if (cmds.includes('STARTTLS')) {
          d.s.tls.attempted = true;
          if (d.s.tls.negotiated === null) d.s.evidence = 'dialogue';
        } else if (d.s.tls.attempted === null) {
          d.s.tls.attempted = false;
          d.s.tls.negotiated = false;
          d.s.evidence = 'dialogue';
        }
      }
      if (lost && tlsSaid && d.s.tls.failure === null) {
        d.s.tls.failure = words(line.slice(at));
        d.s.tls.attempted = true;
        d.s.tls.negotiated = false;
      }
      touchDraft(d, lineNo, line, time);
      return 'used';
    }
    if (hAt >= 0 && line.indexOf(' rejected ', at) > 0) {
      const f = eximFields(line, at);
      const where = eximHost(f.map.get('H') ?? '');
      if (where.ip === null) return 'malformed';
      const d = this.inboundConn(pid, where, time, localHost);
      d.s.status = 'rejected';
      const sender = f.map.get('F');
      if (sender !== undefined) addDomain(d, domainOf(sender.replace(/^<|>$/g, '')));
      const m = /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(f.reason);
      if (m !== null) d.s.dsn = m[1]!;
      if (/encrypt|TLS/.test(f.reason) && d.s.tls.negotiated === null) {
        d.s.tls.negotiated = false;
        d.s.evidence = 'dialogue';
      }
      touchDraft(d, lineNo, line, time);
      return 'used';
    }
    return 'ignored';
  }

  private inKey(pid: number | null, ip: string | null): string {
    return `conn ${pid ?? ''} ${ip ?? ''}`;
  }

  /** The open connection-level session from an address (per process when +pid is logged). */
  private inboundConn(pid: number | null, where: { host: string | null; ip: string | null; port: number | null }, time: number | null, localHost: string | null): ExDraft {
    const id = this.inKey(pid, where.ip);
    let d = this.open.get(id);
    if (d === undefined) {
      const base = newDraft(flat(id), 'exim', pid === null ? `[${where.ip ?? ''}]` : `[${pid}]`, 'inbound', time, localHost);
      d = { id: base.id, s: base.s, last: base.last, touched: base.touched, ended: false, cipherLogged: false, join: '' };
      this.open.add(d);
      setRemote(d, where.host, where.ip, where.port);
    }
    this.open.touch(d);
    return d;
  }
}

/**
 * An Exim line: its own stamp then a message id with <= => -> == **, or an Exim-only phrase; through
 * syslog, a program named exim. Other lines with an ISO stamp (IIS, Exchange's W3C logs) score 0.
 */
function sniff(line: string): number {
  const at = 0;
  const syslog = line.indexOf(' exim');
  if (syslog >= 0 && syslog < 60) {
    const colon = line.indexOf(': ', syslog);
    const prog = colon < 0 ? '' : line.slice(syslog + 1, colon);
    if (/^exim[0-9]?(?:\[\d+\])?$/.test(prog)) return 1;
    return 0;
  }
  if (!(line.charCodeAt(at + 4) === 45 && line.charCodeAt(at + 10) === 32 && line.charCodeAt(at + 13) === 58)) return 0;
  let i = at + 19;
  if (line.charCodeAt(i) === 46) i += 4;
  if (line.charCodeAt(i) === 32 && (line.charCodeAt(i + 1) === 43 || line.charCodeAt(i + 1) === 45)) i += 6;
  i++;
  if (line.charCodeAt(i) === 91) {
    const close = line.indexOf('] ', i);
    if (close > 0) i = close + 2;
  }
  if (messageIdLength(line, i) > 0) return 1;
  const rest = line.slice(i, i + 80);
  return /^(?:H=\S|TLS error on connection|TLS session|SMTP connection from|SMTP call from|no MAIL in SMTP connection|SMTP protocol (?:synchronization )?error|unexpected disconnection while reading SMTP command|\S+ authenticator failed|Start queue run|End queue run|exim \d)/.test(rest) ? 1 : 0;
}

export const eximModule: LogFormatModule = {
  format: 'exim',
  sniff,
  create: (sink, options) => new EximParser(sink, options),
};

/** For tests: a parser with a smaller cap on open sessions. */
export function createEximParser(sink: ParserSink, options: ParserOptions, cap = MAX_OPEN_SESSIONS): LogParser {
  return new EximParser(sink, options, cap);
}
