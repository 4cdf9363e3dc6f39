// DNS names as mxray compares them, and the name we announce in EHLO.

/** Lowercase, no surrounding space, no trailing dot: the root ("." or "") becomes "". */
export function normalizeDnsName(name: string): string {
  const trimmed = name.trim();
  return (trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed).toLowerCase();
}

export const HELO_NAME = /^(([a-z0-9-]+\.)+[a-z0-9-]+|\[[0-9a-f:.]+\])$/i;

/** A name fit for EHLO/HELO: a fully qualified domain name or an address literal ([192.0.2.1], [IPv6:…]). */
export function isHeloName(text: string): boolean {
  return text.length <= 254 && HELO_NAME.test(text);
}
