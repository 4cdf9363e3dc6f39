// fetchForChain with an in-test HTTP fetcher (no socket): which URLs are fetched (http and https
// only, each once, at most four issuers, two CRLs and two OCSP responders per certificate), the
// exact requests (method, size cap, time, content type, signal), what an answer or a failure
// becomes (issuer certificates, "not a certificate", every failure in words), what the transcript
// says, and which certificates of the path get revocation lookups. Certificates are made at test
// time (chain-pki.ts).
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import { MxrayError } from '../../../../src/core/errors.js';
import { Transcript } from '../../../../src/core/transcript.js';
import type { FetchRequest, FetchResult, HttpFetcher } from '../../../../src/http/fetcher.js';
import { FetchCache, fetchForChain, type PkiFetchContext } from '../../../../src/jobs/pki/fetch.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { certify, KU, party, pemOf, type Party } from '../../../helpers/chain-pki.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const CONN = 'mx1.far.test[192.0.2.1]:25/http';

const INTER_URL = 'http://ca.test/inter.cer';
/** Not fetchable (ldap:), though it holds an http URL further on. */
const LDAP_URL = 'ldap://ldap.test/cn=ca?http://ca.test/inter.cer';

let root: Party;
let inter: Party;
let rootDer: Buffer;
let interDer: Buffer;
/** Names its issuer at an ldap: URL first, then at INTER_URL. */
let leafAia: Buffer;
/** Five http caIssuers URLs. */
let leafFive: Buffer;
/** Two http caIssuers URLs. */
let leafTwo: Buffer;
/** Four CRL and four OCSP URLs (an ldap: one first), no caIssuers. */
let leafRev: Buffer;
/** Seventeen CRL and seventeen OCSP URLs. */
let leaf17: Buffer;
/** An intermediate whose keyUsage lacks keyCertSign (one that may not issue), and a leaf it issued with an OCSP URL. */
let improperDer: Buffer;
let leafOfImproper: Buffer;
/** Nine other certificates, for a PKCS#7 bundle larger than what is kept. */
let strays: Buffer[];

const aia = (o: { caIssuers?: string[]; ocsp?: string[] }) => new x509.AuthorityInfoAccessExtension(o);
const crl = (urls: string[]) => new x509.CRLDistributionPointsExtension(urls);
/** What checkOcspResponse says of two bytes that are no OCSPResponse. */
const STAPLED_DETAIL = 'the OCSP response cannot be read: it is not a DER OCSPResponse (malformed or truncated)';
const b64 = (der: Buffer) => der.toString('base64');
const sha256 = (der: Buffer) => createHash('sha256').update(der).digest('hex').toUpperCase();

beforeAll(async () => {
  root = await party('CN=mxray fetch root');
  inter = await party('CN=mxray fetch intermediate');
  rootDer = await certify(root, root, 'ca', NOW);
  interDer = await certify(inter, root, 'ca', NOW);
  const leaf = async (name: string, extensions: x509.Extension[]) => certify(await party(`CN=${name}`), inter, 'leaf', NOW, { dnsNames: ['mx1.far.test'], extensions });
  leafAia = await leaf('mxray fetch leaf', [aia({ caIssuers: [LDAP_URL, INTER_URL] })]);
  leafFive = await leaf('mxray five', [aia({ caIssuers: [1, 2, 3, 4, 5].map((n) => `http://ca${n}.test/i.cer`) })]);
  leafTwo = await leaf('mxray two', [aia({ caIssuers: ['http://one.test/i.cer', 'https://two.test/i.cer'] })]);
  leafRev = await leaf('mxray revocation leaf', [
    crl(['ldap://ldap.test/cn=crl?http://crl.test/0.crl', 'http://crl.test/1.crl', 'HTTPS://crl.test/2.crl', 'http://crl.test/3.crl']),
    aia({ ocsp: ['ldap://ldap.test/cn=ocsp?http://ocsp.test/0', 'http://ocsp.test/1', 'http://ocsp.test/2', 'http://ocsp.test/3'] }),
  ]);
  const many = (kind: string) => Array.from({ length: 17 }, (_, i) => `http://${kind}.test/${i}`);
  leaf17 = await leaf('mxray seventeen', [crl(many('crl')), aia({ ocsp: many('ocsp') })]);
  const improper = await party('CN=mxray improper intermediate');
  improperDer = await certify(improper, root, 'ca', NOW, { keyUsage: KU.digitalSignature });
  leafOfImproper = await certify(await party('CN=mxray leaf of improper'), improper, 'leaf', NOW, { dnsNames: ['mx1.far.test'], extensions: [aia({ ocsp: ['http://ocsp.test/1'] })] });
  strays = [];
  for (let i = 0; i < 9; i++) {
    const p = await party(`CN=mxray stray ${i}`);
    strays.push(await certify(p, p, 'ca', NOW));
  }
});

