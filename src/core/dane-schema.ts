// The facts of DANE for SMTP (RFC 7672, RFC 7671): the domain's MX, each MX host's addresses and
// TLSA records as a validating resolver answered them (with their DNSSEC status), and the extra
// handshakes made to see every certificate a DANE sender may be shown. Fields marked "judged" are
// filled by checks/dane from the facts (and filled again by `mxray report --rejudge`).
import { Type, type Static } from '@sinclair/typebox';
import { Literals, Nullable, strict } from './schema-parts.js';

/**
 * What DNSSEC says of one answer: 'secure' (AD from a resolver we trust), 'insecure' (an answer
 * without AD: unsigned, or a resolver we do not trust), 'bogus' (SERVFAIL that CD=1 answers, or an
 * Extended DNS Error of the DNSSEC kind), 'error' (no usable answer: SERVFAIL, REFUSED, time-out).
 * NXDOMAIN and NODATA are answers: their status is that of the denial.
 */
export const DNSSEC_STATUSES = ['secure', 'insecure', 'bogus', 'error'] as const;
export const DnssecStatusSchema = Literals(DNSSEC_STATUSES);
export type DnssecStatus = Static<typeof DnssecStatusSchema>;

/** One query with the DO bit, as answered. */
export const SecureLookupSchema = Type.Object(
  {
    name: Type.String({ maxLength: 300 }),
    type: Literals(['MX', 'A', 'AAAA', 'TLSA'] as const),
    /** The RCODE ('NOERROR', 'NXDOMAIN', 'SERVFAIL' …); null: no answer at all (time-out, nothing listening). */
    rcode: Nullable(Type.String({ maxLength: 20 })),
    /** The AD bit as received (believed only when the resolver is trusted: see `status`). */
    ad: Type.Boolean(),
    /** The answer carried RRSIG records: the zone is signed (with no AD from a trusted resolver: it did not validate). */
    signed: Type.Boolean(),
    status: DnssecStatusSchema,
    /** The records of the type asked, in presentation form ("10 mx.example.com", "3 1 1 ABCD…"), at most 64. */
    records: Type.Array(Type.String({ maxLength: 40000 }), { maxItems: 64 }),
    /** The CNAME chain the answer followed, each target in order (empty: none). */
    cnames: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 16 }),
    /** Extended DNS Errors (RFC 8914): info-code and extra text. */
    ede: Type.Array(Type.Object({ code: Type.Integer({ minimum: 0, maximum: 65535 }), text: Type.String({ maxLength: 300 }) }, strict), { maxItems: 8 }),
    /** After a SERVFAIL: the RCODE of the same query with CD=1 (NOERROR there means the data exists but does not validate: bogus). */
    cdRcode: Nullable(Type.String({ maxLength: 20 })),
    /** Why there was no answer (time-out, nothing listening …), or null. */
    error: Nullable(Type.String({ maxLength: 300 })),
  },
  strict,
);
export type SecureLookup = Static<typeof SecureLookupSchema>;

/** One TLSA record as published (RFC 6698 §2.1), data in upper-case hex. */
export const TlsaFactSchema = Type.Object(
  {
    usage: Type.Integer({ minimum: 0, maximum: 255 }),
    selector: Type.Integer({ minimum: 0, maximum: 255 }),
    matchingType: Type.Integer({ minimum: 0, maximum: 255 }),
    data: Type.String({ maxLength: 40000 }),
  },
  strict,
);
export type TlsaFact = Static<typeof TlsaFactSchema>;

