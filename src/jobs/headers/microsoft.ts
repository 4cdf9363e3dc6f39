// Microsoft's own header fields (Exchange Online Protection, Exchange Online, Exchange Server)
// read into items, each with what its value means in plain words where Microsoft documents it.
// Pure and total: scanned with indexOf, no regular expressions, every string and the list capped.
//
// The meanings are our own words for what these pages document:
// - Microsoft Learn, "Anti-spam message headers in Microsoft 365"
//   (learn.microsoft.com/defender-office-365/message-headers-eop-mdo): X-Forefront-Antispam-Report
//   (CAT, CIP, CTRY, DIR, H, IPV, LANG, PTR, SCL, SFTY, SFV, SRV) and X-Microsoft-Antispam (BCL);
//   SFV:SKI from the page's earlier versions;
// - Microsoft Learn, "Spam confidence level (SCL)" (…/anti-spam-spam-confidence-level-scl-about);
// - Microsoft Learn, "Bulk complaint level (BCL)" (…/anti-spam-bulk-complaint-level-bcl-about);
// - Exchange Server, "Anti-spam stamps" (learn.microsoft.com/exchange/antispam-and-antimalware/
//   antispam-protection/antispam-stamps): the phishing confidence level (PCL);
// - the Exchange transport API's AuthenticationSource enumeration (Anonymous, Organization — in
//   the header "Internal" —, Partner) and the Exchange Team Blog, "Demystifying and
//   troubleshooting hybrid mail flow: when is a message internal?" (MessageDirectionality,
//   CrossTenant-FromEntityHeader, the header firewall);
// - [MS-OXCMAIL] 2.1.3.2.24 (X-MS-Exchange-Organization-SCL: -1 a trusted sender).
// X-Microsoft-Antispam-Mailbox-Delivery is not documented by Microsoft (a Microsoft Q&A answer
// says so); only its "dest" letters are given a meaning, as the University of Oxford's IT help
// explains them. Fields Microsoft keeps for its own diagnostics (SFS, SRVR, EFV, RULEID …) have
// meaning null.

export interface MicrosoftItem { field: string; key: string | null; value: string; meaning: string | null }
/** The few facts a verdict line needs: null when absent. */
export interface MicrosoftSummary { scl: number | null; sfv: string | null; cat: string | null; cip: string | null; ctry: string | null; ptr: string | null; ipv: string | null; dir: string | null; authAs: string | null; directionality: string | null; bcl: number | null }

const MAX_STRING = 256;
const MAX_ITEMS = 100;
/** The most of one field's value scanned for key:value pairs. */
const MAX_SCAN = 64 * 1024;

function cap(s: string, max = MAX_STRING): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** An integer written plainly ("-1", "5"), else null. */
function integer(s: string): number | null {
  const t = s.trim();
  if (t.length === 0 || t.length > 3) return null;
  let i = t[0] === '-' ? 1 : 0;
  if (i === t.length) return null;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(t);
}

// ------------------------------------------------------------------------------ the meanings

function sclMeaning(value: string): string | null {
  const n = integer(value);
  if (n === null) return null;
  if (n === -1) return 'skipped spam filtering (a trusted sender or an internal message)';
  if (n === 0 || n === 1) return 'not spam';
  if (n >= 2 && n <= 4) return 'a level spam filtering never sets itself: set by a mail flow rule or another system';
  if (n === 5 || n === 6) return 'spam';
  if (n >= 7 && n <= 9) return 'high-confidence spam';
  return null;
}

function bclMeaning(value: string): string | null {
  const n = integer(value);
  if (n === null || n < 0 || n > 9) return null;
  if (n === 0) return 'not from a bulk sender';
  if (n <= 3) return 'from a bulk sender that draws few complaints';
  if (n <= 7) return 'from a bulk sender that draws a mixed number of complaints';
  return 'from a bulk sender that draws many complaints';
}

function pclMeaning(value: string): string | null {
  const n = integer(value);
  if (n === null) return null;
  if (n >= 1 && n <= 3) return 'neutral: the content is not likely phishing';
  if (n >= 4 && n <= 8) return 'suspicious: the content is likely phishing';
  return null;
}

const SFV: Record<string, string> = {
  NSPM: 'spam filtering found the message not to be spam',
  SPM: 'spam filtering marked the message as spam',
  SKN: 'marked as not spam before spam filtering ran (for example SCL -1 set by a mail flow rule)',
  SKS: 'marked as spam before spam filtering ran (for example by a mail flow rule)',
  SKA: 'skipped spam filtering: the sender is on an allowed senders or domains list of an anti-spam policy',
  SKB: 'marked as spam: the sender is on a blocked senders or domains list of an anti-spam policy',
  SKI: 'skipped spam filtering for another reason, for example mail inside the organisation',
  SKQ: 'released from quarantine to its recipients',
  SFE: 'filtering skipped and the message let through: the sender is on the recipient\'s Safe Senders list',
  BLK: 'filtering skipped and the message blocked: the sender is on the recipient\'s Blocked Senders list',
};

