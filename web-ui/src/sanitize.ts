// What the report fragment may keep (pure; dom.ts applies it). The server's renderer escaped every
// string already; this is defence in depth should a fragment ever carry markup it should not.

/** Elements a report never has: removed with their content. */
export const DROPPED_ELEMENTS = 'script,iframe,frame,object,embed,base,link,meta,style,form,input,button,textarea,select,template,noscript';

/** Whether an attribute stays: no handlers, no inline style, no sources; links only to http(s), this site or an anchor. */
export function keepAttribute(name: string, value: string): boolean {
  const n = name.toLowerCase();
  if (n.startsWith('on') || n === 'style' || n === 'src' || n === 'srcset' || n === 'srcdoc' || n === 'formaction' || n === 'action' || n === 'ping') return false;
  if (n === 'href' || n === 'xlink:href') return /^(https?:|#|\/(?![/\\]))/i.test(value.trim());
  return true;
}
