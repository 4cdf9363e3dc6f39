// What a TLS client offered and what the server chose, read from the raw bytes of both directions
// of one handshake (RFC 8446 §4.1, RFC 5246 §7.4). The sender test's listener is the server: Node
// tells it the protocol and cipher, but not what the client offered, nor (on the server side) the
// key exchange group, nor which alert a client sent when it refused our certificate. The
// ClientHello, the ServerHello and TLS ≤ 1.2's ServerKeyExchange travel in the clear, and so do
// alerts sent before a side switched to encryption: those are read here.
//
// Incremental: bytes are pushed as they cross the wire, in any pieces. Pure and total: never an
// exception, at most MAX_DIRECTION_BYTES read per direction, what is malformed goes to `problems`.
// Reading stops on each side once that side is encrypted (TLS 1.3: after the ServerHello; TLS ≤
// 1.2: after ChangeCipherSpec): nothing readable comes after.
import type { ClientHello } from '../core/sender-schema.js';
import { cipherSuiteName, groupName, hex16, isGrease, keyExchangeOf, signatureSchemeName, versionName } from './hello-names.js';
import { alertName } from './records.js';

/** At most this many bytes of each direction are read (a ClientHello with every extension is under 2 KiB; a certificate chain in TLS 1.2 can be tens of KiB). */
export const MAX_DIRECTION_BYTES = 64 * 1024;
/** The largest TLSCiphertext body (RFC 8446 §5.2): a longer "record" is not TLS. */
const MAX_RECORD_BODY = 18432;
const MAX_PROBLEMS = 20;

// The bounds of the schema's lists (src/core/sender-schema.ts, ClientHelloSchema).
const MAX_VERSIONS = 16;
const MAX_CIPHERS = 200;
const MAX_GROUPS = 64;
const MAX_KEY_SHARES = 16;
const MAX_SIGNATURE_ALGORITHMS = 64;
const MAX_ALPN = 16;
const MAX_ALPN_LENGTH = 64;
const MAX_SNI_LENGTH = 256;

const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;

const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const SERVER_KEY_EXCHANGE = 12;

const EXT_SERVER_NAME = 0;
const EXT_SUPPORTED_GROUPS = 10;
const EXT_SIGNATURE_ALGORITHMS = 13;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;
const EXT_KEY_SHARE = 51;

const TLS13 = 0x0304;

/** A ServerHello with this random is a HelloRetryRequest (RFC 8446 §4.1.3): SHA-256("HelloRetryRequest"). */
const HELLO_RETRY_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

/**
 * TLS 1.3 alert, encrypted: 2 bytes of alert, 1 of content type, a 16-byte tag (8 with CCM_8),
 * and no padding from any implementation we know. A client's Finished or Certificate is far longer.
 */
const ENCRYPTED_ALERT_LENGTHS = new Set([11, 19]);

export interface HelloResult {
  /** The client's (first) ClientHello, or null when none was read whole. */
  clientHello: ClientHello | null;
  /** The version the server's ServerHello chose ("TLSv1.3" …), or null when none was read. */
  serverVersion: string | null;
  /** The cipher suite the server chose, by IANA name ("0xc0ff" when unknown). */
  cipher: string | null;
  /**
   * The key exchange group: TLS 1.3's key_share in the ServerHello; TLS ≤ 1.2's ServerKeyExchange
   * (ECDHE: the named curve; DHE: "ffdhe2048" for an RFC 7919 prime, "modp2048" for an RFC 3526
   * one, else "DH <bits>"). Null with RSA key exchange, a resumed session, or nothing read.
   */
  group: string | null;
  /** The server sent a HelloRetryRequest, asking the client for a key share in this group. */
  helloRetryGroup: string | null;
  helloRetry: boolean;
  /** An alert the client sent in the clear, by its RFC name ("unknown_ca", "bad_certificate" …). */
  clientAlert: string | null;
  /**
   * The client sent an alert we cannot read because it is encrypted: TLS ≤ 1.2 after its
   * ChangeCipherSpec, or (TLS 1.3) a first encrypted record of exactly an alert's size. OpenSSL
   * decrypts it: the server's error code names it (records.ts alertOfErrorCode).
   */
  clientAlertEncrypted: boolean;
  /** An alert the server sent in the clear. */
  serverAlert: string | null;
  /** Both sides are encrypted, or a side stopped being readable: nothing more to read. */
  done: boolean;
  /** What was wrong with the bytes, in plain words (at most 20). */
  problems: string[];
}

