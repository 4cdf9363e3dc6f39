// Revocation answers (src/pki/revocation.ts) with every detail asserted word for word: CRLs made
// by hand and signed with Ed25519, Ed448, DSA, ECDSA and restricted RSA-PSS keys (issuers made by
// the openssl command, or with @peculiar/x509), scope extensions, entry extensions, inputs whose
// reading throws, certificates Node reads but the DER reader does not, and OCSP responses from
// `openssl ocsp` (test/helpers/test-ca.ts) relabelled, with their certificates swapped, or signed
// by responder certificates re-signed with the issuer's key. Nothing is committed; no network.
import { createPrivateKey, sign, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOpenSslTime } from '../../../src/pki/certificate.js';
import { readCertificateNames, readSerialNumber } from '../../../src/pki/der.js';
import { checkCrl, checkOcspResponse, crlDer, MAX_OCSP_RESPONSE_BYTES, type RevocationAnswer } from '../../../src/pki/revocation.js';
import { certify, party, rawExtension, type Party } from '../../helpers/chain-pki.js';
import { openssl } from '../../helpers/openssl-cert.js';
import { makeTestCa, type TestCa, type TestLeaf } from '../../helpers/test-ca.js';
import * as x509 from '@peculiar/x509';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const THIS_UPDATE = NOW - HOUR;
const NEXT_UPDATE = NOW + 7 * DAY;
const iso = (ms: number): string => new Date(ms).toISOString();

// ---- DER by hand
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}
const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
const oid = (h: string): Buffer => tlv(0x06, hex(h));
const ascii = (tag: number, text: string): Buffer => tlv(tag, Buffer.from(text, 'latin1'));
const utc = (ms: number): Buffer => ascii(0x17, iso(ms).replace(/[-:T]/g, '').slice(2, 14) + 'Z');
const generalized = (ms: number): Buffer => ascii(0x18, iso(ms).replace(/[-:T]/g, '').slice(0, 14) + 'Z');
const extension = (oidHex: string, value: Buffer, critical = false): Buffer =>
  seq(oid(oidHex), ...(critical ? [hex('0101ff')] : []), tlv(0x04, value));

/** The header length and contents length of the TLV at `at`. */
function header(der: Buffer, at = 0): { head: number; length: number } {
  const first = der[at + 1] as number;
  if (first < 0x80) return { head: 2, length: first };
  let n = 0;
  for (let i = 0; i < (first & 0x7f); i++) n = n * 256 + (der[at + 2 + i] as number);
  return { head: 2 + (first & 0x7f), length: n };
}
/** The elements inside the TLV that starts `der`, each whole. */
function elements(der: Buffer): Buffer[] {
  const { head, length } = header(der);
  const out: Buffer[] = [];
  for (let at = head; at < head + length; ) {
    const h = header(der, at);
    out.push(der.subarray(at, at + h.head + h.length));
    at += h.head + h.length;
  }
  return out;
}
const contentsOf = (der: Buffer): Buffer => {
  const { head, length } = header(der);
  return der.subarray(head, head + length);
};

const ALG = {
  ed25519: seq(oid('2b6570')),
  ed448: seq(oid('2b6571')),
  ecdsaSha256: seq(oid('2a8648ce3d040302')),
  dsaSha256: seq(oid('608648016503040302')),
  pssDefault: seq(oid('2a864886f70d01010a'), seq()),
  pssUnknownHash: seq(oid('2a864886f70d01010a'), seq(tlv(0xa0, seq(oid('2a0304'))))),
  sha256Rsa: seq(oid('2a864886f70d01010b'), hex('0500')),
};

