// `mxray headers` as a child process (through dist/): a file, standard input with '-' or no
// argument, several files, an mbox; exit 0 when every hop between organisations used TLS, 1 for a
// hop in clear text, 3 when nothing can be judged, 2 for usage errors — one line, no stack trace;
// --json valid against the published schema; --format html self-contained and escaped; --domain
// moving the border; --authserv-id trusting Authentication-Results; `mxray report` rendering a
// saved headers report again.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HeadersReport } from '../../src/core/schema.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { renderText } from '../../src/render/text.js';
import { schemaErrors } from '../helpers/schema.js';
import { BIN, runMxray } from '../helpers/cli.js';
import { skipWithout } from '../helpers/skip.js';

const FIXTURES = join(process.cwd(), 'test/fixtures/headers');
const EXIM = join(FIXTURES, 'dialects/exim.txt');
const CLEAR = join(FIXTURES, 'dialects/cleartext-hop.txt');
const RELAY = join(FIXTURES, 'dialects/postfix-relay-content-filter.txt');
const MBOX = join(FIXTURES, 'blocks/three.mbox');
const FILTER = join(FIXTURES, 'cli/hosted-filter.eml');
const DRAFT = join(FIXTURES, 'cli/no-received.eml');
const ESC = '\u001b';
/** A raw control of a terminal or a bidi override. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;
const tmp = mkdtempSync(join(tmpdir(), 'mxray-headers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mxray = runMxray;

async function json(args: string[], stdin?: string): Promise<{ code: number; report: HeadersReport }> {
  const run = await mxray([...args, '--json'], stdin);
  expect(run.stderr).toBe('');
  const report = JSON.parse(run.stdout) as HeadersReport;
  expect(schemaErrors(report)).toEqual([]);
  return { code: run.code, report };
}

/** A usage error: exit 2, one line on stderr, no stack trace, nothing on stdout. */
async function usageError(args: string[], stdin?: string): Promise<string> {
  const run = await mxray(args, stdin);
  expect(run.code, args.join(' ')).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at |Error:/);
  return run.stderr.trim();
}

describe('mxray headers (CLI): exit codes and the verdict line', () => {
  it('a file whose hops between organisations used TLS: exit 0, the verdict line second', async () => {
    const run = await mxray(['headers', EXIM, '--width', '200']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^mxray header analysis — message “Backup report” — \d{4}-\d\d-\d\d \d\d:\d\d UTC, \d+\.\d\d s$/);
    expect(lines[1]).toBe('PASS — every hop between organisations used TLS (1 hop, weakest TLS 1.3); delivered in 2 s over 3 hops');
  });

  it('a hop in clear text between organisations: exit 1, the hop named', async () => {
    const run = await mxray(['headers', CLEAR, '--width', '200']);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')[1]).toBe('FAIL — hop 2 went in clear text between organisations: mail.example.org [192.0.2.10] → mx.example.net (with ESMTP); delivered in 2 s over 2 hops');
  });

  it('a hop between organisations with TLS 1.0: WARN, exit 0', async () => {
    const old = [
      'Received: from mail.example.org (mail.example.org [192.0.2.10])',
      '\t(using TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits))',
      '\tby mx.example.net (Postfix) with ESMTPS id 5F1A2B3C4D',
      '\tfor <erik@example.net>; Mon, 21 Sep 2026 10:00:02 +0000 (UTC)',
      'Subject: old',
      'Date: Mon, 21 Sep 2026 10:00:00 +0000',
      '',
    ].join('\n');
    const run = await mxray(['headers', '--width', '200'], old);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[1]).toBe('WARN — every hop between organisations used TLS (1 hop, weakest TLS 1.0); delivered in 2 s over 1 hop');
    expect(run.stdout).toContain('WARNING  Hop 1 used TLS 1.0: mail.example.org [192.0.2.10] → mx.example.net');
  });

  it('a header without Received lines: exit 3, said so', async () => {
    const run = await mxray(['headers', DRAFT]);
    expect(run.code).toBe(3);
    expect(run.stdout.split('\n')[1]).toBe('INCONCLUSIVE — no Received line: nothing shows how the message travelled');
  });

  it('an empty file: exit 3, named as not read', async () => {
    const empty = join(tmp, 'empty.eml');
    writeFileSync(empty, '');
    const { code, report } = await json(['headers', empty]);
    expect(code).toBe(3);
    expect(report.body.problems).toEqual([{ source: empty, detail: 'empty' }]);
    expect(report.findings.map((f) => f.id)).toEqual(['headers.unreadable-input']);
  });
});

