// The host judge from recorded facts alone: every branch that turns facts (and what the checks
// made of them) into findings and a verdict, without a network. Certificates are real ones from the
// test PKI, verified with pki/verify as assessFacts does, so the host judge sees the certificate
// findings a real run gets.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { assessFacts, assessHost, isRateLimitReply, judgeHost, type Evidence, type HostJudgeContext } from '../../../src/checks/host.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type {
  CertVerdict,
  EnvelopeOutcome,
  EnvelopeStep,
  Finding,
  HandshakeFailure,
  HostAssessment,
  HostFacts,
  LegacyCause,
  LegacyRetry,
  ReplyFacts,
  TlsFacts,
  TranscriptEvent,
} from '../../../src/core/schema.js';
import { createRootCa, createSelfSigned, DAY_MS, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { kbEntry } from '../../../src/kb/index.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { verifyChain } from '../../../src/pki/verify.js';

const NOW = Date.UTC(2026, 10, 23);
const HOST = 'mx.example.test[192.0.2.1]:25';

/** Evidence as the prober records it: one list of transcript event numbers per phase. */
const EV: Record<string, number[]> = { connect: [1, 2], banner: [3], ehlo: [4, 5], starttls: [6, 7], tls: [8, 9], ehloTls: [10, 11], envelope: [12, 13], cleartext: [14], noSni: [15, 16], legacy: [17] };

const reply = (code: number, ...lines: string[]): ReplyFacts => ({ code, enhanced: /^\d\.\d+\.\d+/.exec(lines[0] ?? '')?.[0] ?? null, lines });
const cap = (keyword: string, ...params: string[]) => ({ keyword, params, meaning: null, rfc: null });

let root: TestCa;
let issuing: TestCa;
/** mx.example.test, valid for a year from NOW. */
let good: IssuedCert;
/** mx.example.test again (a second certificate for the same name), valid for a year. */
let twin: IssuedCert;
/** mx.example.test, expired 10 days and 3 hours before NOW. */
let expired: IssuedCert;
/** The hosting provider's default certificate, for a handshake without SNI. */
let fallback: IssuedCert;
/** A hosted MX: its name and the customer's mail domain, and the same without the domain. */
let hosted: IssuedCert;
let hostedPlain: IssuedCert;
/** A self-signed certificate a server sends when it has none configured. */
let selfSigned: IssuedCert;
/** mx.example.test, expiring 12 days after NOW. */
let soon: IssuedCert;

beforeAll(async () => {
  root = await createRootCa('Host Test Root', NOW);
  issuing = await root.intermediate('Host Test Issuing CA');
  good = await issuing.issue({ commonName: 'mx.example.test' });
  twin = await issuing.issue({ commonName: 'mx.example.test' });
  expired = await issuing.issue({ commonName: 'mx.example.test', notBefore: new Date(NOW - 400 * DAY_MS), notAfter: new Date(NOW - 10 * DAY_MS - 3 * 3_600_000) });
  fallback = await issuing.issue({ commonName: 'default.hosting.test' });
  hosted = await issuing.issue({ commonName: 'mx.hoster.test', dnsNames: ['mx.hoster.test', 'example.test'] });
  hostedPlain = await issuing.issue({ commonName: 'mx.hoster.test' });
  selfSigned = await createSelfSigned({ commonName: 'localhost.localdomain' }, NOW);
  soon = await issuing.issue({ commonName: 'mx.example.test', notAfter: new Date(NOW + 12 * DAY_MS) });
});

const trustStore = () => createTrustStore([root.cert.certPem], 'host test root');

/** What pki/verify says about a chain, as assessFacts asks it (MX name, mail domain, judging time). */
function verdictFor(chain: IssuedCert[], name: string | null = 'mx.example.test', domain: string | null = 'example.test'): CertVerdict {
  return verifyChain({ chain: chain.map((c) => c.der), trustStore: trustStore(), now: NOW, name, domain });
}

/** A chain as the handshake delivered it: DER, base64, leaf first. */
const peerChain = (chain: IssuedCert[]) => chain.map((c) => c.der.toString('base64'));

const notAfterOf = (c: IssuedCert) => new Date(new X509Certificate(c.der).validTo).toISOString();
const sha256Of = (c: IssuedCert) => new X509Certificate(c.der).fingerprint256.replace(/:/g, '');
const sha1Of = (c: IssuedCert) => new X509Certificate(c.der).fingerprint.replace(/:/g, '');

function tlsOk(chain: IssuedCert[] = [], over: Partial<TlsFacts> = {}): TlsFacts {
  return {
    ok: true,
    status: 'ok',
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    cipherStandard: 'TLS_AES_256_GCM_SHA384',
    group: 'X25519',
    sni: 'mx.example.test',
    ocspStapled: false,
    handshakeMs: 5,
    error: null,
    failure: null,
    injectedBytes: 0,
    peerChain: peerChain(chain),
    ...over,
  };
}

/** A failed handshake as measured: OpenSSL's words, and a server that answered with an alert. */
function tlsFailed(error: string, over: Partial<TlsFacts> = {}): TlsFacts {
  const failure: HandshakeFailure = {
    error,
    reason: 'handshake',
    seen: { bytes: 7, notTls: false, preview: null, serverHello: false, certificate: false, encrypted: false, alert: 'handshake_failure' },
    timedOut: false,
  };
  return { ...tlsOk(), ok: false, status: 'tls-handshake-error', protocol: null, cipher: null, cipherStandard: null, group: null, handshakeMs: null, error, failure, ...over };
}

/** One address as the judge sees it: the facts measured, and what the checks made of them. */
interface Case {
  facts: HostFacts;
  assessment: HostAssessment;
}

/** Nothing judged: no certificate, no handshake without SNI, no legacy retry, no envelope, no cleartext test. */
const NOTHING_JUDGED: HostAssessment = { software: null, certificate: null, certificateFrom: null, noSni: null, legacyCause: null, certificateReceived: null, envelope: [], cleartext: null };

/**
 * A host that did everything right (its certificate not judged unless `judged` says so): the base
 * every case changes one thing in.
 */
function host(over: Partial<HostFacts> = {}, judged: Partial<HostAssessment> = {}): Case {
  const facts: HostFacts = {
    key: HOST,
    mx: 'mx.example.test',
    preference: 10,
    address: '192.0.2.1',
    family: 4,
    port: 25,
    implicitTls: false,
    serverName: 'mx.example.test',
    ptr: [],
    ptrMatchesBanner: null,
    status: 'ok',
    statusDetail: null,
    statusReason: null,
    connectMs: 3,
    banner: reply(220, 'mx.example.test ESMTP'),
    bannerName: 'mx.example.test',
    greeting: 'EHLO',
    ehloReply: reply(250, 'mx.example.test', 'STARTTLS'),
    ehloName: 'mx.example.test',
    capabilities: [cap('STARTTLS')],
    starttls: { offered: true, masked: false, reply: reply(220, '2.0.0 go ahead'), negotiated: true },
    tls: tlsOk(),
    legacyRetry: null,
    capabilitiesInTls: [cap('SIZE', '1000')],
    ehloTlsReply: reply(250, 'mx.example.test', 'SIZE 1000'),
    envelope: [],
    noSni: null,
    cleartext: null,
    evidence: EV,
    ...over,
  };
  return { facts, assessment: { ...NOTHING_JUDGED, ...judged } };
}

/** The host presented this chain in a good handshake, judged against the host's server name as assessFacts does. */
function presenting(chain: IssuedCert[], over: Partial<HostFacts> = {}, judged: Partial<HostAssessment> = {}): Case {
  const c = host({ tls: tlsOk(chain), ...over });
  return { ...c, assessment: { ...c.assessment, certificate: verdictFor(chain, c.facts.serverName), certificateFrom: 'main', ...judged } };
}

/** The same good host, with a real, good certificate chain (verified inside the test that calls it). */
const goodHost = (over: Partial<HostFacts> = {}, judged: Partial<HostAssessment> = {}) => presenting([good, issuing.cert], over, judged);

/** The handshake without SNI showed this chain (the same certificate as with SNI, or not): its facts and its verdict. */
function noSniShowed(chain: IssuedCert[], sameCertificate: boolean, name = 'mx.example.test'): [Pick<HostFacts, 'noSni'>, Pick<HostAssessment, 'noSni'>] {
  return [{ noSni: { status: 'ok', error: null, peerChain: peerChain(chain) } }, { noSni: { sameCertificate, certificate: verdictFor(chain, name) } }];
}

/** The handshake without SNI did not get as far as a certificate. */
function noSniFailed(status: 'tls-handshake-error' | 'connection-refused', error: string): [Pick<HostFacts, 'noSni'>, Pick<HostAssessment, 'noSni'>] {
  return [{ noSni: { status, error, peerChain: [] } }, { noSni: { sameCertificate: null, certificate: null } }];
}

/** Envelope steps with the outcome the checks gave each reply. */
type JudgedStep = EnvelopeStep & { outcome: EnvelopeOutcome };
const commands = (steps: JudgedStep[]) => steps.map(({ command, reply }) => ({ command, reply }));
const outcomes = (steps: JudgedStep[]) => steps.map(({ command, outcome }) => ({ command, outcome }));

/** A cleartext test that ran, and what the checks made of it. */
function cleartextTest(steps: JudgedStep[], requiresTls: boolean | null): [Pick<HostFacts, 'cleartext'>, Pick<HostAssessment, 'cleartext'>] {
  return [{ cleartext: { status: 'ok', steps: commands(steps) } }, { cleartext: { outcomes: outcomes(steps), requiresTls } }];
}

/** A probe that stopped before the banner learned nothing after it either. */
const EARLY: Partial<HostFacts> = {
  connectMs: null,
  banner: null,
  bannerName: null,
  greeting: null,
  ehloReply: null,
  ehloName: null,
  capabilities: [],
  starttls: { offered: false, masked: false, reply: null, negotiated: false },
  tls: null,
  capabilitiesInTls: null,
  ehloTlsReply: null,
};
/** Connected, then stopped before or at the banner. */
const NO_BANNER: Partial<HostFacts> = { ...EARLY, connectMs: 3 };
/** Greeted, then stopped before STARTTLS: nothing about TLS is known. */
const NO_TLS: Partial<HostFacts> = { starttls: { offered: true, masked: false, reply: null, negotiated: false }, tls: null, capabilitiesInTls: null, ehloTlsReply: null };

const TIMEOUTS = { connectMs: 10_000, greetingMs: 300_000, commandMs: 120_000 };

const ctx: Omit<HostJudgeContext, 'trustStore'> = {
  profile: DEFAULT_PROFILE,
  warnDays: 30,
  expectThumbprint: null,
  timeouts: TIMEOUTS,
  now: NOW,
  domain: 'example.test',
  transcript: [],
};

/**
 * The host judged, with its facts' evidence replaced when `ev` is given. (The judge reads evidence
 * as Partial: a phase may be missing, or listed with nothing in it.)
 */
const judge = (h: Case, ev?: Evidence, c: Omit<HostJudgeContext, 'trustStore'> = ctx) =>
  assessHost({ ...h.facts, evidence: (ev ?? h.facts.evidence) as HostFacts['evidence'] }, h.assessment, c);
/** Each finding as [id, facts]: the host is in every finding's facts. */
const found = (findings: Finding[]) => findings.map((f) => [f.id, f.facts]);
const F = (id: string, facts: Finding['facts'] = {}) => [id, { host: HOST, ...facts }];
const ids = (findings: Finding[]) => findings.map((f) => f.id);
const one = (findings: Finding[], id: string): Finding => {
  const hits = findings.filter((f) => f.id === id);
  expect(hits.map((f) => f.id)).toEqual([id]);
  return hits[0] as Finding;
};

const TLS_OK = F('tls.ok', { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
const certOk = (c: IssuedCert = good) => F('cert.ok', { subject: 'mx.example.test', issuer: 'Host Test Issuing CA', notAfter: notAfterOf(c) });

describe('assessHost: a good host', () => {
  it('passes with tls.ok and cert.ok from its real certificate chain, each about this host, with the TLS evidence', () => {
    const j = judge(goodHost());
    expect(found(j.findings)).toEqual([TLS_OK, certOk()]);
    expect(j.verdict).toBe('pass');
    for (const f of j.findings) {
      expect(f.hosts).toEqual([HOST]);
      expect(f.evidence).toEqual([8, 9]);
      expect(f.severity).toBe(kbEntry(f.id).severity);
    }
  });

  it('without a certificate verdict, says nothing about certificates', () => {
    expect(found(judge(host()).findings)).toEqual([TLS_OK]);
  });
});

describe('assessHost: the certificate the host presented (SNI handshake)', () => {
  it('an expired leaf: cert.expired, counted in whole days from the judging time', () => {
    const j = judge(presenting([expired, issuing.cert]));
    // Expired 10 days and 3 hours ago: "10 days", not the 11 that flooring daysLeft (-10.1) gives.
    expect(found(j.findings)).toEqual([TLS_OK, F('cert.expired', { subject: 'mx.example.test', notAfter: notAfterOf(expired), daysAgo: 10 })]);
    expect(j.verdict).toBe('fail');
  });

  it('a self-signed certificate for another name: cert.self-signed and cert.name-mismatch', () => {
    const j = judge(presenting([selfSigned]));
    expect(found(j.findings)).toEqual([
      TLS_OK,
      F('cert.self-signed', { subject: 'localhost.localdomain' }),
      F('cert.name-mismatch', { name: 'mx.example.test', certNames: 'localhost.localdomain' }),
    ]);
    expect(j.verdict).toBe('fail');
  });

  it('a leaf sent without its intermediate: cert.chain-incomplete naming the missing issuer', () => {
    const j = judge(presenting([good]));
    expect(found(j.findings)).toEqual([TLS_OK, F('cert.chain-incomplete', { issuer: 'Host Test Issuing CA', outcome: 'not tried', repair: 'not tried in this test' })]);
  });

  it('names the banner and EHLO announce that the certificate does not cover: cert.ehlo-name-mismatch', () => {
    const j = judge(goodHost({ ehloName: 'relay.example.net', ehloReply: reply(250, 'relay.example.net', 'STARTTLS') }));
    expect(found(j.findings)).toEqual([TLS_OK, F('cert.ehlo-name-mismatch', { announced: 'relay.example.net', certNames: 'mx.example.test' })]);
    expect(j.verdict).toBe('warn');
    // No announced name (a banner without one, a HELO-less probe) is nothing to compare.
    expect(found(judge(goodHost({ bannerName: null, ehloName: null })).findings)).toEqual([TLS_OK, certOk()]);
    expect(ids(judge(goodHost({ bannerName: 'smtp.example.net', ehloName: null })).findings)).toEqual(['tls.ok', 'cert.ehlo-name-mismatch']);
  });

  it('the expected thumbprint (--expect-thumbprint), SHA-1 or SHA-256, in any spelling', () => {
    const sha1 = sha1Of(good).toLowerCase().replace(/(..)(?!$)/g, '$1:');
    expect(found(judge(goodHost(), EV, { ...ctx, expectThumbprint: sha1 }).findings)).toEqual([TLS_OK, certOk()]);
    const other = sha256Of(twin);
    const j = judge(goodHost(), EV, { ...ctx, expectThumbprint: other });
    expect(found(j.findings)).toEqual([TLS_OK, F('cert.thumbprint-mismatch', { expected: other, actual: sha256Of(good) })]);
    expect(j.verdict).toBe('fail');
  });

  it('the warning window is the one given (--warn-days), not the profile default', () => {
    const j = judge(goodHost(), EV, { ...ctx, warnDays: 400 });
    expect(found(j.findings)).toEqual([TLS_OK, F('cert.expiring-soon', { subject: 'mx.example.test', notAfter: notAfterOf(good), daysLeft: 365 })]);
    expect(j.verdict).toBe('warn');
  });

  it('a hosted MX whose certificate does not name the mail domain: cert.domain-mismatch (info) naming the domain', () => {
    const hostedFacts = (chain: IssuedCert[]) =>
      presenting(chain, { key: 'mx.hoster.test[192.0.2.1]:25', mx: 'mx.hoster.test', serverName: 'mx.hoster.test', bannerName: 'mx.hoster.test', ehloName: 'mx.hoster.test', tls: tlsOk(chain, { sni: 'mx.hoster.test' }) });
    const j = judge(hostedFacts([hostedPlain, issuing.cert]));
    const h = 'mx.hoster.test[192.0.2.1]:25';
    expect(found(j.findings)).toEqual([
      ['tls.ok', { host: h, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' }],
      ['cert.domain-mismatch', { host: h, domain: 'example.test', certNames: 'mx.hoster.test' }],
      ['cert.ok', { host: h, subject: 'mx.hoster.test', issuer: 'Host Test Issuing CA', notAfter: notAfterOf(hostedPlain) }],
    ]);
    expect(j.verdict).toBe('pass');
    expect(ids(judge(hostedFacts([hosted, issuing.cert])).findings)).toEqual(['tls.ok', 'cert.ok']);
  });

  it("judges against the context's profile", () => {
    const strict = { ...DEFAULT_PROFILE, name: 'strict', oldProtocols: [...DEFAULT_PROFILE.oldProtocols, 'TLSv1.2'], weakSignatureHashes: ['sha1', 'sha256'] };
    const j = judge(goodHost({ tls: tlsOk([good, issuing.cert], { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', cipherStandard: null }) }), EV, { ...ctx, profile: strict });
    expect(found(j.findings)).toEqual([
      F('tls.old-protocol', { protocol: 'TLSv1.2' }),
      F('cert.weak-signature', { algorithm: 'ecdsa-with-SHA256', subject: 'mx.example.test, Host Test Issuing CA' }),
    ]);
  });
});

describe('assessHost: connection', () => {
  it('refused: net.connect-refused, a failure of theirs (the domain decides whether senders fall back), with the connect evidence', () => {
    const j = judge(host({ ...EARLY, status: 'connection-refused', statusDetail: 'connection refused', statusReason: 'ECONNREFUSED' }), { connect: [1, 2] });
    expect(found(j.findings)).toEqual([F('net.connect-refused')]);
    expect(j.findings[0]?.evidence).toEqual([1, 2]);
    expect(j.verdict).toBe('fail');
    expect(found(judge(host({ ...EARLY, status: 'connection-refused', statusDetail: 'cannot connect', statusReason: null })).findings)).toEqual([F('net.connect-refused')]);
  });

  it.each(['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'ENETDOWN'])('%s means no route from here (our network): net.no-route', (code) => {
    const j = judge(host({ ...EARLY, status: 'connection-refused', statusDetail: `cannot connect: ${code}`, statusReason: code }), { connect: [1, 2] });
    expect(found(j.findings)).toEqual([F('net.no-route', { error: code })]);
    expect(j.findings[0]?.evidence).toEqual([1, 2]);
    expect(j.verdict).toBe('inconclusive');
  });

  it('timed out: net.connect-timeout with the limit applied', () => {
    const j = judge(host({ ...EARLY, status: 'connection-timeout', statusDetail: 'no TCP connection within 10000 ms', statusReason: 'timeout' }), { connect: [1, 2] });
    expect(found(j.findings)).toEqual([F('net.connect-timeout', { timeoutMs: 10_000 })]);
    expect(j.findings[0]?.evidence).toEqual([1, 2]);
    expect(j.verdict).toBe('inconclusive');
  });

  it("our own bug: mxray.internal-error on the last event recorded, and the partial facts' findings", () => {
    const f = goodHost({ status: 'internal-error', statusDetail: 'TypeError: x is undefined', statusReason: 'bug', capabilitiesInTls: null, ehloTlsReply: null });
    const j = judge(f, { ehlo: [4, 5], banner: [3], tls: [8, 9], connect: [1, 2] });
    expect(found(j.findings)).toEqual([F('mxray.internal-error', { detail: 'TypeError: x is undefined' }), TLS_OK, certOk()]);
    expect(j.findings[0]?.evidence).toEqual([9]);
    expect(j.verdict).toBe('inconclusive');
    // Before anything was recorded: no evidence to point at.
    const early = judge(host({ ...EARLY, status: 'internal-error', statusDetail: 'TypeError: y', statusReason: 'bug' }), {});
    expect(found(early.findings)).toEqual([F('mxray.internal-error', { detail: 'TypeError: y' })]);
    expect(early.findings[0]?.evidence).toEqual([]);
  });
});

describe('assessHost: the banner', () => {
  it('never came: smtp.greeting-timeout with the greeting limit, on the banner evidence (else the connect evidence)', () => {
    const f = host({ ...NO_BANNER, status: 'greeting-timeout', statusDetail: 'no reply within 300000 ms', statusReason: null });
    const j = judge(f, { connect: [1, 2], banner: [3] });
    expect(found(j.findings)).toEqual([F('smtp.greeting-timeout', { timeoutMs: 300_000 })]);
    expect(j.findings[0]?.evidence).toEqual([3]);
    expect(j.verdict).toBe('inconclusive');
    expect(judge(f, { connect: [1, 2] }).findings[0]?.evidence).toEqual([1, 2]);
  });

  it.each(['closed', 'socket-error'])('connection ended (%s) before the banner: smtp.no-banner', (reason) => {
    const f = host({ ...NO_BANNER, status: 'protocol-error', statusDetail: 'connection closed by the server', statusReason: reason });
    const j = judge(f, { connect: [1, 2], banner: [3] });
    expect(found(j.findings)).toEqual([F('smtp.no-banner', { detail: 'connection closed by the server' })]);
    expect(j.findings[0]?.evidence).toEqual([3]);
    expect(j.verdict).toBe('fail');
    expect(judge(f, { connect: [1, 2] }).findings[0]?.evidence).toEqual([1, 2]);
  });

  it('garbage instead of a banner: smtp.protocol-error, on the banner evidence (else the connect evidence)', () => {
    const f = host({ ...NO_BANNER, status: 'protocol-error', statusDetail: 'the server sent a line longer than 4096 bytes', statusReason: 'line-too-long' });
    const j = judge(f, { connect: [1, 2], banner: [3] });
    expect(found(j.findings)).toEqual([F('smtp.protocol-error', { detail: 'the server sent a line longer than 4096 bytes' })]);
    expect(j.findings[0]?.evidence).toEqual([3]);
    expect(j.verdict).toBe('fail');
    expect(judge(f, { connect: [1, 2] }).findings[0]?.evidence).toEqual([1, 2]);
  });

  it('refused (554): smtp.banner-rejected, and nothing else about the dialogue that did not happen', () => {
    const banner = reply(554, '5.7.1 mx.example.test no SMTP service for you');
    const j = judge(host({ ...NO_TLS, status: 'protocol-error', statusDetail: '554 5.7.1 mx.example.test no SMTP service for you', statusReason: 'greeting-refused', banner, bannerName: null, greeting: null, ehloReply: null, ehloName: null, capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false } }));
    expect(found(j.findings)).toEqual([F('smtp.banner-rejected', { reply: '554 5.7.1 mx.example.test no SMTP service for you' })]);
    expect(j.findings[0]?.evidence).toEqual([3]);
    expect(j.verdict).toBe('fail');
  });

  it('a refusal after a 554 banner is not judged as an EHLO refusal (RFC 5321 §3.1: only QUIT is served then)', () => {
    const banner = reply(554, '5.3.2 busy, go away');
    const j = judge(host({ ...NO_TLS, status: 'protocol-error', statusDetail: '554 5.3.2 busy, go away', statusReason: 'greeting-refused', banner, bannerName: null, greeting: null, ehloReply: reply(503, '5.5.1 Bad sequence of commands'), ehloName: null, capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false } }));
    expect(found(j.findings)).toEqual([F('smtp.banner-rejected', { reply: '554 5.3.2 busy, go away' })]);
  });

  it('421 "too many connections": the server limits us, smtp.rate-limited, inconclusive', () => {
    const banner = reply(421, '4.7.0 mx.example.test Too many concurrent SMTP connections; please try again later');
    const j = judge(host({ ...NO_TLS, status: 'protocol-error', statusDetail: 'refused', statusReason: 'greeting-refused', banner, bannerName: null, greeting: null, ehloReply: null, ehloName: null, capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false } }));
    expect(found(j.findings)).toEqual([F('smtp.rate-limited', { reply: '421 4.7.0 mx.example.test Too many concurrent SMTP connections; please try again later' })]);
    expect(j.findings[0]?.evidence).toEqual([3]);
    expect(j.verdict).toBe('inconclusive');
  });

  it('masked by a firewall (Cisco ESMTP inspection): smtp.banner-masked', () => {
    const banner = reply(220, '*****************************************************');
    const j = judge(goodHost({ banner, bannerName: null }));
    expect(found(j.findings)).toEqual([F('smtp.banner-masked', { banner: '220 *****************************************************' }), TLS_OK, certOk()]);
    expect(j.findings[0]?.evidence).toEqual([3]);
    expect(j.verdict).toBe('warn');
  });

  describe('delay, measured from the connection to the first banner line, on the recorded clock', () => {
    const conn = `${HOST}/main`;
    const transcript = (bannerAt: number): TranscriptEvent[] => [
      { seq: 1, t: 100, conn, kind: 'connect', text: 'connecting to 192.0.2.1 port 25' },
      { seq: 2, t: 140, conn, kind: 'connect', text: 'connected from 192.0.2.99 in 40 ms' },
      { seq: 3, t: bannerAt, conn, kind: 'recv', text: '220-mx.example.test ESMTP' },
      { seq: 4, t: bannerAt + 9000, conn, kind: 'recv', text: '220 please wait' },
    ];
    const delayed = (bannerAt: number, ev: Evidence = { connect: [1, 2], banner: [3, 4] }, c: Partial<HostJudgeContext> = {}) =>
      judge(goodHost(), ev, { ...ctx, transcript: transcript(bannerAt), ...c }).findings.filter((f) => f.id === 'smtp.banner-delayed');

    it('at the threshold (5 s, after rounding to whole ms): smtp.banner-delayed with the delay', () => {
      const [f, ...rest] = delayed(140 + 4999.6);
      expect(rest).toEqual([]);
      expect(f?.facts).toEqual({ host: HOST, ms: 5000 });
      expect(f?.evidence).toEqual([3, 4]);
      expect(f?.severity).toBe('info');
      expect(delayed(140 + 12_345.2).map((x) => x.facts.ms)).toEqual([12_345]);
    });

    it('below the threshold: nothing', () => {
      expect(delayed(140 + 4999.4)).toEqual([]);
      // From the first connect event it would be 5039 ms: the connection itself is not the banner's delay.
      expect(delayed(140 + 4999)).toEqual([]);
    });

    it('from the last connect event recorded, however many there are', () => {
      expect(delayed(140 + 6000, { connect: [2], banner: [3, 4] }).map((x) => x.facts.ms)).toEqual([6000]);
      expect(delayed(140 + 6000, { connect: [1, 1, 2], banner: [3, 4] }).map((x) => x.facts.ms)).toEqual([6000]);
    });

    it("against the context's profile", () => {
      expect(delayed(140 + 1500, undefined, { profile: { ...DEFAULT_PROFILE, slowBannerMs: 1000 } }).map((x) => x.facts.ms)).toEqual([1500]);
    });

    it('not measured without both events in the transcript, whatever the threshold', () => {
      const always = { profile: { ...DEFAULT_PROFILE, slowBannerMs: 0 } };
      expect(delayed(140 + 60_000, { banner: [3, 4] }, always)).toEqual([]);
      expect(delayed(140 + 60_000, { connect: [1, 2] }, always)).toEqual([]);
      expect(delayed(140 + 60_000, { connect: [1, 2], banner: [30] }, always)).toEqual([]);
      expect(delayed(140 + 60_000, { connect: [1, 20], banner: [3] }, always)).toEqual([]);
    });
  });
});

describe('assessHost: EHLO', () => {
  const refused = (ehloReply: ReplyFacts, over: Partial<HostFacts> = {}) =>
    host({ ...NO_TLS, status: 'protocol-error', statusDetail: `${ehloReply.code} ${ehloReply.lines.join(' / ')}`, statusReason: 'ehlo-refused', greeting: null, ehloReply, ehloName: null, capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false }, ...over });

  it.each([500, 502])('%i to EHLO, then HELO accepted: smtp.esmtp-unsupported (no STARTTLS without ESMTP)', (code) => {
    const j = judge(host({ ...NO_TLS, greeting: 'HELO', ehloReply: reply(code, '5.5.2 Command not recognized'), ehloName: null, capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false } }));
    expect(found(j.findings)).toEqual([F('smtp.esmtp-unsupported', { reply: `${code} 5.5.2 Command not recognized` })]);
    expect(j.findings[0]?.evidence).toEqual([4, 5]);
    expect(j.verdict).toBe('fail');
  });

  it.each([500, 502])('%i to EHLO and HELO refused too: a protocol error, not an EHLO refusal', (code) => {
    const j = judge(refused(reply(code, '5.5.1 Unrecognized command'), { statusDetail: '501 5.5.4 HELO requires domain address' }));
    expect(found(j.findings)).toEqual([F('smtp.protocol-error', { detail: '501 5.5.4 HELO requires domain address' })]);
    expect(j.findings[0]?.evidence).toEqual([17]);
  });

  it('421 to EHLO: smtp.rate-limited (inconclusive)', () => {
    const j = judge(refused(reply(421, '4.3.2 Service shutting down, try again later')));
    expect(found(j.findings)).toEqual([F('smtp.rate-limited', { reply: '421 4.3.2 Service shutting down, try again later' })]);
    expect(j.findings[0]?.evidence).toEqual([4, 5]);
    expect(j.verdict).toBe('inconclusive');
  });

  it('554 to EHLO: smtp.ehlo-rejected (fail)', () => {
    const j = judge(refused(reply(554, '5.7.1 Access denied')));
    expect(found(j.findings)).toEqual([F('smtp.ehlo-rejected', { reply: '554 5.7.1 Access denied' })]);
    expect(j.findings[0]?.evidence).toEqual([4, 5]);
    expect(j.verdict).toBe('fail');
  });
});

describe('assessHost: failures in the middle of the dialogue', () => {
  const conn = `${HOST}/main`;
  const transcript: TranscriptEvent[] = [
    { seq: 1, t: 0, conn, kind: 'connect', text: 'connecting to 192.0.2.1 port 25' },
    { seq: 2, t: 1, conn, kind: 'connect', text: 'connected' },
    { seq: 3, t: 2, conn, kind: 'recv', text: '220 mx.example.test ESMTP' },
    { seq: 4, t: 3, conn, kind: 'send', text: 'EHLO probe.example.net' },
    { seq: 5, t: 4, conn, kind: 'recv', text: '250 STARTTLS' },
    { seq: 6, t: 5, conn, kind: 'send', text: 'STARTTLS' },
    { seq: 7, t: 120_005, conn, kind: 'error', text: 'no reply within 120000 ms' },
    // Another connection's line, not this dialogue's.
    { seq: 8, t: 120_006, conn: `${HOST}/no-sni`, kind: 'send', text: 'QUIT' },
  ];

  it('no reply to STARTTLS: smtp.io-timeout naming the command, with the command limit, on the last event', () => {
    const f = host({ ...NO_TLS, status: 'io-timeout', statusDetail: 'no reply within 120000 ms', statusReason: null });
    const j = judge(f, { connect: [1, 2], banner: [3], ehlo: [4, 5], starttls: [6, 7], tls: undefined }, { ...ctx, transcript });
    expect(found(j.findings)).toEqual([F('smtp.io-timeout', { command: 'STARTTLS', timeoutMs: 120_000 })]);
    expect(j.findings[0]?.evidence).toEqual([7]);
    expect(j.verdict).toBe('fail');
    // Without the lines in the transcript, the command is not known.
    expect(found(judge(f, { connect: [1, 2] }).findings)).toEqual([F('smtp.io-timeout', { command: 'command', timeoutMs: 120_000 })]);
  });

  it('a malformed reply after the banner: smtp.protocol-error with its detail, on the last event', () => {
    const j = judge(host({ ...NO_TLS, status: 'protocol-error', statusDetail: 'not an SMTP reply line: HTTP/1.1 400', statusReason: 'malformed-reply', greeting: null, ehloReply: null, ehloName: null, capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false } }), { connect: [1, 2], banner: [3], ehlo: [4, 5] });
    expect(found(j.findings)).toEqual([F('smtp.protocol-error', { detail: 'not an SMTP reply line: HTTP/1.1 400' })]);
    expect(j.findings[0]?.evidence).toEqual([5]);
    expect(j.verdict).toBe('fail');
  });

  it('the connection closed after the banner: smtp.protocol-error, not smtp.no-banner', () => {
    const j = judge(host({ ...NO_TLS, status: 'protocol-error', statusDetail: 'connection closed by the server', statusReason: 'closed', greeting: null, ehloReply: null, ehloName: null, capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false } }), { connect: [1, 2], banner: [3], ehlo: [4, 5] });
    expect(found(j.findings)).toEqual([F('smtp.protocol-error', { detail: 'connection closed by the server' })]);
    expect(j.verdict).toBe('fail');
  });

  it('a slow or masked banner does not hide a protocol error later in the dialogue', () => {
    const conn = `${HOST}/main`;
    const slow: TranscriptEvent[] = [
      { seq: 1, t: 0, conn, kind: 'connect', text: 'connecting to 192.0.2.1 port 25' },
      { seq: 2, t: 1, conn, kind: 'connect', text: 'connected' },
      { seq: 3, t: 8001, conn, kind: 'recv', text: '220 mx.example.test ESMTP' },
    ];
    const broken = { ...NO_TLS, status: 'protocol-error' as const, statusDetail: 'not an SMTP reply line: HTTP/1.1 400', statusReason: 'malformed-reply', greeting: null, ehloReply: null, ehloName: null, capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false } };
    const delayed = judge(host(broken), { connect: [1, 2], banner: [3], ehlo: [4, 5] }, { ...ctx, transcript: slow });
    expect(found(delayed.findings)).toEqual([F('smtp.banner-delayed', { ms: 8000 }), F('smtp.protocol-error', { detail: 'not an SMTP reply line: HTTP/1.1 400' })]);
    expect(delayed.verdict).toBe('fail');
    const masked = judge(host({ ...broken, banner: reply(220, '******************************'), bannerName: null }), { connect: [1, 2], banner: [3], ehlo: [4, 5] });
    expect(found(masked.findings)).toEqual([F('smtp.banner-masked', { banner: '220 ******************************' }), F('smtp.protocol-error', { detail: 'not an SMTP reply line: HTTP/1.1 400' })]);
    expect(masked.verdict).toBe('fail');
  });

  it('a protocol error after HELO is reported besides the missing ESMTP', () => {
    const j = judge(host({ ...NO_TLS, status: 'protocol-error', statusDetail: 'connection closed by the server', statusReason: 'closed', greeting: 'HELO', ehloReply: reply(502, '5.5.2 Command not recognized'), ehloName: null, capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false } }));
    expect(found(j.findings)).toEqual([F('smtp.esmtp-unsupported', { reply: '502 5.5.2 Command not recognized' }), F('smtp.protocol-error', { detail: 'connection closed by the server' })]);
  });

  it('implicit TLS: no reply to MAIL FROM, the last of several commands, inside TLS', () => {
    const tlsConn = `${HOST}/main`;
    const events: TranscriptEvent[] = [
      { seq: 1, t: 0, conn: tlsConn, kind: 'connect', text: 'connecting to 192.0.2.1 port 465' },
      { seq: 2, t: 1, conn: tlsConn, kind: 'connect', text: 'connected' },
      { seq: 3, t: 2, conn: tlsConn, kind: 'tls', text: 'TLSv1.3 TLS_AES_256_GCM_SHA384 X25519' },
      { seq: 4, t: 3, conn: tlsConn, kind: 'recv', text: '220 mx.example.test ESMTP' },
      { seq: 5, t: 4, conn: tlsConn, kind: 'send', text: 'EHLO probe.example.net' },
      { seq: 6, t: 5, conn: tlsConn, kind: 'recv', text: '250 SIZE 1000' },
      { seq: 7, t: 6, conn: tlsConn, kind: 'send', text: 'EHLO probe.example.net' },
      { seq: 8, t: 7, conn: tlsConn, kind: 'recv', text: '250 SIZE 1000' },
      { seq: 9, t: 8, conn: tlsConn, kind: 'send', text: 'MAIL FROM:<probe@example.net>' },
      { seq: 10, t: 120_008, conn: tlsConn, kind: 'error', text: 'no reply within 120000 ms' },
    ];
    const f = goodHost({ port: 465, implicitTls: true, status: 'io-timeout', statusDetail: 'no reply within 120000 ms', capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false } });
    const j = judge(f, { connect: [1, 2], tls: [3], banner: [4], ehlo: [5, 6], ehloTls: [7, 8], envelope: [9, 10] }, { ...ctx, transcript: events });
    expect(found(j.findings)).toEqual([F('smtp.io-timeout', { command: 'MAIL', timeoutMs: 120_000 }), TLS_OK, certOk()]);
    expect(j.findings[0]?.evidence).toEqual([10]);
  });

  it('the connection closed inside TLS: smtp.protocol-error that says so, with the TLS findings', () => {
    const j = judge(goodHost({ status: 'post-tls-error', statusDetail: 'connection closed by the server', statusReason: 'closed', capabilitiesInTls: null, ehloTlsReply: null }));
    expect(found(j.findings)).toEqual([F('smtp.protocol-error', { detail: 'after TLS was established: connection closed by the server' }), TLS_OK, certOk()]);
    expect(j.findings[0]?.evidence).toEqual([17]);
    expect(j.verdict).toBe('fail');
  });
});

