// The public library API: re-exports only. `import { checkReceiver } from 'mxray'`.
export { checkReceiver, rejudgeReceiver, checkEnforce, rejudgeEnforce, sendMessage, checkPosture, rejudgePosture, type PostureOptions, type PolicyMemory, type ReceiverOptions, type RejudgeOptions, type EnforceOptions, type SendOptions, type SendAuth, type SendTlsMode, type SendVerifyMode, readLogs, readCapture, type LogsOptions, type LogsInputSource, type PcapOptions } from './library.js';
export { exitCodeFor } from './core/report.js';
export { systemEdges, defaultHelo, type Edges, type EdgeOptions } from './runtime/edges.js';
export { createResolver } from './dns/system-resolver.js';
export { createConnector, bundledRootCertificates } from './net/connector.js';
export { createTrustStore } from './pki/trust-store.js';
export { systemClock, fixedClock } from './core/clock.js';
export { parseTarget } from './core/target.js';
export { MxrayError, UsageError, DnsError, TlsHandshakeError } from './core/errors.js';
export { STATUS_CATALOGUE, type StatusEntry } from './core/status.js';
export { createScheduler, type Scheduler, type SchedulerLimits } from './core/scheduler.js';
export { createEventSink, EVENT_CHANNEL, type EventSink, type JobEvent } from './core/events.js';
export { TLS_NORMAL, TLS_LEGACY } from './tls/profiles.js';
export { DEFAULT_LIMITS } from './core/context.js';
export type { Clock, Connector, Resolver, TrustStore, Limits, HostMapping, ClientCertificate } from './core/context.js';
export { DEFAULT_PROFILE, type Profile } from './checks/profile.js';
export { PROFILES } from './kb/profiles.js';
export { allEntries as findingCatalogue } from './kb/index.js';
export type { KbEntry } from './kb/types.js';
export type { FindingId } from './kb/catalogue.js';
export { renderText } from './render/text.js';
export { renderMarkdown } from './render/markdown.js';
export { renderHtml } from './render/html.js';
export { VERSION, SCHEMA_VERSION } from './core/version.js';
export type {
  Report,
  ReportKind,
  ReceiverReport,
  EnforceReport,
  EnforceBody,
  EnforceAddressReport,
  EnforceAssessment,
  EnforceSession,
  EnforceStage,
  SendReport,
  SendBody,
  PostureReport,
  PostureBody,
  PostureSection,
  MtaSts,
  TlsRpt,
  PolicyFetch,
  SendSession,
  SendOutcome,
  SendStep,
  SendLoad,
  ReceiverBody,
  HostAssessment,
  HostFacts,
  JudgedWith,
  HostReport,
  Finding,
  Severity,
  Verdict,
  Actor,
  StatusCode,
  TranscriptEvent,
  CertInfo,
  CertVerdict,
  TlsFacts,
  DnsFacts,
  Target,
  ChainProblem,
  Delivery,
  NotProbed,
  ReceiverBounds,
  LegacyCause,
  SenderOutcome,
} from './core/schema.js';
export { DEFAULT_MAX_MX } from './jobs/receiver/check-receiver.js';
export { checkBlocklist, type BlocklistOptions } from './library.js';
export { DEFAULT_DNSBL_ZONES, DNSBL_LISTS, type DnsblList, type DnsblCode } from './kb/dnsbl-zones.js';
export type { BlocklistReport, BlocklistBody, DnsblSection, DnsblAddress, DnsblLookup } from './core/schema.js';
export { readTlsRpt, type TlsRptInput, type TlsRptOptions } from './library.js';
export type { TlsRptReport, TlsRptBody, TlsRptPolicySummary, TlsRptFailureGroup, TlsRptReportEntry, TlsRptProblem } from './core/schema.js';
