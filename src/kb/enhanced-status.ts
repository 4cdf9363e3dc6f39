// The SMTP enhanced mail system status codes (RFC 3463, the IANA registry RFC 5248 set up, and the
// RFCs that registered codes since), as data: what "5.7.1" or "4.4.0" means, for `mxray explain`
// and for every reply mxray shows. A code is class.subject.detail: the class says whether it is
// final, the subject what area failed, the detail what exactly. Codes some providers give their own
// meanings (Exchange Online's 4.4.8 / 5.4.8, 4.7.5 / 5.7.5 …) are not here: their rules live with
// the error-text rules, citing the provider's documentation.

export interface StatusPart {
  /** The registry's summary, as people read it. */
  summary: string;
  /** The RFC that registered it. */
  ref: string;
}

/** The class: 2 success, 4 persistent transient failure, 5 permanent failure (RFC 3463 §3.1). */
export const STATUS_CLASSES: ReadonlyMap<number, StatusPart & { final: boolean | null }> = new Map([
  [2, { summary: 'Success', ref: 'RFC 3463 §3.1', final: null }],
  [4, { summary: 'Persistent transient failure: the sender keeps the message and tries again', ref: 'RFC 3463 §3.1', final: false }],
  [5, { summary: 'Permanent failure: the sender gives up and returns the message', ref: 'RFC 3463 §3.1', final: true }],
]);

/** The subject: the area the status is about (RFC 3463 §3.2). */
export const STATUS_SUBJECTS: ReadonlyMap<number, StatusPart> = new Map([
  [0, { summary: 'Other or undefined status', ref: 'RFC 3463 §3.2' }],
  [1, { summary: 'Addressing status (the sender or recipient address)', ref: 'RFC 3463 §3.2' }],
  [2, { summary: 'Mailbox status (the recipient mailbox)', ref: 'RFC 3463 §3.2' }],
  [3, { summary: 'Mail system status (the receiving system)', ref: 'RFC 3463 §3.2' }],
  [4, { summary: 'Network and routing status (reaching the next system)', ref: 'RFC 3463 §3.2' }],
  [5, { summary: 'Mail delivery protocol status (the SMTP dialogue)', ref: 'RFC 3463 §3.2' }],
  [6, { summary: 'Message content or media status', ref: 'RFC 3463 §3.2' }],
  [7, { summary: 'Security or policy status', ref: 'RFC 3463 §3.2' }],
]);

/**
 * The enumerated codes, "subject.detail" (the same meaning in classes 2, 4 and 5 where the class
 * allows it). `tls`: the code is about transport security, which `mxray explain` treats in depth.
 */
