// The one list of checks. Adding a check: its folder under checks/ (facts it reads, a pure
// assess), its findings in the catalogue (kb/findings/), and one line here. Nothing else lists
// checks: host.ts and receiver.ts run these lists, the report and the renderers only see findings.
//
// Order matters twice: a host's findings appear in the order the checks run (reports and tests
// read them in that order), and a check may read the findings of the checks before it (`prior`).
import type { Check, DomainCheck, HostCheck } from './check.js';
import { certificateCheck } from './certificate/index.js';
import { cleartextCheck } from './cleartext/index.js';
import { allUnreachableCheck, connectionCheck } from './connection/index.js';
import { deliveryCheck } from './delivery/index.js';
import { dialogueCheck } from './dialogue/index.js';
import { dnsCheck } from './dns/index.js';
import { dnsblCheck, type DnsblCheck } from './dnsbl/index.js';
import { cleartextAuthCheck, enforcementCheck, type EnforceCheck } from './enforce/index.js';
import { envelopeCheck } from './envelope/index.js';
import { greetingCheck } from './greeting/index.js';
import { sendLoadCheck, sendOutcomeCheck, sendPassedOverCheck, sendReplyCheck, type SendCheck } from './send/index.js';
import { starttlsCheck } from './starttls/index.js';
import { sniRequiredCheck, tlsCheck } from './tls/index.js';
import { tlsRptCheck, type TlsRptCheck } from './tlsrpt/index.js';
import { postureCheck, type PostureCheck } from './posture/index.js';
import { headersCheck, type HeadersCheck } from './headers/index.js';
import { daneMatchCheck, daneRecordsCheck, type DaneMatchCheck, type DaneRecordsCheck } from './dane/index.js';
import { senderCheck, type SenderCheck } from './sender/index.js';
import { logsCheck, type LogsCheckInput } from './logs/index.js';
import { pcapCheck, type PcapCheckInput } from './pcap/index.js';

/** The checks of one address, in the order the dialogue runs. */
export const HOST_CHECKS: readonly HostCheck[] = [
  connectionCheck,
  greetingCheck,
  // Reads the greeting's findings: a refusal there already says why the dialogue stopped.
  dialogueCheck,
  starttlsCheck,
  tlsCheck,
  // Reads every finding before it: a problem of the certificate sent without SNI is reported only
  // when the host has no finding of that id yet.
  certificateCheck,
  // After the certificate: the handshake without SNI is tried only after a good one.
  sniRequiredCheck,
  envelopeCheck,
  cleartextCheck,
];

/** The checks of the whole domain, run after every address was judged. */
export const DOMAIN_CHECKS: readonly DomainCheck[] = [dnsCheck, allUnreachableCheck, deliveryCheck];

/** `mxray enforce`'s checks of one address (checks/enforcement.ts runs them): the verdict first, then AUTH before TLS. */
export const ENFORCE_CHECKS: readonly EnforceCheck[] = [enforcementCheck, cleartextAuthCheck];

/** `mxray send`'s checks (checks/sending.ts runs them): what became of the message, what its last reply means, a --count run's figures. */
export const SEND_CHECKS: readonly SendCheck[] = [sendOutcomeCheck, sendPassedOverCheck, sendReplyCheck, sendLoadCheck];

/** The block list check (checks/dnsbl): `mxray blocklist`, and the block list section of `mxray posture` and `mxray check --dnsbl`. */
export const DNSBL_CHECKS: readonly DnsblCheck[] = [dnsblCheck];
/** `mxray tlsrpt`'s check (jobs/tlsrpt runs it): what the summed TLS-RPT reports say, and what reading them met. */
export const TLSRPT_CHECKS: readonly TlsRptCheck[] = [tlsRptCheck];
/** MTA-STS and TLS-RPT of a domain: `mxray posture`, and beside the receiver test's probes (checks/receiver.ts). */
export const POSTURE_CHECKS: readonly PostureCheck[] = [postureCheck];
/** DANE (checks/dane): the TLSA records and their DNSSEC status (`mxray posture`), and their match with the certificates seen (the receiver test). */
export const DANE_RECORDS_CHECKS: readonly DaneRecordsCheck[] = [daneRecordsCheck];
export const DANE_MATCH_CHECKS: readonly DaneMatchCheck[] = [daneMatchCheck];
/** `mxray headers`' check (jobs/headers runs it): each message's findings merged by id over every message read, and what the reading met. */
export const HEADERS_CHECKS: readonly HeadersCheck[] = [headersCheck];
/** `mxray sender-test`'s check (checks/sender/judge.ts runs it): how a sending server behaved towards our listener. */
export const SENDER_CHECKS: readonly SenderCheck[] = [senderCheck];
/** `mxray logs`' check: what an MTA's logs say about TLS on its sessions. */
export const LOGS_CHECKS: readonly Check<LogsCheckInput>[] = [logsCheck];
/** `mxray pcap`'s check: what a capture proves about TLS on each SMTP connection. */
export const PCAP_CHECKS: readonly Check<PcapCheckInput>[] = [pcapCheck];
