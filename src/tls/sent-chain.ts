// The certificate chain exactly as the server sent it, recovered from the raw bytes it sent on
// our own connection. Node's getPeerCertificate(true) orders the certificates by issuer and drops
// duplicates and certificates unrelated to the leaf, so it can never say "your server sends an
// extra certificate" or "it sends the intermediate twice"; the Certificate handshake message can.
//
// TLS ≤ 1.2 (RFC 5246 §7.4.2): the Certificate message travels in the clear, after ServerHello.
// TLS 1.3 (RFC 8446 §4.4.2): it travels encrypted under the server handshake traffic secret, which
// Node hands us through the TLS socket's `keylog` event (NSS key log lines); the record keys are
// derived from it (§7.1, §7.3) and each record opened in turn (§5.2 – §5.4).
//
// Pure and total: bytes in, a result out, never an exception; bounded work and memory whatever
// the server sent (MAX_SERVER_BYTES, MAX_RECORD_BODY, MAX_CERTIFICATES, MAX_SECRETS).
import { createDecipheriv, createHmac } from 'node:crypto';
import { alertName } from './records.js';

/** The protocol the ServerHello chose, named as Node's getProtocol() names it. */
export type SentChainProtocol = 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Why the chain could not be recovered: stable codes, for tests and for the finding's facts. */
export type SentChainProblem =
  /** The first bytes are not a TLS record. */
  | 'not-tls'
  /** A record announced a body over 2^14 + 256 bytes (RFC 8446 §5.2): not TLS, or hostile. */
  | 'record-too-long'
  /** More than MAX_SERVER_BYTES came before the Certificate message was complete. */
  | 'too-long'
  /** The bytes ended before the Certificate message was complete. */
  | 'truncated'
  /** The server sent an alert before its certificate. */
  | 'alert'
  /** A record or handshake message does not parse. */
  | 'malformed'
  /** The ServerHello chose a version we cannot read (not SSL 3.0 to TLS 1.3). */
  | 'unsupported-version'
  /** The handshake had no Certificate message (a resumed session, a PSK, an anonymous suite). */
  | 'no-certificate'
  /** TLS 1.3 and no SERVER_HANDSHAKE_TRAFFIC_SECRET line for it in the key log. */
  | 'no-secret'
  /** TLS 1.3 with a cipher suite whose record protection we do not know. */
  | 'unknown-cipher-suite'
  /** No handshake secret opened the encrypted records (wrong secret, or corrupted records). */
  | 'decrypt-failed'
  /** The Certificate message holds more than MAX_CERTIFICATES certificates. */
  | 'too-many-certificates';

export interface SentChainInput {
  /** Everything the server sent on the TLS connection, from its first TLS record on. */
  serverBytes: Buffer;
  /** The TLS socket's `keylog` lines (needed for TLS 1.3 only); other kinds of lines are ignored. */
  keylog?: readonly (Buffer | string)[];
  /** Our ClientHello's random, when known: only key log lines for it are used. */
  clientRandom?: Buffer;
}

export interface SentChain {
  /** The certificates (DER) in the order the server sent them, duplicates and strays included; null when unknown. */
  chain: Buffer[] | null;
  /** The protocol the server's (final) ServerHello chose, when one was read. */
  version: SentChainProtocol | null;
  error: SentChainProblem | null;
  /** With error 'alert': the alert the server sent, by its RFC name ("handshake_failure"); else null. */
  alert: string | null;
}

/** At most this many bytes of the server's side are read: the Certificate message must end within them. */
export const MAX_SERVER_BYTES = 1 << 20;
/** The largest record body (TLSCiphertext, RFC 8446 §5.2). */
export const MAX_RECORD_BODY = (1 << 14) + 256;
/** At most this many certificates in one Certificate message. */
export const MAX_CERTIFICATES = 100;
/** At most this many distinct handshake secrets from the key log are tried. */
export const MAX_SECRETS = 8;
/** At most this many key log entries are read. */
const MAX_KEYLOG_ENTRIES = 64;

const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;

