// `mxray TLS-RPT reports` as a Document. (Filled in by the tlsrpt work.)
import type { TlsRptReport } from '../core/schema.js';
import { countLine, findingView, transcriptText, type Document, type DocumentOptions } from './document.js';
import { safe } from './style.js';

export function tlsrptDocument(report: TlsRptReport, options: DocumentOptions = {}): Document {
  const verbose = options.verbose === true;
  return {
    title: 'mxray TLS-RPT reports',
    subject: safe(report.target, 300),
    shortSubject: safe(report.target, 120),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [],
    verdict: report.verdict,
    reason: safe(report.findings[0]?.title ?? '', 300),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context: [],
    summary: null,
    findings: report.findings.map((f) => findingView(f)),
    details: null,
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
  };
}
