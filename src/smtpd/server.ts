// The one wrapper around smtp-server (nodemailer): an SMTP server that listens on a given
// address (loopback and an OS-chosen port by default), offers STARTTLS with given certificates,
// never offers AUTH, and drains, refuses or collects (with a byte cap) what it is sent.
// Used by the demo lab, the sender test and test fixtures.
//
// It always installs an `error` listener: smtp-server emits client errors (a failed STARTTLS
// handshake, garbage instead of a ClientHello) as `error` events on the server, and an
// EventEmitter without a listener throws them, which would end the whole process.
import { once } from 'node:events';
import tls from 'node:tls';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { tapStartTls } from './tls-tap.js';

type SecureVersion = NonNullable<SMTPServerOptions['minVersion']>;
type NetSocket = Parameters<SMTPServer['connect']>[0];
type AddressInfo = Extract<ReturnType<SMTPServer['server']['address']>, object>;

/**
 * A reply to a command. Codes below 400 are sent as 250 with this text (smtp-server's only success
 * reply). smtp-server adds an enhanced status code for the reply code when enhanced codes are on
 * (550 → 5.1.1, whatever the reason); a text that starts with its own ("5.7.1 Relay access denied")
 * goes out with that one instead. The `refuse` reply goes out exactly as given.
 */
export interface SmtpdReply {
  code: number;
  text: string;
}

/** A certificate and its private key, PEM. */
export interface SmtpdCertificate {
  key: string;
  /** Leaf first, then the chain certificates to send. */
  cert: string;
}

export interface SmtpdTls extends SmtpdCertificate {
  /** OpenSSL cipher list (TLS 1.2 and below). */
  ciphers?: string;
  /** Lowest protocol accepted (default: smtp-server's, TLSv1). */
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /**
   * Certificates presented only to clients that ask for one of these names with SNI (compared
   * without regard to case); every other client gets the default certificate. The protocol range
   * and ciphers above apply to all of them.
   */
  sni?: readonly (SmtpdCertificate & { name: string })[];
}

/** What was negotiated on one session's STARTTLS. */
export interface SmtpdTlsInfo {
  /** "TLSv1.3", "TLSv1.2" … */
  protocol: string | null;
  /** OpenSSL cipher name. */
  cipher: string | null;
  /** The cipher's IANA name ("TLS_AES_256_GCM_SHA384"), or null. */
  cipherStandard: string | null;
  /** The SNI the client sent, or null. */
  servername: string | null;
  /** The client's certificates, leaf first, DER (at most 10); empty when none was asked for or sent. */
  peerChain: Buffer[];
  /** OpenSSL's verdict on the client's chain (Node's `authorizationError`), null when it verified or none was sent. */
  authorizationError: string | null;
}

/** How a session ended. */
export type SmtpdSessionEnd =
  /** The client sent QUIT. */
  | 'quit'
  /** The client closed the connection (or it broke) without QUIT. */
  | 'disconnect'
  /** The client was idle past `socketTimeoutMs`. */
  | 'timeout'
  /** A limit of this wrapper ended it: `maxCommands` or `maxSessionMs`. */
  | 'limit'
  /** `onConnect` or `refuse` refused it. */
  | 'refused'
  /** `stop()` was called. */
  | 'server-stopped';

/** One line of the dialogue, as it went over the wire (a client's AUTH credentials replaced by "<redacted>"). */
export interface SmtpdTranscriptLine {
  direction: 'client' | 'server';
  text: string;
}

/** What to watch of one STARTTLS handshake's raw bytes (smtpd/tls-tap.ts). */
export interface SmtpdTlsObserver {
  client(bytes: Buffer): void;
  server(bytes: Buffer): void;
}

/** What the server knows of one connection. */
export interface SmtpdSession {
  /** smtp-server's random id for the connection. */
  id: string;
  remoteAddress: string;
  remotePort: number;
  /** The name the client gave with EHLO or HELO (in the current TLS state), or null. */
  helo: string | null;
  /** The command that gave it. */
  heloCommand: 'EHLO' | 'HELO' | 'LHLO' | null;
  /** The TLS session, or null while in clear. */
  tls: SmtpdTlsInfo | null;
}

