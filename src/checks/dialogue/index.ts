// The dialogue: a server that stopped answering, or broke the protocol, in the middle of it; and
// replies whose lines disagree on their code (the last line counts, smtp/reply.ts).
import type { Evidence, ReplyFacts } from '../../core/schema.js';
import { OWN_CAP_REASONS } from '../../core/status.js';
import { evidenceOf, hostFindings, type Check, type CheckInput } from '../check.js';
import { lastCommand, lastOf } from '../evidence.js';
import { clientCertRequired } from '../tls/client-certificate.js';

/**
 * Findings that say why the dialogue stopped: the protocol error behind them is not reported again.
 * (The registry runs this check after the greeting check, which makes them.)
 */
export const STOPPED: ReadonlySet<string> = new Set(['smtp.no-banner', 'smtp.banner-rejected', 'smtp.rate-limited', 'smtp.ehlo-rejected']);

export type DialogueInput = CheckInput<
  'status' | 'statusReason' | 'statusDetail' | 'banner' | 'ehloReply' | 'starttls' | 'tls' | 'legacyRetry' | 'ehloTlsReply' | 'envelope' | 'cleartext',
  never,
  'timeouts' | 'transcript'
>;

/** Every reply of the host's dialogues, with what it answered and the evidence of its phase. */
function repliesOf(facts: DialogueInput['facts']): { what: string; reply: ReplyFacts; ev: number[] | undefined }[] {
  const ev: Evidence = evidenceOf(facts);
  const out: { what: string; reply: ReplyFacts | null; ev: number[] | undefined }[] = [
    { what: 'banner', reply: facts.banner, ev: ev.banner },
    { what: 'EHLO', reply: facts.ehloReply, ev: ev.ehlo },
    { what: 'STARTTLS', reply: facts.starttls.reply, ev: ev.starttls },
    { what: 'EHLO inside TLS', reply: facts.ehloTlsReply, ev: ev.ehloTls },
    ...facts.envelope.map((s) => ({ what: s.command.split(':')[0]!, reply: s.reply, ev: ev.envelope })),
    ...(facts.cleartext?.steps ?? []).map((s) => ({ what: `${s.command.split(':')[0]!} (cleartext session)`, reply: s.reply, ev: ev.cleartext })),
  ];
  return out.filter((r): r is { what: string; reply: ReplyFacts; ev: number[] | undefined } => r.reply !== null);
}

/** "banner 220, 554 → 554": the codes of each line and the one that counts. */
function describeMixed(what: string, reply: ReplyFacts): string {
  return `${what} ${(reply.codes ?? []).join(', ')} → ${reply.code}`;
}

export const dialogueCheck: Check<DialogueInput> = {
  name: 'dialogue',
  assess: ({ facts, ctx, prior }) => {
    const ev = evidenceOf(facts);
    const { findings, add } = hostFindings(facts.key);
    // Failures in the middle of the dialogue, unless a refusal before already says why it stopped (a
    // slow or masked banner, or HELO instead of EHLO, says nothing about why the dialogue broke),
    // or the server hung up on a sender without a client certificate (the TLS check says so).
    const explained = prior.some((f) => STOPPED.has(f.id)) || clientCertRequired(facts) !== null;
    if (facts.status === 'io-timeout') add('smtp.io-timeout', { command: lastCommand(ev, ctx.transcript), timeoutMs: ctx.timeouts.commandMs }, lastOf(ev));
    // A reply past mxray's own caps (lines, bytes per reply): no rule of SMTP broken, the test stopped.
    else if ((facts.status === 'protocol-error' || facts.status === 'post-tls-error') && OWN_CAP_REASONS.has(facts.statusReason)) add('mxray.reply-limit', { detail: facts.statusDetail }, lastOf(ev));
    else if ((facts.status === 'protocol-error' || facts.status === 'post-tls-error') && !explained) {
      const detail = facts.status === 'post-tls-error' ? `after TLS was established: ${facts.statusDetail}` : facts.statusDetail;
      add('smtp.protocol-error', { detail }, facts.banner ? lastOf(ev) : (ev.banner ?? ev.connect));
    }
    const mixed = repliesOf(facts).filter((r) => r.reply.codes !== undefined);
    if (mixed.length) {
      add('smtp.mixed-reply-codes', { replies: mixed.map((r) => describeMixed(r.what, r.reply)).join('; ') }, [...new Set(mixed.flatMap((r) => r.ev ?? []))]);
    }
    return findings;
  },
};
