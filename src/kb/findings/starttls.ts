// Catalogue entries starttls.*: STARTTLS: offering and starting TLS.
import { defineFindings } from '../types.js';
import { UNTIL_BOUNCE, VERIFYING_NO_STARTTLS, PLACE_CERT_POSTFIX, PLACE_CERT_EXIM, CHECK_CERT_EXCHANGE } from './shared.js';

export const STARTTLS_FINDINGS = defineFindings([

  // ----- Host level: STARTTLS -----------------------------------------------------------------
  {
    id: 'starttls.not-offered',
    severity: 'critical',
    actor: 'them',
    facts: ['host'],
    title: '{host} does not offer STARTTLS',
    detail:
      'The server’s EHLO reply has no STARTTLS: it cannot encrypt, and every message to it crosses the internet in clear text. ' +
      'Usually TLS was never configured, or the certificate setup is broken so that the mail server turned TLS off; sometimes a device in the path ' +
      'removes the keyword.',
    opportunistic: 'Delivers in clear text, without telling anyone.',
    verifying: VERIFYING_NO_STARTTLS,
    remediation: {
      summary: 'Install a certificate for the MX host name and enable STARTTLS on port 25.',
      steps: [
        'Obtain a certificate for the MX host name from a public CA (Let’s Encrypt or any other).',
        'Enable STARTTLS on the receiving side (per MTA below) and retest.',
        'If the server is configured for TLS and still does not offer it, test from inside its network: a firewall or proxy may be removing STARTTLS.',
      ],
      exchange: [
        'Exchange offers STARTTLS when a valid certificate enabled for SMTP matches the receive connector’s FQDN. ' + CHECK_CERT_EXCHANGE,
        'Bind the certificate: `Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP`.',
        'Check that the connector allows TLS (`Get-ReceiveConnector | Format-List Name,Fqdn,AuthMechanism`: AuthMechanism must include Tls) and look ' +
        'for event ID 12014 in the Application log.',
      ],
      postfix: [
        'Set `smtpd_tls_security_level = may` (never `encrypt` on a public MX) and configure the certificate. ' + PLACE_CERT_POSTFIX,
        'Look in the mail log for warnings about loading the key or certificate, and “TLS library problem” lines.',
      ],
      exim: [
        'Set `tls_advertise_hosts = *` and the certificate files. ' + PLACE_CERT_EXIM,
        'On Debian, also set `MAIN_TLS_ENABLE = yes` in a local macros file (e.g. /etc/exim4/exim4.conf.localmacros) and run update-exim4.conf.',
      ],
    },
    refs: ['RFC 3207', 'RFC 7435'],
  },
  {
    id: 'starttls.masked',
    severity: 'critical',
    actor: 'either',
    facts: ['host', 'keyword'],
    title: 'STARTTLS on {host} is hidden by a firewall ({keyword})',
    detail:
      'The EHLO reply lists {keyword} where STARTTLS should be: an SMTP-inspecting firewall has overwritten the keyword so that clients do not start TLS ' +
      '(Cisco ASA/PIX ESMTP inspection turns STARTTLS into “XXXXXXXA”). The mail server itself is probably set up for TLS; the firewall prevents its use. ' +
      'If the firewall is ours (inspecting outbound SMTP), the fix is ours.',
    opportunistic: 'Sees no STARTTLS and delivers in clear text.',
    verifying: VERIFYING_NO_STARTTLS,
    remediation: {
      summary: 'Disable ESMTP inspection (or allow TLS in it) on the firewall in front of the server, or on our own firewall if it is the one masking.',
      steps: [
        'Find out whose firewall it is: test from another network. If STARTTLS appears there, our own outbound firewall is masking it.',
        'Cisco ASA: `policy-map global_policy`, `class inspection_default`, `no inspect esmtp`; or use an ESMTP inspection policy map whose parameters ' +
        'include `allow-tls`.',
        'Cisco PIX: `no fixup protocol smtp 25`.',
        'Other firewalls: disable the SMTP inspection or proxy feature for port 25, then retest.',
      ],
    },
    refs: ['RFC 3207', 'Cisco ASA Series Firewall CLI Configuration Guide: SMTP and Extended SMTP Inspection'],
  },
  {
    id: 'starttls.rejected',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'reply'],
    title: '{host} offers STARTTLS but refuses it: {reply}',
    detail:
      'The server advertises STARTTLS, but answered the command with {reply} instead of 220. The usual cause is a TLS setup the server cannot load: ' +
      'no certificate configured, a private key that is unreadable or does not match, or a file missing after a renewal. ' +
      'Postfix, for example, answers “454 4.7.0 TLS not available due to local problem” in that case.',
    opportunistic:
      "Continues without TLS and delivers in clear text (Postfix at 'may' carries on over the same connection; Exim and Exchange also end up sending in clear).",
    verifying:
      "Cannot deliver. Postfix at 'encrypt' or above defers with 'TLS is required, but host … refused to start TLS: {reply}'; " +
      "Exim with hosts_require_tls logs 'a TLS session is required, but an attempt to start TLS failed'; an Exchange connector with TLS forced cannot " +
      "deliver either. " +
      UNTIL_BOUNCE,
    remediation: {
      summary: 'Repair the server’s certificate and key configuration so that STARTTLS works.',
      steps: [
        'Read the server’s log at the time of the test for the TLS error (key or certificate not loaded, file permissions).',
        'Check that the certificate and key exist, belong together and are readable by the mail server: ' +
          '`openssl x509 -noout -pubkey -in cert.pem` and `openssl pkey -pubout -in key.pem` must print the same key.',
      ],
      exchange: [
        '`Get-ExchangeCertificate | Format-List Thumbprint,CertificateDomains,Services,HasPrivateKey,NotAfter,Status`: the SMTP certificate must have ' +
        'its private key and Status Valid.',
        'Bind it again with `Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP` and restart the transport services.',
      ],
      postfix: [
        'Look in the mail log for warnings about loading the private key or certificate, and “TLS library problem” lines.',
        'Check `postconf smtpd_tls_chain_files smtpd_tls_cert_file smtpd_tls_key_file` and the files’ permissions, then `postfix reload`.',
      ],
      exim: ['Check the panic and main logs for TLS errors; the files in tls_certificate and tls_privatekey must exist and be readable by the Exim user.'],
    },
    refs: ['RFC 3207 §4'],
  },
  {
    id: 'starttls.readvertised',
    severity: 'warning',
    actor: 'them',
    facts: ['host'],
    title: '{host} offers STARTTLS again inside TLS',
    detail:
      'After the TLS handshake, the server’s new EHLO reply still lists STARTTLS, which RFC 3207 §4.2 forbids. Most senders do not care, but it points to ' +
      'a broken server or to a proxy that answers EHLO itself, and a strict client may try STARTTLS a second time and fail.',
    opportunistic: 'Ignores it and delivers over TLS.',
    verifying: 'Almost always ignores it and delivers over TLS.',
    remediation: {
      summary: 'Fix the server, or the proxy in front of it, so that STARTTLS is not advertised once TLS is active.',
      steps: ['Find which component answers EHLO after TLS (mail server, load balancer, TLS-terminating proxy) and update or reconfigure it.'],
    },
    refs: ['RFC 3207 §4.2'],
  },
  {
    id: 'starttls.injection',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'bytes'],
    title: '{host} sent {bytes} unexpected bytes before the TLS handshake',
    detail:
      'After its 220 reply to STARTTLS, and before the TLS handshake, the server sent {bytes} more bytes in clear text; they were discarded. ' +
      'Nothing may come between that reply and the handshake. Such bytes come from a bug in the server or in a device in the path, or from an attempt ' +
      'to inject replies that a careless client would take as coming from inside TLS (STARTTLS injection, CVE-2011-0411 and the many similar bugs since).',
    opportunistic:
      'Depends on the client: some discard the bytes and carry on; others feed them into the TLS handshake, which then fails, so the message is delayed ' +
      'and may end up delivered in clear text.',
    verifying:
      'If the bytes break its handshake, it cannot deliver. ' + UNTIL_BOUNCE,
    remediation: {
      summary: 'Find which program or device sends data after the STARTTLS reply, and fix or replace it.',
      steps: [
        'Look at the exchange: `openssl s_client -starttls smtp -connect <address>:25 -msg`, or a packet capture, shows what follows the 220.',
        'Test the mail server directly, bypassing proxies, load balancers and firewalls, to find the component that adds the bytes.',
        'Update the mail server software: several MTAs have fixed STARTTLS buffering bugs.',
      ],
    },
    refs: ['RFC 3207 §4.2', 'RFC 3207 §6', 'CVE-2011-0411'],
  },
]);
