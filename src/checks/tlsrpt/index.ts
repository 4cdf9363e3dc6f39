// `mxray tlsrpt`'s judge: from the summed reports (the body) to findings. One finding per policy
// with failed sessions (its severity by the failed share: `tls-rpt.failures-reported` at 2 % and
// more, `tls-rpt.failures-occasional` below), one per result type met (what it means, whose fault,
// the fix), and what the reading itself met (unreadable inputs, duplicates, deviations, bounds).
import type { Finding } from '../../core/schema.js';
import type { TlsRptBody, TlsRptFailureGroup, TlsRptPolicySummary } from '../../core/tlsrpt-schema.js';
import type { TlsRptResultType } from '../../core/tlsrpt-vocabulary.js';
import { kbEntry, makeFinding, type Facts, type FindingId } from '../../kb/index.js';
import type { Check } from '../check.js';
import { fewOf } from '../words.js';

export { parseTlsRptReport, parseDateTime, REPORT_LIMITS, type ParsedReport, type ParsedPolicy, type ParsedFailure, type ParseResult } from './parse.js';
export { summariseReports, shareOf, SUMMARY_LIMITS, type ReadReport, type SummaryInput } from './summarise.js';

export interface TlsRptCheckInput {
  body: TlsRptBody;
}

export type TlsRptCheck = Check<TlsRptCheckInput>;

/** From this failed share of a policy's sessions on, its failures are an error, not a warning. */
export const FAILURE_SHARE_ERROR = 0.02;

/** The finding that explains each RFC 8460 result type. */
export const RESULT_TYPE_FINDINGS: Readonly<Record<TlsRptResultType, FindingId>> = {
  'starttls-not-supported': 'tls-rpt.starttls-not-supported',
  'certificate-host-mismatch': 'tls-rpt.certificate-host-mismatch',
  'certificate-expired': 'tls-rpt.certificate-expired',
  'certificate-not-trusted': 'tls-rpt.certificate-not-trusted',
  'validation-failure': 'tls-rpt.validation-failure',
  'tlsa-invalid': 'tls-rpt.tlsa-invalid',
  'dnssec-invalid': 'tls-rpt.dnssec-invalid',
  'dane-required': 'tls-rpt.dane-required',
  'sts-policy-fetch-error': 'tls-rpt.sts-policy-fetch-error',
  'sts-policy-invalid': 'tls-rpt.sts-policy-invalid',
  'sts-webpki-invalid': 'tls-rpt.sts-webpki-invalid',
};

/** "5.4 %", "0.03 %", "<0.01 %". */
export function formatShare(share: number): string {
  if (share === 0) return '0 %';
  const pct = share * 100;
  if (pct < 0.01) return '<0.01 %';
  return `${pct < 1 ? pct.toFixed(2) : pct.toFixed(1)} %`;
}


const policyName = (p: TlsRptPolicySummary): string => (p.policyType === 'other' ? `"${p.policyTypeAsSent ?? 'other'}"` : p.policyType);

