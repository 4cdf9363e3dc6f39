// One session of `mxray send` (probeSend), for the corners of its per-message loop the mutation run
// found unguarded: the exact steps of the first message (pipelined, BDAT, DATA), the first message
// taken as given and the others made when sent, the next envelope sent ahead with the message before
// it (and what its latency then counts), refusals at each stage with and without PIPELINING, the
// refused recipients kept (at most 100), RSET after a refused DATA and only then, the messages never
// tried when the session broke, the catch block's outcome (TLS required, implicit, opportunistic), the
// capabilities kept when it broke, and the evidence (this connection's events of this session only).
// The shown AUTH command of each mechanism is here too. Loopback only; every server a test starts,
// the test stops.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import type { Clock, Limits, ProbeContext, Resolver } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';
import type { ReplyFacts, SendSession } from '../../src/core/schema.js';
import { Transcript } from '../../src/core/transcript.js';
import { reply, startScriptedServer, verbOf, type ScriptActions } from '../../src/demo/scripted-server.js';
import { createRootCa } from '../../src/demo/test-pki.js';
import { mergeLimits } from '../../src/jobs/job-run.js';
import type { ComposedMessage } from '../../src/jobs/send/compose.js';
import { probeSend, type MessageSource, type SendAuth, type SendPlan, type SessionResult } from '../../src/jobs/send/probe-send.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { startSendServer, type SendServer, type SendServerPlan } from '../helpers/send-server.js';

const HELO = 'client.mxray.test';
const FROM = 'sender@client.mxray.test';
const TO = 'rcpt@send.test';
const CONN = 'mx.send.test[127.0.0.1]/send';
const NOW = Date.UTC(2026, 10, 29, 9, 0, 0);
const LIMITS: Partial<Limits> = { connectTimeoutMs: 3000, greetingTimeoutMs: 3000, commandTimeoutMs: 3000, tlsTimeoutMs: 3000 };

let tlsKey: { key: string; cert: string };
beforeAll(async () => {
  const ca = await createRootCa('mxray send probe test root', Date.now());
  const leaf = await ca.issue({ commonName: 'mx.send.test', dnsNames: ['mx.send.test'] });
  tlsKey = { key: leaf.keyPem, cert: leaf.certPem };
});

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function serve(plan: SendServerPlan = {}): Promise<SendServer> {
  const s = await startSendServer(plan, tlsKey);
  stops.push(() => s.stop());
  return s;
}

// ---- a local server for what the fixture cannot do: refuse one message's stage, close mid-session

interface LocalPolicy {
  /** EHLO keywords after the name (default PIPELINING). */
  caps?: string[];
  starttls?: boolean;
  /** The reply to the nth MAIL FROM of a connection (1-based); 'close': close without one. Default 250. */
  mail?: (n: number) => string | undefined;
  /** The reply to the nth DATA (default 354). */
  data?: (n: number) => string | undefined;
  /** The reply to the end of the nth message's data (default 250 … queued as Qn); close after it when asked. */
  end?: (n: number) => { reply: string; close?: boolean } | undefined;
  /** The reply to RSET (default 250); 'close': close without one. */
  rset?: string;
}

interface LocalServer {
  port: number;
  received: { conn: number; line: string; secure: boolean }[];
  messages: string[];
}

