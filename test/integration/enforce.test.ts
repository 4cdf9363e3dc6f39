// `mxray enforce` through the library against loopback fixture servers (test/helpers/enforce-server.ts)
// that refuse mail without TLS at a chosen stage, refuse the envelope always, offer AUTH before TLS or
// accept everything. Each test asserts the verdict, the exact finding ids, and what the server
// received: the exact lines per connection, no message data and no final dot (nothing delivered), and
// no credential. Loopback only; every server is stopped by the test that started it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { JobEdges, Limits, Resolver } from '../../src/core/context.js';
import { DnsError, UsageError } from '../../src/core/errors.js';
import { exitCodeFor } from '../../src/core/report.js';
import { createScheduler } from '../../src/core/scheduler.js';
import type { EnforceReport } from '../../src/core/schema.js';
import { closedLoopbackPort } from '../../src/demo/scripted-server.js';
import { createRootCa } from '../../src/demo/test-pki.js';
import { checkEnforce, rejudgeEnforce, type EnforceOptions } from '../../src/library.js';
import { createConnector } from '../../src/net/connector.js';
import { startEnforceServer, type EnforcePlan, type EnforceServer } from '../helpers/enforce-server.js';
import { schemaErrors } from '../helpers/schema.js';

const HELO = 'client.mxray.test';
const RCPT = 'postmaster@enforce.test';
const LIMITS: Partial<Limits> = { connectTimeoutMs: 2000, greetingTimeoutMs: 2000, commandTimeoutMs: 2000, tlsTimeoutMs: 2000 };
const REQUIRE_TLS = '530 5.7.0 Must issue a STARTTLS command first';

let tlsKey: { key: string; cert: string };
beforeAll(async () => {
  const ca = await createRootCa('mxray enforce test root', Date.now());
  const leaf = await ca.issue({ commonName: 'mx.enforce.test', dnsNames: ['mx.enforce.test'] });
  tlsKey = { key: leaf.keyPem, cert: leaf.certPem };
});

const servers: EnforceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function serve(plan: EnforcePlan): Promise<EnforceServer> {
  const s = await startEnforceServer(plan, tlsKey);
  servers.push(s);
  return s;
}

const noDns: Resolver = {
  description: 'in-test resolver',
  mx: (name) => (name === 'enforce.test' ? Promise.resolve([{ exchange: 'mx.enforce.test', priority: 10 }]) : Promise.reject(new DnsError('NXDOMAIN', name, 'MX'))),
  a: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'A')),
  aaaa: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'AAAA')),
  cname: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'CNAME')),
  txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
};

function edges(): JobEdges {
  throw new Error('every edge is given in the options');
}

function run(server: EnforceServer, extra: Partial<EnforceOptions> = {}): Promise<EnforceReport> {
  return checkEnforce(
    {
      target: `${server.address}:${server.port}`,
      rcpt: RCPT,
      helo: HELO,
      limits: LIMITS,
      clock: systemClock,
      resolver: noDns,
      connector: createConnector(systemClock),
      scheduler: createScheduler(),
      ...extra,
    },
    edges,
  );
}

const ids = (report: EnforceReport) => report.findings.map((f) => f.id).sort();
/** The lines one connection (1: the cleartext session, 2: the control session) sent, marked "tls:" inside TLS. */
const linesOf = (server: EnforceServer, conn: number) => server.received.filter((r) => r.conn === conn).map((r) => `${r.secure ? 'tls:' : ''}${r.line}`);

function nothingDelivered(server: EnforceServer): void {
  expect(server.delivered).toBe(0);
  expect(server.dataBytes).toBe(0);
  expect(server.credentials).toEqual([]);
}

