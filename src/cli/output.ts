// Choosing a format and where it goes; colour only on a terminal, never with NO_COLOR / --no-color.
import { writeFileSync } from 'node:fs';
import type { Report } from '../core/schema.js';
import { DEFAULT_WIDTH, renderText } from '../render/text.js';
import { colorStyle, plainStyle, type Style } from '../render/style.js';
import { UsageError } from '../core/errors.js';
import { stdout } from './stdout.js';

export type Format = 'text' | 'json' | 'md' | 'html';

export interface OutputOptions {
  json?: boolean;
  format?: string;
  output?: string;
  color?: boolean;
  verbose?: boolean;
  details?: boolean;
  explain?: boolean;
  width?: number;
  /** Summary rows per remote host instead of per domain (mxray logs --by host). */
  by?: string;
}

export function formatOf(o: OutputOptions): Format {
  if (o.json) return 'json';
  const f = (o.format ?? 'text').toLowerCase();
  if (f === 'text' || f === 'json' || f === 'md' || f === 'html') return f;
  if (f === 'markdown') return 'md';
  throw new UsageError(`unknown format "${o.format}": use text, json, md or html`);
}

export function styleFor(o: OutputOptions): Style {
  const useColor = o.color !== false && !o.output && process.stdout.isTTY === true && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  return useColor ? colorStyle : plainStyle;
}

/** Columns for text: --width, else the terminal's (when writing to it), else 100. */
export function widthFor(o: OutputOptions): number {
  if (o.width) return o.width;
  const columns = !o.output && process.stdout.isTTY ? process.stdout.columns : undefined;
  return columns && columns > 0 ? columns : DEFAULT_WIDTH;
}

/**
 * Characters JSON.stringify leaves as they are that a terminal acts on or that reorder or hide the
 * text around them: DEL and the C1 controls (0x9b is a CSI), bidirectional embeddings, overrides,
 * isolates and marks, zero-width characters, line and paragraph separators, the BOM.
 */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/**
 * The Report as JSON, safe to print on a terminal: those characters (only ever inside strings) as
 * \u escapes, so the parsed values are exactly the Report's, server text included.
 */
export function jsonText(report: Report): string {
  return JSON.stringify(report, null, 2).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Text: the first screen, details and explanations on request. Markdown and HTML: everything (HTML
 * folds the details); their renderers load only when asked for, off the start-up path of text.
 */
export async function renderReport(report: Report, o: OutputOptions): Promise<string> {
  const verbose = o.verbose ?? false;
  const rows = o.by === 'host' ? { summaryBy: 'host' as const } : {};
  switch (formatOf(o)) {
    case 'json':
      return `${jsonText(report)}\n`;
    case 'md':
      return (await import('../render/markdown.js')).renderMarkdown(report, { verbose, explain: true, ...rows });
    case 'html':
      return (await import('../render/html.js')).renderHtml(report, { verbose, explain: true, ...rows });
    default:
      return renderText(report, { style: styleFor(o), verbose, brief: !(o.details || verbose), explain: o.explain ?? false, width: widthFor(o), ...rows });
  }
}

/** Writes to --output (a failure there is the user's: exit 2) or to standard output (see stdout.ts). */
export async function emit(text: string, o: OutputOptions): Promise<void> {
  if (o.output) {
    try {
      writeFileSync(o.output, text);
    } catch (err) {
      throw new UsageError(`cannot write ${o.output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { helpful: false });
    }
  } else await stdout().write(text);
}
