// The STARTTLS tap (src/smtpd/tls-tap.ts) on a real smtp-server instance, driven by node:net and
// node:tls clients on loopback: TLS 1.3 and 1.2 handshakes complete over it and mail passes, the
// tapped bytes hold a ClientHello that tls/hello.ts reads (the SNI the client sent, the group the
// client's own socket reports), the bound per direction, a 1 MiB message, an observer that
// throws, a client that aborts mid-handshake, one that sends garbage instead of a ClientHello, a
// reset in the middle of a message (reported as often as without the tap), the server stopped
// during a handshake; and each connection ends cleanly on both sides.
import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRootCa } from '../../src/demo/test-pki.js';
import { MAX_TAPPED_BYTES, tapStartTls, type TlsTap } from '../../src/smtpd/tls-tap.js';
import { HelloReader } from '../../src/tls/hello.js';
import { SmtpLineClient } from '../helpers/smtp-line-client.js';

const HOST = 'mx.tap.test';

/** The shared line client (test/helpers/smtp-line-client.ts), its replies as one text, and whether the peer ended its side. */
class Client {
  private readonly line: SmtpLineClient;
  ended = false;

  constructor(readonly socket: net.Socket) {
    this.line = new SmtpLineClient(socket);
    socket.on('end', () => {
      this.ended = true;
    });
  }

  get closed(): boolean {
    return this.line.closed;
  }

  static async connect(port: number): Promise<Client> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Client(socket);
  }

  async reply(): Promise<string> {
    return (await this.line.reply()).join('\r\n');
  }

  async command(line: string): Promise<string> {
    return (await this.line.command(line)).join('\r\n');
  }

  async waitClosed(): Promise<void> {
    await this.line.waitClosed();
  }
}

/** Greets, EHLO, STARTTLS, the handshake; EHLO again inside TLS. */
async function startTls(port: number, options: tls.ConnectionOptions = {}): Promise<{ client: Client; secure: tls.TLSSocket }> {
  const plain = await Client.connect(port);
  expect(await plain.reply()).toMatch(/^220 /);
  expect(await plain.command('EHLO client.tap.test')).toMatch(/STARTTLS/);
  expect(await plain.command('STARTTLS')).toMatch(/^220 /);
  const secure = tls.connect({ socket: plain.socket, servername: HOST, rejectUnauthorized: false, ...options });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  const client = new Client(secure);
  expect(await client.command('EHLO client.tap.test')).toMatch(/^250[ -]/);
  return { client, secure };
}

interface Tapped {
  tap: TlsTap;
  reader: HelloReader;
}

interface Harness {
  port: number;
  taps: Tapped[];
  errors: Error[];
  messages: { sha256: string; size: number; secure: boolean }[];
  closedSessions: number;
  rawSockets: Set<net.Socket>;
  stop(): Promise<void>;
}

let key: string;
let cert: string;
beforeAll(async () => {
  const ca = await createRootCa('tap test root', Date.now());
  const leaf = await ca.issue({ commonName: HOST, dnsNames: [HOST] });
  key = leaf.keyPem;
  cert = leaf.certPem;
});

const running: Harness[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.stop()));
});

/**
 * A real smtp-server with STARTTLS whose every connection is tapped (or not, `tap: false`), the
 * way server.ts will do it: right after the connection is created.
 */
