// The closed word lists of the Report that runtime code needs as values (renderers check class
// names against them). Here, not in schema.ts, so that using them never loads TypeBox.

export const SEVERITIES = ['ok', 'info', 'warning', 'error', 'critical'] as const;

/** The verdict vocabulary of every kind of report. */
export const VERDICTS = ['pass', 'warn', 'fail', 'inconclusive', 'not-applicable'] as const;
