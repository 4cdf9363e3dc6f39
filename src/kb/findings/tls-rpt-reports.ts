// Catalogue entries tls-rpt.* (reports): what RFC 8460 aggregate reports received say (mxray tlsrpt).
// The reader of these reports is the receiving domain's administrator: "them" below is the domain
// the reports are about (policy-domain), which is usually the reader's own.
//
// Each RFC 8460 §4.3 result type has its own entry: what it means, whose fault it is, the fix per
// MTA, and the finding of the receiver test (`mxray check`) that shows the same problem from outside.
import { defineFindings } from '../types.js';

const OPPORTUNISTIC_FALLBACK = 'A sender without a policy for the domain delivers anyway, without TLS or with a certificate it does not check: the mail was not protected.';
const VERIFYING_DEFERS = 'A sender that enforces the policy (MTA-STS in enforce mode, DANE) does not deliver: it defers and retries, then bounces when its queue lifetime ends.';
const CHECK_STEP = 'Run `mxray check {domains}` from outside: it connects to every MX host as a sender does and names the problem on each.';

export const TLS_RPT_REPORT_FINDINGS = defineFindings([
  {
    id: 'tls-rpt.failures-reported',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'policyType', 'mode', 'failed', 'total', 'share', 'results', 'reporters'],
    title: '{failed} of {total} sessions to {domain} failed TLS ({share}, {policyType} policy): {results}',
    detail:
      'Sending servers ({reporters}) reported that {failed} of their {total} sessions to the MX hosts of {domain} failed to set up TLS as the domain’s {policyType} ' +
      'policy (mode {mode}) requires: {results}. That is 2 % of the sessions or more, so it is not a passing glitch; each result type below says what it means, ' +
      'whose fault it is and how to fix it.',
    opportunistic: OPPORTUNISTIC_FALLBACK,
    verifying: VERIFYING_DEFERS,
    remediation: {
      summary: 'Fix the result types listed, worst first (each has its own finding below), then watch the next days’ reports for the failures to stop.',
      steps: [CHECK_STEP.replace('{domains}', '{domain}'), 'With MTA-STS in testing mode nothing was refused yet: fix the failures before switching to enforce.'],
    },
    refs: ['RFC 8460 §4', 'RFC 8461', 'RFC 7672'],
  },
  {
    id: 'tls-rpt.failures-occasional',
    severity: 'warning',
    actor: 'them',
    facts: ['domain', 'policyType', 'mode', 'failed', 'total', 'share', 'results', 'reporters'],
    title: '{failed} of {total} sessions to {domain} failed TLS ({share}, {policyType} policy): {results}',
    detail:
      'Sending servers ({reporters}) reported {failed} failed sessions out of {total} to the MX hosts of {domain} (policy {policyType}, mode {mode}): {results}. ' +
      'Under 2 % of the sessions: often one MX host, one sender or a short outage (a certificate renewed late, a host out of service), but each failure is mail ' +
      'that was delayed, or sent without protection.',
    opportunistic: OPPORTUNISTIC_FALLBACK,
    verifying: VERIFYING_DEFERS,
    remediation: {
      summary: 'Look at which MX host and which result type the failures come from (the table), and fix that host.',
      steps: [CHECK_STEP.replace('{domains}', '{domain}')],
    },
    refs: ['RFC 8460 §4'],
  },
  {
    id: 'tls-rpt.all-successful',
    severity: 'ok',
    actor: 'them',
    facts: ['reports', 'successful', 'domains'],
    title: 'No failed session in {reports} reports: {successful} sessions to {domains} used TLS as their policy requires',
    detail: 'Every sending server that reported saw TLS set up and, where a policy asked for it, the certificate validated.',
    opportunistic: 'Delivers with TLS.',
    verifying: 'Delivers with TLS.',
    remediation: { summary: 'Nothing to fix.', steps: [] },
    refs: ['RFC 8460 §4'],
  },
  {
    id: 'tls-rpt.no-reports',
    severity: 'warning',
    inconclusive: true,
    actor: 'us',
    facts: ['files', 'unreadable'],
    title: 'No TLS-RPT report could be read from {files} input files ({unreadable} unreadable)',
    detail: 'Nothing was counted: no input held an RFC 8460 report mxray could read. The problems listed say, for each input, why.',
    opportunistic: 'Unknown: no report was read.',
    verifying: 'Unknown: no report was read.',
    remediation: {
      summary: 'Give mxray the report files (.json, .json.gz, .gz), the folder they are saved in, or the mailbox (mbox or .eml) they arrive in.',
      steps: ['Reports arrive at the address of the domain’s `_smtp._tls.<domain>` TXT record (`v=TLSRPTv1; rua=mailto:…`); `mxray posture <domain>` shows it.'],
    },
    refs: ['RFC 8460 §3', 'RFC 8460 §5'],
  },
  {
    id: 'tls-rpt.malformed-report',
    severity: 'warning',
    actor: 'either',
    facts: ['count', 'inputs', 'examples'],
    title: '{count} of {inputs} inputs could not be read as TLS-RPT reports: {examples}',
    detail:
      'These inputs were not counted (each is named with why in the problems list): not JSON, JSON that is not an RFC 8460 report, a damaged or oversized ' +
      'gzip stream, or a mail without a report attached. Everything else was counted.',
    opportunistic: 'Not applicable: this is about the report files.',
    verifying: 'Not applicable: this is about the report files.',
    remediation: {
      summary: 'Check the files named: a report cut short in transfer, a mail saved without its attachment, or a sender whose reports do not follow RFC 8460 (tell it, at the contact-info of its other reports).',
      steps: ['`mxray tlsrpt <files> --details` lists every input not counted, with why.', 'A gzip file: `gzip -t <file>` says whether it is whole.'],
    },
    refs: ['RFC 8460 §4', 'RFC 8460 §5.3'],
  },
  {
    id: 'tls-rpt.duplicate-reports',
    severity: 'info',
    actor: 'either',
    facts: ['count', 'example'],
    title: 'Duplicate reports (same organization-name and report-id) counted once: {count}',
    detail: 'The first copy read was counted; later copies were left out, e.g. {example}. A report mailed twice, or a folder and a mailbox holding the same one.',
    opportunistic: 'Not applicable: this is about the report files.',
    verifying: 'Not applicable: this is about the report files.',
    remediation: { summary: 'Nothing to fix.', steps: ['Save each report once (a mailbox or a folder, not both) to keep the counts plain.'] },
    refs: ['RFC 8460 §4.4'],
  },
  {
    id: 'tls-rpt.report-irregular',
    severity: 'info',
    actor: 'either',
    facts: ['count', 'examples'],
    title: 'Reports that deviate from RFC 8460 but were read: {count}; {examples}',
    detail:
      'Common and harmless deviations (a date without a time zone, read as UTC; failure details that do not add up to the summary, whose count is used) and ' +
      'parts left out (a policy without its counts). The per-report details (--details) list every warning.',
    opportunistic: 'Not applicable: this is about the report files.',
    verifying: 'Not applicable: this is about the report files.',
    remediation: {
      summary: 'Nothing to fix on your side; the sending organisation may want to know (its contact-info is in the report).',
      steps: ['`mxray tlsrpt <files> --details` lists each report’s warnings.'],
    },
    refs: ['RFC 8460 §4.4'],
  },
  {
    id: 'tls-rpt.limit-reached',
    severity: 'warning',
    actor: 'us',
    facts: ['limits'],
    title: 'A bound of mxray was reached while reading: {limits}',
    detail: 'mxray reads hostile input within fixed bounds (files, folder depth, report size, policies and failure details per report). What lies past a bound was not counted.',
    opportunistic: 'Not applicable: this is about the report files.',
    verifying: 'Not applicable: this is about the report files.',
    remediation: { summary: 'Give fewer files at a time (one month’s folder), or split the mailbox.', steps: ['The JSON report (--json) has the totals of everything counted.'] },
    refs: ['RFC 8460 §4'],
  },
  {
    id: 'tls-rpt.no-policy-found',
    severity: 'info',
    actor: 'them',
    facts: ['domains', 'sessions'],
    title: 'Senders found no MTA-STS or DANE policy for {domains} ({sessions} sessions)',
    detail:
      'For these sessions the sender found neither an MTA-STS policy nor DANE TLSA records, so TLS was opportunistic: an attacker on the path could have ' +
      'removed STARTTLS or presented any certificate, and the sender would have delivered anyway.',
    opportunistic: 'Delivers with TLS when offered, without it otherwise; the certificate is not checked.',
    verifying: 'Has no policy to enforce: behaves as an opportunistic sender.',
    remediation: {
      summary: 'Publish an MTA-STS policy (start in testing mode) or DANE TLSA records under DNSSEC; `mxray posture <domain>` shows what is published.',
      steps: ['MTA-STS: a `_mta-sts.<domain>` TXT record (`v=STSv1; id=<n>`) and the policy at https://mta-sts.<domain>/.well-known/mta-sts.txt.'],
    },
    refs: ['RFC 8460 §4.4', 'RFC 8461', 'RFC 7672'],
  },
  {
    id: 'tls-rpt.starttls-not-supported',
    severity: 'warning',
    actor: 'them',
    facts: ['resultType', 'failed', 'hosts', 'domains', 'reporters'],
    title: '{failed} sessions: {hosts} did not offer STARTTLS ({resultType})',
    detail:
      'The MX host’s EHLO reply did not offer STARTTLS, or STARTTLS was refused, so no TLS could be set up (reported by {reporters} for {domains}). Either the server ' +
      'has no TLS configured (or lost its certificate), or something in front of it hides the offer: a firewall’s SMTP inspection (Cisco ASA/Firepower ESMTP ' +
      'inspection) or a load balancer. The receiver test shows it as `starttls.not-offered` (or `starttls.masked` when the EHLO reply was rewritten).',
    opportunistic: 'Delivers in clear text: anyone on the path can read the mail.',
    verifying: VERIFYING_DEFERS,
    remediation: {
      summary: 'Offer STARTTLS on every MX host, with a certificate from a public CA for the host’s name, and take SMTP inspection off any firewall in front of it.',
      steps: [CHECK_STEP],
      exchange: [
        'The receive connector facing the internet must offer TLS: `Get-ReceiveConnector | fl Identity,AuthMechanism,Fqdn`; `Set-ReceiveConnector "<name>" -AuthMechanism Tls` (add the others it needs).',
        'A certificate for the connector’s FQDN bound to SMTP: `Get-ExchangeCertificate | fl Thumbprint,CertificateDomains,Services,NotAfter`; `Enable-ExchangeCertificate -Thumbprint <t> -Services SMTP`.',
        'Exchange Online always offers STARTTLS: failures point at another host in the MX records (an on-premises server or a gateway in front of Exchange Online).',
      ],
      postfix: ['`smtpd_tls_security_level = may` and `smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem` in main.cf; `postfix reload`; check with `postconf -n | grep tls`.'],
      exim: ['`tls_advertise_hosts = *`, `tls_certificate` and `tls_privatekey` in the main configuration; restart Exim.'],
    },
    refs: ['RFC 8460 §4.3.1', 'RFC 3207'],
  },
  {
    id: 'tls-rpt.certificate-host-mismatch',
    severity: 'warning',
    actor: 'them',
    facts: ['resultType', 'failed', 'hosts', 'domains', 'reporters'],
    title: '{failed} sessions: the certificate of {hosts} does not name the host ({resultType})',
    detail:
      'The certificate the MX host presented does not cover the name the sender connected to (reported by {reporters} for {domains}). With MTA-STS that is the MX ' +
      'host name, which the certificate must name (a wildcard covers one label); with DANE, the names TLSA allows. The receiver test shows it as `cert.name-mismatch`.',
    opportunistic: 'Delivers with TLS; the name is not checked.',
    verifying: VERIFYING_DEFERS,
    remediation: {
      summary: 'Install a certificate whose subject alternative names include every MX host name, on every MX host.',
      steps: [CHECK_STEP],
      exchange: [
        '`Get-ExchangeCertificate | fl Thumbprint,CertificateDomains,Services`: the MX name must be among CertificateDomains; the receive connector’s `Fqdn` and `TlsCertificateName` must match it.',
        'Exchange Online: mail.protection.outlook.com hosts carry Microsoft’s certificate; a mismatch there means the MTA-STS policy’s `mx:` lines do not match the MX records.',
      ],
      postfix: ['The certificate in `smtpd_tls_chain_files` must name the MX host (`openssl x509 -in fullchain.pem -noout -ext subjectAltName`).'],
      exim: ['The certificate in `tls_certificate` must name the MX host; with several names, `tls_certificate` may pick one per SNI (`${if eq{$tls_in_sni}…}`).'],
    },
    refs: ['RFC 8460 §4.3.2', 'RFC 8461 §4.1', 'RFC 6125'],
  },
  {
    id: 'tls-rpt.certificate-expired',
    severity: 'warning',
    actor: 'them',
    facts: ['resultType', 'failed', 'hosts', 'domains', 'reporters'],
    title: '{failed} sessions: the certificate of {hosts} has expired ({resultType})',
    detail:
      'The MX host presented a certificate past its expiry date (reported by {reporters} for {domains}). Usually a renewal that was done but not installed, or ' +
      'installed on one host of several. The receiver test shows it as `cert.expired`.',
    opportunistic: 'Delivers with TLS; the date is not checked.',
    verifying: VERIFYING_DEFERS,
    remediation: {
      summary: 'Renew the certificate, install it on every MX host, and make the server load it.',
      steps: [CHECK_STEP, 'Automate renewal, and monitor the expiry date (`mxray cert <host>` warns 30 days ahead).'],
      exchange: [
        '`Get-ExchangeCertificate | ft Thumbprint,NotAfter,Services,Subject`; import the new one (`Import-ExchangeCertificate`), `Enable-ExchangeCertificate -Thumbprint <new> -Services SMTP`, set it on the connectors (`Set-ReceiveConnector -TlsCertificateName`), then remove the expired one.',
      ],
      postfix: ['Renew (e.g. certbot with a deploy hook), then `postfix reload`: running smtpd processes keep the old certificate until then.'],
      exim: ['Renew the file `tls_certificate` names; Exim reads it for each new connection (restart it if the file path changed).'],
    },
    refs: ['RFC 8460 §4.3.2', 'RFC 5280 §4.1.2.5'],
  },
  {
    id: 'tls-rpt.certificate-not-trusted',
    severity: 'warning',
    actor: 'them',
    facts: ['resultType', 'failed', 'hosts', 'domains', 'reporters'],
    title: '{failed} sessions: the certificate of {hosts} is not trusted ({resultType})',
    detail:
      'The sender could not build a path from the MX host’s certificate to a root it trusts (reported by {reporters} for {domains}): a self-signed or private-CA ' +
      'certificate, or intermediates not sent. The receiver test shows it as `cert.self-signed`, `cert.untrusted-root` or `cert.chain-incomplete`.',
    opportunistic: 'Delivers with TLS; trust is not checked.',
    verifying: VERIFYING_DEFERS,
    remediation: {
      summary: 'Use a certificate from a public CA and send the whole chain (the certificate, then its intermediates).',
      steps: [CHECK_STEP],
      exchange: ['Install the intermediate certificates in the computer’s "Intermediate Certification Authorities" store, so that Exchange sends them, and restart the transport service.'],
      postfix: ['`smtpd_tls_chain_files` with the key and the full chain (leaf first, then intermediates); `postfix reload`.'],
      exim: ['`tls_certificate` must point at the full chain file (leaf, then intermediates).'],
    },
    refs: ['RFC 8460 §4.3.2', 'RFC 8461 §4.2'],
  },
  {
    id: 'tls-rpt.validation-failure',
    severity: 'warning',
    actor: 'either',
    facts: ['resultType', 'failed', 'hosts', 'domains', 'reporters', 'reasons'],
    title: '{failed} sessions to {hosts} failed validation ({resultType})',
    detail:
      'A failure none of the other result types names (reported by {reporters} for {domains}): the failure-reason-code, when sent, says more ({reasons}). Senders ' +
      'use it for a TLS handshake that failed (no shared protocol or cipher, a reset), an MX host that the MTA-STS policy does not list, or an X.509 error. The ' +
      'receiver test shows the cause from outside: `tls.handshake-failed`, `tls.no-shared-cipher`, `tls.old-protocol`, a `cert.*` finding, or for the policy `mta-sts.mx-not-covered`.',
    opportunistic: 'Usually retries in clear text or delivers without checking.',
    verifying: VERIFYING_DEFERS,
    remediation: {
      summary: 'Read the failure-reason-code, then run the receiver test against the MX host named to see what the sender met.',
      steps: [CHECK_STEP, 'Every MX host must be matched by an `mx:` line of the MTA-STS policy (`mxray posture <domain>`).'],
      exchange: ['Allow TLS 1.2 and its usual ciphers (Schannel: `Get-TlsCipherSuite`); TLS 1.0/1.1 only is refused by Google and Microsoft.'],
      postfix: ['`smtpd_tls_protocols = >=TLSv1.2` needs OpenSSL ciphers the sender shares; `smtpd_tls_ciphers = medium` is the safe default.'],
      exim: ['`tls_require_ciphers` must leave ciphers the sender offers; check `exim -bV` for the TLS library.'],
    },
    refs: ['RFC 8460 §4.3.3'],
  },
  {
    id: 'tls-rpt.tlsa-invalid',
    severity: 'warning',
    actor: 'them',
    facts: ['resultType', 'failed', 'hosts', 'domains', 'reporters'],
    title: '{failed} sessions: no TLSA record of {hosts} matches its certificate ({resultType})',
    detail:
      'The DANE TLSA records published for the MX host match none of the certificates it presented, or cannot be used (reported by {reporters} for {domains}): ' +
      'most often a certificate renewed with a new key before the TLSA record was updated. The receiver test and `mxray cert` show it as `cert.tlsa-mismatch`.',
    opportunistic: 'Delivers with TLS, without DANE.',
    verifying: 'A DANE sender (Postfix with `smtp_tls_security_level = dane`, Exchange Online) does not deliver: it defers, then bounces.',
    remediation: {
      summary: 'Publish a TLSA record for the certificate in use (3 1 1: the SHA-256 of its public key), and from now on publish the next key’s record before each renewal.',
      steps: ['Check a renewed certificate against the record before installing it: `mxray cert new.pem --tlsa "3 1 1 <hex>"`.', 'Keep the key across renewals (certbot `--reuse-key`) so that a 3 1 1 record stays valid.'],
    },
    refs: ['RFC 8460 §4.3.2', 'RFC 7672 §3', 'RFC 7671'],
  },
  {
    id: 'tls-rpt.dnssec-invalid',
    severity: 'warning',
    actor: 'them',
    facts: ['resultType', 'failed', 'domains', 'reporters'],
    title: '{failed} sessions: DNSSEC validation failed for {domains} ({resultType})',
    detail:
      'The sender’s validating resolver could not validate the DNSSEC signatures of the MX or TLSA records (reported by {reporters}): expired signatures, a DS ' +
      'record at the parent that matches no key, or a broken key rollover. Validating resolvers answer SERVFAIL; the receiver test shows it as `dns.servfail`.',
    opportunistic: 'May not even find the MX hosts: mail is deferred.',
    verifying: 'Cannot use DANE: defers, then bounces.',
    remediation: {
      summary: 'Have the DNS operator fix the zone’s signatures or the DS record at the registrar.',
      steps: ['Check the chain of trust with `delv @1.1.1.1 _25._tcp.<mx> TLSA` or dnsviz.net, then fix what it names (re-sign, or publish the right DS).'],
    },
    refs: ['RFC 8460 §4.3.2', 'RFC 4035'],
  },
  {
    id: 'tls-rpt.dane-required',
    severity: 'warning',
    actor: 'either',
    facts: ['resultType', 'failed', 'domains', 'reporters'],
    title: '{failed} sessions to {domains}: the sender requires DANE and found no usable TLSA records ({resultType})',
    detail:
      'The sender is set up to require DANE for this destination, but the MX host has no usable TLSA records under DNSSEC (reported by {reporters}). Either ' +
      'the TLSA records were removed or were never signed, or the sender’s requirement is wrong. No receiver-test finding shows a missing record (the posture ' +
      'test lists what is published); once records exist, one that matches no certificate is `cert.tlsa-mismatch`.',
    opportunistic: 'Not applicable: the sender required DANE.',
    verifying: 'Does not deliver: defers, then bounces.',
    remediation: {
      summary: 'Publish TLSA records for every MX host in a DNSSEC-signed zone, or ask the sender to stop requiring DANE for the domain.',
      steps: ['`mxray posture <domain>` shows what is published.'],
    },
    refs: ['RFC 8460 §4.3.2', 'RFC 7672'],
  },
  {
    id: 'tls-rpt.sts-policy-fetch-error',
    severity: 'warning',
    actor: 'them',
    facts: ['resultType', 'failed', 'domains', 'reporters', 'reasons'],
    title: '{failed} sessions: the MTA-STS policy of {domains} could not be fetched ({resultType})',
    detail:
      'The sender found the `_mta-sts` TXT record but could not fetch https://mta-sts.<domain>/.well-known/mta-sts.txt (reported by {reporters}: {reasons}): the ' +
      'host does not resolve, refuses HTTPS, or answers with an HTTP error (404, 500) or a redirect. The posture test shows it as `mta-sts.policy-unreachable`.',
    opportunistic: 'Delivers as without a policy: opportunistic TLS.',
    verifying: 'With a cached policy, keeps using it until it expires; without one, delivers as without a policy.',
    remediation: {
      summary: 'Serve the policy at https://mta-sts.<domain>/.well-known/mta-sts.txt with HTTP 200, no redirect, and a certificate for mta-sts.<domain>.',
      steps: ['`curl -sv https://mta-sts.<domain>/.well-known/mta-sts.txt` must answer 200 with the policy.', 'If you no longer want MTA-STS, publish `mode: none` first, then remove the TXT record after max_age.'],
      exchange: ['Exchange and Exchange Online do not host the policy: serve it from any HTTPS host (a static web site, Azure Static Web Apps, a CDN) under the name mta-sts.<domain>.'],
    },
    refs: ['RFC 8460 §4.3.2', 'RFC 8461 §3.3'],
  },
  {
    id: 'tls-rpt.sts-policy-invalid',
    severity: 'warning',
    actor: 'them',
    facts: ['resultType', 'failed', 'domains', 'reporters'],
    title: '{failed} sessions: the MTA-STS policy of {domains} is not valid ({resultType})',
    detail:
      'The policy was fetched but could not be used (reported by {reporters}): a syntax error (`version: STSv1`, `mode`, `mx`, `max_age` lines), a Content-Type ' +
      'other than text/plain, or mx lines that do not match the MX hosts. The posture test shows it as `mta-sts.bad-content-type` or `mta-sts.mx-not-covered`.',
    opportunistic: 'Delivers as without a policy: opportunistic TLS.',
    verifying: 'Keeps a cached valid policy until it expires; otherwise delivers as without a policy.',
    remediation: {
      summary: 'Serve exactly `version: STSv1`, `mode: enforce|testing|none`, one `mx:` line per MX pattern and `max_age: <seconds>`, as text/plain, and bump the id in the TXT record.',
      steps: ['`curl -sI https://mta-sts.<domain>/.well-known/mta-sts.txt` must say `Content-Type: text/plain`.'],
    },
    refs: ['RFC 8460 §4.3.2', 'RFC 8461 §3.2'],
  },
  {
    id: 'tls-rpt.sts-webpki-invalid',
    severity: 'warning',
    actor: 'them',
    facts: ['resultType', 'failed', 'domains', 'reporters'],
    title: '{failed} sessions: the MTA-STS policy host of {domains} has a certificate that does not validate ({resultType})',
    detail:
      'The HTTPS certificate of mta-sts.<domain> did not validate (reported by {reporters}): expired, not for that name, or not from a public CA, so the policy could ' +
      'not be authenticated. The posture test shows it as `mta-sts.policy-unreachable`.',
    opportunistic: 'Delivers as without a policy: opportunistic TLS.',
    verifying: 'Keeps a cached valid policy until it expires; otherwise delivers as without a policy.',
    remediation: {
      summary: 'Give the policy host a certificate from a public CA that names mta-sts.<domain>, with its chain.',
      steps: ['`openssl s_client -connect mta-sts.<domain>:443 -servername mta-sts.<domain>` shows what it presents.'],
    },
    refs: ['RFC 8460 §4.3.2', 'RFC 8461 §3.3'],
  },
  {
    id: 'tls-rpt.unknown-result-type',
    severity: 'warning',
    actor: 'either',
    facts: ['resultType', 'failed', 'hosts', 'domains', 'reporters', 'reasons'],
    title: '{failed} sessions to {hosts} failed with a result type RFC 8460 does not define: {resultType}',
    detail:
      'The sender ({reporters}) used a result type that is not registered ({resultType}; reason codes: {reasons}). Its meaning is the sender’s own: read it ' +
      'with the failure-reason-code, and ask the sender (its contact-info is in the report) if it is unclear.',
    opportunistic: 'Unknown.',
    verifying: 'Unknown.',
    remediation: { summary: 'Run the receiver test against the MX hosts named, and ask the sending organisation what the result type means.', steps: [CHECK_STEP] },
    refs: ['RFC 8460 §4.3'],
  },
]);
