// The sender test's receiving side: SMTP listeners (through the smtpd wrapper) that take mail only
// for test addresses, record how each client behaved, and store one Report (kind `sender`) per
// session that carried a valid passcode — durably, before the 250 goes out. Nothing is ever relayed:
// a recipient outside our hostname is refused at RCPT, and an accepted message is judged and dropped.
//
// The facts of a session are gathered by the smtpd hooks into a SessionRecord; DNS lookups about
// the client start as soon as there is something to look up (the address at connect, the EHLO
// name, the MAIL FROM domain) and are awaited, within a budget, only when the report is made.
// Sessions from the same address shortly before a test's session are kept: an MTA whose handshake
// failed reconnects and sends in clear, and only the two sessions together tell that story.
import { EventEmitter } from 'node:events';
import type { Clock, Resolver, TrustStore } from '../../core/context.js';
import { judgedWith } from '../../core/report.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import type { Finding, SenderReport, TranscriptEvent } from '../../core/schema.js';
import type { HeaderMessage } from '../../core/headers-schema.js';
import type { SenderBody, SenderDns, SenderListener, SenderPolicy } from '../../core/sender-schema.js';
import type { SenderResultRecord, SenderTestRecord, SenderTestStore } from '../../core/sender-store.js';
import { escapeText } from '../../core/transcript.js';
import { canonicalIp } from '../../core/ip.js';
import { UsageError } from '../../core/errors.js';
import { senderVerdict } from '../../checks/sender/judge.js';
import { privateAddressReason } from '../../checks/sender/names.js';
import { DEFAULT_PROFILE } from '../../kb/profiles.js';
import { startSmtpd, type SmtpdCertificate, type SmtpdMessage, type SmtpdReply, type SmtpdServer, type SmtpdSession } from '../../smtpd/server.js';
import { fieldsNamed, readHeaderBlock } from '../headers/read-header.js';
import { analyseMessage } from '../headers/run-headers.js';
import { keyOf, maskedAddress, newPasscode, passcodesInSubject, recipientKind, sameKey, FIXED_LOCAL_PART, LOCAL_PREFIX } from './passcode.js';
import { SessionRecord, type PasscodeMatch, type SessionSnapshot } from './session-record.js';
import { defaultClientCertificateProblem, defaultDnsLookups, defaultJudge } from './defaults.js';

/** The bounds of the listener; every one can be set (`mxray sender-test serve --max-…`). */
export interface SenderLimits {
  /** Connections at once, over all clients. */
  maxConnections: number;
  /** Connections at once from one address. */
  maxConnectionsPerIp: number;
  /** The SIZE we announce and enforce. */
  maxMessageBytes: number;
  /** How much of a message is kept to read its header (the body beyond is counted, not kept). */
  keepBytes: number;
  maxCommands: number;
  maxSessionMs: number;
  /** Idle time before a session is closed. */
  idleMs: number;
  /** Tests created per minute (the API answers 429 past it). */
  testsPerMinute: number;
  /** How long a report waits for the DNS lookups about the client. */
  dnsBudgetMs: number;
  /** Longest lifetime a test may be given. */
  maxLifetimeMs: number;
  /** Results one test keeps: more are refused at RCPT (452: a new test is one command away). */
  maxResultsPerTest: number;
}

/** Results one test keeps by default (limits.maxResultsPerTest). */
export const MAX_RESULTS_PER_TEST = 50;

export const DEFAULT_SENDER_LIMITS: SenderLimits = {
  maxConnections: 500,
  maxConnectionsPerIp: 20,
  maxMessageBytes: 10 * 1024 * 1024,
  keepBytes: 256 * 1024,
  // Postfix and Exchange reuse a connection for many messages (about five commands each).
  maxCommands: 1000,
  maxSessionMs: 10 * 60_000,
  idleMs: 60_000,
  testsPerMinute: 60,
  dnsBudgetMs: 5_000,
  maxLifetimeMs: 7 * 86_400_000,
  maxResultsPerTest: MAX_RESULTS_PER_TEST,
};