const SERVER_HELLO = 2;
const ENCRYPTED_EXTENSIONS = 8;
const CERTIFICATE = 11;
const SERVER_KEY_EXCHANGE = 12;
const CERTIFICATE_REQUEST = 13;
const SERVER_HELLO_DONE = 14;
const CERTIFICATE_VERIFY = 15;
const FINISHED = 20;

const EXT_SUPPORTED_VERSIONS = 0x002b;

/** A ServerHello with this random is a HelloRetryRequest (RFC 8446 §4.1.3): SHA-256("HelloRetryRequest"). */
const HELLO_RETRY_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

const VERSIONS: Record<number, SentChainProtocol> = {
  0x0300: 'SSLv3',
  0x0301: 'TLSv1',
  0x0302: 'TLSv1.1',
  0x0303: 'TLSv1.2',
  0x0304: 'TLSv1.3',
};

type AeadName = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305' | 'aes-128-ccm';

interface CipherSuite {
  name: string;
  hash: 'sha256' | 'sha384';
  aead: AeadName;
  keyLength: number;
  tagLength: number;
}

/** The TLS 1.3 cipher suites (RFC 8446 §B.4) and how their records are protected. */
const TLS13_SUITES: Record<number, CipherSuite> = {
  0x1301: { name: 'TLS_AES_128_GCM_SHA256', hash: 'sha256', aead: 'aes-128-gcm', keyLength: 16, tagLength: 16 },
  0x1302: { name: 'TLS_AES_256_GCM_SHA384', hash: 'sha384', aead: 'aes-256-gcm', keyLength: 32, tagLength: 16 },
  0x1303: { name: 'TLS_CHACHA20_POLY1305_SHA256', hash: 'sha256', aead: 'chacha20-poly1305', keyLength: 32, tagLength: 16 },
  0x1304: { name: 'TLS_AES_128_CCM_SHA256', hash: 'sha256', aead: 'aes-128-ccm', keyLength: 16, tagLength: 16 },
  0x1305: { name: 'TLS_AES_128_CCM_8_SHA256', hash: 'sha256', aead: 'aes-128-ccm', keyLength: 16, tagLength: 8 },
};
const HASH_LENGTH = { sha256: 32, sha384: 48 } as const;

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

interface TlsRecord {
  type: number;
  /** The 5-byte header: the additional data of TLS 1.3's AEAD. */
  header: Buffer;
  body: Buffer;
}

interface Failure {
  error: SentChainProblem;
  alert?: string;
}

/** Reads records one by one from `bytes`, from `offset`; a problem ends the reading. */
class RecordCursor {
  constructor(
    private readonly bytes: Buffer,
    /** The server sent more than `bytes`: running out means "too long", not "truncated". */
    private readonly cut: boolean,
    public offset = 0,
  ) {}

  next(): TlsRecord | Failure {
    const { bytes, offset } = this;
    if (bytes.length - offset < 5) return this.end();
    const type = bytes[offset]!;
    const major = bytes[offset + 1]!;
    const length = bytes.readUInt16BE(offset + 3);
    // Content types 20 (ChangeCipherSpec) to 24 (heartbeat), version 3.x; garbage after a record is malformed.
    if (type < CHANGE_CIPHER_SPEC || type > 24 || major !== 3) return offset === 0 ? { error: 'not-tls' } : MALFORMED;
    if (length > MAX_RECORD_BODY) return { error: 'record-too-long' };
    if (bytes.length - offset < 5 + length) return this.end();
    this.offset = offset + 5 + length;
    return { type, header: bytes.subarray(offset, offset + 5), body: bytes.subarray(offset + 5, offset + 5 + length) };
  }

  private end(): Failure {
    return { error: this.cut ? 'too-long' : 'truncated' };
  }
}

const MALFORMED: Failure = { error: 'malformed' };

function isFailure(value: object): value is Failure {
  return 'error' in value;
}

// ---------------------------------------------------------------------------------------------
// Handshake messages (they may span records, and a record may hold several)
// ---------------------------------------------------------------------------------------------

