// One unfolded `Received:` field value (RFC 5321 §4.4, RFC 5322 §3.6.7) read into a hop: the
// clauses (from, by, via, with, id, for, and RFC 8314's tls), the date after the last ';', and
// the TLS details each MTA writes in its own dialect. Pure and total: a small hand-written
// tokenizer (no regular expressions), every size bounded, and what cannot be read becomes a
// note — never an exception, and never a field filled with the wrong thing (a comment is never
// a host, an Exchange id is never an address).

/** The most of a field value read; the rest is dropped with a note. */
export const MAX_RECEIVED_LENGTH = 16 * 1024;
/** The longest string kept in any field (host names, ids, ciphers, the raw date). */
export const MAX_FIELD_LENGTH = 256;
/** The most notes kept, and the longest of each. */
export const MAX_NOTES = 16;
export const MAX_NOTE_LENGTH = 200;
/** Deepest comment nesting followed; deeper parentheses are read as text. */
const MAX_DEPTH = 8;
/** The most tokens read from one value. */
const MAX_TOKENS = 512;

export type ReceivedSoftware =
  | 'postfix' | 'exim' | 'exchange' | 'gmail' | 'sendmail' | 'opensmtpd' | 'haraka' | 'qmail' | 'iis' | 'zimbra' | 'amavis' | 'ironport';

export interface ReceivedFrom { helo: string | null; reverse: string | null; ip: string | null }
export interface ReceivedProtocol { tls: boolean | null; auth: boolean | null; lmtp: boolean; utf8: boolean }
export interface ReceivedDate { raw: string; epochMs: number | null; note: string | null }
export interface ReceivedTls { version: string | null; cipher: string | null; bits: number | null; verified: string | null; source: string }

export interface ReceivedHop {
  from: ReceivedFrom | null;
  by: string | null;
  via: string | null;
  /** The mail transmission type as written, only when it is one (never "Microsoft SMTP Server"). */
  with: string | null;
  protocol: ReceivedProtocol | null;
  id: string | null;
  for: string | null;
  date: ReceivedDate | null;
  tls: ReceivedTls | null;
  software: ReceivedSoftware | null;
  notes: string[];
}

// ---------------------------------------------------------------- tokens

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'literal'; text: string } // "[...]" with whatever follows it up to a space or '('
  | { kind: 'angle'; text: string } // "<...>"
  | { kind: 'comment'; text: string; inner: Token[] };

function cap(s: string, max = MAX_FIELD_LENGTH): string {
  return s.length > max ? s.slice(0, max) : s;
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

class Tokenizer {
  pos = 0;
  count = 0;
  constructor(readonly s: string, readonly notes: Notes) {}

  tokens(depth: number, closeParen: boolean): Token[] {
    const out: Token[] = [];
    const s = this.s;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (isSpace(c) || c === ',') { this.pos++; continue; }
      if (c === ')') {
        this.pos++;
        if (closeParen) return out;
        this.notes.add('an unopened ")" was ignored');
        continue;
      }
      if (++this.count > MAX_TOKENS) {
        this.notes.add(`more than ${MAX_TOKENS} tokens: the rest was not read`);
        this.pos = s.length;
        return out;
      }
      if (c === '(' && depth < MAX_DEPTH) {
        const start = ++this.pos;
        const inner = this.tokens(depth + 1, true);
        const end = s[this.pos - 1] === ')' ? this.pos - 1 : this.pos;
        out.push({ kind: 'comment', text: cap(s.slice(start, end).trim(), 1024), inner });
        continue;
      }
      if (c === '[') out.push({ kind: 'literal', text: cap(this.until(']', true)) });
      else if (c === '<') out.push({ kind: 'angle', text: cap(this.until('>', false)) });
      else out.push({ kind: 'word', text: cap(this.word()) });
    }
    if (closeParen) this.notes.add('a comment was not closed');
    return out;
  }

  /** From the opening character to `close` (included), then (for literals) what sticks to it. */
  private until(close: string, sticky: boolean): string {
    const s = this.s;
    const start = this.pos;
    const end = s.indexOf(close, start + 1);
    this.pos = end < 0 || end - start > MAX_FIELD_LENGTH ? Math.min(s.length, start + MAX_FIELD_LENGTH) : end + 1;
    if (sticky) while (this.pos < s.length && !isSpace(s[this.pos]!) && s[this.pos] !== '(' && s[this.pos] !== ')') this.pos++;
    return s.slice(start, this.pos);
  }

  private word(): string {
    const s = this.s;
    const start = this.pos;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (isSpace(c) || c === '(' || c === ')' || (c === ',' && this.pos > start)) break;
      this.pos++;
    }
    if (this.pos === start) this.pos++;
    // OpenSMTPD ends each clause with ';' ("id 1e2a9eaa;"): only the last ';' starts the date.
    const end = s[this.pos - 1] === ';' && this.pos - 1 > start ? this.pos - 1 : this.pos;
    return s.slice(start, end);
  }
}

