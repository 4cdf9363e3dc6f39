// Certificate files (src/pki/files.ts, its first part: the BER reader, what kind of file, PEM, keys,
// PKCS#7): the malformed and unusual inputs the mutation run found untested, each with the exact
// outcome. Certificates and keys are made at test time (the test PKI, Node's crypto, Debian's
// openssl for an SM2 key); hand-built DER for the rest. Nothing is committed.
import { execFileSync } from 'node:child_process';
import { createCipheriv, createPrivateKey, generateKeyPairSync, pbkdf2Sync, X509Certificate, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { CertFileError, isPkcs12, MAX_CERT_FILE_BYTES, readCertFile, type CertFileContents } from '../../../src/pki/files.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const FORMATS = 'give a PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.pfx) certificate file';

let root: TestCa;
let leaf: IssuedCert;

beforeAll(async () => {
  root = await createRootCa('Mutants Root', NOW);
  leaf = await root.issue({ commonName: 'mx.mutants.example.test', key: 'ec' });
}, 60_000);

// ---- DER by hand

/** A DER element: tag, definite length, contents. */
function tlv(tag: number, ...contents: (Buffer | number[])[]): Buffer {
  const body = Buffer.concat(contents.map((c) => Buffer.from(c)));
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}

/** A BER element with the indefinite length: tag, 0x80, contents, end-of-contents. */
function ind(tag: number, ...contents: (Buffer | number[])[]): Buffer {
  return Buffer.concat([Buffer.from([tag, 0x80]), ...contents.map((c) => Buffer.from(c)), Buffer.from([0, 0])]);
}

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const OID_SIGNED_DATA = tlv(0x06, hex('2a864886f70d010702'));
const OID_DATA = tlv(0x06, hex('2a864886f70d010701'));
const NULL = [0x05, 0x00];

/** A certs-only PKCS#7 SignedData around the given [0] certificates contents. */
function p7(...certs: Buffer[]): Buffer {
  return tlv(0x30, OID_SIGNED_DATA, tlv(0xa0, tlv(0x30, tlv(0x02, [1]), tlv(0x31), tlv(0x30, OID_DATA), tlv(0xa0, ...certs), tlv(0x31))));
}

/** A parsed DER element (definite lengths), for editing files Node made. */
interface Node {
  tag: number;
  kids?: Node[];
  raw?: Buffer;
}

function parse(der: Buffer): Node {
  const one = (at: number): { node: Node; end: number } => {
    const tag = der[at] as number;
    const first = der[at + 1] as number;
    let start = at + 2;
    let length = first;
    if (first >= 0x80) {
      length = der.subarray(start, start + (first & 0x7f)).reduce((n, b) => n * 256 + b, 0);
      start += first & 0x7f;
    }
    const end = start + length;
    if ((tag & 0x20) === 0) return { node: { tag, raw: der.subarray(start, end) }, end };
    const kids: Node[] = [];
    for (let pos = start; pos < end; ) {
      const kid = one(pos);
      kids.push(kid.node);
      pos = kid.end;
    }
    return { node: { tag, kids }, end };
  };
  return one(0).node;
}

function encode(node: Node): Buffer {
  return node.kids ? tlv(node.tag, ...node.kids.map(encode)) : tlv(node.tag, node.raw as Buffer);
}

function pem(label: string, der: Buffer, headers = ''): string {
  return `-----BEGIN ${label}-----\n${headers}${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END ${label}-----\n`;
}

// ---- Reading

async function read(bytes: Buffer, name: string, password: string | null = null, purpose?: 'key'): Promise<CertFileContents> {
  return readCertFile(bytes, { name, password, ...(purpose ? { purpose } : {}) });
}

/** The problem and the one-line message readCertFile fails with (it must fail with a CertFileError). */
async function failure(bytes: Buffer, name: string, password: string | null = null, purpose?: 'key'): Promise<{ problem: string; message: string }> {
  let caught: unknown = null;
  try {
    await read(bytes, name, password, purpose);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CertFileError);
  const err = caught as CertFileError;
  expect(err.name).toBe('CertFileError');
  return { problem: err.problem, message: err.message };
}

const unrecognised = (name: string) => ({ problem: 'unrecognised', message: `${name} is DER but neither a certificate, PKCS#7 nor PKCS#12 (a certificate request or a CRL?): ${FORMATS}` });
const malformed = (name: string) => ({ problem: 'damaged', message: `${name} starts like DER but is malformed: the file is damaged; copy it again, or ${FORMATS}` });
const tooComplex = (name: string) => ({
  problem: 'too-much-work',
  message: `${name} holds more than 200000 ASN.1 elements or nests them deeper than 32: not a certificate file mxray reads; ${FORMATS}`,
});
const keyOnly = (name: string) => ({ problem: 'no-certificate', message: `${name} holds a private key but no certificate: give the certificate's file (or one with both)` });

/** Node's (OpenSSL's) own message for a DER certificate it cannot parse. */
function x509Error(der: Buffer): string {
  try {
    new X509Certificate(der);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('Node parsed it');
}

/** Node's (OpenSSL's) own message for a PKCS#8 private key it cannot read. */
function keyError(der: Buffer): string {
  try {
    createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('Node read it');
}

/** The EncryptedPrivateKeyInfo Node writes for a key (PBES2: PBKDF2 with HMAC-SHA-256, AES-256-CBC, 2048 iterations). */
function encryptedKey(key: KeyObject, passphrase = 'secret'): Buffer {
  return key.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase });
}

