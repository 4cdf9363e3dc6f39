// What a server's reply means beyond its code, as data: the receiver test reads them now, and
// `mxray explain` will read the same rules for pasted bounce and log texts. A rule matches when
// every condition it names holds; a meaning holds when any of its rules matches.
import type { ReplyFacts } from '../core/schema.js';

export type ReplyMeaning =
  | 'rate-limit'
  | 'requires-tls'
  | 'greylisting'
  | 'blocklisted'
  | 'partner-connector'
  | 'client-cert-required'
  | 'client-auth-disabled'
  | 'auth-required'
  | 'message-too-large';

export interface ReplyRule {
  /** Reply codes: exact (421) or a class ('4xx'). */
  codes: readonly (number | '4xx' | '5xx')[];
  /** The enhanced status code must be one of these (null: none given). */
  enhanced?: readonly (string | null)[];
  /** The enhanced status code must match. */
  enhancedLike?: RegExp;
  /** Every one of these must match the reply text (all lines joined by spaces). */
  text?: readonly RegExp[];
  /** None of these may match the reply text. */
  notText?: readonly RegExp[];
  /** Why the rule exists, for people reading the data. */
  why: string;
}

const TLS_WORDS = /\b(START)?TLS\b|encrypt|secure (connection|channel)/i;

export const REPLY_RULES: Readonly<Record<ReplyMeaning, readonly ReplyRule[]>> = {
  'rate-limit': [
    { codes: [421], why: '421: the service is closing the channel, most often because of connection or rate limits.' },
    { codes: ['4xx'], text: [/too many|rate|limit|busy|try again later/i], why: 'A temporary refusal that names a limit.' },
  ],
  'requires-tls': [
    {
      codes: [530],
      enhanced: [null, '5.7.0'],
      notText: [/authenticat/i],
      why: "RFC 3207's 530 \"must issue a STARTTLS command first\"; Exchange's \"530 5.7.1 Client was not authenticated\" is not about TLS.",
    },
    { codes: ['4xx', '5xx'], enhancedLike: /^[45]\.7\.\d+$/, text: [TLS_WORDS], why: 'A security (x.7.x) refusal that names TLS or encryption.' },
    { codes: ['4xx', '5xx'], text: [TLS_WORDS, /must|requir|first/i], why: 'A refusal that says TLS must come first.' },
  ],
  'partner-connector': [
    {
      codes: ['4xx', '5xx'],
      text: [/\bpartner connector\b|\bTenant(Inbound)?Attribution\b/i],
      why: "Exchange Online: the message matched no partner (inbound) connector, or a connector whose sender domains, IP addresses or certificate it did not meet (\"There is no partner connector configured that matched the message's recipient domain\", TenantInboundAttribution, TenantAttribution).",
    },
    {
      codes: ['5xx'],
      enhanced: ['5.7.51', '5.7.64'],
      why: "Exchange Online's 5.7.51 (TenantInboundAttribution: a restricted partner connector did not match) and 5.7.64 (TenantAttribution; Relay Access Denied).",
    },
  ],
  'client-cert-required': [
    {
      codes: ['4xx', '5xx'],
      text: [/\b(client|peer) certificate\b|\bno certificate (presented|received|sent)\b|\bcertificate (is )?required\b/i],
      notText: [/\bserver certificate\b/i],
      why: 'Inside TLS, a refusal that asks for the client\'s certificate (mutual TLS): Postfix smtpd_tls_req_ccert answers "421 4.7.1 … Error: No client certificate presented"; partner connectors are set up this way.',
    },
  ],
  'client-auth-disabled': [
    {
      codes: [535],
      enhanced: ['5.7.139'],
      why:
        "Exchange Online's 535 5.7.139 \"Authentication unsuccessful\": SMTP AUTH (client submission) is disabled for the tenant or the mailbox, basic authentication is " +
        'disabled (security defaults), or the sign-in was blocked (MFA, a conditional-access policy).',
    },
  ],
  'auth-required': [
    {
      codes: [530],
      enhanced: ['5.7.57'],
      why: "Exchange Online's 530 5.7.57 \"Client not authenticated to send mail\": MAIL FROM before a successful AUTH on smtp.office365.com port 587.",
    },
    { codes: [530], text: [/authenticat/i], why: 'A 530 that asks for authentication (Postfix smtpd_sasl, Exchange "Client was not authenticated").' },
  ],
  'message-too-large': [
    { codes: [552], why: 'RFC 5321 §4.5.3.1.10: 552 "message size exceeds fixed maximum message size" (RFC 1870 SIZE).' },
    { codes: ['4xx', '5xx'], enhanced: ['5.3.4', '4.3.1', '5.2.3'], why: 'RFC 3463: 5.3.4 message too big for system, 5.2.3 message length exceeds administrative limit, 4.3.1 mail system full.' },
  ],
  greylisting: [{ codes: [450, 451], text: [/grey|gray|try again|later/i], why: 'Greylisting: a temporary 450/451 that asks to come back later.' }],
  blocklisted: [
    {
      codes: ['4xx', '5xx'],
      text: [/\b(blocked|listed) (using|in|at|on|by)\b|\bblack ?list|\bblock ?list|\bDNSBL\b|\bRBL\b/i],
      why: "A refusal that names a DNS block list (Postfix reject_rbl_client, Exim's dnslists, most gateways): the sending IP is listed.",
    },
    {
      codes: ['5xx'],
      enhancedLike: /^5\.7\.(60[6-9]|6[1-4]\d|511)$/,
      why: "Exchange Online's 5.7.606 to 5.7.649 (the sending IP is on one of Microsoft's block lists) and 5.7.511 (banned sender).",
    },
    {
      codes: ['4xx', '5xx'],
      text: [/\b(spamhaus|spamcop|barracuda(central)?|sorbs|senderscore|ipcheck\.proofpoint)\b/i, /block|list|reputation|reject|denied|refused/i],
      why: 'A refusal that names a block-list or reputation service.',
    },
    { codes: ['4xx', '5xx'], text: [/\b(poor|bad|low) (ip |sender |sending )?reputation\b|\breputation (block|too low)/i], why: 'A refusal for the sending IP\'s reputation.' },
  ],
};

