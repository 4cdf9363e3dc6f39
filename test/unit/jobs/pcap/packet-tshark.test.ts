// decodePacket against Debian's tshark, on one pcapng file made by pcap-writer.ts: an interface per
// link type we read, IPv4 and IPv6 (extension headers, VLAN tags, Ethernet padding, snapped
// packets, fragments), each frame's addresses, ports, raw sequence numbers, payload length and
// flags compared with tshark's. Skipped with a message when tshark is not installed (Debian:
// apt-get install --no-install-recommends tshark), failed instead when MXRAY_TEST_REQUIRE names
// "tshark" (or "all").
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../../../src/jobs/pcap/capture.js';
import { decodePacket } from '../../../../src/jobs/pcap/packet.js';
import type { TcpSegment } from '../../../../src/jobs/pcap/model.js';
import { LINK_TYPE_OF, ProblemLog, tcpFrame, writePcapng, type FrameDescription, type LinkName, type PcapngPacket } from '../../../helpers/pcap-writer.js';

const TSHARK = '/usr/bin/tshark';

function frames(): { interfaces: { linkType: number; snaplen?: number }[]; packets: PcapngPacket[] } {
  const links: LinkName[] = ['ethernet', 'sll', 'sll2', 'null', 'loop', 'raw', 'ipv4', 'ipv6'];
  const interfaces = links.map((l) => ({ linkType: LINK_TYPE_OF[l] }));
  const packets: PcapngPacket[] = [];
  const v4: FrameDescription = { src: '192.0.2.10', dst: '198.51.100.25', sport: 41000, dport: 25, seq: 0xfffffff0, ack: 0x80000001, flags: 'PA', payload: '250 2.0.0 Ok\r\n' };
  const v6: FrameDescription = { ...v4, src: '2001:db8::10', dst: '2001:db8:0:1::25', sport: 25, dport: 41001, flags: 'FA' };
  let ts = 1_764_460_800_000;
  const add = (link: LinkName, f: FrameDescription, cut?: number) => {
    const { data } = tcpFrame({ ...f, link });
    packets.push({ ts: ts++, iface: links.indexOf(link), data: cut === undefined ? data : data.subarray(0, cut), origLen: data.length });
  };
  for (const link of links) {
    if (link !== 'ipv6') add(link, v4);
    if (link !== 'ipv4') add(link, v6);
  }
  add('ethernet', { ...v4, flags: 'S', payload: '', linkOptions: { vlans: [0x88a8, 0x8100] } });
  add('ethernet', { ...v4, payload: 'x', ipv4: { options: Uint8Array.from([1, 1, 1, 0]) }, linkOptions: { trailer: new Uint8Array(8) } });
  add('ethernet', { ...v6, flags: 'R', payload: '', ipv6: { extensions: [0, 43, 60] } });
  add('ethernet', { ...v4, payload: 'y'.repeat(1200) }, 14 + 20 + 20 + 40);
  add('ethernet', { ...v6, payload: 'z'.repeat(900) }, 14 + 40 + 20 + 10);
  add('ethernet', { ...v4, ipv4: { moreFragments: true } });
  add('ethernet', { ...v4, sport: 40000, dport: 443 });
  return { interfaces, packets };
}

describe('decodePacket agrees with tshark', () => {
  it('on every link type, address family and header shape the writer makes', (ctx) => {
    if (!existsSync(TSHARK)) {
      const required = (process.env.MXRAY_TEST_REQUIRE ?? '').split(',').map((s) => s.trim());
      if (required.includes('all') || required.includes('tshark')) throw new Error('tshark is required here (MXRAY_TEST_REQUIRE) but not installed');
      console.warn(`SKIPPED (tshark): ${TSHARK} is not installed`);
      ctx.skip(`tshark missing: ${TSHARK} is not installed`);
      return;
    }
    const section = frames();
    const file = writePcapng([section]);
    const dir = mkdtempSync(join(tmpdir(), 'mxray-pcapread-'));
    try {
      const path = join(dir, 'frames.pcapng');
      writeFileSync(path, file);
      const fields = ['frame.number', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len', 'tcp.flags', 'ip.flags.mf'];
      const out = execFileSync(TSHARK, ['-r', path, '-n', '-o', 'tcp.desegment_tcp_streams:FALSE', '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], {
        encoding: 'utf8',
        timeout: 60_000,
        maxBuffer: 4 << 20,
      });
      const theirs = out.trim().split('\n').map((line) => line.split('|'));
      const ours: (TcpSegment | null)[] = [];
      const problems = new ProblemLog();
      const reader = new CaptureReader((p) => ours.push(decodePacket(p, new Set([25]), problems)), problems);
      reader.push(file);
      reader.end();
      expect(ours).toHaveLength(section.packets.length);
      expect(theirs).toHaveLength(section.packets.length);
      let compared = 0;
      theirs.forEach(([, ip4src, ip6src, sport, ip4dst, ip6dst, dport, seq, ack, len, flags, mf], i) => {
        const seg = ours[i];
        if (mf === '1' || mf === 'True' || dport === '443') {
          expect(seg, `frame ${i + 1}`).toBeNull();
          return;
        }
        expect(seg, `frame ${i + 1}`).not.toBeNull();
        const s = seg!;
        expect([s.src.ip, s.src.port, s.dst.ip, s.dst.port], `frame ${i + 1}`).toEqual([ip4src || ip6src, Number(sport), ip4dst || ip6dst, Number(dport)]);
        expect([s.seq, s.ack], `frame ${i + 1}`).toEqual([Number(seq), Number(ack)]);
        expect(s.payload.length + s.missing, `frame ${i + 1}`).toBe(Number(len));
        const f = Number(flags);
        expect([s.fin, s.syn, s.rst, s.ackFlag], `frame ${i + 1}`).toEqual([(f & 1) !== 0, (f & 2) !== 0, (f & 4) !== 0, (f & 16) !== 0]);
        compared++;
      });
      expect(compared).toBe(section.packets.length - 2);
      expect(problems.counts).toEqual({ snapped: 2, fragment: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