class Notes {
  readonly list: string[] = [];
  add(note: string): void {
    if (this.list.length < MAX_NOTES && !this.list.includes(note)) this.list.push(cap(note, MAX_NOTE_LENGTH));
  }
}

/** The comment's text flattened to words (nested comments included), for key=value dialects. */
function flatWords(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length && out.length < 64; i++) {
    const c = text[i]!;
    if (isSpace(c) || c === ',' || c === '(' || c === ')' || c === ';') {
      if (cur) out.push(cap(cur));
      cur = '';
    } else if (cur.length < MAX_FIELD_LENGTH) cur += c;
  }
  if (cur && out.length < 64) out.push(cap(cur));
  return out;
}

// ---------------------------------------------------------------- addresses

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => p.length >= 1 && p.length <= 3 && isDigits(p) && Number(p) <= 255);
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (const c of s) if (c < '0' || c > '9') return false;
  return true;
}

function isHex(s: string): boolean {
  if (s.length === 0 || s.length > 4) return false;
  for (const c of s.toLowerCase()) if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  for (let h = 0; h < halves.length; h++) {
    const half = halves[h]!;
    if (half === '') continue;
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (h === halves.length - 1 && i === parts.length - 1 && p.includes('.')) {
        if (!isIPv4(p)) return false;
        groups += 2;
      } else if (isHex(p)) groups++;
      else return false;
    }
  }
  return halves.length === 2 ? groups < 8 : groups === 8;
}

