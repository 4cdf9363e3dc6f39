// `mxray sender-test new --from <ip>`: a sender that refuses our certificate completes the handshake
// and says QUIT before it could name the test. When the test expects its sender at that address,
// the session is reported for it (matchedBy 'address', sender.tls-abandoned), and the retry that
// names the test later carries it as an earlier session. Without --from nothing is stored: the
// session is only counted for the waiting hint. Clients bind to other loopback addresses to be
// other hosts.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createSelfSigned } from '../../src/demo/test-pki.js';
import { startSenderServer, type SenderServer } from '../../src/jobs/sender/sender-server.js';
import { parseSavedReport } from '../../src/core/saved-report.js';
import type { SenderReport } from '../../src/core/schema.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { noDns } from '../helpers/no-dns.js';
import { SmtpLineClient } from '../helpers/smtp-line-client.js';
import { runMxray } from '../helpers/cli.js';

const HOST = 'sendertest.expect.test';
let server: SenderServer;
let port: number;

beforeAll(async () => {
  const pair = await createSelfSigned({ commonName: HOST }, systemClock.now());
  server = await startSenderServer({
    listeners: [{ address: '127.0.0.1', port: 0, policy: 'opportunistic' }],
    hostname: HOST,
    tls: { key: pair.keyPem, cert: pair.certPem },
    store: await openSqliteStore(':memory:'),
    clock: systemClock,
    resolver: noDns,
    trustStore: createTrustStore([], 'empty'),
  });
  port = server.listeners[0]!.port;
});

afterAll(async () => {
  await server?.stop();
});

async function greeted(from: string): Promise<SmtpLineClient> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const c = new SmtpLineClient(socket);
  expect((await c.reply())[0]).toMatch(/^220 /);
  return c;
}

/** What a verifying sender does to a certificate it cannot trust: the handshake, then QUIT. */
async function tlsThenQuit(from: string): Promise<void> {
  const c = await greeted(from);
  await c.command('EHLO mail.expect-sender.test');
  expect((await c.command('STARTTLS'))[0]).toMatch(/^220 /);
  const { client } = await c.startTls(HOST);
  expect(await client.command('QUIT')).toEqual(['221 2.0.0 Bye']);
  await client.waitClosed().catch(() => '');
}

async function reportsOf(passcode: string, afterId = 0): Promise<SenderReport[]> {
  const results = await server.waitForResults(passcode, afterId, AbortSignal.timeout(10_000));
  return results.map((r) => parseSavedReport(r.report, 'stored') as SenderReport);
}

describe('a test that expects its sender at an address', () => {
  it('TLS then QUIT from that address: reported for the test, tied by the address, sender.tls-abandoned', async () => {
    const test = await server.createTest(undefined, ['127.0.41.1']);
    expect(test.expectFrom).toEqual(['127.0.41.1']);
    await tlsThenQuit('127.0.41.1');
    const [report] = await reportsOf(test.passcode);
    expect(report?.body.test.matchedBy).toBe('address');
    expect(report?.body.session).toMatchObject({ mailFrom: null, outcome: 'no-message', ended: 'quit' });
    expect(report?.body.session.tls).toMatchObject({ attempted: true, established: true, protocol: 'TLSv1.3' });
    expect(report?.findings.map((f) => f.id)).toContain('sender.tls-abandoned');
    expect(report?.verdict).toBe('inconclusive');
  });

  it('the retry that names the test carries the abandoned session as an earlier one', async () => {
    const test = await server.createTest(undefined, ['127.0.41.2']);
    await tlsThenQuit('127.0.41.2');
    const [first] = await server.waitForResults(test.passcode, 0, AbortSignal.timeout(10_000));
    const c = await greeted('127.0.41.2');
    await c.command('EHLO mail.expect-sender.test');
    await c.command('MAIL FROM:<admin@expect-sender.test>');
    await c.command(`RCPT TO:<${test.address}>`);
    await c.command('DATA');
    expect((await c.command('Subject: retry\r\n\r\nhello\r\n.'))[0]).toMatch(/^250 /);
    c.close();
    const [retry] = await reportsOf(test.passcode, first?.id ?? 0);
    expect(retry?.body.test.matchedBy).toBe('recipient');
    expect(retry?.body.earlier.map((s) => [s.tls.established, s.mailFrom])).toEqual([[true, null]]);
    expect(retry?.findings.find((f) => f.id === 'sender.tls-abandoned')?.facts.when).toMatch(/^ \(in an earlier session at \d\d:\d\d:\d\d UTC\)$/);
  });

  it('from another address, or for a test that expects none: nothing stored, the session only counted while the test waits', async () => {
    const expecting = await server.createTest(undefined, ['127.0.41.3']);
    const plain = await server.createTest();
    const before = server.waitingHint(plain.createdAt).tlsDropouts;
    await tlsThenQuit('127.0.41.4');
    // The close is handled on a later turn: wait until it is counted.
    for (let i = 0; i < 100 && server.waitingHint(plain.createdAt).tlsDropouts === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.waitingHint(plain.createdAt).tlsDropouts).toBe(before + 1);
    expect((await server.lookup(expecting.passcode))?.results).toEqual([]);
    expect((await server.lookup(plain.passcode))?.results).toEqual([]);
  });

  it('an address that is not one is refused when the test is made', async () => {
    await expect(server.createTest(undefined, ['mail.example.net'])).rejects.toThrow(/IP addresses/);
    const run = await runMxray(['sender-test', 'new', '--from', 'mail.example.net', '--server', 'http://127.0.0.1:9']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^mxray: --from mail\.example\.net is not an IP address/);
  });
});
