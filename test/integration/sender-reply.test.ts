// `mxray sender-test serve --reply-via smtp://host:port`: each stored report is mailed back to the
// envelope sender through the smarthost — never to the null sender, never to our own domain, never
// for an automatic message (Auto-Submitted). The smarthost is the project's smtpd wrapper on
// loopback, collecting what it is sent; the sender-test server is the built command.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpd, type SmtpdMessage, type SmtpdServer } from '../../src/smtpd/server.js';
import { BIN, runMxray } from '../helpers/cli.js';
import { skipWithout } from '../helpers/skip.js';

const HOST = 'sendertest.reply.test';
const hasSwaks = spawnSync('swaks', ['--version']).status === 0;

/** A free loopback port, chosen by the OS. */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function swaks(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('swaks', args, { timeout: 30_000 }, (_err, stdout, stderr) => resolve(stdout + stderr)));
}

describe('sender-test serve --reply-via', () => {
  let smarthost: SmtpdServer;
  const received: SmtpdMessage[] = [];
  let waiters: (() => void)[] = [];
  let serve: ChildProcess;
  let dir: string;
  let smtpPort: number;
  let api: string;

  const nextReply = async (count: number) => {
    while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return received[count - 1] as SmtpdMessage;
  };

  beforeAll(async () => {
    if (!hasSwaks) return;
    smarthost = await startSmtpd({
      name: 'smarthost.reply.test',
      data: {
        action: 'collect',
        maxBytes: 1 << 20,
        onMessage(message) {
          received.push(message);
          const w = waiters;
          waiters = [];
          for (const wake of w) wake();
        },
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'mxray-reply-'));
    smtpPort = await freePort();
    const httpPort = await freePort();
    api = `http://127.0.0.1:${httpPort}`;
    serve = spawn(process.execPath, [BIN, 'sender-test', 'serve', '--listen', `127.0.0.1:${smtpPort}`, '--http', `127.0.0.1:${httpPort}`, '--hostname', HOST, '--store', join(dir, 's.db'), '--reply-via', `smtp://127.0.0.1:${smarthost.port}`], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      serve.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Create a test')) resolve();
      });
      serve.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
  });

  afterAll(async () => {
    if (serve?.pid) process.kill(serve.pid, 'SIGKILL');
    await smarthost?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const newTest = async () => {
    const run = await runMxray(['sender-test', 'new', '--server', api, '--json']);
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as { passcode: string; address: string };
  };

  it('the report goes to the envelope sender, marked automatic, with the verdict in the Subject and the report in the body', async (ctx) => {
    if (!hasSwaks) skipWithout(ctx, 'swaks', 'Debian package swaks is not installed');
    const test = await newTest();
    const out = await swaks(['--server', `127.0.0.1:${smtpPort}`, '--to', test.address, '--from', 'admin@sender.reply.test', '--ehlo', 'mail.sender.reply.test', '-tls']);
    expect(out).toMatch(/<~ {2}250 2\.6\.0/);
    const reply = await nextReply(1);
    expect(reply.envelope.rcptTo).toEqual(['admin@sender.reply.test']);
    expect(reply.envelope.mailFrom).toBe(`mxray-sender-test@${HOST}`);
    const text = reply.bytes.toString('utf8');
    expect(text).toMatch(/^Auto-Submitted: auto-replied\r$/m);
    expect(text).toMatch(/^Subject: mxray sender test: [A-Z-]+ for 127\.0\.0\.1\r$/m);
    expect(text).toContain('mxray sender test');
  });

  it('no reply to the null sender, to our own domain, or for an automatic message; the next ordinary one is answered', async (ctx) => {
    if (!hasSwaks) skipWithout(ctx, 'swaks', 'Debian package swaks is not installed');
    const test = await newTest();
    const base = ['--server', `127.0.0.1:${smtpPort}`, '--to', test.address, '--ehlo', 'mail.sender.reply.test'];
    expect(await swaks([...base, '--from', '<>'])).toMatch(/<- {2}250 2\.6\.0/);
    expect(await swaks([...base, '--from', `someone@${HOST}`])).toMatch(/<- {2}250 2\.6\.0/);
    expect(await swaks([...base, '--from', 'robot@sender.reply.test', '--add-header', 'Auto-Submitted: auto-generated'])).toMatch(/<- {2}250 2\.6\.0/);
    expect(await swaks([...base, '--from', 'second@sender.reply.test'])).toMatch(/<- {2}250 2\.6\.0/);
    const reply = await nextReply(2);
    expect(reply.envelope.rcptTo).toEqual(['second@sender.reply.test']);
    expect(received).toHaveLength(2);
  });

  it('--reply-via that is not smtp://host[:port] is a usage error, one line', async () => {
    for (const bad of ['mail.example.net', 'http://x:25', 'smtp://user:pw@x', 'smtp://x/path']) {
      const run = await runMxray(['sender-test', 'serve', '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--hostname', HOST, '--store', ':memory:', '--reply-via', bad]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/--reply-via/);
    }
  });
});
