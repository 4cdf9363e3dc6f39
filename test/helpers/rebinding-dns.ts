// A tiny DNS server on 127.0.0.1 (UDP and TCP, one port) for the public-mode SSRF tests: names
// whose answers are fixed, and names whose answers change from one query to the next (DNS
// rebinding: each A query of such a name gets the next address of its list, round and round).
// It counts the queries per name and type. Every other name is NXDOMAIN; a known name without
// records of the type asked is NOERROR with no answer.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';

export interface DnsName {
  A?: string[];
  AAAA?: string[];
  MX?: { preference: number; exchange: string }[];
  /** A and AAAA: give one address per query, the next of the list each time, instead of all of them. */
  rotate?: boolean;
}

export interface RebindingDns {
  port: number;
  /** Queries seen, by "name TYPE" (lower case). */
  queries: Map<string, number>;
  stop(): Promise<void>;
}

export async function startRebindingDns(zone: Record<string, DnsName>): Promise<RebindingDns> {
  const names = new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v]));
  const queries = new Map<string, number>();
  const turns = new Map<string, number>();

  const answer = (query: DecodedPacket): Buffer | null => {
    const q = query.questions?.[0];
    if (!q) return null;
    const name = q.name.toLowerCase().replace(/\.$/, '');
    const key = `${name} ${q.type}`;
    queries.set(key, (queries.get(key) ?? 0) + 1);
    const entry = names.get(name);
    const answers: Answer[] = [];
    if (entry && (q.type === 'A' || q.type === 'AAAA')) {
      let list = entry[q.type] ?? [];
      if (entry.rotate && list.length) {
        const turn = turns.get(key) ?? 0;
        turns.set(key, turn + 1);
        list = [list[turn % list.length] as string];
      }
      for (const data of list) answers.push({ type: q.type, name: q.name, ttl: 0, data } as Answer);
    } else if (entry && q.type === 'MX') {
      for (const mx of entry.MX ?? []) answers.push({ type: 'MX', name: q.name, ttl: 0, data: mx });
    }
    return dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE,
      rcode: entry ? 'NOERROR' : 'NXDOMAIN',
      questions: [q],
      answers,
    } as never);
  };

  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    try {
      const out = answer(dnsPacket.decode(msg));
      if (out) udp.send(out, rinfo.port, rinfo.address);
    } catch {
      // A malformed packet: no answer.
    }
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(0, '127.0.0.1', () => resolve());
  });
  const port = udp.address().port;

  const sockets = new Set<Socket>();
  const tcp: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        try {
          const out = answer(dnsPacket.decode(msg));
          if (out) {
            const head = Buffer.alloc(2);
            head.writeUInt16BE(out.length);
            socket.write(Buffer.concat([head, out]));
          }
        } catch {
          socket.destroy();
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    port,
    queries,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}
