// DNS names as mxray compares them, and the name we announce in EHLO.
import { isIPv4, isIPv6 } from './ip.js';

/** Lowercase, no surrounding space, no trailing dot: the root ("." or "") becomes "". */
export function normalizeDnsName(name: string): string {
  const trimmed = name.trim();
  return (trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed).toLowerCase();
}

const FQDN = /^([a-z0-9-]+\.)+[a-z0-9-]+$/i;

/**
 * A name fit for EHLO/HELO: a fully qualified domain name or an address literal as RFC 5321
 * §4.1.3 writes it: [192.0.2.1], or [IPv6:2001:db8::1] (the tag is required: "[2001:db8::1]" is no
 * address literal, and strict servers refuse it).
 */
export function isHeloName(text: string): boolean {
  if (text.length > 254) return false;
  const literal = /^\[(IPv6:)?([^\]]*)\]$/i.exec(text);
  if (literal) return literal[1] ? isIPv6(literal[2] as string) : isIPv4(literal[2] as string);
  return FQDN.test(text);
}
