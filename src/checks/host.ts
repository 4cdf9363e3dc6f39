// The pure judge for one MX address: facts (and their transcript evidence) in, findings and a
// verdict out. It never touches the network.
import type { Finding, HostFacts, ReplyFacts, TranscriptEvent, Verdict } from '../core/schema.js';
import { verdictOf } from './verdict.js';
import { makeFinding, type Facts } from '../kb/index.js';
import { isMaskedBanner, isMaskedKeyword } from '../smtp/ehlo.js';
import { formatReply } from '../smtp/reply.js';
import { assessCertificate } from './certificate.js';
import { assessCleartext } from './policy.js';
import type { Profile } from './profile.js';

export type Evidence = Partial<Record<string, number[]>>;

export interface HostJudgeContext {
  profile: Profile;
  warnDays: number;
  expectThumbprint: string | null;
  timeouts: { connectMs: number; greetingMs: number; commandMs: number };
  /** The injected clock's time when judging. */
  now: number;
  /** The mail domain, when known (for the certificate's domain-match note). */
  domain: string | null;
  /** The transcript, to measure the banner delay from recorded times. */
  transcript: readonly TranscriptEvent[];
}

export interface HostJudgement {
  findings: Finding[];
  verdict: Verdict;
}

/** 421, or a 4xx that says "too many" / "rate": the server is limiting us, not refusing TLS. */
export function isRateLimitReply(reply: ReplyFacts): boolean {
  if (reply.code === 421) return true;
  return reply.code >= 400 && reply.code < 500 && /too many|rate|limit|busy|try again later/i.test(reply.lines.join(' '));
}

/** Connect errors that mean "no route from here": our network, not the server. */
const NO_ROUTE = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'ENETDOWN']);

function bannerDelayMs(ev: Evidence, transcript: readonly TranscriptEvent[]): number | null {
  const connect = ev.connect?.at(-1);
  const banner = ev.banner?.[0];
  if (connect === undefined || banner === undefined) return null;
  const a = transcript.find((e) => e.seq === connect);
  const b = transcript.find((e) => e.seq === banner);
  return a && b ? Math.round(b.t - a.t) : null;
}