describe('assessHost: STARTTLS', () => {
  const plain = (over: Partial<HostFacts>) => host({ ...NO_TLS, ...over });

  it('not offered: starttls.not-offered (critical), on the EHLO evidence', () => {
    const j = judge(plain({ ehloReply: reply(250, 'mx.example.test', 'SIZE 1000', '8BITMIME'), capabilities: [cap('SIZE', '1000'), cap('8BITMIME')], starttls: { offered: false, masked: false, reply: null, negotiated: false } }));
    expect(found(j.findings)).toEqual([F('starttls.not-offered')]);
    expect(j.findings[0]?.evidence).toEqual([4, 5]);
    expect(j.verdict).toBe('fail');
  });

  it('masked by a firewall (XXXXXXXA in place of STARTTLS): starttls.masked naming the keyword', () => {
    const j = judge(plain({ ehloReply: reply(250, 'mx.example.test', 'XXXXXXXA'), capabilities: [cap('SIZE'), cap('XXXXXXXA')], starttls: { offered: false, masked: true, reply: null, negotiated: false } }));
    expect(found(j.findings)).toEqual([F('starttls.masked', { keyword: 'XXXXXXXA' })]);
    expect(j.findings[0]?.evidence).toEqual([4, 5]);
  });

  it('refused (454): starttls.rejected; 421 "try again later": smtp.rate-limited, inconclusive', () => {
    const refused = judge(plain({ starttls: { offered: true, masked: false, reply: reply(454, '4.7.0 TLS not available due to local problem'), negotiated: false } }));
    expect(found(refused.findings)).toEqual([F('starttls.rejected', { reply: '454 4.7.0 TLS not available due to local problem' })]);
    expect(refused.findings[0]?.evidence).toEqual([6, 7]);
    expect(refused.verdict).toBe('fail');
    const limited = judge(plain({ starttls: { offered: true, masked: false, reply: reply(421, '4.7.0 Too many TLS sessions, try again later'), negotiated: false } }));
    expect(found(limited.findings)).toEqual([F('smtp.rate-limited', { reply: '421 4.7.0 Too many TLS sessions, try again later' })]);
    expect(limited.findings[0]?.evidence).toEqual([6, 7]);
    expect(limited.verdict).toBe('inconclusive');
  });

  it('offered but never asked for (the probe stopped before): nothing about STARTTLS', () => {
    expect(judge(plain({})).findings).toEqual([]);
  });

  it('implicit TLS (port 465) has no STARTTLS to offer', () => {
    const j = judge(goodHost({ port: 465, implicitTls: true, capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false }, capabilitiesInTls: [cap('SIZE', '1000'), cap('AUTH', 'PLAIN')] }));
    expect(found(j.findings)).toEqual([TLS_OK, certOk()]);
  });

  it('AUTH PLAIN or LOGIN in the clear: smtp.auth-before-tls naming only those mechanisms', () => {
    // PLAIN-CLIENTTOKEN (Gmail) and NMAS_LOGIN (IANA SASL registry) only look like them.
    const j = judge(goodHost({ capabilities: [cap('STARTTLS'), cap('AUTH', 'CRAM-MD5', 'plain', 'PLAIN-CLIENTTOKEN', 'NMAS_LOGIN', 'LOGIN')] }));
    expect(found(j.findings)).toEqual([F('smtp.auth-before-tls', { mechanisms: 'plain LOGIN' }), TLS_OK, certOk()]);
    expect(j.findings[0]?.evidence).toEqual([4, 5]);
    expect(j.verdict).toBe('warn');
    expect(found(judge(goodHost({ capabilities: [cap('STARTTLS'), cap('AUTH', 'CRAM-MD5', 'XOAUTH2')] })).findings)).toEqual([TLS_OK, certOk()]);
    // HELO has no capabilities to judge, and AUTH inside TLS is where it belongs.
    expect(found(judge(goodHost({ capabilities: [], capabilitiesInTls: [cap('AUTH', 'PLAIN', 'LOGIN')] })).findings)).toEqual([TLS_OK, certOk()]);
  });
});

