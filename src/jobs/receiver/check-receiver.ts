// The receiver test: target → DNS → probe every MX address (bounded concurrency) → judge → Report.
import type { Clock, Connector, DnssecResolver, HostMapping, JobEdges, Limits, ProbeContext, Resolver, TrustStore } from '../../core/context.js';
import { DEFAULT_LIMITS } from '../../core/context.js';
import type { DaneSection, DnsblSection, DnsFacts, HostFacts, NotProbed, ReceiverBounds, ReceiverReport, Target, TranscriptEvent } from '../../core/schema.js';
import { parseTarget } from '../../core/target.js';
import { statusOfError, UsageError } from '../../core/errors.js';
import { judgedWith } from '../../core/report.js';
import { escapeText, Transcript } from '../../core/transcript.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { DEFAULT_PROFILE, type Profile } from '../../checks/profile.js';
import { PROFILES } from '../../kb/profiles.js';
import { judgeReceiver, receiverFacts, type ReceiverFacts } from '../../checks/receiver.js';
import { resolveMailHosts, type MailHostsResult } from '../../dns/mail-hosts.js';
import { limitQueries } from '../../dns/limited-resolver.js';
import { traceResolver } from '../../dns/tracing-resolver.js';
import { ipFamily } from '../../core/ip.js';
import { isHeloName } from '../../core/names.js';
import { hostKey, probeHost, type HostProbe, type HostTarget } from './probe-host.js';
import { limitConcurrency } from '../../core/concurrency.js';
import type { EventSink } from '../../core/events.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { HttpFetcher } from '../../http/fetcher.js';
import { policyFetcher, probePosture, rememberPolicy, type PolicyMemory } from '../posture/probe-posture.js';
import { lookupDnsbl, normalizeZones, type DnsblTarget } from '../blocklist/lookup-dnsbl.js';
import { publicOnlyPolicy } from '../../http/address-policy.js';
import { addressFromEhlo } from '../../smtp/ehlo-address.js';
import { FetchCache, fetchForChain } from '../pki/fetch.js';
import { aborted, after, mergeLimits, observedSink, withObserverFailure } from '../job-run.js';
import { daneResolverOf, lookupDane } from '../dane/lookup-dane.js';
import { usable } from '../../checks/dane/index.js';

/** The edges a job may take from its defaults: the fetcher too, where the caller has one. */
export type ReceiverEdges = JobEdges & { fetcher?: HttpFetcher; dnssec?: DnssecResolver };

