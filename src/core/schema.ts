// The one definition of the Report contract. TypeScript types (`Static<…>`) and the published
// JSON Schema (schema/report.schema.json, via scripts/gen-schema.js) both come from here.
// Runtime code imports only the types (`import type`), so TypeBox is never on the start-up path.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Literals, Nullable, strict } from './schema-parts.js';
import { BlocklistBodySchema, DnsblSectionSchema } from './blocklist-schema.js';
import { TlsRptBodySchema } from './tlsrpt-schema.js';
import { DaneHandshakeSchema, DaneSectionSchema } from './dane-schema.js';
import { ExplainBodySchema } from './explain-schema.js';
import { HeadersBodySchema } from './headers-schema.js';
import { SenderBodySchema } from './sender-schema.js';
import { LogsBodySchema } from './logs-schema.js';
import { PcapBodySchema } from './pcap-schema.js';

import { SCHEMA_VERSION } from './version.js';
import { ENFORCE_STAGES, ENFORCE_VERDICTS, MTA_STS_MODES, SEND_OUTCOMES, SEND_STAGES, SEND_TLS_MODES, SEND_VERIFY_MODES, SEVERITIES, VERDICTS } from './vocabulary.js';

export { ENFORCE_STAGES, ENFORCE_VERDICTS, MTA_STS_MODES, SCHEMA_VERSION, SEND_OUTCOMES, SEND_STAGES, SEND_TLS_MODES, SEND_VERIFY_MODES, SEVERITIES, VERDICTS };

export const SeveritySchema = Literals(SEVERITIES);
export type Severity = Static<typeof SeveritySchema>;

export const ActorSchema = Type.Union([Type.Literal('us'), Type.Literal('them'), Type.Literal('either')]);
export type Actor = Static<typeof ActorSchema>;

/** The closed status list (STYLE.md §5): why a probe or phase did not complete. */
export const STATUS_CODES = [
  'ok',
  'dns-error',
  'connection-refused',
  'connection-timeout',
  'greeting-timeout',
  'protocol-error',
  'starttls-refused',
  'tls-handshake-error',
  'post-tls-error',
  'io-timeout',
  'invalid-input',
  'blocked-target',
  'internal-error',
  /** Stopped by mxray: the test's deadline came before the probe finished (what it measured before is kept). */
  'deadline-reached',
] as const;
export type StatusCode = (typeof STATUS_CODES)[number];
export const StatusCodeSchema = Literals(STATUS_CODES);

export const RemediationSchema = Type.Object(
  {
    summary: Type.String(),
    steps: Type.Array(Type.String()),
    exchange: Type.Optional(Type.Array(Type.String())),
    postfix: Type.Optional(Type.Array(Type.String())),
    exim: Type.Optional(Type.Array(Type.String())),
  },
  strict,
);
export type Remediation = Static<typeof RemediationSchema>;

export const FindingSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9-]+(\\.[a-z0-9-]+)+$' }),
    severity: SeveritySchema,
    title: Type.String(),
    detail: Type.String(),
    actor: ActorSchema,
    /** What a sender using opportunistic TLS does when it meets this. */
    opportunistic: Type.String(),
    /** What a sender that verifies or forces TLS does when it meets this. */
    verifying: Type.String(),
    remediation: RemediationSchema,
    refs: Type.Array(Type.String()),
    /** Addresses ("host[ip]:port") this finding was seen on; empty for domain-level findings. */
    hosts: Type.Array(Type.String(), { maxItems: 2000 }),
    /** Transcript event sequence numbers that show it. */
    evidence: Type.Array(Type.Integer(), { maxItems: 5000 }),
    /** The measured values the detail was written from (dates, names, replies). */
    facts: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  },
  strict,
);
export type Finding = Static<typeof FindingSchema>;

export const TranscriptEventSchema = Type.Object(
  {
    seq: Type.Integer({ minimum: 0 }),
    /** Milliseconds since the start of the run. */
    t: Type.Number({ minimum: 0 }),
    /** Which connection (or 'dns'): "mx1.example.com[192.0.2.1]:25/main". */
    conn: Type.String(),
    kind: Literals(['dns', 'connect', 'send', 'recv', 'tls', 'cert', 'error', 'close', 'note'] as const),
    /** The line sent or received (control characters escaped), or a description of the event. */
    text: Type.String(),
  },
  strict,
);
export type TranscriptEvent = Static<typeof TranscriptEventSchema>;

export const ReplySchema = Type.Object(
  {
    code: Type.Integer(),
    enhanced: Nullable(Type.String()),
    lines: Type.Array(Type.String(), { maxItems: 1000 }),
    /**
     * Each line's code, only when the lines disagree ("250-…" then "550 …"): `code` is then the
     * last line's, the one Postfix and most clients act on. Absent on a consistent reply.
     */
    codes: Type.Optional(Type.Array(Type.Integer(), { maxItems: 1000 })),
  },
  strict,
);
export type ReplyFacts = Static<typeof ReplySchema>;

export const CapabilitySchema = Type.Object(
  {
    keyword: Type.String(),
    params: Type.Array(Type.String()),
    meaning: Nullable(Type.String()),
    rfc: Nullable(Type.String()),
  },
  strict,
);
export type Capability = Static<typeof CapabilitySchema>;

export const CertInfoSchema = Type.Object(
  {
    subject: Type.String(),
    issuer: Type.String(),
    commonName: Nullable(Type.String()),
    dnsNames: Type.Array(Type.String()),
    ipAddresses: Type.Array(Type.String()),
    serialNumber: Type.String(),
    notBefore: Type.String({ format: 'date-time' }),
    notAfter: Type.String({ format: 'date-time' }),
    signatureAlgorithm: Type.String(),
    signatureOid: Nullable(Type.String()),
    keyType: Type.String(),
    keyBits: Nullable(Type.Integer()),
    keyCurve: Nullable(Type.String()),
    selfIssued: Type.Boolean(),
    isCa: Type.Boolean(),
    sha1: Type.String({ pattern: '^[0-9A-F]{40}$' }),
    sha256: Type.String({ pattern: '^[0-9A-F]{64}$' }),
    /** The SHA-256 of the DER SubjectPublicKeyInfo: what a DANE `3 1 1` TLSA record holds. */
    spkiSha256: Type.String({ pattern: '^[0-9A-F]{64}$' }),
    /** Where this certificate came from: sent by the server, found in our trust store, or fetched from an issuer URL (AIA caIssuers) to repair an incomplete chain. */
    source: Type.Union([Type.Literal('sent'), Type.Literal('trust-store'), Type.Literal('aia')]),
  },
  strict,
);
export type CertInfo = Static<typeof CertInfoSchema>;

/**
 * Why the chain is not trusted: path building stopped (self-signed, untrusted-root, chain-incomplete,
 * bad-signature, chain-too-long), there was no certificate, or the path reached a trust anchor but
 * a certificate on it breaks a rule of path validation (chain-invalid: see the verdict's `problems`).
 */
export const TrustFailureSchema = Literals(
  ['none', 'self-signed', 'untrusted-root', 'chain-incomplete', 'bad-signature', 'no-certificate', 'chain-invalid', 'chain-too-long'] as const,
);
export type TrustFailure = Static<typeof TrustFailureSchema>;

/**
 * A rule of RFC 5280 path validation (§6.1, with the checks OpenSSL adds for a TLS server) that one
 * certificate on the path breaks.
 */
export const CHAIN_RULES = [
  /** Outside its validity period at the judging time (not reported for the leaf: see timeValid). */
  'expired',
  'not-yet-valid',
  /** It issued the certificate below it, but has no basicConstraints CA:TRUE. */
  'not-a-ca',
  /** A CA whose keyUsage lacks keyCertSign. */
  'issuer-cannot-sign',
  /** More CA certificates below it than its pathLenConstraint allows. */
  'path-length-exceeded',
  /** A name outside the permitted or inside the excluded subtrees of a CA above it. */
  'name-constraints-violated',
  /** Its extendedKeyUsage lacks serverAuth, or (the leaf) its keyUsage allows no TLS server key use. */
  'not-for-server-auth',
  /** A client certificate (the sender test): its extendedKeyUsage lacks clientAuth, or (the leaf) its keyUsage allows no TLS client key use. */
  'not-for-client-auth',
  /** A critical extension path validation does not know. */
  'unknown-critical-extension',
  /** An extension that cannot be read, or that appears twice. */
  'invalid-extension',
  /** Its issuer field is an empty name (RFC 5280 §4.1.2.4 forbids it). */
  'empty-issuer-name',
] as const;
export const ChainRuleSchema = Literals(CHAIN_RULES);
export type ChainRule = Static<typeof ChainRuleSchema>;

