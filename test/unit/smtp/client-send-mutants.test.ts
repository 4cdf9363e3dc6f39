// The sending side of the one SMTP client, over an in-memory connection (./memory-connection.ts),
// pinned where a mutation run found it loose: the exact errors of pipeline() and
// messageThenPipeline() (PIPELINING not advertised, a bad or missing address, no recipient), the
// null reverse-path they allow, the steps they record (kind, command as shown, the reply code that
// counts), the phase each pipelined answer leaves, the lone dot's transcript line, what AUTH
// records and when CRAM-MD5 stops, the client certificate handed to the handshake, and the
// session's commands() (its phase gate, CR/LF refusal, and the verb a time-out names).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import { DEFAULT_LIMITS, type Connector } from '../../../src/core/context.js';
import { MxrayError } from '../../../src/core/errors.js';
import { Transcript } from '../../../src/core/transcript.js';
import { SmtpClient } from '../../../src/smtp/client.js';
import { SmtpSession } from '../../../src/smtp/session.js';
import { FakeConnection } from './memory-connection.js';

const NAME = 'client.mxray.test';
const unused: Connector = { connect: () => Promise.reject(new Error('not used')) };
const tick = () => new Promise((r) => setImmediate(r));

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
  /** The steps after the greeting and EHLO. */
  const steps = () => client.steps.slice(2);
  // What the EHLO taught, as the client keeps it through a mail transaction.
  const state = client.state;
  if (state.phase !== 'ready') throw new Error(`not ready after EHLO: ${state.phase}`);
  expect([state.hello.greeting, state.hello.ehloName, state.hello.capabilities.map((c) => c.keyword)]).toEqual(['EHLO', 'mx.example.com', keywords.map((k) => k.split(' ')[0])]);
  return { client, connection, server, written, sent, steps, transcript, introduced: state.hello };
}

/** A client with PIPELINING whose pipelined envelope got its 354: phase 'data'. */
async function inData() {
  const r = await ready('PIPELINING');
  const env = r.client.pipeline('a@b.test', [], ['c@d.test']);
  r.server.send('250 Ok\r\n250 Ok\r\n354 go\r\n');
  await env;
  expect(r.client.state.phase).toBe('data');
  return r;
}

describe('pipeline(): what it refuses, exactly', () => {
  it('without PIPELINING advertised: an internal error that says so, nothing written', async () => {
    const { client, written } = await ready('SIZE 1000');
    await expect(client.pipeline('a@b.test', [], ['c@d.test'])).rejects.toMatchObject({ code: 'internal-error', message: 'pipeline() without PIPELINING advertised' });
    expect(written()).toBe('');
  });

  it('a bad sender or recipient address is named as such; an empty recipient is refused; no recipient at all is our bug', async () => {
    const { client, written } = await ready('PIPELINING');
    await expect(client.pipeline('a b@c.test', [], ['c@d.test'])).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'MAIL FROM address contains a control character, a space, < or >: "a b@c.test"',
    });
    await expect(client.pipeline('a@b.test', [], ['c<d@e.test'])).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'RCPT TO address contains a control character, a space, < or >: "c<d@e.test"',
    });
    // Checked before anything is written: what was written is looked at before the rejection is awaited.
    const empty = client.pipeline('a@b.test', [], ['c@d.test', '']);
    expect(written()).toBe('');
    await expect(empty).rejects.toMatchObject({ code: 'invalid-input', message: 'RCPT TO address is empty' });
    const none = client.pipeline('a@b.test', [], []);
    expect(written()).toBe('');
    await expect(none).rejects.toMatchObject({ code: 'internal-error', message: 'pipeline() without a recipient' });
    expect(client.state.phase).toBe('ready');
  });

  it('the null reverse-path is a sender: MAIL FROM:<> goes out with the group', async () => {
    const { client, server, written } = await ready('PIPELINING');
    const env = client.pipeline('', [], ['c@d.test']);
    expect(written()).toBe('MAIL FROM:<>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n');
    server.send('250 Ok\r\n250 Ok\r\n354 go\r\n');
    expect((await env).data?.code).toBe(354);
  });
});

