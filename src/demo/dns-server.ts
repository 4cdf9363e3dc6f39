// A small authoritative DNS server on loopback for the demo lab and tests: answers from a Zone
// over UDP and TCP on one port. Every packet is untrusted: malformed ones are ignored, sizes and
// connections are bounded, and no error escapes to crash the process.
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet, Question } from 'dns-packet';
import type { Zone, ZoneRecord } from './zone.js';
import { reverseName } from '../core/ip.js';
import { normalizeDnsName } from '../core/names.js';

export interface DnsServerOptions {
  /** Address to bind (default 127.0.0.1). */
  address?: string;
  /** Port to bind (default 0: pick a free one). */
  port?: number;
}

export interface RunningDnsServer {
  address: string;
  port: number;
  stop(): Promise<void>;
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const DEFAULT_TTL = 300;
const MAX_UDP = 512;
const MAX_EDNS_UDP = 4096;
const MAX_TCP_CONNECTIONS = 64;
const TCP_IDLE_MS = 10_000;
const MAX_TCP_BACKLOG = 1024 * 1024;
const MAX_CNAME_CHAIN = 8;
const BIND_ATTEMPTS = 8;


/** TXT data as character-strings of at most 255 bytes each (strings given one by one are kept as they are). */
function txtChunks(text: string | string[]): Buffer[] {
  if (Array.isArray(text)) return text.length > 0 ? text.map((t) => Buffer.from(t, 'utf8')) : [Buffer.alloc(0)];
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) chunks.push(bytes.subarray(i, i + 255));
  return chunks.length > 0 ? chunks : [Buffer.alloc(0)];
}

function toAnswer(record: ZoneRecord, name: string): Answer {
  const ttl = record.ttl ?? DEFAULT_TTL;
  switch (record.type) {
    case 'MX':
      // A null MX's exchange "." encodes as the root name.
      return { type: 'MX', name, ttl, data: { preference: record.data.preference, exchange: record.data.exchange } };
    case 'TXT':
      return { type: 'TXT', name, ttl, data: txtChunks(record.data) };
    case 'TLSA':
      return { type: 'TLSA', name, ttl, data: { usage: record.data.usage, selector: record.data.selector, matchingType: record.data.matchingType, certificate: Buffer.from(record.data.data, 'hex') } };
    default:
      return { type: record.type, name, ttl, data: record.type === 'A' || record.type === 'AAAA' ? record.data : normalizeDnsName(record.data) || '.' };
  }
}

function validName(name: string): boolean {
  const n = normalizeDnsName(name);
  if (n === '') return true; // the root
  return Buffer.byteLength(n) <= 253 && n.split('.').every((label) => label.length > 0 && Buffer.byteLength(label) <= 63);
}

/** A zone is written by us, but a mistake in it would be encoded as garbage: refuse it at start. */
function checkRecord(record: ZoneRecord): void {
  const bad = (why: string): never => {
    throw new Error(`DNS server: zone record ${record.type} ${JSON.stringify(record.name)}: ${why}`);
  };
  if (!validName(record.name) || normalizeDnsName(record.name) === '') bad('not a valid name');
  if (record.ttl !== undefined && (!Number.isInteger(record.ttl) || record.ttl < 0 || record.ttl > 0x7fffffff)) bad('bad TTL');
  switch (record.type) {
    case 'A':
      if (isIP(record.data) !== 4) bad('not an IPv4 address');
      break;
    case 'AAAA':
      if (isIP(record.data) !== 6) bad('not an IPv6 address');
      break;
    case 'MX': {
      const { preference, exchange } = record.data;
      if (!Number.isInteger(preference) || preference < 0 || preference > 0xffff) bad('bad preference');
      if (!validName(exchange)) bad('not a valid exchange name');
      break;
    }
    case 'TXT':
      if (Array.isArray(record.data) && record.data.some((t) => Buffer.byteLength(t) > 255)) bad('a character-string longer than 255 bytes');
      break;
    case 'TLSA': {
      const { usage, selector, matchingType, data } = record.data;
      if (![usage, selector, matchingType].every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) bad('usage, selector and matching type are 0-255');
      if (!/^([0-9a-fA-F]{2})*$/.test(data)) bad('the data is not hex');
      break;
    }
    default:
      if (!validName(record.data)) bad('not a valid target name');
  }
}

