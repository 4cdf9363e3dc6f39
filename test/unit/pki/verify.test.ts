import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrustStore } from '../../../src/core/context.js';
import type { CertInfo, CertVerdict } from '../../../src/core/schema.js';
import { createRootCa, createSelfSigned, DAY_MS, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { OPENSSL_VERIFY_ERRORS } from '../../../src/pki/openssl-errors.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { MAX_PATH_LENGTH, MAX_SENT_EXAMINED, matchesDomain, verifyChain, type VerifyInput } from '../../../src/pki/verify.js';
import { certify as chainCertify, EKU, KU, party as chainParty, rawExtension, type CertOptions, type Party as ChainParty } from '../../helpers/chain-pki.js';
import fc from 'fast-check';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

// ---- Hand-made certificates (@peculiar/x509) for what src/demo/test-pki.ts does not make:
// no key identifiers (so only names and signatures link a certificate to its issuer), non-CA
// issuers, chosen name encodings, cross-signed and self-issued certificates.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' };
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' };

interface Party {
  name: x509.Name;
  publicKey: webcrypto.CryptoKey | ArrayBuffer | Buffer;
  privateKey: webcrypto.CryptoKey;
}

async function party(name: string | Buffer, keysOf?: Party): Promise<Party> {
  if (keysOf) return { name: new x509.Name(name), publicKey: keysOf.publicKey, privateKey: keysOf.privateKey };
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return { name: new x509.Name(name), publicKey: keys.publicKey, privateKey: keys.privateKey };
}

/** A test-pki CA as a Party: its name and public key from its certificate, its private key from its PEM. */
async function partyOf(ca: TestCa): Promise<Party> {
  const pkcs8 = Buffer.from(ca.cert.keyPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, EC_KEY, false, ['sign']);
  const cert = new x509.X509Certificate(ca.cert.der);
  return { name: cert.subjectName, publicKey: cert.publicKey.rawData, privateKey };
}

/** `subject`'s certificate signed by `issuer`; `ca` adds a critical basicConstraints extension, `keyUsage` a critical keyUsage. */
async function certify(subject: Party, issuer: Party, options: { ca?: boolean; dnsNames?: string[]; keyUsage?: number } = {}): Promise<Buffer> {
  const extensions: x509.Extension[] = [];
  if (options.ca !== undefined) extensions.push(new x509.BasicConstraintsExtension(options.ca, undefined, true));
  if (options.keyUsage !== undefined) extensions.push(new x509.KeyUsagesExtension(options.keyUsage, true));
  if (options.dnsNames) {
    // Critical when the subject is empty, as RFC 5280 §4.2.1.6 requires.
    const critical = subject.name.toString() === '';
    extensions.push(new x509.SubjectAlternativeNameExtension(options.dnsNames.map((value) => ({ type: 'dns' as const, value })), critical));
  }
  const cert = await x509.X509CertificateGenerator.create({
    subject: subject.name,
    issuer: issuer.name,
    publicKey: subject.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: EC_SIGN,
    notBefore: new Date(NOW - 30 * DAY_MS),
    notAfter: new Date(NOW + 300 * DAY_MS),
    extensions,
  });
  return Buffer.from(cert.rawData);
}

function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
}