interface CrlSpec {
  issuer: Buffer;
  algorithm: Buffer;
  key: KeyObject | null;
  hash: string | null;
  entries?: Buffer[];
  extensions?: Buffer[];
}
/** A CRL (DER): thisUpdate THIS_UPDATE, nextUpdate NEXT_UPDATE; signed with `key` (or a dummy signature). */
function makeCrl(spec: CrlSpec): Buffer {
  const tbs = seq(
    tlv(0x02, hex('01')),
    spec.algorithm,
    spec.issuer,
    utc(THIS_UPDATE),
    utc(NEXT_UPDATE),
    ...(spec.entries ? [seq(...spec.entries)] : []),
    ...(spec.extensions ? [tlv(0xa0, seq(...spec.extensions))] : []),
  );
  const signature = spec.key ? sign(spec.hash, tbs, spec.key) : Buffer.alloc(64, 1);
  return seq(tbs, spec.algorithm, tlv(0x03, hex('00'), signature));
}
const entry = (serial: Buffer, at: number, ...extensions: Buffer[]): Buffer =>
  seq(tlv(0x02, serial), utc(at), ...(extensions.length > 0 ? [seq(...extensions)] : []));

const GOOD_DATES = { thisUpdate: iso(THIS_UPDATE), nextUpdate: iso(NEXT_UPDATE) };
const answer = (status: RevocationAnswer['status'], detail: string | null, fields: Partial<RevocationAnswer> = {}): RevocationAnswer => ({
  status,
  detail,
  revokedAt: null,
  reason: null,
  thisUpdate: null,
  nextUpdate: null,
  ...fields,
});

/** A Buffer whose length cannot be read: reading it throws an Error of two lines, the first 250 characters long. */
function throwingBuffer(): Buffer {
  const b = Buffer.from([0x30, 0x00]);
  Object.defineProperty(b, 'length', {
    get() {
      throw new Error(`${'x'.repeat(250)}\nsecond line`);
    },
  });
  return b;
}

/** The certificate with its outer SEQUENCE in indefinite-length form: Node (OpenSSL) reads it, the DER reader does not. */
const indefinite = (der: Buffer): Buffer => Buffer.concat([hex('3080'), contentsOf(der), hex('0000')]);

// ---- Issuers with other key types, made by the openssl command
interface MiniCa {
  der: Buffer;
  key: KeyObject;
  leaf: Buffer;
}
let work: string;
function miniCa(kind: 'ed25519' | 'ed448' | 'ec' | 'dsa' | 'rsa-pss'): MiniCa {
  const dir = mkdtempSync(join(work, `${kind}-`));
  const keyPath = join(dir, 'ca.key');
  if (kind === 'dsa') {
    openssl(['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024', '-out', join(dir, 'p.pem')], Buffer.alloc(0));
    openssl(['genpkey', '-paramfile', join(dir, 'p.pem'), '-out', keyPath], Buffer.alloc(0));
  } else {
    const options: Record<string, string[]> = {
      ed25519: ['-algorithm', 'ed25519'],
      ed448: ['-algorithm', 'ed448'],
      ec: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      'rsa-pss': ['-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048', '-pkeyopt', 'rsa_pss_keygen_md:sha256', '-pkeyopt', 'rsa_pss_keygen_mgf1_md:sha256', '-pkeyopt', 'rsa_pss_keygen_saltlen:32'],
    };
    openssl(['genpkey', ...(options[kind] as string[]), '-out', keyPath], Buffer.alloc(0));
  }
  const caPem = join(dir, 'ca.pem');
  openssl(['req', '-x509', '-key', keyPath, '-subj', `/CN=${kind} CA`, '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', caPem], Buffer.alloc(0));
  const csr = join(dir, 'leaf.csr');
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'leaf.key'), '-subj', `/CN=leaf of ${kind}`, '-out', csr], Buffer.alloc(0));
  const leaf = openssl(['x509', '-req', '-in', csr, '-CA', caPem, '-CAkey', keyPath, '-set_serial', '4242', '-days', '30', '-outform', 'DER'], Buffer.alloc(0));
  return { der: new X509Certificate(readFileSync(caPem)).raw, key: createPrivateKey(readFileSync(keyPath)), leaf };
}

// ---- An issuer with an EC key and chosen extensions (@peculiar/x509)
let issuer: Party;
let issuerDer: Buffer;
let issuerKey: KeyObject;
let issuerName: Buffer;
const EXT = { bc: '551d13', cdp: '551d1f', idp: '551d1c', reason: '551d15', invalidity: '551d18' };
const cdpValue = (...uris: string[]): Buffer => seq(seq(tlv(0xa0, tlv(0xa0, ...uris.map((u) => ascii(0x86, u))))));
let leafPlain: Buffer;
let leafNoBc: Buffer;
let leafBadBc: Buffer;
let caChildBcLast: Buffer;
let leafWithCdp: Buffer;

