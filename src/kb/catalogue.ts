// The finding catalogue: one entry per finding id, with its severity, who must act, the texts a
// mail administrator reads, and the fix. Checks only choose an id and supply facts; everything a
// person reads comes from here. Ids are part of the JSON contract: never rename, only deprecate.
//
// Texts may use {fact} placeholders (filled by fillTemplate in ./index.ts) in title, detail,
// opportunistic, verifying, remediation.summary and remediation.steps, and only with facts listed
// in the entry's `facts`. The per-MTA arrays (exchange / postfix / exim) are shown as written.
import { DELIVERY_FINDINGS } from './findings/delivery.js';
import { DNS_FINDINGS } from './findings/dns.js';
import { NET_FINDINGS } from './findings/net.js';
import { SMTP_FINDINGS } from './findings/smtp.js';
import { STARTTLS_FINDINGS } from './findings/starttls.js';
import { TLS_FINDINGS } from './findings/tls.js';
import { CERT_FINDINGS } from './findings/cert.js';
import { CERT_FILE_FINDINGS } from './findings/cert-files.js';
import { POLICY_FINDINGS } from './findings/policy.js';
import { MXRAY_FINDINGS } from './findings/mxray.js';
import { SEND_FINDINGS } from './findings/send.js';
import { MTA_STS_FINDINGS } from './findings/mta-sts.js';
import { TLS_RPT_FINDINGS } from './findings/tls-rpt.js';
import { TLS_RPT_REPORT_FINDINGS } from './findings/tls-rpt-reports.js';
import { DNSBL_FINDINGS } from './findings/dnsbl.js';
import { DANE_FINDINGS } from './findings/dane.js';
import { HEADERS_FINDINGS } from './findings/headers.js';
import { SENDER_FINDINGS } from './findings/sender.js';
import { LOGS_FINDINGS } from './findings/logs.js';
import { PCAP_FINDINGS } from './findings/pcap.js';

/** Every finding, by id prefix (one file each under findings/). */
export const CATALOGUE = [...DNS_FINDINGS, ...NET_FINDINGS, ...SMTP_FINDINGS, ...STARTTLS_FINDINGS, ...TLS_FINDINGS, ...CERT_FINDINGS, ...CERT_FILE_FINDINGS, ...POLICY_FINDINGS, ...DELIVERY_FINDINGS, ...SEND_FINDINGS, ...MTA_STS_FINDINGS, ...TLS_RPT_FINDINGS, ...TLS_RPT_REPORT_FINDINGS, ...DNSBL_FINDINGS, ...DANE_FINDINGS, ...HEADERS_FINDINGS, ...SENDER_FINDINGS, ...LOGS_FINDINGS, ...PCAP_FINDINGS, ...MXRAY_FINDINGS] as const;

/** Every finding id: a check can only name one that is in the catalogue. */
export type FindingId = (typeof CATALOGUE)[number]['id'];
