// The greeting check (banner, its delay, EHLO/HELO), from only the facts its input type declares.
import { describe, expect, it } from 'vitest';
import { greetingCheck, type GreetingInput } from '../../../src/checks/greeting/index.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type { TranscriptEvent } from '../../../src/core/schema.js';
import { EV, F, found, HOST, ids, reply } from './check-helpers.js';

const TIMEOUTS = { connectMs: 10_000, greetingMs: 300_000, commandMs: 120_000 };
const BANNER = reply(220, 'mx.example.test ESMTP');

type Facts = GreetingInput['facts'];
const facts = (over: Partial<Facts> = {}): Facts => ({
  key: HOST,
  evidence: EV,
  status: 'ok',
  statusReason: null,
  statusDetail: null,
  banner: BANNER,
  greeting: 'EHLO',
  ehloReply: reply(250, 'mx.example.test', 'STARTTLS'),
  ...over,
});
/** A transcript with the connection (event 2) at t=0 and the banner (event 3) at `ms`. */
const timed = (ms: number): TranscriptEvent[] =>
  [
    { seq: 2, t: 0, kind: 'connect', text: 'connected' },
    { seq: 3, t: ms, kind: 'recv', text: '220 mx.example.test ESMTP' },
  ] as TranscriptEvent[];
const greet = (over: Partial<Facts> = {}, transcript: TranscriptEvent[] = [], profile = DEFAULT_PROFILE) =>
  greetingCheck.assess({ facts: facts(over), assessment: {}, ctx: { timeouts: TIMEOUTS, profile, transcript }, prior: [] });

describe('greetingCheck', () => {
  it('a 220 banner and a 250 to EHLO: nothing to say', () => {
    expect(greet()).toEqual([]);
  });

  it('no banner in time: smtp.greeting-timeout quoting the time-out, with the banner (else connect) evidence', () => {
    const [f] = greet({ status: 'greeting-timeout', banner: null, ehloReply: null, greeting: null });
    expect(found([f!])).toEqual([F('smtp.greeting-timeout', { timeoutMs: 300_000 })]);
    expect(f?.evidence).toEqual([3]);
    expect(greet({ status: 'greeting-timeout', banner: null, evidence: { connect: [1, 2] } })[0]?.evidence).toEqual([1, 2]);
  });

  it('closed (or a socket error) before any banner: smtp.no-banner; other protocol errors are not about the greeting', () => {
    for (const reason of ['closed', 'socket-error']) {
      expect(found(greet({ status: 'protocol-error', statusReason: reason, statusDetail: 'closed by peer', banner: null }))).toEqual([F('smtp.no-banner', { detail: 'closed by peer' })]);
    }
    expect(greet({ status: 'protocol-error', statusReason: 'line-too-long', banner: null })).toEqual([]);
  });

  it('a banner that refuses us: smtp.banner-rejected, or smtp.rate-limited when it names a limit; EHLO is then not judged', () => {
    expect(found(greet({ banner: reply(554, '5.7.1 no thanks'), ehloReply: reply(550, 'no') }))).toEqual([F('smtp.banner-rejected', { reply: '554 5.7.1 no thanks' })]);
    expect(found(greet({ banner: reply(421, '4.7.0 too many connections') }))).toEqual([F('smtp.rate-limited', { reply: '421 4.7.0 too many connections' })]);
  });

  it('a masked banner: smtp.banner-masked, and EHLO is still judged', () => {
    const masked = reply(220, '*******************************');
    expect(ids(greet({ banner: masked, ehloReply: reply(550, 'no') }))).toEqual(['smtp.banner-masked', 'smtp.ehlo-rejected']);
  });

  it("a slow banner: smtp.banner-delayed from the profile's slowBannerMs on (recorded times, rounded)", () => {
    const limit = DEFAULT_PROFILE.slowBannerMs;
    expect(found(greet({}, timed(limit)))).toEqual([F('smtp.banner-delayed', { ms: limit })]);
    expect(greet({}, timed(limit - 1))).toEqual([]);
    expect(found(greet({}, timed(2_000.4), { ...DEFAULT_PROFILE, slowBannerMs: 2_000 }))).toEqual([F('smtp.banner-delayed', { ms: 2_000 })]);
    // Without both events recorded there is no delay to judge.
    expect(greet({ evidence: { banner: [3] } }, timed(limit * 10))).toEqual([]);
  });

  it('EHLO answered: HELO accepted means no ESMTP; a limit is rate-limited; 500/502 (then HELO) is not a refusal', () => {
    expect(found(greet({ greeting: 'HELO', ehloReply: reply(250, 'mx.example.test') }))).toEqual([F('smtp.esmtp-unsupported', { reply: '250 mx.example.test' })]);
    expect(ids(greet({ ehloReply: reply(421, '4.7.0 try again later') }))).toEqual(['smtp.rate-limited']);
    expect(found(greet({ ehloReply: reply(554, '5.7.1 go away') }))).toEqual([F('smtp.ehlo-rejected', { reply: '554 5.7.1 go away' })]);
    for (const code of [500, 502]) expect(greet({ greeting: null, ehloReply: reply(code, 'unrecognised') }), String(code)).toEqual([]);
  });

  it('implicit TLS: an EHLO refused for want of a client certificate is the TLS check\'s (tls.client-cert-required), not a rate limit here', () => {
    expect(greet({ greeting: null, ehloReply: reply(421, '4.7.1 mx.example.test Error: No client certificate presented') })).toEqual([]);
    expect(greet({ greeting: null, ehloReply: reply(554, '5.7.1 client certificate required') })).toEqual([]);
  });
});
