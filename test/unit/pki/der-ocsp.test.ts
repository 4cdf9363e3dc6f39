// The DER reader's OCSP section (src/pki/der.ts): the OCSPRequest it writes, byte for byte what
// `openssl ocsp` writes; the OCSPResponse and BasicOCSPResponse it reads, on real `openssl ocsp`
// responder output (every field compared with what `openssl ocsp -resp_text` prints, the signed
// bytes checked with node:crypto) and on hand-made DER: exact values, and null for each malformed
// shape next to the well-formed shape it differs from, never an exception (fuzzed).
// revocation.test.ts checks the same responses end to end through checkOcspResponse.
import fc from 'fast-check';
import { verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOcspRequest, MAX_OCSP_ANSWERS, MAX_OCSP_CERTS, readBasicOcspResponse, readOcspResponse, type OcspAnswer } from '../../../src/pki/der.js';
import { openssl } from '../../helpers/openssl-cert.js';
import { makeTestCa, type TestCa, type TestCaCert, type TestLeaf } from '../../helpers/test-ca.js';

/** A DER TLV (tag below 31, definite length up to 2^24 - 1). */
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');
const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const generalized = (s: string): Buffer => tlv(0x18, text(s));

const SHA1 = '1.3.14.3.2.26';
const SHA256 = '2.16.840.1.101.3.4.2.1';
const SHA384 = '2.16.840.1.101.3.4.2.2';
const SHA512 = '2.16.840.1.101.3.4.2.3';
const OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
const HASH_OIDS: Record<string, string> = { sha1: SHA1, sha256: SHA256, sha384: SHA384, sha512: SHA512 };

// ---- Hand-made BasicOCSPResponse parts

const SHA1_ALGORITHM = tlv(0x30, hex('06052b0e03021a'), hex('0500'));
const SHA256_RSA = tlv(0x30, hex('06092a864886f70d01010b'), hex('0500'));
const ECDSA_SHA384 = tlv(0x30, hex('06082a8648ce3d040303'));
const SIGNATURE = tlv(0x03, hex('00'), Buffer.alloc(8, 0xab));
const NAME = tlv(0x30, tlv(0x31, tlv(0x30, hex('0603550403'), tlv(0x0c, text('Test OCSP')))));
const NAME_HASH = Buffer.alloc(20, 0x11);
const KEY_HASH = Buffer.alloc(20, 0x22);
const BY_NAME = tlv(0xa1, NAME);
const BY_KEY = tlv(0xa2, tlv(0x04, Buffer.alloc(20, 0x33)));
const PRODUCED_AT = generalized('20260101000001Z');
const THIS_UPDATE = generalized('20260101000000Z');
const NEXT_UPDATE = tlv(0xa0, generalized('20260108000000Z'));
const GOOD = hex('8000');
const UNKNOWN = hex('8200');
const V1 = tlv(0xa0, hex('020100'));
const NONCE = tlv(0x30, hex('06092b0601050507300102'), tlv(0x04, tlv(0x04, hex('0102030405060708'))));
const RESPONSE_EXTENSIONS = tlv(0xa1, tlv(0x30, NONCE));
/** singleExtensions with an archiveCutoff (id-pkix-ocsp-archive-cutoff). */
const SINGLE_EXTENSIONS = tlv(0xa1, tlv(0x30, tlv(0x30, hex('06092b0601050507300106'), tlv(0x04, generalized('20250101000000Z')))));
const CERT_A = tlv(0x30, tlv(0x30, hex('020101')), SHA256_RSA, SIGNATURE);
const CERT_B = tlv(0x30, tlv(0x30, hex('020102')), SHA256_RSA, SIGNATURE);

const certId = (serial: Buffer = tlv(0x02, hex('05')), ...more: Buffer[]): Buffer => tlv(0x30, SHA1_ALGORITHM, tlv(0x04, NAME_HASH), tlv(0x04, KEY_HASH), serial, ...more);
const CERT_ID = certId();
const single = (...fields: Buffer[]): Buffer => tlv(0x30, ...fields);
const revokedStatus = (...fields: Buffer[]): Buffer => tlv(0xa1, ...fields);
const reasonCode = (code: string): Buffer => tlv(0xa0, tlv(0x0a, hex(code)));
const SINGLE = single(CERT_ID, GOOD, THIS_UPDATE, NEXT_UPDATE);
/** ResponseData from its fields. */
const data = (...fields: Buffer[]): Buffer => tlv(0x30, ...fields);
/** ResponseData with these SingleResponses, responder by name, no version, no extensions. */
const dataWith = (...singles: Buffer[]): Buffer => data(BY_NAME, PRODUCED_AT, tlv(0x30, ...singles));
/** A BasicOCSPResponse: tbsResponseData, then signatureAlgorithm, signature and certs (default: sha256WithRSAEncryption, a fake signature, no certs). */
const basic = (tbs: Buffer, ...after: Buffer[]): Buffer => tlv(0x30, tbs, ...(after.length ? after : [SHA256_RSA, SIGNATURE]));
const basicWith = (...singles: Buffer[]): Buffer => basic(dataWith(...singles));
const certs = (...items: Buffer[]): Buffer => tlv(0xa0, tlv(0x30, ...items));

/** What readBasicOcspResponse reads from SINGLE. */
const SINGLE_ANSWER: OcspAnswer = {
  hashOid: SHA1,
  nameHash: NAME_HASH,
  keyHash: KEY_HASH,
  serial: hex('05'),
  status: 'good',
  revokedAt: null,
  reason: null,
  thisUpdate: Date.UTC(2026, 0, 1),
  nextUpdate: Date.UTC(2026, 0, 8),
};
const answersOf = (der: Buffer): OcspAnswer[] | null => readBasicOcspResponse(der)?.answers ?? null;

// ---- What `openssl ocsp -req_text` / `-resp_text` prints

/** A serial as openssl prints it (upper-case hex of the number) as DER INTEGER contents. */
function serialContents(printed: string): Buffer {
  const bytes = hex(printed.length % 2 ? `0${printed}` : printed);
  return (bytes[0] as number) & 0x80 ? Buffer.concat([hex('00'), bytes]) : bytes;
}

