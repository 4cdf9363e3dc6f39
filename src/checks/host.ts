// The pure judge for one MX address: facts (and their transcript evidence) in, findings and a
// verdict out. It never touches the network.
import type { TrustStore } from '../core/context.js';
import type { CertVerdict, EnvelopeStep, Evidence, Finding, HostAssessment, HostFacts, HostReport, ReplyFacts, TranscriptEvent, Verdict } from '../core/schema.js';
import { verdictOf } from './verdict.js';
import { makeFinding, type Facts, type FindingId } from '../kb/index.js';
import { replyMeans } from '../kb/reply-patterns.js';
import { verifyChain } from '../pki/verify.js';
import { isMaskedBanner, isMaskedKeyword } from '../smtp/ehlo.js';
import { formatReply } from '../smtp/reply.js';
import { assessCertificate } from './certificate.js';
import { assessCleartext, classifyEnvelopeReply } from './policy.js';
import { classifyHandshakeFailure, classifyLegacySuccess } from './tls.js';
import type { Profile } from './profile.js';

export type { Evidence } from '../core/schema.js';

export interface AssessContext {
  trustStore: TrustStore;
  /** The moment certificates are judged at (the run's clock, or --at). */
  now: number;
  /** The mail domain, when known (for the certificate's domain-match note). */
  domain: string | null;
}

/** Chain verification, name matching and reply classification, from the measured facts only. */
export function assessFacts(facts: HostFacts, ctx: AssessContext): HostAssessment {
  const verify = (chain: readonly string[]): CertVerdict =>
    verifyChain({
      chain: chain.map((b64) => Buffer.from(b64, 'base64')),
      trustStore: ctx.trustStore,
      now: ctx.now,
      name: facts.serverName,
      domain: ctx.domain,
      // An IP target has no name to check: "name matches" is n/a, not a failure.
      ipTarget: null,
    });
  const tls = facts.tls;
  const certificate = tls?.ok ? verify(tls.peerChain) : null;
  let noSni: HostAssessment['noSni'] = null;
  if (facts.noSni) {
    const ok = facts.noSni.status === 'ok';
    noSni = {
      certificate: ok ? verify(facts.noSni.peerChain) : null,
      // The very same bytes: a re-encoded or re-issued certificate is another certificate.
      sameCertificate: ok && tls?.peerChain[0] !== undefined && facts.noSni.peerChain[0] !== undefined ? tls.peerChain[0] === facts.noSni.peerChain[0] : null,
    };
  }
  let legacyCause: HostAssessment['legacyCause'] = null;
  let certificateReceived: boolean | null = null;
  const retry = facts.legacyRetry;
  const first = tls?.failure;
  if (retry && first) {
    const second = retry.failure;
    legacyCause = retry.ok ? classifyLegacySuccess(retry.protocol, retry.cipher, retry.cipherStandard) : classifyHandshakeFailure(first, second);
    certificateReceived = retry.ok || first.seen.certificate || Boolean(second?.seen.certificate);
  }
  const judge = (steps: readonly EnvelopeStep[]) => steps.map((s) => ({ command: s.command, outcome: classifyEnvelopeReply(s.reply) }));
  let cleartext: HostAssessment['cleartext'] = null;
  if (facts.cleartext) {
    const outcomes = judge(facts.cleartext.steps);
    const refused = outcomes.some((s) => s.outcome === 'requires-tls');
    // A test that ran has a MAIL FROM step; one that did not says nothing.
    const allAccepted = outcomes.length > 0 && outcomes.every((s) => s.outcome === 'accepted');
    cleartext = { outcomes, requiresTls: refused ? true : allAccepted ? false : null };
  }
  return { certificate, noSni, legacyCause, certificateReceived, envelope: judge(facts.envelope), cleartext };
}

export interface HostJudgeContext extends AssessContext {
  profile: Profile;
  warnDays: number;
  expectThumbprint: string | null;
  timeouts: { connectMs: number; greetingMs: number; commandMs: number };
  /** The transcript, to measure the banner delay from recorded times. */
  transcript: readonly TranscriptEvent[];
}

export interface HostJudgement {
  findings: Finding[];
  verdict: Verdict;
}

