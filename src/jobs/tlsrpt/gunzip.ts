// A gzip stream expanded within a bound: a gzip bomb stops at the cap (zlib's maxOutputLength, so
// no more than the cap is ever allocated) and is named, as is a stream cut short or damaged.
import { gunzipSync } from 'node:zlib';

export type GunzipResult = { ok: true; bytes: Buffer } | { ok: false; problem: 'too-large' | 'bad-gzip'; detail: string };

export const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

export function gunzipBounded(bytes: Uint8Array, maxBytes: number): GunzipResult {
  try {
    return { ok: true, bytes: gunzipSync(bytes, { maxOutputLength: maxBytes }) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      return { ok: false, problem: 'too-large', detail: `expands to more than ${maxBytes / 1024 / 1024} MiB (stopped there: a gzip bomb, or not a report)` };
    }
    const why = e.code === 'Z_BUF_ERROR' ? 'the gzip stream is cut short' : `the gzip stream is damaged (${(e.message || String(e.code)).slice(0, 100)})`;
    return { ok: false, problem: 'bad-gzip', detail: why };
  }
}
