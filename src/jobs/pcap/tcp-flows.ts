// TCP segments → flows, each direction's bytes in stream order (reassembly), handed to one
// FlowHandler per flow. Sequence numbers are compared modulo 2^32, so a stream may wrap.
//
// Reassembly keeps the first copy of every byte: a retransmission or an overlap is trimmed to what
// is new; a segment ahead of the stream is copied and held until the hole before it fills. A hole
// is given up (gap(), then what follows is delivered) when the receiver acknowledges bytes beyond
// it (the capture missed them: they will not come), when the held bytes would pass the cap per
// direction ('flow-buffer-full'), and when the flow ends.
//
// Memory is bounded whatever the capture: at most maxFlows flows (the least recently active is
// ended, 'evicted', to make room), at most maxBufferedPerDirection held bytes and MAX_HELD_SEGMENTS
// held segments per direction, and a flow with no packet for idleMs of capture time is ended
// ('idle') and freed. Bytes handed to FlowHandler.data are valid only during the call (in-order
// bytes are views into the captured packet): a handler that keeps them copies them. A flow that ended (FIN both ways, or RST) is remembered a while as ended, so
// its last ACKs do not start a flow "seen mid-stream"; a new SYN on its endpoints starts a new one.

import type { Direction, Endpoint, FlowHandler, FlowMeta, ProblemCounter, TcpSegment } from './model.js';

export interface TcpFlowsOptions {
  onFlow(meta: FlowMeta): FlowHandler;
  problems: ProblemCounter;
  /** The watched (server) ports: without a SYN, the side on one of them is the server. */
  ports: ReadonlySet<number>;
  /** Flows held at once (10,000). */
  maxFlows?: number;
  /** Out-of-order bytes held per direction (256 KiB). */
  maxBufferedPerDirection?: number;
  /** Out-of-order bytes held across all flows (MAX_BUFFERED_TOTAL). */
  maxBufferedTotal?: number;
  /** Capture time without a packet after which a flow is ended (10 minutes). */
  idleMs?: number;
}

/** Out-of-order segments held per direction: many tiny segments cost more than their bytes. */
export const MAX_HELD_SEGMENTS = 1024;

/** Out-of-order bytes held across every flow at once: past it, the direction being added to gives up its holes. */
export const MAX_BUFFERED_TOTAL = 64 * 1024 * 1024;

/** A stretch of one direction's sequence space: captured bytes, then `missing` bytes not captured. */
interface Piece {
  seq: number;
  bytes: Uint8Array;
  missing: number;
  ts: number;
}

interface Side {
  dir: Direction;
  /** The sequence number of the next byte expected; null before this side's first segment. */
  next: number | null;
  /** The SYN's sequence number, when seen. */
  isn: number | null;
  /** The FIN's sequence number, once a FIN was seen. */
  finSeq: number | null;
  /** The stream reached the FIN: nothing more comes this way. */
  finished: boolean;
  /** Held segments, in sequence order, not overlapping one another. */
  held: Piece[];
  heldBytes: number;
}

interface Flow {
  key: string;
  meta: FlowMeta;
  handler: FlowHandler | null;
  client: Side;
  server: Side;
  lastTs: number;
  ended: boolean;
  /** Neighbours in the list of flows by last activity (older, newer). */
  older: Flow | null;
  newer: Flow | null;
}

/** a − b in sequence space (signed, modulo 2^32). */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

function pieceLength(p: Piece): number {
  return p.bytes.length + p.missing;
}

/** The part of a piece from offset `from` to `to` (offsets into its sequence stretch). */
function slicePiece(p: Piece, from: number, to: number): Piece {
  const n = p.bytes.length;
  const bytes = p.bytes.subarray(Math.min(from, n), Math.min(to, n));
  return { seq: seqAdd(p.seq, from), bytes, missing: to - from - bytes.length, ts: p.ts };
}

function newSide(dir: Direction): Side {
  return { dir, next: null, isn: null, finSeq: null, finished: false, held: [], heldBytes: 0 };
}

function endpointKey(e: Endpoint): string {
  return `${e.ip} ${e.port}`;
}

export class TcpFlows {
  /** Flows by key; and the same flows in order of last activity, least recent first (a linked
   *  list: moving a flow to the end on every segment costs nothing, where re-inserting it in the
   *  Map would leave deleted slots that every walk from the oldest has to step over). */
  private readonly flows = new Map<string, Flow>();
  private oldest: Flow | null = null;
  private newest: Flow | null = null;
  private readonly maxFlows: number;
  private readonly maxBuffered: number;
  private readonly maxBufferedTotal: number;
  private readonly idleMs: number;
  private nextId = 1;
  /** Bytes held out of order across all flows now. */
  bufferedBytes = 0;
  /** The most bytes one direction ever held (never above maxBufferedPerDirection). */
  peakBufferedPerDirection = 0;

