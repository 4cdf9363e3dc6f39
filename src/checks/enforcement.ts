// Judges `mxray enforce` from its facts: per address, what the cleartext session and the control
// session with STARTTLS together say (enforces TLS at a stage, does not enforce up to the stage
// tested, or cannot be told), then the findings of ENFORCE_CHECKS, then the domain's verdict. Pure:
// the job runs it after probing, `mxray report --rejudge` on a saved report.
import type { EnforceAddressFacts, EnforceAddressReport, EnforceAssessment, EnforceBody, EnforceSession, EnforceStage, EnforceStep, Finding, ReplyFacts, Verdict } from '../core/schema.js';

export { isRefusal, STAGE_LABEL };
import { ENFORCE_STAGES } from '../core/vocabulary.js';
import { SEVERITY_RANK, sortFindings } from '../kb/index.js';
import type { Profile } from '../kb/profiles.js';
import { replyMeans } from '../kb/reply-patterns.js';
import { assessDns } from './dns/index.js';
import { isRefusal, STAGE_LABEL } from './enforce/stages.js';
import { ENFORCE_CHECKS } from './registry.js';
import { verdictOf, worstVerdict } from './verdict.js';

/** An enforce body before judging: every address holds facts only. */
export type EnforceFacts = Omit<EnforceBody, 'addresses'> & { addresses: EnforceAddressFacts[] };

export interface EnforceJudgeContext {
  profile: Profile;
}

export interface EnforceJudgement {
  body: EnforceBody;
  findings: Finding[];
  verdict: Verdict;
}

const order = (stage: EnforceStage) => ENFORCE_STAGES.indexOf(stage);

/** The first refused stage of a session, if any. */
function firstRefusal(session: EnforceSession | null): EnforceStep | null {
  return session?.steps.find(isRefusal) ?? null;
}

function verdictOfAddress(
  verdict: EnforceAssessment['verdict'],
  stage: EnforceStage | null,
  reply: ReplyFacts | null,
  controlReply: ReplyFacts | null,
  reason: string,
): EnforceAssessment {
  return { verdict, stage, reply, controlReply, reason };
}

/**
 * One address: the cleartext session refused at a stage the control session with TLS passed ⇒
 * enforces; it got through to the last stage tested ⇒ does not enforce up to there; refused with
 * TLS too, before TLS could matter, or only for a while ⇒ cannot be told. `lastStage`: 'rcpt', or
 * 'data' with --through-data.
 */
