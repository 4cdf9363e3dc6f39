// The facts of `mxray headers`: each message's Received chain read into hops (oldest first, in the
// order the lines stand, never re-sorted by date), where the receiving organisation's own hops
// end (the trust boundary: only the border line's `from [IP]` is verified, the lines below it are
// claims), which hops crossed between organisations and whether each used TLS, the delay per hop,
// and what the other security fields say (Authentication-Results, Received-SPF, Microsoft's).
// Several messages (files, an mbox) give one summary row each; the first ones are kept in full.
// Every string and list is bounded; what a bound leaves out is counted, never dropped silently.
import { Type, type Static } from '@sinclair/typebox';
import { Literals, Nullable, strict } from './schema-parts.js';

const Text = (max: number) => Type.String({ maxLength: max });
const Count = Type.Integer({ minimum: 0 });
const Moment = Nullable(Type.String({ format: 'date-time' }));

export const HOP_TLS_STATES = ['tls', 'clear', 'unknown'] as const;
export const HOP_ZONES = ['internal', 'border', 'claimed'] as const;
export const MESSAGE_TLS_VERDICTS = ['protected', 'cleartext', 'unknown', 'no-internet-hop', 'no-hops'] as const;

/** One Received line: one hop of the message's way. */
export const HeaderHopSchema = Type.Object(
  {
    /** 1-based position, oldest first (the lowest Received line is hop 1). */
    index: Type.Integer({ minimum: 1 }),
    /** 1-based line of the field in the text read. */
    line: Type.Integer({ minimum: 1 }),
    /** The field as written (its lines joined with "\n"), cut at 2,000 characters: the evidence. */
    raw: Text(2000),
    /** `from` clause: the name the client gave (HELO/EHLO), the name its address resolved to, the address. */
    fromHelo: Nullable(Text(256)),
    fromReverse: Nullable(Text(256)),
    fromIp: Nullable(Text(256)),
    by: Nullable(Text(256)),
    via: Nullable(Text(256)),
    /** The mail transmission type as written (ESMTPS, esmtpsa, LMTP, HTTPS, mapi …). */
    with: Nullable(Text(256)),
    /** What the type says (RFC 3848): tls (an S type), auth (an A type), lmtp, utf8; null when there is no type. */
    protocol: Nullable(Type.Object({ tls: Nullable(Type.Boolean()), auth: Nullable(Type.Boolean()), lmtp: Type.Boolean(), utf8: Type.Boolean() }, strict)),
    id: Nullable(Text(256)),
    for: Nullable(Text(256)),
    /** The date after the last ';', as a moment (null: none, or unreadable: see dateNote). */
    date: Moment,
    dateRaw: Nullable(Text(256)),
    dateNote: Nullable(Text(200)),
    /** Seconds since the previous hop with a date (or the Date field, for the first); negative when a clock is skewed. */
    delaySeconds: Nullable(Type.Number()),
    /** What the line proves about TLS on this hop. */
    tls: Literals(HOP_TLS_STATES),
    /** Why: "with ESMTPS (RFC 3848)", "Postfix's TLS comment", "with ESMTP written by Postfix, which marks TLS (RFC 3848)" … */
    tlsEvidence: Text(300),
    tlsVersion: Nullable(Text(40)),
    cipher: Nullable(Text(256)),
    bits: Nullable(Type.Integer({ minimum: 0 })),
    /** What the line says of the client's certificate, as written (Postfix, Sendmail, OpenSMTPD). */
    tlsVerified: Nullable(Text(256)),
    /** Which dialect's TLS details were read ("postfix", "exchange", "rfc8314" …). */
    tlsSource: Nullable(Text(40)),
    /** The software that wrote the line, when it can be told (postfix, exim, exchange, gmail …). */
    software: Nullable(Text(40)),
    /** An authenticated client's submission (ESMTPA, ESMTPSA): a client, not a hop between organisations. */
    submission: Type.Boolean(),
    /** Local delivery or hand-off (LMTP, a line without `from`). */
    local: Type.Boolean(),
    /** internal: written by the receiving organisation about its own hosts; border: the organisation's line about the host that handed the message in (its `from` address verified); claimed: below the border, anyone could have written it. */
    zone: Literals(HOP_ZONES),
    /** The hop went between two organisations (over the internet): its TLS counts for the verdict. */
    crossing: Type.Boolean(),
    /** The organisation each side was taken for ("example.org", "Microsoft 365", "private address", "own: --internal"). */
    fromOrg: Nullable(Text(256)),
    byOrg: Nullable(Text(256)),
    notes: Type.Array(Text(200), { maxItems: 16 }),
  },
  strict,
);
export type HeaderHop = Static<typeof HeaderHopSchema>;

