// The sessions a Unix MTA log parser (Postfix, Exim, Sendmail) holds open, and the one place that
// keeps them bounded: at most MAX_OPEN_SESSIONS, the least recently touched handed over first
// (incomplete), and those idle longer than a limit in log time handed over as they age out.
import { MAX_EVIDENCE_CHARS, MAX_OPEN_SESSIONS, MAX_SESSION_LINES, keepLine, unknownTls, type LogFormat, type LogSession, type ParserSink } from './model.js';

/** A session being built, with what its parser needs to know of it. */
export interface Draft {
  readonly id: string;
  s: Omit<LogSession, 'file'>;
  /** Log time of its last line (ms), null when its lines carry none. */
  last: number | null;
  /** Its `last` when it was last moved to the end of the eviction order. */
  touched: number | null;
  /** Its end was seen (disconnect); it only waits for late lines (qmgr's from=). */
  ended: boolean;
}

export function newDraft(id: string, format: LogFormat, key: string, direction: 'inbound' | 'outbound' | null, time: number | null, localHost: string | null): Draft {
  return {
    id,
    last: time,
    touched: time,
    ended: false,
    s: {
      format,
      key: words(key, 200),
      direction,
      start: time,
      end: time,
      localHost: localHost === null ? null : words(localHost, 255),
      remoteHost: null,
      remoteIp: null,
      remotePort: null,
      domains: [],
      queueIds: [],
      messages: 0,
      tls: unknownTls(),
      evidence: 'none',
      status: null,
      dsn: null,
      lines: [],
      incomplete: false,
    },
  };
}

/** Adds a line to a draft: evidence, and its time as the end. */
export function touchDraft(d: Draft, lineNo: number, text: string, time: number | null): void {
  if (d.s.lines.length < MAX_SESSION_LINES) keepLine(d.s.lines, lineNo, words(text, MAX_EVIDENCE_CHARS));
  if (time !== null) {
    if (d.s.start === null) d.s.start = time;
    d.s.end = time;
    d.last = time;
  }
}

/** A line that tells nothing of TLS ("connect from", "client="): its time, not kept as evidence. */
export function touchTime(d: Draft, time: number | null): void {
  if (time !== null) {
    if (d.s.start === null) d.s.start = time;
    d.s.end = time;
    d.last = time;
  }
}

export function addDomain(d: Draft, domain: string): void {
  if (domain.length === 0 || domain.length > 255) return;
  const lower = flat(domain.toLowerCase());
  const list = d.s.domains;
  if (list.length < 16 && !list.includes(lower)) list.push(lower);
}

export function addQueueId(d: Draft, id: string): void {
  const list = d.s.queueIds;
  if (id.length > 0 && id.length <= 100 && list.length < 32 && !list.includes(id)) list.push(flat(id));
}

export function setRemote(d: Draft, host: string | null, ip: string | null, port: number | null): void {
  if (host !== null && host.length > 0) d.s.remoteHost = words(host, 255);
  if (ip !== null && ip.length > 0) d.s.remoteIp = words(ip, 64);
  if (port !== null && port >= 0 && port <= 65535) d.s.remotePort = port;
}

/**
 * A copy of a piece of a line that shares no memory with it. A line cut from a bigger read
 * (readline, split) is a view of that whole chunk, and so is any slice of it: what a session keeps
 * past its line is copied, so that an open session holds its few hundred bytes, not the chunk.
 */
export function flat(text: string): string {
  return ` ${text}`.slice(1);
}

/**
 * Where an address written into a log line ends, from `at`: "<…>" (its closing bracket), a bare
 * `"quoted local part"@domain`, or a plain token (the next space). A quoted local part may hold
 * spaces, brackets, commas and text that looks like the line's own fields ("x X=TLS1.3 CV=yes"@…,
 * SMTP allows it): it must never be read as them. Returns the index after the address; bounded.
 */
export function addressEnd(line: string, at: number, max = 1024): number {
  const stop = Math.min(line.length, at + max);
  let quoted = false;
  let angle = 0;
  for (let i = at; i < stop; i++) {
    const c = line.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++; // \" inside a quoted string
      else if (c === 34) quoted = false;
      continue;
    }
    if (c === 34) quoted = true;
    else if (c === 60) angle++;
    else if (c === 62) {
      if (angle > 0) angle--;
      if (angle === 0 && line.charCodeAt(at) === 60) return i + 1;
    } else if ((c === 32 || c === 44) && angle === 0) return i;
  }
  return stop;
}

