// `mxray send`'s job before the network (src/jobs/send/check-send.ts): the option checks (--helo,
// --from, --to, --requiretls with --tls/--verify, --client-cert with --tls none, --count and
// --concurrency bounds), the default recipient (user@domain, else postmaster@domain), the defaults
// that follow from the options (EHLO name and MAIL FROM, TLS and verify modes), nextAddressWhy, and
// the figures of a --count run (loadFigures, percentile) on the injected clock.
// Option errors are asserted by their exact UsageError message, thrown before any connection and
// before the defaults are even asked for. Runs that pass the checks and need no server target a
// domain that does not resolve (an in-test resolver): nothing is ever connected. The figures come
// from a loopback fixture (test/helpers/send-server.ts), stopped by the test that started it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import type { Connector, JobEdges, Limits, Resolver } from '../../src/core/context.js';
import { DnsError, UsageError } from '../../src/core/errors.js';
import { createScheduler } from '../../src/core/scheduler.js';
import type { SendReport } from '../../src/core/schema.js';
import { createRootCa } from '../../src/demo/test-pki.js';
import { nextAddressWhy } from '../../src/jobs/send/check-send.js';
import type { SessionResult } from '../../src/jobs/send/probe-send.js';
import { sendMessage, type SendOptions } from '../../src/library.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { startSendServer, type SendServer, type SendServerPlan } from '../helpers/send-server.js';

const HELO = 'client.mxray.test';
const FROM = 'sender@client.mxray.test';
const TO = 'rcpt@send.test';
const START = Date.UTC(2026, 10, 30, 8, 0, 0);
const LIMITS: Partial<Limits> = { connectTimeoutMs: 3000, greetingTimeoutMs: 3000, commandTimeoutMs: 3000, tlsTimeoutMs: 3000 };

const noDns: Resolver = {
  description: 'in-test resolver',
  mx: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'MX')),
  a: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'A')),
  aaaa: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'AAAA')),
  cname: (name) => Promise.reject(new DnsError('NXDOMAIN', name, 'CNAME')),
  txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
};

/** What a run touched: connections tried, and how often the defaults were asked for. */
interface Touched {
  connects: number;
  defaults: number;
}

function offline(touched: Touched): Connector {
  return {
    connect: () => {
      touched.connects++;
      return Promise.reject(new Error('this test makes no connection'));
    },
  };
}

/** Every edge but the EHLO name given in the options; the defaults give `helo` (and count their calls). */
function run(extra: Partial<SendOptions>, helo = 'edges.mxray.test'): { report: Promise<SendReport>; touched: Touched } {
  const touched: Touched = { connects: 0, defaults: 0 };
  const clock = fixedClock(START);
  const defaults = (): JobEdges => {
    touched.defaults++;
    return { clock, resolver: noDns, connector: offline(touched), trustStore: createTrustStore([], 'empty'), helo, scheduler: createScheduler() };
  };
  const report = sendMessage(
    {
      target: 'send.test',
      to: [TO],
      from: FROM,
      helo: HELO,
      clock,
      resolver: noDns,
      connector: offline(touched),
      scheduler: createScheduler(),
      trustStore: createTrustStore([], 'empty'),
      testId: () => '0123456789abcdef',
      ...extra,
    },
    defaults,
  );
  return { report, touched };
}

/** The run is refused with exactly this message, before any connection (and the defaults asked for `defaults` times). */
async function refused(extra: Partial<SendOptions>, message: string, helo?: string, defaults = 0): Promise<void> {
  const { report, touched } = run(extra, helo);
  const err: unknown = await report.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  expect((err as Error).message).toBe(message);
  expect(touched).toEqual({ connects: 0, defaults });
}

/** The run passes the checks: nothing resolves, so no server is tried and no connection made. */
async function accepted(extra: Partial<SendOptions>, helo?: string): Promise<SendReport> {
  const { report, touched } = run(extra, helo);
  const r = await report;
  expect(r.body.outcome).toEqual({ result: 'failed', stage: null, reply: null, reason: 'no server to send to', cause: null, queueId: null, refusedRecipients: [] });
  expect(touched.connects).toBe(0);
  return r;
}

const ADDRESS_HINT = 'give a plain address like name@example.com';

