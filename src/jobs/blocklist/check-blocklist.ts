// `mxray blocklist <ip|domain>`: an address (or a domain's MX addresses, found through the same
// resolver) → every list asked about it (lookup-dnsbl.ts) → judged (checks/dnsbl) → Report of kind
// 'blocklist'. Every query lands in the transcript; times come from the injected clock.
import type { Clock, JobEdges, Limits, Resolver, TrustStore } from '../../core/context.js';
import { statusOfError, UsageError } from '../../core/errors.js';
import type { EventSink } from '../../core/events.js';
import { ipFamily } from '../../core/ip.js';
import { judgedWith } from '../../core/report.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { BlocklistBody, BlocklistReport, DnsFacts, Finding, Target, TranscriptEvent } from '../../core/schema.js';
import { normalizeDomainName } from '../../core/target.js';
import { Transcript, neutralise } from '../../core/transcript.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { assessDns } from '../../checks/dns/index.js';
import { judgeDnsbl } from '../../checks/dnsbl/index.js';
import { DEFAULT_PROFILE, type Profile } from '../../checks/profile.js';
import { verdictOf, worstVerdict } from '../../checks/verdict.js';
import { limitQueries } from '../../dns/limited-resolver.js';
import { resolveMailHosts } from '../../dns/mail-hosts.js';
import { traceResolver } from '../../dns/tracing-resolver.js';
import { sortFindings } from '../../kb/index.js';
import { DEFAULT_MAX_MX } from '../receiver/check-receiver.js';
import { mergeLimits, observedSink, withObserverFailure } from '../job-run.js';
import { DNSBL_BOUNDS, lookupDnsbl, normalizeZones, type DnsblTarget } from './lookup-dnsbl.js';

export interface BlocklistOptions {
  /** An IPv4 or IPv6 address ([IPv6] too), or a mail domain whose MX addresses are asked about. */
  target: string;
  /** The lists' zones; null or empty: the default set (kb/dnsbl-zones.ts). */
  zones?: readonly string[] | null;
  /** A domain's MX hosts looked up at most, in preference order (default as the receiver test). */
  maxMx?: number;
  /** Addresses asked about at most (default 32). */
  maxAddresses?: number;
  /** dnsQueriesAtOnce bounds the lookups in flight; addressesPerHost the addresses of one MX host. */
  limits?: Partial<Limits>;
  profile?: Profile;
  clock?: Clock;
  resolver?: Resolver;
  scheduler?: Scheduler;
  signal?: AbortSignal;
  events?: EventSink;
  onProgress?: (key: string, phase: string) => void;
  onEvent?: (event: TranscriptEvent) => void;
}

/** mxray blocklist judges no certificate: judgedWith says so. */
const NO_TRUST_STORE: TrustStore = { roots: () => [], description: 'none (mxray blocklist judges no certificate)' };

function quote(text: string): string {
  return neutralise(JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text));
}

/** What the user gave: an address (plain, [bracketed] or [IPv6:…]) or a domain name; anything else is a UsageError. */
export function parseBlocklistTarget(text: string): { kind: 'ip'; address: string } | { kind: 'domain'; domain: string } {
  const given = text.trim();
  if (given === '') throw new UsageError('say what to look up: mxray blocklist <IP address | domain>');
  const inner = given.replace(/^\[(?:ipv6:)?(.*)\]$/i, '$1');
  if (ipFamily(inner) !== 0) return { kind: 'ip', address: inner.toLowerCase() };
  if (/[:[\]@/]/.test(given)) throw new UsageError(`${quote(given)} is neither an IP address nor a domain name (give 192.0.2.1, 2001:db8::1 or example.com)`);
  return { kind: 'domain', domain: normalizeDomainName(given, 'domain name') };
}

function domainTarget(input: string, domain: string): Target {
  return { input, kind: 'domain', domain, host: null, port: 25, implicitTls: false };
}