describe('mxray headers (CLI): usage errors', () => {
  it('a file that does not exist: exit 2, one line naming it', async () => {
    const missing = join(tmp, 'missing.eml');
    expect(await usageError(['headers', missing])).toBe(`mxray: cannot read ${missing}: ENOENT`);
  });

  it('a file that does not exist after one that does: exit 2, no report', async () => {
    const missing = join(tmp, 'missing-too.eml');
    expect(await usageError(['headers', EXIM, missing])).toBe(`mxray: cannot read ${missing}: ENOENT`);
  });

  it('an --internal network that does not parse: exit 2, never taken for a name', async () => {
    expect(await usageError(['headers', '--internal', '10.0.0.0/33', EXIM])).toBe('mxray: --internal 10.0.0.0/33 is not a network (192.0.2.0/24, 2001:db8::/32) nor a host-name suffix (see mxray headers --help)');
  });

  it('a file name with control characters is escaped in the one line', async () => {
    const name = join(tmp, 'nope\u001b[31m\u202eX.eml');
    const line = await usageError(['headers', name]);
    expect(line).not.toMatch(/[\u001b\u202e]/);
    expect(line).toContain('cannot read');
  });

  it('/dev/stdin from a shell pipe is read like a file (a pipe is no folder)', async () => {
    // Through sh: a shell pipe is a FIFO (Node's own child stdio is a socket, which /dev/stdin cannot open).
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile('sh', ['-c', `cat "$1" | "$2" "$3" headers /dev/stdin --json`, 'sh', EXIM, process.execPath, BIN], { timeout: 60_000 }, (err, stdout) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout }),
      );
    });
    expect(out.code).toBe(0);
    expect((JSON.parse(out.stdout) as HeadersReport).body.inputs.messages).toBe(1);
  });

  it('a directory: exit 2', async () => {
    expect(await usageError(['headers', tmp])).toBe(`mxray: ${tmp} is a folder: give the message files in it (mxray headers folder/*.eml)`);
  });

  it('standard input twice: exit 2', async () => {
    expect(await usageError(['headers', '-', '-'], readFileSync(EXIM, 'utf8'))).toBe('mxray: standard input (-) can be read once (see mxray headers --help)');
  });

  it('no argument on a terminal: exit 2, saying what to give instead of waiting for input', async (ctx) => {
    if (!existsSync('/usr/bin/script')) skipWithout(ctx, 'pty', 'script (util-linux) gives the command a terminal');
    const command = [process.execPath, BIN, 'headers'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(out.trim().split(/\r?\n/)).toEqual(['mxray: give a message file, or paste the header into standard input: mxray headers - (end with Ctrl-D) (see mxray headers --help)']);
  });

  it('an unknown format: exit 2', async () => {
    await usageError(['headers', EXIM, '--format', 'pdf']);
  });
});

