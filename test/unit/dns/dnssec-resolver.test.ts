// The DnssecResolver adapter against a fake DNS server this file starts on 127.0.0.1 (UDP and TCP
// on one port, port 0) and stops: what the query carries (DO, EDNS0 size, CD), what the answer
// gives (RCODE, AD, records, RFC 8914 errors), TCP after truncation, and every way an answer is
// not taken or never comes. Traffic goes to loopback only; other addresses are constructed, never
// queried.
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer, Packet, PacketOpt } from 'dns-packet';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DnsError, UsageError } from '../../../src/core/errors.js';
import { createDnssecResolver, type DnssecResolverOptions } from '../../../src/dns/dnssec-resolver.js';
import { skipWithout } from '../../helpers/skip.js';

type Transport = 'udp' | 'tcp';

/** What the fake sends for one query, in order: a packet (encoded; over TCP with its length), raw bytes as they are, or 'close' (TCP). */
type Out = Packet | Buffer | 'close';

interface Seen {
  transport: Transport;
  query: DecodedPacket;
  bytes: Buffer;
}

type Script = (query: DecodedPacket, how: { transport: Transport; peer: RemoteInfo | null; nth: number }) => Out[];

interface FakeDns {
  address: string;
  port: number;
  seen: Seen[];
  script: Script;
  /** A datagram from the fake's own address and port. */
  send(bytes: Buffer, peer: RemoteInfo): void;
  stop(): Promise<void>;
}

const silent: Script = () => [];

function frame(bytes: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(bytes.length, 0);
  return Buffer.concat([prefix, bytes]);
}

function decodeOrNull(bytes: Buffer): DecodedPacket | null {
  try {
    return dnsPacket.decode(bytes);
  } catch {
    return null;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The fake: records every query it can decode, then sends what the current script says. */
async function startFake(options: { address?: string; tcp?: boolean } = {}): Promise<FakeDns> {
  const address = options.address ?? '127.0.0.1';
  const family = address.includes(':') ? 'udp6' : 'udp4';
  for (let attempt = 0; attempt < 8; attempt++) {
    const udp: UdpSocket = createSocket({ type: family, ipv6Only: family === 'udp6' });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, address, () => resolve());
    });
    const port = udp.address().port;
    const sockets = new Set<Socket>();
    let tcp: Server | null = null;
    if (options.tcp !== false) {
      tcp = createServer((socket) => {
        sockets.add(socket);
        // Each write its own segment: the pieces tests need them apart.
        socket.setNoDelay(true);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
        let buffered = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          buffered = Buffer.concat([buffered, chunk]);
          while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
            const bytes = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
            buffered = buffered.subarray(2 + bytes.length);
            const query = decodeOrNull(bytes);
            if (query === null) continue;
            fake.seen.push({ transport: 'tcp', query, bytes });
            void sendTcp(socket, fake.script(query, { transport: 'tcp', peer: null, nth: fake.seen.length }));
          }
        });
      });
      const listening = await new Promise<boolean>((resolve) => {
        tcp!.once('error', () => resolve(false));
        tcp!.listen({ host: address, port, exclusive: true }, () => resolve(true));
      });
      if (!listening) {
        udp.close();
        continue; // the TCP port of that number is taken: another pair
      }
    }
    udp.on('message', (bytes: Buffer, peer: RemoteInfo) => {
      const query = decodeOrNull(bytes);
      if (query === null) return;
      fake.seen.push({ transport: 'udp', query, bytes });
      for (const out of fake.script(query, { transport: 'udp', peer, nth: fake.seen.length })) {
        if (out !== 'close') udp.send(Buffer.isBuffer(out) ? out : dnsPacket.encode(out), peer.port, peer.address);
      }
    });
    const fake: FakeDns = {
      address,
      port,
      seen: [],
      script: silent,
      send(bytes, peer) {
        udp.send(bytes, peer.port, peer.address);
      },
      async stop() {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => udp.close(() => resolve()));
        if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
      },
    };
    return fake;
  }
  throw new Error('could not bind the fake DNS server');
}

