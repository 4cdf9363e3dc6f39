import type { Clock } from './context.js';
import type { TranscriptEvent } from './schema.js';

const MAX_EVENT_TEXT = 1000;
const MAX_EVENTS = 5000;

/** Format characters that change how text around them shows: bidi embeddings, overrides and isolates, zero-width characters, line and paragraph separators, the BOM; and invisible ones that can hide text (the soft hyphen, the Mongolian vowel separator, the Hangul fillers, the tag characters U+E0000–U+E007F). */
function isInvisibleControl(c: number): boolean {
  return c === 0x061c || (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2069) || c === 0xfeff || (c >= 0xfff9 && c <= 0xfffb) || c === 0x00ad || c === 0x180e || c === 0x115f || c === 0x1160 || c === 0x3164 || c === 0xffa0 || (c >= 0xe0000 && c <= 0xe007f);
}

/** Whether a code point is a C0 or C1 control character (or DEL). */
function isControl(c: number): boolean {
  return c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0);
}

/** Any character escapeText changes (the controls, \r \n \t included, and the invisible ones): text without one is returned as it is, without the walk. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NEEDS_ESCAPE = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\u00ad\u180e\u115f\u1160\u3164\uffa0\u{e0000}-\u{e007f}]/u;
/** The same, but newline and tab, which neutralise keeps. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NEEDS_NEUTRALISING = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\u00ad\u180e\u115f\u1160\u3164\uffa0\u{e0000}-\u{e007f}]/u;

const hex2 = (c: number) => `\\x${c.toString(16).padStart(2, '0')}`;
const hexU = (c: number) => `\\u{${c.toString(16)}}`;

/**
 * Makes control characters (but newline and tab, which a document lays out itself) and the
 * invisible format characters visible, as escapeText writes them: `\x1b`, `\u{202e}`. No cap: for
 * back ends (HTML, Markdown) that escape text already shortened for people.
 */
export function neutralise(text: string): string {
  if (!NEEDS_NEUTRALISING.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || ch === '\t') out += ch;
    else if (isControl(c)) out += hex2(c);
    else if (isInvisibleControl(c)) out += hexU(c);
    else out += ch;
  }
  return out;
}

/** Make hostile text printable: control characters escaped, length capped. */
export function escapeText(text: string, max = MAX_EVENT_TEXT): string {
  // Most text (a finding's words, a certificate's names) has nothing to escape: only the cap applies.
  if (!NEEDS_ESCAPE.test(text)) return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (isControl(c)) out += hex2(c);
    // Invisible and bidirectional controls would reorder or hide text around them ("Trojan Source").
    else if (isInvisibleControl(c)) out += hexU(c);
    else out += ch;
    if (out.length > max) return `${out.slice(0, max)}… (${text.length} characters)`;
  }
  return out;
}

/** Timestamped record of everything that happened on the wire, with times from the injected clock. */
export class Transcript {
  readonly events: TranscriptEvent[] = [];
  private droppedCount = 0;
  private nextSeq = 0;
  private marker: TranscriptEvent | null = null;
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

  /** How many events were not kept (the cap was reached); 0 when the transcript is whole. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Records an event and returns its sequence number (for finding evidence). */
  record(conn: string, kind: TranscriptEvent['kind'], text: string): number {
    const seq = this.nextSeq++;
    if (this.events.length >= MAX_EVENTS) {
      // Full: the last kept event gives way to a marker that says where the transcript stops and
      // how much is missing, updated as more is dropped. A reader never mistakes a cut transcript
      // for a whole one.
      if (this.droppedCount === 0) {
        const last = this.events[MAX_EVENTS - 1] as TranscriptEvent;
        this.marker = { seq: last.seq, t: last.t, conn: 'mxray', kind: 'note', text: '' };
        this.events[MAX_EVENTS - 1] = this.marker;
        this.droppedCount = 1;
      }
      this.droppedCount++;
      const marker = this.marker as TranscriptEvent;
      marker.text = `transcript cut: ${this.droppedCount} events from #${marker.seq} on were not kept (at most ${MAX_EVENTS} per report)`;
      if (this.droppedCount === 2) this.observer?.(marker);
      return seq;
    }
    const event: TranscriptEvent = { seq, t: Math.round(this.elapsed() * 1000) / 1000, conn, kind, text: escapeText(text) };
    this.events.push(event);
    this.observer?.(event);
    return seq;
  }
}