function match(source: string, pattern: RegExp): string {
  const m = pattern.exec(source);
  if (!m?.[1]) throw new Error(`openssl printed nothing for ${String(pattern)} in:\n${source}`);
  return m[1];
}
const optional = (source: string, pattern: RegExp): string | null => pattern.exec(source)?.[1] ?? null;

/** Every CertID as `openssl ocsp -req_text` or `-resp_text` prints it, in order, with the status fields of a response. */
function printedAnswers(printed: string): OcspAnswer[] {
  // openssl breaks long hex values (SHA-384 hashes …) with a backslash at the end of the line.
  const body = printed.replace(/\\\n/g, '').split(/\n {4}Signature Algorithm: /)[0] as string;
  return body
    .split('Certificate ID:')
    .slice(1)
    .map((chunk) => {
      const revokedAt = optional(chunk, /Revocation Time: (.+ GMT)/);
      const reason = optional(chunk, /Revocation Reason: \w+ \(0x([0-9a-f]+)\)/);
      const nextUpdate = optional(chunk, /Next Update: (.+ GMT)/);
      const thisUpdate = optional(chunk, /This Update: (.+ GMT)/);
      return {
        hashOid: HASH_OIDS[match(chunk, /Hash Algorithm: (\S+)/)] ?? 'unknown digest',
        nameHash: hex(match(chunk, /Issuer Name Hash: ([0-9A-F]+)/)),
        keyHash: hex(match(chunk, /Issuer Key Hash: ([0-9A-F]+)/)),
        serial: serialContents(match(chunk, /Serial Number: ([0-9A-F]+)/)),
        status: (optional(chunk, /Cert Status: (\w+)/) ?? 'none') as OcspAnswer['status'],
        revokedAt: revokedAt === null ? null : Date.parse(revokedAt),
        reason: reason === null ? null : parseInt(reason, 16),
        thisUpdate: thisUpdate === null ? Number.NaN : Date.parse(thisUpdate),
        nextUpdate: nextUpdate === null ? null : Date.parse(nextUpdate),
      };
    });
}

const SIGNATURE_ALGORITHMS: Record<string, { oid: string; params: Buffer | null; digest: string }> = {
  sha256WithRSAEncryption: { oid: '1.2.840.113549.1.1.11', params: hex('0500'), digest: 'sha256' },
  'ecdsa-with-SHA256': { oid: '1.2.840.10045.4.3.2', params: null, digest: 'sha256' },
};

/** The response's signature algorithm and value as `openssl ocsp -resp_text` prints them (the first, before any certificate's). */
function printedSignature(printed: string): { algorithm: string; value: Buffer } {
  return {
    algorithm: match(printed, /^ {4}Signature Algorithm: (\S+)$/m),
    value: hex(match(printed, /^ {4}Signature Value:\n((?: {8}[0-9a-f:]+\n)+)/m).replace(/[\s:]/g, '')),
  };
}

const REVOKED_AT = Date.UTC(2026, 0, 2, 3, 4, 5);

let ca: TestCa;
/** Never revoked, an EC key. */
let good: TestLeaf;
/** Revoked for keyCompromise at REVOKED_AT; its serial's top bit is set (DER INTEGER with a leading 00). */
let revoked: TestLeaf;
/** Revoked for certificateHold, without a reason code, and unknown to the responder. */
let hold: TestLeaf;
let revokedNoReason: TestLeaf;
let unrecorded: TestLeaf;

beforeAll(() => {
  ca = makeTestCa();
  good = ca.issueLeaf('good.example.test', { key: 'ec' });
  revoked = ca.issueLeaf('revoked.example.test', { serial: 'F1E2D3C4B5A69788' });
  hold = ca.issueLeaf('hold.example.test', { serial: '0123' });
  revokedNoReason = ca.issueLeaf('no-reason.example.test');
  unrecorded = ca.issueLeaf('unrecorded.example.test', { recorded: false });
  ca.revoke(revoked, 'keyCompromise', new Date(REVOKED_AT));
  ca.revoke(hold, 'certificateHold', new Date(REVOKED_AT));
  ca.revoke(revokedNoReason, null, new Date(REVOKED_AT));
});

afterAll(() => ca?.dispose());

let fileCount = 0;
/** The DER OCSPRequest `openssl ocsp` makes with these arguments (-issuer, -cert …, a digest, -no_nonce or not). */
function opensslRequest(args: string[]): Buffer {
  const out = join(ca.dir, `der-ocsp-${++fileCount}.der`);
  openssl(['ocsp', ...args, '-reqout', out], Buffer.alloc(0));
  return readFileSync(out);
}