/** A test's default lifetime. */
export const DEFAULT_TEST_LIFETIME_MS = 3_600_000;
/** How far back sessions from the same address count as the same sender's attempts. */
const EARLIER_WINDOW_MS = 10 * 60_000;
const MAX_EARLIER = 10;
/** Finished sessions remembered for later reports, over every address (the oldest go first). */
const MAX_REMEMBERED_SESSIONS = 2_000;
const MAX_REPORT_EVENTS = 5000;
/** Results of one test the API lists (the newest; the store's own cap). */
const MAX_RESULTS_LISTED = 100;

/** The lookups about one client (jobs/sender/sender-dns.ts). */
export interface SenderDnsLookupsLike {
  greeting(name: string): void;
  mailFrom(address: string): void;
  result(signal: AbortSignal): Promise<SenderDns>;
}

/** Judges a body: the findings, worst first (checks/sender). */
export type SenderJudge = (body: SenderBody, context: { trustStore: TrustStore; now: number }) => Finding[];

export interface SenderServerOptions {
  listeners: readonly { address: string; port: number; policy: SenderPolicy }[];
  /** Our name: banner, EHLO reply, the domain of test addresses. */
  hostname: string;
  /** The certificate STARTTLS presents. */
  tls: SmtpdCertificate;
  store: SenderTestStore;
  clock: Clock;
  resolver: Resolver;
  /** What a client certificate is verified against (and what `require-client-cert` accepts). */
  trustStore: TrustStore;
  /** The DNS lookups about a client (default: jobs/sender/sender-dns.ts). */
  dnsLookups?(resolver: Resolver, clientIp: string): SenderDnsLookupsLike;
  /** Default: checks/sender. */
  judge?: SenderJudge;
  /** Accepts a client certificate on a `require-client-cert` listener: null, or why not (default: verified against `trustStore`). */
  clientCertificateProblem?(chain: readonly Buffer[]): string | null;
  limits?: Partial<SenderLimits>;
  /** Lines for the operator's log (the serve command prints them). */
  onLog?(line: string): void;
  /** Observer: a result was stored (the serve command's --reply-via mails it back). Its failure is logged, never the session's. */
  onResult?(report: SenderReport, result: SenderResultRecord): void | Promise<void>;
  /**
   * Awaited after a result is stored and before anyone waiting for it is told (the web UI keeps the
   * report in its History here, so the page that is told can open it). Its failure is logged, never the session's.
   */
  onStored?(report: SenderReport, result: SenderResultRecord): Promise<void>;
}

/** A new test, as `mxray sender-test new` and the API show it. */
export interface NewSenderTest {
  passcode: string;
  /** "test-<passcode>@<hostname>" */
  address: string;
  /** The fixed address for senders that can only put the passcode in the Subject. */
  fixedAddress: string;
  createdAt: string;
  expiresAt: string;
  /** The addresses the sender is expected at (`new --from`), in their canonical form. */
  expectFrom: string[];
}

/** A test and its results, for `show` and the API. */
export interface SenderTestState {
  test: SenderTestRecord;
  expired: boolean;
  results: SenderResultRecord[];
}

export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`too many sender tests created in the last minute; try again in ${retryAfterSeconds} s`);
    this.name = 'RateLimitedError';
  }
}

export interface SenderServer {
  readonly hostname: string;
  readonly listeners: readonly SenderListener[];
  readonly limits: SenderLimits;
  /** A new test; `expectFrom`: the addresses its sender is expected at (at most 10). */
  createTest(lifetimeMs?: number, expectFrom?: readonly string[]): Promise<NewSenderTest>;
  /** The test of a passcode (null when unknown or not a passcode). */
  lookup(passcode: string): Promise<SenderTestState | null>;
  /**
   * While a test waits: how many sessions (from any address, counted only) ended in or right after a
   * STARTTLS handshake without naming a test since it was created — a sender that verifies
   * certificates and refused ours never gets as far as the passcode.
   */
  waitingHint(since: string): { tlsDropouts: number };
  /** Resolves with the results stored after `afterId` as soon as there is one, or [] when `signal` aborts. */
  waitForResults(passcode: string, afterId: number, signal: AbortSignal): Promise<SenderResultRecord[]>;
  stop(): Promise<void>;
}

