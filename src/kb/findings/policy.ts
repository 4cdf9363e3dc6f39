// Catalogue entries policy.*: Policy: what the server does with mail without TLS.
import { defineFindings } from '../types.js';

export const POLICY_FINDINGS = defineFindings([

  // ----- Host level: policy -------------------------------------------------------------------
  {
    id: 'policy.requires-tls',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'stage', 'reply'],
    title: '{host} refuses mail without TLS (at {stage}): {reply}',
    detail:
      'Without STARTTLS, the server refused the envelope at {stage} with {reply}: it enforces TLS. Senders that use TLS are unaffected; a sender without ' +
      'TLS is refused. Note that RFC 3207 §4 says a publicly referenced SMTP server must not require TLS for local delivery: an MX that refuses clear text ' +
      'loses mail from the few senders without TLS.',
    opportunistic: 'Uses STARTTLS, since it is offered, and delivers over TLS; only a sender with TLS off or broken is refused.',
    verifying: 'Delivers over TLS.',
    remediation: {
      summary: 'Nothing to fix for TLS; enforcing it is a deliberate choice.',
      steps: [
        'Keep it if losing mail from senders without TLS is acceptable; otherwise accept clear text on the public MX and enforce TLS per partner instead.',
      ],
      exchange: ['Enforced by `Set-ReceiveConnector <name> -RequireTLS $true`; the default is $false.'],
      postfix: ['Enforced by `smtpd_tls_security_level = encrypt`; the usual setting for a public MX is `may`.'],
      exim: ['Usually enforced by an ACL statement such as `deny !encrypted = *` in acl_smtp_mail or acl_smtp_rcpt.'],
    },
    refs: ['RFC 3207 §4', 'RFC 8461'],
  },
  {
    id: 'policy.cleartext-accepted',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'stage'],
    title: '{host} accepts mail without TLS (tested up to {stage})',
    detail:
      'Without STARTTLS, the server accepted the envelope up to {stage}. This is normal for a public MX with opportunistic TLS: TLS is used when the ' +
      'sender supports it, but not enforced.',
    opportunistic: 'Uses TLS, since the server offers it; a sender without TLS is accepted too.',
    verifying: 'Uses TLS; that the server also accepts clear text does not matter to it.',
    remediation: {
      summary: 'Nothing to fix for a public MX; to guarantee TLS with a partner, enforce it for that partner.',
      steps: [
        'To protect mail with a specific partner, enforce TLS for its domain on the sending side and ask the partner to do the same; MTA-STS or DANE ' +
        'do this for every sender that supports them.',
      ],
      exchange: [
        'Sending: a send connector for the partner’s domain with `-RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain <name>`; in Exchange ' +
        'Online, an outbound connector with `-TlsSettings DomainValidation -TlsDomain <name>`.',
        'Receiving: a receive connector limited to the partner’s addresses with `-RequireTLS $true`; in Exchange Online, a partner inbound connector ' +
        'with `-RequireTls $true`.',
      ],
      postfix: [
        'Sending: `smtp_tls_policy_maps = hash:/etc/postfix/tls_policy` with a line such as `partner.example secure` (or `encrypt`), then `postmap ' +
        '/etc/postfix/tls_policy` and `postfix reload`.',
      ],
      exim: [
        'Sending: list the partner’s MX hosts in hosts_require_tls (and tls_verify_hosts) on the smtp transport, ' +
          'or give the partner its own router and transport.',
      ],
    },
    refs: ['RFC 3207 §4', 'RFC 7435', 'RFC 8461', 'RFC 7672'],
  },

  // ----- mxray enforce: does the server refuse mail without TLS? ------------------------------
  {
    id: 'policy.tls-enforced',
    severity: 'ok',
    actor: 'them',
    facts: ['host', 'stage', 'reply', 'controlReply'],
    title: '{host} refuses mail without TLS at {stage}: {reply}',
    detail:
      'Without STARTTLS the server refused at {stage} with {reply}; with STARTTLS the same envelope got {controlReply}. The refusal is about TLS, ' +
      'not about the envelope: a partner whose server does not use TLS is refused (a 5xx bounces the message at once, a 4xx keeps it queued ' +
      'until the sender gives up).',
    opportunistic: 'Uses STARTTLS, since it is offered, and delivers over TLS.',
    verifying: 'Delivers over TLS.',
    remediation: { summary: 'Nothing to fix: TLS is enforced as intended.', steps: [] },
    refs: ['RFC 3207 §4', 'RFC 3463'],
  },
  {
    id: 'policy.cleartext-not-refused',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'stage', 'reply'],
    title: '{host} does not enforce TLS: mail without TLS is not refused up to {stage}',
    detail:
      'Without STARTTLS the server accepted every step up to {stage} (last reply: {reply}). A sender without TLS gets this far, so TLS is not ' +
      'enforced for this envelope and this client address. Nothing was delivered: mxray stops before the end of the message, so a check made only ' +
      'at the end of DATA (Exim acl_smtp_data, Postfix smtpd_end_of_data_restrictions) cannot be seen; this says "not refused up to {stage}", ' +
      'never more. A connector that enforces TLS only for some senders, recipients or client addresses may still enforce it for those: test with ' +
      'their envelope (--from, --rcpt) from their address.',
    opportunistic: 'Uses TLS when it can; if its TLS fails or is stripped, it delivers in clear text and the server takes it.',
    verifying: 'Uses TLS; the server does not need to enforce it for such a sender.',
    remediation: {
      summary: 'Enforce TLS where it was meant to be enforced: on the receive connector for the partner, or for the whole server.',
      steps: [
        'Decide whether TLS should be required from everyone (a public MX usually must not: RFC 3207 §4) or only from certain partners, and enforce ' +
          'it there; then run mxray enforce again with the partner\'s sender address (--from) and recipient (--rcpt).',
      ],
      exchange: [
        'Exchange Server: a receive connector limited to the partner\'s IP addresses (`-RemoteIPRanges`) with `Set-ReceiveConnector <name> -RequireTLS $true`.',
        'Exchange Online: a partner inbound connector (`New-InboundConnector -ConnectorType Partner -RequireTls $true -SenderDomains <partner domain>`, ' +
          'optionally `-RestrictDomainsToIPAddresses $true -SenderIPAddresses …` or `-TlsSenderCertificateName`).',
      ],
      postfix: [
        'For everyone: `smtpd_tls_security_level = encrypt` (in master.cf for one smtpd service). For some clients: `reject_plaintext_session` in ' +
          'smtpd_recipient_restrictions after a check_client_access (or check_sender_access) lookup naming them; then `postfix reload`.',
      ],
      exim: ['In acl_smtp_mail or acl_smtp_rcpt: `deny hosts = <partner addresses>  !encrypted = *  message = STARTTLS is required`.'],
    },
    refs: ['RFC 3207 §4', 'RFC 5321 §3.3'],
  },
  {
    id: 'policy.enforcement-inconclusive',
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'stage', 'reply', 'controlReply', 'why'],
    title: 'Whether {host} enforces TLS cannot be told: {why}',
    detail:
      'Without STARTTLS the server answered {reply} at {stage}; with STARTTLS: {controlReply}. A refusal that comes with TLS too (or before TLS ' +
      'could matter) is about the envelope, the client address or a limit, not about TLS, so it says nothing about enforcement.',
    opportunistic: 'A real message with this envelope from this address would be refused the same way, with TLS or without.',
    verifying: 'The same.',
    remediation: {
      summary: 'Test with an envelope the server accepts with TLS: a valid recipient (--rcpt) and a sender it takes (--from), from an address it accepts mail from.',
      steps: ['Read the two replies: an unknown recipient, relaying denied, a block list or a partner connector that did not match each have their own fix.'],
    },
    refs: ['RFC 5321 §4.2', 'RFC 3463'],
    inconclusive: true,
  },
  {
    id: 'policy.enforcement-untested',
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'session', 'error'],
    title: 'Whether {host} enforces TLS could not be tested: the {session} session failed ({error})',
    detail: 'The {session} session ended before the server accepted or refused the envelope: {error}. Without it there is nothing to judge.',
    opportunistic: 'Not known.',
    verifying: 'Not known.',
    remediation: {
      summary: 'Run the test again; if it keeps failing, run mxray check on the server to see why.',
      steps: ['`mxray check <target>` shows each phase of the dialogue and why it stopped (a refused connection, a time-out, a broken reply).'],
    },
    refs: ['RFC 5321 §4.5.3.2'],
    inconclusive: true,
  },
  {
    id: 'policy.partner-connector',
    severity: 'info',
    actor: 'either',
    facts: ['host', 'reply'],
    title: '{host} answered with an Exchange Online partner-connector refusal: {reply}',
    detail:
      'This reply comes from Exchange Online when a message matches no partner (inbound) connector, or a connector whose conditions it does ' +
      'not meet. A partner connector may enforce TLS only for certain sender domains, client IP addresses or a client certificate: from ' +
      'another address, or with another sender domain, it refuses or accepts regardless of TLS. Test from the partner\'s own server with its ' +
      'sender domain to see what the partner sees.',
    opportunistic: 'Refused the same way, with or without TLS, unless it meets the connector\'s conditions.',
    verifying: 'The same.',
    remediation: {
      summary: 'Check the partner connector\'s sender domains, IP addresses and certificate name against the partner\'s real servers.',
      steps: ['Run mxray enforce from the partner\'s sending server (its IP address) with its sender domain (--from), or compare the connector with what its servers send.'],
      exchange: [
        '`Get-InboundConnector | Format-List Name,ConnectorType,SenderDomains,SenderIPAddresses,RestrictDomainsToIPAddresses,RestrictDomainsToCertificate,TlsSenderCertificateName,RequireTls`.',
      ],
    },
    refs: ['RFC 3463'],
  },
  {
    id: 'policy.client-cert-required',
    severity: 'info',
    actor: 'either',
    facts: ['host', 'reply'],
    title: '{host} requires a client certificate inside TLS: {reply}',
    detail:
      'With STARTTLS and no client certificate, the server refused ({reply}). Only senders that present a certificate it trusts can deliver: ' +
      'a partner connector with mutual TLS (Postfix smtpd_tls_req_ccert, Exim tls_verify_hosts, Exchange\'s certificate-based connectors). ' +
      'mxray presents no certificate here, so the control session could not show the envelope accepted; the cleartext refusal asked for TLS, ' +
      'so TLS is enforced either way.',
    opportunistic: 'Without a client certificate: refused inside TLS too (it defers, then gives up).',
    verifying: 'The same, unless it presents a certificate the server trusts.',
    remediation: {
      summary: 'If this is a partner connector, make sure every partner server presents a certificate the receiver trusts; otherwise ask for a certificate instead of requiring one.',
      steps: [
        'Partner side: configure the client certificate on the sending server (Postfix smtp_tls_cert_file/smtp_tls_key_file; Exchange: the send connector\'s TlsCertificateName).',
        'Receiver side: require a certificate only on the connector for that partner (Postfix: a separate smtpd in master.cf with -o smtpd_tls_req_ccert=yes; Exim: tls_verify_hosts listing only the partner\'s addresses).',
      ],
      postfix: ['`smtpd_tls_ask_ccert = yes` asks without requiring; `smtpd_tls_req_ccert = yes` (only at security level encrypt) requires.'],
    },
    refs: ['RFC 3207', 'RFC 8446 §4.3.2'],
  },
  {
    id: 'policy.cleartext-auth-challenged',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'reply'],
    title: '{host} takes AUTH LOGIN without TLS (it answered {reply})',
    detail:
      'Without STARTTLS the server answered AUTH LOGIN with a 334 challenge: a client that goes on sends its user name and password in clear ' +
      'text (base64 is an encoding, not encryption). mxray cancelled the exchange with "*" at once and sent no credential.',
    opportunistic: 'Not affected: servers relaying mail do not log in.',
    verifying: 'Not affected.',
    remediation: {
      summary: 'Refuse password logins before TLS.',
      steps: ['Configure the server to offer and accept AUTH only on encrypted connections, preferably only on ports 587/465.'],
      exchange: ['`Set-ReceiveConnector <name> -AuthMechanism "Tls, BasicAuth, BasicAuthRequireTLS"` on the connector clients use.'],
      postfix: ['`smtpd_tls_auth_only = yes` in main.cf, then `postfix reload`.'],
      exim: ['In each authenticator: `server_advertise_condition = ${if eq{$tls_in_cipher}{}{}{*}}`.'],
    },
    refs: ['RFC 4954 §4', 'RFC 8314'],
  },
  {
    id: 'policy.cleartext-auth-refused',
    severity: 'ok',
    actor: 'them',
    facts: ['host', 'reply'],
    title: '{host} refuses AUTH LOGIN without TLS: {reply}',
    detail: 'Without STARTTLS the server refused AUTH LOGIN ({reply}): no password can be sent in clear text here. mxray sent no credential.',
    opportunistic: 'Not affected.',
    verifying: 'Not affected.',
    remediation: { summary: 'Nothing to fix.', steps: [] },
    refs: ['RFC 4954 §4'],
  },
]);
