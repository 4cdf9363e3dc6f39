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

type SecureVersion = NonNullable<SMTPServerOptions['minVersion']>;
type NetSocket = Parameters<SMTPServer['connect']>[0];
type AddressInfo = Extract<ReturnType<SMTPServer['server']['address']>, object>;

/**
 * A reply to a command. Codes below 400 are sent as 250 with this text (smtp-server's only success
 * reply). Give the text without an enhanced status code: smtp-server adds one for the reply code
 * when enhanced codes are on, except to the `refuse` reply, which goes out exactly as given.
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
  /** The SNI the client sent, or null. */
  servername: string | null;
}

/** What the server knows of one connection. */
export interface SmtpdSession {
  /** smtp-server's random id for the connection. */
  id: string;
  remoteAddress: string;
  remotePort: number;
  /** The name the client gave with EHLO or HELO (in the current TLS state), or null. */
  helo: string | null;
  /** The TLS session, or null while in clear. */
  tls: SmtpdTlsInfo | null;
}

/** One message received in full (its DATA ended with the final dot). */
export interface SmtpdMessage {
  session: SmtpdSession;
  envelope: {
    /** The MAIL FROM address ("" for the null sender). */
    mailFrom: string;
    rcptTo: string[];
  };
  /** The message as received (dot-unstuffed, CRLF line endings), at most `maxBytes` of it. */
  bytes: Buffer;
  /** How many bytes the message had in all. */
  size: number;
  /** True when the message was longer than `maxBytes` (and `bytes` holds only the start of it). */
  truncated: boolean;
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
  on(event: string, listener: (arg: unknown) => void): void;
  _setListeners(callback: () => void): void;
  connectionReady(): void;
};
type ServerInternals = {
  connections: Set<unknown>;
  connect(socket: NetSocket, socketOptions: unknown): void;
  _onError(error: unknown): void;
};

/**
 * Replaces SMTPServer#connect with its own steps minus the 100 ms early-talker pause (and the
 * maxClients check, which this wrapper never configures, and the server's 'connect' event, which
 * nothing listens to: the SMTPServer never leaves startSmtpd). Pinned to smtp-server 3.x
 * internals: the lockfile pins the version, and test/integration/smtpd.test.ts checks the
 * greeting comes.
 */
function greetAtOnce(server: SMTPServer): void {
  const internals = server as unknown as ServerInternals;
  internals.connect = (socket, socketOptions) => {
    const connection = new (SMTPConnection as new (s: SMTPServer, socket: NetSocket, o: unknown) => ConnectionInternals)(
      server,
      socket,
      socketOptions,
    );
    internals.connections.add(connection);
    connection.on('error', (err) => internals._onError(err));
    connection._setListeners(() => connection.connectionReady());
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

/** Starts an SMTP server; resolves once it listens. */
export async function startSmtpd(options: SmtpdOptions): Promise<SmtpdServer> {
  const sockets = new Set<NetSocket>();
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
    tls: tlsBySession.get(session) ?? null,
  });
  const data = options.data ?? { action: 'discard' };

  const server = new SMTPServer({
    secure: false,
    logger: false,
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
    onConnect(_session, callback) {
      if (options.refuse) callback(smtpError(options.refuse));
      else callback();
    },
    onSecure(socket, session, callback) {
      // smtp-server calls onSecure with the TLS socket of the finished STARTTLS handshake
      const secure = socket as tls.TLSSocket;
      secureSockets.add(secure);
      secure.once('close', () => secureSockets.delete(secure));
      const info: SmtpdTlsInfo = {
        protocol: secure.getProtocol(),
        cipher: session.tlsOptions ? session.tlsOptions.name : null,
        servername: textOrNull(session.servername),
      };
      tlsBySession.set(session, info);
      try {
        options.onSecure?.(sessionOf(session));
      } catch (error) {
        reportError(error);
      }
      callback();
    },
    onMailFrom(_address, session, callback) {
      if (options.requireTls && !session.secure) callback(smtpError({ code: 530, text: 'Must issue a STARTTLS command first' }));
      else callback();
    },
    onRcptTo(_address, _session, callback) {
      callback();
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
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
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
            rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          },
          bytes: Buffer.concat(chunks, kept),
          size,
          truncated,
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
  if (options.greetAtOnce ?? true) greetAtOnce(server);
  // Client errors (resets, failed handshakes) are normal here; without a listener they would throw.
  server.on('error', reportError);
  server.server.on('connection', (socket: NetSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
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