describe('pipeline(): the step it records and the phase it leaves', () => {
  it('one command step: the lines joined by " | ", the code of the reply to DATA', async () => {
    const { client, server, steps } = await ready('PIPELINING');
    const env = client.pipeline('a@b.test', [], ['c@d.test', 'e@f.test']);
    server.send('250 Ok\r\n251 Ok forwarded\r\n252 Ok\r\n354 go\r\n');
    await env;
    expect(steps()).toEqual([{ kind: 'command', command: 'MAIL FROM:<a@b.test> | RCPT TO:<c@d.test> | RCPT TO:<e@f.test> | DATA', code: 354, ms: 0, error: null }]);
  });

  it('DATA refused and every recipient refused, MAIL accepted: phase mail, its hello kept; no lone dot', async () => {
    const { client, server, written, sent, introduced } = await ready('PIPELINING');
    const env = client.pipeline('a@b.test', [], ['c@d.test']);
    server.send('250 Ok\r\n550 5.1.1 unknown\r\n554 5.5.1 no valid recipients\r\n');
    await tick();
    expect(written()).toBe('MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n');
    const got = await env;
    expect([got.mail.code, got.rcpts.map((r) => r.code), got.data?.code]).toEqual([250, [550], 554]);
    expect(sent()).toEqual(['MAIL FROM:<a@b.test>', 'RCPT TO:<c@d.test>', 'DATA']);
    expect(client.state).toEqual({ phase: 'mail', hello: introduced });
    // The transaction is open: RCPT is allowed, as after mail().
    const rcpt = client.rcpt('g@h.test');
    server.send('250 Ok\r\n');
    expect((await rcpt).code).toBe(250);
    expect(client.state).toEqual({ phase: 'rcpt', hello: introduced, accepted: 1 });
  });

  it('MAIL refused: no transaction, the client stays ready', async () => {
    const { client, server, written, introduced } = await ready('PIPELINING');
    const env = client.pipeline('a@b.test', [], ['c@d.test']);
    server.send('550 5.7.1 sender refused\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need RCPT\r\n');
    await tick();
    expect(written()).toBe('MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n');
    expect((await env).data?.code).toBe(503);
    expect(client.state).toEqual({ phase: 'ready', hello: introduced });
  });

  it('the lone dot after a 354 with every recipient refused: "." in the transcript, a message step with its reply', async () => {
    const { client, server, written, sent, steps, introduced } = await ready('PIPELINING');
    const env = client.pipeline('a@b.test', [], ['c@d.test']);
    server.send('250 Ok\r\n550 no\r\n354 go\r\n');
    await tick();
    expect(written()).toBe('MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n.\r\n');
    server.send('554 5.5.1 no valid recipients\r\n');
    await env;
    expect(sent()).toEqual(['MAIL FROM:<a@b.test>', 'RCPT TO:<c@d.test>', 'DATA', '.']);
    expect(steps()).toEqual([
      { kind: 'command', command: 'MAIL FROM:<a@b.test> | RCPT TO:<c@d.test> | DATA', code: 354, ms: 0, error: null },
      { kind: 'message', command: '.', code: 554, ms: 0, error: null },
    ]);
    expect(client.state).toEqual({ phase: 'ready', hello: introduced });
  });

  it('the lone dot awaited when we close: the error names the end of data', async () => {
    const { client, server } = await ready('PIPELINING');
    const env = client.pipeline('a@b.test', [], ['c@d.test']);
    server.send('250 Ok\r\n550 no\r\n354 go\r\n');
    await tick();
    client.close();
    await expect(env).rejects.toMatchObject({ code: 'io-timeout', message: 'closed by us while waiting for the reply to end of data' });
  });
});

