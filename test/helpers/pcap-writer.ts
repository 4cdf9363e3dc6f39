// Writes capture files for tests and benchmarks: pcap (either byte order, micro- or nanosecond
// stamps) and pcapng (sections, interfaces with if_tsresol/if_tsoffset, EPB/SPB/obsolete PB), and
// the frames inside them: Ethernet (VLAN tags), Linux cooked SLL/SLL2, BSD NULL/LOOP, raw IP,
// then IPv4/IPv6 (options, extension headers, fragments) and TCP. `tcpConversation` turns a
// dialogue (who says what, in turns) into the segments of one TCP connection with correct
// sequence and acknowledgement numbers, and can reorder, duplicate or drop them.
//
// Written from the formats' specifications (pcap-savefile(5), the pcapng draft, RFC 791/8200/9293).
import { ipv4Bytes, ipv6Bytes, isIPv4 } from '../../src/core/ip.js';
import type { CaptureProblem, ProblemCounter } from '../../src/jobs/pcap/model.js';

/** A ProblemCounter that keeps every count and the first detail of each kind, for assertions. */
export class ProblemLog implements ProblemCounter {
  readonly counts: Partial<Record<CaptureProblem, number>> = {};
  readonly first: Partial<Record<CaptureProblem, string>> = {};
  problem(kind: CaptureProblem, detail: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    this.first[kind] ??= detail;
  }
}

// ------------------------------------------------------------------ bytes

class ByteWriter {
  private parts: number[] = [];
  constructor(private readonly little = false) {}
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.little ? this.u8(v).u8(v >> 8) : this.u8(v >> 8).u8(v);
  }
  u32(v: number): this {
    v >>>= 0;
    return this.little ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]! & 0xff);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4 !== 0) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const text = (s: string | Uint8Array | undefined): Uint8Array => (s === undefined ? new Uint8Array(0) : typeof s === 'string' ? new TextEncoder().encode(s) : s);

// ------------------------------------------------------------------ capture files

export interface PacketRecord {
  /** Milliseconds since the epoch (fractions kept to the file's resolution). */
  ts: number;
  /** The captured bytes. */
  data: Uint8Array;
  /** The length on the wire (default: data.length). */
  origLen?: number;
}

export interface PcapOptions {
  linkType: number;
  bigEndian?: boolean;
  nano?: boolean;
  snaplen?: number;
}

/** A pcap file (pcap-savefile(5)). */
export function writePcap(packets: readonly PacketRecord[], opts: PcapOptions): Uint8Array {
  const parts = [pcapHeader(opts)];
  for (const p of packets) parts.push(pcapRecord(p, opts));
  return concatBytes(parts);
}

