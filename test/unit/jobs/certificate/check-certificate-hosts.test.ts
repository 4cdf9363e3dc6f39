// runCertificateCheck on a host or a domain: the certificates its servers present, fetched with the
// receiver test's probe against SMTP servers in memory (../receiver/memory-mta.ts) whose handshakes
// show certificates made at test time. No socket, a fixed clock, an in-test resolver. What is
// checked: one subject per distinct chain and handshake (hosts sharing one are judged once), which
// findings of the receiver test are kept, the names judged by default, and the options handed on.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import type { Connector, Resolver } from '../../../../src/core/context.js';
import { DnsError, MxrayError } from '../../../../src/core/errors.js';
import { createScheduler } from '../../../../src/core/scheduler.js';
import type { CertificateReport } from '../../../../src/core/schema.js';
import type { FetchRequest, HttpFetcher } from '../../../../src/http/fetcher.js';
import { runCertificateCheck, type CertificateOptions } from '../../../../src/jobs/certificate/check-certificate.js';
import type { ReceiverEdges } from '../../../../src/jobs/receiver/check-receiver.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { certify, DAY_MS, party, pemOf, type Party } from '../../../helpers/chain-pki.js';
import { handshakeOf, memoryMta, reply, type MemoryPlan } from '../receiver/memory-mta.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const CRL_URL = 'http://crl.far.test/root.crl';

let rootP: Party;
let rootPem: string;
/** mx1 … mx5.far.test and mx.memory.test (the name the in-memory server announces). */
let shared: Buffer;
/** default.far.test only: what a server shows without SNI. */
let fallback: Buffer;
/** Like `shared`, but ending in 10 days (inside the 30-day warning). */
let expiring: Buffer;
/** mx1.far.test and mx.memory.test, with a CRL distribution point. */
let withCrl: Buffer;

const leafOf = async (names: string[], o: { notAfter?: number; extensions?: x509.Extension[] } = {}) => certify(await party(`CN=${names[0]}`), rootP, 'leaf', NOW, { dnsNames: names, ...o });

beforeAll(async () => {
  rootP = await party('CN=mxray hosts root');
  const root = await certify(rootP, rootP, 'ca', NOW);
  rootPem = pemOf([root]);
  shared = await leafOf(['mx1.far.test', 'mx2.far.test', 'mx3.far.test', 'mx4.far.test', 'mx5.far.test', 'mx.memory.test']);
  fallback = await leafOf(['default.far.test']);
  expiring = await leafOf(['mx4.far.test', 'mx.memory.test'], { notAfter: NOW + 10 * DAY_MS });
  withCrl = await leafOf(['mx1.far.test', 'mx.memory.test'], { extensions: [new x509.CRLDistributionPointsExtension([CRL_URL])] });
});

const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));

/** far.test's MX hosts mx1 … mxN.far.test, in that order, at 192.0.2.1 … N. */
function farTest(count: number): Resolver {
  const hosts = Array.from({ length: count }, (_, i) => `mx${i + 1}.far.test`);
  return {
    description: 'in-test resolver',
    mx: (name) => (name === 'far.test' ? Promise.resolve(hosts.map((exchange, i) => ({ exchange, priority: 10 * (i + 1) }))) : nx(name, 'MX')),
    a: (name) => (hosts.includes(name) ? Promise.resolve([`192.0.2.${hosts.indexOf(name) + 1}`]) : nx(name, 'A')),
    aaaa: (name) => nx(name, 'AAAA'),
    cname: (name) => nx(name, 'CNAME'),
    txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
  };
}

/** What the check falls back to for an edge it is not given: nothing that answers. */
function defaults(): ReceiverEdges {
  const refused: Connector = { connect: () => Promise.reject(new MxrayError('connection-refused', 'refused by the test', 'ECONNREFUSED')) };
  return {
    clock: fixedClock(NOW),
    resolver: farTest(0),
    connector: refused,
    trustStore: createTrustStore([], 'empty'),
    helo: 'default.mxray.test',
    scheduler: createScheduler(),
  };
}

function check(target: string, plan: MemoryPlan, options: Omit<CertificateOptions, 'target'> & { probe?: CertificateOptions['probe'] } = {}, mxCount = 5): Promise<CertificateReport> {
  const mta = memoryMta(plan);
  return runCertificateCheck(
    {
      target,
      clock: fixedClock(NOW),
      trustStore: createTrustStore([rootPem], 'test root'),
      ...options,
      probe: { resolver: farTest(mxCount), connector: mta.connector, helo: 'client.mxray.test', scheduler: createScheduler(), ...options.probe },
    },
    defaults,
  );
}

