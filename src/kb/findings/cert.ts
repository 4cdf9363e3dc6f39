// Catalogue entries cert.*: The certificate.
import { defineFindings } from '../types.js';
import { UNTIL_BOUNCE, OPPORTUNISTIC_CERT, VERIFYING_CERT_TRUST, VERIFYING_CERT_TRUST_DANE, NOTHING_TO_DO, PLACE_CERT_POSTFIX, PLACE_CERT_EXIM, PLACE_CERT_EXCHANGE, CHECK_CERT_EXCHANGE } from './shared.js';

export const CERT_FINDINGS = defineFindings([

  // ----- Host level: certificate --------------------------------------------------------------
  {
    id: 'cert.expired',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'subject', 'notAfter', 'daysAgo'],
    title: 'The certificate of {host} expired {daysAgo} days ago',
    detail:
      'The server presents the certificate {subject}, valid until {notAfter}: it expired {daysAgo} days ago. Encryption still works, but no client that ' +
      'checks certificates accepts it.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Install a renewed certificate and make the server use it.',
      steps: [
        'Renew the certificate, with automatic renewal where possible (ACME).',
        'Install it with its intermediate certificates, make the mail server use it (per MTA below), and retest: the new expiry date must appear.',
      ],
      exchange: [
        PLACE_CERT_EXCHANGE,
        'Update connectors that name the certificate in TlsCertificateName: `Set-ReceiveConnector <name> -TlsCertificateName "<I>issuer<S>subject"` ' +
        '(Set-SendConnector likewise). In hybrid setups, update the hybrid connectors or re-run the Hybrid Configuration Wizard.',
        'Remove the expired certificate (Remove-ExchangeCertificate) once the new one is in use.',
      ],
      postfix: [PLACE_CERT_POSTFIX + ' Running smtpd processes keep the old certificate until the reload.'],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 5280 §4.1.2.5', 'RFC 3207'],
  },
  {
    id: 'cert.not-yet-valid',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'subject', 'notBefore'],
    title: 'The certificate of {host} is not valid until {notBefore}',
    detail:
      'The certificate {subject} only becomes valid on {notBefore}. Either a certificate issued for later was installed too early, or a clock is wrong ' +
      '(the server’s when the certificate was made, or that of the machine running this test).',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Serve the currently valid certificate until this one becomes valid, or correct the clock.',
      steps: [
        'Check the clock of the machine running this test, and of the server.',
        'If the certificate was installed early, switch back to the current one until {notBefore}.',
      ],
    },
    refs: ['RFC 5280 §4.1.2.5'],
  },
  {
    id: 'cert.expiring-soon',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'subject', 'notAfter', 'daysLeft'],
    title: 'The certificate of {host} expires in {daysLeft} days',
    detail:
      'The certificate {subject} is valid until {notAfter}, {daysLeft} days from now. After that, senders that check certificates stop delivering.',
    opportunistic: 'Not affected, now or after expiry: opportunistic senders do not check the certificate.',
    verifying: 'Delivers now; after {notAfter} it will defer mail and finally bounce it (see cert.expired).',
    remediation: {
      summary: 'Renew the certificate before {notAfter} and make sure the server uses the new one.',
      steps: [
        'Renew now. If renewal is automatic, check that it really runs and that the mail server is reloaded afterwards: a renewed file the server ' +
        'never reads is a common failure.',
      ],
      exchange: [
        'After importing the renewed certificate: `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services SMTP`, and update ' +
        'TlsCertificateName on connectors that name the certificate.',
      ],
      postfix: ['Make the renewal hook reload Postfix (with Certbot: `--deploy-hook "postfix reload"`).'],
      exim: [
        'Make the renewal hook put the files where the Exim user can read them (it often cannot read the ACME client’s own directory) and restart Exim.',
      ],
    },
    refs: ['RFC 5280 §4.1.2.5'],
  },
  {
    id: 'cert.self-signed',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'subject'],
    title: '{host} presents a self-signed certificate',
    detail:
      'The certificate {subject} is signed by itself, not by a certificate authority. Encryption works, but clients that check certificates cannot trust it. ' +
      'The certificate Exchange creates at setup is self-signed, as are many appliances’ defaults.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST_DANE,
    remediation: {
      summary: 'Install a certificate from a public CA for the MX host name, or publish a DANE-EE TLSA record for this one (with DNSSEC).',
      steps: [
        'Obtain a certificate from a public CA (e.g. Let’s Encrypt) that names the MX host name.',
        'Install it with its intermediates and make the mail server use it.',
        'If you keep a self-signed certificate on purpose, publish a TLSA record “3 1 1” for it in a DNSSEC-signed zone: DANE senders will then accept it.',
      ],
      exchange: [
        PLACE_CERT_EXCHANGE,
        'Make sure the receive connector’s FQDN is on the new certificate, so that Exchange picks it instead of the self-signed one.',
      ],
      postfix: [PLACE_CERT_POSTFIX],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 5280 §6', 'RFC 7672', 'RFC 8461'],
  },
  {
    id: 'cert.untrusted-root',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'root'],
    title: 'The certificate of {host} chains to an untrusted root: {root}',
    detail:
      'The chain ends at {root}, which is not in the trust store used for this test: a private or internal CA, or one that public trust stores have dropped. ' +
      'If it is your own private CA and you trust it, run the test again with --ca-file pointing at its certificate.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying:
      VERIFYING_CERT_TRUST +
      ' Senders configured to trust this CA explicitly (e.g. Postfix smtp_tls_CAfile, a private partner connector) accept it.',
    remediation: {
      summary: 'Use a certificate from a publicly trusted CA for mail from the internet.',
      steps: [
        'If the root is a private CA: replace the certificate with one from a public CA, or give partners who verify the CA certificate to configure explicitly.',
        'If you trust the CA yourself, rerun the test with --ca-file <root certificate> to check the rest of the chain.',
        'If public trust stores removed the CA, have the certificate reissued by another CA.',
      ],
    },
    refs: ['RFC 5280 §6'],
  },
  {
    id: 'cert.chain-incomplete',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'issuer'],
    title: '{host} does not send its intermediate certificate ({issuer})',
    detail:
      'The server sent its own certificate but not the intermediate certificate that issued it ({issuer}). Browsers often fetch missing intermediates ' +
      'themselves; mail servers do not, so they cannot build the chain to a trusted root.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST + " (OpenSSL names the cause 'unable to get local issuer certificate'.)",
    remediation: {
      summary: 'Make the server send the intermediate certificate(s) after its own.',
      steps: [
        'Get the intermediate certificate from the CA; it normally comes in the bundle delivered with the certificate.',
        'Install it as described for the MTA below and retest: the chain must be complete.',
      ],
      exchange: [
        'Import the intermediate into the computer’s “Intermediate Certification Authorities” store (certlm.msc) on every Exchange server that ' +
        'receives internet mail; Exchange sends the chain it builds from the computer’s stores.',
        'Restart the transport services (MSExchangeFrontEndTransport, MSExchangeTransport) and retest.',
      ],
      postfix: [
        'Put the server certificate followed by the intermediates in one file. With smtpd_tls_chain_files (Postfix 3.4 and later) the private key ' +
        'comes first, then the server certificate, then the intermediates; with smtpd_tls_cert_file, the server certificate then the intermediates. ' +
        'Then `postfix reload`.',
        'With Let’s Encrypt, use fullchain.pem, not cert.pem.',
      ],
      exim: ['Point tls_certificate at a file holding the server certificate followed by the intermediates (Let’s Encrypt: fullchain.pem), then restart Exim.'],
    },
    refs: ['RFC 5246 §7.4.2', 'RFC 8446 §4.4.2'],
  },
  {
    id: 'cert.bad-signature',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'subject'],
    title: 'A signature in the certificate chain of {host} does not verify',
    detail:
      'The signature on {subject} does not verify with its issuer’s key. The chain is mismatched or damaged: most often a wrong intermediate ' +
      '(from another CA, or from an older generation of the same CA) is served with the certificate.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Serve the intermediate certificate that really issued the server’s certificate.',
      steps: [
        'Download the correct chain for this certificate from the CA and replace the intermediates in the server’s chain file or certificate store.',
        'Check with `openssl verify -untrusted intermediates.pem server.pem`.',
      ],
    },
    refs: ['RFC 5280 §6'],
  },
  {
    id: 'cert.name-mismatch',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'name', 'certNames'],
    title: 'The certificate of {host} does not name {name}',
    detail:
      'The MX host name is {name}, but the certificate is valid for {certNames}. Names were checked by the rules of RFC 6125: DNS names in subjectAltName ' +
      'count, and a wildcard covers exactly one label (*.example.com covers mx.example.com, not example.com or a.mx.example.com).',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying:
      "Rejects the certificate. Postfix at 'verify' or 'secure' checks the name inside certificate verification (it logs 'server certificate " +
      "verification failed … num=62:hostname mismatch') and defers with 'Server certificate not trusted'; senders honouring an MTA-STS policy in enforce " +
      'mode do not deliver; an Exchange connector with DomainValidation refuses it when its TlsDomain is this host. ' +
      UNTIL_BOUNCE +
      ' DANE senders with a DANE-EE (3 x x) TLSA record do not check the name.',
    remediation: {
      summary: 'Get a certificate that names {name} in subjectAltName, or point the MX record at a name the certificate carries.',
      steps: [
        'Have the certificate reissued with {name} in its subjectAltName (a certificate can carry several names).',
        'Or change the MX record to a host name the certificate already carries.',
        'Install the certificate, make the mail server use it, and retest.',
      ],
      exchange: [
        'Request the certificate with the MX host name among its names (`New-ExchangeCertificate -GenerateRequest -DomainName <names>`), complete it ' +
        'with Import-ExchangeCertificate, then `Enable-ExchangeCertificate -Services SMTP`; the receive connector’s FQDN should be one of its names.',
      ],
      postfix: [PLACE_CERT_POSTFIX],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 6125 §6.4', 'RFC 7817', 'RFC 8461 §4.1'],
  },
  {
    id: 'cert.domain-mismatch',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'domain', 'certNames'],
    title: 'The certificate of {host} does not name the mail domain {domain}',
    detail:
      'The certificate is valid for {certNames}, but does not name the mail domain {domain} itself. That is normal: the certificate must name the MX ' +
      "host, not the domain. It can matter only for a sender using Postfix's 'secure' level with the default smtp_tls_secure_cert_match = nexthop, dot-nexthop, " +
      'which accepts only the domain itself or names under it.',
    opportunistic: 'Not affected.',
    verifying:
      "MTA-STS and DANE do not need it, and Exchange checks only the name its administrator set as TlsDomain. A Postfix sender at 'secure' with the " +
      "default match accepts the certificate only if one of its names is " +
      "{domain} or lies under it (e.g. mx.{domain}); otherwise it defers with 'Server certificate not verified', unless its TLS policy lists the MX " +
      "host name to match.",
    remediation: {
      summary: "Usually nothing to do; if a partner uses Postfix 'secure', add {domain} to the certificate or have the partner match the MX host name.",
      steps: [
        'If a partner needs it, add {domain} to the certificate’s subjectAltName.',
        'Alternatively the partner adds a line `{domain} secure match=<mx host name>` to its smtp_tls_policy_maps table.',
      ],
      postfix: [
        'On the sending side: an smtp_tls_policy_maps entry such as `example.com secure match=mx1.example.net:mx2.example.net` ' +
          '(names separated by colons), then `postmap` the table and `postfix reload`.',
      ],
    },
    refs: ['Postfix TLS_README: Secure server certificate verification', 'RFC 7817'],
  },
  {
    id: 'cert.ehlo-name-mismatch',
    severity: 'warning',
    // It matters to Exchange (the connector FQDN selects the certificate; hybrid connectors check it); elsewhere a note.
    severityBySoftware: { on: ['exchange', 'exchange-online'], elsewhere: 'info' },
    actor: 'them',
    facts: ['host', 'announced', 'certNames'],
    title: '{host} announces itself as {announced}, a name not on its certificate',
    detail:
      'The server calls itself {announced} in its greeting or EHLO reply, but its certificate is valid for {certNames}. On Exchange this usually means ' +
      'the intended certificate is not the one in use: Exchange picks the certificate that matches the receive connector’s FQDN, and when none does it logs ' +
      'event ID 12014 (no certificate found for the FQDN) and uses another certificate or none. Exchange Online hybrid connectors check the on-premises ' +
      'certificate against a configured name, so there a mismatch stops hybrid mail flow.',
    opportunistic: 'Not affected: the announced name is not checked.',
    verifying:
      'Not affected as long as the certificate matches the MX host name (checked separately); connectors that validate against the announced name or a fixed ' +
      'certificate name (Exchange hybrid) may refuse it.',
    remediation: {
      summary: 'Make the announced name and the certificate agree: announce a name that is on the certificate, or add the name to the certificate.',
      steps: ['Decide which name the server announces (normally its MX host name) and make sure the certificate carries it.'],
      exchange: [
        '`Get-ReceiveConnector | Format-Table Name,Fqdn,TlsCertificateName` and ' +
          CHECK_CERT_EXCHANGE +
          ' The connector’s FQDN must be among the CertificateDomains of a certificate enabled for SMTP.',
        'Fix with `Set-ReceiveConnector <name> -Fqdn <name on the certificate>`, or enable a certificate that carries the FQDN ' +
        '(`Enable-ExchangeCertificate -Services SMTP`); ' +
          'to pin it, `Set-ReceiveConnector <name> -TlsCertificateName "<I>issuer<S>subject"`.',
        'Look for event ID 12014 in the Application log.',
      ],
      postfix: ['The announced name comes from myhostname (used in smtpd_banner and the EHLO reply): set it to a name on the certificate.'],
      exim: ['The announced name comes from primary_hostname (and smtp_banner): set it to a name on the certificate.'],
    },
    refs: ['RFC 5321 §4.1.1.1', 'RFC 6125'],
  },
  {
    id: 'cert.sni-dependent',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'withSni', 'withoutSni'],
    title: '{host} presents a different certificate without SNI',
    detail:
      'Asked with SNI (the MX host name), the server presents {withSni}; without SNI it presents {withoutSni}. Postfix sends no SNI unless ' +
      'smtp_tls_servername is set, Exim sends none by default (tls_sni unset), and many other senders send none either, so most senders get the second certificate.',
    opportunistic: 'Not affected: it encrypts and delivers whichever certificate it gets.',
    verifying:
      'Judges the certificate it gets without SNI ({withoutSni}); if that one fails the checks, it defers and eventually bounces the mail even though ' +
      'a test with SNI looks fine.',
    remediation: {
      summary: 'Make the certificate served without SNI the right one for the MX host name.',
      steps: ['Make the MX certificate the server’s default (no-SNI) certificate, and use SNI only for additional names; then retest.'],
      postfix: ['The default certificate is the one in smtpd_tls_chain_files (or smtpd_tls_cert_file); tls_server_sni_maps only adds certificates for other names.'],
      exim: ['If tls_certificate is an expansion on $tls_in_sni, make its default branch (no SNI) return the MX certificate.'],
    },
    refs: ['RFC 6066 §3'],
  },
  {
    id: 'cert.weak-signature',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'algorithm', 'subject'],
    title: 'The certificate chain of {host} uses a weak signature ({algorithm})',
    detail:
      '{subject} is signed with {algorithm}. SHA-1 and MD5 signatures can be forged, and current TLS libraries reject them when they check certificates ' +
      '(OpenSSL 3 at its default security level; RHEL 9’s default crypto policy). This concerns the server certificate and intermediates; ' +
      'a root certificate’s own signature does not matter.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Have the certificate (and its intermediates) reissued with SHA-256 or stronger.',
      steps: [
        'Have the CA reissue the certificate; public CAs sign with SHA-256 or stronger today.',
        'If an intermediate is the weak one, replace the chain with the CA’s current intermediates.',
      ],
    },
    refs: ['RFC 9155', 'RFC 6151', 'RFC 5280'],
  },
  {
    id: 'cert.weak-key',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'bits'],
    title: 'The certificate of {host} has a weak {bits}-bit RSA key',
    detail:
      'The certificate’s RSA key has {bits} bits. OpenSSL at security level 2, the default on Debian 12, RHEL 9 and current Ubuntu, requires at least ' +
      '2048 bits: tools and senders that verify at that level refuse the certificate, and some TLS stacks refuse such a key even without checking it.',
    opportunistic:
      'Most opportunistic senders still encrypt and deliver; a sender whose TLS library refuses the key outright fails the handshake and then falls ' +
      'back to plain text, as after any failed handshake.',
    verifying:
      "Depends on the sender's TLS library level. Postfix at 'verify' and 'secure' sets OpenSSL security level 1 and still accepts a 1024-bit key " +
      "(measured: Postfix 3.7 logs 'Verified TLS connection established'); senders and tools that verify at OpenSSL's default level 2 (many " +
      'OpenSSL-based MTAs and scanners, MTA-STS implementations on current distributions) reject the certificate and do not deliver. ' +
      UNTIL_BOUNCE,
    remediation: {
      summary: 'Have the certificate reissued with an RSA key of at least 2048 bits, or an ECDSA P-256 key.',
      steps: [
        'Make a new key and request, e.g. `openssl req -new -newkey rsa:2048 -nodes -keyout mx.key -out mx.csr -subj "/CN=<mx host name>"`, have the ' +
        'CA issue the certificate, and install key and chain.',
      ],
      exchange: [
        'Create the request with a 2048-bit (or larger) key: `New-ExchangeCertificate -GenerateRequest -KeySize 2048 -SubjectName "CN=<mx host name>" ' +
        '-DomainName <mx host name>`, complete it with Import-ExchangeCertificate, then `Enable-ExchangeCertificate -Services SMTP`.',
      ],
      postfix: [PLACE_CERT_POSTFIX],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 9325', 'NIST SP 800-131A'],
  },
  {
    id: 'cert.thumbprint-mismatch',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'expected', 'actual'],
    title: '{host} serves a different certificate than expected',
    detail:
      'The certificate in use has thumbprint {actual}, not the expected {expected}. Typically a renewed certificate was installed but never put into use, ' +
      'so the server still presents the old one, which is often close to expiry or already expired.',
    opportunistic: 'Not affected by which certificate it gets, as long as TLS works.',
    verifying: 'Judges the certificate actually served ({actual}); if that one is expired or wrongly named, it defers and eventually bounces.',
    remediation: {
      summary: 'Put the certificate with thumbprint {expected} into use on every server behind this name.',
      steps: [
        'Check which certificate the server is configured to use, and that every server behind the MX name (all cluster or load-balancer members) was updated.',
        'Retest and compare the thumbprint with {expected}.',
      ],
      exchange: [
        'On every server that receives internet mail: `Enable-ExchangeCertificate -Thumbprint <expected thumbprint> -Services SMTP`.',
        'Update connectors that pin the old certificate (`Get-ReceiveConnector | Format-Table Name,TlsCertificateName`, likewise Get-SendConnector): ' +
        '`Set-ReceiveConnector <name> -TlsCertificateName "<I>issuer<S>subject"`. In hybrid setups, update the hybrid connectors or re-run the Hybrid ' +
        'Configuration Wizard.',
      ],
      postfix: [
        'Check that the files in smtpd_tls_chain_files (or smtpd_tls_cert_file) are the new ones, then `postfix reload`; ' +
          'running smtpd processes keep the old certificate until then.',
      ],
      exim: ['Check that tls_certificate names the new file, then restart Exim.'],
    },
    refs: ['RFC 3207'],
  },
  {
    id: 'cert.ok',
    severity: 'ok',
    actor: 'them',
    facts: ['host', 'subject', 'issuer', 'notAfter'],
    title: 'The certificate of {host} is valid: {subject}',
    detail: '{subject}, issued by {issuer} and valid until {notAfter}, names the MX host and chains to a trusted root.',
    opportunistic: 'Encrypts and delivers.',
    verifying: 'Accepts the certificate and delivers over TLS.',
    remediation: NOTHING_TO_DO,
    refs: ['RFC 5280', 'RFC 6125'],
  },
]);
