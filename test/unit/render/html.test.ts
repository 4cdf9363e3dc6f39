// The HTML back end: a self-contained page carrying every field of the Document, with every string
// escaped and invisible format characters made visible by html.ts itself (not only by the Document).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ReceiverReport, Verdict } from '../../../src/core/schema.js';
import type { Document } from '../../../src/render/document.js';
import { neutralise } from '../../../src/core/transcript.js';
import { escapeHtml, htmlOf, proseHtml, renderHtml } from '../../../src/render/html.js';
import { documentFor } from '../../../src/render/index.js';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/report-sni-dependent.json', import.meta.url), 'utf8')) as ReceiverReport;
/** The fixture's duration as the meta line shows it (the fixture is regenerated with the lab). */
const took = `${(fixture.durationMs / 1000).toFixed(2)} s`;
const load = () => structuredClone(fixture);

/** What a server could send: markup, a table end, a bidi override, backticks, a pipe, a link, a heading. */
const HOSTILE = "<script>alert(1)</script></table>\u202eevil `x` | [x](javascript:alert(1)) # h 'q' \"d\" &amp;";

describe('escaping', () => {
  it('escapes the five markup characters', () => {
    expect(escapeHtml(`<a href="x">O'Neil & co</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;');
  });

  it('makes every bidi control and invisible format character a visible escape, as escapeText writes them', () => {
    const invisible = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c, 0x200b, 0x2028, 0x2060, 0xfeff, 0xfff9];
    for (const c of invisible) expect(escapeHtml(`a${String.fromCodePoint(c)}b`)).toBe(`a\\u{${c.toString(16)}}b`);
    expect(neutralise('a\x1b[31mb\x00\x7f\x9b\rc')).toBe('a\\x1b[31mb\\x00\\x7f\\x9b\\x0dc');
    // Newlines and tabs are layout (the transcript's lines); letters around them untouched.
    expect(neutralise('é\n\tü ‘x’ — …')).toBe('é\n\tü ‘x’ — …');
  });

  it('renders catalogue backticks as code, after escaping; an unpaired backtick stays as it is', () => {
    expect(proseHtml('run `postconf -n` & `<b>`')).toBe('run <code>postconf -n</code> &amp; <code>&lt;b&gt;</code>');
    expect(proseHtml('a `b` c `d')).toBe('a <code>b</code> c `d');
    expect(proseHtml('``')).toBe('``');
  });
});

describe('the page for the golden fixture', () => {
  const doc = documentFor(load(), { verbose: true });
  const html = htmlOf(doc);

  it('is self-contained: a strict CSP, no script, nothing loaded from anywhere', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\s(src|href|on\w+)=|url\(|@import/i);
    // The only style is inline, and the table fits its box (the browser test measures it).
    const style = /<style>([^<]*)<\/style>/.exec(html)![1]!;
    expect(style).toContain('table{width:100%;');
    expect(style).toContain('body{margin:0 auto;padding:1.5rem;max-width:72rem;');
    expect(style).toMatch(/body\{[^}]*overflow-wrap:anywhere\}/);
    expect(style).toMatch(/pre\{[^}]*white-space:pre-wrap;/);
  });

  it('puts the verdict and its reason first, then the table, problems worst first, notes, what is right, details, transcript', () => {
    expect(html).toContain(`<div class="verdict v-fail"><p class="reason"><span class="word">FAIL</span> ${escapeHtml(doc.reason)}</p><p>2 errors, 1 warning, 1 note</p></div>`);
    const at = (s: string) => {
      expect(html).toContain(s);
      return html.indexOf(s);
    };
    const order = [
      '<div class="verdict',
      '<table class="summary">',
      '<h2>Problems, worst first</h2>',
      'cert.name-mismatch</code>',
      'cert.self-signed</code>',
      'cert.sni-dependent</code>',
      '<h2>Notes</h2>',
      '<h2>What is right</h2>',
      '<h2>Details per address</h2>',
      '<h2>Transcript</h2>',
    ].map(at);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(html).toContain('<title>FAIL — sni-dependent.mxray.test — mxray receiver test</title>');
  });

  it('has the summary table with the verdict cell coloured by class', () => {
    expect(html).toContain(
      '<tr><td>mx.sni-dependent.mxray.test</td><td>10</td><td>127.0.0.1:2525</td><td>yes</td><td>1.3 AES256-GCM</td><td>ok</td><td>ok</td><td class="verdict-cell v-fail">fail</td></tr>',
    );
  });

  it('carries every field of every finding, with catalogue backticks as code and none left over', () => {
    for (const f of doc.findings) {
      if (f.severity === 'ok') {
        expect(html).toContain(`<li class="sev-ok"><span class="sev">OK</span> ${proseHtml(f.title)} <code class="id">${f.id}</code></li>`);
        continue;
      }
      expect(html).toContain(`<p class="id"><code>${f.id}</code></p>\n</article>`);
      expect(html).toContain(`<article class="finding sev-${f.severity}">\n<h3><span class="sev">${f.label}</span> ${proseHtml(f.title)}</h3>`);
      expect(html).toContain(`<p class="hosts">On ${f.hosts.map(escapeHtml).join(', ')}</p>`);
      expect(html).toContain(`<p>${proseHtml(f.detail)}</p>`);
      expect(html).toContain(`<p><span class="k">Who acts:</span> ${escapeHtml(f.who)}</p>`);
      expect(html).toContain(`<p class="fix"><span class="k">Fix:</span> ${proseHtml(f.fix.summary)}</p>`);
      if (f.senders) expect(html).toContain(`<dt>Opportunistic senders</dt><dd>${proseHtml(f.senders.opportunistic)}</dd><dt>Verifying / forced-TLS senders</dt><dd>${proseHtml(f.senders.verifying)}</dd>`);
      for (const s of f.fix.steps) expect(html).toContain(`<li>${proseHtml(s)}</li>`);
      for (const m of f.fix.perMta) expect(html).toContain(`<div class="mta"><p class="k">${m.mta}:</p><ul>${m.steps.map((s) => `<li>${proseHtml(s)}</li>`).join('')}</ul></div>`);
      expect(html).toContain(`<p class="refs">Refs: ${f.refs.map(escapeHtml).join('; ')}</p>`);
    }
    expect(html).toContain('then <code>postfix reload</code>.');
    expect(html).toContain('<code>New-ExchangeCertificate -GenerateRequest -DomainName &lt;names&gt;</code>');
    expect(html).not.toContain('`');
  });

  it('puts each address in a collapsible section, as nested lists, thumbprints included', () => {
    expect(html).toContain('<details class="host"><summary>mx.sni-dependent.mxray.test[127.0.0.1]:2525</summary>\n<ul>\n<li>Connected in 1 ms</li>');
    expect(html).toContain(
      '\n<li>Extensions (before TLS):<ul>\n<li><span class="lead">PIPELINING</span> <span class="dim">The client may send several commands without waiting for each reply (RFC 2920)</span></li>',
    );
    // A certificate's issuer, names and thumbprints are nested under its subject.
    expect(html).toContain(
      '<li>0. CN=mx.sni-dependent.mxray.test, O=mxray test server<ul>\n<li>issuer CN=mxray demo intermediate CA, O=mxray test PKI</li>\n<li>names mx.sni-dependent.mxray.test</li>',
    );
    const leaf = fixture.body.hosts[0]!.assessment.certificate!.sent[0]!;
    expect(html).toContain(
      `<li><span class="dim">SHA-256 ${leaf.sha256}</span></li>\n<li><span class="dim">DANE 3 1 1 ${leaf.spkiSha256}</span></li></ul></li>\n<li>1. CN=mxray demo intermediate CA`,
    );
    expect(html).toContain('<li>Anchored at: CN=mxray demo root CA, O=mxray test PKI (in our trust store)</li>');
    expect(html).toMatch(/<li>Without TLS: [^\n]*<\/li><\/ul>\n<\/details>/);
  });

  it('nests a jump of several levels only one level deeper, and closes every list it opens', () => {
    const d = documentFor(load(), {});
    d.details!.sections = [{ heading: 'h', lines: [{ depth: 1, parts: ['a'] }, { depth: 4, parts: ['b'] }, { depth: 2, parts: ['c'] }, { depth: 1, parts: ['d'] }, { depth: 3, parts: ['e'] }] }];
    expect(htmlOf(d)).toContain('<summary>h</summary>\n<ul>\n<li>a<ul>\n<li>b</li>\n<li>c</li></ul></li>\n<li>d<ul>\n<li>e</li></ul></li></ul>\n</details>');
  });

  it('has the transcript, collapsed, in a pre, only when verbose', () => {
    expect(html).toContain(`<details class="transcript"><summary>Every event, with its time</summary><pre>${escapeHtml(doc.transcript!)}</pre></details>`);
    expect(doc.transcript!.split('\n').length).toBeGreaterThan(10);
    expect(renderHtml(load())).not.toContain('<h2>Transcript</h2>');
  });

  it('opens the explanation of each finding with explain, and keeps it collapsed without', () => {
    expect(html.match(/<details class="more" open>/g)).toHaveLength(4);
    const brief = renderHtml(load());
    expect(brief.match(/<details class="more">/g)).toHaveLength(4);
    expect(brief).not.toContain('<details class="more" open>');
  });

  it('names the recognised software on its steps, which the Document puts first', () => {
    const d = documentFor(load(), { explain: true });
    const f = d.findings[0]!;
    f.software = 'Postfix';
    const page = htmlOf(d);
    expect(page).toContain('<div class="mta own"><p class="k">Postfix <span class="dim">(recognised on these hosts)</span>:</p>');
    expect(page.match(/recognised on these hosts/g)).toHaveLength(1);
  });
});

describe('hostile text', () => {
  it('a banner with markup, a bidi override, backticks and a link is shown as text (through the report)', () => {
    const report = load();
    report.body.hosts[0]!.banner!.lines[0] = HOSTILE;
    const html = renderHtml(report, { verbose: true });
    expect(html).toContain(
      '<li>Banner: 220 &lt;script&gt;alert(1)&lt;/script&gt;&lt;/table&gt;\\u{202e}evil `x` | [x](javascript:alert(1)) # h &#39;q&#39; &quot;d&quot; &amp;amp;</li>',
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('\u202e');
  });

  it('every string of a Document is escaped by the back end itself, even when the Document did not', () => {
    const doc: Document = documentFor(load(), { verbose: true });
    const raw = '<i>\u202e\u2066`x`"\'&';
    doc.title = raw;
    doc.shortSubject = raw;
    doc.subject = raw;
    doc.reason = raw;
    doc.verdictNote = raw;
    doc.meta = [raw];
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
    doc.details!.heading = raw;
    doc.details!.sections[0]!.heading = raw;
    doc.details!.sections[0]!.lines = [{ depth: 1, parts: [raw, { dim: raw }] }];
    doc.transcript = raw;
    const html = htmlOf(doc);
    const text = '&lt;i&gt;\\u{202e}\\u{2066}`x`&quot;&#39;&amp;';
    const prose = '&lt;i&gt;\\u{202e}\\u{2066}<code>x</code>&quot;&#39;&amp;';
    expect(html).not.toMatch(/<i>|\u202e|\u2066/);
    expect(html).toContain(`<title>FAIL — ${text} — ${text}</title>`);
    expect(html).toContain(`<h1>${text}: ${text}</h1>`);
    expect(html).toContain(`<p class="meta">${text} · 2026-11-23 10:00 UTC · ${took} · ${text}</p>`);
    expect(html).toContain(`<span class="word">FAIL</span> ${text}</p><p>${text}</p>`);
    expect(html).toContain(`<p class="context">${text} <span class="dim">${text}</span> <strong>${text}</strong></p>`);
    expect(html).toContain(`<th scope="col">${text}</th>`);
    expect(html).toContain(`<tr><td>${text}</td>`);
    expect(html).toContain(`<h3><span class="sev">${text}</span> ${prose}</h3>\n<p class="hosts">On ${text}</p>\n<p>${prose}</p>`);
    expect(html).toContain(`<ul class="per-host"><li><span class="host">${text}</span>: ${prose}</li></ul>`);
    expect(html).toContain(`<dd>${prose}</dd><dt>Verifying / forced-TLS senders</dt><dd>${prose}</dd>`);
    expect(html).toContain(`<p><span class="k">Who acts:</span> ${text}</p>\n<p class="fix"><span class="k">Fix:</span> ${prose}</p>`);
    expect(html).toContain(`<ol class="steps"><li>${prose}</li></ol>\n<div class="mta"><p class="k">${text}:</p><ul><li>${prose}</li></ul></div>`);
    expect(html).toContain(`<p class="refs">Refs: ${text}</p>\n</details>\n<p class="id"><code>${text}</code></p>`);
    expect(html).toContain(`<h2>${text}</h2>\n<details class="host"><summary>${text}</summary>\n<ul>\n<li><span class="lead">${text}</span> <span class="dim">${text}</span></li></ul>\n</details>`);
    expect(html).toContain(`<pre>${text}</pre>`);
  });

  it('a verdict or severity outside the closed lists cannot write an attribute', () => {
    const doc = documentFor(load(), {});
    const evil = 'x" onmouseover="alert(1)';
    doc.verdict = evil as Verdict;
    doc.summary!.rows[0]![7]!.verdict = evil as Verdict;
    doc.summary!.rows[0]![7]!.text = '<b>fail</b>';
    doc.findings[0]!.severity = evil as 'error';
    const html = htmlOf(doc);
    expect(html).toContain('<div class="verdict v-unknown"><p class="reason"><span class="word">X&quot; ONMOUSEOVER=&quot;ALERT(1)</span>');
    expect(html).toContain('<td class="verdict-cell v-unknown">&lt;b&gt;fail&lt;/b&gt;</td>');
    expect(html).toContain('<article class="finding sev-unknown">');
    expect(html).not.toContain('onmouseover="');
  });
});
