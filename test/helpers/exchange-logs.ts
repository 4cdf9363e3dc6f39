// Writes Exchange logs from scenario descriptions, in the formats the real servers write: Exchange
// 2003's IIS SMTP log (W3C extended with or without #Fields, spaces as '+'; or the Microsoft IIS
// log format), Exchange 2007–2019's SMTP protocol logs (CSV, quoted where needed, sequence numbers,
// sessions interleaved by time) and the message tracking log. The project's own fixtures — the
// hosts are example names and documentation addresses; no real log is copied.
//
// A scenario is one SMTP session seen from our Exchange server: outbound (we are the client) or
// inbound (we are the server). Tests build their expectations from the scenario, not from the parser.

export interface HandshakeOk {
  ok: true;
  protocol: 'TLSv1.3' | 'TLSv1.2' | 'TLSv1.1' | 'TLSv1';
  bulk?: string;
  bulkBits?: number;
  mac?: string;
  macBits?: number;
  kex?: string;
  kexBits?: number;
  /** The remote's certificate subject, as Exchange logs it. */
  peerSubject?: string;
}

export interface HandshakeFailed {
  ok: false;
  /** Exchange's words after "TLS negotiation failed with error ". */
  error: string;
}

export interface ExchangeScenario {
  direction: 'outbound' | 'inbound';
  /** The first line's time, ms UTC. */
  start: number;
  /** Time between lines (default 40 ms). */
  stepMs?: number;
  /** Exchange 2007+ session id (16 hex digits). */
  sessionId?: string;
  connector?: string;
  /** Our server's computer name (IIS s-computername). */
  server?: string;
  /** Our FQDN: our EHLO name outbound, our banner name inbound. */
  localName?: string;
  localIp?: string;
  localPort?: number;
  remoteIp: string;
  remotePort?: number;
  /** The remote's name: its banner's outbound, its EHLO's inbound. */
  remoteHost: string;
  /** The greeting (default "220 <server name> Microsoft ESMTP MAIL Service ready"). */
  banner?: string;
  offerStarttls: boolean;
  /** STARTTLS sent (absent: not sent). */
  starttls?: { reply?: string; handshake?: HandshakeOk | HandshakeFailed };
  /** After a failed handshake the session goes on in clear text (else it ends there). */
  clearAfterFailure?: boolean;
  sender: string;
  recipients: string[];
  /** Reply to each RCPT (default 250 2.1.5 Recipient OK). */
  rcptReply?: string;
  /** Reply at the end of the message (default 250 2.6.0 … Queued mail for delivery). */
  dataReply?: string;
  /** BDAT … LAST instead of DATA. */
  bdat?: boolean;
  /** QUIT at the end (default true); false: the connection just ends. */
  quit?: boolean;
  /** HELO instead of EHLO (no capabilities). */
  helo?: boolean;
}

type Step =
  | { kind: 'attempt' }
  | { kind: 'connect' }
  | { kind: 'cmd'; text: string }
  | { kind: 'reply'; text: string; /** the reply this line belongs to, for logs that write one line per command */ final: boolean }
  | { kind: 'tls-ok'; hs: HandshakeOk }
  | { kind: 'tls-failed'; error: string }
  | { kind: 'disconnect'; who: 'Local' | 'Remote' };

export const DEFAULT_DATA_REPLY = '250 2.6.0 <1234@example.org> [InternalId=42, Hostname=EXCH01.example.org] Queued mail for delivery';

function serverName(sc: ExchangeScenario): string {
  return sc.direction === 'outbound' ? sc.remoteHost : (sc.localName ?? 'mail.example.org');
}
function clientName(sc: ExchangeScenario): string {
  return sc.direction === 'outbound' ? (sc.localName ?? 'mail.example.org') : sc.remoteHost;
}
function clientIp(sc: ExchangeScenario): string {
  return sc.direction === 'outbound' ? (sc.localIp ?? '192.0.2.10') : sc.remoteIp;
}