const b64 = (der: Buffer) => der.toString('base64');
const found = (r: CertificateReport) => r.findings.map((f) => [f.id, f.hosts]);
const subjects = (r: CertificateReport) => r.body.subjects.map((s) => [s.label, s.origin, s.host, s.handshake, s.chain, s.leafWhy, s.key, s.names]);
const host = (n: number) => `mx${n}.far.test[192.0.2.${n}]:25`;
const octet = (address: string) => Number(address.split('.')[3]);

describe('a domain', () => {
  it('hosts sharing a certificate are judged once; another certificate shown without SNI is judged on its own; names default to the MX host and the domain', async () => {
    const r = await check('far.test', {
      handshake: (o, c) => handshakeOf(c.address === '192.0.2.3' && o.servername === null ? [fallback] : [shared]),
    }, {}, 3);
    expect(r.kind).toBe('certificate');
    expect(r.target).toBe('far.test');
    expect(r.body.input).toEqual({
      kind: 'domain',
      files: [],
      target: { input: 'far.test', kind: 'domain', domain: 'far.test', host: null, port: 25, implicitTls: false },
    });
    expect(r.body.names).toEqual([]);
    expect(subjects(r)).toEqual([
      [`${host(1)} and 2 more, with SNI`, 'handshake', host(1), 'sni', [b64(shared)], null, null, [{ name: 'mx1.far.test', covered: true }, { name: 'far.test', covered: false }]],
      [`${host(3)}, without SNI`, 'handshake', host(3), 'no-sni', [b64(fallback)], null, null, [{ name: 'mx3.far.test', covered: false }, { name: 'far.test', covered: false }]],
    ]);
    expect(r.body.subjects.map((s) => [s.verdict.trusted, s.verdict.path.length])).toEqual([
      [true, 2],
      [true, 2],
    ]);
    expect(found(r)).toEqual([
      ['cert.name-mismatch', [host(3)]],
      ['cert.sni-dependent', [host(3)]],
      ['cert.ok', [host(1)]],
      ['cert.ok', [host(2)]],
      ['cert.ok', [host(3)]],
    ]);
    expect(r.verdict).toBe('fail');
  });

  it('two hosts: the label counts the other one', async () => {
    const r = await check('far.test', { handshake: () => handshakeOf([shared]) }, {}, 2);
    expect(r.body.subjects.map((s) => s.label)).toEqual([`${host(1)} and 1 more, with SNI`]);
    expect(found(r)).toEqual([
      ['cert.ok', [host(1)]],
      ['cert.ok', [host(2)]],
    ]);
    expect(r.verdict).toBe('pass');
  });

  it("keeps the receiver test's findings about the certificate, and those that fail or leave the test inconclusive; drops the rest", async () => {
    const r = await check(
      'far.test',
      {
        handshake: () => handshakeOf([expiring]),
        // mx1 offers no STARTTLS, mx2 refuses EHLO, mx3 greylists, mx5 is too busy.
        clearCaps: (c) => (octet(c.address) === 1 ? ['PIPELINING'] : ['PIPELINING', 'STARTTLS']),
        answer: (verb, _line, c) =>
          octet(c.address) === 2 && verb === 'EHLO'
            ? reply(550, '5.7.1 go away')
            : octet(c.address) === 3 && verb === 'RCPT'
              ? reply(450, '4.7.1 Greylisted, try again later')
              : octet(c.address) === 5
                ? reply(421, '4.7.0 too many connections')
                : undefined,
      },
      { probe: { rcpt: 'postmaster@far.test' } },
    );
    expect(found(r)).toEqual([
      ['starttls.not-offered', [host(1)]],
      ['cert.name-mismatch', [host(3)]],
      ['smtp.ehlo-rejected', [host(2)]],
      ['cert.expiring-soon', [host(3)]],
      ['cert.expiring-soon', [host(4)]],
      ['smtp.rate-limited', [host(5)]],
      ['smtp.greylisted', [host(3)]],
    ]);
    expect(r.body.subjects.map((s) => s.label)).toEqual([`${host(3)} and 1 more, with SNI`]);
    expect(r.verdict).toBe('fail');
  });

  it('at most 64 subjects', async () => {
    const certs = await Promise.all(Array.from({ length: 65 }, (_, i) => leafOf([`mx${i + 1}.far.test`, 'mx.memory.test'])));
    const r = await check('far.test', { handshake: (_o, c) => handshakeOf([certs[octet(c.address) - 1]!]) }, { probe: { extras: false, maxMx: 65 } }, 65);
    expect(r.body.subjects.map((s) => s.label)).toEqual(Array.from({ length: 64 }, (_, i) => `${host(i + 1)}, with SNI`));
  });

  it('chains that differ only in how their certificates are cut are two chains', async () => {
    // base64 of "abc" then of "def" reads as base64 of "abcdef".
    const r = await check('far.test', {
      handshake: (_o, c) => handshakeOf(octet(c.address) === 1 ? [shared, Buffer.from('abc'), Buffer.from('def')] : [shared, Buffer.from('abcdef')]),
    }, { probe: { extras: false } }, 2);
    expect(r.body.subjects.map((s) => [s.label, s.chain])).toEqual([
      [`${host(1)}, with SNI`, [b64(shared), 'YWJj', 'ZGVm']],
      [`${host(2)}, with SNI`, [b64(shared), 'YWJjZGVm']],
    ]);
  });
});

