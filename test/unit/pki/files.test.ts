// Certificate files: every format made at test time, by the test PKI and by Debian's openssl
// (OpenSSL 3), as people get them from Windows, OpenSSL and their CA. Nothing is committed.
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHmac, createPrivateKey, createPublicKey, pbkdf2Sync, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { createRootCa, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { readCertificateNames } from '../../../src/pki/der.js';
import {
  CertFileError,
  isPkcs12,
  keyMatchesCertificate,
  MAX_CERT_FILE_BYTES,
  MAX_KDF_ITERATIONS,
  MAX_KDF_WORK,
  pickLeaf,
  readCertFile,
  type CertFileContents,
} from '../../../src/pki/files.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

let work: string;
let root: TestCa;
let inter: TestCa;
let rsaLeaf: IssuedCert;
let ecLeaf: IssuedCert;
/** A leaf of another PKI: unrelated to the others. */
let otherLeaf: IssuedCert;
/** Files written by openssl, by name. */
const made = new Map<string, Buffer>();

function file(name: string): Buffer {
  const bytes = made.get(name);
  if (!bytes) throw new Error(`no file ${name}`);
  return bytes;
}

function write(name: string, content: string | Buffer): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

/** Runs openssl in the work folder and keeps the file it wrote. */
function openssl(out: string, args: string[]): void {
  execFileSync('openssl', [...args, '-out', join(work, out)], { cwd: work, stdio: 'pipe' });
  made.set(out, readFileSync(join(work, out)));
}

function pem(label: string, der: Buffer, eol = '\n'): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, `$1${eol}`).replace(new RegExp(`${eol}$`), '');
  return `-----BEGIN ${label}-----${eol}${b64}${eol}-----END ${label}-----${eol}`;
}

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

/** The children of a DER SEQUENCE (definite lengths only: what OpenSSL writes). */
function derChildren(der: Buffer): Buffer[] {
  const header = (at: number) => {
    const first = der[at + 1] as number;
    if (first < 0x80) return { start: at + 2, length: first };
    const count = first & 0x7f;
    return { start: at + 2 + count, length: der.subarray(at + 2, at + 2 + count).reduce((n, b) => n * 256 + b, 0) };
  };
  const outer = header(0);
  const out: Buffer[] = [];
  for (let pos = outer.start; pos < outer.start + outer.length; ) {
    const h = header(pos);
    out.push(der.subarray(pos, h.start + h.length));
    pos = h.start + h.length;
  }
  return out;
}

/** The contents of one DER element (definite length). */
function contentsOf(el: Buffer): Buffer {
  const first = el[1] as number;
  return el.subarray(first < 0x80 ? 2 : 2 + (first & 0x7f));
}

/** A PKCS#12 MacData: HMAC-SHA-1 over `content` with the PKCS#12 key derivation of `password` (null: none at all), 2048 iterations. */
function sha1MacData(password: string | null, content: Buffer): Buffer {
  const salt = Buffer.from('0123456789abcdef', 'hex');
  const key = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt.toString('binary')), 3, 2048, 20, forge.md.sha1.create());
  const mac = createHmac('sha1', Buffer.from(key.getBytes(), 'binary')).update(content).digest();
  const sha1 = tlv(0x30, tlv(0x06, Buffer.from([0x2b, 0x0e, 0x03, 0x02, 0x1a])), Buffer.from([0x05, 0x00]));
  return tlv(0x30, tlv(0x30, sha1, tlv(0x04, mac)), tlv(0x04, salt), tlv(0x02, Buffer.from([0x08, 0x00])));
}

async function read(bytes: Buffer, password?: string | null, name = 'x.pfx'): Promise<CertFileContents> {
  return readCertFile(bytes, { name, password });
}

