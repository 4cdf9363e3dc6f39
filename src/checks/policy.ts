// Judging what a server does with mail offered without TLS.
import type { CleartextFacts, EnvelopeStep, Finding, ReplyFacts } from '../core/schema.js';
import { makeFinding } from '../kb/index.js';
import { formatReply } from '../smtp/reply.js';

/** A refusal that says "use TLS first": 530 (RFC 3207), or a 4xx/5xx x.7.x reply that names TLS. */
export function isRequireTlsReply(reply: ReplyFacts): boolean {
  // 530 is RFC 3207's "must issue STARTTLS first", but Exchange also uses it for
  // "530 5.7.1 Client was not authenticated": only 5.7.0 (or words about TLS) mean TLS.
  if (reply.code === 530 && (reply.enhanced === null || reply.enhanced === '5.7.0')) return !/authenticat/i.test(reply.lines.join(' '));
  if (reply.code < 400) return false;
  const text = reply.lines.join(' ');
  const securityCode = reply.enhanced !== null && /^[45]\.7\.\d+$/.test(reply.enhanced);
  return /\b(START)?TLS\b|encrypt|secure (connection|channel)/i.test(text) && (securityCode || /must|requir|first/i.test(text));
}

export function assessCleartext(c: CleartextFacts, host: string, evidence: number[]): Finding[] {
  if (c.requiresTls === true) {
    const step = c.steps.find((s) => s.outcome === 'requires-tls');
    const stage = step?.command.startsWith('RCPT') ? 'RCPT TO' : 'MAIL FROM';
    return [makeFinding('policy.requires-tls', { host, stage, reply: formatReply(step?.reply ?? null) }, evidence, [host])];
  }
  if (c.requiresTls === false) {
    const last = c.steps[c.steps.length - 1];
    const stage = last?.command.startsWith('RCPT') ? 'RCPT TO' : 'MAIL FROM';
    return [makeFinding('policy.cleartext-accepted', { host, stage }, evidence, [host])];
  }
  return [];
}

/** What a reply to MAIL FROM / RCPT TO means for the envelope test. */
export function classifyEnvelopeReply(reply: ReplyFacts | null): EnvelopeStep['outcome'] {
  if (!reply) return 'no-reply';
  if (isRequireTlsReply(reply)) return 'requires-tls';
  // Reply codes run from 200 to 599 (smtp/reply reads nothing else).
  if (reply.code < 300) return 'accepted';
  if (reply.code === 450 || reply.code === 451) return /grey|gray|try again|later/i.test(reply.lines.join(' ')) ? 'greylisted' : 'deferred';
  if (reply.code >= 400 && reply.code < 500) return 'deferred';
  return 'rejected';
}
