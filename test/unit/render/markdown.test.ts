// The Markdown back end: everything the text report has, escaped only where Markdown (CommonMark
// and GitHub's) would read markup in that position, so that a server's text can open no HTML,
// link, image or code span and break no table row, while ordinary text reads as it is.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ReceiverReport } from '../../../src/core/schema.js';
import type { Document } from '../../../src/render/document.js';
import { documentFor } from '../../../src/render/index.js';
import { codeSpan, markdownOf, md, prose, renderMarkdown } from '../../../src/render/markdown.js';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/report-sni-dependent.json', import.meta.url), 'utf8')) as ReceiverReport;
/** The fixture's duration as the meta line shows it (the fixture is regenerated with the lab). */
const took = `${(fixture.durationMs / 1000).toFixed(2)} s`;
const load = () => structuredClone(fixture);

/** What a server could send: markup, a table end, a bidi override, backticks, a pipe, a link, a heading. */
const HOSTILE = '# h <script>alert(1)</script></table> \u202eevil `x` | [x](javascript:alert(1)) ![i](http://e/i.png) &#x202e; *em* ~~s~~';
/** HOSTILE as Markdown text, in ordinary text: each character that would be markup escaped, and no other. */
const HOSTILE_MD = '# h \\<script\\>alert(1)\\</script\\>\\</table\\> \\\\u{202e}evil \\`x\\` | \\[x\\](javascript:alert(1)) !\\[i\\](http:\\/\\/e/i.png) \\&#x202e; \\*em\\* \\~\\~s\\~\\~';

describe('escaping', () => {
  it('leaves ordinary text alone: dots, dashes, parentheses, colons, underscores inside words', () => {
    for (const s of ['good.lab.test', 'mx-1.example.com (10)', 'RFC 6125 §6.4; RFC 7817', 'smtpd_tls_chain_files', "Let’s say 'x' = 5!", 'a + b - c # 1.', 'AT&T', '127.0.0.1:2525', '{host}']) {
      expect(md(s)).toBe(s);
    }
  });

  it('escapes what would be markup anywhere: backslash, backticks, emphasis, brackets, angle brackets, tildes, entities, bare links', () => {
    expect(md('a\\b `c` *d* _e_ [f](g) <h> ~i~ &amp; &#65; &#x41; &a; http://j www.k.test')).toBe(
      'a\\\\b \\`c\\` \\*d\\* \\_e\\_ \\[f\\](g) \\<h\\> \\~i\\~ \\&amp; \\&#65; \\&#x41; \\&a; http:\\/\\/j www\\.k.test',
    );
    expect(md('_x a_b x_')).toBe('\\_x a_b x\\_');
    expect(md(HOSTILE)).toBe(HOSTILE_MD);
  });

  it('escapes a pipe only in a table cell', () => {
    expect(md('a|b')).toBe('a|b');
    expect(md('a|b', { cell: true })).toBe('a\\|b');
  });

  it('escapes a block marker only at the start of a block, and only when it would start one', () => {
    const block = (s: string) => md(s, { block: true });
    expect(block('# h')).toBe('\\# h');
    expect(block('###### h')).toBe('\\###### h');
    expect(block('####### h')).toBe('####### h');
    expect(block('#h')).toBe('#h');
    expect(block('- x')).toBe('\\- x');
    expect(block('+ x')).toBe('\\+ x');
    expect(block('-x')).toBe('-x');
    expect(block('---')).toBe('\\---');
    expect(block('1. x')).toBe('1\\. x');
    expect(block('0) x')).toBe('0\\) x');
    expect(block('1.5 s')).toBe('1.5 s');
    expect(block('    # indented')).toBe('\\# indented');
    expect(md('# h - x 1. y')).toBe('# h - x 1. y');
  });

  it('makes control and invisible characters visible, a newline too (it would end the line)', () => {
    expect(md('a\u202eb\u2066c\u200fd\u061ce\x1bf\ng\th')).toBe('a\\\\u{202e}b\\\\u{2066}c\\\\u{200f}d\\\\u{61c}e\\\\x1bf\\\\ng\\\\th');
  });

  it('builds code spans that hold any text', () => {
    expect(codeSpan('postfix reload')).toBe('`postfix reload`');
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`a')).toBe('`` `a ``');
    expect(codeSpan('a``b`')).toBe('``` a``b` ```');
    expect(codeSpan('x\u202e')).toBe('`x\\u{202e}`');
  });

  it('renders catalogue backticks as code spans and escapes the rest, an unpaired backtick included', () => {
    expect(prose('run `postconf -n` then *reload*')).toBe('run `postconf -n` then \\*reload\\*');
    expect(prose('`<names>` and [x]')).toBe('`<names>` and \\[x\\]');
    expect(prose('a `b` c `d')).toBe('a `b` c \\`d');
    expect(prose('a `` b')).toBe('a \\`\\` b');
    expect(prose('- `x`', { block: true })).toBe('\\- `x`');
    expect(prose('`# x` - y', { block: true })).toBe('`# x` - y');
  });
});

