// A streaming reader of pcap and pcapng files: bytes pushed in chunks of any size come out as
// CapturedPacket, the same packets whatever the chunking. It holds at most one block (or record)
// that straddles chunks, never the file: a block is read in place from the chunk when it lies
// wholly inside it, and only the piece that crosses a chunk boundary is copied.
//
// Neither format can be resynchronised after a length that cannot be right (there is no marker to
// search for), so such a length stops the reading of that file: counted once ('bad-block'), the
// packets before it kept. A file that ends inside a header or a block counts 'truncated-file'.
//
// Not a capture at all: when the first four bytes are neither pcap's nor pcapng's magic, the reader
// stops, `stats.format` stays null and `stats.notCapture` is true, with a 'bad-block' problem whose
// detail says so ("not a pcap or pcapng file"). The caller (the CLI) turns that into its usage
// error; the reader itself never throws on input.

import type { CapturedPacket, ProblemCounter } from './model.js';

/** What the reader saw; the lead copies these into CaptureStats. */
export interface CaptureReaderStats {
  format: 'pcap' | 'pcapng' | null;
  /** True when the first bytes are not a pcap or pcapng magic number (or the file is empty). */
  notCapture: boolean;
  /** Link types seen (each once, in order of first sight). */
  linkTypes: number[];
  packets: number;
  /** Bytes of the file read (pushed), the measure of throughput. */
  bytes: number;
  /** Bytes of packet data captured (the sum of the packets' captured lengths). */
  packetBytes: number;
  firstTs: number | null;
  lastTs: number | null;
}

/** The largest time a Date holds (±8.64e15 ms). */
const MAX_TIME_MS = 8.64e15;

/** The longest block or record we accept: longer is a damaged length (or a hostile file). */
export const MAX_BLOCK_BYTES = 16 * 1024 * 1024;

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;

const BLOCK_IDB = 1;
/** Interface descriptions kept per pcapng section (real captures have a handful). */
export const MAX_INTERFACES = 4096;
const BLOCK_PB = 2; // the obsolete Packet Block
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;

/** Once a buffer this large was needed for one block it is dropped afterwards, not kept for the rest of the file. */
const KEEP_PENDING_BYTES = 1024 * 1024;

interface PcapngInterface {
  linkType: number;
  snaplen: number;
  /** Milliseconds per timestamp unit. */
  msPerUnit: number;
  /** if_tsoffset, in milliseconds. */
  offsetMs: number;
}

