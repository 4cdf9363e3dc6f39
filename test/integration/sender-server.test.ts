// The sender test's receiving side end to end (src/jobs/sender/sender-server.ts over the smtpd
// wrapper and the SQLite store): real senders — swaks and `mxray send` as child processes, raw
// node:net / node:tls clients where a sender must misbehave — deliver to listeners on loopback, and
// each test reads back the stored Report and asserts the facts it holds (TLS, greeting, envelope,
// message, outcome, the dialogue in order, earlier sessions) and the replies the sender got. The
// judge and the DNS lookups are still placeholders (jobs/sender/defaults.ts): no finding is asserted.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import type { Clock } from '../../src/core/context.js';
import { parseSavedReport } from '../../src/core/saved-report.js';
import type { SenderReport } from '../../src/core/schema.js';
import type { SenderPolicy, SenderSession } from '../../src/core/sender-schema.js';
import type { SenderTestStore } from '../../src/core/sender-store.js';
import { createRootCa, createSelfSigned, type IssuedCert, type TestCa } from '../../src/demo/test-pki.js';
import { keyOf, maskedAddress } from '../../src/jobs/sender/passcode.js';
import { startSenderServer, type SenderLimits, type SenderServer, type SenderServerOptions } from '../../src/jobs/sender/sender-server.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { BIN } from '../helpers/cli.js';
import { SmtpLineClient } from '../helpers/smtp-line-client.js';
import { noDns } from '../helpers/no-dns.js';

const HOST = 'sendertest.mxray.test';
const CLIENT = 'client.sender.test';
const FROM = `sender@${CLIENT}`;
const BANNER = `220 ${HOST} ESMTP mxray sender test: no mail is delivered`;
const EHLO_LINES = [`250-${HOST} Nice to meet you, [127.0.0.1]`, '250-PIPELINING', '250-8BITMIME', '250-SMTPUTF8', '250-ENHANCEDSTATUSCODES'];
const ACCEPTED = '250 2.6.0 Message received: the sender-test report is ready (mxray sender-test show)';
const RELAY_DENIED = `554 5.7.1 Relay access denied: this server takes mail only for sender tests at ${HOST}`;
const TLS_REQUIRED = '530 5.7.0 Must issue a STARTTLS command first: this sender test requires TLS';
/** The per-address limit's greeting, whatever its exact words (see the it.fails below for those). */
const PER_IP = /^421 .*Too many connections from your address, try again later$/;


let ca: TestCa;
let serverCert: IssuedCert;
/** A client certificate issued by the root (swaks sends the leaf alone: it verifies against the root). */
let clientCert: IssuedCert;
/** One issued by an intermediate: `mxray send` sends leaf and intermediate. */
let chainLeaf: IssuedCert;
let intermediate: TestCa;
let selfSigned: IssuedCert;
let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  ca = await createRootCa('sender server test root', Date.now());
  intermediate = await ca.intermediate('sender server test intermediate');
  [serverCert, clientCert, chainLeaf, selfSigned] = await Promise.all([
    ca.issue({ commonName: HOST }),
    ca.issue({ commonName: CLIENT, eku: ['serverAuth', 'clientAuth'] }),
    intermediate.issue({ commonName: CLIENT, eku: ['clientAuth'] }),
    createSelfSigned({ commonName: CLIENT }, Date.now()),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'mxray-sender-server-'));
  writeFileSync(file('ca.pem'), ca.cert.certPem);
  writeFileSync(file('client.pem'), clientCert.certPem);
  writeFileSync(file('client.key'), clientCert.keyPem);
  writeFileSync(file('chain.pem'), chainLeaf.certPem + intermediate.cert.certPem);
  writeFileSync(file('chain.key'), chainLeaf.keyPem);
  writeFileSync(file('self.pem'), selfSigned.certPem);
  writeFileSync(file('self.key'), selfSigned.keyPem);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  server: SenderServer;
  store: SenderTestStore;
  port: number;
}

const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) {
    await h.server.stop();
    await h.store.close();
  }
});

async function start(options: { policy?: SenderPolicy; limits?: Partial<SenderLimits>; clock?: Clock; onStored?: SenderServerOptions['onStored'] } = {}): Promise<Harness> {
  const store = await openSqliteStore(':memory:');
  const server = await startSenderServer({
    listeners: [{ address: '127.0.0.1', port: 0, policy: options.policy ?? 'opportunistic' }],
    hostname: HOST,
    tls: { key: serverCert.keyPem, cert: serverCert.certPem },
    store,
    clock: options.clock ?? systemClock,
    resolver: noDns,
    trustStore: createTrustStore([ca.cert.certPem], 'sender server test root'),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.onStored ? { onStored: options.onStored } : {}),
  });
  const h = { server, store, port: server.listeners[0]?.port ?? 0 };
  running.push(h);
  expect(h.port).toBeGreaterThan(0);
  return h;
}

interface Run {
  code: number;
  out: string;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** swaks to the listener, as CLIENT, quietly verbose (every line it sent and read is in `out`). */
function swaks(h: Harness, to: string, extra: string[] = []): Promise<Run> {
  return run('swaks', ['--server', `127.0.0.1:${h.port}`, '--to', to, '--from', FROM, '--ehlo', CLIENT, '--timeout', '20', ...extra]);
}

/** The replies swaks printed, without its markers (`<-`, `<~` in TLS, `<**`/`<~*` for an error). */
function repliesOf(out: string): string[] {
  return out.split('\n').flatMap((line) => {
    const m = /^(?:<-|<~|<\*\*|<~\*) +(\d{3}[ -].*)$/.exec(line);
    return m?.[1] ? [m[1]] : [];
  });
}

/** Connects until the listener greets (a closed connection's place is given back when the server has seen it close). */
async function greetedWhenFree(h: Harness): Promise<SmtpLineClient> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const client = await SmtpLineClient.connect(h.port);
    const [line] = await client.reply();
    if (line === BANNER) return client;
    expect(line).toMatch(PER_IP);
    await client.waitClosed().catch(() => '');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the listener never gave the place back');
}