/** One message received in full (its DATA ended with the final dot). */
export interface SmtpdMessage {
  session: SmtpdSession;
  envelope: {
    /** The MAIL FROM address ("" for the null sender). */
    mailFrom: string;
    /** MAIL FROM's parameters as smtp-server read them (keys in upper case; a parameter without a value is `true`). */
    mailParams: Record<string, string | boolean>;
    rcptTo: string[];
  };
  /** The message as received (dot-unstuffed, CRLF line endings), at most `maxBytes` of it. */
  bytes: Buffer;
  /** How many bytes the message had in all. */
  size: number;
  /** True when the message was longer than `maxBytes` (and `bytes` holds only the start of it). */
  truncated: boolean;
  /** Whether any octet of the whole message (not only the part kept) is 8-bit (0x80 or above). */
  eightBit: boolean;
}

/** What happens to message data. */
export type SmtpdData =
  /** Read and thrown away; then `reply` (default 250). */
  | { action: 'discard'; reply?: SmtpdReply }
  /**
   * Kept up to `maxBytes` and handed to `onMessage`, whose reply is the answer to DATA. Without
   * one: 250, or 552 when the message was longer than `maxBytes`. If `onMessage` throws, 451
   * (and the error goes to `onError`).
   */
  | {
      action: 'collect';
      maxBytes: number;
      onMessage(message: SmtpdMessage): SmtpdReply | undefined | void | Promise<SmtpdReply | undefined | void>;
    };

export interface SmtpdOptions {
  /** Address to listen on (default 127.0.0.1). */
  address?: string;
  /** Port to listen on (default 0: chosen by the OS). */
  port?: number;
  /** The server's name in the banner and the EHLO reply. */
  name: string;
  /** Text after "220 <name> ESMTP" in the banner. */
  banner?: string;
  /** Certificate and settings for STARTTLS; absent or null: no STARTTLS at all. */
  tls?: SmtpdTls | null;
  /** STARTTLS works but is not listed in the EHLO reply. */
  hideStartTls?: boolean;
  /** List ENHANCEDSTATUSCODES and put enhanced codes in replies (default true). */
  enhancedStatusCodes?: boolean;
  /** The SIZE announced in EHLO; MAIL FROM with a larger SIZE= is refused (default 10 MiB). */
  maxMessageBytes?: number;
  /** Idle time before a session is closed (default smtp-server's, 60 s). */
  socketTimeoutMs?: number;
  /**
   * smtp-server waits 100 ms before the greeting to catch clients that talk first. Real MTAs greet
   * at once (a tarpit aside), so by default this server does too.
   */
  greetAtOnce?: boolean;
  /** Answer every connection with this reply instead of a 220 greeting, then close. */
  refuse?: SmtpdReply;
  /** 530 to MAIL FROM sent in clear. */
  requireTls?: boolean;
  /**
   * Ask every STARTTLS client for a certificate, without requiring one (an empty CA list, so a
   * client offers whatever it has): its chain is in the session's `tls.peerChain`.
   */
  requestClientCertificate?: boolean;
  /** Most connections at once (smtp-server's maxClients: 421 to the others). */
  maxConnections?: number;
  /** Most commands in one session: the next one gets 421 and the connection closes. */
  maxCommands?: number;
  /** Longest session: then 421 and the connection closes. */
  maxSessionMs?: number;
  /** Decides on a new connection: a reply refuses it (then it closes), nothing accepts it. Runs before `refuse`. */
  onConnect?(session: SmtpdSession): SmtpdReply | undefined | void;
  /** Decides on MAIL FROM (after `requireTls`): a reply of 400 or more refuses it. */
  onMailFrom?(address: string, params: Record<string, string | boolean>, session: SmtpdSession): SmtpdReply | undefined | void | Promise<SmtpdReply | undefined | void>;
  /** Decides on RCPT TO: a reply of 400 or more refuses it; default: accept. */
  onRcptTo?(address: string, session: SmtpdSession): SmtpdReply | undefined | void | Promise<SmtpdReply | undefined | void>;
  /** Observer: the connection closed (after every other observer of the session). */
  onClose?(session: SmtpdSession, ended: SmtpdSessionEnd): void;
  /** Observer: a line of the dialogue. Set only when wanted: it turns on smtp-server's logging. */
  onTranscript?(session: SmtpdSession, line: SmtpdTranscriptLine): void;
  /** Observer: the client sent STARTTLS; what it returns is shown the handshake's raw bytes. */
  onStartTls?(session: SmtpdSession): SmtpdTlsObserver | undefined | void;
  /** Observer: an error of one session (a failed TLS handshake, a reset …), beside `onError`. */
  onSessionError?(session: SmtpdSession, error: Error): void;
  /** What happens to message data (default: discard, 250). */
  data?: SmtpdData;
  /** Observer: a session completed STARTTLS (its `tls` is set). */
  onSecure?(session: SmtpdSession): void;
  /** Observer: a client error (failed handshake, reset, …) or an `onMessage` exception; the server keeps serving. */
  onError?(error: Error): void;
}