/** Its DER with the PBKDF2 iteration count replaced by `count` (any element). */
function withIterations(der: Buffer, count: Buffer): Buffer {
  const tree = parse(der);
  const params = tree.kids?.[0]?.kids?.[1]?.kids?.[0]?.kids?.[1] as Node;
  expect(params.kids?.[1]?.raw).toEqual(hex('0800'));
  params.kids = [params.kids?.[0] as Node, parse(count), ...(params.kids?.slice(2) ?? [])];
  return encode(tree);
}

/** A private key's PKCS#8 DER, to compare keys. */
const pkcs8 = (key: KeyObject | undefined) => key?.export({ type: 'pkcs8', format: 'der' });

describe('the BER reader: indefinite lengths', () => {
  it('reads an indefinite-length element up to its end-of-contents octets, and no further', async () => {
    // Empty: the end-of-contents octets right at the end of the file.
    expect(await failure(hex('3080 0000'), 'empty.der')).toEqual(unrecognised('empty.der'));
    // A child of tag 0 (not end-of-contents: its length is 1), then the end.
    expect(await failure(hex('3080 0001ff 0000'), 'zero.der')).toEqual(unrecognised('zero.der'));
    // Primitive elements cannot have the indefinite length.
    expect(await failure(hex('3080 0480 0000 0000'), 'prim.der')).toEqual(malformed('prim.der'));
    expect(isPkcs12(hex('3080 0000'))).toBe(false);
  });

  it('reads a BER PKCS#7 whose every constructed element has the indefinite length', async () => {
    const ber = ind(0x30, OID_SIGNED_DATA, ind(0xa0, ind(0x30, tlv(0x02, [1]), ind(0x31), ind(0x30, OID_DATA), ind(0xa0, leaf.der), ind(0x31))));
    expect(await read(ber, 'ber.p7b')).toEqual({ format: 'pkcs7', certificates: [leaf.der], privateKeys: [], lockedKeys: 0, notes: [] });
  });

  it('says a certificate with the indefinite length is not in DER form', async () => {
    const parts = parse(leaf.der).kids?.map(encode) as Buffer[];
    expect(parts).toHaveLength(3);
    expect(await failure(ind(0x30, ...parts), 'ber.cer')).toEqual({
      problem: 'damaged',
      message: 'ber.cer: the DER certificate is not in DER form: the file is damaged or not a single certificate; copy it again',
    });
  });

  it("refuses an element whose end-of-contents octets lie beyond its parent's end", async () => {
    // The [0] certificates hold "30 80 00": the second zero of its end-of-contents is the next field's tag.
    const signedData = Buffer.concat([tlv(0x02, [1]), tlv(0x31), tlv(0x30, OID_DATA), hex('a003 308000'), hex('0000'), tlv(0x31)]);
    const bytes = tlv(0x30, OID_SIGNED_DATA, tlv(0xa0, tlv(0x30, signedData)));
    expect(await failure(bytes, 'over.p7b')).toEqual({ problem: 'damaged', message: 'over.p7b: the PKCS#7 data has a malformed list of certificates: the file is damaged; copy it again' });
  });
});

describe('the BER reader: depth', () => {
  const nest = (levels: number) => Buffer.concat([Buffer.alloc(levels * 2).fill(hex('3080')), Buffer.alloc(levels * 2)]);

  it('reads 32 levels below the top and no deeper', async () => {
    expect(await failure(nest(33), 'deep.der')).toEqual(unrecognised('deep.der'));
    expect(await failure(nest(34), 'deeper.der')).toEqual(malformed('deeper.der'));
  });

  it("counts the depth of a list's elements from the top of the file", async () => {
    // The certificates of a PKCS#7 sit 4 levels down: 29 more levels reach 32, 30 go beyond.
    const ok = nest(29);
    expect(await failure(p7(ok), 'ok.p7b')).toEqual({
      problem: 'unreadable-certificate',
      message: `ok.p7b: its certificate cannot be read (${x509Error(ok)}): the file is damaged or not an X.509 certificate`,
    });
    expect(await failure(p7(nest(30)), 'deep.p7b')).toEqual({ problem: 'damaged', message: 'deep.p7b: the PKCS#7 data has a malformed list of certificates: the file is damaged; copy it again' });
  });
});

describe('the BER reader: lengths and tags', () => {
  it('takes up to four length bytes, all inside the file', async () => {
    expect(await failure(hex('3085 0000000000'), 'five.der')).toEqual(malformed('five.der'));
    expect(await failure(hex('3084 00000003 020105'), 'four.der')).toEqual(unrecognised('four.der'));
    expect(await failure(hex('3082 01'), 'cut.der')).toEqual(malformed('cut.der'));
    expect(await failure(hex('3081 00'), 'zero.der')).toEqual(unrecognised('zero.der'));
  });

  it('says how long a cut DER file claims to be (short and long form), and malformed when it cannot tell', async () => {
    const cut = (name: string, declared: number, has: number) => ({
      problem: 'damaged',
      message: `${name}: the DER data says it is ${declared} bytes long but the file has ${has}: the file is cut short; copy it again`,
    });
    expect(await failure(hex('3005 0201'), 'short.der')).toEqual(cut('short.der', 7, 4));
    expect(await failure(hex('3082 0100'), 'long.der')).toEqual(cut('long.der', 260, 4));
    expect(await failure(hex('3085 0100000000'), 'five.der')).toEqual(malformed('five.der'));
  });

  it('refuses a high tag number', async () => {
    expect(await failure(p7(leaf.der, hex('1f0100')), 'high.p7b')).toEqual({
      problem: 'damaged',
      message: 'high.p7b: the PKCS#7 data has a malformed list of certificates: the file is damaged; copy it again',
    });
  });
});

