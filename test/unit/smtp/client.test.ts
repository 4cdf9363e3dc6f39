// The SMTP client state machine against a scripted MTA on loopback (port 0), through the real
// connector, with a fixed clock. Asserts states, error codes and messages (they reach the report as
// the error's detail), the transcript, the steps and what the server received; never elapsed
// wall-clock time (a step's ms comes from the fixed clock, moved by the test). A reply that must
// never come is ended by aborting the client's signal, not by waiting out a time-out.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../../src/core/clock.js';
import { DEFAULT_LIMITS, type Limits } from '../../../src/core/context.js';
import { MxrayError } from '../../../src/core/errors.js';
import type { TranscriptEvent } from '../../../src/core/schema.js';
import { Transcript } from '../../../src/core/transcript.js';
import { reply, startScriptedServer, type ScriptedServer, type ScriptedServerTls } from '../../../src/demo/scripted-server.js';
import { createRootCa } from '../../../src/demo/test-pki.js';
import { createConnector, TlsHandshakeError } from '../../../src/net/connector.js';
import { DEFAULT_MAX_MESSAGE_BYTES, openSmtp, VERB_PHASES, type ClientState, type SmtpClient, type SmtpClientDeps } from '../../../src/smtp/client.js';
import { dotStuff, toCrlf } from '../../../src/smtp/dot-stuff.js';
import { scriptedMta, type MtaOptions } from './scripted-mta.js';

const NAME = 'client.mxray.test';
/** Generous: a wait only ends a test that is failing anyway. */
const LIMITS: Partial<Limits> = { connectTimeoutMs: 5000, greetingTimeoutMs: 5000, commandTimeoutMs: 5000, tlsTimeoutMs: 5000 };

let serverTls: ScriptedServerTls;

beforeAll(async () => {
  const ca = await createRootCa('mxray client test root', systemClock.now());
  const leaf = await ca.issue({ commonName: 'mx.test' });
  serverTls = { key: leaf.keyPem, cert: leaf.certPem };
});

const servers: ScriptedServer[] = [];
const clients: SmtpClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** observe: the transcript's observer (sees each event as it is recorded). */
async function start(options: MtaOptions = {}, limits: Partial<Limits> = {}, deps: Partial<SmtpClientDeps> = {}, observe?: (event: TranscriptEvent) => void) {
  const mta = scriptedMta(options);
  const server = await startScriptedServer(mta.script, { tls: serverTls });
  servers.push(server);
  const clock = fixedClock(Date.UTC(2025, 0, 1));
  const transcript = new Transcript(clock, observe);
  const client = await openSmtp(
    { connector: createConnector(clock), transcript, clock, limits: { ...DEFAULT_LIMITS, ...LIMITS, ...limits }, ...deps },
    { address: server.address, port: server.port, serverName: 'mx.test', conn: 'c1' },
  );
  clients.push(client);
  const events = (kind?: TranscriptEvent['kind']) => transcript.events.filter((e) => !kind || e.kind === kind).map((e) => e.text);
  /** The command lines the server received, in order. */
  const received = () => mta.lines.map((r) => r.line);
  return { mta, server, client, clock, transcript, events, received };
}

/** Greeted and said EHLO. */
async function ready(options: MtaOptions = {}, limits: Partial<Limits> = {}, deps: Partial<SmtpClientDeps> = {}, observe?: (event: TranscriptEvent) => void) {
  const s = await start(options, limits, deps, observe);
  await s.client.greeting();
  await s.client.hello(NAME);
  return s;
}

/** STARTTLS done and EHLO said again, inside TLS. */
async function secured(options: MtaOptions = {}, limits: Partial<Limits> = {}, deps: Partial<SmtpClientDeps> = {}) {
  const s = await ready(options, limits, deps);
  await s.client.starttls();
  await s.client.hello(NAME);
  return s;
}

/** The rejection of a promise (fails the test when it resolves). */
function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
}

const keywords = (caps: readonly { keyword: string }[]) => caps.map((c) => c.keyword);

describe('openSmtp', () => {
  it('connects and records it, with the time from the injected clock', async () => {
    const { client, events } = await start();
    expect(client.state).toEqual({ phase: 'connected' });
    expect(client.connectMs).toBe(0);
    expect(client.localAddress).toBe('127.0.0.1');
    expect(client.secure).toBe(false);
    expect(events()).toEqual([expect.stringMatching(/^connecting to 127\.0\.0\.1 port \d+$/), 'connected from 127.0.0.1 in 0 ms']);
  });
  it('rejects with connection-refused when nothing listens, and records the error', async () => {
    const gone = await startScriptedServer({});
    await gone.stop();
    const clock = fixedClock(0);
    const transcript = new Transcript(clock);
    const err = await rejection(
      openSmtp(
        { connector: createConnector(clock), transcript, clock, limits: { ...DEFAULT_LIMITS, ...LIMITS } },
        { address: '127.0.0.1', port: gone.port, serverName: null, conn: 'c9' },
      ),
    );
    expect(err).toBeInstanceOf(MxrayError);
    expect(err).toMatchObject({ code: 'connection-refused' });
    expect(transcript.events.map((e) => [e.conn, e.kind])).toEqual([
      ['c9', 'connect'],
      ['c9', 'error'],
    ]);
  });
});

