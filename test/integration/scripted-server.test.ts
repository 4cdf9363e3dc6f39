// The scripted SMTP server: framing, line cap, STARTTLS (with buffered-cleartext discard),
// raw mode, hostile behaviours (silence, drip, flood), per-connection scripts, and stop().
// Pauses are asserted as the waits the server asked for (its timer module is wrapped here to
// record them), never by timing the wire.
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  reply,
  startScriptedServer,
  verbOf,
  type Script,
  type ScriptActions,
  type ScriptedServer,
  type ScriptedServerTls,
  type ScriptHandlers,
} from '../../src/demo/scripted-server.js';
import { createSelfSigned } from '../../src/demo/test-pki.js';

/** The waits the scripted server asked for (its `delay` and `drip` pauses): each one's ms, in order, and how many are still pending. */
const waits = vi.hoisted(() => ({ asked: [] as number[], pending: 0 }));
vi.mock('node:timers/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:timers/promises')>();
  return {
    ...real,
    // Still a real wait: only recorded on the way.
    setTimeout: (ms: number, value?: unknown, options?: Parameters<typeof real.setTimeout>[2]) => {
      waits.asked.push(ms);
      waits.pending++;
      return real.setTimeout(ms, value, options).finally(() => waits.pending--);
    },
  };
});

