// DNS block lists (DNSBLs) as data: the default set `mxray blocklist`, `mxray posture` and
// `mxray check --dnsbl` ask, what each list is, how it may be queried, and what each of its answers
// means. An answer is an A record in 127.0.0.0/8 (RFC 5782 §2.1, §2.3); the meaning of each code is
// the list's own, documented where noted below. Lists change: every entry says where its facts
// come from, and a list that closed is removed from the defaults (never silently kept).
//
// Not a default, on purpose:
// - SORBS (dnsbl.sorbs.net and its sub-zones): closed by its owner (Proofpoint) in June 2024. A
//   closed list's domain may later answer every name (see the SpamCop note below), so it must not
//   be asked by default.
// - Spamhaus DBL, SURBL, URIBL: domain lists (what a message links to), not lists of sending
//   addresses; mxray asks address lists only.
// - UCEPROTECT levels 2 and 3: they list whole networks (an allocation, an AS) for their neighbours'
//   abuse; being on them says little about the one address asked.

/** How an answer code is to be read. */
export type DnsblCodeKind =
  /** The address is on the list. */
  | 'listing'
  /** The list would not answer this query (our resolver, our volume): says nothing about the address. */
  | 'refusal'
  /** The query itself was wrong (e.g. a misspelt zone): says nothing about the address. */
  | 'error';

export interface DnsblCode {
  /** The A record answered, e.g. "127.0.0.2". */
  code: string;
  kind: DnsblCodeKind;
  /** What it means, in a few words a mail administrator reads. */
  meaning: string;
}

export interface DnsblList {
  zone: string;
  /** The list's own name. */
  name: string;
  operator: string;
  /** What gets an address on the list. */
  lists: string;
  /** Answers IPv6 queries (RFC 5782 §2.4, 32 nibbles reversed). A list that does not is not asked about an IPv6 address. */
  ipv6: boolean;
  /** Who may query it, how, and what happens otherwise. */
  policy: string;
  /** Where to look up an address and ask for its removal. */
  removal: string;
  codes: readonly DnsblCode[];
  /** Where the codes and policy above come from. */
  source: string;
}

/**
 * Codes in 127.255.255.0/24 are errors, for every list. Spamhaus reserved that range in 2019 for
 * errors about the query itself, "which should NOT be interpreted as any sort of reputation"
 * (spamhaus.org news 788, "Spamhaus DNSBL return codes: technical update", 2019-09-30), and added
 * 127.255.255.252 for a misspelt zone. No list documents a listing there, and lists that follow
 * Spamhaus's lead (and resolvers relaying them) use the same range. Reading such an answer as
 * "listed" is the classic mistake (mail-in-a-box PR 2332, haraka-plugin-uribl issue 2): an MTA that
 * does so rejects every message, and a checker that does so sends people chasing a listing that does
 * not exist. So mxray reads 127.255.255.x from any list, a user-given one included, as a refusal or
 * an error, never as a listing.
 */
export const ERROR_RANGE_CODES: readonly DnsblCode[] = [
  { code: '127.255.255.252', kind: 'error', meaning: 'error: the zone name is misspelt (the list does not exist under this name)' },
  { code: '127.255.255.254', kind: 'refusal', meaning: 'query refused: it came through a public or open resolver (or one the list cannot attribute)' },
  { code: '127.255.255.255', kind: 'refusal', meaning: 'query refused: too many queries from this resolver' },
];

/** Any other code of 127.255.255.0/24. */
const OTHER_ERROR_CODE = 'an error code of 127.255.255.0/24 (not a listing)';

/**
 * 127.0.0.1 is never a listing: RFC 5782 §5 says a list must not hold an entry for it, and lists
 * that shut down, or refuse a resolver, have answered it to every query (Spamhaus's DBL did so to
 * public resolvers before the 127.255.255.x codes).
 */
