// Catalogue entries send.*: `mxray send`, one real test message: delivered, refused, not sent (and why).
import { defineFindings } from '../types.js';

const NOT_SENT_OPPORTUNISTIC = 'Not applicable: this is about what mxray was told to require, not about a sending MTA.';

export const SEND_FINDINGS = defineFindings([
  {
    id: 'send.delivered',
    severity: 'ok',
    actor: 'them',
    facts: ['host', 'reply', 'queueId', 'messageId', 'tls'],
    title: '{host} accepted the message ({tls}): {reply}',
    detail:
      'The server accepted the message {messageId} at the end of its data with {reply} (queue id {queueId}). It is now the server’s to deliver: search its ' +
      'log or the recipient’s mailbox for the queue id, the Message-ID or the X-Mxray-Test header.',
    opportunistic: 'Delivers the same way.',
    verifying: 'Delivers the same way, if the certificate verifies (see the certificate verdict).',
    remediation: { summary: 'Nothing to fix: the message was accepted.', steps: [] },
    refs: ['RFC 5321 §4.1.1.4'],
  },
  {
    id: 'send.refused',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'stage', 'reply'],
    title: '{host} refused the message at {stage}: {reply}',
    detail:
      'The server refused at {stage} with {reply}, a permanent (5xx) refusal: a sending MTA bounces the message at once. The reply text and its enhanced ' +
      'status code say why; the findings below explain the ones mxray knows.',
    opportunistic: 'Bounced the same way.',
    verifying: 'Bounced the same way.',
    remediation: {
      summary: 'Read the reply: it names the rule that refused the message (recipient unknown, relay denied, policy, size, authentication).',
      steps: [
        'Find the refusal in the server’s log by the time and the client address, and the rule that made it.',
        'Relay denied or recipient unknown: send to an address of a domain the server accepts, or authenticate (--auth-user) on a submission port (587, 465).',
      ],
      postfix: ['`grep "reject:" /var/log/mail.log`: the line names the restriction (smtpd_recipient_restrictions, smtpd_relay_restrictions …).'],
      exchange: ['`Get-MessageTrackingLog -Start (Get-Date).AddHours(-1) -EventId FAIL` (Exchange Online: `Get-MessageTraceV2`).'],
      exim: ['`exigrep <sender> /var/log/exim4/mainlog`: the rejecting ACL is named in the log line.'],
    },
    refs: ['RFC 5321 §4.2', 'RFC 3463'],
  },
  {
    id: 'send.deferred',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'stage', 'reply'],
    title: '{host} refused the message for now at {stage}: {reply}',
    detail:
      'The server answered {reply} at {stage}, a temporary (4xx) refusal: a sending MTA keeps the message queued and retries (greylisting, a rate limit, ' +
      'a full disk, a failing content filter).',
    opportunistic: 'Queued and retried; delivered late or bounced when the queue lifetime ends.',
    verifying: 'The same.',
    remediation: {
      summary: 'Send again after a few minutes; if the refusal stays, find its cause in the server’s log.',
      steps: ['Greylisting passes on the second try after its delay (often 1 to 5 minutes); a rate limit after a pause.'],
    },
    refs: ['RFC 5321 §4.2.1', 'RFC 6647'],
  },
  {
    id: 'send.failed',
    inconclusive: true,
    severity: 'error',
    actor: 'either',
    facts: ['host', 'stage', 'status', 'detail'],
    title: 'No message sent to {host}: the session failed at {stage} ({status})',
    detail: 'The session with {host} stopped at {stage}: {detail}. Nothing was delivered, and nothing is known of what the server does with a message.',
    opportunistic: 'Unknown: the test did not complete.',
    verifying: 'Unknown: the test did not complete.',
    remediation: {
      summary: 'Check that the server is reachable from here on that port, then send again (--verbose shows the transcript).',
      steps: ['Port 25 is often blocked by access providers and clouds for outgoing connections: send from a server that may connect, or to port 587.'],
    },
    refs: ['RFC 5321 §3.8'],
  },
  {
    id: 'send.tls-unavailable',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'mode', 'why'],
    title: 'Not sent to {host}: --tls {mode} and {why}',
    detail:
      'The message was not sent because TLS was required ({mode}) and {why}. A sending MTA that enforces TLS for this destination (Postfix `encrypt` or ' +
      '`secure`, an Exchange connector with RequireTLS, MTA-STS in enforce mode, DANE) defers the message the same way and bounces it at the end of its queue lifetime.',
    opportunistic: 'Delivers without TLS (or with a certificate it does not check).',
    verifying: 'Cannot deliver: defers, then bounces.',
    remediation: {
      summary: 'Offer STARTTLS with a certificate from a public CA for the server’s name (and the whole chain), or relax what the sender requires.',
      steps: [
        'STARTTLS not offered: enable it (and check that no firewall rewrites the EHLO reply).',
        'A certificate that does not verify: install one from a public CA that names this server, with its intermediate certificates (see `mxray check` for the details).',
      ],
      postfix: ['`smtpd_tls_security_level = may`, `smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem`.'],
      exchange: ['`Get-ExchangeCertificate` / `Enable-ExchangeCertificate -Services SMTP`; the receive connector’s `-TlsCertificateName`.'],
      exim: ['`tls_certificate` and `tls_privatekey` in the main configuration, `tls_advertise_hosts = *`.'],
    },
    refs: ['RFC 3207', 'RFC 7672', 'RFC 8461'],
  },
  {
    id: 'send.cleartext-auth-refused',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'mechanism'],
    title: 'Not sent to {host}: AUTH {mechanism} would have sent the password without TLS',
    detail:
      'The session had no TLS when it came to AUTH, and mxray never sends a credential in clear text unless told to (--allow-cleartext-auth). Anyone on the path ' +
      'could read the password.',
    opportunistic: NOT_SENT_OPPORTUNISTIC,
    verifying: NOT_SENT_OPPORTUNISTIC,
    remediation: {
      summary: 'Use --tls required (STARTTLS, port 587) or --tls implicit (port 465); on a test server only, --allow-cleartext-auth.',
      steps: ['A submission server should offer AUTH only inside TLS (Postfix `smtpd_tls_auth_only = yes`).'],
    },
    refs: ['RFC 4954 §4', 'RFC 8314'],
  },
  {
    id: 'send.auth-unavailable',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'wanted', 'offered'],
    title: 'Not sent to {host}: no usable AUTH mechanism ({wanted} wanted, {offered} offered)',
    detail:
      'A login was asked for, but the server offered no mechanism mxray can use: it offered {offered}. Many servers offer AUTH only inside TLS, and only on ' +
      'the submission ports (587, 465), not on port 25.',
    opportunistic: NOT_SENT_OPPORTUNISTIC,
    verifying: NOT_SENT_OPPORTUNISTIC,
    remediation: {
      summary: 'Send to the submission port with TLS (--port 587 --tls required, or --port 465); check the mechanisms in the EHLO reply (--verbose).',
      steps: ['Look at the AUTH line of the EHLO reply inside TLS (mxray send --verbose); name a mechanism it lists with --auth-mechanism.'],
      postfix: ['Submission in master.cf with `-o smtpd_sasl_auth_enable=yes`; `smtpd_sasl_type = dovecot`.'],
      exchange: ['Exchange Online: `Set-CASMailbox <user> -SmtpClientAuthenticationDisabled $false`, host smtp.office365.com port 587.'],
    },
    refs: ['RFC 4954', 'RFC 8314'],
  },
  {
    id: 'send.auth-failed',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'mechanism', 'reply'],
    title: '{host} refused the login (AUTH {mechanism}): {reply}',
    detail: 'The server refused the credentials with {reply}. Nothing was sent after it. The password or token is not shown anywhere in this report.',
    opportunistic: NOT_SENT_OPPORTUNISTIC,
    verifying: NOT_SENT_OPPORTUNISTIC,
    remediation: {
      summary: 'Check the user name, the password or token, and that the account may submit mail with SMTP AUTH.',
      steps: ['535 5.7.8: wrong credentials; 534 5.7.9: the mechanism is too weak (use TLS and PLAIN or XOAUTH2); 454 4.7.0: a temporary failure of the server’s authentication back end.'],
    },
    refs: ['RFC 4954 §6'],
  },
  {
    id: 'send.exo-smtp-auth-disabled',
    severity: 'info',
    actor: 'either',
    facts: ['host', 'reply'],
    title: '{host} (Exchange Online): SMTP AUTH is disabled or blocked for this account ({reply})',
    detail:
      'Exchange Online answers 535 5.7.139 "Authentication unsuccessful" when SMTP AUTH (client submission) is turned off for the tenant or the mailbox, ' +
      'when security defaults turn off basic authentication, or when a sign-in policy (MFA, conditional access) blocks it. The password may well be right.',
    opportunistic: NOT_SENT_OPPORTUNISTIC,
    verifying: NOT_SENT_OPPORTUNISTIC,
    remediation: {
      summary: 'Turn SMTP AUTH on for the mailbox, or use OAuth (XOAUTH2 with --oauth-token-env).',
      steps: ['Basic authentication for SMTP AUTH is being retired by Microsoft: prefer OAuth 2.0 (XOAUTH2) with a token for https://outlook.office365.com/SMTP.Send.'],
      exchange: [
        '`Set-CASMailbox -Identity <user> -SmtpClientAuthenticationDisabled $false`; tenant-wide `Set-TransportConfig -SmtpClientAuthenticationDisabled $false`.',
        'Security defaults (Entra ID) block basic authentication: use XOAUTH2, or a conditional-access exception.',
      ],
    },
    refs: ['https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission'],
  },
  {
    id: 'send.auth-required',
    severity: 'info',
    actor: 'us',
    facts: ['host', 'reply'],
    title: '{host} wants a login before it takes mail from this client: {reply}',
    detail:
      'The reply asks for authentication: a submission server (Exchange Online’s "530 5.7.57 Client not authenticated to send mail", Postfix with ' +
      'smtpd_sasl) takes mail only from a client that logged in.',
    opportunistic: NOT_SENT_OPPORTUNISTIC,
    verifying: NOT_SENT_OPPORTUNISTIC,
    remediation: {
      summary: 'Send with --auth-user and --auth-password-env (or --oauth-token-env for XOAUTH2), over TLS.',
      steps: ['To test inbound mail rather than submission, send to the domain’s MX on port 25 instead.'],
      exchange: ['Exchange Online: smtp.office365.com port 587 with STARTTLS and an account licensed for a mailbox.'],
    },
    refs: ['RFC 4954 §6'],
  },
  {
    id: 'send.too-large',
    severity: 'info',
    actor: 'either',
    facts: ['host', 'bytes', 'limit', 'reply'],
    title: '{host} refused a message of {bytes} bytes as too large: {reply}',
    detail: 'The server’s size limit is {limit}. A sending MTA bounces a larger message at once.',
    opportunistic: 'Bounced the same way.',
    verifying: 'Bounced the same way.',
    remediation: {
      summary: 'Raise the size limit if messages of this size must pass, or send smaller ones.',
      steps: ['Compare the limit with what partners send: 25 to 35 MB is common (Exchange Online: 25 MB by default, up to 150 MB).'],
      postfix: ['`message_size_limit` (default 10240000 bytes).'],
      exchange: ['`Set-ReceiveConnector <name> -MaxMessageSize`, `Set-TransportConfig -MaxReceiveSize`.'],
      exim: ['`message_size_limit` (default 50M).'],
    },
    refs: ['RFC 1870', 'RFC 5321 §4.5.3.1.10'],
  },
  {
    id: 'send.extension-missing',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'extension', 'why'],
    title: 'Not sent to {host}: {why}, and the server does not offer {extension}',
    detail:
      'The message needs {extension} ({why}), which the server did not advertise in its EHLO reply. mxray does not convert or downgrade the message: a ' +
      'sending MTA would have to (8-bit to quoted-printable), or bounce it.',
    opportunistic: NOT_SENT_OPPORTUNISTIC,
    verifying: NOT_SENT_OPPORTUNISTIC,
    remediation: {
      summary: 'Send a message the server can take (7-bit ASCII, ASCII addresses), or enable the extension on the server.',
      steps: ['REQUIRETLS (RFC 8689) is offered by few servers yet; 8BITMIME and SMTPUTF8 by Postfix, Exim and Exchange.'],
      postfix: ['`smtputf8_enable = yes`; 8BITMIME is always offered.'],
    },
    refs: ['RFC 6152', 'RFC 6531', 'RFC 8689'],
  },
  {
    id: 'send.cleartext',
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'why'],
    title: 'The message went to {host} without TLS ({why})',
    detail: 'The message and the envelope crossed the network in clear text ({why}): anyone on the path could read or change them.',
    opportunistic: 'Sends without TLS only when the server does not offer it.',
    verifying: 'Does not send.',
    remediation: {
      summary: 'Offer STARTTLS on the server; send with --tls opportunistic or required.',
      steps: ['Run `mxray check` on the server to see why STARTTLS is missing or refused (not configured, masked by a firewall, a broken certificate).'],
    },
    refs: ['RFC 3207', 'RFC 7435'],
  },
  {
    id: 'send.certificate-unverified',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'why'],
    title: 'The message went to {host} over TLS with a certificate that does not verify ({why})',
    detail:
      'The session was encrypted, but the certificate {why}: a sender that verifies (Postfix `secure`, DANE, MTA-STS, an Exchange connector with ' +
      'DomainValidation) would not have sent the message. Run `mxray check` on the server for the full certificate verdict.',
    opportunistic: 'Sends anyway: it does not check the certificate.',
    verifying: 'Does not send.',
    remediation: {
      summary: 'Install a certificate from a public CA that names the server, with its whole chain.',
      steps: ['Run `mxray check` on the server: its certificate findings say what is wrong and how to fix it for each MTA.'],
    },
    refs: ['RFC 7672', 'RFC 8461', 'RFC 6125'],
  },
  {
    id: 'send.load',
    severity: 'info',
    actor: 'us',
    facts: ['host', 'count', 'concurrency', 'delivered', 'rate', 'p50', 'p90', 'p99', 'max'],
    title: '{host}: {delivered} of {count} messages delivered over {concurrency}: {rate} messages/s (latency p50 {p50} ms, p90 {p90} ms, p99 {p99} ms, max {max} ms)',
    detail:
      'Each session sent its share of the messages one after the other; a message’s latency is from its MAIL FROM to the final reply to its data, on ' +
      'mxray’s clock. The rate counts delivered messages over the whole run, connections and handshakes included.',
    opportunistic: 'Not applicable: a measurement.',
    verifying: 'Not applicable: a measurement.',
    remediation: { summary: 'Nothing to fix.', steps: ['Compare with a run of Postfix’s `smtp-source` against the same server (bench/send.js does both on loopback).'] },
    refs: ['RFC 2920', 'RFC 3030'],
  },
  {
    id: 'send.load-failures',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'count', 'failed', 'first'],
    title: '{host}: {failed} of {count} messages were not delivered (first: {first})',
    detail:
      'Some messages of the run were refused, deferred or not sent: a server under load refusing connections (421), a rate limit, a session or message limit. ' +
      'The first failure: {first}.',
    opportunistic: 'Queued and retried (4xx) or bounced (5xx).',
    verifying: 'The same.',
    remediation: {
      summary: 'Compare with the server’s connection and rate limits.',
      steps: ['Send again with a lower --concurrency: a server that limits connections per client refuses the sessions beyond its limit.'],
      postfix: ['`smtpd_client_connection_count_limit`, `smtpd_client_message_rate_limit`, `anvil_rate_time_unit`.'],
      exchange: ['Receive connector `-MaxInboundConnectionPerSource`, `-MessageRateLimit`.'],
      exim: ['`smtp_accept_max_per_host`, `smtp_accept_max`, ratelimit ACLs.'],
    },
    refs: ['RFC 5321 §4.5.3.2'],
  },
  {
    id: 'send.mx-passed-over',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'reason', 'next'],
    title: '{host} did not take the session ({reason}): the message went on to {next}',
    detail:
      'An MX address, in preference order, that did not take the session as far as the envelope: {reason}. As a sending MTA does (RFC 5321 §5.1), ' +
      'mxray went on to the next address, {next}. Mail still arrives, but every sender waits for this address first (a connection timeout costs ' +
      'them up to a minute or more per message), and a server that is down or refusing is usually not meant to be.',
    opportunistic: 'Tries the next MX address too: delivered, later.',
    verifying: 'The same: the next MX address, if it verifies.',
    remediation: {
      summary: 'Bring the server back, or take its address out of the MX records (or out of the MX name’s A/AAAA records) while it is down.',
      steps: [
        'Run `mxray check` on the domain: it tests every MX address and says which ones fail and why.',
        'A backup MX of lower preference that is meant to be down: remove its record; senders try it on every message that the first MX defers.',
      ],
    },
    refs: ['RFC 5321 §5.1'],
  },
  {
    id: 'send.client-cert-required',
    severity: 'error',
    actor: 'us',
    facts: ['host', 'how'],
    title: '{host} requires a client certificate, and none was presented: {how}',
    detail:
      'The server accepts mail only from senders that present a certificate it trusts (mutual TLS, as partner connectors set it up): {how}. Nothing was ' +
      'delivered. A partner’s MTA that sends without the certificate the connector expects is refused the same way.',
    opportunistic: 'Refused: it presents no certificate (and after a failed handshake, cleartext is refused too when the server enforces TLS).',
    verifying: 'Refused the same way, unless it is configured to present the certificate.',
    remediation: {
      summary: 'Send with the certificate the server expects: --client-cert and --client-key (PEM), or --client-pfx with its password in the environment.',
      steps: [
        'Ask the receiving side which CA its connector trusts and which subject or name it matches, then present a certificate that fits.',
        'On the sending MTA, configure the certificate for this destination; on the receiving side, check that the CA of the partner’s certificate is trusted.',
      ],
      postfix: ['Sending: `smtp_tls_chain_files = /etc/postfix/client-key.pem, /etc/postfix/client-chain.pem`. Receiving: `smtpd_tls_req_ccert`, `smtpd_tls_CAfile`.'],
      exchange: [
        'Sending: the Send connector’s `-TlsCertificateName "<I>issuer<S>subject"` (Exchange Online: an outbound connector with `-TlsSettings CertificateValidation`).',
        'Receiving: the partner connector’s `-TlsSenderCertificateName` (Exchange Online: `Set-InboundConnector -TlsSenderCertificateName`).',
      ],
      exim: ['Sending: `tls_certificate` and `tls_privatekey` on the smtp transport. Receiving: `tls_verify_hosts`, `tls_verify_certificates`.'],
    },
    refs: ['RFC 8446 §4.4.2.4', 'RFC 5246 §7.4.4'],
  },
  {
    id: 'send.client-cert-refused',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'how', 'subject'],
    title: '{host} refused the client certificate presented ({subject}): {how}',
    detail:
      'The server asked for a client certificate and refused the one presented ({subject}): {how}. It does not trust its CA (unknown_ca), or the certificate ' +
      'is expired, lacks the clientAuth extended key usage, or does not match the subject or name the connector expects. Nothing was delivered.',
    opportunistic: 'Refused the same way with this certificate.',
    verifying: 'Refused the same way with this certificate.',
    remediation: {
      summary: 'Present a certificate from a CA the server trusts, valid now, with clientAuth, matching what the connector expects — or add its CA on the receiving side.',
      steps: [
        'Check the certificate: `mxray cert <file>` shows its issuer, validity and extended key usage.',
        'Ask the receiving side which CA and subject its connector expects; its log names the reason of the refusal.',
      ],
      postfix: ['Receiving: `smtpd_tls_CAfile` must hold the CA of the partner’s certificate; `smtpd_tls_loglevel = 1` logs the verification failure.'],
      exchange: ['Receiving: the partner connector’s `-TlsSenderCertificateName` must match the certificate’s subject or a name in it.'],
      exim: ['Receiving: `tls_verify_certificates` must hold its CA; the mainlog names the failure.'],
    },
    refs: ['RFC 8446 §4.4.2.4', 'RFC 5280 §4.2.1.12'],
  },
]);
