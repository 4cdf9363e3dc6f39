// The facts of `mxray pcap`: what a packet capture shows of each SMTP connection — the dialogue in
// clear, whether STARTTLS was offered, asked for and accepted, how the TLS handshake went (read from
// the record layer: hellos, a certificate sent in clear, alerts), what crossed the wire in clear
// (the envelope, a message), and a failed handshake followed by a retry in clear between the same
// hosts. Only what the bytes show: a flow the capture saw only in part says so ('incomplete').
// Every string and list is bounded; what a bound leaves out is counted.
import { Type, type Static, type TOptional } from '@sinclair/typebox';
import { Literals, Nullable, strict } from './schema-parts.js';

const Text = (max: number) => Type.String({ maxLength: max });
const Count = Type.Integer({ minimum: 0 });
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
/** Milliseconds since the epoch (fractional: the capture's resolution kept). */
const Time = Type.Number();

/** The problems the capture layers count (src/jobs/pcap/model.ts CaptureProblem: kept equal by a type test). */
export const CAPTURE_PROBLEMS = ['truncated-file', 'bad-block', 'snapped', 'bad-packet', 'unsupported-link', 'fragment', 'flow-buffer-full', 'flows-evicted', 'gap'] as const;
export type PcapCaptureProblem = (typeof CAPTURE_PROBLEMS)[number];

/** How a flow ended, as the reassembly saw it. */
export const FLOW_ENDS = ['fin', 'rst', 'idle', 'evicted', 'capture-end'] as const;
export type FlowEnd = (typeof FLOW_ENDS)[number];