const LOOPBACK_MEANING = 'not a listing: RFC 5782 §5 forbids an entry for 127.0.0.1; lists that shut down or refuse a resolver answer it to everything';

export const DNSBL_LISTS: readonly DnsblList[] = [
  {
    zone: 'zen.spamhaus.org',
    name: 'Spamhaus ZEN',
    operator: 'The Spamhaus Project',
    lists: 'SBL (spam sources and services), CSS (snowshoe spam), XBL (hijacked and infected hosts), DROP (hijacked networks), PBL (end-user addresses that should not send mail directly), BCL (botnet controllers)',
    ipv6: true,
    policy:
      'Free public mirrors for low-volume non-commercial use only. Queries through a public or open resolver (Google 8.8.8.8, Cloudflare 1.1.1.1, Quad9, most cloud resolvers) are answered 127.255.255.254, too many queries 127.255.255.255: query through your own recursive resolver, or use the Data Query Service (DQS, a key in the zone name).',
    removal: 'https://check.spamhaus.org/',
    codes: [
      { code: '127.0.0.2', kind: 'listing', meaning: 'SBL: a spam source or spam service Spamhaus listed by hand' },
      { code: '127.0.0.3', kind: 'listing', meaning: 'CSS: snowshoe spam or low-reputation mail seen by automation' },
      { code: '127.0.0.4', kind: 'listing', meaning: 'XBL: a hijacked or infected host (malware, open proxy, exploited server)' },
      { code: '127.0.0.5', kind: 'listing', meaning: 'XBL: a hijacked or infected host (code 5; documented as unused today)' },
      { code: '127.0.0.6', kind: 'listing', meaning: 'XBL: a hijacked or infected host (code 6; documented as unused today)' },
      { code: '127.0.0.7', kind: 'listing', meaning: 'XBL: a hijacked or infected host (code 7; documented as unused today)' },
      { code: '127.0.0.9', kind: 'listing', meaning: 'DROP: a network hijacked or run by criminals (always with an SBL listing)' },
      { code: '127.0.0.10', kind: 'listing', meaning: 'PBL, set by the network owner: an end-user address that should not send mail to other servers directly' },
      { code: '127.0.0.11', kind: 'listing', meaning: 'PBL, set by Spamhaus: an end-user address that should not send mail to other servers directly' },
      { code: '127.0.0.30', kind: 'listing', meaning: 'BCL: a botnet controller' },
      ...ERROR_RANGE_CODES,
    ],
    source:
      'docs.spamhaus.com "Available Zones" (the zen row: 2 SBL, 3 CSS, 9 DROP, 4 XBL with 5-7 unused, 10 and 11 PBL, 30 BCL); spamhaus.org news 788 (127.255.255.0/24 errors: .254 public/open resolver, .255 excessive queries); spamhaus.com "Help for Spamhaus Project legacy blocklist users" (public resolvers refused); the 127.255.255.252 typo code as described by Spamhaus reseller securityzones.net ("Error return codes for Spamhaus public mirrors") and mail-in-a-box PR 2332. IPv6: Spamhaus statement S012 (RFC 5782 queries) and the DQS query format (nibbles).',
  },
  {
    zone: 'b.barracudacentral.org',
    name: 'Barracuda Reputation Block List (BRBL)',
    operator: 'Barracuda Networks',
    lists: 'single addresses that sent spam to Barracuda\'s traps or were rated as spam senders by its appliances; open proxies and relays',
    ipv6: false,
    policy: 'Free, but the DNS server that asks must be registered at barracudacentral.org before it may query; answers to an unregistered one cannot be relied on.',
    removal: 'https://www.barracudacentral.org/rbl/removal-request',
    codes: [{ code: '127.0.0.2', kind: 'listing', meaning: 'listed: Barracuda rates the address as a spam source' }],
    source: 'barracudacentral.org "BRBL – How to Use" (standard DNSBL, 127.0.0.2; registration of the querying server). IPv4 only: no IPv6 query form is documented.',
  },
  {
    zone: 'bl.spamcop.net',
    name: 'SpamCop Blocking List (SCBL)',
    operator: 'SpamCop (Cisco)',
    lists: 'addresses that sent mail SpamCop users reported as spam, and its spam traps caught; time-based, removed automatically about a day after the reports stop',
    ipv6: false,
    policy:
      'Free. In January 2021 its domain expired and every name under bl.spamcop.net answered a parking address: servers that used it rejected all mail (the reason mxray reads an answer outside 127.0.0.0/8 as a dead list).',
    removal: 'https://www.spamcop.net/bl.shtml',
    codes: [{ code: '127.0.0.2', kind: 'listing', meaning: 'listed: recently reported as a spam source' }],
    source: 'spamcop.net "SpamCop Blocking List Details"; the 2021 expiry as reported at the time. IPv4 only: no IPv6 query form is documented.',
  },
  {
    zone: 'dnsbl-1.uceprotect.net',
    name: 'UCEPROTECT Level 1',
    operator: 'UCEPROTECT-Network',
    lists: 'single addresses that hit its spam traps or tried to relay through its partners\' systems; listings expire on their own 7 days after the last abuse (a paid express removal exists)',
    ipv6: false,
    policy: 'Free public queries; rsync for larger sites. Levels 2 and 3 (whole networks) are not asked.',
    removal: 'https://www.uceprotect.net/en/rblcheck.php',
    codes: [{ code: '127.0.0.2', kind: 'listing', meaning: 'listed: the address hit UCEPROTECT spam traps' }],
    source: 'uceprotect.net level 1 policy. IPv4 only: no IPv6 query form is documented.',
  },
  {
    zone: 'psbl.surriel.com',
    name: 'Passive Spam Block List (PSBL)',
    operator: 'Rik van Riel (surriel.com)',
    lists: 'addresses that sent mail to its spam traps and are not known mail servers; anyone may remove an address on its web page',
    ipv6: false,
    policy: 'Free for anybody ("Anybody is free to use PSBL"); rsync for heavy use.',
    removal: 'https://psbl.org/remove',
    codes: [{ code: '127.0.0.2', kind: 'listing', meaning: 'listed: the address sent mail to PSBL spam traps' }],
    source: 'psbl.surriel.com "How to use PSBL". IPv4 only: no IPv6 query form is documented.',
  },
  {
    zone: 'bl.mailspike.net',
    name: 'Mailspike BL',
    operator: 'Mailspike Technologies',
    lists: 'addresses in a distributed spam wave now (z.mailspike.net) and addresses of the three worst reputation levels of rep.mailspike.net (L5 to L3)',
    ipv6: false,
    policy: 'Free for sites with fewer than 100,000 messages and 100,000 DNS queries a day; larger sites by agreement (rsync).',
    removal: 'https://mailspike.org/ (IP lookup and removal form)',
    codes: [
      { code: '127.0.0.2', kind: 'listing', meaning: 'listed: part of a distributed spam wave now (z.mailspike.net)' },
      { code: '127.0.0.10', kind: 'listing', meaning: 'reputation L5: the worst possible reputation' },
      { code: '127.0.0.11', kind: 'listing', meaning: 'reputation L4: a very bad reputation' },
      { code: '127.0.0.12', kind: 'listing', meaning: 'reputation L3: a bad reputation' },
    ],
    source:
      'mailspike.org usage page (bl.mailspike.net answers 127.0.0.2 for z.mailspike.net, or the rep.mailspike.net code of levels L3 to L5; the rep levels are 127.0.0.10 for L5 up to 127.0.0.20 for H5). IPv4 only: no IPv6 query form is documented.',
  },
];

