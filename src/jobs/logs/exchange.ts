// Exchange 2007–2019's transport logs: the SMTP protocol logs (SmtpSend, SmtpReceive) and the
// message tracking log. Both are CSV files with a `#Fields:` header, quoted where a value holds a
// comma or a quote ("" inside quotes).
//
// The protocol log writes every line of the SMTP dialogue per session (session-id, with a
// sequence number per line; the lines of concurrent sessions interleave) and, as `*` lines, what
// happened to TLS: the certificates sent and received, "TLS negotiation failed with error …", and
// since Exchange 2013 CU/2016 "TLS protocol SP_PROT_TLS1_2_CLIENT negotiation succeeded using bulk
// encryption algorithm …". So, unlike Exchange 2003's log, it can tell a handshake that happened.
// It is off by default (ProtocolLoggingLevel None); the tracking log, on by default, records each
// message's SEND/RECEIVE over SMTP but nothing of TLS: its sessions carry evidence 'none', and the
// input says so once (note 'exchange-protocol-logging-off', EXCHANGE_PROTOCOL_LOGGING below).
import { canonicalIp, ipv6PortReading } from '../../core/ip.js';
import { announcedName } from '../../smtp/ehlo.js';
import { enhancedCode } from '../../smtp/reply.js';
import { addDomain, isFinalReplyLine, listsStarttls, OpenSessions, pathDomain, replyCode, starttlsAnswered, statusOf } from './exchange2003.js';
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
  type ParserSink,
} from './model.js';

/** How to turn SMTP protocol logging on, and where the logs are: the note's detail and the finding's advice. */
export const EXCHANGE_PROTOCOL_LOGGING = {
  exchange2013To2019: {
    commands: [
      'Get-SendConnector | Set-SendConnector -ProtocolLoggingLevel Verbose',
      'Get-ReceiveConnector | Set-ReceiveConnector -ProtocolLoggingLevel Verbose',
      'Set-TransportService <server> -IntraOrgConnectorProtocolLoggingLevel Verbose',
    ],
    paths: [
      '%ExchangeInstallPath%TransportRoles\\Logs\\Hub\\ProtocolLog\\SmtpSend',
      '%ExchangeInstallPath%TransportRoles\\Logs\\Hub\\ProtocolLog\\SmtpReceive',
      '%ExchangeInstallPath%TransportRoles\\Logs\\FrontEnd\\ProtocolLog\\SmtpReceive',
    ],
  },
  exchange2007To2010: {
    commands: [
      'Get-SendConnector | Set-SendConnector -ProtocolLoggingLevel Verbose',
      'Get-ReceiveConnector | Set-ReceiveConnector -ProtocolLoggingLevel Verbose',
    ],
    paths: [
      '%ExchangeInstallPath%TransportRoles\\Logs\\ProtocolLog\\SmtpSend',
      '%ExchangeInstallPath%TransportRoles\\Logs\\ProtocolLog\\SmtpReceive',
    ],
  },
  exchange2003: {
    steps:
      'Exchange System Manager → Servers → <server> → Protocols → SMTP → the SMTP virtual server → Properties → General: ' +
      'Enable logging, Active log format "W3C Extended Log File Format" → Properties → Advanced (Extended Properties): tick every field',
    paths: ['%SystemRoot%\\System32\\LogFiles\\SMTPSVC1'],
  },
} as const;

/** The note's detail: the commands and paths in one line. */
export const EXCHANGE_PROTOCOL_LOGGING_DETAIL =
  `only a message tracking log: it records each SMTP SEND/RECEIVE but nothing of TLS. Turn SMTP protocol logging on: ` +
  `${EXCHANGE_PROTOCOL_LOGGING.exchange2013To2019.commands.join('; ')}; logs in ` +
  `${EXCHANGE_PROTOCOL_LOGGING.exchange2013To2019.paths.join(', ')} ` +
  `(Exchange 2007/2010: ${EXCHANGE_PROTOCOL_LOGGING.exchange2007To2010.paths.join(', ')}). ` +
  `Exchange 2003: ${EXCHANGE_PROTOCOL_LOGGING.exchange2003.steps}; logs in ${EXCHANGE_PROTOCOL_LOGGING.exchange2003.paths.join(', ')}.`;

