// SPF (RFC 7208) evaluated for the sending client: check_host() over the Resolver port, bounded by
// the RFC's own limits (10 lookups, 2 void lookups, 10 MX names, 10 PTR names) and a depth bound.
// Every outcome is data: a DNS failure is "temperror", a broken record "permerror" with the reason.
// Supported: every mechanism (all, include, a, mx, ptr, ip4, ip6, exists), redirect=, the qualifiers,
// the macros s l o d i h v p (p always expands to "unknown": RFC 7208 §7.3 lets a name that cannot
// be validated stand so, and the macro is discouraged); c r t are explanation-only, so they are a
// syntax error elsewhere; exp= is parsed and ignored (we never need the explanation).
import type { Resolver } from '../../core/context.js';
import { ipFamily, ipv6Bytes, inNetwork, parseCidr } from '../../core/ip.js';
import { normalizeDnsName } from '../../core/names.js';
import { SPF_RESULTS } from '../../core/sender-schema.js';
import { ask, isMx, isText, isTxt } from './dns-query.js';

export type SpfResult = (typeof SPF_RESULTS)[number];

/** What the schema keeps of one evaluation (SenderDns['spf']). */
export interface SpfOutcome {
  record: string | null;
  result: SpfResult;
  mechanism: string | null;
  lookups: number;
  reason: string | null;
  names: string[];
}

/** The inputs of check_host(): the client address, the domain and sender checked, and the HELO name (for %{h}). */
export interface SpfIdentity {
  ip: string;
  domain: string;
  /** local-part@domain; a sender without local part is "postmaster@domain" (RFC 7208 §4.3). */
  sender: string;
  helo: string;
}

const MAX_LOOKUPS = 10;
const MAX_VOID = 2;
const MAX_MX_NAMES = 10;
const MAX_PTR_NAMES = 10;
/** Unreachable within 10 lookups (each include counts), kept so no path can recurse without end. */
const MAX_DEPTH = 12;
/** TXT records read per name, addresses checked per answer: far above real zones, far below harm. */
const MAX_TXT = 64;
const MAX_ADDRESSES = 128;
const MAX_NAMES = 50;
const RECORD_MAX = 2048;
const TEXT_MAX = 300;
const NAME_MAX = 256;

/** An evaluation stopped by an error; `mechanism` is the top-level term being evaluated (set on the way up). */
class SpfStop {
  mechanism: string | null = null;
  constructor(
    readonly result: 'permerror' | 'temperror',
    readonly reason: string,
  ) {}
}

interface Run {
  resolver: Resolver;
  ip: string;
  family: 4 | 6;
  sender: string;
  helo: string;
  lookups: number;
  voids: number;
  names: string[];
  signal: AbortSignal | undefined;
  /** The checked domain's own record, once found. */
  topRecord: string | null;
}

/** One level's verdict (a matched term, or the default / none / an error found in the record itself). */
interface Verdict {
  result: SpfResult;
  mechanism: string | null;
  reason: string | null;
  record: string | null;
}

type Mechanism =
  | { kind: 'all' }
  | { kind: 'include' | 'exists' | 'ptr'; target: string }
  | { kind: 'a' | 'mx'; target: string; v4: number; v6: number }
  | { kind: 'ip'; network: { bytes: number[]; bits: number } };

interface Directive {
  qualifier: string;
  mechanism: Mechanism;
  /** The term as written, for the report. */
  text: string;
}

interface ParsedRecord {
  directives: Directive[];
  redirect: { target: string; text: string } | null;
}

const QUALIFIED: Readonly<Record<string, SpfResult>> = { '+': 'pass', '': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };
const MECHANISM = /^([+\-~?]?)(all|include|a|mx|ptr|ip4|ip6|exists)(?=$|[:/])(.*)$/i;
const MODIFIER = /^([a-z][a-z0-9_.-]*)=(.*)$/i;
const DUAL_CIDR = /^(.*?)(?:\/([0-9]+))?(?:\/\/([0-9]+))?$/;
const LABEL = /^[a-z0-9_-]{1,63}$/i;
const TOPLABEL = /^(?=.*[a-z])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

