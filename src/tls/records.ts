// A pure, bounded reader of the TLS record layer as the server sends it (RFC 8446 §5, RFC 5246 §6).
// It never decrypts: it sees plaintext handshake messages (all of TLS ≤ 1.2's up to
// ChangeCipherSpec, only ServerHello in 1.3) and plaintext alerts, which is enough to say
// "the server sent its certificate, then aborted with internal_error", "it asked for a client
// certificate", "its certificate message is 120 000 bytes long" or "that was not TLS".
import type { TlsHandshake } from '../core/context.js';

export interface TlsRecordSummary {
  bytes: number;
  /** The first bytes were not a TLS record at all (e.g. an SMTP reply or an HTML page). */
  notTls: boolean;
  /** Printable preview of what was received when it was not TLS. */
  preview: string | null;
  serverHello: boolean;
  /** A Certificate message was seen in the clear (TLS ≤ 1.2). */
  certificate: boolean;
  /** Encrypted records followed the ServerHello (TLS 1.3: the certificate may have been among them). */
  encrypted: boolean;
  /** A plaintext alert the server sent, by name ("internal_error"), or null. */
  alert: string | null;
  /** A CertificateRequest was seen in the clear (TLS ≤ 1.2): the server asked for a client certificate. */
  certificateRequest: boolean;
  /** The length of the Certificate message as its header announced it (TLS ≤ 1.2), or null. */
  certificateBytes: number | null;
  /** ServerHelloDone was seen (TLS ≤ 1.2): the server's first flight was complete. */
  serverHelloDone: boolean;
  /** Bytes of encrypted records (bodies) after the ServerHello: in TLS 1.3 the certificate travels in them. */
  encryptedBytes: number;
}

const ALERTS: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

export function alertName(code: number): string {
  return ALERTS[code] ?? `alert ${code}`;
}

/** The largest TLSCiphertext body (RFC 8446 §5.2): a longer "record" is not TLS. */
const MAX_RECORD_BODY = 18432;

/** Handshake message types (RFC 8446 §4, RFC 5246 §7.4) the summary names. */
const SERVER_HELLO = 2;
const CERTIFICATE = 11;
const CERTIFICATE_REQUEST = 13;
const SERVER_HELLO_DONE = 14;

/** Record content types (RFC 8446 §5.1 and heartbeat, RFC 6520): ChangeCipherSpec 20 … heartbeat 24. */
function isRecordType(byte: number): boolean {
  return byte >= 20 && byte <= 24;
}

function printable(bytes: Buffer): string {
  return bytes
    .subarray(0, 48)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
}

export function emptyRecordSummary(): TlsRecordSummary {
  return {
    bytes: 0,
    notTls: false,
    preview: null,
    serverHello: false,
    certificate: false,
    encrypted: false,
    alert: null,
    certificateRequest: false,
    certificateBytes: null,
    serverHelloDone: false,
    encryptedBytes: 0,
  };
}

export class TlsRecordScanner {
  /** An incomplete record (at most a header and MAX_RECORD_BODY bytes). */
  private pending = Buffer.alloc(0);
  private stopped = false;
  private cleartextDone = false;
  /** The handshake message header being read across records (up to 4 bytes). */
  private header: number[] = [];
  /** Bytes of the current handshake message's body still to skip (it may span records). */
  private skip = 0;
  private readonly s: TlsRecordSummary = emptyRecordSummary();

  push(chunk: Buffer): void {
    this.s.bytes += chunk.length;
    if (this.stopped || this.s.notTls) return;
    // Only an incomplete record waits here, so what is held stays under one record's size
    // whatever the size of the chunks.
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    this.scan();
  }

  /** Stop looking (after a successful handshake: application data is not our business). */
  stop(): void {
    this.stopped = true;
    this.pending = Buffer.alloc(0);
  }

  summary(): TlsRecordSummary {
    return { ...this.s };
  }

  private scan(): void {
    let off = 0;
    while (this.pending.length - off >= 5) {
      const type = this.pending[off]!;
      const major = this.pending[off + 1]!;
      const length = this.pending.readUInt16BE(off + 3);
      if (!isRecordType(type) || major !== 3 || length > MAX_RECORD_BODY) {
        // Garbage after a ServerHello is dropped; before it, the server is not speaking TLS.
        if (!this.s.serverHello) {
          this.s.notTls = true;
          this.s.preview = printable(this.pending.subarray(off));
        }
        this.pending = Buffer.alloc(0);
        return;
      }
      if (this.pending.length - off < 5 + length) break;
      this.record(type, this.pending.subarray(off + 5, off + 5 + length));
      off += 5 + length;
    }
    this.pending = off === 0 ? this.pending : Buffer.from(this.pending.subarray(off));
    // A first answer shorter than a record header is judged by its first byte.
    if (this.pending.length > 0 && this.s.bytes === this.pending.length && !isRecordType(this.pending[0]!)) {
      this.s.notTls = true;
      this.s.preview = printable(this.pending);
    }
  }

  private record(type: number, body: Buffer): void {
    if (type === 20) {
      // ChangeCipherSpec: from here on (TLS ≤ 1.2) everything is encrypted.
      this.cleartextDone = true;
      return;
    }
    if (type === 21) {
      if (body.length === 2 && !this.cleartextDone) this.s.alert = alertName(body[1]!);
      else this.encryptedRecord(body);
      return;
    }
    if (type === 23) {
      this.encryptedRecord(body);
      return;
    }
    if (type !== 22) return;
    if (this.cleartextDone) this.encryptedRecord(body);
    else this.handshakeBytes(body);
  }

  private encryptedRecord(body: Buffer): void {
    this.s.encrypted = true;
    this.s.encryptedBytes += body.length;
  }

  /** Handshake messages in the clear, read by their headers; a message may span records. */
  private handshakeBytes(body: Buffer): void {
    let off = 0;
    while (off < body.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, body.length - off);
        this.skip -= n;
        off += n;
        continue;
      }
      this.header.push(body[off]!);
      off++;
      if (this.header.length < 4) continue;
      const [msg, a, b, c] = this.header as [number, number, number, number];
      this.header = [];
      const len = (a << 16) | (b << 8) | c;
      this.message(msg, len);
      this.skip = len;
    }
  }

  private message(msg: number, len: number): void {
    if (msg === SERVER_HELLO) this.s.serverHello = true;
    else if (msg === CERTIFICATE) {
      this.s.certificate = true;
      this.s.certificateBytes = len;
    } else if (msg === CERTIFICATE_REQUEST) this.s.certificateRequest = true;
    else if (msg === SERVER_HELLO_DONE) this.s.serverHelloDone = true;
  }
}

/**
 * A handshake as the connector returns it: with what the record layer showed of the server's
 * side (the CertificateRequest of TLS ≤ 1.2 …). A connector that does not tap the records (a
 * test's fake) returns a plain TlsHandshake.
 */
export type TappedHandshake = TlsHandshake & { records: TlsRecordSummary };

/** What the record layer showed during a handshake that worked, when the connector tapped it. */
export function recordsOf(handshake: TlsHandshake): TlsRecordSummary | null {
  const records = (handshake as Partial<TappedHandshake>).records;
  return records ?? null;
}

/**
 * The alert in one of OpenSSL's error codes for a received alert, by its RFC name:
 * ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED → certificate_required,
 * ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE → handshake_failure. Null for any other code.
 */
export function alertOfErrorCode(code: string | null): string | null {
  const m = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec(code ?? '');
  return m ? m[1]!.toLowerCase() : null;
}
