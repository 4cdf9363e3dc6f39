// A pure, bounded reader of the TLS record layer as the server sends it (RFC 8446 §5, RFC 5246 §6).
// It never decrypts: it sees plaintext handshake messages (all of TLS ≤ 1.2's up to
// ChangeCipherSpec, only ServerHello in 1.3) and plaintext alerts, which is enough to say
// "the server sent its certificate, then aborted with internal_error" or "that was not TLS".

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

const MAX_PENDING = 64 * 1024;

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

export class TlsRecordScanner {
  private pending = Buffer.alloc(0);
  private stopped = false;
  private cleartextDone = false;
  private readonly s: TlsRecordSummary = {
    bytes: 0,
    notTls: false,
    preview: null,
    serverHello: false,
    certificate: false,
    encrypted: false,
    alert: null,
  };

  push(chunk: Buffer): void {
    this.s.bytes += chunk.length;
    if (this.stopped || this.s.notTls) return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    if (this.pending.length > MAX_PENDING) {
      this.stopped = true;
      this.pending = Buffer.alloc(0);
      return;
    }
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
    while (this.pending.length >= 5) {
      const type = this.pending[0]!;
      const major = this.pending[1]!;
      const length = this.pending.readUInt16BE(3);
      if (!isRecordType(type) || major !== 3 || length > 18432) {
        // Garbage after a ServerHello is dropped; before it, the server is not speaking TLS.
        if (!this.s.serverHello) {
          this.s.notTls = true;
          this.s.preview = printable(this.pending);
        }
        this.pending = Buffer.alloc(0);
        return;
      }
      if (this.pending.length < 5 + length) return;
      const body = this.pending.subarray(5, 5 + length);
      this.pending = this.pending.subarray(5 + length);
      this.record(type, body);
    }
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
      else this.s.encrypted = true;
      return;
    }
    if (type === 23) {
      this.s.encrypted = true;
      return;
    }
    if (type === 22 && !this.cleartextDone) {
      let off = 0;
      while (off + 4 <= body.length) {
        const msg = body[off]!;
        const len = body.readUIntBE(off + 1, 3);
        if (msg === 2) this.s.serverHello = true;
        if (msg === 11) this.s.certificate = true;
        off += 4 + len;
      }
    }
  }
}
