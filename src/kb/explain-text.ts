// The error-text engine: one line (or one diagnostic) in, every reply and status code it holds and
// every rule of kb/error-rules.ts that recognises it out, with the confirming command filled from
// what the text names. Built for whole logs: every rule's keywords are compiled once into one
// alternation of literals (the prefilter), which rejects a line with no candidate before any rule's
// pattern runs; on a line it accepts, one scan finds every keyword present, and only the rules that
// own one of them are tried — never all rules one by one.
import { ERROR_RULES, type ErrorRule } from './error-rules.js';
import { findStatuses, MAX_TEXT, rootStatus, type FoundStatus } from './find-statuses.js';

export interface RuleMatch {
  rule: ErrorRule;
  /** The named groups the pattern captured (host, domain, ip …), each capped. */
  captures: Readonly<Record<string, string>>;
  /** The rule's confirming command, its placeholders filled from the captures (those not captured stay as written). */
  confirm: string;
}

export interface LineExplanation {
  /** The line as read (capped at MAX_TEXT characters). */
  text: string;
  statuses: FoundStatus[];
  /** The status that says what failed (the innermost of a wrapped reply). */
  root: FoundStatus | null;
  matches: RuleMatch[];
}

/** What the surroundings of a line name (a bounce's recipient domain, its remote MTA), for the placeholders the line leaves open. */
export interface LineContext {
  domain?: string | undefined;
  host?: string | undefined;
  ip?: string | undefined;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The keywords of a list of rules compiled into a scanner: given a lower-cased line, the indexes of
 * the rules owning a keyword the line contains, ascending. One alternation of the literals, longest
 * first, so that at any position it reports the longest keyword starting there; the shorter ones that
 * start there too are its prefixes (looked up), and keywords starting inside it are found by
 * resuming one position on. Linear: literals only.
 */
export function keywordScanner(keywordLists: readonly (readonly string[])[], options: { warmAfter?: number } = {}): { test: (lower: string) => boolean; candidates: (lower: string) => number[] } {
  const keywords = [...new Set(keywordLists.flat())].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  if (keywords.length === 0) return { test: () => false, candidates: () => [] };
  // The first few lines (one error text, as a person pastes it) are looked up keyword by keyword:
  // compiling the alternation costs more than that (start-up of `mxray explain "<text>"`); a log
  // goes on to the alternation. Both give the same answers.
  const warmAfter = options.warmAfter ?? 64;
  let uses = 0;
  // One RegExp for both uses, made on first use: compiling an alternation of hundreds of literals is what costs.
  let compiled: RegExp | null = null;
  const regexp = (): RegExp => (compiled ??= new RegExp(keywords.map(escape).join('|'), 'g'));
  // Built in one pass over the lists and one over each keyword's prefixes (start-up matters: every `mxray explain` builds this).
  const owners = new Map<string, number[]>(keywords.map((k) => [k, []]));
  keywordLists.forEach((list, i) => {
    for (const k of new Set(list)) owners.get(k)?.push(i);
  });
  const also = new Map<string, number[]>();
  for (const k of keywords) {
    const all = [...(owners.get(k) ?? [])];
    for (let n = 1; n < k.length; n++) all.push(...(owners.get(k.slice(0, n)) ?? []));
    also.set(k, all);
  }
  return {
    test(lower) {
      if (uses++ < warmAfter) return keywords.some((k) => lower.includes(k));
      const scan = regexp();
      scan.lastIndex = 0;
      return scan.test(lower);
    },
    candidates(lower) {
      if (uses++ < warmAfter) return [...new Set(keywords.flatMap((k) => (lower.includes(k) ? (owners.get(k) ?? []) : [])))].sort((a, b) => a - b);
      const found = new Set<number>();
      const scan = regexp();
      scan.lastIndex = 0;
      for (let m = scan.exec(lower); m !== null; m = scan.exec(lower)) {
        for (const i of also.get(m[0]) ?? []) found.add(i);
        scan.lastIndex = m.index + 1;
      }
      return [...found].sort((a, b) => a - b);
    },
  };
}

const SCANNER = keywordScanner(ERROR_RULES.map((r) => r.keywords));

/** Whether any rule could match this line (the prefilter alone). */
export function mayMatch(line: string): boolean {
  return SCANNER.test(line.slice(0, MAX_TEXT).toLowerCase());
}

/** A capture as a command argument: host and domain names, addresses; anything else is dropped. */
function argument(value: string): string | null {
  const v = value.replace(/\.$/, '');
  return /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/.test(v) ? v : null;
}

/** Addresses after which a mail address is the recipient's: Postfix "to=<", an SMTP "RCPT TO:<", a DSN's "rfc822;", Exim's "** " and "=> ". */
const RECIPIENT = /(?:\bto=<|\bRCPT TO: ?<|rfc822; ?<?|^\*\* |\s\*\* |\s[=-]> )[^@\s<>"]{1,64}@([A-Za-z0-9][A-Za-z0-9.-]{0,252})/i;
const ANY_ADDRESS = /(^|[^\w.+=-])[\w.+=-]{1,64}@([A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63}){1,8})/g;
const SENDER_BEFORE = /(?:from=<|MAIL FROM: ?<|<=\s)$/i;

/** A line of a receiving server about a client (Postfix smtpd, a rejected RCPT, Exim's reception): its recipient is this server's own domain. */
const RECEIVING = /postfix\/smtpd\[|NOQUEUE: reject: RCPT from |\sRCPT from |\s<= /;

/** The recipient domain a line names: after a recipient marker, else the one domain of its addresses not marked as the sender's. */
function recipientDomain(text: string): string | undefined {
  if (RECEIVING.test(text)) return undefined;
  const marked = RECIPIENT.exec(text);
  if (marked) return marked[1];
  const domains = new Set<string>();
  for (const m of text.matchAll(ANY_ADDRESS)) {
    const at = (m.index ?? 0) + (m[1] as string).length;
    if (SENDER_BEFORE.test(text.slice(Math.max(0, at - 12), at))) continue;
    domains.add((m[2] as string).toLowerCase());
    if (domains.size > 1) return undefined;
  }
  return [...domains][0];
}

/** The engine's own patterns over hostile text, for the lint step's backtracking check (scripts/check-patterns.js). */
export const ENGINE_PATTERNS: Readonly<Record<string, RegExp>> = { RECIPIENT, ANY_ADDRESS, SENDER_BEFORE, RECEIVING };

/**
 * A template's placeholders filled: {domain} by a domain (else the host), {host} by a host (else
 * the domain or the address) — but a rule about the sender's own server never takes the recipient's
 * domain or the answering server for its {host}.
 */
function fill(template: string, captures: Readonly<Record<string, string>>, own: Readonly<Record<string, string>> = captures): string {
  return template.replace(/\{(host|domain|ip)\}/g, (whole, name: string) => {
    const value = name === 'domain' ? (captures.domain ?? captures.host) : name === 'host' ? (own.host ?? own.domain ?? own.ip) : captures.ip;
    return value !== undefined ? (argument(value) ?? whole) : whole;
  });
}

/** One line explained: its codes, and the rules that recognise it, in the catalogue's order. */
export function explainLine(input: string, context: LineContext = {}): LineExplanation {
  const text = input.slice(0, MAX_TEXT);
  const statuses = findStatuses(text);
  const lower = text.toLowerCase();
  const found: { rule: ErrorRule; captures: Record<string, string> }[] = [];
  if (SCANNER.test(lower)) {
    for (const i of SCANNER.candidates(lower)) {
      const rule = ERROR_RULES[i] as ErrorRule;
      for (const pattern of rule.patterns) {
        const m = pattern.exec(text);
        if (!m) continue;
        const captures: Record<string, string> = {};
        // Postfix and Exim write "unknown" for a peer without a name: the address names it then.
        for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined && !(k === 'host' && v.toLowerCase() === 'unknown')) captures[k] = v.slice(0, 253);
        found.push({ rule, captures });
        break;
      }
    }
  }
  // A rule for one case of a general rule's message replaces the general one.
  const superseded = new Set(found.flatMap((f) => f.rule.supersedes ?? []));
  if (superseded.size) found.splice(0, found.length, ...found.filter((f) => !superseded.has(f.rule.id)));
  // What the line names beyond a rule's own captures: a library's reason quoted inside a message
  // names no host itself, so the message's captures fill its command; then the recipient's domain
  // the line names; then what the surroundings (a bounce) name.
  const named = found.find((m) => ['host', 'domain', 'ip'].some((k) => m.captures[k] !== undefined))?.captures ?? {};
  const domain = found.length ? recipientDomain(text) : undefined;
  const around: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ip: context.ip, host: context.host, domain: context.domain ?? domain })) if (v !== undefined) around[k] = v;
  // The surroundings name the recipient's domain and the server that answered: never the host of a rule about the sender's own server.
  const matches = found.map(({ rule, captures }) => {
    const all = { ...around, ...named, ...captures };
    return { rule, captures, confirm: fill(rule.confirm, all, rule.fault === 'sender' ? { ...named, ...captures } : all) };
  });
  return { text, statuses, root: rootStatus(statuses), matches };
}