describe('mxray headers (CLI): inputs', () => {
  it("'-' reads standard input", async () => {
    const { code, report } = await json(['headers', '-'], readFileSync(EXIM, 'utf8'));
    expect(code).toBe(0);
    expect(report.target).toBe('standard input');
    expect(report.body.rows.map((r) => [r.source, r.subject])).toEqual([['standard input', 'Backup report']]);
  });

  it('no argument with standard input piped: read like -', async () => {
    const { code, report } = await json(['headers'], readFileSync(CLEAR, 'utf8'));
    expect(code).toBe(1);
    expect(report.body.rows.map((r) => [r.source, r.tls])).toEqual([['standard input', 'cleartext']]);
  });

  it('several files: one row each, in the order given', async () => {
    const { code, report } = await json(['headers', EXIM, CLEAR, DRAFT]);
    expect(code).toBe(1);
    expect(report.body.inputs).toEqual({ files: 3, messages: 3, returned: 0, unreadable: 0 });
    expect(report.body.rows.map((r) => [r.source, r.tls])).toEqual([
      [EXIM, 'protected'],
      [CLEAR, 'cleartext'],
      [DRAFT, 'no-hops'],
    ]);
    const text = await mxray(['headers', EXIM, CLEAR, DRAFT, '--width', '200']);
    expect(text.stdout).toContain(`Folder      ${FIXTURES}/`);
    expect(text.stdout).toMatch(/^dialects\/exim\.txt: Backup report +2026-09-21 10:00:01 +3 +1 +protected +TLS 1\.3 +2 s$/m);
  });

  it('an mbox: one input, a row per message named "<file> message N"', async () => {
    const { code, report } = await json(['headers', MBOX]);
    expect(code).toBe(3);
    expect(report.body.inputs).toEqual({ files: 1, messages: 3, returned: 0, unreadable: 0 });
    expect(report.body.rows.map((r) => [r.source, r.subject, r.hops])).toEqual([
      [`${MBOX} message 1`, 'one', 1],
      [`${MBOX} message 2`, 'two', 2],
      [`${MBOX} message 3`, 'three', 0],
    ]);
    expect(report.target).toBe(MBOX);
  });

  it('an mbox on standard input, then a file', async () => {
    const { report } = await json(['headers', '-', EXIM], readFileSync(MBOX, 'utf8'));
    expect(report.body.inputs.files).toBe(2);
    expect(report.body.rows.map((r) => r.source)).toEqual(['standard input message 1', 'standard input message 2', 'standard input message 3', EXIM]);
  });

  it('an mbox of more messages than are read: the ones past 100,000 not dropped silently, the bound said', async () => {
    const big = join(tmp, 'big.mbox');
    writeFileSync(big, Array.from({ length: 100_002 }, (_, i) => `From a@example.org Mon Mar  2 10:00:00 2026\nSubject: m${i + 1}\n\n`).join(''));
    const { report } = await json(['headers', big]);
    expect(report.body.inputs).toEqual({ files: 1, messages: 100_000, returned: 0, unreadable: 0 });
    expect(report.body.limits).toEqual([`${big}: more than 100000 messages: the rest not read`]);
    expect(report.findings.find((f) => f.id === 'headers.limit-reached')?.title).toContain(`${big}: more than 100000 messages: the rest not read`);
  });

  it('a message longer than 16 MiB: its header read, the cut said', async () => {
    const huge = join(tmp, 'huge.eml');
    writeFileSync(huge, `${readFileSync(EXIM, 'utf8')}\n${`${'x'.repeat(1023)}\n`.repeat(17 * 1024)}`);
    const { code, report } = await json(['headers', huge]);
    expect(code).toBe(0);
    expect(report.body.rows.map((r) => [r.source, r.subject, r.tls])).toEqual([[huge, 'Backup report', 'protected']]);
    expect(report.body.limits).toEqual([`${huge}: longer than 16 MiB: its first 16 MiB read`]);
  });

  it('a bounce: the returned message a row of its own under it', async () => {
    const bounce = join(FIXTURES, 'cli/plain-bounce.txt');
    const { code, report } = await json(['headers', bounce]);
    expect(code).toBe(1);
    expect(report.body.rows.map((r) => [r.source, r.returnedIn, r.tls])).toEqual([
      [bounce, null, 'protected'],
      [`${bounce}, returned message`, bounce, 'cleartext'],
    ]);
  });
});

describe('mxray headers (CLI): options', () => {
  it('--domain moves the border to where the organisations named start', async () => {
    const plain = (await json(['headers', FILTER])).report.body.messages[0]!;
    expect(plain.border).toEqual({ hop: 3, ip: '198.51.100.60', from: 'filter-out.example.net', by: 'mx.example.com' });
    expect(plain.organisation.how).toBe('the topmost Received line is written by mx.example.com');
    const own = (await json(['headers', FILTER, '--domain', 'example.com', '--domain', 'example.net'])).report;
    expect(own.body.options.domains).toEqual(['example.com', 'example.net']);
    const m = own.body.messages[0]!;
    expect(m.border).toEqual({ hop: 2, ip: '192.0.2.15', from: 'mail.example.org', by: 'filter-in.example.net' });
    expect(m.hops.map((h) => h.zone)).toEqual(['claimed', 'border', 'internal']);
    const internal = (await json(['headers', FILTER, '--domain', 'example.com', '--internal', 'example.net'])).report;
    expect(internal.body.messages[0]!.border?.hop).toBe(2);
  });

  it('--authserv-id: the Authentication-Results written under it trusted in the JSON and said so', async () => {
    expect((await json(['headers', RELAY])).report.body.messages[0]!.authentication.map((a) => [a.authservId, a.trusted])).toEqual([['mx1.example.net', false]]);
    const trusted = (await json(['headers', RELAY, '--authserv-id', 'mx1.example.net'])).report;
    expect(trusted.body.options.authservIds).toEqual(['mx1.example.net']);
    expect(trusted.body.messages[0]!.authentication.map((a) => [a.authservId, a.trusted])).toEqual([['mx1.example.net', true]]);
    const text = await mxray(['headers', RELAY, '--authserv-id', 'mx1.example.net', '--width', '200']);
    expect(text.stdout).toContain('Auth        dkim=pass dkim-atps=neutral — written by your mx1.example.net (trusted)');
  });

  it('-o writes the report to a file, nothing on stdout', async () => {
    const out = join(tmp, 'exim.json');
    const run = await mxray(['headers', EXIM, '--json', '-o', out]);
    expect([run.code, run.stdout, run.stderr]).toEqual([0, '', '']);
    expect(schemaErrors(JSON.parse(readFileSync(out, 'utf8')))).toEqual([]);
  });
});

