// The single-page front end of `mxray serve`: the top bar, then the page of location.pathname.
// Links inside the app change the page without a reload (history.pushState); the back button
// works (popstate). Every page is built on the REST API only.
import { getSession, request } from './api.js';
import { h } from './dom.js';
import { navigate, onNavigate } from './nav.js';
import { NAV, isAppPath, routeOf } from './routes.js';
import { certPage, checkPage, explainPage, headersPage, homePage, logsPage, posturePage, sendPage } from './pages/forms.js';
import { historyPage } from './pages/history.js';
import { jobPage } from './pages/job.js';
import { loginPage } from './pages/login.js';
import { comparePage, reportPage } from './pages/report.js';
import { senderTestPage } from './pages/sender-test.js';
import { alertBox, showError, signInLink } from './ui.js';

const main = h('main', { id: 'main', tabindex: '-1' });
const links = h('ul', { class: 'nav-links', id: 'nav-links' });
const account = h('div', { class: 'account' });
const toggle = h('button', { type: 'button', class: 'menu', 'aria-expanded': 'false', 'aria-controls': 'nav-links' }, 'Menu');

function topBar(): HTMLElement {
  for (const item of NAV) links.append(h('li', {}, h('a', { href: item.path }, item.label)));
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    links.classList.toggle('open', open);
  });
  return h('header', { class: 'top' }, h('nav', { 'aria-label': 'Jobs' }, h('a', { href: '/', class: 'brand' }, 'mxray'), toggle, links, account));
}

/** Sign in / out on the right when the server has accounts. */
function refreshAccount(): void {
  void getSession().then((session) => {
    account.replaceChildren();
    if (!session.auth && !session.user) return;
    if (session.user) {
      const out = h('button', { type: 'button', class: 'link', 'data-testid': 'logout' }, 'Sign out');
      out.addEventListener('click', () => {
        out.disabled = true;
        request('POST', '/api/v1/logout').then(
          () => getSession(true).then(() => {
            refreshAccount();
            navigate('/');
          }),
          (error: unknown) => {
            out.disabled = false;
            const box = alertBox();
            main.prepend(box);
            showError(box, error);
          },
        );
      });
      account.append(h('span', { class: 'user' }, session.user), out);
    } else account.append(signInLink());
  });
}

let cleanup: (() => void) | void = undefined;
/** Each render's number: an answer that comes after the next render belongs to a page that is gone. */
let renders = 0;

/** The pages that start jobs. */
const FORM_PAGES = new Set(['check', 'cert', 'send', 'sender-test', 'headers', 'explain', 'logs', 'posture']);

/** On a page that starts jobs, when this session may not: say so first (the server refuses anyway). */
function writeNotice(page: string): void {
  if (!FORM_PAGES.has(page)) return;
  const mine = renders;
  void getSession().then((session) => {
    if (mine !== renders || session.canWrite) return;
    main.prepend(h('p', { class: 'notice', 'data-testid': 'write-notice' }, ...(session.auth && !session.user ? [signInLink(), ' to run tests on this server.'] : ['This server does not run tests for this session.'])));
  });
}

function render(): void {
  if (cleanup) cleanup();
  cleanup = undefined;
  renders++;
  main.replaceChildren();
  const route = routeOf(location.pathname);
  writeNotice(route.page);
  for (const a of Array.from(links.querySelectorAll('a'))) {
    const path = a.getAttribute('href') ?? '';
    const current = location.pathname === path || location.pathname.startsWith(`${path}/`);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  links.classList.remove('open');
  toggle.setAttribute('aria-expanded', 'false');
  switch (route.page) {
    case 'home':
      homePage(main);
      break;
    case 'check':
      checkPage(main);
      break;
    case 'cert':
      certPage(main);
      break;
    case 'send':
      sendPage(main);
      break;
    case 'sender-test':
      cleanup = senderTestPage(main);
      break;
    case 'headers':
      headersPage(main);
      break;
    case 'explain':
      explainPage(main);
      break;
    case 'logs':
      logsPage(main);
      break;
    case 'posture':
      posturePage(main);
      break;
    case 'history':
      cleanup = historyPage(main);
      break;
    case 'login':
      loginPage(main, refreshAccount);
      break;
    case 'job':
      cleanup = jobPage(main, route.id);
      break;
    case 'report':
      cleanup = reportPage(main, route.id);
      break;
    case 'compare':
      cleanup = comparePage(main, route.a, route.b);
      break;
    default:
      document.title = 'Not found — mxray';
      main.append(h('h1', {}, 'Not found'), h('p', {}, 'No page here. '), h('p', {}, h('a', { href: '/' }, 'Every job')));
  }
}

function start(): void {
  document.body.replaceChildren(h('a', { href: '#main', class: 'skip' }, 'Skip to the page'), topBar(), main);
  onNavigate((replace) => {
    render();
    // A new page: the reader starts at its top (a replaced entry — a job becoming its report — keeps the focus where it is).
    if (!replace) {
      window.scrollTo(0, 0);
      main.focus({ preventScroll: true });
    }
  });
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const a = (event.target as Element | null)?.closest?.('a');
    if (!a || a.hasAttribute('download') || (a.getAttribute('target') ?? '') !== '') return;
    const href = a.getAttribute('href');
    if (!href || href.startsWith('#')) return;
    const url = new URL(href, location.href);
    if (!isAppPath(url, location.origin)) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', () => render());
  refreshAccount();
  render();
}

start();
