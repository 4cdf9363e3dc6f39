// `mxray report --rejudge` on a saved sender report: the same facts judged again, with other CA
// files (the client certificate's chain) or at another moment.
import type { TrustStore } from '../../core/context.js';
import { judgedWith } from '../../core/report.js';
import type { SenderReport } from '../../core/schema.js';
import { judgeSenderReport } from '../../checks/sender/judge.js';
import { DEFAULT_PROFILE } from '../../kb/profiles.js';

export function rejudgeSender(report: SenderReport, options: { trustStore: TrustStore; at?: number }): SenderReport {
  const at = options.at ?? Date.parse(report.judgedWith.at);
  const judged = judgeSenderReport(report.body, { trustStore: options.trustStore, now: at });
  const again = judgedWith({ at, profile: DEFAULT_PROFILE, trustStore: options.trustStore, warnDays: DEFAULT_PROFILE.expiryWarnDays, expectThumbprint: null });
  return { ...report, verdict: judged.verdict, findings: judged.findings, judgedWith: { ...again, rejudged: true } };
}
