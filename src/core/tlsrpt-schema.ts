// `mxray tlsrpt`: RFC 8460 aggregate reports read from files, folders and mailboxes. The body keeps
// what the reports say, summed per policy (policy-domain and policy-type), per MX host and result
// type, per day, per report; and every input that could not be read, named with why. Every list is
// bounded; what a bound leaves out is counted (`…NotListed`), never dropped silently.
import { Type, type Static } from '@sinclair/typebox';
import { Literals, Nullable, strict } from './schema-parts.js';
import { TLSRPT_POLICY_TYPES, TLSRPT_PROBLEMS } from './tlsrpt-vocabulary.js';

export { TLSRPT_POLICY_TYPES, TLSRPT_PROBLEMS, TLSRPT_RESULT_TYPES, type TlsRptProblemCode } from './tlsrpt-vocabulary.js';

const Name = Type.String({ maxLength: 1100 });
const Day = Type.String({ pattern: '^\\d{4}-\\d\\d-\\d\\d$' });
const Count = Type.Integer({ minimum: 0 });

/** The failed sessions of one result type at one MX host, summed over every report. */
export const TlsRptFailureGroupSchema = Type.Object(
  {
    /** As reported (an unknown one is kept as sent, escaped at display). */
    resultType: Type.String({ maxLength: 200 }),
    /** One of RFC 8460's result types. */
    known: Type.Boolean(),
    /** receiving-mx-hostname (null: not reported). */
    receivingMx: Nullable(Type.String({ maxLength: 300 })),
    /** Distinct receiving-ip values, at most 10. */
    receivingIps: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 10 }),
    /** Distinct sending-mta-ip values seen (counted, not listed). */
    sendingIps: Count,
    failed: Count,
    /** Distinct failure-reason-code values, at most 10. */
    reasonCodes: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 10 }),
    /** Distinct additional-information values, at most 5. */
    additionalInformation: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 5 }),
    /** Organisations that reported it, at most 20. */
    reporters: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 20 }),
  },
  strict,
);
export type TlsRptFailureGroup = Static<typeof TlsRptFailureGroupSchema>;

/** One policy (policy-domain and policy-type) summed over every report that names it. */
export const TlsRptPolicySummarySchema = Type.Object(
  {
    policyDomain: Type.String({ maxLength: 300 }),
    policyType: Literals(TLSRPT_POLICY_TYPES),
    /** The policy-type as sent when it is not one RFC 8460 defines. */
    policyTypeAsSent: Nullable(Type.String({ maxLength: 100 })),
    /** An MTA-STS policy's mode (from policy-string), the last one reported; null when none was sent. */
    mode: Nullable(Type.String({ maxLength: 40 })),
    /** mx-host values (string or array, RFC 8460 and its erratum 6241), at most 20. */
    mxHosts: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 20 }),
    reports: Count,
    successful: Count,
    /** total-failure-session-count summed: what the share is computed from. */
    failed: Count,
    /** failed / (successful + failed), 0 when no session was reported. */
    failedShare: Type.Number({ minimum: 0, maximum: 1 }),
    /** Failed sessions per MX host and result type, most failed first. */
    failures: Type.Array(TlsRptFailureGroupSchema, { maxItems: 200 }),
    failuresNotListed: Count,
    reporters: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 20 }),
  },
  strict,
);
export type TlsRptPolicySummary = Static<typeof TlsRptPolicySummarySchema>;

/** One report read (after duplicates are left out). */
export const TlsRptReportEntrySchema = Type.Object(
  {
    /** Where it was read: "reports/a.json.gz", "inbox.mbox message 3 attachment x.json.gz". */
    source: Name,
    organization: Nullable(Type.String({ maxLength: 200 })),
    reportId: Nullable(Type.String({ maxLength: 300 })),
    contact: Nullable(Type.String({ maxLength: 300 })),
    /** date-range, as UTC ISO dates (null: missing or unreadable; see warnings). */
    start: Nullable(Type.String({ format: 'date-time' })),
    end: Nullable(Type.String({ format: 'date-time' })),
    policies: Count,
    successful: Count,
    failed: Count,
    /** How it deviates from RFC 8460 while still read (a date without time zone, totals that disagree …). */
    warnings: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 20 }),
  },
  strict,
);
export type TlsRptReportEntry = Static<typeof TlsRptReportEntrySchema>;

export const TlsRptProblemSchema = Type.Object(
  {
    source: Name,
    problem: Literals(TLSRPT_PROBLEMS),
    detail: Type.String({ maxLength: 500 }),
  },
  strict,
);
export type TlsRptProblem = Static<typeof TlsRptProblemSchema>;

export const TlsRptBodySchema = Type.Object(
  {
    inputs: Type.Object(
      {
        /** Files given or found in the folders given. */
        files: Count,
        /** Mails read (a single .eml is one, an mbox one per message). */
        messages: Count,
        /** Report documents found (JSON texts, before duplicates are left out). */
        documents: Count,
        /** Reports read and counted. */
        reports: Count,
        duplicates: Count,
        /** Inputs that gave no report (each named in `problems`, duplicates included). */
        unreadable: Count,
      },
      strict,
    ),
    /** The earliest start and latest end of the reports' date ranges (null: none readable). */
    period: Nullable(Type.Object({ start: Type.String({ format: 'date-time' }), end: Type.String({ format: 'date-time' }) }, strict)),
    totals: Type.Object({ successful: Count, failed: Count }, strict),
    /** Worst first: highest failed share, then most failed sessions. */
    policies: Type.Array(TlsRptPolicySummarySchema, { maxItems: 2000 }),
    policiesNotListed: Count,
    /** Sessions per UTC day of each report's start-datetime, in date order. */
    daily: Type.Array(Type.Object({ day: Day, successful: Count, failed: Count }, strict), { maxItems: 3660 }),
    /** Sessions of reports whose dates could not be read (not in `daily`). */
    undated: Type.Object({ reports: Count, successful: Count, failed: Count }, strict),
    reports: Type.Array(TlsRptReportEntrySchema, { maxItems: 20000 }),
    reportsNotListed: Count,
    problems: Type.Array(TlsRptProblemSchema, { maxItems: 1000 }),
    problemsNotListed: Count,
    /** Bounds reached while reading (each also said where it happened): nothing past them was counted. */
    limits: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 50 }),
  },
  strict,
);
export type TlsRptBody = Static<typeof TlsRptBodySchema>;
