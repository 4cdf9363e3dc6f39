// What a server does with mail offered without TLS: reading the replies to MAIL FROM / RCPT TO,
// and judging the cleartext test. Reply texts are the ones real MTAs send.
import { describe, expect, it } from 'vitest';
import { assessCleartext } from '../../../src/checks/cleartext/index.js';
import { classifyEnvelopeReply } from '../../../src/checks/envelope/index.js';
import { isRequireTlsReply } from '../../../src/checks/replies.js';
import type { CleartextFacts, EnvelopeStep, HostAssessment, ReplyFacts } from '../../../src/core/schema.js';

const reply = (code: number, text: string): ReplyFacts => ({ code, enhanced: /^\d\.\d+\.\d+/.exec(text)?.[0] ?? null, lines: [text] });
const HOST = 'mx.example.test[192.0.2.1]:25';
const MAIL = 'MAIL FROM:<>';
const RCPT = 'RCPT TO:<postmaster@example.test>';

describe('isRequireTlsReply', () => {
  it("RFC 3207's 530 \"must issue STARTTLS first\", with 5.7.0 or no enhanced code", () => {
    expect(isRequireTlsReply(reply(530, '5.7.0 Must issue a STARTTLS command first'))).toBe(true);
    expect(isRequireTlsReply(reply(530, 'Must issue a STARTTLS command first'))).toBe(true);
    // A 530 that says nothing about TLS but nothing about authentication either: RFC 3207's meaning.
    expect(isRequireTlsReply(reply(530, '5.7.0 Access denied'))).toBe(true);
  });

  it("530 about authentication is not about TLS (Exchange's 5.7.1 'Client was not authenticated')", () => {
    expect(isRequireTlsReply(reply(530, '5.7.1 Client was not authenticated'))).toBe(false);
    expect(isRequireTlsReply(reply(530, '5.7.0 Authentication required'))).toBe(false);
    expect(isRequireTlsReply(reply(530, 'Authentication required'))).toBe(false);
    // With another enhanced code, a 530 is read like any refusal: by its words.
    expect(isRequireTlsReply(reply(530, '5.7.1 Must issue a STARTTLS command first'))).toBe(true);
    expect(isRequireTlsReply(reply(530, '5.7.1 Access denied'))).toBe(false);
    // Without an enhanced code, RFC 3207's meaning unless it speaks of authentication.
    expect(isRequireTlsReply(reply(530, 'Access denied'))).toBe(true);
  });

  it('a 4xx/5xx refusal that names TLS with a security (x.7.x) code', () => {
    expect(isRequireTlsReply(reply(451, '4.7.3 TLS is required for this domain'))).toBe(true);
    expect(isRequireTlsReply(reply(550, '5.7.1 Encryption required for requested authentication mechanism'))).toBe(true);
    expect(isRequireTlsReply(reply(554, '5.7.10 Secure connection needed'))).toBe(true);
    expect(isRequireTlsReply(reply(554, '5.7.1 Use a secure channel'))).toBe(true);
    expect(isRequireTlsReply(reply(550, '5.7.1 Only STARTTLS sessions accepted'))).toBe(true);
  });

  it('or that names TLS and says it is required, without a security code', () => {
    expect(isRequireTlsReply(reply(550, 'TLS must be used for this recipient'))).toBe(true);
    expect(isRequireTlsReply(reply(450, '4.2.0 STARTTLS required'))).toBe(true);
    expect(isRequireTlsReply(reply(554, '5.0.0 Issue STARTTLS first'))).toBe(true);
    // The words may be spread over the lines of a multi-line reply.
    expect(isRequireTlsReply({ code: 550, enhanced: '5.7.1', lines: ['5.7.1 This server requires TLS', '5.7.1 for all mail'] })).toBe(true);
    // Any 4yz counts, the lowest included.
    expect(isRequireTlsReply(reply(400, 'TLS required'))).toBe(true);
  });

  it('not a refusal for TLS', () => {
    expect(isRequireTlsReply(reply(550, '5.1.1 User unknown'))).toBe(false);
    expect(isRequireTlsReply(reply(554, '5.7.1 Relay access denied'))).toBe(false);
    // Names TLS, but neither a security code nor a requirement.
    expect(isRequireTlsReply(reply(451, '4.3.0 TLS library error, try later'))).toBe(false);
    // A security code and a requirement, but not TLS ("TLSv1" is not the word TLS).
    expect(isRequireTlsReply(reply(550, '5.7.1 Sender authentication required'))).toBe(false);
    expect(isRequireTlsReply(reply(554, '5.7.1 TLSv1 must not be used'))).toBe(false);
    // Success is never a refusal.
    expect(isRequireTlsReply(reply(250, '2.1.0 Ok, TLS is required next time'))).toBe(false);
    expect(isRequireTlsReply(reply(354, 'TLS required first'))).toBe(false);
  });
});

