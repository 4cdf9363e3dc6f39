// runExplain (jobs/explain/run-explain.ts), field by field, where run-explain.test.ts (the review's
// cases) does not look: the report's envelope (target per source, the clock's time and duration, the
// verdict), the input's counts (names, lines, bytes), the refusals (nothing to explain, more than
// 32 MiB), each item as the schema has it (file, line, statuses with their registry meanings, root,
// rules copied whole), a bounce's facts (recipients and their items, the report's own diagnostics,
// the server that answered only when it is a host name, the recipient's domain), which texts are
// read whole as a bounce and which line by line, and the bounds (64 bounces, 1,000,000 lines).
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import type { Clock } from '../../../../src/core/context.js';
import { UsageError } from '../../../../src/core/errors.js';
import type { ExplainItem, ExplainReport, ExplainRule } from '../../../../src/core/schema.js';
import { SCHEMA_VERSION, VERSION } from '../../../../src/core/version.js';
import { MAX_EXPLAIN_BYTES } from '../../../../src/jobs/explain/run-explain.js';
import { ERROR_RULES } from '../../../../src/kb/error-rules.js';
import { explainLine } from '../../../../src/kb/explain-text.js';
import { CERT, EXCHANGE, exchangeNdr, explainFiles, explainInput, explainText, fixture, NOT_OFFERED, UNKNOWN } from '../../../helpers/explain.js';

const run = explainInput;
const text = (t: string, source: 'argument' | 'stdin' = 'stdin'): Promise<ExplainReport> => explainText(t, source);
const files = explainFiles;
const item = (r: ExplainReport, i = 0): ExplainItem => {
  const x = r.body.items[i];
  if (!x) throw new Error(`no item ${i} among ${r.body.items.length}`);
  return x;
};
const confirms = (r: ExplainReport): string[] => r.body.items.map((i) => i.rules[0]?.confirm ?? '-');

const PASTED = '<ann@partner.example>: host mx.partner.example[192.0.2.25] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)';
const STARTTLS = '530 5.7.0 Must issue a STARTTLS command first';

