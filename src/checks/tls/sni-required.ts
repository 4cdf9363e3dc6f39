// A server that completes the handshake with SNI but fails it without: senders that send no SNI
// (many do not) cannot use TLS with it.
import { evidenceOf, hostFindings, type Check, type CheckInput } from '../check.js';

export type SniRequiredInput = CheckInput<'tls' | 'noSni'>;

export const sniRequiredCheck: Check<SniRequiredInput> = {
  name: 'sni-required',
  assess: ({ facts }) => {
    const { findings, add } = hostFindings(facts.key);
    // The handshake without SNI (tried only after a good one) failed where this one worked.
    if (facts.tls?.ok && facts.noSni?.status === 'tls-handshake-error') add('tls.sni-required', { error: facts.noSni.error }, evidenceOf(facts).noSni);
    return findings;
  },
};