export function pcapHeader(opts: PcapOptions): Uint8Array {
  return new ByteWriter(!opts.bigEndian)
    .u32(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(2)
    .u16(4)
    .u32(0)
    .u32(0)
    .u32(opts.snaplen ?? 262144)
    .u32(opts.linkType)
    .done();
}

export function pcapRecord(p: PacketRecord, opts: Pick<PcapOptions, 'bigEndian' | 'nano'>): Uint8Array {
  const seconds = Math.floor(p.ts / 1000);
  const fraction = Math.round((p.ts - seconds * 1000) * (opts.nano ? 1e6 : 1e3));
  return new ByteWriter(!opts.bigEndian)
    .u32(seconds)
    .u32(fraction)
    .u32(p.data.length)
    .u32(p.origLen ?? p.data.length)
    .bytes(p.data)
    .done();
}

export interface PcapngInterface {
  linkType: number;
  snaplen?: number;
  /** The if_tsresol byte: 6 = µs (the default when absent), 9 = ns, 0x80|n = 2^-n s. */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: number;
}

export interface PcapngPacket extends PacketRecord {
  iface?: number;
  /** Enhanced (default), Simple, or the obsolete Packet Block. */
  block?: 'epb' | 'spb' | 'pb';
}

export interface PcapngSection {
  bigEndian?: boolean;
  interfaces: PcapngInterface[];
  packets: PcapngPacket[];
  /** Blocks of other types written after the IDBs (type, body): readers must skip them. */
  otherBlocks?: { type: number; body: Uint8Array }[];
}

function block(type: number, body: Uint8Array, little: boolean): Uint8Array {
  const length = 12 + ((body.length + 3) & ~3);
  return new ByteWriter(little).u32(type).u32(length).bytes(body).pad4().u32(length).done();
}

function unitsPerMs(tsresol: number | undefined): number {
  const r = tsresol ?? 6;
  return r & 0x80 ? 2 ** (r & 0x7f) / 1000 : 10 ** r / 1000;
}

/** A pcapng file of one or more sections. */
export function writePcapng(sections: readonly PcapngSection[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const section of sections) {
    const little = !section.bigEndian;
    const shb = new ByteWriter(little).u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff).done();
    parts.push(block(0x0a0d0d0a, shb, little));
    for (const iface of section.interfaces) {
      const w = new ByteWriter(little).u16(iface.linkType).u16(0).u32(iface.snaplen ?? 0);
      if (iface.tsresol !== undefined) w.u16(9).u16(1).u8(iface.tsresol).pad4();
      if (iface.tsoffset !== undefined) {
        const high = Math.floor(iface.tsoffset / 4294967296);
        const low = iface.tsoffset - high * 4294967296;
        w.u16(14).u16(8);
        if (little) w.u32(low).u32(high);
        else w.u32(high).u32(low);
      }
      if (iface.tsresol !== undefined || iface.tsoffset !== undefined) w.u16(0).u16(0);
      parts.push(block(1, w.done(), little));
    }
    for (const other of section.otherBlocks ?? []) parts.push(block(other.type, other.body, little));
    for (const p of section.packets) {
      const iface = section.interfaces[p.iface ?? 0]!;
      const origLen = p.origLen ?? p.data.length;
      if (p.block === 'spb') {
        parts.push(block(3, new ByteWriter(little).u32(origLen).bytes(p.data).done(), little));
        continue;
      }
      const units = Math.round((p.ts - (iface.tsoffset ?? 0) * 1000) * unitsPerMs(iface.tsresol));
      const high = Math.floor(units / 4294967296);
      const low = units - high * 4294967296;
      const w = new ByteWriter(little);
      if (p.block === 'pb') w.u16(p.iface ?? 0).u16(0);
      else w.u32(p.iface ?? 0);
      w.u32(high).u32(low).u32(p.data.length).u32(origLen).bytes(p.data);
      parts.push(block(p.block === 'pb' ? 2 : 6, w.done(), little));
    }
  }
  return concatBytes(parts);
}

// ------------------------------------------------------------------ frames

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export interface TcpDescription {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  /** Any of S, A, F, R, P (e.g. "SA", "PA", "FA"). */
  flags?: string;
  payload?: string | Uint8Array;
  /** TCP options (padded to 4 bytes). */
  options?: Uint8Array;
}

export function tcpHeader(t: TcpDescription): Uint8Array {
  const options = t.options ?? new Uint8Array(0);
  const optLength = (options.length + 3) & ~3;
  const flags = t.flags ?? 'A';
  let bits = 0;
  if (flags.includes('F')) bits |= 0x01;
  if (flags.includes('S')) bits |= 0x02;
  if (flags.includes('R')) bits |= 0x04;
  if (flags.includes('P')) bits |= 0x08;
  if (flags.includes('A')) bits |= 0x10;
  return new ByteWriter()
    .u16(t.sport)
    .u16(t.dport)
    .u32(t.seq)
    .u32(t.ack ?? 0)
    .u8(((20 + optLength) / 4) << 4)
    .u8(bits)
    .u16(65535)
    .u16(0) // checksum: never checked
    .u16(0)
    .bytes(options)
    .pad4()
    .done();
}

export function tcpSegmentBytes(t: TcpDescription): Uint8Array {
  return concatBytes([tcpHeader(t), text(t.payload)]);
}

export interface Ipv4Options {
  /** IP options (padded to 4 bytes). */
  options?: Uint8Array;
  /** More-fragments flag and fragment offset (in 8-byte units). */
  moreFragments?: boolean;
  fragmentOffset?: number;
  /** Write 0 as the total length (segmentation offload). */
  zeroLength?: boolean;
  protocol?: number;
}

export function ipv4Packet(src: string, dst: string, payload: Uint8Array, o: Ipv4Options = {}): Uint8Array {
  const options = o.options ?? new Uint8Array(0);
  const headerLength = 20 + ((options.length + 3) & ~3);
  const total = headerLength + payload.length;
  return new ByteWriter()
    .u8(0x40 | (headerLength / 4))
    .u8(0)
    .u16(o.zeroLength ? 0 : total)
    .u16(0x1234)
    .u16((o.moreFragments ? 0x2000 : 0) | (o.fragmentOffset ?? 0))
    .u8(64)
    .u8(o.protocol ?? 6)
    .u16(0)
    .bytes(ipv4Bytes(src))
    .bytes(ipv4Bytes(dst))
    .bytes(options)
    .pad4()
    .bytes(payload)
    .done();
}

