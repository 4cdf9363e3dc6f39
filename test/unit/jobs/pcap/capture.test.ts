// CaptureReader: pcap in both byte orders and both resolutions, pcapng with several sections,
// interfaces and timestamp resolutions, every packet block kind, unknown blocks skipped; the same
// packets whatever the chunk sizes; truncation at every byte of a small file; lengths that cannot
// be right; files that are not captures. Files are made by test/helpers/pcap-writer.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureReader, MAX_BLOCK_BYTES, type CaptureReaderStats } from '../../../../src/jobs/pcap/capture.js';
import { ProblemLog, writePcap, writePcapng, type PacketRecord, type PcapngSection } from '../../../helpers/pcap-writer.js';

interface Seen {
  ts: number;
  linkType: number;
  data: number[];
  origLen: number;
}

function read(file: Uint8Array, chunk = file.length || 1): { packets: Seen[]; problems: ProblemLog; stats: CaptureReaderStats } {
  const packets: Seen[] = [];
  const problems = new ProblemLog();
  const reader = new CaptureReader((p) => packets.push({ ts: p.ts, linkType: p.linkType, data: [...p.data], origLen: p.origLen }), problems);
  for (let at = 0; at < file.length; at += chunk) reader.push(file.subarray(at, at + chunk));
  reader.end();
  return { packets, problems, stats: reader.stats };
}

const bytes = (...v: number[]) => Uint8Array.from(v);
const T0 = 1_700_000_000_000;
const PACKETS: PacketRecord[] = [
  { ts: T0 + 0.001, data: bytes(1, 2, 3, 4, 5) },
  { ts: T0 + 1500.25, data: bytes(9, 8, 7), origLen: 60 },
  { ts: T0 + 2000, data: new Uint8Array(0) },
  { ts: T0 + 3000.5, data: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff) },
];

