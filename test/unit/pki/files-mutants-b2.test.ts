// pickLeaf with names that RFC 5280's comparison cannot read (canonicalName gives null): such a
// name is looked up by its bytes. Certificates made at test time; nothing committed.
import { webcrypto, X509Certificate } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalName, readCertificateNames } from '../../../src/pki/der.js';
import { pickLeaf } from '../../../src/pki/files.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const ecdsa = { name: 'ECDSA', hash: 'SHA-256' };
const validity = { notBefore: new Date(NOW - 86_400_000), notAfter: new Date(NOW + 86_400_000) };

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag, body.length]), body]);
}

/** A CA named with one RDN of 18 attributes (more than canonicalName reads), self-signed, and a CA it issued. */
let rawCa: Buffer;
let rawChild: Buffer;
/** Not a certificate Node parses, but its names read: issuer and subject are a Name with an empty RDN. */
let fake: Buffer;

beforeAll(async () => {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const generate = async () => (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const [caKeys, childKeys] = [await generate(), await generate()];
  const name = new x509.Name([{ '2.5.4.11': Array.from({ length: 17 }, (_, i) => `unit ${i}`), '2.5.4.3': ['B Raw Root'] }]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({ name, keys: caKeys, signingAlgorithm: ecdsa, ...validity, extensions: [new x509.BasicConstraintsExtension(true, undefined, true)] });
  rawCa = Buffer.from(ca.rawData);
  const child = await x509.X509CertificateGenerator.create({
    subject: 'CN=B Raw Intermediate',
    issuer: new x509.Name(readCertificateNames(rawCa)?.subject as Buffer),
    publicKey: childKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ecdsa,
    ...validity,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  rawChild = Buffer.from(child.rawData);
  const unreadableName = tlv(0x30, tlv(0x31));
  fake = tlv(0x30, tlv(0x30, tlv(0x02, Buffer.from([1])), tlv(0x30), unreadableName, tlv(0x30), unreadableName), tlv(0x30), tlv(0x03, Buffer.from([0])));
});

describe('pickLeaf: names looked up by their bytes', () => {
  it('the names here are unreadable to canonicalName, readable as bytes, and the CA issued its child', () => {
    const ca = readCertificateNames(rawCa);
    expect(ca && canonicalName(ca.subject)).toBe(null);
    expect(readCertificateNames(rawChild)?.issuer.equals(ca?.subject as Buffer)).toBe(true);
    expect(new X509Certificate(rawChild).checkIssued(new X509Certificate(rawCa))).toBe(true);
    expect(canonicalName(readCertificateNames(fake)?.subject as Buffer)).toBe(null);
    expect(() => new X509Certificate(fake)).toThrow();
  });

  it('looks an issuer up by its name bytes when the name does not read', () => {
    expect(pickLeaf([rawCa, rawChild], [])).toEqual({ index: 1, why: 'certificate 2 issued none of the others (the end entity)' });
    expect(pickLeaf([fake, rawCa, rawChild], [])).toEqual({ index: 0, why: 'certificates 1, 3 issued none of the others; the first, certificate 1, was taken' });
  });

  it('keeps names that do not read apart from each other: eight others do not hide the issuer', () => {
    // Eight certificates of another unreadable name first: were the two names one key, the CA would be the ninth of it and not tried.
    expect(pickLeaf([...Array<Buffer>(8).fill(fake), rawCa, rawChild], [])).toEqual({
      index: 0,
      why: 'certificates 1, 2, 3, 4, 5, 6, 7, 8, 10 issued none of the others; the first, certificate 1, was taken',
    });
  });
});
