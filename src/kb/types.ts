import type { Actor, Remediation, Severity } from '../core/schema.js';

/**
 * One entry of the finding catalogue. Texts may hold `{placeholders}` that are filled from the
 * finding's facts (see makeFinding); a placeholder with no fact is left out cleanly.
 */
export interface KbEntry {
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  actor: Actor;
  /** What a sender using opportunistic TLS (the default almost everywhere) does. */
  opportunistic: string;
  /** What a sender that verifies the certificate or forces TLS does. */
  verifying: string;
  remediation: Remediation;
  refs: string[];
  /** The fact names the detail/title may use, documented for check authors and tests. */
  facts: string[];
  /**
   * "We could not tell": the server limited us, the network or DNS failed, or mxray itself failed.
   * Such a finding makes a verdict inconclusive (exit 3), unless something else is certainly wrong.
   */
  inconclusive?: true;
  /**
   * The catalogue severity holds where the receiving software is one of `on` (kb/software.ts ids)
   * or unknown; where other software is recognised, the finding has no effect and is `elsewhere`.
   */
  severityBySoftware?: { on: readonly string[]; elsewhere: Severity };
}

/**
 * Declares catalogue entries, keeping each id's literal type (so FindingId is the exact union of
 * ids and a typo in a check fails to compile).
 */
export function defineFindings<const I extends string>(entries: (KbEntry & { id: I })[]): (KbEntry & { id: I })[] {
  return entries;
}
