// TcpFlows: who is the client, reassembly (reordered, duplicated, overlapping, wrapping sequence
// numbers, a capture begun mid-flow, bytes lost, bytes cut by the snaplen), how flows end (FIN,
// RST, idle, evicted, the capture's end), port reuse, and the bounds: held bytes per direction
// never above the cap, flows never above maxFlows. Conversations come from pcap-writer.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Direction, FlowHandler, FlowMeta, TcpSegment } from '../../../../src/jobs/pcap/model.js';
import { MAX_HELD_SEGMENTS, TcpFlows, type TcpFlowsOptions } from '../../../../src/jobs/pcap/tcp-flows.js';
import {
  duplicate, drop, ProblemLog, reorder, tcpConversation, type ConversationOptions, type TcpDescription, type Turn,
} from '../../../helpers/pcap-writer.js';

interface Recorded {
  meta: FlowMeta;
  /** Each direction's stream: bytes as text, a gap as ⟨n⟩. */
  client: string;
  server: string;
  events: string[];
  end: string | null;
  endTs: number | null;
}

const decoder = new TextDecoder('latin1');

function harness(opts: Partial<TcpFlowsOptions> = {}) {
  const flows: Recorded[] = [];
  const problems = new ProblemLog();
  const tracker = new TcpFlows({
    ports: new Set([25, 587]),
    problems,
    onFlow(meta): FlowHandler {
      const r: Recorded = { meta, client: '', server: '', events: [], end: null, endTs: null };
      flows.push(r);
      const add = (dir: Direction, s: string) => {
        if (r.end !== null) throw new Error(`${dir} after the end`);
        r[dir] += s;
      };
      return {
        data: (dir, b) => {
          expect(b.length).toBeGreaterThan(0);
          add(dir, decoder.decode(b));
          r.events.push(`${dir}:${b.length}`);
        },
        gap: (dir, n) => {
          expect(n).toBeGreaterThan(0);
          add(dir, `⟨${n}⟩`);
          r.events.push(`${dir}:gap ${n}`);
        },
        end: (how, ts) => {
          if (r.end !== null) throw new Error('end twice');
          r.end = how;
          r.endTs = ts;
        },
      };
    },
    ...opts,
  });
  return { tracker, flows, problems };
}

function segmentOf(d: TcpDescription & { ts?: number; missing?: number }): TcpSegment {
  const flags = d.flags ?? 'A';
  const payload = typeof d.payload === 'string' ? new TextEncoder().encode(d.payload) : (d.payload ?? new Uint8Array(0));
  return {
    ts: d.ts ?? 0,
    ipVersion: d.src.includes(':') ? 6 : 4,
    src: { ip: d.src, port: d.sport },
    dst: { ip: d.dst, port: d.dport },
    seq: d.seq >>> 0,
    ack: (d.ack ?? 0) >>> 0,
    syn: flags.includes('S'),
    ackFlag: flags.includes('A'),
    fin: flags.includes('F'),
    rst: flags.includes('R'),
    // A fresh copy each time, reused by nobody: what the tracker keeps it must copy itself.
    payload: payload.slice(),
    missing: d.missing ?? 0,
  };
}

function feed(tracker: TcpFlows, segments: readonly (TcpDescription & { ts?: number })[]): void {
  for (const s of segments) {
    const seg = segmentOf(s);
    tracker.segment(seg);
    seg.payload.fill(0x21); // the caller reuses its buffer: anything kept uncopied would change
  }
}

