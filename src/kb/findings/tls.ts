// Catalogue entries tls.*: The TLS handshake.
import { defineFindings } from '../types.js';
import { UNTIL_BOUNCE, OPPORTUNISTIC_HANDSHAKE_FAILED, VERIFYING_HANDSHAKE_FAILED, NOTHING_TO_DO } from './shared.js';

export const TLS_FINDINGS = defineFindings([

  // ----- Host level: TLS handshake ------------------------------------------------------------
  {
    id: 'tls.handshake-failed',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'error'],
    title: 'The TLS handshake with {host} failed: {error}',
    detail:
      'The server accepted STARTTLS, but the TLS handshake then failed ({error}). No encrypted session could be set up. Typical causes are an old or ' +
      'misconfigured TLS library, a broken certificate or key setup, or a device in the path interfering.',
    opportunistic: OPPORTUNISTIC_HANDSHAKE_FAILED,
    verifying: VERIFYING_HANDSHAKE_FAILED,
    remediation: {
      summary: 'Find out why the server’s TLS fails (its log usually says) and fix its TLS configuration.',
      steps: [
        'Reproduce with `openssl s_client -starttls smtp -connect <address>:25 -servername <mx host name>` and read the error.',
        'Read the server’s log at the time of the test for its side of the error.',
        'Make sure the server supports TLS 1.2 or 1.3 with current cipher suites, and has a valid certificate with its key.',
      ],
    },
    refs: ['RFC 3207', 'RFC 8446', 'RFC 9325'],
  },
  {
    id: 'tls.old-protocol',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'protocol'],
    title: '{host} accepts TLS only up to {protocol}',
    detail:
      'The server completed a handshake only with {protocol}; it supports neither TLS 1.2 nor TLS 1.3. TLS 1.0 and 1.1 are deprecated (RFC 8996): ' +
      'OpenSSL 3 at its default security level 2 (Debian 12, RHEL 9, Ubuntu 22.04 and later) refuses their SHA-1 handshake signatures, and Exchange ' +
      'Online never sends with them. Which senders still get TLS depends on their settings (below).',
    opportunistic:
      "Depends on the sender. Postfix below 'verify' lowers OpenSSL to security level 0 and still negotiates {protocol} (measured: Postfix 3.7 with " +
      "OpenSSL 3.0 at 'may' and 'encrypt' logs 'TLS connection established … TLSv1.1'). Senders on OpenSSL's default level 2 and Exchange Online " +
      'fail the handshake and fall back: Exim retries without TLS (tls_tempfail_tryclear), Exchange sends without TLS unless TLS is forced on the ' +
      'connector. For them mail arrives late and unencrypted.',
    verifying:
      "Postfix at 'verify' or 'secure' raises OpenSSL to security level 1 and fails the handshake ('legacy sigalg disallowed or unsupported'), so " +
      'it defers; so do Exchange Online connectors and other senders that force TLS with current OpenSSL or SCHANNEL defaults. ' +
      UNTIL_BOUNCE,
    remediation: {
      summary: 'Enable TLS 1.2 (and 1.3) on the server; upgrade its TLS library, operating system or firmware if it cannot.',
      steps: [
        'Check: `openssl s_client -starttls smtp -connect <address>:25 -tls1_2` must complete a handshake.',
        'Upgrade the operating system, TLS library or appliance firmware where TLS 1.2 is missing.',
      ],
      exchange: [
        'Follow Microsoft’s “Exchange Server TLS configuration best practices”: enable TLS 1.2 for SCHANNEL ' +
          '(HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server and \\Client: Enabled = 1, DisabledByDefault = 0), ' +
          'set SchUseStrongCrypto and SystemDefaultTlsVersions to 1 for .NET Framework, and restart the server.',
        'Exchange 2003 on Windows Server 2003 cannot use TLS 1.2 and must be replaced.',
      ],
      postfix: [
        'Check that smtpd_tls_protocols and smtpd_tls_mandatory_protocols do not exclude TLSv1.2 (for example `!TLSv1.2`); Postfix 3.6 and later also ' +
        'accept `>=TLSv1`.',
        'Check which OpenSSL Postfix uses (`ldd "$(postconf -h daemon_directory)/smtpd" | grep -i ssl`): OpenSSL older than 1.0.1 has no TLS 1.2.',
      ],
      exim: [
        'With OpenSSL, check that openssl_options does not disable TLS 1.2 (`+no_tlsv1_2`); with GnuTLS, check the priority string in ' +
        'tls_require_ciphers. Upgrade the library if it lacks TLS 1.2.',
      ],
    },
    refs: ['RFC 8996', 'RFC 9325', 'Exchange Server TLS configuration best practices'],
  },
  {
    id: 'tls.null-cipher',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'cipher'],
    title: '{host} negotiates only NULL ciphers ({cipher}): nothing is encrypted',
    detail:
      'The only cipher suites the server agreed to ({cipher}) use NULL encryption: the session is at most authenticated, and every byte still crosses in ' +
      'clear text. Modern clients do not offer NULL suites, so their handshakes fail. The server’s cipher list is misconfigured.',
    opportunistic: OPPORTUNISTIC_HANDSHAKE_FAILED,
    verifying: VERIFYING_HANDSHAKE_FAILED,
    remediation: {
      summary: 'Remove the NULL-only cipher restriction and allow current cipher suites.',
      steps: ['Find where the cipher list is set and remove NULL/eNULL from it; prefer the TLS library’s defaults unless there is a reason not to.'],
      exchange: ['Check the cipher suite configuration (Group Policy “SSL Cipher Suite Order”, `Get-TlsCipherSuite`) and restore the Windows defaults.'],
      postfix: [
        'Check `postconf -n | grep cipher` for overrides of smtpd_tls_ciphers, smtpd_tls_mandatory_ciphers, the tls_*_cipherlist parameters and ' +
        'smtpd_tls_exclude_ciphers; the defaults exclude NULL ciphers.',
      ],
      exim: ['Check tls_require_ciphers: it must not restrict the server to NULL suites.'],
    },
    refs: ['RFC 9325 §4.1'],
  },
  {
    id: 'tls.no-shared-cipher',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'error'],
    title: '{host} shares no cipher suite with a modern client',
    detail:
      'The handshake failed because the server and a current client have no cipher suite in common ({error}). The server offers only suites that current ' +
      'TLS libraries have removed or disabled (RC4, 3DES, export or anonymous suites), or its cipher list was restricted too far; suites that do not fit ' +
      'the certificate’s key type (RSA or ECDSA) have the same effect.',
    opportunistic: OPPORTUNISTIC_HANDSHAKE_FAILED,
    verifying: VERIFYING_HANDSHAKE_FAILED,
    remediation: {
      summary: 'Allow current cipher suites (ECDHE with AES-GCM or ChaCha20-Poly1305) on the server.',
      steps: [
        'List what the server accepts, e.g. `nmap --script ssl-enum-ciphers -p 25 <address>`.',
        'Restore the TLS library’s default cipher list, or add ECDHE suites with AES-GCM; make sure the suites fit the certificate’s key type.',
      ],
      exchange: [
        'Restore the default cipher suite configuration (Group Policy “SSL Cipher Suite Order”, `Get-TlsCipherSuite` / `Enable-TlsCipherSuite`) and ' +
        'make sure TLS 1.2 is enabled (see Microsoft’s “Exchange Server TLS configuration best practices”).',
      ],
      postfix: ['Remove restrictive cipher overrides (`postconf -n | grep cipher`); the defaults suit port 25.'],
      exim: ['Remove or widen tls_require_ciphers; the library defaults suit port 25.'],
    },
    refs: ['RFC 9325', 'RFC 7465'],
  },
  {
    id: 'tls.server-aborted',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'error'],
    title: '{host} aborts the TLS handshake after sending its certificate',
    detail:
      'The server started the handshake and sent its certificate, then aborted it ({error}), for example with an “internal_error” alert. ' +
      'This is a fault on the server side, not a disagreement about settings: typically a mail server built against a TLS library it does not work with ' +
      '(OpenSMTPD 6.8 with OpenSSL 3 is a known case), or a private key the server cannot use.',
    opportunistic: OPPORTUNISTIC_HANDSHAKE_FAILED,
    verifying: VERIFYING_HANDSHAKE_FAILED,
    remediation: {
      summary: 'Check the server’s TLS errors and update or rebuild its mail server and TLS library.',
      steps: [
        'Reproduce with `openssl s_client -starttls smtp -connect <address>:25` and note the alert.',
        'Read the server’s log for the handshake error at the time of the test.',
        'Update the mail server to a version built for the installed TLS library (for OpenSMTPD: a release that supports OpenSSL 3, or the ' +
        'distribution’s current package).',
        'Check that the private key matches the certificate and is of a type the server’s library supports.',
      ],
    },
    refs: ['RFC 8446 §6.2', 'RFC 5246 §7.2'],
  },
  {
    id: 'tls.client-cert-required',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'how'],
    title: '{host} requires a client certificate: senders without one get no TLS session',
    detail:
      'The server will not carry on a TLS session with a sender that presents no client certificate (mutual TLS): {how}. This is a policy ' +
      'of the server, not a broken TLS library: partner connectors are set up this way, so that only senders with a certificate the receiver ' +
      'trusts can deliver. mxray presents no certificate, like almost every sender on the internet. Either the sender must be configured with a ' +
      'client certificate for this partner, or the receiver must stop requiring one (ask for it, or require it only on a connector for that partner).',
    opportunistic:
      'Gets no TLS session without a certificate. Where the handshake is refused, it falls back as after any failed handshake (other MX hosts, ' +
      'then a retry without TLS: late and unencrypted). Where the server completes the handshake and then refuses (Postfix: 421), it defers and ' +
      'retries, and the message bounces when its queue lifetime ends.',
    verifying:
      'Cannot deliver unless it presents a client certificate the receiver trusts: Postfix defers with the server’s 421 or “Cannot start TLS: ' +
      'handshake failure”, Exim and Exchange the same. ' +
      UNTIL_BOUNCE,
    remediation: {
      summary:
        'Sender: configure a client certificate for this destination (one the receiver trusts). Receiver: require client certificates only from ' +
        'the partners that have one, never on the public MX for everyone.',
      steps: [
        'Agree with the partner which certificate (issuer and subject) the receiver expects, and install it with its key on the sending servers.',
        'Retest with that certificate: `openssl s_client -starttls smtp -connect <address>:25 -cert client.pem -key client.key`.',
        'If the receiver did not mean to exclude everyone else: make it ask for a certificate instead of requiring one.',
      ],
      exchange: [
        'Sender: give the Send connector for this partner its certificate (`Set-SendConnector <name> -TlsCertificateName "<I>issuer<S>subject"` ' +
          'and, for domain security, `Set-TransportConfig -TLSSendDomainSecureList <partner domain>`).',
        'Receiver: require mutual TLS only for the partner domains (`Set-TransportConfig -TLSReceiveDomainSecureList`), on a Receive connector ' +
          'scoped to their addresses, not on the one that takes internet mail.',
      ],
      postfix: [
        'Sender: `smtp_tls_chain_files = /etc/postfix/client.pem` (key, then certificate chain), for this partner only through a transport with ' +
          '`-o smtp_tls_chain_files=…` in master.cf and a transport_maps entry for the domain.',
        'Receiver: `smtpd_tls_req_ccert = no` on the public listener (keep `smtpd_tls_ask_ccert = yes` if certificates are used in ' +
          'access rules, with check_ccert_access); require them only on a separate listener for the partner.',
      ],
      exim: [
        'Sender: set tls_certificate and tls_privatekey on the smtp transport used for this partner (in a router that selects the domain).',
        'Receiver: move the hosts out of tls_verify_hosts (which requires a certificate) into tls_try_verify_hosts (which only asks).',
      ],
    },
    refs: ['RFC 8446 §4.3.2', 'RFC 5246 §7.4.4', 'Postfix TLS_README: smtpd_tls_req_ccert'],
  },
  {
    id: 'tls.certificate-too-large',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'size', 'limit'],
    title: '{host} sends a certificate message of {size}, over the {limit} bytes OpenSSL-based senders accept',
    detail:
      'The server’s Certificate message is {size} long. OpenSSL clients refuse a certificate message longer than {limit} bytes (max_cert_list, ' +
      '100 KiB) with “excessive message size”, and Postfix, Exim with OpenSSL and Node (mxray itself) give no setting to raise it: every ' +
      'OpenSSL-based sender fails this handshake the same way. Usually the configured chain holds far more than the server certificate and its ' +
      'intermediates (a whole CA bundle, duplicates), or the certificate itself carries thousands of names.',
    opportunistic: OPPORTUNISTIC_HANDSHAKE_FAILED,
    verifying: VERIFYING_HANDSHAKE_FAILED,
    remediation: {
      summary: 'Send only the server certificate and its intermediates (a few KiB); split a certificate with thousands of names.',
      steps: [
        'Look at what is sent: `openssl s_client -starttls smtp -connect <address>:25 -showcerts -tls1_2` (an OpenSSL client fails the same way; ' +
          'the certificate file the server is configured with shows the chain).',
        'Configure the chain as the server certificate followed by its intermediate(s) only; never a CA bundle or the root store.',
        'If the certificate itself is that large (very many names), issue several certificates with fewer names each.',
      ],
      exchange: ['Check the certificate bound to SMTP (`Get-ExchangeCertificate`) and the intermediate store: Windows sends the chain it builds; remove stray or duplicate intermediates.'],
      postfix: ['smtpd_tls_chain_files (or smtpd_tls_cert_file) must hold the key, the server certificate and its intermediates only; then `postfix reload`.'],
      exim: ['tls_certificate must hold the server certificate and its intermediates only; then restart Exim.'],
    },
    refs: ['RFC 8446 §4.4.2', 'OpenSSL SSL_CTX_set_max_cert_list'],
  },
  {
    id: 'tls.handshake-timeout',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'stage', 'error'],
    title: 'The TLS handshake with {host} stalled {stage}',
    detail:
      'The server accepted STARTTLS and began the handshake, then fell silent {stage} ({error}); the legacy retry did not get further. A ' +
      'stall at this point is seldom a TLS setting: a network path that drops large packets (the certificate flight is the first large one: ' +
      'broken path MTU discovery, a wrong MSS), a firewall or IPS inspecting TLS, or a TLS offload or server that hangs.',
    opportunistic:
      'Waits until its own handshake time-out (Postfix smtp_starttls_timeout: 300 s), then fails as after any failed handshake: other MX hosts, ' +
      'then a retry without TLS; the message arrives late and unencrypted, if at all.',
    verifying: VERIFYING_HANDSHAKE_FAILED,
    remediation: {
      summary: 'Find what swallows the rest of the handshake: the network path, a firewall inspecting TLS, or the server.',
      steps: [
        'Test from another network: if it works there, the path from here drops packets (check MTU and MSS clamping on the firewalls in between).',
        'Reproduce with `openssl s_client -starttls smtp -connect <address>:25 -msg` and see after which message it hangs.',
        'Look at the server’s log and load at the time of the test, and at any TLS inspection on the firewalls in front of it.',
      ],
    },
    refs: ['RFC 8446', 'RFC 4821'],
  },
  {
    id: 'tls.ok',
    severity: 'ok',
    actor: 'them',
    facts: ['host', 'protocol', 'cipher'],
    title: 'TLS works on {host}: {protocol}, {cipher}',
    detail: 'STARTTLS succeeded; the session uses {protocol} with {cipher}.',
    opportunistic: 'Encrypts the session and delivers.',
    verifying: 'Encrypts; whether it delivers depends on the certificate checks, reported separately.',
    remediation: NOTHING_TO_DO,
    refs: ['RFC 3207', 'RFC 8446'],
  },
  {
    id: 'tls.sni-required',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'error'],
    title: 'The TLS handshake with {host} fails without SNI',
    detail:
      'With the server name indicated (SNI) the handshake works, but without SNI it fails ({error}). Postfix, Exim and many other MTAs send no SNI ' +
      'by default, so for them this server offers STARTTLS and then cannot complete it.',
    opportunistic: OPPORTUNISTIC_HANDSHAKE_FAILED,
    verifying: VERIFYING_HANDSHAKE_FAILED,
    remediation: {
      summary: 'Give the server a default certificate (used when no SNI is sent) for its MX host name.',
      steps: [
        'Configure a default certificate for connections without SNI, the same one the MX host name gets.',
        'Retest: the handshake without SNI must succeed and present that certificate.',
      ],
      exchange: ['Exchange does not need SNI; if a load balancer or proxy in front of it terminates TLS, give it a default certificate.'],
      postfix: ['smtpd_tls_chain_files (or smtpd_tls_cert_file) is the default certificate; tls_server_sni_maps only adds certificates for specific names.'],
      exim: ['tls_certificate is used without SNI; if it is expanded from the tls_in_sni variable, give it a fallback for an empty SNI.'],
    },
    refs: ['RFC 6066 §3', 'RFC 3207'],
  },
]);
