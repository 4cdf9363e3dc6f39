// What several web job kinds share: the time parameters and the limits they set, public mode's
// refusal of the edge parameters, and reading an upload's query string and bytes.
import { Type } from '@sinclair/typebox';
import type { Limits } from '../../core/context.js';
import { UsageError } from '../../core/errors.js';
import type { JobContext } from './model.js';

/** Seconds, as the CLI's --timeout, --greeting-timeout and --deadline take them (bounded for a shared server). */
export const SECONDS = (description: string, max: number) => Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: max, description }));

/** The session limits the time parameters set (as cli/options.ts timeLimits). */
export function timeLimits(p: { timeout?: number; greetingTimeout?: number; deadline?: number }): Partial<Limits> {
  const ms = (s: number) => Math.round(s * 1000);
  return {
    ...(p.timeout ? { connectTimeoutMs: ms(p.timeout), greetingTimeoutMs: ms(p.timeout), commandTimeoutMs: ms(p.timeout), tlsTimeoutMs: ms(p.timeout) } : {}),
    ...(p.greetingTimeout ? { greetingTimeoutMs: ms(p.greetingTimeout) } : {}),
    ...(p.deadline ? { deadlineMs: ms(p.deadline) } : {}),
  };
}

/** What public mode refuses of EDGE_PARAMS, one line (null: nothing). */
export function edgeProblem(p: { resolver?: string | undefined; connect?: string[] | undefined }): string | null {
  if (p.resolver !== undefined) return 'public mode sends DNS queries to its own resolver only (no resolver parameter)';
  if (p.connect?.length) return 'public mode connects to the addresses DNS gives only (no connect parameter)';
  return null;
}

/** A query-string boolean. */
export function queryBoolean(what: string, text: string | undefined, fallback: boolean): boolean {
  if (text === undefined) return fallback;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new UsageError(`${what}: true or false, not ${JSON.stringify(text.slice(0, 20))}`);
}

/** A query-string whole number within bounds. */
export function queryInt(what: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d{1,9}$/.test(text) || n < min || n > max) throw new UsageError(`${what} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text.slice(0, 20))}`);
  return n;
}

/** The whole upload in memory (the server caps it at the kind's maxBytes; checked again here). */
export async function uploadBytes(upload: JobContext['upload'], max: number): Promise<Buffer> {
  if (!upload) throw new UsageError('send the file as the request body (application/octet-stream)');
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of upload.chunks) {
    size += chunk.length;
    if (size > max) throw new UsageError(`the upload is more than the ${max} bytes this job reads`);
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}

/** The name shown for an upload: the server's, else the query's, else "upload". */
export function uploadName(upload: JobContext['upload'], given: string | undefined): string {
  return (upload?.name || given || 'upload').slice(0, 255);
}
