// A stored report: the server's rendered fragment, with downloads, re-run and "compare with the
// previous run"; and the comparison of two runs.
import { markSection } from '../nav.js';
import { request, type JobInfo } from '../api.js';
import { h, insertReportHtml } from '../dom.js';
import { durationText, kindName, verdictClass, whenText } from '../format.js';
import { isId } from '../routes.js';
import { alertBox, goToJob, showError } from '../ui.js';

interface Meta {
  id: string;
  kind: string;
  target: string;
  verdict: string;
  startedAt: string;
  storedAt: string;
  durationMs: number;
  owner: string | null;
  request: string | null;
}

interface View {
  meta: Meta;
  previousId: string | null;
  html: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function badge(verdict: string): HTMLSpanElement {
  return h('span', { class: `badge ${verdictClass(verdict)}` }, verdict || '?');
}

export function reportPage(main: HTMLElement, id: string): () => void {
  document.title = 'Report — mxray';
  const box = alertBox();
  const loading = h('p', { class: 'hint', role: 'status' }, 'Loading the report…');
  main.append(loading, box);
  const abort = new AbortController();
  request<View>('GET', `/api/v1/reports/${id}/view`, undefined, abort.signal).then(
    ({ data }) => {
      loading.remove();
      const meta = (data.meta ?? {}) as Partial<Meta>;
      document.title = `${str(meta.verdict).toUpperCase() || 'Report'} — ${str(meta.target).slice(0, 80)} — mxray`;
      const base = `/api/v1/reports/${id}`;
      const downloads = h(
        'div',
        { class: 'actions downloads', role: 'group', 'aria-label': 'Download' },
        h('span', { class: 'hint' }, 'Download:'),
        h('a', { class: 'button', href: `${base}?download=1`, download: '', 'data-testid': 'download-json' }, 'JSON'),
        h('a', { class: 'button', href: `${base}.html?download=1`, download: '', 'data-testid': 'download-html' }, 'HTML'),
        h('a', { class: 'button', href: `${base}.md?download=1`, download: '', 'data-testid': 'download-md' }, 'Markdown'),
      );
      const actions = h('div', { class: 'actions report-actions' });
      const actionBox = alertBox();
      if (meta.request) {
        const rerun = h('button', { type: 'button', 'data-testid': 'rerun' }, 'Re-run');
        rerun.addEventListener('click', () => {
          rerun.disabled = true;
          request<JobInfo>('POST', `${base}/rerun`).then(
            ({ data: job }) => goToJob(job),
            (error: unknown) => {
              rerun.disabled = false;
              showError(actionBox, error);
            },
          );
        });
        actions.append(rerun);
      }
      if (typeof data.previousId === 'string' && isId(data.previousId)) {
        actions.append(h('a', { class: 'button', href: `/compare/${data.previousId}/${id}`, 'data-testid': 'compare-previous' }, 'Compare with the previous run'));
      }
      markSection(str(meta.kind));
      const info = h(
        'p',
        { class: 'report-meta' },
        badge(str(meta.verdict)),
        ` ${kindName(str(meta.kind))} · ${str(meta.target)} · ${whenText(str(meta.startedAt))}`,
        typeof meta.durationMs === 'number' ? ` · ${durationText(meta.durationMs)}` : '',
        meta.owner ? ` · by ${meta.owner}` : '',
      );
      const report = h('div', { class: 'report', 'data-testid': 'report' });
      insertReportHtml(report, str(data.html));
      main.append(h('div', { class: 'report-bar' }, info, downloads, actions.childElementCount ? actions : null), actionBox, report);
    },
    (error: unknown) => {
      if (abort.signal.aborted) return;
      loading.remove();
      showError(box, error);
    },
  );
  return () => abort.abort();
}

interface FindingLike {
  id?: unknown;
  severity?: unknown;
  title?: unknown;
}

interface Comparison {
  a: Partial<Meta>;
  b: Partial<Meta>;
  verdict: { a: string; b: string };
  added: FindingLike[];
  removed: FindingLike[];
  changed: { id: string; a: FindingLike; b: FindingLike }[];
  hosts: unknown[];
}

const SEVERITIES = ['critical', 'error', 'warning', 'info', 'ok'];
const sevClass = (v: unknown): string => `sevtag s-${typeof v === 'string' && SEVERITIES.includes(v) ? v : 'unknown'}`;
const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]).slice(0, 1000) : []);

