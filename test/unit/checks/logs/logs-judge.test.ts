import { describe, expect, it } from 'vitest';
import type { LogSession, LogsBody } from '../../../../src/core/logs-schema.js';
import { failureReason, LogsSummary, logsCheck, sessionDomains, sessionVerdict, SUMMARY_LIMITS } from '../../../../src/checks/logs/index.js';
import { unknownTls } from '../../../../src/jobs/logs/model.js';

function session(over: Omit<Partial<LogSession>, 'tls'> & { tls?: Partial<LogSession['tls']> } = {}): LogSession {
  const { tls, ...rest } = over;
  return {
    format: 'postfix',
    file: 'mail.log',
    key: 'smtp[1]',
    direction: 'outbound',
    start: Date.UTC(2026, 10, 30, 10),
    end: Date.UTC(2026, 10, 30, 10, 0, 5),
    localHost: 'mx1',
    remoteHost: 'mx.partner.example',
    remoteIp: '192.0.2.10',
    remotePort: 25,
    domains: ['partner.example'],
    queueIds: ['4ABC'],
    messages: 1,
    tls: { ...unknownTls(), ...tls },
    evidence: 'handshake',
    status: 'sent',
    dsn: '2.0.0',
    lines: [{ line: 1, text: 'a line' }],
    incomplete: false,
    ...rest,
  };
}