/** The problem and message readCertFile fails with. */
async function failure(bytes: Buffer, name: string, password?: string | null): Promise<{ problem: string; message: string }> {
  try {
    await readCertFile(bytes, { name, password });
  } catch (err) {
    expect(err).toBeInstanceOf(CertFileError);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).helpful).toBe(false);
    expect((err as Error).message).not.toContain('\n');
    return { problem: (err as CertFileError).problem, message: (err as Error).message };
  }
  throw new Error('readCertFile did not fail');
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mxray-cert-files-'));
  root = await createRootCa('Files Root', NOW);
  inter = await root.intermediate('Files Intermediate');
  rsaLeaf = await inter.issue({ commonName: 'mx-rsa.example.test', key: 'rsa2048' });
  ecLeaf = await inter.issue({ commonName: 'mx-ec.example.test', key: 'ec' });
  otherLeaf = await (await createRootCa('Other Root', NOW)).issue({ commonName: 'other.example.test' });

  const files = {
    'rsa.crt': rsaLeaf.certPem,
    'rsa.key': rsaLeaf.keyPem,
    'ec.crt': ecLeaf.certPem,
    'ec.key': ecLeaf.keyPem,
    'chain.crt': inter.cert.certPem + root.cert.certPem,
  };
  for (const [name, text] of Object.entries(files)) write(name, text);
  for (const kind of ['rsa', 'ec']) {
    const base = ['pkcs12', '-export', '-in', `${kind}.crt`, '-inkey', `${kind}.key`];
    // Windows' and Exchange's default export: RC2-40 for the certificates, 3DES for the key, a SHA-1 MAC.
    openssl(`${kind}-legacy.pfx`, [...base, '-legacy', '-passout', 'pass:secret']);
    // OpenSSL 3's default: PBES2 with AES-256-CBC, a SHA-256 MAC.
    openssl(`${kind}-modern.pfx`, [...base, '-passout', 'pass:secret']);
    openssl(`${kind}-chain.pfx`, [...base, '-certfile', 'chain.crt', '-passout', 'pass:secret']);
    openssl(`${kind}-chain-legacy.pfx`, [...base, '-certfile', 'chain.crt', '-legacy', '-passout', 'pass:secret']);
    openssl(`${kind}-empty.pfx`, [...base, '-passout', 'pass:']);
    openssl(`${kind}-empty-legacy.pfx`, [...base, '-legacy', '-passout', 'pass:']);
  }
  openssl('ec-utf8.pfx', ['pkcs12', '-export', '-in', 'ec.crt', '-inkey', 'ec.key', '-passout', 'pass:pässwörd']);
  openssl('ec-utf8-legacy.pfx', ['pkcs12', '-export', '-in', 'ec.crt', '-inkey', 'ec.key', '-legacy', '-passout', 'pass:pässwörd']);
  openssl('ec-plain.pfx', ['pkcs12', '-export', '-in', 'ec.crt', '-inkey', 'ec.key', '-nomac', '-certpbe', 'NONE', '-keypbe', 'NONE', '-passout', 'pass:']);
  openssl('ec-nomac.pfx', ['pkcs12', '-export', '-in', 'ec.crt', '-inkey', 'ec.key', '-nomac', '-passout', 'pass:secret']);
  openssl('ec-iter.pfx', ['pkcs12', '-export', '-in', 'ec.crt', '-inkey', 'ec.key', '-iter', String(MAX_KDF_ITERATIONS + 1), '-passout', 'pass:x']);
  openssl('chain.p7b', ['crl2pkcs7', '-nocrl', '-certfile', 'ec.crt', '-certfile', 'chain.crt', '-outform', 'DER']);
  openssl('chain-pem.p7b', ['crl2pkcs7', '-nocrl', '-certfile', 'ec.crt', '-certfile', 'chain.crt']);
  openssl('ec-enc.key', ['pkcs8', '-topk8', '-v2', 'aes256', '-in', 'ec.key', '-passout', 'pass:secret']);
  openssl('rsa-enc-v1.key', ['pkcs8', '-topk8', '-v1', 'PBE-SHA1-3DES', '-in', 'rsa.key', '-passout', 'pass:secret']);
  openssl('ec-scrypt.key', ['pkcs8', '-topk8', '-scrypt', '-in', 'ec.key', '-passout', 'pass:secret']);
  openssl('rsa-trad.key', ['rsa', '-in', 'rsa.key', '-traditional', '-aes128', '-passout', 'pass:secret']);
  openssl('rsa-trusted.crt', ['x509', '-in', 'rsa.crt', '-addtrust', 'serverAuth', '-trustout']);
  openssl('rsa-bags.pem', ['pkcs12', '-in', 'rsa-chain.pfx', '-passin', 'pass:secret', '-nodes']);
  openssl('ec.csr', ['req', '-new', '-key', 'ec.key', '-subj', '/CN=mx-ec.example.test']);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('readCertFile: PEM', () => {
  it('reads one certificate, and a bundle in file order', async () => {
    const one = await read(Buffer.from(ecLeaf.certPem), null, 'ec.pem');
    expect(one).toEqual({ format: 'pem', certificates: [ecLeaf.der], privateKeys: [], lockedKeys: 0, notes: [] });
    const bundle = await read(Buffer.from(root.cert.certPem + ecLeaf.certPem + inter.cert.certPem), null, 'bundle.pem');
    expect(bundle.certificates).toEqual([root.cert.der, ecLeaf.der, inter.cert.der]);
  });

  it('reads the private keys beside the certificates: PKCS#8, PKCS#1, SEC1', async () => {
    const rsaKey = createPrivateKey(rsaLeaf.keyPem);
    const ecKey = createPrivateKey(ecLeaf.keyPem);
    const pkcs1 = rsaKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    const sec1 = ecKey.export({ type: 'sec1', format: 'pem' }) as string;
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    expect(sec1).toContain('BEGIN EC PRIVATE KEY');
    const text = rsaLeaf.certPem + rsaLeaf.keyPem + ecLeaf.certPem + pkcs1 + '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n' + sec1;
    const got = await read(Buffer.from(text), null, 'keys.pem');
    expect(got.certificates).toEqual([rsaLeaf.der, ecLeaf.der]);
    expect(got.privateKeys.map((k) => k.asymmetricKeyType)).toEqual(['rsa', 'rsa', 'ec']);
    expect(got.privateKeys.every((k) => k.type === 'private')).toBe(true);
    expect(got.privateKeys[1]?.export({ type: 'pkcs8', format: 'pem' })).toBe(rsaKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(got.notes).toEqual([
      'a private key (PKCS#8, RSA 2048 bits) is in the file too',
      'a private key (PKCS#1, RSA 2048 bits) is in the file too',
      'a private key (SEC1, EC P-256) is in the file too',
    ]);
  });

  it('reads a Windows-style export: "Bag Attributes" and "subject=" text around the blocks, CRLF line ends', async () => {
    const exported = file('rsa-bags.pem').toString('latin1');
    expect(exported).toContain('Bag Attributes');
    const crlf = Buffer.from(exported.replace(/\r?\n/g, '\r\n'));
    const got = await read(crlf, null, 'export.pem');
    expect(got.format).toBe('pem');
    expect(got.certificates).toEqual([rsaLeaf.der, inter.cert.der, root.cert.der]);
    expect(got.privateKeys).toHaveLength(1);
    expect(got.notes).toEqual([
      // Bag Attributes, localKeyID, subject=, issuer= (the leaf); Bag Attributes, subject=, issuer= (each CA); three for the key.
      'text outside the PEM blocks (13 lines, e.g. "Bag Attributes" or "subject=") was ignored',
      'a private key (PKCS#8, RSA 2048 bits) is in the file too',
    ]);
    // The same by hand, with a friendly name and the CRLF inside the base64 too.
    const handmade = [
      'Bag Attributes',
      '    friendlyName: mail.example.test',
      '    localKeyID: 01 00 00 00 ',
      'subject=/CN=mx-ec.example.test',
      'issuer=/CN=Files Intermediate',
      pem('CERTIFICATE', ecLeaf.der, '\r\n'),
    ].join('\r\n');
    const mine = await read(Buffer.from(handmade), null, 'hand.pem');
    expect(mine.certificates).toEqual([ecLeaf.der]);
    expect(mine.notes).toEqual(['text outside the PEM blocks (5 lines, e.g. "Bag Attributes" or "subject=") was ignored']);
  });

  it('reads UTF-16 text with a byte order mark, as Windows PowerShell 5 writes it', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ecLeaf.certPem, 'utf16le')]);
    const got = await read(utf16, null, 'ps.pem');
    expect(got.certificates).toEqual([ecLeaf.der]);
    expect(got.notes).toEqual(['the file is UTF-16 text (as Windows PowerShell writes it)']);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(ecLeaf.certPem, 'utf16le').swap16()]);
    expect((await read(be, null, 'be.pem')).certificates).toEqual([ecLeaf.der]);
  });

  it('reads a PEM with stray control characters around the blocks (a NUL, an old DOS end-of-file mark)', async () => {
    const got = await read(Buffer.concat([Buffer.from(ecLeaf.certPem), Buffer.from([0x1a, 0x00])]), null, 'dos.pem');
    expect(got.certificates).toEqual([ecLeaf.der]);
  });

  it('reads a TRUSTED CERTIFICATE as a plain certificate, and says so', async () => {
    const text = file('rsa-trusted.crt').toString('latin1');
    expect(text).toContain('BEGIN TRUSTED CERTIFICATE');
    const got = await read(file('rsa-trusted.crt'), null, 'trusted.pem');
    expect(got.certificates).toEqual([rsaLeaf.der]);
    expect(got.notes).toEqual(['PEM block 1 ("TRUSTED CERTIFICATE", line 1) is an OpenSSL "trusted certificate": read as a plain certificate (its trust settings are ignored)']);
  });

  it('skips blocks that are neither certificates nor keys, and says so', async () => {
    const got = await read(Buffer.from(ecLeaf.certPem + file('ec.csr').toString('latin1')), null, 'mixed.pem');
    expect(got.certificates).toEqual([ecLeaf.der]);
    expect(got.notes).toEqual([`PEM block 2 ("CERTIFICATE REQUEST", line ${ecLeaf.certPem.split('\n').length}) is not a certificate or a private key: skipped`]);
  });

  it('decrypts an encrypted PKCS#8 key (PBES2 AES-256, and the legacy PKCS#12 3DES) with the password', async () => {
    const aes = Buffer.from(ecLeaf.certPem + file('ec-enc.key').toString('latin1'));
    const got = await read(aes, 'secret', 'enc.pem');
    expect(got.privateKeys).toHaveLength(1);
    expect(keyMatchesCertificate(got.privateKeys[0] as never, ecLeaf.der)).toBe(true);
    expect(got.notes).toEqual([
      'its private key is encrypted with PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 2048 iterations',
      'a private key (PKCS#8, EC P-256) is in the file too',
    ]);
    const v1 = await read(Buffer.from(rsaLeaf.certPem + file('rsa-enc-v1.key').toString('latin1')), 'secret', 'enc.pem');
    expect(keyMatchesCertificate(v1.privateKeys[0] as never, rsaLeaf.der)).toBe(true);
    expect(v1.notes[0]).toBe('its private key is encrypted with pbeWithSHA1And3-KeyTripleDES-CBC (legacy), 2048 iterations');
  });

  it("decrypts OpenSSL's old PEM encryption (Proc-Type, DEK-Info) with the password", async () => {
    const text = Buffer.from(rsaLeaf.certPem + file('rsa-trad.key').toString('latin1'));
    const got = await read(text, 'secret', 'trad.pem');
    expect(keyMatchesCertificate(got.privateKeys[0] as never, rsaLeaf.der)).toBe(true);
    expect(got.notes).toEqual(["its private key is encrypted with OpenSSL's old PEM encryption (AES-128-CBC)", 'a private key (PKCS#1, RSA 2048 bits) is in the file too']);
    expect(await failure(text, 'trad.pem', 'wrong')).toEqual({ problem: 'wrong-password', message: 'wrong password for the private key in trad.pem (or the file is damaged)' });
  });

  it('leaves an encrypted key unread without a password, and refuses a wrong one', async () => {
    const text = Buffer.from(ecLeaf.certPem + file('ec-enc.key').toString('latin1') + file('rsa-trad.key').toString('latin1'));
    const got = await read(text, null, 'enc.pem');
    expect(got.certificates).toEqual([ecLeaf.der]);
    expect(got.privateKeys).toEqual([]);
    expect(got.lockedKeys).toBe(2);
    expect(got.notes).toEqual(['2 encrypted private keys are in the file too, not read without the password']);
    expect(await failure(text, 'enc.pem', 'wrong')).toEqual({ problem: 'wrong-password', message: 'wrong password for the private key in enc.pem (or the file is damaged)' });
  });

  it('refuses an encryption it cannot decrypt (scrypt), naming it', async () => {
    const text = Buffer.from(ecLeaf.certPem + file('ec-scrypt.key').toString('latin1'));
    expect(await failure(text, 'scrypt.pem', 'secret')).toEqual({
      problem: 'unsupported',
      message: `scrypt.pem is encrypted with PBES2 with the key derivation scrypt, which mxray cannot decrypt: export it again with AES-256-CBC or triple DES (OpenSSL 3's default, or Windows' "TripleDES-SHA1")`,
    });
  });
});

