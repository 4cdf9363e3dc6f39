// judgeSubject (what `mxray cert` asks of one certificate beyond the receiver test's judge), called
// directly with real certificates from the test PKI, made per run: the names asked about, the
// private key, TLSA records, the senders asked about, the prior findings of the receiver test,
// the chain kept in the subject. Findings are compared whole: id, severity, hosts, evidence, facts.
import { createHash, createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { covers, judgeSubject, type SubjectInput } from '../../../src/checks/certificate/subject.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type { CertVerdict, Finding } from '../../../src/core/schema.js';
import { createRootCa, DAY_MS, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { makeFinding } from '../../../src/kb/index.js';
import { describeCertificate } from '../../../src/pki/certificate.js';
import { readSubjectPublicKeyInfo } from '../../../src/pki/der.js';
import type { TlsaRecord } from '../../../src/pki/tlsa.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { verifyChain } from '../../../src/pki/verify.js';

const NOW = Date.UTC(2026, 5, 1);
const MX = 'mx1.example.test';
const LABEL = 'mx1.example.test[192.0.2.25]:25, with SNI';

let root: TestCa;
let issuing: TestCa;
/** Issued by the intermediate: DNS names mx1 and mx2, and an IP address. */
let leaf: IssuedCert;
let other: IssuedCert;
/** A certificate with a CN and no subjectAltName at all; one with neither. */
let cnOnly: Buffer;
let noNames: Buffer;

/** A self-signed certificate with the given subject and no extensions (no SAN): @peculiar/x509 directly. */
async function bareCertificate(name: string): Promise<Buffer> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore: new Date(NOW - DAY_MS),
    notAfter: new Date(NOW + 300 * DAY_MS),
    keys,
    signingAlgorithm: alg,
  });
  return Buffer.from(cert.rawData);
}

beforeAll(async () => {
  root = await createRootCa('Subject Test Root', NOW);
  issuing = await root.intermediate('Subject Test Issuing CA');
  leaf = await issuing.issue({ commonName: MX, dnsNames: [MX, 'mx2.example.test'], ipAddresses: ['192.0.2.25'] });
  other = await issuing.issue({ commonName: 'other.example.test' });
  cnOnly = await bareCertificate('CN=cn-only.example.test, O=Test');
  noNames = await bareCertificate('O=Nameless Org');
});

const trustStore = () => createTrustStore([root.cert.certPem], 'subject test root');
const chainOf = (): Buffer[] => [leaf.der, issuing.cert.der];
const verdictOf = (chain: Buffer[], name: string | null = null): CertVerdict => verifyChain({ chain, trustStore: trustStore(), now: NOW, name, domain: null });
const key = (c: IssuedCert): KeyObject => createPrivateKey(c.keyPem);
const spkiSha256 = (der: Buffer): Buffer => createHash('sha256').update(readSubjectPublicKeyInfo(der) as Buffer).digest();
const hex = (b: Buffer): string => b.toString('hex').toUpperCase();

function subjectInput(o: Partial<SubjectInput> = {}): SubjectInput {
  const chain = o.chain ?? chainOf();
  return {
    label: LABEL,
    origin: 'handshake',
    host: 'mx1.example.test[192.0.2.25]:25',
    handshake: 'sni',
    chain,
    leafWhy: null,
    guessed: null,
    verdict: verdictOf(chain, MX),
    names: [],
    mxHost: MX,
    domain: 'example.test',
    key: null,
    tlsa: [],
    ocspStapled: null,
    prior: [],
    evidence: [4, 5],
    ...o,
  };
}

type Senders = readonly string[];
const judging = (o: { senders?: Senders; revocationChecked?: boolean } = {}) => ({
  profile: DEFAULT_PROFILE,
  warnDays: 30,
  expectThumbprint: null,
  now: NOW,
  revocationChecked: o.revocationChecked ?? false,
  senders: o.senders ?? [],
});

/** Each finding as [id, severity, hosts, evidence, facts]. */
const whole = (findings: Finding[]) => findings.map((f) => [f.id, f.severity, f.hosts, f.evidence, f.facts]);
const F = (id: string, severity: string, facts: Record<string, unknown>) => [id, severity, [LABEL], [4, 5], { host: LABEL, ...facts }];

describe('covers', () => {
  it('an IP literal is covered by an IP address in the SAN only, a DNS name by RFC 6125', () => {
    const info = describeCertificate(leaf.der, 'sent');
    expect([covers(info, '192.0.2.25'), covers(info, '192.0.2.26'), covers(info, 'mx2.example.test'), covers(info, 'mx3.example.test')]).toEqual([true, false, true, false]);
  });
});

