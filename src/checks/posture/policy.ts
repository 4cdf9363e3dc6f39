// An MTA-STS policy file (RFC 8461 §3.2) read as a sender reads it, and the MX host matching of
// §4.1. Pure: the text in, the fields and every problem out. What senders do with a problem is the
// judge's (mta-sts.ts); here a problem is only named.
import type { MtaStsPolicy } from '../../core/schema.js';
import { MTA_STS_MODES } from '../../core/vocabulary.js';

/** RFC 8461 §3.2: max_age "MUST be less than or equal to 31557600" (about a year). */
export const MAX_AGE_LIMIT = 31_557_600;

/** Patterns kept from one policy (a policy is at most 64 KiB: a few thousand lines at most). */
const MAX_PATTERNS = 1000;

export interface ParsedPolicy extends MtaStsPolicy {
  /** What is wrong, in words; a policy with any is invalid and senders ignore it (§3.2). */
  problems: string[];
  /** Field names senders ignore (extensions, or typos of ours: see `hints`). */
  unknown: string[];
  /** Words for a person: a typo of a field name, a pattern written as a URL … */
  hints: string[];
}

const KNOWN = ['version', 'mode', 'max_age', 'mx'];
/** Spellings people use for our fields: senders do not read them. */
const TYPOS: Readonly<Record<string, string>> = { 'max-age': 'max_age', maxage: 'max_age', 'max age': 'max_age', 'max_age ': 'max_age', 'mode ': 'mode', 'mx ': 'mx', 'version ': 'version' };