export const STATUS_DETAILS: ReadonlyMap<string, StatusPart & { tls?: true }> = new Map([
  ['0.0', { summary: 'Other undefined status', ref: 'RFC 3463 §3.3' }],
  ['1.0', { summary: 'Other address status', ref: 'RFC 3463 §3.4' }],
  ['1.1', { summary: 'Bad destination mailbox address', ref: 'RFC 3463 §3.4' }],
  ['1.2', { summary: 'Bad destination system address', ref: 'RFC 3463 §3.4' }],
  ['1.3', { summary: 'Bad destination mailbox address syntax', ref: 'RFC 3463 §3.4' }],
  ['1.4', { summary: 'Destination mailbox address ambiguous', ref: 'RFC 3463 §3.4' }],
  ['1.5', { summary: 'Destination address valid', ref: 'RFC 3463 §3.4' }],
  ['1.6', { summary: 'Destination mailbox has moved, no forwarding address', ref: 'RFC 3463 §3.4' }],
  ['1.7', { summary: "Bad sender's mailbox address syntax", ref: 'RFC 3463 §3.4' }],
  ['1.8', { summary: "Bad sender's system address", ref: 'RFC 3463 §3.4' }],
  ['1.9', { summary: 'Message relayed to non-compliant mailer', ref: 'RFC 3886' }],
  ['1.10', { summary: 'Recipient address has null MX', ref: 'RFC 7505' }],
  ['2.0', { summary: 'Other or undefined mailbox status', ref: 'RFC 3463 §3.5' }],
  ['2.1', { summary: 'Mailbox disabled, not accepting messages', ref: 'RFC 3463 §3.5' }],
  ['2.2', { summary: 'Mailbox full', ref: 'RFC 3463 §3.5' }],
  ['2.3', { summary: 'Message length exceeds administrative limit', ref: 'RFC 3463 §3.5' }],
  ['2.4', { summary: 'Mailing list expansion problem', ref: 'RFC 3463 §3.5' }],
  ['3.0', { summary: 'Other or undefined mail system status', ref: 'RFC 3463 §3.6' }],
  ['3.1', { summary: 'Mail system full', ref: 'RFC 3463 §3.6' }],
  ['3.2', { summary: 'System not accepting network messages', ref: 'RFC 3463 §3.6' }],
  ['3.3', { summary: 'System not capable of selected features', ref: 'RFC 3463 §3.6' }],
  ['3.4', { summary: 'Message too big for system', ref: 'RFC 3463 §3.6' }],
  ['3.5', { summary: 'System incorrectly configured', ref: 'RFC 3463 §3.6' }],
  ['3.6', { summary: 'Requested priority was changed', ref: 'RFC 6710' }],
  ['4.0', { summary: 'Other or undefined network or routing status', ref: 'RFC 3463 §3.7' }],
  ['4.1', { summary: 'No answer from host', ref: 'RFC 3463 §3.7' }],
  ['4.2', { summary: 'Bad connection', ref: 'RFC 3463 §3.7' }],
  ['4.3', { summary: 'Directory server failure', ref: 'RFC 3463 §3.7' }],
  ['4.4', { summary: 'Unable to route', ref: 'RFC 3463 §3.7' }],
  ['4.5', { summary: 'Mail system congestion', ref: 'RFC 3463 §3.7' }],
  ['4.6', { summary: 'Routing loop detected', ref: 'RFC 3463 §3.7' }],
  ['4.7', { summary: 'Delivery time expired', ref: 'RFC 3463 §3.7' }],
  ['5.0', { summary: 'Other or undefined protocol status', ref: 'RFC 3463 §3.8' }],
  ['5.1', { summary: 'Invalid command', ref: 'RFC 3463 §3.8' }],
  ['5.2', { summary: 'Syntax error', ref: 'RFC 3463 §3.8' }],
  ['5.3', { summary: 'Too many recipients', ref: 'RFC 3463 §3.8' }],
  ['5.4', { summary: 'Invalid command arguments', ref: 'RFC 3463 §3.8' }],
  ['5.5', { summary: 'Wrong protocol version', ref: 'RFC 3463 §3.8' }],
  ['5.6', { summary: 'Authentication exchange line is too long', ref: 'RFC 4954' }],
  ['6.0', { summary: 'Other or undefined media error', ref: 'RFC 3463 §3.9' }],
  ['6.1', { summary: 'Media not supported', ref: 'RFC 3463 §3.9' }],
  ['6.2', { summary: 'Conversion required and prohibited', ref: 'RFC 3463 §3.9' }],
  ['6.3', { summary: 'Conversion required but not supported', ref: 'RFC 3463 §3.9' }],
  ['6.4', { summary: 'Conversion with loss performed', ref: 'RFC 3463 §3.9' }],
  ['6.5', { summary: 'Conversion failed', ref: 'RFC 3463 §3.9' }],
  ['6.6', { summary: 'Message content not available', ref: 'RFC 4468' }],
  ['6.7', { summary: 'Non-ASCII addresses not permitted for that sender or recipient', ref: 'RFC 6531' }],
  ['6.8', { summary: 'UTF-8 string reply is required, but not permitted by the SMTP client', ref: 'RFC 6531' }],
  ['6.9', { summary: 'UTF-8 header message cannot be transferred to one or more recipients', ref: 'RFC 6531' }],
  ['7.0', { summary: 'Other or undefined security status', ref: 'RFC 3463 §3.10', tls: true }],
  ['7.1', { summary: 'Delivery not authorized, message refused', ref: 'RFC 3463 §3.10' }],
  ['7.2', { summary: 'Mailing list expansion prohibited', ref: 'RFC 3463 §3.10' }],
  ['7.3', { summary: 'Security conversion required but not possible', ref: 'RFC 3463 §3.10', tls: true }],
  ['7.4', { summary: 'Security features not supported', ref: 'RFC 3463 §3.10', tls: true }],
  ['7.5', { summary: 'Cryptographic failure', ref: 'RFC 3463 §3.10', tls: true }],
  ['7.6', { summary: 'Cryptographic algorithm not supported', ref: 'RFC 3463 §3.10', tls: true }],
  ['7.7', { summary: 'Message integrity failure', ref: 'RFC 3463 §3.10' }],
  ['7.8', { summary: 'Authentication credentials invalid', ref: 'RFC 4954' }],
  ['7.9', { summary: 'Authentication mechanism is too weak', ref: 'RFC 4954' }],
  ['7.10', { summary: 'Encryption needed', ref: 'RFC 5248', tls: true }],
  ['7.11', { summary: 'Encryption required for requested authentication mechanism', ref: 'RFC 4954', tls: true }],
  ['7.12', { summary: 'A password transition is needed', ref: 'RFC 4954' }],
  ['7.13', { summary: 'User account disabled', ref: 'RFC 5248' }],
  ['7.14', { summary: 'Trust relationship required', ref: 'RFC 5248' }],
  ['7.15', { summary: 'Priority level is too low', ref: 'RFC 6710' }],
  ['7.16', { summary: 'Message is too big for the specified priority', ref: 'RFC 6710' }],
  ['7.17', { summary: 'Mailbox owner has changed', ref: 'RFC 7293' }],
  ['7.18', { summary: 'Domain owner has changed', ref: 'RFC 7293' }],
  ['7.19', { summary: 'RRVS test cannot be completed', ref: 'RFC 7293' }],
  ['7.20', { summary: 'No passing DKIM signature found', ref: 'RFC 7372' }],
  ['7.21', { summary: 'No acceptable DKIM signature found', ref: 'RFC 7372' }],
  ['7.22', { summary: 'No valid author-matched DKIM signature found', ref: 'RFC 7372' }],
  ['7.23', { summary: 'SPF validation failed', ref: 'RFC 7372' }],
  ['7.24', { summary: 'SPF validation error', ref: 'RFC 7372' }],
  ['7.25', { summary: 'Reverse DNS validation failed', ref: 'RFC 7372' }],
  ['7.26', { summary: 'Multiple authentication checks failed', ref: 'RFC 7372' }],
  ['7.27', { summary: 'Sender address has null MX', ref: 'RFC 7505' }],
  ['7.29', { summary: 'ARC validation failure', ref: 'RFC 8617' }],
  ['7.30', { summary: 'REQUIRETLS support required', ref: 'RFC 8689', tls: true }],
]);