interface Lookup {
  rcode: number;
  answers: Answer[];
  /** true: send nothing at all (the zone's time-out list). */
  drop: boolean;
  /** Every name of the answer is signed (the AD bit, when asked for). */
  secure?: boolean;
  /** The answer does not validate: SERVFAIL with EDE 6, unless CD. */
  bogus?: boolean;
}

/** Whether a name is at or under one of the suffixes. */
function under(name: string, suffixes: ReadonlySet<string>): boolean {
  for (let n = name; ; n = n.slice(n.indexOf('.') + 1)) {
    if (suffixes.has(n)) return true;
    if (!n.includes('.')) return false;
  }
}

/** The zone indexed by lowercase name, plus its failure lists. */
class ZoneIndex {
  private readonly byName = new Map<string, ZoneRecord[]>();
  private readonly servfail: Set<string>;
  private readonly timeout: Set<string>;
  private readonly refused: Set<string>;
  private readonly signed: Set<string>;
  private readonly bogus: Set<string>;

  constructor(zone: Zone) {
    for (const record of zone.records) {
      checkRecord(record);
      // PTR records may be written under the address itself; they are served under the reverse name.
      const name = normalizeDnsName(record.type === 'PTR' ? reverseName(normalizeDnsName(record.name)) : record.name);
      const list = this.byName.get(name) ?? [];
      list.push(record);
      this.byName.set(name, list);
    }
    this.servfail = new Set((zone.servfail ?? []).map(normalizeDnsName));
    this.timeout = new Set((zone.timeout ?? []).map(normalizeDnsName));
    this.refused = new Set((zone.refused ?? []).map(normalizeDnsName));
    this.signed = new Set((zone.signed ?? []).map(normalizeDnsName));
    this.bogus = new Set((zone.bogus ?? []).map(normalizeDnsName));
  }

  /** The answer with its DNSSEC status: secure when every name it went through is signed; bogus when one is listed so. */
  answer(question: Question): Lookup {
    const lookup = this.plain(question);
    const names = [normalizeDnsName(question.name), ...lookup.answers.map((a) => normalizeDnsName(a.name))];
    return { ...lookup, secure: names.every((n) => under(n, this.signed)), bogus: names.some((n) => this.bogus.has(n)) };
  }

  private plain(question: Question): Lookup {
    const qname = normalizeDnsName(question.name);
    if (this.timeout.has(qname)) return { rcode: RCODE.NOERROR, answers: [], drop: true };
    if (this.servfail.has(qname)) return { rcode: RCODE.SERVFAIL, answers: [], drop: false };
    if (this.refused.has(qname)) return { rcode: RCODE.REFUSED, answers: [], drop: false };
    if ((question.class ?? 'IN') !== 'IN' && question.class !== 'ANY') return { rcode: RCODE.REFUSED, answers: [], drop: false };

    const qtype: string = question.type;
    const answers: Answer[] = [];
    let name = qname;
    const visited = new Set<string>();
    for (let depth = 0; depth <= MAX_CNAME_CHAIN; depth++) {
      const records = this.byName.get(name);
      if (records === undefined) {
        // The asked name itself is unknown: NXDOMAIN. A CNAME pointing out of the zone: just the CNAME.
        return { rcode: depth === 0 ? RCODE.NXDOMAIN : RCODE.NOERROR, answers, drop: false };
      }
      const matching = records.filter((r) => qtype === 'ANY' || r.type === qtype);
      if (matching.length > 0) {
        answers.push(...matching.map((r) => toAnswer(r, name)));
        return { rcode: RCODE.NOERROR, answers, drop: false };
      }
      const alias = records.find((r) => r.type === 'CNAME');
      if (alias === undefined || qtype === 'CNAME') return { rcode: RCODE.NOERROR, answers, drop: false };
      answers.push(toAnswer(alias, name));
      visited.add(name);
      name = normalizeDnsName(alias.data as string);
      if (visited.has(name) || this.servfail.has(name) || this.timeout.has(name) || this.refused.has(name)) break;
    }
    return { rcode: RCODE.NOERROR, answers, drop: false };
  }
}