describe('pcap', () => {
  for (const bigEndian of [false, true]) {
    it(`reads a ${bigEndian ? 'big' : 'little'}-endian microsecond file: times, link type, data, lengths`, () => {
      const { packets, problems, stats } = read(writePcap(PACKETS, { linkType: 1, bigEndian }));
      expect(problems.counts).toEqual({});
      expect(stats.format).toBe('pcap');
      expect(stats.notCapture).toBe(false);
      expect(stats.linkTypes).toEqual([1]);
      expect(packets.map((p) => p.data)).toEqual(PACKETS.map((p) => [...p.data]));
      expect(packets.map((p) => p.origLen)).toEqual([5, 60, 0, 300]);
      expect(packets.map((p) => p.linkType)).toEqual([1, 1, 1, 1]);
      packets.forEach((p, i) => expect(p.ts).toBeCloseTo(PACKETS[i]!.ts, 3));
      expect(stats.packets).toBe(4);
      expect(stats.packetBytes).toBe(5 + 3 + 0 + 300);
      expect(stats.firstTs).toBeCloseTo(T0 + 0.001, 3);
      expect(stats.lastTs).toBeCloseTo(T0 + 3000.5, 3);
    });

    it(`reads a ${bigEndian ? 'big' : 'little'}-endian nanosecond file`, () => {
      const file = writePcap([{ ts: T0 + 123.456789, data: bytes(1) }, { ts: T0 + 999.999, data: bytes(2) }], { linkType: 101, bigEndian, nano: true });
      const { packets, stats } = read(file);
      expect(stats.linkTypes).toEqual([101]);
      // The fraction is nanoseconds: read as microseconds it would be 123,456 ms.
      expect(packets[0]!.ts).toBeCloseTo(T0 + 123.456789, 3);
      expect(packets[1]!.ts).toBeCloseTo(T0 + 999.999, 3);
    });
  }

  it('takes the link type from the low 16 bits (the FCS bits above are not part of it)', () => {
    const file = writePcap([{ ts: T0, data: bytes(1) }], { linkType: 0x1000_0000 | (4 << 26) | 113 });
    expect(read(file).packets[0]!.linkType).toBe(113);
  });

  it('counts the bytes of the file', () => {
    const file = writePcap(PACKETS, { linkType: 1 });
    expect(read(file, 7).stats.bytes).toBe(file.length);
  });

  it('stops at a record length over 16 MiB, keeping the packets before it, and reads no further', () => {
    const good = writePcap(PACKETS.slice(0, 2), { linkType: 1 });
    const badRecord = writePcap([{ ts: T0, data: bytes(1, 2, 3, 4) }], { linkType: 1 }).subarray(24);
    // The record's captured length (bytes 8..11, little-endian) made impossible.
    new DataView(badRecord.buffer, badRecord.byteOffset).setUint32(8, MAX_BLOCK_BYTES + 1, true);
    const after = writePcap([{ ts: T0, data: bytes(7) }], { linkType: 1 }).subarray(24);
    const { packets, problems } = read(Uint8Array.from([...good, ...badRecord, ...after]));
    expect(packets).toHaveLength(2);
    expect(problems.counts).toEqual({ 'bad-block': 1 });
    expect(problems.first['bad-block']).toMatch(/cannot be read further/);
  });

  it('accepts a record of exactly 16 MiB', () => {
    const big = new Uint8Array(MAX_BLOCK_BYTES);
    big[MAX_BLOCK_BYTES - 1] = 0x5a;
    const packets: Uint8Array[] = [];
    const problems = new ProblemLog();
    const reader = new CaptureReader((p) => packets.push(p.data.slice(-1)), problems);
    const file = writePcap([{ ts: T0, data: big }], { linkType: 1 });
    for (let at = 0; at < file.length; at += 1 << 20) reader.push(file.subarray(at, at + (1 << 20)));
    reader.end();
    expect(problems.counts).toEqual({});
    expect(packets.map((p) => p[0])).toEqual([0x5a]);
  });

  it('holds at most one record between pushes, and lets go of a large one once it is read', () => {
    const big = new Uint8Array(4 << 20);
    const file = writePcap([{ ts: T0, data: big }, ...PACKETS, { ts: T0, data: big }, ...PACKETS], { linkType: 1 });
    const problems = new ProblemLog();
    let packets = 0;
    const reader = new CaptureReader(() => packets++, problems);
    let peak = 0;
    for (let at = 0; at < file.length; at += 100_000) {
      reader.push(file.subarray(at, at + 100_000));
      peak = Math.max(peak, reader.heldBytes);
    }
    const atTheEnd = reader.heldBytes;
    reader.end();
    expect(packets).toBe(10);
    expect(peak).toBeLessThanOrEqual(16 + (4 << 20));
    expect(peak).toBeGreaterThanOrEqual(4 << 20);
    // Once the 4 MiB record is out, the reader does not keep its buffer for the small ones after it.
    expect(atTheEnd).toBeLessThan(1 << 20);
  });

  it('says a huge length at once, without waiting for (or buffering) the bytes it claims', () => {
    const header = writePcap([], { linkType: 1 });
    const record = new Uint8Array(16);
    new DataView(record.buffer).setUint32(8, 0xffffffff, true);
    const problems = new ProblemLog();
    const reader = new CaptureReader(() => undefined, problems);
    reader.push(header);
    reader.push(record);
    expect(problems.counts).toEqual({ 'bad-block': 1 });
  });
});

const SECTIONS: PcapngSection[] = [
  {
    interfaces: [{ linkType: 1 }, { linkType: 101, tsresol: 9 }],
    otherBlocks: [
      { type: 4, body: bytes(1, 0, 4, 0, 192, 0, 2, 1, 0x6d, 0x78, 0, 0, 0, 0, 0, 0) }, // a name resolution block
      { type: 0x40000bad, body: bytes(1, 2, 3, 4, 5) }, // a custom block
    ],
    packets: [
      { ts: T0 + 1.5, data: bytes(1, 1, 1), iface: 0 },
      { ts: T0 + 2.000123, data: bytes(2, 2), iface: 1 },
      { ts: T0 + 3, data: bytes(3), iface: 0, block: 'pb' },
    ],
  },
  {
    bigEndian: true,
    interfaces: [{ linkType: 113, tsresol: 0x80 | 10 }, { linkType: 276, tsresol: 3, tsoffset: 1_000_000 }],
    packets: [
      { ts: T0 + 4.5, data: bytes(4, 4, 4, 4), iface: 0 },
      { ts: T0 + 5, data: bytes(5), iface: 1, origLen: 1500 },
      { ts: T0 + 6, data: bytes(6, 6), iface: 1, block: 'pb' }, // its interface number is 16 bits: read as 32 it would be 65,536
    ],
  },
];