describe('the BER reader: its element budget', () => {
  const nulls = (n: number) => ind(0x30, Buffer.alloc(2 * n).fill(Buffer.from(NULL)));

  it('reads exactly 200000 elements and refuses the one after', async () => {
    // The top, its 199983 children, and 16 of them again to tell the kind of file: 200000 elements.
    expect(await failure(nulls(199_983), 'wide.der')).toEqual(unrecognised('wide.der'));
    // One more: the last look at the children is over budget.
    expect(await failure(nulls(199_984), 'wider.der')).toEqual(tooComplex('wider.der'));
  });

  it('charges no element for a read that finds fewer than two bytes', async () => {
    // The budget runs out exactly with the list's first element; the stray byte after it costs nothing,
    // so the list is malformed (its count again is over budget, but that is not why it failed).
    const list = (n: number) => p7(nulls(n), hex('05'));
    expect(await failure(list(199_988), 'edge.p7b')).toEqual({ problem: 'damaged', message: 'edge.p7b: the PKCS#7 data has a malformed list of certificates: the file is damaged; copy it again' });
    expect(await failure(list(199_989), 'over.p7b')).toEqual(tooComplex('over.p7b'));
  });

  it('says too complex when the list of certificates ran out of budget', async () => {
    expect(await failure(p7(nulls(200_000)), 'wide.p7b')).toEqual(tooComplex('wide.p7b'));
  });

  it('gives isPkcs12 its own budget', () => {
    const pfx = (n: number) => ind(0x30, tlv(0x02, [3]), tlv(0x30, OID_DATA), nulls(n));
    expect(isPkcs12(pfx(10))).toBe(true);
    expect(isPkcs12(pfx(200_000))).toBe(false);
  });
});

describe('the BER reader: OCTET STRINGs sent in segments', () => {
  const key = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  /** The encrypted key with its ciphertext re-sent as a constructed OCTET STRING made by `segments`. */
  const segmented = (der: Buffer, segments: (ciphertext: Buffer) => Buffer): Buffer => {
    const tree = parse(der);
    const [alg, data] = tree.kids as [Node, Node];
    return tlv(0x30, encode(alg), segments(data.raw as Buffer));
  };
  const text = (der: Buffer) => Buffer.from(leaf.certPem + pem('ENCRYPTED PRIVATE KEY', der));
  const line = () => leaf.certPem.split('\n').length;

  it('joins the segments, nested ones too', async () => {
    const k = key();
    const der = segmented(encryptedKey(k), (c) => tlv(0x24, tlv(0x04, c.subarray(0, 10)), tlv(0x24, tlv(0x04, c.subarray(10, 50)), tlv(0x04, c.subarray(50, 60))), tlv(0x04, c.subarray(60))));
    const got = await read(text(der), 'seg.pem', 'secret');
    expect(got.privateKeys.map(pkcs8)).toEqual([pkcs8(k)]);
    expect(got.notes).toEqual(['its private key is encrypted with PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 2048 iterations', 'a private key (PKCS#8, EC P-256) is in the file too']);
  });

  it('refuses segments that are not OCTET STRINGs, or malformed ones', async () => {
    const damaged = (name: string) => ({ problem: 'damaged', message: `${name}: PEM block 2 ("ENCRYPTED PRIVATE KEY", line ${line()}) is not an encrypted PKCS#8 key: the file is damaged; copy it again` });
    const der = encryptedKey(key());
    const integer = segmented(der, (c) => tlv(0x24, tlv(0x04, c), tlv(0x02, [0])));
    expect(await failure(text(integer), 'int.pem', 'secret')).toEqual(damaged('int.pem'));
    const broken = segmented(der, (c) => tlv(0x24, tlv(0x04, c), hex('040500')));
    expect(await failure(text(broken), 'broken.pem', 'secret')).toEqual(damaged('broken.pem'));
    const nested = segmented(der, (c) => tlv(0x24, tlv(0x04, c), tlv(0x24, hex('040500'))));
    expect(await failure(text(nested), 'nested.pem', 'secret')).toEqual(damaged('nested.pem'));
  });
});

describe('the BER reader: INTEGERs (a PBKDF2 iteration count)', () => {
  let k: KeyObject;
  let der: Buffer;
  beforeAll(() => {
    k = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    der = encryptedKey(k);
  });
  const text = (count: Buffer) => Buffer.from(leaf.certPem + pem('ENCRYPTED PRIVATE KEY', withIterations(der, count)));
  const damaged = (name: string) => ({ problem: 'damaged', message: `${name}: the parameters of its password-based encryption are malformed: the file is damaged; copy it again` });
  const tooMuch = (name: string, count: number) => ({
    problem: 'too-much-work',
    message: `${name} asks for ${count} key-derivation iterations, more than mxray does (1000000): export it again with fewer (OpenSSL's default is 2048)`,
  });

  it('skips leading zero bytes', async () => {
    const got = await read(text(hex('0208 000000000000 0800')), 'zeros.pem', 'secret');
    expect(got.privateKeys.map(pkcs8)).toEqual([pkcs8(k)]);
    expect(got.notes[0]).toBe('its private key is encrypted with PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 2048 iterations');
  });

  it('reads up to six bytes exactly, and more as Infinity', async () => {
    expect(await failure(text(hex('0206 010000000000')), 'six.pem', 'secret')).toEqual(tooMuch('six.pem', 2 ** 40));
    expect(await failure(text(hex('0207 01000000000000')), 'seven.pem', 'secret')).toEqual(tooMuch('seven.pem', Infinity));
  });

  it('refuses a negative INTEGER, an empty one, another type, or none', async () => {
    expect(await failure(text(hex('0202 8800')), 'neg.pem', 'secret')).toEqual(damaged('neg.pem'));
    expect(await failure(text(hex('0200')), 'empty.pem', 'secret')).toEqual(damaged('empty.pem'));
    expect(await failure(text(hex('0402 0800')), 'octets.pem', 'secret')).toEqual(damaged('octets.pem'));
    // The PBKDF2 parameters with the salt alone.
    const tree = parse(der);
    const params = tree.kids?.[0]?.kids?.[1]?.kids?.[0]?.kids?.[1] as Node;
    params.kids = [params.kids?.[0] as Node];
    expect(await failure(Buffer.from(leaf.certPem + pem('ENCRYPTED PRIVATE KEY', encode(tree))), 'none.pem', 'secret')).toEqual(damaged('none.pem'));
  });
});