export interface Ipv6Options {
  /** Extension headers before the upper layer: hop-by-hop (0), routing (43), destination options (60), fragment (44), AH (51). */
  extensions?: number[];
  protocol?: number;
  zeroLength?: boolean;
}

export function ipv6Packet(src: string, dst: string, payload: Uint8Array, o: Ipv6Options = {}): Uint8Array {
  const extensions = o.extensions ?? [];
  const chain = [...extensions, o.protocol ?? 6];
  const ext = new ByteWriter();
  for (let i = 0; i < extensions.length; i++) {
    const next = chain[i + 1]!;
    if (extensions[i] === 44) ext.u8(next).u8(0).u16(0x0001).u32(0xabcd); // offset 0, more fragments
    else if (extensions[i] === 51) ext.u8(next).u8(2).u16(0).u32(0x100).u32(1).u32(0); // AH: (2 + 2) × 4 = 16 bytes
    else if (extensions[i] === 43) ext.u8(next).u8(1).u8(0).u8(0).u32(0).bytes(new Array<number>(8).fill(0)); // 16 bytes
    else ext.u8(next).u8(0).bytes([1, 4, 0, 0, 0, 0]); // 8 bytes: one PadN option
  }
  const extBytes = ext.done();
  return new ByteWriter()
    .u32(0x60000000)
    .u16(o.zeroLength ? 0 : extBytes.length + payload.length)
    .u8(chain[0]!)
    .u8(64)
    .bytes(ipv6Bytes(src))
    .bytes(ipv6Bytes(dst))
    .bytes(extBytes)
    .bytes(payload)
    .done();
}

export type LinkName = 'ethernet' | 'sll' | 'sll2' | 'null' | 'null-be' | 'loop' | 'raw' | 'ipv4' | 'ipv6';

export const LINK_TYPE_OF: Record<LinkName, number> = {
  ethernet: 1,
  sll: 113,
  sll2: 276,
  null: 0,
  'null-be': 0,
  loop: 108,
  raw: 101,
  ipv4: 228,
  ipv6: 229,
};

export interface LinkOptions {
  /** 802.1Q / 802.1ad tags (outermost first): each the TPID, e.g. 0x88a8 then 0x8100. */
  vlans?: number[];
  /** Bytes after the IP packet (Ethernet's padding to 60 bytes, an FCS). */
  trailer?: Uint8Array;
  /** BSD address family for NULL/LOOP IPv6 (24, 28 or 30). */
  family6?: number;
}

/** An IP packet inside the named link layer. */
export function linkFrame(link: LinkName, ip: Uint8Array, o: LinkOptions = {}): Uint8Array {
  const v6 = ip[0]! >> 4 === 6;
  const etherType = v6 ? 0x86dd : 0x0800;
  const trailer = o.trailer ?? new Uint8Array(0);
  const w = new ByteWriter();
  switch (link) {
    case 'ethernet':
      w.bytes([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02]);
      for (const tpid of o.vlans ?? []) w.u16(tpid).u16(100);
      w.u16(etherType);
      break;
    case 'sll':
      w.u16(0).u16(1).u16(6).bytes([2, 0, 0, 0, 0, 1, 0, 0]).u16(etherType);
      break;
    case 'sll2':
      w.u16(etherType).u16(0).u32(2).u16(1).u8(0).u8(6).bytes([2, 0, 0, 0, 0, 1, 0, 0]);
      break;
    case 'null': // host byte order, little-endian host
      w.bytes(new ByteWriter(true).u32(v6 ? (o.family6 ?? 30) : 2).done());
      break;
    case 'null-be':
    case 'loop':
      w.u32(v6 ? (o.family6 ?? 30) : 2);
      break;
    default:
      break;
  }
  return concatBytes([w.done(), ip, trailer]);
}

export interface FrameDescription extends TcpDescription {
  link?: LinkName;
  linkOptions?: LinkOptions;
  ipv4?: Ipv4Options;
  ipv6?: Ipv6Options;
}

/** A whole frame (link, IP by the source address's family, TCP) from a description. */
export function tcpFrame(f: FrameDescription): { linkType: number; data: Uint8Array } {
  const segment = tcpSegmentBytes(f);
  const ip = isIPv4(f.src) ? ipv4Packet(f.src, f.dst, segment, f.ipv4) : ipv6Packet(f.src, f.dst, segment, f.ipv6);
  const link = f.link ?? 'ethernet';
  return { linkType: LINK_TYPE_OF[link], data: linkFrame(link, ip, f.linkOptions) };
}