describe('judgeSubject: the findings the subject starts from', () => {
  it('a handshake subject starts from the receiver test\'s findings, not from judging the verdict again', () => {
    const prior = [makeFinding('cert.self-signed', { host: 'h', subject: 'x' }, [1], ['h'])];
    const judged = judgeSubject(subjectInput({ prior }), judging());
    expect(judged.findings).toEqual(prior);
    // A copy: the caller's list is left as it was.
    expect(judged.findings).not.toBe(prior);
  });

  it('a file subject is judged here, with the normal handshake (no handshake fact), by the file name', () => {
    const judged = judgeSubject(subjectInput({ origin: 'file', label: 'server.pem', host: null, handshake: null, mxHost: null, domain: null, evidence: [] }), judging());
    expect(judged.findings.map((f) => [f.id, f.hosts, f.facts])).toEqual([
      ['cert.ok', ['server.pem'], { host: 'server.pem', subject: MX, issuer: 'Subject Test Issuing CA', notAfter: new Date(NOW + 365 * DAY_MS).toISOString() }],
    ]);
  });

  it('a file of several certificates and no key: a note of which was taken', () => {
    const judged = judgeSubject(subjectInput({ guessed: { count: 3, why: 'the first one' } }), judging());
    expect(whole(judged.findings)).toEqual([F('cert.leaf-guessed', 'info', { count: 3, why: 'the first one' })]);
    expect(judgeSubject(subjectInput({ guessed: null }), judging()).findings).toEqual([]);
  });
});

describe('judgeSubject: the names asked about', () => {
  it('a handshake subject: the MX host and the domain are left to the receiver test, any other name is checked here', () => {
    const judged = judgeSubject(subjectInput({ names: ['mx9.example.test', 'example.test', 'mx2.example.test', 'smtp.example.test', '192.0.2.25', '192.0.2.26'], mxHost: 'mx9.example.test' }), judging());
    const certNames = 'mx1.example.test, mx2.example.test, 192.0.2.25';
    expect(whole(judged.findings)).toEqual([
      F('cert.name-mismatch', 'error', { name: 'smtp.example.test', certNames }),
      F('cert.name-mismatch', 'error', { name: '192.0.2.26', certNames }),
    ]);
    expect(judged.subject.names).toEqual([
      { name: 'mx9.example.test', covered: false },
      { name: 'example.test', covered: false },
      { name: 'mx2.example.test', covered: true },
      { name: 'smtp.example.test', covered: false },
      { name: '192.0.2.25', covered: true },
      { name: '192.0.2.26', covered: false },
    ]);
  });

  it('a file subject: every name asked about is checked here, the MX host and the domain too', () => {
    const judged = judgeSubject(subjectInput({ origin: 'file', names: ['mx9.example.test', 'example.test'], mxHost: 'mx9.example.test', domain: 'example.test' }), judging());
    const certNames = 'mx1.example.test, mx2.example.test, 192.0.2.25';
    expect(whole(judged.findings.filter((f) => f.id === 'cert.name-mismatch'))).toEqual([
      F('cert.name-mismatch', 'error', { name: 'mx9.example.test', certNames }),
      F('cert.name-mismatch', 'error', { name: 'example.test', certNames }),
    ]);
  });

  it('the certificate\'s names in the finding: its CN without a SAN, "(none)" without either', () => {
    const names = (der: Buffer) =>
      judgeSubject(subjectInput({ chain: [der], names: ['smtp.example.test'] }), judging()).findings.map((f) => [f.id, f.facts.certNames]);
    expect(names(cnOnly)).toEqual([['cert.name-mismatch', 'cn-only.example.test']]);
    expect(names(noNames)).toEqual([['cert.name-mismatch', '(none)']]);
  });
});

describe('judgeSubject: the private key', () => {
  it('a key file with the certificate\'s key among others: it matches', () => {
    const judged = judgeSubject(subjectInput({ key: { file: 'server.key', keys: [key(other), key(leaf)] } }), judging());
    expect(whole(judged.findings)).toEqual([F('cert.key-matches', 'ok', { keyFile: 'server.key', subject: MX })]);
    expect(judged.subject.key).toEqual({ file: 'server.key', matches: true });
  });

  it('a key file without it: a mismatch', () => {
    const judged = judgeSubject(subjectInput({ key: { file: 'other.key', keys: [key(other)] } }), judging());
    expect(whole(judged.findings)).toEqual([F('cert.key-mismatch', 'error', { keyFile: 'other.key', subject: MX })]);
    expect(judged.subject.key).toEqual({ file: 'other.key', matches: false });
  });

  it('no key given: no finding, and null in the subject', () => {
    const judged = judgeSubject(subjectInput(), judging());
    expect(judged.findings).toEqual([]);
    expect(judged.subject.key).toBeNull();
  });
});

