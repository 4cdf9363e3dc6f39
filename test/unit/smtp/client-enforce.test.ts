// The client's two verbs for `mxray enforce`, over an in-memory connection: authProbe() never sends
// a credential (AUTH LOGIN, then "*" at the first 334), and dataStart() stops at DATA's reply; after
// a 354, quit() and close() drop the connection with nothing more written (no QUIT, no final dot).
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import { DEFAULT_LIMITS, type Connector } from '../../../src/core/context.js';
import { Transcript } from '../../../src/core/transcript.js';
import { SmtpClient, VERB_PHASES } from '../../../src/smtp/client.js';
import { FakeConnection } from './memory-connection.js';

const NAME = 'client.mxray.test';
const unused: Connector = { connect: () => Promise.reject(new Error('not used')) };

async function ready(caps = ['AUTH PLAIN LOGIN', 'STARTTLS']) {
  const connection = new FakeConnection();
  const clock = fixedClock(Date.UTC(2025, 0, 1));
  const transcript = new Transcript(clock);
  const client = new SmtpClient(connection, { connector: unused, transcript, clock, limits: DEFAULT_LIMITS }, { address: '192.0.2.25', port: 25, serverName: 'mx.example.com', conn: 'c1' }, 0);
  const server = connection.clear;
  const greeting = client.greeting();
  server.send('220 mx.example.com ESMTP\r\n');
  await greeting;
  const hello = client.hello(NAME);
  server.send(['250-mx.example.com', ...caps.slice(0, -1).map((c) => `250-${c}`), `250 ${caps.at(-1)!}`].join('\r\n') + '\r\n');
  await hello;
  server.written = '';
  return { client, connection, server, transcript };
}

/** Waits until the client has written `text` (the next command) or fails after a few turns. */
async function written(server: { written: string }, text: string): Promise<void> {
  for (let i = 0; i < 50 && !server.written.endsWith(text); i++) await new Promise<void>((r) => setImmediate(r));
  expect(server.written.endsWith(text)).toBe(true);
}

describe('authProbe()', () => {
  it('cancels at the first 334 with "*": the only lines sent are AUTH LOGIN and *', async () => {
    const { client, server } = await ready();
    const probe = client.authProbe();
    await written(server, 'AUTH LOGIN\r\n');
    server.send('334 VXNlcm5hbWU6\r\n');
    await written(server, '*\r\n');
    server.send('501 5.7.0 Authentication aborted\r\n');
    expect(await probe).toEqual({
      login: { code: 334, enhanced: null, lines: ['VXNlcm5hbWU6'] },
      cancel: { code: 501, enhanced: '5.7.0', lines: ['5.7.0 Authentication aborted'] },
    });
    expect(server.written).toBe('AUTH LOGIN\r\n*\r\n');
    // The dialogue stays in step: the envelope may follow.
    expect(client.state.phase).toBe('ready');
  });

  it('a refusal of AUTH LOGIN sends nothing more', async () => {
    const { client, server } = await ready();
    const probe = client.authProbe();
    await written(server, 'AUTH LOGIN\r\n');
    server.send('538 5.7.11 Encryption required for requested authentication mechanism\r\n');
    expect(await probe).toEqual({ login: { code: 538, enhanced: '5.7.11', lines: ['5.7.11 Encryption required for requested authentication mechanism'] }, cancel: null });
    expect(server.written).toBe('AUTH LOGIN\r\n');
    expect(client.state.phase).toBe('ready');
  });

  it('a second 334 after the "*" is not answered: nothing but AUTH LOGIN and * ever goes out', async () => {
    const { client, server } = await ready();
    const probe = client.authProbe();
    await written(server, 'AUTH LOGIN\r\n');
    server.send('334 VXNlcm5hbWU6\r\n');
    await written(server, '*\r\n');
    server.send('334 UGFzc3dvcmQ6\r\n');
    expect((await probe).cancel?.code).toBe(334);
    expect(server.written).toBe('AUTH LOGIN\r\n*\r\n');
  });

  it('is allowed only where AUTH is: after EHLO, outside a transaction', () => {
    expect(VERB_PHASES.authProbe).toEqual(['ready']);
  });
});

describe('dataStart()', () => {
  async function inTransaction() {
    const r = await ready();
    const mail = r.client.mail('a@example.net');
    r.server.send('250 2.1.0 Ok\r\n');
    await mail;
    const rcpt = r.client.rcpt('postmaster@example.com');
    r.server.send('250 2.1.5 Ok\r\n');
    await rcpt;
    r.server.written = '';
    return r;
  }

  it('after a 354, quit() drops the connection: no QUIT, no data, no final dot', async () => {
    const { client, connection, server, transcript } = await inTransaction();
    const data = client.dataStart();
    await written(server, 'DATA\r\n');
    server.send('354 End data with <CR><LF>.<CR><LF>\r\n');
    expect(await data).toEqual({ code: 354, enhanced: null, lines: ['End data with <CR><LF>.<CR><LF>'] });
    expect(client.state.phase).toBe('data');
    await client.quit();
    expect(server.written).toBe('DATA\r\n');
    expect(connection.closed).toBe(1);
    expect(client.state).toEqual({ phase: 'closed' });
    expect(transcript.events.map((e) => `${e.kind} ${e.text}`).slice(-3)).toEqual(['send DATA', 'recv 354 End data with <CR><LF>.<CR><LF>', 'close connection closed']);
  });

  it('after a 354, close() writes nothing either', async () => {
    const { client, connection, server } = await inTransaction();
    const data = client.dataStart();
    await written(server, 'DATA\r\n');
    server.send('354 go ahead\r\n');
    await data;
    client.close();
    expect(server.written).toBe('DATA\r\n');
    expect(connection.closed).toBe(1);
  });

  it('a refusal of DATA leaves the transaction open: RSET and QUIT as usual', async () => {
    const { client, server } = await inTransaction();
    const data = client.dataStart();
    await written(server, 'DATA\r\n');
    server.send('530 5.7.0 Must issue a STARTTLS command first\r\n');
    expect((await data).code).toBe(530);
    expect(client.state.phase).toBe('rcpt');
    const quit = client.quit();
    await written(server, 'QUIT\r\n');
    server.send('221 Bye\r\n');
    await quit;
    expect(server.written).toBe('DATA\r\nQUIT\r\n');
  });

  it('only after an accepted RCPT', async () => {
    const { client } = await ready();
    await expect(client.dataStart()).rejects.toMatchObject({ code: 'internal-error' });
    expect(VERB_PHASES.dataStart).toEqual(['rcpt']);
  });
});
