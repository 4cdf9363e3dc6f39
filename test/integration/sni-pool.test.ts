// Another certificate without SNI: a server that chooses its certificate by SNI, or a pool of
// servers behind one address, each with its own certificate? One more handshake with SNI tells
// them apart, made only when the certificate without SNI differed. Each case against a scripted
// TLS server on loopback, started and stopped by the test, checked through the library API:
// exact finding ids, the facts, the connections the server received (counted, with their SNI),
// the transcript, and the same judgement again from the saved report (`--rejudge`).
//
// The connections of one address, in order: 1 the main session (SNI), 2 the handshake without
// SNI, 3 the cleartext session, 4 the confirming handshake with SNI (only when 2 differed from 1).
import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { Connector, HostMapping, Limits, Resolver } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';
import type { Finding, HostReport, Report, TranscriptEvent } from '../../src/core/schema.js';
import { closedLoopbackPort, reply, startScriptedServer, verbOf, type ScriptActions, type ScriptConnection, type ScriptedCertificate, type ScriptedServerTls } from '../../src/demo/scripted-server.js';
import { createRootCa, createSelfSigned, type IssuedCert } from '../../src/demo/test-pki.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { checkReceiver, rejudgeReceiver, type ReceiverOptions } from '../../src/library.js';
import { schemaErrors } from '../helpers/schema.js';

const DOMAIN = 'pool.test';
const MX = 'mx.pool.test';
const HELO = 'client.mxray.test';
const LIMITS: Partial<Limits> = { connectTimeoutMs: 1500, greetingTimeoutMs: 1500, commandTimeoutMs: 1500, tlsTimeoutMs: 1500 };

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => void rejections.push(reason);
process.on('unhandledRejection', onRejection);

let caPem: string;
/** Two members of a pool, each with a good certificate of its own for the MX name. */
let memberA: IssuedCert;
let memberB: IssuedCert;
/** A member whose certificate expired. */
let expiredMember: IssuedCert;
/** A hosting provider's self-signed default, sent to clients without SNI. */
let fallback: IssuedCert;

beforeAll(async () => {
  const now = Date.now();
  const ca = await createRootCa('mxray sni-pool root', now);
  caPem = ca.cert.certPem;
  memberA = await ca.issue({ commonName: MX, dnsNames: [MX] });
  memberB = await ca.issue({ commonName: MX, dnsNames: [MX] });
  expiredMember = await ca.issue({ commonName: MX, dnsNames: [MX], notBefore: new Date(now - 400 * 86_400_000), notAfter: new Date(now - 2 * 86_400_000) });
  fallback = await createSelfSigned({ commonName: 'localhost', dnsNames: ['localhost'] }, now);
});

const stoppers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(stoppers.splice(0).map((stop) => stop()));
  expect(rejections).toEqual([]);
});

afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  process.off('unhandledRejection', onRejection);
  expect(rejections).toEqual([]);
});

const pair = (c: IssuedCert): ScriptedCertificate => ({ key: c.keyPem, cert: c.certPem });

function fakeResolver(): Resolver {
  const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
  return {
    description: 'in-test resolver',
    mx: (name) => (name === DOMAIN ? Promise.resolve([{ exchange: MX, priority: 10 }]) : nx(name, 'MX')),
    a: (name) => nx(name, 'A'),
    aaaa: (name) => nx(name, 'AAAA'),
    cname: (name) => nx(name, 'CNAME'),
    txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
  };
}

interface TestServer {
  port: number;
  /** Every connection accepted, in order (its SNI once TLS is up). */
  connections: ScriptConnection[];
  /** Lines per connection, as `VERB` (or `VERB(tls)` inside TLS). */
  dialogue(conn: number): string[];
}

/**
 * A correct SMTP server with STARTTLS whose certificate is chosen per connection (`certificate`, by
 * the connection's number; default: the `tls` option's) and by SNI (`tls.sni`). `starttls` may
 * replace the reply to STARTTLS on a connection.
 */
