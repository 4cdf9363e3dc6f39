import { describe, expect, it } from 'vitest';
import { accepts, assessDelivery, deliveryCheck, senderOutcome, SENDER_LIMITS } from '../../../src/checks/delivery/index.js';
import { domainVerdict, topFindings, type ReceiverFacts } from '../../../src/checks/receiver.js';
import type { Finding, HostReport, StatusCode, Verdict } from '../../../src/core/schema.js';
import { makeFinding } from '../../../src/kb/index.js';
import { reply } from './check-helpers.js';

interface Spec {
  mx: string;
  pref?: number | null;
  status?: StatusCode;
  banner?: number | null;
  findings?: Finding[];
  verdict?: Verdict;
  address?: string;
}

/** A judged address, with only what delivery and the domain verdict read. */
function host(s: Spec): HostReport {
  const address = s.address ?? '192.0.2.1';
  return {
    key: `${s.mx}[${address}]:25`,
    mx: s.mx,
    preference: s.pref === undefined ? 10 : s.pref,
    status: s.status ?? 'ok',
    banner: s.banner === null ? null : reply(s.banner ?? 220, `${s.mx} ESMTP`),
    findings: s.findings ?? [],
    verdict: s.verdict ?? 'pass',
  } as HostReport;
}

const outcomes = (hosts: HostReport[]) => assessDelivery(hosts).attempts.map((a) => `${a.mx}:${a.outcome}`);

describe('senderOutcome: what a sender does with one address', () => {
  it('a probe mxray stopped at its deadline before any greeting: unknown, never a refusal; after a greeting it counts as greeted', () => {
    expect(senderOutcome(host({ mx: 'a', status: 'deadline-reached', banner: null }))).toBe('unknown');
    expect(senderOutcome(host({ mx: 'a', status: 'deadline-reached' }))).toBe('accepts');
  });

  it('moves on from refusals, silence, and 4xx/5xx greetings; delivers where it is greeted', () => {
    expect(senderOutcome(host({ mx: 'a', status: 'connection-refused', banner: null }))).toBe('refused');
    expect(senderOutcome(host({ mx: 'a', status: 'connection-timeout', banner: null }))).toBe('timeout');
    expect(senderOutcome(host({ mx: 'a', status: 'greeting-timeout', banner: null }))).toBe('timeout');
    expect(senderOutcome(host({ mx: 'a', status: 'protocol-error', banner: null }))).toBe('refused');
    expect(senderOutcome(host({ mx: 'a', status: 'protocol-error', banner: 421 }))).toBe('deferred');
    expect(senderOutcome(host({ mx: 'a', status: 'protocol-error', banner: 554 }))).toBe('rejected');
    expect(senderOutcome(host({ mx: 'a', status: 'protocol-error', banner: 500 }))).toBe('rejected');
    expect(senderOutcome(host({ mx: 'a', status: 'protocol-error', banner: 499 }))).toBe('deferred');
    expect(senderOutcome(host({ mx: 'a', status: 'protocol-error', banner: 400 }))).toBe('deferred');
    expect(senderOutcome(host({ mx: 'a', status: 'internal-error', banner: null }))).toBe('refused');
    // Greeted, then 421 to EHLO (rate limit): the sender tries the next host.
    const limited = makeFinding('smtp.rate-limited', { host: 'a', reply: '421 too many' });
    expect(senderOutcome(host({ mx: 'a', status: 'protocol-error', findings: [limited] }))).toBe('deferred');
    // A failed TLS handshake does not make a sender move on: it retries the same host in clear text.
    expect(senderOutcome(host({ mx: 'a', status: 'tls-handshake-error' }))).toBe('accepts');
    expect(senderOutcome(host({ mx: 'a' }))).toBe('accepts');
  });
});

