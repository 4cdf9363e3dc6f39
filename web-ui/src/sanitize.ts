// What the report fragment may keep (pure; dom.ts applies it). The server's renderer escaped every
// string already; this is defence in depth should a fragment ever carry markup it should not.

/** Elements a report never has: removed with their content. */
export const DROPPED_ELEMENTS = 'script,iframe,frame,object,embed,base,link,meta,style,form,input,button,textarea,select,template,noscript,set,animate,animateMotion,animateTransform,discard,use,foreignObject,math';

/** Whether an attribute stays: no handlers, no inline style, no sources; links only to http(s), this site or an anchor. */
export function keepAttribute(name: string, value: string): boolean {
  const n = name.toLowerCase();
  if (n.startsWith('on') || n === 'style' || n === 'src' || n === 'srcset' || n === 'srcdoc' || n === 'formaction' || n === 'action' || n === 'ping') return false;
  // Browsers drop tabs and newlines anywhere in a URL and leading controls and spaces: "/\t/evil" is "//evil".
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (n === 'href' || n === 'xlink:href') return /^(https?:|#|\/(?![/\\]))/i.test(value.replace(/[\t\n\r]/g, '').replace(/^[\x00-\x20]+/, ''));
  return true;
}
