// The built CLI (bin/mxray.js → dist/; `npm test` builds first) as a Unix tool: the command table in
// --help, only the invoked command loaded (seen through a module-load hook, not a stopwatch), exit
// codes for unknown commands, and standard output that fails (ENOSPC: one line, exit 4), closes
// early (EPIPE: quiet) or is read slowly (nothing cut).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import type { Report } from '../../src/core/schema.js';
import { listLabScenarios } from '../../src/demo/lab.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin/mxray.js');
const BUNDLE = join(ROOT, 'dist/cli-bundle');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NO_DEV_FULL = existsSync('/dev/full') ? false : 'this system has no /dev/full';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Files under the repository that Node loaded as ES modules (with `traceLoads`). */
  loaded: string[];
}

interface RunOptions {
  /** A file descriptor for the child's standard output instead of a pipe. */
  stdoutFd?: number;
  /** Record the modules the run loads. */
  traceLoads?: boolean;
  /** Called once the child runs, to read its stdout in some particular way. */
  reader?: (child: ChildProcess) => void;
}

let tmp: string;
let register: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mxray-cli-table-'));
  // A module-load hook that appends every file: URL Node loads to the file named in the environment.
  writeFileSync(
    join(tmp, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && process.env.MXRAY_TEST_LOAD_LOG) appendFileSync(process.env.MXRAY_TEST_LOAD_LOG, url + '\\n');
  return nextLoad(url, context);
}
`,
  );
  register = join(tmp, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

let runs = 0;

function mxray(args: string[], opts: RunOptions = {}): Promise<Run> {
  const log = join(tmp, `loads-${++runs}.txt`);
  writeFileSync(log, '');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.traceLoads ? ['--import', register] : []), BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', MXRAY_DEBUG: '', ...(opts.traceLoads ? { MXRAY_TEST_LOAD_LOG: log } : {}) },
      stdio: ['ignore', opts.stdoutFd ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    opts.reader?.(child);
    // A hang is a failure, not a measure.
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const loaded = readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((u) => fileURLToPath(u))
        .filter((f) => f.startsWith(`${ROOT}/`))
        .map((f) => f.slice(ROOT.length + 1));
      resolve({ code, stdout, stderr, loaded: [...new Set(loaded)] });
    });
  });
}

/** Runs with standard output on /dev/full: every write fails with ENOSPC. */
async function toDevFull(args: string[]): Promise<Run> {
  const fd = openSync('/dev/full', 'w');
  try {
    return await mxray(args, { stdoutFd: fd });
  } finally {
    closeSync(fd);
  }
}

/** The chunk scripts/bundle.js made for each command of the table (esbuild names it after the file). */
function commandChunks(): Map<string, string> {
  const files = readdirSync(BUNDLE);
  return new Map(
    COMMANDS.map((c) => {
      const chunks = files.filter((f) => new RegExp(`^${c.name}-[A-Z0-9]+\\.js$`).test(f));
      expect(chunks, `one chunk for ${c.name} in dist/cli-bundle (run npm run build)`).toHaveLength(1);
      return [c.name, `dist/cli-bundle/${chunks[0]!}`];
    }),
  );
}

/** main.js and every chunk it imports statically, transitively: what loading main.js must cost. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(join(ROOT, file), 'utf8');
  for (const m of text.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) staticClosure(`dist/cli-bundle/${m[1]!}`, seen);
  return seen;
}

const bundleFiles = (r: Run) => r.loaded.filter((f) => f.startsWith('dist/cli-bundle/'));

describe('the command table, through the built CLI', () => {
  it('--version prints the version, without loading the CLI bundle or any command', async () => {
    const r = await mxray(['--version'], { traceLoads: true });
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(r.loaded.sort()).toEqual(['bin/mxray.js', 'dist/core/version.js']);
  });

  it('--help lists every command of the table with its description, loading no command module', async () => {
    const chunks = commandChunks();
    const r = await mxray(['--help'], { traceLoads: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const list = r.stdout.split('\nCommands:\n')[1] ?? '';
    expect([...list.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1])).toEqual([...COMMANDS.map((c) => c.name), 'help']);
    const flat = list.replace(/\s+/g, ' ');
    for (const c of COMMANDS) expect(flat).toContain(`${c.name} ${c.usage} ${c.description}`);
    expect(bundleFiles(r).sort()).toEqual([...staticClosure('dist/cli-bundle/main.js')].sort());
    for (const chunk of chunks.values()) expect(r.loaded).not.toContain(chunk);
  });

  for (const entry of COMMANDS) {
    it(`\`mxray ${entry.name} --help\` loads the ${entry.name} chunk and no other command's`, async () => {
      const chunks = commandChunks();
      const r = await mxray([entry.name, '--help'], { traceLoads: true });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: mxray ${entry.name} ${entry.usage}\n`);
      for (const [name, chunk] of chunks) expect(r.loaded.includes(chunk), chunk).toBe(name === entry.name);
    });
  }

  it('the text path and the Markdown and HTML renderers never load TypeBox (only `mxray report` checks a schema)', () => {
    const files = readdirSync(BUNDLE);
    const entries = ['main.js', ...files.filter((f) => /^(check|demo|html|markdown)-[A-Z0-9]+\.js$/.test(f))];
    expect(entries.filter((f) => /^(html|markdown)-/.test(f))).toHaveLength(2);
    for (const entry of entries) {
      for (const file of staticClosure(`dist/cli-bundle/${entry}`)) {
        expect(readFileSync(join(ROOT, file), 'utf8'), `${entry} → ${file}`).not.toMatch(/from "@sinclair\/typebox/);
      }
    }
  });

  it('an unknown command: one line on stderr, exit 2, nothing loaded but the table', async () => {
    const chunks = commandChunks();
    const r = await mxray(['no-such-command', 'x'], { traceLoads: true });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mxray: unknown command 'no-such-command'[^\n]*\n$/);
    for (const chunk of chunks.values()) expect(r.loaded).not.toContain(chunk);
  });

  it('--output to a path that cannot be written stays a usage error: exit 2, one line', async () => {
    const r = await mxray(['demo', '--list', '--output', join(tmp, 'no-such-dir', 'out.txt')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mxray: cannot write \S+out\.txt: ENOENT\n$/);
  });
});

describe('standard output that fails, closes early or is read slowly', () => {
  for (const args of [['--version'], ['--help'], ['check', '--help'], ['demo', '--list'], ['demo', '--json', '--only', 'good']]) {
    it.skipIf(NO_DEV_FULL)(`\`mxray ${args.join(' ')} > /dev/full\`: exactly one line on stderr, exit 4, no stack trace`, async () => {
      const r = await toDevFull(args);
      expect(r.stderr).toBe('mxray: cannot write output: ENOSPC\n');
      expect(r.code).toBe(4);
    });
  }

  // ~800 kB of JSON: far more than a pipe holds (64 KiB on Linux), so the writer is still writing when
  // the reader goes or dawdles.
  let full: Run;
  it('a slow reader gets all of a large output: the process waits for stdout to drain', async () => {
    full = await mxray(['demo', '--json'], {
      reader: (child) => {
        child.stdout!.pause();
        setTimeout(() => child.stdout!.resume(), 500);
      },
    });
    expect(full.stderr).toBe('');
    expect(full.code).toBe(0);
    expect(full.stdout.length).toBeGreaterThan(4 * 64 * 1024);
    const parsed = JSON.parse(full.stdout) as { scenarios: { name: string; report: Report }[] };
    expect(parsed.scenarios.map((s) => s.name).sort()).toEqual(listLabScenarios().map((s) => s.name).sort());
  });

  it('a reader that closes early (`| head -c 10`): no message, no stack trace, the normal exit code', async () => {
    let got = '';
    const r = await mxray(['demo', '--json'], {
      reader: (child) => {
        child.stdout!.once('data', (d: Buffer) => {
          got = d.toString('utf8').slice(0, 10);
          child.stdout!.destroy();
        });
      },
    });
    expect(got).toBe('{\n  "scena');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