const CLIENT = { ip: '192.0.2.10', port: 40000 };
const SERVER = { ip: '198.51.100.25', port: 25 };
const TURNS: Turn[] = [
  { from: 'server', data: '220 mx.example.net ESMTP\r\n' },
  { from: 'client', data: 'EHLO client.example.com\r\n' },
  { from: 'server', data: '250-mx.example.net\r\n250-PIPELINING\r\n250 STARTTLS\r\n' },
  { from: 'client', data: 'MAIL FROM:<a@example.com>\r\n' + 'x'.repeat(5000) + '\r\n' },
  { from: 'server', data: '250 2.1.0 Ok\r\n' },
  { from: 'client', data: 'QUIT\r\n' },
  { from: 'server', data: '221 2.0.0 Bye\r\n' },
];
const textOf = (turns: readonly Turn[], from: 'client' | 'server') =>
  turns
    .filter((t) => t.from === from)
    .map((t) => t.data)
    .join('');
const conversation = (o: Partial<ConversationOptions> = {}) => tcpConversation({ client: CLIENT, server: SERVER, turns: TURNS, mss: 536, ...o });

describe('one conversation', () => {
  it('in order: both streams exact, the client is the SYN sender, ended by FIN both ways', () => {
    const { tracker, flows, problems } = harness();
    feed(tracker, conversation());
    expect(flows).toHaveLength(1);
    const f = flows[0]!;
    expect(f.meta).toEqual({ id: 1, client: CLIENT, server: SERVER, start: 1_700_000_000_000, sawSyn: true });
    expect(f.client).toBe(textOf(TURNS, 'client'));
    expect(f.server).toBe(textOf(TURNS, 'server'));
    expect(f.end).toBe('fin');
    expect(problems.counts).toEqual({});
    // The last ACK after both FINs does not start a flow seen mid-stream.
    expect(tracker.size).toBe(1);
    tracker.end(2e12);
    expect(flows).toHaveLength(1);
  });

  it('delivers in-order bytes at once, one call per segment', () => {
    const { tracker, flows } = harness();
    const segs = conversation({ close: 'none' });
    feed(tracker, segs.slice(0, 4)); // handshake + the greeting
    expect(flows[0]!.server).toBe('220 mx.example.net ESMTP\r\n');
    expect(flows[0]!.events).toEqual(['server:26']);
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`reordered and duplicated (seed ${seed}): both streams exact, no gap`, () => {
      const { tracker, flows, problems } = harness();
      feed(tracker, duplicate(reorder(conversation({ close: 'none' }).slice(3), seed, 0.5), seed + 100, 0.3));
      tracker.end(2e12);
      expect(flows).toHaveLength(1);
      expect(flows[0]!.client).toBe(textOf(TURNS, 'client'));
      expect(flows[0]!.server).toBe(textOf(TURNS, 'server'));
      expect(problems.counts.gap).toBeUndefined();
      expect(tracker.bufferedBytes).toBe(0);
    });
  }

  it('sequence numbers that wrap past 2^32, reordered', () => {
    for (const seed of [11, 12, 13]) {
      const { tracker, flows } = harness();
      feed(tracker, reorder(conversation({ clientIsn: 0xffffff00, serverIsn: 0xfffffff0 }), seed, 0.5));
      tracker.end(2e12);
      expect(flows[0]!.client).toBe(textOf(TURNS, 'client'));
      expect(flows[0]!.server).toBe(textOf(TURNS, 'server'));
    }
  });

  it('SYN and FIN take one sequence number each: data right after them is not shifted', () => {
    const { tracker, flows } = harness();
    feed(tracker, conversation({ turns: [{ from: 'client', data: 'A' }, { from: 'server', data: 'B' }] }));
    expect(flows[0]).toMatchObject({ client: 'A', server: 'B', end: 'fin' });
  });

  it('data on the SYN (TCP Fast Open) is delivered', () => {
    const { tracker, flows } = harness();
    feed(tracker, [
      { src: CLIENT.ip, dst: SERVER.ip, sport: CLIENT.port, dport: 25, seq: 99, flags: 'S', payload: 'EHLO x\r\n' },
      { src: CLIENT.ip, dst: SERVER.ip, sport: CLIENT.port, dport: 25, seq: 108, flags: 'PA', payload: 'QUIT\r\n' },
    ]);
    expect(flows[0]!.client).toBe('EHLO x\r\nQUIT\r\n');
  });
});