export interface ReceiverOptions {
  /** Domain, user@domain, host:port, IPv4, [IPv6] or [IPv6]:port. */
  target: string | null;
  /** Test this server directly (the positional target, if any, still names the mail domain). */
  host?: string | null;
  port?: number | null;
  tlsOnConnect?: boolean;
  /** The name we announce in EHLO: a fully qualified domain name (default: this machine's). */
  helo?: string;
  from?: string | null;
  rcpt?: string | null;
  /** Only the primary MX host. */
  first?: boolean;
  /**
   * Look up and probe at most this many MX host names, in preference order (default 10); the others
   * are listed in the report as not probed. A sender tries a handful at most (Postfix: 5 addresses).
   */
  maxMx?: number;
  families?: { v4: boolean; v6: boolean };
  warnDays?: number;
  /** SHA-1 (40 hex digits) or SHA-256 (64) thumbprint the server should present; ':' and spaces may separate the digits. */
  expectThumbprint?: string | null;
  /** The handshake without SNI and the cleartext session (default on). */
  extras?: boolean;
  profile?: Profile;
  /**
   * Time-outs, reply caps, connections at once, DNS queries at once and the deadlines: `deadlineMs`
   * bounds the whole test, `addressDeadlineMs` each address's probe (default 120 s, or `deadlineMs`
   * when only that is given). A deadline stops what is running (through the abort signal) and the
   * report says so (net.deadline-reached, inconclusive).
   */
  limits?: Partial<Limits>;
  hostMap?: ReadonlyMap<string, HostMapping>;
  // Injected edges: the caller (CLI, web, tests) decides what is real; the system's by default.
  clock?: Clock;
  resolver?: Resolver;
  connector?: Connector;
  trustStore?: TrustStore;
  /**
   * HTTP(S) for the certificates: missing intermediates from AIA URLs, CRLs and OCSP (default: the
   * one `defaults` brings; none there: nothing is fetched and the report says so).
   */
  fetcher?: HttpFetcher;
  /** Look up revocation (CRL, OCSP) of every certificate on the path (default true; --no-revocation). */
  revocation?: boolean;
  /** Time for each of those HTTP fetches (default 15 s, as Windows waits for a CRL). */
  fetchTimeoutMs?: number;
  /**
   * Look up MTA-STS and TLS-RPT beside the probes (default true; a target without a mail domain has
   * none): the policy is judged against the MX hosts, and in mode enforce it raises the severity of
   * what stops MTA-STS senders.
   */
  posture?: boolean;
  /**
   * DANE (RFC 7672), with the posture lookups (off with `posture: false`): the resolver whose DNSSEC
   * status (AD bit) the TLSA lookups read. Default: the one `defaults` brings — unless the caller
   * brought a resolver of its own without one (then no DANE: the answers would come from another
   * resolver); null: no DANE.
   */
  dnssec?: DnssecResolver | null;
  /** The MTA-STS policies seen before, by domain (null or absent: none kept). */
  memory?: PolicyMemory | null;
  /**
   * Ask block lists about the address we send from (opt-in; absent or null: not asked): `sourceIp`
   * when given (behind NAT nothing else can know it), else the address a server echoed in its EHLO
   * reply, else our socket's own address when it is a public one. `zones`: null or empty for the
   * default lists.
   */
  dnsbl?: { zones?: readonly string[] | null; sourceIp?: string | null } | null;
  /** The process's scheduler (default: the one runtime/ built for this process). */
  scheduler?: Scheduler;
  signal?: AbortSignal;
  /** Where progress and transcript events go (besides "mxray:event" on node:diagnostics_channel). */
  events?: EventSink;
  /** Shorthands for an observer of progress events and of transcript events. */
  onProgress?: (key: string, phase: string) => void;
  onEvent?: (event: TranscriptEvent) => void;
}


/** Text we put on the wire ourselves must be one clean token: no CR/LF smuggling (\s covers them), no brackets, no NUL. */
export function checkWireText(what: string, value: string | null | undefined, fits: (text: string) => boolean): void {
  if (value === null || value === undefined) return;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (value.length > 254 || /[\x00-\x20\x7f-\x9f<>\s]/.test(value) || !fits(value)) {
    throw new UsageError(
      // Escaped: a CR, LF, escape sequence or bidi control in the input must not reach the terminal as such.
      `${what} "${escapeText(value.slice(0, 80))}" is not usable: ${what === '--helo' ? 'give a fully qualified domain name, [IPv4] or [IPv6:address]' : 'give a plain address like name@example.com'}`,
    );
  }
}

/** MX host names probed by default: more than a sender ever tries (Postfix: 5 addresses). */
export const DEFAULT_MAX_MX = 10;

/** The first not-probed entries kept in a report (a DNS answer holds a few thousand MX records at most). */
const MAX_NOT_PROBED_LISTED = 5000;

/** A thumbprint as people copy it: 40 (SHA-1) or 64 (SHA-256) hex digits, maybe separated by ':' or spaces. */
function checkThumbprint(value: string | null | undefined): void {
  if (value === null || value === undefined) return;
  const digits = value.replace(/[: ]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(digits) || (digits.length !== 40 && digits.length !== 64)) {
    throw new UsageError(
      `--expect-thumbprint ${JSON.stringify(value.slice(0, 80))} is not a thumbprint: give the certificate's SHA-1 (40 hex digits) or SHA-256 (64 hex digits), ":" or spaces between them allowed`,
    );
  }
}