async function start(options: { tap?: boolean; maxBytes?: number; observer?: (tapped: Tapped) => { client(b: Buffer): void; server(b: Buffer): void }; smtp?: Partial<SMTPServerOptions> } = {}): Promise<Harness> {
  const harness: Harness = { port: 0, taps: [], errors: [], messages: [], closedSessions: 0, rawSockets: new Set(), stop: async () => undefined };
  const server = new SMTPServer({
    secure: false,
    logger: false,
    name: HOST,
    key,
    cert,
    disabledCommands: ['AUTH'],
    disableReverseLookup: true,
    onData(stream, session, callback) {
      const hash = createHash('sha256');
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      stream.once('end', () => {
        harness.messages.push({ sha256: hash.digest('hex'), size, secure: session.secure });
        callback();
      });
    },
    onClose() {
      harness.closedSessions++;
    },
    ...options.smtp,
  });
  server.on('error', (error: Error) => harness.errors.push(error));
  if (options.tap !== false) {
    const connections = (server as unknown as { connections: Set<object> }).connections;
    const add = connections.add.bind(connections);
    connections.add = (connection: object) => {
      const reader = new HelloReader();
      const tapped: Tapped = { reader, tap: null as unknown as TlsTap };
      const observer = options.observer?.(tapped) ?? {
        client: (b: Buffer) => reader.pushClient(b),
        server: (b: Buffer) => reader.pushServer(b),
      };
      tapped.tap = tapStartTls(connection, observer, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
      harness.taps.push(tapped);
      return add(connection);
    };
  }
  server.server.on('connection', (socket: net.Socket) => harness.rawSockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  harness.port = (server.server.address() as net.AddressInfo).port;
  let stopped: Promise<void> | null = null;
  harness.stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of harness.rawSockets) socket.destroy();
    });
    return stopped;
  };
  running.push(harness);
  return harness;
}

/** Waits until `check` holds (5 s at most unless told). */
async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function sendMessage(client: Client, body: string): Promise<string> {
  expect(await client.command('MAIL FROM:<a@client.tap.test>')).toMatch(/^250 /);
  expect(await client.command(`RCPT TO:<b@${HOST}>`)).toMatch(/^250 /);
  expect(await client.command('DATA')).toMatch(/^354 /);
  client.socket.write(`${body}\r\n.\r\n`);
  return client.reply();
}

const OPENSSL_GROUPS: Record<string, string> = { X25519: 'x25519', prime256v1: 'secp256r1', secp384r1: 'secp384r1' };

/** QUIT inside TLS: 221, then both sides see the connection end. */
async function quit(h: Harness, client: Client): Promise<void> {
  expect(await client.command('QUIT')).toMatch(/^221 /);
  await client.waitClosed();
  await eventually(() => h.closedSessions === 1, 'smtp-server to close the session');
  await eventually(() => [...h.rawSockets].every((s) => s.destroyed), 'the raw socket to close');
}