type Outcome = { status: number; body: Buffer } | { throws: unknown };

/** A fetcher that answers from `answer` (HTTP 404 when it gives nothing) and records every request. */
function fakeFetcher(answer: (url: string) => Outcome | undefined = () => undefined) {
  const requests: FetchRequest[] = [];
  const fetcher: HttpFetcher = {
    fetch(request) {
      requests.push(request);
      const out = answer(request.url) ?? { status: 404, body: Buffer.from('not here') };
      if ('throws' in out) return Promise.reject(out.throws);
      const result: FetchResult = { status: out.status, headers: {}, body: out.body, url: request.url, address: '192.0.2.80', redirects: [] };
      return Promise.resolve(result);
    },
  };
  return { fetcher, requests };
}

function context(fetcher: HttpFetcher, extra: Partial<PkiFetchContext> = {}) {
  const transcript = new Transcript(fixedClock(NOW));
  const fetched: string[] = [];
  const ctx: PkiFetchContext = {
    fetcher,
    trustStore: createTrustStore([pemOf([rootDer])], 'fetch test root'),
    now: NOW,
    revocation: false,
    cache: new FetchCache(),
    transcript,
    onFetch: (url) => fetched.push(url),
    ...extra,
  };
  return { ctx, transcript, fetched };
}

const events = (t: Transcript) => t.events.map((e) => `${e.conn} ${e.kind} ${e.text}`);