describe('encodeOcspRequest', () => {
  /** The CertID fields of openssl's own request, as it prints them. */
  const printedId = (request: Buffer): OcspAnswer => {
    const [id, ...more] = printedAnswers(ca.ocspText(request, 'request'));
    expect(more).toEqual([]);
    return id as OcspAnswer;
  };

  it('is byte for byte the request `openssl ocsp -no_nonce` makes with a SHA-1 CertID (RSA and EC issuers\' leaves, a serial with a leading 00)', () => {
    for (const leaf of [good, revoked, hold, revokedNoReason]) {
      const request = ca.ocspRequestFor(leaf, 'sha1');
      const id = printedId(request);
      expect(id.hashOid).toBe(SHA1);
      expect(encodeOcspRequest(SHA1, id.nameHash, id.keyHash, id.serial)).toEqual(request);
    }
    expect(printedId(ca.ocspRequestFor(revoked)).serial).toEqual(hex('00F1E2D3C4B5A69788'));
  });

  it('with SHA-256, SHA-384 and SHA-512 CertIDs: the AlgorithmIdentifier OID and the longer hashes as openssl writes them', () => {
    for (const digest of ['sha256', 'sha384', 'sha512']) {
      const request = opensslRequest(['-issuer', ca.intermediate.certPath, `-${digest}`, '-cert', revoked.certPath, '-no_nonce']);
      const id = printedId(request);
      expect(id.hashOid).toBe(HASH_OIDS[digest]);
      expect(encodeOcspRequest(HASH_OIDS[digest] as string, id.nameHash, id.keyHash, id.serial)).toEqual(request);
    }
  });

  it('a SHA-256 CertID, written out by hand', () => {
    const expected = hex(`
      305f 305d 305b 3059 3057
      300d 0609 608648016503040201 0500
      0420 ${'11'.repeat(32)}
      0420 ${'22'.repeat(32)}
      0202 00ff`);
    expect(encodeOcspRequest(SHA256, Buffer.alloc(32, 0x11), Buffer.alloc(32, 0x22), hex('00ff'))).toEqual(expected);
  });

  it('a SHA-1 CertID, written out by hand', () => {
    const expected = hex(`
      3042 3040 303e 303c 303a
      3009 0605 2b0e03021a 0500
      0414 ${'aa'.repeat(20)}
      0414 ${'bb'.repeat(20)}
      0201 05`);
    expect(encodeOcspRequest(SHA1, Buffer.alloc(20, 0xaa), Buffer.alloc(20, 0xbb), hex('05'))).toEqual(expected);
  });

  it('the serial exactly as given: a leading 00 kept, nothing added or taken away', () => {
    const tail = (serial: Buffer): string => encodeOcspRequest(SHA1, NAME_HASH, KEY_HASH, serial).subarray(-(serial.length + 2)).toString('hex');
    expect(tail(hex('00ff'))).toBe('020200ff');
    expect(tail(hex('0001'))).toBe('02020001');
    expect(tail(hex('ff'))).toBe('0201ff');
    expect(tail(hex('00'))).toBe('020100');
    const long = Buffer.alloc(20, 0x7f);
    expect(tail(long)).toBe(`0214${'7f'.repeat(20)}`);
  });

  it('long-form lengths where a part passes 127 and 255 bytes, and OID arcs of several bytes', () => {
    const algorithm = (oidHex: string): Buffer => tlv(0x30, tlv(0x06, hex(oidHex)), hex('0500'));
    const wrap = (id: Buffer): Buffer => tlv(0x30, tlv(0x30, tlv(0x30, tlv(0x30, id))));
    const name = Buffer.alloc(100, 1);
    const key = Buffer.alloc(200, 2);
    const serial = hex('0102');
    const expected = (oidHex: string): Buffer => wrap(tlv(0x30, algorithm(oidHex), tlv(0x04, name), tlv(0x04, key), tlv(0x02, serial)));
    const request = encodeOcspRequest('1.2.840.113549.2.5', name, key, serial);
    expect(request).toEqual(expected('2a864886f70d0205'));
    expect(request.subarray(0, 4)).toEqual(hex('30820153'));
    expect(encodeOcspRequest('2.999.3', name, key, serial)).toEqual(expected('883703'));
    expect(encodeOcspRequest('1.3.6.1.4.1.311.2097151', name, key, serial)).toEqual(expected('2b060104018237ffff7f'));
    expect(encodeOcspRequest('0.0', name, key, serial)).toEqual(expected('00'));
  });

  it('openssl reads back what it writes, with the digest named', () => {
    const request = encodeOcspRequest(SHA256, Buffer.alloc(32, 0x11), Buffer.alloc(32, 0x22), hex('00ff'));
    const printed = ca.ocspText(request, 'request');
    expect(printed).toContain('Hash Algorithm: sha256');
    expect(printed).toContain(`Issuer Name Hash: ${'11'.repeat(32)}`);
    expect(printed).toContain('Serial Number: FF');
  });
});

describe('readOcspResponse', () => {
  const response = (...parts: Buffer[]): Buffer => tlv(0x30, ...parts);
  const status = (code: number): Buffer => tlv(0x0a, Buffer.from([code]));
  const bytes = (...fields: Buffer[]): Buffer => tlv(0xa0, tlv(0x30, ...fields));
  const BASIC_TYPE = hex('06092b0601050507300101');

  it('the status of each OCSPResponseStatus, without a body', () => {
    for (const code of [0, 1, 2, 3, 5, 6]) expect(readOcspResponse(response(status(code)))).toEqual({ status: code, body: null });
  });

  it('the response type and the contents of the response OCTET STRING', () => {
    const inner = basicWith(SINGLE);
    expect(readOcspResponse(response(status(0), bytes(BASIC_TYPE, tlv(0x04, inner))))).toEqual({ status: 0, body: { type: OCSP_BASIC, response: inner } });
    expect(readOcspResponse(response(status(0), bytes(hex('06032a0304'), tlv(0x04, hex('abcd')))))).toEqual({ status: 0, body: { type: '1.2.3.4', response: hex('abcd') } });
    expect(readOcspResponse(response(status(0), bytes(BASIC_TYPE, tlv(0x04))))).toEqual({ status: 0, body: { type: OCSP_BASIC, response: Buffer.alloc(0) } });
    // A long response (a two-byte length).
    const big = Buffer.alloc(300, 0x5a);
    expect(readOcspResponse(response(status(0), bytes(BASIC_TYPE, tlv(0x04, big))))?.body?.response).toEqual(big);
  });

  const ok = response(status(0), bytes(BASIC_TYPE, tlv(0x04, hex('3000'))));
  const malformed: [string, Buffer][] = [
    ['nothing', Buffer.alloc(0)],
    ['an empty SEQUENCE', response()],
    ['a trailing byte', Buffer.concat([ok, hex('00')])],
    ['the outer tag a SET', tlv(0x31, status(0), bytes(BASIC_TYPE, tlv(0x04, hex('3000'))))],
    ['the outer tag a [0]', tlv(0xa0, status(0))],
    ['the status an INTEGER', response(tlv(0x02, hex('00')))],
    ['the status two bytes long', response(tlv(0x0a, hex('0000')))],
    ['the status empty', response(tlv(0x0a))],
    ['the status an INTEGER before responseBytes', response(tlv(0x02, hex('00')), bytes(BASIC_TYPE, tlv(0x04, hex('3000'))))],
    ['responseBytes a [1]', response(status(0), tlv(0xa1, tlv(0x30, BASIC_TYPE, tlv(0x04, hex('3000')))))],
    ['responseBytes a bare SEQUENCE (not [0] EXPLICIT)', response(status(0), tlv(0x30, BASIC_TYPE, tlv(0x04, hex('3000'))))],
    ['responseBytes [0] IMPLICIT (the OID directly inside)', response(status(0), tlv(0xa0, BASIC_TYPE, tlv(0x04, hex('3000'))))],
    ['the inside of [0] a SET', response(status(0), tlv(0xa0, tlv(0x31, BASIC_TYPE, tlv(0x04, hex('3000')))))],
    ['more after the SEQUENCE inside [0]', response(status(0), tlv(0xa0, tlv(0x30, BASIC_TYPE, tlv(0x04, hex('3000'))), hex('0500')))],
    ['ResponseBytes with the type only', response(status(0), bytes(BASIC_TYPE))],
    ['ResponseBytes empty', response(status(0), bytes())],
    ['ResponseBytes with three fields', response(status(0), bytes(BASIC_TYPE, tlv(0x04, hex('3000')), tlv(0x04)))],
    ['the response type not an OID', response(status(0), bytes(tlv(0x04, hex('2b0601050507300101')), tlv(0x04, hex('3000'))))],
    ['the response type an empty OID', response(status(0), bytes(tlv(0x06), tlv(0x04, hex('3000'))))],
    ['the response not an OCTET STRING', response(status(0), bytes(BASIC_TYPE, tlv(0x30)))],
    ['the response a BIT STRING', response(status(0), bytes(BASIC_TYPE, tlv(0x03, hex('003000'))))],
    ['three elements', response(status(0), bytes(BASIC_TYPE, tlv(0x04, hex('3000'))), hex('0500'))],
    ['a length past the end', hex('3005 0a0100')],
  ];
  it.each(malformed)('null for %s', (_, der) => {
    expect(readOcspResponse(ok)).not.toBeNull();
    expect(readOcspResponse(der)).toBeNull();
  });

  it('null for what is not a Buffer', () => {
    expect(readOcspResponse('0\x03\n\x01\x00' as unknown as Buffer)).toBeNull();
    expect(readOcspResponse(new Uint8Array(response(status(0))) as unknown as Buffer)).toBeNull();
  });
});