  constructor(private readonly opts: TcpFlowsOptions) {
    this.maxFlows = Math.max(1, opts.maxFlows ?? 10_000);
    this.maxBuffered = Math.max(0, opts.maxBufferedPerDirection ?? 256 * 1024);
    this.maxBufferedTotal = Math.max(0, opts.maxBufferedTotal ?? MAX_BUFFERED_TOTAL);
    this.idleMs = opts.idleMs ?? 10 * 60 * 1000;
  }

  /** Flows remembered now (open, and ended ones kept for their last packets). */
  get size(): number {
    return this.flows.size;
  }

  segment(s: TcpSegment): void {
    this.expireIdle(s.ts);
    const a = endpointKey(s.src);
    const b = endpointKey(s.dst);
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let flow = this.flows.get(key);
    const opening = s.syn && !s.ackFlag && !s.rst;
    if (flow && opening) {
      // A SYN starts a new connection unless it belongs to this one: the same client repeating its
      // ISN, or the client's first segment seen late (its SYN-ACK came first in the capture).
      const client = flow.client;
      const same = client.isn !== null ? client.isn === s.seq : client.next === null || client.next === seqAdd(s.seq, 1);
      if (flow.ended || !this.fromClient(flow, s) || !same) {
        if (!flow.ended) this.finish(flow, 'idle', flow.lastTs);
        this.forget(flow);
        flow = undefined;
      }
    }
    if (!flow) {
      // A reset of a connection we know nothing of (a scan, a stale peer) is no flow to follow.
      if (s.rst) return;
      if (this.flows.size >= this.maxFlows) this.evictOldest(s.ts);
      flow = this.open(key, s);
    } else {
      this.touch(flow);
    }
    flow.lastTs = s.ts;
    if (flow.ended) return;
    const fromClient = this.fromClient(flow, s);
    const side = fromClient ? flow.client : flow.server;
    const other = fromClient ? flow.server : flow.client;
    if (s.rst) {
      this.finish(flow, 'rst', s.ts);
      return;
    }
    this.receive(flow, side, s);
    if (flow.ended) return;
    // The other side acknowledges bytes beyond a hole (before what we hold, or before its FIN): the
    // capture missed them, they will not come.
    if (s.ackFlag && other.next !== null && !other.finished) {
      const holeEnd = other.held[0]?.seq ?? other.finSeq;
      if (holeEnd !== null && holeEnd !== undefined && seqDiff(s.ack, holeEnd) > 0) {
        this.skipHole(flow, other);
        this.deliverHeld(flow, other);
      }
    }
    if (flow.client.finished && flow.server.finished) this.finish(flow, 'fin', s.ts);
  }

  /** The capture is over: every flow still open delivers what it holds (after gaps) and ends. */
  end(ts: number): void {
    for (const flow of this.flows.values()) if (!flow.ended) this.finish(flow, 'capture-end', ts);
    this.flows.clear();
    this.oldest = null;
    this.newest = null;
  }

  private fromClient(flow: Flow, s: TcpSegment): boolean {
    const c = flow.meta.client;
    return s.src.port === c.port && s.src.ip === c.ip;
  }

  private open(key: string, s: TcpSegment): Flow {
    let clientIsSource: boolean;
    if (s.syn && !s.ackFlag) clientIsSource = true;
    else if (s.syn && s.ackFlag) clientIsSource = false;
    else {
      const srcWatched = this.opts.ports.has(s.src.port);
      const dstWatched = this.opts.ports.has(s.dst.port);
      // The side on a watched port is the server; on both (or neither), the lower port.
      if (srcWatched !== dstWatched) clientIsSource = dstWatched;
      else clientIsSource = s.src.port > s.dst.port;
    }
    const meta: FlowMeta = {
      id: this.nextId++,
      client: clientIsSource ? { ...s.src } : { ...s.dst },
      server: clientIsSource ? { ...s.dst } : { ...s.src },
      start: s.ts,
      sawSyn: s.syn && !s.ackFlag,
    };
    const flow: Flow = { key, meta, handler: null, client: newSide('client'), server: newSide('server'), lastTs: s.ts, ended: false, older: null, newer: null };
    this.flows.set(key, flow);
    this.append(flow);
    flow.handler = this.opts.onFlow(meta);
    return flow;
  }

