// Exchange 2003's SMTP log: the IIS 6 SMTP service's transaction log, in W3C extended format
// (space-separated, mapped by its `#Fields:` header, `-` for empty, spaces inside values written
// as '+') or in the fixed comma-separated "Microsoft IIS log file format".
//
// What the log can and cannot tell. Outbound, the SMTP service logs each command it sends
// (cs-username `OutboundConnectionCommand`, cs-method the verb, cs-uri-query its argument) and each
// reply line it reads (`OutboundConnectionResponse`, the reply in cs-uri-query); inbound, each
// command it receives (cs-username the client's HELO name, sc-status the code it answered). So the
// log shows whether STARTTLS was offered (outbound EHLO replies), sent, and answered 220 — and never
// whether the TLS handshake that follows succeeded: no line is written for it. A `MAIL FROM` logged
// after the 220 is no proof either way: the service logs the commands it sends (and receives) at
// the SMTP layer, above TLS, the same whether the handshake succeeded or the session went on in
// clear text after a failure. Such a session is left `negotiated: null` with evidence 'dialogue';
// only a packet capture (`mxray pcap`) settles it.
//
// The log has no session id either: lines are grouped per (direction, remote IP, server), a new
// session starting at the 220 banner (outbound) or at an EHLO/HELO after QUIT (inbound), or after a
// gap of SESSION_GAP_MS.
import { canonicalIp } from '../../core/ip.js';
import { announcedName } from '../../smtp/ehlo.js';
import { enhancedCode } from '../../smtp/reply.js';
import {
  keepLine,
  MAX_OPEN_SESSIONS,
  unknownTls,
  type LineUse,
  type LogFormatModule,
  type LogLine,
  type LogParser,
  type LogSession,
  type LogTls,
  type ParserOptions,
  type ParserSink,
} from './model.js';

/** Every W3C extended field the SMTP service can write, in the order IIS writes them. */
export const IIS_SMTP_ALL_FIELDS = [
  'date', 'time', 'c-ip', 'cs-username', 's-sitename', 's-computername', 's-ip', 's-port', 'cs-method', 'cs-uri-stem',
  'cs-uri-query', 'sc-status', 'sc-win32-status', 'sc-bytes', 'cs-bytes', 'time-taken', 'cs-version', 'cs-host',
  'cs(User-Agent)', 'cs(Cookie)', 'cs(Referer)',
] as const;

/**
 * What IIS 6 selects by default for its non-web services (the SMTP virtual server's W3C "Extended
 * Properties" as installed): LogExtFileTime | ClientIp | Method | UriStem | HttpStatus. Without
 * cs-username such a log cannot tell outbound from inbound lines (direction null).
 */
export const IIS_SMTP_DEFAULT_FIELDS = ['time', 'c-ip', 'cs-method', 'cs-uri-stem', 'sc-status'] as const;

/** Lines of the same (direction, remote IP, server) further apart than this start a new session. */
export const SESSION_GAP_MS = 5 * 60_000;

// ---------------------------------------------------------------- helpers shared with exchange.ts

/** The lower-case domain of an SMTP path argument ("TO:<a@B.example>", "FROM:<x@y> SIZE=1"), or null. */
export function pathDomain(arg: string): string | null {
  const lt = arg.indexOf('<');
  let addr: string;
  if (lt >= 0) {
    const gt = arg.indexOf('>', lt + 1);
    addr = arg.slice(lt + 1, gt < 0 ? undefined : gt);
  } else {
    const colon = arg.indexOf(':');
    addr = (colon >= 0 ? arg.slice(colon + 1) : arg).trim().split(' ')[0] ?? '';
  }
  const at = addr.lastIndexOf('@');
  if (at < 0) return null;
  const domain = addr.slice(at + 1).toLowerCase();
  // A domain or an address literal; anything else (markup, controls) is not kept.
  if (domain.length === 0 || domain.length > 255 || !/^(\[[0-9a-f:.v]+\]|[a-z0-9_.-]+)$/.test(domain)) return null;
  return domain;
}

