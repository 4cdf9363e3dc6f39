// Error-text rules as data: what a TLS-related mail error, NDR text or log line means, whose fault
// it is, the likely causes in order (each pointing to the finding that shows it, where one exists),
// the command that tells them apart, and the fix per platform. The finding catalogue stays the one
// source of finding texts: a rule names finding ids, never copies their words. Every rule names
// where its text comes from (an RFC, the vendor's documentation, or the real server that printed it
// in this project's interop tests); `samples` are those texts, short strings quoted as facts.
//
// Patterns are matched case-insensitively against one capped line; they must stay linear (no nested
// quantifiers, no overlapping alternatives under a repeat) — test/unit/kb/error-rules.test.ts times
// every pattern against hostile lines. Named groups `host`, `domain`, `ip` fill the confirming
// command ({host}, {domain}, {ip}); a placeholder nothing captured is left as written, for the user.
import type { FindingId } from './catalogue.js';

export type Fault = 'receiver' | 'sender' | 'either' | 'path';

export interface ErrorRule {
  id: string;
  /** Who writes this text: 'exchange', 'exchange-online', 'postfix', 'exim', 'openssl', 'smtp' (any MTA, RFC wording) … */
  platform: string;
  /** Lower-case words one of which every matching line contains: the prefilter (no pattern runs on a line without one). */
  keywords: readonly string[];
  patterns: readonly RegExp[];
  /** What it means, in a sentence or two. */
  meaning: string;
  /** Whose side must act: the receiving server, the sending one, either, or something on the path (a firewall). */
  fault: Fault;
  /** Likely causes, most likely first, each with the findings that show it (catalogue ids). */
  causes: readonly { cause: string; findings: readonly FindingId[] }[];
  /** The command that tells the causes apart ({host}, {domain}, {ip} from the text). */
  confirm: string;
  /** What to do, by platform ('any' for every one). */
  fixes: Readonly<Record<string, readonly string[]>>;
  refs: readonly string[];
  /** Texts this rule must match, as the source prints them. */
  samples: readonly string[];
  /**
   * A library's reason (OpenSSL's verify errors, its SSL errors) that other products quote inside
   * their own messages: it explains the reason, beside the rule for the message that quotes it.
   */
  reason?: true;
}

const HOST = '(?<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252})';
const IP = '(?<ip>[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|[0-9A-Fa-f:]{2,39})';

/** A pattern from source text, case-insensitive. */
const re = (source: string): RegExp => new RegExp(source, 'i');

