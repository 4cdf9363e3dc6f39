// Hostile text made visible: control characters (but newline and tab) and the invisible format
// characters (bidi embeddings, overrides and isolates, zero-width characters, the BOM) become
// "⟨U+202E⟩", so a banner or a file name cannot reorder or hide the text around it on the page.
// Every string the page shows goes through this before it becomes a text node (see dom.ts).

/** Whether a code point is shown as ⟨U+XXXX⟩. */
export function isHidden(c: number): boolean {
  return (
    (c < 0x20 && c !== 0x0a && c !== 0x09) ||
    (c >= 0x7f && c < 0xa0) ||
    c === 0x061c ||
    (c >= 0x200b && c <= 0x200f) ||
    (c >= 0x2028 && c <= 0x202e) ||
    (c >= 0x2060 && c <= 0x2069) ||
    c === 0xfeff ||
    (c >= 0xfff9 && c <= 0xfffb) ||
    // Invisible, and able to hide text: the soft hyphen, the Mongolian vowel separator, the Hangul fillers, the tag characters.
    c === 0x00ad ||
    c === 0x180e ||
    c === 0x115f ||
    c === 0x1160 ||
    c === 0x3164 ||
    c === 0xffa0 ||
    (c >= 0xe0000 && c <= 0xe007f)
  );
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const HIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\u00ad\u180e\u115f\u1160\u3164\uffa0\u{e0000}-\u{e007f}]/u;

/** "⟨U+202E⟩" */
export function visibleCode(c: number): string {
  return `⟨U+${c.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

/** The text with every hidden character shown as ⟨U+XXXX⟩; newline and tab kept. Lone surrogates too. */
export function neutral(text: string): string {
  if (!HIDDEN.test(text) && !/[\ud800-\udfff]/.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    // A lone surrogate (a code unit on its own) is shown too: it renders as nothing or as a box.
    if (isHidden(c) || (c >= 0xd800 && c <= 0xdfff)) out += visibleCode(c);
    else out += ch;
  }
  return out;
}

/** One line: neutral(), with newlines and tabs shown too (a file name, a host in a table cell). */
export function neutralLine(text: string): string {
  return neutral(text).replace(/[\n\t]/g, (ch) => visibleCode(ch.codePointAt(0) ?? 0));
}

/** Cut to `max` characters (code points) with "…". */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, Math.max(0, max - 1)).join('')}…` : text;
}