describe('what kind of DER file', () => {
  const n = (...kids: (Buffer | number[])[]) => tlv(0x30, ...kids);
  const INT = tlv(0x02, [0]);
  const OCT = tlv(0x04);
  const SEQ = tlv(0x30);
  const BITS = tlv(0x03, [0]);
  const CTX0 = tlv(0xa0);
  const OID = tlv(0x06, [0x2a]);

  it('knows a certificate, PKCS#7, PKCS#12 and keys only by the tags of all their first parts', async () => {
    const shapes: [string, Buffer][] = [
      ['null-int-int', n(NULL, INT, INT)],
      ['int-null-int', n(INT, NULL, INT)],
      ['int-int-null', n(INT, INT, NULL)],
      ['oct-oct-int', n(OCT, OCT, INT)],
      ['int-int', n(INT, INT)],
      ['null-oct', n(NULL, OCT)],
      ['oid-null', n(OID, NULL)],
      ['null-ctx0', n(NULL, CTX0)],
      ['null-null-bits', n(NULL, NULL, BITS)],
      ['null-seq-bits', n(NULL, SEQ, BITS)],
      ['seq-null-bits', n(SEQ, NULL, BITS)],
      ['seq-seq-null', n(SEQ, SEQ, NULL)],
      ['seq-seq-bits-null', n(SEQ, SEQ, BITS, NULL)],
      ['empty', n()],
      ['empty-oid', n(tlv(0x06))],
      ['int-seq(oid)', n(INT, n(OID))],
      ['int-seq(3)', n(INT, n(NULL, NULL, NULL))],
    ];
    for (const [name, bytes] of shapes) {
      expect({ name, got: await failure(bytes, name) }).toEqual({ name, got: unrecognised(name) });
      expect({ name, pkcs12: isPkcs12(bytes) }).toEqual({ name, pkcs12: false });
    }
  });

  it('knows a DER private key: PKCS#1 (RSA) and SEC1 (EC)', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'der' });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'der' });
    expect(await failure(rsa, 'rsa.der')).toEqual(keyOnly('rsa.der'));
    expect(await failure(ec, 'ec.der')).toEqual(keyOnly('ec.der'));
  });

  it('reads no more than 16 parts to tell', async () => {
    const parts = Array.from({ length: 15 }, () => Buffer.from(NULL));
    expect(await failure(n(OID_SIGNED_DATA, CTX0, ...parts), 'many.der')).toEqual(unrecognised('many.der'));
    // With 16 parts it is PKCS#7, and a malformed one.
    expect(await failure(n(OID_SIGNED_DATA, CTX0, ...parts.slice(1)), 'pkcs7.der')).toEqual({ problem: 'damaged', message: 'pkcs7.der: the PKCS#7 data is malformed: the file is damaged; copy it again' });
  });
});

describe('isPkcs12', () => {
  const pfx = tlv(0x30, tlv(0x02, [3]), tlv(0x30, OID_DATA));

  it('is true for a PFX shape, with a password or a signature as its integrity', () => {
    expect(isPkcs12(pfx)).toBe(true);
    expect(isPkcs12(tlv(0x30, tlv(0x02, [3]), tlv(0x30, OID_SIGNED_DATA)))).toBe(true);
  });

  it('is false for another outer tag, a malformed start, another first part, an OID sent as OCTET STRING', () => {
    expect(isPkcs12(tlv(0x31, tlv(0x02, [3]), tlv(0x30, OID_DATA)))).toBe(false);
    expect(isPkcs12(hex('3003 1f0100'))).toBe(false);
    expect(isPkcs12(tlv(0x30, tlv(0x04, [0]), tlv(0x30, OID_DATA)))).toBe(false);
    expect(isPkcs12(tlv(0x30, tlv(0x02, [3]), tlv(0x30, tlv(0x04, hex('2a864886f70d010701')))))).toBe(false);
    expect(isPkcs12(tlv(0x30, tlv(0x02, [3]), tlv(0x30)))).toBe(false);
    expect(isPkcs12(hex('3000'))).toBe(false);
  });

  it('is false for anything but a Buffer', () => {
    expect(isPkcs12(new Uint8Array(pfx) as Buffer)).toBe(false);
  });

  it('takes a file of 4 MiB exactly, not one byte more', () => {
    const padded = (size: number) => Buffer.concat([pfx, Buffer.alloc(size - pfx.length)]);
    expect(isPkcs12(padded(MAX_CERT_FILE_BYTES))).toBe(true);
    expect(isPkcs12(padded(MAX_CERT_FILE_BYTES + 1))).toBe(false);
  });
});

