// The enforce report as a Document and through every back end: the verdict and its reason first,
// one row per address (verdict, stage, both replies), the sessions in the details, and every server
// string escaped (terminal controls, HTML markup, Markdown table breaks).
import { describe, expect, it } from 'vitest';
import { judgeEnforce, type EnforceFacts } from '../../../src/checks/enforcement.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type { EnforceReport, EnforceSession, ReplyFacts } from '../../../src/core/schema.js';
import { SCHEMA_VERSION } from '../../../src/core/version.js';
import { renderHtml } from '../../../src/render/html.js';
import { documentFor } from '../../../src/render/index.js';
import { renderMarkdown } from '../../../src/render/markdown.js';
import { plainStyle } from '../../../src/render/style.js';
import { renderText } from '../../../src/render/text.js';

const HOSTILE = '5.7.0 <script>alert(1)</script> | `x` \u001b[31mred\u202e STARTTLS first';
const reply = (code: number, text: string): ReplyFacts => ({ code, enhanced: null, lines: [text] });

function session(mode: 'cleartext' | 'tls', refuseMail: boolean): EnforceSession {
  return {
    mode,
    status: 'ok',
    statusDetail: null,
    starttls: mode === 'tls' ? reply(220, 'go ahead') : null,
    tlsProtocol: mode === 'tls' ? 'TLSv1.3' : null,
    steps: [
      { stage: 'banner', command: '(greeting)', reply: reply(220, 'mx.example.test ESMTP') },
      { stage: 'ehlo', command: mode === 'tls' ? 'EHLO client.mxray.test (in TLS)' : 'EHLO client.mxray.test', reply: reply(250, 'mx.example.test') },
      refuseMail ? { stage: 'mail', command: 'MAIL FROM:<a@b.test>', reply: reply(530, HOSTILE) } : { stage: 'mail', command: 'MAIL FROM:<a@b.test>', reply: reply(250, '2.1.0 Ok') },
      ...(refuseMail ? [] : [{ stage: 'rcpt' as const, command: 'RCPT TO:<postmaster@example.test>', reply: reply(250, '2.1.5 Ok') }]),
    ],
    droppedAfterData: false,
    evidence: [],
  };
}

function report(): EnforceReport {
  const facts: EnforceFacts = {
    target: { input: 'example.test', kind: 'domain', domain: 'example.test', host: null, port: 25, implicitTls: false },
    envelope: { helo: 'client.mxray.test', from: 'a@b.test', rcpt: 'postmaster@example.test', throughData: false },
    timeouts: { connectMs: 10000, greetingMs: 30000, commandMs: 30000 },
    dns: { status: 'ok', resolver: 'test', error: null, mx: [] },
    dnsEvidence: [],
    addresses: [
      { key: 'mx1.example.test[192.0.2.1]:25', mx: 'mx1.example.test', preference: 10, address: '192.0.2.1', family: 4, port: 25, starttlsOffered: true, cleartext: session('cleartext', true), control: session('tls', false), auth: null },
      { key: 'mx2.example.test[192.0.2.2]:25', mx: 'mx2.example.test', preference: 20, address: '192.0.2.2', family: 4, port: 25, starttlsOffered: true, cleartext: session('cleartext', false), control: session('tls', false), auth: { mechanisms: ['PLAIN'], login: reply(334, 'VXNlcm5hbWU6'), cancel: reply(501, 'aborted'), evidence: [] } },
    ],
  };
  const j = judgeEnforce(facts, { profile: DEFAULT_PROFILE });
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: '0.0.0' },
    kind: 'enforce',
    target: 'example.test',
    startedAt: '2026-11-29T05:00:00.000Z',
    durationMs: 120,
    verdict: j.verdict,
    judgedWith: { at: '2026-11-29T05:00:00.000Z', profile: { name: DEFAULT_PROFILE.name, version: DEFAULT_PROFILE.version }, trustStore: { description: 'none', bundledRootsOfNode: null, extraCaFiles: [] }, options: { warnDays: 30, expectThumbprint: null }, rejudged: false },
    findings: j.findings,
    transcript: [],
    body: j.body,
  };
}

describe('the enforce Document', () => {
  it('says the verdict and why, worst address first, with a row per address', () => {
    const doc = documentFor(report(), { brief: true });
    expect(doc.title).toBe('mxray enforce test');
    expect(doc.subject).toBe('mail domain example.test');
    expect(doc.verdict).toBe('fail');
    expect(doc.reason).toBe('1 of 2 addresses accepts mail without TLS (not refused up to RCPT TO): mx2.example.test[192.0.2.2]:25');
    expect(doc.summary?.header).toEqual(['Address', 'Verdict', 'Stage', 'Reply without TLS', 'With TLS']);
    expect(doc.summary?.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['mx1.example.test[192.0.2.1]:25', 'enforces TLS', 'MAIL FROM', '530 5.7.0 <script>alert(1)</script> | `x` \\x1b[31mred\\u{202e} STARTTLS first', '250 2.1.0 Ok'],
      ['mx2.example.test[192.0.2.2]:25', 'DOES NOT enforce', 'RCPT TO', '250 2.1.5 Ok', '250 2.1.5 Ok'],
    ]);
    expect(doc.summary?.rows.map((r) => r[1]!.verdict)).toEqual(['pass', 'fail']);
    expect(doc.findings.map((f) => f.id)).toEqual(['policy.cleartext-not-refused', 'policy.cleartext-auth-challenged', 'smtp.auth-before-tls', 'policy.tls-enforced']);
    expect(doc.details).toBeNull();
  });

  it('text: no raw escape or bidi character reaches the terminal', () => {
    const text = renderText(report(), { style: plainStyle, verbose: true, brief: false, explain: false, width: 200 });
    expect(text.split('\n')[1]).toBe('FAIL — 1 of 2 addresses accepts mail without TLS (not refused up to RCPT TO): mx2.example.test[192.0.2.2]:25');
    expect(text).not.toMatch(/[\u001b\u202e]/);
    expect(text).toContain('\\x1b[31mred');
    expect(text).toContain('MAIL FROM:<a@b.test> → 530 5.7.0');
    expect(text).toContain('With STARTTLS (control)');
  });

  it('HTML: server text is escaped, no markup of its own', () => {
    const html = renderHtml(report(), { verbose: true, explain: true });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/[\u001b\u202e]/);
  });

  it('Markdown: a pipe in a reply does not break the table', () => {
    const md = renderMarkdown(report(), { verbose: false, explain: true });
    const row = md.split('\n').find((l) => l.startsWith('| mx1.example.test'))!;
    expect(row).toContain('\\|');
    expect(row.split(/(?<!\\)\|/).length).toBe(7);
    expect(md).not.toContain('<script>');
  });
});
