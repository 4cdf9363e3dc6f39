// A PostgreSQL server of the test's own: Debian's binaries (/usr/lib/postgresql/<version>/bin),
// a fresh cluster in a temporary folder, listening on 127.0.0.1 only (and a Unix socket in that
// folder), trust authentication on loopback only (but for PASSWORD_ROLE, which needs its
// password), fsync off. PostgreSQL refuses to run as root: then the folder is given to the
// `postgres` user and the binaries run with its uid and gid (spawn's own setuid rather than
// `runuser`, so the pid we hold is the server's and stop() signals the server itself, not a
// wrapper that relays signals its own way).
//
// The cluster's default collation is ICU's en-US, not C, as on many real servers: the store must
// not depend on the database's locale for its order (its ordered columns say COLLATE "C").
//
// One cluster per test file (beforeAll), a database per test where isolation needs it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ROOT = '/usr/lib/postgresql';
/** How long the server may take to accept connections. */
const START_TIMEOUT_MS = 30_000;
/** How long a fast shutdown (SIGINT) may take before SIGKILL. */
const STOP_TIMEOUT_MS = 15_000;

/** The one role that must give a password (scram-sha-256 over TCP): a test creates it with one. */
export const PASSWORD_ROLE = 'mxray_password';

export interface PostgresServer {
  /** A database made for the caller (`mxray`), as postgres://postgres@127.0.0.1:<port>/mxray. */
  url: string;
  /** The server's port on 127.0.0.1. */
  port: number;
  /** Makes another empty database and gives its URL. */
  newDatabase(): Promise<string>;
  /** The superuser's URL for a database (`postgres` unless told): to plant tables, look inside. */
  adminUrl(database?: string): string;
  /** Stops the server (SIGINT: fast shutdown; waits for it to exit) and removes its folder. */
  stop(): Promise<void>;
}

/** The newest Debian PostgreSQL with initdb and postgres, or null. */
function binDir(): string | null {
  if (!existsSync(ROOT)) return null;
  const versions = readdirSync(ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(ROOT, v, 'bin', 'initdb')) && existsSync(join(ROOT, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(ROOT, versions[0] as string, 'bin') : null;
}

/** The uid and gid to run the server as: the `postgres` user when we are root, else ourselves (null). */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Why PostgreSQL cannot run here, or null when it can (for skipWithout). */
export function postgresMissing(): string | null {
  if (binDir() === null) return `no ${ROOT}/<version>/bin/initdb and postgres (Debian's postgresql package)`;
  if (process.getuid?.() === 0) {
    try {
      runAs();
    } catch {
      return 'running as root and there is no postgres user to run the server as';
    }
  }
  return null;
}

export function hasPostgres(): boolean {
  return postgresMissing() === null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(file: string, args: string[], options: { cwd: string; as: { uid: number; gid: number } | null }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(options.as ?? {}) });
    let output = '';
    const keep = (chunk: Buffer): void => {
      if (output.length < 65_536) output += chunk.toString('utf8');
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited ${code}: ${output.trim().split('\n').slice(-5).join(' | ')}`))));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts the server on `port`; resolves once it accepts connections, rejects when it exits first. */
async function startServer(bin: string, dir: string, data: string, port: number, as: { uid: number; gid: number } | null): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D', data,
      '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${dir}`,
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=100',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], ...(as ?? {}) },
  );
  let log = '';
  // Drained always: a full pipe would stop the server.
  child.stderr?.on('data', (chunk: Buffer) => {
    if (log.length < 65_536) log += chunk.toString('utf8');
  });
  let spawnError: Error | null = null;
  child.once('error', (err) => (spawnError = err));
  const deadline = performance.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited (${child.exitCode ?? child.signalCode}): ${log.trim().split('\n').slice(-3).join(' | ')}`);
    if (spawnError !== null) throw spawnError;
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return { child, log: () => log };
    } catch {
      await client.end().catch(() => undefined);
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      await exited(child);
      throw new Error(`postgres did not accept connections within ${START_TIMEOUT_MS / 1000} s: ${log.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await sleep(100);
  }
}

/** Runs one statement as the superuser on the `postgres` database. */
async function admin(port: number, statement: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Starts a PostgreSQL server of this test file's own (see the file's head) with a database `mxray`. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  if (bin === null) throw new Error(postgresMissing() ?? 'no PostgreSQL');
  const as = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'mxray-pg-'));
  let child: ChildProcess | null = null;
  // Should the test process end without stop(): no server left behind.
  const onExit = (): void => {
    child?.kill('SIGKILL');
  };
  try {
    if (as !== null) chownSync(dir, as.uid, as.gid);
    const data = join(dir, 'data');
    await run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8', '--locale-provider=icu', '--icu-locale=en-US'], { cwd: dir, as });
    // initdb's trust lines, loopback only — but PASSWORD_ROLE logs in with its password over TCP
    // (scram-sha-256), so a test can see a login fail. Written over initdb's file: its owner stays.
    writeFileSync(
      join(data, 'pg_hba.conf'),
      ['local all all trust', `host all ${PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256`, 'host all all 127.0.0.1/32 trust', 'host all all ::1/128 trust', ''].join('\n'),
    );
    let port = 0;
    // Another process may take the free port between our look and the server's bind: try again.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        child = (await startServer(bin, dir, data, port, as)).child;
        break;
      } catch (err) {
        if (attempt === 3 || !/could not (bind|create listen)/i.test((err as Error).message)) throw err;
      }
    }
    process.once('exit', onExit);
    await admin(port, 'create database mxray');
    const server = child;
    let databases = 0;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/mxray`,
      port,
      adminUrl: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
      async newDatabase() {
        const name = `test_${++databases}`;
        await admin(port, `create database ${name}`);
        return `postgres://postgres@127.0.0.1:${port}/${name}`;
      },
      async stop() {
        process.removeListener('exit', onExit);
        if (server.exitCode === null && server.signalCode === null) {
          server.kill('SIGINT');
          const timer = setTimeout(() => server.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await exited(server);
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    process.removeListener('exit', onExit);
    if (child !== null) {
      (child as ChildProcess).kill('SIGKILL');
      await exited(child);
    }
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