describe('assessDelivery: the senders’ walk over the addresses', () => {
  it('tries addresses by preference, not in the order they were probed', () => {
    const d = assessDelivery([host({ mx: 'backup', pref: 20 }), host({ mx: 'primary', pref: 10 })]);
    expect(d.attempts.map((a) => a.mx)).toEqual(['primary', 'backup']);
    expect(d).toMatchObject({ state: 'delivered', deliveredTo: ['primary'] });
  });

  it('falls back to the backup when the primary refuses, and says so', () => {
    const hosts = [host({ mx: 'down', pref: 10, status: 'connection-refused', banner: null }), host({ mx: 'backup', pref: 20 })];
    const d = assessDelivery(hosts);
    expect(d).toMatchObject({ state: 'fallback', deliveredTo: ['backup'] });
    expect(outcomes(hosts)).toEqual(['down:refused', 'backup:accepts']);
    expect(accepts(d, hosts[1]!.key)).toBe(true);
    expect(accepts(d, hosts[0]!.key)).toBe(false);
  });

  it('keeps the probe order within a preference (senders pick at random; the report stays stable)', () => {
    const hosts = [host({ mx: 'x', pref: 10 }), host({ mx: 'y', pref: 10 }), host({ mx: 'z', pref: 10 }), host({ mx: 'w', pref: 5 })];
    expect(assessDelivery(hosts).attempts.map((a) => a.mx)).toEqual(['w', 'x', 'y', 'z']);
  });

  it('limits apply only until an address accepts: later addresses keep their own outcome', () => {
    const hosts = [host({ mx: 'first', pref: 10 }), ...Array.from({ length: 6 }, (_, i) => host({ mx: `b${i}`, pref: 20 + i }))];
    expect(assessDelivery(hosts).attempts.map((a) => a.outcome)).toEqual(Array(7).fill('accepts'));
  });

  it('delivers to every accepting host of the first preference that accepts, and only those', () => {
    const hosts = [
      host({ mx: 'a', pref: 10, status: 'connection-timeout', banner: null }),
      host({ mx: 'b', pref: 20 }),
      host({ mx: 'c', pref: 20 }),
      host({ mx: 'd', pref: 30 }),
    ];
    expect(assessDelivery(hosts)).toMatchObject({ state: 'fallback', deliveredTo: ['b', 'c'] });
  });

  it('names a host once although several of its addresses accept', () => {
    const hosts = [host({ mx: 'a', address: '192.0.2.1' }), host({ mx: 'a', address: '2001:db8::1' })];
    expect(assessDelivery(hosts).deliveredTo).toEqual(['a']);
  });

  it('says none when no address accepts', () => {
    const hosts = [host({ mx: 'a', status: 'connection-refused', banner: null }), host({ mx: 'b', pref: 20, banner: 554, status: 'protocol-error' })];
    expect(assessDelivery(hosts)).toMatchObject({ state: 'none', deliveredTo: [] });
    expect(outcomes(hosts)).toEqual(['a:refused', 'b:rejected']);
  });

  it('stops after the address limit: later addresses are never tried', () => {
    const dead = Array.from({ length: SENDER_LIMITS.addresses }, (_, i) => host({ mx: `dead${i}`, pref: 10, status: 'connection-refused', banner: null }));
    const hosts = [...dead, host({ mx: 'late', pref: 20 })];
    const d = assessDelivery(hosts);
    expect(d.state).toBe('none');
    expect(d.attempts.at(-1)).toMatchObject({ mx: 'late', outcome: 'not-tried' });
    // One dead address fewer: the late one is reached.
    expect(assessDelivery(hosts.slice(1)).state).toBe('fallback');
    // Limits are a parameter, recorded in the result.
    expect(assessDelivery(hosts, { addresses: 10, sessions: 2 })).toMatchObject({ state: 'fallback', limits: { addresses: 10, sessions: 2 } });
  });

  it('stops after the session limit: sessions that greeted and then deferred count, refusals do not', () => {
    const limited = makeFinding('smtp.rate-limited', { host: 'x', reply: '421' });
    const busy = (mx: string) => host({ mx, pref: 10, status: 'protocol-error', findings: [limited] });
    const hosts = [busy('b1'), busy('b2'), host({ mx: 'late', pref: 20 })];
    expect(assessDelivery(hosts).state).toBe('none');
    expect(outcomes(hosts)).toEqual(['b1:deferred', 'b2:deferred', 'late:not-tried']);
    // A 4xx greeting is not a session (Postfix counts only sessions past the greeting).
    const greeting421 = [host({ mx: 'g1', status: 'protocol-error', banner: 421 }), host({ mx: 'g2', status: 'protocol-error', banner: 421 }), host({ mx: 'late', pref: 20 })];
    expect(assessDelivery(greeting421).state).toBe('fallback');
    const greeting400 = [host({ mx: 'g1', status: 'protocol-error', banner: 400 }), host({ mx: 'g2', status: 'protocol-error', banner: 400 }), host({ mx: 'late', pref: 20 })];
    expect(assessDelivery(greeting400).state).toBe('fallback');
    expect(assessDelivery([busy('b1'), host({ mx: 'late', pref: 20 })]).state).toBe('fallback');
  });

  it('has nothing to walk without hosts', () => {
    expect(assessDelivery([])).toMatchObject({ state: 'not-applicable', attempts: [], deliveredTo: [] });
  });
});

