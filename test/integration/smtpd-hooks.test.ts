// The hooks of the smtp-server wrapper (src/smtpd/server.ts) that the sender test builds on,
// driven by raw node:net / node:tls clients on loopback: decisions on a connection, MAIL FROM and
// RCPT TO (and MAIL FROM's parameters), how each session ended, the limits on connections,
// commands and session length, the dialogue line by line, a requested client certificate's chain,
// STARTTLS and session errors observed, and the greeting command.
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRootCa, createSelfSigned, type IssuedCert, type TestCa } from '../../src/demo/test-pki.js';
import {
  startSmtpd,
  type SmtpdMessage,
  type SmtpdOptions,
  type SmtpdServer,
  type SmtpdSession,
  type SmtpdSessionEnd,
  type SmtpdTls,
  type SmtpdTranscriptLine,
} from '../../src/smtpd/server.js';
import { nextOf, SmtpLineClient } from '../helpers/smtp-line-client.js';

const HOST = 'mx.smtpd.test';
const CLIENT = 'client.smtpd.test';

/** Connects, reads the greeting, sends EHLO. */
async function greet(server: SmtpdServer, command = 'EHLO'): Promise<SmtpLineClient> {
  const client = await SmtpLineClient.connect(server.port);
  expect(await client.reply()).toEqual([`220 ${HOST} ESMTP`]);
  expect((await client.command(`${command} ${CLIENT}`))[0]).toMatch(/^250[- ]/);
  return client;
}

/** Greets, then STARTTLS and the handshake (with `options` for the client's side); nothing sent inside TLS yet. */
async function secure(server: SmtpdServer, options: tls.ConnectionOptions = {}): Promise<{ client: SmtpLineClient; secure: tls.TLSSocket }> {
  const client = await greet(server);
  expect((await client.command('STARTTLS'))[0]).toMatch(/^220 /);
  return client.startTls(HOST, options);
}

/** DER of every certificate in a PEM bundle, in order. */
function derOf(pem: string): Buffer[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((one) => new X509Certificate(one).raw);
}

/** Resolves on the next turn of the event loop (lets a decision be truly asynchronous). */
function later<T>(value: T): Promise<T> {
  return new Promise((resolve) => setImmediate(() => resolve(value)));
}

let ca: TestCa;
let hostTls: SmtpdTls;
let clientCert: IssuedCert;
let selfSigned: IssuedCert;

beforeAll(async () => {
  ca = await createRootCa('smtpd hooks test root', Date.now());
  const [host, client, self] = await Promise.all([
    ca.issue({ commonName: HOST }),
    ca.issue({ commonName: CLIENT }),
    createSelfSigned({ commonName: 'self.smtpd.test' }, Date.now()),
  ]);
  hostTls = { key: host.keyPem, cert: host.certPem };
  clientCert = client;
  selfSigned = self;
});