describe('chain repair from AIA caIssuers URLs', () => {
  it('fetches the missing intermediate once, from its http URL (not the ldap: one), and records the exchange', async () => {
    const { fetcher, requests } = fakeFetcher((url) => (url === INTER_URL ? { status: 200, body: interDer } : undefined));
    const { ctx, transcript, fetched } = context(fetcher);
    const result = await fetchForChain([leafAia], null, ctx, CONN);
    expect(result).toEqual({ aia: [{ url: INTER_URL, ok: true, detail: null, certificates: [b64(interDer)] }], revocation: [] });
    // A GET without headers, body or signal; the AIA size cap; the default time.
    expect(requests).toEqual([{ url: INTER_URL, method: 'GET', maxBytes: 256 * 1024, timeoutMs: 15_000 }]);
    expect(events(transcript)).toEqual([`${CONN} send GET ${INTER_URL}`, `${CONN} recv HTTP 200, ${interDer.length} bytes from ${INTER_URL}`]);
    expect(fetched).toEqual([INTER_URL]);
    expect(ctx.cache.made).toBe(1);
  });

  it('the time-out and the abort signal of the context go with every request', async () => {
    const { fetcher, requests } = fakeFetcher((url) => (url === INTER_URL ? { status: 200, body: interDer } : undefined));
    const signal = new AbortController().signal;
    const { ctx } = context(fetcher, { timeoutMs: 1234, signal });
    await fetchForChain([leafAia], null, ctx, CONN);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toEqual({ url: INTER_URL, method: 'GET', maxBytes: 256 * 1024, timeoutMs: 1234, signal });
    expect(requests[0]!.signal).toBe(signal);
  });

  it('a complete chain: nothing fetched', async () => {
    const { fetcher, requests } = fakeFetcher();
    const { ctx, transcript } = context(fetcher);
    expect(await fetchForChain([leafAia, interDer], null, ctx, CONN)).toEqual({ aia: [], revocation: [] });
    expect(requests).toEqual([]);
    expect(transcript.events).toEqual([]);
    expect(ctx.cache.made).toBe(0);
  });

  it('every URL that fails is recorded and the next is tried, at most four', async () => {
    const { fetcher, requests } = fakeFetcher();
    const { ctx, transcript } = context(fetcher);
    const result = await fetchForChain([leafFive], null, ctx, CONN);
    const urls = [1, 2, 3, 4].map((n) => `http://ca${n}.test/i.cer`);
    expect(result).toEqual({ aia: urls.map((url) => ({ url, ok: false, detail: 'HTTP 404', certificates: [] })), revocation: [] });
    expect(requests.map((r) => r.url)).toEqual(urls);
    expect(ctx.cache.made).toBe(4);
    expect(events(transcript)).toEqual(urls.flatMap((url) => [`${CONN} send GET ${url}`, `${CONN} recv HTTP 404, 8 bytes from ${url}`]));
  });

  it('each URL is tried once: after both failed, nothing more is fetched', async () => {
    const { fetcher, requests } = fakeFetcher();
    const { ctx } = context(fetcher);
    const result = await fetchForChain([leafTwo], null, ctx, CONN);
    expect(result.aia.map((f) => [f.url, f.ok, f.detail])).toEqual([
      ['http://one.test/i.cer', false, 'HTTP 404'],
      ['https://two.test/i.cer', false, 'HTTP 404'],
    ]);
    expect(requests.map((r) => r.url)).toEqual(['http://one.test/i.cer', 'https://two.test/i.cer']);
  });

  it('an answer that is no certificate: recorded as such, and the next URL is tried', async () => {
    const { fetcher } = fakeFetcher((url) => (url === 'http://one.test/i.cer' ? { status: 200, body: Buffer.from('<html>moved</html>') } : undefined));
    const { ctx } = context(fetcher);
    const result = await fetchForChain([leafTwo], null, ctx, CONN);
    expect(result.aia).toEqual([
      { url: 'http://one.test/i.cer', ok: false, detail: 'the answer is not a certificate (DER or PKCS#7)', certificates: [] },
      { url: 'https://two.test/i.cer', ok: false, detail: 'HTTP 404', certificates: [] },
    ]);
  });

  it('a PKCS#7 bundle: its first eight certificates are kept, and the issuer among them repairs the chain', async () => {
    const bundle = [interDer, ...strays];
    const p7 = Buffer.from(new x509.X509Certificates(bundle.map((d) => new x509.X509Certificate(d))).export('raw'));
    const { fetcher, requests } = fakeFetcher((url) => (url === INTER_URL ? { status: 200, body: p7 } : undefined));
    const { ctx } = context(fetcher);
    const result = await fetchForChain([leafAia], null, ctx, CONN);
    expect(result.aia).toEqual([{ url: INTER_URL, ok: true, detail: null, certificates: bundle.slice(0, 8).map(b64) }]);
    expect(requests).toHaveLength(1);
  });

  it('a fetcher that breaks its contract (a body that is no Buffer) is our bug: it is thrown, never blamed on the answer', async () => {
    const broken = { length: 3 } as Record<string | number, unknown>;
    Object.defineProperty(broken, 0, {
      get() {
        throw new Error('the body cannot be read');
      },
    });
    const { fetcher } = fakeFetcher(() => ({ status: 200, body: broken as unknown as Buffer }));
    const { ctx } = context(fetcher);
    await expect(fetchForChain([leafAia], null, ctx, CONN)).rejects.toThrow(new Error('the body cannot be read'));
  });
});