/** Builds the reply bytes for one query, or null to stay silent. `maxSize` null: no limit (TCP). */
function respond(index: ZoneIndex, query: DecodedPacket, maxSize: number | null): Buffer | null {
  if (query.type !== 'query') return null;
  const questions = query.questions ?? [];
  const rd = query.flags !== undefined ? query.flags & dnsPacket.RECURSION_DESIRED : 0;
  const base = { type: 'response' as const, id: query.id ?? 0, questions };
  const header = (rcode: number, extra = 0): number => dnsPacket.AUTHORITATIVE_ANSWER | rd | extra | rcode;
  const opcode = query.flags !== undefined ? (query.flags >> 11) & 0xf : 0;
  const first = questions[0];
  if (opcode !== 0) return dnsPacket.encode({ ...base, flags: header(RCODE.NOTIMP) });
  if (questions.length !== 1 || first === undefined) return dnsPacket.encode({ ...base, flags: header(RCODE.FORMERR) });

  // The zone holds only A, AAAA, MX, CNAME, PTR, TXT, TLSA and NS: any other type is NODATA (or NXDOMAIN).
  const lookup = index.answer(first);
  if (lookup.drop) return null;
  const flags = query.flags ?? 0;
  const opt = (query.additionals ?? []).find((a) => a.type === 'OPT');
  const dnssecOk = opt !== undefined && 'flags' in opt && ((opt.flags ?? 0) & dnsPacket.DNSSEC_OK) !== 0;
  const cd = (flags & dnsPacket.CHECKING_DISABLED) !== 0;
  if (lookup.bogus && !cd) {
    // What a validating resolver says of data whose signatures fail (RFC 8914 §4.7): SERVFAIL, EDE 6.
    const ede = Buffer.concat([Buffer.from([0, 6]), Buffer.from('signature does not verify (demo zone)')]);
    return dnsPacket.encode({ ...base, flags: header(RCODE.SERVFAIL), additionals: [{ type: 'OPT', name: '.', udpPayloadSize: MAX_EDNS_UDP, flags: 0, options: [{ code: 15, data: ede }] }] } as unknown as Packet);
  }
  const ad = lookup.secure && !lookup.bogus && (dnssecOk || (flags & dnsPacket.AUTHENTIC_DATA) !== 0) ? dnsPacket.AUTHENTIC_DATA : 0;

  let reply: Buffer;
  try {
    reply = dnsPacket.encode({ ...base, flags: header(lookup.rcode, ad), answers: lookup.answers } satisfies Packet);
  } catch {
    // A zone record that cannot be encoded (bad address …): the server's fault, said as SERVFAIL.
    return dnsPacket.encode({ ...base, flags: header(RCODE.SERVFAIL) });
  }
  if (maxSize !== null && reply.length > maxSize) {
    // Too big for UDP: truncated, so the client asks again over TCP.
    return dnsPacket.encode({ ...base, flags: header(lookup.rcode, dnsPacket.TRUNCATED_RESPONSE) });
  }
  return reply;
}

/** A SERVFAIL answer to a query. */
function servfailFor(query: DecodedPacket): Buffer {
  const rd = query.flags !== undefined ? query.flags & dnsPacket.RECURSION_DESIRED : 0;
  return dnsPacket.encode({ type: 'response', id: query.id ?? 0, questions: query.questions ?? [], flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | RCODE.SERVFAIL });
}

/** The UDP size the client can take (EDNS0 OPT), within our bounds. */
function udpLimit(query: DecodedPacket): number {
  const opt = (query.additionals ?? []).find((a) => a.type === 'OPT');
  const size = opt && 'udpPayloadSize' in opt ? opt.udpPayloadSize : MAX_UDP;
  return Math.min(Math.max(MAX_UDP, size), MAX_EDNS_UDP);
}

