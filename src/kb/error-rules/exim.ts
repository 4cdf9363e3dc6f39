import { HOST, re, type ErrorRule } from './rule.js';

export const EXIM_RULES: readonly ErrorRule[] = [
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
];
