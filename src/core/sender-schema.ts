// The facts of `mxray sender-test`: how one sending server behaved when it delivered a mail to the
// sender-test listener. The listener is the receiver here, so every fact is what *we* saw of the
// client: its address and names in DNS, the dialogue, the TLS it negotiated (or failed to), the
// certificate it presented, the message's own header. The session that carried the passcode is
// `session`; sessions from the same address shortly before it (a failed handshake, a retry in
// clear) are `earlier`: an MTA that gives up on TLS reconnects, and only together do they tell it.
// Every string and list is bounded; what a bound leaves out is counted.
import { Type, type Static } from '@sinclair/typebox';
import { Literals, Nullable, strict } from './schema-parts.js';
import { HeaderMessageSchema } from './headers-schema.js';

const Text = (max: number) => Type.String({ maxLength: max });
const Count = Type.Integer({ minimum: 0 });
const Moment = Type.String({ format: 'date-time' });

/** What a listener asks of senders. */
export const SENDER_POLICIES = ['opportunistic', 'require-tls', 'require-client-cert'] as const;
export type SenderPolicy = (typeof SENDER_POLICIES)[number];

export const SenderListenerSchema = Type.Object(
  {
    address: Text(64),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    policy: Literals(SENDER_POLICIES),
  },
  strict,
);
export type SenderListener = Static<typeof SenderListenerSchema>;

/** The ClientHello the sender sent, as read from the record layer (tls/hello.ts). */
export const ClientHelloSchema = Type.Object(
  {
    /** The versions it offered, newest first ("TLSv1.3", "TLSv1.2" …): supported_versions, else the legacy version. */
    versions: Type.Array(Text(16), { maxItems: 16 }),
    /** Cipher suites offered, by IANA name (unknown ones as "0x1301"), in the client's order. */
    ciphers: Type.Array(Text(80), { maxItems: 200 }),
    ciphersNotListed: Count,
    /** supported_groups, by name ("x25519", "secp256r1", "X25519MLKEM768" …). */
    groups: Type.Array(Text(40), { maxItems: 64 }),
    /** The groups it sent a key share for (TLS 1.3). */
    keyShares: Type.Array(Text(40), { maxItems: 16 }),
    signatureAlgorithms: Type.Array(Text(40), { maxItems: 64 }),
    sni: Nullable(Text(256)),
    alpn: Type.Array(Text(64), { maxItems: 16 }),
  },
  strict,
);
export type ClientHello = Static<typeof ClientHelloSchema>;

/** The client certificate, as presented. Judged (chain, purpose, name) at judging time, so `mxray report --rejudge` works. */
export const ClientCertificateSchema = Type.Object(
  {
    /** The listener asked for one (always: a sender presents one only when asked). */
    requested: Type.Boolean(),
    /** Leaf first, base64 DER, as sent (at most 10). */
    chain: Type.Array(Type.String({ maxLength: 65536 }), { maxItems: 10 }),
    /**
     * What OpenSSL said of the chain (Node's authorizationError code) against Node's bundled roots (the
     * listener sends no CA list, so a sender offers any certificate): a hint only; the judge verifies
     * the chain itself against the run's trust store. Null when it verified or nothing was sent.
     */
    opensslError: Nullable(Text(100)),
  },
  strict,
);

export const SenderTlsSchema = Type.Object(
  {
    /** STARTTLS was in our EHLO reply (false: HELO, or no certificate configured). */
    offered: Type.Boolean(),
    /** The client sent STARTTLS. */
    attempted: Type.Boolean(),
    /** The handshake completed. */
    established: Type.Boolean(),
    /** "TLSv1.3" … (null without TLS). */
    protocol: Nullable(Text(16)),
    /** OpenSSL's name of the cipher suite, and the IANA one. */
    cipher: Nullable(Text(80)),
    cipherStandard: Nullable(Text(80)),
    /** The key exchange group ("x25519" …), from the ServerHello (1.3) or ServerKeyExchange (1.2); null when not readable. */
    group: Nullable(Text(40)),
    /** The SNI the client sent (Postfix sends none unless told to). */
    sni: Nullable(Text(256)),
    clientHello: Nullable(ClientHelloSchema),
    /** The handshake failed: OpenSSL's code and text, and an alert the client sent (it refused our certificate …). */
    failure: Nullable(
      Type.Object({ code: Nullable(Text(100)), text: Text(500), clientAlert: Nullable(Text(60)) }, strict),
    ),
    clientCertificate: ClientCertificateSchema,
  },
  strict,
);
export type SenderTls = Static<typeof SenderTlsSchema>;

/** A reply we sent, for the outcome. */
const ReplyLine = Type.Object({ code: Type.Integer({ minimum: 200, maximum: 599 }), text: Text(500) }, strict);

export const SENDER_SESSION_ENDS = ['quit', 'disconnect', 'timeout', 'limit', 'refused', 'server-stopped'] as const;
export const SENDER_TEST_OUTCOMES = ['accepted', 'refused', 'aborted', 'no-message'] as const;