  /** One segment of one side: its SYN, its bytes in order or held, its FIN. */
  private receive(flow: Flow, side: Side, s: TcpSegment): void {
    if (s.syn) {
      if (side.isn === null && side.next === null) {
        side.isn = s.seq;
        side.next = seqAdd(s.seq, 1);
      }
    }
    const dataSeq = s.syn ? seqAdd(s.seq, 1) : s.seq;
    // Seen mid-stream: the stream starts here.
    if (side.next === null) side.next = dataSeq;
    if (s.fin && side.finSeq === null) side.finSeq = seqAdd(dataSeq, s.payload.length + s.missing);
    if (side.finished) return;
    if (s.payload.length + s.missing > 0) this.accept(flow, side, { seq: dataSeq, bytes: s.payload, missing: s.missing, ts: s.ts });
    this.reachFin(side);
  }

  /** Takes a piece: delivered if it continues the stream, held if it lies ahead, trimmed if it repeats. */
  private accept(flow: Flow, side: Side, piece: Piece): void {
    const next = side.next!;
    let from = seqDiff(next, piece.seq);
    const length = pieceLength(piece);
    if (from >= length) return; // all seen already
    if (from > 0) piece = slicePiece(piece, from, length);
    from = seqDiff(piece.seq, next);
    if (side.finSeq !== null) {
      // Nothing comes after the FIN.
      const room = seqDiff(side.finSeq, piece.seq);
      if (room <= 0) return;
      if (room < pieceLength(piece)) piece = slicePiece(piece, 0, room);
    }
    if (from > 0) {
      this.hold(flow, side, piece);
      return;
    }
    // In order. Where it overlaps pieces held earlier, theirs are the first copies: deliver up to
    // each, then the held piece, then go on with what is left of this one.
    for (;;) {
      const held = side.held[0];
      const length = pieceLength(piece);
      const upto = held ? seqDiff(held.seq, piece.seq) : length;
      if (upto >= length) {
        this.deliver(flow, side, piece);
        this.deliverHeld(flow, side);
        return;
      }
      if (upto > 0) this.deliver(flow, side, slicePiece(piece, 0, upto));
      this.deliverHeld(flow, side);
      if (side.finished) return;
      const done = seqDiff(side.next!, piece.seq);
      if (done >= length) return;
      piece = slicePiece(piece, done, length);
    }
  }

  private deliver(flow: Flow, side: Side, piece: Piece): void {
    if (side.finSeq !== null) {
      // Nothing comes after the FIN (a piece held before the FIN was seen may reach past it).
      const room = seqDiff(side.finSeq, piece.seq);
      if (room <= 0) return;
      if (room < pieceLength(piece)) piece = slicePiece(piece, 0, room);
    }
    const handler = flow.handler!;
    if (piece.bytes.length > 0) handler.data(side.dir, piece.bytes, piece.ts);
    if (piece.missing > 0) handler.gap(side.dir, piece.missing, piece.ts);
    side.next = seqAdd(piece.seq, pieceLength(piece));
  }

  /** Delivers the held pieces that now continue the stream (trimming what was already delivered). */
  private deliverHeld(flow: Flow, side: Side): void {
    while (side.held.length > 0) {
      const first = side.held[0]!;
      const from = seqDiff(side.next!, first.seq);
      if (from < 0) break;
      side.held.shift();
      this.release(side, first.bytes.length);
      const length = pieceLength(first);
      if (from < length) this.deliver(flow, side, from > 0 ? slicePiece(first, from, length) : first);
    }
    this.reachFin(side);
  }

  /** Gives up the hole before the first held piece (or the FIN): a gap, and the stream goes on from there. */
  private skipHole(flow: Flow, side: Side, ts?: number): void {
    const first = side.held[0];
    const to = first ? first.seq : side.finSeq;
    if (to === null || side.next === null) return;
    this.skipTo(flow, side, to, first ? first.ts : (ts ?? flow.lastTs));
  }

  private skipTo(flow: Flow, side: Side, to: number, ts: number): void {
    const missing = seqDiff(to, side.next!);
    if (missing <= 0) return;
    this.opts.problems.problem('gap', `${missing} bytes of a TCP stream were not captured`);
    flow.handler!.gap(side.dir, missing, ts);
    side.next = to;
  }

