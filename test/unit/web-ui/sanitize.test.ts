import { describe, expect, it } from 'vitest';
import { DROPPED_ELEMENTS, keepAttribute } from '../../../web-ui/src/sanitize.js';

describe('report fragment attributes (web UI)', () => {
  it('drops handlers, inline style and sources', () => {
    for (const name of ['onerror', 'ONLOAD', 'onclick', 'style', 'src', 'srcset', 'srcdoc', 'formaction', 'action', 'ping']) expect(keepAttribute(name, 'x')).toBe(false);
  });

  it('keeps links to http(s), this site and anchors only', () => {
    expect(keepAttribute('href', 'https://www.rfc-editor.org/rfc/rfc8461')).toBe(true);
    expect(keepAttribute('href', '/reports/abc')).toBe(true);
    expect(keepAttribute('href', '#findings')).toBe(true);
    expect(keepAttribute('href', 'javascript:alert(1)')).toBe(false);
    expect(keepAttribute('href', ' JavaScript:alert(1)')).toBe(false);
    expect(keepAttribute('href', 'data:text/html,<script>')).toBe(false);
    expect(keepAttribute('href', '//evil.example/x')).toBe(false);
    expect(keepAttribute('href', '/\\evil.example')).toBe(false);
    expect(keepAttribute('xlink:href', 'javascript:x')).toBe(false);
  });

  it('keeps what the renderer writes (classes, SVG geometry, ARIA)', () => {
    for (const [name, value] of [['class', 'finding sev-error'], ['viewBox', '0 0 800 160'], ['aria-label', 'chart'], ['open', ''], ['scope', 'col']]) expect(keepAttribute(name!, value!)).toBe(true);
  });

  it('drops scripts and embedded documents', () => {
    const dropped = DROPPED_ELEMENTS.split(',');
    for (const el of ['script', 'iframe', 'object', 'embed', 'base', 'style', 'form']) expect(dropped).toContain(el);
  });
});
