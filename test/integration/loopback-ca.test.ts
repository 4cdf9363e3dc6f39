// The loopback CA server (test/helpers/loopback-ca.ts) serves what its certificates point at: the
// issuer's certificate (DER and .p7c), the CRL, and OCSP over POST and GET answered by openssl's
// responder; and each route misbehaves when told to. Fetched with fetch() from 127.0.0.1 only; the
// answers are checked with src/pki/revocation.ts. Every server started here is closed here.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readCertDetails } from '../../src/pki/cert-details.js';
import { MAX_OCSP_RESPONSE_BYTES, checkCrl, checkOcspResponse, ocspRequest } from '../../src/pki/revocation.js';
import { startLoopbackCa, type LoopbackCa } from '../helpers/loopback-ca.js';
import { openssl } from '../helpers/openssl-cert.js';
import type { TestLeaf } from '../helpers/test-ca.js';

let server: LoopbackCa;
let good: TestLeaf;
let revoked: TestLeaf;
const REVOKED_AT = new Date(Date.UTC(2026, 1, 3, 4, 5, 6));

beforeAll(async () => {
  server = await startLoopbackCa();
  good = server.ca.issueLeaf('good.example.test');
  revoked = server.ca.issueLeaf('revoked.example.test', { key: 'ec' });
  server.ca.revoke(revoked, 'superseded', REVOKED_AT);
});
afterAll(() => server?.close());
afterEach(() => server.reset());

async function get(url: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

async function postOcsp(request: Buffer): Promise<Buffer> {
  const res = await fetch(server.urls.ocsp, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: request });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/ocsp-response');
  return Buffer.from(await res.arrayBuffer());
}

describe('what the CA publishes', () => {
  it('listens on 127.0.0.1 only, and its leaves point at it', () => {
    expect(server.baseUrl).toBe(`http://127.0.0.1:${server.port}`);
    const details = readCertDetails(good.der);
    expect({ caIssuers: details.caIssuers, ocsp: details.ocsp, crl: details.crl, mustStaple: details.mustStaple }).toEqual({
      caIssuers: [`${server.baseUrl}/ca/intermediate.cer`],
      ocsp: [`${server.baseUrl}/ocsp`],
      crl: [`${server.baseUrl}/crl/intermediate.crl`],
      mustStaple: false,
    });
  });

  it('leaves without revocation information, must-staple, EC', () => {
    const bare = readCertDetails(server.ca.issueLeaf('bare.example.test', { revocationInfo: false }).der);
    expect([bare.caIssuers, bare.ocsp, bare.crl]).toEqual([[], [], []]);
    expect(readCertDetails(server.ca.issueLeaf('staple.example.test', { mustStaple: true }).der).mustStaple).toBe(true);
    expect(openssl(['x509', '-noout', '-text'], Buffer.from(revoked.pem)).toString()).toContain('id-ecPublicKey');
  });

  it("the issuer's certificate, DER and PKCS#7", async () => {
    const cer = await get(server.urls.caIssuers);
    expect(cer).toEqual({ status: 200, type: 'application/pkix-cert', body: server.ca.intermediate.der });
    const p7c = await get(server.urls.caIssuersP7c);
    expect([p7c.status, p7c.type]).toEqual([200, 'application/pkcs7-mime']);
    const printed = openssl(['pkcs7', '-inform', 'DER', '-print_certs'], p7c.body).toString();
    expect(printed.replace(/^(subject|issuer)=.*\n|^\n/gm, '')).toBe(server.ca.intermediate.pem);
  });

  it('the CRL: current, with revocations made after the server started', async () => {
    const crl = await get(server.urls.crl);
    expect([crl.status, crl.type]).toEqual([200, 'application/pkix-crl']);
    expect((await checkCrl(crl.body, good.der, server.ca.intermediate.der, server.ca.madeAt)).status).toBe('good');
    expect(await checkCrl(crl.body, revoked.der, server.ca.intermediate.der, server.ca.madeAt)).toMatchObject({ status: 'revoked', revokedAt: REVOKED_AT.toISOString(), reason: 'superseded' });
    const late = server.ca.issueLeaf('late.example.test');
    server.ca.revoke(late, 'keyCompromise', REVOKED_AT);
    const again = await get(server.urls.crl);
    expect((await checkCrl(again.body, late.der, server.ca.intermediate.der, server.ca.madeAt)).reason).toBe('keyCompromise');
  });

  it('OCSP over POST, with the request mxray makes', async () => {
    const request = (await ocspRequest(revoked.der, server.ca.intermediate.der)) as Buffer;
    const response = await postOcsp(request);
    const now = server.ca.ocspTimes(response).thisUpdate;
    expect(await checkOcspResponse(response, revoked.der, server.ca.intermediate.der, now)).toMatchObject({ status: 'revoked', revokedAt: REVOKED_AT.toISOString(), reason: 'superseded' });
    const goodResponse = await postOcsp((await ocspRequest(good.der, server.ca.intermediate.der)) as Buffer);
    expect((await checkOcspResponse(goodResponse, good.der, server.ca.intermediate.der, now)).status).toBe('good');
  });

  it('OCSP over GET (RFC 6960 A.1: the base64 request, URL-encoded, in the path)', async () => {
    const request = (await ocspRequest(good.der, server.ca.intermediate.der)) as Buffer;
    const res = await get(`${server.urls.ocsp}/${encodeURIComponent(request.toString('base64'))}`);
    expect([res.status, res.type]).toEqual([200, 'application/ocsp-response']);
    expect((await checkOcspResponse(res.body, good.der, server.ca.intermediate.der, server.ca.ocspTimes(res.body).thisUpdate)).status).toBe('good');
  });

  it('an OCSP request it cannot read gets malformedRequest; an unknown path 404', async () => {
    expect(await postOcsp(Buffer.from('not a request'))).toEqual(Buffer.from('30030a0101', 'hex'));
    expect((await get(`${server.baseUrl}/nothing-here`)).status).toBe(404);
    expect(server.requests).toEqual([
      { method: 'POST', path: '/ocsp', route: 'ocsp' },
      { method: 'GET', path: '/nothing-here', route: null },
    ]);
  });

  it('counts requests per route', async () => {
    await get(server.urls.crl);
    await get(server.urls.crl);
    await get(server.urls.caIssuers);
    await postOcsp((await ocspRequest(good.der, server.ca.intermediate.der)) as Buffer);
    expect([server.requestCount('crl'), server.requestCount('issuer'), server.requestCount('issuer-p7c'), server.requestCount('ocsp')]).toEqual([2, 1, 0, 1]);
  });
});

