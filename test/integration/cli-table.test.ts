// The built CLI (bin/mxray.cjs → dist/; `npm test` builds first) as a Unix tool: the command table in
// --help, only the invoked command's modules run (seen through module-load hooks and the bundle's
// module trace, not a stopwatch), its compile cache (bin/mxray.cjs), exit
// codes for unknown commands, and standard output that fails (ENOSPC: one line, exit 4), closes
// early (EPIPE: quiet) or is read slowly (nothing cut).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import type { Report } from '../../src/core/schema.js';
import { listLabScenarios } from '../../src/demo/lab.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin/mxray.cjs');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NO_DEV_FULL = existsSync('/dev/full') ? false : 'this system has no /dev/full';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Files under the repository that Node loaded as ES modules (with `traceLoads`). */
  loaded: string[];
  /** Modules of the CLI bundle that ran (with `traceLoads`): "dist/cli/check.js", … */
  modules: string[];
  /** Packages required from node_modules (with `traceLoads`): "@sinclair/typebox", … */
  packages: string[];
}

interface RunOptions {
  /** A file descriptor for the child's standard output instead of a pipe. */
  stdoutFd?: number;
  /** Record the modules the run loads. */
  traceLoads?: boolean;
  /** Called once the child runs, to read its stdout in some particular way. */
  reader?: (child: ChildProcess) => void;
  /** More environment for the child. */
  env?: NodeJS.ProcessEnv;
}

let tmp: string;
let register: string;
let trace: string;

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
  // The bundle pushes each lazy module it runs onto this array (scripts/bundle.js); at exit, that list
  // and the packages required so far go to the log, one JSON line.
  trace = join(tmp, 'trace.cjs');
  writeFileSync(
    trace,
    `globalThis.__mxrayModuleTrace = [];
process.on('exit', () => {
  const packages = Object.keys(require.cache).flatMap((f) => {
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f);
    return m ? [m[1]] : [];
  });
  require('node:fs').appendFileSync(process.env.MXRAY_TEST_LOAD_LOG, JSON.stringify({ modules: globalThis.__mxrayModuleTrace, packages }) + '\\n');
});
`,
  );
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

let runs = 0;

function mxray(args: string[], opts: RunOptions = {}): Promise<Run> {
  const log = join(tmp, `loads-${++runs}.txt`);
  writeFileSync(log, '');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.traceLoads ? ['--import', register, '--require', trace] : []), BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', MXRAY_DEBUG: '', ...(opts.traceLoads ? { MXRAY_TEST_LOAD_LOG: log } : {}), ...opts.env },
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
      const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      const loaded = lines
        .filter((l) => l.startsWith('file:'))
        .map((u) => fileURLToPath(u))
        .filter((f) => f.startsWith(`${ROOT}/`))
        .map((f) => f.slice(ROOT.length + 1));
      const traced = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { modules: string[]; packages: string[] });
      const modules = traced.flatMap((t) => t.modules);
      const packages = [...new Set(traced.flatMap((t) => t.packages))];
      resolve({ code, stdout, stderr, loaded: [...new Set(loaded)], modules, packages });
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

/** The module of each command of the table, as the bundle's trace names it. */
const commandModule = (name: string): string => `dist/cli/${name}.js`;

