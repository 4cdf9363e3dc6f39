// The error-text engine: one line (or one diagnostic) in, every reply and status code it holds and
// every rule of kb/error-rules.ts that recognises it out, with the confirming command filled from
// what the text names. Built for whole logs: the rules' keywords are compiled once into one
// alternation of literals that rejects a line with no candidate before any rule's pattern runs.
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

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every keyword of every rule, lower case, as one alternation of literals (linear). */
const PREFILTER = new RegExp([...new Set(ERROR_RULES.flatMap((r) => r.keywords))].map(escape).join('|'));

/** Whether any rule could match this line (the prefilter alone). */
export function mayMatch(line: string): boolean {
  return PREFILTER.test(line.slice(0, MAX_TEXT).toLowerCase());
}

/** A capture as a command argument: host and domain names, addresses; anything else is dropped. */
function argument(value: string): string | null {
  const v = value.replace(/\.$/, '');
  return /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/.test(v) ? v : null;
}

function fill(template: string, captures: Readonly<Record<string, string>>): string {
  return template.replace(/\{(host|domain|ip)\}/g, (whole, name: string) => {
    const value = captures[name] ?? (name === 'domain' ? captures.host : name === 'host' ? (captures.domain ?? captures.ip) : undefined);
    return value !== undefined ? (argument(value) ?? whole) : whole;
  });
}

/** One line explained: its codes, and the rules that recognise it, in the catalogue's order. */
export function explainLine(input: string): LineExplanation {
  const text = input.slice(0, MAX_TEXT);
  const statuses = findStatuses(text);
  const lower = text.toLowerCase();
  const matches: RuleMatch[] = [];
  if (PREFILTER.test(lower)) {
    for (const rule of ERROR_RULES) {
      if (!rule.keywords.some((k) => lower.includes(k))) continue;
      for (const pattern of rule.patterns) {
        const m = pattern.exec(text);
        if (!m) continue;
        const captures: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) captures[k] = v.slice(0, 253);
        matches.push({ rule, captures, confirm: fill(rule.confirm, captures) });
        break;
      }
    }
  }
  // A library's reason quoted inside a message names no host itself: the message's captures fill its command.
  const named = matches.find((m) => Object.keys(m.captures).length > 0)?.captures;
  const filled = named ? matches.map((m) => (Object.keys(m.captures).length === 0 ? { ...m, confirm: fill(m.rule.confirm, named) } : m)) : matches;
  return { text, statuses, root: rootStatus(statuses), matches: filled };
}