export const AuthResultSchema = Type.Object(
  {
    method: Text(64),
    version: Nullable(Type.Integer({ minimum: 0 })),
    result: Text(64),
    reason: Nullable(Text(256)),
    properties: Type.Array(Type.Object({ ptype: Text(64), property: Text(64), value: Text(256) }, strict), { maxItems: 20 }),
    /** What the result means, in words (null for a method mxray does not know). */
    meaning: Nullable(Text(600)),
  },
  strict,
);
export type AuthResult = Static<typeof AuthResultSchema>;

/** One Authentication-Results or ARC-Authentication-Results field. */
export const AuthResultsFieldSchema = Type.Object(
  {
    field: Text(64),
    line: Type.Integer({ minimum: 1 }),
    /** ARC instance (i=), null for Authentication-Results. */
    instance: Nullable(Type.Integer({ minimum: 0 })),
    authservId: Nullable(Text(256)),
    /** Written under an authserv-id the user named as their own (RFC 8601 §5); otherwise a claim. */
    trusted: Type.Boolean(),
    results: Type.Array(AuthResultSchema, { maxItems: 30 }),
    notes: Type.Array(Text(200), { maxItems: 16 }),
  },
  strict,
);
export type AuthResultsField = Static<typeof AuthResultsFieldSchema>;

export const ReceivedSpfSchema = Type.Object(
  {
    line: Type.Integer({ minimum: 1 }),
    result: Nullable(Text(64)),
    comment: Nullable(Text(256)),
    clientIp: Nullable(Text(256)),
    envelopeFrom: Nullable(Text(256)),
    helo: Nullable(Text(256)),
    receiver: Nullable(Text(256)),
    identity: Nullable(Text(256)),
  },
  strict,
);

export const MicrosoftItemSchema = Type.Object(
  { field: Text(128), key: Nullable(Text(64)), value: Text(256), meaning: Nullable(Text(600)) },
  strict,
);

export const MessageTlsSchema = Type.Object(
  {
    /** protected: every hop between organisations used TLS; cleartext: one did not; unknown: one records nothing either way; no-internet-hop: none crossed between organisations. */
    verdict: Literals(MESSAGE_TLS_VERDICTS),
    crossingHops: Count,
    protectedHops: Count,
    cleartextHops: Count,
    unknownHops: Count,
    /** The oldest protocol version seen on a hop between organisations ("TLS 1.0"), null when none was written. */
    weakestVersion: Nullable(Text(40)),
  },
  strict,
);
export type MessageTls = Static<typeof MessageTlsSchema>;

