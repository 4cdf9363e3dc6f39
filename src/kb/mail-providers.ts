// Mail providers whose hosts are one organisation's own when it is hosted there (the header
// analyzer's trust boundary): a hop between two of a provider's hosts stays inside it, except
// from the relays that send other customers' mail out — a hop from one of those comes from
// another organisation. Names as the providers write them in Received lines; kept as data so
// that a provider is one entry here, never a special case in the code.

export interface MailProvider {
  name: string;
  /** Host-name suffixes of the provider's servers (label boundaries: "outlook.com" matches "a.prod.outlook.com"). */
  suffixes: readonly string[];
  /** Its relays that carry other customers' outgoing mail: a name with one of these suffixes, or … */
  outboundSuffixes: readonly string[];
  /** … with this first-label prefix under one of its suffixes ("mail-" in "mail-ej1-f54.google.com"). */
  outboundPrefixes: readonly string[];
  /** Where the names are documented or seen. */
  source: string;
}

export const MAIL_PROVIDERS: readonly MailProvider[] = [
  {
    name: 'Microsoft 365',
    // Exchange Online front ends (*.mail.protection.outlook.com), its mailbox servers (*.prod.outlook.com,
    // *.prod.exchangelabs.com), Outlook.com (hotmail.com hosts), the US government and 21Vianet clouds.
    suffixes: ['outlook.com', 'exchangelabs.com', 'office365.com', 'hotmail.com', 'office365.us', 'outlook.cn'],
    outboundSuffixes: ['outbound.protection.outlook.com', 'outbound.protection.office365.us', 'outbound.protection.partner.outlook.cn'],
    outboundPrefixes: [],
    source: 'Microsoft Learn, "Mail flow in EOP" and "Exchange Online URLs and IP address ranges" (*.protection.outlook.com, *.outbound.protection.outlook.com)',
  },
  {
    name: 'Google',
    // mx.google.com and its internal relays (lines "by 2002:a05:…" without a from clause are local hand-offs);
    // Gmail and Workspace send out from mail-<id>.google.com (mail-sor-f<n> for Google's own mail).
    suffixes: ['google.com', 'googlemail.com', 'gmail.com'],
    outboundSuffixes: [],
    outboundPrefixes: ['mail-'],
    source: 'Received lines of Gmail and Google Workspace (mx.google.com, mail-*.google.com)',
  },
  {
    name: 'GMX and WEB.DE',
    // United Internet's mail services under one roof: hops between their domains stay inside it.
    suffixes: ['gmx.net', 'gmx.com', 'gmx.de', 'gmx.at', 'gmx.ch', 'web.de', 'mail.com'],
    outboundSuffixes: [],
    outboundPrefixes: [],
    source: 'Received lines of GMX, WEB.DE and mail.com (mout.gmx.net, mx-ha.gmx.net, mout-bounce.gmx.com)',
  },
  {
    name: 'Yandex',
    suffixes: ['yandex.ru', 'yandex.net', 'yandex.com', 'ya.ru'],
    outboundSuffixes: [],
    outboundPrefixes: [],
    source: 'Received lines of Yandex mail (forward*.mail.yandex.net, web*.yandex.ru)',
  },
  {
    name: 'Yahoo',
    suffixes: ['yahoo.com', 'yahoodns.net', 'yahoo.net', 'aol.com'],
    outboundSuffixes: [],
    outboundPrefixes: [],
    source: 'Received lines of Yahoo and AOL mail (*.mail.yahoo.com, mta*.am0.yahoodns.net)',
  },
];

/** Whether `name` is `suffix` or ends in "." + suffix (both lower-case). */
export function hasSuffix(name: string, suffix: string): boolean {
  return name === suffix || (name.length > suffix.length && name.endsWith(suffix) && name[name.length - suffix.length - 1] === '.');
}

/** The provider whose host `name` is, and whether it is one of its outbound relays; null for none. */
export function providerOf(name: string): { provider: MailProvider; outbound: boolean } | null {
  const n = name.toLowerCase().replace(/\.$/, '');
  for (const provider of MAIL_PROVIDERS) {
    const suffix = provider.suffixes.find((s) => hasSuffix(n, s));
    if (suffix === undefined) continue;
    const outbound =
      provider.outboundSuffixes.some((s) => hasSuffix(n, s)) ||
      provider.outboundPrefixes.some((p) => n.startsWith(p) && n.length > suffix.length + 1 && !n.slice(0, -suffix.length - 1).includes('.'));
    return { provider, outbound };
  }
  return null;
}
