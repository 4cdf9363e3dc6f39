// The receiver test's edges the other receiver tests leave open: limits given as undefined, what
// the TLS facts keep of a stapled OCSP response and of the chain as sent (and what the transcript
// says when it differs from Node's view), and the certificate fetches after the probes (the fetcher
// injected here, its time-out, the transcript's connection name, progress, a stapled response passed
// on, no fetch without certificates or without a fetcher, and our own bug in them as a note).
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import { DEFAULT_LIMITS, type ProbeContext, type Resolver, type TlsHandshake } from '../../../../src/core/context.js';
import { DnsError } from '../../../../src/core/errors.js';
import type { HostReport, ReceiverReport } from '../../../../src/core/schema.js';
import { createScheduler } from '../../../../src/core/scheduler.js';
import { Transcript } from '../../../../src/core/transcript.js';
import type { FetchRequest, FetchResult, HttpFetcher } from '../../../../src/http/fetcher.js';
import { runReceiverCheck, type ReceiverOptions } from '../../../../src/jobs/receiver/check-receiver.js';
import { probeHost, type HostTarget } from '../../../../src/jobs/receiver/probe-host.js';
import { checkReceiver } from '../../../../src/library.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { certify, party, pemOf } from '../../../helpers/chain-pki.js';
import { schemaErrors } from '../../../helpers/schema.js';
import { handshakeOf, memoryMta, type MemoryMta } from './memory-mta.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const KEY = 'mx1.far.test[192.0.2.1]:25';
const INTER_URL = 'http://ca.test/inter.cer';

let rootDer: Buffer;
let interDer: Buffer;
/** Issued by the intermediate, which it names at INTER_URL. */
let leafDer: Buffer;
/** Another certificate, not on the path. */
let strayDer: Buffer;
/** A certificate with an empty subject (its name in a critical subjectAltName). */
let emptyDer: Buffer;

beforeAll(async () => {
  const root = await party('CN=mxray receiver root');
  const inter = await party('CN=mxray receiver intermediate');
  rootDer = await certify(root, root, 'ca', NOW);
  interDer = await certify(inter, root, 'ca', NOW);
  leafDer = await certify(await party('CN=mx1.far.test'), inter, 'leaf', NOW, { dnsNames: ['mx1.far.test'], extensions: [new x509.AuthorityInfoAccessExtension({ caIssuers: INTER_URL })] });
  const stray = await party('CN=mxray stray');
  strayDer = await certify(stray, stray, 'ca', NOW);
  emptyDer = await certify(await party(''), inter, 'leaf', NOW, { dnsNames: ['mx1.far.test'] });
});

/** What checkOcspResponse says of an OCSPResponse whose responseStatus is tryLater. */
const STAPLED_TRY_LATER = 'the OCSP responder answered tryLater instead of a certificate status';
const sha8 = (der: Buffer) => createHash('sha256').update(der).digest('hex').toUpperCase().slice(0, 8);

/** far.test → mx1.far.test → 192.0.2.1. */
function resolver(): Resolver {
  const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
  return {
    description: 'in-test resolver',
    mx: (name) => (name === 'far.test' ? Promise.resolve([{ exchange: 'mx1.far.test', priority: 10 }]) : nx(name, 'MX')),
    a: (name) => (name === 'mx1.far.test' ? Promise.resolve(['192.0.2.1']) : nx(name, 'A')),
    aaaa: (name) => nx(name, 'AAAA'),
    cname: (name) => nx(name, 'CNAME'),
    txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
  };
}

/** A fetcher that answers INTER_URL with the intermediate (or with `body`), everything else 404; records every request. */
function fakeFetcher(body?: () => Buffer) {
  const requests: FetchRequest[] = [];
  const fetcher: HttpFetcher = {
    fetch(request) {
      requests.push(request);
      const found = request.url === INTER_URL;
      const result: FetchResult = { status: found ? 200 : 404, headers: {}, body: found ? (body?.() ?? interDer) : Buffer.alloc(0), url: request.url, address: '192.0.2.80', redirects: [] };
      return Promise.resolve(result);
    },
  };
  return { fetcher, requests };
}

function options(mta: MemoryMta, extra: Partial<ReceiverOptions> = {}): ReceiverOptions {
  return {
    target: 'far.test',
    posture: false,
    helo: 'client.mxray.test',
    clock: fixedClock(NOW),
    resolver: resolver(),
    connector: mta.connector,
    trustStore: createTrustStore([pemOf([rootDer])], 'receiver test root'),
    ...extra,
  };
}

