// What the sender-test server uses unless a test injects its own: the DNS lookups of sender-dns.ts,
// the judge of checks/sender, and
// the client-certificate gate of a `require-client-cert` listener (the client purpose of path
// validation, as a partner connector's OpenSSL or Schannel checks it).
import type { TrustStore } from '../../core/context.js';
import type { Resolver } from '../../core/context.js';
import { judgeSender } from '../../checks/sender/judge.js';
import { verifyChain } from '../../pki/verify.js';
import type { SenderDnsLookupsLike, SenderJudge } from './sender-server.js';
import { SenderDnsLookups } from './sender-dns.js';

export function defaultDnsLookups(resolver: Resolver, ip: string): SenderDnsLookupsLike {
  return new SenderDnsLookups(resolver, ip);
}

export const defaultJudge: SenderJudge = (body, context) => judgeSender(body, context);

/** Null when the chain verifies for a TLS client against the trust store now; else why not, in words. */
export function defaultClientCertificateProblem(trustStore: TrustStore, now: () => number) {
  return (chain: readonly Buffer[]): string | null => {
    const verdict = verifyChain({ chain: [...chain], trustStore, now: now(), name: null, domain: null, purpose: 'client' });
    if (!verdict.trusted) return verdict.trustReason ?? 'the chain does not verify';
    if (!verdict.timeValid) return verdict.daysLeft < 0 ? 'the certificate has expired' : 'the certificate is not valid yet';
    const purpose = verdict.problems.find((p) => p.rule === 'not-for-client-auth');
    if (purpose) return `${purpose.detail} (OpenSSL error 26, unsupported certificate purpose)`;
    if (verdict.problems.length > 0) return verdict.problems[0]?.detail ?? 'the chain breaks a rule of path validation';
    return null;
  };
}
