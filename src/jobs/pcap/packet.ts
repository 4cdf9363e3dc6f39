// One captured packet → one TCP segment: the link layer, IPv4 or IPv6, then TCP. Read in place:
// the payload is a view into the packet's bytes, nothing else is copied. Packets that are not TCP
// (ARP, UDP, ICMP…) are skipped silently; TCP to or from other ports too. What cannot be read is
// counted: a header that does not fit ('bad-packet'), a link type we do not decode
// ('unsupported-link'), an IP fragment ('fragment': not reassembled; mail sessions do not fragment
// in practice), a payload cut by the snapshot length ('snapped', and the segment says how much).
// Checksums are not verified: offload leaves them wrong in captures taken on the sending host.

import type { CapturedPacket, ProblemCounter, TcpSegment } from './model.js';

// LINKTYPE_* values (tcpdump.org/linktypes.html).
const LINK_NULL = 0;
const LINK_ETHERNET = 1;
const LINK_RAW_OLD_12 = 12; // "raw IP" on some BSDs (DLT_RAW's value there)
const LINK_RAW_OLD_14 = 14; // likewise, on others
const LINK_RAW = 101;
const LINK_LOOP = 108;
const LINK_SLL = 113;
const LINK_IPV4 = 228;
const LINK_IPV6 = 229;
const LINK_SLL2 = 276;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_OLD = 0x9100;
/** VLAN tags stacked deeper than this are not a real frame. */
const MAX_VLAN_TAGS = 8;
/** IPv6 extension headers chained longer than this are not a real packet. */
const MAX_IPV6_HEADERS = 16;

/** Where the IP header starts, and its version by the link layer (0: by the first nibble). */
let ipAt = 0;
let ipGuess: 0 | 4 | 6 = 0;

/**
 * The link layer: sets ipAt/ipGuess and returns true, or returns false when the packet carries no
 * IP (nothing counted) or cannot be read (counted).
 */
function readLink(p: CapturedPacket, problems: ProblemCounter): boolean {
  const d = p.data;
  let etherType: number;
  let at: number;
  switch (p.linkType) {
    case LINK_ETHERNET:
      if (d.length < 14) return bad(problems, `an Ethernet frame of ${d.length} bytes`);
      etherType = (d[12]! << 8) | d[13]!;
      at = 14;
      break;
    case LINK_SLL:
      if (d.length < 16) return bad(problems, `a Linux cooked (SLL) frame of ${d.length} bytes`);
      etherType = (d[14]! << 8) | d[15]!;
      at = 16;
      break;
    case LINK_SLL2:
      if (d.length < 20) return bad(problems, `a Linux cooked (SLL2) frame of ${d.length} bytes`);
      etherType = (d[0]! << 8) | d[1]!;
      at = 20;
      break;
    case LINK_NULL:
    case LINK_LOOP: {
      if (d.length < 4) return bad(problems, `a loopback frame of ${d.length} bytes`);
      // The address family, in the byte order of the host that wrote it (NULL) or in network order
      // (LOOP) — in practice either: both are accepted. A little-endian value has its low byte first.
      const family = d[0] === 0 && d[1] === 0 ? d[3]! | (d[2]! << 8) : d[0]! | (d[1]! << 8);
      ipAt = 4;
      if (family === 2) ipGuess = 4;
      else if (family === 24 || family === 28 || family === 30) ipGuess = 6;
      else return false;
      return true;
    }
    case LINK_RAW:
    case LINK_RAW_OLD_12:
    case LINK_RAW_OLD_14:
      ipAt = 0;
      ipGuess = 0;
      return true;
    case LINK_IPV4:
      ipAt = 0;
      ipGuess = 4;
      return true;
    case LINK_IPV6:
      ipAt = 0;
      ipGuess = 6;
      return true;
    default:
      problems.problem('unsupported-link', `link type ${p.linkType}`);
      return false;
  }
  for (let tags = 0; etherType === ETH_VLAN || etherType === ETH_QINQ || etherType === ETH_QINQ_OLD; tags++) {
    if (tags >= MAX_VLAN_TAGS || at + 4 > d.length) return bad(problems, 'a frame whose VLAN tags do not fit');
    etherType = (d[at + 2]! << 8) | d[at + 3]!;
    at += 4;
  }
  ipAt = at;
  if (etherType === ETH_IPV4) ipGuess = 4;
  else if (etherType === ETH_IPV6) ipGuess = 6;
  else return false;
  return true;
}

