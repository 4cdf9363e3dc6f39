// One rule for every verdict, host and domain alike.
import type { Finding, Verdict } from '../core/schema.js';

/**
 * Findings that mean "we could not tell": the server limited us, the network or DNS failed, or
 * mxray itself failed. They make a verdict inconclusive (exit 3), unless something else is
 * certainly wrong.
 */
export const INCONCLUSIVE_IDS: ReadonlySet<string> = new Set([
  'dns.servfail',
  'dns.timeout',
  'dns.error',
  'net.connect-refused',
  'net.connect-timeout',
  'net.no-route',
  'net.all-unreachable',
  'smtp.greeting-timeout',
  'smtp.rate-limited',
  'smtp.greylisted',
  'mxray.internal-error',
]);

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
