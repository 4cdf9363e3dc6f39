// One DNS question of the sender test, asked through the Resolver port and answered as data: the
// records (checked for type, capped) or the failure in a short word ("NXDOMAIN", "SERVFAIL",
// "timeout" …). The resolver is an edge like any other: it may throw synchronously, reject with
// something that is no DnsError, or resolve to something that is no list; none of it escapes.
import type { MxAnswer } from '../../core/context.js';
import { DnsError } from '../../core/errors.js';

export type DnsAnswer<T> =
  | { ok: true; records: T[] }
  | {
      ok: false;
      /** "NXDOMAIN", "NODATA", "SERVFAIL", "timeout", "REFUSED", "UNREACHABLE", "stopped", or the resolver's words (at most 100 characters). */
      error: string;
      /** NXDOMAIN or NODATA: DNS said there is nothing, which is an answer (not a failure to get one). */
      empty: boolean;
    };

const ERROR_MAX = 100;
/** What an abandoned query resolves to: no answer can be this object. */
const STOPPED = Symbol('stopped');

/** A thrown value's words, without trusting it (a hostile toString must not throw out of here). */
function wordsOf(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'unreadable error';
  }
}

/** A failure in the schema's words: the DnsError's code (TIMEOUT as "timeout"), else the text, capped. */
export function failureOf(err: unknown): { error: string; empty: boolean } {
  if (err instanceof DnsError) {
    if (err.code === 'TIMEOUT') return { error: 'timeout', empty: false };
    if (err.code === 'OTHER') return { error: wordsOf(err).slice(0, ERROR_MAX), empty: false };
    return { error: err.code, empty: err.code === 'NXDOMAIN' || err.code === 'NODATA' };
  }
  return { error: `error: ${wordsOf(err)}`.slice(0, ERROR_MAX), empty: false };
}

/**
 * Asks one question: the items of the answer that `accept` takes (others are dropped), at most
 * `max` of them. Never rejects. When `signal` aborts, the query is abandoned ("stopped"), not
 * waited for.
 */
export async function ask<T>(query: () => Promise<unknown>, accept: (item: unknown) => item is T, max: number, signal?: AbortSignal): Promise<DnsAnswer<T>> {
  if (signal?.aborted) return { ok: false, error: 'stopped', empty: false };
  let value: unknown;
  let onAbort: (() => void) | null = null;
  try {
    const asked = query();
    const stopped = new Promise<typeof STOPPED>((resolve) => {
      onAbort = () => resolve(STOPPED);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    value = await Promise.race([asked, stopped]);
    if (value === STOPPED) return { ok: false, error: 'stopped', empty: false };
  } catch (err) {
    return { ok: false, ...failureOf(err) };
  } finally {
    // One listener per query on a signal shared by a whole session: each goes when its query does.
    if (onAbort !== null) signal?.removeEventListener('abort', onAbort);
  }
  if (!Array.isArray(value)) return { ok: false, error: 'malformed answer', empty: false };
  const records: T[] = [];
  for (const item of value as unknown[]) {
    if (records.length >= max) break;
    if (accept(item)) records.push(item);
  }
  return { ok: true, records };
}

export const isText = (item: unknown): item is string => typeof item === 'string';

export const isMx = (item: unknown): item is MxAnswer =>
  typeof item === 'object' && item !== null && typeof (item as MxAnswer).exchange === 'string' && Number.isFinite((item as MxAnswer).priority);

export const isTxt = (item: unknown): item is string[] => Array.isArray(item) && item.every((s) => typeof s === 'string');