export const ChainProblemSchema = Type.Object(
  {
    /** The certificate's position on the verdict's `path`: 0 is the leaf. */
    index: Type.Integer({ minimum: 0 }),
    role: Literals(['leaf', 'intermediate', 'trust-anchor'] as const),
    /** The certificate's name for people (its CN, else its subject). */
    subject: Type.String(),
    rule: ChainRuleSchema,
    /** The violation in words, with the values involved (dates, limits, names, OIDs). */
    detail: Type.String(),
    /** The verify error OpenSSL reports for it (number and text; some only with -x509_strict: see the finding). */
    opensslError: Type.Object({ code: Type.Integer(), name: Type.String() }, strict),
  },
  strict,
);
export type ChainProblem = Static<typeof ChainProblemSchema>;

/** One fetch of an issuer certificate from a certificate's AIA caIssuers URL (measured, so a saved report can be judged again). */
export const AiaFetchSchema = Type.Object(
  {
    url: Type.String({ maxLength: 2048 }),
    ok: Type.Boolean(),
    /** Why it failed, in words (HTTP status, time-out, not a certificate …); null when it worked. */
    detail: Nullable(Type.String()),
    /** The certificates it returned (DER, base64): one, or a PKCS#7 bundle's (at most 8). */
    certificates: Type.Array(Type.String({ contentEncoding: 'base64' }), { maxItems: 8 }),
  },
  strict,
);
export type AiaFetch = Static<typeof AiaFetchSchema>;

/** What the server's chain becomes when missing issuers are fetched from AIA URLs, as Windows (Exchange, Exchange Online) and browsers do; OpenSSL-based MTAs never fetch. */
export const ChainRepairSchema = Type.Object(
  {
    /** 'repaired': the fetched certificates complete a trusted path; 'failed': fetching did not (see `reason`). */
    outcome: Literals(['repaired', 'failed'] as const),
    /** The path built with the fetched certificates (source 'aia'). */
    path: Type.Array(CertInfoSchema, { maxItems: 32 }),
    trustFailure: TrustFailureSchema,
    reason: Nullable(Type.String()),
    /** Every caIssuers fetch made, in order. */
    fetches: Type.Array(AiaFetchSchema, { maxItems: 16 }),
  },
  strict,
);
export type ChainRepair = Static<typeof ChainRepairSchema>;

/** One revocation lookup for one certificate: a CRL, an OCSP request, or the response the server stapled. */
export const RevocationLookupSchema = Type.Object(
  {
    method: Literals(['crl', 'ocsp', 'stapled-ocsp'] as const),
    /** The CRL or OCSP URL; null for a stapled response. */
    url: Nullable(Type.String({ maxLength: 2048 })),
    /**
     * 'good' / 'revoked': a verified answer; 'unknown': the OCSP responder does not know the
     * certificate; 'unreachable': no answer (network, HTTP error, time-out, too large); 'invalid':
     * an answer that cannot be trusted (unreadable, bad signature, unauthorised responder, another
     * certificate's, out of date). Only 'good' and 'revoked' say anything about revocation.
     */
    status: Literals(['good', 'revoked', 'unknown', 'unreachable', 'invalid'] as const),
    /** Why, in words, for every status but 'good'. */
    detail: Nullable(Type.String({ maxLength: 1000 })),
    revokedAt: Nullable(Type.String({ format: 'date-time' })),
    /** The CRL reason (keyCompromise, superseded …), null when none was given. */
    reason: Nullable(Type.String()),
    thisUpdate: Nullable(Type.String({ format: 'date-time' })),
    nextUpdate: Nullable(Type.String({ format: 'date-time' })),
  },
  strict,
);
export type RevocationLookup = Static<typeof RevocationLookupSchema>;

/** Revocation of one certificate on the path (measured at run time: the lookups are what the CA answered then). */
export const CertRevocationSchema = Type.Object(
  {
    /** The certificate's position on the path: 0 is the leaf. */
    index: Type.Integer({ minimum: 0 }),
    subject: Type.String(),
    sha256: Type.String({ pattern: '^[0-9A-F]{64}$' }),
    crlUrls: Type.Array(Type.String(), { maxItems: 16 }),
    ocspUrls: Type.Array(Type.String(), { maxItems: 16 }),
    /** TLS feature status_request (OCSP must-staple). */
    mustStaple: Type.Boolean(),
    lookups: Type.Array(RevocationLookupSchema, { maxItems: 40 }),
  },
  strict,
);
export type CertRevocation = Static<typeof CertRevocationSchema>;

export const CertVerdictSchema = Type.Object(
  {
    /** As sent by the server (leaf first; certificates unrelated to the leaf's chain are not visible to us). */
    sent: Type.Array(CertInfoSchema, { maxItems: 32 }),
    /** The path we built from the leaf to a trust anchor (or as far as it goes). */
    path: Type.Array(CertInfoSchema, { maxItems: 32 }),
    trusted: Type.Boolean(),
    trustFailure: TrustFailureSchema,
    /** Why verification failed, in words. Null when trusted. */
    trustReason: Nullable(Type.String()),
    /** The name checked (the MX host name), null for an IP target. */
    checkedName: Nullable(Type.String()),
    nameMatches: Nullable(Type.Boolean()),
    domainMatches: Nullable(Type.Boolean()),
    timeValid: Type.Boolean(),
    daysLeft: Type.Integer(),
    /**
     * The verify error OpenSSL (and so Postfix's and Exim's logs) would report first for this
     * chain and name: `verify error:num=<code>:<name>`. Null when the chain verifies and the name
     * matches, and when there was no certificate to verify.
     */
    opensslError: Nullable(Type.Object({ code: Type.Integer(), name: Type.String() }, strict)),
    /**
     * Every rule a certificate on `path` breaks (RFC 5280 §6.1), leaf first: validity of the
     * certificates above the leaf, CA flags, key usages, path length and name constraints, purpose,
     * critical extensions. Not the leaf's own validity (timeValid), nor names (nameMatches).
     */
    problems: Type.Array(ChainProblemSchema, { maxItems: 256 }),
    /** How many certificates the server sent; only the first 32 are examined (and listed in `sent`). */
    sentCount: Type.Integer({ minimum: 0 }),
    /** The chain incomplete as sent, completed from AIA caIssuers URLs (null: not attempted; absent in older reports). */
    repair: Type.Optional(Nullable(ChainRepairSchema)),
    /** Revocation of the path's certificates (null: not checked, e.g. --no-revocation; absent in older reports). */
    revocation: Type.Optional(Nullable(Type.Array(CertRevocationSchema, { maxItems: 32 }))),
  },
  strict,
);
export type CertVerdict = Static<typeof CertVerdictSchema>;