describe('assessHost: a failed handshake', () => {
  /** The legacy retry as measured, and what the checks read from both attempts. */
  interface Retry {
    facts: LegacyRetry;
    cause: LegacyCause;
    certificateReceived: boolean;
  }
  const failed = (error: string, legacy: Retry | null, injectedBytes = 0): Case =>
    host(
      {
        status: 'tls-handshake-error',
        statusDetail: error,
        statusReason: 'handshake',
        tls: tlsFailed(error, { injectedBytes }),
        capabilitiesInTls: null,
        ehloTlsReply: null,
        legacyRetry: legacy?.facts ?? null,
      },
      { legacyCause: legacy?.cause ?? null, certificateReceived: legacy?.certificateReceived ?? null },
    );
  const retry = (cause: LegacyCause, over: Partial<LegacyRetry> = {}, certificateReceived = false): Retry => ({
    facts: { ok: false, protocol: null, cipher: null, cipherStandard: null, error: 'alert', failure: null, peerChain: [], ...over },
    cause,
    certificateReceived,
  });
  const ERR = 'error:0A000410:SSL routines::sslv3 alert handshake failure';

  it.each([
    ['TLS 1.0 works with legacy settings', retry('old-protocol', { ok: true, protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES256-SHA', error: null }, true), F('tls.old-protocol', { protocol: 'TLSv1' })],
    ['the server said protocol_version', retry('old-protocol'), F('tls.old-protocol', { protocol: 'TLS 1.0/1.1' })],
    ['only a NULL cipher works', retry('null-cipher', { ok: true, protocol: 'TLSv1.2', cipher: 'NULL-SHA256', error: null }, true), F('tls.null-cipher', { cipher: 'NULL-SHA256' })],
    ['no cipher in common', retry('no-shared-cipher'), F('tls.no-shared-cipher', { error: ERR })],
    ['the server aborted after its certificate', retry('server-abort-after-certificate', {}, true), F('tls.server-aborted', { error: ERR })],
    ['the server did not answer with TLS', retry('not-tls'), F('tls.handshake-failed', { error: `${ERR}; the server did not answer with TLS` })],
    ['no telling why', retry('unknown'), F('tls.handshake-failed', { error: ERR })],
    ['no legacy retry', null, F('tls.handshake-failed', { error: ERR })],
  ] as const)('%s → %j', (_name, legacy, finding) => {
    const j = judge(failed(ERR, legacy));
    expect(found(j.findings)).toEqual([finding]);
    expect(j.findings[0]?.evidence).toEqual([8, 9, 17]);
    expect(j.verdict).toBe('fail');
  });

  it('implicit TLS: the server closed the connection during the handshake, before any banner: a TLS failure only', () => {
    const error = 'the server closed the connection during the handshake';
    const legacy = retry('unknown');
    const f = host(
      { ...NO_BANNER, port: 465, implicitTls: true, status: 'tls-handshake-error', statusDetail: error, statusReason: 'closed', tls: tlsFailed(error), legacyRetry: legacy.facts },
      { legacyCause: legacy.cause, certificateReceived: legacy.certificateReceived },
    );
    expect(found(judge(f).findings)).toEqual([F('tls.handshake-failed', { error })]);
  });

  it('evidence from the normal attempt alone when there was no legacy retry', () => {
    expect(judge(failed(ERR, null), { connect: [1, 2], tls: [8, 9] }).findings[0]?.evidence).toEqual([8, 9]);
  });

  it('bytes injected after the 220 to STARTTLS are reported whatever the handshake did: starttls.injection', () => {
    const j = judge(failed(ERR, null, 14));
    expect(found(j.findings)).toEqual([F('tls.handshake-failed', { error: ERR }), F('starttls.injection', { bytes: 14 })]);
    const ok = judge(goodHost({ tls: tlsOk([good, issuing.cert], { injectedBytes: 14 }) }));
    expect(found(ok.findings)).toEqual([F('starttls.injection', { bytes: 14 }), TLS_OK, certOk()]);
    expect(ok.findings[0]?.evidence).toEqual([8, 9]);
    expect(ok.verdict).toBe('fail');
  });
});

describe('assessHost: a good handshake', () => {
  const negotiated = (over: Partial<TlsFacts>) => goodHost({ tls: tlsOk([good, issuing.cert], over) });

  it.each(['SSLv3', 'TLSv1', 'TLSv1.1'])('an old protocol negotiated (%s): tls.old-protocol, not tls.ok (RFC 8996)', (protocol) => {
    const j = judge(negotiated({ protocol, cipher: 'ECDHE-RSA-AES256-SHA', cipherStandard: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA' }));
    expect(found(j.findings)).toEqual([F('tls.old-protocol', { protocol }), certOk()]);
    expect(j.findings[0]?.evidence).toEqual([8, 9]);
    expect(j.verdict).toBe('fail');
  });

  it('an old protocol with a NULL cipher: the old protocol is named', () => {
    expect(found(judge(negotiated({ protocol: 'TLSv1', cipher: 'NULL-SHA', cipherStandard: 'TLS_RSA_WITH_NULL_SHA' })).findings)).toEqual([F('tls.old-protocol', { protocol: 'TLSv1' }), certOk()]);
  });

  it('a NULL cipher negotiated: tls.null-cipher, not tls.ok', () => {
    const j = judge(negotiated({ protocol: 'TLSv1.2', cipher: 'NULL-SHA256', cipherStandard: 'TLS_RSA_WITH_NULL_SHA256' }));
    expect(found(j.findings)).toEqual([F('tls.null-cipher', { cipher: 'NULL-SHA256' }), certOk()]);
    expect(j.verdict).toBe('fail');
  });

  it("TLS 1.2 is fine: tls.ok names the cipher's standard name, else OpenSSL's", () => {
    expect(found(judge(negotiated({ protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', cipherStandard: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' })).findings)).toEqual([
      F('tls.ok', { protocol: 'TLSv1.2', cipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' }),
      certOk(),
    ]);
    expect(found(judge(negotiated({ protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', cipherStandard: null })).findings)).toEqual([
      F('tls.ok', { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' }),
      certOk(),
    ]);
    // No cipher name at all is no NULL cipher (the word "null" is not a cipher's name).
    expect(found(judge(negotiated({ protocol: 'TLSv1.3', cipher: null, cipherStandard: null })).findings)).toEqual([F('tls.ok', { protocol: 'TLSv1.3', cipher: null }), certOk()]);
  });

  it('STARTTLS offered again inside TLS: starttls.readvertised', () => {
    const j = judge(goodHost({ capabilitiesInTls: [cap('SIZE', '1000'), cap('STARTTLS')] }));
    expect(found(j.findings)).toEqual([TLS_OK, F('starttls.readvertised'), certOk()]);
    expect(j.findings[1]?.evidence).toEqual([10, 11]);
    expect(j.verdict).toBe('warn');
  });

  it('EHLO refused inside TLS: smtp.ehlo-rejected (no sender can deliver over TLS), or rate-limited for a 421', () => {
    const j = judge(goodHost({ capabilitiesInTls: null, ehloTlsReply: reply(554, '5.7.1 go away') }));
    expect(found(j.findings)).toEqual([TLS_OK, F('smtp.ehlo-rejected', { reply: '554 5.7.1 go away (inside TLS)' }), certOk()]);
    expect(j.findings[1]?.evidence).toEqual([10, 11]);
    expect(j.verdict).toBe('fail');
    const limited = judge(goodHost({ capabilitiesInTls: null, ehloTlsReply: reply(421, '4.7.0 too many sessions') }));
    expect(found(limited.findings)).toEqual([TLS_OK, F('smtp.rate-limited', { reply: '421 4.7.0 too many sessions' }), certOk()]);
    expect(limited.findings[1]?.evidence).toEqual([10, 11]);
    expect(limited.verdict).toBe('inconclusive');
  });

  it('implicit TLS: the first EHLO was already inside TLS and is judged as such; a second one is not', () => {
    const j = judge(goodHost({ port: 465, implicitTls: true, capabilities: [], starttls: { offered: false, masked: false, reply: null, negotiated: false }, capabilitiesInTls: null, ehloTlsReply: reply(554, '5.7.1 go away') }));
    expect(found(j.findings)).toEqual([TLS_OK, certOk()]);
  });
});

describe('assessHost: the handshake without SNI', () => {
  const noSniEv = (j: ReturnType<typeof judge>, id: string) => one(j.findings, id).evidence;

  it('fails where the SNI one worked: tls.sni-required', () => {
    const j = judge(goodHost(...noSniFailed('tls-handshake-error', 'tlsv1 unrecognized name')));
    expect(found(j.findings)).toEqual([TLS_OK, certOk(), F('tls.sni-required', { error: 'tlsv1 unrecognized name' })]);
    expect(noSniEv(j, 'tls.sni-required')).toEqual([15, 16]);
    expect(j.verdict).toBe('fail');
  });

  it('fails like the SNI one, or for another reason: nothing more to say', () => {
    const [noSni, noSniJudged] = noSniFailed('tls-handshake-error', 'handshake failure');
    const both = judge(host({ status: 'tls-handshake-error', tls: tlsFailed('handshake failure'), capabilitiesInTls: null, ehloTlsReply: null, ...noSni }, noSniJudged));
    expect(ids(both.findings)).toEqual(['tls.handshake-failed']);
    const refused = judge(goodHost(...noSniFailed('connection-refused', 'connection refused')));
    expect(found(refused.findings)).toEqual([TLS_OK, certOk()]);
  });

  it('the same certificate either way: nothing more to say', () => {
    const j = judge(goodHost(...noSniShowed([good, issuing.cert], true)));
    expect(found(j.findings)).toEqual([TLS_OK, certOk()]);
  });

  it("another certificate: cert.sni-dependent naming both, and the other certificate's problems, marked as such", () => {
    const j = judge(goodHost(...noSniShowed([fallback, issuing.cert], false)));
    const withSni = `CN=mx.example.test, O=mxray test server (SHA-256 ${sha256Of(good).slice(0, 16)}…)`;
    const withoutSni = `CN=default.hosting.test, O=mxray test server (SHA-256 ${sha256Of(fallback).slice(0, 16)}…)`;
    expect(found(j.findings)).toEqual([
      TLS_OK,
      certOk(),
      // Facts without the confirming handshake (a report saved before it was made): not confirmed.
      F('cert.sni-dependent', { withSni, withoutSni, confirmation: 'No second handshake with SNI was made to rule out a pool of servers with certificates of their own (a report saved before mxray made one): not confirmed.' }),
      F('cert.name-mismatch', { handshake: 'no-sni', name: 'mx.example.test', certNames: 'default.hosting.test' }),
    ]);
    expect(noSniEv(j, 'cert.sni-dependent')).toEqual([15, 16]);
    const mismatch = one(j.findings, 'cert.name-mismatch');
    expect(mismatch.evidence).toEqual([15, 16]);
    expect(mismatch.title.endsWith(' (certificate sent without SNI)')).toBe(true);
    expect(mismatch.title.slice(0, -' (certificate sent without SNI)'.length)).toBe(one(judge(presenting([fallback, issuing.cert])).findings, 'cert.name-mismatch').title);
    expect(j.verdict).toBe('fail');
  });

  it('reports a problem once when both certificates have it, and leaves out what is fine without SNI', () => {
    // The SNI certificate expired; the default one is fresh (its cert.ok is no news) but names another host.
    const j = judge(presenting([expired, issuing.cert], ...noSniShowed([fallback, issuing.cert], false)));
    expect(ids(j.findings)).toEqual(['tls.ok', 'cert.expired', 'cert.sni-dependent', 'cert.name-mismatch']);
    // The SNI certificate expired, the default one is good: the default one's cert.ok is no news.
    const fresh = judge(presenting([expired, issuing.cert], ...noSniShowed([twin, issuing.cert], false)));
    expect(ids(fresh.findings)).toEqual(['tls.ok', 'cert.expired', 'cert.sni-dependent']);
    // Both expired: one cert.expired (the SNI one's).
    const both = judge(presenting([twin, issuing.cert], ...noSniShowed([expired, issuing.cert], false)));
    expect(ids(both.findings)).toEqual(['tls.ok', 'cert.ok', 'cert.sni-dependent', 'cert.expired']);
    const twice = judge(presenting([expired, issuing.cert], ...noSniShowed([expired, issuing.cert], false)));
    expect(ids(twice.findings)).toEqual(['tls.ok', 'cert.expired', 'cert.sni-dependent']);
    expect(one(twice.findings, 'cert.expired').evidence).toEqual([8, 9]);
  });

  it('leaves out info findings without SNI (a hosted MX whose default certificate lacks the mail domain)', () => {
    const h = 'mx.hoster.test[192.0.2.1]:25';
    const [noSni, noSniJudged] = noSniShowed([hostedPlain, issuing.cert], false, 'mx.hoster.test');
    const j = judge(presenting([hosted, issuing.cert], { key: h, mx: 'mx.hoster.test', serverName: 'mx.hoster.test', bannerName: 'mx.hoster.test', ehloName: 'mx.hoster.test', ...noSni }, noSniJudged));
    expect(ids(j.findings)).toEqual(['tls.ok', 'cert.ok', 'cert.sni-dependent']);
    expect(j.verdict).toBe('warn');
  });

  it('the expected thumbprint is the SNI certificate\'s: the one sent without SNI is not held to it', () => {
    const j = judge(goodHost(...noSniShowed([twin, issuing.cert], false)), EV, { ...ctx, expectThumbprint: sha256Of(good) });
    expect(ids(j.findings)).toEqual(['tls.ok', 'cert.ok', 'cert.sni-dependent']);
  });

  it('the certificate sent without SNI is judged with the same warning window', () => {
    const f = goodHost(...noSniShowed([soon, issuing.cert], false));
    const j = judge(f);
    expect(ids(j.findings)).toEqual(['tls.ok', 'cert.ok', 'cert.sni-dependent', 'cert.expiring-soon']);
    expect(one(j.findings, 'cert.expiring-soon').facts).toEqual({ host: HOST, handshake: 'no-sni', subject: 'mx.example.test', notAfter: notAfterOf(soon), daysLeft: 12 });
    expect(ids(judge(f, EV, { ...ctx, warnDays: 10 }).findings)).toEqual(['tls.ok', 'cert.ok', 'cert.sni-dependent']);
  });
});

describe('assessHost: envelope test (--from / --rcpt)', () => {
  const MAIL = 'MAIL FROM:<probe@example.net>';
  const RCPT = 'RCPT TO:<postmaster@example.test>';
  const accepted: JudgedStep = { command: MAIL, reply: reply(250, '2.1.0 Ok'), outcome: 'accepted' };
  const withEnvelope = (...steps: JudgedStep[]) => goodHost({ envelope: commands(steps) }, { envelope: outcomes(steps) });

  it('all accepted: nothing to say', () => {
    expect(found(judge(withEnvelope(accepted, { command: RCPT, reply: reply(250, '2.1.5 Ok'), outcome: 'accepted' })).findings)).toEqual([TLS_OK, certOk()]);
  });

  it('a refused recipient: smtp.envelope-rejected (warn) naming the command and reply', () => {
    const j = judge(withEnvelope(accepted, { command: RCPT, reply: reply(550, '5.1.1 User unknown'), outcome: 'rejected' }));
    expect(found(j.findings)).toEqual([TLS_OK, certOk(), F('smtp.envelope-rejected', { command: RCPT, reply: '550 5.1.1 User unknown' })]);
    expect(j.findings[2]?.evidence).toEqual([12, 13]);
    expect(j.verdict).toBe('warn');
  });

  it('a deferral that is not a rate limit (452 too many recipients): smtp.envelope-rejected', () => {
    const j = judge(withEnvelope(accepted, { command: RCPT, reply: reply(452, '4.5.3 Too many recipients'), outcome: 'deferred' }));
    expect(found(j.findings)).toEqual([TLS_OK, certOk(), F('smtp.envelope-rejected', { command: RCPT, reply: '452 4.5.3 Too many recipients' })]);
  });

  it('421 to MAIL FROM: smtp.rate-limited (inconclusive)', () => {
    const j = judge(withEnvelope({ command: MAIL, reply: reply(421, '4.7.0 Too many messages, slow down'), outcome: 'deferred' }));
    expect(found(j.findings)).toEqual([TLS_OK, certOk(), F('smtp.rate-limited', { reply: '421 4.7.0 Too many messages, slow down' })]);
    expect(j.findings[2]?.evidence).toEqual([12, 13]);
    expect(j.verdict).toBe('inconclusive');
  });

  it('greylisting: smtp.greylisted (inconclusive, not pass)', () => {
    const j = judge(withEnvelope(accepted, { command: RCPT, reply: reply(451, '4.7.1 Greylisted, try again later'), outcome: 'greylisted' }));
    expect(found(j.findings)).toEqual([TLS_OK, certOk(), F('smtp.greylisted', { command: RCPT, reply: '451 4.7.1 Greylisted, try again later' })]);
    expect(j.findings[2]?.evidence).toEqual([12, 13]);
    expect(j.verdict).toBe('inconclusive');
  });

  it('no reply, or "TLS required" (a matter for the cleartext test): nothing from the envelope', () => {
    expect(found(judge(withEnvelope({ command: MAIL, reply: null, outcome: 'no-reply' })).findings)).toEqual([TLS_OK, certOk()]);
    expect(found(judge(withEnvelope({ command: MAIL, reply: reply(530, '5.7.0 Must issue a STARTTLS command first'), outcome: 'requires-tls' })).findings)).toEqual([TLS_OK, certOk()]);
  });
});

describe('assessHost: mail offered without TLS', () => {
  it('accepted in the clear: policy.cleartext-accepted on the cleartext evidence', () => {
    const j = judge(goodHost(...cleartextTest([{ command: 'MAIL FROM:<probe@example.net>', reply: reply(250, '2.1.0 Ok'), outcome: 'accepted' }], false)));
    expect(found(j.findings)).toEqual([TLS_OK, certOk(), F('policy.cleartext-accepted', { stage: 'MAIL FROM' })]);
    expect(j.findings[2]?.evidence).toEqual([14]);
    expect(j.findings[2]?.hosts).toEqual([HOST]);
  });
});

describe('assessHost: evidence', () => {
  it('a finding whose phase recorded no event carries no evidence', () => {
    const [cleartext, cleartextJudged] = cleartextTest([{ command: 'MAIL FROM:<>', reply: reply(250, '2.1.0 Ok'), outcome: 'accepted' }], false);
    const [noSni, noSniJudged] = noSniShowed([fallback, issuing.cert], false);
    const withSni = goodHost({ ...cleartext, ...noSni }, { ...cleartextJudged, ...noSniJudged });
    const failedTls = host({ status: 'tls-handshake-error', tls: { ...tlsOk(), ok: false, status: 'tls-handshake-error', error: 'alert' }, capabilitiesInTls: null, ehloTlsReply: null, legacyRetry: null });
    const refused = host({ ...EARLY, status: 'connection-refused', statusReason: 'ECONNREFUSED' });
    const evidence = (c: Case) => judge(c, {}).findings.map((x) => [x.id, x.evidence]);
    expect(evidence(withSni)).toEqual([
      ['tls.ok', []],
      ['cert.ok', []],
      ['cert.sni-dependent', []],
      ['cert.name-mismatch', []],
      ['policy.cleartext-accepted', []],
    ]);
    expect(evidence(failedTls)).toEqual([['tls.handshake-failed', []]]);
    expect(evidence(refused)).toEqual([['net.connect-refused', []]]);
  });

  it('phases listed without events are skipped when looking for the last event', () => {
    const f = goodHost({ status: 'internal-error', statusDetail: 'TypeError: x', statusReason: 'bug', capabilitiesInTls: null, ehloTlsReply: null });
    const j = judge(f, { connect: [1, 2], banner: [3], ehlo: undefined, tls: [8, 9], ehloTls: undefined });
    expect(one(j.findings, 'mxray.internal-error').evidence).toEqual([9]);
  });
});

describe('assessFacts: what the checks make of the facts', () => {
  const assess = (c: Case, now = NOW, domain: string | null = 'example.test') => assessFacts(c.facts, { trustStore: trustStore(), now, domain });

  it('verifies the chain the handshake delivered, against the server name, the mail domain and the judging time', () => {
    const a = assess(host({ tls: tlsOk([good, issuing.cert]) }));
    expect(a.certificate).toEqual(verdictFor([good, issuing.cert]));
    expect(a.certificate?.trusted).toBe(true);
    expect(a.certificate?.checkedName).toBe('mx.example.test');
    // Another date, another name, no domain: each goes into the verdict.
    const later = assess(host({ tls: tlsOk([good, issuing.cert]) }), NOW + 400 * DAY_MS);
    expect(later.certificate?.timeValid).toBe(false);
    expect(later.certificate).toEqual(verifyChain({ chain: [good.der, issuing.cert.der], trustStore: trustStore(), now: NOW + 400 * DAY_MS, name: 'mx.example.test', domain: 'example.test' }));
    expect(assess(host({ serverName: 'mx.other.test', tls: tlsOk([good, issuing.cert]) })).certificate?.nameMatches).toBe(false);
    // An IP target has no name to check: n/a, not a mismatch.
    const ip = assess(host({ serverName: null, tls: tlsOk([good, issuing.cert]) }), NOW, null);
    expect(ip.certificate).toEqual(verdictFor([good, issuing.cert], null, null));
    expect(ip.certificate?.nameMatches).toBeNull();
    // A chain sent without its intermediate is judged as sent.
    expect(assess(host({ tls: tlsOk([good]) })).certificate?.trustFailure).toBe('chain-incomplete');
  });

  it('the certificate of the legacy handshake when only it completed, and says so; none when it sent no certificate', () => {
    const legacy = (peer: IssuedCert[]) => ({ ok: true, protocol: 'TLSv1', cipher: 'AES128-SHA', cipherStandard: null, error: null, failure: null, peerChain: peerChain(peer) });
    const failed = { tls: tlsFailed('alert'), capabilitiesInTls: null, ehloTlsReply: null };
    const a = assess(host({ ...failed, legacyRetry: legacy([good, issuing.cert]) }));
    expect(a.certificate).toEqual(verdictFor([good, issuing.cert]));
    expect(a.certificateFrom).toBe('legacy');
    expect(assess(host({ ...failed, legacyRetry: legacy([]) }))).toMatchObject({ certificate: null, certificateFrom: null });
    expect(assess(host({ ...failed, legacyRetry: { ...legacy([good]), ok: false } }))).toMatchObject({ certificate: null, certificateFrom: null });
    // The normal handshake's certificate wins whenever it completed.
    expect(assess(host({ tls: tlsOk([good, issuing.cert]), legacyRetry: legacy([good]) }))).toMatchObject({ certificateFrom: 'main', certificate: verdictFor([good, issuing.cert]) });
  });

  it('sameCertificate without SNI only when both handshakes showed a leaf', () => {
    expect(assess(host({ tls: null, capabilitiesInTls: null, ehloTlsReply: null, noSni: { status: 'ok', error: null, peerChain: peerChain([good]) } })).noSni?.sameCertificate).toBeNull();
    const noSni = (chain: IssuedCert[]) => ({ noSni: { status: 'ok' as const, error: null, peerChain: peerChain(chain) } });
    expect(assess(host({ tls: tlsOk([good]), ...noSni([good]) })).noSni?.sameCertificate).toBe(true);
    expect(assess(host({ tls: tlsOk([good]), ...noSni([issuing.cert]) })).noSni?.sameCertificate).toBe(false);
    expect(assess(host({ tls: tlsOk([]), ...noSni([good]) })).noSni?.sameCertificate).toBeNull();
    expect(assess(host({ tls: tlsOk([good]), ...noSni([]) })).noSni?.sameCertificate).toBeNull();
    expect(assess(host({ tls: tlsFailed('alert'), capabilitiesInTls: null, ehloTlsReply: null, ...noSni([good]) })).noSni?.sameCertificate).toBeNull();
    expect(assess(host({ tls: tlsOk([good]), noSni: { status: 'tls-handshake-error', error: 'x', peerChain: peerChain([good]) } })).noSni).toEqual({ certificate: null, sameCertificate: null });
  });

  it('no certificate to judge without a completed handshake', () => {
    expect(assess(host({ tls: tlsFailed('alert'), capabilitiesInTls: null, ehloTlsReply: null })).certificate).toBeNull();
    expect(assess(host({ ...NO_TLS })).certificate).toBeNull();
  });

  it('the handshake without SNI: its chain verified too, and the same certificate only when the leaf is byte for byte the same', () => {
    const main = { tls: tlsOk([good, issuing.cert]) };
    const same = assess(host({ ...main, noSni: { status: 'ok', error: null, peerChain: peerChain([good]) } }));
    expect(same.noSni).toEqual({ sameCertificate: true, certificate: verdictFor([good]) });
    // A second certificate for the same name is another certificate.
    const other = assess(host({ ...main, noSni: { status: 'ok', error: null, peerChain: peerChain([twin, issuing.cert]) } }));
    expect(other.noSni).toEqual({ sameCertificate: false, certificate: verdictFor([twin, issuing.cert]) });
    const failed = assess(host({ ...main, noSni: { status: 'tls-handshake-error', error: 'tlsv1 unrecognized name', peerChain: [] } }));
    expect(failed.noSni).toEqual({ sameCertificate: null, certificate: null });
    expect(assess(host(main)).noSni).toBeNull();
  });

  it('why the normal handshake failed, read from both attempts, and whether a certificate came', () => {
    const failedWith = (seen: Partial<HandshakeFailure['seen']>, legacyRetry: LegacyRetry) => {
      const tls = tlsFailed('error:0A000410:SSL routines::sslv3 alert handshake failure');
      return host({ status: 'tls-handshake-error', tls: { ...tls, failure: { ...tls.failure!, seen: { ...tls.failure!.seen, ...seen } } }, capabilitiesInTls: null, ehloTlsReply: null, legacyRetry });
    };
    const retried = (over: Partial<LegacyRetry>): LegacyRetry => ({ ok: false, protocol: null, cipher: null, cipherStandard: null, error: 'alert', failure: null, peerChain: [], ...over });
    // The legacy handshake worked: what it needed says why.
    const old = assess(failedWith({}, retried({ ok: true, protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES256-SHA', cipherStandard: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', error: null })));
    expect([old.legacyCause, old.certificateReceived]).toEqual(['old-protocol', true]);
    const nullCipher = assess(failedWith({}, retried({ ok: true, protocol: 'TLSv1.2', cipher: 'X', cipherStandard: 'TLS_RSA_WITH_NULL_SHA256', error: null })));
    expect(nullCipher.legacyCause).toBe('null-cipher');
    // Both failed: what the server sent in either.
    const both = assess(failedWith({}, retried({ failure: { error: 'alert', reason: 'handshake', seen: { bytes: 7, notTls: false, preview: null, serverHello: false, certificate: false, encrypted: false, alert: 'handshake_failure' }, timedOut: false } })));
    expect([both.legacyCause, both.certificateReceived]).toEqual(['no-shared-cipher', false]);
    const notTls = assess(failedWith({}, retried({ failure: { error: 'wrong version number', reason: 'handshake', seen: { bytes: 30, notTls: true, preview: '220 mx', serverHello: false, certificate: false, encrypted: false, alert: null }, timedOut: false } })));
    expect(notTls.legacyCause).toBe('not-tls');
    const aborted = assess(failedWith({ serverHello: true, certificate: true }, retried({})));
    expect([aborted.legacyCause, aborted.certificateReceived]).toEqual(['server-abort-after-certificate', true]);
    const secondCert = { error: 'alert', reason: 'handshake', seen: { bytes: 900, notTls: false, preview: null, serverHello: true, certificate: true, encrypted: false, alert: 'internal_error' }, timedOut: false };
    expect(assess(failedWith({}, retried({ failure: secondCert }))).certificateReceived).toBe(true);
    // No retry, or a failure of ours rather than a handshake one: nothing to read.
    expect(assess(host({ status: 'tls-handshake-error', tls: tlsFailed('alert'), legacyRetry: null, capabilitiesInTls: null, ehloTlsReply: null }))).toMatchObject({ legacyCause: null, certificateReceived: null });
    expect(assess(host({ status: 'tls-handshake-error', tls: tlsFailed('alert', { failure: null }), legacyRetry: retried({}), capabilitiesInTls: null, ehloTlsReply: null }))).toMatchObject({ legacyCause: null, certificateReceived: null });
  });

  it('each envelope reply classified, and whether the server insisted on TLS for mail offered in the clear', () => {
    const MAIL = 'MAIL FROM:<>';
    const RCPT = 'RCPT TO:<postmaster@example.test>';
    const a = assess(host({ envelope: [{ command: MAIL, reply: reply(250, '2.1.0 Ok') }, { command: RCPT, reply: reply(451, '4.7.1 Greylisted, try again later') }] }));
    expect(a.envelope).toEqual([
      { command: MAIL, outcome: 'accepted' },
      { command: RCPT, outcome: 'greylisted' },
    ]);
    const cleartext = (...steps: EnvelopeStep[]) => assess(host({ cleartext: { status: 'ok', steps } })).cleartext;
    expect(cleartext({ command: MAIL, reply: reply(530, '5.7.0 Must issue a STARTTLS command first') })).toEqual({ outcomes: [{ command: MAIL, outcome: 'requires-tls' }], requiresTls: true });
    expect(cleartext({ command: MAIL, reply: reply(250, '2.1.0 Ok') }, { command: RCPT, reply: reply(250, '2.1.5 Ok') })?.requiresTls).toBe(false);
    expect(cleartext({ command: MAIL, reply: reply(250, '2.1.0 Ok') }, { command: RCPT, reply: reply(450, '4.7.0 STARTTLS required') })?.requiresTls).toBe(true);
    // Refused for another reason, or the test never got to MAIL FROM: unknown.
    expect(cleartext({ command: MAIL, reply: reply(250, '2.1.0 Ok') }, { command: RCPT, reply: reply(550, '5.1.1 User unknown') })?.requiresTls).toBeNull();
    expect(assess(host({ cleartext: { status: 'connection-refused', steps: [] } })).cleartext).toEqual({ outcomes: [], requiresTls: null });
    expect(assess(host()).cleartext).toBeNull();
    expect(assess(host()).envelope).toEqual([]);
  });
});

describe('judgeHost: the facts, what the checks made of them, the findings and the verdict', () => {
  it('judges a chain from the facts alone, as assessHost does with that assessment', () => {
    const c = presenting([expired, issuing.cert]);
    const report = judgeHost(c.facts, { ...ctx, trustStore: trustStore() });
    expect(report.assessment).toEqual(c.assessment);
    expect(report).toEqual({ ...c.facts, assessment: c.assessment, ...judge(c) });
    expect(ids(report.findings)).toEqual(['tls.ok', 'cert.expired']);
    expect(report.verdict).toBe('fail');
  });

  it('another trust store or another date, another verdict from the same facts', () => {
    const { facts } = goodHost();
    expect(judgeHost(facts, { ...ctx, trustStore: trustStore() }).verdict).toBe('pass');
    const strangers = judgeHost(facts, { ...ctx, trustStore: createTrustStore([], 'no roots') });
    expect(strangers.assessment.certificate?.trusted).toBe(false);
    expect(strangers.verdict).toBe('fail');
    const later = judgeHost(facts, { ...ctx, trustStore: trustStore(), now: NOW + 400 * DAY_MS });
    expect(ids(later.findings)).toContain('cert.expired');
  });
});

describe('isRateLimitReply', () => {
  it('421 always; another 4xx when it says the server is limiting us', () => {
    expect(isRateLimitReply(reply(421, '4.3.2 System not accepting network messages'))).toBe(true);
    for (const text of ['Too many connections from your IP', 'rate exceeded', 'connection LIMIT reached', 'server busy', 'Try again later']) {
      expect(isRateLimitReply(reply(450, text)), text).toBe(true);
    }
    expect(isRateLimitReply(reply(400, 'busy'))).toBe(true);
    expect(isRateLimitReply(reply(499, 'busy'))).toBe(true);
    expect(isRateLimitReply(reply(451, '4.3.0 Local error in processing'))).toBe(false);
    // The words may be spread over the lines of a multi-line reply.
    expect(isRateLimitReply(reply(450, '4.7.1 Service unavailable, please try again', 'later or contact postmaster'))).toBe(true);
  });

  it('never a 5xx or a success, whatever the words', () => {
    expect(isRateLimitReply(reply(500, 'too many errors'))).toBe(false);
    expect(isRateLimitReply(reply(554, '5.7.1 rate limit: you are blocked'))).toBe(false);
    expect(isRateLimitReply(reply(250, 'rate limit reset'))).toBe(false);
    expect(isRateLimitReply(reply(399, 'busy'))).toBe(false);
  });
});

describe('judgeHost: our own bug while judging', () => {
  it('becomes mxray.internal-error on that host (named in facts and hosts), with every measured fact kept', () => {
    const c = host({ tls: tlsOk([good, issuing.cert]) });
    const broken = new Proxy({}, { get: () => { throw new Error('trust store exploded'); } }) as never;
    const report = judgeHost(c.facts, { ...ctx, trustStore: broken });
    expect(report.findings.map((f) => [f.id, f.facts, f.hosts])).toEqual([
      ['mxray.internal-error', { host: c.facts.key, detail: 'while judging: trust store exploded' }, [c.facts.key]],
    ]);
    // "We could not tell" (the catalogue marks it inconclusive); the exit code says 4 for it.
    expect(report.verdict).toBe('inconclusive');
    expect(report.tls).toEqual(c.facts.tls);
    expect(report.assessment.certificate).toBeNull();
  });
});
