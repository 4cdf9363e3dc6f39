// Authentication-Results (RFC 8601), ARC-Authentication-Results (RFC 8617 §4.1.1) and
// Received-SPF (RFC 7208 §9.1) read into results, and one line of words for what each result
// means. Pure and total: a small hand-written tokenizer (no regular expressions), every string
// and list bounded, and what cannot be read becomes a note — never an exception.
//
// The shapes met in real mail beside the grammar: Microsoft writes no authserv-id first
// ("spf=pass (sender IP is …) smtp.mailfrom=…; dkim=…"), and its older form puts the id between
// two results ("…smtp.mailfrom=example.com; example.net; dkim=…"); Microsoft's dmarc carries
// "action=…" (no ptype); OpenDKIM writes reason="…; …" (a ";" inside quotes); comments sit
// anywhere, nested, even glued to a property ("(…)smtp.mailfrom=…").
//
// compauth's reason codes are worded from Microsoft Learn, "Anti-spam message headers in
// Microsoft 365" (learn.microsoft.com/defender-office-365/message-headers-eop-mdo), section
// "Authentication-results message header fields".

export interface AuthProperty { ptype: string; property: string; value: string }
export interface AuthMethodResult { method: string; version: number | null; result: string; reason: string | null; properties: AuthProperty[] }
export interface ParsedAuthResults { authservId: string | null; version: number | null; instance: number | null; results: AuthMethodResult[]; notes: string[] }
export interface ParsedReceivedSpf { result: string | null; comment: string | null; clientIp: string | null; envelopeFrom: string | null; helo: string | null; receiver: string | null; identity: string | null; notes: string[] }

/** The longest string kept anywhere (ids, values, notes, descriptions). */
const MAX_STRING = 256;
const MAX_RESULTS = 30;
const MAX_PROPERTIES = 20;
const MAX_NOTES = 20;
/** The most of a value read; the rest is dropped with a note. */
const MAX_INPUT = 64 * 1024;

/** `s` cut to `max` characters, never between the two halves of a surrogate pair. */
function cap(s: string, max = MAX_STRING): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** Notes, each capped, at most MAX_NOTES (the last one saying more were dropped). */
class Notes {
  readonly list: string[] = [];
  private dropped = false;
  add(text: string): void {
    if (this.list.length < MAX_NOTES - 1) this.list.push(cap(text));
    else if (!this.dropped) {
      this.dropped = true;
      this.list.push('more notes than 20: the rest not kept');
    }
  }
}

/** A quoted word for a note: capped so that the note stays readable. */
function shown(s: string): string {
  return `"${cap(s, 60)}${s.length > 60 ? '…' : ''}"`;
}

// ------------------------------------------------------------------------------ the tokenizer

type Token =
  | { kind: 'atom'; text: string; space: boolean }
  | { kind: 'quoted'; text: string; space: boolean }
  | { kind: 'comment'; text: string; space: boolean }
  | { kind: 'semi'; space: boolean };

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Splits `value` into atoms (runs of anything but white space, ";", "(", ")" and '"'), quoted
 * strings (unescaped), comments (nested; their text kept whole for Received-SPF) and ";".
 * `space` says white space or a comment came before the token. One pass, no backtracking.
 */
