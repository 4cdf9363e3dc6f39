// TEMPORARY wiring until the DNS facts and the judge land (issue 23 in progress): no lookups, no findings.
import type { Resolver, TrustStore } from '../../core/context.js';
import type { SenderDns } from '../../core/sender-schema.js';
import type { SenderDnsLookupsLike, SenderJudge } from './sender-server.js';
import { verifyChain } from '../../pki/verify.js';

export function defaultDnsLookups(_resolver: Resolver, _ip: string): SenderDnsLookupsLike {
  const dns: SenderDns = { reverse: { names: [], error: null }, forward: [], fcrdns: null, ehlo: null, mailDomain: null, mx: null, spf: null, unfinished: [] };
  return { greeting() {}, mailFrom() {}, result: () => Promise.resolve(dns) };
}

export const defaultJudge: SenderJudge = () => [];

export function defaultClientCertificateProblem(trustStore: TrustStore, now: () => number) {
  return (chain: readonly Buffer[], ehlo: string | null): string | null => {
    const verdict = verifyChain({ chain: [...chain], trustStore, now: now(), name: ehlo, domain: null });
    if (!verdict.trusted) return verdict.trustReason ?? 'the chain does not verify';
    if (!verdict.timeValid) return 'the certificate is not valid at this time';
    return null;
  };
}
