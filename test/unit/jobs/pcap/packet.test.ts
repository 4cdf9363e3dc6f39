// decodePacket: every link type we read (Ethernet with stacked VLAN tags, SLL, SLL2, NULL/LOOP in
// both byte orders, raw IP under its three numbers, IPv4 and IPv6 link types), IPv4 options,
// Ethernet padding, offload's zero lengths, IPv6 extension headers, fragments skipped, the
// snapshot length, the port filter, and what cannot be read. Frames come from pcap-writer.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalIp } from '../../../../src/core/ip.js';
import type { CapturedPacket, TcpSegment } from '../../../../src/jobs/pcap/model.js';
import { decodePacket, ipv6Text } from '../../../../src/jobs/pcap/packet.js';
import { ipv4Packet, ipv6Packet, linkFrame, ProblemLog, tcpFrame, tcpSegmentBytes, type FrameDescription, type LinkName } from '../../../helpers/pcap-writer.js';

const SMTP = new Set([25, 587]);
const bytes = (...v: number[]) => Uint8Array.from(v);

function decode(packet: Partial<CapturedPacket> & { data: Uint8Array; linkType: number }, ports: ReadonlySet<number> = SMTP) {
  const problems = new ProblemLog();
  const seg = decodePacket({ ts: 1000, origLen: packet.data.length, ...packet }, ports, problems);
  return { seg, problems: problems.counts, first: problems.first };
}

const V4: FrameDescription = { src: '192.0.2.10', dst: '198.51.100.25', sport: 40000, dport: 25, seq: 0xfffffff0, ack: 0x80000001, flags: 'PA', payload: 'EHLO example.com\r\n' };
const V6: FrameDescription = { ...V4, src: '2001:db8::10', dst: '2001:db8:0:1::25' };

function expectSegment(seg: TcpSegment | null, d: FrameDescription, ipVersion: 4 | 6): void {
  expect(seg).not.toBeNull();
  expect(seg).toMatchObject({
    ts: 1000,
    ipVersion,
    src: { ip: d.src, port: d.sport },
    dst: { ip: d.dst, port: d.dport },
    seq: d.seq,
    ack: d.ack,
    syn: false,
    ackFlag: true,
    fin: false,
    rst: false,
    missing: 0,
  });
  expect(new TextDecoder().decode(seg!.payload)).toBe(d.payload);
}

