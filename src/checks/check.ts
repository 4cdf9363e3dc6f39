// What a check is: a name and a pure `assess`, from the facts it declares to findings. Each check
// lives in its own folder; registry.ts lists them once, in the order their findings appear;
// host.ts (one address) and receiver.ts (the whole domain) run them.
//
// A check never touches the network, the clock or the trust store: it reads recorded facts, what
// assessFacts made of them (the HostAssessment), the judge's context (profile, options, transcript)
// and, when it depends on them, the findings the checks before it made.
import type { TrustStore } from '../core/context.js';
import type { Delivery, Evidence, Finding, HostAssessment, HostFacts, HostReport, ReceiverBody, TranscriptEvent } from '../core/schema.js';
import { makeFinding, type Facts, type FindingId } from '../kb/index.js';
import type { Profile } from '../kb/profiles.js';

export interface AssessContext {
  trustStore: TrustStore;
  /** The moment certificates are judged at (the run's clock, or --at). */
  now: number;
  /** The mail domain, when known (for the certificate's domain-match note). */
  domain: string | null;
  /** The thresholds to read measurements against (the default profile when absent). */
  profile?: Profile;
}

export interface HostJudgeContext extends AssessContext {
  profile: Profile;
  warnDays: number;
  expectThumbprint: string | null;
  timeouts: { connectMs: number; greetingMs: number; commandMs: number };
  /** The transcript, to measure the banner delay from recorded times. */
  transcript: readonly TranscriptEvent[];
}

/** What a host check may read of the judge's context: all of it but the trust store (certificates are verified in assessFacts). */
export type HostCheckContext = Omit<HostJudgeContext, 'trustStore'>;

/** Everything the registry hands every host check. */
export interface HostCheckInput {
  facts: HostFacts;
  assessment: HostAssessment;
  ctx: HostCheckContext;
  /** The findings the checks listed before this one made, in order. */
  prior: readonly Finding[];
}

/**
 * The part of HostCheckInput a host check reads, declared in its type: the facts F (besides the
 * host's key and evidence, which every check reports with), the assessment fields A and the context
 * fields C. The full input is assignable to every such narrowing, so the registry can run them all.
 */
export interface CheckInput<F extends keyof HostFacts = never, A extends keyof HostAssessment = never, C extends keyof HostCheckContext = never> {
  facts: Pick<HostFacts, 'key' | 'evidence' | F>;
  assessment: Pick<HostAssessment, A>;
  ctx: Pick<HostCheckContext, C>;
  /** The findings the checks listed before this one made (read only by checks that depend on them). */
  prior: readonly Finding[];
}

/** A receiver body before judging: every host holds facts only, and the delivery walk is not made yet. */
export type ReceiverFacts = Omit<ReceiverBody, 'hosts' | 'delivery'> & { hosts: HostFacts[] };

/** Everything the registry hands every domain check: the domain's facts, each address judged, and the senders' walk over them. */
export interface DomainCheckInput {
  facts: ReceiverFacts;
  hosts: readonly HostReport[];
  delivery: Delivery;
  /** The findings the domain checks listed before this one made, in order. */
  prior: readonly Finding[];
}

/** One check: `assess` is pure, and returns no findings when it has nothing to say. */
export interface Check<I> {
  /** Its folder's name (kebab-case); stable, for people and tests. */
  readonly name: string;
  readonly assess: (input: I) => Finding[];
}

export type HostCheck = Check<HostCheckInput>;
export type DomainCheck = Check<DomainCheckInput>;

/** A host's recorded evidence, per phase. */
export function evidenceOf(facts: Pick<HostFacts, 'evidence'>): Evidence {
  return facts.evidence;
}

/**
 * Findings about one host, collected in order: each names the host in its facts (first) and in its
 * hosts list.
 */
export function hostFindings(host: string): { findings: Finding[]; add: (id: FindingId, facts: Facts, evidence: number[] | undefined) => void } {
  const findings: Finding[] = [];
  return {
    findings,
    add: (id, facts, evidence) => {
      findings.push(makeFinding(id, { host, ...facts }, evidence ?? [], [host]));
    },
  };
}
