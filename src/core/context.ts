// What every prober gets injected: clock, resolver, connector, transcript, limits, abort signal.
// Interfaces live here; the adapters that touch the network live in dns/ and net/.
import type { Duplex } from 'node:stream';
import type { Scheduler } from './scheduler.js';
import type { Transcript } from './transcript.js';

export interface Clock {
  /** Wall-clock time, epoch milliseconds (for certificate validity and report times). */
  now(): number;
  /** Monotonic milliseconds (for durations and transcript offsets). */
  monotonic(): number;
  /**
   * Resolves after `ms` (or at once when `signal` aborts): every wait in a job goes through here,
   * so a test clock moves time forward instead of waiting.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface MxAnswer {
  exchange: string;
  priority: number;
}

/** DNS lookups. Failures throw DnsError with a code (NXDOMAIN, NODATA, SERVFAIL, TIMEOUT …). */
export interface Resolver {
  /** "system" or the server address queried, for reports. */
  readonly description: string;
  mx(name: string): Promise<MxAnswer[]>;
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
  cname(name: string): Promise<string[]>;
  ptr(address: string): Promise<string[]>;
  /**
   * TXT records: one array per record, holding its character-strings as published (RFC 1035 §3.3.14;
   * MTA-STS and TLS-RPT concatenate them, RFC 8461 §3.1). Bytes that are not UTF-8 become U+FFFD.
   */
  txt(name: string): Promise<string[][]>;
}

/** The record types DANE looks up with their DNSSEC status (RFC 7672 §2.2). */
export type SecureQueryType = 'MX' | 'A' | 'AAAA' | 'TLSA';

/** One record of an answer, decoded; owner names and targets normalised (lower case, no final dot). */
export type SecureRecord =
  | { type: 'MX'; name: string; ttl: number; preference: number; exchange: string }
  | { type: 'A' | 'AAAA'; name: string; ttl: number; address: string }
  | { type: 'CNAME'; name: string; ttl: number; target: string }
  | { type: 'TLSA'; name: string; ttl: number; usage: number; selector: number; matchingType: number; data: Buffer };

/** One DNS message as the resolver answered it, with what the Resolver port hides: the flags and RFC 8914 errors. */
export interface SecureDnsAnswer {
  /** The RCODE's name: 'NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED' … (an unnamed one as 'RCODE<n>'). */
  rcode: string;
  /** The AD bit: the resolver says it validated every RRset of the answer (believed only from a trusted resolver). */
  authenticated: boolean;
  /** Answer-section records of the type asked and the CNAMEs leading to them, in message order (at most 64). */
  records: SecureRecord[];
  /** Extended DNS Errors (RFC 8914) of the OPT record: info-code and extra text (at most 8, text at most 300 characters). */
  ede: { code: number; text: string }[];
  /** The UDP answer was truncated and this one came over TCP. */
  tcp: boolean;
  /**
   * The answer carries DNSSEC signatures (RRSIG records in its answer or authority section): the zone
   * is signed. Signed but without AD from a resolver we trust: it did not validate them.
   */
  signed: boolean;
}

/**
 * DNS lookups that keep the DNSSEC status, for DANE: one query per call, sent with the DO bit (and
 * CD when asked: a bogus answer's data and its reason), to one resolver. An answer with any RCODE
 * resolves; no answer at all throws a DnsError (TIMEOUT, UNREACHABLE, OTHER).
 */
export interface DnssecResolver {
  /** The server queried, "IP:port", for reports. */
  readonly description: string;
  /**
   * Why its AD bit is believed: 'loopback' (a resolver on this machine), 'named' (the user said it
   * validates, e.g. --trust-ad), or null: not believed, every answer is as good as unsigned.
   */
  readonly trust: 'loopback' | 'named' | null;
  query(name: string, type: SecureQueryType, options?: { checkingDisabled?: boolean; signal?: AbortSignal }): Promise<SecureDnsAnswer>;
}

export interface ConnectOptions {
  /** Always an IP address: host names never reach the socket layer (getaddrinfo would bypass --resolver). */
  address: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What a client handshake offers: data, applied by the connector (tls/profiles.ts holds the profiles). */
export interface TlsClientProfile {
  /** For transcripts: "normal", "legacy", "TLSv1.1 only" … */
  name: string;
  minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher string (TLS 1.3 suites may be named in it too); null: Node's default list. */
  ciphers: string | null;
  /** Smallest Diffie-Hellman group accepted, in bits; null: Node's default (1024). */
  minDhBits: number | null;
  /**
   * Signature algorithms offered (OpenSSL's list, e.g. "ecdsa_secp256r1_sha256:…"); absent or null:
   * Node's default. Offering one key type only makes a server with an RSA and an ECDSA certificate
   * present the other one (DANE matches each).
   */
  sigalgs?: string | null;
}

/** Settings for one TLS handshake. */
export interface TlsOptions {
  /** SNI to send, or null to send none. */
  servername: string | null;
  /** What the handshake offers (tls/profiles.ts: TLS_NORMAL, TLS_LEGACY …). */
  profile: TlsClientProfile;
  timeoutMs: number;
  signal?: AbortSignal;
  /** A client certificate to present when the server asks for one (`mxray send --client-cert`): PEM key, PEM certificates leaf first. */
  clientCertificate?: ClientCertificate | null;
}

/** A client certificate and its private key, PEM (read by pki/files.ts at the edge). */
export interface ClientCertificate {
  keyPem: string;
  certPem: string;
  /** The leaf's subject, for reports. */
  subject: string;
}

export interface TlsHandshake {
  protocol: string | null;
  cipher: string | null;
  cipherStandard: string | null;
  group: string | null;
  /** DER of the certificates the server presented, leaf first, as far as Node lets us see them. */
  peerChain: Buffer[];
  /**
   * The certificates exactly as the server sent them (order, duplicates, unrelated ones), read from
   * its Certificate message (TLS 1.3: decrypted with our own session's handshake secret); null
   * when they could not be read (then `sentChainProblem` says why). Absent from connectors that do
   * not read it (test fakes).
   */
  sentChain?: Buffer[] | null;
  sentChainProblem?: string | null;
  ocspResponse: Buffer | null;
  handshakeMs: number;
}

/** A byte stream we can write to, read from, and upgrade to TLS in place. */
export interface Connection {
  readonly localAddress: string | null;
  readonly remoteAddress: string;
  readonly stream: Duplex;
  /** Wrap the current stream in TLS. Rejects with TlsHandshakeError. */
  startTls(options: TlsOptions): Promise<TlsHandshake>;
  close(): void;
}

export interface Connector {
  /** Opens a TCP connection. Rejects with MxrayError('connection-refused' | 'connection-timeout' …). */
  connect(options: ConnectOptions): Promise<Connection>;
}

export interface Limits {
  connectTimeoutMs: number;
  /** How long we wait for the banner: 10 s and more are normal anti-spam pauses. */
  greetingTimeoutMs: number;
  /** Absolute time for one whole reply after a command. */
  commandTimeoutMs: number;
  tlsTimeoutMs: number;
  maxLineBytes: number;
  maxReplyLines: number;
  maxReplyBytes: number;
  /** Connections of one test at once (the per-address limit is the process scheduler's). */
  connectionsPerDomain: number;
  /** DNS queries of one test in flight at once (a zone of 2,000 MX hosts must not mean 6,000 queries at once). */
  dnsQueriesAtOnce: number;
  /** Addresses probed of one host name at most (as many IPv4 as IPv6); a name with hundreds of A records is not hundreds of probes. */
  addressesPerHost: number;
  /**
   * Each address's whole probe (every connection to it) is stopped after this long: a server that
   * answers every command just inside its time-out cannot hold a test for minutes.
   */
  addressDeadlineMs: number;
  /** The whole test (DNS, every address, the report) is stopped after this long; null: no such bound. */
  deadlineMs: number | null;
}

export const DEFAULT_LIMITS: Limits = {
  connectTimeoutMs: 10_000,
  greetingTimeoutMs: 30_000,
  commandTimeoutMs: 30_000,
  tlsTimeoutMs: 15_000,
  maxLineBytes: 4096,
  maxReplyLines: 200,
  maxReplyBytes: 64 * 1024,
  connectionsPerDomain: 4,
  dnsQueriesAtOnce: 8,
  addressesPerHost: 10,
  addressDeadlineMs: 120_000,
  deadlineMs: null,
};

/** A host name mapped to an address and port (--connect, and the demo's lab). */
export interface HostMapping {
  address: string;
  port: number | null;
}

/** Where a trust store's roots came from, for the report's `judgedWith`. */
export interface TrustProvenance {
  /** The Node version whose bundled Mozilla roots are in the store, or null when they are not. */
  bundledRootsOfNode: string | null;
  /** Each extra CA file: its name as given and the SHA-256 (hex) of its content. */
  extraCaFiles: { name: string; sha256: string }[];
}

export interface TrustStore {
  /** DER-decoded roots, as X509Certificate objects (parsed lazily by the implementation). */
  roots(): readonly import('node:crypto').X509Certificate[];
  /**
   * The roots as PEM texts, for a TLS client's `ca` option (the HTTP fetcher), without parsing each
   * certificate first (the bundled store's ~145 roots cost tens of milliseconds to parse). Optional:
   * without it, `roots()` is converted.
   */
  pems?(): readonly string[];
  readonly description: string;
  readonly provenance?: TrustProvenance;
}

/** The real-world edges a job needs; runtime/ builds the system's, tests inject their own. */
export interface JobEdges {
  clock: Clock;
  resolver: Resolver;
  connector: Connector;
  trustStore: TrustStore;
  /** The name we announce in EHLO by default. */
  helo: string;
  /** The process's scheduler (targets at once, connections per address and port). */
  scheduler: Scheduler;
}

export interface ProbeContext {
  clock: Clock;
  resolver: Resolver;
  connector: Connector;
  transcript: Transcript;
  limits: Limits;
  hostMap: ReadonlyMap<string, HostMapping>;
  signal?: AbortSignal;
  /** Live progress for the CLI status line / web page. */
  onProgress?: (key: string, phase: string) => void;
}
