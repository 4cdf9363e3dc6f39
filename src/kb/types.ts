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
}