/** Adds a domain once, bounded at the schema's 16. */
export function addDomain(domains: string[], domain: string | null): void {
  if (domain && domains.length < 16 && !domains.includes(domain)) domains.push(domain);
}

/** The reply code at the start of a reply text ("250-STARTTLS" → 250), or 0. */
/** The reply to STARTTLS: 220 accepts it; anything else refuses it, in the reply's own words. */
export function starttlsAnswered(tls: LogTls, code: number, reply: string): void {
  if (code === 220) {
    tls.accepted = true;
    return;
  }
  tls.accepted = false;
  tls.negotiated = false;
  tls.failure = reply.slice(0, 500);
}

export function replyCode(text: string): number {
  if (text.length < 3) return 0;
  const a = text.charCodeAt(0);
  const b = text.charCodeAt(1);
  const c = text.charCodeAt(2);
  if (a < 50 || a > 53 || b < 48 || b > 57 || c < 48 || c > 57) return 0;
  const d = text.charCodeAt(3);
  // "250", "250 text", "250-text"; not "2500".
  if (text.length > 3 && d !== 32 && d !== 45) return 0;
  return (a - 48) * 100 + (b - 48) * 10 + (c - 48);
}

/** Whether a reply line is the last of its reply (no '-' after the code). */
export function isFinalReplyLine(text: string): boolean {
  return text.length === 3 || text.charCodeAt(3) === 32;
}

/** Whether an EHLO reply line (or, as Exchange 2013+ writes it, the whole reply on one line) names STARTTLS. */
export function listsStarttls(text: string): boolean {
  // Capabilities are words of their own: "250-STARTTLS", "250 STARTTLS", "… PIPELINING STARTTLS 8BITMIME".
  return /(^|[ -])STARTTLS( |$)/i.test(text.slice(3));
}

/** The delivery status a reply code means, for the command it answered. */
export function statusOf(code: number, inbound: boolean): LogSession['status'] {
  if (code >= 500) return inbound ? 'rejected' : 'bounced';
  if (code >= 400) return 'deferred';
  return 'sent';
}

/**
 * Open sessions by key, oldest first for eviction. Not a bare Map: asking a Map for its first entry
 * after many deletions walks over every deleted slot until V8 compacts the table, which made
 * evicting the oldest of 10,000 open sessions cost ~8 µs a line (8 s for a million sessions). The
 * insertion order is kept in an array instead, with stale entries skipped and compacted away.
 */
export class OpenSessions<T> {
  private readonly map = new Map<string, { value: T; live: boolean }>();
  private order: { value: T; live: boolean }[] = [];
  private head = 0;

  get size(): number {
    return this.map.size;
  }

  get(key: string): T | undefined {
    return this.map.get(key)?.value;
  }

  set(key: string, value: T): void {
    const old = this.map.get(key);
    if (old) old.live = false;
    const entry = { value, live: true };
    this.map.set(key, entry);
    this.order.push(entry);
    if (this.order.length - this.head > 4 * this.map.size + 64) this.compact();
  }

  delete(key: string): void {
    const entry = this.map.get(key);
    if (entry) entry.live = false;
    this.map.delete(key);
  }

  /** The session opened first among those still open. */
  oldest(): T | undefined {
    while (this.head < this.order.length) {
      const e = this.order[this.head]!;
      if (e.live) {
        if (this.head > 1024 && this.head * 2 > this.order.length) this.compact();
        return e.value;
      }
      this.head++;
    }
    return undefined;
  }

  values(): T[] {
    return [...this.map.values()].map((e) => e.value);
  }

  private compact(): void {
    this.order = this.order.slice(this.head).filter((e) => e.live);
    this.head = 0;
  }
}

// ---------------------------------------------------------------- sessions

interface Row {
  ms: number | null;
  ip: string;
  /** cs-username: the outbound marker, or the client's HELO name; null when the layout lacks it. */
  user: string | null;
  server: string;
  method: string;
  query: string;
  status: number;
}

