// Judges what the DNS step measured: a pure function from DnsFacts to findings.
import type { DnsFacts, Finding } from '../../core/schema.js';
import { makeFinding } from '../../kb/index.js';

export interface DnsAssessContext {
  /** The mail domain (or the host name for a host target); null when there is none. */
  domain: string | null;
  /**
   * For a host target given by name: that name. Its lookup failures (NXDOMAIN, SERVFAIL, time-out)
   * are about the server, not the mail domain, so they are reported under this name.
   */
  host?: string | null;
  /** The resolver's description ("system" or the server queried). */
  resolver: string;
  /** Transcript event numbers of the DNS queries. */
  evidence?: number[];
}

export function assessDns(dns: DnsFacts, ctx: DnsAssessContext): Finding[] {
  const evidence = ctx.evidence ?? [];
  const domain = ctx.host ?? ctx.domain;
  const resolver = ctx.resolver;
  const findings: Finding[] = [];

  switch (dns.status) {
    case 'nxdomain':
      findings.push(makeFinding('dns.nxdomain', { domain }, evidence));
      break;
    case 'servfail':
      findings.push(makeFinding('dns.servfail', { domain, resolver }, evidence));
      break;
    case 'timeout':
      findings.push(makeFinding('dns.timeout', { domain, resolver }, evidence));
      break;
    case 'null-mx':
      findings.push(makeFinding('dns.null-mx', { domain }, evidence));
      break;
    case 'no-mx-implicit': {
      // With no address either, the record's error (below) says so as dns.mx-unresolved.
      const addresses = dns.mx.flatMap((r) => r.addresses);
      findings.push(makeFinding('dns.no-mx', { domain, addresses: addresses.length > 0 ? addresses.join(', ') : 'none' }, evidence));
      break;
    }
    case 'error':
      // REFUSED or any other failure: nothing could be tested, and that must not read as a pass.
      findings.push(makeFinding('dns.error', { domain, resolver, error: dns.error ?? 'no usable answer' }, evidence));
      break;
    // 'ok' and 'not-applicable': nothing to say about the lookup itself.
  }

  // Each record's own trouble. (A lone null MX's record is the root, with no error: nothing more to say.)
  for (const record of dns.mx) {
    const mx = record.exchange;
    if (record.isIpLiteral) findings.push(makeFinding('dns.mx-ip-literal', { mx }, evidence));
    else if (record.error !== null) findings.push(makeFinding('dns.mx-unresolved', { mx, error: record.error }, evidence));
    if (record.cname !== null) findings.push(makeFinding('dns.mx-cname', { mx, cname: record.cname }, evidence));
  }
  return findings;
}