  /** Holds a piece ahead of the stream, copied, without the parts already held (the first copy wins). */
  private hold(flow: Flow, side: Side, piece: Piece): void {
    const held = side.held;
    // The new piece minus every held stretch it overlaps: up to one part between each pair.
    const parts: Piece[] = [];
    let cursor = 0;
    const length = pieceLength(piece);
    let index = 0;
    while (index < held.length && seqDiff(held[index]!.seq, piece.seq) + pieceLength(held[index]!) <= 0) index++;
    const insertAt = index;
    for (; index < held.length && cursor < length; index++) {
      const h = held[index]!;
      const start = seqDiff(h.seq, piece.seq);
      if (start >= length) break;
      if (start > cursor) parts.push(slicePiece(piece, cursor, start));
      cursor = Math.max(cursor, start + pieceLength(h));
    }
    if (cursor < length) parts.push(slicePiece(piece, cursor, length));
    if (parts.length === 0) return;
    let added = 0;
    for (const part of parts) added += part.bytes.length;
    // Over the caps: give up holes, oldest first, until the new bytes fit.
    // The budget across all flows too: without it 10,000 flows × 2 directions could hold gigabytes.
    const overTotal = this.bufferedBytes + added > this.maxBufferedTotal;
    if (overTotal || side.heldBytes + added > this.maxBuffered || held.length + parts.length > MAX_HELD_SEGMENTS) {
      this.opts.problems.problem('flow-buffer-full', overTotal ? `more than ${this.maxBufferedTotal} bytes held out of order across all flows` : `more than ${this.maxBuffered} bytes (or ${MAX_HELD_SEGMENTS} segments) held out of order`);
      // Simplest and bounded: every held piece goes out (after its hole), then this one after its own.
      while (held.length > 0) {
        this.skipHole(flow, side);
        this.deliverHeld(flow, side);
      }
      if (side.finished) return;
      if (seqDiff(piece.seq, side.next!) > 0) this.skipTo(flow, side, piece.seq, piece.ts);
      this.accept(flow, side, piece);
      return;
    }
    // The parts fall between held pieces: each goes in at its own place in sequence order.
    let at = insertAt;
    for (const part of parts) {
      while (at < held.length && seqDiff(held[at]!.seq, part.seq) < 0) at++;
      held.splice(at, 0, { ...part, bytes: part.bytes.slice() });
      at++;
    }
    side.heldBytes += added;
    this.bufferedBytes += added;
    if (side.heldBytes > this.peakBufferedPerDirection) this.peakBufferedPerDirection = side.heldBytes;
  }

  private release(side: Side, bytes: number): void {
    side.heldBytes -= bytes;
    this.bufferedBytes -= bytes;
  }

  /** The stream reached its FIN: the side is done (nothing after it is read, so `next` stays). */
  private reachFin(side: Side): void {
    if (!side.finished && side.finSeq !== null && side.next === side.finSeq) {
      side.finished = true;
      for (const piece of side.held) this.release(side, piece.bytes.length);
      side.held.length = 0; // emptied in place: callers may hold the array
    }
  }

  /** Ends a flow: what each side holds is delivered after the gaps before it, then end(). */
  private finish(flow: Flow, how: 'fin' | 'rst' | 'idle' | 'evicted' | 'capture-end', ts: number): void {
    for (const side of [flow.client, flow.server]) {
      while (side.held.length > 0) {
        this.skipHole(flow, side);
        this.deliverHeld(flow, side);
      }
    }
    flow.ended = true;
    flow.handler!.end(how, ts);
    flow.handler = null;
  }

  private expireIdle(now: number): void {
    // Oldest first: the first flow active within idleMs means all later ones were too.
    for (let flow = this.oldest; flow !== null && now - flow.lastTs >= this.idleMs; flow = this.oldest) {
      this.forget(flow);
      if (!flow.ended) {
        this.opts.problems.problem('flows-evicted', `a flow idle for ${Math.round((now - flow.lastTs) / 1000)} s of capture time`);
        this.finish(flow, 'idle', flow.lastTs);
      }
    }
  }

  private evictOldest(now: number): void {
    const flow = this.oldest;
    if (!flow) return;
    this.forget(flow);
    if (!flow.ended) {
      this.opts.problems.problem('flows-evicted', `more than ${this.maxFlows} flows at once: the least recently active ended`);
      this.finish(flow, 'evicted', now);
    }
  }

  private append(flow: Flow): void {
    flow.older = this.newest;
    flow.newer = null;
    if (this.newest) this.newest.newer = flow;
    else this.oldest = flow;
    this.newest = flow;
  }

  private unlink(flow: Flow): void {
    if (flow.older) flow.older.newer = flow.newer;
    else this.oldest = flow.newer;
    if (flow.newer) flow.newer.older = flow.older;
    else this.newest = flow.older;
    flow.older = null;
    flow.newer = null;
  }

  /** The flow was active: it becomes the newest. */
  private touch(flow: Flow): void {
    if (this.newest === flow) return;
    this.unlink(flow);
    this.append(flow);
  }

  private forget(flow: Flow): void {
    this.flows.delete(flow.key);
    this.unlink(flow);
  }
}