const c2s = (seq: number, payload: string, flags = 'PA'): TcpDescription => ({ src: CLIENT.ip, dst: SERVER.ip, sport: CLIENT.port, dport: SERVER.port, seq, flags, payload });
const s2c = (seq: number, payload: string, flags = 'PA', ack?: number): TcpDescription => ({ src: SERVER.ip, dst: CLIENT.ip, sport: SERVER.port, dport: CLIENT.port, seq, flags, payload, ...(ack === undefined ? {} : { ack }) });

describe('overlaps: the first copy of every byte wins', () => {
  it('a retransmission overlapping delivered bytes adds only what is new', () => {
    const { tracker, flows } = harness();
    feed(tracker, [c2s(100, 'AAAAAAAAAA'), c2s(105, 'BBBBBBBBBB'), c2s(100, 'CCCCCCCCCCCCCCCCCCCCC')]);
    expect(flows[0]!.client).toBe('AAAAAAAAAABBBBBCCCCCC');
  });

  it('held pieces keep their bytes against later overlapping copies', () => {
    const { tracker, flows } = harness();
    // The stream starts at 100 (mid-flow); 110..120 held; 108..118 adds only 108..110; 105..108 fills the hole.
    feed(tracker, [c2s(100, 'aaaaa'), c2s(110, 'XXXXXXXXXX'), c2s(108, 'YYYYYYYYYY'), c2s(104, 'ZZZZ'), c2s(119, 'WWW')]);
    expect(flows[0]!.client).toBe('aaaaaZZZYYXXXXXXXXXXWW');
    expect(tracker.bufferedBytes).toBe(0);
  });

  it('the part of a piece beyond a held piece is held after it, not before', () => {
    const { tracker, flows } = harness();
    feed(tracker, [c2s(0, 'a'), c2s(2, 'h'), c2s(2, 'ho'), c2s(1, 'x')]);
    expect(flows[0]!.client).toBe('axho');
  });

  it('a piece covering several held pieces fills only the holes between them', () => {
    const { tracker, flows } = harness();
    feed(tracker, [c2s(0, 'a'), c2s(3, 'BB'), c2s(7, 'CC'), c2s(1, '123456789')]);
    expect(flows[0]!.client).toBe('a12BB56CC9');
  });
});

describe('who is the client', () => {
  it('mid-stream, the side on a watched port is the server, whoever speaks first', () => {
    const { tracker, flows } = harness();
    feed(tracker, [s2c(5000, '250 ok\r\n'), c2s(1000, 'QUIT\r\n')]);
    expect(flows[0]!.meta).toMatchObject({ client: CLIENT, server: SERVER, sawSyn: false });
    expect(flows[0]!.server).toBe('250 ok\r\n');
    expect(flows[0]!.client).toBe('QUIT\r\n');
  });

  it('both ports watched, or neither: the lower port is the server', () => {
    const { tracker, flows } = harness();
    const a = { ip: '192.0.2.1', port: 587 };
    const b = { ip: '192.0.2.2', port: 25 };
    feed(tracker, [{ src: b.ip, dst: a.ip, sport: b.port, dport: a.port, seq: 1, payload: 'x' }]);
    feed(tracker, [{ src: a.ip, dst: b.ip, sport: 2000, dport: 3000, seq: 1, payload: 'y' }]);
    expect(flows[0]!.meta).toMatchObject({ client: a, server: b });
    expect(flows[1]!.meta).toMatchObject({ client: { ip: b.ip, port: 3000 }, server: { ip: a.ip, port: 2000 } });
  });

  it('a SYN names the client even on a watched port; a SYN-ACK seen first names the receiver', () => {
    const { tracker, flows } = harness();
    feed(tracker, [{ src: SERVER.ip, dst: CLIENT.ip, sport: 25, dport: 40000, seq: 1, flags: 'S' }]);
    feed(tracker, [{ src: '203.0.113.5', dst: '203.0.113.6', sport: 25, dport: 41000, seq: 1, ack: 2, flags: 'SA' }]);
    expect(flows[0]!.meta).toMatchObject({ client: SERVER, server: CLIENT, sawSyn: true });
    expect(flows[1]!.meta).toMatchObject({ client: { ip: '203.0.113.6', port: 41000 }, server: { ip: '203.0.113.5', port: 25 }, sawSyn: false });
  });

  it('a capture begun mid-flow: the streams start at the first segments seen', () => {
    const { tracker, flows } = harness();
    const segs = conversation({ noHandshake: true });
    // The greeting, the client's ACK, EHLO and the server's ACK of it are before the capture.
    expect(segs[4]!.payload).toBeDefined();
    feed(tracker, segs.slice(4));
    expect(flows[0]!.meta.sawSyn).toBe(false);
    expect(flows[0]!.client).toBe(textOf(TURNS.slice(3), 'client'));
    expect(flows[0]!.server).toBe(textOf(TURNS.slice(2), 'server'));
    expect(flows[0]!.end).toBe('fin');
  });
});