/** Cuts a log's own words to what a LogTls field holds (a copy). */
export function words(text: string, max = 500): string {
  return flat(text.length > max ? text.slice(0, max) : text);
}

export class OpenSessions<D extends Draft = Draft> {
  private readonly open = new Map<string, D>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  /**
   * @param finish called once per draft leaving (evicted, aged out, or at the end); it hands the
   *   session to the sink after the parser's last word on it (evidence when nothing was seen …).
   */
  constructor(
    private readonly idleMs: number,
    private readonly finish: (d: D, why: 'evicted' | 'idle' | 'end' | 'closed') => void,
    private readonly cap = MAX_OPEN_SESSIONS,
  ) {}

  /** The draft is still open (not yet handed over). */
  has(d: D): boolean {
    return this.open.get(d.id) === d;
  }

  get size(): number {
    return this.open.size;
  }

  get(id: string): D | undefined {
    return this.open.get(id);
  }

  /** Opens a draft (or replaces one of the same id, which is finished first). */
  add(d: D): void {
    const old = this.open.get(d.id);
    if (old !== undefined) this.close(old, 'closed');
    while (this.open.size >= this.cap) {
      const first = this.open.values().next().value as D;
      this.close(first, 'evicted');
    }
    this.open.set(d.id, d);
  }

  /** Marks a draft as the most recently used (the eviction order). */
  touch(d: D): void {
    // moved at most once per distinct log time (syslog stamps tick by the second): the order stays
    // right to that second, and a session's many lines of one second cost one move
    if (d.last !== null && d.touched === d.last) return;
    if (this.open.get(d.id) !== d) return;
    d.touched = d.last;
    this.open.delete(d.id);
    this.open.set(d.id, d);
  }

  /** Takes a draft out without handing it over (its facts went into another session). */
  drop(d: D): void {
    if (this.open.get(d.id) === d) this.open.delete(d.id);
  }

  close(d: D, why: 'evicted' | 'idle' | 'end' | 'closed'): void {
    if (this.open.get(d.id) !== d) return;
    this.open.delete(d.id);
    this.finish(d, why);
  }

  /** Hands over the drafts idle longer than the limit at log time `now` (at most once a second). */
  sweep(now: number | null): void {
    if (now === null || now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    const limit = now - this.idleMs;
    for (const d of this.open.values()) {
      if (d.last === null || d.last >= limit) break;
      this.close(d, 'idle');
    }
  }

  end(): void {
    for (const d of [...this.open.values()]) this.close(d, 'end');
  }
}

/** Hands a draft to the sink as a session. */
export function emit(sink: ParserSink, d: Draft, incomplete: boolean): void {
  d.s.incomplete = incomplete;
  sink.session(d.s);
}

/** "TLSv1.3", "TLS1.2", "TLSv1_2", "tls1.0", "SSLv3" → the schema's spelling; null when unknown. */
export function normaliseProtocol(text: string): string | null {
  // the same few words on every TLS line: the last answer is kept
  if (text === lastProtocolIn) return lastProtocolOut;
  const out = readProtocol(text);
  lastProtocolIn = flat(text);
  lastProtocolOut = out;
  return out;
}
let lastProtocolIn = '';
let lastProtocolOut: string | null = null;

function readProtocol(text: string): string | null {
  const m = /^(TLS|SSL)v?(\d)(?:[._](\d))?$/i.exec(text.trim());
  if (m === null) return null;
  const family = m[1]!.toUpperCase();
  if (family === 'SSL') return `SSLv${m[2]!}`;
  const minor = m[3] ?? '0';
  return minor === '0' ? `TLSv${m[2]!}` : `TLSv${m[2]!}.${minor}`;
}

/** The domain of an address ("a@Example.COM" → "example.com"), "" when there is none. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0 || at === address.length - 1) return '';
  let d = address.slice(at + 1);
  if (d.endsWith('.')) d = d.slice(0, -1);
  return /^[A-Za-z0-9.\-_[\]:]{1,255}$/.test(d) ? d.toLowerCase() : '';
}