/** Reads big-endian fields from a buffer; a read past the end returns null and marks the cursor broken. */
class Cursor {
  private off = 0;
  broken = false;
  constructor(private readonly buf: Buffer) {}

  get left(): number {
    return this.buf.length - this.off;
  }

  private take(n: number): Buffer | null {
    if (this.broken || n > this.left) {
      this.broken = true;
      return null;
    }
    const out = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }

  u8(): number | null {
    const b = this.take(1);
    return b ? b[0]! : null;
  }

  u16(): number | null {
    const b = this.take(2);
    return b ? b.readUInt16BE(0) : null;
  }

  bytes(n: number): Buffer | null {
    return this.take(n);
  }

  /** A vector with a 1- or 2-byte length prefix. */
  vector(prefix: 1 | 2): Buffer | null {
    const n = prefix === 1 ? this.u8() : this.u16();
    return n === null ? null : this.take(n);
  }
}

/** The 16-bit values of a list, without GREASE; a trailing odd byte marks it malformed. */
function codes(list: Buffer): { values: number[]; odd: boolean } {
  const values: number[] = [];
  for (let i = 0; i + 1 < list.length; i += 2) {
    const v = list.readUInt16BE(i);
    if (!isGrease(v)) values.push(v);
  }
  return { values, odd: list.length % 2 !== 0 };
}

/** Printable ASCII as is, anything else as "?": a peer's bytes become data, never control characters. */
function printable(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '?');
}

/** The DH prime's family, by its leading bits: RFC 7919 (e) and RFC 2409/3526 (π) primes start with 64 ones, then the constant. */
const FFDHE_PREFIX = Buffer.from('ffffffffffffffffadf85458a2bb4a9a', 'hex');
const MODP_PREFIX = Buffer.from('ffffffffffffffffc90fdaa22168c234', 'hex');

function dhGroupName(prime: Buffer): string {
  let start = 0;
  while (start < prime.length && prime[start] === 0) start++;
  const p = prime.subarray(start);
  const bits = p.length === 0 ? 0 : (p.length - 1) * 8 + (32 - Math.clz32(p[0]!));
  if (p.length >= 16 && p.subarray(0, 16).equals(FFDHE_PREFIX)) return `ffdhe${bits}`;
  if (p.length >= 16 && p.subarray(0, 16).equals(MODP_PREFIX)) return `modp${bits}`;
  return `DH ${bits}`;
}

/** Lists cut to a bound: what fits, and whether some were left out. */
function bounded<T>(values: T[], max: number): { kept: T[]; cut: boolean } {
  return { kept: values.slice(0, max), cut: values.length > max };
}

/**
 * One direction of the connection: records reassembled from pieces, handshake messages
 * reassembled from records (a message may span records, several may share one).
 */
class Direction {
  bytes = 0;
  /** An incomplete record (at most a header and MAX_RECORD_BODY bytes). */
  private pending: Buffer = Buffer.alloc(0);
  /** Handshake bytes not yet forming a whole message (bounded by MAX_DIRECTION_BYTES). */
  private handshake: Buffer = Buffer.alloc(0);
  /** No more reading: the bound, bytes that are not TLS, or the owner has what it wanted. */
  stopped = false;
  /** This side switched to encryption (TLS ≤ 1.2: ChangeCipherSpec; TLS 1.3: decided by the owner). */
  encrypted = false;
  /** Application-data records seen. */
  encryptedRecords = 0;

  constructor(
    readonly name: 'client' | 'server',
    private readonly sink: {
      problem(text: string): void;
      message(from: Direction, type: number, body: Buffer): void;
      alert(from: Direction, body: Buffer): void;
      changeCipherSpec(from: Direction): void;
      encryptedRecord(from: Direction, length: number): void;
    },
  ) {}