/** 421, or a 4xx that says "too many" / "rate": the server is limiting us, not refusing TLS (kb/reply-patterns.ts). */
export function isRateLimitReply(reply: ReplyFacts): boolean {
  return replyMeans(reply, 'rate-limit');
}

/** Connect errors that mean "no route from here": our network, not the server. */
const NO_ROUTE: ReadonlySet<string | null> = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'ENETDOWN']);

/** Findings that say why the dialogue stopped: the protocol error behind them is not reported again. */
const STOPPED: ReadonlySet<string> = new Set(['smtp.no-banner', 'smtp.banner-rejected', 'smtp.rate-limited', 'smtp.ehlo-rejected']);

/** From the connection (its last event) to the first banner line, on the recorded clock; null when either is missing. */
function bannerDelayMs(ev: Evidence, transcript: readonly TranscriptEvent[]): number | null {
  const connected = transcript.find((e) => e.seq === ev.connect?.at(-1));
  const banner = transcript.find((e) => e.seq === ev.banner?.[0]);
  return connected && banner ? Math.round(banner.t - connected.t) : null;
}

/** One address judged: the facts, what the checks made of them, the findings and the verdict. */
export function judgeHost(facts: HostFacts, ctx: HostJudgeContext): HostReport {
  try {
    const assessment = assessFacts(facts, ctx);
    const { findings, verdict } = assessHost(facts, assessment, ctx);
    return { ...facts, assessment, verdict, findings };
  } catch (err) {
    // Our own bug while judging (sslyze's rule): labelled as ours, never blamed on the server, and
    // the other hosts' results and every measured fact survive.
    const detail = err instanceof Error ? err.message : String(err);
    const findings = [makeFinding('mxray.internal-error', { host: facts.key, detail: `while judging: ${detail}` }, lastOf(facts.evidence), [facts.key])];
    return { ...facts, assessment: UNJUDGED, verdict: verdictOf(findings), findings };
  }
}

/** The assessment of a host whose judging failed: nothing concluded. */
const UNJUDGED: HostAssessment = { certificate: null, noSni: null, legacyCause: null, certificateReceived: null, envelope: [], cleartext: null };

