// Splitting a stream into messages (issue 22): an mbox (or a single message) read chunk by chunk,
// as `mxray headers` reads a mailbox of any size, with the semantics of splitMessages
// (read-header.ts) on the whole text: a "From " line at the start or after an empty line begins a
// message, ">From " lines (">>From " …) lose one ">", lines are rejoined with LF, and one empty line
// before the next "From " line goes; input that does not start with "From " (after blank lines) is
// one message, as is. The bytes are decoded as UTF-8 with a streaming decoder (raw UTF-8 in
// headers, RFC 6532), so a chunk may end anywhere — inside "From ", between CR and LF, inside a
// UTF-8 sequence — and the output is the same. A leading byte-order mark is dropped.
//
// Bounded: at most one message (messageBytes of it) plus one chunk is held. A longer message keeps
// its first messageBytes (UTF-8 bytes, never half a character) and says cut; the rest is skipped
// without being kept, however long its lines.

import { TextDecoder } from 'node:util';
import { HEADER_LIMITS } from './read-header.js';

export interface StreamedMessage {
  /** 0-based position of the message in the stream. */
  index: number;
  text: string;
  /** The message was longer than messageBytes: `text` is its beginning. */
  cut: boolean;
}

export interface StreamLimits {
  /** UTF-8 bytes kept of one message (default 16 MiB). */
  messageBytes?: number;
  /** Messages read before stopping (default HEADER_LIMITS.messages). */
  messages?: number;
}

export interface StreamEnd {
  /** Reading stopped at the messages limit with another message beginning. */
  more: boolean;
}

export const STREAM_MESSAGE_BYTES = 16 * 1024 * 1024;

/** UTF-8 length of `s` (which holds no lone surrogates: it comes from a decoder or is checked text). */
function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The longest beginning of `s` that is at most `room` UTF-8 bytes, never splitting a surrogate pair. */
function prefixWithin(s: string, room: number): string {
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > room) break;
    bytes += size;
    i += pair ? 2 : 1;
  }
  return s.slice(0, i);
}

/** One message's text as it is read, kept up to `max` bytes. */
class MessageText {
  private readonly parts: string[] = [];
  bytes = 0;
  cut = false;
  lines = 0;

  constructor(private readonly max: number) {}

  add(piece: string): void {
    if (this.cut || piece.length === 0) return;
    const n = utf8Length(piece);
    if (this.bytes + n <= this.max) {
      this.parts.push(piece);
      this.bytes += n;
      return;
    }
    const kept = prefixWithin(piece, this.max - this.bytes);
    if (kept.length > 0) this.parts.push(kept);
    this.bytes += utf8Length(kept);
    this.cut = true;
  }

  /** Adds one line of an mbox message (joined to the previous with LF). */
  addLine(line: string): void {
    if (this.lines++ > 0) this.add('\n');
    this.add(line);
  }

  /** Bytes that may still be added before the message is cut. */
  room(): number {
    return this.cut ? 0 : this.max - this.bytes;
  }

  text(): string {
    return this.parts.join('');
  }
}

/** Whether `line` quotes an mbox separator (">From ", ">>From " …) and so loses one ">" (as splitMessages). */
function unquoteFrom(line: string): string {
  let i = 0;
  while (i < line.length && line[i] === '>') i++;
  return i > 0 && line.startsWith('From ', i) ? line.slice(1) : line;
}

const isLineEnd = (c: number): boolean => c === 10 || c === 13;

/** The splitter's state between two pieces of decoded text. */
class Splitter {
  private mode: 'start' | 'mbox' | 'single' | 'done' = 'start';
  /** Start: the CR and LF before the first other character (no more than a message's worth). */
  private lead = '';
  /** Start: the text from the first other character, until it shows whether it begins with "From ". */
  private head = '';
  private current: MessageText | null = null;
  /** mbox: the line being read (its first characters only, when the rest cannot be kept). */
  private partial = '';
  private partialOver = false;
  private previousEmpty = true;
  /** mbox: an empty line read but not yet added (it goes when a "From " line follows). */
  private pendingEmpty = false;
  private count = 0;
  more = false;

  constructor(
    private readonly maxBytes: number,
    private readonly maxMessages: number,
  ) {}

  get done(): boolean {
    return this.mode === 'done';
  }

