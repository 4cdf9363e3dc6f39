// The contract between the layers of `mxray pcap`:
//
//   capture.ts   bytes of a pcap or pcapng file, pushed in chunks of any size → CapturedPacket
//   packet.ts    CapturedPacket → TcpSegment (link layer, IPv4/IPv6, TCP), or why it was skipped
//   tcp-flows.ts TcpSegment → per-flow, per-direction byte streams in order (reassembly) → FlowHandler
//   smtp-flow.ts FlowHandler that follows one SMTP dialogue (and its TLS handshake) into PcapFlow facts
//   correlate.ts flows over time: a failed handshake followed by a cleartext retry between the same hosts
//
// Every layer is bounded and never throws on input: damaged data is counted (CaptureStats) and the
// reading goes on. Packets are taken as captured: checksums are not verified (offload leaves them
// wrong) and segments larger than the MTU are normal (GSO on loopback).

export interface CapturedPacket {
  /** Capture time in milliseconds since the epoch (fractional: micro- or nanosecond resolution kept). */
  ts: number;
  /** The link type (LINKTYPE_* of the pcap header or of the packet's pcapng interface). */
  linkType: number;
  /** The captured bytes (possibly fewer than the packet had: snaplen). Valid only during the callback. */
  data: Uint8Array;
  /** The packet's length on the wire. */
  origLen: number;
}

/** Problems the layers count; each kind with a count and the first detail seen. */
export type CaptureProblem =
  | 'truncated-file' // the file ends inside a header or a block
  | 'bad-block' // a pcapng block whose length is impossible, or an unknown interface
  | 'snapped' // a packet cut by the snapshot length (origLen > captured): its payload is incomplete
  | 'bad-packet' // a link, IP or TCP header that cannot be read
  | 'unsupported-link' // a link type we do not decode
  | 'fragment' // an IP fragment (not reassembled)
  | 'flow-buffer-full' // out-of-order bytes beyond the per-direction cap: a gap declared
  | 'flows-evicted' // flows dropped for idleness or the flow cap
  | 'gap'; // bytes missing from a stream (not captured)

export interface ProblemCounter {
  problem(kind: CaptureProblem, detail: string): void;
}

export interface CaptureStats {
  format: 'pcap' | 'pcapng' | null;
  /** Link types seen (each once). */
  linkTypes: number[];
  packets: number;
  bytes: number;
  /** TCP segments to or from a watched port. */
  smtpSegments: number;
  firstTs: number | null;
  lastTs: number | null;
  problems: Partial<Record<CaptureProblem, { count: number; first: string }>>;
}

export interface Endpoint {
  /** Canonical text form ("192.0.2.1", "2001:db8::1"). */
  ip: string;
  port: number;
}

export interface TcpSegment {
  ts: number;
  ipVersion: 4 | 6;
  src: Endpoint;
  dst: Endpoint;
  seq: number;
  ack: number;
  syn: boolean;
  ackFlag: boolean;
  fin: boolean;
  rst: boolean;
  /** The TCP payload as captured (valid only during the call). */
  payload: Uint8Array;
  /** Payload bytes the packet had beyond what was captured (snaplen); 0 normally. */
  missing: number;
}

export type Direction = 'client' | 'server';

export interface FlowMeta {
  /** 1-based, in order of the flows' first packets. */
  id: number;
  client: Endpoint;
  server: Endpoint;
  /** Time of the flow's first packet. */
  start: number;
  /** The capture saw the client's SYN (false: the flow was already open when the capture began). */
  sawSyn: boolean;
}

export interface FlowHandler {
  /** Bytes of one direction, in stream order, without duplicates. */
  data(dir: Direction, bytes: Uint8Array, ts: number): void;
  /** Bytes missing from one direction's stream (never captured, or dropped at the buffer cap). */
  gap(dir: Direction, missing: number, ts: number): void;
  /** The flow ended; called once. */
  end(how: 'fin' | 'rst' | 'idle' | 'evicted' | 'capture-end', ts: number): void;
}
