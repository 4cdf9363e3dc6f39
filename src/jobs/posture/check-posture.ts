// `mxray posture <domain>`: the policies that decide whether TLS is enforced, without probing any
// server's TLS: the MX records, MTA-STS (record, policy over HTTPS, the MX hosts it covers),
// TLS-RPT, and the block lists of the MX addresses → judged (checks/posture) → Report 'posture'.
import type { Clock, DnssecResolver, JobEdges, Resolver, TrustStore } from '../../core/context.js';
import { DEFAULT_LIMITS } from '../../core/context.js';
import { UsageError } from '../../core/errors.js';
import type { EventSink } from '../../core/events.js';
import { judgedWith } from '../../core/report.js';
import type { PostureReport, TranscriptEvent } from '../../core/schema.js';
import { parseTarget } from '../../core/target.js';
import { Transcript } from '../../core/transcript.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { judgePosture } from '../../checks/posture/judge.js';
import { DEFAULT_PROFILE, type Profile } from '../../checks/profile.js';
import { verdictOf } from '../../checks/verdict.js';
import { limitQueries } from '../../dns/limited-resolver.js';
import { resolveMailHosts } from '../../dns/mail-hosts.js';
import { traceResolver } from '../../dns/tracing-resolver.js';
import type { HttpFetcher } from '../../http/fetcher.js';
import { sortFindings } from '../../kb/index.js';
import { DEFAULT_MAX_MX } from '../receiver/check-receiver.js';
import { observedSink, withObserverFailure } from '../job-run.js';
import { policyFetcher, probePosture, rememberPolicy, type PolicyMemory } from './probe-posture.js';
import { lookupDnsbl, normalizeZones, type DnsblTarget } from '../blocklist/lookup-dnsbl.js';
import { daneResolverOf, lookupDane } from '../dane/lookup-dane.js';
import { judgeDaneRecords } from '../../checks/dane/index.js';
import { DANE_RECORDS_CHECKS } from '../../checks/registry.js';
import type { DaneSection, Finding } from '../../core/schema.js';

export interface PostureOptions {
  /** A domain, or user@domain. */
  target: string;
  maxMx?: number;
  profile?: Profile;
  /** Time for the policy fetch (default 15 s). */
  fetchTimeoutMs?: number;
  clock?: Clock;
  resolver?: Resolver;
  fetcher?: HttpFetcher | null;
  /** What the policy host's certificate is verified against (default: the defaults' store; none there: the fetcher's own). */
  trustStore?: TrustStore;
  /** Block lists asked about the MX addresses (default: the default lists; false: none). */
  dnsbl?: readonly string[] | false;
  /** DANE's DNSSEC-aware lookups (default: the defaults' — none when the caller brought only a resolver; null: no DANE). */
  dnssec?: DnssecResolver | null;
  /** The policies seen before (null: none kept; `mta-sts.id-unchanged` then cannot be seen). */
  memory?: PolicyMemory | null;
  signal?: AbortSignal;
  events?: EventSink;
  onProgress?: (key: string, phase: string) => void;
  onEvent?: (event: TranscriptEvent) => void;
}

export type PostureEdges = Pick<JobEdges, 'clock' | 'resolver'> & { fetcher?: HttpFetcher; trustStore?: TrustStore; dnssec?: DnssecResolver };

/** Without a store of ours, the fetcher verified the policy host: judgedWith says so. */
const NO_TRUST_STORE: TrustStore = { roots: () => [], description: 'none (the policy host’s certificate is verified by the HTTP fetcher)' };

