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

/** A session as judged: its verdict (checks/logs/session-verdict.ts) beside the facts. */
export const LogSessionJudgedSchema = Type.Composite([LogSessionSchema, Type.Object({ verdict: Literals(LOG_SESSION_VERDICTS) })], strict);
export type LogSessionJudged = Static<typeof LogSessionJudgedSchema>;

export const LogVerdictCountsSchema = Type.Object(
  {
    verified: Type.Integer({ minimum: 0 }),
    encrypted: Type.Integer({ minimum: 0 }),
    failed: Type.Integer({ minimum: 0 }),
    'failed-then-clear': Type.Integer({ minimum: 0 }),
    clear: Type.Integer({ minimum: 0 }),
    unknown: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type LogVerdictCounts = Static<typeof LogVerdictCountsSchema>;

export const LogInputSchema = Type.Object(
  {
    name: Type.String({ maxLength: 1000 }),
    /** The format read, null where none was recognised. */
    format: Nullable(Literals(LOG_FORMATS)),
    /** 'given' by --format, or detected from the first lines. */
    detected: Type.Boolean(),
    bytes: Type.Number({ minimum: 0 }),
    lines: Type.Integer({ minimum: 0 }),
    used: Type.Integer({ minimum: 0 }),
    ignored: Type.Integer({ minimum: 0 }),
    malformed: Type.Integer({ minimum: 0 }),
    /** Lines longer than the cap, cut before parsing. */
    longLines: Type.Integer({ minimum: 0 }),
    /** The first malformed lines (at most 3). */
    malformedExamples: Type.Array(LogLineSchema, { maxItems: 3 }),
    /** Sessions outside --since/--until or of other domains than --domain. */
    filteredOut: Type.Integer({ minimum: 0 }),
    /** Sessions with a peer on this machine (127.0.0.0/8, ::1: content filters, local submission), left out unless --include-local. */
    local: Type.Integer({ minimum: 0 }),
    sessions: Type.Integer({ minimum: 0 }),
    /** What the input says about itself (postfix-smtp-loglevel-0, exchange-protocol-logging-off …). */
    notes: Type.Array(Type.Object({ id: Type.String({ maxLength: 80 }), detail: Type.String({ maxLength: 2000 }) }, strict), { maxItems: 20 }),
    /** Why it could not be read, or null. */
    problem: Nullable(Type.String({ maxLength: 500 })),
  },
  strict,
);
export type LogInput = Static<typeof LogInputSchema>;

export const LogFailureCountSchema = Type.Object({ reason: Type.String({ maxLength: 300 }), count: Type.Integer({ minimum: 0 }) }, strict);

/** One remote domain or host, summed. */
export const LogSummaryRowSchema = Type.Object(
  {
    /** The domain, or the host as "name[ip]"; "(none)" where the log names none. */
    name: Type.String({ maxLength: 330 }),
    sessions: Type.Integer({ minimum: 0 }),
    counts: LogVerdictCountsSchema,
    /** Share of the sessions whose TLS state is known that used TLS (0..1), null when none is known. */
    tlsShare: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    verifiedShare: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    /** Newest protocol seen and the oldest. */
    protocols: Type.Array(Type.String({ maxLength: 40 }), { maxItems: 8 }),
    failures: Type.Array(LogFailureCountSchema, { maxItems: 5 }),
    firstSeen: Nullable(Type.String({ maxLength: 40 })),
    lastSeen: Nullable(Type.String({ maxLength: 40 })),
  },
  strict,
);
export type LogSummaryRow = Static<typeof LogSummaryRowSchema>;

export const LogFailureSchema = Type.Object(
  {
    /** The failure's words with names, addresses and numbers taken out, so alike failures group. */
    reason: Type.String({ maxLength: 300 }),
    count: Type.Integer({ minimum: 0 }),
    /** The first line that said it. */
    example: Type.Object({ file: Type.String({ maxLength: 1000 }), line: Type.Integer({ minimum: 1 }), text: Type.String({ maxLength: 1000 }) }, strict),
    /** What the explain engine makes of it (kb/error-rules): the first matching rule, or null. */
    explained: Nullable(
      Type.Object(
        {
          rule: Type.String({ maxLength: 80 }),
          meaning: Type.String({ maxLength: 2000 }),
          fault: Type.String({ maxLength: 20 }),
          findings: Type.Array(Type.String({ maxLength: 80 }), { maxItems: 8 }),
        },
        strict,
      ),
    ),
    domains: Type.Array(Type.String({ maxLength: 330 }), { maxItems: 5 }),
  },
  strict,
);
export type LogFailure = Static<typeof LogFailureSchema>;

export const LogTimelinePointSchema = Type.Object(
  {
    /** The start of the bucket (ISO 8601). */
    at: Type.String({ maxLength: 40 }),
    /** A domain of the chart, or "(all)". */
    domain: Type.String({ maxLength: 330 }),
    sessions: Type.Integer({ minimum: 0 }),
    /** Sessions that used TLS (verified or encrypted). */
    tls: Type.Integer({ minimum: 0 }),
    /** Sessions whose TLS state is known. */
    known: Type.Integer({ minimum: 0 }),
  },
  strict,
);

export const LogsBodySchema = Type.Object(
  {
    inputs: Type.Array(LogInputSchema, { maxItems: 200 }),
    filters: Type.Object({ domains: Type.Array(Type.String({ maxLength: 255 }), { maxItems: 50 }), since: Nullable(Type.String({ maxLength: 40 })), until: Nullable(Type.String({ maxLength: 40 })) }, strict),
    totals: Type.Object(
      {
        sessions: Type.Integer({ minimum: 0 }),
        messages: Type.Integer({ minimum: 0 }),
        counts: LogVerdictCountsSchema,
        tlsShare: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
        verifiedShare: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
        inbound: Type.Integer({ minimum: 0 }),
        outbound: Type.Integer({ minimum: 0 }),
        /** Sessions by the evidence their log gave. */
        evidence: Type.Object({ handshake: Type.Integer({ minimum: 0 }), counters: Type.Integer({ minimum: 0 }), dialogue: Type.Integer({ minimum: 0 }), none: Type.Integer({ minimum: 0 }) }, strict),
        /** The unknown sessions by format and evidence: why their logs cannot tell. */
        unknownBy: Type.Array(Type.Object({ format: Literals(LOG_FORMATS), evidence: Literals(LOG_EVIDENCE), count: Type.Integer({ minimum: 0 }) }, strict), { maxItems: 24 }),
        /** Sessions with TLS by protocol. */
        protocols: Type.Record(Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })),
        firstSeen: Nullable(Type.String({ maxLength: 40 })),
        lastSeen: Nullable(Type.String({ maxLength: 40 })),
      },
      strict,
    ),
    /** Worst first (failed-then-clear, failed, clear, unknown), then by sessions. */
    domains: Type.Array(LogSummaryRowSchema, { maxItems: 500 }),
    /** Rows left out of `domains`, plus the domains past the tracked count (summed under "(other)"). */
    domainsOmitted: Type.Integer({ minimum: 0 }),
    hosts: Type.Array(LogSummaryRowSchema, { maxItems: 500 }),
    hostsOmitted: Type.Integer({ minimum: 0 }),
    /** Failures grouped by reason, most frequent first. */
    failures: Type.Array(LogFailureSchema, { maxItems: 20 }),
    timeline: Type.Object({ bucket: Literals(['hour', 'day'] as const), points: Type.Array(LogTimelinePointSchema, { maxItems: 5000 }) }, strict),
    /** Sessions kept whole (the first of each verdict, worst verdicts first). */
    sessions: Type.Array(LogSessionJudgedSchema, { maxItems: 1000 }),
    sessionsOmitted: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type LogsBody = Static<typeof LogsBodySchema>;