/** 'starttls': an SMTP dialogue in clear (port 25/587 style); 'implicit-tls': TLS from the first byte (port 465, or a ClientHello first). */
export const FLOW_KINDS = ['starttls', 'implicit-tls', 'unknown'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

export const HANDSHAKE_RESULTS = ['established', 'failed', 'incomplete', 'not-attempted'] as const;
export type HandshakeResult = (typeof HANDSHAKE_RESULTS)[number];

/**
 * What told the handshake's result:
 * - 'finished-both-ways': TLS ≤ 1.2, ChangeCipherSpec and the (encrypted) Finished from both sides;
 * - 'client-data-after-finished': TLS 1.3, the client's second encrypted record (after its Finished) and a server record after it;
 * - 'alert': an alert in clear (see `tls.alerts`);
 * - 'encrypted-alert': TLS 1.3, the client sent one short encrypted record after the server's flight and closed (it refused the certificate);
 * - 'encrypted-server-alert': TLS 1.3, the server answered the client's Finished only with alert-sized records and closed;
 * - 'not-tls': after STARTTLS's 220 the server (or, implicit, a side) sent bytes that are not TLS records;
 * - 'client-closed': the client closed after STARTTLS's 220 without sending a byte;
 * - 'closed': the connection closed in the middle of the handshake;
 * - 'gap': bytes of the handshake are missing from the capture;
 * - 'mid-flow': the capture began after the handshake did (encrypted records, no hello);
 * - 'capture-end': the capture (or the flow's tracking) ended in the middle of the handshake.
 */
export const HANDSHAKE_EVIDENCE = [
  'finished-both-ways',
  'client-data-after-finished',
  'alert',
  'encrypted-alert',
  'encrypted-server-alert',
  'not-tls',
  'client-closed',
  'closed',
  'gap',
  'mid-flow',
  'capture-end',
] as const;
export type HandshakeEvidence = (typeof HANDSHAKE_EVIDENCE)[number];

/**
 * The flow's verdict:
 * - 'tls' / 'implicit-tls': the handshake completed (after STARTTLS / from the first byte);
 * - 'cleartext-after-starttls': the server said 220 to STARTTLS and the client went on in clear;
 * - 'handshake-failed': STARTTLS accepted (or implicit TLS) and the handshake failed;
 * - 'starttls-refused': a reply other than 220 to STARTTLS;
 * - 'starttls-not-offered': the server's EHLO reply had no STARTTLS and mail went in clear;
 * - 'not-attempted': mail went in clear though STARTTLS was offered (or the client said HELO, never asking);
 * - 'no-mail': closed before MAIL and without STARTTLS;
 * - 'incomplete': the capture began mid-flow, missed bytes that decide, or ended before the flow did.
 */
export const PCAP_VERDICTS = [
  'tls',
  'implicit-tls',
  'cleartext-after-starttls',
  'handshake-failed',
  'starttls-refused',
  'starttls-not-offered',
  'not-attempted',
  'no-mail',
  'incomplete',
] as const;
export type PcapVerdict = (typeof PCAP_VERDICTS)[number];

export const PcapEndpointSchema = Type.Object({ ip: Text(64), port: Port }, strict);

const PerDirection = Type.Object({ client: Count, server: Count }, strict);

/** A reply, shortly: its code and its text (lines joined by " / ", capped). */
export const PcapReplySchema = Type.Object({ code: Type.Integer({ minimum: 0, maximum: 999 }), text: Text(512) }, strict);
export type PcapReply = Static<typeof PcapReplySchema>;

export const PcapDialogueLineSchema = Type.Object(
  {
    from: Literals(['client', 'server'] as const),
    ts: Time,
    /** A command line (AUTH's arguments and the login exchange redacted), or a whole reply (its lines joined by " / "). Control characters shown as "?". */
    text: Text(512),
  },
  strict,
);
export type PcapDialogueLine = Static<typeof PcapDialogueLineSchema>;

export const PcapCommandSchema = Type.Object({ command: Text(512), reply: Nullable(PcapReplySchema) }, strict);
export type PcapCommand = Static<typeof PcapCommandSchema>;

export const PcapClientHelloSchema = Type.Object(
  {
    /** The legacy_version field ("TLSv1.2" for every TLS 1.3 client). */
    legacyVersion: Text(16),
    /** The versions offered, newest first: supported_versions, else the legacy version alone. */
    supportedVersions: Type.Array(Text(16), { maxItems: 16 }),
    sni: Nullable(Text(256)),
    /** Cipher suites offered (GREASE left out). */
    cipherCount: Count,
    alpn: Type.Array(Text(64), { maxItems: 16 }),
  },
  strict,
);
export type PcapClientHello = Static<typeof PcapClientHelloSchema>;

export const PcapCertificateSchema = Type.Object(
  {
    subject: Text(1000),
    issuer: Text(1000),
    /** ISO 8601. */
    notBefore: Nullable(Text(40)),
    notAfter: Nullable(Text(40)),
    /** Its DNS names (subjectAltName, at most 20). */
    dnsNames: Type.Array(Text(255), { maxItems: 20 }),
    /** Certificates in the Certificate message (the leaf first). */
    chainLength: Count,
  },
  strict,
);
export type PcapCertificate = Static<typeof PcapCertificateSchema>;

export const PcapAlertSchema = Type.Object(
  {
    from: Literals(['client', 'server'] as const),
    /** 'warning' / 'fatal'; null when the alert was encrypted (TLS ≤ 1.2 after ChangeCipherSpec: its type shows, not its content). */
    level: Nullable(Literals(['warning', 'fatal', 'unknown'] as const)),
    /** By its RFC name ("unknown_ca"); null when encrypted. */
    description: Nullable(Text(60)),
  },
  strict,
);
export type PcapAlert = Static<typeof PcapAlertSchema>;

export const PcapTlsSchema = Type.Object(
  {
    clientHello: Nullable(PcapClientHelloSchema),
    serverHello: Nullable(Type.Object({ version: Text(16), cipher: Text(80) }, strict)),
    /** The server's certificate (the leaf) when it travelled in clear (TLS ≤ 1.2). */
    certificate: Nullable(PcapCertificateSchema),
    /** Alerts seen in clear, and encrypted ones whose record type showed (at most 8). */
    alerts: Type.Array(PcapAlertSchema, { maxItems: 8 }),
    /** TLS 1.3: the client sent a single short encrypted record after the server's flight and closed — an alert, most likely refusing the certificate. */
    encryptedAlertSuspected: Type.Boolean(),
    changeCipherSpec: Type.Object({ client: Type.Boolean(), server: Type.Boolean() }, strict),
    /** Encrypted records (application_data) each way, counted while the handshake was followed. */
    applicationData: PerDirection,
    /** What was wrong with the records, in plain words (at most 10). */
    problems: Type.Array(Text(300), { maxItems: 10 }),
  },
  strict,
);
export type PcapTls = Static<typeof PcapTlsSchema>;

export const PcapEnvelopeSchema = Type.Object(
  {
    /** MAIL FROM addresses sent in clear, as written between the brackets (at most 16). */
    mailFrom: Type.Array(Text(320), { maxItems: 16 }),
    /** RCPT TO addresses sent in clear (at most 64). */
    rcptTo: Type.Array(Text(320), { maxItems: 64 }),
    /** Addresses beyond those kept. */
    notListed: Count,
    /** MAIL commands sent in clear. */
    mailCommands: Count,
    /** Message content crossed in clear (DATA answered 354 and content followed, or BDAT). */
    data: Type.Boolean(),
    /** Bytes of message content sent in clear. */
    dataBytes: Count,
    /** AUTH mechanisms used in clear (PLAIN, LOGIN …): the credentials crossed readable — base64 is no encryption. At most 4. */
    auth: Type.Array(Text(20), { maxItems: 4 }),
  },
  strict,
);
export type PcapEnvelope = Static<typeof PcapEnvelopeSchema>;

export const PcapFlowSchema = Type.Object(
  {
    /** 1-based, in order of the flows' first packets. */
    id: Type.Integer({ minimum: 1 }),
    client: PcapEndpointSchema,
    server: PcapEndpointSchema,
    start: Time,
    /** The time it ended; null when facts were taken before the end. */
    end: Nullable(Time),
    ended: Nullable(Literals(FLOW_ENDS)),
    /** The capture saw the client's SYN. */
    sawSyn: Type.Boolean(),
    bytes: PerDirection,
    /** Bytes missing from each direction (not captured). */
    gaps: PerDirection,
    kind: Literals(FLOW_KINDS),
    /** The server's greeting: its code and first line. */
    banner: Nullable(PcapReplySchema),
    /** The client's greeting command and the name it gave. */
    hello: Nullable(Type.Object({ verb: Literals(['EHLO', 'HELO', 'LHLO'] as const), name: Text(255) }, strict)),
    /** The server's EHLO reply (in clear, before any STARTTLS) offered STARTTLS; null when no EHLO reply was seen. */
    starttlsOffered: Nullable(Type.Boolean()),
    /** The keywords of that EHLO reply (at most 40). */
    ehloKeywords: Type.Array(Text(40), { maxItems: 40 }),
    /** The (first) STARTTLS command and the reply to it. */
    starttls: Nullable(Type.Object({ command: Text(512), reply: Nullable(PcapReplySchema) }, strict)),
    /** What the record layer showed; null when no TLS byte crossed. */
    tls: Nullable(PcapTlsSchema),
    handshakeResult: Literals(HANDSHAKE_RESULTS),
    handshakeEvidence: Nullable(Literals(HANDSHAKE_EVIDENCE)),
    /** Commands the client sent in clear after STARTTLS on the same connection (the handshake never happened), with their replies. */
    afterStarttls: Type.Array(PcapCommandSchema, { maxItems: 50 }),
    afterStarttlsNotListed: Count,
    /** What crossed in clear: the envelope and whether a message did. */
    exposed: PcapEnvelopeSchema,
    /** The dialogue in clear, in order (at most 200 commands and replies). */
    dialogue: Type.Array(PcapDialogueLineSchema, { maxItems: 200 }),
    dialogueNotListed: Count,
    /** Lines longer than 4 KiB (cut). */
    longLines: Count,
    /** What was odd in the dialogue, in plain words (at most 20). */
    problems: Type.Array(Text(300), { maxItems: 20 }),
    verdict: Literals(PCAP_VERDICTS),
    /** This flow carried mail in clear after the failed TLS attempt of that flow (same client, server and port, shortly before). */
    retryOf: Nullable(Type.Integer({ minimum: 1 })),
    /** The flow that carried this one's mail in clear after its TLS attempt failed. */
    retriedBy: Nullable(Type.Integer({ minimum: 1 })),
  },
  strict,
);
export type PcapFlow = Static<typeof PcapFlowSchema>;

const ProblemCount = Type.Object({ count: Count, first: Text(300) }, strict);

/** The capture as read (src/jobs/pcap/model.ts CaptureStats, with bounds). */
export const PcapCaptureSchema = Type.Object(
  {
    format: Nullable(Literals(['pcap', 'pcapng'] as const)),
    linkTypes: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 32 }),
    packets: Count,
    bytes: Count,
    smtpSegments: Count,
    firstTs: Nullable(Time),
    lastTs: Nullable(Time),
    problems: Type.Object(
      Object.fromEntries(CAPTURE_PROBLEMS.map((p) => [p, Type.Optional(ProblemCount)])) as Record<PcapCaptureProblem, TOptional<typeof ProblemCount>>,
      strict,
    ),
  },
  strict,
);
export type PcapCapture = Static<typeof PcapCaptureSchema>;