/** `mxray send` (the built CLI) to the listener, the host name pointed at it with --connect. */
function mxraySend(h: Harness, to: string, extra: string[] = []): Promise<Run> {
  return run(process.execPath, [BIN, 'send', `${HOST}:${h.port}`, '--to', to, '--connect', `${HOST}=127.0.0.1:${h.port}`, '--helo', CLIENT, '--from', FROM, '--timeout', '20', ...extra]);
}

/** The next stored result of a test after `afterId`, read back as a saved Report (schema-checked). */
async function nextReport(h: Harness, passcode: string, afterId = 0): Promise<SenderReport & { resultId: number }> {
  const found = await h.server.waitForResults(passcode, afterId, AbortSignal.timeout(15_000));
  expect(found.length).toBe(1);
  const [result] = found;
  if (!result) throw new Error('no result stored');
  const report = parseSavedReport(result.report, 'the stored result');
  if (report.kind !== 'sender') throw new Error(`stored a ${report.kind} report`);
  return { ...report, resultId: result.id };
}

/** The dialogue of one session as "kind text" lines (the connect line left out: its ports vary). */
function dialogue(report: SenderReport, session: SenderSession = report.body.session): string[] {
  const conn = `client[${session.clientIp}]:${session.clientPort}/${session.id}`;
  return report.transcript.filter((e) => e.conn === conn && e.kind !== 'connect').map((e) => `${e.kind} ${e.text}`);
}

const recv = (lines: readonly string[]) => lines.map((l) => `recv ${l}`);
const ehloReply = (starttls: boolean, size = 10_485_760) => recv([...EHLO_LINES, ...(starttls ? ['250-STARTTLS'] : []), `250 SIZE ${size}`]);
const envelope = (to: string) => [`send MAIL FROM:<${FROM}>`, 'recv 250 2.1.0 Accepted', `send RCPT TO:<${to}>`, 'recv 250 2.1.5 Accepted', 'send DATA', 'recv 354 End data with <CR><LF>.<CR><LF>'];

function der(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}

/** A raw client that greets (EHLO CLIENT) and checks the banner. */
async function greet(h: Harness): Promise<SmtpLineClient> {
  const client = await SmtpLineClient.connect(h.port);
  expect(await client.reply()).toEqual([BANNER]);
  expect((await client.command(`EHLO ${CLIENT}`))[0]).toBe(EHLO_LINES[0]);
  return client;
}