describe('pcapng', () => {
  it('reads several sections of either byte order, their interfaces, every packet block and timestamp resolution', () => {
    const { packets, problems, stats } = read(writePcapng(SECTIONS));
    expect(problems.counts).toEqual({});
    expect(stats.format).toBe('pcapng');
    expect(stats.linkTypes).toEqual([1, 101, 113, 276]);
    expect(packets.map((p) => [p.linkType, p.data])).toEqual([
      [1, [1, 1, 1]],
      [101, [2, 2]],
      [1, [3]],
      [113, [4, 4, 4, 4]],
      [276, [5]],
      [276, [6, 6]],
    ]);
    expect(packets[0]!.ts).toBeCloseTo(T0 + 1.5, 3); // µs by default
    expect(packets[1]!.ts).toBeCloseTo(T0 + 2.000123, 3); // ns (a double holds ~0.25 µs at this size)
    expect(packets[2]!.ts).toBeCloseTo(T0 + 3, 3);
    expect(Math.abs(packets[3]!.ts - (T0 + 4.5))).toBeLessThan(1); // 2^-10 s units: ~1 ms
    expect(packets[4]!.ts).toBeCloseTo(T0 + 5, 3); // ms units after an offset of 1,000,000 s
    expect(packets[4]!.origLen).toBe(1500);
  });

  it('adds if_tsoffset (seconds) to every time', () => {
    // The writer stores T0 − 86,400 s in the block: without the offset the time would be a day early.
    const { packets } = read(writePcapng([{ interfaces: [{ linkType: 1, tsoffset: 86400 }], packets: [{ ts: T0, data: bytes(1) }] }]));
    expect(packets[0]!.ts).toBeCloseTo(T0, 3);
  });

  it('reads interface options only up to opt_endofopt', () => {
    const le = (v: number, n: number) => Array.from({ length: n }, (_, i) => (v / 256 ** i) & 0xff);
    // An IDB whose end-of-options is followed by junk shaped like if_tsresol = milliseconds.
    const idb = Uint8Array.from([...le(1, 2), 0, 0, ...le(0, 4), 0, 0, 0, 0, 9, 0, 1, 0, 3, 0, 0, 0]);
    const units = T0 * 1000; // microseconds
    const epb = Uint8Array.from([...le(0, 4), ...le(Math.floor(units / 2 ** 32), 4), ...le(units % 2 ** 32, 4), ...le(1, 4), ...le(1, 4), 7, 0, 0, 0]);
    const file = writePcapng([{ interfaces: [], packets: [], otherBlocks: [{ type: 1, body: idb }, { type: 6, body: epb }] }]);
    const { packets, problems } = read(file);
    expect(problems.counts).toEqual({});
    expect(packets).toHaveLength(1);
    expect(packets[0]!.ts).toBeCloseTo(T0, 3);
  });

  it('numbers interfaces per section: a packet on an interface its section does not describe is counted and skipped', () => {
    const file = writePcapng([
      { interfaces: [{ linkType: 1 }, { linkType: 101 }], packets: [{ ts: T0, data: bytes(1), iface: 1 }] },
      { interfaces: [{ linkType: 113 }], packets: [{ ts: T0, data: bytes(2), iface: 0 }] },
    ]);
    // Point the second section's packet at interface 1, which only the first section had.
    const view = new DataView(file.buffer);
    const lastEpb = file.length - 36; // EPB: 28 bytes of header + 1 byte padded to 4 + the length
    expect(view.getUint32(lastEpb, true)).toBe(6);
    view.setUint32(lastEpb + 8, 1, true);
    const { packets, problems } = read(file);
    expect(packets.map((p) => p.linkType)).toEqual([101]);
    expect(problems.counts).toEqual({ 'bad-block': 1 });
  });

  it("cuts a Simple Packet Block's data at its interface's snaplen and gives it the previous packet's time", () => {
    const file = writePcapng([
      {
        interfaces: [{ linkType: 1, snaplen: 8 }],
        packets: [
          { ts: T0 + 7, data: bytes(0) },
          // The block holds 12 bytes (a writer pads or leaves junk): only the snaplen's 8 are the packet.
          { ts: 0, data: bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), origLen: 100, block: 'spb' },
        ],
      },
    ]);
    const { packets, problems } = read(file);
    expect(problems.counts).toEqual({});
    expect(packets[1]).toMatchObject({ data: [1, 2, 3, 4, 5, 6, 7, 8], origLen: 100 });
    expect(packets[1]!.ts).toBeCloseTo(T0 + 7, 3);
  });

  it('a Simple Packet Block shorter than its packet (origLen) keeps what it holds', () => {
    const file = writePcapng([{ interfaces: [{ linkType: 1 }], packets: [{ ts: 0, data: bytes(1, 2, 3, 4), origLen: 1000, block: 'spb' }] }]);
    expect(read(file).packets[0]).toMatchObject({ data: [1, 2, 3, 4], origLen: 1000 });
  });

  it('an EPB whose captured length runs past its block is counted and skipped; the next is read', () => {
    const file = writePcapng([{ interfaces: [{ linkType: 1 }], packets: [{ ts: T0, data: bytes(1, 2, 3, 4) }, { ts: T0, data: bytes(5) }] }]);
    const firstEpb = 28 + 20; // SHB (28) + IDB (20)
    new DataView(file.buffer).setUint32(firstEpb + 20, 400, true);
    const { packets, problems } = read(file);
    expect(packets.map((p) => p.data)).toEqual([[5]]);
    expect(problems.counts).toEqual({ 'bad-block': 1 });
  });

  for (const [what, length] of [
    ['under the minimum', 8],
    ['not a multiple of 4', 22],
    ['over 16 MiB', MAX_BLOCK_BYTES + 4],
  ] as const) {
    it(`stops at a block length ${what}, keeping the packets before it`, () => {
      const file = writePcapng([{ interfaces: [{ linkType: 1 }], packets: [{ ts: T0, data: bytes(1) }, { ts: T0, data: bytes(2) }, { ts: T0, data: bytes(3) }] }]);
      const secondEpb = 28 + 20 + 36;
      new DataView(file.buffer).setUint32(secondEpb + 4, length, true);
      const { packets, problems } = read(file);
      expect(packets.map((p) => p.data)).toEqual([[1]]);
      expect(problems.counts).toEqual({ 'bad-block': 1 });
    });
  }

  it('stops at a section header without its byte-order magic', () => {
    const file = writePcapng([
      { interfaces: [{ linkType: 1 }], packets: [{ ts: T0, data: bytes(1) }] },
      { interfaces: [{ linkType: 1 }], packets: [{ ts: T0, data: bytes(2) }] },
    ]);
    const secondShb = 28 + 20 + 32;
    new DataView(file.buffer).setUint32(secondShb + 8, 0x12345678, true);
    const { packets, problems } = read(file);
    expect(packets.map((p) => p.data)).toEqual([[1]]);
    expect(problems.counts).toEqual({ 'bad-block': 1 });
  });
});

