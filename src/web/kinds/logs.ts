// MTA logs (`mxray logs`) as an upload job: one log file, plain or gzip (detected by its magic
// bytes, as the CLI does), streamed through the job chunk by chunk — never held whole, never
// written to disk. The CLI's filters in the query string.
import { createGunzip } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import { UsageError } from '../../core/errors.js';
import { parseMomentText, parseUtcOffset } from '../../core/time-text.js';
import { LOG_FORMATS, type LogFormat } from '../../core/logs-schema.js';
import { runLogs } from '../../jobs/logs/run-logs.js';
import { queryBoolean, uploadName } from './shared.js';
import type { JobContext, JobKind } from './model.js';

export const LOGS_UPLOAD_MAX_BYTES = 512 * 1024 * 1024;
/** The most a gzip upload may expand to: far beyond a real log of that size, a bound on a gzip bomb. */
export const LOGS_EXPANDED_MAX_BYTES = 8 * 1024 ** 3;

const MOMENT = '^(\\d{1,6} ?[smhdwSMHDW]|\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?)? ?(Z|z|[+-]\\d{2}:?\\d{2})?)$';
const OFFSET = '^([Zz]|[Uu][Tt][Cc]|[+-]\\d{1,2}(:?\\d{2})?)$';

const Params = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 255, description: 'the file name shown' })),
    format: Type.Optional(Type.String({ pattern: `^(auto|${LOG_FORMATS.join('|')})$`, description: `the log format (default auto: detected from the first lines)` })),
    domain: Type.Optional(Type.String({ maxLength: 2000, pattern: '^[A-Za-z0-9_.-]{1,253}(,[A-Za-z0-9_.-]{1,253}){0,49}$', description: 'only sessions with these remote domains (and subdomains), comma-separated' })),
    since: Type.Optional(Type.String({ maxLength: 60, pattern: MOMENT, description: 'only sessions from then on: 2026-11-30, "2026-11-30 10:00", 24h, 7d' })),
    until: Type.Optional(Type.String({ maxLength: 60, pattern: MOMENT, description: 'only sessions until then' })),
    utcOffset: Type.Optional(Type.String({ maxLength: 10, pattern: OFFSET, description: 'the zone of time stamps that carry none: +01:00 (default UTC)' })),
    includeLocal: Type.Optional(Type.String({ pattern: '^(true|false|1|0)$', description: 'count sessions with the machine itself too (127.0.0.1, ::1)' })),
  },
  { additionalProperties: false },
);

/** "+01:00", "-0530", "Z" → minutes east of UTC. */
export function parseOffset(text: string): number {
  const minutes = parseUtcOffset(text);
  if (minutes === null) throw new UsageError(`utcOffset ${JSON.stringify(text.slice(0, 40))}: give it as +01:00, -05:00 or Z`);
  return minutes;
}

/** "2026-11-30", "2026-11-30 10:00", "2026-11-30T10:00:00Z", or "7d" / "24h" / "30m" before now. */
export function parseMoment(text: string, what: string, now: number, offsetMinutes: number): number {
  const at = parseMomentText(text, now, offsetMinutes);
  if (at === null) throw new UsageError(`${what} ${JSON.stringify(text.trim().slice(0, 60))}: give a date (2026-11-30), a moment (2026-11-30 10:00, with Z or +01:00 for its zone) or a span back from now (24h, 7d)`);
  return at;
}

/** The upload's chunks, stopped when the job is cancelled. */
async function* untilAborted(chunks: AsyncIterable<Buffer>, signal: AbortSignal): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    signal.throwIfAborted();
    yield chunk;
  }
}

/**
 * The upload as plain bytes: a gzip stream (its first two bytes 1f 8b, as the CLI tells) expanded
 * as it comes, at most `max` bytes; anything else as it is.
 */
export async function* plainChunks(chunks: AsyncIterable<Buffer>, name: string, max: number): AsyncGenerator<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  // The first bytes decide: enough of them to see the magic number (a chunk may be one byte long).
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 2) {
    const step = await it.next();
    if (step.done) {
      done = true;
      break;
    }
    head = Buffer.concat([head, step.value]);
  }
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (done) return;
    for (let step = await it.next(); !step.done; step = await it.next()) yield step.value;
  };
  if (!(head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip();
  const drained = () => new Promise<void>((resolve) => {
    gunzip.once('drain', resolve);
    gunzip.once('close', resolve);
  });
  void (async () => {
    try {
      for await (const c of rest()) {
        if (gunzip.destroyed) return;
        if (!gunzip.write(c)) await drained();
      }
      gunzip.end();
    } catch (err) {
      gunzip.destroy(err as Error);
    }
  })();
  let expanded = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      expanded += chunk.length;
      if (expanded > max) throw new UsageError(`${name} expands to more than ${max / 1024 ** 3} GiB: send a smaller part`);
      yield chunk;
    }
  } catch (err) {
    // zlib's own errors are the input's; the upload's (past the cap, cancelled) go on as they are.
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new UsageError(`cannot read ${name}: the gzip stream is damaged or cut short`);
    throw err;
  } finally {
    gunzip.destroy();
  }
}

export const logsKind: JobKind<typeof Params> = {
  name: 'logs',
  title: 'MTA logs',
  params: Params,
  upload: { maxBytes: LOGS_UPLOAD_MAX_BYTES },
  rerunnable: false,
  targetOf: (p) => (p.name ?? 'log upload').slice(0, 500),
  async run(p, { edges, signal, upload }: JobContext) {
    if (!upload) throw new UsageError('send the log file as the request body (application/octet-stream)');
    const now = edges.clock.now();
    const offsetMinutes = p.utcOffset !== undefined ? parseOffset(p.utcOffset) : 0;
    const since = p.since !== undefined ? parseMoment(p.since, 'since', now, offsetMinutes) : null;
    const until = p.until !== undefined ? parseMoment(p.until, 'until', now, offsetMinutes) : null;
    if (since !== null && until !== null && since > until) throw new UsageError('since is after until');
    const includeLocal = queryBoolean('includeLocal', p.includeLocal, false);
    const name = uploadName(upload, p.name);
    return runLogs({
      inputs: [{ name, chunks: plainChunks(untilAborted(upload.chunks, signal), name, LOGS_EXPANDED_MAX_BYTES) }],
      format: (p.format ?? 'auto') as LogFormat | 'auto',
      domains: p.domain ? p.domain.split(',') : [],
      since,
      until,
      offsetMinutes,
      includeLocal,
      target: name,
      clock: edges.clock,
    });
  },
};
