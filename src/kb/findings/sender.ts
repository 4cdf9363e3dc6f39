// Catalogue entries sender.*: how a sending server behaved when it delivered a mail to the sender
// test's listener (`mxray sender-test`). The reader is the administrator of that sending server, so
// "your server" is the sender and "we" / "our listener" the receiving side; almost everything is
// theirs to fix (actor 'us': the user's own side). The facts come from what the listener saw of the
// client (checks/sender): its address and names in DNS, the dialogue, the TLS it negotiated, the
// certificate it presented, the message's header.
import { defineFindings } from '../types.js';

/** What a receiver does with a sender in this state, for the notes that do not change delivery. */
const DELIVERED = 'Delivered: this does not stop the mail.';
const NOT_A_RECEIVER = 'This is about your server as a sender: receivers apply their own policies, described in the detail.';

/** Where each MTA's outbound TLS is configured. */
const EXCHANGE_STARTTLS = [
  'Exchange Server: send connectors use STARTTLS opportunistically by default; check that nothing turned it off (`Get-SendConnector | Format-List Name,RequireTLS,IgnoreSTARTTLS,TlsAuthLevel,TlsDomain,Fqdn,SmartHosts`) and that `IgnoreSTARTTLS` is `$false`.',
  'To require it towards a partner: a send connector for that domain with `Set-SendConnector <name> -RequireTLS $true` (and `-TlsAuthLevel DomainValidation -TlsDomain <partner>` to verify its certificate).',
  'TLS 1.2 must be enabled for Schannel and .NET (`SchUseStrongCrypto` = 1, `SystemDefaultTlsVersions` = 1 under HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319 and its Wow6432Node twin), following Microsoft’s "Exchange Server TLS configuration best practices".',
  'Exchange Online: an outbound connector for the partner (`Set-OutboundConnector <name> -TlsSettings EncryptionOnly` or `DomainValidation -TlsDomain <partner>`); without one, Exchange Online uses opportunistic TLS.',
];
const POSTFIX_STARTTLS = [
  '`postconf smtp_tls_security_level` must say `may` (opportunistic) or stricter; set `smtp_tls_security_level = may`, then `postfix reload`. Per destination: `smtp_tls_policy_maps` with `encrypt` or `secure`.',
  'A relayhost or transport that overrides it: check `postconf -n | grep -i tls` and `master.cf` for `-o smtp_tls_security_level=none`.',
];
const EXIM_STARTTLS = [
  'The smtp transport tries TLS with `hosts_try_tls = *` (the default); check that the transport does not set `hosts_try_tls` to an empty list or `hosts_avoid_tls` to match this destination.',
  'To require it: `hosts_require_tls = <partner hosts>` on the transport (with `tls_verify_hosts` to verify the certificate).',
];

/** Where each MTA's outbound client certificate is set. */
const EXCHANGE_CLIENT_CERT = [
  'Exchange Server presents the certificate named on the send connector: `Set-SendConnector <name> -TlsCertificateName "<I>CN=Issuer…<S>CN=mail.example.com"` (issuer and subject of a certificate enabled for SMTP, `Get-ExchangeCertificate | Format-List Thumbprint,Subject,Issuer,CertificateDomains,Services,NotAfter`); without it, the certificate whose name matches the connector’s `-Fqdn`.',
  'Exchange Online presents Microsoft’s certificate (mail.protection.outlook.com) on outbound connectors; a partner that checks it matches that name, not yours.',
];
const POSTFIX_CLIENT_CERT = [
  'Postfix presents a client certificate only when told to: `smtp_tls_chain_files = /etc/postfix/client.pem` (key first, then the certificate, then the intermediates; Postfix 3.4 and later) or `smtp_tls_cert_file` with `smtp_tls_key_file`, then `postfix reload`.',
];
const EXIM_CLIENT_CERT = ['On the smtp transport: `tls_certificate = /etc/exim4/client.crt` (with the intermediates) and `tls_privatekey = /etc/exim4/client.key`, readable by the Exim user.'];

/** The remediation shared by the client-certificate findings that say it does not verify. */
const CLIENT_CERT_FIX = {
  summary: 'Present a client certificate from a CA your partners trust, valid now, with the full chain, for the name your server greets with (its EHLO name).',
  steps: [
    '`openssl x509 -in client.crt -noout -subject -issuer -dates -ext subjectAltName,extendedKeyUsage` shows what the certificate says.',
    'Send the intermediate certificates with it: a receiver does not fetch missing ones.',
  ],
  exchange: EXCHANGE_CLIENT_CERT,
  postfix: POSTFIX_CLIENT_CERT,
  exim: EXIM_CLIENT_CERT,
};

/** What the client certificate is, said in every finding about it (the report's details read these facts). */
const CERT_FACTS = ['subject', 'issuer', 'names', 'notBefore', 'notAfter', 'eku', 'sha256'];
const CERT_TEXT = ' The certificate: issued by {issuer}; names {names}; valid {notBefore} to {notAfter}; extended key usage {eku}; SHA-256 {sha256}.';

/** Where each MTA's EHLO name is set. */
const HELO_FIX = {
  exchange: ['`Set-SendConnector <name> -Fqdn mail.example.com` (the name in DNS for the connector’s outbound address); without it, Exchange greets with the server’s own FQDN.'],
  postfix: ['`smtp_helo_name = mail.example.com` (default `$myhostname`: check `postconf myhostname`), then `postfix reload`.'],
  exim: ['On the smtp transport: `helo_data = mail.example.com` (default: the primary host name).'],
};