export async function runBlocklist(options: BlocklistOptions, defaults: () => JobEdges): Promise<BlocklistReport> {
  const parsed = parseBlocklistTarget(options.target);
  const zones = normalizeZones(options.zones);
  let built: JobEdges | null = null;
  const edges = (): JobEdges => (built ??= defaults());
  const scheduler = options.scheduler ?? edges().scheduler;

  return scheduler.target(async () => {
    const clock = options.clock ?? edges().clock;
    const startedAt = new Date(clock.now()).toISOString();
    const startedMono = clock.monotonic();
    const { sink, failure: observerFailure } = observedSink(options);
    const transcript = new Transcript(clock, (event) => sink.emit({ type: 'transcript', event }));
    const limits = mergeLimits(options.limits);
    const resolver = traceResolver(limitQueries(options.resolver ?? edges().resolver, limits.dnsQueriesAtOnce), transcript);
    const input = options.target.trim();

    let targets: DnsblTarget[] = [];
    let dns: DnsFacts | null = null;
    let dnsEvidence: number[] = [];
    if (parsed.kind === 'ip') {
      targets = [{ address: parsed.address, source: 'argument', mx: null }];
    } else {
      sink.emit({ type: 'progress', key: parsed.domain, phase: 'MX lookup' });
      transcript.record('mxray', 'note', `${parsed.domain} is a domain: looking up its MX hosts and their addresses, and asking the lists about each address`);
      try {
        const found = await resolveMailHosts(domainTarget(input, parsed.domain), resolver, {
          families: { v4: true, v6: true },
          hostMap: new Map(),
          first: false,
          maxMx: options.maxMx ?? DEFAULT_MAX_MX,
          maxAddresses: limits.addressesPerHost,
        });
        dns = found.dns;
        targets = found.hosts.flatMap((h) => h.addresses.map((a): DnsblTarget => ({ address: a.address, source: 'mx', mx: h.mx })));
      } catch (err) {
        // Only a bug of ours (a resolver that throws something else than a DnsError) comes here.
        dns = { status: 'error', resolver: resolver.description, mx: [], error: statusOfError(err).detail };
      }
      dnsEvidence = transcript.events.map((e) => e.seq);
    }

    const section = await lookupDnsbl(resolver, targets, zones, {
      signal: options.signal,
      atOnce: limits.dnsQueriesAtOnce,
      maxAddresses: options.maxAddresses ?? DNSBL_BOUNDS.maxAddresses,
      onProgress: (key, phase) => sink.emit({ type: 'progress', key, phase }),
    });
    const body: BlocklistBody = {
      input,
      inputKind: parsed.kind,
      ...(dns ? { dns, dnsEvidence } : {}),
      dnsbl: section,
    };
    const { findings, verdict } = withObserverFailure(judgeBlocklist(body, transcript.events), observerFailure(), input);
    const profile = options.profile ?? DEFAULT_PROFILE;
    return {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'mxray', version: VERSION },
      kind: 'blocklist',
      target: input,
      startedAt,
      durationMs: Math.round((clock.monotonic() - startedMono) * 1000) / 1000,
      verdict,
      judgedWith: judgedWith({ at: clock.now(), profile, trustStore: NO_TRUST_STORE, warnDays: profile.expiryWarnDays, expectThumbprint: null }),
      findings,
      transcript: transcript.events,
      body,
    };
  });
}

/** The domain as queried (a saved report's input may be anything: then as written). */
function domainOf(input: string): string {
  try {
    return normalizeDomainName(input, 'domain name');
  } catch {
    return input;
  }
}

/**
 * Judges a blocklist body (pure): the domain's DNS findings, then every list's answers. A domain
 * whose MX lookup failed, or whose MX hosts have no address, leaves nothing to ask about: inconclusive.
 */
export function judgeBlocklist(body: BlocklistBody, transcript?: readonly TranscriptEvent[]): { findings: Finding[]; verdict: BlocklistReport['verdict'] } {
  const dnsFindings = body.dns ? assessDns(body.dns, { domain: domainOf(body.input), host: null, resolver: body.dns.resolver, evidence: body.dnsEvidence ?? [] }) : [];
  const listFindings = judgeDnsbl(body.dnsbl, transcript);
  const nothingAsked = body.dnsbl.addresses.length === 0;
  const verdict = worstVerdict([verdictOf(dnsFindings), verdictOf(listFindings), ...(nothingAsked ? (['inconclusive'] as const) : [])]);
  return { findings: sortFindings([...dnsFindings, ...listFindings]), verdict };
}