function tokenize(value: string, notes: Notes): Token[] {
  const tokens: Token[] = [];
  let text = value;
  if (text.length > MAX_INPUT) {
    notes.add(`value longer than ${MAX_INPUT} characters: the rest not read`);
    text = text.slice(0, MAX_INPUT);
  }
  let i = 0;
  let space = false;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      space = true;
      i++;
    } else if (c === 59 /* ; */) {
      tokens.push({ kind: 'semi', space });
      space = false;
      i++;
    } else if (c === 40 /* ( */) {
      let depth = 1;
      const start = i + 1;
      i++;
      while (i < text.length && depth > 0) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else {
          if (d === 40) depth++;
          else if (d === 41) depth--;
          i++;
        }
      }
      if (depth > 0) {
        notes.add('a comment is not closed: "(" without ")"');
        tokens.push({ kind: 'comment', text: cap(text.slice(start, Math.min(i, text.length)).trim()), space });
      } else tokens.push({ kind: 'comment', text: cap(text.slice(start, i - 1).trim()), space });
      space = true;
    } else if (c === 41 /* ) */) {
      notes.add('a ")" without "(" ignored');
      space = true;
      i++;
    } else if (c === 34 /* " */) {
      let out = '';
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text.charCodeAt(i);
        if (d === 34) {
          closed = true;
          i++;
          break;
        }
        if (d === 92 && i + 1 < text.length) i++;
        if (out.length < MAX_STRING) out += text[i];
        i++;
      }
      if (!closed) notes.add('a quoted string is not closed: \'"\' without its pair');
      tokens.push({ kind: 'quoted', text: out, space });
      space = false;
    } else {
      const start = i;
      while (i < text.length) {
        const d = text.charCodeAt(i);
        if (isSpace(d) || d === 59 || d === 40 || d === 41 || d === 34) break;
        i++;
      }
      tokens.push({ kind: 'atom', text: text.slice(start, i), space });
      space = false;
    }
  }
  return tokens;
}

// ------------------------------------------------------------------------- key=value entries

/** One word of an item: `key=value`, or a bare word (an atom or quoted string without "="). */
type Entry = { key: string; value: string; quoted: boolean } | { bare: string };

/**
 * The entries of one ";"-separated item (comments dropped): "k=v", "k=" "\"v\"", "k" "=v",
 * a quoted local part followed by "@domain", and bare words.
 */
function entriesOf(tokens: readonly Token[]): Entry[] {
  const words = tokens.filter((t): t is Extract<Token, { kind: 'atom' | 'quoted' }> => t.kind === 'atom' || t.kind === 'quoted');
  const entries: Entry[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let key: string | null = null;
    let rest = '';
    if (w.kind === 'atom') {
      const eq = w.text.indexOf('=');
      if (eq > 0) {
        key = w.text.slice(0, eq);
        rest = w.text.slice(eq + 1);
      } else if (eq === -1) {
        const next = words[i + 1];
        if (next?.kind === 'atom' && next.text.startsWith('=')) {
          key = w.text;
          rest = next.text.slice(1);
          i++;
        }
      }
    }
    if (key === null) {
      entries.push({ bare: cap(w.text) });
      continue;
    }
    let value = rest;
    let quoted = false;
    const next = words[i + 1];
    if (rest === '' && next !== undefined && (next.kind === 'quoted' || !next.text.includes('='))) {
      value = next.text;
      quoted = next.kind === 'quoted';
      i++;
      // "local part"@domain: the quoted local part and the domain glued to it are one value.
      const after = words[i + 1];
      if (quoted && after?.kind === 'atom' && !after.space && after.text.startsWith('@')) {
        value = `"${value}"${after.text}`;
        i++;
      }
    }
    entries.push({ key: cap(key), value: cap(value), quoted });
  }
  return entries;
}

/** The items between ";" (comments kept in the tokens; the caller drops them). */
function itemsOf(tokens: readonly Token[]): Token[][] {
  const items: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'semi') items.push([]);
    else items[items.length - 1]!.push(t);
  }
  return items;
}

/** A decimal number of at most 9 digits, else null. */
function smallNumber(s: string): number | null {
  if (s.length === 0 || s.length > 9) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(s);
}

/** RFC 8601 Keyword-like: letters, digits, "-" and "_" (x- methods, dkim-atps …). */
function isMethodName(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
    if (!ok) return false;
  }
  return true;
}

// ------------------------------------------------------------------- Authentication-Results

class ResultBuilder {
  readonly results: AuthMethodResult[] = [];
  private full = false;
  private readonly crowded = new Set<AuthMethodResult>();
  constructor(private readonly notes: Notes) {}