describe('lost and snapped bytes', () => {
  it('a lost segment: once the receiver acknowledges past it, a gap of its length, then the rest', () => {
    const { tracker, flows, problems } = harness();
    const segs = conversation({ close: 'none' });
    // Segment 10 is the second client data segment of the MAIL FROM turn (536 bytes into it).
    const lost = segs[10]!;
    expect(lost.fromClient).toBe(true);
    expect(new TextDecoder().decode(segs[9]!.payload as Uint8Array).startsWith('MAIL')).toBe(true);
    feed(tracker, drop(segs, [10]));
    const client = textOf(TURNS, 'client');
    const at = client.indexOf('MAIL') + 536;
    expect(flows[0]!.client).toBe(`${client.slice(0, at)}⟨536⟩${client.slice(at + 536)}`);
    expect(problems.counts.gap).toBe(1);
    expect(flows[0]!.end).toBeNull(); // not waiting for the end to say so
  });

  it('at the end of the capture, held bytes after a hole are delivered after a gap()', () => {
    const { tracker, flows } = harness();
    feed(tracker, [c2s(0, 'abc'), c2s(10, 'klm'), c2s(20, 'uvw')]);
    expect(flows[0]!.client).toBe('abc');
    tracker.end(5000);
    expect(flows[0]).toMatchObject({ client: 'abc⟨7⟩klm⟨7⟩uvw', end: 'capture-end', endTs: 5000 });
    expect(tracker.bufferedBytes).toBe(0);
  });

  it("a FIN after a hole: the other side's ACK of the FIN gives the hole up and ends the flow", () => {
    const { tracker, flows } = harness();
    feed(tracker, [c2s(0, 'ab'), c2s(6, '', 'FA'), s2c(0, 'ok', 'PA', 7), s2c(2, '', 'FA', 7), c2s(7, '', 'A')]);
    expect(flows[0]).toMatchObject({ client: 'ab⟨4⟩', server: 'ok', end: 'fin' });
  });

  it('snapped segments: the captured bytes, then gap(missing), and the stream goes on after them', () => {
    const { tracker, flows, problems } = harness();
    tracker.segment(segmentOf({ ...c2s(0, 'abc'), missing: 97 }));
    feed(tracker, [c2s(100, 'next')]);
    // Out of order too: a snapped piece held then delivered.
    tracker.segment(segmentOf({ ...c2s(114, 'zz'), missing: 3 }));
    tracker.segment(segmentOf({ ...c2s(104, '0123456789'), missing: 0 }));
    expect(flows[0]!.client).toBe('abc⟨97⟩next0123456789zz⟨3⟩');
    expect(problems.counts.gap).toBeUndefined(); // 'snapped' is the decoder's to count
  });

  it('a retransmission overlapping the snapped part gives only bytes beyond it', () => {
    const { tracker, flows } = harness();
    tracker.segment(segmentOf({ ...c2s(0, 'ab'), missing: 8 }));
    feed(tracker, [c2s(0, '0123456789ABC')]);
    expect(flows[0]!.client).toBe('ab⟨8⟩ABC');
  });
});