function decode(buf: Buffer): DecodedPacket | null {
  try {
    return dnsPacket.decode(buf);
  } catch {
    return null;
  }
}

function serveTcp(index: ZoneIndex, socket: Socket): void {
  let buffered = Buffer.alloc(0);
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    // Each message is a 2-byte length then the packet (RFC 1035 §4.2.2); at most 64 KiB by construction.
    while (buffered.length >= 2) {
      const length = buffered.readUInt16BE(0);
      if (buffered.length < 2 + length) break;
      const message = buffered.subarray(2, 2 + length);
      buffered = buffered.subarray(2 + length);
      const query = decode(message);
      if (query === null) {
        socket.destroy();
        return;
      }
      let reply: Buffer | null = null;
      try {
        reply = respond(index, query, null);
      } catch {
        reply = null;
      }
      // A client that sends but never reads is cut off rather than buffered for without end.
      if (socket.writableLength > MAX_TCP_BACKLOG) {
        socket.destroy();
        return;
      }
      // An answer too big for one TCP message (names are not compressed here): say SERVFAIL
      // rather than nothing, which would leave the client waiting for its time-out.
      if (reply !== null && reply.length > 0xffff) reply = servfailFor(query);
      if (reply !== null && reply.length <= 0xffff && !socket.destroyed) {
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length, 0);
        socket.write(Buffer.concat([prefix, reply]));
      }
    }
  });
}

function listenTcp(server: Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off('error', onError);
      const bound = server.address();
      resolve(typeof bound === 'object' && bound !== null ? bound.port : port);
    });
  });
}

function bindUdp(socket: UdpSocket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function closeTcp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

function closeUdp(socket: UdpSocket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/** Starts the server on loopback (UDP and TCP on the same port); `stop()` closes everything. */
export async function startDnsServer(zone: Zone, options: DnsServerOptions = {}): Promise<RunningDnsServer> {
  const address = options.address ?? '127.0.0.1';
  const family = isIP(address);
  if (family === 0) throw new Error(`DNS server: ${address} is not an IP address`);
  const index = new ZoneIndex(zone);
  const wantedPort = options.port ?? 0;
  const sockets = new Set<Socket>();

  let lastError: unknown = null;
  for (let attempt = 0; attempt < (wantedPort === 0 ? BIND_ATTEMPTS : 1); attempt++) {
    const tcp = createServer((socket) => {
      if (sockets.size >= MAX_TCP_CONNECTIONS) {
        socket.destroy();
        return;
      }
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      serveTcp(index, socket);
    });
    tcp.on('error', () => undefined);
    let port: number;
    try {
      port = await listenTcp(tcp, address, wantedPort);
    } catch (err) {
      lastError = err;
      await closeTcp(tcp);
      continue;
    }

    const udp = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
    try {
      await bindUdp(udp, address, port);
    } catch (err) {
      // The UDP port is taken by someone else: try another pair.
      lastError = err;
      await closeUdp(udp);
      await closeTcp(tcp);
      continue;
    }
    udp.on('error', () => undefined);
    udp.on('message', (message: Buffer, peer: RemoteInfo) => {
      const query = decode(message);
      if (query === null) return;
      let reply: Buffer | null;
      try {
        reply = respond(index, query, udpLimit(query));
      } catch {
        return;
      }
      if (reply !== null) udp.send(reply, peer.port, peer.address, () => undefined);
    });

    let stopped: Promise<void> | null = null;
    return {
      address,
      port,
      stop(): Promise<void> {
        stopped ??= (async () => {
          for (const socket of sockets) socket.destroy();
          await Promise.all([closeTcp(tcp), closeUdp(udp)]);
        })();
        return stopped;
      },
    };
  }
  throw new Error(`DNS server: could not bind ${address}:${wantedPort} for UDP and TCP (${lastError instanceof Error ? lastError.message : String(lastError)})`);
}