/** What the record layer showed the server sent during a handshake (tls/records.ts). */
export const TlsRecordSummarySchema = Type.Object(
  {
    bytes: Type.Integer({ minimum: 0 }),
    notTls: Type.Boolean(),
    preview: Nullable(Type.String()),
    serverHello: Type.Boolean(),
    certificate: Type.Boolean(),
    encrypted: Type.Boolean(),
    alert: Nullable(Type.String()),
    // Optional so that reports saved before they were measured still read (same schema version).
    /** A CertificateRequest was seen in the clear (TLS ≤ 1.2): the server asked for a client certificate. */
    certificateRequest: Type.Optional(Type.Boolean()),
    /** The length of the Certificate message as its header announced it (TLS ≤ 1.2), or null. */
    certificateBytes: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
    /** ServerHelloDone was seen (TLS ≤ 1.2): the server's first flight was complete. */
    serverHelloDone: Type.Optional(Type.Boolean()),
    /** Bytes of encrypted records after the ServerHello (TLS 1.3: the certificate travels in them). */
    encryptedBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);
export type TlsRecordSummaryFacts = Static<typeof TlsRecordSummarySchema>;

/** A failed handshake as measured: OpenSSL's words and what the server actually sent. */
export const HandshakeFailureSchema = Type.Object(
  {
    error: Type.String(),
    /** Machine-readable: OpenSSL's reason or an errno. */
    reason: Type.String(),
    seen: TlsRecordSummarySchema,
    timedOut: Type.Boolean(),
  },
  strict,
);
export type HandshakeFailure = Static<typeof HandshakeFailureSchema>;

/** Certificates exactly as the handshake delivered them: DER, base64, leaf first. */
const PeerChainSchema = Type.Array(Type.String({ contentEncoding: 'base64' }), { maxItems: 20 });

export const TlsFactsSchema = Type.Object(
  {
    ok: Type.Boolean(),
    status: StatusCodeSchema,
    protocol: Nullable(Type.String()),
    cipher: Nullable(Type.String()),
    /** IANA/standard cipher name where known. */
    cipherStandard: Nullable(Type.String()),
    group: Nullable(Type.String()),
    sni: Nullable(Type.String()),
    ocspStapled: Type.Boolean(),
    /** The stapled OCSP response (DER, base64), at most 64 KiB; absent in reports saved before it was kept. */
    ocspResponse: Type.Optional(Nullable(Type.String({ contentEncoding: 'base64', maxLength: 90_000 }))),
    handshakeMs: Nullable(Type.Number()),
    /** OpenSSL's words for a failed handshake, or null. */
    error: Nullable(Type.String()),
    /** The failed handshake as measured (null when it worked, or failed for a reason of ours). */
    failure: Nullable(HandshakeFailureSchema),
    /** Bytes the server sent after its 220 to STARTTLS and before the handshake (discarded). */
    injectedBytes: Type.Integer({ minimum: 0 }),
    peerChain: PeerChainSchema,
    /**
     * The certificates exactly as the server sent them in its Certificate message (order, extras,
     * duplicates; DER, base64; at most 64), which the checks judge; null when they could not be
     * read (then `peerChain`, Node's view, is judged); absent in reports saved before.
     */
    sentChain: Type.Optional(Nullable(Type.Array(Type.String({ contentEncoding: 'base64' }), { maxItems: 64 }))),
    // Optional so that reports saved before they were measured still read (same schema version).
    /** The first of the injected bytes (at most 256, as Latin-1), or null when there were none. */
    injectedSample: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
    /**
     * Whether the server asked for a client certificate (a CertificateRequest) in a handshake that
     * worked: seen in the clear up to TLS 1.2; null with TLS 1.3, where the request is encrypted.
     */
    clientCertificateRequested: Type.Optional(Nullable(Type.Boolean())),
    /**
     * The TLS alert that ended the session right after a handshake that worked on our side (TLS
     * 1.3: the server judges our empty Certificate after our Finished, e.g. certificate_required),
     * or null.
     */
    alertAfterHandshake: Type.Optional(Nullable(Type.String())),
  },
  strict,
);
export type TlsFacts = Static<typeof TlsFactsSchema>;

export const LEGACY_CAUSES = [
  'old-protocol',
  'null-cipher',
  'no-shared-cipher',
  'server-abort-after-certificate',
  'not-tls',
  'client-certificate-required',
  'certificate-too-large',
  'handshake-timeout',
  'unknown',
] as const;
export type LegacyCause = (typeof LEGACY_CAUSES)[number];

/** A second handshake with legacy settings after the normal one failed, as measured. */
export const LegacyRetrySchema = Type.Object(
  {
    ok: Type.Boolean(),
    protocol: Nullable(Type.String()),
    cipher: Nullable(Type.String()),
    cipherStandard: Nullable(Type.String()),
    error: Nullable(Type.String()),
    /** The legacy handshake failed too: what the server sent then (null when it was never tried). */
    failure: Nullable(HandshakeFailureSchema),
    /** The certificates the server sent in the legacy handshake (base64 DER, leaf first), as it sent them. */
    peerChain: Type.Array(Type.String(), { maxItems: 32 }),
  },
  strict,
);
export type LegacyRetry = Static<typeof LegacyRetrySchema>;

/** A command of the envelope test and the server's reply to it (null: no reply). */
export const EnvelopeStepSchema = Type.Object(
  {
    command: Type.String(),
    reply: Nullable(ReplySchema),
  },
  strict,
);
export type EnvelopeStep = Static<typeof EnvelopeStepSchema>;

export const ENVELOPE_OUTCOMES = ['accepted', 'rejected', 'deferred', 'greylisted', 'requires-tls', 'no-reply'] as const;
export type EnvelopeOutcome = (typeof ENVELOPE_OUTCOMES)[number];

export const CleartextFactsSchema = Type.Object(
  {
    status: StatusCodeSchema,
    steps: Type.Array(EnvelopeStepSchema),
  },
  strict,
);
export type CleartextFacts = Static<typeof CleartextFactsSchema>;

/**
 * The handshake with SNI made again when the one without SNI showed another certificate than the
 * main one: the same certificate again means the server chooses by SNI; another one, that the
 * certificate differs between connections (a pool of servers behind one address).
 */
export const SniConfirmFactsSchema = Type.Object(
  {
    status: StatusCodeSchema,
    error: Nullable(Type.String()),
    peerChain: PeerChainSchema,
  },
  strict,
);
export type SniConfirmFacts = Static<typeof SniConfirmFactsSchema>;

export const NoSniFactsSchema = Type.Object(
  {
    status: StatusCodeSchema,
    error: Nullable(Type.String()),
    peerChain: PeerChainSchema,
    /** The confirming handshake with SNI: present only when it was made (the certificate without SNI differed). Optional so that reports saved before it read. */
    confirm: Type.Optional(SniConfirmFactsSchema),
  },
  strict,
);
export type NoSniFacts = Static<typeof NoSniFactsSchema>;

export const VerdictSchema = Literals(VERDICTS);
export type Verdict = Static<typeof VerdictSchema>;

const StarttlsFactsSchema = Type.Object(
  {
    offered: Type.Boolean(),
    masked: Type.Boolean(),
    reply: Nullable(ReplySchema),
    negotiated: Type.Boolean(),
  },
  strict,
);

/** What a job fetched for certificates: kept as facts, so judging again needs no network. */
export const PkiFetchesSchema = Type.Object(
  {
    aia: Type.Array(AiaFetchSchema, { maxItems: 16 }),
    /** Per certificate (by SHA-256): the revocation lookups made for it. */
    revocation: Type.Array(CertRevocationSchema, { maxItems: 64 }),
  },
  strict,
);
export type PkiFetches = Static<typeof PkiFetchesSchema>;

/** Everything measured on one MX address: raw material only, nothing judged. */
const hostFactsProperties = {
  /** "mx1.example.com[192.0.2.1]:25": the key findings and the transcript use. */
  key: Type.String(),
  mx: Type.String(),
  preference: Nullable(Type.Integer()),
  /** An IP address (IPv6 without brackets). */
  address: Type.String({ pattern: '^[0-9A-Fa-f.:]{2,45}$' }),
  family: Type.Union([Type.Literal(4), Type.Literal(6)]),
  port: Type.Integer(),
  implicitTls: Type.Boolean(),
  /** The name we checked the certificate against (the MX host name), null for an IP target. */
  serverName: Nullable(Type.String()),
  ptr: Type.Array(Type.String()),
  /** Whether a reverse name equals the name the server announced (banner / EHLO). */
  ptrMatchesBanner: Nullable(Type.Boolean()),
  status: StatusCodeSchema,
  /** Server's words when the probe could not complete (e.g. a 421 reply). */
  statusDetail: Nullable(Type.String()),
  /** Machine-readable reason beside the status: an errno (ENETUNREACH), 'closed', 'line-too-long' … */
  statusReason: Nullable(Type.String()),
  connectMs: Nullable(Type.Number()),
  banner: Nullable(ReplySchema),
  /** The host name the server announced in its banner. */
  bannerName: Nullable(Type.String()),
  /** 'EHLO', 'HELO' (no ESMTP), or null when we never got that far. */
  greeting: Nullable(Type.Union([Type.Literal('EHLO'), Type.Literal('HELO')])),
  ehloReply: Nullable(ReplySchema),
  ehloName: Nullable(Type.String()),
  capabilities: Type.Array(CapabilitySchema, { maxItems: 1000 }),
  starttls: StarttlsFactsSchema,
  tls: Nullable(TlsFactsSchema),
  legacyRetry: Nullable(LegacyRetrySchema),
  capabilitiesInTls: Nullable(Type.Array(CapabilitySchema, { maxItems: 1000 })),
  /** The reply to EHLO inside TLS (null when TLS was not reached). */
  ehloTlsReply: Nullable(ReplySchema),
  envelope: Type.Array(EnvelopeStepSchema),
  noSni: Nullable(NoSniFactsSchema),
  cleartext: Nullable(CleartextFactsSchema),
  /**
   * What was fetched over HTTP for the certificates (issuer certificates from AIA URLs, CRLs and
   * OCSP answers, each already checked): null when nothing was fetched (--no-revocation and a
   * complete chain); absent in reports saved before.
   */
  pkiFetches: Type.Optional(Nullable(PkiFetchesSchema)),
  /**
   * DANE's extra handshakes (RSA signature algorithms only, ECDSA only, with the TLSA base domain as
   * SNI), made when the host publishes usable TLSA records: absent when DANE did not apply.
   */
  dane: Type.Optional(Type.Array(DaneHandshakeSchema, { maxItems: 2 })),
  /** Transcript sequence numbers of the events each phase produced (connect, banner, ehlo, tls …). */
  evidence: Type.Record(Type.String(), Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 5000 })),
};
export const HostFactsSchema = Type.Object(hostFactsProperties, strict);
/** Transcript sequence numbers per phase of a host's probe, for finding evidence. */
export type Evidence = Partial<Record<'connect' | 'banner' | 'ehlo' | 'starttls' | 'tls' | 'ehloTls' | 'envelope' | 'legacy' | 'noSni' | 'sniConfirm' | 'cleartext' | 'dane', number[]>>;
export type HostFacts = Static<typeof HostFactsSchema>;