export const PcapVerdictCountsSchema = Type.Object(
  Object.fromEntries(PCAP_VERDICTS.map((v) => [v, Count])) as Record<PcapVerdict, typeof Count>,
  strict,
);
export type PcapVerdictCounts = Static<typeof PcapVerdictCountsSchema>;

/** At most this many flows are kept whole in a report. */
export const MAX_REPORTED_FLOWS = 2000;

export const PcapBodySchema = Type.Object(
  {
    /** The file read (its name as given). */
    file: Text(1000),
    capture: PcapCaptureSchema,
    /** The TCP ports followed as SMTP. */
    ports: Type.Array(Port, { maxItems: 64 }),
    /** Every flow seen, listed or not. */
    flowCount: Count,
    flows: Type.Array(PcapFlowSchema, { maxItems: MAX_REPORTED_FLOWS }),
    flowsNotListed: Count,
    /** Flows by verdict, over every flow seen. */
    totals: PcapVerdictCountsSchema,
  },
  strict,
);
export type PcapBody = Static<typeof PcapBodySchema>;

/** Zero of every verdict. */
export function emptyVerdictCounts(): PcapVerdictCounts {
  return Object.fromEntries(PCAP_VERDICTS.map((v) => [v, 0])) as PcapVerdictCounts;
}