describe('STARTTLS with swaks', () => {
  it('TLS 1.3 with SNI: protocol, cipher, SNI, both greetings, the envelope and the dialogue in order', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const sent = await swaks(h, test.address, ['-tls', '--tls-protocol', 'tlsv1_3', '--tls-sni', HOST, '--header', 'Subject: tls 1.3']);
    expect(sent.code, sent.out).toBe(0);
    expect(repliesOf(sent.out).at(-2)).toBe(ACCEPTED);
    const report = await nextReport(h, test.passcode);
    const { session } = report.body;
    expect(report.kind).toBe('sender');
    expect(report.target).toBe('127.0.0.1');
    expect(report.body.hostname).toBe(HOST);
    // The passcode reads the results: the report shows the address masked.
    expect(report.body.test).toEqual({ address: maskedAddress(test.passcode, HOST), createdAt: test.createdAt, expiresAt: test.expiresAt, matchedBy: 'recipient' });
    expect(session.listener).toEqual({ address: '127.0.0.1', port: h.port, policy: 'opportunistic' });
    expect(session.clientIp).toBe('127.0.0.1');
    expect(session.tls).toMatchObject({ offered: true, attempted: true, established: true, protocol: 'TLSv1.3', sni: HOST, failure: null });
    expect(session.tls.cipher).toMatch(/^TLS_(AES_256_GCM_SHA384|AES_128_GCM_SHA256|CHACHA20_POLY1305_SHA256)$/);
    expect(session.tls.cipherStandard).toBe(session.tls.cipher);
    expect(session.tls.clientCertificate).toEqual({ requested: true, chain: [], opensslError: null });
    expect(session.greeting).toEqual({ command: 'EHLO', name: CLIENT });
    expect(session.greetingBeforeTls).toEqual({ command: 'EHLO', name: CLIENT });
    expect(session.mailFrom).toBe(FROM);
    expect(session.mailParams).toEqual({ size: null, body: null, smtputf8: false, requireTls: false, other: [] });
    // The passcode stays out of what is kept: the recipient too shows it masked.
    expect(session.rcptTo).toEqual([maskedAddress(test.passcode, HOST)]);
    expect(session.commands).toBe(6);
    expect(session.message).toMatchObject({ truncated: false, eightBit: false });
    expect(session.outcome).toBe('accepted');
    expect(session.finalReply).toEqual({ code: 250, text: ACCEPTED.slice(4) });
    // The report is made before the 250 goes out: the session still runs.
    expect(session.ended).toBeNull();
    expect(report.body.earlier).toEqual([]);
    expect(report.body.headers?.subject).toBe('tls 1.3');
    // A clean sender on loopback: TLS 1.3 is right, no certificate asked of it, its address not judged.
    expect(report.findings.map((f) => f.id).sort()).toEqual(['sender.no-client-cert', 'sender.private-address', 'sender.tls-ok']);
    expect(report.verdict).toBe('pass');
    expect(dialogue(report)).toEqual([
      `recv ${BANNER}`,
      `send EHLO ${CLIENT}`,
      ...ehloReply(true),
      'send STARTTLS',
      'recv 220 2.0.0 Ready to start TLS',
      `tls TLS established: TLSv1.3 ${session.tls.cipher}, SNI ${HOST}`,
      `send EHLO ${CLIENT}`,
      ...ehloReply(false),
      ...envelope(maskedAddress(test.passcode, HOST)),
    ]);
    expect(report.transcript[0]).toMatchObject({ seq: 0, kind: 'connect', text: `127.0.0.1:${session.clientPort} connected to 127.0.0.1:${h.port} (opportunistic)` });
    expect(report.transcript.map((e) => e.seq)).toEqual(report.transcript.map((_, i) => i));
    expect(await h.store.results(keyOf(test.passcode))).toHaveLength(1);
  });

  it('TLS 1.2 without SNI: no SNI recorded, a TLS 1.2 cipher', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const sent = await swaks(h, test.address, ['-tls', '--tls-protocol', 'tlsv1_2']);
    expect(sent.code, sent.out).toBe(0);
    const { body } = await nextReport(h, test.passcode);
    expect(body.session.tls).toMatchObject({ offered: true, attempted: true, established: true, protocol: 'TLSv1.2', sni: null });
    expect(body.session.tls.cipher).toMatch(/^ECDHE-ECDSA-/);
    expect(body.session.tls.cipherStandard).toMatch(/^TLS_ECDHE_ECDSA_WITH_/);
  });

  it('TLS 1.0: the listener takes it on purpose, and the report says TLSv1', async (ctx) => {
    const h = await start();
    const test = await h.server.createTest();
    const sent = await swaks(h, test.address, ['-tls', '--tls-protocol', 'tlsv1', '--tls-cipher', 'DEFAULT:@SECLEVEL=0']);
    if (sent.code !== 0 && /no protocols available|unsupported protocol|wrong version|tlsv1 .*not available/i.test(sent.out)) {
      ctx.skip(`this machine's OpenSSL client refuses TLS 1.0 even at SECLEVEL=0: ${sent.out.slice(-300)}`);
    }
    expect(sent.code, sent.out).toBe(0);
    const { body } = await nextReport(h, test.passcode);
    expect(body.session.tls).toMatchObject({ established: true, protocol: 'TLSv1', sni: null });
    expect(body.session.tls.cipher).toMatch(/-SHA$/);
  });

  it('a client certificate: its chain recorded as sent, and the session goes on', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const sent = await swaks(h, test.address, ['-tls', '--tls-cert', file('client.pem'), '--tls-key', file('client.key')]);
    expect(sent.code, sent.out).toBe(0);
    const report = await nextReport(h, test.passcode);
    const { tls } = report.body.session;
    expect(tls.clientCertificate.requested).toBe(true);
    expect(tls.clientCertificate.chain).toEqual([der(clientCert.certPem)]);
    // Node's TLS verifies against its own roots (the listener gives it no CA list): it names what failed.
    expect(tls.clientCertificate.opensslError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(dialogue(report)).toContain(`tls TLS established: ${tls.protocol} ${tls.cipher}, no SNI, client certificate (1 in chain)`);
  });

  it('clear text (no STARTTLS): offered but not attempted, no TLS facts, the whole dialogue', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const sent = await swaks(h, test.address, ['--header', 'Subject: clear']);
    expect(sent.code, sent.out).toBe(0);
    const report = await nextReport(h, test.passcode);
    const { session } = report.body;
    expect(session.tls).toEqual({
      offered: true,
      attempted: false,
      established: false,
      protocol: null,
      cipher: null,
      cipherStandard: null,
      group: null,
      sni: null,
      clientHello: null,
      failure: null,
      clientCertificate: { requested: false, chain: [], opensslError: null },
    });
    expect(session.greeting).toEqual({ command: 'EHLO', name: CLIENT });
    expect(session.greetingBeforeTls).toBeNull();
    expect(session.commands).toBe(4);
    expect(session.outcome).toBe('accepted');
    expect(dialogue(report)).toEqual([`recv ${BANNER}`, `send EHLO ${CLIENT}`, ...ehloReply(true), ...envelope(maskedAddress(test.passcode, HOST))]);
  });
});