describe('greeting and hello', () => {
  it('reads the banner, then takes the capabilities from the complete EHLO reply', async () => {
    const { client, events } = await start({ clearCaps: ['PIPELINING', 'SIZE 10240000', 'STARTTLS'] });
    const banner = await client.greeting();
    expect(banner).toEqual({ code: 220, enhanced: null, lines: ['mx.test ESMTP'] });
    expect(client.state).toEqual({ phase: 'greeted', banner });
    const hello = await client.hello(NAME);
    expect(hello.greeting).toBe('EHLO');
    expect(hello.helo).toBeNull();
    expect(hello.ehlo.lines).toEqual(['mx.test greets you', 'PIPELINING', 'SIZE 10240000', 'STARTTLS']);
    expect(keywords(hello.capabilities)).toEqual(['PIPELINING', 'SIZE', 'STARTTLS']);
    expect(hello.capabilities[1]!.params).toEqual(['10240000']);
    expect(hello.ehloName).toBe('mx.test');
    expect(client.state).toEqual({ phase: 'ready', hello: { greeting: 'EHLO', capabilities: hello.capabilities, ehloName: 'mx.test' } });
    expect(client.capabilities).toBe(hello.capabilities);
    expect(events('send')).toEqual([`EHLO ${NAME}`]);
    expect(client.steps).toEqual([
      { kind: 'greeting', command: '(greeting)', code: 220, ms: 0, error: null },
      { kind: 'command', command: `EHLO ${NAME}`, code: 250, ms: 0, error: null },
    ]);
  });
  it('times each step on the injected clock', async () => {
    const clock: { advance?: (ms: number) => void } = {};
    const { client, clock: c } = await start({ onLine: (line) => clock.advance?.(line.startsWith('EHLO') ? 7 : 3) });
    clock.advance = (ms) => c.advance(ms);
    await client.greeting();
    await client.hello(NAME);
    await client.noop();
    expect(client.steps.map((s) => [s.command, s.ms])).toEqual([
      ['(greeting)', 0],
      [`EHLO ${NAME}`, 7],
      ['NOOP', 3],
    ]);
  });
  it('records parse warnings of the EHLO reply as notes', async () => {
    const { client, events } = await start({ clearCaps: ['PIPELINING', '!!bogus'] });
    await client.greeting();
    const hello = await client.hello(NAME);
    expect(keywords(hello.capabilities)).toEqual(['PIPELINING']);
    expect(events('note')).toEqual([expect.stringContaining('!!bogus')]);
  });
  it.each([500, 502])('falls back to HELO after %i to EHLO: no capabilities then', async (code) => {
    const { client, received } = await start({ on: { EHLO: () => [reply(code, '5.5.1 Unrecognized command')] } });
    await client.greeting();
    const hello = await client.hello(NAME);
    expect(hello).toMatchObject({ greeting: 'HELO', ehlo: { code }, helo: { code: 250 }, capabilities: [], ehloName: null });
    expect(client.state).toEqual({ phase: 'ready', hello: { greeting: 'HELO', capabilities: [], ehloName: null } });
    expect(received()).toEqual([`EHLO ${NAME}`, `HELO ${NAME}`]);
    // No STARTTLS was advertised (nothing was).
    await expect(client.starttls()).rejects.toMatchObject({ code: 'internal-error' });
  });
  it.each([500, 502])('with heloFallback false a %i to EHLO is the answer: no HELO (a probe inside TLS)', async (code) => {
    const { client, received } = await start({ on: { EHLO: () => [reply(code, '5.5.1 Unrecognized command')] } });
    const banner = await client.greeting();
    const hello = await client.hello(NAME, { heloFallback: false });
    expect(hello).toEqual({ greeting: null, ehlo: { code, enhanced: '5.5.1', lines: ['5.5.1 Unrecognized command'] }, helo: null, capabilities: [], ehloName: null });
    expect(client.state).toEqual({ phase: 'greeted', banner });
    expect(received()).toEqual([`EHLO ${NAME}`]);
    // heloFallback true is the default: the fallback again.
    expect(await client.hello(NAME, { heloFallback: true })).toMatchObject({ greeting: 'HELO', helo: { code: 250 } });
    expect(received()).toEqual([`EHLO ${NAME}`, `EHLO ${NAME}`, `HELO ${NAME}`]);
  });
  it('a refused HELO leaves the client greeted', async () => {
    const { client } = await start({ on: { EHLO: () => [reply(502, 'no')], HELO: () => [reply(550, 'go away')] } });
    await client.greeting();
    const hello = await client.hello(NAME);
    expect(hello).toMatchObject({ greeting: null, ehlo: { code: 502 }, helo: { code: 550 } });
    expect(client.state.phase).toBe('greeted');
  });
  it.each([421, 550, 554])('takes %i to EHLO as a refusal: no HELO', async (code) => {
    const text = `${Math.floor(code / 100)}.7.1 Go away`;
    const { client, received } = await start({ on: { EHLO: () => [reply(code, text)] } });
    await client.greeting();
    const hello = await client.hello(NAME);
    expect(hello).toEqual({ greeting: null, ehlo: { code, enhanced: text.slice(0, 5), lines: [text] }, helo: null, capabilities: [], ehloName: null });
    expect(client.state.phase).toBe('greeted');
    expect(received()).toEqual([`EHLO ${NAME}`]);
    await expect(client.mail('a@example.com')).rejects.toMatchObject({ code: 'internal-error' });
  });
  it('a banner other than 220 leaves only QUIT', async () => {
    const { client, received } = await start({ banner: [reply(554, '5.3.2 No SMTP service here')] });
    const banner = await client.greeting();
    expect(client.state).toEqual({ phase: 'refused', banner });
    await expect(client.hello(NAME)).rejects.toMatchObject({ code: 'internal-error' });
    await expect(client.noop()).rejects.toMatchObject({ code: 'internal-error' });
    await client.quit();
    expect(received()).toEqual(['QUIT']);
    expect(client.state).toEqual({ phase: 'closed' });
  });
  it.each(['', 'two words', 'name\r\nMAIL FROM:<>', 'tab\there', 'del\x7fhere'])('refuses hello(%j): invalid-input, nothing sent', async (name) => {
    const { client, received, events } = await start();
    await client.greeting();
    await expect(client.hello(name)).rejects.toMatchObject({ code: 'invalid-input', message: `not a name to say hello with: ${JSON.stringify(name)}` });
    expect(events('send')).toEqual([]);
    expect(client.state.phase).toBe('greeted');
    await client.hello(NAME);
    expect(received()).toEqual([`EHLO ${NAME}`]);
  });
});