/** Over TCP each output is written apart (a short pause between), so that pieces arrive as pieces. */
async function sendTcp(socket: Socket, outs: Out[]): Promise<void> {
  for (const out of outs) {
    if (socket.destroyed) return;
    if (out === 'close') {
      socket.end();
      return;
    }
    socket.write(Buffer.isBuffer(out) ? out : frame(dnsPacket.encode(out)));
    await pause(5);
  }
}

/** A response to `query`: its id and question, RD echoed, and what the test gives. */
function response(
  query: DecodedPacket,
  fields: { flags?: number; answers?: Answer[]; authorities?: Answer[]; additionals?: Answer[]; id?: number; questions?: Packet['questions']; type?: 'query' | 'response' } = {},
): Packet {
  return {
    type: fields.type ?? 'response',
    id: fields.id ?? query.id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (fields.flags ?? 0),
    questions: fields.questions ?? query.questions,
    answers: fields.answers ?? [],
    authorities: fields.authorities ?? [],
    additionals: fields.additionals ?? [],
  };
}

function opt(options: { code: number; data: Buffer }[] = [], extendedRcode = 0): OptAnswer {
  return { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode, ednsVersion: 0, flags: dnsPacket.DNSSEC_OK, flag_do: true, options: options as unknown as PacketOpt[] };
}

