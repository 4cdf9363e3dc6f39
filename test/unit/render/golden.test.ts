// Golden files for the renderers: a saved Report (made by the lab, frozen) rendered in every
// format must match test/golden/ byte for byte. Update on purpose with UPDATE_GOLDEN=1.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/schema.js';
import { renderHtml } from '../../../src/render/html.js';
import { renderMarkdown } from '../../../src/render/markdown.js';
import { colorStyle } from '../../../src/render/style.js';
import { renderText } from '../../../src/render/text.js';
import { schemaErrors } from '../../helpers/schema.js';

const report = JSON.parse(readFileSync(new URL('../../fixtures/report-sni-dependent.json', import.meta.url), 'utf8')) as Report;

function golden(name: string, actual: string): void {
  const file = new URL(`../../golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('renderers against golden files', () => {
  it('the fixture is a valid Report (saved reports round-trip)', () => {
    expect(schemaErrors(report)).toEqual([]);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
  it('text', () => golden('sni-dependent.txt', renderText(report)));
  it('text --verbose', () => golden('sni-dependent.verbose.txt', renderText(report, { verbose: true })));
  it('markdown', () => golden('sni-dependent.md', renderMarkdown(report)));
  it('html', () => golden('sni-dependent.html', renderHtml(report, { verbose: true })));
  it('colour only when asked for, and then only our own escape codes', () => {
    expect(renderText(report)).not.toMatch(/\x1b/);
    const coloured = renderText(report, { style: colorStyle });
    expect(coloured).toMatch(/\x1b\[31m/);
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(renderText(report));
  });
  it('text puts the summary table first and findings worst first', () => {
    const text = renderText(report);
    expect(text.indexOf('MX host')).toBeLessThan(text.indexOf('Problems, worst first'));
    expect(text.indexOf('Problems, worst first')).toBeGreaterThan(0);
    const order = report.findings.map((f) => f.severity);
    const rank = { critical: 4, error: 3, warning: 2, info: 1, ok: 0 } as const;
    for (let i = 1; i < order.length; i++) expect(rank[order[i - 1]!]).toBeGreaterThanOrEqual(rank[order[i]!]);
  });
});
