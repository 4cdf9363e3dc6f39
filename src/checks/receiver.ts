// Judges a whole receiver test from its facts: the DNS step, every address, and what only all of
// them together show. Pure: `mxray check` runs it after probing, `mxray report --rejudge` on a
// saved report with another trust store or date.
import type { TrustStore } from '../core/context.js';
import type { Finding, HostFacts, HostReport, ReceiverBody, TranscriptEvent, Verdict } from '../core/schema.js';
import { makeFinding, sortFindings } from '../kb/index.js';
import { assessDns } from './dns.js';
import { judgeHost } from './host.js';
import type { Profile } from './profile.js';
import { verdictOf, worstVerdict } from './verdict.js';

/** A receiver body before judging: every host holds facts only. */
export type ReceiverFacts = Omit<ReceiverBody, 'hosts'> & { hosts: HostFacts[] };

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

export function judgeReceiver(facts: ReceiverFacts, ctx: ReceiverJudgeContext): ReceiverJudgement {
  const { target } = facts;
  const domainFindings = assessDns(facts.dns, {
    domain: target.domain,
    host: target.host,
    resolver: facts.dns.resolver,
    evidence: facts.dnsEvidence,
  });
  const hosts = facts.hosts.map((h) =>
    judgeHost(h, {
      trustStore: ctx.trustStore,
      now: ctx.now,
      domain: target.domain,
      profile: ctx.profile,
      warnDays: ctx.warnDays,
      expectThumbprint: ctx.expectThumbprint,
      timeouts: facts.timeouts,
      transcript: ctx.transcript,
    }),
  );
  if (hosts.length > 0 && hosts.every((h) => h.status === 'connection-timeout')) {
    domainFindings.push(
      makeFinding('net.all-unreachable', {
        domain: target.domain ?? target.host,
        count: hosts.length,
        port: target.port,
        sourceAddress: facts.sourceAddress ?? 'unknown (no connection was established)',
      }),
    );
  }
  return {
    body: { ...facts, hosts },
    findings: mergeFindings(domainFindings, hosts),
    verdict: worstVerdict([verdictOf(domainFindings), ...hosts.map((h) => h.verdict)]),
  };
}