  /** Whether another result may still be added (noting the overflow once). */
  room(): boolean {
    if (this.results.length < MAX_RESULTS) return true;
    if (!this.full) {
      this.full = true;
      this.notes.add(`more than ${MAX_RESULTS} results: the rest not read`);
    }
    return false;
  }

  addProperty(r: AuthMethodResult, key: string, value: string, quoted: boolean): void {
    if (r.properties.length >= MAX_PROPERTIES) {
      if (!this.crowded.has(r)) {
        this.crowded.add(r);
        this.notes.add(`${r.method}: more than ${MAX_PROPERTIES} properties: the rest not read`);
      }
      return;
    }
    const dot = key.indexOf('.');
    const ptype = dot === -1 ? '' : key.slice(0, dot).toLowerCase();
    const property = (dot === -1 ? key : key.slice(dot + 1)).toLowerCase();
    if (value === '' && !quoted) this.notes.add(`${r.method}: property ${shown(key)} has no value`);
    r.properties.push({ ptype, property, value });
  }
}

/** Reads one resinfo ("method[/version]=result [reason=…] [ptype.property=value …]"). */
function readResinfo(entries: readonly Entry[], out: ParsedAuthResults, builder: ResultBuilder, notes: Notes): void {
  const first = entries[0]!;
  if ('bare' in first) {
    if (entries.length === 1 && first.bare.toLowerCase() === 'none') {
      if (builder.results.length > 0) notes.add('"none" (no result) after results: ignored');
      return;
    }
    if (entries.length === 1 && out.authservId === null && first.bare.includes('.')) {
      // Microsoft's older form: "spf=… smtp.mailfrom=…; example.net; dkim=…".
      out.authservId = first.bare;
      notes.add(`authserv-id ${shown(first.bare)} found after the first result (Microsoft's older form)`);
      return;
    }
    if (entries.length === 1 && out.authservId !== null && first.bare.toLowerCase() === out.authservId.toLowerCase()) return;
    notes.add(`an item without a method ignored: ${shown(first.bare)}`);
    return;
  }
  const slash = first.key.indexOf('/');
  const name = slash === -1 ? first.key : first.key.slice(0, slash);
  if (name.includes('.')) {
    // "…; header.i=@example.com": properties cut off from their result by a ";".
    const previous = builder.results[builder.results.length - 1];
    if (previous === undefined) {
      notes.add(`properties without a method before them ignored: ${shown(first.key)}`);
      return;
    }
    notes.add(`properties after a ";" read as ${previous.method}'s: ${shown(first.key)}`);
    for (const e of entries) if (!('bare' in e)) builder.addProperty(previous, e.key, e.value, e.quoted);
    return;
  }
  if (!isMethodName(name)) {
    notes.add(`not a method name, item ignored: ${shown(first.key)}`);
    return;
  }
  if (!builder.room()) return;
  let version: number | null = null;
  if (slash !== -1) {
    version = smallNumber(first.key.slice(slash + 1));
    if (version === null) notes.add(`${name}: method version ${shown(first.key.slice(slash + 1))} is not a number`);
  }
  const method = name.toLowerCase();
  if (first.value === '') notes.add(`${method}: no result`);
  const r: AuthMethodResult = { method, version, result: first.value.toLowerCase(), reason: null, properties: [] };
  builder.results.push(r);
  for (const e of entries.slice(1)) {
    if ('bare' in e) notes.add(`${method}: text without "=" ignored: ${shown(e.bare)}`);
    else if (e.key.toLowerCase() === 'reason') {
      if (r.reason === null) r.reason = e.value;
      else notes.add(`${method}: a second reason ignored`);
    } else builder.addProperty(r, e.key, e.value, e.quoted);
  }
}

/** Whether an item's first word is a "key=value" (a result, or ARC's "i=N"). */
function startsWithPair(entries: readonly Entry[]): boolean {
  const first = entries[0];
  return first !== undefined && !('bare' in first);
}

