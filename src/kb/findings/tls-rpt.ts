// Catalogue entries tls-rpt.*: the TLS-RPT record (RFC 8460) a domain publishes for failure reports.
import { defineFindings } from '../types.js';

const RECORD = '_smtp._tls.{domain}. IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{domain}"';

export const TLS_RPT_FINDINGS = defineFindings([
  {
    id: 'tls-rpt.ok',
    severity: 'ok',
    actor: 'them',
    facts: ['domain', 'rua', 'resolver'],
    title: 'TLS-RPT for {domain}: reports go to {rua}',
    detail:
      'The _smtp._tls.{domain} record is valid (looked up through {resolver}). Senders that support TLS reporting (Gmail, Exchange Online …) send a daily summary of TLS successes and failures with this domain to {rua}. ' +
      '`mxray tlsrpt` reads them.',
    opportunistic: 'Unaffected: reporting changes nothing in delivery.',
    verifying: 'Unaffected; failures are reported.',
    remediation: { summary: 'Nothing to fix: read the reports (mxray tlsrpt <folder or mailbox>).', steps: [] },
    refs: ['RFC 8460'],
  },
  {
    id: 'tls-rpt.not-published',
    severity: 'info',
    actor: 'them',
    facts: ['domain', 'why'],
    title: '{domain} publishes no TLS-RPT record: TLS failures of senders are never reported to it',
    detail:
      'There is no _smtp._tls.{domain} TXT record starting with v=TLSRPTv1. {why} Senders that fail TLS with this domain (an expired certificate, a ' +
      'stripped STARTTLS, an MTA-STS mismatch) have nobody to tell.',
    opportunistic: 'Unaffected.',
    verifying: 'Unaffected; failures go unreported.',
    remediation: { summary: 'Publish a TLS-RPT record with a mailbox that is read.', steps: [RECORD] },
    refs: ['RFC 8460 §3'],
  },
  {
    id: 'tls-rpt.lookup-failed',
    inconclusive: true,
    severity: 'warning',
    actor: 'either',
    facts: ['domain', 'name', 'error', 'resolver'],
    title: 'The TLS-RPT record of {domain} could not be looked up ({error})',
    detail: 'The TXT query for {name} through {resolver} got no answer ({error}): whether the domain asks for reports is not known.',
    opportunistic: 'Unaffected.',
    verifying: 'Unaffected.',
    remediation: { summary: 'Check the domain’s DNS servers answer TXT queries, then test again.', steps: ['`dig TXT {name}`'] },
    refs: ['RFC 8460 §3'],
  },
  {
    id: 'tls-rpt.multiple-records',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'count', 'records'],
    title: '{domain} publishes {count} TLS-RPT records: senders send no reports',
    detail:
      'RFC 8460 §3: when the _smtp._tls answer holds more than one record starting with v=TLSRPTv1 ({records}), senders assume the domain does not ' +
      'implement TLS-RPT.',
    opportunistic: 'Unaffected.',
    verifying: 'Unaffected; no reports are sent.',
    remediation: { summary: 'Keep one record; put every address in its one rua=, separated by commas.', steps: ['_smtp._tls.{domain}. IN TXT "v=TLSRPTv1; rua=mailto:a@{domain},mailto:b@example.net"'] },
    refs: ['RFC 8460 §3'],
  },
  {
    id: 'tls-rpt.bad-record',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'record', 'problem'],
    title: 'The TLS-RPT record of {domain} is invalid: {problem}',
    detail:
      'The record "{record}" is not what RFC 8460 §3 defines ({problem}), so senders send no reports. The record is "v=TLSRPTv1; rua=" and one or more ' +
      'mailto: or https: URIs separated by commas; a plain address without mailto: is the most common mistake.',
    opportunistic: 'Unaffected.',
    verifying: 'Unaffected; no reports are sent.',
    remediation: { summary: 'Publish the record with full URIs.', steps: [RECORD] },
    refs: ['RFC 8460 §3'],
  },
  {
    id: 'tls-rpt.record-near-miss',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'record'],
    title: 'The TXT record "{record}" at _smtp._tls.{domain} is meant as TLS-RPT but does not start with v=TLSRPTv1;',
    detail: 'Senders discard every record that does not begin exactly with "v=TLSRPTv1" and ";" (case-sensitive): the domain gets no reports.',
    opportunistic: 'Unaffected.',
    verifying: 'Unaffected; no reports are sent.',
    remediation: { summary: 'Write the record exactly as v=TLSRPTv1; rua=….', steps: [RECORD] },
    refs: ['RFC 8460 §3'],
  },
  {
    id: 'tls-rpt.uri-unusable',
    severity: 'warning',
    actor: 'them',
    facts: ['domain', 'problems', 'rua'],
    title: 'Some reporting addresses of {domain} get no reports: {problems}',
    detail:
      'The TLS-RPT record is valid and reports go to {rua}, but senders skip the other URIs in rua= ({problems}): only mailto: and https: URIs ' +
      'are reported to (RFC 8460 §3).',
    opportunistic: 'Unaffected.',
    verifying: 'Unaffected; those addresses get no reports.',
    remediation: { summary: 'Write every address as mailto:address or an https: URL, or remove it.', steps: [RECORD] },
    refs: ['RFC 8460 §3'],
  },
  {
    id: 'tls-rpt.misplaced',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'name', 'record'],
    title: 'The TLS-RPT record of {domain} is published at {name}, where senders never look',
    detail:
      'A TLS-RPT record ("{record}") is at {name}; senders look only at _smtp._tls.{domain} (RFC 8460 §3), so no reports are sent.',
    opportunistic: 'Unaffected.',
    verifying: 'Unaffected; no reports are sent.',
    remediation: { summary: 'Publish the same record at _smtp._tls.{domain} and delete the misplaced one.', steps: [RECORD] },
    refs: ['RFC 8460 §3'],
  },
]);