const OutcomeSchema = Literals(ENVELOPE_OUTCOMES);

/** The receiving software recognised from banner, EHLO text, host name and extensions (kb/software.ts). */
export const SoftwareMatchSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    /** Which per-MTA fix steps of the catalogue apply (exchange, postfix, exim), null when none do. */
    remediationKey: Nullable(Literals(['exchange', 'postfix', 'exim'] as const)),
    confidence: Literals(['high', 'medium', 'low'] as const),
    /** The trace it was recognised by: 'banner says "ESMTP Postfix"'. */
    evidence: Type.String(),
  },
  strict,
);
export type SoftwareMatchFacts = Static<typeof SoftwareMatchSchema>;

/** What the checks made of one address's facts (recomputed by `mxray report --rejudge`). */
export const HostAssessmentSchema = Type.Object(
  {
    /** The receiving software, when its traces say so (null: unknown or ambiguous). */
    software: Nullable(SoftwareMatchSchema),
    /** The main handshake's certificate (or, when only the legacy retry got one, that one), verified against the trust store and the date judged at. */
    certificate: Nullable(CertVerdictSchema),
    /** Which handshake `certificate` comes from: the normal one, or the legacy retry after it failed. */
    certificateFrom: Nullable(Literals(['main', 'legacy'] as const)),
    /**
     * The handshake without SNI: its certificate and whether it is the main one's; `confirm`, when
     * the confirming handshake with SNI was made (optional: absent in reports saved before it), its
     * certificate and whether that is the main one's again.
     */
    noSni: Nullable(
      Type.Object(
        {
          sameCertificate: Nullable(Type.Boolean()),
          certificate: Nullable(CertVerdictSchema),
          confirm: Type.Optional(Type.Object({ sameCertificate: Nullable(Type.Boolean()), certificate: Nullable(CertVerdictSchema) }, strict)),
        },
        strict,
      ),
    ),
    /** Why the normal handshake failed, read from both attempts (null when it did not fail). */
    legacyCause: Nullable(Literals(LEGACY_CAUSES)),
    /** Whether the server got as far as sending a certificate in a failed handshake. */
    certificateReceived: Nullable(Type.Boolean()),
    envelope: Type.Array(Type.Object({ command: Type.String(), outcome: OutcomeSchema }, strict)),
    cleartext: Nullable(
      Type.Object(
        {
          outcomes: Type.Array(Type.Object({ command: Type.String(), outcome: OutcomeSchema }, strict)),
          /** true: the server refused mail without TLS; false: it accepted the envelope in clear; null: unknown. */
          requiresTls: Nullable(Type.Boolean()),
        },
        strict,
      ),
    ),
  },
  strict,
);
export type HostAssessment = Static<typeof HostAssessmentSchema>;

export const HostReportSchema = Type.Object(
  {
    ...hostFactsProperties,
    assessment: HostAssessmentSchema,
    verdict: VerdictSchema,
    findings: Type.Array(FindingSchema),
  },
  strict,
);
export type HostReport = Static<typeof HostReportSchema>;

export const MxRecordSchema = Type.Object(
  {
    exchange: Type.String(),
    preference: Type.Integer(),
    addresses: Type.Array(Type.String()),
    cname: Nullable(Type.String()),
    isIpLiteral: Type.Boolean(),
    error: Nullable(Type.String()),
  },
  strict,
);
export type MxRecord = Static<typeof MxRecordSchema>;

export const DnsFactsSchema = Type.Object(
  {
    status: Literals(['ok', 'no-mx-implicit', 'null-mx', 'nxdomain', 'servfail', 'timeout', 'error', 'not-applicable'] as const),
    resolver: Type.String(),
    mx: Type.Array(MxRecordSchema, { maxItems: 2000 }),
    error: Nullable(Type.String()),
  },
  strict,
);
export type DnsFacts = Static<typeof DnsFactsSchema>;

export const TargetSchema = Type.Object(
  {
    input: Type.String(),
    kind: Type.Union([Type.Literal('domain'), Type.Literal('host')]),
    domain: Nullable(Type.String()),
    host: Nullable(Type.String()),
    port: Type.Integer(),
    implicitTls: Type.Boolean(),
  },
  strict,
);
export type Target = Static<typeof TargetSchema>;

/** What the verdicts were judged against: a saved report says which roots, date and thresholds. */
export const JudgedWithSchema = Type.Object(
  {
    /** The moment certificates were judged at (the run's time, or `mxray report --rejudge --at`). */
    at: Type.String({ format: 'date-time' }),
    profile: Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }) }, strict),
    trustStore: Type.Object(
      {
        description: Type.String(),
        /** Node's bundled Mozilla roots were used, from this Node version (null: they were not). */
        bundledRootsOfNode: Nullable(Type.String()),
        /** SHA-256 (hex) of each extra CA file's content, in the order given. */
        extraCaFiles: Type.Array(Type.Object({ name: Type.String(), sha256: Type.String() }, strict)),
      },
      strict,
    ),
    /** Options that change judging: --warn-days, --expect-thumbprint. */
    options: Type.Object({ warnDays: Type.Integer({ minimum: 0 }), expectThumbprint: Nullable(Type.String()) }, strict),
    /** Judged again from saved facts (mxray report --rejudge), not by the run that measured them. */
    rejudged: Type.Boolean(),
  },
  strict,
);
export type JudgedWith = Static<typeof JudgedWithSchema>;

/** The receiver test's body: DNS, then one entry per MX address probed. */
/** What a sending MTA does with one address when it delivers to the domain (checks/delivery). */
export const SENDER_OUTCOMES = [
  /** It greets: the sender delivers here (with TLS, or, opportunistic, in clear after a failed handshake). */
  'accepts',
  /** Connection refused or no route: the sender moves on to the next address. */
  'refused',
  /** No answer to the connection, or no greeting in time: the sender moves on. */
  'timeout',
  /** A 4xx greeting or a 4xx reply before any mail (rate limits, greylisting): the sender moves on. */
  'deferred',
  /** A 5xx greeting: Postfix (smtp_skip_5xx_greeting) and most senders move on. */
  'rejected',
  /** Beyond the sender's limits (addresses or sessions per delivery): never tried. */
  'not-tried',
  /** mxray's deadline stopped the probe before the address greeted: what a sender gets there is not known. */
  'unknown',
] as const;
export type SenderOutcome = (typeof SENDER_OUTCOMES)[number];

