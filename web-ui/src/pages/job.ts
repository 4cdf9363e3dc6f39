// A running job: its events (SSE) as they come — each host's phase and the transcript, live —
// then its report in place (the URL becomes /reports/<id>), or its error.
import { getSession, messageOf, request } from '../api.js';
import { h, setText } from '../dom.js';

import { applyJobEvent, arrowOf, initialJobState, isFinished, offsetText, takeLines, MAX_LINES, type JobState, type TranscriptLine } from '../job-state.js';
import { markSection, navigate } from '../nav.js';
import { alertBox, showError } from '../ui.js';

const EVENTS = ['progress', 'transcript', 'status', 'done', 'failed', 'reset'] as const;

function lineElement(l: TranscriptLine): HTMLLIElement {
  const known = ['send', 'recv', 'tls', 'cert', 'error', 'dns', 'connect', 'close', 'note'].includes(l.kind) ? l.kind : 'other';
  return h('li', { class: `t-${known}` }, h('span', { class: 't-time' }, offsetText(l.t)), h('span', { class: 't-host' }, l.host), h('span', { class: 't-arrow', 'aria-hidden': 'true' }, arrowOf(l.kind)), h('span', { class: 't-text' }, l.text));
}

export function jobPage(main: HTMLElement, id: string): () => void {
  document.title = 'Running — mxray';
  const state: JobState = initialJobState();
  // The live region says only what changes the job's state; the counts beside it are not announced.
  const status = h('span', { role: 'status', 'aria-live': 'polite', 'data-testid': 'job-status' }, 'Connecting…');
  const counts = h('span', { class: 'counts' });
  const statusLine = h('p', { class: 'job-status' }, status, counts);
  const phases = h('ul', { class: 'phases', 'data-testid': 'job-phases' });
  const list = h('ol', { class: 'live-transcript', 'data-testid': 'live-transcript', 'aria-label': 'Transcript' });
  const follow = h('input', { type: 'checkbox', id: 'follow', checked: true });
  const note = h('p', { class: 'hint', hidden: true });
  const box = alertBox();
  const cancel = h('button', { type: 'button', 'data-testid': 'job-cancel' }, 'Cancel');
  const title = h('h1', {}, 'Running');
  main.append(
    title,
    statusLine,
    box,
    h('div', { class: 'actions' }, cancel, h('span', { class: 'field check inline' }, follow, h('label', { for: 'follow' }, 'Follow the transcript'))),
    h('h2', {}, 'Hosts'),
    phases,
    h('h2', {}, 'Transcript'),
    note,
    h('div', { class: 'transcript-box', tabindex: '0' }, list),
  );
  const phaseItems = new Map<string, HTMLElement>();
  let closed = false;
  let source: EventSource | null = null;

  const draw = () => {
    for (const [key, phase] of state.phases) {
      let li = phaseItems.get(key);
      if (!li) {
        li = h('li', {}, h('span', { class: 'host' }, key), h('span', { class: 'phase' }));
        phaseItems.set(key, li);
        phases.append(li);
      }
      const p = li.querySelector('.phase');
      if (p && p.textContent !== phase) setText(p, phase);
      li.classList.toggle('finished', phase === 'done');
    }
    const lines = takeLines(state);
    if (lines.length) {
      const frag = document.createDocumentFragment();
      for (const l of lines) frag.append(lineElement(l));
      list.append(frag);
      while (list.childElementCount > MAX_LINES) list.firstElementChild?.remove();
      if (follow.checked) list.lastElementChild?.scrollIntoView({ block: 'nearest' });
    }
    if (state.truncated) {
      note.hidden = false;
      setText(note, 'Earlier events are no longer kept by the server: the transcript starts later than the job.');
    }
    const hosts = state.phases.size;
    if (state.status === 'running' && status.textContent !== 'Running') setText(status, 'Running');
    setText(counts, ` — ${hosts} ${hosts === 1 ? 'host' : 'hosts'}, ${state.lineCount} transcript ${state.lineCount === 1 ? 'line' : 'lines'}`);
  };

  const finish = () => {
    source?.close();
    source = null;
    cancel.disabled = true;
    if (state.status === 'done' && state.reportId) {
      setText(status, `Done: ${state.verdict ?? 'finished'} — opening the report`);
      if (!closed) navigate(`/reports/${state.reportId}`, true);
    } else if (state.status === 'failed') {
      setText(status, 'Failed');
      document.title = 'Failed — mxray';
      showError(box, state.error ?? 'the job failed');
    } else if (state.status === 'cancelled') {
      setText(status, 'Cancelled');
    } else {
      setText(status, 'Done, without a report');
    }
  };

  /** When the stream drops for good (or before it opens): the job's state from its own endpoint. */
  const settle = async () => {
    try {
      const { data } = await request<{ status?: string; reportId?: string | null; verdict?: string | null; error?: string | null }>('GET', `/api/v1/jobs/${id}`);
      if (closed) return;
      if (data.status === 'done') applyJobEvent(state, 'done', JSON.stringify({ reportId: data.reportId, verdict: data.verdict }));
      else if (data.status === 'failed') applyJobEvent(state, 'failed', JSON.stringify({ error: data.error }));
      else if (data.status === 'cancelled') applyJobEvent(state, 'status', JSON.stringify({ status: 'cancelled' }));
      if (isFinished(state)) finish();
      else setText(status, 'The event stream dropped; reconnecting…');
    } catch (error) {
      if (closed) return;
      source?.close();
      showError(box, error);
      setText(status, 'No such job (it may have finished long ago: see History)');
    }
  };

  // What runs, for the heading: "Receiver test: example.com".
  void Promise.all([request<{ kind?: unknown; target?: unknown }>('GET', `/api/v1/jobs/${id}`), getSession()]).then(
    ([{ data }, session]) => {
      if (closed) return;
      const kind = typeof data.kind === 'string' ? data.kind : '';
      markSection(kind);
      const name = session.kinds.find((k) => k.name === kind)?.title ?? kind;
      const target = typeof data.target === 'string' ? data.target : '';
      if (name || target) {
        setText(title, [name, target].filter(Boolean).join(': '));
        document.title = `${name || 'Running'} — mxray`;
      }
    },
    () => undefined,
  );

  source = new EventSource(`/api/v1/jobs/${id}/events`);
  let queued = false;
  for (const type of EVENTS) {
    source.addEventListener(type, (event) => {
      applyJobEvent(state, type, (event as MessageEvent<string>).data);
      if (isFinished(state)) {
        draw();
        finish();
        return;
      }
      // Bursts of lines are drawn once per frame.
      if (!queued) {
        queued = true;
        requestAnimationFrame(() => {
          queued = false;
          if (!closed) draw();
        });
      }
    });
  }
  source.addEventListener('error', () => {
    // EventSource reconnects by itself (with Last-Event-ID); a closed one will not.
    if (!closed && !isFinished(state)) void settle();
  });
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    request('DELETE', `/api/v1/jobs/${id}`).then(
      () => {
        applyJobEvent(state, 'status', '{"status":"cancelled"}');
        finish();
      },
      (error: unknown) => {
        cancel.disabled = false;
        showError(box, messageOf(error));
      },
    );
  });
  return () => {
    closed = true;
    source?.close();
  };
}

