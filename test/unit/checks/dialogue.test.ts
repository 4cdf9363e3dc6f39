// The dialogue check: a server that stopped answering or broke the protocol mid-way, unless an
// earlier check's finding already says why the dialogue stopped (it reads `prior`).
import { describe, expect, it } from 'vitest';
import { dialogueCheck, STOPPED, type DialogueInput } from '../../../src/checks/dialogue/index.js';
import type { Finding, TranscriptEvent } from '../../../src/core/schema.js';
import { makeFinding } from '../../../src/kb/index.js';
import { EV, F, found, HOST, ids, reply, tlsOk } from './check-helpers.js';

const TIMEOUTS = { connectMs: 10_000, greetingMs: 300_000, commandMs: 120_000 };
type Facts = DialogueInput['facts'];
/** A dialogue that ran to its end: banner, EHLO, nothing else. */
const QUIET: Facts = {
  key: HOST,
  evidence: EV,
  status: 'ok',
  statusReason: null,
  statusDetail: null,
  banner: reply(220, 'hi'),
  ehloReply: reply(250, 'mx.example.test'),
  starttls: { offered: false, masked: false, reply: null, negotiated: false },
  tls: null,
  legacyRetry: null,
  ehloTlsReply: null,
  envelope: [],
  cleartext: null,
};

const run = (over: Partial<Facts>, prior: Finding[] = [], transcript: TranscriptEvent[] = []) =>
  dialogueCheck.assess({
    facts: { ...QUIET, ...over },
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

  it("a reply past mxray's own caps: mxray.reply-limit (inconclusive, ours), never smtp.protocol-error, even after a refusal", () => {
    for (const reason of ['reply-too-long', 'reply-too-large']) {
      const [f, ...more] = run({ status: 'protocol-error', statusReason: reason, statusDetail: 'reply longer than 200 lines' });
      expect(more).toEqual([]);
      expect(found([f!])).toEqual([F('mxray.reply-limit', { detail: 'reply longer than 200 lines' })]);
      expect(f?.evidence).toEqual([17]);
      expect(ids(run({ status: 'protocol-error', statusReason: reason, statusDetail: 'x' }, [makeFinding('smtp.ehlo-rejected', { host: HOST, reply: '500 no' })]))).toEqual(['mxray.reply-limit']);
    }
    // Any other reason is the server's.
    expect(ids(run({ status: 'protocol-error', statusReason: 'line-too-long', statusDetail: 'x' }))).toEqual(['smtp.protocol-error']);
    // Inside TLS (EHLO again) the cap is ours all the same.
    expect(ids(run({ status: 'post-tls-error', statusReason: 'reply-too-long', statusDetail: 'x' }))).toEqual(['mxray.reply-limit']);
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

  it('not reported when the server ended the session for want of a client certificate (tls.client-cert-required says so)', () => {
    const tls = tlsOk({ alertAfterHandshake: 'certificate_required' });
    expect(run({ status: 'post-tls-error', statusDetail: 'connection error: tlsv13 alert certificate required', tls })).toEqual([]);
    expect(ids(run({ status: 'post-tls-error', statusDetail: 'x', tls: tlsOk({ alertAfterHandshake: 'decode_error' }) }))).toEqual(['smtp.protocol-error']);
  });

  // Regression: "220-… then 554 …" and "250-… then 550 …" were judged by the first line; now the
  // last line decides (smtp/reply.ts) and the inconsistency is a note.
  it('replies whose lines carry different codes: one smtp.mixed-reply-codes naming each, with their evidence', () => {
    const mixed = (code: number, codes: number[]) => ({ ...reply(code, ...codes.map((c) => `${c} text`)), codes });
    const [f] = run({ banner: mixed(554, [220, 554]) });
    expect(found([f!])).toEqual([F('smtp.mixed-reply-codes', { replies: 'banner 220, 554 → 554' })]);
    expect(f?.evidence).toEqual([3]);
    const all = run({
      banner: mixed(220, [554, 220]),
      ehloReply: mixed(550, [250, 250, 550]),
      starttls: { offered: true, masked: false, reply: mixed(454, [220, 454]), negotiated: false },
      ehloTlsReply: mixed(250, [421, 250]),
      envelope: [
        { command: 'MAIL FROM:<>', reply: mixed(550, [250, 550]) },
        { command: 'RCPT TO:<a@b.test>', reply: reply(250, 'ok') },
      ],
      cleartext: { status: 'ok', steps: [{ command: 'RCPT TO:<postmaster@b.test>', reply: mixed(250, [550, 250]) }, { command: 'RSET', reply: null }] },
    });
    expect(found(all)).toEqual([
      F('smtp.mixed-reply-codes', {
        replies:
          'banner 554, 220 → 220; EHLO 250, 250, 550 → 550; STARTTLS 220, 454 → 454; EHLO inside TLS 421, 250 → 250; MAIL FROM 250, 550 → 550; RCPT TO (cleartext session) 550, 250 → 250',
      }),
    ]);
    expect(all[0]?.evidence).toEqual([3, 4, 5, 6, 7, 10, 11, 12, 13, 14]);
    // Consistent replies: nothing.
    expect(run({ envelope: [{ command: 'MAIL FROM:<>', reply: reply(250, 'ok') }] })).toEqual([]);
  });

  it('a mixed reply in a phase with no evidence recorded (a trimmed report): reported, citing only the phases that have some', () => {
    const mixed = (code: number, codes: number[]) => ({ ...reply(code, ...codes.map((c) => `${c} text`)), codes });
    const findings = run({ banner: mixed(554, [220, 554]), ehloReply: mixed(550, [250, 550]), evidence: { ehlo: [4, 5] } });
    expect(findings.map((f) => [f.id, f.evidence])).toEqual([['smtp.mixed-reply-codes', [4, 5]]]);
    expect(run({ banner: mixed(554, [220, 554]), evidence: {} }).map((f) => [f.id, f.evidence])).toEqual([['smtp.mixed-reply-codes', []]]);
  });
});
