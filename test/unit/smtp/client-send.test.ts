// What `mxray send` added to the one SMTP client, over an in-memory connection (./memory-connection.ts):
// AUTH CRAM-MD5 (RFC 2195's own example) and XOAUTH2 with their secrets kept out of the transcript,
// PIPELINING (MAIL, RCPT, DATA in one write; the message after the 354; the lone dot when every
// recipient was refused) and the gate that keeps message() to phase 'data'.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import { DEFAULT_LIMITS, type Connector } from '../../../src/core/context.js';
import { Transcript } from '../../../src/core/transcript.js';
import { SmtpClient } from '../../../src/smtp/client.js';
import { FakeConnection } from './memory-connection.js';

const NAME = 'client.mxray.test';
const unused: Connector = { connect: () => Promise.reject(new Error('not used')) };

/** A client that read the banner and got this EHLO answer (the keywords after the first line). */
async function ready(...keywords: string[]) {
  const connection = new FakeConnection();
  const clock = fixedClock(Date.UTC(2026, 10, 29));
  const transcript = new Transcript(clock);
  const client = new SmtpClient(connection, { connector: unused, transcript, clock, limits: DEFAULT_LIMITS }, { address: '192.0.2.25', port: 25, serverName: 'mx.example.com', conn: 'c1' }, 0);
  const server = connection.clear;
  const greeting = client.greeting();
  server.send('220 mx.example.com ESMTP\r\n');
  await greeting;
  const hello = client.hello(NAME);
  server.send(['mx.example.com', ...keywords].map((k, i, all) => `250${i < all.length - 1 ? '-' : ' '}${k}\r\n`).join(''));
  await hello;
  const written = () => server.written.slice(`EHLO ${NAME}\r\n`.length);
  const sent = () => transcript.events.filter((e) => e.kind === 'send').map((e) => e.text).slice(1);
  return { client, server, written, sent, transcript };
}

describe('AUTH CRAM-MD5 and XOAUTH2', () => {
  it("CRAM-MD5 answers RFC 2195's example challenge as the RFC does, and the transcript shows <redacted>", async () => {
    const { client, server, written, sent } = await ready('AUTH CRAM-MD5');
    const done = client.auth('CRAM-MD5', 'tim', 'tanstaaftanstaaf', { allowCleartext: true });
    expect(written()).toBe('AUTH CRAM-MD5\r\n');
    server.send(`334 ${Buffer.from('<1896.697170952@postoffice.reston.mci.net>').toString('base64')}\r\n`);
    await new Promise((r) => setImmediate(r));
    expect(written()).toBe(`AUTH CRAM-MD5\r\n${Buffer.from('tim b913a602c7eda7a495b4e6e7334d3890').toString('base64')}\r\n`);
    server.send('235 2.7.0 Authentication successful\r\n');
    expect((await done).code).toBe(235);
    expect(sent()).toEqual(['AUTH CRAM-MD5', '<redacted>']);
  });

  it('XOAUTH2: user and bearer token in one line, <redacted> in the transcript; the error challenge gets an empty line', async () => {
    const { client, server, written, sent, transcript } = await ready('AUTH XOAUTH2');
    const done = client.auth('XOAUTH2', 'me@example.com', 'ya29.secret-token', { allowCleartext: true });
    expect(written()).toBe(`AUTH XOAUTH2 ${Buffer.from('user=me@example.com\x01auth=Bearer ya29.secret-token\x01\x01').toString('base64')}\r\n`);
    server.send(`334 ${Buffer.from('{"status":"401"}').toString('base64')}\r\n`);
    await new Promise((r) => setImmediate(r));
    expect(written().endsWith('\r\n\r\n')).toBe(true);
    server.send('535 5.7.3 Authentication unsuccessful\r\n');
    expect((await done).code).toBe(535);
    expect(sent()).toEqual(['AUTH XOAUTH2 <redacted>', '']);
    expect(JSON.stringify(transcript.events)).not.toContain('secret-token');
  });

  it('refuses credentials before TLS without allowCleartext, and a token with a space or control character', async () => {
    const { client, written } = await ready('AUTH PLAIN XOAUTH2');
    await expect(client.auth('PLAIN', 'u', 'p')).rejects.toMatchObject({ code: 'internal-error' });
    await expect(client.auth('XOAUTH2', 'u', 'tok en', { allowCleartext: true })).rejects.toMatchObject({ code: 'invalid-input' });
    expect(written()).toBe('');
  });
});

