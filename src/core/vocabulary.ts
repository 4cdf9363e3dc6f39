// The closed word lists of the Report that runtime code needs as values (renderers check class
// names against them). Here, not in schema.ts, so that using them never loads TypeBox.

export const SEVERITIES = ['ok', 'info', 'warning', 'error', 'critical'] as const;

/** The verdict vocabulary of every kind of report. */
export const VERDICTS = ['pass', 'warn', 'fail', 'inconclusive', 'not-applicable'] as const;

/**
 * The stages of an SMTP dialogue at which `mxray enforce` sees a server refuse mail without TLS,
 * in the order they come: the greeting, EHLO, MAIL FROM, RCPT TO and DATA (up to its 354: nothing
 * is ever delivered, so a check made only at the end of the data cannot be seen).
 */
export const ENFORCE_STAGES = ['banner', 'ehlo', 'mail', 'rcpt', 'data'] as const;

/** What `mxray enforce` concludes for one address. */
export const ENFORCE_VERDICTS = ['enforces', 'not-enforced', 'inconclusive'] as const;
