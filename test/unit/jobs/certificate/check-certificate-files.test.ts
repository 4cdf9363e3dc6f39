// runCertificateCheck on certificate files, through the library API with every edge injected: a
// fixed clock, a trust store of a test root, an in-test HTTP fetcher that records what it is asked.
// The certificates and keys are made at test time (test/helpers/chain-pki.ts). What is checked: which
// file is the certificate, which are its chain and its keys, the leaf picked and why, the report
// envelope and the facts of every file, and the input checks of --name and --tlsa.
import { createHash, createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import type { Clock } from '../../../../src/core/context.js';
import { UsageError } from '../../../../src/core/errors.js';
import type { CertificateReport, Finding } from '../../../../src/core/schema.js';
import { SCHEMA_VERSION, VERSION } from '../../../../src/core/version.js';
import type { FetchRequest, HttpFetcher } from '../../../../src/http/fetcher.js';
import { runCertificateCheck, type CertFileInput, type CertificateOptions } from '../../../../src/jobs/certificate/check-certificate.js';
import type { ReceiverEdges } from '../../../../src/jobs/receiver/check-receiver.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { certify, party, pemOf, type Party } from '../../../helpers/chain-pki.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const NOW_ISO = '2026-11-27T12:00:00.000Z';
const CRL_URL = 'http://crl.example.test/int.crl';

let root: Buffer;
let int: Buffer;
let leaf: Buffer;
let other: Buffer;
let crlLeaf: Buffer;
let leafKeyPem: string;
let otherKeyPem: string;
let rootPem: string;

async function keyPem(p: Party): Promise<string> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', p.keys.privateKey));
  return `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

beforeAll(async () => {
  const rootP = await party('CN=mxray files root');
  const intP = await party('CN=mxray files intermediate');
  const leafP = await party('CN=mail.example.test');
  const otherP = await party('CN=other.example.test');
  const crlP = await party('CN=crl.example.test');
  root = await certify(rootP, rootP, 'ca', NOW);
  int = await certify(intP, rootP, 'ca', NOW);
  leaf = await certify(leafP, intP, 'leaf', NOW, { dnsNames: ['mail.example.test', 'mx.example.test'] });
  other = await certify(otherP, otherP, 'leaf', NOW, { dnsNames: ['other.example.test'] });
  crlLeaf = await certify(crlP, intP, 'leaf', NOW, { dnsNames: ['crl.example.test'], extensions: [new x509.CRLDistributionPointsExtension([CRL_URL])] });
  leafKeyPem = await keyPem(leafP);
  otherKeyPem = await keyPem(otherP);
  rootPem = pemOf([root]);
});

const trustStore = () => createTrustStore([rootPem], 'test root');

/** The edges a test does not give: no fetcher; a clock and trust store only the default-edges test uses. */
function defaults(): ReceiverEdges {
  return { clock: fixedClock(NOW), trustStore: createTrustStore([], 'empty') } as unknown as ReceiverEdges;
}

function file(name: string, role: CertFileInput['role'], text: string | Buffer): CertFileInput {
  return { name, role, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text) };
}

function check(options: CertificateOptions): Promise<CertificateReport> {
  return runCertificateCheck({ clock: fixedClock(NOW), trustStore: trustStore(), ...options }, defaults);
}

async function refusal(options: CertificateOptions): Promise<string> {
  const error = await check(options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return (error as UsageError).message;
}

const ids = (r: { findings: Finding[] }) => r.findings.map((f) => f.id).sort();
const b64 = (der: Buffer) => der.toString('base64');
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('one certificate, its chain in another file', () => {
  it('reads both, judges the certificate once, and reports every fact of the envelope and the files', async () => {
    const progress: [string, string][] = [];
    const leafPem = pemOf([leaf]);
    const intPem = pemOf([int]);
    const r = await check({
      files: [file('leaf.pem', 'certificate', leafPem), file('int.pem', 'chain', intPem)],
      names: [' Mail.Example.Test. '],
      onProgress: (key, phase) => progress.push([key, phase]),
    });
    expect(r.schemaVersion).toBe(SCHEMA_VERSION);
    expect(r.tool).toEqual({ name: 'mxray', version: VERSION });
    expect(r.kind).toBe('certificate');
    expect(r.target).toBe('leaf.pem');
    expect(r.startedAt).toBe(NOW_ISO);
    expect(r.durationMs).toBe(0);
    expect(r.verdict).toBe('pass');
    expect(r.judgedWith.at).toBe(NOW_ISO);
    expect(r.transcript).toEqual([]);
    // No fetcher: nothing is looked up, and no progress says so.
    expect(progress).toEqual([]);
    expect(ids(r)).toEqual(['cert.ok']);
    expect(r.findings[0]!.evidence).toEqual([]);
    expect(r.findings[0]!.hosts).toEqual(['leaf.pem']);
    expect(r.body.input).toEqual({
      kind: 'files',
      files: [
        { name: 'leaf.pem', role: 'certificate', format: 'pem', bytes: leafPem.length, sha256: sha256(leafPem), certificates: 1, privateKeys: 0, lockedKeys: 0, notes: [] },
        { name: 'int.pem', role: 'chain', format: 'pem', bytes: intPem.length, sha256: sha256(intPem), certificates: 1, privateKeys: 0, lockedKeys: 0, notes: [] },
      ],
      target: null,
    });
    expect(r.body.names).toEqual(['mail.example.test']);
    expect(r.body.revocationChecked).toBe(true);
    expect(r.body.subjects).toHaveLength(1);
    const s = r.body.subjects[0]!;
    expect([s.label, s.origin, s.host, s.handshake, s.leafWhy, s.key]).toEqual(['leaf.pem', 'file', null, null, null, null]);
    expect(s.chain).toEqual([b64(leaf), b64(int)]);
    expect(s.names).toEqual([{ name: 'mail.example.test', covered: true }]);
    expect([s.verdict.trusted, s.verdict.checkedName, s.verdict.nameMatches, s.verdict.sentCount]).toEqual([true, 'mail.example.test', true, 2]);
    expect(s.verdict.path.map((c) => c.commonName)).toEqual(['mail.example.test', 'mxray files intermediate', 'mxray files root']);
  });

  it('without --name: no name is checked on the verdict', async () => {
    const r = await check({ files: [file('leaf.pem', 'certificate', pemOf([leaf])), file('int.pem', 'chain', pemOf([int]))] });
    const v = r.body.subjects[0]!.verdict;
    expect([v.checkedName, v.nameMatches, v.trusted]).toEqual([null, null, true]);
    expect(r.body.names).toEqual([]);
    expect(r.body.subjects[0]!.names).toEqual([]);
  });

  it('a name the certificate does not cover: checked on the verdict, and a finding', async () => {
    const r = await check({ files: [file('leaf.pem', 'certificate', pemOf([leaf, int]))], names: ['smtp.example.test'] });
    const v = r.body.subjects[0]!.verdict;
    expect([v.checkedName, v.nameMatches]).toEqual(['smtp.example.test', false]);
    expect(ids(r)).toEqual(['cert.leaf-guessed', 'cert.name-mismatch']);
  });

  it('--no-revocation is said in the report', async () => {
    const r = await check({ files: [file('leaf.pem', 'certificate', pemOf([leaf, int]))], revocation: false });
    expect(r.body.revocationChecked).toBe(false);
  });
});

describe('which certificate of a file is the leaf', () => {
  it('a bundle without a key: the end entity is taken, with a note saying it was guessed', async () => {
    const r = await check({ files: [file('bundle.pem', 'certificate', pemOf([int, leaf]))] });
    const s = r.body.subjects[0]!;
    expect(s.chain).toEqual([b64(leaf), b64(int)]);
    expect(s.leafWhy).toBe('certificate 2 is not a CA and issued none of the others (the end entity)');
    expect(s.key).toBeNull();
    expect(ids(r)).toEqual(['cert.leaf-guessed', 'cert.ok']);
    const guessed = r.findings.find((f) => f.id === 'cert.leaf-guessed')!;
    expect(guessed.facts).toEqual({ host: 'bundle.pem', count: 2, why: 'certificate 2 is not a CA and issued none of the others (the end entity)' });
  });

  it('two unrelated certificates: the first non-CA is taken, and said to be guessed', async () => {
    const r = await check({ files: [file('two.pem', 'certificate', pemOf([root, other]))] });
    expect(r.body.subjects[0]!.chain).toEqual([b64(other), b64(root)]);
    expect(r.body.subjects[0]!.leafWhy).toBe('certificate 2 is not a CA and issued none of the others (the end entity)');
    expect(ids(r)).toEqual(['cert.leaf-guessed', 'cert.self-signed']);
  });

  it('a bundle with the private key: the certificate of the key is the leaf, nothing is guessed, the key matches', async () => {
    const text = pemOf([int, leaf]) + leafKeyPem;
    const r = await check({ files: [file('full.pem', 'certificate', text)] });
    const s = r.body.subjects[0]!;
    expect(s.chain).toEqual([b64(leaf), b64(int)]);
    expect(s.leafWhy).toBe('certificate 2 matches the private key in the file');
    expect(s.key).toEqual({ file: 'full.pem', matches: true });
    expect(ids(r)).toEqual(['cert.key-matches', 'cert.ok']);
    expect(r.body.input.files.map((f) => [f.certificates, f.privateKeys, f.notes])).toEqual([[2, 1, ['a private key (PKCS#8, EC P-256) is in the file too']]]);
  });

  it('one certificate and two --key files: the key files are named in order, and the one that matches is found', async () => {
    const r = await check({
      files: [file('leaf.pem', 'certificate', pemOf([leaf])), file('other.key', 'key', otherKeyPem), file('leaf.key', 'key', leafKeyPem), file('int.pem', 'chain', pemOf([int]))],
    });
    expect(r.target).toBe('leaf.pem');
    expect(r.body.subjects).toHaveLength(1);
    const s = r.body.subjects[0]!;
    expect(s.chain).toEqual([b64(leaf), b64(int)]);
    expect(s.key).toEqual({ file: 'other.key, leaf.key', matches: true });
    expect(s.leafWhy).toBe('certificate 1 matches a private key in the file');
    expect(ids(r)).toEqual(['cert.key-matches', 'cert.ok']);
    expect(r.body.input.files.map((f) => [f.name, f.role, f.certificates, f.privateKeys])).toEqual([
      ['leaf.pem', 'certificate', 1, 0],
      ['other.key', 'key', 0, 1],
      ['leaf.key', 'key', 0, 1],
      ['int.pem', 'chain', 1, 0],
    ]);
  });

  it('a --key file of another key: the key does not match', async () => {
    const r = await check({ files: [file('leaf.pem', 'certificate', pemOf([leaf, int])), file('other.key', 'key', otherKeyPem)] });
    expect(r.body.subjects[0]!.key).toEqual({ file: 'other.key', matches: false });
    expect(r.body.subjects[0]!.leafWhy).toBe('no certificate matches the private key in the file; certificate 1 is not a CA and issued none of the others (the end entity)');
    expect(ids(r)).toEqual(['cert.key-mismatch', 'cert.ok']);
  });

  it('an encrypted --key file is opened with the password', async () => {
    const locked = createPrivateKey(leafKeyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 's3cret' }) as string;
    const r = await check({ files: [file('leaf.pem', 'certificate', pemOf([leaf, int])), file('leaf.key', 'key', locked)], password: 's3cret' });
    expect(r.body.subjects[0]!.key).toEqual({ file: 'leaf.key', matches: true });
    expect(r.body.input.files[1]!.privateKeys).toBe(1);
  });

  it('a certificate file that holds only a key is refused, naming the file', async () => {
    expect(await refusal({ files: [file('leaf.key', 'certificate', leafKeyPem)] })).toBe("leaf.key holds a private key but no certificate: give the certificate's file (or one with both)");
  });
});

describe('several files', () => {
  it('only chain files: nothing to judge, inconclusive', async () => {
    const r = await check({ files: [file('int.pem', 'chain', pemOf([int]))] });
    expect(r.body.subjects).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe('inconclusive');
    expect(r.target).toBe('');
  });

  it('two certificate files: both judged, both named in the target; the same finding twice is reported once', async () => {
    const pem = pemOf([leaf, int]);
    const r = await check({ files: [file('a.pem', 'certificate', pem), file('b.pem', 'certificate', pem), file('a.pem', 'certificate', pem)] });
    expect(r.target).toBe('a.pem b.pem a.pem');
    expect(r.body.subjects.map((s) => s.label)).toEqual(['a.pem', 'b.pem', 'a.pem']);
    expect(r.findings.map((f) => [f.id, f.hosts])).toEqual([
      ['cert.leaf-guessed', ['a.pem']],
      ['cert.leaf-guessed', ['b.pem']],
      ['cert.ok', ['a.pem']],
      ['cert.ok', ['b.pem']],
    ]);
  });

  it('the facts of a file keep its first 50 notes', async () => {
    const junk = Array.from({ length: 51 }, (_, i) => `-----BEGIN JUNK ${i + 1}-----\nAAAA\n-----END JUNK ${i + 1}-----\n`).join('');
    const first = pemOf([leaf]);
    const r = await check({ files: [file('junk.pem', 'certificate', first + junk)] });
    // Junk block n starts on the line after the certificate's, three lines after the one before.
    const lineOf = (n: number) => first.split('\n').length + 3 * (n - 1);
    expect(r.body.input.files[0]!.notes).toEqual(Array.from({ length: 50 }, (_, i) => `PEM block ${i + 2} ("JUNK ${i + 1}", line ${lineOf(i + 1)}) is not a certificate or a private key: skipped`));
  });

  it('at most 64 certificate files are judged', async () => {
    const files = Array.from({ length: 65 }, (_, i) => file(`c${i + 1}.pem`, 'certificate', pemOf([other])));
    const r = await check({ files });
    expect(r.body.subjects.map((s) => s.label)).toEqual(files.slice(0, 64).map((f) => f.name));
    expect(r.body.input.files).toHaveLength(65);
  });
});

describe('edges', () => {
  it('lookups go to the fetcher with the time-out and signal given, and say so as progress', async () => {
    const asked: FetchRequest[] = [];
    let mono = 1000;
    const base = fixedClock(NOW);
    const clock: Clock = { now: base.now, sleep: base.sleep, monotonic: () => mono };
    const fetcher: HttpFetcher = {
      fetch(request) {
        asked.push(request);
        mono += 1.23456;
        return Promise.resolve({ status: 404, headers: {}, body: Buffer.alloc(0), url: request.url, address: '192.0.2.80', redirects: [] });
      },
    };
    const signal = new AbortController().signal;
    const progress: [string, string][] = [];
    const r = await check({
      files: [file('crl.pem', 'certificate', pemOf([crlLeaf, int]))],
      clock,
      fetcher,
      signal,
      fetchTimeoutMs: 4321,
      onProgress: (key, phase) => progress.push([key, phase]),
    });
    expect(progress).toEqual([['crl.pem', 'certificate lookups']]);
    expect(asked.map((a) => [a.url, a.timeoutMs, a.signal === signal])).toEqual([[CRL_URL, 4321, true]]);
    expect(r.durationMs).toBe(1.235);
    expect(ids(r)).toEqual(['cert.crl-unreachable', 'cert.leaf-guessed', 'cert.no-revocation-info']);
  });

  it('a fetcher without a time-out or signal given: neither is passed on', async () => {
    const asked: FetchRequest[] = [];
    const fetcher: HttpFetcher = {
      fetch(request) {
        asked.push(request);
        return Promise.resolve({ status: 404, headers: {}, body: Buffer.alloc(0), url: request.url, address: '192.0.2.80', redirects: [] });
      },
    };
    await check({ files: [file('crl.pem', 'certificate', pemOf([crlLeaf, int]))], fetcher });
    expect(asked.map((a) => [a.url, a.timeoutMs, 'signal' in a])).toEqual([[CRL_URL, 15_000, false]]);
  });

  it('the clock and trust store left out come from the defaults, asked once', async () => {
    let calls = 0;
    const later = NOW + 3_600_000;
    const r = await runCertificateCheck({ files: [file('leaf.pem', 'certificate', pemOf([leaf, int]))] }, () => {
      calls++;
      return { clock: fixedClock(later), trustStore: createTrustStore([rootPem], 'default roots') } as unknown as ReceiverEdges;
    });
    expect(calls).toBe(1);
    expect(r.startedAt).toBe('2026-11-27T13:00:00.000Z');
    expect(r.judgedWith.trustStore.description).toBe('default roots');
    expect(r.body.subjects[0]!.verdict.trusted).toBe(true);
  });
});

describe('input checks', () => {
  it('neither files nor a target', async () => {
    expect(await refusal({})).toBe('say what to check: mxray cert <file… | host[:port] | domain>');
  });

  it('files and a target', async () => {
    expect(await refusal({ files: [file('leaf.pem', 'certificate', pemOf([leaf]))], target: 'example.test' })).toBe('give certificate files or a host/domain, not both');
  });

  const leafFile = () => [file('leaf.pem', 'certificate', pemOf([leaf, int]))];

  it('64 --name values are taken, 65 are refused', async () => {
    const names = Array.from({ length: 65 }, (_, i) => `n${i}.example.test`);
    const r = await check({ files: leafFile(), names: names.slice(0, 64) });
    expect(r.body.names).toEqual(names.slice(0, 64));
    expect(await refusal({ files: leafFile(), names })).toBe('at most 64 --name values');
  });

  it('IP addresses and wildcards are names', async () => {
    const r = await check({ files: leafFile(), names: ['2001:DB8::1', '192.0.2.1', '*.example.test', 'mx_1.example.test'] });
    expect(r.body.names).toEqual(['2001:db8::1', '192.0.2.1', '*.example.test', 'mx_1.example.test']);
  });

  for (const bad of ['-mail.example.test', 'mail.example.test!', 'mail example.test', 'mail..example.test', '.']) {
    it(`--name ${JSON.stringify(bad)} is refused`, async () => {
      expect(await refusal({ files: leafFile(), names: [bad] })).toBe(`--name ${JSON.stringify(bad)} is not a host name or IP address`);
    });
  }

  it('a long bad --name is shown cut to 80 characters', async () => {
    const bad = `${'a'.repeat(90)}!`;
    expect(await refusal({ files: leafFile(), names: [bad] })).toBe(`--name "${'a'.repeat(80)}" is not a host name or IP address`);
  });

  it('a TLSA record that matches the key, and one that does not', async () => {
    const spki = sha256(new X509Certificate(leaf).publicKey.export({ type: 'spki', format: 'der' }));
    const good = await check({ files: leafFile(), tlsa: [`3 1 1 ${spki}`] });
    expect(good.body.subjects[0]!.tlsa.map((t) => [t.record, t.matches])).toEqual([[`3 1 1 ${spki.toUpperCase()}`, true]]);
    expect(ids(good)).toEqual(['cert.leaf-guessed', 'cert.ok', 'cert.tlsa-match']);
    const bad = await check({ files: leafFile(), tlsa: [`3 1 1 ${'00'.repeat(32)}`] });
    expect(ids(bad)).toEqual(['cert.leaf-guessed', 'cert.ok', 'cert.tlsa-mismatch']);
  });

  it('64 --tlsa values are taken, 65 are refused', async () => {
    const records = Array.from({ length: 65 }, (_, i) => `3 1 1 ${i.toString(16).padStart(64, '0')}`);
    const r = await check({ files: leafFile(), tlsa: records.slice(0, 64) });
    expect(r.body.subjects[0]!.tlsa).toHaveLength(64);
    expect(await refusal({ files: leafFile(), tlsa: records })).toBe('at most 64 --tlsa values');
  });

  it('a TLSA record that cannot be read is refused with the reason', async () => {
    expect(await refusal({ files: leafFile(), tlsa: ['3 1 1 zz'] })).toBe('--tlsa: "3 1 1 zz" is not a TLSA record: write it as "3 1 1 <hex>" (usage, selector, matching type, data)');
  });
});