interface HandshakeMessage {
  type: number;
  body: Buffer;
}

/**
 * Reassembles handshake messages from record bodies. Linear in the bytes pushed, even for a
 * hostile server's one-byte records: the chunks are never rescanned, only walked from `first`.
 */
class HandshakeReader {
  private chunks: Buffer[] = [];
  /** The index of the first chunk still held (the ones before it are read). */
  private first = 0;
  private length = 0;

  push(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  get pending(): number {
    return this.length;
  }

  /** The next whole message, or null while more bytes are needed. */
  next(): HandshakeMessage | null {
    if (this.length < 4) return null;
    // Four chunks of at least one byte each hold the 4-byte header.
    const head = Buffer.concat(this.chunks.slice(this.first, this.first + 4));
    const bodyLength = head.readUIntBE(1, 3);
    if (this.length < 4 + bodyLength) return null;
    const message = this.take(4 + bodyLength);
    return { type: message[0]!, body: message.subarray(4) };
  }

  private take(n: number): Buffer {
    const parts: Buffer[] = [];
    for (let got = 0; got < n; ) {
      const chunk = this.chunks[this.first]!;
      const want = n - got;
      if (chunk.length <= want) {
        parts.push(chunk);
        got += chunk.length;
        this.first++;
      } else {
        parts.push(chunk.subarray(0, want));
        this.chunks[this.first] = chunk.subarray(want);
        got = n;
      }
    }
    // Read chunks stay referenced until the reader goes: at most MAX_SERVER_BYTES of them.
    this.length -= n;
    return Buffer.concat(parts, n);
  }
}

// ---------------------------------------------------------------------------------------------
// ServerHello and Certificate
// ---------------------------------------------------------------------------------------------

interface ServerHello {
  /** The negotiated version (supported_versions wins over legacy_version), or the raw number when unknown. */
  version: number;
  cipherSuite: number;
  helloRetry: boolean;
}

/** RFC 8446 §4.1.3 / RFC 5246 §7.4.1.3; null when it does not parse. */
function parseServerHello(body: Buffer): ServerHello | null {
  if (body.length < 38) return null;
  const legacyVersion = body.readUInt16BE(0);
  const random = body.subarray(2, 34);
  const sessionIdLength = body[34]!;
  let off = 35 + sessionIdLength;
  if (sessionIdLength > 32 || body.length < off + 3) return null;
  const cipherSuite = body.readUInt16BE(off);
  off += 3; // cipher suite, compression method
  let version = legacyVersion;
  if (off < body.length) {
    if (body.length < off + 2) return null;
    const extensionsEnd = off + 2 + body.readUInt16BE(off);
    if (extensionsEnd !== body.length) return null;
    off += 2;
    while (off < extensionsEnd) {
      if (extensionsEnd - off < 4) return null;
      const type = body.readUInt16BE(off);
      const length = body.readUInt16BE(off + 2);
      off += 4;
      if (extensionsEnd - off < length) return null;
      if (type === EXT_SUPPORTED_VERSIONS) {
        if (length !== 2) return null;
        version = body.readUInt16BE(off);
      }
      off += length;
    }
  }
  return { version, cipherSuite, helloRetry: random.equals(HELLO_RETRY_RANDOM) };
}

/**
 * The certificate_list of a Certificate message: TLS ≤ 1.2 (RFC 5246 §7.4.2) is a list of
 * 3-byte-length DER certificates; TLS 1.3 (RFC 8446 §4.4.2) starts with a request context and
 * follows each certificate with its extensions (2-byte length).
 */
function parseCertificateMessage(body: Buffer, tls13: boolean): Buffer[] | Failure {
  let off = 0;
  if (tls13) {
    if (body.length < 1) return MALFORMED; // no request context
    off = 1 + body[0]!;
  }
  if (body.length < off + 3) return MALFORMED; // too short
  const listEnd = off + 3 + body.readUIntBE(off, 3);
  if (listEnd !== body.length) return MALFORMED; // the list length disagrees with the message length
  off += 3;
  const chain: Buffer[] = [];
  while (off < listEnd) {
    if (listEnd - off < 3) return MALFORMED; // a certificate length is cut
    const length = body.readUIntBE(off, 3);
    off += 3;
    if (length === 0 || listEnd - off < length) return MALFORMED; // a certificate length is wrong
    if (chain.length === MAX_CERTIFICATES) return { error: 'too-many-certificates' };
    chain.push(Buffer.from(body.subarray(off, off + length)));
    off += length;
    if (tls13) {
      if (listEnd - off < 2) return MALFORMED; // certificate extensions are cut
      const extensions = body.readUInt16BE(off);
      off += 2;
      if (listEnd - off < extensions) return MALFORMED; // certificate extensions are cut
      off += extensions;
    }
  }
  return chain;
}

// ---------------------------------------------------------------------------------------------
// TLS 1.3 record protection
// ---------------------------------------------------------------------------------------------

/** HKDF-Expand (RFC 5869 §2.3). */
function hkdfExpand(hash: CipherSuite['hash'], prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1, got = 0; got < length; i++) {
    previous = createHmac(hash, prk)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
    got += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, as the traffic keys use it (§7.3). */
function expandLabel(hash: CipherSuite['hash'], secret: Buffer, label: string, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, fullLabel.length]), fullLabel, Buffer.from([0])]);
  return hkdfExpand(hash, secret, info, length);
}

