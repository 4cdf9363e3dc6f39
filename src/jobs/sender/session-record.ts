// What the sender-test listener records of one client session, filled in by the smtpd hooks as the
// session runs and turned into `SenderSession` facts (core/sender-schema.ts) when a report is made.
// Every list is bounded here, before anything reaches the schema's caps.
import type { Clock } from '../../core/context.js';
import type { HeaderMessage } from '../../core/headers-schema.js';
import { escapeText } from '../../core/transcript.js';
import { HelloReader } from '../../tls/hello.js';
import type { SenderDns, SenderListener, SenderSession, SenderTls } from '../../core/sender-schema.js';
import type { TranscriptEvent } from '../../core/schema.js';
import type { SenderTestRecord } from '../../core/sender-store.js';
import type { SmtpdSessionEnd, SmtpdTlsInfo } from '../../smtpd/server.js';

/** Lines of one session kept for the report's transcript. */
export const MAX_SESSION_LINES = 400;
/** What a finished session keeps of its dialogue for later reports. */
const SNAPSHOT_LINES = 40;
const SNAPSHOT_LINE_CHARS = 300;

/** A finished session, as later reports of the same address use it (bounded: see snapshot()). */
export interface SessionSnapshot {
  conn: string;
  clientIp: string;
  clientPort: number;
  listener: SenderListener;
  startedAt: number;
  startedMono: number;
  endedMono: number | null;
  ended: SmtpdSessionEnd | null;
  lines: SessionLine[];
  linesDropped: number;
  /** The test whose passcode the session carried (its last transaction's), or null. */
  testKey: string | null;
  facts: SenderSession;
}
const MAX_RCPT = 100;

/** A line of the session, timed on the monotonic clock. */
export interface SessionLine {
  at: number;
  kind: TranscriptEvent['kind'];
  text: string;
}

/** How a passcode was found in this session, and its test. */
export interface PasscodeMatch {
  passcode: string;
  test: SenderTestRecord;
  matchedBy: 'recipient' | 'subject' | 'address';
}

type Greeting = NonNullable<SenderSession['greeting']>;

/** An SNI as printable text: a host name is ASCII (A-labels); anything else is shown escaped. */
function printable(name: string | null): string | null {
  if (name === null || name === '') return null;
  return escapeText(name, 250);
}

export class SessionRecord {
  readonly startedAt: number;
  readonly startedMono: number;
  readonly lines: SessionLine[] = [];
  linesDropped = 0;
  greeting: Greeting | null = null;
  greetingBeforeTls: Greeting | null = null;
  starttlsOffered = false;
  starttlsAttempted = false;
  tlsInfo: SmtpdTlsInfo | null = null;
  /** Reads the STARTTLS handshake's ClientHello and ServerHello (the tap's bytes). */
  hello: HelloReader | null = null;
  failure: SenderTls['failure'] = null;
  mailFrom: string | null = null;
  mailParams: SenderSession['mailParams'] = { size: null, body: null, smtputf8: false, requireTls: false, other: [] };
  rcptTo: string[] = [];
  commands = 0;
  message: SenderSession['message'] = null;
  /** DATA was answered with 354 and no final reply followed (yet). */
  inData = false;
  /** The client sent QUIT. */
  quitSent = false;
  finalReply: SenderSession['finalReply'] = null;
  outcome: SenderSession['outcome'] = 'no-message';
  ended: SmtpdSessionEnd | null = null;
  endedMono: number | null = null;
  passcode: PasscodeMatch | null = null;
  /** A result was stored for the session's last transaction (nothing left to store at close). */
  stored = false;
  /** The last message's header, analysed. */
  headerMessage: HeaderMessage | null = null;
  /** The DNS lookups about the client: started only once a valid passcode showed the session is a test's. */
  lookups: { greeting(name: string): void; mailFrom(address: string): void; result(signal: AbortSignal): Promise<SenderDns> } | null = null;

  constructor(
    private readonly clock: Clock,
    readonly id: string,
    readonly clientIp: string,
    readonly clientPort: number,
    readonly listener: SenderListener,
  ) {
    this.startedAt = clock.now();
    this.startedMono = clock.monotonic();
  }

  /** The transcript's name of the connection. */
  get conn(): string {
    return `client[${this.clientIp}]:${this.clientPort}/${this.id}`;
  }

  line(kind: TranscriptEvent['kind'], text: string): void {
    if (this.lines.length >= MAX_SESSION_LINES) {
      this.linesDropped++;
      return;
    }
    this.lines.push({ at: this.clock.monotonic(), kind, text });
  }

  /**
   * A line the client sent; a greeting is noted at once (smtp-server's own view replaces it at MAIL
   * FROM). The transcript is always told from the SMTP client's side, as in every other report:
   * the client's lines are `send` ("C:"), our replies `recv` ("S:").
   */
  clientLine(text: string): void {
    this.commands++;
    this.line('send', text);
    if (/^QUIT\b/i.test(text)) this.quitSent = true;
    const greeting = /^(EHLO|HELO|LHLO)[ \t]+(\S{1,300})/i.exec(text);
    if (greeting?.[1] && greeting[2]) this.greeting = { command: greeting[1].toUpperCase() as Greeting['command'], name: greeting[2] };
  }

  /** A line we sent; STARTTLS in an EHLO reply is what "offered" means. */
  serverLine(text: string): void {
    this.line('recv', text);
    if (/^250[ -]STARTTLS\s*$/i.test(text)) this.starttlsOffered = true;
    if (/^354[ -]/.test(text)) this.inData = true;
    else if (this.inData && /^[2-5]\d\d[ -]/.test(text)) this.inData = false;
  }

