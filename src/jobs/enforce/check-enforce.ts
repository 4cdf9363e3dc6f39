// `mxray enforce`: target → DNS (as the receiver test resolves it) → per MX address a cleartext
// session and a control session with STARTTLS (bounded concurrency, each address within its
// deadline) → judge (checks/enforcement.ts) → Report of kind 'enforce'.
import type { Clock, Connector, HostMapping, JobEdges, Limits, ProbeContext, Resolver, TrustStore } from '../../core/context.js';
import { DEFAULT_LIMITS } from '../../core/context.js';
import { limitConcurrency } from '../../core/concurrency.js';
import { statusOfError, UsageError } from '../../core/errors.js';
import type { EventSink } from '../../core/events.js';
import { ipFamily } from '../../core/ip.js';
import { isHeloName } from '../../core/names.js';
import { judgedWith } from '../../core/report.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { DnsFacts, EnforceAddressFacts, EnforceReport, EnforceSession, TranscriptEvent } from '../../core/schema.js';
import { parseTarget } from '../../core/target.js';
import { Transcript } from '../../core/transcript.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { enforceFacts, judgeEnforce, type EnforceFacts } from '../../checks/enforcement.js';
import { DEFAULT_PROFILE, type Profile } from '../../checks/profile.js';
import { limitQueries } from '../../dns/limited-resolver.js';
import { resolveMailHosts } from '../../dns/mail-hosts.js';
import { traceResolver } from '../../dns/tracing-resolver.js';
import { PROFILES } from '../../kb/profiles.js';
import { checkWireText, DEFAULT_MAX_MX } from '../receiver/check-receiver.js';
import { hostKey, type HostTarget } from '../receiver/probe-host.js';
import { probeEnforce } from './probe-enforce.js';
import { after, mergeLimits, observedSink, withObserverFailure } from '../job-run.js';

export interface EnforceOptions {
  /** Domain, user@domain, host:port, IPv4, [IPv6] or [IPv6]:port. */
  target: string | null;
  /** Test this server directly (the positional target, if any, still names the mail domain). */
  host?: string | null;
  port?: number | null;
  /** The name we announce in EHLO (default: this machine's). */
  helo?: string;
  /** MAIL FROM (default mxray-test@<the EHLO name>). */
  from?: string | null;
  /** RCPT TO (default: the target when it is user@domain, else postmaster@<the mail domain>; required when the target names no mail domain). */
  rcpt?: string | null;
  /** Also DATA, dropped at its 354 without the final dot (nothing is delivered). */
  throughData?: boolean;
  families?: { v4: boolean; v6: boolean };
  maxMx?: number;
  profile?: Profile;
  limits?: Partial<Limits>;
  hostMap?: ReadonlyMap<string, HostMapping>;
  clock?: Clock;
  resolver?: Resolver;
  connector?: Connector;
  scheduler?: Scheduler;
  signal?: AbortSignal;
  events?: EventSink;
  onProgress?: (key: string, phase: string) => void;
  onEvent?: (event: TranscriptEvent) => void;
}

/** mxray enforce judges no certificate: judgedWith says so instead of naming roots it never used. */
const NO_TRUST_STORE: TrustStore = { roots: () => [], description: 'none (mxray enforce judges no certificate)' };

/** The error text the client and connector give when the job's signal stopped them. */
const ABORTED = /^aborted\b/;

/**
 * A session our deadline cut is no measurement: its status says so ('deadline-reached', with the
 * stage it was at), so the address reads as untested, never as the server's failure.
 */
function markStopped(facts: EnforceAddressFacts, how: string): void {
  for (const s of [facts.cleartext, facts.control]) {
    if (s === null || s.status === 'ok' || !ABORTED.test(s.statusDetail ?? '')) continue;
    const at = s.steps.find((x) => x.reply === null)?.command.replace(/:.*/, '') ?? 'the connection';
    s.status = 'deadline-reached';
    s.statusDetail = `stopped by mxray at its deadline of ${how}, during the ${s.mode === 'tls' ? 'control session with STARTTLS' : 'cleartext session'} (${at})`;
  }
}

