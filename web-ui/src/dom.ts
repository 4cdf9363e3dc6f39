// Building the page: elements with text nodes only. Every string goes in through neutral() as a
// text node or an attribute value (never parsed as HTML); the one exception is the report
// fragment the server rendered and escaped, inserted by insertReportHtml().
import { neutral } from './neutral.js';
import { DROPPED_ELEMENTS, keepAttribute } from './sanitize.js';

type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    // No handler attributes and no inline style: the CSP forbids them, and a value from the API must never become one.
    if (/^on/i.test(name) || name.toLowerCase() === 'style') throw new Error(`attribute ${name} is not allowed`);
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : neutral(String(value)));
  }
}

function append(el: Element, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(neutral(String(c))) : c);
  }
}

/** An HTML element: `h('a', { href: '/check', class: 'btn' }, 'Receiver test')`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element (presentation attributes are fine under the CSP; no style attribute). */
export function s(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Replaces an element's children with text (neutralised). */
export function setText(el: Element, text: string): void {
  el.textContent = neutral(text);
}


/**
 * The server's report fragment (every string in it escaped by the renderer) into `container`,
 * parsed in an inert template; scripts, handler attributes, style attributes and non-http(s)
 * links are removed before it is attached.
 */
export function insertReportHtml(container: Element, html: string): void {
  const template = document.createElement('template');
  // eslint-disable-next-line no-restricted-syntax -- the one HTML the page inserts: the server-rendered, escaped report fragment, into an inert template
  template.innerHTML = html;
  const root = template.content;
  for (const el of Array.from(root.querySelectorAll(DROPPED_ELEMENTS))) el.remove();
  for (const el of Array.from(root.querySelectorAll('*'))) {
    for (const attr of Array.from(el.attributes)) if (!keepAttribute(attr.name, attr.value)) el.removeAttribute(attr.name);
  }
  container.replaceChildren(root);
}