describe('STARTTLS', () => {
  it('forgets the capabilities, requires hello() again, then takes them from the EHLO inside TLS', async () => {
    const { client, mta, events } = await ready();
    expect(keywords(client.capabilities)).toContain('STARTTLS');
    const result = await client.starttls();
    expect(result.reply).toMatchObject({ code: 220 });
    expect(result.handshake).toMatchObject({ protocol: expect.stringMatching(/^TLSv1\.[23]$/) });
    expect(result.handshake!.peerChain).toHaveLength(1);
    expect(result.injected).toEqual({ bytes: 0, sample: Buffer.alloc(0) });
    expect(client.secure).toBe(true);
    expect(client.state).toEqual({ phase: 'tls-started' });
    expect(client.capabilities).toEqual([]);
    // RFC 3207 §4.2: nothing learned in clear may be used; hello() is the only way on.
    for (const call of [() => client.mail('a@example.com'), () => client.auth('PLAIN', 'u', 'p'), () => client.starttls({ force: true })]) {
      await expect(call()).rejects.toMatchObject({ code: 'internal-error' });
    }
    const again = await client.hello(NAME);
    expect(keywords(again.capabilities)).toEqual(['PIPELINING', '8BITMIME', 'AUTH', 'CHUNKING']);
    expect(client.state).toMatchObject({ phase: 'ready', hello: { greeting: 'EHLO' } });
    expect(mta.lines).toEqual([
      { line: `EHLO ${NAME}`, secure: false },
      { line: 'STARTTLS', secure: false },
      { line: `EHLO ${NAME}`, secure: true },
    ]);
    expect(mta.servernames).toEqual(['mx.test']);
    expect(events('tls')).toEqual([expect.stringMatching(/SNI mx\.test/), expect.stringMatching(/^TLS established: TLSv1/)]);
    expect(client.steps.map((s) => [s.kind, s.command, s.code, s.error])).toEqual([
      ['greeting', '(greeting)', 220, null],
      ['command', `EHLO ${NAME}`, 250, null],
      ['command', 'STARTTLS', 220, null],
      ['tls', 'TLS handshake (normal)', null, null],
      ['command', `EHLO ${NAME}`, 250, null],
    ]);
  });
  it('drops bytes injected after the 220 and never reads them as the reply to EHLO inside TLS', async () => {
    const { client, events, mta } = await ready({
      on: { STARTTLS: () => [{ type: 'write', data: '220 ready\r\n250 injected\r\n' }, { type: 'starttls' }] },
    });
    const { reply: r, injected } = await client.starttls();
    expect(r).toEqual({ code: 220, enhanced: null, lines: ['ready'] });
    expect(injected).toEqual({ bytes: 14, sample: Buffer.from('250 injected\r\n') });
    expect(client.injectedBytes).toBe(14);
    expect(client.injectedSample.toString('latin1')).toBe('250 injected\r\n');
    expect(events('error')).toEqual([expect.stringContaining('250 injected')]);
    const hello = await client.hello(NAME);
    expect(hello.ehlo.lines).toEqual(['mx.test greets you', 'PIPELINING', '8BITMIME', 'AUTH PLAIN LOGIN', 'CHUNKING']);
    expect(keywords(hello.capabilities)).toContain('AUTH');
    expect(mta.lines.at(-1)).toEqual({ line: `EHLO ${NAME}`, secure: true });
    // Still in step: the next reply answers the next command.
    expect(await client.noop()).toMatchObject({ code: 250 });
    expect(events('recv')).not.toContain('250 injected');
  });
  it('needs STARTTLS advertised unless forced; a refusal keeps the dialogue going in clear', async () => {
    const { client, received } = await ready({ clearCaps: ['PIPELINING'], on: { STARTTLS: () => [reply(454, '4.7.0 TLS not available')] } });
    await expect(client.starttls()).rejects.toMatchObject({ code: 'internal-error', message: 'STARTTLS was not advertised (force to send it anyway)' });
    expect(received()).toEqual([`EHLO ${NAME}`]);
    const result = await client.starttls({ force: true });
    expect(result).toEqual({ reply: { code: 454, enhanced: '4.7.0', lines: ['4.7.0 TLS not available'] }, handshake: null, injected: { bytes: 0, sample: Buffer.alloc(0) } });
    expect(client.secure).toBe(false);
    expect(client.state).toMatchObject({ phase: 'ready', hello: { greeting: 'EHLO' } });
    expect(await client.mail('a@example.com')).toMatchObject({ code: 250 });
    expect(received()).toEqual([`EHLO ${NAME}`, 'STARTTLS', 'MAIL FROM:<a@example.com>']);
  });
  it('a failed handshake breaks the client: rejects, and not even QUIT is sent', async () => {
    const { client, events, received } = await ready({
      on: { STARTTLS: () => [reply(220, 'go ahead'), { type: 'raw' }] },
      onRaw: () => [{ type: 'write', data: 'this is not TLS\r\n' }],
    });
    const err = await rejection(client.starttls());
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect(client.state).toMatchObject({ phase: 'broken', code: 'tls-handshake-error' });
    expect(client.secure).toBe(false);
    expect(client.steps.at(-1)).toMatchObject({ kind: 'tls', code: null, error: 'tls-handshake-error' });
    expect(events('error')).toEqual([expect.stringMatching(/^TLS handshake failed/)]);
    await expect(client.hello(NAME)).rejects.toMatchObject({ code: 'internal-error' });
    await client.quit();
    expect(client.state).toEqual({ phase: 'closed' });
    expect(events('send')).toEqual([`EHLO ${NAME}`, 'STARTTLS']);
    expect(received()).toEqual([`EHLO ${NAME}`, 'STARTTLS']);
  });
  it('onReply sees the reply to STARTTLS before any handshake, once; also a refusal', async () => {
    const { client, mta } = await ready();
    const seen: unknown[] = [];
    const onReply = (r: unknown) => seen.push({ reply: r, secure: client.secure, phase: client.state.phase, handshakes: mta.servernames.length, steps: client.steps.length });
    const result = await client.starttls({ onReply });
    expect(seen).toEqual([{ reply: result.reply, secure: false, phase: 'ready', handshakes: 0, steps: 3 }]);
    expect(result.reply).toEqual({ code: 220, enhanced: '2.0.0', lines: ['2.0.0 Ready to start TLS'] });
    expect(client.steps.map((x) => x.kind)).toEqual(['greeting', 'command', 'command', 'tls']);

    const refused = await ready({ on: { STARTTLS: () => [reply(454, '4.7.0 TLS not available')] } });
    const replies: unknown[] = [];
    const answer = await refused.client.starttls({ onReply: (r) => replies.push(r) });
    expect(replies).toEqual([{ code: 454, enhanced: '4.7.0', lines: ['4.7.0 TLS not available'] }]);
    expect(answer.reply).toBe(replies[0]);
  });
  it('sends the SNI asked for, or none', async () => {
    const { client, mta } = await ready();
    await client.starttls({ servername: null });
    // The server has seen the whole handshake once it answers inside TLS.
    await client.hello(NAME);
    expect(mta.servernames).toEqual([null]);
  });
});

