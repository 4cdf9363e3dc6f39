// `mxray sender-test serve|new|show` as a user runs them (the built bin/mxray.cjs): `serve` as a
// background child on loopback ports the OS chose, stopped by its pid; `new` and `show` against its
// API; swaks or a raw client as the sender. Exit codes, one-line errors, `--json` against the
// schema, `--watch`, and the durability promise: a result acknowledged with 250 survives kill -9.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSavedReport } from '../../src/core/saved-report.js';
import { createRootCa } from '../../src/demo/test-pki.js';
import { BIN, runMxray } from '../helpers/cli.js';
import { SmtpLineClient } from '../helpers/smtp-line-client.js';
import { maskedAddress } from '../../src/jobs/sender/passcode.js';

const HOST = 'sendertest.mxray.test';
const CLIENT = 'client.sender.test';

let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mxray-sender-cli-'));
  const ca = await createRootCa('sender cli test root', Date.now());
  const cert = await ca.issue({ commonName: HOST });
  writeFileSync(file('cert.pem'), cert.certPem);
  writeFileSync(file('key.pem'), cert.keyPem);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Serving {
  child: ChildProcess;
  smtpPort: number;
  api: string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await gone;
    }
  }
});

/** Starts `serve` on OS-chosen ports with the test certificate; resolves once it printed its listeners. */
function serve(store: string, extra: string[] = []): Promise<Serving> {
  const child = spawn(process.execPath, [BIN, 'sender-test', 'serve', '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--hostname', HOST, '--cert', file('cert.pem'), '--key', file('key.pem'), '--store', store, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const smtp = /^ {2}SMTP {2}127\.0\.0\.1:(\d+) {2}opportunistic$/m.exec(out);
      const api = /^ {2}API {3}(http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/sender-tests$/m.exec(out);
      if (smtp?.[1] && api?.[1] && /^Create a test: /m.test(out)) resolve({ child, smtpPort: Number(smtp[1]), api: api[1], exited });
    });
    void exited.then((code) => reject(new Error(`serve exited (${String(code)}) before it was ready: ${out}${err}`)));
  });
}

function swaks(port: number, to: string): Promise<number> {
  return new Promise((resolve) => {
    execFile('swaks', ['--server', `127.0.0.1:${port}`, '--to', to, '--from', `sender@${CLIENT}`, '--ehlo', CLIENT, '-tls', '--timeout', '20'], { timeout: 30_000 }, (err) => {
      resolve(err ? (typeof err.code === 'number' ? err.code : 99) : 0);
    });
  });
}

/** `new --json` against the server: the passcode and address. */
async function newTest(s: Serving): Promise<{ passcode: string; address: string }> {
  const made = await runMxray(['sender-test', 'new', '--server', s.api, '--json']);
  expect(made.code, made.stderr).toBe(0);
  return JSON.parse(made.stdout) as { passcode: string; address: string };
}

/** The lines of a one-line error (stderr split, the final newline dropped). */
const lines = (text: string) => text.replace(/\n$/, '').split('\n');

