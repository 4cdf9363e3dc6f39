// Exim's TLS log lines. Debian builds Exim with GnuTLS (exim4-daemon-light): its texts were
// printed by Debian 12's Exim 4.96 in test/interop/explain-mta.interop.test.ts (the lab of
// test/interop/explain-lab.ts). Exim built with OpenSSL words some lines differently — the
// library call in parentheses is SSL_connect / SSL_accept, and certificate checks log "SSL verify
// error"; those samples follow the formats of Exim's source (src/tls-openssl.c, src/tls.c) and
// say so in their refs: no OpenSSL build of Exim runs here.
//
// As a client Exim names the server "H=host [address]:port" (captured as host and ip: the
// confirming command tests that server). As a server it names the client
// "(helo) [address]:port I=[interface]:port" (captured as helo, clientip, and the interface —
// this server's own address, logged with +incoming_interface — as ip, which the command tests).
import { HOST, IP, re, type ErrorRule } from './rule.js';

/** "H=host [ip]:port" of a client-side line. */
const H = `H=${HOST} \\[${IP}\\](?::\\d{1,5})?`;
/** After H=…: the interface (logged with +outgoing_interface), then the colon before the error. */
const TO_ERROR = '(?: I=\\[[0-9A-Fa-f.:]{2,39}\\](?::\\d{1,5})?)?: ';
/** The client of a server-side line: "[name ](helo) [ip]:port", and the interface "I=[ip]:port". */
const FROM =
  '(?:(?<client>[A-Za-z0-9][A-Za-z0-9.-]{0,252}) )?(?:\\((?<helo>[^()\\r\\n]{1,255})\\) )?\\[(?<clientip>[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|[0-9A-Fa-f:]{2,39})\\](?::\\d{1,5})?' +
  `(?: I=\\[${IP}\\](?::\\d{1,5})?)?`;

const PRODUCED = 'produced here by Exim 4.96 (Debian 12, exim4-daemon-light, GnuTLS) in test/interop/explain-mta.interop.test.ts';
const SPEC_TLS = 'Exim specification: "Encrypted SMTP connections using TLS/SSL"';
const SPEC_SMTP = 'Exim specification: the smtp transport, hosts_require_tls, tls_verify_hosts, tls_try_verify_hosts, tls_verify_certificates';