describe('mxray send as the sender', () => {
  it('--tls none: clear text, SIZE= and BODY=8BITMIME recorded, an 8-bit message seen as such', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const sent = await mxraySend(h, test.address, ['--tls', 'none', '--body', 'caf\u00e9 cr\u00e8me']);
    expect(sent.code, sent.out).toBe(0);
    const report = await nextReport(h, test.passcode);
    const { session } = report.body;
    expect(session.tls).toMatchObject({ offered: true, attempted: false, established: false, protocol: null });
    expect(session.mailParams.body).toBe('8BITMIME');
    expect(session.mailParams.size).toBe(session.message?.size);
    expect(session.message).toMatchObject({ truncated: false, eightBit: true });
    expect(session.greeting).toEqual({ command: 'EHLO', name: CLIENT });
    expect(dialogue(report).filter((l) => l.startsWith('send '))).toEqual([
      `send EHLO ${CLIENT}`,
      `send MAIL FROM:<${FROM}> SIZE=${session.message?.size} BODY=8BITMIME`,
      `send RCPT TO:<${maskedAddress(test.passcode, HOST)}>`,
      'send DATA',
    ]);
  });

  it('--tls opportunistic: STARTTLS taken, SNI the host name', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const sent = await mxraySend(h, test.address, ['--tls', 'opportunistic']);
    expect(sent.code, sent.out).toBe(0);
    const { body } = await nextReport(h, test.passcode);
    expect(body.session.tls).toMatchObject({ offered: true, attempted: true, established: true, protocol: 'TLSv1.3', sni: HOST, failure: null });
    expect(body.session.message?.eightBit).toBe(false);
  });

  it('--tls required --verify name with the test CA: delivered over TLS', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const sent = await mxraySend(h, test.address, ['--tls', 'required', '--verify', 'name', '--ca-file', file('ca.pem')]);
    expect(sent.code, sent.out).toBe(0);
    const { body } = await nextReport(h, test.passcode);
    expect(body.session.tls).toMatchObject({ attempted: true, established: true, protocol: 'TLSv1.3', sni: HOST });
    expect(body.session.outcome).toBe('accepted');
  });

  it('a client certificate with its intermediate: the chain recorded leaf first, as sent', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const sent = await mxraySend(h, test.address, ['--tls', 'required', '--verify', 'none', '--client-cert', file('chain.pem'), '--client-key', file('chain.key')]);
    expect(sent.code, sent.out).toBe(0);
    const report = await nextReport(h, test.passcode);
    expect(report.body.session.tls.clientCertificate.chain).toEqual([der(chainLeaf.certPem), der(intermediate.cert.certPem)]);
    expect(dialogue(report).filter((l) => l.startsWith('tls '))).toEqual([
      `tls TLS established: TLSv1.3 ${report.body.session.tls.cipher}, SNI ${HOST}, client certificate (2 in chain)`,
    ]);
  });
});

describe('the passcode in the Subject', () => {
  it('to the fixed address with the passcode in the Subject: matched by subject', async () => {
    const h = await start();
    const test = await h.server.createTest();
    expect(test.fixedAddress).toBe(`test@${HOST}`);
    const sent = await swaks(h, test.fixedAddress, ['--header', `Subject: sender check ${test.passcode.toUpperCase()} today`]);
    expect(sent.code, sent.out).toBe(0);
    const { body } = await nextReport(h, test.passcode);
    expect(body.test).toEqual({ address: maskedAddress(test.passcode, HOST), createdAt: test.createdAt, expiresAt: test.expiresAt, matchedBy: 'subject' });
    expect(body.session.rcptTo).toEqual([test.fixedAddress]);
  });

  it('an RFC 2047 encoded Subject is decoded before the passcode is looked for', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const encoded = `=?UTF-8?B?${Buffer.from(`Pr\u00fcfung ${test.passcode}`, 'utf8').toString('base64')}?=`;
    expect((await swaks(h, test.fixedAddress, ['--header', `Subject: ${encoded}`])).code).toBe(0);
    const { body } = await nextReport(h, test.passcode);
    expect(body.test.matchedBy).toBe('subject');
    expect(body.headers?.subject).toBe(`Pr\u00fcfung ${test.passcode.slice(0, 4)}…`);
  });

  it('to the fixed address without a valid passcode: 550 after the final dot, nothing stored', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const sent = await swaks(h, test.fixedAddress, ['--header', 'Subject: no passcode here, only abcdefghijabcdefghij']);
    expect(repliesOf(sent.out)).toContain('250 2.1.5 Accepted');
    expect(repliesOf(sent.out)).toContain(`550 5.7.1 No valid sender-test passcode: send to test-<passcode>@${HOST}, or to test@${HOST} with the passcode in the Subject`);
    // A session with the passcode afterwards is stored; the refused one named no test, began a
    // transaction (somebody else's, for all we know): in no report.
    expect((await swaks(h, test.address)).code).toBe(0);
    const report = await nextReport(h, test.passcode);
    expect(await h.store.results(keyOf(test.passcode))).toHaveLength(1);
    expect(report.body.earlier).toEqual([]);
  });
});

describe('relay attempts are refused, and none is stored', () => {
  it('another domain (after AUTH, which is not offered), an IP literal, a look-alike domain, the percent hack, a source route', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const client = await greet(h);
    expect(await client.command('AUTH PLAIN AHVzZXIAcGFzcw==')).toEqual(['500 5.5.2 Error: command not recognized']);
    expect(await client.command(`MAIL FROM:<${FROM}>`)).toEqual(['250 2.1.0 Accepted']);
    // [as sent, as recorded (smtp-server drops a source route), the reply]
    const attempts: [string, string, string][] = [
      ['user@other.example', 'user@other.example', RELAY_DENIED],
      ['user@[127.0.0.1]', 'user@[127.0.0.1]', RELAY_DENIED],
      [`user@${HOST}.evil.example`, `user@${HOST}.evil.example`, RELAY_DENIED],
      ['@a.example,@b.example:user@other.example', 'user@other.example', RELAY_DENIED],
      [`user%other.example@${HOST}`, `user%other.example@${HOST}`, `550 5.1.1 No such test address: send to test-<passcode>@${HOST} (mxray sender-test new)`],
      [`@${HOST}:test-${test.passcode}@other.example`, `test-${test.passcode}@other.example`, RELAY_DENIED],
    ];
    for (const [to, , expected] of attempts) expect(await client.command(`RCPT TO:<${to}>`), to).toEqual([expected]);
    // Two @: smtp-server refuses the syntax before our decision sees it (not recorded).
    expect(await client.command(`RCPT TO:<test-${test.passcode}@${HOST}@other.example>`)).toEqual(['501 5.1.3 Error: Bad recipient address syntax']);
    // With nothing accepted, DATA has no recipient to go to.
    expect((await client.command('DATA'))[0]).toMatch(/^503 /);
    expect(await client.command('QUIT')).toEqual(['221 2.0.0 Bye']);
    await client.waitClosed();
    // swaks as well: no AUTH offered, so it stops at its own check; a plain relay attempt gets 554.
    const relayed = await swaks(h, 'postmaster@other.example');
    expect(repliesOf(relayed.out)).toContain(RELAY_DENIED);
    expect((await swaks(h, test.address)).code).toBe(0);
    const report = await nextReport(h, test.passcode);
    expect(await h.store.results(keyOf(test.passcode))).toHaveLength(1);
    // Sessions that named other recipients are no attempt of this test (on a shared outbound address
    // they are somebody else's): never in its report.
    expect(report.body.earlier).toEqual([]);
  });
});