describe('one host', () => {
  it('judges the chain as the server sent it, names the host only, and finds nothing wrong', async () => {
    const r = await check('mx1.far.test:25', { handshake: () => ({ ...handshakeOf([shared, withCrl]), sentChain: [shared] }) }, { probe: { extras: false } });
    expect(r.target).toBe('mx1.far.test:25');
    expect(r.body.input.kind).toBe('host');
    expect(subjects(r)).toEqual([[`mx1.far.test[192.0.2.1]:25, with SNI`, 'handshake', 'mx1.far.test[192.0.2.1]:25', 'sni', [b64(shared)], null, null, [{ name: 'mx1.far.test', covered: true }]]]);
    expect(found(r)).toEqual([['cert.ok', [host(1)]]]);
    expect(r.verdict).toBe('pass');
  });

  it('names given replace the default ones; a name not covered is a finding with the evidence of the TLS handshake', async () => {
    const r = await check('mx1.far.test:25', { handshake: () => handshakeOf([shared]) }, { names: ['smtp.far.test'], revocation: false, probe: { extras: false } });
    expect(r.body.names).toEqual(['smtp.far.test']);
    expect(r.body.revocationChecked).toBe(false);
    expect(r.body.subjects[0]!.names).toEqual([{ name: 'smtp.far.test', covered: false }]);
    // The finding of this check names the subject; the receiver test's, the host.
    expect(found(r)).toEqual([
      ['cert.name-mismatch', [`${host(1)}, with SNI`]],
      ['cert.ok', [host(1)]],
    ]);
    // The handshake's two events: started, established.
    expect(r.transcript.filter((e) => e.kind === 'tls').map((e) => [e.seq, e.conn])).toEqual([
      [13, `${host(1)}/main`],
      [14, `${host(1)}/main`],
    ]);
    expect(r.findings.map((f) => f.evidence)).toEqual([
      [13, 14],
      [13, 14],
    ]);
  });

  it('a server that offers no STARTTLS: no subject, and the verdict is what its findings say', async () => {
    const r = await check('mx1.far.test:25', { clearCaps: () => ['PIPELINING'] });
    expect(r.body.subjects).toEqual([]);
    expect(found(r)).toEqual([['starttls.not-offered', ['mx1.far.test[192.0.2.1]:25']]]);
    expect(r.verdict).toBe('fail');
  });

  it('a certificate that cannot be read is no subject', async () => {
    const r = await check('mx1.far.test:25', { handshake: () => handshakeOf([Buffer.from('not a certificate')]) }, { probe: { extras: false } });
    expect(r.body.subjects).toEqual([]);
    expect(found(r)).toEqual([]);
  });
});

describe('options handed to the probe', () => {
  it('the fetcher with its time-out, and progress', async () => {
    const asked: FetchRequest[] = [];
    const fetcher: HttpFetcher = {
      fetch(request) {
        asked.push(request);
        return Promise.resolve({ status: 404, headers: {}, body: Buffer.alloc(0), url: request.url, address: '192.0.2.80', redirects: [] });
      },
    };
    const progress: [string, string][] = [];
    const r = await check('mx1.far.test:25', { handshake: () => handshakeOf([withCrl]) }, { fetcher, fetchTimeoutMs: 4321, onProgress: (key, phase) => progress.push([key, phase]), probe: { extras: false } });
    expect(asked.map((a) => [a.url, a.timeoutMs])).toEqual([[CRL_URL, 4321]]);
    expect(progress).toEqual([
      [host(1), 'banner'],
      [host(1), 'EHLO'],
      [host(1), 'STARTTLS'],
      [host(1), 'TLS handshake'],
      [host(1), 'EHLO in TLS'],
      [host(1), 'done'],
      [host(1), `fetching ${CRL_URL}`],
    ]);
    expect(found(r)).toEqual([['cert.crl-unreachable', [host(1)]]]);
  });

  it('an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await check('mx1.far.test:25', { handshake: () => handshakeOf([shared]) }, { signal: controller.signal, probe: { extras: false } });
    expect(found(r)).toEqual([['smtp.io-timeout', [host(1)]]]);
    expect(r.body.subjects).toEqual([]);
  });
});
