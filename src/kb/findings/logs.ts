// Catalogue entries logs.*: what an MTA's own logs say about TLS on the sessions it had (mxray
// logs). The reader runs the servers that wrote the logs; "remote" is the other side of a session:
// the receiving server for outbound mail, the sending one for inbound. Counts come as facts
// ({count}, {total}, {share}); {where} names the worst domains or hosts.
import { defineFindings } from '../types.js';

const PAST = 'Not applicable: these sessions already happened; this says how they went.';
const PCAP = 'Capture the traffic and let `mxray pcap` say what really happened: `tcpdump -i any -s 0 -w smtp.pcap "tcp port 25"` on the server, then `mxray pcap smtp.pcap`.';

/** What the log cannot tell, for some sessions or for all of them. */
const UNKNOWN_DETAIL = '{why} A log line is not proof either way here: only the traffic itself shows whether the handshake happened and what went in clear text.';
const UNKNOWN_FIX = {
  summary: 'Capture the traffic and read it with `mxray pcap`, or turn on the logging that says.',
  steps: [PCAP],
  exchange: [
    'Exchange 2007 and later: `Set-SendConnector <name> -ProtocolLoggingLevel Verbose` and `Set-ReceiveConnector <name> -ProtocolLoggingLevel Verbose`; the SmtpSend and SmtpReceive protocol logs say "TLS negotiation succeeded" or why it failed.',
  ],
  postfix: ['`smtp_tls_loglevel = 1` and `smtpd_tls_loglevel = 1` in main.cf, then `postfix reload`: one "TLS connection established" line per session.'],
};