/** True when `s` is an IPv4 or IPv6 address (as this parser writes them: no brackets, no prefix). */
export function isIpAddress(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** The address of "[192.0.2.1]", "[IPv6:2001:db8::1]", "[192.0.2.1]:25", or null. */
function literalAddress(text: string): string | null {
  const close = text.indexOf(']');
  if (!text.startsWith('[') || close < 0) return null;
  let inner = text.slice(1, close).trim();
  if (inner.toLowerCase().startsWith('ipv6:')) inner = inner.slice(5);
  return bareAddress(inner);
}

/** An address written bare ("192.0.2.1", "2001:db8::1", "192.0.2.1:25"), or null. */
function bareAddress(text: string): string | null {
  if (isIpAddress(text)) return text;
  const colon = text.lastIndexOf(':');
  // "192.0.2.1:4227" — an IPv4 address with a port.
  if (colon > 0 && text.indexOf(':') === colon && isIPv4(text.slice(0, colon)) && isDigits(text.slice(colon + 1))) return text.slice(0, colon);
  return null;
}

// ---------------------------------------------------------------- clauses

const CLAUSES = new Set(['from', 'by', 'via', 'with', 'id', 'for', 'tls']);
type ClauseName = 'from' | 'by' | 'via' | 'with' | 'id' | 'for' | 'tls' | 'lead';

function splitClauses(tokens: Token[], notes: Notes): Map<ClauseName, Token[]> {
  const clauses = new Map<ClauseName, Token[]>();
  let current: ClauseName = 'lead';
  clauses.set('lead', []);
  for (const t of tokens) {
    // RFC 8314's clause is written "tls" in lower case; IIS's "over TLS secured channel" is not one.
    const key = t.kind !== 'word' ? '' : t.text === 'TLS' ? 'TLS' : t.text.toLowerCase();
    // A clause word starts its clause only once ("for" inside an id would be odd, but a second
    // "with" or "by" is read as part of the clause in progress).
    if (CLAUSES.has(key) && !clauses.has(key as ClauseName)) {
      current = key as ClauseName;
      clauses.set(current, []);
      continue;
    }
    clauses.get(current)!.push(t);
  }
  const lead = clauses.get('lead')!;
  if (lead.some((t) => t.kind !== 'comment')) notes.add('text before the first clause was not read');
  return clauses;
}

function firstWord(tokens: Token[] | undefined): Token | null {
  if (!tokens) return null;
  for (const t of tokens) if (t.kind !== 'comment') return t;
  return null;
}

function stripDot(s: string): string {
  return s.endsWith('.') && s.length > 1 ? s.slice(0, -1) : s;
}

/** What the from clause's shape says beyond its fields, for the dialects decided later. */
interface FromShape {
  /** "from name ([ip])": the TCP comment names no host (Exim then writes its verified host name first). */
  nameThenBareTcp: boolean;
  /** "(uid 0)": a local submission by a user (DragonFly Mail Agent). */
  localUser: boolean;
}

function readFrom(tokens: Token[], notes: Notes, signals: Signals, shape: FromShape): ReceivedFrom {
  const first = firstWord(tokens);
  let helo: string | null = null;
  let reverse: string | null = null;
  let ip: string | null = null;
  let heloWord: string | null = null; // Exim "helo=X"
  let heloComment: string | null = null; // qmail "(HELO X)", Zimbra "(LHLO X)", MXLogic and Yahoo "(EHLO X)"
  let heloHead = '';
  // Where the TCP information was: after the first word outside a comment, a bare "(192.0.2.1)",
  // or a literal in a comment with or without a name before it.
  let tcp: 'outside' | 'bare' | 'named' | 'unnamed' | null = null;
  // "from unknown [192.0.2.41]" (MXLogic, Lotus, SurfControl, fetchmail): an address literal right
  // after the first word, outside any comment, is the TCP information.
  const second = tokens.find((t) => t !== first && t.kind !== 'comment');
  if (first?.kind === 'word' && second?.kind === 'literal' && tokens.indexOf(second) === tokens.indexOf(first) + 1) {
    const addr = literalAddress(second.text);
    if (addr) {
      ip = addr;
      tcp = 'outside';
    }
  }
  for (const t of tokens) {
    if (t.kind !== 'comment') continue;
    const words = flatWords(t.text);
    const head = (words[0] ?? '').toLowerCase();
    if (head === 'helo' || head === 'lhlo' || head === 'ehlo') {
      heloComment = words[1] ?? null;
      heloHead = words[0] ?? '';
      if (head === 'lhlo') signals.add('zimbra');
      continue;
    }
    if (words.length === 2 && head === 'uid' && isDigits(words[1]!)) {
      shape.localUser = true;
      continue;
    }
    // qmail "(192.0.2.1)" or, after AUTH, "(192.0.2.1 with plain)"; Exchange "(2603:10b6::12)".
    const bare = words.length === 1 || (words.length === 3 && words[1]?.toLowerCase() === 'with') ? bareAddress(words[0]!) : null;
    if (bare) {
      ip = bare;
      tcp = 'bare';
      continue;
    }
    for (let i = 0; i < t.inner.length; i++) {
      const inner = t.inner[i]!;
      if (inner.kind === 'literal') {
        const addr = literalAddress(inner.text);
        if (addr) {
          // The last comment with an address is the TCP information (an earlier one belongs to the HELO).
          ip = addr;
          reverse = null;
          tcp = 'unnamed';
          const before = t.inner[i - 1];
          if (before?.kind === 'word' && !before.text.includes('=')) {
            tcp = 'named';
            const name = stripDot(before.text.includes('@') ? before.text.slice(before.text.lastIndexOf('@') + 1) : before.text);
            if (name.toLowerCase() !== 'unknown' && name !== '') reverse = name;
          }
        } else if (!addr && inner.text !== '[local]') notes.add('an address literal in the from clause is not an address');
      } else if (inner.kind === 'word' && inner.text.toLowerCase().startsWith('helo=')) {
        heloWord = inner.text.slice(5) || null;
        signals.add('exim');
      } else if (inner.kind === 'comment' && inner.text.toLowerCase().includes('forged')) {
        notes.add('the receiving server flagged the reverse name as possibly forged');
      }
    }
  }
  const firstText = first ? stripDot(first.text) : null;
  // qmail writes exactly "from <name or unknown> (HELO <helo>) (<ip>)".
  if (heloHead === 'HELO' && tcp === 'bare') signals.add('qmail');
  shape.nameThenBareTcp = first?.kind === 'word' && heloWord === null && heloComment === null && tcp === 'unnamed';
  if (heloWord !== null) {
    // Exim: "from <reverse or [ip]> ([ip] helo=<helo>)".
    helo = heloWord;
    if (first?.kind === 'literal') {
      if (ip === null) ip = literalAddress(first.text);
    } else if (firstText) reverse = firstText;
  } else if (heloComment !== null) {
    // qmail: "from <reverse or unknown> (HELO <helo>) (<ip>)".
    helo = heloComment;
    reverse = firstText && firstText.toLowerCase() !== 'unknown' && !isIpAddress(firstText) ? firstText : null;
  } else if (tcp === 'outside') {
    // "from <name or unknown> [<ip>]": the name is the one the receiver found, not a HELO.
    helo = null;
    reverse = firstText && firstText.toLowerCase() !== 'unknown' && !isIpAddress(firstText) ? firstText : null;
  } else {
    helo = firstText;
  }
  if (first?.kind === 'angle') { helo = null; notes.add('the from clause holds an address, not a host'); }
  if (helo === null && reverse === null && ip === null) notes.add('the from clause names no host and no address');
  return { helo: helo === null ? null : cap(helo), reverse: reverse === null ? null : cap(reverse), ip };
}

// ---------------------------------------------------------------- protocol

interface TypeFacts { tls: boolean | null; auth: boolean | null; lmtp: boolean; utf8: boolean }

/** RFC 3848 and the IANA "Mail Transmission Types" registry, plus the few words MTAs write beside them. */
function transmissionType(word: string): TypeFacts | null {
  let w = word.toUpperCase();
  let utf8 = false;
  if (w.startsWith('UTF8')) { utf8 = true; w = w.slice(4); }
  const base = w.startsWith('ESMTP') ? 'ESMTP' : w.startsWith('LMTP') ? 'LMTP' : w.startsWith('SMTP') ? 'SMTP' : w.startsWith('HTTP') ? 'HTTP' : w === 'MAPI' ? 'MAPI' : null;
  if (base === null) return null;
  const suffix = w.slice(base.length);
  if (base === 'MAPI') return { tls: null, auth: null, lmtp: false, utf8 };
  if (base === 'HTTP') return suffix === '' || suffix === 'S' ? { tls: suffix === 'S', auth: null, lmtp: false, utf8 } : null;
  if (base === 'SMTP' && !utf8 && suffix === 'S') return { tls: true, auth: false, lmtp: false, utf8 }; // Gmail's "SMTPS"
  if (base === 'SMTP' && suffix !== '' && !utf8) return null;
  if (!['', 'A', 'S', 'SA'].includes(suffix)) return null;
  return { tls: suffix.includes('S'), auth: suffix.includes('A'), lmtp: base === 'LMTP', utf8 };
}

// ---------------------------------------------------------------- TLS details

/** "TLSv1.3", "TLS1_2", "TLS1.3", "TLSv1", "SSLv3" → "TLS 1.3" …; null when it is not a version. */
export function normaliseTlsVersion(raw: string): string | null {
  const u = raw.toUpperCase().replace('_', '.');
  let rest: string;
  let name: string;
  if (u.startsWith('TLS')) { name = 'TLS'; rest = u.slice(3); } else if (u.startsWith('SSL')) { name = 'SSL'; rest = u.slice(3); } else return null;
  if (rest.startsWith('V')) rest = rest.slice(1);
  if (rest.startsWith(' ')) rest = rest.slice(1);
  if (rest === '1' || rest === '1.0') return `${name} 1.0`;
  if (name === 'TLS' && (rest === '1.1' || rest === '1.2' || rest === '1.3')) return `TLS ${rest}`;
  if (name === 'SSL' && (rest === '3' || rest === '3.0' || rest === '2' || rest === '2.0')) return `SSL ${rest[0]}.0`;
  return null;
}

function readBits(raw: string): number | null {
  const slash = raw.indexOf('/');
  const first = slash >= 0 ? raw.slice(0, slash) : raw;
  return isDigits(first) && first.length <= 5 ? Number(first) : null;
}

interface TlsDraft { version: string | null; cipher: string | null; bits: number | null; verified: string | null; source: string }

function versionOf(raw: string, notes: Notes): string | null {
  // Old OpenSSL names the cipher's family, valid in SSL 3.0 and every TLS: no protocol version.
  if (raw.toUpperCase() === 'TLSV1/SSLV3') {
    notes.add('"TLSv1/SSLv3" names the cipher\'s family, not the protocol version');
    return null;
  }
  const v = normaliseTlsVersion(raw);
  if (v === null) notes.add(`TLS version "${cap(raw, 40)}" not understood`);
  return v;
}

/** The TLS details a comment holds, in whichever dialect wrote them, or null. */
function tlsFromComment(text: string, notes: Notes, signals: Signals): TlsDraft | null {
  const words = flatWords(text);
  const head = words[0] ?? '';
  const lower = head.toLowerCase();
  // Postfix: "using TLSv1.3 with cipher X (256/256 bits) key-exchange … ".
  if (lower === 'using' && words.length >= 5 && words[2]?.toLowerCase() === 'with' && words[3]?.toLowerCase() === 'cipher') {
    signals.add('postfix');
    const bitsAt = words.indexOf('bits');
    return { version: versionOf(words[1]!, notes), cipher: cap(words[4]!), bits: bitsAt > 5 ? readBits(words[bitsAt - 1]!) : null, verified: null, source: 'postfix' };
  }
  // key=value: Gmail, Sendmail, Exchange, Haraka, ecelerity.
  if (words.some((w) => w.toLowerCase().startsWith('cipher=') || w.toLowerCase().startsWith('version=tls') || w.toLowerCase().startsWith('version=ssl'))) {
    const d: TlsDraft = { version: null, cipher: null, bits: null, verified: null, source: 'key-value' };
    for (const w of words) {
      const eq = w.indexOf('=');
      if (eq < 0) continue;
      const key = w.slice(0, eq).toLowerCase();
      const value = w.slice(eq + 1);
      if (key === 'version') d.version = versionOf(value, notes);
      else if (key === 'cipher') d.cipher = value ? cap(value) : null;
      else if (key === 'bits') d.bits = readBits(value);
      else if (key === 'verify') { d.verified = value ? cap(value) : null; signals.add('sendmail'); }
    }
    return d;
  }
  // Colon form: Exim "(TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256)", OpenSMTPD "(TLSv1.3:CIPHER:256:NO)".
  if (words.length === 1 && head.includes(':') && (head.toUpperCase().startsWith('TLS') || head.toUpperCase().startsWith('SSL'))) {
    const parts = head.split(':');
    const d: TlsDraft = { version: versionOf(parts[0]!, notes), cipher: parts[1] ? cap(parts[1]) : null, bits: parts[2] ? readBits(parts[2]) : null, verified: null, source: 'colon' };
    if (parts.length >= 4) { d.verified = parts[3] ? cap(parts[3]) : null; d.source = 'opensmtpd'; signals.add('opensmtpd'); } else signals.add('exim');
    return d;
  }
  // Courier: "(TLS: TLSv1.3,256bits,TLS_AES_256_GCM_SHA384)", after a login "(AUTH: LOGIN user, TLS: …)".
  const tlsAt = words.findIndex((w) => w.toLowerCase() === 'tls:');
  if (tlsAt >= 0 && tlsAt + 1 < words.length && (tlsAt === 0 || lower === 'auth:')) {
    const bitsWord = words[tlsAt + 2]?.toLowerCase().endsWith('bits') ? words[tlsAt + 2]! : null;
    const cipher = words[tlsAt + 3] ?? null;
    return { version: versionOf(words[tlsAt + 1]!, notes), cipher: cipher ? cap(cipher) : null, bits: bitsWord ? readBits(bitsWord.slice(0, -4)) : null, verified: null, source: 'courier' };
  }
  // qmail's TLS patch: "(AES256-GCM-SHA384 encrypted)".
  if (words.length === 2 && words[1]!.toLowerCase() === 'encrypted' && (head.includes('-') || head.includes('_'))) {
    return { version: null, cipher: cap(head), bits: null, verified: null, source: 'encrypted' };
  }
  // Exim 4.95+: "(TLS1.3)" (the cipher follows in the tls clause); Exchange: "(TLS)".
  if (words.length === 1 && normaliseTlsVersion(head) !== null) return { version: normaliseTlsVersion(head), cipher: null, bits: null, verified: null, source: 'version' };
  if (words.length === 1 && head.toUpperCase() === 'TLS') return { version: null, cipher: null, bits: null, verified: null, source: 'flag' };
  if (text.toLowerCase() === 'google transport security') {
    signals.add('gmail');
    return { version: null, cipher: null, bits: null, verified: null, source: 'google-transport-security' };
  }
  return null;
}

/** Postfix's client-certificate comment, as written. */
function verificationComment(text: string): string | null {
  const l = text.toLowerCase();
  if (l.startsWith('no client certificate') || l.startsWith('client did not present') || l.startsWith('client cn ')) {
    const at = l.indexOf('(verified ');
    return cap(at >= 0 ? text.slice(at + 1, text.indexOf(')', at) > at ? text.indexOf(')', at) : undefined) : text, 80);
  }
  return null;
}

// ---------------------------------------------------------------- software

/**
 * Which software wrote the hop. A comment that names it ("(Postfix)", "(Exim 4.96)") outranks
 * what the format suggests ("helo=", a lower-case "esmtps", "(HELO x) (ip)"); and a comment that
 * names software outside this list (ecelerity, Domino, qpsmtpd …) leaves the hop unnamed rather
 * than guessed from a format that software borrowed.
 */
class Signals {
  readonly seen = new Set<ReceivedSoftware>();
  readonly named = new Set<ReceivedSoftware>();
  foreign = false;
  /** Suggested by the format. */
  add(s: ReceivedSoftware): void { this.seen.add(s); }
  /** Named by the value itself. */
  name(s: ReceivedSoftware): void { this.named.add(s); }
  decide(): ReceivedSoftware | null {
    for (const s of PRIORITY) if (this.named.has(s)) return s;
    if (this.foreign) return null;
    for (const s of PRIORITY) if (this.seen.has(s)) return s;
    return null;
  }
}

/** Software that writes Received fields in a borrowed format but is none of ReceivedSoftware. */
const FOREIGN = ['ecelerity', 'ibm domino', 'lotus domino', 'lotus smtp', 'dovecot', 'qpsmtpd', 'coremail', 'dragonfly mail agent', 'oracle communications messaging server', 'post.office', 'fetchmail', 'nwsmtp', 'mailfoundry', 'surfcontrol'];

/** Which software wrote a comment such as "(Postfix)", "(Exim 4.96)", "(8.17.1/8.17.1)". */
function softwareComment(text: string, signals: Signals): void {
  const l = text.toLowerCase();
  if (l.startsWith('postfix')) signals.name('postfix');
  else if (l.startsWith('exim ')) signals.name('exim');
  else if (l.startsWith('haraka')) signals.name('haraka');
  else if (l.startsWith('opensmtpd')) signals.name('opensmtpd');
  else if (l.startsWith('zimbra')) signals.name('zimbra');
  else if (l.startsWith('amavisd')) signals.name('amavis');
  else if (l.startsWith('qmail ')) signals.name('qmail');
  else if (l.includes('ironport')) signals.name('ironport');
  else if (isSendmailVersion(l)) signals.name('sendmail');
  else if (FOREIGN.some((f) => l.startsWith(f))) signals.foreign = true;
}

/** "8.17.1/8.17.1", "8.14.4/8.14.4/Submit", or the configuration names "V8/cf" and "R8/cf". */
function isSendmailVersion(l: string): boolean {
  if (l === 'v8/cf' || l === 'r8/cf') return true;
  const slash = l.indexOf('/');
  if (slash < 3 || !l.startsWith('8.')) return false;
  const v = l.slice(0, slash);
  return v.split('.').every(isDigits);
}

const PRIORITY: ReceivedSoftware[] = ['amavis', 'zimbra', 'exchange', 'iis', 'gmail', 'opensmtpd', 'haraka', 'ironport', 'qmail', 'exim', 'sendmail', 'postfix'];

// ---------------------------------------------------------------- date

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const OBS_ZONES: Record<string, number> = { UT: 0, GMT: 0, EST: -5, EDT: -4, CST: -6, CDT: -5, MST: -7, MDT: -6, PST: -8, PDT: -7 };

/** RFC 5322 §3.3 date-time with the §4.3 obsolete forms; epochMs null when it cannot be placed in time. */
export function parseReceivedDate(rawIn: string): ReceivedDate {
  const raw = cap(rawIn.trim());
  const notes: string[] = [];
  // Drop a trailing comment such as "(UTC)" or "(PDT)".
  let text = raw;
  const paren = text.indexOf('(');
  if (paren >= 0) text = text.slice(0, paren);
  // "Thu,17 Jul 2017": a comma is a separator, spaces and tabs may repeat.
  const words = text.split(',').join(' ').split('\t').join(' ').split(' ').filter((w) => w !== '').slice(0, 8);
  let i = 0;
  if (words[0] && !isDigits(words[0])) i = 1; // day name
  const day = words[i];
  const month = MONTHS.indexOf((words[i + 1] ?? '').slice(0, 3).toLowerCase());
  const yearText = words[i + 2] ?? '';
  const time = (words[i + 3] ?? '').split(':');
  const secs = time[2] ?? '';
  const dot = secs.indexOf('.');
  if (dot > 0 && isDigits(secs.slice(dot + 1))) {
    time[2] = secs.slice(0, dot);
    notes.push('fractional seconds');
  }
  const zone = words[i + 4];
  const fail = (why: string): ReceivedDate => ({ raw, epochMs: null, note: why });
  // "Tue, 029 Apr 2019" (seen in the corpus): a day with a leading zero too many.
  if (day?.length === 3 && day.startsWith('0') && isDigits(day)) notes.push('day written with three digits');
  if (!day || !isDigits(day) || (day.length > 2 && !(day.length === 3 && day.startsWith('0'))) || month < 0 || !isDigits(yearText) || yearText.length > 4) return fail('date not understood');
  let year = Number(yearText);
  if (yearText.length === 2) { year += year < 50 ? 2000 : 1900; notes.push('two-digit year'); } else if (yearText.length === 3) { year += 1900; notes.push('three-digit year'); }
  if (time.length < 2 || time.length > 3 || !time.every((t) => isDigits(t) && t.length <= 2)) return fail('time of day not understood');
  const [h, m, s] = [Number(time[0]), Number(time[1]), Number(time[2] ?? '0')];
  if (h > 23 || m > 59 || s > 60 || Number(day) < 1 || Number(day) > 31) return fail('date out of range');
  let offsetMin: number | null = null;
  if (zone === undefined) notes.push('no time zone');
  else if ((zone[0] === '+' || zone[0] === '-') && zone.length === 5 && isDigits(zone.slice(1))) {
    const mins = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3));
    offsetMin = zone[0] === '-' ? -mins : mins;
    if (zone === '-0000') notes.push('zone -0000: UTC, local zone unknown');
  } else {
    const z = zone.toUpperCase();
    if (z in OBS_ZONES) { offsetMin = OBS_ZONES[z]! * 60; notes.push(`obsolete zone ${z}`); } else if (z.length === 1 && z >= 'A' && z <= 'Z' && z !== 'J') {
      offsetMin = 0;
      notes.push(`military zone ${z} read as -0000 (RFC 5322 §4.3)`);
    } else notes.push(`unknown zone "${cap(zone, 16)}"`);
  }
  const utc = Date.UTC(year, month, Number(day), h, m, s);
  const check = new Date(utc);
  if (check.getUTCDate() !== Number(day)) return fail('no such day');
  const epochMs = offsetMin === null ? null : utc - offsetMin * 60_000;
  return { raw, epochMs, note: notes.length ? notes.join('; ') : null };
}