describe('link types', () => {
  const links: LinkName[] = ['ethernet', 'sll', 'sll2', 'null', 'null-be', 'loop', 'raw', 'ipv4', 'ipv6'];
  for (const link of links) {
    for (const [version, d] of [[4, V4], [6, V6]] as const) {
      if ((link === 'ipv4' && version === 6) || (link === 'ipv6' && version === 4)) continue;
      it(`${link}, IPv${version}`, () => {
        const { seg, problems } = decode(tcpFrame({ ...d, link }));
        expect(problems).toEqual({});
        expectSegment(seg, d, version);
      });
    }
  }

  for (const family of [24, 28, 30]) {
    it(`NULL with the BSD IPv6 family ${family}, in either byte order`, () => {
      expectSegment(decode(tcpFrame({ ...V6, link: 'null', linkOptions: { family6: family } })).seg, V6, 6);
      expectSegment(decode(tcpFrame({ ...V6, link: 'loop', linkOptions: { family6: family } })).seg, V6, 6);
    });
  }

  it('NULL with another family (not IP) is skipped without a problem', () => {
    const frame = tcpFrame({ ...V4, link: 'null' });
    frame.data[0] = 7;
    expect(decode(frame)).toMatchObject({ seg: null, problems: {} });
  });

  for (const linkType of [12, 14]) {
    it(`raw IP under link type ${linkType}`, () => {
      const { data } = tcpFrame({ ...V4, link: 'raw' });
      expectSegment(decode({ data, linkType }).seg, V4, 4);
      const six = tcpFrame({ ...V6, link: 'raw' });
      expectSegment(decode({ data: six.data, linkType }).seg, V6, 6);
    });
  }

  it('an IPv4 link type carrying an IPv6 packet is unreadable', () => {
    const { data } = tcpFrame({ ...V6, link: 'raw' });
    expect(decode({ data, linkType: 228 })).toMatchObject({ seg: null, problems: { 'bad-packet': 1 } });
  });

  it('an unsupported link type is counted', () => {
    const { data } = tcpFrame({ ...V4, link: 'raw' });
    expect(decode({ data, linkType: 105 })).toMatchObject({ seg: null, problems: { 'unsupported-link': 1 } });
  });

  for (const vlans of [[0x8100], [0x88a8, 0x8100], [0x9100, 0x8100, 0x8100]]) {
    it(`Ethernet with VLAN tags ${vlans.map((v) => v.toString(16)).join(' + ')}`, () => {
      expectSegment(decode(tcpFrame({ ...V4, linkOptions: { vlans } })).seg, V4, 4);
      expectSegment(decode(tcpFrame({ ...V6, linkOptions: { vlans } })).seg, V6, 6);
    });
  }

  it('VLAN tags beyond any real frame, or cut short, are unreadable', () => {
    expect(decode(tcpFrame({ ...V4, linkOptions: { vlans: new Array<number>(9).fill(0x8100) } }))).toMatchObject({ seg: null, problems: { 'bad-packet': 1 } });
    const data = tcpFrame({ ...V4, linkOptions: { vlans: [0x8100] } }).data.subarray(0, 16);
    expect(decode({ data, linkType: 1 })).toMatchObject({ seg: null, problems: { 'bad-packet': 1 } });
  });

  it('Ethernet frames that are not IP (ARP) are skipped without a problem', () => {
    const data = tcpFrame(V4).data;
    data[12] = 0x08;
    data[13] = 0x06;
    expect(decode({ data, linkType: 1 })).toEqual({ seg: null, problems: {}, first: {} });
  });

  for (const [link, length] of [['ethernet', 13], ['sll', 15], ['sll2', 19], ['null', 3]] as const) {
    it(`a ${link} frame too short for its header is unreadable`, () => {
      const data = tcpFrame({ ...V4, link }).data.subarray(0, length);
      expect(decode({ data, linkType: tcpFrame({ ...V4, link }).linkType })).toMatchObject({ seg: null, problems: { 'bad-packet': 1 } });
    });
  }
});

describe('IPv4', () => {
  it('reads past IP options (IHL)', () => {
    const d = { ...V4, ipv4: { options: bytes(1, 1, 1, 0, 0x94, 4, 0, 0) } }; // NOPs, end, router alert
    expectSegment(decode(tcpFrame(d)).seg, V4, 4);
  });

  it("ignores Ethernet's padding after the packet (the total length says where it ends)", () => {
    const d: FrameDescription = { ...V4, payload: 'Q\r\n', linkOptions: { trailer: bytes(0, 0, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef) } };
    const { seg } = decode(tcpFrame(d));
    expect(new TextDecoder().decode(seg!.payload)).toBe('Q\r\n');
    expect(seg!.missing).toBe(0);
  });

  it('a total length of 0 (segmentation offload) takes the captured length', () => {
    expectSegment(decode(tcpFrame({ ...V4, ipv4: { zeroLength: true } })).seg, V4, 4);
  });

  it('a header length under 20, or a total length under the header, is unreadable', () => {
    const data = tcpFrame({ ...V4, link: 'raw' }).data;
    data[0] = 0x44;
    expect(decode({ data, linkType: 101 })).toMatchObject({ seg: null, problems: { 'bad-packet': 1 } });
    const short = tcpFrame({ ...V4, link: 'raw' }).data;
    short[2] = 0;
    short[3] = 12;
    expect(decode({ data: short, linkType: 101 })).toMatchObject({ seg: null, problems: { 'bad-packet': 1 } });
  });

  it('fragments (more-fragments flag, or an offset) are counted and skipped', () => {
    expect(decode(tcpFrame({ ...V4, ipv4: { moreFragments: true } }))).toMatchObject({ seg: null, problems: { fragment: 1 } });
    expect(decode(tcpFrame({ ...V4, ipv4: { fragmentOffset: 185 } }))).toMatchObject({ seg: null, problems: { fragment: 1 } });
  });

  it('the "don\'t fragment" flag is not a fragment', () => {
    const data = tcpFrame({ ...V4, link: 'raw' }).data;
    data[6] = 0x40;
    expectSegment(decode({ data, linkType: 101 }).seg, V4, 4);
  });

  it('other protocols (UDP) are skipped without a problem', () => {
    const data = ipv4Packet(V4.src, V4.dst, tcpSegmentBytes(V4), { protocol: 17 });
    expect(decode({ data, linkType: 101 })).toEqual({ seg: null, problems: {}, first: {} });
  });
});