async function local(policy: LocalPolicy): Promise<LocalServer> {
  const received: LocalServer['received'] = [];
  const messages: string[] = [];
  const line = (text: string): ScriptActions => {
    if (text === 'close') return [{ type: 'close' }];
    const m = /^(\d{3}) (.*)$/.exec(text) as RegExpExecArray;
    return [reply(Number(m[1]), m[2]!)];
  };
  const scripted = await startScriptedServer(
    () => {
      let mails = 0;
      let datas = 0;
      let wire = Buffer.alloc(0);
      return {
        greeting: () => [reply(220, 'mx.local.test ESMTP')],
        command: (text, c) => {
          received.push({ conn: c.id, line: text, secure: c.secure });
          switch (verbOf(text)) {
            case 'EHLO':
              return [reply(250, 'mx.local.test', ...(policy.caps ?? ['PIPELINING']), ...(policy.starttls && !c.secure ? ['STARTTLS'] : []))];
            case 'STARTTLS':
              return [reply(220, '2.0.0 Ready to start TLS'), { type: 'starttls' }];
            case 'MAIL':
              return line(policy.mail?.(++mails) ?? '250 2.1.0 Ok');
            case 'RCPT':
              return [reply(250, '2.1.5 Ok')];
            case 'DATA': {
              const refused = policy.data?.(++datas);
              if (refused) return line(refused);
              wire = Buffer.alloc(0);
              return [reply(354, 'End data with <CR><LF>.<CR><LF>'), { type: 'raw' }];
            }
            case 'RSET':
              return line(policy.rset ?? '250 2.0.0 Ok');
            case 'QUIT':
              return [reply(221, '2.0.0 Bye'), { type: 'close' }];
            default:
              return [reply(502, '5.5.2 Error: command not recognized')];
          }
        },
        data: (chunk) => {
          wire = Buffer.concat([wire, chunk]);
          const end = wire.indexOf('\r\n.\r\n');
          if (end === -1) return [];
          messages.push(wire.subarray(0, end + 2).toString('latin1'));
          const rest = wire.subarray(end + 5);
          const n = messages.length;
          const e = policy.end?.(n) ?? { reply: `250 2.0.0 Ok: queued as Q${n}` };
          return e.close ? [...line(e.reply), { type: 'close' }] : [...line(e.reply), { type: 'lines', ...(rest.length ? { rest } : {}) }];
        },
        error: () => undefined,
      };
    },
    { address: '127.0.0.1', tls: { key: tlsKey.key, cert: tlsKey.cert } },
  );
  stops.push(() => scripted.stop());
  return { port: scripted.port, received, messages };
}

// ---- probeSend with an in-test context, plan and messages

const noDns: Resolver = {
  description: 'in-test resolver',
  mx: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'MX')),
  a: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'A')),
  aaaa: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'AAAA')),
  cname: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'CNAME')),
  txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
};

function context(clock: Clock = fixedClock(NOW)): ProbeContext {
  return { clock, resolver: noDns, connector: createConnector(systemClock), transcript: new Transcript(clock), limits: mergeLimits(LIMITS), hostMap: new Map() };
}

/** Message n (1-based): its own bytes, so the server shows which one it got. */
function msg(n: number, eightBit = false): ComposedMessage {
  const bytes = Buffer.from(`Message-ID: <m${n}@client.mxray.test>\r\nSubject: ${n}\r\n\r\n${eightBit ? 'Gr\u00fc\u00dfe' : 'hello'} ${n}\r\n`, eightBit ? 'latin1' : 'utf8');
  return { bytes, messageId: `<m${n}@client.mxray.test>`, testId: `t${n}`, subject: String(n), eightBit, utf8: false, foldedHeaders: 0, source: 'composed' };
}

/** `count` messages; `asked` lists the indexes get() was called with. */
function source(count: number, eightBit = false): MessageSource & { asked: number[] } {
  const asked: number[] = [];
  return {
    count,
    first: msg(1, eightBit),
    get: (i) => {
      asked.push(i);
      return msg(i + 1, eightBit);
    },
    asked,
  };
}

function plan(extra: Partial<SendPlan> = {}): SendPlan {
  return { helo: HELO, from: FROM, to: [TO], tls: 'none', verify: 'none', requireTls: false, auth: null, clientCertificate: null, trustStore: createTrustStore([], 'empty'), now: NOW, domain: null, ...extra };
}

function probe(port: number, p: SendPlan, messages: MessageSource, ctx = context(), recordSteps = true): Promise<SessionResult> {
  return probeSend(ctx, { address: '127.0.0.1', port, serverName: null, conn: CONN }, p, messages, { recordSteps, maxMessageBytes: 10 * 1024 * 1024 });
}

const steps = (s: SendSession) => s.steps.map((x) => [x.stage, x.command, x.reply?.code ?? null]);
const verbs = (lines: readonly { conn: number; line: string; secure: boolean }[], conn = 1) => lines.filter((r) => r.conn === conn).map((r) => `${r.secure ? 'tls:' : ''}${r.line.split(/[ :]/)[0]!.toUpperCase()}`);
const rep = (code: number, enhanced: string | null, text: string): ReplyFacts => ({ code, enhanced, lines: [text] });
const delivered = (n: number, stage: 'message' = 'message', refusedRecipients: { address: string; reply: ReplyFacts }[] = []) => ({
  result: 'delivered',
  stage,
  reply: rep(250, '2.0.0', `2.0.0 Ok: queued as 4X${n}QUEUE`),
  reason: `accepted: 250 2.0.0 Ok: queued as 4X${n}QUEUE`,
  cause: null,
  queueId: `4X${n}QUEUE`,
  refusedRecipients,
});