describe('passcodes that do not open a test', () => {
  it('an unknown passcode: 550 at RCPT with the reason', async () => {
    const h = await start();
    await h.server.createTest();
    const sent = await swaks(h, `test-aaaaaaaaaaaaaaaaaaaa@${HOST}`);
    expect(repliesOf(sent.out)).toContain('550 5.1.1 Unknown sender-test passcode: create one with mxray sender-test new');
  });

  it('an expired passcode: 550 at RCPT with the reason (the injected clock moved past the expiry)', async () => {
    const clock = fixedClock(Date.now());
    const h = await start({ clock });
    const test = await h.server.createTest(60_000);
    expect(Date.parse(test.expiresAt) - Date.parse(test.createdAt)).toBe(60_000);
    clock.advance(60_001);
    const sent = await swaks(h, test.address);
    expect(repliesOf(sent.out)).toContain('550 5.1.1 This sender-test passcode has expired: create a new one with mxray sender-test new');
    expect(await h.store.results(keyOf(test.passcode))).toEqual([]);
    expect((await h.server.lookup(test.passcode))?.expired).toBe(true);
  });

  it('a passcode still valid at its last millisecond is taken', async () => {
    const clock = fixedClock(Date.now());
    const h = await start({ clock });
    const test = await h.server.createTest(60_000);
    clock.advance(60_000);
    expect((await swaks(h, test.address)).code).toBe(0);
    expect((await nextReport(h, test.passcode)).body.session.outcome).toBe('accepted');
  });
});

describe('listener policies', () => {
  it('require-tls: 530 at RCPT in clear text, and the refusal is stored (the session carried the passcode)', async () => {
    const h = await start({ policy: 'require-tls' });
    const test = await h.server.createTest();
    const sent = await swaks(h, test.address);
    expect(repliesOf(sent.out)).toContain(TLS_REQUIRED);
    const { body } = await nextReport(h, test.passcode);
    expect(body.session.listener.policy).toBe('require-tls');
    expect(body.session).toMatchObject({ outcome: 'refused', finalReply: { code: 530, text: TLS_REQUIRED.slice(4) }, message: null, rcptTo: [maskedAddress(test.passcode, HOST)] });
    expect(body.session.ended).not.toBeNull();
    expect(body.session.tls).toMatchObject({ offered: true, attempted: false });
  });

  it('require-tls: STARTTLS first, then accepted', async () => {
    const h = await start({ policy: 'require-tls' });
    const test = await h.server.createTest();
    expect((await swaks(h, test.address, ['-tls'])).code).toBe(0);
    expect((await nextReport(h, test.passcode)).body.session).toMatchObject({ outcome: 'accepted', tls: { established: true } });
  });

  it('require-client-cert: without a certificate 530, with one from the trusted CA 250, a self-signed one 530 with the reason', async () => {
    const h = await start({ policy: 'require-client-cert' });
    const test = await h.server.createTest();
    const none = await swaks(h, test.address, ['-tls']);
    expect(repliesOf(none.out)).toContain('530 5.7.1 A client certificate is required: this sender test asks for one as a partner connector with domain security does');
    const first = await nextReport(h, test.passcode);
    expect(first.body.session).toMatchObject({ outcome: 'refused', finalReply: { code: 530 }, tls: { established: true, clientCertificate: { chain: [] } } });

    const self = await swaks(h, test.address, ['-tls', '--tls-cert', file('self.pem'), '--tls-key', file('self.key')]);
    expect(repliesOf(self.out).filter((l) => l.startsWith('530 '))).toEqual([expect.stringMatching(/^530 5\.7\.1 Client certificate refused: \S/)]);
    const second = await nextReport(h, test.passcode, first.resultId);
    expect(second.body.session.finalReply?.code).toBe(530);
    expect(second.body.session.finalReply?.text).toMatch(/^5\.7\.1 Client certificate refused: \S/);
    expect(second.body.session.tls.clientCertificate.chain).toEqual([der(selfSigned.certPem)]);

    const good = await swaks(h, test.address, ['-tls', '--tls-cert', file('client.pem'), '--tls-key', file('client.key')]);
    expect(good.code, good.out).toBe(0);
    const third = await nextReport(h, test.passcode, second.resultId);
    expect(third.body.session).toMatchObject({ outcome: 'accepted', finalReply: { code: 250 } });
    expect(third.body.session.tls.clientCertificate.chain).toEqual([der(clientCert.certPem)]);
    // The two refused sessions have reports of their own: no earlier attempts of this one.
    expect(third.body.earlier).toEqual([]);
  });

  it('require-client-cert: clear text is refused as require-tls does', async () => {
    const h = await start({ policy: 'require-client-cert' });
    const test = await h.server.createTest();
    expect(repliesOf((await swaks(h, test.address)).out)).toContain(TLS_REQUIRED);
  });
});

