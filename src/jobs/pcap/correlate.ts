// A failed TLS attempt followed by the same mail in clear: Postfix (smtp_tls_security_level may) and
// Exim (tls_try_verify_hosts, hosts_try_tls) give up on TLS after a failed handshake or a refused
// STARTTLS and connect again without it. Each connection alone looks unremarkable — one failed,
// one carried mail without TLS — only together do they say "the mail went in clear because TLS
// failed". Pairs are sought between the same client address and server address and port (the
// client's port changes with each connection), the retry starting within a window after the
// failure ended.
import type { PcapFlow, PcapVerdict } from '../../core/pcap-schema.js';

/** How far a retry's first packet may precede the failed connection's last one (its closing packets). */
export const RETRY_OVERLAP_MS = 1_000;

export const DEFAULT_RETRY_WINDOW_MS = 5 * 60_000;

/** The TLS attempt failed: the handshake (or the client gave up right after 220), or STARTTLS was refused. */
const FAILED: ReadonlySet<PcapVerdict> = new Set<PcapVerdict>(['handshake-failed', 'starttls-refused']);
/** The flow went without TLS (the handshake never happened). */
const CLEAR: ReadonlySet<PcapVerdict> = new Set<PcapVerdict>(['not-attempted', 'starttls-not-offered', 'cleartext-after-starttls']);

function failedTls(flow: PcapFlow): boolean {
  return FAILED.has(flow.verdict);
}

function mailInClear(flow: PcapFlow): boolean {
  return CLEAR.has(flow.verdict) && flow.exposed.mailCommands > 0;
}

/** At most this many failed attempts wait for their retry at once (the oldest is forgotten first). */
export const MAX_WAITING_FAILURES = 100_000;

function pairKey(flow: PcapFlow): string {
  return `${flow.client.ip}\u0000${flow.server.ip}\u0000${flow.server.port}`;
}

/**
 * The pairing, streamed: flows are added as they end (the order a capture reader finishes them), and
 * a flow that carried MAIL in clear is paired with the latest failed TLS attempt from the same
 * client address to the same server address and port that ended no later than it started and at
 * most `windowMs` before. Each failure is paired once. Memory: one small entry per address pair
 * with a failure waiting, at most MAX_WAITING_FAILURES.
 */
export class RetryMatcher {
  private readonly waiting = new Map<string, { id: number; end: number }>();

  constructor(private readonly windowMs: number = DEFAULT_RETRY_WINDOW_MS) {}

  /** Adds an ended flow; when it is the retry of a failure, that failure's id. */
  add(flow: PcapFlow): { failedId: number } | null {
    const key = pairKey(flow);
    if (failedTls(flow)) {
      // The latest failure is the one a retry follows; re-inserted, so the map's order stays oldest first.
      this.waiting.delete(key);
      this.waiting.set(key, { id: flow.id, end: flow.end ?? flow.start });
      if (this.waiting.size > MAX_WAITING_FAILURES) this.waiting.delete(this.waiting.keys().next().value as string);
      return null;
    }
    if (!mailInClear(flow)) return null;
    const failure = this.waiting.get(key);
    if (!failure) return null;
    // Open at the same time: another delivery, not a retry — but an MTA reconnects within a
    // millisecond of giving up, and the old connection's last FIN/ACK may be captured after the
    // new SYN: a moment of overlap is still a retry.
    if (flow.start < failure.end - RETRY_OVERLAP_MS) return null;
    this.waiting.delete(key);
    if (flow.start - failure.end > this.windowMs) return null;

    return { failedId: failure.id };
  }
}

/**
 * The same pairing over a list of flows in any order (taken in the order they ended): sets
 * `retriedBy` on each failure paired and `retryOf` on its retry. Earlier marks are cleared first,
 * so running it again gives the same result. O(n log n). Returns the number of pairs.
 */
export function correlateRetries(flows: PcapFlow[], windowMs: number = DEFAULT_RETRY_WINDOW_MS): number {
  const byId = new Map<number, PcapFlow>();
  for (const flow of flows) {
    flow.retryOf = null;
    flow.retriedBy = null;
    byId.set(flow.id, flow);
  }
  const ended = [...flows].sort((a, b) => (a.end ?? a.start) - (b.end ?? b.start) || a.start - b.start || a.id - b.id);
  const matcher = new RetryMatcher(windowMs);
  let pairs = 0;
  for (const flow of ended) {
    const pair = matcher.add(flow);
    const failed = pair ? byId.get(pair.failedId) : undefined;
    if (!failed) continue;
    failed.retriedBy = flow.id;
    flow.retryOf = failed.id;
    pairs++;
  }
  return pairs;
}