const FACTS = (status: ReceiverFacts['dns']['status'] = 'ok'): Pick<ReceiverFacts, 'dns'> => ({ dns: { status, resolver: 'system', mx: [], error: null } });

describe('domainVerdict: what senders get', () => {
  const refused = makeFinding('net.connect-refused', { host: 'down' });
  const down = host({ mx: 'down', pref: 10, status: 'connection-refused', banner: null, findings: [refused], verdict: 'fail' });

  it('warns, not fails, when the primary refuses and the backup delivers with good TLS', () => {
    const hosts = [down, host({ mx: 'backup', pref: 20 })];
    expect(domainVerdict(FACTS(), [], hosts, assessDelivery(hosts))).toBe('warn');
  });

  it('fails when the host that takes the mail fails, whatever the others do', () => {
    const hosts = [down, host({ mx: 'backup', pref: 20, verdict: 'fail' })];
    expect(domainVerdict(FACTS(), [], hosts, assessDelivery(hosts))).toBe('fail');
    // A broken backup behind a good primary also fails: it takes the mail whenever the primary is busy.
    const backupBroken = [host({ mx: 'primary', pref: 10 }), host({ mx: 'backup', pref: 20, verdict: 'fail' })];
    expect(domainVerdict(FACTS(), [], backupBroken, assessDelivery(backupBroken))).toBe('fail');
  });

  it('fails when every host refuses, and is inconclusive when every host is silent', () => {
    expect(domainVerdict(FACTS(), [], [down], assessDelivery([down]))).toBe('fail');
    const silent = host({ mx: 'a', status: 'connection-timeout', banner: null, verdict: 'inconclusive' });
    expect(domainVerdict(FACTS(), [], [silent], assessDelivery([silent]))).toBe('inconclusive');
  });

  it('passes when every host accepts with a passing verdict', () => {
    const hosts = [host({ mx: 'a' }), host({ mx: 'b', pref: 20 })];
    expect(domainVerdict(FACTS(), [], hosts, assessDelivery(hosts))).toBe('pass');
  });

  it('is not applicable for a null MX, and lets domain findings count', () => {
    expect(domainVerdict(FACTS('null-mx'), [makeFinding('dns.null-mx', { domain: 'd' })], [], assessDelivery([]))).toBe('not-applicable');
    const hosts = [host({ mx: 'a' })];
    expect(domainVerdict(FACTS('no-mx-implicit'), [makeFinding('dns.no-mx', { domain: 'd', addresses: 'x' })], hosts, assessDelivery(hosts))).toBe('warn');
  });
});

describe('deliveryCheck', () => {
  const facts = { target: { input: 'd.test', kind: 'domain', domain: 'd.test', host: null, port: 25, implicitTls: false } } as ReceiverFacts;

  it('reports the host senders never reach because of their limits (the first accepting one, however far)', () => {
    const dead = Array.from({ length: 6 }, (_, i) => host({ mx: `dead${i}`, status: 'connection-refused', banner: null }));
    const late = host({ mx: 'late', pref: 20 });
    const hosts = [...dead, late, host({ mx: 'later', pref: 30 })];
    const found = deliveryCheck.assess({ facts, hosts, delivery: assessDelivery(hosts) });
    expect(found.map((f) => [f.id, f.facts])).toEqual([
      ['delivery.beyond-limits', { domain: 'd.test', host: late.key, position: 7, addresses: 5, sessions: 2 }],
    ]);
  });

  it('says nothing when mail is delivered, or when nothing would accept it anyway', () => {
    const ok = [host({ mx: 'a' })];
    expect(deliveryCheck.assess({ facts, hosts: ok, delivery: assessDelivery(ok) })).toEqual([]);
    const dead = [host({ mx: 'a', status: 'connection-refused', banner: null })];
    expect(deliveryCheck.assess({ facts, hosts: dead, delivery: assessDelivery(dead) })).toEqual([]);
  });
});

