// The blocklist report as a Document and through every back end: verdict and reason first, the
// listings and refusals before the clean rows, one row per clean address, and every string from DNS
// (a list's TXT reason, a zone name) escaped: terminal controls, HTML markup, Markdown table breaks.
import { describe, expect, it } from 'vitest';
import type { BlocklistReport, DnsblSection } from '../../../src/core/schema.js';
import { SCHEMA_VERSION } from '../../../src/core/version.js';
import { judgeBlocklist } from '../../../src/jobs/blocklist/check-blocklist.js';
import { renderHtml } from '../../../src/render/html.js';
import { documentFor } from '../../../src/render/index.js';
import { renderMarkdown } from '../../../src/render/markdown.js';
import { renderText } from '../../../src/render/text.js';

const HOSTILE = 'Listed <script>alert(1)</script> | `x` \u001b[31mred\u202e see http://bl.example/';

function report(section: DnsblSection, input = '192.0.2.1'): BlocklistReport {
  const body = { input, inputKind: 'ip' as const, dnsbl: section };
  const judged = judgeBlocklist(body);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: '0.0.0' },
    kind: 'blocklist',
    target: input,
    startedAt: '2026-11-29T12:00:00.000Z',
    durationMs: 12,
    verdict: judged.verdict,
    judgedWith: { at: '2026-11-29T12:00:00.000Z', profile: { name: 'p', version: 1 }, trustStore: { description: 'none', bundledRootsOfNode: null, extraCaFiles: [] }, options: { warnDays: 30, expectThumbprint: null }, rejudged: false },
    findings: judged.findings,
    transcript: [],
    body,
  };
}

const mixed: DnsblSection = {
  resolver: '127.0.0.1:5353',
  zones: ['zen.spamhaus.org', 'bl.example.net', 'psbl.surriel.com'],
  addresses: [
    {
      address: '192.0.2.1',
      source: 'argument',
      mx: null,
      lookups: [
        { zone: 'psbl.surriel.com', query: 'q', status: 'not-listed', codes: [], txt: [], error: null },
        { zone: 'zen.spamhaus.org', query: 'q', status: 'refused', codes: ['127.255.255.254'], txt: [], error: 'answered 127.255.255.254: query refused' },
        { zone: 'bl.example.net', query: 'q', status: 'listed', codes: ['127.0.0.2'], txt: [HOSTILE], error: null },
      ],
    },
    { address: '192.0.2.2', source: 'argument', mx: null, lookups: [{ zone: 'bl.example.net', query: 'q', status: 'not-listed', codes: [], txt: [], error: null }] },
  ],
};

describe('blocklistDocument', () => {
  it('the verdict and why; listing, then refusal, then one row per clean address', () => {
    const doc = documentFor(report(mixed));
    expect(doc.verdict).toBe('fail');
    expect(doc.reason).toBe('1 of 2 addresses are listed: 192.0.2.1 on bl.example.net');
    expect(doc.summary?.header).toEqual(['Address', 'List', 'Answer', 'Meaning']);
    expect(doc.summary?.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['192.0.2.1', 'bl.example.net', '127.0.0.2', "listed (code 127.0.0.2)"],
      ['192.0.2.1', 'Spamhaus ZEN', '127.255.255.254', 'refused, not a listing: it came through a public or open resolver (or one the list cannot attribute)'],
      ['192.0.2.1', 'the other list', 'NXDOMAIN', 'not listed on the other list'],
      ['192.0.2.2', '1 list', 'NXDOMAIN', 'not listed on 1 list'],
    ]);
  });

  it('a clean run: pass, how many lists and through which resolver', () => {
    const clean: DnsblSection = { ...mixed, addresses: [mixed.addresses[1]!] };
    const doc = documentFor(report(clean));
    expect(doc.reason).toBe('192.0.2.2 is on none of the 1 list asked (through the resolver 127.0.0.1:5353)');
    expect(doc.summary?.rows).toHaveLength(1);
  });

  it('a list’s TXT reason is escaped in text, HTML and Markdown', () => {
    const r = report(mixed);
    const text = renderText(r, { verbose: true, width: 200 });
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u202e');
    const html = renderHtml(r, { verbose: true });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;');
    const md = renderMarkdown(r, { verbose: true });
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('\u001b');
  });
});