describe('message() after a pipelined 354', () => {
  it('the transcript shows the summary, the step is a message step with the final reply', async () => {
    const { client, server, written, sent, steps } = await inData();
    const before = written().length;
    const final = client.message('.x\nend');
    expect(written().slice(before)).toBe('..x\r\nend\r\n.\r\n');
    server.send('250 2.0.0 Ok: queued as ABC\r\n');
    expect((await final).code).toBe(250);
    expect(sent().slice(-1)).toEqual(['(message data: 13 bytes, ending with CRLF.CRLF)']);
    expect(steps().slice(-1)).toEqual([{ kind: 'message', command: '(message data: 13 bytes, ending with CRLF.CRLF)', code: 250, ms: 0, error: null }]);
  });

  it('closed while its reply is awaited: the error names the end of data', async () => {
    const { client } = await inData();
    const final = client.message('x');
    client.close();
    await expect(final).rejects.toMatchObject({ code: 'io-timeout', message: 'closed by us while waiting for the reply to end of data' });
  });
});

describe('messageThenPipeline(): what it refuses, exactly', () => {
  it('without PIPELINING advertised (phase data through dataStart): an internal error that says so, no message written', async () => {
    const { client, server, written } = await ready('SIZE 1000');
    const mail = client.mail('a@b.test');
    server.send('250 Ok\r\n');
    await mail;
    const rcpt = client.rcpt('c@d.test');
    server.send('250 Ok\r\n');
    await rcpt;
    const go = client.dataStart();
    server.send('354 go\r\n');
    expect((await go).code).toBe(354);
    const both = client.messageThenPipeline('x', { from: 'a@b.test', mailParams: [], rcpts: ['c@d.test'] });
    expect(written()).toBe('MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n');
    await expect(both).rejects.toMatchObject({ code: 'internal-error', message: 'messageThenPipeline() without PIPELINING advertised' });
  });

  it('a bad next sender or recipient is named as such; an empty recipient is refused; no recipient at all is our bug', async () => {
    const { client, written } = await inData();
    const before = written();
    await expect(client.messageThenPipeline('x', { from: 'a b@c.test', mailParams: [], rcpts: ['c@d.test'] })).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'MAIL FROM address contains a control character, a space, < or >: "a b@c.test"',
    });
    await expect(client.messageThenPipeline('x', { from: 'a@b.test', mailParams: [], rcpts: ['c>d@e.test'] })).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'RCPT TO address contains a control character, a space, < or >: "c>d@e.test"',
    });
    const empty = client.messageThenPipeline('x', { from: 'a@b.test', mailParams: [], rcpts: [''] });
    expect(written()).toBe(before);
    await expect(empty).rejects.toMatchObject({ code: 'invalid-input', message: 'RCPT TO address is empty' });
    const none = client.messageThenPipeline('x', { from: 'a@b.test', mailParams: [], rcpts: [] });
    expect(written()).toBe(before);
    await expect(none).rejects.toMatchObject({ code: 'internal-error', message: 'messageThenPipeline() without a recipient' });
    expect(client.state.phase).toBe('data');
  });

  it('the null reverse-path as the next sender: MAIL FROM:<> after the message', async () => {
    const { client, server, written } = await inData();
    const before = written().length;
    const both = client.messageThenPipeline('x', { from: '', mailParams: [], rcpts: ['c@d.test'] });
    expect(written().slice(before)).toBe('x\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n');
    server.send('250 queued\r\n250 Ok\r\n250 Ok\r\n354 go\r\n');
    expect((await both).next?.data?.code).toBe(354);
  });
});