export function assessHost(facts: HostFacts, assessment: HostAssessment, ctx: Omit<HostJudgeContext, 'trustStore'>): HostJudgement {
  const host = facts.key;
  const ev: Evidence = facts.evidence;
  const out: Finding[] = [];
  const add = (id: FindingId, f: Facts, evidence: number[] | undefined) => out.push(makeFinding(id, { host, ...f }, evidence ?? [], [host]));

  // Connection and greeting.
  if (facts.status === 'internal-error') add('mxray.internal-error', { detail: facts.statusDetail }, lastOf(ev));
  if (facts.status === 'connection-refused') {
    if (NO_ROUTE.has(facts.statusReason)) add('net.no-route', { error: facts.statusReason }, ev.connect);
    else add('net.connect-refused', {}, ev.connect);
  } else if (facts.status === 'connection-timeout') add('net.connect-timeout', { timeoutMs: ctx.timeouts.connectMs }, ev.connect);

  // A greeting time-out or a protocol error comes only from a connection that was made.
  if (facts.status === 'greeting-timeout' && !facts.banner) add('smtp.greeting-timeout', { timeoutMs: ctx.timeouts.greetingMs }, ev.banner ?? ev.connect);
  else if (!facts.banner && facts.status === 'protocol-error' && (facts.statusReason === 'closed' || facts.statusReason === 'socket-error')) {
    add('smtp.no-banner', { detail: facts.statusDetail }, ev.banner ?? ev.connect);
  }
  if (facts.banner) {
    if (facts.banner.code !== 220) {
      if (isRateLimitReply(facts.banner)) add('smtp.rate-limited', { reply: formatReply(facts.banner) }, ev.banner);
      else add('smtp.banner-rejected', { reply: formatReply(facts.banner) }, ev.banner);
    } else {
      if (isMaskedBanner(facts.banner)) add('smtp.banner-masked', { banner: formatReply(facts.banner) }, ev.banner);
      const delay = bannerDelayMs(ev, ctx.transcript);
      if (delay !== null && delay >= ctx.profile.slowBannerMs) add('smtp.banner-delayed', { ms: delay }, ev.banner);

      // EHLO / HELO, after a 220 only.
      if (facts.ehloReply) {
        const code = facts.ehloReply.code;
        // HELO is tried only after a 500/502 to EHLO: its acceptance means the server has no ESMTP.
        if (facts.greeting === 'HELO') add('smtp.esmtp-unsupported', { reply: formatReply(facts.ehloReply) }, ev.ehlo);
        else if (isRateLimitReply(facts.ehloReply)) add('smtp.rate-limited', { reply: formatReply(facts.ehloReply) }, ev.ehlo);
        else if (code !== 250 && code !== 500 && code !== 502) add('smtp.ehlo-rejected', { reply: formatReply(facts.ehloReply) }, ev.ehlo);
      }
    }
  }

  // Failures in the middle of the dialogue, unless a refusal above already says why it stopped (a
  // slow or masked banner, or HELO instead of EHLO, says nothing about why the dialogue broke).
  if (facts.status === 'io-timeout') add('smtp.io-timeout', { command: lastCommand(ev, ctx.transcript), timeoutMs: ctx.timeouts.commandMs }, lastOf(ev));
  else if ((facts.status === 'protocol-error' || facts.status === 'post-tls-error') && !out.some((f) => STOPPED.has(f.id))) {
    const detail = facts.status === 'post-tls-error' ? `after TLS was established: ${facts.statusDetail}` : facts.statusDetail;
    add('smtp.protocol-error', { detail }, facts.banner ? lastOf(ev) : (ev.banner ?? ev.connect));
  }

  // STARTTLS.
  if (!facts.implicitTls && facts.greeting === 'EHLO') {
    if (!facts.starttls.offered) {
      const masked = facts.capabilities.find((c) => isMaskedKeyword(c.keyword));
      if (masked) add('starttls.masked', { keyword: masked.keyword }, ev.ehlo);
      else add('starttls.not-offered', {}, ev.ehlo);
    } else if (facts.starttls.reply && facts.starttls.reply.code !== 220) {
      // "421 too many TLS sessions, try later" limits us; it does not refuse TLS.
      if (isRateLimitReply(facts.starttls.reply)) add('smtp.rate-limited', { reply: formatReply(facts.starttls.reply) }, ev.starttls);
      else add('starttls.rejected', { reply: formatReply(facts.starttls.reply) }, ev.starttls);
    }
    const auth = facts.capabilities.find((c) => c.keyword === 'AUTH');
    const plain = auth?.params.filter((p) => /^(PLAIN|LOGIN)$/i.test(p)) ?? [];
    if (plain.length) add('smtp.auth-before-tls', { mechanisms: plain.join(' ') }, ev.ehlo);
  }

  // TLS.
  const tls = facts.tls;
  if (tls && !tls.ok) {
    const retry = facts.legacyRetry;
    const evTls = [...(ev.tls ?? []), ...(ev.legacy ?? [])];
    switch (assessment.legacyCause) {
      case 'old-protocol':
        add('tls.old-protocol', { protocol: retry?.protocol ?? 'TLS 1.0/1.1' }, evTls);
        break;
      case 'null-cipher':
        add('tls.null-cipher', { cipher: retry?.cipher ?? null }, evTls);
        break;
      case 'no-shared-cipher':
        add('tls.no-shared-cipher', { error: tls.error }, evTls);
        break;
      case 'server-abort-after-certificate':
        add('tls.server-aborted', { error: tls.error }, evTls);
        break;
      default:
        add('tls.handshake-failed', { error: assessment.legacyCause === 'not-tls' ? `${tls.error}; the server did not answer with TLS` : tls.error }, evTls);
    }
  }
  if (tls?.injectedBytes) add('starttls.injection', { bytes: tls.injectedBytes }, ev.tls);
  if (tls?.ok) {
    if (ctx.profile.oldProtocols.some((p) => p === tls.protocol)) add('tls.old-protocol', { protocol: tls.protocol }, ev.tls);
    else if (/NULL/i.test(tls.cipher ?? '')) add('tls.null-cipher', { cipher: tls.cipher }, ev.tls);
    else add('tls.ok', { protocol: tls.protocol, cipher: tls.cipherStandard ?? tls.cipher }, ev.tls);
    if (facts.capabilitiesInTls?.some((c) => c.keyword === 'STARTTLS')) add('starttls.readvertised', {}, ev.ehloTls);
    // EHLO refused inside TLS: no sender can deliver over TLS here, however good the handshake.
    const inTls = facts.ehloTlsReply;
    if (inTls && inTls.code !== 250 && !facts.implicitTls) {
      if (isRateLimitReply(inTls)) add('smtp.rate-limited', { reply: formatReply(inTls) }, ev.ehloTls);
      else add('smtp.ehlo-rejected', { reply: `${formatReply(inTls)} (inside TLS)` }, ev.ehloTls);
    }
    const certificate = assessment.certificate;
    if (certificate) {
      out.push(
        ...assessCertificate(certificate, {
          host,
          profile: ctx.profile,
          warnDays: ctx.warnDays,
          expectThumbprint: ctx.expectThumbprint,
          announcedNames: [facts.bannerName, facts.ehloName].filter((n): n is string => Boolean(n)),
          evidence: ev.tls ?? [],
          handshake: 'sni',
          domain: ctx.domain,
          now: ctx.now,
        }),
      );
      // The handshake without SNI (tried only after a good one) showed another certificate: a
      // finding, and that certificate is judged too. (It differs only when both showed a leaf.)
      const noSni = assessment.noSni;
      if (noSni?.certificate && noSni.sameCertificate === false) {
        const describe = (c: CertVerdict) => {
          const leaf = c.sent[0];
          return leaf ? `${leaf.subject} (SHA-256 ${leaf.sha256.slice(0, 16)}…)` : 'none';
        };
        add('cert.sni-dependent', { withSni: describe(certificate), withoutSni: describe(noSni.certificate) }, ev.noSni);
        const seen = new Set(out.map((f) => f.id));
        for (const f of assessCertificate(noSni.certificate, {
          host,
          profile: ctx.profile,
          warnDays: ctx.warnDays,
          expectThumbprint: null,
          announcedNames: [],
          evidence: ev.noSni ?? [],
          handshake: 'no-sni',
        })) {
          if (f.severity !== 'ok' && f.severity !== 'info' && !seen.has(f.id)) out.push({ ...f, title: `${f.title} (certificate sent without SNI)` });
        }
      }
    }
    // The handshake without SNI failed where this one worked.
    if (facts.noSni?.status === 'tls-handshake-error') add('tls.sni-required', { error: facts.noSni.error }, ev.noSni);
  }

  // Envelope tests (--from / --rcpt).
  facts.envelope.forEach((step, i) => {
    const outcome = assessment.envelope[i]?.outcome;
    if (step.reply?.code === 421) add('smtp.rate-limited', { reply: formatReply(step.reply) }, ev.envelope);
    else if (outcome === 'greylisted') add('smtp.greylisted', { command: step.command, reply: formatReply(step.reply) }, ev.envelope);
    else if (outcome === 'rejected' || outcome === 'deferred') add('smtp.envelope-rejected', { command: step.command, reply: formatReply(step.reply) }, ev.envelope);
  });

  if (facts.cleartext && assessment.cleartext) out.push(...assessCleartext(facts.cleartext, assessment.cleartext, host, ev.cleartext ?? []));

  return { findings: out, verdict: verdictOf(out) };
}

/** Every transcript event number recorded for the host, in any phase. */
function recorded(ev: Evidence): number[] {
  return Object.values(ev).flatMap((v) => v ?? []);
}

function lastOf(ev: Evidence): number[] {
  const all = recorded(ev);
  return all.length ? [Math.max(...all)] : [];
}

function lastCommand(ev: Evidence, transcript: readonly TranscriptEvent[]): string {
  const seqs = new Set(recorded(ev));
  const sent = transcript.filter((e) => seqs.has(e.seq) && e.kind === 'send');
  return sent.at(-1)?.text.split(' ')[0] ?? 'command';
}