const CAT: Record<string, string> = {
  NONE: 'no threat policy category was applied',
  AMP: 'anti-malware policy',
  BIMP: 'brand impersonation',
  BULK: 'bulk mail',
  DIMP: 'domain impersonation',
  FTBP: 'the anti-malware common attachments filter',
  GIMP: 'mailbox intelligence impersonation',
  HPHSH: 'high-confidence phishing',
  HPHISH: 'high-confidence phishing',
  HSPM: 'high-confidence spam',
  INTOS: 'phishing from inside the organisation',
  MALW: 'malware',
  OSPM: 'outbound spam',
  PHSH: 'phishing',
  SAP: 'Safe Attachments',
  SPM: 'spam',
  SPOOF: 'spoofing',
  UIMP: 'user impersonation',
};

const IPV: Record<string, string> = {
  CAL: 'skipped spam filtering: the connecting IP address is on the connection filter\'s IP Allow List',
  NLI: 'the connecting IP address is on no IP reputation list',
};

const DIR: Record<string, string> = {
  INB: 'an inbound message',
  OUT: 'an outbound message',
  INT: 'an internal message',
};

const SFTY: Record<string, string> = {
  '9.19': 'phishing: domain impersonation (the sender\'s domain imitates a protected domain)',
  '9.20': 'phishing: user impersonation (the sender imitates a protected user)',
  '9.25': 'first contact safety tip: the recipient rarely or never got mail from this sender',
};

const AUTH_AS: Record<string, string> = {
  anonymous: 'the sending server did not authenticate: mail from outside the organisation, usually the internet',
  internal: 'the sender authenticated as part of the organisation',
  partner: 'the sender authenticated as a partner organisation (a partner connector or domain security)',
};

const DIRECTIONALITY: Record<string, string> = {
  incoming: 'the message came into the organisation from outside it',
  originating: 'the message was sent from inside the organisation',
};

const FROM_ENTITY: Record<string, string> = {
  internet: 'the message came from the internet',
  hosted: 'the message came from a mailbox in Exchange Online',
  hybridonprem: 'the message came from the organisation\'s on-premises Exchange over the hybrid connector',
};

function lookup(table: Record<string, string>, value: string): string | null {
  const key = value.trim();
  return Object.hasOwn(table, key) ? table[key]! : null;
}

/** The meaning of one key:value pair of X-Forefront-Antispam-Report (or its -Untrusted copy). */
function forefrontMeaning(key: string, value: string): string | null {
  const v = value.trim().toUpperCase();
  switch (key.toUpperCase()) {
    case 'CIP': return v === '' ? null : 'the connecting IP address (the server that handed the message to Microsoft)';
    case 'CTRY': return v === '' ? null : 'the country or region of the connecting IP address';
    case 'LANG': return v === '' ? null : 'the language the message is written in';
    case 'SCL': return sclMeaning(v);
    case 'PCL': return pclMeaning(v);
    case 'SRV': return v === 'BULK' ? 'identified as bulk mail by spam filtering and the bulk complaint level threshold' : null;
    case 'IPV': return lookup(IPV, v);
    case 'SFV': return lookup(SFV, v);
    case 'H': return v === '' ? null : 'the HELO or EHLO name the connecting server gave';
    case 'PTR': return v === '' ? null : 'the reverse DNS (PTR) name of the connecting IP address';
    case 'CAT': return lookup(CAT, v);
    case 'DIR': return lookup(DIR, v);
    case 'SFTY': return lookup(SFTY, v);
    default: return null;
  }
}

/** The meaning of one key:value pair of X-Microsoft-Antispam. */
function antispamMeaning(key: string, value: string): string | null {
  switch (key.toUpperCase()) {
    case 'BCL': return bclMeaning(value);
    case 'PCL': return pclMeaning(value);
    default: return null;
  }
}

/** X-Microsoft-Antispam-Mailbox-Delivery: undocumented by Microsoft; "dest" as Oxford's IT help reads it. */
function mailboxDeliveryMeaning(key: string, value: string): string | null {
  if (key.toLowerCase() !== 'dest') return null;
  switch (value.trim().toUpperCase()) {
    case 'I': return 'delivered to the Inbox';
    case 'J': return 'delivered to the Junk Email folder';
    case 'C': return 'delivered to a folder the recipient chose (a custom folder)';
    default: return null;
  }
}

const NETWORK_MESSAGE_ID = 'Exchange\'s id for the message, the same in every copy inside the organisation (message trace finds it)';
const AUTH_SOURCE = 'the Exchange server that decided how the sender authenticated';

