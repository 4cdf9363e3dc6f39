// One SMTP connection followed from its reassembled bytes (FlowHandler): the dialogue in clear, the
// STARTTLS exchange, then the TLS handshake read from the record layer — until both sides are
// encrypted, after which the bytes are only counted. What it learns is a PcapFlow (core/pcap-schema.ts).
//
// Each direction has a mode: 'start' and 'sniff' look at the first byte (a TLS record starts with
// 0x14..0x18, an SMTP line with text) — at the flow's start and right after STARTTLS; 'lines' reads
// commands or replies; 'body' skips a message after DATA up to its final dot; 'chunk' skips BDAT's
// bytes; 'tls' reads record headers (and feeds the hello reader); 'opaque' counts.
//
// Independent of how the bytes were captured; bounded whatever they are (4 KiB lines, 200 dialogue
// entries, 1000 commands awaiting a reply, 64 KiB of the server's handshake kept for its
// certificate); never throws: a bug of ours becomes a problem of the flow.
import type { PcapAlert, PcapCertificate, PcapCommand, PcapDialogueLine, PcapFlow, PcapReply, FlowEnd, HandshakeEvidence, HandshakeResult, PcapVerdict, FlowKind } from '../../core/pcap-schema.js';
import type { ReplyFacts } from '../../core/schema.js';
import { describeCertificate } from '../../pki/certificate.js';
import { hasCapability, parseEhlo } from '../../smtp/ehlo.js';
import { assembleReply, parseReplyLine, type ReplyLine } from '../../smtp/reply.js';
import { HelloReader, type HelloResult } from '../../tls/hello.js';
import { versionName } from '../../tls/hello-names.js';
import { alertName } from '../../tls/records.js';
import { recoverSentChain } from '../../tls/sent-chain.js';
import type { Direction, FlowHandler, FlowMeta } from './model.js';

/** A line longer than this is cut (and counted): RFC 5321 allows 512 octets for a command, 1000 for a text line. */
export const MAX_LINE_BYTES = 4096;
/** Commands and replies kept in `dialogue`. */
export const MAX_DIALOGUE = 200;
/** Commands sent and not yet answered (pipelining): more are dropped, and the replies may then be matched wrongly (said as a problem). */
export const MAX_PENDING = 1000;
/** Lines of one reply kept (an EHLO reply has a dozen). */
export const MAX_REPLY_LINES = 100;
/** The server's handshake bytes kept to read its certificate (TLS ≤ 1.2). */
export const MAX_CERT_BYTES = 64 * 1024;
const MAX_AFTER_STARTTLS = 50;
const MAX_PROBLEMS = 20;
const MAX_TLS_PROBLEMS = 10;
const MAX_ALERTS = 8;
const MAX_MAIL_FROM = 16;
const MAX_RCPT_TO = 64;
const MAX_TEXT = 512;
/** The largest record body TLS ≤ 1.2 allows (RFC 5246 §6.2.3: 2^14 + 2048). */
const MAX_RECORD_BODY = 16384 + 2048;
/** An encrypted TLS 1.3 alert: 2 bytes + content type + a 16-byte tag is 19 (8-byte tag: 11); a little padding allowed. */
const ENCRYPTED_ALERT_MIN = 11;
const ENCRYPTED_ALERT_MAX = 24;

const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;
const LF = 10;
const CR = 13;
const DOT = 0x2e;

type Mode = 'start' | 'sniff' | 'lines' | 'body' | 'chunk' | 'tls' | 'opaque';

/** A command awaiting its reply. */
interface Pending {
  verb: string;
  /** Its index in afterStarttls, or -1. */
  after: number;
}

/** The DATA body's end: a line holding only ".", with CRLF or a bare LF. */
const enum BodyState {
  LineStart,
  Middle,
  Dot,
  DotCr,
}

/** What one direction is doing and has shown. */
class Side {
  mode: Mode = 'start';
  bytes = 0;
  gapBytes = 0;
  /** The part of a line not yet ended (lines mode), at most MAX_LINE_BYTES. */
  partial: Uint8Array | null = null;
  partialLength = 0;
  /** Skipping to the next LF: the rest of a cut line, or the first line after a gap. */
  discard = false;
  /** Lines of a reply being assembled (server). */
  replyLines: ReplyLine[] = [];
  replyLinesCut = 0;
  /** Bytes of the reply being assembled went missing: what it lists cannot be trusted. */
  replyBroken = false;
  body = BodyState.LineStart;
  chunkLeft = 0;
  /** TLS record layer. */
  header = new Uint8Array(5);
  headerLength = 0;
  recordType = 0;
  recordLength = 0;
  recordLeft = 0;
  alertBytes = [0, 0];
  alertRead = 0;
  ccs = false;
  /** A handshake record after this side's ChangeCipherSpec (TLS ≤ 1.2: its encrypted Finished). */
  finished = false;
  appData = 0;
  firstAppDataLength = -1;
  /** This side's TLS began where a record must begin (after STARTTLS, or at a flow seen from its start). */
  tlsAtBoundary = false;
  /** This side's bytes after STARTTLS's 220 (or from the start, implicit) were not TLS records. */
  notTls = false;
  /** This side sent TLS records (its mode became 'tls'). */
  sawTls = false;

