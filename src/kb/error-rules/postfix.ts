// Postfix's own TLS log lines and delivery-status texts: smtp(8) as the sending client, smtpd(8) as
// the receiving server. The texts are Postfix's (its source, src/smtp/smtp_proto.c,
// src/smtp/smtp_tls_policy.c, src/tls/*.c, and postconf(5)); every sample below was printed by
// Debian 12's Postfix 3.7.11 in this project's interop tests: test/interop/explain-mta.interop.test.ts
// (the lab of test/interop/explain-lab.ts) and, for DANE, test/interop/dane-world.interop.test.ts
// (posttls-finger, which logs through the same TLS library code as smtp(8)). Samples only Postfix's
// source shows (no configuration here makes them) say so in their rule's refs.
//
// Lines of the client name the server as host[address]:port (captured as host and ip: the
// confirming command tests that server). Lines of the server name the client (captured as client
// and clientip): there the command tests the reader's own server, {domain} being left for them.
import { HOST, IP, re, type ErrorRule } from './rule.js';

/** host[address] with an optional :port, as Postfix prints a peer. */
const AT = `${HOST}\\[${IP}\\](?::\\d{1,5})?`;
/** The client of a server-side line: name[address] (the name is "unknown" without reverse DNS). */
const CLIENT = `(?<client>[A-Za-z0-9][A-Za-z0-9.-]{0,252})\\[(?<clientip>[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|[0-9A-Fa-f:]{2,39})\\]`;
/** A delivery status line up to the opening parenthesis of its text: "relay=host[ip]:port, …, status=deferred (". */
const RELAY = `relay=${AT},[^()\\r\\n]{0,240}?status=(?<status>deferred|bounced|sent) \\(`;
/** "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384" after an "… TLS connection established …: ". */
const SESSION = '(?<protocol>[A-Za-z0-9.]{2,12}) with cipher (?<cipher>[A-Za-z0-9_-]{1,80})';

const PRODUCED = 'produced here by Postfix 3.7.11 (Debian 12) in test/interop/explain-mta.interop.test.ts';
const PRODUCED_DANE = 'produced here by Postfix 3.7.11 smtp(8) at level dane in the DANE world (test/helpers/dane-world/), in test/interop/explain-mta.interop.test.ts';
const PRODUCED_FINGER = 'produced here by posttls-finger (Postfix 3.7.11, Debian 12) in the DANE world of test/interop/dane-world.interop.test.ts';

