// One SMTP session of `mxray send` (probeSend), called directly against loopback servers: the
// handshake facts, the certificate judged against --verify, the greeting, EHLO (and HELO), STARTTLS,
// the extensions the message and options need, AUTH's choice of mechanism, and the steps recorded.
// Each test asserts the exact outcome, the session's facts and what the server received. The servers
// are the send fixture (test/helpers/send-server.ts) and, for replies it cannot give (a refused
// greeting, EHLO refused inside TLS, STARTTLS advertised then refused, odd reply codes, hundreds of
// extensions), a small scripted server here. Loopback only; every server is stopped by its test.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { ClientCertificate, Connection, Connector, Limits, ProbeContext, Resolver, TlsHandshake, TrustStore } from '../../src/core/context.js';
import type { CertVerdict, SendOutcome } from '../../src/core/schema.js';
import { Transcript } from '../../src/core/transcript.js';
import { closedLoopbackPort, startScriptedServer, verbOf, type ScriptAction, type ScriptedServer } from '../../src/demo/scripted-server.js';
import { createRootCa, type TestCa } from '../../src/demo/test-pki.js';
import type { ComposedMessage } from '../../src/jobs/send/compose.js';
import { probeSend, verifyFailure, type SendEndpoint, type SendPlan, type SessionResult } from '../../src/jobs/send/probe-send.js';
import { mergeLimits } from '../../src/jobs/job-run.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { startSendServer, type SendServer, type SendServerPlan } from '../helpers/send-server.js';

const HELO = 'client.mxray.test';
const FROM = 'sender@client.mxray.test';
const TO = 'rcpt@send.test';
const NAME = 'mx.send.test';
const LIMITS: Partial<Limits> = { connectTimeoutMs: 3000, greetingTimeoutMs: 3000, commandTimeoutMs: 3000, tlsTimeoutMs: 3000 };

