// Form pieces every page uses: labelled fields, the alert box, a form that runs a job, an upload.
import { ApiError, getSession, messageOf, query, request, upload, type JobInfo } from './api.js';
import { h, setText, type Attrs } from './dom.js';
import { bytesText } from './format.js';
import { neutralLine } from './neutral.js';
import { navigate } from './nav.js';
import { isId } from './routes.js';

let fieldSeq = 0;
/** A unique id for a label's `for`. */
export const nextId = (prefix: string): string => `${prefix}-${++fieldSeq}`;

/** A link to the sign-in page that comes back here afterwards. */
export function signInLink(text = 'Sign in'): HTMLAnchorElement {
  return h('a', { href: `/login?next=${encodeURIComponent(location.pathname + location.search)}`, 'data-testid': 'login-link' }, text);
}

/** The alert box: hidden until an error is shown in it (textContent only). */
export function alertBox(): HTMLDivElement {
  return h('div', { class: 'alert', role: 'alert', hidden: true, 'data-testid': 'alert' });
}

export function showError(box: HTMLElement, error: unknown): void {
  let text = messageOf(error);
  if (error instanceof ApiError && error.status === 401) text += ' — sign in and try again';
  setText(box, text);
  box.hidden = false;
}

export function clearError(box: HTMLElement): void {
  box.textContent = '';
  box.hidden = true;
}

/** A label with its control (and a hint under it). */
export function field(label: string, control: HTMLElement, hint?: string): HTMLDivElement {
  const id = control.id || nextId('f');
  control.id = id;
  const hintEl = hint ? h('small', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

/** A checkbox with its label after it. */
export function checkbox(name: string, label: string, checked = false): HTMLDivElement {
  const id = nextId(name);
  return h('div', { class: 'field check' }, h('input', { type: 'checkbox', id, name, checked }), h('label', { for: id }, label));
}

export function input(name: string, attrs: Attrs = {}): HTMLInputElement {
  return h('input', { type: 'text', name, autocomplete: 'off', spellcheck: 'false', ...attrs });
}

export function select(name: string, options: readonly (readonly [string, string])[], value = ''): HTMLSelectElement {
  return h('select', { name }, ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

export function submitButton(label: string, testid: string): HTMLButtonElement {
  return h('button', { type: 'submit', class: 'primary', 'data-testid': testid }, label);
}

/** A page's heading and one-line lead. */
export function pageHead(title: string, lead: string): HTMLElement[] {
  document.title = `${title} — mxray`;
  return [h('h1', {}, title), h('p', { class: 'intro' }, lead)];
}

/** The form's values by name: strings for text and selects, booleans for checkboxes. */
export function valuesOf(form: HTMLFormElement): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const el of Array.from(form.elements)) {
    if (el instanceof HTMLInputElement) {
      if (!el.name || el.type === 'file' || el.type === 'submit') continue;
      out[el.name] = el.type === 'checkbox' ? el.checked : el.value.trim();
    } else if (el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement) {
      if (el.name) out[el.name] = el instanceof HTMLTextAreaElement ? el.value : el.value.trim();
    }
  }
  return out;
}

/** Only the values given: '' and false left out (the server's defaults apply). */
export function compact(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '' && v !== false && v !== undefined && v !== null));
}

/**
 * Handles a form's submit: the button is disabled while `run` works, an error lands in the alert
 * box. `run` usually starts a job and navigates away.
 */
export function onSubmit(form: HTMLFormElement, box: HTMLElement, run: () => Promise<void>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(box);
    const buttons = Array.from(form.querySelectorAll('button[type=submit]')) as HTMLButtonElement[];
    for (const b of buttons) b.disabled = true;
    form.setAttribute('aria-busy', 'true');
    run()
      .catch((error: unknown) => showError(box, error))
      .finally(() => {
        for (const b of buttons) b.disabled = false;
        form.removeAttribute('aria-busy');
      });
  });
}

/** Where a started (or finished) job leads: its report when there is one, else its live page. */
export function goToJob(job: JobInfo): void {
  if (typeof job.reportId === 'string' && isId(job.reportId)) navigate(`/reports/${job.reportId}`);
  else if (typeof job.id === 'string' && isId(job.id)) navigate(`/jobs/${job.id}`);
  else throw new Error('the server answered without a job id');
}