export function judgeAddress(facts: Pick<EnforceAddressFacts, 'cleartext' | 'control'>, lastStage: EnforceStage): EnforceAssessment {
  const clear = facts.cleartext;
  const last = clear.steps.at(-1) ?? null;
  if (!last || last.reply === null) {
    const why = clear.status === 'deadline-reached' ? `untested: ${clear.statusDetail ?? 'stopped at the deadline'}` : `the cleartext session failed (${clear.status})`;
    return verdictOfAddress('inconclusive', last?.stage ?? null, null, null, why);
  }
  const control = facts.control;
  const controlAt = (stage: EnforceStage) => control?.steps.find((s) => s.stage === stage)?.reply ?? null;
  if (!isRefusal(last)) {
    if (last.stage !== lastStage) {
      // Accepted so far, then the session broke before the last stage was asked.
      const why = clear.status === 'deadline-reached' ? `untested after ${STAGE_LABEL[last.stage]}: ${clear.statusDetail ?? 'stopped at the deadline'}` : `the cleartext session failed after ${STAGE_LABEL[last.stage]} (${clear.status})`;
      return verdictOfAddress('inconclusive', last.stage, null, null, why);
    }
    return verdictOfAddress('not-enforced', last.stage, last.reply, controlAt(last.stage), `not refused up to ${STAGE_LABEL[last.stage]}`);
  }
  const stage = last.stage;
  const reply = last.reply;
  const meansTls = replyMeans(reply, 'requires-tls');
  const controlRefusal = firstRefusal(control);
  if (controlRefusal && order(controlRefusal.stage) <= order(stage)) {
    // Refused in clear text with words that ask for TLS, and inside TLS for the missing client
    // certificate (Postfix smtpd_tls_req_ccert): TLS is enforced, and a certificate on top.
    if (meansTls && controlRefusal.reply !== null && replyMeans(controlRefusal.reply, 'client-cert-required')) {
      return verdictOfAddress('enforces', stage, reply, controlRefusal.reply, `refused at ${STAGE_LABEL[stage]} without TLS; with TLS it asks for a client certificate`);
    }
    return verdictOfAddress('inconclusive', stage, reply, controlRefusal.reply, 'refused with TLS too');
  }
  // Up to EHLO both sessions say the same words: the server cannot know yet whether TLS will follow.
  if ((stage === 'banner' || stage === 'ehlo') && !meansTls) {
    return verdictOfAddress('inconclusive', stage, reply, controlAt(stage), 'refused before TLS could matter');
  }
  if (!meansTls && (replyMeans(reply, 'greylisting') || replyMeans(reply, 'rate-limit'))) {
    return verdictOfAddress('inconclusive', stage, reply, controlAt(stage), 'a temporary refusal (greylisting or a limit)');
  }
  const passed = controlAt(stage);
  if (passed !== null) return verdictOfAddress('enforces', stage, reply, passed, `refused at ${STAGE_LABEL[stage]} without TLS, accepted with TLS`);
  // The control session did not get that far (no STARTTLS, a failed handshake): only the reply's own words can tell.
  if (meansTls) return verdictOfAddress('enforces', stage, reply, null, `refused at ${STAGE_LABEL[stage]}: the reply asks for TLS`);
  return verdictOfAddress('inconclusive', stage, reply, null, 'the control session with TLS did not get that far');
}

/** Strips what judging added, leaving the facts an enforce body was judged from. */
export function enforceFacts(body: EnforceBody): EnforceFacts {
  const addresses = body.addresses.map(({ assessment: _a, verdict: _v, findings: _f, ...facts }) => facts);
  return { ...body, addresses };
}

/** One finding per id over every address (worst severity kept, hosts and evidence merged), worst first. */
function mergeFindings(findings: readonly Finding[]): Finding[] {
  const byId = new Map<string, Finding>();
  for (const f of findings) {
    const key = f.hosts.length ? f.id : `${f.id}\n${f.detail}`;
    const seen = byId.get(key);
    if (!seen) byId.set(key, { ...f, hosts: [...f.hosts], evidence: [...f.evidence] });
    else {
      if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[seen.severity]) seen.severity = f.severity;
      for (const h of f.hosts) if (!seen.hosts.includes(h)) seen.hosts.push(h);
      for (const e of f.evidence) if (!seen.evidence.includes(e)) seen.evidence.push(e);
    }
  }
  return sortFindings([...byId.values()]);
}

export function judgeEnforce(facts: EnforceFacts, ctx: EnforceJudgeContext): EnforceJudgement {
  const lastStage: EnforceStage = facts.envelope.throughData ? 'data' : 'rcpt';
  const addresses: EnforceAddressReport[] = facts.addresses.map((a) => {
    const assessment = judgeAddress(a, lastStage);
    const findings: Finding[] = [];
    for (const check of ENFORCE_CHECKS) findings.push(...check.assess({ facts: a, assessment, profile: ctx.profile }));
    return { ...a, assessment, verdict: verdictOf(findings), findings };
  });
  const dnsFindings = assessDns(facts.dns, { domain: facts.target.domain, host: facts.target.host, resolver: facts.dns.resolver, evidence: facts.dnsEvidence });
  const findings = mergeFindings([...dnsFindings, ...addresses.flatMap((a) => a.findings)]);
  let verdict: Verdict;
  if (addresses.length > 0) verdict = worstVerdict([verdictOf(dnsFindings), ...addresses.map((a) => a.verdict)]);
  else if (facts.dns.status === 'null-mx') verdict = 'not-applicable';
  // Nothing was tested: whatever DNS said, enforcement is not known.
  else verdict = worstVerdict([verdictOf(dnsFindings), 'inconclusive']);
  return { body: { ...facts, addresses }, findings, verdict };
}