describe('implicit TLS', () => {
  it('runs the handshake before the banner, then reads the banner and EHLO inside TLS', async () => {
    const { client, mta } = await start({ implicitTls: true });
    const handshake = await client.tlsOnConnect();
    expect(handshake.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(client.secure).toBe(true);
    expect(client.state).toEqual({ phase: 'connected' });
    await expect(client.tlsOnConnect()).rejects.toMatchObject({ code: 'internal-error', message: 'TLS is already on' });
    expect(await client.greeting()).toMatchObject({ code: 220 });
    const hello = await client.hello(NAME);
    expect(keywords(hello.capabilities)).toContain('AUTH');
    expect(mta.lines).toEqual([{ line: `EHLO ${NAME}`, secure: true }]);
    expect(mta.servernames).toEqual(['mx.test']);
    await expect(client.starttls({ force: true })).rejects.toMatchObject({ code: 'internal-error', message: 'STARTTLS inside TLS' });
    expect(await client.auth('PLAIN', 'user', 'pass')).toMatchObject({ code: 235 });
  });
  it('is allowed only before the greeting', async () => {
    const { client } = await start();
    await client.greeting();
    await expect(client.tlsOnConnect()).rejects.toMatchObject({ code: 'internal-error' });
    expect(client.secure).toBe(false);
  });
  it('closes without QUIT before the banner', async () => {
    const { client, events } = await start({ implicitTls: true });
    await client.tlsOnConnect();
    await client.quit();
    expect(events('send')).toEqual([]);
    expect(client.state).toEqual({ phase: 'closed' });
  });
});

describe('AUTH', () => {
  const secrets = (s: { events: () => string[]; client: SmtpClient }) => [...s.events(), ...s.client.steps.map((x) => x.command)].join('\n');

  it('PLAIN: the credentials reach the server, the transcript and the steps say <redacted>', async () => {
    const s = await secured();
    expect(await s.client.auth('PLAIN', 'alice', 's3cret-pw')).toMatchObject({ code: 235 });
    const token = Buffer.from('\0alice\0s3cret-pw').toString('base64');
    expect(s.received().at(-1)).toBe(`AUTH PLAIN ${token}`);
    expect(s.events('send').at(-1)).toBe('AUTH PLAIN <redacted>');
    expect(s.client.steps.at(-1)).toEqual({ kind: 'command', command: 'AUTH PLAIN <redacted>', code: 235, ms: 0, error: null });
    expect(secrets(s)).not.toContain('s3cret-pw');
    expect(secrets(s)).not.toContain(token);
    expect(secrets(s)).not.toContain('alice');
    expect(s.client.state.phase).toBe('ready');
  });
  it('PLAIN: a 334 is cancelled with "*" so the dialogue stays in step', async () => {
    const s = await secured({ on: { AUTH: () => [reply(334, '')], '*': () => [reply(501, '5.7.0 Authentication cancelled')] } });
    expect(await s.client.auth('PLAIN', 'alice', 'pw')).toMatchObject({ code: 501 });
    expect(s.received().at(-1)).toBe('*');
    expect(await s.client.noop()).toMatchObject({ code: 250 });
  });
  it('LOGIN: user name and password each on their own line, both redacted', async () => {
    const s = await secured();
    expect(await s.client.auth('LOGIN', 'alice', 's3cret-pw')).toMatchObject({ code: 235 });
    expect(s.received().slice(-3)).toEqual(['AUTH LOGIN', Buffer.from('alice').toString('base64'), Buffer.from('s3cret-pw').toString('base64')]);
    expect(s.events().slice(-6)).toEqual(['AUTH LOGIN', '334 VXNlcm5hbWU6', '<redacted>', '334 UGFzc3dvcmQ6', '<redacted>', '235 2.7.0 Authentication successful']);
    expect(s.client.steps.slice(-3)).toEqual([
      { kind: 'command', command: 'AUTH LOGIN', code: 334, ms: 0, error: null },
      { kind: 'command', command: '<redacted>', code: 334, ms: 0, error: null },
      { kind: 'command', command: '<redacted>', code: 235, ms: 0, error: null },
    ]);
    expect(secrets(s)).not.toContain(Buffer.from('s3cret-pw').toString('base64'));
    expect(secrets(s)).not.toContain(Buffer.from('alice').toString('base64'));
  });
  it('LOGIN: a refusal midway ends the exchange', async () => {
    const s = await secured({ on: { AUTH: () => [reply(504, '5.5.4 Unrecognized authentication type')] } });
    expect(await s.client.auth('LOGIN', 'alice', 'pw')).toMatchObject({ code: 504 });
    expect(s.received().at(-1)).toBe('AUTH LOGIN');
  });
  it('LOGIN: a refusal after the user name: the password is never sent', async () => {
    // The MTA answers 334 to AUTH, then takes the user name line for an unknown command: 502.
    const s = await secured({ on: { AUTH: () => [reply(334, 'VXNlcm5hbWU6')] } });
    expect(await s.client.auth('LOGIN', 'alice', 's3cret-pw')).toMatchObject({ code: 502 });
    expect(s.received().slice(-2)).toEqual(['AUTH LOGIN', Buffer.from('alice').toString('base64')]);
    expect(await s.client.noop()).toMatchObject({ code: 250 });
    expect(s.received().at(-1)).toBe('NOOP');
  });
  it('refuses to send credentials before TLS unless allowed explicitly', async () => {
    const s = await ready({ clearCaps: ['AUTH PLAIN'] });
    await expect(s.client.auth('PLAIN', 'alice', 'pw')).rejects.toMatchObject({
      code: 'internal-error',
      message: 'refusing to send credentials before TLS (allowCleartext to do it anyway)',
    });
    await expect(s.client.auth('LOGIN', 'alice', 'pw')).rejects.toMatchObject({ code: 'internal-error' });
    expect(s.received()).toEqual([`EHLO ${NAME}`]);
    expect(s.client.state.phase).toBe('ready');
    expect(await s.client.auth('PLAIN', 'alice', 'pw', { allowCleartext: true })).toMatchObject({ code: 235 });
    expect(s.received()).toEqual([`EHLO ${NAME}`, `AUTH PLAIN ${Buffer.from('\0alice\0pw').toString('base64')}`]);
  });
  it('refuses a NUL in the credentials (it separates the PLAIN fields)', async () => {
    const s = await secured();
    await expect(s.client.auth('PLAIN', 'alice\0admin', 'pw')).rejects.toMatchObject({ code: 'invalid-input', message: 'a user name or password containing NUL' });
    await expect(s.client.auth('LOGIN', 'alice', 'p\0w')).rejects.toMatchObject({ code: 'invalid-input', message: 'a user name or password containing NUL' });
    expect(s.received().at(-1)).toBe(`EHLO ${NAME}`);
  });
  it.each([
    ['PLAIN', 'the AUTH line', `AUTH PLAIN ${Buffer.from('\0alice\0pw').toString('base64')}`, 'AUTH PLAIN <redacted>'],
    ['LOGIN', 'the user name', Buffer.from('alice').toString('base64'), '<redacted>'],
    ['LOGIN', 'the password', Buffer.from('pw').toString('base64'), '<redacted>'],
  ] as const)('%s: a reply to %s never comes: the error names AUTH, never a secret', async (mechanism, _what, line, shown) => {
    // Aborting the signal while the reply is awaited ends the wait at once, like a time-out.
    const abort = new AbortController();
    const s = await secured({ onLine: (l) => l === line && abort.abort() }, {}, { signal: abort.signal });
    await expect(s.client.auth(mechanism, 'alice', 'pw')).rejects.toMatchObject({ code: 'io-timeout' });
    expect(s.received().at(-1)).toBe(line);
    expect(s.events('error')).toEqual(['aborted (AUTH)']);
    expect(s.client.steps.at(-1)).toEqual({ kind: 'command', command: shown, code: null, ms: 0, error: 'io-timeout' });
    expect(s.client.state).toEqual({ phase: 'broken', code: 'io-timeout', reason: 'aborted' });
  });
});

describe('the mail transaction', () => {
  it('MAIL, RCPT, DATA: the server receives the dot-stuffed message with CRLF line ends, exactly', async () => {
    const { client, mta, received, events } = await ready();
    expect(await client.mail('sender@example.com', ['BODY=8BITMIME'])).toMatchObject({ code: 250 });
    expect(client.state.phase).toBe('mail');
    expect(await client.rcpt('one@example.net')).toMatchObject({ code: 250 });
    expect(client.state).toMatchObject({ phase: 'rcpt', accepted: 1 });
    expect(await client.rcpt('two@example.net')).toMatchObject({ code: 250 });
    expect(client.state).toMatchObject({ phase: 'rcpt', accepted: 2 });
    const message = 'Subject: dots\n\n.leading dot\r\n..two dots\nmiddle . dot\r\n.\nlast';
    const final = await client.data(message);
    expect(final).toMatchObject({ code: 250, enhanced: '2.0.0' });
    expect(mta.messages.map((m) => m.toString('latin1'))).toEqual([
      'Subject: dots\r\n\r\n..leading dot\r\n...two dots\r\nmiddle . dot\r\n..\r\nlast\r\n.\r\n',
    ]);
    expect(received()).toEqual([`EHLO ${NAME}`, 'MAIL FROM:<sender@example.com> BODY=8BITMIME', 'RCPT TO:<one@example.net>', 'RCPT TO:<two@example.net>', 'DATA']);
    // The transaction is over: the client is ready for the next one.
    expect(client.state).toMatchObject({ phase: 'ready', hello: { greeting: 'EHLO' } });
    expect(events('send').slice(-2)).toEqual(['DATA', expect.stringMatching(/^\(message data: 72 bytes/)]);
    expect(client.steps.slice(-2).map((s) => [s.kind, s.code])).toEqual([
      ['command', 354],
      ['message', 250],
    ]);
    expect(await client.mail('')).toMatchObject({ code: 250 });
    expect(received().at(-1)).toBe('MAIL FROM:<>');
  });
  it('between the 354 and the final reply the client is in the data phase, with its hello', async () => {
    const seen: { client?: SmtpClient; during?: ClientState } = {};
    const { client, mta } = await ready({
      on: {
        '.': () => {
          seen.during = seen.client!.state;
          return [reply(250, '2.0.0 Ok: queued')];
        },
      },
    });
    seen.client = client;
    const hello = client.state;
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    expect(await client.data('hello')).toMatchObject({ code: 250 });
    expect(mta.messages).toHaveLength(1);
    expect(hello.phase).toBe('ready');
    expect(seen.during).toEqual({ phase: 'data', hello: (hello as Extract<ClientState, { phase: 'ready' }>).hello });
    expect(client.state).toEqual(hello);
  });
  it('no final reply to the message: the error names the end of data, the client is broken', async () => {
    const abort = new AbortController();
    const { client, events } = await ready(
      {
        on: {
          '.': () => {
            abort.abort();
            return [];
          },
        },
      },
      {},
      { signal: abort.signal },
    );
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    await expect(client.data('hello')).rejects.toMatchObject({ code: 'io-timeout' });
    expect(events('error')).toEqual(['aborted (end of data)']);
    expect(client.steps.at(-1)).toEqual({ kind: 'message', command: '(message data: 10 bytes, ending with CRLF.CRLF)', code: null, ms: 0, error: 'io-timeout' });
    expect(client.state).toEqual({ phase: 'broken', code: 'io-timeout', reason: 'aborted' });
  });
  it('the final reply ends the transaction even when it refuses the message', async () => {
    const { client } = await ready({ on: { '.': () => [reply(554, '5.7.1 Message rejected')] } });
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    expect(await client.data('hello\r\n')).toMatchObject({ code: 554 });
    expect(client.state.phase).toBe('ready');
  });
  it('does not let a bare LF or bare CR before a dot end the data early (SMTP smuggling)', async () => {
    const { client, mta, received } = await ready();
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    await client.data('one\n.\nMAIL FROM:<evil@example.org>\r.\rtwo');
    expect(mta.messages.map((m) => m.toString('latin1'))).toEqual(['one\r\n..\r\nMAIL FROM:<evil@example.org>\r\n..\r\ntwo\r\n.\r\n']);
    expect(received()).toHaveLength(4);
  });
  it('a refused RCPT changes nothing; DATA needs an accepted one; RSET ends the transaction', async () => {
    let n = 0;
    const { client, received } = await ready({ on: { RCPT: () => [n++ === 0 ? reply(550, '5.1.1 No such user') : reply(250, '2.1.5 Ok')] } });
    await client.mail('a@example.com');
    expect(await client.rcpt('nobody@example.net')).toMatchObject({ code: 550 });
    expect(client.state.phase).toBe('mail');
    await expect(client.data('x')).rejects.toMatchObject({ code: 'internal-error' });
    await client.rcpt('b@example.net');
    expect(client.state).toMatchObject({ phase: 'rcpt', accepted: 1 });
    expect(await client.rset()).toMatchObject({ code: 250 });
    expect(client.state).toMatchObject({ phase: 'ready', hello: { greeting: 'EHLO' } });
    await expect(client.rcpt('b@example.net')).rejects.toMatchObject({ code: 'internal-error' });
    expect(received().slice(1)).toEqual(['MAIL FROM:<a@example.com>', 'RCPT TO:<nobody@example.net>', 'RCPT TO:<b@example.net>', 'RSET']);
  });
  it('a 300 is no 2xx: MAIL answered 300 starts nothing', async () => {
    const { client, received } = await ready({ on: { MAIL: () => [reply(300, 'odd')] } });
    const before = client.state;
    expect(await client.mail('a@example.com')).toEqual({ code: 300, enhanced: null, lines: ['odd'] });
    expect(client.state).toBe(before);
    await expect(client.rcpt('b@example.net')).rejects.toMatchObject({ code: 'internal-error', message: 'rcpt() in phase ready' });
    expect(received()).toEqual([`EHLO ${NAME}`, 'MAIL FROM:<a@example.com>']);
  });
  it('RCPT only after a 2xx to MAIL', async () => {
    const { client, received } = await ready({ on: { MAIL: () => [reply(530, '5.7.0 Must issue a STARTTLS command first')] } });
    expect(await client.mail('a@example.com')).toMatchObject({ code: 530 });
    expect(client.state.phase).toBe('ready');
    await expect(client.rcpt('b@example.net')).rejects.toMatchObject({ code: 'internal-error' });
    expect(received()).toEqual([`EHLO ${NAME}`, 'MAIL FROM:<a@example.com>']);
  });
  it('without a 354 to DATA the message is not sent and the transaction stays open', async () => {
    const { client, mta, received } = await ready({ on: { DATA: () => [reply(554, '5.5.1 No valid recipients')] } });
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    expect(await client.data('Subject: x\r\n\r\nbody\r\n')).toMatchObject({ code: 554 });
    expect(client.state).toMatchObject({ phase: 'rcpt', accepted: 1 });
    expect(await client.noop()).toMatchObject({ code: 250 });
    expect(received().slice(-2)).toEqual(['DATA', 'NOOP']);
    expect(mta.messages).toEqual([]);
  });
  it('any reply to DATA but 354 keeps the message back, even a 250', async () => {
    const { client, mta, received } = await ready({ on: { DATA: () => [reply(250, '2.0.0 Ok?')] } });
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    expect(await client.data('Subject: x\r\n\r\nbody\r\n')).toMatchObject({ code: 250 });
    expect(client.state).toMatchObject({ phase: 'rcpt', accepted: 1 });
    expect(await client.noop()).toMatchObject({ code: 250 });
    expect(received().slice(-2)).toEqual(['DATA', 'NOOP']);
    expect(mta.messages).toEqual([]);
  });
  it('RSET: a 250 ends the transaction from MAIL or RCPT; a refusal leaves it open', async () => {
    let refuse = true;
    const { client } = await ready({ on: { RSET: () => [refuse ? reply(500, '5.5.1 No') : reply(250, '2.0.0 Ok')] } });
    expect(await client.rset()).toMatchObject({ code: 500 });
    expect(client.state.phase).toBe('ready');
    await client.mail('a@example.com');
    expect(await client.rset()).toMatchObject({ code: 500 });
    expect(client.state.phase).toBe('mail');
    refuse = false;
    expect(await client.rset()).toMatchObject({ code: 250 });
    expect(client.state.phase).toBe('ready');
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    refuse = true;
    await client.rset();
    expect(client.state.phase).toBe('rcpt');
    refuse = false;
    await client.rset();
    expect(client.state).toMatchObject({ phase: 'ready', hello: { greeting: 'EHLO' } });
  });
  it('RSET outside a transaction changes nothing: greeted stays greeted, tls-started stays tls-started', async () => {
    const { client, received } = await start();
    const banner = await client.greeting();
    expect(await client.rset()).toMatchObject({ code: 250 });
    expect(client.state).toEqual({ phase: 'greeted', banner });
    await client.hello(NAME);
    await client.starttls();
    expect(await client.rset()).toMatchObject({ code: 250 });
    expect(client.state).toEqual({ phase: 'tls-started' });
    expect(received()).toEqual(['RSET', `EHLO ${NAME}`, 'STARTTLS', 'RSET']);
  });
  it('refuses a message over the size cap before DATA is sent', async () => {
    const { client, received } = await ready({}, {}, { maxMessageBytes: 10 });
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    const tooBig = { code: 'invalid-input', message: 'a message of 11 bytes is larger than the 10 allowed' };
    await expect(client.data('12345678901')).rejects.toMatchObject(tooBig);
    await expect(client.data(Buffer.alloc(11))).rejects.toMatchObject(tooBig);
    // Counted in UTF-8 bytes, not characters: six characters, twelve bytes.
    await expect(client.data('éééééé')).rejects.toMatchObject({ message: 'a message of 12 bytes is larger than the 10 allowed' });
    expect(client.state.phase).toBe('rcpt');
    expect(await client.data('1234567890')).toMatchObject({ code: 250 });
    expect(received().filter((l) => l === 'DATA')).toHaveLength(1);
  });
  it('by default the cap is 10 MiB', async () => {
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(10 * 1024 * 1024);
    const { client, mta, received } = await ready();
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    await expect(client.data(Buffer.alloc(DEFAULT_MAX_MESSAGE_BYTES + 1))).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'a message of 10485761 bytes is larger than the 10485760 allowed',
    });
    expect(await client.data('Subject: more than ten bytes\r\n')).toMatchObject({ code: 250 });
    expect(mta.messages.map((m) => m.toString('latin1'))).toEqual(['Subject: more than ten bytes\r\n.\r\n']);
    expect(received().filter((l) => l === 'DATA')).toHaveLength(1);
  });
  it('BDAT with CHUNKING: one LAST chunk, CRLF line ends, no dot-stuffing', async () => {
    const { client, mta, received, events } = await secured();
    await client.mail('a@example.com');
    // Not before a recipient was accepted.
    await expect(client.bdat('x')).rejects.toMatchObject({ code: 'internal-error' });
    await client.rcpt('b@example.net');
    const final = await client.bdat(Buffer.from('Subject: chunk\n\n.dot stays\r\nend\n', 'latin1'));
    expect(final).toMatchObject({ code: 250 });
    expect(mta.messages.map((m) => m.toString('latin1'))).toEqual(['Subject: chunk\r\n\r\n.dot stays\r\nend\r\n']);
    expect(received().at(-1)).toBe('BDAT 35 LAST');
    expect(events('send').slice(-2)).toEqual(['BDAT 35 LAST', '(message data: 35 bytes)']);
    expect(client.steps.at(-1)).toMatchObject({ kind: 'message', command: 'BDAT 35 LAST (message data: 35 bytes)', code: 250 });
    expect(client.state.phase).toBe('ready');
  });
  it('BDAT only when CHUNKING was advertised', async () => {
    const { client, received } = await ready();
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    await expect(client.bdat('Subject: x\r\n')).rejects.toMatchObject({ code: 'internal-error', message: 'BDAT without CHUNKING advertised' });
    expect(client.state.phase).toBe('rcpt');
    expect(await client.noop()).toMatchObject({ code: 250 });
    expect(received().slice(-2)).toEqual(['RCPT TO:<b@example.net>', 'NOOP']);
  });
  it('a refused BDAT leaves the transaction open', async () => {
    const { client } = await secured({ on: { BDAT: () => [reply(552, '5.3.4 Too big')] } });
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    // The MTA answers the command line; the chunk's byte stays unread in its buffer.
    expect(await client.bdat('x')).toMatchObject({ code: 552 });
    expect(client.state.phase).toBe('rcpt');
  });
  it('no reply to BDAT: the error names BDAT, the client is broken', async () => {
    const abort = new AbortController();
    const bdat = () => {
      abort.abort();
      return [];
    };
    const { client, events } = await secured({ on: { BDAT: bdat } }, {}, { signal: abort.signal });
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    await expect(client.bdat('x')).rejects.toMatchObject({ code: 'io-timeout' });
    expect(events('error')).toEqual(['aborted (BDAT)']);
    expect(client.steps.at(-1)).toEqual({ kind: 'message', command: 'BDAT 1 LAST (message data: 1 bytes)', code: null, ms: 0, error: 'io-timeout' });
    expect(client.state).toEqual({ phase: 'broken', code: 'io-timeout', reason: 'aborted' });
  });
});

