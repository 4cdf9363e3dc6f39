// The library's jobs with the system's edges filled in where the caller gave none: the one place
// (besides the CLI) where a job meets the runtime. src/index.ts re-exports from here.
import type { ReceiverOptions } from './jobs/receiver/check-receiver.js';
import { runReceiverCheck } from './jobs/receiver/check-receiver.js';
import type { CertificateReport, EnforceReport, ReceiverReport, SendReport } from './core/schema.js';
import { runSend, type SendOptions } from './jobs/send/check-send.js';
import { runEnforceCheck, type EnforceOptions } from './jobs/enforce/check-enforce.js';
import { runCertificateCheck, type CertificateOptions } from './jobs/certificate/check-certificate.js';
import { systemEdges, type Edges } from './runtime/edges.js';
import type { JobEdges } from './core/context.js';
import type { TlsRptReport } from './core/schema.js';
import { systemClock } from './core/clock.js';
import { runTlsRpt, type TlsRptOptions } from './jobs/tlsrpt/check-tlsrpt.js';

export type { CertificateOptions, CertFileInput } from './jobs/certificate/check-certificate.js';
export { rejudgeEnforce, type EnforceOptions } from './jobs/enforce/check-enforce.js';
export type { SendOptions, SendAuth, SendTlsMode, SendVerifyMode } from './jobs/send/check-send.js';
export { rejudgeReceiver, type ReceiverOptions, type RejudgeOptions } from './jobs/receiver/check-receiver.js';

/** The receiver test (`mxray check`): every edge left out of `options` is the system's. */
export function checkReceiver(options: ReceiverOptions): Promise<ReceiverReport> {
  return runReceiverCheck(options, () => systemEdges());
}

/** The certificate check (`mxray cert`): files, or what a host's or domain's servers present. */
export function checkCertificate(options: CertificateOptions, defaults: () => Edges = () => systemEdges()): Promise<CertificateReport> {
  return runCertificateCheck(options, defaults);
}

/**
 * The enforce test (`mxray enforce`): does each MX address refuse mail without TLS? A cleartext
 * session and a control session with STARTTLS per address; nothing is ever delivered, no credential sent.
 */
export function checkEnforce(options: EnforceOptions, defaults: () => JobEdges = () => systemEdges()): Promise<EnforceReport> {
  return runEnforceCheck(options, defaults);
}

/**
 * Sends one real test message (`mxray send`), or with `count` and `concurrency` many over several
 * sessions, in a chosen TLS mode; credentials never appear in the report.
 */
export function sendMessage(options: SendOptions, defaults: () => JobEdges = () => systemEdges()): Promise<SendReport> {
  return runSend(options, defaults);
}

/**
 * Reads TLS-RPT aggregate reports (`mxray tlsrpt`): each input a name and its bytes (JSON, gzip, a
 * mail or an mbox, recognised by content); every input that holds no report is named in the body.
 */
export function readTlsRpt(options: TlsRptOptions): Promise<TlsRptReport> {
  return runTlsRpt(options, () => ({ clock: systemClock }));
}
export type { TlsRptInput, TlsRptOptions } from './jobs/tlsrpt/check-tlsrpt.js';