describe('the golden fixture', () => {
  const doc = documentFor(load(), { verbose: true });
  const out = markdownOf(doc);

  it('reads cleanly: no escaped dots, dashes or parentheses', () => {
    // The one escaped dot: "0. CN=…" at the start of a list item would start a numbered list.
    expect(out.replace(/^( *- \d)\\\./gm, '$1.')).not.toMatch(/\\[.\-()!:]/);
    expect(out).toContain('\n    - 0\\. CN=mx.sni-dependent.mxray.test');
    expect(out).toContain('# mxray receiver test: sni-dependent.mxray.test\n');
    expect(out).toContain(`**FAIL** — ${doc.reason}\n`);
    expect(out).toContain(`\n2 errors, 1 warning, 1 note · mail domain sni-dependent.mxray.test · 2026-11-23 10:00 UTC · ${took} · profile mxray-2026.11\n`);
    expect(out).toContain('\nMX: 10 mx.sni-dependent.mxray.test *(resolver: 127.0.0.53:53)*\n');
  });

  it('has the summary table', () => {
    expect(out).toContain(
      '\n| MX host | Pref | Address | STARTTLS | TLS | Cert | Name | Verdict |\n|---|---|---|---|---|---|---|---|\n| mx.sni-dependent.mxray.test | 10 | 127.0.0.1:2525 | yes | 1.3 AES256-GCM | ok | ok | fail |\n',
    );
  });

  it('carries every field of every finding, worst first, catalogue backticks as code', () => {
    const at = (s: string) => {
      expect(out).toContain(s);
      return out.indexOf(s);
    };
    const order = ['## Problems, worst first', '`cert.name-mismatch`', '`cert.self-signed`', '`cert.sni-dependent`', '## Notes', '## What is right', '## Details per address', '## Transcript'].map(at);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    for (const f of doc.findings) {
      if (f.severity === 'ok') {
        expect(out).toContain(`\n- ${prose(f.title)} (\`${f.id}\`)\n`);
        continue;
      }
      const lines = [
        `### ${f.label}: ${prose(f.title)}`,
        '',
        `On ${f.hosts.map((h) => md(h)).join(', ')}`,
        '',
        prose(f.detail),
        '',
        ...(f.senders ? [`- **Opportunistic senders:** ${prose(f.senders.opportunistic)}`, `- **Verifying / forced-TLS senders:** ${prose(f.senders.verifying)}`] : []),
        `- **Who acts:** ${f.who}`,
        `- **Fix:** ${prose(f.fix.summary)}`,
        ...f.fix.steps.map((s) => `  - ${prose(s)}`),
        ...f.fix.perMta.flatMap((m) => [`  - **${m.mta}:**`, ...m.steps.map((s) => `    - ${prose(s)}`)]),
        `- **Refs:** ${f.refs.join('; ')}`,
        `- **Id:** \`${f.id}\``,
      ];
      expect(out).toContain(`\n${lines.join('\n')}\n`);
    }
    expect(out).toContain('then `postfix reload`.');
    expect(out).toContain('(`New-ExchangeCertificate -GenerateRequest -DomainName <names>`)');
    expect(out).toContain("(Debian: Debian-exim) can read both");
  });

  it('has the details per address as a nested list, thumbprints under their certificate', () => {
    expect(out).toContain('\n### mx.sni-dependent.mxray.test\\[127.0.0.1\\]:2525\n\n- Connected in 1 ms\n- Reverse DNS: localhost (differs from the announced name)\n');
    expect(out).toContain('\n- Extensions (before TLS):\n  - PIPELINING *The client may send several commands without waiting for each reply (RFC 2920)*\n');
    expect(out).toContain(
      '\n  - As sent by the server:\n    - 0\\. CN=mx.sni-dependent.mxray.test, O=mxray test server\n      - issuer CN=mxray demo intermediate CA, O=mxray test PKI\n      - names mx.sni-dependent.mxray.test\n',
    );
    const leaf = fixture.body.hosts[0]!.assessment.certificate!.sent[0]!;
    expect(out).toContain(`\n      - *SHA-256 ${leaf.sha256}*\n      - *DANE 3 1 1 ${leaf.spkiSha256}*\n    - 1\\. CN=mxray demo intermediate CA, O=mxray test PKI\n`);
    expect(out).toContain('\n- Without TLS: accepted (TLS is not required) — MAIL FROM:\\<\\> → 250 2.1.0 Accepted; RCPT TO:\\<postmaster@sni-dependent.mxray.test\\> → 250 2.1.5 Accepted\n');
  });

  it('nests a jump of several levels only one level deeper (four more spaces would make it code)', () => {
    const d = documentFor(load(), {});
    d.details!.sections = [{ heading: 'h', lines: [{ depth: 1, parts: ['a'] }, { depth: 4, parts: ['b'] }, { depth: 2, parts: ['c'] }, { depth: 1, parts: ['d'] }] }];
    expect(markdownOf(d)).toContain('\n### h\n\n- a\n  - b\n  - c\n- d\n');
  });

  it('has the transcript in a fence, verbatim', () => {
    expect(out).toContain(`\n## Transcript\n\n\`\`\`\n${doc.transcript}\n\`\`\`\n`);
    expect(renderMarkdown(load())).not.toContain('## Transcript');
  });

  it('names the recognised software on its steps', () => {
    const d = documentFor(load(), {});
    d.findings[0]!.software = 'Postfix';
    const text = markdownOf(d);
    expect(text).toContain('\n  - **Postfix:** (recognised on these hosts)\n');
    expect(text.match(/recognised on these hosts/g)).toHaveLength(1);
  });
});

