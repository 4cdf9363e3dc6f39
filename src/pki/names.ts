// RFC 6125 name matching, the one implementation: does a certificate name a host, a mail domain,
// an IP address? Used by chain verification (pki/verify.ts) and the certificate checks.
import type { X509Certificate } from 'node:crypto';
import type { CertInfo } from '../core/schema.js';
import { normalizeDnsName } from '../core/names.js';

/** Whether one certificate name (possibly "*.example.com") covers a host name, per RFC 6125 §6.4. */
export function nameCovers(pattern: string, host: string): boolean {
  const p = normalizeDnsName(pattern);
  const h = normalizeDnsName(host);
  // An empty name covers nothing (and no name matches an empty host below).
  if (p.length === 0) return false;
  if (!p.includes('*')) return p === h;
  // Only a whole left-most "*" label, over at least two more labels ("*.com" covers nothing).
  if (!p.startsWith('*.')) return false;
  const base = p.slice(2);
  if (base.includes('*') || !base.includes('.')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === base;
}

/** Whether a certificate covers a host name: DNS SANs, or the CN when there is no DNS SAN. */
export function certificateCovers(info: CertInfo, host: string): boolean {
  const names = info.dnsNames.length > 0 ? info.dnsNames : info.commonName ? [info.commonName] : [];
  return names.some((n) => nameCovers(n, host));
}

/** Host-name check per RFC 6125: wildcard only as the whole left-most label, CN only without DNS SANs. */
export function matchesHost(cert: X509Certificate, name: string): boolean {
  const host = name.trim().replace(/\.$/, '');
  // A wildcard in the name we check is no host name: never let it meet a wildcard certificate.
  // (An empty name needs no guard: checkHost matches nothing to it.)
  if (host.includes('*')) return false;
  try {
    return cert.checkHost(host, { partialWildcards: false, multiLabelWildcards: false, wildcards: true, subject: 'default' }) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Postfix's `secure` level with its default `smtp_tls_secure_cert_match = nexthop, dot-nexthop`:
 * a certificate name equal to the mail domain, or any name under it ("mx.example.com" for
 * example.com; a wildcard "*.example.com" too).
 */
export function matchesDomain(info: CertInfo, domain: string): boolean {
  const d = normalizeDnsName(domain);
  if (!d) return false;
  const names = info.dnsNames.length > 0 ? info.dnsNames : [info.commonName].filter((n): n is string => n !== null);
  return names.some((n) => {
    const base = normalizeDnsName(n).replace(/^\*\./, '');
    return base === d || base.endsWith(`.${d}`);
  });
}

export function matchesIp(cert: X509Certificate, ip: string): boolean {
  try {
    return cert.checkIP(ip.replace(/^\[|\]$/g, '')) !== undefined;
  } catch {
    return false;
  }
}
