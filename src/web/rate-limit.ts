// Public mode's limits per client: a token bucket of requests per client address, and a count of
// the jobs running at once (in all, and per client). Time comes from the injected Clock. Memory is
// bounded: at most `maxClients` buckets are kept, the least recently used one goes first; an IPv6
// client is counted by its /64 (one subscriber's network hands out any number of addresses in it),
// an IPv4-mapped IPv6 address as its IPv4 address.
import type { Clock } from '../core/context.js';
import { canonicalIp, ipFamily, ipv6Bytes } from '../core/ip.js';

export interface RateLimit {
  /** Tokens added per minute (a request costs one). */
  perMinute: number;
  /** The most tokens a bucket holds: this many requests may come at once. */
  burst: number;
  /** Buckets kept at most (default 10,000). */
  maxClients?: number;
}

export type RateVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

export const DEFAULT_MAX_CLIENTS = 10_000;

/** Characters kept of something that is no IP address (a key must be bounded too). */
const MAX_KEY = 64;

/**
 * Who a client is, for the limits: an IPv4 address as is, an IPv4-mapped IPv6 address as its
 * IPv4 address, another IPv6 address as its /64 ("2001:db8:1:2::/64"); anything else as given, capped.
 */
export function clientKey(ip: string): string {
  const canonical = canonicalIp(ip);
  if (canonical === null) return ip.slice(0, MAX_KEY);
  if (ipFamily(canonical) === 4) return canonical;
  const bytes = ipv6Bytes(canonical);
  // ::ffff:a.b.c.d in any spelling (canonicalIp knows the dotted one only).
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  const groups = Array.from({ length: 4 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return `${groups.join(':')}::/64`;
}

function positive(value: number, name: string, integer: boolean): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isSafeInteger(value))) {
    throw new RangeError(`${name} must be a positive ${integer ? 'integer' : 'number'}, not ${value}`);
  }
  return value;
}

interface Bucket {
  tokens: number;
  /** clock.monotonic() when `tokens` was last brought up to date. */
  at: number;
}

/** A token bucket per client (see clientKey). */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly maxClients: number;

  constructor(
    limit: RateLimit,
    private readonly clock: Clock,
  ) {
    this.perMs = positive(limit.perMinute, 'perMinute', false) / 60_000;
    this.burst = positive(limit.burst, 'burst', true);
    this.maxClients = positive(limit.maxClients ?? DEFAULT_MAX_CLIENTS, 'maxClients', true);
  }

  /** Buckets kept now (for tests and the server's health numbers). */
  get size(): number {
    return this.buckets.size;
  }

  /** One request of this client: allowed (a token taken), or how many seconds until a token is there. */
  take(ip: string): RateVerdict {
    const key = clientKey(ip);
    const now = this.clock.monotonic();
    const found = this.buckets.get(key);
    // Re-inserted on every use: the Map's order is then least recently used first.
    if (found) this.buckets.delete(key);
    const bucket: Bucket = found
      ? { tokens: Math.min(this.burst, found.tokens + Math.max(0, now - found.at) * this.perMs), at: now }
      : { tokens: this.burst, at: now };
    this.buckets.set(key, bucket);
    while (this.buckets.size > this.maxClients) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }
}

/** What acquire answers when no slot is free. */
export interface NoSlot {
  retryAfterSeconds: number;
}

/**
 * Jobs running at once: at most `max` in all and `perIp` per client (see clientKey). A slot is
 * held until its release function is called (once is enough: later calls do nothing).
 */
export class JobSlots {
  private readonly perClient = new Map<string, number>();
  private running = 0;

  constructor(
    private readonly max: number,
    private readonly perIp: number,
    /** What Retry-After says when no slot is free (a job's end cannot be foreseen). */
    private readonly retryAfterSeconds = 10,
  ) {
    positive(max, 'max', true);
    positive(perIp, 'perIp', true);
    positive(retryAfterSeconds, 'retryAfterSeconds', true);
  }

  /** Jobs holding a slot now. */
  get active(): number {
    return this.running;
  }

  acquire(ip: string): (() => void) | NoSlot {
    const key = clientKey(ip);
    const mine = this.perClient.get(key) ?? 0;
    if (this.running >= this.max || mine >= this.perIp) return { retryAfterSeconds: this.retryAfterSeconds };
    this.running++;
    this.perClient.set(key, mine + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.running--;
      const left = (this.perClient.get(key) ?? 1) - 1;
      // A client without a job is not kept: the map holds at most `max` keys.
      if (left <= 0) this.perClient.delete(key);
      else this.perClient.set(key, left);
    };
  }
}