const cap = (text: string, max = TEXT_MAX): string => text.slice(0, max);

/** A name check_host() may look up (RFC 7208 §4.3): at most 253 characters, two labels or more, none empty or over 63. */
export function isSpfDomain(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l));
}

/** An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is its IPv4 address (RFC 7208 §5); others unchanged. */
export function unmapIPv4(ip: string): string {
  if (ipFamily(ip) !== 6) return ip;
  const b = ipv6Bytes(ip);
  const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? b.slice(12).join('.') : ip;
}

/** Whether two IP literals are one address (IPv6 has many spellings). */
export function sameAddress(a: string, b: string): boolean {
  const network = parseCidr(unmapIPv4(b));
  return network !== null && inNetwork(unmapIPv4(a), network);
}

/**
 * The identity SPF checks for a MAIL FROM (RFC 7208 §2.4): its domain, or for the null sender
 * ('') the HELO name as "postmaster@<helo>". Null when there is nothing to check (null sender, no greeting).
 */
export function spfIdentity(ip: string, mailFrom: string, helo: string | null): SpfIdentity | null {
  const heloName = helo === null ? '' : normalizeDnsName(helo);
  if (mailFrom === '') return helo === null ? null : { ip, domain: heloName, sender: `postmaster@${heloName}`, helo: heloName };
  const at = mailFrom.lastIndexOf('@');
  const local = at > 0 ? mailFrom.slice(0, at) : 'postmaster';
  const domain = normalizeDnsName(mailFrom.slice(at + 1));
  return { ip, domain, sender: `${local}@${domain}`, helo: heloName };
}

// ---------------------------------------------------------------- macros (RFC 7208 §7)

/** %{i}: an IPv4 address as written, an IPv6 one as 32 dot-separated nibbles. */
function macroIp(ip: string, family: 4 | 6): string {
  if (family === 4) return ip;
  return ipv6Bytes(ip)
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .split('')
    .join('.');
}

function macroValue(letter: string, run: Run, domain: string): string {
  const at = run.sender.lastIndexOf('@');
  switch (letter) {
    case 's':
      return run.sender;
    case 'l':
      return run.sender.slice(0, at);
    case 'o':
      return run.sender.slice(at + 1);
    case 'd':
      return domain;
    case 'i':
      return macroIp(run.ip, run.family);
    case 'v':
      return run.family === 4 ? 'in-addr' : 'ip6';
    case 'h':
      return run.helo;
    default:
      // 'p': the validated name of the client; not validated here (see the header).
      return 'unknown';
  }
}

/** One %{…} body: letter, optional digits, optional "r", delimiters. */
const MACRO = /^([slodiphcrtv])([0-9]*)(r?)([.\-+,/_=]*)$/i;

/** Expands a macro-string; throws SpfStop (permerror) on a syntax error. */
function expand(spec: string, run: Run, domain: string): string {
  let out = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c !== '%') {
      if (c < '!' || c > '~') throw new SpfStop('permerror', `character ${JSON.stringify(c)} is not allowed in "${cap(spec, 100)}"`);
      out += c;
      continue;
    }
    const next = spec[i + 1];
    if (next === '%') out += '%';
    else if (next === '_') out += ' ';
    else if (next === '-') out += '%20';
    else if (next === '{') {
      const end = spec.indexOf('}', i + 2);
      const body = end === -1 ? null : MACRO.exec(spec.slice(i + 2, end));
      if (end === -1 || body === null) throw new SpfStop('permerror', `bad macro in "${cap(spec, 100)}"`);
      const [, letterAsWritten, digits, reverse, delimiters] = body as unknown as [string, string, string, string, string];
      const letter = letterAsWritten.toLowerCase();
      if (letter === 'c' || letter === 'r' || letter === 't') throw new SpfStop('permerror', `macro %{${letter}} is allowed only in an explanation`);
      if (digits !== '' && Number(digits) === 0) throw new SpfStop('permerror', `macro %{${body[0]}} keeps zero labels`);
      let parts = macroValue(letter, run, domain).split(new RegExp(`[${(delimiters || '.').replace(/[-\\\]]/g, '\\$&')}]`));
      if (reverse !== '') parts = parts.reverse();
      if (digits !== '') parts = parts.slice(-Math.min(Number(digits), parts.length));
      const value = parts.join('.');
      // An upper-case macro letter asks for URL escaping (§7.3).
      out += letterAsWritten === letter ? value : encodeURIComponent(value);
      i = end;
      continue;
    } else throw new SpfStop('permerror', `a "%" that starts no macro in "${cap(spec, 100)}"`);
    i++;
  }
  return out;
}