describe('tapStartTls on a real smtp-server', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`${version}: the handshake completes, mail passes, the tap saw a ClientHello with the SNI sent, and the group`, async () => {
      let addresses: unknown = null;
      const h = await start({
        smtp: {
          onSecure(socket, _session, callback) {
            const s = socket as tls.TLSSocket;
            addresses = [s.remoteAddress, s.remotePort, s.localAddress, s.localPort];
            callback();
          },
        },
      });
      const { client, secure } = await startTls(h.port, { maxVersion: version, ecdhCurve: 'P-384:X25519:P-256' });
      // The TLS socket over the tap tells the addresses, as a TLS socket over the raw one does.
      expect(addresses).toEqual([secure.localAddress, secure.localPort, '127.0.0.1', h.port]);
      expect(secure.getProtocol()).toBe(version);
      expect(await sendMessage(client, 'Subject: tapped\r\n\r\nhello')).toMatch(/^250 /);
      expect(h.messages).toEqual([{ sha256: createHash('sha256').update('Subject: tapped\r\n\r\nhello\r\n').digest('hex'), size: 26, secure: true }]);
      const [{ tap, reader }] = h.taps as [Tapped];
      const r = reader.result();
      expect(tap.active).toBe(true);
      expect(r.problems).toEqual([]);
      expect(r.done).toBe(true);
      expect(r.clientHello?.sni).toBe(HOST);
      expect(r.clientHello?.groups).toEqual(['secp384r1', 'x25519', 'secp256r1']);
      expect(r.serverVersion).toBe(version);
      expect(r.cipher).toBe(secure.getCipher().standardName);
      expect(r.group).toBe(OPENSSL_GROUPS[(secure.getEphemeralKeyInfo() as tls.EphemeralKeyInfo).name!]);
      await quit(h, client);
      expect(h.errors).toEqual([]);
    });
  }

  it('the server ends first (QUIT): close_notify and its FIN reach a client that keeps its side open; then both close', async () => {
    const h = await start();
    const socket = net.connect({ host: '127.0.0.1', port: h.port, allowHalfOpen: true });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const plain = new Client(socket);
    await plain.reply();
    await plain.command('EHLO a');
    await plain.command('STARTTLS');
    const secure = tls.connect({ socket, servername: HOST, rejectUnauthorized: false });
    await new Promise<void>((resolve) => secure.once('secureConnect', resolve));
    const client = new Client(secure);
    await client.command('EHLO a');
    const ended = new Promise<void>((resolve) => secure.once('end', resolve));
    expect(await client.command('QUIT')).toMatch(/^221 /);
    await ended;
    const [raw] = [...h.rawSockets] as [net.Socket];
    // Ended, not destroyed: smtp-server destroys a half-closed socket only after 5 s.
    await eventually(() => raw.writableEnded, 'the server to end its side', 3000);
    expect(raw.destroyed).toBe(false);
    expect(h.closedSessions).toBe(0);
    secure.end();
    await client.waitClosed();
    await eventually(() => raw.destroyed && h.closedSessions === 1, 'both sides to close');
  });

  it('a 1 MiB message passes intact; the observer got at most the bound of each direction', async () => {
    const h = await start();
    const { client } = await startTls(h.port);
    const line = `${'x'.repeat(998)}\r\n`;
    const body = line.repeat(1050).slice(0, -2);
    expect(await sendMessage(client, body)).toMatch(/^250 /);
    expect(h.messages[0]).toEqual({ sha256: createHash('sha256').update(`${body}\r\n`).digest('hex'), size: body.length + 2, secure: true });
    expect(h.taps[0]!.tap.seen).toEqual({ client: MAX_TAPPED_BYTES, server: expect.any(Number) as number });
    expect(h.taps[0]!.tap.seen.server).toBeLessThanOrEqual(MAX_TAPPED_BYTES);
    await quit(h, client);
  });

  it('a smaller bound is kept, a throwing observer is dropped, and the session carries on', async () => {
    let calls = 0;
    const h = await start({
      maxBytes: 100,
      observer: () => ({
        client: () => {
          calls++;
          throw new Error('observer bug');
        },
        server: () => undefined,
      }),
    });
    const { client } = await startTls(h.port);
    expect(await sendMessage(client, 'hi')).toMatch(/^250 /);
    expect(calls).toBe(1);
    expect(h.taps[0]!.tap.seen.client).toBe(100);
    await quit(h, client);
    // And a stopped tap copies nothing more, with the session still working.
    const h2 = await start();
    const plain = await Client.connect(h2.port);
    await plain.reply();
    h2.taps[0]!.tap.stop();
    await plain.command('EHLO a');
    await plain.command('STARTTLS');
    const secure = tls.connect({ socket: plain.socket, servername: HOST, rejectUnauthorized: false });
    await new Promise<void>((resolve) => secure.once('secureConnect', resolve));
    const inside = new Client(secure);
    expect(await inside.command('EHLO a')).toMatch(/^250/);
    expect(h2.taps[0]!.tap.seen).toEqual({ client: 0, server: 0 });
    expect(h2.taps[0]!.tap.active).toBe(true);
  });

  it('a connection that never sends STARTTLS is not touched', async () => {
    const h = await start();
    const client = await Client.connect(h.port);
    await client.reply();
    await client.command('EHLO a');
    expect(await sendMessage(client, 'clear')).toMatch(/^250 /);
    expect(h.taps[0]!.tap.active).toBe(false);
    await quit(h, client);
  });

  it('a client that aborts mid-handshake: the server carries on, the tap has its ClientHello, the connection is gone', async () => {
    const h = await start();
    const plain = await Client.connect(h.port);
    await plain.reply();
    await plain.command('EHLO a');
    await plain.command('STARTTLS');
    const secure = tls.connect({ socket: plain.socket, servername: 'abort.tap.test', rejectUnauthorized: false });
    secure.on('error', () => undefined);
    // The server has sent its first flight: the client drops the connection right there.
    await eventually(() => h.taps[0]!.tap.seen.server > 0, 'the server\'s first flight');
    secure.destroy();
    await eventually(() => h.closedSessions === 1, 'the session to close');
    await eventually(() => [...h.rawSockets].every((s) => s.destroyed), 'the raw socket to close');
    expect(h.taps[0]!.reader.result().clientHello?.sni).toBe('abort.tap.test');
    // Still serving.
    const { client } = await startTls(h.port);
    expect(await sendMessage(client, 'after')).toMatch(/^250 /);
    await client.command('QUIT');
  });

  it('garbage instead of a ClientHello: the handshake fails, the server carries on, the reader says it was not TLS', async () => {
    const h = await start();
    const plain = await Client.connect(h.port);
    await plain.reply();
    await plain.command('EHLO a');
    await plain.command('STARTTLS');
    plain.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await plain.waitClosed();
    await eventually(() => h.closedSessions === 1, 'the session to close');
    await eventually(() => [...h.rawSockets].every((s) => s.destroyed), 'the raw socket to close');
    expect(h.taps[0]!.reader.result().problems).toEqual(['the client sent bytes that are not a TLS record: "GET / HTTP/1.1??Host: x?"']);
    const untapped = await start({ tap: false });
    const other = await Client.connect(untapped.port);
    await other.reply();
    await other.command('EHLO a');
    await other.command('STARTTLS');
    other.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await other.waitClosed();
    await eventually(() => untapped.closedSessions === 1, 'the session to close');
    expect(h.errors.map((e) => (e as Error & { code?: string }).code)).toEqual(untapped.errors.map((e) => (e as Error & { code?: string }).code));
    const { client } = await startTls(h.port);
    expect(await client.command('NOOP')).toMatch(/^250 /);
  });

  it('a reset in the middle of a message is reported as often as without the tap', async () => {
    const counts: number[] = [];
    for (const tap of [true, false]) {
      const h = await start({ tap });
      const { client, secure } = await startTls(h.port);
      expect(await client.command('MAIL FROM:<a@b.test>')).toMatch(/^250/);
      expect(await client.command(`RCPT TO:<b@${HOST}>`)).toMatch(/^250/);
      expect(await client.command('DATA')).toMatch(/^354/);
      secure.write('half a message\r\n');
      await new Promise((r) => setTimeout(r, 50));
      (secure as unknown as { _parent: net.Socket })._parent.resetAndDestroy();
      await eventually(() => h.closedSessions === 1, 'the session to close');
      await new Promise((r) => setTimeout(r, 50));
      counts.push(h.errors.length);
    }
    expect(counts[0]).toBe(counts[1]);
  });

  it('the server stopped in the middle of a handshake: no crash, the client sees the end', async () => {
    const h = await start();
    const plain = await Client.connect(h.port);
    await plain.reply();
    await plain.command('EHLO a');
    await plain.command('STARTTLS');
    // Half a ClientHello: the server waits for the rest.
    plain.socket.write(Buffer.from([22, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3]));
    await eventually(() => h.taps[0]!.tap.seen.client === 11, 'the half ClientHello to reach the tap');
    await h.stop();
    await plain.waitClosed();
    // smtp-server learnt it too: the raw socket's end went up through the tap and the TLS socket.
    await eventually(() => h.closedSessions === 1, 'the session to close');
    expect(h.taps[0]!.reader.result().clientHello).toBeNull();
  });
});
