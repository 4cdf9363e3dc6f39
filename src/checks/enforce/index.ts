// `mxray enforce`'s checks of one address: the verdict finding (enforces TLS at a stage, does not
// enforce up to the stage tested, or cannot be told), the Exchange Online partner-connector note,
// and what the server does with a password login before TLS (offered, challenged, refused).
import type { EnforceAddressFacts, EnforceAssessment, Finding } from '../../core/schema.js';
import type { Profile } from '../../kb/profiles.js';
import { replyMeans } from '../../kb/reply-patterns.js';
import { formatReply } from '../../smtp/reply.js';
import { hostFindings, type Check } from '../check.js';
import { STAGE_LABEL } from './stages.js';

export interface EnforceCheckInput {
  facts: EnforceAddressFacts;
  assessment: EnforceAssessment;
  profile: Profile;
}

export type EnforceCheck = Check<EnforceCheckInput>;

function replyText(reply: EnforceAssessment['reply'], none: string): string {
  return reply ? formatReply(reply) : none;
}

export const enforcementCheck: EnforceCheck = {
  name: 'enforcement',
  assess: ({ facts, assessment: a }) => {
    const { findings, add } = hostFindings(facts.key);
    const stage = a.stage ? STAGE_LABEL[a.stage] : 'the connection';
    const clearEv = facts.cleartext.evidence;
    const bothEv = [...clearEv, ...(facts.control?.evidence ?? [])];
    const control = facts.control;
    // An exception of ours in either session is our bug, never the server's (exit 4).
    for (const sess of [facts.cleartext, facts.control]) {
      if (sess?.status === 'internal-error') add('mxray.internal-error', { detail: `the ${sess.mode} session: ${sess.statusDetail ?? 'internal error'}` }, sess.evidence);
    }
    const noControl = control === null ? '(no control session)' : control.tlsProtocol === null ? `(no TLS: ${control.starttls && control.starttls.code !== 220 ? formatReply(control.starttls) : control.status})` : '(no reply at that stage)';
    if (a.verdict === 'enforces') add('policy.tls-enforced', { stage, reply: replyText(a.reply, '(no reply)'), controlReply: replyText(a.controlReply, noControl) }, bothEv);
    else if (a.verdict === 'not-enforced') add('policy.cleartext-not-refused', { stage, reply: replyText(a.reply, '(no reply)') }, clearEv);
    else if (a.reply === null) {
      const failed = facts.cleartext.statusDetail ?? facts.cleartext.status;
      add('policy.enforcement-untested', { session: 'cleartext', error: failed }, clearEv);
    } else {
      add('policy.enforcement-inconclusive', { stage, reply: formatReply(a.reply), controlReply: replyText(a.controlReply, noControl), why: a.reason }, bothEv);
    }
    // Exchange Online's partner-connector refusals, in either session: once, with the first such reply.
    const replies = [...facts.cleartext.steps, ...(control?.steps ?? [])].map((s) => s.reply).filter((r): r is NonNullable<typeof r> => r !== null);
    const partner = replies.find((r) => replyMeans(r, 'partner-connector'));
    if (partner) add('policy.partner-connector', { reply: formatReply(partner) }, bothEv);
    const certRefusal = control?.steps.map((s) => s.reply).find((r): r is NonNullable<typeof r> => r !== null && replyMeans(r, 'client-cert-required'));
    if (certRefusal) add('policy.client-cert-required', { reply: formatReply(certRefusal) }, control?.evidence ?? []);
    return findings;
  },
};

/** The name in upper case, ASCII letters only. */
const asciiUpper = (text: string) => text.replace(/[a-z]/g, (c) => c.toUpperCase());

export const cleartextAuthCheck: EnforceCheck = {
  name: 'cleartext-auth',
  assess: ({ facts, profile }): Finding[] => {
    const { findings, add } = hostFindings(facts.key);
    const auth = facts.auth;
    if (!auth) return findings;
    // PLAIN or LOGIN before TLS; NTLM, GSSAPI (Exchange) or nothing before TLS is normal.
    const cleartext = new Set(profile.cleartextAuthMechanisms.map(asciiUpper));
    const plain = auth.mechanisms.filter((m) => cleartext.has(asciiUpper(m)));
    if (plain.length) add('smtp.auth-before-tls', { mechanisms: plain.join(' ') }, auth.evidence);
    if (auth.login) {
      if (auth.login.code === 334) add('policy.cleartext-auth-challenged', { reply: formatReply(auth.login) }, auth.evidence);
      else add('policy.cleartext-auth-refused', { reply: formatReply(auth.login) }, auth.evidence);
    }
    return findings;
  },
};
