// The facts of DNS block list (DNSBL) lookups: `mxray blocklist`, `mxray posture`, and the receiver
// test's opt-in --dnsbl. What a list's answer means is judged (kb/dnsbl-zones.ts); the answer
// itself is kept as received.
import { Type, type Static } from '@sinclair/typebox';
import { Literals, Nullable, strict } from './schema-parts.js';

/** One address (or name) asked of one list. */
export const DnsblLookupSchema = Type.Object(
  {
    /** The list's zone, e.g. "zen.spamhaus.org". */
    zone: Type.String(),
    /** The name asked: the address reversed (or the domain) under the zone. */
    query: Type.String(),
    /**
     * 'listed': an answer in 127.0.0.0/8 the list documents as a listing; 'not-listed': NXDOMAIN;
     * 'refused': the list answered that it does not answer this resolver (Spamhaus 127.255.255.x),
     * or REFUSED; 'error': no usable answer (SERVFAIL, time-out, an answer outside 127.0.0.0/8).
     */
    status: Literals(['listed', 'not-listed', 'refused', 'error'] as const),
    /** The A records answered (return codes), as received. */
    codes: Type.Array(Type.String(), { maxItems: 64 }),
    /** The TXT records of a listing (the list's reason and removal link), each record's strings joined. */
    txt: Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 16 }),
    /** The DNS error code (SERVFAIL, TIMEOUT …) or what made the answer unusable. */
    error: Nullable(Type.String()),
  },
  strict,
);
export type DnsblLookup = Static<typeof DnsblLookupSchema>;

/** One address and every list's answer for it. */
export const DnsblAddressSchema = Type.Object(
  {
    /** An IPv4 or IPv6 address, or a domain name for domain lists. */
    address: Type.String(),
    /**
     * Where the address came from: 'argument' (given), 'ehlo' (the server's EHLO reply echoed it: the
     * address it sees us connect from), 'source-ip' (--source-ip), 'socket' (our socket's own address),
     * 'mx' (an address of the domain's MX host `mx`).
     */
    source: Literals(['argument', 'ehlo', 'source-ip', 'socket', 'mx'] as const),
    mx: Nullable(Type.String()),
    lookups: Type.Array(DnsblLookupSchema, { maxItems: 256 }),
    /** Zones not asked about this address because the list does not list its family (most lists are IPv4 only). */
    notAsked: Type.Optional(Type.Array(Type.String(), { maxItems: 64 })),
  },
  strict,
);
export type DnsblAddress = Static<typeof DnsblAddressSchema>;

export const DnsblSectionSchema = Type.Object(
  {
    /** The resolver every lookup went through ("system" or an address): public resolvers are refused by some lists. */
    resolver: Type.String(),
    zones: Type.Array(Type.String(), { maxItems: 64 }),
    addresses: Type.Array(DnsblAddressSchema, { maxItems: 64 }),
    /** Addresses found but not looked up: beyond mxray's bound on addresses or lookups (absent: none left out). */
    leftOut: Type.Optional(Type.Array(Type.String(), { maxItems: 2000 })),
  },
  strict,
);
export type DnsblSection = Static<typeof DnsblSectionSchema>;

/**
 * How a domain's MX hosts and their addresses were found: the same shape as DnsFacts in schema.ts
 * (which imports this file, so it cannot be imported from there; a type test holds the two equal).
 */
export const BlocklistMxLookupSchema = Type.Object(
  {
    status: Literals(['ok', 'no-mx-implicit', 'null-mx', 'nxdomain', 'servfail', 'timeout', 'error', 'not-applicable'] as const),
    resolver: Type.String(),
    mx: Type.Array(
      Type.Object(
        {
          exchange: Type.String(),
          preference: Type.Integer(),
          addresses: Type.Array(Type.String()),
          cname: Nullable(Type.String()),
          isIpLiteral: Type.Boolean(),
          error: Nullable(Type.String()),
        },
        strict,
      ),
      { maxItems: 2000 },
    ),
    error: Nullable(Type.String()),
  },
  strict,
);

/** `mxray blocklist <ip|domain>`. */
export const BlocklistBodySchema = Type.Object(
  {
    /** What was given: an address, or a domain whose MX addresses were looked up. */
    input: Type.String(),
    inputKind: Literals(['ip', 'domain'] as const),
    /** A domain: its MX lookup (absent for an address). */
    dns: Type.Optional(BlocklistMxLookupSchema),
    /** Transcript sequence numbers of the MX lookup's queries (absent for an address). */
    dnsEvidence: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 5000 })),
    dnsbl: DnsblSectionSchema,
  },
  strict,
);
export type BlocklistBody = Static<typeof BlocklistBodySchema>;
