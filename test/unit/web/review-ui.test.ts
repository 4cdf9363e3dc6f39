// Review of the web UI's defences in depth (issue 25 §4): the report fragment's filter
// (web-ui/src/sanitize.ts) and hostile text made visible (web-ui/src/neutral.ts, src/core/transcript.ts).
// Each `it.fails` demonstrates a real gap; the comment names the fix. Pure functions: no DOM, no network.
import { describe, expect, it } from 'vitest';
import { neutralise } from '../../../src/core/transcript.js';
import { DROPPED_ELEMENTS, keepAttribute } from '../../../web-ui/src/sanitize.js';
import { neutral } from '../../../web-ui/src/neutral.js';

describe('review: the report fragment filter', () => {
  // keepAttribute refuses "//evil" (another origin) but checks the value as written: browsers drop
  // ASCII tab and newline anywhere in a URL, so "/\t/evil.example" passes the filter and is the
  // protocol-relative "//evil.example" when followed. Fix (web-ui/src/sanitize.ts): remove
  // [\t\n\r] (and leading C0/space) from the value before the test, or resolve it with
  // new URL(value, location.href) and keep only same-origin or http(s) results deliberately.
  it('does not keep a link that leads to another origin once the browser drops its tab', () => {
    const value = '/\t/evil.example/x';
    expect(new URL(value, 'http://127.0.0.1:8025/reports/x').host).toBe('evil.example');
    expect(keepAttribute('href', value)).toBe(false);
  });

  // SVG animation elements set attributes after the filter ran: <svg><a><set attributeName="href"
  // to="javascript:…"/>…</a></svg> gives a link the filter never saw (the CSP blocks javascript:
  // today; the filter is there for the day it does not). Fix (web-ui/src/sanitize.ts): drop
  // set, animate, animateMotion, animateTransform, discard, use, foreignObject (and math).
  it('drops the SVG elements that set attributes after filtering', () => {
    const dropped = DROPPED_ELEMENTS.split(',');
    for (const el of ['set', 'animate', 'use', 'foreignObject']) expect(dropped).toContain(el);
  });
});

describe('review: invisible characters', () => {
  // Unicode tag characters (U+E0000–U+E007F) are invisible and carry ASCII ("ASCII smuggling"):
  // a banner or a header can hide text in them that neither the page nor the server's neutralise
  // shows. Likewise U+00AD, U+180E and the Hangul fillers. Fix (web-ui/src/neutral.ts isHidden and
  // src/core/transcript.ts isInvisibleControl): add U+E0000–U+E007F (and U+00AD, U+180E,
  // U+115F, U+1160, U+3164, U+FFA0).
  const hidden = `250 mx.example${[...'IGNORE'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('')} ready`;

  it('the page shows tag characters', () => {
    expect(neutral(hidden)).not.toBe(hidden);
  });

  it('the server shows tag characters', () => {
    expect(neutralise(hidden)).not.toBe(hidden);
  });
});
