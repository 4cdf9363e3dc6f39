import { describe, expect, it } from 'vitest';
import type { LogSession } from '../../../../src/core/logs-schema.js';
import { sessionVerdict } from '../../../../src/checks/logs/session-verdict.js';
import { ClearRetryPairing, RETRY_WINDOW_MS } from '../../../../src/jobs/logs/retry.js';
import { unknownTls } from '../../../../src/jobs/logs/model.js';

const T = Date.UTC(2026, 10, 30, 4, 35);

function s(id: string, kind: 'failed' | 'clear' | 'tls', at: number, over: Partial<LogSession> = {}): LogSession {
  const tls = { ...unknownTls(), ...(kind === 'failed' ? { attempted: true, negotiated: false, failure: 'SSL_accept error' } : kind === 'clear' ? { attempted: false, negotiated: false } : { attempted: true, negotiated: true }) };
  return { format: 'postfix', file: 'mail.log', key: id, direction: 'inbound', start: at, end: at + 100, localHost: 'mx', remoteHost: 'unknown', remoteIp: '192.0.2.7', remotePort: null, domains: [], queueIds: [], messages: kind === 'failed' ? 0 : 1, tls, evidence: 'counters', status: kind === 'failed' ? null : 'sent', dsn: null, lines: [], incomplete: false, ...over };
}

function run(sessions: LogSession[]): { key: string; verdict: string }[] {
  const out: LogSession[] = [];
  const p = new ClearRetryPairing((x) => out.push(x));
  for (const x of sessions) p.add(x);
  p.flush();
  return out.map((x) => ({ key: x.key, verdict: sessionVerdict(x) }));
}

describe('ClearRetryPairing', () => {
  it('a failed session and the clear one from the same server right after: failed then clear; nothing lost', () => {
    expect(run([s('a', 'failed', T), s('b', 'clear', T + 2_000)])).toEqual([
      { key: 'a', verdict: 'failed-then-clear' },
      { key: 'b', verdict: 'clear' },
    ]);
  });

  it('not paired: another address, another direction, another local host, too late, before the failure, or a clear session without mail', () => {
    const cases: LogSession[][] = [
      [s('a', 'failed', T), s('b', 'clear', T + 1_000, { remoteIp: '192.0.2.8' })],
      [s('a', 'failed', T), s('b', 'clear', T + 1_000, { direction: 'outbound' })],
      [s('a', 'failed', T), s('b', 'clear', T + 1_000, { localHost: 'mx2' })],
      [s('a', 'failed', T), s('b', 'clear', T + 100 + RETRY_WINDOW_MS + 1)],
      [s('a', 'failed', T + 60_000), s('b', 'clear', T)],
      [s('a', 'failed', T), s('b', 'clear', T + 1_000, { messages: 0, status: null })],
    ];
    for (const c of cases) expect(run(c).find((x) => x.key === 'a')!.verdict).toBe('failed');
  });

  it('a newer failure of the same pair takes the retry; the older stays failed; TLS sessions pass untouched', () => {
    expect(run([s('a', 'failed', T), s('t', 'tls', T + 500, { remoteIp: '198.51.100.1' }), s('b', 'failed', T + 1_000), s('c', 'clear', T + 2_000)])).toEqual([
      { key: 't', verdict: 'encrypted' },
      { key: 'a', verdict: 'failed' },
      { key: 'b', verdict: 'failed-then-clear' },
      { key: 'c', verdict: 'clear' },
    ]);
  });

  it('holds a failure no longer than the window of log time, and no more than its cap', () => {
    const out: LogSession[] = [];
    const p = new ClearRetryPairing((x) => out.push(x));
    p.add(s('a', 'failed', T));
    expect(out).toHaveLength(0);
    p.add(s('t', 'tls', T + RETRY_WINDOW_MS + 1_000, { remoteIp: '198.51.100.1' }));
    expect(out.map((x) => x.key)).toEqual(['a', 't']);
    const many: LogSession[] = [];
    const q = new ClearRetryPairing((x) => many.push(x));
    for (let i = 0; i < 10_050; i++) q.add(s(`f${i}`, 'failed', T, { remoteIp: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` }));
    expect(many.length).toBe(50);
    q.flush();
    expect(many.length).toBe(10_050);
  });
});
