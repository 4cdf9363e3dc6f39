// A failed TLS session followed by a session in clear text between the same two servers: how an
// MTA falls back at opportunistic levels (Postfix `may` after a failed handshake, Exim at once),
// and how a receiver's log shows it — two sessions, one "TLS failed", one "no TLS", that only
// together say "the mail went in clear because TLS failed". Sessions pass through in log order;
// a failed one waits (bounded: in log time and in number) for a clear session of the same
// direction, remote address and local host to start within the window, and is then marked
// `clearRetry`. Whatever the log's size, at most MAX_HELD sessions are held.
import type { LogSession } from './model.js';
import { sessionVerdict } from '../../checks/logs/session-verdict.js';

export const RETRY_WINDOW_MS = 5 * 60_000;
/** A retry may start a moment before the failed session's last line (the two ends are logged independently). */
const EARLY_MS = 2_000;
const MAX_HELD = 10_000;

const keyOf = (s: LogSession): string | null => {
  const remote = s.remoteIp ?? s.remoteHost;
  if (!remote || s.direction === null) return null;
  return `${s.format}\u0000${s.direction}\u0000${remote}\u0000${s.localHost ?? ''}`;
};

/** The session in clear carried a message (not a scanner's EHLO and QUIT). */
const carriedMail = (s: LogSession): boolean => s.messages > 0 || s.status !== null || s.queueIds.length > 0 || s.domains.length > 0;

export class ClearRetryPairing {
  /** Held failures by key, oldest first (a Map keeps insertion order). */
  private readonly held = new Map<string, LogSession>();

  constructor(
    private readonly release: (s: LogSession) => void,
    private readonly windowMs = RETRY_WINDOW_MS,
  ) {}

  add(s: LogSession): void {
    const verdict = sessionVerdict(s);
    // Nothing held and not a failure: nothing to pair (the common case, no key made).
    if (this.held.size === 0 && verdict !== 'failed') {
      this.release(s);
      return;
    }
    const time = s.start ?? s.end;
    if (time !== null) this.expire(time);
    const key = keyOf(s);
    if (key !== null) {
      const failed = this.held.get(key);
      if (failed && verdict === 'clear' && time !== null) {
        const end = failed.end ?? failed.start ?? time;
        if (time >= end - EARLY_MS && time - end <= this.windowMs && carriedMail(s)) {
          this.held.delete(key);
          this.release({ ...failed, tls: { ...failed.tls, clearRetry: true } });
          this.release(s);
          return;
        }
      }
      if (verdict === 'failed' && time !== null) {
        // A newer failure of the same pair takes the older one's place (the MTA tried TLS again).
        if (failed) {
          this.held.delete(key);
          this.release(failed);
        }
        this.held.set(key, s);
        if (this.held.size > MAX_HELD) this.releaseOldest();
        return;
      }
    }
    this.release(s);
  }

  /** The end of the input: every held failure goes on as it is. */
  flush(): void {
    for (const s of this.held.values()) this.release(s);
    this.held.clear();
  }

  private expire(now: number): void {
    for (const [key, s] of this.held) {
      const end = s.end ?? s.start ?? now;
      // Held in order of arrival, which is roughly log time: stop at the first one still in its window.
      if (now - end <= this.windowMs) break;
      this.held.delete(key);
      this.release(s);
    }
  }

  private releaseOldest(): void {
    const first = this.held.entries().next();
    if (first.done) return;
    this.held.delete(first.value[0]);
    this.release(first.value[1]);
  }
}