/** An address the whole test's deadline kept from being probed: listed, with nothing measured. */
function notStarted(t: HostTarget, how: string): EnforceAddressFacts {
  const cleartext: EnforceSession = {
    mode: 'cleartext',
    status: 'deadline-reached',
    statusDetail: `not started: mxray's deadline of ${how} came first`,
    starttls: null,
    tlsProtocol: null,
    steps: [],
    droppedAfterData: false,
    evidence: [],
  };
  return { key: hostKey(t), mx: t.mx, preference: t.preference, address: t.address, family: t.family, port: t.port, starttlsOffered: false, cleartext, control: null, auth: null };
}

function settings(profile: Profile, at: number) {
  return { at, profile, trustStore: NO_TRUST_STORE, warnDays: profile.expiryWarnDays, expectThumbprint: null };
}

export async function runEnforceCheck(options: EnforceOptions, defaults: () => JobEdges): Promise<EnforceReport> {
  checkWireText('--helo', options.helo, isHeloName);
  checkWireText('--from', options.from, (t) => /^[^@]+@[^@]+$/.test(t));
  checkWireText('--rcpt', options.rcpt, (t) => /^[^@]+@[^@]+$/.test(t));
  const target = parseTarget(options.target, options);
  if (target.implicitTls) {
    throw new UsageError(
      `port ${target.port} speaks TLS from the first byte (implicit TLS): there is no cleartext session to refuse there; enforce tests a STARTTLS port (25 or 587), and \`mxray check\` tests this one`,
    );
  }
  // user@domain as the target: that mailbox is the recipient (a connector may enforce only for
  // some recipients); a bare domain tries postmaster@, which every domain must accept (RFC 5321 §4.5.1).
  const at = (options.target ?? '').trim().lastIndexOf('@');
  const mailbox = at > 0 && target.domain !== null ? `${(options.target ?? '').trim().slice(0, at)}@${target.domain}` : null;
  if (options.rcpt === null || options.rcpt === undefined) checkWireText('the target', mailbox, (t) => /^[^@]+@[^@]+$/.test(t));
  const rcpt = options.rcpt ?? mailbox ?? (target.domain ? `postmaster@${target.domain}` : null);
  if (rcpt === null) {
    const what = target.host !== null && ipFamily(target.host.replace(/^\[|\]$/g, '')) !== 0 ? 'an IP address' : 'a server';
    throw new UsageError(`give --rcpt: the target ${JSON.stringify(target.input.slice(0, 80))} is ${what}, not a mail domain, so there is no postmaster@domain to try`);
  }
  let built: JobEdges | null = null;
  const edges = (): JobEdges => (built ??= defaults());
  const helo = options.helo ?? edges().helo;
  const from = options.from ?? `mxray-test@${helo}`;
  checkWireText('--from', from, (t) => /^[^@]+@[^@]+$/.test(t));
  const scheduler = options.scheduler ?? edges().scheduler;

  return scheduler.target(async () => {
    const clock = options.clock ?? edges().clock;
    const startedAt = new Date(clock.now()).toISOString();
    const startedMono = clock.monotonic();
    const { sink, failure: observerFailure } = observedSink(options);
    const transcript = new Transcript(clock, (event) => sink.emit({ type: 'transcript', event }));
    const limits: Limits = mergeLimits(options.limits);
    const addressDeadlineMs = options.limits?.addressDeadlineMs ?? limits.deadlineMs ?? DEFAULT_LIMITS.addressDeadlineMs;
    const profile = options.profile ?? DEFAULT_PROFILE;
    const hostMap = options.hostMap ?? new Map<string, HostMapping>();
    const resolver = traceResolver(limitQueries(options.resolver ?? edges().resolver, limits.dnsQueriesAtOnce), transcript);

    const stopAll = new AbortController();
    const cancelDeadline =
      limits.deadlineMs === null
        ? () => {}
        : after(clock, limits.deadlineMs, () => {
            transcript.record('mxray', 'note', `deadline reached (${limits.deadlineMs} ms for the whole test): stopping what is still running`);
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

    let dns: DnsFacts;
    let targets: HostTarget[] = [];
    try {
      const found = await resolveMailHosts(target, resolver, {
        families: options.families ?? { v4: true, v6: true },
        hostMap,
        first: false,
        maxMx: options.maxMx ?? DEFAULT_MAX_MX,
        maxAddresses: limits.addressesPerHost,
      });
      dns = found.dns;
      targets = found.hosts.flatMap((h) =>
        h.addresses.map((a) => ({
          mx: h.mx,
          preference: h.preference,
          address: a.address,
          family: a.family,
          port: a.port ?? target.port,
          implicitTls: false,
          serverName: ipFamily(h.mx) !== 0 ? null : h.mx,
          domain: target.domain,
        })),
      );
    } catch (err) {
      // Only a bug of ours (a resolver that throws something else than a DnsError) comes here.
      dns = { status: 'error', resolver: resolver.description, mx: [], error: statusOfError(err).detail };
    }
    const dnsEvidence = transcript.events.map((e) => e.seq);

    const wholeDeadline = `${limits.deadlineMs} ms for the whole test`;
    const addressDeadline = `${addressDeadlineMs} ms for each address`;
    const probeOne = async (t: HostTarget): Promise<EnforceAddressFacts> => {
      // The whole test's deadline came before this address's turn: listed, untested.
      if (stopAll.signal.aborted) return notStarted(t, wholeDeadline);
      const own = new AbortController();
      let ownHit = false;
      const cancel = after(clock, addressDeadlineMs, () => {
        // The whole test's deadline came first (at the same moment, or before): it stopped this one.
        if (stopAll.signal.aborted) return;
        ownHit = true;
        transcript.record(`${hostKey(t)}/cleartext`, 'note', `deadline reached (${addressDeadline}): stopping this address's probe`);
        own.abort();
      });
      try {
        const facts = await probeEnforce({ ...ctx, signal: AbortSignal.any([signal, own.signal]) }, t, { helo, from, rcpt, throughData: options.throughData ?? false });
        if (ownHit || stopAll.signal.aborted) markStopped(facts, ownHit ? addressDeadline : wholeDeadline);
        return facts;
      } finally {
        cancel();
      }
    };
    const perDomain = limitConcurrency(limits.connectionsPerDomain);
    const probed = await Promise.all(targets.map((t) => scheduler.connection(t.address, t.port, () => perDomain(() => probeOne(t)))));
    cancelDeadline();

    const facts: EnforceFacts = {
      target,
      envelope: { helo, from, rcpt, throughData: options.throughData ?? false },
      timeouts: { connectMs: limits.connectTimeoutMs, greetingMs: limits.greetingTimeoutMs, commandMs: limits.commandTimeoutMs },
      dns,
      dnsEvidence,
      addresses: probed,
    };
    const at = clock.now();
    const judged = withObserverFailure(judgeEnforce(facts, { profile }), observerFailure(), target.input);
    const { findings, verdict } = judged;
    return {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'mxray', version: VERSION },
      kind: 'enforce',
      target: target.input,
      startedAt,
      durationMs: Math.round((clock.monotonic() - startedMono) * 1000) / 1000,
      verdict,
      judgedWith: judgedWith(settings(profile, at)),
      findings,
      transcript: transcript.events,
      body: judged.body,
    };
  });
}

/** Judges a saved enforce report again from its facts (e.g. after the knowledge base learned a new reply). */
export function rejudgeEnforce(report: EnforceReport, options: { profile?: Profile; at?: number } = {}): EnforceReport {
  const saved = report.judgedWith.profile;
  const known = PROFILES[saved.name];
  if (!options.profile && (!known || known.version !== saved.version)) {
    throw new UsageError(`the report was judged with profile ${saved.name} version ${saved.version}, which this mxray does not have`);
  }
  const profile = options.profile ?? (known as Profile);
  const judged = judgeEnforce(enforceFacts(report.body), { profile });
  const again = judgedWith(settings(profile, options.at ?? Date.parse(report.judgedWith.at)));
  return { ...report, verdict: judged.verdict, judgedWith: { ...again, rejudged: true }, findings: judged.findings, body: judged.body };
}
