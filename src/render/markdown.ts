// Document → Markdown (tickets, wikis, chat): everything the text report has, for CommonMark and
// GitHub Flavored Markdown. Text is escaped only where Markdown would read it as markup in that
// position, so it stays readable as plain text. Backtick pairs in catalogue strings become code
// spans built here (a fence longer than what they hold); every other backtick is escaped. Nothing
// a server sent can open HTML, a link or an image, or break a table row or a line.
import type { Report } from '../core/schema.js';
import type { Document, DocumentOptions, FindingView, Inline, Line } from './document.js';
import { plainParts } from './document.js';
import { neutralise } from '../core/transcript.js';
import { documentFor } from './index.js';

interface TextOptions {
  /** At the start of a block (a paragraph, a list item): leading markers (`#`, `-`, `+`, `1.`) are escaped too. */
  block?: boolean;
  /** In a table cell: `|` is escaped too. */
  cell?: boolean;
}

const ALNUM = /[A-Za-z0-9]/;
/** What follows `&` in an entity or character reference ("&lt;", "&#x202e;"), which Markdown decodes. */
const ENTITY = /^(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});/;

/**
 * Escapes text for Markdown, only where needed: `\`, backticks, `*`, `[`, `]`, `<`, `>`, `~`; `_`
 * unless inside a word (where it cannot emphasise); `&` when it starts an entity; `://`
 * and a leading `www.` (GFM's bare links); `|` in table cells; a leading block marker at a
 * block's start. Control and invisible characters are made visible first (a newline too).
 */
