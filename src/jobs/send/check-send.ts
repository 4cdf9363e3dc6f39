// `mxray send`: the options → the message, composed and checked before anything touches the network
// → DNS (as the receiver test resolves a target) → the MX addresses in an MTA's order, the next one
// tried when one does not take the session as far as the envelope → one session that
// sends it (probe-send.ts), or with --count N --concurrency C, N messages over C sessions → judge
// (checks/sending.ts) → Report of kind 'send'.
import { randomBytes } from 'node:crypto';
import type { ClientCertificate, Clock, Connector, HostMapping, JobEdges, Limits, ProbeContext, Resolver, TrustStore } from '../../core/context.js';
import { statusOfError, UsageError } from '../../core/errors.js';
import type { EventSink } from '../../core/events.js';
import { ipFamily } from '../../core/ip.js';
import { isHeloName } from '../../core/names.js';
import { judgedWith } from '../../core/report.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { DnsFacts, SendBody, SendLoad, SendReport, TranscriptEvent } from '../../core/schema.js';
import { parseTarget } from '../../core/target.js';
import { Transcript } from '../../core/transcript.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { DEFAULT_PROFILE, type Profile } from '../../checks/profile.js';
import { judgeSend } from '../../checks/sending.js';
import { limitQueries } from '../../dns/limited-resolver.js';
import { resolveMailHosts } from '../../dns/mail-hosts.js';
import { traceResolver } from '../../dns/tracing-resolver.js';
import { checkWireText } from '../receiver/check-receiver.js';
import { composeSeries, type ComposedMessage } from './compose.js';
import { BEFORE_ENVELOPE, probeSend, type MessageResult, type MessageSource, type SessionResult, type SendAuth, type SendEndpoint, type SendPlan, type SendTlsMode, type SendVerifyMode } from './probe-send.js';
import { mergeLimits, observedSink, withObserverFailure } from '../job-run.js';

export type { SendAuth, SendTlsMode, SendVerifyMode } from './probe-send.js';

/** Most messages of one run, and sessions at once (--count, --concurrency). */
export const MAX_COUNT = 100_000;
export const MAX_CONCURRENCY = 200;
/** Most recipients of one message. */
export const MAX_RECIPIENTS = 100;

export interface SendOptions {
  /** Domain, user@domain (the recipient's domain), host:port, IPv4, [IPv6] or [IPv6]:port. */
  target: string | null;
  host?: string | null;
  port?: number | null;
  helo?: string;
  /** MAIL FROM and From (default mxray-test@<the EHLO name>). */
  from?: string | null;
  /** RCPT TO and To (default: the target's user@domain, else postmaster@<domain>). */
  to?: readonly string[] | null;
  /** Default: implicit on port 465, else opportunistic. */
  tls?: SendTlsMode | null;
  /** Default: name with --tls required or implicit, else none. */
  verify?: SendVerifyMode | null;
  /** RFC 8689 REQUIRETLS on MAIL FROM: implies --tls required --verify name. */
  requireTls?: boolean;
  auth?: SendAuth | null;
  clientCertificate?: ClientCertificate | null;
  subject?: string | null;
  headers?: readonly string[];
  body?: string | null;
  data?: Buffer | null;
  size?: number | null;
  count?: number;
  concurrency?: number;
  families?: { v4: boolean; v6: boolean };
  profile?: Profile;
  limits?: Partial<Limits>;
  hostMap?: ReadonlyMap<string, HostMapping>;
  clock?: Clock;
  resolver?: Resolver;
  connector?: Connector;
  trustStore?: TrustStore;
  scheduler?: Scheduler;
  signal?: AbortSignal;
  events?: EventSink;
  /** A fresh test id (default: 16 random hex digits). */
  testId?: () => string;
  onProgress?: (key: string, phase: string) => void;
  onEvent?: (event: TranscriptEvent) => void;
}

