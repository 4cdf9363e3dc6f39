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