function readAuthResults(value: string, arc: boolean, out: ParsedAuthResults, notes: Notes): void {
  const tokens = tokenize(value, notes);
  const items = itemsOf(tokens).map(entriesOf);
  let index = 0;
  if (arc) {
    const head = items[0] ?? [];
    const first = head[0];
    if (first !== undefined && !('bare' in first) && first.key.toLowerCase() === 'i') {
      out.instance = smallNumber(first.value);
      if (out.instance === null) notes.add(`instance ${shown(first.value)} is not a number`);
      else if (out.instance < 1 || out.instance > 50) notes.add(`instance ${out.instance} is outside 1-50 (RFC 8617)`);
      if (head.length > 1) notes.add('text after the instance ignored');
      index = 1;
    } else notes.add('no instance ("i=N;") first');
  }
  const head = items[index] ?? [];
  if (startsWithPair(head)) {
    notes.add('no authserv-id: the first item is a result (as Microsoft writes it)');
  } else {
    const first = head[0];
    if (first === undefined) {
      if (items.length - index <= 1) notes.add('no authserv-id and no results');
      else notes.add('no authserv-id before the first ";"');
    } else {
      out.authservId = (first as { bare: string }).bare;
      const second = head[1];
      let extra = 1;
      if (second !== undefined && 'bare' in second && smallNumber(second.bare) !== null) {
        out.version = smallNumber(second.bare);
        extra = 2;
      }
      if (head.length > extra) notes.add(`text after the authserv-id ignored: ${shown(head.slice(extra).map(describeEntry).join(' '))}`);
    }
    index++;
  }
  const builder = new ResultBuilder(notes);
  for (let i = index; i < items.length; i++) {
    const entries = items[i]!;
    if (entries.length === 0) continue;
    if (builder.results.length >= MAX_RESULTS && !builder.room()) break;
    readResinfo(entries, out, builder, notes);
  }
  out.results = builder.results;
}

function describeEntry(e: Entry): string {
  return 'bare' in e ? e.bare : `${e.key}=${e.value}`;
}

/** Authentication-Results (RFC 8601) or, with arc=true, ARC-Authentication-Results (RFC 8617: "i=N;" first). */
export function parseAuthResults(value: string, arc?: boolean): ParsedAuthResults {
  const notes = new Notes();
  const out: ParsedAuthResults = { authservId: null, version: null, instance: null, results: [], notes: notes.list };
  try {
    readAuthResults(typeof value === 'string' ? value : '', arc === true, out, notes);
  } catch {
    notes.add('internal error while reading the value (a bug of mxray): the rest not read');
  }
  return out;
}

// ------------------------------------------------------------------------------ Received-SPF