const ecCrl = (extras: Partial<CrlSpec> = {}): Buffer => makeCrl({ issuer: issuerName, algorithm: ALG.ecdsaSha256, key: issuerKey, hash: 'sha256', ...extras });
const idp = (...fields: Buffer[]): Buffer => extension(EXT.idp, seq(...fields), true);

let ca: TestCa;
let good: TestLeaf;
let revokedNoReason: TestLeaf;
const REVOKED_AT = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const minis = new Map<string, MiniCa>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mxray-revocation-mutants-'));
  for (const kind of ['ed25519', 'ed448', 'ec', 'dsa', 'rsa-pss'] as const) minis.set(kind, miniCa(kind));

  issuer = await party('CN=Scope Test CA');
  issuerDer = await certify(issuer, issuer, 'ca', NOW);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', issuer.keys.privateKey));
  issuerKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  issuerName = (readCertificateNames(issuerDer) as { subject: Buffer }).subject;
  leafPlain = await certify(await party('CN=plain.example.test'), issuer, 'leaf', NOW);
  leafNoBc = await certify(await party('CN=no-bc.example.test'), issuer, 'leaf', NOW, { basicConstraints: null });
  leafBadBc = await certify(await party('CN=bad-bc.example.test'), issuer, 'leaf', NOW, { basicConstraints: null, extensions: [rawExtension('2.5.29.19', true, hex('30000000'))] });
  caChildBcLast = await certify(await party('CN=Child CA'), issuer, 'ca', NOW, { basicConstraints: null, extensions: [new x509.BasicConstraintsExtension(true, undefined, true)] });
  leafWithCdp = await certify(await party('CN=cdp.example.test'), issuer, 'leaf', NOW, { extensions: [rawExtension('2.5.29.31', false, cdpValue('http://crl.test/b.crl'))] });

  ca = makeTestCa();
  good = ca.issueLeaf('good.example.test', { key: 'ec' });
  revokedNoReason = ca.issueLeaf('no-reason.example.test');
  ca.revoke(revokedNoReason, null, REVOKED_AT);
});

