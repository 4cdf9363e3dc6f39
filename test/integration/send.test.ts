// `mxray send` through the library against a loopback fixture server (test/helpers/send-server.ts)
// that advertises the extensions each test chooses and keeps what it received. Each test asserts the
// outcome, the exact finding ids, and what the server got: the command lines, and the message's
// exact bytes (CRLF only, dot-stuffing undone by the server, the headers, a unique Message-ID).
// Loopback only; a test CA made per run; every server is stopped by the test that started it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import type { JobEdges, Limits, Resolver } from '../../src/core/context.js';
import { DnsError, UsageError } from '../../src/core/errors.js';
import { exitCodeFor } from '../../src/core/report.js';
import { createScheduler } from '../../src/core/scheduler.js';
import type { SendReport } from '../../src/core/schema.js';
import { closedLoopbackPort } from '../../src/demo/scripted-server.js';
import { createRootCa, type TestCa } from '../../src/demo/test-pki.js';
import { sendMessage, type SendOptions } from '../../src/library.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { renderHtml } from '../../src/render/html.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { renderText } from '../../src/render/text.js';
import { startSendServer, type SendServer, type SendServerPlan } from '../helpers/send-server.js';
import { schemaErrors } from '../helpers/schema.js';

const HELO = 'client.mxray.test';
const FROM = 'sender@client.mxray.test';
const TO = 'rcpt@send.test';
const LIMITS: Partial<Limits> = { connectTimeoutMs: 3000, greetingTimeoutMs: 3000, commandTimeoutMs: 3000, tlsTimeoutMs: 3000 };

let ca: TestCa;
let tlsKey: { key: string; cert: string };
beforeAll(async () => {
  ca = await createRootCa('mxray send test root', Date.now());
  const leaf = await ca.issue({ commonName: 'mx.send.test', dnsNames: ['mx.send.test'] });
  tlsKey = { key: leaf.keyPem, cert: leaf.certPem };
});

const servers: SendServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function serve(plan: SendServerPlan = {}): Promise<SendServer> {
  const s = await startSendServer(plan, tlsKey);
  servers.push(s);
  return s;
}

const noDns: Resolver = {
  description: 'in-test resolver',
  mx: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'MX')),
  a: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'A')),
  aaaa: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'AAAA')),
  cname: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'CNAME')),
  txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
};

function edges(): JobEdges {
  throw new Error('every edge is given in the options');
}

/** Sends to mx.send.test, mapped to the fixture; the test CA trusted unless `trusted` is false. */
function send(server: SendServer, extra: Partial<SendOptions> = {}, name = 'mx.send.test', trusted = true): Promise<SendReport> {
  return sendMessage(
    {
      target: `${name}:${server.port}`,
      to: [TO],
      from: FROM,
      helo: HELO,
      limits: LIMITS,
      hostMap: new Map([[name, { address: server.address, port: server.port }]]),
      clock: systemClock,
      resolver: noDns,
      connector: createConnector(systemClock),
      scheduler: createScheduler(),
      trustStore: createTrustStore(trusted ? [ca.cert.certPem] : [], trusted ? 'test root' : 'empty'),
      ...extra,
    },
    edges,
  );
}

const ids = (r: SendReport) => r.findings.map((f) => f.id).sort();
const verbs = (s: SendServer, conn = 1) => s.received.filter((r) => r.conn === conn).map((r) => `${r.secure ? 'tls:' : ''}${r.line.split(/[ :]/)[0]!.toUpperCase()}`);
const text = (b: Buffer) => b.toString('utf8');
const headerOf = (content: Buffer, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(text(content).split('\r\n\r\n')[0]!)?.[1] ?? null;

/** No CR without LF after it, no LF without CR before it. */
function onlyCrlf(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a) return false;
    if (bytes[i] === 0x0a && bytes[i - 1] !== 0x0d) return false;
  }
  return true;
}

