// Sendmail's syslog lines as sessions, per syslog host and process: a daemon child serves one
// inbound connection ("STARTTLS=server, relay=…", "QID: from=<…>, … proto=ESMTPS, daemon=MTA,
// relay=name [ip]"), and a delivering process logs "STARTTLS=client, relay=mx.,…" before the
// "QID: to=<…>, … relay=mx. [ip], dsn=…, stat=…" lines that went over that connection.
//
// verify= says what the handshake gave: OK (certificate verified), FAIL (not verified, still
// encrypted), NO (no certificate asked or given), NONE/NOT (no STARTTLS), TEMP (a temporary
// verification error), PROTOCOL/SOFTWARE (STARTTLS or the handshake failed).
// At LogLevel 9 (the default) Sendmail logs every STARTTLS: a delivery with no "STARTTLS=client"
// line in an input that has such lines went in clear text (evidence 'handshake'); in an input with
// none, outbound TLS is unknown and the note 'sendmail-no-starttls-lines' says so. Inbound, proto=
// (ESMTPS or ESMTP) tells even without a STARTTLS line (evidence 'dialogue').
// After a failed client handshake Sendmail connects again without STARTTLS: a delivery that follows
// a "STARTTLS=client, error: …" (or ruleset=tls_server rejecting) in the same process is that
// clear retry.
import { MAX_OPEN_SESSIONS, type LineUse, type LogFormatModule, type LogParser, type LogTls, type ParserOptions, type ParserSink } from './model.js';
import { OpenSessions, addDomain, addressEnd, addQueueId, domainOf, emit, flat, newDraft, normaliseProtocol, setRemote, touchDraft, words, type Draft } from './open-sessions.js';
import { SyslogClock, parseSyslog } from './syslog.js';

const IDLE_MS = 600_000;

interface SmDraft extends Draft {
  pidKey: string;
  /** A "STARTTLS=…, relay=…, version=…" line was seen for it. */
  tlsLine: boolean;
  failedTls: boolean;
  lastQid: string;
  /** The remote host name without its trailing dot, lower-case, for matching. */
  relay: string;
}

/** Sendmail's "key=value, key=value" fields of a message; values end at ", " (relay= may hold spaces). */
export function sendmailFields(line: string, at: number): Map<string, string> {
  const map = new Map<string, string>();
  let i = at;
  let n = 0;
  while (i < line.length && n++ < 40) {
    const eq = line.indexOf('=', i);
    if (eq < 0) break;
    // An address value ("from=<…>", "to=<…>,<…>") may hold ", key=" inside a quoted local part: skip it whole.
    let from = eq;
    while (line.charCodeAt(from + 1) === 60) {
      from = addressEnd(line, from + 1) - 1;
      if (line.charCodeAt(from + 1) !== 44 || line.charCodeAt(from + 2) !== 60) break;
      from++;
    }
    let end = line.indexOf(', ', from);
    // a value may itself hold ", " (stat=Deferred: …, a reject's text): it runs to the next key
    while (end >= 0 && !/^[A-Za-z][A-Za-z0-9_-]{0,20}[=:]/.test(line.slice(end + 2, end + 26))) end = line.indexOf(', ', end + 2);
    if (end < 0) end = line.length;
    const key = line.slice(i, eq).trim();
    if (key.length > 0 && key.length <= 24 && !map.has(key)) map.set(key, line.slice(eq + 1, end));
    i = end + 2;
  }
  return map;
}

/** relay= "mx.example.net. [203.0.113.25]", "[192.0.2.1]", "name [ip] (may be forged)", "mx.example.net." */
export function sendmailRelay(value: string): { host: string | null; ip: string | null } {
  const open = value.indexOf('[');
  const close = value.indexOf(']', open);
  const ip = open >= 0 && close > open ? value.slice(open + 1, close).replace(/^IPv6:/i, '') : null;
  let host: string | null = (open >= 0 ? value.slice(0, open) : value).trim();
  if (host.includes('@')) host = host.slice(host.lastIndexOf('@') + 1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '' || host.includes(' ')) host = null;
  return { host, ip };
}

function applyVerify(t: LogTls, verify: string): void {
  switch (verify) {
    case 'OK':
      t.verify = 'verified';
      t.negotiated = true;
      break;
    case 'FAIL':
      t.verify = 'untrusted';
      t.negotiated = true;
      break;
    case 'NO':
      t.verify = 'anonymous';
      t.negotiated = true;
      break;
    case 'TEMP':
      t.negotiated = true;
      break;
    case 'NONE':
    case 'NOT':
      t.verify = 'none';
      t.negotiated = false;
      break;
    case 'PROTOCOL':
    case 'SOFTWARE':
      t.attempted = true;
      t.negotiated = false;
      break;
    default:
      break;
  }
}