export function assessHost(facts: HostFacts, ev: Evidence, ctx: HostJudgeContext): HostJudgement {
  const host = facts.key;
  const out: Finding[] = [];
  const add = (id: string, f: Facts, evidence: number[] | undefined) => out.push(makeFinding(id, { host, ...f }, evidence ?? [], [host]));

  // Connection and greeting.
  if (facts.status === 'internal-error') add('mxray.internal-error', { detail: facts.statusDetail }, lastOf(ev));
  if (facts.status === 'connection-refused' && NO_ROUTE.has(facts.statusReason ?? '')) add('net.no-route', { error: facts.statusReason }, ev.connect);
  else if (facts.status === 'connection-refused') add('net.connect-refused', {}, ev.connect);
  else if (facts.status === 'connection-timeout') add('net.connect-timeout', { timeoutMs: ctx.timeouts.connectMs }, ev.connect);

  if (facts.connectMs !== null) {
    if (facts.status === 'greeting-timeout' && !facts.banner) add('smtp.greeting-timeout', { timeoutMs: ctx.timeouts.greetingMs }, ev.banner ?? ev.connect);
    else if (!facts.banner && facts.status === 'protocol-error' && (facts.statusReason === 'closed' || facts.statusReason === 'socket-error')) {
      add('smtp.no-banner', { detail: facts.statusDetail }, ev.banner ?? ev.connect);
    }
  }
  if (facts.banner) {
    if (facts.banner.code !== 220) {
      if (isRateLimitReply(facts.banner)) add('smtp.rate-limited', { reply: formatReply(facts.banner) }, ev.banner);
      else add('smtp.banner-rejected', { reply: formatReply(facts.banner) }, ev.banner);
    } else {
      if (isMaskedBanner(facts.banner)) add('smtp.banner-masked', { banner: formatReply(facts.banner) }, ev.banner);
      const delay = bannerDelayMs(ev, ctx.transcript);
      if (delay !== null && delay >= ctx.profile.slowBannerMs) add('smtp.banner-delayed', { ms: delay }, ev.banner);
    }
  }

  // EHLO / HELO.
  if (facts.ehloReply && facts.banner?.code === 220) {
    const code = facts.ehloReply.code;
    if ((code === 500 || code === 502) && facts.greeting === 'HELO') add('smtp.esmtp-unsupported', { reply: formatReply(facts.ehloReply) }, ev.ehlo);
    else if (code !== 250 && isRateLimitReply(facts.ehloReply)) add('smtp.rate-limited', { reply: formatReply(facts.ehloReply) }, ev.ehlo);
    else if (code !== 250 && code !== 500 && code !== 502) add('smtp.ehlo-rejected', { reply: formatReply(facts.ehloReply) }, ev.ehlo);
  }

  // Failures in the middle of the dialogue.
  if (facts.status === 'io-timeout') add('smtp.io-timeout', { command: lastCommand(ev, ctx.transcript), timeoutMs: ctx.timeouts.commandMs }, lastOf(ev));
  else if ((facts.status === 'protocol-error' || facts.status === 'post-tls-error') && facts.banner && !out.some((f) => f.id.startsWith('smtp.'))) {
    add('smtp.protocol-error', { detail: facts.status === 'post-tls-error' ? `after TLS was established: ${facts.statusDetail}` : facts.statusDetail }, lastOf(ev));
  } else if (facts.status === 'protocol-error' && !facts.banner && facts.connectMs !== null && !out.some((f) => f.id.startsWith('smtp.'))) {
    add('smtp.protocol-error', { detail: facts.statusDetail }, ev.banner ?? ev.connect);
  } else if (facts.status === 'greeting-timeout' && facts.banner && !out.some((f) => f.id.startsWith('smtp.'))) {
    add('smtp.io-timeout', { command: 'EHLO', timeoutMs: ctx.timeouts.commandMs }, lastOf(ev));
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
    switch (retry?.cause) {
      case 'old-protocol':
        add('tls.old-protocol', { protocol: retry.protocol ?? 'TLS 1.0/1.1' }, evTls);
        break;
      case 'null-cipher':
        add('tls.null-cipher', { cipher: retry.cipher }, evTls);
        break;
      case 'no-shared-cipher':
        add('tls.no-shared-cipher', { error: tls.error }, evTls);
        break;
      case 'server-abort-after-certificate':
        add('tls.server-aborted', { error: tls.error }, evTls);
        break;
      default:
        add('tls.handshake-failed', { error: retry?.cause === 'not-tls' ? `${tls.error}; the server did not answer with TLS` : tls.error }, evTls);
    }
  }
  if (tls?.injectedBytes) add('starttls.injection', { bytes: tls.injectedBytes }, ev.tls);
  if (tls?.ok) {
    if (tls.protocol && ctx.profile.oldProtocols.includes(tls.protocol)) add('tls.old-protocol', { protocol: tls.protocol }, ev.tls);
    else if (/NULL/i.test(tls.cipher ?? '')) add('tls.null-cipher', { cipher: tls.cipher }, ev.tls);
    else add('tls.ok', { protocol: tls.protocol, cipher: tls.cipherStandard ?? tls.cipher }, ev.tls);
    if (facts.capabilitiesInTls?.some((c) => c.keyword === 'STARTTLS')) add('starttls.readvertised', {}, ev.ehloTls);
    // EHLO refused inside TLS: no sender can deliver over TLS here, however good the handshake.
    const inTls = facts.ehloTlsReply;
    if (inTls && inTls.code !== 250 && !facts.implicitTls) {
      if (isRateLimitReply(inTls)) add('smtp.rate-limited', { reply: formatReply(inTls) }, ev.ehloTls);
      else add('smtp.ehlo-rejected', { reply: `${formatReply(inTls)} (inside TLS)` }, ev.ehloTls);
    }
    if (tls.certificate) {
      out.push(
        ...assessCertificate(tls.certificate, {
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
    }
  }

  // The handshake without SNI: a failure, or a different certificate, is a finding (and judged too).
  const noSni = facts.noSni;
  if (noSni && noSni.status === 'tls-handshake-error' && tls?.ok) add('tls.sni-required', { error: noSni.error }, ev.noSni);
  if (noSni?.certificate && noSni.sameCertificate === false && tls?.certificate) {
    const subject = (c: typeof noSni.certificate) => `${c?.sent[0]?.subject.replace(/\n/g, ', ') ?? 'none'} (SHA-256 ${c?.sent[0]?.sha256.slice(0, 16) ?? '?'}…)`;
    add('cert.sni-dependent', { withSni: subject(tls.certificate), withoutSni: subject(noSni.certificate) }, ev.noSni);
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

  // Envelope tests (--from / --rcpt).
  for (const step of facts.envelope) {
    if (step.reply && step.outcome !== 'accepted' && isRateLimitReply(step.reply) && step.reply.code === 421) add('smtp.rate-limited', { reply: formatReply(step.reply) }, ev.envelope);
    else if (step.outcome === 'greylisted') add('smtp.greylisted', { command: step.command, reply: formatReply(step.reply) }, ev.envelope);
    else if (step.outcome === 'rejected' || step.outcome === 'deferred') add('smtp.envelope-rejected', { command: step.command, reply: formatReply(step.reply) }, ev.envelope);
  }

  if (facts.cleartext) out.push(...assessCleartext(facts.cleartext, host, ev.cleartext ?? []));

  return { findings: out, verdict: verdictOf(out) };
}

function lastOf(ev: Evidence): number[] {
  const all = Object.values(ev).flatMap((v) => v ?? []);
  return all.length ? [Math.max(...all)] : [];
}

function lastCommand(ev: Evidence, transcript: readonly TranscriptEvent[]): string {
  const seqs = new Set(Object.values(ev).flatMap((v) => v ?? []));
  const sent = transcript.filter((e) => seqs.has(e.seq) && e.kind === 'send');
  return sent.at(-1)?.text.split(' ')[0] ?? 'command';
}