describe('what never reaches the wire', () => {
  it.each([
    ['CRLF', 'a@example.com>\r\nRCPT TO:<victim@example.net'],
    ['LF', 'a@example.com\nDATA'],
    ['CR', 'a@example.com\r'],
    ['NUL', 'a\0@example.com'],
    ['<', '<a@example.com'],
    ['>', 'a@example.com>'],
    ['a space', 'a b@example.com'],
    ['a tab', 'a\t@example.com'],
    ['a DEL', 'a\x7f@example.com'],
  ])('an address with %s: invalid-input, nothing sent, the dialogue still in step', async (_what, address) => {
    const { client, received, events } = await ready();
    const why = `contains a control character, a space, < or >: ${JSON.stringify(address)}`;
    await expect(client.mail(address)).rejects.toMatchObject({ code: 'invalid-input', message: `MAIL FROM address ${why}` });
    expect(client.state.phase).toBe('ready');
    await client.mail('a@example.com');
    await expect(client.rcpt(address)).rejects.toMatchObject({ code: 'invalid-input', message: `RCPT TO address ${why}` });
    expect(client.state.phase).toBe('mail');
    expect(await client.noop()).toMatchObject({ code: 250 });
    expect(received()).toEqual([`EHLO ${NAME}`, 'MAIL FROM:<a@example.com>', 'NOOP']);
    expect(events('send')).toEqual(received());
  });
  it('an empty RCPT address is refused; an empty MAIL FROM is the null reverse-path', async () => {
    const { client, received } = await ready();
    await client.mail('');
    await expect(client.rcpt('')).rejects.toMatchObject({ code: 'invalid-input', message: 'RCPT TO address is empty' });
    expect(received()).toEqual([`EHLO ${NAME}`, 'MAIL FROM:<>']);
  });
  it.each(['SIZE=1 BODY=8BITMIME', 'SIZE=1\r\nRSET', '=x', 'SIZE=a=b', '', 'SIZE=1\x7f', 'SIZE='])('an ESMTP parameter %j: invalid-input', async (param) => {
    const { client, received } = await ready();
    const refused = { code: 'invalid-input', message: `not an ESMTP parameter: ${JSON.stringify(param)}` };
    await expect(client.mail('a@example.com', ['BODY=8BITMIME', param])).rejects.toMatchObject(refused);
    await client.mail('a@example.com');
    await expect(client.rcpt('b@example.net', [param])).rejects.toMatchObject(refused);
    expect(received()).toEqual([`EHLO ${NAME}`, 'MAIL FROM:<a@example.com>']);
  });
  it('ESMTP parameters: a keyword alone or keyword=value, after the address', async () => {
    const { client, received } = await ready();
    await client.mail('a@example.com', ['SMTPUTF8', 'BODY=8BITMIME', 'X-1']);
    await client.rcpt('b@example.net', ['NOTIFY=SUCCESS,FAILURE', 'X']);
    expect(received().slice(1)).toEqual(['MAIL FROM:<a@example.com> SMTPUTF8 BODY=8BITMIME X-1', 'RCPT TO:<b@example.net> NOTIFY=SUCCESS,FAILURE X']);
  });
  it('command(): other verbs go out; state-changing verbs and line breaks do not', async () => {
    const { client, received } = await ready();
    expect(await client.command('VRFY postmaster')).toMatchObject({ code: 250 });
    expect(await client.command('XYZZY')).toMatchObject({ code: 502 });
    const stateful: [string, string][] = [
      ['MAIL FROM:<a@example.com>', 'MAIL'],
      ['mail from:<>', 'MAIL'],
      ['EHLO again', 'EHLO'],
      ['helo me', 'HELO'],
      ['STARTTLS', 'STARTTLS'],
      ['AUTH PLAIN x', 'AUTH'],
      ['RCPT TO:<b@example.net>', 'RCPT'],
      ['DATA', 'DATA'],
      ['BDAT 1 LAST', 'BDAT'],
      ['RSET', 'RSET'],
      ['QUIT', 'QUIT'],
      ['  quit', 'QUIT'],
    ];
    for (const [line, verb] of stateful) {
      await expect(client.command(line), line).rejects.toMatchObject({ code: 'internal-error', message: `${verb} has its own method` });
    }
    for (const line of ['NOOP\r\nQUIT', 'NOOP\n', 'NOOP\r', 'NOOP\0']) {
      await expect(client.command(line), JSON.stringify(line)).rejects.toMatchObject({
        code: 'invalid-input',
        message: `a command line with CR, LF or NUL: ${JSON.stringify(line)}`,
      });
    }
    expect(received()).toEqual([`EHLO ${NAME}`, 'VRFY postmaster', 'XYZZY']);
    expect(client.state.phase).toBe('ready');
  });
});