export function md(text: string, options: TextOptions = {}): string {
  const chars = [...neutralise(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t')];
  let out = '';
  chars.forEach((c, i) => {
    if ('\\`*[]<>~'.includes(c)) out += `\\${c}`;
    else if (c === '_') out += ALNUM.test(chars[i - 1] ?? '') && ALNUM.test(chars[i + 1] ?? '') ? '_' : '\\_';
    else if (c === '&') out += ENTITY.test(chars.slice(i + 1, i + 40).join('')) ? '\\&' : '&';
    else if (c === '|' && options.cell) out += '\\|';
    else out += c;
  });
  out = out.replace(/:\/\//g, ':\\/\\/').replace(/(^|[^A-Za-z0-9])(www)\./gi, '$1$2\\.');
  return options.block ? atBlockStart(out) : out;
}

/**
 * Escaped text that starts a block: leading spaces dropped (four would make code), and a marker
 * escaped only where it would start a heading, a list item or a thematic break ("#x", "-x" and
 * "1.5 s" stay as they are).
 */
function atBlockStart(escaped: string): string {
  return escaped
    .trimStart()
    .replace(/^(?=#{1,6}(\s|$)|[+-](\s|$)|-[\s-]*$)/, '\\')
    .replace(/^(\d{1,9})(?=[.)](\s|$))/, '$1\\');
}

/** A code span around any text: a fence longer than its own backticks, padded where it starts or ends with one. */
export function codeSpan(text: string): string {
  const content = neutralise(text).replace(/\n/g, '\\n');
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^`|`$|^ .* $/.test(content) ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}

/**
 * Catalogue text ("then run `postfix reload`"): each pair of backticks becomes a code span we
 * build; everything else, including an unpaired backtick, is escaped text.
 */
export function prose(text: string, options: TextOptions = {}): string {
  const pieces = neutralise(text).split('`');
  // An even count of pieces means an odd count of backticks: the last one has no partner.
  const unpaired = pieces.length % 2 === 0 ? pieces.length - 1 : -1;
  let out = '';
  pieces.forEach((piece, i) => {
    const first = i === 0 ? options : { ...options, block: false };
    if (i === unpaired) out += `\\\`${md(piece, { ...options, block: false })}`;
    else if (i % 2 === 0) out += md(piece, first);
    else out += piece ? codeSpan(piece) : '\\`\\`';
  });
  return out;
}

/** Heading text: a trailing `#` would be read as the heading's closing sequence. */
function heading(text: string): string {
  return text.replace(/#$/, '\\#');
}

/**
 * A line's parts: dimmed text (an extension's meaning, the resolver) in italics, bold as bold, the
 * markers inside the spaces around them; runs of spaces (a terminal's alignment) made one.
 */
function inline(parts: readonly Inline[]): string {
  const text = parts
    .map((p) => {
      if (typeof p === 'string') return md(p);
      const [, before, core, after] = /^( *)(.*?)( *)$/s.exec('dim' in p ? p.dim : p.bold)!;
      const mark = 'dim' in p ? '*' : '**';
      return core ? `${before}${mark}${md(core)}${mark}${after}` : `${before}${after}`;
    })
    .join('');
  return atBlockStart(text.replace(/ {2,}/g, ' ').trimEnd());
}

/**
 * Lines with a depth as a nested list (a jump of more than one level goes one level deeper). A
 * line whose text starts with spaces continues the one before it (a certificate's issuer, names,
 * thumbprints under its subject): one level deeper.
 */
function nestedList(lines: readonly Line[]): string[] {
  if (!lines.length) return [];
  const depthOf = (l: Line) => l.depth + (/^ /.test(plainParts(l.parts)) ? 1 : 0);
  const base = Math.min(...lines.map((l) => l.depth));
  const out: string[] = [];
  let level = -1;
  for (const l of lines) {
    level = Math.min(depthOf(l) - base, level + 1);
    out.push(`${'  '.repeat(level)}- ${inline(l.parts)}`);
  }
  return out;
}

function findingLines(f: FindingView): string[] {
  const out: string[] = [`### ${heading(`${md(f.label)}: ${prose(f.title)}`)}`, ''];
  if (f.hosts.length) out.push(`On ${f.hosts.map((h) => md(h)).join(', ')}`, '');
  out.push(prose(f.detail, { block: true }), '');
  if (f.perHost.length) out.push('- **Per host:**', ...f.perHost.map((h) => `  - ${md(h.host, { block: true })}: ${prose(h.detail)}`));
  if (f.senders) out.push(`- **Opportunistic senders:** ${prose(f.senders.opportunistic)}`, `- **Verifying / forced-TLS senders:** ${prose(f.senders.verifying)}`);
  out.push(`- **Who acts:** ${md(f.who)}`, `- **Fix:** ${prose(f.fix.summary)}`);
  for (const s of f.fix.steps) out.push(`  - ${prose(s, { block: true })}`);
  for (const m of f.fix.perMta) {
    const own = f.software !== null && m.mta === f.software;
    out.push(`  - **${md(m.mta)}:**${own ? ' (recognised on these hosts)' : ''}`, ...m.steps.map((s) => `    - ${prose(s, { block: true })}`));
  }
  if (f.refs.length) out.push(`- **Refs:** ${f.refs.map((r) => md(r)).join('; ')}`);
  out.push(`- **Id:** ${codeSpan(f.id)}`, '');
  return out;
}

/** A fenced code block around any text: a fence longer than any run of backticks in it. */
function fenced(text: string): string[] {
  const content = neutralise(text);
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, content, fence];
}

export function markdownOf(doc: Document): string {
  const out: string[] = [];
  out.push(`# ${heading(`${md(doc.title)}: ${md(doc.shortSubject)}`)}`, '');
  out.push(`**${md(doc.verdictWord ?? doc.verdict.toUpperCase())}** — ${md(doc.reason)}`, '');
  const when = doc.startedAt.replace('T', ' ').replace(/(:\d\d)?\.\d+Z$/, ' UTC');
  out.push(md([doc.verdictNote, doc.subject, when, `${(doc.durationMs / 1000).toFixed(2)} s`, ...doc.meta].join(' · '), { block: true }), '');
  for (const l of doc.context) out.push(inline(l.parts), '');
  if (doc.summary) {
    const row = (cells: string[]) => `| ${cells.map((c) => md(c, { cell: true })).join(' | ')} |`;
    out.push(row(doc.summary.header), `|${doc.summary.header.map(() => '---').join('|')}|`);
    for (const r of doc.summary.rows) out.push(row(r.map((c) => c.text)));
    out.push('');
  }
  const problems = doc.findings.filter((f) => f.severity !== 'ok' && f.severity !== 'info');
  const notes = doc.findings.filter((f) => f.severity === 'info');
  const good = doc.findings.filter((f) => f.severity === 'ok');
  if (problems.length) out.push('## Problems, worst first', '', ...problems.flatMap(findingLines));
  if (notes.length) out.push('## Notes', '', ...notes.flatMap(findingLines));
  if (good.length) out.push('## What is right', '', ...good.map((f) => `- ${prose(f.title, { block: true })} (${codeSpan(f.id)})`), '');
  if (doc.details) {
    out.push(`## ${heading(md(doc.details.heading))}`, '');
    for (const s of doc.details.sections) out.push(`### ${heading(md(s.heading))}`, '', ...nestedList(s.lines), '');
  }
  if (doc.transcript !== null) out.push('## Transcript', '', ...fenced(doc.transcript), '');
  return out.join('\n');
}

export function renderMarkdown(report: Report, options: DocumentOptions = {}): string {
  return markdownOf(documentFor(report, options));
}