/** The domain as senders deliver to it: addresses in the order they are tried, and where mail lands. */
export const DeliverySchema = Type.Object(
  {
    /** 'delivered': the first address tried accepts; 'fallback': earlier ones fail and a later one accepts; 'none': no address accepts within the limits; 'not-applicable': nothing to deliver to (null MX, no hosts). */
    state: Literals(['delivered', 'fallback', 'none', 'not-applicable'] as const),
    /** Every address, in the order senders try them (MX preference; equal preferences are tried in random order, listed here as probed). */
    attempts: Type.Array(
      Type.Object({ key: Type.String(), mx: Type.String(), preference: Nullable(Type.Integer()), outcome: Literals(SENDER_OUTCOMES) }, strict),
      { maxItems: 2000 },
    ),
    /** The MX hosts that receive the mail: the accepting hosts of the first preference where one accepts. */
    deliveredTo: Type.Array(Type.String(), { maxItems: 2000 }),
    /** The sender limits the walk applied (Postfix defaults: smtp_mx_address_limit 5, smtp_mx_session_limit 2). */
    limits: Type.Object({ addresses: Type.Integer({ minimum: 1 }), sessions: Type.Integer({ minimum: 1 }) }, strict),
  },
  strict,
);
export type Delivery = Static<typeof DeliverySchema>;

/** An MX host (or address) mxray did not probe, and why. */
export const NotProbedSchema = Type.Object(
  {
    /**
     * 'max-mx': beyond the first --max-mx MX host names (not even looked up); 'max-addresses': an
     * address beyond the ones probed of its name (limits.addressesPerHost); 'deadline': the deadline came before its turn.
     */
    reason: Literals(['max-mx', 'max-addresses', 'deadline'] as const),
    mx: Type.String(),
    preference: Nullable(Type.Integer()),
    /** The address, when it was known (null: the name was not looked up). */
    address: Nullable(Type.String()),
  },
  strict,
);
export type NotProbed = Static<typeof NotProbedSchema>;

/** mxray's own bounds on a receiver test, and what they left out or cut short (so nothing is silently missing). */
export const ReceiverBoundsSchema = Type.Object(
  {
    /** At most this many MX host names are looked up and probed, in preference order (--max-mx). */
    maxMx: Type.Integer({ minimum: 1 }),
    /** At most this many addresses of one host name are probed (limits.addressesPerHost). */
    addressesPerHost: Type.Integer({ minimum: 1 }),
    /** Each address's probe (all its connections) is stopped after this long. */
    addressDeadlineMs: Type.Integer({ minimum: 1 }),
    /** The whole test is stopped after this long (--deadline); null: no bound but each address's. */
    deadlineMs: Nullable(Type.Integer({ minimum: 1 })),
    /** Which deadline stopped something: 'check' (the whole test's), 'address' (only addresses' own), or null (none). */
    deadlineReached: Nullable(Literals(['address', 'check'] as const)),
    /** The addresses (host keys) a deadline stopped while they were probed: what they measured before is kept. */
    stopped: Type.Array(Type.String(), { maxItems: 2000 }),
    /** MX hosts and addresses found but not probed, in preference order (the first 5000). */
    notProbed: Type.Array(NotProbedSchema, { maxItems: 5000 }),
    /** How many were not probed in all (more than `notProbed` holds when the list was cut). */
    notProbedCount: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type ReceiverBounds = Static<typeof ReceiverBoundsSchema>;

/** A TXT lookup as answered: each record's character-strings as published. */
export const TxtLookupSchema = Type.Object(
  {
    name: Type.String(),
    /** 'found': records came back; 'none': NXDOMAIN or no TXT record (NODATA); 'error': no answer (SERVFAIL, time-out …). */
    status: Literals(['found', 'none', 'error'] as const),
    /** The DNS error code (NXDOMAIN, NODATA, SERVFAIL, TIMEOUT …); null when records came back. */
    error: Nullable(Type.String()),
    records: Type.Array(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 64 }), { maxItems: 64 }),
  },
  strict,
);
export type TxtLookup = Static<typeof TxtLookupSchema>;

/** The MTA-STS policy fetch (RFC 8461 §3.3): what the HTTPS server answered, before any judging. */
export const PolicyFetchSchema = Type.Object(
  {
    url: Type.String(),
    /** 'fetched': an HTTP answer came (any status); 'failed': none (DNS, connection, TLS, size, time); 'skipped': not tried, see `error`. */
    status: Literals(['fetched', 'failed', 'skipped'] as const),
    /** The policy host's CNAME chain, when it is an alias (the certificate must still name mta-sts.<domain>). */
    cname: Type.Array(Type.String(), { maxItems: 16 }),
    address: Nullable(Type.String()),
    httpStatus: Nullable(Type.Integer()),
    contentType: Nullable(Type.String({ maxLength: 1024 })),
    /** A redirect's Location (never followed: RFC 8461 §3.3). */
    location: Nullable(Type.String({ maxLength: 2048 })),
    /** The body's size in bytes. */
    bytes: Nullable(Type.Integer({ minimum: 0 })),
    /** The body as UTF-8 text (a 2xx answer only; at most 64 KiB, the RFC's cap). */
    body: Nullable(Type.String()),
    /** SHA-256 (hex) of the body: what tells a changed policy from the same one. */
    sha256: Nullable(Type.String()),
    /** Why there is no answer: the fetcher's status code, its machine-readable detail, and the words. */
    error: Nullable(Type.Object({ code: StatusCodeSchema, detail: Nullable(Type.String()), message: Type.String() }, strict)),
  },
  strict,
);
export type PolicyFetch = Static<typeof PolicyFetchSchema>;


/** A policy as parsed (judged from the fetched text). */
export const MtaStsPolicySchema = Type.Object(
  {
    version: Nullable(Type.String()),
    mode: Nullable(Literals(MTA_STS_MODES)),
    /** Seconds; null when missing or not a number in range. */
    maxAge: Nullable(Type.Integer({ minimum: 0 })),
    mx: Type.Array(Type.String(), { maxItems: 1000 }),
    lineEndings: Literals(['lf', 'crlf', 'mixed', 'none'] as const),
  },
  strict,
);
export type MtaStsPolicy = Static<typeof MtaStsPolicySchema>;

/** What a policy seen before (the report store) said: senders cache it under its id. */
export const SeenPolicySchema = Type.Object(
  {
    id: Type.String(),
    sha256: Type.String(),
    seenAt: Type.String({ format: 'date-time' }),
    mode: Nullable(Literals(MTA_STS_MODES)),
    maxAge: Nullable(Type.Integer({ minimum: 0 })),
    /** Its mx patterns (absent in what older runs kept: then the bytes are compared). */
    mx: Type.Optional(Type.Array(Type.String(), { maxItems: 1000 })),
  },
  strict,
);
export type SeenPolicy = Static<typeof SeenPolicySchema>;

export const MtaStsSchema = Type.Object(
  {
    /** `_mta-sts.<domain>` TXT. */
    record: TxtLookupSchema,
    policy: PolicyFetchSchema,
    /** The last policy seen for this domain before this run (null: none, or no store). */
    previous: Nullable(SeenPolicySchema),
    /** Judged: the id of the one valid record (null: none). */
    id: Nullable(Type.String()),
    /** Judged: the policy as parsed (null: none fetched). */
    parsed: Nullable(MtaStsPolicySchema),
    /** Judged: each MX host and the policy pattern that covers it (null: none does). */
    coverage: Type.Array(Type.Object({ mx: Type.String(), pattern: Nullable(Type.String()) }, strict), { maxItems: 2000 }),
    /** Judged: what a sender that uses MTA-STS does with this domain now. */
    effect: Literals(['enforced', 'testing', 'none', 'broken', 'not-published'] as const),
  },
  strict,
);
export type MtaSts = Static<typeof MtaStsSchema>;

export const TlsRptSchema = Type.Object(
  {
    /** `_smtp._tls.<domain>` TXT. */
    record: TxtLookupSchema,
    /** `_tlsrpt.<domain>` TXT, looked up only when the right name has none (a common mistake). */
    misplaced: Nullable(TxtLookupSchema),
    /** Judged: the reporting URIs of the one valid record. */
    rua: Type.Array(Type.String(), { maxItems: 64 }),
  },
  strict,
);
export type TlsRpt = Static<typeof TlsRptSchema>;

