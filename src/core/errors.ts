import type { StatusCode } from './schema.js';

/** A failure with a machine-readable code from the one status list. Tests assert `code`, never text. */
export class MxrayError extends Error {
  constructor(
    readonly code: StatusCode,
    message: string,
    /** A machine-readable reason within the code: an errno, 'closed', 'line-too-long' … */
    readonly detail: string | null = null,
    /** Our own address on the failed connection, when the socket layer knew it. */
    readonly localAddress: string | null = null,
  ) {
    super(message);
    this.name = 'MxrayError';
  }
}

/** Something the user typed that we cannot use: one line, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type DnsErrorCode = 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'TIMEOUT' | 'REFUSED' | 'OTHER';

export class DnsError extends Error {
  constructor(
    readonly code: DnsErrorCode,
    readonly qname: string,
    readonly qtype: string,
    message?: string,
  ) {
    super(message ?? `${qtype} ${qname}: ${code}`);
    this.name = 'DnsError';
  }
}
