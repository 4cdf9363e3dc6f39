// The facts of `mxray explain`: the text given, and for each line that holds a reply or status code
// or that a rule recognises, what it means (kb/error-rules.ts, kb/enhanced-status.ts) and what to do.
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
    /** The line's number in the input (1-based). */
    line: Type.Integer({ minimum: 1 }),
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

export const ExplainBodySchema = Type.Object(
  {
    /** Where the text came from: the command line, standard input, or files (their names). */
    input: Type.Object({ source: Literals(['argument', 'stdin', 'file'] as const), names: Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 64 }), lines: Type.Integer({ minimum: 0 }), bytes: Type.Integer({ minimum: 0 }) }, strict),
    /** Each line with a code or a recognised text, in input order (at most 5000). */
    items: Type.Array(ExplainItemSchema, { maxItems: 5000 }),
    /** Lines with codes no rule recognised (their codes are still decoded), and lines left out past the bound. */
    unrecognised: Type.Integer({ minimum: 0 }),
    omitted: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type ExplainBody = Static<typeof ExplainBodySchema>;