describe('hostile text', () => {
  it('a banner with markup, a bidi override, backticks, a link and a heading stays text (through the report)', () => {
    const report = load();
    report.body.hosts[0]!.banner!.lines[0] = HOSTILE;
    report.body.hosts[0]!.mx = '# a|b</td>`';
    const out = renderMarkdown(report, { verbose: true });
    expect(out).toContain(`\n- Banner: 220 ${HOSTILE_MD}\n`);
    // The table keeps its eight cells: the pipe is escaped, the rest is text.
    expect(out).toContain('\n| # a\\|b\\</td\\>\\` | 10 | 127.0.0.1:2525 | yes | 1.3 AES256-GCM | ok | ok | fail |\n');
    expect(out).not.toContain('\u202e');
  });

  it('every string of a Document is escaped by the back end itself, even when the Document did not', () => {
    const doc: Document = documentFor(load(), { verbose: true });
    const raw = '- <i>\u202e`x`|[a](b) #';
    doc.title = raw;
    doc.shortSubject = raw;
    doc.reason = raw;
    doc.verdictNote = raw;
    // Spaces around the parts (a terminal's alignment) become one, outside the markup.
    doc.context = [{ depth: 0, parts: [`  ${raw}`, { dim: `  ${raw}  ` }, { bold: raw }] }];
    doc.summary!.header[0] = raw;
    doc.summary!.rows[0]![0]!.text = raw;
    const f = doc.findings[0]!;
    f.label = raw;
    f.title = raw;
    f.hosts = [raw];
    f.detail = raw;
    f.perHost = [{ host: raw, detail: raw }];
    f.senders = { opportunistic: raw, verifying: raw };
    f.who = raw;
    f.fix = { summary: raw, steps: [raw], perMta: [{ mta: raw, steps: [raw] }] };
    f.refs = [raw];
    f.id = raw;
    doc.details!.sections[0]!.heading = raw;
    doc.details!.sections[0]!.lines = [{ depth: 1, parts: [`${raw}    `, { dim: raw }] }];
    doc.transcript = '```\n' + raw;
    const out = markdownOf(doc);
    const text = '- \\<i\\>\\\\u{202e}\\`x\\`|\\[a\\](b) #';
    const block = `\\${text}`;
    const prosed = '- \\<i\\>\\\\u{202e}`x`|\\[a\\](b) #';
    expect(out).not.toContain('\u202e');
    // A raw "<i>" only inside the code span of the id and the transcript's fence, where it is text.
    expect(out.split('\n').filter((l) => l.includes('<i>'))).toEqual(['- **Id:** ``- <i>\\u{202e}`x`|[a](b) #``', '- <i>\\u{202e}`x`|[a](b) #']);
    expect(out.split('\n')[0]).toBe(`# ${text}: ${text.slice(0, -1)}\\#`);
    expect(out).toContain(`\n**FAIL** — ${text}\n`);
    expect(out).toContain(`\n${block} · mail domain sni-dependent.mxray.test · `);
    expect(out).toContain(`\n${block} *${text}* **${text}**\n`);
    expect(out).toContain(`\n| ${text.replace('|', '\\|')} | Pref |`);
    expect(out).toContain(`\n| ${text.replace('|', '\\|')} | 10 |`);
    expect(out).toContain(`\n### ${text}: ${prosed.slice(0, -1)}\\#\n\nOn ${text}\n\n\\${prosed}\n\n- **Per host:**\n  - ${block}: ${prosed}\n`);
    expect(out).toContain(`\n- **Opportunistic senders:** ${prosed}\n- **Verifying / forced-TLS senders:** ${prosed}\n- **Who acts:** ${text}\n- **Fix:** ${prosed}\n  - \\${prosed}\n  - **${text}:**\n    - \\${prosed}\n- **Refs:** ${text}\n`);
    expect(out).toContain(`\n### ${text.slice(0, -1)}\\#\n\n- ${block} *${text}*\n`);
    // The fence is longer than any run of backticks inside it.
    expect(out).toContain('\n````\n```\n- <i>\\u{202e}`x`|[a](b) #\n````\n');
  });
});
