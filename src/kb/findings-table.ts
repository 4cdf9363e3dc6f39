// The findings table of docs/FINDINGS.md, made from the catalogue: one row per finding id, in
// catalogue order. scripts/findings-table.js writes it into docs/FINDINGS.md between the markers
// below (after a build); test/unit/readme.test.ts fails when that table is not exactly this one.
import type { KbEntry } from './types.js';

export const FINDINGS_TABLE_START = '<!-- findings:start -->';
export const FINDINGS_TABLE_END = '<!-- findings:end -->';

/** Text for one table cell: the host placeholder reads "…", and a pipe cannot end the cell. */
function cell(text: string): string {
  return text.replaceAll('{host}', '…').replace(/\r?\n/g, ' ').replaceAll('|', '\\|');
}

/** The markdown table (header and one row per entry), each line ending in a newline. */
export function findingsTable(entries: readonly KbEntry[]): string {
  const rows = entries.map((e) => `| \`${e.id}\` | ${e.severity} | ${e.actor} | ${cell(e.title)} |`);
  return ['| id | severity | who acts | title |', '|---|---|---|---|', ...rows].map((line) => `${line}\n`).join('');
}

/** The table between the markers, as the document holds it (blank lines keep it one markdown table), or null when a marker is missing. */
export function tableBetweenMarkers(markdown: string): string | null {
  const start = markdown.indexOf(FINDINGS_TABLE_START);
  const end = markdown.indexOf(FINDINGS_TABLE_END, start);
  if (start < 0 || end < 0) return null;
  return markdown.slice(start + FINDINGS_TABLE_START.length, end).replace(/^\n+/, '').replace(/\n+$/, '\n');
}

/** The markdown with the text between the markers replaced by `table`; null when a marker is missing. */
export function replaceFindingsTable(markdown: string, table: string): string | null {
  const start = markdown.indexOf(FINDINGS_TABLE_START);
  const end = markdown.indexOf(FINDINGS_TABLE_END, start);
  if (start < 0 || end < 0) return null;
  return `${markdown.slice(0, start)}${FINDINGS_TABLE_START}\n\n${table}\n${markdown.slice(end)}`;
}