describe('how flows end', () => {
  it('RST ends the flow at once; what it held is delivered after a gap; later segments are ignored', () => {
    const { tracker, flows } = harness();
    feed(tracker, [c2s(0, 'ab'), c2s(5, 'fg'), { ...s2c(0, '', 'R'), ts: 77 }, c2s(2, 'cde')]);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ client: 'ab⟨3⟩fg', end: 'rst', endTs: 77 });
    expect(tracker.bufferedBytes).toBe(0);
  });

  it('a RST of a connection never seen starts no flow; a SYN answered by RST is a flow that ended by RST', () => {
    const { tracker, flows } = harness();
    feed(tracker, [s2c(7, '', 'RA')]);
    expect(flows).toHaveLength(0);
    feed(tracker, [c2s(100, '', 'S'), s2c(0, '', 'RA', 101)]);
    expect(flows.map((f) => [f.meta.sawSyn, f.end])).toEqual([[true, 'rst']]);
  });

  it('RST from the client (the writer\'s close: "rst")', () => {
    const { tracker, flows } = harness();
    feed(tracker, conversation({ close: 'rst' }));
    expect(flows[0]!.end).toBe('rst');
    expect(flows[0]!.client).toBe(textOf(TURNS, 'client'));
  });

  it('bytes after a FIN are not part of the stream', () => {
    const { tracker, flows } = harness();
    feed(tracker, [c2s(0, 'ab', 'FA'), c2s(2, 'zz'), c2s(0, 'abcd')]);
    tracker.end(1);
    expect(flows[0]!.client).toBe('ab');
  });

  it('one side FIN, then nothing for idleMs: ended idle (counted), freed', () => {
    const { tracker, flows, problems } = harness({ idleMs: 60_000 });
    feed(tracker, [{ ...c2s(0, 'ab', 'FA'), ts: 1000 }]);
    feed(tracker, [{ ...c2s(0, 'x'), sport: 40001, ts: 61_000 }]); // another flow, exactly idleMs later
    expect(flows[0]!.end).toBe('idle');
    expect(flows[0]!.endTs).toBe(1000);
    expect(problems.counts['flows-evicted']).toBe(1);
    expect(tracker.size).toBe(1);
  });

  it('a flow active within idleMs is kept', () => {
    const { tracker, flows } = harness({ idleMs: 60_000 });
    feed(tracker, [{ ...c2s(0, 'ab'), ts: 1000 }, { ...c2s(0, 'x'), sport: 40001, ts: 60_999 }]);
    expect(flows[0]!.end).toBeNull();
  });

  it('the capture end ends every open flow once', () => {
    const { tracker, flows } = harness();
    feed(tracker, [c2s(0, 'a'), { ...c2s(0, 'b'), sport: 40001 }]);
    tracker.end(9);
    expect(flows.map((f) => [f.end, f.endTs])).toEqual([['capture-end', 9], ['capture-end', 9]]);
    expect(tracker.size).toBe(0);
  });
});