describe('topFindings: host findings as they weigh on the domain', () => {
  const refused = (mx: string, pref: number) => {
    const h = host({ mx, pref, status: 'connection-refused', banner: null, verdict: 'fail' });
    h.findings = [makeFinding('net.connect-refused', { host: h.key }, [1, 2], [h.key])];
    return h;
  };
  const accepting = (mx: string, pref: number, ...findings: Finding[]) => host({ mx, pref, findings });
  const sev = (findings: Finding[]) => Object.fromEntries(findings.map((f) => [f.id, f.severity]));

  it('caps a skipped host’s problems at a warning when another host takes the mail; the taking host’s stay', () => {
    const down = refused('down', 10);
    const up = accepting('up', 20);
    up.findings = [makeFinding('cert.expired', { host: up.key, daysAgo: 1, notAfter: 'x', subject: 's' }, [], [up.key])];
    const hosts = [down, up];
    expect(sev(topFindings([], hosts, assessDelivery(hosts)))).toEqual({ 'net.connect-refused': 'warning', 'cert.expired': 'error' });
    // The host's own report keeps its finding as it was.
    expect(down.findings[0]!.severity).toBe('error');
  });

  it('raises nothing: a skipped host’s notes stay notes', () => {
    const down = refused('down', 10);
    down.findings.push(makeFinding('dns.mx-cname', { mx: 'down', cname: 'c' }, [], [down.key]));
    const hosts = [down, accepting('up', 20)];
    expect(sev(topFindings([], hosts, assessDelivery(hosts)))).toEqual({ 'net.connect-refused': 'warning', 'dns.mx-cname': 'warning' });
    const note = refused('down2', 10);
    note.findings = [makeFinding('dns.null-mx', { domain: 'd' }, [], [note.key])];
    const withNote = [note, accepting('up', 20)];
    expect(sev(topFindings([], withNote, assessDelivery(withNote)))).toEqual({ 'dns.null-mx': 'info' });
  });

  it('caps nothing when no host takes the mail', () => {
    const hosts = [refused('a', 10), refused('b', 20)];
    expect(sev(topFindings([], hosts, assessDelivery(hosts)))).toEqual({ 'net.connect-refused': 'error' });
  });

  it('one finding per id, at its worst severity on any host, with every host and each evidence number once', () => {
    const down = refused('down', 10);
    const up = accepting('up', 20);
    up.findings = [makeFinding('net.connect-refused', { host: up.key }, [2, 3], [up.key])];
    for (const hosts of [
      [down, up],
      [up, down],
    ]) {
      const [f] = topFindings([], hosts, assessDelivery([down, up]));
      expect(f).toMatchObject({ id: 'net.connect-refused', severity: 'error', hosts: hosts.map((h) => h.key) });
      expect([...f!.evidence].sort()).toEqual([1, 2, 3]);
    }
    // Domain findings come first and merge the same way.
    const domain = [makeFinding('dns.mx-cname', { mx: 'x', cname: 'y' })];
    expect(topFindings(domain, [up], assessDelivery([up])).map((f) => f.id)).toEqual(['net.connect-refused', 'dns.mx-cname']);
  });
});

describe('topFindings: nothing merged away', () => {
  it('keeps domain findings with the same id and different details apart (a SERVFAIL on the second MX does not vanish)', () => {
    const gone = makeFinding('dns.mx-unresolved', { mx: 'mx1.example', error: 'NXDOMAIN' }, [1]);
    const failed = makeFinding('dns.mx-unresolved', { mx: 'mx2.example', error: 'SERVFAIL' }, [2]);
    const again = makeFinding('dns.mx-unresolved', { mx: 'mx1.example', error: 'NXDOMAIN' }, [3]);
    const top = topFindings([gone, failed, again], [], assessDelivery([]));
    expect(top.map((f) => f.detail)).toEqual([gone.detail, failed.detail]);
    expect(top.map((f) => f.evidence)).toEqual([[1, 3], [2]]);
  });

  it('merges a host finding by id whatever its detail: each host keeps its own in its report', () => {
    const a = host({ mx: 'a', address: '192.0.2.1' });
    const b = host({ mx: 'b', address: '192.0.2.2' });
    a.findings = [makeFinding('net.connect-refused', { host: a.key }, [1], [a.key])];
    b.findings = [makeFinding('net.connect-refused', { host: b.key }, [2], [b.key])];
    const top = topFindings([], [a, b], assessDelivery([a, b]));
    expect(top.map((f) => [f.id, f.hosts])).toEqual([['net.connect-refused', [a.key, b.key]]]);
  });
});

describe('domainVerdict: a good primary with a dead backup', () => {
  it('warns: senders deliver to the primary, the backup cannot take mail when it must', () => {
    const up = host({ mx: 'up', pref: 10 });
    const down = host({ mx: 'down', pref: 20, status: 'connection-refused', banner: null, verdict: 'fail' });
    const hosts = [up, down];
    expect(assessDelivery(hosts).state).toBe('delivered');
    expect(domainVerdict(FACTS(), [], hosts, assessDelivery(hosts))).toBe('warn');
  });
});