class SendmailParser implements LogParser {
  readonly format = 'sendmail' as const;
  private readonly clock: SyslogClock;
  private readonly open: OpenSessions<SmDraft>;
  private readonly inByPid = new Map<string, SmDraft>();
  private readonly outByPid = new Map<string, SmDraft>();
  private seq = 0;
  private clientTlsSeen = false;
  private outboundSeen = 0;
  private key = '';

  constructor(
    private readonly sink: ParserSink,
    options: ParserOptions,
    cap = MAX_OPEN_SESSIONS,
  ) {
    this.clock = new SyslogClock(options.year, options.offsetMinutes, options.reference);
    this.open = new OpenSessions<SmDraft>(IDLE_MS, (d, why) => this.finish(d, why), cap);
  }

  line(text: string, lineNo: number): LineUse {
    const sl = parseSyslog(text, this.clock);
    if (sl === null) return 'malformed';
    const p = sl.program;
    if (!(p.startsWith('sm-') || p === 'sendmail')) return 'ignored';
    this.open.sweep(sl.time);
    this.key = sl.pid === null ? p : `${p}[${sl.pid}]`;
    const pidKey = `${sl.host} ${this.key}`;
    try {
      return this.message(text, sl.msg, lineNo, pidKey, sl.host, sl.time);
    } catch {
      return 'malformed';
    }
  }

  end(): void {
    this.open.end();
    if (this.outboundSeen > 0 && !this.clientTlsSeen) {
      this.sink.note('sendmail-no-starttls-lines', 'no "STARTTLS=client" line in the whole input (LogLevel below 9?): outbound TLS is unknown');
    }
  }

  private finish(d: SmDraft, why: 'evicted' | 'idle' | 'end' | 'closed'): void {
    if (this.inByPid.get(d.pidKey) === d) this.inByPid.delete(d.pidKey);
    if (this.outByPid.get(d.pidKey) === d) this.outByPid.delete(d.pidKey);
    if (d.s.direction === 'outbound' && !d.tlsLine && !d.failedTls && d.s.tls.negotiated === null && this.clientTlsSeen) {
      d.s.tls.negotiated = false;
      d.s.evidence = 'handshake';
    }
    const incomplete = why === 'evicted' || (why !== 'closed' && d.s.status === null && d.s.messages === 0 && !d.ended && !d.failedTls);
    emit(this.sink, d, incomplete);
  }

  private draft(pidKey: string, direction: 'inbound' | 'outbound', time: number | null, host: string): SmDraft {
    const base = newDraft(String(++this.seq), 'sendmail', this.key, direction, time, host);
    const d: SmDraft = { id: base.id, s: base.s, last: base.last, touched: base.touched, ended: false, pidKey: flat(pidKey), tlsLine: false, failedTls: false, lastQid: '', relay: '' };
    this.open.add(d);
    (direction === 'inbound' ? this.inByPid : this.outByPid).set(d.pidKey, d);
    return d;
  }

  private current(map: Map<string, SmDraft>, pidKey: string): SmDraft | undefined {
    const d = map.get(pidKey);
    return d !== undefined && this.open.has(d) ? d : undefined;
  }

  private remote(d: SmDraft, relayValue: string | undefined): void {
    if (relayValue === undefined) return;
    const r = sendmailRelay(relayValue);
    setRemote(d, r.host, r.ip, null);
    if (r.host !== null && d.relay === '') d.relay = flat(r.host.toLowerCase());
  }

  private message(line: string, m: number, lineNo: number, pidKey: string, host: string, time: number | null): LineUse {
    // an optional queue id: "2AUE3qAB012345: "
    let at = m;
    let qid = '';
    const colon = line.indexOf(': ', m);
    if (colon > m && colon - m <= 20 && /^[A-Za-z0-9]+$/.test(line.slice(m, colon))) {
      qid = line.slice(m, colon);
      at = colon + 2;
    }
    if (line.startsWith('STARTTLS=client', at)) return this.starttls(line, at + 15, lineNo, pidKey, host, time, 'outbound');
    if (line.startsWith('STARTTLS=server', at)) return this.starttls(line, at + 15, lineNo, pidKey, host, time, 'inbound');
    if (line.startsWith('to=', at)) return this.to(line, at, qid, lineNo, pidKey, host, time);
    if (line.startsWith('from=', at)) return this.from(line, at, qid, lineNo, pidKey, host, time);
    if (line.startsWith('ruleset=', at)) return this.ruleset(line, at, qid, lineNo, pidKey, host, time);
    if (line.indexOf(' did not issue MAIL/EXPN/VRFY/ETRN during connection to ', at) > 0 || line.startsWith('lost input channel from ', at)) {
      const d = this.current(this.inByPid, pidKey) ?? this.draft(pidKey, 'inbound', time, host);
      if (d.s.remoteIp === null) {
        const start = line.startsWith('lost input channel from ', at) ? at + 24 : at;
        const close = line.indexOf(']', start);
        if (close > start) this.remote(d, line.slice(start, close + 1));
      }
      d.ended = true;
      touchDraft(d, lineNo, line, time);
      this.open.close(d, 'closed');
      return 'used';
    }
    if (line.startsWith('STARTTLS', at)) {
      // "STARTTLS: read error=…", "STARTTLS: … error": the process's latest session
      const d = this.current(this.outByPid, pidKey) ?? this.current(this.inByPid, pidKey);
      if (d === undefined) return 'ignored';
      if (d.s.tls.failure === null && !d.tlsLine) d.s.tls.failure = words(line.slice(at));
      touchDraft(d, lineNo, line, time);
      return 'used';
    }
    return 'ignored';
  }