function ehloReply(sc: ExchangeScenario, withStarttls: boolean): string[] {
  const caps = ['SIZE 37748736', 'PIPELINING', 'DSN', 'ENHANCEDSTATUSCODES', ...(withStarttls ? ['STARTTLS'] : []), '8BITMIME', 'BINARYMIME', 'CHUNKING'];
  const lines = [`${serverName(sc)} Hello [${clientIp(sc)}]`, ...caps];
  return lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}`);
}

/** The session's dialogue, in order, independent of how a log writes it. */
export function dialogue(sc: ExchangeScenario): Step[] {
  const steps: Step[] = [];
  const reply = (text: string): void => void steps.push({ kind: 'reply', text, final: true });
  const replies = (lines: string[]): void => lines.forEach((text, i) => steps.push({ kind: 'reply', text, final: i === lines.length - 1 }));
  if (sc.direction === 'outbound') steps.push({ kind: 'attempt' });
  steps.push({ kind: 'connect' });
  reply(sc.banner ?? `220 ${serverName(sc)} Microsoft ESMTP MAIL Service ready at Mon, 30 Nov 2026 03:40:13 +0000`);
  if (sc.helo) {
    steps.push({ kind: 'cmd', text: `HELO ${clientName(sc)}` });
    reply(`250 ${serverName(sc)} Hello [${clientIp(sc)}]`);
  } else {
    steps.push({ kind: 'cmd', text: `EHLO ${clientName(sc)}` });
    replies(ehloReply(sc, sc.offerStarttls));
  }
  if (sc.starttls) {
    steps.push({ kind: 'cmd', text: 'STARTTLS' });
    const r = sc.starttls.reply ?? '220 2.0.0 SMTP server ready';
    reply(r);
    if (r.startsWith('220')) {
      const hs = sc.starttls.handshake ?? { ok: true, protocol: 'TLSv1.2' };
      if (hs.ok) {
        steps.push({ kind: 'tls-ok', hs });
        steps.push({ kind: 'cmd', text: `EHLO ${clientName(sc)}` });
        replies(ehloReply(sc, false));
      } else {
        steps.push({ kind: 'tls-failed', error: hs.error });
        if (!sc.clearAfterFailure) {
          steps.push({ kind: 'disconnect', who: sc.direction === 'outbound' ? 'Local' : 'Remote' });
          return steps;
        }
      }
    }
  }
  steps.push({ kind: 'cmd', text: `MAIL FROM:<${sc.sender}> SIZE=2048` });
  reply('250 2.1.0 Sender OK');
  let accepted = 0;
  for (const r of sc.recipients) {
    steps.push({ kind: 'cmd', text: `RCPT TO:<${r}>` });
    const rr = sc.rcptReply ?? '250 2.1.5 Recipient OK';
    reply(rr);
    if (rr.startsWith('2')) accepted++;
  }
  if (accepted > 0) {
    if (sc.bdat) {
      steps.push({ kind: 'cmd', text: 'BDAT 2048 LAST' });
    } else {
      steps.push({ kind: 'cmd', text: 'DATA' });
      reply('354 Start mail input; end with <CRLF>.<CRLF>');
    }
    reply(sc.dataReply ?? DEFAULT_DATA_REPLY);
  }
  if (sc.quit !== false) {
    steps.push({ kind: 'cmd', text: 'QUIT' });
    reply('221 2.0.0 Service closing transmission channel');
  }
  steps.push({ kind: 'disconnect', who: sc.quit !== false ? 'Local' : 'Remote' });
  return steps;
}

/** The remote domains a parser should find: recipients' outbound, the sender's inbound. */
export function expectedDomains(sc: ExchangeScenario): string[] {
  const of = (a: string): string => a.slice(a.lastIndexOf('@') + 1).toLowerCase();
  const all = sc.direction === 'outbound' ? sc.recipients.map(of) : [of(sc.sender)];
  return [...new Set(all)];
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

interface Timed {
  ms: number;
  order: number;
  text: string;
}

/** Lines of many sessions merged by time (sessions that overlap interleave), stable per session. */
function merge(perSession: Timed[][]): string[] {
  return perSession
    .flat()
    .sort((a, b) => a.ms - b.ms || a.order - b.order)
    .map((t) => t.text);
}

// ---------------------------------------------------------------- Exchange 2003 (IIS SMTP)

export const IIS_FIELDS = [
  'date', 'time', 'c-ip', 'cs-username', 's-sitename', 's-computername', 's-ip', 's-port', 'cs-method', 'cs-uri-stem',
  'cs-uri-query', 'sc-status', 'sc-win32-status', 'sc-bytes', 'cs-bytes', 'time-taken', 'cs-version', 'cs-host',
  'cs(User-Agent)', 'cs(Cookie)', 'cs(Referer)',
];
export const IIS_DEFAULT_FIELDS = ['time', 'c-ip', 'cs-method', 'cs-uri-stem', 'sc-status'];

/** IIS writes spaces inside a value as '+', an empty value as '-'. */
export function iisEncode(v: string): string {
  return v === '' ? '-' : v.replace(/ /g, '+');
}

interface IisRow {
  ms: number;
  user: string;
  method: string;
  query: string;
  status: number;
}

/** The rows the IIS SMTP service writes for a scenario: outbound every command and reply line, inbound every command with its code. */
function iisRows(sc: ExchangeScenario): IisRow[] {
  const step = sc.stepMs ?? 40;
  const rows: IisRow[] = [];
  const steps = dialogue(sc);
  let t = sc.start;
  if (sc.direction === 'outbound') {
    for (const s of steps) {
      t += step;
      if (s.kind === 'cmd') {
        const sp = s.text.indexOf(' ');
        rows.push({ ms: t, user: 'OutboundConnectionCommand', method: sp < 0 ? s.text : s.text.slice(0, sp), query: sp < 0 ? '' : s.text.slice(sp + 1), status: 0 });
      } else if (s.kind === 'reply') {
        rows.push({ ms: t, user: 'OutboundConnectionResponse', method: '', query: s.text, status: 0 });
      }
      // The handshake itself is never logged.
    }
    return rows;
  }
  let helo = '';
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    t += step;
    if (s.kind !== 'cmd') continue;
    const sp = s.text.indexOf(' ');
    const verb = sp < 0 ? s.text : s.text.slice(0, sp);
    if (verb === 'EHLO' || verb === 'HELO') helo = s.text.slice(sp + 1);
    // The code written is the one that ended the command: for DATA, the reply after the message.
    let code = 0;
    for (let j = i + 1; j < steps.length; j++) {
      const r = steps[j]!;
      if (r.kind === 'cmd') break;
      if (r.kind === 'reply' && r.final) code = Number(r.text.slice(0, 3));
    }
    rows.push({ ms: t, user: helo, method: verb, query: sp < 0 ? '' : ` ${s.text.slice(sp + 1)}`, status: code });
  }
  return rows;
}

function iisValues(sc: ExchangeScenario, r: IisRow): Record<string, string> {
  const d = new Date(r.ms);
  const outbound = sc.direction === 'outbound';
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    'c-ip': sc.remoteIp,
    'cs-username': iisEncode(r.user),
    's-sitename': 'SMTPSVC1',
    's-computername': sc.server ?? 'EXCH01',
    's-ip': outbound ? '-' : (sc.localIp ?? '192.0.2.10'),
    's-port': outbound ? '0' : '25',
    'cs-method': iisEncode(r.method),
    'cs-uri-stem': '-',
    'cs-uri-query': iisEncode(r.query),
    'sc-status': String(r.status),
    'sc-win32-status': '0',
    'sc-bytes': String(r.query.length + 2),
    'cs-bytes': '0',
    'time-taken': '0',
    'cs-version': 'SMTP',
    'cs-host': '-',
    'cs(User-Agent)': '-',
    'cs(Cookie)': '-',
    'cs(Referer)': '-',
  };
}

export interface W3cOptions {
  /** The #Fields selection (default every field); IIS_DEFAULT_FIELDS for the installed default. */
  fields?: string[];
  /** Write the #Software/#Version/#Date/#Fields header (default true). */
  header?: boolean;
}

/** An Exchange 2003 SMTP log in W3C extended format. */
export function exchange2003Log(scenarios: ExchangeScenario[], options: W3cOptions = {}): string[] {
  const fields = options.fields ?? IIS_FIELDS;
  const out: string[] = [];
  if (options.header !== false) {
    const first = Math.min(...scenarios.map((s) => s.start));
    const d = new Date(first);
    out.push('#Software: Microsoft Internet Information Services 6.0', '#Version: 1.0');
    out.push(`#Date: ${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`);
    out.push(`#Fields: ${fields.join(' ')}`);
  }
  const per = scenarios.map((sc, n) =>
    iisRows(sc).map((r, i) => {
      const v = iisValues(sc, r);
      return { ms: r.ms, order: n * 1000 + i, text: fields.map((f) => v[f] ?? '-').join(' ') };
    }),
  );
  return [...out, ...merge(per)];
}

