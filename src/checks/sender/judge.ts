// The whole sender Report's judgement: the findings of SENDER_CHECKS, worst first, and the verdict
// by the one rule every kind uses (checks/verdict.ts). The job calls judgeSenderReport after the
// session; `mxray report --rejudge` calls it again on the saved body.
import type { Finding, SenderBody, Verdict } from '../../core/schema.js';
import { sortFindings } from '../../kb/index.js';
import { SENDER_CHECKS } from '../registry.js';
import { verdictOf } from '../verdict.js';
import type { SenderJudgeContext } from './index.js';

export interface SenderJudgement {
  findings: Finding[];
  verdict: Verdict;
}

/** Every finding about the sending server, worst first. */
export function judgeSender(body: SenderBody, ctx: SenderJudgeContext): Finding[] {
  return sortFindings(SENDER_CHECKS.flatMap((check) => check.assess({ body, ctx })));
}

/** The Report's verdict from its findings: fail on an error, inconclusive where a lookup did not finish, warn on a warning. */
export function senderVerdict(findings: readonly Finding[]): Verdict {
  return verdictOf(findings);
}

/** Findings and verdict together, for the Report's `findings` and `verdict`. */
export function judgeSenderReport(body: SenderBody, ctx: SenderJudgeContext): SenderJudgement {
  const findings = judgeSender(body, ctx);
  return { findings, verdict: senderVerdict(findings) };
}
