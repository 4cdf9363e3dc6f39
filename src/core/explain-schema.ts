// The facts of `mxray explain`: the text given, the bounce messages in it read recipient by
// recipient, and for each line (or recipient's diagnostic) that holds a reply or status code or
// that a rule recognises, what it means (kb/error-rules.ts, kb/enhanced-status.ts) and what to do.
import { Type, type Static } from '@sinclair/typebox';
import { Literals, Nullable, strict } from './schema-parts.js';

export const ExplainStatusSchema = Type.Object(
  {
    /** The three-digit reply code, or null for an enhanced status code on its own. */
    reply: Nullable(Type.Integer({ minimum: 200, maximum: 599 })),
    /** The enhanced status code as normalised ("5.7.1"), or null. */
    code: Nullable(Type.String({ maxLength: 20 })),
    /** true: the sender gives up (5.x.x); false: it tries again (4.x.x); null: success or no enhanced code. */
    final: Nullable(Type.Boolean()),
    /** The class, subject and detail meanings of the registry (null where it has none). */
    meaning: Nullable(Type.String({ maxLength: 400 })),
    /** About transport security (X.7.0, X.7.3 … X.7.6, X.7.10, X.7.11, X.7.30). */
    tls: Type.Boolean(),
    ref: Nullable(Type.String({ maxLength: 80 })),
    /** The words that follow the code in the text. */
    words: Type.String({ maxLength: 300 }),
    /** The reply's class and the enhanced code's disagree ("451 5.7.3", RFC 2034 §4): the sender acts on the reply code. */
    classMismatch: Type.Boolean(),
  },
  strict,
);
export type ExplainStatus = Static<typeof ExplainStatusSchema>;

export const ExplainRuleSchema = Type.Object(
  {
    id: Type.String({ maxLength: 80 }),
    platform: Type.String({ maxLength: 40 }),
    /** A library's reason quoted inside another product's message (an extra layer, not a second meaning). */
    reason: Type.Boolean(),
    meaning: Type.String({ maxLength: 2000 }),
    fault: Literals(['receiver', 'sender', 'either', 'path'] as const),
    causes: Type.Array(Type.Object({ cause: Type.String({ maxLength: 1000 }), findings: Type.Array(Type.String({ maxLength: 80 }), { maxItems: 16 }) }, strict), { maxItems: 16 }),
    /** The confirming command, with what the text names filled in. */
    confirm: Type.String({ maxLength: 600 }),
    fixes: Type.Record(Type.String({ maxLength: 40 }), Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 16 })),
    refs: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 16 }),
    /** What the rule's pattern captured (host, domain, ip, status …). */
    captures: Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 253 })),
  },
  strict,
);
export type ExplainRule = Static<typeof ExplainRuleSchema>;

export const ExplainItemSchema = Type.Object(
  {
    /** The line's number in its input (1-based), or null for a recipient's diagnostic read from a bounce's structure. */
    line: Nullable(Type.Integer({ minimum: 1 })),
    /** The file it comes from, when files were given. */
    file: Nullable(Type.String({ maxLength: 1000 })),
    /** The recipient a bounce reports this diagnostic for, or null. */
    recipient: Nullable(Type.String({ maxLength: 320 })),
    /** The line as read (capped). */
    text: Type.String({ maxLength: 16384 }),
    statuses: Type.Array(ExplainStatusSchema, { maxItems: 32 }),
    /** The index in `statuses` of the one that says what failed (the innermost), or null. */
    root: Nullable(Type.Integer({ minimum: 0 })),
    rules: Type.Array(ExplainRuleSchema, { maxItems: 64 }),
  },
  strict,
);
export type ExplainItem = Static<typeof ExplainItemSchema>;

export const BounceRecipientSchema = Type.Object(
  {
    address: Type.String({ maxLength: 320 }),
    /** failed, delayed, delivered, relayed, expanded (RFC 3464 §2.3.3), or null when the bounce does not say. */
    action: Nullable(Type.String({ maxLength: 40 })),
    /** The enhanced status code the bounce gives ("5.7.3"). */
    status: Nullable(Type.String({ maxLength: 20 })),
    /** The server that answered (Remote-MTA, or the host the bounce names). */
    remoteMta: Nullable(Type.String({ maxLength: 300 })),
    lastAttempt: Nullable(Type.String({ maxLength: 100 })),
    /** The index in `items` of this recipient's explained diagnostic, or null (no diagnostic, no status). */
    item: Nullable(Type.Integer({ minimum: 0 })),
  },
  strict,
);
export type BounceRecipientFacts = Static<typeof BounceRecipientSchema>;

export const BounceSchema = Type.Object(
  {
    /** The file, when files were given. */
    file: Nullable(Type.String({ maxLength: 1000 })),
    /** Which part told the recipients: the RFC 3464 delivery-status part, or the human-readable text of Exchange, Postfix, Exim, or another MTA. */
    format: Literals(['rfc3464', 'exchange', 'postfix', 'exim', 'text'] as const),
    reportingMta: Nullable(Type.String({ maxLength: 300 })),
    subject: Nullable(Type.String({ maxLength: 1000 })),
    recipients: Type.Array(BounceRecipientSchema, { maxItems: 500 }),
  },
  strict,
);
export type BounceFacts = Static<typeof BounceSchema>;

export const ExplainBodySchema = Type.Object(
  {
    /** Where the text came from: the command line, standard input, or files (their names). */
    input: Type.Object({ source: Literals(['argument', 'stdin', 'file'] as const), names: Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 64 }), lines: Type.Integer({ minimum: 0 }), bytes: Type.Integer({ minimum: 0 }) }, strict),
    /** Each line with a code or a recognised text, in input order, and each bounced recipient's diagnostic (at most 5000). */
    items: Type.Array(ExplainItemSchema, { maxItems: 5000 }),
    /** The bounce messages (NDRs, DSNs) read whole: recipient by recipient. */
    bounces: Type.Array(BounceSchema, { maxItems: 64 }),
    /** Lines (or diagnostics) a rule recognised, all of them, also those past the 5000 kept. */
    recognised: Type.Integer({ minimum: 0 }),
    /** Lines with codes no rule recognised (their codes are still decoded), and lines left out past the bound. */
    unrecognised: Type.Integer({ minimum: 0 }),
    omitted: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type ExplainBody = Static<typeof ExplainBodySchema>;
