// Which mail software answers, as data: each entry lists the traces its product leaves in the
// greeting (banner), the first line of the EHLO reply, the host name, and the EHLO keywords, each
// with an honest confidence. `checks/software` reads them; nothing here is code.
//
// Confidence: `high` when the product names itself (banner) or the host belongs to the hosted
// service; `medium` for a distinctive trace without the product's name (a vendor's own EHLO
// keyword, a banner format only it uses); `low` for hints other software may share. A masked
// banner ("220 ****") is never evidence. Patterns run on at most the first 512 characters of
// hostile server text: each is linear (no nested quantifiers, bounded repeats) and anchored on
// context ("ESMTP Postfix", not "Postfix"), so a host name such as postfix.example.net is no claim.
import type { Remediation } from '../core/schema.js';

export type SoftwareConfidence = 'high' | 'medium' | 'low';

/** Which per-MTA fix steps of the finding catalogue (`Remediation.exchange` …) apply. */
export type RemediationKey = Exclude<keyof Remediation, 'summary' | 'steps'>;

/**
 * A trace in text: `banner` is the greeting text, `ehlo` the EHLO reply's first line after the
 * announced name, `host` the MX host name or the name the server announces (lower case, no
 * trailing dot).
 */
export interface TextFingerprint {
  field: 'banner' | 'ehlo' | 'host';
  pattern: RegExp;
  confidence: SoftwareConfidence;
  /** Why this trace points at the product, for people reading the data. */
  why: string;
}

/** A trace in the set of EHLO keywords (upper case, without parameters). */
export interface ExtensionFingerprint {
  field: 'extensions';
  /** At least `atLeast` of these keywords are offered. */
  keywords: readonly string[];
  atLeast: number;
  /** None of these is offered (they would mean other software). */
  noneOf?: readonly string[];
  /** Every keyword offered is one of these (a product known for a short, fixed list). */
  onlyFrom?: readonly string[];
  confidence: SoftwareConfidence;
  why: string;
}

export type SoftwareFingerprint = TextFingerprint | ExtensionFingerprint;

export type SoftwareId =
  | 'exchange'
  | 'exchange-online'
  | 'iis-smtp'
  | 'postfix'
  | 'exim'
  | 'sendmail'
  | 'opensmtpd'
  | 'gmail'
  | 'cisco-esa'
  | 'proofpoint'
  | 'mimecast'
  | 'barracuda'
  | 'sophos';

export interface SoftwareEntry {
  id: SoftwareId;
  /** For people: "Microsoft Exchange". */
  name: string;
  remediationKey: RemediationKey | null;
  /**
   * Software this one is a more specific form of (a hosted service that greets like the server it
   * runs, a product built on another's MTA): when both match, this one is meant.
   */
  refines?: readonly SoftwareId[];
  fingerprints: readonly SoftwareFingerprint[];
}

/** Exchange's own EHLO keywords (Exchange 2000 to Subscription Edition); no other software offers them. */
const EXCHANGE_KEYWORDS = [
  'X-ANONYMOUSTLS',
  'X-EXPS',
  'XEXCH50',
  'X-LINK2STATE',
  'XRDST',
  'XSHADOW',
  'XSHADOWREQUEST',
  'XPROXY',
  'XPROXYFROM',
  'XSESSIONPARAMS',
  'XMESSAGECONTEXT',
  'XSYSPROBE',
] as const;

