// The finding catalogue: one entry per finding id, with its severity, who must act, the texts a
// mail administrator reads, and the fix. Checks only choose an id and supply facts; everything a
// person reads comes from here. Ids are part of the JSON contract: never rename, only deprecate.
//
// Texts may use {fact} placeholders (filled by fillTemplate in ./index.ts) in title, detail,
// opportunistic, verifying, remediation.summary and remediation.steps, and only with facts listed
// in the entry's `facts`. The per-MTA arrays (exchange / postfix / exim) are shown as written.
import type { KbEntry } from './types.js';

// ---------------------------------------------------------------------------------------------
// Shared sentences
// ---------------------------------------------------------------------------------------------

/** How long senders keep retrying before they give up and bounce. */
const UNTIL_BOUNCE =
  'It keeps the message queued and retries until its queue lifetime ends (Postfix maximal_queue_lifetime: 5 days by default; ' +
  'Exchange Server and Exchange Online: about 2 days; Exim: as its retry rules say, typically 4 days), then bounces it to the sender.';

/** A sender that must have TLS meets a server without (usable) STARTTLS. */
const VERIFYING_NO_STARTTLS =
  "Cannot deliver. Postfix at 'encrypt' or above defers with 'TLS is required, but was not offered by host …'; " +
  "Exim with hosts_require_tls logs 'a TLS session is required, but the server did not offer TLS support'; " +
  'an Exchange send connector with RequireTLS, or an Exchange Online connector that requires TLS, cannot deliver either. ' +
  UNTIL_BOUNCE;

/** Opportunistic senders after a failed handshake. */
const OPPORTUNISTIC_HANDSHAKE_FAILED =
  'The handshake fails, so nothing is delivered on that connection. Senders then fall back: Postfix at ' +
  "'may' tries the other MX hosts and retries the delivery in plain text (often only on a later attempt, so the mail is late); " +
  'Exim retries without TLS (tls_tempfail_tryclear, on by default); Exchange falls back to sending without TLS. ' +
  'The message usually arrives, late and unencrypted.';

/** Verifying or forcing senders after a failed handshake. */
const VERIFYING_HANDSHAKE_FAILED =
  "Cannot deliver. Postfix at 'encrypt' or above defers with 'Cannot start TLS: handshake failure'; " +
  "Exim with hosts_require_tls logs 'a TLS session is required, but an attempt to start TLS failed'; " +
  'an Exchange connector with TLS forced cannot deliver either. ' +
  UNTIL_BOUNCE;

/** Opportunistic senders do not look at the certificate. */
const OPPORTUNISTIC_CERT =
  'Not affected: an opportunistic sender does not check the certificate. It encrypts and delivers; ' +
  "the session counts as unauthenticated (Postfix logs 'Untrusted TLS connection established').";

/** Verifying senders reject a certificate whose chain or dates fail. */
const VERIFYING_CERT_TRUST =
  "Rejects the certificate and does not deliver. Postfix at 'verify' or 'secure' defers with 'Server certificate not trusted'; " +
  "Exim with tls_verify_hosts (and hosts_require_tls) logs 'SSL verify error: … error=<reason>' in OpenSSL builds; " +
  'an Exchange send connector with TlsAuthLevel CertificateValidation or DomainValidation, or an Exchange Online connector ' +
  'with TlsSettings set to validate, refuses it; senders honouring an MTA-STS policy in enforce mode do not deliver. ' +
  UNTIL_BOUNCE;

const VERIFYING_CERT_TRUST_DANE =
  VERIFYING_CERT_TRUST +
  " Exception: DANE senders (Postfix at 'dane', Exim with DANE) accept it when the domain publishes a matching DANE-EE (3 x x) TLSA record in a DNSSEC-signed zone.";

const NOTHING_TO_DO = { summary: 'Nothing to do.', steps: [] as string[] };

const PLACE_CERT_POSTFIX =
  'Point smtpd_tls_chain_files at the key and certificate chain (Postfix 3.4 and later: the private key first, then the server certificate, then the ' +
  'intermediates), ' +
  'or on older versions smtpd_tls_cert_file (server certificate followed by the intermediates) and smtpd_tls_key_file; then `postfix reload`.';

const PLACE_CERT_EXIM =
  'Point tls_certificate at the certificate chain (server certificate followed by the intermediates) and tls_privatekey at the key, ' +
  'check that the Exim user (Debian: Debian-exim) can read both, then restart Exim.';

const PLACE_CERT_EXCHANGE =
  'Import the certificate with its private key (Import-ExchangeCertificate) on every server that receives internet mail, ' +
  'then `Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP`.';

const CHECK_CERT_EXCHANGE =
  '`Get-ExchangeCertificate | Format-List Thumbprint,Subject,CertificateDomains,Services,NotAfter,Status` ' +
  'shows which certificates exist and which are bound to SMTP.';

// ---------------------------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------------------------