export const PROTOCOL_LOG_FIELDS = ['date-time', 'connector-id', 'session-id', 'sequence-number', 'local-endpoint', 'remote-endpoint', 'event', 'data', 'context'] as const;

/** The tracking log's fields as Exchange 2013–2019 write them (used when a file has no header). */
export const TRACKING_LOG_FIELDS = [
  'date-time', 'client-ip', 'client-hostname', 'server-ip', 'server-hostname', 'source-context', 'connector-id', 'source',
  'event-id', 'internal-message-id', 'message-id', 'network-message-id', 'recipient-address', 'recipient-status',
  'total-bytes', 'recipient-count', 'related-recipient-address', 'reference', 'message-subject', 'sender-address',
  'return-path', 'message-info', 'directionality', 'tenant-id', 'original-client-ip', 'original-server-ip', 'custom-data',
  'transport-traffic-type', 'log-id', 'schema-version',
] as const;

/** Lines of one session held back while an earlier sequence number is missing. */
export const MAX_REORDER_LINES = 16;

// ---------------------------------------------------------------- CSV

/**
 * Splits one CSV line into `out` (cleared first): commas separate, a field in double quotes may
 * hold commas, and "" inside it is one quote. False for an unterminated quote or too many fields.
 */
export function splitCsv(line: string, out: string[], maxFields = 64): boolean {
  out.length = 0;
  if (line.indexOf('"') < 0) {
    let from = 0;
    for (;;) {
      if (out.length >= maxFields) return false;
      const comma = line.indexOf(',', from);
      if (comma < 0) {
        out.push(line.slice(from));
        return true;
      }
      out.push(line.slice(from, comma));
      from = comma + 1;
    }
  }
  let i = 0;
  const n = line.length;
  for (;;) {
    if (out.length >= maxFields) return false;
    if (line.charCodeAt(i) === 34) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = line.indexOf('"', from);
        if (q < 0) return false;
        value += line.slice(from, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // Text after the closing quote up to the comma belongs to the field (lenient, as Excel reads it).
      const comma = line.indexOf(',', i);
      out.push(value + line.slice(i, comma < 0 ? n : comma));
      if (comma < 0) return true;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        out.push(line.slice(i));
        return true;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

// ---------------------------------------------------------------- Schannel names

const PROTOCOLS: Record<string, string> = {
  TLS1_3: 'TLSv1.3',
  TLS1_2: 'TLSv1.2',
  TLS1_1: 'TLSv1.1',
  TLS1_0: 'TLSv1',
  TLS1: 'TLSv1',
  SSL3: 'SSLv3',
  SSL2: 'SSLv2',
};

/** Schannel's protocol flag ("SP_PROT_TLS1_2_CLIENT", "SP_PROT_TLS1_SERVER") as "TLSv1.2", or null. */
export function schannelProtocol(flag: string): string | null {
  const m = /^SP_PROT_(TLS1(?:_[0-3])?|SSL[23])(?:_(?:CLIENT|SERVER))?$/.exec(flag);
  return m ? (PROTOCOLS[m[1]!] ?? null) : null;
}

const ALGORITHMS: Record<string, string> = {
  CALG_AES_256: 'AES-256',
  CALG_AES_192: 'AES-192',
  CALG_AES_128: 'AES-128',
  CALG_AES: 'AES',
  CALG_3DES: '3DES',
  CALG_3DES_112: '3DES-112',
  CALG_DES: 'DES',
  CALG_RC4: 'RC4',
  CALG_RC2: 'RC2',
  CALG_SHA_512: 'SHA512',
  CALG_SHA_384: 'SHA384',
  CALG_SHA_256: 'SHA256',
  CALG_SHA1: 'SHA1',
  CALG_SHA: 'SHA1',
  CALG_MD5: 'MD5',
  CALG_ECDHE: 'ECDHE',
  CALG_ECDH_EPHEM: 'ECDHE',
  CALG_ECDH: 'ECDH',
  CALG_DH_EPHEM: 'DHE',
  CALG_DH_SF: 'DH',
  CALG_RSA_KEYX: 'RSA',
};

function algorithm(name: string | undefined): string | null {
  if (!name) return null;
  return ALGORITHMS[name] ?? (/^CALG_[A-Z0-9_]{1,30}$/.test(name) ? name.slice(5) : null);
}

/**
 * The readable cipher of Exchange's success line: "ECDHE, AES-256 (256 bits), SHA384" from
 * "… bulk encryption algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm
 * CALG_SHA_384 … key exchange algorithm CALG_ECDHE …". Null when the line names no bulk cipher.
 */
export function schannelCipher(context: string): string | null {
  const bulk = /bulk encryption algorithm (\S+)(?: with strength (\d{1,5}) bits)?/.exec(context);
  const mac = /MAC hash algorithm (\S+)/.exec(context);
  const kex = /key exchange algorithm (\S+)/.exec(context);
  const b = algorithm(bulk?.[1]?.replace(/,$/, ''));
  if (!b) return null;
  const parts: string[] = [];
  const k = algorithm(kex?.[1]?.replace(/,$/, ''));
  if (k) parts.push(k);
  parts.push(bulk?.[2] && bulk[2] !== '0' ? `${b} (${bulk[2]} bits)` : b);
  const m = algorithm(mac?.[1]?.replace(/,$/, ''));
  if (m) parts.push(m);
  return parts.join(', ').slice(0, 120);
}

// ---------------------------------------------------------------- headers

interface Header {
  logType: 'send' | 'receive' | 'tracking' | null;
  fields: string[] | null;
}

/** Reads one '#' line into the header; 'ignored' for a header line, 'malformed' for another '#' line. */
function readHeader(text: string, h: Header): LineUse {
  if (text.startsWith('#Fields:')) {
    const names = text.slice(8).trim().split(',').map((f) => f.trim().toLowerCase());
    if (names.length < 2 || names.length > 64) return 'malformed';
    h.fields = names;
    return 'ignored';
  }
  if (text.startsWith('#Log-type:')) {
    const t = text.slice(10).trim().toLowerCase();
    h.logType = t.includes('send') ? 'send' : t.includes('receive') ? 'receive' : t.includes('tracking') ? 'tracking' : null;
    return 'ignored';
  }
  if (text.startsWith('#Software:') || text.startsWith('#Version:') || text.startsWith('#Date:')) return 'ignored';
  return 'malformed';
}

let lastSecond = '';
let lastSecondMs = NaN;

/** "2026-11-30T03:40:13.123Z" (Exchange writes UTC with the Z) → ms; the second is remembered, as lines share it. */
function isoTime(text: string): number | null {
  const n = text.length;
  if (n < 20 || n > 30 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(n - 1) !== 90) return null;
  const second = text.slice(0, 19);
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondMs = Date.parse(`${second}Z`);
  }
  if (!Number.isFinite(lastSecondMs)) return null;
  if (n === 20) return lastSecondMs;
  // ".f" to ".fffffff" (Exchange writes three digits; other writers more).
  if (text.charCodeAt(19) !== 46 || n === 21) return null;
  let frac = 0;
  let scale = 100;
  for (let i = 20; i < n - 1; i++, scale /= 10) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    frac += d * scale;
  }
  return lastSecondMs + Math.floor(frac);
}

/** "203.0.113.5:25", "[2001:db8::5]:25" or the bare "2001:db8::5:25" → address and port. */
export function endpoint(text: string): { ip: string; port: number | null } | null {
  if (text.length === 0) return null;
  if (text.charCodeAt(0) === 91) {
    const close = text.indexOf(']');
    const ip = close > 0 ? canonicalIp(text.slice(1, close)) : null;
    if (!ip) return null;
    const port = /^:(\d{1,5})$/.exec(text.slice(close + 1));
    return { ip, port: port && Number(port[1]) <= 65535 ? Number(port[1]) : null };
  }
  const colon = text.lastIndexOf(':');
  if (colon > 0 && text.indexOf(':') === colon) {
    const ip = canonicalIp(text.slice(0, colon));
    const port = text.slice(colon + 1);
    if (!ip || !/^\d{1,5}$/.test(port) || Number(port) > 65535) return null;
    return { ip, port: Number(port) };
  }
  // A bare IPv6 address: the last group is the port (Exchange always writes one).
  const reading = ipv6PortReading(text);
  if (reading) return { ip: canonicalIp(reading.address) ?? reading.address, port: reading.port };
  const ip = canonicalIp(text);
  return ip ? { ip, port: null } : null;
}

// ---------------------------------------------------------------- protocol log sessions

interface Row {
  seq: number;
  ms: number | null;
  event: string;
  data: string;
  context: string;
  lineNo: number;
  text: string;
}

interface Open {
  mapKey: string;
  key: string;
  connector: string;
  direction: 'inbound' | 'outbound' | null;
  start: number | null;
  end: number | null;
  remoteHost: string | null;
  remoteIp: string | null;
  remotePort: number | null;
  domains: string[];
  messages: number;
  status: LogSession['status'];
  dsn: string | null;
  tls: LogTls;
  lines: LogLine[];
  /** The next sequence number to handle; later lines wait in `pending`. */
  next: number;
  pending: Row[];
  lastCmd: string;
  /** A BDAT … LAST or the data after 354: the next reply ends the message. */
  inData: boolean;
  ehloDone: boolean;
  starttls: boolean;
  /** Certificate lines now describe the remote's certificate ("Received/Remote certificate"). */
  remoteCert: boolean;
  handshakeLines: boolean;
  commandAfterTls: boolean;
  sawDialogue: boolean;
  closed: boolean;
}

/** The commands that start TLS: STARTTLS, and X-ANONYMOUSTLS between Exchange servers of one organisation. */
function isTlsVerb(verb: string): boolean {
  return verb === 'STARTTLS' || verb === 'X-ANONYMOUSTLS';
}

function verbOf(data: string): string {
  const sp = data.indexOf(' ');
  const word = sp < 0 ? data : data.slice(0, sp);
  return word.length <= 20 ? word.toUpperCase() : '';
}

class ExchangeProtocolParser implements LogParser {
  readonly format = 'exchange' as const;
  private readonly header: Header = { logType: null, fields: null };
  private idx = { time: 0, connector: 1, session: 2, seq: 3, local: 4, remote: 5, event: 6, data: 7, context: 8, count: 9 };
  private readonly open = new OpenSessions<Open>();
  private readonly f: string[] = [];

  constructor(private readonly sink: ParserSink) {}

  line(text: string, lineNo: number): LineUse {
    try {
      return this.read(text, lineNo);
    } catch {
      return 'malformed';
    }
  }

  private read(text: string, lineNo: number): LineUse {
    if (text.length === 0) return 'ignored';
    if (text.charCodeAt(0) === 35) {
      const use = readHeader(text, this.header);
      if (use === 'ignored' && text.startsWith('#Fields:')) this.mapFields();
      return use;
    }
    const f = this.f;
    if (!splitCsv(text, f) || f.length < this.idx.count) return 'malformed';
    const event = f[this.idx.event]!;
    if (event.length !== 1 || '+-<>*'.indexOf(event) < 0) return 'malformed';
    const seq = Number(f[this.idx.seq]);
    const sessionId = f[this.idx.session]!;
    if (!Number.isInteger(seq) || seq < 0 || sessionId.length === 0 || sessionId.length > 100) return 'malformed';
    const ms = isoTime(f[this.idx.time]!);
    if (ms === null) return 'malformed';
    const connector = f[this.idx.connector]!.slice(0, 255);
    const mapKey = `${connector}|${sessionId}`;
    let s = this.open.get(mapKey);
    if (!s) {
      s = this.begin(mapKey, sessionId, connector, seq);
    }
    if (s.remoteIp === null) {
      const remote = this.endpointOf(f[this.idx.remote]!);
      if (remote) {
        s.remoteIp = remote.ip;
        s.remotePort = remote.port;
      }
    }
    const row: Row = { seq, ms, event, data: f[this.idx.data]!, context: f[this.idx.context]!, lineNo, text };
    this.arrive(s, row);
    return 'used';
  }

  private readonly endpoints = new Map<string, ReturnType<typeof endpoint>>();

  /** endpoint(), remembered for the endpoints seen lately (bounded): sessions to one MX share it. */
  private endpointOf(text: string): ReturnType<typeof endpoint> {
    let e = this.endpoints.get(text);
    if (e === undefined) {
      if (this.endpoints.size >= 4096) this.endpoints.clear();
      e = text.length <= 80 ? endpoint(text) : null;
      this.endpoints.set(text, e);
    }
    return e;
  }

  private mapFields(): void {
    const fields = this.header.fields ?? [...PROTOCOL_LOG_FIELDS];
    const at = (n: string, d: number): number => {
      const i = fields.indexOf(n);
      return i >= 0 ? i : d;
    };
    const idx = {
      time: at('date-time', 0),
      connector: at('connector-id', 1),
      session: at('session-id', 2),
      seq: at('sequence-number', 3),
      local: at('local-endpoint', 4),
      remote: at('remote-endpoint', 5),
      event: at('event', 6),
      data: at('data', 7),
      context: at('context', 8),
      count: 0,
    };
    idx.count = Math.max(idx.time, idx.connector, idx.session, idx.seq, idx.local, idx.remote, idx.event, idx.data, idx.context) + 1;
    this.idx = idx;
  }

  private begin(mapKey: string, sessionId: string, connector: string, seq: number): Open {
    if (this.open.size >= MAX_OPEN_SESSIONS) {
      const oldest = this.open.oldest();
      if (oldest) this.finish(oldest, true);
    }
    const direction = this.header.logType === 'send' ? 'outbound' : this.header.logType === 'receive' ? 'inbound' : null;
    const s: Open = {
      mapKey,
      key: sessionId,
      connector,
      direction,
      start: null,
      end: null,
      remoteHost: null,
      remoteIp: null,
      remotePort: null,
      domains: [],
      messages: 0,
      status: null,
      dsn: null,
      tls: unknownTls(),
      lines: [],
      next: seq,
      pending: [],
      lastCmd: '',
      inData: false,
      ehloDone: false,
      starttls: false,
      remoteCert: false,
      handshakeLines: false,
      commandAfterTls: false,
      sawDialogue: false,
      closed: false,
    };
    this.open.set(mapKey, s);
    return s;
  }

  /**
   * Lines are handled in sequence-number order: one that comes early waits (at most
   * MAX_REORDER_LINES; past that the gap is given up and the waiting lines are handled in order).
   */
  private arrive(s: Open, row: Row): void {
    if (row.seq < s.next) {
      // A line from before the first one seen (or a repeat): handled where it stands.
      this.handle(s, row);
      return;
    }
    if (row.seq > s.next) {
      let at = s.pending.length;
      while (at > 0 && s.pending[at - 1]!.seq > row.seq) at--;
      s.pending.splice(at, 0, row);
      if (s.pending.length <= MAX_REORDER_LINES) return;
      s.next = s.pending[0]!.seq;
    } else {
      this.handle(s, row);
      s.next = row.seq + 1;
    }
    while (!s.closed && s.pending.length > 0 && s.pending[0]!.seq <= s.next) {
      const r = s.pending.shift()!;
      this.handle(s, r);
      s.next = Math.max(s.next, r.seq + 1);
    }
  }

  private handle(s: Open, row: Row): void {
    if (s.closed) return;
    if (row.ms !== null) {
      if (s.start === null || row.ms < s.start) s.start = row.ms;
      if (s.end === null || row.ms > s.end) s.end = row.ms;
    }
    switch (row.event) {
      case '-':
        this.finish(s, false);
        return;
      case '*':
        this.information(s, row);
        return;
      case '<':
      case '>': {
        const isReply = replyCode(row.data) !== 0;
        // No #Log-type: whoever writes the replies is the server; the side the log calls '<'
        // (received) is the remote.
        s.direction ??= (row.event === '<') === isReply ? 'outbound' : 'inbound';
        const received = row.event === '<';
        const fromServer = s.direction === 'outbound' ? received : !received;
        s.sawDialogue = true;
        if (fromServer) this.reply(s, row);
        else this.command(s, row);
        return;
      }
      default:
        return;
    }
  }

  private command(s: Open, row: Row): void {
    const verb = verbOf(row.data);
    const arg = row.data.slice(verb.length + 1);
    if (s.tls.accepted === true) s.commandAfterTls = true;
    s.lastCmd = verb === 'BDAT' && /\bLAST\b/i.test(arg) ? 'BDAT LAST' : verb;
    s.inData = s.lastCmd === 'BDAT LAST';
    if (isTlsVerb(verb)) {
      s.starttls = true;
      s.tls.attempted = true;
      keepLine(s.lines, row.lineNo, row.text);
      return;
    }
    switch (verb) {
      case 'EHLO':
      case 'HELO':
        if (s.direction === 'inbound') s.remoteHost ??= announcedName(arg);
        return;
      case 'MAIL':
        // Mail sent on after a failed negotiation in the same session went in clear text.
        if (s.tls.negotiated === false && s.tls.failure !== null) s.tls.clearRetry = true;
        if (s.direction === 'inbound') addDomain(s.domains, pathDomain(arg));
        return;
      case 'RCPT':
        if (s.direction === 'outbound') addDomain(s.domains, pathDomain(arg));
        return;
    }
  }

  private reply(s: Open, row: Row): void {
    const text = row.data;
    const code = replyCode(text);
    if (code === 0) return;
    const last = s.lastCmd;
    if (last === '') {
      if (code === 220 && s.direction === 'outbound') s.remoteHost ??= announcedName(text.slice(4));
      return;
    }
    if ((last === 'EHLO' || last === 'HELO') && !s.starttls && !s.ehloDone) {
      if (listsStarttls(text) || /(^|[ -])X-ANONYMOUSTLS( |$)/i.test(text.slice(3))) {
        s.tls.offered = true;
        keepLine(s.lines, row.lineNo, row.text);
      }
      if (isFinalReplyLine(text)) {
        s.ehloDone = true;
        if (last === 'EHLO' && code === 250 && s.tls.offered !== true) s.tls.offered = false;
      }
      return;
    }
    if (isTlsVerb(last) && s.tls.accepted === null) {
      keepLine(s.lines, row.lineNo, row.text);
      starttlsAnswered(s.tls, code, text);
      return;
    }
    if (last === 'DATA' || last === 'BDAT LAST') {
      if (code === 354) {
        s.inData = true;
        return;
      }
      if (!s.inData) return;
      s.inData = false;
      if (code < 300) s.messages++;
      this.outcome(s, code, text, row);
      return;
    }
    if ((last === 'MAIL' || last === 'RCPT') && code >= 400) this.outcome(s, code, text, row);
  }

  private outcome(s: Open, code: number, text: string, row: Row): void {
    s.status = statusOf(code, s.direction === 'inbound');
    s.dsn = enhancedCode(text.slice(4)) ?? `${Math.floor(code / 100)}.0.0`;
    keepLine(s.lines, row.lineNo, row.text);
  }

  private information(s: Open, row: Row): void {
    const ctx = row.context;
    const data = row.data;
    if (ctx.startsWith('TLS protocol ')) {
      const m = /^TLS protocol (\S+) negotiation (succeeded|failed)/.exec(ctx);
      s.handshakeLines = true;
      keepLine(s.lines, row.lineNo, row.text);
      if (m?.[2] === 'succeeded') {
        s.tls.negotiated = true;
        s.tls.protocol = schannelProtocol(m[1]!);
        s.tls.cipher = schannelCipher(ctx);
      }
      return;
    }
    if (/TLS negotiation failed|failed to negotiate TLS|TLS negotiation failure/i.test(ctx) || /TLS negotiation failed/i.test(data)) {
      s.handshakeLines = true;
      s.tls.negotiated = false;
      s.tls.failure = (ctx || data).slice(0, 500);
      keepLine(s.lines, row.lineNo, row.text);
      return;
    }
    if (ctx.startsWith('Sending certificate')) {
      s.handshakeLines = true;
      s.remoteCert = false;
      return;
    }
    if (ctx.startsWith('Received certificate') || ctx.startsWith('Remote certificate')) {
      s.handshakeLines = true;
      s.remoteCert = true;
      // Exchange 2019 writes the whole certificate on one line: "Remote certificate Subject Issuer
      // name Serial number …" in the context, the values space-separated in the data.
      if (ctx.includes(' Subject') && data.trim()) s.tls.peer = combinedSubject(data);
      keepLine(s.lines, row.lineNo, row.text);
      return;
    }
    if (ctx === 'Certificate subject') {
      if (s.remoteCert && data) s.tls.peer = data.slice(0, 500);
      return;
    }
    const validation = /certificate chain validation status: '?([A-Za-z]+)/i.exec(ctx);
    if (validation) {
      s.tls.verify = validation[1] === 'Valid' ? 'trusted' : validation[1] === 'EmptyCertificate' ? 'none' : 'untrusted';
    }
  }

  private finish(s: Open, incomplete: boolean): void {
    if (s.closed) return;
    // Lines still waiting for a missing sequence number are handled in order before the session ends.
    while (s.pending.length > 0) {
      const r = s.pending.shift()!;
      this.handle(s, r);
      if (s.closed) return;
    }
    s.closed = true;
    this.open.delete(s.mapKey);
    const tls = s.tls;
    // Exchange 2007/2010 write no success line: a command after the 220 with no failure logged went
    // over the negotiated channel (a failure is logged and the session ends).
    if (tls.accepted === true && tls.negotiated === null && s.commandAfterTls) tls.negotiated = true;
    if (tls.attempted === null && s.sawDialogue && !s.starttls && (s.lastCmd !== '' || s.ehloDone)) {
      tls.attempted = false;
      tls.negotiated = false;
    }
    this.sink.session({
      format: 'exchange',
      key: s.key,
      direction: s.direction,
      start: s.start,
      end: s.end,
      localHost: s.connector || null,
      remoteHost: s.remoteHost,
      remoteIp: s.remoteIp,
      remotePort: s.remotePort,
      domains: s.domains,
      queueIds: [],
      messages: s.messages,
      tls,
      evidence: s.handshakeLines ? 'handshake' : s.sawDialogue ? 'dialogue' : 'none',
      status: s.status,
      dsn: s.dsn,
      lines: s.lines,
      incomplete,
    });
  }

  end(): void {
    for (const s of this.open.values()) this.finish(s, true);
  }
}

/** The subject of a one-line certificate ("CN=a, O=B CN=issuer …"): up to where the issuer begins. */
function combinedSubject(data: string): string {
  const t = data.trim();
  const issuer = t.indexOf(' CN=', 3);
  return (issuer > 0 ? t.slice(0, issuer) : t.split(' ')[0]!).slice(0, 500);
}

// ---------------------------------------------------------------- tracking log

class ExchangeTrackingParser implements LogParser {
  readonly format = 'exchange-tracking' as const;
  private readonly header: Header = { logType: null, fields: null };
  private fields: readonly string[] = TRACKING_LOG_FIELDS;
  private readonly f: string[] = [];
  private used = false;

  constructor(private readonly sink: ParserSink) {}

  line(text: string, lineNo: number): LineUse {
    try {
      return this.read(text, lineNo);
    } catch {
      return 'malformed';
    }
  }

  private col(name: string): string {
    const i = this.fields.indexOf(name);
    return i >= 0 ? (this.f[i] ?? '') : '';
  }

  private read(text: string, lineNo: number): LineUse {
    if (text.length === 0) return 'ignored';
    if (text.charCodeAt(0) === 35) {
      const use = readHeader(text, this.header);
      if (use === 'ignored' && this.header.fields) this.fields = this.header.fields;
      return use;
    }
    if (!splitCsv(text, this.f, 128)) return 'malformed';
    const need = Math.max(this.fields.indexOf('event-id'), this.fields.indexOf('source'), this.fields.indexOf('date-time')) + 1;
    if (this.f.length < need || need === 0) return 'malformed';
    const ms = isoTime(this.col('date-time'));
    if (ms === null) return 'malformed';
    const event = this.col('event-id').toUpperCase();
    const source = this.col('source').toUpperCase();
    if (source !== 'SMTP' || (event !== 'SEND' && event !== 'RECEIVE')) return 'ignored';
    this.used = true;
    const outbound = event === 'SEND';
    const domains: string[] = [];
    if (outbound) {
      for (const r of this.col('recipient-address').split(';')) addDomain(domains, pathDomain(`<${r.trim()}>`));
    } else {
      addDomain(domains, pathDomain(`<${this.col('sender-address').trim()}>`));
    }
    const remoteIp = canonicalIp(this.col(outbound ? 'server-ip' : 'client-ip'));
    const remoteHost = this.col(outbound ? 'server-hostname' : 'client-hostname').trim();
    const statusText = this.col('recipient-status');
    const code = replyCode(statusText);
    const lines: LogLine[] = [];
    keepLine(lines, lineNo, text);
    const id = this.col('internal-message-id') || this.col('message-id') || `line ${lineNo}`;
    this.sink.session({
      format: 'exchange-tracking',
      key: `${event} ${id}`.slice(0, 200),
      direction: outbound ? 'outbound' : 'inbound',
      start: ms,
      end: ms,
      localHost: (this.col('connector-id') || this.col(outbound ? 'client-hostname' : 'server-hostname')).slice(0, 255) || null,
      remoteHost: remoteHost ? remoteHost.toLowerCase().slice(0, 255) : null,
      remoteIp,
      remotePort: null,
      domains,
      queueIds: this.col('internal-message-id') ? [this.col('internal-message-id').slice(0, 100)] : [],
      messages: 1,
      // A tracking log says nothing of TLS.
      tls: unknownTls(),
      evidence: 'none',
      status: code ? statusOf(code, !outbound) : outbound ? 'sent' : null,
      dsn: code ? (enhancedCode(statusText.slice(4)) ?? null) : null,
      lines,
      incomplete: false,
    });
    return 'used';
  }

  end(): void {
    // The runner keeps a note once per input: this input is a tracking log, so no protocol log
    // told anything of TLS.
    if (this.used) this.sink.note('exchange-protocol-logging-off', EXCHANGE_PROTOCOL_LOGGING_DETAIL);
  }
}

// ---------------------------------------------------------------- sniffing

const ISO_CSV = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z,/;

/** How surely a line is an Exchange 2007+ SMTP protocol log's. */
export function sniffExchangeProtocol(line: string): number {
  if (line.charCodeAt(0) === 35) {
    if (line.startsWith('#Log-type: SMTP ') && line.includes('Protocol Log')) return 1;
    if (line.startsWith('#Fields: date-time,connector-id,session-id')) return 1;
    if (line.startsWith('#Software: Microsoft Exchange Server')) return 0.5;
    return 0;
  }
  if (!ISO_CSV.test(line)) return 0;
  const f: string[] = [];
  if (!splitCsv(line, f) || f.length < 9) return 0;
  return f[6]!.length === 1 && '+-<>*'.includes(f[6]!) && /^\d+$/.test(f[3]!) ? 0.9 : 0;
}

/** How surely a line is an Exchange message tracking log's. */
export function sniffExchangeTracking(line: string): number {
  if (line.charCodeAt(0) === 35) {
    if (line.startsWith('#Log-type: Message Tracking Log')) return 1;
    if (line.startsWith('#Fields: date-time,client-ip,client-hostname')) return 1;
    if (line.startsWith('#Software: Microsoft Exchange Server')) return 0.4;
    return 0;
  }
  if (!ISO_CSV.test(line)) return 0;
  const f: string[] = [];
  if (!splitCsv(line, f, 128) || f.length < 20) return 0;
  return /^[A-Z]+$/.test(f[8] ?? '') && /^[A-Z_]+$/.test(f[7] ?? '') ? 0.8 : 0.3;
}

export const exchangeModule: LogFormatModule = {
  format: 'exchange',
  sniff: sniffExchangeProtocol,
  create: (sink) => new ExchangeProtocolParser(sink),
};

export const exchangeTrackingModule: LogFormatModule = {
  format: 'exchange-tracking',
  sniff: sniffExchangeTracking,
  create: (sink) => new ExchangeTrackingParser(sink),
};
