// `mxray report`: a report saved by `mxray check --json` is rendered again in every format and
// re-judged from its stored facts with other CA files or at another moment (through dist/).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiverReport } from '../../src/core/schema.js';
import { startLabWithDns, type RunningLab } from '../../src/demo/run-demo.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { rejudgeReceiver } from '../../src/library.js';
import { renderHtml } from '../../src/render/html.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { renderText } from '../../src/render/text.js';
import { schemaErrors } from '../helpers/schema.js';

const BIN = join(process.cwd(), 'bin/mxray.cjs');
const DAY = 86_400_000;

function mxray(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

let running: RunningLab;
let tmp: string;
let caFile: string;
let savedFile: string;
let saved: ReceiverReport;
const ids = (r: ReceiverReport) => r.findings.map((f) => f.id).sort();

beforeAll(async () => {
  running = await startLabWithDns({ now: Date.now(), only: ['good'] });
  tmp = mkdtempSync(join(tmpdir(), 'mxray-report-'));
  caFile = join(tmp, 'demo-root.pem');
  writeFileSync(caFile, running.lab.trustedCaPem);
  savedFile = join(tmp, 'good.json');
  const connect = [...running.lab.hostMap].flatMap(([host, m]) => ['--connect', `${host}=${m.address}:${m.port}`]);
  const run = await mxray(['check', 'good.mxray.test', '--resolver', running.resolver, '--ca-file', caFile, ...connect, '--json', '--output', savedFile]);
  expect(run.code).toBe(0);
  saved = JSON.parse(readFileSync(savedFile, 'utf8')) as ReceiverReport;
}, 60_000);

afterAll(async () => {
  await running?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('mxray report: rendering a saved report', () => {
  it('the saved report is valid and records what it was judged with', () => {
    expect(schemaErrors(saved)).toEqual([]);
    expect(saved.verdict).toBe('pass');
    expect(saved.judgedWith.trustStore.bundledRootsOfNode).toBe(process.versions.node);
    expect(saved.judgedWith.trustStore.extraCaFiles).toEqual([{ name: caFile, sha256: createHash('sha256').update(readFileSync(caFile)).digest('hex') }]);
    expect(saved.judgedWith.profile).toEqual({ name: 'mxray-2026.11', version: 2 });
    // The facts keep every certificate as sent: a later judge needs nothing else.
    expect(saved.body.hosts[0]!.tls?.peerChain.length).toBeGreaterThanOrEqual(2);
  });

  it('renders it in every format exactly as the renderers do, and JSON gives the report back unchanged', async () => {
    const text = await mxray(['report', savedFile]);
    expect(text.code).toBe(0);
    // Text: the first screen (no details unless asked); Markdown and HTML: everything.
    expect(text.stdout).toBe(renderText(saved, { brief: true }));
    expect((await mxray(['report', savedFile, '--details', '--explain', '--width', '80'])).stdout).toBe(renderText(saved, { explain: true, width: 80 }));
    expect((await mxray(['report', savedFile, '--format', 'md'])).stdout).toBe(renderMarkdown(saved, { explain: true }));
    expect((await mxray(['report', savedFile, '--format', 'html', '--verbose'])).stdout).toBe(renderHtml(saved, { verbose: true, explain: true }));
    expect(JSON.parse((await mxray(['report', savedFile, '--json'])).stdout)).toEqual(saved);
  });

  it('re-judging with the same roots at the same moment changes nothing (library)', () => {
    const again = rejudgeReceiver(saved, { trustStore: createTrustStore([running.lab.trustedCaPem], 'demo root') });
    expect(again.verdict).toBe(saved.verdict);
    expect(again.findings).toEqual(saved.findings);
    expect(again.body.hosts.map((h) => h.assessment)).toEqual(saved.body.hosts.map((h) => h.assessment));
  });
});

describe('mxray report --rejudge', () => {
  it('without the demo root the same facts fail: the chain ends at a root we do not trust (exit 1)', async () => {
    const run = await mxray(['report', savedFile, '--rejudge', '--json']);
    expect(run.code).toBe(1);
    const r = JSON.parse(run.stdout) as ReceiverReport;
    expect(schemaErrors(r)).toEqual([]);
    expect(r.verdict).toBe('fail');
    expect(ids(r)).toContain('cert.untrusted-root');
    expect(r.judgedWith.trustStore.extraCaFiles).toEqual([]);
    // The facts and the transcript are the saved ones.
    expect(r.transcript).toEqual(saved.transcript);
    expect(r.body.hosts.map(({ assessment: _a, verdict: _v, findings: _f, ...facts }) => facts)).toEqual(saved.body.hosts.map(({ assessment: _a, verdict: _v, findings: _f, ...facts }) => facts));
  });

  it('with the demo root it passes again (exit 0)', async () => {
    const run = await mxray(['report', savedFile, '--rejudge', '--ca-file', caFile, '--json']);
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout) as ReceiverReport;
    expect(r.verdict).toBe('pass');
    expect(ids(r)).toEqual(ids(saved));
  });

  it('--at makes the valid certificate expired: "which of these servers fail on that day?"', async () => {
    const notAfter = Date.parse(saved.body.hosts[0]!.assessment.certificate!.sent[0]!.notAfter);
    const at = new Date(notAfter + 2 * DAY).toISOString().slice(0, 10);
    const run = await mxray(['report', savedFile, '--rejudge', '--ca-file', caFile, '--at', at]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL — The certificate of mx\.good\.mxray\.test expired 1 days? ago/m);
    expect(run.stdout).toContain(`Judged at ${at} 00:00 UTC`);
    const json = JSON.parse((await mxray(['report', savedFile, '--rejudge', '--ca-file', caFile, '--at', at, '--json'])).stdout) as ReceiverReport;
    expect(ids(json)).toContain('cert.expired');
    expect(json.judgedWith.at).toBe(`${at}T00:00:00.000Z`);
    expect(json.body.hosts[0]!.assessment.certificate!.timeValid).toBe(false);
  });

  it('--at a few days before expiry warns instead', async () => {
    const notAfter = Date.parse(saved.body.hosts[0]!.assessment.certificate!.sent[0]!.notAfter);
    const at = new Date(notAfter - 5 * DAY).toISOString();
    const json = JSON.parse((await mxray(['report', savedFile, '--rejudge', '--ca-file', caFile, '--at', at, '--json'])).stdout) as ReceiverReport;
    expect(json.verdict).toBe('warn');
    expect(ids(json)).toContain('cert.expiring-soon');
  });
});

describe('mxray report: bad input is one line and exit 2, never a stack trace', () => {
  const bad = async (args: string[], pattern: RegExp) => {
    const run = await mxray(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  };
  const file = (name: string, content: string) => {
    const p = join(tmp, name);
    writeFileSync(p, content);
    return p;
  };

  it('a missing file', () => bad(['report', join(tmp, 'nope.json')], /cannot read .*nope\.json: ENOENT/));
  it('not JSON', () => bad(['report', file('junk.json', '{"schemaVersion": ')], /is not JSON/));
  it('JSON that is not a report', () => bad(['report', file('other.json', '{"hello": 1}')], /not an mxray report/));
  it('a report of another schema version', () => bad(['report', file('v1.json', JSON.stringify({ ...saved, schemaVersion: '1.0' }))], /schema version 1\.0; this mxray reads version 2\.2/));
  it('a report that breaks the schema', () => bad(['report', file('broken.json', JSON.stringify({ ...saved, verdict: 'great' }))], /not a valid mxray report: \/verdict/));
  it('a report with an extra property', () => bad(['report', file('extra.json', JSON.stringify({ ...saved, extra: true }))], /not a valid mxray report/));
  it('--at without --rejudge', () => bad(['report', savedFile, '--at', '2030-01-01'], /--ca-file and --at need --rejudge/));
  it('--at that is not a date', () => bad(['report', savedFile, '--rejudge', '--at', 'tomorrow'], /--at wants an ISO date/));
  it('--ca-file that is not PEM', () => bad(['report', savedFile, '--rejudge', '--ca-file', file('x.pem', 'hello')], /holds no PEM certificate/));

  it('not a regular file (a device would never end)', () => bad(['report', '/dev/zero'], /\/dev\/zero is not a regular file/));
  it('an impossible --at date (no rolling 31 February over to March)', () => bad(['report', savedFile, '--rejudge', '--at', '2026-02-31'], /--at wants an ISO date/));
  it('a report judged with a profile this mxray does not have', () =>
    bad(['report', file('profile.json', JSON.stringify({ ...saved, judgedWith: { ...saved.judgedWith, profile: { name: 'someone-else', version: 3 } } })), '--rejudge'], /judged with profile someone-else version 3, which this mxray does not have/));
  it('more transcript events or evidence than a run can record', () => {
    const tooMany = structuredClone(saved);
    tooMany.transcript = Array.from({ length: 5001 }, (_, seq) => ({ seq, t: 0, conn: 'dns', kind: 'dns' as const, text: 'x' }));
    return bad(['report', file('many.json', JSON.stringify(tooMany))], /not a valid mxray report: \/transcript/);
  });
  it('an address or a thumbprint that is not one', async () => {
    const address = structuredClone(saved);
    address.body.hosts[0]!.address = '127.0.0.1\x1b]0;pwned\x07';
    await bad(['report', file('address.json', JSON.stringify(address))], /not a valid mxray report: \/body\/hosts\/0\/address/);
    const hash = structuredClone(saved);
    hash.body.hosts[0]!.assessment.certificate!.sent[0]!.sha256 = '\x1b[2J';
    await bad(['report', file('hash.json', JSON.stringify(hash))], /not a valid mxray report: \/body\/hosts\/0\/assessment\/certificate/);
  });

  it('a re-judged report says so, with the roots it trusted, even at the same moment', async () => {
    const run = await mxray(['report', savedFile, '--rejudge']);
    expect(run.stdout).toMatch(/^Judged at \d{4}-\d\d-\d\d \d\d:\d\d UTC, trusting Mozilla roots \(Node\)$/m);
    const json = JSON.parse((await mxray(['report', savedFile, '--rejudge', '--json'])).stdout) as ReceiverReport;
    expect(json.judgedWith.rejudged).toBe(true);
    expect(saved.judgedWith.rejudged).toBe(false);
    expect((await mxray(['report', savedFile])).stdout).not.toMatch(/^Judged at/m);
  });

  it('hostile text in the transcript of a saved report (escapes, bidi controls) is escaped in every format', async () => {
    const tampered = structuredClone(saved);
    tampered.transcript[0]!.text = 'x\x1b]0;pwned\x07\x1b[2J \u202eevil\u2066 <img src=x onerror=alert(1)>';
    const p = file('transcript.json', JSON.stringify(tampered));
    for (const format of ['text', 'md', 'html']) {
      const run = await mxray(['report', p, '--format', format, '--verbose']);
      expect(run.code, format).toBe(0);
      expect(run.stdout, format).not.toMatch(/[\x1b\x07\u202e\u2066]/);
      expect(run.stdout, format).toContain('\\u{202e}evil\\u{2066}');
    }
    expect((await mxray(['report', p, '--format', 'html', '--verbose'])).stdout).not.toContain('<img src=x');
  });

  it('hostile text in a saved report is escaped when rendered again', async () => {
    const tampered = structuredClone(saved);
    tampered.body.hosts[0]!.banner!.lines[0] = 'mx \x1b[31mRED\x1b[0m <script>x</script>';
    const p = file('tampered.json', JSON.stringify(tampered));
    const text = await mxray(['report', p, '--details']);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain('\x1b');
    expect(text.stdout).toContain('\\x1b[31mRED');
    const html = await mxray(['report', p, '--format', 'html']);
    expect(html.stdout).not.toContain('<script>x');
    expect(html.stdout).toContain('&lt;script&gt;x');
  });
});
