// Sentences several catalogue entries share (what senders do, where certificates are placed).
/** How long senders keep retrying before they give up and bounce. */
export const UNTIL_BOUNCE =
  'It keeps the message queued and retries until its queue lifetime ends (Postfix maximal_queue_lifetime: 5 days by default; ' +
  'Exchange Server and Exchange Online: about 2 days; Exim: as its retry rules say, typically 4 days), then bounces it to the sender.';

/** A sender that must have TLS meets a server without (usable) STARTTLS. */
export const VERIFYING_NO_STARTTLS =
  "Cannot deliver. Postfix at 'encrypt' or above defers with 'TLS is required, but was not offered by host …'; " +
  "Exim with hosts_require_tls logs 'a TLS session is required, but the server did not offer TLS support'; " +
  'an Exchange send connector with RequireTLS, or an Exchange Online connector that requires TLS, cannot deliver either. ' +
  UNTIL_BOUNCE;

/** Opportunistic senders after a failed handshake. */
export const OPPORTUNISTIC_HANDSHAKE_FAILED =
  'The handshake fails, so nothing is delivered on that connection. Senders then fall back: Postfix at ' +
  "'may' tries the other MX hosts and retries the delivery in plain text (often only on a later attempt, so the mail is late); " +
  'Exim retries without TLS (tls_tempfail_tryclear, on by default); Exchange falls back to sending without TLS. ' +
  'The message usually arrives, late and unencrypted.';

/** Verifying or forcing senders after a failed handshake. */
export const VERIFYING_HANDSHAKE_FAILED =
  "Cannot deliver. Postfix at 'encrypt' or above defers with 'Cannot start TLS: handshake failure'; " +
  "Exim with hosts_require_tls logs 'a TLS session is required, but an attempt to start TLS failed'; " +
  'an Exchange connector with TLS forced cannot deliver either. ' +
  UNTIL_BOUNCE;

/** Opportunistic senders do not look at the certificate. */
export const OPPORTUNISTIC_CERT =
  'Not affected: an opportunistic sender does not check the certificate. It encrypts and delivers; ' +
  "the session counts as unauthenticated (Postfix logs 'Untrusted TLS connection established').";

/** Verifying senders reject a certificate whose chain or dates fail. */
export const VERIFYING_CERT_TRUST =
  "Rejects the certificate and does not deliver. Postfix at 'verify' or 'secure' defers with 'Server certificate not trusted'; " +
  "Exim with tls_verify_hosts (and hosts_require_tls) logs 'SSL verify error: … error=<reason>' in OpenSSL builds; " +
  'an Exchange send connector with TlsAuthLevel CertificateValidation or DomainValidation, or an Exchange Online connector ' +
  'with TlsSettings set to validate, refuses it; senders honouring an MTA-STS policy in enforce mode do not deliver. ' +
  UNTIL_BOUNCE;

export const VERIFYING_CERT_TRUST_DANE =
  VERIFYING_CERT_TRUST +
  " Exception: DANE senders (Postfix at 'dane', Exim with DANE) accept it when the domain publishes a matching DANE-EE (3 x x) TLSA record in a DNSSEC-signed zone.";

export const NOTHING_TO_DO = { summary: 'Nothing to do.', steps: [] as string[] };

export const PLACE_CERT_POSTFIX =
  'Point smtpd_tls_chain_files at the key and certificate chain (Postfix 3.4 and later: the private key first, then the server certificate, then the ' +
  'intermediates), ' +
  'or on older versions smtpd_tls_cert_file (server certificate followed by the intermediates) and smtpd_tls_key_file; then `postfix reload`.';

export const PLACE_CERT_EXIM =
  'Point tls_certificate at the certificate chain (server certificate followed by the intermediates) and tls_privatekey at the key, ' +
  'check that the Exim user (Debian: Debian-exim) can read both, then restart Exim.';

export const PLACE_CERT_EXCHANGE =
  'Import the certificate with its private key (Import-ExchangeCertificate) on every server that receives internet mail, ' +
  'then `Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP`.';

export const CHECK_CERT_EXCHANGE =
  '`Get-ExchangeCertificate | Format-List Thumbprint,Subject,CertificateDomains,Services,NotAfter,Status` ' +
  'shows which certificates exist and which are bound to SMTP.';