describe('messageThenPipeline(): steps, phases and the errors that name what was awaited', () => {
  it("a message step with the message's reply, then a command step for the next envelope (DATA's code)", async () => {
    const { client, server, steps } = await inData();
    const both = client.messageThenPipeline('x', { from: 'a@b.test', mailParams: [], rcpts: ['c@d.test', 'e@f.test'] });
    server.send('250 queued\r\n250 Ok\r\n251 Ok\r\n252 Ok\r\n354 go\r\n');
    await both;
    expect(steps().slice(1)).toEqual([
      { kind: 'message', command: '(message data: 6 bytes, ending with CRLF.CRLF)', code: 250, ms: 0, error: null },
      { kind: 'command', command: 'MAIL FROM:<a@b.test> | RCPT TO:<c@d.test> | RCPT TO:<e@f.test> | DATA', code: 354, ms: 0, error: null },
    ]);
  });

  it('the next MAIL refused: the client is ready (the message ended the transaction), its hello kept', async () => {
    const { client, server, introduced } = await inData();
    const both = client.messageThenPipeline('x', { from: 'a@b.test', mailParams: [], rcpts: ['c@d.test'] });
    server.send('250 queued\r\n550 no\r\n503 need MAIL\r\n503 need RCPT\r\n');
    const got = await both;
    expect([got.reply.code, got.next?.mail.code, got.next?.data?.code, got.nextFailure]).toEqual([250, 550, 503, null]);
    expect(client.state).toEqual({ phase: 'ready', hello: introduced });
  });

  it("closed while the message's reply is awaited: the error names the end of data", async () => {
    const { client } = await inData();
    const both = client.messageThenPipeline('x', { from: 'a@b.test', mailParams: [], rcpts: ['c@d.test'] });
    client.close();
    await expect(both).rejects.toMatchObject({ code: 'io-timeout', message: 'closed by us while waiting for the reply to end of data' });
  });

  it("closed while the next MAIL's reply is awaited: the failure names MAIL, the message's reply stands", async () => {
    const { client, server } = await inData();
    const both = client.messageThenPipeline('x', { from: 'a@b.test', mailParams: [], rcpts: ['c@d.test'] });
    server.send('250 queued\r\n');
    await tick();
    client.close();
    const got = await both;
    expect(got.reply.code).toBe(250);
    expect(got.next).toBeNull();
    expect(got.nextFailure).toBeInstanceOf(MxrayError);
    expect(got.nextFailure).toMatchObject({ code: 'io-timeout', message: 'closed by us while waiting for the reply to MAIL' });
  });
});

describe('AUTH: what it records, and where it stops', () => {
  it('XOAUTH2: the step is a command step showing <redacted>; a token with a space is refused with its reason', async () => {
    const { client, server, steps } = await ready('AUTH XOAUTH2');
    await expect(client.auth('XOAUTH2', 'u', 'tok en', { allowCleartext: true })).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'a user name or token containing a control character',
    });
    await expect(client.auth('XOAUTH2', 'u\x01v', 'token', { allowCleartext: true })).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'a user name or token containing a control character',
    });
    const done = client.auth('XOAUTH2', 'me@example.com', 'ya29.token', { allowCleartext: true });
    server.send('235 2.7.0 Accepted\r\n');
    expect((await done).code).toBe(235);
    expect(steps()).toEqual([{ kind: 'command', command: 'AUTH XOAUTH2 <redacted>', code: 235, ms: 0, error: null }]);
  });

  it('XOAUTH2 closed while its reply is awaited: the error names AUTH', async () => {
    const { client } = await ready('AUTH XOAUTH2');
    const done = client.auth('XOAUTH2', 'me@example.com', 'ya29.token', { allowCleartext: true });
    client.close();
    await expect(done).rejects.toMatchObject({ code: 'io-timeout', message: 'closed by us while waiting for the reply to AUTH' });
  });

  it('CRAM-MD5 refused at once (504): that reply, and nothing more is sent', async () => {
    const { client, server, written } = await ready('AUTH CRAM-MD5');
    const done = client.auth('CRAM-MD5', 'tim', 'tanstaaftanstaaf', { allowCleartext: true });
    server.send('504 5.5.4 mechanism not supported\r\n');
    await tick();
    expect(written()).toBe('AUTH CRAM-MD5\r\n');
    expect(await done).toEqual({ code: 504, enhanced: '5.5.4', lines: ['5.5.4 mechanism not supported'] });
  });

  it('CRAM-MD5: the answer is a command step shown as <redacted>; closed while its reply is awaited, the error names AUTH', async () => {
    const { client, server, steps } = await ready('AUTH CRAM-MD5');
    const done = client.auth('CRAM-MD5', 'tim', 'tanstaaftanstaaf', { allowCleartext: true });
    server.send(`334 ${Buffer.from('<1896.697170952@postoffice.reston.mci.net>').toString('base64')}\r\n`);
    await tick();
    server.send('235 2.7.0 ok\r\n');
    expect((await done).code).toBe(235);
    expect(steps()).toEqual([
      { kind: 'command', command: 'AUTH CRAM-MD5', code: 334, ms: 0, error: null },
      { kind: 'command', command: '<redacted>', code: 235, ms: 0, error: null },
    ]);
    const again = await ready('AUTH CRAM-MD5');
    const second = again.client.auth('CRAM-MD5', 'tim', 'tanstaaftanstaaf', { allowCleartext: true });
    again.server.send('334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n');
    await tick();
    again.client.close();
    await expect(second).rejects.toMatchObject({ code: 'io-timeout', message: 'closed by us while waiting for the reply to AUTH' });
  });
});

