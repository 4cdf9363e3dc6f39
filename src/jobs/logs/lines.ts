// Bytes of a log, in chunks of any size, into lines: UTF-8 (a line's bytes are decoded whole, so a
// character split between chunks survives), LF or CRLF, each line capped at MAX_LINE_CHARS — a
// longer one is cut, counted, and the rest of it skipped without being held — so memory stays at one
// chunk plus one capped line whatever the input. Fast on large logs: one decode per chunk, lines
// sliced out of it.
import { MAX_LINE_CHARS } from './model.js';

/** Node's own UTF-8 decoder (a view, no copy): faster than TextDecoder on large chunks. */
const decode = (b: Uint8Array | undefined): string => (b === undefined ? '' : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));

/** Bytes held for an unfinished line before it is cut (a UTF-8 character is at most 4 bytes). */
const MAX_PENDING_BYTES = MAX_LINE_CHARS * 4;

export class LineSplitter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Inside an over-long line: its remaining bytes are skipped up to the next line end. */
  private skipping = false;
  /** Lines cut at the cap. */
  longLines = 0;

  constructor(private readonly onLine: (text: string) => void) {}

  push(chunk: Uint8Array): void {
    let from = 0;
    const first = chunk.indexOf(10);
    if (first < 0) {
      this.hold(chunk);
      return;
    }
    if (this.pendingBytes > 0 || this.skipping) {
      // The line that began in an earlier chunk ends here.
      if (!this.skipping) {
        this.pending.push(chunk.subarray(0, first));
        this.emit(this.decodePending());
      }
      this.pending = [];
      this.pendingBytes = 0;
      this.skipping = false;
      from = first + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= from) {
      const text = decode(chunk.subarray(from, last));
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) {
          this.emit(text.slice(start));
          break;
        }
        this.emit(text.slice(start, nl));
        start = nl + 1;
      }
    }
    if (last + 1 < chunk.length) this.hold(chunk.subarray(Math.max(last + 1, from)));
  }

  /** The end of the input: a last line without a line end is still a line. */
  end(): void {
    if (this.pendingBytes > 0 && !this.skipping) this.emit(this.decodePending());
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
  }

  private hold(part: Uint8Array): void {
    if (this.skipping || part.length === 0) return;
    this.pending.push(Uint8Array.prototype.slice.call(part));
    this.pendingBytes += part.length;
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.emit(this.decodePending());
      this.pending = [];
      this.pendingBytes = 0;
      this.skipping = true;
    }
  }

  private decodePending(): string {
    if (this.pending.length === 1) return decode(this.pending[0]);
    let total = 0;
    for (const p of this.pending) total += p.length;
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of this.pending) {
      all.set(p, at);
      at += p.length;
    }
    return decode(all);
  }

  private emit(line: string): void {
    let text = line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
    if (text.length > MAX_LINE_CHARS) {
      this.longLines++;
      text = text.slice(0, MAX_LINE_CHARS);
    }
    this.onLine(text);
  }
}