describe('a failed fetch in words', () => {
  const cases: [string, unknown, string][] = [
    ['dns-error with its code', new MxrayError('dns-error', 'ca.test: NXDOMAIN', 'NXDOMAIN'), 'the name does not resolve (NXDOMAIN)'],
    ['dns-error without one', new MxrayError('dns-error', 'ca.test: no answer'), 'the name does not resolve (DNS error)'],
    ['connection-refused with its errno', new MxrayError('connection-refused', 'cannot connect: ECONNREFUSED', 'ECONNREFUSED'), 'connection refused (ECONNREFUSED)'],
    ['connection-refused without one', new MxrayError('connection-refused', 'cannot connect'), 'connection refused (refused)'],
    ['connection-timeout', new MxrayError('connection-timeout', 'no connection in time', 'timeout'), 'no answer in time'],
    ['io-timeout', new MxrayError('io-timeout', 'no answer in time either', 'timeout'), 'no answer in time'],
    ['blocked-target', new MxrayError('blocked-target', '192.0.2.80 is not an address we fetch from', 'address-policy'), 'not fetched: 192.0.2.80 is not an address we fetch from'],
    ['protocol-error too-large', new MxrayError('protocol-error', 'body over 262144 bytes', 'too-large'), 'the answer is larger than mxray accepts'],
    ['protocol-error with another detail', new MxrayError('protocol-error', 'the connection closed early', 'closed'), 'a broken HTTP answer (closed)'],
    ['protocol-error without one', new MxrayError('protocol-error', 'garbled status line'), 'a broken HTTP answer (garbled status line)'],
    ['tls-handshake-error with its reason', new MxrayError('tls-handshake-error', 'handshake failed', 'cert-untrusted'), 'the HTTPS handshake failed (cert-untrusted)'],
    ['tls-handshake-error without one', new MxrayError('tls-handshake-error', 'wrong version number'), 'the HTTPS handshake failed (wrong version number)'],
    ['another code: its message', new MxrayError('invalid-input', 'the URL has credentials', 'credentials'), 'the URL has credentials'],
    ['an Error that is not ours', new RangeError('out of range'), 'out of range'],
    ['a thrown string', 'plain string', 'plain string'],
  ];
  for (const [what, thrown, detail] of cases) {
    it(`${what}: "${detail}"`, async () => {
      const { fetcher } = fakeFetcher(() => ({ throws: thrown }));
      const { ctx, transcript } = context(fetcher);
      const result = await fetchForChain([leafAia], null, ctx, CONN);
      expect(result).toEqual({ aia: [{ url: INTER_URL, ok: false, detail, certificates: [] }], revocation: [] });
      expect(events(transcript)).toEqual([`${CONN} send GET ${INTER_URL}`, `${CONN} error ${INTER_URL}: ${detail}`]);
    });
  }
});

