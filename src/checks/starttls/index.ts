// STARTTLS: whether the server offers it (or a firewall hides it), accepts it, and what it offers
// before it (a password login in clear text).
import { isMaskedKeyword } from '../../smtp/ehlo.js';
import { formatReply } from '../../smtp/reply.js';
import { evidenceOf, hostFindings, type Check, type CheckInput } from '../check.js';
import { isRateLimitReply } from '../replies.js';

export type StarttlsInput = CheckInput<'implicitTls' | 'greeting' | 'starttls' | 'capabilities', never, 'profile'>;

/** The name in upper case, ASCII letters only (as a case-insensitive RegExp compares ASCII names). */
const asciiUpper = (text: string) => text.replace(/[a-z]/g, (c) => c.toUpperCase());

export const starttlsCheck: Check<StarttlsInput> = {
  name: 'starttls',
  assess: ({ facts, ctx }) => {
    const ev = evidenceOf(facts);
    const { findings, add } = hostFindings(facts.key);
    // Implicit TLS has no STARTTLS; a server without ESMTP has no capabilities (the greeting check says so).
    if (facts.implicitTls || facts.greeting !== 'EHLO') return findings;
    if (!facts.starttls.offered) {
      const masked = facts.capabilities.find((c) => isMaskedKeyword(c.keyword));
      if (masked) add('starttls.masked', { keyword: masked.keyword }, ev.ehlo);
      else add('starttls.not-offered', {}, ev.ehlo);
    } else if (facts.starttls.reply && facts.starttls.reply.code !== 220) {
      // "421 too many TLS sessions, try later" limits us; it does not refuse TLS.
      if (isRateLimitReply(facts.starttls.reply)) add('smtp.rate-limited', { reply: formatReply(facts.starttls.reply) }, ev.starttls);
      else add('starttls.rejected', { reply: formatReply(facts.starttls.reply) }, ev.starttls);
    }
    const cleartextMechanisms = new Set(ctx.profile.cleartextAuthMechanisms.map(asciiUpper));
    const auth = facts.capabilities.find((c) => c.keyword === 'AUTH');
    const plain = auth?.params.filter((p) => cleartextMechanisms.has(asciiUpper(p))) ?? [];
    if (plain.length) add('smtp.auth-before-tls', { mechanisms: plain.join(' ') }, ev.ehlo);
    return findings;
  },
};