describe('untested addresses: no tested one accepts mail, mxray’s own bounds left others out', () => {
  const bounds = (notProbed: ReceiverFacts['bounds'] extends infer B ? (B extends { notProbed: infer N } ? N : never) : never, count = notProbed.length) => ({
    maxMx: 1,
    addressesPerHost: 10,
    addressDeadlineMs: 120_000,
    deadlineMs: null,
    deadlineReached: null,
    stopped: [],
    notProbed,
    notProbedCount: count,
  });
  const target = { input: 'd.test', kind: 'domain', domain: 'd.test', host: null, port: 25, implicitTls: false } as ReceiverFacts['target'];
  const withBounds = (b: ReturnType<typeof bounds> | undefined) => ({ ...FACTS(), target, bounds: b }) as ReceiverFacts;
  const beyondMaxMx = bounds([{ reason: 'max-mx', mx: 'backup.d.test', preference: 20, address: null }]);
  const down = () => {
    const h = host({ mx: 'down', pref: 10, status: 'connection-refused', banner: null, verdict: 'fail' });
    h.findings = [makeFinding('net.connect-refused', { host: h.key }, [1], [h.key])];
    return h;
  };

  it('says so, with how many and which bound; the result is inconclusive and the tested host’s problem a warning', () => {
    const hosts = [down()];
    const walk = assessDelivery(hosts);
    const found = deliveryCheck.assess({ facts: withBounds(beyondMaxMx), hosts, delivery: walk });
    expect(found.map((f) => [f.id, f.facts])).toEqual([
      ['delivery.untested-hosts', { domain: 'd.test', count: 1, why: 'only the first 1 MX host(s) by preference are tested, --max-mx' }],
    ]);
    expect(domainVerdict(withBounds(beyondMaxMx), found, hosts, walk)).toBe('inconclusive');
    expect(Object.fromEntries(topFindings(found, hosts, walk).map((f) => [f.id, f.severity]))).toEqual({
      'delivery.untested-hosts': 'warning',
      'net.connect-refused': 'warning',
    });
  });

  it('names every bound that left something out', () => {
    const hosts = [down()];
    const mixed = bounds([
      { reason: 'max-addresses', mx: 'down', preference: 10, address: '192.0.2.9' },
      { reason: 'deadline', mx: 'other', preference: 30, address: '192.0.2.10' },
    ], 7);
    const [f] = deliveryCheck.assess({ facts: withBounds(mixed), hosts, delivery: assessDelivery(hosts) });
    expect(f?.facts).toEqual({ domain: 'd.test', count: 7, why: 'only the first addresses of each host name are tested; the deadline came first' });
  });

  it('a saved report whose list of untested ones is empty though it counts some: the count alone', () => {
    const hosts = [down()];
    const [f] = deliveryCheck.assess({ facts: withBounds(bounds([], 3)), hosts, delivery: assessDelivery(hosts) });
    expect(f?.facts).toEqual({ domain: 'd.test', count: 3, why: '3 not tested' });
  });

  it('another domain finding does not cap the tested hosts: a refusal with nothing untested still fails', () => {
    const hosts = [down()];
    const cname = makeFinding('dns.mx-cname', { mx: 'down', cname: 'x.d.test' });
    expect(domainVerdict(withBounds(undefined), [cname], hosts, assessDelivery(hosts))).toBe('fail');
  });

  it('says nothing when nothing was left out, when mail is delivered, or when senders stop before the untested ones', () => {
    const hosts = [down()];
    expect(deliveryCheck.assess({ facts: withBounds(undefined), hosts, delivery: assessDelivery(hosts) })).toEqual([]);
    expect(deliveryCheck.assess({ facts: withBounds(bounds([], 0)), hosts, delivery: assessDelivery(hosts) })).toEqual([]);
    const up = [down(), host({ mx: 'up', pref: 20 })];
    expect(deliveryCheck.assess({ facts: withBounds(beyondMaxMx), hosts: up, delivery: assessDelivery(up) })).toEqual([]);
    // Five dead addresses tested, the sixth beyond Postfix's smtp_mx_address_limit: senders never get to the untested ones.
    const many = Array.from({ length: 6 }, (_, i) => host({ mx: `dead${i}`, status: 'connection-refused', banner: null, verdict: 'fail' }));
    const walk = assessDelivery(many);
    expect(deliveryCheck.assess({ facts: withBounds(beyondMaxMx), hosts: many, delivery: walk })).toEqual([]);
    expect(domainVerdict(withBounds(beyondMaxMx), [], many, walk)).toBe('fail');
  });
});
