// Public mode's per-client limits (src/web/rate-limit.ts): the token bucket on a fixed clock (burst,
// refill, the cap, Retry-After), bounded memory (least recently used client evicted), clients
// keyed by IPv4 address or IPv6 /64, and the job slots (in all and per client).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import type * as RateLimit from '../../../src/web/rate-limit.js';

// Loaded inside each test: the defaults are built while the module loads (TESTING.md, "Tables are tested where they load").
let m: typeof RateLimit;
beforeEach(async () => {
  vi.resetModules();
  m = await import('../../../src/web/rate-limit.js');
});

const SECOND = 1000;

/** `n` takes of one client, as 'ok' or the Retry-After seconds. */
function takes(limiter: RateLimit.RateLimiter, ip: string, n: number): (string | number)[] {
  return Array.from({ length: n }, () => {
    const v = limiter.take(ip);
    return v.ok ? 'ok' : v.retryAfterSeconds;
  });
}

describe('RateLimiter', () => {
  it('a burst is allowed at once, then Retry-After says when the next token comes', () => {
    const clock = fixedClock(0);
    // 6 a minute: one token every 10 s.
    const limiter = new m.RateLimiter({ perMinute: 6, burst: 3 }, clock);
    expect(takes(limiter, '192.0.2.1', 5)).toEqual(['ok', 'ok', 'ok', 10, 10]);
  });

  it('tokens come back with the clock, one per 60/perMinute seconds, never more than the burst', () => {
    const clock = fixedClock(0);
    const limiter = new m.RateLimiter({ perMinute: 6, burst: 3 }, clock);
    expect(takes(limiter, '192.0.2.1', 3)).toEqual(['ok', 'ok', 'ok']);
    clock.advance(4 * SECOND);
    expect(takes(limiter, '192.0.2.1', 1)).toEqual([6]);
    clock.advance(5999);
    // 9.999 s: not yet a whole token; Retry-After rounds up to a whole second.
    expect(takes(limiter, '192.0.2.1', 1)).toEqual([1]);
    clock.advance(1);
    expect(takes(limiter, '192.0.2.1', 2)).toEqual(['ok', 10]);
    clock.advance(10 * 60 * SECOND);
    // Ten idle minutes fill the bucket to the burst, not to 60 tokens.
    expect(takes(limiter, '192.0.2.1', 4)).toEqual(['ok', 'ok', 'ok', 10]);
  });

  it('a fractional rate: 1 a minute refills in 60 s; 120 a minute in half a second (Retry-After at least 1)', () => {
    const clock = fixedClock(0);
    const slow = new m.RateLimiter({ perMinute: 1, burst: 1 }, clock);
    const fast = new m.RateLimiter({ perMinute: 120, burst: 1 }, clock);
    expect(takes(slow, '192.0.2.1', 2)).toEqual(['ok', 60]);
    expect(takes(fast, '192.0.2.1', 2)).toEqual(['ok', 1]);
    clock.advance(500);
    expect(takes(fast, '192.0.2.1', 2)).toEqual(['ok', 1]);
    expect(takes(slow, '192.0.2.1', 1)).toEqual([60]);
  });

  it('each client has its own bucket', () => {
    const limiter = new m.RateLimiter({ perMinute: 6, burst: 1 }, fixedClock(0));
    expect(takes(limiter, '192.0.2.1', 2)).toEqual(['ok', 10]);
    expect(takes(limiter, '192.0.2.2', 2)).toEqual(['ok', 10]);
    expect(takes(limiter, '2001:db8:0:1::1', 2)).toEqual(['ok', 10]);
  });

  it('an IPv6 client is its /64: other addresses of the same /64 share the bucket, the next /64 does not', () => {
    const limiter = new m.RateLimiter({ perMinute: 6, burst: 2 }, fixedClock(0));
    expect(takes(limiter, '2001:db8:1:2::1', 1)).toEqual(['ok']);
    expect(takes(limiter, '2001:DB8:1:2:ffff:ffff:ffff:fffe', 1)).toEqual(['ok']);
    expect(takes(limiter, '2001:db8:1:2:a::b', 1)).toEqual([10]);
    expect(takes(limiter, '2001:db8:1:3::1', 2)).toEqual(['ok', 'ok']);
    expect(limiter.size).toBe(2);
  });

  it('an IPv4-mapped IPv6 address is the IPv4 client', () => {
    const limiter = new m.RateLimiter({ perMinute: 6, burst: 3 }, fixedClock(0));
    expect(takes(limiter, '198.51.100.7', 1)).toEqual(['ok']);
    expect(takes(limiter, '::ffff:198.51.100.7', 1)).toEqual(['ok']);
    expect(takes(limiter, '::ffff:c633:6407', 1)).toEqual(['ok']);
    expect(takes(limiter, '198.51.100.7', 1)).toEqual([10]);
    expect(limiter.size).toBe(1);
  });

  it('memory is bounded: past maxClients the least recently used client is forgotten (and starts afresh)', () => {
    const limiter = new m.RateLimiter({ perMinute: 6, burst: 1, maxClients: 2 }, fixedClock(0));
    expect(takes(limiter, '192.0.2.1', 1)).toEqual(['ok']);
    expect(takes(limiter, '192.0.2.2', 1)).toEqual(['ok']);
    // .1 used again (refused): now .2 is the least recently used.
    expect(takes(limiter, '192.0.2.1', 1)).toEqual([10]);
    expect(takes(limiter, '192.0.2.3', 1)).toEqual(['ok']);
    expect(limiter.size).toBe(2);
    // .2 was evicted: a fresh bucket; .1 was kept: still empty.
    expect(takes(limiter, '192.0.2.1', 1)).toEqual([10]);
    expect(takes(limiter, '192.0.2.2', 1)).toEqual(['ok']);
    expect(limiter.size).toBe(2);
  });

  it('10,000 clients by default, and never more, however many come', () => {
    const limiter = new m.RateLimiter({ perMinute: 60, burst: 5 }, fixedClock(0));
    for (let i = 0; i < 10_050; i++) limiter.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(m.DEFAULT_MAX_CLIENTS).toBe(10_000);
    expect(limiter.size).toBe(10_000);
  });

  it.each([
    [{ perMinute: 0, burst: 1 }, 'perMinute must be a positive number, not 0'],
    [{ perMinute: Number.NaN, burst: 1 }, 'perMinute must be a positive number, not NaN'],
    [{ perMinute: 6, burst: 0 }, 'burst must be a positive integer, not 0'],
    [{ perMinute: 6, burst: 1.5 }, 'burst must be a positive integer, not 1.5'],
    [{ perMinute: 6, burst: 1, maxClients: -1 }, 'maxClients must be a positive integer, not -1'],
  ])('refuses limits that make no bucket: %o', (limit, message) => {
    expect(() => new m.RateLimiter(limit, fixedClock(0))).toThrow(new RangeError(message));
  });
});

