// Judges a whole receiver test from its facts: the DNS step, every address, and what only all of
// them together show. Pure: `mxray check` runs it after probing, `mxray report --rejudge` on a
// saved report with another trust store or date.
import type { TrustStore } from '../core/context.js';
import type { Delivery, Finding, HostReport, ReceiverBody, TranscriptEvent, Verdict } from '../core/schema.js';
import { SEVERITY_RANK, sortFindings } from '../kb/index.js';
import type { Profile } from '../kb/profiles.js';
import type { ReceiverFacts } from './check.js';
import { accepts, assessDelivery } from './delivery/index.js';
import { judgeHost } from './host.js';
import { DOMAIN_CHECKS } from './registry.js';
import { verdictOf, worstVerdict, INCONCLUSIVE_IDS } from './verdict.js';
import { judgePosture, mxKnown } from './posture/judge.js';
import { judgeSenderListing } from './dnsbl/index.js';
import { applyMtaSts } from './posture/mta-sts-hosts.js';
import { applyDane } from './dane/index.js';

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

/** No tested address accepts mail, and our own bounds left others untested: senders may deliver to one of those. */
const UNTESTED = 'delivery.untested-hosts';

/**
 * A host's problems, as they weigh on the domain: capped at a warning when senders skip it and
 * deliver elsewhere, or may (another address, untested, might take the mail).
 */
function domainWeight(h: HostReport, delivery: Delivery, untested: boolean): Finding[] {
  const skipped = untested || (delivery.state !== 'none' && delivery.state !== 'not-applicable' && !accepts(delivery, h.key));
  return skipped ? h.findings.map((f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK.warning ? { ...f, severity: 'warning' } : f)) : h.findings;
}

/**
 * Top-level findings: one per id, listing every host it was seen on, at the worst severity it has
 * for the domain. Each host keeps its own detail in its report; a domain finding has no other
 * home, so two with the same id but different details (one MX name without address, another whose
 * lookup failed) both stay.
 */