/** A domain-spec expanded to the name to look up; syntax checked, cut to 253 characters from the left (§7.3). */
function targetOf(spec: string, run: Run, domain: string, term: string): string {
  if (spec === '') throw new SpfStop('permerror', `${cap(term, 100)}: no domain`);
  if (!spec.endsWith('}')) {
    // domain-end (§7.1): "." and a top label that is not all digits, unless a macro ends it.
    const labels = (spec.endsWith('.') ? spec.slice(0, -1) : spec).split('.');
    if (labels.length < 2 || !TOPLABEL.test(labels[labels.length - 1]!)) throw new SpfStop('permerror', `${cap(term, 100)}: not a domain name`);
  }
  let name = expand(spec, run, domain);
  while (name.length > 253 && name.includes('.')) name = name.slice(name.indexOf('.') + 1);
  return normalizeDnsName(name);
}

// ---------------------------------------------------------------- parsing (§4.6)

function cidrLength(text: string | undefined, max: number, term: string): number {
  if (text === undefined) return max;
  if (!/^(?:0|[1-9][0-9]{0,2})$/.test(text) || Number(text) > max) throw new SpfStop('permerror', `${cap(term, 100)}: bad CIDR length /${cap(text, 10)}`);
  return Number(text);
}

function parseMechanism(name: string, rest: string, run: Run, domain: string, term: string): Mechanism {
  const needsDomain = (): string => {
    if (!rest.startsWith(':')) throw new SpfStop('permerror', `${cap(term, 100)}: no domain`);
    return targetOf(rest.slice(1), run, domain, term);
  };
  switch (name) {
    case 'all':
      if (rest !== '') throw new SpfStop('permerror', `${cap(term, 100)}: "all" takes no argument`);
      return { kind: 'all' };
    case 'include':
    case 'exists':
      return { kind: name, target: needsDomain() };
    case 'ptr':
      return { kind: 'ptr', target: rest === '' ? domain : needsDomain() };
    case 'a':
    case 'mx': {
      const [, spec, v4, v6] = DUAL_CIDR.exec(rest) as unknown as [string, string, string | undefined, string | undefined];
      if (spec !== '' && !spec.startsWith(':')) throw new SpfStop('permerror', `${cap(term, 100)}: bad syntax`);
      return {
        kind: name,
        target: spec === '' ? domain : targetOf(spec.slice(1), run, domain, term),
        v4: cidrLength(v4, 32, term),
        v6: cidrLength(v6, 128, term),
      };
    }
    default: {
      // ip4 / ip6
      const family = name === 'ip4' ? 4 : 6;
      const [address = '', length, ...more] = rest.slice(1).split('/');
      if (!rest.startsWith(':') || more.length > 0 || ipFamily(address) !== family) {
        throw new SpfStop('permerror', `${cap(term, 100)}: not an IPv${family} network`);
      }
      const bits = cidrLength(length, family === 4 ? 32 : 128, term);
      return { kind: 'ip', network: parseCidr(`${address}/${bits}`)! };
    }
  }
}