// ---------------------------------------------------------------- the hop

/** Reads one unfolded Received field value (without "Received:"). Never throws. */
export function parseReceived(value: string): ReceivedHop {
  const notes = new Notes();
  const hop: ReceivedHop = { from: null, by: null, via: null, with: null, protocol: null, id: null, for: null, date: null, tls: null, software: null, notes: notes.list };
  try {
    read(typeof value === 'string' ? value : String(value), hop, notes);
  } catch {
    notes.add('internal error while reading this field');
  }
  return hop;
}

/**
 * Where the date starts: the last ';' outside a comment ("…; Mon, 21 Sep 2026 10:00:00 +0000 (GMT;
 * really)" keeps its comment), or the last ';' at all when the parentheses do not balance.
 */
function dateSemicolon(value: string): number {
  let depth = 0;
  for (let i = value.length - 1; i >= 0; i--) {
    const c = value[i];
    if (c === ')') depth++;
    else if (c === '(' && depth > 0) depth--;
    else if (c === ';' && depth === 0) return i;
  }
  return value.lastIndexOf(';');
}

function read(input: string, hop: ReceivedHop, notes: Notes): void {
  let value = input;
  if (value.length > MAX_RECEIVED_LENGTH) {
    value = value.slice(0, MAX_RECEIVED_LENGTH);
    notes.add(`value longer than ${MAX_RECEIVED_LENGTH} characters: the rest was not read`);
  }
  if (value.toLowerCase().startsWith('received:')) value = value.slice(9);
  const semi = dateSemicolon(value);
  const body = semi >= 0 ? value.slice(0, semi) : value;
  if (semi >= 0) hop.date = parseReceivedDate(value.slice(semi + 1).replace(/[\r\n\t]/g, ' '));
  else notes.add('no date (no ";")');

  const signals = new Signals();
  const tokens = new Tokenizer(body, notes).tokens(0, false);
  const clauses = splitClauses(tokens, notes);

  // Comments anywhere (outside the from clause) carry software names and TLS details.
  const tlsDrafts: TlsDraft[] = [];
  let verified: string | null = null;
  for (const list of clauses.values()) {
    for (const t of list) {
      if (t.kind !== 'comment') continue;
      softwareComment(t.text, signals);
      const d = tlsFromComment(t.text, notes, signals);
      if (d) tlsDrafts.push(d);
      verified ??= verificationComment(t.text);
    }
  }

  const from = clauses.get('from');
  const shape: FromShape = { nameThenBareTcp: false, localUser: false };
  if (from) hop.from = readFrom(from, notes, signals, shape);

  const by = firstWord(clauses.get('by'));
  if (by) {
    hop.by = by.kind === 'literal' ? cap(by.text) : cap(stripDot(by.text));
    const b = hop.by.toLowerCase();
    if (b.endsWith('.google.com') || b.endsWith('.gmail.com')) signals.add('gmail');
    else if (b.endsWith('.outlook.com') || b.endsWith('.outlook.office365.com')) signals.add('exchange');
  }

  const via = clauses.get('via')?.filter((t) => t.kind === 'word').map((t) => t.text).join(' ');
  if (via) hop.via = cap(via);
  // "with ESMTP via SSL": the session was carried over SSL/TLS.
  if (via && (via.toUpperCase() === 'SSL' || via.toUpperCase() === 'TLS')) tlsDrafts.push({ version: null, cipher: null, bits: null, verified: null, source: 'via-ssl' });

  const withWords = (clauses.get('with') ?? []).filter((t) => t.kind === 'word').map((t) => t.text);
  readWith(withWords, hop, tlsDrafts, signals, notes);
  // Exim's and Sendmail's local submissions ("from root by host with local"): the word is a user, not a host.
  const local = (withWords[0] ?? '').toLowerCase();
  if (hop.from && from?.length === 1 && from[0]!.kind === 'word' && (local === 'local' || local.startsWith('local-'))) {
    notes.add(`local submission by the user "${cap(from[0]!.text, 64)}", not a host`);
    hop.from = { helo: null, reverse: null, ip: null };
  } else if (hop.from && shape.localUser && hop.from.ip === null) {
    // DragonFly Mail Agent: "from root (uid 0)".
    notes.add(`local submission by the user "${cap(hop.from.helo ?? '', 64)}", not a host`);
    hop.from = { helo: null, reverse: null, ip: null };
  }

  const id = firstWord(clauses.get('id'));
  if (id) hop.id = cap(id.text);

  const forTok = firstWord(clauses.get('for'));
  if (forTok) hop.for = cap(forTok.kind === 'angle' ? forTok.text.slice(1, forTok.text.endsWith('>') ? -1 : undefined) : forTok.text);

  // IIS: "by host over TLS secured channel with Microsoft SMTPSVC(…)".
  const byWords = (clauses.get('by') ?? []).map((t) => t.text);
  const over = byWords.indexOf('over');
  if (over > 0 && byWords[over + 1] === 'TLS') tlsDrafts.push({ version: null, cipher: null, bits: null, verified: null, source: 'iis-secured-channel' });

  const tlsClause = firstWord(clauses.get('tls'));
  if (tlsClause?.kind === 'word') tlsDrafts.push({ version: null, cipher: cap(tlsClause.text), bits: null, verified: null, source: 'tls-clause' });

  hop.tls = mergeTls(tlsDrafts, verified);
  if (hop.tls) {
    if (hop.protocol === null) hop.protocol = { tls: true, auth: null, lmtp: false, utf8: false };
    else if (hop.protocol.tls === false) {
      notes.add(`"with ${hop.with ?? ''}" says clear text, but TLS details are recorded`);
      hop.protocol.tls = true;
    } else hop.protocol.tls = true;
  }

  if (clauses.size === 1 && clauses.get('lead')!.length > 0) notes.add('no clause (from, by, with …) found: a comment only');
  hop.software = signals.decide();
  // Exim writes "from <verified host name> ([ip])" and leaves out helo= when the HELO matched it.
  if (hop.software === 'exim' && hop.from && shape.nameThenBareTcp && hop.from.reverse === null && hop.from.helo !== null && !isIpAddress(hop.from.helo)) {
    hop.from = { ...hop.from, reverse: hop.from.helo };
  }
}