async function serve(tls: ScriptedServerTls, plan: { certificate?: (c: ScriptConnection) => ScriptedCertificate | undefined; starttls?: (c: ScriptConnection) => ScriptActions | undefined } = {}): Promise<TestServer> {
  const connections: ScriptConnection[] = [];
  const received: { conn: number; line: string }[] = [];
  const server = await startScriptedServer(
    {
      greeting: (c) => {
        connections.push(c);
        return [reply(220, `${MX} ESMTP ready`)];
      },
      command: (line, c) => {
        received.push({ conn: c.id, line: `${verbOf(line)}${c.secure ? '(tls)' : ''}` });
        switch (verbOf(line)) {
          case 'EHLO':
            return [reply(250, MX, 'PIPELINING', ...(c.secure ? [] : ['STARTTLS']), '8BITMIME')];
          case 'STARTTLS': {
            const certificate = plan.certificate?.(c);
            return plan.starttls?.(c) ?? [reply(220, '2.0.0 go ahead'), certificate ? { type: 'starttls', certificate } : { type: 'starttls' }];
          }
          case 'MAIL':
            return [reply(250, '2.1.0 OK')];
          case 'RCPT':
            return [reply(250, '2.1.5 OK')];
          case 'RSET':
            return [reply(250, '2.0.0 OK')];
          case 'QUIT':
            return [reply(221, '2.0.0 bye'), { type: 'close' }];
          default:
            return [reply(502, '5.5.2 not implemented')];
        }
      },
    },
    { tls },
  );
  stoppers.push(() => server.stop());
  return { port: server.port, connections, dialogue: (conn) => received.filter((r) => r.conn === conn).map((r) => r.line) };
}

/** Checks pool.test (its MX pointed at the loopback port), then judges the saved report again. */
async function check(port: number, extra: Partial<ReceiverOptions> = {}): Promise<{ report: Report; host: HostReport; ids: string[]; rejudged: string[] }> {
  const trustStore = createTrustStore([caPem], 'sni-pool test CA');
  const report = await checkReceiver({
    target: DOMAIN,
    helo: HELO,
    clock: systemClock,
    resolver: fakeResolver(),
    connector: createConnector(systemClock),
    trustStore,
    hostMap: new Map<string, HostMapping>([[MX, { address: '127.0.0.1', port }]]),
    ...extra,
    limits: LIMITS,
  });
  const saved = JSON.parse(JSON.stringify(report)) as Report;
  expect(schemaErrors(saved)).toEqual([]);
  expect(report.body.hosts).toHaveLength(1);
  const host = report.body.hosts[0]!;
  // Checks are pure: the saved facts judged again give the same findings.
  const again = rejudgeReceiver(saved as Parameters<typeof rejudgeReceiver>[0], { trustStore });
  return { report, host, ids: host.findings.map((f) => f.id).sort(), rejudged: again.body.hosts[0]!.findings.map((f) => f.id).sort() };
}

const b64 = (c: IssuedCert) => c.der.toString('base64');
const eventsOf = (report: Report, host: HostReport, conn: string): TranscriptEvent[] => report.transcript.filter((e) => e.conn === `${host.key}/${conn}`);
function findingOf(host: HostReport, id: string): Finding {
  const found = host.findings.filter((f) => f.id === id);
  expect(found, id).toHaveLength(1);
  return found[0]!;
}
/** A certificate as the findings name it: its subject (as the test PKI writes it) and the start of its SHA-256. */
const named = (c: IssuedCert) => `CN=${c === fallback ? 'localhost' : MX}, O=mxray test server (SHA-256 ${new X509Certificate(c.der).fingerprint256.replace(/:/g, '').slice(0, 16)}…)`;

