// A receiver test against servers whose certificates have empty names (issue 16, item 1): a valid
// certificate with an empty subject (its names in a critical SAN, as RFC 5280 allows) and one
// whose issuer is a CA with an empty name, served with SNI and, differently, without. Node gives
// an empty name as undefined; the receiver test must judge such certificates like any other:
// no internal error, no false "SNI required", people-readable names in the findings.
//
// Loopback only: the test's own smtpd on port 0, an in-test resolver and host map.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { HostMapping, Resolver } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';
import type { Finding } from '../../src/core/schema.js';
import { checkReceiver } from '../../src/library.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { startSmtpd } from '../../src/smtpd/server.js';
import { schemaErrors } from '../helpers/schema.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' };
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' };
const DAY = 86_400_000;
const MX = 'mx.empty-names.test';
const LIMITS = { connectTimeoutMs: 1500, greetingTimeoutMs: 1500, commandTimeoutMs: 1500, tlsTimeoutMs: 1500 };

const stoppers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stoppers.splice(0).map((stop) => stop()));
});

type Keys = webcrypto.CryptoKeyPair;
const keys = async (): Promise<Keys> => (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as Keys;
const keyPem = async (k: Keys) => `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await webcrypto.subtle.exportKey('pkcs8', k.privateKey)).toString('base64')}\n-----END PRIVATE KEY-----\n`;

/** A CA named `name` ('' for an empty name), valid around the real time (the receiver test runs on the system clock). */
async function ca(name: string): Promise<{ cert: x509.X509Certificate; keys: Keys }> {
  const k = await keys();
  const now = systemClock.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    keys: k,
    signingAlgorithm: EC_SIGN,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 300 * DAY),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return { cert, keys: k };
}

/** A server certificate for MX with subject `subject` ('' for an empty one: its names in a critical SAN), issued by `issuer`, with the key `k`. */
async function leaf(subject: string, issuer: { cert: x509.X509Certificate; keys: Keys }, k: Keys): Promise<string> {
  const now = systemClock.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: issuer.cert.subject,
    publicKey: k.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: EC_SIGN,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 200 * DAY),
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: MX }], subject === ''), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth])],
  });
  return cert.toString('pem');
}

function resolver(): Resolver {
  const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
  return {
    description: 'in-test resolver',
    mx: (name) => (name === 'empty-names.test' ? Promise.resolve([{ exchange: MX, priority: 10 }]) : nx(name, 'MX')),
    a: (name) => nx(name, 'A'),
    aaaa: (name) => nx(name, 'AAAA'),
    cname: (name) => nx(name, 'CNAME'),
    txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
  };
}

/** Serves `withSni` to clients asking for MX, `withoutSni` to the others; checks the domain; the findings of its one host. */
async function check(withSni: string, withoutSni: string, key: string, anchors: string[]): Promise<Finding[]> {
  const server = await startSmtpd({ name: MX, greetAtOnce: true, tls: { key, cert: withoutSni, sni: [{ name: MX, key, cert: withSni }] } });
  stoppers.push(() => server.stop());
  const report = await checkReceiver({
    target: 'empty-names.test',
    helo: 'client.mxray.test',
    clock: systemClock,
    resolver: resolver(),
    connector: createConnector(systemClock),
    trustStore: createTrustStore(anchors, 'empty-names test CAs'),
    hostMap: new Map<string, HostMapping>([[MX, { address: '127.0.0.1', port: server.port }]]),
    limits: LIMITS,
  });
  expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
  expect(report.body.hosts).toHaveLength(1);
  return report.body.hosts[0]?.findings ?? [];
}

const ids = (findings: Finding[]) => findings.map((f) => f.id).sort();

describe('certificates with empty names', () => {
  it('an empty subject served only without SNI: judged like any other (no internal error, no "SNI required"), named by a placeholder', async () => {
    const named = await ca('CN=Empty Names Test CA');
    const k = await keys();
    const good = await leaf(`CN=${MX}`, named, k);
    const emptySubject = await leaf('', named, k);
    const findings = await check(good, emptySubject, await keyPem(k), [named.cert.toString('pem')]);
    expect(ids(findings)).toEqual(['cert.ok', 'cert.sni-dependent', 'policy.cleartext-accepted', 'tls.ok']);
    expect(findings.find((f) => f.id === 'cert.sni-dependent')?.facts.withoutSni).toMatch(/^\(empty subject\) \(SHA-256 [0-9A-F]{16}…\)$/);
  });

  it('an empty subject with and without SNI: cert.ok, its subject a placeholder', async () => {
    const named = await ca('CN=Empty Names Test CA');
    const k = await keys();
    const emptySubject = await leaf('', named, k);
    const findings = await check(emptySubject, emptySubject, await keyPem(k), [named.cert.toString('pem')]);
    expect(ids(findings)).toEqual(['cert.ok', 'policy.cleartext-accepted', 'tls.ok']);
    expect(findings.find((f) => f.id === 'cert.ok')?.facts).toMatchObject({ subject: '(empty subject)', issuer: 'Empty Names Test CA' });
  });

  it('an issuer with an empty name, served only without SNI: cert.empty-name for the certificate without SNI', async () => {
    const named = await ca('CN=Empty Names Test CA');
    const nameless = await ca('');
    const k = await keys();
    const good = await leaf(`CN=${MX}`, named, k);
    const underNameless = await leaf(`CN=${MX}`, nameless, k);
    const findings = await check(good, underNameless, await keyPem(k), [named.cert.toString('pem'), nameless.cert.toString('pem')]);
    expect(ids(findings)).toEqual(['cert.empty-name', 'cert.ok', 'cert.sni-dependent', 'policy.cleartext-accepted', 'tls.ok']);
    expect(findings.find((f) => f.id === 'cert.empty-name')?.facts).toEqual({
      host: expect.stringMatching(/^mx\.empty-names\.test\[127\.0\.0\.1\]:\d+$/) as unknown as string,
      handshake: 'no-sni',
      element: 'the server certificate',
      subject: MX,
      detail: 'its issuer field is an empty name',
    });
  });
});
