// Error texts any MTA may write, in the words of the RFCs: STARTTLS's own replies (RFC 3207), the
// security statuses of the enhanced status code registry that concern TLS (RFC 3463, RFC 4954,
// RFC 5248, RFC 8689), the result types of TLS-RPT reports (RFC 8460), and the texts a firewall's SMTP
// inspection leaves behind. Also the ranked causes of a missing STARTTLS offer, which every rule whose
// text says "not offered" shares (other-mtas.ts uses them too).
import { re, type ErrorRule } from './rule.js';

/**
 * Why a server's EHLO reply has no STARTTLS, most likely first. RFC 3207 §4 leaves the offer to the
 * server; RFC 7672 §1.3 and RFC 8461 §1 describe its removal in the path, the downgrade DANE and
 * MTA-STS exist against. `mxray check <host> --dnsbl` tells them apart: whether mxray is offered
 * STARTTLS (and our own address listed), whether the keyword is masked, whether EHLO is refused.
 */
export const STARTTLS_MISSING_CAUSES: ErrorRule['causes'] = [
  { cause: 'The receiving server has no TLS set up: STARTTLS was never enabled, or no certificate is configured.', findings: ['starttls.not-offered'] },
  {
    cause:
      'The receiver offers STARTTLS, but not to this sender: the sending address is on a block list, and receivers such as Exchange Online Protection then leave STARTTLS out of their EHLO reply.',
    findings: ['dnsbl.listed', 'starttls.not-offered'],
  },
  {
    cause:
      'The server’s certificate or key cannot be loaded (expired and replaced, renamed, unreadable), so the MTA silently stops offering STARTTLS: Exchange logs event 12014, Sendmail "STARTTLS=server: file … unsafe", Postfix a key it cannot load (OpenSMTPD refuses to start instead).',
    findings: ['starttls.not-offered'],
  },
  { cause: 'A firewall’s SMTP inspection (Cisco ASA/PIX ESMTP inspection, "fixup smtp") replaced STARTTLS with X’s or removed it.', findings: ['starttls.masked', 'smtp.banner-masked'] },
  { cause: 'The server speaks only SMTP: it refuses EHLO, the client falls back to HELO, and without extensions there is no STARTTLS.', findings: ['smtp.esmtp-unsupported'] },
  { cause: 'Something in the path strips STARTTLS from the EHLO reply: a downgrade attack, the threat DANE (RFC 7672) and MTA-STS (RFC 8461) protect against.', findings: ['starttls.not-offered'] },
];

/** The fixes for a missing STARTTLS offer, per platform (the receiver's side first). */
export const STARTTLS_MISSING_FIXES: ErrorRule['fixes'] = {
  any: [
    'Run the confirming command from the sending network and from another one: STARTTLS seen elsewhere but not from the sender points to a block listing or a firewall on the sender’s side.',
    'Receiver: enable STARTTLS with a certificate for the MX host name; turn off SMTP/ESMTP inspection (Cisco ASA: no inspect esmtp, or allow-tls in its policy map).',
    'Sender: if your address is listed, get it delisted (mxray blocklist <address>); publish MTA-STS or DANE on your own domains so senders refuse a stripped offer.',
  ],
  exchange: ['Receiver: Get-ExchangeCertificate | fl Thumbprint,Services,CertificateDomains,NotAfter — a valid certificate naming the receive connector’s FQDN must be enabled for SMTP (Enable-ExchangeCertificate -Services SMTP).'],
  postfix: ['Receiver: smtpd_tls_security_level = may with smtpd_tls_chain_files; look for warnings about the key or certificate in the mail log.'],
  sendmail: ['Receiver: confSERVER_CERT/confSERVER_KEY must point at readable files (Sendmail logs "STARTTLS=server: file … unsafe" when not), then restart.'],
  opensmtpd: ['Receiver: listen on … tls pki <name>, with pki <name> cert/key files that load (smtpd -n checks them).'],
};

const ENHANCED = '[45]\\.[0-9]{1,3}\\.[0-9]{1,3}';

