import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrustStore } from '../../../src/core/context.js';
import { MxrayError } from '../../../src/core/errors.js';
import { createRootCa, type TestCa } from '../../../src/demo/test-pki.js';
import { readCertificateNames } from '../../../src/pki/der.js';
import { createTrustStore, isIndexedTrustStore, pemCertificateProblems, splitPemBundle } from '../../../src/pki/trust-store.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

// Self-signed roots with Name bytes we choose (@peculiar/x509).
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
async function rootNamed(nameDer: Buffer): Promise<Buffer> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: new x509.Name(nameDer),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    notBefore: new Date(NOW - 86_400_000),
    notAfter: new Date(NOW + 86_400_000),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  return Buffer.from(cert.rawData);
}

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const OID_CN = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]);
/** A one-attribute Name: CN with a value of the given string type. */
function cnName(stringTag: number, value: string): Buffer {
  return tlv(0x30, tlv(0x31, tlv(0x30, OID_CN, tlv(stringTag, Buffer.from(value, 'utf8')))));
}
/** An attribute type whose OID is 66 bytes long: canonicalName cannot read such a name. */
const LONG_OID = tlv(0x06, Buffer.concat([Buffer.from([0x2a]), Buffer.alloc(65, 0x01)]));
/** Such a name, with a value that is not valid text (names that differ only in such bytes must stay apart). */
const oddName = (lastByte: number) => tlv(0x30, tlv(0x31, tlv(0x30, LONG_OID, tlv(0x13, Buffer.from([0x61, lastByte])))));

function block(label: string, der: Buffer, eol = '\n'): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, `$1${eol}`);
  return `-----BEGIN ${label}-----${eol}${b64}${eol}-----END ${label}-----${eol}`;
}
/** The same certificate with its tbsCertificate re-encoded with an indefinite length (BER, not DER). */
function berTbs(der: Buffer): Buffer {
  const at = 2 + ((der[1] as number) & 0x7f);
  const lengthBytes = (der[at + 1] as number) & 0x7f;
  const tbsLength = der.subarray(at + 2, at + 2 + lengthBytes).reduce((n, b) => n * 256 + b, 0);
  const tbsEnd = at + 2 + lengthBytes + tbsLength;
  const body = Buffer.concat([Buffer.from([0x30, 0x80]), der.subarray(at + 2 + lengthBytes, tbsEnd), Buffer.from([0, 0]), der.subarray(tbsEnd)]);
  return Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]), body]);
}
const subjectOf = (der: Buffer) => readCertificateNames(der)?.subject as Buffer;
const hexes = (list: readonly { raw: Buffer }[]) => list.map((c) => c.raw.toString('hex'));

let rootA: TestCa;
let rootB: TestCa;
/** Two roots with one name and two keys (a key rollover). */
let twinA: TestCa;
let twinB: TestCa;
let interA: TestCa;
let printableRoot: Buffer;
let unreadableNameA: Buffer;
let unreadableNameB: Buffer;
/** A SEQUENCE that is no certificate, holding rootA's subject name bytes. */
let notACertificate: Buffer;
/** A structure that reads like a certificate with rootA's subject, but that OpenSSL cannot parse. */
let fakeCertificate: Buffer;

beforeAll(async () => {
  rootA = await createRootCa('Store Root A', NOW);
  rootB = await createRootCa('Store Root B', NOW);
  twinA = await createRootCa('Store Twin', NOW);
  twinB = await createRootCa('Store Twin', NOW);
  interA = await rootA.intermediate('Store Intermediate A');
  printableRoot = await rootNamed(cnName(0x13, 'Loose  Store Root'));
  unreadableNameA = await rootNamed(oddName(0xff));
  unreadableNameB = await rootNamed(oddName(0xfe));
  const nameA = new x509.X509Certificate(rootA.cert.der).subjectName.toArrayBuffer();
  notACertificate = tlv(0x30, Buffer.from(nameA));
  const sigAlg = tlv(0x30, Buffer.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));
  const time = tlv(0x17, Buffer.from('260101000000Z'));
  const tbs = tlv(0x30, tlv(0x02, Buffer.from([1])), sigAlg, Buffer.from(nameA), tlv(0x30, time, time), Buffer.from(nameA), tlv(0x30));
  fakeCertificate = tlv(0x30, tbs, sigAlg, tlv(0x03, Buffer.from([0x00, 0x01])));
});