/** An RFC 8914 option: INFO-CODE, then the EXTRA-TEXT bytes. */
function ede(code: number, text: string | Buffer = ''): { code: number; data: Buffer } {
  const info = Buffer.alloc(2);
  info.writeUInt16BE(code, 0);
  return { code: 15, data: Buffer.concat([info, Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8')]) };
}

const a = (name: string, address: string, ttl = 300): Answer => ({ type: 'A', name, ttl, data: address });

function rrsig(name: string, typeCovered: string): Answer {
  return {
    type: 'RRSIG',
    name,
    ttl: 300,
    data: { typeCovered, algorithm: 13, labels: 2, originalTTL: 300, expiration: 2000000000, inception: 1700000000, keyTag: 12345, signersName: 'example.test', signature: Buffer.alloc(64, 7) },
  };
}

/** What a promise rejected with, or a failure if it did not. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the query to fail');
}

async function dnsCode(promise: Promise<unknown>): Promise<string> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(DnsError);
  return (err as DnsError).code;
}

let fake: FakeDns;

beforeAll(async () => {
  fake = await startFake();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.seen = [];
  fake.script = silent;
});

function resolver(options: Partial<DnssecResolverOptions> = {}) {
  return createDnssecResolver({ server: `127.0.0.1:${fake.port}`, timeoutMs: 2000, tries: 1, ...options });
}

describe('the query', () => {
  it('asks one question with RD, and EDNS0 with the DO bit and a UDP payload size of 1232', async () => {
    fake.script = (q) => [response(q)];
    await resolver().query('_25._tcp.mx.example.test', 'TLSA');
    expect(fake.seen).toHaveLength(1);
    const { query, transport } = fake.seen[0]!;
    expect(transport).toBe('udp');
    expect({ type: query.type, rd: query.flag_rd, questions: query.questions }).toEqual({
      type: 'query',
      rd: true,
      questions: [{ name: '_25._tcp.mx.example.test', type: 'TLSA', class: 'IN' }],
    });
    const opts = (query.additionals ?? []).filter((r) => r.type === 'OPT') as OptAnswer[];
    expect(opts).toHaveLength(1);
    expect({ name: opts[0]!.name, size: opts[0]!.udpPayloadSize, version: opts[0]!.ednsVersion, do: opts[0]!.flag_do }).toEqual({ name: '.', size: 1232, version: 0, do: true });
  });

  it('sets CD only when asked', async () => {
    fake.script = (q) => [response(q)];
    const r = resolver();
    await r.query('example.test', 'MX');
    await r.query('example.test', 'MX', { checkingDisabled: true });
    await r.query('example.test', 'MX', { checkingDisabled: false });
    expect(fake.seen.map((s) => s.query.flag_cd)).toEqual([false, true, false]);
  });

  it('asks the name in lower case without its final dot', async () => {
    fake.script = (q) => [response(q)];
    await resolver().query('MX1.Example.TEST.', 'A');
    expect(fake.seen[0]!.query.questions).toEqual([{ name: 'mx1.example.test', type: 'A', class: 'IN' }]);
  });

  it('gives each query its own id', async () => {
    fake.script = (q) => [response(q)];
    const r = resolver();
    for (let i = 0; i < 8; i++) await r.query('example.test', 'A');
    // Eight random 16-bit ids all equal: 1 in 2^112.
    expect(new Set(fake.seen.map((s) => s.query.id)).size).toBeGreaterThan(1);
  });

  it('refuses a name that cannot be asked, sending nothing', async () => {
    for (const name of [`${'a'.repeat(64)}.example.test`, 'a..example.test', `${'abcdefghi.'.repeat(26)}test`]) {
      expect(await dnsCode(resolver().query(name, 'A')), name).toBe('OTHER');
    }
    await pause(20);
    expect(fake.seen).toEqual([]);
  });
});

describe('the answer', () => {
  it.each([true, false])('reads the AD bit as received (%s)', async (ad) => {
    fake.script = (q) => [response(q, { flags: ad ? dnsPacket.AUTHENTIC_DATA : 0, answers: [a('example.test', '192.0.2.1')], additionals: [opt()] })];
    const answer = await resolver().query('example.test', 'A');
    expect(answer.authenticated).toBe(ad);
  });

  it.each([
    [0, 'NOERROR'],
    [1, 'FORMERR'],
    [2, 'SERVFAIL'],
    [3, 'NXDOMAIN'],
    [4, 'NOTIMP'],
    [5, 'REFUSED'],
    [9, 'RCODE9'],
  ])('resolves with RCODE %i as %s', async (rcode, name) => {
    fake.script = (q) => [response(q, { flags: rcode, additionals: [opt()] })];
    expect(await resolver().query('example.test', 'MX')).toEqual({ rcode: name, authenticated: false, records: [], ede: [], tcp: false, signed: false });
  });

  it('adds the extended RCODE bits of the OPT record (BADVERS is 16)', async () => {
    fake.script = (q) => [response(q, { additionals: [opt([], 1)] })];
    expect((await resolver().query('example.test', 'MX')).rcode).toBe('RCODE16');
  });

  it('reads an Extended DNS Error: code and text', async () => {
    fake.script = (q) => [response(q, { flags: 2, additionals: [opt([ede(9, 'no SEP matching the DS found for example.test.')])] })];
    const answer = await resolver().query('example.test', 'TLSA', { checkingDisabled: false });
    expect(answer).toEqual({ rcode: 'SERVFAIL', authenticated: false, records: [], ede: [{ code: 9, text: 'no SEP matching the DS found for example.test.' }], tcp: false, signed: false });
  });

  it('reads two Extended DNS Errors in order, one without text, among other options', async () => {
    const cookie = { code: 10, data: Buffer.alloc(8, 1) };
    fake.script = (q) => [response(q, { flags: 2, additionals: [opt([ede(6, 'RRSIG expired'), cookie, ede(22)])] })];
    expect((await resolver().query('example.test', 'A')).ede).toEqual([
      { code: 6, text: 'RRSIG expired' },
      { code: 22, text: '' },
    ]);
  });

  it('cuts an Extended DNS Error text at 300 characters (UTF-16 units, as the schema counts; never half a pair)', async () => {
    const texts = ['x'.repeat(5000), 'é'.repeat(400), `x${'😀'.repeat(400)}`, '😀'.repeat(400), 'y'.repeat(300)];
    fake.script = (q) => [response(q, { flags: 2, additionals: [opt(texts.map((text, i) => ede(i, text)))] })];
    expect((await resolver().query('example.test', 'A')).ede).toEqual([
      { code: 0, text: 'x'.repeat(300) },
      { code: 1, text: 'é'.repeat(300) },
      // 'x' and 149 pairs: the 150th pair would end at unit 301.
      { code: 2, text: `x${'😀'.repeat(149)}` },
      { code: 3, text: '😀'.repeat(150) },
      { code: 4, text: 'y'.repeat(300) },
    ]);
  });

  it('keeps at most 8 Extended DNS Errors and skips one too short for its code', async () => {
    const options = [{ code: 15, data: Buffer.from([0]) }, ...Array.from({ length: 12 }, (_, i) => ede(i, `e${i}`))];
    fake.script = (q) => [response(q, { flags: 2, additionals: [opt(options)] })];
    expect((await resolver().query('example.test', 'A')).ede).toEqual(Array.from({ length: 8 }, (_, i) => ({ code: i, text: `e${i}` })));
  });
});

describe('the records', () => {
  it('decodes MX records, names lower case (a null MX has the exchange "")', async () => {
    fake.script = (q) => [
      response(q, {
        answers: [
          { type: 'MX', name: 'Example.TEST', ttl: 3600, data: { preference: 10, exchange: 'MX1.Example.Test' } },
          { type: 'MX', name: 'example.test', ttl: 3600, data: { preference: 0, exchange: '.' } },
          rrsig('example.test', 'MX'),
        ],
      }),
    ];
    expect((await resolver().query('example.test', 'MX')).records).toEqual([
      { type: 'MX', name: 'example.test', ttl: 3600, preference: 10, exchange: 'mx1.example.test' },
      { type: 'MX', name: 'example.test', ttl: 3600, preference: 0, exchange: '' },
    ]);
  });

  it('says whether the answer is signed: an RRSIG in the answer or in the authority section (a signed "no such record")', async () => {
    fake.script = (q) => [response(q, { answers: [a('mx.example.test', '192.0.2.1'), rrsig('mx.example.test', 'A')] })];
    expect((await resolver().query('mx.example.test', 'A')).signed).toBe(true);
    fake.script = (q) => [response(q, { authorities: [rrsig('example.test', 'SOA')] })];
    expect((await resolver().query('_25._tcp.mx.example.test', 'TLSA')).signed).toBe(true);
    fake.script = (q) => [response(q, { answers: [a('mx.example.test', '192.0.2.1')] })];
    expect((await resolver().query('mx.example.test', 'A')).signed).toBe(false);
  });

  it('decodes TLSA records (usage, selector, matching type, data) and skips their RRSIG', async () => {
    const digest = Buffer.from('8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1', 'hex');
    const full = Buffer.from('3082010a0282010100c0ffee', 'hex');
    fake.script = (q) => [
      response(q, {
        answers: [
          { type: 'TLSA', name: '_25._TCP.mx1.example.test', ttl: 60, data: { usage: 3, selector: 1, matchingType: 1, certificate: digest } },
          rrsig('_25._tcp.mx1.example.test', 'TLSA'),
          { type: 'TLSA', name: '_25._tcp.mx1.example.test', ttl: 60, data: { usage: 2, selector: 0, matchingType: 0, certificate: full } },
        ],
      }),
    ];
    const answer = await resolver().query('_25._tcp.mx1.example.test', 'TLSA');
    expect(answer.records).toEqual([
      { type: 'TLSA', name: '_25._tcp.mx1.example.test', ttl: 60, usage: 3, selector: 1, matchingType: 1, data: digest },
      { type: 'TLSA', name: '_25._tcp.mx1.example.test', ttl: 60, usage: 2, selector: 0, matchingType: 0, data: full },
    ]);
    expect(Buffer.isBuffer((answer.records[0] as { data: Buffer }).data)).toBe(true);
  });

  it('follows a CNAME chain in message order, skipping records off the chain and of other types', async () => {
    fake.script = (q) => [
      response(q, {
        answers: [
          a('B.example.test', '192.0.2.7', 30),
          { type: 'CNAME', name: 'www.example.test', ttl: 100, data: 'A.Example.Test' },
          rrsig('www.example.test', 'CNAME'),
          { type: 'CNAME', name: 'a.example.test', ttl: 200, data: 'b.example.test' },
          a('unrelated.test', '192.0.2.99'),
          { type: 'CNAME', name: 'elsewhere.test', ttl: 200, data: 'b.example.test' },
          { type: 'TXT', name: 'b.example.test', ttl: 30, data: 'hello' },
          { type: 'AAAA', name: 'b.example.test', ttl: 30, data: '2001:db8::7' },
        ],
      }),
    ];
    expect((await resolver().query('WWW.example.test', 'A')).records).toEqual([
      { type: 'A', name: 'b.example.test', ttl: 30, address: '192.0.2.7' },
      { type: 'CNAME', name: 'www.example.test', ttl: 100, target: 'a.example.test' },
      { type: 'CNAME', name: 'a.example.test', ttl: 200, target: 'b.example.test' },
    ]);
  });

  it('ends a CNAME loop', async () => {
    fake.script = (q) => [
      response(q, {
        answers: [
          { type: 'CNAME', name: 'x.example.test', ttl: 1, data: 'y.example.test' },
          { type: 'CNAME', name: 'y.example.test', ttl: 1, data: 'x.example.test' },
        ],
      }),
    ];
    expect((await resolver().query('x.example.test', 'AAAA')).records.map((r) => r.name)).toEqual(['x.example.test', 'y.example.test']);
  });

  it('decodes AAAA records in their short lower-case form', async () => {
    fake.script = (q) => [response(q, { answers: [{ type: 'AAAA', name: 'mx.example.test', ttl: 5, data: '2001:DB8:0:0:0:0:0:1' }] })];
    expect((await resolver().query('mx.example.test', 'AAAA')).records).toEqual([{ type: 'AAAA', name: 'mx.example.test', ttl: 5, address: '2001:db8::1' }]);
  });

  it('keeps only records of the class IN', async () => {
    fake.script = (q) => [response(q, { answers: [{ ...a('mx.example.test', '192.0.2.1'), class: 'CH' } as Answer, a('mx.example.test', '192.0.2.2')] })];
    expect((await resolver().query('mx.example.test', 'A')).records.map((r) => (r as { address: string }).address)).toEqual(['192.0.2.2']);
  });

  it('returns at most 64 records, the first ones', async () => {
    const answers = Array.from({ length: 100 }, (_, i) => a('big.example.test', `10.0.0.${i}`));
    fake.script = (q) => [response(q, { answers })];
    const records = (await resolver().query('big.example.test', 'A')).records;
    expect(records.map((r) => (r as { address: string }).address)).toEqual(Array.from({ length: 64 }, (_, i) => `10.0.0.${i}`));
  });
});

describe('truncation', () => {
  it('asks again over TCP when the UDP answer has TC, and takes that answer', async () => {
    fake.script = (q, { transport }) =>
      transport === 'udp'
        ? [response(q, { flags: dnsPacket.TRUNCATED_RESPONSE, answers: [a('mx.example.test', '192.0.2.66')] })]
        : [response(q, { flags: dnsPacket.AUTHENTIC_DATA, answers: [a('mx.example.test', '192.0.2.1'), a('mx.example.test', '192.0.2.2')], additionals: [opt([ede(3, 'stale')])] })];
    const answer = await resolver().query('mx.example.test', 'A');
    expect(answer).toEqual({
      rcode: 'NOERROR',
      authenticated: true,
      records: [
        { type: 'A', name: 'mx.example.test', ttl: 300, address: '192.0.2.1' },
        { type: 'A', name: 'mx.example.test', ttl: 300, address: '192.0.2.2' },
      ],
      ede: [{ code: 3, text: 'stale' }],
      tcp: true,
      signed: false,
    });
    // The same query both times (same id, same bytes).
    expect(fake.seen.map((s) => s.transport)).toEqual(['udp', 'tcp']);
    expect(fake.seen[1]!.bytes.equals(fake.seen[0]!.bytes)).toBe(true);
  });

  it('goes to TCP for a truncated answer cut off in the middle of its records', async () => {
    fake.script = (q, { transport }) => {
      const full = response(q, { answers: Array.from({ length: 20 }, (_, i) => a('mx.example.test', `192.0.2.${i}`)) });
      if (transport === 'tcp') return [full];
      const bytes = dnsPacket.encode({ ...full, flags: (full.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE });
      return [bytes.subarray(0, 60)];
    };
    const answer = await resolver().query('mx.example.test', 'A');
    expect({ tcp: answer.tcp, count: answer.records.length }).toEqual({ tcp: true, count: 20 });
  });

  it('reads a TCP answer arriving in pieces, its length split too', async () => {
    fake.script = (q, { transport }) => {
      if (transport === 'udp') return [response(q, { flags: dnsPacket.TRUNCATED_RESPONSE })];
      const bytes = frame(dnsPacket.encode(response(q, { answers: [a('mx.example.test', '192.0.2.5')] })));
      return [bytes.subarray(0, 1), bytes.subarray(1, 7), bytes.subarray(7, 20), bytes.subarray(20)];
    };
    const answer = await resolver().query('mx.example.test', 'A');
    expect({ tcp: answer.tcp, records: answer.records }).toEqual({ tcp: true, records: [{ type: 'A', name: 'mx.example.test', ttl: 300, address: '192.0.2.5' }] });
  });

  it.each([
    ['cut short', (q: DecodedPacket) => [frame(dnsPacket.encode(response(q))).subarray(0, 20), 'close' as const]],
    ['closed without an answer', () => ['close' as const]],
    ['malformed', () => [frame(Buffer.from('this is no DNS message at all'))]],
    ['an answer to another id', (q: DecodedPacket) => [response(q, { id: ((q.id ?? 0) + 1) & 0xffff })]],
  ])('fails with OTHER when the TCP answer is %s', async (_, tcpScript) => {
    fake.script = (q, { transport }) => (transport === 'udp' ? [response(q, { flags: dnsPacket.TRUNCATED_RESPONSE })] : tcpScript(q));
    expect(await dnsCode(resolver().query('mx.example.test', 'A'))).toBe('OTHER');
  });

  it('fails with TIMEOUT when the TCP answer never comes', async () => {
    fake.script = (q, { transport }) => (transport === 'udp' ? [response(q, { flags: dnsPacket.TRUNCATED_RESPONSE })] : []);
    expect(await dnsCode(resolver({ timeoutMs: 200 }).query('mx.example.test', 'A'))).toBe('TIMEOUT');
  });

  it('fails with OTHER, not UNREACHABLE, when the resolver that answered over UDP refuses TCP', async () => {
    const udpOnly = await startFake({ tcp: false });
    try {
      udpOnly.script = (q) => [response(q, { flags: dnsPacket.TRUNCATED_RESPONSE })];
      const r = createDnssecResolver({ server: `127.0.0.1:${udpOnly.port}`, timeoutMs: 2000, tries: 1 });
      expect(await dnsCode(r.query('mx.example.test', 'A'))).toBe('OTHER');
    } finally {
      await udpOnly.stop();
    }
  });
});

describe('only an answer to our question is taken', () => {
  const good = (q: DecodedPacket) => response(q, { answers: [a('mx.example.test', '192.0.2.1')] });
  const wrong = () => ({ answers: [a('mx.example.test', '192.0.2.66')] });
  it.each<[string, (q: DecodedPacket) => Out]>([
    ['another id', (q) => response(q, { ...wrong(), id: ((q.id ?? 0) + 1) & 0xffff })],
    ['no QR bit (a query)', (q) => response(q, { ...wrong(), type: 'query' })],
    ['another name', (q) => response(q, { ...wrong(), questions: [{ name: 'mx.example.tes', type: 'A', class: 'IN' }] })],
    ['another type', (q) => response(q, { ...wrong(), questions: [{ name: 'mx.example.test', type: 'AAAA', class: 'IN' }] })],
    ['another class', (q) => response(q, { ...wrong(), questions: [{ name: 'mx.example.test', type: 'A', class: 'CH' }] })],
    ['no question', (q) => response(q, { ...wrong(), questions: [] })],
    ['two questions', (q) => response(q, { ...wrong(), questions: [...(q.questions ?? []), ...(q.questions ?? [])] })],
  ])('ignores a response with %s and takes the right one after it', async (_, bad) => {
    fake.script = (q) => [bad(q), good(q)];
    const answer = await resolver().query('mx.example.test', 'A');
    expect(answer.records).toEqual([{ type: 'A', name: 'mx.example.test', ttl: 300, address: '192.0.2.1' }]);
  });

  it('matches the question name without regard to case', async () => {
    fake.script = (q) => [response(q, { questions: [{ name: 'MX.Example.TEST', type: 'A', class: 'IN' }], answers: [a('mx.example.test', '192.0.2.1')] })];
    expect((await resolver().query('mx.example.test', 'A')).records).toHaveLength(1);
  });

  it('ignores a matching response sent from another port (a spoof)', async () => {
    const spoofer = createSocket('udp4');
    try {
      fake.script = (q, { peer }) => {
        const spoof = dnsPacket.encode(response(q, { answers: [a('mx.example.test', '192.0.2.66')] }));
        // The right answer follows once the spoof is surely there.
        spoofer.send(spoof, peer!.port, '127.0.0.1', () => setTimeout(() => fake.send(dnsPacket.encode(good(q)), peer!), 30));
        return [];
      };
      const answer = await resolver().query('mx.example.test', 'A');
      expect(answer.records).toEqual([{ type: 'A', name: 'mx.example.test', ttl: 300, address: '192.0.2.1' }]);
    } finally {
      spoofer.close();
    }
  });

  it('ignores malformed datagrams without crashing, and takes the right one after them', async () => {
    fake.script = (q) => {
      const right = dnsPacket.encode(good(q));
      // The header and question of our answer, claiming an answer record that is not there.
      const cut = right.subarray(0, right.length - 16);
      return [Buffer.from('not dns'), Buffer.alloc(5), Buffer.alloc(0), Buffer.alloc(512, 0xff), cut, right];
    };
    const answer = await resolver().query('mx.example.test', 'A');
    expect(answer.records).toEqual([{ type: 'A', name: 'mx.example.test', ttl: 300, address: '192.0.2.1' }]);
  });
});

describe('no answer at all', () => {
  it('fails with TIMEOUT after `tries` sends of the same query', async () => {
    const err = await rejection(resolver({ timeoutMs: 50, tries: 3 }).query('mx.example.test', 'A'));
    expect(err).toBeInstanceOf(DnsError);
    expect({ code: (err as DnsError).code, qname: (err as DnsError).qname, qtype: (err as DnsError).qtype }).toEqual({ code: 'TIMEOUT', qname: 'mx.example.test', qtype: 'A' });
    expect(fake.seen).toHaveLength(3);
    expect(fake.seen.every((s) => s.transport === 'udp' && s.bytes.equals(fake.seen[0]!.bytes))).toBe(true);
  });

  it('tries twice by default, and takes an answer to the second try', async () => {
    fake.script = (q, { nth }) => (nth === 2 ? [response(q, { answers: [a('mx.example.test', '192.0.2.1')] })] : []);
    const answer = await createDnssecResolver({ server: `127.0.0.1:${fake.port}`, timeoutMs: 100 }).query('mx.example.test', 'A');
    expect(answer.records).toHaveLength(1);
    expect(fake.seen).toHaveLength(2);
  });

  it('fails with UNREACHABLE when nothing listens at the address (ICMP port unreachable)', async () => {
    const closed = createSocket('udp4');
    await new Promise<void>((resolve) => closed.bind(0, '127.0.0.1', () => resolve()));
    const port = closed.address().port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = createDnssecResolver({ server: `127.0.0.1:${port}`, timeoutMs: 5000, tries: 2 });
    expect(await dnsCode(r.query('mx.example.test', 'A'))).toBe('UNREACHABLE');
  });
});

describe('abort', () => {
  it('rejects at once, sending nothing, when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await dnsCode(resolver().query('mx.example.test', 'A', { signal: controller.signal }))).toBe('OTHER');
    await pause(20);
    expect(fake.seen).toEqual([]);
  });

  it('rejects with OTHER when aborted while waiting for the UDP answer', async () => {
    const controller = new AbortController();
    fake.script = () => {
      controller.abort();
      return [];
    };
    // The time-out is far away: only the abort can end this query in time.
    expect(await dnsCode(resolver({ timeoutMs: 30_000 }).query('mx.example.test', 'A', { signal: controller.signal }))).toBe('OTHER');
  });

  it('does not start TCP once aborted (between the UDP answer and the connection, when no listener is attached)', async () => {
    // A signal that reads as aborted from the moment the UDP exchange lets go of it, without an event.
    const events = new EventTarget();
    let released = false;
    const signal = {
      get aborted() {
        return released;
      },
      addEventListener: (...args: Parameters<EventTarget['addEventListener']>) => events.addEventListener(...args),
      removeEventListener: (...args: Parameters<EventTarget['removeEventListener']>) => {
        released = true;
        events.removeEventListener(...args);
      },
    } as unknown as AbortSignal;
    fake.script = (q, { transport }) => (transport === 'udp' ? [response(q, { flags: dnsPacket.TRUNCATED_RESPONSE })] : []);
    expect(await dnsCode(resolver({ timeoutMs: 30_000 }).query('mx.example.test', 'A', { signal }))).toBe('OTHER');
    await pause(20);
    expect(fake.seen.map((s) => s.transport)).toEqual(['udp']);
  });

  it('rejects with OTHER when aborted while waiting for the TCP answer', async () => {
    const controller = new AbortController();
    fake.script = (q, { transport }) => {
      if (transport === 'udp') return [response(q, { flags: dnsPacket.TRUNCATED_RESPONSE })];
      controller.abort();
      return [];
    };
    expect(await dnsCode(resolver({ timeoutMs: 30_000 }).query('mx.example.test', 'A', { signal: controller.signal }))).toBe('OTHER');
    expect(fake.seen.map((s) => s.transport)).toEqual(['udp', 'tcp']);
  });
});

describe('the resolver and its trust', () => {
  // Constructed only: nothing is ever sent to an address off this machine.
  it.each<[string, boolean, string, 'loopback' | 'named' | null]>([
    ['127.0.0.1', false, '127.0.0.1:53', 'loopback'],
    ['127.53.0.9:5353', false, '127.53.0.9:5353', 'loopback'],
    ['127.0.0.1', true, '127.0.0.1:53', 'loopback'],
    ['::1', false, '[::1]:53', 'loopback'],
    ['[::1]:5353', false, '[::1]:5353', 'loopback'],
    ['[::ffff:127.0.0.1]', false, '[::ffff:127.0.0.1]:53', 'loopback'],
    ['192.0.2.53', true, '192.0.2.53:53', 'named'],
    ['[2001:db8::53]:853', true, '[2001:db8::53]:853', 'named'],
    ['192.0.2.53:5353', false, '192.0.2.53:5353', null],
    ['2001:db8::53', false, '[2001:db8::53]:53', null],
    ['128.0.0.1', false, '128.0.0.1:53', null],
  ])('%s (trustAd %s) is %s, trust %s', (server, trustAd, description, trust) => {
    const r = createDnssecResolver({ server, timeoutMs: 1000, trustAd });
    expect({ description: r.description, trust: r.trust }).toEqual({ description, trust });
  });

  it('refuses a server that is not an IP address (and port) with a UsageError', () => {
    for (const server of ['dns.example', '127.0.0.1:0', '127.0.0.1:70000', '[::1]:x', '::1:53', '', '1.2.3']) {
      expect(() => createDnssecResolver({ server, timeoutMs: 1000 }), server).toThrow(UsageError);
    }
  });

  it('queries over IPv6 loopback', async (context) => {
    let v6: FakeDns;
    try {
      v6 = await startFake({ address: '::1' });
    } catch (err) {
      skipWithout(context, 'ipv6-loopback', `cannot bind [::1]: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      v6.script = (q, { transport }) =>
        transport === 'udp' ? [response(q, { flags: dnsPacket.TRUNCATED_RESPONSE })] : [response(q, { answers: [a('mx.example.test', '192.0.2.1')] })];
      const r = createDnssecResolver({ server: `[::1]:${v6.port}`, timeoutMs: 2000, tries: 1 });
      expect(r.description).toBe(`[::1]:${v6.port}`);
      const answer = await r.query('mx.example.test', 'A');
      expect({ tcp: answer.tcp, records: answer.records.length, seen: v6.seen.map((s) => s.transport) }).toEqual({ tcp: true, records: 1, seen: ['udp', 'tcp'] });
    } finally {
      await v6.stop();
    }
  });
});