describe('the handshake without SNI showed another certificate', () => {
  it('a pool: certificates alternate per connection whatever the SNI; the confirming handshake (the fourth connection) shows another one: cert.differs-between-connections, never cert.sni-dependent', async () => {
    // Odd connections reach member A, even ones member B, as a load balancer taking turns would.
    const s = await serve(pair(memberA), { certificate: (c) => (c.id % 2 === 1 ? pair(memberA) : pair(memberB)) });
    const { report, host, ids, rejudged } = await check(s.port);
    expect(ids).toEqual(['cert.differs-between-connections', 'cert.ok', 'policy.cleartext-accepted', 'tls.ok']);
    expect(rejudged).toEqual(ids);
    expect(report.verdict).toBe('warn');
    // Four connections: main (SNI), without SNI, cleartext, and the confirmation (SNI again).
    expect(s.connections.map((c) => [c.id, c.servername])).toEqual([
      [1, MX],
      [2, null],
      [3, null],
      [4, MX],
    ]);
    // It ends politely: QUIT inside TLS.
    expect(s.dialogue(4)).toEqual(['EHLO', 'STARTTLS', 'QUIT(tls)']);
    expect(host.tls!.peerChain).toEqual([b64(memberA)]);
    expect(host.noSni).toEqual({ status: 'ok', error: null, peerChain: [b64(memberB)], confirm: { status: 'ok', error: null, peerChain: [b64(memberB)] } });
    expect(host.assessment.noSni).toMatchObject({ sameCertificate: false, confirm: { sameCertificate: false } });
    const f = findingOf(host, 'cert.differs-between-connections');
    expect(f.facts).toEqual({ host: host.key, count: 2, certificates: `${named(memberA)} in the first handshake with SNI; ${named(memberB)} without SNI and in a second handshake with SNI` });
    expect(f.severity).toBe('warning');
    // Its evidence: the main handshake, the one without SNI and the confirming one.
    const cited = new Set(report.transcript.filter((e) => f.evidence.includes(e.seq)).map((e) => e.conn.slice(host.key.length)));
    expect([...cited].sort()).toEqual(['/main', '/no-sni', '/sni-confirm']);
    // The confirming connection in the transcript: its own id, the certificate it saw, closed at the end.
    const confirm = eventsOf(report, host, 'sni-confirm');
    expect(host.evidence['sniConfirm']).toEqual(confirm.map((e) => e.seq));
    expect(confirm.filter((e) => e.kind === 'cert').map((e) => e.text.split(';')[0])).toEqual(['again with SNI: 1 certificate(s) sent']);
    expect(confirm.map((e) => e.kind).at(-1)).toBe('close');
  });

  it('a pool with an expired member: its problems reported, marked with where it was seen', async () => {
    const s = await serve(pair(memberA), { certificate: (c) => (c.id % 2 === 1 ? pair(memberA) : pair(expiredMember)) });
    const { host, ids, rejudged } = await check(s.port);
    expect(ids).toEqual(['cert.differs-between-connections', 'cert.expired', 'cert.ok', 'policy.cleartext-accepted', 'tls.ok']);
    expect(rejudged).toEqual(ids);
    const expired = findingOf(host, 'cert.expired');
    expect(expired.facts['handshake']).toBe('no-sni');
    expect(expired.title.endsWith(' (certificate sent without SNI)')).toBe(true);
    expect(s.connections).toHaveLength(4);
  });

  it('a pool and an expected thumbprint: the member that does not match is reported', async () => {
    const s = await serve(pair(memberA), { certificate: (c) => (c.id % 2 === 1 ? pair(memberA) : pair(memberB)) });
    // Member A's thumbprint: the main handshake matches it, the other member does not.
    const thumbprint = new X509Certificate(memberA.der).fingerprint256.replace(/:/g, '');
    const { host, ids, rejudged } = await check(s.port, { expectThumbprint: thumbprint });
    expect(ids).toEqual(['cert.differs-between-connections', 'cert.ok', 'cert.thumbprint-mismatch', 'policy.cleartext-accepted', 'tls.ok']);
    expect(rejudged).toEqual(ids);
    expect(findingOf(host, 'cert.thumbprint-mismatch').facts).toMatchObject({ handshake: 'no-sni', expected: thumbprint });
  });

  it('real SNI dependence: the confirming handshake shows the main certificate again: cert.sni-dependent, confirmed; exactly one confirming connection', async () => {
    // The MX certificate only to clients that ask for the MX name; a self-signed default to the others.
    const s = await serve({ ...pair(fallback), sni: { [MX]: pair(memberA) } });
    const { report, host, ids, rejudged } = await check(s.port);
    expect(ids).toEqual(['cert.name-mismatch', 'cert.ok', 'cert.self-signed', 'cert.sni-dependent', 'policy.cleartext-accepted', 'tls.ok']);
    expect(rejudged).toEqual(ids);
    expect(s.connections.map((c) => [c.id, c.servername])).toEqual([
      [1, MX],
      [2, null],
      [3, null],
      [4, MX],
    ]);
    expect(s.dialogue(4)).toEqual(['EHLO', 'STARTTLS', 'QUIT(tls)']);
    expect(host.noSni).toEqual({ status: 'ok', error: null, peerChain: [b64(fallback)], confirm: { status: 'ok', error: null, peerChain: [b64(memberA)] } });
    expect(host.assessment.noSni).toMatchObject({ sameCertificate: false, confirm: { sameCertificate: true } });
    const f = findingOf(host, 'cert.sni-dependent');
    expect(f.facts['confirmation']).toBe('A second handshake with SNI showed the first certificate again: the server chooses its certificate by SNI.');
    expect([f.facts['withSni'], f.facts['withoutSni']]).toEqual([named(memberA), named(fallback)]);
    expect(eventsOf(report, host, 'sni-confirm').map((e) => e.kind).at(-1)).toBe('close');
  });

  it('the same certificate with and without SNI: no confirming connection at all (three connections)', async () => {
    const s = await serve({ ...pair(memberA), sni: { [MX]: pair(memberA) } });
    const { report, host, ids } = await check(s.port);
    expect(ids).toEqual(['cert.ok', 'policy.cleartext-accepted', 'tls.ok']);
    expect(s.connections.map((c) => [c.id, c.servername])).toEqual([
      [1, MX],
      [2, null],
      [3, null],
    ]);
    expect(host.noSni).toEqual({ status: 'ok', error: null, peerChain: [b64(memberA)] });
    expect(host.noSni).not.toHaveProperty('confirm');
    expect(host.evidence).not.toHaveProperty('sniConfirm');
    expect(eventsOf(report, host, 'sni-confirm')).toEqual([]);
  });
});