describe('STARTTLS with a client certificate', () => {
  it('hands the certificate to the handshake', async () => {
    const { client, server, connection } = await ready('STARTTLS');
    const clientCertificate = { keyPem: 'KEY', certPem: 'CERT', subject: 'CN=client' };
    const tls = client.starttls({ clientCertificate });
    server.send('220 2.0.0 go ahead\r\n');
    await tls;
    expect(connection.tlsOptions.map((o) => o.clientCertificate)).toEqual([clientCertificate]);
  });
});

describe('SmtpSession.commands()', () => {
  function open() {
    const connection = new FakeConnection();
    const clock = fixedClock(Date.UTC(2026, 10, 29));
    const transcript = new Transcript(clock);
    const session = new SmtpSession(connection, transcript, 'c1', DEFAULT_LIMITS, clock);
    const events = () => transcript.events.map((e) => `${e.kind} ${e.text}`);
    return { session, server: connection.clear, events };
  }

  afterEach(() => {
    vi.useRealTimers();
  });

  it('works before the banner is read (phase connected), as command() does', async () => {
    const { session, server } = open();
    expect(session.phase).toBe('connected');
    const replies = session.commands(['NOOP', 'RSET']);
    expect(server.written).toBe('NOOP\r\nRSET\r\n');
    server.send('250 one\r\n250 two\r\n');
    expect((await replies).map((r) => r.code)).toEqual([250, 250]);
    expect(session.phase).toBe('ready');
  });

  it('refuses while a reply is awaited: an internal error naming the phase, nothing written', async () => {
    const { session, server } = open();
    const pending = session.readReply('command', 'NOOP');
    const second = session.commands(['NOOP']);
    expect(server.written).toBe('');
    await expect(second).rejects.toMatchObject({ code: 'internal-error', message: 'cannot send in phase awaiting-reply' });
    server.send('250 ok\r\n');
    expect((await pending).code).toBe(250);
  });

  it('refuses a line with CR or LF before writing any line', async () => {
    const { session, server, events } = open();
    const crlf = session.commands(['NOOP', 'RSET\r\nQUIT']);
    expect(server.written).toBe('');
    await expect(crlf).rejects.toMatchObject({ code: 'internal-error', message: 'refusing to send a command containing CR or LF' });
    const lf = session.commands(['NOOP\nQUIT']);
    expect(server.written).toBe('');
    await expect(lf).rejects.toMatchObject({ code: 'internal-error', message: 'refusing to send a command containing CR or LF' });
    expect(events()).toEqual([]);
  });

  it('a reply that never comes: io-timeout, and the transcript names the verb awaited, in upper case', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { session, server, events } = open();
    const replies = session.commands(['mail FROM:<a@b.test>', 'RCPT TO:<c@d.test>']);
    const failed = expect(replies).rejects.toMatchObject({ code: 'io-timeout', message: `no complete line within ${DEFAULT_LIMITS.commandTimeoutMs} ms` });
    await vi.advanceTimersByTimeAsync(DEFAULT_LIMITS.commandTimeoutMs);
    await failed;
    expect(server.written).toBe('mail FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n');
    expect(events()).toEqual([
      'send mail FROM:<a@b.test>',
      'send RCPT TO:<c@d.test>',
      `error no complete line within ${DEFAULT_LIMITS.commandTimeoutMs} ms (MAIL)`,
    ]);
  });
});