/** The meaning of a whole-value field (by its lower-case name), or null. */
function fieldMeaning(lowerName: string, value: string): string | null {
  const v = value.trim();
  const lower = v.toLowerCase();
  switch (lowerName) {
    case 'x-ms-exchange-organization-scl': return sclMeaning(v);
    case 'x-ms-exchange-organization-pcl': return pclMeaning(v);
    case 'x-ms-exchange-organization-authas':
    case 'x-ms-exchange-crosstenant-authas': return lookup(AUTH_AS, lower);
    case 'x-ms-exchange-organization-authsource':
    case 'x-ms-exchange-crosstenant-authsource': return v === '' ? null : AUTH_SOURCE;
    case 'x-ms-exchange-organization-messagedirectionality': return lookup(DIRECTIONALITY, lower);
    case 'x-ms-exchange-organization-network-message-id':
    case 'x-ms-exchange-crosstenant-network-message-id': return v === '' ? null : NETWORK_MESSAGE_ID;
    case 'x-ms-exchange-organization-expirationstarttime': return v === '' ? null : 'when Exchange started counting the time the message may wait in its queues before it expires';
    case 'x-ms-exchange-transport-crosstenantheadersstamped': return v === '' ? null : 'the server that stamped the cross-tenant headers for the receiving organisation';
    case 'x-ms-exchange-transport-endtoendlatency': return v === '' ? null : 'how long the message took through Exchange, from arrival to delivery (hours:minutes:seconds)';
    case 'x-ms-exchange-crosstenant-originalarrivaltime': return v === '' ? null : 'when the message first arrived at Microsoft 365';
    case 'x-ms-exchange-crosstenant-fromentityheader': return lookup(FROM_ENTITY, lower);
    case 'x-ms-exchange-crosstenant-id': return v === '' ? null : 'the id of the Microsoft 365 organisation (tenant) the message was attributed to';
    case 'x-ms-has-attach': return lower === 'yes' ? 'the message has attachments' : lower === '' ? 'the message has no attachments' : null;
    case 'x-ms-tnef-correlator': return v === '' ? 'no TNEF (winmail.dat) form of the message to match' : 'an id that matches the message with its TNEF (winmail.dat) form';
    case 'x-ms-publictraffictype': return lower === 'email' ? 'Microsoft counts the message as ordinary email traffic' : null;
    case 'x-ms-office365-filtering-correlation-id': return v === '' ? null : 'an id that ties together Microsoft 365\'s filtering records of this message (for Microsoft support)';
    default: return null;
  }
}

// ------------------------------------------------------------------------------ the reading

type PairMeaning = (key: string, value: string) => string | null;

/** Fields whose value is a list of "KEY:value;" pairs, each its own item. */
const SPLIT: Record<string, PairMeaning> = {
  'x-forefront-antispam-report': forefrontMeaning,
  'x-forefront-antispam-report-untrusted': forefrontMeaning,
  'x-microsoft-antispam': antispamMeaning,
  'x-microsoft-antispam-untrusted': antispamMeaning,
  'x-microsoft-antispam-mailbox-delivery': mailboxDeliveryMeaning,
};

function isMicrosoftField(lowerName: string): boolean {
  return lowerName.startsWith('x-ms-') || lowerName.startsWith('x-forefront-') || lowerName.startsWith('x-microsoft-');
}

class ItemList {
  readonly items: MicrosoftItem[] = [];
  more = 0;
  /** Adds an item; false once the list is full (the rest only counted). */
  add(item: MicrosoftItem): boolean {
    if (this.items.length < MAX_ITEMS - 1) {
      this.items.push(item);
      return true;
    }
    this.more++;
    return false;
  }
}

function readPairs(field: string, value: string, meaning: PairMeaning, list: ItemList): void {
  const text = value.length > MAX_SCAN ? value.slice(0, MAX_SCAN) : value;
  let start = 0;
  while (start <= text.length) {
    const semi = text.indexOf(';', start);
    const end = semi === -1 ? text.length : semi;
    const part = text.slice(start, end).trim();
    if (part.length > 0) {
      const colon = part.indexOf(':');
      const key = colon === -1 ? null : part.slice(0, colon).trim();
      const pairValue = colon === -1 ? part : part.slice(colon + 1).trim();
      const item: MicrosoftItem = {
        field: cap(field), key: key === null ? null : cap(key), value: cap(pairValue),
        meaning: key === null ? null : meaning(key, pairValue),
      };
      if (!list.add(item)) return;
    }
    if (semi === -1) break;
    start = semi + 1;
  }
}

