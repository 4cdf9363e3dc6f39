// What a server's reply means to the checks. The rules are data in kb/reply-patterns.ts.
import type { ReplyFacts } from '../core/schema.js';
import { replyMeans } from '../kb/reply-patterns.js';

/** 421, or a 4xx that says "too many" / "rate": the server is limiting us, not refusing TLS (kb/reply-patterns.ts). */
export function isRateLimitReply(reply: ReplyFacts): boolean {
  return replyMeans(reply, 'rate-limit');
}

/** A refusal that says "use TLS first": 530 (RFC 3207), or a 4xx/5xx x.7.x reply that names TLS (kb/reply-patterns.ts). */
export function isRequireTlsReply(reply: ReplyFacts): boolean {
  return replyMeans(reply, 'requires-tls');
}