/** smtp-server's reply with an enhanced code of its own: the text goes out as written after the code. */
const reply = (code: number, text: string): SmtpdReply => ({ code, text });

/**
 * Recent finished sessions by client address, oldest first, for `earlier` — only the ones a later
 * report may show: a session that carried a test's passcode without a report of its own, and one
 * that went as far as STARTTLS and never began a transaction (a failed handshake, a sender that
 * refused our certificate and said QUIT). Never a session that named other recipients or another
 * sender: on a shared outbound address (a provider's relays, a NAT) those are somebody else's.
 * Bounded in age, per address and in all.
 */
class RecentSessions {
  private readonly byIp = new Map<string, SessionSnapshot[]>();
  private readonly all: SessionSnapshot[] = [];

  constructor(private readonly clock: Clock) {}

  static worthKeeping(record: SessionRecord): boolean {
    // A session tied to its test by the address it came from is kept even with a report of its own:
    // the sender's retry (in clear, say) tells the story with it.
    if (record.passcode !== null) return !record.stored || record.passcode.matchedBy === 'address';
    return record.mailFrom === null && record.starttlsAttempted;
  }

  add(record: SessionRecord): void {
    if (!RecentSessions.worthKeeping(record)) return;
    const snapshot = record.snapshot();
    this.all.push(snapshot);
    const list = this.byIp.get(snapshot.clientIp) ?? [];
    list.push(snapshot);
    if (list.length > MAX_EARLIER) this.forget(list[0] as SessionSnapshot);
    this.byIp.set(snapshot.clientIp, list);
    this.prune();
  }

  private forget(snapshot: SessionSnapshot): void {
    const list = this.byIp.get(snapshot.clientIp);
    if (list) {
      const i = list.indexOf(snapshot);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byIp.delete(snapshot.clientIp);
    }
    const j = this.all.indexOf(snapshot);
    if (j >= 0) this.all.splice(j, 1);
  }

  /** Too old or too many: the oldest go. */
  private prune(): void {
    const oldest = this.clock.now() - EARLIER_WINDOW_MS;
    while (this.all.length > 0 && (this.all.length > MAX_REMEMBERED_SESSIONS || (this.all[0] as SessionSnapshot).startedAt < oldest)) this.forget(this.all[0] as SessionSnapshot);
  }

  /** How many are remembered (tests). */
  get size(): number {
    return this.all.length;
  }

  /** This address's remembered sessions in the window before `record` that belong to no other test. */
  before(record: SessionRecord, key: string): SessionSnapshot[] {
    this.prune();
    return (this.byIp.get(record.clientIp) ?? []).filter((s) => s.startedAt >= record.startedAt - EARLIER_WINDOW_MS && s.startedAt <= record.startedAt && (s.testKey === null || s.testKey === key));
  }
}