describe('sessions that end badly', () => {
  it('an abrupt disconnect in the middle of DATA: a result with outcome aborted, stored at close', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const client = await greet(h);
    expect(await client.command(`MAIL FROM:<${FROM}>`)).toEqual(['250 2.1.0 Accepted']);
    expect(await client.command(`RCPT TO:<${test.address}>`)).toEqual(['250 2.1.5 Accepted']);
    expect(await client.command('DATA')).toEqual(['354 End data with <CR><LF>.<CR><LF>']);
    client.socket.write('Subject: cut short\r\n\r\nhalf a line');
    client.close();
    const report = await nextReport(h, test.passcode);
    expect(report.body.session).toMatchObject({ outcome: 'aborted', ended: 'disconnect', finalReply: null, message: null, rcptTo: [maskedAddress(test.passcode, HOST)] });
    expect(report.body.headers).toBeNull();
    expect(dialogue(report).at(-1)).toBe('close closed: disconnect');
  });

  it('a failed handshake, then the same sender in clear: the failure is an earlier session of the report', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const client = await greet(h);
    expect(await client.command('STARTTLS')).toEqual(['220 2.0.0 Ready to start TLS']);
    client.socket.write('this is not a TLS record at all\r\n');
    await client.waitClosed().catch(() => '');
    expect((await swaks(h, test.address)).code).toBe(0);
    const report = await nextReport(h, test.passcode);
    expect(report.body.session.tls).toMatchObject({ attempted: false, established: false, failure: null });
    expect(report.body.earlier).toHaveLength(1);
    const [failed] = report.body.earlier;
    if (!failed) throw new Error('no earlier session');
    expect(failed.tls).toMatchObject({ offered: true, attempted: true, established: false, protocol: null });
    expect(failed.tls.failure).toMatchObject({ code: 'ERR_SSL_WRONG_VERSION_NUMBER', clientAlert: null });
    expect(failed.tls.failure?.text).toMatch(/wrong version number/);
    expect(failed.greetingBeforeTls).toEqual({ command: 'EHLO', name: CLIENT });
    // The last greeting of the session is the one before STARTTLS (none followed inside TLS).
    expect(failed.greeting).toEqual({ command: 'EHLO', name: CLIENT });
    expect(failed.outcome).toBe('no-message');
    // Both sessions are in the transcript, the failed one first.
    const conns = [...new Set(report.transcript.map((e) => e.conn))];
    expect(conns).toEqual([`client[127.0.0.1]:${failed.clientPort}/${failed.id}`, `client[127.0.0.1]:${report.body.session.clientPort}/${report.body.session.id}`]);
    expect(report.startedAt).toBe(failed.startedAt);
    const lines = dialogue(report, failed);
    expect(lines.slice(0, 11)).toEqual([`recv ${BANNER}`, `send EHLO ${CLIENT}`, ...ehloReply(true), 'send STARTTLS', 'recv 220 2.0.0 Ready to start TLS']);
    expect(lines.at(-1)).toMatch(/^close closed: (disconnect|refused)$/);
    expect(lines.slice(11, -1).every((l) => /^error .*wrong version number/.test(l))).toBe(true);
  });

  it('a failed handshake is one error line in the transcript', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const client = await greet(h);
    expect(await client.command('STARTTLS')).toEqual(['220 2.0.0 Ready to start TLS']);
    client.socket.write('this is not a TLS record at all\r\n');
    await client.waitClosed().catch(() => '');
    expect((await swaks(h, test.address)).code).toBe(0);
    const report = await nextReport(h, test.passcode);
    const [failed] = report.body.earlier;
    if (!failed) throw new Error('no earlier session');
    expect(dialogue(report, failed).filter((l) => l.startsWith('error '))).toHaveLength(1);
  });
});

describe('several messages and several tests', () => {
  it('two messages in one session: two results, each with its own envelope; nothing more stored at close', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const client = await greet(h);
    for (const subject of ['first', 'second']) {
      expect(await client.command(`MAIL FROM:<${subject}@${CLIENT}>`)).toEqual(['250 2.1.0 Accepted']);
      expect(await client.command(`RCPT TO:<${test.address}>`)).toEqual(['250 2.1.5 Accepted']);
      expect(await client.command('DATA')).toEqual(['354 End data with <CR><LF>.<CR><LF>']);
      expect(await client.command(`Subject: ${subject}\r\n\r\nbody\r\n.`)).toEqual([ACCEPTED]);
    }
    expect(await client.command('QUIT')).toEqual(['221 2.0.0 Bye']);
    await client.waitClosed().catch(() => '');
    const results = await h.server.waitForResults(test.passcode, 0, AbortSignal.timeout(15_000));
    const reports = results.map((r) => parseSavedReport(r.report, 'stored')).map((r) => (r.kind === 'sender' ? r.body : null));
    expect(reports.map((b) => [b?.session.mailFrom, b?.headers?.subject, b?.session.outcome])).toEqual([
      [`first@${CLIENT}`, 'first', 'accepted'],
      [`second@${CLIENT}`, 'second', 'accepted'],
    ]);
    // A later session's result comes next: the closed session added none of its own.
    expect((await swaks(h, test.address)).code).toBe(0);
    await nextReport(h, test.passcode, results[1]?.id);
    expect(await h.store.results(keyOf(test.passcode))).toHaveLength(3);
  });

  it("a session that carried another test's passcode is not an earlier session of this one", async () => {
    const h = await start();
    const [one, two] = [await h.server.createTest(), await h.server.createTest()];
    expect((await swaks(h, one.address)).code).toBe(0);
    await nextReport(h, one.passcode);
    expect((await swaks(h, 'user@other.example')).code).not.toBe(0);
    expect((await swaks(h, two.address)).code).toBe(0);
    const report = await nextReport(h, two.passcode);
    expect(report.body.earlier).toEqual([]);
    expect(await h.store.results(keyOf(one.passcode))).toHaveLength(1);
  });
});