describe('revocation lookups', () => {
  const unreachable = (method: 'crl' | 'ocsp', url: string) => ({ method, url, status: 'unreachable', detail: 'HTTP 404', revokedAt: null, reason: null, thisUpdate: null, nextUpdate: null });

  it('the leaf and the intermediate, not the trust anchor; the stapled answer for the leaf only; two http(s) URLs of each kind', async () => {
    const { fetcher, requests } = fakeFetcher();
    const { ctx, transcript } = context(fetcher, { revocation: true });
    const stapled = Buffer.from([0x04, 0x00]);
    const result = await fetchForChain([leafRev, interDer], stapled, ctx, CONN);
    expect(result.aia).toEqual([]);
    expect(result.revocation).toEqual([
      {
        index: 0,
        subject: 'mxray revocation leaf',
        sha256: sha256(leafRev),
        crlUrls: ['ldap://ldap.test/cn=crl?http://crl.test/0.crl', 'http://crl.test/1.crl', 'HTTPS://crl.test/2.crl', 'http://crl.test/3.crl'],
        ocspUrls: ['ldap://ldap.test/cn=ocsp?http://ocsp.test/0', 'http://ocsp.test/1', 'http://ocsp.test/2', 'http://ocsp.test/3'],
        mustStaple: false,
        lookups: [
          { method: 'stapled-ocsp', url: null, status: 'invalid', detail: STAPLED_DETAIL, revokedAt: null, reason: null, thisUpdate: null, nextUpdate: null },
          unreachable('crl', 'http://crl.test/1.crl'),
          unreachable('crl', 'HTTPS://crl.test/2.crl'),
          unreachable('ocsp', 'http://ocsp.test/1'),
          unreachable('ocsp', 'http://ocsp.test/2'),
        ],
      },
      { index: 1, subject: 'mxray fetch intermediate', sha256: sha256(interDer), crlUrls: [], ocspUrls: [], mustStaple: false, lookups: [] },
    ]);
    // CRLs by GET with their own cap; OCSP by POST of one request, with its content type and cap.
    expect(requests.map((r) => ({ ...r, body: r.body ? 'DER' : undefined }))).toEqual([
      { url: 'http://crl.test/1.crl', method: 'GET', maxBytes: 16 * 1024 * 1024, timeoutMs: 15_000, body: undefined },
      { url: 'HTTPS://crl.test/2.crl', method: 'GET', maxBytes: 16 * 1024 * 1024, timeoutMs: 15_000, body: undefined },
      { url: 'http://ocsp.test/1', method: 'POST', body: 'DER', headers: { 'content-type': 'application/ocsp-request' }, maxBytes: 64 * 1024, timeoutMs: 15_000 },
      { url: 'http://ocsp.test/2', method: 'POST', body: 'DER', headers: { 'content-type': 'application/ocsp-request' }, maxBytes: 64 * 1024, timeoutMs: 15_000 },
    ]);
    expect(requests[2]!.body).toEqual(requests[3]!.body);
    expect(requests[2]!.body![0]).toBe(0x30);
    expect(events(transcript).filter((e) => e.includes(' send '))).toEqual([
      `${CONN} send GET http://crl.test/1.crl`,
      `${CONN} send GET HTTPS://crl.test/2.crl`,
      `${CONN} send POST http://ocsp.test/1`,
      `${CONN} send POST http://ocsp.test/2`,
    ]);
  });

  it('without a stapled answer: only the fetched lookups', async () => {
    const { fetcher } = fakeFetcher();
    const { ctx } = context(fetcher, { revocation: true });
    const result = await fetchForChain([leafRev, interDer], null, ctx, CONN);
    expect(result.revocation.map((c) => c.lookups.map((l) => `${l.method} ${l.url}`))).toEqual([
      ['crl http://crl.test/1.crl', 'crl HTTPS://crl.test/2.crl', 'ocsp http://ocsp.test/1', 'ocsp http://ocsp.test/2'],
      [],
    ]);
  });

  it('a POST and a GET of one URL are two fetches; the same request again is answered from the cache', async () => {
    const { fetcher, requests } = fakeFetcher();
    const { ctx } = context(fetcher, { revocation: true });
    await fetchForChain([leafRev, interDer], null, ctx, CONN);
    await fetchForChain([leafRev, interDer], null, ctx, CONN);
    expect(requests).toHaveLength(4);
    expect(ctx.cache.made).toBe(4);
  });

  it('an issuer that may not issue certificates (Node refuses it as the issuer): no OCSP request can be made, none is sent, and the detail says why, not that something cannot be read', async () => {
    const { fetcher, requests } = fakeFetcher();
    const { ctx } = context(fetcher, { revocation: true });
    const result = await fetchForChain([leafOfImproper, improperDer], null, ctx, CONN);
    expect(result.revocation.map((c) => [c.index, c.subject, c.lookups])).toEqual([
      [
        0,
        'mxray leaf of improper',
        [
          {
            method: 'ocsp',
            url: 'http://ocsp.test/1',
            status: 'invalid',
            detail: 'no OCSP request can be made for this certificate: the certificate above it on the path does not pass as its issuer (a keyUsage without keyCertSign, say), or its serial or its issuer cannot be read',
            revokedAt: null,
            reason: null,
            thisUpdate: null,
            nextUpdate: null,
          },
        ],
      ],
      [1, 'mxray improper intermediate', []],
    ]);
    expect(requests).toEqual([]);
  });

  it('at most sixteen URLs of each kind are listed, and two of each looked up', async () => {
    const { fetcher, requests } = fakeFetcher();
    const { ctx } = context(fetcher, { revocation: true });
    const result = await fetchForChain([leaf17, interDer], null, ctx, CONN);
    const leaf = result.revocation[0]!;
    expect(leaf.crlUrls).toEqual(Array.from({ length: 16 }, (_, i) => `http://crl.test/${i}`));
    expect(leaf.ocspUrls).toEqual(Array.from({ length: 16 }, (_, i) => `http://ocsp.test/${i}`));
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET http://crl.test/0', 'GET http://crl.test/1', 'POST http://ocsp.test/0', 'POST http://ocsp.test/1']);
  });
});
