// Signing in (POST /api/v1/login): the session cookie is the server's; the CSRF token is kept for X-CSRF-Token.
import { getSession, request, setCsrf } from '../api.js';
import { h } from '../dom.js';
import { navigate } from '../nav.js';
import { alertBox, field, input, onSubmit, pageHead, submitButton, valuesOf } from '../ui.js';

/** A path to go back to after signing in: an app path only (never another origin). */
function nextPath(): string {
  const next = new URLSearchParams(location.search).get('next') ?? '';
  return /^\/(?![/\\])[A-Za-z0-9/_?=&%.-]*$/.test(next) && !next.startsWith('/login') ? next : '/history';
}

export function loginPage(main: HTMLElement, refreshBar: () => void): void {
  const box = alertBox();
  const form = h(
    'form',
    { class: 'card narrow', 'data-testid': 'login-form' },
    field('User', input('user', { autocomplete: 'username', required: true, 'data-testid': 'login-user' })),
    field('Password', input('password', { type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'login-password' })),
    h('div', { class: 'actions' }, submitButton('Sign in', 'login-submit')),
    box,
  );
  onSubmit(form, box, async () => {
    const v = valuesOf(form);
    if (!v.user || !v.password) throw new Error('give your user name and password');
    const { data } = await request<{ user?: string; csrf?: string }>('POST', '/api/v1/login', { user: v.user, password: v.password });
    if (typeof data.csrf === 'string') setCsrf(typeof data.user === 'string' ? data.user : String(v.user), data.csrf);
    await getSession(true);
    refreshBar();
    navigate(nextPath());
  });
  main.append(...pageHead('Sign in', 'History and running jobs need a team account on this server.'), form);
}
