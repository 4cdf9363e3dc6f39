// The dialogue: a server that stopped answering, or broke the protocol, in the middle of it.
import { evidenceOf, hostFindings, type Check, type CheckInput } from '../check.js';
import { lastCommand, lastOf } from '../evidence.js';

/**
 * Findings that say why the dialogue stopped: the protocol error behind them is not reported again.
 * (The registry runs this check after the greeting check, which makes them.)
 */
export const STOPPED: ReadonlySet<string> = new Set(['smtp.no-banner', 'smtp.banner-rejected', 'smtp.rate-limited', 'smtp.ehlo-rejected']);

export type DialogueInput = CheckInput<'status' | 'statusDetail' | 'banner', never, 'timeouts' | 'transcript'>;

export const dialogueCheck: Check<DialogueInput> = {
  name: 'dialogue',
  assess: ({ facts, ctx, prior }) => {
    const ev = evidenceOf(facts);
    const { findings, add } = hostFindings(facts.key);
    // Failures in the middle of the dialogue, unless a refusal before already says why it stopped (a
    // slow or masked banner, or HELO instead of EHLO, says nothing about why the dialogue broke).
    if (facts.status === 'io-timeout') add('smtp.io-timeout', { command: lastCommand(ev, ctx.transcript), timeoutMs: ctx.timeouts.commandMs }, lastOf(ev));
    else if ((facts.status === 'protocol-error' || facts.status === 'post-tls-error') && !prior.some((f) => STOPPED.has(f.id))) {
      const detail = facts.status === 'post-tls-error' ? `after TLS was established: ${facts.statusDetail}` : facts.statusDetail;
      add('smtp.protocol-error', { detail }, facts.banner ? lastOf(ev) : (ev.banner ?? ev.connect));
    }
    return findings;
  },
};
