// Which IP addresses are not public unicast ones, after the IANA special-purpose registries:
// loopback, private, link-local, CGNAT, documentation, multicast, reserved. The HTTP fetcher's
// address policy refuses them; the header analyzer takes private and loopback ones for an
// organisation's own hosts.
import { inRange, ipv4Bytes, ipv6Bytes, isIPv4, isIPv6 } from './ip.js';

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

