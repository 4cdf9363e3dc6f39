// The envelope test (--from / --rcpt): what the server said to MAIL FROM and RCPT TO.
import type { EnvelopeOutcome, EnvelopeStep, HostAssessment, ReplyFacts } from '../../core/schema.js';
import { replyMeans } from '../../kb/reply-patterns.js';
import { formatReply } from '../../smtp/reply.js';
import { evidenceOf, hostFindings, type Check, type CheckInput } from '../check.js';
import { isRequireTlsReply } from '../replies.js';

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

/** Each step of an envelope dialogue, with what its reply means. */
export function classifyEnvelope(steps: readonly EnvelopeStep[]): HostAssessment['envelope'] {
  return steps.map((s) => ({ command: s.command, outcome: classifyEnvelopeReply(s.reply) }));
}

export type EnvelopeInput = CheckInput<'envelope', 'envelope'>;

export const envelopeCheck: Check<EnvelopeInput> = {
  name: 'envelope',
  assess: ({ facts, assessment }) => {
    const ev = evidenceOf(facts);
    const { findings, add } = hostFindings(facts.key);
    facts.envelope.forEach((step, i) => {
      const outcome = assessment.envelope[i]?.outcome;
      if (step.reply?.code === 421) add('smtp.rate-limited', { reply: formatReply(step.reply) }, ev.envelope);
      else if (outcome === 'greylisted') add('smtp.greylisted', { command: step.command, reply: formatReply(step.reply) }, ev.envelope);
      else if (outcome === 'rejected' || outcome === 'deferred') add('smtp.envelope-rejected', { command: step.command, reply: formatReply(step.reply) }, ev.envelope);
    });
    return findings;
  },
};