/** The policies of a domain: MTA-STS, TLS-RPT and (when asked) block lists. */
export const PostureSectionSchema = Type.Object(
  {
    mtaSts: MtaStsSchema,
    tlsRpt: TlsRptSchema,
    /** The MX addresses asked of block lists (null: not asked, `mxray posture --no-dnsbl`; the receiver test keeps its own in body.dnsbl). */
    dnsbl: Nullable(DnsblSectionSchema),
  },
  strict,
);
export type PostureSection = Static<typeof PostureSectionSchema>;

/** `mxray posture <domain>`: the policies, without probing the servers' TLS. */
export const PostureBodySchema = Type.Object(
  {
    domain: Type.String(),
    dns: DnsFactsSchema,
    posture: PostureSectionSchema,
    /** DANE: the MX hosts' TLSA records with their DNSSEC status (absent in older reports). */
    dane: Type.Optional(DaneSectionSchema),
  },
  strict,
);
export type PostureBody = Static<typeof PostureBodySchema>;

export const ReceiverBodySchema = Type.Object(
  {
    target: TargetSchema,
    /** Our own outgoing address, as the socket layer saw it (for "port 25 blocked on our side"). */
    sourceAddress: Nullable(Type.String()),
    /** The time-outs the probe ran with (findings quote them). */
    timeouts: Type.Object({ connectMs: Type.Integer(), greetingMs: Type.Integer(), commandMs: Type.Integer() }, strict),
    dns: DnsFactsSchema,
    /** Transcript sequence numbers of the DNS step's queries. */
    dnsEvidence: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 5000 }),
    hosts: Type.Array(HostReportSchema, { maxItems: 2000 }),
    /** Judged: where senders deliver, from every address's outcome (recomputed by `mxray report --rejudge`). */
    delivery: DeliverySchema,
    /** mxray's own bounds and what they left out (absent in reports from before they existed). */
    bounds: Type.Optional(ReceiverBoundsSchema),
    /** MTA-STS and TLS-RPT, looked up beside the probes (absent: --no-posture, a target without a mail domain, or an older report). */
    posture: Type.Optional(PostureSectionSchema),
    /** The block lists asked about the address we send from (--dnsbl; absent: not asked). */
    dnsbl: Type.Optional(DnsblSectionSchema),
    /** DANE: the TLSA records of every MX host with their DNSSEC status (absent: --no-posture, or an older report). */
    dane: Type.Optional(DaneSectionSchema),
  },
  strict,
);
export type ReceiverBody = Static<typeof ReceiverBodySchema>;

/** A certificate file `mxray cert` read. */
export const CertFileFactsSchema = Type.Object(
  {
    name: Type.String(),
    /** What the file was given as: the certificate to check, extra intermediates (--chain), or the private key (--key). */
    role: Literals(['certificate', 'chain', 'key'] as const),
    format: Literals(['pem', 'der', 'pkcs7', 'pkcs12'] as const),
    bytes: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    certificates: Type.Integer({ minimum: 0 }),
    privateKeys: Type.Integer({ minimum: 0 }),
    /** Encrypted private keys left unread (no password given). */
    lockedKeys: Type.Integer({ minimum: 0 }),
    notes: Type.Array(Type.String(), { maxItems: 50 }),
  },
  strict,
);
export type CertFileFacts = Static<typeof CertFileFactsSchema>;

/** What a certificate says beyond CertInfo (pki/cert-details.ts). */
export const CertDetailsSchema = Type.Object(
  {
    keyUsage: Nullable(Type.Array(Type.String(), { maxItems: 16 })),
    extendedKeyUsage: Nullable(Type.Array(Type.String(), { maxItems: 64 })),
    caIssuers: Type.Array(Type.String(), { maxItems: 64 }),
    ocsp: Type.Array(Type.String(), { maxItems: 64 }),
    crl: Type.Array(Type.String(), { maxItems: 64 }),
    /** Log ids (hex) of the embedded SCTs. */
    scts: Type.Array(Type.String(), { maxItems: 64 }),
    mustStaple: Type.Boolean(),
    policies: Type.Array(Type.String(), { maxItems: 64 }),
    validation: Nullable(Literals(['DV', 'OV', 'IV', 'EV'] as const)),
    unreadable: Type.Array(Type.String(), { maxItems: 16 }),
  },
  strict,
);
export type CertDetailsFacts = Static<typeof CertDetailsSchema>;

/** Whether one kind of sender accepts the certificate (a row of the "who will accept this?" table). */
export const AcceptanceSchema = Type.Object(
  {
    /** The profile's id: opportunistic, postfix-verify, postfix-secure, exim-verify, exchange-server, exchange-online. */
    profile: Type.String(),
    /** Its name for people: "Postfix, smtp_tls_security_level = verify". */
    name: Type.String(),
    /** 'yes': this sender delivers over TLS; 'no': it refuses (or, opportunistic, never); 'unknown': a fact it needs could not be checked. */
    accepts: Literals(['yes', 'no', 'unknown'] as const),
    /** Why, in short sentences (empty when yes and nothing to add). */
    reasons: Type.Array(Type.String(), { maxItems: 20 }),
  },
  strict,
);
export type Acceptance = Static<typeof AcceptanceSchema>;

/** One certificate (with its chain) `mxray cert` judged: from files, or as a server presented it. */
export const CertSubjectSchema = Type.Object(
  {
    /** For people: the file's name, or "mx1.example.com[192.0.2.1]:25, with SNI". */
    label: Type.String(),
    origin: Literals(['file', 'handshake'] as const),
    /** The host key of the handshake (null for files). */
    host: Nullable(Type.String()),
    handshake: Nullable(Literals(['sni', 'no-sni'] as const)),
    /** The certificates as given (DER, base64): leaf first, then the rest in file or wire order. */
    chain: Type.Array(Type.String({ contentEncoding: 'base64' }), { maxItems: 64 }),
    /** Which certificate of the file was taken as the one to check, and why (null: the only one, or the server's). */
    leafWhy: Nullable(Type.String()),
    verdict: CertVerdictSchema,
    details: CertDetailsSchema,
    /** Each name asked about (--name, the MX host, the domain) and whether the certificate covers it (RFC 6125). */
    names: Type.Array(Type.Object({ name: Type.String(), covered: Type.Boolean() }, strict), { maxItems: 64 }),
    /** --key: whether the private key belongs to the certificate (null: no key given). */
    key: Nullable(Type.Object({ file: Type.String(), matches: Type.Boolean() }, strict)),
    /** --tlsa: each record and whether the chain matches it. */
    tlsa: Type.Array(
      Type.Object({ record: Type.String(), matches: Type.Boolean(), certificate: Nullable(Type.Integer({ minimum: 0 })), detail: Nullable(Type.String()) }, strict),
      { maxItems: 64 },
    ),
    acceptance: Type.Array(AcceptanceSchema, { maxItems: 16 }),
  },
  strict,
);
export type CertSubject = Static<typeof CertSubjectSchema>;

export const CertificateBodySchema = Type.Object(
  {
    input: Type.Object(
      {
        kind: Literals(['files', 'host', 'domain'] as const),
        files: Type.Array(CertFileFactsSchema, { maxItems: 64 }),
        /** The host or domain whose servers were asked (null for files). */
        target: Nullable(TargetSchema),
      },
      strict,
    ),
    /** The names checked against each certificate (--name, else the MX host and the domain). */
    names: Type.Array(Type.String(), { maxItems: 64 }),
    /** Whether CRLs and OCSP were consulted (false with --no-revocation). */
    revocationChecked: Type.Boolean(),
    subjects: Type.Array(CertSubjectSchema, { maxItems: 64 }),
    /** --profile dane: the TLSA records looked up for the host or domain, with their DNSSEC status (absent otherwise). */
    dane: Type.Optional(DaneSectionSchema),
  },
  strict,
);
export type CertificateBody = Static<typeof CertificateBodySchema>;

/** A stage of the dialogue `mxray enforce` watches (core/vocabulary.ts). */
export const EnforceStageSchema = Literals(ENFORCE_STAGES);
export type EnforceStage = Static<typeof EnforceStageSchema>;

/** One stage of an enforce session: what we sent (the banner: nothing) and the reply (null: none came). */
export const EnforceStepSchema = Type.Object(
  {
    stage: EnforceStageSchema,
    /** "(greeting)", "EHLO client.example", "MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA". */
    command: Type.String(),
    reply: Nullable(ReplySchema),
  },
  strict,
);
export type EnforceStep = Static<typeof EnforceStepSchema>;

