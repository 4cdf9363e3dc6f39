// The facts of `mxray logs`: MTA logs read line by line, grouped into SMTP sessions, each told
// what its log says about TLS — and, where the log cannot tell (Exchange 2003's SMTP log, Postfix
// at smtp_tls_loglevel 0), saying so instead of guessing. Summed per remote domain and host.
import { Type, type Static } from '@sinclair/typebox';
import { Literals, Nullable, strict } from './schema-parts.js';

export const LOG_FORMATS = ['exchange2003', 'exchange', 'exchange-tracking', 'postfix', 'exim', 'sendmail'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** What a log tells of one session's TLS, from the most to the least. */
export const LOG_EVIDENCE = ['handshake', 'counters', 'dialogue', 'none'] as const;
export type LogEvidence = (typeof LOG_EVIDENCE)[number];

/** The judged state of one session (checks/logs/session-verdict.ts). */
export const LOG_SESSION_VERDICTS = ['verified', 'encrypted', 'failed', 'failed-then-clear', 'clear', 'unknown'] as const;
export type LogSessionVerdict = (typeof LOG_SESSION_VERDICTS)[number];

export const LogLineSchema = Type.Object(
  {
    /** 1-based line number in its input. */
    line: Type.Integer({ minimum: 1 }),
    /** The line as read (control characters kept as they are; capped). */
    text: Type.String({ maxLength: 1000 }),
  },
  strict,
);
export type LogLine = Static<typeof LogLineSchema>;

export const LogTlsSchema = Type.Object(
  {
    /** The server advertised STARTTLS (EHLO reply logged), null where the log does not show EHLO replies. */
    offered: Nullable(Type.Boolean()),
    /** The client sent STARTTLS (or the port was implicit TLS); null: the log cannot tell. */
    attempted: Nullable(Type.Boolean()),
    /** The server answered STARTTLS with 220; null: not logged. */
    accepted: Nullable(Type.Boolean()),
    /** The handshake completed; null: the log cannot tell (Exchange 2003 after its 220). */
    negotiated: Nullable(Type.Boolean()),
    /** Normalised protocol: "TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3". */
    protocol: Nullable(Type.String({ maxLength: 40 })),
    /** The cipher suite as the log names it (OpenSSL, IANA or Schannel words). */
    cipher: Nullable(Type.String({ maxLength: 120 })),
    /** What the log says of the peer's certificate: Postfix's Verified/Trusted/Untrusted/Anonymous, Exim CV=yes/no, Sendmail verify=OK/FAIL/NO/NONE, Exchange's own. */
    verify: Nullable(Literals(['verified', 'trusted', 'untrusted', 'anonymous', 'none'] as const)),
    /** The peer certificate's subject / DN where logged. */
    peer: Nullable(Type.String({ maxLength: 500 })),
    /** The log's own words for a failed STARTTLS or handshake (one line). */
    failure: Nullable(Type.String({ maxLength: 500 })),
    /** The log says the mail then went (or was tried) in clear text after the TLS failure. */
    clearRetry: Type.Boolean(),
    /** Implicit TLS (port 465, SMTPS). */
    implicit: Type.Boolean(),
  },
  strict,
);
export type LogTls = Static<typeof LogTlsSchema>;

export const LogSessionSchema = Type.Object(
  {
    format: Literals(LOG_FORMATS),
    /** The input it came from (file name or "-"). */
    file: Type.String({ maxLength: 1000 }),
    /** The log's own key: Exchange session id, "smtp[1234]", an Exim message id, a Sendmail pid … */
    key: Type.String({ maxLength: 200 }),
    direction: Nullable(Literals(['inbound', 'outbound'] as const)),
    /** Milliseconds since the epoch (UTC), null where the lines carry no time. */
    start: Nullable(Type.Number()),
    end: Nullable(Type.Number()),
    /** The log's own host (syslog host, Exchange server / connector). */
    localHost: Nullable(Type.String({ maxLength: 255 })),
    remoteHost: Nullable(Type.String({ maxLength: 255 })),
    remoteIp: Nullable(Type.String({ maxLength: 64 })),
    remotePort: Nullable(Type.Integer({ minimum: 0, maximum: 65535 })),
    /** Remote mail domains: recipients' (outbound) or the sender's (inbound), lower-case. */
    domains: Type.Array(Type.String({ maxLength: 255 }), { maxItems: 16 }),
    queueIds: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 32 }),
    /** Messages (deliveries or receptions) the session carried, as logged. */
    messages: Type.Integer({ minimum: 0 }),
    tls: LogTlsSchema,
    /** How much the log can tell about TLS for this session. */
    evidence: Literals(LOG_EVIDENCE),
    /** The last delivery outcome logged for the session. */
    status: Nullable(Literals(['sent', 'deferred', 'bounced', 'rejected'] as const)),
    dsn: Nullable(Type.String({ maxLength: 20 })),
    /** The lines that decided (at most 8). */
    lines: Type.Array(LogLineSchema, { maxItems: 8 }),
    /** The session was still open at the end of the input, or evicted (its end not seen). */
    incomplete: Type.Boolean(),
  },
  strict,
);
export type LogSession = Static<typeof LogSessionSchema>;
