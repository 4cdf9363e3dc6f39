// The one SMTP client every job uses: an explicit state machine over SmtpSession. The session
// sends command lines and reads bounded replies; this file decides which command may come next
// (one table), keeps what EHLO taught and forgets it on STARTTLS, checks what goes on the wire,
// keeps secrets out of the transcript, and times every step on the injected clock.
// One command at a time, but for pipeline() and messageThenPipeline() when PIPELINING is advertised.
import { createHmac } from 'node:crypto';
import type { ClientCertificate, Clock, Connection, Connector, Limits, TlsHandshake, TlsOptions } from '../core/context.js';
import { MxrayError, statusOfError } from '../core/errors.js';
import type { Capability, ReplyFacts, StatusCode } from '../core/schema.js';
import type { Transcript } from '../core/transcript.js';
import { dotStuff, toCrlf } from './dot-stuff.js';
import { hasCapability, parseEhlo } from './ehlo.js';
import { SmtpSession } from './session.js';
import type { Unread } from '../net/line-reader.js';
import { TLS_NORMAL } from '../tls/profiles.js';

export interface SmtpClientDeps {
  connector: Connector;
  transcript: Transcript;
  clock: Clock;
  limits: Limits;
  signal?: AbortSignal;
  /** The largest message data() or bdat() will send, before dot-stuffing (default 10 MiB). */
  maxMessageBytes?: number;
}