/** Collects what a server sends; waits for text with a deadline. */
class Peer {
  text = '';
  closed = false;
  private wake: (() => void) | null = null;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('latin1');
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static async connect(port: number, address = '127.0.0.1'): Promise<Peer> {
    const socket = net.connect({ host: address, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new Peer(socket);
  }

  /** Waits until the received text (since the last take) satisfies `ready`, then consumes it. */
  async take(ready: (text: string) => boolean, timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!ready(this.text)) {
      if (this.closed) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; have ${JSON.stringify(this.text.slice(0, 200))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    const taken = this.text;
    this.text = '';
    return taken;
  }

  lines(count: number): Promise<string> {
    return this.take((t) => t.split('\n').length > count);
  }

  async send(line: string, expectLines = 1): Promise<string> {
    this.socket.write(line);
    return this.lines(expectLines);
  }

  /** Waits until the connection is closed; returns what arrived before that. */
  async waitClosed(timeoutMs = 3000): Promise<string> {
    return this.take(() => this.closed, timeoutMs);
  }
}

/** A small ESMTP script used by several tests. */
function esmtp(extra: Record<string, ScriptActions> = {}): ScriptHandlers {
  return {
    greeting: () => [reply(220, 'mx.script.test ESMTP')],
    command: (line) => {
      const verb = verbOf(line);
      const special = extra[verb];
      if (special) return special;
      switch (verb) {
        case 'EHLO':
          return [reply(250, 'mx.script.test', 'PIPELINING', 'STARTTLS')];
        case 'NOOP':
          return [reply(250, `2.0.0 ok ${line.slice(5)}`)];
        case 'STARTTLS':
          return [reply(220, '2.0.0 go ahead'), { type: 'starttls' }];
        case 'QUIT':
          return [reply(221, 'bye'), { type: 'close' }];
        default:
          return [reply(502, '5.5.2 what?')];
      }
    },
  };
}

let tlsMaterial: ScriptedServerTls;
const servers: ScriptedServer[] = [];
const peers: Peer[] = [];

async function start(script: Script, options: Parameters<typeof startScriptedServer>[1] = {}): Promise<ScriptedServer> {
  const server = await startScriptedServer(script, options);
  servers.push(server);
  return server;
}
async function connect(server: ScriptedServer): Promise<Peer> {
  const peer = await Peer.connect(server.port, server.address);
  peers.push(peer);
  return peer;
}

async function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

describe('scripted server', () => {
  beforeAll(async () => {
    const cert = await createSelfSigned({ commonName: 'mx.script.test' }, Date.now());
    tlsMaterial = { key: cert.keyPem, cert: cert.certPem };
  });
  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.socket.destroy();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('formats replies and finds verbs', () => {
    expect(reply(250, 'a', 'b', 'c')).toEqual({ type: 'write', data: '250-a\r\n250-b\r\n250 c\r\n' });
    expect(reply(220, 'hello')).toEqual({ type: 'write', data: '220 hello\r\n' });
    expect(reply(354)).toEqual({ type: 'write', data: '354\r\n' });
    expect(verbOf('mail FROM:<a@b>')).toBe('MAIL');
    expect(verbOf('STARTTLS')).toBe('STARTTLS');
    expect(verbOf('')).toBe('');
  });

  it('greets, answers each line in order (pipelined, CRLF or bare LF), closes on request', async () => {
    const server = await start(esmtp());
    expect(server.address).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    const peer = await connect(server);
    expect(await peer.lines(1)).toBe('220 mx.script.test ESMTP\r\n');
    expect(await peer.send('EHLO me\r\n', 3)).toBe('250-mx.script.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
    expect(await peer.send('NOOP 1\r\nNOOP 2\nNOOP 3\r\n', 3)).toBe('250 2.0.0 ok 1\r\n250 2.0.0 ok 2\r\n250 2.0.0 ok 3\r\n');
    // a line split over several packets
    peer.socket.write('NO');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await peer.send('OP 4\r\n')).toBe('250 2.0.0 ok 4\r\n');
    expect(await peer.send('QUIT\r\n')).toBe('221 bye\r\n');
    await peer.waitClosed();
  });

  it('never greets when the script has no greeting', async () => {
    const server = await start({ command: () => [reply(250, 'ok')] });
    const peer = await connect(server);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(peer.text).toBe('');
    expect(await peer.send('NOOP\r\n')).toBe('250 ok\r\n');
  });

  it('caps line length: 500 5.5.6 and close by default, or the script’s own answer', async () => {
    const server = await start(esmtp(), { maxLineBytes: 64 });
    const peer = await connect(server);
    await peer.lines(1);
    peer.socket.write('X'.repeat(65));
    expect(await peer.lines(1)).toBe('500 5.5.6 Line too long\r\n');
    await peer.waitClosed();

    const lenient = await start({
      command: (line) => [reply(250, `got ${line.length}`)],
      lineTooLong: () => [reply(500, 'too long, carry on')],
    }, { maxLineBytes: 64 });
    const other = await connect(lenient);
    // exactly at the cap is fine; over it (with a line end in the same chunk) is not; the rest of that line is dropped
    expect(await other.send(`${'a'.repeat(64)}\r\n`)).toBe('250 got 64\r\n');
    expect(await other.send(`${'b'.repeat(65)}\r\nNOOP\r\n`, 2)).toBe('500 too long, carry on\r\n250 got 4\r\n');
    other.socket.write('c'.repeat(200));
    expect(await other.lines(1)).toBe('500 too long, carry on\r\n');
    expect(await other.send(`${'c'.repeat(500)}\r\nNOOP\r\n`)).toBe('250 got 4\r\n');
  });

  it('upgrades to TLS on a starttls action, discards pipelined cleartext, knows the SNI', async () => {
    const seen: { secure: boolean; servername: string | null; line: string }[] = [];
    const server = await start(
      {
        greeting: () => [reply(220, 'mx.script.test ESMTP')],
        command: (line, conn) => {
          seen.push({ secure: conn.secure, servername: conn.servername, line });
          if (verbOf(line) === 'STARTTLS') return [reply(220, 'go ahead'), { type: 'starttls' }];
          return [reply(250, `${conn.secure ? 'tls' : 'clear'} ${line}`)];
        },
        secured: (conn) => [{ type: 'write', data: `250 secured ${conn.servername ?? '-'}\r\n` }],
      },
      { tls: tlsMaterial },
    );
    const peer = await connect(server);
    await peer.lines(1);
    // the injected NOOP must not be answered, neither in clear nor inside TLS
    expect(await peer.send('STARTTLS\r\nNOOP injected\r\n')).toBe('220 go ahead\r\n');
    const secure = tls.connect({ socket: peer.socket, servername: 'mx.script.test', rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    const inside = new Peer(secure);
    expect(await inside.lines(1)).toBe('250 secured mx.script.test\r\n');
    expect(await inside.send('EHLO again\r\n')).toBe('250 tls EHLO again\r\n');
    expect(seen.map((s) => s.line)).toEqual(['STARTTLS', 'EHLO again']);
    expect(seen[1]).toMatchObject({ secure: true, servername: 'mx.script.test' });
    expect(secure.getPeerX509Certificate()?.subject).toMatch(/CN=mx\.script\.test/);
    secure.destroy();

    // without SNI
    const plain = await connect(server);
    await plain.lines(1);
    expect(await plain.send('STARTTLS\r\n')).toBe('220 go ahead\r\n');
    const noSni = tls.connect({ socket: plain.socket, servername: '', rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      noSni.once('secureConnect', () => resolve());
      noSni.once('error', reject);
    });
    expect(await new Peer(noSni).lines(1)).toBe('250 secured -\r\n');
    noSni.destroy();
  });

  it('reports a TLS handshake failure to the script and drops the connection', async () => {
    const errors: Error[] = [];
    const server = await start({ ...esmtp(), error: (error) => errors.push(error) }, { tls: tlsMaterial });
    const peer = await connect(server);
    await peer.lines(1);
    expect(await peer.send('STARTTLS\r\n')).toBe('220 2.0.0 go ahead\r\n');
    peer.socket.write('this is not a ClientHello\r\n');
    await peer.waitClosed();
    expect(errors).toHaveLength(1);
  });

  it('raw mode: answers a ClientHello with garbage, so a TLS client fails', async () => {
    const garbage = await start({
      ...esmtp({ STARTTLS: [reply(220, '2.0.0 go ahead'), { type: 'raw' }] }),
      data: (chunk) => [{ type: 'write', data: `garbage after ${chunk[0]}\r\n` }, { type: 'close' }],
    });
    const peer = await connect(garbage);
    await peer.lines(1);
    expect(await peer.send('STARTTLS\r\n')).toBe('220 2.0.0 go ahead\r\n');
    const secure = tls.connect({ socket: peer.socket, servername: 'mx.script.test', rejectUnauthorized: false });
    const error = await new Promise<Error>((resolve) => {
      secure.once('secureConnect', () => resolve(new Error('unexpectedly connected')));
      secure.once('error', resolve);
    });
    expect(error.message).not.toBe('unexpectedly connected');
    expect((error as NodeJS.ErrnoException).code).toMatch(/^ERR_SSL_/);
  });

  it('hostile writes: bare LF, extra lines after a 220, an endless reply, a 10 MB line', async () => {
    const server = await start({
      greeting: () => [{ type: 'write', data: '220 bare\n' }],
      command: (line) => {
        switch (verbOf(line)) {
          case 'STARTTLS':
            return [{ type: 'write', data: '220 2.0.0 go ahead\r\n250 injected\r\n' }];
          case 'EHLO':
            return [{ type: 'flood', chunk: '250-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n' }];
          default:
            return [{ type: 'flood', chunk: 'x'.repeat(65536), totalBytes: 10 * 1024 * 1024 }, { type: 'write', data: '\r\n' }];
        }
      },
    });
    const peer = await connect(server);
    expect(await peer.take((t) => t.includes('\n'))).toBe('220 bare\n');
    expect(await peer.send('STARTTLS\r\n', 2)).toBe('220 2.0.0 go ahead\r\n250 injected\r\n');
    peer.socket.write('NOOP\r\n');
    const line = await peer.take((t) => t.endsWith('\r\n'), 10_000);
    expect(line.length).toBe(10 * 1024 * 1024 + 2);
    peer.socket.write('EHLO me\r\n');
    const flood = await peer.take((t) => t.length > 1024 * 1024, 10_000);
    expect(flood.startsWith('250-AAAA')).toBe(true);
    // the flood goes on until stop()
    await server.stop();
    await peer.waitClosed();
  });

  it('drips a byte at a time, and delays', async () => {
    const server = await start({
      greeting: () => [{ type: 'delay', ms: 50 }, { type: 'drip', data: '220 slow\r\n', intervalMs: 10 }],
    });
    waits.asked.length = 0;
    const peer = await connect(server);
    const chunks: number[] = [];
    peer.socket.on('data', (chunk: Buffer) => chunks.push(chunk.length));
    expect(await peer.lines(1)).toBe('220 slow\r\n');
    // The delay first, then a pause between each two of the 10 bytes (none after the last).
    expect(waits.asked).toEqual([50, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
    // Each byte on its own.
    expect(chunks).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('runs a per-connection script from a factory', async () => {
    const server = await start((conn) => {
      let count = 0;
      return {
        greeting: () => [reply(220, `hello #${conn.id} from ${conn.remoteAddress}`)],
        command: () => [reply(250, `#${conn.id} line ${++count}`)],
      };
    });
    const a = await connect(server);
    expect(await a.lines(1)).toBe('220 hello #1 from 127.0.0.1\r\n');
    const b = await connect(server);
    expect(await b.lines(1)).toBe('220 hello #2 from 127.0.0.1\r\n');
    expect(await a.send('X\r\n')).toBe('250 #1 line 1\r\n');
    expect(await a.send('X\r\n')).toBe('250 #1 line 2\r\n');
    expect(await b.send('X\r\n')).toBe('250 #2 line 1\r\n');
  });

  it('destroys the connection when a handler throws, and reports it', async () => {
    const errors: string[] = [];
    const server = await start({
      greeting: () => [reply(220, 'hi')],
      command: () => {
        throw new Error('script bug');
      },
      error: (error) => errors.push(error.message),
    });
    const peer = await connect(server);
    await peer.lines(1);
    peer.socket.write('NOOP\r\n');
    await peer.waitClosed();
    expect(errors).toEqual(['script bug']);
  });

  it('refuses to bind anything but loopback', async () => {
    await expect(startScriptedServer({}, { address: '0.0.0.0' })).rejects.toThrow(/loopback/);
    await expect(startScriptedServer({}, { address: '192.0.2.1' })).rejects.toThrow(/loopback/);
  });

  it('stop() closes the listener, destroys open sockets (plain and TLS) and clears pending timers', async () => {
    const server = await startScriptedServer(
      {
        greeting: () => [reply(220, 'hi')],
        command: (line) =>
          verbOf(line) === 'STARTTLS'
            ? [reply(220, 'go'), { type: 'starttls' }]
            : [{ type: 'drip', data: 'y'.repeat(1000), intervalMs: 60_000 }],
      },
      { tls: tlsMaterial },
    );
    // one client in the middle of a slow drip (a one-minute timer pending) …
    const dripping = await Peer.connect(server.port);
    await dripping.lines(1);
    dripping.socket.write('NOOP\r\n');
    await dripping.take((t) => t.length >= 1);
    // … one that never says anything …
    const silent = await Peer.connect(server.port);
    await silent.lines(1);
    // … and one inside TLS
    const tlsPeer = await Peer.connect(server.port);
    await tlsPeer.lines(1);
    expect(await tlsPeer.send('STARTTLS\r\n')).toBe('220 go\r\n');
    const secure = tls.connect({ socket: tlsPeer.socket, servername: 'mx.script.test', rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    const inside = new Peer(secure);
    secure.on('error', () => undefined);
    // the drip's pause is the one wait pending
    expect(waits.pending).toBe(1);

    // stop() does not wait for the drip to finish, nor for the clients to leave: it closes all
    // three connections itself (no client closes its own), and none of them receives another
    // byte before that (the drip is cut short), then it resolves, with the drip's wait cancelled.
    const stopping = server.stop();
    await expect(Promise.all([dripping.waitClosed(), silent.waitClosed(), inside.waitClosed()])).resolves.toEqual(['', '', '']);
    await stopping;
    expect(waits.pending).toBe(0);
    expect(await refused(server.port)).toBe(true);
    await server.stop(); // idempotent
  });
});