interface RecordKeys {
  suite: CipherSuite;
  key: Buffer;
  iv: Buffer;
}

function trafficKeys(suite: CipherSuite, secret: Buffer): RecordKeys {
  return { suite, key: expandLabel(suite.hash, secret, 'key', suite.keyLength), iv: expandLabel(suite.hash, secret, 'iv', 12) };
}

/** The minimal slice of node:crypto's AEAD deciphers used here (GCM, CCM and ChaCha20-Poly1305 alike). */
interface AeadDecipher {
  setAuthTag(tag: Buffer): unknown;
  setAAD(aad: Buffer, options: { plaintextLength: number }): unknown;
  update(data: Buffer): Buffer;
  final(): Buffer;
}

type OpenAead = (algorithm: AeadName, key: Buffer, iv: Buffer, options: { authTagLength: number }) => AeadDecipher;

/** Opens one TLSCiphertext (RFC 8446 §5.2, §5.3): the inner plaintext, or null when it does not authenticate. */
function openRecord(keys: RecordKeys, sequence: number, record: TlsRecord): Buffer | null {
  const { suite } = keys;
  if (record.body.length < suite.tagLength) return null;
  // The per-record nonce: the 64-bit sequence number, left-padded to the IV's length, XOR the IV.
  // Our sequence numbers stay far below 2^32 (MAX_SERVER_BYTES), so only the last 4 bytes change.
  const nonce = Buffer.from(keys.iv);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ sequence) >>> 0, 8);
  const ciphertext = record.body.subarray(0, record.body.length - suite.tagLength);
  const tag = record.body.subarray(record.body.length - suite.tagLength);
  try {
    const decipher = (createDecipheriv as OpenAead)(suite.aead, keys.key, nonce, { authTagLength: suite.tagLength });
    decipher.setAuthTag(tag);
    decipher.setAAD(record.header, { plaintextLength: ciphertext.length });
    const plain = decipher.update(ciphertext);
    const rest = decipher.final();
    return rest.length ? Buffer.concat([plain, rest]) : plain;
  } catch {
    return null;
  }
}

/** TLSInnerPlaintext (RFC 8446 §5.2, §5.4): content, the real content type, then zero padding. */
function unpad(inner: Buffer): { type: number; content: Buffer } {
  let end = inner.length - 1;
  while (end >= 0 && inner[end] === 0) end--;
  // Only zeros: no content type (0 is none).
  return { type: inner[end] ?? 0, content: inner.subarray(0, Math.max(end, 0)) };
}

// ---------------------------------------------------------------------------------------------
// The key log
// ---------------------------------------------------------------------------------------------

