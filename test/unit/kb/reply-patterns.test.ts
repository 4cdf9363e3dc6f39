// The reply rules as data: what each meaning matches, and what it must not. The texts are written
// here in the dialects real servers use (Postfix, Exim, Exchange Online, gateways).
import { describe, expect, it } from 'vitest';
import type { ReplyFacts } from '../../../src/core/schema.js';
import { REPLY_RULES, replyMeans, ruleMatches, type ReplyMeaning } from '../../../src/kb/reply-patterns.js';

const reply = (code: number, enhanced: string | null, text: string): ReplyFacts => ({ code, enhanced, lines: [enhanced ? `${enhanced} ${text}` : text] });
const meanings = (r: ReplyFacts) => (Object.keys(REPLY_RULES) as ReplyMeaning[]).filter((m) => replyMeans(r, m));

describe('reply meanings', () => {
  it.each([
    [reply(421, '4.7.0', 'mx.example.net Error: too many connections from 192.0.2.7'), ['rate-limit']],
    [reply(450, '4.7.1', 'Too many messages, slow down'), ['rate-limit']],
    [reply(451, '4.7.1', 'Greylisted, please try again in 300 seconds'), ['greylisting']],
    [reply(450, '4.2.0', 'Recipient address rejected: Greylisted for 5 minutes'), ['greylisting']],
    [reply(530, '5.7.0', 'Must issue a STARTTLS command first'), ['requires-tls']],
    [reply(530, null, 'Must issue a STARTTLS command first'), ['requires-tls']],
    [reply(530, '5.7.1', 'Client was not authenticated'), ['auth-required']],
    [reply(530, '5.7.57', 'Client not authenticated to send mail.'), ['auth-required']],
    [reply(535, '5.7.139', 'Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.'), ['client-auth-disabled']],
    [reply(552, '5.3.4', 'Error: message file too big'), ['message-too-large']],
    [reply(535, '5.7.8', 'Error: authentication failed'), []],
    [reply(550, '5.7.1', 'Encryption required for requested authentication mechanism'), ['requires-tls']],
    [reply(554, '5.7.1', 'Service unavailable; Client host [192.0.2.7] blocked using zen.example-dnsbl.org'), ['blocklisted']],
    [reply(550, null, 'rejected because 192.0.2.7 is in a black list at bl.example.org'), ['blocklisted']],
    [reply(550, '5.7.606', 'Access denied, banned sending IP [192.0.2.7]'), ['blocklisted']],
    [reply(550, '5.7.511', 'Access denied, banned sender'), ['blocklisted']],
    [reply(554, null, 'Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.7'), ['blocklisted']],
    [reply(554, '5.7.1', 'Rejected: your IP is listed on Spamhaus'), ['blocklisted']],
    [reply(550, '5.7.1', 'Message rejected due to poor IP reputation'), ['blocklisted']],
    [reply(550, '5.1.1', 'User unknown in virtual mailbox table'), []],
    [reply(250, '2.1.0', 'Ok, listed in the allow list'), []],
    [reply(550, '5.7.650', 'Access denied, something else'), []],
  ])('%o means %o', (r, expected) => {
    expect(meanings(r)).toEqual(expected);
  });

  it('a rule holds only when every condition it names holds', () => {
    const rule = { codes: ['5xx'] as const, enhanced: [null, '5.7.0'], text: [/TLS/], notText: [/auth/i], why: 'test' };
    expect(ruleMatches(reply(530, '5.7.0', 'TLS first'), rule)).toBe(true);
    expect(ruleMatches(reply(430, '5.7.0', 'TLS first'), rule)).toBe(false);
    expect(ruleMatches(reply(530, '5.7.1', 'TLS first'), rule)).toBe(false);
    expect(ruleMatches(reply(530, '5.7.0', 'first'), rule)).toBe(false);
    expect(ruleMatches(reply(530, '5.7.0', 'TLS first, then AUTH'), rule)).toBe(false);
    expect(ruleMatches(reply(530, null, 'TLS first'), rule)).toBe(true);
    expect(ruleMatches(reply(530, null, 'TLS first'), { codes: [530], enhancedLike: /^5\./, why: 'x' })).toBe(false);
  });

  it('every rule says why it exists', () => {
    for (const [meaning, rules] of Object.entries(REPLY_RULES)) for (const r of rules) expect(r.why.length, meaning).toBeGreaterThan(10);
  });
});

it('a 530 about authentication never means "TLS required", even when it names STARTTLS', () => {
  expect(replyMeans(reply(530, '5.7.0', 'Authentication required; must issue a STARTTLS command first'), 'requires-tls')).toBe(false);
  expect(replyMeans(reply(530, null, 'Authentication required'), 'requires-tls')).toBe(false);
  // Another code with the same words is judged by the rules alone.
  expect(replyMeans(reply(550, '5.7.1', 'Authentication required; must issue a STARTTLS command first'), 'requires-tls')).toBe(true);
});

it('client-cert-required: the refusals that ask for the client certificate, not those about the server certificate', () => {
  expect(meanings(reply(421, '4.7.1', 'mx.example.test Error: No client certificate presented'))).toEqual(['rate-limit', 'client-cert-required']);
  expect(replyMeans(reply(530, '5.7.1', 'Client certificate required'), 'client-cert-required')).toBe(true);
  expect(replyMeans(reply(554, '5.7.1', 'Peer certificate is required'), 'client-cert-required')).toBe(true);
  expect(replyMeans(reply(554, null, 'no certificate received from the sender'), 'client-cert-required')).toBe(true);
  expect(replyMeans(reply(554, '5.7.1', 'Server certificate is required to be valid; client certificate check skipped'), 'client-cert-required')).toBe(false);
  expect(replyMeans(reply(250, null, 'Client certificate presented, thanks'), 'client-cert-required')).toBe(false);
  expect(replyMeans(reply(550, '5.7.51', 'TenantInboundAttribution; RestrictDomainsToCertificate set'), 'client-cert-required')).toBe(false);
});
