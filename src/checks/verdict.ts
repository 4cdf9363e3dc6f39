// One rule for every verdict, host and domain alike.
import type { Finding, Verdict } from '../core/schema.js';
import { allEntries } from '../kb/index.js';

/** The ids whose catalogue entry says "we could not tell" (KbEntry.inconclusive). */
export const INCONCLUSIVE_IDS: ReadonlySet<string> = new Set(allEntries().filter((e) => e.inconclusive).map((e) => e.id));

export function verdictOf(findings: readonly Finding[]): Verdict {
  const decisive = findings.filter((f) => !INCONCLUSIVE_IDS.has(f.id));
  if (decisive.some((f) => f.severity === 'critical' || f.severity === 'error')) return 'fail';
  if (findings.some((f) => INCONCLUSIVE_IDS.has(f.id))) return 'inconclusive';
  if (decisive.some((f) => f.severity === 'warning')) return 'warn';
  return 'pass';
}

const ORDER: Verdict[] = ['pass', 'warn', 'inconclusive', 'fail'];

/** A failure we are sure of outranks "could not tell" elsewhere. */
export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (ORDER.indexOf(b) > ORDER.indexOf(a) ? b : a), 'pass');
}
