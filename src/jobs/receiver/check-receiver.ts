// The receiver test: target → DNS → probe every MX address (bounded concurrency) → judge → Report.
import type { Clock, Connector, HostMapping, JobEdges, Limits, ProbeContext, Resolver, TrustStore } from '../../core/context.js';
import { DEFAULT_LIMITS } from '../../core/context.js';
import type { ReceiverReport, Target, TranscriptEvent } from '../../core/schema.js';
import { parseTarget } from '../../core/target.js';
import { statusOfError, UsageError } from '../../core/errors.js';
import { judgedWith } from '../../core/report.js';
import { Transcript } from '../../core/transcript.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { DEFAULT_PROFILE, type Profile } from '../../checks/profile.js';
import { PROFILES } from '../../kb/profiles.js';
import { judgeReceiver, receiverFacts } from '../../checks/receiver.js';
import { resolveMailHosts } from '../../dns/mail-hosts.js';
import { traceResolver } from '../../dns/tracing-resolver.js';
import { ipFamily } from '../../core/ip.js';
import { HELO_NAME } from '../../core/names.js';
import { probeHost, type HostProbe, type HostTarget } from './probe-host.js';
import { limitConcurrency } from '../../core/concurrency.js';
import { createEventSink, type EventSink } from '../../core/events.js';
import type { Scheduler } from '../../core/scheduler.js';
import { makeFinding, sortFindings } from '../../kb/index.js';
import { worstVerdict } from '../../checks/verdict.js';

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
  families?: { v4: boolean; v6: boolean };
  warnDays?: number;
  expectThumbprint?: string | null;
  /** The handshake without SNI and the cleartext session (default on). */
  extras?: boolean;
  profile?: Profile;
  limits?: Partial<Limits>;
  hostMap?: ReadonlyMap<string, HostMapping>;
  // Injected edges: the caller (CLI, web, tests) decides what is real; the system's by default.
  clock?: Clock;
  resolver?: Resolver;
  connector?: Connector;
  trustStore?: TrustStore;
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
function checkWireText(what: string, value: string | null | undefined, pattern: RegExp): void {
  if (value === null || value === undefined) return;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (value.length > 254 || /[\x00-\x20\x7f-\x9f<>\s]/.test(value) || !pattern.test(value)) {
    throw new UsageError(`${what} "${value.slice(0, 80)}" is not usable: ${what === '--helo' ? 'give a fully qualified domain name or [address]' : 'give a plain address like name@example.com'}`);
  }
}

/**
 * The receiver test. Every edge the caller leaves out of `options` comes from `defaults` (built
 * only when needed): the job itself never builds a real resolver, socket or clock — src/library.ts
 * and the CLI pass the system's (runtime/), tests their own.
 */
export async function runReceiverCheck(options: ReceiverOptions, defaults: () => JobEdges): Promise<ReceiverReport> {
  checkWireText('--helo', options.helo, HELO_NAME);
  checkWireText('--from', options.from, /^([^@]+@[^@]+)?$/);
  checkWireText('--rcpt', options.rcpt, /^[^@]+@[^@]+$/);
  const target = parseTarget(options.target, options);
  let built: JobEdges | null = null;
  const edges = (): JobEdges => (built ??= defaults());
  // One target slot of the process's scheduler for the whole test (a bulk run waits here).
  const scheduler = options.scheduler ?? edges().scheduler;
  return scheduler.target(() => testTarget(options, target, edges, scheduler));
}

async function testTarget(options: ReceiverOptions, target: Target, edges: () => JobEdges, scheduler: Scheduler): Promise<ReceiverReport> {
  const clock = options.clock ?? edges().clock;
  const startedAt = new Date(clock.now()).toISOString();
  const startedMono = clock.monotonic();
  // The caller's sink (or one that only publishes on the diagnostics channel), after the shorthands.
  const events = options.events ?? createEventSink();
  // An observer that throws is the caller's bug: it must not break a probe or lose other hosts'
  // results. The first one is kept and reported as our internal error (exit 4) at the end.
  let observerFailure: unknown = null;
  const sink: EventSink = {
    emit(e) {
      try {
        if (e.type === 'progress') options.onProgress?.(e.key, e.phase);
        else options.onEvent?.(e.event);
        events.emit(e);
      } catch (err) {
        observerFailure ??= err;
      }
    },
  };
  const transcript = new Transcript(clock, (event) => sink.emit({ type: 'transcript', event }));
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const profile = options.profile ?? DEFAULT_PROFILE;
  const hostMap = options.hostMap ?? new Map<string, HostMapping>();
  const resolver = traceResolver(options.resolver ?? edges().resolver, transcript);
  const trustStore = options.trustStore ?? edges().trustStore;
  const ctx: ProbeContext = {
    clock,
    resolver,
    connector: options.connector ?? edges().connector,
    transcript,
    limits,
    hostMap,
    signal: options.signal,
    onProgress: (key, phase) => sink.emit({ type: 'progress', key, phase }),
  };

  const { dns, hosts: mailHosts } = await resolveMailHosts(target, resolver, {
    families: options.families ?? { v4: true, v6: true },
    hostMap,
    first: options.first ?? false,
  });
  // Nothing was recorded before: every event so far is a DNS one.
  const dnsEvidence = transcript.events.map((e) => e.seq);

  const targets: HostTarget[] = mailHosts.flatMap((h) =>
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
  };
  // At most N connections of this test at once, and per address and port what the process's
  // scheduler allows across every job (two MX names, or two domains, may share an address).
  const perDomain = limitConcurrency(limits.connectionsPerDomain);
  const probes: HostProbe[] = await Promise.all(targets.map((t) => scheduler.connection(t.address, t.port, () => perDomain(() => probeHost(ctx, t, probeOptions)))));

  const sourceAddress = probes.find((p) => p.localAddress)?.localAddress ?? null;
  const timeouts = { connectMs: limits.connectTimeoutMs, greetingMs: limits.greetingTimeoutMs, commandMs: limits.commandTimeoutMs };
  const facts = { target, sourceAddress, timeouts, dns, dnsEvidence, hosts: probes.map((p) => p.facts) };
  const judging = {
    at: clock.now(),
    profile,
    trustStore,
    warnDays: options.warnDays ?? profile.expiryWarnDays,
    expectThumbprint: options.expectThumbprint ?? null,
  };
  const judged = judgeReceiver(facts, { ...judging, now: judging.at, transcript: transcript.events });
  if (observerFailure !== null) {
    const detail = `an event observer failed: ${statusOfError(observerFailure).detail}`;
    judged.findings = sortFindings([makeFinding('mxray.internal-error', { host: target.input, detail }), ...judged.findings]);
    judged.verdict = worstVerdict([judged.verdict, 'inconclusive']);
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