export interface SmtpdServer {
  /** The address and port the server listens on. */
  address: string;
  port: number;
  /** Closes the listener and destroys every open connection (no grace period); idempotent. */
  stop(): Promise<void>;
}

function smtpError(reply: SmtpdReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.text), { responseCode: reply.code });
}

/** Calls smtp-server's callback with `reply`: 250 text, or an error reply. */
function answer(callback: (err?: Error | null, message?: string) => void, reply: SmtpdReply | undefined | void): void {
  if (!reply) callback();
  else if (reply.code < 400) callback(null, reply.text);
  else callback(smtpError(reply));
}

type ConnectionInternals = {
  id: string;
  session: SMTPServerSession;
  name: string;
  on(event: string, listener: (arg: unknown) => void): void;
  _setListeners(callback: () => void): void;
  connectionReady(): void;
  send(code: number, text: unknown, context?: unknown): void;
  _onCommand(command: Buffer, callback?: () => void): void;
  _onError(error: Error): void;
  upgrade(callback: () => void, secureCallback?: () => void): void;
};
type ServerInternals = {
  connections: Set<unknown>;
  connect(socket: NetSocket, socketOptions: unknown): void;
  _onError(error: unknown): void;
};

/** What the wrapper keeps of one connection. */
interface ConnectionState {
  ended: SmtpdSessionEnd | null;
  commands: number;
  timer: ReturnType<typeof setTimeout> | null;
}

/** An 8-bit octet, as a latin1 character. */
const EIGHT_BIT = /[\x80-\xff]/;

/** An enhanced status code at the start of a reply's text (RFC 3463). */
const ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/** Longest line of the dialogue handed to `onTranscript` (smtp-server reads longer ones whole). */
const MAX_TRANSCRIPT_LINE = 2000;

/** A client's line for the transcript: AUTH's initial response is a credential, so it is replaced. */
function clientLine(command: Buffer): string {
  const text = command.subarray(0, MAX_TRANSCRIPT_LINE).toString('utf8');
  const auth = /^(AUTH\s+\S+)\s+\S/i.exec(text);
  return auth ? `${auth[1]} <redacted>` : text;
}

/** The command word of a client's line, upper case. */
function commandWord(command: Buffer): string {
  const text = command.subarray(0, 16).toString('latin1');
  const space = text.indexOf(' ');
  return (space < 0 ? text : text.slice(0, space)).toUpperCase();
}

interface ConnectHooks {
  greetAtOnce: boolean;
  state(connection: ConnectionInternals): ConnectionState;
  options: SmtpdOptions;
  sessionOf(session: SMTPServerSession): SmtpdSession;
  reportError(error: unknown): void;
}