/**
 * Replies that never have a meaning, whichever rule would match them: "530 5.7.0 Authentication
 * required …" is about AUTH (Exchange, Postfix's smtpd_sasl), even when it also names STARTTLS.
 */
export const REPLY_VETOES: Readonly<Partial<Record<ReplyMeaning, readonly ReplyRule[]>>> = {
  'requires-tls': [{ codes: [530], enhanced: [null, '5.7.0'], text: [/authenticat/i], why: 'A 530 about authentication, not TLS.' }],
};

function codeMatches(code: number, codes: ReplyRule['codes']): boolean {
  return codes.some((c) => (c === '4xx' ? code >= 400 && code < 500 : c === '5xx' ? code >= 500 && code < 600 : c === code));
}

export function ruleMatches(reply: ReplyFacts, rule: ReplyRule): boolean {
  if (!codeMatches(reply.code, rule.codes)) return false;
  if (rule.enhanced && !rule.enhanced.includes(reply.enhanced)) return false;
  if (rule.enhancedLike && (reply.enhanced === null || !rule.enhancedLike.test(reply.enhanced))) return false;
  const text = reply.lines.join(' ');
  if (rule.text && !rule.text.every((r) => r.test(text))) return false;
  if (rule.notText?.some((r) => r.test(text))) return false;
  return true;
}

/** Whether the reply has this meaning (any of its rules matches). */
export function replyMeans(reply: ReplyFacts, meaning: ReplyMeaning): boolean {
  if (REPLY_VETOES[meaning]?.some((rule) => ruleMatches(reply, rule))) return false;
  return REPLY_RULES[meaning].some((rule) => ruleMatches(reply, rule));
}