export function comparePage(main: HTMLElement, a: string, b: string): () => void {
  document.title = 'Compare — mxray';
  const box = alertBox();
  const loading = h('p', { class: 'hint', role: 'status' }, 'Comparing…');
  main.append(h('h1', {}, 'Compare two runs'), loading, box);
  const abort = new AbortController();
  request<Comparison>('GET', `/api/v1/reports/${a}/compare/${b}`, undefined, abort.signal).then(
    ({ data }) => {
      loading.remove();
      const am = data.a ?? {};
      const bm = data.b ?? {};
      const verdict = data.verdict ?? { a: str(am.verdict), b: str(bm.verdict) };
      const runCell = (m: Partial<Meta>, id: string) => h('td', {}, h('a', { href: `/reports/${id}` }, whenText(str(m.startedAt)) || id), ' ', str(m.target));
      main.append(
        h(
          'table',
          { class: 'data compare-verdict', 'data-testid': 'compare-verdict' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, 'Run'), h('th', { scope: 'col' }, 'Verdict'))),
          h(
            'tbody',
            {},
            h('tr', {}, h('th', { scope: 'row' }, 'Before'), runCell(am, a), h('td', {}, badge(str(verdict.a)))),
            h('tr', {}, h('th', { scope: 'row' }, 'After'), runCell(bm, b), h('td', {}, badge(str(verdict.b)))),
          ),
        ),
      );
      const rows: HTMLTableRowElement[] = [];
      const findingRow = (change: string, cls: string, f: FindingLike, sevBefore?: unknown) =>
        h(
          'tr',
          { class: cls },
          h('td', {}, change),
          h('td', {}, h('code', {}, str(f.id))),
          h('td', {}, sevBefore !== undefined ? h('span', { class: sevClass(sevBefore) }, str(sevBefore)) : null, sevBefore !== undefined ? ' → ' : null, h('span', { class: sevClass(f.severity) }, str(f.severity))),
          h('td', {}, str(f.title)),
        );
      for (const f of list<FindingLike>(data.added)) rows.push(findingRow('Added', 'added', f));
      for (const f of list<FindingLike>(data.removed)) rows.push(findingRow('Removed', 'removed', f));
      for (const c of list<{ id?: unknown; a?: FindingLike; b?: FindingLike }>(data.changed)) rows.push(findingRow('Changed', 'changed', { ...(c.b ?? {}), id: c.id ?? c.b?.id }, c.a?.severity ?? ''));
      main.append(h('h2', {}, 'Findings'));
      if (rows.length) {
        main.append(
          h(
            'table',
            { class: 'data compare-findings', 'data-testid': 'compare-findings' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Change'), h('th', { scope: 'col' }, 'Finding'), h('th', { scope: 'col' }, 'Severity'), h('th', { scope: 'col' }, 'Title'))),
            h('tbody', {}, ...rows),
          ),
        );
      } else main.append(h('p', { 'data-testid': 'compare-findings' }, 'The same findings in both runs.'));
      const hosts = list<unknown>(data.hosts);
      if (hosts.length) {
        main.append(
          h('h2', {}, 'Hosts'),
          h(
            'ul',
            { class: 'compare-hosts' },
            ...hosts.map((x) => {
              if (typeof x === 'string') return h('li', {}, x);
              const o = (x ?? {}) as Record<string, unknown>;
              const name = str(o.host) || str(o.name) || str(o.key);
              const change = str(o.change) || str(o.status);
              const va = str(o.a) || str((o.a as { verdict?: unknown } | undefined)?.verdict);
              const vb = str(o.b) || str((o.b as { verdict?: unknown } | undefined)?.verdict);
              return h('li', {}, name, change ? ` — ${change}` : '', va || vb ? ` (${va || '–'} → ${vb || '–'})` : '');
            }),
          ),
        );
      }
    },
    (error: unknown) => {
      if (abort.signal.aborted) return;
      loading.remove();
      showError(box, error);
    },
  );
  return () => abort.abort();
}