export async function runPosture(options: PostureOptions, defaults: () => PostureEdges): Promise<PostureReport> {
  const target = parseTarget(options.target);
  if (target.kind !== 'domain' || target.domain === null) {
    throw new UsageError(`mxray posture takes a mail domain (or user@domain), not ${JSON.stringify(options.target.slice(0, 80))}`);
  }
  const domain = target.domain;
  let built: PostureEdges | null = null;
  const edges = (): PostureEdges => (built ??= defaults());
  const clock = options.clock ?? edges().clock;
  const startedAt = new Date(clock.now()).toISOString();
  const startedMono = clock.monotonic();
  const { sink, failure } = observedSink(options);
  const transcript = new Transcript(clock, (event) => sink.emit({ type: 'transcript', event }));
  const resolver = traceResolver(limitQueries(options.resolver ?? edges().resolver, DEFAULT_LIMITS.dnsQueriesAtOnce), transcript);
  const fetcher = policyFetcher(options, edges);
  const profile = options.profile ?? DEFAULT_PROFILE;
  // The caller's own edges: its trust store, or (a resolver of its own, no store) the fetcher's own verification.
  const trustStore = options.trustStore ?? (options.resolver ? null : (edges().trustStore ?? null));
  sink.emit({ type: 'progress', key: domain, phase: 'looking up MX, MTA-STS and TLS-RPT' });
  const zones = options.dnsbl === false ? null : normalizeZones(options.dnsbl ?? null);
  const dnssec = daneResolverOf(options, edges);
  const [{ hosts, dnsbl }, posture, dane] = await Promise.all([
    resolveMailHosts(target, resolver, { families: { v4: true, v6: true }, hostMap: new Map(), first: false, maxMx: options.maxMx ?? DEFAULT_MAX_MX, maxAddresses: DEFAULT_LIMITS.addressesPerHost }).then(async (found) => {
      if (zones === null) return { hosts: found, dnsbl: null };
      sink.emit({ type: 'progress', key: domain, phase: `asking ${zones.length} block lists` });
      const targets: DnsblTarget[] = found.hosts.flatMap((h) => h.addresses.map((a) => ({ address: a.address, source: 'mx' as const, mx: h.mx })));
      return { hosts: found, dnsbl: await lookupDnsbl(resolver, targets, zones, options.signal ? { signal: options.signal } : {}) };
    }),
    probePosture(domain, {
      resolver,
      fetcher,
      transcript,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.fetchTimeoutMs ? { fetchTimeoutMs: options.fetchTimeoutMs } : {}),
      memory: options.memory ?? null,
      ...(trustStore ? { verify: { trustStore, now: clock.now() } } : {}),
    }),
    dnssec === null
      ? Promise.resolve(null)
      : lookupDane({ domain, port: 25, maxMx: options.maxMx ?? DEFAULT_MAX_MX }, { dnssec, transcript, ...(options.signal ? { signal: options.signal } : {}) }),
  ]);
  const judged = judgePosture({ domain, dns: hosts.dns, posture: { ...posture, dnsbl }, transcript: transcript.events });
  const daneJudged = dane ? judgeDaneForPosture(dane, domain) : null;
  await rememberPolicy(options.memory, domain, judged.section.mtaSts, clock.now()).catch((err: unknown) => {
    transcript.record('mxray', 'note', `the policy could not be remembered: ${err instanceof Error ? err.message : String(err)}`);
  });
  const findings = sortFindings([...judged.findings, ...(daneJudged?.findings ?? [])]);
  const result = withObserverFailure({ findings, verdict: verdictOf(findings) }, failure(), domain);
  const at = clock.now();
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: VERSION },
    kind: 'posture',
    target: options.target,
    startedAt,
    durationMs: Math.round((clock.monotonic() - startedMono) * 1000) / 1000,
    verdict: result.verdict,
    judgedWith: judgedWith({ at, profile, trustStore: trustStore ?? NO_TRUST_STORE, warnDays: profile.expiryWarnDays, expectThumbprint: null }),
    findings: result.findings,
    transcript: transcript.events,
    body: { domain, dns: hosts.dns, posture: judged.section, ...(daneJudged ? { dane: daneJudged.section } : {}) },
  };
}

/** DANE without certificates: what the records and their DNSSEC status say (matching needs `mxray check`). */
function judgeDaneForPosture(section: DaneSection, domain: string): { section: DaneSection; findings: Finding[] } {
  return { section: judgeDaneRecords(section, { domain }).section, findings: DANE_RECORDS_CHECKS.flatMap((c) => c.assess({ section, domain })) };
}

/**
 * Judges a saved posture report again from its facts (the records, the policy as fetched, the MX
 * records, the block list answers): what a newer mxray says of the same answers. The policy host's
 * certificate was verified when it was fetched; that verdict is part of the facts.
 */
export function rejudgePosture(report: PostureReport): PostureReport {
  const { body } = report;
  const judged = judgePosture({ domain: body.domain, dns: body.dns, posture: body.posture, transcript: report.transcript });
  const daneJudged = body.dane ? judgeDaneForPosture(body.dane, body.domain) : null;
  const findings = sortFindings([...judged.findings, ...(daneJudged?.findings ?? [])]);
  return {
    ...report,
    verdict: verdictOf(findings),
    findings,
    judgedWith: { ...report.judgedWith, rejudged: true },
    body: { ...body, posture: judged.section, ...(daneJudged ? { dane: daneJudged.section } : {}) },
  };
}
