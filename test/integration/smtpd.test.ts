// The smtp-server wrapper (src/smtpd/server.ts), driven by raw node:net / node:tls clients on
// loopback: greeting (at once, or after smtp-server's early-talker pause), STARTTLS (advertised,
// hidden, absent), SNI certificates, protocol range and ciphers, the TLS facts each session
// exposes, message data (discard, collect with a byte cap), refusals, the idle time-out, observers
// that throw, stop(), and, in a child process, that a client breaking the TLS handshake does not
// take the server down.
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRootCa, type TestCa } from '../../src/demo/test-pki.js';
import {
  startSmtpd,
  type SmtpdMessage,
  type SmtpdOptions,
  type SmtpdServer,
  type SmtpdSession,
  type SmtpdTls,
} from '../../src/smtpd/server.js';
import { skipWithout } from '../helpers/skip.js';
import { nextOf, SmtpLineClient as Client } from '../helpers/smtp-line-client.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOST = 'mx.smtpd.test';
const ALT = 'alt.smtpd.test';

function peerCommonName(secure: tls.TLSSocket): string {
  const raw = secure.getPeerCertificate().raw;
  return /CN=([^\n,]+)/.exec(new X509Certificate(raw).subject)?.[1] ?? '';
}

/** Connects, reads the greeting, sends EHLO. */
async function greet(server: SmtpdServer, host = '127.0.0.1'): Promise<{ client: Client; banner: string[]; ehlo: string[] }> {
  const client = await Client.connect(server.port, host);
  const banner = await client.reply();
  const ehlo = await client.command('EHLO client.smtpd.test');
  return { client, banner, ehlo };
}

/** Greets, then STARTTLS and the handshake; EHLO again inside TLS. */
async function secure(server: SmtpdServer, servername: string | null = HOST) {
  const { client } = await greet(server);
  expect((await client.command('STARTTLS'))[0]).toMatch(/^220 /);
  const upgraded = await client.startTls(servername);
  const ehlo = await upgraded.client.command('EHLO client.smtpd.test');
  return { ...upgraded, ehlo };
}

/** A message transaction: MAIL, RCPTs, DATA with `body` (dot-stuffing left to the caller); the reply to the final dot. */
async function sendMessage(client: Client, from: string, to: string[], body: string): Promise<string[]> {
  expect((await client.command(`MAIL FROM:<${from}>`))[0]).toMatch(/^250 /);
  for (const rcpt of to) expect((await client.command(`RCPT TO:<${rcpt}>`))[0]).toMatch(/^250 /);
  expect((await client.command('DATA'))[0]).toMatch(/^354 /);
  client.socket.write(`${body}\r\n.\r\n`);
  return client.reply();
}

async function refused(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code));
  });
}

let ca: TestCa;
let hostTls: SmtpdTls;
let altCert: { key: string; cert: string };

beforeAll(async () => {
  ca = await createRootCa('smtpd test root', Date.now());
  const [host, alt] = await Promise.all([ca.issue({ commonName: HOST }), ca.issue({ commonName: ALT })]);
  hostTls = { key: host.keyPem, cert: host.certPem };
  altCert = { key: alt.keyPem, cert: alt.certPem };
});