describe('any chunking gives the same packets', () => {
  const files: [string, Uint8Array][] = [
    ['pcap', writePcap(PACKETS, { linkType: 1, bigEndian: true, nano: true })],
    ['pcapng', writePcapng(SECTIONS)],
  ];
  for (const [name, file] of files) {
    it(name, () => {
      const whole = read(file);
      expect(whole.packets.length).toBeGreaterThan(3);
      for (const size of [1, 2, 3, 7, 13, 4096]) {
        const chunked = read(file, size);
        expect(chunked.packets, `chunks of ${size}`).toEqual(whole.packets);
        expect(chunked.problems.counts).toEqual({});
        expect(chunked.stats).toEqual(whole.stats);
      }
    });
  }
});

describe('any chunking (property)', () => {
  it('random chunk boundaries give the packets and stats of the whole file', () => {
    const files = [writePcap(PACKETS, { linkType: 1 }), writePcap(PACKETS, { linkType: 113, bigEndian: true, nano: true }), writePcapng(SECTIONS)];
    const wholes = files.map((f) => read(f));
    fc.assert(
      fc.property(fc.nat(files.length - 1), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 30 }), (which, sizes) => {
        const file = files[which]!;
        const packets: Seen[] = [];
        const problems = new ProblemLog();
        const reader = new CaptureReader((p) => packets.push({ ts: p.ts, linkType: p.linkType, data: [...p.data], origLen: p.origLen }), problems);
        for (let at = 0, i = 0; at < file.length; i++) {
          const n = sizes[i % sizes.length]!;
          reader.push(file.subarray(at, at + n));
          at += n;
        }
        reader.end();
        expect(packets).toEqual(wholes[which]!.packets);
        expect(reader.stats).toEqual(wholes[which]!.stats);
        expect(problems.counts).toEqual({});
      }),
      { numRuns: 300 },
    );
  });
});