const SECRET_LINE = /^SERVER_HANDSHAKE_TRAFFIC_SECRET ([0-9a-fA-F]{64}) ([0-9a-fA-F]{64}|[0-9a-fA-F]{96})$/;

/** The distinct server handshake traffic secrets in the key log, for our client random when given. */
function handshakeSecrets(keylog: readonly (Buffer | string)[], clientRandom: Buffer | undefined): Buffer[] {
  const secrets: Buffer[] = [];
  const wanted = clientRandom?.toString('hex');
  for (const entry of keylog.slice(0, MAX_KEYLOG_ENTRIES)) {
    // A key log line is under 250 characters; anything much longer is not one.
    const text = typeof entry === 'string' ? entry.slice(0, 4096) : entry.subarray(0, 4096).toString('latin1');
    for (const line of text.split('\n')) {
      const m = SECRET_LINE.exec(line.trim());
      if (!m || (wanted !== undefined && m[1]!.toLowerCase() !== wanted)) continue;
      const secret = Buffer.from(m[2]!, 'hex');
      if (secrets.some((s) => s.equals(secret))) continue;
      secrets.push(secret);
      if (secrets.length === MAX_SECRETS) return secrets;
    }
  }
  return secrets;
}

// ---------------------------------------------------------------------------------------------
// The reading
// ---------------------------------------------------------------------------------------------

function failed(failure: Failure, version: SentChainProtocol | null = null): SentChain {
  return { chain: null, version, error: failure.error, alert: failure.alert ?? null };
}

/** An alert's body is its level and description (RFC 8446 §6); another length is named by its length. */
function alertFailure(body: Buffer): Failure {
  return { error: 'alert', alert: body.length === 2 ? alertName(body[1]!) : `${body.length}-byte alert` };
}

/**
 * The certificate chain as the server sent it, from the bytes it sent on our connection (and, for
 * TLS 1.3, the connection's key log). Never throws: a chain, or the reason there is none.
 */
export function recoverSentChain(input: SentChainInput): SentChain {
  try {
    return recover(input);
  } catch {
    // Not reached by any input of the declared type: still no exception out of a parser.
    return { chain: null, version: null, error: 'malformed', alert: null };
  }
}

function recover(input: SentChainInput): SentChain {
  const cut = input.serverBytes.length > MAX_SERVER_BYTES;
  const bytes = cut ? input.serverBytes.subarray(0, MAX_SERVER_BYTES) : input.serverBytes;
  const cursor = new RecordCursor(bytes, cut);
  const reader = new HandshakeReader();
  let helloRetry = false;
  // Up to the final ServerHello.
  for (;;) {
    const record = cursor.next();
    if (isFailure(record)) return failed(record);
    if (record.type === CHANGE_CIPHER_SPEC) continue; // after a HelloRetryRequest (middlebox compatibility)
    if (record.type === ALERT) return failed(alertFailure(record.body));
    if (record.type !== HANDSHAKE) return failed(MALFORMED);
    reader.push(record.body);
    const message = reader.next();
    if (!message) continue;
    // The first message is a ServerHello, and it parses.
    const hello = message.type === SERVER_HELLO ? parseServerHello(message.body) : null;
    if (!hello) return failed(MALFORMED);
    const version = VERSIONS[hello.version];
    if (!version) return failed({ error: 'unsupported-version' });
    if (hello.helloRetry) {
      // One HelloRetryRequest at most, TLS 1.3 only, alone in its flight: the client answers it.
      if (version !== 'TLSv1.3' || helloRetry || reader.pending > 0) return failed(MALFORMED, version);
      helloRetry = true;
      continue;
    }
    if (version === 'TLSv1.3') {
      // Handshake messages must not span a key change (RFC 8446 §5.1).
      if (reader.pending > 0) return failed(MALFORMED, version);
      return readTls13(input, bytes, cut, cursor.offset, hello.cipherSuite);
    }
    return readCleartext(cursor, reader, version);
  }
}