describe('mail() after a refused hello (afterRefusedHello)', () => {
  const NO_HELLO = { greeting: null, capabilities: [], ehloName: null };
  const refusing = { on: { EHLO: () => [reply(550, '5.7.1 Go away')] } };

  it('greeted: MAIL goes out anyway; a 2xx starts a transaction on no hello at all', async () => {
    const { client, received } = await start(refusing);
    await client.greeting();
    expect(await client.hello(NAME)).toMatchObject({ greeting: null });
    expect(await client.mail('a@example.com', ['BODY=8BITMIME'], { afterRefusedHello: true })).toMatchObject({ code: 250 });
    expect(client.state).toEqual({ phase: 'mail', hello: NO_HELLO });
    expect(client.capabilities).toEqual([]);
    expect(await client.rcpt('b@example.net')).toMatchObject({ code: 250 });
    expect(client.state).toEqual({ phase: 'rcpt', hello: NO_HELLO, accepted: 1 });
    expect(received()).toEqual([`EHLO ${NAME}`, 'MAIL FROM:<a@example.com> BODY=8BITMIME', 'RCPT TO:<b@example.net>']);
  });
  it('greeted: a refusal leaves the client greeted', async () => {
    const { client } = await start({ on: { ...refusing.on, MAIL: () => [reply(503, '5.5.1 EHLO first')] } });
    const banner = await client.greeting();
    await client.hello(NAME);
    expect(await client.mail('', [], { afterRefusedHello: true })).toMatchObject({ code: 503 });
    expect(client.state).toEqual({ phase: 'greeted', banner });
  });
  it('tls-started: MAIL before any hello inside TLS', async () => {
    const { client, mta } = await ready();
    await client.starttls();
    expect(await client.mail('a@example.com', [], { afterRefusedHello: true })).toMatchObject({ code: 250 });
    expect(client.state).toEqual({ phase: 'mail', hello: NO_HELLO });
    expect(mta.lines.at(-1)).toEqual({ line: 'MAIL FROM:<a@example.com>', secure: true });
  });
  it('ready: the transaction keeps what the accepted hello established', async () => {
    const { client } = await ready();
    const before = client.state as Extract<ClientState, { phase: 'ready' }>;
    expect(before.hello.greeting).toBe('EHLO');
    expect(await client.mail('a@example.com', [], { afterRefusedHello: true })).toMatchObject({ code: 250 });
    expect(client.state).toEqual({ phase: 'mail', hello: before.hello });
  });
  it('still checks the address, and is refused before the banner, after a refused banner and inside a transaction', async () => {
    const { client } = await start(refusing);
    await expect(client.mail('a@example.com', [], { afterRefusedHello: true })).rejects.toMatchObject({
      code: 'internal-error',
      message: 'mailAnyway() in phase connected',
    });
    await client.greeting();
    await client.hello(NAME);
    await expect(client.mail('a b', [], { afterRefusedHello: true })).rejects.toMatchObject({ code: 'invalid-input' });
    await client.mail('a@example.com', [], { afterRefusedHello: true });
    await expect(client.mail('a@example.com', [], { afterRefusedHello: true })).rejects.toMatchObject({ message: 'mailAnyway() in phase mail' });
    await client.rcpt('b@example.net');
    await expect(client.mail('a@example.com', [], { afterRefusedHello: true })).rejects.toMatchObject({ message: 'mailAnyway() in phase rcpt' });

    const refused = await start({ banner: [reply(554, '5.3.2 No SMTP service here')] });
    await refused.client.greeting();
    await expect(refused.client.mail('a@example.com', [], { afterRefusedHello: true })).rejects.toMatchObject({
      code: 'internal-error',
      message: 'mailAnyway() in phase refused',
    });
    expect(refused.received()).toEqual([]);
  });
});