export const SOFTWARE: readonly SoftwareEntry[] = [
  {
    id: 'exchange-online',
    name: 'Exchange Online Protection (Microsoft 365)',
    remediationKey: 'exchange',
    // It greets like Exchange Server ("Microsoft ESMTP MAIL Service ready at …"): its host names tell it apart.
    refines: ['exchange'],
    fingerprints: [
      {
        field: 'host',
        pattern: /\.protection\.(?:outlook\.com|partner\.outlook\.cn|office365\.us)$/,
        confidence: 'high',
        why: 'Exchange Online hosts: <tenant>.mail.protection.outlook.com (MX), *.outbound.protection.outlook.com, and the 21Vianet and GCC High clouds.',
      },
    ],
  },
  {
    id: 'exchange',
    name: 'Microsoft Exchange',
    remediationKey: 'exchange',
    // Exchange 2000 and 2003 ran on the IIS SMTP service and kept its banner: their keywords say Exchange.
    refines: ['iis-smtp'],
    fingerprints: [
      {
        field: 'banner',
        pattern: /Microsoft ESMTP MAIL Service ready at/i,
        confidence: 'high',
        why: 'The default Receive connector banner of Exchange 2007 and later: "<fqdn> Microsoft ESMTP MAIL Service ready at <date>".',
      },
      { field: 'extensions', keywords: EXCHANGE_KEYWORDS, atLeast: 1, confidence: 'medium', why: 'One keyword only Exchange offers.' },
      { field: 'extensions', keywords: EXCHANGE_KEYWORDS, atLeast: 2, confidence: 'high', why: 'Two or more of the keywords only Exchange offers (X-ANONYMOUSTLS, X-EXPS, XRDST …).' },
    ],
  },
  {
    id: 'iis-smtp',
    name: 'Microsoft IIS SMTP Service',
    remediationKey: null,
    fingerprints: [
      {
        field: 'banner',
        pattern: /Microsoft ESMTP MAIL Service, Version: \d{1,2}\.\d{1,2}\.\d{1,5}(?:\.\d{1,5})?/i,
        confidence: 'high',
        why: 'The IIS SMTP service names its version: "Microsoft ESMTP MAIL Service, Version: 10.0.17763.1 ready at …" (also Exchange 2003, which ran on it).',
      },
      {
        field: 'extensions',
        keywords: ['TURN', 'OK'],
        atLeast: 2,
        confidence: 'medium',
        why: 'IIS SMTP offers TURN and closes its EHLO reply with "250 OK".',
      },
    ],
  },
  {
    id: 'postfix',
    name: 'Postfix',
    remediationKey: 'postfix',
    fingerprints: [
      {
        field: 'banner',
        pattern: /\bESMTP Postfix\b(?: \([\w ./+~-]{1,40}\))?/i,
        confidence: 'high',
        why: 'The default smtpd_banner "$myhostname ESMTP $mail_name" (Debian and Ubuntu add "(Debian/GNU)", "(Ubuntu)").',
      },
      { field: 'extensions', keywords: ['XCLIENT', 'XFORWARD'], atLeast: 1, confidence: 'medium', why: "Postfix's own XCLIENT and XFORWARD extensions." },
      {
        field: 'extensions',
        keywords: ['PIPELINING', 'VRFY', 'ETRN'],
        atLeast: 3,
        noneOf: ['HELP', 'EXPN', 'VERB', 'DELIVERBY', 'TURN', 'ATRN', 'OK', 'PRDR', ...EXCHANGE_KEYWORDS],
        confidence: 'low',
        why: "Postfix's default list offers VRFY and ETRN but no HELP; others with the same habits exist.",
      },
    ],
  },
  {
    id: 'exim',
    name: 'Exim',
    remediationKey: 'exim',
    fingerprints: [
      {
        field: 'banner',
        pattern: /\bESMTP Exim\b(?: \d{1,2}\.\d{1,3}(?:\.\d{1,3})?)?/i,
        confidence: 'high',
        why: 'The default smtp_banner "$smtp_active_hostname ESMTP Exim $version_number $tod_full" (cPanel and Debian keep it).',
      },
      {
        field: 'extensions',
        keywords: ['PIPE_CONNECT', 'X_PIPE_CONNECT', 'PIPECONNECT'],
        atLeast: 1,
        confidence: 'medium',
        why: "Exim's early pipelining (4.92 and later) is offered only by Exim.",
      },
      { field: 'extensions', keywords: ['PRDR'], atLeast: 1, confidence: 'low', why: 'Per-recipient data responses: Exim offers them by default, few others do.' },
    ],
  },
  {
    id: 'sendmail',
    name: 'Sendmail',
    remediationKey: null,
    fingerprints: [
      {
        field: 'banner',
        pattern: /\bESMTP Sendmail\b(?: [\w./+-]{1,60})?/i,
        confidence: 'high',
        why: 'The default SmtpGreetingMessage "$j Sendmail $v/$Z; $b": "ESMTP Sendmail 8.17.1/8.17.1; <date>".',
      },
      {
        field: 'banner',
        pattern: /\b8\.\d{1,2}\.\d{1,2}(?:\.\d{1,2})?\/8\.\d{1,2}\.\d{1,2}/,
        confidence: 'medium',
        why: 'Sendmail\'s "binary/configuration" version pair ("8.15.2/8.15.2") survives when its name is removed.',
      },
      { field: 'extensions', keywords: ['VERB', 'DELIVERBY'], atLeast: 1, confidence: 'medium', why: 'VERB and DELIVERBY are offered by Sendmail and hardly anything else.' },
      { field: 'ehlo', pattern: /pleased to meet you/i, confidence: 'low', why: 'Sendmail answers EHLO "Hello <client> [<ip>], pleased to meet you"; OpenSMTPD and Proofpoint say it too.' },
    ],
  },
  {
    id: 'opensmtpd',
    name: 'OpenSMTPD',
    remediationKey: null,
    fingerprints: [
      { field: 'banner', pattern: /\bESMTP OpenSMTPD\b/i, confidence: 'high', why: 'The default OpenSMTPD banner "<hostname> ESMTP OpenSMTPD".' },
      { field: 'ehlo', pattern: /pleased to meet you/i, confidence: 'low', why: 'OpenSMTPD answers EHLO like Sendmail: "…, pleased to meet you".' },
    ],
  },
  {
    id: 'gmail',
    name: 'Google (Gmail / Google Workspace)',
    remediationKey: null,
    fingerprints: [
      { field: 'banner', pattern: /- gsmtp\b/i, confidence: 'high', why: 'Google\'s MX greeting ends in a session id and "- gsmtp".' },
      {
        field: 'host',
        pattern: /(?:^|\.)google(?:mail)?\.com$/,
        confidence: 'high',
        why: 'Google\'s MX hosts (aspmx.l.google.com, smtp.google.com, gmail-smtp-in.l.google.com) and the announced mx.google.com.',
      },
      { field: 'ehlo', pattern: /^at your service\b/i, confidence: 'medium', why: 'Google answers EHLO "mx.google.com at your service, [<ip>]".' },
    ],
  },
  {
    id: 'cisco-esa',
    name: 'Cisco Secure Email Gateway (IronPort)',
    remediationKey: null,
    fingerprints: [
      { field: 'host', pattern: /\.iphmx\.com$/, confidence: 'high', why: 'Cisco Secure Email Cloud Gateway hosts: mx1.<customer>.iphmx.com.' },
      { field: 'banner', pattern: /(?<![\w.-])IronPort(?![\w.-])/i, confidence: 'high', why: 'A banner that names IronPort (the default banner says only "<hostname> ESMTP").' },
      {
        field: 'extensions',
        keywords: ['8BITMIME', 'SIZE'],
        atLeast: 2,
        onlyFrom: ['8BITMIME', 'SIZE', 'STARTTLS', 'AUTH'],
        confidence: 'low',
        why: 'The appliance offers only 8BITMIME and SIZE (and STARTTLS or AUTH when enabled); other minimal servers look alike.',
      },
    ],
  },
  {
    id: 'proofpoint',
    name: 'Proofpoint',
    remediationKey: null,
    fingerprints: [
      {
        field: 'host',
        pattern: /\.(?:pphosted|gpphosted|ppe-hosted)\.com$/,
        confidence: 'high',
        why: 'Proofpoint hosted MX (mx0a-<id>.pphosted.com) and Proofpoint Essentials (mx1-us1.ppe-hosted.com).',
      },
      { field: 'banner', pattern: /(?<![\w.-])Proofpoint(?![\w.-])/i, confidence: 'high', why: 'A banner that names Proofpoint.' },
      { field: 'banner', pattern: /\bESMTP (?:mfa|cm)-m\d{6,8}\b/i, confidence: 'medium', why: 'Proofpoint\'s hosted greeting "ESMTP mfa-m0214089" (or "cm-m…") names the node, not the product.' },
    ],
  },
  {
    id: 'mimecast',
    name: 'Mimecast',
    remediationKey: null,
    fingerprints: [
      {
        field: 'host',
        pattern: /\.(?:mimecast|mimecast-offshore)\.(?:com|co\.za)$/,
        confidence: 'high',
        why: 'Mimecast MX hosts: <region>-smtp-inbound-1.mimecast.com (its banner says only "ESMTP").',
      },
      { field: 'banner', pattern: /(?<![\w.-])Mimecast(?![\w.-])/i, confidence: 'high', why: 'A banner that names Mimecast.' },
    ],
  },
  {
    id: 'barracuda',
    name: 'Barracuda Email Security',
    remediationKey: null,
    fingerprints: [
      { field: 'host', pattern: /\.barracudanetworks\.com$/, confidence: 'high', why: 'Barracuda Email Security Service MX: d<id>a.ess.barracudanetworks.com.' },
      { field: 'banner', pattern: /(?<![\w.-])Barracuda(?![\w.-])/i, confidence: 'high', why: 'A banner that names Barracuda.' },
      {
        field: 'banner',
        pattern: /\bESMTP \([0-9a-f]{32}\)/i,
        confidence: 'medium',
        why: 'The Barracuda gateway greets with "ESMTP (<32 hex digits>)", a hash in place of the product name.',
      },
    ],
  },
  {
    id: 'sophos',
    name: 'Sophos Email',
    remediationKey: null,
    fingerprints: [
      { field: 'host', pattern: /\.hydra\.sophos\.com$/, confidence: 'high', why: 'Sophos Email (Central) MX hosts: mx-01-<region>.prod.hydra.sophos.com.' },
      {
        field: 'banner',
        pattern: /(?<![\w.-])Sophos(?![\w.-])/i,
        confidence: 'medium',
        why: 'A banner that names Sophos; the firewall\'s MTA mode uses "Sophos" as its default host name, so it may be a relay, not the mail system.',
      },
    ],
  },
];