export interface SmtpEndpoint {
  /** An IP address: host names never reach the socket layer. */
  address: string;
  port: number;
  /** The SNI to send in TLS handshakes (null: none), unless a handshake is told otherwise. */
  serverName: string | null;
  /** Label for transcript events, e.g. "mx1.example.com[192.0.2.1]:25/main". */
  conn: string;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** What an accepted EHLO or HELO established: kept through a mail transaction, forgotten on STARTTLS. */
export interface Introduction {
  /** null: no hello was accepted, and a probe went on anyway (mail() with afterRefusedHello). */
  greeting: 'EHLO' | 'HELO' | null;
  /** From a complete 250 reply to EHLO; none after HELO. */
  capabilities: readonly Capability[];
  /** The name on the first line of the EHLO reply, when it looks like one. */
  ehloName: string | null;
}

export type ClientState =
  /** TCP is up (maybe TLS too, for implicit TLS); the banner is not read yet. */
  | { phase: 'connected' }
  /** A 220 banner: say hello next. */
  | { phase: 'greeted'; banner: ReplyFacts }
  /** Any other banner (554, 421 …): only QUIT is left (RFC 5321 §3.1). */
  | { phase: 'refused'; banner: ReplyFacts }
  | { phase: 'ready'; hello: Introduction }
  /** TLS is up after STARTTLS: all that was learned in clear is gone; say hello again (RFC 3207 §4.2). */
  | { phase: 'tls-started' }
  /** MAIL FROM was accepted. */
  | { phase: 'mail'; hello: Introduction }
  /** At least one RCPT TO was accepted. */
  | { phase: 'rcpt'; hello: Introduction; accepted: number }
  /** After the 354 to DATA, until the final reply to the message. */
  | { phase: 'data'; hello: Introduction }
  /** A reply timed out or was malformed, the connection dropped, or a handshake failed: nothing more is sent, not even QUIT. */
  | { phase: 'broken'; code: StatusCode; reason: string }
  | { phase: 'closed' };

export type Phase = ClientState['phase'];

/** One command and its reply (or the greeting, or a handshake), timed on the injected clock. */
export interface Step {
  kind: 'greeting' | 'command' | 'message' | 'tls';
  /** As the transcript shows it: secrets redacted, message data summarised. */
  command: string;
  /** The reply's code; null for a handshake and when no reply came. */
  code: number | null;
  /** From sending (or starting to wait) to the last line of the reply or the end of the handshake. */
  ms: number;
  /** Why the step failed (then the client is broken, unless it was closed meanwhile); null when it did not. */
  error: StatusCode | null;
}

export interface Hello {
  /** 'EHLO' accepted, 'HELO' after a 500/502 to EHLO, or null when refused. */
  greeting: 'EHLO' | 'HELO' | null;
  ehlo: ReplyFacts;
  helo: ReplyFacts | null;
  capabilities: readonly Capability[];
  ehloName: string | null;
}

/** How to run one handshake; by default the endpoint's server name as SNI and our normal settings. */
export interface TlsChoice {
  servername?: string | null;
  profile?: TlsOptions['profile'];
  /** Present this client certificate when the server asks for one. */
  clientCertificate?: ClientCertificate | null;
}

export interface StartTlsOptions extends TlsChoice {
  /** Send STARTTLS even when it was not advertised (probes: masked capabilities, lying servers). */
  force?: boolean;
  /** Called with the reply to STARTTLS before any handshake (a probe marks where its TLS phase begins). */
  onReply?: (reply: ReplyFacts) => void;
}

export interface StartTlsResult {
  reply: ReplyFacts;
  /** Null when the reply was not 220 (the dialogue goes on in clear). */
  handshake: TlsHandshake | null;
  /** Bytes the server sent after its 220 and before the handshake: dropped, never read as replies (a count and a sample). */
  injected: Unread;
}

/** SASL mechanisms auth() speaks; with XOAUTH2 the secret is an OAuth 2.0 access token. */
export type AuthMechanism = 'PLAIN' | 'LOGIN' | 'CRAM-MD5' | 'XOAUTH2';

/** What a pipelined envelope got: MAIL's reply, each RCPT's, and DATA's (null: DATA was not sent). */
export interface PipelinedEnvelope {
  mail: ReplyFacts;
  rcpts: ReplyFacts[];
  data: ReplyFacts | null;
}

/** What authProbe() saw: the reply to AUTH LOGIN, and to the "*" that cancelled it (null: no 334 came, nothing more was sent). */
export interface AuthProbe {
  login: ReplyFacts;
  cancel: ReplyFacts | null;
}

/** Phases in which the dialogue is live and in step. */
const TALKING = ['greeted', 'ready', 'tls-started', 'mail', 'rcpt'] as const;

/**
 * The one gate: which method may be called in which phase. Anything else is our own bug
 * (internal-error). The gate hands each method the state it checked, typed by this table.
 * quit() and close() are allowed in every phase.
 */
export const VERB_PHASES = {
  tlsOnConnect: ['connected'],
  greeting: ['connected'],
  hello: ['greeted', 'ready', 'tls-started'],
  starttls: ['ready'],
  auth: ['ready'],
  /** AUTH LOGIN cancelled at its first challenge: what a server does with a login, without one. */
  authProbe: ['ready'],
  mail: ['ready'],
  /** A probe's MAIL after its hello was refused: the server's answer is what it wants to see. */
  mailAnyway: ['greeted', 'ready', 'tls-started'],
  rcpt: ['mail', 'rcpt'],
  data: ['rcpt'],
  /** MAIL, every RCPT and DATA in one write (PIPELINING advertised): after a 354 the message follows with message(). */
  pipeline: ['ready'],
  /** The message after a pipelined DATA got its 354. */
  message: ['data'],
  /** The message, and in the same write the next message's MAIL, RCPT and DATA (PIPELINING advertised). */
  messageThenPipeline: ['data'],
  /** DATA up to its reply only (enforce): after a 354 the connection is dropped, never the data sent. */
  dataStart: ['rcpt'],
  bdat: ['rcpt'],
  rset: TALKING,
  noop: TALKING,
  command: TALKING,
} as const satisfies Record<string, readonly Phase[]>;

export type Verb = keyof typeof VERB_PHASES;

/** The states a verb may be used in. */
type StateFor<V extends Verb> = Extract<ClientState, { phase: (typeof VERB_PHASES)[V][number] }>;

/** Verbs that change the dialogue's state: only their own method sends them, never command(). */
const STATEFUL_VERBS = new Set(['EHLO', 'HELO', 'STARTTLS', 'AUTH', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'RSET', 'QUIT']);

function internal(message: string): MxrayError {
  return new MxrayError('internal-error', message);
}

function hasControlOrSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** A mailbox for MAIL FROM (may be empty: the null reverse-path) or RCPT TO. */
function checkAddress(address: string, what: string, mayBeEmpty: boolean): void {
  if (hasControlOrSpace(address) || /[<>]/.test(address)) {
    throw new MxrayError('invalid-input', `${what} contains a control character, a space, < or >: ${JSON.stringify(address)}`);
  }
  if (!address && !mayBeEmpty) throw new MxrayError('invalid-input', `${what} is empty`);
}

/** ESMTP parameters (RFC 5321 §4.1.2): keyword or keyword=value, no spaces or control characters. */
function checkParams(params: readonly string[]): void {
  for (const p of params) {
    if (hasControlOrSpace(p) || !/^[A-Za-z0-9][A-Za-z0-9-]*(=[^=]+)?$/.test(p)) {
      throw new MxrayError('invalid-input', `not an ESMTP parameter: ${JSON.stringify(p)}`);
    }
  }
}

function withParams(command: string, params: readonly string[]): string {
  return [command, ...params].join(' ');
}

/** MAIL FROM, every RCPT TO and DATA, as one pipelined group sends them. */
function envelopeLines(from: string, mailParams: readonly string[], rcpts: readonly string[], rcptParams: readonly string[]): string[] {
  return [withParams(`MAIL FROM:<${from}>`, mailParams), ...rcpts.map((to) => withParams(`RCPT TO:<${to}>`, rcptParams)), 'DATA'];
}

function positive(reply: ReplyFacts): boolean {
  return reply.code >= 200 && reply.code < 300;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function statusOf(err: unknown): StatusCode {
  return statusOfError(err).status;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Connects, recording it in the transcript. Rejects with MxrayError (connection-refused, connection-timeout …). */
export async function openSmtp(deps: SmtpClientDeps, endpoint: SmtpEndpoint): Promise<SmtpClient> {
  const { clock, transcript } = deps;
  const started = clock.monotonic();
  transcript.record(endpoint.conn, 'connect', `connecting to ${endpoint.address} port ${endpoint.port}`);
  let connection: Connection;
  try {
    connection = await deps.connector.connect({
      address: endpoint.address,
      port: endpoint.port,
      timeoutMs: deps.limits.connectTimeoutMs,
      signal: deps.signal,
    });
  } catch (err) {
    transcript.record(endpoint.conn, 'error', messageOf(err));
    throw err instanceof MxrayError ? err : internal(`connector failed: ${messageOf(err)}`);
  }
  const connectMs = round(clock.monotonic() - started);
  transcript.record(endpoint.conn, 'connect', `connected from ${connection.localAddress ?? '?'} in ${connectMs} ms`);
  return new SmtpClient(connection, deps, endpoint, connectMs);
}

export class SmtpClient {
  readonly steps: Step[] = [];
  readonly localAddress: string | null;
  private current: ClientState = { phase: 'connected' };
  /** The method awaiting its reply: a second call meanwhile would steal that reply. */
  private inFlight: Verb | null = null;
  private readonly session: SmtpSession;

  /** Use openSmtp(); this is for a connection made elsewhere. */
  constructor(
    private readonly connection: Connection,
    private readonly deps: SmtpClientDeps,
    readonly endpoint: SmtpEndpoint,
    readonly connectMs: number,
  ) {
    this.localAddress = connection.localAddress;
    this.session = new SmtpSession(connection, deps.transcript, endpoint.conn, deps.limits, deps.clock, deps.signal);
  }

  get state(): ClientState {
    return this.current;
  }

  /** True once a handshake succeeded (implicit TLS or STARTTLS). The session holds it; nothing else does. */
  get secure(): boolean {
    return this.session.isSecure;
  }

  /** What the last accepted EHLO advertised; none before it, after HELO, and after STARTTLS until EHLO again. */
  get capabilities(): readonly Capability[] {
    return 'hello' in this.current ? this.current.hello.capabilities : [];
  }

  /** How many bytes came after the 220 to STARTTLS (also when the handshake then failed). */
  get injectedBytes(): number {
    return this.session.injectedBytes;
  }

  /** The first of them (at most UNREAD_SAMPLE_BYTES). */
  get injectedSample(): Buffer {
    return this.session.injectedSample;
  }

  /** Implicit TLS (port 465): the handshake comes before the banner. */
  tlsOnConnect(choice: TlsChoice = {}): Promise<TlsHandshake> {
    return this.run('tlsOnConnect', async () => {
      if (this.secure) throw internal('TLS is already on');
      return (await this.handshake(choice, false)).handshake;
    });
  }

  /** Reads the banner (greeting time-out). A 220 leads to 'greeted', anything else to 'refused'. */
  greeting(): Promise<ReplyFacts> {
    return this.run('greeting', async () => {
      const banner = await this.timed('greeting', '(greeting)', () => this.session.readReply('greeting'), (r) => r.code);
      this.move(banner.code === 220 ? { phase: 'greeted', banner } : { phase: 'refused', banner });
      return banner;
    });
  }

  /** EHLO; only a 500/502 (no ESMTP) earns a HELO: 421, 550, 554 … are refusals and change nothing. */
  hello(name: string, options: { heloFallback?: boolean } = {}): Promise<Hello> {
    return this.run('hello', async () => {
      if (!name || hasControlOrSpace(name)) throw new MxrayError('invalid-input', `not a name to say hello with: ${JSON.stringify(name)}`);
      const ehlo = await this.send(`EHLO ${name}`);
      if (ehlo.code === 250) {
        const parsed = parseEhlo(ehlo);
        for (const w of parsed.warnings) this.deps.transcript.record(this.endpoint.conn, 'note', w);
        this.move({ phase: 'ready', hello: { greeting: 'EHLO', capabilities: parsed.capabilities, ehloName: parsed.name } });
        return { greeting: 'EHLO', ehlo, helo: null, capabilities: parsed.capabilities, ehloName: parsed.name };
      }
      const refused: Hello = { greeting: null, ehlo, helo: null, capabilities: [], ehloName: null };
      // Inside TLS a probe asks EHLO only (heloFallback false): the answer itself is the finding.
      if ((ehlo.code !== 500 && ehlo.code !== 502) || options.heloFallback === false) return refused;
      const helo = await this.send(`HELO ${name}`);
      if (helo.code !== 250) return { ...refused, helo };
      this.move({ phase: 'ready', hello: { greeting: 'HELO', capabilities: [], ehloName: null } });
      return { greeting: 'HELO', ehlo, helo, capabilities: [], ehloName: null };
    });
  }

  /**
   * STARTTLS, and the handshake on a 220. Unread bytes are dropped (and returned), capabilities
   * forgotten, and hello() is required again. A failed handshake rejects (TlsHandshakeError) and
   * breaks the client. Only when STARTTLS was advertised, unless forced.
   */
  starttls(options: StartTlsOptions = {}): Promise<StartTlsResult> {
    return this.run('starttls', async () => {
      if (this.secure) throw internal('STARTTLS inside TLS');
      if (!options.force && !hasCapability(this.capabilities, 'STARTTLS')) throw internal('STARTTLS was not advertised (force to send it anyway)');
      const reply = await this.send('STARTTLS');
      options.onReply?.(reply);
      if (reply.code !== 220) return { reply, handshake: null, injected: { bytes: 0, sample: Buffer.alloc(0) } };
      const result = await this.handshake(options, true);
      this.move({ phase: 'tls-started' });
      return { reply, ...result };
    });
  }

  /**
   * AUTH with the credentials kept out of the transcript and the steps. Before TLS only with
   * allowCleartext (the send job's explicit "cleartext" mode).
   */
  auth(mechanism: AuthMechanism, user: string, password: string, options: { allowCleartext?: boolean } = {}): Promise<ReplyFacts> {
    return this.run('auth', async () => {
      if (!this.secure && !options.allowCleartext) throw internal('refusing to send credentials before TLS (allowCleartext to do it anyway)');
      // NUL separates the fields of PLAIN (RFC 4616).
      if (user.includes('\0') || password.includes('\0')) throw new MxrayError('invalid-input', 'a user name or password containing NUL');
      if (mechanism === 'XOAUTH2') {
        // RFC 7628-style bearer token (Google's and Microsoft's XOAUTH2): user and token in one line.
        if (hasControlOrSpace(user) || hasControlOrSpace(password)) throw new MxrayError('invalid-input', 'a user name or token containing a control character');
        const initial = base64(`user=${user}\x01auth=Bearer ${password}\x01\x01`);
        const reply = await this.sendHidden(`AUTH XOAUTH2 ${initial}\r\n`, ['AUTH XOAUTH2 <redacted>'], 'command', 'AUTH');
        // A 334 carries the error (base64 JSON); an empty line asks for the final reply.
        return reply.code === 334 ? this.send('') : reply;
      }
      if (mechanism === 'CRAM-MD5') {
        const start = await this.send('AUTH CRAM-MD5');
        if (start.code !== 334) return start;
        const challenge = Buffer.from(start.lines[0] ?? '', 'base64');
        const digest = createHmac('md5', Buffer.from(password, 'utf8')).update(challenge).digest('hex');
        return this.sendHidden(`${base64(`${user} ${digest}`)}\r\n`, ['<redacted>'], 'command', 'AUTH');
      }
      if (mechanism === 'PLAIN') {
        const reply = await this.sendHidden(`AUTH PLAIN ${base64(`\0${user}\0${password}`)}\r\n`, ['AUTH PLAIN <redacted>'], 'command', 'AUTH');
        // A 334 would ask for what was already sent: cancel the exchange (RFC 4954 §4) rather than guess.
        return reply.code === 334 ? this.send('*') : reply;
      }
      const start = await this.send('AUTH LOGIN');
      if (start.code !== 334) return start;
      const afterUser = await this.sendHidden(`${base64(user)}\r\n`, ['<redacted>'], 'command', 'AUTH');
      if (afterUser.code !== 334) return afterUser;
      return this.sendHidden(`${base64(password)}\r\n`, ['<redacted>'], 'command', 'AUTH');
    });
  }

  /**
   * AUTH LOGIN, and at the first 334 challenge "*", which cancels the exchange (RFC 4954 §4): no user
   * name and no password is ever sent, so a probe can never lock an account or earn a ban. Tells
   * whether the server would take a login here (a 334) or refuses it (e.g. 530/538 before TLS).
   */
  authProbe(): Promise<AuthProbe> {
    return this.run('authProbe', async () => {
      const login = await this.send('AUTH LOGIN');
      if (login.code !== 334) return { login, cancel: null };
      return { login, cancel: await this.send('*') };
    });
  }

  /**
   * MAIL FROM:<from> (empty: the null reverse-path). A 2xx starts the transaction. With
   * afterRefusedHello a probe may send it after its EHLO was refused (out of sequence on purpose).
   */
  mail(from: string, params: readonly string[] = [], options: { afterRefusedHello?: boolean } = {}): Promise<ReplyFacts> {
    const go = async (state: ClientState) => {
      checkAddress(from, 'MAIL FROM address', true);
      checkParams(params);
      const reply = await this.send(withParams(`MAIL FROM:<${from}>`, params));
      const hello: Introduction = state.phase === 'ready' ? state.hello : { greeting: null, capabilities: [], ehloName: null };
      if (positive(reply)) this.move({ phase: 'mail', hello });
      return reply;
    };
    return options.afterRefusedHello ? this.run('mailAnyway', go) : this.run('mail', go);
  }

  /** RCPT TO:<to>. Each 2xx counts one accepted recipient; a refusal changes nothing. */
  rcpt(to: string, params: readonly string[] = []): Promise<ReplyFacts> {
    return this.run('rcpt', async (before) => {
      checkAddress(to, 'RCPT TO address', false);
      checkParams(params);
      const reply = await this.send(withParams(`RCPT TO:<${to}>`, params));
      const accepted = before.phase === 'rcpt' ? before.accepted : 0;
      if (positive(reply)) this.move({ phase: 'rcpt', hello: before.hello, accepted: accepted + 1 });
      return reply;
    });
  }

  /**
   * DATA, and on 354 the dot-stuffed message with CRLF line ends, then the final reply. Without a
   * 354 the transaction stays open (rset() ends it); after the final reply it is over either way.
   */
  data(message: Buffer | string): Promise<ReplyFacts> {
    return this.run('data', async ({ hello }) => {
      const wire = dotStuff(this.messageBytes(message));
      const go = await this.send('DATA');
      if (go.code !== 354) return go;
      this.move({ phase: 'data', hello });
      const shown = `(message data: ${wire.length} bytes, ending with CRLF.CRLF)`;
      const reply = await this.sendHidden(wire, [shown], 'message', 'end of data');
      // RFC 5321 §4.1.1.4: the end of the data clears the transaction, accepted or not.
      this.move({ phase: 'ready', hello });
      return reply;
    });
  }

  /**
   * PIPELINING (RFC 2920): MAIL FROM, every RCPT TO and DATA in one write, then their replies in
   * order. On a 354 with at least one recipient accepted the client is in phase 'data' and
   * message() sends the message; a 354 with every recipient refused gets the lone "." RFC 2920 §3.1
   * asks for (nothing is delivered). Only when PIPELINING was advertised.
   */
  pipeline(from: string, mailParams: readonly string[], rcpts: readonly string[], rcptParams: readonly string[] = []): Promise<PipelinedEnvelope> {
    return this.run('pipeline', async ({ hello }) => {
      if (!hasCapability(hello.capabilities, 'PIPELINING')) throw internal('pipeline() without PIPELINING advertised');
      checkAddress(from, 'MAIL FROM address', true);
      checkParams(mailParams);
      checkParams(rcptParams);
      for (const to of rcpts) checkAddress(to, 'RCPT TO address', false);
      if (rcpts.length === 0) throw internal('pipeline() without a recipient');
      const lines = envelopeLines(from, mailParams, rcpts, rcptParams);
      const replies = await this.timed('command', lines.join(' | '), () => this.session.commands(lines), (r) => r.at(-1)?.code ?? null);
      return this.envelopeAnswered(hello, replies, rcpts.length);
    });
  }

  /** What a pipelined envelope's replies make of the transaction (RFC 2920 §3.1: a 354 with every recipient refused gets a lone "."). */
  private async envelopeAnswered(hello: Introduction, replies: readonly ReplyFacts[], count: number): Promise<PipelinedEnvelope> {
    const mail = replies[0] as ReplyFacts;
    const rcptReplies = replies.slice(1, 1 + count);
    const data = replies[1 + count] as ReplyFacts;
    const accepted = positive(mail) ? rcptReplies.filter(positive).length : 0;
    if (data.code === 354 && accepted === 0) {
      await this.sendHidden('.\r\n', ['.'], 'message', 'end of data');
      return { mail, rcpts: rcptReplies, data };
    }
    if (data.code === 354) this.move({ phase: 'data', hello });
    else if (accepted > 0) this.move({ phase: 'rcpt', hello, accepted });
    else if (positive(mail)) this.move({ phase: 'mail', hello });
    return { mail, rcpts: rcptReplies, data };
  }

  /**
   * PIPELINING (RFC 2920 §3.1: message content may be the first "command" of a group): the message
   * after a 354, and in the same write the next message's MAIL FROM, every RCPT TO and DATA. Then the
   * final reply to the message (the transaction is over either way), and the next envelope's replies,
   * which leave the client as pipeline() would. Only when PIPELINING was advertised.
   */
  messageThenPipeline(
    message: Buffer | string,
    next: { from: string; mailParams: readonly string[]; rcpts: readonly string[] },
  ): Promise<{ reply: ReplyFacts; next: PipelinedEnvelope | null; nextFailure: unknown }> {
    return this.run('messageThenPipeline', async ({ hello }) => {
      if (!hasCapability(hello.capabilities, 'PIPELINING')) throw internal('messageThenPipeline() without PIPELINING advertised');
      checkAddress(next.from, 'MAIL FROM address', true);
      checkParams(next.mailParams);
      for (const to of next.rcpts) checkAddress(to, 'RCPT TO address', false);
      if (next.rcpts.length === 0) throw internal('messageThenPipeline() without a recipient');
      const wire = dotStuff(this.messageBytes(message));
      const lines = envelopeLines(next.from, next.mailParams, next.rcpts, []);
      const envelope = Buffer.from(lines.map((l) => `${l}\r\n`).join(''));
      const shown = `(message data: ${wire.length} bytes, ending with CRLF.CRLF)`;
      const reply = await this.timed(
        'message',
        shown,
        () => {
          const { transcript } = this.deps;
          transcript.record(this.endpoint.conn, 'send', shown);
          for (const l of lines) transcript.record(this.endpoint.conn, 'send', l);
          this.connection.stream.write(Buffer.concat([wire, envelope], wire.length + envelope.length));
          return this.session.readReply('command', 'end of data');
        },
        (r) => r.code,
      );
      // RFC 5321 §4.1.1.4: the end of the data clears the transaction, accepted or not.
      this.move({ phase: 'ready', hello });
      // The message's reply stands even when the next envelope's replies then fail (the client is broken then).
      try {
        const replies = await this.timed(
          'command',
          lines.join(' | '),
          async () => {
            const got: ReplyFacts[] = [];
            for (const l of lines) got.push(await this.session.readReply('command', (l.split(' ')[0] as string).toUpperCase()));
            return got;
          },
          (r) => r.at(-1)?.code ?? null,
        );
        return { reply, next: await this.envelopeAnswered(hello, replies, next.rcpts.length), nextFailure: null };
      } catch (err) {
        return { reply, next: null, nextFailure: err };
      }
    });
  }

  /** The message after a pipelined DATA's 354: dot-stuffed, CRLF line ends, the final dot, and the final reply. */
  message(message: Buffer | string): Promise<ReplyFacts> {
    return this.run('message', async ({ hello }) => {
      const wire = dotStuff(this.messageBytes(message));
      const reply = await this.sendHidden(wire, [`(message data: ${wire.length} bytes, ending with CRLF.CRLF)`], 'message', 'end of data');
      this.move({ phase: 'ready', hello });
      return reply;
    });
  }

  /**
   * DATA and its reply, nothing more. On a 354 the client is in phase 'data' and the only way on is
   * quit() or close(), which drop the connection without the final dot: the server discards the
   * transaction and nothing is delivered (`mxray enforce --through-data`). Anything else leaves the
   * transaction as it was.
   */
  dataStart(): Promise<ReplyFacts> {
    return this.run('dataStart', async ({ hello }) => {
      const go = await this.send('DATA');
      if (go.code === 354) this.move({ phase: 'data', hello });
      return go;
    });
  }

  /**
   * The whole message as one "BDAT <size> LAST" chunk (RFC 3030), line ends as CRLF and no
   * dot-stuffing; only when CHUNKING was advertised. A refused chunk leaves the transaction open.
   */
  bdat(message: Buffer | string): Promise<ReplyFacts> {
    return this.run('bdat', async ({ hello }) => {
      if (!hasCapability(hello.capabilities, 'CHUNKING')) throw internal('BDAT without CHUNKING advertised');
      const chunk = toCrlf(this.messageBytes(message));
      const line = `BDAT ${chunk.length} LAST`;
      // The chunk follows its command at once: the server answers only after the last byte.
      const wire = Buffer.concat([Buffer.from(`${line}\r\n`, 'latin1'), chunk]);
      const reply = await this.sendHidden(wire, [line, `(message data: ${chunk.length} bytes)`], 'message', 'BDAT');
      if (positive(reply)) this.move({ phase: 'ready', hello });
      return reply;
    });
  }

  /** RSET: a 250 ends any mail transaction. */
  rset(): Promise<ReplyFacts> {
    return this.run('rset', async (s) => {
      const reply = await this.send('RSET');
      if (reply.code === 250 && (s.phase === 'mail' || s.phase === 'rcpt')) this.move({ phase: 'ready', hello: s.hello });
      return reply;
    });
  }

  noop(): Promise<ReplyFacts> {
    return this.run('noop', () => this.send('NOOP'));
  }

  /**
   * Any other command line (VRFY, HELP, a vendor's X-command …), for probes. Verbs that change the
   * dialogue's state are refused: they have their own methods.
   */
  command(line: string): Promise<ReplyFacts> {
    return this.run('command', async () => {
      if (/[\r\n]/.test(line) || line.includes('\0')) throw new MxrayError('invalid-input', `a command line with CR, LF or NUL: ${JSON.stringify(line)}`);
      const verb = (line.trimStart().split(/[\s:]/, 1)[0] ?? '').toUpperCase();
      if (STATEFUL_VERBS.has(verb)) throw internal(`${verb} has its own method`);
      return this.send(line);
    });
  }

  /**
   * QUIT politely when the dialogue is in step, then close. Never throws. Inside message data (after
   * a 354) nothing is sent: a QUIT there would be message text, and the final dot would deliver it;
   * the connection is dropped and the server discards the transaction.
   */
  async quit(): Promise<void> {
    const phase = this.current.phase;
    if (phase === 'closed') return;
    this.current = { phase: 'closed' };
    // Before the banner there is no dialogue to end; after a break, a QUIT would meet a stale reply.
    if (phase === 'connected' || phase === 'broken' || phase === 'data') {
      this.session.close();
      return;
    }
    try {
      await this.session.quit();
    } catch {
      this.session.close();
    }
  }

  close(): void {
    this.current = { phase: 'closed' };
    this.session.close();
  }

  // ---- the machinery

  /** The gate: one call at a time, and only in a phase the table allows. */
  private run<V extends Verb, T>(verb: V, fn: (state: StateFor<V>) => Promise<T>): Promise<T> {
    if (this.inFlight) return Promise.reject(internal(`${verb}() while ${this.inFlight}() awaits its reply`));
    const allowed: readonly Phase[] = VERB_PHASES[verb];
    if (!allowed.includes(this.current.phase)) return Promise.reject(internal(`${verb}() in phase ${this.current.phase}`));
    this.inFlight = verb;
    return fn(this.current as StateFor<V>).finally(() => {
      this.inFlight = null;
    });
  }

  /** A transition after a reply; a client broken or closed meanwhile stays so. */
  private move(next: ClientState): void {
    if (this.current.phase !== 'broken' && this.current.phase !== 'closed') this.current = next;
  }

  /** Runs one step, times it, and breaks the client when the session broke under it. */
  private async timed<T>(kind: Step['kind'], command: string, fn: () => Promise<T>, codeOf: (value: T) => number | null): Promise<T> {
    const { clock } = this.deps;
    const started = clock.monotonic();
    try {
      const value = await fn();
      this.steps.push({ kind, command, code: codeOf(value), ms: round(clock.monotonic() - started), error: null });
      return value;
    } catch (err) {
      const code = statusOf(err);
      this.steps.push({ kind, command, code: null, ms: round(clock.monotonic() - started), error: code });
      // A time-out, a malformed reply, a dropped connection or a failed handshake: stop talking.
      if (this.session.phase === 'broken' && this.current.phase !== 'closed') this.current = { phase: 'broken', code, reason: messageOf(err) };
      throw err;
    }
  }

  /** One command line through the session (which records it) and its reply. */
  private send(line: string): Promise<ReplyFacts> {
    return this.timed('command', line, () => this.session.command(line), (r) => r.code);
  }

  /**
   * Bytes the session must not show (credentials) or cannot send as one line (message data):
   * written here with `shown` in the transcript instead, then the reply read by the session.
   */
  private sendHidden(bytes: Buffer | string, shown: readonly string[], kind: Step['kind'], label: string): Promise<ReplyFacts> {
    return this.timed(
      kind,
      shown.join(' '),
      () => {
        for (const text of shown) this.deps.transcript.record(this.endpoint.conn, 'send', text);
        // The connection's stream is the TLS one after a handshake: read it at each write.
        this.connection.stream.write(bytes);
        return this.session.readReply('command', label);
      },
      (r) => r.code,
    );
  }

  /** The handshake; `afterReply`: after a 220 to STARTTLS (what came after that reply is injected). */
  private async handshake(choice: TlsChoice, afterReply: boolean): Promise<{ handshake: TlsHandshake; injected: Unread }> {
    const options: TlsOptions = {
      servername: choice.servername === undefined ? this.endpoint.serverName : choice.servername,
      profile: choice.profile ?? TLS_NORMAL,
      ...(choice.clientCertificate ? { clientCertificate: choice.clientCertificate } : {}),
      timeoutMs: this.deps.limits.tlsTimeoutMs,
      signal: this.deps.signal,
    };
    const { transcript } = this.deps;
    const conn = this.endpoint.conn;
    try {
      const result = await this.timed('tls', `TLS handshake (${options.profile.name})`, () => this.session.startTls(options, afterReply), () => null);
      const h = result.handshake;
      transcript.record(conn, 'tls', `TLS established: ${[h.protocol, h.cipher, h.group].filter(Boolean).join(' ')}`);
      return result;
    } catch (err) {
      transcript.record(conn, 'error', `TLS handshake failed: ${messageOf(err)}`);
      throw err;
    }
  }

  private messageBytes(message: Buffer | string): Buffer {
    const bytes = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    const max = this.deps.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (bytes.length > max) throw new MxrayError('invalid-input', `a message of ${bytes.length} bytes is larger than the ${max} allowed`);
    return bytes;
  }
}