describe('mxray enforce against loopback servers', () => {
  it('refused at MAIL FROM without TLS, accepted with TLS: enforces (exit 0)', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS } });
    const report = await run(server);
    expect(ids(report)).toEqual(['policy.tls-enforced']);
    expect([report.verdict, exitCodeFor(report)]).toEqual(['pass', 0]);
    const a = report.body.addresses[0]!;
    expect(a.assessment).toMatchObject({ verdict: 'enforces', stage: 'mail', reason: 'refused at MAIL FROM without TLS, accepted with TLS' });
    expect(a.assessment.reply).toEqual({ code: 530, enhanced: '5.7.0', lines: ['5.7.0 Must issue a STARTTLS command first'] });
    expect(a.assessment.controlReply).toEqual({ code: 250, enhanced: '2.1.0', lines: ['2.1.0 Ok'] });
    expect(a.control?.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
    expect(linesOf(server, 1)).toEqual([`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`, 'QUIT']);
    expect(linesOf(server, 2)).toEqual([`EHLO ${HELO}`, 'STARTTLS', `tls:EHLO ${HELO}`, `tls:MAIL FROM:<mxray-test@${HELO}>`, `tls:RCPT TO:<${RCPT}>`, 'tls:RSET', 'tls:QUIT']);
    nothingDelivered(server);
    expect(schemaErrors(report)).toEqual([]);
  });

  it('over IPv6 (::1): the same two sessions, the address kept as IPv6', async () => {
    const server = await serve({ address: '::1', clear: { stage: 'mail', reply: REQUIRE_TLS } });
    const report = await run(server, { target: `[::1]:${server.port}` });
    const a = report.body.addresses[0]!;
    expect([a.address, a.family, a.port, a.key]).toEqual(['::1', 6, server.port, `[::1]:${server.port}`]);
    expect(a.assessment).toMatchObject({ verdict: 'enforces', stage: 'mail' });
    expect(linesOf(server, 1)).toEqual([`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`, 'QUIT']);
    expect(linesOf(server, 2)[1]).toBe('STARTTLS');
    expect(schemaErrors(report)).toEqual([]);
  });

  it("Postfix's reject_plaintext_session: a 450 at RCPT TO is enforcement too", async () => {
    const text = '450 4.7.1 <postmaster@enforce.test>: Recipient address rejected: Session encryption is required';
    const server = await serve({ clear: { stage: 'rcpt', reply: text } });
    const report = await run(server, { throughData: true });
    expect(ids(report)).toEqual(['policy.tls-enforced']);
    expect(report.body.addresses[0]!.assessment).toMatchObject({ verdict: 'enforces', stage: 'rcpt' });
    expect(report.findings[0]!.facts.reply).toBe(text);
    // The control session went on to DATA and dropped the connection at its 354.
    expect(linesOf(server, 2).slice(-2)).toEqual([`tls:RCPT TO:<${RCPT}>`, 'tls:DATA']);
    expect(report.body.addresses[0]!.control?.droppedAfterData).toBe(true);
    nothingDelivered(server);
  });

  it('refused only at DATA (with --through-data): enforces at DATA', async () => {
    const server = await serve({ clear: { stage: 'data', reply: '530 5.7.0 Must issue a STARTTLS command first' } });
    const report = await run(server, { throughData: true });
    expect(ids(report)).toEqual(['policy.tls-enforced']);
    expect(report.body.addresses[0]!.assessment).toMatchObject({ verdict: 'enforces', stage: 'data' });
    expect(linesOf(server, 1)).toEqual([`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`, `RCPT TO:<${RCPT}>`, 'DATA', 'RSET', 'QUIT']);
    nothingDelivered(server);
  });

  it('a server that accepts everything does not enforce up to DATA (exit 1), and gets no message', async () => {
    const server = await serve({});
    const report = await run(server, { throughData: true });
    expect(ids(report)).toEqual(['policy.cleartext-not-refused']);
    expect([report.verdict, exitCodeFor(report)]).toEqual(['fail', 1]);
    expect(report.findings[0]!.title).toBe(`${report.body.addresses[0]!.key} does not enforce TLS: mail without TLS is not refused up to DATA`);
    // DATA, then nothing: no message data, no final dot, no QUIT (it would be message text).
    expect(linesOf(server, 1)).toEqual([`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`, `RCPT TO:<${RCPT}>`, 'DATA']);
    expect(linesOf(server, 2).at(-1)).toBe('tls:DATA');
    expect(report.body.addresses[0]!.cleartext.droppedAfterData).toBe(true);
    nothingDelivered(server);
  });

  it('without --through-data it says "not refused up to RCPT TO", and ends with RSET and QUIT', async () => {
    const server = await serve({});
    const report = await run(server);
    expect(report.body.addresses[0]!.assessment).toMatchObject({ verdict: 'not-enforced', stage: 'rcpt', reason: 'not refused up to RCPT TO' });
    expect(linesOf(server, 1)).toEqual([`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`, `RCPT TO:<${RCPT}>`, 'RSET', 'QUIT']);
    nothingDelivered(server);
  });

  it('the envelope refused with TLS too: inconclusive (exit 3), both replies kept', async () => {
    const unknown = '550 5.1.1 <postmaster@enforce.test>: Recipient address rejected: User unknown';
    const server = await serve({ always: { stage: 'rcpt', reply: unknown } });
    const report = await run(server);
    expect(ids(report)).toEqual(['policy.enforcement-inconclusive']);
    expect([report.verdict, exitCodeFor(report)]).toEqual(['inconclusive', 3]);
    expect(report.findings[0]!.facts).toMatchObject({ reply: unknown, controlReply: unknown, why: 'refused with TLS too' });
    nothingDelivered(server);
  });

  it('an Exchange Online partner-connector refusal in both sessions: inconclusive with the connector note', async () => {
    const text = '550 5.7.64 TenantAttribution; Relay Access Denied';
    const server = await serve({ always: { stage: 'rcpt', reply: text } });
    const report = await run(server);
    expect(ids(report)).toEqual(['policy.enforcement-inconclusive', 'policy.partner-connector']);
    expect(exitCodeFor(report)).toBe(3);
  });

  it('AUTH PLAIN LOGIN before TLS: AUTH LOGIN is cancelled with * at the challenge; no credential ever sent', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS }, authBeforeTls: 'PLAIN LOGIN' });
    const report = await run(server);
    expect(ids(report)).toEqual(['policy.cleartext-auth-challenged', 'policy.tls-enforced', 'smtp.auth-before-tls']);
    expect([report.verdict, exitCodeFor(report)]).toEqual(['warn', 0]);
    expect(linesOf(server, 1)).toEqual([`EHLO ${HELO}`, 'AUTH LOGIN', '*', `MAIL FROM:<mxray-test@${HELO}>`, 'QUIT']);
    expect(report.body.addresses[0]!.auth).toMatchObject({ mechanisms: ['PLAIN', 'LOGIN'], login: { code: 334 }, cancel: { code: 501 } });
    // Inside TLS the control session never authenticates either.
    expect(linesOf(server, 2).filter((l) => l.includes('AUTH'))).toEqual([]);
    nothingDelivered(server);
  });

  it('AUTH LOGIN refused before TLS is good news', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS }, authBeforeTls: 'LOGIN', authClearReply: '538 5.7.11 Encryption required for requested authentication mechanism' });
    const report = await run(server);
    expect(ids(report)).toEqual(['policy.cleartext-auth-refused', 'policy.tls-enforced', 'smtp.auth-before-tls']);
    nothingDelivered(server);
  });

  it('no STARTTLS: the control session cannot run; a reply that asks for TLS still counts, from its words', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS }, starttls: false });
    const report = await run(server);
    const a = report.body.addresses[0]!;
    expect(a.control).toMatchObject({ status: 'starttls-refused', statusDetail: 'STARTTLS is not offered', tlsProtocol: null });
    expect(a.assessment).toMatchObject({ verdict: 'enforces', controlReply: null, reason: 'refused at MAIL FROM: the reply asks for TLS' });
    expect(linesOf(server, 2)).toEqual([`EHLO ${HELO}`, 'QUIT']);
  });

  it('a 554 greeting: every session is refused before TLS could matter; inconclusive, and QUIT only', async () => {
    const server = await serve({ clear: { stage: 'banner', reply: '554 5.7.1 No SMTP service for you' } });
    const report = await run(server);
    const a = report.body.addresses[0]!;
    expect(ids(report)).toEqual(['policy.enforcement-inconclusive']);
    expect(a.assessment).toMatchObject({ verdict: 'inconclusive', stage: 'banner', reason: 'refused with TLS too' });
    expect(a.cleartext.steps.map((x) => x.stage)).toEqual(['banner']);
    expect(linesOf(server, 1)).toEqual(['QUIT']);
    expect(linesOf(server, 2)).toEqual(['QUIT']);
    expect(exitCodeFor(report)).toBe(3);
  });

  it('a refused connection: untested, inconclusive (exit 3)', async () => {
    const port = await closedLoopbackPort();
    const report = await checkEnforce(
      { target: `127.0.0.1:${port}`, rcpt: RCPT, helo: HELO, limits: LIMITS, clock: systemClock, resolver: noDns, connector: createConnector(systemClock), scheduler: createScheduler() },
      edges,
    );
    expect(ids(report)).toEqual(['policy.enforcement-untested']);
    expect(report.body.addresses[0]!.cleartext.status).toBe('connection-refused');
    expect(report.body.addresses[0]!.control).toBeNull();
    expect(exitCodeFor(report)).toBe(3);
  });

  it('a domain: MX resolved as the receiver test does; --rcpt defaults to postmaster@domain, --from to mxray-test@<EHLO name>', async () => {
    const server = await serve({ clear: { stage: 'rcpt', reply: REQUIRE_TLS } });
    const report = await run(server, { target: 'enforce.test', rcpt: null, hostMap: new Map([['mx.enforce.test', { address: '127.0.0.1', port: server.port }]]) });
    expect(report.body.envelope).toEqual({ helo: HELO, from: `mxray-test@${HELO}`, rcpt: 'postmaster@enforce.test', throughData: false });
    expect(report.body.addresses.map((a) => a.key)).toEqual([`mx.enforce.test[127.0.0.1]:${server.port}`]);
    expect(linesOf(server, 1)).toEqual([`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`, 'RCPT TO:<postmaster@enforce.test>', 'RSET', 'QUIT']);
    expect(ids(report)).toEqual(['policy.tls-enforced']);
  });

  it('a user@domain target: that mailbox is the recipient (a connector may enforce only for some), --rcpt still wins', async () => {
    const server = await serve({ clear: { stage: 'rcpt', reply: REQUIRE_TLS } });
    const hostMap = new Map([['mx.enforce.test', { address: '127.0.0.1', port: server.port }]]);
    const report = await run(server, { target: 'Alice.Partner@Enforce.Test', rcpt: null, hostMap });
    expect(report.body.envelope.rcpt).toBe('Alice.Partner@enforce.test');
    expect(linesOf(server, 1)).toEqual([`EHLO ${HELO}`, `MAIL FROM:<mxray-test@${HELO}>`, 'RCPT TO:<Alice.Partner@enforce.test>', 'RSET', 'QUIT']);
    const chosen = await run(server, { target: 'alice@enforce.test', rcpt: 'bob@enforce.test', hostMap });
    expect(chosen.body.envelope.rcpt).toBe('bob@enforce.test');
  });

  it('a user@domain target whose mailbox cannot go on the wire: a usage error, before any connection', async () => {
    const server = await serve({ clear: { stage: 'rcpt', reply: REQUIRE_TLS } });
    const hostMap = new Map([['mx.enforce.test', { address: '127.0.0.1', port: server.port }]]);
    await expect(run(server, { target: 'a<b>@enforce.test', rcpt: null, hostMap })).rejects.toThrow(/^the target "a<b>@enforce\.test" is not usable: give a plain address/);
    expect(server.received).toEqual([]);
  });

  it('port 465 (implicit TLS) has no cleartext session to refuse: a usage error, before any connection', async () => {
    const server = await serve({ clear: { stage: 'mail', reply: REQUIRE_TLS } });
    await expect(run(server, { target: '127.0.0.1:465' })).rejects.toThrow(
      'port 465 speaks TLS from the first byte (implicit TLS): there is no cleartext session to refuse there; enforce tests a STARTTLS port (25 or 587), and `mxray check` tests this one',
    );
    await expect(run(server, { target: 'enforce.test', port: 465 })).rejects.toBeInstanceOf(UsageError);
    expect(server.received).toEqual([]);
  });

  it('an IP target needs --rcpt: a usage error, before any connection', async () => {
    const server = await serve({});
    await expect(run(server, { rcpt: null })).rejects.toBeInstanceOf(UsageError);
    await expect(run(server, { rcpt: null })).rejects.toThrow(/^give --rcpt: the target "127\.0\.0\.1:\d+" is an IP address, not a mail domain/);
    await expect(run(server, { from: 'a b@c' })).rejects.toBeInstanceOf(UsageError);
    expect(server.received).toEqual([]);
  });

  it('judged again from the saved facts: the same report, marked rejudged', async () => {
    const server = await serve({ always: { stage: 'rcpt', reply: '550 5.1.1 unknown' } });
    const report = await run(server);
    const again = rejudgeEnforce(JSON.parse(JSON.stringify(report)) as EnforceReport);
    expect(again.judgedWith.rejudged).toBe(true);
    expect({ ...again, judgedWith: report.judgedWith }).toEqual(report);
  });
});
