import type { StatusCode, TlsRecordSummaryFacts } from './schema.js';

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

/**
 * A TLS handshake that failed, with what the server sent during it as far as the record layer
 * shows (an alert, its certificate, no TLS at all): the checks read why it failed from this.
 */
export class TlsHandshakeError extends Error {
  readonly code = 'tls-handshake-error' satisfies StatusCode;
  constructor(
    message: string,
    /** OpenSSL's reason or an errno. */
    readonly reason: string,
    readonly seen: TlsRecordSummaryFacts,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'TlsHandshakeError';
  }
}

/** Something the user typed that we cannot use: one line, exit 2. */
export class UsageError extends Error {
  /** Whether the command's --help would help (a bad option or target), rather than a file that cannot be read or written. */
  readonly helpful: boolean;
  constructor(message: string, options: { helpful?: boolean } = {}) {
    super(message);
    this.name = 'UsageError';
    this.helpful = options.helpful ?? true;
  }
}

/**
 * A DNS outcome. REFUSED: a server answered and refused the query; UNREACHABLE: no DNS server
 * answers at that address at all (nothing listens there: ICMP port unreachable, TCP refused).
 */
export type DnsErrorCode = 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'TIMEOUT' | 'REFUSED' | 'UNREACHABLE' | 'OTHER';

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

/** Any thrown value as a status of the closed list, its words and its machine-readable reason. */
export function statusOfError(err: unknown): { status: StatusCode; detail: string; reason: string | null } {
  if (err instanceof MxrayError) return { status: err.code, detail: err.message, reason: err.detail };
  if (err instanceof TlsHandshakeError) return { status: 'tls-handshake-error', detail: err.message, reason: err.reason };
  // Not a network outcome: our own bug, labelled as such (never blamed on the server).
  return { status: 'internal-error', detail: err instanceof Error ? err.message : String(err), reason: 'bug' };
}