/** One message's header, analysed. */
export const HeaderMessageSchema = Type.Object(
  {
    /** Where it came from: "bounce.eml", "inbox.mbox message 3", "bounce.eml, the returned message". */
    source: Text(1100),
    /** Set when this message was returned inside another (a bounce): that message's source. */
    returnedIn: Nullable(Text(1100)),
    subject: Nullable(Text(500)),
    from: Nullable(Text(500)),
    to: Nullable(Text(500)),
    messageId: Nullable(Text(500)),
    /** The Date field as a moment, and as written. */
    date: Moment,
    dateRaw: Nullable(Text(256)),
    fields: Count,
    hops: Type.Array(HeaderHopSchema, { maxItems: 100 }),
    /** Received lines past the 100 kept (the oldest ones). */
    hopsNotListed: Count,
    /** The names taken for the receiving organisation's own, and how they were chosen. */
    organisation: Type.Object({ names: Type.Array(Text(256), { maxItems: 40 }), how: Text(300) }, strict),
    /** The organisation's line about the host that handed the message in: the only verified `from` address. */
    border: Nullable(Type.Object({ hop: Type.Integer({ minimum: 1 }), ip: Nullable(Text(256)), from: Nullable(Text(256)), by: Nullable(Text(256)) }, strict)),
    tls: MessageTlsSchema,
    /** From the first date to the last (the Date field when it is earlier than every hop); null without two dates. */
    totalSeconds: Nullable(Type.Number()),
    /** The value of a TLS-Required field (RFC 8689), as written. */
    tlsRequired: Nullable(Text(100)),
    authentication: Type.Array(AuthResultsFieldSchema, { maxItems: 30 }),
    receivedSpf: Type.Array(ReceivedSpfSchema, { maxItems: 10 }),
    microsoft: Type.Array(MicrosoftItemSchema, { maxItems: 100 }),
    /** Other fields worth showing (Return-Path, Auto-Submitted, X-Failed-Recipients, Delivered-To …), decoded. */
    other: Type.Array(Type.Object({ name: Text(128), value: Text(500), line: Type.Integer({ minimum: 1 }) }, strict), { maxItems: 40 }),
    /** Ids of the findings this message gave. */
    findings: Type.Array(Text(80), { maxItems: 20 }),
    notes: Type.Array(Text(300), { maxItems: 30 }),
  },
  strict,
);
export type HeaderMessage = Static<typeof HeaderMessageSchema>;

/** One row per message, for every message read (the first 10,000). */
export const HeaderRowSchema = Type.Object(
  {
    source: Text(1100),
    returnedIn: Nullable(Text(1100)),
    subject: Nullable(Text(200)),
    date: Moment,
    hops: Count,
    crossingHops: Count,
    tls: Literals(MESSAGE_TLS_VERDICTS),
    weakestVersion: Nullable(Text(40)),
    totalSeconds: Nullable(Type.Number()),
    findings: Type.Array(Text(80), { maxItems: 20 }),
  },
  strict,
);
export type HeaderRow = Static<typeof HeaderRowSchema>;

export const HeadersBodySchema = Type.Object(
  {
    inputs: Type.Object(
      {
        files: Count,
        /** Messages read (returned messages inside bounces counted in `returned`, not here). */
        messages: Count,
        returned: Count,
        /** Inputs that gave no message (empty, not text, too large): in `problems`. */
        unreadable: Count,
      },
      strict,
    ),
    /** What the user said is theirs. */
    options: Type.Object(
      {
        domains: Type.Array(Text(256), { maxItems: 50 }),
        internal: Type.Array(Text(256), { maxItems: 50 }),
        authservIds: Type.Array(Text(256), { maxItems: 50 }),
      },
      strict,
    ),
    /** The first messages in full. */
    messages: Type.Array(HeaderMessageSchema, { maxItems: 50 }),
    messagesNotListed: Count,
    rows: Type.Array(HeaderRowSchema, { maxItems: 10_000 }),
    rowsNotListed: Count,
    /** Totals over every message read, listed or not. */
    totals: Type.Object(
      { protected: Count, cleartext: Count, unknown: Count, noInternetHop: Count, noHops: Count },
      strict,
    ),
    problems: Type.Array(Type.Object({ source: Text(1100), detail: Text(500) }, strict), { maxItems: 100 }),
    problemsNotListed: Count,
    limits: Type.Array(Text(300), { maxItems: 50 }),
  },
  strict,
);
export type HeadersBody = Static<typeof HeadersBodySchema>;