export const LOGS_FINDINGS = defineFindings([
  {
    id: 'logs.clear-fallback',
    severity: 'error',
    actor: 'either',
    facts: ['count', 'total', 'where', 'reason'],
    title: '{count} of {total} sessions fell back to clear text after TLS failed ({where})',
    detail:
      'TLS was tried and failed ({reason}), and the mail then went — or was tried — without TLS: what an opportunistic sender does. The message ' +
      'crossed the network readable and changeable by anyone on the path, although both sides meant to use TLS.',
    opportunistic: 'This is the opportunistic fallback: delivered, but in clear text.',
    verifying: 'A sender that requires TLS (MTA-STS enforce, DANE, a TLS-only policy) would have kept the mail queued instead.',
    remediation: {
      summary: 'Fix the failing handshake (see the reason and its explanation below), then require TLS towards the partners that matter.',
      steps: [
        'Run `mxray check <domain>` against the remote domain to see why its TLS fails (certificate, protocol, cipher).',
        'Where the partner must be protected, require TLS for it so that a failure defers instead of falling back.',
      ],
      exchange: ['`Set-SendConnector <name> -RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain <partner>` for the partner, or a partner connector.'],
      postfix: ['`smtp_tls_policy_maps` with `<partner> encrypt` (or `secure`), then `postmap` and `postfix reload`.'],
      exim: ['`hosts_require_tls = <partner hosts>` on the smtp transport.'],
    },
    refs: ['RFC 3207 §4.1', 'RFC 8461', 'RFC 7672'],
  },
  {
    id: 'logs.tls-failed',
    severity: 'error',
    actor: 'either',
    facts: ['count', 'total', 'where', 'reason'],
    title: 'TLS failed in {count} of {total} sessions ({where})',
    detail: 'STARTTLS was refused or the handshake failed, most often because {reason}. The mail in those sessions was deferred, bounced, or went on another attempt.',
    opportunistic: 'Usually retries in clear text on a new connection (see the sessions that fell back), or defers.',
    verifying: 'Defers, then bounces after the queue lifetime: mail is delayed or lost.',
    remediation: {
      summary: 'Read the failures below, most frequent first, with what each means and who must act.',
      steps: ['Run `mxray check <domain>` for a remote receiver, or `mxray sender-test` for a remote sender, to reproduce the failure and see its cause.'],
    },
    refs: ['RFC 3207', 'RFC 8446'],
  },
  {
    id: 'logs.cleartext',
    severity: 'error',
    actor: 'either',
    facts: ['count', 'total', 'share', 'where'],
    title: '{count} of {total} sessions went in clear text ({share}; {where})',
    detail:
      'No TLS at all in these sessions: the remote server did not offer STARTTLS, or the client did not use it. Their mail crossed the network readable ' +
      'by anyone on the path.',
    opportunistic: 'Sends in clear text when STARTTLS is not offered.',
    verifying: 'Would have refused to send (or to accept) without TLS.',
    remediation: {
      summary: 'Find which side does not use TLS: the domains and hosts below, worst first.',
      steps: [
        'Outbound: `mxray check <domain>` says whether the receiver offers STARTTLS. If it does, your server did not use it: check its outbound TLS setting.',
        'Inbound: the sender did not use the STARTTLS your server offers (`mxray check <your domain>` confirms the offer); `mxray sender-test` tests the sender.',
      ],
      exchange: ['Outbound TLS is on by default; a send connector with `-IgnoreSTARTTLS $true` turns it off (`Get-SendConnector | fl Name,IgnoreSTARTTLS,RequireTLS`).'],
      postfix: ['`smtp_tls_security_level = may` (outbound) and `smtpd_tls_security_level = may` with a certificate (inbound).'],
      exim: ['Outbound: `hosts_try_tls = *` (the default) on the smtp transport; inbound: `tls_advertise_hosts = *` with `tls_certificate` set.'],
    },
    refs: ['RFC 3207'],
  },
  {
    id: 'logs.old-protocol',
    severity: 'warning',
    actor: 'either',
    facts: ['count', 'protocols', 'where'],
    title: '{count} sessions used {protocols} ({where})',
    detail: 'TLS 1.0 and 1.1 are deprecated (RFC 8996): weaker, and refused by current servers, so these partners may soon fall back to clear text or fail.',
    opportunistic: 'Delivers with weaker protection.',
    verifying: 'Refuses them where its own minimum is TLS 1.2.',
    remediation: {
      summary: 'Update the remote side, or your own if it is the one that cannot do TLS 1.2.',
      steps: ['`mxray check <domain>` shows which versions a receiver takes.'],
      exchange: ['Enable TLS 1.2 for Schannel and .NET (`SchUseStrongCrypto`), per Microsoft’s TLS best practices for Exchange.'],
      postfix: ['`smtp_tls_protocols = >=TLSv1.2` once partners can; `smtpd_tls_protocols` for inbound.'],
      exim: ['`openssl_options = +no_tlsv1 +no_tlsv1_1` (OpenSSL builds) or a GnuTLS priority string without them.'],
    },
    refs: ['RFC 8996'],
  },
  {
    id: 'logs.unverified',
    severity: 'info',
    actor: 'either',
    facts: ['count', 'total', 'where'],
    title: '{count} of {total} encrypted sessions did not verify the certificate ({where})',
    detail:
      'Encrypted, but the certificate was not verified for the name (Postfix "Untrusted", "Anonymous", or, sending, "Trusted": a CA-signed chain whose name was not checked; Exim CV=no, Sendmail verify=FAIL/NO): normal for ' +
      'opportunistic TLS, which guards against reading on the path but not against a man in the middle.',
    opportunistic: 'Encrypts without checking who answered: normal.',
    verifying: 'Would refuse where the certificate does not verify for the name (MTA-STS, DANE, secure levels).',
    remediation: {
      summary: 'Nothing to fix for opportunistic TLS; publish or honour MTA-STS/DANE where authentication matters.',
      steps: ['`mxray posture <domain>` shows whether a partner publishes MTA-STS or DANE.'],
    },
    refs: ['RFC 8461', 'RFC 7672'],
  },
  {
    id: 'logs.tls-unknown',
    severity: 'info',
    actor: 'us',
    facts: ['count', 'total', 'why'],
    title: 'The log cannot tell whether {count} of {total} sessions used TLS',
    detail: UNKNOWN_DETAIL,
    opportunistic: PAST,
    verifying: PAST,
    remediation: UNKNOWN_FIX,
    refs: ['RFC 3207'],
  },
  {
    id: 'logs.tls-unknown-all',
    severity: 'warning',
    inconclusive: true,
    actor: 'us',
    facts: ['total', 'why'],
    title: 'The log cannot tell whether any of its {total} sessions used TLS',
    detail: UNKNOWN_DETAIL,
    opportunistic: PAST,
    verifying: PAST,
    remediation: UNKNOWN_FIX,
    refs: ['RFC 3207'],
  },
  {
    id: 'logs.tls-not-logged',
    severity: 'info',
    actor: 'us',
    facts: ['inputs', 'detail'],
    title: 'TLS is not logged in {inputs}',
    detail: '{detail}',
    opportunistic: PAST,
    verifying: PAST,
    remediation: {
      summary: 'Turn on the TLS logging so the next log says.',
      steps: ['Until then, a capture shows what the log does not: `mxray pcap`.'],
      postfix: ['`postconf -e smtp_tls_loglevel=1 smtpd_tls_loglevel=1 && postfix reload`'],
      exchange: ['`Get-SendConnector | Set-SendConnector -ProtocolLoggingLevel Verbose`; `Get-ReceiveConnector | Set-ReceiveConnector -ProtocolLoggingLevel Verbose`.'],
    },
    refs: ['postconf(5): smtp_tls_loglevel, smtpd_tls_loglevel'],
  },
  {
    id: 'logs.protocol-logging-off',
    severity: 'warning',
    inconclusive: true,
    actor: 'us',
    facts: ['inputs', 'how'],
    title: 'Only a message-tracking log: Exchange protocol logging is off in {inputs}',
    detail: 'A message-tracking log names senders, recipients and servers but nothing about TLS; the SMTP protocol logs do, and they are off by default. {how}',
    opportunistic: PAST,
    verifying: PAST,
    remediation: {
      summary: 'Turn protocol logging on for the send and receive connectors, then read the SmtpSend and SmtpReceive logs.',
      steps: ['Give mxray the protocol logs (SmtpSend, SmtpReceive) beside or instead of the tracking log.'],
      exchange: [
        '`Get-SendConnector | Set-SendConnector -ProtocolLoggingLevel Verbose`',
        '`Get-ReceiveConnector | Set-ReceiveConnector -ProtocolLoggingLevel Verbose`',
        'The logs: `%ExchangeInstallPath%TransportRoles\\Logs\\Hub\\ProtocolLog\\SmtpSend` and `…\\SmtpReceive` (Frontend for the front-end transport).',
      ],
    },
    refs: ['Microsoft Learn: Protocol logging (Exchange Server)'],
  },
  {
    id: 'logs.malformed-lines',
    severity: 'info',
    actor: 'us',
    facts: ['count', 'inputs', 'example'],
    title: '{count} lines could not be read in {inputs}',
    detail: 'They were counted and left out; the first: {example}. A log cut in the middle of a line, another program’s lines, or a format mxray does not know.',
    opportunistic: PAST,
    verifying: PAST,
    remediation: { summary: 'Nothing to fix if the count is small; otherwise give the format with `--format`.', steps: ['`mxray logs --details` shows the first unreadable lines.'] },
    refs: ['RFC 5424'],
  },
  {
    id: 'logs.unrecognised',
    severity: 'warning',
    inconclusive: true,
    actor: 'us',
    facts: ['inputs'],
    title: 'Not a log mxray can read: {inputs}',
    detail:
      'No line looked like Postfix, Exim, Sendmail, Exchange 2003 (IIS SMTP W3C) or Exchange 2007+ (protocol or message tracking) logs. A Windows ' +
      'event log export, a journal in binary form, or a format given wrongly with `--format`.',
    opportunistic: PAST,
    verifying: PAST,
    remediation: {
      summary: 'Give a text log of one of those formats (gzip is fine), or name the format with `--format`.',
      steps: ['systemd journal: `journalctl -u postfix@- -o short-iso > mail.log`.'],
    },
    refs: ['RFC 5424'],
  },
  {
    id: 'logs.no-sessions',
    severity: 'warning',
    inconclusive: true,
    actor: 'us',
    facts: ['inputs', 'filtered'],
    title: 'No SMTP session in {inputs}{filtered}',
    detail: 'The lines were read, but none belongs to an SMTP session with another server (or the filters left none).',
    opportunistic: PAST,
    verifying: PAST,
    remediation: { summary: 'Give the log of the server that talks to other organisations, or widen --domain/--since/--until.', steps: ['Sessions with the machine itself (a content filter on 127.0.0.1) count with `--include-local`.'] },
    refs: ['RFC 5321'],
  },
  {
    id: 'logs.all-tls',
    severity: 'ok',
    actor: 'either',
    facts: ['count', 'verified'],
    title: 'Every session whose log tells used TLS ({count}; {verified} verified)',
    detail: 'No session in clear text and no failed handshake.',
    opportunistic: 'Delivered with TLS.',
    verifying: 'Delivered with TLS.',
    remediation: { summary: 'Nothing to fix.', steps: [] },
    refs: [],
  },
]);