describe('splitPemBundle', () => {
  it('splits a bundle, in order, skipping text around the blocks', () => {
    const ders = splitPemBundle(`comment\n${rootA.cert.certPem}\nmore text\n${rootB.cert.certPem}trailer`);
    expect(ders.map((d) => d.toString('hex'))).toEqual([rootA.cert.der, rootB.cert.der].map((d) => d.toString('hex')));
  });

  it('reads the three certificate labels, and CRLF line ends', () => {
    const text = block('CERTIFICATE', rootA.cert.der, '\r\n') + block('X509 CERTIFICATE', rootB.cert.der) + block('TRUSTED CERTIFICATE', interA.cert.der);
    expect(splitPemBundle(text).map((d) => d.toString('hex'))).toEqual([rootA.cert.der, rootB.cert.der, interA.cert.der].map((d) => d.toString('hex')));
  });

  it('cuts the OpenSSL trust settings off a TRUSTED CERTIFICATE', () => {
    const trustSettings = tlv(0x30, tlv(0x30, Buffer.from([0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01])));
    const ders = splitPemBundle(block('TRUSTED CERTIFICATE', Buffer.concat([rootA.cert.der, trustSettings])));
    expect(ders.map((d) => d.toString('hex'))).toEqual([rootA.cert.der.toString('hex')]);
  });

  it('leaves out blocks of other types, whatever they hold', () => {
    const text = block('PRIVATE KEY', Buffer.from(rootA.cert.keyPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64')) +
      block('CERTIFICATE REQUEST', rootA.cert.der) +
      block('CERTIFICATE', rootB.cert.der);
    expect(splitPemBundle(text).map((d) => d.toString('hex'))).toEqual([rootB.cert.der.toString('hex')]);
  });

  it('leaves out blocks that are not DER SEQUENCEs', () => {
    expect(splitPemBundle(block('CERTIFICATE', Buffer.from('not der')))).toEqual([]);
    expect(splitPemBundle(block('CERTIFICATE', Buffer.from([0x02, 0x01, 0x05])))).toEqual([]);
    expect(splitPemBundle(block('CERTIFICATE', rootA.cert.der.subarray(0, 100)))).toEqual([]);
    expect(splitPemBundle(block('CERTIFICATE', Buffer.alloc(0)))).toEqual([]);
  });

  it('leaves out a block without its END line, and reads on from the next block', () => {
    const cut = (label: string) => block(label, rootA.cert.der).replace(/-----END [A-Z0-9 ]+-----\n$/, '');
    expect(splitPemBundle(cut('CERTIFICATE'))).toEqual([]);
    expect(splitPemBundle('-----BEGIN CERTIFICATE-----\nAAAA')).toEqual([]);
    expect(splitPemBundle('-----BEGIN CERTIFICATE')).toEqual([]);
    const after = (text: string) => splitPemBundle(text).map((d) => d.toString('hex'));
    expect(after(cut('CERTIFICATE') + rootB.cert.certPem + interA.cert.certPem)).toEqual([rootB.cert.der, interA.cert.der].map((d) => d.toString('hex')));
    expect(after(cut('CERTIFICATE') + block('TRUSTED CERTIFICATE', rootB.cert.der))).toEqual([rootB.cert.der.toString('hex')]);
    // A BEGIN line without its closing dashes.
    expect(after(`-----BEGIN CERTIFICATE\n${rootB.cert.certPem}`)).toEqual([rootB.cert.der.toString('hex')]);
  });

  it('finds nothing in text without blocks', () => {
    expect(splitPemBundle('')).toEqual([]);
    expect(splitPemBundle('just text, -----END CERTIFICATE-----')).toEqual([]);
  });
});

describe('createTrustStore', () => {
  it('throws a clear error for an input holding no certificate', () => {
    let caught: unknown;
    try {
      createTrustStore([rootA.cert.certPem, 'just some text'], 'test');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MxrayError);
    expect((caught as MxrayError).code).toBe('invalid-input');
    expect((caught as Error).message).toMatch(/input 2 of 2/);
    expect((caught as Error).message).toMatch(/\(test\)/);
  });

  it('accepts each certificate label, and nothing else, as a certificate input', () => {
    expect(createTrustStore([block('X509 CERTIFICATE', rootA.cert.der)], 'x509').size).toBe(1);
    expect(createTrustStore([block('TRUSTED CERTIFICATE', rootA.cert.der)], 'trusted').size).toBe(1);
    expect(() => createTrustStore([block('CERTIFICATE REQUEST', rootA.cert.der)], 'csr')).toThrow(MxrayError);
    expect(() => createTrustStore([block('PRIVATE KEY', rootA.cert.der)], 'key')).toThrow(MxrayError);
  });

  it('finds anchors by issuer name and tells whether a certificate is one', () => {
    const store = createTrustStore([rootA.cert.certPem + rootB.cert.certPem], 'two roots');
    expect(isIndexedTrustStore(store)).toBe(true);
    expect(store.description).toBe('two roots');
    expect(store.size).toBe(2);
    expect(hexes(store.anchorsNamed(subjectOf(rootA.cert.der)))).toEqual([rootA.cert.der.toString('hex')]);
    expect(hexes(store.anchorsNamed(subjectOf(rootB.cert.der)))).toEqual([rootB.cert.der.toString('hex')]);
    expect(hexes(store.anchorsNamedLoosely(subjectOf(rootA.cert.der)))).toEqual([rootA.cert.der.toString('hex')]);
    expect(store.includes(rootB.cert.der)).toBe(true);
    expect(store.includes(interA.cert.der)).toBe(false);
    expect(store.includes(Buffer.from('nope'))).toBe(false);
    expect(hexes(store.roots())).toEqual([rootA.cert.der, rootB.cert.der].map((d) => d.toString('hex')));
  });

  it('finds nothing for a name no anchor has', () => {
    const store = createTrustStore([rootA.cert.certPem], 'one root');
    expect(store.anchorsNamed(subjectOf(rootB.cert.der))).toEqual([]);
    expect(store.anchorsNamedLoosely(subjectOf(rootB.cert.der))).toEqual([]);
  });

  it('does not take a certificate that holds the name only as its issuer for an anchor of that name', () => {
    // interA's issuer name is rootA's subject: its bytes are in interA, but interA is not "rootA".
    const store = createTrustStore([interA.cert.certPem], 'intermediate only');
    expect(store.anchorsNamed(subjectOf(rootA.cert.der))).toEqual([]);
    expect(store.anchorsNamedLoosely(subjectOf(rootA.cert.der))).toEqual([]);
    expect(hexes(store.anchorsNamed(subjectOf(interA.cert.der)))).toEqual([interA.cert.der.toString('hex')]);
  });

  it('returns every anchor with the name (a key rollover), each once', () => {
    const store = createTrustStore([twinA.cert.certPem, twinB.cert.certPem, twinA.cert.certPem], 'twins');
    const both = [twinA.cert.der, twinB.cert.der].map((d) => d.toString('hex'));
    expect(store.size).toBe(3);
    expect(hexes(store.anchorsNamed(subjectOf(twinA.cert.der)))).toEqual(both);
    expect(hexes(store.anchorsNamedLoosely(subjectOf(twinA.cert.der)))).toEqual(both);
    expect(hexes(store.roots())).toEqual(both);
  });

  it('matches names loosely after RFC 5280 normalisation: string type, case, white space', () => {
    const store = createTrustStore([block('CERTIFICATE', printableRoot), rootA.cert.certPem], 'loose');
    const query = cnName(0x0c, '  loose store ROOT ');
    expect(store.anchorsNamed(query)).toEqual([]);
    expect(hexes(store.anchorsNamedLoosely(query))).toEqual([printableRoot.toString('hex')]);
    expect(hexes(store.anchorsNamedLoosely(cnName(0x13, 'Loose  Store Root')))).toEqual([printableRoot.toString('hex')]);
    // Asked again, the same answer.
    expect(hexes(store.anchorsNamedLoosely(query))).toEqual([printableRoot.toString('hex')]);
  });

  it('matches names it cannot normalise by their exact bytes', () => {
    const store = createTrustStore([block('CERTIFICATE', unreadableNameA), block('CERTIFICATE', unreadableNameB)], 'odd names');
    expect(hexes(store.anchorsNamedLoosely(oddName(0xff)))).toEqual([unreadableNameA.toString('hex')]);
    expect(hexes(store.anchorsNamedLoosely(oddName(0xfe)))).toEqual([unreadableNameB.toString('hex')]);
    expect(store.anchorsNamedLoosely(oddName(0xfd))).toEqual([]);
  });

  it('counts a block that is no certificate, but never offers it as an anchor', () => {
    const store = createTrustStore([block('CERTIFICATE', notACertificate) + rootA.cert.certPem], 'with junk');
    expect(store.size).toBe(2);
    expect(hexes(store.roots())).toEqual([rootA.cert.der.toString('hex')]);
    expect(hexes(store.anchorsNamed(subjectOf(rootA.cert.der)))).toEqual([rootA.cert.der.toString('hex')]);
    expect(hexes(store.anchorsNamedLoosely(subjectOf(rootA.cert.der)))).toEqual([rootA.cert.der.toString('hex')]);
    expect(store.includes(notACertificate)).toBe(true);
  });

  it('never offers a certificate OpenSSL cannot parse, even under the right name', () => {
    const store = createTrustStore([block('CERTIFICATE', fakeCertificate) + rootA.cert.certPem], 'with a fake');
    expect(store.size).toBe(2);
    expect(hexes(store.roots())).toEqual([rootA.cert.der.toString('hex')]);
    expect(hexes(store.anchorsNamed(subjectOf(rootA.cert.der)))).toEqual([rootA.cert.der.toString('hex')]);
    expect(hexes(store.anchorsNamedLoosely(subjectOf(rootA.cert.der)))).toEqual([rootA.cert.der.toString('hex')]);
  });

  it('reads names from DER only: a root in BER is kept, but not found by name', () => {
    const ber = berTbs(rootA.cert.der);
    const store = createTrustStore([block('CERTIFICATE', ber)], 'ber');
    expect(hexes(store.roots())).toEqual([ber.toString('hex')]);
    expect(store.includes(ber)).toBe(true);
    expect(store.anchorsNamed(subjectOf(rootA.cert.der))).toEqual([]);
    expect(store.anchorsNamedLoosely(subjectOf(rootA.cert.der))).toEqual([]);
  });

  it('parses a root once: later lookups give the same object', () => {
    const store = createTrustStore([rootA.cert.certPem, rootB.cert.certPem], 'two roots');
    const first = store.anchorsNamed(subjectOf(rootA.cert.der))[0];
    expect(first).toBeInstanceOf(X509Certificate);
    expect(store.anchorsNamed(subjectOf(rootA.cert.der))[0]).toBe(first);
    expect(store.anchorsNamedLoosely(subjectOf(rootA.cert.der))[0]).toBe(first);
    expect(store.roots()[0]).toBe(first);
  });

  it('counts a root listed twice once', () => {
    const store = createTrustStore([rootA.cert.certPem, rootA.cert.certPem], 'twice');
    expect(store.roots()).toHaveLength(1);
    expect(store.anchorsNamed(subjectOf(rootA.cert.der))).toHaveLength(1);
    expect(store.anchorsNamedLoosely(subjectOf(rootA.cert.der))).toHaveLength(1);
  });

  it("holds Node's bundled roots plus a --ca-file", () => {
    const store = createTrustStore([...rootCertificates, rootA.cert.certPem], 'bundled + test');
    expect(hexes(store.anchorsNamed(subjectOf(rootA.cert.der)))).toEqual([rootA.cert.der.toString('hex')]);
    expect(store.size).toBe(rootCertificates.length + 1);
    expect(store.roots()).toHaveLength(rootCertificates.length + 1);
    const bundled = new X509Certificate(rootCertificates[0] as string);
    expect(hexes(store.anchorsNamed(subjectOf(bundled.raw)))).toEqual([bundled.raw.toString('hex')]);
  });
});

describe('isIndexedTrustStore', () => {
  const plain: TrustStore = { description: 'plain', roots: () => [] };
  const fn = () => [];

  it('tells our store from a plain one', () => {
    expect(isIndexedTrustStore(createTrustStore([rootA.cert.certPem], 'ours'))).toBe(true);
    expect(isIndexedTrustStore(plain)).toBe(false);
  });

  it('needs all three lookups', () => {
    expect(isIndexedTrustStore({ ...plain, anchorsNamed: fn, anchorsNamedLoosely: fn, includes: () => false } as TrustStore)).toBe(true);
    expect(isIndexedTrustStore({ ...plain, anchorsNamedLoosely: fn, includes: () => false } as TrustStore)).toBe(false);
    expect(isIndexedTrustStore({ ...plain, anchorsNamed: fn, includes: () => false } as TrustStore)).toBe(false);
    expect(isIndexedTrustStore({ ...plain, anchorsNamed: fn, anchorsNamedLoosely: fn } as TrustStore)).toBe(false);
    expect(isIndexedTrustStore({ ...plain, anchorsNamed: true, anchorsNamedLoosely: fn, includes: () => false } as TrustStore)).toBe(false);
  });
});

describe('pemCertificateProblems: the certificate blocks splitPemBundle would leave out, said', () => {
  const good = rootCertificates[0]!;
  const body = (pem: string) => pem.split('\n').slice(1, -1).join('\n');

  it('says nothing of a good bundle, nor of blocks that are not certificates', () => {
    expect(pemCertificateProblems(`${good}\n${rootCertificates[1]!}\n`)).toEqual([]);
    expect(pemCertificateProblems(`-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${good}`)).toEqual([]);
    expect(pemCertificateProblems('')).toEqual([]);
  });

  it('names each unreadable certificate block by its number and line, and why', () => {
    const cut = `-----BEGIN CERTIFICATE-----\n${body(good).slice(0, 200)}\n`;
    expect(pemCertificateProblems(`${good}\n${cut}`)).toEqual([`certificate block 2 (line ${good.split('\n').length + 1}): no "-----END CERTIFICATE-----" line before the end of the file`]);
    expect(pemCertificateProblems(`${cut}${good}`)).toEqual(['certificate block 1 (line 1): no "-----END CERTIFICATE-----" line before the next block']);
    expect(pemCertificateProblems('-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----\n')).toEqual(['certificate block 1 (line 1): not base64']);
    expect(pemCertificateProblems('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toEqual(['certificate block 1 (line 1): not a DER certificate (3 bytes that do not form one)']);
    expect(pemCertificateProblems('-----BEGIN CERTIFICATE\nAAAA\n')).toEqual(['certificate block 1 (line 1): its BEGIN line is not closed with "-----"']);
    // A SEQUENCE cut off after its header is no DER either.
    expect(pemCertificateProblems('-----BEGIN CERTIFICATE-----\nMAUC\n-----END CERTIFICATE-----\n')).toEqual(['certificate block 1 (line 1): not a DER certificate (3 bytes that do not form one)']);
    // DER that is one whole SEQUENCE, but no certificate.
    const [bad] = pemCertificateProblems('-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n');
    expect(bad).toMatch(/^certificate block 1 \(line 1\): not a readable certificate \(.+\)$/);
    // Exactly what splitPemBundle drops: it keeps the good blocks only.
    expect(splitPemBundle(`${good}\n${cut}`)).toHaveLength(1);
  });

  it('stops at max problems', () => {
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'.repeat(9);
    expect(pemCertificateProblems(broken)).toHaveLength(5);
    expect(pemCertificateProblems(broken, 1)).toEqual(['certificate block 1 (line 1): not a DER certificate (3 bytes that do not form one)']);
  });
});