function checkWhole(what: string, value: number | null | undefined, min: number): void {
  if (value === null || value === undefined) return;
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${what} must be a whole number of at least ${min}, not ${String(value)}`);
}

function checkPositive(what: string, value: number | null | undefined): void {
  if (value === null || value === undefined) return;
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${what} must be a positive number of milliseconds, not ${String(value)}`);
}

/**
 * The receiver test. Every edge the caller leaves out of `options` comes from `defaults` (built
 * only when needed): the job itself never builds a real resolver, socket or clock — src/library.ts
 * and the CLI pass the system's (runtime/), tests their own.
 */
export async function runReceiverCheck(options: ReceiverOptions, defaults: () => ReceiverEdges): Promise<ReceiverReport> {
  checkWireText('--helo', options.helo, isHeloName);
  checkWireText('--from', options.from, (t) => /^([^@]+@[^@]+)?$/.test(t));
  checkWireText('--rcpt', options.rcpt, (t) => /^[^@]+@[^@]+$/.test(t));
  checkThumbprint(options.expectThumbprint);
  const sourceIp = options.dnsbl?.sourceIp;
  if (sourceIp !== null && sourceIp !== undefined && ipFamily(sourceIp) === 0) {
    throw new UsageError(`--source-ip ${JSON.stringify(sourceIp.slice(0, 80))} is not an IP address`);
  }
  if (options.dnsbl) normalizeZones(options.dnsbl.zones ?? null);
  checkWhole('maxMx (--max-mx)', options.maxMx, 1);
  checkWhole('limits.dnsQueriesAtOnce', options.limits?.dnsQueriesAtOnce, 1);
  checkWhole('limits.addressesPerHost', options.limits?.addressesPerHost, 1);
  checkWhole('limits.connectionsPerDomain', options.limits?.connectionsPerDomain, 1);
  checkPositive('limits.deadlineMs (--deadline)', options.limits?.deadlineMs);
  checkPositive('limits.addressDeadlineMs', options.limits?.addressDeadlineMs);
  const target = parseTarget(options.target, options);
  let built: ReceiverEdges | null = null;
  const edges = (): ReceiverEdges => (built ??= defaults());
  // One target slot of the process's scheduler for the whole test (a bulk run waits here).
  const scheduler = options.scheduler ?? edges().scheduler;
  return scheduler.target(() => testTarget(options, target, edges, scheduler));
}

/** "120 s", "2.5 s": a deadline as people read it. */
function secondsOf(ms: number): number {
  return Math.round(ms) / 1000;
}

/** What our own abort leaves in a probe's facts: an error whose words are just "aborted". */
const ABORTED = 'aborted';

/**
 * A probe a deadline stopped: the phases our abort cut short are not measurements and are dropped
 * (a handshake "failed" because we stopped it says nothing of the server), and the status says the
 * probe did not finish because of us. Returns whether anything was cut (false: the probe had
 * finished measuring, only the reverse lookup was left).
 */