describe('the command table, through the built CLI', () => {
  it('--version prints the version, without loading the CLI bundle or any command', async () => {
    const r = await mxray(['--version'], { traceLoads: true });
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(r.loaded.sort()).toEqual(['bin/mxray.cjs', 'dist/core/version.js']);
    expect(r.modules).toEqual([]);
    expect(r.packages).toEqual([]);
  });

  it('--help lists every command of the table with its description, running no command module', async () => {
    const r = await mxray(['--help'], { traceLoads: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const list = r.stdout.split('\nCommands:\n')[1] ?? '';
    expect([...list.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1])).toEqual([...COMMANDS.map((c) => c.name), 'help']);
    const flat = list.replace(/\s+/g, ' ');
    for (const c of COMMANDS) expect(flat).toContain(`${c.name} ${c.usage} ${c.description}`);
    for (const c of COMMANDS) expect(r.modules).not.toContain(commandModule(c.name));
    // Nothing but the table and commander (bundled): no renderer, no check, no package.
    // (esbuild names a bundled package's files by their path from where it ran: node_modules/… or ../…/node_modules/….)
    expect(r.modules.filter((m) => !/^dist\/(cli|core)\/|(^|\/)node_modules\/commander\//.test(m))).toEqual([]);
    expect(r.packages).toEqual([]);
  });

  for (const entry of COMMANDS) {
    it(`\`mxray ${entry.name} --help\` runs the ${entry.name} module and no other command's`, async () => {
      const r = await mxray([entry.name, '--help'], { traceLoads: true });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: mxray ${entry.name} ${entry.usage}\n`);
      for (const c of COMMANDS) expect(r.modules.includes(commandModule(c.name)), c.name).toBe(c.name === entry.name);
    });
  }

  it('the text, Markdown and HTML output never load TypeBox (only `mxray report` checks a schema)', async () => {
    for (const format of ['text', 'md', 'html']) {
      const r = await mxray(['demo', '--only', 'good', '--format', format], { traceLoads: true });
      expect(r.code, format).toBe(0);
      expect(r.modules, format).toContain('dist/cli/demo.js');
      expect(r.packages, format).not.toContain('@sinclair/typebox');
    }
    // The trace does see TypeBox where it is loaded.
    const report = await mxray(['report', '--help'], { traceLoads: true });
    expect(report.packages).toContain('@sinclair/typebox');
  });

  it('an unknown command: one line on stderr, exit 2, nothing run but the table', async () => {
    const r = await mxray(['no-such-command', 'x'], { traceLoads: true });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mxray: unknown command 'no-such-command'[^\n]*\n$/);
    for (const c of COMMANDS) expect(r.modules).not.toContain(commandModule(c.name));
    expect(r.packages).toEqual([]);
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

describe('the compile cache (bin/mxray.cjs)', () => {
  const cacheOf = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('compile-')) : []);
  // The cache is off under coverage (npm run coverage sets NODE_V8_COVERAGE for every child): on here.
  const cacheIn = (dir: string): NodeJS.ProcessEnv => ({ MXRAY_CACHE_DIR: dir, NODE_V8_COVERAGE: '' });
  const build = () => /^\/\/mxray-build ([0-9a-f]{64})\n/.exec(readFileSync(join(ROOT, 'dist/cli-bundle/main.cjs'), 'utf8'))?.[1] ?? 'none';

  it('the first run of a command writes its cache, named by build, Node and command; the next run uses it as it is', async () => {
    const dir = join(tmp, 'cache-first', 'mxray');
    // Other builds' caches: the newest 8 stay (two installs used in turn keep theirs), older ones go
    // when this build writes its own; files of other kinds stay.
    mkdirSync(dir, { recursive: true });
    const others = Array.from({ length: 10 }, (_, i) => `compile-${String(i).padStart(32, '0')}-${process.version}-${process.arch}-demo.bin`);
    others.forEach((name, i) => {
      writeFileSync(join(dir, name), 'another build');
      utimesSync(join(dir, name), 1_700_000_000 + i * 60, 1_700_000_000 + i * 60);
    });
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const first = await mxray(['demo', '--list'], { env: cacheIn(dir) });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const name = `compile-${build().slice(0, 32)}-${process.version}-${process.arch}-demo.bin`;
    // The two oldest of the ten went.
    expect(cacheOf(dir).sort()).toEqual([name, ...others.slice(2)].sort());
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    for (const o of others.slice(2)) rmSync(join(dir, o));
    const before = statSync(join(dir, name));
    expect(before.size).toBeGreaterThan(10_000);
    const second = await mxray(['demo', '--list'], { env: cacheIn(dir) });
    expect(second).toMatchObject({ code: 0, stderr: '', stdout: first.stdout });
    // Accepted, so not written again (a write renames a new file into place: another inode).
    expect(statSync(join(dir, name)).ino).toBe(before.ino);
    // Another command has its own.
    await mxray(['--help'], { env: cacheIn(dir) });
    expect(cacheOf(dir).sort()).toEqual([name, name.replace(/-demo\.bin$/, '-other.bin')].sort());
  });

  it('a cache V8 refuses (garbage) costs nothing but compiling: same output, and a good cache replaces it', async () => {
    const dir = join(tmp, 'cache-bad');
    const clean = await mxray(['demo', '--list'], { env: cacheIn(join(tmp, 'cache-bad-reference')) });
    const [name] = cacheOf(join(tmp, 'cache-bad-reference'));
    mkdirSync(dir, { recursive: true });
    const garbage = Buffer.alloc(4096, 0x5a);
    writeFileSync(join(dir, name!), garbage);
    const r = await mxray(['demo', '--list'], { env: cacheIn(dir) });
    expect(r).toMatchObject({ code: 0, stderr: '', stdout: clean.stdout });
    expect(readFileSync(join(dir, name!)).equals(garbage)).toBe(false);
    expect(statSync(join(dir, name!)).size).toBeGreaterThan(10_000);
  });

  it('MXRAY_COMPILE_CACHE=0 writes nothing; a cache directory that cannot be made changes nothing either', async () => {
    const off = join(tmp, 'cache-off');
    const r = await mxray(['demo', '--list'], { env: { ...cacheIn(off), MXRAY_COMPILE_CACHE: '0' } });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(off)).toBe(false);
    const covered = await mxray(['demo', '--list'], { env: { MXRAY_CACHE_DIR: off, NODE_V8_COVERAGE: join(tmp, 'coverage-raw') } });
    expect(covered).toMatchObject({ code: 0, stderr: '', stdout: r.stdout });
    expect(existsSync(off)).toBe(false);
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'not a directory');
    const blocked = await mxray(['demo', '--list'], { env: cacheIn(join(file, 'mxray')) });
    expect(blocked).toMatchObject({ code: 0, stderr: '', stdout: r.stdout });
  });
});