describe('probeSend: the first message is the one given, the others are made when sent; steps for the first only', () => {
  it('DATA without PIPELINING, three messages: get(1) and get(2) only, each message as made, the steps of the first, each latency on the injected clock', async () => {
    const clock = fixedClock(NOW);
    const s = await serve({ onMessage: () => clock.advance(5) });
    const m = source(3);
    const r = await probe(s.port, plan(), m, context(clock));
    expect(m.asked).toEqual([1, 2]);
    expect(s.messages.map((x) => x.content.toString('latin1'))).toEqual([1, 2, 3].map((n) => msg(n).bytes.toString('latin1')));
    expect(r.messages).toEqual([1, 2, 3].map((n) => ({ outcome: delivered(n), latencyMs: 5 })));
    const n = msg(1).bytes.length;
    expect(steps(r.session)).toEqual([
      ['banner', '(greeting)', 220],
      ['ehlo', `EHLO ${HELO}`, 250],
      ['mail', `MAIL FROM:<${FROM}>`, 250],
      ['rcpt', `RCPT TO:<${TO}>`, 250],
      ['message', `DATA (354), then the message: ${n} bytes`, 250],
    ]);
    expect(verbs(s.received)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA', 'MAIL', 'RCPT', 'DATA', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
    expect(r.session.extensionsUsed).toEqual([]);
  });
});

describe('probeSend with PIPELINING: the envelope in one go, the next one sent ahead with the message before it', () => {
  it('two messages: one step per command for the first, the second envelope after the first message; its latency counts from then', async () => {
    const clock = fixedClock(NOW);
    const s = await serve({ pipelining: true, size: 100000, eightBitMime: true, onMessage: () => clock.advance(5) });
    const m = source(2, true);
    const r = await probe(s.port, plan({ to: [TO, 'second@send.test'] }), m, context(clock));
    expect(m.asked).toEqual([1]);
    expect(s.messages.map((x) => x.content.toString('latin1'))).toEqual([1, 2].map((n) => msg(n, true).bytes.toString('latin1')));
    // The second MAIL FROM went out with the first message's data (clock 0), its reply came at 10.
    expect(r.messages).toEqual([
      { outcome: delivered(1), latencyMs: 5 },
      { outcome: delivered(2), latencyMs: 10 },
    ]);
    const n = msg(1, true).bytes.length;
    expect(steps(r.session)).toEqual([
      ['banner', '(greeting)', 220],
      ['ehlo', `EHLO ${HELO}`, 250],
      ['mail', `MAIL FROM:<${FROM}> SIZE=${n} BODY=8BITMIME`, 250],
      ['rcpt', `RCPT TO:<${TO}>`, 250],
      ['rcpt', 'RCPT TO:<second@send.test>', 250],
      ['data', 'DATA', 354],
      ['message', `(message: ${n} bytes)`, 250],
    ]);
    expect(r.session.steps[3]!.reply).toEqual(rep(250, '2.1.5', '2.1.5 Ok'));
    expect(verbs(s.received)).toEqual(['EHLO', 'MAIL', 'RCPT', 'RCPT', 'DATA', 'MAIL', 'RCPT', 'RCPT', 'DATA', 'QUIT']);
    expect(s.received.filter((x) => verbOf(x.line) === 'MAIL').map((x) => x.line)).toEqual([`MAIL FROM:<${FROM}> SIZE=${n} BODY=8BITMIME`, `MAIL FROM:<${FROM}> SIZE=${n} BODY=8BITMIME`]);
    expect(r.session.extensionsUsed).toEqual(['8BITMIME', 'PIPELINING', 'SIZE']);
  });

  it('one message: no envelope sent after it; MAIL FROM without parameters; the message step', async () => {
    const s = await serve({ pipelining: true });
    const m = source(1);
    const r = await probe(s.port, plan(), m);
    expect(m.asked).toEqual([]);
    expect(r.messages).toEqual([{ outcome: delivered(1), latencyMs: 0 }]);
    expect(steps(r.session)).toEqual([
      ['banner', '(greeting)', 220],
      ['ehlo', `EHLO ${HELO}`, 250],
      ['mail', `MAIL FROM:<${FROM}>`, 250],
      ['rcpt', `RCPT TO:<${TO}>`, 250],
      ['data', 'DATA', 354],
      ['message', `(message: ${msg(1).bytes.length} bytes)`, 250],
    ]);
    expect(verbs(s.received)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
  });

  it('MAIL FROM refused: refused at MAIL, nothing delivered', async () => {
    const s = await serve({ pipelining: true, refuse: { mail: '550 5.7.1 Sender rejected' } });
    const r = await probe(s.port, plan(), source(1));
    expect(r.messages).toEqual([
      { outcome: { result: 'refused', stage: 'mail', reply: rep(550, '5.7.1', '5.7.1 Sender rejected'), reason: 'refused MAIL FROM: 550 5.7.1 Sender rejected', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null },
    ]);
    expect(s.messages.map((x) => x.content.length)).toEqual([0]);
  });

  it('one recipient of two refused: delivered to the other, the refusal kept with its reply', async () => {
    const s = await serve({ pipelining: true, refuse: { rcpt: { 'nobody@send.test': '550 5.1.1 User unknown' } } });
    const r = await probe(s.port, plan({ to: ['nobody@send.test', TO] }), source(1));
    expect(r.messages).toEqual([{ outcome: delivered(1, 'message', [{ address: 'nobody@send.test', reply: rep(550, '5.1.1', '5.1.1 User unknown') }]), latencyMs: 0 }]);
    expect(s.messages[0]!.rcptTo).toEqual([TO]);
  });

  it('every recipient refused (101 of them): refused at RCPT, the first 100 refusals kept', async () => {
    const to = Array.from({ length: 101 }, (_, i) => `r${i}@send.test`);
    const s = await serve({ pipelining: true, refuse: { rcpt: Object.fromEntries(to.map((t) => [t, '550 5.1.1 User unknown'])) } });
    const r = await probe(s.port, plan({ to }), source(1));
    const no = rep(550, '5.1.1', '5.1.1 User unknown');
    expect(r.messages).toEqual([
      {
        outcome: { result: 'refused', stage: 'rcpt', reply: no, reason: 'refused every recipient: 550 5.1.1 User unknown', cause: null, queueId: null, refusedRecipients: to.slice(0, 100).map((address) => ({ address, reply: no })) },
        latencyMs: null,
      },
    ]);
  });

  it('DATA refused: refused at DATA', async () => {
    const s = await serve({ pipelining: true, refuse: { data: '554 5.5.1 Error: no valid recipients' } });
    const r = await probe(s.port, plan(), source(1));
    expect(r.messages).toEqual([
      { outcome: { result: 'refused', stage: 'data', reply: rep(554, '5.5.1', '5.5.1 Error: no valid recipients'), reason: 'refused DATA: 554 5.5.1 Error: no valid recipients', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null },
    ]);
    expect(s.messages).toEqual([]);
  });

  it('the first message refused and the DATA sent ahead for the second refused too: no RSET, each its own refusal', async () => {
    const s = await local({ end: () => ({ reply: '554 5.7.1 Spam' }), data: (n) => (n === 2 ? '451 4.3.0 Try later' : undefined) });
    const r = await probe(s.port, plan(), source(2));
    expect(r.messages).toEqual([
      { outcome: { result: 'refused', stage: 'message', reply: rep(554, '5.7.1', '5.7.1 Spam'), reason: 'refused the message: 554 5.7.1 Spam', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null },
      { outcome: { result: 'deferred', stage: 'data', reply: rep(451, '4.3.0', '4.3.0 Try later'), reason: 'refused DATA: 451 4.3.0 Try later', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null },
    ]);
    expect(verbs(s.received)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
  });
});

describe('probeSend without PIPELINING: one command at a time', () => {
  it('MAIL FROM with SIZE= and BODY=8BITMIME in the step as sent', async () => {
    const s = await serve({ size: 100000, eightBitMime: true });
    const r = await probe(s.port, plan(), source(1, true));
    const n = msg(1, true).bytes.length;
    expect(r.session.steps[2]).toEqual({ stage: 'mail', command: `MAIL FROM:<${FROM}> SIZE=${n} BODY=8BITMIME`, reply: rep(250, '2.1.0', '2.1.0 Ok') });
    expect(s.messages[0]!.mailFrom).toBe(`MAIL FROM:<${FROM}> SIZE=${n} BODY=8BITMIME`);
    expect(r.messages).toEqual([{ outcome: delivered(1), latencyMs: 0 }]);
  });

  it('MAIL FROM refused: refused at MAIL, the reason with the reply', async () => {
    const s = await serve({ refuse: { mail: '553 5.7.1 Sender address rejected' } });
    const r = await probe(s.port, plan(), source(1));
    expect(r.messages).toEqual([
      { outcome: { result: 'refused', stage: 'mail', reply: rep(553, '5.7.1', '5.7.1 Sender address rejected'), reason: 'refused MAIL FROM: 553 5.7.1 Sender address rejected', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null },
    ]);
    expect(verbs(s.received)).toEqual(['EHLO', 'MAIL', 'QUIT']);
  });

  it('every recipient refused (101 of them): refused at RCPT, the first 100 refusals kept, no DATA', async () => {
    const to = Array.from({ length: 101 }, (_, i) => `r${i}@send.test`);
    const s = await serve({ refuse: { rcpt: Object.fromEntries(to.map((t) => [t, '550 5.1.1 User unknown'])) } });
    const r = await probe(s.port, plan({ to }), source(1));
    const no = rep(550, '5.1.1', '5.1.1 User unknown');
    expect(r.messages).toEqual([
      {
        outcome: { result: 'refused', stage: 'rcpt', reply: no, reason: 'refused every recipient: 550 5.1.1 User unknown', cause: null, queueId: null, refusedRecipients: to.slice(0, 100).map((address) => ({ address, reply: no })) },
        latencyMs: null,
      },
    ]);
    expect(verbs(s.received)).not.toContain('DATA');
  });

  it('101 of 102 recipients refused: delivered (or refused at the message) with the first 100 refusals', async () => {
    const to = [...Array.from({ length: 101 }, (_, i) => `r${i}@send.test`), TO];
    const refuse = Object.fromEntries(to.slice(0, 101).map((t) => [t, '550 5.1.1 User unknown']));
    const no = rep(550, '5.1.1', '5.1.1 User unknown');
    const kept = to.slice(0, 100).map((address) => ({ address, reply: no }));
    const ok = await serve({ refuse: { rcpt: refuse } });
    expect((await probe(ok.port, plan({ to }), source(1))).messages).toEqual([{ outcome: delivered(1, 'message', kept), latencyMs: 0 }]);
    const spam = await serve({ refuse: { rcpt: refuse, message: '554 5.7.1 Spam' } });
    expect((await probe(spam.port, plan({ to }), source(1))).messages).toEqual([
      { outcome: { result: 'refused', stage: 'message', reply: rep(554, '5.7.1', '5.7.1 Spam'), reason: 'refused the message: 554 5.7.1 Spam', cause: null, queueId: null, refusedRecipients: kept }, latencyMs: null },
    ]);
  });

  it('BDAT when CHUNKING is offered: its step, delivered at the message', async () => {
    const s = await serve({ chunking: true, pipelining: true });
    const r = await probe(s.port, plan(), source(1));
    const n = msg(1).bytes.length;
    expect(steps(r.session)).toEqual([
      ['banner', '(greeting)', 220],
      ['ehlo', `EHLO ${HELO}`, 250],
      ['mail', `MAIL FROM:<${FROM}>`, 250],
      ['rcpt', `RCPT TO:<${TO}>`, 250],
      ['message', `BDAT ${n} LAST (message: ${n} bytes)`, 250],
    ]);
    expect(r.messages).toEqual([{ outcome: delivered(1), latencyMs: 0 }]);
    expect(r.session.extensionsUsed).toEqual(['CHUNKING']);
  });

  it('DATA refused: refused at DATA, the step as DATA, RSET before the next message', async () => {
    const s = await serve({ refuse: { data: '554 5.7.1 No data for you' } });
    const r = await probe(s.port, plan(), source(2));
    const no = { outcome: { result: 'refused', stage: 'data', reply: rep(554, '5.7.1', '5.7.1 No data for you'), reason: 'refused DATA: 554 5.7.1 No data for you', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null };
    expect(r.messages).toEqual([no, no]);
    expect(steps(r.session)).toEqual([
      ['banner', '(greeting)', 220],
      ['ehlo', `EHLO ${HELO}`, 250],
      ['mail', `MAIL FROM:<${FROM}>`, 250],
      ['rcpt', `RCPT TO:<${TO}>`, 250],
      ['data', 'DATA, then the message', 554],
    ]);
    expect(verbs(s.received)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'MAIL', 'RCPT', 'DATA', 'RSET', 'QUIT']);
  });

  it('the message refused after its data: refused at the message, no RSET (the transaction is over)', async () => {
    const s = await serve({ refuse: { message: '554 5.7.1 Spam' } });
    const r = await probe(s.port, plan(), source(2));
    const no = { outcome: { result: 'refused', stage: 'message', reply: rep(554, '5.7.1', '5.7.1 Spam'), reason: 'refused the message: 554 5.7.1 Spam', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null };
    expect(r.messages).toEqual([no, no]);
    expect(verbs(s.received)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
  });

  it('BDAT refused: RSET before the next message', async () => {
    const s = await serve({ chunking: true, refuse: { message: '552 5.3.4 Too big' } });
    const r = await probe(s.port, plan(), source(2));
    const no = { outcome: { result: 'refused', stage: 'message', reply: rep(552, '5.3.4', '5.3.4 Too big'), reason: 'refused the message: 552 5.3.4 Too big', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null };
    expect(r.messages).toEqual([no, no]);
    expect(verbs(s.received)).toEqual(['EHLO', 'MAIL', 'RCPT', 'BDAT', 'RSET', 'MAIL', 'RCPT', 'BDAT', 'RSET', 'QUIT']);
  });
});

describe('probeSend: a session that breaks', () => {
  it('RSET after a refused DATA meets a closed connection: the messages after it never tried, and say so', async () => {
    const s = await local({ caps: [], data: () => '451 4.3.0 Try later', rset: 'close' });
    const r = await probe(s.port, plan(), source(3));
    const never = { outcome: { result: 'failed', stage: 'data', reply: null, reason: 'the session ended before this message', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null };
    expect(r.messages).toEqual([
      { outcome: { result: 'deferred', stage: 'data', reply: rep(451, '4.3.0', '4.3.0 Try later'), reason: 'refused DATA: 451 4.3.0 Try later', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null },
      never,
      never,
    ]);
    expect(r.session.status).toBe('ok');
    expect(verbs(s.received)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA', 'RSET']);
  });

  it('the connection closed after the first message, before the replies to the envelope sent ahead: the first delivered, the others failed at MAIL', async () => {
    const s = await local({ caps: ['PIPELINING', 'ENHANCEDSTATUSCODES'], end: (n) => ({ reply: `250 2.0.0 Ok: queued as Q${n}`, close: true }) });
    const r = await probe(s.port, plan(), source(3));
    const failed = { outcome: { result: 'failed', stage: 'mail', reply: null, reason: 'protocol-error: connection closed by the server', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null };
    expect([r.session.status, r.session.statusDetail]).toEqual(['protocol-error', 'connection closed by the server']);
    expect(r.messages).toEqual([
      { outcome: { result: 'delivered', stage: 'message', reply: rep(250, '2.0.0', '2.0.0 Ok: queued as Q1'), reason: 'accepted: 250 2.0.0 Ok: queued as Q1', cause: null, queueId: 'Q1', refusedRecipients: [] }, latencyMs: 0 },
      failed,
      failed,
    ]);
    expect(r.session.capabilities).toEqual(['PIPELINING', 'ENHANCEDSTATUSCODES']);
    expect(verbs(s.received)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA']);
  });
});

describe('probeSend: what a broken session says, by TLS mode', () => {
  it('--tls required, the connection closed during the pipelined envelope: failed at MAIL (not "not sent"), the step as sent, the capabilities of the TLS session', async () => {
    const s = await local({ starttls: true, caps: ['PIPELINING', 'SIZE 100000'], mail: () => 'close' });
    const r = await probe(s.port, plan({ tls: 'required', to: [TO, 'second@send.test'] }), source(1));
    const n = msg(1).bytes.length;
    expect(r.messages).toEqual([{ outcome: { result: 'failed', stage: 'mail', reply: null, reason: 'protocol-error: connection closed by the server', cause: null, queueId: null, refusedRecipients: [] }, latencyMs: null }]);
    expect(r.session.steps.at(-1)).toEqual({ stage: 'mail', command: `MAIL FROM:<${FROM}> SIZE=${n} | RCPT TO:<${TO}> | RCPT TO:<second@send.test> | DATA (pipelined)`, reply: null });
    expect(r.session.capabilities).toEqual(['PIPELINING', 'SIZE 100000']);
    expect(verbs(s.received)).toEqual(['EHLO', 'STARTTLS', 'tls:EHLO', 'tls:MAIL']);
  });

  it('--tls implicit and a handshake that fails: not sent, TLS unavailable', async () => {
    const s = await serve({ implicit: true, tlsMaxVersion: 'TLSv1' });
    const r = await probe(s.port, plan({ tls: 'implicit' }), source(1));
    expect(r.session.status).toBe('tls-handshake-error');
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]!.outcome).toMatchObject({ result: 'not-sent', stage: 'tls', reply: null, cause: 'tls-unavailable', queueId: null, refusedRecipients: [] });
    expect(r.messages[0]!.outcome.reason).toMatch(/^the TLS handshake failed: ./);
  });

  it('--tls opportunistic and a STARTTLS handshake that fails: this session failed (its caller sends again in clear)', async () => {
    const s = await serve({ tlsMaxVersion: 'TLSv1' });
    const r = await probe(s.port, plan({ tls: 'opportunistic' }), source(2));
    expect(r.session.status).toBe('tls-handshake-error');
    expect(r.messages).toHaveLength(2);
    for (const m of r.messages) {
      expect(m.latencyMs).toBeNull();
      expect(m.outcome).toMatchObject({ result: 'failed', stage: 'starttls', reply: null, cause: null, queueId: null, refusedRecipients: [] });
    }
  });
});

describe('probeSend: the capabilities of a session stopped before the envelope', () => {
  it('--tls required without STARTTLS: not sent, and what the server offered is kept', async () => {
    const s = await serve({ starttls: false, size: 100000, pipelining: true });
    const r = await probe(s.port, plan({ tls: 'required' }), source(1));
    expect(r.messages).toEqual([{ outcome: { result: 'not-sent', stage: 'starttls', reply: null, reason: 'STARTTLS is not offered', cause: 'tls-unavailable', queueId: null, refusedRecipients: [] }, latencyMs: null }]);
    expect(r.session.capabilities).toEqual(['PIPELINING', 'SIZE 100000', 'ENHANCEDSTATUSCODES']);
  });
});

describe('probeSend: the evidence is this connection, from this session on', () => {
  it('events of another connection, and of this one before the session, are not evidence', async () => {
    const ctx = context();
    const before = ctx.transcript.record(CONN, 'note', 'before the session');
    let other = -1;
    const s = await serve({ onMessage: () => (other = ctx.transcript.record('elsewhere/send', 'note', 'another session')) });
    const r = await probe(s.port, plan(), source(1), ctx);
    expect(r.messages[0]!.outcome.result).toBe('delivered');
    const ours = ctx.transcript.events.filter((e) => e.conn === CONN && e.seq !== before);
    expect(r.session.evidence).toEqual(ours.map((e) => e.seq));
    expect(r.session.evidence).not.toContain(before);
    expect(r.session.evidence).not.toContain(other);
    expect(other).toBeGreaterThan(before);
    expect(ours.filter((e) => e.kind === 'send').map((e) => e.text.split(/[ :]/)[0])).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA', '(message', 'QUIT']);
  });
});

describe('probeSend: the AUTH step shows the mechanism, never the credentials', () => {
  const auth = (mechanism: SendAuth['mechanism']): SendAuth => ({ user: 'alice', secret: 'pw-or-token', mechanism, allowCleartext: true });
  for (const [mechanism, shown] of [
    ['PLAIN', 'AUTH PLAIN <redacted>'],
    ['XOAUTH2', 'AUTH XOAUTH2 <redacted>'],
    ['LOGIN', 'AUTH LOGIN (credentials redacted)'],
    ['CRAM-MD5', 'AUTH CRAM-MD5 (credentials redacted)'],
  ] as const) {
    it(`${mechanism}: "${shown}"`, async () => {
      const s = await serve({ starttls: false, authInClear: true, auth: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'], credentials: { user: 'alice', password: 'pw-or-token', token: 'pw-or-token' } });
      const r = await probe(s.port, plan({ auth: auth(mechanism) }), source(1));
      expect(r.session.steps.filter((x) => x.stage === 'auth')).toEqual([{ stage: 'auth', command: shown, reply: rep(235, '2.7.0', '2.7.0 Authentication successful') }]);
      expect(r.messages[0]!.outcome.result).toBe('delivered');
    });
  }
});