/**
 * One session of `mxray enforce`: the cleartext one (no STARTTLS), or the control session (STARTTLS,
 * then the same envelope inside TLS). Partial facts survive every failure.
 */
export const EnforceSessionSchema = Type.Object(
  {
    mode: Literals(['cleartext', 'tls'] as const),
    /** 'ok': the session ran to its end (a refusal is a reply, not a failure); otherwise why it stopped. */
    status: StatusCodeSchema,
    statusDetail: Nullable(Type.String()),
    /** The control session's reply to STARTTLS (null: not sent; the cleartext session never sends it). */
    starttls: Nullable(ReplySchema),
    /** The TLS protocol the control session negotiated (null: no TLS). */
    tlsProtocol: Nullable(Type.String()),
    /** The stages reached, in order; the last one is where the server refused, or the last one tested. */
    steps: Type.Array(EnforceStepSchema, { maxItems: 10 }),
    /** DATA was answered with 354 and the connection dropped without the final dot: nothing was delivered. */
    droppedAfterData: Type.Boolean(),
    /** Transcript sequence numbers of this session. */
    evidence: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 5000 }),
  },
  strict,
);
export type EnforceSession = Static<typeof EnforceSessionSchema>;

/** AUTH as the server offers it before TLS, and what it does with AUTH LOGIN there (never a credential sent). */
export const EnforceAuthSchema = Type.Object(
  {
    /** The mechanisms the cleartext EHLO advertised with AUTH. */
    mechanisms: Type.Array(Type.String(), { maxItems: 64 }),
    /** The reply to AUTH LOGIN in clear (null: not probed). */
    login: Nullable(ReplySchema),
    /** The reply to the "*" that cancelled the exchange at the first 334 (null: no challenge came). */
    cancel: Nullable(ReplySchema),
    /** Transcript sequence numbers of the probe. */
    evidence: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 5000 }),
  },
  strict,
);
export type EnforceAuth = Static<typeof EnforceAuthSchema>;

const enforceAddressFacts = {
  key: Type.String(),
  mx: Type.String(),
  preference: Nullable(Type.Integer()),
  address: Type.String(),
  family: Type.Union([Type.Literal(4), Type.Literal(6)]),
  port: Type.Integer(),
  /** The cleartext EHLO advertised STARTTLS. */
  starttlsOffered: Type.Boolean(),
  cleartext: EnforceSessionSchema,
  /** The control session with STARTTLS (null: not run, because the cleartext session never got an EHLO answered). */
  control: Nullable(EnforceSessionSchema),
  /** Null: the cleartext EHLO advertised no AUTH (or was not answered). */
  auth: Nullable(EnforceAuthSchema),
};

export const EnforceAddressFactsSchema = Type.Object(enforceAddressFacts, strict);
export type EnforceAddressFacts = Static<typeof EnforceAddressFactsSchema>;

/** What the two sessions of one address mean, judged (recomputed by `mxray report --rejudge`). */
export const EnforceAssessmentSchema = Type.Object(
  {
    verdict: Literals(ENFORCE_VERDICTS),
    /** Where the cleartext session was refused, or the last stage it reached (null: it reached none). */
    stage: Nullable(EnforceStageSchema),
    /** The cleartext reply at that stage. */
    reply: Nullable(ReplySchema),
    /** The control session's reply at the same stage (null: it did not get there, or did not run). */
    controlReply: Nullable(ReplySchema),
    /** Why, in a few words (for the summary table). */
    reason: Type.String(),
  },
  strict,
);
export type EnforceAssessment = Static<typeof EnforceAssessmentSchema>;

export const EnforceAddressReportSchema = Type.Object(
  {
    ...enforceAddressFacts,
    assessment: EnforceAssessmentSchema,
    verdict: VerdictSchema,
    findings: Type.Array(FindingSchema),
  },
  strict,
);
export type EnforceAddressReport = Static<typeof EnforceAddressReportSchema>;

export const EnforceBodySchema = Type.Object(
  {
    target: TargetSchema,
    /** The envelope both sessions used, and how far they went. */
    envelope: Type.Object({ helo: Type.String(), from: Type.String(), rcpt: Type.String(), throughData: Type.Boolean() }, strict),
    timeouts: Type.Object({ connectMs: Type.Integer(), greetingMs: Type.Integer(), commandMs: Type.Integer() }, strict),
    dns: DnsFactsSchema,
    dnsEvidence: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 5000 }),
    addresses: Type.Array(EnforceAddressReportSchema, { maxItems: 2000 }),
  },
  strict,
);
export type EnforceBody = Static<typeof EnforceBodySchema>;

/** A stage of a `mxray send` session (core/vocabulary.ts). */
export const SendStageSchema = Literals(SEND_STAGES);
export type SendStage = Static<typeof SendStageSchema>;

/** One step of a send session: the command as shown (credentials redacted, message data summarised) and its reply. */
export const SendStepSchema = Type.Object(
  {
    stage: SendStageSchema,
    command: Type.String(),
    /** Null: no reply came (the session broke there), or a step without a reply (a handshake). */
    reply: Nullable(ReplySchema),
  },
  strict,
);
export type SendStep = Static<typeof SendStepSchema>;

/** The TLS session a message went over. */
export const SendTlsSchema = Type.Object(
  {
    protocol: Nullable(Type.String()),
    cipher: Nullable(Type.String()),
    group: Nullable(Type.String()),
    /** The SNI we sent (null: none). */
    sni: Nullable(Type.String()),
    handshakeMs: Type.Number({ minimum: 0 }),
    /** The certificates as the server sent them (DER, base64; leaf first). */
    chain: Type.Array(Type.String({ contentEncoding: 'base64' }), { maxItems: 64 }),
    /** We presented a client certificate (--client-cert, --client-pfx). */
    clientCertificate: Type.Boolean(),
  },
  strict,
);
export type SendTls = Static<typeof SendTlsSchema>;

/** One SMTP session of `mxray send` (the first one of a --count run). Partial facts survive every failure. */
export const SendSessionSchema = Type.Object(
  {
    /** 'ok': the session ran to its end (a refusal is a reply, not a failure); otherwise why it stopped. */
    status: StatusCodeSchema,
    statusDetail: Nullable(Type.String()),
    /** The EHLO keywords with their parameters as the server advertised them (inside TLS after STARTTLS). */
    capabilities: Type.Array(Type.String(), { maxItems: 200 }),
    /** The extensions this session used: PIPELINING, CHUNKING, SIZE, 8BITMIME, SMTPUTF8, REQUIRETLS. */
    extensionsUsed: Type.Array(Type.String(), { maxItems: 16 }),
    tls: Nullable(SendTlsSchema),
    /** The certificate judged with the trust store and the server name (null: no TLS). */
    certificate: Nullable(CertVerdictSchema),
    /**
     * The failed TLS handshake of a first attempt, when --tls opportunistic then sent again without
     * TLS on a new connection (as Postfix at "may" and Exim do); null otherwise.
     */
    tlsFallback: Nullable(Type.String()),
    /**
     * The TLS alert the server ended the session with, by its RFC name (certificate_required,
     * handshake_failure, bad_certificate …): during the handshake (tls null) or right after it, when
     * TLS 1.3 servers judge the client's certificate (tls set). Null: no alert.
     */
    tlsAlert: Nullable(Type.String({ maxLength: 64 })),
    /** The server asked for a client certificate in a handshake that then failed (its CertificateRequest was seen in clear, TLS ≤ 1.2). */
    clientCertificateRequested: Type.Boolean(),
    steps: Type.Array(SendStepSchema, { maxItems: 1100 }),
    /** Transcript sequence numbers of this session. */
    evidence: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 5000 }),
  },
  strict,
);
export type SendSession = Static<typeof SendSessionSchema>;

