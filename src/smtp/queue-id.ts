// The queue id in a server's final reply to a message, so the message can be found in its log.
// Pure and total: a reply in, an id or null out.
import type { ReplyFacts } from '../core/schema.js';

const PATTERNS: readonly RegExp[] = [
  // Postfix: "250 2.0.0 Ok: queued as 4ABCD1234"
  /\bqueued as ([0-9A-Za-z][0-9A-Za-z.-]{0,63})/i,
  // Exim: "250 OK id=1vXyZa-000123-AB"
  /\bid=([0-9A-Za-z][0-9A-Za-z.-]{0,63})/i,
  // Exchange: "250 2.6.0 <…> [InternalId=12345, Hostname=…] Queued mail for delivery"
  /\bInternalId=([0-9A-Za-z-]{1,64})/i,
  // Sendmail: "250 2.0.0 4ABCD123 Message accepted for delivery"
  /^(?:2\.\d{1,3}\.\d{1,3} )?([0-9A-Za-z]{6,64}) Message accepted/i,
  // Gmail: "250 2.0.0 OK  1732868139 a640c23a62f3a-4a1b2c3d.45 - gsmtp"
  /\b([0-9A-Za-z][0-9A-Za-z.-]{5,63}) - gsmtp\b/,
];

/** The queue id a 2xx final reply names (Postfix, Exim, Exchange, Sendmail, Gmail), or null. */
export function parseQueueId(reply: ReplyFacts): string | null {
  if (reply.code < 200 || reply.code >= 300) return null;
  const text = reply.lines.join(' ');
  for (const p of PATTERNS) {
    const m = p.exec(text);
    if (m) return m[1] as string;
  }
  return null;
}
