// One verdict rule for hosts and domains: a failure we are sure of beats "could not tell", which
// beats a warning, which beats a pass (DESIGN: exit 1 fail, 3 could not test).
import { describe, expect, it } from 'vitest';
import { INCONCLUSIVE_IDS, verdictOf, worstVerdict } from '../../../src/checks/verdict.js';
import type { Severity, Verdict } from '../../../src/core/schema.js';
import { allEntries, makeFinding, type FindingId } from '../../../src/kb/index.js';

const f = (id: FindingId) => makeFinding(id, { host: 'mx.example.test[192.0.2.1]:25' });

/**
 * Findings that certainly mean "we could not tell", by what they say: DNS that did not answer (not
 * an answer that says "no"), a network that could not reach the server, a server that limited us,
 * or mxray's own failure. A spot check written here, independent of the catalogue; every other
 * entry is held to its own `inconclusive` flag below, so a new finding needs no edit here.
 */
const COULD_NOT_TELL = ['dns.servfail', 'dns.timeout', 'net.connect-timeout', 'net.all-unreachable', 'smtp.greeting-timeout', 'smtp.rate-limited', 'smtp.greylisted', 'mxray.internal-error'];
/** …and findings that certainly say something about the server, so never "could not tell". */
const DECISIVE = ['dns.nxdomain', 'starttls.not-offered', 'tls.handshake-failed', 'cert.expired', 'policy.cleartext-accepted', 'tls.ok'];

const BY_SEVERITY: Record<Severity, Verdict> = { ok: 'pass', info: 'pass', warning: 'warn', error: 'fail', critical: 'fail' };

describe('verdictOf', () => {
  it('judges every catalogue finding on its own: entries flagged inconclusive are inconclusive, the rest by severity', () => {
    const got = allEntries().map((e) => [e.id, verdictOf([f(e.id as FindingId)])]);
    const want = allEntries().map((e) => [e.id, e.inconclusive ? 'inconclusive' : BY_SEVERITY[e.severity]]);
    expect(got).toEqual(want);
    expect([...INCONCLUSIVE_IDS].sort()).toEqual(allEntries().filter((e) => e.inconclusive).map((e) => e.id).sort());
  });

  it('the catalogue flags what certainly cannot tell, and nothing that certainly can', () => {
    for (const id of COULD_NOT_TELL) expect(INCONCLUSIVE_IDS.has(id), id).toBe(true);
    for (const id of DECISIVE) expect(INCONCLUSIVE_IDS.has(id), id).toBe(false);
  });

  it('says pass when nothing was found', () => {
    expect(verdictOf([])).toBe('pass');
  });

  it('a certain failure (error or critical) outranks "could not tell", in any order', () => {
    // cert.expired is an error, starttls.not-offered critical; net.connect-timeout is itself an error.
    expect(verdictOf([f('net.connect-timeout'), f('cert.expired')])).toBe('fail');
    expect(verdictOf([f('cert.expired'), f('net.connect-timeout')])).toBe('fail');
    expect(verdictOf([f('smtp.greylisted'), f('starttls.not-offered')])).toBe('fail');
    expect(verdictOf([f('mxray.internal-error'), f('tls.ok'), f('cert.ok')])).toBe('inconclusive');
  });

  it('"could not tell" outranks warnings; warnings outrank ok and info', () => {
    expect(verdictOf([f('cert.expiring-soon'), f('smtp.rate-limited')])).toBe('inconclusive');
    expect(verdictOf([f('cert.expiring-soon'), f('tls.ok'), f('smtp.banner-delayed')])).toBe('warn');
    expect(verdictOf([f('tls.ok'), f('smtp.banner-delayed'), f('cert.ok')])).toBe('pass');
  });
});

describe('worstVerdict', () => {
  const ALL: Verdict[] = ['pass', 'warn', 'inconclusive', 'fail'];

  it('is pass for nothing, and the verdict itself for one', () => {
    expect(worstVerdict([])).toBe('pass');
    for (const v of ALL) expect(worstVerdict([v])).toBe(v);
  });

  it('ranks fail > inconclusive > warn > pass, whatever the order', () => {
    // Every pair, both ways round: the worse one of the pair wins.
    const rank = (v: Verdict) => ALL.indexOf(v);
    for (const a of ALL) {
      for (const b of ALL) {
        const worse = rank(a) >= rank(b) ? a : b;
        expect(worstVerdict([a, b]), `${a} + ${b}`).toBe(worse);
      }
    }
    expect(worstVerdict(['inconclusive', 'fail', 'warn'])).toBe('fail');
    expect(worstVerdict(['fail', 'inconclusive'])).toBe('fail');
    expect(worstVerdict(['pass', 'inconclusive', 'warn', 'pass'])).toBe('inconclusive');
    expect(worstVerdict(['warn', 'pass'])).toBe('warn');
  });
});