  *push(text: string): Generator<StreamedMessage> {
    if (this.mode === 'start') {
      let i = 0;
      if (this.head.length === 0) {
        while (i < text.length && isLineEnd(text.charCodeAt(i))) i++;
        this.lead = (this.lead + text.slice(0, i)).slice(0, this.maxBytes + 1);
      }
      this.head += text.slice(i);
      if (this.head.length < 5) return;
      yield* this.decide();
      return;
    }
    if (this.mode === 'single') this.current?.add(text);
    else if (this.mode === 'mbox') yield* this.lines(text);
  }

  *end(): Generator<StreamedMessage> {
    if (this.mode === 'start') yield* this.decide();
    if (this.mode === 'mbox') {
      if (this.partial.length > 0 || this.partialOver) yield* this.completeLine();
      if (this.current) yield this.finish(this.current);
    } else if (this.mode === 'single' && this.current && (this.current.bytes > 0 || this.current.cut)) {
      yield this.finish(this.current);
    }
    this.mode = 'done';
  }

  private *decide(): Generator<StreamedMessage> {
    const head = this.head;
    this.head = '';
    if (head.startsWith('From ')) {
      this.mode = 'mbox';
      this.lead = '';
      yield* this.lines(head);
      return;
    }
    if (this.maxMessages <= 0) {
      this.more = this.lead.length + head.length > 0;
      this.mode = 'done';
      return;
    }
    this.mode = 'single';
    this.current = new MessageText(this.maxBytes);
    this.current.add(this.lead);
    this.current.add(head);
    this.lead = '';
  }

  private finish(message: MessageText): StreamedMessage {
    this.current = null;
    return { index: this.count++, text: message.text(), cut: message.cut };
  }

  private *lines(text: string): Generator<StreamedMessage> {
    let pos = 0;
    while (pos < text.length && this.mode === 'mbox') {
      const nl = text.indexOf('\n', pos);
      this.appendPartial(nl === -1 ? text.slice(pos) : text.slice(pos, nl));
      if (nl === -1) return;
      yield* this.completeLine();
      pos = nl + 1;
    }
  }

  /**
   * Keeps what the line being read can still matter for: while the message is not cut, up to its
   * room and a few characters more (enough to unquote it and to know it overflows); after, its
   * first characters (enough to see a "From " line or an empty one).
   */
  private appendPartial(piece: string): void {
    if (this.partialOver) return;
    const cap = (this.current?.room() ?? 0) + 8;
    if (this.partial.length + piece.length <= cap) this.partial += piece;
    else {
      this.partial += piece.slice(0, cap - this.partial.length);
      this.partialOver = true;
    }
  }

  private *completeLine(): Generator<StreamedMessage> {
    let line = this.partial;
    const over = this.partialOver;
    this.partial = '';
    this.partialOver = false;
    if (!over && line.endsWith('\r')) line = line.slice(0, -1);
    const empty = !over && line.length === 0;
    if (this.previousEmpty && line.startsWith('From ')) {
      if (this.current) yield this.finish(this.current);
      if (this.count >= this.maxMessages) {
        this.more = true;
        this.mode = 'done';
        return;
      }
      this.current = new MessageText(this.maxBytes);
      this.pendingEmpty = false;
      this.previousEmpty = false;
      return;
    }
    const message = this.current;
    if (message) {
      if (this.pendingEmpty) message.addLine('');
      this.pendingEmpty = empty;
      if (!empty) message.addLine(unquoteFrom(line));
    }
    this.previousEmpty = empty;
  }
}

/**
 * The messages of a stream of bytes (UTF-8) or text: an mbox, or a single message. Reading stops
 * after `limits.messages` messages (the generator then returns `{ more: true }`).
 */
export async function* streamMessages(
  chunks: AsyncIterable<Uint8Array | string>,
  limits: StreamLimits = {},
): AsyncGenerator<StreamedMessage, StreamEnd, undefined> {
  const splitter = new Splitter(Math.max(0, limits.messageBytes ?? STREAM_MESSAGE_BYTES), limits.messages ?? HEADER_LIMITS.messages);
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let first = true;
  const text = (s: string): string => {
    if (first && s.length > 0) {
      first = false;
      return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
    }
    return s;
  };
  for await (const chunk of chunks) {
    const piece = typeof chunk === 'string' ? decoder.decode() + chunk : decoder.decode(chunk, { stream: true });
    yield* splitter.push(text(piece));
    if (splitter.done) return { more: splitter.more };
  }
  yield* splitter.push(text(decoder.decode()));
  yield* splitter.end();
  return { more: splitter.more };
}
