// Catalogue entries dane.*: DANE for SMTP (RFC 7672, RFC 7671): the TLSA records of each MX host,
// their DNSSEC status through a validating resolver, and whether the certificates the server
// presents match them.
import { defineFindings } from '../types.js';

const DANE_SENDERS =
  'DANE senders (Exchange Online, Postfix with smtp_dns_support_level = dnssec and smtp_tls_security_level = dane, Exim with hosts_try_dane, many European providers)';
const OPPORTUNISTIC_UNAFFECTED = 'Unaffected: a sender without DANE neither looks up nor checks TLSA records.';
const SHOW_TLSA = '`dig +dnssec TLSA {name}` shows the records and the ad flag; `posttls-finger -c -l dane -P /etc/ssl/certs {domain}` shows what Postfix makes of them.';
const NEW_RECORD_STEPS = [
  'Compute the record of the certificate the server presents now: `openssl x509 -in cert.pem -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256` gives the data of a "3 1 1" record.',
  'Publish it next to the old one (`_25._tcp.{mx} IN TLSA 3 1 1 <hex>`), wait two TTLs, and remove the old one only once nothing presents the old key.',
  'Re-run `mxray check {domain}` from outside: every certificate must show "matches".',
];

export const DANE_FINDINGS = defineFindings([
  {
    id: 'dane.ok',
    severity: 'ok',
    actor: 'them',
    facts: ['mx', 'records', 'how', 'resolver'],
    title: 'DANE for {mx}: {how}',
    detail:
      'The TLSA records of {mx} ({records}) are DNSSEC-secure (validated by {resolver}) and every certificate the server presented matches one of them: ' +
      'senders that use DANE authenticate this server and refuse anyone in the middle.',
    opportunistic: OPPORTUNISTIC_UNAFFECTED,
    verifying: `${DANE_SENDERS} deliver over TLS after matching the certificate against these records.`,
    remediation: { summary: 'Nothing to fix; before every certificate or key change, publish the new record beside the old one.', steps: [] },
    refs: ['RFC 7672 §3', 'RFC 7671'],
  },
  {
    id: 'dane.no-match',
    severity: 'critical',
    actor: 'them',
    facts: ['mx', 'host', 'records', 'which', 'name', 'domain'],
    title: 'The certificate of {host} matches none of its TLSA records: DANE senders do not deliver to it',
    detail:
      'The TLSA records of {mx} ({records}, at {name}) are DNSSEC-secure, so a DANE sender insists that the server present a certificate matching one of them; ' +
      '{which} matches none. The usual cause is a certificate or key renewed without publishing the new TLSA record first. Every DANE sender defers the ' +
      'mail and retries until it expires in the queue (days), then bounces it.',
    opportunistic: OPPORTUNISTIC_UNAFFECTED,
    verifying: `${DANE_SENDERS} defer every message to this host (Postfix logs "Server certificate not trusted"; Exchange Online reports 4.7.323 tlsa-invalid).`,
    remediation: { summary: 'Publish a TLSA record for the certificate the server presents (or go back to the certificate the record names).', steps: NEW_RECORD_STEPS },
    refs: ['RFC 7672 §3.1', 'RFC 7671 §8'],
  },
  {
    id: 'dane.tlsa-lookup-failed',
    severity: 'critical',
    actor: 'them',
    facts: ['mx', 'name', 'rcode', 'cd', 'domain', 'resolver'],
    title: 'The TLSA lookup for {name} fails ({rcode}): every DANE sender defers mail for {domain}',
    detail:
      'The MX host {mx} is in a DNSSEC-signed zone, so a DANE sender must know whether it has TLSA records before it connects; the query for {name} ' +
      'through {resolver} fails with {rcode}{cd}. A DANE sender cannot tell an attack from an outage here and does not deliver to {mx}: with other MX ' +
      'hosts it tries those, with this one alone the mail waits in its queue — the most common way DANE stops mail. Typical causes: a DNS server or firewall that drops queries ' +
      'for names starting with an underscore or for the TLSA type, a broken delegation of _tcp or _25._tcp, or a DNS server that answers TLSA with an error.',
    opportunistic: OPPORTUNISTIC_UNAFFECTED,
    verifying: `${DANE_SENDERS} defer mail for the domain while the lookup fails, then bounce it.`,
    remediation: {
      summary: 'Make the authoritative DNS servers answer the TLSA query (with records or a signed "no such record").',
      steps: [SHOW_TLSA, 'Ask every authoritative server directly (`dig @ns TLSA {name} +dnssec +norec`) to find the one that fails.'],
    },
    refs: ['RFC 7672 §2.2', 'RFC 7672 §2.1.1'],
  },
  {
    id: 'dane.bogus',
    severity: 'critical',
    actor: 'them',
    facts: ['name', 'type', 'why', 'domain', 'resolver'],
    title: 'DNSSEC validation fails for the {type} records of {name} ({why}): DANE senders do not deliver',
    detail:
      'The validating resolver {resolver} refuses the {type} answer for {name} as bogus ({why}): the data is there, but its signatures do not check out. ' +
      'Every validating resolver does the same, so senders that validate DNSSEC cannot use this answer: for the MX or address records nobody who ' +
      'validates reaches the host; for TLSA records, DANE senders defer the mail for {domain}.',
    opportunistic: 'A sender whose resolver validates DNSSEC cannot resolve the name either; others are unaffected.',
    verifying: `${DANE_SENDERS} defer the mail (Exchange Online reports 4.7.324 dnssec-invalid).`,
    remediation: {
      summary: 'Re-sign the zone (or fix the DS record at the parent) so the answer validates.',
      steps: ['`dig +dnssec +cd {type} {name}` shows the records and their signatures; https://dnsviz.net/ shows which link of the chain breaks.', 'Check the signer runs (expired RRSIGs), and that the DS at the parent matches a DNSKEY of the zone.'],
    },
    refs: ['RFC 4035 §5', 'RFC 8914', 'RFC 7672 §2.1.1'],
  },
  {
    id: 'dane.unusable-only',
    severity: 'warning',
    actor: 'them',
    facts: ['mx', 'records', 'domain'],
    title: '{mx} publishes only TLSA records SMTP cannot use ({records}): TLS is mandatory but not authenticated',
    detail:
      'RFC 7672 lets SMTP use only DANE-TA(2) and DANE-EE(3) records; PKIX-TA(0), PKIX-EE(1) and unknown usages are unusable. With secure TLSA records ' +
      'that are all unusable, a DANE sender insists on TLS but does not check the certificate: mail is encrypted, but not protected from anyone in the middle.',
    opportunistic: OPPORTUNISTIC_UNAFFECTED,
    verifying: `${DANE_SENDERS} require TLS but accept any certificate.`,
    remediation: { summary: 'Replace them with "3 1 1" records of the server keys (or "2 1 1" of the issuing CA).', steps: NEW_RECORD_STEPS },
    refs: ['RFC 7672 §3.1.3'],
  },
  {
    id: 'dane.unusable-records',
    severity: 'info',
    actor: 'them',
    facts: ['mx', 'records'],
    title: '{mx} publishes TLSA records that SMTP ignores: {records}',
    detail: 'PKIX-TA(0), PKIX-EE(1) and unknown usages, selectors or matching types are ignored by DANE senders (RFC 7672 §3.1.3); the other records decide.',
    opportunistic: OPPORTUNISTIC_UNAFFECTED,
    verifying: 'DANE senders ignore these records.',
    remediation: { summary: 'Remove them: they only confuse whoever maintains the zone.', steps: ['Delete the PKIX-TA(0) and PKIX-EE(1) records of {mx}; keep the DANE-EE(3) and DANE-TA(2) ones.'] },
    refs: ['RFC 7672 §3.1.3'],
  },
  {
    id: 'dane.ee-whole-certificate',
    severity: 'warning',
    actor: 'them',
    facts: ['mx', 'records', 'domain'],
    title: '{mx} pins the whole certificate ({records}): DANE breaks at every renewal',
    detail:
      'A "3 0 x" record is the hash of the whole certificate, so it stops matching the day the certificate is renewed, even with the same key (with ' +
      'Let’s Encrypt: every 60 to 90 days). A "3 1 1" record is the hash of the public key only and survives renewals that keep the key.',
    opportunistic: OPPORTUNISTIC_UNAFFECTED,
    verifying: `${DANE_SENDERS} stop delivering at the next renewal unless the record is changed first.`,
    remediation: { summary: 'Publish "3 1 1" records of the key instead, and renew with the same key (certbot --reuse-key).', steps: NEW_RECORD_STEPS },
    refs: ['RFC 7671 §5.1', 'RFC 7671 §8.1'],
  },
  {
    id: 'dane.ta-not-in-chain',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'records'],
    title: 'The CA named by the DANE-TA record of {host} is not in the chain it sends ({records})',
    detail:
      'A "2 x x" record names a trust anchor (a CA) that must be among the certificates the server sends (RFC 7671 §5.2.2): senders do not fetch it. ' +
      'The server sends no certificate matching it — typically the record names a retired intermediate, or the server sends only its own certificate.',
    opportunistic: OPPORTUNISTIC_UNAFFECTED,
    verifying: `${DANE_SENDERS} cannot match this record; unless another record matches, they defer the mail.`,
    remediation: {
      summary: 'Configure the server to send its full chain (with the CA the record names), or publish a record for the CA that issued the certificate now.',
      steps: ['Postfix: smtpd_tls_chain_files = key.pem, fullchain.pem (leaf first, then the intermediates).', 'Exchange: import the intermediate into the Intermediate Certification Authorities store of the server.'],
    },
    refs: ['RFC 7671 §5.2.2', 'RFC 7672 §3.1.2'],
  },
  {
    id: 'dane.ta-name-mismatch',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'mx', 'domain', 'names'],
    title: 'The certificate of {host} chains to its DANE-TA anchor but names neither {mx} nor {domain}',
    detail:
      'With a DANE-TA(2) record the certificate must still carry a name the sender expects: the MX host name (the TLSA base domain) or the next-hop ' +
      'domain (RFC 7672 §3.2.2). The certificate names {names}: DANE senders refuse it.',
    opportunistic: OPPORTUNISTIC_UNAFFECTED,
    verifying: `${DANE_SENDERS} defer the mail.`,
    remediation: {
      summary: 'Issue the certificate for the MX host name (or use a "3 1 1" record, which does not check names).',
      steps: ['Request the certificate with {mx} among its DNS names (subjectAltName), install it, and test again.'],
    },
    refs: ['RFC 7672 §3.2.2', 'RFC 7672 §3.2.3'],
  },
  {
    id: 'dane.no-rollover',
    severity: 'info',
    actor: 'them',
    facts: ['mx', 'records', 'domain'],
    title: '{mx} has one TLSA record ({records}): publish the next key before changing it',
    detail:
      'With a single DANE-EE record, the new key’s record must be published (and have been seen by every sender: two TTLs) before the key changes, ' +
      'or DANE senders stop delivering. A second "3 1 1" record for the next key (or a "2 1 1" of the issuing CA beside the "3 1 1") makes the change safe.',
    opportunistic: OPPORTUNISTIC_UNAFFECTED,
    verifying: 'Unaffected until the key changes.',
    remediation: { summary: 'Publish a record for the next key now (generate it ahead of time), or a "2 1 1" record of the issuing CA.', steps: NEW_RECORD_STEPS },
    refs: ['RFC 7671 §8.1', 'RFC 7672 §3.1'],
  },
  {
    id: 'dane.too-many-records',
    severity: 'warning',
    actor: 'them',
    facts: ['mx', 'count', 'limit'],
    title: '{mx} publishes {count} TLSA records: more than large senders are reported to try ({limit})',
    detail:
      'Microsoft’s outbound DANE is reported to stop at about a dozen TLSA records per MX host, so a record past that may never be tried. Each extra ' +
      'record also makes every answer larger (TCP fallback, fragmentation).',
    opportunistic: OPPORTUNISTIC_UNAFFECTED,
    verifying: 'A DANE sender that stops early may miss the matching record and defer the mail.',
    remediation: { summary: 'Keep the current and the next key’s records (or one CA record) and remove the rest.', steps: ['`dig +short TLSA _25._tcp.{mx}` lists them; remove those of keys no server presents any more.'] },
    refs: ['RFC 7671 §8'],
  },
  {
    id: 'dane.no-records',
    severity: 'info',
    actor: 'them',
    facts: ['mx', 'name', 'domain'],
    title: '{mx} is DNSSEC-signed but publishes no TLSA records: DANE is not in use',
    detail:
      'The MX and address records of {mx} validate, and {name} securely has no TLSA records: DANE senders use TLS opportunistically, as everyone else. ' +
      'Publishing "3 1 1" records would let them authenticate the server.',
    opportunistic: 'Uses TLS when offered, without verifying the certificate.',
    verifying: 'DANE senders do not authenticate this server.',
    remediation: { summary: 'Publish "3 1 1" TLSA records for the server keys (current and next).', steps: NEW_RECORD_STEPS },
    refs: ['RFC 7672 §2.2'],
  },
  {
    id: 'dane.insecure',
    severity: 'info',
    actor: 'them',
    facts: ['mx', 'what', 'resolver'],
    title: 'DANE does not apply to {mx}: {what}',
    detail:
      'DANE needs the MX records and the MX host’s addresses to be DNSSEC-secure (RFC 7672 §2.2); here {what} (as validated by {resolver}), so DANE ' +
      'senders do not look up TLSA records and use TLS opportunistically. A zone that is signed but reached through a resolver that does not validate looks the same.',
    opportunistic: 'Uses TLS when offered, without verifying the certificate.',
    verifying: 'DANE senders treat this host as one without DANE.',
    remediation: {
      summary: 'To use DANE: sign the zones with DNSSEC (most DNS hosts do it with one switch), then publish TLSA records.',
      steps: ['Sign the zone of {mx} and publish its DS record at the parent; `dig +dnssec A {mx}` must then show the ad flag through a validating resolver.'],
    },
    refs: ['RFC 7672 §2.2'],
  },
  {
    id: 'dane.not-validated',
    severity: 'info',
    actor: 'us',
    facts: ['name', 'type', 'resolver'],
    title: 'DANE not judged: the {type} answer for {name} is signed, but {resolver} did not validate it',
    detail:
      'The answer carried DNSSEC signatures (RRSIG records) but not the AD bit: the resolver {resolver} does not validate (a stub or forwarder such ' +
      'as systemd-resolved or dnsmasq without DNSSEC), or the chain of trust to this zone is broken. Either way mxray cannot tell whether DANE ' +
      'applies; senders whose resolvers validate may find TLSA records here.',
    opportunistic: 'Unaffected.',
    verifying: 'Not known: DANE senders validate with their own resolvers.',
    remediation: {
      summary: 'Point mxray at a validating resolver (--resolver 127.0.0.1 with unbound on this machine), then test again.',
      steps: ['`dig +dnssec {type} {name} @<resolver>`: a validating resolver sets the ad flag; https://dnsviz.net/ shows whether the chain of trust is broken.'],
    },
    refs: ['RFC 4035 §3.2.3', 'RFC 7672 §2.1'],
  },
  {
    id: 'dane.resolver-not-trusted',
    severity: 'info',
    actor: 'us',
    facts: ['resolver'],
    title: 'DANE not judged: the resolver {resolver} is not on this machine and not named as validating',
    detail:
      'Whether DNS answers are DNSSEC-secure can only be believed from a validating resolver on this machine (a loopback address) or one you name as ' +
      'validating (--trust-ad): the AD bit from anywhere else can be forged on the way. Every answer is therefore taken as insecure.',
    opportunistic: 'Unaffected.',
    verifying: 'Not known.',
    remediation: {
      summary: 'Run a validating resolver on this machine (unbound) and point mxray at it (--resolver 127.0.0.1), or add --trust-ad.',
      steps: ['Debian: apt install unbound; it validates with the root trust anchor out of the box. Then: mxray check <domain> --resolver 127.0.0.1.'],
    },
    refs: ['RFC 6698 §4.1', 'RFC 7672 §2.1'],
  },
  {
    id: 'dane.lookup-failed',
    inconclusive: true,
    severity: 'warning',
    actor: 'either',
    facts: ['name', 'type', 'error', 'resolver'],
    title: 'The DNSSEC lookup of {type} {name} got no answer ({error}): DANE could not be judged',
    detail:
      'The query through {resolver} got no usable answer ({error}). DANE senders that get the same defer the mail; whether DANE applies is not known.',
    opportunistic: 'Unaffected.',
    verifying: 'DANE senders defer the mail while the lookup fails.',
    remediation: { summary: 'Check the resolver answers (and validates), then test again.', steps: ['`dig +dnssec {type} {name} @<resolver>`'] },
    refs: ['RFC 7672 §2.1.1'],
  },
  {
    id: 'dane.no-tls',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'why', 'records'],
    title: 'DANE senders require TLS with {host}, which {why}: they do not deliver to it',
    detail:
      'The host publishes secure TLSA records ({records}), which makes TLS mandatory for DANE senders (RFC 7672 §2.2): a server that {why} gets no ' +
      'mail from them — they defer it and retry until it expires. A firewall that strips STARTTLS from the EHLO reply does this too.',
    opportunistic: 'Delivers without TLS.',
    verifying: `${DANE_SENDERS} defer every message to this host.`,
    remediation: {
      summary: 'Make STARTTLS work on this host (or withdraw the TLSA records before turning TLS off).',
      steps: ['See the host’s STARTTLS and TLS findings; `posttls-finger -c -l dane <domain>` shows what a DANE sender meets.'],
    },
    refs: ['RFC 7672 §2.2', 'RFC 7672 §1.3'],
  },
  {
    id: 'dane.not-tested',
    severity: 'info',
    actor: 'either',
    facts: ['host', 'records'],
    title: 'DANE applies to {host}, but no certificate was seen to match against its records ({records})',
    detail: 'The host publishes secure TLSA records, but no TLS handshake with it completed here, so the records could not be matched. DANE senders insist on TLS and defer the mail when it fails.',
    opportunistic: 'See the host’s TLS findings.',
    verifying: 'DANE senders defer the mail when the handshake fails.',
    remediation: { summary: 'Fix the handshake first (see the host’s other findings), then test again.', steps: ['`posttls-finger -c -l dane <domain>` shows the handshake a DANE sender makes.'] },
    refs: ['RFC 7672 §2.2'],
  },
]);