function readWith(words: string[], hop: ReceivedHop, tlsDrafts: TlsDraft[], signals: Signals, notes: Notes): void {
  if (words.length === 0) return;
  const joined = words.join(' ').toLowerCase();
  if (joined.startsWith('microsoft smtp server') || joined.startsWith('internet mail service')) { signals.name('exchange'); return; }
  if (joined.startsWith('microsoft smtpsvc')) { signals.name('iis'); return; }
  const first = words[0]!;
  // MessageLabs: "with DHE-RSA-AES256-GCM-SHA384 encrypted SMTP".
  if (words.length >= 3 && words[1]!.toLowerCase() === 'encrypted') {
    const facts = transmissionType(words[2]!);
    if (facts) {
      hop.with = cap(words[2]!);
      hop.protocol = { ...facts, tls: true };
      tlsDrafts.push({ version: null, cipher: cap(first), bits: null, verified: null, source: 'encrypted' });
      return;
    }
  }
  // IronPort: "ESMTP/TLS/AES128-GCM-SHA256".
  const slash = first.indexOf('/');
  if (slash > 0) {
    const parts = first.split('/');
    const facts = transmissionType(parts[0]!);
    if (facts) {
      hop.with = cap(parts[0]!);
      hop.protocol = { ...facts };
      if (parts[1]?.toUpperCase() === 'TLS') {
        hop.protocol.tls = true;
        tlsDrafts.push({ version: null, cipher: parts[2] ? cap(parts[2]) : null, bits: null, verified: null, source: 'ironport' });
        signals.add('ironport');
      }
      return;
    }
  }
  const facts = transmissionType(first);
  if (facts) {
    hop.with = cap(first);
    hop.protocol = { ...facts };
    if (first.toUpperCase() === 'MAPI') signals.add('exchange');
    // Exim writes the transmission type in lower case ("esmtps").
    // ("with smtp" alone is written by others too.)
    if (first === first.toLowerCase() && (first.startsWith('esmtp') || first.startsWith('lmtp'))) signals.add('exim');
  } else notes.add(`"with ${cap(first, 40)}" is not a mail transmission type`);
}

function mergeTls(drafts: TlsDraft[], verified: string | null): ReceivedTls | null {
  if (drafts.length === 0) return null;
  const out: ReceivedTls = { version: null, cipher: null, bits: null, verified, source: drafts[0]!.source };
  for (const d of drafts) {
    out.version ??= d.version;
    out.cipher ??= d.cipher;
    out.bits ??= d.bits;
    out.verified ??= d.verified;
  }
  if (drafts.length > 1) out.source = cap(drafts.map((d) => d.source).join('+'), 64);
  return out;
}