  private starttls(line: string, at: number, lineNo: number, pidKey: string, host: string, time: number | null, direction: 'inbound' | 'outbound'): LineUse {
    const f = sendmailFields(line, at + 2);
    const isError = line.startsWith(', error:', at) || line.startsWith(': error', at) || line.charCodeAt(at) === 58;
    if (!isError && f.get('cert-subject') !== undefined) {
      // "STARTTLS=client, cert-subject=…, cert-issuer=…, verifymsg=…" (LogLevel > 12): the peer's name
      const cur = this.current(direction === 'inbound' ? this.inByPid : this.outByPid, pidKey);
      if (cur === undefined) return 'ignored';
      cur.s.tls.peer = words(f.get('cert-subject')!);
      touchDraft(cur, lineNo, line, time);
      return 'used';
    }
    if (direction === 'outbound' && !isError) this.clientTlsSeen = true;
    const map = direction === 'inbound' ? this.inByPid : this.outByPid;
    let d = this.current(map, pidKey);
    const r = f.get('relay');
    const relayHost = r === undefined ? null : sendmailRelay(r).host?.toLowerCase() ?? null;
    // a new connection unless this process's session has no TLS word yet (and is to the same peer)
    const fresh = d === undefined || d.tlsLine || d.failedTls || d.s.messages > 0 || (relayHost !== null && d.relay !== '' && d.relay !== relayHost);
    if (fresh) {
      if (d !== undefined) this.open.close(d, 'closed');
      d = this.draft(pidKey, direction, time, host);
    }
    this.remote(d!, r);
    const t = d!.s.tls;
    t.attempted = true;
    if (isError) {
      t.accepted = true;
      t.negotiated = false;
      if (t.failure === null) t.failure = words(line.slice(at - 15));
      d!.failedTls = true;
    } else {
      t.accepted = true;
      const version = f.get('version');
      t.protocol = version === undefined ? null : normaliseProtocol(version);
      const cipher = f.get('cipher');
      t.cipher = cipher === undefined || cipher.length === 0 ? null : words(cipher, 120);
      t.negotiated = true;
      applyVerify(t, f.get('verify') ?? '');
      d!.tlsLine = true;
    }
    d!.s.evidence = 'handshake';
    touchDraft(d!, lineNo, line, time);
    return 'used';
  }

  private to(line: string, at: number, qid: string, lineNo: number, pidKey: string, host: string, time: number | null): LineUse {
    const f = sendmailFields(line, at);
    const mailer = f.get('mailer') ?? '';
    const relay = f.get('relay');
    // local, prog and file deliveries are no SMTP session; neither is a delivery with no relay address
    if (relay === undefined || !/smtp|relay/i.test(mailer)) return 'ignored';
    const r = sendmailRelay(relay);
    if (r.ip === null && r.host === null) return 'ignored';
    const relayHost = r.host?.toLowerCase() ?? '';
    this.outboundSeen++;
    let d = this.current(this.outByPid, pidKey);
    if (d !== undefined && d.relay !== '' && relayHost !== '' && d.relay !== relayHost) {
      this.open.close(d, 'closed');
      d = undefined;
    }
    d ??= this.draft(pidKey, 'outbound', time, host);
    this.remote(d, relay);
    if (d.failedTls && !d.tlsLine && d.s.messages === 0) d.s.tls.clearRetry = true;
    if (qid !== '' && d.lastQid !== qid) {
      d.s.messages++;
      d.lastQid = flat(qid);
      addQueueId(d, qid);
    }
    const addr = (f.get('to') ?? '').split(',')[0]!.replace(/^<|>$/g, '');
    addDomain(d, domainOf(addr));
    const dsn = f.get('dsn');
    if (dsn !== undefined && /^\d\.\d{1,3}\.\d{1,3}$/.test(dsn)) d.s.dsn = dsn;
    const stat = f.get('stat') ?? '';
    if (stat.startsWith('Sent')) d.s.status = 'sent';
    else if (stat.startsWith('Deferred') || dsn?.startsWith('4')) d.s.status = 'deferred';
    else if (dsn?.startsWith('5') || stat.length > 0) d.s.status = 'bounced';
    if (/STARTTLS|TLS/.test(stat) && d.s.tls.failure === null) {
      d.s.tls.failure = words(stat);
      if (!d.tlsLine) d.s.tls.negotiated = false;
    }
    touchDraft(d, lineNo, line, time);
    this.open.touch(d);
    return 'used';
  }

