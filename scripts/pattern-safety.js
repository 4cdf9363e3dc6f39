// Whether a pattern is safe on hostile text (used by scripts/check-patterns.js, the lint step, and
// its test): one match attempt must be bounded — checked with redos-detector, anchored, because the
// engine tries each start position once — and no repeat may be unbounded (`*`, `+`, `{n,}`), which
// would make the attempts together cost up to the square of the line's length.
import { isSafePattern, toFriendly } from 'redos-detector';

/** The unbounded repeats of a pattern (`*`, `+`, `{n,}` outside character classes and escapes). */
export function unboundedRepeats(source) {
  const found = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '*' || c === '+') found.push(`${c} at ${i}`);
    else if (c === '{' && /^\{\d+,\}/.test(source.slice(i))) found.push(`{n,} at ${i}`);
  }
  return found;
}

/** What is wrong with a pattern, one line each; empty when it is safe. */
export function patternProblems(re) {
  const unbounded = unboundedRepeats(re.source);
  if (unbounded.length) return [`unbounded repeat: ${unbounded.join(', ')} — give it a bound ({0,N})`];
  // The checker's parser lacks named groups; a plain group backtracks the same.
  const source = `^(?:${re.source.replace(/\(\?<([A-Za-z]\w*)>/g, '(')})`;
  const result = isSafePattern(source, { caseInsensitive: re.flags.includes('i'), multiLine: re.flags.includes('m'), dotAll: re.flags.includes('s'), unicode: re.flags.includes('u') });
  return result.safe ? [] : toFriendly(result).split('\n').filter((l) => l.trim()).slice(0, 6);
}
