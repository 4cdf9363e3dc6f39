// The envelope check (--from / --rcpt): each reply's meaning, and the findings from the
// assessment's outcomes.
import { describe, expect, it } from 'vitest';
import { classifyEnvelope, envelopeCheck } from '../../../src/checks/envelope/index.js';
import type { EnvelopeStep } from '../../../src/core/schema.js';
import { EV, F, found, HOST, reply } from './check-helpers.js';

const run = (steps: EnvelopeStep[]) => envelopeCheck.assess({ facts: { key: HOST, evidence: EV, envelope: steps }, assessment: { envelope: classifyEnvelope(steps) }, ctx: {}, prior: [] });

describe('classifyEnvelope', () => {
  it("gives each step's command and what its reply means", () => {
    expect(
      classifyEnvelope([
        { command: 'MAIL FROM:<a@example.net>', reply: reply(250, '2.1.0 ok') },
        { command: 'RCPT TO:<b@example.test>', reply: reply(450, '4.2.0 greylisted, try again later') },
        { command: 'RCPT TO:<c@example.test>', reply: reply(451, '4.3.0 local error') },
        { command: 'RCPT TO:<d@example.test>', reply: reply(550, '5.1.1 no such user') },
        { command: 'RCPT TO:<e@example.test>', reply: reply(530, '5.7.0 Must issue a STARTTLS command first') },
        { command: 'RCPT TO:<f@example.test>', reply: null },
      ]).map((s) => s.outcome),
    ).toEqual(['accepted', 'greylisted', 'deferred', 'rejected', 'requires-tls', 'no-reply']);
  });
});

describe('envelopeCheck', () => {
  it('accepted: nothing', () => {
    expect(run([{ command: 'MAIL FROM:<a@example.net>', reply: reply(250, 'ok') }])).toEqual([]);
  });

  it('one finding per step that was refused, greylisted or rate limited, in order, with the envelope evidence', () => {
    const findings = run([
      { command: 'MAIL FROM:<a@example.net>', reply: reply(250, 'ok') },
      { command: 'RCPT TO:<b@example.test>', reply: reply(450, '4.2.0 greylisted') },
      { command: 'RCPT TO:<c@example.test>', reply: reply(550, '5.1.1 no such user') },
      { command: 'RCPT TO:<d@example.test>', reply: reply(451, '4.3.0 local error') },
      { command: 'RCPT TO:<e@example.test>', reply: reply(421, '4.7.0 too many') },
    ]);
    expect(found(findings)).toEqual([
      F('smtp.greylisted', { command: 'RCPT TO:<b@example.test>', reply: '450 4.2.0 greylisted' }),
      F('smtp.envelope-rejected', { command: 'RCPT TO:<c@example.test>', reply: '550 5.1.1 no such user' }),
      F('smtp.envelope-rejected', { command: 'RCPT TO:<d@example.test>', reply: '451 4.3.0 local error' }),
      F('smtp.rate-limited', { reply: '421 4.7.0 too many' }),
    ]);
    for (const f of findings) expect(f.evidence).toEqual([12, 13]);
  });
});