export const POSTFIX_RULES: readonly ErrorRule[] = [
  // ── smtp(8): TLS required and not had ────────────────────────────────────────────────────────
  {
    id: 'postfix.tls-required-not-offered',
    platform: 'postfix',
    keywords: ['tls is required, but was not offered'],
    supersedes: ['smtp.tls-required-not-offered'],
    patterns: [re(`TLS is required, but was not offered by host ${HOST}\\[${IP}\\]`), re('TLS is required, but was not offered')],
    meaning:
      'The Postfix client was told to require TLS for this destination (smtp_tls_security_level = encrypt, verify, secure or dane, or a policy map), and the server’s EHLO reply did not offer STARTTLS, so Postfix defers the mail (4.7.4) and tries again later; it never sends it in clear text.',
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
    refs: [
      'Postfix source src/smtp/smtp_proto.c: "TLS is required, but was not offered by host %s" (4.7.4)',
      'postconf(5): smtp_delivery_status_filter (its example lists this text)',
      'Postfix TLS_README: "Mandatory TLS encryption"',
      PRODUCED,
    ],
    samples: [
      'to=<postmaster@plain.explain.test>, relay=mx.plain.explain.test[127.0.21.21]:25, delay=0.14, delays=0.08/0.03/0.03/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx.plain.explain.test[127.0.21.21])',
    ],
  },
  {
    id: 'postfix.tls-required-refused',
    platform: 'postfix',
    keywords: ['refused to start tls'],
    patterns: [re(`TLS is required, but host ${HOST}\\[${IP}\\] refused to start TLS: (?<reply>[^\\r\\n]{1,200})`), re('TLS is required, but host \\S{1,300} refused to start TLS')],
    meaning:
      'The server offered STARTTLS, but answered the STARTTLS command with an error instead of 220; the Postfix client requires TLS for this destination, so it defers the mail. A server answers so when its own TLS cannot start: Postfix says "454 4.7.0 TLS not available due to local problem", Exim "454 TLS currently unavailable" — its key, certificate or CA file did not load.',
    fault: 'receiver',
    causes: [
      {
        cause: 'The server’s key does not belong to its certificate, or its key, certificate or CA file is missing or unreadable; its own log says which (Postfix: "cannot get RSA private key", "key at index … does not match next certificate", "cannot load Certification Authority data"; Exim: "(cert/key setup: …)").',
        findings: ['starttls.rejected', 'cert.key-mismatch'],
      },
      { cause: 'The server refuses STARTTLS to this client by policy or under load.', findings: ['starttls.rejected'] },
    ],
    confirm: 'mxray check {host}',
    fixes: {
      any: ['Receiver: install a key and certificate that belong together (mxray cert <certificate file> --key <key file> tells), readable by the MTA, then reload it.'],
      postfix: ['Sender: nothing to change, the mail is retried; to deliver meanwhile, a lower level for this destination in smtp_tls_policy_maps is a decision to make knowingly.'],
    },
    refs: ['Postfix source src/smtp/smtp_proto.c: "TLS is required, but host %s refused to start TLS: %s"', 'postconf(5): smtp_delivery_status_filter (its example lists this text)', PRODUCED],
    samples: [
      'to=<postmaster@key-mismatch.explain.test>, relay=mx.key-mismatch.explain.test[127.0.21.9]:25, delay=0, delays=0/0/0/0, dsn=4.7.0, status=deferred (TLS is required, but host mx.key-mismatch.explain.test[127.0.21.9] refused to start TLS: 454 4.7.0 TLS not available due to local problem)',
      'to=<postmaster@exim-key.explain.test>, relay=mx.exim-key.explain.test[127.0.21.51]:25, delay=0.02, delays=0.01/0/0.01/0, dsn=4.0.0, status=deferred (TLS is required, but host mx.exim-key.explain.test[127.0.21.51] refused to start TLS: 454 TLS currently unavailable)',
    ],
  },
  {
    id: 'postfix.tls-engine-unavailable',
    platform: 'postfix',
    keywords: ['our tls engine is unavailable', 'tls is required, but unavailable'],
    patterns: [re(`${RELAY}TLS is required, but our TLS engine is unavailable`), re('TLS is required, but (?:our TLS engine is )?unavailable')],
    meaning:
      'The sending Postfix could not start its own TLS engine (smtp(8) disabled TLS when it could not load its key, certificate or CA file) and TLS is required for this destination, so it defers the mail. The receiver is not involved: the lines smtp(8) logged just before ("… disabling TLS support") name the file.',
    fault: 'sender',
    causes: [
      { cause: 'The client certificate or key (smtp_tls_chain_files, smtp_tls_cert_file, smtp_tls_key_file) is missing, not PEM, or the key does not belong to the certificate.', findings: ['cert.key-mismatch'] },
      { cause: 'The CA file or directory (smtp_tls_CAfile, smtp_tls_CApath) cannot be read: "cannot load Certification Authority data".', findings: [] },
    ],
    confirm: 'mxray cert <smtp_tls_chain_files> --key <smtp_tls_chain_files>',
    fixes: { postfix: ['Find the "… disabling TLS support" warning of smtp(8) before this line, fix the file it names (postconf -n | grep smtp_tls_), then postfix reload.'] },
    refs: [
      'Postfix source src/smtp/smtp_proto.c: "TLS is required, but our TLS engine is unavailable" (4.7.5) and "TLS is required, but unavailable" (4.7.0)',
      'postconf(5): smtp_delivery_status_filter (its example: these "may result from a local configuration problem")',
      PRODUCED,
    ],
    samples: [
      'to=<postmaster@noengine.explain.test>, relay=mx.good.explain.test[127.0.21.4]:25, delay=0.02, delays=0.01/0.01/0/0, dsn=4.7.5, status=deferred (TLS is required, but our TLS engine is unavailable)',
      'TLS is required, but unavailable',
    ],
  },
  // ── smtp(8): the handshake ───────────────────────────────────────────────────────────────────
  {
    id: 'postfix.handshake-failure',
    platform: 'postfix',
    keywords: ['cannot start tls'],
    patterns: [re(`${RELAY}Cannot start TLS: handshake failure`), re('Cannot start TLS: handshake failure')],
    meaning:
      'The Postfix client sent STARTTLS, got 220, and the TLS handshake failed; at level may it retries the same server in clear text, at encrypt or above it defers the mail (4.7.5). The "SSL_connect error" and "TLS library problem" lines just before it say why.',
    fault: 'either',
    causes: [
      { cause: 'No protocol version or cipher in common (e.g. a server that allows only TLS 1.0 against a client that requires TLS 1.2: "tlsv1 alert protocol version").', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
      { cause: 'The server answered 220 to STARTTLS and then closed, or sent something that is not TLS ("wrong version number"): broken TLS on the server or a middlebox in the way.', findings: ['tls.handshake-failed', 'tls.server-aborted'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Test the server’s TLS: it must offer TLS 1.2 or 1.3 with current ciphers and complete the handshake after its 220.'], postfix: ['Sender: smtp_tls_mandatory_protocols / the protocols= of the policy entry decide what is acceptable at encrypt and above.'] },
    refs: ['Postfix source src/smtp/smtp_proto.c: "Cannot start TLS: handshake failure" (4.7.5)', 'postconf(5): smtp_delivery_status_filter', PRODUCED],
    samples: [
      'to=<postmaster@old-strict.explain.test>, relay=mx.old-tls.explain.test[127.0.21.8]:25, delay=0.04, delays=0.03/0/0/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
      'to=<postmaster@close.explain.test>, relay=mx.close.explain.test[127.0.21.23]:25, delay=0.02, delays=0.01/0/0.01/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
    ],
  },
  {
    id: 'postfix.ssl-connect-error',
    platform: 'postfix',
    keywords: ['ssl_connect error to'],
    patterns: [re(`SSL_connect error to ${AT}: (?<why>[^\\r\\n]{1,100})`)],
    meaning:
      'The Postfix client’s TLS handshake with this server failed. "-1": OpenSSL reported an error, named by the "TLS library problem" line that follows (an alert from the server, "wrong version number" when what came back is not TLS); "lost connection": the server closed the connection during the handshake.',
    fault: 'either',
    causes: [
      { cause: 'No protocol version or cipher in common (the server’s alert: protocol version, handshake failure).', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
      { cause: 'The server closed the connection after its 220, or answered with something that is not TLS.', findings: ['tls.handshake-failed', 'tls.server-aborted'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Test the server’s TLS; it must complete a TLS 1.2 or 1.3 handshake after answering STARTTLS with 220.'] },
    refs: ['Postfix TLS_README: "Client-side TLS activity logging"', PRODUCED],
    samples: ['SSL_connect error to mx.old-tls.explain.test[127.0.21.8]:25: -1', 'SSL_connect error to mx.close.explain.test[127.0.21.23]:25: lost connection'],
  },
  // ── smtp(8): the certificate ─────────────────────────────────────────────────────────────────
  {
    id: 'postfix.server-certificate-not-trusted',
    platform: 'postfix',
    keywords: ['server certificate not'],
    patterns: [re(`${RELAY}Server certificate not (?<what>trusted|verified)\\)`), re('Server certificate not (?<what>trusted|verified)')],
    meaning:
      'Postfix at level verify, secure or dane could not authenticate the server’s certificate — its chain does not lead to a CA Postfix trusts, or it does not name the host or domain Postfix checks — so it defers the mail (4.7.5). The "certificate verification failed" line just before it says which.',
    fault: 'either',
    causes: [
      { cause: 'The certificate does not chain to a trusted CA (self-signed, missing intermediate, private CA, expired).', findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.untrusted-root', 'cert.expired'] },
      { cause: 'The certificate does not name the host or domain Postfix checks (smtp_tls_verify_cert_match / smtp_tls_secure_cert_match).', findings: ['cert.name-mismatch', 'cert.domain-mismatch'] },
      { cause: 'With DANE: the certificate matches none of the TLSA records.', findings: ['dane.no-match'] },
    ],
    confirm: 'mxray cert {host} --profile postfix-verify --profile postfix-secure',
    fixes: {
      any: ['Receiver: a certificate from a public CA naming the MX host, sent with its chain; keep TLSA records in step with key changes.'],
      postfix: ['Sender: check smtp_tls_policy_maps for this destination, its CA settings (smtp_tls_CAfile / CApath) and the match= names it requires.'],
    },
    refs: [
      'Postfix source src/smtp/smtp_proto.c: "Server certificate not trusted", "Server certificate not verified" (4.7.5)',
      'Postfix TLS_README: "Mandatory server certificate verification"',
      'RFC 7672 §3',
      PRODUCED,
      PRODUCED_DANE,
    ],
    samples: [
      'to=<postmaster@ss-verify.explain.test>, relay=mx.self-signed.explain.test[127.0.21.2]:26, delay=0.13, delays=0.05/0.07/0.01/0, dsn=4.7.5, status=deferred (Server certificate not verified)',
      'to=<postmaster@wn-secure.explain.test>, relay=mx.wrong-name.explain.test[127.0.21.3]:27, delay=0.07, delays=0.02/0.04/0.01/0, dsn=4.7.5, status=deferred (Server certificate not verified)',
      'to=<postmaster@mismatch.test>, relay=mx.mismatch.test[127.0.1.2]:25, delay=0.09, delays=0.03/0.03/0.03/0, dsn=4.7.5, status=deferred (Server certificate not verified)',
      'Server certificate not trusted',
    ],
  },
  {
    id: 'postfix.certificate-verification-failed',
    platform: 'postfix',
    keywords: ['certificate verification failed for'],
    patterns: [
      re(
        `(?:server |CA )?certificate verification failed for ${AT}: (?!(?:num=\\d{1,3}:)?(?:hostname mismatch|no matching DANE))(?:num=(?<num>\\d{1,3}):)?(?<why>[^\\r\\n]{1,200})`,
      ),
    ],
    meaning:
      'Postfix logs why OpenSSL refused the server’s certificate chain: OpenSSL’s verify error (self-signed certificate, certificate has expired, unable to get local issuer certificate …, sometimes with its number, num=N), or "untrusted issuer <DN>" when the chain ends at a CA Postfix does not trust. At may and encrypt the mail still goes (the session is "Untrusted"); at verify and above it is deferred.',
    fault: 'receiver',
    causes: [
      { cause: 'A self-signed certificate, or a chain up to a root no one trusts ("untrusted issuer" naming that root).', findings: ['cert.self-signed', 'cert.untrusted-root'] },
      { cause: 'A missing intermediate: "untrusted issuer" naming the intermediate, or "unable to get local issuer certificate".', findings: ['cert.chain-incomplete'] },
      { cause: 'An expired certificate.', findings: ['cert.expired'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Receiver: fix what the error names (renew, send the intermediate after the leaf, use a public CA).'], postfix: ['Sender: for a private CA, add its root to smtp_tls_CAfile for this destination.'] },
    refs: ['Postfix TLS_README: "Client-side TLS activity logging"', 'OpenSSL verify(1): verification error codes', PRODUCED],
    samples: [
      'certificate verification failed for mx.self-signed.explain.test[127.0.21.2]:26: self-signed certificate',
      'server certificate verification failed for mx.expired.explain.test[127.0.21.5]:26: certificate has expired',
      'certificate verification failed for mx.no-intermediate.explain.test[127.0.21.6]:26: untrusted issuer /CN=mxray interop intermediate CA/O=mxray test PKI',
      'certificate verification failed for mx.untrusted-root.explain.test[127.0.21.7]:26: untrusted issuer /CN=mxray interop untrusted root CA/O=mxray test PKI',
    ],
  },
  {
    id: 'postfix.certificate-name-mismatch',
    platform: 'postfix',
    keywords: ['hostname mismatch'],
    patterns: [re(`certificate verification failed for ${AT}: num=62:hostname mismatch`)],
    meaning:
      'The server’s certificate chain is trusted, but the certificate does not name what Postfix checks: at verify the MX host name (smtp_tls_verify_cert_match, default hostname), at secure the next-hop domain and its subdomains (smtp_tls_secure_cert_match, default nexthop, dot-nexthop). At verify and secure the mail is deferred.',
    fault: 'receiver',
    causes: [
      { cause: 'The certificate names another host (a shared or default certificate, a load balancer’s).', findings: ['cert.name-mismatch'] },
      { cause: 'At secure: the certificate names the MX host but not the mail domain Postfix matches.', findings: ['cert.domain-mismatch'] },
    ],
    confirm: 'mxray cert {host} --profile postfix-verify --profile postfix-secure',
    fixes: {
      any: ['Receiver: a certificate whose subjectAltName names the MX host (and, for senders at secure, the domain).'],
      postfix: ['Sender: if the names are right for you but differ, add them with match= in the smtp_tls_policy_maps entry.'],
    },
    refs: ['postconf(5): smtp_tls_verify_cert_match, smtp_tls_secure_cert_match', 'OpenSSL verify(1): X509_V_ERR_HOSTNAME_MISMATCH (62)', PRODUCED],
    samples: ['server certificate verification failed for mx.wrong-name.explain.test[127.0.21.3]:27: num=62:hostname mismatch'],
  },
  {
    id: 'postfix.untrusted-tls',
    platform: 'postfix',
    keywords: ['untrusted tls connection established to'],
    patterns: [re(`Untrusted TLS connection established to ${AT}: ${SESSION}`), re('Untrusted TLS connection established to')],
    meaning:
      'TLS was negotiated and the mail is encrypted, but the server’s certificate chain does not lead to a CA Postfix trusts. At may and encrypt Postfix does not require that, so the mail goes; at verify or secure the same session ends in "Server certificate not verified" and the mail is deferred.',
    fault: 'receiver',
    causes: [
      { cause: 'The server presents a self-signed certificate.', findings: ['cert.self-signed'] },
      { cause: 'The server does not send its intermediate certificate.', findings: ['cert.chain-incomplete'] },
      { cause: 'The certificate is from a CA not in the sender’s CA file, or expired.', findings: ['cert.untrusted-root', 'cert.expired'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: {
      any: ['Receiver: install a certificate from a public CA with its full chain (leaf, then intermediates).'],
      postfix: ['Sender: if the CA is private, add it to smtp_tls_CAfile; check smtp_tls_CAfile/CApath point at the system bundle.'],
    },
    refs: ['Postfix TLS_README: "Client-side TLS activity logging"', 'postconf(5): smtp_tls_loglevel', PRODUCED],
    samples: [
      'Untrusted TLS connection established to mx.self-signed.explain.test[127.0.21.2]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256',
    ],
  },
  {
    id: 'postfix.anonymous-tls-to',
    platform: 'postfix',
    keywords: ['anonymous tls connection established to'],
    patterns: [re(`Anonymous TLS connection established to ${AT}: ${SESSION}`), re('Anonymous TLS connection established to')],
    meaning:
      'The server presented no certificate at all: an anonymous cipher suite (ADH, AECDH) was negotiated. The mail is encrypted, which is all opportunistic TLS (may, encrypt) asks for, but nothing authenticates the server: senders that verify (verify, secure, dane, MTA-STS) cannot deliver to it. A Postfix server whose certificate file is missing ("error opening chain file") still offers STARTTLS with anonymous ciphers only — produced here.',
    fault: 'receiver',
    causes: [
      { cause: 'The server has no usable certificate (Postfix: "error opening chain file", smtpd_tls_chain_files or smtpd_tls_cert_file missing).', findings: [] },
      { cause: 'The server prefers anonymous cipher suites, often with an old protocol version.', findings: ['tls.old-protocol'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Receiver: install a certificate and key (Postfix: smtpd_tls_chain_files) and allow only authenticated cipher suites for mail it receives from verifying senders.'] },
    refs: ['Postfix TLS_README: "Client-side TLS activity logging", anonymous cipher suites', PRODUCED],
    samples: ['Anonymous TLS connection established to mx.no-cert.explain.test[127.0.21.12]:25: TLSv1.2 with cipher ADH-AES256-GCM-SHA384 (256/256 bits)'],
  },
  // ── smtp(8): DANE ────────────────────────────────────────────────────────────────────────────
  {
    id: 'postfix.dane-no-match',
    platform: 'postfix',
    keywords: ['no matching dane tlsa records'],
    patterns: [re(`(?:server |CA )?certificate verification failed for ${AT}: num=65:no matching DANE TLSA records`), re('no matching DANE TLSA records')],
    meaning:
      'The destination publishes DNSSEC-signed TLSA records (DANE, RFC 7672) and the certificate chain the server presented matches none of them: for the leaf ("server certificate", DANE-EE) or for any CA certificate in the chain ("CA certificate", DANE-TA). A DANE sender defers the mail.',
    fault: 'receiver',
    causes: [
      { cause: 'The server’s key changed (a renewal with a new key) and the TLSA records still name the old one.', findings: ['dane.no-match', 'cert.tlsa-mismatch', 'dane.no-rollover'] },
      { cause: 'A DANE-TA record names a CA certificate the server does not send in its chain.', findings: ['dane.ta-not-in-chain'] },
    ],
    confirm: 'mxray cert {host} --profile dane',
    fixes: { any: ['Receiver: publish a TLSA record for the key in use before switching keys (publish the next one ahead: 3 1 1 of current and next), or send the CA certificate a 2 x x record names.'] },
    refs: ['RFC 7672 §3.1, §8.1', 'OpenSSL: X509_V_ERR_DANE_NO_MATCH (65)', PRODUCED_DANE, PRODUCED_FINGER],
    samples: [
      'server certificate verification failed for mx.mismatch.test[127.0.1.2]:25: num=65:no matching DANE TLSA records',
      'CA certificate verification failed for mx.ta-missing.test[127.0.1.5]:25: num=65:no matching DANE TLSA records',
    ],
  },
  {
    id: 'postfix.dane-tlsa-lookup-error',
    platform: 'postfix',
    keywords: ['tlsa lookup error for', 'dane tlsa lookup problem'],
    patterns: [re(`TLSA lookup error for ${HOST}:(?<port>\\d{1,5})`), re(`DANE TLSA lookup problem: [^=\\r\\n]{0,200}name=_\\d{1,5}\\._tcp\\.${HOST} type=TLSA`)],
    meaning:
      'At level dane, the MX host’s DNSSEC-validated address came with a TLSA lookup that failed (SERVFAIL, or an answer that fails DNSSEC validation): Postfix cannot tell whether DANE applies, so it does not connect to that host and defers the mail (4.7.5) rather than deliver without the authentication the domain may require.',
    fault: 'receiver',
    causes: [
      { cause: 'The TLSA record’s signatures do not validate (bogus): expired RRSIGs, a key rollover gone wrong.', findings: ['dane.bogus', 'dane.tlsa-lookup-failed'] },
      { cause: 'The name server for the MX host answers TLSA queries with SERVFAIL or not at all (some servers mishandle unknown record types).', findings: ['dane.tlsa-lookup-failed'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Receiver: make the zone of the MX host answer TLSA queries (NOERROR, signed) — a validating resolver (delv, kdig +dnssec) shows the error.'] },
    refs: ['Postfix source src/smtp/smtp_tls_policy.c: "TLSA lookup error for %s:%u" (4.7.5)', 'RFC 7672 §2.2', PRODUCED_DANE, PRODUCED_FINGER],
    samples: [
      'to=<postmaster@bogus.test>, relay=none, delay=0.07, delays=0/0.05/0.01/0, dsn=4.7.5, status=deferred (TLSA lookup error for mx.bogus.test:25)',
      'warning: TLS policy lookup for servfail.test/mx.servfail.test: TLSA lookup error for mx.servfail.test:25',
      'warning: DANE TLSA lookup problem: Host or domain name not found. Name service error for name=_25._tcp.mx.servfail.test type=TLSA: Host not found, try again',
      'Failed to establish session to bogus.test via mx.bogus.test: TLSA lookup error for mx.bogus.test:25',
    ],
  },
  {
    id: 'postfix.dane-unusable-tlsa',
    platform: 'postfix',
    keywords: ['unsupported tlsa certificate usage', 'tlsa records unusable'],
    patterns: [re(`_\\d{1,5}\\._tcp\\.${HOST} unsupported TLSA certificate usage: (?<usage>\\d{1,3}) (?<selector>\\d{1,3}) (?<matching>\\d{1,3})`), re('TLSA records unusable')],
    meaning:
      'The MX host publishes TLSA records SMTP cannot use: certificate usages PKIX-TA (0) and PKIX-EE (1) are not used by DANE for SMTP (RFC 7672). With only such records, a DANE sender still requires TLS but cannot authenticate the server (dane: it sends with encrypt; dane-only: it defers).',
    fault: 'receiver',
    causes: [{ cause: 'Only usage 0 or 1 records are published (often copied from web server guidance).', findings: ['dane.unusable-only', 'dane.unusable-records'] }],
    confirm: 'mxray check {host}',
    fixes: { any: ['Receiver: publish DANE-EE(3) "3 1 1" records for the server key (or DANE-TA(2) for the issuing CA) instead of usages 0 and 1.'] },
    refs: ['RFC 7672 §3.1.3', 'Postfix source src/smtp/smtp_tls_policy.c: "TLSA records unusable"', PRODUCED_DANE],
    samples: [
      'warning: _25._tcp.mx.unusable.test unsupported TLSA certificate usage: 1 1 1 5E09E9085049653E9F432889B106187C99281788B63B6D5E288EBC49F9746B23',
      'warning: _25._tcp.mx.unusable.test unsupported TLSA certificate usage: 0 0 1 4F600F31949C515414A929A923E8661CB2AC34974FB9373616FEDE5503241D3C',
      'TLSA records unusable',
    ],
  },
  {
    id: 'postfix.dane-misconfigured',
    platform: 'postfix',
    keywords: ['configured with dnssec lookups disabled', 'configured, but no requisite library support', 'configured with mx lookup errors ignored', 'dns resolver options incompatible with'],
    patterns: [
      re(
        `(?<![A-Za-z0-9.[-])\\[?${HOST}\\]?(?::\\d{1,5})?: (?<level>dane|dane-only) configured(?: with (?:dnssec lookups disabled|MX lookup errors ignored)|, but no requisite library support)`,
      ),
      re(`(?<![A-Za-z0-9.[-])\\[?${HOST}\\]?(?::\\d{1,5})?: dns resolver options incompatible with (?<level>dane|dane-only) TLS`),
    ],
    meaning:
      'The Postfix client was told to use DANE for this destination, but its own configuration cannot do DANE (DNSSEC lookups are off: smtp_dns_support_level is not dnssec, or no DANE support in the TLS library). At level dane it silently falls back to opportunistic TLS; at dane-only the mail is deferred. The receiver is not involved.',
    fault: 'sender',
    causes: [{ cause: 'smtp_dns_support_level is not "dnssec" (or smtp_host_lookup does not use DNS), or the resolver options rewrite names.', findings: [] }],
    confirm: 'mxray check {host}',
    fixes: { postfix: ['smtp_dns_support_level = dnssec with a DNSSEC-validating resolver on the local host (/etc/resolv.conf pointing at it); smtp_host_lookup = dns.'] },
    refs: ['Postfix source src/smtp/smtp_tls_policy.c: dane_init()', 'postconf(5): smtp_dns_support_level, smtp_tls_security_level', 'Postfix TLS_README: "Mandatory server certificate verification" / DANE', PRODUCED],
    samples: ['warning: [mx.good.explain.test]:25: dane configured with dnssec lookups disabled'],
  },
  // ── smtpd(8): the server ─────────────────────────────────────────────────────────────────────
  {
    id: 'postfix.anonymous-tls-from',
    platform: 'postfix',
    keywords: ['anonymous tls connection established from'],
    patterns: [re(`Anonymous TLS connection established from ${CLIENT}(?::\\d{1,5})?: ${SESSION}`), re('Anonymous TLS connection established from')],
    meaning:
      'A client started TLS with this Postfix server and sent no client certificate — the normal case for mail between servers (smtpd did not ask for one, or the client has none). The session is encrypted; nothing is wrong.',
    fault: 'either',
    causes: [{ cause: 'Nothing to fix: client certificates are only asked for with smtpd_tls_ask_ccert = yes.', findings: ['tls.ok'] }],
    confirm: 'mxray check <your MX host>',
    fixes: { postfix: ['None needed. To see client certificates, set smtpd_tls_ask_ccert = yes (then "Trusted"/"Untrusted … from" lines name the verdict).'] },
    refs: ['Postfix TLS_README: "Server-side TLS activity logging"', 'postconf(5): smtpd_tls_ask_ccert', PRODUCED],
    samples: ['Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256'],
  },
  {
    id: 'postfix.ssl-accept-error',
    platform: 'postfix',
    keywords: ['ssl_accept error from'],
    patterns: [re(`SSL_accept error from ${CLIENT}(?::\\d{1,5})?: (?<why>[^\\r\\n]{1,100})`)],
    meaning:
      'This Postfix server answered STARTTLS with 220 and the client’s TLS handshake then failed. "-1": OpenSSL reported an error, named by the "TLS library problem" line that follows (unsupported protocol, no shared cipher, an alert from the client); "lost connection": the client closed during the handshake. A sender that gives up here often retries in clear text, or defers.',
    fault: 'either',
    causes: [
      { cause: 'No protocol or cipher in common (an old client, or smtpd_tls_protocols / ciphers stricter than the client can do).', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
      { cause: 'The client refused this server’s certificate and closed (it verifies, and the chain or name is wrong).', findings: ['cert.chain-incomplete', 'cert.self-signed', 'cert.name-mismatch', 'cert.sender-refuses'] },
      { cause: 'A scanner or a broken client that drops the connection mid-handshake.', findings: [] },
    ],
    confirm: 'mxray check <your MX host>',
    fixes: { postfix: ['Read the "TLS library problem" line; keep smtpd_tls_protocols at >=TLSv1 (opportunistic TLS: any encryption beats clear text), and check the certificate as senders judge it.'] },
    refs: ['Postfix TLS_README: "Server-side TLS activity logging"', PRODUCED],
    samples: ['SSL_accept error from unknown[127.0.0.1]: -1', 'SSL_accept error from unknown[127.0.0.1]: lost connection'],
  },
  {
    id: 'postfix.lost-connection-after-starttls',
    platform: 'postfix',
    keywords: ['lost connection after starttls'],
    patterns: [re(`lost connection after STARTTLS from ${CLIENT}`), re('lost connection after STARTTLS')],
    meaning:
      'The client sent STARTTLS, got 220, and then closed the connection — the handshake failed (the SSL_accept error before it says how) or the client gave up right after it: typically a client that refused the certificate or the protocol offered, or a prober that only wanted to see STARTTLS.',
    fault: 'either',
    causes: [
      { cause: 'The client does not accept the server’s certificate (verifying senders, DANE, MTA-STS): OpenSSL logs "alert bad certificate" from the client.', findings: ['cert.chain-incomplete', 'cert.self-signed', 'cert.name-mismatch', 'dane.no-match'] },
      { cause: 'No protocol or cipher in common.', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
      { cause: 'A scanner or a client that gave up on purpose.', findings: [] },
    ],
    confirm: 'mxray check <your MX host>',
    fixes: { any: ['Check the server certificate as senders judge it (mxray cert <your MX host> --profile postfix-verify --profile exim-verify --profile dane); if the client is a known sender, ask what it logged.'] },
    refs: ['Postfix DEBUG_README', 'Postfix TLS_README: "Server-side TLS activity logging"', PRODUCED],
    samples: ['lost connection after STARTTLS from unknown[127.0.0.1]'],
  },
  {
    id: 'postfix.tls-library-problem',
    platform: 'postfix',
    keywords: ['tls library problem'],
    patterns: [re('TLS library problem: (?<why>[^\\r\\n]{1,300})')],
    meaning:
      'OpenSSL reported an error inside Postfix’s TLS code (smtp or smtpd, whichever logged it); the OpenSSL error string names it: an alert from the peer (protocol version, handshake failure, bad certificate), no shared cipher or protocol, text where TLS was expected (wrong version number), or a key or file problem of Postfix’s own.',
    fault: 'either',
    causes: [
      { cause: 'The peer refused the handshake (its alert: protocol version, handshake failure, bad certificate).', findings: ['tls.handshake-failed', 'tls.old-protocol'] },
      { cause: 'No protocol version or cipher in common.', findings: ['tls.no-shared-cipher', 'tls.old-protocol'] },
      { cause: 'Postfix’s own key, certificate or CA file cannot be read or does not match.', findings: ['cert.key-mismatch'] },
    ],
    confirm: 'mxray check {domain}',
    fixes: { postfix: ['Read the OpenSSL error string and the lines around it; for key and file problems see the "disabling TLS support" warning (postfix tls deploy-server-cert, or smtpd_tls_chain_files).'] },
    refs: ['Postfix TLS_README', PRODUCED],
    samples: [
      'warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1664:',
      'warning: TLS library problem: error:0A00042E:SSL routines::tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1601:SSL alert number 70:',
      'warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:',
      'warning: TLS library problem: error:0A000412:SSL routines::sslv3 alert bad certificate:../ssl/record/rec_layer_s3.c:1601:SSL alert number 42:',
    ],
  },
  {
    id: 'postfix.key-or-certificate-not-loaded',
    platform: 'postfix',
    keywords: ['does not match next certificate', 'error loading private keys and certificates', 'private key from file', 'certificate from file', 'no pem data in', 'error opening chain file'],
    patterns: [
      re('key at index \\d{1,3} in (?<file>\\S{1,255}) does not match next certificate'),
      re('error loading private keys and certificates from: (?<file>\\S{1,255}?): disabling TLS support'),
      re('cannot get (?:RSA |DSA |ECDSA |EC )?(?:private key|certificate) from file "?(?<file>[^"\\s]{1,255})"?'),
      re('No PEM data in (?<file>\\S{1,255})'),
      re('error opening chain file: (?<file>\\S{1,255}?): '),
    ],
    meaning:
      'Postfix (smtpd or smtp, whichever logged it) could not load its own key and certificate — the file is missing, unreadable or not PEM, or the private key does not belong to the certificate — and disabled TLS in that process. smtpd then answers STARTTLS with "454 4.7.0 TLS not available due to local problem" (a missing chain file leaves only anonymous ciphers instead); smtp defers mail that requires TLS ("our TLS engine is unavailable").',
    fault: 'either',
    causes: [
      { cause: 'The private key does not belong to the certificate (a renewed certificate with the old key, or files in the wrong order in smtpd_tls_chain_files: key first, then its certificate, then the chain).', findings: ['cert.key-mismatch'] },
      { cause: 'The file named is missing, unreadable for Postfix, or not PEM.', findings: [] },
    ],
    confirm: 'mxray cert <certificate file> --key <key file>',
    fixes: { postfix: ['Put the key and its certificate chain in place (smtpd_tls_chain_files = key, then leaf, then intermediates), check with postfix check, then postfix reload.'] },
    refs: ['Postfix source src/tls/tls_certkey.c: "key at index %d in %s does not match next certificate", "No PEM data in %s", "error loading private keys and certificates from: %s: disabling TLS support"', 'postconf(5): smtpd_tls_chain_files', PRODUCED],
    samples: [
      'warning: key at index 1 in /tmp/mxray-explain-lab-LosFsJ/tls/mismatch.chain.pem does not match next certificate',
      'warning: error loading private keys and certificates from: /tmp/mxray-explain-lab-LosFsJ/tls/mismatch.chain.pem: disabling TLS support',
      'warning: cannot get RSA private key from file "/tmp/mxray-explain-lab-LosFsJ/tls/mismatch.key": disabling TLS support',
      'warning: No PEM data in /tmp/mxray-explain-lab-LosFsJ/tls/garbage.pem',
      'warning: error opening chain file: /tmp/mxray-explain-lab-LosFsJ/missing/chain.pem: No such file or directory',
    ],
  },
  {
    id: 'postfix.ca-file-not-loaded',
    platform: 'postfix',
    keywords: ['cannot load certification authority data'],
    patterns: [re('cannot load Certification Authority data(?:, CAfile="(?<file>[^"\\r\\n]{1,255})")?(?:, CApath="[^"\\r\\n]{1,255}")?: disabling TLS support')],
    meaning:
      'Postfix (smtpd or smtp) could not read the CA file or directory it was given (smtpd_tls_CAfile / smtp_tls_CAfile, …_CApath) and disabled TLS in that process: smtpd answers STARTTLS with "454 4.7.0 TLS not available due to local problem"; smtp defers mail that requires TLS ("our TLS engine is unavailable").',
    fault: 'either',
    causes: [{ cause: 'The CA file named does not exist, is not readable by Postfix, or holds no certificates.', findings: [] }],
    confirm: 'mxray cert <CAfile>',
    fixes: { postfix: ['Point *_tls_CAfile at an existing PEM bundle (Debian: /etc/ssl/certs/ca-certificates.crt) or leave it empty, then postfix reload.'] },
    refs: ['postconf(5): smtpd_tls_CAfile, smtp_tls_CAfile', PRODUCED],
    samples: ['cannot load Certification Authority data, CAfile="/tmp/mxray-explain-lab-LosFsJ/missing/ca.pem": disabling TLS support'],
  },
  {
    id: 'postfix.tls-feature-downgrade',
    platform: 'postfix',
    keywords: [', tls='],
    patterns: [re(', tls=(?<level>[a-z-]{1,12}):(?<downgrade>[a-z-]{1,12})'), re(', tls=(?<level>[a-z-]{1,12})\\??/!requiretls(?::(?<downgrade>[a-z-]{1,12}))?')],
    meaning:
      'Postfix 3.11 and later log the TLS features of each delivery in its status line (smtp_log_tls_feature_status): "tls=" the security level it applied, then after a colon the level it fell back to — this delivery did not get the protection its policy asked for (":none": no TLS at all; ":nocertmatch": encrypted, but the certificate did not match) — and "/!requiretls" a message that asked for REQUIRETLS (RFC 8689) delivered without meeting it.',
    fault: 'receiver',
    causes: [
      { cause: 'The receiving server’s certificate does not match what the policy (DANE, MTA-STS, verify) requires.', findings: ['dane.no-match', 'cert.name-mismatch', 'cert.untrusted-root'] },
      { cause: 'The receiving server does not offer STARTTLS, so a "may" delivery fell back to none.', findings: ['starttls.not-offered'] },
    ],
    confirm: 'mxray check {domain}',
    fixes: { postfix: ['If a downgrade is not acceptable for this destination, raise its level in smtp_tls_policy_maps (verify, secure or dane-only): Postfix then defers instead of sending.'], any: ['Receiver: a certificate that matches the published policy.'] },
    refs: ['Postfix 3.11 postconf(5): smtp_log_tls_feature_status (the "tls=" field as described in whyscream/postfix-grok-patterns pull request 210)', 'RFC 8689 (REQUIRETLS)'],
    samples: ['relay=mx.partner.example[192.0.2.25]:25, delay=1.2, delays=0.1/0/0.6/0.5, tls=may:none, dsn=2.0.0, status=sent (250 2.0.0 Ok)', 'to=<ann@partner.example>, relay=mx.partner.example[192.0.2.25]:25, delay=1.2, delays=0.1/0/0.6/0.5, tls=dane/!requiretls:nocertmatch, dsn=2.0.0, status=sent (250 2.0.0 Ok)'],
  },
  {
    id: 'postfix.greeting-timeout',
    platform: 'postfix',
    keywords: ['while receiving the initial server greeting'],
    patterns: [re(`(?:conversation with|lost connection with) ${HOST}\\[${IP}\\](?::(?<port>\\d{1,5}))? (?:timed out )?while receiving the initial server greeting`)],
    meaning:
      'The Postfix client connected but never got the server’s 220 greeting. Besides a busy or tarpitting server and a firewall that accepts and then drops the connection, there is a TLS cause: a port for implicit TLS (465) spoken to in plain SMTP — the server waits for a TLS ClientHello while the client waits for the banner, until one gives up (the reverse of "wrong version number").',
    fault: 'either',
    causes: [
      { cause: 'A plain SMTP client on an implicit-TLS port (465): Postfix needs smtp_tls_wrappermode = yes (with smtp_tls_security_level = encrypt) there.', findings: [] },
      { cause: 'The server is overloaded, tarpits this client (a block listing, greylisting in the banner), or a firewall drops the session after the connect.', findings: ['smtp.greeting-timeout', 'dnsbl.listed'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { postfix: ['For port 465: a transport with -o smtp_tls_wrappermode=yes -o smtp_tls_security_level=encrypt (Postfix ≥ 3.0), or use port 587/25 with STARTTLS.'], any: ['mxray check <host> --port 465 --tls-on-connect tells an implicit-TLS port from a silent one.'] },
    refs: ['Postfix source src/smtp/smtp_proto.c: "receiving the initial server greeting"', 'postconf(5): smtp_tls_wrappermode', 'RFC 8314 §3.3 (implicit TLS on 465)'],
    samples: ['4F1A2: conversation with mx.partner.example[192.0.2.25]:465 timed out while receiving the initial server greeting', '4F1A2: lost connection with mx.partner.example[192.0.2.25] while receiving the initial server greeting'],
  },
  {
    id: 'postfix.client-certificate-verification-failed',
    platform: 'postfix',
    keywords: ['client certificate verification failed for'],
    patterns: [re(`client certificate verification failed for ${CLIENT}(?::\\d{1,5})?: (?:num=(?<num>\\d{1,3}):)?(?<why>[^\\r\\n]{1,200})`)],
    // The general rules read "… certificate verification failed for" as the server's certificate; this line is about a client's.
    supersedes: ['postfix.certificate-verification-failed', 'postfix.certificate-name-mismatch'],
    meaning:
      'The Postfix server (smtpd) asked this client for a certificate (smtpd_tls_ask_ccert, smtpd_tls_req_ccert, or relay by permit_tls_clientcerts) and the one it sent did not verify against smtpd_tls_CAfile: the words after it are OpenSSL’s reason. With smtpd_tls_req_ccert = yes the session ends; otherwise the client is just not trusted for what its certificate would allow (relaying).',
    fault: 'sender',
    causes: [
      { cause: 'The client sends a self-signed certificate, or one from a CA not in smtpd_tls_CAfile.', findings: ['send.client-cert-refused'] },
      { cause: 'The client’s certificate expired, or it does not send its intermediate.', findings: ['send.client-cert-refused'] },
    ],
    confirm: "mxray cert <the client's certificate file>",
    fixes: { postfix: ['Server: put the client’s CA in smtpd_tls_CAfile (and its fingerprint in relay_clientcerts when relaying by fingerprint).'], any: ['Client: send a current certificate with its full chain, from the CA the partner expects.'] },
    refs: ['Postfix source src/tls/tls_verify.c: "%s certificate verification failed for %s" (client or server)', 'postconf(5): smtpd_tls_ask_ccert, smtpd_tls_req_ccert, smtpd_tls_CAfile'],
    samples: ['client certificate verification failed for mail.client.example[198.51.100.7]: num=18:self-signed certificate'],
  },
];
