// Catalogue entries cert.* that only `mxray cert` makes: what it checks of certificate files and
// of the answers an administrator brings (--key, --tlsa). (The certificate's own findings, which
// the receiver test makes too, are in cert.ts.)
import { defineFindings } from '../types.js';
import { PLACE_CERT_EXCHANGE, PLACE_CERT_EXIM, PLACE_CERT_POSTFIX } from './shared.js';

export const CERT_FILE_FINDINGS = defineFindings([
  {
    id: 'cert.key-mismatch',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'keyFile', 'subject'],
    title: 'The private key in {keyFile} does not belong to the certificate {subject}',
    detail:
      'The public key in the certificate ({host}) is not the one that goes with the private key in {keyFile}. A server configured with this pair cannot ' +
      "complete a handshake: Postfix logs 'cannot load RSA/ECDSA certificate and key data' or 'key values mismatch' and then answers STARTTLS with " +
      "'454 4.7.0 TLS not available due to local problem'; Exim refuses TLS the same way.",
    opportunistic: 'Delivers in clear: with TLS unavailable, an opportunistic sender falls back to plain SMTP.',
    verifying: 'Does not deliver: a sender that requires TLS (MTA-STS enforce, DANE, a verifying Exchange connector) defers the mail until it bounces.',
    remediation: {
      summary: 'Install the private key that was generated with this certificate’s request (or reissue the certificate for the key you have).',
      steps: [
        'Compare the two: `openssl x509 -in cert.pem -noout -pubkey | openssl sha256` and `openssl pkey -in key.pem -pubout | openssl sha256` must be equal.',
        'Find the key made with the certificate request; if it is lost, make a new request with the key you have and have the certificate reissued.',
      ],
      exchange: [PLACE_CERT_EXCHANGE],
      postfix: [PLACE_CERT_POSTFIX],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 5280 §4.1.2.7'],
  },
  {
    id: 'cert.key-matches',
    severity: 'ok',
    actor: 'them',
    facts: ['host', 'keyFile', 'subject'],
    title: 'The private key in {keyFile} belongs to the certificate {subject}',
    detail: 'The certificate ({host}) carries the public key of this private key: a server can use the pair.',
    opportunistic: 'Not affected.',
    verifying: 'Not affected.',
    remediation: { summary: 'Nothing to do.', steps: [] },
    refs: [],
  },
  {
    id: 'cert.tlsa-mismatch',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'records', 'subject'],
    title: 'No TLSA record given matches {subject} ({host})',
    detail:
      'None of the TLSA records {records} matches the certificate or its chain. Published for the MX host, such records make every DANE-validating ' +
      'sender (Postfix with smtp_tls_security_level = dane, Exim with DANE, Exchange Online for inbound DANE) refuse the server: it defers the mail ' +
      'and, after the retry period, bounces it. When a certificate is renewed, publish the new record next to the old one first and wait at least two ' +
      'TTLs before the server presents the new certificate ("3 1 1" records stay valid across renewals that keep the key).',
    opportunistic: 'Not affected: a sender that does not do DANE does not look at TLSA records.',
    verifying: 'DANE senders do not deliver while no published record matches what the server presents.',
    remediation: {
      summary: 'Publish a TLSA record made from this certificate (its "3 1 1" value is shown) next to the current one, then switch.',
      steps: [
        'Add the record `3 1 1 <SPKI SHA-256 of this certificate>` (or `2 1 1` of the issuing CA) at _25._tcp.<mx host> beside the existing one.',
        'Wait two TTLs of the TLSA RRset, then install the new certificate; remove the old record afterwards.',
      ],
    },
    refs: ['RFC 7672 §3.1', 'RFC 7671 §8.1'],
  },
  {
    id: 'cert.tlsa-match',
    severity: 'ok',
    actor: 'them',
    facts: ['host', 'records', 'subject'],
    title: 'The TLSA record {records} matches {subject} ({host})',
    detail: 'DANE-validating senders accept this certificate when the record is published for the MX host (and signed with DNSSEC).',
    opportunistic: 'Not affected.',
    verifying: 'DANE senders accept the server.',
    remediation: { summary: 'Nothing to do.', steps: [] },
    refs: ['RFC 7672 §3.1'],
  },
  {
    id: 'cert.leaf-guessed',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'count', 'why'],
    title: '{host} holds {count} certificates: {why}',
    detail:
      'A file with several certificates and no private key does not say which one the server presents. mxray took the one named here; give ' +
      '--key with the private key, or a file with only the server certificate, to be sure.',
    opportunistic: 'Not affected.',
    verifying: 'Not affected.',
    remediation: {
      summary: 'Check that the certificate judged is the server’s; otherwise give --key or a file with only that certificate.',
      steps: ['Run again with --key <the private key file>, or split the file: `openssl crl2pkcs7 -nocrl -certfile <file> | openssl pkcs7 -print_certs` lists its certificates.'],
    },
    refs: ['RFC 7468 §5'],
  },
  {
    id: 'cert.sender-refuses',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'sender', 'reason'],
    title: 'Refused by {sender}: the certificate of {host}',
    detail: '{reason} This is the kind of sender asked about (--profile): it does not deliver over TLS to a server presenting this certificate.',
    opportunistic: 'Not affected: opportunistic senders deliver with any certificate.',
    verifying: '{sender} does not deliver: it defers the mail and bounces it after its retry period.',
    remediation: {
      summary: 'Remove the cause, then check again: {reason}',
      steps: ['Follow the fix of the finding the reason names, then run `mxray cert` again with the same --profile.'],
    },
    refs: ['RFC 5280 §6.1', 'RFC 6125 §6.4'],
  },
  {
    id: 'cert.sender-unknown',
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'sender', 'reason'],
    title: 'Unknown for {sender}: the certificate of {host}',
    detail: '{reason} A fact this kind of sender needs could not be checked, so mxray does not say it accepts.',
    opportunistic: 'Not affected.',
    verifying: 'Unknown: see the reason.',
    remediation: {
      summary: 'Check again with what is missing (revocation lookups on, the names given with --name).',
      steps: ['Run without --no-revocation and give the connector FQDN with --name (and the MX host for a file).'],
    },
    refs: ['RFC 5280 §6.3'],
    inconclusive: true,
  },
]);
