import type { Finding, Severity } from '../core/schema.js';
import { CATALOGUE, type FindingId } from './catalogue.js';
import type { KbEntry } from './types.js';

export type { KbEntry } from './types.js';
export type { FindingId } from './catalogue.js';

export type Facts = Finding['facts'];

const BY_ID: ReadonlyMap<string, KbEntry> = new Map(CATALOGUE.map((e) => [e.id, e]));

export function kbEntry(id: string): KbEntry {
  const entry = BY_ID.get(id);
  if (!entry) throw new Error(`internal: finding id ${id} is not in the catalogue`);
  return entry;
}

export function allEntries(): readonly KbEntry[] {
  return CATALOGUE;
}

/** Fills `{name}` placeholders from facts; a missing fact becomes "unknown". */
export function fillTemplate(text: string, facts: Facts): string {
  return text.replace(/\{([a-zA-Z0-9_]+)\}/g, (_, name: string) => {
    const v = facts[name];
    return v === undefined || v === null ? 'unknown' : String(v);
  });
}

/** Builds a finding from its catalogue entry; severity, texts, actor and fix come from the catalogue only. */
export function makeFinding(id: FindingId, facts: Facts = {}, evidence: number[] = [], hosts: string[] = [], context: { software?: string | null } = {}): Finding {
  const e = kbEntry(id);
  const bySoftware = e.severityBySoftware;
  const software = context.software ?? null;
  return {
    id,
    severity: bySoftware && software !== null && !bySoftware.on.includes(software) ? bySoftware.elsewhere : e.severity,
    title: fillTemplate(e.title, facts),
    detail: fillTemplate(e.detail, facts),
    actor: e.actor,
    opportunistic: fillTemplate(e.opportunistic, facts),
    verifying: fillTemplate(e.verifying, facts),
    remediation: {
      ...e.remediation,
      steps: e.remediation.steps.map((s) => fillTemplate(s, facts)),
      summary: fillTemplate(e.remediation.summary, facts),
    },
    refs: [...e.refs],
    hosts: [...hosts],
    evidence: [...evidence],
    facts: { ...facts },
  };
}

export const SEVERITY_RANK: Record<Severity, number> = { ok: 0, info: 1, warning: 2, error: 3, critical: 4 };

/**
 * Worst first, then by id, for stable output. Ids are ASCII, so plain code-unit order is the
 * order a person expects; `localeCompare` would load ICU's collator (about 6 ms of start-up).
 */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