  private from(line: string, at: number, qid: string, lineNo: number, pidKey: string, host: string, time: number | null): LineUse {
    const f = sendmailFields(line, at);
    const relay = f.get('relay');
    const proto = f.get('proto');
    // a local submission ("relay=root@localhost", no daemon=) is no SMTP session
    if (relay === undefined || (f.get('daemon') === undefined && proto === undefined) || !relay.includes('[')) return 'ignored';
    const r = sendmailRelay(relay);
    let d = this.current(this.inByPid, pidKey);
    if (d !== undefined && d.s.remoteIp !== null && r.ip !== null && d.s.remoteIp !== r.ip) {
      this.open.close(d, 'closed');
      d = undefined;
    }
    d ??= this.draft(pidKey, 'inbound', time, host);
    this.remote(d, relay);
    if (qid !== '' && d.lastQid !== qid) {
      d.s.messages++;
      d.lastQid = flat(qid);
      addQueueId(d, qid);
    }
    addDomain(d, domainOf((f.get('from') ?? '').replace(/^<|>$/g, '')));
    if (proto !== undefined && !d.tlsLine) {
      const viaTls = /^E?SMTPS/i.test(proto);
      d.s.tls.negotiated = viaTls;
      if (viaTls) d.s.tls.attempted = true;
      if (d.s.evidence === 'none') d.s.evidence = 'dialogue';
    }
    d.s.status ??= 'sent';
    touchDraft(d, lineNo, line, time);
    this.open.touch(d);
    return 'used';
  }

  private ruleset(line: string, at: number, qid: string, lineNo: number, pidKey: string, host: string, time: number | null): LineUse {
    const f = sendmailFields(line, at);
    const rs = f.get('ruleset') ?? '';
    const reject = f.get('reject');
    if (rs === 'tls_server' || rs === 'tls_client') {
      // tls_server judges the server we connected to (outbound); tls_client the client connected to us
      const map = rs === 'tls_server' ? this.outByPid : this.inByPid;
      const d = this.current(map, pidKey) ?? this.draft(pidKey, rs === 'tls_server' ? 'outbound' : 'inbound', time, host);
      if (d.s.remoteIp === null && d.s.remoteHost === null) this.remote(d, f.get('relay'));
      const arg1 = f.get('arg1') ?? '';
      applyVerify(d.s.tls, arg1);
      if (reject !== undefined && d.s.tls.failure === null) d.s.tls.failure = words(`ruleset=${rs}, arg1=${arg1}, reject=${reject}`);
      if (arg1 === 'SOFTWARE' || arg1 === 'PROTOCOL') d.failedTls = true;
      if (d.s.evidence === 'none') d.s.evidence = 'handshake';
      touchDraft(d, lineNo, line, time);
      return 'used';
    }
    if (reject === undefined) return 'ignored';
    const d = this.current(this.inByPid, pidKey) ?? this.draft(pidKey, 'inbound', time, host);
    this.remote(d, f.get('relay'));
    d.s.status = 'rejected';
    const m = /^\d{3} (\d\.\d{1,3}\.\d{1,3})/.exec(reject);
    if (m !== null) d.s.dsn = m[1]!;
    if (qid !== '') addQueueId(d, qid);
    if (rs === 'check_mail') addDomain(d, domainOf((f.get('arg1') ?? '').replace(/^<|>$/g, '')));
    touchDraft(d, lineNo, line, time);
    this.open.touch(d);
    return 'used';
  }
}

/** A Sendmail line: a syslog program "sm-…" or "sendmail". */
function sniff(line: string): number {
  const i = line.indexOf(' sm-');
  const j = i >= 0 && i < 80 ? i : line.indexOf(' sendmail[');
  if (j < 0 || j > 80) return 0;
  const bracket = line.indexOf('[', j);
  const space = line.indexOf(' ', j + 1);
  if (bracket < 0 || (space >= 0 && space < bracket)) return 0;
  return line.indexOf(']: ', bracket) > 0 ? 1 : 0;
}

export const sendmailModule: LogFormatModule = {
  format: 'sendmail',
  sniff,
  create: (sink, options) => new SendmailParser(sink, options),
};

/** For tests: a parser with a smaller cap on open sessions. */
export function createSendmailParser(sink: ParserSink, options: ParserOptions, cap = MAX_OPEN_SESSIONS): LogParser {
  return new SendmailParser(sink, options, cap);
}