afterAll(() => {
  ca?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('checkCrl: signature algorithms', () => {
  it('CRLs signed with Ed25519, Ed448, ECDSA and DSA verify with their issuers\' keys', async () => {
    const cases = [
      ['ed25519', ALG.ed25519, null],
      ['ed448', ALG.ed448, null],
      ['ec', ALG.ecdsaSha256, 'sha256'],
      ['dsa', ALG.dsaSha256, 'sha256'],
    ] as const;
    for (const [kind, algorithm, hash] of cases) {
      const mini = minis.get(kind) as MiniCa;
      const name = (readCertificateNames(mini.der) as { subject: Buffer }).subject;
      const crl = makeCrl({ issuer: name, algorithm, key: mini.key, hash });
      expect([kind, await checkCrl(crl, mini.leaf, mini.der, NOW)]).toEqual([kind, answer('good', null, GOOD_DATES)]);
    }
  });

  it('a CRL labelled with another family than its issuer\'s key (Ed25519 as Ed448, and back) does not verify', async () => {
    for (const [kind, label] of [['ed25519', ALG.ed448], ['ed448', ALG.ed25519]] as const) {
      const mini = minis.get(kind) as MiniCa;
      const name = (readCertificateNames(mini.der) as { subject: Buffer }).subject;
      const crl = makeCrl({ issuer: name, algorithm: label, key: mini.key, hash: null });
      expect(await checkCrl(crl, mini.leaf, mini.der, NOW)).toEqual(answer('invalid', "the CRL's signature does not verify with the issuer's key"));
    }
  });

  it('a signature check that OpenSSL refuses (SHA-1 under a key restricted to SHA-256) is a failed signature', async () => {
    const mini = minis.get('rsa-pss') as MiniCa;
    const name = (readCertificateNames(mini.der) as { subject: Buffer }).subject;
    const crl = makeCrl({ issuer: name, algorithm: ALG.pssDefault, key: null, hash: null });
    expect(await checkCrl(crl, mini.leaf, mini.der, NOW)).toEqual(answer('invalid', "the CRL's signature does not verify with the issuer's key"));
  });

  it('a signature algorithm mxray does not know is named by its OID and not verified', async () => {
    const name = (readCertificateNames(ca.intermediate.der) as { subject: Buffer }).subject;
    const crl = makeCrl({ issuer: name, algorithm: seq(oid('2a0304')), key: null, hash: null });
    expect(await checkCrl(crl, good.der, ca.intermediate.der, NOW)).toEqual(answer('invalid', 'the CRL is signed with 1.2.3.4, which mxray does not verify'));
  });

  it('RSASSA-PSS with a hash mxray does not know is not verified at all', async () => {
    const name = (readCertificateNames(ca.intermediate.der) as { subject: Buffer }).subject;
    const crl = makeCrl({ issuer: name, algorithm: ALG.pssUnknownHash, key: null, hash: null });
    expect(await checkCrl(crl, good.der, ca.intermediate.der, NOW)).toEqual(answer('invalid', 'the CRL is signed with RSASSA-PSS, which mxray does not verify'));
  });
});

describe('checkCrl: input', () => {
  it('no Buffer at all: no bytes', async () => {
    expect(await checkCrl(undefined as unknown as Buffer, leafPlain, issuerDer, NOW)).toEqual(answer('invalid', 'the CRL cannot be read: no bytes'));
    expect(crlDer(undefined as unknown as Buffer)).toBeNull();
    expect(crlDer('-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n' as unknown as Buffer)).toBeNull();
  });

  it('an input whose reading throws is answered with the first line of the error, at most 200 characters', async () => {
    expect(await checkCrl(throwingBuffer(), leafPlain, issuerDer, NOW)).toEqual(answer('invalid', `the CRL could not be checked: ${'x'.repeat(200)}`));
    expect(checkOcspResponse(throwingBuffer(), good.der, ca.intermediate.der, NOW)).toEqual(answer('invalid', `the OCSP response cannot be read: ${'x'.repeat(200)}`));
  });

  it('a CRL from an issuer without a common name is named as such', async () => {
    const nameless = seq(tlv(0x31, seq(oid('55040a'), ascii(0x0c, 'Nameless Org'))));
    expect(await checkCrl(ecCrl({ issuer: nameless }), leafPlain, issuerDer, NOW)).toEqual(
      answer('invalid', 'the CRL was published by "a CA without a common name", not by the certificate\'s issuer "Scope Test CA"'),
    );
  });

  it('a certificate or an issuer Node reads but the DER reader does not (indefinite length) cannot be used', async () => {
    expect(new X509Certificate(indefinite(leafPlain)).subject).toBe('CN=plain.example.test');
    expect(await checkCrl(ecCrl(), indefinite(leafPlain), issuerDer, NOW)).toEqual(answer('invalid', 'the certificate cannot be read'));
    expect(await checkCrl(ecCrl(), leafPlain, indefinite(issuerDer), NOW)).toEqual(answer('invalid', "the issuer's certificate cannot be read"));
    expect(checkOcspResponse(hex('3000'), leafPlain, indefinite(issuerDer), NOW)).toEqual(answer('invalid', "the issuer's certificate cannot be read"));
  });
});

describe('checkCrl: entries', () => {
  const serialOf = (der: Buffer): Buffer => readSerialNumber(der) as Buffer;
  const revokedAt = Date.UTC(2026, 0, 2, 3, 4, 5);

  it('the reasonCode extension is found among the entry\'s extensions, wherever it is', async () => {
    const invalidity = extension(EXT.invalidity, generalized(revokedAt - DAY));
    const crl = ecCrl({ entries: [entry(serialOf(leafPlain), revokedAt, invalidity, extension(EXT.reason, tlv(0x0a, hex('01'))))] });
    expect(await checkCrl(crl, leafPlain, issuerDer, NOW)).toEqual(
      answer('revoked', `the CRL lists the certificate as revoked since ${iso(revokedAt)} (keyCompromise)`, { ...GOOD_DATES, revokedAt: iso(revokedAt), reason: 'keyCompromise' }),
    );
  });

  it('an entry without a reason: the detail names none', async () => {
    const crl = ecCrl({ entries: [entry(serialOf(leafPlain), revokedAt, extension(EXT.invalidity, generalized(revokedAt - DAY)))] });
    expect(await checkCrl(crl, leafPlain, issuerDer, NOW)).toEqual(
      answer('revoked', `the CRL lists the certificate as revoked since ${iso(revokedAt)}`, { ...GOOD_DATES, revokedAt: iso(revokedAt) }),
    );
  });
});

describe('checkCrl: scope', () => {
  const onlyUser = tlv(0x81, hex('ff'));
  const onlyCa = tlv(0x82, hex('ff'));
  const fullName = (...names: Buffer[]): Buffer => tlv(0xa0, tlv(0xa0, ...names));

  it('a CA certificate whose basicConstraints is not its first extension is a CA', async () => {
    expect(await checkCrl(ecCrl({ extensions: [idp(onlyCa)] }), caChildBcLast, issuerDer, NOW)).toEqual(answer('good', null, GOOD_DATES));
  });

  it('a certificate without basicConstraints, or with one the DER reader cannot read (trailing bytes OpenSSL ignores), is no CA', async () => {
    expect(await checkCrl(ecCrl({ extensions: [idp(onlyUser)] }), leafNoBc, issuerDer, NOW)).toEqual(answer('good', null, GOOD_DATES));
    expect(await checkCrl(ecCrl({ extensions: [idp(onlyUser)] }), leafBadBc, issuerDer, NOW)).toEqual(answer('good', null, GOOD_DATES));
    expect(await checkCrl(ecCrl({ extensions: [idp(onlyCa)] }), leafBadBc, issuerDer, NOW)).toEqual(
      answer('invalid', 'the CRL covers only CA certificates, and this one is not a CA', GOOD_DATES),
    );
  });

  it('a partitioned CRL naming several distribution points covers a certificate that names one of them', async () => {
    const crl = ecCrl({ extensions: [idp(fullName(ascii(0x86, 'http://crl.test/a.crl'), ascii(0x86, 'http://crl.test/b.crl')))] });
    expect(await checkCrl(crl, leafWithCdp, issuerDer, NOW)).toEqual(answer('good', null, GOOD_DATES));
  });

  it('a distribution point with no URI matches nothing, and is named "(none)"', async () => {
    const crl = ecCrl({ extensions: [idp(fullName(ascii(0x82, 'crl.test')))] });
    expect(await checkCrl(crl, leafWithCdp, issuerDer, NOW)).toEqual(
      answer('invalid', "the CRL covers another part of the CA's certificates (its distribution point (none) is not in the certificate)", GOOD_DATES),
    );
  });
});

// ---- OCSP
/** The BasicOCSPResponse inside an OCSPResponse (DER). */
const basicOf = (response: Buffer): Buffer => contentsOf(elements(elements(elements(response)[1] as Buffer)[0] as Buffer)[1] as Buffer);
/** An OCSPResponse around a BasicOCSPResponse. */
const responseOf = (basic: Buffer): Buffer => seq(tlv(0x0a, hex('00')), tlv(0xa0, seq(oid('2b0601050507300101'), tlv(0x04, basic))));
/** The response with its certificates replaced by `certs` (they are outside the signed data). */
function withCerts(response: Buffer, certs: readonly Buffer[]): Buffer {
  const [tbs, algorithm, signature] = elements(basicOf(response)) as [Buffer, Buffer, Buffer];
  return responseOf(seq(tbs, algorithm, signature, tlv(0xa0, seq(...certs))));
}
/** A certificate's tbsCertificate fields edited, then signed again with `key` (SHA-256; the outer algorithm kept). */
function resignCert(der: Buffer, edit: (fields: Buffer[]) => Buffer[], key: KeyObject): Buffer {
  const [tbs, algorithm] = elements(der) as [Buffer, Buffer];
  const edited = seq(...edit(elements(tbs)));
  return seq(edited, algorithm, tlv(0x03, hex('00'), sign('sha256', edited, key)));
}
/** tbsCertificate fields: version, serial, signature, issuer, validity, subject, spki, extensions. */
const VALIDITY = 4;

describe('checkOcspResponse', () => {
  const respond = (leaf: TestLeaf, options: Parameters<TestCa['ocspRespond']>[1] = {}): Buffer => ca.ocspRespond(ca.ocspRequestFor(leaf), options);
  const interKey = (): KeyObject => createPrivateKey(readFileSync(ca.intermediate.keyPath));

  it('empty, exactly the size limit, and garbage: each with its own detail', () => {
    expect(checkOcspResponse(Buffer.alloc(0), good.der, ca.intermediate.der, NOW)).toEqual(answer('invalid', 'the OCSP response cannot be read: it is empty'));
    expect(checkOcspResponse(Buffer.alloc(MAX_OCSP_RESPONSE_BYTES), good.der, ca.intermediate.der, NOW)).toEqual(
      answer('invalid', 'the OCSP response cannot be read: it is not a DER OCSPResponse (malformed or truncated)'),
    );
    expect(checkOcspResponse(Buffer.alloc(MAX_OCSP_RESPONSE_BYTES + 1), good.der, ca.intermediate.der, NOW)).toEqual(
      answer('invalid', `the OCSP response is larger than 1 MiB (${MAX_OCSP_RESPONSE_BYTES + 1} bytes): not read`),
    );
    expect(checkOcspResponse(Buffer.from('garbage'), good.der, ca.intermediate.der, NOW)).toEqual(
      answer('invalid', 'the OCSP response cannot be read: it is not a DER OCSPResponse (malformed or truncated)'),
    );
  });

  it('a basic response that cannot be read', () => {
    expect(checkOcspResponse(responseOf(hex('0500')), good.der, ca.intermediate.der, NOW)).toEqual(
      answer('invalid', 'the OCSP response cannot be read: its BasicOCSPResponse is malformed or truncated'),
    );
  });

  it('a response labelled with an algorithm mxray does not verify (MD5)', () => {
    const response = Buffer.from(respond(good, { includeCerts: false }));
    const sha256Rsa = hex('2a864886f70d01010b');
    hex('2a864886f70d010104').copy(response, response.lastIndexOf(sha256Rsa));
    expect(checkOcspResponse(response, good.der, ca.intermediate.der, ca.madeAt)).toEqual(
      answer('invalid', 'the OCSP response is signed with md5WithRSAEncryption, which mxray does not verify'),
    );
  });

  it('revoked without a reason: the detail names none', () => {
    const response = respond(revokedNoReason);
    const t = ca.ocspTimes(response);
    expect(checkOcspResponse(response, revokedNoReason.der, ca.intermediate.der, ca.madeAt)).toEqual(
      answer('revoked', `the OCSP responder says the certificate is revoked since ${REVOKED_AT.toISOString()}`, {
        revokedAt: REVOKED_AT.toISOString(),
        thisUpdate: iso(t.thisUpdate),
        nextUpdate: t.nextUpdate === null ? null : iso(t.nextUpdate),
      }),
    );
  });

  it('only the first 8 certificates of a response are tried as its signer', () => {
    const response = respond(good, { signer: 'responder' });
    const tried = (certs: Buffer[]) => checkOcspResponse(withCerts(response, certs), good.der, ca.intermediate.der, ca.madeAt).detail;
    expect(tried([...new Array<Buffer>(7).fill(ca.stranger.der), ca.responder.der])).toBeNull();
    expect(tried([...new Array<Buffer>(8).fill(ca.stranger.der), ca.responder.der])).toBe(
      "the OCSP response's signature does not verify with the issuer's key, nor with any certificate included in it",
    );
  });

  it('a responder certificate the DER reader cannot read is named "a CA without a common name"', () => {
    // The serial's length in long form with five bytes: OpenSSL reads it, the DER reader does not.
    const odd = resignCert(ca.responder.der, (f) => [f[0] as Buffer, Buffer.concat([hex('028500000000'), Buffer.from([contentsOf(f[1] as Buffer).length]), contentsOf(f[1] as Buffer)]), ...f.slice(2)], interKey());
    expect(new X509Certificate(odd).subject).toBe('O=mxray tests\nCN=mxray Test OCSP Responder');
    expect(checkOcspResponse(withCerts(respond(good, { signer: 'responder' }), [odd]), good.der, ca.intermediate.der, ca.madeAt).detail).toBe(
      'the OCSP response is signed by "a CA without a common name", a certificate the issuer did not authorise (no OCSPSigning EKU)',
    );
  });

  it('a responder certificate whose extendedKeyUsage the DER reader cannot read (OCSPSigning, then bytes OpenSSL ignores) is not authorised', () => {
    const dir = mkdtempSync(join(work, 'eku-'));
    writeFileSync(join(dir, 'ext.cnf'), '[ext]\n2.5.29.37 = DER:300a06082b060105050703090000\n');
    const csr = join(dir, 'r.csr');
    openssl(['req', '-new', '-key', ca.responder.keyPath, '-subj', '/CN=Bad EKU Responder', '-out', csr], Buffer.alloc(0));
    const badEku = openssl(['x509', '-req', '-in', csr, '-CA', ca.intermediate.certPath, '-CAkey', ca.intermediate.keyPath, '-set_serial', '4243', '-days', '30', '-extfile', join(dir, 'ext.cnf'), '-extensions', 'ext', '-outform', 'DER'], Buffer.alloc(0));
    expect(checkOcspResponse(withCerts(respond(good, { signer: 'responder' }), [badEku]), good.der, ca.intermediate.der, ca.madeAt).detail).toBe(
      'the OCSP response is signed by "Bad EKU Responder", a certificate the issuer did not authorise (no OCSPSigning EKU)',
    );
  });

  it('a responder certificate is valid from its notBefore to its notAfter, both included', () => {
    const response = respond(good, { signer: 'responder' });
    const t = ca.ocspTimes(response);
    const responder = new X509Certificate(ca.responder.der);
    const from = parseOpenSslTime(responder.validFrom) as number;
    const to = parseOpenSslTime(responder.validTo) as number;
    expect(checkOcspResponse(response, good.der, ca.intermediate.der, from).detail).toBe(
      `the OCSP answer is dated in the future (thisUpdate ${iso(t.thisUpdate)}): the responder's clock or this one is wrong`,
    );
    expect(checkOcspResponse(response, good.der, ca.intermediate.der, to).detail).toBe(`the OCSP answer is out of date (its nextUpdate ${iso(t.nextUpdate as number)} has passed)`);
    expect(checkOcspResponse(response, good.der, ca.intermediate.der, from - 1000).detail).toBe(
      `the OCSP response is signed by "mxray Test OCSP Responder", a responder certificate not valid at this time (valid ${iso(from)} to ${iso(to)})`,
    );
  });

  it('a responder certificate whose validity dates OpenSSL cannot print has unreadable dates', () => {
    const response = respond(good, { signer: 'responder' });
    for (const which of [0, 1]) {
      const bad = resignCert(
        ca.responder.der,
        (f) => {
          const times = elements(f[VALIDITY] as Buffer);
          const time = times[which] as Buffer;
          times[which] = time[0] === 0x17 ? ascii(0x17, '260231000000Z') : ascii(0x18, '20260231000000Z');
          return [...f.slice(0, VALIDITY), seq(...times), ...f.slice(VALIDITY + 1)];
        },
        interKey(),
      );
      expect([which, checkOcspResponse(withCerts(response, [bad]), good.der, ca.intermediate.der, ca.madeAt).detail]).toEqual([
        which,
        'the OCSP response is signed by "mxray Test OCSP Responder", a responder certificate not valid at this time (unreadable dates)',
      ]);
    }
  });

  it('a responder certificate with a readable notBefore and an unreadable notAfter is refused even at its notBefore', () => {
    const bad = resignCert(
      ca.responder.der,
      (f) => [...f.slice(0, VALIDITY), seq(ascii(0x17, '700101000000Z'), ascii(0x17, '260231000000Z')), ...f.slice(VALIDITY + 1)],
      interKey(),
    );
    expect(parseOpenSslTime(new X509Certificate(bad).validFrom)).toBe(0);
    expect(checkOcspResponse(withCerts(respond(good, { signer: 'responder' }), [bad]), good.der, ca.intermediate.der, 0).detail).toBe(
      'the OCSP response is signed by "mxray Test OCSP Responder", a responder certificate not valid at this time (unreadable dates)',
    );
  });
});