describe('mxray sender-test', () => {
  it('serve, new, a mail, show: the address printed, the text report, exit 0 for a clean sender', async () => {
    const s = await serve(file('flow.db'));
    const made = await runMxray(['sender-test', 'new', '--server', s.api]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toBe('');
    const address = /^ {4}(test-([a-z2-7]{20})@sendertest\.mxray\.test)$/m.exec(made.stdout);
    expect(address, made.stdout).not.toBeNull();
    const [, to = '', passcode = ''] = address ?? [];
    expect(made.stdout).toContain(`send to test@${HOST} with ${passcode} in the Subject`);
    expect(made.stdout).toContain(`    mxray sender-test show ${passcode} --watch --server ${s.api}`);
    expect(await swaks(s.smtpPort, to)).toBe(0);
    const shown = await runMxray(['sender-test', 'show', passcode, '--server', s.api]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^mxray sender test — 127\.0\.0\.1 \(/);
    expect(shown.stdout).toMatch(/^PASS/m);
    // The address as the user may paste it works as well.
    const pasted = await runMxray(['sender-test', 'show', to.toUpperCase(), '--server', s.api, '--json']);
    expect(pasted.code, pasted.stderr).toBe(0);
    const report = parseSavedReport(pasted.stdout, 'show --json');
    expect(report.kind).toBe('sender');
    if (report.kind !== 'sender') return;
    expect(report.body.test.address).toBe(maskedAddress(passcode, HOST));
    expect(report.body.session.tls).toMatchObject({ attempted: true, established: true });
    expect(report.body.session.greeting).toEqual({ command: 'EHLO', name: CLIENT });
  });

  it('show before any mail: exit 3 with one line on stderr; --watch started before the mail returns with it', async () => {
    const s = await serve(file('watch.db'));
    const test = await newTest(s);
    const early = await runMxray(['sender-test', 'show', test.passcode, '--server', s.api]);
    expect(early.code).toBe(3);
    expect(early.stdout).toBe('');
    expect(lines(early.stderr)).toEqual([expect.stringMatching(new RegExp(`^mxray: no mail for ${test.address} yet \\(expires \\S+\\); --watch waits for it$`))]);
    const watching = runMxray(['sender-test', 'show', test.passcode, '--server', s.api, '--watch', '--wait-seconds', '50', '--json']);
    // Give the watcher a moment to be in its long-poll (not asserted: it must return either way).
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await swaks(s.smtpPort, test.address)).toBe(0);
    const watched = await watching;
    expect(watched.code, watched.stderr).toBe(0);
    const report = parseSavedReport(watched.stdout, 'show --watch --json');
    expect(report.kind === 'sender' ? report.body.test.address : null).toBe(maskedAddress(test.passcode, HOST));
  });

  it('usage errors are exit 2 with one line: not a passcode, no server, an unknown passcode', async () => {
    const s = await serve(file('usage.db'));
    const nonsense = await runMxray(['sender-test', 'show', 'nonsense', '--server', s.api]);
    expect(nonsense.code).toBe(2);
    expect(lines(nonsense.stderr)).toHaveLength(1);
    expect(nonsense.stderr).toMatch(/nonsense is not a passcode/);
    const unknown = await runMxray(['sender-test', 'show', 'aaaaaaaaaaaaaaaaaaaa', '--server', s.api]);
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stderr)).toEqual([expect.stringMatching(/no sender test with passcode aaaaaaaaaaaaaaaaaaaa/)]);
    const nobody = await runMxray(['sender-test', 'new', '--server', 'http://127.0.0.1:1']);
    expect(nobody.code).toBe(2);
    // Port 1 is one fetch refuses to use at all ("bad port"): the cause is named only as TypeError.
    expect(lines(nobody.stderr)).toEqual([expect.stringMatching(/^mxray: cannot reach the sender-test server at http:\/\/127\.0\.0\.1:1 \(\w+\): start it with mxray sender-test serve, or give --server$/)]);
    expect(nobody.stdout).toBe('');
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await runMxray(['sender-test', 'show', 'aaaaaaaaaaaaaaaaaaaa', '--server', `http://127.0.0.1:${port}`]);
    expect(refused.code).toBe(2);
    expect(lines(refused.stderr)).toEqual([`mxray: cannot reach the sender-test server at http://127.0.0.1:${port} (ECONNREFUSED): start it with mxray sender-test serve, or give --server`]);
  });

  it('serve on a port in use: exit 2 with one line; a bad --hostname: exit 2', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      const busy = await runMxray(['sender-test', 'serve', '--listen', `127.0.0.1:${port}`, '--http', '127.0.0.1:0', '--hostname', HOST, '--cert', file('cert.pem'), '--key', file('key.pem'), '--store', file('busy.db')]);
      expect(busy.code).toBe(2);
      expect(lines(busy.stderr)).toEqual([`mxray: cannot listen for SMTP on 127.0.0.1:${port}: the address is in use (another mail server or sender-test server?)`]);
      const apiBusy = await runMxray(['sender-test', 'serve', '--listen', '127.0.0.1:0', '--http', `127.0.0.1:${port}`, '--hostname', HOST, '--cert', file('cert.pem'), '--key', file('key.pem'), '--store', file('busy.db')]);
      expect(apiBusy.code).toBe(2);
      expect(lines(apiBusy.stderr)).toEqual([`mxray: cannot listen for API on 127.0.0.1:${port}: the address is in use (another mail server or sender-test server?)`]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    const bad = await runMxray(['sender-test', 'serve', '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--hostname', 'bad name', '--store', file('bad.db')]);
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)).toHaveLength(1);
    expect(bad.stderr).toMatch(/--hostname bad name is not a host name/);
  });

  it('SIGTERM while a session with a passcode is open: the result is there after a restart', async () => {
    const store = file('sigterm.db');
    const first = await serve(store);
    const test = await newTest(first);
    const client = await SmtpLineClient.connect(first.smtpPort);
    await client.reply();
    expect((await client.command(`EHLO ${CLIENT}`))[0]).toMatch(/^250-/);
    expect(await client.command(`MAIL FROM:<sender@${CLIENT}>`)).toEqual(['250 2.1.0 Accepted']);
    expect(await client.command(`RCPT TO:<${test.address}>`)).toEqual(['250 2.1.5 Accepted']);
    if (first.child.pid === undefined) throw new Error('no pid');
    process.kill(first.child.pid, 'SIGTERM');
    expect(await first.exited).toBe(0);
    client.close();
    const second = await serve(store);
    const shown = await runMxray(['sender-test', 'show', test.passcode, '--server', second.api, '--json']);
    // Found (not 3, "no result yet"); the client spoke in clear text, so the report fails (exit 1).
    expect(shown.code, shown.stderr).toBe(1);
  });

  it('kill -9 right after the 250: serve started again on the same store finds the result', async () => {
    const store = file('durable.db');
    const first = await serve(store);
    const test = await newTest(first);
    const client = await SmtpLineClient.connect(first.smtpPort);
    await client.reply();
    expect((await client.command(`EHLO ${CLIENT}`))[0]).toMatch(/^250-/);
    expect(await client.command(`MAIL FROM:<sender@${CLIENT}>`)).toEqual(['250 2.1.0 Accepted']);
    expect(await client.command(`RCPT TO:<${test.address}>`)).toEqual(['250 2.1.5 Accepted']);
    expect((await client.command('DATA'))[0]).toMatch(/^354 /);
    expect(await client.command('Subject: durable\r\n\r\nkept\r\n.')).toEqual(['250 2.6.0 Message received: the sender-test report is ready (mxray sender-test show)']);
    if (first.child.pid === undefined) throw new Error('no pid');
    process.kill(first.child.pid, 'SIGKILL');
    expect(await first.exited).toBeNull();
    client.close();
    const second = await serve(store);
    const shown = await runMxray(['sender-test', 'show', test.passcode, '--server', second.api, '--json']);
    // Found (not 3, "no result yet"); the client spoke in clear text, so the report fails (exit 1).
    expect(shown.code, shown.stderr).toBe(1);
    const report = parseSavedReport(shown.stdout, 'show after kill -9');
    expect(report.kind === 'sender' ? [report.body.test.address, report.body.headers?.subject, report.body.session.outcome] : null).toEqual([maskedAddress(test.passcode, HOST), 'durable', 'accepted']);
  });
});