describe('readCertFile: DER', () => {
  it('reads a single DER certificate', async () => {
    expect(await read(ecLeaf.der, null, 'leaf.cer')).toEqual({ format: 'der', certificates: [ecLeaf.der], privateKeys: [], lockedKeys: 0, notes: [] });
  });

  it('reads a DER certificate whose bytes hold the words of a PEM line as DER', async () => {
    const odd = await inter.issue({ commonName: '-----BEGIN CERTIFICATE-----', dnsNames: ['mx.example.test'] });
    expect(odd.der.includes('-----BEGIN ')).toBe(true);
    expect((await read(odd.der, null, 'odd.cer')).certificates).toEqual([odd.der]);
  });

  it('refuses a DER certificate whose length does not match the file', async () => {
    const longer = Buffer.concat([rsaLeaf.der, Buffer.from([0])]);
    expect(await failure(longer, 'leaf.cer')).toEqual({
      problem: 'damaged',
      message: `leaf.cer: the DER certificate is ${rsaLeaf.der.length} bytes long but the file has ${longer.length}: the file is damaged or not a single certificate; copy it again`,
    });
    const shorter = rsaLeaf.der.subarray(0, rsaLeaf.der.length - 10);
    expect(await failure(shorter, 'leaf.cer')).toEqual({
      problem: 'damaged',
      message: `leaf.cer: the DER data says it is ${rsaLeaf.der.length} bytes long but the file has ${shorter.length}: the file is cut short; copy it again`,
    });
  });

  it("refuses a certificate Node's parser cannot read", async () => {
    // The shape of a certificate (three parts: SEQUENCE, SEQUENCE, BIT STRING), not one inside.
    const fake = tlv(0x30, tlv(0x30, tlv(0x02, Buffer.from([1]))), tlv(0x30, tlv(0x06, Buffer.from([0x2a, 0x03]))), tlv(0x03, Buffer.from([0])));
    const got = await failure(fake, 'fake.cer');
    expect(got.problem).toBe('unreadable-certificate');
    expect(got.message).toMatch(/^fake\.cer: its certificate cannot be read \(.+\): the file is damaged or not an X\.509 certificate$/);
    const inBundle = await failure(Buffer.from(pem('CERTIFICATE', ecLeaf.der) + pem('CERTIFICATE', fake)), 'two.pem');
    expect(inBundle.message).toMatch(/^two\.pem: certificate 2 of 2 cannot be read \(/);
  });

  it('refuses a DER private key: no certificate in it', async () => {
    const der = createPrivateKey(ecLeaf.keyPem).export({ type: 'pkcs8', format: 'der' });
    expect(await failure(der, 'key.der')).toEqual({ problem: 'no-certificate', message: "key.der holds a private key but no certificate: give the certificate's file (or one with both)" });
  });
});

describe('readCertFile: PKCS#7', () => {
  it('reads the certificates of a certs-only SignedData (DER and PEM), in file order', async () => {
    for (const name of ['chain.p7b', 'chain-pem.p7b']) {
      const got = await read(file(name), null, name);
      expect(got.format).toBe('pkcs7');
      expect(got.certificates).toEqual([ecLeaf.der, inter.cert.der, root.cert.der]);
      expect(got.notes).toEqual([]);
      expect(isPkcs12(file(name))).toBe(false);
    }
    expect(file('chain-pem.p7b').toString('latin1')).toContain('-----BEGIN PKCS7-----');
  });

  it('reads a PKCS#7 bundle labelled CERTIFICATE, as some CAs send it', async () => {
    const got = await read(Buffer.from(pem('CERTIFICATE', file('chain.p7b'))), null, 'ca.crt');
    expect(got.format).toBe('pkcs7');
    expect(got.certificates).toEqual([ecLeaf.der, inter.cert.der, root.cert.der]);
    expect(got.notes).toEqual(['PEM block 1 ("CERTIFICATE", line 1) holds a PKCS#7 bundle, not a certificate: its 3 certificate(s) were read']);
  });

  it('refuses a PKCS#7 without certificates, and one with trailing bytes', async () => {
    const p7 = file('chain.p7b');
    // Cut the [0] certificates out of the SignedData: ContentInfo { OID, [0] { SignedData } }.
    const [oid, wrapped] = derChildren(p7) as [Buffer, Buffer];
    const signedData = derChildren(wrapped)[0] as Buffer;
    const fields = derChildren(signedData).filter((f) => f[0] !== 0xa0);
    const empty = tlv(0x30, oid, tlv(0xa0, tlv(0x30, ...fields)));
    expect(await failure(empty, 'empty.p7b')).toEqual({ problem: 'no-certificate', message: 'empty.p7b is PKCS#7 without certificates: give a PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.pfx) certificate file' });
    const longer = Buffer.concat([p7, Buffer.from([0, 0])]);
    expect(await failure(longer, 'long.p7b')).toEqual({
      problem: 'damaged',
      message: `long.p7b: the DER data is ${p7.length} bytes long but the file has ${longer.length}: the file is damaged; copy it again`,
    });
  });
});

describe('readCertFile: PKCS#12', () => {
  for (const kind of ['rsa', 'ec'] as const) {
    for (const flavour of ['legacy', 'modern'] as const) {
      it(`reads a ${flavour} PFX with an ${kind.toUpperCase()} key`, async () => {
        const bytes = file(`${kind}-${flavour}.pfx`);
        expect(isPkcs12(bytes)).toBe(true);
        const leaf = kind === 'rsa' ? rsaLeaf : ecLeaf;
        const got = await read(bytes, 'secret', `${kind}.pfx`);
        expect(got.format).toBe('pkcs12');
        expect(got.certificates).toEqual([leaf.der]);
        expect(got.privateKeys).toHaveLength(1);
        const key = got.privateKeys[0] as never;
        expect(keyMatchesCertificate(key, leaf.der)).toBe(true);
        expect(createPublicKey(key).export({ type: 'spki', format: 'der' })).toEqual(createPublicKey(leaf.keyPem).export({ type: 'spki', format: 'der' }));
        const keyType = kind === 'rsa' ? 'RSA 2048 bits' : 'EC P-256';
        expect(got.notes).toEqual(
          flavour === 'legacy'
            ? [
                "the PFX's MAC uses SHA-1 with 2048 iterations",
                'its certificates are encrypted with pbeWithSHA1And40BitRC2-CBC (legacy), 2048 iterations',
                'its private key is encrypted with pbeWithSHA1And3-KeyTripleDES-CBC (legacy), 2048 iterations',
                `a private key (PKCS#8, ${keyType}) is in the file too`,
              ]
            : [
                "the PFX's MAC uses SHA-256 with 2048 iterations",
                'its certificates are encrypted with PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 2048 iterations',
                'its private key is encrypted with PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), 2048 iterations',
                `a private key (PKCS#8, ${keyType}) is in the file too`,
              ],
        );
      });
    }
  }

  it('reads a PFX with its chain (-certfile), and the key picks the leaf', async () => {
    for (const name of ['rsa-chain.pfx', 'rsa-chain-legacy.pfx', 'ec-chain.pfx', 'ec-chain-legacy.pfx']) {
      const leaf = name.startsWith('rsa') ? rsaLeaf : ecLeaf;
      const got = await read(file(name), 'secret', name);
      expect(got.certificates).toHaveLength(3);
      expect(new Set(got.certificates.map((c) => c.toString('hex')))).toEqual(new Set([leaf.der, inter.cert.der, root.cert.der].map((c) => c.toString('hex'))));
      const pick = pickLeaf(got.certificates, got.privateKeys);
      expect(got.certificates[pick.index]).toEqual(leaf.der);
      expect(pick.why).toBe(`certificate ${pick.index + 1} matches the private key in the file`);
    }
  });

  it('reads a PFX with an empty password, given or not', async () => {
    for (const name of ['rsa-empty.pfx', 'ec-empty.pfx', 'rsa-empty-legacy.pfx', 'ec-empty-legacy.pfx']) {
      for (const password of [undefined, null, '']) {
        const got = await read(file(name), password, name);
        expect(got.certificates).toHaveLength(1);
        expect(got.privateKeys).toHaveLength(1);
        expect(got.notes).toContain('its password is empty');
      }
      expect(await failure(file(name), name, 'secret')).toEqual({ problem: 'wrong-password', message: `wrong password for ${name} (or the file is damaged)` });
    }
  });

  it('reads a PFX whose MAC was made with no password at all (no BMPString), as .NET writes for a null password', async () => {
    const plain = file('ec-plain.pfx');
    const [version, authSafe] = derChildren(plain) as [Buffer, Buffer];
    // authSafe: ContentInfo { data, [0] { OCTET STRING } }: the MAC is over the OCTET STRING's contents.
    const data = contentsOf(derChildren(derChildren(authSafe)[1] as Buffer)[0] as Buffer);
    const pfx = tlv(0x30, version, authSafe, sha1MacData(null, data));
    const got = await read(pfx, null, 'null.pfx');
    expect(got.certificates).toEqual([ecLeaf.der]);
    expect(got.notes.slice(0, 1)).toEqual(["the PFX's MAC uses SHA-1 with 2048 iterations"]);
    expect(got.notes).toContain('its password is empty');
  });

  it('reads a PFX with neither MAC nor encryption, without a password, and says so', async () => {
    const got = await read(file('ec-plain.pfx'), null, 'plain.pfx');
    expect(got.certificates).toEqual([ecLeaf.der]);
    expect(got.notes).toEqual([
      'the PFX has no MAC: nothing shows whether it was changed',
      'its certificates are not encrypted',
      'its private key is not encrypted',
      'a private key (PKCS#8, EC P-256) is in the file too',
    ]);
  });

  it('reads a PFX without a MAC but encrypted: a wrong password shows in the decryption', async () => {
    const got = await read(file('ec-nomac.pfx'), 'secret', 'nomac.pfx');
    expect(got.certificates).toEqual([ecLeaf.der]);
    expect(got.notes[0]).toBe('the PFX has no MAC: nothing shows whether it was changed');
    expect(await failure(file('ec-nomac.pfx'), 'nomac.pfx', 'wrong')).toEqual({ problem: 'wrong-password', message: 'wrong password for nomac.pfx (or the file is damaged)' });
    expect(await failure(file('ec-nomac.pfx'), 'nomac.pfx')).toEqual({ problem: 'password-needed', message: 'nomac.pfx is PKCS#12 protected by a password: give the password' });
  });

  it('takes a non-ASCII password as OpenSSL does (UTF-16 for the PKCS#12 derivation, UTF-8 for PBKDF2)', async () => {
    for (const name of ['ec-utf8.pfx', 'ec-utf8-legacy.pfx']) {
      const got = await read(file(name), 'pässwörd', name);
      expect(got.certificates).toEqual([ecLeaf.der]);
      expect(got.privateKeys).toHaveLength(1);
    }
  });

  it('asks for a password when none was given, and refuses a wrong one', async () => {
    for (const name of ['rsa-legacy.pfx', 'ec-modern.pfx']) {
      expect(await failure(file(name), name)).toEqual({ problem: 'password-needed', message: `${name} is PKCS#12 protected by a password: give the password` });
      expect(await failure(file(name), name, null)).toEqual({ problem: 'password-needed', message: `${name} is PKCS#12 protected by a password: give the password` });
      expect(await failure(file(name), name, 'Secret')).toEqual({ problem: 'wrong-password', message: `wrong password for ${name} (or the file is damaged)` });
      expect(await failure(file(name), name, '')).toEqual({ problem: 'wrong-password', message: `wrong password for ${name} (or the file is damaged)` });
    }
  });

  it('calls a damaged PFX a wrong password or damage: the MAC does not match', async () => {
    const bytes = Buffer.from(file('ec-modern.pfx'));
    bytes[200] = (bytes[200] as number) ^ 0x01;
    expect(await failure(bytes, 'damaged.pfx', 'secret')).toEqual({ problem: 'wrong-password', message: 'wrong password for damaged.pfx (or the file is damaged)' });
  });

  it('refuses a PFX asking for more key-derivation iterations than the cap, before deriving anything', async () => {
    const started = performance.now();
    expect(await failure(file('ec-iter.pfx'), 'iter.pfx', 'x')).toEqual({
      problem: 'too-much-work',
      message: `iter.pfx asks for ${MAX_KDF_ITERATIONS + 1} key-derivation iterations, more than mxray does (${MAX_KDF_ITERATIONS}): export it again with fewer (OpenSSL's default is 2048)`,
    });
    // The MAC's own derivation (2048 iterations) runs; a million more would take seconds.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reads a hand-made PFX of several PBES2 parts (default PRF HMAC-SHA-1), and stops when all its key derivations together ask too much', async () => {
    // Each part: EncryptedData with PBES2 (PBKDF2, PRF left out: HMAC-SHA-1; AES-256-CBC) over one certificate bag.
    const oid = (hex: string) => tlv(0x06, Buffer.from(hex, 'hex'));
    const part = (iterations: number, der: Buffer) => {
      const salt = Buffer.alloc(8, 7);
      const iv = Buffer.alloc(16, 9);
      const certBag = tlv(0x30, oid('2a864886f70d010c0a0103'), tlv(0xa0, tlv(0x30, oid('2a864886f70d01091601'), tlv(0xa0, tlv(0x04, der)))));
      const key = pbkdf2Sync('x', salt, iterations, 32, 'sha1');
      const cipher = createCipheriv('aes-256-cbc', key, iv);
      const encrypted = Buffer.concat([cipher.update(tlv(0x30, certBag)), cipher.final()]);
      const count = Buffer.from(iterations.toString(16).padStart(8, '0'), 'hex');
      const pbes2 = tlv(0x30, oid('2a864886f70d01050d'), tlv(0x30, tlv(0x30, oid('2a864886f70d01050c'), tlv(0x30, tlv(0x04, salt), tlv(0x02, count))), tlv(0x30, oid('60864801650304012a'), tlv(0x04, iv))));
      const eci = tlv(0x30, oid('2a864886f70d010701'), pbes2, tlv(0x80, encrypted));
      return tlv(0x30, oid('2a864886f70d010706'), tlv(0xa0, tlv(0x30, tlv(0x02, Buffer.from([0])), eci)));
    };
    const pfx = (...parts: Buffer[]) => tlv(0x30, tlv(0x02, Buffer.from([3])), tlv(0x30, oid('2a864886f70d010701'), tlv(0xa0, tlv(0x04, tlv(0x30, ...parts)))));
    const small = await read(pfx(part(2048, ecLeaf.der), part(2048, rsaLeaf.der)), 'x', 'hand.pfx');
    expect(small.certificates).toEqual([ecLeaf.der, rsaLeaf.der]);
    expect(small.notes).toEqual([
      'the PFX has no MAC: nothing shows whether it was changed',
      'its certificates are encrypted with PBES2 (PBKDF2 with HMAC-SHA-1, AES-256-CBC), 2048 iterations',
    ]);
    // With a MAC: one password for the MAC and another for the contents (openssl -twopass) is not read.
    const content = tlv(0x30, part(2048, ecLeaf.der));
    const withMac = (password: string) => tlv(0x30, tlv(0x02, Buffer.from([3])), tlv(0x30, oid('2a864886f70d010701'), tlv(0xa0, tlv(0x04, content))), sha1MacData(password, content));
    expect((await read(withMac('x'), 'x', 'one.pfx')).certificates).toEqual([ecLeaf.der]);
    expect(await failure(withMac('other'), 'two.pfx', 'other')).toEqual({
      problem: 'wrong-password',
      message: 'two.pfx: the password opens its MAC but not its contents (a second password?), or the file is damaged',
    });
    // Each part costs two PBKDF2 blocks of MAX_KDF_ITERATIONS (a 32-byte key from 20-byte HMAC-SHA-1): the third is one too many.
    const big = part(MAX_KDF_ITERATIONS, ecLeaf.der);
    expect(2 * 2 * MAX_KDF_ITERATIONS).toBeLessThanOrEqual(MAX_KDF_WORK);
    expect(3 * 2 * MAX_KDF_ITERATIONS).toBeGreaterThan(MAX_KDF_WORK);
    expect(await failure(pfx(big, big, big), 'heavy.pfx', 'x')).toEqual({
      problem: 'too-much-work',
      message: `heavy.pfx needs more than ${MAX_KDF_WORK} key-derivation rounds in all: export it again with fewer iterations (OpenSSL's default is 2048)`,
    });
  });

  it('refuses a PFX with a MAC iteration count over the cap', async () => {
    const plain = file('ec-plain.pfx');
    const [version, authSafe] = derChildren(plain) as [Buffer, Buffer];
    const sha1 = tlv(0x30, tlv(0x06, Buffer.from([0x2b, 0x0e, 0x03, 0x02, 0x1a])), Buffer.from([0x05, 0x00]));
    const huge = tlv(0x02, Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    const pfx = tlv(0x30, version, authSafe, tlv(0x30, tlv(0x30, sha1, tlv(0x04, Buffer.alloc(20))), tlv(0x04, Buffer.alloc(8)), huge));
    expect(await failure(pfx, 'mac.pfx', 'x')).toEqual({
      problem: 'too-much-work',
      message: `mac.pfx asks for 2147483647 key-derivation iterations, more than mxray does (${MAX_KDF_ITERATIONS}): export it again with fewer (OpenSSL's default is 2048)`,
    });
  });
});

describe('readCertFile: bad input', () => {
  const formats = 'give a PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.pfx) certificate file';

  it('refuses a file over the size cap before parsing it', async () => {
    // A valid PEM, padded past the cap: refused for its size alone.
    const big = Buffer.concat([Buffer.from(ecLeaf.certPem), Buffer.alloc(MAX_CERT_FILE_BYTES + 1 - ecLeaf.certPem.length, 0x0a)]);
    expect(big.length).toBe(MAX_CERT_FILE_BYTES + 1);
    expect(await failure(big, 'big.pem')).toEqual({ problem: 'too-large', message: `big.pem is ${MAX_CERT_FILE_BYTES + 1} bytes, more than the 4 MiB a certificate file can be: ${formats}` });
    // At the cap exactly, it is read.
    expect((await read(big.subarray(0, MAX_CERT_FILE_BYTES), null, 'ok.pem')).certificates).toEqual([ecLeaf.der]);
    expect(isPkcs12(Buffer.concat([file('ec-modern.pfx'), Buffer.alloc(MAX_CERT_FILE_BYTES)]))).toBe(false);
  });

  it('refuses an empty file, random bytes, and text without a PEM block', async () => {
    expect(await failure(Buffer.alloc(0), 'empty.crt')).toEqual({ problem: 'empty', message: `empty.crt is empty: ${formats}` });
    const random = Buffer.concat([Buffer.from([0x8f]), randomBytes(512)]);
    expect(await failure(random, 'random.bin')).toEqual({ problem: 'unrecognised', message: `random.bin is neither PEM nor DER (it does not start with an ASN.1 SEQUENCE): ${formats}` });
    const text = Buffer.from('subject=CN = mx.example.test\r\nThis is not a certificate.\r\n\tMIIB…\n');
    expect(await failure(text, 'notes.txt')).toEqual({ problem: 'unrecognised', message: `notes.txt is text without a PEM block ("-----BEGIN CERTIFICATE-----"): ${formats}` });
    const sequence = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]);
    expect(await failure(sequence, 'seq.der')).toEqual({ problem: 'unrecognised', message: `seq.der is DER but neither a certificate, PKCS#7 nor PKCS#12 (a certificate request or a CRL?): ${formats}` });
    expect(await failure(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]), 'huge.der')).toEqual({
      problem: 'damaged',
      message: 'huge.der: the DER data says it is 4294967301 bytes long but the file has 7: the file is cut short; copy it again',
    });
    expect(await failure(Buffer.from([0x30, 0x80, 0x05, 0x00]), 'open.der')).toEqual({
      problem: 'damaged',
      message: `open.der starts like DER but is malformed: the file is damaged; copy it again, or ${formats}`,
    });
    for (const bytes of [random, Buffer.alloc(0), text, sequence]) expect(isPkcs12(bytes)).toBe(false);
  });

  it('refuses a PEM cut short (BEGIN without END), naming the block', async () => {
    const cut = rsaLeaf.certPem + ecLeaf.certPem.slice(0, 300);
    expect(await failure(Buffer.from(cut), 'cut.pem')).toEqual({
      problem: 'damaged',
      message: `cut.pem: PEM block 2 ("CERTIFICATE", line ${rsaLeaf.certPem.split('\n').length}) has no "-----END CERTIFICATE-----" line before the end of the file: the file is cut short or damaged; copy it again in full`,
    });
    const missing = ecLeaf.certPem.replace('-----END CERTIFICATE-----\n', '') + rsaLeaf.certPem;
    expect(await failure(Buffer.from(missing), 'missing.pem')).toEqual({
      problem: 'damaged',
      message: 'missing.pem: PEM block 1 ("CERTIFICATE", line 1) has no "-----END CERTIFICATE-----" line before the next block: the file is cut short or damaged; copy it again in full',
    });
    const key = ecLeaf.certPem + ecLeaf.keyPem.replace('-----END PRIVATE KEY-----', '');
    expect((await failure(Buffer.from(key), 'key.pem')).message).toBe(
      `key.pem: PEM block 2 ("PRIVATE KEY", line ${ecLeaf.certPem.split('\n').length}) has no "-----END PRIVATE KEY-----" line before the end of the file: the file is cut short or damaged; copy it again in full`,
    );
    expect(await failure(Buffer.from('-----BEGIN CERTIFICATE\nMIIB\n'), 'open.pem')).toEqual({
      problem: 'damaged',
      message: 'open.pem: PEM block 1 (line 1) has a BEGIN line not closed with "-----": the file is damaged; copy it again',
    });
  });

  it('refuses a PEM block that is not base64, or not one certificate', async () => {
    const bad = ecLeaf.certPem.replace(/^(MII.{10})/m, '$1*');
    expect(await failure(Buffer.from(bad), 'bad.pem')).toEqual({ problem: 'damaged', message: 'bad.pem: PEM block 1 ("CERTIFICATE", line 1) is not valid base64: the file is damaged; copy it again' });
    const longer = pem('CERTIFICATE', Buffer.concat([ecLeaf.der, Buffer.from([0, 0])]));
    expect(await failure(Buffer.from(longer), 'long.pem')).toEqual({
      problem: 'damaged',
      message: `long.pem: PEM block 1 ("CERTIFICATE", line 1) holds ${ecLeaf.der.length + 2} bytes but its certificate is ${ecLeaf.der.length} bytes long: the file is damaged; copy it again`,
    });
  });

  it('refuses a PEM with a private key and no certificate, saying exactly that', async () => {
    const message = "key.pem holds a private key but no certificate: give the certificate's file (or one with both)";
    expect(await failure(Buffer.from(ecLeaf.keyPem), 'key.pem')).toEqual({ problem: 'no-certificate', message });
    expect(await failure(file('ec-enc.key'), 'key.pem')).toEqual({ problem: 'no-certificate', message });
    expect(await failure(file('ec.csr'), 'req.pem')).toEqual({ problem: 'no-certificate', message: `req.pem holds no certificate: ${formats}` });
  });

  it('refuses more than 1000 PEM blocks', async () => {
    const many = Buffer.from(ecLeaf.certPem.repeat(1001));
    expect(await failure(many, 'many.pem')).toEqual({ problem: 'too-many', message: 'many.pem holds more than 1000 PEM blocks: give a file with the certificate and its chain only' });
    expect((await read(Buffer.from(ecLeaf.certPem.repeat(1000)), null, 'ok.pem')).certificates).toHaveLength(1000);
  });

  it('refuses more than 1000 certificates in a PKCS#7', async () => {
    const p7 = (count: number) =>
      tlv(0x30, tlv(0x06, Buffer.from('2a864886f70d010702', 'hex')), tlv(0xa0, tlv(0x30, tlv(0x02, Buffer.from([1])), tlv(0x31), tlv(0x30, tlv(0x06, Buffer.from('2a864886f70d010701', 'hex'))), tlv(0xa0, ...Array(count).fill(ecLeaf.der)), tlv(0x31))));
    expect((await read(p7(1000), null, 'ok.p7b')).certificates).toHaveLength(1000);
    expect(await failure(p7(1001), 'many.p7b')).toEqual({ problem: 'too-many', message: 'many.p7b holds more than 1000 certificates: give a file with the certificate and its chain only' });
  });

  it('refuses hostile ASN.1 quickly: too many elements, too deep', async () => {
    // An indefinite-length SEQUENCE of 300 000 NULLs: walking it to find its end exceeds the budget.
    const wide = Buffer.concat([Buffer.from([0x30, 0x80]), Buffer.alloc(600_000).fill(Buffer.from([0x05, 0x00])), Buffer.from([0, 0])]);
    expect(await failure(wide, 'wide.der')).toEqual({
      problem: 'too-much-work',
      message: `wide.der holds more than 200000 ASN.1 elements or nests them deeper than 32: not a certificate file mxray reads; ${formats}`,
    });
    const deep = Buffer.concat([Buffer.alloc(2000).fill(Buffer.from([0x30, 0x80])), Buffer.alloc(2000)]);
    expect((await failure(deep, 'deep.der')).problem).toBe('damaged');
    expect(isPkcs12(wide)).toBe(false);
    expect(isPkcs12(deep)).toBe(false);
  });
});

