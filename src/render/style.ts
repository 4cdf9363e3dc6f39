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

/** A plain table: header row, rows; columns sized to content, capped so it stays readable. */
export function table(header: string[], rows: string[][], style: Style, maxCol = 48): string {
  const cut = (s: string) => (width(s) > maxCol ? `${[...s].slice(0, maxCol - 1).join('')}…` : s);
  const cells = rows.map((r) => r.map(cut));
  const widths = header.map((h, i) => Math.max(width(h), ...cells.map((r) => width(r[i] ?? ''))));
  const line = (r: string[]) => r.map((c, i) => pad(c, widths[i]!)).join('  ').trimEnd();
  return [style.bold(line(header)), ...cells.map(line)].join('\n');
}
