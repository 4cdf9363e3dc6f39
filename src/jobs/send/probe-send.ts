// One SMTP session of `mxray send`: connect, [implicit TLS], banner, EHLO, [STARTTLS, the
// certificate judged against --verify, EHLO again], [AUTH], then each message of the session: MAIL
// FROM with the parameters the server offers (SIZE=, BODY=8BITMIME, SMTPUTF8, REQUIRETLS), RCPT TO,
// and the data with BDAT when CHUNKING is offered, else DATA (pipelined when PIPELINING is). It
// stops before anything is sent that the options forbid (TLS required and missing, AUTH in clear,
// 8-bit data without 8BITMIME …). Records facts and what became of each message; checks/ judges.
import type { ClientCertificate, ProbeContext, TrustStore } from '../../core/context.js';
import { statusOfError, TlsHandshakeError } from '../../core/errors.js';
import type { CertVerdict, ReplyFacts, SendOutcome, SendSession, SendStage, SendStep, SendTls } from '../../core/schema.js';
import type { SEND_TLS_MODES, SEND_VERIFY_MODES } from '../../core/vocabulary.js';
import { verifyChain } from '../../pki/verify.js';
import { alertOfErrorCode } from '../../tls/records.js';
import { openSmtp, type AuthMechanism, type PipelinedEnvelope, type SmtpClient } from '../../smtp/client.js';
import { hasCapability } from '../../smtp/ehlo.js';
import { parseQueueId } from '../../smtp/queue-id.js';
import { formatReply } from '../../smtp/reply.js';
import type { TlsHandshake } from '../../core/context.js';
import type { ComposedMessage } from './compose.js';

export type SendTlsMode = (typeof SEND_TLS_MODES)[number];
export type SendVerifyMode = (typeof SEND_VERIFY_MODES)[number];

export interface SendAuth {
  user: string;
  /** The password, or the OAuth token for XOAUTH2: never recorded. */
  secret: string;
  /** null: the best one offered (PLAIN, LOGIN, CRAM-MD5); XOAUTH2 only when asked for. */
  mechanism: AuthMechanism | null;
  allowCleartext: boolean;
}

export interface SendPlan {
  helo: string;
  from: string;
  to: readonly string[];
  tls: SendTlsMode;
  verify: SendVerifyMode;
  requireTls: boolean;
  auth: SendAuth | null;
  clientCertificate: ClientCertificate | null;
  trustStore: TrustStore;
  /** Epoch milliseconds to judge the certificate at. */
  now: number;
  /** The mail domain (for the certificate's domain match), or null. */
  domain: string | null;
}

export interface SendEndpoint {
  address: string;
  port: number;
  /** The name to send as SNI and to check the certificate against (null: an IP target). */
  serverName: string | null;
  conn: string;
}

/** What became of one message of the session. */
export interface MessageResult {
  outcome: SendOutcome;
  /** From MAIL FROM to the final reply, on the injected clock; null when it did not get a final reply. */
  latencyMs: number | null;
}

/** The messages of one session, made when sent (a --count run of large messages is not held in memory at once). */
export interface MessageSource {
  count: number;
  /** All of them alike but for their ids: what the first needs, every one needs. */
  first: ComposedMessage;
  get(index: number): ComposedMessage;
}

export interface SessionResult {
  session: SendSession;
  /** One per message the session was given (those never tried share the session's outcome). */
  messages: MessageResult[];
}

const AUTO_MECHANISMS: readonly AuthMechanism[] = ['PLAIN', 'LOGIN', 'CRAM-MD5'];
/** Stages before anything of the envelope is sent. */
export const BEFORE_ENVELOPE: ReadonlySet<SendStage> = new Set<SendStage>(['connect', 'tls', 'banner', 'ehlo', 'starttls']);
/** Steps kept per session: the first message's whole dialogue, not every message of a --count run. */
const MAX_STEPS = 1000;

class Stop extends Error {
  constructor(readonly outcome: SendOutcome) {
    super(outcome.reason);
  }
}

function outcome(result: SendOutcome['result'], stage: SendStage | null, reply: ReplyFacts | null, reason: string, cause: SendOutcome['cause'] = null): SendOutcome {
  return { result, stage, reply, reason, cause, queueId: null, refusedRecipients: [] };
}

/** A refusal at a stage: 4xx deferred, anything else refused. */
function refusal(stage: SendStage, reply: ReplyFacts, what: string): SendOutcome {
  return outcome(reply.code >= 400 && reply.code < 500 ? 'deferred' : 'refused', stage, reply, `${what}: ${formatReply(reply)}`);
}