/** The whole record, or SpfStop (permerror): a syntax error anywhere means nothing is evaluated (§4.6). */
function parseRecord(record: string, run: Run, domain: string): ParsedRecord {
  const directives: Directive[] = [];
  let redirect: ParsedRecord['redirect'] = null;
  let exp = false;
  const terms = record.slice('v=spf1'.length).split(' ').filter((t) => t !== '');
  for (const term of terms) {
    const m = MECHANISM.exec(term);
    if (m) {
      const [, qualifier, name, rest] = m as unknown as [string, string, string, string];
      directives.push({ qualifier, mechanism: parseMechanism(name.toLowerCase(), rest, run, domain, term), text: term });
      continue;
    }
    const mod = MODIFIER.exec(term);
    if (!mod) throw new SpfStop('permerror', `unknown mechanism "${cap(term, 100)}"`);
    const name = mod[1]!.toLowerCase();
    if (name === 'redirect') {
      if (redirect !== null) throw new SpfStop('permerror', 'more than one redirect=');
      redirect = { target: targetOf(mod[2]!, run, domain, term), text: term };
    } else if (name === 'exp') {
      if (exp) throw new SpfStop('permerror', 'more than one exp=');
      exp = true;
    }
    // Unknown modifiers are ignored (§6).
  }
  // "redirect=" is ignored where the record has "all" (§6.1): "all" always matches, so evaluation never reaches it.
  return { directives, redirect };
}

/** The names a record points at, for comparison with the EHLO name. */
function noteNames(run: Run, parsed: ParsedRecord): void {
  const targets = parsed.directives.flatMap((d) => ('target' in d.mechanism ? [d.mechanism.target] : []));
  if (parsed.redirect !== null) targets.push(parsed.redirect.target);
  for (const t of targets) {
    if (run.names.length >= MAX_NAMES) return;
    const name = cap(t, NAME_MAX);
    if (!run.names.includes(name)) run.names.push(name);
  }
}

// ---------------------------------------------------------------- evaluation (§4.6, §5)

function countLookup(run: Run): void {
  run.lookups++;
  if (run.lookups > MAX_LOOKUPS) throw new SpfStop('permerror', `more than ${MAX_LOOKUPS} DNS lookups`);
}

function countVoid(run: Run): void {
  run.voids++;
  if (run.voids > MAX_VOID) throw new SpfStop('permerror', `more than ${MAX_VOID} void lookups`);
}

/** The client family's addresses of a name; null for none (NXDOMAIN, NODATA, an empty answer); DNS failure: temperror. */
async function addressesOf(run: Run, name: string): Promise<string[] | null> {
  const qtype = run.family === 4 ? 'A' : 'AAAA';
  const answer = await ask(() => (run.family === 4 ? run.resolver.a(name) : run.resolver.aaaa(name)), isText, MAX_ADDRESSES, run.signal);
  if (answer.ok) return answer.records.length > 0 ? answer.records : null;
  if (answer.empty) return null;
  throw new SpfStop('temperror', `${qtype} ${cap(name, 200)}: ${answer.error}`);
}

function anyIn(run: Run, addresses: readonly string[], v4: number, v6: number): boolean {
  return addresses.some((a) => {
    const network = parseCidr(`${a}/${run.family === 4 ? v4 : v6}`);
    return network !== null && inNetwork(run.ip, network);
  });
}

async function matchA(run: Run, target: string, v4: number, v6: number): Promise<boolean> {
  countLookup(run);
  const addresses = await addressesOf(run, target);
  if (addresses === null) countVoid(run);
  return addresses !== null && anyIn(run, addresses, v4, v6);
}