/** Where each MTA's outbound address is chosen. */
const BIND_FIX = {
  exchange: ['The send connector leaves from the server’s default address (or the address set on the connector’s source servers); make that address the one in DNS, or set the connector’s `-Fqdn` to the name of the address it uses.'],
  postfix: ['`smtp_bind_address = 192.0.2.25` (and `smtp_bind_address6`) pins the outbound address; a second instance or transport needs its own `-o smtp_bind_address=…` in master.cf.'],
  exim: ['On the smtp transport: `interface = 192.0.2.25` pins the outbound address.'],
};

const TLS_VERSION_FIX = {
  exchange: ['Enable TLS 1.2 (and TLS 1.3 on Windows Server 2022 and later) in Schannel and for .NET (`SchUseStrongCrypto` = 1 and `SystemDefaultTlsVersions` = 1), following Microsoft’s "Exchange Server TLS configuration best practices"; then restart the server.'],
  postfix: ['`smtp_tls_protocols = >=TLSv1.2` (or remove a setting that excludes TLSv1.2 and TLSv1.3), and `smtp_tls_mandatory_protocols` alike; an OpenSSL older than 1.0.1 cannot do TLS 1.2 at all: update the system.'],
  exim: ['`tls_require_ciphers` on the smtp transport (GnuTLS priority string or OpenSSL cipher list) must allow TLS 1.2; with OpenSSL also `openssl_options` without `+no_tlsv1_2`; an Exim built on an old TLS library needs updating.'],
};