/**
 * Replaces SMTPServer#connect with its own steps, so each connection can be watched: commands
 * counted (and their lines handed to the transcript), the idle time-out and errors noted, the
 * session's length bounded, STARTTLS observed. Without `greetAtOnce` the greeting waits smtp-server's
 * 100 ms for early talkers as before. (The maxClients check of smtp-server's own connect is kept; its
 * 'connect' event is not: nothing listens to it, the SMTPServer never leaves startSmtpd.) Pinned to
 * smtp-server 3.x internals: the lockfile pins the version, and test/integration/smtpd.test.ts checks
 * each of these.
 */
function watchConnections(server: SMTPServer, hooks: ConnectHooks): void {
  const internals = server as unknown as ServerInternals;
  const { options } = hooks;
  internals.connect = (socket, socketOptions) => {
    const connection = new (SMTPConnection as new (s: SMTPServer, socket: NetSocket, o: unknown) => ConnectionInternals)(
      server,
      socket,
      socketOptions,
    );
    const state = hooks.state(connection);
    // smtp-server puts its own enhanced code before every reply; one the text already starts with is
    // the more precise, and `false` as the context makes smtp-server add none.
    const send = connection.send.bind(connection);
    connection.send = (code, text, context) => {
      // smtp-server's 421s close the connection: its idle time-out's is a time-out, any other (a hook's
      // refusal, too many unknown commands) a refusal, unless a limit of ours said so first.
      if (code === 421) state.ended ??= text === 'Timeout - closing connection' ? 'timeout' : 'refused';
      send(code, text, typeof text === 'string' && ENHANCED_CODE.test(text) ? false : context);
    };
    const onCommand = connection._onCommand.bind(connection);
    connection._onCommand = (command, callback) => {
      const line = Buffer.isBuffer(command) ? command : Buffer.from(String(command ?? ''));
      state.commands += 1;
      if (options.onTranscript) {
        try {
          options.onTranscript(hooks.sessionOf(connection.session), { direction: 'client', text: clientLine(line) });
        } catch (error) {
          hooks.reportError(error);
        }
      }
      if (options.maxCommands !== undefined && state.commands > options.maxCommands) {
        state.ended ??= 'limit';
        connection.send(421, `${connection.name} Error: too many commands, closing connection`, false);
        callback?.();
        return;
      }
      if (commandWord(line) === 'QUIT') state.ended ??= 'quit';
      onCommand(line, callback);
    };
    const onError = connection._onError.bind(connection);
    // smtp-server hands a failed handshake's error in twice (the TLS socket's 'error' and '_tlsError'): once is enough.
    const seenErrors = new WeakSet<object>();
    connection._onError = (error) => {
      const first = typeof error !== 'object' || error === null || !seenErrors.has(error);
      if (typeof error === 'object' && error !== null) seenErrors.add(error);
      if (first) {
        try {
          options.onSessionError?.(hooks.sessionOf(connection.session), asError(error));
        } catch (thrown) {
          hooks.reportError(thrown);
        }
      }
      onError(error);
    };
    if (options.onStartTls) {
      // The tap wraps smtp-server's own upgrade (it must run first, on the raw socket); the observer
      // onStartTls gives is asked for when STARTTLS comes, and the tap's bytes go to it.
      let observer: SmtpdTlsObserver | null = null;
      const tap = tapStartTls(connection, {
        client: (bytes) => observer?.client(bytes),
        server: (bytes) => observer?.server(bytes),
      });
      const upgrade = connection.upgrade.bind(connection);
      connection.upgrade = (callback, secureCallback) => {
        try {
          observer = options.onStartTls?.(hooks.sessionOf(connection.session)) ?? null;
        } catch (error) {
          hooks.reportError(error);
        }
        if (!observer) tap.stop();
        upgrade(callback, secureCallback);
      };
    }
    if (options.maxSessionMs !== undefined) {
      state.timer = setTimeout(() => {
        state.ended ??= 'limit';
        connection.send(421, `${connection.name} Error: session too long, closing connection`, false);
      }, options.maxSessionMs);
      state.timer.unref();
    }
    internals.connections.add(connection);
    connection.on('error', (err) => internals._onError(err));
    connection._setListeners(() => {
      if (options.maxConnections !== undefined && internals.connections.size > options.maxConnections) {
        state.ended ??= 'limit';
        // In place of the greeting: the server's name first, no enhanced code (RFC 2034 §3).
        connection.send(421, `${connection.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      if (hooks.greetAtOnce) connection.connectionReady();
      else setTimeout(() => connection.connectionReady(), 100).unref();
    });
  };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** smtp-server's `false` / empty values as null. */
function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * The SNICallback for `sni` certificates: the matching context, or none (smtp-server then uses the
 * default). The contexts hold only key and certificate: OpenSSL keeps the protocol range and
 * ciphers of the context the handshake began with, the default one.
 */
function sniCallback(entries: NonNullable<SmtpdTls['sni']>): SMTPServerOptions['SNICallback'] {
  const contexts = new Map<string, tls.SecureContext>();
  for (const entry of entries) contexts.set(entry.name.toLowerCase(), tls.createSecureContext({ key: entry.key, cert: entry.cert }));
  return (servername, callback) => callback(null, contexts.get(servername.toLowerCase()));
}

/**
 * smtp-server lays these over its own TLS defaults (Object.assign), so an absent minVersion must
 * stay absent: an explicit undefined would replace its TLSv1 with Node's TLSv1.2. It has no
 * default maxVersion or ciphers, and Node takes undefined for those as its default.
 */
function tlsOptions(settings: SmtpdTls | null | undefined): Partial<SMTPServerOptions> {
  if (!settings) return {};
  return {
    key: settings.key,
    cert: settings.cert,
    ...(settings.minVersion !== undefined ? { minVersion: settings.minVersion } : {}),
    maxVersion: settings.maxVersion,
    ciphers: settings.ciphers,
    ...(settings.sni ? { SNICallback: sniCallback(settings.sni) } : {}),
  };
}

/** The greeting command of a session (smtp-server keeps it as `openingCommand`). */
function heloCommandOf(session: SMTPServerSession): SmtpdSession['heloCommand'] {
  const command = (session as { openingCommand?: unknown }).openingCommand;
  return command === 'EHLO' || command === 'HELO' || command === 'LHLO' ? command : null;
}

/** MAIL FROM's parameters as smtp-server parsed them (`false` when there were none). */
function paramsOf(args: unknown): Record<string, string | boolean> {
  const params: Record<string, string | boolean> = {};
  if (!args || typeof args !== 'object') return params;
  for (const [key, value] of Object.entries(args as Record<string, unknown>).slice(0, 32)) {
    params[key.toUpperCase().slice(0, 64)] = typeof value === 'string' ? value.slice(0, 500) : value === true;
  }
  return params;
}

/** Most client certificates kept: real chains have 1-3, a hostile client may send hundreds. */
const MAX_PEER_CHAIN = 10;

/** The client's certificates as sent, leaf first (Node links each to its issuer; a self-signed one links to itself). */
function peerChainOf(socket: tls.TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<unknown>();
  while (cert && cert.raw && chain.length < MAX_PEER_CHAIN && !seen.has(cert)) {
    seen.add(cert);
    chain.push(Buffer.from(cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
}

/** Starts an SMTP server; resolves once it listens. */
export async function startSmtpd(options: SmtpdOptions): Promise<SmtpdServer> {
  const sockets = new Set<NetSocket>();
  let lastSweep = 0;
  const secureSockets = new Set<tls.TLSSocket>();
  // Keyed by smtp-server's session object: one per connection (STARTTLS and RSET reset its
  // fields, not the object), so an entry goes when the connection does.
  const tlsBySession = new WeakMap<SMTPServerSession, SmtpdTlsInfo>();
  const reportError = (error: unknown) => {
    try {
      options.onError?.(asError(error));
    } catch {
      // an observer that throws has nowhere left to report to
    }
  };
  const sessionOf = (session: SMTPServerSession): SmtpdSession => ({
    id: session.id,
    remoteAddress: session.remoteAddress,
    remotePort: session.remotePort,
    helo: textOrNull(session.hostNameAppearsAs),
    heloCommand: heloCommandOf(session),
    tls: tlsBySession.get(session) ?? null,
  });
  const data = options.data ?? { action: 'discard' };
  // By connection id (= its session's id); an entry goes when its connection closes.
  const states = new Map<string, ConnectionState>();
  const sessions = new Map<string, SMTPServerSession>();
  let stopping = false;
  const decide = (
    callback: (err?: Error | null) => void,
    decision: () => SmtpdReply | undefined | void | Promise<SmtpdReply | undefined | void>,
  ) => {
    Promise.resolve()
      .then(decision)
      .then(
        (reply) => callback(reply && reply.code >= 400 ? smtpError(reply) : null),
        (error: unknown) => {
          reportError(error);
          callback(smtpError({ code: 451, text: 'Local error in processing' }));
        },
      );
  };
  // smtp-server writes every reply through one place, which logs it: that is where the server's lines
  // of the transcript come from. Only on when asked for (each reply then costs a log entry).
  const transcriptLogger = options.onTranscript
    ? {
        debug(entry: { tnx?: string; cid?: string }, marker: unknown, payload: unknown) {
          if (entry.tnx !== 'send' || marker !== 'S:' || typeof entry.cid !== 'string') return;
          const session = sessions.get(entry.cid);
          if (!session) return;
          // A multi-line reply is one payload: one transcript line per reply line.
          for (const line of String(payload).split('\r\n').slice(0, 100)) {
            try {
              options.onTranscript?.(sessionOf(session), { direction: 'server', text: line.slice(0, MAX_TRANSCRIPT_LINE) });
            } catch (error) {
              reportError(error);
            }
          }
        },
        info() {},
        warn() {},
        error() {},
        trace() {},
        fatal() {},
      }
    : false;

  const server = new SMTPServer({
    secure: false,
    logger: transcriptLogger as SMTPServerOptions['logger'],
    name: options.name,
    banner: options.banner,
    // AUTH is never offered, so smtp-server asks no command to wait for it (no authOptional needed)
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls && options.hideStartTls ? { hideSTARTTLS: true } : {}),
    hideENHANCEDSTATUSCODES: options.enhancedStatusCodes === false,
    disableReverseLookup: true,
    size: options.maxMessageBytes ?? 10 * 1024 * 1024, // 10 MiB
    // undefined: smtp-server's default
    socketTimeout: options.socketTimeoutMs,
    ...tlsOptions(options.tls),
    // An empty CA list in the request: a client then offers whatever certificate it has.
    ...(options.tls && options.requestClientCertificate ? { requestCert: true, rejectUnauthorized: false } : {}),
    onConnect(session, callback) {
      const state = states.get(session.id);
      let reply: SmtpdReply | undefined | void;
      try {
        reply = options.onConnect?.(sessionOf(session)) ?? options.refuse;
      } catch (error) {
        reportError(error);
        reply = { code: 421, text: `${options.name} Local error in processing, closing connection` };
      }
      if (reply && state) state.ended ??= 'refused';
      if (reply) callback(smtpError(reply));
      else callback();
    },
    onClose(session) {
      const state = states.get(session.id);
      states.delete(session.id);
      sessions.delete(session.id);
      if (state?.timer) clearTimeout(state.timer);
      const ended: SmtpdSessionEnd = state?.ended ?? (stopping ? 'server-stopped' : 'disconnect');
      try {
        options.onClose?.(sessionOf(session), ended);
      } catch (error) {
        reportError(error);
      }
    },
    onSecure(socket, session, callback) {
      // smtp-server calls onSecure with the TLS socket of the finished STARTTLS handshake
      const secure = socket as tls.TLSSocket;
      secureSockets.add(secure);
      secure.once('close', () => secureSockets.delete(secure));
      const info: SmtpdTlsInfo = {
        protocol: secure.getProtocol(),
        cipher: session.tlsOptions ? session.tlsOptions.name : null,
        cipherStandard: session.tlsOptions ? textOrNull((session.tlsOptions as { standardName?: unknown }).standardName) : null,
        servername: textOrNull(session.servername),
        peerChain: options.requestClientCertificate ? peerChainOf(secure) : [],
        authorizationError: null,
      };
      if (info.peerChain.length > 0 && secure.authorizationError) info.authorizationError = String(secure.authorizationError).slice(0, 100);
      tlsBySession.set(session, info);
      try {
        options.onSecure?.(sessionOf(session));
      } catch (error) {
        reportError(error);
      }
      callback();
    },
    onMailFrom(address, session, callback) {
      if (options.requireTls && !session.secure) callback(smtpError({ code: 530, text: 'Must issue a STARTTLS command first' }));
      else if (!options.onMailFrom) callback();
      else decide(callback, () => options.onMailFrom?.(address.address, paramsOf(address.args), sessionOf(session)));
    },
    onRcptTo(address, session, callback) {
      if (!options.onRcptTo) callback();
      else decide(callback, () => options.onRcptTo?.(address.address, sessionOf(session)));
    },
    onData(stream, session, callback) {
      if (data.action === 'discard') {
        stream.resume();
        stream.once('end', () => answer(callback, data.reply));
        return;
      }
      const chunks: Buffer[] = [];
      let kept = 0;
      let size = 0;
      let eightBit = false;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // A native scan (latin1 maps each byte to one character): a byte-by-byte loop in JS costs 30 ms per 10 MiB.
        if (!eightBit && EIGHT_BIT.test(chunk.toString('latin1'))) eightBit = true;
        if (kept < data.maxBytes) {
          const part = chunk.subarray(0, data.maxBytes - kept);
          chunks.push(part);
          kept += part.length;
        }
      });
      stream.once('end', () => {
        const truncated = size > data.maxBytes;
        const message: SmtpdMessage = {
          session: sessionOf(session),
          envelope: {
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            mailParams: session.envelope.mailFrom ? paramsOf(session.envelope.mailFrom.args) : {},
            rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          },
          bytes: Buffer.concat(chunks, kept),
          size,
          truncated,
          eightBit,
        };
        const fallback: SmtpdReply | undefined = truncated ? { code: 552, text: 'Message exceeds fixed maximum message size' } : undefined;
        Promise.resolve()
          .then(() => data.onMessage(message))
          .then(
            (reply) => answer(callback, reply ?? fallback),
            (error: unknown) => {
              reportError(error);
              answer(callback, { code: 451, text: 'Local error in processing' });
            },
          );
      });
    },
  });
  watchConnections(server, {
    greetAtOnce: options.greetAtOnce ?? true,
    options,
    sessionOf,
    reportError,
    state(connection) {
      const state: ConnectionState = { ended: null, commands: 0, timer: null };
      states.set(connection.id, state);
      sessions.set(connection.id, connection.session);
      return state;
    },
  });
  // Client errors (resets, failed handshakes) are normal here; without a listener they would throw.
  server.on('error', reportError);
  server.server.on('connection', (socket: NetSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // STARTTLS removes every listener of the raw socket (the one above too): sockets that went are
    // swept out now and then, or a long-running server would keep each one.
    if (sockets.size > 64 && sockets.size > 2 * lastSweep) {
      for (const s of sockets) if (s.destroyed) sockets.delete(s);
      lastSweep = sockets.size;
    }
  });
  // rejects with the listen error (EADDRINUSE …), and removes its listeners either way
  const listening = once(server.server, 'listening');
  server.listen(options.port ?? 0, options.address ?? '127.0.0.1');
  await listening;
  // a TCP listener: address() is an AddressInfo
  const bound = server.server.address() as AddressInfo;
  let stopped: Promise<void> | null = null;
  return {
    address: bound.address,
    port: bound.port,
    stop() {
      stopping = true;
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Topmost (TLS) sockets first, then the TCP sockets under them; no 30 s grace period.
        for (const socket of secureSockets) socket.destroy();
        for (const socket of sockets) socket.destroy();
      });
      return stopped;
    },
  };
}
