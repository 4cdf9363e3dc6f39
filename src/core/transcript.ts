import type { Clock } from './context.js';
import type { TranscriptEvent } from './schema.js';

const MAX_EVENT_TEXT = 1000;
const MAX_EVENTS = 5000;

/** Make hostile text printable: control characters escaped, length capped. */
export function escapeText(text: string, max = MAX_EVENT_TEXT): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
    if (out.length > max) return `${out.slice(0, max)}… (${text.length} characters)`;
  }
  return out;
}

/** Timestamped record of everything that happened on the wire, with times from the injected clock. */
export class Transcript {
  readonly events: TranscriptEvent[] = [];
  private dropped = 0;
  private readonly start: number;

  constructor(
    private readonly clock: Clock,
    private readonly observer?: (event: TranscriptEvent) => void,
  ) {
    this.start = clock.monotonic();
  }

  elapsed(): number {
    return Math.max(0, this.clock.monotonic() - this.start);
  }

  /** Records an event and returns its sequence number (for finding evidence). */
  record(conn: string, kind: TranscriptEvent['kind'], text: string): number {
    const seq = this.events.length + this.dropped;
    if (this.events.length >= MAX_EVENTS) {
      this.dropped++;
      return seq;
    }
    const event: TranscriptEvent = { seq, t: Math.round(this.elapsed() * 1000) / 1000, conn, kind, text: escapeText(text) };
    this.events.push(event);
    this.observer?.(event);
    return seq;
  }
}
