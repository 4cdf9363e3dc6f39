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