let ca: TestCa;
let tlsKey: { key: string; cert: string };
let leafDer: Buffer;
let ipKey: { key: string; cert: string };
let clientCert: ClientCertificate;
beforeAll(async () => {
  ca = await createRootCa('mxray send probe test root', Date.now());
  const leaf = await ca.issue({ commonName: NAME, dnsNames: [NAME] });
  tlsKey = { key: leaf.keyPem, cert: leaf.certPem };
  leafDer = Buffer.from(leaf.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const ip = await ca.issue({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
  ipKey = { key: ip.keyPem, cert: ip.certPem };
  const client = await ca.issue({ commonName: 'client.mxray.test', dnsNames: ['client.mxray.test'] });
  clientCert = { keyPem: client.keyPem, certPem: client.certPem, subject: 'CN=client.mxray.test' };
});

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function serve(plan: SendServerPlan = {}, key = tlsKey): Promise<SendServer> {
  const s = await startSendServer(plan, key);
  stops.push(() => s.stop());
  return s;
}

/** What a scripted server answers: raw reply lines per command (CRLF added), STARTTLS 'start' to begin TLS. */
interface Replies {
  banner?: string[];
  ehlo?: (secure: boolean) => string[];
  helo?: string[];
  starttls?: 'start' | string[];
  mail?: string[];
}

interface Scripted {
  port: number;
  address: string;
  /** Every command line, "tls:" before those received inside TLS. */
  received: string[];
}

const write = (lines: string[]): ScriptAction => ({ type: 'write', data: lines.map((l) => `${l}\r\n`).join('') });

async function scripted(replies: Replies): Promise<Scripted> {
  const received: string[] = [];
  const server: ScriptedServer = await startScriptedServer(
    () => {
      let data = Buffer.alloc(0);
      return {
        greeting: () => [write(replies.banner ?? ['220 mx.custom.test ESMTP'])],
        command: (line, c) => {
          received.push(`${c.secure ? 'tls:' : ''}${line}`);
          switch (verbOf(line)) {
            case 'EHLO':
              return [write(replies.ehlo?.(c.secure) ?? ['250 mx.custom.test'])];
            case 'HELO':
              return [write(replies.helo ?? ['250 mx.custom.test'])];
            case 'STARTTLS':
              return replies.starttls === 'start' ? [write(['220 2.0.0 Ready to start TLS']), { type: 'starttls' }] : [write(replies.starttls ?? ['502 5.5.1 not available'])];
            case 'MAIL':
              return [write(replies.mail ?? ['250 2.1.0 Ok'])];
            case 'RCPT':
              return [write(['250 2.1.5 Ok'])];
            case 'DATA':
              data = Buffer.alloc(0);
              return [write(['354 End data with <CR><LF>.<CR><LF>']), { type: 'raw' }];
            case 'RSET':
              return [write(['250 2.0.0 Ok'])];
            case 'QUIT':
              return [write(['221 2.0.0 Bye']), { type: 'close' }];
            default:
              return [write(['502 5.5.2 Error: command not recognized'])];
          }
        },
        data: (chunk) => {
          data = Buffer.concat([data, chunk]);
          const end = data.indexOf('\r\n.\r\n');
          if (end === -1) return [];
          received.push('(message)');
          const rest = data.subarray(end + 5);
          return [write(['250 2.0.0 Ok: queued as CUSTOM1']), { type: 'lines', ...(rest.length ? { rest } : {}) }];
        },
        error: () => undefined,
      };
    },
    { address: '127.0.0.1', tls: { key: tlsKey.key, cert: tlsKey.cert } },
  );
  stops.push(() => server.stop());
  return { port: server.port, address: server.address, received };
}

const noDns: Resolver = {
  description: 'unused resolver',
  mx: () => Promise.reject(new Error('no DNS in this test')),
  a: () => Promise.reject(new Error('no DNS in this test')),
  aaaa: () => Promise.reject(new Error('no DNS in this test')),
  cname: () => Promise.reject(new Error('no DNS in this test')),
  txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
};

function context(connector: Connector = createConnector(systemClock), limits: Partial<Limits> = {}): ProbeContext {
  return { clock: systemClock, resolver: noDns, connector, transcript: new Transcript(systemClock), limits: mergeLimits({ ...LIMITS, ...limits }), hostMap: new Map() };
}

function plan(extra: Partial<SendPlan> = {}): SendPlan {
  return {
    helo: HELO,
    from: FROM,
    to: [TO],
    tls: 'opportunistic',
    verify: 'none',
    requireTls: false,
    auth: null,
    clientCertificate: null,
    trustStore: createTrustStore([ca.cert.certPem], 'test root'),
    now: Date.now(),
    domain: null,
    ...extra,
  };
}

function message(extra: Partial<ComposedMessage> = {}): ComposedMessage {
  return {
    bytes: Buffer.from('From: <sender@client.mxray.test>\r\nTo: <rcpt@send.test>\r\nSubject: probe\r\n\r\nhello\r\n'),
    messageId: '<probe@client.mxray.test>',
    testId: 'probe',
    subject: 'probe',
    eightBit: false,
    utf8: false,
    foldedHeaders: 0,
    source: 'composed',
    ...extra,
  };
}

interface RunOptions {
  plan?: Partial<SendPlan>;
  message?: Partial<ComposedMessage>;
  recordSteps?: boolean;
  serverName?: string | null;
  connector?: Connector;
  limits?: Partial<Limits>;
}

function run(server: { address: string; port: number }, o: RunOptions = {}): Promise<SessionResult> {
  const m = message(o.message);
  const endpoint: SendEndpoint = { address: server.address, port: server.port, serverName: o.serverName === undefined ? NAME : o.serverName, conn: 'c1' };
  return probeSend(context(o.connector, o.limits), endpoint, plan(o.plan), { count: 1, first: m, get: () => m }, { recordSteps: o.recordSteps ?? true, maxMessageBytes: 10 * 1024 * 1024 });
}

const outcomeOf = (r: SessionResult) => r.messages[0]!.outcome;
/** Each step as stage, command, reply code. */
const stepsOf = (r: SessionResult) => r.session.steps.map((s) => [s.stage, s.command, s.reply?.code ?? null]);
const lines = (s: SendServer) => s.received.map((r) => `${r.secure ? 'tls:' : ''}${r.line}`);
const notSent = (stage: SendOutcome['stage'], reason: string, cause: SendOutcome['cause']): SendOutcome => ({ result: 'not-sent', stage, reply: null, reason, cause, queueId: null, refusedRecipients: [] });
const refused = (result: 'refused' | 'deferred', stage: SendOutcome['stage'], code: number, enhanced: string | null, text: string, reason: string): SendOutcome => ({
  result,
  stage,
  reply: { code, enhanced, lines: [text] },
  reason,
  cause: null,
  queueId: null,
  refusedRecipients: [],
});

/** A connector whose TLS handshakes are the real ones, changed by `change` (facts the server cannot be made to produce). */
function changingConnector(change: (h: TlsHandshake) => TlsHandshake): Connector {
  const real = createConnector(systemClock);
  return {
    connect: async (options) => {
      const inner = await real.connect(options);
      const wrapped: Connection = {
        localAddress: inner.localAddress,
        remoteAddress: inner.remoteAddress,
        get stream() {
          return inner.stream;
        },
        startTls: async (tlsOptions) => change(await inner.startTls(tlsOptions)),
        close: () => inner.close(),
      };
      return wrapped;
    },
  };
}

describe('verifyFailure: why a certificate fails --verify', () => {
  const good: CertVerdict = {
    sent: [],
    path: [],
    trusted: true,
    trustFailure: 'none',
    trustReason: null,
    checkedName: NAME,
    nameMatches: true,
    domainMatches: null,
    timeValid: true,
    daysLeft: 30,
    opensslError: null,
    problems: [],
    sentCount: 1,
  };

  it('--verify none passes any certificate, even one that does not verify', () => {
    expect(verifyFailure({ ...good, trusted: false, trustFailure: 'untrusted-root', trustReason: 'no anchor' }, 'none')).toBeNull();
    expect(verifyFailure({ ...good, trusted: false, trustFailure: 'untrusted-root', trustReason: 'no anchor' }, 'ca')).toBe('the certificate does not verify (untrusted-root: no anchor)');
  });

  it('a failure without a reason in words: the failure alone, nothing after it', () => {
    expect(verifyFailure({ ...good, trusted: false, trustFailure: 'untrusted-root', trustReason: null }, 'ca')).toBe('the certificate does not verify (untrusted-root)');
  });

  it('a trusted certificate outside its validity fails --verify ca and name', () => {
    expect(verifyFailure({ ...good, timeValid: false }, 'ca')).toBe('the certificate is not valid now (expired or not yet valid)');
    expect(verifyFailure({ ...good, timeValid: false }, 'name')).toBe('the certificate is not valid now (expired or not yet valid)');
    expect(verifyFailure(good, 'name')).toBeNull();
  });

  it('--verify name: a name that does not match, and no name at all (an IP target the certificate does not name)', () => {
    expect(verifyFailure({ ...good, nameMatches: false }, 'name')).toBe(`the certificate does not name ${NAME}`);
    expect(verifyFailure({ ...good, checkedName: null, nameMatches: false }, 'name')).toBe('there is no server name to check the certificate against, and it names no IP address we connected to');
    expect(verifyFailure({ ...good, checkedName: null, nameMatches: false }, 'ca')).toBeNull();
  });
});

describe('the greeting', () => {
  it('a 554 greeting: refused at the banner, nothing sent but QUIT, no capabilities; the steps exact', async () => {
    const s = await scripted({ banner: ['554 5.7.1 go away'] });
    const r = await run(s);
    expect(outcomeOf(r)).toEqual(refused('refused', 'banner', 554, '5.7.1', '5.7.1 go away', 'refused at the greeting: 554 5.7.1 go away'));
    expect(r.session.capabilities).toEqual([]);
    expect(r.session.status).toBe('ok');
    expect(stepsOf(r)).toEqual([['banner', '(greeting)', 554]]);
    expect(s.received).toEqual(['QUIT']);
  });

  it('4xx greetings are deferred (400 and 421), everything else refused (250, 500)', async () => {
    const results: [number, string | null][] = [];
    for (const banner of ['400 busy', '421 4.3.2 try later', '250 hello', '500 no']) {
      const s = await scripted({ banner: [banner] });
      const o = outcomeOf(await run(s));
      results.push([o.reply!.code, o.result]);
      expect(o.stage).toBe('banner');
      expect(s.received).toEqual(['QUIT']);
    }
    expect(results).toEqual([
      [400, 'deferred'],
      [421, 'deferred'],
      [250, 'refused'],
      [500, 'refused'],
    ]);
  });

  it('a server that refuses the connection: no client, so the capabilities stay empty', async () => {
    const r = await run({ address: '127.0.0.1', port: await closedLoopbackPort() });
    expect(outcomeOf(r)).toMatchObject({ result: 'failed', stage: 'connect' });
    expect(r.session.status).toBe('connection-refused');
    expect(r.session.capabilities).toEqual([]);
    expect(r.session.steps).toEqual([]);
  });
});

describe('EHLO and HELO', () => {
  it('the steps of a session with STARTTLS, exactly: greeting, EHLO, STARTTLS, EHLO in TLS, then the envelope', async () => {
    const s = await serve();
    const r = await run(s);
    expect(outcomeOf(r).result).toBe('delivered');
    expect(stepsOf(r)).toEqual([
      ['banner', '(greeting)', 220],
      ['ehlo', `EHLO ${HELO}`, 250],
      ['starttls', 'STARTTLS', 220],
      ['ehlo', `EHLO ${HELO} (in TLS)`, 250],
      ['mail', `MAIL FROM:<${FROM}>`, 250],
      ['rcpt', `RCPT TO:<${TO}>`, 250],
      ['message', `DATA (354), then the message: ${message().bytes.length} bytes`, 250],
    ]);
  });

  it('--tls none and a server that knows only HELO: HELO after the 502, delivered in clear', async () => {
    const s = await serve({ heloOnly: true });
    const r = await run(s, { plan: { tls: 'none' } });
    expect(outcomeOf(r)).toMatchObject({ result: 'delivered', stage: 'message' });
    expect(stepsOf(r).slice(0, 2)).toEqual([
      ['banner', '(greeting)', 220],
      ['ehlo', `EHLO ${HELO} → 502, then HELO ${HELO}`, 250],
    ]);
    expect(lines(s)).toEqual([`EHLO ${HELO}`, `HELO ${HELO}`, `MAIL FROM:<${FROM}>`, `RCPT TO:<${TO}>`, 'DATA', 'QUIT']);
  });

  it('HELO after the 502 with no steps recorded: delivered all the same, no step kept', async () => {
    const s = await serve({ heloOnly: true });
    const r = await run(s, { recordSteps: false });
    expect(outcomeOf(r)).toMatchObject({ result: 'delivered', stage: 'message' });
    expect(r.session.status).toBe('ok');
    expect(r.session.steps).toEqual([]);
  });

  it('EHLO refused with 554: refused at EHLO (whatever --tls), no HELO', async () => {
    for (const tls of ['none', 'required'] as const) {
      const s = await scripted({ ehlo: () => ['554 5.7.1 not you'] });
      const r = await run(s, { plan: { tls } });
      expect(outcomeOf(r)).toEqual(refused('refused', 'ehlo', 554, '5.7.1', '5.7.1 not you', 'refused EHLO: 554 5.7.1 not you'));
      expect(s.received).toEqual([`EHLO ${HELO}`, 'QUIT']);
    }
  });

  it('--tls required and EHLO refused with 500 or 502: not sent, STARTTLS cannot be offered; HELO never asked', async () => {
    for (const code of [500, 502]) {
      const s = await scripted({ ehlo: () => [`${code} 5.5.2 unknown command`] });
      const r = await run(s, { plan: { tls: 'required', verify: 'name' } });
      expect(outcomeOf(r)).toEqual(notSent('ehlo', `STARTTLS is not offered: EHLO was refused (${code} 5.5.2 unknown command)`, 'tls-unavailable'));
      expect(s.received).toEqual([`EHLO ${HELO}`, 'QUIT']);
    }
  });

  it('--tls none, EHLO 500 and HELO 502: refused at EHLO with HELO\'s answer, not "STARTTLS is not offered"', async () => {
    const s = await scripted({ ehlo: () => ['500 5.5.2 what'], helo: ['502 5.5.2 no HELO either'] });
    const r = await run(s, { plan: { tls: 'none' } });
    expect(outcomeOf(r)).toEqual(refused('refused', 'ehlo', 502, '5.5.2', '5.5.2 no HELO either', 'refused EHLO: 502 5.5.2 no HELO either'));
    expect(s.received).toEqual([`EHLO ${HELO}`, `HELO ${HELO}`, 'QUIT']);
  });
});

describe('STARTTLS', () => {
  const offered = (secure: boolean) => (secure ? ['250-mx.custom.test', '250 8BITMIME'] : ['250-mx.custom.test', '250 STARTTLS']);

  it('--tls required and STARTTLS advertised then refused with 454: not sent, nothing after it but QUIT', async () => {
    const s = await scripted({ ehlo: offered, starttls: ['454 4.7.0 TLS not available'] });
    const r = await run(s, { plan: { tls: 'required', verify: 'name' } });
    expect(outcomeOf(r)).toEqual(notSent('starttls', 'STARTTLS was refused: 454 4.7.0 TLS not available', 'tls-unavailable'));
    expect(r.session.tls).toBeNull();
    expect(s.received).toEqual([`EHLO ${HELO}`, 'STARTTLS', 'QUIT']);
  });

  it('--tls opportunistic and STARTTLS refused with 454: the message goes in clear on the same connection', async () => {
    const s = await scripted({ ehlo: offered, starttls: ['454 4.7.0 TLS not available'] });
    const r = await run(s);
    expect(outcomeOf(r)).toMatchObject({ result: 'delivered', stage: 'message', reason: 'accepted: 250 2.0.0 Ok: queued as CUSTOM1' });
    expect(r.session.status).toBe('ok');
    expect(r.session.tls).toBeNull();
    expect(s.received).toEqual([`EHLO ${HELO}`, 'STARTTLS', `MAIL FROM:<${FROM}>`, `RCPT TO:<${TO}>`, 'DATA', '(message)', 'QUIT']);
  });

  it('EHLO refused inside TLS: refused there, never HELO inside TLS, no message', async () => {
    for (const code of [502, 554]) {
      const s = await scripted({ ehlo: (secure) => (secure ? [`${code} 5.5.1 not here`] : offered(false)), starttls: 'start' });
      const r = await run(s);
      expect(outcomeOf(r)).toEqual(refused('refused', 'ehlo', code, '5.5.1', '5.5.1 not here', `refused EHLO inside TLS: ${code} 5.5.1 not here`));
      expect(s.received).toEqual([`EHLO ${HELO}`, 'STARTTLS', `tls:EHLO ${HELO}`, 'tls:QUIT']);
    }
  });

  it('a failure while judging the certificate after STARTTLS (the trust store breaks): failed at stage tls', async () => {
    const broken: TrustStore = {
      description: 'a broken store',
      roots: () => {
        throw new Error('the trust store could not be read');
      },
    };
    const s = await serve();
    const r = await run(s, { plan: { trustStore: broken } });
    expect(outcomeOf(r)).toEqual({ result: 'failed', stage: 'tls', reply: null, reason: 'internal-error: the trust store could not be read', cause: null, queueId: null, refusedRecipients: [] });
    expect(r.session.status).toBe('internal-error');
    expect(s.messages).toEqual([]);
  });
});

describe('the certificate against --verify, and the TLS facts', () => {
  it('--tls opportunistic --verify ca with an untrusted certificate: delivered over TLS all the same (only required and implicit insist)', async () => {
    const s = await serve();
    const r = await run(s, { plan: { verify: 'ca', trustStore: createTrustStore([], 'empty') } });
    expect(outcomeOf(r)).toMatchObject({ result: 'delivered', stage: 'message' });
    expect(r.session.certificate).toMatchObject({ trusted: false, trustFailure: 'chain-incomplete' });
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]!.secure).toBe(true);
  });

  it('--tls implicit --verify ca with an untrusted certificate: not sent, stopped at stage tls before the banner: no command received', async () => {
    const s = await serve({ implicit: true });
    const r = await run(s, { plan: { tls: 'implicit', verify: 'ca', trustStore: createTrustStore([], 'empty') } });
    const why =
      'The server\'s certificate "mx.send.test" was issued by "mxray send probe test root", which the server did not send and which is not in the trust store (empty): the server is probably not sending its intermediate certificate (or the issuer is a CA we do not trust).';
    expect(outcomeOf(r)).toEqual(notSent('tls', `--verify ca: the certificate does not verify (chain-incomplete: ${why})`, 'tls-unavailable'));
    expect(r.session.certificate).toMatchObject({ trusted: false, trustFailure: 'chain-incomplete' });
    expect(lines(s)).toEqual([]);
  });

  it('--tls implicit and a failed handshake: not sent at stage tls', async () => {
    const s = await serve({ implicit: true, tlsMaxVersion: 'TLSv1' });
    const r = await run(s, { plan: { tls: 'implicit', verify: 'name' } });
    expect(outcomeOf(r)).toMatchObject({ result: 'not-sent', stage: 'tls', cause: 'tls-unavailable', reply: null });
    expect(r.session.status).toBe('tls-handshake-error');
    expect(s.received).toEqual([]);
  });

  it('--tls implicit: the steps (TLS first), and none kept without recordSteps', async () => {
    const s = await serve({ implicit: true });
    const r = await run(s, { plan: { tls: 'implicit', verify: 'name' } });
    expect(outcomeOf(r).result).toBe('delivered');
    expect(stepsOf(r).slice(0, 3)).toEqual([
      ['tls', 'TLS handshake (implicit TLS)', null],
      ['banner', '(greeting)', 220],
      ['ehlo', `EHLO ${HELO}`, 250],
    ]);
    const quiet = await run(s, { plan: { tls: 'implicit', verify: 'name' }, recordSteps: false });
    expect(outcomeOf(quiet).result).toBe('delivered');
    expect(quiet.session.steps).toEqual([]);
  });

  it('--tls implicit with a trust store that breaks: failed at stage tls', async () => {
    const broken: TrustStore = {
      description: 'a broken store',
      roots: () => {
        throw new Error('the trust store could not be read');
      },
    };
    const s = await serve({ implicit: true });
    const r = await run(s, { plan: { tls: 'implicit', verify: 'name', trustStore: broken } });
    expect(outcomeOf(r)).toEqual({ result: 'failed', stage: 'tls', reply: null, reason: 'internal-error: the trust store could not be read', cause: null, queueId: null, refusedRecipients: [] });
  });

  it('an IP target (no server name): --verify name checks the address against the certificate\'s IP names', async () => {
    const s = await serve({}, ipKey);
    const r = await run(s, { serverName: null, plan: { tls: 'required', verify: 'name' } });
    expect(outcomeOf(r)).toMatchObject({ result: 'delivered', stage: 'message' });
    expect(r.session.certificate).toMatchObject({ trusted: true, checkedName: null, nameMatches: true });
    expect(r.session.tls?.sni).toBeNull();
  });

  it('the TLS facts: no client certificate given → clientCertificate false; the chain as the server sent it', async () => {
    const s = await serve();
    const r = await run(s);
    expect(r.session.tls).toMatchObject({ sni: NAME, clientCertificate: false, chain: [leafDer.toString('base64')] });
  });

  it('STARTTLS to a server that requires a client certificate: ours is presented, delivered, clientCertificate true', async () => {
    const s = await serve({ clientCertificate: 'require', clientCa: ca.cert.certPem });
    const r = await run(s, { plan: { tls: 'required', verify: 'name', clientCertificate: clientCert } });
    expect(outcomeOf(r)).toMatchObject({ result: 'delivered', stage: 'message' });
    expect(r.session.tls).toMatchObject({ clientCertificate: true });
    expect(s.messages).toHaveLength(1);
  });

  it('implicit TLS to a server that requires a client certificate: ours is presented, delivered', async () => {
    const s = await serve({ implicit: true, clientCertificate: 'require', clientCa: ca.cert.certPem });
    const r = await run(s, { plan: { tls: 'implicit', verify: 'name', clientCertificate: clientCert } });
    expect(outcomeOf(r)).toMatchObject({ result: 'delivered', stage: 'message' });
    expect(r.session.tls).toMatchObject({ clientCertificate: true });
    expect(s.messages).toHaveLength(1);
  });

  it('the handshake time is kept as measured, and a negative one (a clock that went back) becomes 0', async () => {
    const s = await serve();
    const measured = await run(s, { connector: changingConnector((h) => ({ ...h, handshakeMs: 12.5 })) });
    expect(measured.session.tls?.handshakeMs).toBe(12.5);
    const back = await run(s, { connector: changingConnector((h) => ({ ...h, handshakeMs: -4 })) });
    expect(back.session.tls?.handshakeMs).toBe(0);
  });

  it('the chain as sent is what counts (chain and verdict), not what Node pieced together; without it, Node\'s', async () => {
    const s = await serve();
    const sentOnly = await run(s, { plan: { tls: 'required', verify: 'name' }, connector: changingConnector((h) => ({ ...h, peerChain: [] })) });
    expect(outcomeOf(sentOnly).result).toBe('delivered');
    expect(sentOnly.session.tls?.chain).toEqual([leafDer.toString('base64')]);
    expect(sentOnly.session.certificate).toMatchObject({ trusted: true, sentCount: 1 });
    const nodeOnly = await run(s, { plan: { tls: 'required', verify: 'name' }, connector: changingConnector((h) => ({ ...h, sentChain: null, peerChain: [leafDer] })) });
    expect(outcomeOf(nodeOnly).result).toBe('delivered');
    expect(nodeOnly.session.tls?.chain).toEqual([leafDer.toString('base64')]);
    expect(nodeOnly.session.certificate).toMatchObject({ trusted: true, sentCount: 1 });
  });

  it('at most 64 certificates of the chain are kept', async () => {
    const s = await serve();
    const r = await run(s, { connector: changingConnector((h) => ({ ...h, sentChain: Array.from({ length: 70 }, () => leafDer) })) });
    expect(r.session.tls?.chain).toHaveLength(64);
    expect(r.session.certificate?.sentCount).toBe(70);
  });
});

describe('the extensions the message and options need', () => {
  it('--requiretls and the server does not offer it: not sent at stage ehlo, no MAIL FROM', async () => {
    const s = await serve();
    const r = await run(s, { plan: { tls: 'required', verify: 'name', requireTls: true } });
    expect(outcomeOf(r)).toEqual(notSent('ehlo', 'REQUIRETLS: --requiretls was given', 'extension-missing'));
    expect(lines(s)).toEqual([`EHLO ${HELO}`, 'STARTTLS', `tls:EHLO ${HELO}`, 'tls:QUIT']);
  });

  it('--requiretls offered: REQUIRETLS on MAIL FROM, and listed as used', async () => {
    const s = await serve({ requireTls: true });
    const r = await run(s, { plan: { tls: 'required', verify: 'name', requireTls: true } });
    expect(outcomeOf(r).result).toBe('delivered');
    expect(s.messages[0]!.mailFrom).toBe(`MAIL FROM:<${FROM}> REQUIRETLS`);
    expect(r.session.extensionsUsed).toEqual(['REQUIRETLS']);
  });

  it('non-ASCII headers and no SMTPUTF8: not sent at stage ehlo', async () => {
    const s = await serve();
    const r = await run(s, { message: { utf8: true } });
    expect(outcomeOf(r)).toEqual(notSent('ehlo', 'SMTPUTF8: the envelope or headers hold non-ASCII text', 'extension-missing'));
    expect(s.messages).toEqual([]);
  });

  it('non-ASCII headers and SMTPUTF8 offered: SMTPUTF8 on MAIL FROM, listed as used', async () => {
    const s = await serve({ smtputf8: true });
    const r = await run(s, { message: { utf8: true } });
    expect(outcomeOf(r).result).toBe('delivered');
    expect(s.messages[0]!.mailFrom).toBe(`MAIL FROM:<${FROM}> SMTPUTF8`);
    expect(r.session.extensionsUsed).toEqual(['SMTPUTF8']);
  });

  it('a 7-bit message and 8BITMIME offered: no BODY=8BITMIME, 8BITMIME not listed as used', async () => {
    const s = await serve({ eightBitMime: true });
    const r = await run(s);
    expect(outcomeOf(r).result).toBe('delivered');
    expect(s.messages[0]!.mailFrom).toBe(`MAIL FROM:<${FROM}>`);
    expect(r.session.extensionsUsed).toEqual([]);
  });
});

describe('the capabilities recorded', () => {
  it('at most 200 extensions, each line at most 500 characters', async () => {
    const keywords = Array.from({ length: 250 }, (_, i) => `X-EXT-${i}`);
    const long = `X-LONG ${'a'.repeat(600)}`;
    const s = await scripted({ ehlo: () => ['250-mx.custom.test', `250-${long}`, ...keywords.map((k, i) => `250${i === keywords.length - 1 ? ' ' : '-'}${k}`)] });
    const r = await run(s, { plan: { tls: 'none' }, limits: { maxReplyLines: 300 } });
    expect(outcomeOf(r).result).toBe('delivered');
    expect(r.session.capabilities).toEqual([long.slice(0, 500), ...keywords.slice(0, 199)]);
  });
});

describe('AUTH: the mechanism chosen', () => {
  const auth = { user: 'alice', secret: 'secret', mechanism: null, allowCleartext: false };

  it('no AUTH advertised at all: not sent, "none offered", nothing of AUTH on the wire', async () => {
    const s = await serve();
    const r = await run(s, { plan: { auth } });
    expect(outcomeOf(r)).toEqual(notSent('auth', 'AUTH: PLAIN or LOGIN or CRAM-MD5 wanted, none offered', 'auth-unavailable'));
    expect(lines(s)).toEqual([`EHLO ${HELO}`, 'STARTTLS', `tls:EHLO ${HELO}`, 'tls:QUIT']);
    expect(s.logins).toEqual([]);
  });

  it('only mechanisms we do not use: named as offered, a space between them, cut at 200 characters', async () => {
    const few = await serve({ auth: ['GSSAPI', 'NTLM'] });
    expect(outcomeOf(await run(few, { plan: { auth } }))).toEqual(notSent('auth', 'AUTH: PLAIN or LOGIN or CRAM-MD5 wanted, GSSAPI NTLM offered', 'auth-unavailable'));
    const names = Array.from({ length: 30 }, (_, i) => `X-MECHANISM-${String(i).padStart(2, '0')}`);
    const many = await serve({ auth: names });
    expect(outcomeOf(await run(many, { plan: { auth } }))).toEqual(notSent('auth', `AUTH: PLAIN or LOGIN or CRAM-MD5 wanted, ${names.join(' ').slice(0, 200)} offered`, 'auth-unavailable'));
  });
});

describe('reply codes: what counts as accepted', () => {
  it('MAIL FROM answered 200: accepted, the message delivered', async () => {
    const s = await scripted({ mail: ['200 2.1.0 fine'] });
    const r = await run(s, { plan: { tls: 'none' } });
    expect(outcomeOf(r)).toMatchObject({ result: 'delivered', stage: 'message' });
    expect(s.received).toEqual([`EHLO ${HELO}`, `MAIL FROM:<${FROM}>`, `RCPT TO:<${TO}>`, 'DATA', '(message)', 'QUIT']);
  });

  it('MAIL FROM answered 300: refused there, no RCPT', async () => {
    const s = await scripted({ mail: ['300 what now'] });
    const r = await run(s, { plan: { tls: 'none' } });
    expect(outcomeOf(r)).toEqual(refused('refused', 'mail', 300, null, 'what now', 'refused MAIL FROM: 300 what now'));
    expect(s.received).toEqual([`EHLO ${HELO}`, `MAIL FROM:<${FROM}>`, 'QUIT']);
  });
});

describe('the steps kept', () => {
  it('without recordSteps none are kept', async () => {
    const s = await serve();
    const r = await run(s, { recordSteps: false });
    expect(outcomeOf(r).result).toBe('delivered');
    expect(r.session.steps).toEqual([]);
  });

  it('at most 1000 steps (the session goes on)', async () => {
    const s = await serve({ pipelining: false });
    const to = Array.from({ length: 1000 }, (_, i) => `r${i}@send.test`);
    const r = await run(s, { plan: { tls: 'none', to } });
    expect(outcomeOf(r).result).toBe('delivered');
    expect(s.messages[0]!.rcptTo).toHaveLength(1000);
    expect(r.session.steps).toHaveLength(1000);
    expect(stepsOf(r).slice(0, 3)).toEqual([
      ['banner', '(greeting)', 220],
      ['ehlo', `EHLO ${HELO}`, 250],
      ['mail', `MAIL FROM:<${FROM}>`, 250],
    ]);
    expect(r.session.steps[998]).toEqual({ stage: 'rcpt', command: 'RCPT TO:<r995@send.test>', reply: { code: 250, enhanced: '2.1.5', lines: ['2.1.5 Ok'] } });
    // The last kept step is a RCPT: the DATA branch, whose own step was not kept, leaves it as it was.
    expect(r.session.steps[999]).toEqual({ stage: 'rcpt', command: 'RCPT TO:<r996@send.test>', reply: { code: 250, enhanced: '2.1.5', lines: ['2.1.5 Ok'] } });
  });
});