  greeted(command: Greeting['command'] | null, name: string | null): void {
    if (!command || name === null) return;
    this.greeting = { command, name: name.slice(0, 300) };
  }

  /** STARTTLS began: what was said before it counts as before TLS. Returns what reads the handshake. */
  startTls(): HelloReader {
    this.starttlsAttempted = true;
    this.hello = new HelloReader();
    this.greetingBeforeTls = this.greeting;
    this.greeting = null;
    return this.hello;
  }

  secured(info: SmtpdTlsInfo): void {
    this.tlsInfo = info;
    this.line('tls', `TLS established: ${info.protocol ?? '?'} ${info.cipher ?? '?'}${info.servername ? `, SNI ${info.servername}` : ', no SNI'}${info.peerChain.length ? `, client certificate (${info.peerChain.length} in chain)` : ''}`);
  }

  /**
   * A new transaction (MAIL FROM): everything of the last one goes — its recipients, message,
   * passcode and outcome (a connection reused for another test's mail is that test's). The caller
   * stores the last one's result first when it has none yet.
   */
  mail(address: string, params: Record<string, string | boolean>): void {
    this.mailFrom = address.slice(0, 600);
    const other: string[] = [];
    let size: number | null = null;
    let body: string | null = null;
    let smtputf8 = false;
    let requireTls = false;
    for (const [key, value] of Object.entries(params)) {
      if (key === 'SIZE' && typeof value === 'string' && /^\d{1,15}$/.test(value)) size = Number(value);
      else if (key === 'BODY' && typeof value === 'string') body = value.toUpperCase().slice(0, 20);
      else if (key === 'SMTPUTF8') smtputf8 = true;
      else if (key === 'REQUIRETLS') requireTls = true;
      else if (other.length < 16) other.push((value === true ? key : `${key}=${String(value)}`).slice(0, 200));
    }
    this.mailParams = { size, body, smtputf8, requireTls, other };
    this.rcptTo = [];
    this.message = null;
    this.stored = false;
    this.passcode = null;
    this.outcome = 'no-message';
    this.finalReply = null;
    this.inData = false;
    this.headerMessage = null;
  }

  rcpt(address: string): void {
    if (this.rcptTo.length < MAX_RCPT) this.rcptTo.push(address.slice(0, 600));
  }

  refused(code: number, text: string): void {
    this.finalReply = { code, text: text.slice(0, 500) };
    this.outcome = 'refused';
  }

  accepted(code: number, text: string): void {
    this.finalReply = { code, text: text.slice(0, 500) };
    this.outcome = 'accepted';
  }

  close(ended: SmtpdSessionEnd): void {
    this.ended = ended;
    this.endedMono = this.clock.monotonic();
    // The client went away after 354 without the final dot: the message never arrived.
    if (this.inData && this.outcome !== 'accepted') this.outcome = 'aborted';
  }

  /**
   * What is kept of the session once it closed, for the `earlier` of a later report: its facts and
   * the first lines of its dialogue (a hostile client's session must not stay in memory whole).
   */
  snapshot(): SessionSnapshot {
    const lines = this.lines.slice(0, SNAPSHOT_LINES).map((l) => ({ ...l, text: l.text.slice(0, SNAPSHOT_LINE_CHARS) }));
    return {
      conn: this.conn,
      clientIp: this.clientIp,
      clientPort: this.clientPort,
      listener: this.listener,
      startedAt: this.startedAt,
      startedMono: this.startedMono,
      endedMono: this.endedMono,
      ended: this.ended,
      lines,
      linesDropped: this.linesDropped + this.lines.length - lines.length,
      testKey: this.passcode?.test.key ?? null,
      facts: this.facts(),
    };
  }

  /** The facts of the session as it stands. */
  facts(): SenderSession {
    const info = this.tlsInfo;
    const hello = this.hello?.result() ?? null;
    const failure = this.failure && { ...this.failure, clientAlert: this.failure.clientAlert ?? hello?.clientAlert ?? null };
    return {
      id: this.id.slice(0, 40),
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs: Math.round(((this.endedMono ?? this.clock.monotonic()) - this.startedMono) * 1000) / 1000,
      clientIp: this.clientIp.slice(0, 64),
      clientPort: this.clientPort,
      listener: this.listener,
      greeting: this.greeting,
      greetingBeforeTls: this.greetingBeforeTls,
      tls: {
        offered: this.starttlsOffered,
        attempted: this.starttlsAttempted,
        established: info !== null,
        protocol: info?.protocol?.slice(0, 16) ?? null,
        cipher: info?.cipher?.slice(0, 80) ?? null,
        cipherStandard: info?.cipherStandard?.slice(0, 80) ?? null,
        group: hello?.group?.slice(0, 40) ?? null,
        sni: printable(hello?.clientHello?.sni ?? info?.servername ?? null),
        clientHello: hello?.clientHello ?? null,
        failure: info ? null : failure,
        clientCertificate: {
          // The listener asks every TLS client for one (a sender presents one only when asked).
          requested: info !== null,
          chain: (info?.peerChain ?? []).slice(0, 10).map((der) => der.toString('base64')),
          opensslError: info?.authorizationError ?? null,
        },
      },
      mailFrom: this.mailFrom,
      mailParams: this.mailParams,
      rcptTo: this.rcptTo,
      commands: this.commands,
      message: this.message,
      outcome: this.outcome,
      finalReply: this.finalReply,
      ended: this.ended,
    };
  }
}
