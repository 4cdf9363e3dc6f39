// The dialogue check: a server that stopped answering or broke the protocol mid-way, unless an
// earlier check's finding already says why the dialogue stopped (it reads `prior`).
import { describe, expect, it } from 'vitest';
import { dialogueCheck, STOPPED, type DialogueInput } from '../../../src/checks/dialogue/index.js';
import type { Finding, TranscriptEvent } from '../../../src/core/schema.js';
import { makeFinding } from '../../../src/kb/index.js';
import { EV, F, found, HOST, reply } from './check-helpers.js';

const TIMEOUTS = { connectMs: 10_000, greetingMs: 300_000, commandMs: 120_000 };
type Facts = DialogueInput['facts'];

const run = (over: Partial<Facts>, prior: Finding[] = [], transcript: TranscriptEvent[] = []) =>
  dialogueCheck.assess({
    facts: { key: HOST, evidence: EV, status: 'ok', statusDetail: null, banner: reply(220, 'hi'), ...over },
    assessment: {},
    ctx: { timeouts: TIMEOUTS, transcript },
    prior,
  });

describe('dialogueCheck', () => {
  it('says nothing about a dialogue that ran to its end', () => {
    expect(run({})).toEqual([]);
  });

  it('an answer that never came: smtp.io-timeout naming the last command we sent, at the last event', () => {
    const transcript = [
      { seq: 4, t: 1, kind: 'send', text: 'EHLO mxray.test' },
      { seq: 6, t: 2, kind: 'send', text: 'STARTTLS' },
      { seq: 7, t: 3, kind: 'recv', text: '220 go ahead' },
    ] as TranscriptEvent[];
    const [f] = run({ status: 'io-timeout' }, [], transcript);
    expect(found([f!])).toEqual([F('smtp.io-timeout', { command: 'STARTTLS', timeoutMs: 120_000 })]);
    expect(f?.evidence).toEqual([17]);
    expect(found(run({ status: 'io-timeout' }))).toEqual([F('smtp.io-timeout', { command: 'command', timeoutMs: 120_000 })]);
  });

  it('a protocol error: smtp.protocol-error, after TLS said so; at the last event, or the banner/connect before any banner', () => {
    const [f] = run({ status: 'protocol-error', statusDetail: 'line too long' });
    expect(found([f!])).toEqual([F('smtp.protocol-error', { detail: 'line too long' })]);
    expect(f?.evidence).toEqual([17]);
    expect(found(run({ status: 'post-tls-error', statusDetail: 'closed' }))).toEqual([F('smtp.protocol-error', { detail: 'after TLS was established: closed' })]);
    expect(run({ status: 'protocol-error', banner: null })[0]?.evidence).toEqual([3]);
    expect(run({ status: 'protocol-error', banner: null, evidence: { connect: [1, 2] } })[0]?.evidence).toEqual([1, 2]);
  });

  it('not reported again when an earlier finding says why the dialogue stopped', () => {
    for (const id of STOPPED) {
      const prior = [makeFinding(id as 'smtp.no-banner', { host: HOST }, [], [HOST])];
      expect(run({ status: 'protocol-error', statusDetail: 'closed' }, prior), id).toEqual([]);
    }
    // A slow or masked banner says nothing about why it broke.
    const masked = [makeFinding('smtp.banner-masked', { host: HOST, banner: '220 ****' }, [], [HOST])];
    expect(found(run({ status: 'protocol-error', statusDetail: 'closed' }, masked))).toEqual([F('smtp.protocol-error', { detail: 'closed' })]);
  });
});