function bad(problems: ProblemCounter, detail: string): false {
  problems.problem('bad-packet', detail);
  return false;
}

function unreadable(problems: ProblemCounter, detail: string): null {
  problems.problem('bad-packet', detail);
  return null;
}

// Addresses as text: IPv4 strings are cached by value (a capture has few hosts), so a segment
// costs no string building in the common case. The cache is cleared when full: bounded.
const ipv4Cache = new Map<number, string>();
const IPV4_CACHE_MAX = 4096;

function ipv4Text(d: Uint8Array, at: number): string {
  const key = ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
  let text = ipv4Cache.get(key);
  if (text === undefined) {
    text = `${d[at]}.${d[at + 1]}.${d[at + 2]}.${d[at + 3]}`;
    if (ipv4Cache.size >= IPV4_CACHE_MAX) ipv4Cache.clear();
    ipv4Cache.set(key, text);
  }
  return text;
}

/** RFC 5952 text of 16 address bytes, as canonicalIp writes it (an IPv4-mapped address as its IPv4). */
export function ipv6Text(d: Uint8Array, at: number): string {
  let mapped = d[at + 10] === 0xff && d[at + 11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) if (d[at + i] !== 0) mapped = false;
  if (mapped) return ipv4Text(d, at + 12);
  // The longest run of two or more zero groups becomes "::" (the first of equal runs).
  let bestAt = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (d[at + 2 * i] !== 0 || d[at + 2 * i + 1] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && d[at + 2 * j] === 0 && d[at + 2 * j + 1] === 0) j++;
    if (j - i > bestLength) {
      bestAt = i;
      bestLength = j - i;
    }
    i = j;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestAt) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    if (text !== '' && !text.endsWith(':')) text += ':';
    text += ((d[at + 2 * i]! << 8) | d[at + 2 * i + 1]!).toString(16);
  }
  return text;
}

/**
 * The TCP segment in a captured packet, or null: not TCP, not to or from a port in `ports` (an
 * empty set watches every port), or unreadable (counted in `problems`).
 */
