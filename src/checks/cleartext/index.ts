// The cleartext policy: what a server does with mail offered without TLS.
import type { CleartextFacts, Finding, HostAssessment } from '../../core/schema.js';
import { makeFinding } from '../../kb/index.js';
import { formatReply } from '../../smtp/reply.js';
import { evidenceOf, type Check, type CheckInput } from '../check.js';
import { classifyEnvelope } from '../envelope/index.js';

/** What the cleartext test's replies mean: refused for want of TLS, accepted in clear, or unknown. */
export function judgeCleartext(c: CleartextFacts | null): HostAssessment['cleartext'] {
  if (!c) return null;
  const outcomes = classifyEnvelope(c.steps);
  const refused = outcomes.some((s) => s.outcome === 'requires-tls');
  // A test that ran has a MAIL FROM step; one that did not says nothing.
  const allAccepted = outcomes.length > 0 && outcomes.every((s) => s.outcome === 'accepted');
  return { outcomes, requiresTls: refused ? true : allAccepted ? false : null };
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

export type CleartextInput = CheckInput<'cleartext', 'cleartext'>;

export const cleartextCheck: Check<CleartextInput> = {
  name: 'cleartext',
  assess: ({ facts, assessment }) =>
    facts.cleartext && assessment.cleartext ? assessCleartext(facts.cleartext, assessment.cleartext, facts.key, evidenceOf(facts).cleartext ?? []) : [],
};