function whole(name: string, value: number | undefined, max: number): number {
  if (value === undefined) return 1;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}`);
  return value;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** The transcript of a --count run's other sessions: the report keeps only the first session's, so theirs is not even written. */
class UnkeptTranscript extends Transcript {
  private seq = 0;
  override record(): number {
    return this.seq++;
  }
}

function settings(profile: Profile, at: number, trustStore: TrustStore) {
  return { at, profile, trustStore, warnDays: profile.expiryWarnDays, expectThumbprint: null };
}

type Server = NonNullable<SendBody['server']>;

/** Most addresses one run tries (Postfix's smtp_mx_address_limit is 5 too). */
export const MAX_SERVER_TRIES = 5;

/**
 * Why an MTA would leave this address for the next MX address (null: it would not): every session
 * ended before the envelope — the connection failed, no greeting, a refusal at the greeting, EHLO or
 * STARTTLS, TLS missing when required. Never after MAIL FROM (the message may be on its way), nor
 * on our own deadline or error, nor for what the next server would refuse alike (AUTH, a missing extension).
 */
export function nextAddressWhy(runs: readonly SessionResult[]): string | null {
  const reasons = runs.map((r): string | null => {
    const o = r.messages[0]?.outcome;
    const status = r.session.status;
    if (!o || status === 'deadline-reached' || status === 'internal-error' || (o.stage !== null && !BEFORE_ENVELOPE.has(o.stage))) return null;
    if (o.result === 'failed' || o.result === 'deferred' || (o.result === 'refused' && o.stage === 'banner')) return o.reason;
    return o.result === 'not-sent' && o.cause === 'tls-unavailable' ? o.reason : null;
  });
  return reasons.every((r) => r !== null) ? (reasons[0] ?? null) : null;
}

/** The figures of a --count run. */
function loadFigures(runs: readonly SessionResult[], count: number, concurrency: number, elapsed: number): SendLoad {
  const all: MessageResult[] = runs.flatMap((r) => r.messages);
  const delivered = all.filter((m) => m.outcome.result === 'delivered');
  const refused = all.filter((m) => m.outcome.result === 'refused' || m.outcome.result === 'deferred').length;
  const lat = delivered.map((m) => m.latencyMs as number).sort((a, b) => a - b);
  const firstFailure = all.find((m) => m.outcome.result !== 'delivered')?.outcome.reason ?? null;
  return {
    count,
    concurrency,
    delivered: delivered.length,
    refused,
    failed: all.length - delivered.length - refused,
    elapsedMs: Math.round(elapsed * 1000) / 1000,
    messagesPerSecond: elapsed > 0 ? Math.round((delivered.length / (elapsed / 1000)) * 1000) / 1000 : 0,
    latencyMs: lat.length ? { p50: percentile(lat, 50), p90: percentile(lat, 90), p99: percentile(lat, 99), max: lat.at(-1) as number } : null,
    firstFailure: firstFailure === null ? null : firstFailure.slice(0, 300),
  };
}

export async function runSend(options: SendOptions, defaults: () => JobEdges): Promise<SendReport> {
  checkWireText('--helo', options.helo, isHeloName);
  checkWireText('--from', options.from, (t) => /^[^@]+@[^@]+$/.test(t));
  const target = parseTarget(options.target, options);
  const given = options.to ?? [];
  if (given.length > MAX_RECIPIENTS) throw new UsageError(`at most ${MAX_RECIPIENTS} recipients (--to)`);
  for (const t of given) checkWireText('--to', t, (x) => /^[^@]+@[^@]+$/.test(x));
  const userAddress = options.target && /^[^@\s]+@[^@\s]+$/.test(options.target.trim()) ? options.target.trim() : null;
  const to = given.length ? [...given] : userAddress ? [userAddress] : target.domain ? [`postmaster@${target.domain}`] : [];
  if (to.length === 0) throw new UsageError('give --to: the target is a server, not a mail domain, so there is no recipient to assume');

  const requireTls = options.requireTls ?? false;
  if (requireTls && options.tls && options.tls !== 'required') throw new UsageError(`--requiretls needs --tls required (RFC 8689: the whole path verified), not --tls ${options.tls}`);
  if (requireTls && options.verify && options.verify !== 'name') throw new UsageError(`--requiretls needs --verify name, not --verify ${options.verify}`);
  const tls: SendTlsMode = requireTls ? 'required' : (options.tls ?? (target.implicitTls ? 'implicit' : 'opportunistic'));
  const verify: SendVerifyMode = requireTls ? 'name' : (options.verify ?? (tls === 'required' || tls === 'implicit' ? 'name' : 'none'));
  if (options.clientCertificate && tls === 'none') throw new UsageError('--client-cert needs TLS: not with --tls none');
  const count = whole('--count', options.count, MAX_COUNT);
  const concurrency = whole('--concurrency', options.concurrency, MAX_CONCURRENCY);
  if (concurrency > count) throw new UsageError(`--concurrency ${concurrency} is more than --count ${count}: each session sends at least one message`);

  let built: JobEdges | null = null;
  const edges = (): JobEdges => (built ??= defaults());
  const helo = options.helo ?? edges().helo;
  // An address literal EHLO name stays one: mxray-test@[192.0.2.7], mxray-test@[IPv6:2001:db8::1] (RFC 5321 §4.1.3).
  const from = options.from ?? `mxray-test@${helo}`;
  checkWireText('--from', from, (t) => /^[^@]+@[^@]+$/.test(t));
  const clock = options.clock ?? edges().clock;
  const newId = options.testId ?? (() => randomBytes(8).toString('hex'));
  const baseId = newId();
  const idDomain = /^\[/.test(helo) ? 'mxray.invalid' : helo;
  // Messages alike but for their ids: composed once (per id length and Date second), the ids written in.
  const series = composeSeries({
    from,
    to,
    subject: options.subject ?? null,
    headers: options.headers ?? [],
    body: options.body ?? null,
    data: options.data ?? null,
    size: options.size ?? null,
    idDomain,
  });
  const compose = (index: number): ComposedMessage => series(index === 0 ? baseId : `${baseId}.${index + 1}`, clock.now());
  // Every problem with the message is found here, before DNS or any connection (exit 2).
  const first = compose(0);
  const scheduler = options.scheduler ?? edges().scheduler;
  const trustStore = options.trustStore ?? edges().trustStore;

  return scheduler.target(async () => {
    const startedAt = new Date(clock.now()).toISOString();
    const startedMono = clock.monotonic();
    const { sink, failure: observerFailure } = observedSink(options);
    const transcript = new Transcript(clock, (event) => sink.emit({ type: 'transcript', event }));
    const limits: Limits = mergeLimits(options.limits);
    const profile = options.profile ?? DEFAULT_PROFILE;
    const hostMap = options.hostMap ?? new Map<string, HostMapping>();
    const resolver = traceResolver(limitQueries(options.resolver ?? edges().resolver, limits.dnsQueriesAtOnce), transcript);
    const ctx: ProbeContext = {
      clock,
      resolver,
      connector: options.connector ?? edges().connector,
      transcript,
      limits,
      hostMap,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (key, phase) => sink.emit({ type: 'progress', key, phase }),
    };

    let dns: DnsFacts;
    // Where the message may go, in the order an MTA tries them: each MX (by preference) with each of its addresses.
    let candidates: Server[] = [];
    try {
      const found = await resolveMailHosts(target, resolver, { families: options.families ?? { v4: true, v6: true }, hostMap, first: false, maxMx: 10, maxAddresses: limits.addressesPerHost });
      dns = found.dns;
      candidates = found.hosts
        .flatMap((h) => h.addresses.map((a) => ({ mx: h.mx, address: a.address, port: a.port ?? target.port, serverName: ipFamily(h.mx) !== 0 ? null : h.mx })))
        .slice(0, MAX_SERVER_TRIES);
    } catch (err) {
      dns = { status: 'error', resolver: resolver.description, mx: [], error: statusOfError(err).detail };
    }
    const dnsEvidence = transcript.events.map((e) => e.seq);

    const plan: SendPlan = {
      helo,
      from,
      to,
      tls,
      verify,
      requireTls,
      auth: options.auth ?? null,
      clientCertificate: options.clientCertificate ?? null,
      trustStore,
      now: clock.now(),
      domain: target.domain,
    };
    // The client's cap on a message (its guard against sending more than meant): the longest of the run —
    // later messages of a --count run are longer by their ids' suffix, ".N" wherever the id is written, so
    // the last one (with --size every one is that size).
    const maxMessageBytes = compose(count - 1).bytes.length;
    // Messages 0 … count-1, dealt out in runs: session i sends shares[i] of them, one after the other.
    const shares = Array.from({ length: concurrency }, (_, i) => Math.floor(count / concurrency) + (i < count % concurrency ? 1 : 0));
    const starts = shares.map((_, i) => shares.slice(0, i).reduce((a, b) => a + b, 0));
    const sources: MessageSource[] = shares.map((n, i) => {
      const start = starts[i] as number;
      return { count: n, first: i === 0 ? first : compose(start), get: (k: number) => compose(start + k) };
    });

    /** The whole run (every session) against one server. */
    const sendTo = async (server: Server): Promise<{ runs: SessionResult[]; elapsed: number }> => {
      const key = `${server.mx}[${server.address}]:${server.port}`;
      const endpoint = (i: number): SendEndpoint => ({ address: server.address, port: server.port, serverName: server.serverName, conn: `${key}/send${count > 1 ? `#${i + 1}` : ''}` });
      const loadStart = clock.monotonic();
      ctx.onProgress?.(key, count > 1 ? `sending ${count} messages over ${concurrency} sessions` : 'sending');
      const runSession = async (i: number, source: MessageSource) => {
        const own: ProbeContext = i === 0 ? ctx : { ...ctx, transcript: new UnkeptTranscript(clock) };
        const opts = { recordSteps: i === 0, maxMessageBytes };
        const first = await probeSend(own, endpoint(i), plan, source, opts);
        if (plan.tls !== 'opportunistic' || first.session.status !== 'tls-handshake-error') return first;
        // Opportunistic TLS, as MTAs do it: after a failed handshake, the message goes again in clear on a new connection.
        own.transcript.record(endpoint(i).conn, 'note', 'the TLS handshake failed: --tls opportunistic sends again without TLS on a new connection, as Postfix at "may" and Exim do');
        const again = await probeSend(own, { ...endpoint(i), conn: `${endpoint(i).conn}/cleartext` }, { ...plan, tls: 'none' }, source, opts);
        again.session.tlsFallback = (first.session.statusDetail ?? 'the TLS handshake failed').slice(0, 300);
        again.session.evidence = [...first.session.evidence, ...again.session.evidence].slice(0, 5000);
        return again;
      };
      // The process's per-address slot is taken once for the whole load, and within it the --concurrency
      // sessions the user asked for run at once (one slot each would run them one after the other).
      const runs = await scheduler.connection(server.address, server.port, () => Promise.all(sources.map((source, i) => runSession(i, source))));
      ctx.onProgress?.(key, 'done');
      return { runs, elapsed: clock.monotonic() - loadStart };
    };

    let server: Server | null = null;
    const passedOver: SendBody['passedOver'] = [];
    let session: SendBody['session'] = null;
    let outcome: SendBody['outcome'] = { result: 'failed', stage: null, reply: null, reason: 'no server to send to', cause: null, queueId: null, refusedRecipients: [] };
    let load: SendLoad | null = null;

    for (const [k, candidate] of candidates.entries()) {
      server = candidate;
      const { runs, elapsed } = await sendTo(candidate);
      // As an MTA does: an address that did not take any session as far as the envelope, and the next one is tried.
      const why = k + 1 < candidates.length && !ctx.signal?.aborted ? nextAddressWhy(runs) : null;
      if (why !== null) {
        passedOver.push({ mx: candidate.mx, address: candidate.address, port: candidate.port, reason: why.slice(0, 300), evidence: runs[0]!.session.evidence });
        const next = candidates[k + 1] as Server;
        transcript.record(`${candidate.mx}[${candidate.address}]:${candidate.port}/send`, 'note', `not taken (${why.slice(0, 200)}): trying the next MX address, ${next.mx}[${next.address}]:${next.port}, as an MTA does`);
        continue;
      }
      session = runs[0]!.session;
      outcome = runs[0]!.messages[0]!.outcome;
      if (count > 1) load = loadFigures(runs, count, concurrency, elapsed);
      break;
    }

    const body: SendBody = {
      target,
      dns,
      dnsEvidence,
      server,
      passedOver,
      settings: {
        tls,
        verify,
        requireTls,
        auth: options.auth ? { user: options.auth.user, mechanism: options.auth.mechanism, allowCleartext: options.auth.allowCleartext } : null,
        clientCertificate: options.clientCertificate?.subject ?? null,
      },
      envelope: { helo, from, to },
      message: {
        messageId: first.messageId,
        testId: first.testId,
        subject: first.subject,
        bytes: first.bytes.length,
        eightBit: first.eightBit,
        utf8: first.utf8,
        source: first.source,
        foldedHeaders: first.foldedHeaders,
      },
      session,
      outcome,
      load,
    };
    const at = clock.now();
    const { findings, verdict } = withObserverFailure(judgeSend(body), observerFailure(), target.input);
    return {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'mxray', version: VERSION },
      kind: 'send',
      target: target.input,
      startedAt,
      durationMs: Math.round((clock.monotonic() - startedMono) * 1000) / 1000,
      verdict,
      judgedWith: judgedWith(settings(profile, at, trustStore)),
      findings,
      transcript: transcript.events,
      body,
    };
  });
}
