// Navigation without reload: main.ts registers the renderer; pages call navigate().

let renderer: ((replace: boolean) => void) | null = null;

export function onNavigate(render: (replace: boolean) => void): void {
  renderer = render;
}

/** Goes to an app path ("/reports/abc"): pushes (or replaces) the history entry and renders it. */
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  renderer?.(replace);
}

/** The page of each kind of job: what the top bar marks on a job's or a report's page. */
const SECTION_OF_KIND: Readonly<Record<string, string>> = {
  check: '/check', receiver: '/check', cert: '/cert', 'cert-file': '/cert', certificate: '/cert', send: '/send', enforce: '/send',
  sender: '/sender-test', headers: '/headers', explain: '/explain', logs: '/logs', pcap: '/logs', posture: '/posture', tlsrpt: '/posture', blocklist: '/posture',
};

/** Marks the top bar's link of the page a job or report of `kind` belongs to (aria-current). */
export function markSection(kind: string): void {
  const path = SECTION_OF_KIND[kind];
  if (!path) return;
  for (const a of Array.from(document.querySelectorAll('#nav-links a'))) {
    if (a.getAttribute('href') === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}