describe('what a test lists', () => {
  it('an earlier delivery to the same test, already reported, is not an earlier attempt of the next one', async () => {
    const h = await start();
    const test = await h.server.createTest();
    expect((await swaks(h, test.address)).code).toBe(0);
    const first = await nextReport(h, test.passcode);
    expect((await swaks(h, 'user@other.example')).code).not.toBe(0);
    expect((await swaks(h, test.address)).code).toBe(0);
    const second = await nextReport(h, test.passcode, first.resultId);
    // The first delivery has its own report; the relay attempt is nobody's attempt at this test.
    expect(second.body.earlier).toEqual([]);
  });

  it('the passcode is nowhere in a stored report: not in the recipient, the dialogue or a Subject that carried it', async () => {
    const h = await start();
    const test = await h.server.createTest();
    expect((await swaks(h, test.address, ['--header', `Subject: for ${test.passcode.toUpperCase()}`])).code).toBe(0);
    await nextReport(h, test.passcode);
    const [stored] = await h.store.results(keyOf(test.passcode));
    expect(stored?.report.toLowerCase()).not.toContain(test.passcode);
    expect(stored?.report).toContain(`${test.passcode.slice(0, 4)}…`);
  });

  it('the results of a test: the newest 100 listed, not only the default page of 20', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const key = keyOf(test.passcode);
    for (let i = 0; i < 25; i++) await h.store.addResult(key, new Date(Date.UTC(2026, 10, 30, 0, 0, i)).toISOString(), `{"n":${i}}`);
    const state = await h.server.lookup(test.passcode);
    expect(state?.results).toHaveLength(25);
    expect(state?.results[24]?.report).toBe('{"n":0}');
  });
});

describe('stopping the server', () => {
  it('a session with a passcode open at stop(): its result is stored by the time stop() resolves', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const client = await greet(h);
    expect(await client.command(`MAIL FROM:<${FROM}>`)).toEqual(['250 2.1.0 Accepted']);
    expect(await client.command(`RCPT TO:<${test.address}>`)).toEqual(['250 2.1.5 Accepted']);
    await h.server.stop();
    const stored = await h.store.results(keyOf(test.passcode));
    expect(stored).toHaveLength(1);
    const report = parseSavedReport(stored[0]?.report ?? '', 'stored at stop');
    expect(report.kind === 'sender' ? report.body.session.ended : null).toBe('server-stopped');
  });

  it('a session with a passcode open at stop(): its result is stored, ended server-stopped (eventually)', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const client = await greet(h);
    expect(await client.command(`MAIL FROM:<${FROM}>`)).toEqual(['250 2.1.0 Accepted']);
    expect(await client.command(`RCPT TO:<${test.address}>`)).toEqual(['250 2.1.5 Accepted']);
    const waited = h.server.waitForResults(test.passcode, 0, AbortSignal.timeout(15_000));
    await h.server.stop();
    const [result] = await waited;
    const report = parseSavedReport(result?.report ?? '', 'stored at stop');
    expect(report.kind === 'sender' ? [report.body.session.ended, report.body.session.outcome] : null).toEqual(['server-stopped', 'no-message']);
  });
});

describe('onStored (the web UI keeps the report there)', () => {
  it('is awaited before anyone waiting for the result is told, so what they open exists', async () => {
    const kept = new Set<number>();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = await start({
      onStored: async (_report, result) => {
        await gate;
        kept.add(result.id);
      },
    });
    const test = await h.server.createTest();
    const told = h.server.waitForResults(test.passcode, 0, AbortSignal.timeout(15_000)).then((results) => results.map((r) => kept.has(r.id)));
    const client = await greet(h);
    expect(await client.command(`MAIL FROM:<${FROM}>`)).toEqual(['250 2.1.0 Accepted']);
    expect(await client.command(`RCPT TO:<${test.address}>`)).toEqual(['250 2.1.5 Accepted']);
    expect(await client.command('DATA')).toEqual(['354 End data with <CR><LF>.<CR><LF>']);
    const accepted = client.command('Subject: stored\r\n\r\nbody\r\n.');
    release();
    expect(await accepted).toEqual([ACCEPTED]);
    expect(await told).toEqual([true]);
    client.close();
  });
});

describe('greetings', () => {
  it('HELO: STARTTLS is not offered, the greeting is HELO', async () => {
    const h = await start();
    const test = await h.server.createTest();
    const client = await SmtpLineClient.connect(h.port);
    expect(await client.reply()).toEqual([BANNER]);
    expect(await client.command(`HELO ${CLIENT}`)).toEqual([`250 ${HOST} Nice to meet you, [127.0.0.1]`]);
    expect(await client.command(`MAIL FROM:<${FROM}>`)).toEqual(['250 2.1.0 Accepted']);
    expect(await client.command(`RCPT TO:<${test.address}>`)).toEqual(['250 2.1.5 Accepted']);
    expect(await client.command('DATA')).toEqual(['354 End data with <CR><LF>.<CR><LF>']);
    expect(await client.command('Subject: helo\r\n\r\nbody\r\n.')).toEqual([ACCEPTED]);
    const { body } = await nextReport(h, test.passcode);
    expect(body.session.greeting).toEqual({ command: 'HELO', name: CLIENT });
    expect(body.session.greetingBeforeTls).toBeNull();
    expect(body.session.tls).toMatchObject({ offered: false, attempted: false, established: false });
    client.close();
  });
});

