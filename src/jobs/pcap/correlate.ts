// A failed TLS attempt followed by the same mail in clear: Postfix (smtp_tls_security_level may) and
// Exim (tls_try_verify_hosts, hosts_try_tls) give up on TLS after a failed handshake or a refused
// STARTTLS and connect again without it. Each connection alone looks unremarkable — one failed,
// one carried mail without TLS — only together do they say "the mail went in clear because TLS
// failed". Pairs are sought between the same client address and server address and port (the
// client's port changes with each connection), the retry starting within a window after the
// failure ended.
import type { PcapFlow, PcapVerdict } from '../../core/pcap-schema.js';

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

/** Failures remembered while they wait for a retry (the oldest forgotten first). */
const MAX_TRACKED = 100_000;

/**
 * The pairing, streamed: flows handed in as they end (a retry starts after its failure ended, so
 * it always ends after it too). A failed TLS attempt waits, per client address, server address
 * and port, for the next flow that carries MAIL in clear and starts no earlier than the failure
 * ended and at most `windowMs` after; a newer failure of the same pair takes the place of an older
 * one (an MTA retrying TLS before it gives up on it). Each flow takes part in at most one pair.
 * Memory: one failure per pair, MAX_TRACKED pairs, whatever the capture's size.
 */
export class RetryMatcher {
  private readonly waiting = new Map<string, { id: number; end: number }>();

  constructor(private readonly windowMs: number = DEFAULT_RETRY_WINDOW_MS) {}

  /** One ended flow; returns the failure it retried, if it is a retry. */
  add(flow: PcapFlow): { failedId: number } | null {
    const key = `${flow.client.ip}\u0000${flow.server.ip}\u0000${flow.server.port}`;
    if (failedTls(flow)) {
      // Re-inserted so that the map's order stays oldest first for the cap.
      this.waiting.delete(key);
      this.waiting.set(key, { id: flow.id, end: flow.end ?? flow.start });
      if (this.waiting.size > MAX_TRACKED) this.waiting.delete(this.waiting.keys().next().value as string);
      return null;
    }
    if (!mailInClear(flow)) return null;
    const f = this.waiting.get(key);
    if (!f || flow.start < f.end) return null; // open at the same time: another delivery, not a retry
    this.waiting.delete(key);
    return flow.start - f.end <= this.windowMs ? { failedId: f.id } : null;
  }
}

/**
 * Marks retries in clear over a list of flows (RetryMatcher, fed in the order the flows ended):
 * the failure gets `retriedBy`, the retry `retryOf`. Earlier marks are cleared first, so running it
 * again gives the same result. Returns the number of pairs.
 */
export function correlateRetries(flows: PcapFlow[], windowMs: number = DEFAULT_RETRY_WINDOW_MS): number {
  const byId = new Map<number, PcapFlow>();
  for (const flow of flows) {
    flow.retryOf = null;
    flow.retriedBy = null;
    byId.set(flow.id, flow);
  }
  const matcher = new RetryMatcher(windowMs);
  let pairs = 0;
  for (const flow of [...flows].sort((a, b) => (a.end ?? a.start) - (b.end ?? b.start) || a.id - b.id)) {
    const pair = matcher.add(flow);
    if (!pair) continue;
    flow.retryOf = pair.failedId;
    const failed = byId.get(pair.failedId);
    if (failed) failed.retriedBy = flow.id;
    pairs++;
  }
  return pairs;
}