export interface EnhancedStatus {
  /** As written, e.g. "5.7.1". */
  code: string;
  class: number;
  subject: number;
  detail: number;
  /** The class's meaning (null: not 2, 4 or 5 — not an enhanced status code at all). */
  classSummary: string | null;
  /** Whether a sender gives up (5), tries again (4), or it is a success (null). */
  final: boolean | null;
  subjectSummary: string | null;
  /** The registered meaning of subject.detail (null: not registered as mxray knows the registry). */
  detailSummary: string | null;
  ref: string | null;
  /** About transport security (X.7.0, X.7.3 … X.7.6, X.7.10, X.7.11, X.7.30). */
  tls: boolean;
}

/** The three numbers of an enhanced status code (RFC 3463 §2: class 1 digit, subject and detail 1-3 digits each). */
const CODE = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

/** What an enhanced status code means; null when the text is not one (a class other than 2, 4, 5, or more digits than RFC 3463 allows). */
export function describeEnhancedStatus(code: string): EnhancedStatus | null {
  const m = CODE.exec(code);
  if (!m) return null;
  const [klass, subject, detail] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const c = STATUS_CLASSES.get(klass);
  const s = STATUS_SUBJECTS.get(subject);
  const d = STATUS_DETAILS.get(`${subject}.${detail}`);
  return {
    code: `${klass}.${subject}.${detail}`,
    class: klass,
    subject,
    detail,
    classSummary: c?.summary ?? null,
    final: c?.final ?? null,
    subjectSummary: s?.summary ?? null,
    detailSummary: d?.summary ?? null,
    ref: d?.ref ?? s?.ref ?? null,
    tls: d?.tls === true,
  };
}