describe('truncation at every byte', () => {
  const files: [string, Uint8Array, number[]][] = [];
  {
    const pcap = writePcap(PACKETS, { linkType: 1 });
    const ends = [24];
    for (const p of PACKETS) ends.push(ends[ends.length - 1]! + 16 + p.data.length);
    files.push(['pcap', pcap, ends]);
    const ng = writePcapng(SECTIONS);
    // Block ends, found by walking the lengths (little-endian first section, big-endian second).
    const blockEnds: number[] = [];
    const view = new DataView(ng.buffer);
    let little = true;
    for (let at = 0; at < ng.length; ) {
      if (view.getUint32(at, true) === 0x0a0d0d0a) little = view.getUint32(at + 8, true) === 0x1a2b3c4d;
      at += view.getUint32(at + 4, little);
      blockEnds.push(at);
    }
    files.push(['pcapng', ng, blockEnds]);
  }
  for (const [name, file, ends] of files) {
    it(`${name}: never throws, keeps the packets before the cut, says 'truncated-file' unless the cut falls between units`, () => {
      const whole = read(file).packets;
      for (let cut = 0; cut <= file.length; cut++) {
        const { packets, problems, stats } = read(file.subarray(0, cut), 5);
        expect(whole.slice(0, packets.length), `cut ${cut}`).toEqual(packets);
        if (cut < 4) {
          expect(stats.notCapture, `cut ${cut}`).toBe(true);
          expect(problems.counts).toEqual({ 'bad-block': 1 });
        } else if (ends.includes(cut)) {
          expect(problems.counts, `cut ${cut}`).toEqual({});
        } else {
          expect(problems.counts, `cut ${cut}`).toEqual({ 'truncated-file': 1 });
        }
      }
      expect(read(file.subarray(0, ends[ends.length - 2])).packets.length).toBe(whole.length - 1);
    });
  }
});

describe('not a capture', () => {
  for (const [what, file] of [
    ['text', new TextEncoder().encode('Nov 30 03:50:00 mx postfix/smtpd[1]: connect from example.com[192.0.2.1]\n')],
    ['an empty file', new Uint8Array(0)],
    ['a gzip file', bytes(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3)],
    ['three bytes of a magic', bytes(0xd4, 0xc3, 0xb2)],
  ] as const) {
    it(`${what}: format null, notCapture, one problem, no packets, never throws`, () => {
      const { packets, problems, stats } = read(file, 3);
      expect(stats.format).toBeNull();
      expect(stats.notCapture).toBe(true);
      expect(packets).toEqual([]);
      expect(problems.counts).toEqual({ 'bad-block': 1 });
      expect(problems.first['bad-block']).toMatch(/not a pcap or pcapng file/);
    });
  }

  it('random bytes after a valid header never throw and stay within bounds', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let round = 0; round < 200; round++) {
      const junk = Uint8Array.from({ length: 50 + (round % 97) * 3 }, rnd);
      for (const head of [writePcap([], { linkType: 1 }), writePcapng([{ interfaces: [{ linkType: 1 }], packets: [] }])]) {
        const { packets } = read(Uint8Array.from([...head, ...junk]), 1 + (round % 11));
        for (const p of packets) expect(p.data.length).toBeLessThanOrEqual(junk.length);
      }
    }
  });
});
