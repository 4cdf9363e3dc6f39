// The lint step's pattern check (scripts/pattern-safety.js, run by scripts/check-patterns.js in
// `npm run lint`): it refuses the patterns that backtrack catastrophically and the unbounded repeats
// that make a scan quadratic, and passes the shapes the error-text rules are written in.
import { describe, expect, it } from 'vitest';
// @ts-expect-error — a plain JavaScript module of the lint step, without types.
import { patternProblems, unboundedRepeats } from '../../../scripts/pattern-safety.js';

const problems = (re: RegExp): string[] => patternProblems(re) as string[];

describe('patternProblems', () => {
  it('refuses nested and overlapping repeats (exponential in one attempt), even when bounded', () => {
    expect(problems(/(a+)+b/)).not.toEqual([]);
    expect(problems(/(?:a{1,20}){1,20}b/)).not.toEqual([]);
    expect(problems(/host (?<host>[a-z.]{0,200})[^()]{0,120}\(/i)).not.toEqual([]);
  });

  it('refuses unbounded repeats outside classes and escapes', () => {
    expect(unboundedRepeats('a*b')).toEqual(['* at 1']);
    expect(unboundedRepeats('\\d+')).toEqual(['+ at 2']);
    expect(unboundedRepeats('X{4,}')).toEqual(['{n,} at 1']);
    expect(unboundedRepeats('[*+]\\*\\+X{4}X{1,4}')).toEqual([]);
    expect(problems(/500 '?X{4,}'?/)).not.toEqual([]);
  });

  it('passes literal words with bounded, non-overlapping captures', () => {
    expect(problems(/TLS is required, but was not offered by host (?<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252})\[(?<ip>[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f:]{2,39})\]/i)).toEqual([]);
    expect(problems(/\b5\.7\.0\b.{0,40}STARTTLS/i)).toEqual([]);
  });
});