describe('routes told to misbehave', () => {
  it('404 and 500', async () => {
    server.setMode('crl', 'not-found');
    server.setMode('issuer', 'server-error');
    expect((await get(server.urls.crl)).status).toBe(404);
    expect((await get(server.urls.caIssuers)).status).toBe(500);
    expect((await get(server.urls.caIssuersP7c)).status).toBe(200);
  });

  it('garbage: 200 with bytes that are no CRL', async () => {
    server.setMode('crl', 'garbage');
    const res = await get(server.urls.crl);
    expect(res.status).toBe(200);
    expect((await checkCrl(res.body, good.der, server.ca.intermediate.der, server.ca.madeAt)).status).toBe('invalid');
  });

  it('a stale CRL: nextUpdate three days before the CA was made', async () => {
    server.setMode('crl', 'stale-crl');
    const res = await get(server.urls.crl);
    const result = await checkCrl(res.body, good.der, server.ca.intermediate.der, server.ca.madeAt);
    expect(result.status).toBe('good');
    expect(Date.parse(result.nextUpdate as string)).toBe(Math.floor(server.ca.madeAt / 1000) * 1000 - 3 * 86_400_000);
  });

  it('a badly signed OCSP answer', async () => {
    server.setMode('ocsp', 'bad-ocsp-signature');
    const response = await postOcsp((await ocspRequest(good.der, server.ca.intermediate.der)) as Buffer);
    const result = await checkOcspResponse(response, good.der, server.ca.intermediate.der, server.ca.ocspTimes(response).thisUpdate);
    expect(result.status).toBe('invalid');
    expect(result.detail).toMatch(/signature does not verify/);
  });

  it('a huge body: more than the limit arrives, without Content-Length', async () => {
    server.setMode('ocsp', 'huge');
    const res = await fetch(server.urls.ocsp, { method: 'POST', body: Buffer.from('x') });
    expect(res.headers.get('content-length')).toBeNull();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    while (received <= MAX_OCSP_RESPONSE_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
    }
    await reader.cancel();
    expect(received).toBeGreaterThan(MAX_OCSP_RESPONSE_BYTES);
  });

  it('modes a route does not have are refused', () => {
    expect(() => server.setMode('issuer', 'stale-crl')).toThrow(/does not apply/);
    expect(() => server.setMode('crl', 'bad-ocsp-signature')).toThrow(/does not apply/);
  });
});

describe('a server of its own', () => {
  it('hang: the request is received and never answered; close() ends it and the server', async () => {
    const own = await startLoopbackCa();
    let closed = false;
    try {
      own.setMode('crl', 'hang');
      const pending = fetch(own.urls.crl).then(
        () => 'answered',
        () => (closed ? 'ended by close()' : 'failed before close()'),
      );
      // Wait (without a clock) until the server has the request.
      while (own.requestCount('crl') === 0) await new Promise((resolve) => setImmediate(resolve));
      closed = true;
      await own.close();
      expect(await pending).toBe('ended by close()');
      await expect(fetch(own.urls.crl)).rejects.toThrow();
    } finally {
      if (!closed) await own.close();
    }
  });

  it("hugeBytes sets a huge body's size exactly", async () => {
    const own = await startLoopbackCa({ hugeBytes: 100_000 });
    try {
      own.setMode('issuer', 'huge');
      expect((await get(own.urls.caIssuers)).body.length).toBe(100_000);
    } finally {
      await own.close();
    }
  });
});
