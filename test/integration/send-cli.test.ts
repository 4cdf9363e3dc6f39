// `mxray send` as a child process (through dist/): exit codes, --json valid against the published
// schema, the verdict first, one-line usage errors without a stack trace, and the secrets (a password
// from the environment, an OAuth token) nowhere in text, JSON, Markdown or HTML. Loopback fixture
// servers only (test/helpers/send-server.ts); each stopped after its test.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SendReport } from '../../src/core/schema.js';
import { execFileSync, spawn } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { createRootCa, type TestCa } from '../../src/demo/test-pki.js';
import { certify, EKU, party, pemOf } from '../helpers/chain-pki.js';
import { startSendServer, type SendServer, type SendServerPlan } from '../helpers/send-server.js';
import { schemaErrors } from '../helpers/schema.js';
import { skipWithout } from '../helpers/skip.js';

const BIN = join(process.cwd(), 'bin/mxray.cjs');
const HELO = 'client.mxray.test';
const SECRET = 'Pa55-w0rd-n0t-f0r-y0ur-eyes';
const TOKEN = 'ya29.token-that-must-never-show';

function mxray(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

let ca: TestCa;
let tlsKey: { key: string; cert: string };
let tmp: string;
let caFile: string;
beforeAll(async () => {
  ca = await createRootCa('mxray send cli root', Date.now());
  const leaf = await ca.issue({ commonName: 'mx.send.test', dnsNames: ['mx.send.test'] });
  tlsKey = { key: leaf.keyPem, cert: leaf.certPem };
  tmp = mkdtempSync(join(tmpdir(), 'mxray-send-'));
  caFile = join(tmp, 'ca.pem');
  writeFileSync(caFile, ca.cert.certPem);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const servers: SendServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
async function serve(plan: SendServerPlan = {}): Promise<SendServer> {
  const s = await startSendServer(plan, tlsKey);
  servers.push(s);
  return s;
}

const base = (s: SendServer) => ['send', `mx.send.test:${s.port}`, '--connect', `mx.send.test=127.0.0.1:${s.port}`, '--to', 'rcpt@send.test', '--from', 'me@client.mxray.test', '--helo', HELO, '--ca-file', caFile, '--timeout', '5'];

describe('mxray send (CLI)', () => {
  it('delivered over TLS: exit 0, the verdict and the queue id first, the dialogue', async () => {
    const s = await serve();
    const run = await mxray([...base(s), '--tls', 'required', '--width', '200']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^mxray send — mx\.send\.test\[127\.0\.0\.1\]:\d+ \(--tls required\) — /);
    expect(lines[1]).toMatch(/^PASS — delivered to mx\.send\.test\[127\.0\.0\.1\]:\d+ over TLSv1\.3: 250 2\.0\.0 Ok: queued as 4X1QUEUE; Message-ID <[0-9a-f]{16}@client\.mxray\.test>$/);
    expect(run.stdout).toMatch(/certificate verifies for mx\.send\.test \(--verify name\)/);
    expect(run.stdout).toMatch(/MAIL FROM +MAIL FROM:<me@client\.mxray\.test> +250 2\.1\.0 Ok/);
    expect(s.messages).toHaveLength(1);
  });

  it('--json is the Report, valid against the schema; --tls required without STARTTLS: not sent, exit 1', async () => {
    const s = await serve({ starttls: false });
    const run = await mxray([...base(s), '--tls', 'required', '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as SendReport;
    expect(schemaErrors(report)).toEqual([]);
    expect(report.kind).toBe('send');
    expect(report.findings.map((f) => f.id)).toEqual(['send.tls-unavailable']);
    expect(report.body.outcome).toMatchObject({ result: 'not-sent', cause: 'tls-unavailable' });
    expect(s.messages).toEqual([]);
  });

  it('refused: exit 1, "refused at RCPT TO" with the reply', async () => {
    const s = await serve({ refuse: { rcpt: { 'rcpt@send.test': '550 5.1.1 <rcpt@send.test>: Recipient address rejected: User unknown' } } });
    const run = await mxray([...base(s), '--width', '200']);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')[1]).toMatch(/^FAIL — refused at RCPT TO by mx\.send\.test\[127\.0\.0\.1\]:\d+: 550 5\.1\.1 <rcpt@send\.test>: Recipient address rejected: User unknown$/);
  });

  it('a server that cannot be reached: exit 3', async () => {
    const s = await serve();
    const port = s.port;
    await s.stop();
    const run = await mxray(['send', `127.0.0.1:${port}`, '--to', 'a@b.test', '--helo', HELO, '--timeout', '5']);
    expect(run.code).toBe(3);
    expect(run.stdout.split('\n')[1]).toMatch(/^INCONCLUSIVE — not sent: the session with 127\.0\.0\.1\[127\.0\.0\.1\]:\d+ failed at connect/);
  });

  it('usage errors: one line on stderr, exit 2, no stack trace', async () => {
    const s = await serve();
    const cases: [string[], RegExp][] = [
      [[...base(s), '--header', 'X-A: b\nBcc: c@d.test'], /^mxray: --header "X-A: b\\\\nBcc: c@d\.test" contains CR, LF or NUL/],
      [[...base(s), '--body', `${'x'.repeat(1200)}`], /^mxray: --body: line 1 is 1200 octets long, more than the 998 SMTP allows/],
      [[...base(s), '--tls', 'sometimes'], /^mxray: option '--tls <mode>' argument 'sometimes' is invalid/],
      [[...base(s), '--auth-user', 'alice'], /^mxray: give the password with --auth-password-env NAME/],
      [[...base(s), '--auth-user', 'alice', '--auth-password-env', 'MXRAY_NO_SUCH_VARIABLE'], /^mxray: --auth-password-env MXRAY_NO_SUCH_VARIABLE: no such environment variable$/],
      [[...base(s), '--data', join(tmp, 'missing.eml')], /^mxray: cannot read --data .*missing\.eml: ENOENT$/],
      [[...base(s), '--requiretls', '--tls', 'none'], /^mxray: --requiretls needs --tls required/],
      [['send', '192.0.2.1'], /^mxray: give --to: the target is a server, not a mail domain/],
      [[...base(s), '--count', '2', '--concurrency', '3'], /^mxray: --concurrency 3 is more than --count 2/],
    ];
    for (const [args, message] of cases) {
      const run = await mxray(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(run.stderr.trimEnd()).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect(s.received).toEqual([]);
  });

  it('the password from --auth-password-env and the OAuth token: nowhere in text, JSON, Markdown or HTML', async () => {
    const s = await serve({ auth: ['PLAIN', 'LOGIN', 'XOAUTH2'], credentials: { user: 'alice', password: SECRET, token: TOKEN } });
    const outputs: string[] = [];
    for (const format of ['text', 'json', 'md', 'html']) {
      for (const mech of ['PLAIN', 'LOGIN']) {
        const run = await mxray([...base(s), '--auth-user', 'alice', '--auth-password-env', 'SMTP_PW', '--auth-mechanism', mech, '--format', format, '--verbose'], { SMTP_PW: SECRET });
        expect(run.code, `${format} ${mech}`).toBe(0);
        outputs.push(run.stdout, run.stderr);
      }
      const oauth = await mxray([...base(s), '--auth-user', 'alice', '--oauth-token-env', 'TOKEN', '--format', format, '--verbose'], { TOKEN });
      expect(oauth.code, `${format} XOAUTH2`).toBe(0);
      outputs.push(oauth.stdout, oauth.stderr);
    }
    expect(s.logins.filter((l) => l.ok)).toHaveLength(12);
    const all = outputs.join('\n');
    for (const secret of [SECRET, TOKEN]) {
      expect(all).not.toContain(secret);
      expect(all).not.toContain(Buffer.from(secret).toString('base64'));
      expect(all).not.toContain(Buffer.from(`\0alice\0${secret}`).toString('base64'));
    }
    expect(all).toContain('AUTH PLAIN &lt;redacted&gt;');
    expect(all).toContain('AUTH XOAUTH2 <redacted>');
  });

  it('on a terminal without --auth-password-env, the password is asked without echo, used, and in no output', async (ctx) => {
    if (!existsSync('/usr/bin/script')) skipWithout(ctx, 'pty', 'script (util-linux) gives the command a terminal');
    const s = await serve({ auth: ['PLAIN'], credentials: { user: 'alice', password: SECRET } });
    const command = [process.execPath, BIN, ...base(s), '--auth-user', 'alice', '--json'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let asked = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (asked === 0 && out.includes('Password for alice: ')) {
        asked++;
        child.stdin.write(`${SECRET}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(asked).toBe(1);
    expect(code).toBe(0);
    expect(s.logins).toEqual([{ conn: 1, mechanism: 'PLAIN', ok: true, secure: true }]);
    expect(out).not.toContain(SECRET);
    expect(out).toContain('"result": "delivered"');
  });

  it('--data FILE and --size: the file sent whole, padded to the size', async () => {
    const s = await serve();
    const file = join(tmp, 'message.eml');
    writeFileSync(file, 'From: a@b.test\nTo: c@d.test\nSubject: file\n\nhello\n');
    const run = await mxray([...base(s), '--data', file, '--size', '4000', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as SendReport;
    expect(report.body.message).toMatchObject({ source: 'file', bytes: 4000, subject: 'file' });
    expect(s.messages[0]!.content.length).toBe(4000);
    expect(readFileSync(file, 'utf8')).toContain('hello');
  });

  it('a server that requires a client certificate: --client-cert/--client-key and --client-pfx deliver; without one, nothing is delivered', async () => {
    const root = await party('CN=mxray client root');
    const client = await party('CN=client.mxray.test');
    const now = Date.now();
    const rootPem = pemOf([await certify(root, root, 'ca', now)]);
    const certPem = pemOf([await certify(client, root, 'leaf', now, { eku: [EKU.clientAuth], dnsNames: ['client.mxray.test'] })]);
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', client.keys.privateKey));
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
    const certFile = join(tmp, 'client.pem');
    const keyFile = join(tmp, 'client.key');
    const pfxFile = join(tmp, 'client.pfx');
    writeFileSync(certFile, certPem);
    writeFileSync(keyFile, keyPem);
    execFileSync('openssl', ['pkcs12', '-export', '-in', certFile, '-inkey', keyFile, '-out', pfxFile, '-passout', 'pass:pfx-secret-42']);
    const s = await serve({ clientCertificate: 'require', clientCa: rootPem });

    const pemRun = await mxray([...base(s), '--tls', 'required', '--client-cert', certFile, '--client-key', keyFile, '--json']);
    expect(pemRun.code).toBe(0);
    const report = JSON.parse(pemRun.stdout) as SendReport;
    expect(report.body.settings.clientCertificate).toBe('CN=client.mxray.test');
    expect(report.body.session?.tls?.clientCertificate).toBe(true);
    expect(s.messages).toHaveLength(1);

    const pfxRun = await mxray([...base(s), '--tls', 'required', '--client-pfx', pfxFile, '--client-password-env', 'PFXPW', '--json'], { PFXPW: 'pfx-secret-42' });
    expect(pfxRun.code).toBe(0);
    expect(pfxRun.stdout).not.toContain('pfx-secret-42');
    expect(s.messages).toHaveLength(2);

    const none = await mxray([...base(s), '--tls', 'required', '--json']);
    expect(none.code).not.toBe(0);
    expect(s.messages).toHaveLength(2);

    const wrongPw = await mxray([...base(s), '--client-pfx', pfxFile, '--client-password-env', 'PFXPW'], { PFXPW: 'nope' });
    expect(wrongPw.code).toBe(2);
    expect(wrongPw.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('--count 6 --concurrency 2: the figures in the report', async () => {
    const s = await serve({ pipelining: true });
    const run = await mxray([...base(s), '--count', '6', '--concurrency', '2', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as SendReport;
    expect(report.body.load).toMatchObject({ count: 6, concurrency: 2, delivered: 6 });
    expect(s.messages).toHaveLength(6);
  });
});