const PATTERN = /^(\*\.)?([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

function lineEndingsOf(text: string): MtaStsPolicy['lineEndings'] {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length - crlf;
  const cr = (text.match(/\r(?!\n)/g) ?? []).length;
  if (cr > 0 || (crlf > 0 && lf > 0)) return 'mixed';
  if (crlf > 0) return 'crlf';
  return lf > 0 ? 'lf' : 'none';
}

/** Reads a policy file's text (already cut at 64 KiB by the fetch). */
export function parsePolicy(text: string): ParsedPolicy {
  const problems: string[] = [];
  const unknown: string[] = [];
  const hints: string[] = [];
  const lineEndings = lineEndingsOf(text);
  // A byte-order mark makes the first key "\uFEFFversion": say so, not "wrong case".
  if (text.startsWith('\uFEFF')) hints.push('the file starts with a byte-order mark (U+FEFF), which senders read as part of the first field name: save it without one');
  if (lineEndings === 'mixed' && /\r(?!\n)/.test(text)) problems.push('lines end with a bare CR (only LF or CRLF end a line)');
  const seen = new Map<string, string>();
  const mx: string[] = [];
  let mxCut = false;
  const lines = text.split(/\r?\n/);
  // A final line end leaves one empty string.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, index) => {
    const where = `line ${index + 1}`;
    if (/^[ \t]*$/.test(raw)) return; // blank lines: tolerated by every sender we know
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    if (/[\x00-\x08\x0b-\x1f\x7f]/.test(raw.replace(/\r$/, ''))) {
      problems.push(`${where} holds a control character`);
      return;
    }
    const colon = raw.indexOf(':');
    if (colon < 0) {
      problems.push(`${where} "${raw.slice(0, 60)}" is not "key: value"`);
      return;
    }
    const key = raw.slice(0, colon);
    const value = raw.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (/[ \t]#/.test(value)) hints.push(`"#" on ${where} starts no comment: a policy file has none, so the text after it is read as part of the ${key} value`);
    if (!KNOWN.includes(key)) {
      unknown.push(key.slice(0, 40));
      const meant = TYPOS[key.toLowerCase()] ?? KNOWN.find((k) => k === key.toLowerCase().trim());
      if (meant && !key.startsWith('\uFEFF')) hints.push(`"${key}" on ${where} is not read as "${meant}" (field names are lower case, with no space before the colon)`);
      return;
    }
    if (key === 'mx') {
      const pattern = value.toLowerCase().replace(/\.$/, '');
      if (!PATTERN.test(pattern)) {
        problems.push(`mx "${value.slice(0, 80)}" on ${where} is not a host name or a *. wildcard`);
        if (/^[a-z]+:\/\//i.test(value) || value.includes('/')) hints.push(`mx "${value.slice(0, 80)}" looks like a URL: write the MX host name alone`);
        else if (/^\d+\s/.test(value)) hints.push(`mx "${value.slice(0, 80)}" carries an MX preference: write the host name alone`);
        return;
      }
      if (mx.length >= MAX_PATTERNS) mxCut = true;
      else if (!mx.includes(pattern)) mx.push(pattern);
      return;
    }
    if (seen.has(key)) {
      // RFC 8461 does not make it invalid; senders we know take the first.
      hints.push(`${key} is given again on ${where}: the first one is read`);
      return;
    }
    seen.set(key, value);
  });
  if (mxCut) hints.push(`only the first ${MAX_PATTERNS} mx patterns were read`);

  const version = seen.get('version') ?? null;
  if (version === null) problems.push('no version field (version: STSv1)');
  else if (version !== 'STSv1') problems.push(`version "${version.slice(0, 40)}" is not STSv1`);

  const modeText = seen.get('mode') ?? null;
  const mode = (MTA_STS_MODES as readonly string[]).includes(modeText ?? '') ? (modeText as MtaStsPolicy['mode']) : null;
  if (modeText === null) problems.push('no mode field (mode: enforce, testing or none)');
  else if (mode === null) problems.push(`mode "${modeText.slice(0, 40)}" is not enforce, testing or none (lower case)`);

  const ageText = seen.get('max_age') ?? null;
  let maxAge: number | null = null;
  if (ageText === null) problems.push('no max_age field (seconds senders keep the policy)');
  else if (!/^[0-9]{1,10}$/.test(ageText)) problems.push(`max_age "${ageText.slice(0, 40)}" is not a whole number of seconds`);
  else if (Number(ageText) > MAX_AGE_LIMIT) problems.push(`max_age ${ageText} is more than ${MAX_AGE_LIMIT} (about a year), the most RFC 8461 allows`);
  else maxAge = Number(ageText);

  if (mx.length === 0 && mode !== null && mode !== 'none') problems.push(`no mx pattern: with mode ${mode} no MX host is valid for MTA-STS senders`);
  return { version, mode, maxAge, mx, lineEndings, problems, unknown, hints };
}

/** An MX host name as matched: lower case, no trailing dot. */
export function mxName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * The first pattern that matches the MX host (RFC 8461 §4.1): the name itself, or "*." and a suffix
 * with exactly one label before it (a wildcard matches one left-most label only). null: none.
 */
export function matchMx(mx: string, patterns: readonly string[]): string | null {
  const name = mxName(mx);
  for (const pattern of patterns) {
    if (pattern.startsWith('*.')) {
      const suffix = pattern.slice(1); // ".example.com"
      const label = name.slice(0, name.length - suffix.length);
      if (name.endsWith(suffix) && label.length > 0 && !label.includes('.')) return pattern;
    } else if (pattern === name) return pattern;
  }
  return null;
}

/** Why a pattern that looks meant for this MX host does not match it (null: none looks meant for it). */
export function nearMiss(mx: string, patterns: readonly string[]): string | null {
  const name = mxName(mx);
  for (const pattern of patterns) {
    if (!pattern.startsWith('*.')) continue;
    const base = pattern.slice(2);
    if (name === base) return `${pattern} does not match ${base} itself: add "mx: ${base}".`;
    if (name.endsWith(`.${base}`)) {
      const extra = name.slice(0, name.length - base.length - 1);
      return `${pattern} matches one label only, and ${name} has ${extra.split('.').length} before ${base}: add "mx: *.${name.slice(name.indexOf('.') + 1)}" or "mx: ${name}".`;
    }
  }
  return null;
}