async function matchMx(run: Run, target: string, v4: number, v6: number, term: string): Promise<boolean> {
  countLookup(run);
  const answer = await ask(() => run.resolver.mx(target), isMx, MAX_MX_NAMES + 1, run.signal);
  if (!answer.ok && !answer.empty) throw new SpfStop('temperror', `MX ${cap(target, 200)}: ${answer.error}`);
  const records = answer.ok ? answer.records : [];
  if (records.length === 0) {
    countVoid(run);
    return false;
  }
  if (records.length > MAX_MX_NAMES) throw new SpfStop('permerror', `${cap(term, 100)}: more than ${MAX_MX_NAMES} MX names`);
  const exchanges = [...records].sort((x, y) => x.priority - y.priority).map((r) => normalizeDnsName(r.exchange));
  // Asked together, read in preference order: a failure before a match is a temperror, as asked one by one.
  const lookups = exchanges.map((e) => (e === '' ? Promise.resolve(null) : addressesOf(run, e).then((a) => a, (err: unknown) => err as SpfStop)));
  for (const pending of lookups) {
    const addresses = await pending;
    if (addresses instanceof SpfStop) throw addresses;
    if (addresses !== null && anyIn(run, addresses, v4, v6)) return true;
  }
  return false;
}

async function matchPtr(run: Run, target: string): Promise<boolean> {
  countLookup(run);
  // A failed PTR lookup is no match, and a failed address lookup skips that name (§5.5).
  const answer = await ask(() => run.resolver.ptr(run.ip), isText, MAX_PTR_NAMES, run.signal);
  if (!answer.ok) return false;
  for (const raw of answer.records) {
    const name = normalizeDnsName(raw);
    if (!(name === target || name.endsWith(`.${target}`)) || !isSpfDomain(name)) continue;
    try {
      const addresses = await addressesOf(run, name);
      if (addresses !== null && addresses.some((a) => sameAddress(a, run.ip))) return true;
    } catch {
      // skipped
    }
  }
  return false;
}

async function matchExists(run: Run, target: string): Promise<boolean> {
  countLookup(run);
  // Always an A query, whatever the client's family (§5.7).
  const answer = await ask(() => run.resolver.a(target), isText, 1, run.signal);
  if (answer.ok && answer.records.length > 0) return true;
  if (!answer.ok && !answer.empty) throw new SpfStop('temperror', `A ${cap(target, 200)}: ${answer.error}`);
  countVoid(run);
  return false;
}

/** An include's or redirect's record, where "none" is the including record's error (§5.2, §6.1). */
async function nested(run: Run, target: string, term: string, depth: number): Promise<Verdict> {
  countLookup(run);
  const inner = await checkHost(run, target, depth + 1);
  if (inner.result === 'none') throw new SpfStop('permerror', `${cap(term, 100)}: ${inner.reason ?? 'no SPF record'}`);
  // A failed lookup below is thrown, not returned: what comes back broken is the record itself.
  if (inner.result === 'permerror') throw new SpfStop('permerror', `${cap(term, 100)}: ${inner.reason ?? 'permerror'}`);
  return inner;
}

/** Whether a directive matches; for an include, the inner verdict that made it (for the reason). */
async function matches(run: Run, d: Directive, depth: number): Promise<{ match: boolean; via: Verdict | null }> {
  const m = d.mechanism;
  switch (m.kind) {
    case 'all':
      return { match: true, via: null };
    case 'ip':
      return { match: inNetwork(run.ip, m.network), via: null };
    case 'a':
      return { match: await matchA(run, m.target, m.v4, m.v6), via: null };
    case 'mx':
      return { match: await matchMx(run, m.target, m.v4, m.v6, d.text), via: null };
    case 'ptr':
      return { match: await matchPtr(run, m.target), via: null };
    case 'exists':
      return { match: await matchExists(run, m.target), via: null };
    default: {
      const inner = await nested(run, m.target, d.text, depth);
      return { match: inner.result === 'pass', via: inner };
    }
  }
}

function matchedIn(inner: Verdict, target: string): string {
  return inner.reason ?? `${inner.mechanism ?? 'no mechanism matched'} in the SPF record of ${target}`;
}

/** The SPF records among a name's TXT records: "v=spf1" alone or followed by a space (§4.5). */
function spfRecords(records: readonly string[][]): string[] {
  return records.map((r) => r.join('')).filter((t) => /^v=spf1(?: |$)/i.test(t));
}