describe('the state table', () => {
  it('every verb in a phase the table does not allow is our bug: internal-error, nothing sent', async () => {
    const { client, events } = await start();
    await expect(client.hello(NAME)).rejects.toMatchObject({ code: 'internal-error', message: 'hello() in phase connected' });
    // connected: only tlsOnConnect and greeting.
    for (const call of [
      () => client.hello(NAME),
      () => client.mail('a@example.com'),
      () => client.rcpt('b@example.net'),
      () => client.data('x'),
      () => client.bdat('x'),
      () => client.starttls({ force: true }),
      () => client.auth('PLAIN', 'u', 'p', { allowCleartext: true }),
      () => client.rset(),
      () => client.noop(),
      () => client.command('VRFY x'),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'internal-error' });
    }
    await client.greeting();
    // greeted: no greeting again, no mail before hello.
    await expect(client.greeting()).rejects.toMatchObject({ code: 'internal-error' });
    await expect(client.mail('a@example.com')).rejects.toMatchObject({ code: 'internal-error' });
    await expect(client.starttls({ force: true })).rejects.toMatchObject({ code: 'internal-error' });
    await client.hello(NAME);
    // ready: no RCPT, DATA or BDAT before a MAIL.
    await expect(client.rcpt('b@example.net')).rejects.toMatchObject({ code: 'internal-error' });
    await expect(client.data('x')).rejects.toMatchObject({ code: 'internal-error' });
    await client.mail('a@example.com');
    // mail: no second MAIL, no hello in the middle of a transaction.
    await expect(client.mail('a@example.com')).rejects.toMatchObject({ code: 'internal-error' });
    await expect(client.hello(NAME)).rejects.toMatchObject({ code: 'internal-error' });
    await expect(client.auth('PLAIN', 'u', 'p', { allowCleartext: true })).rejects.toMatchObject({ code: 'internal-error' });
    expect(events('send')).toEqual([`EHLO ${NAME}`, 'MAIL FROM:<a@example.com>']);
  });
  it('after quit() nothing is allowed, and quit() again is harmless', async () => {
    const { client, received, events } = await ready();
    await client.quit();
    expect(client.state).toEqual({ phase: 'closed' });
    expect(received()).toEqual([`EHLO ${NAME}`, 'QUIT']);
    expect(events().slice(-3)).toEqual(['QUIT', '221 2.0.0 Bye', 'connection closed']);
    await expect(client.noop()).rejects.toMatchObject({ code: 'internal-error' });
    await expect(client.hello(NAME)).rejects.toMatchObject({ code: 'internal-error' });
    await client.quit();
    client.close();
    expect(events('close')).toHaveLength(1);
  });
  it('one call at a time: a second one while a reply is awaited is refused', async () => {
    const { client, received } = await ready();
    const first = client.noop();
    await expect(client.noop()).rejects.toMatchObject({ code: 'internal-error', message: 'noop() while noop() awaits its reply' });
    await expect(client.mail('a@example.com')).rejects.toMatchObject({ code: 'internal-error', message: 'mail() while noop() awaits its reply' });
    expect(await first).toMatchObject({ code: 250 });
    expect(received()).toEqual([`EHLO ${NAME}`, 'NOOP']);
    expect(await client.noop()).toMatchObject({ code: 250 });
    // The refused calls never became steps.
    expect(client.steps.map((s) => [s.command, s.error])).toEqual([
      ['(greeting)', null],
      [`EHLO ${NAME}`, null],
      ['NOOP', null],
      ['NOOP', null],
    ]);
  });
  it('close() while the reply is being read: the reply still comes back, the client stays closed', async () => {
    const mta = scriptedMta();
    const server = await startScriptedServer(mta.script);
    servers.push(server);
    const clock = fixedClock(0);
    let client: SmtpClient | null = null;
    // Closes the client from inside the transcript, the moment the reply to MAIL is recorded.
    const transcript = new Transcript(clock, (e) => {
      if (e.kind === 'recv' && e.text.startsWith('250 2.1.0')) client?.close();
    });
    client = await openSmtp(
      { connector: createConnector(clock), transcript, clock, limits: { ...DEFAULT_LIMITS, ...LIMITS } },
      { address: server.address, port: server.port, serverName: null, conn: 'c1' },
    );
    clients.push(client);
    await client.greeting();
    await client.hello(NAME);
    expect(await client.mail('a@example.com')).toMatchObject({ code: 250 });
    expect(client.state).toEqual({ phase: 'closed' });
  });
  it('close() while a reply is awaited: the call rejects and the client stays closed', async () => {
    const { client, events } = await start({ banner: [] });
    const greeting = rejection(client.greeting());
    client.close();
    expect(await greeting).toBeInstanceOf(MxrayError);
    expect(client.state).toEqual({ phase: 'closed' });
    await client.quit();
    expect(events('close')).toHaveLength(1);
  });
  it('the table lists every phase a verb may be used in, and no verb in connected but the first two', () => {
    const table: [string, readonly string[]][] = Object.entries(VERB_PHASES);
    expect(table.filter(([, phases]) => phases.includes('connected')).map(([verb]) => verb)).toEqual(['tlsOnConnect', 'greeting']);
    for (const [verb, phases] of table) {
      for (const dead of ['broken', 'closed', 'refused']) expect(phases).not.toContain(dead);
      // Inside message data only the message itself (after a pipelined DATA's 354) may be sent, alone or with the next envelope after it.
      if (verb === 'message' || verb === 'messageThenPipeline') expect(phases).toEqual(['data']);
      else expect(phases).not.toContain('data');
    }
  });
});

