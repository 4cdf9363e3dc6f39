// The closed word lists of `mxray tlsrpt` that runtime code needs as values. Here, not in
// tlsrpt-schema.ts, so that using them never loads TypeBox (as core/vocabulary.ts for the others).

/** The RFC 8460 §4.3 result types, as registered (IANA "STARTTLS Validation Result Types"). */
export const TLSRPT_RESULT_TYPES = [
  'starttls-not-supported',
  'certificate-host-mismatch',
  'certificate-expired',
  'certificate-not-trusted',
  'validation-failure',
  'tlsa-invalid',
  'dnssec-invalid',
  'dane-required',
  'sts-policy-fetch-error',
  'sts-policy-invalid',
  'sts-webpki-invalid',
] as const;
export type TlsRptResultType = (typeof TLSRPT_RESULT_TYPES)[number];

/** RFC 8460 §4.4 policy types; 'other' for a value the RFC does not define (kept in `policyTypeAsSent`). */
export const TLSRPT_POLICY_TYPES = ['sts', 'tlsa', 'no-policy-found', 'other'] as const;

/** Why an input (a file, a message in a mailbox, an attachment) gave no report. */
export const TLSRPT_PROBLEMS = [
  /** Not JSON (or not UTF-8 text). */
  'not-json',
  /** JSON, but not an RFC 8460 report: a required field missing or of the wrong type (the detail names it). */
  'not-a-report',
  /** Bigger than mxray reads (a file, a report, or what a gzip stream expands to: a gzip bomb stops at the cap). */
  'too-large',
  /** A gzip stream that is cut short or damaged. */
  'bad-gzip',
  /** A mail (or a message of a mailbox) with no TLS-RPT report attached. */
  'no-report',
  /** A mail whose MIME structure cannot be walked (too deep, too many parts, a bad transfer encoding). */
  'bad-mime',
  /** Neither JSON, gzip nor mail. */
  'unknown-format',
  /** A file found in a folder that could not be read (permissions, an I/O error). */
  'unreadable',
  /** The same report (organization-name and report-id) read before: counted once. */
  'duplicate',
] as const;
export type TlsRptProblemCode = (typeof TLSRPT_PROBLEMS)[number];