describe('send options: --helo, --from and --to are checked before anything else', () => {
  it('a --helo that is no HELO name', async () => {
    await refused({ helo: 'not_a_name' }, '--helo "not_a_name" is not usable: give a fully qualified domain name, [IPv4] or [IPv6:address]');
  });

  it('a --from that is no plain address: an @ first, a second @ at the end', async () => {
    await refused({ from: '@x@send.test' }, `--from "@x@send.test" is not usable: ${ADDRESS_HINT}`);
    await refused({ from: 'sender@send.test@' }, `--from "sender@send.test@" is not usable: ${ADDRESS_HINT}`);
  });

  it('--from is refused first: before the target, --count, or asking the defaults for an EHLO name', async () => {
    await refused({ from: '@x@send.test', helo: undefined }, `--from "@x@send.test" is not usable: ${ADDRESS_HINT}`);
    await refused({ from: 'sender@send.test@', target: 'http://send.test', count: 0 }, `--from "sender@send.test@" is not usable: ${ADDRESS_HINT}`);
  });

  it('a --to that is no plain address: an @ first, a second @ at the end', async () => {
    await refused({ to: [TO, '@x@send.test'] }, `--to "@x@send.test" is not usable: ${ADDRESS_HINT}`);
    await refused({ to: ['rcpt@send.test@'] }, `--to "rcpt@send.test@" is not usable: ${ADDRESS_HINT}`);
  });

  it('at most 100 recipients: 101 are refused, 100 taken in their order', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `r${i}@send.test`);
    await refused({ to: many }, 'at most 100 recipients (--to)');
    const r = await accepted({ to: many.slice(0, 100) });
    expect(r.body.envelope.to).toEqual(many.slice(0, 100));
  });
});

describe('send options: the default recipient', () => {
  it('the target user@domain, without --to: that address', async () => {
    const r = await accepted({ target: 'user@send.test', to: undefined });
    expect(r.body.envelope.to).toEqual(['user@send.test']);
  });

  it('user@domain written with white space around it: the address without it', async () => {
    const r = await accepted({ target: '  user@send.test ', to: null });
    expect(r.body.envelope.to).toEqual(['user@send.test']);
  });

  it('a mail domain, without --to: postmaster@ the domain', async () => {
    const r = await accepted({ target: 'send.test', to: [] });
    expect(r.body.envelope.to).toEqual(['postmaster@send.test']);
  });

  it('a target with two @ is no plain address: postmaster@ its domain, not the target', async () => {
    const r = await accepted({ target: 'a@b@send.test', to: undefined });
    expect(r.body.target.domain).toBe('send.test');
    expect(r.body.envelope.to).toEqual(['postmaster@send.test']);
  });

  it('--to given: those, not the target user', async () => {
    const r = await accepted({ target: 'user@send.test', to: [TO] });
    expect(r.body.envelope.to).toEqual([TO]);
  });

  it('a server as the target and no --to: a usage error, no recipient assumed', async () => {
    await refused({ target: '127.0.0.1', to: undefined }, 'give --to: the target is a server, not a mail domain, so there is no recipient to assume');
    await refused({ target: 'mx.send.test:2525', to: [] }, 'give --to: the target is a server, not a mail domain, so there is no recipient to assume');
  });
});

describe('send options: --requiretls, --tls, --verify and --client-cert', () => {
  it('--requiretls with --tls other than required: refused', async () => {
    await refused({ requireTls: true, tls: 'opportunistic' }, '--requiretls needs --tls required (RFC 8689: the whole path verified), not --tls opportunistic');
  });

  it('--requiretls with --verify other than name: refused', async () => {
    await refused({ requireTls: true, verify: 'ca' }, '--requiretls needs --verify name, not --verify ca');
    await refused({ requireTls: true, tls: 'required', verify: 'none' }, '--requiretls needs --verify name, not --verify none');
  });

  it('--requiretls with --tls required --verify name said outright: taken', async () => {
    const r = await accepted({ requireTls: true, tls: 'required', verify: 'name' });
    expect(r.body.settings).toEqual({ tls: 'required', verify: 'name', requireTls: true, auth: null, clientCertificate: null });
  });

  it('--requiretls alone implies --tls required --verify name', async () => {
    const r = await accepted({ requireTls: true });
    expect(r.body.settings).toMatchObject({ tls: 'required', verify: 'name', requireTls: true });
  });

  it('--tls required without --verify: verify name', async () => {
    const r = await accepted({ tls: 'required' });
    expect(r.body.settings).toMatchObject({ tls: 'required', verify: 'name', requireTls: false });
  });

  it('--tls implicit without --verify: verify name', async () => {
    const r = await accepted({ tls: 'implicit' });
    expect(r.body.settings).toMatchObject({ tls: 'implicit', verify: 'name' });
  });

  it('port 465 without --tls: implicit TLS, verify name', async () => {
    const r = await accepted({ target: 'mx.send.test:465' });
    expect(r.body.target.implicitTls).toBe(true);
    expect(r.body.settings).toMatchObject({ tls: 'implicit', verify: 'name' });
  });

  it('no --tls on port 25: opportunistic, verify none; --tls none: verify none', async () => {
    expect((await accepted({})).body.settings).toMatchObject({ tls: 'opportunistic', verify: 'none' });
    expect((await accepted({ tls: 'none' })).body.settings).toMatchObject({ tls: 'none', verify: 'none' });
  });

  const cert = { keyPem: 'not used: nothing connects', certPem: 'not used', subject: 'CN=client.mxray.test' };

  it('--client-cert with --tls none: refused', async () => {
    await refused({ tls: 'none', clientCertificate: cert }, '--client-cert needs TLS: not with --tls none');
  });

  it('--client-cert with TLS: taken, its subject in the settings', async () => {
    const r = await accepted({ tls: 'opportunistic', clientCertificate: cert });
    expect(r.body.settings).toEqual({ tls: 'opportunistic', verify: 'none', requireTls: false, auth: null, clientCertificate: 'CN=client.mxray.test' });
  });
});