function notSent(stage: SendStage, reason: string, cause: NonNullable<SendOutcome['cause']>): Stop {
  return new Stop(outcome('not-sent', stage, null, reason, cause));
}

const positive = (r: ReplyFacts) => r.code >= 200 && r.code < 300;

function tlsFacts(h: TlsHandshake, sni: string | null, clientCertificate: boolean): SendTls {
  const chain = (h.sentChain ?? h.peerChain).slice(0, 64).map((d) => d.toString('base64'));
  return { protocol: h.protocol, cipher: h.cipher, group: h.group, sni, handshakeMs: Math.max(0, h.handshakeMs), chain, clientCertificate };
}

/** Why the certificate fails `verify` (null: it passes). */
export function verifyFailure(cert: CertVerdict, verify: SendVerifyMode): string | null {
  if (verify === 'none') return null;
  if (!cert.trusted) return `the certificate does not verify (${cert.trustFailure}${cert.trustReason ? `: ${cert.trustReason}` : ''})`;
  if (!cert.timeValid) return 'the certificate is not valid now (expired or not yet valid)';
  if (verify === 'name' && cert.nameMatches !== true) {
    return cert.checkedName ? `the certificate does not name ${cert.checkedName}` : 'there is no server name to check the certificate against, and it names no IP address we connected to';
  }
  return null;
}

/** The parameters MAIL FROM carries for this message, as the server's extensions allow. */
function mailParams(client: SmtpClient, message: ComposedMessage, plan: SendPlan, used: Set<string>): string[] {
  const caps = client.capabilities;
  const params: string[] = [];
  if (hasCapability(caps, 'SIZE')) {
    params.push(`SIZE=${message.bytes.length}`);
    used.add('SIZE');
  }
  if (message.eightBit && hasCapability(caps, '8BITMIME')) {
    params.push('BODY=8BITMIME');
    used.add('8BITMIME');
  }
  if (message.utf8) {
    params.push('SMTPUTF8');
    used.add('SMTPUTF8');
  }
  if (plan.requireTls) {
    params.push('REQUIRETLS');
    used.add('REQUIRETLS');
  }
  return params;
}

/** "SIZE 10240000", "AUTH PLAIN LOGIN" … as advertised. */
function capabilityLines(client: SmtpClient): string[] {
  return client.capabilities.slice(0, 200).map((c) => [c.keyword, ...c.params].join(' ').slice(0, 500));
}

