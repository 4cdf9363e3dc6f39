// Measures one MX address for `mxray enforce`: a cleartext session (banner, EHLO, [AUTH LOGIN
// cancelled at once], MAIL FROM, RCPT TO, [DATA up to its 354], RSET, QUIT) and a control session
// with STARTTLS and the same envelope. Nothing is ever delivered: after a 354 the connection is
// dropped without the final dot; no credential is ever sent. It records facts only; checks/ judges.
import type { ProbeContext } from '../../core/context.js';
import { statusOfError } from '../../core/errors.js';
import type { EnforceAddressFacts, EnforceAuth, EnforceSession, EnforceStage, EnforceStep, ReplyFacts } from '../../core/schema.js';
import { hasCapability } from '../../smtp/ehlo.js';
import { openSmtp, type SmtpClient } from '../../smtp/client.js';
import { hostKey, type HostTarget } from '../receiver/probe-host.js';

export interface EnforceProbeOptions {
  helo: string;
  from: string;
  rcpt: string;
  /** Also DATA, dropped at its 354 (never the message). */
  throughData: boolean;
}

function emptySession(mode: EnforceSession['mode']): EnforceSession {
  return { mode, status: 'ok', statusDetail: null, starttls: null, tlsProtocol: null, steps: [], droppedAfterData: false, evidence: [] };
}

/** Sequence numbers of the events on one connection recorded since `from` (an index into the transcript). */
function eventsOf(ctx: ProbeContext, conn: string, from = 0): number[] {
  return ctx.transcript.events.slice(from).filter((e) => e.conn === conn).map((e) => e.seq);
}

/** A step whose reply is filled in when it comes (a step left with a null reply is where the session broke). */
async function step(session: EnforceSession, stage: EnforceStage, command: string, ask: () => Promise<ReplyFacts>): Promise<ReplyFacts> {
  const s: EnforceStep = { stage, command, reply: null };
  session.steps.push(s);
  s.reply = await ask();
  return s.reply;
}

const positive = (r: ReplyFacts) => r.code >= 200 && r.code < 300;

/** MAIL, RCPT and (with --through-data) DATA, stopping at the first refusal; RSET after a transaction that was not dropped. */
async function envelope(client: SmtpClient, session: EnforceSession, opts: EnforceProbeOptions): Promise<void> {
  const mail = await step(session, 'mail', `MAIL FROM:<${opts.from}>`, () => client.mail(opts.from));
  if (positive(mail)) {
    const rcpt = await step(session, 'rcpt', `RCPT TO:<${opts.rcpt}>`, () => client.rcpt(opts.rcpt));
    if (positive(rcpt) && opts.throughData) {
      const data = await step(session, 'data', 'DATA', () => client.dataStart());
      // quit() drops the connection now: no QUIT, no data, no final dot.
      if (data.code === 354) {
        session.droppedAfterData = true;
        return;
      }
    }
  }
  // A failed RSET changes nothing: the steps are what we learned.
  if (client.state.phase === 'mail' || client.state.phase === 'rcpt') await client.rset().catch(() => undefined);
}

interface Opened {
  client: SmtpClient | null;
}

async function session(
  ctx: ProbeContext,
  t: HostTarget,
  mode: EnforceSession['mode'],
  conn: string,
  run: (client: SmtpClient, s: EnforceSession) => Promise<void>,
): Promise<EnforceSession> {
  const s = emptySession(mode);
  const from = ctx.transcript.events.length;
  const opened: Opened = { client: null };
  try {
    opened.client = await openSmtp(
      { connector: ctx.connector, transcript: ctx.transcript, clock: ctx.clock, limits: ctx.limits, signal: ctx.signal },
      { address: t.address, port: t.port, serverName: t.serverName, conn },
    );
    await run(opened.client, s);
  } catch (err) {
    const st = statusOfError(err);
    s.status = st.status;
    s.statusDetail = st.detail;
  } finally {
    await opened.client?.quit();
  }
  s.evidence = eventsOf(ctx, conn, from);
  return s;
}

/** Banner and EHLO (no HELO: without EHLO there is no STARTTLS); false when the server refused either. */
async function greet(client: SmtpClient, s: EnforceSession, helo: string): Promise<boolean> {
  const banner = await step(s, 'banner', '(greeting)', () => client.greeting());
  if (banner.code !== 220) return false;
  const ehlo = await step(s, 'ehlo', `EHLO ${helo}`, async () => (await client.hello(helo, { heloFallback: false })).ehlo);
  return ehlo.code === 250;
}

export async function probeEnforce(ctx: ProbeContext, t: HostTarget, opts: EnforceProbeOptions): Promise<EnforceAddressFacts> {
  const key = hostKey(t);
  const progress = (phase: string) => ctx.onProgress?.(key, phase);
  let starttlsOffered = false;
  let auth: EnforceAuth | null = null;

  progress('cleartext session');
  const clearConn = `${key}/cleartext`;
  const cleartext = await session(ctx, t, 'cleartext', clearConn, async (client, s) => {
    if (!(await greet(client, s, opts.helo))) return;
    starttlsOffered = hasCapability(client.capabilities, 'STARTTLS');
    const advertised = client.capabilities.find((c) => c.keyword === 'AUTH');
    if (advertised) {
      // What would a login in clear text meet? AUTH LOGIN, cancelled with "*" at the first challenge.
      const before = ctx.transcript.events.length;
      auth = { mechanisms: advertised.params.slice(0, 64), login: null, cancel: null, evidence: [] };
      const record = auth;
      try {
        const probe = await client.authProbe();
        record.login = probe.login;
        record.cancel = probe.cancel;
      } finally {
        record.evidence = eventsOf(ctx, clearConn, before);
      }
    }
    await envelope(client, s, opts);
  });

  // The control session: the same envelope inside TLS, to tell a refusal about TLS from one about the envelope.
  let control: EnforceSession | null = null;
  // Not after our deadline stopped the cleartext session: the control session would only be cut too.
  if (cleartext.steps.length > 0 && !ctx.signal?.aborted) {
    progress('control session with STARTTLS');
    control = await session(ctx, t, 'tls', `${key}/tls`, async (client, s) => {
      if (!(await greet(client, s, opts.helo))) return;
      if (!hasCapability(client.capabilities, 'STARTTLS')) {
        s.status = 'starttls-refused';
        s.statusDetail = 'STARTTLS is not offered';
        return;
      }
      // The reply is kept even when the handshake after it fails (the session then ends in the catch).
      const started = await client.starttls({ onReply: (r) => (s.starttls = r) });
      if (!started.handshake) {
        s.status = 'starttls-refused';
        s.statusDetail = `STARTTLS refused`;
        return;
      }
      s.tlsProtocol = started.handshake.protocol;
      // RFC 3207 §4.2: EHLO again inside TLS; its answer is the EHLO stage of this session.
      const ehloStep = s.steps.find((x) => x.stage === 'ehlo') as EnforceStep;
      ehloStep.command = `EHLO ${opts.helo} (in TLS)`;
      ehloStep.reply = null;
      const again = await client.hello(opts.helo, { heloFallback: false });
      ehloStep.reply = again.ehlo;
      if (again.greeting !== 'EHLO') return;
      await envelope(client, s, opts);
    });
  }
  progress('done');
  return { key, mx: t.mx, preference: t.preference, address: t.address, family: t.family, port: t.port, starttlsOffered, cleartext, control, auth };
}
