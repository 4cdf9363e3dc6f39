// What every kind of report shares: the judgedWith record and the one verdict → exit code rule.
import type { TrustStore } from './context.js';
import type { JudgedWith, Report, Verdict } from './schema.js';

/** Exit codes (DESIGN.md): 0 good, 1 problems found, 2 usage, 3 could not test, 4 internal error. */
export const EXIT = { ok: 0, problems: 1, usage: 2, untestable: 3, internal: 4 } as const;

const BY_VERDICT: Record<Verdict, number> = {
  pass: EXIT.ok,
  warn: EXIT.ok,
  'not-applicable': EXIT.ok,
  fail: EXIT.problems,
  inconclusive: EXIT.untestable,
};

/** The exit code for any report: our own bug outranks every verdict ("do not trust this result"). */
export function exitCodeFor(report: Pick<Report, 'verdict' | 'findings'>): number {
  if (report.findings.some((f) => f.id === 'mxray.internal-error')) return EXIT.internal;
  return BY_VERDICT[report.verdict];
}

export interface JudgeSettings {
  at: number;
  profile: { name: string; version: number };
  trustStore: TrustStore;
  warnDays: number;
  expectThumbprint: string | null;
}

export function judgedWith(s: JudgeSettings): JudgedWith {
  const provenance = s.trustStore.provenance ?? { bundledRootsOfNode: null, extraCaFiles: [] };
  return {
    at: new Date(s.at).toISOString(),
    profile: { name: s.profile.name, version: s.profile.version },
    trustStore: { description: s.trustStore.description, bundledRootsOfNode: provenance.bundledRootsOfNode, extraCaFiles: provenance.extraCaFiles.map((f) => ({ ...f })) },
    options: { warnDays: s.warnDays, expectThumbprint: s.expectThumbprint },
    rejudged: false,
  };
}
