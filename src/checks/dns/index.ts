// DNS: what the lookup of the mail domain (or host) and of each MX record showed.
import { type Check, type DomainCheckInput } from '../check.js';
import { assessDns } from './assess-dns.js';

export { assessDns, type DnsAssessContext } from './assess-dns.js';

export const dnsCheck: Check<Pick<DomainCheckInput, 'facts'>> = {
  name: 'dns',
  assess: ({ facts }) =>
    assessDns(facts.dns, {
      domain: facts.target.domain,
      host: facts.target.host,
      resolver: facts.dns.resolver,
      evidence: facts.dnsEvidence,
    }),
};