describe('a failed step', () => {
  it('is timed on the injected clock too', async () => {
    const tick: { advance?: (ms: number) => void } = {};
    const { client, clock } = await ready({ onLine: (line) => line.startsWith('MAIL') && tick.advance?.(7), on: { MAIL: () => [{ type: 'close' }] } });
    tick.advance = (ms) => clock.advance(ms);
    clock.advance(1000);
    await expect(client.mail('a@example.com')).rejects.toMatchObject({ code: 'protocol-error' });
    expect(client.steps.at(-1)).toEqual({ kind: 'command', command: 'MAIL FROM:<a@example.com>', code: null, ms: 7, error: 'protocol-error' });
  });
  it('that is not the session\'s (a transcript observer throws before the line is sent) leaves the client in step', async () => {
    let failures = 1;
    const observe = (e: TranscriptEvent) => {
      if (e.kind === 'send' && e.text === 'NOOP' && failures-- > 0) throw new Error('observer failed');
    };
    const { client, received } = await ready({}, {}, {}, observe);
    const before = client.state;
    await expect(client.noop()).rejects.toThrow('observer failed');
    expect(client.steps.at(-1)).toEqual({ kind: 'command', command: 'NOOP', code: null, ms: 0, error: 'internal-error' });
    expect(client.state).toBe(before);
    expect(await client.noop()).toMatchObject({ code: 250 });
    expect(received()).toEqual([`EHLO ${NAME}`, 'NOOP']);
  });
});

describe('a broken dialogue', () => {
  it('a time-out breaks the client: nothing more is sent, not even QUIT', async () => {
    let heard = () => {};
    const mailHeard = new Promise<void>((resolve) => (heard = resolve));
    const silentMail = () => {
      heard();
      return [];
    };
    const { client, received, events } = await ready({ on: { MAIL: silentMail } }, { commandTimeoutMs: 150 });
    const err = await rejection(client.mail('a@example.com'));
    expect(err).toMatchObject({ code: 'io-timeout' });
    await mailHeard;
    expect(client.state).toMatchObject({ phase: 'broken', code: 'io-timeout' });
    expect(client.steps.at(-1)).toMatchObject({ command: 'MAIL FROM:<a@example.com>', code: null, error: 'io-timeout' });
    for (const call of [() => client.rcpt('b@example.net'), () => client.rset(), () => client.noop(), () => client.command('VRFY x')]) {
      await expect(call()).rejects.toMatchObject({ code: 'internal-error' });
    }
    await client.quit();
    expect(client.state).toEqual({ phase: 'closed' });
    expect(events('send')).toEqual([`EHLO ${NAME}`, 'MAIL FROM:<a@example.com>']);
    expect(received()).toEqual([`EHLO ${NAME}`, 'MAIL FROM:<a@example.com>']);
    expect(events('close')).toHaveLength(1);
  });
  it('a silent server: greeting-timeout, broken, closed without QUIT', async () => {
    const { client, events, received } = await start({ banner: [] }, { greetingTimeoutMs: 150 });
    await expect(client.greeting()).rejects.toMatchObject({ code: 'greeting-timeout' });
    expect(client.state).toMatchObject({ phase: 'broken', code: 'greeting-timeout' });
    await client.quit();
    expect(events('send')).toEqual([]);
    expect(received()).toEqual([]);
  });
  it('a connection closed by the server breaks the client', async () => {
    const { client, events } = await ready({ on: { MAIL: () => [{ type: 'close' }] } });
    await expect(client.mail('a@example.com')).rejects.toMatchObject({ code: 'protocol-error', detail: 'closed' });
    expect(client.state).toMatchObject({ phase: 'broken', code: 'protocol-error' });
    await client.quit();
    expect(events('send')).toEqual([`EHLO ${NAME}`, 'MAIL FROM:<a@example.com>']);
  });
  it('a time-out after the 354 breaks the client in the data phase', async () => {
    const { client, events } = await ready({ on: { '.': () => [] } }, { commandTimeoutMs: 150 });
    await client.mail('a@example.com');
    await client.rcpt('b@example.net');
    await expect(client.data('hello')).rejects.toMatchObject({ code: 'io-timeout' });
    expect(client.state).toMatchObject({ phase: 'broken', code: 'io-timeout' });
    await client.quit();
    expect(events('send').at(-1)).toMatch(/^\(message data/);
  });
});

describe('dot-stuffing', () => {
  it.each([
    ['', '.\r\n'],
    ['a', 'a\r\n.\r\n'],
    ['a\r\n', 'a\r\n.\r\n'],
    ['.', '..\r\n.\r\n'],
    ['a\n.b\n', 'a\r\n..b\r\n.\r\n'],
    ['a\r.b', 'a\r\n..b\r\n.\r\n'],
    ['a\r\n\r\n', 'a\r\n\r\n.\r\n'],
    ['a.b\r\n..\r\n', 'a.b\r\n...\r\n.\r\n'],
    ['\n', '\r\n.\r\n'],
    ['\r\r\n', '\r\n\r\n.\r\n'],
  ])('dotStuff(%j) → %j', (input, expected) => {
    expect(dotStuff(Buffer.from(input, 'latin1')).toString('latin1')).toBe(expected);
  });
  it('keeps 8-bit bytes as they are', () => {
    const bytes = Buffer.from([0xc3, 0xa9, 0x0a, 0x2e, 0xff]);
    expect(dotStuff(bytes)).toEqual(Buffer.from([0xc3, 0xa9, 0x0d, 0x0a, 0x2e, 0x2e, 0xff, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a]));
  });
  it.each([
    ['', ''],
    ['.a\n.b', '.a\r\n.b'],
    ['a\rb\r\nc\n', 'a\r\nb\r\nc\r\n'],
  ])('toCrlf(%j) → %j', (input, expected) => {
    expect(toCrlf(Buffer.from(input, 'latin1')).toString('latin1')).toBe(expected);
  });
});
