// The SMTP client over an in-memory connection (./memory-connection.ts), for what a loopback
// server cannot time exactly: bytes that come a turn of the event loop after a reply, a second
// quit() while QUIT's answer is awaited, a close() in the middle of a handshake. The clock is a
// fixed one; nothing here waits on real time.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import { DEFAULT_LIMITS, type Connector, type TlsHandshake } from '../../../src/core/context.js';
import { TlsHandshakeError } from '../../../src/core/errors.js';
import type { TranscriptEvent } from '../../../src/core/schema.js';
import { Transcript } from '../../../src/core/transcript.js';
import { SmtpClient } from '../../../src/smtp/client.js';
import { emptyRecordSummary } from '../../../src/tls/records.js';
import { FakeConnection } from './memory-connection.js';

const NAME = 'client.mxray.test';

/** A connector that is never asked: the client is built on the in-memory connection directly. */
const unused: Connector = { connect: () => Promise.reject(new Error('not used')) };

/** The next turn of the event loop (after the I/O a turn may bring). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A client that has read the banner and said EHLO (STARTTLS advertised). */
async function ready(handshake?: () => Promise<TlsHandshake>) {
  const connection = new FakeConnection(handshake);
  const clock = fixedClock(Date.UTC(2025, 0, 1));
  const transcript = new Transcript(clock);
  const client = new SmtpClient(connection, { connector: unused, transcript, clock, limits: DEFAULT_LIMITS }, { address: '192.0.2.25', port: 25, serverName: 'mx.example.com', conn: 'c1' }, 0);
  const server = connection.clear;
  const events = (kind?: TranscriptEvent['kind']) => transcript.events.filter((e) => !kind || e.kind === kind).map((e) => e.text);
  const greeting = client.greeting();
  server.send('220 mx.example.com ESMTP\r\n');
  await greeting;
  const hello = client.hello(NAME);
  server.send('250-mx.example.com\r\n250 STARTTLS\r\n');
  await hello;
  return { client, connection, server, events };
}

describe('SmtpClient over an in-memory connection', () => {
  it('STARTTLS: bytes that come a turn after the 220, before the handshake starts, are injected too', async () => {
    const { client, connection, server, events } = await ready();
    const started = client.starttls();
    expect(server.written).toBe(`EHLO ${NAME}\r\nSTARTTLS\r\n`);
    server.send('220 2.0.0 go ahead\r\n');
    // In a read of its own, after the one that carried the 220.
    setImmediate(() => server.send('250 LATE\r\n'));
    const result = await started;
    expect(result.injected).toEqual({ bytes: 10, sample: Buffer.from('250 LATE\r\n') });
    expect(client.injectedBytes).toBe(10);
    expect(connection.tlsOptions).toHaveLength(1);
    expect(events('error')).toEqual(['server sent 10 bytes after its 220 and before the handshake (discarded): 250 LATE\\r\\n']);
    expect(client.state).toEqual({ phase: 'tls-started' });
  });
  it('quit() while an earlier quit() awaits the answer to QUIT leaves that one to finish', async () => {
    const { client, connection, server, events } = await ready();
    const first = client.quit();
    expect(server.written).toBe(`EHLO ${NAME}\r\nQUIT\r\n`);
    await client.quit();
    // The second call did not cut the first short: the connection is still open for the 221.
    expect(connection.closed).toBe(0);
    expect(events('close')).toEqual([]);
    server.send('221 2.0.0 Bye\r\n');
    await first;
    expect(connection.closed).toBe(1);
    expect(events().slice(-3)).toEqual(['QUIT', '221 2.0.0 Bye', 'connection closed']);
    expect(client.state).toEqual({ phase: 'closed' });
  });
  it('close() during the handshake: the failed handshake that follows leaves the client closed, not broken', async () => {
    let fail: (err: Error) => void = () => undefined;
    const { client, connection, server, events } = await ready(() => new Promise<TlsHandshake>((_resolve, reject) => (fail = reject)));
    const started = client.starttls().then(
      () => expect.fail('expected a rejection'),
      (e: unknown) => e,
    );
    server.send('220 2.0.0 go ahead\r\n');
    // The handshake begins once the bytes after the 220 have been taken in (a quiet turn or two).
    for (let i = 0; i < 100 && connection.tlsOptions.length === 0; i++) await turn();
    expect(connection.tlsOptions).toHaveLength(1);
    client.close();
    fail(new TlsHandshakeError('the server closed the connection during the handshake', 'closed', emptyRecordSummary(), false));
    expect(await started).toBeInstanceOf(TlsHandshakeError);
    expect(client.state).toEqual({ phase: 'closed' });
    expect(client.steps.at(-1)).toMatchObject({ kind: 'tls', error: 'tls-handshake-error' });
    expect(events('close')).toEqual(['connection closed']);
  });
});
