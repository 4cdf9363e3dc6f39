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

/**
 * Marks retries in clear: a flow whose TLS attempt failed gets `retriedBy` the first later flow
 * from the same client address to the same server address and port that carried MAIL in clear,
 * starting no earlier than the failure's end and at most `windowMs` after it; that flow gets
 * `retryOf`. Each flow takes part in at most one pair (several failures before one retry: the last
 * one is paired). Earlier marks are cleared first, so running it again gives the same result.
 * O(n log n) in the flows. Returns the number of pairs.
 */
export function correlateRetries(flows: PcapFlow[], windowMs: number = DEFAULT_RETRY_WINDOW_MS): number {
  const groups = new Map<string, PcapFlow[]>();
  for (const flow of flows) {
    flow.retryOf = null;
    flow.retriedBy = null;
    if (!failedTls(flow) && !mailInClear(flow)) continue;
    const key = `${flow.client.ip}\u0000${flow.server.ip}\u0000${flow.server.port}`;
    const group = groups.get(key);
    if (group) group.push(flow);
    else groups.set(key, [flow]);
  }
  let pairs = 0;
  for (const group of groups.values()) {
    group.sort((a, b) => a.start - b.start || a.id - b.id);
    // The failure waiting for its retry: the latest one seen.
    let waiting: PcapFlow | null = null;
    for (const flow of group) {
      if (failedTls(flow)) {
        waiting = flow;
        continue;
      }
      if (waiting === null) continue;
      const after = waiting.end ?? waiting.start;
      if (flow.start < after) continue; // open at the same time: another delivery, not a retry
      if (flow.start - after > windowMs) {
        waiting = null;
        continue;
      }
      waiting.retriedBy = flow.id;
      flow.retryOf = waiting.id;
      waiting = null;
      pairs++;
    }
  }
  return pairs;
}