function markStopped(facts: HostFacts, how: string): boolean {
  const cut: string[] = [];
  const mainCut = facts.statusDetail === ABORTED || facts.statusReason === ABORTED || (facts.tls?.ok === false && facts.tls.failure?.reason === ABORTED);
  if (facts.tls && !facts.tls.ok && (facts.tls.failure?.reason === ABORTED || facts.tls.error === ABORTED)) {
    facts.tls = null;
    cut.push('the TLS handshake');
  }
  if (facts.legacyRetry && !facts.legacyRetry.ok && (facts.legacyRetry.failure?.reason === ABORTED || facts.legacyRetry.error === ABORTED)) {
    facts.legacyRetry = null;
    cut.push('the legacy TLS retry');
  }
  if (facts.noSni && facts.noSni.status !== 'ok' && facts.noSni.error === ABORTED) {
    facts.noSni = null;
    cut.push('the handshake without SNI');
  }
  // The cleartext session keeps no error text: a time-out there, with the deadline reached meanwhile, is ours.
  if (facts.cleartext && (facts.cleartext.status === 'connection-timeout' || facts.cleartext.status === 'io-timeout')) {
    facts.cleartext = null;
    cut.push('the cleartext session');
  }
  if (mainCut && !cut.includes('the TLS handshake')) cut.unshift('the main session');
  if (cut.length === 0) return false;
  // The probe did not finish because of us. (A real failure before, such as a failed handshake,
  // stays in its phase's facts; the status says why the probe as a whole did not complete.)
  facts.status = 'deadline-reached';
  facts.statusReason = 'deadline';
  facts.statusDetail = `stopped by mxray at its deadline of ${how}, during ${cut[0]}`;
  return true;
}

