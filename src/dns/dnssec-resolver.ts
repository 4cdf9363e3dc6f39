// The DnssecResolver adapter: one DNS query per call to one resolver, built and read by us
// (dns-packet) because node:dns hides what DANE needs: the AD bit, the RCODE of a failure and its
// RFC 8914 Extended DNS Errors. UDP first, TCP when the answer is truncated. Every datagram is
// untrusted: only an answer to the query we sent is taken, anything else is ignored, every size is
// bounded, and nothing a server sends can throw out of here.
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { BlockList, connect as connectTcp } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import type { DnssecResolver, SecureDnsAnswer, SecureQueryType, SecureRecord } from '../core/context.js';
import { DnsError, type DnsErrorCode } from '../core/errors.js';
import { ipFamily } from '../core/ip.js';
import { normalizeDnsName } from '../core/names.js';
import { parseResolverServer } from './system-resolver.js';

export interface DnssecResolverOptions {
  /** 'IP', 'IP:PORT', '[v6]', '[v6]:port' (as --resolver takes it; default port 53). */
  server: string;
  /** Per-try time-out in ms (over TCP: the whole exchange). */
  timeoutMs: number;
  /** Attempts over UDP before giving up (default 2). */
  tries?: number;
  /**
   * The user said this resolver validates (e.g. --trust-ad): its AD bit is believed ('named'). A
   * loopback address is believed on its own ('loopback'); any other: not at all (null).
   */
  trustAd?: boolean;
}

/** RFC 6891 §6.2.5: small enough to avoid IP fragmentation (the DNS flag day 2020 figure). */
const UDP_PAYLOAD_SIZE = 1232;
/** A DNS message, over UDP or behind TCP's 2-byte length, is at most this long. */
const MAX_MESSAGE = 0xffff;
const MAX_RECORDS = 64;
const MAX_EDE = 8;
const MAX_EDE_TEXT = 300;
const EDE_OPTION = 15;
/** Header (12) plus the longest question we could have sent: a 255-byte name, type and class. */
const MAX_HEAD = 12 + 255 + 4;
const DEFAULT_PORT = 53;
// Index = RCODE: the names the port promises; any other is 'RCODE<n>'.
const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

// 127.0.0.0/8 and ::1 (BlockList also matches their IPv4-mapped form, ::ffff:127.0.0.1).
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

interface Server {
  address: string;
  port: number;
  family: 4 | 6;
}

/** What we asked, for telling our answer from spoofed or stray datagrams. */
interface Question {
  id: number;
  name: string;
  type: SecureQueryType;
}

/** A matching UDP datagram: decoded, or only known to be truncated (its sections may be cut anywhere). */
type UdpReply = { truncated: true } | { truncated: false; packet: DecodedPacket };

type Fail = (code: DnsErrorCode, why: string) => DnsError;

/** The --resolver text as an address and port; a UsageError for anything else. */
function parseServer(text: string): Server {
  const server = parseResolverServer(text);
  const bracketed = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(server);
  if (bracketed) return { address: bracketed[1] as string, port: bracketed[2] === undefined ? DEFAULT_PORT : Number(bracketed[2]), family: 6 };
  // A bare IPv6 address has no port (parseResolverServer refused the ambiguous ones).
  if (ipFamily(server) === 6) return { address: server, port: DEFAULT_PORT, family: 6 };
  const colon = server.lastIndexOf(':');
  if (colon < 0) return { address: server, port: DEFAULT_PORT, family: 4 };
  return { address: server.slice(0, colon), port: Number(server.slice(colon + 1)), family: 4 };
}

function trustOf(server: Server, trustAd: boolean): DnssecResolver['trust'] {
  if (LOOPBACK.check(server.address, server.family === 6 ? 'ipv6' : 'ipv4')) return 'loopback';
  return trustAd ? 'named' : null;
}

/** A name we can put in a question: labels of 1 to 63 bytes, 253 bytes in all ('' is the root). */
function askable(name: string): boolean {
  if (name === '') return true;
  return Buffer.byteLength(name) <= 253 && name.split('.').every((label) => label.length > 0 && Buffer.byteLength(label) <= 63);
}