export const CATALOGUE: readonly KbEntry[] = [
  // ----- Domain level: DNS -------------------------------------------------------------------
  {
    id: 'dns.nxdomain',
    severity: 'critical',
    actor: 'either',
    facts: ['domain'],
    title: 'The domain {domain} does not exist',
    detail:
      'DNS says {domain} does not exist (NXDOMAIN): there is no MX record and no address, so no server anywhere can deliver mail to it. ' +
      "Either the address was mistyped, or the domain's registration or delegation has lapsed.",
    opportunistic:
      "Bounces the message at once: a domain that does not exist is a permanent error (Postfix: 'Host or domain name not found'; " +
      'Exchange Server: a non-delivery report with 5.4.4; Exchange Online: 5.4.310).',
    verifying: 'The same: TLS never comes into play, the message bounces.',
    remediation: {
      summary: 'Check the spelling of the domain; if it is right, its owner must renew or repair its registration and delegation.',
      steps: [
        'Check the address for typos (a missing letter, .co instead of .com).',
        'Look the domain up at its registry (whois or RDAP): an expired or suspended registration is the usual cause when it used to work.',
        'Check the delegation with `dig +trace {domain}`: the parent zone must list nameservers that answer for the domain.',
        'If the domain is ours: renew it and restore its NS records at the registrar.',
      ],
    },
    refs: ['RFC 1035', 'RFC 8020', 'RFC 5321 §5.1'],
  },
  {
    id: 'dns.servfail',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'resolver'],
    title: 'DNS lookups for {domain} fail (SERVFAIL)',
    detail:
      'The resolver ({resolver}) answered SERVFAIL for {domain}: it could not obtain a usable answer. Either the domain’s nameservers are broken ' +
      '(not answering, lame delegation, wrong answers) or the zone is DNSSEC-signed and fails validation (expired signatures, a DS record at the parent ' +
      'that matches no key). Validating resolvers, which most large mail providers use, then have no answer at all, so mail to the domain stalls.',
    opportunistic:
      "Treats it as a temporary error: defers the message and retries (Postfix logs 'Name service error for name={domain} type=MX: Host not found, try again'). " +
      'If the fault lasts, the message bounces when the queue lifetime ends.',
    verifying:
      'The same: no sender can deliver until DNS answers. Senders that validate DNSSEC (every DANE sender) fail even where a non-validating resolver would answer.',
    remediation: {
      summary: 'The domain owner must repair its nameservers or its DNSSEC chain of trust.',
      steps: [
        'Compare `dig MX {domain}` with `dig +cd MX {domain}` (checking disabled): if only the +cd query works, DNSSEC validation is failing.',
        'Query each listed nameserver directly (`dig @<nameserver> MX {domain} +norecurse`): every one must answer with authority.',
        'Check the DNSSEC chain with a tool such as DNSViz: the DS record at the parent must match a current DNSKEY, and no signature may have expired.',
        'When turning DNSSEC off or changing keys, remove or update the DS record at the registrar first and wait for its TTL.',
        'Retest through another resolver to rule out a fault in {resolver} itself.',
      ],
    },
    refs: ['RFC 1035', 'RFC 4033', 'RFC 4035'],
  },
  {
    id: 'dns.timeout',
    severity: 'error',
    actor: 'either',
    facts: ['domain', 'resolver'],
    title: 'DNS lookups for {domain} time out',
    detail:
      'No answer for {domain} arrived from the resolver ({resolver}) in time. Either the domain’s nameservers are unreachable or very slow, or our own resolver, ' +
      'or a firewall between us and it, is dropping DNS traffic (UDP and TCP port 53).',
    opportunistic: 'Defers the message and retries; it bounces only if the lookups still fail when the queue lifetime ends.',
    verifying: 'The same: without an answer no sender can deliver, whatever its TLS policy.',
    remediation: {
      summary: 'Find out whether the delay is on our side (resolver, firewall) or at the domain’s nameservers.',
      steps: [
        'Ask our resolver ({resolver}) for a domain known to work, e.g. `dig @<resolver> MX example.org`: if that also times out, the problem is ours.',
        'From another network, find the domain’s nameservers (`dig NS {domain}`) and query them directly; if they do not answer, the domain owner must fix them.',
        'Allow DNS over TCP port 53 as well as UDP: large (DNSSEC) answers need it.',
        'If it happens only now and then, retest: one timeout does not prove the domain is broken.',
      ],
    },
    refs: ['RFC 1035', 'RFC 7766'],
  },
  {
    id: 'dns.no-mx',
    severity: 'warning',
    actor: 'them',
    facts: ['domain', 'addresses'],
    title: '{domain} has no MX record; mail goes to its own address',
    detail:
      '{domain} publishes no MX record, so senders fall back to the implicit MX and deliver to the domain’s own A/AAAA address ({addresses}), ' +
      'as RFC 5321 §5.1 allows. This works, but it is often accidental: the host behind the domain name may be a web server with no mail service, ' +
      'and some filters treat domains without MX as suspicious.',
    opportunistic:
      'Delivers to {addresses} with whatever TLS that host offers; if nothing listens on port 25 there, the message is deferred and eventually bounced.',
    verifying: 'The same; certificate checks are made against the domain name {domain} itself, since it is the mail host.',
    remediation: {
      summary: 'Publish an MX record naming the real mail server, or a null MX if the domain takes no mail.',
      steps: [
        'If the domain should receive mail: add `{domain}. IN MX 10 <mail host name>.`, where the mail host name has A/AAAA records.',
        'If it should not: publish a null MX (`{domain}. IN MX 0 .`, RFC 7505) so that senders bounce at once instead of trying the web server.',
        'If the address really is the mail server, an MX record naming it still states the intent and lets MTA-STS and DANE be used.',
      ],
    },
    refs: ['RFC 5321 §5.1', 'RFC 7505'],
  },
  {
    id: 'dns.null-mx',
    severity: 'info',
    actor: 'them',
    facts: ['domain'],
    title: '{domain} accepts no mail (null MX)',
    detail:
      '{domain} publishes a null MX record (“MX 0 .”, RFC 7505): its owner declares that the domain receives no mail. Nothing was probed.',
    opportunistic:
      "Senders that implement RFC 7505 bounce the message at once without connecting (Postfix: 'Domain {domain} does not accept mail (nullMX)'); " +
      'older ones fail to resolve the host “.” and bounce or retry.',
    verifying: 'The same: TLS never comes into play.',
    remediation: {
      summary: 'Nothing to fix if the domain really takes no mail; otherwise replace the null MX with real MX records.',
      steps: [
        'Check the address with its owner: a null MX is a deliberate statement that the domain receives no mail.',
        'If the domain should receive mail, remove the “MX 0 .” record and publish MX records that name its mail servers.',
      ],
    },
    refs: ['RFC 7505'],
  },
  {
    id: 'dns.mx-unresolved',
    severity: 'error',
    actor: 'them',
    facts: ['mx', 'error'],
    title: 'MX host {mx} has no address',
    detail:
      'An MX record names {mx}, but that name has no A or AAAA record ({error}). Senders skip it; if it is the only MX host, or every MX host is like this, ' +
      'no mail can be delivered.',
    opportunistic:
      'Skips {mx} and uses the remaining MX hosts. When no MX host has an address, the message is bounced (the name does not exist) or deferred ' +
      '(the lookup failed), depending on what DNS said.',
    verifying: 'The same: there is nothing to connect to.',
    remediation: {
      summary: 'Give {mx} an A/AAAA record, or take it out of the MX records.',
      steps: [
        'Check with `dig A {mx}` and `dig AAAA {mx}`.',
        'If the host was renamed or retired, change the MX records to the current mail host names.',
        'If the name is right, add its A/AAAA records. Watch for a missing trailing dot in a zone file, which turns “mail.example.com” into ' +
        '“mail.example.com.example.com”.',
      ],
    },
    refs: ['RFC 5321 §5.1'],
  },
  {
    id: 'dns.mx-ip-literal',
    severity: 'error',
    actor: 'them',
    facts: ['mx'],
    title: 'An MX record points at an IP address ({mx}) instead of a host name',
    detail:
      'An MX record’s target is {mx}, an IP address. An MX record must name a host, whose addresses are then looked up (RFC 1035 §3.3.9, RFC 5321 §5.1); ' +
      'the string {mx} is not a host name. Some senders try the address anyway, many refuse the record.',
    opportunistic:
      "Depends on the sender: Postfix logs 'numeric domain name in resource data of MX record' and does not deliver to it; others try to resolve " +
      '“{mx}” as a name and fail. Mail may bounce, be deferred, or arrive.',
    verifying: 'The same; in addition a certificate cannot be checked against an MX host name that does not exist.',
    remediation: {
      summary: 'Point the MX record at a host name that has A/AAAA records.',
      steps: [
        'Create a host name for the mail server (e.g. mail.<domain>) with an A record for {mx} (and AAAA if it has IPv6).',
        'Change the MX record to that name: `<domain>. IN MX 10 mail.<domain>.`',
        'Make sure the mail server’s certificate carries the new host name.',
      ],
    },
    refs: ['RFC 1035 §3.3.9', 'RFC 5321 §5.1'],
  },
  {
    id: 'dns.mx-cname',
    severity: 'warning',
    actor: 'them',
    facts: ['mx', 'cname'],
    title: 'MX host {mx} is an alias (CNAME to {cname})',
    detail:
      'An MX record names {mx}, which is a CNAME for {cname}. RFC 2181 §10.3 says an MX record must point at the host’s own name, not at an alias. ' +
      'Most senders follow the alias and deliver anyway, but behaviour varies, and certificate name checks become ambiguous: some senders check ' +
      '{mx}, others {cname}.',
    opportunistic: 'Most follow the alias and deliver normally.',
    verifying:
      'May check the certificate against {mx} or against {cname}, depending on the software and on DNSSEC: a certificate carrying only one of the two ' +
      'names can fail.',
    remediation: {
      summary: 'Point the MX record at the canonical name {cname}, or give {mx} its own A/AAAA records.',
      steps: [
        'Change the MX record to name {cname} directly, or replace the CNAME at {mx} with A/AAAA records.',
        'Until then, make sure the certificate carries both {mx} and {cname}.',
      ],
    },
    refs: ['RFC 2181 §10.3', 'RFC 5321 §5.1'],
  },

  // ----- Domain level: network ---------------------------------------------------------------
  {
    id: 'net.all-unreachable',
    severity: 'critical',
    actor: 'us',
    facts: ['domain', 'count', 'port', 'sourceAddress'],
    title: 'No mail server of {domain} answers on port {port} from here',
    detail:
      'All {count} addresses of {domain}’s mail servers timed out on TCP port {port}. A whole domain being down at once is rare; far more often, ' +
      'outbound port {port} is blocked on OUR side, by the internet provider, the cloud provider or a corporate firewall. ' +
      'The connections were made from {sourceAddress}.',
    opportunistic:
      'Not a TLS question: if this machine is your mail server, it cannot deliver anything to {domain}; mail queues up and bounces when the queue lifetime ends. ' +
      'If the test ran from a workstation, your real mail server may be fine.',
    verifying: 'The same: no connection, no delivery.',
    remediation: {
      summary: 'Check whether outbound port {port} is blocked from {sourceAddress}, and repeat the test from another network.',
      steps: [
        'From the same machine, try another domain’s mail server, e.g. `nc -vz gmail-smtp-in.l.google.com 25` (Linux) or ' +
          '`Test-NetConnection gmail-smtp-in.l.google.com -Port 25` (Windows). If that also times out, port {port} is blocked here.',
        'Run the test from a different network (a server elsewhere, a phone hotspot): if it works there, the block is local.',
        'Home and office internet connections often block port 25: ask the provider, or run the test on the mail server itself.',
        'Cloud providers restrict port 25: Amazon EC2 by default (a request form lifts it), Microsoft Azure for most subscription types, ' +
          'Google Cloud always (use a relay on another port).',
        'Check the corporate firewall’s outbound rules for TCP {port} from {sourceAddress}.',
        'If port 25 does work from here, the domain’s servers may be down or blocking our address: try again later and contact its postmaster.',
      ],
    },
    refs: [
      'Amazon EC2 documentation: restriction on email sent using port 25',
      'Microsoft Azure: Troubleshoot outbound SMTP connectivity problems in Azure',
      'Google Cloud: Sending email from an instance',
    ],
  },

  // ----- Host level: connection and greeting --------------------------------------------------
  {
    id: 'net.connect-refused',
    severity: 'error',
    actor: 'them',
    facts: ['host'],
    title: '{host} refuses connections',
    detail:
      'The TCP connection to {host} was refused (reset): the address is reachable, but nothing listens on the port or a firewall actively rejects us. ' +
      'The mail service may be stopped or bound to other addresses, or the MX record may point at the wrong machine.',
    opportunistic: 'Tries the next MX host; if every host refuses, defers and retries until the queue lifetime ends, then bounces.',
    verifying: 'The same: no connection, no delivery.',
    remediation: {
      summary: 'Make sure the mail service runs and listens on port 25 on this address, and that firewalls let connections through.',
      steps: [
        'On the server, check that the MTA is running and listening on the public address: `ss -ltnp` (Linux) or `netstat -ano | findstr :25` (Windows).',
        'Check that the address in DNS is really the mail server’s, including any NAT or port forwarding on the firewall.',
        'Check the firewall rules for inbound TCP 25 from the internet.',
      ],
      exchange: [
        '`Get-ReceiveConnector | Format-Table Name,Bindings,RemoteIPRanges,Enabled`: a connector must be bound to port 25 on this address (or 0.0.0.0) ' +
        'and accept 0.0.0.0-255.255.255.255.',
        'Check that the service listening on port 25 runs: MSExchangeFrontEndTransport on a Mailbox server, MSExchangeTransport on an Edge Transport server.',
      ],
      postfix: [
        'Check inet_interfaces (it must include the public address, e.g. `all`) and that the `smtp inet` line in master.cf is not commented out. ' +
          'After changing inet_interfaces, stop and start Postfix (a reload is not enough).',
      ],
      exim: [
        'Check daemon_smtp_ports and local_interfaces. On Debian, dc_local_interfaces in /etc/exim4/update-exim4.conf.conf defaults to listening on ' +
          'loopback only; empty it to listen on all addresses, run update-exim4.conf and restart Exim.',
      ],
    },
    refs: ['RFC 5321 §5.1'],
  },
  {
    id: 'net.connect-timeout',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'timeoutMs'],
    title: 'No answer from {host} within {timeoutMs} ms',
    detail:
      'The TCP connection to {host} did not complete within {timeoutMs} ms: packets are being dropped somewhere. Either a firewall at the server silently ' +
      'drops port 25, the server is down, or, if other mail servers time out as well, outbound port 25 is blocked on our side.',
    opportunistic:
      'Gives up after its own connect timeout (Postfix smtp_connect_timeout: 30 s) and tries the next MX host; if none answers, defers and retries ' +
      'until the queue lifetime ends.',
    verifying: 'The same: no connection, no delivery.',
    remediation: {
      summary: 'Find out whether port 25 is blocked on our side or the server is unreachable.',
      steps: [
        'Test another domain’s mail server from here; if that also times out, outbound port 25 is blocked on our side (see net.all-unreachable).',
        'If other servers answer, this server or its firewall is dropping connections: check that the host is up and that inbound TCP 25 is allowed.',
        'Repeat the test from another network to confirm.',
      ],
    },
    refs: ['RFC 5321 §5.1'],
  },
  {
    id: 'smtp.no-banner',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'detail'],
    title: '{host} closed the connection without a greeting',
    detail:
      'The TCP connection opened, but the server closed it before sending its 220 greeting ({detail}). Common causes: the mail service is failing ' +
      'behind a listener that is still up, a connection limit or reputation filter dropping us silently, a load balancer with no healthy back end, ' +
      'or a service other than SMTP on the port.',
    opportunistic: 'Treats it as a temporary failure: tries the next MX host, otherwise defers and retries until the queue lifetime ends.',
    verifying: 'The same: no greeting, no delivery.',
    remediation: {
      summary: 'Find out from the server’s logs why it drops connections right after accepting them.',
      steps: [
        'Connect by hand from another network (`nc <address> 25`): a mail server answers with a line starting with 220.',
        'Read the mail server’s log at the time of the test: connection limits, block-list or reputation rejections, crashes.',
        'If a load balancer or proxy sits in front, check its health checks and back-end pool.',
      ],
      exchange: [
        'Enable verbose protocol logging on the receive connector (`Set-ReceiveConnector <name> -ProtocolLoggingLevel Verbose`) and read the ' +
        'SmtpReceive log for the session.',
      ],
      postfix: ['Look in the mail log for the session: postscreen and anvil (connection limit) messages, “lost connection”, or fatal errors from smtpd.'],
      exim: ['Look in the main, reject and panic logs for the connection, and for daemon errors at that time.'],
    },
    refs: ['RFC 5321 §3.1'],
  },
  {
    id: 'smtp.greeting-timeout',
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'timeoutMs'],
    title: '{host} did not greet within {timeoutMs} ms (test inconclusive)',
    detail:
      'The connection opened, but no 220 greeting arrived within {timeoutMs} ms. This does not mean the server lacks TLS: servers delay their greeting ' +
      'on purpose (tarpitting, greet pauses) or throttle addresses they do not know. Real senders wait up to 5 minutes for the greeting ' +
      '(RFC 5321 §4.5.3.2.1), far longer than this test did.',
    opportunistic: 'Waits much longer (Postfix smtp_helo_timeout: 300 s) and most likely delivers normally.',
    verifying: 'The same: a slow greeting does not affect TLS.',
    remediation: {
      summary: 'Retest with a longer timeout; if the greeting never comes, check the server’s load and throttling.',
      steps: [
        'Run the test again with a longer --timeout (60 s or more).',
        'If it still times out, connect by hand and time the greeting.',
        'The server’s operator can check for deliberate delays and per-client throttling that affect our address.',
      ],
    },
    refs: ['RFC 5321 §4.5.3.2.1'],
  },
  {
    id: 'smtp.banner-rejected',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'reply'],
    title: '{host} rejected us in its greeting: {reply}',
    detail:
      'Instead of 220 the server greeted with {reply}. A 554 greeting usually means our address is refused (listed on a block list the server uses, ' +
      'no reverse DNS, or outside the addresses it accepts); a 421 greeting means it is refusing clients for now. The server’s own words usually say which.',
    opportunistic:
      'A real sender gets its own verdict: if its address is refused the same way, its mail is bounced (5xx) or deferred and retried (4xx).',
    verifying: 'The same: TLS was never reached.',
    remediation: {
      summary: 'Read the reply: if our address is blocked, get it removed or test from the real mail server; if everyone is refused, the server must be fixed.',
      steps: [
        'Check our source address against the block lists named in the reply and follow their removal procedure.',
        'Make sure the sending address has reverse DNS (PTR) that resolves back to it.',
        'Test from the mail server that really sends to this domain: workstation and cloud addresses are often refused where the mail server is accepted.',
        'If the reply is a 421 to every client, the server is overloaded or in maintenance; retry later.',
      ],
    },
    refs: ['RFC 5321 §3.1', 'RFC 5321 §4.2.3'],
  },
  {
    id: 'smtp.banner-masked',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'banner'],
    title: '{host}’s greeting is masked by asterisks: an SMTP-inspecting firewall',
    detail:
      'The greeting was {banner}: its text has been replaced by asterisks. Cisco ASA/PIX firewalls do this when ESMTP inspection is on ' +
      '(“inspect esmtp”, formerly “fixup smtp”). The same inspection by default also removes STARTTLS from the EHLO reply, and it can drop ' +
      'or alter other SMTP commands.',
    opportunistic: 'Delivers; if the firewall also removed STARTTLS (see starttls.masked), the message crosses in clear text.',
    verifying:
      'If STARTTLS was removed, it cannot deliver and bounces when its queue lifetime ends; if STARTTLS still gets through, the masked greeting alone does no harm.',
    remediation: {
      summary: 'Turn off ESMTP inspection for the mail server on the firewall.',
      steps: [
        'Cisco ASA: `policy-map global_policy`, `class inspection_default`, `no inspect esmtp`, then save the configuration.',
        'Cisco PIX: `no fixup protocol smtp 25`.',
        'If inspection must stay on, use an ESMTP inspection policy map whose parameters include `allow-tls` (and `no mask-banner`) instead of the default map.',
        'Other firewalls: disable the SMTP proxy or inspection feature for the mail server’s port 25, then retest.',
      ],
    },
    refs: ['Cisco ASA Series Firewall CLI Configuration Guide: SMTP and Extended SMTP Inspection'],
  },
  {
    id: 'smtp.rate-limited',
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'reply'],
    title: '{host} is limiting connections (test inconclusive): {reply}',
    detail:
      'The server answered {reply}: it is refusing or deferring us for now (too many connections from our address, or overload). ' +
      'Nothing can be concluded about TLS from this connection.',
    opportunistic: 'Defers and retries later; mail is delayed, not lost.',
    verifying: 'The same.',
    remediation: {
      summary: 'Wait and retest; if it persists, ask the server’s operator about their limits.',
      steps: [
        'Retest later, with fewer tests against this domain at the same time.',
        'If the real mail server gets the same reply, send the domain’s postmaster the exact reply and our sending address.',
      ],
    },
    refs: ['RFC 5321 §4.2.3', 'RFC 3463'],
  },
  {
    id: 'smtp.esmtp-unsupported',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'reply'],
    title: '{host} does not support ESMTP, so STARTTLS is impossible',
    detail:
      'The server answered EHLO with {reply} and accepts only HELO. STARTTLS is an ESMTP extension: without EHLO there is no way to start TLS, ' +
      'and all mail to this server travels in clear text. This is typical of very old software, some appliances, and firewalls that filter EHLO.',
    opportunistic: 'Falls back to HELO and delivers in clear text.',
    verifying: VERIFYING_NO_STARTTLS,
    remediation: {
      summary: 'Enable ESMTP (EHLO) on the server, or replace the software or device that blocks it.',
      steps: [
        'Send EHLO by hand, from outside and from inside the server’s network, to find out whether the server or a device in front of it answers.',
        'Remove any firewall SMTP inspection that filters EHLO.',
        'Upgrade or replace mail software that does not support EHLO.',
      ],
    },
    refs: ['RFC 5321 §4.1.1.1', 'RFC 3207'],
  },
  {
    id: 'smtp.ehlo-rejected',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'reply'],
    title: '{host} refused our EHLO: {reply}',
    detail:
      'The server answered EHLO with {reply}. This is a refusal (of our address or of the name we announced), not a lack of ESMTP support. ' +
      'Without an accepted EHLO there is no STARTTLS, so TLS could not be tested.',
    opportunistic: 'A sender refused this way cannot deliver: a 5xx reply bounces the message, a 4xx reply means retrying later.',
    verifying: 'The same: TLS was never reached.',
    remediation: {
      summary: 'Read the reply: usually our address or our EHLO name is refused.',
      steps: [
        'Look for the reason in the reply: a block list, missing reverse DNS, or an EHLO name that does not resolve.',
        'Test from the real sending mail server, whose EHLO name should be a resolvable host name matching its reverse DNS.',
        'If the server refuses every client’s EHLO, its operator must correct its EHLO restrictions.',
      ],
    },
    refs: ['RFC 5321 §4.1.1.1', 'RFC 5321 §4.1.4'],
  },
  {
    id: 'smtp.protocol-error',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'detail'],
    title: '{host} broke the SMTP protocol: {detail}',
    detail:
      'The server’s replies did not follow SMTP ({detail}): malformed reply lines, lines or replies beyond the protocol’s limits, or line ends without CR. ' +
      'Strict senders abort such sessions. Usual culprits are broken proxies, SMTP-inspecting firewalls, and home-grown servers.',
    opportunistic: 'Depends on the fault: tolerant senders may deliver; strict ones drop the connection and retry, so mail is delayed and may bounce in the end.',
    verifying: 'The same.',
    remediation: {
      summary: 'Find which program or device produces the malformed replies, and fix or bypass it.',
      steps: [
        'Capture a session by hand (`openssl s_client -starttls smtp -crlf -connect <address>:25`, or plain `nc`) and look at the raw replies.',
        'Test the mail server directly from inside its network, bypassing firewalls and proxies, to find which component alters the replies.',
        'Update or replace the component at fault.',
      ],
    },
    refs: ['RFC 5321 §2.3.8', 'RFC 5321 §4.2', 'RFC 5321 §4.5.3.1'],
  },
  {
    id: 'smtp.io-timeout',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'command', 'timeoutMs'],
    title: '{host} stopped answering after {command}',
    detail:
      'After we sent {command}, no complete reply arrived within {timeoutMs} ms. The server may be stalled or deliberately slow, or something in the ' +
      'path is holding the session: often an SMTP-inspecting firewall, or a path MTU problem that stops larger packets (the TLS handshake, a long reply).',
    opportunistic:
      'Waits its own, longer timeout (Postfix allows 300 s for most replies), then drops the connection and retries; if the stall is at STARTTLS, ' +
      'the retry may be made in clear text.',
    verifying:
      'Drops the connection and retries; if the stall is at STARTTLS or in the handshake, it cannot deliver. ' + UNTIL_BOUNCE,
    remediation: {
      summary: 'Retest with a longer timeout; if it still stalls, look for a device in the path or a path MTU problem.',
      steps: [
        'Retest with a longer --timeout.',
        'If the stall comes right after STARTTLS or with a large reply, check for path MTU problems (ICMP “fragmentation needed” being blocked) ' +
        'between the networks.',
        'Check the server’s log for the session: did it receive {command}, and what did it do?',
      ],
    },
    refs: ['RFC 5321 §4.5.3.2'],
  },
  {
    id: 'smtp.banner-delayed',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'ms'],
    title: '{host} took {ms} ms to greet',
    detail:
      'The greeting arrived after {ms} ms. Delaying the greeting is a common anti-spam measure, and real senders wait up to 5 minutes for it; ' +
      'but it slows every delivery, and impatient clients may give up. An unintended delay is often slow DNS lookups of the connecting client.',
    opportunistic: 'Waits and delivers normally; every delivery takes that much longer.',
    verifying: 'The same.',
    remediation: {
      summary: 'Nothing to fix if the delay is deliberate.',
      steps: [
        'If it is not deliberate, check the server’s load and its lookups for connecting clients: reverse DNS, block-list queries, ident (RFC 1413) lookups.',
      ],
      exim: ['Check for ident lookups (rfc1413_hosts) and for `delay` in the connect ACL.'],
    },
    refs: ['RFC 5321 §4.5.3.2.1'],
  },
  {
    id: 'smtp.auth-before-tls',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'mechanisms'],
    title: '{host} offers password login (AUTH {mechanisms}) before TLS',
    detail:
      'The server advertises AUTH {mechanisms} on the unencrypted connection. With PLAIN or LOGIN, a client that logs in now sends its user name and ' +
      'password in clear text (base64 is an encoding, not encryption). Server-to-server mail does not use AUTH, but mail clients, scanners and ' +
      'applications that submit mail through this server may.',
    opportunistic: 'Not affected: servers relaying mail to this one do not log in.',
    verifying: 'Not affected.',
    remediation: {
      summary: 'Offer AUTH only after STARTTLS, and preferably only on the submission ports.',
      steps: [
        'Configure the server to advertise AUTH only on encrypted connections, and preferably only on ports 587/465 rather than on port 25.',
      ],
      exchange: [
        'On the receive connector used for client submission: `Set-ReceiveConnector <name> -AuthMechanism "Tls, BasicAuth, BasicAuthRequireTLS"`. ' +
          'The internet-facing connector on port 25 normally needs no Basic authentication at all.',
      ],
      postfix: [
        'Set `smtpd_tls_auth_only = yes` in main.cf, or leave SASL off for port 25 (`smtpd_sasl_auth_enable = no`) and enable it only for the ' +
        'submission service in master.cf; then `postfix reload`.',
      ],
      exim: ['In each authenticator, advertise only under TLS: `server_advertise_condition = ${if eq{$tls_in_cipher}{}{}{*}}`.'],
    },
    refs: ['RFC 4954', 'RFC 8314'],
  },
  {
    id: 'smtp.envelope-rejected',
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'command', 'reply'],
    title: '{host} refused {command}: {reply}',
    detail:
      'During the envelope test the server refused {command} with {reply}. The reason is in the reply: an unknown recipient, a sender address or ' +
      'domain it does not accept, a policy (SPF, block list), or relaying denied.',
    opportunistic: 'A real message with the same envelope would be refused the same way: a 5xx reply bounces it, a 4xx reply means retrying later.',
    verifying: 'The same.',
    remediation: {
      summary: 'Use a valid recipient and a sender address the server accepts, or resolve the policy the reply names.',
      steps: [
        'Check that the recipient given with --rcpt exists at the domain.',
        'Use a --from address whose domain is real and, if the server checks SPF, for which our address is allowed to send.',
        'If the reply names a block list or policy, take it up with the server’s operator.',
      ],
    },
    refs: ['RFC 5321 §3.3', 'RFC 5321 §4.2'],
  },
  {
    id: 'smtp.greylisted',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'command', 'reply'],
    title: '{host} greylisted {command}, retry later: {reply}',
    detail:
      'The server temporarily refused {command} with {reply}: greylisting. It turns away an unknown combination of sender, recipient and client ' +
      'address once and accepts it on a later retry. The envelope test is inconclusive; this is not an error.',
    opportunistic: 'Retries after a few minutes and delivers; the first message from a new sender is delayed.',
    verifying: 'The same.',
    remediation: {
      summary: 'Nothing to fix; retest in a few minutes for a complete result.',
      steps: ['Run the test again after 5 to 15 minutes with the same --from and --rcpt.'],
    },
    refs: ['RFC 6647'],
  },

  // ----- Host level: STARTTLS -----------------------------------------------------------------
  {
    id: 'starttls.not-offered',
    severity: 'critical',
    actor: 'them',
    facts: ['host'],
    title: '{host} does not offer STARTTLS',
    detail:
      'The server’s EHLO reply has no STARTTLS: it cannot encrypt, and every message to it crosses the internet in clear text. ' +
      'Usually TLS was never configured, or the certificate setup is broken so that the mail server turned TLS off; sometimes a device in the path ' +
      'removes the keyword.',
    opportunistic: 'Delivers in clear text, without telling anyone.',
    verifying: VERIFYING_NO_STARTTLS,
    remediation: {
      summary: 'Install a certificate for the MX host name and enable STARTTLS on port 25.',
      steps: [
        'Obtain a certificate for the MX host name from a public CA (Let’s Encrypt or any other).',
        'Enable STARTTLS on the receiving side (per MTA below) and retest.',
        'If the server is configured for TLS and still does not offer it, test from inside its network: a firewall or proxy may be removing STARTTLS.',
      ],
      exchange: [
        'Exchange offers STARTTLS when a valid certificate enabled for SMTP matches the receive connector’s FQDN. ' + CHECK_CERT_EXCHANGE,
        'Bind the certificate: `Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP`.',
        'Check that the connector allows TLS (`Get-ReceiveConnector | Format-List Name,Fqdn,AuthMechanism`: AuthMechanism must include Tls) and look ' +
        'for event ID 12014 in the Application log.',
      ],
      postfix: [
        'Set `smtpd_tls_security_level = may` (never `encrypt` on a public MX) and configure the certificate. ' + PLACE_CERT_POSTFIX,
        'Look in the mail log for warnings about loading the key or certificate, and “TLS library problem” lines.',
      ],
      exim: [
        'Set `tls_advertise_hosts = *` and the certificate files. ' + PLACE_CERT_EXIM,
        'On Debian, also set `MAIN_TLS_ENABLE = yes` in a local macros file (e.g. /etc/exim4/exim4.conf.localmacros) and run update-exim4.conf.',
      ],
    },
    refs: ['RFC 3207', 'RFC 7435'],
  },
  {
    id: 'starttls.masked',
    severity: 'critical',
    actor: 'either',
    facts: ['host', 'keyword'],
    title: 'STARTTLS on {host} is hidden by a firewall ({keyword})',
    detail:
      'The EHLO reply lists {keyword} where STARTTLS should be: an SMTP-inspecting firewall has overwritten the keyword so that clients do not start TLS ' +
      '(Cisco ASA/PIX ESMTP inspection turns STARTTLS into “XXXXXXXA”). The mail server itself is probably set up for TLS; the firewall prevents its use. ' +
      'If the firewall is ours (inspecting outbound SMTP), the fix is ours.',
    opportunistic: 'Sees no STARTTLS and delivers in clear text.',
    verifying: VERIFYING_NO_STARTTLS,
    remediation: {
      summary: 'Disable ESMTP inspection (or allow TLS in it) on the firewall in front of the server, or on our own firewall if it is the one masking.',
      steps: [
        'Find out whose firewall it is: test from another network. If STARTTLS appears there, our own outbound firewall is masking it.',
        'Cisco ASA: `policy-map global_policy`, `class inspection_default`, `no inspect esmtp`; or use an ESMTP inspection policy map whose parameters ' +
        'include `allow-tls`.',
        'Cisco PIX: `no fixup protocol smtp 25`.',
        'Other firewalls: disable the SMTP inspection or proxy feature for port 25, then retest.',
      ],
    },
    refs: ['RFC 3207', 'Cisco ASA Series Firewall CLI Configuration Guide: SMTP and Extended SMTP Inspection'],
  },
  {
    id: 'starttls.rejected',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'reply'],
    title: '{host} offers STARTTLS but refuses it: {reply}',
    detail:
      'The server advertises STARTTLS, but answered the command with {reply} instead of 220. The usual cause is a TLS setup the server cannot load: ' +
      'no certificate configured, a private key that is unreadable or does not match, or a file missing after a renewal. ' +
      'Postfix, for example, answers “454 4.7.0 TLS not available due to local problem” in that case.',
    opportunistic:
      "Continues without TLS and delivers in clear text (Postfix at 'may' carries on over the same connection; Exim and Exchange also end up sending in clear).",
    verifying:
      "Cannot deliver. Postfix at 'encrypt' or above defers with 'TLS is required, but host … refused to start TLS: {reply}'; " +
      "Exim with hosts_require_tls logs 'a TLS session is required, but an attempt to start TLS failed'; an Exchange connector with TLS forced cannot " +
      "deliver either. " +
      UNTIL_BOUNCE,
    remediation: {
      summary: 'Repair the server’s certificate and key configuration so that STARTTLS works.',
      steps: [
        'Read the server’s log at the time of the test for the TLS error (key or certificate not loaded, file permissions).',
        'Check that the certificate and key exist, belong together and are readable by the mail server: ' +
          '`openssl x509 -noout -pubkey -in cert.pem` and `openssl pkey -pubout -in key.pem` must print the same key.',
      ],
      exchange: [
        '`Get-ExchangeCertificate | Format-List Thumbprint,CertificateDomains,Services,HasPrivateKey,NotAfter,Status`: the SMTP certificate must have ' +
        'its private key and Status Valid.',
        'Bind it again with `Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP` and restart the transport services.',
      ],
      postfix: [
        'Look in the mail log for warnings about loading the private key or certificate, and “TLS library problem” lines.',
        'Check `postconf smtpd_tls_chain_files smtpd_tls_cert_file smtpd_tls_key_file` and the files’ permissions, then `postfix reload`.',
      ],
      exim: ['Check the panic and main logs for TLS errors; the files in tls_certificate and tls_privatekey must exist and be readable by the Exim user.'],
    },
    refs: ['RFC 3207 §4'],
  },
  {
    id: 'starttls.readvertised',
    severity: 'warning',
    actor: 'them',
    facts: ['host'],
    title: '{host} offers STARTTLS again inside TLS',
    detail:
      'After the TLS handshake, the server’s new EHLO reply still lists STARTTLS, which RFC 3207 §4.2 forbids. Most senders do not care, but it points to ' +
      'a broken server or to a proxy that answers EHLO itself, and a strict client may try STARTTLS a second time and fail.',
    opportunistic: 'Ignores it and delivers over TLS.',
    verifying: 'Almost always ignores it and delivers over TLS.',
    remediation: {
      summary: 'Fix the server, or the proxy in front of it, so that STARTTLS is not advertised once TLS is active.',
      steps: ['Find which component answers EHLO after TLS (mail server, load balancer, TLS-terminating proxy) and update or reconfigure it.'],
    },
    refs: ['RFC 3207 §4.2'],
  },
  {
    id: 'starttls.injection',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'bytes'],
    title: '{host} sent {bytes} unexpected bytes before the TLS handshake',
    detail:
      'After its 220 reply to STARTTLS, and before the TLS handshake, the server sent {bytes} more bytes in clear text; they were discarded. ' +
      'Nothing may come between that reply and the handshake. Such bytes come from a bug in the server or in a device in the path, or from an attempt ' +
      'to inject replies that a careless client would take as coming from inside TLS (STARTTLS injection, CVE-2011-0411 and the many similar bugs since).',
    opportunistic:
      'Depends on the client: some discard the bytes and carry on; others feed them into the TLS handshake, which then fails, so the message is delayed ' +
      'and may end up delivered in clear text.',
    verifying:
      'If the bytes break its handshake, it cannot deliver. ' + UNTIL_BOUNCE,
    remediation: {
      summary: 'Find which program or device sends data after the STARTTLS reply, and fix or replace it.',
      steps: [
        'Look at the exchange: `openssl s_client -starttls smtp -connect <address>:25 -msg`, or a packet capture, shows what follows the 220.',
        'Test the mail server directly, bypassing proxies, load balancers and firewalls, to find the component that adds the bytes.',
        'Update the mail server software: several MTAs have fixed STARTTLS buffering bugs.',
      ],
    },
    refs: ['RFC 3207 §4.2', 'RFC 3207 §6', 'CVE-2011-0411'],
  },

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

  // ----- Host level: certificate --------------------------------------------------------------
  {
    id: 'cert.expired',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'subject', 'notAfter', 'daysAgo'],
    title: 'The certificate of {host} expired {daysAgo} days ago',
    detail:
      'The server presents the certificate {subject}, valid until {notAfter}: it expired {daysAgo} days ago. Encryption still works, but no client that ' +
      'checks certificates accepts it.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Install a renewed certificate and make the server use it.',
      steps: [
        'Renew the certificate, with automatic renewal where possible (ACME).',
        'Install it with its intermediate certificates, make the mail server use it (per MTA below), and retest: the new expiry date must appear.',
      ],
      exchange: [
        PLACE_CERT_EXCHANGE,
        'Update connectors that name the certificate in TlsCertificateName: `Set-ReceiveConnector <name> -TlsCertificateName "<I>issuer<S>subject"` ' +
        '(Set-SendConnector likewise). In hybrid setups, update the hybrid connectors or re-run the Hybrid Configuration Wizard.',
        'Remove the expired certificate (Remove-ExchangeCertificate) once the new one is in use.',
      ],
      postfix: [PLACE_CERT_POSTFIX + ' Running smtpd processes keep the old certificate until the reload.'],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 5280 §4.1.2.5', 'RFC 3207'],
  },
  {
    id: 'cert.not-yet-valid',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'subject', 'notBefore'],
    title: 'The certificate of {host} is not valid until {notBefore}',
    detail:
      'The certificate {subject} only becomes valid on {notBefore}. Either a certificate issued for later was installed too early, or a clock is wrong ' +
      '(the server’s when the certificate was made, or that of the machine running this test).',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Serve the currently valid certificate until this one becomes valid, or correct the clock.',
      steps: [
        'Check the clock of the machine running this test, and of the server.',
        'If the certificate was installed early, switch back to the current one until {notBefore}.',
      ],
    },
    refs: ['RFC 5280 §4.1.2.5'],
  },
  {
    id: 'cert.expiring-soon',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'subject', 'notAfter', 'daysLeft'],
    title: 'The certificate of {host} expires in {daysLeft} days',
    detail:
      'The certificate {subject} is valid until {notAfter}, {daysLeft} days from now. After that, senders that check certificates stop delivering.',
    opportunistic: 'Not affected, now or after expiry: opportunistic senders do not check the certificate.',
    verifying: 'Delivers now; after {notAfter} it will defer mail and finally bounce it (see cert.expired).',
    remediation: {
      summary: 'Renew the certificate before {notAfter} and make sure the server uses the new one.',
      steps: [
        'Renew now. If renewal is automatic, check that it really runs and that the mail server is reloaded afterwards: a renewed file the server ' +
        'never reads is a common failure.',
      ],
      exchange: [
        'After importing the renewed certificate: `Enable-ExchangeCertificate -Thumbprint <new thumbprint> -Services SMTP`, and update ' +
        'TlsCertificateName on connectors that name the certificate.',
      ],
      postfix: ['Make the renewal hook reload Postfix (with Certbot: `--deploy-hook "postfix reload"`).'],
      exim: [
        'Make the renewal hook put the files where the Exim user can read them (it often cannot read the ACME client’s own directory) and restart Exim.',
      ],
    },
    refs: ['RFC 5280 §4.1.2.5'],
  },
  {
    id: 'cert.self-signed',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'subject'],
    title: '{host} presents a self-signed certificate',
    detail:
      'The certificate {subject} is signed by itself, not by a certificate authority. Encryption works, but clients that check certificates cannot trust it. ' +
      'The certificate Exchange creates at setup is self-signed, as are many appliances’ defaults.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST_DANE,
    remediation: {
      summary: 'Install a certificate from a public CA for the MX host name, or publish a DANE-EE TLSA record for this one (with DNSSEC).',
      steps: [
        'Obtain a certificate from a public CA (e.g. Let’s Encrypt) that names the MX host name.',
        'Install it with its intermediates and make the mail server use it.',
        'If you keep a self-signed certificate on purpose, publish a TLSA record “3 1 1” for it in a DNSSEC-signed zone: DANE senders will then accept it.',
      ],
      exchange: [
        PLACE_CERT_EXCHANGE,
        'Make sure the receive connector’s FQDN is on the new certificate, so that Exchange picks it instead of the self-signed one.',
      ],
      postfix: [PLACE_CERT_POSTFIX],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 5280 §6', 'RFC 7672', 'RFC 8461'],
  },
  {
    id: 'cert.untrusted-root',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'root'],
    title: 'The certificate of {host} chains to an untrusted root: {root}',
    detail:
      'The chain ends at {root}, which is not in the trust store used for this test: a private or internal CA, or one that public trust stores have dropped. ' +
      'If it is your own private CA and you trust it, run the test again with --ca-file pointing at its certificate.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying:
      VERIFYING_CERT_TRUST +
      ' Senders configured to trust this CA explicitly (e.g. Postfix smtp_tls_CAfile, a private partner connector) accept it.',
    remediation: {
      summary: 'Use a certificate from a publicly trusted CA for mail from the internet.',
      steps: [
        'If the root is a private CA: replace the certificate with one from a public CA, or give partners who verify the CA certificate to configure explicitly.',
        'If you trust the CA yourself, rerun the test with --ca-file <root certificate> to check the rest of the chain.',
        'If public trust stores removed the CA, have the certificate reissued by another CA.',
      ],
    },
    refs: ['RFC 5280 §6'],
  },
  {
    id: 'cert.chain-incomplete',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'issuer'],
    title: '{host} does not send its intermediate certificate ({issuer})',
    detail:
      'The server sent its own certificate but not the intermediate certificate that issued it ({issuer}). Browsers often fetch missing intermediates ' +
      'themselves; mail servers do not, so they cannot build the chain to a trusted root.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST + " (OpenSSL names the cause 'unable to get local issuer certificate'.)",
    remediation: {
      summary: 'Make the server send the intermediate certificate(s) after its own.',
      steps: [
        'Get the intermediate certificate from the CA; it normally comes in the bundle delivered with the certificate.',
        'Install it as described for the MTA below and retest: the chain must be complete.',
      ],
      exchange: [
        'Import the intermediate into the computer’s “Intermediate Certification Authorities” store (certlm.msc) on every Exchange server that ' +
        'receives internet mail; Exchange sends the chain it builds from the computer’s stores.',
        'Restart the transport services (MSExchangeFrontEndTransport, MSExchangeTransport) and retest.',
      ],
      postfix: [
        'Put the server certificate followed by the intermediates in one file. With smtpd_tls_chain_files (Postfix 3.4 and later) the private key ' +
        'comes first, then the server certificate, then the intermediates; with smtpd_tls_cert_file, the server certificate then the intermediates. ' +
        'Then `postfix reload`.',
        'With Let’s Encrypt, use fullchain.pem, not cert.pem.',
      ],
      exim: ['Point tls_certificate at a file holding the server certificate followed by the intermediates (Let’s Encrypt: fullchain.pem), then restart Exim.'],
    },
    refs: ['RFC 5246 §7.4.2', 'RFC 8446 §4.4.2'],
  },
  {
    id: 'cert.bad-signature',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'subject'],
    title: 'A signature in the certificate chain of {host} does not verify',
    detail:
      'The signature on {subject} does not verify with its issuer’s key. The chain is mismatched or damaged: most often a wrong intermediate ' +
      '(from another CA, or from an older generation of the same CA) is served with the certificate.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Serve the intermediate certificate that really issued the server’s certificate.',
      steps: [
        'Download the correct chain for this certificate from the CA and replace the intermediates in the server’s chain file or certificate store.',
        'Check with `openssl verify -untrusted intermediates.pem server.pem`.',
      ],
    },
    refs: ['RFC 5280 §6'],
  },
  {
    id: 'cert.name-mismatch',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'name', 'certNames'],
    title: 'The certificate of {host} does not name {name}',
    detail:
      'The MX host name is {name}, but the certificate is valid for {certNames}. Names were checked by the rules of RFC 6125: DNS names in subjectAltName ' +
      'count, and a wildcard covers exactly one label (*.example.com covers mx.example.com, not example.com or a.mx.example.com).',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying:
      "Rejects the certificate. Postfix at 'verify' or 'secure' checks the name inside certificate verification (it logs 'server certificate " +
      "verification failed … num=62:hostname mismatch') and defers with 'Server certificate not trusted'; senders honouring an MTA-STS policy in enforce " +
      'mode do not deliver; an Exchange connector with DomainValidation refuses it when its TlsDomain is this host. ' +
      UNTIL_BOUNCE +
      ' DANE senders with a DANE-EE (3 x x) TLSA record do not check the name.',
    remediation: {
      summary: 'Get a certificate that names {name} in subjectAltName, or point the MX record at a name the certificate carries.',
      steps: [
        'Have the certificate reissued with {name} in its subjectAltName (a certificate can carry several names).',
        'Or change the MX record to a host name the certificate already carries.',
        'Install the certificate, make the mail server use it, and retest.',
      ],
      exchange: [
        'Request the certificate with the MX host name among its names (`New-ExchangeCertificate -GenerateRequest -DomainName <names>`), complete it ' +
        'with Import-ExchangeCertificate, then `Enable-ExchangeCertificate -Services SMTP`; the receive connector’s FQDN should be one of its names.',
      ],
      postfix: [PLACE_CERT_POSTFIX],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 6125 §6.4', 'RFC 7817', 'RFC 8461 §4.1'],
  },
  {
    id: 'cert.domain-mismatch',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'domain', 'certNames'],
    title: 'The certificate of {host} does not name the mail domain {domain}',
    detail:
      'The certificate is valid for {certNames}, but does not name the mail domain {domain} itself. That is normal: the certificate must name the MX ' +
      "host, not the domain. It can matter only for a sender using Postfix's 'secure' level with the default smtp_tls_secure_cert_match = nexthop, dot-nexthop, " +
      'which accepts only the domain itself or names under it.',
    opportunistic: 'Not affected.',
    verifying:
      "MTA-STS and DANE do not need it, and Exchange checks only the name its administrator set as TlsDomain. A Postfix sender at 'secure' with the " +
      "default match accepts the certificate only if one of its names is " +
      "{domain} or lies under it (e.g. mx.{domain}); otherwise it defers with 'Server certificate not verified', unless its TLS policy lists the MX " +
      "host name to match.",
    remediation: {
      summary: "Usually nothing to do; if a partner uses Postfix 'secure', add {domain} to the certificate or have the partner match the MX host name.",
      steps: [
        'If a partner needs it, add {domain} to the certificate’s subjectAltName.',
        'Alternatively the partner adds a line `{domain} secure match=<mx host name>` to its smtp_tls_policy_maps table.',
      ],
      postfix: [
        'On the sending side: an smtp_tls_policy_maps entry such as `example.com secure match=mx1.example.net:mx2.example.net` ' +
          '(names separated by colons), then `postmap` the table and `postfix reload`.',
      ],
    },
    refs: ['Postfix TLS_README: Secure server certificate verification', 'RFC 7817'],
  },
  {
    id: 'cert.ehlo-name-mismatch',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'announced', 'certNames'],
    title: '{host} announces itself as {announced}, a name not on its certificate',
    detail:
      'The server calls itself {announced} in its greeting or EHLO reply, but its certificate is valid for {certNames}. On Exchange this usually means ' +
      'the intended certificate is not the one in use: Exchange picks the certificate that matches the receive connector’s FQDN, and when none does it logs ' +
      'event ID 12014 (no certificate found for the FQDN) and uses another certificate or none. Exchange Online hybrid connectors check the on-premises ' +
      'certificate against a configured name, so there a mismatch stops hybrid mail flow.',
    opportunistic: 'Not affected: the announced name is not checked.',
    verifying:
      'Not affected as long as the certificate matches the MX host name (checked separately); connectors that validate against the announced name or a fixed ' +
      'certificate name (Exchange hybrid) may refuse it.',
    remediation: {
      summary: 'Make the announced name and the certificate agree: announce a name that is on the certificate, or add the name to the certificate.',
      steps: ['Decide which name the server announces (normally its MX host name) and make sure the certificate carries it.'],
      exchange: [
        '`Get-ReceiveConnector | Format-Table Name,Fqdn,TlsCertificateName` and ' +
          CHECK_CERT_EXCHANGE +
          ' The connector’s FQDN must be among the CertificateDomains of a certificate enabled for SMTP.',
        'Fix with `Set-ReceiveConnector <name> -Fqdn <name on the certificate>`, or enable a certificate that carries the FQDN ' +
        '(`Enable-ExchangeCertificate -Services SMTP`); ' +
          'to pin it, `Set-ReceiveConnector <name> -TlsCertificateName "<I>issuer<S>subject"`.',
        'Look for event ID 12014 in the Application log.',
      ],
      postfix: ['The announced name comes from myhostname (used in smtpd_banner and the EHLO reply): set it to a name on the certificate.'],
      exim: ['The announced name comes from primary_hostname (and smtp_banner): set it to a name on the certificate.'],
    },
    refs: ['RFC 5321 §4.1.1.1', 'RFC 6125'],
  },
  {
    id: 'cert.sni-dependent',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'withSni', 'withoutSni'],
    title: '{host} presents a different certificate without SNI',
    detail:
      'Asked with SNI (the MX host name), the server presents {withSni}; without SNI it presents {withoutSni}. Postfix sends no SNI unless ' +
      'smtp_tls_servername is set, Exim sends none by default (tls_sni unset), and many other senders send none either, so most senders get the second certificate.',
    opportunistic: 'Not affected: it encrypts and delivers whichever certificate it gets.',
    verifying:
      'Judges the certificate it gets without SNI ({withoutSni}); if that one fails the checks, it defers and eventually bounces the mail even though ' +
      'a test with SNI looks fine.',
    remediation: {
      summary: 'Make the certificate served without SNI the right one for the MX host name.',
      steps: ['Make the MX certificate the server’s default (no-SNI) certificate, and use SNI only for additional names; then retest.'],
      postfix: ['The default certificate is the one in smtpd_tls_chain_files (or smtpd_tls_cert_file); tls_server_sni_maps only adds certificates for other names.'],
      exim: ['If tls_certificate is an expansion on $tls_in_sni, make its default branch (no SNI) return the MX certificate.'],
    },
    refs: ['RFC 6066 §3'],
  },
  {
    id: 'cert.weak-signature',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'algorithm', 'subject'],
    title: 'The certificate chain of {host} uses a weak signature ({algorithm})',
    detail:
      '{subject} is signed with {algorithm}. SHA-1 and MD5 signatures can be forged, and current TLS libraries reject them when they check certificates ' +
      '(OpenSSL 3 at its default security level; RHEL 9’s default crypto policy). This concerns the server certificate and intermediates; ' +
      'a root certificate’s own signature does not matter.',
    opportunistic: OPPORTUNISTIC_CERT,
    verifying: VERIFYING_CERT_TRUST,
    remediation: {
      summary: 'Have the certificate (and its intermediates) reissued with SHA-256 or stronger.',
      steps: [
        'Have the CA reissue the certificate; public CAs sign with SHA-256 or stronger today.',
        'If an intermediate is the weak one, replace the chain with the CA’s current intermediates.',
      ],
    },
    refs: ['RFC 9155', 'RFC 6151', 'RFC 5280'],
  },
  {
    id: 'cert.weak-key',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'bits'],
    title: 'The certificate of {host} has a weak {bits}-bit RSA key',
    detail:
      'The certificate’s RSA key has {bits} bits. OpenSSL at security level 2, the default on Debian 12, RHEL 9 and current Ubuntu, requires at least ' +
      '2048 bits: tools and senders that verify at that level refuse the certificate, and some TLS stacks refuse such a key even without checking it.',
    opportunistic:
      'Most opportunistic senders still encrypt and deliver; a sender whose TLS library refuses the key outright fails the handshake and then falls ' +
      'back to plain text, as after any failed handshake.',
    verifying:
      "Depends on the sender's TLS library level. Postfix at 'verify' and 'secure' sets OpenSSL security level 1 and still accepts a 1024-bit key " +
      "(measured: Postfix 3.7 logs 'Verified TLS connection established'); senders and tools that verify at OpenSSL's default level 2 (many " +
      'OpenSSL-based MTAs and scanners, MTA-STS implementations on current distributions) reject the certificate and do not deliver. ' +
      UNTIL_BOUNCE,
    remediation: {
      summary: 'Have the certificate reissued with an RSA key of at least 2048 bits, or an ECDSA P-256 key.',
      steps: [
        'Make a new key and request, e.g. `openssl req -new -newkey rsa:2048 -nodes -keyout mx.key -out mx.csr -subj "/CN=<mx host name>"`, have the ' +
        'CA issue the certificate, and install key and chain.',
      ],
      exchange: [
        'Create the request with a 2048-bit (or larger) key: `New-ExchangeCertificate -GenerateRequest -KeySize 2048 -SubjectName "CN=<mx host name>" ' +
        '-DomainName <mx host name>`, complete it with Import-ExchangeCertificate, then `Enable-ExchangeCertificate -Services SMTP`.',
      ],
      postfix: [PLACE_CERT_POSTFIX],
      exim: [PLACE_CERT_EXIM],
    },
    refs: ['RFC 9325', 'NIST SP 800-131A'],
  },
  {
    id: 'cert.thumbprint-mismatch',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'expected', 'actual'],
    title: '{host} serves a different certificate than expected',
    detail:
      'The certificate in use has thumbprint {actual}, not the expected {expected}. Typically a renewed certificate was installed but never put into use, ' +
      'so the server still presents the old one, which is often close to expiry or already expired.',
    opportunistic: 'Not affected by which certificate it gets, as long as TLS works.',
    verifying: 'Judges the certificate actually served ({actual}); if that one is expired or wrongly named, it defers and eventually bounces.',
    remediation: {
      summary: 'Put the certificate with thumbprint {expected} into use on every server behind this name.',
      steps: [
        'Check which certificate the server is configured to use, and that every server behind the MX name (all cluster or load-balancer members) was updated.',
        'Retest and compare the thumbprint with {expected}.',
      ],
      exchange: [
        'On every server that receives internet mail: `Enable-ExchangeCertificate -Thumbprint <expected thumbprint> -Services SMTP`.',
        'Update connectors that pin the old certificate (`Get-ReceiveConnector | Format-Table Name,TlsCertificateName`, likewise Get-SendConnector): ' +
        '`Set-ReceiveConnector <name> -TlsCertificateName "<I>issuer<S>subject"`. In hybrid setups, update the hybrid connectors or re-run the Hybrid ' +
        'Configuration Wizard.',
      ],
      postfix: [
        'Check that the files in smtpd_tls_chain_files (or smtpd_tls_cert_file) are the new ones, then `postfix reload`; ' +
          'running smtpd processes keep the old certificate until then.',
      ],
      exim: ['Check that tls_certificate names the new file, then restart Exim.'],
    },
    refs: ['RFC 3207'],
  },
  {
    id: 'cert.ok',
    severity: 'ok',
    actor: 'them',
    facts: ['host', 'subject', 'issuer', 'notAfter'],
    title: 'The certificate of {host} is valid: {subject}',
    detail: '{subject}, issued by {issuer} and valid until {notAfter}, names the MX host and chains to a trusted root.',
    opportunistic: 'Encrypts and delivers.',
    verifying: 'Accepts the certificate and delivers over TLS.',
    remediation: NOTHING_TO_DO,
    refs: ['RFC 5280', 'RFC 6125'],
  },

  // ----- Host level: policy -------------------------------------------------------------------
  {
    id: 'policy.requires-tls',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'stage', 'reply'],
    title: '{host} refuses mail without TLS (at {stage}): {reply}',
    detail:
      'Without STARTTLS, the server refused the envelope at {stage} with {reply}: it enforces TLS. Senders that use TLS are unaffected; a sender without ' +
      'TLS is refused. Note that RFC 3207 §4 says a publicly referenced SMTP server must not require TLS for local delivery: an MX that refuses clear text ' +
      'loses mail from the few senders without TLS.',
    opportunistic: 'Uses STARTTLS, since it is offered, and delivers over TLS; only a sender with TLS off or broken is refused.',
    verifying: 'Delivers over TLS.',
    remediation: {
      summary: 'Nothing to fix for TLS; enforcing it is a deliberate choice.',
      steps: [
        'Keep it if losing mail from senders without TLS is acceptable; otherwise accept clear text on the public MX and enforce TLS per partner instead.',
      ],
      exchange: ['Enforced by `Set-ReceiveConnector <name> -RequireTLS $true`; the default is $false.'],
      postfix: ['Enforced by `smtpd_tls_security_level = encrypt`; the usual setting for a public MX is `may`.'],
      exim: ['Usually enforced by an ACL statement such as `deny !encrypted = *` in acl_smtp_mail or acl_smtp_rcpt.'],
    },
    refs: ['RFC 3207 §4', 'RFC 8461'],
  },
  {
    id: 'policy.cleartext-accepted',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'stage'],
    title: '{host} accepts mail without TLS (tested up to {stage})',
    detail:
      'Without STARTTLS, the server accepted the envelope up to {stage}. This is normal for a public MX with opportunistic TLS: TLS is used when the ' +
      'sender supports it, but not enforced.',
    opportunistic: 'Uses TLS, since the server offers it; a sender without TLS is accepted too.',
    verifying: 'Uses TLS; that the server also accepts clear text does not matter to it.',
    remediation: {
      summary: 'Nothing to fix for a public MX; to guarantee TLS with a partner, enforce it for that partner.',
      steps: [
        'To protect mail with a specific partner, enforce TLS for its domain on the sending side and ask the partner to do the same; MTA-STS or DANE ' +
        'do this for every sender that supports them.',
      ],
      exchange: [
        'Sending: a send connector for the partner’s domain with `-RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain <name>`; in Exchange ' +
        'Online, an outbound connector with `-TlsSettings DomainValidation -TlsDomain <name>`.',
        'Receiving: a receive connector limited to the partner’s addresses with `-RequireTLS $true`; in Exchange Online, a partner inbound connector ' +
        'with `-RequireTls $true`.',
      ],
      postfix: [
        'Sending: `smtp_tls_policy_maps = hash:/etc/postfix/tls_policy` with a line such as `partner.example secure` (or `encrypt`), then `postmap ' +
        '/etc/postfix/tls_policy` and `postfix reload`.',
      ],
      exim: [
        'Sending: list the partner’s MX hosts in hosts_require_tls (and tls_verify_hosts) on the smtp transport, ' +
          'or give the partner its own router and transport.',
      ],
    },
    refs: ['RFC 3207 §4', 'RFC 7435', 'RFC 8461', 'RFC 7672'],
  },
  {
    id: 'dns.error',
    severity: 'error',
    actor: 'either',
    facts: ['domain', 'resolver', 'error'],
    title: 'DNS lookups for {domain} failed ({error})',
    detail:
      'The resolver ({resolver}) did not give a usable answer for {domain}: {error}. Without an answer nothing could be tested, so the result is ' +
      'inconclusive. A REFUSED answer usually means the resolver does not serve us (wrong --resolver, or a resolver that only answers its own network).',
    opportunistic: 'A sender whose own resolver fails the same way defers the message and retries; the domain itself may be fine.',
    verifying: 'The same: without an answer no sender can deliver, whatever its TLS policy.',
    remediation: {
      summary: 'Check the resolver first: query a domain known to work through it, then retest.',
      steps: [
        'Ask the same resolver ({resolver}) for a domain known to work, e.g. `dig @<resolver> MX example.org`; if that fails too, the problem is the resolver or the path to it.',
        'Retest with another resolver (--resolver) to tell our side from theirs.',
      ],
    },
    refs: ['RFC 1035 §4.1.1'],
  },
  {
    id: 'net.no-route',
    severity: 'error',
    actor: 'us',
    facts: ['host', 'error'],
    title: 'No route from here to {host} ({error})',
    detail:
      'Our own network stack refused to even try the connection to {host} ({error}): this machine has no route to that address. The usual cause is an IPv6 ' +
      'address tested from a network without IPv6; it says nothing about the server, so the result for this address is inconclusive.',
    opportunistic: 'Not affected by this test: senders with a route deliver as usual; senders without one use the domain’s other addresses.',
    verifying: 'Not affected by this test either: the finding is about our network, not the receiver.',
    remediation: {
      summary: 'Test from a network that has a route to this address family, or leave it out with -4 / -6.',
      steps: ['Rerun with -4 to test only IPv4 addresses (or -6 for IPv6 only).', 'Check this machine’s routes (`ip route`, `ip -6 route`) if a route was expected.'],
    },
    refs: ['RFC 6724'],
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
  {
    id: 'mxray.internal-error',
    severity: 'error',
    actor: 'us',
    facts: ['host', 'detail'],
    title: 'mxray failed while testing {host}: a bug in mxray',
    detail:
      'Testing {host} stopped on an unexpected error inside mxray ({detail}). This is our bug, not a problem of the server; the result for this address is inconclusive.',
    opportunistic: 'Unknown: the test did not complete.',
    verifying: 'Unknown: the test did not complete.',
    remediation: {
      summary: 'Report the bug to mxray with the --verbose output; retest with --quick meanwhile.',
      steps: ['Rerun with --verbose (and MXRAY_DEBUG=1 for the stack) and include the output in a bug report.'],
    },
    refs: ['mxray README: exit codes'],
  },
];