function u32(b: Uint8Array, at: number, little: boolean): number {
  return little
    ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
    : ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function u16(b: Uint8Array, at: number, little: boolean): number {
  return little ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!;
}

/** if_tsresol: the high bit says a power of two, else a power of ten (RFC-draft pcapng §4.2). */
function msPerUnitOf(tsresol: number): number {
  const exp = tsresol & 0x7f;
  return tsresol & 0x80 ? 1000 / 2 ** exp : 1000 / 10 ** exp;
}

export class CaptureReader {
  readonly stats: CaptureReaderStats = {
    format: null,
    notCapture: false,
    linkTypes: [],
    packets: 0,
    bytes: 0,
    packetBytes: 0,
    firstTs: null,
    lastTs: null,
  };

  /** The bytes of a unit that straddles chunks (only its first `pendingLength` are filled). */
  private pending: Uint8Array = new Uint8Array(0);
  private pendingLength = 0;
  /** Reading stopped: not a capture, or a length that cannot be right. */
  private stopped = false;
  private ended = false;
  private headerRead = false;
  private little = true;
  // pcap
  private pcapLinkType = 0;
  private pcapNano = false;
  // pcapng: the current section's interfaces
  private interfaces: PcapngInterface[] = [];
  /** The last packet's time: the Simple Packet Block carries none. */
  private lastPacketTs = 0;

  constructor(
    private readonly onPacket: (p: CapturedPacket) => void,
    private readonly problems: ProblemCounter,
  ) {}

  /** Bytes the reader holds between pushes (the buffer of a unit that straddles chunks): memory, for tests. */
  get heldBytes(): number {
    return this.pending.length;
  }

  push(chunk: Uint8Array): void {
    if (this.ended) return;
    this.stats.bytes += chunk.length;
    if (this.stopped) return;
    // A plain view of a Node Buffer: its subarrays (one per packet) are then plain Uint8Arrays, cheaper to make.
    if (Object.getPrototypeOf(chunk) !== Uint8Array.prototype) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    let at = 0;
    // First finish the unit begun in an earlier chunk, copying only what it still needs.
    while (this.pendingLength > 0 && !this.stopped) {
      const need = this.unitLength(this.pending, 0, this.pendingLength);
      if (need < 0) return;
      if (this.pendingLength >= need) {
        this.readUnit(this.pending, 0, need);
        this.pendingLength = 0;
        if (this.pending.length > KEEP_PENDING_BYTES) this.pending = new Uint8Array(0);
        break;
      }
      if (at >= chunk.length) return;
      const take = Math.min(need - this.pendingLength, chunk.length - at);
      this.stash(chunk, at, take, need);
      at += take;
    }
    while (!this.stopped && at < chunk.length) {
      const available = chunk.length - at;
      const need = this.unitLength(chunk, at, available);
      if (need < 0) return;
      if (available < need) {
        this.stash(chunk, at, available, need);
        return;
      }
      this.readUnit(chunk, at, need);
      at += need;
    }
  }

  /** The file is over: a unit left unfinished is a truncated file. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.stopped) return;
    if (!this.headerRead && this.pendingLength < 4) {
      this.stats.notCapture = true;
      this.problems.problem('bad-block', `not a pcap or pcapng file (${this.stats.bytes} bytes)`);
      return;
    }
    if (this.pendingLength > 0) {
      this.problems.problem(
        'truncated-file',
        `the file ends ${this.pendingLength} bytes into a ${this.headerRead ? (this.stats.format === 'pcap' ? 'packet record' : 'block') : 'file header'}`,
      );
      this.pendingLength = 0;
    }
  }

  /** Copies `count` bytes into the pending unit, whose whole length will be at least `need`. */
  private stash(from: Uint8Array, at: number, count: number, need: number): void {
    if (this.pending.length < need) {
      // The minimum headers are small; a whole block is allocated once its length is known.
      const grown = new Uint8Array(Math.max(need, 64));
      grown.set(this.pending.subarray(0, this.pendingLength));
      this.pending = grown;
    }
    this.pending.set(from.subarray(at, at + count), this.pendingLength);
    this.pendingLength += count;
  }

  private stop(kind: 'bad-block', detail: string): number {
    this.stopped = true;
    this.pendingLength = 0;
    this.problems.problem(kind, detail);
    return -1;
  }

  /**
   * The length of the next unit (file header, record or block) starting at `at`: once enough of it
   * is there to tell, its whole length, else the length of the header that tells it. -1 when the
   * reading must stop (the reason counted).
   */
  private unitLength(b: Uint8Array, at: number, available: number): number {
    if (!this.headerRead) {
      if (available < 4) return 4;
      const be = u32(b, at, false);
      const le = u32(b, at, true);
      if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) return 24;
      if (be === PCAPNG_SHB) return this.blockLength(b, at, available);
      this.stats.notCapture = true;
      return this.stop('bad-block', 'not a pcap or pcapng file (the first bytes are not a capture magic number)');
    }
    if (this.stats.format === 'pcap') {
      if (available < 16) return 16;
      const caplen = u32(b, at + 8, this.little);
      if (caplen > MAX_BLOCK_BYTES) {
        return this.stop('bad-block', `a packet record says ${caplen} captured bytes (at most ${MAX_BLOCK_BYTES}): the file cannot be read further`);
      }
      return 16 + caplen;
    }
    return this.blockLength(b, at, available);
  }

  /** pcapng: a block's total length, in the byte order of its section (an SHB says its own). */
  private blockLength(b: Uint8Array, at: number, available: number): number {
    if (available < 8) return 8;
    const isShb = u32(b, at, true) === PCAPNG_SHB;
    let little = this.little;
    if (isShb) {
      if (available < 12) return 12;
      const bomLittle = u32(b, at + 8, true);
      if (bomLittle === PCAPNG_BOM) little = true;
      else if (u32(b, at + 8, false) === PCAPNG_BOM) little = false;
      else return this.stop('bad-block', 'a section header block without its byte-order magic');
    }
    const length = u32(b, at + 4, little);
    const minimum = isShb ? 28 : 12;
    if (length < minimum || length > MAX_BLOCK_BYTES || length % 4 !== 0) {
      return this.stop('bad-block', `a pcapng block (type ${u32(b, at, little)}) says its length is ${length}: the file cannot be read further`);
    }
    return length;
  }

  /** Reads one whole unit of `length` bytes at `at`. */
  private readUnit(b: Uint8Array, at: number, length: number): void {
    if (!this.headerRead) {
      this.headerRead = true;
      if (u32(b, at, true) === PCAPNG_SHB) {
        this.stats.format = 'pcapng';
        this.readBlock(b, at, length);
        return;
      }
      this.stats.format = 'pcap';
      const magic = u32(b, at, true);
      this.little = magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS;
      this.pcapNano = u32(b, at, this.little) === PCAP_MAGIC_NS;
      // The link-layer header type is the low 16 bits; the bits above say whether frames carry an FCS.
      this.pcapLinkType = u32(b, at + 20, this.little) & 0xffff;
      this.sawLinkType(this.pcapLinkType);
      return;
    }
    if (this.stats.format === 'pcap') {
      const seconds = u32(b, at, this.little);
      const fraction = u32(b, at + 4, this.little);
      const ts = seconds * 1000 + (this.pcapNano ? fraction / 1e6 : fraction / 1e3);
      this.emit(ts, this.pcapLinkType, b.subarray(at + 16, at + length), u32(b, at + 12, this.little));
      return;
    }
    this.readBlock(b, at, length);
  }

  private readBlock(b: Uint8Array, at: number, length: number): void {
    const type = u32(b, at, this.little);
    if (type === PCAPNG_SHB) {
      this.little = u32(b, at + 8, true) === PCAPNG_BOM;
      // A new section: its interfaces are numbered from 0 again.
      this.interfaces = [];
      return;
    }
    const little = this.little;
    const end = at + length - 4; // the trailing copy of the length
    if (type === BLOCK_IDB) {
      // Interfaces are kept for the rest of the section: a file of nothing else must not grow memory.
      if (this.interfaces.length >= MAX_INTERFACES) {
        this.problems.problem('bad-block', `more than ${MAX_INTERFACES} interfaces in one section: the rest ignored`);
        return;
      }
      if (length < 20) {
        this.problems.problem('bad-block', `an interface description block of ${length} bytes`);
        return;
      }
      const iface: PcapngInterface = { linkType: u16(b, at + 8, little), snaplen: u32(b, at + 12, little), msPerUnit: 1e-3, offsetMs: 0 };
      this.readInterfaceOptions(b, at + 16, end, iface);
      this.interfaces.push(iface);
      this.sawLinkType(iface.linkType);
      return;
    }
    if (type === BLOCK_EPB || type === BLOCK_PB) {
      if (length < 32) {
        this.problems.problem('bad-block', `a packet block of ${length} bytes`);
        return;
      }
      const ifaceId = type === BLOCK_EPB ? u32(b, at + 8, little) : u16(b, at + 8, little);
      const iface = this.interfaces[ifaceId];
      if (!iface) {
        this.problems.problem('bad-block', `a packet on interface ${ifaceId}, which its section does not describe`);
        return;
      }
      const caplen = u32(b, at + 20, little);
      if (caplen > end - (at + 28)) {
        this.problems.problem('bad-block', `a packet block says ${caplen} captured bytes but holds ${end - (at + 28)}`);
        return;
      }
      const units = u32(b, at + 12, little) * 4294967296 + u32(b, at + 16, little);
      const ts = units * iface.msPerUnit + iface.offsetMs;
      this.emit(ts, iface.linkType, b.subarray(at + 28, at + 28 + caplen), u32(b, at + 24, little));
      return;
    }
    if (type === BLOCK_SPB) {
      const iface = this.interfaces[0];
      if (!iface) {
        this.problems.problem('bad-block', 'a simple packet block in a section that describes no interface');
        return;
      }
      const origLen = u32(b, at + 8, little);
      // The captured length is not written: the packet's length cut at the interface's snaplen (0: none).
      let caplen = iface.snaplen > 0 ? Math.min(origLen, iface.snaplen) : origLen;
      caplen = Math.min(caplen, end - (at + 12));
      this.emit(this.lastPacketTs, iface.linkType, b.subarray(at + 12, at + 12 + caplen), origLen);
    }
    // Any other block (name resolution, statistics, custom, journal…) is skipped by its length.
  }

  private readInterfaceOptions(b: Uint8Array, at: number, end: number, iface: PcapngInterface): void {
    const little = this.little;
    while (at + 4 <= end) {
      const code = u16(b, at, little);
      const length = u16(b, at + 2, little);
      const value = at + 4;
      if (code === 0 || value + length > end) return;
      if (code === 9 && length >= 1) iface.msPerUnit = msPerUnitOf(b[value]!);
      else if (code === 14 && length >= 8) {
        // if_tsoffset: whole seconds (signed 64-bit) added to every timestamp.
        const high = u32(b, little ? value + 4 : value, little) | 0;
        const low = u32(b, little ? value : value + 4, little);
        iface.offsetMs = (high * 4294967296 + low) * 1000;
      }
      at = value + ((length + 3) & ~3);
    }
  }

  private sawLinkType(linkType: number): void {
    if (!this.stats.linkTypes.includes(linkType)) this.stats.linkTypes.push(linkType);
  }

  private emit(time: number, linkType: number, data: Uint8Array, origLen: number): void {
    const s = this.stats;
    // A time no Date can hold (a 64-bit count in a coarse unit, a damaged block): the packet is
    // read, its time taken as the one before it, and the damage counted.
    let ts = time;
    if (!(Math.abs(ts) <= MAX_TIME_MS)) {
      this.problems.problem('bad-packet', 'a time stamp out of range (taken as the previous packet\'s)');
      ts = this.lastPacketTs;
    }
    s.packets++;
    s.packetBytes += data.length;
    if (s.firstTs === null) s.firstTs = ts;
    s.lastTs = ts;
    this.lastPacketTs = ts;
    // A new object each time, so a caller that keeps one does not see it change (its data stays a view into our buffer).
    this.onPacket({ ts, linkType, data, origLen: Math.max(origLen, data.length) });
  }
}