/** The lists asked when none is named (`--dnsbl-default`, or no --dnsbl at all). */
export const DEFAULT_DNSBL_ZONES: readonly string[] = DNSBL_LISTS.map((l) => l.zone);

const BY_ZONE: ReadonlyMap<string, DnsblList> = new Map(DNSBL_LISTS.map((l) => [l.zone, l]));

/** The list known under this zone (lowercase, no trailing dot), or null for a zone mxray does not know. */
export function dnsblList(zone: string): DnsblList | null {
  return BY_ZONE.get(zone) ?? null;
}

/** Whether this zone is asked about an address of this family (a zone mxray does not know: asked about both). */
export function asksFamily(zone: string, family: 4 | 6): boolean {
  return family === 4 || (dnsblList(zone)?.ipv6 ?? true);
}

/** A code's octets, when it is an IPv4 address in 127.0.0.0/8; else null. */
function loopbackOctets(code: string): [number, number, number] | null {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(code);
  if (!m) return null;
  const o = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  return o.every((n, i) => n <= 255 && String(n) === m[i + 1]) ? o : null;
}

/** What one answer code of one list means: 'outside' for an answer that is no list code at all (not 127.0.0.0/8). */
export function readCode(zone: string, code: string): { kind: DnsblCodeKind | 'outside'; meaning: string } {
  const octets = loopbackOctets(code);
  if (octets === null) return { kind: 'outside', meaning: 'not a list answer: outside 127.0.0.0/8 (a dead or wildcarded zone answers like this)' };
  const list = dnsblList(zone);
  const known = list?.codes.find((c) => c.code === code) ?? ERROR_RANGE_CODES.find((c) => c.code === code);
  if (known) return { kind: known.kind, meaning: known.meaning };
  if (octets[0] === 255 && octets[1] === 255) return { kind: 'error', meaning: OTHER_ERROR_CODE };
  if (code === '127.0.0.1') return { kind: 'error', meaning: LOOPBACK_MEANING };
  return { kind: 'listing', meaning: list ? `listed (code ${code}, which ${list.name} does not document)` : `listed (code ${code})` };
}