describe('text or DER', () => {
  const outsideNote = (lines: number) => `text outside the PEM blocks (${lines} line${lines === 1 ? '' : 's'}, e.g. "Bag Attributes" or "subject=") was ignored`;

  it('takes a byte order mark only when both its bytes are there', async () => {
    for (const start of [[0xff, 0x0a], [0x41, 0xfe, 0x0a], [0x41, 0xff, 0x0a], [0xfe, 0x0a]]) {
      const got = await read(Buffer.concat([Buffer.from(start), Buffer.from(leaf.certPem)]), 'odd.pem');
      expect({ start, got }).toEqual({ start, got: { format: 'pem', certificates: [leaf.der], privateKeys: [], lockedKeys: 0, notes: [outsideNote(1)] } });
    }
  });

  it('reads big-endian UTF-16 with an odd byte at the end, and says it is UTF-16', async () => {
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(leaf.certPem, 'utf16le').swap16(), Buffer.from([0x0a])]);
    expect(await read(be, 'be.pem')).toEqual({ format: 'pem', certificates: [leaf.der], privateKeys: [], lockedKeys: 0, notes: ['the file is UTF-16 text (as Windows PowerShell writes it)'] });
  });

  it('counts a form feed as text', async () => {
    expect(await failure(Buffer.from('a certificate\x0cis not here\n'), 'ff.txt')).toEqual({
      problem: 'unrecognised',
      message: `ff.txt is text without a PEM block ("-----BEGIN CERTIFICATE-----"): ${FORMATS}`,
    });
  });

  it('reads as PEM a text that starts with "0", or whose first bytes read like a DER header of its length', async () => {
    expect(await read(Buffer.from(`0\n${leaf.certPem}`), 'zero.pem')).toEqual({ format: 'pem', certificates: [leaf.der], privateKeys: [], lockedKeys: 0, notes: [outsideNote(1)] });
    // "A", then 0x82 and two bytes: the length of the rest, as a DER header would say it.
    const rest = Buffer.from(`\n${leaf.certPem}`);
    const header = Buffer.from([0x41, 0x82, rest.length >> 8, rest.length & 0xff]);
    expect(await read(Buffer.concat([header, rest]), 'header.pem')).toEqual({ format: 'pem', certificates: [leaf.der], privateKeys: [], lockedKeys: 0, notes: [outsideNote(1)] });
  });
});

describe('the notes on private keys', () => {
  const note = async (key: KeyObject) => (await read(Buffer.from(leaf.certPem + (key.export({ type: 'pkcs8', format: 'pem' }) as string)), 'k.pem')).notes;

  it('names RSA-PSS, Ed25519, Ed448 and other types', async () => {
    expect(await note(generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).privateKey)).toEqual(['a private key (PKCS#8, RSA-PSS 1024 bits) is in the file too']);
    expect(await note(generateKeyPairSync('ed25519').privateKey)).toEqual(['a private key (PKCS#8, Ed25519) is in the file too']);
    expect(await note(generateKeyPairSync('ed448').privateKey)).toEqual(['a private key (PKCS#8, Ed448) is in the file too']);
    expect(await note(generateKeyPairSync('x25519').privateKey)).toEqual(['a private key (PKCS#8, x25519) is in the file too']);
  });

  it('says "unknown type" for a key Node cannot name (SM2, from openssl)', async () => {
    const sm2 = execFileSync('openssl', ['genpkey', '-algorithm', 'SM2'], { encoding: 'latin1' });
    expect(createPrivateKey(sm2).asymmetricKeyType).toBeUndefined();
    expect((await read(Buffer.from(leaf.certPem + sm2), 'sm2.pem')).notes).toEqual(['a private key (PKCS#8, unknown type) is in the file too']);
  });
});