export const EXIM_RULES: readonly ErrorRule[] = [
  {
    id: 'exim.tls-required-not-offered',
    platform: 'exim',
    keywords: ['the server did not offer tls support'],
    patterns: [re(`${H}${TO_ERROR}a TLS session is required, but the server did not offer TLS support`), re('a TLS session is required, but the server did not offer TLS support')],
    meaning:
      'The Exim client requires TLS for this server (hosts_require_tls, or DANE) and the server’s EHLO reply did not offer STARTTLS, so Exim defers the message and tries again later; it never sends it in clear text.',
    fault: 'either',
    causes: [
      { cause: 'The receiving server does not offer STARTTLS (not configured, or not to this sender).', findings: ['starttls.not-offered'] },
      { cause: 'A firewall’s SMTP inspection hides the STARTTLS offer.', findings: ['starttls.masked'] },
      { cause: 'The sender’s address is on a block list the receiver consults before offering TLS.', findings: ['dnsbl.listed'] },
    ],
    confirm: 'mxray check {host}',
    fixes: {
      exim: ['Check the host is meant to be in hosts_require_tls of the transport; if the receiver cannot do TLS, take it out knowingly.'],
      any: ['Receiver: enable STARTTLS, and disable "SMTP fixup"/ESMTP inspection on a firewall in front of it.'],
    },
    refs: ['Exim source src/transports/smtp.c: "a TLS session is required, but %s"', SPEC_SMTP, PRODUCED],
    samples: [
      'H=mx.plain.explain.test [127.0.21.21]:25: a TLS session is required, but the server did not offer TLS support',
      '== postmaster@plain.explain.test R=r0 T=t_require defer (-38) H=mx.plain.explain.test [127.0.21.21]:25 I=[127.0.0.1]:36724: a TLS session is required, but the server did not offer TLS support',
    ],
  },
  {
    id: 'exim.tls-required-start-failed',
    platform: 'exim',
    keywords: ['an attempt to start tls failed'],
    patterns: [re(`${H}${TO_ERROR}a TLS session is required, but an attempt to start TLS failed`), re('a TLS session is required, but an attempt to start TLS failed')],
    meaning:
      'The Exim client requires TLS for this server; the server offered STARTTLS but answered the STARTTLS command with an error instead of 220 (a server whose own key or certificate does not load answers 454), so Exim defers the message.',
    fault: 'receiver',
    causes: [
      { cause: 'The server’s TLS cannot start: its key does not belong to its certificate, or a key, certificate or CA file is missing (Postfix answers "454 4.7.0 TLS not available due to local problem", Exim "454 TLS currently unavailable").', findings: ['starttls.rejected', 'cert.key-mismatch'] },
      { cause: 'The server refuses STARTTLS to this client by policy or under load.', findings: ['starttls.rejected'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Receiver: install a key and certificate that belong together (mxray cert <certificate file> --key <key file> tells), then reload.'], exim: ['Sender: nothing to change, the message is retried.'] },
    refs: ['Exim source src/transports/smtp.c: "a TLS session is required, but %s"', SPEC_SMTP, PRODUCED],
    samples: [
      'H=mx.key-mismatch.explain.test [127.0.21.9]:25: a TLS session is required, but an attempt to start TLS failed',
      '== postmaster@refuse.explain.test R=r3 T=t_require defer (-38) H=mx.key-mismatch.explain.test [127.0.21.9]:25 I=[127.0.0.1]:54094: a TLS session is required, but an attempt to start TLS failed',
    ],
  },
  {
    id: 'exim.certificate-verification-failed',
    platform: 'exim',
    keywords: ['(certificate verification failed)'],
    patterns: [
      re(`${H}${TO_ERROR}TLS session: \\(certificate verification failed\\)(?:: (?<why>[^\\r\\n]{1,120}))?`),
      re(`TLS error on connection to ${HOST} \\[${IP}\\] \\(certificate verification failed\\)(?:: (?<why>[^\\r\\n]{1,120}))?`),
      re('TLS session: \\(certificate verification failed\\)'),
    ],
    meaning:
      'The Exim client verifies this server (tls_verify_hosts with tls_verify_certificates, or DANE) and the certificate failed: GnuTLS’s "certificate invalid" means the chain does not lead to a CA Exim trusts (self-signed, missing intermediate, expired, unknown CA); with no reason after it, the chain was trusted but the certificate does not name the host (tls_verify_cert_hostnames). The message is deferred.',
    fault: 'receiver',
    causes: [
      { cause: 'The chain does not verify: a self-signed certificate, a missing intermediate, an expired certificate, a CA not in tls_verify_certificates.', findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.expired', 'cert.untrusted-root'] },
      { cause: 'The certificate is trusted but does not name the host Exim connected to.', findings: ['cert.name-mismatch'] },
    ],
    confirm: 'mxray cert {host} --profile exim-verify',
    fixes: {
      any: ['Receiver: a certificate from a public CA naming the MX host, sent with its intermediates.'],
      exim: ['Sender: tls_verify_certificates = system (or the partner’s CA); tls_verify_cert_hostnames decides which hosts must match by name.'],
    },
    refs: ['Exim source src/tls-gnu.c: "(certificate verification failed)", "certificate invalid"', SPEC_SMTP, PRODUCED],
    samples: [
      '== postmaster@ss-verify.explain.test R=r1 T=t_verify defer (-37) H=mx.self-signed.explain.test [127.0.21.2]:25 I=[127.0.0.1]:59284: TLS session: (certificate verification failed): certificate invalid',
      '== postmaster@wn-verify.explain.test R=r2 T=t_verify defer (-37) H=mx.wrong-name.explain.test [127.0.21.3]:25 I=[127.0.0.1]:46954: TLS session: (certificate verification failed)',
    ],
  },
  {
    id: 'exim.tls-session-failed',
    platform: 'exim',
    keywords: ['(gnutls_handshake)', '(ssl_connect)'],
    patterns: [
      re(`${H}${TO_ERROR}TLS session: \\((?<where>gnutls_handshake|SSL_connect)\\)(?:: (?<why>[^\\r\\n]{1,200}))?`),
      re(`TLS error on connection to ${HOST} \\[${IP}\\] \\((?<where>gnutls_handshake|SSL_connect)\\)(?:: (?<why>[^\\r\\n]{1,200}))?`),
      re('TLS session: \\((?<where>gnutls_handshake|SSL_connect)\\)'),
    ],
    meaning:
      'The Exim client sent STARTTLS, got 220, and the TLS handshake with the server failed; the words after it are the TLS library’s: GnuTLS "The TLS connection was non-properly terminated" (the server closed the connection), "An unexpected TLS packet was received" (what came back is not TLS), "A TLS fatal alert has been received" (the server refused); OpenSSL builds quote its error string after "(SSL_connect)". The message is deferred (or, for a host not in hosts_require_tls, retried in clear text).',
    fault: 'either',
    causes: [
      { cause: 'No protocol version or cipher in common: the server’s alert.', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
      { cause: 'The server answered 220 to STARTTLS and then closed, or sent something that is not TLS (broken TLS on the server, a middlebox).', findings: ['tls.handshake-failed', 'tls.server-aborted'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Test the server’s TLS: it must complete a TLS 1.2 or 1.3 handshake after its 220.'], exim: ['Sender: tls_require_ciphers of the transport must not be narrower than the server can do.'] },
    refs: [
      'Exim source src/transports/smtp.c: "TLS session: %s"; src/tls-gnu.c and src/tls-openssl.c: tls_error()',
      'Exim source src/tls-openssl.c (older releases): "TLS error on connection to %s [%s] (%s): %s" with "SSL_connect" — the format of the OpenSSL sample; no OpenSSL build of Exim runs here',
      SPEC_TLS,
      PRODUCED,
    ],
    samples: [
      '== postmaster@close.explain.test R=r4 T=t_require defer (-37) H=mx.close.explain.test [127.0.21.23]:25 I=[127.0.0.1]:60506: TLS session: (gnutls_handshake): The TLS connection was non-properly terminated.',
      'TLS session: (gnutls_handshake): An unexpected TLS packet was received.',
      'TLS error on connection to mx.example.com [192.0.2.25] (SSL_connect): error:0A000410:SSL routines::sslv3 alert handshake failure',
    ],
  },
  {
    id: 'exim.tls-error-from-client',
    platform: 'exim',
    keywords: ['tls error on connection from'],
    patterns: [re(`TLS error on connection from ${FROM} \\((?<where>gnutls_handshake|SSL_accept|recv|send)\\)(?:: (?<why>[^\\r\\n]{1,200}))?`)],
    meaning:
      'A client’s TLS session with this Exim server failed; the words after the library call are the TLS library’s. GnuTLS: "The TLS connection was non-properly terminated" (the client closed during the handshake — often it refused the certificate, or it is a scanner), "No supported cipher suites have been found" (nothing in common), "An unexpected TLS packet was received" (not TLS). OpenSSL builds say "(SSL_accept)" and quote OpenSSL’s error.',
    fault: 'either',
    causes: [
      { cause: 'The client refused this server’s certificate and closed (it verifies, and the chain or name is wrong).', findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.name-mismatch', 'cert.sender-refuses'] },
      { cause: 'No protocol version or cipher in common (tls_require_ciphers narrower than the client can do, or an old client).', findings: ['tls.no-shared-cipher', 'tls.old-protocol'] },
      { cause: 'A scanner or a broken client.', findings: [] },
    ],
    confirm: 'mxray check {ip}',
    fixes: { exim: ['Check the certificate as senders judge it (mxray cert <your MX host> --profile postfix-verify --profile exim-verify); keep tls_require_ciphers wide enough for opportunistic TLS.'] },
    refs: [
      'Exim source src/tls-gnu.c and src/tls-openssl.c: tls_error(), "TLS error on %s %s"',
      'Exim source src/tls-openssl.c: tls_error(US"SSL_accept", …) — the format of the OpenSSL sample; no OpenSSL build of Exim runs here',
      SPEC_TLS,
      PRODUCED,
    ],
    samples: [
      'TLS error on connection from (abandon.explain.test) [127.0.0.1] I=[127.0.21.50]:25 (gnutls_handshake): The TLS connection was non-properly terminated.',
      'TLS error on connection from (mail.example.com) [127.0.0.1] I=[127.0.21.50]:25 (gnutls_handshake): No supported cipher suites have been found.',
      'TLS error on connection from (client.example.net) [198.51.100.7]:51515 (SSL_accept): error:0A000102:SSL routines::unsupported protocol',
    ],
  },
  {
    id: 'exim.client-certificate-rejected',
    platform: 'exim',
    keywords: ['(certificate verification failed)', 'certificate is required'],
    patterns: [
      re(`TLS error on connection from ${FROM} \\(certificate verification failed\\)(?:: (?<why>[^\\r\\n]{1,120}))?`),
      re(`TLS error on connection from ${FROM} \\(gnutls_handshake\\): (?<why>Certificate is required)`),
    ],
    // The general rule for a client's failed session matches these lines too; this one says more.
    supersedes: ['exim.tls-error-from-client'],
    meaning:
      'This Exim server insists on a client certificate from this client (tls_verify_hosts) and did not get one it trusts: "certificate invalid" — the client’s certificate does not chain to a CA in the server’s tls_verify_certificates; "Certificate is required" — the client sent none (GnuTLS at TLS 1.3). The session ends before any mail command; certificate-based partner connectors meet this.',
    fault: 'sender',
    causes: [
      { cause: 'The client has no certificate configured for this partner, or sends one from a CA the server does not list.', findings: ['tls.client-cert-required', 'policy.client-cert-required', 'send.client-cert-required', 'send.client-cert-refused'] },
      { cause: 'The server lists the wrong CA in tls_verify_certificates, or insists on certificates from hosts that have none (tls_verify_hosts too wide).', findings: ['policy.client-cert-required'] },
    ],
    confirm: 'mxray check {ip}',
    fixes: {
      exim: ['Server: tls_verify_hosts only for the partners that send certificates (tls_try_verify_hosts for the rest), tls_verify_certificates with their CA.'],
      any: ['Client: configure the certificate the partner expects (Postfix: smtp_tls_chain_files; Exim: tls_certificate in the smtp transport; Exchange: TlsCertificateName on the send connector).'],
    },
    refs: ['Exim source src/tls-gnu.c: "(certificate verification failed)", "certificate invalid"', 'Exim specification: tls_verify_hosts, tls_verify_certificates', PRODUCED],
    samples: [
      'TLS error on connection from (mail.example.com) [127.0.0.1] I=[127.0.21.52]:25 (certificate verification failed): certificate invalid',
      'TLS error on connection from (mail.example.com) [127.0.0.1] I=[127.0.21.52]:25 (gnutls_handshake): Certificate is required.',
    ],
  },
  {
    id: 'exim.cert-key-setup',
    platform: 'exim',
    keywords: ['(cert/key setup:'],
    patterns: [re(`(?:I=\\[${IP}\\](?::\\d{1,5})? )?\\(cert/key setup: cert=(?<certfile>\\S{1,255}) key=(?<keyfile>\\S{1,255}?)\\): (?<why>[^\\r\\n]{1,200})`)],
    meaning:
      'Exim could not set up its own certificate and key for a TLS session (tls_certificate / tls_privatekey): GnuTLS says "The certificate and the given key do not match" or "Error while reading file". Exim answers STARTTLS with "454 TLS currently unavailable", so senders that require TLS defer and others send in clear text.',
    fault: 'receiver',
    causes: [
      { cause: 'The private key does not belong to the certificate (a renewed certificate with the old key).', findings: ['cert.key-mismatch', 'starttls.rejected'] },
      { cause: 'A file named is missing or unreadable by Exim.', findings: ['starttls.rejected'] },
    ],
    confirm: 'mxray cert <tls_certificate> --key <tls_privatekey>',
    fixes: { exim: ['Point tls_certificate and tls_privatekey at a certificate and the key it was issued for, readable by the Exim user; exim -bV shows the configuration it reads.'] },
    refs: ['Exim source src/tls-gnu.c: "cert/key setup: cert=%s key=%s"', SPEC_TLS, PRODUCED],
    samples: [
      'TLS error on connection from (client.pf.explain.test) [127.0.0.1] I=[127.0.21.51]:25 (cert/key setup: cert=/tmp/mxray-explain-lab-LosFsJ/tls/good.crt key=/tmp/mxray-explain-lab-LosFsJ/tls/mismatch.key): The certificate and the given key do not match.',
      'TLS error on connection from (mail.example.com) [127.0.0.1] I=[127.0.21.53]:25 (cert/key setup: cert=/tmp/mxray-explain-lab-NW4ztT/missing/cert.pem key=/tmp/mxray-explain-lab-NW4ztT/tls/good.key): Error while reading file.',
    ],
  },
  {
    id: 'exim.tls-connection-dropped',
    platform: 'exim',
    keywords: ['tls error on connection (recv)', 'tls error on connection (send)'],
    patterns: [re(`${H} TLS error on connection \\((?<where>recv|send)\\): (?<why>[^\\r\\n]{1,200})`)],
    meaning:
      'Inside an established TLS session with this server a read or write failed. "The TLS connection was non-properly terminated": the server closed the TCP connection without TLS’s close_notify. After the message was accepted this is harmless; before it, the delivery is retried (the next line says what became of it).',
    fault: 'either',
    causes: [
      { cause: 'The server (or a middlebox) drops connections without closing TLS: a time-out, a crash, a policy that cuts the session.', findings: ['tls.server-aborted'] },
      { cause: 'The server closes right after its last reply, which some TLS stacks do by design.', findings: [] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['If mail is deferred with it, ask the receiver what its log says at that time; a send with mxray send shows where the server stops.'] },
    refs: ['Exim source src/tls-gnu.c: record_io_error(), "H=%s [%s] TLS error on connection %s"', SPEC_TLS, PRODUCED],
    samples: ['H=mx.tls-drop.explain.test [127.0.21.25] TLS error on connection (recv): The TLS connection was non-properly terminated.'],
  },
  {
    id: 'exim.delivered-certificate-unverified',
    platform: 'exim',
    keywords: [' cv=no'],
    patterns: [re(`\\bT=[A-Za-z0-9_-]{1,64}(?: [A-Z]{1,2}=[^\\s=]{1,64}){0,3} ${H}(?: I=\\[[0-9A-Fa-f.:]{2,39}\\](?::\\d{1,5})?)? X=(?<cipher>[A-Za-z0-9_.:-]{1,120}) CV=no`)],
    meaning:
      'The message went over TLS (X= names the protocol and cipher), but the server’s certificate was not verified (CV=no): by default an Exim client only tries to verify (tls_try_verify_hosts = *) and sends anyway when it fails. Encrypted, not authenticated — not an error unless this destination must be authenticated.',
    fault: 'receiver',
    causes: [
      { cause: 'The server’s certificate does not verify: self-signed, missing intermediate, expired, unknown CA, or not naming the host.', findings: ['send.certificate-unverified', 'cert.self-signed', 'cert.chain-incomplete', 'cert.expired', 'cert.name-mismatch'] },
      { cause: 'The client has no CA list to verify against (tls_verify_certificates unset or wrong).', findings: [] },
    ],
    confirm: 'mxray cert {host} --profile exim-verify',
    fixes: { any: ['Receiver: a certificate from a public CA naming the MX host, with its chain.'], exim: ['Sender: to require verification for this destination, list it in tls_verify_hosts of the transport.'] },
    refs: ['Exim specification: log_selector, tls_certificate_verified ("CV=")', SPEC_SMTP, PRODUCED],
    samples: [
      '=> postmaster@unverified.explain.test R=r7 T=t_plain H=mx.expired.explain.test [127.0.21.5]:25 I=[127.0.0.1]:45826 X=TLS1.3:ECDHE_SECP256R1__RSA_PSS_RSAE_SHA256__AES_256_GCM:256 CV=no DN="CN=mx.expired.explain.test,O=mxray test server" K C="250 2.0.0 Ok: 391 bytes queued as CF47420C75D"',
    ],
  },
  {
    id: 'exim.ssl-verify-error',
    platform: 'exim',
    keywords: ['ssl verify error:'],
    patterns: [
      re(`\\[${IP}\\] SSL verify error: certificate name mismatch: (?:DN=)?"(?<dn>[^"\\r\\n]{1,300})"(?: H="${HOST}")?`),
      re(`\\[${IP}\\] SSL verify error: depth=(?<depth>\\d{1,2}) error=(?<why>[^\\r\\n]{1,120}?) cert=`),
    ],
    meaning:
      'Exim built with OpenSSL logs each certificate check that fails, for the peer at that address: the name does not match (certificate name mismatch, with the certificate’s subject), or OpenSSL’s verify error at a depth of the chain (0 the leaf). When verification was only tried (tls_try_verify_hosts) the session goes on and the delivery line says CV=no; when required (tls_verify_hosts) the connection fails.',
    fault: 'receiver',
    causes: [
      { cause: 'The certificate does not name the host Exim connected to.', findings: ['cert.name-mismatch'] },
      { cause: 'The chain does not verify: self-signed, missing intermediate, expired, unknown CA (the error= words say which).', findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.expired', 'cert.untrusted-root'] },
    ],
    confirm: 'mxray cert {host} --profile exim-verify',
    fixes: { any: ['Receiver: a certificate from a public CA naming the MX host, with its chain.'], exim: ['Sender: tls_verify_certificates = system; tls_verify_cert_hostnames for the hosts that must match by name.'] },
    refs: ['Exim source src/tls-openssl.c: verify_callback(), "[%s] SSL verify error: depth=%d error=%s cert=%s", "[%s] SSL verify error: certificate name mismatch: \\"%s\\"" (format; no OpenSSL build of Exim runs here)', SPEC_TLS],
    samples: [
      '[192.0.2.25] SSL verify error: certificate name mismatch: "/CN=mail.other.example"',
      '[192.0.2.25] SSL verify error: depth=0 error=self-signed certificate cert=/CN=mx.example.com',
    ],
  },
  {
    id: 'exim.no-mail-after-starttls',
    platform: 'exim',
    keywords: ['no mail in smtp connection from'],
    // C= lists the commands in order (log_selector +smtp_no_mail); a list ending at STARTTLS: nothing came after it.
    // The keyword places the line; the patterns read its end: this server's interface (+incoming_interface) when logged.
    patterns: [re('\\bI=\\[(?<ip>[0-9A-Fa-f.:]{2,39})\\](?::\\d{1,5})?(?: D=[0-9a-z.]{1,20})? C=(?:[A-Z]{1,10},){0,20}STARTTLS$'), re(' C=(?:[A-Z]{1,10},){0,20}STARTTLS$')],
    meaning:
      'A client connected to this Exim server, sent STARTTLS as its last command and then left without a mail transaction: the TLS handshake that follows STARTTLS failed or was abandoned (a sender that refuses this server’s certificate or finds no protocol in common leaves here; so do probes that only want to see STARTTLS). A "TLS error on connection from" line for the same client usually says why.',
    fault: 'either',
    causes: [
      { cause: 'The client refused this server’s certificate (it verifies: DANE, MTA-STS, or a policy) and closed.', findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.name-mismatch', 'dane.no-match'] },
      { cause: 'No protocol version or cipher in common with the client.', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
      { cause: 'A scanner or prober that only tests STARTTLS.', findings: [] },
    ],
    confirm: 'mxray check {ip}',
    fixes: { exim: ['Look for the "TLS error on connection from" line of the same client; check this server’s certificate as senders judge it (mxray cert <your MX host> --profile postfix-verify --profile exim-verify).'] },
    refs: ['Exim specification: "Log files", log_selector smtp_no_mail (the C= list of commands)', 'RFC 3207 §4'],
    samples: ['no MAIL in SMTP connection from mx.client.example [198.51.100.7]:40312 I=[192.0.2.25]:25 D=2s C=EHLO,STARTTLS'],
  },
];
