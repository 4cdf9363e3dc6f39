// Catalogue entries dnsbl.*: DNS block lists: an address listed, a list that refused to answer, and what receivers then do.
import { defineFindings } from '../types.js';

const REFS = ['RFC 5782'];

export const DNSBL_FINDINGS = defineFindings([
  {
    id: 'dnsbl.listed',
    severity: 'error',
    actor: 'either',
    facts: ['address', 'source', 'zone', 'list', 'codes', 'meaning', 'reason', 'removal', 'resolver'],
    title: '{address} is listed on {list}: {meaning}',
    detail:
      '{list} ({zone}) answered {codes} for {address} ({source}), asked through the resolver {resolver}: {meaning}. The list says: {reason}. ' +
      'Receivers that consult this list refuse mail from the address, end the session before STARTTLS, or stop offering STARTTLS to it ' +
      '(Exchange Online Protection answers "550 5.7.606 Access denied, banned sending IP"): a test from a listed address reads like ' +
      '"the partner has no TLS" when the truth is "the sender is listed".',
    opportunistic: 'Mail from the address to receivers that use this list is refused, or accepted only without TLS, depending on the receiver.',
    verifying: 'Mail from the address is refused where the list is used; a sender that requires TLS cannot deliver where STARTTLS is hidden from it.',
    remediation: {
      summary: 'Find and stop what got the address listed first (a compromised account or host, an open relay, other machines sending through the same address), then ask for removal: {removal}.',
      steps: [
        'Read why it is listed: {reason}; the list’s lookup page ({removal}) gives the evidence (time, trap hit, type of abuse).',
        'Look for a compromised mailbox (many logins or messages from one account), malware on machines that share the address behind NAT, and an open relay; block outgoing port 25 from everything that is not a mail server.',
        'Only then ask for removal: Spamhaus at check.spamhaus.org, Barracuda with its removal form, PSBL on its web page; SpamCop and UCEPROTECT level 1 expire on their own (about a day, and 7 days) once the abuse stops; a Spamhaus PBL listing (code 10 or 11) means "send through your provider’s smarthost", or remove a static mail server’s address yourself.',
        'Run `mxray blocklist {address}` again after the removal: lists and resolvers cache for minutes to hours.',
      ],
      exchange: [
        '`Get-MessageTrackingLog -Start (Get-Date).AddHours(-24) -EventId RECEIVE | Group-Object Sender | Sort-Object Count -Descending | Select -First 20`: a flood from one sender is a compromised mailbox.',
        'Exchange Online Protection keeps its own list of banned sending addresses (550 5.7.606 to 5.7.649): ask for removal at https://sender.office.com/.',
      ],
      postfix: [
        '`postqueue -p | tail -n 1` and `qshape deferred`: a full queue of mail to strangers is spam leaving through you.',
        '`grep -o "sasl_username=[^ ]*" /var/log/mail.log | sort | uniq -c | sort -rn | head`: an account with thousands of logins is compromised; `postconf smtpd_relay_restrictions` must end in reject_unauth_destination.',
      ],
      exim: [
        '`exim -bp | exiqsumm`: a queue of mail to strangers is spam leaving through you.',
        '`grep -o "A=[^ ]*" /var/log/exim4/mainlog | sort | uniq -c | sort -rn | head`: an authenticator id with thousands of logins is a compromised account; check that relay_from_hosts holds only your own networks.',
      ],
    },
    refs: [...REFS, 'RFC 6471'],
  },
  {
    id: 'dnsbl.query-refused',
    inconclusive: true,
    severity: 'warning',
    actor: 'us',
    facts: ['zone', 'list', 'addresses', 'answer', 'meaning', 'resolver', 'publicResolver'],
    title: '{list} refused to answer through the resolver {resolver}: not known whether {addresses} is listed there',
    detail:
      '{list} ({zone}) answered {answer} for {addresses}: {meaning}. That answer is a refusal, not a listing: it says nothing about the address. ' +
      'Spamhaus answers 127.255.255.254 to queries that come through a public or open resolver (such as Google 8.8.8.8, Cloudflare 1.1.1.1 or Quad9) and ' +
      '127.255.255.255 to too many queries. {publicResolver}',
    opportunistic: 'Not applicable: this is about how mxray asked, not about a mail server.',
    verifying: 'Not applicable.',
    remediation: {
      summary: 'Ask again through your own recursive resolver (`--resolver <its address>`), or through the list’s paid or registered access (Spamhaus DQS).',
      steps: [
        'Run a recursive resolver of your own (unbound, BIND, or the one your mail server already uses) and give it with --resolver; a forwarder to 8.8.8.8 or 1.1.1.1 is refused the same way.',
        'Spamhaus Data Query Service: a free key for low volume; ask `--dnsbl <key>.zen.dq.spamhaus.net`.',
        'If your own mail server queries this list through the same resolver, it gets the same refusal: make sure it reads 127.255.255.x as an error, never as a listing (below), or it may reject every message.',
      ],
      postfix: ['Accept only the list’s listing codes: `reject_rbl_client zen.spamhaus.org=127.0.0.[2..11]` (and in postscreen_dnsbl_sites `zen.spamhaus.org=127.0.0.[2..11]*3`).'],
      exim: ['Ignore the error range: `dnslists = zen.spamhaus.org!&0.255.255.0` (a match only when none of the bits of 0.255.255.0 is set, i.e. 127.0.0.x).'],
      exchange: ['Exchange Server’s IP Block List Providers (Add-IPBlockListProvider) match any answer by default: give -BitmaskMatch or -IPAddressesMatch with the listing codes only.'],
    },
    refs: [...REFS, 'Spamhaus news 788 (DNSBL return codes, 2019)'],
  },
  {
    id: 'dnsbl.lookup-failed',
    inconclusive: true,
    severity: 'warning',
    actor: 'us',
    facts: ['zone', 'list', 'addresses', 'error', 'resolver'],
    title: 'No usable answer from {list} ({zone}) through the resolver {resolver}: {error}',
    detail:
      'Asking {list} about {addresses} through the resolver {resolver} gave no usable answer ({error}). Whether the address is listed there is not known. ' +
      'A time-out or SERVFAIL is often the list’s own servers being slow or refusing unregistered resolvers (Barracuda wants the resolver registered), ' +
      'sometimes a network that blocks DNS.',
    opportunistic: 'Not applicable: this is about how mxray asked, not about a mail server.',
    verifying: 'Not applicable.',
    remediation: {
      summary: 'Ask again (a longer --timeout), through another resolver of your own (--resolver), or look the address up on the list’s web page.',
      steps: [
        'Check the resolver answers at all: `dig @<resolver> 2.0.0.127.{zone} A` must answer 127.0.0.2 (every list lists 127.0.0.2 for testing, RFC 5782 §5).',
        'Barracuda answers only registered resolvers: register yours at barracudacentral.org.',
      ],
    },
    refs: [...REFS],
  },
  {
    id: 'dnsbl.dead-list',
    inconclusive: true,
    severity: 'warning',
    actor: 'either',
    facts: ['zone', 'addresses', 'answer', 'resolver'],
    title: '{zone} answered {answer}, which is no list answer: the zone may be dead and answer every name',
    detail:
      'Asked about {addresses} through the resolver {resolver}, {zone} answered {answer}, an address outside 127.0.0.0/8, where every list answer lies (RFC 5782 §2.3). ' +
      'That is what a list whose domain expired or was parked answers to every name (SpamCop’s domain did so in 2021): the answer is not a listing. ' +
      'A resolver that rewrites NXDOMAIN into an address (advertising "search" pages) does the same.',
    opportunistic: 'A mail server that uses this zone as a block list rejects every message it receives while the zone answers like this.',
    verifying: 'The same.',
    remediation: {
      summary: 'Stop using the zone until its operator says it is alive, and remove it from your own mail servers’ block list settings now.',
      steps: [
        'Check it: `dig @<resolver> 2.0.0.127.{zone} A` must answer 127.0.0.2 and `dig @<resolver> 1.0.0.127.{zone} A` NXDOMAIN (RFC 5782 §5); an answer to both means every name answers.',
        'If only this resolver answers like that, it rewrites NXDOMAIN: use a resolver that does not (--resolver).',
      ],
      postfix: ['Remove the zone from smtpd_recipient_restrictions (reject_rbl_client) and postscreen_dnsbl_sites, then `postfix reload`.'],
      exim: ['Remove the zone from every dnslists condition in the ACLs, then reload Exim.'],
      exchange: ['`Get-IPBlockListProvider` and `Remove-IPBlockListProvider` for the zone.'],
    },
    refs: [...REFS],
  },
  {
    id: 'dnsbl.not-listed',
    severity: 'ok',
    actor: 'either',
    facts: ['address', 'source', 'count', 'zones', 'resolver'],
    title: '{address} is on none of these lists: {zones}',
    detail: '{address} ({source}) is on none of the {count} lists that answered ({zones}), asked through the resolver {resolver}.',
    opportunistic: 'Not refused for a block list listing on these lists.',
    verifying: 'The same.',
    remediation: { summary: 'Nothing to fix on these lists.', steps: [] },
    refs: [...REFS],
  },
  {
    id: 'dnsbl.public-resolver',
    severity: 'info',
    actor: 'us',
    facts: ['resolver', 'operator', 'lists'],
    title: 'The resolver {resolver} is a public resolver ({operator}): {lists} refuse or limit queries from it',
    detail:
      'Every lookup went through {resolver}, the public resolver of {operator}. {lists} do not answer queries from public resolvers, or answer them with a refusal code ' +
      '(Spamhaus: 127.255.255.254); some public resolvers turn such queries into NXDOMAIN themselves, which reads as "not listed". Their "not listed" through this resolver is weak evidence.',
    opportunistic: 'Not applicable: this is about how mxray asked, not about a mail server.',
    verifying: 'Not applicable.',
    remediation: {
      summary: 'Ask through your own recursive resolver (--resolver) for answers these lists stand behind.',
      steps: ['A resolver that forwards to a public one counts as that public one.'],
    },
    refs: [...REFS],
  },
  {
    id: 'dnsbl.addresses-left-out',
    severity: 'info',
    actor: 'us',
    facts: ['count', 'addresses', 'limit'],
    title: '{count} addresses were not looked up: mxray asks about at most {limit} addresses in one run',
    detail: 'These addresses were found but not asked about: {addresses}. mxray bounds its DNS queries per run, so a domain with very many MX addresses does not become thousands of queries to the lists.',
    opportunistic: 'Not applicable.',
    verifying: 'Not applicable.',
    remediation: { summary: 'Ask about the others one by one: `mxray blocklist <address>`.', steps: ['Or ask fewer lists at once (--dnsbl): the bound is on lookups as well as on addresses.'] },
    refs: [...REFS],
  },
  {
    id: 'dnsbl.listed-explains',
    severity: 'warning',
    actor: 'us',
    facts: ['address', 'lists', 'hosts', 'what'],
    title: 'We are listed ({address} on {lists}), and {hosts} {what}: the listing may be why',
    detail:
      'The address we send from, {address}, is on {lists}. Receivers that use block lists — Exchange Online Protection among them — refuse listed ' +
      'senders, end the session early, or stop offering STARTTLS to them. So "{hosts} {what}" may be what a listed sender gets, not what other ' +
      'senders get: before telling the partner they have no TLS, get delisted (or test from an address that is not listed) and test again.',
    opportunistic: 'A listed sender may be refused or kept from TLS; others are not.',
    verifying: 'The same.',
    remediation: {
      summary: 'Get the address delisted (see the listing finding), or test again from an address that is not listed, before blaming the receiver.',
      steps: ['Run `mxray check <domain>` again from a host whose mail leaves from another, unlisted public address (--source-ip only names an address; it does not send from it).'],
    },
    refs: [...REFS],
  },
  {
    id: 'dnsbl.no-address',
    inconclusive: true,
    severity: 'info',
    actor: 'us',
    facts: [],
    title: 'Block lists not looked up: mxray could not tell which address it sends from',
    detail:
      'Block lists are asked about the address a receiver sees us connect from. No server echoed it in its EHLO reply (Postfix never does), and our ' +
      'own socket’s address is not a public one (behind NAT the receiver sees another): nothing was asked.',
    opportunistic: 'Not applicable.',
    verifying: 'Not applicable.',
    remediation: {
      summary: 'Give the public address mail leaves from: --source-ip <address> (or ask directly: mxray blocklist <address>).',
      steps: ['`curl -s https://ifconfig.me` on the sending host shows its public address, when it sends directly.'],
    },
    refs: [...REFS],
  },
]);
