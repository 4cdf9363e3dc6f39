// One session's TLS verdict from what its log said (pure). The log's silence is never read as a
// success: where it cannot tell whether the handshake happened (Exchange 2003 after its 220, Postfix
// at smtp_tls_loglevel 0), the session is 'unknown' — only a packet capture can settle it.
import type { LogSession, LogSessionVerdict } from '../../core/logs-schema.js';

export function sessionVerdict(s: Pick<LogSession, 'tls'> & Partial<Pick<LogSession, 'direction'>>): LogSessionVerdict {
  const t = s.tls;
  // Sending, "Trusted" (Postfix at `may`, Exchange's valid chain) checked the chain but not the
  // server's name: a man in the middle with any CA-signed certificate passes it — encrypted, not
  // verified. Receiving, a client certificate has no name to match: a trusted chain is all there is.
  if (t.negotiated === true) return t.verify === 'verified' || (t.verify === 'trusted' && s.direction === 'inbound') ? 'verified' : 'encrypted';
  if (t.clearRetry) return 'failed-then-clear';
  // A STARTTLS refused or a handshake that failed: the log's words say so.
  if (t.failure !== null || (t.attempted === true && t.negotiated === false)) return 'failed';
  if (t.negotiated === false) return 'clear';
  return 'unknown';
}

/** Worst first: the order of the summary's rows and the kept sessions. */
export const VERDICT_ORDER: readonly LogSessionVerdict[] = ['failed-then-clear', 'failed', 'clear', 'unknown', 'encrypted', 'verified'];

export const usedTls = (v: LogSessionVerdict): boolean => v === 'verified' || v === 'encrypted';