const SPF_RESULTS = new Set(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror']);

function readReceivedSpf(value: string, out: ParsedReceivedSpf, notes: Notes): void {
  const tokens = tokenize(value, notes);
  let i = 0;
  while (i < tokens.length && tokens[i]!.kind === 'comment') i++; // [CFWS] before the result
  const first = tokens[i];
  if (first === undefined) {
    notes.add('no result');
    return;
  }
  if (first.kind === 'atom' && !first.text.includes('=')) {
    out.result = cap(first.text.toLowerCase());
    if (!SPF_RESULTS.has(out.result)) notes.add(`${shown(first.text)} is not an SPF result (RFC 7208 §8)`);
    i++;
    const comment = tokens[i];
    if (comment?.kind === 'comment') {
      out.comment = comment.text;
      i++;
    }
  } else notes.add('no result before the key=value pairs');
  const seen = new Set<string>();
  for (const e of entriesOf(tokens.slice(i))) {
    if ('bare' in e) {
      notes.add(`text without "=" ignored: ${shown(e.bare)}`);
      continue;
    }
    const key = e.key.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    switch (key) {
      case 'client-ip': out.clientIp = e.value; break;
      case 'envelope-from': out.envelopeFrom = e.value.startsWith('<') && e.value.endsWith('>') ? e.value.slice(1, -1) : e.value; break;
      case 'helo': out.helo = e.value; break;
      case 'receiver': out.receiver = e.value; break;
      case 'identity': out.identity = e.value; break;
      default: break; // problem, mechanism, x-… and vendors' own keys are not kept
    }
  }
}

/** Received-SPF (RFC 7208 §9.1): result, comment, key=value pairs. */
export function parseReceivedSpf(value: string): ParsedReceivedSpf {
  const notes = new Notes();
  const out: ParsedReceivedSpf = { result: null, comment: null, clientIp: null, envelopeFrom: null, helo: null, receiver: null, identity: null, notes: notes.list };
  try {
    readReceivedSpf(typeof value === 'string' ? value : '', out, notes);
  } catch {
    notes.add('internal error while reading the value (a bug of mxray): the rest not read');
  }
  return out;
}

// --------------------------------------------------------------------- what a result means

// What each result of each method means, in our own words: RFC 8601 §2.7 (dkim, spf, iprev,
// auth), RFC 7208 §8 (spf), RFC 7489 §11.2 (dmarc), RFC 8617 §4.4 (arc), RFC 6541 (dkim-atps),
// RFC 7281 (smime), the BIMI draft's IANA entries (bimi), Microsoft Learn (compauth, and dmarc's
// bestguesspass).
const COMMON: Record<string, string> = {
  temperror: 'the check could not be finished because of a temporary error (often DNS); a later try may succeed',
  permerror: 'the check could not be finished because of a permanent error (often a broken record); it needs the sender to fix it',
};

const MEANINGS: Record<string, Record<string, string>> = {
  spf: {
    pass: 'the sending IP address is allowed by the SPF record of the envelope sender\'s domain',
    fail: 'the SPF record says the sending IP address may not send for this domain (-all)',
    softfail: 'the SPF record says the sending IP address is probably not allowed (~all)',
    neutral: 'the SPF record makes no statement about the sending IP address (?all)',
    none: 'the domain publishes no SPF record, or no domain could be checked',
    policy: 'SPF passed, but the receiver\'s local policy does not accept the result',
    hardfail: 'an old word for fail: the SPF record says the sending IP address may not send for this domain',
    ...COMMON,
  },
  dkim: {
    pass: 'a DKIM signature verified: the signing domain vouches for the signed parts',
    fail: 'a DKIM signature did not verify: the message changed after signing, or the key does not match',
    neutral: 'a DKIM signature was found but could not be judged (for example a body hash that did not match)',
    none: 'the message carries no DKIM signature',
    policy: 'the signature verified, but the receiver\'s local policy does not accept it',
    ...COMMON,
  },
  dmarc: {
    pass: 'SPF or DKIM passed for a domain aligned with the From: domain',
    fail: 'neither SPF nor DKIM passed for a domain aligned with the From: domain',
    none: 'the From: domain publishes no DMARC record',
    bestguesspass: 'no DMARC record exists, but the message would pass DMARC if one did (Microsoft)',
    ...COMMON,
  },
  arc: {
    pass: 'the ARC chain of the intermediaries that handled the message validated',
    fail: 'the ARC chain is broken: a seal or signature did not validate',
    none: 'the message carries no ARC chain',
    ...COMMON,
  },
  compauth: {
    pass: 'Microsoft\'s composite authentication passed',
    fail: 'Microsoft\'s composite authentication failed (the message may still be delivered)',
    softpass: 'Microsoft\'s composite authentication soft-passed',
    none: 'Microsoft\'s composite authentication was not evaluated or was bypassed',
  },
  auth: {
    pass: 'the client authenticated to the receiving server (SMTP AUTH)',
    fail: 'the client\'s SMTP AUTH failed',
    none: 'the client did not use SMTP AUTH',
    ...COMMON,
  },
  iprev: {
    pass: 'the sending IP address has a reverse DNS name that resolves back to it',
    fail: 'the sending IP address has no reverse DNS name that resolves back to it',
    ...COMMON,
  },
  bimi: {
    pass: 'a BIMI logo record was found and its requirements met',
    none: 'the domain publishes no BIMI record',
    fail: 'the BIMI record or its logo could not be validated',
    declined: 'the domain declined to take part in BIMI',
    skipped: 'BIMI was not checked (for example because DMARC did not pass)',
    temperror: COMMON.temperror!,
  },
  'dkim-atps': {
    pass: 'the author\'s domain authorises the third-party domain that signed the message (RFC 6541)',
    fail: 'the author\'s domain does not authorise the third-party signer',
    none: 'no third-party signature authorisation was asked for',
    neutral: 'third-party signature authorisation was not decided (OpenDKIM: none was required)',
    ...COMMON,
  },
  smime: {
    pass: 'an S/MIME signature verified',
    fail: 'an S/MIME signature did not verify',
    neutral: 'an S/MIME signature could not be judged',
    none: 'the message carries no S/MIME signature',
    policy: 'the S/MIME signature verified, but local policy does not accept it',
    ...COMMON,
  },
};

/** compauth's reason codes (Microsoft Learn, "Anti-spam message headers in Microsoft 365"). */
function compauthReason(reason: string): string | null {
  if (reason.length !== 3 || smallNumber(reason) === null) return null;
  switch (reason) {
    case '000': return 'explicit authentication failed: DMARC failed and the domain\'s policy is quarantine or reject';
    case '001': return 'implicit authentication failed: the domain publishes no authentication records, or only weak ones (SPF ~all or ?all, DMARC p=none)';
    case '002': return 'the organisation\'s own policy forbids this sender and domain pair to send spoofed mail';
    case '010': return 'DMARC failed with policy quarantine or reject, and the domain is one of the organisation\'s own (spoofing from inside)';
    case '130': return 'authentication passed because an ARC result overrode a DMARC failure';
    default: break;
  }
  switch (reason[0]) {
    case '1':
    case '7': return 'authentication passed (the last two digits are Microsoft\'s internal codes)';
    case '2': return 'implicit authentication soft-passed (the last two digits are Microsoft\'s internal codes)';
    case '3': return 'the message was not checked for composite authentication';
    case '4':
    case '9': return 'the message bypassed composite authentication (the last two digits are Microsoft\'s internal codes)';
    case '6': return 'implicit authentication failed and the domain is one of the organisation\'s own (spoofing from inside)';
    default: return null;
  }
}

const LEGACY: Record<string, string> = {
  'sender-id': 'Sender ID, an obsolete check of the purported responsible address against SPF-like records',
  domainkeys: 'DomainKeys, the obsolete forerunner of DKIM',
  'dkim-adsp': 'DKIM ADSP, an obsolete author signing policy (historic since 2013)',
};

/** One line of words: what a method's result means ("dkim=fail: a DKIM signature did not verify ..."), for spf/dkim/dmarc/arc/compauth/auth/iprev/bimi/dkim-atps/smime/x-*: unknown methods get null. compauth reasons (Microsoft's composite authentication reason codes 000, 001, 002, 010, 1xx, 2xx, 3xx, 4xx, 6xx, 9xx, with their documented meanings) explained. */
export function describeAuthResult(r: AuthMethodResult): string | null {
  try {
    const method = String(r.method).toLowerCase();
    const result = String(r.result).toLowerCase();
    const head = `${method}=${result}`;
    const table = MEANINGS[method];
    if (table === undefined) {
      if (method.startsWith('x-')) return cap(`${head}: a private (x-) method of the receiver; its results have no standard meaning`);
      const legacy = LEGACY[method];
      return legacy === undefined ? null : cap(`${head}: ${legacy}`);
    }
    const meaning = Object.hasOwn(table, result) ? table[result]! : `"${result}" is not a result ${method} defines`;
    let line = `${head}: ${meaning}`;
    if (method === 'compauth' && r.reason !== null) {
      const why = compauthReason(r.reason.trim());
      line += why === null ? `; reason ${r.reason} is not a documented code` : `; reason ${r.reason}: ${why}`;
    }
    return cap(line);
  } catch {
    return null;
  }
}
