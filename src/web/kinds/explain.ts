// `mxray explain` as a web job: a pasted error text, log lines or a bounce (NDR, DSN), explained.
import { Type } from '@sinclair/typebox';
import { UsageError } from '../../core/errors.js';
import { runExplain } from '../../jobs/explain/run-explain.js';
import type { JobKind } from './model.js';

/** The most text one request explains (the CLI reads up to 32 MiB from files; a paste is far less). */
export const MAX_EXPLAIN_TEXT_BYTES = 256 * 1024;

const Params = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: MAX_EXPLAIN_TEXT_BYTES, description: 'the error text, log lines, or a whole bounce message' }),
  },
  { additionalProperties: false },
);

/** The first line, for History: at most 120 characters. */
export function firstLine(text: string, max = 120): string {
  const line = text.trim().split(/\r?\n/, 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export const explainKind: JobKind<typeof Params> = {
  name: 'explain',
  title: 'Explain an error or a bounce',
  params: Params,
  rerunnable: true,
  // As the report will name it (jobs/explain: the text's first 200 characters).
  targetOf: (p) => p.text.slice(0, 200),
  async run(p, { edges }) {
    const bytes = Buffer.byteLength(p.text);
    if (bytes > MAX_EXPLAIN_TEXT_BYTES) throw new UsageError(`the text is ${bytes} bytes: at most ${MAX_EXPLAIN_TEXT_BYTES / 1024} KiB at once`);
    return runExplain({ input: { source: 'argument', parts: [{ name: null, text: p.text }] }, clock: edges.clock });
  },
};