describe('a message longer than what is kept', () => {
  /** Sends one message in clear text; resolves with the final reply. */
  async function deliver(h: Harness, to: string, message: string): Promise<string[]> {
    const client = await greet(h);
    expect(await client.command(`MAIL FROM:<${FROM}> BODY=8BITMIME`)).toEqual(['250 2.1.0 Accepted']);
    expect(await client.command(`RCPT TO:<${to}>`)).toEqual(['250 2.1.5 Accepted']);
    expect(await client.command('DATA')).toEqual(['354 End data with <CR><LF>.<CR><LF>']);
    client.socket.write(Buffer.from(`${message}\r\n.\r\n`, 'utf8'));
    const reply = await client.reply();
    client.close();
    return reply;
  }
  const longBody = (tail: string) => `Subject: long\r\n\r\n${`${'x'.repeat(98)}\r\n`.repeat(10)}${tail}`;

  it('accepted, counted in full, marked truncated; the header still read', async () => {
    const h = await start({ limits: { keepBytes: 200 } });
    const test = await h.server.createTest();
    const message = longBody('plain end');
    expect(await deliver(h, test.address, message)).toEqual([ACCEPTED]);
    const { body } = await nextReport(h, test.passcode);
    expect(body.session.message).toEqual({ size: message.length + 2, truncated: true, eightBit: false });
    expect(body.headers?.subject).toBe('long');
  });

  it('an 8-bit octet past the kept part still makes the message 8-bit', async () => {
    const h = await start({ limits: { keepBytes: 200 } });
    const test = await h.server.createTest();
    expect(await deliver(h, test.address, longBody('caf\u00e9'))).toEqual([ACCEPTED]);
    const { body } = await nextReport(h, test.passcode);
    expect(body.session.message?.eightBit).toBe(true);
  });
});

describe('limits', () => {
  it('per address: the third connection gets 421, and a closed connection frees its place', async () => {
    const h = await start({ limits: { maxConnectionsPerIp: 2 } });
    const first = await greet(h);
    const second = await greet(h);
    const third = await SmtpLineClient.connect(h.port);
    expect(await third.reply()).toEqual([expect.stringMatching(PER_IP)]);
    await third.waitClosed().catch(() => '');
    first.close();
    // The refused one and the closed one both gave their places back: one more fits, then again not.
    const again = await greetedWhenFree(h);
    const over = await SmtpLineClient.connect(h.port);
    expect(await over.reply()).toEqual([expect.stringMatching(PER_IP)]);
    await over.waitClosed().catch(() => '');
    expect(await again.command('QUIT')).toEqual(['221 2.0.0 Bye']);
    second.close();
    const fourth = await greetedWhenFree(h);
    const fifth = await greetedWhenFree(h);
    fourth.close();
    fifth.close();
  });

  it('per address: the 421 greeting names the server first, without an enhanced code', async () => {
    const h = await start({ limits: { maxConnectionsPerIp: 1 } });
    const first = await greet(h);
    const second = await SmtpLineClient.connect(h.port);
    expect(await second.reply()).toEqual([`421 ${HOST} Too many connections from your address, try again later`]);
    second.close();
    first.close();
  });

  it('message size: SIZE announced, a too big SIZE= refused, an oversized message 552 and stored as refused', async () => {
    const h = await start({ limits: { maxMessageBytes: 1000 } });
    const test = await h.server.createTest();
    const client = await SmtpLineClient.connect(h.port);
    await client.reply();
    expect(await client.command(`EHLO ${CLIENT}`)).toEqual([...EHLO_LINES, '250-STARTTLS', '250 SIZE 1000']);
    expect(await client.command(`MAIL FROM:<${FROM}> SIZE=1001`)).toEqual(['552 5.3.4 Error: message exceeds fixed maximum message size 1000']);
    expect(await client.command(`MAIL FROM:<${FROM}> SIZE=1000`)).toEqual(['250 2.1.0 Accepted']);
    expect(await client.command(`RCPT TO:<${test.address}>`)).toEqual(['250 2.1.5 Accepted']);
    expect(await client.command('DATA')).toEqual(['354 End data with <CR><LF>.<CR><LF>']);
    const message = `Subject: big\r\n\r\n${`${'x'.repeat(98)}\r\n`.repeat(20)}`;
    expect(await client.command(`${message}.`)).toEqual(['552 5.3.4 Message too big: at most 1000 bytes']);
    expect(await client.command('QUIT')).toEqual(['221 2.0.0 Bye']);
    const { body } = await nextReport(h, test.passcode);
    expect(body.session.mailParams.size).toBe(1000);
    expect(body.session).toMatchObject({ outcome: 'refused', finalReply: { code: 552, text: '5.3.4 Message too big: at most 1000 bytes' }, ended: 'quit' });
    expect(body.session.message?.size).toBe(message.length);
    expect(body.session.message?.eightBit).toBe(false);
  });

  it('commands: past maxCommands 421 and the session ends by the limit (stored: the passcode was given)', async () => {
    const h = await start({ limits: { maxCommands: 5 } });
    const test = await h.server.createTest();
    const client = await greet(h);
    expect(await client.command(`MAIL FROM:<${FROM}>`)).toEqual(['250 2.1.0 Accepted']);
    expect(await client.command(`RCPT TO:<${test.address}>`)).toEqual(['250 2.1.5 Accepted']);
    expect(await client.command('NOOP')).toEqual(['250 2.0.0 OK']);
    expect(await client.command('NOOP')).toEqual(['250 2.0.0 OK']);
    expect(await client.command('NOOP')).toEqual([`421 ${HOST} Error: too many commands, closing connection`]);
    await client.waitClosed().catch(() => '');
    const { body } = await nextReport(h, test.passcode);
    expect(body.session).toMatchObject({ outcome: 'no-message', ended: 'limit', commands: 6, message: null });
  });
});
