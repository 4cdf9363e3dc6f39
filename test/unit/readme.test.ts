// The README is part of the product: a newcomer's path (Quick start, Check your own domain,
// Prerequisites, How to read the report) that must stay true to the code, every `check` option,
// and links to the contributor material in docs/: the findings table made from the catalogue
// (docs/FINDINGS.md), the benchmark (docs/BENCHMARKS.md) and the rest.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/core/report.js';
import { SEVERITIES, VERDICTS } from '../../src/core/schema.js';
import { FINDINGS_TABLE_END, FINDINGS_TABLE_START, findingsTable, replaceFindingsTable, tableBetweenMarkers } from '../../src/kb/findings-table.js';
import { allEntries, type KbEntry } from '../../src/kb/index.js';
import { SUMMARY_HEADER } from '../../src/render/receiver.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const readme = read('README.md');
const findingsDoc = read('docs/FINDINGS.md');
const benchDoc = read('docs/BENCHMARKS.md');
// `check`'s own options, and the options every report command shares.
const checkSource = ['check.ts', 'options.ts'].map((f) => read(`src/cli/${f}`)).join('\n');

/** The `## ` sections of a markdown text, by heading (fenced code skipped when looking for headings). */
function sections(md: string): Map<string, string> {
  const out = new Map<string, string>();
  let heading: string | null = null;
  let body: string[] = [];
  let fenced = false;
  for (const line of md.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (!fenced && line.startsWith('## ')) {
      if (heading !== null) out.set(heading, body.join('\n'));
      heading = line.slice(3).trim();
      body = [];
    } else body.push(line);
  }
  if (heading !== null) out.set(heading, body.join('\n'));
  return out;
}

function section(md: string, heading: string): string {
  const text = sections(md).get(heading);
  expect(text, `a "## ${heading}" section`).toBeDefined();
  return text!;
}

/** Fenced code blocks, each with the `## ` section it is in. */
function codeBlocks(md: string): { section: string; code: string }[] {
  const out: { section: string; code: string }[] = [];
  for (const [heading, text] of sections(md)) {
    for (const m of text.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)) out.push({ section: heading, code: m[1]! });
  }
  return out;
}

