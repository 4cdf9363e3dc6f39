// Placeholder until the sender test's document is written (issue 23): the verdict and findings only.
import type { SenderReport } from '../core/schema.js';
import { countLine, findingView, transcriptText, type Document, type DocumentOptions } from './document.js';

export function senderDocument(report: SenderReport, options: DocumentOptions = {}): Document {
  return {
    title: 'mxray sender test',
    subject: `sender ${report.body.session.clientIp}`,
    shortSubject: report.body.session.clientIp,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [],
    verdict: report.verdict,
    reason: '',
    verdictNote: countLine(report.findings),
    context: [],
    summary: null,
    findings: report.findings.map((f) => findingView(f)),
    details: null,
    transcript: options.verbose ? transcriptText(report) : null,
    explain: options.verbose ?? false,
  };
}
