// Pure syntax checks for IP address literals. core/ may not import node:net (only the adapters
// touch sockets), so target parsing uses these instead of net.isIP.

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Dotted-quad IPv4: four decimal octets 0-255, no leading zeros (they are octal to some parsers). */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => DECIMAL_OCTET.test(p) && Number(p) <= 255);
}

/**
 * IPv6 in any of its textual forms (RFC 4291 §2.2): eight hex groups, one `::` standing for one
 * or more zero groups, and an optional dotted-quad tail. Zone indices (`%eth0`) are not accepted.
 */
export function isIPv6(text: string): boolean {
  let body = text;
  let tailGroups = 0;
  const lastColon = body.lastIndexOf(':');
  if (lastColon < 0) return false;
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isIPv4(last)) return false;
    // Keep the trailing ':' so "::1.2.3.4" still reads as "::" followed by the IPv4 tail.
    body = body.slice(0, lastColon + 1);
    tailGroups = 2;
    if (body.endsWith('::')) {
      // fine: "::" then the IPv4 tail
    } else {
      body = body.slice(0, -1);
    }
  }
  const doubles = body.split('::');
  if (doubles.length > 2) return false;
  const groupsOf = (s: string): string[] | null => {
    if (s === '') return [];
    const groups = s.split(':');
    return groups.every((g) => HEX_GROUP.test(g)) ? groups : null;
  };
  if (doubles.length === 1) {
    const groups = groupsOf(body);
    return groups !== null && groups.length + tailGroups === 8;
  }
  const [before, after] = doubles as [string, string];
  const head = groupsOf(before);
  const tail = groupsOf(after);
  if (head === null || tail === null) return false;
  // "::" stands for at least one zero group.
  return head.length + tail.length + tailGroups <= 7;
}

/** 4, 6, or 0 when the text is not an IP address literal (same contract as net.isIP). */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return 0;
}

/** A valid IPv6 address as 32 hex digits. */
function expandIPv6(address: string): string {
  let text = address.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // The dotted-quad tail is the last two groups.
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  // "::" stands for as many zero groups as make eight. Those, and an empty group on either side of
  // "::", are written "" here: padStart makes every group four digits.
  const [head, tail] = text.split('::') as [string, string?];
  const headGroups = head.split(':');
  const tailGroups = tail === undefined ? [] : tail.split(':');
  const zeros = new Array<string>(8 - headGroups.length - tailGroups.length).fill('');
  return [...headGroups, ...zeros, ...tailGroups].map((g) => g.padStart(4, '0')).join('');
}

/** "192.0.2.1" → "1.2.0.192.in-addr.arpa"; an IPv6 address → its ip6.arpa name; else unchanged. */
export function reverseName(name: string): string {
  const family = ipFamily(name);
  if (family === 4) return `${name.split('.').reverse().join('.')}.in-addr.arpa`;
  if (family === 6) return `${expandIPv6(name).split('').reverse().join('.')}.ip6.arpa`;
  return name;
}

/**
 * A bare IPv6 address whose last group could as well be a port: "::1:25" is the address ::1:25,
 * and it is ::1 with port 25 ("2001:db8::1:2525" likewise). Returns that other reading (the
 * address before the last colon, and the port) when both are possible, else null. Where a port
 * may follow an address, such text is ambiguous: brackets say which is meant ("[::1]:25").
 */
export function ipv6PortReading(text: string): { address: string; port: number } | null {
  const colon = text.lastIndexOf(':');
  const address = text.slice(0, colon);
  const port = text.slice(colon + 1);
  if (colon < 0 || !isIPv6(text) || !isIPv6(address) || !/^[0-9]{1,5}$/.test(port)) return null;
  const n = Number(port);
  return n >= 1 && n <= 65535 ? { address, port: n } : null;
}

// ---------------------------------------------------------------- bytes and networks

/** A valid IPv4 address as 4 bytes. */
export function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

/** A valid IPv6 address as 16 bytes (hex digits in either case: parseInt reads both). */
export function ipv6Bytes(text: string): number[] {
  let body = text;
  let tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    tail = ipv4Bytes(last);
    // Keep the colon: "::1.2.3.4" is "::" then the tail.
    body = body.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const [head, rest] = body.split('::') as [string, string?];
  const before = groups(head);
  const after = groups(rest ?? '');
  const zeros = new Array<number>(8 - tail.length / 2 - before.length - after.length).fill(0);
  return [...[...before, ...zeros, ...after].flatMap((g) => [g >> 8, g & 0xff]), ...tail];
}

/** Whether the address bytes lie in prefix/bits. */
export function inRange(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i]! ^ prefix[i]!) & mask) !== 0) return false;
  }
  return true;
}

/** A network in CIDR notation ("10.0.0.0/8", "2001:db8::/32", or one address), or null when it is not one. */
export function parseCidr(text: string): { bytes: number[]; bits: number } | null {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = ipFamily(address);
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  let bits = max;
  if (slash !== -1) {
    const b = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(b) || Number(b) > max) return null;
    bits = Number(b);
  }
  return { bytes: family === 4 ? ipv4Bytes(address) : ipv6Bytes(address), bits };
}

/** Whether `address` (an IP literal) lies in the network; false when either is not valid or the families differ. */
export function inNetwork(address: string, network: { bytes: readonly number[]; bits: number }): boolean {
  const family = ipFamily(address);
  if (family === 0) return false;
  const bytes = family === 4 ? ipv4Bytes(address) : ipv6Bytes(address);
  return bytes.length === network.bytes.length && inRange(bytes, network.bytes, network.bits);
}

/**
 * One written form per address, to compare addresses given by people with those a socket reports:
 * IPv4 as is, an IPv4-mapped IPv6 address as its IPv4, IPv6 in RFC 5952's compressed lower case.
 * Null for anything that is not an address.
 */
export function canonicalIp(text: string): string | null {
  const t = text.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(t);
  if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(t)) return t;
  if (!isIPv6(t)) return null;
  const b = ipv6Bytes(t);
  const groups = Array.from({ length: 8 }, (_, i) => (((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0)).toString(16));
  // The longest run of two or more zero groups becomes "::" (the first of equal runs).
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i >= 2) best = { at: i, length: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}