  constructor(readonly name: Direction) {}
}

function isTlsStart(byte: number): boolean {
  // Record types ChangeCipherSpec .. heartbeat; a high bit: an SSL 2.0 hello or binary bytes, not a command.
  return (byte >= CHANGE_CIPHER_SPEC && byte <= 24) || byte >= 0x80;
}

/** Text for a report: control characters (C0, DEL, C1) as "?", capped. */
function printable(text: string, max = MAX_TEXT): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  return /[\x00-\x1f\x7f-\x9f]/.test(cut) ? cut.replace(/[\x00-\x1f\x7f-\x9f]/g, '?') : cut;
}

function shortReply(reply: ReplyFacts): PcapReply {
  return { code: Math.min(Math.max(reply.code, 0), 999), text: printable(reply.lines.join(' / ')) };
}

/** The address of MAIL FROM:<a> / RCPT TO:<a>: between the brackets, else the first word after the colon. */
function addressOf(line: string): string {
  const colon = line.indexOf(':');
  const rest = colon === -1 ? '' : line.slice(colon + 1).trimStart();
  if (rest.startsWith('<')) {
    const close = rest.indexOf('>');
    return printable(close === -1 ? rest.slice(1) : rest.slice(1, close), 320);
  }
  const space = rest.indexOf(' ');
  return printable(space === -1 ? rest : rest.slice(0, space), 320);
}

/** Verbs that make a flow an SMTP dialogue (RFC 5321 §4.1, and the extensions a client sends). */
const SMTP_VERBS = new Set(['EHLO', 'HELO', 'LHLO', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'HELP', 'STARTTLS', 'AUTH', 'ETRN', 'XCLIENT', 'XFORWARD']);

/** The verb of a command line, upper-case (at most 12 characters: longer is no verb). */
function verbOf(line: string): string {
  const space = line.indexOf(' ');
  const word = space === -1 ? line : line.slice(0, space);
  return word.length > 12 ? '' : word.toUpperCase();
}

export class SmtpFlow implements FlowHandler {
  private readonly client = new Side('client');
  private readonly server = new Side('server');
  private ended: FlowEnd | null = null;
  private endTs: number | null = null;
  private readonly problems: string[] = [];
  private problemsCut = 0;
  private longLines = 0;

  // The dialogue.
  private readonly dialogue: PcapDialogueLine[] = [];
  private dialogueCut = 0;
  private pending: Pending[] = [];
  private pendingHead = 0;
  private pendingDropped = 0;
  private bannerDone = false;
  private banner: PcapReply | null = null;
  private hello: PcapFlow['hello'] = null;
  private starttlsOffered: boolean | null = null;
  private ehloKeywords: string[] = [];
  private starttls: PcapFlow['starttls'] = null;
  /** The server answered STARTTLS with 220 (the first STARTTLS). */
  private starttlsAccepted = false;
  /** The client is in its login exchange (AUTH answered 334): its lines are credentials. */
  private inAuth = false;
  /** Commands after the first STARTTLS, in clear. */
  private afterStarttlsOn = false;
  private readonly afterStarttls: PcapCommand[] = [];
  private afterStarttlsCut = 0;
  private readonly mailFrom: string[] = [];
  private readonly rcptTo: string[] = [];
  private addressesCut = 0;
  private mailCommands = 0;
  /** AUTH mechanisms sent in clear. */
  private readonly authInClear: string[] = [];
  private dataBytes = 0;
  /** dataBytes when the last DATA was sent: no content since means a refused DATA cost nothing. */
  private dataBytesAtData = 0;
  private sawCommand = false;