describe('keyMatchesCertificate', () => {
  it('is true for the key of the certificate and false for any other (RSA and EC)', () => {
    const rsaKey = createPrivateKey(rsaLeaf.keyPem);
    const ecKey = createPrivateKey(ecLeaf.keyPem);
    expect(keyMatchesCertificate(rsaKey, rsaLeaf.der)).toBe(true);
    expect(keyMatchesCertificate(ecKey, ecLeaf.der)).toBe(true);
    expect(keyMatchesCertificate(createPublicKey(ecKey), ecLeaf.der)).toBe(true);
    expect(keyMatchesCertificate(rsaKey, ecLeaf.der)).toBe(false);
    expect(keyMatchesCertificate(ecKey, rsaLeaf.der)).toBe(false);
    expect(keyMatchesCertificate(ecKey, otherLeaf.der)).toBe(false);
    expect(keyMatchesCertificate(createPrivateKey(otherLeaf.keyPem), ecLeaf.der)).toBe(false);
    expect(keyMatchesCertificate(ecKey, Buffer.from('not a certificate'))).toBe(false);
  });
});

describe('pickLeaf', () => {
  it('takes the certificate matching a private key, wherever it is', () => {
    const certs = [root.cert.der, inter.cert.der, ecLeaf.der];
    expect(pickLeaf(certs, [createPrivateKey(ecLeaf.keyPem)])).toEqual({ index: 2, why: 'certificate 3 matches the private key in the file' });
    // The intermediate's key picks the intermediate, even with the leaf in the file.
    expect(pickLeaf(certs, [createPrivateKey(inter.cert.keyPem)])).toEqual({ index: 1, why: 'certificate 2 matches the private key in the file' });
    expect(pickLeaf([ecLeaf.der, ecLeaf.der], [createPrivateKey(ecLeaf.keyPem)])).toEqual({
      index: 0,
      why: 'certificates 1, 2 all match the private key in the file; the first, certificate 1, was taken',
    });
    const twoKeys = [createPrivateKey(otherLeaf.keyPem), createPrivateKey(rsaLeaf.keyPem)];
    expect(pickLeaf([ecLeaf.der, rsaLeaf.der], twoKeys)).toEqual({ index: 1, why: 'certificate 2 matches a private key in the file' });
    expect(pickLeaf([inter.cert.der, ecLeaf.der], [createPrivateKey(otherLeaf.keyPem), createPrivateKey(root.cert.keyPem)])).toEqual({
      index: 1,
      why: 'no certificate matches any of the 2 private keys in the file; certificate 2 is not a CA and issued none of the others (the end entity)',
    });
  });

  it('without a matching key, takes the end entity of a chain in the wrong order', () => {
    expect(pickLeaf([root.cert.der, ecLeaf.der, inter.cert.der], [])).toEqual({ index: 1, why: 'certificate 2 is not a CA and issued none of the others (the end entity)' });
    expect(pickLeaf([inter.cert.der, root.cert.der, rsaLeaf.der], [createPrivateKey(otherLeaf.keyPem)])).toEqual({
      index: 2,
      why: 'no certificate matches the private key in the file; certificate 3 is not a CA and issued none of the others (the end entity)',
    });
    // CAs only: the one that issued none of the others.
    expect(pickLeaf([root.cert.der, inter.cert.der], [])).toEqual({ index: 1, why: 'certificate 2 issued none of the others (the end entity)' });
    expect(pickLeaf([ecLeaf.der], [])).toEqual({ index: 0, why: 'the file holds one certificate' });
  });

  it('prefers a certificate that is not a CA: a leaf beside a root that did not issue it (intermediate missing)', () => {
    expect(pickLeaf([root.cert.der, ecLeaf.der], [])).toEqual({ index: 1, why: 'certificate 2 is not a CA and issued none of the others (the end entity)' });
  });

  it('counts a certificate as issued only when its signature verifies, not for a name alone', async () => {
    // A certificate (not a CA) with the intermediate's name but another key, and no key identifier to tell them apart.
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const twin = await x509.X509CertificateGenerator.createSelfSigned({
      name: new x509.Name(readCertificateNames(inter.cert.der)?.subject as Buffer),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      notBefore: new Date(NOW - 86_400_000),
      notAfter: new Date(NOW + 86_400_000),
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
    });
    const twinDer = Buffer.from(twin.rawData);
    // By its name (and the missing key identifier) it looks like the leaf's issuer; its signature says no.
    expect(new X509Certificate(ecLeaf.der).checkIssued(new X509Certificate(twinDer))).toBe(true);
    expect(pickLeaf([twinDer, ecLeaf.der], [])).toEqual({
      index: 0,
      why: 'certificates 1, 2 are not CAs and issued none of the others; the first, certificate 1, was taken',
    });
  });

  it('takes the first of several end entities, and says so', () => {
    expect(pickLeaf([inter.cert.der, otherLeaf.der, ecLeaf.der], [])).toEqual({
      index: 1,
      why: 'certificates 2, 3 are not CAs and issued none of the others; the first, certificate 2, was taken',
    });
    expect(pickLeaf([otherLeaf.der, ecLeaf.der], [createPrivateKey(rsaLeaf.keyPem)])).toEqual({
      index: 0,
      why: 'no certificate matches the private key in the file; certificates 1, 2 are not CAs and issued none of the others; the first, certificate 1, was taken',
    });
  });

  it('stays quick over 1000 certificates of one name', async () => {
    // The same certificate 1000 times: named like the intermediate (no key identifiers), signed by another key than its own,
    // so by name each copy could have issued every other one and the leaf, and no signature says yes.
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const generate = async () => (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const [own, other] = [await generate(), await generate()];
    const name = new x509.Name(readCertificateNames(inter.cert.der)?.subject as Buffer);
    const odd = await x509.X509CertificateGenerator.create({
      subject: name,
      issuer: name,
      publicKey: own.publicKey,
      signingKey: other.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      notBefore: new Date(NOW - 86_400_000),
      notAfter: new Date(NOW + 86_400_000),
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const many = Array.from({ length: 1000 }, () => Buffer.from(odd.rawData));
    const started = performance.now();
    expect(pickLeaf([...many, ecLeaf.der], [])).toEqual({ index: 1000, why: 'certificate 1001 is not a CA and issued none of the others (the end entity)' });
    // 1000 × 8 signature checks at most; every pair would be a million (a minute).
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('refuses an empty list', () => {
    expect(() => pickLeaf([], [])).toThrow(RangeError);
  });
});
