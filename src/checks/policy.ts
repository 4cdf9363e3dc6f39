// Judging what a server does with mail offered without TLS.
import type { CleartextFacts, EnvelopeOutcome, Finding, HostAssessment, ReplyFacts } from '../core/schema.js';
import { makeFinding } from '../kb/index.js';
import { replyMeans } from '../kb/reply-patterns.js';
import { formatReply } from '../smtp/reply.js';

/** A refusal that says "use TLS first": 530 (RFC 3207), or a 4xx/5xx x.7.x reply that names TLS (kb/reply-patterns.ts). */
export function isRequireTlsReply(reply: ReplyFacts): boolean {
  return replyMeans(reply, 'requires-tls');
}

export function assessCleartext(c: CleartextFacts, judged: NonNullable<HostAssessment['cleartext']>, host: string, evidence: number[]): Finding[] {
  if (judged.requiresTls === true) {
    const step = c.steps[judged.outcomes.findIndex((s) => s.outcome === 'requires-tls')];
    const stage = step?.command.startsWith('RCPT') ? 'RCPT TO' : 'MAIL FROM';
    return [makeFinding('policy.requires-tls', { host, stage, reply: formatReply(step?.reply ?? null) }, evidence, [host])];
  }
  if (judged.requiresTls === false) {
    const last = c.steps[c.steps.length - 1];
    const stage = last?.command.startsWith('RCPT') ? 'RCPT TO' : 'MAIL FROM';
    return [makeFinding('policy.cleartext-accepted', { host, stage }, evidence, [host])];
  }
  return [];
}

/** What a reply to MAIL FROM / RCPT TO means for the envelope test. */
export function classifyEnvelopeReply(reply: ReplyFacts | null): EnvelopeOutcome {
  if (!reply) return 'no-reply';
  if (isRequireTlsReply(reply)) return 'requires-tls';
  // Reply codes run from 200 to 599 (smtp/reply reads nothing else).
  if (reply.code < 300) return 'accepted';
  if (replyMeans(reply, 'greylisting')) return 'greylisted';
  if (reply.code >= 400 && reply.code < 500) return 'deferred';
  return 'rejected';
}