/** Microsoft's fields among a message's: X-Forefront-Antispam-Report (split into CIP, CTRY, LANG, SCL, SRV, IPV, SFV, H, PTR, CAT, SFS, DIR, SFP … each its own item), X-Microsoft-Antispam (BCL, …), X-Microsoft-Antispam-Mailbox-Delivery (ucf, jmr, dest, OFR …), X-MS-Exchange-Organization-* (SCL, AuthAs, AuthSource, AuthMechanism, MessageDirectionality, Network-Message-Id, PCL, ExpirationStartTime …), X-MS-Exchange-Transport-* (CrossTenantHeadersStamped, EndToEndLatency …), X-MS-Exchange-CrossTenant-* (AuthAs, OriginalArrivalTime, FromEntityHeader, Id …), X-MS-Has-Attach, X-MS-TNEF-Correlator, X-MS-PublicTrafficType, X-MS-Office365-Filtering-Correlation-Id; in header order. meaning: documented meaning of the value in plain words (e.g. SCL -1 "skipped spam filtering (a trusted sender or an internal message)", 0-1 "not spam", 5-6 "spam", 8-9 "high-confidence spam"; SFV:NSPM/SPM/SKN/SKI/SKA/SKQ/SKS/SFE/BLK...; IPV:NLI/CAL; CAT:NONE/SPM/HSPM/PHSH/HPHSH/BULK/SPOOF/MALW/AMP/DIMP/GIMP/OSPM/UIMP...; DIR:INB/OUT/INT; AuthAs Anonymous/Internal/Partner/...; MessageDirectionality Incoming/Originating; BCL 0-9 bands). null when not documented. Unknown X-MS-* fields are listed with meaning null. Cap: 100 items. */
export function readMicrosoftFields(fields: readonly { name: string; value: string }[]): MicrosoftItem[] {
  const list = new ItemList();
  try {
    for (const f of fields) {
      const name = typeof f?.name === 'string' ? f.name : '';
      const value = typeof f?.value === 'string' ? f.value : '';
      const lower = name.trim().toLowerCase();
      if (!isMicrosoftField(lower)) continue;
      const split = SPLIT[lower];
      if (split !== undefined) readPairs(name, value, split, list);
      else list.add({ field: cap(name), key: null, value: cap(value.trim()), meaning: fieldMeaning(lower, value) });
      if (list.more > 0) break; // the list is full: what is left is only counted as "more"
    }
  } catch {
    list.items.push({ field: '(mxray)', key: 'error', value: 'internal error while reading Microsoft\'s fields (a bug of mxray): the rest not read', meaning: null });
    return list.items;
  }
  if (list.more > 0) {
    list.items.push({
      field: '(mxray)', key: 'truncated', value: `more than ${MAX_ITEMS - 1} Microsoft items: the rest not listed`,
      meaning: null,
    });
  }
  return list.items;
}

/** The first item of `field` (exactly, any case) with `key` (any case), or undefined. */
function firstOf(items: readonly MicrosoftItem[], field: string, key: string | null): MicrosoftItem | undefined {
  const f = field.toLowerCase();
  const k = key === null ? null : key.toLowerCase();
  return items.find((i) => i.field.toLowerCase() === f && (k === null ? i.key === null : i.key !== null && i.key.toLowerCase() === k));
}

/** A non-empty trimmed value, else null. */
function text(item: MicrosoftItem | undefined): string | null {
  const v = item?.value.trim() ?? '';
  return v === '' ? null : v;
}

function level(item: MicrosoftItem | undefined, min: number, max: number): number | null {
  const n = item === undefined ? null : integer(item.value);
  return n !== null && n >= min && n <= max ? n : null;
}

export function summariseMicrosoft(items: readonly MicrosoftItem[]): MicrosoftSummary {
  const report = (key: string): MicrosoftItem | undefined => firstOf(items, 'X-Forefront-Antispam-Report', key);
  const upper = (item: MicrosoftItem | undefined): string | null => text(item)?.toUpperCase() ?? null;
  try {
    return {
      scl: level(report('SCL'), -1, 9) ?? level(firstOf(items, 'X-MS-Exchange-Organization-SCL', null), -1, 9),
      sfv: upper(report('SFV')),
      cat: upper(report('CAT')),
      cip: text(report('CIP')),
      ctry: text(report('CTRY')),
      ptr: text(report('PTR')),
      ipv: upper(report('IPV')),
      dir: upper(report('DIR')),
      authAs: text(firstOf(items, 'X-MS-Exchange-Organization-AuthAs', null)) ?? text(firstOf(items, 'X-MS-Exchange-CrossTenant-AuthAs', null)),
      directionality: text(firstOf(items, 'X-MS-Exchange-Organization-MessageDirectionality', null)),
      bcl: level(firstOf(items, 'X-Microsoft-Antispam', 'BCL'), 0, 9),
    };
  } catch {
    return { scl: null, sfv: null, cat: null, cip: null, ctry: null, ptr: null, ipv: null, dir: null, authAs: null, directionality: null, bcl: null };
  }
}
