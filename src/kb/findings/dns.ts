// Catalogue entries dns.*: DNS: the MX lookup and the mail hosts' addresses.
import { defineFindings } from '../types.js';

export const DNS_FINDINGS = defineFindings([
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
    inconclusive: true,
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
    inconclusive: true,
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
      summary: 'Publish an MX record naming the real mail server, or a null MX if the domain takes no mail. If {domain} is a mail server rather than a mail domain, test it as one: `mxray check --host {domain}`.',
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
  {
    id: 'dns.error',
    inconclusive: true,
    severity: 'error',
    actor: 'either',
    facts: ['domain', 'resolver', 'error'],
    title: 'DNS lookups for {domain} failed ({error})',
    detail:
      'The resolver ({resolver}) did not give a usable answer for {domain}: {error}. Without an answer nothing could be tested, so the result is ' +
      'inconclusive. A resolver that refuses queries (REFUSED) does not serve us (a wrong --resolver, or one that only answers its own network); ' +
      'where no DNS server answers at all, the address or port of --resolver is wrong or the resolver is down.',
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
]);