describe('port reuse', () => {
  it('a new SYN after the flow ended starts a new flow, even with the same ISN', () => {
    const { tracker, flows } = harness();
    feed(tracker, conversation({ turns: [{ from: 'client', data: 'one' }] }));
    feed(tracker, conversation({ turns: [{ from: 'client', data: 'two' }], startTs: 1_700_000_100_000 }));
    expect(flows.map((f) => [f.meta.id, f.client, f.end])).toEqual([[1, 'one', 'fin'], [2, 'two', 'fin']]);
    expect(flows[1]!.meta.start).toBe(1_700_000_100_000);
  });

  it('a SYN with another ISN on an open flow: the old flow ends, a new one starts', () => {
    const { tracker, flows } = harness();
    feed(tracker, conversation({ turns: [{ from: 'client', data: 'one' }], close: 'none' }));
    feed(tracker, conversation({ turns: [{ from: 'client', data: 'two' }], clientIsn: 777777 }));
    expect(flows.map((f) => [f.client, f.end])).toEqual([['one', 'idle'], ['two', 'fin']]);
  });

  it('a retransmitted SYN (same ISN) is the same flow', () => {
    const { tracker, flows } = harness();
    const segs = conversation();
    feed(tracker, [segs[0]!, segs[0]!, ...segs.slice(1)]);
    expect(flows).toHaveLength(1);
    expect(flows[0]!.client).toBe(textOf(TURNS, 'client'));
  });

  it('a SYN-ACK captured before its SYN: one flow, the SYN is not taken for a new connection', () => {
    const { tracker, flows } = harness();
    const segs = conversation();
    feed(tracker, [segs[1]!, segs[0]!, ...segs.slice(2)]);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ client: textOf(TURNS, 'client'), server: textOf(TURNS, 'server'), end: 'fin' });
  });

  it('a SYN on a flow first seen mid-stream starts a new flow', () => {
    const { tracker, flows } = harness();
    feed(tracker, [c2s(5, 'old')]);
    feed(tracker, conversation({ turns: [{ from: 'client', data: 'new' }] }));
    expect(flows.map((f) => [f.client, f.end, f.meta.sawSyn])).toEqual([['old', 'idle', false], ['new', 'fin', true]]);
  });
});

