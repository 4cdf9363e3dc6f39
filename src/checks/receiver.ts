// Judges a whole receiver test from its facts: the DNS step, every address, and what only all of
// them together show. Pure: `mxray check` runs it after probing, `mxray report --rejudge` on a
// saved report with another trust store or date.
import type { TrustStore } from '../core/context.js';
import type { Finding, HostReport, ReceiverBody, TranscriptEvent, Verdict } from '../core/schema.js';
import { sortFindings } from '../kb/index.js';
import type { Profile } from '../kb/profiles.js';
import type { ReceiverFacts } from './check.js';
import { judgeHost } from './host.js';
import { DOMAIN_CHECKS } from './registry.js';
import { verdictOf, worstVerdict } from './verdict.js';

export type { ReceiverFacts } from './check.js';

export interface ReceiverJudgeContext {
  trustStore: TrustStore;
  /** The moment certificates are judged at. */
  now: number;
  profile: Profile;
  warnDays: number;
  expectThumbprint: string | null;
  transcript: readonly TranscriptEvent[];
}

export interface ReceiverJudgement {
  body: ReceiverBody;
  findings: Finding[];
  verdict: Verdict;
}

/** Top-level findings: one per id, listing every host it was seen on. */
function mergeFindings(domain: Finding[], hosts: HostReport[]): Finding[] {
  const byId = new Map<string, Finding>();
  for (const f of [...domain, ...hosts.flatMap((h) => h.findings)]) {
    const seen = byId.get(f.id);
    if (!seen) byId.set(f.id, { ...f, hosts: [...f.hosts], evidence: [...f.evidence] });
    else {
      for (const h of f.hosts) if (!seen.hosts.includes(h)) seen.hosts.push(h);
      for (const e of f.evidence) if (!seen.evidence.includes(e)) seen.evidence.push(e);
    }
  }
  return sortFindings([...byId.values()]);
}

/** Strips what judging added, leaving the facts a receiver body was judged from. */
export function receiverFacts(body: ReceiverBody): ReceiverFacts {
  const hosts = body.hosts.map(({ assessment: _a, verdict: _v, findings: _f, ...facts }) => facts);
  return { ...body, hosts };
}

/** What only the domain as a whole shows: every domain check of the registry, in order. */
export function assessDomain(facts: ReceiverFacts, hosts: readonly Pick<HostReport, 'status'>[]): Finding[] {
  const findings: Finding[] = [];
  for (const check of DOMAIN_CHECKS) findings.push(...check.assess({ facts, hosts, prior: [...findings] }));
  return findings;
}

export function judgeReceiver(facts: ReceiverFacts, ctx: ReceiverJudgeContext): ReceiverJudgement {
  const hosts = facts.hosts.map((h) =>
    judgeHost(h, {
      trustStore: ctx.trustStore,
      now: ctx.now,
      domain: facts.target.domain,
      profile: ctx.profile,
      warnDays: ctx.warnDays,
      expectThumbprint: ctx.expectThumbprint,
      timeouts: facts.timeouts,
      transcript: ctx.transcript,
    }),
  );
  const domainFindings = assessDomain(facts, hosts);
  return {
    body: { ...facts, hosts },
    findings: mergeFindings(domainFindings, hosts),
    verdict: worstVerdict([verdictOf(domainFindings), ...hosts.map((h) => h.verdict)]),
  };
}
