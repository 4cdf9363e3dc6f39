// The node:dns adapter: c-ares error codes mapped to DnsError codes, the --resolver syntax, and
// real queries against DNS servers this file starts on 127.0.0.1 (and stops).
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { DnsError, UsageError } from '../../../src/core/errors.js';
import { startDnsServer } from '../../../src/demo/dns-server.js';
import type { Zone } from '../../../src/demo/zone.js';
import { createResolver, parseResolverServer, toDnsError } from '../../../src/dns/system-resolver.js';

/** What a promise rejected with, or a failure if it did not. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the query to fail');
}

describe('toDnsError', () => {
  const nodeError = (code: unknown, message = 'queryA ESOMETHING example.test'): Error => Object.assign(new Error(message), { code });

  it.each([
    ['ENOTFOUND', 'NXDOMAIN'],
    ['ENODATA', 'NODATA'],
    ['ESERVFAIL', 'SERVFAIL'],
    ['ETIMEOUT', 'TIMEOUT'],
    ['EREFUSED', 'REFUSED'],
    // Nothing listens at the resolver's address: no server refused anything.
    ['ECONNREFUSED', 'UNREACHABLE'],
  ])('maps c-ares %s to %s', (nodeCode, code) => {
    const e = toDnsError(nodeError(nodeCode), 'example.test', 'MX');
    expect(e).toBeInstanceOf(DnsError);
    expect({ code: e.code, qname: e.qname, qtype: e.qtype, message: e.message }).toEqual({
      code,
      qname: 'example.test',
      qtype: 'MX',
      message: `MX example.test: ${code}`,
    });
  });

  it('maps any other code to OTHER, naming the code', () => {
    const e = toDnsError(nodeError('EBADRESP'), 'example.test', 'A');
    expect({ code: e.code, message: e.message }).toEqual({ code: 'OTHER', message: 'A example.test: EBADRESP' });
    // A name every object inherits is not a code we know.
    for (const inherited of ['toString', 'constructor', '__proto__']) {
      expect(toDnsError(nodeError(inherited), 'x.test', 'A').code, inherited).toBe('OTHER');
    }
  });

  it('takes the message of an error without a string code', () => {
    const noCode = toDnsError(new Error('socket hang up'), 'example.test', 'AAAA');
    expect({ code: noCode.code, message: noCode.message }).toEqual({ code: 'OTHER', message: 'AAAA example.test: socket hang up' });
    const numeric = toDnsError(nodeError(11, 'numeric code'), 'example.test', 'A');
    expect({ code: numeric.code, message: numeric.message }).toEqual({ code: 'OTHER', message: 'A example.test: numeric code' });
  });

  it('describes a thrown value that is not an error', () => {
    expect(toDnsError('went wrong', 'example.test', 'PTR').message).toBe('PTR example.test: went wrong');
    expect(toDnsError(null, 'example.test', 'PTR').message).toBe('PTR example.test: null');
    expect(toDnsError({ code: 'ENOTFOUND' }, 'example.test', 'A').code).toBe('NXDOMAIN');
  });

  it('passes a DnsError through unchanged', () => {
    const original = new DnsError('SERVFAIL', 'example.test', 'MX');
    expect(toDnsError(original, 'other.test', 'A')).toBe(original);
  });
});

describe('parseResolverServer', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    [' 127.0.0.1 ', '127.0.0.1'],
    ['127.0.0.1:53', '127.0.0.1:53'],
    ['127.0.0.1:0053', '127.0.0.1:53'],
    ['192.0.2.1:1', '192.0.2.1:1'],
    ['192.0.2.1:65535', '192.0.2.1:65535'],
    ['::1', '::1'],
    ['2001:db8::53', '2001:db8::53'],
    ['[::1]', '[::1]'],
    ['[::1]:5353', '[::1]:5353'],
    ['[2001:db8::53]:053', '[2001:db8::53]:53'],
    ['[::1]:65535', '[::1]:65535'],
  ])('accepts %j as %j', (text, expected) => {
    expect(parseResolverServer(text)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    'dns.example',
    'dns.example:53',
    '1.2.3',
    '127.0.0.1:',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:123456',
    '127.0.0.1:+53',
    '127.0.0.1:53.0',
    '[::1]:53.0',
    '1.2.3.4x',
    '127.0.0.1:5 3',
    ':53',
    '[::1',
    '[::1]x',
    '[::1]:',
    '[::1]:0',
    '[::1]:65536',
    '[::1]:x',
    '[::1]:53:53',
    '[127.0.0.1]',
    '[127.0.0.1]:53',
    '[]',
    '[dns.example]:53',
    'x[::1]',
    // A bare IPv6 address whose last group could be a port: brackets say which is meant.
    '::1:53',
    'fe80::1:5353',
  ])('rejects %j', (text) => {
    expect(() => parseResolverServer(text)).toThrow(UsageError);
  });

  it('says how to write an IPv6 resolver with a port, and how to write that address', () => {
    expect(() => parseResolverServer('::1:53')).toThrow('--resolver "::1:53" is ambiguous: write [::1]:53 for port 53 of ::1, or [::1:53] for the address ::1:53');
    expect(parseResolverServer('[::1:53]')).toBe('[::1:53]');
  });

  it('quotes what it rejects, cut to 80 characters', () => {
    expect(() => parseResolverServer(' dns.example ')).toThrow('--resolver "dns.example": give an IP address, IP:PORT or [IPv6]:PORT');
    expect(() => parseResolverServer('x'.repeat(200))).toThrow(`--resolver "${'x'.repeat(80)}": give an IP address, IP:PORT or [IPv6]:PORT`);
  });
});

describe('createResolver against a DNS server on loopback', () => {
  const zone: Zone = {
    records: [
      { name: 'example.test', type: 'MX', data: { preference: 20, exchange: 'MX2.Example.TEST' } },
      { name: 'example.test', type: 'MX', data: { preference: 10, exchange: 'mx1.example.test' } },
      { name: 'nullmx.test', type: 'MX', data: { preference: 0, exchange: '.' } },
      { name: 'mx1.example.test', type: 'A', data: '127.0.0.11' },
      { name: 'mx1.example.test', type: 'AAAA', data: '2001:db8::11' },
      { name: 'alias.example.test', type: 'CNAME', data: 'mx1.example.test' },
      { name: '192.0.2.7', type: 'PTR', data: 'mail.example.test' },
      { name: '2001:db8::7', type: 'PTR', data: 'mail6.example.test' },
      { name: 'txt.example.test', type: 'TXT', data: 'no address here' },
    ],
    servfail: ['servfail.test'],
    refused: ['refused.test'],
    timeout: ['slow.test'],
  };

  it('answers each query type, names lowercased, a null MX as ""', async () => {
    const server = await startDnsServer(zone);
    try {
      const resolver = createResolver({ server: `${server.address}:${server.port}`, timeoutMs: 1000, tries: 1 });
      expect(resolver.description).toBe(`127.0.0.1:${server.port}`);
      const mx = await resolver.mx('example.test');
      expect([...mx].sort((a, b) => a.priority - b.priority)).toEqual([
        { exchange: 'mx1.example.test', priority: 10 },
        { exchange: 'mx2.example.test', priority: 20 },
      ]);
      expect(await resolver.mx('nullmx.test')).toEqual([{ exchange: '', priority: 0 }]);
      expect(await resolver.a('mx1.example.test')).toEqual(['127.0.0.11']);
      expect(await resolver.aaaa('mx1.example.test')).toEqual(['2001:db8::11']);
      expect(await resolver.cname('alias.example.test')).toEqual(['mx1.example.test']);
      // PTR asks for the reverse name (RFC 1035 §3.5, RFC 3596 §2.5) of the address given.
      expect(await resolver.ptr('192.0.2.7')).toEqual(['mail.example.test']);
      expect(await resolver.ptr('2001:db8::7')).toEqual(['mail6.example.test']);
    } finally {
      await server.stop();
    }
  });

  it('turns each failure into a DnsError naming the query', async () => {
    const server = await startDnsServer(zone);
    try {
      const resolver = createResolver({ server: `127.0.0.1:${server.port}`, timeoutMs: 200, tries: 1 });
      const outcome = async (p: Promise<unknown>) => {
        const err = await rejection(p);
        expect(err).toBeInstanceOf(DnsError);
        const { code, qname, qtype } = err as DnsError;
        return { code, qname, qtype };
      };
      expect(await outcome(resolver.a('nowhere.test'))).toEqual({ code: 'NXDOMAIN', qname: 'nowhere.test', qtype: 'A' });
      expect(await outcome(resolver.mx('txt.example.test'))).toEqual({ code: 'NODATA', qname: 'txt.example.test', qtype: 'MX' });
      expect(await outcome(resolver.aaaa('servfail.test'))).toEqual({ code: 'SERVFAIL', qname: 'servfail.test', qtype: 'AAAA' });
      expect(await outcome(resolver.cname('refused.test'))).toEqual({ code: 'REFUSED', qname: 'refused.test', qtype: 'CNAME' });
      expect(await outcome(resolver.mx('slow.test'))).toEqual({ code: 'TIMEOUT', qname: 'slow.test', qtype: 'MX' });
      expect(await outcome(resolver.ptr('192.0.2.99'))).toEqual({ code: 'NXDOMAIN', qname: '192.0.2.99', qtype: 'PTR' });
    } finally {
      await server.stop();
    }
  });
});

/** A UDP DNS server on 127.0.0.1 that answers from `answers` (by question name), or never. */
async function rawServer(answers: Record<string, Answer[]> | null): Promise<{ port: number; queries: string[]; stop(): Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (message, peer) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (question === undefined) return;
    queries.push(`${question.type} ${question.name}`);
    if (answers === null) return;
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: [question],
      answers: answers[question.name] ?? [],
    });
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { port: socket.address().port, queries, stop: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

describe('createResolver: details', () => {
  it('lowercases names in CNAME and PTR answers', async () => {
    const server = await rawServer({
      'alias.test': [{ type: 'CNAME', name: 'alias.test', data: 'Target.Example.TEST' }],
      '7.2.0.192.in-addr.arpa': [{ type: 'PTR', name: '7.2.0.192.in-addr.arpa', data: 'Mail.Example.TEST' }],
    });
    try {
      const resolver = createResolver({ server: `127.0.0.1:${server.port}`, timeoutMs: 1000, tries: 1 });
      expect(await resolver.cname('alias.test')).toEqual(['target.example.test']);
      expect(await resolver.ptr('192.0.2.7')).toEqual(['mail.example.test']);
      expect(server.queries).toEqual(['CNAME alias.test', 'PTR 7.2.0.192.in-addr.arpa']);
    } finally {
      await server.stop();
    }
  });

  it('tries a silent server as often as asked (twice by default, at least once)', async () => {
    const counts: number[] = [];
    for (const tries of [1, undefined, 0]) {
      const server = await rawServer(null);
      try {
        const resolver = createResolver({ server: `127.0.0.1:${server.port}`, timeoutMs: 20, tries });
        expect(((await rejection(resolver.a('silent.test'))) as DnsError).code).toBe('TIMEOUT');
        counts.push(server.queries.length);
      } finally {
        await server.stop();
      }
    }
    expect(counts).toEqual([1, 2, 1]);
  });

  it('takes any time-out: fractions rounded, below 1 ms raised to 1 ms', () => {
    for (const timeoutMs of [2.5, 0, -5]) {
      expect(createResolver({ server: '127.0.0.1:53', timeoutMs }).description, String(timeoutMs)).toBe('127.0.0.1:53');
    }
  });

  it('a resolver address where nothing listens: UNREACHABLE (no server answers there), not REFUSED', async () => {
    // A loopback UDP port bound and closed again: the query meets ICMP port unreachable.
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const { port } = socket.address();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    const resolver = createResolver({ server: `127.0.0.1:${port}`, timeoutMs: 1000, tries: 1 });
    const err = (await rejection(resolver.mx('example.test'))) as DnsError;
    expect({ code: err.code, qname: err.qname, qtype: err.qtype }).toEqual({ code: 'UNREACHABLE', qname: 'example.test', qtype: 'MX' });
  });

  it('describes the servers it asks', () => {
    expect(createResolver({ server: null, timeoutMs: 1000 }).description).toBe('system');
    expect(createResolver({ server: ' [::1]:0053 ', timeoutMs: 1000 }).description).toBe('[::1]:53');
    expect(() => createResolver({ server: 'dns.example', timeoutMs: 1000 })).toThrow(UsageError);
  });
});