interface Open {
  mapKey: string;
  key: string;
  direction: 'inbound' | 'outbound' | null;
  start: number | null;
  end: number | null;
  server: string;
  remoteHost: string | null;
  remoteIp: string | null;
  domains: string[];
  messages: number;
  status: LogSession['status'];
  dsn: string | null;
  tls: LogTls;
  lines: LogLine[];
  /** The last command sent (outbound) or received (inbound), upper case. */
  lastCmd: string;
  /** Outbound: a 354 was read, the next reply ends the message. */
  inData: boolean;
  /** The EHLO reply before any STARTTLS listed STARTTLS / ended (its last line read). */
  ehloDone: boolean;
  starttls: boolean;
  sawCommand: boolean;
  quit: boolean;
}

const VERB = /^[A-Za-z][A-Za-z0-9-]{0,19}$/;

/** IIS writes a space inside a value as '+', and '-' for an empty value. */
function iisValue(v: string | undefined): string {
  if (v === undefined || v === '-') return '';
  return v.indexOf('+') >= 0 ? v.replace(/\+/g, ' ').trim() : v;
}

/** Milliseconds into the day of "H:MM:SS", "HH:MM:SS" or with ".fff"; -1 when it is not a time. */
function dayMs(t: string): number {
  const n = t.length;
  const c1 = t.indexOf(':');
  if (c1 < 1 || c1 > 2 || n < c1 + 6 || t.charCodeAt(c1 + 3) !== 58) return -1;
  const dot = n > c1 + 6 ? c1 + 6 : -1;
  if (dot > 0 && (t.charCodeAt(dot) !== 46 || n > dot + 4 || n === dot + 1)) return -1;
  let h = 0;
  for (let i = 0; i < c1; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    h = h * 10 + d;
  }
  const two = (at: number): number => {
    const a = t.charCodeAt(at) - 48;
    const b = t.charCodeAt(at + 1) - 48;
    return a < 0 || a > 9 || b < 0 || b > 9 ? -1 : a * 10 + b;
  };
  const m = two(c1 + 1);
  const sec = two(c1 + 4);
  if (h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return -1;
  let frac = 0;
  if (dot > 0) {
    for (let i = dot + 1, scale = 100; i < n; i++, scale /= 10) {
      const d = t.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      frac += d * scale;
    }
  }
  return ((h * 60 + m) * 60 + sec) * 1000 + frac;
}

/** Microsoft IIS log format: "1/15/2008, 0:00:10" in the server's local time. */
function iisFormatTime(date: string, time: string, offsetMinutes: number): number | null {
  const d = /^(\d{1,2})\/(\d{1,2})\/(\d{2,4})$/.exec(date);
  const t = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return null;
  let year = Number(d[3]);
  if (year < 100) year += 2000;
  const ms = Date.UTC(year, Number(d[1]) - 1, Number(d[2]), Number(t[1]), Number(t[2]), Number(t[3]));
  return Number.isFinite(ms) ? ms - offsetMinutes * 60_000 : null;
}

interface Layout {
  fields: readonly string[];
  date: number;
  time: number;
  cip: number;
  user: number;
  computer: number;
  sitename: number;
  method: number;
  query: number;
  stem: number;
  status: number;
  version: number;
}

function layoutOf(fields: readonly string[]): Layout {
  const at = (name: string): number => fields.findIndex((f) => f.toLowerCase() === name);
  return {
    fields,
    date: at('date'),
    time: at('time'),
    cip: at('c-ip'),
    user: at('cs-username'),
    computer: at('s-computername'),
    sitename: at('s-sitename'),
    method: at('cs-method'),
    query: at('cs-uri-query'),
    stem: at('cs-uri-stem'),
    status: at('sc-status'),
    version: at('cs-version'),
  };
}

const FULL_LAYOUT = layoutOf(IIS_SMTP_ALL_FIELDS);
/** IIS 5/6 web-style full selection without cs-host (20 fields). */
const FULL_NO_HOST_LAYOUT = layoutOf(IIS_SMTP_ALL_FIELDS.filter((f) => f !== 'cs-host'));
const DEFAULT_LAYOUT = layoutOf(IIS_SMTP_DEFAULT_FIELDS);

class Exchange2003Parser implements LogParser {
  readonly format = 'exchange2003' as const;
  private layout: Layout | null = null;
  private headerDate: string | null = null;
  private readonly open = new OpenSessions<Open>();
  private readonly fields: string[] = [];

  constructor(
    private readonly sink: ParserSink,
    private readonly options: ParserOptions,
  ) {}

  line(text: string, lineNo: number): LineUse {
    try {
      return this.read(text, lineNo);
    } catch {
      // A parser never throws on input; a bug of ours here loses one line, not the run.
      return 'malformed';
    }
  }

  private read(text: string, lineNo: number): LineUse {
    if (text.length === 0) return 'ignored';
    if (text.charCodeAt(0) === 35 /* # */) return this.directive(text);
    const row = text.indexOf(', ') > 0 && text.indexOf(' ') === text.indexOf(', ') + 1 ? this.iisFormatRow(text) : this.w3cRow(text);
    if (row === null) return 'malformed';
    if (row === 'other') return 'ignored';
    this.take(row, text, lineNo);
    return 'used';
  }

  private directive(text: string): LineUse {
    if (text.startsWith('#Fields:')) {
      const names = text.slice(8).trim().split(/\s+/).filter((f) => f.length > 0);
      if (names.length === 0 || names.length > 64) return 'malformed';
      // A new #Fields line (the service restarted, or the selection changed) switches the layout
      // from here on.
      this.layout = layoutOf(names);
      return 'ignored';
    }
    if (text.startsWith('#Date:')) {
      const m = /^#Date:\s*(\d{4}-\d{2}-\d{2})/.exec(text);
      if (m) this.headerDate = m[1]!;
      return 'ignored';
    }
    if (text.startsWith('#Software:') || text.startsWith('#Version:') || text.startsWith('#Remark:') || text.startsWith('#Start-Date:') || text.startsWith('#End-Date:')) return 'ignored';
    return 'malformed';
  }

  private lastDate = '';
  private lastDay: number | null = null;
  private readonly ips = new Map<string, string | null>();

  /** Midnight (UTC) of "YYYY-MM-DD", the last one remembered: a log's lines share their date. */
  private day(date: string): number | null {
    if (date !== this.lastDate) {
      this.lastDate = date;
      const ms = /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : NaN;
      this.lastDay = Number.isFinite(ms) ? ms : null;
    }
    return this.lastDay;
  }

  /** canonicalIp, remembered for the addresses seen lately (bounded). */
  private ipOf(text: string): string | null {
    let ip = this.ips.get(text);
    if (ip === undefined) {
      if (this.ips.size >= 4096) this.ips.clear();
      ip = text.length <= 64 ? canonicalIp(text) : null;
      this.ips.set(text, ip);
    }
    return ip;
  }

  private w3cRow(text: string): Row | 'other' | null {
    const f = this.fields;
    f.length = 0;
    let from = 0;
    for (;;) {
      const sp = text.indexOf(' ', from);
      if (f.length > 64) return null;
      if (sp < 0) {
        f.push(text.slice(from));
        break;
      }
      f.push(text.slice(from, sp));
      from = sp + 1;
    }
    let layout = this.layout;
    if (!layout) {
      // No #Fields header (a file cut from a longer one, or its header lost): the selections IIS
      // writes, told apart by their number of fields.
      if (f.length === IIS_SMTP_ALL_FIELDS.length) layout = FULL_LAYOUT;
      else if (f.length === IIS_SMTP_ALL_FIELDS.length - 1) layout = FULL_NO_HOST_LAYOUT;
      else if (f.length === IIS_SMTP_DEFAULT_FIELDS.length) layout = DEFAULT_LAYOUT;
      else return null;
    }
    if (f.length !== layout.fields.length || layout.cip < 0 || layout.method < 0) return null;
    const version = layout.version >= 0 ? f[layout.version]! : 'SMTP';
    // A web or FTP service's line in a shared log folder says nothing of SMTP: another protocol
    // version, or a URL path as the target (the SMTP service writes '-' there).
    if (version !== 'SMTP' && version !== '-') return 'other';
    if (layout.stem >= 0 && f[layout.stem]!.charCodeAt(0) === 47) return 'other';
    const ip = this.ipOf(f[layout.cip]!);
    if (!ip) return null;
    const method = f[layout.method]!;
    if (method !== '-' && !VERB.test(method)) return null;
    const timeText = layout.time >= 0 ? f[layout.time]! : '';
    const dateText = layout.date >= 0 ? f[layout.date]! : this.headerDate;
    // W3C extended logs are written in UTC (IIS's "local time for file naming" option changes only
    // the file names, never the times inside).
    let ms: number | null = null;
    if (timeText) {
      const inDay = dayMs(timeText);
      if (inDay < 0) return null;
      if (dateText) {
        const day = this.day(dateText);
        if (day === null) return null;
        ms = day + inDay;
      }
    }
    const statusText = layout.status >= 0 ? f[layout.status]! : '-';
    const status = statusText === '-' ? 0 : /^\d{1,4}$/.test(statusText) ? Number(statusText) : -1;
    if (status < 0) return null;
    return {
      ms,
      ip,
      user: layout.user >= 0 ? f[layout.user]! : null,
      server: (layout.computer >= 0 ? iisValue(f[layout.computer]) : '') || (layout.sitename >= 0 ? iisValue(f[layout.sitename]) : ''),
      method: method === '-' ? '' : method.toUpperCase(),
      query: layout.query >= 0 ? iisValue(f[layout.query]) : '',
      status,
    };
  }

  /**
   * Microsoft IIS log file format (fixed, comma and space separated, local time):
   * client IP, user name, date, time, service, server name, server IP, time taken, bytes received,
   * bytes sent, status, Windows status, operation, target, parameters, (empty after the last comma).
   */
  private iisFormatRow(text: string): Row | null {
    const f = text.split(', ');
    const last = f[f.length - 1]!;
    if (last.endsWith(',')) f[f.length - 1] = last.slice(0, -1);
    if (f.length !== 15 && !(f.length === 16 && f[15] === '')) return null;
    const ip = this.ipOf(f[0]!);
    if (!ip) return null;
    const method = f[12]!;
    if (method !== '-' && !VERB.test(method)) return null;
    const status = /^\d{1,4}$/.test(f[10]!) ? Number(f[10]) : -1;
    if (status < 0) return null;
    return {
      ms: iisFormatTime(f[2]!, f[3]!, this.options.offsetMinutes),
      ip,
      user: f[1]!,
      server: iisValue(f[5]) || iisValue(f[4]),
      method: method === '-' ? '' : method.toUpperCase(),
      query: iisValue(f[14]),
      status,
    };
  }

  private take(row: Row, text: string, lineNo: number): void {
    const outbound = row.user === 'OutboundConnectionCommand' || row.user === 'OutboundConnectionResponse';
    const direction = outbound ? 'outbound' : row.user === null ? null : 'inbound';
    const mapKey = `${direction ?? '?'}|${row.ip}|${row.server}`;
    let s = this.open.get(mapKey);
    if (s && row.ms !== null && s.end !== null && row.ms - s.end > SESSION_GAP_MS) {
      this.close(s, !s.quit);
      s = undefined;
    }
    if (outbound) {
      const response = row.user === 'OutboundConnectionResponse';
      // The banner opens an outbound session: a 220 read when no command is waiting for an answer
      // (a 220 after STARTTLS is its answer, not a new banner).
      const banner = response && replyCode(row.query) === 220 && (!s || (s.lastCmd !== 'STARTTLS' && s.sawCommand));
      // After QUIT, a reply (221) still belongs to the session and ends it; a banner or a command
      // belongs to the next one.
      if (s && (banner || (s.quit && !response))) {
        this.close(s, !s.quit);
        s = undefined;
      }
      s ??= this.begin(mapKey, direction, row, lineNo);
      if (response) this.outboundReply(s, row.query, text, lineNo);
      else this.outboundCommand(s, row, text, lineNo);
      if (s.quit && response) {
        this.stamp(s, row);
        this.close(s, false);
        return;
      }
    } else {
      if (s && s.quit) {
        this.close(s, false);
        s = undefined;
      }
      s ??= this.begin(mapKey, direction, row, lineNo);
      this.inboundCommand(s, row, text, lineNo);
      this.stamp(s, row);
      if (s.quit) this.close(s, false);
      return;
    }
    this.stamp(s, row);
  }

  private stamp(s: Open, row: Row): void {
    if (row.ms !== null) {
      s.start ??= row.ms;
      s.end = row.ms;
    }
  }

  private begin(mapKey: string, direction: Open['direction'], row: Row, lineNo: number): Open {
    if (this.open.size >= MAX_OPEN_SESSIONS) {
      const oldest = this.open.oldest();
      if (oldest) this.close(oldest, true);
    }
    const s: Open = {
      mapKey,
      key: `${direction ?? 'smtp'} ${row.ip} ${row.server || '-'} line ${lineNo}`,
      direction,
      start: row.ms,
      end: row.ms,
      server: row.server,
      remoteHost: null,
      remoteIp: row.ip,
      domains: [],
      messages: 0,
      status: null,
      dsn: null,
      tls: unknownTls(),
      lines: [],
      lastCmd: '',
      inData: false,
      ehloDone: false,
      starttls: false,
      sawCommand: false,
      quit: false,
    };
    this.open.set(mapKey, s);
    return s;
  }

  private outboundCommand(s: Open, row: Row, text: string, lineNo: number): void {
    const verb = row.method;
    s.sawCommand = true;
    s.lastCmd = verb;
    s.inData = false;
    switch (verb) {
      case 'STARTTLS':
        s.starttls = true;
        s.tls.attempted = true;
        keepLine(s.lines, lineNo, text);
        break;
      case 'MAIL':
        // After a refused STARTTLS the service goes on in clear text in the same session.
        if (s.tls.accepted === false) s.tls.clearRetry = true;
        break;
      case 'RCPT':
        addDomain(s.domains, pathDomain(row.query));
        break;
      case 'QUIT':
        s.quit = true;
        break;
    }
  }

  private outboundReply(s: Open, reply: string, text: string, lineNo: number): void {
    const code = replyCode(reply);
    if (code === 0) return;
    const last = s.lastCmd;
    if (last === '' && code === 220) {
      s.remoteHost ??= announcedName(reply.slice(4));
      return;
    }
    if ((last === 'EHLO' || last === 'HELO') && !s.starttls && !s.ehloDone) {
      if (listsStarttls(reply)) {
        s.tls.offered = true;
        keepLine(s.lines, lineNo, text);
      }
      // Capabilities only from a complete reply: STARTTLS is missing only once its last line is read.
      if (isFinalReplyLine(reply)) {
        s.ehloDone = true;
        // After HELO the server lists nothing: whether it could have offered STARTTLS stays unknown.
        if (last === 'EHLO' && code === 250 && s.tls.offered !== true) s.tls.offered = false;
      }
      return;
    }
    if (last === 'STARTTLS' && s.tls.accepted === null) {
      keepLine(s.lines, lineNo, text);
      // The handshake that follows a 220 is not logged: negotiated stays null (see the file's head).
      starttlsAnswered(s.tls, code, reply);
      return;
    }
    if (last === 'DATA' || last === 'BDAT') {
      if (code === 354) {
        s.inData = true;
        return;
      }
      if (s.inData || last === 'BDAT') {
        s.inData = false;
        this.outcome(s, code, reply, text, lineNo, false);
        if (code < 300) s.messages++;
      }
      return;
    }
    if ((last === 'MAIL' || last === 'RCPT') && code >= 400) this.outcome(s, code, reply, text, lineNo, false);
  }

  private inboundCommand(s: Open, row: Row, text: string, lineNo: number): void {
    const verb = row.method;
    const code = row.status;
    const helo = row.user && row.user !== '-' ? iisValue(row.user) : '';
    if (helo) s.remoteHost ??= announcedName(helo);
    if (verb === '') return;
    s.sawCommand = true;
    s.lastCmd = verb;
    switch (verb) {
      case 'EHLO':
      case 'HELO':
        s.remoteHost ??= announcedName(row.query);
        break;
      case 'STARTTLS':
        s.starttls = true;
        s.tls.attempted = true;
        keepLine(s.lines, lineNo, text);
        if (code === 220) {
          s.tls.accepted = true;
        } else if (code >= 400) {
          s.tls.accepted = false;
          s.tls.negotiated = false;
          s.tls.failure = `STARTTLS answered ${code}`;
        }
        break;
      case 'MAIL':
        if (s.tls.accepted === false) s.tls.clearRetry = true;
        addDomain(s.domains, pathDomain(row.query));
        if (code >= 400) this.outcome(s, code, '', text, lineNo, true);
        break;
      case 'RCPT':
        if (code >= 400) this.outcome(s, code, '', text, lineNo, true);
        break;
      case 'DATA':
      case 'BDAT':
        // The SMTP service writes DATA once, with the code it gave at the end of the message.
        if (code >= 200 && code < 300) s.messages++;
        if (code >= 200) this.outcome(s, code, '', text, lineNo, true);
        break;
      case 'QUIT':
        s.quit = true;
        break;
    }
  }

  private outcome(s: Open, code: number, reply: string, text: string, lineNo: number, inbound: boolean): void {
    s.status = statusOf(code, inbound);
    s.dsn = enhancedCode(reply.slice(4)) ?? `${Math.floor(code / 100)}.0.0`;
    keepLine(s.lines, lineNo, text);
  }

  private close(s: Open, incomplete: boolean): void {
    this.open.delete(s.mapKey);
    const tls = s.tls;
    // Every command the service sends or receives is logged, so a session with commands and no
    // STARTTLS among them went in clear text.
    if (tls.attempted === null && s.sawCommand && !s.starttls && s.direction !== null) {
      tls.attempted = false;
      tls.negotiated = false;
    }
    this.sink.session({
      format: 'exchange2003',
      key: s.key.slice(0, 200),
      direction: s.direction,
      start: s.start,
      end: s.end,
      localHost: s.server ? s.server.slice(0, 255) : null,
      remoteHost: s.remoteHost,
      remoteIp: s.remoteIp,
      remotePort: null,
      domains: s.domains,
      queueIds: [],
      messages: s.messages,
      tls,
      evidence: s.sawCommand ? 'dialogue' : 'none',
      status: s.status,
      dsn: s.dsn,
      lines: s.lines,
      incomplete,
    });
  }

  end(): void {
    for (const s of this.open.values()) this.close(s, !s.quit);
  }
}

const W3C_DATA = /^(\d{4}-\d{2}-\d{2} )?\d{1,2}:\d{2}:\d{2} [0-9a-fA-F.:]+ /;

/** How surely a line is Exchange 2003's / IIS SMTP's log. */
export function sniffExchange2003(line: string): number {
  if (line.charCodeAt(0) === 35) {
    // IIS writes the same header for its web and FTP logs: together they stay under the runner's
    // threshold of 1, so an IIS web log is not taken for an SMTP one; the data lines decide.
    if (line.startsWith('#Software: Microsoft Internet Information Services')) return 0.3;
    if (line.startsWith('#Fields: ')) return line.includes(' cs-method') && line.includes('c-ip') ? 0.3 : 0;
    if (line.startsWith('#Version: 1.0')) return 0.1;
    return 0;
  }
  if (line.includes(' OutboundConnectionCommand ') || line.includes(' OutboundConnectionResponse ')) return 1;
  if (line.includes(', OutboundConnectionCommand, ') || line.includes(', OutboundConnectionResponse, ')) return 1;
  if (W3C_DATA.test(line)) {
    if (line.includes(' SMTPSVC')) return 0.9;
    // The default selection: "time c-ip verb target status".
    if (/^\d{1,2}:\d{2}:\d{2} \S+ [A-Za-z-]+ \S+ \d{1,3}$/.test(line)) return 0.5;
    return / SMTP( |$)/.test(line) ? 0.5 : 0;
  }
  if (line.includes(', SMTPSVC')) return 0.9;
  return 0;
}

export const exchange2003Module: LogFormatModule = {
  format: 'exchange2003',
  sniff: sniffExchange2003,
  create: (sink, options) => new Exchange2003Parser(sink, options),
};