  push(chunk: Buffer): void {
    if (this.stopped || chunk.length === 0) return;
    const room = MAX_DIRECTION_BYTES - this.bytes;
    const taken = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.bytes += taken.length;
    this.pending = this.pending.length ? Buffer.concat([this.pending, taken]) : taken;
    this.scan();
    if (!this.stopped && chunk.length > room) this.stop(`more than ${MAX_DIRECTION_BYTES} bytes from the ${this.name} before the handshake was encrypted: the rest was not read`);
  }

  stop(problem?: string): void {
    if (problem) this.sink.problem(problem);
    this.stopped = true;
    this.pending = Buffer.alloc(0);
    this.handshake = Buffer.alloc(0);
  }

  private scan(): void {
    let off = 0;
    while (!this.stopped && this.pending.length - off >= 5) {
      const type = this.pending[off]!;
      const major = this.pending[off + 1]!;
      const length = this.pending.readUInt16BE(off + 3);
      if (type < CHANGE_CIPHER_SPEC || type > 24 || major !== 3) {
        const first = this.bytes === this.pending.length && off === 0;
        // An SSL 2.0 ClientHello: a 2-byte length with the high bit set, then message type 1.
        if (first && this.name === 'client' && (type & 0x80) !== 0 && this.pending[off + 2] === CLIENT_HELLO) {
          this.stop('the client sent an SSL 2.0-format ClientHello');
        } else {
          this.stop(`the ${this.name} sent bytes that are not a TLS record${first ? '' : ' after its first records'}: "${printable(this.pending.subarray(off, off + 24))}"`);
        }
        return;
      }
      if (length > MAX_RECORD_BODY) {
        this.stop(`the ${this.name} announced a ${length}-byte record, longer than TLS allows`);
        return;
      }
      if (this.pending.length - off < 5 + length) break;
      this.record(type, this.pending.subarray(off + 5, off + 5 + length));
      off += 5 + length;
    }
    if (this.stopped) return;
    // Only an incomplete record waits here: copied, so the caller's chunk is not held.
    this.pending = off === 0 ? Buffer.from(this.pending) : Buffer.from(this.pending.subarray(off));
  }

  private record(type: number, body: Buffer): void {
    if (type === CHANGE_CIPHER_SPEC) this.sink.changeCipherSpec(this);
    else if (type === ALERT) this.sink.alert(this, body);
    else if (type === APPLICATION_DATA) {
      this.encryptedRecords++;
      this.sink.encryptedRecord(this, body.length);
    } else if (type === HANDSHAKE && !this.encrypted) this.handshakeBytes(body);
    // Heartbeat (24) and handshake records after the switch (TLS ≤ 1.2's encrypted Finished) say nothing here.
  }

  private handshakeBytes(body: Buffer): void {
    this.handshake = this.handshake.length ? Buffer.concat([this.handshake, body]) : Buffer.from(body);
    while (!this.stopped && !this.encrypted && this.handshake.length >= 4) {
      const length = this.handshake.readUIntBE(1, 3);
      if (length > MAX_DIRECTION_BYTES) {
        this.stop(`the ${this.name} announced a ${length}-byte handshake message`);
        return;
      }
      if (this.handshake.length < 4 + length) return;
      const type = this.handshake[0]!;
      const message = this.handshake.subarray(4, 4 + length);
      this.handshake = this.handshake.subarray(4 + length);
      this.sink.message(this, type, message);
    }
  }
}

/**
 * Reads one STARTTLS handshake: the client's bytes through pushClient, the server's through
 * pushServer, in the order they crossed the wire.
 */
export class HelloReader {
  private readonly problems: string[] = [];
  private clientHello: ClientHello | null = null;
  private clientHellos = 0;
  private serverVersion: number | null = null;
  private cipher: number | null = null;
  private group: string | null = null;
  private helloRetryGroup: string | null = null;
  private helloRetry = false;
  private finalServerHello = false;
  private clientAlert: string | null = null;
  private clientAlertEncrypted = false;
  private serverAlert: string | null = null;
  private readonly client: Direction;
  private readonly server: Direction;

  constructor() {
    const sink = {
      problem: (text: string) => this.problem(text),
      message: (from: Direction, type: number, body: Buffer) => this.message(from, type, body),
      alert: (from: Direction, body: Buffer) => this.alert(from, body),
      changeCipherSpec: (from: Direction) => this.changeCipherSpec(from),
      encryptedRecord: (from: Direction, length: number) => this.encryptedRecord(from, length),
    };
    this.client = new Direction('client', sink);
    this.server = new Direction('server', sink);
  }

