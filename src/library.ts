// The library's jobs with the system's edges filled in where the caller gave none: the one place
// (besides the CLI) where a job meets the runtime. src/index.ts re-exports from here.
import type { ReceiverOptions } from './jobs/receiver/check-receiver.js';
import { runReceiverCheck } from './jobs/receiver/check-receiver.js';
import type { CertificateReport, EnforceReport, PostureReport, ReceiverReport, SendReport } from './core/schema.js';
import { runSend, type SendOptions } from './jobs/send/check-send.js';
import { runEnforceCheck, type EnforceOptions } from './jobs/enforce/check-enforce.js';
import { runCertificateCheck, type CertificateOptions } from './jobs/certificate/check-certificate.js';
import { runPosture, type PostureOptions } from './jobs/posture/check-posture.js';
import { systemEdges, type Edges } from './runtime/edges.js';
import type { JobEdges } from './core/context.js';
import { runBlocklist, type BlocklistOptions } from './jobs/blocklist/check-blocklist.js';
import type { BlocklistReport, LogsReport, PcapReport } from './core/schema.js';
import type { LogsOptions } from './jobs/logs/run-logs.js';
import type { PcapOptions } from './jobs/pcap/run-pcap.js';

export type { BlocklistOptions } from './jobs/blocklist/check-blocklist.js';
import type { TlsRptReport } from './core/schema.js';
import { systemClock } from './core/clock.js';
import { runTlsRpt, type TlsRptOptions } from './jobs/tlsrpt/check-tlsrpt.js';

export type { CertificateOptions, CertFileInput } from './jobs/certificate/check-certificate.js';
export { rejudgeEnforce, type EnforceOptions } from './jobs/enforce/check-enforce.js';
export { rejudgePosture, type PostureOptions } from './jobs/posture/check-posture.js';
export type { PolicyMemory } from './jobs/posture/probe-posture.js';
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
 * The policies of a mail domain (`mxray posture`): MTA-STS (record, policy over HTTPS, the MX hosts it
 * covers), TLS-RPT and block lists, without probing any server's TLS.
 */
export function checkPosture(options: PostureOptions, defaults: () => Edges = () => systemEdges()): Promise<PostureReport> {
  return runPosture(options, defaults);
}

/**
 * Sends one real test message (`mxray send`), or with `count` and `concurrency` many over several
 * sessions, in a chosen TLS mode; credentials never appear in the report.
 */
export function sendMessage(options: SendOptions, defaults: () => JobEdges = () => systemEdges()): Promise<SendReport> {
  return runSend(options, defaults);
}

/**
 * The block list lookup (`mxray blocklist`): is this address, or each MX address of this domain, on
 * a DNS block list? Each list's answer explained (a Spamhaus 127.255.255.254 is a refusal, not a listing).
 */
export function checkBlocklist(options: BlocklistOptions, defaults: () => JobEdges = () => systemEdges()): Promise<BlocklistReport> {
  return runBlocklist(options, defaults);
}

/**
 * Reads TLS-RPT aggregate reports (`mxray tlsrpt`): each input a name and its bytes (JSON, gzip, a
 * mail or an mbox, recognised by content); every input that holds no report is named in the body.
 */
export function readTlsRpt(options: TlsRptOptions): Promise<TlsRptReport> {
  return runTlsRpt(options, () => ({ clock: systemClock }));
}
export type { TlsRptInput, TlsRptOptions } from './jobs/tlsrpt/check-tlsrpt.js';

/** `mxray logs`: MTA logs (chunks of bytes per input; gunzip first) → sessions, verdicts, sums. */
export async function readLogs(options: LogsOptions): Promise<LogsReport> {
  // Loaded on use: the other jobs' callers (the demo among them) never load these readers or TypeBox.
  const { runLogs } = await import('./jobs/logs/run-logs.js');
  return runLogs(options, () => ({ clock: systemClock }));
}
export type { LogsOptions, LogsInputSource } from './jobs/logs/run-logs.js';

/** `mxray pcap`: a pcap or pcapng capture (chunks of bytes) → each SMTP connection and its TLS. */
export async function readCapture(options: PcapOptions): Promise<PcapReport> {
  const { runPcap } = await import('./jobs/pcap/run-pcap.js');
  return runPcap(options, () => ({ clock: systemClock }));
}
export type { PcapOptions } from './jobs/pcap/run-pcap.js';
