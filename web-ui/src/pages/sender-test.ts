// The sender test: a new passcode gives an address to send to; the page waits (long-polling the
// API) until the message arrives, then shows its report.
import { ApiError, getSession, request } from '../api.js';
import { h, setText } from '../dom.js';
import { whenText } from '../format.js';
import { navigate } from '../nav.js';
import { isId } from '../routes.js';
import { alertBox, clearError, pageHead, showError } from '../ui.js';

const PASSCODE = /^[A-Za-z0-9_-]{4,64}$/;

interface NewTest {
  passcode: string;
  address: string;
  expiresAt?: string;
}

interface Waiting {
  status?: string;
  address?: string;
  expiresAt?: string;
  tlsDropouts?: number;
}

export function senderTestPage(main: HTMLElement): () => void {
  const head = pageHead('Sender test', 'Send a message from your mail server to the address below: the report shows how it sent it — TLS, certificate checks, MTA-STS and DANE.');
  const box = alertBox();
  const abort = new AbortController();
  const area = h('div', { class: 'sender-area' });
  main.append(...head, area, box);

  const newButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'sender-new' }, 'New test');
  newButton.addEventListener('click', () => {
    newButton.disabled = true;
    clearError(box);
    request<NewTest>('POST', '/api/v1/sender-tests', {}, abort.signal).then(
      ({ data }) => {
        if (typeof data.passcode !== 'string' || !PASSCODE.test(data.passcode)) throw new Error('the server answered without a passcode');
        history.replaceState(null, '', `/sender-test?passcode=${encodeURIComponent(data.passcode)}`);
        wait(data.passcode, typeof data.address === 'string' ? data.address : '', typeof data.expiresAt === 'string' ? data.expiresAt : null);
      },
      (error: unknown) => {
        newButton.disabled = false;
        if (!abort.signal.aborted) showError(box, error);
      },
    ).catch((error: unknown) => showError(box, error));
  });

  /** The waiting page: the address (with a copy button), then a long poll until the result. */
  function wait(passcode: string, address: string, expiresAt: string | null = null): void {
    const addr = h('code', { class: 'address', 'data-testid': 'sender-address' }, address || '…');
    const copy = h('button', { type: 'button', 'data-testid': 'sender-copy' }, 'Copy');
    const copied = h('span', { class: 'hint', 'aria-live': 'polite' });
    copy.addEventListener('click', () => {
      const text = addr.textContent ?? '';
      navigator.clipboard?.writeText(text).then(
        () => setText(copied, 'Copied.'),
        () => {
          getSelection()?.selectAllChildren(addr);
          setText(copied, 'Selected: copy it with Ctrl+C.');
        },
      );
    });
    const status = h('p', { class: 'job-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'sender-status' }, 'Waiting for your message…');
    const hint = h('p', { class: 'hint', hidden: true, 'data-testid': 'sender-hint' });
    // Known at once for a new test (the POST's answer); a resumed one learns it from the first poll.
    const expires = h('p', { class: 'hint' }, expiresAt ? `The address works until ${whenText(expiresAt)}.` : '');
    area.replaceChildren(h('div', { class: 'card' }, h('p', {}, 'Send a message to:'), h('p', { class: 'address-line' }, addr, ' ', copy, ' ', copied), expires, status, hint));
    let failures = 0;
    const poll = async (): Promise<void> => {
      while (!abort.signal.aborted) {
        try {
          const r = await fetch(`/api/v1/sender-tests/${encodeURIComponent(passcode)}?wait=25`, { headers: { Accept: 'application/json' }, credentials: 'same-origin', signal: abort.signal });
          const text = await r.text();
          let data: unknown = null;
          try {
            data = text ? JSON.parse(text) : null;
          } catch {
            data = null;
          }
          if (r.status === 202) {
            failures = 0;
            const w = (data ?? {}) as Waiting;
            if (typeof w.address === 'string' && !address) setText(addr, (address = w.address));
            if (typeof w.expiresAt === 'string') setText(expires, `The address works until ${whenText(w.expiresAt)}.`);
            const drops = typeof w.tlsDropouts === 'number' ? w.tlsDropouts : 0;
            hint.hidden = drops === 0;
            if (drops > 0)
              setText(
                hint,
                `${drops} ${drops === 1 ? 'session' : 'sessions'} since this test began ended during or right after the TLS handshake without naming a test: a sender that verifies certificates may have refused ours and will retry, or send in clear text.`,
              );
            continue;
          }
          if (r.status === 200) {
            const id = r.headers.get('x-mxray-report-id');
            if (id && isId(id)) {
              navigate(`/reports/${id}`);
              return;
            }
            const verdict = data && typeof data === 'object' ? (data as { verdict?: unknown }).verdict : null;
            setText(status, `Your message arrived (verdict: ${typeof verdict === 'string' ? verdict : '?'}), but the server did not name a stored report.`);
            return;
          }
          if (r.status === 410) {
            setText(status, 'This test expired before a message arrived. Start a new one.');
            newButton.disabled = false;
            area.append(newButton);
            return;
          }
          const message = data && typeof data === 'object' && typeof (data as { error?: unknown }).error === 'string' ? (data as { error: string }).error : `HTTP ${r.status}`;
          throw new ApiError(r.status, message);
        } catch (error) {
          if (abort.signal.aborted) return;
          if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
            showError(box, error);
            setText(status, 'Stopped waiting.');
            return;
          }
          failures++;
          setText(status, `Waiting for your message… (the server did not answer; trying again${failures > 1 ? `, ${failures} times so far` : ''})`);
          await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** Math.min(failures, 5))));
        }
      }
    };
    void poll();
  }

  const resume = new URLSearchParams(location.search).get('passcode');
  void getSession().then((session) => {
    if (abort.signal.aborted) return;
    if (resume && PASSCODE.test(resume)) {
      wait(resume, session.senderTest ? `test-${resume.toLowerCase()}@${session.senderTest.hostname}` : '');
      return;
    }
    if (!session.senderTest) {
      area.append(h('p', { class: 'notice' }, 'The sender test is not enabled on this server: it needs an SMTP listener (mxray serve --sender-listen ADDR:PORT --sender-hostname NAME).'));
      return;
    }
    const listeners = session.senderTest.listeners.map((l) => `${String(l.address)}:${String(l.port)} (${String(l.policy)})`);
    area.append(
      h('div', { class: 'card' }, h('p', {}, 'A new test gives you an address that works for an hour. Send one message to it from the server you want to test.'), listeners.length ? h('p', { class: 'hint' }, `Listening on ${listeners.join(', ')}.`) : null, h('div', { class: 'actions' }, newButton)),
    );
  });
  return () => abort.abort();
}
