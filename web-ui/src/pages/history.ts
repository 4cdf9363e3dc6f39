// History: every stored report, searchable (text, kind, verdict, dates), paged; above it the
// certificate expiry timeline of every checked host and the share of each verdict.
import { ApiError, query, request } from '../api.js';
import { h, s } from '../dom.js';
import { dayBound, durationText, kindName, REPORT_KINDS, VERDICTS, verdictClass, whenText } from '../format.js';
import { clip } from '../neutral.js';
import { isId } from '../routes.js';
import { daysText, layoutTimeline, type CertificatePoint } from '../timeline-scale.js';
import { alertBox, clearError, field, input, pageHead, select, showError, signInLink, submitButton } from '../ui.js';
import { badge } from './report.js';

interface Meta {
  id: string;
  kind: string;
  target: string;
  verdict: string;
  startedAt: string;
  storedAt: string;
  durationMs: number;
}

interface Page {
  reports: Meta[];
  total: number;
  next: string | null;
}


/** The expiry timeline as inline SVG: a row per host, a point per certificate at its notAfter. */
export function timelineSvg(points: readonly CertificatePoint[], nowMs: number): SVGElement | HTMLElement {
  const W = 800;
  const left = 210;
  const right = W - 16;
  const rowH = 18;
  const top = 34;
  const t = layoutTimeline(points, nowMs, left, right);
  if (!t.rows.length) return h('p', { class: 'hint', 'data-testid': 'timeline' }, 'No certificates yet: run a receiver test or a certificate check.');
  const height = top + t.rows.length * rowH + 8;
  const bottom = top + t.rows.length * rowH;
  const svg = s('svg', { xmlns: 'http://www.w3.org/2000/svg', class: 'expiry-timeline', viewBox: `0 0 ${W} ${height}`, role: 'img', 'aria-label': `Certificate expiry of ${t.rows.length} hosts`, 'data-testid': 'timeline' });
  for (const tick of t.ticks) {
    svg.append(s('line', { class: 'tick', x1: tick.x.toFixed(1), x2: tick.x.toFixed(1), y1: top - 6, y2: bottom }), s('text', { class: 'tick-label', x: tick.x.toFixed(1), y: top - 10, 'text-anchor': 'middle' }, tick.label));
    // A label too close to "today" would cover it: today's line is drawn with its own label above.
  }
  t.rows.forEach((row, i) => {
    const y = top + i * rowH + rowH / 2;
    const g = s('g', { class: 'row' });
    g.append(s('line', { class: 'lane', x1: left, x2: right, y1: y, y2: y }), s('text', { class: 'host', x: left - 8, y: y + 4, 'text-anchor': 'end' }, s('title', {}, row.host), clip(row.host, 30)));
    for (const p of row.points) {
      const tip = `${row.host}\n${p.subject}\nnotAfter ${whenText(p.notAfter)} — ${daysText(p.days)}`;
      const link = s('a', { href: isId(p.reportId) ? `/reports/${p.reportId}` : '#' });
      link.append(s('line', { class: `bar ${p.tone}`, x1: t.nowX.toFixed(1), x2: p.x.toFixed(1), y1: y, y2: y }), s('circle', { class: `point ${p.tone}`, cx: p.x.toFixed(1), cy: y, r: 5 }, s('title', {}, tip)));
      g.append(link);
    }
    svg.append(g);
  });
  svg.append(s('line', { class: 'now', x1: t.nowX.toFixed(1), x2: t.nowX.toFixed(1), y1: top - 14, y2: bottom + 4 }), s('text', { class: 'now-label', x: t.nowX.toFixed(1), y: 12, 'text-anchor': 'middle' }, 'today'));
  const key = h(
    'p',
    { class: 'expiry-key' },
    h('i', { class: 'k-soon' }),
    'expired or within 30 days',
    h('i', { class: 'k-near' }),
    '30–60 days',
    h('i', { class: 'k-later' }),
    'later',
    t.moreHosts ? ` · ${t.moreHosts} more hosts not drawn` : '',
  );
  return h('figure', { class: 'expiry' }, h('figcaption', {}, h('strong', {}, 'Certificate expiry'), ' — each checked host’s newest certificates'), svg, key);
}