export const SMTP_RULES: readonly ErrorRule[] = [
  {
    id: 'smtp.starttls-required',
    platform: 'smtp',
    keywords: ['must issue a starttls command first'],
    patterns: [re(`\\b530[ -](?:(?:5\\.7\\.0|5\\.5\\.1|5\\.7\\.10) )?(?:Invalid command: )?Must issue a STARTTLS command first`)],
    meaning:
      'The receiving server accepts mail only over TLS (RFC 3207 §4: it answers every command but NOOP, EHLO, STARTTLS and QUIT with 530), and the sender sent a mail command without STARTTLS first. The receiver is doing what it was told; the sender did not, or could not, start TLS.',
    fault: 'sender',
    causes: [
      { cause: 'The sender does not use STARTTLS (a send connector, relay or client configured without TLS).', findings: ['policy.requires-tls'] },
      { cause: 'The receiver did not offer STARTTLS to this sender: its address is on a block list, and some receivers then leave STARTTLS out.', findings: ['dnsbl.listed', 'starttls.not-offered'] },
      { cause: 'A firewall between them hides the STARTTLS offer (SMTP inspection).', findings: ['starttls.masked'] },
      { cause: 'Something in the path strips STARTTLS from the receiver’s EHLO reply (a downgrade).', findings: ['starttls.not-offered'] },
    ],
    confirm: 'mxray check {domain} --dnsbl',
    fixes: {
      exchange: ['Set-SendConnector <name> -RequireTLS $true (or remove whatever disables TLS on the connector), then retry the queue.'],
      postfix: ['smtp_tls_security_level = may (or encrypt for this destination in smtp_tls_policy_maps), postfix reload.'],
      exim: ['Remove the host from hosts_avoid_tls in the smtp transport.'],
      sendmail: ['Remove a Try_TLS:<host> NO entry from the access map.'],
      any: ['If STARTTLS is offered to others but not to you, find out why (block listing, your own firewall) before anything else.'],
    },
    refs: ['RFC 3207 §4', 'RFC 3463 §3.8 (X.7.0)', 'OpenSMTPD smtpd.conf(5): listen … tls-require'],
    samples: [
      '530 Must issue a STARTTLS command first',
      '530 5.7.0 Must issue a STARTTLS command first',
      // OpenSMTPD 6.8.0p2 (Debian 12) listening with tls-require, a client sending MAIL FROM in clear text (produced here on loopback).
      '4485ffaa63d93a88 smtp failed-command command="MAIL FROM:<s@client.lab.test>" result="530 5.5.1 Invalid command: Must issue a STARTTLS command first"',
    ],
  },
  {
    id: 'smtp.tls-not-available',
    platform: 'smtp',
    keywords: ['tls not available due to temporary reason'],
    // OpenSMTPD quotes the reply in its own words ("STARTTLS rejected: …"): its own rule explains that line.
    patterns: [re(`(?<!STARTTLS rejected: )\\b454[ -](?:${ENHANCED} )?TLS not available due to temporary reason`)],
    meaning:
      'The server advertised STARTTLS but answered the command with 454 (RFC 3207 §4): it cannot start TLS right now. The session goes on in clear text or the client gives up, depending on whether it requires TLS.',
    fault: 'receiver',
    causes: [
      { cause: 'The server’s TLS set-up failed to load (certificate or key file missing, unreadable, not matching) while it still advertises STARTTLS.', findings: ['starttls.rejected'] },
      { cause: 'The server limits TLS sessions or is overloaded and refuses new ones for a while.', findings: ['starttls.rejected', 'smtp.rate-limited'] },
    ],
    confirm: 'mxray check {host}',
    fixes: {
      any: ['Receiver: check the MTA’s log at start-up and at the STARTTLS for the TLS error (key, certificate, library), fix it, restart.'],
      postfix: ['Receiver: postfix check; look for "cannot load" / "TLS library problem" warnings; smtpd_tls_chain_files readable by Postfix.'],
    },
    refs: ['RFC 3207 §4'],
    samples: ['454 TLS not available due to temporary reason', '454 4.7.0 TLS not available due to temporary reason'],
  },
  {
    id: 'smtp.starttls-parameters',
    platform: 'smtp',
    keywords: ['no parameters allowed'],
    patterns: [re(`\\b501[ -](?:${ENHANCED} )?Syntax error \\(no parameters allowed\\)`)],
    meaning: 'The client sent STARTTLS with something after it; the command takes no parameters (RFC 3207 §4), so the server refused it and no TLS was started.',
    fault: 'sender',
    causes: [
      { cause: 'A client (a script, an appliance, a test by hand) that adds text after STARTTLS.', findings: [] },
      { cause: 'A firewall or proxy that rewrites the command on its way.', findings: ['starttls.masked'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Send the bare command "STARTTLS"; if the client cannot, update or replace it.'] },
    refs: ['RFC 3207 §4', 'Sendmail 8.17.1.9 (Debian 12): its reply to "STARTTLS foo", produced here on loopback'],
    samples: ['501 Syntax error (no parameters allowed)', '501 5.5.2 Syntax error (no parameters allowed)'],
  },
  {
    id: 'smtp.lack-of-security',
    platform: 'smtp',
    keywords: ['refused due to lack of security'],
    patterns: [re(`\\b554[ -](?:${ENHANCED} )?Command refused due to lack of security`)],
    meaning:
      'TLS was negotiated, but the server judged it not good enough (RFC 3207 §4.1) — too weak a protocol or cipher, or a client certificate missing or not trusted — and refuses every command but QUIT.',
    fault: 'either',
    causes: [
      { cause: 'The server requires a client certificate (or one from a CA it trusts) and the sender presented none or another.', findings: ['policy.client-cert-required', 'send.client-cert-required'] },
      { cause: 'The negotiated protocol or cipher is below the server’s minimum (an old TLS stack on the sender).', findings: ['tls.old-protocol'] },
    ],
    confirm: 'mxray check {host}',
    fixes: {
      any: ['Ask the receiver what it requires (client certificate, protocol); configure the sender to present the certificate and to use TLS 1.2 or later.'],
      exchange: ['Sender: Set-SendConnector -TlsCertificateName "<I>issuer<S>subject" so that the connector presents the certificate the partner expects.'],
      postfix: ['Sender: smtp_tls_chain_files with the client certificate the partner trusts.'],
    },
    refs: ['RFC 3207 §4.1'],
    samples: ['554 Command refused due to lack of security'],
  },
  {
    id: 'smtp.encryption-needed',
    platform: 'smtp',
    keywords: ['encryption needed'],
    patterns: [re('\\b(?:523|530|538)[ -][45]\\.7\\.10 Encryption Needed'), re('\\b[45]\\.7\\.10 Encryption Needed')],
    meaning:
      'Enhanced status X.7.10 (RFC 5248 registry): the server needs a strong privacy layer before it will take the requested authentication mechanism — a password sent in clear text. The client should start TLS first and authenticate again.',
    fault: 'sender',
    causes: [
      { cause: 'The client tried AUTH PLAIN or LOGIN before STARTTLS (a mail client or device set to "no encryption").', findings: ['policy.cleartext-auth-refused', 'send.cleartext-auth-refused'] },
      { cause: 'The client meant to use TLS, but STARTTLS was not offered to it (a firewall or block listing).', findings: ['starttls.not-offered', 'starttls.masked'] },
    ],
    confirm: 'mxray send {host} --port 587 --tls required',
    fixes: { any: ['Set the client to STARTTLS on port 587 (or implicit TLS on 465) before it logs in.'] },
    refs: ['IANA SMTP Enhanced Status Codes registry (RFC 5248): X.7.10 Encryption Needed'],
    samples: ['523 5.7.10 Encryption Needed'],
  },
  {
    id: 'smtp.encryption-required-for-auth',
    platform: 'smtp',
    keywords: ['encryption required for requested authentication mechanism'],
    patterns: [re(`\\b538[ -](?:${ENHANCED} )?Encryption required for requested authentication mechanism`), re('\\b[45]\\.7\\.11 Encryption required for requested authentication mechanism')],
    meaning:
      'RFC 4954 §6: the authentication mechanism the client chose may only be used over an encrypted session, and this one is not. Typically AUTH PLAIN or LOGIN before STARTTLS on a submission port.',
    fault: 'sender',
    causes: [
      { cause: 'The client authenticates before STARTTLS (set to no encryption, or to STARTTLS "if available").', findings: ['policy.cleartext-auth-refused', 'send.cleartext-auth-refused'] },
      { cause: 'STARTTLS was not offered to the client, so it went on without it.', findings: ['starttls.not-offered', 'starttls.masked'] },
    ],
    confirm: 'mxray send {host} --port 587 --tls required',
    fixes: { any: ['Configure the client for STARTTLS (port 587) or implicit TLS (port 465); never let it fall back to clear text for AUTH.'] },
    refs: ['RFC 4954 §6', 'IANA SMTP Enhanced Status Codes registry: X.7.11'],
    samples: ['538 5.7.11 Encryption required for requested authentication mechanism'],
  },
  {
    id: 'smtp.requiretls-unsupported',
    platform: 'smtp',
    keywords: ['requiretls support required'],
    patterns: [re('(?:\\b[45]\\.7\\.30 )?REQUIRETLS support required')],
    meaning:
      'The message was sent with REQUIRETLS (RFC 8689): every hop must use verified TLS and announce REQUIRETLS. A hop on the way — the next server, or the one after — does not, so the message was returned rather than sent without that protection.',
    fault: 'receiver',
    causes: [
      { cause: 'The next-hop server does not announce REQUIRETLS in its EHLO reply (few servers implement it).', findings: [] },
      { cause: 'The next hop offers no STARTTLS, or a certificate that cannot be verified through DANE or MTA-STS.', findings: ['starttls.not-offered', 'dane.no-match', 'mta-sts.enforce-blocks-delivery'] },
    ],
    confirm: 'mxray check {domain}',
    fixes: {
      any: ['Sender: send without REQUIRETLS (remove the option or the TLS-Required header) if the recipient cannot support it; receiver: enable REQUIRETLS and publish DANE or MTA-STS.'],
      postfix: ['Postfix REQUIRETLS_README: the requiretls settings decide when a message asks for it.'],
    },
    refs: ['RFC 8689 §4, §5', 'IANA SMTP Enhanced Status Codes registry: X.7.30 REQUIRETLS support required'],
    samples: ['550 5.7.30 REQUIRETLS support required'],
  },
  {
    id: 'firewall.masked-starttls',
    platform: 'smtp',
    // Cisco's inspection masks the 8 letters of STARTTLS: XXXXXXXA in the EHLO reply, XXXXXXXX for the command.
    keywords: ['xxxxxxxa', 'xxxxxxxx'],
    patterns: [re('\\b250[ -]XXXXXXXA\\b'), re('\\b50[02][ -](?:5\\.5\\.[12] )?Command unrecognized: "XXXXXXXX"'), re("\\b500 '?XXXXXXXX\\b")],
    meaning:
      'A firewall’s SMTP inspection (Cisco ASA/PIX "fixup smtp" / ESMTP inspection) replaced the STARTTLS offer in the EHLO reply with X’s ("250-XXXXXXXA"), or the STARTTLS command on its way with X’s, which the server then refuses as an unknown command: TLS cannot start through it.',
    fault: 'path',
    causes: [
      { cause: 'SMTP/ESMTP inspection on a firewall in front of the receiving server (its default policy map has no allow-tls).', findings: ['starttls.masked', 'smtp.banner-masked'] },
      { cause: 'The same inspection on the sender’s own outbound firewall.', findings: ['starttls.masked'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Disable SMTP/ESMTP inspection for the mail server (Cisco ASA: no inspect esmtp in the policy map, or allow-tls in an ESMTP inspection policy map).'] },
    refs: ['Cisco ASA Series Firewall CLI Configuration Guide: Defaults for ESMTP Inspection ("The STARTTLS indication is removed")', 'Sendmail 8.17.1.9 (Debian 12): its reply to the masked command, produced here on loopback'],
    samples: ['250-XXXXXXXA', "500 'XXXXXXXX': command not recognized", '500 5.5.1 Command unrecognized: "XXXXXXXX"'],
  },
  {
    id: 'tlsrpt.starttls-not-supported',
    platform: 'tls-rpt',
    keywords: ['starttls-not-supported'],
    patterns: [re('result-type"?: ?"?starttls-not-supported')],
    meaning:
      'A TLS-RPT report (RFC 8460 §4.3.1): a sender that enforces MTA-STS or DANE for your domain could not deliver because your MX host did not offer STARTTLS to it — it counted the failed sessions and, under an enforcing policy, did not deliver.',
    fault: 'receiver',
    causes: [{ cause: 'Your MX did not offer STARTTLS to that sender.', findings: ['tls-rpt.starttls-not-supported', 'starttls.not-offered'] }, ...STARTTLS_MISSING_CAUSES.slice(1)],
    confirm: 'mxray check {domain} --dnsbl',
    fixes: STARTTLS_MISSING_FIXES,
    refs: ['RFC 8460 §4.3.1 (starttls-not-supported)', 'RFC 8461 §5'],
    samples: ['"result-type": "starttls-not-supported"'],
  },
  {
    id: 'tlsrpt.certificate',
    platform: 'tls-rpt',
    keywords: ['certificate-host-mismatch', 'certificate-expired', 'certificate-not-trusted', 'validation-failure'],
    patterns: [re('result-type"?: ?"?(?<type>certificate-host-mismatch|certificate-expired|certificate-not-trusted|validation-failure)')],
    meaning:
      'A TLS-RPT report (RFC 8460 §4.3): senders that verify your MX certificate (under MTA-STS or DANE) refused it — certificate-not-trusted (no chain to a trusted root), certificate-host-mismatch (it does not name the MX host), certificate-expired, or validation-failure (another reason, in failure-reason-code).',
    fault: 'receiver',
    causes: [
      { cause: 'certificate-not-trusted: a self-signed certificate, a private CA, or a missing intermediate.', findings: ['tls-rpt.certificate-not-trusted', 'cert.chain-incomplete', 'cert.self-signed', 'cert.untrusted-root'] },
      { cause: 'certificate-host-mismatch: the certificate does not name the MX host the sender connected to.', findings: ['tls-rpt.certificate-host-mismatch', 'cert.name-mismatch'] },
      { cause: 'certificate-expired: the certificate (or an intermediate sent with it) is past its end date.', findings: ['tls-rpt.certificate-expired', 'cert.expired'] },
      { cause: 'validation-failure: another validation error; failure-reason-code names it.', findings: ['tls-rpt.validation-failure'] },
    ],
    confirm: 'mxray check {domain}',
    fixes: { any: ['Install a certificate from a public CA naming every MX host, with its full chain, renewed before it expires; check each MX host, not only the first.'] },
    refs: ['RFC 8460 §4.3 (result types: negotiation failures, validation-failure)'],
    samples: ['"result-type": "certificate-expired"', '"result-type": "validation-failure"'],
  },
  {
    id: 'tlsrpt.mta-sts-policy',
    platform: 'tls-rpt',
    keywords: ['sts-policy-fetch-error', 'sts-policy-invalid', 'sts-webpki-invalid'],
    patterns: [re('result-type"?: ?"?(?<type>sts-policy-fetch-error|sts-policy-invalid|sts-webpki-invalid)')],
    meaning:
      'A TLS-RPT report (RFC 8460 §4.3.2.2): senders could not use your MTA-STS policy — sts-policy-fetch-error (the HTTPS fetch failed), sts-policy-invalid (the file did not parse), sts-webpki-invalid (the policy host’s certificate did not validate).',
    fault: 'receiver',
    causes: [
      { cause: 'The policy host mta-sts.<domain> is unreachable, answers with an error or a redirect.', findings: ['tls-rpt.sts-policy-fetch-error', 'mta-sts.policy-unreachable'] },
      { cause: 'The policy file is malformed (version, mode, mx lines, max_age).', findings: ['tls-rpt.sts-policy-invalid', 'mta-sts.policy-invalid'] },
      { cause: 'The policy host’s HTTPS certificate does not validate for mta-sts.<domain>.', findings: ['tls-rpt.sts-webpki-invalid', 'mta-sts.policy-cert-invalid'] },
    ],
    confirm: 'mxray posture {domain}',
    fixes: { any: ['Serve https://mta-sts.<domain>/.well-known/mta-sts.txt with a valid certificate for that name, as text/plain, no redirect; fix the policy’s syntax.'] },
    refs: ['RFC 8460 §4.3.2.2', 'RFC 8461 §3.3'],
    samples: ['"result-type": "sts-policy-fetch-error"'],
  },
  {
    id: 'tlsrpt.dane',
    platform: 'tls-rpt',
    keywords: ['tlsa-invalid', 'dnssec-invalid', 'dane-required'],
    patterns: [re('result-type"?: ?"?(?<type>tlsa-invalid|dnssec-invalid|dane-required)')],
    meaning:
      'A TLS-RPT report (RFC 8460 §4.3.2.1): senders could not use your DANE records — tlsa-invalid (TLSA records present but unusable or not matching), dnssec-invalid (the resolver returned no DNSSEC-valid records), dane-required (DANE was required and no usable TLSA records were found).',
    fault: 'receiver',
    causes: [
      { cause: 'tlsa-invalid: the TLSA records do not match the certificate the MX presents (a key or certificate changed without the records).', findings: ['tls-rpt.tlsa-invalid', 'dane.no-match'] },
      { cause: 'dnssec-invalid: the zone’s DNSSEC chain is broken (expired signatures, a DS without a matching key).', findings: ['tls-rpt.dnssec-invalid', 'dane.bogus'] },
      { cause: 'dane-required: DANE was required but no usable TLSA records were found.', findings: ['tls-rpt.dane-required', 'dane.unusable-only'] },
    ],
    confirm: 'mxray check {domain}',
    fixes: { any: ['Publish TLSA records for the key the MX presents (3 1 1 survives renewals with the same key), roll them before a key change, and keep the zone’s signatures valid.'] },
    refs: ['RFC 8460 §4.3.2.1', 'RFC 7672 §2.2, §3'],
    samples: ['"result-type": "tlsa-invalid"'],
  },
  {
    id: 'smtp.tls-required-not-offered',
    platform: 'smtp',
    keywords: ['required but', 'required, but'],
    patterns: [re('\\bTLS (?:is )?required,? but (?:it )?(?:was |is )?not (?:offered|advertised|supported|available)')],
    meaning:
      'The sending server was told to use TLS for this destination (a send connector or policy requiring it, an MTA-STS policy in enforce mode, DANE, REQUIRETLS) and the receiving server did not offer STARTTLS, so the sender kept the message (or returned it) rather than send it in clear text. Why STARTTLS is missing is the question; the causes are in the order they are met.',
    fault: 'either',
    causes: STARTTLS_MISSING_CAUSES,
    confirm: 'mxray check {domain} --dnsbl',
    fixes: STARTTLS_MISSING_FIXES,
    refs: ['RFC 3207 §4 (a client that requires TLS and is not offered it)', 'RFC 8461 §5 (MTA-STS enforce)', 'RFC 7672 §2.2 (DANE)', 'The "TLS is required but not offered" NDR wording as quoted in mxray issue 21'],
    samples: ['TLS is required but not offered', '550 5.7.10 TLS is required but was not offered by the remote server'],
  },
];