export function topFindings(domain: Finding[], hosts: HostReport[], delivery: Delivery): Finding[] {
  const byId = new Map<string, Finding>();
  const untested = domain.some((f) => f.id === UNTESTED);
  for (const f of [...domain, ...hosts.flatMap((h) => domainWeight(h, delivery, untested))]) {
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

/**
 * The domain's verdict is what senders get: a null MX has nothing to test; when some address
 * accepts mail, the verdicts of the accepting addresses, at least a warning when senders skip any;
 * when none does, the worst of them all (a refusal fails, silence everywhere is inconclusive) —
 * unless addresses our bounds left untested may take the mail: then the tested ones weigh as
 * skipped ones do (a warning at most), and the result is inconclusive.
 */
export function domainVerdict(facts: Pick<ReceiverFacts, 'dns'>, domainFindings: readonly Finding[], hosts: readonly HostReport[], delivery: Delivery): Verdict {
  if (facts.dns.status === 'null-mx') return 'not-applicable';
  const domain = verdictOf(domainFindings);
  if (delivery.state === 'delivered' || delivery.state === 'fallback') {
    const accepting = hosts.filter((h) => accepts(delivery, h.key));
    const skipped: Verdict[] = accepting.length < hosts.length ? ['warn'] : [];
    return worstVerdict([domain, ...skipped, ...accepting.map((h) => h.verdict)]);
  }
  // The tested hosts then weigh as warnings at most, below the inconclusive that finding makes: the domain's own findings decide.
  if (domainFindings.some((f) => f.id === UNTESTED)) return domain;
  return worstVerdict([domain, ...hosts.map((h) => h.verdict)]);
}

/** Strips what judging added, leaving the facts a receiver body was judged from. */
export function receiverFacts(body: ReceiverBody): ReceiverFacts {
  const { delivery: _d, ...rest } = body;
  const hosts = body.hosts.map(({ assessment: _a, verdict: _v, findings: _f, ...facts }) => facts);
  return { ...rest, hosts };
}

/** What only the domain as a whole shows: every domain check of the registry, in order. */
export function assessDomain(facts: ReceiverFacts, hosts: readonly HostReport[], delivery: Delivery): Finding[] {
  const findings: Finding[] = [];
  for (const check of DOMAIN_CHECKS) findings.push(...check.assess({ facts, hosts, delivery, prior: [...findings] }));
  return findings;
}

export function judgeReceiver(facts: ReceiverFacts, ctx: ReceiverJudgeContext): ReceiverJudgement {
  const judged = facts.hosts.map((h) =>
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
  const withSts = withPosture(facts, judged);
  const { posture } = withSts;
  // DANE after MTA-STS: what a DANE match lifts, it lifts for DANE senders only, and a DANE failure stays whatever MTA-STS says.
  const daneApplied = facts.dane && facts.dns.status !== 'nxdomain' && facts.dns.status !== 'null-mx' && mxKnown(facts.dns) ? applyDane(facts.dane, withSts.hosts, { domain: facts.target.domain, now: ctx.now, relay: facts.target.port === 25 && !facts.target.implicitTls }) : null;
  const hosts = daneApplied?.hosts ?? withSts.hosts;
  // Without MTA-STS, STARTTLS can still not be stripped from DANE senders where every MX host's TLSA records match: said.
  const daneProtects = daneApplied !== null && daneApplied.section.hosts.length > 0 && daneApplied.section.hosts.every((h) => h.state === 'match');
  const stsFindings = withSts.findings.map((f) =>
    f.id === 'mta-sts.not-published' && daneProtects ? { ...f, detail: `${f.detail} DANE protects this domain's mail from senders that use DANE (its TLSA records match); the others remain exposed.` } : f,
  );
  const postureFindings = [...stsFindings, ...(daneApplied?.findings ?? [])];
  // Block lists are about us, the sender: shown (a listing explains a receiver that hides STARTTLS from us), never the domain's verdict.
  const listFindings = facts.dnsbl ? judgeSenderListing(facts.dnsbl, hosts, ctx.transcript) : [];
  const delivery = assessDelivery(hosts);
  const domainFindings = assessDomain(facts, hosts, delivery);
  // A posture lookup that got no answer is shown, but does not make the TLS verdict inconclusive.
  const deciding = [...domainFindings, ...postureFindings.filter((f) => !INCONCLUSIVE_IDS.has(f.id))];
  return {
    body: { ...facts, hosts, delivery, ...(posture ? { posture } : {}), ...(daneApplied ? { dane: daneApplied.section } : {}) },
    findings: topFindings([...domainFindings, ...postureFindings, ...listFindings], hosts, delivery),
    verdict: domainVerdict(facts, deciding, hosts, delivery),
  };
}

/** MTA-STS and TLS-RPT judged, and an MTA-STS policy applied to the hosts' verdicts (none looked up: the hosts as they are). */
function withPosture(facts: ReceiverFacts, hosts: HostReport[]): { hosts: HostReport[]; posture: ReceiverBody['posture']; findings: Finding[] } {
  const domain = facts.target.domain;
  if (!facts.posture || domain === null) return { hosts, posture: undefined, findings: [] };
  // A domain that does not exist or accepts no mail, or DNS that fails already for its MX: its policies add nothing worth a finding.
  if (facts.dns.status === 'nxdomain' || facts.dns.status === 'null-mx' || !mxKnown(facts.dns)) return { hosts, posture: facts.posture, findings: [] };
  const judged = judgePosture({ domain, dns: facts.dns, posture: facts.posture });
  // The policy is about delivery to the domain's MX hosts on port 25: a server named by --host, a
  // submission port or implicit TLS is shown the policy, not judged by it.
  const t = facts.target;
  if (t.kind !== 'domain' || t.port !== 25 || t.implicitTls) return { hosts, posture: judged.section, findings: judged.findings };
  const applied = applyMtaSts(domain, judged.section, hosts);
  return { hosts: applied.hosts, posture: judged.section, findings: [...judged.findings, ...applied.findings] };
}