function encodeQuery(question: Question, checkingDisabled: boolean): Buffer {
  const packet: Packet = {
    type: 'query',
    id: question.id,
    flags: dnsPacket.RECURSION_DESIRED | (checkingDisabled ? dnsPacket.CHECKING_DISABLED : 0),
    // dns-packet writes the root as '.' (an empty string would leave a stray byte behind).
    questions: [{ name: question.name || '.', type: question.type, class: 'IN' }],
    // EDNS0 with DO: without it a validating resolver sends neither signatures nor, often, AD.
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: UDP_PAYLOAD_SIZE, extendedRcode: 0, ednsVersion: 0, flags: dnsPacket.DNSSEC_OK, flag_do: true, options: [] }],
  };
  return dnsPacket.encode(packet);
}

function decode(bytes: Buffer): DecodedPacket | null {
  try {
    return dnsPacket.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The header and question of a message, when it is a response to `question`; else null. Read from
 * a copy whose other section counts are zero: a truncated answer may be cut anywhere after its
 * question, and still says "ask again over TCP".
 */
function answersQuestion(bytes: Buffer, question: Question): DecodedPacket | null {
  if (bytes.length < 12 || bytes.length > MAX_MESSAGE) return null;
  const head = Buffer.from(bytes.subarray(0, MAX_HEAD));
  head.fill(0, 6, 12);
  const packet = decode(head);
  const asked = packet?.questions?.length === 1 ? packet.questions[0] : undefined;
  if (packet === null || asked === undefined || packet.type !== 'response' || packet.id !== question.id) return null;
  return normalizeDnsName(asked.name) === question.name && asked.type === question.type && asked.class === 'IN' ? packet : null;
}

/** A datagram that answers our query, or null to go on waiting (spoofed, stray or malformed). */
function readUdpReply(bytes: Buffer, question: Question): UdpReply | null {
  const head = answersQuestion(bytes, question);
  if (head === null) return null;
  if (head.flag_tc) return { truncated: true };
  const packet = decode(bytes);
  return packet === null ? null : { truncated: false, packet };
}

/**
 * A failure of the socket layer. ECONNREFUSED over UDP is ICMP port unreachable: nothing listens
 * there (UNREACHABLE). Over TCP the resolver has just answered over UDP, so a refusal there is a
 * broken resolver, not an absent one (OTHER, with the errno).
 */
function socketFailure(err: Error, fail: Fail, transport: 'UDP' | 'TCP'): DnsError {
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNREFUSED' && transport === 'UDP') return fail('UNREACHABLE', "nothing answers at the resolver's address");
  return fail('OTHER', `${transport}: ${typeof code === 'string' ? code : err.message}`);
}

/** One abort listener and one way to finish: every source of a second call is detached on the first. */
function onceAbort(signal: AbortSignal | undefined, abort: () => void): () => void {
  signal?.addEventListener('abort', abort, { once: true });
  return () => signal?.removeEventListener('abort', abort);
}

/**
 * Sends the query over UDP, `tries` times `timeoutMs` apart, to a connected socket: the kernel
 * drops datagrams from any other address and port, and reports ICMP port unreachable.
 */
function exchangeUdp(server: Server, message: Buffer, question: Question, timeoutMs: number, tries: number, signal: AbortSignal | undefined, fail: Fail): Promise<UdpReply> {
  // A signal aborted before we began fires no event: nothing is sent at all.
  if (signal?.aborted) return Promise.reject(fail('OTHER', 'aborted'));
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: server.family === 6 ? 'udp6' : 'udp4' });
    let done = false;
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: DnsError | null, reply?: UdpReply): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      detach();
      socket.removeAllListeners('message');
      socket.on('error', () => undefined); // a late ICMP error after close is nobody's business
      try {
        socket.close();
      } catch {
        // already closed
      }
      if (err) reject(err);
      else resolve(reply as UdpReply);
    };
    const detach = onceAbort(signal, () => finish(fail('OTHER', 'aborted')));
    const send = (): void => {
      if (done) return;
      attempts++;
      timer = setTimeout(() => (attempts < tries ? send() : finish(fail('TIMEOUT', `no answer from ${describe(server)} within ${tries} × ${timeoutMs} ms`))), timeoutMs);
      socket.send(message, (err) => {
        if (err) finish(socketFailure(err, fail, 'UDP'));
      });
    };
    socket.on('error', (err) => finish(socketFailure(err, fail, 'UDP')));
    socket.on('message', (bytes: Buffer) => {
      const reply = readUdpReply(bytes, question);
      if (reply !== null) finish(null, reply);
    });
    socket.connect(server.port, server.address, send);
  });
}