/** POST /api/v1/jobs/<kind> with JSON parameters (`wait`: seconds the server may take to answer with the finished job), then to its page. */
export async function startJob(kind: string, params: Record<string, unknown>, wait?: number): Promise<void> {
  const { data } = await request<JobInfo>('POST', `/api/v1/jobs/${encodeURIComponent(kind)}${wait ? query({ wait }) : ''}`, params);
  goToJob(data);
}

/** The upload cap of a kind, from the session (null: none given). */
export async function uploadCap(kind: string): Promise<number | null> {
  const s = await getSession();
  return s.kinds.find((k) => k.name === kind)?.upload?.maxBytes ?? null;
}

export interface UploadFormOptions {
  kind: string;
  testid: string;
  label: string;
  button: string;
  accept?: string;
  /** More controls (a format select, a password). */
  extra?: HTMLElement[];
  /** The query parameters besides name, from the form's values. */
  params?: (values: Record<string, string | boolean>) => Record<string, string | number | boolean | null | undefined>;
  wait?: number;
}

/**
 * A file upload form: the size shown when a file is chosen and refused here above the kind's cap
 * (from the session), then POSTed as application/octet-stream with a progress bar.
 */
export function uploadForm(o: UploadFormOptions): HTMLFormElement {
  const box = alertBox();
  const file = h('input', { type: 'file', name: 'file', required: true, 'data-testid': `${o.testid}-file`, ...(o.accept ? { accept: o.accept } : {}) });
  const info = h('p', { class: 'file-info', 'aria-live': 'polite' });
  const bar = h('progress', { max: 100, value: 0, hidden: true, 'data-testid': `${o.testid}-progress` });
  const barText = h('span', { class: 'progress-text' });
  const button = submitButton(o.button, `${o.testid}-submit`);
  const form = h('form', { class: 'card', 'data-testid': o.testid, novalidate: true }, field(o.label, file), info, ...(o.extra ?? []), h('div', { class: 'actions' }, button, bar, barText), box);
  let cap: number | null = null;
  void uploadCap(o.kind).then((c) => {
    cap = c;
    if (c !== null) setText(info, `At most ${bytesText(c)}.`);
  });
  const check = (): File | null => {
    const f = file.files?.[0] ?? null;
    if (!f) {
      setText(info, cap !== null ? `At most ${bytesText(cap)}.` : '');
      return null;
    }
    const tooBig = cap !== null && f.size > cap;
    setText(info, `${neutralLine(f.name)}: ${bytesText(f.size)}${tooBig ? ` — too large: at most ${bytesText(cap!)}` : ''}`);
    info.classList.toggle('bad', tooBig);
    button.disabled = tooBig;
    return f;
  };
  file.addEventListener('change', () => {
    clearError(box);
    check();
  });
  onSubmit(form, box, async () => {
    const f = check();
    if (!f) throw new Error('choose a file first');
    if (cap !== null && f.size > cap) throw new Error(`${bytesText(f.size)} is too large: at most ${bytesText(cap)}`);
    bar.hidden = false;
    bar.value = 0;
    const { password, ...params } = { name: f.name.slice(0, 255), ...(o.params ? o.params(valuesOf(form)) : {}), ...(o.wait ? { wait: o.wait } : {}) } as Record<string, string | number | boolean | null | undefined>;
    // A password goes in a header, never in the URL (which proxies and logs keep).
    const secret: Record<string, string> = typeof password === 'string' && password ? { 'x-mxray-password': password } : {};
    try {
      const { data } = await upload<JobInfo>(`/api/v1/jobs/${encodeURIComponent(o.kind)}${query(params)}`, f, (sent, total) => {
        const pct = total > 0 ? Math.min(100, Math.round((sent / total) * 100)) : 0;
        bar.value = pct;
        setText(barText, sent >= total && total > 0 ? `${bytesText(total)} sent — the server is reading it…` : `${pct} % of ${bytesText(total)}`);
      }, undefined, secret);
      goToJob(data);
    } finally {
      bar.hidden = true;
      setText(barText, '');
    }
  });
  return form;
}
