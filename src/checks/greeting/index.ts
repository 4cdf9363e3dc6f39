// The greeting: the server's banner (and how long it took), then its answer to EHLO (or HELO).
import type { Evidence, TranscriptEvent } from '../../core/schema.js';
import { isMaskedBanner } from '../../smtp/ehlo.js';
import { formatReply } from '../../smtp/reply.js';
import { evidenceOf, hostFindings, type Check, type CheckInput } from '../check.js';
import { isRateLimitReply } from '../replies.js';
import { isClientCertReply } from '../tls/client-certificate.js';

export type GreetingInput = CheckInput<'status' | 'statusReason' | 'statusDetail' | 'banner' | 'greeting' | 'ehloReply', never, 'timeouts' | 'profile' | 'transcript'>;

/** From the connection (its last event) to the first banner line, on the recorded clock; null when either is missing. */
export function bannerDelayMs(ev: Evidence, transcript: readonly TranscriptEvent[]): number | null {
  const connected = transcript.find((e) => e.seq === ev.connect?.at(-1));
  const banner = transcript.find((e) => e.seq === ev.banner?.[0]);
  return connected && banner ? Math.round(banner.t - connected.t) : null;
}

export const greetingCheck: Check<GreetingInput> = {
  name: 'greeting',
  assess: ({ facts, ctx }) => {
    const ev = evidenceOf(facts);
    const { findings, add } = hostFindings(facts.key);
    // A greeting time-out or a protocol error comes only from a connection that was made.
    if (facts.status === 'greeting-timeout' && !facts.banner) add('smtp.greeting-timeout', { timeoutMs: ctx.timeouts.greetingMs }, ev.banner ?? ev.connect);
    else if (!facts.banner && facts.status === 'protocol-error' && (facts.statusReason === 'closed' || facts.statusReason === 'socket-error')) {
      add('smtp.no-banner', { detail: facts.statusDetail }, ev.banner ?? ev.connect);
    }
    if (!facts.banner) return findings;
    if (facts.banner.code !== 220) {
      if (isRateLimitReply(facts.banner)) add('smtp.rate-limited', { reply: formatReply(facts.banner) }, ev.banner);
      else add('smtp.banner-rejected', { reply: formatReply(facts.banner) }, ev.banner);
      return findings;
    }
    if (isMaskedBanner(facts.banner)) add('smtp.banner-masked', { banner: formatReply(facts.banner) }, ev.banner);
    const delay = bannerDelayMs(ev, ctx.transcript);
    if (delay !== null && delay >= ctx.profile.slowBannerMs) add('smtp.banner-delayed', { ms: delay }, ev.banner);

    // EHLO / HELO, after a 220 only.
    if (facts.ehloReply) {
      const code = facts.ehloReply.code;
      // HELO is tried only after a 500/502 to EHLO: its acceptance means the server has no ESMTP.
      if (facts.greeting === 'HELO') add('smtp.esmtp-unsupported', { reply: formatReply(facts.ehloReply) }, ev.ehlo);
      // Implicit TLS: "421 … No client certificate presented" is the TLS check's (tls.client-cert-required).
      else if (isClientCertReply(facts.ehloReply)) return findings;
      else if (isRateLimitReply(facts.ehloReply)) add('smtp.rate-limited', { reply: formatReply(facts.ehloReply) }, ev.ehlo);
      else if (code !== 250 && code !== 500 && code !== 502) add('smtp.ehlo-rejected', { reply: formatReply(facts.ehloReply) }, ev.ehlo);
    }
    return findings;
  },
};