/** TLS ≤ 1.2: the handshake messages after ServerHello, in the clear, until Certificate. */
function readCleartext(cursor: RecordCursor, reader: HandshakeReader, version: SentChainProtocol): SentChain {
  for (;;) {
    for (let message = reader.next(); message; message = reader.next()) {
      if (message.type === CERTIFICATE) {
        const chain = parseCertificateMessage(message.body, false);
        return isFailure(chain) ? failed(chain, version) : { chain, version, error: null, alert: null };
      }
      // The Certificate comes first after ServerHello (RFC 5246 §7.3): these mean there is none (anonymous or PSK suites).
      if ([SERVER_KEY_EXCHANGE, CERTIFICATE_REQUEST, SERVER_HELLO_DONE, FINISHED].includes(message.type)) {
        return failed({ error: 'no-certificate' }, version);
      }
    }
    const record = cursor.next();
    if (isFailure(record)) return failed(record, version);
    // ChangeCipherSpec before a certificate: an abbreviated handshake (a resumed session).
    if (record.type === CHANGE_CIPHER_SPEC) return failed({ error: 'no-certificate' }, version);
    if (record.type === ALERT) return failed(alertFailure(record.body), version);
    if (record.type !== HANDSHAKE) return failed(MALFORMED, version);
    reader.push(record.body);
  }
}

/** TLS 1.3: decrypt the records after the final ServerHello with each handshake secret in turn. */
function readTls13(input: SentChainInput, bytes: Buffer, cut: boolean, offset: number, cipherSuite: number): SentChain {
  const version = 'TLSv1.3';
  const suite = TLS13_SUITES[cipherSuite];
  if (!suite) return failed({ error: 'unknown-cipher-suite' }, version);
  const secrets = handshakeSecrets(input.keylog ?? [], input.clientRandom).filter((s) => s.length === HASH_LENGTH[suite.hash]);
  if (secrets.length === 0) return failed({ error: 'no-secret' }, version);
  for (const secret of secrets) {
    const outcome = decryptHandshake(new RecordCursor(bytes, cut, offset), trafficKeys(suite, secret));
    // A secret that does not open the first record is not this connection's: try the next one.
    if (outcome !== 'wrong-secret') return { ...outcome, version };
  }
  return failed({ error: 'decrypt-failed' }, version);
}

function decryptHandshake(cursor: RecordCursor, keys: RecordKeys): SentChain | 'wrong-secret' {
  const reader = new HandshakeReader();
  let sequence = 0;
  for (;;) {
    const record = cursor.next();
    if (isFailure(record)) return failed(record);
    if (record.type === CHANGE_CIPHER_SPEC) continue; // middlebox compatibility (RFC 8446 §D.4)
    if (record.type === ALERT) return failed(alertFailure(record.body));
    // A handshake record in the clear after the ServerHello, or anything else.
    if (record.type !== APPLICATION_DATA) return failed(MALFORMED);
    const inner = openRecord(keys, sequence, record);
    if (!inner) return sequence === 0 ? 'wrong-secret' : failed({ error: 'decrypt-failed' });
    sequence++;
    const plain = unpad(inner);
    if (plain.type === ALERT) return failed(alertFailure(plain.content));
    // Application data under the handshake key, or no content type at all (only zeros).
    if (plain.type !== HANDSHAKE) return failed(MALFORMED);
    reader.push(plain.content);
    for (let message = reader.next(); message; message = reader.next()) {
      if (message.type === CERTIFICATE) {
        const chain = parseCertificateMessage(message.body, true);
        return isFailure(chain) ? failed(chain) : { chain, version: null, error: null, alert: null };
      }
      // No certificate before CertificateVerify or Finished: a resumed session or a PSK.
      if (message.type === CERTIFICATE_VERIFY || message.type === FINISHED) return failed({ error: 'no-certificate' });
      // Only EncryptedExtensions and CertificateRequest come before the Certificate (RFC 8446 §2); a
      // CompressedCertificate (RFC 8879, type 25) cannot come, since we never offer compression.
      if (message.type !== ENCRYPTED_EXTENSIONS && message.type !== CERTIFICATE_REQUEST) return failed(MALFORMED);
    }
  }
}