describe('judgeSubject: TLSA records', () => {
  const record = (usage: number, der: Buffer): TlsaRecord => ({ usage, selector: 1, matchingType: 1, data: spkiSha256(der) });

  it('DANE-EE and DANE-TA records that match: a match naming only those; PKIX-EE and a stale record do not count', () => {
    const records = [record(3, leaf.der), record(1, leaf.der), record(2, issuing.cert.der), record(3, other.der)];
    const judged = judgeSubject(subjectInput({ tlsa: records }), judging());
    const text = (r: TlsaRecord) => `${r.usage} 1 1 ${hex(r.data)}`;
    expect(whole(judged.findings)).toEqual([F('cert.tlsa-match', 'ok', { records: `${text(records[0] as TlsaRecord)}; ${text(records[2] as TlsaRecord)}`, subject: MX })]);
    expect(judged.subject.tlsa).toEqual([
      { record: text(records[0] as TlsaRecord), matches: true, certificate: 0, detail: 'matches the server certificate' },
      { record: text(records[1] as TlsaRecord), matches: false, certificate: 0, detail: 'PKIX-EE records are not used for SMTP (RFC 7672 §3.1.3): senders treat them as unusable' },
      { record: text(records[2] as TlsaRecord), matches: true, certificate: 1, detail: 'matches certificate 1 of the chain sent' },
      { record: text(records[3] as TlsaRecord), matches: false, certificate: null, detail: 'does not match the server certificate' },
    ]);
  });

  it('no record that matches: a mismatch naming every record', () => {
    const records = [record(3, other.der), record(1, leaf.der)];
    const judged = judgeSubject(subjectInput({ tlsa: records }), judging());
    expect(whole(judged.findings)).toEqual([F('cert.tlsa-mismatch', 'error', { records: `3 1 1 ${hex(spkiSha256(other.der))}; 1 1 1 ${hex(spkiSha256(leaf.der))}`, subject: MX })]);
  });

  it('no records: no TLSA finding', () => {
    const judged = judgeSubject(subjectInput({ tlsa: [] }), judging());
    expect([judged.findings, judged.subject.tlsa]).toEqual([[], []]);
  });
});

describe('judgeSubject: the senders asked about', () => {
  const NO_REVOCATION = 'Revocation was not checked (--no-revocation): Exchange refuses a certificate whose revocation it cannot check.';

  it('only the rows asked about; a no and an unknown are findings, a yes is not', () => {
    // Exchange Server needs revocation (not checked here): unknown. Postfix-verify with an MX name the certificate lacks: no.
    const judged = judgeSubject(subjectInput({ mxHost: 'mx9.example.test' }), judging({ senders: ['opportunistic', 'postfix-verify', 'exchange-server'] }));
    expect(judged.subject.acceptance.map((a) => [a.profile, a.accepts])).toEqual([
      ['opportunistic', 'yes'],
      ['postfix-verify', 'no'],
      ['exchange-server', 'unknown'],
    ]);
    expect(whole(judged.findings)).toEqual([
      F('cert.sender-refuses', 'error', {
        sender: 'Postfix, level verify',
        reason: 'The MX host name mx9.example.test is not on the certificate (names: mx1.example.test, mx2.example.test).',
      }),
      F('cert.sender-unknown', 'warning', { sender: 'Exchange Server, validating', reason: NO_REVOCATION }),
    ]);
  });

  it('no senders asked about: every row, and no finding', () => {
    const judged = judgeSubject(subjectInput({ mxHost: 'mx9.example.test' }), judging());
    expect(judged.subject.acceptance.map((a) => a.profile)).toEqual(['opportunistic', 'postfix-verify', 'postfix-secure', 'exim-verify', 'exchange-server', 'exchange-online', 'dane']);
    expect(judged.findings).toEqual([]);
  });

  it('Exchange\'s connector names: a handshake subject leaves out the MX host and the domain, a file subject does not', () => {
    const exchange = (o: Partial<SubjectInput>) => {
      const row = judgeSubject(subjectInput(o), judging({ senders: ['exchange-server'] })).subject.acceptance[0];
      return [row?.accepts, row?.reasons[0]];
    };
    const noName = ['unknown', NO_REVOCATION];
    const notCovered = (name: string) => ['no', `The connector name ${name} is not on the certificate (names: mx1.example.test, mx2.example.test).`];
    // Neither the MX host nor the domain is on the certificate.
    const both = { names: ['mx9.example.test', 'example.test'], mxHost: 'mx9.example.test', domain: 'example.test' };
    expect(exchange({ ...both })).toEqual(noName);
    expect(exchange({ ...both, origin: 'file' })).toEqual(notCovered('mx9.example.test'));
    expect(exchange({ ...both, names: ['example.test'], origin: 'file' })).toEqual(notCovered('example.test'));
    expect(exchange({ ...both, names: ['mx9.example.test'] })).toEqual(noName);
    // Another name is a connector name in both.
    expect(exchange({ ...both, names: [...both.names, 'smtp.example.test'] })).toEqual(notCovered('smtp.example.test'));
  });
});

describe('judgeSubject: the chain kept', () => {
  it('in base64, the first 64 certificates', () => {
    const chain = Array.from({ length: 65 }, (_, i) => (i % 2 === 0 ? leaf.der : issuing.cert.der));
    const judged = judgeSubject(subjectInput({ chain, verdict: verdictOf(chainOf(), MX) }), judging());
    expect(judged.subject.chain).toEqual(chain.slice(0, 64).map((c) => c.toString('base64')));
    expect(judged.subject.chain).toHaveLength(64);
  });
});
