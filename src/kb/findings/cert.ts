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
    facts: ['host', 'issuer', 'outcome', 'repair'],
    title: '{host} does not send its intermediate certificate ({issuer})',
    detail:
      'The server sent its own certificate but not the intermediate certificate that issued it ({issuer}). Windows (and so Exchange Server and ' +
      'Exchange Online) and browsers complete such a chain themselves: they fetch the missing certificate from the URL the certificate names ' +
      '(authority information access, caIssuers). OpenSSL-based MTAs (Postfix, Exim built with OpenSSL, Sendmail) never fetch it, so they cannot ' +
      'build the chain to a trusted root and fail to verify it. That is why the certificate “works in my browser”, and often for Exchange, and ' +
      'still fails for some senders. Fetching the missing certificate as Windows does: {repair}.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying:
      "OpenSSL-based senders reject the certificate and do not deliver: Postfix at 'verify' or 'secure' defers with 'Server certificate not trusted' " +
      "(OpenSSL names the cause 'unable to get local issuer certificate'); Exim with tls_verify_hosts logs 'SSL verify error'; senders honouring an " +
      'MTA-STS policy in enforce mode on such software do not deliver. ' +
      UNTIL_BOUNCE +
      ' Exchange Server and Exchange Online connectors that validate certificates fetch the missing intermediate and accept the chain when that ' +
      'works (in this test: {outcome}).',
    remediation: {
      summary: 'Make the server send the intermediate certificate(s) after its own, even if browsers and Exchange already accept the certificate.',
      steps: [
        'Get the intermediate certificate from the CA; it normally comes in the bundle delivered with the certificate (or from the caIssuers URL the certificate names).',
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
    id: 'cert.chain-too-long',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'sent', 'limit', 'subject'],
    title: 'The certificate chain of {host} is longer than verifiers follow',
    detail:
      'The server sent {sent} certificates, and the chain from its own certificate goes on for more than {limit} certificates without reaching a ' +
      'trusted root; we stopped at {subject}. Real chains have two to four certificates. Verifiers give up at a depth limit: Postfix by default ' +
      '(smtp_tls_scert_verifydepth = 9) follows {limit} certificates, the root included, and OpenSSL then reports error 22 (certificate chain too long). ' +
      'A chain this long is a misconfiguration (intermediates that issue each other, a whole bundle sent as the chain) or a hostile server; it is ' +
      'not a missing intermediate.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Send only the server certificate and the intermediates between it and the root.',
      steps: [
        'Build the chain file from the server certificate and the intermediate(s) the CA issued it with (normally one or two), in order, and nothing else.',
        'Check with `openssl verify -verify_depth 8 -untrusted intermediates.pem server.pem`, then retest.',
      ],
      postfix: [PLACE_CERT_POSTFIX],
      exim: [PLACE_CERT_EXIM],
      exchange: [
        'Exchange sends the chain Windows builds from the computer’s certificate stores: remove stray CA certificates that chain to each other from ' +
          '"Intermediate Certification Authorities" (certlm.msc), keep the CA’s current intermediate, and restart the transport services.',
      ],
    },
    refs: ['RFC 5280 §6.1', 'RFC 8446 §4.4.2'],
  },
  {
    id: 'cert.intermediate-expired',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'notAfter', 'daysAgo'],
    title: 'The intermediate certificate {subject} that {host} sends has expired',
    detail:
      'The server sends the intermediate certificate {subject} ({element} of the chain), valid until {notAfter}: it expired {daysAgo} days ago. ' +
      'The server’s own certificate may be fresh, but a chain through an expired certificate fails for every sender that verifies it; usually a renewed ' +
      'certificate was installed with last year’s chain file. OpenSSL reports error 10 (certificate has expired) at the depth of that intermediate.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Replace the intermediate certificates the server sends with the CA’s current ones.',
      steps: [
        'Download the current chain for the certificate from the CA (with ACME clients: fullchain.pem) and replace the intermediates in the server’s ' +
          'chain file or certificate store.',
        'Retest: no certificate of the chain may be expired.',
      ],
      exchange: [
        'On every Exchange server that receives internet mail, remove the expired intermediate from the computer’s “Intermediate Certification Authorities” ' +
          'store (certlm.msc), import the current one, and restart the transport services (MSExchangeFrontEndTransport, MSExchangeTransport).',
      ],
      postfix: ['Replace the chain in the file named by smtpd_tls_chain_files (or smtpd_tls_cert_file) with the current one, then `postfix reload`.'],
      exim: ['Replace the chain in the tls_certificate file with the current one, then restart Exim.'],
    },
    refs: ['RFC 5280 §6.1.3', 'RFC 5280 §4.1.2.5'],
  },
  {
    id: 'cert.intermediate-not-yet-valid',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'notBefore'],
    title: 'The intermediate certificate {subject} that {host} sends is not valid until {notBefore}',
    detail:
      'The server sends the intermediate certificate {subject} ({element} of the chain), which only becomes valid on {notBefore}. A chain through it ' +
      'fails for every sender that verifies it until then. Either a CA’s new intermediate was installed before its start, or a clock is wrong (that of ' +
      'the machine running this test, or the CA’s). OpenSSL reports error 9 (certificate is not yet valid) at the depth of that intermediate.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Send the currently valid intermediate until this one becomes valid, or correct the clock.',
      steps: ['Check the clock of the machine running this test.', 'Install the intermediate the CA issued the server certificate with, as for a missing intermediate, and retest.'],
    },
    refs: ['RFC 5280 §6.1.3', 'RFC 5280 §4.1.2.5'],
  },
  {
    id: 'cert.intermediate-expiring-soon',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'notAfter', 'daysLeft'],
    title: 'The intermediate certificate {subject} that {host} sends expires in {daysLeft} days',
    detail:
      'The server sends the intermediate certificate {subject} ({element} of the chain), valid until {notAfter}, {daysLeft} days from now. From then on ' +
      'the chain fails for senders that verify it, however long the server’s own certificate is still valid. CAs replace their intermediates in time: ' +
      'the server is most likely sending an old chain file.',
    opportunistic: 'Not affected, now or after that date: opportunistic senders do not check the certificate.',
    verifying: 'Delivers now; after {notAfter} it defers mail and finally bounces it (see cert.intermediate-expired).',
    remediation: {
      summary: 'Replace the intermediate certificates the server sends with the CA’s current ones before {notAfter}.',
      steps: ['Download the current chain from the CA (with ACME clients: fullchain.pem, renewed with the certificate) and install it as the server’s chain.'],
      postfix: ['Replace the chain in the file named by smtpd_tls_chain_files (or smtpd_tls_cert_file), then `postfix reload`.'],
      exim: ['Replace the chain in the tls_certificate file, then restart Exim.'],
      exchange: ['Import the CA’s current intermediate into the computer’s “Intermediate Certification Authorities” store (certlm.msc) and restart the transport services.'],
    },
    refs: ['RFC 5280 §4.1.2.5'],
  },
  {
    id: 'cert.root-expired',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'subject', 'notAfter'],
    title: 'The chain of {host} ends at an expired root: {subject}',
    detail:
      'The chain the server sends leads to the root certificate {subject} of the trust store used for this test, which expired on {notAfter}. Senders ' +
      'whose trust stores have this root reject the chain (OpenSSL error 10, certificate has expired). Public CAs cross-sign a newer root in time: a ' +
      'server that still sends the old cross-signed chain leads senders to the expired root. A private CA’s root given with --ca-file must be renewed.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Serve a chain that ends at a current root; if the root is your own private CA, renew it and reissue.',
      steps: [
        'Get the CA’s current chain (the one that leads to its current root) and install it on the server; retest.',
        'If the root is a private CA you gave with --ca-file: issue a new root, reissue the intermediates and the server certificate, and give every ' +
          'partner that verifies the new root.',
      ],
    },
    refs: ['RFC 5280 §6.1', 'RFC 5280 §4.1.2.5'],
  },
  {
    id: 'cert.root-not-yet-valid',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'subject', 'notBefore'],
    title: 'The chain of {host} ends at a root that is not valid until {notBefore}: {subject}',
    detail:
      'The chain the server sends leads to the root certificate {subject} of the trust store used for this test, which only becomes valid on ' +
      '{notBefore}. Senders with that root reject the chain until then (OpenSSL error 9). Usually a clock is wrong: that of the machine running this ' +
      'test, or that of whoever made a private root.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Check the clocks; serve a chain to a root that is valid now.',
      steps: ['Check the clock of the machine running this test.', 'If the root is a private CA given with --ca-file, check its validity dates and reissue it if they are wrong.'],
    },
    refs: ['RFC 5280 §4.1.2.5'],
  },
  {
    id: 'cert.not-a-ca',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'detail'],
    title: 'The chain of {host} has a certificate that is not a CA in the place of an intermediate: {subject}',
    detail:
      'In the chain the server sends, {subject} ({element}) is not a CA certificate: {detail}. Only a certificate with basicConstraints ' +
      'CA:TRUE may issue others, so no verifier accepts the chain; OpenSSL reports error 79 (invalid CA certificate; 24 in OpenSSL 1.1.1). This is ' +
      'typically a private CA made without the CA extensions (openssl req -x509 without -addext basicConstraints=critical,CA:TRUE), or a server ' +
      'certificate used to sign another one. It is not a missing intermediate: the issuer was sent.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Have the certificate issued by a real CA certificate (basicConstraints CA:TRUE, keyUsage keyCertSign).',
      steps: [
        'For a public certificate: install the CA’s intermediate in place of {subject}.',
        'For a private CA: reissue the CA certificate with `basicConstraints = critical, CA:TRUE` and `keyUsage = critical, keyCertSign, cRLSign`, then ' +
          'reissue the server certificate from it and install both.',
      ],
      postfix: [PLACE_CERT_POSTFIX],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 5280 §4.2.1.9', 'RFC 5280 §6.1.4'],
  },
  {
    id: 'cert.issuer-cannot-sign',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'detail'],
    title: 'The CA certificate {subject} in the chain of {host} may not sign certificates',
    detail:
      'In the chain the server sends, the CA certificate {subject} ({element}) may not sign certificates: {detail}. A key usage without ' +
      'keyCertSign forbids that, so verifiers reject the chain: OpenSSL reports error 79 (invalid CA certificate) for it, then 32 (key usage does ' +
      'not include certificate signing). It is not a missing intermediate: the issuer was sent.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Use a CA certificate whose keyUsage includes keyCertSign.',
      steps: [
        'For a public certificate: install the CA’s current intermediate in place of {subject}.',
        'For a private CA: reissue the CA certificate with `keyUsage = critical, keyCertSign, cRLSign`, reissue the server certificate from it and install both.',
      ],
    },
    refs: ['RFC 5280 §4.2.1.3', 'RFC 5280 §6.1.4'],
  },
  {
    id: 'cert.path-length-exceeded',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'detail'],
    title: 'The chain of {host} has more CA certificates under {subject} than it allows',
    detail:
      'The CA certificate {subject} ({element}) limits how many CA certificates may follow it on a path: {detail}. Verifiers reject ' +
      'the chain; OpenSSL reports error 25 (path length constraint exceeded). Usually the server sends an extra intermediate, or a private CA issued a ' +
      'sub-CA it was not allowed to.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Send the chain the CA intends, or have the certificate issued from a CA certificate allowed to have CAs below it.',
      steps: [
        'Compare the chain file with the chain the CA publishes for the certificate and send exactly that.',
        'For a private CA: reissue the constraining CA certificate with a larger pathlen (`basicConstraints = critical, CA:TRUE, pathlen:1`), or issue ' +
          'the server certificate directly from it.',
      ],
    },
    refs: ['RFC 5280 §4.2.1.9', 'RFC 5280 §6.1.4'],
  },
  {
    id: 'cert.name-constraints-violated',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'detail'],
    title: 'The certificate {subject} of {host} is outside the names its CA may issue for',
    detail:
      'A CA on the path is restricted by name constraints to some names (RFC 5280 §4.2.1.10), and {subject} ({element}) breaks them: {detail}. ' +
      'Verifiers reject the chain; OpenSSL reports error 47 (permitted subtree violation) for a name outside the permitted names, 48 (excluded ' +
      'subtree violation) for an excluded one. Name constraints are checked on DNS and IP address names (and on a CN that looks like a host name, ' +
      'when there is no DNS name).',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Get the certificate from a CA allowed to issue for these names, or leave the names outside the constraints off the certificate.',
      steps: [
        'If the CA is your own constrained sub-CA, request the certificate only for names inside its permitted subtrees, or have its constraints widened.',
        'Otherwise get the certificate from a public CA.',
      ],
    },
    refs: ['RFC 5280 §4.2.1.10', 'RFC 5280 §6.1.3'],
  },
  {
    id: 'cert.not-for-server-auth',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'detail'],
    title: 'The certificate chain of {host} is not for TLS servers ({subject})',
    detail:
      '{subject} ({element}): {detail}. Verifiers check that the server certificate, and every CA certificate above it that lists extended key usages, ' +
      'allows TLS server authentication (serverAuth); OpenSSL, and so Postfix and Exim, reject the chain with error 26 (unsuitable certificate ' +
      'purpose), also when the only value is anyExtendedKeyUsage, which OpenSSL does not take for serverAuth. A certificate made for clients ' +
      '(clientAuth only) or for e-mail signing cannot serve SMTP.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Use a certificate issued for TLS servers: extendedKeyUsage serverAuth, keyUsage digitalSignature (and keyEncipherment for RSA).',
      steps: [
        'Request the certificate with the TLS server profile (public CAs issue serverAuth certificates by default; a private CA needs `extendedKeyUsage = ' +
          'serverAuth` in its server profile).',
        'If an intermediate restricts its extended key usages without serverAuth, it cannot issue server certificates: use an intermediate of the ' +
          'CA meant for TLS servers.',
      ],
      exchange: [
        'Request the certificate with New-ExchangeCertificate (it asks for server authentication), or from a Windows CA with the “Web Server” template, ' +
          'not “User” or “Computer” alone.',
      ],
    },
    refs: ['RFC 5280 §4.2.1.12', 'RFC 5280 §4.2.1.3'],
  },
  {
    id: 'cert.unknown-critical-extension',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'detail'],
    title: 'A certificate in the chain of {host} has a critical extension verifiers do not know ({subject})',
    detail:
      '{subject} ({element}): {detail}. A verifier must refuse a certificate with a critical extension it does not process (RFC 5280 §4.2); ' +
      'OpenSSL reports error 34 (unhandled critical extension). Extensions such as authority information access, the TLS feature (OCSP must-staple) ' +
      'and key identifiers must not be marked critical.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Have the certificate reissued without that extension marked critical.',
      steps: ['For a private CA, remove `critical` from that extension in its profile, reissue, and install the new certificate (and chain).'],
    },
    refs: ['RFC 5280 §4.2'],
  },
  {
    id: 'cert.invalid-extension',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'detail'],
    title: 'A certificate in the chain of {host} has a malformed extension ({subject})',
    detail:
      '{subject} ({element}): {detail}. An extension that cannot be decoded, or one that appears twice, makes the certificate unusable: OpenSSL cannot ' +
      'link it to its issuer and reports error 20 (unable to get local issuer certificate).',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Have the certificate reissued by software that encodes its extensions correctly.',
      steps: ['Reissue the certificate (or the CA certificate) and install it with its chain; check it with `openssl x509 -noout -text`.'],
    },
    refs: ['RFC 5280 §4.2'],
  },
  {
    id: 'cert.empty-name',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'detail'],
    title: 'A certificate in the chain of {host} names an empty issuer ({subject})',
    detail:
      '{subject} ({element}): {detail}, so its issuer is a CA whose own name is empty. RFC 5280 requires a non-empty issuer name (§4.1.2.4) and a ' +
      'non-empty name for every CA (§4.1.2.6). Verifiers differ: Java does not even read such a certificate (“Empty issuer DN not allowed in ' +
      'X509Certificates”), OpenSSL in strict mode (-x509_strict) reports error 83 (Issuer name empty); Postfix and Exim with OpenSSL’s default ' +
      'settings still accept it. (An empty subject on the server’s own certificate is allowed, with its names in a critical subjectAltName.)',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying:
      'Depends on the sender’s library: Java-based senders and strict verifiers refuse the certificate and do not deliver; senders using OpenSSL ' +
      'with default settings (Postfix, Exim) accept it.',
    remediation: {
      summary: 'Have the CA certificate reissued with a name, and the server certificate reissued from it.',
      steps: ['Give the CA a distinguished name (at least a CN), reissue it and the server certificate, and install both.'],
    },
    refs: ['RFC 5280 §4.1.2.4', 'RFC 5280 §4.1.2.6'],
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
    facts: ['host', 'withSni', 'withoutSni', 'confirmation'],
    title: '{host} presents a different certificate without SNI',
    detail:
      'Asked with SNI (the MX host name), the server presents {withSni}; without SNI it presents {withoutSni}. {confirmation} Postfix sends no SNI unless ' +
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
    id: 'cert.differs-between-connections',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'count', 'certificates'],
    title: '{host} presents different certificates on different connections',
    detail:
      'Handshakes with this address showed {count} different certificates: {certificates}. Two handshakes with the same SNI got different ' +
      'certificates, so the choice does not follow SNI: most likely several servers share the address (a load-balanced pool), each with a ' +
      'certificate of its own. Senders get one or the other at random, so every one of them must be valid for the MX host name; the problems of ' +
      'each are reported here too, marked with where it was seen. A test sees only the servers it happens to reach: there may be more.',
    opportunistic: 'Not affected: it encrypts and delivers whichever certificate it gets.',
    verifying:
      'Judges the certificate of whichever server it reaches. If one of them fails the checks (untrusted, out of date, not naming the MX host, ' +
      'not matching the DANE TLSA records or a pinned thumbprint), deliveries that reach that server are deferred while the others go through: ' +
      'mail is late at random, and bounces when every retry lands on a bad server.',
    remediation: {
      summary: 'Make every server behind the address present a certificate valid for the MX host name.',
      steps: [
        'Find the servers behind the address (the load balancer’s pool members) and look at the certificate each one presents, connecting to each ' +
          'directly: `openssl s_client -starttls smtp -connect <member>:25 -servername <MX host name>`.',
        'Install a valid certificate for the MX host name on every member (one and the same certificate everywhere is simplest). If the domain ' +
          'publishes DANE TLSA records, or partners pin a thumbprint, every member’s certificate must match them.',
        'Retest a few times: each test sees only the members it happens to reach.',
      ],
      exchange: [CHECK_CERT_EXCHANGE + ' Run it on every server behind the load balancer: each must have the right certificate enabled for SMTP.'],
    },
    refs: ['RFC 6125', 'RFC 7672'],
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
    facts: ['host', 'keyType', 'bits', 'minBits', 'subject'],
    title: 'The certificate chain of {host} has a weak {bits}-bit {keyType} key',
    detail:
      '{subject}: its {keyType} key has {bits} bits, fewer than the {minBits} this test requires. An RSA key: OpenSSL at security level 2, the ' +
      'default on Debian 12, RHEL 9 and current Ubuntu, requires at least 2048 bits, so tools and senders that verify at that level refuse the ' +
      'certificate, and some TLS stacks refuse such a key even without checking it. An EC key on a curve smaller than P-256 (P-224, P-192): TLS 1.3 ' +
      'has no signature scheme for it, and current TLS libraries (OpenSSL 3, browsers, Windows) do not offer such curves by default in TLS 1.2 either, ' +
      'so most clients cannot complete a handshake with it.',
    opportunistic:
      'Most opportunistic senders still encrypt and deliver; a sender whose TLS library refuses the key outright fails the handshake and then falls ' +
      'back to plain text, as after any failed handshake.',
    verifying:
      "Depends on the sender's TLS library level. Postfix at 'verify' and 'secure' sets OpenSSL security level 1 and still accepts a 1024-bit key " +
      "(measured: Postfix 3.7 logs 'Verified TLS connection established'); senders and tools that verify at OpenSSL's default level 2 (many " +
      'OpenSSL-based MTAs and scanners, MTA-STS implementations on current distributions) reject the certificate and do not deliver. ' +
      UNTIL_BOUNCE,
    remediation: {
      summary: 'Have the certificate (or the CA certificate named) reissued with an RSA key of at least 2048 bits, or an ECDSA key on P-256 or P-384.',
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
  // ----- Revocation (CRL, OCSP, stapling), judged from the lookups made at run time -------------
  {
    id: 'cert.revoked',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'element', 'subject', 'revokedAt', 'reason', 'method', 'url'],
    title: 'The certificate {subject} of {host} has been revoked',
    detail:
      '{subject} ({element} of the chain) was revoked by its CA on {revokedAt} (reason: {reason}); {method} at {url} says so in a verified answer. ' +
      'A CA revokes a certificate when its key was exposed, it was misissued, or its holder asked: it must not be used any more. Windows checks ' +
      'revocation, so Exchange Server and Exchange Online connectors that validate certificates refuse it. OpenSSL-based MTAs (Postfix, Exim) do not ' +
      'check revocation and keep accepting it, which does not make it safe.',
    opportunistic: 'Not affected: an opportunistic sender checks neither the certificate nor its revocation. It encrypts and delivers.',
    verifying:
      'Exchange Server and Exchange Online connectors that validate certificates (TlsAuthLevel CertificateValidation or DomainValidation, TlsSettings ' +
      'set to validate) refuse it and do not deliver; they keep the message queued and retry for about 2 days, then bounce it. OpenSSL-based senders ' +
      "(Postfix at 'verify' or 'secure', Exim) do not check revocation and deliver as long as the rest of the chain verifies.",
    remediation: {
      summary: 'Replace the certificate now; if its key may have been exposed, with a new key.',
      steps: [
        'Request a new certificate (with a new key when the reason is keyCompromise or unknown) and install it with its chain on every server that uses the revoked one.',
        'If an intermediate is the revoked one, install the CA’s current chain instead.',
        'Retest: no certificate of the chain may be revoked.',
      ],
      exchange: [PLACE_CERT_EXCHANGE, 'Remove the revoked certificate (Remove-ExchangeCertificate) once the new one is in use, and update connectors that name it in TlsCertificateName.'],
      postfix: [PLACE_CERT_POSTFIX],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 5280 §5.3.1', 'RFC 6960'],
  },
  {
    id: 'cert.crl-unreachable',
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'subject', 'url', 'detail'],
    title: 'The CRL of {subject} ({host}) could not be fetched or used',
    detail:
      'The certificate {subject} names the CRL {url}, which gave no usable answer from here ({detail}), and no OCSP responder answered for it either: ' +
      'whether it is revoked could not be checked. OpenSSL-based MTAs (Postfix, Exim) do not check revocation and are not affected. Windows does: ' +
      'Exchange Server send connectors that validate certificates (TlsAuthLevel CertificateValidation or DomainValidation), Exchange Online connectors ' +
      'whose TlsSettings validate the certificate, and hybrid connectors matched by certificate fail the validation with the status RevocationOffline ' +
      'when they cannot reach it either, and do not deliver. The cause may be on the testing side too: a firewall that blocks outbound HTTP from the ' +
      'machine running this test (Exchange servers need the same access).',
    opportunistic: 'Not affected: an opportunistic sender does not check revocation. It encrypts and delivers.',
    verifying:
      'Exchange Server and Exchange Online connectors that validate certificates defer with RevocationOffline while the CRL stays unreachable for ' +
      'them, and bounce after about 2 days. OpenSSL-based senders (Postfix, Exim) deliver: they do not check revocation.',
    remediation: {
      summary: 'Have the CA (or whoever runs the URL) serve the CRL, or use a certificate whose CA publishes reachable revocation data.',
      steps: [
        'Fetch the URL from another network (`curl -sS -o ca.crl <url>`, then `openssl crl -inform DER -in ca.crl -noout -nextupdate`): if it fails everywhere, report it to the CA; for a private ' +
          'CA, publish its current CRL at that URL.',
        'If it fails only from the machine running this test, let it (and your own Exchange servers) reach CRL and OCSP URLs over HTTP (port 80).',
        'Until the CA fixes it, a certificate from another CA avoids refusals by Exchange senders.',
      ],
      exchange: [
        'On an Exchange server, `certutil -verify -urlfetch <certificate file>` shows which CRL and OCSP URLs Windows can reach for the certificate.',
      ],
    },
    refs: ['RFC 5280 §4.2.1.13', 'RFC 5280 §5'],
  },
  {
    id: 'cert.ocsp-unreachable',
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'subject', 'url', 'detail'],
    title: 'The OCSP responder for {subject} ({host}) gave no usable answer',
    detail:
      'For the certificate {subject}, OCSP ({url}) gave no answer that says whether it is revoked: {detail}. An answer that cannot be trusted ' +
      '(unreadable, badly signed, from an unauthorised responder) or that does not know the certificate counts as no answer. No CRL answered for ' +
      'it either, so its revocation could not be checked. OpenSSL-based MTAs (Postfix, Exim) do not check revocation and are not affected. Windows ' +
      'does: Exchange Server send connectors that validate certificates (TlsAuthLevel CertificateValidation or DomainValidation), Exchange Online ' +
      'connectors whose TlsSettings validate the certificate, and hybrid connectors matched by certificate fail the validation with the status ' +
      'RevocationOffline when they get no answer either, and do not deliver. The cause may be on the testing side too: a firewall that blocks ' +
      'outbound HTTP from the machine running this test.',
    opportunistic: 'Not affected: an opportunistic sender does not check revocation. It encrypts and delivers.',
    verifying:
      'Exchange Server and Exchange Online connectors that validate certificates defer with RevocationOffline while they get no revocation answer, ' +
      'and bounce after about 2 days. OpenSSL-based senders (Postfix, Exim) deliver: they do not check revocation.',
    remediation: {
      summary: 'Have the CA (or whoever runs the responder) fix its OCSP service, or use a certificate whose CA publishes reachable revocation data.',
      steps: [
        'Ask the responder from another network (`openssl ocsp -issuer issuer.pem -cert server.pem -url <url> -resp_text`): if it fails everywhere, ' +
          'report it to the CA; for a private CA, run the responder or add a CRL distribution point to its certificates.',
        'If the server staples a response, make sure it staples a current one signed by the CA or its authorised responder.',
        'If it fails only from the machine running this test, let it (and your own Exchange servers) reach OCSP and CRL URLs over HTTP (port 80).',
      ],
      exchange: [
        'On an Exchange server, `certutil -verify -urlfetch <certificate file>` shows which OCSP and CRL URLs Windows can reach for the certificate.',
      ],
    },
    refs: ['RFC 6960', 'RFC 6066 §8'],
  },
  {
    id: 'cert.crl-stale',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'subject', 'url', 'nextUpdate'],
    title: 'The CRL of {subject} ({host}) is out of date',
    detail:
      'The CRL {url} for the certificate {subject} was due to be replaced on {nextUpdate} (its nextUpdate), a date now past, and no newer one is ' +
      'served: the CA has stopped publishing it, or the server at that URL serves an old file. Windows does not use an out-of-date CRL and ' +
      'treats revocation as offline: Exchange Server and Exchange Online connectors that validate certificates fail the validation with the status ' +
      'RevocationOffline unless an OCSP responder answers. OpenSSL-based MTAs (Postfix, Exim) do not check revocation and are not affected.',
    opportunistic: 'Not affected: an opportunistic sender does not check revocation. It encrypts and delivers.',
    verifying:
      'Exchange Server and Exchange Online connectors that validate certificates defer with RevocationOffline when no OCSP responder answers, and ' +
      'bounce after about 2 days. OpenSSL-based senders (Postfix, Exim) deliver: they do not check revocation.',
    remediation: {
      summary: 'Have the CA publish a current CRL at that URL, or use a certificate from a CA that does.',
      steps: [
        'Report the out-of-date CRL to the CA. For a private CA, publish a fresh CRL (`openssl ca -gencrl`, or certutil -CRL on a Windows CA) and ' +
          'schedule it well before each nextUpdate.',
      ],
      exchange: ['On an Exchange server, `certutil -verify -urlfetch <certificate file>` shows whether Windows accepts the CRL it fetches.'],
    },
    refs: ['RFC 5280 §5.1.2.5'],
  },
  {
    id: 'cert.no-revocation-info',
    // A note: it matters to one kind of sender (Exchange validating connectors), which the "who accepts it" table answers for.
    severity: 'info',
    actor: 'them',
    facts: ['host', 'element', 'subject'],
    title: 'The certificate {subject} of {host} names no CRL and no OCSP responder',
    detail:
      '{subject} ({element} of the chain) has neither a CRL distribution point nor an OCSP responder, so no client can find out whether it has been ' +
      'revoked. Windows then reports the revocation status as unknown (CRYPT_E_NO_REVOCATION_CHECK), and Exchange connectors that validate ' +
      'certificates with revocation checking (TlsAuthLevel CertificateValidation or DomainValidation, hybrid connectors) can refuse it. ' +
      'OpenSSL-based MTAs (Postfix, Exim) do not check revocation and are not affected. Certificates from public CAs name at least one (some CAs ' +
      'have stopped running OCSP and name only a CRL, which is enough); a certificate with neither usually comes from a private CA.',
    opportunistic: 'Not affected: an opportunistic sender does not check revocation. It encrypts and delivers.',
    verifying:
      'OpenSSL-based senders (Postfix, Exim) deliver: they do not check revocation. Exchange Server and Exchange Online connectors that validate ' +
      'certificates may defer and finally bounce the mail, as for an unreachable CRL.',
    remediation: {
      summary: 'Use a certificate that names a CRL distribution point (or an OCSP responder).',
      steps: [
        'For a private CA: add `crlDistributionPoints = URI:http://<host>/<ca>.crl` to its issuing profile, publish the CRL there over HTTP, and ' +
          'reissue the certificate.',
        'Or use a certificate from a public CA.',
      ],
      exchange: ['A Windows CA (AD CS) adds its CRL distribution point when its CDP extension is configured to be included in issued certificates; reissue the certificate after that.'],
    },
    refs: ['RFC 5280 §4.2.1.13', 'RFC 5280 §4.2.2.1'],
  },
  {
    id: 'cert.must-staple-missing',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'subject'],
    title: 'The certificate of {host} requires OCSP stapling, and the server staples nothing',
    detail:
      'The certificate {subject} carries the TLS feature status_request (OCSP must-staple, RFC 7633): it asks clients to refuse it unless the server ' +
      'staples a current OCSP response to the handshake, and this server stapled none. Mail servers ignore must-staple (neither OpenSSL-based MTAs ' +
      'nor Exchange enforce it), so mail is not affected; a browser that honours it (Firefox) would refuse the certificate, which matters if the same ' +
      'certificate also serves a web site.',
    opportunistic: 'Not affected: it encrypts and delivers.',
    verifying: 'Not affected: mail servers do not enforce must-staple.',
    remediation: {
      summary: 'Nothing to do for mail. If the certificate also serves web clients, make the server staple OCSP responses, or use a certificate without must-staple.',
      steps: ['Request the next certificate without must-staple (Certbot: without --must-staple), unless the server staples OCSP responses.'],
      postfix: ['Postfix’s smtpd does not staple OCSP responses: use a certificate without must-staple.'],
      exim: ['Exim staples the response in the file named by tls_ocsp_file; keep that file current (fetch it before it expires), or use a certificate without must-staple.'],
    },
    refs: ['RFC 7633', 'RFC 6066 §8'],
  },

  // ----- The server certificate's profile ------------------------------------------------------
  {
    id: 'cert.cn-only',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'commonName'],
    title: 'The certificate of {host} names {commonName} only in its CN, with no subjectAltName',
    detail:
      'The certificate has no DNS name or IP address in subjectAltName: its only name is the CN {commonName}. Matching the CN is a legacy ' +
      'fallback: RFC 6125 allowed it only without DNS names, RFC 9525, which replaced it in 2023, drops it, and browsers (Chrome since version 58) ' +
      'and Go’s TLS library ignore the CN, so their name check fails. OpenSSL-based MTAs (Postfix, Exim) still fall back to the CN, as mxray’s own ' +
      'name check does, so they may accept it today. Public CAs must put every name in subjectAltName: this certificate comes from a private CA or ' +
      'old tooling.',
    opportunistic: 'Not affected: it does not check names.',
    verifying:
      "Senders whose TLS library ignores the CN (Go-based software, anything following RFC 9525) find no name on the certificate and do not deliver; " +
      "OpenSSL-based senders (Postfix at 'verify' or 'secure', Exim) still match the CN.",
    remediation: {
      summary: 'Have the certificate reissued with the MX host name in subjectAltName.',
      steps: [
        'Request it with a subjectAltName, e.g. `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout mx.key -out mx.csr ' +
          '-subj "/CN=<mx host name>" -addext "subjectAltName=DNS:<mx host name>"`, have the CA issue it (a private CA must copy the extension), and install it.',
      ],
      exchange: [
        'New-ExchangeCertificate puts the names given with -DomainName into subjectAltName: request the certificate with `-DomainName <mx host name>`, ' +
          'then Import-ExchangeCertificate and `Enable-ExchangeCertificate -Services SMTP`.',
      ],
      postfix: [PLACE_CERT_POSTFIX],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 9525', 'RFC 6125 §6.4.4', 'RFC 5280 §4.2.1.6'],
  },
  {
    id: 'cert.validity-too-long',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'subject', 'notBefore', 'notAfter', 'days', 'maxDays'],
    title: 'The certificate of {host} is valid for {days} days, longer than public CAs may issue',
    detail:
      '{subject} is valid from {notBefore} to {notAfter}: {days} days. The CA/Browser Forum Baseline Requirements allow a publicly trusted TLS ' +
      'certificate issued then at most {maxDays} days. Browsers refuse public certificates valid for longer; mail servers do not check it, so mail is not affected. It is judged ' +
      'only for a certificate that chains to a trusted root and claims the Baseline Requirements (a CA/Browser Forum policy): private CAs are not ' +
      'bound by them.',
    opportunistic: 'Not affected.',
    verifying: 'Not affected: mail servers do not enforce the maximum validity.',
    remediation: {
      summary: 'Nothing to do for mail. Renew with automation ready for the shorter lifetimes public certificates have from 2026 on.',
      steps: [
        'Automate renewal (ACME) and reloading of the mail server: public certificates will be valid for at most 200 days from 15 March 2026, ' +
          '100 from 2027 and 47 from 2029.',
      ],
    },
    refs: ['CA/Browser Forum Baseline Requirements §6.3.2'],
  },
  {
    id: 'cert.client-auth-ending',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'subject', 'notAfter'],
    title: 'The certificate of {host} allows client authentication, which public CAs stop issuing in 2026',
    detail:
      '{subject}, from a public CA and valid until {notAfter}, lists client authentication (clientAuth) besides serverAuth in its extended key usage. ' +
      'Public CAs stop including clientAuth during 2026 (the Chrome Root Program requires hierarchies dedicated to TLS server authentication), so a ' +
      'renewal will lack it. For receiving mail this changes nothing. It matters where the same certificate also authenticates this server as a ' +
      'client: Exchange Online inbound and hybrid connectors that recognise your server by its certificate (TlsSenderCertificateName), or Postfix ' +
      'presenting it with smtp_tls_cert_file for outbound mutual TLS. A peer that verifies client certificates with OpenSSL requires clientAuth ' +
      'when the certificate lists extended key usages, and refuses the renewed certificate.',
    opportunistic: 'Not affected.',
    verifying: 'Not affected as a server certificate.',
    remediation: {
      summary: 'Before renewing, find out where this certificate is used as a client certificate, and plan a separate one for that.',
      steps: [
        'List the places that present this certificate as a client (outbound mutual TLS, partner connectors that match it).',
        'For those, ask each peer whether it requires clientAuth, and use a client certificate meant for it (a private CA, or a CA product for client authentication).',
      ],
      exchange: [
        'Check `Get-InboundConnector | Format-List Name,TlsSenderCertificateName` in Exchange Online and the send connectors on premises ' +
          '(`Get-SendConnector | Format-List Name,TlsCertificateName`): connectors that identify your server by this certificate need testing after the renewal.',
      ],
      postfix: ['Check smtp_tls_cert_file / smtp_tls_chain_files (the client side): if they point at this certificate, partners verifying it may need a clientAuth certificate.'],
    },
    refs: ['RFC 5280 §4.2.1.12', 'Chrome Root Program Policy'],
  },
  {
    id: 'cert.no-scts',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'subject'],
    title: 'The certificate of {host} embeds no certificate transparency proofs (SCTs)',
    detail:
      '{subject} chains to a trusted root and claims the CA/Browser Forum Baseline Requirements, but embeds no signed certificate timestamps (SCTs). ' +
      'Chrome and Safari require SCTs for publicly trusted certificates and refuse one without; a server may also send them in the handshake or a ' +
      'stapled OCSP response, which this test does not read. Mail servers do not check certificate transparency, so mail is not affected.',
    opportunistic: 'Not affected.',
    verifying: 'Not affected: mail servers do not check certificate transparency.',
    remediation: {
      summary: 'Nothing to do for mail. If the certificate also serves browsers, get one with embedded SCTs (public CAs embed them by default).',
      steps: ['Ask the CA why the certificate has no SCTs, and have it reissued with them if browsers use it too.'],
    },
    refs: ['RFC 6962 §3.3'],
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