/** A markdown table's rows whose first cell is `first` (backticks ignored), as their text. */
function rowsStartingWith(md: string, first: string): string[] {
  return md.split('\n').filter((l) => l.startsWith('|') && l.split('|')[1]!.trim().replace(/`/g, '') === first);
}

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

it('keeps the Quick start: exactly the two commands, and the scripts they name exist', () => {
  const quick = /## Quick start\s+```sh\n([\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n');
  expect(quick).toEqual(['npm install && npm run demo', 'npm test']);
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  // "installs, builds, and runs the receiver test against a built-in lab"; "runs the test suite".
  expect(scripts.demo).toMatch(/npm run build .*&& node bin\/mxray\.cjs demo$/);
  expect(scripts.test).toMatch(/npm run build .*&& vitest run$/);
});

it('lists every finding id of the catalogue in docs/FINDINGS.md', () => {
  for (const e of allEntries()) expect(findingsDoc, e.id).toContain(`\`${e.id}\``);
});

it('documents every option of `mxray check` in the README', () => {
  const options = [...checkSource.matchAll(/(?:\.option|new Option)\('(?:-\w, )?(--[a-z0-9-]+)/g)].map((m) => m[1]!);
  expect(options).toEqual(expect.arrayContaining(['--json', '--format', '--output', '--no-color', '--verbose', '--timeout', '--helo', '--ca-file']));
  for (const o of options) expect(readme, o).toContain(o);
});

describe('the README for newcomers', () => {
  const order = [...sections(readme).keys()];

  it('comes in the order a newcomer needs it, contributor material last, the Licence at the end', () => {
    const at = (h: string) => order.indexOf(h);
    const path = ['Quick start', 'Check your own domain', 'Prerequisites', 'How to read the report'];
    expect(order.slice(0, 4)).toEqual(path);
    const commands = order.filter((h) => /^`mxray (check|report|demo)`/.test(h));
    expect(commands.map((h) => h.split('`')[1])).toEqual(['mxray check', 'mxray report', 'mxray demo']);
    for (const c of commands) expect(at(c)).toBeGreaterThan(at('How to read the report'));
    expect(at('For contributors')).toBeGreaterThan(Math.max(...commands.map(at)));
    expect(order.at(-1)).toBe('Licence');
    // The contributor material lives in docs/, not here.
    for (const moved of ['Findings', 'How it is built', 'Tests', 'Benchmark', 'Interop: real mail servers and real peer tools']) expect(order).not.toContain(moved);
  });

  it('says how to run `mxray` from a clone: `npm link` once (and how to undo it), or node bin/mxray.cjs', () => {
    const own = section(readme, 'Check your own domain');
    expect(own).toMatch(/^npm link\b/m);
    expect(own).toContain('npm unlink -g mxray');
    expect(own).toMatch(/^node bin\/mxray\.cjs check example\.com$/m);
    expect(own).toMatch(/^mxray check example\.com$/m);
    // package.json's bin is what `npm link` puts on the PATH, and bin/mxray.cjs is what it runs.
    expect((JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin).toEqual({ mxray: 'bin/mxray.cjs' });
  });

  it('runs mxray the same way in every example: `mxray …`, never npx, node bin/… only where it is explained', () => {
    const blocks = codeBlocks(readme);
    expect(blocks.length).toBeGreaterThan(10);
    for (const { section: s, code } of blocks) {
      expect(code, `a code block in "${s}"`).not.toMatch(/\bnpx\s+mxray\b/);
      if (s !== 'Check your own domain') expect(code, `a code block in "${s}"`).not.toMatch(/bin\/mxray\.cjs/);
      // A prompt line runs mxray (or npm); the output under it is the program's.
      for (const line of code.split('\n').filter((l) => l.startsWith('$ '))) expect(line, `in "${s}"`).toMatch(/^\$ (mxray|npm) /);
    }
  });

  it('lists the prerequisites: the Node version of package.json, outbound port 25 and how a block shows', () => {
    const pre = section(readme, 'Prerequisites');
    const node = /^>=(\d+)$/.exec((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node)?.[1];
    expect(node).toBe('20');
    expect(pre).toContain(`Node.js ≥ ${node}`);
    expect(pre).toMatch(/outbound TCP port 25/i);
    const blocked = allEntries().find((e) => e.id === 'net.all-unreachable')!;
    expect(blocked.inconclusive && blocked.actor).toBe('us');
    expect(pre).toContain('`net.all-unreachable`');
    expect(pre).toMatch(/\*\*inconclusive\*\*, exit code \*\*3\*\*/);
    expect(exitCodeFor({ verdict: 'inconclusive', findings: [] })).toBe(3);
  });

  describe('"How to read the report"', () => {
    const how = () => section(readme, 'How to read the report');

    it('explains every column of the summary table', () => {
      expect(SUMMARY_HEADER.length).toBeGreaterThan(5);
      for (const column of SUMMARY_HEADER) expect(rowsStartingWith(how(), column), `the ${column} column`).toHaveLength(1);
      // And the example above it shows that very header.
      expect(how().replace(/ +/g, ' ')).toContain(SUMMARY_HEADER.join(' '));
    });

    it('explains every verdict and every severity', () => {
      for (const v of VERDICTS) expect(rowsStartingWith(how(), v), `the verdict ${v}`).toHaveLength(1);
      for (const s of SEVERITIES) expect(rowsStartingWith(how(), s.toUpperCase()), `the severity ${s}`).toHaveLength(1);
      for (const actor of ['us', 'them', 'either']) expect(how()).toContain(`\`${actor}\``);
    });

    it('gives exit codes 0 to 4, each verdict under the code it exits with', () => {
      for (const code of [0, 1, 2, 3, 4]) expect(rowsStartingWith(how(), String(code)), `exit code ${code}`).toHaveLength(1);
      for (const v of VERDICTS) {
        const code = exitCodeFor({ verdict: v, findings: [] });
        expect(rowsStartingWith(how(), String(code))[0], `verdict ${v} → exit ${code}`).toContain(`\`${v}\``);
      }
      expect(rowsStartingWith(how(), '2')[0]).toMatch(/usage/);
      const internal = { id: 'mxray.internal-error' } as Parameters<typeof exitCodeFor>[0]['findings'][number];
      expect(exitCodeFor({ verdict: 'pass', findings: [internal] })).toBe(4);
      expect(rowsStartingWith(how(), '4')[0]).toMatch(/internal error.*`mxray\.internal-error`.*output could not be written/);
      // `mxray check --help` says the same.
      expect(read('src/cli/check.ts')).toMatch(/Exit codes:\n {2}0 [\s\S]* {2}4 {2}internal error/);
    });

    it('names the flags that show more', () => {
      for (const flag of ['--details', '--explain', '--verbose', '--width', '--format md', '--format html', '--json']) expect(how(), flag).toContain(flag);
    });
  });

  it('links only to files and anchors that exist (the screenshot is made separately)', () => {
    const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    for (const doc of docs) {
      const text = read(doc);
      for (const m of text.matchAll(/(!?)\[[^\]]*\]\(([^)\s]+)\)/g)) {
        const [, image, href] = m as unknown as [string, string, string];
        if (/^[a-z]+:/.test(href) || image) continue;
        const [path, anchor] = href.split('#') as [string, string | undefined];
        const target = path ? join(dirname(join(root, doc)), path) : join(root, doc);
        expect(existsSync(target), `${doc} → ${href}`).toBe(true);
        if (anchor) {
          const headings = [...readFileSync(target, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((h) => slug(h[1]!));
          expect(headings, `${doc} → ${href}`).toContain(anchor);
        }
      }
    }
  });

  it('links the contributor material in docs/', () => {
    const contrib = section(readme, 'For contributors');
    for (const doc of ['ARCHITECTURE', 'TESTING', 'INTEROP', 'BENCHMARKS', 'FINDINGS', 'REPORT']) expect(contrib).toContain(`(docs/${doc}.md)`);
    // The finding families, one per id prefix of the catalogue.
    const prefixes = new Set(allEntries().map((e) => e.id.split('.')[0]!));
    for (const p of prefixes) expect(contrib, p).toContain(`\`${p}.*\``);
    expect(readme).toContain('![The HTML report in a browser](docs/report-html.png)');
  });
});

describe('the benchmark (docs/BENCHMARKS.md)', () => {
  const output = /```\n\$ npm run bench\n([\s\S]*?)```/.exec(benchDoc)?.[1] ?? '';
  const row = (name: string) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+([\\d.]+) ms\\s+([\\d.]+) ms\\s+([\\d.]+)×`, 'm').exec(output);

  it('keeps the real run: every row, and the targets met as the targets say', () => {
    for (const name of ['node -e 0', 'mxray --version', 'mxray check (full: 3 connections)', 'mxray check --quick (1 connection)']) expect(row(name), name).not.toBeNull();
    const check = Number(row('mxray check (full: 3 connections)')![3]);
    const version = Number(row('mxray --version')![3]);
    expect(output).toContain(`target mxray check     ≤ 2.3× node -e 0: ${check.toFixed(2)}× ${check <= 2.3 ? 'MET' : 'MISSED'}`);
    expect(output).toContain(`target mxray --version ≤ 1.2× node -e 0: ${version.toFixed(2)}× ${version <= 1.2 ? 'MET' : 'MISSED'}`);
  });

  it('is quoted in the README by its headline figures, as measured', () => {
    const [, median, , ratio] = row('mxray check (full: 3 connections)')!;
    const headline = /Headline: `mxray check` takes ([\d.]+) ms\s+as a whole process on loopback, ([\d.]+)× Node's own start-up \(`node -e 0`; target ≤ ([\d.]+)×\)/.exec(readme);
    expect(headline, 'the headline line of the README').not.toBeNull();
    expect(headline!.slice(1)).toEqual([median, ratio, '2.3']);
  });
});

describe('the findings table of docs/FINDINGS.md (generated by scripts/findings-table.js)', () => {
  const table = findingsTable(allEntries());

  it('is exactly the table made from the catalogue, one row per id in catalogue order', () => {
    expect(tableBetweenMarkers(findingsDoc)).toBe(table);
    // Writing the table again changes nothing, blank lines and markers included.
    expect(replaceFindingsTable(findingsDoc, table)).toBe(findingsDoc);
    const ids = [...(tableBetweenMarkers(findingsDoc) ?? '').matchAll(/^\| `([a-z0-9.-]+)` \|/gm)].map((m) => m[1]);
    expect(ids).toEqual(allEntries().map((e) => e.id));
    // The README holds no copy of it.
    expect(readme).not.toContain(FINDINGS_TABLE_START);
  });

  it('shows severity, who acts and the title, with the host as "…" and pipes escaped', () => {
    const entry = { ...allEntries()[0], id: 'x.test', severity: 'warning', actor: 'us', title: '{host} said {reply} | twice' } as KbEntry;
    expect(findingsTable([entry]).split('\n')).toEqual(['| id | severity | who acts | title |', '|---|---|---|---|', '| `x.test` | warning | us | … said {reply} \\| twice |', '']);
  });

  it('replaces only what is between the markers, and needs both', () => {
    const doc = `intro\n\n${FINDINGS_TABLE_START}\nold\n${FINDINGS_TABLE_END}\n\nafter\n`;
    expect(replaceFindingsTable(doc, '| t |\n')).toBe(`intro\n\n${FINDINGS_TABLE_START}\n\n| t |\n\n${FINDINGS_TABLE_END}\n\nafter\n`);
    expect(replaceFindingsTable('no markers', '| t |\n')).toBeNull();
    expect(replaceFindingsTable(`${FINDINGS_TABLE_END} ${FINDINGS_TABLE_START}`, '| t |\n')).toBeNull();
    expect(tableBetweenMarkers('no markers')).toBeNull();
  });

  it('the script (on the build) passes --check on docs/FINDINGS.md, fails it on a stale copy and rewrites that copy', () => {
    const node = (...args: string[]) => execFileSync(process.execPath, ['scripts/findings-table.js', ...args], { stdio: 'pipe', cwd: root });
    expect(() => node('--check')).not.toThrow();
    const dir = mkdtempSync(join(tmpdir(), 'mxray-findings-'));
    try {
      const copy = join(dir, 'FINDINGS.md');
      writeFileSync(copy, findingsDoc.replace(/^\| `cert\.ok` .*\n/m, ''));
      expect(() => node('--check', '--file', copy)).toThrow(expect.objectContaining({ status: 1 }));
      // --readme is the old name of --file.
      expect(() => node('--check', '--readme', copy)).toThrow(expect.objectContaining({ status: 1 }));
      node('--file', copy);
      expect(readFileSync(copy, 'utf8')).toBe(findingsDoc);
      writeFileSync(copy, 'no markers\n');
      expect(() => node('--check', '--file', copy)).toThrow(expect.objectContaining({ status: 2 }));
      expect(() => node('--check', '--file')).toThrow(expect.objectContaining({ status: 2 }));
      // The README has no table any more: pointing the script at it is an error, not a silent pass.
      expect(() => node('--check', '--file', join(root, 'README.md'))).toThrow(expect.objectContaining({ status: 2 }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
