// Which page a path is: the single-page app's routing table (pure; main.ts renders it).

export type Route =
  | { page: 'home' | 'check' | 'cert' | 'send' | 'sender-test' | 'headers' | 'explain' | 'logs' | 'posture' | 'history' | 'login' }
  | { page: 'job'; id: string }
  | { page: 'report'; id: string }
  | { page: 'compare'; a: string; b: string }
  | { page: 'not-found' };

/** Job and report ids: base64url, bounded (anything else is not a page, and never reaches an API path). */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
export const isId = (text: string): boolean => ID.test(text);

const SIMPLE = ['check', 'cert', 'send', 'sender-test', 'headers', 'explain', 'logs', 'posture', 'history', 'login'] as const;

/** The route of a location's pathname ("/reports/abc", "/check/" → check). */
export function routeOf(pathname: string): Route {
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts.length === 0) return { page: 'home' };
  const [first, second, third] = parts;
  if (parts.length === 1) {
    const page = SIMPLE.find((p) => p === first);
    return page ? { page } : { page: 'not-found' };
  }
  if (parts.length === 2 && second !== undefined && isId(second)) {
    if (first === 'jobs') return { page: 'job', id: second };
    if (first === 'reports') return { page: 'report', id: second };
  }
  if (parts.length === 3 && first === 'compare' && second !== undefined && third !== undefined && isId(second) && isId(third)) return { page: 'compare', a: second, b: third };
  return { page: 'not-found' };
}

/** The top bar: one link per job, in this order. */
export const NAV: readonly { path: string; label: string }[] = [
  { path: '/check', label: 'Receiver test' },
  { path: '/cert', label: 'Certificate' },
  { path: '/send', label: 'Send & enforce' },
  { path: '/sender-test', label: 'Sender test' },
  { path: '/headers', label: 'Headers' },
  { path: '/explain', label: 'Explain' },
  { path: '/logs', label: 'Logs & captures' },
  { path: '/posture', label: 'Posture & TLS-RPT' },
  { path: '/history', label: 'History' },
];

/** Whether a click on a link to `href` (resolved against `origin`) is one the app handles itself: same origin, a page path, not the API or an asset. */
export function isAppPath(url: URL, origin: string): boolean {
  return url.origin === origin && !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/assets/');
}
