// The connector presents the client certificate it is given (mutual TLS, `mxray send --cert`): a
// loopback TLS server that asks for one sees exactly that certificate, and none when none is given.
import { X509Certificate } from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/context.js';
import { createSelfSigned, type IssuedCert } from '../../../src/demo/test-pki.js';
import { createConnector } from '../../../src/net/connector.js';
import { TLS_NORMAL } from '../../../src/tls/profiles.js';

const MX = 'mx.connector.test';
const clock: Clock = { now: () => 0, monotonic: () => 0, sleep: async () => {} };

let serverCert: IssuedCert;
let clientCert: IssuedCert;
beforeAll(async () => {
  const now = Date.now();
  serverCert = await createSelfSigned({ commonName: MX }, now);
  clientCert = await createSelfSigned({ commonName: 'client.mxray.test' }, now);
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A loopback TLS server (implicit TLS) that asks for a client certificate and reports the one it got. */
async function askingServer(): Promise<{ port: number; peer: Promise<tls.PeerCertificate> }> {
  let seen!: (cert: tls.PeerCertificate) => void;
  const peer = new Promise<tls.PeerCertificate>((resolve) => (seen = resolve));
  const server = tls.createServer({ key: serverCert.keyPem, cert: serverCert.certPem, requestCert: true, rejectUnauthorized: false }, (socket) => {
    socket.on('error', () => undefined);
    seen(socket.getPeerCertificate());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, peer };
}

describe('createConnector: a client certificate', () => {
  it('is presented to a server that asks for one', async () => {
    const { port, peer } = await askingServer();
    const c = await createConnector(clock).connect({ address: '127.0.0.1', port, timeoutMs: 5000 });
    cleanups.push(() => c.close());
    await c.startTls({
      servername: MX,
      profile: TLS_NORMAL,
      timeoutMs: 5000,
      clientCertificate: { keyPem: clientCert.keyPem, certPem: clientCert.certPem, subject: 'CN=client.mxray.test' },
    });
    expect((await peer).fingerprint256).toBe(new X509Certificate(clientCert.certPem).fingerprint256);
  });

  it('is not presented when none is given', async () => {
    const { port, peer } = await askingServer();
    const c = await createConnector(clock).connect({ address: '127.0.0.1', port, timeoutMs: 5000 });
    cleanups.push(() => c.close());
    await c.startTls({ servername: MX, profile: TLS_NORMAL, timeoutMs: 5000 });
    expect(await peer).toEqual({});
  });
});