describe('readBasicOcspResponse on `openssl ocsp` responses', () => {
  interface Made {
    response: Buffer;
    basic: Buffer;
    printed: string;
  }
  /** openssl's response to `request`, its BasicOCSPResponse and what -resp_text prints about it. */
  function respond(request: Buffer, options: Parameters<TestCa['ocspRespond']>[1] = {}): Made {
    const response = ca.ocspRespond(request, options);
    const outer = readOcspResponse(response);
    expect(outer?.status).toBe(0);
    expect(outer?.body?.type).toBe(OCSP_BASIC);
    const basic = outer?.body?.response as Buffer;
    // The OCTET STRING is the response's last element: its contents are its last bytes.
    expect(response.subarray(response.length - basic.length)).toEqual(basic);
    return { response, basic, printed: ca.ocspText(response, 'response') };
  }

  /** Every part as openssl prints it, and the signature checked over tbs with the signer's key. */
  function expectParts(made: Made, signer: TestCaCert, includedCerts: Buffer[]): OcspAnswer[] {
    const parts = readBasicOcspResponse(made.basic);
    if (!parts) throw new Error('readBasicOcspResponse() returned null on an openssl response');
    const printedSig = printedSignature(made.printed);
    const algorithm = SIGNATURE_ALGORITHMS[printedSig.algorithm];
    if (!algorithm) throw new Error(`no OID for ${printedSig.algorithm}`);
    expect(parts.signatureAlgorithm).toEqual({ oid: algorithm.oid, params: algorithm.params });
    expect(parts.signature).toEqual(printedSig.value);
    expect(parts.certs).toEqual(includedCerts);
    // tbs is the first element of the BasicOCSPResponse, whole, and what the signature covers.
    expect(parts.tbs[0]).toBe(0x30);
    expect(made.basic.indexOf(parts.tbs)).toBe(made.basic[1] === 0x82 ? 4 : made.basic[1] === 0x81 ? 3 : 2);
    const key = new X509Certificate(signer.der).publicKey;
    expect(verify(algorithm.digest, parts.tbs, key, parts.signature)).toBe(true);
    expect(verify(algorithm.digest, parts.tbs.subarray(0, parts.tbs.length - 1), key, parts.signature)).toBe(false);
    expect(parts.answers).toEqual(printedAnswers(made.printed));
    return parts.answers;
  }

  it('good, signed by the issuer with its certificate included', () => {
    const made = respond(ca.ocspRequestFor(good));
    const [answer, ...more] = expectParts(made, ca.intermediate, [ca.intermediate.der]);
    expect(more).toEqual([]);
    expect(answer).toMatchObject({ hashOid: SHA1, status: 'good', revokedAt: null, reason: null });
    expect(answer?.nextUpdate).toBe((answer?.thisUpdate as number) + 3_600_000);
    expect(answer?.serial).toEqual(serialContents(good.serial));
  });

  it('good, without certificates (-resp_no_certs) and without nextUpdate', () => {
    const made = respond(ca.ocspRequestFor(good), { includeCerts: false, validMinutes: null });
    const [answer] = expectParts(made, ca.intermediate, []);
    expect(answer).toMatchObject({ status: 'good', nextUpdate: null });
  });

  it('revoked with a reason, signed by a delegated responder (an EC key) whose certificate is included', () => {
    const made = respond(ca.ocspRequestFor(revoked), { signer: 'responder' });
    const [answer] = expectParts(made, ca.responder, [ca.responder.der]);
    expect(answer).toMatchObject({ status: 'revoked', revokedAt: REVOKED_AT, reason: 1, serial: hex('00F1E2D3C4B5A69788') });
  });

  it('revoked with a reason, the delegated responder without its certificate', () => {
    const made = respond(ca.ocspRequestFor(revoked), { signer: 'responder', includeCerts: false });
    const [answer] = expectParts(made, ca.responder, []);
    expect(answer).toMatchObject({ status: 'revoked', revokedAt: REVOKED_AT, reason: 1 });
  });

  it('revoked for certificateHold (6), and revoked without a reason', () => {
    const [held] = expectParts(respond(ca.ocspRequestFor(hold)), ca.intermediate, [ca.intermediate.der]);
    expect(held).toMatchObject({ status: 'revoked', revokedAt: REVOKED_AT, reason: 6, serial: hex('0123') });
    const [bare] = expectParts(respond(ca.ocspRequestFor(revokedNoReason), { includeCerts: false }), ca.intermediate, []);
    expect(bare).toMatchObject({ status: 'revoked', revokedAt: REVOKED_AT, reason: null });
  });

  it('unknown: the responder does not know the certificate', () => {
    const [answer] = expectParts(respond(ca.ocspRequestFor(unrecorded), { signer: 'responder' }), ca.responder, [ca.responder.der]);
    expect(answer).toMatchObject({ status: 'unknown', revokedAt: null, reason: null });
  });

  it('a SHA-256 CertID', () => {
    const [answer] = expectParts(respond(ca.ocspRequestFor(good, 'sha256')), ca.intermediate, [ca.intermediate.der]);
    expect(answer?.hashOid).toBe(SHA256);
    expect(answer?.nameHash.length).toBe(32);
  });

  it('several answers in the order asked, and a nonce in responseExtensions', () => {
    const request = opensslRequest(['-issuer', ca.intermediate.certPath, '-cert', good.certPath, '-cert', revoked.certPath, '-cert', unrecorded.certPath, '-cert', revokedNoReason.certPath]);
    const made = respond(request, { signer: 'responder' });
    expect(made.printed).toMatch(/Response Extensions:\s+OCSP Nonce/);
    const answers = expectParts(made, ca.responder, [ca.responder.der]);
    expect(answers.map((a) => a.status)).toEqual(['good', 'revoked', 'unknown', 'revoked']);
    expect(answers.map((a) => a.reason)).toEqual([null, 1, null, null]);
  });
});