  pushClient(bytes: Buffer): void {
    this.guarded(() => this.client.push(bytes));
  }

  pushServer(bytes: Buffer): void {
    this.guarded(() => this.server.push(bytes));
  }

  /** Nothing more can be learned from either direction (a tap may stop copying bytes). */
  done(): boolean {
    return (this.client.stopped || this.client.encrypted) && (this.server.stopped || this.server.encrypted);
  }

  result(): HelloResult {
    return {
      clientHello: this.clientHello,
      serverVersion: this.serverVersion === null ? null : versionName(this.serverVersion),
      cipher: this.cipher === null ? null : cipherSuiteName(this.cipher),
      group: this.group,
      helloRetryGroup: this.helloRetryGroup,
      helloRetry: this.helloRetry,
      clientAlert: this.clientAlert,
      clientAlertEncrypted: this.clientAlertEncrypted,
      serverAlert: this.serverAlert,
      done: this.done(),
      problems: [...this.problems],
    };
  }

  /** No exception leaves the reader, whatever the bytes: one would be our bug, said as a problem. */
  private guarded(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.problem(`internal error while reading the handshake: ${error instanceof Error ? error.message : String(error)}`);
      this.client.stop();
      this.server.stop();
    }
  }

  private problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(text.slice(0, 300));
  }

  private get tls13(): boolean {
    return this.serverVersion === TLS13;
  }

  private message(from: Direction, type: number, body: Buffer): void {
    if (from === this.client) {
      if (type !== CLIENT_HELLO) {
        // TLS ≤ 1.2's Certificate, ClientKeyExchange, CertificateVerify come in the clear: not ours to read.
        if (this.clientHellos === 0) this.problem(`the client's first handshake message is of type ${type}, not a ClientHello`);
        return;
      }
      this.clientHellos++;
      // The second ClientHello answers a HelloRetryRequest: the first is what the client offered.
      if (this.clientHellos === 1) this.clientHello = this.parseClientHello(body);
      else if (!this.helloRetry) this.problem('the client sent a second ClientHello without a HelloRetryRequest');
      return;
    }
    if (type === SERVER_HELLO) this.serverHello(body);
    else if (type === SERVER_KEY_EXCHANGE) this.serverKeyExchange(body);
  }

  private alert(from: Direction, body: Buffer): void {
    // In the clear an alert is level and description; after ChangeCipherSpec (TLS ≤ 1.2) it carries a MAC.
    const readable = body.length === 2 && !from.encrypted;
    if (from === this.client) {
      if (readable) this.clientAlert ??= alertName(body[1]!);
      else this.clientAlertEncrypted = true;
    } else if (readable) this.serverAlert ??= alertName(body[1]!);
  }

  private changeCipherSpec(from: Direction): void {
    // TLS 1.3 sends it only for middleboxes (RFC 8446 §D.4); the switch happens with the keys, not with it.
    if (!this.tls13) from.encrypted = true;
  }

  private encryptedRecord(from: Direction, length: number): void {
    if (from !== this.client) return;
    if (this.tls13 && this.finalServerHello && from.encryptedRecords === 1 && ENCRYPTED_ALERT_LENGTHS.has(length)) this.clientAlertEncrypted = true;
    // TLS 1.3: the client's handshake is encrypted from its first application-data record on.
    if (this.tls13 && this.finalServerHello) from.encrypted = true;
  }

  private serverHello(body: Buffer): void {
    const c = new Cursor(body);
    const legacyVersion = c.u16();
    const random = c.bytes(32);
    c.vector(1); // legacy_session_id_echo
    const suite = c.u16();
    c.u8(); // compression method
    if (c.broken || legacyVersion === null || random === null || suite === null) {
      this.problem('the ServerHello is malformed');
      this.server.stop();
      return;
    }
    let version = legacyVersion;
    let keyShareGroup: number | null = null;
    // Extensions are optional before TLS 1.3 (RFC 5246 §7.4.1.3).
    if (c.left > 0) {
      const extensions = c.vector(2);
      if (!extensions) this.problem('the ServerHello\'s extensions are malformed');
      for (const [type, data] of extensionsOf(extensions ?? Buffer.alloc(0), (t) => this.problem(t))) {
        if (type === EXT_SUPPORTED_VERSIONS && data.length === 2) version = data.readUInt16BE(0);
        // ServerHello: group and key (RFC 8446 §4.2.8); HelloRetryRequest: the group alone.
        if (type === EXT_KEY_SHARE && data.length >= 2) keyShareGroup = data.readUInt16BE(0);
      }
    }
    this.serverVersion = version;
    this.cipher = suite;
    if (random.equals(HELLO_RETRY_RANDOM)) {
      this.helloRetry = true;
      if (keyShareGroup !== null) this.helloRetryGroup = groupName(keyShareGroup);
      return;
    }
    this.finalServerHello = true;
    if (version === TLS13) {
      this.group = keyShareGroup === null ? null : groupName(keyShareGroup);
      // Everything after the ServerHello is encrypted under the handshake keys.
      this.server.encrypted = true;
    }
  }

  /** TLS ≤ 1.2 (RFC 8422 §5.4, RFC 5246 §7.4.3): the ECDHE curve, or the size of the DHE prime. */
  private serverKeyExchange(body: Buffer): void {
    if (this.cipher === null || this.tls13) return;
    const kind = keyExchangeOf(this.cipher);
    const c = new Cursor(body);
    if (kind === 'ecdhe') {
      const curveType = c.u8();
      if (curveType === 3) {
        const curve = c.u16();
        if (curve !== null) this.group = groupName(curve);
      } else if (curveType === 1 || curveType === 2) this.group = 'explicit curve';
      if (c.broken || curveType === null || curveType > 3) this.problem('the ServerKeyExchange (ECDHE) is malformed');
    } else if (kind === 'dhe') {
      const prime = c.vector(2);
      if (prime && prime.length > 0) this.group = dhGroupName(prime);
      else this.problem('the ServerKeyExchange (DHE) is malformed');
    }
  }

  private parseClientHello(body: Buffer): ClientHello | null {
    const c = new Cursor(body);
    const legacyVersion = c.u16();
    c.bytes(32); // random
    c.vector(1); // legacy_session_id
    const suites = c.vector(2);
    c.vector(1); // compression methods
    if (c.broken || legacyVersion === null || suites === null) {
      this.problem('the ClientHello is malformed');
      return null;
    }
    const offered = codes(suites);
    if (offered.odd) this.problem('the ClientHello\'s cipher suite list has an odd length');
    const ciphers = bounded(offered.values.map(cipherSuiteName), MAX_CIPHERS);
    const hello: ClientHello = {
      versions: [versionName(legacyVersion)],
      ciphers: ciphers.kept,
      ciphersNotListed: offered.values.length - ciphers.kept.length,
      groups: [],
      keyShares: [],
      signatureAlgorithms: [],
      sni: null,
      alpn: [],
    };
    // Extensions are optional before TLS 1.3 (RFC 5246 §7.4.1.2).
    if (c.left > 0) {
      const extensions = c.vector(2);
      if (!extensions) this.problem('the ClientHello\'s extensions are malformed');
      else if (c.left > 0) this.problem('the ClientHello has bytes after its extensions');
      for (const [type, data] of extensionsOf(extensions ?? Buffer.alloc(0), (t) => this.problem(t))) this.clientExtension(hello, type, data);
    }
    return hello;
  }

  private clientExtension(hello: ClientHello, type: number, data: Buffer): void {
    const c = new Cursor(data);
    const list = (prefix: 1 | 2, what: string, max: number, name: (code: number) => string): string[] => {
      const raw = c.vector(prefix);
      if (!raw || raw.length % 2 !== 0 || c.left > 0) this.problem(`the ClientHello's ${what} extension is malformed`);
      const names = bounded(codes(raw ?? Buffer.alloc(0)).values.map(name), max);
      if (names.cut) this.problem(`the client listed more than ${max} ${what}: the rest are not kept`);
      return names.kept;
    };
    switch (type) {
      case EXT_SUPPORTED_VERSIONS: {
        // Newest first, as the schema says; a client lists them in its own order (normally newest first too).
        const versions = list(1, 'supported versions', MAX_VERSIONS, (v) => String(v));
        hello.versions = versions.map(Number).sort((a, b) => b - a).map(versionName);
        break;
      }
      case EXT_SUPPORTED_GROUPS:
        hello.groups = list(2, 'supported groups', MAX_GROUPS, groupName);
        break;
      case EXT_SIGNATURE_ALGORITHMS:
        hello.signatureAlgorithms = list(2, 'signature algorithms', MAX_SIGNATURE_ALGORITHMS, signatureSchemeName);
        break;
      case EXT_KEY_SHARE:
        hello.keyShares = this.keyShares(c);
        break;
      case EXT_SERVER_NAME:
        hello.sni = this.serverName(c);
        break;
      case EXT_ALPN:
        hello.alpn = this.alpn(c);
        break;
    }
  }

  /** key_share (RFC 8446 §4.2.8): entries of group and key; only the groups are kept. */
  private keyShares(c: Cursor): string[] {
    const all = c.vector(2);
    const groups: string[] = [];
    const entries = new Cursor(all ?? Buffer.alloc(0));
    while (entries.left > 0 && !entries.broken) {
      const group = entries.u16();
      entries.vector(2);
      if (group !== null && !entries.broken && !isGrease(group)) groups.push(groupName(group));
    }
    if (!all || entries.broken || c.left > 0) this.problem('the ClientHello\'s key share extension is malformed');
    const kept = bounded(groups, MAX_KEY_SHARES);
    if (kept.cut) this.problem(`the client sent more than ${MAX_KEY_SHARES} key shares: the rest are not kept`);
    return kept.kept;
  }

  /** server_name (RFC 6066 §3): the host_name entry (type 0). */
  private serverName(c: Cursor): string | null {
    const all = c.vector(2);
    const entries = new Cursor(all ?? Buffer.alloc(0));
    let name: string | null = null;
    while (entries.left > 0 && !entries.broken) {
      const kind = entries.u8();
      const value = entries.vector(2);
      if (kind === 0 && value && name === null) {
        if (value.length > MAX_SNI_LENGTH) this.problem(`the client's SNI is ${value.length} bytes long: only the first ${MAX_SNI_LENGTH} are kept`);
        const bytes = value.subarray(0, MAX_SNI_LENGTH);
        if (bytes.some((b) => b < 0x21 || b > 0x7e)) this.problem('the client\'s SNI holds bytes that are not printable ASCII (shown as "?")');
        name = printable(bytes);
      }
    }
    if (!all || entries.broken || c.left > 0) this.problem('the ClientHello\'s server name extension is malformed');
    return name;
  }

  /** ALPN (RFC 7301 §3.1): protocol names, each with a 1-byte length. */
  private alpn(c: Cursor): string[] {
    const all = c.vector(2);
    const entries = new Cursor(all ?? Buffer.alloc(0));
    const names: string[] = [];
    while (entries.left > 0 && !entries.broken) {
      const value = entries.vector(1);
      // GREASE ALPN values (RFC 8701 §3.2) are two bytes like the code points.
      if (value && !(value.length === 2 && isGrease(value.readUInt16BE(0)))) names.push(printable(value.subarray(0, MAX_ALPN_LENGTH)));
    }
    if (!all || entries.broken || c.left > 0) this.problem('the ClientHello\'s ALPN extension is malformed');
    const kept = bounded(names, MAX_ALPN);
    if (kept.cut) this.problem(`the client offered more than ${MAX_ALPN} ALPN protocols: the rest are not kept`);
    return kept.kept;
  }
}

/** The extensions of a hello as (type, data) pairs; a list that ends mid-extension is reported once. */
function extensionsOf(list: Buffer, problem: (text: string) => void): [number, Buffer][] {
  const c = new Cursor(list);
  const out: [number, Buffer][] = [];
  const seen = new Set<number>();
  while (c.left > 0) {
    const type = c.u16();
    const data = c.vector(2);
    if (type === null || data === null) {
      problem('a hello\'s extension list ends in the middle of an extension');
      break;
    }
    // RFC 8446 §4.2: at most one of each; the first counts.
    if (seen.has(type)) {
      problem(`a hello carries extension ${hex16(type)} twice`);
      continue;
    }
    seen.add(type);
    out.push([type, data]);
  }
  return out;
}