describe('smtpd hooks', () => {
  const running: SmtpdServer[] = [];
  async function start(options: Partial<SmtpdOptions> = {}): Promise<SmtpdServer> {
    const server = await startSmtpd({ name: HOST, tls: hostTls, ...options });
    running.push(server);
    return server;
  }
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });

  /** A server whose onClose observations can be awaited, as [session, ended]. */
  async function startWatched(options: Partial<SmtpdOptions> = {}) {
    const closed = nextOf<[SmtpdSession, SmtpdSessionEnd]>();
    const server = await start({ ...options, onClose: (session, ended) => closed.push([session, ended]) });
    return { server, closed };
  }

  describe('onConnect', () => {
    it('a reply refuses the connection with exactly that reply (before `refuse`); nothing accepts it; onClose says refused', async () => {
      const seen: SmtpdSession[] = [];
      let refuseNext = true;
      const { server, closed } = await startWatched({
        refuse: { code: 554, text: '5.7.1 Go away' },
        onConnect: (session) => {
          seen.push(session);
          return refuseNext ? { code: 421, text: '4.7.0 Try later' } : undefined;
        },
      });
      const client = await SmtpLineClient.connect(server.port);
      const port = client.socket.localPort;
      expect(await client.reply()).toEqual(['421 4.7.0 Try later']);
      await client.waitClosed();
      const [session, ended] = await closed.next();
      expect(ended).toBe('refused');
      expect(seen[0]).toMatchObject({ id: session.id, remoteAddress: '127.0.0.1', remotePort: port, helo: null, heloCommand: null, tls: null });

      // undefined from onConnect leaves the decision to `refuse`
      refuseNext = false;
      const second = await SmtpLineClient.connect(server.port);
      expect(await second.reply()).toEqual(['554 5.7.1 Go away']);
      await second.waitClosed();
      expect((await closed.next())[1]).toBe('refused');
    });

    it('undefined accepts: the greeting, and onClose does not say refused', async () => {
      const { server, closed } = await startWatched({ onConnect: () => undefined });
      const client = await greet(server);
      expect(await client.command('QUIT')).toEqual(['221 2.0.0 Bye']);
      expect((await closed.next())[1]).toBe('quit');
    });

    it('an onConnect that throws: 421 and the connection closes, the error goes to onError, onClose says refused; the next client is served', async () => {
      const errors = nextOf<Error>();
      let calls = 0;
      const { server, closed } = await startWatched({
        onError: (error) => errors.push(error),
        onConnect: () => {
          if (++calls === 1) throw new Error('policy store down');
        },
      });
      const client = await SmtpLineClient.connect(server.port);
      expect(await client.reply()).toEqual([`421 ${HOST} Local error in processing, closing connection`]);
      await client.waitClosed();
      expect((await errors.next()).message).toBe('policy store down');
      expect((await closed.next())[1]).toBe('refused');
      (await greet(server)).close();
    });
  });

  describe('onMailFrom and onRcptTo', () => {
    it('a reply of 400 or more is what the client gets (code and text); below 400 and undefined accept', async () => {
      const replies: Record<string, { code: number; text: string } | undefined> = {
        'refused@client.smtpd.test': { code: 550, text: 'Sender refused' },
        'edge@client.smtpd.test': { code: 400, text: 'Edge of refusal' },
        'busy@client.smtpd.test': { code: 451, text: 'Greylisted, come back later' },
        'fine@client.smtpd.test': { code: 399, text: 'Fine' },
      };
      const mailFrom: [string, SmtpdSession][] = [];
      const rcptTo: [string, SmtpdSession][] = [];
      const server = await start({
        enhancedStatusCodes: false,
        onMailFrom: (address, _params, session) => {
          mailFrom.push([address, session]);
          return replies[address];
        },
        onRcptTo: (address, session) => {
          rcptTo.push([address, session]);
          return address === 'nobody@smtpd.test' ? { code: 550, text: 'No such user here' } : address === 'full@smtpd.test' ? { code: 452, text: 'Mailbox full' } : undefined;
        },
      });
      const client = await greet(server);
      expect(await client.command('MAIL FROM:<refused@client.smtpd.test>')).toEqual(['550 Sender refused']);
      expect(await client.command('MAIL FROM:<edge@client.smtpd.test>')).toEqual(['400 Edge of refusal']);
      expect(await client.command('MAIL FROM:<busy@client.smtpd.test>')).toEqual(['451 Greylisted, come back later']);
      // smtp-server's MAIL FROM success reply has no room for a text of ours
      expect(await client.command('MAIL FROM:<fine@client.smtpd.test>')).toEqual(['250 Accepted']);
      expect(await client.command('RSET')).toEqual(['250 Flushed']);
      expect(await client.command('MAIL FROM:<anyone@client.smtpd.test>')).toEqual(['250 Accepted']);
      expect(await client.command('RCPT TO:<nobody@smtpd.test>')).toEqual(['550 No such user here']);
      expect(await client.command('RCPT TO:<full@smtpd.test>')).toEqual(['452 Mailbox full']);
      expect(await client.command('RCPT TO:<b@smtpd.test>')).toEqual(['250 Accepted']);
      expect(mailFrom.map(([address]) => address)).toEqual([
        'refused@client.smtpd.test',
        'edge@client.smtpd.test',
        'busy@client.smtpd.test',
        'fine@client.smtpd.test',
        'anyone@client.smtpd.test',
      ]);
      expect(rcptTo.map(([address]) => address)).toEqual(['nobody@smtpd.test', 'full@smtpd.test', 'b@smtpd.test']);
      for (const [, session] of [...mailFrom, ...rcptTo]) {
        expect(session).toMatchObject({ remoteAddress: '127.0.0.1', helo: CLIENT, heloCommand: 'EHLO', tls: null });
      }
      client.close();
    });

    it('with enhanced status codes on, smtp-server puts one before the text of a refusal', async () => {
      const server = await start({ onMailFrom: () => ({ code: 550, text: 'Sender refused' }), onRcptTo: () => ({ code: 450, text: 'Not now' }) });
      const client = await greet(server);
      expect(await client.command('MAIL FROM:<a@client.smtpd.test>')).toEqual([expect.stringMatching(/^550 5\.\d{1,3}\.\d{1,3} Sender refused$/)]);
      client.close();
    });

    it('an asynchronous decision (a Promise) is awaited: refusals and acceptances alike', async () => {
      const server = await start({
        enhancedStatusCodes: false,
        onMailFrom: (address) => later(address.startsWith('no') ? { code: 553, text: 'Not from you' } : undefined),
        onRcptTo: async (address) => {
          await later(null);
          return address.startsWith('no') ? { code: 550, text: 'Unknown recipient' } : undefined;
        },
      });
      const client = await greet(server);
      expect(await client.command('MAIL FROM:<no@client.smtpd.test>')).toEqual(['553 Not from you']);
      expect(await client.command('MAIL FROM:<yes@client.smtpd.test>')).toEqual(['250 Accepted']);
      expect(await client.command('RCPT TO:<no@smtpd.test>')).toEqual(['550 Unknown recipient']);
      expect(await client.command('RCPT TO:<yes@smtpd.test>')).toEqual(['250 Accepted']);
      client.close();
    });

    it('a decision that throws or rejects: 451 and the error goes to onError; the session goes on', async () => {
      const errors = nextOf<Error>();
      let mailCalls = 0;
      const server = await start({
        enhancedStatusCodes: false,
        onError: (error) => errors.push(error),
        onMailFrom: () => {
          mailCalls++;
          if (mailCalls === 1) throw new Error('mail hook broke');
          if (mailCalls === 2) return Promise.reject(new Error('mail hook rejected'));
          return undefined;
        },
        onRcptTo: async (address) => {
          if (address === 'throw@smtpd.test') throw new Error('rcpt hook broke');
          return undefined;
        },
      });
      const client = await greet(server);
      expect(await client.command('MAIL FROM:<a@client.smtpd.test>')).toEqual(['451 Local error in processing']);
      expect((await errors.next()).message).toBe('mail hook broke');
      expect(await client.command('MAIL FROM:<a@client.smtpd.test>')).toEqual(['451 Local error in processing']);
      expect((await errors.next()).message).toBe('mail hook rejected');
      expect(await client.command('MAIL FROM:<a@client.smtpd.test>')).toEqual(['250 Accepted']);
      expect(await client.command('RCPT TO:<throw@smtpd.test>')).toEqual(['451 Local error in processing']);
      expect((await errors.next()).message).toBe('rcpt hook broke');
      expect(await client.command('RCPT TO:<b@smtpd.test>')).toEqual(['250 Accepted']);
      client.close();
    });

    it('MAIL FROM’s parameters reach onMailFrom and the collected message’s envelope (upper-case keys, a bare keyword true)', async () => {
      const params = nextOf<Record<string, string | boolean>>();
      const messages = nextOf<SmtpdMessage>();
      const server = await start({
        onMailFrom: (_address, given) => params.push(given),
        data: { action: 'collect', maxBytes: 1024, onMessage: (message) => messages.push(message) },
      });
      const client = await greet(server);
      expect(await client.command('MAIL FROM:<a@client.smtpd.test> SIZE=1024 BODY=8BITMIME SMTPUTF8 x-custom=Some+2BValue X-FLAG')).toEqual(['250 2.1.0 Accepted']);
      const expected = { SIZE: '1024', BODY: '8BITMIME', SMTPUTF8: true, 'X-CUSTOM': 'Some+Value', 'X-FLAG': true };
      expect(await params.next()).toEqual(expected);
      expect((await client.command('RCPT TO:<b@smtpd.test>'))[0]).toMatch(/^250 /);
      expect((await client.command('DATA'))[0]).toMatch(/^354 /);
      expect(await client.command('Subject: x\r\n\r\nhello\r\n.')).toEqual([expect.stringMatching(/^250 /)]);
      expect((await messages.next()).envelope).toEqual({ mailFrom: 'a@client.smtpd.test', mailParams: expected, rcptTo: ['b@smtpd.test'] });

      // the next transaction's parameters are its own
      expect((await client.command('MAIL FROM:<c@client.smtpd.test>'))[0]).toMatch(/^250 /);
      expect(await params.next()).toEqual({});
      client.close();
    });

    it('MAIL FROM’s parameters are bounded: at most 32, values cut at 500 characters', async () => {
      const params = nextOf<Record<string, string | boolean>>();
      const server = await start({ onMailFrom: (_address, given) => params.push(given) });
      const client = await greet(server);
      const many = Array.from({ length: 40 }, (_, i) => `X-P${i}=${i}`).join(' ');
      expect((await client.command(`MAIL FROM:<a@client.smtpd.test> X-LONG=${'v'.repeat(600)} ${many}`))[0]).toMatch(/^250 /);
      const given = await params.next();
      expect(Object.keys(given)).toHaveLength(32);
      expect(given['X-LONG']).toBe('v'.repeat(500));
      expect(given['X-P0']).toBe('0');
      client.close();
    });
  });

  describe('how a session ended (onClose)', () => {
    it('quit: the client sent QUIT; onClose comes after the session’s last transcript line', async () => {
      const events: string[] = [];
      const closed = nextOf<SmtpdSessionEnd>();
      const server = await start({
        onTranscript: (_session, line) => events.push(`${line.direction}: ${line.text}`),
        onClose: (_session, ended) => {
          events.push(`closed: ${ended}`);
          closed.push(ended);
        },
      });
      const client = await greet(server);
      expect(await client.command('QUIT')).toEqual(['221 2.0.0 Bye']);
      await client.waitClosed();
      expect(await closed.next()).toBe('quit');
      expect(events.slice(-3)).toEqual(['client: QUIT', 'server: 221 2.0.0 Bye', 'closed: quit']);
    });

    it('disconnect: the client closed without QUIT (in clear and inside TLS)', async () => {
      const { server, closed } = await startWatched();
      const client = await greet(server);
      client.socket.end();
      expect((await closed.next())[1]).toBe('disconnect');
      const inside = await secure(server);
      inside.secure.end();
      expect((await closed.next())[1]).toBe('disconnect');
    });

    it('timeout: the client stayed idle past socketTimeoutMs', async () => {
      const { server, closed } = await startWatched({ socketTimeoutMs: 100 });
      const client = await SmtpLineClient.connect(server.port);
      expect(await client.reply()).toEqual([`220 ${HOST} ESMTP`]);
      expect(await client.reply()).toEqual(['421 4.4.2 Timeout - closing connection']);
      await client.waitClosed();
      expect((await closed.next())[1]).toBe('timeout');
    });

    it('a slow decision that outlasts socketTimeoutMs is not a time-out: the session that then QUITs ended with quit', async () => {
      const { server, closed } = await startWatched({
        socketTimeoutMs: 150,
        // several idle periods: smtp-server's idle timer fires (and is re-armed) while this is pending
        onMailFrom: () => new Promise((resolve) => setTimeout(() => resolve(undefined), 1000)),
      });
      const client = await greet(server);
      expect(await client.command('MAIL FROM:<a@client.smtpd.test>')).toEqual(['250 2.1.0 Accepted']);
      expect(await client.command('QUIT')).toEqual(['221 2.0.0 Bye']);
      expect((await closed.next())[1]).toBe('quit');
    });

    it('limit (maxCommands): the commands up to the limit run, the next gets 421, is not executed, and the connection closes', async () => {
      const mailFrom = vi.fn(() => undefined);
      const { server, closed } = await startWatched({ maxCommands: 3, onMailFrom: mailFrom });
      const client = await greet(server); // 1: EHLO
      expect(await client.command('NOOP')).toEqual(['250 2.0.0 OK']); // 2
      expect(await client.command('NOOP')).toEqual(['250 2.0.0 OK']); // 3: the last one allowed
      // 4, with a pipelined 5th behind it
      client.socket.write('MAIL FROM:<a@client.smtpd.test>\r\nRCPT TO:<b@smtpd.test>\r\n');
      expect(await client.reply()).toEqual([`421 ${HOST} Error: too many commands, closing connection`]);
      expect(await client.waitClosed()).toBe('');
      expect((await closed.next())[1]).toBe('limit');
      expect(mailFrom).not.toHaveBeenCalled();
    });

    it('limit (maxCommands): a MAIL FROM within the limit does reach onMailFrom', async () => {
      const mailFrom = vi.fn(() => undefined);
      const server = await start({ maxCommands: 2, onMailFrom: mailFrom });
      const client = await greet(server);
      expect((await client.command('MAIL FROM:<a@client.smtpd.test>'))[0]).toMatch(/^250 /);
      expect(mailFrom).toHaveBeenCalledTimes(1);
      expect((await client.command('RCPT TO:<b@smtpd.test>'))[0]).toMatch(/^421 /);
      client.close();
    });

    it('limit (maxSessionMs): the session that lasts too long gets 421 and is closed', async () => {
      const { server, closed } = await startWatched({ maxSessionMs: 100 });
      const client = await SmtpLineClient.connect(server.port);
      // the greeting goes out at once, in the same turn as the session's clock starts
      expect(await client.reply()).toEqual([`220 ${HOST} ESMTP`]);
      // nothing more sent: the idle time-out (60 s) is far away, the session's length limit is not
      expect(await client.reply()).toEqual([`421 ${HOST} Error: session too long, closing connection`]);
      await client.waitClosed();
      expect((await closed.next())[1]).toBe('limit');
    });

    it('server-stopped: stop() ended the sessions (in clear and inside TLS)', async () => {
      const { server, closed } = await startWatched();
      const clear = await greet(server);
      const inside = await secure(server);
      expect((await inside.client.command(`EHLO ${CLIENT}`))[0]).toMatch(/^250-/);
      await server.stop();
      await Promise.all([clear.waitClosed(), inside.client.waitClosed()]);
      const ends = [await closed.next(), await closed.next()];
      expect(ends.map(([, ended]) => ended)).toEqual(['server-stopped', 'server-stopped']);
      expect(ends.map(([session]) => session.tls === null).sort()).toEqual([false, true]);
    });
  });

  describe('maxConnections', () => {
    it('the connection past the limit gets 421 and closes (onClose: limit); the first ones keep working; a freed place is taken again', async () => {
      const { server, closed } = await startWatched({ maxConnections: 2 });
      const first = await greet(server);
      const second = await greet(server);
      const third = await SmtpLineClient.connect(server.port);
      // (with or without an enhanced status code: see the next test)
      expect(await third.reply()).toEqual([expect.stringMatching(/^421 (?:4\.\d{1,3}\.\d{1,3} )?mx\.smtpd\.test Too many connected clients, try again in a moment$/)]);
      await third.waitClosed();
      expect((await closed.next())[1]).toBe('limit');
      expect(await first.command('MAIL FROM:<a@client.smtpd.test>')).toEqual(['250 2.1.0 Accepted']);
      expect(await second.command('MAIL FROM:<a@client.smtpd.test>')).toEqual(['250 2.1.0 Accepted']);
      // a session that leaves makes room for the next
      expect(await first.command('QUIT')).toEqual(['221 2.0.0 Bye']);
      const fourth = await greet(server);
      expect(await fourth.command('NOOP')).toEqual(['250 2.0.0 OK']);
      second.close();
      fourth.close();
    });

    it('the reply past the limit is a greeting: the server’s name first, no enhanced status code', async () => {
      const server = await start({ maxConnections: 1 });
      const first = await greet(server);
      const second = await SmtpLineClient.connect(server.port);
      expect(await second.reply()).toEqual([`421 ${HOST} Too many connected clients, try again in a moment`]);
      first.close();
    });
  });

  describe('onTranscript', () => {
    it('the whole dialogue of a session, client and server lines in order, each given with its session; the message data is not in it', async () => {
      const lines: [SmtpdSession, SmtpdTranscriptLine][] = [];
      const closed = nextOf<SmtpdSession>();
      const server = await start({ onTranscript: (session, line) => lines.push([session, line]), onClose: (session) => closed.push(session) });
      const client = await SmtpLineClient.connect(server.port);
      await client.reply();
      const ehlo = await client.command(`EHLO ${CLIENT}`);
      await client.command('MAIL FROM:<a@client.smtpd.test>');
      await client.command('RCPT TO:<b@smtpd.test>');
      await client.command('DATA');
      await client.command('Subject: secret\r\n\r\nthe body\r\n.');
      await client.command('QUIT');
      const session = await closed.next();
      expect(lines.map(([, line]) => line)).toEqual([
        { direction: 'server', text: `220 ${HOST} ESMTP` },
        { direction: 'client', text: `EHLO ${CLIENT}` },
        ...ehlo.map((text) => ({ direction: 'server', text })),
        { direction: 'client', text: 'MAIL FROM:<a@client.smtpd.test>' },
        { direction: 'server', text: '250 2.1.0 Accepted' },
        { direction: 'client', text: 'RCPT TO:<b@smtpd.test>' },
        { direction: 'server', text: '250 2.1.5 Accepted' },
        { direction: 'client', text: 'DATA' },
        { direction: 'server', text: '354 End data with <CR><LF>.<CR><LF>' },
        { direction: 'server', text: '250 2.6.0 OK: message queued' },
        { direction: 'client', text: 'QUIT' },
        { direction: 'server', text: '221 2.0.0 Bye' },
      ]);
      for (const [given] of lines) expect(given.id).toBe(session.id);
      // the session as it was at each line: no greeting name before EHLO's line was handled
      expect(lines[0]![0].helo).toBeNull();
      expect(lines.at(-1)![0].helo).toBe(CLIENT);
    });

    it('two sessions at once: each line is given with its own session', async () => {
      const lines: [SmtpdSession, SmtpdTranscriptLine][] = [];
      const server = await start({ onTranscript: (session, line) => lines.push([session, line]) });
      const one = await SmtpLineClient.connect(server.port);
      await one.reply();
      const two = await SmtpLineClient.connect(server.port);
      await two.reply();
      await one.command('HELO one.smtpd.test');
      await two.command('HELO two.smtpd.test');
      await one.command('NOOP');
      const byText = (text: string) => lines.filter(([, line]) => line.text === text).map(([session]) => session.remotePort);
      expect(byText('HELO one.smtpd.test')).toEqual([one.socket.localPort]);
      expect(byText('HELO two.smtpd.test')).toEqual([two.socket.localPort]);
      expect(byText('250 mx.smtpd.test Nice to meet you, [127.0.0.1]').sort()).toEqual([one.socket.localPort, two.socket.localPort].sort());
      expect(byText('NOOP')).toEqual([one.socket.localPort]);
      one.close();
      two.close();
    });

    it('a multi-line reply is given line by line', async () => {
      const lines: SmtpdTranscriptLine[] = [];
      const server = await start({ onTranscript: (_session, line) => lines.push(line) });
      const client = await SmtpLineClient.connect(server.port);
      await client.reply();
      const ehlo = await client.command(`EHLO ${CLIENT}`);
      expect(ehlo.length).toBeGreaterThan(1);
      expect(lines.slice(2)).toEqual(ehlo.map((text) => ({ direction: 'server', text })));
      client.close();
    });

    it('AUTH’s initial response is redacted (any mechanism, any case); AUTH is not offered, so the server refuses it', async () => {
      const lines: SmtpdTranscriptLine[] = [];
      const server = await start({ onTranscript: (_session, line) => lines.push(line) });
      const client = await greet(server);
      expect(await client.command('AUTH PLAIN AGFsaWNlAHNlY3JldA==')).toEqual(['500 5.5.2 Error: command not recognized']);
      expect(await client.command('auth xoauth2 dXNlcj1zb21lb25lAGF1dGg9QmVhcmVyIHRva2Vu')).toEqual(['500 5.5.2 Error: command not recognized']);
      expect(await client.command('AUTH LOGIN')).toEqual(['500 5.5.2 Error: command not recognized']);
      const clientLines = lines.filter((line) => line.direction === 'client').slice(1);
      expect(clientLines).toEqual([
        { direction: 'client', text: 'AUTH PLAIN <redacted>' },
        { direction: 'client', text: 'auth xoauth2 <redacted>' },
        { direction: 'client', text: 'AUTH LOGIN' },
      ]);
      expect(JSON.stringify(lines)).not.toMatch(/AGFsaWNl|dXNlcj1/);
      client.close();
    });

    it('a very long line, from the client or the server, is cut at 2000 characters', async () => {
      const lines: SmtpdTranscriptLine[] = [];
      const server = await start({
        enhancedStatusCodes: false,
        onTranscript: (_session, line) => lines.push(line),
        onMailFrom: () => ({ code: 550, text: `No ${'n'.repeat(4000)}` }),
      });
      const client = await greet(server);
      const long = `NOOP ${'x'.repeat(5000)}`;
      expect(await client.command(long)).toEqual(['250 OK']);
      const refusal = await client.command('MAIL FROM:<a@client.smtpd.test>');
      expect(refusal[0]).toHaveLength(4 + 3 + 4000);
      const noop = lines.find((line) => line.direction === 'client' && line.text.startsWith('NOOP'));
      expect(noop?.text).toBe(long.slice(0, 2000));
      const refused = lines.find((line) => line.direction === 'server' && line.text.startsWith('550'));
      expect(refused?.text).toBe(refusal[0]!.slice(0, 2000));
      client.close();
    });

    it('an onTranscript that throws: the error goes to onError, the session goes on', async () => {
      const errors = nextOf<Error>();
      const server = await start({
        onError: (error) => errors.push(error),
        onTranscript: () => {
          throw new Error('transcript sink broke');
        },
      });
      const client = await greet(server);
      expect((await errors.next()).message).toBe('transcript sink broke');
      expect(await client.command('MAIL FROM:<a@client.smtpd.test>')).toEqual(['250 2.1.0 Accepted']);
      client.close();
    });

    it('without onTranscript the same dialogue works and nothing is logged', async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        const server = await start({ enhancedStatusCodes: false, onMailFrom: () => ({ code: 550, text: `No ${'n'.repeat(4000)}` }) });
        const client = await greet(server);
        expect(await client.command('AUTH PLAIN AGFsaWNlAHNlY3JldA==')).toEqual(['500 Error: command not recognized']);
        expect(await client.command(`NOOP ${'x'.repeat(5000)}`)).toEqual(['250 OK']);
        expect((await client.command('MAIL FROM:<a@client.smtpd.test>'))[0]).toHaveLength(4 + 3 + 4000);
        expect(await client.command('QUIT')).toEqual(['221 Bye']);
        expect(log).not.toHaveBeenCalled();
      } finally {
        log.mockRestore();
      }
    });
  });

  describe('requestClientCertificate', () => {
    it('a client that sends its certificate and its issuer: both in peerChain, leaf first, DER; OpenSSL’s verdict kept', async () => {
      const secured = nextOf<SmtpdSession>();
      const server = await start({ requestClientCertificate: true, onSecure: (session) => secured.push(session) });
      const { client } = await secure(server, { key: clientCert.keyPem, cert: clientCert.certPem + ca.cert.certPem });
      const tlsInfo = (await secured.next()).tls;
      expect(tlsInfo?.peerChain).toEqual([new X509Certificate(clientCert.certPem).raw, new X509Certificate(ca.cert.certPem).raw]);
      expect(tlsInfo?.peerChain).toEqual(derOf(clientCert.certPem + ca.cert.certPem));
      // the test root is in no trust store; the session goes on anyway
      expect(tlsInfo?.authorizationError).toEqual(expect.any(String));
      expect((await client.command(`EHLO ${CLIENT}`))[0]).toMatch(/^250-/);
      client.close();
    });

    it('a client that sends its certificate alone: one entry', async () => {
      const secured = nextOf<SmtpdSession>();
      const server = await start({ requestClientCertificate: true, onSecure: (session) => secured.push(session) });
      const { client } = await secure(server, { key: clientCert.keyPem, cert: clientCert.certPem });
      expect((await secured.next()).tls?.peerChain).toEqual([clientCert.der]);
      client.close();
    });

    it('a self-signed client certificate (its own issuer): one entry, the walk stops', async () => {
      const secured = nextOf<SmtpdSession>();
      const server = await start({ requestClientCertificate: true, onSecure: (session) => secured.push(session) });
      const { client } = await secure(server, { key: selfSigned.keyPem, cert: selfSigned.certPem });
      const tlsInfo = (await secured.next()).tls;
      expect(tlsInfo?.peerChain).toEqual([selfSigned.der]);
      expect(tlsInfo?.authorizationError).toEqual(expect.any(String));
      expect((await client.command(`EHLO ${CLIENT}`))[0]).toMatch(/^250-/);
      client.close();
    });

    it('a client without a certificate completes the handshake: empty peerChain, no verdict (TLS 1.3 and 1.2)', async () => {
      const secured = nextOf<SmtpdSession>();
      const server = await start({ requestClientCertificate: true, onSecure: (session) => secured.push(session) });
      for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
        const { client, secure: socket } = await secure(server, { maxVersion });
        expect(socket.getProtocol()).toBe(maxVersion);
        expect((await secured.next()).tls).toMatchObject({ protocol: maxVersion, peerChain: [], authorizationError: null });
        expect((await client.command(`EHLO ${CLIENT}`))[0]).toMatch(/^250-/);
        client.close();
      }
    });

    it('a client certificate over TLS 1.2 is read too', async () => {
      const secured = nextOf<SmtpdSession>();
      const server = await start({ requestClientCertificate: true, onSecure: (session) => secured.push(session) });
      const { client } = await secure(server, { maxVersion: 'TLSv1.2', key: clientCert.keyPem, cert: clientCert.certPem + ca.cert.certPem });
      expect((await secured.next()).tls?.peerChain).toEqual([clientCert.der, ca.cert.der]);
      client.close();
    });

    it('without requestClientCertificate the chain is empty, even for a client that has a certificate (none is asked for)', async () => {
      const secured = nextOf<SmtpdSession>();
      const server = await start({ onSecure: (session) => secured.push(session) });
      const { client, secure: socket } = await secure(server, { key: clientCert.keyPem, cert: clientCert.certPem + ca.cert.certPem });
      expect((await secured.next()).tls).toMatchObject({ peerChain: [], authorizationError: null });
      // the client did have one to offer
      expect(socket.getCertificate()).toMatchObject({ subject: { CN: CLIENT } });
      client.close();
    });

    it('the chain is in the collected message’s session too', async () => {
      const messages = nextOf<SmtpdMessage>();
      const server = await start({ requestClientCertificate: true, data: { action: 'collect', maxBytes: 100, onMessage: (message) => messages.push(message) } });
      const { client } = await secure(server, { key: clientCert.keyPem, cert: clientCert.certPem });
      expect((await client.command(`EHLO ${CLIENT}`))[0]).toMatch(/^250-/);
      expect((await client.command('MAIL FROM:<a@client.smtpd.test>'))[0]).toMatch(/^250 /);
      expect((await client.command('RCPT TO:<b@smtpd.test>'))[0]).toMatch(/^250 /);
      expect((await client.command('DATA'))[0]).toMatch(/^354 /);
      expect((await client.command('hello\r\n.'))[0]).toMatch(/^250 /);
      expect((await messages.next()).session.tls?.peerChain).toEqual([clientCert.der]);
      client.close();
    });
  });

  describe('onStartTls and onSessionError', () => {
    it('onStartTls is called once, when the client sends STARTTLS: before the handshake, with the session in clear', async () => {
      const events: [string, SmtpdSession][] = [];
      const server = await start({
        onStartTls: (session) => void events.push(['starttls', session]),
        onSecure: (session) => events.push(['secure', session]),
      });
      const client = await greet(server);
      expect(events).toEqual([]);
      expect((await client.command('STARTTLS'))[0]).toMatch(/^220 /);
      const inside = await client.startTls(HOST);
      expect((await inside.client.command(`EHLO ${CLIENT}`))[0]).toMatch(/^250-/);
      // a second STARTTLS inside TLS is refused, and not reported
      expect((await inside.client.command('STARTTLS'))[0]).toMatch(/^503 /);
      expect(events.map(([name]) => name)).toEqual(['starttls', 'secure']);
      const [[, before], [, after]] = events as [[string, SmtpdSession], [string, SmtpdSession]];
      expect(before).toMatchObject({ id: after.id, tls: null, helo: CLIENT, heloCommand: 'EHLO', remotePort: client.socket.localPort });
      expect(after.tls).not.toBeNull();
      inside.client.close();
    });

    it('no STARTTLS, no onStartTls', async () => {
      const onStartTls = vi.fn();
      const server = await start({ onStartTls });
      const client = await greet(server);
      expect(await client.command('QUIT')).toEqual(['221 2.0.0 Bye']);
      expect(onStartTls).not.toHaveBeenCalled();
    });

    it('an onStartTls that throws: the error goes to onError, the handshake goes on', async () => {
      const errors = nextOf<Error>();
      const server = await start({
        onError: (error) => errors.push(error),
        onStartTls: () => {
          throw new Error('tap broke');
        },
      });
      const { client } = await secure(server);
      expect((await errors.next()).message).toBe('tap broke');
      expect((await client.command(`EHLO ${CLIENT}`))[0]).toMatch(/^250-/);
      client.close();
    });

    it('the observer onStartTls returns is shown the handshake’s bytes: the ClientHello and the ServerHello', async () => {
      const fromClient: Buffer[] = [];
      const fromServer: Buffer[] = [];
      const server = await start({ onStartTls: () => ({ client: (bytes) => fromClient.push(bytes), server: (bytes) => fromServer.push(bytes) }) });
      const { client } = await secure(server);
      expect((await client.command(`EHLO ${CLIENT}`))[0]).toMatch(/^250-/);
      // TLS records: handshake (22), then the record version's major byte 3
      expect([...Buffer.concat(fromClient).subarray(0, 2)]).toEqual([22, 3]);
      expect([...Buffer.concat(fromServer).subarray(0, 2)]).toEqual([22, 3]);
      client.close();
    });

    it('garbage instead of a ClientHello: onSessionError gets the TLS error with the session (beside onError); the next client is served', async () => {
      const sessionErrors = nextOf<[SmtpdSession, Error]>();
      const errors = nextOf<Error>();
      const started = nextOf<SmtpdSession>();
      const server = await start({
        onStartTls: (session) => void started.push(session),
        onSessionError: (session, error) => sessionErrors.push([session, error]),
        onError: (error) => errors.push(error),
      });
      const client = await greet(server);
      expect((await client.command('STARTTLS'))[0]).toMatch(/^220 /);
      client.socket.write('this is not a ClientHello\r\n');
      const [session, error] = await sessionErrors.next();
      expect((error as NodeJS.ErrnoException).code).toMatch(/^ERR_SSL_/);
      expect(session.id).toBe((await started.next()).id);
      expect(session.remotePort).toBe(client.socket.localPort);
      expect(await errors.next()).toBe(error);
      await client.waitClosed();
      const next = await greet(server);
      expect(await next.command('NOOP')).toEqual(['250 2.0.0 OK']);
      next.close();
    });

    it('a TLS 1.2 client with only a cipher the server lacks: onSessionError gets the failed handshake; the next client is served', async () => {
      const sessionErrors = nextOf<[SmtpdSession, Error]>();
      const server = await start({
        tls: { ...hostTls, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
        onSessionError: (session, error) => sessionErrors.push([session, error]),
      });
      const client = await greet(server);
      const port = client.socket.localPort;
      expect((await client.command('STARTTLS'))[0]).toMatch(/^220 /);
      await expect(client.startTls(HOST, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' })).rejects.toMatchObject({
        code: expect.stringMatching(/^ERR_SSL_/),
      });
      const [session, error] = await sessionErrors.next();
      expect((error as NodeJS.ErrnoException).code).toBe('ERR_SSL_NO_SHARED_CIPHER');
      expect(session).toMatchObject({ remotePort: port, tls: null });
      client.close();
      const next = await secure(server);
      expect((await next.client.command(`EHLO ${CLIENT}`))[0]).toMatch(/^250-/);
      next.client.close();
    });

    it('an onSessionError that throws: the error goes to onError, the server keeps serving', async () => {
      const errors = nextOf<Error>();
      const server = await start({
        onError: (error) => errors.push(error),
        onSessionError: () => {
          throw new Error('session observer broke');
        },
      });
      const client = await greet(server);
      expect((await client.command('STARTTLS'))[0]).toMatch(/^220 /);
      client.socket.write('this is not a ClientHello\r\n');
      const reported = [await errors.next(), await errors.next()].map((error) => error.message);
      expect(reported).toContain('session observer broke');
      (await greet(server)).close();
    });
  });

  describe('heloCommand', () => {
    it('EHLO or HELO as sent (the latest greeting), null before any', async () => {
      const sessions = nextOf<SmtpdSession>();
      const server = await start({ onConnect: (session) => void sessions.push(session), onMailFrom: (_address, _params, session) => void sessions.push(session) });
      const client = await SmtpLineClient.connect(server.port);
      await client.reply();
      expect((await sessions.next()).heloCommand).toBeNull();
      expect((await client.command(`HELO ${CLIENT}`))[0]).toMatch(/^250 /);
      expect((await client.command('MAIL FROM:<a@client.smtpd.test>'))[0]).toMatch(/^250 /);
      expect(await sessions.next()).toMatchObject({ helo: CLIENT, heloCommand: 'HELO' });
      expect((await client.command('EHLO other.smtpd.test'))[0]).toMatch(/^250-/);
      expect((await client.command('MAIL FROM:<a@client.smtpd.test>'))[0]).toMatch(/^250 /);
      expect(await sessions.next()).toMatchObject({ helo: 'other.smtpd.test', heloCommand: 'EHLO' });
      client.close();
    });

    it('reset by STARTTLS until the next greeting, which may be another command', async () => {
      const secured = nextOf<SmtpdSession>();
      const mailFrom = nextOf<SmtpdSession>();
      const server = await start({ onSecure: (session) => secured.push(session), onMailFrom: (_address, _params, session) => void mailFrom.push(session) });
      const { client } = await secure(server); // EHLO in clear
      expect(await secured.next()).toMatchObject({ helo: null, heloCommand: null });
      expect((await client.command('HELO inside.smtpd.test'))[0]).toMatch(/^250 /);
      expect((await client.command('MAIL FROM:<a@client.smtpd.test>'))[0]).toMatch(/^250 /);
      expect(await mailFrom.next()).toMatchObject({ helo: 'inside.smtpd.test', heloCommand: 'HELO' });
      client.close();
    });
  });
});