describe('readBasicOcspResponse on hand-made DER', () => {
  it('every part: the signed bytes, the signature algorithm and value, the certificates and the answer', () => {
    const tbs = dataWith(SINGLE);
    const der = basic(tbs, SHA256_RSA, SIGNATURE, certs(CERT_A, CERT_B));
    expect(readBasicOcspResponse(der)).toEqual({
      tbs,
      signatureAlgorithm: { oid: '1.2.840.113549.1.1.11', params: hex('0500') },
      signature: Buffer.alloc(8, 0xab),
      certs: [CERT_A, CERT_B],
      answers: [SINGLE_ANSWER],
    });
    expect(readBasicOcspResponse(basic(tbs, ECDSA_SHA384, tlv(0x03, hex('00')), certs()))).toEqual({
      tbs,
      signatureAlgorithm: { oid: '1.2.840.10045.4.3.3', params: null },
      signature: Buffer.alloc(0),
      certs: [],
      answers: [SINGLE_ANSWER],
    });
  });

  it('tbs is located exactly when lengths take one and two bytes', () => {
    const many = Array.from({ length: 5 }, () => SINGLE);
    const tbs = dataWith(...many);
    expect(tbs[1]).toBe(0x82);
    const parts = readBasicOcspResponse(basic(tbs));
    expect(parts?.tbs).toEqual(tbs);
    expect(parts?.answers).toEqual(many.map(() => SINGLE_ANSWER));
  });

  it('each certStatus, the revocation time and every reason code', () => {
    expect(answersOf(basicWith(single(CERT_ID, UNKNOWN, THIS_UPDATE)))).toEqual([{ ...SINGLE_ANSWER, status: 'unknown', nextUpdate: null }]);
    const revokedAt = Date.UTC(2025, 5, 30, 23, 59, 58);
    expect(answersOf(basicWith(single(CERT_ID, revokedStatus(generalized('20250630235958Z')), THIS_UPDATE, NEXT_UPDATE)))).toEqual([
      { ...SINGLE_ANSWER, status: 'revoked', revokedAt, reason: null },
    ]);
    for (const code of [0, 1, 2, 3, 4, 5, 6, 8, 9, 10]) {
      const codeHex = code.toString(16).padStart(2, '0');
      expect(answersOf(basicWith(single(CERT_ID, revokedStatus(generalized('20250630235958Z'), reasonCode(codeHex)), THIS_UPDATE)))).toEqual([
        { ...SINGLE_ANSWER, status: 'revoked', revokedAt, reason: code, nextUpdate: null },
      ]);
    }
  });

  it('the CertID as sent: its hash OID, the hashes and the serial with a leading 00', () => {
    const sha256Id = tlv(0x30, tlv(0x30, hex('0609608648016503040201')), tlv(0x04, Buffer.alloc(32, 0x44)), tlv(0x04, Buffer.alloc(32, 0x55)), tlv(0x02, hex('00ff')));
    expect(answersOf(basicWith(single(sha256Id, GOOD, THIS_UPDATE)))).toEqual([
      { ...SINGLE_ANSWER, hashOid: SHA256, nameHash: Buffer.alloc(32, 0x44), keyHash: Buffer.alloc(32, 0x55), serial: hex('00ff'), nextUpdate: null },
    ]);
  });

  it('several answers, each its own, in order', () => {
    const other = single(certId(tlv(0x02, hex('07'))), revokedStatus(generalized('20251231000000Z'), reasonCode('04')), generalized('20260102000000Z'));
    expect(answersOf(basicWith(SINGLE, other, single(CERT_ID, UNKNOWN, THIS_UPDATE, NEXT_UPDATE)))).toEqual([
      SINGLE_ANSWER,
      { ...SINGLE_ANSWER, serial: hex('07'), status: 'revoked', revokedAt: Date.UTC(2025, 11, 31), reason: 4, thisUpdate: Date.UTC(2026, 0, 2), nextUpdate: null },
      { ...SINGLE_ANSWER, status: 'unknown' },
    ]);
  });

  it(`${MAX_OCSP_ANSWERS} answers are read; one more is refused`, () => {
    expect(answersOf(basicWith(...Array.from({ length: MAX_OCSP_ANSWERS }, () => SINGLE)))?.length).toBe(MAX_OCSP_ANSWERS);
    expect(readBasicOcspResponse(basicWith(...Array.from({ length: MAX_OCSP_ANSWERS + 1 }, () => SINGLE)))).toBeNull();
  });

  it(`${MAX_OCSP_CERTS} certificates are read; one more is refused`, () => {
    const list = Array.from({ length: MAX_OCSP_CERTS }, (_, i) => tlv(0x30, tlv(0x02, Buffer.from([i + 1]))));
    expect(readBasicOcspResponse(basic(dataWith(SINGLE), SHA256_RSA, SIGNATURE, certs(...list)))?.certs).toEqual(list);
    expect(readBasicOcspResponse(basic(dataWith(SINGLE), SHA256_RSA, SIGNATURE, certs(...list, CERT_A)))).toBeNull();
  });

  it('null for what is not a Buffer, and never throws on random bytes or on a valid response cut or changed anywhere (fuzzed)', () => {
    expect(readBasicOcspResponse('0' as unknown as Buffer)).toBeNull();
    const valid = basic(data(V1, BY_KEY, PRODUCED_AT, tlv(0x30, single(CERT_ID, revokedStatus(PRODUCED_AT, reasonCode('01')), THIS_UPDATE, NEXT_UPDATE, SINGLE_EXTENSIONS)), RESPONSE_EXTENSIONS), SHA256_RSA, SIGNATURE, certs(CERT_A));
    expect(readBasicOcspResponse(valid)).not.toBeNull();
    const outer = tlv(0x30, tlv(0x0a, hex('00')), tlv(0xa0, tlv(0x30, tlv(0x06, hex('2b0601050507300101')), tlv(0x04, valid))));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: outer.length }), fc.integer({ min: 0, max: outer.length - 1 }), fc.integer({ min: 1, max: 255 }), (bytes, cut, at, xor) => {
        readOcspResponse(Buffer.from(bytes));
        readBasicOcspResponse(Buffer.from(bytes));
        readBasicOcspResponse(valid.subarray(0, Math.min(cut, valid.length)));
        const changed = Buffer.from(outer);
        changed[at] = (changed[at] as number) ^ xor;
        const body = readOcspResponse(changed)?.body;
        if (body) readBasicOcspResponse(body.response);
      }),
    );
  });

  /** [what, a well-formed response, the same with one thing wrong (or several such)]. */
  const pairs: [string, Buffer, Buffer[]][] = [
    // BasicOCSPResponse
    [
      'the outer SEQUENCE: a trailing byte, another tag, too few or too many elements',
      basic(dataWith(SINGLE), SHA256_RSA, SIGNATURE, certs(CERT_A)),
      [
        Buffer.concat([basic(dataWith(SINGLE)), hex('00')]),
        tlv(0x31, dataWith(SINGLE), SHA256_RSA, SIGNATURE),
        tlv(0x30, dataWith(SINGLE), SHA256_RSA),
        tlv(0x30, dataWith(SINGLE), SHA256_RSA, SIGNATURE, certs(CERT_A), hex('0500')),
        basic(dataWith(SINGLE)).subarray(0, -1),
      ],
    ],
    [
      'tbsResponseData not a SEQUENCE',
      basic(dataWith(SINGLE)),
      [basic(tlv(0x31, BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE)))],
    ],
    [
      'the signature algorithm or the signature malformed',
      basic(dataWith(SINGLE), SHA256_RSA, SIGNATURE),
      [
        basic(dataWith(SINGLE), tlv(0x31, hex('06092a864886f70d01010b0500')), SIGNATURE),
        basic(dataWith(SINGLE), tlv(0x30, hex('0500')), SIGNATURE),
        basic(dataWith(SINGLE), SHA256_RSA, tlv(0x04, hex('00ab'))),
        basic(dataWith(SINGLE), SHA256_RSA, tlv(0x03)),
        basic(dataWith(SINGLE), SHA256_RSA, tlv(0x03, hex('01ab'))),
      ],
    ],
    [
      'certs not [0] EXPLICIT SEQUENCE OF Certificate, or an entry not a SEQUENCE',
      basic(dataWith(SINGLE), SHA256_RSA, SIGNATURE, certs(CERT_A, CERT_B)),
      [
        basic(dataWith(SINGLE), SHA256_RSA, SIGNATURE, certs(CERT_A, tlv(0x31, tlv(0x02, hex('01'))))),
        basic(dataWith(SINGLE), SHA256_RSA, SIGNATURE, certs(tlv(0x04, CERT_A))),
        basic(dataWith(SINGLE), SHA256_RSA, SIGNATURE, tlv(0xa1, tlv(0x30, CERT_A, CERT_B))),
        basic(dataWith(SINGLE), SHA256_RSA, SIGNATURE, tlv(0xa0, tlv(0x31, CERT_A, CERT_B))),
        basic(dataWith(SINGLE), SHA256_RSA, SIGNATURE, tlv(0xa0, tlv(0x30, CERT_A, CERT_B), hex('0500'))),
        basic(dataWith(SINGLE), SHA256_RSA, SIGNATURE, tlv(0x30, CERT_A, CERT_B)),
      ],
    ],
    // ResponseData
    [
      'version [0] EXPLICIT v1 is accepted; any other version is not',
      basic(data(V1, BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE))),
      [
        basic(data(tlv(0xa0, hex('020101')), BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE))),
        basic(data(tlv(0xa0, hex('020102')), BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE))),
        basic(data(tlv(0xa0, hex('02020000')), BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE))),
        basic(data(tlv(0xa0, hex('0a0100')), BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE))),
        basic(data(tlv(0xa0, hex('020100 0500')), BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE))),
        basic(data(tlv(0xa0), BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE))),
        basic(data(hex('020100'), BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE))),
      ],
    ],
    [
      'responderID byKey [2] is accepted; another tag is not',
      basic(data(BY_KEY, PRODUCED_AT, tlv(0x30, SINGLE))),
      [
        basic(data(tlv(0xa3, tlv(0x04, Buffer.alloc(20, 0x33))), PRODUCED_AT, tlv(0x30, SINGLE))),
        basic(data(tlv(0xa0, NAME), PRODUCED_AT, tlv(0x30, SINGLE))),
        basic(data(NAME, PRODUCED_AT, tlv(0x30, SINGLE))),
        basic(data(tlv(0x04, Buffer.alloc(20, 0x33)), PRODUCED_AT, tlv(0x30, SINGLE))),
        basic(data(PRODUCED_AT, tlv(0x30, SINGLE))),
      ],
    ],
    [
      'producedAt not a GeneralizedTime, or not a date',
      basic(data(BY_NAME, generalized('20261231235959Z'), tlv(0x30, SINGLE))),
      [
        basic(data(BY_NAME, tlv(0x17, text('261231235959Z')), tlv(0x30, SINGLE))),
        basic(data(BY_NAME, tlv(0x04, text('20261231235959Z')), tlv(0x30, SINGLE))),
        basic(data(BY_NAME, generalized('20261232235959Z'), tlv(0x30, SINGLE))),
        basic(data(BY_NAME, tlv(0x30, SINGLE))),
      ],
    ],
    [
      'responseExtensions [1] are accepted (with or without a version); malformed ones, or a field after them, are not',
      basic(data(BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE), RESPONSE_EXTENSIONS)),
      [
        basic(data(BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE), tlv(0xa2, tlv(0x30, NONCE)))),
        basic(data(BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE), tlv(0xa1, tlv(0x31, NONCE)))),
        basic(data(BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE), tlv(0xa1, tlv(0x30, tlv(0x30, hex('06092b0601050507300102')))))),
        basic(data(BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE), tlv(0xa1, tlv(0x30, NONCE), hex('0500')))),
        basic(data(BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE), RESPONSE_EXTENSIONS, hex('0500'))),
        basic(data(V1, BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE), RESPONSE_EXTENSIONS, hex('0500'))),
        basic(data(BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE), hex('0500'))),
        basic(data(V1, BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE), hex('0500'))),
      ],
    ],
    [
      'version and responseExtensions both',
      basic(data(V1, BY_KEY, PRODUCED_AT, tlv(0x30, SINGLE), RESPONSE_EXTENSIONS)),
      [basic(data(V1, BY_KEY, PRODUCED_AT, tlv(0x30, SINGLE), RESPONSE_EXTENSIONS, RESPONSE_EXTENSIONS))],
    ],
    [
      'responses empty, not a SEQUENCE, or an entry not a SEQUENCE',
      basicWith(SINGLE, SINGLE),
      [
        basicWith(),
        basic(data(BY_NAME, PRODUCED_AT, tlv(0x31, SINGLE, SINGLE))),
        basic(data(BY_NAME, PRODUCED_AT, SINGLE)),
        basicWith(SINGLE, tlv(0x31, CERT_ID, GOOD, THIS_UPDATE, NEXT_UPDATE)),
        basicWith(SINGLE, hex('0500')),
      ],
    ],
    // SingleResponse
    [
      'a CertID of 3 or 5 fields, or a field of the wrong type',
      basicWith(single(certId(tlv(0x02, hex('05'))), GOOD, THIS_UPDATE)),
      [
        basicWith(single(tlv(0x30, SHA1_ALGORITHM, tlv(0x04, NAME_HASH), tlv(0x04, KEY_HASH)), GOOD, THIS_UPDATE)),
        basicWith(single(tlv(0x30, tlv(0x04, NAME_HASH), tlv(0x04, KEY_HASH), tlv(0x02, hex('05'))), GOOD, THIS_UPDATE)),
        basicWith(single(certId(tlv(0x02, hex('05')), hex('0500')), GOOD, THIS_UPDATE)),
        basicWith(single(tlv(0x31, SHA1_ALGORITHM, tlv(0x04, NAME_HASH), tlv(0x04, KEY_HASH), tlv(0x02, hex('05'))), GOOD, THIS_UPDATE)),
        basicWith(single(tlv(0x30, tlv(0x31, hex('06052b0e03021a0500')), tlv(0x04, NAME_HASH), tlv(0x04, KEY_HASH), tlv(0x02, hex('05'))), GOOD, THIS_UPDATE)),
        basicWith(single(tlv(0x30, tlv(0x30, hex('0500')), tlv(0x04, NAME_HASH), tlv(0x04, KEY_HASH), tlv(0x02, hex('05'))), GOOD, THIS_UPDATE)),
        basicWith(single(tlv(0x30, SHA1_ALGORITHM, tlv(0x03, NAME_HASH), tlv(0x04, KEY_HASH), tlv(0x02, hex('05'))), GOOD, THIS_UPDATE)),
        basicWith(single(tlv(0x30, SHA1_ALGORITHM, tlv(0x04, NAME_HASH), tlv(0x03, KEY_HASH), tlv(0x02, hex('05'))), GOOD, THIS_UPDATE)),
        basicWith(single(certId(tlv(0x04, hex('05'))), GOOD, THIS_UPDATE)),
      ],
    ],
    ['an empty serial', basicWith(single(certId(tlv(0x02, hex('00'))), GOOD, THIS_UPDATE)), [basicWith(single(certId(tlv(0x02)), GOOD, THIS_UPDATE))]],
    [
      'thisUpdate a UTCTime, another type, not a date, or missing',
      basicWith(single(CERT_ID, GOOD, generalized('20260101000000Z'))),
      [
        basicWith(single(CERT_ID, GOOD, tlv(0x17, text('260101000000Z')))),
        basicWith(single(CERT_ID, GOOD, tlv(0x04, text('20260101000000Z')))),
        basicWith(single(CERT_ID, GOOD, generalized('20260100000000Z'))),
        basicWith(single(CERT_ID, GOOD)),
        basicWith(single(CERT_ID, GOOD, NEXT_UPDATE)),
      ],
    ],
    [
      'nextUpdate [0] wrapping anything but one GeneralizedTime',
      basicWith(single(CERT_ID, GOOD, THIS_UPDATE, tlv(0xa0, generalized('20260108000000Z')))),
      [
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, tlv(0xa0, tlv(0x17, text('260108000000Z'))))),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, tlv(0xa0, tlv(0x04, text('20260108000000Z'))))),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, tlv(0xa0, generalized('20260108000000Z'), hex('0500')))),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, tlv(0xa0))),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, tlv(0xa0, generalized('20260132000000Z')))),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, generalized('20260108000000Z'))),
      ],
    ],
    [
      'singleExtensions [1] are accepted, with or without nextUpdate; malformed ones are not',
      basicWith(single(CERT_ID, GOOD, THIS_UPDATE, NEXT_UPDATE, SINGLE_EXTENSIONS), single(CERT_ID, GOOD, THIS_UPDATE, SINGLE_EXTENSIONS)),
      [
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, NEXT_UPDATE, tlv(0xa1, tlv(0x31)))),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, NEXT_UPDATE, tlv(0xa2, tlv(0x30)))),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, tlv(0xa1, tlv(0x30, tlv(0x30, hex('06092b0601050507300106')))))),
      ],
    ],
    [
      'a field after the last one, or the optional fields out of order or twice',
      basicWith(single(CERT_ID, GOOD, THIS_UPDATE, NEXT_UPDATE, SINGLE_EXTENSIONS)),
      [
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, NEXT_UPDATE, SINGLE_EXTENSIONS, hex('0500'))),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, NEXT_UPDATE, hex('0500'))),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, hex('0500'))),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, SINGLE_EXTENSIONS, NEXT_UPDATE)),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, NEXT_UPDATE, NEXT_UPDATE)),
        basicWith(single(CERT_ID, GOOD, THIS_UPDATE, SINGLE_EXTENSIONS, SINGLE_EXTENSIONS)),
      ],
    ],
    [
      'certStatus good or unknown with contents, or another tag',
      basicWith(single(CERT_ID, GOOD, THIS_UPDATE), single(CERT_ID, UNKNOWN, THIS_UPDATE)),
      [
        basicWith(single(CERT_ID, hex('800100'), THIS_UPDATE)),
        basicWith(single(CERT_ID, hex('820100'), THIS_UPDATE)),
        basicWith(single(CERT_ID, hex('8200'), THIS_UPDATE), single(CERT_ID, hex('830100'), THIS_UPDATE)),
        basicWith(single(CERT_ID, hex('8300'), THIS_UPDATE)),
        basicWith(single(CERT_ID, hex('a000'), THIS_UPDATE)),
        basicWith(single(CERT_ID, hex('a200'), THIS_UPDATE)),
        basicWith(single(CERT_ID, hex('0500'), THIS_UPDATE)),
        basicWith(single(CERT_ID, hex('8100'), THIS_UPDATE)),
      ],
    ],
    [
      'revoked: revocationTime not a GeneralizedTime, the reason not [0] EXPLICIT ENUMERATED, a third field',
      basicWith(single(CERT_ID, revokedStatus(generalized('20250101000000Z'), reasonCode('01')), THIS_UPDATE)),
      [
        basicWith(single(CERT_ID, revokedStatus(tlv(0x17, text('250101000000Z')), reasonCode('01')), THIS_UPDATE)),
        basicWith(single(CERT_ID, revokedStatus(generalized('20250101000000Z'), tlv(0xa0, tlv(0x02, hex('01')))), THIS_UPDATE)),
        basicWith(single(CERT_ID, revokedStatus(generalized('20250101000000Z'), tlv(0xa0, tlv(0x0a, hex('01')), hex('0500'))), THIS_UPDATE)),
        basicWith(single(CERT_ID, revokedStatus(generalized('20250101000000Z'), tlv(0xa0)), THIS_UPDATE)),
        basicWith(single(CERT_ID, revokedStatus(generalized('20250101000000Z'), tlv(0xa1, tlv(0x0a, hex('01')))), THIS_UPDATE)),
        basicWith(single(CERT_ID, revokedStatus(generalized('20250101000000Z'), tlv(0x0a, hex('01'))), THIS_UPDATE)),
        basicWith(single(CERT_ID, revokedStatus(generalized('20250101000000Z'), reasonCode('ff')), THIS_UPDATE)),
        basicWith(single(CERT_ID, revokedStatus(generalized('20250101000000Z'), tlv(0xa0, tlv(0x0a))), THIS_UPDATE)),
        basicWith(single(CERT_ID, revokedStatus(generalized('20250101000000Z'), reasonCode('01'), hex('0500')), THIS_UPDATE)),
        basicWith(single(CERT_ID, revokedStatus(), THIS_UPDATE)),
        basicWith(single(CERT_ID, tlv(0x81, generalized('20250101000000Z')), THIS_UPDATE)),
      ],
    ],
    [
      'too many fields in tbsResponseData',
      basic(data(V1, BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE), RESPONSE_EXTENSIONS)),
      [basic(data(V1, BY_NAME, PRODUCED_AT, tlv(0x30, SINGLE), RESPONSE_EXTENSIONS, hex('0500')))],
    ],
  ];

  it.each(pairs)('%s', (_, ok, bad) => {
    expect(readBasicOcspResponse(ok)).not.toBeNull();
    expect(bad.map((der) => readBasicOcspResponse(der))).toEqual(bad.map(() => null));
  });

  it('the accepted optional fields are read as such', () => {
    expect(readBasicOcspResponse(basic(data(V1, BY_KEY, PRODUCED_AT, tlv(0x30, SINGLE), RESPONSE_EXTENSIONS)))?.answers).toEqual([SINGLE_ANSWER]);
    expect(answersOf(basicWith(single(CERT_ID, GOOD, THIS_UPDATE, NEXT_UPDATE, SINGLE_EXTENSIONS)))).toEqual([SINGLE_ANSWER]);
    expect(answersOf(basicWith(single(CERT_ID, GOOD, THIS_UPDATE, SINGLE_EXTENSIONS)))).toEqual([{ ...SINGLE_ANSWER, nextUpdate: null }]);
    expect(readBasicOcspResponse(basic(data(V1, BY_KEY, PRODUCED_AT, tlv(0x30, SINGLE)), SHA256_RSA, SIGNATURE, certs(CERT_A)))?.tbs).toEqual(data(V1, BY_KEY, PRODUCED_AT, tlv(0x30, SINGLE)));
  });
});
