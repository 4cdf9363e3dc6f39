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

/** How `mxray send` uses TLS: never, when offered (STARTTLS), always (STARTTLS, or not sent), or from the first byte (port 465). */
export const SEND_TLS_MODES = ['none', 'opportunistic', 'required', 'implicit'] as const;

/** What `mxray send` requires of the server's certificate: nothing, a chain to a trusted root, or that and the server's name. */
export const SEND_VERIFY_MODES = ['none', 'ca', 'name'] as const;

/** The stages of one `mxray send` session, in the order they come. */
export const SEND_STAGES = ['connect', 'tls', 'banner', 'ehlo', 'starttls', 'auth', 'mail', 'rcpt', 'data', 'message'] as const;

/** What became of the message: delivered (accepted at the end of its data), refused or deferred by the server, not sent by us, or a failure. */
export const SEND_OUTCOMES = ['delivered', 'refused', 'deferred', 'not-sent', 'failed'] as const;

/** An MTA-STS policy's modes (RFC 8461 §5). */
export const MTA_STS_MODES = ['enforce', 'testing', 'none'] as const;
