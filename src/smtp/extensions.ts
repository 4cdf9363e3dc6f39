// What the keywords of an EHLO reply mean: a fixed table, looked up case-insensitively.

export interface ExtensionInfo {
  /** One line in plain words. */
  meaning: string;
  /** The defining RFC ("RFC 3207"), or null for vendor extensions. */
  rfc: string | null;
}

const EXCHANGE_ONLY = 'used only between Exchange servers; other senders ignore it';

const TABLE: ReadonlyMap<string, ExtensionInfo> = new Map<string, ExtensionInfo>([
  ['SIZE', { meaning: 'Declares the largest message the server accepts (in bytes) and lets the client announce the size up front', rfc: 'RFC 1870' }],
  ['8BITMIME', { meaning: 'Accepts message bodies with 8-bit characters without conversion to 7 bits', rfc: 'RFC 6152' }],
  ['PIPELINING', { meaning: 'The client may send several commands without waiting for each reply', rfc: 'RFC 2920' }],
  ['DSN', { meaning: 'Delivery status notifications: the sender can ask for success, delay or failure reports per recipient', rfc: 'RFC 3461' }],
  ['ETRN', { meaning: 'Remote queue start: a client can ask the server to flush mail queued for a domain', rfc: 'RFC 1985' }],
  ['AUTH', { meaning: 'SMTP authentication (SASL); the parameters list the mechanisms offered', rfc: 'RFC 4954' }],
  ['CHUNKING', { meaning: 'BDAT command: the message is sent in sized chunks instead of with DATA', rfc: 'RFC 3030' }],
  ['BINARYMIME', { meaning: 'Accepts binary MIME bodies (requires CHUNKING)', rfc: 'RFC 3030' }],
  ['STARTTLS', { meaning: 'The client may upgrade the connection to TLS with the STARTTLS command', rfc: 'RFC 3207' }],
  ['ENHANCEDSTATUSCODES', { meaning: 'Replies carry enhanced status codes such as 5.1.1', rfc: 'RFC 2034' }],
  ['SMTPUTF8', { meaning: 'Accepts internationalised (UTF-8) addresses and headers', rfc: 'RFC 6531' }],
  ['REQUIRETLS', { meaning: 'The sender can require that the message is only ever relayed over verified TLS', rfc: 'RFC 8689' }],
  ['DELIVERBY', { meaning: 'The sender can set a deadline for delivery', rfc: 'RFC 2852' }],
  ['VRFY', { meaning: 'VRFY command: asks whether an address exists (usually disabled or answered vaguely)', rfc: 'RFC 5321' }],
  ['EXPN', { meaning: 'EXPN command: expands a mailing list to its members (usually disabled)', rfc: 'RFC 5321' }],
  ['HELP', { meaning: 'HELP command: the server returns help text', rfc: 'RFC 5321' }],
  ['MTRK', { meaning: 'Message tracking: the sender can later query what became of a message', rfc: 'RFC 3885' }],
  ['ATRN', { meaning: 'Authenticated TURN (On-Demand Mail Relay): an authenticated client can reverse the connection to receive queued mail', rfc: 'RFC 2645' }],
  ['BURL', { meaning: 'The message body can be fetched by the server from an IMAP URL instead of being sent (submission)', rfc: 'RFC 4468' }],
  ['NO-SOLICITING', { meaning: 'The server declares that it does not want solicitations of the listed kinds', rfc: 'RFC 3865' }],
  ['FUTURERELEASE', { meaning: 'The sender can ask the server to hold a message and release it later', rfc: 'RFC 4865' }],
  ['LIMITS', { meaning: 'Announces the server limits (recipients per transaction, transactions per connection)', rfc: 'RFC 9422' }],
  ['X-EXPS', { meaning: 'Microsoft Exchange: Exchange Server authentication (the parameters, e.g. GSSAPI NTLM, are the methods), ' + EXCHANGE_ONLY, rfc: null }],
  ['X-LINK2STATE', { meaning: 'Microsoft Exchange: link state routing information of Exchange 2000/2003 routing groups, ' + EXCHANGE_ONLY, rfc: null }],
  ['XEXCH50', { meaning: 'Microsoft Exchange: transfer of Exchange-specific message properties (Exchange 2000/2003 format), ' + EXCHANGE_ONLY, rfc: null }],
  ['X-ANONYMOUSTLS', { meaning: 'Microsoft Exchange: TLS between Exchange servers of one organisation (for example Edge to Mailbox), ' + EXCHANGE_ONLY, rfc: null }],
  [
    'XRDST',
    { meaning: 'Microsoft Exchange (2013 and later): proprietary extension for redirecting the session to another Exchange server, ' + EXCHANGE_ONLY, rfc: null },
  ],
  [
    'XSHADOW',
    { meaning: 'Microsoft Exchange: shadow redundancy (the sending server keeps a copy until the next hop has delivered it), ' + EXCHANGE_ONLY, rfc: null },
  ],
  ['XCLIENT', { meaning: 'Postfix: an authorised client (a proxy or test tool) may set the client name, address and HELO the server logs and checks', rfc: null }],
  ['XFORWARD', { meaning: 'Postfix: a content filter passes on the original client name and address, for logging only', rfc: null }],
]);

const STARTTLS_MASK = 'XXXXXXXA';
/**
 * Keywords of at least six letters, all X but maybe the last: overwritten by an SMTP-inspecting
 * firewall (the same rule as isMaskedKeyword in ./ehlo.ts).
 */
const MASKED = /^X{5,}[A-Z]$/;

/** Explains an EHLO keyword; null when the keyword is not one we know. */
export function describeExtension(keyword: string): ExtensionInfo | null {
  const key = keyword.trim().toUpperCase();
  const known = TABLE.get(key);
  if (known) return { ...known };
  if (key === STARTTLS_MASK) {
    return {
      meaning: 'STARTTLS masked by an SMTP-inspecting firewall (Cisco ASA/PIX ESMTP inspection): clients will not start TLS',
      rfc: null,
    };
  }
  if (MASKED.test(key)) {
    return { meaning: 'An extension masked by an SMTP-inspecting firewall (such as Cisco ESMTP inspection); the real keyword is hidden', rfc: null };
  }
  return null;
}