async function testTarget(options: ReceiverOptions, target: Target, edges: () => ReceiverEdges, scheduler: Scheduler): Promise<ReceiverReport> {
  const clock = options.clock ?? edges().clock;
  const startedAt = new Date(clock.now()).toISOString();
  const startedMono = clock.monotonic();
  const { sink, failure: observerFailure } = observedSink(options);
  const transcript = new Transcript(clock, (event) => sink.emit({ type: 'transcript', event }));
  const limits: Limits = mergeLimits(options.limits);
  // Each address within its own deadline; given only the whole test's, that one is each address's too.
  const addressDeadlineMs = options.limits?.addressDeadlineMs ?? limits.deadlineMs ?? DEFAULT_LIMITS.addressDeadlineMs;
  const maxMx = options.maxMx ?? DEFAULT_MAX_MX;
  const profile = options.profile ?? DEFAULT_PROFILE;
  const hostMap = options.hostMap ?? new Map<string, HostMapping>();
  // At most N queries of this test in flight (the reverse lookups of the probes included).
  const resolver = traceResolver(limitQueries(options.resolver ?? edges().resolver, limits.dnsQueriesAtOnce), transcript);
  const trustStore = options.trustStore ?? edges().trustStore;

  // The whole test's deadline: when it comes, everything still running is stopped (through the
  // signal the probes already obey) and whatever has not started is not started.
  const stopAll = new AbortController();
  let checkDeadlineHit = false;
  const checkDeadline = limits.deadlineMs === null ? null : `${secondsOf(limits.deadlineMs)} s for the whole test`;
  const cancelCheckDeadline =
    limits.deadlineMs === null
      ? () => {}
      : after(clock, limits.deadlineMs, () => {
          checkDeadlineHit = true;
          transcript.record('mxray', 'note', `deadline reached (${checkDeadline}): stopping what is still running`);
          stopAll.abort();
        });
  const signal = options.signal ? AbortSignal.any([options.signal, stopAll.signal]) : stopAll.signal;
  const ctx: ProbeContext = {
    clock,
    resolver,
    connector: options.connector ?? edges().connector,
    transcript,
    limits,
    hostMap,
    signal,
    onProgress: (key, phase) => sink.emit({ type: 'progress', key, phase }),
  };

  // MTA-STS and TLS-RPT, beside everything else (they need only the domain; judging needs the MX hosts).
  const postureDomain = options.posture === false ? null : target.domain;
  const postureRun =
    postureDomain === null
      ? null
      : probePosture(postureDomain, {
          resolver,
          fetcher: policyFetcher(options, edges),
          transcript,
          signal,
          memory: options.memory ?? null,
          verify: { trustStore, now: clock.now() },
          ...(options.fetchTimeoutMs ? { fetchTimeoutMs: options.fetchTimeoutMs } : {}),
        }).catch((err: unknown) => {
          // Our own bug (a resolver or fetcher that throws what it must not): no posture, and the transcript says why.
          transcript.record('mxray', 'note', `MTA-STS and TLS-RPT lookups failed (mxray's own error): ${statusOfError(err).detail}`);
          return null;
        });

  // DANE, beside everything else: the probes wait for it only at their end (DANE's own handshakes).
  const dnssec = options.posture === false ? null : daneResolverOf(options, edges);
  const daneRun: Promise<DaneSection | null> =
    dnssec === null || (target.domain === null && (target.host === null || ipFamily(target.host) !== 0))
      ? Promise.resolve(null)
      : lookupDane(
          { domain: target.kind === 'domain' ? target.domain : null, host: target.kind === 'host' ? target.host : null, port: target.port, maxMx: options.first ? 1 : maxMx, families: options.families ?? { v4: true, v6: true } },
          { dnssec, transcript, signal },
        ).catch((err: unknown) => {
          transcript.record('mxray', 'note', `DANE lookups failed (mxray's own error): ${statusOfError(err).detail}`);
          return null;
        });
  /** The TLSA base domain of an MX host with usable records (DANE's extra handshakes), or null. */
  const daneBase = async (mx: string): Promise<string | null> => {
    const host = (await daneRun)?.hosts.find((h) => h.mx === mx.toLowerCase());
    return host && host.records.some(usable) ? (host.base ?? host.mx) : null;
  };

  const lookup = resolveMailHosts(target, resolver, {
    families: options.families ?? { v4: true, v6: true },
    hostMap,
    first: options.first ?? false,
    maxMx,
    maxAddresses: limits.addressesPerHost,
  });
  const resolved = await Promise.race([lookup, aborted(stopAll.signal).then(() => null)]);
  let dnsCut = false;
  let mailHosts: MailHostsResult;
  if (resolved === null) {
    // The deadline came during the DNS step: what is still asked is no longer waited for.
    lookup.catch(() => undefined);
    dnsCut = true;
    const dns: DnsFacts = { status: 'error', resolver: resolver.description, mx: [], error: `no complete answer before mxray's deadline (${checkDeadline})` };
    mailHosts = { dns, hosts: [], notProbed: [] };
  } else mailHosts = resolved;
  const { dns, hosts: mailHostList } = mailHosts;
  // Nothing was recorded before: every event so far is a DNS one (or the deadline's note).
  const dnsEvidence = transcript.events.map((e) => e.seq);

  const targets: HostTarget[] = mailHostList.flatMap((h) =>
    h.addresses.map((a) => ({
      mx: h.mx,
      preference: h.preference,
      address: a.address,
      family: a.family,
      port: a.port ?? target.port,
      implicitTls: target.implicitTls,
      serverName: ipFamily(h.mx) !== 0 ? null : h.mx,
      domain: target.domain,
    })),
  );

  const probeOptions = {
    helo: options.helo ?? edges().helo,
    from: options.from ?? null,
    rcpt: options.rcpt ?? null,
    extras: options.extras ?? true,
    daneBase,
  };
  const addressDeadline = `${secondsOf(addressDeadlineMs)} s for each address`;
  const stopped = new Set<string>();
  let addressDeadlineHit = false;
  const notStarted: HostTarget[] = [];

  /** One address, within its own deadline and the whole test's. */
  const probeOne = async (t: HostTarget): Promise<HostProbe | null> => {
    // The whole test's deadline came before this address's turn: not probed.
    if (stopAll.signal.aborted) {
      notStarted.push(t);
      return null;
    }
    const own = new AbortController();
    let ownHit = false;
    const key = hostKey(t);
    const cancel = after(clock, addressDeadlineMs, () => {
      // The whole test's deadline came first (at the same moment, or before): it stopped this one.
      if (stopAll.signal.aborted) return;
      ownHit = true;
      transcript.record(`${key}/main`, 'note', `deadline reached (${addressDeadline}): stopping this address's probe`);
      own.abort();
    });
    try {
      const probe = await probeHost({ ...ctx, signal: AbortSignal.any([signal, own.signal]) }, t, probeOptions);
      const how = ownHit ? addressDeadline : checkDeadlineHit ? checkDeadline : null;
      if (how !== null && markStopped(probe.facts, how)) {
        stopped.add(probe.facts.key);
        if (ownHit) addressDeadlineHit = true;
      }
      return probe;
    } finally {
      cancel();
    }
  };
  // At most N connections of this test at once, and per address and port what the process's
  // scheduler allows across every job (two MX names, or two domains, may share an address).
  const perDomain = limitConcurrency(limits.connectionsPerDomain);
  const settled = await Promise.all(targets.map((t) => scheduler.connection(t.address, t.port, () => perDomain(() => probeOne(t)))));
  const probes = settled.filter((p): p is HostProbe => p !== null);
  // What the certificates need fetched (AIA, CRL, OCSP): each URL once for the whole test.
  const fetcher = options.fetcher ?? edges().fetcher ?? null;
  if (fetcher && !stopAll.signal.aborted) {
    const pki = { fetcher, trustStore, now: clock.now(), revocation: options.revocation ?? true, cache: new FetchCache(), transcript, signal, ...(options.fetchTimeoutMs ? { timeoutMs: options.fetchTimeoutMs } : {}) };
    await Promise.all(
      probes.map(async (p) => {
        const tls = p.facts.tls;
        const chain = tls?.ok ? (tls.sentChain ?? tls.peerChain) : [];
        if (!tls?.ok || chain.length === 0) return;
        const stapled = tls.ocspResponse ? Buffer.from(tls.ocspResponse, 'base64') : null;
        const key = p.facts.key;
        try {
          p.facts.pkiFetches = await fetchForChain(
            chain.map((c) => Buffer.from(c, 'base64')),
            stapled,
            { ...pki, onFetch: (url) => ctx.onProgress?.(key, `fetching ${url}`) },
            `${key}/http`,
          );
        } catch (err) {
          // Our own bug (a fetcher or trust store that throws): nothing fetched, and judging says why.
          transcript.record(`${key}/http`, 'note', `certificate lookups failed (mxray's own error): ${statusOfError(err).detail}`);
        }
      }),
    );
  }
  const posture = postureRun ? await postureRun : null;
  // The whole test's deadline stops the wait too (a DnssecResolver that ignores the signal cannot hold the report).
  const dane = await Promise.race([daneRun, aborted(signal).then(() => null)]);
  const dnsbl = options.dnsbl && !stopAll.signal.aborted ? await askBlockLists(options.dnsbl, probes, resolver, signal) : undefined;
  cancelCheckDeadline();

  const notProbed: NotProbed[] = [
    ...notStarted.map((t): NotProbed => ({ reason: 'deadline', mx: t.mx, preference: t.preference, address: t.address })),
    ...mailHosts.notProbed.map((m): NotProbed => ({ reason: m.reason, mx: m.exchange, preference: m.preference, address: m.address })),
  ];
  const deadlineReached = checkDeadlineHit && (dnsCut || notStarted.length > 0 || stopped.size > 0) ? 'check' : addressDeadlineHit ? 'address' : null;
  const bounds: ReceiverBounds = {
    maxMx,
    addressesPerHost: limits.addressesPerHost,
    addressDeadlineMs: Math.max(1, Math.round(addressDeadlineMs)),
    deadlineMs: limits.deadlineMs === null ? null : Math.max(1, Math.round(limits.deadlineMs)),
    deadlineReached,
    stopped: [...stopped],
    notProbed: notProbed.slice(0, MAX_NOT_PROBED_LISTED),
    notProbedCount: notProbed.length,
  };

  const sourceAddress = probes.find((p) => p.localAddress)?.localAddress ?? null;
  const timeouts = { connectMs: limits.connectTimeoutMs, greetingMs: limits.greetingTimeoutMs, commandMs: limits.commandTimeoutMs };
  const facts: ReceiverFacts = { target, sourceAddress, timeouts, dns, dnsEvidence, hosts: probes.map((p) => p.facts), bounds, ...(posture ? { posture } : {}), ...(dnsbl ? { dnsbl } : {}), ...(dane ? { dane } : {}) };
  const judging = {
    at: clock.now(),
    profile,
    trustStore,
    warnDays: options.warnDays ?? profile.expiryWarnDays,
    expectThumbprint: options.expectThumbprint ?? null,
  };
  const judged = withObserverFailure(judgeReceiver(facts, { ...judging, now: judging.at, transcript: transcript.events }), observerFailure(), target.input);
  if (postureDomain !== null && judged.body.posture) {
    await rememberPolicy(options.memory, postureDomain, judged.body.posture.mtaSts, clock.now()).catch((err: unknown) => {
      transcript.record('mxray', 'note', `the MTA-STS policy could not be remembered: ${statusOfError(err).detail}`);
    });
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: VERSION },
    kind: 'receiver',
    target: target.input,
    startedAt,
    durationMs: Math.round((clock.monotonic() - startedMono) * 1000) / 1000,
    verdict: judged.verdict,
    judgedWith: judgedWith(judging),
    findings: judged.findings,
    transcript: transcript.events,
    body: judged.body,
  };
}