describe('bounds', () => {
  it('held bytes per direction never pass the cap: over it, the hole becomes a gap and what follows is delivered', () => {
    const cap = 4096;
    const { tracker, flows, problems } = harness({ maxBufferedPerDirection: cap });
    const big = Array.from({ length: 40_000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('');
    const segs = tcpConversation({ client: CLIENT, server: SERVER, turns: [{ from: 'client', data: big }], mss: 1000 });
    let peak = 0;
    for (const s of drop(segs, [3])) {
      // The first data segment is lost: everything after it waits for a hole that never fills.
      tracker.segment(segmentOf(s));
      peak = Math.max(peak, tracker.bufferedBytes);
    }
    expect(peak).toBeLessThanOrEqual(cap);
    expect(tracker.peakBufferedPerDirection).toBeLessThanOrEqual(cap);
    expect(tracker.peakBufferedPerDirection).toBeGreaterThan(cap - 1000);
    expect(problems.counts['flow-buffer-full']).toBeGreaterThan(0);
    expect(flows[0]!.client).toBe(`⟨1000⟩${big.slice(1000)}`);
    expect(flows[0]!.end).toBe('fin');
  });

  it('a single piece larger than the cap after a hole is delivered after a gap, never held', () => {
    const { tracker, flows } = harness({ maxBufferedPerDirection: 10 });
    feed(tracker, [c2s(0, 'ab'), c2s(5, 'x'.repeat(50))]);
    expect(tracker.peakBufferedPerDirection).toBe(0);
    expect(flows[0]!.client).toBe(`ab⟨3⟩${'x'.repeat(50)}`);
  });

  it(`held segments per direction never pass ${MAX_HELD_SEGMENTS}, however small`, () => {
    const { tracker, flows, problems } = harness();
    const segs = [c2s(0, 'a')];
    for (let i = 0; i < 3000; i++) segs.push(c2s(2 + 2 * i, 'b'));
    let peak = 0;
    for (const s of segs) {
      tracker.segment(segmentOf(s));
      peak = Math.max(peak, tracker.bufferedBytes);
    }
    expect(peak).toBeLessThanOrEqual(MAX_HELD_SEGMENTS);
    expect(problems.counts['flow-buffer-full']).toBeGreaterThan(0);
    tracker.end(1);
    expect(flows[0]!.client).toBe(`a${'⟨1⟩b'.repeat(3000)}`);
  });

  it('the flow cap: the least recently active flow is ended (evicted, counted) to make room', () => {
    const { tracker, flows, problems } = harness({ maxFlows: 3 });
    const from = (port: number, ts: number) => ({ ...c2s(0, 'x'), sport: port, ts });
    feed(tracker, [from(1, 1), from(2, 2), from(3, 3)]);
    feed(tracker, [{ ...c2s(1, 'y'), sport: 1, ts: 4 }]); // flow 1 active again: flow 2 is now the oldest
    feed(tracker, [from(4, 5)]);
    expect(flows.map((f) => f.end)).toEqual([null, 'evicted', null, null]);
    expect(flows[1]!.endTs).toBe(5);
    feed(tracker, [from(5, 6)]);
    expect(flows.map((f) => f.end)).toEqual([null, 'evicted', 'evicted', null, null]);
    expect(problems.counts['flows-evicted']).toBe(2);
    expect(tracker.size).toBe(3);
    expect(flows[0]!.client).toBe('xy');
  });

  it('after the only flow is freed, the flows that follow are still evicted in order', () => {
    const { tracker, flows } = harness({ maxFlows: 2, idleMs: 1000 });
    const from = (port: number, ts: number) => ({ ...c2s(0, 'x'), sport: port, ts });
    feed(tracker, [from(1, 0), from(2, 5000), from(3, 5001), from(4, 5002)]);
    expect(flows.map((f) => f.end)).toEqual(['idle', 'evicted', null, null]);
    expect(tracker.size).toBe(2);
  });

  it('ended flows kept for their last ACKs count toward the cap but are dropped silently', () => {
    const { tracker, flows, problems } = harness({ maxFlows: 2 });
    feed(tracker, conversation({ turns: [{ from: 'client', data: 'a' }] }));
    feed(tracker, [{ ...c2s(0, 'x'), sport: 2 }, { ...c2s(0, 'x'), sport: 3 }]);
    expect(flows.map((f) => f.end)).toEqual(['fin', null, null]);
    expect(problems.counts['flows-evicted']).toBeUndefined();
    feed(tracker, [{ ...c2s(0, 'x'), sport: 4 }]);
    expect(flows.map((f) => f.end)).toEqual(['fin', 'evicted', null, null]);
    expect(problems.counts['flows-evicted']).toBe(1);
  });

  it('memory stays bounded over many flows: never more than maxFlows remembered', () => {
    const { tracker, flows } = harness({ maxFlows: 50, idleMs: 10_000 });
    let peak = 0;
    for (let i = 0; i < 2000; i++) {
      const client = { ip: `192.0.2.${1 + (i % 200)}`, port: 10_000 + i };
      const segs = tcpConversation({ client, server: SERVER, turns: [{ from: 'client', data: `n${i}` }], startTs: i * 100, close: i % 3 === 0 ? 'none' : 'fin' });
      feed(tracker, reorder(segs, i, 0.2));
      peak = Math.max(peak, tracker.size);
    }
    tracker.end(1e9);
    expect(peak).toBeLessThanOrEqual(50);
    expect(flows).toHaveLength(2000);
    expect(flows.every((f, i) => f.client === `n${i}` && f.end !== null)).toBe(true);
    expect(tracker.bufferedBytes).toBe(0);
  });
});

describe('delivered data is the caller\'s bytes only during the call; held bytes are copies', () => {
  it('held pieces survive the caller reusing its buffers', () => {
    const { tracker, flows } = harness();
    // feed() overwrites each payload after the call: a held piece that was not copied would read "!!!".
    feed(tracker, [c2s(0, 'a'), c2s(4, 'efg'), c2s(1, 'bcd')]);
    expect(flows[0]!.client).toBe('abcdefg');
  });
});


describe('property: any segmentation, order and duplication of a stream reassembles to it exactly', () => {
  it('random cuts, overlapping copies, shuffled, ISNs near the wrap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.constantFrom(0, 1000, 0xffffffff, 0xfffff000, 0x7fffffff),
        // At least 4 bytes a cut: at most 770 pieces, under the cap on held segments (a bound tested above).
        fc.array(fc.integer({ min: 4, max: 700 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(3000), fc.integer({ min: 1, max: 900 })), { maxLength: 20 }),
        fc.integer(),
        fc.boolean(),
        (length, isn, cuts, extras, seed, withFin) => {
          const stream = Array.from({ length }, (_, i) => String.fromCharCode(97 + ((i * 7 + (i >> 5)) % 26))).join('');
          const pieces: [number, number][] = [];
          for (let at = 0, i = 0; at < length; i++) {
            const n = cuts[i % cuts.length]!;
            pieces.push([at, Math.min(length, at + n)]);
            at += n;
          }
          for (const [start, n] of extras) if (start < length) pieces.push([start, Math.min(length, start + n)]);
          const segs: TcpDescription[] = pieces.map(([a, b], i) => c2s((isn + 1 + a) >>> 0, stream.slice(a, b), withFin && b === length && i === pieces.length - 1 ? 'FPA' : 'PA'));
          if (withFin) segs.push(c2s((isn + 1 + length) >>> 0, '', 'FA'));
          const { tracker, flows, problems } = harness();
          feed(tracker, [c2s(isn, '', 'S'), ...reorder(reorder(segs, seed, 0.5), seed + 1, 0.5).reverse()]);
          tracker.end(1);
          expect(flows).toHaveLength(1);
          expect(flows[0]!.client).toBe(stream);
          expect(problems.counts).toEqual({});
          expect(tracker.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with pieces lost and a small buffer cap: every byte delivered is the stream\'s at its place, gaps sized exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.constantFrom(0, 0xfffff000),
        fc.array(fc.integer({ min: 4, max: 500 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(40), { maxLength: 5 }),
        fc.integer(),
        fc.constantFrom(64, 1000, 256 * 1024),
        (length, isn, cuts, lost, seed, cap) => {
          const stream = Array.from({ length }, (_, i) => String.fromCharCode(97 + ((i * 7 + (i >> 5)) % 26))).join('');
          const segs: TcpDescription[] = [];
          const lostRanges: [number, number][] = [];
          let keptEnd = 0;
          for (let at = 0, i = 0; at < length; i++) {
            const end = Math.min(length, at + cuts[i % cuts.length]!);
            if (lost.includes(i)) lostRanges.push([at, end]);
            else {
              segs.push(c2s((isn + 1 + at) >>> 0, stream.slice(at, end)));
              keptEnd = end;
            }
            at = end;
          }
          const { tracker, flows } = harness({ maxBufferedPerDirection: cap });
          feed(tracker, [c2s(isn, '', 'S'), ...reorder(segs, seed, 0.5)]);
          tracker.end(1);
          const expanded = flows[0]!.client.replace(/⟨(\d+)⟩/g, (_, n: string) => '?'.repeat(Number(n)));
          expect(expanded.length).toBeLessThanOrEqual(length);
          const masked = Array.from(expanded, (c, i) => (c === '?' ? '?' : stream[i])).join('');
          expect(expanded).toBe(masked);
          expect(tracker.peakBufferedPerDirection).toBeLessThanOrEqual(cap);
          if (cap === 256 * 1024) {
            // Nothing held was given up early: the gaps are exactly the lost pieces before the last kept byte.
            const lostBytes = lostRanges.filter(([a]) => a < keptEnd).reduce((n, [a, b]) => n + b - a, 0);
            expect(expanded.length).toBe(keptEnd);
            expect(expanded.split('').filter((c) => c === '?').length).toBe(lostBytes);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