describe('runExplain: the report’s envelope', () => {
  it('kind, tool, schema, the clock’s start, nothing judged, no findings or transcript', async () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    const r = await run({ source: 'stdin', parts: [{ name: null, text: NOT_OFFERED }] }, fixedClock(at));
    expect(r.schemaVersion).toBe(SCHEMA_VERSION);
    expect(r.tool).toEqual({ name: 'mxray', version: VERSION });
    expect(r.kind).toBe('explain');
    expect(r.startedAt).toBe('2026-01-02T03:04:05.000Z');
    expect(r.durationMs).toBe(0);
    expect(r.judgedWith.at).toBe('2026-01-02T03:04:05.000Z');
    expect(r.judgedWith.trustStore.description).toBe('none (mxray explain judges no certificate)');
    expect(r.findings).toEqual([]);
    expect(r.transcript).toEqual([]);
  });

  it('the duration is the monotonic clock’s, in milliseconds to the microsecond', async () => {
    const base = fixedClock(0);
    const ticks = [10, 12.3456789];
    const clock: Clock = { now: base.now, sleep: base.sleep, monotonic: () => ticks.shift() ?? 99 };
    const r = await run({ source: 'stdin', parts: [{ name: null, text: NOT_OFFERED }] }, clock);
    expect(r.durationMs).toBe(2.346);
  });

  it('the target: the text given (its first 200 characters), "-" for standard input, the files’ names (1000 characters at most)', async () => {
    expect((await text(UNKNOWN, 'argument')).target).toBe(UNKNOWN);
    const long = `${UNKNOWN} ${'x'.repeat(300)}`;
    expect((await text(long, 'argument')).target).toBe(long.slice(0, 200));
    expect((await text(UNKNOWN, 'stdin')).target).toBe('-');
    expect((await files(['a.log', UNKNOWN], ['b.log', CERT])).target).toBe('a.log b.log');
    const names = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(2, '0')}-${'n'.repeat(60)}.log`);
    const many = await run({ source: 'file', parts: names.map((name) => ({ name, text: UNKNOWN })) });
    expect(many.target).toBe(names.join(' ').slice(0, 1000));
    expect(many.target).toHaveLength(1000);
  });

  it('the verdict: "not-applicable" when any line is recognised, "inconclusive" when none is (codes only, or nothing)', async () => {
    expect((await text(`${UNKNOWN}\n${NOT_OFFERED}`)).verdict).toBe('not-applicable');
    expect((await text(`${NOT_OFFERED}\n${UNKNOWN}`)).verdict).toBe('not-applicable');
    expect((await text(UNKNOWN)).verdict).toBe('inconclusive');
    expect((await text('hello')).verdict).toBe('inconclusive');
  });
});

describe('runExplain: the input', () => {
  it('source, names, lines (a final line end starts no line; CRLF too) and bytes (UTF-8, every part)', async () => {
    const r = await files(['a.log', `${UNKNOWN}\r\n${NOT_OFFERED}\r\n`], ['b.log', 'café 550 5.1.1 x\n']);
    expect(r.body.input).toEqual({ source: 'file', names: ['a.log', 'b.log'], lines: 3, bytes: Buffer.byteLength(`${UNKNOWN}\r\n${NOT_OFFERED}\r\n`) + 18 });
    expect(r.body.items.map((i) => [i.file, i.line, i.text])).toEqual([
      ['a.log', 1, UNKNOWN],
      ['a.log', 2, NOT_OFFERED],
      ['b.log', 1, 'café 550 5.1.1 x'],
    ]);
    const s = await text(`${UNKNOWN}\n\n${NOT_OFFERED}`);
    expect(s.body.input).toEqual({ source: 'stdin', names: [], lines: 3, bytes: Buffer.byteLength(`${UNKNOWN}\n\n${NOT_OFFERED}`) });
    expect(s.body.items.map((i) => [i.file, i.line])).toEqual([
      [null, 1],
      [null, 3],
    ]);
  });

  it('a part with a name that is not a file (standard input) gives its items no file', async () => {
    const r = await run({ source: 'stdin', parts: [{ name: 'pasted', text: UNKNOWN }] });
    expect(item(r).file).toBeNull();
    expect(r.target).toBe('-');
  });

  it('nothing to explain (empty, or only blanks) is a usage error; one empty part among others is not', async () => {
    await expect(text('')).rejects.toThrow(new UsageError('nothing to explain: give the error text, "-" for standard input, or --file FILE'));
    await expect(text(' \n\t\r\n ')).rejects.toBeInstanceOf(UsageError);
    await expect(files(['a.log', ''], ['b.log', '\n'])).rejects.toBeInstanceOf(UsageError);
    const r = await files(['a.log', ''], ['b.log', UNKNOWN]);
    expect(r.body.items.map((i) => [i.file, i.line])).toEqual([['b.log', 1]]);
  });

  it('at most 32 MiB at once, all parts counted: exactly 32 MiB is read, one byte more is refused', async () => {
    const rest = MAX_EXPLAIN_BYTES - Buffer.byteLength(UNKNOWN);
    const r = await files(['a.log', UNKNOWN], ['b.log', 'x'.repeat(rest)]);
    expect(r.body.input.bytes).toBe(MAX_EXPLAIN_BYTES);
    expect(r.body.items.map((i) => i.file)).toEqual(['a.log']);
    await expect(files(['a.log', UNKNOWN], ['b.log', 'x'.repeat(rest + 1)])).rejects.toThrow(
      new UsageError(`the text is ${MAX_EXPLAIN_BYTES + 1} bytes: mxray explain reads at most 32 MiB at once`),
    );
  });
});

describe('runExplain: items', () => {
  it('each code with its registry meaning, finality, transport-security flag and reference; the root is the innermost', async () => {
    const it0 = item(await text(EXCHANGE));
    expect(it0).toMatchObject({ line: 1, file: null, recipient: null, text: EXCHANGE, root: 1 });
    expect(it0.statuses).toEqual([
      {
        reply: 451,
        code: '4.4.0',
        final: false,
        meaning: 'Persistent transient failure: the sender keeps the message and tries again — Network and routing status (reaching the next system) — Other or undefined network or routing status',
        tls: false,
        ref: 'RFC 3463 §3.7',
        words: 'Primary target IP address responded with:',
        classMismatch: false,
      },
      {
        reply: 451,
        code: '5.7.3',
        final: true,
        meaning: 'Permanent failure: the sender gives up and returns the message — Security or policy status — Security conversion required but not possible',
        tls: true,
        ref: 'RFC 3463 §3.10',
        words: 'STARTTLS is required to send mail.',
        classMismatch: true,
      },
    ]);
  });

  it('a reply without an enhanced code: no code, finality, meaning or reference; a detail the registry lacks: class and subject only', async () => {
    const r = await text('421 mx.partner.example Service not available\n450 4.7.320 Certificate validation failed');
    expect(item(r, 0).statuses).toEqual([{ reply: 421, code: null, final: null, meaning: null, tls: false, ref: null, words: 'mx.partner.example Service not available', classMismatch: false }]);
    expect(item(r, 0).root).toBe(0);
    expect(item(r, 1).statuses[0]?.meaning).toBe('Persistent transient failure: the sender keeps the message and tries again — Security or policy status');
    expect(item(r, 1).statuses[0]?.code).toBe('4.7.320');
  });

  it('a line with no code has no root; a line with one code has it as root', async () => {
    const r = await text(`${NOT_OFFERED}\n${UNKNOWN}`);
    expect(item(r, 0).statuses).toEqual([]);
    expect(item(r, 0).root).toBeNull();
    expect(item(r, 1).root).toBe(0);
  });

  it('each rule copied whole from the catalogue, a quoted library reason marked as such, its captures and the filled command', async () => {
    const r = await text(CERT);
    const rules = item(r).rules;
    expect(rules.map((x) => x.id)).toEqual(['postfix.certificate-verification-failed', 'openssl.local-issuer']);
    for (const x of rules) {
      const source = ERROR_RULES.find((k) => k.id === x.id);
      if (!source) throw new Error(x.id);
      expect(x.platform).toBe(source.platform);
      expect(x.meaning).toBe(source.meaning);
      expect(x.fault).toBe(source.fault);
      expect(x.causes).toEqual(source.causes.map((c) => ({ cause: c.cause, findings: [...c.findings] })));
      expect(x.fixes).toEqual(source.fixes);
      expect(x.refs).toEqual([...source.refs]);
    }
    expect(rules.map((x) => x.reason)).toEqual([false, true]);
    expect((rules[0] as ExplainRule).causes[0]?.findings).toEqual(['cert.self-signed', 'cert.untrusted-root']);
    expect(Object.keys((rules[0] as ExplainRule).fixes)).toEqual(['any', 'postfix']);
    expect((rules[0] as ExplainRule).refs.length).toBeGreaterThan(0);
    expect((rules[0] as ExplainRule).captures).toMatchObject({ host: 'mx.other.example' });
    expect((rules[0] as ExplainRule).confirm).toBe('mxray cert mx.other.example');
    expect(item(await text(NOT_OFFERED)).rules[0]?.captures).toEqual({ host: 'mx.partner.example', ip: '192.0.2.25' });
  });

  it('a hostile line quoting every known text: at most 32 codes and 64 rules, in the catalogue’s order', async () => {
    const line = ERROR_RULES.map((x) => x.samples[0] ?? '').join(' | ');
    const all = explainLine(line);
    expect(all.matches.length).toBeGreaterThan(64);
    const it0 = item(await text(line));
    expect(it0.rules.map((x) => x.id)).toEqual(all.matches.slice(0, 64).map((m) => m.rule.id));
    expect(it0.statuses).toHaveLength(32);
  });

  it('counts: recognised lines, lines with codes only', async () => {
    const r = await text([UNKNOWN, NOT_OFFERED, '421 busy', CERT, 'hello'].join('\n'));
    expect(r.body.recognised).toBe(2);
    expect(r.body.unrecognised).toBe(2);
    expect(r.body.omitted).toBe(0);
    expect(r.body.items.map((i) => i.line)).toEqual([1, 2, 3, 4]);
  });

  it('the last line keeps its words whatever ends the text', async () => {
    for (const end of ['', '\n', '\r\n']) {
      const r = await text(`hello\n${UNKNOWN}${end}`);
      expect(r.body.input.lines).toBe(2);
      expect(item(r).text).toBe(UNKNOWN);
    }
  });
});

describe('runExplain: bounces', () => {
  it('a DSN: each recipient’s action, status, server, last attempt, and the index of its explained diagnostic', async () => {
    const r = await files(['dsn.txt', fixture('dsn-pasted.txt')]);
    expect(r.body.bounces).toHaveLength(1);
    const b = r.body.bounces[0];
    expect(b).toMatchObject({ file: 'dsn.txt', format: 'rfc3464', reportingMta: 'gw.sender.example', subject: null });
    expect(b?.recipients).toEqual([
      { address: 'kim@partner.example', action: 'failed', status: '5.7.10', remoteMta: 'mx1.partner.example', lastAttempt: 'Wed, 4 Jun 2025 08:02:15 +0000', item: 0 },
      { address: 'lou@partner.example', action: 'failed', status: '5.1.1', remoteMta: '192.0.2.31', lastAttempt: null, item: 1 },
      { address: 'max@slow.example', action: 'delayed', status: '4.4.1', remoteMta: 'mx.slow.example', lastAttempt: 'Wed, 4 Jun 2025 08:05:40 +0000', item: 2 },
    ]);
    expect(r.body.items.map((i) => [i.recipient, i.file, i.line])).toEqual([
      ['kim@partner.example', 'dsn.txt', null],
      ['lou@partner.example', 'dsn.txt', null],
      ['max@slow.example', 'dsn.txt', null],
    ]);
    expect(r.body.unrecognised).toBe(3);
    expect(r.body.input.lines).toBe(28);
  });

  it('a message: its subject; recipients without a server or a status; items after other files’ items indexed right', async () => {
    const r = await files(['log.txt', `${UNKNOWN}\n${NOT_OFFERED}`], ['ndr.eml', fixture('exchange-html-only.eml')], ['qmail.eml', fixture('qmail-text.eml')]);
    expect(r.body.bounces.map((b) => [b.file, b.format, b.reportingMta, b.subject])).toEqual([
      ['ndr.eml', 'exchange', 'EX02.corp.sender.example', 'Undeliverable: Quarterly figures'],
      ['qmail.eml', 'text', null, 'failure notice'],
    ]);
    const rcpts = r.body.bounces.flatMap((b) => b.recipients);
    expect(rcpts.map((x) => [x.address, x.status, x.remoteMta, x.item])).toEqual([
      ['eva@partner.example', '5.7.3', 'mx.partner.example', 2],
      ['tom@partner.example', '5.7.1', null, 3],
      ['zoe@partner.example', '5.7.1', null, 4],
      ['yan@partner.example', '5.1.2', null, null],
    ]);
    for (const x of rcpts) if (x.item !== null) expect(item(r, x.item).recipient).toBe(x.address);
  });

  it('a recipient without action, status or server; a last attempt kept to 100 characters', async () => {
    const r = await text(
      [
        'Reporting-MTA: dns; gw.sender.example',
        '',
        'Final-Recipient: rfc822; ann@partner.example',
        'Diagnostic-Code: smtp; TLS is required, but was not offered by host mx.partner.example[192.0.2.25]',
        '',
        'Final-Recipient: rfc822; bob@partner.example',
        'Action: delayed',
        'Status: 4.4.1',
        `Last-Attempt-Date: ${'Wed, 4 Jun 2025 08:05:40 +0000 '.repeat(5)}`,
      ].join('\n'),
    );
    const [ann, bob] = r.body.bounces[0]?.recipients ?? [];
    expect(ann).toEqual({ address: 'ann@partner.example', action: null, status: null, remoteMta: null, lastAttempt: null, item: 0 });
    expect(item(r, 0).rules.map((x) => x.id)).toEqual(['postfix.tls-required-not-offered']);
    expect(bob?.lastAttempt).toBe('Wed, 4 Jun 2025 08:05:40 +0000 '.repeat(5).trim().slice(0, 100));
    // No diagnostic: the status is what is explained.
    expect(item(r, 1).text).toBe('Status: 4.4.1');
    expect(bob?.item).toBe(1);
  });

  it('the report’s own diagnostic: the one recipient’s (with its domain) when there is one, nobody’s when there are more', async () => {
    const ndr = exchangeNdr;
    const one = await text(ndr(['ann@partner.example']));
    expect(one.body.items.map((i) => [i.recipient, i.line, i.rules[0]?.confirm])).toEqual([['ann@partner.example', null, 'mxray check partner.example --dnsbl']]);
    expect(one.body.bounces[0]?.recipients.map((x) => x.item)).toEqual([null]);
    const two = await files(['ndr.txt', ndr(['ann@partner.example', 'bob@partner.example'])]);
    expect(two.body.items.map((i) => [i.recipient, i.file, i.rules[0]?.confirm])).toEqual([[null, 'ndr.txt', 'mxray check {domain} --dnsbl']]);
    expect(two.body.recognised).toBe(1);
  });

  it('a reason given once for all recipients is each recipient’s, not one more item', async () => {
    const exim = [
      'This message was created automatically by mail delivery software.',
      '',
      'A message that you sent could not be delivered to one or more of its',
      'recipients. This is a permanent error. The following address(es) failed:',
      '',
      '  noa@partner.example',
      '  eli@partner.example',
      '',
      'SMTP error from remote mail server after MAIL FROM:<ray@sender.example>:',
      STARTTLS,
    ].join('\n');
    const r = await text(exim);
    expect(r.body.items.map((i) => [i.recipient, i.text])).toEqual([
      ['noa@partner.example', STARTTLS],
      ['eli@partner.example', STARTTLS],
    ]);
    expect(r.body.recognised).toBe(2);
  });

  it('the answering server fills a receiver rule’s {host} only when it is a host name', async () => {
    const dsn = (remote: string) =>
      ['Reporting-MTA: dns; gw.sender.example', '', 'Final-Recipient: rfc822; bob@partner.example', 'Action: delayed', `Remote-MTA: dns; ${remote}`, 'Diagnostic-Code: smtp; 450 4.7.320 Certificate validation failed'].join('\n');
    const named = await text(dsn('mx.partner.example'));
    expect(named.body.bounces[0]?.recipients[0]?.remoteMta).toBe('mx.partner.example');
    expect(confirms(named)).toEqual(['mxray cert mx.partner.example --profile exchange-online']);
    // Not a host name: kept as the bounce says it, but the recipient's domain stands in for the host.
    const odd = await text(dsn('mx_1.partner.example'));
    expect(odd.body.bounces[0]?.recipients[0]?.remoteMta).toBe('mx_1.partner.example');
    expect(confirms(odd)).toEqual(['mxray cert partner.example --profile exchange-online']);
  });

  it('the recipient’s domain: after the last "@", stray closing brackets dropped; none for a local name', async () => {
    const r = await text(
      ['Reporting-MTA: dns; gw.sender.example', ...['postmaster', 'ann@partner.example>>', '@bare.example', 'x@y@other.example'].flatMap((to) => ['', `Final-Recipient: rfc822; ${to}`, 'Action: failed', `Diagnostic-Code: smtp; ${STARTTLS}`])].join('\n'),
    );
    expect(r.body.items.map((i) => i.recipient)).toEqual(['postmaster', 'ann@partner.example>>', '@bare.example', 'x@y@other.example']);
    expect(confirms(r)).toEqual(['mxray check {domain} --dnsbl', 'mxray check partner.example --dnsbl', 'mxray check bare.example --dnsbl', 'mxray check other.example --dnsbl']);
  });

  it('at most 64 bounces: the 65th text is read line by line', async () => {
    const parts = Array.from({ length: 65 }, (_, i) => [`b${String(i + 1).padStart(2, '0')}.txt`, PASTED] as [string, string]);
    const r = await files(...parts);
    expect(r.body.bounces).toHaveLength(64);
    expect(r.body.bounces.at(-1)?.file).toBe('b64.txt');
    expect(r.body.items.at(-1)).toMatchObject({ file: 'b65.txt', line: 1, recipient: null });
    expect(r.body.input.names).toHaveLength(64);
    expect(r.body.input.names.at(-1)).toBe('b64.txt');
  });
});

describe('runExplain: what is read whole as a bounce', () => {
  it('a message (header fields first, also after blank lines) even without any bounce words', async () => {
    const qmail = fixture('qmail-text.eml');
    for (const t of [qmail, `\n\n${qmail}`]) {
      const r = await text(t);
      expect(r.body.bounces.map((b) => b.recipients.map((x) => x.address))).toEqual([['zoe@partner.example', 'yan@partner.example']]);
    }
  });

  it('a bounce’s body pasted without its headers and without the words of a known dialect: line by line', async () => {
    const qmail = fixture('qmail-text.eml');
    const r = await text(qmail.slice(qmail.indexOf('Hi. This is the qmail-send program')));
    expect(r.body.bounces).toEqual([]);
    expect(r.body.items.map((i) => [i.line, i.recipient])).toEqual([[7, null]]);
  });

  it('a pasted bounce line under one log line is a bounce; under two it is a log, every line explained', async () => {
    const one = await text(`${NOT_OFFERED}\n${PASTED}`);
    expect(one.body.bounces.map((b) => b.recipients.map((x) => x.address))).toEqual([['ann@partner.example']]);
    expect(one.body.items.map((i) => [i.line, i.recipient])).toEqual([[null, 'ann@partner.example']]);
    const two = await text(`${NOT_OFFERED}\n${CERT}\n${PASTED}`);
    expect(two.body.bounces).toEqual([]);
    expect(two.body.items.map((i) => [i.line, i.recipient])).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
  });

  it('a pasted DSN of many lines, none a log line, is a bounce', async () => {
    const r = await text(fixture('postfix-pasted.txt'));
    expect(r.body.bounces.map((b) => b.format)).toEqual(['postfix']);
  });

  it('bounce words past the first 256 KiB do not make a text a bounce', async () => {
    const r = await text(`${'x\n'.repeat(150_000)}${PASTED}`);
    expect(r.body.bounces).toEqual([]);
    expect(r.body.items.map((i) => [i.line, i.recipient])).toEqual([[150_001, null]]);
    // Long lines: fewer than the lines a bounce parser reads, still past 256 KiB.
    const long = await text(`${`${'x'.repeat(999)}\n`.repeat(300)}${PASTED}`);
    expect(long.body.bounces).toEqual([]);
    expect(long.body.items.map((i) => [i.line, i.recipient])).toEqual([[301, null]]);
  });
});

describe('runExplain: the million-line bound', () => {
  it('a text whose first line is empty: the lines past the million are still counted', async () => {
    const r = await text(`\n${'x\n'.repeat(999_999)}${NOT_OFFERED}\n${CERT}`);
    expect(r.body.input.lines).toBe(1_000_000);
    expect(r.body.omitted).toBe(2);
  });
});