// A DER Name with chosen string types (0x13 PrintableString, 0x0c UTF8String).
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag, body.length]), body]);
}
const OID_O = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x0a]);
const OID_CN = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]);
function derName(stringTag: number, org: string, cn: string): Buffer {
  const atv = (type: Buffer, value: string) => tlv(0x31, tlv(0x30, type, tlv(stringTag, Buffer.from(value, 'utf8'))));
  return tlv(0x30, atv(OID_O, org), atv(OID_CN, cn));
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

/** Flips a bit in the last byte of the signature: still parses, no longer verifies. */
function tamper(der: Buffer): Buffer {
  const copy = Buffer.from(der);
  copy[copy.length - 1] = (copy[copy.length - 1] as number) ^ 0x01;
  return copy;
}

const sha256 = (der: Buffer) => createHash('sha256').update(der).digest('hex').toUpperCase();
const names = (v: { path: CertInfo[] }) => v.path.map((c) => [c.commonName, c.source]);

// ---- Fixtures

let root: TestCa;
let inter: TestCa;
let otherRoot: TestCa;
let leaf: IssuedCert;
let unrelated: IssuedCert;
let selfSigned: IssuedCert;
/** A certificate with basicConstraints CA:FALSE, issued by `root`, and a leaf it signed. */
let notCa: Buffer;
let signedByNotCa: Buffer;
/** The same name and key as `notCa`, but a CA. */
let caTwinOfNotCa: Buffer;
/** The same name as `notCa`, not a CA either, with another key. */
let notCaOtherKey: Buffer;
/** A leaf with an empty subject (its name only in the SAN), issued by `root`. */
let emptySubject: Buffer;
/** A CA (issued by `root`) with a GOST key this OpenSSL cannot load, and a leaf naming it as issuer. */
let gostCa: Buffer;
let underGostCa: Buffer;
/** CAs (issued by `root`) whose keyUsage lacks keyCertSign, with a GOST key and with an SM2 key, and a leaf under each. */
let gostSigner: Buffer;
let underGostSigner: Buffer;
let sm2Signer: Buffer;
let underSm2Signer: Buffer;

beforeAll(async () => {
  root = await createRootCa('Verify Test Root', NOW);
  inter = await root.intermediate('Verify Test Intermediate');
  otherRoot = await createRootCa('Some Other Root', NOW);
  leaf = await inter.issue({ commonName: 'mx1.example.test', dnsNames: ['mx1.example.test'] });
  unrelated = await otherRoot.issue({ commonName: 'elsewhere.example.net' });
  selfSigned = await createSelfSigned({ commonName: 'mx1.example.test' }, NOW);

  const rootParty = await partyOf(root);
  const notCaParty = await party('CN=Not A CA, O=mxray test server');
  notCa = await certify(notCaParty, rootParty, { ca: false, dnsNames: ['issuer.example.test'] });
  caTwinOfNotCa = await certify(notCaParty, rootParty, { ca: true });
  notCaOtherKey = await certify(await party('CN=Not A CA, O=mxray test server'), rootParty, { ca: false });
  signedByNotCa = await certify(await party('CN=mx.victim.test'), notCaParty, { ca: false, dnsNames: ['mx.victim.test'] });
  emptySubject = await certify(await party(''), rootParty, { ca: false, dnsNames: ['mx.empty.test'] });
  const gostSpki = tlv(0x30, tlv(0x30, Buffer.from([0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x01])), tlv(0x03, Buffer.from([0x00, 0x01, 0x02])));
  const gostParty = { ...(await party('CN=Gost CA')), publicKey: gostSpki };
  gostCa = await certify(gostParty, rootParty, { ca: true });
  underGostCa = await certify(await party('CN=mx.gost.test'), gostParty, { ca: false, dnsNames: ['mx.gost.test'] });
  const gostSignerParty = { ...(await party('CN=Gost Signer')), publicKey: gostSpki };
  gostSigner = await certify(gostSignerParty, rootParty, { ca: true, keyUsage: x509.KeyUsageFlags.digitalSignature });
  underGostSigner = await certify(await party('CN=mx.gost.test'), gostSignerParty, { ca: false, dnsNames: ['mx.gost.test'] });
  const sm2Spki = (generateKeyPairSync as unknown as (type: string, o: object) => { publicKey: { export(o: object): Buffer } })('ec', { namedCurve: 'SM2' }).publicKey.export({ type: 'spki', format: 'der' });
  const sm2SignerParty = { ...(await party('CN=SM2 Signer')), publicKey: sm2Spki };
  sm2Signer = await certify(sm2SignerParty, rootParty, { ca: true, keyUsage: x509.KeyUsageFlags.digitalSignature });
  underSm2Signer = await certify(await party('CN=mx.sm2.test'), sm2SignerParty, { ca: false, dnsNames: ['mx.sm2.test'] });
});

function verify(chain: Buffer[], trustStore: TrustStore, overrides: Partial<VerifyInput> = {}) {
  return verifyChain({ chain, trustStore, now: NOW, name: 'mx1.example.test', domain: null, ...overrides });
}

describe('verifyChain: trust', () => {
  it('trusts a good chain', () => {
    const v = verify([leaf.der, inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v).toMatchObject({
      trusted: true,
      trustFailure: 'none',
      trustReason: null,
      checkedName: 'mx1.example.test',
      nameMatches: true,
      domainMatches: null,
      timeValid: true,
      daysLeft: 365,
    });
    expect(v.sent.map((c) => [c.commonName, c.source])).toEqual([
      ['mx1.example.test', 'sent'],
      ['Verify Test Intermediate', 'sent'],
    ]);
    expect(names(v)).toEqual([
      ['mx1.example.test', 'sent'],
      ['Verify Test Intermediate', 'sent'],
      ['Verify Test Root', 'trust-store'],
    ]);
    // Each certificate on the path is described as itself.
    expect(v.path.map((c) => c.sha256)).toEqual(
      [leaf.der, inter.cert.der, root.cert.der].map((d) => sha256(d)),
    );
  });

  it('builds the path from a chain sent out of order, with the root and an unrelated certificate', () => {
    const v = verify([leaf.der, unrelated.der, root.cert.der, inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.trusted).toBe(true);
    expect(v.trustFailure).toBe('none');
    expect(v.sent.map((c) => c.commonName)).toEqual(['mx1.example.test', 'elsewhere.example.net', 'Verify Test Root', 'Verify Test Intermediate']);
    expect(names(v)).toEqual([
      ['mx1.example.test', 'sent'],
      ['Verify Test Intermediate', 'sent'],
      ['Verify Test Root', 'trust-store'],
    ]);
  });

  it('ignores duplicates and unreadable extras', () => {
    const v = verify([leaf.der, leaf.der, Buffer.from('junk'), inter.cert.der, inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.trusted).toBe(true);
    expect(names(v)).toEqual([
      ['mx1.example.test', 'sent'],
      ['Verify Test Intermediate', 'sent'],
      ['Verify Test Root', 'trust-store'],
    ]);
    expect(v.sent.map((c) => c.commonName)).toEqual(['mx1.example.test', 'mx1.example.test', 'Verify Test Intermediate', 'Verify Test Intermediate']);
  });

  it('reports a missing intermediate as chain-incomplete, naming the leaf, its issuer and the trust store', () => {
    const v = verify([leaf.der], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('chain-incomplete');
    expect(v.trustReason).toContain('"mx1.example.test"');
    expect(v.trustReason).toContain('"Verify Test Intermediate"');
    expect(v.trustReason).toContain('(test roots)');
    expect(v.trustReason).toMatch(/not sending its intermediate/);
    expect(names(v)).toEqual([['mx1.example.test', 'sent']]);
    // The other facts are still measured.
    expect(v.nameMatches).toBe(true);
    expect(v.timeValid).toBe(true);
  });

  it('does not take a sent certificate whose name is not the issuer name for the issuer', () => {
    const v = verify([leaf.der, unrelated.der], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.trustFailure).toBe('chain-incomplete');
    expect(names(v)).toEqual([['mx1.example.test', 'sent']]);
  });

  it('reports a chain ending at a sent root we do not trust as untrusted-root', () => {
    const v = verify([leaf.der, inter.cert.der, root.cert.der], createTrustStore([otherRoot.cert.certPem], 'other roots'));
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('untrusted-root');
    expect(v.trustReason).toContain('"Verify Test Root"');
    expect(v.trustReason).toContain('(other roots)');
    expect(names(v)).toEqual([
      ['mx1.example.test', 'sent'],
      ['Verify Test Intermediate', 'sent'],
      ['Verify Test Root', 'sent'],
    ]);
  });

  it('reports a chain whose root was not sent and is not trusted as an untrusted root, naming the last certificate and the root', () => {
    const v = verify([leaf.der, inter.cert.der], createTrustStore([otherRoot.cert.certPem], 'other roots'));
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('untrusted-root');
    expect(v.trustReason).toContain('"Verify Test Intermediate"');
    expect(v.trustReason).toContain('"Verify Test Root"');
    expect(v.trustReason).toContain('(other roots)');
    expect(names(v)).toEqual([
      ['mx1.example.test', 'sent'],
      ['Verify Test Intermediate', 'sent'],
    ]);
  });

  it('reports a self-signed certificate', () => {
    const v = verify([selfSigned.der], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('self-signed');
    expect(v.trustReason).toContain('"mx1.example.test"');
    expect(v.trustReason).toContain('(test roots)');
    expect(names(v)).toEqual([['mx1.example.test', 'sent']]);
    expect(v.nameMatches).toBe(true);
  });

  it('trusts a self-signed certificate the user put in the trust store (--ca-file)', () => {
    const v = verify([selfSigned.der], createTrustStore([root.cert.certPem, selfSigned.certPem], 'pinned'));
    expect(v.trusted).toBe(true);
    expect(v.trustFailure).toBe('none');
    expect(v.trustReason).toBeNull();
    expect(v.path.map((c) => c.source)).toEqual(['trust-store']);
    expect(v.sent.map((c) => c.source)).toEqual(['sent']);
  });

  it('reports a signature that does not verify, naming the certificate and its issuer', () => {
    const v = verify([tamper(leaf.der), inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('bad-signature');
    expect(v.trustReason).toContain('"mx1.example.test"');
    expect(v.trustReason).toContain('"Verify Test Intermediate"');
    expect(v.trustReason).toMatch(/does not verify/);
    expect(names(v)).toEqual([['mx1.example.test', 'sent']]);
  });

  it('reports a self-issued certificate whose signature does not verify with its own key', () => {
    const v = verify([tamper(selfSigned.der)], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('bad-signature');
    expect(v.trustReason).toContain('"mx1.example.test"');
    expect(v.trustReason).toMatch(/names itself as issuer/);
    expect(names(v)).toEqual([['mx1.example.test', 'sent']]);
  });

  it('reports an empty chain', () => {
    const v = verify([], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v).toEqual({
      sent: [],
      path: [],
      trusted: false,
      trustFailure: 'no-certificate',
      trustReason: 'The server sent no certificate.',
      checkedName: 'mx1.example.test',
      nameMatches: null,
      domainMatches: null,
      timeValid: false,
      daysLeft: 0,
      opensslError: null,
      problems: [],
      sentCount: 0,
    });
  });

  it('reports an unreadable leaf as no certificate, still listing what it could read', () => {
    const v = verify([Buffer.from('junk'), inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'), { domain: 'example.test' });
    expect(v).toMatchObject({ trusted: false, trustFailure: 'no-certificate', path: [], nameMatches: null, domainMatches: null, timeValid: false, daysLeft: 0 });
    expect(v.trustReason).toMatch(/not valid DER/);
    expect(v.sent.map((c) => c.commonName)).toEqual(['Verify Test Intermediate']);
  });
});

describe('verifyChain: a leaf with an empty subject (RFC 5280 §4.1.2.6)', () => {
  it('is verified like any other, by its SAN', () => {
    const v = verify([emptySubject], createTrustStore([root.cert.certPem], 'test roots'), { name: 'mx.empty.test', domain: 'empty.test' });
    expect(v).toMatchObject({ trusted: true, trustFailure: 'none', nameMatches: true, domainMatches: true, timeValid: true });
    expect(v.path.map((c) => [c.subject, c.commonName, c.source])).toEqual([
      ['', null, 'sent'],
      ['CN=Verify Test Root, O=mxray test PKI', 'Verify Test Root', 'trust-store'],
    ]);
  });

  it('is named for people by a placeholder when its chain fails', () => {
    const v = verify([emptySubject], createTrustStore([otherRoot.cert.certPem], 'other roots'), { name: 'mx.empty.test' });
    expect(v.trustFailure).toBe('chain-incomplete');
    expect(v.trustReason).toContain('"(empty name)"');
    expect(v.trustReason).toContain('"Verify Test Root"');
  });
});

describe('verifyChain: hostile certificates', () => {
  it('does not take a CA whose key cannot be loaded for an issuer, and does not throw', () => {
    // OpenSSL's issuer check needs the issuer's key: the GOST CA is no candidate at all.
    const v = verify([underGostCa, gostCa], createTrustStore([root.cert.certPem], 'test roots'), { name: 'mx.gost.test' });
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('chain-incomplete');
    expect(v.trustReason).toContain('"Gost CA"');
    expect(v.sent.map((c) => c.keyType)).toEqual(['ec', 'unknown']);
  });

  it('does not take an issuer whose keyUsage lacks keyCertSign when OpenSSL could not use its key: one it cannot load (GOST), one of a type Node does not name (SM2)', () => {
    const gost = verify([underGostSigner, gostSigner], createTrustStore([root.cert.certPem], 'test roots'), { name: 'mx.gost.test' });
    expect([gost.trustFailure, names(gost), gost.problems, gost.opensslError?.code]).toEqual(['chain-incomplete', [['mx.gost.test', 'sent']], [], 20]);
    expect(gost.trustReason).toContain('was issued by "Gost Signer", which the server did not send');
    const sm2 = verify([underSm2Signer, sm2Signer], createTrustStore([root.cert.certPem], 'test roots'), { name: 'mx.sm2.test' });
    expect([sm2.trustFailure, names(sm2), sm2.problems, sm2.opensslError?.code]).toEqual(['chain-incomplete', [['mx.sm2.test', 'sent']], [], 20]);
    expect(sm2.sent.map((c) => c.keyType)).toEqual(['ec', 'unknown']);
  });

  it('does not trust a leaf whose tbsCertificate is BER (indefinite length), and does not throw', () => {
    // Its names cannot be read for the anchor index; the sent intermediate's signature was made
    // over the DER encoding, so it does not verify over these bytes.
    const v = verify([berTbs(leaf.der), inter.cert.der], createTrustStore([inter.cert.certPem], 'intermediate as anchor'));
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('bad-signature');
    expect(v.trustReason).toContain('"Verify Test Intermediate"');
    expect(v.path.map((c) => [c.commonName, c.signatureAlgorithm])).toEqual([['mx1.example.test', 'unknown']]);
  });
});

describe('verifyChain: who may issue', () => {
  it('takes a sent certificate that is not a CA onto the path only for want of a CA, and names it as the fault', () => {
    // notCa chains up to the trusted root and its signature on the leaf verifies: only its
    // basicConstraints (CA:FALSE) keeps it from issuing. It was sent: no missing intermediate.
    const v = verify([signedByNotCa, notCa], createTrustStore([root.cert.certPem], 'test roots'), { name: 'mx.victim.test' });
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('chain-invalid');
    expect(v.trustReason).toBe(
      'The intermediate certificate "Not A CA" breaks a rule of path validation: it issued "mx.victim.test" but its basicConstraints say CA:FALSE.',
    );
    expect(names(v)).toEqual([
      ['mx.victim.test', 'sent'],
      ['Not A CA', 'sent'],
      ['Verify Test Root', 'trust-store'],
    ]);
    expect(v.problems).toEqual([
      {
        index: 1,
        role: 'intermediate',
        subject: 'Not A CA',
        rule: 'not-a-ca',
        detail: 'it issued "mx.victim.test" but its basicConstraints say CA:FALSE',
        opensslError: { code: 79, name: 'invalid CA certificate' },
      },
    ]);
    expect(v.nameMatches).toBe(true);
  });

  it('reports a non-CA certificate whose key did not sign as a signature that does not verify', () => {
    const v = verify([signedByNotCa, notCaOtherKey], createTrustStore([root.cert.certPem], 'test roots'), { name: 'mx.victim.test' });
    expect(v.trustFailure).toBe('bad-signature');
    expect(v.trustReason).toContain('"Not A CA"');
    expect(v.trustReason).toMatch(/does not verify/);
    expect(v.trustReason).not.toMatch(/not a CA/);
  });

  it('passes over a non-CA certificate for a CA with the same name and key', () => {
    const v = verify([signedByNotCa, notCa, caTwinOfNotCa], createTrustStore([root.cert.certPem], 'test roots'), { name: 'mx.victim.test' });
    expect(v.trusted).toBe(true);
    expect(v.path.map((c) => [c.commonName, c.isCa, c.source])).toEqual([
      ['mx.victim.test', false, 'sent'],
      ['Not A CA', true, 'sent'],
      ['Verify Test Root', true, 'trust-store'],
    ]);
  });

  it('prefers a non-CA trust anchor over a sent CA twin of it that leads nowhere', () => {
    // The server also sent a CA certificate with the same name and key, issued by a root we do not
    // trust: the anchor in the store must end the path first.
    const v = verify([signedByNotCa, caTwinOfNotCa], createTrustStore([pem(notCa)], 'pinned issuer'), { name: 'mx.victim.test' });
    expect(v.trusted).toBe(true);
    expect(names(v)).toEqual([
      ['mx.victim.test', 'sent'],
      ['Not A CA', 'trust-store'],
    ]);
  });

  it('trusts a non-CA certificate the user put in the trust store as an issuer (anchors are trusted as configured)', () => {
    const v = verify([signedByNotCa], createTrustStore([pem(notCa)], 'pinned issuer'), { name: 'mx.victim.test' });
    expect(v.trusted).toBe(true);
    expect(v.trustFailure).toBe('none');
    expect(names(v)).toEqual([
      ['mx.victim.test', 'sent'],
      ['Not A CA', 'trust-store'],
    ]);
  });
});

describe('verifyChain: choosing among candidate issuers', () => {
  // Twin CAs: one name, two keys, no key identifiers; the leaf is signed by the first.
  let twinRight: Buffer;
  let twinWrong: Buffer;
  let twinLeaf: Buffer;
  // Cross-signing: "Cross Root" (key X) self-signed, and the same name and key signed by "Old Root".
  let crossSelf: Buffer;
  let crossByOld: Buffer;
  let oldRoot: Buffer;
  let crossLeaf: Buffer;
  // A root named with PrintableStrings, and a leaf naming it as issuer with UTF8Strings in other
  // case and spacing (the same name under RFC 5280 §7.1), plus an intermediate with the leaf's
  // issuer bytes and the root's key, issued by test-pki's root.
  let looseRoot: Buffer;
  let looseLeaf: Buffer;
  let looseIntermediate: Buffer;
  /** A non-CA certificate named with PrintableStrings, and a leaf it signed naming it with UTF8Strings. */
  let looseNotCa: Buffer;
  /** Another self-signed non-CA certificate of the same name and key as `looseNotCa`. */
  let looseNotCaCopy: Buffer;
  let underLooseNotCa: Buffer;
  // Key rollover: "Rollover Root" old key (self-signed, trusted), new key certified by the old one
  // (self-issued, not self-signed), and a leaf signed with the new key.
  let rolloverOld: Buffer;
  let rolloverNewByOld: Buffer;
  let rolloverLeaf: Buffer;
  // Two CAs that certify each other, and a leaf under one of them.
  let cycleA: Buffer;
  let cycleB: Buffer;
  let cycleLeaf: Buffer;

  beforeAll(async () => {
    const right = await party('CN=Twin CA');
    const wrong = await party('CN=Twin CA');
    twinRight = await certify(right, right, { ca: true });
    twinWrong = await certify(wrong, wrong, { ca: true });
    twinLeaf = await certify(await party('CN=mx.twin.test'), right, { ca: false, dnsNames: ['mx.twin.test'] });

    const cross = await party('CN=Cross Root');
    const old = await party('CN=Old Root');
    crossSelf = await certify(cross, cross, { ca: true });
    oldRoot = await certify(old, old, { ca: true });
    crossByOld = await certify(cross, old, { ca: true });
    crossLeaf = await certify(await party('CN=mx.cross.test'), cross, { ca: false, dnsNames: ['mx.cross.test'] });

    const printable = await party(derName(0x13, 'Loose Test PKI', 'Loose Root'));
    const utf8 = await party(derName(0x0c, 'loose test pki', 'LOOSE  root'), printable);
    looseRoot = await certify(printable, printable, { ca: true });
    looseLeaf = await certify(await party('CN=mx.loose.test'), utf8, { ca: false, dnsNames: ['mx.loose.test'] });
    looseIntermediate = await certify(utf8, await partyOf(root), { ca: true });
    const printableNotCa = await party(derName(0x13, 'Loose Test PKI', 'Loose Pinned'));
    looseNotCa = await certify(printableNotCa, printableNotCa, { ca: false });
    looseNotCaCopy = await certify(printableNotCa, printableNotCa, { ca: false });
    underLooseNotCa = await certify(await party('CN=mx.loose.test'), await party(derName(0x0c, 'loose test pki', 'loose pinned'), printableNotCa), {
      ca: false,
      dnsNames: ['mx.loose.test'],
    });

    const oldKey = await party('CN=Rollover Root');
    const newKey = await party('CN=Rollover Root');
    rolloverOld = await certify(oldKey, oldKey, { ca: true });
    rolloverNewByOld = await certify(newKey, oldKey, { ca: true });
    rolloverLeaf = await certify(await party('CN=mx.rollover.test'), newKey, { ca: false, dnsNames: ['mx.rollover.test'] });

    const a = await party('CN=Cycle A');
    const b = await party('CN=Cycle B');
    cycleA = await certify(a, b, { ca: true });
    cycleB = await certify(b, a, { ca: true });
    cycleLeaf = await certify(await party('CN=mx.cycle.test'), a, { ca: false, dnsNames: ['mx.cycle.test'] });
  });

  it('reports a sent issuer whose name fits but whose key did not sign, naming it', () => {
    const v = verify([twinLeaf, twinWrong], createTrustStore([root.cert.certPem], 'test roots'), { name: 'mx.twin.test' });
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('bad-signature');
    expect(v.trustReason).toContain('"mx.twin.test"');
    expect(v.trustReason).toContain('"Twin CA"');
    expect(v.trustReason).toMatch(/does not verify/);
    expect(names(v)).toEqual([['mx.twin.test', 'sent']]);
  });

  it('reports a trust anchor whose name fits but whose key did not sign as a bad signature', () => {
    const v = verify([twinLeaf], createTrustStore([pem(twinWrong)], 'twins'), { name: 'mx.twin.test' });
    expect(v.trustFailure).toBe('bad-signature');
    expect(v.trustReason).toContain('"Twin CA"');
    expect(v.trustReason).toMatch(/does not verify/);
  });

  it('keeps looking past a misfit for a candidate whose signature verifies', () => {
    const v = verify([twinLeaf, twinWrong, twinRight], createTrustStore([root.cert.certPem], 'test roots'), { name: 'mx.twin.test' });
    expect(v.trustFailure).toBe('untrusted-root');
    expect(v.trustReason).toContain('"Twin CA"');
    expect(v.path.map((c) => c.sha256)).toEqual([twinLeaf, twinRight].map((d) => sha256(d)));
  });

  it('prefers a trust anchor to a cross-signed copy of it that the server sent', () => {
    const v = verify([crossLeaf, crossByOld], createTrustStore([pem(crossSelf)], 'cross'), { name: 'mx.cross.test' });
    expect(v.trusted).toBe(true);
    expect(names(v)).toEqual([
      ['mx.cross.test', 'sent'],
      ['Cross Root', 'trust-store'],
    ]);
    expect(v.path[1]?.selfIssued).toBe(true);
  });

  it('does the same with a plain TrustStore that only lists roots', () => {
    const plain: TrustStore = { description: 'plain', roots: () => [new X509Certificate(crossSelf)] };
    const v = verify([crossLeaf, crossByOld], plain, { name: 'mx.cross.test' });
    expect(v.trusted).toBe(true);
    expect(names(v)).toEqual([
      ['mx.cross.test', 'sent'],
      ['Cross Root', 'trust-store'],
    ]);
  });

  it('follows the cross-signed copy when only the old root is trusted', () => {
    const v = verify([crossLeaf, crossByOld], createTrustStore([pem(oldRoot)], 'old'), { name: 'mx.cross.test' });
    expect(v.trusted).toBe(true);
    expect(names(v)).toEqual([
      ['mx.cross.test', 'sent'],
      ['Cross Root', 'sent'],
      ['Old Root', 'trust-store'],
    ]);
  });

  it('finds an anchor whose name equals the issuer name only after RFC 5280 normalisation (string type, case, spaces)', () => {
    const v = verify([looseLeaf], createTrustStore([pem(looseRoot)], 'loose'), { name: 'mx.loose.test' });
    expect(v.trusted).toBe(true);
    expect(v.trustFailure).toBe('none');
    expect(names(v)).toEqual([
      ['mx.loose.test', 'sent'],
      ['Loose Root', 'trust-store'],
    ]);
  });

  it('trusts an anchor found after normalisation as configured, CA or not', () => {
    const v = verify([underLooseNotCa], createTrustStore([pem(looseNotCa)], 'loose pinned'), { name: 'mx.loose.test' });
    expect(v.trusted).toBe(true);
    expect(names(v)).toEqual([
      ['mx.loose.test', 'sent'],
      ['Loose Pinned', 'trust-store'],
    ]);
  });

  it('takes that anchor ahead of a sent certificate of its name and key that may not issue either', () => {
    const v = verify([underLooseNotCa, looseNotCaCopy], createTrustStore([pem(looseNotCa)], 'loose pinned'), { name: 'mx.loose.test' });
    expect([v.trusted, v.trustFailure]).toEqual([true, 'none']);
    expect(v.path.map((c) => [c.sha256, c.source])).toEqual([
      [sha256(underLooseNotCa), 'sent'],
      [sha256(looseNotCa), 'trust-store'],
    ]);
  });

  it('finds it with a plain TrustStore too', () => {
    const plain: TrustStore = { description: 'plain', roots: () => [new X509Certificate(looseRoot)] };
    expect(names(verify([looseLeaf], plain, { name: 'mx.loose.test' }))).toEqual([
      ['mx.loose.test', 'sent'],
      ['Loose Root', 'trust-store'],
    ]);
  });

  it('prefers a sent certificate with the exact issuer name to an anchor matching only after normalisation', () => {
    const v = verify([looseLeaf, looseIntermediate], createTrustStore([pem(looseRoot), root.cert.certPem], 'loose + test'), { name: 'mx.loose.test' });
    expect(v.trusted).toBe(true);
    expect(names(v)).toEqual([
      ['mx.loose.test', 'sent'],
      ['LOOSE  root', 'sent'],
      ['Verify Test Root', 'trust-store'],
    ]);
  });

  it('follows a self-issued certificate that is not self-signed (a key rollover) to the old root', () => {
    const v = verify([rolloverLeaf, rolloverNewByOld], createTrustStore([pem(rolloverOld)], 'rollover'), { name: 'mx.rollover.test' });
    expect(v.trusted).toBe(true);
    expect(v.path.map((c) => c.sha256)).toEqual([rolloverLeaf, rolloverNewByOld, rolloverOld].map((d) => sha256(d)));
    expect(v.path.map((c) => [c.selfIssued, c.source])).toEqual([
      [false, 'sent'],
      [true, 'sent'],
      [true, 'trust-store'],
    ]);
  });

  it('never puts a certificate on the path twice (CAs that certify each other)', () => {
    const v = verify([cycleLeaf, cycleA, cycleB], createTrustStore([root.cert.certPem], 'test roots'), { name: 'mx.cycle.test' });
    expect(v.trustFailure).toBe('untrusted-root');
    expect(names(v)).toEqual([
      ['mx.cycle.test', 'sent'],
      ['Cycle A', 'sent'],
      ['Cycle B', 'sent'],
    ]);
    expect(v.trustReason).toContain('"Cycle B"');
    expect(v.trustReason).toContain('"Cycle A"');
  });

  it('works with a plain TrustStore that only lists roots', () => {
    const plain: TrustStore = { description: 'plain', roots: () => [new X509Certificate(root.cert.der)] };
    expect(names(verify([leaf.der, inter.cert.der], plain))).toEqual([
      ['mx1.example.test', 'sent'],
      ['Verify Test Intermediate', 'sent'],
      ['Verify Test Root', 'trust-store'],
    ]);
    expect(verify([leaf.der], plain).trustFailure).toBe('chain-incomplete');
    const pinned: TrustStore = { description: 'plain pinned', roots: () => [new X509Certificate(root.cert.der), new X509Certificate(selfSigned.der)] };
    expect(names(verify([selfSigned.der], pinned))).toEqual([['mx1.example.test', 'trust-store']]);
  });
});

describe('verifyChain: path length', () => {
  // root → deep[0] → … → deep[8]; leaves under deep[7] and deep[8].
  const deep: TestCa[] = [];
  let leafUnder8: IssuedCert;
  let leafUnder9: IssuedCert;

  beforeAll(async () => {
    let ca = root;
    for (let i = 0; i < MAX_PATH_LENGTH - 1; i++) {
      ca = await ca.intermediate(`Deep ${i}`, { pathLen: null });
      deep.push(ca);
    }
    leafUnder8 = await (deep[MAX_PATH_LENGTH - 3] as TestCa).issue({ commonName: 'deep.example.test' });
    leafUnder9 = await (deep[MAX_PATH_LENGTH - 2] as TestCa).issue({ commonName: 'deep.example.test' });
  });

  const sentChain = (count: number) => deep.slice(0, count).reverse().map((ca) => ca.cert.der);

  it('trusts a path of exactly MAX_PATH_LENGTH certificates, anchor included', () => {
    const v = verify([leafUnder8.der, ...sentChain(MAX_PATH_LENGTH - 2)], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.trusted).toBe(true);
    expect(v.path).toHaveLength(MAX_PATH_LENGTH);
    expect(v.path[MAX_PATH_LENGTH - 1]?.source).toBe('trust-store');
  });

  it('stops building one certificate later, naming where it stopped: a chain too long, not a missing intermediate', () => {
    const v = verify([leafUnder9.der, ...sentChain(MAX_PATH_LENGTH - 1)], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('chain-too-long');
    expect(v.path).toHaveLength(MAX_PATH_LENGTH);
    expect(v.path[MAX_PATH_LENGTH - 1]?.commonName).toBe('Deep 0');
    expect(v.trustReason).toBe(
      'The chain goes on for more than 10 certificates without reaching the trust store (test roots); we stopped at "Deep 0". ' +
        "Verifying senders stop there too (Postfix's default smtp_tls_scert_verifydepth = 9 allows 10 certificates, the root included).",
    );
    expect(v.problems).toEqual([]);
    expect(v.sentCount).toBe(MAX_PATH_LENGTH);
  });
});

describe('verifyChain: time, at the exact boundaries', () => {
  const NOT_BEFORE = Date.UTC(2026, 0, 1, 0, 0, 0);
  const NOT_AFTER = Date.UTC(2026, 6, 1, 0, 0, 0);
  let timed: IssuedCert;

  beforeAll(async () => {
    timed = await inter.issue({ commonName: 'mx1.example.test', notBefore: new Date(NOT_BEFORE), notAfter: new Date(NOT_AFTER) });
  });

  const at = (now: number) => {
    const v = verify([timed.der, inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'), { now });
    return [v.timeValid, v.daysLeft];
  };

  it('is valid from notBefore on, not a millisecond earlier', () => {
    expect(at(NOT_BEFORE - 1)).toEqual([false, 181]);
    expect(at(NOT_BEFORE)).toEqual([true, 181]);
  });

  it('is valid up to and including notAfter, not a millisecond later', () => {
    expect(at(NOT_AFTER - 1)).toEqual([true, 0]);
    expect(at(NOT_AFTER)).toEqual([true, 0]);
    expect(at(NOT_AFTER + 1)).toEqual([false, -1]);
  });

  it('counts whole days left, rounding down', () => {
    expect(at(NOT_AFTER - DAY_MS)).toEqual([true, 1]);
    expect(at(NOT_AFTER - DAY_MS + 1)).toEqual([true, 0]);
    expect(at(NOT_AFTER + DAY_MS)).toEqual([false, -1]);
    expect(at(NOT_AFTER + DAY_MS + 1)).toEqual([false, -2]);
  });

  it('judges trust separately from time', () => {
    const v = verify([timed.der, inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'), { now: NOT_AFTER + 10 * DAY_MS });
    expect(v).toMatchObject({ trusted: true, timeValid: false, daysLeft: -10 });
  });
});

describe('verifyChain: names (RFC 6125)', () => {
  let wildcard: IssuedCert;
  let partial: IssuedCert;
  let cnOnly: IssuedCert;
  let cnAndSan: IssuedCert;
  let ipCert: IssuedCert;

  beforeAll(async () => {
    wildcard = await inter.issue({ commonName: '*.example.test', dnsNames: ['*.example.test'] });
    partial = await inter.issue({ commonName: 'm*.example.test', dnsNames: ['m*.example.test'] });
    cnOnly = await inter.issue({ commonName: 'legacy.example.test', dnsNames: [], ipAddresses: ['192.0.2.99'] });
    cnAndSan = await inter.issue({ commonName: 'cn.example.test', dnsNames: ['san.example.test'] });
    ipCert = await inter.issue({ commonName: 'ip.example.test', dnsNames: ['ip.example.test'], ipAddresses: ['192.0.2.10', '2001:db8::10'] });
  });

  const nameCheck = (cert: IssuedCert, name: string | null, extra: Partial<VerifyInput> = {}) =>
    verify([cert.der, inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'), { name, ...extra }).nameMatches;

  it('matches a wildcard on exactly one left-most label', () => {
    expect(nameCheck(wildcard, 'mx1.example.test')).toBe(true);
    expect(nameCheck(wildcard, 'MX1.Example.Test')).toBe(true);
    expect(nameCheck(wildcard, 'a.b.example.test')).toBe(false);
    expect(nameCheck(wildcard, 'example.test')).toBe(false);
    expect(nameCheck(wildcard, 'mx1.example.net')).toBe(false);
  });

  it('never matches partial wildcards, nor a checked name holding a wildcard', () => {
    expect(nameCheck(partial, 'mx.example.test')).toBe(false);
    expect(nameCheck(partial, 'm.example.test')).toBe(false);
    expect(nameCheck(partial, 'm*.example.test')).toBe(false);
    expect(nameCheck(wildcard, '*.example.test')).toBe(false);
  });

  it('accepts a trailing dot and surrounding white space in the checked name', () => {
    expect(nameCheck(leaf, 'mx1.example.test.')).toBe(true);
    expect(nameCheck(leaf, ' mx1.example.test')).toBe(true);
    expect(nameCheck(leaf, 'mx1.example.test \t')).toBe(true);
  });

  it('matches nothing for a name with a NUL byte (no certificate name can hold one)', () => {
    expect(nameCheck(leaf, 'mx1.example.test\0.evil.test')).toBe(false);
  });

  it('matches nothing for an empty name', () => {
    expect(nameCheck(leaf, '')).toBe(false);
    expect(nameCheck(leaf, '.')).toBe(false);
    expect(nameCheck(leaf, '  ')).toBe(false);
  });

  it('uses the CN only when there is no DNS name in the SAN', () => {
    expect(nameCheck(cnOnly, 'legacy.example.test')).toBe(true);
    expect(nameCheck(ipCert, 'ip.example.test')).toBe(true);
    expect(nameCheck(cnAndSan, 'san.example.test')).toBe(true);
    expect(nameCheck(cnAndSan, 'cn.example.test')).toBe(false);
    expect(nameCheck(leaf, 'mx2.example.test')).toBe(false);
  });

  it('is null when there is no name and no IP target to check', () => {
    const v = verify([leaf.der, inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'), { name: null });
    expect(v.nameMatches).toBeNull();
    expect(v.checkedName).toBeNull();
  });

  it('checks an IP target against the IP addresses in the SAN', () => {
    expect(nameCheck(ipCert, null, { ipTarget: '192.0.2.10' })).toBe(true);
    expect(nameCheck(ipCert, null, { ipTarget: '2001:db8::10' })).toBe(true);
    expect(nameCheck(ipCert, null, { ipTarget: '[2001:db8::10]' })).toBe(true);
    expect(nameCheck(ipCert, null, { ipTarget: '192.0.2.11' })).toBe(false);
    expect(nameCheck(leaf, null, { ipTarget: '192.0.2.10' })).toBe(false);
    expect(nameCheck(ipCert, null, { ipTarget: 'not-an-ip' })).toBe(false);
    // Only brackets around the whole literal are taken off.
    expect(nameCheck(ipCert, null, { ipTarget: '2001:db8::10[' })).toBe(false);
    expect(nameCheck(ipCert, null, { ipTarget: ']2001:db8::10' })).toBe(false);
    expect(verify([ipCert.der], createTrustStore([root.cert.certPem], 'test roots'), { name: null, ipTarget: '192.0.2.10' }).checkedName).toBeNull();
  });

  it('checks the host name, not the IP target, when both are given', () => {
    expect(nameCheck(ipCert, 'ip.example.test', { ipTarget: '192.0.2.11' })).toBe(true);
    expect(nameCheck(ipCert, 'other.example.test', { ipTarget: '192.0.2.10' })).toBe(false);
  });

  it('checks the mail domain too, as Postfix "secure" does (nexthop, dot-nexthop)', () => {
    const store = createTrustStore([root.cert.certPem], 'test roots');
    // mx1.example.test is under example.test: dot-nexthop matches it.
    expect(verify([leaf.der, inter.cert.der], store, { domain: 'example.test' }).domainMatches).toBe(true);
    expect(verify([leaf.der, inter.cert.der], store, { domain: 'mx1.example.test' }).domainMatches).toBe(true);
    expect(verify([leaf.der, inter.cert.der], store, { domain: 'other.test' }).domainMatches).toBe(false);
    expect(verify([wildcard.der, inter.cert.der], store, { name: 'mx.example.test', domain: 'example.test' })).toMatchObject({
      nameMatches: true,
      domainMatches: true,
    });
  });
});

describe('matchesDomain', () => {
  const withNames = (dnsNames: string[], commonName: string | null = null): CertInfo => ({
    subject: commonName === null ? 'O=x' : `CN=${commonName}`,
    issuer: 'CN=Some CA',
    commonName,
    dnsNames,
    ipAddresses: [],
    serialNumber: '01',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    signatureAlgorithm: 'ecdsa-with-SHA256',
    signatureOid: '1.2.840.10045.4.3.2',
    keyType: 'ec',
    keyBits: 256,
    keyCurve: 'prime256v1',
    selfIssued: false,
    isCa: false,
    sha1: '00',
    sha256: '00',
    spkiSha256: '00',
    source: 'sent',
  });

  it('matches the domain itself and names under it, not names that merely end in the same letters', () => {
    expect(matchesDomain(withNames(['example.test']), 'example.test')).toBe(true);
    expect(matchesDomain(withNames(['mx.example.test']), 'example.test')).toBe(true);
    expect(matchesDomain(withNames(['a.b.example.test']), 'example.test')).toBe(true);
    expect(matchesDomain(withNames(['mx.ample.test']), 'example.test')).toBe(false);
    expect(matchesDomain(withNames(['mxexample.test']), 'example.test')).toBe(false);
    expect(matchesDomain(withNames(['example.test.evil']), 'example.test')).toBe(false);
    expect(matchesDomain(withNames(['other.test', 'mx.example.test']), 'example.test')).toBe(true);
  });

  it('ignores case, surrounding white space and a trailing dot on both sides', () => {
    expect(matchesDomain(withNames(['MX.Example.TEST']), 'example.test')).toBe(true);
    expect(matchesDomain(withNames(['mx.example.test']), ' EXAMPLE.Test. ')).toBe(true);
    expect(matchesDomain(withNames([' mx.example.test. ']), 'example.test')).toBe(true);
    expect(matchesDomain(withNames([' example.test']), 'example.test')).toBe(true);
  });

  it('lets a wildcard name at or under the domain match', () => {
    expect(matchesDomain(withNames(['*.example.test']), 'example.test')).toBe(true);
    expect(matchesDomain(withNames(['*.mail.example.test']), 'example.test')).toBe(true);
    // Only a leading "*." is a wildcard label.
    expect(matchesDomain(withNames(['mx*.example']), 'mxexample')).toBe(false);
  });

  it('uses the CN only when there is no DNS name', () => {
    expect(matchesDomain(withNames([], 'mx.example.test'), 'example.test')).toBe(true);
    expect(matchesDomain(withNames(['mx.other.test'], 'mx.example.test'), 'example.test')).toBe(false);
    expect(matchesDomain(withNames([], null), 'example.test')).toBe(false);
  });

  it('matches nothing for an empty domain', () => {
    expect(matchesDomain(withNames(['']), '')).toBe(false);
    expect(matchesDomain(withNames(['.']), ' . ')).toBe(false);
    expect(matchesDomain(withNames([], ''), '')).toBe(false);
  });
});

describe('verifyChain: weak cryptography is reported, not judged', () => {
  it('describes a SHA-1 signature', async () => {
    const sha1 = await inter.issue({ commonName: 'mx1.example.test', signatureHash: 'SHA-1' });
    const v = verify([sha1.der, inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.path[0]?.signatureAlgorithm).toBe('ecdsa-with-SHA1');
    expect(v.path[0]?.signatureOid).toBe('1.2.840.10045.4.1');
    expect(v.path[1]?.signatureAlgorithm).toBe('ecdsa-with-SHA256');
    expect(v.trusted).toBe(true);
  });

  it('describes an RSA-1024 key', async () => {
    const small = await inter.issue({ commonName: 'mx1.example.test', key: 'rsa1024' });
    const v = verify([small.der, inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.trusted).toBe(true);
    expect(v.path[0]).toMatchObject({ keyType: 'rsa', keyBits: 1024 });
  });
});

// ---- The OpenSSL verify error, compared with what the real `openssl verify` prints at test time
// on the same certificates, trust store, time, name, purpose (-purpose sslserver, as a TLS client
// verifies a server) and depth limit (-verify_depth 8: paths of MAX_PATH_LENGTH certificates,
// anchor included, as ours).

type OpensslError = CertVerdict['opensslError'];

describe('verifyChain: the error OpenSSL would report first', () => {
  let work: string;
  let files = 0;
  let ipLeaf: IssuedCert;
  let early: IssuedCert;
  let lapsed: IssuedCert;
  let twinLeaf: Buffer;
  let twinWrong: Buffer;
  const deep: TestCa[] = [];
  let leafUnder8: IssuedCert;
  let leafUnder9: IssuedCert;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mxray-openssl-verify-'));
    ipLeaf = await inter.issue({ commonName: 'ip.example.test', ipAddresses: ['192.0.2.10'] });
    // The intermediate is valid from NOW - 30 days.
    early = await inter.issue({ commonName: 'mx1.example.test', notBefore: new Date(NOW - 60 * DAY_MS), notAfter: new Date(NOW + 300 * DAY_MS) });
    lapsed = await inter.issue({ commonName: 'mx1.example.test', notBefore: new Date(NOW - 60 * DAY_MS), notAfter: new Date(NOW - 40 * DAY_MS) });
    const right = await party('CN=Twin CA');
    const wrong = await party('CN=Twin CA');
    twinWrong = await certify(wrong, wrong, { ca: true });
    twinLeaf = await certify(await party('CN=mx1.example.test'), right, { ca: false, dnsNames: ['mx1.example.test'] });
    let ca = root;
    for (let i = 0; i < MAX_PATH_LENGTH - 1; i++) {
      ca = await ca.intermediate(`Deep ${i}`);
      deep.push(ca);
    }
    leafUnder8 = await (deep[MAX_PATH_LENGTH - 3] as TestCa).issue({ commonName: 'mx1.example.test' });
    leafUnder9 = await (deep[MAX_PATH_LENGTH - 2] as TestCa).issue({ commonName: 'mx1.example.test' });
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  /** deep[count - 1] … deep[0], as a server sends them. */
  const deepChain = (count: number) => deep.slice(0, count).reverse().map((c) => c.cert.der);

  function pemFile(ders: Buffer[]): string {
    const file = join(work, `${files++}.pem`);
    const wrapped = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
    writeFileSync(file, ders.map(wrapped).join(''));
    return file;
  }

  /** The first error `openssl verify` prints ("error 20 at 0 depth lookup: …"), named as in our table; null for OK. */
  function opensslVerify(chain: Buffer[], anchors: Buffer[], o: { name: string | null; ip: string | null; now: number }): OpensslError {
    // -purpose sslserver: what a TLS client (an MTA sending mail) verifies a server's chain for.
    const args = ['verify', '-no-CApath', '-no-CAstore', '-purpose', 'sslserver', '-CAfile', pemFile(anchors), '-attime', String(Math.floor(o.now / 1000))];
    args.push('-verify_depth', String(MAX_PATH_LENGTH - 2));
    if (chain.length > 1) args.push('-untrusted', pemFile(chain.slice(1)));
    if (o.name !== null) args.push('-verify_hostname', o.name);
    else if (o.ip !== null) args.push('-verify_ip', o.ip);
    args.push(pemFile(chain.slice(0, 1)));
    const run = spawnSync('openssl', args, { encoding: 'utf8' });
    if (run.error) throw new Error(`these tests compare with the openssl command, which did not run: ${run.error.message}`);
    const output = `${run.stderr}\n${run.stdout}`;
    const error = /^error (\d+) at \d+ depth lookup: (.+)$/m.exec(output);
    if (!error) {
      expect(output).toMatch(/: OK$/m);
      return null;
    }
    const code = Number(error[1]);
    const printed = error[2] as string;
    // Another OpenSSL version's wording of an error we know counts as ours.
    const known = Object.values(OPENSSL_VERIFY_ERRORS).find((e) => e.code === code && (e.otherNames as readonly string[]).includes(printed));
    return { code, name: known ? known.name : printed };
  }

  /** Our verdict's opensslError, and what openssl prints for the same input. */
  function compare(chain: Buffer[], anchors: Buffer[], overrides: Partial<VerifyInput> = {}): { ours: OpensslError; openssl: OpensslError } {
    const input = { name: 'mx1.example.test', ipTarget: null, now: NOW, ...overrides };
    const ours = verify(chain, createTrustStore(anchors.map(pem), 'test roots'), input).opensslError;
    return { ours, openssl: opensslVerify(chain, anchors, { name: input.name, ip: input.ipTarget, now: input.now }) };
  }

  const error = (code: number, name: string) => ({ ours: { code, name }, openssl: { code, name } });
  const none = { ours: null, openssl: null };
  const E = {
    2: error(2, 'unable to get issuer certificate'),
    7: error(7, 'certificate signature failure'),
    9: error(9, 'certificate is not yet valid'),
    10: error(10, 'certificate has expired'),
    18: error(18, 'self-signed certificate'),
    19: error(19, 'self-signed certificate in certificate chain'),
    20: error(20, 'unable to get local issuer certificate'),
    22: error(22, 'certificate chain too long'),
    25: error(25, 'path length constraint exceeded'),
    26: error(26, 'unsuitable certificate purpose'),
    34: error(34, 'unhandled critical extension'),
    47: error(47, 'permitted subtree violation'),
    48: error(48, 'excluded subtree violation'),
    62: error(62, 'hostname mismatch'),
    64: error(64, 'IP address mismatch'),
    79: error(79, 'invalid CA certificate'),
  };

  it('is null for a chain that verifies with a matching name, as openssl says OK', () => {
    expect(compare([leaf.der, inter.cert.der], [root.cert.der])).toEqual(none);
    expect(compare([ipLeaf.der, inter.cert.der], [root.cert.der], { name: null, ipTarget: '192.0.2.10' })).toEqual(none);
    // A self-signed certificate the user trusts.
    expect(compare([selfSigned.der], [root.cert.der, selfSigned.der])).toEqual(none);
    // No name checked.
    expect(compare([leaf.der, inter.cert.der], [root.cert.der], { name: null })).toEqual(none);
  });

  it('is 62 for a host name that does not match, and 64 for an IP address', () => {
    expect(compare([leaf.der, inter.cert.der], [root.cert.der], { name: 'mx9.example.test' })).toEqual(E[62]);
    expect(compare([leaf.der, inter.cert.der], [root.cert.der], { name: null, ipTarget: '192.0.2.11' })).toEqual(E[64]);
    // The host name is checked, not the IP address, when both are given.
    expect(compare([ipLeaf.der, inter.cert.der], [root.cert.der], { name: 'mx9.example.test', ipTarget: '192.0.2.10' })).toEqual(E[62]);
  });

  it('is 18 for a self-signed certificate, before its wrong name', () => {
    expect(compare([selfSigned.der], [root.cert.der])).toEqual(E[18]);
    expect(compare([selfSigned.der], [root.cert.der], { name: 'mx9.example.test' })).toEqual(E[18]);
    // OpenSSL takes a self-issued certificate for self-signed without checking its signature.
    expect(compare([tamper(selfSigned.der)], [root.cert.der])).toEqual(E[18]);
  });

  it('is 19 for a chain ending at a root we do not trust, and 20 when that root was not sent', () => {
    expect(compare([leaf.der, inter.cert.der, root.cert.der], [otherRoot.cert.der])).toEqual(E[19]);
    expect(compare([leaf.der, inter.cert.der], [otherRoot.cert.der])).toEqual(E[20]);
  });

  it('is 20 for a missing intermediate', () => {
    expect(compare([leaf.der], [root.cert.der])).toEqual(E[20]);
  });

  it('is 7 for a signature that does not verify, after the name and before the time', () => {
    expect(compare([tamper(leaf.der), inter.cert.der], [root.cert.der])).toEqual(E[7]);
    expect(compare([tamper(leaf.der), inter.cert.der], [root.cert.der], { name: 'mx9.example.test' })).toEqual(E[62]);
    expect(compare([tamper(lapsed.der), inter.cert.der], [root.cert.der])).toEqual(E[7]);
    // An anchor whose name fits but whose key did not sign.
    expect(compare([twinLeaf], [twinWrong])).toEqual(E[7]);
  });

  it('goes on building past an issuer whose signature does not verify, as OpenSSL does', () => {
    // The issuer leads to no trusted root: chain building fails first.
    expect(compare([tamper(leaf.der), inter.cert.der], [otherRoot.cert.der])).toEqual(E[20]);
    // The issuer is a self-signed root we do not trust.
    expect(compare([twinLeaf, twinWrong], [root.cert.der])).toEqual(E[19]);
  });

  it('never takes a certificate twice, so issuers that name each other with bad signatures end the chain', async () => {
    // "Cycle A" and "Cycle B" name each other as issuer; every signature was made by another key of that name.
    const [a, b, otherA, otherB] = await Promise.all(['CN=Cycle A', 'CN=Cycle B', 'CN=Cycle A', 'CN=Cycle B'].map((n) => party(n)));
    const aByB = await certify(a as Party, otherB as Party, { ca: true });
    const bByA = await certify(b as Party, otherA as Party, { ca: true });
    const cycleLeaf = await certify(await party('CN=mx1.example.test'), otherA as Party, { ca: false, dnsNames: ['mx1.example.test'] });
    expect(verify([cycleLeaf, aByB, bByA], createTrustStore([root.cert.certPem], 'test roots')).trustFailure).toBe('bad-signature');
    expect(compare([cycleLeaf, aByB, bByA], [root.cert.der])).toEqual(E[20]);
  });

  it('is 79 for an issuer that is not a CA, before the name, when its own chain is trusted', () => {
    expect(compare([signedByNotCa, notCa], [root.cert.der], { name: 'mx.victim.test' })).toEqual(E[79]);
    expect(compare([signedByNotCa, notCa], [root.cert.der], { name: 'mx9.example.test' })).toEqual(E[79]);
    expect(compare([signedByNotCa, notCa], [otherRoot.cert.der], { name: 'mx.victim.test' })).toEqual(E[20]);
  });

  it('is 10 for an expired and 9 for a not yet valid certificate, checking the whole chain from the top down', () => {
    const chain = [leaf.der, inter.cert.der];
    const notBefore = NOW - DAY_MS;
    const notAfter = NOW + 365 * DAY_MS;
    // OpenSSL compares whole seconds, and (up to 3.5) notAfter's own second counts as expired.
    expect(compare(chain, [root.cert.der], { now: notAfter - 1 })).toEqual(none);
    expect(compare(chain, [root.cert.der], { now: notAfter - 1000 })).toEqual(none);
    expect(compare(chain, [root.cert.der], { now: notAfter })).toEqual(E[10]);
    expect(compare(chain, [root.cert.der], { now: notAfter + 1000 })).toEqual(E[10]);
    expect(compare(chain, [root.cert.der], { now: notBefore })).toEqual(none);
    expect(compare(chain, [root.cert.der], { now: notBefore - 1 })).toEqual(E[9]);
    // The wrong name comes first.
    expect(compare(chain, [root.cert.der], { now: notAfter + 1000, name: 'mx9.example.test' })).toEqual(E[62]);
    // The leaf is valid, its issuer not yet.
    expect(compare([early.der, inter.cert.der], [root.cert.der], { now: NOW - 45 * DAY_MS })).toEqual(E[9]);
    // The leaf has expired, and its issuer is not yet valid: the issuer is checked first.
    expect(compare([lapsed.der, inter.cert.der], [root.cert.der], { now: NOW - 35 * DAY_MS })).toEqual(E[9]);
    expect(compare([lapsed.der, inter.cert.der], [root.cert.der])).toEqual(E[10]);
    // The trust anchor's validity counts too.
    expect(compare([leaf.der, inter.cert.der], [root.cert.der], { now: NOW + 11 * 365 * DAY_MS })).toEqual(E[10]);
  });

  it('is 22 where the chain goes on beyond the depth limit', () => {
    expect(compare([leafUnder9.der, ...deepChain(MAX_PATH_LENGTH - 1)], [root.cert.der])).toEqual(E[22]);
    // A signature that does not verify at the leaf, and the chain above it too long.
    expect(compare([tamper(leafUnder9.der), ...deepChain(MAX_PATH_LENGTH - 1)], [root.cert.der])).toEqual(E[22]);
    // … and another one at the top, where the chain reaches the limit.
    const topTampered = [...deepChain(MAX_PATH_LENGTH - 1).slice(0, -1), tamper((deep[0] as TestCa).cert.der)];
    expect(compare([tamper(leafUnder9.der), ...topTampered], [root.cert.der])).toEqual(E[22]);
  });

  it('is 22 for a chain as long as the limit that does not end at a trust anchor, whatever ends it', () => {
    // No issuer for the last one.
    expect(compare([leafUnder9.der, ...deepChain(MAX_PATH_LENGTH - 1)], [otherRoot.cert.der])).toEqual(E[22]);
    // The last one is a self-signed root we do not trust.
    expect(compare([leafUnder8.der, ...deepChain(MAX_PATH_LENGTH - 2), root.cert.der], [otherRoot.cert.der])).toEqual(E[22]);
    // One shorter, the missing issuer is reported.
    expect(compare([leafUnder8.der, ...deepChain(MAX_PATH_LENGTH - 2)], [otherRoot.cert.der])).toEqual(E[20]);
  });

  it('is 25 for a path of exactly MAX_PATH_LENGTH certificates under intermediates that allow no CA below them (pathLenConstraint 0)', () => {
    expect(compare([leafUnder8.der, ...deepChain(MAX_PATH_LENGTH - 2)], [root.cert.der])).toEqual(E[25]);
  });

  it('is null when there is no certificate to verify', () => {
    expect(verify([], createTrustStore([root.cert.certPem], 'test roots')).opensslError).toBeNull();
    expect(verify([Buffer.from('junk')], createTrustStore([root.cert.certPem], 'test roots')).opensslError).toBeNull();
  });

  it('goes on building past a misfit to an expired trusted root: 10, as OpenSSL checks the top first', async () => {
    // "Twin CA" with the key that signed the leaf is not sent; the sent one, another key, is
    // certified by an expired trusted root. No key identifiers: only names link them.
    const oldRoot = await chainParty('CN=Expired Root');
    const oldRootDer = await chainCertify(oldRoot, oldRoot, 'ca', NOW, { notBefore: NOW - 400 * DAY_MS, notAfter: NOW - DAY_MS, keyIdentifiers: false });
    const right = await chainParty('CN=Twin CA');
    const wrong = await chainParty('CN=Twin CA');
    const twin = await chainCertify(wrong, oldRoot, 'ca', NOW, { keyIdentifiers: false });
    const misfitLeaf = await chainCertify(await chainParty('CN=mx1.example.test'), right, 'leaf', NOW, { dnsNames: ['mx1.example.test'], keyIdentifiers: false });
    expect(verify([misfitLeaf, twin], createTrustStore([pem(oldRootDer)], 'old')).trustFailure).toBe('bad-signature');
    expect(compare([misfitLeaf, twin], [oldRootDer])).toEqual(E[10]);
    // The same with a valid root: the signature (7).
    const goodRoot = await chainCertify(oldRoot, oldRoot, 'ca', NOW, { keyIdentifiers: false });
    expect(compare([misfitLeaf, twin], [goodRoot])).toEqual(E[7]);
  });

  it('names what path validation finds as OpenSSL does: 79, 26, 34, 25, 32 before 7, 47 and 48 last', async () => {
    const r = await chainParty('CN=Rules Root');
    const rootDer = await chainCertify(r, r, 'ca', NOW);
    const i = await chainParty('CN=Rules CA');
    const leafOf = (o: CertOptions = {}) => chainParty('CN=mx1.example.test').then((p) => chainCertify(p, i, 'leaf', NOW, { dnsNames: ['mx1.example.test'], ...o }));
    const interOf = (o: CertOptions = {}) => chainCertify(i, r, 'ca', NOW, o);
    const unknown = rawExtension('1.3.6.1.4.1.99999.7', true, Buffer.from([5, 0]));
    const good = await interOf();
    expect(compare([await leafOf(), good], [rootDer])).toEqual(none);
    expect(compare([await leafOf(), await interOf({ keyUsage: KU.digitalSignature })], [rootDer])).toEqual(E[79]);
    expect(compare([await leafOf(), await interOf({ basicConstraints: null })], [rootDer])).toEqual(E[79]);
    expect(compare([await leafOf({ eku: [EKU.any] }), good], [rootDer])).toEqual(E[26]);
    expect(compare([await leafOf({ eku: [EKU.clientAuth] }), good], [rootDer], { name: 'mx9.example.test' })).toEqual(E[26]);
    expect(compare([await leafOf(), await interOf({ eku: [EKU.clientAuth] })], [rootDer])).toEqual(E[26]);
    expect(compare([await leafOf({ extensions: [unknown] }), await interOf({ basicConstraints: null })], [rootDer])).toEqual(E[34]);
    expect(compare([await leafOf(), good], [await chainCertify(r, r, 'ca', NOW, { extensions: [unknown] })])).toEqual(E[34]);
    expect(compare([await leafOf(), await interOf({ nameConstraints: { permitted: [{ dns: 'example.org' }] } })], [rootDer])).toEqual(E[47]);
    expect(compare([await leafOf(), await interOf({ nameConstraints: { excluded: [{ dns: 'example.test' }] } })], [rootDer])).toEqual(E[48]);
    // An extension OpenSSL cannot decode leaves the certificate unusable: it links it to nothing (20).
    const garbage = Buffer.from([0x04, 0x01, 0x00]);
    const brokenLeaf = await leafOf({ eku: null, extensions: [rawExtension('2.5.29.37', false, garbage)] });
    expect(compare([brokenLeaf, good], [rootDer])).toEqual(E[20]);
    expect(verify([brokenLeaf, good], createTrustStore([pem(rootDer)], 'rules')).problems.map((p) => [p.rule, p.detail])).toEqual([['invalid-extension', 'extKeyUsage cannot be read']]);
    expect(compare([await leafOf(), await interOf({ basicConstraints: null, extensions: [rawExtension('2.5.29.19', true, garbage)] })], [rootDer])).toEqual(E[20]);
    // Even a certificate the trust store holds itself (a pinned certificate).
    const self = await chainParty('CN=mx1.example.test');
    const pinned = await chainCertify(self, self, 'leaf', NOW, { dnsNames: ['mx1.example.test'], eku: null, extensions: [rawExtension('2.5.29.37', false, garbage)] });
    expect(verify([pinned], createTrustStore([pem(pinned)], 'pinned')).trustFailure).toBe('chain-invalid');
    expect(compare([pinned], [pinned])).toEqual(E[20]);
    // Name constraints come last: after the time.
    expect(compare([await leafOf({ notAfter: NOW - DAY_MS }), await interOf({ nameConstraints: { excluded: [{ dns: 'example.test' }] } })], [rootDer])).toEqual(E[10]);
    // A root whose keyUsage forbids signing fails OpenSSL's CA check even at the top of the chain (79); we trust anchors as configured.
    const noSign = await chainCertify(r, r, 'ca', NOW, { keyUsage: KU.digitalSignature });
    expect(compare([await leafOf(), good], [noSign])).toEqual(E[79]);
    // A pathLenConstraint 0 CA with a CA below it.
    const sub = await chainParty('CN=Rules Sub CA');
    const subDer = await chainCertify(sub, i, 'ca', NOW);
    const subLeaf = await chainCertify(await chainParty('CN=mx1.example.test'), sub, 'leaf', NOW, { dnsNames: ['mx1.example.test'] });
    expect(compare([subLeaf, subDer, await interOf({ basicConstraints: { ca: true, pathLen: 0 } })], [rootDer])).toEqual(E[25]);
    expect(compare([subLeaf, subDer, await interOf({ basicConstraints: { ca: true, pathLen: 1 } })], [rootDer])).toEqual(none);
  });

  it('names no error for a trust anchor that is not self-signed, where OpenSSL without -partial_chain reports 2', () => {
    // We trust every certificate in the store as an anchor, as OpenSSL does with -partial_chain.
    expect(compare([leaf.der, inter.cert.der], [inter.cert.der])).toEqual({ ours: null, openssl: E[2].openssl });
  });
});

// ---- Path validation of every certificate on the path (RFC 5280 §6.1), with the chain-pki helper.

describe('verifyChain: every certificate on the path is validated', () => {
  const store = (...anchors: Buffer[]) => createTrustStore(anchors.map(pem), 'chain roots');
  let rootP: ChainParty;
  let rootDer: Buffer;
  let interP: ChainParty;

  beforeAll(async () => {
    rootP = await chainParty('CN=Chain Root');
    rootDer = await chainCertify(rootP, rootP, 'ca', NOW);
    interP = await chainParty('CN=Chain CA');
  });

  const leafUnder = async (issuer: ChainParty, o: CertOptions = {}) => chainCertify(await chainParty('CN=mx1.example.test'), issuer, 'leaf', NOW, { dnsNames: ['mx1.example.test'], ...o });

  it('names an expired intermediate, with its place, its rule and the OpenSSL error; the leaf stays time-valid', async () => {
    const inter = await chainCertify(interP, rootP, 'ca', NOW, { notAfter: NOW - 2 * DAY_MS });
    const v = verify([await leafUnder(interP), inter], store(rootDer));
    expect(v).toMatchObject({ trusted: false, trustFailure: 'chain-invalid', timeValid: true, opensslError: { code: 10, name: 'certificate has expired' } });
    expect(v.problems).toEqual([
      { index: 1, role: 'intermediate', subject: 'Chain CA', rule: 'expired', detail: 'it expired on 2026-02-27 (2 day(s) before the judging time)', opensslError: { code: 10, name: 'certificate has expired' } },
    ]);
    expect(v.trustReason).toBe('The intermediate certificate "Chain CA" breaks a rule of path validation: it expired on 2026-02-27 (2 day(s) before the judging time).');
    expect(names(v)).toEqual([
      ['mx1.example.test', 'sent'],
      ['Chain CA', 'sent'],
      ['Chain Root', 'trust-store'],
    ]);
  });

  it('takes an issuer whose keyUsage lacks keyCertSign onto the path (Node’s checkIssued refuses it) and names it', async () => {
    const inter = await chainCertify(interP, rootP, 'ca', NOW, { keyUsage: KU.digitalSignature | KU.cRLSign });
    const v = verify([await leafUnder(interP), inter], store(rootDer));
    expect(v.trustFailure).toBe('chain-invalid');
    expect(v.problems.map((p) => [p.index, p.rule, p.opensslError.code])).toEqual([[1, 'issuer-cannot-sign', 79]]);
    expect(v.opensslError).toEqual({ code: 79, name: 'invalid CA certificate' });
    // Not when another key of that name signed: a signature that does not verify.
    const other = await chainCertify(await chainParty('CN=Chain CA'), rootP, 'ca', NOW, { keyUsage: KU.digitalSignature, keyIdentifiers: false });
    const w = verify([await leafUnder(interP, { keyIdentifiers: false }), other], store(rootDer));
    expect([w.trustFailure, w.problems]).toEqual(['bad-signature', []]);
  });

  it('several problems at once: the reason names the first three and counts the rest', async () => {
    const unknown = rawExtension('1.3.6.1.4.1.99999.7', true, Buffer.from([5, 0]));
    const inter = await chainCertify(interP, rootP, 'ca', NOW, { basicConstraints: null, eku: [EKU.clientAuth], notAfter: NOW - 2 * DAY_MS, extensions: [unknown] });
    const v = verify([await leafUnder(interP, { eku: [EKU.clientAuth] }), inter], store(rootDer));
    expect(v.problems.map((p) => `${p.index} ${p.rule}`)).toEqual(['0 not-for-server-auth', '1 unknown-critical-extension', '1 not-a-ca', '1 not-for-server-auth', '1 expired']);
    expect(v.trustReason).toBe(
      'The server\'s certificate "mx1.example.test" breaks a rule of path validation: its extendedKeyUsage (clientAuth) does not include serverAuth: it may not be used for a TLS server. ' +
        'The intermediate certificate "Chain CA" breaks a rule of path validation: it has critical extension(s) 1.3.6.1.4.1.99999.7, which verifiers do not know and so must refuse. ' +
        'The intermediate certificate "Chain CA" breaks a rule of path validation: it issued "mx1.example.test" but has no basicConstraints extension. ' +
        '(2 more problem(s) on the path.)',
    );
    expect(v.opensslError?.code).toBe(26);
  });

  it('reports problems of an untrusted path too, beside how building ended', async () => {
    const inter = await chainCertify(interP, rootP, 'ca', NOW, { notAfter: NOW - 2 * DAY_MS });
    const v = verify([await leafUnder(interP), inter], createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.trustFailure).toBe('untrusted-root');
    expect(v.problems.map((p) => p.rule)).toEqual(['expired']);
  });

  it('an expired trust anchor breaks the path (RFC 5280 leaves it to the verifier; OpenSSL checks it)', async () => {
    const oldRoot = await chainCertify(rootP, rootP, 'ca', NOW, { notBefore: NOW - 400 * DAY_MS, notAfter: NOW - DAY_MS });
    const v = verify([await leafUnder(interP), await chainCertify(interP, rootP, 'ca', NOW)], store(oldRoot));
    expect(v.trustFailure).toBe('chain-invalid');
    expect(v.problems.map((p) => [p.index, p.role, p.rule])).toEqual([[2, 'trust-anchor', 'expired']]);
    expect(v.trustReason).toBe('The root certificate "Chain Root" breaks a rule of path validation: it expired on 2026-02-28 (1 day(s) before the judging time).');
  });
});

describe('verifyChain: empty names', () => {
  it('a leaf with an empty subject and an issuer: not self-issued, named by a placeholder', async () => {
    const ca = await chainParty('CN=Named CA');
    const caDer = await chainCertify(ca, ca, 'ca', NOW);
    const leafDer = await chainCertify(await chainParty(''), ca, 'leaf', NOW, { dnsNames: ['mx.empty.test'] });
    const v = verify([leafDer], createTrustStore([pem(caDer)], 'named'), { name: 'mx.empty.test' });
    expect(v).toMatchObject({ trusted: true, trustFailure: 'none', problems: [], nameMatches: true });
    expect(v.path.map((c) => [c.subject, c.commonName, c.selfIssued])).toEqual([
      ['', null, false],
      ['CN=Named CA', 'Named CA', true],
    ]);
  });

  it('an empty issuer name: a problem, never an exception', async () => {
    const nameless = await chainParty('');
    const anchor = await chainCertify(nameless, nameless, 'ca', NOW);
    const leafDer = await chainCertify(await chainParty('CN=mx1.example.test'), nameless, 'leaf', NOW, { dnsNames: ['mx1.example.test'] });
    const v = verify([leafDer], createTrustStore([pem(anchor)], 'nameless'));
    expect(v).toMatchObject({ trusted: false, trustFailure: 'chain-invalid', opensslError: null });
    expect(v.path.map((c) => [c.subject, c.issuer, c.selfIssued, c.source])).toEqual([
      ['CN=mx1.example.test', '', false, 'sent'],
      ['', '', true, 'trust-store'],
    ]);
    expect(v.problems).toEqual([
      { index: 0, role: 'leaf', subject: 'mx1.example.test', rule: 'empty-issuer-name', detail: 'its issuer field is an empty name', opensslError: { code: 83, name: 'Issuer name empty' } },
    ]);
    // Not trusted: a chain-incomplete reason names the empty issuer by a placeholder.
    const w = verify([leafDer], createTrustStore([root.cert.certPem], 'test roots'));
    expect(w.trustFailure).toBe('chain-incomplete');
    expect(w.trustReason).toContain('issued by "(empty name)"');
  });

  it('empty subject and issuer: self-issued by its names, which OpenSSL takes for self-signed (18)', async () => {
    const nameless = await chainParty('');
    const anchor = await chainCertify(nameless, nameless, 'ca', NOW);
    const leafDer = await chainCertify(await chainParty(''), nameless, 'leaf', NOW, { dnsNames: ['mx1.example.test'] });
    const v = verify([leafDer], createTrustStore([pem(anchor)], 'nameless'));
    expect(v.path.map((c) => c.selfIssued)).toEqual([true, true]);
    expect(v.problems.map((p) => p.rule)).toEqual(['empty-issuer-name']);
    expect(v.opensslError).toEqual({ code: 18, name: 'self-signed certificate' });
  });
});

describe('verifyChain: self-issued is decided on the DER names', () => {
  it('as OpenSSL compares them: case, spacing and string type aside', async () => {
    // Subject in PrintableString, issuer the same name in UTF8String, other case and spacing: self-issued.
    const printable = await party(derName(0x13, 'Self Test PKI', 'Self Root'));
    const utf8 = await party(derName(0x0c, 'self test pki', 'SELF  root'), printable);
    const der = await x509.X509CertificateGenerator.create({
      subject: printable.name,
      issuer: utf8.name,
      publicKey: printable.publicKey,
      signingKey: printable.privateKey,
      signingAlgorithm: EC_SIGN,
      notBefore: new Date(NOW - DAY_MS),
      notAfter: new Date(NOW + DAY_MS),
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const self = Buffer.from(der.rawData);
    const v = verify([self], createTrustStore([root.cert.certPem], 'test roots'), { name: null });
    expect(v.path.map((c) => c.selfIssued)).toEqual([true]);
    expect(v.trustFailure).toBe('self-signed');
  });
});

describe('verifyChain: hostile chains stay cheap', () => {
  let deepRoot: Buffer;
  let chain50: Buffer[];

  beforeAll(async () => {
    const rootP = await chainParty('CN=Deep Root');
    deepRoot = await chainCertify(rootP, rootP, 'ca', NOW);
    let issuer = rootP;
    const cas: Buffer[] = [];
    for (let i = 0; i < 49; i++) {
      const p = await chainParty(`CN=Deep CA ${i}`);
      cas.unshift(await chainCertify(p, issuer, 'ca', NOW));
      issuer = p;
    }
    chain50 = [await chainCertify(await chainParty('CN=mx1.example.test'), issuer, 'leaf', NOW, { dnsNames: ['mx1.example.test'] }), ...cas];
  });

  it('50 certificates, each properly signed: a chain too long, not a missing intermediate; 32 examined', () => {
    const v = verify(chain50, createTrustStore([pem(deepRoot)], 'deep'));
    expect(v).toMatchObject({ trusted: false, trustFailure: 'chain-too-long', sentCount: 50, problems: [], opensslError: { code: 22, name: 'certificate chain too long' } });
    expect(v.sent).toHaveLength(MAX_SENT_EXAMINED);
    expect(v.path).toHaveLength(MAX_PATH_LENGTH);
    expect(v.trustReason).toBe(
      'The chain goes on for more than 10 certificates without reaching the trust store (deep); we stopped at "Deep CA 40". ' +
        "Verifying senders stop there too (Postfix's default smtp_tls_scert_verifydepth = 9 allows 10 certificates, the root included). " +
        '(The server sent 50 certificates; we examined only the first 32.)',
    );
  });

  it('1,000 certificates: only the first 32 are parsed and listed; the rest are said to be ignored', () => {
    const many = [leaf.der, ...new Array<Buffer>(999).fill(unrelated.der)];
    const v = verify(many, createTrustStore([root.cert.certPem], 'test roots'));
    expect(v.sentCount).toBe(1000);
    expect(v.sent).toHaveLength(MAX_SENT_EXAMINED);
    expect(v.trustFailure).toBe('chain-incomplete');
    expect(v.trustReason).toMatch(/\(The server sent 1000 certificates; we examined only the first 32\.\)$/);
    // The intermediate beyond the first 32 is not seen.
    const late = [leaf.der, ...new Array<Buffer>(40).fill(unrelated.der), inter.cert.der];
    expect(verify(late, createTrustStore([root.cert.certPem], 'test roots')).trustFailure).toBe('chain-incomplete');
    expect(verify(late.slice(0, 31).concat([inter.cert.der]), createTrustStore([root.cert.certPem], 'test roots')).trustFailure).toBe('none');
  });

  it('never throws on hostile bytes among the certificates', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 40 }), (blobs) => {
        const v = verify([leaf.der, ...blobs.map((b) => Buffer.from(b)), inter.cert.der], createTrustStore([root.cert.certPem], 'test roots'));
        expect(typeof v.trusted).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });
});
