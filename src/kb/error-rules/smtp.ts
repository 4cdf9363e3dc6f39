import { re, type ErrorRule } from './rule.js';

export const SMTP_RULES: readonly ErrorRule[] = [
  {
    id: 'smtp.starttls-required',
    platform: 'smtp',
    keywords: ['starttls'],
    patterns: [re('\\b530\\b[ -](?:5\\.7\\.0 )?Must issue a STARTTLS command first'), re('\\b5\\.7\\.0\\b.{0,40}STARTTLS')],
    meaning:
      'The receiving server accepts mail only over TLS, and the sender sent a mail command without STARTTLS first. The receiver is doing what it was told; the sender did not (or could not) start TLS.',
    fault: 'sender',
    causes: [
      { cause: 'The sender does not use STARTTLS (a send connector or relay configured without TLS).', findings: ['policy.requires-tls'] },
      { cause: 'The receiver did not offer STARTTLS to this sender (its address on a block list makes some receivers drop the offer).', findings: ['starttls.not-offered', 'dnsbl.listed'] },
      { cause: 'A firewall between them hides the STARTTLS offer.', findings: ['starttls.masked'] },
    ],
    confirm: 'mxray check {domain}',
    fixes: {
      exchange: ['Set-SendConnector <name> -RequireTLS $true (or remove whatever disables TLS on the connector), then retry the queue.'],
      postfix: ['smtp_tls_security_level = may (or encrypt for this destination in smtp_tls_policy_maps), postfix reload.'],
      exim: ['Remove the host from hosts_avoid_tls in the smtp transport.'],
    },
    refs: ['RFC 3207 §4', 'RFC 3463 §3.10'],
    samples: ['530 Must issue a STARTTLS command first', '530 5.7.0 Must issue a STARTTLS command first'],
  },
  {
    id: 'firewall.masked-starttls',
    platform: 'smtp',
    keywords: ['xxxxxxxa', "'xxxx"],
    patterns: [re('\\b250[ -]X{4,8}A\\b'), re("\\b500 '?X{4,}'?")],
    meaning:
      'A firewall’s SMTP inspection (Cisco ASA/PIX "fixup smtp" / ESMTP inspection) replaced the STARTTLS offer with X’s, or the STARTTLS command with X’s: TLS cannot start through it.',
    fault: 'path',
    causes: [{ cause: 'SMTP/ESMTP inspection on a firewall in front of the server.', findings: ['starttls.masked', 'smtp.banner-masked'] }],
    confirm: 'mxray check {host}',
    fixes: { any: ['Disable SMTP/ESMTP inspection for the mail server (Cisco ASA: no inspect esmtp in the policy map).'] },
    refs: ['Cisco ASA configuration guide: ESMTP inspection'],
    samples: ['250-XXXXXXXA', "500 'XXXXXXXX': command not recognized"],
  },
];