async function checkHost(run: Run, domain: string, depth: number): Promise<Verdict> {
  const none = (reason: string): Verdict => ({ result: 'none', mechanism: null, reason, record: null });
  if (!isSpfDomain(domain)) return none(`"${cap(domain, 100)}" is not a domain name SPF can check`);
  if (depth > MAX_DEPTH) throw new SpfStop('permerror', 'includes nested too deeply');
  const answer = await ask(() => run.resolver.txt(domain), isTxt, MAX_TXT, run.signal);
  if (!answer.ok && !answer.empty) throw new SpfStop('temperror', `TXT ${cap(domain, 200)}: ${answer.error}`);
  if (!answer.ok && answer.error === 'NXDOMAIN') return none(`${domain} does not exist`);
  const records = spfRecords(answer.ok ? answer.records : []);
  if (records.length === 0) return none(`${domain} has no SPF record`);
  const record = records.join('\n');
  if (depth === 0) run.topRecord = record;
  if (records.length > 1) return { result: 'permerror', mechanism: null, reason: `${domain} has ${records.length} SPF records`, record };
  let parsed: ParsedRecord;
  try {
    parsed = parseRecord(record, run, domain);
  } catch (err) {
    if (err instanceof SpfStop) return { result: err.result, mechanism: null, reason: err.reason, record };
    throw err;
  }
  noteNames(run, parsed);
  let current: string | null = null;
  try {
    for (const d of parsed.directives) {
      current = d.text;
      const { match, via } = await matches(run, d, depth);
      if (match) return { result: QUALIFIED[d.qualifier]!, mechanism: d.text, reason: via === null ? null : matchedIn(via, d.mechanism.kind === 'include' ? d.mechanism.target : domain), record };
    }
    if (parsed.redirect === null) return { result: 'neutral', mechanism: null, reason: `no mechanism matched in the SPF record of ${domain}`, record };
    current = parsed.redirect.text;
    const inner = await nested(run, parsed.redirect.target, parsed.redirect.text, depth);
    return { result: inner.result, mechanism: parsed.redirect.text, reason: matchedIn(inner, parsed.redirect.target), record };
  } catch (err) {
    // On the way up each level names its own term: the top level's is what the report shows.
    if (err instanceof SpfStop) err.mechanism = current;
    throw err;
  }
}

/**
 * check_host() for the client address and the identity. Never throws: DNS failures are
 * temperror, a broken record permerror; `signal` stops it (temperror "stopped").
 */
export async function evaluateSpf(resolver: Resolver, identity: SpfIdentity, signal?: AbortSignal): Promise<SpfOutcome> {
  const ip = unmapIPv4(identity.ip);
  const family = ipFamily(ip);
  const run: Run = {
    resolver,
    ip,
    family: family === 6 ? 6 : 4,
    sender: identity.sender,
    helo: identity.helo,
    lookups: 0,
    voids: 0,
    names: [],
    signal,
    topRecord: null,
  };
  const done = (v: Verdict): SpfOutcome => ({
    record: v.record === null ? null : cap(v.record, RECORD_MAX),
    result: v.result,
    mechanism: v.mechanism === null ? null : cap(v.mechanism),
    // The lookup that broke the limit is counted too: "11" says why.
    lookups: run.lookups,
    reason: v.reason === null ? null : cap(v.reason),
    names: run.names,
  });
  if (family === 0) return done({ result: 'temperror', mechanism: null, reason: `the client address "${cap(identity.ip, 64)}" is no IP address`, record: null });
  try {
    return done(await checkHost(run, identity.domain, 0));
  } catch (err) {
    // The top record is kept for the report even when evaluating it failed further down.
    if (err instanceof SpfStop) return done({ result: err.result, mechanism: err.mechanism, reason: err.reason, record: run.topRecord });
    return done({ result: 'temperror', mechanism: null, reason: `internal error: ${err instanceof Error ? err.message : 'unknown'}`, record: run.topRecord });
  }
}