export const ERROR_RULES: readonly ErrorRule[] = [
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
    id: 'exchange.starttls-required',
    platform: 'exchange-online',
    keywords: ['starttls'],
    patterns: [re('\\b451\\b 5\\.7\\.3 STARTTLS is required to send mail'), re('\\b5\\.7\\.3\\b Must issue a STARTTLS command first')],
    meaning:
      'Exchange (or Exchange Online) requires TLS from this sender and got a mail command in clear text. Exchange Online says the same to a sender it does not offer STARTTLS to — as to one whose address is on a block list — so the sender may never have been given the chance.',
    fault: 'either',
    causes: [
      { cause: 'The sender does not use STARTTLS towards this receiver.', findings: ['policy.requires-tls'] },
      { cause: 'The sender’s address is on a block list, and the receiver stopped offering STARTTLS to it.', findings: ['dnsbl.listed', 'starttls.not-offered'] },
      { cause: 'A firewall hides the STARTTLS offer from the sender.', findings: ['starttls.masked'] },
    ],
    confirm: 'mxray check {domain} --dnsbl',
    fixes: {
      exchange: ['Make the send connector use TLS (Set-SendConnector -RequireTLS $true) and check its source addresses are not listed (mxray blocklist <address>).'],
      postfix: ['smtp_tls_security_level = may or encrypt; check the sending address with mxray blocklist.'],
      any: ['If STARTTLS is not offered to you but is to others, ask the receiver to delist your address.'],
    },
    refs: ['Microsoft Learn: Exchange Online NDR 5.7.3', 'RFC 3207 §4'],
    samples: ['451 5.7.3 STARTTLS is required to send mail', '451 5.7.3 Must issue a STARTTLS command first'],
  },
  {
    id: 'postfix.tls-required-not-offered',
    platform: 'postfix',
    keywords: ['tls is required'],
    patterns: [re(`TLS is required, but was not offered by host ${HOST}\\[${IP}\\]`), re('TLS is required, but was not offered')],
    meaning:
      'The Postfix client was told to require TLS for this destination (smtp_tls_security_level = encrypt, verify, secure or dane, or a policy map), and the server’s EHLO reply did not offer STARTTLS, so Postfix defers the mail.',
    fault: 'either',
    causes: [
      { cause: 'The receiving server does not offer STARTTLS (not configured, or not to this sender).', findings: ['starttls.not-offered'] },
      { cause: 'A firewall’s SMTP inspection hides the STARTTLS offer.', findings: ['starttls.masked'] },
      { cause: 'The sender’s address is on a block list the receiver consults before offering TLS.', findings: ['dnsbl.listed'] },
    ],
    confirm: 'mxray check {host}',
    fixes: {
      postfix: ['If the receiver cannot do TLS, lower the level for it in smtp_tls_policy_maps (a decision to make knowingly); else ask the receiver to offer STARTTLS.'],
      any: ['Receiver: enable STARTTLS, and disable "SMTP fixup"/ESMTP inspection on a firewall in front of it.'],
    },
    refs: ['Postfix TLS_README: "Mandatory TLS encryption"', 'postconf(5): smtp_tls_security_level'],
    samples: ['TLS is required, but was not offered by host mx.example.com[192.0.2.25]'],
  },
  {
    id: 'postfix.untrusted-tls',
    platform: 'postfix',
    keywords: ['untrusted tls connection'],
    patterns: [re(`Untrusted TLS connection established (?:to|from) ${HOST}\\[${IP}\\]`), re('Untrusted TLS connection established')],
    meaning:
      'TLS was negotiated, but the certificate did not chain to a CA Postfix trusts. At level may or encrypt this is normal and the mail is sent encrypted; at verify or secure Postfix would have refused.',
    fault: 'receiver',
    causes: [
      { cause: 'The server presents a self-signed certificate.', findings: ['cert.self-signed'] },
      { cause: 'The server does not send its intermediate certificate.', findings: ['cert.chain-incomplete'] },
      { cause: 'The certificate is from a CA not in the sender’s CA file.', findings: ['cert.untrusted-root'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: {
      any: ['Receiver: install a certificate from a public CA with its full chain (leaf, then intermediates).'],
      postfix: ['Sender: if the CA is private, add it to smtp_tls_CAfile; check smtp_tls_CAfile/CApath point at the system bundle.'],
    },
    refs: ['Postfix TLS_README: "Client-side TLS activity logging"', 'postconf(5): smtp_tls_loglevel'],
    samples: ['Untrusted TLS connection established to mx.example.com[192.0.2.25]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)'],
  },
  {
    id: 'postfix.server-certificate-not-trusted',
    platform: 'postfix',
    keywords: ['server certificate not'],
    patterns: [re('Server certificate not (?:trusted|verified)')],
    meaning:
      'Postfix at level verify, secure or dane could not authenticate the server’s certificate (not trusted, or trusted but the name does not match), so it defers the mail.',
    fault: 'either',
    causes: [
      { cause: 'The certificate does not chain to a trusted CA (self-signed, missing intermediate, private CA).', findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.untrusted-root'] },
      { cause: 'The certificate does not name the host or domain Postfix checks (smtp_tls_verify_cert_match / secure_cert_match).', findings: ['cert.name-mismatch', 'cert.domain-mismatch'] },
      { cause: 'With DANE: the certificate matches none of the TLSA records.', findings: ['dane.no-match'] },
    ],
    confirm: 'mxray cert {domain} --profile postfix-verify --profile dane',
    fixes: {
      any: ['Receiver: a certificate from a public CA naming the MX host, sent with its chain; keep TLSA records in step with key changes.'],
      postfix: ['Sender: check smtp_tls_policy_maps for this destination and the match= names it requires.'],
    },
    refs: ['Postfix TLS_README: "Mandatory server certificate verification"', 'RFC 7672 §3'],
    samples: ['Server certificate not trusted', 'Server certificate not verified'],
  },
  {
    id: 'postfix.certificate-verification-failed',
    platform: 'postfix',
    keywords: ['certificate verification failed'],
    patterns: [re(`certificate verification failed for ${HOST}\\[${IP}\\](?::\\d{1,5})?: (?:untrusted issuer|num=(?<num>\\d{1,3}):(?<why>[^\\r\\n]{0,200}))`)],
    meaning: 'Postfix logs why OpenSSL refused the certificate chain: the number and words are OpenSSL’s verify error (e.g. 18 self-signed certificate, 20 unable to get local issuer certificate, 10 certificate has expired).',
    fault: 'receiver',
    causes: [
      { cause: 'A self-signed certificate (num=18) or a root not trusted (num=19).', findings: ['cert.self-signed', 'cert.untrusted-root'] },
      { cause: 'A missing intermediate (num=20, unable to get local issuer certificate).', findings: ['cert.chain-incomplete'] },
      { cause: 'An expired certificate (num=10).', findings: ['cert.expired'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Receiver: fix what the OpenSSL error names (renew, send the intermediate, use a public CA).'] },
    refs: ['Postfix TLS_README', 'OpenSSL verify(1): verification error codes'],
    samples: ['certificate verification failed for mx.example.com[192.0.2.25]:25: num=18:self-signed certificate'],
  },
  {
    id: 'openssl.no-shared-cipher',
    platform: 'openssl',
    reason: true,
    keywords: ['no shared cipher'],
    patterns: [re('no shared cipher')],
    meaning: 'Client and server have no cipher suite (or protocol version) in common: the handshake fails before any certificate is sent.',
    fault: 'either',
    causes: [
      { cause: 'One side allows only old protocols or ciphers the other refuses (TLS 1.0 only, RC4, export ciphers).', findings: ['tls.no-shared-cipher', 'tls.old-protocol'] },
      { cause: 'The server has no certificate for the key type the client offers (e.g. ECDSA only).', findings: ['tls.handshake-failed'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Allow TLS 1.2 and 1.3 with current AEAD ciphers on both sides.'], postfix: ['Check smtpd_tls_mandatory_protocols / ciphers and tls_high_cipherlist overrides.'] },
    refs: ['Postfix TLS_README', 'OpenSSL ssl(7)'],
    samples: ['SSL_accept error from mail.example.org[198.51.100.7]: -1 … no shared cipher'],
  },
  {
    id: 'postfix.handshake-failure',
    platform: 'postfix',
    keywords: ['cannot start tls'],
    patterns: [re('Cannot start TLS: handshake failure')],
    meaning: 'The Postfix client sent STARTTLS, got 220, and the TLS handshake failed; at may it retries in clear text, at encrypt or above it defers.',
    fault: 'either',
    causes: [
      { cause: 'No protocol or cipher in common.', findings: ['tls.no-shared-cipher', 'tls.old-protocol'] },
      { cause: 'The server’s TLS is broken (it answers STARTTLS but then sends something that is not TLS).', findings: ['tls.handshake-failed', 'tls.server-aborted'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Test the server’s TLS; fix its certificate and key configuration; allow TLS 1.2+.'] },
    refs: ['Postfix TLS_README'],
    samples: ['Cannot start TLS: handshake failure'],
  },
  {
    id: 'exim.tls-required',
    platform: 'exim',
    keywords: ['a tls session is required'],
    patterns: [re('a TLS session is required(?:, but| for)[^\\r\\n]{0,120}')],
    meaning: 'Exim was configured to require TLS for this host (hosts_require_tls) and could not get it: the server did not offer STARTTLS, or the handshake failed.',
    fault: 'either',
    causes: [
      { cause: 'The server does not offer STARTTLS.', findings: ['starttls.not-offered', 'starttls.masked'] },
      { cause: 'The TLS handshake failed.', findings: ['tls.handshake-failed', 'tls.no-shared-cipher'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { exim: ['Check the host is meant to be in hosts_require_tls; else ask the receiver to offer STARTTLS.'] },
    refs: ['Exim specification: smtp transport, hosts_require_tls'],
    samples: ['a TLS session is required, but the server did not offer TLS support'],
  },
  {
    id: 'exim.tls-error',
    platform: 'exim',
    keywords: ['tls error on connection'],
    patterns: [re(`TLS error on connection (?:to|from) ${HOST}[^()\\r\\n]{0,120}\\((?<where>[a-z_ ]{1,40})\\)`)],
    meaning: 'Exim’s TLS library reported an error during or after the handshake; the words in parentheses say where (gnutls_handshake, SSL_connect, certificate verification failed).',
    fault: 'either',
    causes: [
      { cause: 'The certificate could not be verified (with tls_verify_hosts).', findings: ['cert.untrusted-root', 'cert.chain-incomplete', 'cert.self-signed'] },
      { cause: 'No protocol or cipher in common.', findings: ['tls.no-shared-cipher'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { exim: ['Read the reason after the colon; for certificate errors check tls_verify_certificates points at the system bundle.'] },
    refs: ['Exim specification: "Encrypted SMTP connections using TLS/SSL"'],
    samples: ['TLS error on connection to mx.example.com [192.0.2.25] (certificate verification failed): certificate invalid'],
  },
  {
    id: 'exchange.tls-negotiation-failed',
    platform: 'exchange',
    keywords: ['tls negotiation failed'],
    patterns: [re('TLS negotiation failed with error (?<why>NoCredentials|UnknownCredentials|[A-Za-z]{3,40})')],
    meaning:
      'Exchange could not do TLS: NoCredentials means it has no usable certificate for the connector’s FQDN (none enabled for SMTP, or its private key is not accessible); UnknownCredentials usually means the certificate the connector names cannot be used.',
    fault: 'either',
    causes: [
      { cause: 'No certificate enabled for SMTP whose name matches the connector FQDN, or its private key not readable by the transport service.', findings: [] },
      { cause: 'The remote side refused the certificate or the protocol.', findings: ['tls.handshake-failed'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { exchange: ['Get-ExchangeCertificate | fl Thumbprint,Services,Subject,CertificateDomains,NotAfter; Enable-ExchangeCertificate -Thumbprint <t> -Services SMTP; restart MSExchangeTransport.'] },
    refs: ['Microsoft Learn: Exchange Server TLS certificate troubleshooting'],
    samples: ['TLS negotiation failed with error NoCredentials', 'TLS negotiation failed with error UnknownCredentials'],
  },
  {
    id: 'exchange.certificate-validation-failed',
    platform: 'exchange',
    keywords: ['certificate for', "failed with status '"],
    patterns: [re("validation of the Transport Layer Security \\(TLS\\) certificate for (?<domain>[A-Za-z0-9.-]{1,253}) failed with status '(?<status>[A-Za-z]{2,40})'")],
    meaning:
      'Exchange’s connector requires a validated certificate (TlsAuthLevel CertificateValidation/DomainValidation) and Windows’ chain engine refused it; the status names why: Expired, UntrustedRoot, PartialChain (intermediate missing and not fetched), RevocationOffline (CRL/OCSP unreachable), CNNotMatch (name).',
    fault: 'receiver',
    causes: [
      { cause: 'Expired: the certificate is out of date.', findings: ['cert.expired'] },
      { cause: 'UntrustedRoot or PartialChain: a private CA, or a missing intermediate Windows could not fetch.', findings: ['cert.untrusted-root', 'cert.chain-incomplete'] },
      { cause: 'RevocationOffline: the CRL or OCSP responder cannot be reached from Exchange.', findings: ['cert.crl-unreachable', 'cert.ocsp-unreachable'] },
      { cause: 'CNNotMatch: the certificate does not name the domain the connector expects.', findings: ['cert.name-mismatch', 'cert.domain-mismatch'] },
    ],
    confirm: 'mxray cert {domain} --profile exchange-server',
    fixes: {
      any: ['Receiver: fix what the status names.'],
      exchange: ['Sender: check the connector’s TlsDomain, and that the Exchange server can reach the CRL/OCSP URLs (proxy settings of the transport service).'],
    },
    refs: ['Microsoft Learn: Exchange Server event 12014/12016 and TLS certificate validation'],
    samples: ["The connection to example.com could not be established because the validation of the Transport Layer Security (TLS) certificate for example.com failed with status 'UntrustedRoot'"],
  },
  {
    id: 'exchange-online.tenant-attribution',
    platform: 'exchange-online',
    keywords: ['tenantinboundattribution', 'tenantattribution'],
    patterns: [re('5\\.7\\.51 TenantInboundAttribution'), re('5\\.7\\.64 TenantAttribution')],
    meaning:
      'Exchange Online rejected mail from an on-premises or partner server because it could not attribute it to the tenant through an inbound connector: the certificate name (TlsSenderCertificateName) or the sending IP does not match the connector.',
    fault: 'sender',
    causes: [
      { cause: 'The sending server presents a certificate whose name does not match the inbound connector’s TlsSenderCertificateName (or presents none).', findings: ['cert.name-mismatch'] },
      { cause: 'The sending IP is not the one the connector lists.', findings: [] },
    ],
    confirm: 'mxray cert {host} --profile exchange-online --name <TlsSenderCertificateName>',
    fixes: { exchange: ['Set the send connector’s TlsCertificateName to the certificate whose name the inbound connector expects (Set-SendConnector -TlsCertificateName "<I>issuer<S>subject").'] },
    refs: ['Microsoft Learn: Exchange Online NDR 5.7.51 and 5.7.64'],
    samples: ['550 5.7.51 TenantInboundAttribution', '550 5.7.64 TenantAttribution; Relay Access Denied'],
  },
  {
    id: 'openssl.wrong-version-number',
    platform: 'openssl',
    reason: true,
    keywords: ['wrong version number'],
    patterns: [re('wrong version number')],
    meaning:
      'The TLS client got something that is not a TLS record: almost always a TLS client talking to a plain SMTP port — implicit TLS against port 25 or 587 — and reading the banner "220 …" as a record.',
    fault: 'sender',
    causes: [
      { cause: 'Implicit TLS (SMTPS) used against a STARTTLS port (25 or 587).', findings: [] },
      { cause: 'The server answered STARTTLS with 220 but is not doing TLS.', findings: ['tls.handshake-failed'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Use STARTTLS on ports 25 and 587, implicit TLS only on 465.'] },
    refs: ['RFC 8314 §3', 'OpenSSL ssl(7)'],
    samples: ['SSL routines:ssl3_get_record:wrong version number', 'error:0A00010B:SSL routines::wrong version number'],
  },
  {
    id: 'openssl.self-signed',
    platform: 'openssl',
    reason: true,
    keywords: ['self-signed certificate', 'self signed certificate'],
    patterns: [re('self[- ]signed certificate(?: in certificate chain)?')],
    meaning: 'OpenSSL found a self-signed certificate (the server’s own, or a root in the chain) that is not in the trust store.',
    fault: 'receiver',
    causes: [
      { cause: 'The server presents a self-signed certificate.', findings: ['cert.self-signed'] },
      { cause: 'The chain ends at a root the sender does not trust (a private CA).', findings: ['cert.untrusted-root'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Receiver: a certificate from a public CA; or publish a DANE-EE TLSA record for this key (with DNSSEC).'] },
    refs: ['OpenSSL verify(1): X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT (18), X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN (19)'],
    samples: ['Cert NOT VALIDATED: self-signed certificate', 'verify error:num=18:self-signed certificate'],
  },
  {
    id: 'openssl.local-issuer',
    platform: 'openssl',
    reason: true,
    keywords: ['unable to get local issuer certificate'],
    patterns: [re('unable to get local issuer certificate')],
    meaning: 'OpenSSL could not find the issuer of a certificate: the server did not send its intermediate (OpenSSL fetches nothing), or the root is not trusted.',
    fault: 'receiver',
    causes: [
      { cause: 'The server does not send its intermediate certificate.', findings: ['cert.chain-incomplete'] },
      { cause: 'The issuing CA is not in the sender’s trust store.', findings: ['cert.untrusted-root'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Receiver: configure the full chain (leaf, then intermediates).'], postfix: ['smtpd_tls_chain_files = key.pem, fullchain.pem'] },
    refs: ['OpenSSL verify(1): X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY (20)'],
    samples: ['verify error:num=20:unable to get local issuer certificate'],
  },
  {
    id: 'openssl.certificate-expired',
    platform: 'openssl',
    reason: true,
    keywords: ['certificate has expired'],
    patterns: [re('certificate has expired')],
    meaning: 'A certificate on the path is past its end date (the server’s, or an intermediate it sends).',
    fault: 'receiver',
    causes: [
      { cause: 'The server certificate expired.', findings: ['cert.expired'] },
      { cause: 'An intermediate the server sends expired (a stale chain file).', findings: ['cert.intermediate-expired'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Receiver: install the renewed certificate and its current chain, and restart or reload the MTA.'] },
    refs: ['OpenSSL verify(1): X509_V_ERR_CERT_HAS_EXPIRED (10)'],
    samples: ['verify error:num=10:certificate has expired'],
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
  {
    id: 'postfix.ssl-accept-error',
    platform: 'postfix',
    keywords: ['ssl_accept error'],
    patterns: [re(`SSL_accept error from ${HOST}\\[${IP}\\]`)],
    meaning:
      'The Postfix server (smtpd) answered STARTTLS with 220, and the client’s TLS handshake then failed; the lines after it (or the reason on the same line) say why. A client that gives up on TLS here often retries in clear text.',
    fault: 'either',
    causes: [
      { cause: 'No protocol or cipher in common with the client (an old client, or smtpd_tls_mandatory_protocols too strict for it).', findings: ['tls.no-shared-cipher', 'tls.old-protocol'] },
      { cause: 'The client refused the server certificate and closed (it verifies, and the chain or name is wrong).', findings: ['cert.chain-incomplete', 'cert.self-signed', 'cert.name-mismatch'] },
      { cause: 'A scanner or a client that drops the connection mid-handshake.', findings: [] },
    ],
    confirm: 'mxray check {host}',
    fixes: { postfix: ['Raise smtpd_tls_loglevel to 1 to see the reason; keep smtpd_tls_protocols = >=TLSv1.2 only if your senders can.'] },
    refs: ['Postfix TLS_README: "Server-side TLS activity logging"'],
    samples: ['SSL_accept error from client.example.net[198.51.100.7]: -1'],
  },
  {
    id: 'postfix.lost-connection-after-starttls',
    platform: 'postfix',
    keywords: ['lost connection after starttls'],
    patterns: [re(`lost connection after STARTTLS from ${HOST}\\[${IP}\\]`), re('lost connection after STARTTLS')],
    meaning:
      'The client sent STARTTLS, got 220, and then closed without completing (or starting) the handshake — typically a client that refused the certificate or the protocol offered, or a prober that only wanted to see STARTTLS.',
    fault: 'either',
    causes: [
      { cause: 'The client does not accept the server’s certificate (verifying senders, DANE, MTA-STS).', findings: ['cert.chain-incomplete', 'cert.self-signed', 'dane.no-match'] },
      { cause: 'No protocol in common.', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Check the server certificate as senders judge it; if the client is a known sender, ask what it logged.'] },
    refs: ['Postfix DEBUG_README', 'Postfix TLS_README'],
    samples: ['lost connection after STARTTLS from unknown[203.0.113.9]'],
  },
  {
    id: 'postfix.tls-library-problem',
    platform: 'postfix',
    keywords: ['tls library problem'],
    patterns: [re('TLS library problem: (?<why>[^\\r\\n]{1,300})')],
    meaning: 'OpenSSL reported an error inside Postfix’s TLS code; the OpenSSL error string after it names it (a protocol version, an alert from the peer, an unreadable key file).',
    fault: 'either',
    causes: [
      { cause: 'The peer sent a TLS alert (protocol version, handshake failure).', findings: ['tls.handshake-failed', 'tls.old-protocol'] },
      { cause: 'Postfix’s own key or certificate file is unreadable or does not match.', findings: [] },
    ],
    confirm: 'mxray check {host}',
    fixes: { postfix: ['Read the OpenSSL error string; for key problems: postfix tls deploy-server-cert (or check smtpd_tls_chain_files).'] },
    refs: ['Postfix TLS_README'],
    samples: ['warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol'],
  },
  {
    id: 'gnutls.handshake',
    platform: 'gnutls',
    reason: true,
    keywords: ['gnutls_handshake'],
    patterns: [re('\\(gnutls_handshake\\): (?<why>[^\\r\\n]{1,200})')],
    meaning:
      'Exim built with GnuTLS (as Debian builds it) failed the TLS handshake; the words after it are GnuTLS’s: "A TLS fatal alert has been received" (the peer refused), "No supported cipher suites have been found", "The TLS connection was non-properly terminated".',
    fault: 'either',
    causes: [
      { cause: 'The peer refused the handshake (its alert): protocol, ciphers, or the certificate.', findings: ['tls.handshake-failed', 'tls.no-shared-cipher'] },
      { cause: 'The peer closed mid-handshake.', findings: ['tls.server-aborted'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { exim: ['Check tls_require_ciphers (GnuTLS priority string) is not narrower than the peer supports; tls_certificate and tls_privatekey readable by Exim.'] },
    refs: ['Exim specification: "Encrypted SMTP connections using TLS/SSL"', 'GnuTLS manual: error codes'],
    samples: ['TLS error on connection from client.example.net [198.51.100.7] (gnutls_handshake): A TLS fatal alert has been received.'],
  },
  {
    id: 'sendmail.verify-fail',
    platform: 'sendmail',
    keywords: ['starttls=client', 'starttls=server'],
    patterns: [re(`STARTTLS=(?:client|server), relay=(?:${HOST})?[^,\\r\\n]{0,80}, version=[^,\\r\\n]{1,20}, verify=(?<verify>FAIL|NO|NOT|NONE|TEMP|PROTOCOL|SOFTWARE|OK)`)],
    meaning:
      'Sendmail’s TLS session summary: verify=OK the certificate verified; FAIL it did not (untrusted or invalid); NO the peer sent none; NOT no certificate was asked for; TEMP, PROTOCOL, SOFTWARE an error. TLS was used in every case but FAIL with a required verification.',
    fault: 'receiver',
    causes: [
      { cause: 'verify=FAIL: the chain does not verify against Sendmail’s CACertPath.', findings: ['cert.untrusted-root', 'cert.chain-incomplete', 'cert.self-signed'] },
      { cause: 'verify=NO: the peer sent no certificate (normal for a client; for a server, no TLS certificate at all).', findings: [] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { sendmail: ['Point confCACERT_PATH/confCACERT at the system CA bundle; the receiver fixes its chain.'] },
    refs: ['Sendmail Installation and Operation Guide: the ${verify} macro'],
    samples: ['STARTTLS=client, relay=mx.example.com., version=TLSv1.3, verify=FAIL, cipher=TLS_AES_256_GCM_SHA384, bits=256/256'],
  },
  {
    id: 'openssl.alert-protocol-version',
    platform: 'openssl',
    reason: true,
    keywords: ['alert protocol version', 'unsupported protocol'],
    patterns: [re('tlsv1 alert protocol version'), re('unsupported protocol')],
    meaning: 'The two sides share no TLS version: one allows only versions the other has turned off (TLS 1.0/1.1 against a server requiring 1.2, or the reverse).',
    fault: 'either',
    causes: [{ cause: 'An old TLS stack on one side (Exchange 2010 without TLS 1.2, old appliances).', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] }],
    confirm: 'mxray check {host}',
    fixes: { any: ['Enable TLS 1.2 (and 1.3) on the old side; on Windows, the SCHANNEL protocol settings and .NET SchUseStrongCrypto.'] },
    refs: ['RFC 8996 (TLS 1.0 and 1.1 deprecated)', 'OpenSSL ssl(7)'],
    samples: ['ssl3_read_bytes:tlsv1 alert protocol version', 'error:0A000102:SSL routines::unsupported protocol'],
  },
  {
    id: 'openssl.alert-handshake-failure',
    platform: 'openssl',
    reason: true,
    keywords: ['alert handshake failure'],
    patterns: [re('sslv3 alert handshake failure')],
    meaning: 'The peer ended the handshake with a handshake_failure alert: it found nothing acceptable in what was offered (ciphers, signature algorithms, or a certificate it requires from the client).',
    fault: 'either',
    causes: [
      { cause: 'No cipher suite or signature algorithm in common.', findings: ['tls.no-shared-cipher'] },
      { cause: 'The server requires a client certificate and none was sent.', findings: ['tls.client-cert-required'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Compare what each side allows (mxray check shows the server’s side); send a client certificate where a partner requires one.'] },
    refs: ['RFC 8446 §6.2 (handshake_failure)'],
    samples: ['ssl3_read_bytes:sslv3 alert handshake failure'],
  },
  {
    id: 'node.unable-to-verify-leaf',
    platform: 'node',
    reason: true,
    keywords: ['unable to verify the first certificate'],
    patterns: [re('unable to verify the first certificate')],
    meaning: 'Node’s TLS (OpenSSL) could not find the issuer of the server certificate: the server did not send its intermediate.',
    fault: 'receiver',
    causes: [{ cause: 'The intermediate certificate is missing from the chain the server sends.', findings: ['cert.chain-incomplete'] }],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Receiver: send the full chain (leaf, then intermediates).'] },
    refs: ['Node.js documentation: TLS error codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'],
    samples: ['Error: unable to verify the first certificate'],
  },
  {
    id: 'go.unknown-authority',
    platform: 'go',
    reason: true,
    keywords: ['x509: certificate signed by unknown authority'],
    patterns: [re('x509: certificate signed by unknown authority')],
    meaning: 'Go’s crypto/x509 could not chain the certificate to a root it trusts: a private CA, a self-signed certificate, or a missing intermediate.',
    fault: 'receiver',
    causes: [
      { cause: 'A missing intermediate.', findings: ['cert.chain-incomplete'] },
      { cause: 'A self-signed certificate or a private CA.', findings: ['cert.self-signed', 'cert.untrusted-root'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Receiver: a public CA and the full chain; or add the private CA to the client’s trust store.'] },
    refs: ['Go documentation: crypto/x509 UnknownAuthorityError'],
    samples: ['x509: certificate signed by unknown authority'],
  },
  {
    id: 'java.pkix-path',
    platform: 'java',
    reason: true,
    keywords: ['pkix path building failed'],
    patterns: [re('PKIX path building failed')],
    meaning: 'Java could not build a path from the certificate to a CA in its trust store (cacerts): a private CA, a self-signed certificate, or a missing intermediate.',
    fault: 'receiver',
    causes: [
      { cause: 'A missing intermediate.', findings: ['cert.chain-incomplete'] },
      { cause: 'A CA not in the Java trust store.', findings: ['cert.untrusted-root', 'cert.self-signed'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Receiver: the full chain; client: import the private CA with keytool -importcert into the trust store it uses.'] },
    refs: ['Java documentation: sun.security.validator.ValidatorException'],
    samples: ['PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target'],
  },
  {
    id: 'exchange.event-12014',
    platform: 'exchange',
    keywords: ["couldn't find a certificate that contains the domain name", '12014'],
    patterns: [re("couldn't find a certificate that contains the domain name (?<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252})"), re('\\bEvent ID:? 12014\\b')],
    meaning:
      'Exchange event 12014 (MSExchangeTransport): no certificate enabled for SMTP names the FQDN a connector announces, so that connector cannot offer STARTTLS — receive connectors stop advertising it, send connectors cannot use TLS.',
    fault: 'receiver',
    causes: [
      { cause: 'The certificate with that name expired or was replaced, and the new one was not enabled for SMTP.', findings: ['starttls.not-offered'] },
      { cause: 'A connector’s FQDN (or TlsCertificateName) names a host no installed certificate covers.', findings: ['cert.name-mismatch'] },
    ],
    confirm: 'mxray check {host}',
    fixes: {
      exchange: [
        'Get-ExchangeCertificate | fl Thumbprint,Services,CertificateDomains,NotAfter — find one covering the FQDN; Enable-ExchangeCertificate -Thumbprint <t> -Services SMTP.',
        'Or set the connector’s FQDN to a name the certificate covers (Set-ReceiveConnector/Set-SendConnector -Fqdn).',
      ],
    },
    refs: ['Microsoft Learn: Exchange Server event ID 12014'],
    samples: ["Microsoft Exchange couldn't find a certificate that contains the domain name mail.contoso.com in the personal store on the local computer."],
  },
  {
    id: 'exchange.event-12016',
    platform: 'exchange',
    keywords: ['no valid smtp transport layer security', '12016'],
    patterns: [re('There is no valid SMTP Transport Layer Security \\(TLS\\) certificate for the FQDN of (?<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252})'), re('\\bEvent ID:? 12016\\b')],
    meaning: 'Exchange event 12016: the certificate for a connector’s FQDN has expired, so TLS with that name no longer works (senders that verify refuse it; opportunistic ones still encrypt).',
    fault: 'receiver',
    causes: [{ cause: 'The SMTP certificate expired and its renewal was not installed or not enabled for SMTP.', findings: ['cert.expired'] }],
    confirm: 'mxray cert {host}',
    fixes: { exchange: ['Install the renewed certificate (with its chain) and Enable-ExchangeCertificate -Thumbprint <t> -Services SMTP; remove the expired one.'] },
    refs: ['Microsoft Learn: Exchange Server event ID 12016'],
    samples: ['There is no valid SMTP Transport Layer Security (TLS) certificate for the FQDN of mail.contoso.com. The existing certificate for that FQDN has expired.'],
  },
  {
    id: 'exchange.event-12018',
    platform: 'exchange',
    keywords: ['starttls certificate will expire soon', '12018'],
    patterns: [re('The STARTTLS certificate will expire soon'), re('\\bEvent ID:? 12018\\b')],
    meaning: 'Exchange event 12018: the certificate used for STARTTLS expires soon. Nothing fails yet; when it does, senders that verify will refuse it.',
    fault: 'receiver',
    causes: [{ cause: 'The SMTP certificate is near its end date and no renewal is enabled for SMTP.', findings: ['cert.expiring-soon'] }],
    confirm: 'mxray cert {host}',
    fixes: { exchange: ['Renew the certificate now, enable the new one for SMTP, and check with mxray cert that the server presents it.'] },
    refs: ['Microsoft Learn: Exchange Server event ID 12018'],
    samples: ['The STARTTLS certificate will expire soon: subject: mail.contoso.com, thumbprint: 0123456789ABCDEF0123456789ABCDEF01234567, hours remaining: 240.'],
  },
];
