// Checks read facts and assessments that a saved report may carry in any shape the schema allows:
// inconsistent pairs (an assessment without its facts, fewer outcomes than steps, an empty
// chain) must give an honest answer, never a crash.
import { describe, expect, it } from 'vitest';
import { assessCleartext, cleartextCheck } from '../../../src/checks/cleartext/index.js';
import { envelopeCheck } from '../../../src/checks/envelope/index.js';
import { lastOf, recorded } from '../../../src/checks/evidence.js';
import { softwareOf } from '../../../src/checks/host.js';
import { EV, HOST, reply } from './check-helpers.js';

describe('evidence', () => {
  it('skips phases with nothing recorded, and event 0 is an event', () => {
    expect(recorded({ connect: undefined, banner: [3] })).toEqual([3]);
    expect(lastOf({ connect: [0] })).toEqual([0]);
    expect(lastOf({ connect: [5, 2], tls: [4] })).toEqual([5]);
    expect(lastOf({})).toEqual([]);
  });
});

describe('cleartext', () => {
  it('an accepted session without steps reads as MAIL FROM; a refusal without its step too, with no reply', () => {
    expect(assessCleartext({ status: 'ok', steps: [] }, { outcomes: [], requiresTls: false }, HOST, []).map((f) => f.facts['stage'])).toEqual(['MAIL FROM']);
    const refused = assessCleartext({ status: 'ok', steps: [] }, { outcomes: [], requiresTls: true }, HOST, []);
    expect(refused.map((f) => [f.id, f.facts['stage']])).toEqual([['policy.requires-tls', 'MAIL FROM']]);
  });

  it('judges nothing when the facts or the assessment is missing', () => {
    const judged = { outcomes: [], requiresTls: false };
    expect(cleartextCheck.assess({ facts: { key: HOST, evidence: EV, cleartext: null }, assessment: { cleartext: judged }, ctx: {}, prior: [] })).toEqual([]);
    expect(cleartextCheck.assess({ facts: { key: HOST, evidence: EV, cleartext: { status: 'ok', steps: [] } }, assessment: { cleartext: null }, ctx: {}, prior: [] })).toEqual([]);
  });
});

describe('envelope', () => {
  it('a step without its outcome is read from its reply alone', () => {
    const steps = [{ command: 'MAIL FROM:<a@b>', reply: reply(250, 'ok') }];
    expect(envelopeCheck.assess({ facts: { key: HOST, evidence: EV, envelope: steps }, assessment: { envelope: [] }, ctx: {}, prior: [] })).toEqual([]);
  });
});

describe('softwareOf', () => {
  it('an EHLO reply without lines is no EHLO text', () => {
    expect(
      softwareOf({ banner: null, ehloReply: { code: 250, enhanced: null, lines: [] }, ehloTlsReply: null, mx: 'mx.example.test', capabilities: [], capabilitiesInTls: null }),
    ).toBeNull();
  });
});