describe('PEM blocks', () => {
  const b64 = () => leaf.der.toString('base64');
  const outsideNote = (lines: number) => `text outside the PEM blocks (${lines} line${lines === 1 ? '' : 's'}, e.g. "Bag Attributes" or "subject=") was ignored`;
  const damaged = (message: string) => ({ problem: 'damaged', message });

  it('counts the text after the last block, up to its last character', async () => {
    expect((await read(Buffer.from(`${leaf.certPem}x`), 'tail.pem')).notes).toEqual([outsideNote(1)]);
  });

  it('reads a block written on one line', async () => {
    const one = `-----BEGIN CERTIFICATE-----${b64()}-----END CERTIFICATE-----`;
    expect(await read(Buffer.from(one), 'one.pem')).toEqual({ format: 'pem', certificates: [leaf.der], privateKeys: [], lockedKeys: 0, notes: [] });
  });

  it('refuses a BEGIN line whose "-----" comes only on a later line', async () => {
    const text = `-----BEGIN CERTIFICATE\n${b64()}\n-----END CERTIFICATE-----\n`;
    expect(await failure(Buffer.from(text), 'open.pem')).toEqual(damaged('open.pem: PEM block 1 (line 1) has a BEGIN line not closed with "-----": the file is damaged; copy it again'));
  });

  it('takes RFC 1421 headers only right after the BEGIN line', async () => {
    const text = `-----BEGIN CERTIFICATE-----\nA\nA: b\n\n${b64()}\n-----END CERTIFICATE-----\n`;
    expect(await failure(Buffer.from(text), 'late.pem')).toEqual(damaged('late.pem: PEM block 1 ("CERTIFICATE", line 1) is not valid base64: the file is damaged; copy it again'));
  });

  it('refuses base64 with other characters, or a length no base64 has', async () => {
    const body = b64();
    const stars = `-----BEGIN CERTIFICATE-----\n${body.slice(0, 20)}**${body.slice(20)}\n-----END CERTIFICATE-----\n`;
    expect(await failure(Buffer.from(stars), 'stars.pem')).toEqual(damaged('stars.pem: PEM block 1 ("CERTIFICATE", line 1) is not valid base64: the file is damaged; copy it again'));
    // Base64 characters only, but one more than a multiple of four: no base64 has that length.
    const bare = body.replace(/=+$/, '');
    const odd = bare + 'A'.repeat((5 - (bare.length % 4)) % 4 || 4);
    expect(odd.length % 4).toBe(1);
    const longer = `-----BEGIN CERTIFICATE-----\n${odd}\n-----END CERTIFICATE-----\n`;
    expect(await failure(Buffer.from(longer), 'longer.pem')).toEqual(damaged('longer.pem: PEM block 1 ("CERTIFICATE", line 1) is not valid base64: the file is damaged; copy it again'));
  });

  it('refuses an empty block', async () => {
    expect(await failure(Buffer.from('-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'), 'empty.pem')).toEqual(
      damaged('empty.pem: PEM block 1 ("CERTIFICATE", line 1) is empty: the file is damaged; copy it again'),
    );
  });

  it('counts lines from a line end at the second character', async () => {
    expect(await failure(Buffer.from(`x\n${pem('CERTIFICATE', Buffer.from([0x30]))}`), 'x.pem')).toEqual(
      damaged('x.pem: PEM block 1 ("CERTIFICATE", line 2) is not a DER certificate: the file is damaged; copy it again'),
    );
  });
});