const ok = { attempted: true, negotiated: true, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' } as const;

function bodyOf(sessions: LogSession[]): LogsBody {
  const s = new LogsSummary();
  for (const x of sessions) s.add(x);
  return { inputs: [{ name: 'mail.log', format: 'postfix', detected: true, bytes: 1, lines: 1, used: 1, ignored: 0, malformed: 0, longLines: 0, malformedExamples: [], filteredOut: 0, local: 0, sessions: sessions.length, notes: [], problem: null }], filters: { domains: [], since: null, until: null }, ...s.out(() => null) };
}

describe('sessionVerdict', () => {
  it('reads what the log said, and never silence as success', () => {
    expect(sessionVerdict(session({ tls: { ...ok, verify: 'verified' } }))).toBe('verified');
    // Postfix's "Trusted": the chain, not the name — for a server we sent to; a client's certificate has no name to match.
    expect(sessionVerdict(session({ tls: { ...ok, verify: 'trusted' } }))).toBe('encrypted');
    expect(sessionVerdict(session({ direction: 'inbound', tls: { ...ok, verify: 'trusted' } }))).toBe('verified');
    expect(sessionVerdict(session({ tls: { ...ok, verify: 'untrusted' } }))).toBe('encrypted');
    expect(sessionVerdict(session({ tls: { ...ok, verify: null } }))).toBe('encrypted');
    expect(sessionVerdict(session({ tls: { attempted: true, negotiated: false, failure: 'SSL_connect error' } }))).toBe('failed');
    expect(sessionVerdict(session({ tls: { attempted: true, negotiated: false } }))).toBe('failed');
    expect(sessionVerdict(session({ tls: { attempted: false, negotiated: false, failure: 'TLS is required, but was not offered' } }))).toBe('failed');
    expect(sessionVerdict(session({ tls: { attempted: true, negotiated: false, failure: 'handshake failure', clearRetry: true } }))).toBe('failed-then-clear');
    expect(sessionVerdict(session({ tls: { attempted: false, negotiated: false } }))).toBe('clear');
    expect(sessionVerdict(session({ tls: { offered: true, attempted: true, accepted: true, negotiated: null } }))).toBe('unknown');
    expect(sessionVerdict(session())).toBe('unknown');
  });
});

describe('LogsSummary', () => {
  it('counts per domain and per host, worst first, with shares of the known sessions only', () => {
    const body = bodyOf([
      session({ tls: { ...ok, verify: 'verified' } }),
      session({ tls: { ...ok, verify: 'untrusted' } }),
      session({ tls: { attempted: false, negotiated: false } }),
      session({ domains: ['bad.example'], remoteHost: 'mx.bad.example', remoteIp: '198.51.100.7', tls: { attempted: true, negotiated: false, failure: 'SSL_connect error to mx.bad.example[198.51.100.7]:25: lost connection', clearRetry: true } }),
      session({ domains: ['unknown.example'], remoteHost: 'mx.unknown.example', remoteIp: '203.0.113.9' }),
    ]);
    expect(body.totals.sessions).toBe(5);
    expect(body.totals.counts).toEqual({ verified: 1, encrypted: 1, failed: 0, 'failed-then-clear': 1, clear: 1, unknown: 1 });
    expect(body.totals.tlsShare).toBeCloseTo(2 / 4);
    expect(body.totals.verifiedShare).toBeCloseTo(1 / 4);
    expect(body.domains.map((d) => d.name)).toEqual(['bad.example', 'partner.example', 'unknown.example']);
    const partner = body.domains.find((d) => d.name === 'partner.example')!;
    expect(partner.sessions).toBe(3);
    expect(partner.tlsShare).toBeCloseTo(2 / 3);
    expect(partner.protocols).toEqual(['TLSv1.3']);
    expect(body.domains.find((d) => d.name === 'unknown.example')!.tlsShare).toBeNull();
    expect(body.hosts[0]!.name).toBe('mx.bad.example[198.51.100.7]');
    expect(body.failures).toHaveLength(1);
    expect(body.failures[0]!.reason).toBe('SSL_connect error to mx.bad.example[…]: lost connection');
    expect(body.failures[0]!.domains).toEqual(['bad.example']);
    expect(body.sessions[0]!.verdict).toBe('failed-then-clear');
  });

  it('groups alike failures: addresses, numbers and queue ids taken out', () => {
    expect(failureReason('SSL_connect error to a.example[192.0.2.1]:25: -1')).toBe(failureReason('SSL_connect error to a.example[192.0.2.99]:587: -1'));
    expect(failureReason('4F2A9C1B0: TLS handshake failed after 12 s')).toBe('…: TLS handshake failed after N s');
  });

  it('a session without domains counts under its remote host’s registrable domain, else (none)', () => {
    expect(sessionDomains(session({ domains: [], remoteHost: 'mail-out.eu.bigcorp.example' }))).toEqual(['bigcorp.example']);
    expect(sessionDomains(session({ domains: [], remoteHost: 'unknown' }))).toEqual(['(none)']);
    expect(sessionDomains(session({ domains: [], remoteHost: null }))).toEqual(['(none)']);
  });

  it('keeps at most the cap of distinct domains: the rest are summed under (other)', () => {
    const s = new LogsSummary();
    const n = SUMMARY_LIMITS.trackedNames + 5;
    for (let i = 0; i < n; i++) s.add(session({ domains: [`d${i}.example`], remoteHost: 'mx.same.example', tls: { attempted: false, negotiated: false } }));
    const out = s.out(() => null);
    expect(out.totals.sessions).toBe(n);
    expect(out.domains.length).toBe(SUMMARY_LIMITS.rows);
    // Rows left out of the table (the (other) row among the rows) plus the domains summed under (other).
    expect(out.domainsOmitted).toBe(n - SUMMARY_LIMITS.rows + 1);
    expect(out.domains.find((d) => d.name === "(other)")!.sessions).toBe(5);
    expect(out.sessions.length).toBeLessThanOrEqual(SUMMARY_LIMITS.sessionsPerVerdict * 6);
    expect(out.sessionsOmitted).toBe(n - SUMMARY_LIMITS.sessionsPerVerdict);
  }, 60_000);

  it('charts the hours of the whole log and the busiest domains, TLS over the known sessions', () => {
    const h = (k: number) => Date.UTC(2026, 10, 30, k);
    const body = bodyOf([session({ start: h(1), tls: ok }), session({ start: h(1), tls: { attempted: false, negotiated: false } }), session({ start: h(2), tls: ok }), session({ start: h(2) })]);
    expect(body.timeline.bucket).toBe('hour');
    const all = body.timeline.points.filter((p) => p.domain === '(all)');
    expect(all).toEqual([
      { at: new Date(h(1)).toISOString(), domain: '(all)', sessions: 2, tls: 1, known: 2 },
      { at: new Date(h(2)).toISOString(), domain: '(all)', sessions: 2, tls: 1, known: 1 },
    ]);
    const days = bodyOf([session({ start: h(1), tls: ok }), session({ start: h(1) + 10 * 86_400_000, tls: ok })]);
    expect(days.timeline.bucket).toBe('day');
  });
});

describe('logsCheck', () => {
  const ids = (body: LogsBody) => logsCheck.assess({ body }).map((f) => f.id);

  it('names each problem once, with its count', () => {
    const body = bodyOf([
      session({ tls: { attempted: true, negotiated: false, failure: 'x', clearRetry: true } }),
      session({ tls: { attempted: true, negotiated: false, failure: 'y' } }),
      session({ tls: { attempted: false, negotiated: false } }),
      session({ tls: { ...ok, protocol: 'TLSv1', verify: 'untrusted' } }),
      session(),
    ]);
    const f = logsCheck.assess({ body });
    expect(f.map((x) => x.id).sort()).toEqual(['logs.cleartext', 'logs.clear-fallback', 'logs.old-protocol', 'logs.tls-failed', 'logs.tls-unknown', 'logs.unverified'].sort());
    expect(f.find((x) => x.id === 'logs.cleartext')!.facts.count).toBe(1);
    expect(f.find((x) => x.id === 'logs.cleartext')!.facts.share).toBe('25 %');
    expect(f.find((x) => x.id === 'logs.old-protocol')!.facts.protocols).toBe('TLSv1');
  });

  it('all TLS: the good news, and no problem', () => {
    expect(ids(bodyOf([session({ tls: { ...ok, verify: 'verified' } })]))).toEqual(['logs.all-tls']);
  });

  it('nothing read: no sessions, or not a log', () => {
    const empty = bodyOf([]);
    expect(ids(empty)).toEqual(['logs.no-sessions']);
    empty.inputs[0]!.format = null;
    expect(ids(empty)).toEqual(['logs.unrecognised']);
  });

  it('Exchange 2003: unknown, said with the reason and pointing to a capture', () => {
    const f = logsCheck.assess({ body: bodyOf([session({ format: 'exchange2003', evidence: 'dialogue', tls: { offered: true, attempted: true, accepted: true } })]) });
    const u = f.find((x) => x.id === 'logs.tls-unknown-all')!;
    expect(String(u.facts.why)).toMatch(/Exchange 2003/);
    expect(f.some((x) => x.id === 'logs.all-tls')).toBe(false);
  });

  it('the inputs’ own notes: TLS not logged, protocol logging off, unreadable lines', () => {
    const body = bodyOf([session({ tls: ok })]);
    body.inputs[0]!.notes.push({ id: 'postfix-smtp-loglevel-0', detail: 'no TLS line from smtp' }, { id: 'exchange-protocol-logging-off', detail: 'turn it on' });
    body.inputs[0]!.malformed = 3;
    body.inputs[0]!.malformedExamples.push({ line: 7, text: 'garbage' });
    const f = logsCheck.assess({ body });
    expect(f.map((x) => x.id)).toEqual(expect.arrayContaining(['logs.tls-not-logged', 'logs.protocol-logging-off', 'logs.malformed-lines']));
    expect(f.find((x) => x.id === 'logs.malformed-lines')!.facts.example).toBe('line 7: garbage');
  });
});