/**
 * Public resolvers by address, with their operator. Spamhaus refuses them (127.255.255.254) and
 * other lists limit them; some of them answer NXDOMAIN to Spamhaus queries themselves.
 */
const PUBLIC_RESOLVERS: ReadonlyMap<string, string> = new Map([
  ['8.8.8.8', 'Google Public DNS'],
  ['8.8.4.4', 'Google Public DNS'],
  ['2001:4860:4860::8888', 'Google Public DNS'],
  ['2001:4860:4860::8844', 'Google Public DNS'],
  ['1.1.1.1', 'Cloudflare'],
  ['1.0.0.1', 'Cloudflare'],
  ['2606:4700:4700::1111', 'Cloudflare'],
  ['2606:4700:4700::1001', 'Cloudflare'],
  ['9.9.9.9', 'Quad9'],
  ['149.112.112.112', 'Quad9'],
  ['2620:fe::fe', 'Quad9'],
  ['2620:fe::9', 'Quad9'],
  ['208.67.222.222', 'Cisco OpenDNS'],
  ['208.67.220.220', 'Cisco OpenDNS'],
  ['94.140.14.14', 'AdGuard DNS'],
  ['94.140.15.15', 'AdGuard DNS'],
]);

/** The operator of a well-known public resolver, from a resolver's description ("8.8.8.8", "8.8.8.8:53", "[2001:4860:4860::8888]:53"); null otherwise. */
export function publicResolverOperator(description: string): string | null {
  const text = description.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(text);
  const address = bracketed ? (bracketed[1] as string) : v4port ? (v4port[1] as string) : text;
  return PUBLIC_RESOLVERS.get(address) ?? null;
}

/** The zones of these that refuse or limit public resolvers (today: Spamhaus). */
export function refusesPublicResolvers(zone: string): boolean {
  return zone === 'zen.spamhaus.org' || zone.endsWith('.spamhaus.org');
}