/** "starttls-not-supported 200, certificate-expired 100": result types by failed sessions, over every MX host. */
function resultsLine(p: TlsRptPolicySummary): string {
  const byType = new Map<string, number>();
  for (const g of p.failures) byType.set(g.resultType, (byType.get(g.resultType) ?? 0) + g.failed);
  const listed = [...byType.entries()].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`);
  if (p.failuresNotListed) listed.push(`${p.failuresNotListed} more groups`);
  return listed.length ? fewOf(listed, 4) : 'no failure details sent';
}

function policyFindings(body: TlsRptBody): Finding[] {
  return body.policies
    .filter((p) => p.failed > 0)
    .map((p) => {
      const id: FindingId = p.failedShare >= FAILURE_SHARE_ERROR ? 'tls-rpt.failures-reported' : 'tls-rpt.failures-occasional';
      const hosts = [...new Set(p.failures.flatMap((g) => (g.receivingMx ? [g.receivingMx] : [])))];
      return makeFinding(
        id,
        {
          domain: p.policyDomain,
          policyType: policyName(p),
          mode: p.mode ?? 'not sent',
          failed: p.failed,
          total: p.failed + p.successful,
          share: formatShare(p.failedShare),
          results: resultsLine(p),
          reporters: fewOf(p.reporters),
        },
        [],
        hosts.slice(0, 50),
      );
    });
}

/** One finding per result type, over every policy: the MX hosts, domains, reporters and reason codes it was met with. */
function resultTypeFindings(body: TlsRptBody): Finding[] {
  const byType = new Map<string, { groups: { g: TlsRptFailureGroup; domain: string }[] }>();
  for (const p of body.policies) {
    for (const g of p.failures) {
      const e = byType.get(g.resultType) ?? { groups: [] };
      e.groups.push({ g, domain: p.policyDomain });
      byType.set(g.resultType, e);
    }
  }
  const out: Finding[] = [];
  for (const [type, { groups }] of byType) {
    const failed = groups.reduce((a, x) => a + x.g.failed, 0);
    if (failed === 0) continue;
    const hosts = [...new Set(groups.flatMap((x) => (x.g.receivingMx ? [x.g.receivingMx] : [])))];
    const domains = [...new Set(groups.map((x) => x.domain))];
    const reasons = [...new Set(groups.flatMap((x) => x.g.reasonCodes))];
    const reporters = [...new Set(groups.flatMap((x) => x.g.reporters))];
    const known = groups[0]!.g.known;
    const id: FindingId = known ? RESULT_TYPE_FINDINGS[type as TlsRptResultType] : 'tls-rpt.unknown-result-type';
    // Each entry lists the facts its texts use (the MTA-STS ones name domains, not hosts): only those are kept.
    const listed = new Set(kbEntry(id).facts);
    const facts: Facts = Object.fromEntries(
      Object.entries({
          resultType: type,
          failed,
          hosts: hosts.length ? fewOf(hosts) : 'the MX hosts (not named in the reports)',
          domains: fewOf(domains),
          reporters: fewOf(reporters),
          reasons: reasons.length ? fewOf(reasons) : 'none sent',
      }).filter(([k]) => listed.has(k)),
    );
    out.push(makeFinding(id, facts, [], hosts.slice(0, 50)));
  }
  return out.sort((a, b) => Number(b.facts.failed) - Number(a.facts.failed));
}

function readingFindings(body: TlsRptBody): Finding[] {
  const out: Finding[] = [];
  const unreadable = body.problems.filter((p) => p.problem !== 'duplicate');
  const unreadableCount = body.inputs.unreadable - body.inputs.duplicates;
  if (unreadableCount > 0) {
    out.push(
      makeFinding('tls-rpt.malformed-report', {
        count: unreadableCount,
        inputs: unreadableCount + body.inputs.documents,
        examples: fewOf(unreadable.map((p) => `${p.source} (${p.problem})`), 2),
      }),
    );
  }
  if (body.inputs.duplicates > 0) {
    const first = body.problems.find((p) => p.problem === 'duplicate');
    out.push(makeFinding('tls-rpt.duplicate-reports', { count: body.inputs.duplicates, example: first ? first.source : 'not listed' }));
  }
  const irregular = body.reports.filter((r) => r.warnings.length > 0);
  if (irregular.length) {
    out.push(makeFinding('tls-rpt.report-irregular', { count: irregular.length, examples: fewOf(irregular.map((r) => `${r.source}: ${r.warnings[0]}`), 2) }));
  }
  if (body.limits.length || body.reportsNotListed || body.problemsNotListed || body.policiesNotListed) {
    const limits = [...body.limits];
    if (body.reportsNotListed) limits.push(`${body.reportsNotListed} reports counted but not listed`);
    if (body.problemsNotListed) limits.push(`${body.problemsNotListed} problems counted but not listed`);
    if (body.policiesNotListed) limits.push(`${body.policiesNotListed} policies counted but not listed`);
    out.push(makeFinding('tls-rpt.limit-reached', { limits: fewOf(limits, 3) }));
  }
  return out;
}

export const tlsRptCheck: TlsRptCheck = {
  name: 'tlsrpt',
  assess({ body }) {
    if (body.inputs.reports === 0) {
      return [makeFinding('tls-rpt.no-reports', { files: body.inputs.files, unreadable: body.inputs.unreadable }), ...readingFindings(body)];
    }
    const findings = [...policyFindings(body), ...resultTypeFindings(body)];
    const noPolicy = body.policies.filter((p) => p.policyType === 'no-policy-found');
    if (noPolicy.length) {
      findings.push(
        makeFinding('tls-rpt.no-policy-found', {
          domains: fewOf(noPolicy.map((p) => p.policyDomain)),
          sessions: noPolicy.reduce((a, p) => a + p.successful + p.failed, 0),
        }),
      );
    }
    if (body.totals.failed === 0) {
      findings.push(
        makeFinding('tls-rpt.all-successful', {
          reports: body.inputs.reports,
          successful: body.totals.successful,
          domains: fewOf([...new Set(body.policies.map((p) => p.policyDomain))]),
        }),
      );
    }
    return [...findings, ...readingFindings(body)];
  },
};