describe('send options: --count and --concurrency', () => {
  const countError = '--count must be a whole number from 1 to 100000';
  const concurrencyError = '--concurrency must be a whole number from 1 to 200';

  it('--count 0, -1, 1.5, 100001 and NaN: refused', async () => {
    for (const count of [0, -1, 1.5, 100_001, Number.NaN]) await refused({ count }, countError);
  });

  it('--concurrency 0, 0.5 and 201: refused', async () => {
    for (const concurrency of [0, 0.5, 201]) await refused({ count: 300, concurrency }, concurrencyError);
  });

  it('the bounds themselves are taken: --count 100000, --count 200 --concurrency 200, --count 1', async () => {
    expect((await accepted({ count: 100_000 })).body.load).toBeNull();
    expect((await accepted({ count: 200, concurrency: 200 })).body.load).toBeNull();
    expect((await accepted({ count: 1, concurrency: 1 })).body.load).toBeNull();
  });
});

describe('send options: the EHLO name and MAIL FROM by default', () => {
  it('no --helo, no --from: the EHLO name from the defaults, MAIL FROM mxray-test@ it', async () => {
    const r = await accepted({ helo: undefined, from: undefined }, 'edges.mxray.test');
    expect(r.body.envelope).toEqual({ helo: 'edges.mxray.test', from: 'mxray-test@edges.mxray.test', to: [TO] });
  });

  it('--helo [IPv4] or [IPv6:…] without --from: MAIL FROM mxray-test@ the address literal, brackets kept (RFC 5321 §4.1.3)', async () => {
    const r = await accepted({ helo: '[192.0.2.7]', from: undefined });
    expect(r.body.envelope).toEqual({ helo: '[192.0.2.7]', from: 'mxray-test@[192.0.2.7]', to: [TO] });
    const v6 = await accepted({ helo: '[IPv6:2001:db8::1]', from: undefined });
    expect(v6.body.envelope.from).toBe('mxray-test@[IPv6:2001:db8::1]');
  });

  it('--from given: taken as it is', async () => {
    const r = await accepted({ helo: '[192.0.2.7]', from: FROM });
    expect(r.body.envelope.from).toBe(FROM);
  });

  it('a --helo so long that mxray-test@ it is over 254 characters: the MAIL FROM it makes is refused', async () => {
    const helo = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.test`;
    expect(helo.length).toBe(248);
    await refused({ helo, from: undefined }, `--from "mxray-test@${'a'.repeat(60)}.${'b'.repeat(8)}" is not usable: ${ADDRESS_HINT}`);
  });

  it('an EHLO name from the defaults with an @ in it: the MAIL FROM it makes is refused', async () => {
    await refused({ helo: undefined, from: undefined }, `--from "mxray-test@relay@edges.mxray.test" is not usable: ${ADDRESS_HINT}`, 'relay@edges.mxray.test', 1);
  });

  it('an EHLO name from the defaults: only brackets around it all are dropped, not one inside', async () => {
    const r = await accepted({ helo: undefined, from: undefined }, 'mx]1[.edges.mxray.test');
    expect(r.body.envelope.from).toBe('mxray-test@mx]1[.edges.mxray.test');
  });
});

describe('nextAddressWhy: when an MTA leaves an address for the next', () => {
  const outcome = (o: Partial<SessionResult['messages'][number]['outcome']>): SessionResult => ({
    session: { status: 'ok', statusDetail: null, capabilities: [], extensionsUsed: [], tls: null, certificate: null, tlsFallback: null, tlsAlert: null, clientCertificateRequested: false, steps: [], evidence: [] },
    messages: [{ outcome: { result: 'failed', stage: 'connect', reply: null, reason: 'why', cause: null, queueId: null, refusedRecipients: [], ...o }, latencyMs: null }],
  });

  it('a session without a message keeps the address', () => {
    const none: SessionResult = { ...outcome({}), messages: [] };
    expect(nextAddressWhy([none])).toBeNull();
    expect(nextAddressWhy([outcome({ reason: 'a' }), none])).toBeNull();
  });

  it('not sent at the greeting for another cause than TLS: kept', () => {
    expect(nextAddressWhy([outcome({ result: 'not-sent', stage: 'banner', cause: 'extension-missing' })])).toBeNull();
  });

  it('a refusal before the envelope that says TLS is unavailable: kept unless at the greeting', () => {
    expect(nextAddressWhy([outcome({ result: 'refused', stage: 'starttls', cause: 'tls-unavailable' })])).toBeNull();
    expect(nextAddressWhy([outcome({ result: 'refused', stage: 'banner', cause: 'tls-unavailable', reason: 'greeting' })])).toBe('greeting');
  });
});

describe('the figures of a --count run', () => {
  const servers: SendServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  let tlsKey: { key: string; cert: string };
  beforeAll(async () => {
    const ca = await createRootCa('mxray send job test root', Date.now());
    const leaf = await ca.issue({ commonName: 'mx.send.test', dnsNames: ['mx.send.test'] });
    tlsKey = { key: leaf.keyPem, cert: leaf.certPem };
  });

  async function load(plan: SendServerPlan, extra: Partial<SendOptions>, clock = fixedClock(START)): Promise<SendReport> {
    const s = await startSendServer({ starttls: false, ...plan }, tlsKey);
    servers.push(s);
    return sendMessage(
      {
        target: `mx.send.test:${s.port}`,
        to: [TO],
        from: FROM,
        helo: HELO,
        tls: 'none',
        limits: LIMITS,
        hostMap: new Map([['mx.send.test', { address: s.address, port: s.port }]]),
        clock,
        resolver: noDns,
        connector: createConnector(systemClock),
        scheduler: createScheduler(),
        trustStore: createTrustStore([], 'empty'),
        ...extra,
      },
      () => {
        throw new Error('every edge is given in the options');
      },
    );
  }

  it('latencies in another order than sorted: the percentiles of the sorted ones', async () => {
    const clock = fixedClock(START);
    const steps = [7, 1, 3, 5];
    let n = 0;
    const r = await load({ onMessage: () => clock.advance(steps[n++] ?? 0) }, { count: 4, concurrency: 1 }, clock);
    expect(r.body.load).toEqual({ count: 4, concurrency: 1, delivered: 4, refused: 0, failed: 0, elapsedMs: 16, messagesPerSecond: 250, latencyMs: { p50: 3, p90: 7, p99: 7, max: 7 }, firstFailure: null });
  });

  it('a clock that does not move: 0 messages/s, not Infinity', async () => {
    const r = await load({}, { count: 2, concurrency: 2 });
    expect(r.body.load).toEqual({ count: 2, concurrency: 2, delivered: 2, refused: 0, failed: 0, elapsedMs: 0, messagesPerSecond: 0, latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 }, firstFailure: null });
  });

  it('5xx refusals are counted as refused; the first failure kept, cut at 300 characters', async () => {
    const text = `550 5.7.1 ${'x'.repeat(400)}`;
    const r = await load({ refuse: { message: text } }, { count: 2, concurrency: 1 });
    expect(r.body.outcome.reason).toBe(`refused the message: ${text}`);
    const firstFailure = `refused the message: 550 5.7.1 ${'x'.repeat(269)}`;
    expect(r.body.load).toEqual({ count: 2, concurrency: 1, delivered: 0, refused: 2, failed: 0, elapsedMs: 0, messagesPerSecond: 0, latencyMs: null, firstFailure });
  });
});