async function check(opts: ReceiverOptions): Promise<{ report: ReceiverReport; host: HostReport }> {
  const report = await checkReceiver(opts);
  expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
  return { report, host: report.body.hosts[0]! };
}

const withChain = (peerChain: Buffer[], extra: Partial<TlsHandshake> = {}) => memoryMta({ handshake: () => ({ ...handshakeOf(peerChain), ...extra }) });
const httpEvents = (report: ReceiverReport) => report.transcript.filter((e) => e.conn.endsWith('/http')).map((e) => `${e.conn} ${e.kind} ${e.text}`);

describe('limits', () => {
  it('a count given as undefined from JavaScript keeps its default, as null does', async () => {
    const mta = memoryMta();
    const undefs = { dnsQueriesAtOnce: undefined, addressesPerHost: undefined, connectionsPerDomain: undefined, addressDeadlineMs: undefined, commandTimeoutMs: undefined };
    const { host, report } = await check(options(mta, { limits: undefs as unknown as ReceiverOptions['limits'] }));
    expect(host.status).toBe('ok');
    expect(report.body.bounds).toMatchObject({ addressesPerHost: 10, addressDeadlineMs: 120_000, notProbedCount: 0 });
  });
});

describe('certificate fetches after the probes', () => {
  it('the injected fetcher repairs the chain: one request with the given time, recorded on the host\'s http connection, told as progress', async () => {
    const mta = withChain([leafDer]);
    const { fetcher, requests } = fakeFetcher();
    const progress: string[] = [];
    const { report, host } = await check(options(mta, { fetcher, revocation: false, fetchTimeoutMs: 1234, onProgress: (key, phase) => progress.push(`${key} ${phase}`) }));
    expect(host.pkiFetches).toEqual({ aia: [{ url: INTER_URL, ok: true, detail: null, certificates: [interDer.toString('base64')] }], revocation: [] });
    expect(requests.map((r) => ({ url: r.url, method: r.method, maxBytes: r.maxBytes, timeoutMs: r.timeoutMs }))).toEqual([{ url: INTER_URL, method: 'GET', maxBytes: 256 * 1024, timeoutMs: 1234 }]);
    expect(httpEvents(report)).toEqual([`${KEY}/http send GET ${INTER_URL}`, `${KEY}/http recv HTTP 200, ${interDer.length} bytes from ${INTER_URL}`]);
    expect(progress.filter((p) => p.includes('fetching'))).toEqual([`${KEY} fetching ${INTER_URL}`]);
  });

  it('the stapled OCSP response goes to the leaf\'s revocation lookups as the server sent it', async () => {
    // An OCSPResponse whose responseStatus is tryLater (3): read as such only from the bytes the server sent.
    const tryLater = Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x03]);
    const mta = withChain([leafDer], { ocspResponse: tryLater });
    const { fetcher } = fakeFetcher();
    const { host } = await check(options(mta, { fetcher }));
    const leaf = host.pkiFetches?.revocation.find((c) => c.index === 0);
    expect(leaf?.lookups.map((l) => [l.method, l.status, l.detail])).toEqual([['stapled-ocsp', 'invalid', STAPLED_TRY_LATER]]);
  });

  it('a handshake without certificates: nothing fetched, no fetches in the report', async () => {
    const mta = withChain([]);
    const { fetcher, requests } = fakeFetcher();
    const { host, report } = await check(options(mta, { fetcher }));
    expect(host.tls?.ok).toBe(true);
    expect(host.pkiFetches).toBeUndefined();
    expect(requests).toEqual([]);
    expect(httpEvents(report)).toEqual([]);
  });

  it('without a fetcher (none given, none in the defaults): nothing fetched, no fetches in the report', async () => {
    const mta = withChain([leafDer]);
    const opts = options(mta);
    const report = await runReceiverCheck(opts, () => ({
      clock: opts.clock!,
      resolver: opts.resolver!,
      connector: opts.connector!,
      trustStore: opts.trustStore!,
      helo: 'client.mxray.test',
      scheduler: createScheduler(),
    }));
    expect(report.body.hosts[0]!.tls?.ok).toBe(true);
    expect(report.body.hosts[0]!.pkiFetches).toBeUndefined();
    expect(httpEvents(report)).toEqual([]);
  });

  it('our own bug during the fetches (a fetcher whose body cannot be read): a note on the http connection, no fetches, the other facts kept', async () => {
    const mta = withChain([leafDer]);
    const broken = { length: 3 } as Record<string | number, unknown>;
    Object.defineProperty(broken, 0, {
      get() {
        throw new Error('the body cannot be read');
      },
    });
    const { fetcher } = fakeFetcher(() => broken as unknown as Buffer);
    const { host, report } = await check(options(mta, { fetcher, revocation: false }));
    expect(host.tls?.ok).toBe(true);
    expect(host.pkiFetches).toBeUndefined();
    expect(httpEvents(report)).toEqual([
      `${KEY}/http send GET ${INTER_URL}`,
      `${KEY}/http recv HTTP 200, 3 bytes from ${INTER_URL}`,
      `${KEY}/http note certificate lookups failed (mxray's own error): the body cannot be read`,
    ]);
  });
});

