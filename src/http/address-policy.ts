// Which addresses a fetch may connect to. URLs in certificates and DNS are chosen by whoever runs
// the server, so by default only public unicast addresses are allowed: nothing that reaches our
// own host or network (loopback, private, link-local …) and nothing that is not unicast on the
// internet (multicast, documentation, reserved), after the IANA special-purpose registries.
import { isIPv4, isIPv6 } from '../core/ip.js';
import type { AddressPolicy } from './fetcher.js';

type Range = readonly [prefix: string, bits: number, reason: string];

const IPV4_RANGES: readonly Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  // 255.255.255.255 (broadcast) included.
  ['240.0.0.0', 4, 'reserved'],
];

/** Outside global unicast (2000::/3): named for the reason given; the rest is 'reserved'. */
const IPV6_NAMED: readonly Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

/** Inside global unicast but not public. */
const IPV6_SPECIAL: readonly Range[] = [
  ['2001::', 32, 'teredo'],
  ['2001:2::', 48, 'benchmarking'],
  ['2001:10::', 28, 'orchid'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
];

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

/** A valid IPv6 address as 16 bytes (hex digits in either case: parseInt reads both). */
function ipv6Bytes(text: string): number[] {
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

function inRange(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i]! ^ prefix[i]!) & mask) !== 0) return false;
  }
  return true;
}

function match(bytes: readonly number[], ranges: readonly Range[], parse: (text: string) => number[]): string | null {
  return ranges.find(([prefix, bits]) => inRange(bytes, parse(prefix), bits))?.[2] ?? null;
}

function ipv4Refusal(bytes: readonly number[]): string | null {
  return match(bytes, IPV4_RANGES, ipv4Bytes);
}

function ipv6Refusal(bytes: readonly number[]): string | null {
  // Addresses that carry an IPv4 address are judged by it: ::ffff:0:0/96 (IPv4-mapped),
  // 64:ff9b::/96 (NAT64) and 2002::/16 (6to4).
  const embedded = (v4: number[], kind: string) => {
    const reason = ipv4Refusal(v4);
    return reason === null ? null : `${reason} (${kind})`;
  };
  if (inRange(bytes, ipv6Bytes('::ffff:0:0'), 96)) return embedded(bytes.slice(12), 'IPv4-mapped');
  if (inRange(bytes, ipv6Bytes('64:ff9b::'), 96)) return embedded(bytes.slice(12), 'NAT64');
  if (inRange(bytes, ipv6Bytes('2002::'), 16)) return embedded(bytes.slice(2, 6), '6to4');
  if (!inRange(bytes, ipv6Bytes('2000::'), 3)) return match(bytes, IPV6_NAMED, ipv6Bytes) ?? 'reserved';
  return match(bytes, IPV6_SPECIAL, ipv6Bytes);
}

/** Why an address is not a public unicast one ('loopback', 'private' …), or null when it is. */
export function nonPublicReason(address: string): string | null {
  if (isIPv4(address)) return ipv4Refusal(ipv4Bytes(address));
  if (isIPv6(address)) return ipv6Refusal(ipv6Bytes(address));
  return 'not an IP address';
}

/** Allows public unicast addresses only, on any port. */
export const publicOnlyPolicy: AddressPolicy = (address) => nonPublicReason(address) ?? true;