describe('clientKey', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:C000:0201', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1', 'fe80:0:0:0::/64'],
    ['not an address', 'not an address'],
    ['x'.repeat(100), 'x'.repeat(64)],
  ])('%s → %s', (ip, key) => {
    expect(m.clientKey(ip)).toBe(key);
  });
});

describe('JobSlots', () => {
  it('at most perIp at once for one client, and Retry-After when none is free', () => {
    const slots = new m.JobSlots(10, 2);
    const a1 = slots.acquire('192.0.2.1');
    const a2 = slots.acquire('192.0.2.1');
    expect([typeof a1, typeof a2]).toEqual(['function', 'function']);
    expect(slots.acquire('192.0.2.1')).toEqual({ retryAfterSeconds: 10 });
    expect(typeof slots.acquire('192.0.2.2')).toBe('function');
    expect(slots.active).toBe(3);
  });

  it('at most max in all, whoever asks; a release frees one slot, once', () => {
    const slots = new m.JobSlots(3, 2, 7);
    const held = ['192.0.2.1', '192.0.2.1', '192.0.2.2'].map((ip) => slots.acquire(ip));
    expect(slots.acquire('192.0.2.3')).toEqual({ retryAfterSeconds: 7 });
    const release = held[0] as () => void;
    release();
    expect(slots.active).toBe(2);
    // A second call frees nothing more.
    release();
    expect(slots.active).toBe(2);
    const c = slots.acquire('192.0.2.3');
    expect(typeof c).toBe('function');
    expect(slots.acquire('192.0.2.4')).toEqual({ retryAfterSeconds: 7 });
    expect(slots.active).toBe(3);
  });

  it('a client released to zero can take perIp again; a double release does not grant a client more than perIp', () => {
    const slots = new m.JobSlots(10, 1);
    const first = slots.acquire('192.0.2.1') as () => void;
    first();
    first();
    const second = slots.acquire('192.0.2.1');
    expect(typeof second).toBe('function');
    expect(slots.acquire('192.0.2.1')).toEqual({ retryAfterSeconds: 10 });
  });

  it('IPv6 clients count by /64', () => {
    const slots = new m.JobSlots(10, 1);
    expect(typeof slots.acquire('2001:db8:1:2::1')).toBe('function');
    expect(slots.acquire('2001:db8:1:2::99')).toEqual({ retryAfterSeconds: 10 });
    expect(typeof slots.acquire('2001:db8:1:3::1')).toBe('function');
  });

  it.each([
    [0, 1, 'max must be a positive integer, not 0'],
    [1, 0, 'perIp must be a positive integer, not 0'],
    [2.5, 1, 'max must be a positive integer, not 2.5'],
  ])('refuses max %s, perIp %s', (max, perIp, message) => {
    expect(() => new m.JobSlots(max, perIp)).toThrow(new RangeError(message));
  });
});