/** The address we send from, as the receivers see it, asked of the block lists (see ReceiverOptions.dnsbl). */
async function askBlockLists(given: NonNullable<ReceiverOptions['dnsbl']>, probes: readonly HostProbe[], resolver: Resolver, signal: AbortSignal): Promise<DnsblSection> {
  const zones = normalizeZones(given.zones ?? null);
  let target: DnsblTarget | null = null;
  if (given.sourceIp) target = { address: given.sourceIp, source: 'source-ip', mx: null };
  else {
    for (const p of probes) {
      const echoed = p.facts.ehloReply?.lines[0] ? addressFromEhlo(p.facts.ehloReply.lines[0]) : null;
      if (echoed) {
        target = { address: echoed, source: 'ehlo', mx: p.facts.mx };
        break;
      }
    }
    const own = probes.find((p) => p.localAddress)?.localAddress ?? null;
    if (!target && own !== null && publicOnlyPolicy(own, 25) === true) target = { address: own, source: 'socket', mx: null };
  }
  return lookupDnsbl(resolver, target ? [target] : [], zones, { signal });
}

export interface RejudgeOptions {
  trustStore: TrustStore;
  /** The moment to judge certificates at (default: the time the report was judged at before). */
  at?: number;
  profile?: Profile;
}

/** Judges a saved receiver report again from its facts, e.g. with other roots or on another date. */
export function rejudgeReceiver(report: ReceiverReport, options: RejudgeOptions): ReceiverReport {
  // The thresholds the report was judged with, unless the caller names others: never silently another profile.
  const saved = report.judgedWith.profile;
  const known = PROFILES[saved.name];
  if (!options.profile && (!known || known.version !== saved.version)) {
    throw new UsageError(`the report was judged with profile ${saved.name} version ${saved.version}, which this mxray does not have (it has ${Object.values(PROFILES).map((p) => `${p.name} version ${p.version}`).join(', ')})`);
  }
  const profile = options.profile ?? (known as Profile);
  const judging = {
    at: options.at ?? Date.parse(report.judgedWith.at),
    profile,
    trustStore: options.trustStore,
    warnDays: report.judgedWith.options.warnDays,
    expectThumbprint: report.judgedWith.options.expectThumbprint,
  };
  const judged = judgeReceiver(receiverFacts(report.body), { ...judging, now: judging.at, transcript: report.transcript });
  return { ...report, verdict: judged.verdict, judgedWith: { ...judgedWith(judging), rejudged: true }, findings: judged.findings, body: judged.body };
}