  // TLS.
  private hellos: HelloReader | null = null;
  /** What the hello reader read, kept once the handshake is established (the reader and its buffers let go). */
  private helloResult: HelloResult | null = null;
  private version: string | null = null;
  /** The client's first TLS bytes: record header, handshake header, legacy_version. */
  private readonly clientHead: number[] = [];
  private readonly alerts: PcapAlert[] = [];
  private readonly tlsProblems: string[] = [];
  private certChunks: Buffer[] | null = null;
  private certBytes = 0;
  private certificate: PcapCertificate | null = null;
  /** Order of records across both directions, to tell "a server record after the client's second". */
  private clientSecondAppData = false;
  private serverAfterClientSecond = 0;
  private serverLongAfterClientSecond = false;
  private established = false;
  private readableAlert = false;
  /** A gap fell in a TLS stream before the handshake was decided. */
  private tlsHole = false;
  /** A gap fell in a clear stream, or the deciding first bytes after STARTTLS were missed. */
  private clearHole = false;
  private sniffHole = false;
  /** The client's first bytes were a TLS handshake record (implicit TLS). */
  private clientHelloFirst = false;
  private startedMidFlow: boolean;

  constructor(private readonly meta: FlowMeta) {
    this.startedMidFlow = !meta.sawSyn;
  }

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    if (this.ended !== null || bytes.length === 0) return;
    const side = dir === 'client' ? this.client : this.server;
    side.bytes += bytes.length;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    try {
      this.consume(side, buf, ts);
    } catch (error) {
      // Our bug, not the peer's: said, and this direction no longer read.
      this.problem(`internal error while reading the ${dir}'s bytes: ${error instanceof Error ? error.message : String(error)}`);
      side.mode = 'opaque';
    }
  }

  gap(dir: Direction, missing: number, _ts: number): void {
    if (this.ended !== null || !(missing > 0)) return;
    const side = dir === 'client' ? this.client : this.server;
    side.gapBytes += missing;
    switch (side.mode) {
      case 'start':
        // The beginning is missing: what comes is the middle of something.
        this.startedMidFlow = true;
        side.discard = true;
        break;
      case 'lines':
        this.clearHole = true;
        side.partialLength = 0;
        side.discard = true;
        if (side === this.server) {
          side.replyLines = [];
          side.replyBroken = true;
        }
        break;
      case 'body':
        // The final dot may be among the missing bytes; the content crossed in clear anyway.
        this.clearHole = true;
        side.body = BodyState.Middle;
        break;
      case 'chunk':
        this.clearHole = true;
        side.chunkLeft -= missing;
        if (side.chunkLeft <= 0) {
          side.chunkLeft = 0;
          side.mode = 'lines';
          side.discard = true;
        }
        break;
      case 'sniff':
        this.sniffHole = true;
        side.mode = 'opaque';
        break;
      case 'tls':
        if (!this.established) this.tlsHole = true;
        side.mode = 'opaque';
        this.readCertificate();
        break;
      case 'opaque':
        break;
    }
  }

  end(how: FlowEnd, ts: number): void {
    if (this.ended !== null) return;
    try {
      // A last line without its line end (a server that closes after "421 …").
      for (const side of [this.client, this.server]) {
        if (side.mode === 'lines' && side.partialLength > 0 && !side.discard) this.line(side, this.takePartial(side), ts);
      }
      this.readCertificate();
    } catch (error) {
      this.problem(`internal error at the flow's end: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.ended = how;
    this.endTs = ts;
  }

  // ---- the modes -----------------------------------------------------------------------------

  private consume(side: Side, buf: Buffer, ts: number): void {
    let off = 0;
    while (off < buf.length) {
      switch (side.mode) {
        case 'start':
          this.decideStart(side, buf[off]!);
          break;
        case 'sniff':
          this.decideAfterStarttls(side, buf[off]!);
          break;
        case 'lines':
          off = this.lines(side, buf, off, ts);
          break;
        case 'body':
          off = this.body(side, buf, off);
          break;
        case 'chunk': {
          const n = Math.min(side.chunkLeft, buf.length - off);
          side.chunkLeft -= n;
          this.dataBytes += n;
          off += n;
          if (side.chunkLeft === 0) side.mode = 'lines';
          break;
        }
        case 'tls':
          off = this.records(side, buf, off);
          break;
        case 'opaque':
          off = buf.length;
          break;
      }
    }
  }

  private decideStart(side: Side, first: number): void {
    if (!isTlsStart(first)) {
      side.mode = 'lines';
      return;
    }
    if (side === this.client && first === HANDSHAKE && !this.startedMidFlow && !this.sawCommand) this.clientHelloFirst = true;
    this.startTls(side, !this.startedMidFlow);
  }

  /** The first byte after STARTTLS (client) or after the 220 to it (server). */
  private decideAfterStarttls(side: Side, first: number): void {
    if (isTlsStart(first)) {
      this.startTls(side, true);
      return;
    }
    side.mode = 'lines';
    // The server answering in clear after its 220: judged with what the client did (TLS or clear).
    if (side === this.server) side.notTls = true;
  }

  private startTls(side: Side, atBoundary: boolean): void {
    side.mode = 'tls';
    side.tlsAtBoundary = atBoundary;
    side.sawTls = true;
    if (this.hellos === null && this.helloResult === null) this.hellos = new HelloReader();
    if (side === this.server && this.certChunks === null && this.certificate === null) this.certChunks = [];
  }

  // ---- lines ---------------------------------------------------------------------------------

  private lines(side: Side, buf: Buffer, off: number, ts: number): number {
    const lf = buf.indexOf(LF, off);
    if (side.discard) {
      if (lf === -1) return buf.length;
      side.discard = false;
      return lf + 1;
    }
    const end = lf === -1 ? buf.length : lf;
    if (side.partialLength + (end - off) > MAX_LINE_BYTES) {
      // Too long: the first MAX_LINE_BYTES are read as the line, the rest skipped to its end.
      this.longLines++;
      const partial = this.partialOf(side);
      const room = MAX_LINE_BYTES - side.partialLength;
      partial.set(buf.subarray(off, off + room), side.partialLength);
      side.partialLength = MAX_LINE_BYTES;
      this.line(side, this.takePartial(side), ts);
      if (lf === -1) {
        side.discard = true;
        return buf.length;
      }
      return lf + 1;
    }
    if (lf === -1) {
      // Kept until its end arrives (copied: the caller's bytes are valid only during the call).
      this.partialOf(side).set(buf.subarray(off, end), side.partialLength);
      side.partialLength += end - off;
      return buf.length;
    }
    let text: string;
    if (side.partialLength === 0) {
      text = buf.toString('latin1', off, end > off && buf[end - 1] === CR ? end - 1 : end);
    } else {
      this.partialOf(side).set(buf.subarray(off, end), side.partialLength);
      side.partialLength += end - off;
      text = this.takePartial(side);
    }
    this.line(side, text, ts);
    return lf + 1;
  }

  private partialOf(side: Side): Uint8Array {
    side.partial ??= new Uint8Array(MAX_LINE_BYTES);
    return side.partial;
  }

  private takePartial(side: Side): string {
    const partial = this.partialOf(side);
    let n = side.partialLength;
    if (n > 0 && partial[n - 1] === CR) n--;
    side.partialLength = 0;
    return Buffer.from(partial.buffer, partial.byteOffset, n).toString('latin1');
  }

  private line(side: Side, text: string, ts: number): void {
    if (side === this.client) this.command(text, ts);
    else this.replyLine(text, ts);
  }

  private command(text: string, ts: number): void {
    if (this.inAuth) {
      // A login exchange: user names and passwords, base64. Never kept.
      this.say('client', '[credentials redacted]', ts);
      return;
    }
    const verb = verbOf(text);
    if (SMTP_VERBS.has(verb)) this.sawCommand = true;
    let shown = text;
    let pendingVerb = verb;
    switch (verb) {
      case 'EHLO':
      case 'HELO':
      case 'LHLO':
        this.hello ??= { verb, name: printable(text.slice(5).trim(), 255) };
        break;
      case 'STARTTLS':
        if (this.starttls === null) {
          this.starttls = { command: printable(text), reply: null };
          this.afterStarttlsOn = true;
          pendingVerb = 'STARTTLS*';
        }
        break;
      case 'MAIL':
        this.mailCommands++;
        this.keepAddress(this.mailFrom, MAX_MAIL_FROM, addressOf(text));
        break;
      case 'RCPT':
        this.keepAddress(this.rcptTo, MAX_RCPT_TO, addressOf(text));
        break;
      case 'AUTH': {
        // The mechanism only: an initial response carries the credentials.
        const words = text.split(' ').filter(Boolean);
        shown = `AUTH ${printable(words[1] ?? '', 40)}${words.length > 2 ? ' [credentials redacted]' : ''}`;
        this.inAuth = true;
        // Only clear text is read as commands here: an AUTH seen is an AUTH the wire could read.
        const mechanism = printable((words[1] ?? '?').toUpperCase(), 20);
        if (this.authInClear.length < 4 && !this.authInClear.includes(mechanism)) this.authInClear.push(mechanism);
        break;
      }
    }
    let after = -1;
    if (this.afterStarttlsOn && pendingVerb !== 'STARTTLS*') {
      if (this.afterStarttls.length < MAX_AFTER_STARTTLS) {
        after = this.afterStarttls.length;
        this.afterStarttls.push({ command: printable(shown), reply: null });
      } else this.afterStarttlsCut++;
    }
    this.say('client', shown, ts);
    this.expectReply({ verb: pendingVerb, after });
    if (pendingVerb === 'STARTTLS*') this.client.mode = 'sniff';
    else if (verb === 'DATA') {
      // The client waits for 354 before the content; if the reply says otherwise, back to commands.
      this.dataBytesAtData = this.dataBytes;
      this.client.mode = 'body';
      this.client.body = BodyState.LineStart;
    } else if (verb === 'BDAT') {
      const size = Number(/^\S+\s+(\d{1,15})/.exec(text)?.[1] ?? 'NaN');
      if (Number.isFinite(size) && size > 0) {
        this.client.mode = 'chunk';
        this.client.chunkLeft = size;
      }
    }
  }

  private keepAddress(list: string[], max: number, address: string): void {
    if (list.length < max) list.push(address);
    else this.addressesCut++;
  }

  private expectReply(p: Pending): void {
    if (this.pending.length - this.pendingHead >= MAX_PENDING) {
      this.pendingDropped++;
      if (this.pendingDropped === 1) this.problem(`more than ${MAX_PENDING} commands without a reply: the rest are not matched to replies`);
      return;
    }
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
    this.pending.push(p);
  }

  private replyLine(text: string, ts: number): void {
    const parsed = parseReplyLine(text);
    const side = this.server;
    if (!parsed) {
      this.problem(`the server sent a line that is not a reply: "${printable(text, 80)}"`);
      return;
    }
    if (side.replyLines.length < MAX_REPLY_LINES) side.replyLines.push(parsed);
    else side.replyLinesCut++;
    if (!parsed.final) return;
    const lines = side.replyLines;
    side.replyLines = [];
    if (side.replyLinesCut > 0) this.problem(`a reply of more than ${MAX_REPLY_LINES} lines: the rest were not kept`);
    side.replyLinesCut = 0;
    const broken = side.replyBroken;
    side.replyBroken = false;
    this.reply(assembleReply(lines).reply, ts, broken);
  }

  private reply(reply: ReplyFacts, ts: number, broken: boolean): void {
    // The text is built only while the dialogue has room.
    if (this.dialogue.length < MAX_DIALOGUE) this.say('server', `${reply.code} ${reply.lines.join(' / ')}`, ts);
    else this.dialogueCut++;
    if (!this.bannerDone) {
      this.bannerDone = true;
      // Seen from the start, the first reply is the greeting (whatever its code); mid-flow only a 220 is.
      if (!this.startedMidFlow || reply.code === 220) {
        this.banner = { code: reply.code, text: printable(reply.lines[0] ?? '') };
        return;
      }
    }
    const p = this.pendingHead < this.pending.length ? this.pending[this.pendingHead] : undefined;
    if (!p) return;
    if (p.verb === 'AUTH' && reply.code === 334) return; // the login exchange goes on
    this.pendingHead++;
    if (p.after >= 0) this.afterStarttls[p.after]!.reply = shortReply(reply);
    switch (p.verb) {
      case 'EHLO':
        // Capabilities only from a whole reply: with lines missing, STARTTLS may have been among them.
        if (reply.code === 250 && this.starttls === null && !broken) {
          const ehlo = parseEhlo(reply);
          this.starttlsOffered = hasCapability(ehlo.capabilities, 'STARTTLS');
          this.ehloKeywords = ehlo.capabilities.slice(0, 40).map((c) => printable(c.keyword, 40));
        }
        break;
      case 'STARTTLS*':
        if (this.starttls) this.starttls.reply = shortReply(reply);
        // Refused: the client goes on in clear, as it should (its next byte, not TLS, puts it back to lines).
        if (reply.code === 220) {
          this.starttlsAccepted = true;
          if (this.server.mode === 'lines') this.server.mode = 'sniff';
        }
        break;
      case 'DATA':
        // Refused: the client did not send the content (none arrived yet), its next lines are commands.
        if (reply.code !== 354 && this.client.mode === 'body' && this.dataBytesAtData === this.dataBytes) this.client.mode = 'lines';
        break;
      case 'AUTH':
        this.inAuth = false;
        break;
    }
  }

  private body(side: Side, buf: Buffer, off: number): number {
    let i = off;
    const n = buf.length;
    let done = false;
    while (i < n && !done) {
      const b = buf[i]!;
      if (side.body === BodyState.LineStart) {
        if (b === DOT) {
          side.body = BodyState.Dot;
          i++;
          continue;
        }
        side.body = BodyState.Middle;
      } else if (side.body === BodyState.Dot) {
        if (b === CR) {
          side.body = BodyState.DotCr;
          i++;
          continue;
        }
        if (b === LF) {
          i++;
          done = true;
          continue;
        }
        side.body = BodyState.Middle;
      } else if (side.body === BodyState.DotCr) {
        if (b === LF) {
          i++;
          done = true;
          continue;
        }
        side.body = BodyState.Middle;
      }
      const lf = buf.indexOf(LF, i);
      if (lf === -1) {
        i = n;
        break;
      }
      i = lf + 1;
      side.body = BodyState.LineStart;
    }
    this.dataBytes += i - off;
    if (done) {
      side.mode = 'lines';
      // The reply to the content.
      this.expectReply({ verb: 'DATA-END', after: -1 });
    }
    return i;
  }

  private say(from: Direction, text: string, ts: number): void {
    if (this.dialogue.length < MAX_DIALOGUE) this.dialogue.push({ from, ts, text: printable(text) });
    else this.dialogueCut++;
  }

  private problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(printable(text, 300));
    else this.problemsCut++;
  }

  // ---- TLS records ---------------------------------------------------------------------------

  private records(side: Side, buf: Buffer, off: number): number {
    const rest = off === 0 ? buf : buf.subarray(off);
    const hellos = this.hellos;
    if (hellos === null) return buf.length;
    if (side === this.client) for (let k = 0; k < rest.length && this.clientHead.length < 11; k++) this.clientHead.push(rest[k]!);
    if (!hellos.done()) {
      if (side === this.client) hellos.pushClient(rest);
      else hellos.pushServer(rest);
      if (this.version === null) this.version = hellos.result().serverVersion;
    }
    if (side === this.server && this.certChunks !== null) {
      if (this.version === 'TLSv1.3') this.certChunks = null;
      else {
        const room = MAX_CERT_BYTES - this.certBytes;
        this.certChunks.push(Buffer.from(rest.subarray(0, room)));
        this.certBytes += Math.min(room, rest.length);
        if (this.certBytes >= MAX_CERT_BYTES) this.readCertificate();
      }
    }
    const n = buf.length;
    let i = off;
    while (i < n && side.mode === 'tls') {
      if (side.recordLeft > 0) {
        const take = Math.min(side.recordLeft, n - i);
        if (side.recordType === ALERT) {
          for (let k = 0; k < take && side.alertRead < 2; k++) side.alertBytes[side.alertRead++] = buf[i + k]!;
        }
        i += take;
        side.recordLeft -= take;
        if (side.recordLeft === 0) this.record(side);
        continue;
      }
      side.header[side.headerLength++] = buf[i++]!;
      if (side.headerLength < 5) continue;
      side.headerLength = 0;
      const type = side.header[0]!;
      const length = (side.header[3]! << 8) | side.header[4]!;
      if (type < CHANGE_CIPHER_SPEC || type > 24 || side.header[1] !== 3 || length > MAX_RECORD_BODY) {
        this.notTls(side);
        return n;
      }
      side.recordType = type;
      side.recordLength = length;
      side.recordLeft = length;
      side.alertRead = 0;
      if (length === 0) this.record(side);
    }
    return n;
  }

  private notTls(side: Side): void {
    // Said of the handshake only where the bytes began at a record's start: mid-stream they may be a record's middle.
    if (side.tlsAtBoundary && side.appData === 0 && !side.ccs) side.notTls = true;
    this.tlsProblem(`the ${side.name} sent bytes that are not a TLS record`);
    side.mode = 'opaque';
  }

  private record(side: Side): void {
    const tls13 = this.version === 'TLSv1.3';
    switch (side.recordType) {
      case CHANGE_CIPHER_SPEC:
        side.ccs = true;
        if (side === this.server) this.readCertificate();
        break;
      case ALERT: {
        // In clear an alert is two bytes; after ChangeCipherSpec (≤ 1.2) it carries a MAC: its content is hidden.
        const readable = side.recordLength === 2 && !(side.ccs && !tls13);
        const level = side.alertBytes[0];
        const description = side.alertBytes[1];
        // A fatal alert ends the handshake, and so does a side closing (close_notify, user_canceled); other warnings
        // (a server's unrecognized_name beside its ServerHello) do not.
        if (readable && (level !== 1 || description === 0 || description === 90)) this.readableAlert = true;
        if (this.alerts.length < MAX_ALERTS) {
          this.alerts.push({
            from: side.name,
            level: readable ? (level === 1 ? 'warning' : level === 2 ? 'fatal' : 'unknown') : null,
            description: readable ? alertName(description!) : null,
          });
        }
        if (side === this.server) this.readCertificate();
        break;
      }
      case HANDSHAKE:
        if (side.ccs && !tls13) side.finished = true;
        break;
      case APPLICATION_DATA:
        side.appData++;
        if (side.appData === 1) side.firstAppDataLength = side.recordLength;
        if (side === this.client && side.appData === 2) this.clientSecondAppData = true;
        else if (side === this.server && this.clientSecondAppData) {
          this.serverAfterClientSecond++;
          if (side.recordLength > ENCRYPTED_ALERT_MAX) this.serverLongAfterClientSecond = true;
        }
        break;
    }
    if (this.version === null && this.hellos) this.version = this.hellos.result().serverVersion;
    if (!this.established && this.isEstablished()) {
      this.established = true;
      // Both sides encrypted: from here on the bytes are only counted.
      this.client.mode = 'opaque';
      this.server.mode = 'opaque';
      this.readCertificate();
      this.helloResult = this.hellos?.result() ?? null;
      this.hellos = null;
    }
  }

  private isEstablished(): boolean {
    if (this.version === null) return false;
    if (this.version === 'TLSv1.3') return this.clientSecondAppData && (this.serverLongAfterClientSecond || this.serverAfterClientSecond >= 2);
    return this.client.ccs && this.client.finished && this.server.ccs && this.server.finished;
  }

  private tlsProblem(text: string): void {
    if (this.tlsProblems.length < MAX_TLS_PROBLEMS) this.tlsProblems.push(printable(text, 300));
  }

  /** The server's certificate from its handshake bytes kept so far (TLS ≤ 1.2), once. */
  private readCertificate(): void {
    if (this.certChunks === null) return;
    const chunks = this.certChunks;
    this.certChunks = null;
    if (chunks.length === 0 || this.version === 'TLSv1.3') return;
    const sent = recoverSentChain({ serverBytes: Buffer.concat(chunks) });
    const leaf = sent.chain?.[0];
    if (!leaf) return;
    try {
      const info = describeCertificate(leaf, 'sent');
      this.certificate = {
        subject: printable(info.subject, 1000),
        issuer: printable(info.issuer, 1000),
        notBefore: info.notBefore,
        notAfter: info.notAfter,
        dnsNames: info.dnsNames.slice(0, 20).map((d) => printable(d, 255)),
        chainLength: sent.chain!.length,
      };
    } catch {
      this.tlsProblem('the server\'s certificate (sent in clear) cannot be parsed');
    }
  }

  // ---- facts ---------------------------------------------------------------------------------

  private hellosRead(): HelloResult | null {
    return this.helloResult ?? this.hellos?.result() ?? null;
  }

  /** The ClientHello's legacy_version (RFC 8446 §4.1.2), from its first record. */
  private legacyVersion(): string {
    const h = this.clientHead;
    if (h.length < 11 || h[0] !== HANDSHAKE || h[5] !== 1) return 'unknown';
    return versionName((h[9]! << 8) | h[10]!);
  }

  private kind(): FlowKind {
    if (this.meta.server.port === 465 || this.clientHelloFirst) return 'implicit-tls';
    if (this.banner !== null || this.sawCommand) return 'starttls';
    return 'unknown';
  }

  private closed(): boolean {
    return this.ended === 'fin' || this.ended === 'rst';
  }

  private encryptedAlert(): boolean {
    return (
      this.version === 'TLSv1.3' &&
      !this.established &&
      this.server.appData > 0 &&
      this.client.appData === 1 &&
      this.client.firstAppDataLength >= ENCRYPTED_ALERT_MIN &&
      this.client.firstAppDataLength <= ENCRYPTED_ALERT_MAX &&
      this.closed()
    );
  }

  private handshake(): { result: HandshakeResult; evidence: HandshakeEvidence | null } {
    const tlsSeen = this.client.sawTls || this.server.sawTls;
    if (this.established) return { result: 'established', evidence: this.version === 'TLSv1.3' ? 'client-data-after-finished' : 'finished-both-ways' };
    if (this.readableAlert) return { result: 'failed', evidence: 'alert' };
    if ((this.server.notTls || this.client.notTls) && this.client.sawTls) return { result: 'failed', evidence: 'not-tls' };
    if (this.encryptedAlert()) return { result: 'failed', evidence: 'encrypted-alert' };
    if (!tlsSeen) {
      // STARTTLS accepted, and the client never sent a byte after it.
      if (this.starttlsAccepted && this.client.mode === 'sniff') {
        if (this.sniffHole) return { result: 'incomplete', evidence: 'gap' };
        if (this.closed()) return { result: 'failed', evidence: 'client-closed' };
        return { result: 'incomplete', evidence: this.ended === null ? null : 'capture-end' };
      }
      if (this.sniffHole && this.starttlsAccepted) return { result: 'incomplete', evidence: 'gap' };
      return { result: 'not-attempted', evidence: null };
    }
    if (this.tlsHole || this.sniffHole) return { result: 'incomplete', evidence: 'gap' };
    // Encrypted records with no hello before them: the capture began after the handshake did.
    if (this.startedMidFlow && this.version === null && this.hellosRead()?.clientHello == null) return { result: 'incomplete', evidence: 'mid-flow' };
    if (this.closed()) {
      if (this.version === 'TLSv1.3' && this.clientSecondAppData && this.serverAfterClientSecond > 0) return { result: 'failed', evidence: 'encrypted-server-alert' };
      return { result: 'failed', evidence: 'closed' };
    }
    return { result: 'incomplete', evidence: this.ended === null ? null : 'capture-end' };
  }

  private verdict(kind: FlowKind, result: HandshakeResult): PcapVerdict {
    if (result === 'established') return kind === 'implicit-tls' && this.starttls === null ? 'implicit-tls' : 'tls';
    const clearAfter = this.starttlsAccepted && this.afterStarttls.length + this.afterStarttlsCut > 0 && !this.client.sawTls;
    if (clearAfter) return 'cleartext-after-starttls';
    if (result === 'failed') return 'handshake-failed';
    if (this.starttls !== null && this.starttls.reply !== null && this.starttls.reply.code !== 220) return 'starttls-refused';
    if (result === 'incomplete') return 'incomplete';
    // What is left is decided by what did not happen: any hole may have hidden it.
    const hole = this.clearHole || this.sniffHole || this.tlsHole || (this.startedMidFlow && this.banner === null);
    // A STARTTLS the server never answered: closed there, no mail went; anything else cannot be told.
    if (this.starttls !== null) return hole || this.mailCommands > 0 || !this.closed() ? 'incomplete' : 'no-mail';
    if (this.mailCommands > 0) {
      if (hole) return 'incomplete';
      return this.starttlsOffered === false ? 'starttls-not-offered' : 'not-attempted';
    }
    if (hole || !this.closed()) return 'incomplete';
    return 'no-mail';
  }

  /** What the flow showed; complete once end() was called. */
  facts(): PcapFlow {
    const kind = this.kind();
    const handshake = this.handshake();
    const hellos = this.hellosRead();
    const hello = hellos?.clientHello ?? null;
    const tlsSeen = this.client.sawTls || this.server.sawTls;
    const problems = [...this.problems];
    if (this.problemsCut > 0 && problems.length === MAX_PROBLEMS) problems[MAX_PROBLEMS - 1] = `… and ${this.problemsCut + 1} more problems`;
    const tlsProblems = [...this.tlsProblems, ...(hellos?.problems ?? [])].slice(0, MAX_TLS_PROBLEMS).map((p) => printable(p, 300));
    return {
      id: this.meta.id,
      client: { ip: this.meta.client.ip.slice(0, 64), port: this.meta.client.port },
      server: { ip: this.meta.server.ip.slice(0, 64), port: this.meta.server.port },
      start: this.meta.start,
      end: this.endTs,
      ended: this.ended,
      sawSyn: this.meta.sawSyn,
      bytes: { client: this.client.bytes, server: this.server.bytes },
      gaps: { client: this.client.gapBytes, server: this.server.gapBytes },
      kind,
      banner: this.banner,
      hello: this.hello,
      starttlsOffered: this.starttlsOffered,
      ehloKeywords: this.ehloKeywords,
      starttls: this.starttls === null ? null : { ...this.starttls },
      tls: tlsSeen
        ? {
            clientHello: hello
              ? {
                  legacyVersion: this.legacyVersion(),
                  supportedVersions: hello.versions,
                  sni: hello.sni,
                  cipherCount: hello.ciphers.length + hello.ciphersNotListed,
                  alpn: hello.alpn,
                }
              : null,
            serverHello: hellos?.serverVersion && hellos.cipher ? { version: hellos.serverVersion.slice(0, 16), cipher: hellos.cipher.slice(0, 80) } : null,
            certificate: this.certificate,
            alerts: this.alerts.map((a) => ({ ...a })),
            encryptedAlertSuspected: this.encryptedAlert(),
            changeCipherSpec: { client: this.client.ccs, server: this.server.ccs },
            applicationData: { client: this.client.appData, server: this.server.appData },
            problems: tlsProblems,
          }
        : null,
      handshakeResult: handshake.result,
      handshakeEvidence: handshake.evidence,
      afterStarttls: this.afterStarttls.map((c) => ({ command: c.command, reply: c.reply })),
      afterStarttlsNotListed: this.afterStarttlsCut,
      exposed: {
        mailFrom: [...this.mailFrom],
        rcptTo: [...this.rcptTo],
        notListed: this.addressesCut,
        mailCommands: this.mailCommands,
        data: this.dataBytes > 0,
        dataBytes: this.dataBytes,
        auth: [...this.authInClear],
      },
      dialogue: this.dialogue.map((d) => ({ ...d })),
      dialogueNotListed: this.dialogueCut,
      longLines: this.longLines,
      problems,
      verdict: this.verdict(kind, handshake.result),
      retryOf: null,
      retriedBy: null,
    };
  }
}