const TARGET: HostTarget = {
  mx: 'mx1.far.test',
  preference: 10,
  address: '192.0.2.1',
  family: 4,
  port: 25,
  implicitTls: false,
  serverName: 'mx1.far.test',
  domain: 'far.test',
};

/** probeHost alone (no judging): the TLS facts and the transcript. */
async function probe(h: Partial<TlsHandshake>) {
  const mta = memoryMta({ handshake: () => ({ ...handshakeOf([leafDer, interDer]), ...h }) });
  const clock = fixedClock(NOW);
  const transcript = new Transcript(clock);
  const ctx: ProbeContext = { clock, resolver: resolver(), connector: mta.connector, transcript, limits: DEFAULT_LIMITS, hostMap: new Map() };
  const { facts } = await probeHost(ctx, TARGET, { helo: 'client.mxray.test', from: null, rcpt: null, extras: false });
  const notes = transcript.events.filter((e) => e.kind === 'cert' && e.text.includes('as sent on the wire')).map((e) => e.text);
  return { tls: facts.tls, notes };
}

describe('the TLS facts of a completed handshake', () => {
  it('a stapled OCSP response up to 64 KiB is kept; a larger one is only said to be there', async () => {
    const max = Buffer.alloc(64 * 1024, 7);
    const over = Buffer.alloc(64 * 1024 + 1, 7);
    const kept = (await probe({ ocspResponse: max })).tls;
    expect([kept?.ok, kept?.ok && kept.ocspStapled, kept?.ok && kept.ocspResponse]).toEqual([true, true, max.toString('base64')]);
    const dropped = (await probe({ ocspResponse: over })).tls;
    expect([dropped?.ok, dropped?.ok && dropped.ocspStapled, dropped?.ok && dropped.ocspResponse]).toEqual([true, true, null]);
    const none = (await probe({ ocspResponse: null })).tls;
    expect([none?.ok, none?.ok && none.ocspStapled, none?.ok && none.ocspResponse]).toEqual([true, false, null]);
  });

  it('the chain as sent: none read or empty is null; at most 64 certificates kept', async () => {
    const sent = (s: Buffer[] | null | undefined) => probe(s === undefined ? {} : { sentChain: s }).then((r) => (r.tls?.ok ? r.tls.sentChain : 'no tls'));
    expect(await sent(undefined)).toBeNull();
    expect(await sent(null)).toBeNull();
    expect(await sent([])).toBeNull();
    expect(await sent([leafDer])).toEqual([leafDer.toString('base64')]);
    const long = Array.from({ length: 65 }, (_, i) => (i === 0 ? leafDer : strayDer));
    expect(await sent(long)).toEqual(long.slice(0, 64).map((d) => d.toString('base64')));
  });

  it('the transcript shows the chain as sent when one certificate of the same count differs from Node\'s view; an empty subject by its words', async () => {
    const { notes } = await probe({ sentChain: [leafDer, emptyDer] });
    expect(notes).toEqual([`as sent on the wire: 2 certificate(s), in this order: CN=mx1.far.test [${sha8(leafDer)}] | (empty subject) [${sha8(emptyDer)}]`]);
    // The same chain as Node's view: nothing to add.
    expect((await probe({ sentChain: [leafDer, interDer] })).notes).toEqual([]);
  });
});