describe('IPv6', () => {
  for (const extensions of [[0], [60], [43], [51], [0, 43, 60], [0, 51, 60]]) {
    it(`reads past extension headers ${extensions.join(', ')}`, () => {
      const d = { ...V6, ipv6: { extensions } };
      const { seg, problems } = decode(tcpFrame(d));
      expect(problems).toEqual({});
      expectSegment(seg, V6, 6);
    });
  }

  it('a fragment header is counted and skipped', () => {
    expect(decode(tcpFrame({ ...V6, ipv6: { extensions: [0, 44] } }))).toMatchObject({ seg: null, problems: { fragment: 1 } });
  });

  it('a payload length of 0 (offload) takes the captured length', () => {
    expectSegment(decode(tcpFrame({ ...V6, ipv6: { zeroLength: true } })).seg, V6, 6);
  });

  it('other upper layers (UDP, no next header) are skipped without a problem', () => {
    for (const protocol of [17, 59, 58]) {
      const data = ipv6Packet(V6.src, V6.dst, tcpSegmentBytes(V6), { protocol });
      expect(decode({ data, linkType: 101 })).toEqual({ seg: null, problems: {}, first: {} });
    }
  });

  it('an extension header running past the packet is unreadable', () => {
    const data = ipv6Packet(V6.src, V6.dst, new Uint8Array(0), { extensions: [0], protocol: 6 });
    data[41] = 200; // the hop-by-hop header claims 1,608 bytes
    expect(decode({ data, linkType: 101 })).toMatchObject({ seg: null, problems: { 'bad-packet': 1 } });
  });

  it('writes addresses as canonicalIp does (RFC 5952), an IPv4-mapped one as IPv4', () => {
    const cases = ['2001:db8::1', '2001:db8:0:0:1:0:0:1', '2001:db8:0:1:1:1:1:1', '::1', '::', '1::', 'fe80::1:0:0:0', '::ffff:192.0.2.1', '2001:DB8::AbCd'];
    for (const text of cases) {
      const data = ipv6Packet(text, '::1', new Uint8Array(0));
      expect(ipv6Text(data, 8), text).toBe(canonicalIp(text));
    }
  });

  it('agrees with canonicalIp on random addresses (zero groups likely)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(0, 0, 0, 1, 0xffff, 0xdb8, 0x2001), { minLength: 8, maxLength: 8 }), (groups) => {
        let text = groups.map((g) => g.toString(16)).join(':');
        // canonicalIp recognises an IPv4-mapped address only in its dotted form; on the wire both are the same bytes.
        if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
          text = `::ffff:${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
        }
        const data = ipv6Packet(text, '::1', new Uint8Array(0));
        expect(ipv6Text(data, 8)).toBe(canonicalIp(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe('TCP', () => {
  it('reads flags and unsigned sequence numbers', () => {
    const { seg } = decode(tcpFrame({ ...V4, flags: 'S', seq: 0xffffffff, ack: 0, payload: '' }));
    expect(seg).toMatchObject({ syn: true, ackFlag: false, fin: false, rst: false, seq: 0xffffffff, ack: 0 });
    expect(decode(tcpFrame({ ...V4, flags: 'FA' })).seg).toMatchObject({ fin: true, ackFlag: true, syn: false, rst: false });
    expect(decode(tcpFrame({ ...V4, flags: 'R' })).seg).toMatchObject({ rst: true, ackFlag: false });
  });

  it('reads past TCP options (data offset)', () => {
    const d = { ...V4, options: bytes(2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2) }; // MSS, NOPs, timestamps
    expectSegment(decode(tcpFrame(d)).seg, V4, 4);
  });

  it('a data offset under 5 words, or past the packet, is unreadable', () => {
    for (const offset of [0x40, 0xf0]) {
      const data = tcpFrame({ ...V4, link: 'raw', payload: '' }).data;
      data[20 + 12] = offset;
      expect(decode({ data, linkType: 101 })).toMatchObject({ seg: null, problems: { 'bad-packet': 1 } });
    }
  });

  it('a TCP header beyond the IP packet is unreadable', () => {
    const data = ipv4Packet(V4.src, V4.dst, bytes(0, 25, 0, 25, 0, 0, 0, 0, 0, 0));
    expect(decode({ data, linkType: 101 })).toMatchObject({ seg: null, problems: { 'bad-packet': 1 } });
  });

  it('keeps segments to or from a watched port only; an empty set watches every port', () => {
    const other = { ...V4, sport: 40000, dport: 443 };
    expect(decode(tcpFrame(other))).toEqual({ seg: null, problems: {}, first: {} });
    expect(decode(tcpFrame(other), new Set()).seg).not.toBeNull();
    expect(decode(tcpFrame({ ...V4, sport: 587, dport: 50000 })).seg).not.toBeNull();
    expect(decode(tcpFrame({ ...V4, sport: 50000, dport: 587 })).seg).not.toBeNull();
  });
});

describe('the snapshot length', () => {
  it("a payload cut by the snaplen: what was captured, and how many bytes are missing ('snapped')", () => {
    const payload = 'x'.repeat(1000);
    const full = tcpFrame({ ...V4, payload }).data;
    const data = full.subarray(0, 14 + 20 + 20 + 100);
    const { seg, problems } = decode({ data, linkType: 1, origLen: full.length });
    expect(problems).toEqual({ snapped: 1 });
    expect(seg!.payload.length).toBe(100);
    expect(seg!.missing).toBe(900);
  });

  it('IPv6 likewise', () => {
    const full = tcpFrame({ ...V6, payload: 'y'.repeat(500) }).data;
    const { seg } = decode({ data: full.subarray(0, 14 + 40 + 20 + 10), linkType: 1, origLen: full.length });
    expect(seg!.payload.length).toBe(10);
    expect(seg!.missing).toBe(490);
  });

  it('a TCP header cut by the snaplen is unreadable', () => {
    const full = tcpFrame({ ...V4, payload: 'z' }).data;
    expect(decode({ data: full.subarray(0, 14 + 20 + 10), linkType: 1, origLen: full.length })).toMatchObject({ seg: null, problems: { 'bad-packet': 1 } });
    const withOptions = tcpFrame({ ...V4, options: new Uint8Array(12), payload: 'z' }).data;
    expect(decode({ data: withOptions.subarray(0, 14 + 20 + 24), linkType: 1, origLen: withOptions.length })).toMatchObject({ seg: null, problems: { 'bad-packet': 1 } });
  });

  it('payload is a view of the packet, not a copy', () => {
    const { data } = tcpFrame(V4);
    const { seg } = decode({ data, linkType: 1 });
    expect(seg!.payload.buffer).toBe(data.buffer);
  });
});

describe('hostile input', () => {
  it('random bytes under every link type never throw', () => {
    const links = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];
    fc.assert(
      fc.property(fc.constantFrom(...links), fc.uint8Array({ maxLength: 120 }), fc.nat(200), (linkType, data, extra) => {
        const problems = new ProblemLog();
        const seg = decodePacket({ ts: 0, linkType, data, origLen: data.length + extra }, new Set(), problems);
        if (seg) {
          expect(seg.payload.length).toBeLessThanOrEqual(data.length);
          expect(seg.missing).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random mutations of a real frame never throw', () => {
    const frames = [tcpFrame(V4).data, tcpFrame({ ...V6, ipv6: { extensions: [0, 60] }, linkOptions: { vlans: [0x8100] } }).data];
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.array(fc.tuple(fc.nat(120), fc.nat(255)), { maxLength: 6 }), fc.nat(120), (frame, edits, cut) => {
        const data = frame.slice(0, Math.max(0, frame.length - cut));
        for (const [at, v] of edits) if (at < data.length) data[at] = v;
        decodePacket({ ts: 0, linkType: 1, data, origLen: frame.length }, SMTP, new ProblemLog());
      }),
      { numRuns: 3000 },
    );
  });

  it('the link frame builder agrees with the decoder on where IP starts', () => {
    // A guard on the helper itself: SLL2's protocol field is first, SLL's at 14.
    expect(linkFrame('sll2', ipv4Packet(V4.src, V4.dst, new Uint8Array(0))).subarray(0, 2)).toEqual(bytes(8, 0));
    expect(linkFrame('sll', ipv4Packet(V4.src, V4.dst, new Uint8Array(0))).subarray(14, 16)).toEqual(bytes(8, 0));
  });
});