/** One SMTP session of the sender, from connect to close. */
export const SenderSessionSchema = Type.Object(
  {
    /** smtp-server's id of the connection (also in the transcript's `conn`). */
    id: Text(40),
    startedAt: Moment,
    durationMs: Type.Number({ minimum: 0 }),
    clientIp: Text(64),
    clientPort: Type.Integer({ minimum: 0, maximum: 65535 }),
    listener: SenderListenerSchema,
    /** The greeting command and name: the last one of the session, and the last one before STARTTLS (null without STARTTLS). */
    greeting: Nullable(Type.Object({ command: Literals(['EHLO', 'HELO', 'LHLO'] as const), name: Text(300) }, strict)),
    greetingBeforeTls: Nullable(Type.Object({ command: Literals(['EHLO', 'HELO', 'LHLO'] as const), name: Text(300) }, strict)),
    tls: SenderTlsSchema,
    /** The envelope (the last transaction). */
    mailFrom: Nullable(Text(600)),
    /** MAIL FROM parameters the client used. */
    mailParams: Type.Object(
      {
        size: Nullable(Type.Integer({ minimum: 0 })),
        body: Nullable(Text(20)),
        smtputf8: Type.Boolean(),
        requireTls: Type.Boolean(),
        /** Other parameters, as written ("RET=HDRS" …). */
        other: Type.Array(Text(200), { maxItems: 16 }),
      },
      strict,
    ),
    rcptTo: Type.Array(Text(600), { maxItems: 100 }),
    /** Commands the client sent (all of them, counted). */
    commands: Count,
    /** The message as received: its size, whether only its start was kept, whether the part kept holds 8-bit octets (bytes ≥ 0x80). */
    message: Nullable(Type.Object({ size: Count, truncated: Type.Boolean(), eightBit: Type.Boolean() }, strict)),
    outcome: Literals(SENDER_TEST_OUTCOMES),
    /** Our last reply to the transaction (250 accepted, 530 TLS required …). */
    finalReply: Nullable(ReplyLine),
    /** How the session ended; null when the report was made while it went on (a message accepted, the client still connected). */
    ended: Nullable(Literals(SENDER_SESSION_ENDS)),
  },
  strict,
);
export type SenderSession = Static<typeof SenderSessionSchema>;

/** SPF as the sending domain publishes it, evaluated for the client address (RFC 7208, bounded). */
export const SPF_RESULTS = ['pass', 'fail', 'softfail', 'neutral', 'none', 'permerror', 'temperror'] as const;

/** What DNS says about the client and the sending domain, looked up while the session ran. */
export const SenderDnsSchema = Type.Object(
  {
    /** PTR names of the client address (at most 10), or the lookup's failure ("NXDOMAIN", "SERVFAIL", "timeout" …). */
    reverse: Type.Object({ names: Type.Array(Text(256), { maxItems: 10 }), error: Nullable(Text(100)) }, strict),
    /** Each PTR name's A/AAAA records (at most 5 names): forward-confirmed when one holds the client address. */
    forward: Type.Array(
      Type.Object({ name: Text(256), addresses: Type.Array(Text(64), { maxItems: 32 }), error: Nullable(Text(100)) }, strict),
      { maxItems: 5 },
    ),
    /** True: a PTR name resolves back to the client address; false: none does; null: no PTR name, or every lookup failed. */
    fcrdns: Nullable(Type.Boolean()),
    /** The EHLO name and its addresses (null without a greeting, or before a test was named: nothing is looked up for a stranger). */
    ehlo: Nullable(
      Type.Object(
        {
          name: Text(300),
          /** An address literal ("[192.0.2.1]"): its address, else null. */
          literal: Nullable(Text(64)),
          addresses: Type.Array(Text(64), { maxItems: 32 }),
          error: Nullable(Text(100)),
        },
        strict,
      ),
    ),
    /** The MAIL FROM domain (null for the null sender). */
    mailDomain: Nullable(Text(256)),
    mx: Nullable(Type.Object({ hosts: Type.Array(Text(256), { maxItems: 32 }), error: Nullable(Text(100)) }, strict)),
    spf: Nullable(
      Type.Object(
        {
          /** The domain's SPF record as published (joined strings), null when none. */
          record: Nullable(Text(2048)),
          result: Literals(SPF_RESULTS),
          /** The term that decided ("ip4:192.0.2.0/24", "include:spf.protection.outlook.com", "-all"), null when none did. */
          mechanism: Nullable(Text(300)),
          /** DNS lookups counted against RFC 7208's limit of 10. */
          lookups: Count,
          /** Why: "more than 10 DNS lookups", "include:x.example has no SPF record" … */
          reason: Nullable(Text(300)),
          /** Host names the record names (a:, mx:, include:, redirect=, exists:): what the EHLO name is compared with. */
          names: Type.Array(Text(256), { maxItems: 50 }),
        },
        strict,
      ),
    ),
    /** Lookups that did not finish within the session's DNS budget (named, e.g. "PTR 192.0.2.1"). */
    unfinished: Type.Array(Text(300), { maxItems: 20 }),
  },
  strict,
);
export type SenderDns = Static<typeof SenderDnsSchema>;

export const SenderBodySchema = Type.Object(
  {
    test: Type.Object(
      {
        /** The address to send to ("test-<passcode>@<hostname>"). */
        address: Text(400),
        createdAt: Moment,
        expiresAt: Moment,
        /**
         * How the session was tied to the test: the passcode in a recipient address or in the Subject,
         * or (`new --from`) the address the test expects its sender at — a session that ended in or
         * right after the TLS handshake, before it could name the test.
         */
        matchedBy: Literals(['recipient', 'subject', 'address'] as const),
      },
      strict,
    ),
    /** Our name (banner, EHLO reply, the certificate's). */
    hostname: Text(256),
    session: SenderSessionSchema,
    /** Sessions from the same address in the minutes before (at most 10), oldest first. */
    earlier: Type.Array(SenderSessionSchema, { maxItems: 10 }),
    dns: SenderDnsSchema,
    /** The message's header analysed (`mxray headers`), null when no message was received. */
    headers: Nullable(HeaderMessageSchema),
  },
  strict,
);
export type SenderBody = Static<typeof SenderBodySchema>;
