// Terminal styling, decided by the caller (colour only on a terminal, never with NO_COLOR).
import type { Severity, Verdict } from '../core/schema.js';
import { escapeText } from '../core/transcript.js';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  severity(sev: Severity, s: string): string;
  verdict(v: Verdict, s: string): string;
}

const code = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const red = code(31, 39);
const yellow = code(33, 39);
const green = code(32, 39);
const cyan = code(36, 39);
const magenta = code(35, 39);

export const plainStyle: Style = {
  bold: (s) => s,
  dim: (s) => s,
  severity: (_sev, s) => s,
  verdict: (_v, s) => s,
};

export const colorStyle: Style = {
  bold: code(1, 22),
  dim: code(2, 22),
  severity: (sev, s) =>
    sev === 'critical' ? code(1, 22)(magenta(s)) : sev === 'error' ? red(s) : sev === 'warning' ? yellow(s) : sev === 'ok' ? green(s) : cyan(s),
  verdict: (v, s) => (v === 'fail' ? red(s) : v === 'warn' ? yellow(s) : v === 'pass' ? green(s) : cyan(s)),
};

/** Text from a server, made safe for a terminal (no escape sequences get through). */
export function safe(text: string | null | undefined, max = 300): string {
  return text == null ? '' : escapeText(text, max);
}

/** Visible width, ignoring our own colour codes. */
export function width(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

export function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - width(s)));
}

/** Cuts plain text to `n` visible characters, marking the cut with an ellipsis. */
export function clip(s: string, n: number): string {
  const chars = [...s];
  return chars.length > n ? `${chars.slice(0, Math.max(0, n - 1)).join('')}…` : s;
}

/**
 * A plain table: header row, rows; columns sized to content. When it is wider than `maxWidth`,
 * the widest columns give way first (their cells clipped with an ellipsis), never below the header's
 * width or 6 characters; with `wrapLast`, the last column takes the room left and wraps instead.
 * Cells are plain text; `paint` styles a cell's text after it is fitted.
 */
export function table(
  header: string[],
  rows: string[][],
  style: Style,
  maxWidth = 100,
  paint: (row: number, col: number, text: string) => string = (_r, _c, t) => t,
  wrapLast = false,
): string {
  const gap = 2;
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const floor = header.map((h) => Math.max(width(h), 6));
  const last = widths.length - 1;
  if (wrapLast) {
    // The last column gets what the others leave, at least 20 columns.
    const others = widths.slice(0, last).reduce((a, b) => a + b, 0) + gap * last;
    widths[last] = Math.min(widths[last]!, Math.max(20, maxWidth - others));
    floor[last] = widths[last]!;
  }
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  while (total() > maxWidth) {
    // Shrink the widest column that can still give way.
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > floor[i]! && (widest < 0 || w > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest]!--;
  }
  const lines: string[] = [style.bold(header.map((h, i) => pad(clip(h, widths[i]!), widths[i]!)).join(' '.repeat(gap)).trimEnd())];
  rows.forEach((r, row) => {
    const tail = wrapLast ? wrap(r[last] ?? '', widths[last]!, 0, 0) : [clip(r[last] ?? '', widths[last]!)];
    const cells = r.map((c, i) => (i === last ? tail[0]! : clip(c, widths[i]!)));
    lines.push(cells.map((c, i) => paint(row, i, c) + (i === last ? '' : ' '.repeat(Math.max(0, widths[i]! - width(c))))).join(' '.repeat(gap)).trimEnd());
    const start = widths.slice(0, last).reduce((a, b) => a + b, 0) + gap * last;
    for (const more of tail.slice(1)) lines.push(`${' '.repeat(start)}${more}`);
  });
  return lines.join('\n');
}

/**
 * Wraps plain text to `maxWidth` columns: the first line after `first` (already printed, of its own
 * width), the following ones indented by `indent` spaces. Words longer than a line are broken.
 */
export function wrap(text: string, maxWidth: number, indent: number, firstWidth = indent): string[] {
  // Fits as it is: kept as it is (runs of spaces that align columns included).
  if (width(text) <= Math.max(10, maxWidth - firstWidth)) return [text];
  const lines: string[] = [];
  // Leading spaces are layout (a numbered list's continuation): kept on the first line.
  const lead = /^ */.exec(text)![0];
  text = text.slice(lead.length);
  let current = lead;
  let room = Math.max(10, maxWidth - firstWidth);
  const push = () => {
    lines.push(current);
    current = '';
    room = Math.max(10, maxWidth - indent);
  };
  for (const word of text.split(/ +/)) {
    let w = word;
    while ([...w].length > room) {
      // A word longer than a whole line: break it, after what already stands on the line.
      if (current) push();
      const chars = [...w];
      current = chars.slice(0, room).join('');
      w = chars.slice(room).join('');
      push();
    }
    if (!w) continue;
    if (!current || current === lead) current += w;
    else if (width(current) + 1 + width(w) <= room) current += ` ${w}`;
    else {
      push();
      current = w;
    }
  }
  if (current || lines.length === 0) lines.push(current);
  return lines.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l));
}

/** A count with thousands separators: 12,345. */
export const num = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