describe('mxray headers (CLI): formats', () => {
  const hostileFile = join(tmp, 'hostile.eml');
  writeFileSync(
    hostileFile,
    [
      `Received: from evil${ESC}[31m.example.org (evil.example.org [198.51.100.66])`,
      `\tby mx\u202egpj.example.net (Postfix) with ESMTP id 1; Mon, 21 Sep 2026 10:00:05 +0000`,
      `Received: from <script>alert(1)</script>.example.org ([192.0.2.66]) by evil.example.org with ESMTPS id 2; Mon, 21 Sep 2026 10:00:01 +0000`,
      `Authentication-Results: mx.example.net; dkim=fail reason="${ESC}[2J<img src=x onerror=alert(1)>"`,
      `Subject: Hello ${ESC}[31mred \u202efdp.exe <script>alert(2)</script>`,
      'Date: Mon, 21 Sep 2026 10:00:00 +0000',
      '',
      'body',
    ].join('\n'),
  );

  it('--json parses and validates against the published schema', async () => {
    const { report } = await json(['headers', EXIM, CLEAR, MBOX]);
    expect(report.kind).toBe('headers');
    expect(report.body.rows).toHaveLength(5);
  });

  it('--format html: self-contained (a strict CSP, nothing loaded from anywhere), the hop chart, every value escaped', async () => {
    const run = await mxray(['headers', hostileFile, '--format', 'html', '--verbose']);
    expect(run.code).toBe(1);
    const html = run.stdout;
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<[^>]*\s(src|href|on\w+)=|url\(|@import/i);
    // The only address in the page is the SVG namespace, which loads nothing.
    expect([...new Set(html.match(/https?:\/\/[^"'\s<>]*/g) ?? [])]).toEqual(['http://www.w3.org/2000/svg']);
    expect(html).toContain('<figure class="hop-chart">');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(RAW);
  });

  it('text: the hostile values escaped on the terminal, every line within --width 80', async () => {
    const run = await mxray(['headers', hostileFile, '--verbose', '--width', '80']);
    expect(run.stdout).not.toMatch(RAW);
    expect(run.stdout).toContain('Subject     Hello \\x1b[31mred \\u{202e}fdp.exe <script>alert(2)</script>');
    expect(run.stdout.split('\n').filter((l) => [...l].length > 80)).toEqual([]);
  });

  it('--format md: Markdown with the hop table', async () => {
    const run = await mxray(['headers', CLEAR, '--format', 'md']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^\| # \| Delay \| From \| By \| With \| TLS \| Zone \| Time \(UTC\) \|$/m);
  });
});

describe('mxray report: a saved headers report', () => {
  it('is rendered again as the renderers do, and --json gives it back unchanged', async () => {
    const saved = join(tmp, 'saved-headers.json');
    expect((await mxray(['headers', CLEAR, MBOX, '--json', '-o', saved])).code).toBe(1);
    const report = JSON.parse(readFileSync(saved, 'utf8')) as HeadersReport;
    const text = await mxray(['report', saved]);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe(renderText(report, { brief: true }));
    const wide = await mxray(['report', saved, '--width', '200']);
    expect(wide.stdout).toBe(renderText(report, { brief: true, width: 200 }));
    expect(wide.stdout).toMatch(/^blocks\/three\.mbox message 2: two {2,}2026-03-02 11:00:00 +2 +1 +protected {2,}1 s$/m);
    expect((await mxray(['report', saved, '--format', 'md'])).stdout).toBe(renderMarkdown(report, { explain: true }));
    expect(JSON.parse((await mxray(['report', saved, '--json'])).stdout)).toEqual(report);
  });

  it('a tampered saved report (a hop’s TLS version with terminal controls) is escaped when rendered', async () => {
    const saved = join(tmp, 'tampered-headers.json');
    await mxray(['headers', EXIM, '--json', '-o', saved]);
    const report = JSON.parse(readFileSync(saved, 'utf8')) as HeadersReport;
    for (const h of report.body.messages[0]!.hops) if (h.tls === 'tls') h.tlsVersion = `${ESC}]0;pwned\u0007`;
    report.body.messages[0]!.tls.weakestVersion = `${ESC}[2J`;
    writeFileSync(saved, JSON.stringify(report));
    const run = await mxray(['report', saved]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(RAW);
    expect(run.stdout).toContain('weakest \\x1b[2J');
  });
});