/** The query over TCP (RFC 7766): one connection, one 2-byte-length-prefixed message each way, the whole exchange within `timeoutMs`. */
function exchangeTcp(server: Server, message: Buffer, question: Question, timeoutMs: number, signal: AbortSignal | undefined, fail: Fail): Promise<DecodedPacket> {
  // Aborted after the UDP answer came and before this began: its event has been and gone.
  if (signal?.aborted) return Promise.reject(fail('OTHER', 'aborted'));
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: server.address, port: server.port, noDelay: true });
    const chunks: Buffer[] = [];
    let received = 0;
    let length: number | null = null;
    let done = false;
    const finish = (err: DnsError | null, packet?: DecodedPacket): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      detach();
      socket.destroy();
      if (err) reject(err);
      else resolve(packet as DecodedPacket);
    };
    const detach = onceAbort(signal, () => finish(fail('OTHER', 'aborted')));
    const timer = setTimeout(() => finish(fail('TIMEOUT', `no TCP answer from ${describe(server)} within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      // Joined only when the length arrives and when the whole message has: a server dripping a
      // byte at a time costs no copying.
      if (length === null && received >= 2) length = Buffer.concat(chunks).readUInt16BE(0);
      if (length === null || received < 2 + length) return;
      const bytes = Buffer.concat(chunks).subarray(2, 2 + length);
      const packet = answersQuestion(bytes, question) === null ? null : decode(bytes);
      finish(packet === null ? fail('OTHER', 'the TCP answer is malformed or answers another query') : null, packet ?? undefined);
    };
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(message.length, 0);
      socket.write(Buffer.concat([prefix, message]));
    });
    socket.on('data', onData);
    socket.on('error', (err) => finish(socketFailure(err, fail, 'TCP')));
    socket.on('close', () => finish(fail('OTHER', 'the TCP answer was cut short')));
  });
}

function describe(server: Server): string {
  return server.family === 6 ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`;
}

/** The RCODE's name; EDNS0 adds 8 high bits in the OPT record (RFC 6891 §6.1.3). */
function rcodeOf(packet: DecodedPacket, opt: Answer | undefined): string {
  const high = opt !== undefined && 'extendedRcode' in opt ? opt.extendedRcode : 0;
  const rcode = (high << 4) | ((packet.flags ?? 0) & 0xf);
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

/**
 * At most 300 UTF-16 code units (what the schema's TypeBox check counts; JSON Schema counts code
 * points, never more), without leaving half a surrogate pair at the end.
 */
function cutText(text: string): string {
  if (text.length <= MAX_EDE_TEXT) return text;
  const last = text.charCodeAt(MAX_EDE_TEXT - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? MAX_EDE_TEXT - 1 : MAX_EDE_TEXT);
}

/** RFC 8914 options of the OPT record: a 2-byte INFO-CODE, then UTF-8 EXTRA-TEXT. */
function extendedErrors(opt: Answer | undefined): SecureDnsAnswer['ede'] {
  // dns-packet gives every option {code, data}, with more fields for those it knows.
  const options = opt !== undefined && 'options' in opt ? (opt.options as unknown as { code?: unknown; data?: unknown }[]) : [];
  const errors: SecureDnsAnswer['ede'] = [];
  for (const option of options) {
    if (errors.length >= MAX_EDE) break;
    if (option.code !== EDE_OPTION || !Buffer.isBuffer(option.data) || option.data.length < 2) continue;
    // 300 characters take at most 1200 bytes: the rest is never decoded.
    const text = option.data.subarray(2, 2 + MAX_EDE_TEXT * 4).toString('utf8');
    errors.push({ code: option.data.readUInt16BE(0), text: cutText(text) });
  }
  return errors;
}

/** The names on the CNAME chain from `name` (loops and side branches followed once each). */
function chainFrom(name: string, answers: Answer[]): Set<string> {
  const aliases = new Map<string, string[]>();
  for (const answer of answers) {
    if (answer.type !== 'CNAME' || answer.class !== 'IN') continue;
    const owner = normalizeDnsName(answer.name);
    aliases.set(owner, [...(aliases.get(owner) ?? []), normalizeDnsName(answer.data)]);
  }
  const chain = new Set([name]);
  const queue = [name];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const target of aliases.get(next) ?? []) {
      if (chain.has(target)) continue;
      chain.add(target);
      queue.push(target);
    }
  }
  return chain;
}

function toRecord(answer: Answer): SecureRecord | null {
  const name = normalizeDnsName(answer.name);
  // Every decoded record has a TTL (only OPT, which never gets here, lacks one in the types).
  const ttl = 'ttl' in answer ? (answer.ttl ?? 0) : 0;
  switch (answer.type) {
    case 'A':
    case 'AAAA':
      return { type: answer.type, name, ttl, address: answer.data.toLowerCase() };
    case 'CNAME':
      return { type: 'CNAME', name, ttl, target: normalizeDnsName(answer.data) };
    case 'MX':
      return { type: 'MX', name, ttl, preference: answer.data.preference ?? 0, exchange: normalizeDnsName(answer.data.exchange) };
    case 'TLSA': {
      const { usage, selector, matchingType, certificate } = answer.data;
      // A copy: a slice would keep the whole datagram alive.
      return { type: 'TLSA', name, ttl, usage, selector, matchingType, data: Buffer.from(certificate) };
    }
    default:
      return null;
  }
}

/** The answer's records of the type asked and the CNAMEs leading to them, in message order; RRSIGs and strays skipped. */
function recordsOf(packet: DecodedPacket, question: Question): SecureRecord[] {
  const answers = packet.answers ?? [];
  const chain = chainFrom(question.name, answers);
  const records: SecureRecord[] = [];
  for (const answer of answers) {
    if (records.length >= MAX_RECORDS) break;
    if ((answer.type !== question.type && answer.type !== 'CNAME') || answer.class !== 'IN' || !chain.has(normalizeDnsName(answer.name))) continue;
    const record = toRecord(answer);
    if (record !== null) records.push(record);
  }
  return records;
}

function toSecureAnswer(packet: DecodedPacket, question: Question, tcp: boolean): SecureDnsAnswer {
  const opt = (packet.additionals ?? []).find((a) => a.type === 'OPT');
  const signed = [...(packet.answers ?? []), ...(packet.authorities ?? [])].some((a) => a.type === 'RRSIG');
  return { rcode: rcodeOf(packet, opt), authenticated: packet.flag_ad, records: recordsOf(packet, question), ede: extendedErrors(opt), tcp, signed };
}

export function createDnssecResolver(options: DnssecResolverOptions): DnssecResolver {
  const server = parseServer(options.server);
  const timeoutMs = Math.max(1, Math.round(options.timeoutMs));
  const tries = Math.max(1, Math.round(options.tries ?? 2));

  async function query(name: string, type: SecureQueryType, queryOptions: { checkingDisabled?: boolean; signal?: AbortSignal } = {}): Promise<SecureDnsAnswer> {
    const question: Question = { id: randomInt(0, 0x10000), name: normalizeDnsName(name), type };
    const fail: Fail = (code, why) => new DnsError(code, question.name, type, `${type} ${question.name}: ${why}`);
    const { signal } = queryOptions;
    if (!askable(question.name)) throw fail('OTHER', 'not a name that can be asked');
    const message = encodeQuery(question, queryOptions.checkingDisabled === true);
    const reply = await exchangeUdp(server, message, question, timeoutMs, tries, signal, fail);
    if (!reply.truncated) return toSecureAnswer(reply.packet, question, false);
    return toSecureAnswer(await exchangeTcp(server, message, question, timeoutMs, signal, fail), question, true);
  }

  return { description: describe(server), trust: trustOf(server, options.trustAd === true), query };
}