export function decodePacket(p: CapturedPacket, ports: ReadonlySet<number>, problems: ProblemCounter): TcpSegment | null {
  if (!readLink(p, problems)) return null;
  const d = p.data;
  const ip = ipAt;
  if (ip >= d.length) return unreadable(problems, 'a frame without its IP header');
  const version = d[ip]! >> 4;
  if (ipGuess !== 0 && version !== ipGuess) return unreadable(problems, `IPv${ipGuess} by the link layer, version ${version} in the header`);
  // The packet's IP bytes on the wire run to ipEnd; captured ones to capEnd (ipEnd is larger when snapped).
  let ipEnd: number;
  let tcp: number;
  let srcAt: number;
  let dstAt: number;
  if (version === 4) {
    if (ip + 20 > d.length) return unreadable(problems, 'an IPv4 header cut short');
    const headerLength = (d[ip]! & 0x0f) * 4;
    if (headerLength < 20 || ip + headerLength > d.length) return unreadable(problems, `an IPv4 header length of ${headerLength}`);
    if (d[ip + 9] !== 6) return null;
    const totalLength = (d[ip + 2]! << 8) | d[ip + 3]!;
    // 0: segmentation offload wrote no length (the NIC fills it in); the packet's length says it.
    ipEnd = totalLength === 0 ? Math.max(p.origLen, d.length) : ip + totalLength;
    if (totalLength !== 0 && totalLength < headerLength) return unreadable(problems, `an IPv4 total length of ${totalLength}`);
    const fragment = ((d[ip + 6]! << 8) | d[ip + 7]!) & 0x3fff; // more-fragments flag and offset
    if (fragment !== 0) {
      problems.problem('fragment', 'an IPv4 fragment of a TCP segment');
      return null;
    }
    srcAt = ip + 12;
    dstAt = ip + 16;
    tcp = ip + headerLength;
  } else if (version === 6) {
    if (ip + 40 > d.length) return unreadable(problems, 'an IPv6 header cut short');
    const payloadLength = (d[ip + 4]! << 8) | d[ip + 5]!;
    ipEnd = payloadLength === 0 ? Math.max(p.origLen, d.length) : ip + 40 + payloadLength;
    srcAt = ip + 8;
    dstAt = ip + 24;
    let next = d[ip + 6]!;
    let at = ip + 40;
    for (let n = 0; next !== 6; n++) {
      if (n >= MAX_IPV6_HEADERS) return unreadable(problems, 'an IPv6 header chain too long');
      if (next === 0 || next === 43 || next === 60 || next === 51) {
        // Hop-by-hop, routing, destination options: (length + 1) × 8 bytes; AH: (length + 2) × 4.
        if (at + 2 > d.length) return unreadable(problems, 'an IPv6 extension header cut short');
        const length = next === 51 ? (d[at + 1]! + 2) * 4 : (d[at + 1]! + 1) * 8;
        next = d[at]!;
        at += length;
      } else if (next === 44) {
        if (at + 8 > d.length) return unreadable(problems, 'an IPv6 fragment header cut short');
        problems.problem('fragment', 'an IPv6 fragment');
        return null;
      } else {
        return null; // another protocol (UDP, ICMPv6…), "no next header", or ESP: not readable TCP
      }
    }
    tcp = at;
  } else {
    return unreadable(problems, `IP version ${version}`);
  }
  const capEnd = Math.min(ipEnd, d.length);
  if (tcp + 20 > capEnd) {
    if (tcp + 20 <= ipEnd) return unreadable(problems, 'a TCP header cut by the snapshot length');
    return unreadable(problems, 'a TCP header beyond the IP packet');
  }
  const srcPort = (d[tcp]! << 8) | d[tcp + 1]!;
  const dstPort = (d[tcp + 2]! << 8) | d[tcp + 3]!;
  if (ports.size > 0 && !ports.has(srcPort) && !ports.has(dstPort)) return null;
  const dataOffset = (d[tcp + 12]! >> 4) * 4;
  if (dataOffset < 20 || tcp + dataOffset > ipEnd) return unreadable(problems, `a TCP data offset of ${dataOffset}`);
  if (tcp + dataOffset > capEnd) return unreadable(problems, 'TCP options cut by the snapshot length');
  const flags = d[tcp + 13]!;
  const missing = ipEnd - capEnd;
  if (missing > 0) problems.problem('snapped', `${missing} bytes of a TCP segment not captured (snapshot length)`);
  return {
    ts: p.ts,
    ipVersion: version === 4 ? 4 : 6,
    src: { ip: version === 4 ? ipv4Text(d, srcAt) : ipv6Text(d, srcAt), port: srcPort },
    dst: { ip: version === 4 ? ipv4Text(d, dstAt) : ipv6Text(d, dstAt), port: dstPort },
    seq: ((d[tcp + 4]! << 24) | (d[tcp + 5]! << 16) | (d[tcp + 6]! << 8) | d[tcp + 7]!) >>> 0,
    ack: ((d[tcp + 8]! << 24) | (d[tcp + 9]! << 16) | (d[tcp + 10]! << 8) | d[tcp + 11]!) >>> 0,
    syn: (flags & 0x02) !== 0,
    ackFlag: (flags & 0x10) !== 0,
    fin: (flags & 0x01) !== 0,
    rst: (flags & 0x04) !== 0,
    payload: d.subarray(tcp + dataOffset, capEnd),
    missing,
  };
}
