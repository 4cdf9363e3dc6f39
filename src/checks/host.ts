// The pure judge for one MX address: facts (and their transcript evidence) in, findings and a
// verdict out. It never touches the network. The checks live one per folder and are listed once,
// in order, in registry.ts; assessHost runs that list.
import type { Finding, HostAssessment, HostFacts, HostReport, Verdict } from '../core/schema.js';
import { makeFinding } from '../kb/index.js';
import { DEFAULT_PROFILE } from '../kb/profiles.js';
import type { AssessContext, HostCheckContext, HostJudgeContext } from './check.js';
import { verifyHostCertificates } from './certificate/index.js';
import { identifySoftware } from './software.js';
import { judgeCleartext } from './cleartext/index.js';
import { classifyEnvelope } from './envelope/index.js';
import { lastOf } from './evidence.js';
import { HOST_CHECKS } from './registry.js';
import { readLegacyCause } from './tls/index.js';
import { verdictOf } from './verdict.js';

export type { Evidence } from '../core/schema.js';
export type { AssessContext, HostJudgeContext } from './check.js';
export { isRateLimitReply } from './replies.js';

/** The receiving software, from what the server said of itself before and inside TLS. */
export function softwareOf(facts: Pick<HostFacts, 'banner' | 'ehloReply' | 'ehloTlsReply' | 'mx' | 'capabilities' | 'capabilitiesInTls'>): HostAssessment['software'] {
  const ehlo = facts.ehloTlsReply ?? facts.ehloReply;
  // The EHLO reply's first line after the announced name ("mx.example.com Hello [192.0.2.1]").
  const ehloText = ehlo?.lines[0]?.replace(/^\S+\s*/, '') ?? null;
  const match = identifySoftware({
    banner: facts.banner ? facts.banner.lines.join(' ') : null,
    ehloText,
    host: facts.mx,
    extensions: (facts.capabilitiesInTls ?? facts.capabilities).map((c) => c.keyword),
  });
  return match ? { id: match.id, name: match.name, remediationKey: match.remediationKey, confidence: match.confidence, evidence: match.evidence } : null;
}

/** Chain verification, name matching and reply classification, from the measured facts only. */
export function assessFacts(facts: HostFacts, ctx: AssessContext): HostAssessment {
  const { certificate, certificateFrom, noSni } = verifyHostCertificates(facts, ctx);
  const { legacyCause, certificateReceived } = readLegacyCause(facts, (ctx.profile ?? DEFAULT_PROFILE).currentProtocols);
  return { software: softwareOf(facts), certificate, certificateFrom, noSni, legacyCause, certificateReceived, envelope: classifyEnvelope(facts.envelope), cleartext: judgeCleartext(facts.cleartext) };
}

export interface HostJudgement {
  findings: Finding[];
  verdict: Verdict;
}

/** One address judged: the facts, what the checks made of them, the findings and the verdict. */
export function judgeHost(facts: HostFacts, ctx: HostJudgeContext): HostReport {
  try {
    const assessment = assessFacts(facts, ctx);
    const { findings, verdict } = assessHost(facts, assessment, ctx);
    return { ...facts, assessment, verdict, findings };
  } catch (err) {
    // Our own bug while judging (sslyze's rule): labelled as ours, never blamed on the server, and
    // the other hosts' results and every measured fact survive.
    const detail = err instanceof Error ? err.message : String(err);
    const findings = [makeFinding('mxray.internal-error', { host: facts.key, detail: `while judging: ${detail}` }, lastOf(facts.evidence), [facts.key])];
    return { ...facts, assessment: UNJUDGED, verdict: verdictOf(findings), findings };
  }
}

/** The assessment of a host whose judging failed: nothing concluded. */
const UNJUDGED: HostAssessment = { software: null, certificate: null, certificateFrom: null, noSni: null, legacyCause: null, certificateReceived: null, envelope: [], cleartext: null };

/** Every check of the registry, in order, each seeing the findings of those before it. */
export function assessHost(facts: HostFacts, assessment: HostAssessment, ctx: HostCheckContext): HostJudgement {
  const findings: Finding[] = [];
  for (const check of HOST_CHECKS) findings.push(...check.assess({ facts, assessment, ctx, prior: [...findings] }));
  return { findings, verdict: verdictOf(findings) };
}