describe('classifyEnvelopeReply', () => {
  it('no reply', () => {
    expect(classifyEnvelopeReply(null)).toBe('no-reply');
  });

  it('"TLS first" before anything else', () => {
    expect(classifyEnvelopeReply(reply(530, '5.7.0 Must issue a STARTTLS command first'))).toBe('requires-tls');
    expect(classifyEnvelopeReply(reply(451, '4.7.3 TLS required, try again later'))).toBe('requires-tls');
  });

  it('any 2xx is accepted', () => {
    expect(classifyEnvelopeReply(reply(250, '2.1.0 Ok'))).toBe('accepted');
    expect(classifyEnvelopeReply(reply(251, '2.1.5 User not local; will forward'))).toBe('accepted');
    expect(classifyEnvelopeReply(reply(200, 'Ok'))).toBe('accepted');
  });

  it('450/451 that speak of greylisting or trying later: greylisted', () => {
    for (const text of ['4.7.1 Greylisted, see http://postgrey.schweikert.ch/', '4.7.1 Recipient address rejected: Grey-listed', '4.2.0 Graylisting in action', '4.7.1 Please try again', 'Service unavailable, come back later']) {
      expect(classifyEnvelopeReply(reply(450, text)), text).toBe('greylisted');
      expect(classifyEnvelopeReply(reply(451, text)), text).toBe('greylisted');
    }
  });

  it('greylisting words spread over the lines of a multi-line reply', () => {
    expect(classifyEnvelopeReply({ code: 450, enhanced: null, lines: ['Service temporarily unavailable, please try', 'again in 5 minutes'] })).toBe('greylisted');
  });

  it('other 4xx: deferred', () => {
    expect(classifyEnvelopeReply(reply(450, '4.2.0 Mailbox busy'))).toBe('deferred');
    expect(classifyEnvelopeReply(reply(451, '4.3.0 Local error in processing'))).toBe('deferred');
    expect(classifyEnvelopeReply(reply(452, '4.3.1 Insufficient system storage, try again later'))).toBe('deferred');
    expect(classifyEnvelopeReply(reply(421, '4.4.2 Timeout, try again later'))).toBe('deferred');
    expect(classifyEnvelopeReply(reply(400, 'Try again later'))).toBe('deferred');
    expect(classifyEnvelopeReply(reply(499, 'Try again later'))).toBe('deferred');
  });

  it('5xx (and anything else): rejected', () => {
    expect(classifyEnvelopeReply(reply(550, '5.1.1 User unknown'))).toBe('rejected');
    expect(classifyEnvelopeReply(reply(554, '5.7.1 Relay access denied, try again later'))).toBe('rejected');
    expect(classifyEnvelopeReply(reply(500, 'try again later'))).toBe('rejected');
    expect(classifyEnvelopeReply(reply(354, 'Start mail input'))).toBe('rejected');
    expect(classifyEnvelopeReply(reply(300, 'Ok'))).toBe('rejected');
  });
});

describe('assessCleartext', () => {
  type Judged = NonNullable<HostAssessment['cleartext']>;
  const step = (command: string, r: ReplyFacts): EnvelopeStep => ({ command, reply: r });
  /** The test as measured, and what the checks made of it (each reply classified as they do). */
  const cleartext = (steps: EnvelopeStep[], requiresTls: boolean | null): [CleartextFacts, Judged] => [
    { status: 'ok', steps },
    { outcomes: steps.map((s) => ({ command: s.command, outcome: classifyEnvelopeReply(s.reply) })), requiresTls },
  ];
  const tlsFirst = reply(530, '5.7.0 Must issue a STARTTLS command first');

  it('refused at MAIL FROM: policy.requires-tls with the stage and the reply, about this host', () => {
    const [f, ...rest] = assessCleartext(...cleartext([step(MAIL, tlsFirst)], true), HOST, [20, 21]);
    expect(rest).toEqual([]);
    expect(f?.id).toBe('policy.requires-tls');
    expect(f?.facts).toEqual({ host: HOST, stage: 'MAIL FROM', reply: '530 5.7.0 Must issue a STARTTLS command first' });
    expect(f?.evidence).toEqual([20, 21]);
    expect(f?.hosts).toEqual([HOST]);
  });

  it('refused at RCPT TO, after MAIL FROM was accepted', () => {
    const found = assessCleartext(...cleartext([step(MAIL, reply(250, '2.1.0 Ok')), step(RCPT, reply(450, '4.7.0 STARTTLS required'))], true), HOST, []);
    expect(found.map((f) => [f.id, f.facts])).toEqual([['policy.requires-tls', { host: HOST, stage: 'RCPT TO', reply: '450 4.7.0 STARTTLS required' }]]);
  });

  it('accepted in the clear: policy.cleartext-accepted at the last stage tried', () => {
    const both = assessCleartext(...cleartext([step(MAIL, reply(250, '2.1.0 Ok')), step(RCPT, reply(250, '2.1.5 Ok'))], false), HOST, [22]);
    expect(both.map((f) => [f.id, f.facts, f.evidence, f.hosts])).toEqual([['policy.cleartext-accepted', { host: HOST, stage: 'RCPT TO' }, [22], [HOST]]]);
    // No recipient to try (a host target without a domain): MAIL FROM was the last stage.
    const mailOnly = assessCleartext(...cleartext([step(MAIL, reply(250, '2.1.0 Ok'))], false), HOST, []);
    expect(mailOnly.map((f) => [f.id, f.facts])).toEqual([['policy.cleartext-accepted', { host: HOST, stage: 'MAIL FROM' }]]);
  });

  it('unknown (refused for another reason, or the test could not run): nothing', () => {
    expect(assessCleartext(...cleartext([step(MAIL, reply(250, '2.1.0 Ok')), step(RCPT, reply(550, '5.1.1 User unknown'))], null), HOST, [])).toEqual([]);
    expect(assessCleartext({ status: 'connection-refused', steps: [] }, { outcomes: [], requiresTls: null }, HOST, [])).toEqual([]);
  });
});