describe('smtpd', () => {
  const running: SmtpdServer[] = [];
  async function start(options: Partial<SmtpdOptions> = {}): Promise<SmtpdServer> {
    const server = await startSmtpd({ name: HOST, tls: hostTls, ...options });
    running.push(server);
    return server;
  }
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });

  it('listens on 127.0.0.1 and an OS-chosen port; greets with its name and banner; offers STARTTLS, never AUTH; logs nothing', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const server = await start({ banner: 'test banner' });
      expect(server.address).toBe('127.0.0.1');
      expect(server.port).toBeGreaterThan(0);
      const { client, banner, ehlo } = await greet(server);
      expect(banner).toEqual([`220 ${HOST} ESMTP test banner`]);
      expect(ehlo).toEqual([
        `250-${HOST} Nice to meet you, [127.0.0.1]`,
        '250-PIPELINING',
        '250-8BITMIME',
        '250-SMTPUTF8',
        '250-ENHANCEDSTATUSCODES',
        '250-STARTTLS',
        '250 SIZE 10485760',
      ]);
      expect(await client.command('AUTH PLAIN AGFAYg==')).toEqual(['500 5.5.2 Error: command not recognized']);
      expect(await client.command('MAIL FROM:<a@client.smtpd.test>')).toEqual(['250 2.1.0 Accepted']);
      expect(await client.command('QUIT')).toEqual(['221 2.0.0 Bye']);
      await client.waitClosed();
      // smtp-server's own logger (`logger: true`) would have written every step to console.log
      expect(log).not.toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });

  it('greets at once: a client that speaks as soon as it is connected is not an early talker', async () => {
    const server = await start();
    const client = await Client.connect(server.port, '127.0.0.1', 'EHLO client.smtpd.test\r\n');
    expect(await client.reply()).toEqual([`220 ${HOST} ESMTP`]);
    expect((await client.reply())[0]).toMatch(/^250-mx\.smtpd\.test /);
    client.close();
  });

  it('greetAtOnce false: smtp-server’s pause before the greeting, and a client that speaks first is an early talker', async () => {
    // Only setTimeout is faked (sockets use Node's internal timers): the 100 ms pause lasts until
    // the test advances it, so the early talker is caught whatever the machine's load.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const server = await start({ greetAtOnce: false });
      const early = await Client.connect(server.port, '127.0.0.1', 'EHLO client.smtpd.test\r\n');
      expect(await early.reply()).toEqual([`421 ${HOST} You talk too soon`]);
      early.close();
      const patient = await Client.connect(server.port);
      const greeting = patient.reply();
      let settled = false;
      greeting.then(
        () => (settled = true),
        () => (settled = true),
      );
      // the pause starts once smtp-server has taken the connection: let time pass until it greets
      while (!settled) {
        vi.advanceTimersByTime(100);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      expect(await greeting).toEqual([`220 ${HOST} ESMTP`]);
      patient.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('announces the size limit it is given, and no enhanced status codes when told not to', async () => {
    const server = await start({ maxMessageBytes: 2048, enhancedStatusCodes: false });
    const { client, ehlo } = await greet(server);
    expect(ehlo).toContain('250 SIZE 2048');
    expect(ehlo.join('\n')).not.toMatch(/ENHANCEDSTATUSCODES/);
    expect((await client.command('MAIL FROM:<a@client.smtpd.test> SIZE=4096'))[0]).toMatch(/^552 /);
    expect(await client.command('MAIL FROM:<a@client.smtpd.test> SIZE=1024')).toEqual(['250 Accepted']);
    client.close();
  });

  it('STARTTLS: the certificate, then a fresh EHLO without STARTTLS; the session’s TLS facts go to onSecure', async () => {
    const secured = nextOf<SmtpdSession>();
    const server = await start({ onSecure: (session) => secured.push(session) });
    const { client, secure: socket, ehlo } = await secure(server);
    expect(peerCommonName(socket)).toBe(HOST);
    expect(ehlo.join('\n')).not.toMatch(/STARTTLS/);
    const session = await secured.next();
    expect(session.tls).toEqual({ protocol: socket.getProtocol(), cipher: socket.getCipher().name, cipherStandard: socket.getCipher().standardName, servername: HOST, peerChain: [], authorizationError: null });
    expect(session.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(session.remoteAddress).toBe('127.0.0.1');
    expect(session.remotePort).toBe(socket.localPort);
    expect(session.helo).toBeNull();
    client.close();
  });

  it('STARTTLS without SNI: the default certificate, servername null', async () => {
    const secured = nextOf<SmtpdSession>();
    const server = await start({ onSecure: (session) => secured.push(session) });
    const { client, secure: socket } = await secure(server, null);
    expect(peerCommonName(socket)).toBe(HOST);
    expect((await secured.next()).tls?.servername).toBeNull();
    client.close();
  });

  it('SNI: the named certificate to clients that ask for that name (any case), the default to the others', async () => {
    const server = await start({ tls: { ...hostTls, sni: [{ name: 'ALT.Smtpd.test', ...altCert }] } });
    const alt = await secure(server, ALT.toUpperCase());
    expect(peerCommonName(alt.secure)).toBe(ALT);
    alt.client.close();
    const other = await secure(server, 'other.smtpd.test');
    expect(peerCommonName(other.secure)).toBe(HOST);
    other.client.close();
    const none = await secure(server, null);
    expect(peerCommonName(none.secure)).toBe(HOST);
    none.client.close();
  });

  it('the protocol range applies to sessions that get an SNI certificate too', async () => {
    const server = await start({ tls: { ...hostTls, maxVersion: 'TLSv1.2', sni: [{ name: ALT, ...altCert }] } });
    const alt = await secure(server, ALT);
    expect(peerCommonName(alt.secure)).toBe(ALT);
    expect(alt.secure.getProtocol()).toBe('TLSv1.2');
    alt.client.close();
  });

  it('minVersion: smtp-server’s TLSv1 unless given; a given one refuses older clients', async () => {
    const legacy: tls.ConnectionOptions = { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' };
    const secured = nextOf<SmtpdSession>();
    const old = await start({ tls: { ...hostTls, ciphers: 'DEFAULT@SECLEVEL=0' }, onSecure: (session) => secured.push(session) });
    const { client } = await greet(old);
    expect((await client.command('STARTTLS'))[0]).toMatch(/^220 /);
    const inside = await client.startTls(HOST, legacy);
    expect(inside.secure.getProtocol()).toBe('TLSv1');
    expect((await secured.next()).tls?.protocol).toBe('TLSv1');
    inside.client.close();

    const errors = nextOf<Error>();
    const strict = await start({ tls: { ...hostTls, ciphers: 'DEFAULT@SECLEVEL=0', minVersion: 'TLSv1.2' }, onError: (error) => errors.push(error) });
    const refused = (await greet(strict)).client;
    expect((await refused.command('STARTTLS'))[0]).toMatch(/^220 /);
    await expect(refused.startTls(HOST, legacy)).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    expect(((await errors.next()) as NodeJS.ErrnoException).code).toBe('ERR_SSL_UNSUPPORTED_PROTOCOL');
    refused.close();
  });

  it('ciphers: the list given is what TLS 1.2 sessions negotiate from', async () => {
    const secured = nextOf<SmtpdSession>();
    const server = await start({
      tls: { ...hostTls, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' },
      onSecure: (session) => secured.push(session),
    });
    const { client, secure: socket } = await secure(server);
    expect(socket.getCipher().name).toBe('ECDHE-ECDSA-AES128-SHA');
    expect((await secured.next()).tls).toEqual({ protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-SHA', cipherStandard: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', servername: HOST, peerChain: [], authorizationError: null });
    client.close();
  });

  it('hidden STARTTLS: not in the EHLO reply, but the command works', async () => {
    const server = await start({ hideStartTls: true });
    const { client, ehlo } = await greet(server);
    expect(ehlo.join('\n')).not.toMatch(/STARTTLS/);
    expect((await client.command('STARTTLS'))[0]).toMatch(/^220 /);
    const { client: inside, secure: socket } = await client.startTls(HOST);
    expect(peerCommonName(socket)).toBe(HOST);
    inside.close();
  });

  it('without tls: no STARTTLS in the EHLO reply, and the command is refused', async () => {
    const server = await start({ tls: null });
    const { client, ehlo } = await greet(server);
    expect(ehlo.join('\n')).not.toMatch(/STARTTLS/);
    expect((await client.command('STARTTLS'))[0]).toMatch(/^5\d\d /);
    // nor AUTH: the command is unknown, and no command waits for it
    expect(await client.command('AUTH PLAIN AGFAYg==')).toEqual(['500 5.5.2 Error: command not recognized']);
    expect(await client.command('MAIL FROM:<a@client.smtpd.test>')).toEqual(['250 2.1.0 Accepted']);
    client.close();
  });

  it('socketTimeoutMs: an idle session gets 421 and is closed', async () => {
    const server = await start({ socketTimeoutMs: 200 });
    const client = await Client.connect(server.port);
    expect(await client.reply()).toEqual([`220 ${HOST} ESMTP`]);
    // nothing sent: smtp-server's default would wait 60 s, longer than reply() waits
    expect(await client.reply()).toEqual(['421 4.4.2 Timeout - closing connection']);
    await client.waitClosed();
  });

  it('refuse: the given reply instead of a greeting, then the connection closes', async () => {
    const server = await start({ refuse: { code: 421, text: '4.7.0 Too busy' } });
    const client = await Client.connect(server.port);
    expect(await client.reply()).toEqual(['421 4.7.0 Too busy']);
    await client.waitClosed();
  });

  it('requireTls: 530 to MAIL FROM in clear, 250 inside TLS', async () => {
    const server = await start({ requireTls: true });
    const { client } = await greet(server);
    expect(await client.command('MAIL FROM:<a@client.smtpd.test>')).toEqual(['530 5.7.0 Must issue a STARTTLS command first']);
    client.close();
    const inside = await secure(server);
    expect((await inside.client.command('MAIL FROM:<a@client.smtpd.test>'))[0]).toMatch(/^250 /);
    inside.client.close();
  });

  it('discard: the data is read and dropped, then 250 by default', async () => {
    const server = await start();
    const { client } = await greet(server);
    expect((await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], 'Subject: x\r\n\r\nhello'))[0]).toMatch(/^250 /);
    client.close();
  });

  it('discard with a reply: that reply to the final dot, and the session goes on', async () => {
    const server = await start({ data: { action: 'discard', reply: { code: 554, text: 'No thanks' } } });
    const { client } = await greet(server);
    expect(await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], 'x'.repeat(100_000))).toEqual(['554 5.6.0 No thanks']);
    expect((await client.command('NOOP'))[0]).toMatch(/^250 /);
    client.close();
  });

  it('collect: envelope, bytes and session (in clear) reach onMessage; its reply answers DATA', async () => {
    const messages = nextOf<SmtpdMessage>();
    const server = await start({
      data: {
        action: 'collect',
        maxBytes: 1024,
        onMessage: (message) => {
          messages.push(message);
          return { code: 250, text: 'queued as T1' };
        },
      },
    });
    const { client } = await greet(server);
    const body = 'Subject: one\r\n\r\n..a dot-stuffed line\r\nend';
    expect(await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test', 'c@smtpd.test'], body)).toEqual(['250 2.6.0 queued as T1']);
    const message = await messages.next();
    expect(message.envelope).toEqual({ mailFrom: 'a@client.smtpd.test', mailParams: {}, rcptTo: ['b@smtpd.test', 'c@smtpd.test'] });
    const expected = 'Subject: one\r\n\r\n.a dot-stuffed line\r\nend\r\n';
    expect(message.bytes.toString('latin1')).toBe(expected);
    expect(message.size).toBe(expected.length);
    expect(message.truncated).toBe(false);
    expect(message.session.tls).toBeNull();
    expect(message.session.helo).toBe('client.smtpd.test');

    // the null sender, and a second message in the same session
    expect(await sendMessage(client, '', ['b@smtpd.test'], 'two')).toEqual(['250 2.6.0 queued as T1']);
    const second = await messages.next();
    expect(second.envelope).toEqual({ mailFrom: '', mailParams: {}, rcptTo: ['b@smtpd.test'] });
    expect(second.bytes.toString('latin1')).toBe('two\r\n');
    client.close();
  });

  it('collect inside TLS: the message carries the session’s TLS facts and the EHLO name given after STARTTLS', async () => {
    const messages = nextOf<SmtpdMessage>();
    const secured = nextOf<SmtpdSession>();
    const server = await start({
      onSecure: (session) => secured.push(session),
      data: { action: 'collect', maxBytes: 1024, onMessage: (message) => messages.push(message) },
    });
    const { client, secure: socket } = await secure(server, ALT);
    expect((await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], 'hello'))[0]).toMatch(/^250 /);
    const message = await messages.next();
    expect(message.session.tls).toEqual({ protocol: socket.getProtocol(), cipher: socket.getCipher().name, cipherStandard: socket.getCipher().standardName, servername: ALT, peerChain: [], authorizationError: null });
    expect(message.session.tls).toEqual((await secured.next()).tls);
    expect(message.session.helo).toBe('client.smtpd.test');
    // the next transaction in the same session (smtp-server reset the session between them)
    expect((await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], 'again'))[0]).toMatch(/^250 /);
    expect((await messages.next()).session.tls).toEqual(message.session.tls);
    client.close();
  });

  it('collect keeps at most maxBytes, says the message was truncated, and answers 552 unless onMessage replies', async () => {
    const messages = nextOf<SmtpdMessage>();
    let replyWith: { code: number; text: string } | undefined = undefined;
    const server = await start({
      data: {
        action: 'collect',
        maxBytes: 10,
        onMessage: (message) => {
          messages.push(message);
          return replyWith;
        },
      },
    });
    const { client } = await greet(server);
    const body = 'x'.repeat(50_000);
    expect(await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], body)).toEqual([
      '552 5.2.2 Message exceeds fixed maximum message size',
    ]);
    const message = await messages.next();
    expect(message.bytes.toString('latin1')).toBe('x'.repeat(10));
    expect(message.size).toBe(body.length + 2);
    expect(message.truncated).toBe(true);

    // the cap falls inside a later chunk: smtp-server hands over the data in pieces split where a
    // dot-stuffed line starts, here "ab\r\n" then ".cdefgh\r\n"
    expect((await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], 'ab\r\n..cdefgh'))[0]).toMatch(/^552 /);
    const split = await messages.next();
    expect([split.bytes.toString('latin1'), split.size, split.truncated]).toEqual(['ab\r\n.cdefg', 13, true]);

    // exactly maxBytes is not truncated
    expect((await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], '12345678'))[0]).toMatch(/^250 /);
    const exact = await messages.next();
    expect([exact.bytes.toString('latin1'), exact.size, exact.truncated]).toEqual(['12345678\r\n', 10, false]);

    // smtp-server adds the enhanced status code itself
    replyWith = { code: 550, text: 'Refused' };
    const refusedReply = await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], 'short');
    expect(refusedReply).toHaveLength(1);
    expect(refusedReply[0]).toMatch(/^550 5\.\d{1,3}\.\d{1,3} Refused$/);

    // below 400 is success (smtp-server's 250 with the text); 400 is the first error code
    replyWith = { code: 399, text: 'Fine' };
    expect(await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], 'short')).toEqual(['250 2.6.0 Fine']);
    replyWith = { code: 400, text: 'Not now' };
    expect(await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], 'short')).toEqual(['400 4.0.0 Not now']);
    client.close();
  });

  it('collect: an onMessage that throws (or rejects) gives 451 and goes to onError; the server keeps serving', async () => {
    const errors = nextOf<Error>();
    let calls = 0;
    const server = await start({
      onError: (error) => errors.push(error),
      data: {
        action: 'collect',
        maxBytes: 100,
        onMessage: async () => {
          calls++;
          if (calls === 1) throw new Error('store down');
          return Promise.reject(new Error('still down'));
        },
      },
    });
    const { client } = await greet(server);
    expect(await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], 'one')).toEqual(['451 4.3.0 Local error in processing']);
    expect((await errors.next()).message).toBe('store down');
    expect(await sendMessage(client, 'a@client.smtpd.test', ['b@smtpd.test'], 'two')).toEqual(['451 4.3.0 Local error in processing']);
    expect((await errors.next()).message).toBe('still down');
    client.close();
    expect((await greet(server)).banner[0]).toMatch(/^220 /);
  });

  it('a client that sends garbage instead of a ClientHello: onError gets the TLS error, the next client is served', async () => {
    const errors = nextOf<Error>();
    const server = await start({ onError: (error) => errors.push(error) });
    const { client } = await greet(server);
    expect((await client.command('STARTTLS'))[0]).toMatch(/^220 /);
    client.socket.write('this is not a ClientHello\r\n');
    const error = (await errors.next()) as NodeJS.ErrnoException;
    expect(error.code).toMatch(/^ERR_SSL_/);
    await client.waitClosed();
    const next = await greet(server);
    expect(next.banner).toEqual([`220 ${HOST} ESMTP`]);
    next.client.close();
  });

  it('without an onSecure observer, STARTTLS reports nothing to onError', async () => {
    const errors: Error[] = [];
    const server = await start({ onError: (error) => errors.push(error) });
    const { client, ehlo } = await secure(server);
    // onSecure runs (and would report) before smtp-server reads the EHLO sent inside TLS
    expect(ehlo[0]).toBe(`250-${HOST} Nice to meet you, [127.0.0.1]`);
    expect(errors).toEqual([]);
    client.close();
  });

  it('an onSecure observer that throws: the error goes to onError, the session goes on', async () => {
    const errors = nextOf<Error>();
    const server = await start({
      onSecure: () => {
        throw new Error('observer bug');
      },
      onError: (error) => errors.push(error),
    });
    const { client, ehlo } = await secure(server);
    expect((await errors.next()).message).toBe('observer bug');
    expect(ehlo[0]).toBe(`250-${HOST} Nice to meet you, [127.0.0.1]`);
    expect(await client.command('MAIL FROM:<a@client.smtpd.test>')).toEqual(['250 2.1.0 Accepted']);
    client.close();
  });

  it('an observer that throws does not break the session', async () => {
    const server = await start({
      onSecure: () => {
        throw new Error('observer bug');
      },
      onError: () => {
        throw new Error('observer bug too');
      },
    });
    const { client, ehlo } = await secure(server);
    expect(ehlo[0]).toMatch(/^250-/);
    expect((await client.command('MAIL FROM:<a@client.smtpd.test>'))[0]).toMatch(/^250 /);
    client.close();
  });

  it('stop() closes the listener and every open session (in clear and inside TLS) at once; twice is fine', async () => {
    const server = await startSmtpd({ name: HOST, tls: hostTls });
    const clear = (await greet(server)).client;
    const inside = (await secure(server)).client;
    const stopping = server.stop();
    // smtp-server alone would wait 30 s and then send 421; here the sessions end with nothing more sent
    await expect(Promise.all([clear.waitClosed(), inside.waitClosed()])).resolves.toEqual(['', '']);
    await stopping;
    expect(await refused(server.port)).toBe('ECONNREFUSED');
    await server.stop();
  });

  it('listens on ::1 when told to', async (context) => {
    let server: SmtpdServer;
    try {
      server = await start({ address: '::1' });
    } catch (err) {
      skipWithout(context, 'ipv6-loopback', `cannot bind [::1]: ${err instanceof Error ? err.message : String(err)}`);
    }
    expect(server.address).toBe('::1');
    const { client, banner } = await greet(server, '::1');
    expect(banner).toEqual([`220 ${HOST} ESMTP`]);
    client.close();
    expect(await refused(server.port, '127.0.0.1')).toBe('ECONNREFUSED');
  });

  it('reports a port already in use as an error', async () => {
    const first = await start();
    await expect(startSmtpd({ name: HOST, port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

// Without an `error` listener on the SMTPServer, a client's failed handshake is an unhandled
// 'error' event: it throws and ends the process. Vitest would catch that in its own process, so
// the server runs in a child process here, with no onError observer, and must survive.
describe('smtpd in its own process', () => {
  let child: ChildProcess | null = null;
  let stderr = '';
  let port = 0;

  beforeAll(async () => {
    const driver = `
      import { startSmtpd } from './src/smtpd/server.js';
      const server = await startSmtpd({ name: ${JSON.stringify(HOST)}, tls: ${JSON.stringify(hostTls)} });
      process.stdout.write(JSON.stringify({ port: server.port }) + '\\n');
      process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
    `;
    const bundle = await build({
      stdin: { contents: driver, resolveDir: ROOT, sourcefile: 'smtpd-child.ts', loader: 'ts' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    });
    // ESM from the command line resolves smtp-server from the working directory: the repository.
    child = spawn(process.execPath, ['--input-type=module', '-e', bundle.outputFiles[0]!.text], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child!.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = /^(\{.*\})\n/.exec(out);
        if (line) resolve((JSON.parse(line[1]!) as { port: number }).port);
      });
      child!.once('exit', (code) => reject(new Error(`child exited (${code}): ${stderr}`)));
    });
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  async function servesNextClient(): Promise<void> {
    const client = await Client.connect(port);
    expect(await client.reply()).toEqual([`220 ${HOST} ESMTP`]);
    expect((await client.command('EHLO client.smtpd.test'))[0]).toMatch(/^250-/);
    client.close();
  }

  it('survives garbage instead of a ClientHello after STARTTLS', async () => {
    const client = await Client.connect(port);
    await client.reply();
    await client.command('EHLO client.smtpd.test');
    expect((await client.command('STARTTLS'))[0]).toMatch(/^220 /);
    client.socket.write('GARBAGE, not a TLS record\r\n');
    await client.waitClosed();
    await servesNextClient();
    expect(child?.exitCode).toBeNull();
    expect(stderr).toBe('');
  });

  it('survives a truncated ClientHello (a bad record length), and a client that hangs up mid-handshake', async () => {
    const bad = await Client.connect(port);
    await bad.reply();
    await bad.command('EHLO client.smtpd.test');
    expect((await bad.command('STARTTLS'))[0]).toMatch(/^220 /);
    bad.socket.write(Buffer.from('16030100050100000100', 'hex'));
    await bad.waitClosed();
    await servesNextClient();

    const gone = await Client.connect(port);
    await gone.reply();
    await gone.command('EHLO client.smtpd.test');
    expect((await gone.command('STARTTLS'))[0]).toMatch(/^220 /);
    gone.socket.write(Buffer.from('160301', 'hex'));
    gone.close();
    await servesNextClient();
    expect(child?.exitCode).toBeNull();
    expect(stderr).toBe('');
  });
});
