// The error catalogue: what each status of the one closed list (schema.ts STATUS_CODES) means and
// on whose side it usually lies. Tests and callers assert codes, never message text.
import type { StatusCode } from './schema.js';

export interface StatusEntry {
  /** Plain words for people. */
  meaning: string;
  /** Where the cause usually lies: the server tested, our side (network, input, mxray), or the network between. */
  side: 'them' | 'us' | 'between' | 'none';
}

export const STATUS_CATALOGUE: Readonly<Record<StatusCode, StatusEntry>> = {
  ok: { meaning: 'completed', side: 'none' },
  'dns-error': { meaning: 'a DNS lookup failed', side: 'between' },
  'connection-refused': { meaning: 'the connection was refused (or no route led there)', side: 'them' },
  'connection-timeout': { meaning: 'no answer to the connection attempt in time (often port 25 blocked on the way)', side: 'between' },
  'greeting-timeout': { meaning: 'connected, but no greeting came in time', side: 'them' },
  'protocol-error': { meaning: 'the server broke the SMTP protocol, refused us, or closed the connection', side: 'them' },
  'starttls-refused': { meaning: 'the server refused STARTTLS', side: 'them' },
  'tls-handshake-error': { meaning: 'the TLS handshake failed', side: 'them' },
  'post-tls-error': { meaning: 'the dialogue broke after TLS was established', side: 'them' },
  'io-timeout': { meaning: 'the server stopped answering in the middle of the dialogue', side: 'them' },
  'invalid-input': { meaning: 'the input cannot be used (a bad name, address, file or URL)', side: 'us' },
  'blocked-target': { meaning: 'the target is not allowed (address policy)', side: 'us' },
  'internal-error': { meaning: 'a bug in mxray, not a problem of the server tested', side: 'us' },
  'deadline-reached': { meaning: "stopped by mxray: the test's deadline came before this probe finished", side: 'us' },
};

/**
 * Status reasons of mxray's own caps on a reply (smtp/session.ts: lines and bytes per reply): a
 * probe stopped by one broke no rule of SMTP.
 */
export const OWN_CAP_REASONS: ReadonlySet<string | null> = new Set(['reply-too-long', 'reply-too-large']);