/** What became of the message (of the first one, in a --count run). */
export const SendOutcomeSchema = Type.Object(
  {
    result: Literals(SEND_OUTCOMES),
    /** Where it ended: the final reply's stage, the refusal's, or where we stopped (null: nothing was reached). */
    stage: Nullable(SendStageSchema),
    /** The reply at that stage (null: none, e.g. we did not send). */
    reply: Nullable(ReplySchema),
    /** Why, in one line. */
    reason: Type.String(),
    /** Why mxray did not send (result 'not-sent'), for machines: TLS was required and is missing, AUTH would go in clear, no usable AUTH mechanism, a needed extension is not offered. */
    cause: Nullable(Literals(['tls-unavailable', 'cleartext-auth', 'auth-unavailable', 'extension-missing'] as const)),
    /** The server's queue id, read from its final reply (Postfix "queued as", Exim "id=", others), or null. */
    queueId: Nullable(Type.String({ maxLength: 200 })),
    /** Recipients the server refused (the message went to the others). */
    refusedRecipients: Type.Array(Type.Object({ address: Type.String(), reply: ReplySchema }, strict), { maxItems: 100 }),
  },
  strict,
);
export type SendOutcome = Static<typeof SendOutcomeSchema>;

/** The message sent, as composed (or read with --data). */
export const SendMessageSchema = Type.Object(
  {
    messageId: Type.String(),
    /** The X-Mxray-Test header's value: find the message with it. */
    testId: Type.String(),
    subject: Nullable(Type.String()),
    /** Size in bytes with CRLF line ends, before dot-stuffing. */
    bytes: Type.Integer({ minimum: 0 }),
    /** Holds bytes over 127 (needs 8BITMIME). */
    eightBit: Type.Boolean(),
    /** The envelope or the headers hold non-ASCII text (needs SMTPUTF8). */
    utf8: Type.Boolean(),
    /** Composed from the options, or read whole from a file (--data). */
    source: Literals(['composed', 'file'] as const),
    /** Header lines folded to stay within 998 octets. */
    foldedHeaders: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type SendMessage = Static<typeof SendMessageSchema>;

/** --count N --concurrency C: N messages over C sessions, timed on the injected clock. */
export const SendLoadSchema = Type.Object(
  {
    count: Type.Integer({ minimum: 1 }),
    concurrency: Type.Integer({ minimum: 1 }),
    delivered: Type.Integer({ minimum: 0 }),
    refused: Type.Integer({ minimum: 0 }),
    /** Not sent or failed (a session that broke, a refusal before the envelope). */
    failed: Type.Integer({ minimum: 0 }),
    elapsedMs: Type.Number({ minimum: 0 }),
    messagesPerSecond: Type.Number({ minimum: 0 }),
    /** Per message, from MAIL FROM to the final reply (milliseconds; null when none was delivered). */
    latencyMs: Nullable(Type.Object({ p50: Type.Number(), p90: Type.Number(), p99: Type.Number(), max: Type.Number() }, strict)),
    /** The first failure of a session after the first one, in one line (null: none). */
    firstFailure: Nullable(Type.String()),
  },
  strict,
);
export type SendLoad = Static<typeof SendLoadSchema>;

export const SendBodySchema = Type.Object(
  {
    target: TargetSchema,
    dns: DnsFactsSchema,
    dnsEvidence: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 5000 }),
    /** The server the message went to (a domain's first MX address that took the session): null when there was none. */
    server: Nullable(Type.Object({ mx: Type.String(), address: Type.String(), port: Type.Integer(), serverName: Nullable(Type.String()) }, strict)),
    /**
     * MX addresses tried before `server`, in preference order, that did not take the session as far
     * as the envelope (connection refused or timed out, no greeting, refused at the greeting, EHLO or
     * STARTTLS, TLS missing when required): as an MTA does, mxray went on to the next one. Empty when
     * the first one took it.
     */
    passedOver: Type.Array(
      Type.Object(
        {
          mx: Type.String(),
          address: Type.String(),
          port: Type.Integer(),
          reason: Type.String({ maxLength: 300 }),
          /** Transcript sequence numbers of the sessions with it. */
          evidence: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 5000 }),
        },
        strict,
      ),
      { maxItems: 10 },
    ),
    settings: Type.Object(
      {
        tls: Literals(SEND_TLS_MODES),
        verify: Literals(SEND_VERIFY_MODES),
        requireTls: Type.Boolean(),
        /** AUTH as asked (null: none); never the secret. */
        auth: Nullable(Type.Object({ user: Type.String(), mechanism: Nullable(Type.String()), allowCleartext: Type.Boolean() }, strict)),
        /** The client certificate's subject (null: none presented). */
        clientCertificate: Nullable(Type.String()),
      },
      strict,
    ),
    envelope: Type.Object({ helo: Type.String(), from: Type.String(), to: Type.Array(Type.String(), { minItems: 1, maxItems: 100 }) }, strict),
    message: SendMessageSchema,
    session: Nullable(SendSessionSchema),
    outcome: SendOutcomeSchema,
    load: Nullable(SendLoadSchema),
  },
  strict,
);
export type SendBody = Static<typeof SendBodySchema>;

/** The envelope every kind of report shares; `kind` says which body follows. */
function envelope<K extends string, B extends TSchema>(kind: K, body: B) {
  return Type.Object(
    {
      schemaVersion: Type.Literal(SCHEMA_VERSION),
      tool: Type.Object({ name: Type.Literal('mxray'), version: Type.String() }, strict),
      kind: Type.Literal(kind),
      /** The target as given (a domain, host:port, a file name …). */
      target: Type.String(),
      startedAt: Type.String({ format: 'date-time' }),
      durationMs: Type.Number({ minimum: 0 }),
      verdict: VerdictSchema,
      judgedWith: JudgedWithSchema,
      /** Every finding, worst first (for a receiver: domain ones and host ones merged by id). */
      findings: Type.Array(FindingSchema),
      /** At most 5000 events (the transcript's own cap). */
      transcript: Type.Array(TranscriptEventSchema, { maxItems: 5000 }),
      body: body,
    },
    strict,
  );
}

export const ReceiverReportSchema = envelope('receiver', ReceiverBodySchema);
export type ReceiverReport = Static<typeof ReceiverReportSchema>;

export const CertificateReportSchema = envelope('certificate', CertificateBodySchema);
export type CertificateReport = Static<typeof CertificateReportSchema>;

export const EnforceReportSchema = envelope('enforce', EnforceBodySchema);
export type EnforceReport = Static<typeof EnforceReportSchema>;

export const SendReportSchema = envelope('send', SendBodySchema);
export type SendReport = Static<typeof SendReportSchema>;

export const PostureReportSchema = envelope('posture', PostureBodySchema);
export type PostureReport = Static<typeof PostureReportSchema>;

export const TlsRptReportSchema = envelope('tlsrpt', TlsRptBodySchema);
export type TlsRptReport = Static<typeof TlsRptReportSchema>;

export const BlocklistReportSchema = envelope('blocklist', BlocklistBodySchema);
export type BlocklistReport = Static<typeof BlocklistReportSchema>;
export const ExplainReportSchema = envelope('explain', ExplainBodySchema);
export type ExplainReport = Static<typeof ExplainReportSchema>;

export const HeadersReportSchema = envelope('headers', HeadersBodySchema);
export type HeadersReport = Static<typeof HeadersReportSchema>;

export const SenderReportSchema = envelope('sender', SenderBodySchema);

export const LogsReportSchema = envelope('logs', LogsBodySchema);
export type LogsReport = Static<typeof LogsReportSchema>;

export const PcapReportSchema = envelope('pcap', PcapBodySchema);
export type PcapReport = Static<typeof PcapReportSchema>;
export type SenderReport = Static<typeof SenderReportSchema>;

/** Every kind of report. Adding one = one body schema and one line here. */
export const ReportSchema = Type.Union([ReceiverReportSchema, CertificateReportSchema, EnforceReportSchema, SendReportSchema, PostureReportSchema, TlsRptReportSchema, BlocklistReportSchema, ExplainReportSchema, HeadersReportSchema, SenderReportSchema, LogsReportSchema, PcapReportSchema], { $id: 'https://mxray.dev/schema/report.schema.json', title: 'mxray Report' });
export type Report = Static<typeof ReportSchema>;
export type ReportKind = Report['kind'];
export * from './blocklist-schema.js';
export * from './tlsrpt-schema.js';
export * from './dane-schema.js';
export * from './explain-schema.js';
export * from './headers-schema.js';
export * from './sender-schema.js';
export * from './logs-schema.js';
export * from './pcap-schema.js';