export const SENDER_FINDINGS = defineFindings([
  // ---- TLS
  {
    id: 'sender.tls-ok',
    severity: 'ok',
    actor: 'us',
    facts: ['protocol', 'cipher', 'group'],
    title: 'Your server sent with {protocol} ({cipher}{group})',
    detail: 'It used STARTTLS when we offered it and the handshake completed: the message travelled encrypted.',
    opportunistic: DELIVERED,
    verifying: DELIVERED,
    remediation: { summary: 'Nothing to fix.', steps: [] },
    refs: ['RFC 3207', 'RFC 9325'],
  },
  {
    id: 'sender.no-starttls',
    severity: 'error',
    actor: 'us',
    facts: ['listener'],
    title: 'Your server sent in clear text although we offered STARTTLS',
    detail:
      'Our EHLO reply on {listener} listed STARTTLS, and your server went on to MAIL FROM without it. The message, its envelope and anything it ' +
      'carries crossed the internet unencrypted. A sender that never issues STARTTLS has outbound TLS turned off (Postfix `smtp_tls_security_level = none`, ' +
      'an Exchange send connector with IgnoreSTARTTLS, an Exim transport with `hosts_avoid_tls`), or goes through a smarthost or a relay that does not use it.',
    opportunistic: 'Receivers that accept clear text take it; it is readable on the way.',
    verifying: 'Receivers that require TLS (Exchange Online with a TLS-enforcing connector, Postfix with `smtpd_tls_security_level = encrypt`, partners with forced TLS) refuse it with 530 5.7.0.',
    remediation: {
      summary: 'Turn on opportunistic TLS for outbound mail (and require it towards partners that expect it).',
      steps: ['Send to the test address again after the change: the report should say TLS 1.2 or 1.3.'],
      exchange: EXCHANGE_STARTTLS,
      postfix: POSTFIX_STARTTLS,
      exim: EXIM_STARTTLS,
    },
    refs: ['RFC 3207', 'RFC 7435', 'RFC 8314'],
  },
  {
    id: 'sender.helo-only',
    severity: 'error',
    actor: 'us',
    facts: ['name'],
    title: 'Your server greeted with HELO, so it could not use STARTTLS',
    detail:
      'It said `HELO {name}` instead of EHLO: with HELO a server offers no extensions, STARTTLS included, so the message went in clear text. ' +
      'Current MTAs greet with EHLO; HELO comes from old software, scripts and devices (printers, scanners, monitoring) that send on their own.',
    opportunistic: 'Receivers that accept clear text take it.',
    verifying: 'Receivers that require TLS refuse it (530 5.7.0).',
    remediation: {
      summary: 'Send through an MTA that greets with EHLO and uses STARTTLS, or configure the device or script to use ESMTP with TLS.',
      steps: ['Devices that cannot do TLS should hand their mail to an internal relay, which sends it on with TLS.'],
      exchange: ['For devices, an Exchange receive connector for them and Exchange’s send connectors for the internet (with TLS) do this.'],
      postfix: ['Postfix always greets with EHLO unless `smtp_never_send_ehlo = yes`: remove that setting.'],
    },
    refs: ['RFC 5321 §3.2', 'RFC 3207'],
  },
  {
    id: 'sender.starttls-failed',
    severity: 'error',
    actor: 'us',
    facts: ['why', 'listener'],
    title: 'The TLS handshake of your server failed: {why}',
    detail:
      'Your server sent STARTTLS on {listener} and the handshake did not complete: {why}. Nothing can be delivered on that connection; an ' +
      'opportunistic sender then usually tries again in clear text, a sender that requires TLS defers the message.',
    opportunistic: 'Falls back: Postfix at `may` retries in clear text, Exim retries without TLS (tls_tempfail_tryclear), Exchange sends without TLS.',
    verifying: 'Defers the message and retries until it gives up and bounces it.',
    remediation: {
      summary: 'Make your server able to agree on TLS 1.2 or 1.3 with a current cipher; if it refused our certificate, it verifies this destination (see the detail).',
      steps: [
        'If your server refused our certificate (an alert like bad_certificate or unknown_ca), it has a TLS policy that verifies certificates for this destination (Postfix `smtp_tls_policy_maps` with `verify`/`secure`, DANE or MTA-STS, an Exchange connector with `TlsAuthLevel`): correct for partners, expected against a test listener with a self-signed certificate.',
        'Otherwise compare what it offered (the ClientHello in the details) with TLS 1.2 and 1.3 and current ciphers.',
      ],
      ...TLS_VERSION_FIX,
    },
    refs: ['RFC 3207', 'RFC 8446', 'RFC 9325'],
  },
  {
    id: 'sender.tls-abandoned',
    severity: 'warning',
    actor: 'either',
    inconclusive: true,
    facts: ['when', 'protocol', 'ended'],
    title: 'Your server ended the session right after the TLS handshake, without sending the mail{when}',
    detail:
      'The handshake completed ({protocol}), then {ended} before MAIL FROM. A sender does that when it cannot verify the receiver’s certificate ' +
      'and its policy for the destination says it must (Postfix `secure`/`verify`, DANE, MTA-STS in enforce mode, an Exchange connector with ' +
      '`TlsAuthLevel` set): correct towards a receiver whose certificate it cannot trust — as this test’s is unless it runs with a certificate from a ' +
      'public CA — and a sign that it verifies. Nothing else of the session could be judged.',
    opportunistic: 'An opportunistic sender does not do this: it delivers over TLS whatever the certificate.',
    verifying: 'This is what a verifying sender does when the certificate does not verify: it defers the message (Postfix 4.7.5) and retries.',
    remediation: {
      summary: 'If our certificate was self-signed, this is your server verifying, as it should: run the test with a certificate from a public CA to see the rest.',
      steps: [
        'Run `mxray sender-test serve` with `--cert` and `--key` of a certificate for its hostname from a public CA, and send again.',
        'If the test already had such a certificate: your server does not trust it — check its CA bundle (Postfix `smtp_tls_CAfile`/`smtp_tls_CApath`, Exim `tls_verify_certificates`, Windows’ root store) and its policy for this destination.',
      ],
      postfix: ['Its log says why: `Server certificate not verified` or `certificate verification failed for …`, and the policy (`smtp_tls_policy_maps`, `smtp_tls_security_level`).'],
      exim: ['`tls_verify_hosts`/`tls_verify_certificates` on the smtp transport decide; the mainlog says `certificate verify failed`.'],
      exchange: ['A send connector with `-TlsAuthLevel CertificateValidation` or `DomainValidation` (or Exchange Online’s connector) refuses a certificate that does not chain to a trusted root.'],
    },
    refs: ['RFC 3207 §4.1', 'RFC 7672 §2.2', 'RFC 8461 §4.2'],
  },
  {
    id: 'sender.cleartext-retry',
    severity: 'error',
    actor: 'us',
    facts: ['why', 'earlier'],
    title: 'Your server’s TLS handshake failed, and it sent the message again in clear text',
    detail:
      'An earlier connection from the same address ({earlier}) tried STARTTLS and the handshake failed: {why}. This connection then delivered the ' +
      'message without TLS: the opportunistic fallback (Postfix retries in plain text after a failed handshake, Exim with `tls_tempfail_tryclear`, ' +
      'Exchange without TLS). TLS failed for a reason your server can fix, and the message went unencrypted.',
    opportunistic: 'This is what an opportunistic sender does: the message arrives, late and unencrypted.',
    verifying: 'A sender that requires TLS would have deferred the message instead.',
    remediation: {
      summary: 'Fix what made the handshake fail (the detail says what), so that the first attempt succeeds with TLS.',
      steps: ['Postfix logs the failure as `SSL_connect error to …` or `Cannot start TLS: handshake failure`; Exchange’s protocol log (SendProtocolLog) shows the failed handshake.'],
      ...TLS_VERSION_FIX,
    },
    refs: ['RFC 3207', 'RFC 7435'],
  },
  {
    id: 'sender.earlier-handshake-failed',
    severity: 'warning',
    actor: 'us',
    facts: ['why', 'earlier'],
    title: 'An earlier TLS handshake of your server failed before this one worked: {why}',
    detail:
      'A connection from the same address shortly before ({earlier}) tried STARTTLS and failed ({why}); this one succeeded. Your server falls back ' +
      'to other settings (another protocol version or cipher list, or another host of a pool): each message is delayed by the failed attempt, ' +
      'and receivers that see only the first attempt fail it.',
    opportunistic: DELIVERED,
    verifying: 'Delivered on the second attempt.',
    remediation: {
      summary: 'Find why the first handshake fails (the detail), so that every first attempt succeeds.',
      steps: ['If several servers send from this address (a NAT), one of them may have older TLS settings than the others.'],
      ...TLS_VERSION_FIX,
    },
    refs: ['RFC 3207'],
  },
  {
    id: 'sender.tls-required-refused',
    severity: 'error',
    actor: 'us',
    facts: ['listener', 'reply'],
    title: 'Your server did not use TLS where it is required, and was refused ({reply})',
    detail:
      'The listener {listener} requires TLS, as receivers with forced TLS do (partners with a TLS-only connector, Exchange Online with a TLS-enforcing ' +
      'inbound connector). Your server went on without STARTTLS and got our refusal; mail to such receivers stays in its queue until it bounces.',
    opportunistic: 'Cannot deliver to a receiver that requires TLS without TLS.',
    verifying: 'Cannot deliver to a receiver that requires TLS without TLS.',
    remediation: {
      summary: 'Turn on outbound TLS (opportunistic at least), then send again.',
      steps: ['Your server’s log shows the refusal: `530 5.7.0 Must issue a STARTTLS command first` or similar.'],
      exchange: EXCHANGE_STARTTLS,
      postfix: POSTFIX_STARTTLS,
      exim: EXIM_STARTTLS,
    },
    refs: ['RFC 3207 §4', 'RFC 8314'],
  },
  {
    id: 'sender.tls-not-offered',
    severity: 'warning',
    inconclusive: true,
    actor: 'us',
    facts: ['listener'],
    title: 'Our listener did not offer STARTTLS, so your server’s TLS could not be tested',
    detail: 'The listener {listener} answered EHLO without STARTTLS (it has no certificate configured): what your server does with TLS is not known from this test.',
    opportunistic: NOT_A_RECEIVER,
    verifying: NOT_A_RECEIVER,
    remediation: {
      summary: 'Use a sender-test listener with a certificate, then send again.',
      steps: ['`mxray sender-test serve --cert <file> --key <file>` (or without them: a generated self-signed pair).'],
    },
    refs: ['RFC 3207'],
  },
  {
    id: 'sender.old-protocol',
    severity: 'error',
    actor: 'us',
    facts: ['protocol', 'offered'],
    title: 'Your server sent with {protocol}, a deprecated protocol',
    detail:
      'Our listener accepts TLS 1.2 and 1.3 and took {protocol} only to see it: your server offered nothing newer ({offered}). TLS 1.0 and 1.1 are ' +
      'deprecated (RFC 8996); Exchange Online, Gmail and current distributions refuse them, and your server then falls back to clear text or cannot deliver.',
    opportunistic: 'Receivers that refuse TLS 1.0/1.1 fail the handshake; your server then retries in clear text (or defers).',
    verifying: 'Receivers that require TLS and refuse old versions do not take the mail.',
    remediation: {
      summary: 'Enable TLS 1.2 (and 1.3) for outbound SMTP; on old Windows and OpenSSL this needs an update.',
      steps: ['Send to the test address again after the change: the report should say TLS 1.2 or 1.3.'],
      ...TLS_VERSION_FIX,
    },
    refs: ['RFC 8996', 'RFC 9325'],
  },
  {
    id: 'sender.weak-cipher',
    severity: 'warning',
    actor: 'us',
    facts: ['cipher', 'weakness'],
    title: 'Your server agreed on a weak cipher: {cipher} ({weakness})',
    detail:
      'The cipher suite the handshake agreed on is {weakness}. Our listener prefers forward-secret AEAD suites, so your server offered nothing better ' +
      'that we share. Receivers with current settings refuse such suites; the handshake then fails and your server falls back to clear text.',
    opportunistic: 'Receivers that refuse the suite fail the handshake, and your server retries in clear text.',
    verifying: 'Receivers that require TLS with current ciphers cannot agree with your server.',
    remediation: {
      summary: 'Offer ECDHE suites with AES-GCM or ChaCha20-Poly1305 (and TLS 1.3), and remove RC4, 3DES, NULL, EXPORT and plain-RSA suites.',
      steps: ['The ClientHello in the details lists every suite your server offered, in its order.'],
      exchange: ['Windows: the Schannel cipher suite order (`Get-TlsCipherSuite`, Group Policy "SSL Cipher Suite Order"), with TLS 1.2 enabled as in Microsoft’s "Exchange Server TLS configuration best practices".'],
      postfix: ['`smtp_tls_ciphers = medium` (the default) and `smtp_tls_mandatory_ciphers = medium`; remove `smtp_tls_exclude_ciphers` entries that leave only weak suites, and any `export`/`low` setting.'],
      exim: ['On the smtp transport: `tls_require_ciphers = ECDHE:!aNULL:!eNULL:!3DES:!RC4` (OpenSSL) or a GnuTLS priority string like `SECURE192:-VERS-TLS1.0:-VERS-TLS1.1`.'],
    },
    refs: ['RFC 7465', 'RFC 9325'],
  },
  {
    id: 'sender.no-sni',
    severity: 'info',
    actor: 'us',
    facts: [],
    title: 'Your server sent no SNI (server name) in its TLS handshake',
    detail:
      'A receiver that serves several domains on one address chooses its certificate by the SNI the client sends; without it, it presents its default ' +
      'certificate, which may not name the MX host. Postfix sends none by default; DANE and MTA-STS senders should send it.',
    opportunistic: DELIVERED,
    verifying: 'A verifying sender without SNI may get a certificate that does not name the host, and refuse it.',
    remediation: {
      summary: 'Send the MX host name as SNI.',
      steps: ['Needed for DANE and useful wherever receivers host several domains on one address.'],
      postfix: ['`smtp_tls_servername = hostname` (Postfix 3.4 and later), then `postfix reload`.'],
      exim: ['On the smtp transport: `tls_sni = $host`.'],
      exchange: ['Exchange Server and Exchange Online send SNI for the destination host; nothing to set.'],
    },
    refs: ['RFC 6066 §3', 'RFC 7672 §8.1'],
  },
  {
    id: 'sender.private-address',
    severity: 'info',
    actor: 'us',
    facts: ['ip', 'why'],
    title: 'Your server reached us from {ip}, {why}: reverse DNS, FCrDNS and SPF were not judged',
    detail:
      'Receivers on the internet judge the public address your mail leaves from: its reverse name, whether that name resolves back, and whether the ' +
      'sending domain’s SPF lists it. Seen from a private network those facts belong to another address, so this test says nothing about them. The ' +
      'TLS facts (protocol, cipher, certificate, SNI) hold wherever the test runs.',
    opportunistic: DELIVERED,
    verifying: DELIVERED,
    remediation: {
      summary: 'To judge the names and SPF too, run the sender test on a public address and send to it from the server, as a partner would receive the mail.',
      steps: ['`mxray sender-test serve` on a host with a public address and port 25 open; see the README section "On a public address".'],
    },
    refs: ['RFC 5321 §4.1.4', 'RFC 7208'],
  },
  {
    id: 'sender.requiretls-used',
    severity: 'ok',
    actor: 'us',
    facts: [],
    title: 'Your server asked for REQUIRETLS (RFC 8689) for this message',
    detail: 'MAIL FROM carried REQUIRETLS: every server on the way must relay it over verified TLS or return it.',
    opportunistic: DELIVERED,
    verifying: DELIVERED,
    remediation: { summary: 'Nothing to fix.', steps: [] },
    refs: ['RFC 8689'],
  },
  // ---- the client certificate
  {
    id: 'sender.no-client-cert',
    severity: 'info',
    actor: 'us',
    facts: [],
    title: 'Your server presented no client certificate',
    detail:
      'We asked for one, as every listener of this test does, without requiring it. Most senders present none, and most receivers ask for none. ' +
      'Partners that authenticate your server by its certificate (Exchange domain security, Exchange Online connectors matching ' +
      'TlsSenderCertificateName, Postfix `check_ccert_access` or `permit_tls_clientcerts`) need one.',
    opportunistic: DELIVERED,
    verifying: DELIVERED,
    remediation: {
      summary: 'Only where a partner requires it: configure a client certificate for outbound TLS.',
      steps: ['Ask the partner which CAs it trusts and whether it checks the name (Exchange domain security matches the certificate’s names against the partner’s TLS domains).'],
      exchange: EXCHANGE_CLIENT_CERT,
      postfix: POSTFIX_CLIENT_CERT,
      exim: EXIM_CLIENT_CERT,
    },
    refs: ['RFC 5246 §7.4.6', 'RFC 8446 §4.4.2'],
  },
  {
    id: 'sender.client-cert-required',
    severity: 'error',
    actor: 'us',
    facts: ['listener'],
    title: 'Your server presented no client certificate where one is required',
    detail:
      'The listener {listener} requires a client certificate, as partners with mutual TLS do (Exchange domain security, a connector that ' +
      'authenticates senders by certificate). Your server presented none, so such a partner refuses the session.',
    opportunistic: 'Cannot deliver to a receiver that requires a client certificate.',
    verifying: 'Cannot deliver to a receiver that requires a client certificate.',
    remediation: {
      summary: 'Configure a client certificate for outbound TLS (from a CA the partner trusts, with clientAuth), then send again.',
      steps: ['`openssl x509 -in client.crt -noout -subject -issuer -dates -ext extendedKeyUsage` shows whether a certificate fits.'],
      exchange: EXCHANGE_CLIENT_CERT,
      postfix: POSTFIX_CLIENT_CERT,
      exim: EXIM_CLIENT_CERT,
    },
    refs: ['RFC 8446 §4.4.2'],
  },
  {
    id: 'sender.client-cert-invalid',
    severity: 'warning',
    actor: 'us',
    facts: [...CERT_FACTS, 'why', 'name'],
    title: 'Your server’s client certificate would not pass a receiver that checks it: {why}',
    detail:
      'Your server presented {subject}. Checked against the trust store at the judging time, for the name it greets with ({name}): {why}. We do not ' +
      'require it, so this mail was not affected; a partner that authenticates senders by certificate refuses it.' + CERT_TEXT,
    opportunistic: DELIVERED,
    verifying: 'A receiver that requires a valid client certificate refuses the session (OpenSSL-based receivers log the verify error).',
    remediation: CLIENT_CERT_FIX,
    refs: ['RFC 5280 §6', 'RFC 6125'],
  },
  {
    id: 'sender.client-cert-rejected',
    severity: 'error',
    actor: 'us',
    facts: [...CERT_FACTS, 'why', 'listener'],
    title: 'Your server’s client certificate does not verify where one is required: {why}',
    detail:
      'The listener {listener} requires a valid client certificate, as partners with mutual TLS do. Your server presented {subject}, which does not ' +
      'verify: {why}. Such a partner refuses the session.' + CERT_TEXT,
    opportunistic: 'Cannot deliver to a receiver that requires a valid client certificate.',
    verifying: 'Cannot deliver to a receiver that requires a valid client certificate.',
    remediation: CLIENT_CERT_FIX,
    refs: ['RFC 5280 §6', 'RFC 8446 §4.4.2'],
  },
  {
    id: 'sender.client-cert-no-clientauth',
    severity: 'warning',
    actor: 'us',
    facts: [...CERT_FACTS, 'detail'],
    title: 'Your server’s client certificate is not for client authentication: {detail}',
    detail:
      'Your server presented {subject}: {detail}. A receiver that checks the purpose (OpenSSL does by default when it verifies a client certificate, and so ' +
      'Postfix and Exim) refuses it with error 26 "unsupported certificate purpose" (OpenSSL 3: "unsuitable certificate purpose"). Public CAs stop ' +
      'issuing certificates with clientAuth during 2026 (the Chrome Root Program requires hierarchies for TLS server authentication alone), so a ' +
      'server certificate renewed from a public CA no longer serves as a client certificate.' + CERT_TEXT,
    opportunistic: DELIVERED,
    verifying: 'A receiver that verifies client certificates refuses this one (error 26).',
    remediation: {
      summary: 'Use a client certificate issued for clientAuth (a private CA, or a CA product for client authentication) for outbound TLS.',
      steps: ['Ask each partner that requires a client certificate which CAs and purposes it accepts before renewing.'],
      exchange: EXCHANGE_CLIENT_CERT,
      postfix: POSTFIX_CLIENT_CERT,
      exim: EXIM_CLIENT_CERT,
    },
    refs: ['RFC 5280 §4.2.1.12', 'Chrome Root Program Policy'],
  },
  {
    id: 'sender.client-cert-ok',
    severity: 'ok',
    actor: 'us',
    facts: [...CERT_FACTS, 'name'],
    title: 'Your server’s client certificate verifies: {subject}, for {name}',
    detail: 'It chains to the trust store, is valid now, may be used for client authentication, and names the host your server greets as.' + CERT_TEXT,
    opportunistic: DELIVERED,
    verifying: DELIVERED,
    remediation: { summary: 'Nothing to fix.', steps: [] },
    refs: ['RFC 5280 §6'],
  },
  // ---- names and DNS
  {
    id: 'sender.no-rdns',
    severity: 'error',
    actor: 'us',
    facts: ['ip', 'why'],
    title: 'Your server’s address {ip} has no reverse DNS name ({why})',
    detail:
      'Receivers look up the name of the connecting address: Gmail and Microsoft require one, Postfix refuses with `reject_unknown_client_hostname` ' +
      '("450 4.7.25 Client host rejected: cannot find your hostname"), and spam filters score it. If this is not the address your server should ' +
      'send from (a second server, a NAT, a new virtual interface), the fix is the outbound address, not DNS.',
    opportunistic: 'Many receivers defer or refuse mail from an address without a name.',
    verifying: 'Many receivers defer or refuse mail from an address without a name.',
    remediation: {
      summary: 'Ask whoever holds the address (your provider) for a PTR record naming your server, with a matching A/AAAA record — or send from the address that has them.',
      steps: ['`dig -x {ip} +short` shows the PTR record; `dig <name> A +short` the way back.'],
      ...BIND_FIX,
    },
    refs: ['RFC 1912 §2.1', 'RFC 8601 §2.7.3'],
  },
  {
    id: 'sender.fcrdns-mismatch',
    severity: 'error',
    actor: 'us',
    facts: ['ip', 'names'],
    title: 'The reverse name of {ip} does not resolve back to it ({names})',
    detail:
      'The PTR record names {names}, but none of those names has an A/AAAA record holding {ip} (forward-confirmed reverse DNS fails). Receivers treat ' +
      'the name as unverified: Postfix logs "unknown[{ip}]" and refuses with `reject_unknown_client_hostname`; Gmail requires it to match.',
    opportunistic: 'Many receivers defer or refuse mail from an address whose name does not resolve back.',
    verifying: 'Many receivers defer or refuse mail from an address whose name does not resolve back.',
    remediation: {
      summary: 'Make the PTR name’s A/AAAA record hold the address (or the PTR name one that does).',
      steps: ['`dig -x {ip} +short`, then `dig <name> A +short` / `AAAA +short`: the address must be among them.'],
      ...BIND_FIX,
    },
    refs: ['RFC 1912 §2.1'],
  },
  {
    id: 'sender.ehlo-invalid',
    severity: 'warning',
    actor: 'us',
    facts: ['name', 'why'],
    title: 'Your server greeted with an unusable name: {name} ({why})',
    detail:
      'RFC 5321 asks for the client’s fully qualified domain name (or an address literal when it has none). Receivers refuse {why}: Postfix with ' +
      '`reject_invalid_helo_hostname` and `reject_non_fqdn_helo_hostname` ("504 5.5.2 Helo command rejected: need fully-qualified hostname"), and spam filters score it.',
    opportunistic: 'Receivers that check the HELO name refuse; others score it as spam.',
    verifying: 'Receivers that check the HELO name refuse; others score it as spam.',
    remediation: {
      summary: 'Greet with the server’s public name: the name of its outbound address in DNS, resolving to it.',
      steps: ['The name must be a fully qualified domain name (mail.example.com), not localhost, a bare host name or an internal name.'],
      ...HELO_FIX,
    },
    refs: ['RFC 5321 §4.1.1.1', 'RFC 5321 §2.3.5'],
  },
  {
    id: 'sender.ehlo-mismatch',
    severity: 'warning',
    actor: 'us',
    facts: ['name', 'ip', 'what'],
    title: 'Your server’s EHLO name {name} does not fit its address {ip}: {what}',
    detail:
      'The name a server greets with should resolve to the address it connects from, and be its reverse name. {what}. Receivers and spam filters ' +
      'compare them (Postfix `reject_unknown_helo_hostname`, SpamAssassin’s HELO rules, SPF’s HELO check): a mismatch often means the mail left from ' +
      'another address than intended (a second server or virtual interface whose outbound address is not the one in DNS).',
    opportunistic: 'Delivered by most receivers; strict ones refuse, filters score it.',
    verifying: 'Delivered by most receivers; strict ones refuse, filters score it.',
    remediation: {
      summary: 'Greet with the name of the outbound address, and make the address, its PTR and the name agree — or send from the address the name holds.',
      steps: ['`dig {name} A +short` and `dig -x {ip} +short` must agree with each other and with the address in the report.'],
      exchange: [...HELO_FIX.exchange, ...BIND_FIX.exchange],
      postfix: [...HELO_FIX.postfix, ...BIND_FIX.postfix],
      exim: [...HELO_FIX.exim, ...BIND_FIX.exim],
    },
    refs: ['RFC 5321 §4.1.4'],
  },
  {
    id: 'sender.dns-unfinished',
    severity: 'warning',
    inconclusive: true,
    actor: 'us',
    facts: ['lookups'],
    title: 'Some DNS lookups about your server did not finish: {lookups}',
    detail: 'They did not answer within the test’s DNS budget, so what depends on them (reverse name, EHLO name, SPF) could not be judged.',
    opportunistic: NOT_A_RECEIVER,
    verifying: NOT_A_RECEIVER,
    remediation: { summary: 'Send to the test address again; if it repeats, check that your DNS servers answer.', steps: ['`dig` each name listed, and `dig -x` the address, from outside your network.'] },
    refs: ['RFC 1035'],
  },
  // ---- SPF
  {
    id: 'sender.spf-pass',
    severity: 'ok',
    actor: 'us',
    facts: ['domain', 'ip', 'mechanism'],
    title: 'SPF of {domain} permits {ip} ({mechanism})',
    detail: 'The sending domain’s SPF record lists your server’s address.',
    opportunistic: DELIVERED,
    verifying: DELIVERED,
    remediation: { summary: 'Nothing to fix.', steps: [] },
    refs: ['RFC 7208'],
  },
  {
    id: 'sender.spf-fail',
    severity: 'error',
    actor: 'us',
    facts: ['domain', 'ip', 'mechanism', 'record'],
    title: 'SPF of {domain} does not permit your server’s address {ip} ({mechanism})',
    detail:
      'The SPF record of the MAIL FROM domain ({record}) ends in a hard fail for this address. Receivers refuse the message or put it in spam, and DMARC ' +
      'fails unless DKIM passes. The classic cause: a second server, a new virtual interface or a NAT sends from an address that is not in the record.',
    opportunistic: 'Receivers that check SPF refuse it (550 5.7.23 at Postfix with policyd-spf, Exchange Online’s SPF hard fail) or mark it as spam.',
    verifying: 'Receivers that check SPF refuse it or mark it as spam.',
    remediation: {
      summary: 'Add the address to the SPF record (`ip4:{ip}` or a mechanism that covers it), or send from an address the record lists.',
      steps: ['`dig {domain} TXT +short` shows the record; after the change, send to the test address again.'],
      ...BIND_FIX,
    },
    refs: ['RFC 7208 §8.4', 'RFC 7489'],
  },
  {
    id: 'sender.spf-softfail',
    severity: 'warning',
    actor: 'us',
    facts: ['domain', 'ip', 'mechanism'],
    title: 'SPF of {domain} soft-fails your server’s address {ip} ({mechanism})',
    detail:
      'The record does not list this address and ends in `~all`: receivers accept the message but score it as suspicious, and DMARC fails unless DKIM passes.',
    opportunistic: 'Delivered, often to spam.',
    verifying: 'Delivered, often to spam.',
    remediation: {
      summary: 'Add the address to the SPF record, or send from an address the record lists.',
      steps: ['`dig {domain} TXT +short` shows the record.'],
      ...BIND_FIX,
    },
    refs: ['RFC 7208 §8.5'],
  },
  {
    id: 'sender.spf-neutral',
    severity: 'info',
    actor: 'us',
    facts: ['domain', 'ip', 'mechanism'],
    title: 'SPF of {domain} says nothing about {ip} ({mechanism})',
    detail: 'The record neither permits nor forbids the address (`?all`): SPF does not help this mail, and DMARC depends on DKIM alone.',
    opportunistic: DELIVERED,
    verifying: DELIVERED,
    remediation: { summary: 'List your sending addresses in the record and end it in `-all` or `~all`.', steps: ['`dig {domain} TXT +short` shows the record.'] },
    refs: ['RFC 7208 §8.2'],
  },
  {
    id: 'sender.spf-none',
    severity: 'warning',
    actor: 'us',
    facts: ['domain'],
    title: '{domain} publishes no SPF record',
    detail: 'Receivers cannot tell which servers may send for the domain; Gmail and Microsoft require SPF or DKIM (and both for bulk senders), and DMARC depends on DKIM alone.',
    opportunistic: 'Delivered by most receivers; large providers refuse or mark it as spam.',
    verifying: 'Delivered by most receivers; large providers refuse or mark it as spam.',
    remediation: { summary: 'Publish an SPF record listing the domain’s sending servers: `v=spf1 ip4:<address> include:<provider> -all`.', steps: ['`dig {domain} TXT +short` shows the TXT records.'] },
    refs: ['RFC 7208'],
  },
  {
    id: 'sender.spf-permerror',
    severity: 'error',
    actor: 'us',
    facts: ['domain', 'reason'],
    title: 'The SPF record of {domain} is broken: {reason}',
    detail:
      'Evaluating it ends in a permanent error (RFC 7208 §2.6.7), which receivers treat like no record or like a fail; DMARC counts SPF as failed. ' +
      'Common causes: more than 10 DNS lookups (nested includes), two SPF records, a syntax error, an include of a domain without SPF.',
    opportunistic: 'Receivers treat the domain as unprotected, or refuse the mail.',
    verifying: 'Receivers treat the domain as unprotected, or refuse the mail.',
    remediation: { summary: 'Repair the record: one `v=spf1` TXT record, at most 10 lookups, valid syntax.', steps: ['`dig {domain} TXT +short` shows the records.'] },
    refs: ['RFC 7208 §4.6.4', 'RFC 7208 §3.2'],
  },
  {
    id: 'sender.spf-temperror',
    severity: 'warning',
    inconclusive: true,
    actor: 'us',
    facts: ['domain', 'reason'],
    title: 'The SPF record of {domain} could not be evaluated: {reason}',
    detail: 'A DNS lookup it needs failed temporarily; receivers defer or skip SPF then. Whether the address is permitted is not known.',
    opportunistic: NOT_A_RECEIVER,
    verifying: NOT_A_RECEIVER,
    remediation: { summary: 'Check that the domain’s DNS servers (and those of every include) answer, then send again.', steps: ['`dig {domain} TXT` shows whether the record can be read, and from which server.'] },
    refs: ['RFC 7208 §2.6.6'],
  },
  // ---- the message
  {
    id: 'sender.8bit-undeclared',
    severity: 'warning',
    actor: 'us',
    facts: ['body'],
    title: 'Your server sent 8-bit data without declaring it ({body})',
    detail:
      'The message holds bytes above 127, but MAIL FROM did not say BODY=8BITMIME (or SMTPUTF8). RFC 6152 requires the declaration; receivers may ' +
      'refuse the message or mangle its text, and a relay that cannot pass 8-bit data on must convert or bounce it.',
    opportunistic: 'Most receivers accept it; strict ones refuse, some corrupt the characters.',
    verifying: 'Most receivers accept it; strict ones refuse, some corrupt the characters.',
    remediation: {
      summary: 'Let the MTA declare 8BITMIME (or encode the body as quoted-printable/base64 before sending).',
      steps: ['Where a program hands raw 8-bit mail to the MTA, fix the program: it should encode the body or submit it declared as 8BITMIME.'],
    },
    refs: ['RFC 6152', 'RFC 6531'],
  },
  {
    id: 'sender.header-cleartext-hop',
    severity: 'warning',
    actor: 'us',
    facts: ['hop', 'from', 'by'],
    title: 'Before it reached us, the message went in clear text on hop {hop}: {from} → {by}',
    detail:
      'The message’s Received lines (written by your side, so a claim we cannot verify) show a hop without TLS before the connection to us: inside ' +
      'your organisation, or between your server and a relay or filter on the way. Mail is only as protected as its weakest hop.',
    opportunistic: 'Not applicable: the message already travelled; this says how.',
    verifying: 'Not applicable: the message already travelled; this says how.',
    remediation: {
      summary: 'Use TLS on that hop too (between your mail servers, and to and from relays and filters).',
      steps: ['`mxray headers` on the message shows every hop with its TLS details.'],
      exchange: ['Between Exchange servers inside one organisation, SMTP uses TLS with Exchange’s own certificates; a hop in clear is a device, an application or a third-party relay: give it a TLS connector.'],
      postfix: ['On the relay that wrote the hop: `smtp_tls_security_level = may` (and `smtpd_tls_security_level = may` on the receiving side of it).'],
      exim: ['On the relay that wrote the hop: `hosts_try_tls = *` on the transport, and `tls_advertise_hosts = *` with a certificate on the receiving side.'],
    },
    refs: ['RFC 3848', 'RFC 5321 §4.4'],
  },
  {
    id: 'sender.message-not-accepted',
    severity: 'warning',
    actor: 'us',
    facts: ['how'],
    title: 'The message was not completed: {how}',
    detail:
      'The session carried the test address, but the message did not arrive whole: {how}. What the report says about the connection still holds; ' +
      'what depends on the message (its header) may be missing.',
    opportunistic: NOT_A_RECEIVER,
    verifying: NOT_A_RECEIVER,
    remediation: { summary: 'Send to the test address again; if it repeats, look at your server’s log for this session.', steps: ['Postfix: `grep <queue id> /var/log/mail.log`; Exchange: the message tracking and send protocol logs; Exim: `exigrep <address> /var/log/exim4/mainlog`.'] },
    refs: ['RFC 5321 §4.1.1.4'],
  },
]);
