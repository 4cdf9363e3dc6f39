// Judges `mxray send` from its facts: the findings of SEND_CHECKS (checks/send/: what became of the
// message, how it went, what the reply means, a --count run's figures) and of DNS, then the verdict.
// Pure: the job runs it after sending.
import type { Finding, SendBody, Verdict } from '../core/schema.js';
import { sortFindings } from '../kb/index.js';
import { assessDns } from './dns/index.js';
import { SEND_CHECKS } from './registry.js';
import { verdictOf, worstVerdict } from './verdict.js';

export { stageWords } from './send/index.js';

export interface SendJudgement {
  findings: Finding[];
  verdict: Verdict;
}

export function judgeSend(body: SendBody): SendJudgement {
  const findings = SEND_CHECKS.flatMap((check) => check.assess({ body }));
  const dnsFindings = assessDns(body.dns, { domain: body.target.domain, host: body.target.host, resolver: body.dns.resolver, evidence: body.dnsEvidence });
  const all = sortFindings([...dnsFindings, ...findings]);
  // Nothing was sent anywhere when there was no server: whatever DNS said, the outcome is not known.
  const verdict = body.server ? worstVerdict([verdictOf(dnsFindings), verdictOf(findings)]) : worstVerdict([verdictOf(dnsFindings), 'inconclusive']);
  return { findings: all, verdict };
}
