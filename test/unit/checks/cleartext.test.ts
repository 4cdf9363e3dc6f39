// The cleartext policy check: what the cleartext test's replies mean, and its finding.
import { describe, expect, it } from 'vitest';
import { cleartextCheck, judgeCleartext } from '../../../src/checks/cleartext/index.js';
import type { CleartextFacts } from '../../../src/core/schema.js';
import { EV, F, found, HOST, reply } from './check-helpers.js';

const MAIL = { command: 'MAIL FROM:<>', reply: reply(250, '2.1.0 ok') };
const RCPT = { command: 'RCPT TO:<postmaster@example.test>', reply: reply(250, '2.1.5 ok') };
const test = (...steps: CleartextFacts['steps']): CleartextFacts => ({ status: 'ok', steps });
const run = (c: CleartextFacts | null) => cleartextCheck.assess({ facts: { key: HOST, evidence: EV, cleartext: c }, assessment: { cleartext: judgeCleartext(c) }, ctx: {}, prior: [] });

describe('judgeCleartext', () => {
  it('refused for want of TLS, accepted in clear, or unknown', () => {
    expect(judgeCleartext(null)).toBeNull();
    expect(judgeCleartext(test(MAIL, RCPT))?.requiresTls).toBe(false);
    expect(judgeCleartext(test(MAIL, { ...RCPT, reply: reply(530, '5.7.0 Must issue a STARTTLS command first') }))?.requiresTls).toBe(true);
    expect(judgeCleartext(test(MAIL, { ...RCPT, reply: reply(550, '5.1.1 no such user') }))?.requiresTls).toBeNull();
    expect(judgeCleartext(test())).toEqual({ outcomes: [], requiresTls: null });
  });
});

describe('cleartextCheck', () => {
  it('policy.cleartext-accepted or policy.requires-tls (at the stage that said so), with the cleartext evidence', () => {
    const [accepted] = run(test(MAIL, RCPT));
    expect(found([accepted!])).toEqual([F('policy.cleartext-accepted', { stage: 'RCPT TO' })]);
    expect(accepted?.evidence).toEqual([14]);
    expect(found(run(test({ ...MAIL, reply: reply(530, '5.7.0 Must issue a STARTTLS command first') })))).toEqual([
      F('policy.requires-tls', { stage: 'MAIL FROM', reply: '530 5.7.0 Must issue a STARTTLS command first' }),
    ]);
  });

  it('nothing when the test did not run or says nothing', () => {
    expect(run(null)).toEqual([]);
    expect(run(test(MAIL, { ...RCPT, reply: reply(550, '5.1.1 no such user') }))).toEqual([]);
  });
});