export async function probeSend(
  ctx: ProbeContext,
  endpoint: SendEndpoint,
  plan: SendPlan,
  messages: MessageSource,
  options: { recordSteps: boolean; maxMessageBytes: number },
): Promise<SessionResult> {
  const session: SendSession = { status: 'ok', statusDetail: null, capabilities: [], extensionsUsed: [], tls: null, certificate: null, tlsFallback: null, tlsAlert: null, clientCertificateRequested: false, steps: [], evidence: [] };
  const used = new Set<string>();
  const results: MessageResult[] = [];
  const firstEvent = ctx.transcript.events.length;
  let stage: SendStage = 'connect';
  let client: SmtpClient | null = null;

  const step = async (at: SendStage, command: string, ask: () => Promise<ReplyFacts>): Promise<ReplyFacts> => {
    stage = at;
    const s: SendStep = { stage: at, command, reply: null };
    if (options.recordSteps && session.steps.length < MAX_STEPS) session.steps.push(s);
    s.reply = await ask();
    return s.reply;
  };

  const handshakeDone = (h: TlsHandshake, at: SendStage) => {
    session.tls = tlsFacts(h, endpoint.serverName, plan.clientCertificate !== null);
    const chain = h.sentChain ?? h.peerChain;
    const ipTarget = endpoint.serverName === null ? endpoint.address : null;
    session.certificate = verifyChain({ chain, trustStore: plan.trustStore, now: plan.now, name: endpoint.serverName, domain: plan.domain, ipTarget });
    const mustVerify = plan.tls === 'required' || plan.tls === 'implicit';
    const failure = verifyFailure(session.certificate, plan.verify);
    if (mustVerify && failure) throw notSent(at, `--verify ${plan.verify}: ${failure}`, 'tls-unavailable');
  };

  try {
    client = await openSmtp(
      { connector: ctx.connector, transcript: ctx.transcript, clock: ctx.clock, limits: ctx.limits, signal: ctx.signal, maxMessageBytes: options.maxMessageBytes },
      { address: endpoint.address, port: endpoint.port, serverName: endpoint.serverName, conn: endpoint.conn },
    );
    const c = client;
    if (plan.tls === 'implicit') {
      stage = 'tls';
      const h = await c.tlsOnConnect({ clientCertificate: plan.clientCertificate });
      if (options.recordSteps) session.steps.push({ stage: 'tls', command: 'TLS handshake (implicit TLS)', reply: null });
      handshakeDone(h, 'tls');
    }
    const banner = await step('banner', '(greeting)', () => c.greeting());
    if (banner.code !== 220) throw new Stop(refusal('banner', banner, 'refused at the greeting'));
    const hello = await step('ehlo', `EHLO ${plan.helo}`, async () => {
      const h = await c.hello(plan.helo, { heloFallback: plan.tls === 'none' || plan.tls === 'opportunistic' });
      // EHLO refused with 500/502: HELO's answer is the one that counts (no extensions, no STARTTLS).
      const shown = session.steps.at(-1);
      if (h.helo && shown?.stage === 'ehlo') shown.command = `EHLO ${plan.helo} → ${h.ehlo.code}, then HELO ${plan.helo}`;
      return h.helo ?? h.ehlo;
    });
    if (hello.code !== 250) {
      // 500/502: no ESMTP, so no STARTTLS either: with TLS required that is why nothing is sent.
      if ((hello.code === 500 || hello.code === 502) && plan.tls === 'required') throw notSent('ehlo', `STARTTLS is not offered: EHLO was refused (${formatReply(hello)})`, 'tls-unavailable');
      throw new Stop(refusal('ehlo', hello, 'refused EHLO'));
    }
    // The clear-text extensions, kept even when the STARTTLS handshake then fails (replaced by those inside TLS).
    session.capabilities = capabilityLines(c);

    if (plan.tls === 'required' || plan.tls === 'opportunistic') {
      const offered = hasCapability(c.capabilities, 'STARTTLS');
      if (!offered && plan.tls === 'required') throw notSent('starttls', 'STARTTLS is not offered', 'tls-unavailable');
      if (offered) {
        let handshake: TlsHandshake | null = null;
        const reply = await step('starttls', 'STARTTLS', async () => {
          const started = await c.starttls({ clientCertificate: plan.clientCertificate });
          handshake = started.handshake;
          return started.reply;
        });
        if (handshake === null) {
          if (plan.tls === 'required') throw notSent('starttls', `STARTTLS was refused: ${formatReply(reply)}`, 'tls-unavailable');
        } else {
          stage = 'tls';
          handshakeDone(handshake, 'starttls');
          const again = await step('ehlo', `EHLO ${plan.helo} (in TLS)`, async () => (await c.hello(plan.helo, { heloFallback: false })).ehlo);
          if (again.code !== 250) throw new Stop(refusal('ehlo', again, 'refused EHLO inside TLS'));
        }
      }
    }
    session.capabilities = capabilityLines(c);

    // What the message and the options need of the server, before any of it is sent.
    const caps = c.capabilities;
    if (plan.requireTls && !hasCapability(caps, 'REQUIRETLS')) throw notSent('ehlo', 'REQUIRETLS: --requiretls was given', 'extension-missing');
    const needs8bit = messages.first.eightBit;
    if (needs8bit && !hasCapability(caps, '8BITMIME')) throw notSent('ehlo', '8BITMIME: the message holds 8-bit bytes', 'extension-missing');
    if (messages.first.utf8 && !hasCapability(caps, 'SMTPUTF8')) throw notSent('ehlo', 'SMTPUTF8: the envelope or headers hold non-ASCII text', 'extension-missing');

    if (plan.auth) {
      const auth = plan.auth;
      const offered = (caps.find((x) => x.keyword === 'AUTH')?.params ?? []).map((p) => p.toUpperCase());
      const wanted = auth.mechanism ? [auth.mechanism] : AUTO_MECHANISMS;
      const mechanism = wanted.find((m) => offered.includes(m)) ?? null;
      if (mechanism === null) {
        throw new Stop(outcome('not-sent', 'auth', null, `AUTH: ${wanted.join(' or ')} wanted, ${offered.length ? offered.join(' ').slice(0, 200) : 'none'} offered`, 'auth-unavailable'));
      }
      if (!c.secure && !auth.allowCleartext) throw new Stop(outcome('not-sent', 'auth', null, `AUTH ${mechanism} in clear text`, 'cleartext-auth'));
      const shown = mechanism === 'PLAIN' || mechanism === 'XOAUTH2' ? `AUTH ${mechanism} <redacted>` : `AUTH ${mechanism} (credentials redacted)`;
      const reply = await step('auth', shown, () => c.auth(mechanism, auth.user, auth.secret, { allowCleartext: auth.allowCleartext }));
      if (reply.code !== 235) throw new Stop(refusal('auth', reply, `refused the login (AUTH ${mechanism})`));
    }

    // With PIPELINING, a message's envelope goes out with the message before it (RFC 2920 §3.1):
    // then it is here, with the message and when it was sent.
    let ahead: { message: ComposedMessage; envelope: PipelinedEnvelope; params: string[]; sentAt: number } | null = null;
    /** Why the replies to an envelope sent ahead never came (the message before it has its own result). */
    let failedAhead: unknown = null;
    for (let i = 0; i < messages.count; i++) {
      const sent = ahead;
      ahead = null;
      const message = sent ? sent.message : i === 0 ? messages.first : messages.get(i);
      const record = i === 0 && options.recordSteps;
      const mark = (at: SendStage, command: string, ask: () => Promise<ReplyFacts>) => (record ? step(at, command, ask) : ((stage = at), ask()));
      const started = sent ? sent.sentAt : ctx.clock.monotonic();
      const params = sent ? sent.params : mailParams(c, message, plan, used);
      const refused: SendOutcome['refusedRecipients'] = [];
      let final: ReplyFacts;
      let finalStage: SendStage;
      const pipelining = hasCapability(c.capabilities, 'PIPELINING') && !hasCapability(c.capabilities, 'CHUNKING');
      if (pipelining) {
        used.add('PIPELINING');
        const lines = [`MAIL FROM:<${plan.from}>${params.length ? ` ${params.join(' ')}` : ''}`, ...plan.to.map((t) => `RCPT TO:<${t}>`), 'DATA'];
        const holder: { got: PipelinedEnvelope | null } = { got: sent ? sent.envelope : null };
        if (!sent) {
          await mark('mail', `${lines.join(' | ')} (pipelined)`, async () => {
            holder.got = await c.pipeline(plan.from, params, plan.to);
            return holder.got.data as ReplyFacts;
          });
        }
        const p = holder.got as unknown as PipelinedEnvelope;
        if (record) {
          // One step per command, as they were answered.
          const last = session.steps.pop() as SendStep;
          session.steps.push({ stage: 'mail', command: lines[0] as string, reply: p.mail });
          plan.to.forEach((t, k) => session.steps.push({ stage: 'rcpt', command: `RCPT TO:<${t}>`, reply: p.rcpts[k] ?? null }));
          session.steps.push({ stage: 'data', command: 'DATA', reply: last.reply });
        }
        if (!positive(p.mail)) throw new Stop(refusal('mail', p.mail, 'refused MAIL FROM'));
        plan.to.forEach((t, k) => {
          const r = p.rcpts[k] as ReplyFacts;
          if (!positive(r)) refused.push({ address: t, reply: r });
        });
        if (refused.length === plan.to.length) throw new Stop({ ...refusal('rcpt', refused[0]!.reply, 'refused every recipient'), refusedRecipients: refused.slice(0, 100) });
        if (p.data?.code !== 354) throw new Stop(refusal('data', p.data as ReplyFacts, 'refused DATA'));
        if (i + 1 < messages.count) {
          // The next message's MAIL FROM, RCPT TO and DATA in the same write as this message.
          const nextMessage = messages.get(i + 1);
          const nextParams = mailParams(c, nextMessage, plan, used);
          const got: { envelope: PipelinedEnvelope | null; sentAt: number; failure: unknown } = { envelope: null, sentAt: 0, failure: null };
          final = await mark('message', `(message: ${message.bytes.length} bytes)`, async () => {
            got.sentAt = ctx.clock.monotonic();
            const both = await c.messageThenPipeline(message.bytes, { from: plan.from, mailParams: nextParams, rcpts: plan.to });
            got.envelope = both.next;
            got.failure = both.nextFailure;
            return both.reply;
          });
          if (got.envelope) ahead = { message: nextMessage, envelope: got.envelope, params: nextParams, sentAt: got.sentAt };
          else failedAhead = got.failure;
        } else {
          final = await mark('message', `(message: ${message.bytes.length} bytes)`, () => c.message(message.bytes));
        }
        finalStage = 'message';
      } else {
        const mail = await mark('mail', `MAIL FROM:<${plan.from}>${params.length ? ` ${params.join(' ')}` : ''}`, () => c.mail(plan.from, params));
        if (!positive(mail)) throw new Stop(refusal('mail', mail, 'refused MAIL FROM'));
        for (const t of plan.to) {
          const r = await mark('rcpt', `RCPT TO:<${t}>`, () => c.rcpt(t));
          if (!positive(r)) refused.push({ address: t, reply: r });
        }
        if (refused.length === plan.to.length) throw new Stop({ ...refusal('rcpt', refused[0]!.reply, 'refused every recipient'), refusedRecipients: refused.slice(0, 100) });
        if (hasCapability(c.capabilities, 'CHUNKING')) {
          used.add('CHUNKING');
          final = await mark('message', `BDAT ${message.bytes.length} LAST (message: ${message.bytes.length} bytes)`, () => c.bdat(message.bytes));
          finalStage = 'message';
        } else {
          // data() answers with DATA's reply when it is not 354, else with the final reply to the message.
          final = await mark('data', 'DATA, then the message', () => c.data(message.bytes));
          finalStage = c.steps.at(-1)?.kind === 'message' ? 'message' : 'data';
          // Only the step mark() recorded for it (past the step cap, the last step kept is another command's).
          const last = session.steps.at(-1);
          if (finalStage === 'message' && record && last?.stage === 'data') {
            last.command = `DATA (354), then the message: ${message.bytes.length} bytes`;
            last.stage = 'message';
          }
        }
      }
      const latency = Math.round((ctx.clock.monotonic() - started) * 1000) / 1000;
      if (positive(final)) {
        results.push({
          outcome: { result: 'delivered', stage: finalStage, reply: final, reason: `accepted: ${formatReply(final)}`, cause: null, queueId: parseQueueId(final), refusedRecipients: refused.slice(0, 100) },
          latencyMs: latency,
        });
      } else {
        results.push({ outcome: { ...refusal(finalStage, final, finalStage === 'data' ? 'refused DATA' : 'refused the message'), refusedRecipients: refused.slice(0, 100) }, latencyMs: null });
        if (ahead === null && failedAhead === null && (c.state.phase === 'rcpt' || c.state.phase === 'mail')) await c.rset().catch(() => undefined);
      }
      // The next envelope, sent ahead, leaves the client where its replies put it: the next round judges them.
      if (failedAhead !== null) {
        stage = 'mail';
        throw failedAhead;
      }
      if (c.state.phase !== 'ready' && ahead === null) break;
    }
  } catch (err) {
    let o: SendOutcome;
    if (err instanceof Stop) o = err.outcome;
    else {
      const st = statusOfError(err);
      session.status = st.status;
      session.statusDetail = st.detail;
      // The server's alert, during the handshake or (TLS 1.3: its verdict on our certificate) right after it.
      const failed = err instanceof TlsHandshakeError ? err : null;
      const alert = failed ? (failed.seen.alert ?? alertOfErrorCode(failed.reason)) : session.tls ? alertOfErrorCode(st.reason) : null;
      session.tlsAlert = alert;
      session.clientCertificateRequested = failed?.seen.certificateRequest === true;
      const what = alert === null ? null : `the server ended the TLS session with the alert ${alert} ${failed ? 'during the handshake' : 'right after the handshake'}`;
      const tlsMustWork = (plan.tls === 'required' || plan.tls === 'implicit') && st.status === 'tls-handshake-error';
      o = tlsMustWork
        ? outcome('not-sent', stage, null, `the TLS handshake failed: ${what ?? st.detail}`, 'tls-unavailable')
        : what === null
          ? outcome('failed', stage, null, `${st.status}: ${st.detail}`)
          : // An alert before the envelope ends the TLS session, not a command; after it, the stage it broke.
            outcome('failed', !failed && BEFORE_ENVELOPE.has(stage) ? 'tls' : stage, null, what);
    }
    while (results.length < messages.count) results.push({ outcome: o, latencyMs: null });
  } finally {
    await client?.quit();
  }
  // A session that broke after some messages: the rest were never tried.
  if (results.length < messages.count) {
    const why = outcome('failed', stage, null, session.statusDetail ?? 'the session ended before this message');
    while (results.length < messages.count) results.push({ outcome: why, latencyMs: null });
  }
  session.extensionsUsed = [...used].sort();
  session.evidence = ctx.transcript.events
    .slice(firstEvent)
    .filter((e) => e.conn === endpoint.conn)
    .map((e) => e.seq)
    .slice(0, 5000);
  return { session, messages: results };
}