/** The verdicts of the reports listed, as a stacked bar with counts. */
function verdictShare(reports: readonly Meta[]): HTMLElement {
  const counts = new Map<string, number>();
  for (const r of reports) {
    const v = (VERDICTS as readonly string[]).includes(r.verdict) ? r.verdict : 'other';
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const total = reports.length;
  const W = 400;
  const svg = s('svg', { xmlns: 'http://www.w3.org/2000/svg', class: 'share', viewBox: `0 0 ${W} 16`, role: 'img', 'aria-label': 'Share of each verdict', preserveAspectRatio: 'none' });
  let x = 0;
  const items: HTMLElement[] = [];
  for (const v of [...VERDICTS, 'other']) {
    const n = counts.get(v) ?? 0;
    if (!n) continue;
    const w = (n / total) * W;
    svg.append(s('rect', { class: `seg ${verdictClass(v === 'other' ? null : v)}`, x: x.toFixed(1), y: 0, width: w.toFixed(1), height: 16 }, s('title', {}, `${v}: ${n} of ${total}`)));
    x += w;
    items.push(h('li', {}, badge(v), ` ${n} (${Math.round((n / total) * 100)} %)`));
  }
  return h('div', { class: 'verdict-share', 'data-testid': 'verdict-share' }, h('p', {}, h('strong', {}, 'Verdicts'), ` of the ${total} reports listed`), svg, h('ul', { class: 'inline-list' }, ...items));
}

export function historyPage(main: HTMLElement): () => void {
  const abort = new AbortController();
  const params = new URLSearchParams(location.search);
  const box = alertBox();
  const chart = h('div', { class: 'charts' });
  const kind = select('kind', [['', 'Any kind'], ...REPORT_KINDS], params.get('kind') ?? '');
  const form = h(
    'form',
    { class: 'card search', role: 'search', 'data-testid': 'history-search' },
    h(
      'div',
      { class: 'form-grid' },
      field('Search', input('q', { type: 'search', placeholder: 'domain, host or file', value: params.get('q') ?? '', 'data-testid': 'history-q' })),
      field('Kind', kind),
      field('Verdict', select('verdict', [['', 'Any verdict'], ...VERDICTS.map((v) => [v, v] as const)], params.get('verdict') ?? '')),
      field('From', input('since', { type: 'date', value: params.get('since') ?? '' })),
      field('Until', input('until', { type: 'date', value: params.get('until') ?? '' })),
    ),
    h('div', { class: 'actions' }, submitButton('Search', 'history-submit')),
  );
  const tbody = h('tbody', {});
  const table = h(
    'table',
    { class: 'data history', 'data-testid': 'history-table' },
    h('thead', {}, h('tr', {}, ...['When', 'Kind', 'Target', 'Verdict', 'Duration'].map((c) => h('th', { scope: 'col' }, c)))),
    tbody,
  );
  const count = h('p', { class: 'hint', role: 'status' });
  const more = h('button', { type: 'button', hidden: true, 'data-testid': 'history-more' }, 'Older reports');
  main.append(...pageHead('History', 'Every report kept on this server: a permanent link each, downloads, re-run and compare.'), chart, form, box, count, table, more);

  const listed: Meta[] = [];
  let next: string | null = null;
  let share: HTMLElement | null = null;

  const rowOf = (r: Meta) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { href: `/reports/${r.id}` }, whenText(String(r.storedAt || r.startedAt)))),
      h('td', {}, kindName(String(r.kind))),
      h('td', { class: 'target' }, clip(String(r.target), 120)),
      h('td', {}, badge(String(r.verdict))),
      h('td', { class: 'num' }, typeof r.durationMs === 'number' ? durationText(r.durationMs) : ''),
    );

  const filters = () => {
    const p = new URLSearchParams(location.search);
    return {
      q: p.get('q') ?? '',
      kind: p.get('kind') ?? '',
      verdict: p.get('verdict') ?? '',
      since: dayBound(p.get('since') ?? '', false),
      until: dayBound(p.get('until') ?? '', true),
    };
  };

  const load = async (before: string | null) => {
    clearError(box);
    more.disabled = true;
    try {
      const { data } = await request<Page>('GET', `/api/v1/reports${query({ ...filters(), limit: 50, before })}`, undefined, abort.signal);
      const reports = (Array.isArray(data.reports) ? data.reports : []).filter((r) => r && typeof r.id === 'string' && isId(r.id));
      if (!before) {
        listed.length = 0;
        tbody.replaceChildren();
      }
      listed.push(...reports);
      tbody.append(...reports.map(rowOf));
      next = typeof data.next === 'string' ? data.next : null;
      more.hidden = next === null;
      const total = typeof data.total === 'number' ? data.total : listed.length;
      count.textContent = listed.length ? `${listed.length} of ${total} ${total === 1 ? 'report' : 'reports'}` : 'No reports match.';
      const fresh = listed.length ? verdictShare(listed) : null;
      if (share) share.remove();
      share = fresh;
      if (fresh) chart.append(fresh);
    } catch (error) {
      if (abort.signal.aborted) return;
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        showError(box, new Error(error.status === 401 ? 'History is for signed-in users: sign in first.' : 'History is not available here (a public instance shows single reports by their link only).'));
        if (error.status === 401) box.append(' ', signInLink());
      } else showError(box, error);
    } finally {
      more.disabled = false;
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const q = query({ q: String(data.get('q') ?? '').trim(), kind: String(data.get('kind') ?? ''), verdict: String(data.get('verdict') ?? ''), since: String(data.get('since') ?? ''), until: String(data.get('until') ?? '') });
    // The search is part of the URL: a link to it, and the back button, give it again.
    history.pushState(null, '', `/history${q}`);
    void load(null);
  });
  more.addEventListener('click', () => void load(next));

  request<unknown>('GET', '/api/v1/certificates', undefined, abort.signal).then(
    ({ data }) => {
      const raw = Array.isArray(data) ? data : data && typeof data === 'object' && Array.isArray((data as { certificates?: unknown }).certificates) ? (data as { certificates: unknown[] }).certificates : [];
      const points = raw.filter((p): p is CertificatePoint => !!p && typeof p === 'object' && typeof (p as CertificatePoint).host === 'string' && typeof (p as CertificatePoint).notAfter === 'string');
      chart.prepend(timelineSvg(points, Date.now()));
    },
    () => {
      // Without History rights, no timeline: the list's own error says why.
    },
  );
  void load(null);
  return () => abort.abort();
}