describe('the confirming handshake fails', () => {
  /** A connector that sends the n-th connection to a loopback port nothing listens on (the kernel refuses it). */
  function refusingNth(n: number, closedPort: number): Connector {
    const real = createConnector(systemClock);
    let count = 0;
    return { connect: (o) => real.connect(++count === n ? { ...o, port: closedPort } : o) };
  }

  it('refused: cert.sni-dependent, its detail saying it is not confirmed; the status in the facts', async () => {
    const s = await serve({ ...pair(fallback), sni: { [MX]: pair(memberA) } });
    const { report, host, ids, rejudged } = await check(s.port, { connector: refusingNth(4, await closedLoopbackPort()) });
    expect(ids).toEqual(['cert.name-mismatch', 'cert.ok', 'cert.self-signed', 'cert.sni-dependent', 'policy.cleartext-accepted', 'tls.ok']);
    expect(rejudged).toEqual(ids);
    // The server saw three connections; the fourth was refused before it.
    expect(s.connections).toHaveLength(3);
    const error = host.noSni!.confirm!.error;
    expect(error).not.toBeNull();
    expect(host.noSni!.confirm).toEqual({ status: 'connection-refused', error, peerChain: [] });
    expect(host.assessment.noSni!.confirm).toEqual({ sameCertificate: null, certificate: null });
    const f = findingOf(host, 'cert.sni-dependent');
    expect(f.facts['confirmation']).toBe(`A second handshake with SNI, to rule out a pool of servers with certificates of their own, failed (${error}): not confirmed.`);
    expect(eventsOf(report, host, 'sni-confirm').map((e) => e.kind)).toContain('error');
  });

  it('a failed handshake (garbage after 220): cert.sni-dependent, not confirmed, status tls-handshake-error; no tls.sni-required', async () => {
    const s = await serve({ ...pair(fallback), sni: { [MX]: pair(memberA) } }, { starttls: (c) => (c.id === 4 ? [reply(220, '2.0.0 go ahead'), { type: 'write', data: 'this is not TLS\r\n' }, { type: 'close' }] : undefined) });
    const { host, ids, rejudged } = await check(s.port);
    expect(ids).toEqual(['cert.name-mismatch', 'cert.ok', 'cert.self-signed', 'cert.sni-dependent', 'policy.cleartext-accepted', 'tls.ok']);
    expect(rejudged).toEqual(ids);
    expect(s.connections).toHaveLength(4);
    expect(host.noSni!.confirm).toMatchObject({ status: 'tls-handshake-error', peerChain: [] });
    expect(host.noSni!.confirm!.error).not.toBeNull();
    const f = findingOf(host, 'cert.sni-dependent');
    expect(f.facts['confirmation']).toBe(`A second handshake with SNI, to rule out a pool of servers with certificates of their own, failed (${host.noSni!.confirm!.error}): not confirmed.`);
  });
});
