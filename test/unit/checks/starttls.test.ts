// The STARTTLS check (offered, hidden, refused; a password login before TLS), from only the facts
// its input type declares.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import { starttlsCheck, type StarttlsInput } from '../../../src/checks/starttls/index.js';
import { cap, EV, F, found, HOST, ids, reply } from './check-helpers.js';

type Facts = StarttlsInput['facts'];
const OFFERED: Facts['starttls'] = { offered: true, masked: false, reply: reply(220, '2.0.0 go ahead'), negotiated: true };
const run = (over: Partial<Facts> = {}, profile = DEFAULT_PROFILE) =>
  starttlsCheck.assess({
    facts: { key: HOST, evidence: EV, implicitTls: false, greeting: 'EHLO', starttls: OFFERED, capabilities: [cap('STARTTLS')], ...over },
    assessment: {},
    ctx: { profile },
    prior: [],
  });
const NOT_OFFERED: Facts['starttls'] = { offered: false, masked: false, reply: null, negotiated: false };

describe('starttlsCheck', () => {
  it('offered and accepted: nothing to say', () => {
    expect(run()).toEqual([]);
  });

  it('not offered: starttls.not-offered with the EHLO evidence; a masked keyword instead: starttls.masked', () => {
    const [f] = run({ starttls: NOT_OFFERED, capabilities: [cap('SIZE', '1000')] });
    expect(found([f!])).toEqual([F('starttls.not-offered')]);
    expect(f?.evidence).toEqual([4, 5]);
    expect(found(run({ starttls: NOT_OFFERED, capabilities: [cap('XXXXXXXA')] }))).toEqual([F('starttls.masked', { keyword: 'XXXXXXXA' })]);
  });

  it('refused: starttls.rejected, or smtp.rate-limited when the reply names a limit, with the STARTTLS evidence', () => {
    const [f] = run({ starttls: { ...OFFERED, reply: reply(454, '4.7.0 TLS not available'), negotiated: false } });
    expect(found([f!])).toEqual([F('starttls.rejected', { reply: '454 4.7.0 TLS not available' })]);
    expect(f?.evidence).toEqual([6, 7]);
    expect(ids(run({ starttls: { ...OFFERED, reply: reply(421, '4.7.0 too many TLS sessions'), negotiated: false } }))).toEqual(['smtp.rate-limited']);
  });

  it('nothing to judge over implicit TLS, or without ESMTP (the greeting check reports that)', () => {
    expect(run({ implicitTls: true, starttls: NOT_OFFERED })).toEqual([]);
    expect(run({ greeting: 'HELO', starttls: NOT_OFFERED })).toEqual([]);
    expect(run({ greeting: null, starttls: NOT_OFFERED })).toEqual([]);
  });

  it("a password login before TLS: smtp.auth-before-tls naming the profile's cleartext mechanisms offered, as offered", () => {
    const auth = (...mechanisms: string[]) => run({ capabilities: [cap('STARTTLS'), cap('AUTH', ...mechanisms)] });
    expect(found(auth('CRAM-MD5', 'plain', 'LOGIN', 'XOAUTH2'))).toEqual([F('smtp.auth-before-tls', { mechanisms: 'plain LOGIN' })]);
    expect(auth('CRAM-MD5', 'SCRAM-SHA-256')).toEqual([]);
    // Compared as a case-insensitive RegExp compares ASCII names: look-alike letters are not PLAIN/LOGIN.
    expect(auth('LOGıN', 'PLAİN', 'PLAIN ')).toEqual([]);
    const strict = { ...DEFAULT_PROFILE, cleartextAuthMechanisms: [...DEFAULT_PROFILE.cleartextAuthMechanisms, 'cram-md5'] };
    expect(found(run({ capabilities: [cap('AUTH', 'CRAM-MD5', 'LOGIN')] }, strict))).toEqual([F('smtp.auth-before-tls', { mechanisms: 'CRAM-MD5 LOGIN' })]);
  });

  it('a refusal and a password login are both reported, refusal first', () => {
    expect(ids(run({ starttls: NOT_OFFERED, capabilities: [cap('AUTH', 'PLAIN')] }))).toEqual(['starttls.not-offered', 'smtp.auth-before-tls']);
  });
});