describe("OpenSSL's old PEM encryption (Proc-Type, DEK-Info)", () => {
  let k: KeyObject;
  let other: KeyObject;
  /** The key as OpenSSL's traditional encrypted PEM (EC PRIVATE KEY with Proc-Type and DEK-Info). */
  const traditional = (key: KeyObject) => key.export({ type: 'sec1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'secret' }) as string;
  beforeAll(() => {
    k = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  });
  const notes = ["its private key is encrypted with OpenSSL's old PEM encryption (AES-128-CBC)", 'a private key (SEC1, EC P-256) is in the file too'];

  it('reads its headers after white space on the BEGIN line, before a blank line with spaces, and with CRLF line ends', async () => {
    const plain = traditional(k);
    expect(plain).toMatch(/^-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,[0-9A-F]{32}\n\n/);
    const variants = {
      'space.pem': plain.replace('-----\n', '----- \n'),
      'blank.pem': plain.replace(/(DEK-Info: [^\n]*\n)\n/, '$1 \n'),
      'crlf.pem': plain.replace(/\n/g, '\r\n'),
    };
    for (const [name, text] of Object.entries(variants)) {
      const got = await read(Buffer.from(leaf.certPem + text), name, 'secret');
      expect({ name, keys: got.privateKeys.map(pkcs8), notes: got.notes }).toEqual({ name, keys: [pkcs8(k)], notes });
    }
  });

  it('reads each encrypted block by itself', async () => {
    const got = await read(Buffer.from(leaf.certPem + traditional(k) + traditional(other)), 'two.pem', 'secret');
    expect(got.privateKeys.map(pkcs8)).toEqual([pkcs8(k), pkcs8(other)]);
  });

  it('reads a key with a Proc-Type that is not ENCRYPTED as a plain key', async () => {
    const der = k.export({ type: 'pkcs8', format: 'der' });
    const text = leaf.certPem + pem('PRIVATE KEY', der, 'Proc-Type: 4,MIC-CLEAR\n\n');
    const got = await read(Buffer.from(text), 'mic.pem');
    expect({ keys: got.privateKeys.map(pkcs8), locked: got.lockedKeys, notes: got.notes }).toEqual({ keys: [pkcs8(k)], locked: 0, notes: ['a private key (PKCS#8, EC P-256) is in the file too'] });
  });
});

describe('a key file (--key)', () => {
  const key = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

  it('may hold a private key alone', async () => {
    const k = key();
    const text = `Bag Attributes\n${k.export({ type: 'pkcs8', format: 'pem' }) as string}`;
    const got = await read(Buffer.from(text), 'key.pem', null, 'key');
    expect({ ...got, privateKeys: got.privateKeys.map(pkcs8) }).toEqual({
      format: 'pem',
      certificates: [],
      privateKeys: [pkcs8(k)],
      lockedKeys: 0,
      notes: ['text outside the PEM blocks (1 line, e.g. "Bag Attributes" or "subject=") was ignored'],
    });
  });

  it('with a certificate too, is read as any certificate file', async () => {
    const k = key();
    const got = await read(Buffer.from(leaf.certPem + (k.export({ type: 'pkcs8', format: 'pem' }) as string)), 'both.pem', null, 'key');
    expect({ ...got, privateKeys: got.privateKeys.map(pkcs8) }).toEqual({
      format: 'pem',
      certificates: [leaf.der],
      privateKeys: [pkcs8(k)],
      lockedKeys: 0,
      notes: ['a private key (PKCS#8, EC P-256) is in the file too'],
    });
  });

  it('asks for the password of an encrypted key, and refuses a file without a key', async () => {
    const locked = pem('ENCRYPTED PRIVATE KEY', encryptedKey(key()));
    expect(await failure(Buffer.from(locked), 'locked.pem', null, 'key')).toEqual({ problem: 'password-needed', message: 'locked.pem: its private key is encrypted: give the password (--password-env)' });
    const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    expect(await failure(Buffer.from(params), 'none.pem', null, 'key')).toEqual({ problem: 'no-certificate', message: 'none.pem holds no private key' });
  });
});

describe('PEM: certificates, PKCS#7 bundles and keys', () => {
  const line2 = () => leaf.certPem.split('\n').length;

  it('counts the certificates of every block against the limit of 1000', async () => {
    const bundle = pem('PKCS7', p7(...Array(1000).fill(leaf.der)));
    expect((await read(Buffer.from(bundle), 'ok.pem')).certificates).toHaveLength(1000);
    expect(await failure(Buffer.from(bundle + leaf.certPem), 'many.pem')).toEqual({ problem: 'too-many', message: 'many.pem holds more than 1000 certificates: give a file with the certificate and its chain only' });
  });

  it('says "pem" for a PKCS#7 block beside a certificate block', async () => {
    const got = await read(Buffer.from(pem('PKCS7', p7(leaf.der)) + leaf.certPem), 'mixed.pem');
    expect({ format: got.format, certificates: got.certificates }).toEqual({ format: 'pem', certificates: [leaf.der, leaf.der] });
  });

  it('refuses a PKCS#7 block with bytes after its data, and a PKCS7 block that holds a certificate', async () => {
    const data = p7(leaf.der);
    expect(await failure(Buffer.from(pem('PKCS7', Buffer.concat([data, Buffer.alloc(2)]))), 'long.pem')).toEqual({
      problem: 'damaged',
      message: `long.pem: PEM block 1 ("PKCS7", line 1) holds ${data.length + 2} bytes but its PKCS#7 data ends after ${data.length}: the file is damaged; copy it again`,
    });
    expect(await failure(Buffer.from(pem('PKCS7', leaf.der)), 'cert.pem')).toEqual({
      problem: 'damaged',
      message: 'cert.pem: PEM block 1 ("PKCS7", line 1) is not a PKCS#7 bundle of certificates: the file is damaged; copy it again',
    });
  });

  it('refuses a TRUSTED CERTIFICATE that is not a DER SEQUENCE', async () => {
    for (const der of [hex('3103 020105'), hex('30')]) {
      expect({ der: der.toString('hex'), got: await failure(Buffer.from(pem('TRUSTED CERTIFICATE', der)), 'trusted.pem') }).toEqual({
        der: der.toString('hex'),
        got: { problem: 'unreadable-certificate', message: 'trusted.pem: PEM block 1 ("TRUSTED CERTIFICATE", line 1) is not a DER certificate: the file is damaged; copy it again' },
      });
    }
  });

  it('refuses a plain private key Node cannot read, naming the block and saying why', async () => {
    const der = hex('3003 020100');
    expect(await failure(Buffer.from(leaf.certPem + pem('PRIVATE KEY', der)), 'bad.pem')).toEqual({
      problem: 'damaged',
      message: `bad.pem: PEM block 2 ("PRIVATE KEY", line ${line2()}) is not a readable private key (${keyError(der)}): the file is damaged; copy it again`,
    });
  });

  it('refuses an encrypted PKCS#8 key with bytes after it, and one the password does not open', async () => {
    const der = encryptedKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    expect(await failure(Buffer.from(leaf.certPem + pem('ENCRYPTED PRIVATE KEY', Buffer.concat([der, Buffer.alloc(2)]))), 'long.pem', 'secret')).toEqual({
      problem: 'damaged',
      message: `long.pem: PEM block 2 ("ENCRYPTED PRIVATE KEY", line ${line2()}) is not an encrypted PKCS#8 key: the file is damaged; copy it again`,
    });
    expect(await failure(Buffer.from(leaf.certPem + pem('ENCRYPTED PRIVATE KEY', der)), 'wrong.pem', 'wrong')).toEqual({
      problem: 'wrong-password',
      message: 'wrong password for the private key in wrong.pem (or the file is damaged)',
    });
  });

  it('says when one encrypted key was left unread', async () => {
    const got = await read(Buffer.from(leaf.certPem + pem('ENCRYPTED PRIVATE KEY', encryptedKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey))), 'one.pem');
    expect({ locked: got.lockedKeys, notes: got.notes }).toEqual({ locked: 1, notes: ['an encrypted private key is in the file too, not read without the password'] });
  });

  it('stops when all the key derivations of one file would take more than 4000000 rounds', async () => {
    // PBES2 with PBKDF2-HMAC-SHA-1 for AES-256 takes 2 blocks an iteration: 500001 iterations cost 1000002 rounds.
    // The legacy PKCS#12 triple DES takes 3 (2 for the key, 1 for the IV): 1000000 iterations cost 3000000 more,
    // 4000002 in all, so that key is refused before it is derived (its ciphertext does not matter); the first one
    // is derived (a wrong password or damage would say so).
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const salt = Buffer.alloc(8, 1);
    const iv = Buffer.alloc(16, 2);
    const cipher = createCipheriv('aes-256-cbc', pbkdf2Sync('secret', salt, 500_001, 32, 'sha1'), iv);
    const ciphertext = Buffer.concat([cipher.update(pkcs8(k) as Buffer), cipher.final()]);
    const pbkdf2 = tlv(0x30, tlv(0x06, hex('2a864886f70d01050c')), tlv(0x30, tlv(0x04, salt), tlv(0x02, hex('07a121')), tlv(0x30, tlv(0x06, hex('2a864886f70d0207')), NULL)));
    const aes = tlv(0x30, tlv(0x06, hex('60864801650304012a')), tlv(0x04, iv));
    const pbes2 = pem('ENCRYPTED PRIVATE KEY', tlv(0x30, tlv(0x30, tlv(0x06, hex('2a864886f70d01050d')), tlv(0x30, pbkdf2, aes)), tlv(0x04, ciphertext)));
    const tripleDes = tlv(0x30, tlv(0x06, hex('2a864886f70d010c0103')), tlv(0x30, tlv(0x04, salt), tlv(0x02, hex('0f4240'))));
    const legacy = pem('ENCRYPTED PRIVATE KEY', tlv(0x30, tripleDes, tlv(0x04, Buffer.alloc(16))));
    expect(await failure(Buffer.from(leaf.certPem + pbes2 + legacy), 'two.pem', 'secret')).toEqual({
      problem: 'too-much-work',
      message: "two.pem needs more than 4000000 key-derivation rounds in all: export it again with fewer iterations (OpenSSL's default is 2048)",
    });
  });
});

describe('PKCS#7', () => {
  const malformedP7 = (name: string) => ({ problem: 'damaged', message: `${name}: the PKCS#7 data is malformed: the file is damaged; copy it again` });

  it('skips the entries of the list that are not X.509 certificates, and counts them', async () => {
    const note = (count: string) => `${count} of the PKCS#7 list that are not X.509 certificates (attribute certificates?) were skipped`;
    expect(await read(p7(leaf.der, tlv(0xa1, NULL)), 'one.p7b')).toEqual({ format: 'pkcs7', certificates: [leaf.der], privateKeys: [], lockedKeys: 0, notes: [note('1 entry')] });
    expect((await read(p7(tlv(0xa1), leaf.der, tlv(0xa2)), 'two.p7b')).notes).toEqual([note('2 entries')]);
  });

  it('refuses a ContentInfo of another type, naming it, or "?" when its OID cannot be read', async () => {
    expect(await failure(tlv(0x30, OID_DATA, tlv(0xa0, tlv(0x04))), 'data.p7b')).toEqual({
      problem: 'unsupported',
      message: `data.p7b is PKCS#7 of type 1.2.840.113549.1.7.1, not SignedData: it holds no certificates; ${FORMATS}`,
    });
    expect(await failure(tlv(0x30, tlv(0x06), tlv(0xa0, tlv(0x04))), 'none.p7b')).toEqual({
      problem: 'unsupported',
      message: `none.p7b is PKCS#7 of type ?, not SignedData: it holds no certificates; ${FORMATS}`,
    });
  });

  it('refuses a ContentInfo of three parts, and a [0] that is empty, holds two things or no SEQUENCE', async () => {
    expect(await failure(tlv(0x30, OID_SIGNED_DATA, tlv(0xa0), NULL), 'three.p7b')).toEqual(malformedP7('three.p7b'));
    expect(await failure(tlv(0x30, OID_SIGNED_DATA, tlv(0xa0)), 'empty.p7b')).toEqual(malformedP7('empty.p7b'));
    expect(await failure(tlv(0x30, OID_SIGNED_DATA, tlv(0xa0, tlv(0x30), tlv(0x30))), 'two.p7b')).toEqual(malformedP7('two.p7b'));
    expect(await failure(tlv(0x30, OID_SIGNED_DATA, tlv(0xa0, tlv(0x31))), 'set.p7b')).toEqual(malformedP7('set.p7b'));
  });

  it('looks for the certificates only after the first three fields of the SignedData', async () => {
    const early = tlv(0x30, OID_SIGNED_DATA, tlv(0xa0, tlv(0x30, tlv(0x02, [1]), tlv(0xa0, leaf.der), tlv(0x30, OID_DATA))));
    expect(await failure(early, 'early.p7b')).toEqual({ problem: 'no-certificate', message: `early.p7b is PKCS#7 without certificates: ${FORMATS}` });
  });

  it('says too many for a list of more than 1001 entries, even when one after them is malformed', async () => {
    const entries = Array.from({ length: 1002 }, () => Buffer.from(NULL));
    const tooMany = (name: string) => ({ problem: 'too-many', message: `${name} holds more than 1000 certificates: give a file with the certificate and its chain only` });
    expect(await failure(p7(...entries), 'many.p7b')).toEqual(tooMany('many.p7b'));
    expect(await failure(p7(...entries, hex('0505')), 'broken.p7b')).toEqual(tooMany('broken.p7b'));
  });

  it('says malformed for a short list with a malformed entry', async () => {
    expect(await failure(p7(leaf.der, hex('0505')), 'broken.p7b')).toEqual({ problem: 'damaged', message: 'broken.p7b: the PKCS#7 data has a malformed list of certificates: the file is damaged; copy it again' });
  });
});

describe("a certificate Node's parser cannot read", () => {
  it("gives OpenSSL's reason on one line, word for word", async () => {
    const fake = tlv(0x30, tlv(0x30, tlv(0x02, [1])), tlv(0x30, tlv(0x06, [0x2a, 0x03])), tlv(0x03, [0]));
    const reason = x509Error(fake);
    expect(reason).toMatch(/ /);
    expect(await failure(fake, 'fake.cer')).toEqual({
      problem: 'unreadable-certificate',
      message: `fake.cer: its certificate cannot be read (${reason}): the file is damaged or not an X.509 certificate`,
    });
  });
});