export async function startSenderServer(given: SenderServerOptions): Promise<SenderServer> {
  const options = {
    ...given,
    dnsLookups: given.dnsLookups ?? defaultDnsLookups,
    judge: given.judge ?? defaultJudge,
    clientCertificateProblem: given.clientCertificateProblem ?? defaultClientCertificateProblem(given.trustStore, () => given.clock.now()),
  };
  const limits: SenderLimits = { ...DEFAULT_SENDER_LIMITS, ...options.limits };
  const { clock, store } = options;
  const hostnames = [options.hostname.toLowerCase()];
  const records = new Map<string, SessionRecord>();
  /** Results being stored for sessions that closed: stop() waits for them. */
  const pending = new Set<Promise<unknown>>();
  const perIp = new Map<string, number>();
  const recent = new RecentSessions(clock);
  /** When sessions ended in or right after a STARTTLS handshake without naming a test: what `show` hints at while it waits. */
  const tlsDropouts: number[] = [];
  const stored = new EventEmitter();
  stored.setMaxListeners(0);
  const log = (line: string) => {
    try {
      options.onLog?.(escapeText(line, 500));
    } catch {
      // the operator's log must not break a session
    }
  };

  /** The valid, unexpired test of a passcode, compared in constant time; or why not. */
  const testOf = async (passcode: string): Promise<SenderTestRecord | 'unknown' | 'expired'> => {
    const key = keyOf(passcode);
    const test = await store.findTest(key);
    if (!test || !sameKey(test.key, key)) return 'unknown';
    return Date.parse(test.expiresAt) < clock.now() ? 'expired' : test;
  };

  const makeReport = async (record: SessionRecord, match: PasscodeMatch): Promise<SenderReport> => {
    const dnsAbort = new AbortController();
    const budget = new AbortController();
    void clock.sleep(limits.dnsBudgetMs, budget.signal).then(() => dnsAbort.abort());
    const dns = await lookupsOf(record).result(dnsAbort.signal);
    budget.abort();
    const earlier = recent.before(record, match.test.key);
    const body: SenderBody = {
      test: { address: match.test.address, createdAt: match.test.createdAt, expiresAt: match.test.expiresAt, matchedBy: match.matchedBy },
      hostname: options.hostname,
      session: record.facts(),
      earlier: earlier.map((s) => s.facts),
      dns,
      headers: record.headerMessage,
    };
    const now = clock.now();
    const findings = options.judge(body, { trustStore: options.trustStore, now });
    return {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'mxray', version: VERSION },
      kind: 'sender',
      target: record.clientIp,
      startedAt: new Date(earlier[0]?.startedAt ?? record.startedAt).toISOString(),
      durationMs: Math.round(((record.endedMono ?? clock.monotonic()) - Math.min(record.startedMono, ...earlier.map((e) => e.startedMono))) * 1000) / 1000,
      verdict: senderVerdict(findings),
      judgedWith: judgedWith({ at: now, profile: DEFAULT_PROFILE, trustStore: options.trustStore, warnDays: DEFAULT_PROFILE.expiryWarnDays, expectThumbprint: null }),
      findings,
      transcript: transcriptOf([...earlier, record]),
      body,
    };
  };

  /** Makes, stores and announces the report of a session; true once it is durable. */
  const storeResult = async (record: SessionRecord): Promise<boolean> => {
    const match = record.passcode;
    if (!match) return false;
    try {
      // The passcode reads the results: it stays out of what is kept (the recipient, the dialogue, a
      // Subject that carried it). Its 20 characters of base32 cannot touch JSON's own syntax.
      const whole = JSON.stringify(await makeReport(record, match));
      // (A session tied to its test by its address never saw the passcode.)
      const text = match.passcode ? whole.replace(new RegExp(match.passcode, 'gi'), `${match.passcode.slice(0, 4)}…`) : whole;
      const report = JSON.parse(text) as SenderReport;
      const result = await store.addResult(match.test.key, new Date(clock.now()).toISOString(), text);
      record.stored = true;
      if (options.onStored) {
        try {
          await options.onStored(report, result);
        } catch (error) {
          log(`after storing the result from ${record.clientIp}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      stored.emit(match.test.key, result);
      log(`result ${result.id} stored for ${match.test.address} from ${record.clientIp}: ${report.verdict}`);
      if (options.onResult) {
        void Promise.resolve()
          .then(() => options.onResult?.(report, result))
          .catch((error: unknown) => log(`after the result from ${record.clientIp}: ${error instanceof Error ? error.message : String(error)}`));
      }
      return true;
    } catch (error) {
      log(`could not store the result from ${record.clientIp}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  };

  const recordOf = (session: SmtpdSession): SessionRecord | undefined => records.get(session.id);

  /**
   * A session that ended in or right after the TLS handshake never named its test — a sender that
   * refused our certificate says QUIT before MAIL. When a test expects its sender at this address
   * (`new --from`), the session is that test's: the newest such test gets it as a result.
   */
  const attribute = async (record: SessionRecord): Promise<void> => {
    const address = canonicalIp(record.clientIp);
    if (address === null) return;
    try {
      const [test] = await store.testsExpecting(address, new Date(clock.now()).toISOString());
      if (test) record.passcode = { passcode: '', test, matchedBy: 'address' };
    } catch (error) {
      log(`could not look for a test expecting ${record.clientIp}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  /**
   * The DNS lookups about a client, started once its session named a valid test (never for a
   * stranger's: they would make this server query names any client chooses), fed with what the
   * session said so far. A client on a private network is not looked up: nothing it gives judges.
   */
  const lookupsOf = (record: SessionRecord): SenderDnsLookupsLike => {
    if (record.lookups) return record.lookups;
    const privateWhy = privateAddressReason(record.clientIp);
    const lookups = privateWhy ? noLookups(`not looked up: a ${privateWhy} address`) : options.dnsLookups(options.resolver, record.clientIp);
    if (record.greeting) lookups.greeting(record.greeting.name);
    if (record.mailFrom !== null) lookups.mailFrom(record.mailFrom);
    record.lookups = lookups;
    return lookups;
  };

  /** A test's passcode found: the lookups begin, the test's result count is checked. */
  const matched = async (record: SessionRecord, match: PasscodeMatch): Promise<SmtpdReply | null> => {
    if ((await store.countResults(match.test.key)) >= limits.maxResultsPerTest) {
      return reply(452, `4.5.3 This sender test has all the ${limits.maxResultsPerTest} results it keeps: create a new one with mxray sender-test new`);
    }
    record.passcode = match;
    lookupsOf(record);
    return null;
  };

  const policyRefusal = (record: SessionRecord, session: SmtpdSession): SmtpdReply | null => {
    const policy = record.listener.policy;
    if (policy === 'opportunistic') return null;
    if (!session.tls) return reply(530, '5.7.0 Must issue a STARTTLS command first: this sender test requires TLS');
    if (policy === 'require-client-cert') {
      if (session.tls.peerChain.length === 0) return reply(530, '5.7.1 A client certificate is required: this sender test asks for one as a partner connector with domain security does');
      const problem = options.clientCertificateProblem(session.tls.peerChain);
      if (problem) return reply(530, `5.7.1 Client certificate refused: ${problem.slice(0, 300)}`);
    }
    return null;
  };

  const onRcpt = async (address: string, session: SmtpdSession): Promise<SmtpdReply | undefined> => {
    const record = recordOf(session);
    if (!record) return reply(451, '4.3.0 Local error in processing');
    record.rcpt(address);
    const kind = recipientKind(address, hostnames);
    let refusal: SmtpdReply | null = null;
    if (kind.kind === 'foreign') refusal = reply(554, `5.7.1 Relay access denied: this server takes mail only for sender tests at ${options.hostname}`);
    else if (kind.kind === 'invalid') refusal = reply(501, '5.1.3 Bad recipient address syntax');
    else if (kind.kind === 'other-local') refusal = reply(550, `5.1.1 No such test address: send to ${LOCAL_PREFIX}<passcode>@${options.hostname} (mxray sender-test new)`);
    else if (kind.kind === 'passcode') {
      const test = await testOf(kind.passcode);
      if (test === 'unknown') refusal = reply(550, '5.1.1 Unknown sender-test passcode: create one with mxray sender-test new');
      else if (test === 'expired') refusal = reply(550, '5.1.1 This sender-test passcode has expired: create a new one with mxray sender-test new');
      else if (!record.passcode) refusal = await matched(record, { passcode: kind.passcode, test, matchedBy: 'recipient' });
    }
    refusal ??= policyRefusal(record, session);
    if (refusal) {
      record.refused(refusal.code, refusal.text);
      return refusal;
    }
    return undefined;
  };

  const onMessage = async (message: SmtpdMessage): Promise<SmtpdReply> => {
    const record = recordOf(message.session);
    if (!record) return reply(451, '4.3.0 Local error in processing');
    const bytes = message.bytes;
    record.message = { size: message.size, truncated: message.truncated, eightBit: message.eightBit };
    if (message.size > limits.maxMessageBytes) {
      const refusal = reply(552, `5.3.4 Message too big: at most ${limits.maxMessageBytes} bytes`);
      record.refused(refusal.code, refusal.text);
      return refusal;
    }
    const text = headerText(bytes);
    const block = readHeaderBlock(text);
    if (!record.passcode) {
      const subject = fieldsNamed(block, 'subject')[0]?.decoded ?? '';
      for (const candidate of passcodesInSubject(subject)) {
        const test = await testOf(candidate);
        if (typeof test === 'object') {
          const full = await matched(record, { passcode: candidate, test, matchedBy: 'subject' });
          if (full) {
            record.refused(full.code, full.text);
            return full;
          }
          break;
        }
      }
      if (!record.passcode) {
        const refusal = reply(550, `5.7.1 No valid sender-test passcode: send to ${LOCAL_PREFIX}<passcode>@${options.hostname}, or to ${FIXED_LOCAL_PART}@${options.hostname} with the passcode in the Subject`);
        record.refused(refusal.code, refusal.text);
        return refusal;
      }
    }
    record.headerMessage = analyseHeader(text);
    const ok = reply(250, '2.6.0 Message received: the sender-test report is ready (mxray sender-test show)');
    record.accepted(ok.code, ok.text);
    // Durable before the 250: the client may take it as done the moment it reads it.
    if (!(await storeResult(record))) {
      const failed = reply(451, '4.3.0 The result could not be stored: try again later');
      record.refused(failed.code, failed.text);
      return failed;
    }
    return ok;
  };

  const smtpOptions = (listener: SenderListener) => ({
    address: listener.address,
    port: listener.port,
    name: options.hostname,
    banner: 'mxray sender test: no mail is delivered',
    tls: { ...options.tls, minVersion: 'TLSv1' as const, ciphers: 'DEFAULT:@SECLEVEL=0' },
    requestClientCertificate: true,
    maxMessageBytes: limits.maxMessageBytes,
    socketTimeoutMs: limits.idleMs,
    maxConnections: limits.maxConnections,
    maxCommands: limits.maxCommands,
    maxSessionMs: limits.maxSessionMs,
    data: { action: 'collect' as const, maxBytes: limits.keepBytes, onMessage },
    onConnect(session: SmtpdSession): SmtpdReply | undefined {
      const count = (perIp.get(session.remoteAddress) ?? 0) + 1;
      perIp.set(session.remoteAddress, count);
      const record = new SessionRecord(clock, session.id, session.remoteAddress, session.remotePort, listener);
      records.set(session.id, record);
      // In place of the greeting: the server's name first, no enhanced code (RFC 5321 §4.2, RFC 2034 §3).
      if (count > limits.maxConnectionsPerIp) return reply(421, `${options.hostname} Too many connections from your address, try again later`);
      return undefined;
    },
    onTranscript(session: SmtpdSession, line: { direction: 'client' | 'server'; text: string }) {
      const record = recordOf(session);
      if (!record) return;
      if (line.direction === 'client') {
        record.clientLine(line.text);
        const name = /^(?:EHLO|HELO|LHLO)[ \t]+(\S{1,300})/i.exec(line.text)?.[1];
        if (name) record.lookups?.greeting(name);
      } else record.serverLine(line.text);
    },
    onStartTls(session: SmtpdSession) {
      const reader = recordOf(session)?.startTls();
      return reader ? { client: (bytes: Buffer) => reader.pushClient(bytes), server: (bytes: Buffer) => reader.pushServer(bytes) } : undefined;
    },
    onSecure(session: SmtpdSession) {
      if (session.tls) recordOf(session)?.secured(session.tls);
    },
    onSessionError(session: SmtpdSession, error: Error) {
      const record = recordOf(session);
      if (!record) return;
      // After QUIT and our 221 a client may drop the connection without a TLS close: not an error of the session.
      const code = (error as { code?: unknown }).code;
      if (record.quitSent && (code === 'ECONNRESET' || code === 'EPIPE')) return;
      record.line('error', error.message);
      if (record.starttlsAttempted && !record.tlsInfo && !record.failure) record.failure = handshakeFailure(error);
    },
    async onMailFrom(address: string, params: Record<string, string | boolean>, session: SmtpdSession): Promise<undefined> {
      const record = recordOf(session);
      if (!record) return undefined;
      // The last transaction named a test and has no result yet (refused at RCPT, say): stored now, before it is forgotten.
      if (record.passcode && !record.stored) await storeResult(record);
      record.greeted(session.heloCommand, session.helo);
      if (session.helo) record.lookups?.greeting(session.helo);
      record.mail(address, params);
      record.lookups?.mailFrom(address);
      return undefined;
    },
    onRcptTo: onRcpt,
    onClose(session: SmtpdSession, ended: Parameters<NonNullable<Parameters<typeof startSmtpd>[0]['onClose']>>[1]) {
      const count = (perIp.get(session.remoteAddress) ?? 1) - 1;
      if (count <= 0) perIp.delete(session.remoteAddress);
      else perIp.set(session.remoteAddress, count);
      const record = recordOf(session);
      if (!record) return;
      records.delete(session.id);
      record.greeted(session.heloCommand, session.helo);
      record.close(ended);
      const dropout = record.passcode === null && record.mailFrom === null && record.starttlsAttempted;
      if (dropout) {
        tlsDropouts.push(clock.now());
        if (tlsDropouts.length > 1000) tlsDropouts.shift();
      }
      const finish = (dropout ? attribute(record) : Promise.resolve())
        .then(() => (record.passcode && !record.stored ? storeResult(record) : false))
        .finally(() => {
        recent.add(record);
        pending.delete(finish);
      });
      pending.add(finish);
    },
    onError(error: Error) {
      log(`smtp: ${error.message}`);
    },
  });

  const servers: SmtpdServer[] = [];
  try {
    for (const listener of options.listeners) {
      const listenerFacts: SenderListener = { address: listener.address, port: listener.port, policy: listener.policy };
      const server = await startSmtpd(smtpOptions(listenerFacts));
      listenerFacts.port = server.port;
      listenerFacts.address = server.address;
      servers.push(server);
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
  const listeners: SenderListener[] = servers.map((s, i) => ({ address: s.address, port: s.port, policy: options.listeners[i]?.policy ?? 'opportunistic' }));

  return {
    hostname: options.hostname,
    listeners,
    limits,
    async createTest(lifetimeMs = DEFAULT_TEST_LIFETIME_MS, expectFrom = []) {
      const sources = expectFrom.map((a) => canonicalIp(a));
      if (sources.length > 10 || sources.some((a) => a === null)) throw new UsageError('a sender test expects its sender at up to 10 IP addresses');
      const now = clock.now();
      const recentCount = await store.countCreatedSince(new Date(now - 60_000).toISOString());
      if (recentCount >= limits.testsPerMinute) throw new RateLimitedError(60);
      const lifetime = Math.min(Math.max(lifetimeMs, 60_000), limits.maxLifetimeMs);
      const passcode = newPasscode();
      const test: SenderTestRecord = {
        key: keyOf(passcode),
        // The passcode reads a test's results: kept nowhere, not even in the address the store keeps.
        address: maskedAddress(passcode, options.hostname),
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + lifetime).toISOString(),
        expectFrom: sources as string[],
      };
      await store.createTest(test);
      // Expired tests go when new ones come: the store never grows without bound.
      await store.purgeExpired(new Date(now - 86_400_000).toISOString());
      return { passcode, address: `${LOCAL_PREFIX}${passcode}@${options.hostname}`, fixedAddress: `${FIXED_LOCAL_PART}@${options.hostname}`, createdAt: test.createdAt, expiresAt: test.expiresAt, expectFrom: sources as string[] };
    },
    async lookup(passcode) {
      const code = passcode.toLowerCase();
      const key = keyOf(code);
      const test = await store.findTest(key);
      if (!test || !sameKey(test.key, key)) return null;
      return { test, expired: Date.parse(test.expiresAt) < clock.now(), results: await store.results(key, MAX_RESULTS_LISTED) };
    },
    waitingHint(since) {
      const from = Date.parse(since);
      return { tlsDropouts: tlsDropouts.filter((t) => t >= from).length };
    },
    async waitForResults(passcode, afterId, signal) {
      const key = keyOf(passcode.toLowerCase());
      return new Promise<SenderResultRecord[]>((resolve, reject) => {
        const done = () => {
          stored.off(key, check);
          signal.removeEventListener('abort', onAbort);
        };
        const check = () => {
          store.resultsAfter(key, afterId).then((found) => {
            if (found.length === 0) return;
            done();
            resolve(found);
          }, (error: unknown) => {
            done();
            reject(error instanceof Error ? error : new Error(String(error)));
          });
        };
        const onAbort = () => {
          done();
          resolve([]);
        };
        if (signal.aborted) return resolve([]);
        stored.on(key, check);
        signal.addEventListener('abort', onAbort, { once: true });
        check();
      });
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      // The wrapper reports each closed session on a later turn of the event loop: let them come (a
      // bounded wait: every socket is destroyed by now), then wait for the results they store.
      for (let turn = 0; turn < 50 && records.size > 0; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      await Promise.allSettled([...pending]);
    },
  };
}

/** The DNS facts of a client whose address is not looked up. */
function noLookups(why: string): SenderDnsLookupsLike {
  const dns: SenderDns = { reverse: { names: [], error: why }, forward: [], fcrdns: null, ehlo: null, mailDomain: null, mx: null, spf: null, unfinished: [] };
  return { greeting() {}, mailFrom() {}, result: () => Promise.resolve(dns) };
}

/** The header part of what was kept of a message, as text (UTF-8; a header in another charset is rare and only read, never trusted). */
function headerText(bytes: Buffer): string {
  const end = bytes.indexOf('\r\n\r\n');
  return bytes.subarray(0, end < 0 ? bytes.length : end + 2).toString('utf8');
}

function analyseHeader(text: string): HeaderMessage | null {
  try {
    return analyseMessage(text, 'the test message').message;
  } catch {
    return null;
  }
}

/** What a failed handshake's error says: OpenSSL's code, its words, and the alert the client sent. */
function handshakeFailure(error: Error): NonNullable<SenderBody['session']['tls']['failure']> {
  const code = (error as { code?: unknown }).code;
  const meta = (error as { meta?: { message?: unknown } }).meta;
  // OpenSSL's words without the thread id before them and the source file after them.
  const text = (typeof meta?.message === 'string' ? meta.message : error.message)
    .replace(/^[0-9A-F]{6,}:/, '')
    .replace(/:[^:\s]*\.c:\d+:\s*$/, '')
    .trim();
  // "…:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:…" / "tlsv1 alert unknown ca"
  const alert = /(?:sslv3|tlsv1) alert ([a-z ]{3,40})/i.exec(text);
  return {
    code: typeof code === 'string' ? code.slice(0, 100) : null,
    text: text.slice(0, 500),
    clientAlert: alert?.[1] ? alert[1].trim().replace(/ /g, '_').slice(0, 60) : null,
  };
}

/** The report's transcript: every session's lines, in time order, timed from the first session's start. */
function transcriptOf(sessions: readonly (SessionRecord | SessionSnapshot)[]): TranscriptEvent[] {
  const start = Math.min(...sessions.map((s) => s.startedMono));
  const events: TranscriptEvent[] = [];
  const lines = sessions.flatMap((s) => [
    { at: s.startedMono, kind: 'connect' as const, text: `${s.clientIp}:${s.clientPort} connected to ${s.listener.address}:${s.listener.port} (${s.listener.policy})`, conn: s.conn },
    ...s.lines.map((l) => ({ ...l, conn: s.conn })),
    ...(s.linesDropped ? [{ at: s.endedMono ?? s.startedMono, kind: 'note' as const, text: `${s.linesDropped} more lines of this session not kept`, conn: s.conn }] : []),
    ...(s.ended ? [{ at: s.endedMono ?? s.startedMono, kind: 'close' as const, text: `closed: ${s.ended}`, conn: s.conn }] : []),
  ]);
  lines.sort((a, b) => a.at - b.at);
  for (const line of lines.slice(0, MAX_REPORT_EVENTS)) {
    events.push({ seq: events.length, t: Math.round(Math.max(0, line.at - start) * 1000) / 1000, conn: line.conn, kind: line.kind, text: escapeText(line.text) });
  }
  return events;
}