describe('mxray send: TLS modes', () => {
  it('--tls none: delivered in clear, never STARTTLS; the server got the message with every header; queue id parsed', async () => {
    const s = await serve({ pipelining: false });
    const r = await send(s, { tls: 'none', subject: 'hello' });
    expect(schemaErrors(r)).toEqual([]);
    expect(r.kind).toBe('send');
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.outcome.queueId).toBe('4X1QUEUE');
    expect(ids(r)).toEqual(['send.cleartext', 'send.delivered']);
    expect(r.verdict).toBe('warn');
    expect(exitCodeFor(r)).toBe(0);
    expect(verbs(s)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
    expect(s.messages).toHaveLength(1);
    const m = s.messages[0]!;
    expect(m.secure).toBe(false);
    expect(m.rcptTo).toEqual([TO]);
    expect(onlyCrlf(m.wire)).toBe(true);
    expect(headerOf(m.content, 'From')).toBe(`<${FROM}>`);
    expect(headerOf(m.content, 'To')).toBe(`<${TO}>`);
    expect(headerOf(m.content, 'Subject')).toBe('hello');
    expect(headerOf(m.content, 'Message-ID')).toBe(r.body.message.messageId);
    expect(headerOf(m.content, 'X-Mxray-Test')).toBe(r.body.message.testId);
    expect(headerOf(m.content, 'Date')).toMatch(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000$/);
    expect(r.body.message.messageId).toBe(`<${r.body.message.testId}@${HELO}>`);
    expect(m.content.length).toBe(r.body.message.bytes);
  });

  it('--tls opportunistic: STARTTLS when offered, EHLO again inside TLS, then the message over TLS; the certificate verifies', async () => {
    const s = await serve();
    const r = await send(s);
    expect(r.body.settings).toMatchObject({ tls: 'opportunistic', verify: 'none' });
    expect(r.body.outcome.result).toBe('delivered');
    expect(ids(r)).toEqual(['send.delivered']);
    expect(r.verdict).toBe('pass');
    expect(verbs(s)).toEqual(['EHLO', 'STARTTLS', 'tls:EHLO', 'tls:MAIL', 'tls:RCPT', 'tls:DATA', 'tls:QUIT']);
    expect(s.messages[0]!.secure).toBe(true);
    expect(r.body.session?.tls?.sni).toBe('mx.send.test');
    expect(r.body.session?.certificate).toMatchObject({ trusted: true, nameMatches: true, checkedName: 'mx.send.test' });
  });

  it('--tls opportunistic without STARTTLS: delivered in clear, with the warning', async () => {
    const s = await serve({ starttls: false });
    const r = await send(s);
    expect(r.body.outcome.result).toBe('delivered');
    expect(ids(r)).toEqual(['send.cleartext', 'send.delivered']);
    expect(r.findings.find((f) => f.id === 'send.cleartext')?.facts.why).toBe('the server does not offer STARTTLS');
    expect(s.messages[0]!.secure).toBe(false);
  });

  it('--tls opportunistic with a certificate that does not verify: delivered over TLS, with the warning', async () => {
    const s = await serve();
    const r = await send(s, {}, 'mx.send.test', false);
    expect(r.body.outcome.result).toBe('delivered');
    expect(ids(r)).toEqual(['send.certificate-unverified', 'send.delivered']);
    expect(s.messages[0]!.secure).toBe(true);
  });

  it('--tls opportunistic and a handshake that fails: sent again in clear on a new connection, as MTAs do; --tls required does not send', async () => {
    const s = await serve({ tlsMaxVersion: 'TLSv1' });
    const r = await send(s);
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.session?.tlsFallback).toMatch(/./);
    expect(r.body.session?.tls).toBeNull();
    expect(verbs(s, 1)).toEqual(['EHLO', 'STARTTLS']);
    expect(verbs(s, 2)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
    expect(ids(r)).toEqual(['send.cleartext', 'send.delivered']);
    expect(r.findings.find((f) => f.id === 'send.cleartext')?.facts.why).toMatch(/^the TLS handshake failed \(.+\), so it was sent again without TLS$/);
    expect(schemaErrors(r)).toEqual([]);
    const required = await send(s, { tls: 'required' });
    expect(required.body.outcome).toMatchObject({ result: 'not-sent', cause: 'tls-unavailable' });
    expect(required.body.outcome.reason).toMatch(/^the TLS handshake failed: /);
    // What the server offered in clear is kept: the report shows STARTTLS was there.
    expect(required.body.session?.capabilities).toContain('STARTTLS');
    expect(s.messages).toHaveLength(1);
  });

  it('--tls required --verify name with a trusted certificate for the name: delivered over TLS', async () => {
    const s = await serve();
    const r = await send(s, { tls: 'required', verify: 'name' });
    expect(r.body.outcome.result).toBe('delivered');
    expect(ids(r)).toEqual(['send.delivered']);
    expect(s.messages[0]!.secure).toBe(true);
  });

  it('a server that knows only HELO: --tls opportunistic sends in clear after HELO; --tls required does not send', async () => {
    const s = await serve({ heloOnly: true });
    const r = await send(s);
    expect(r.body.outcome.result).toBe('delivered');
    expect(verbs(s)).toEqual(['EHLO', 'HELO', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
    expect(r.body.session?.steps[1]).toMatchObject({ stage: 'ehlo', command: `EHLO ${HELO} → 502, then HELO ${HELO}`, reply: { code: 250 } });
    expect(ids(r)).toEqual(['send.cleartext', 'send.delivered']);
    const required = await send(s, { tls: 'required' });
    expect(required.body.outcome).toMatchObject({ result: 'not-sent', stage: 'ehlo', cause: 'tls-unavailable', reason: 'STARTTLS is not offered: EHLO was refused (502 5.5.2 Error: command not recognized)' });
    expect(ids(required)).toEqual(['send.tls-unavailable']);
    expect(s.messages).toHaveLength(1);
  });

  it('--tls required without STARTTLS: not sent, no MAIL FROM ever; exit 1', async () => {
    const s = await serve({ starttls: false });
    const r = await send(s, { tls: 'required' });
    expect(r.body.outcome).toMatchObject({ result: 'not-sent', stage: 'starttls', cause: 'tls-unavailable', reason: 'STARTTLS is not offered' });
    expect(ids(r)).toEqual(['send.tls-unavailable']);
    expect(exitCodeFor(r)).toBe(1);
    expect(verbs(s)).toEqual(['EHLO', 'QUIT']);
    expect(s.messages).toEqual([]);
  });

  it('--tls required --verify ca with an untrusted certificate: not sent, nothing after the handshake but QUIT', async () => {
    const s = await serve();
    const r = await send(s, { tls: 'required', verify: 'ca' }, 'mx.send.test', false);
    expect(r.body.outcome).toMatchObject({ result: 'not-sent', stage: 'starttls', cause: 'tls-unavailable' });
    expect(r.body.outcome.reason).toMatch(/^--verify ca: the certificate does not verify \(chain-incomplete: /);
    expect(r.body.session?.certificate?.trusted).toBe(false);
    expect(verbs(s)).toEqual(['EHLO', 'STARTTLS', 'tls:QUIT']);
    expect(s.messages).toEqual([]);
  });

  it('--verify name refuses a trusted certificate for another name; --verify ca takes it', async () => {
    const s = await serve();
    const byName = await send(s, { tls: 'required', verify: 'name' }, 'other.send.test');
    expect(byName.body.outcome).toMatchObject({ result: 'not-sent', cause: 'tls-unavailable', reason: '--verify name: the certificate does not name other.send.test' });
    expect(s.messages).toEqual([]);
    const byCa = await send(s, { tls: 'required', verify: 'ca' }, 'other.send.test');
    expect(byCa.body.outcome.result).toBe('delivered');
    expect(s.messages).toHaveLength(1);
  });

  it('--tls implicit: TLS from the first byte, then the banner; delivered', async () => {
    const s = await serve({ implicit: true });
    const r = await send(s, { tls: 'implicit' });
    expect(r.body.outcome.result).toBe('delivered');
    expect(ids(r)).toEqual(['send.delivered']);
    expect(verbs(s)).toEqual(['tls:EHLO', 'tls:MAIL', 'tls:RCPT', 'tls:DATA', 'tls:QUIT']);
    expect(r.body.session?.steps[0]).toEqual({ stage: 'tls', command: 'TLS handshake (implicit TLS)', reply: null });
  });

  it('a server that refuses connections: the session failed, inconclusive, exit 3', async () => {
    const port = await closedLoopbackPort();
    const r = await sendMessage(
      { target: `127.0.0.1:${port}`, to: [TO], from: FROM, helo: HELO, limits: LIMITS, clock: systemClock, resolver: noDns, connector: createConnector(systemClock), scheduler: createScheduler(), trustStore: createTrustStore([], 'empty') },
      edges,
    );
    expect(r.body.outcome).toMatchObject({ result: 'failed', stage: 'connect' });
    expect(r.body.session?.status).toBe('connection-refused');
    expect(ids(r)).toEqual(['send.failed']);
    expect(exitCodeFor(r)).toBe(3);
  });
});

describe('mxray send: the message on the wire', () => {
  it('bare LF and bare CR in the body become CRLF: never a bare CR or LF on the wire (SMTP smuggling)', async () => {
    const s = await serve();
    const body = 'one\ntwo\rthree\r\nfour\n.\rfive\n\r\n';
    const r = await send(s, { body });
    expect(r.body.outcome.result).toBe('delivered');
    const m = s.messages[0]!;
    expect(onlyCrlf(m.wire)).toBe(true);
    expect(text(m.content).split('\r\n\r\n').slice(1).join('\r\n\r\n')).toBe('one\r\ntwo\r\nthree\r\nfour\r\n.\r\nfive\r\n\r\n');
  });

  it('DATA: lines that start with a dot are doubled on the wire and come out whole', async () => {
    const s = await serve();
    await send(s, { body: '.\n..two\n.three\nend\n' });
    const m = s.messages[0]!;
    expect(m.method).toBe('DATA');
    expect(text(m.wire)).toContain('\r\n..\r\n...two\r\n..three\r\nend\r\n.\r\n');
    expect(text(m.content).endsWith('\r\n\r\n.\r\n..two\r\n.three\r\nend\r\n')).toBe(true);
  });

  it('BDAT when CHUNKING is offered: no dot-stuffing, exactly the message bytes', async () => {
    const s = await serve({ chunking: true, pipelining: true });
    const r = await send(s, { body: '.\n..two\nend\n' });
    expect(r.body.outcome.result).toBe('delivered');
    const m = s.messages[0]!;
    expect(m.method).toBe('BDAT');
    expect(m.wire.equals(m.content)).toBe(true);
    expect(text(m.content).endsWith('\r\n\r\n.\r\n..two\r\nend\r\n')).toBe(true);
    expect(verbs(s)).toEqual(['EHLO', 'STARTTLS', 'tls:EHLO', 'tls:MAIL', 'tls:RCPT', 'tls:BDAT', 'tls:QUIT']);
    expect(r.body.session?.extensionsUsed).toEqual(['CHUNKING']);
  });

  it('PIPELINING: MAIL, RCPT and DATA in one go; the message after the 354', async () => {
    const s = await serve({ pipelining: true });
    const r = await send(s, { to: [TO, 'second@send.test'] });
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.session?.extensionsUsed).toEqual(['PIPELINING']);
    expect(s.messages[0]!.rcptTo).toEqual([TO, 'second@send.test']);
    expect(r.body.session?.steps.map((st) => st.stage)).toEqual(['banner', 'ehlo', 'starttls', 'ehlo', 'mail', 'rcpt', 'rcpt', 'data', 'message']);
  });

  it('one recipient refused: delivered to the other, the refusal kept', async () => {
    const s = await serve({ refuse: { rcpt: { 'nobody@send.test': '550 5.1.1 User unknown' } } });
    const r = await send(s, { to: ['nobody@send.test', TO] });
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.outcome.refusedRecipients.map((x) => x.address)).toEqual(['nobody@send.test']);
    expect(s.messages[0]!.rcptTo).toEqual([TO]);
  });

  it('every recipient refused: refused at RCPT TO, no DATA', async () => {
    const s = await serve({ refuse: { rcpt: { [TO]: '550 5.1.1 User unknown' } } });
    const r = await send(s);
    expect(r.body.outcome).toMatchObject({ result: 'refused', stage: 'rcpt' });
    expect(ids(r)).toEqual(['send.refused']);
    expect(verbs(s)).not.toContain('tls:DATA');
    expect(exitCodeFor(r)).toBe(1);
  });

  it('a line over 998 octets in the body: refused before any connection (exit 2)', async () => {
    const s = await serve();
    await expect(send(s, { body: `${'x'.repeat(999)}\n` })).rejects.toThrow(UsageError);
    await expect(send(s, { body: `${'x'.repeat(999)}\n` })).rejects.toThrow(/^--body: line 1 is 999 octets long, more than the 998 SMTP allows/);
    expect(s.received).toEqual([]);
  });

  it('a header over 998 octets is folded at a space; each line on the wire within 998', async () => {
    const s = await serve();
    const value = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const r = await send(s, { headers: [`X-Long: ${value}`] });
    expect(r.body.message.foldedHeaders).toBe(1);
    const lines = text(s.messages[0]!.content).split('\r\n');
    expect(Math.max(...lines.map((l) => Buffer.byteLength(l)))).toBeLessThanOrEqual(998);
    const start = lines.findIndex((l) => l.startsWith('X-Long: '));
    expect(lines[start + 1]).toMatch(/^ word\d+/);
    // Unfolded (RFC 5322 §2.2.3), the header is the value given.
    const unfolded = lines.slice(start).join('\r\n').split(/\r\n(?![ \t])/)[0]!.replace(/\r\n(?=[ \t])/g, '');
    expect(unfolded).toBe(`X-Long: ${value}`);
  });

  it('--header with CR or LF is refused (exit 2), before any connection', async () => {
    const s = await serve();
    await expect(send(s, { headers: ['X-A: b\r\nBcc: x@evil.test'] })).rejects.toThrow(/contains CR, LF or NUL/);
    await expect(send(s, { headers: ['X-A: b\nBcc: x@evil.test'] })).rejects.toThrow(UsageError);
    expect(s.received).toEqual([]);
  });

  it('8-bit text without 8BITMIME: not sent (no MAIL FROM); with 8BITMIME: BODY=8BITMIME and the bytes as they are', async () => {
    const without = await serve({ eightBitMime: false });
    const r1 = await send(without, { body: 'Grüße\n' });
    expect(r1.body.outcome).toMatchObject({ result: 'not-sent', stage: 'ehlo', cause: 'extension-missing' });
    expect(ids(r1)).toEqual(['send.extension-missing']);
    expect(r1.findings[0]!.facts.extension).toBe('8BITMIME');
    expect(without.messages).toEqual([]);
    expect(verbs(without)).not.toContain('tls:MAIL');

    const withIt = await serve({ eightBitMime: true });
    const r2 = await send(withIt, { body: 'Grüße\n' });
    expect(r2.body.outcome.result).toBe('delivered');
    expect(withIt.messages[0]!.mailFrom).toBe(`MAIL FROM:<${FROM}> BODY=8BITMIME`);
    expect(text(withIt.messages[0]!.content).endsWith('\r\n\r\nGrüße\r\n')).toBe(true);
    expect(headerOf(withIt.messages[0]!.content, 'Content-Transfer-Encoding')).toBe('8bit');
  });

  it('a non-ASCII address: SMTPUTF8 on MAIL FROM when offered; not sent without it', async () => {
    const without = await serve({ smtputf8: false, eightBitMime: true });
    const r1 = await send(without, { to: ['jürgen@send.test'] });
    expect(r1.body.outcome).toMatchObject({ result: 'not-sent', cause: 'extension-missing' });
    expect(r1.findings[0]?.facts.extension).toBe('SMTPUTF8');
    expect(without.messages).toEqual([]);
    const withIt = await serve({ smtputf8: true, eightBitMime: true });
    const r2 = await send(withIt, { to: ['jürgen@send.test'] });
    expect(r2.body.outcome.result).toBe('delivered');
    expect(withIt.messages[0]!.mailFrom).toBe(`MAIL FROM:<${FROM}> BODY=8BITMIME SMTPUTF8`);
    expect(withIt.messages[0]!.rcptTo).toEqual(['jürgen@send.test']);
  });

  it('SIZE= on MAIL FROM when SIZE is offered; --size beyond the limit meets the 552', async () => {
    const s = await serve({ size: 4000 });
    const ok = await send(s, { size: 3000 });
    expect(ok.body.outcome.result).toBe('delivered');
    expect(s.messages[0]!.mailFrom).toBe(`MAIL FROM:<${FROM}> SIZE=3000`);
    expect(s.messages[0]!.content.length).toBe(3000);

    const big = await send(s, { size: 5000 });
    expect(big.body.outcome).toMatchObject({ result: 'refused', stage: 'mail' });
    expect(big.body.outcome.reply?.code).toBe(552);
    expect(ids(big)).toEqual(['send.refused', 'send.too-large']);
    expect(big.findings.find((f) => f.id === 'send.too-large')?.facts.limit).toBe('4000 bytes (SIZE in the EHLO reply)');
  });

  it('a 552 at the end of the data (no SIZE= check on MAIL): refused at the message', async () => {
    const s = await serve({ refuse: { message: '552 5.3.4 Message too big for system' } });
    const r = await send(s, { size: 2000 });
    expect(r.body.outcome).toMatchObject({ result: 'refused', stage: 'message' });
    expect(ids(r)).toEqual(['send.refused', 'send.too-large']);
  });

  it('every message gets its own Message-ID', async () => {
    const s = await serve();
    const a = await send(s);
    const b = await send(s);
    expect(a.body.message.messageId).not.toBe(b.body.message.messageId);
    expect(s.messages.map((m) => headerOf(m.content, 'Message-ID'))).toEqual([a.body.message.messageId, b.body.message.messageId]);
  });

  it('--data: the whole message as given, with X-Mxray-Test and a Message-ID added; its own Message-ID kept', async () => {
    const s = await serve();
    const r = await send(s, { data: Buffer.from('From: a@b.test\nSubject: from a file\nMessage-ID: <own@b.test>\n\nbody\n.\n') });
    expect(r.body.message).toMatchObject({ source: 'file', messageId: '<own@b.test>', subject: 'from a file' });
    expect(text(s.messages[0]!.content)).toBe(`X-Mxray-Test: ${r.body.message.testId}\r\nFrom: a@b.test\r\nSubject: from a file\r\nMessage-ID: <own@b.test>\r\n\r\nbody\r\n.\r\n`);
  });
});

describe('mxray send: AUTH', () => {
  const SECRET = 'S3cr3t-Pa55-Wörd';
  const TOKEN = 'ya29.mxray-test-token-0123456789';

  function noSecret(r: SendReport, secret: string): void {
    const outputs = [JSON.stringify(r), renderText(r, { verbose: true }), renderMarkdown(r, { verbose: true }), renderHtml(r, { verbose: true })];
    for (const out of outputs) {
      expect(out).not.toContain(secret);
      expect(out).not.toContain(Buffer.from(secret).toString('base64'));
    }
  }

  for (const mechanism of ['PLAIN', 'LOGIN', 'CRAM-MD5'] as const) {
    it(`AUTH ${mechanism} inside TLS: logged in, delivered; the secret nowhere in the report`, async () => {
      const s = await serve({ auth: ['PLAIN', 'LOGIN', 'CRAM-MD5'], credentials: { user: 'alice', password: SECRET } });
      const r = await send(s, { tls: 'required', auth: { user: 'alice', secret: SECRET, mechanism, allowCleartext: false } });
      expect(r.body.outcome.result).toBe('delivered');
      expect(s.logins).toEqual([{ conn: 1, mechanism, ok: true, secure: true }]);
      expect(r.body.session?.steps.find((x) => x.stage === 'auth')?.reply?.code).toBe(235);
      noSecret(r, SECRET);
    });
  }

  it('without a mechanism named: the best one offered (PLAIN)', async () => {
    const s = await serve({ auth: ['LOGIN', 'PLAIN'], credentials: { user: 'alice', password: SECRET } });
    const r = await send(s, { auth: { user: 'alice', secret: SECRET, mechanism: null, allowCleartext: false } });
    expect(r.body.outcome.result).toBe('delivered');
    expect(s.logins.map((l) => l.mechanism)).toEqual(['PLAIN']);
  });

  it('XOAUTH2 with a token: delivered; a bad token gets the empty line and the final 535; neither token in the report', async () => {
    const s = await serve({ auth: ['XOAUTH2'], credentials: { user: 'alice@send.test', token: TOKEN } });
    const ok = await send(s, { auth: { user: 'alice@send.test', secret: TOKEN, mechanism: 'XOAUTH2', allowCleartext: false } });
    expect(ok.body.outcome.result).toBe('delivered');
    noSecret(ok, TOKEN);
    const bad = await send(s, { auth: { user: 'alice@send.test', secret: 'wrong-token-xyz', mechanism: 'XOAUTH2', allowCleartext: false } });
    expect(bad.body.outcome).toMatchObject({ result: 'refused', stage: 'auth' });
    expect(ids(bad)).toEqual(['send.auth-failed']);
    expect(s.received.filter((x) => x.conn === 2).map((x) => x.line).at(-2)).toBe('');
    noSecret(bad, 'wrong-token-xyz');
  });

  it("Exchange Online's 535 5.7.139: the login refused, and why", async () => {
    const s = await serve({ auth: ['LOGIN'], credentials: { user: 'alice', password: 'other' }, authFailure: '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.' });
    const r = await send(s, { auth: { user: 'alice', secret: SECRET, mechanism: null, allowCleartext: false } });
    expect(r.body.outcome).toMatchObject({ result: 'refused', stage: 'auth' });
    expect(ids(r)).toEqual(['send.auth-failed', 'send.exo-smtp-auth-disabled']);
    expect(r.findings.find((f) => f.id === 'send.auth-failed')?.facts.mechanism).toBe('LOGIN');
    expect(verbs(s)).not.toContain('tls:MAIL');
    noSecret(r, SECRET);
  });

  it("530 5.7.57 to MAIL FROM (Exchange Online without a login): refused, explained", async () => {
    const s = await serve({ refuse: { mail: '530 5.7.57 Client not authenticated to send mail. [AM0PR01CA0001.eurprd01.prod.exchangelabs.com]' } });
    const r = await send(s);
    expect(ids(r)).toEqual(['send.auth-required', 'send.refused']);
  });

  it('AUTH is never sent in clear text: not sent; with --allow-cleartext-auth it is', async () => {
    const s = await serve({ starttls: false, auth: ['PLAIN'], authInClear: true, credentials: { user: 'alice', password: SECRET } });
    const r = await send(s, { auth: { user: 'alice', secret: SECRET, mechanism: null, allowCleartext: false } });
    expect(r.body.outcome).toMatchObject({ result: 'not-sent', stage: 'auth', cause: 'cleartext-auth' });
    expect(ids(r)).toEqual(['send.cleartext-auth-refused']);
    expect(r.findings[0]?.facts.mechanism).toBe('PLAIN');
    expect(verbs(s)).toEqual(['EHLO', 'QUIT']);
    expect(s.logins).toEqual([]);
    const allowed = await send(s, { auth: { user: 'alice', secret: SECRET, mechanism: null, allowCleartext: true } });
    expect(allowed.body.outcome.result).toBe('delivered');
    expect(s.logins).toEqual([{ conn: 2, mechanism: 'PLAIN', ok: true, secure: false }]);
    noSecret(allowed, SECRET);
  });

  it('no usable mechanism: not sent', async () => {
    const s = await serve({ auth: ['GSSAPI'] });
    const r = await send(s, { auth: { user: 'alice', secret: SECRET, mechanism: null, allowCleartext: false } });
    expect(r.body.outcome).toMatchObject({ result: 'not-sent', stage: 'auth', cause: 'auth-unavailable' });
    expect(r.findings[0]?.facts).toMatchObject({ wanted: 'PLAIN or LOGIN or CRAM-MD5', offered: 'GSSAPI' });
  });
});

describe('mxray send: REQUIRETLS and --count', () => {
  it('--requiretls: REQUIRETLS on MAIL FROM when offered (and implies --tls required --verify name)', async () => {
    const s = await serve({ requireTls: true });
    const r = await send(s, { requireTls: true });
    expect(r.body.settings).toMatchObject({ tls: 'required', verify: 'name', requireTls: true });
    expect(r.body.outcome.result).toBe('delivered');
    expect(s.messages[0]!.mailFrom).toBe(`MAIL FROM:<${FROM}> REQUIRETLS`);
  });

  it('--requiretls when the server does not offer it: not sent', async () => {
    const s = await serve({ requireTls: false });
    const r = await send(s, { requireTls: true });
    expect(r.body.outcome).toMatchObject({ result: 'not-sent', cause: 'extension-missing' });
    expect(r.findings[0]?.facts.extension).toBe('REQUIRETLS');
    expect(s.messages).toEqual([]);
  });

  it('--requiretls with --tls opportunistic: a usage error', async () => {
    const s = await serve();
    await expect(send(s, { requireTls: true, tls: 'opportunistic' })).rejects.toThrow(/--requiretls needs --tls required/);
  });

  it('--count 10 --concurrency 3: ten messages over three sessions, each with its own Message-ID; the figures', async () => {
    const s = await serve({ pipelining: true });
    const r = await send(s, { count: 10, concurrency: 3 });
    expect(schemaErrors(r)).toEqual([]);
    expect(s.messages).toHaveLength(10);
    expect(new Set(s.messages.map((m) => m.conn)).size).toBe(3);
    const idsSeen = s.messages.map((m) => headerOf(m.content, 'Message-ID'));
    expect(new Set(idsSeen).size).toBe(10);
    expect(r.body.load).toMatchObject({ count: 10, concurrency: 3, delivered: 10, refused: 0, failed: 0, firstFailure: null });
    expect(r.body.load?.latencyMs?.max).toBeGreaterThanOrEqual(r.body.load?.latencyMs?.p50 ?? Infinity);
    expect(ids(r)).toEqual(['send.delivered', 'send.load']);
  });

  it('the figures come from the injected clock: 5 ms per message, one session → p50 = max = 5 ms, 200 messages/s', async () => {
    const clock = fixedClock(Date.UTC(2026, 10, 29, 9, 0, 0));
    const s = await serve({ onMessage: () => clock.advance(5) });
    const r = await send(s, { count: 4, concurrency: 1, clock });
    expect(r.body.load).toEqual({ count: 4, concurrency: 1, delivered: 4, refused: 0, failed: 0, elapsedMs: 20, messagesPerSecond: 200, latencyMs: { p50: 5, p90: 5, p99: 5, max: 5 }, firstFailure: null });
    expect(r.startedAt).toBe('2026-11-29T09:00:00.000Z');
    expect(r.findings.find((f) => f.id === 'send.load')?.title).toBe(
      `mx.send.test[127.0.0.1]:${s.port}: 4 of 4 messages delivered over 1 session: 200 messages/s (latency p50 5 ms, p90 5 ms, p99 5 ms, max 5 ms)`,
    );
  });

  it('a server that never answers the end of the data: the session fails with io-timeout, the other messages never tried; the run fails (exit 1)', async () => {
    const s = await serve({ stallAfter: 0 });
    const r = await send(s, { count: 3, concurrency: 1, limits: { ...LIMITS, commandTimeoutMs: 500 } });
    expect(r.body.session?.status).toBe('io-timeout');
    expect(r.body.outcome).toMatchObject({ result: 'failed', stage: 'data' });
    expect(r.body.load).toMatchObject({ count: 3, delivered: 0, refused: 0, failed: 3 });
    expect(ids(r)).toEqual(['send.failed', 'send.load', 'send.load-failures']);
    expect(exitCodeFor(r)).toBe(1);
    expect(s.messages).toHaveLength(1);
  });

  it('--count with refusals: counted, and the run fails', async () => {
    const s = await serve({ refuse: { message: '451 4.3.0 Try again later' } });
    const r = await send(s, { count: 4, concurrency: 2 });
    expect(r.body.load).toMatchObject({ count: 4, delivered: 0, refused: 4, failed: 0 });
    expect(ids(r)).toEqual(['send.deferred', 'send.load', 'send.load-failures']);
    expect(exitCodeFor(r)).toBe(1);
  });

  it('--concurrency above --count: a usage error', async () => {
    const s = await serve();
    await expect(send(s, { count: 2, concurrency: 3 })).rejects.toThrow(/--concurrency 3 is more than --count 2/);
  });
});

describe('mxray send against smtp-server (nodemailer), an SMTP server written by others', () => {
  it('STARTTLS, AUTH PLAIN, PIPELINING and 8BITMIME as smtp-server offers them: it stores exactly the message we composed', async () => {
    const { SMTPServer } = await import('smtp-server');
    const stored: { bytes: Buffer; user: string | undefined; secure: boolean; mailFrom: string; params: Record<string, unknown> }[] = [];
    const server = new SMTPServer({
      key: tlsKey.key,
      cert: tlsKey.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      size: 1_000_000,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'bob' && auth.password === 'hunter2-at-smtp-server') callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const from = session.envelope.mailFrom;
          stored.push({
            bytes: Buffer.concat(chunks),
            user: session.user as string | undefined,
            secure: session.secure,
            mailFrom: from ? from.address : '',
            params: from ? (from.args as Record<string, unknown>) : {},
          });
          callback(null, 'Message queued as SMTPSERVER1');
        });
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as { port: number }).port;
    try {
      const hostMap = new Map([['mx.send.test', { address: '127.0.0.1', port }]]);
      const r = await sendMessage(
        {
          target: `mx.send.test:${port}`,
          to: [TO],
          from: FROM,
          helo: HELO,
          body: 'Grüße\n.leading dot\n..two\nbare CR\rend\n',
          tls: 'required',
          verify: 'name',
          auth: { user: 'bob', secret: 'hunter2-at-smtp-server', mechanism: null, allowCleartext: false },
          limits: LIMITS,
          hostMap,
          clock: systemClock,
          resolver: noDns,
          connector: createConnector(systemClock),
          scheduler: createScheduler(),
          trustStore: createTrustStore([ca.cert.certPem], 'test root'),
        },
        edges,
      );
      expect(r.body.outcome).toMatchObject({ result: 'delivered', queueId: 'SMTPSERVER1' });
      expect(r.body.session?.extensionsUsed).toEqual(['8BITMIME', 'PIPELINING', 'SIZE']);
      expect(stored).toHaveLength(1);
      const got = stored[0]!;
      expect(got).toMatchObject({ user: 'bob', secure: true, mailFrom: FROM });
      expect(got.params).toMatchObject({ BODY: '8BITMIME', SIZE: String(r.body.message.bytes) });
      expect(got.bytes.length).toBe(r.body.message.bytes);
      expect(onlyCrlf(got.bytes)).toBe(true);
      expect(text(got.bytes).split('\r\n\r\n').slice(1).join('\r\n\r\n')).toBe('Grüße\r\n.leading dot\r\n..two\r\nbare CR\r\nend\r\n');
      expect(headerOf(got.bytes, 'Message-ID')).toBe(r.body.message.messageId);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('mxray send: a hostile server', () => {
  const HOSTILE = '<script>alert(1)</script> | `x` \u001b[31mred\u202e';

  it('its replies and extensions are escaped in text, HTML and Markdown; the report reads back through mxray report', async () => {
    const { parseSavedReport } = await import('../../src/core/saved-report.js');
    const s = await serve({ accepted: `250 2.0.0 Ok: queued as EVIL ${HOSTILE}`, refuse: { rcpt: { 'x@send.test': `550 5.1.1 ${HOSTILE}` } } });
    const r = await send(s, { to: ['x@send.test', TO] });
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.outcome.queueId).toBe('EVIL');
    const text = renderText(r, { verbose: true, width: 200 });
    expect(text).not.toMatch(/[\u001b\u202e]/);
    expect(text).toContain('\\x1b[31mred');
    const html = renderHtml(r, { verbose: true, explain: true });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/[\u001b\u202e]/);
    const md = renderMarkdown(r, { verbose: true, explain: true });
    // Outside code fences (the transcript is one, shown as written) no markup of the server's.
    expect(md.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '')).not.toContain('<script>');
    expect(md).toContain('\\<script\\>alert(1)');
    expect(parseSavedReport(JSON.stringify(r), 'saved.json')).toEqual(r);
  });
});