describe('PIPELINING', () => {
  it('MAIL, every RCPT and DATA in one write; on the 354 the message follows with message()', async () => {
    const { client, server, written } = await ready('PIPELINING');
    const env = client.pipeline('a@b.test', ['SIZE=42'], ['c@d.test', 'e@f.test']);
    expect(written()).toBe('MAIL FROM:<a@b.test> SIZE=42\r\nRCPT TO:<c@d.test>\r\nRCPT TO:<e@f.test>\r\nDATA\r\n');
    server.send('250 2.1.0 Ok\r\n550 5.1.1 unknown\r\n250 2.1.5 Ok\r\n354 go\r\n');
    const got = await env;
    expect([got.mail.code, got.rcpts.map((r) => r.code), got.data?.code]).toEqual([250, [550, 250], 354]);
    expect(client.state.phase).toBe('data');
    const final = client.message('.x\nend');
    expect(written().endsWith('DATA\r\n..x\r\nend\r\n.\r\n')).toBe(true);
    server.send('250 2.0.0 Ok: queued as ABC\r\n');
    expect((await final).code).toBe(250);
    expect(client.state.phase).toBe('ready');
  });

  it('every recipient refused and yet a 354: only the lone dot (RFC 2920 §3.1), nothing delivered', async () => {
    const { client, server, written } = await ready('PIPELINING');
    const env = client.pipeline('a@b.test', [], ['c@d.test']);
    server.send('250 Ok\r\n550 no\r\n354 go\r\n');
    await new Promise((r) => setImmediate(r));
    expect(written()).toBe('MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n.\r\n');
    server.send('554 5.5.1 no valid recipients\r\n');
    const got = await env;
    expect(got.data?.code).toBe(354);
    expect(client.state.phase).toBe('ready');
  });

  it('refused DATA with a recipient accepted leaves the transaction open (phase rcpt) for RSET', async () => {
    const { client, server } = await ready('PIPELINING');
    const env = client.pipeline('a@b.test', [], ['c@d.test']);
    server.send('250 Ok\r\n250 Ok\r\n451 4.3.0 later\r\n');
    expect((await env).data?.code).toBe(451);
    expect(client.state).toMatchObject({ phase: 'rcpt', accepted: 1 });
  });

  it('messageThenPipeline: the message and the next MAIL, RCPT and DATA in one write; the final reply, then the next envelope\'s replies', async () => {
    const { client, server, written, sent } = await ready('PIPELINING');
    const env = client.pipeline('a@b.test', [], ['c@d.test']);
    server.send('250 Ok\r\n250 Ok\r\n354 go\r\n');
    await env;
    const before = written().length;
    const both = client.messageThenPipeline('.x\nend', { from: 'a@b.test', mailParams: ['SIZE=7'], rcpts: ['c@d.test'] });
    expect(written().slice(before)).toBe('..x\r\nend\r\n.\r\nMAIL FROM:<a@b.test> SIZE=7\r\nRCPT TO:<c@d.test>\r\nDATA\r\n');
    server.send('550 5.7.1 not this one\r\n250 Ok\r\n250 Ok\r\n354 go\r\n');
    const got = await both;
    expect(got.reply.code).toBe(550);
    expect([got.next?.mail.code, got.next?.rcpts.map((r) => r.code), got.next?.data?.code, got.nextFailure]).toEqual([250, [250], 354, null]);
    expect(client.state.phase).toBe('data');
    expect(sent().slice(-4)).toEqual(['(message data: 13 bytes, ending with CRLF.CRLF)', 'MAIL FROM:<a@b.test> SIZE=7', 'RCPT TO:<c@d.test>', 'DATA']);
  });

  it('messageThenPipeline: the message\'s reply stands when the next envelope\'s replies never come', async () => {
    const { client, server } = await ready('PIPELINING');
    const env = client.pipeline('a@b.test', [], ['c@d.test']);
    server.send('250 Ok\r\n250 Ok\r\n354 go\r\n');
    await env;
    const both = client.messageThenPipeline('x', { from: 'a@b.test', mailParams: [], rcpts: ['c@d.test'] });
    server.send('250 2.0.0 queued\r\n250 Ok\r\nnot a reply\r\n');
    const got = await both;
    expect(got.reply.code).toBe(250);
    expect(got.next).toBeNull();
    expect(got.nextFailure).toMatchObject({ code: 'protocol-error' });
    expect(client.state.phase).toBe('broken');
  });

  it('only when PIPELINING was advertised; message() only after a 354', async () => {
    const { client, written } = await ready('SIZE 1000');
    await expect(client.pipeline('a@b.test', [], ['c@d.test'])).rejects.toMatchObject({ code: 'internal-error' });
    await expect(client.message('x')).rejects.toMatchObject({ code: 'internal-error' });
    await expect(client.messageThenPipeline('x', { from: 'a@b.test', mailParams: [], rcpts: ['c@d.test'] })).rejects.toMatchObject({ code: 'internal-error' });
    expect(written()).toBe('');
  });
});