/** Where DANE stands for one MX host (judged). */
export const DANE_STATES = [
  /** Every certificate seen matches a usable record. */
  'match',
  /** A certificate seen matches no usable record: DANE senders defer. */
  'no-match',
  /** Secure usable records, but the server offers no STARTTLS or fails the handshake: DANE senders defer. */
  'no-tls',
  /** The TLSA lookup failed (SERVFAIL, time-out): DANE senders defer. */
  'lookup-failed',
  /** A record on the way does not validate: DANE senders defer. */
  'bogus',
  /** Only PKIX-TA(0)/PKIX-EE(1) or unknown records: TLS is mandatory, but not authenticated. */
  'unusable',
  /** Secure, but no TLSA records: DANE senders use TLS opportunistically. */
  'no-records',
  /** The MX or address records are not signed (or the resolver is not trusted): DANE does not apply. */
  'insecure',
  /** DANE applies, but no certificate was seen to match against (no TLS with this host). */
  'not-tested',
] as const;
export const DaneStateSchema = Literals(DANE_STATES);
export type DaneState = Static<typeof DaneStateSchema>;

/** An extra handshake offering one key type's signature algorithms, with SNI set to the TLSA base domain. */
export const DaneHandshakeSchema = Type.Object(
  {
    /** The signature algorithms offered: RSA ones only, ECDSA ones only. */
    algorithm: Literals(['rsa', 'ecdsa'] as const),
    /** The SNI sent (the TLSA base domain). */
    serverName: Type.String({ maxLength: 300 }),
    /** 'ok', or why there was no handshake (a status code: tls-handshake-error, connection-refused …). */
    status: Type.String({ maxLength: 40 }),
    error: Nullable(Type.String({ maxLength: 500 })),
    protocol: Nullable(Type.String({ maxLength: 40 })),
    /** The certificates as sent, leaf first (DER, base64). */
    peerChain: Type.Array(Type.String({ contentEncoding: 'base64' }), { maxItems: 20 }),
    /** The leaf's key type ('rsa', 'ec' …) and subject, for people (null: no certificate). */
    leafKeyType: Nullable(Type.String({ maxLength: 40 })),
    leafSubject: Nullable(Type.String({ maxLength: 1000 })),
  },
  strict,
);
export type DaneHandshake = Static<typeof DaneHandshakeSchema>;

/** One MX host: its addresses and TLSA records with their DNSSEC status. */
export const DaneHostSchema = Type.Object(
  {
    mx: Type.String({ maxLength: 300 }),
    /** The A and AAAA lookups (their CNAME chain gives the expanded name). */
    addresses: Type.Array(SecureLookupSchema, { maxItems: 2 }),
    /**
     * Why the TLSA records were not looked up (RFC 7672 §2.2): 'mx-insecure', 'address-insecure',
     * 'address-failed' (the address lookup failed), 'not-trusted' (the resolver's AD is not
     * believed); null: they were.
     */
    skipped: Nullable(Literals(['mx-insecure', 'address-insecure', 'address-failed', 'not-trusted'] as const)),
    /** The TLSA lookups in the order made: the fully expanded (CNAME target) name first, then the MX name (RFC 7672 §2.2.2). */
    tlsa: Type.Array(SecureLookupSchema, { maxItems: 2 }),
    /** The TLSA base domain whose records apply, also the SNI a DANE sender sends (null: none). */
    base: Nullable(Type.String({ maxLength: 300 })),
    /** The records that apply (from the lookup of `base`). */
    records: Type.Array(TlsaFactSchema, { maxItems: 64 }),
    /** Judged: where DANE stands for this host (null in facts). */
    state: Nullable(DaneStateSchema),
  },
  strict,
);
export type DaneHost = Static<typeof DaneHostSchema>;

export const DaneSectionSchema = Type.Object(
  {
    /** The validating resolver asked, and why its AD bit is believed (null: it is not). */
    resolver: Type.Object({ description: Type.String({ maxLength: 100 }), trust: Nullable(Literals(['loopback', 'named'] as const)) }, strict),
    /** The port whose TLSA records were asked (`_25._tcp`). */
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    /** The domain's MX lookup (null: the target was a host, not a mail domain). */
    mx: Nullable(SecureLookupSchema),
    hosts: Type.Array(DaneHostSchema, { maxItems: 64 }),
  },
  strict,
);
export type DaneSection = Static<typeof DaneSectionSchema>;