// ------------------------------------------------------------------ conversations

/** A small deterministic PRNG (mulberry32), so reordered captures are the same every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Turn {
  from: 'client' | 'server';
  data: string | Uint8Array;
}

export interface ConversationOptions {
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  turns: readonly Turn[];
  /** Largest payload per segment (1460). */
  mss?: number;
  clientIsn?: number;
  serverIsn?: number;
  /** Time of the first segment (ms) and between segments. */
  startTs?: number;
  stepMs?: number;
  /** Leave out the three-way handshake (a capture begun mid-flow). */
  noHandshake?: boolean;
  /** How it ends: FIN both ways (default), a RST from the client, or not at all. */
  close?: 'fin' | 'rst' | 'none';
}

export interface ConversationSegment extends TcpDescription {
  ts: number;
  fromClient: boolean;
}

/** The segments of one TCP connection carrying the turns, with correct seq/ack. */
export function tcpConversation(o: ConversationOptions): ConversationSegment[] {
  const mss = o.mss ?? 1460;
  let ts = o.startTs ?? 1_700_000_000_000;
  const step = o.stepMs ?? 1;
  let cSeq = (o.clientIsn ?? 1000) >>> 0;
  let sSeq = (o.serverIsn ?? 5000) >>> 0;
  const out: ConversationSegment[] = [];
  const c = o.client;
  const s = o.server;
  const push = (fromClient: boolean, flags: string, payload?: Uint8Array) => {
    const seg: ConversationSegment = fromClient
      ? { src: c.ip, dst: s.ip, sport: c.port, dport: s.port, seq: cSeq, ack: sSeq, flags, ts, fromClient }
      : { src: s.ip, dst: c.ip, sport: s.port, dport: c.port, seq: sSeq, ack: cSeq, flags, ts, fromClient };
    if (payload) seg.payload = payload;
    if (!flags.includes('A')) delete seg.ack;
    out.push(seg);
    ts += step;
    const consumed = (payload?.length ?? 0) + (flags.includes('S') ? 1 : 0) + (flags.includes('F') ? 1 : 0);
    if (fromClient) cSeq = (cSeq + consumed) >>> 0;
    else sSeq = (sSeq + consumed) >>> 0;
  };
  if (!o.noHandshake) {
    push(true, 'S');
    push(false, 'SA');
    push(true, 'A');
  }
  for (const turn of o.turns) {
    const bytes = text(turn.data);
    const fromClient = turn.from === 'client';
    for (let at = 0; at < bytes.length; at += mss) push(fromClient, 'PA', bytes.subarray(at, Math.min(bytes.length, at + mss)));
    push(!fromClient, 'A');
  }
  const close = o.close ?? 'fin';
  if (close === 'fin') {
    push(true, 'FA');
    push(false, 'FA');
    push(true, 'A');
  } else if (close === 'rst') {
    push(true, 'RA');
  }
  return out;
}

/** Swaps neighbouring segments at random (each pair with probability p), deterministically by seed. */
export function reorder<T>(segments: readonly T[], seed: number, p = 0.3): T[] {
  const out = [...segments];
  const rnd = prng(seed);
  for (let i = 0; i + 1 < out.length; i++) {
    if (rnd() < p) {
      const a = out[i]!;
      out[i] = out[i + 1]!;
      out[i + 1] = a;
      i++;
    }
  }
  return out;
}

/** Repeats segments at random (each with probability p) right after themselves or a few later. */
export function duplicate<T>(segments: readonly T[], seed: number, p = 0.2): T[] {
  const out: T[] = [];
  const rnd = prng(seed);
  const later: { at: number; seg: T }[] = [];
  segments.forEach((seg, i) => {
    out.push(seg);
    if (rnd() < p) later.push({ at: i + 1 + Math.floor(rnd() * 4), seg });
    for (const l of later.filter((x) => x.at === i)) out.push(l.seg);
  });
  for (const l of later.filter((x) => x.at >= segments.length)) out.push(l.seg);
  return out;
}

/** Leaves out the segments whose indexes are given. */
export function drop<T>(segments: readonly T[], indexes: readonly number[]): T[] {
  return segments.filter((_, i) => !indexes.includes(i));
}

/** The conversation's frames as capture records, on one link type. */
export function conversationRecords(segments: readonly ConversationSegment[], link: LinkName = 'ethernet'): PacketRecord[] {
  return segments.map((seg) => ({ ts: seg.ts, data: tcpFrame({ ...seg, link }).data }));
}
