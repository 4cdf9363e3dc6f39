// The real edges, for callers that inject none: the EHLO name from this machine's name, the
// system clock, a resolver (the system's or one server), the real connector, Mozilla's roots.
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { DnsError } from '../../../src/core/errors.js';
import { createRootCa } from '../../../src/demo/test-pki.js';

const host = vi.hoisted(() => ({ name: 'mx1.example.com' }));
vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof import('node:os')>();
  return { ...os, hostname: () => host.name, default: { ...os, hostname: () => host.name } };
});

const { defaultHelo, systemEdges, schedulerOfProcess } = await import('../../../src/runtime/edges.js');
// Loaded here, not first inside a test: the runtime imports the fetcher lazily, and module-level
// code that first runs inside a test would count as covered by that test alone (mutation testing).
await import('../../../src/http/node-fetcher.js');

afterEach(() => {
  host.name = 'mx1.example.com';
});

describe('defaultHelo: a fully qualified name for EHLO', () => {
  const cases: [string, string][] = [
    ['mx1.example.com', 'mx1.example.com'],
    ['MX-1.Example.COM', 'mx-1.example.com'],
    ['a.b', 'a.b'],
    // Not fully qualified, or not a name at all: a clearly local name instead.
    ['laptop', 'mxray.localdomain'],
    ['', 'mxray.localdomain'],
    ['my_host.example.com', 'mxray.localdomain'],
    ['host.example.com.', 'mxray.localdomain'],
    ['.example.com', 'mxray.localdomain'],
    ['bad host.example.com', 'mxray.localdomain'],
    ['host..example.com', 'mxray.localdomain'],
    // An address literal is a valid EHLO argument, but never this machine's name.
    ['[192.0.2.1]', 'mxray.localdomain'],
    ['[IPv6:2001:db8::1]', 'mxray.localdomain'],
  ];
  for (const [name, helo] of cases) {
    it(`hostname ${JSON.stringify(name)} → ${helo}`, () => {
      host.name = name;
      expect(defaultHelo()).toBe(helo);
    });
  }
});

describe('systemEdges', () => {
  it('by default: the system clock, the system resolver, Mozilla roots, this machine as EHLO name', () => {
    host.name = 'Relay.Example.NET';
    const edges = systemEdges();
    expect(edges.clock).toBe(systemClock);
    expect(edges.resolver.description).toBe('system');
    expect(edges.trustStore.description).toBe('Mozilla roots (Node)');
    expect(edges.trustStore.roots()).toHaveLength(tls.rootCertificates.length);
    expect(edges.helo).toBe('relay.example.net');
    expect(typeof edges.connector.connect).toBe('function');
  });

  it('extra CA certificates join the roots, and the description says how many', async () => {
    const ca = await createRootCa('mxray edges-test root', Date.now());
    const edges = systemEdges({ extraCaPems: [ca.cert.certPem] });
    expect(edges.trustStore.description).toBe('Mozilla roots (Node) + 1 extra');
    const roots = edges.trustStore.roots();
    expect(roots).toHaveLength(tls.rootCertificates.length + 1);
    expect(roots.map((c) => c.fingerprint256)).toContain(new (await import('node:crypto')).X509Certificate(ca.cert.der).fingerprint256);
  });

  it('the report names each extra CA file (its name as given, else "extra CA n") and the SHA-256 of its text', async () => {
    const [one, two, three] = await Promise.all(['one', 'two', 'three'].map((n) => createRootCa(`mxray edges-test ${n}`, Date.now())));
    const pems = [one!.cert.certPem, two!.cert.certPem, three!.cert.certPem];
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    // Fewer names than files: the rest are numbered from 1, in the order given.
    const edges = systemEdges({ extraCaPems: pems, extraCaNames: ['first.pem'] });
    expect(edges.trustStore.provenance).toEqual({
      bundledRootsOfNode: process.versions.node,
      extraCaFiles: [
        { name: 'first.pem', sha256: sha(pems[0]!) },
        { name: 'extra CA 2', sha256: sha(pems[1]!) },
        { name: 'extra CA 3', sha256: sha(pems[2]!) },
      ],
    });
    expect(systemEdges({ extraCaPems: [pems[1]!] }).trustStore.provenance?.extraCaFiles).toEqual([{ name: 'extra CA 1', sha256: sha(pems[1]!) }]);
    expect(systemEdges().trustStore.provenance).toEqual({ bundledRootsOfNode: process.versions.node, extraCaFiles: [] });
  });

  it('a resolver address: every question goes there, and a silent server times out after the DNS time-out given (two tries)', async () => {
    const socket = createSocket('udp4');
    const queries: Buffer[] = [];
    socket.on('message', (msg) => queries.push(msg));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const { port } = socket.address() as AddressInfo;
      const edges = systemEdges({ resolver: `127.0.0.1:${port}`, dnsTimeoutMs: 50 });
      expect(edges.resolver.description).toBe(`127.0.0.1:${port}`);
      const error = await edges.resolver.a('mx.example.test').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DnsError);
      expect((error as DnsError).code).toBe('TIMEOUT');
      expect(queries).toHaveLength(2);
    } finally {
      socket.close();
    }
  });
});

describe('systemEdges: the rest of the runtime', () => {
  it('one scheduler per process, shared by every call', async () => {
    const edges = systemEdges;
    expect(edges().scheduler).toBe(edges({ resolver: '127.0.0.1:53' }).scheduler);
    expect(edges().scheduler).toBe(schedulerOfProcess());
    expect(edges().scheduler.limits).toEqual({ targetsAtOnce: 8, connectionsPerAddress: 1 });
  });

  it('an HTTP fetcher that fetches through the address policy given (loaded on first use)', async () => {
    const http = await import('node:http');
    const server = http.createServer((_req, res) => res.end('policy text'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const edges = systemEdges;
      const open = await edges().fetcher.fetch({ url: `http://127.0.0.1:${port}/x` });
      expect([open.status, open.body.toString()]).toEqual([200, 'policy text']);
      const closed = edges({ addressPolicy: () => 'not here' }).fetcher.fetch({ url: `http://127.0.0.1:${port}/x` });
      await expect(closed).rejects.toMatchObject({ code: 'blocked-target' });
    } finally {
      server.close();
    }
  });
});