/** The same in the Microsoft IIS log format (comma-separated, the server's local time). */
export function iisFormatLog(scenarios: ExchangeScenario[], offsetMinutes = 0): string[] {
  const per = scenarios.map((sc, n) =>
    iisRows(sc).map((r, i) => {
      const v = iisValues(sc, r);
      const d = new Date(r.ms + offsetMinutes * 60_000);
      const date = `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
      const time = `${d.getUTCHours()}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      const cols = [v['c-ip'], v['cs-username'], date, time, 'SMTPSVC1', v['s-computername'], v['s-ip'], '0', v['cs-bytes'], v['sc-bytes'], v['sc-status'], '0', v['cs-method'], '-', v['cs-uri-query']];
      return { ms: r.ms, order: n * 1000 + i, text: `${cols.join(', ')},` };
    }),
  );
  return merge(per);
}

// ---------------------------------------------------------------- Exchange 2007–2019 protocol logs

/** A CSV field as Exchange writes it: quoted when it holds a comma or a quote, quotes doubled. */
export function csvField(v: string): string {
  return /[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function ep(ip: string, port: number, bareIpv6: boolean): string {
  return ip.includes(':') && !bareIpv6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

const SCHANNEL: Record<HandshakeOk['protocol'], string> = { 'TLSv1.3': 'TLS1_3', 'TLSv1.2': 'TLS1_2', 'TLSv1.1': 'TLS1_1', TLSv1: 'TLS1_0' };

export interface ProtocolLogOptions {
  /** #Log-type: 'send' / 'receive', or null to write no header at all. Default: from the first scenario. */
  logType?: 'send' | 'receive' | null;
  /** Write "TLS protocol … negotiation succeeded …" (Exchange 2013 CU and later; default true). */
  tlsSuccessLine?: boolean;
  /** Exchange 2013+ writes the whole EHLO reply on one line (default false: one line per reply line). */
  ehloOneLine?: boolean;
  /** IPv6 endpoints without brackets. */
  bareIpv6?: boolean;
  /** Exchange 2019's one-line certificate ("Remote certificate Subject Issuer name …"). */
  oneLineCertificate?: boolean;
}

/** An SMTP Send or Receive protocol log (verbose) of Exchange 2007–2019. */
export function exchangeProtocolLog(scenarios: ExchangeScenario[], options: ProtocolLogOptions = {}): string[] {
  const logType = options.logType === undefined ? (scenarios[0]?.direction === 'inbound' ? 'receive' : 'send') : options.logType;
  const out: string[] = [];
  if (logType) {
    out.push('#Software: Microsoft Exchange Server', '#Version: 15.2.1118.7', `#Log-type: SMTP ${logType === 'send' ? 'Send' : 'Receive'} Protocol Log`);
    out.push(`#Date: ${iso(Math.min(...scenarios.map((s) => s.start)))}`);
    out.push('#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context');
  }
  const per = scenarios.map((sc, n) => protocolRows(sc, n, options));
  return [...out, ...merge(per)];
}

function protocolRows(sc: ExchangeScenario, n: number, o: ProtocolLogOptions): Timed[] {
  const outbound = sc.direction === 'outbound';
  const connector = sc.connector ?? (outbound ? 'Internet Send' : 'EXCH01\\Default Frontend EXCH01');
  const sid = sc.sessionId ?? `08DF${(0x1000_0000_0000 + n).toString(16).toUpperCase()}`;
  const local = ep(sc.localIp ?? '192.0.2.10', sc.localPort ?? (outbound ? 50_000 + n : 25), o.bareIpv6 ?? false);
  const remote = ep(sc.remoteIp, sc.remotePort ?? (outbound ? 25 : 40_000 + n), o.bareIpv6 ?? false);
  const step = sc.stepMs ?? 40;
  const rows: Timed[] = [];
  let seq = 0;
  let t = sc.start;
  const row = (event: string, data: string, context: string, noLocal = false): void => {
    rows.push({ ms: t, order: n * 10_000 + seq, text: [iso(t), csvField(connector), sid, String(seq), noLocal ? '' : local, remote, event, csvField(data), csvField(context)].join(',') });
    seq++;
  };
  const sent = outbound ? '>' : '<';
  const got = outbound ? '<' : '>';
  const steps = dialogue(sc);
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    t += step;
    switch (s.kind) {
      case 'attempt':
        row('*', '', 'attempting to connect', true);
        break;
      case 'connect':
        row('+', '', '');
        break;
      case 'cmd':
        row(sent, s.text, '');
        break;
      case 'reply': {
        // Exchange 2013+ writes a multi-line EHLO reply as one line, the lines joined by spaces.
        if (o.ehloOneLine && !s.final) {
          const lines = [s.text];
          while (i + 1 < steps.length && steps[i + 1]!.kind === 'reply') {
            const nxt = steps[++i] as { text: string; final: boolean };
            lines.push(nxt.text);
            if (nxt.final) break;
          }
          row(got, `250  ${lines.map((l) => l.slice(4)).join(' ')}`, '');
        } else {
          row(got, s.text, '');
        }
        break;
      }
      case 'tls-ok': {
        const hs = s.hs;
        const role = outbound ? 'CLIENT' : 'SERVER';
        if (outbound) {
          if (o.oneLineCertificate) {
            row('*', `${hs.peerSubject ?? `CN=${sc.remoteHost}`} CN=Example Issuing CA 1, O=Example 0A1B2C3D 5A6B7C8D9E0F 2026-01-01T00:00:00.000Z 2027-01-01T00:00:00.000Z ${sc.remoteHost}`, 'Remote certificate Subject Issuer name Serial number Thumbprint Not before Not after Subject alternate names');
          } else {
            row('*', '', 'Received certificate');
            row('*', '5A6B7C8D9E0F11223344', 'Certificate thumbprint');
            row('*', hs.peerSubject ?? `CN=${sc.remoteHost}`, 'Certificate subject');
          }
        } else {
          row('*', '', 'Sending certificate');
          row('*', `CN=${sc.localName ?? 'mail.example.org'}`, 'Certificate subject');
          row('*', 'CN=Example Issuing CA 1, O=Example', 'Certificate issuer name');
          row('*', '99AABBCC', 'Certificate thumbprint');
        }
        if (o.tlsSuccessLine !== false) {
          row(
            '*',
            '',
            `TLS protocol SP_PROT_${SCHANNEL[hs.protocol]}_${role} negotiation succeeded using bulk encryption algorithm ${hs.bulk ?? 'CALG_AES_256'} with strength ${hs.bulkBits ?? 256} bits, ` +
              `MAC hash algorithm ${hs.mac ?? 'CALG_SHA_384'} with strength ${hs.macBits ?? 384} bits and key exchange algorithm ${hs.kex ?? 'CALG_ECDHE'} with strength ${hs.kexBits ?? 384} bits`,
          );
        }
        break;
      }
      case 'tls-failed':
        row('*', '', `TLS negotiation failed with error ${s.error}`);
        break;
      case 'disconnect':
        row('-', '', s.who);
        break;
    }
  }
  return rows;
}

// ---------------------------------------------------------------- message tracking log

export const TRACKING_FIELDS = [
  'date-time', 'client-ip', 'client-hostname', 'server-ip', 'server-hostname', 'source-context', 'connector-id', 'source',
  'event-id', 'internal-message-id', 'message-id', 'network-message-id', 'recipient-address', 'recipient-status',
  'total-bytes', 'recipient-count', 'related-recipient-address', 'reference', 'message-subject', 'sender-address',
  'return-path', 'message-info', 'directionality', 'tenant-id', 'original-client-ip', 'original-server-ip', 'custom-data',
  'transport-traffic-type', 'log-id', 'schema-version',
];

export interface TrackingOptions {
  header?: boolean;
  subject?: string;
}

/**
 * The message tracking log of the scenarios' messages: outbound a STOREDRIVER RECEIVE then the SMTP
 * SEND, inbound the SMTP RECEIVE then a STOREDRIVER DELIVER. The subject holds a comma and quotes.
 */
export function exchangeTrackingLog(scenarios: ExchangeScenario[], options: TrackingOptions = {}): string[] {
  const out: string[] = [];
  if (options.header !== false) {
    out.push('#Software: Microsoft Exchange Server', '#Version: 15.02.1118.007', '#Log-type: Message Tracking Log');
    out.push(`#Date: ${iso(Math.min(...scenarios.map((s) => s.start)))}`);
    out.push(`#Fields: ${TRACKING_FIELDS.join(',')}`);
  }
  const per = scenarios.map((sc, n) => {
    const id = String(1000 + n);
    const local = sc.localName ?? 'EXCH01.example.org';
    const subject = options.subject ?? 'Re: "quarterly" figures, draft 2';
    const base: Record<string, string> = {
      'internal-message-id': id,
      'message-id': `<msg${n}@example.org>`,
      'network-message-id': `0a1b2c3d-0000-4000-8000-${String(n).padStart(12, '0')}`,
      'recipient-address': sc.recipients.join(';'),
      'total-bytes': '2048',
      'recipient-count': String(sc.recipients.length),
      'message-subject': subject,
      'sender-address': sc.sender,
      'return-path': sc.sender,
      directionality: sc.direction === 'outbound' ? 'Originating' : 'Incoming',
      'schema-version': '15.02.1118.007',
    };
    const rec = (ms: number, extra: Record<string, string>): Timed => ({ ms, order: n * 10 + Object.keys(extra).length, text: TRACKING_FIELDS.map((f) => csvField(extra[f] ?? base[f] ?? '')).join(',') });
    const t = sc.start;
    if (sc.direction === 'outbound') {
      return [
        rec(t, { 'date-time': iso(t), 'server-hostname': local, source: 'STOREDRIVER', 'event-id': 'RECEIVE', 'source-context': 'MDB:0a1b, Mailbox:2c3d, Event:1234, MessageClass:IPM.Note' }),
        rec(t + 2000, {
          'date-time': iso(t + 2000),
          'client-ip': sc.localIp ?? '192.0.2.10',
          'client-hostname': local,
          'server-ip': sc.remoteIp,
          'server-hostname': sc.remoteHost,
          'source-context': `08DF0000000000${pad(n)};${iso(t + 1000)};ClientSubmitTime:${iso(t)}`,
          'connector-id': sc.connector ?? 'Internet Send',
          source: 'SMTP',
          'event-id': 'SEND',
          'recipient-status': sc.dataReply ?? DEFAULT_DATA_REPLY,
        }),
      ];
    }
    return [
      rec(t, {
        'date-time': iso(t),
        'client-ip': sc.remoteIp,
        'client-hostname': sc.remoteHost,
        'server-ip': sc.localIp ?? '192.0.2.10',
        'server-hostname': local,
        'source-context': `08DF0000000000${pad(n)};${iso(t)};0`,
        'connector-id': sc.connector ?? 'EXCH01\\Default Frontend EXCH01',
        source: 'SMTP',
        'event-id': 'RECEIVE',
      }),
      rec(t + 2000, { 'date-time': iso(t + 2000), 'server-hostname': local, source: 'STOREDRIVER', 'event-id': 'DELIVER', 'recipient-status': '250 2.1.5 RESOLVER.MSGTYPE.AF; recipient mailbox found' }),
    ];
  });
  return [...out, ...merge(per)];
}
