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
]);
