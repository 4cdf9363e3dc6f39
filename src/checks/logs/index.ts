// `mxray logs`' judge: the summed sessions of a LogsBody → findings (pure). Every count is read
// from the body, so a saved report judges again the same way.
import type { Finding } from '../../core/schema.js';
import type { LogsBody, LogSummaryRow, LogVerdictCounts } from '../../core/logs-schema.js';
import { makeFinding } from '../../kb/index.js';
import type { Check } from '../check.js';
import { fewOf } from '../words.js';

export { sessionVerdict, usedTls, VERDICT_ORDER } from './session-verdict.js';
export { LogsSummary, failureReason, sessionDomains, hostLabel, shares, SUMMARY_LIMITS } from './summary.js';

export interface LogsCheckInput {
  body: LogsBody;
}

const pct = (n: number, d: number): string => (d === 0 ? '0 %' : `${Math.round((1000 * n) / d) / 10} %`);

/** The rows (domains, else hosts) with the most sessions of these verdicts, as "a (3), b (1)". */
function where(body: LogsBody, verdicts: readonly (keyof LogVerdictCounts)[]): string {
  const pick = (rows: LogSummaryRow[]) =>
    rows
      .map((r) => ({ name: r.name, n: verdicts.reduce((a, v) => a + r.counts[v], 0) }))
      .filter((r) => r.n > 0)
      .sort((a, b) => b.n - a.n || (a.name < b.name ? -1 : 1));
  const domains = pick(body.domains).filter((r) => r.name !== '(none)');
  const rows = domains.length ? domains : pick(body.hosts);
  return fewOf(rows.map((r) => `${r.name} (${r.n})`), 3);
}

/** Why the logs cannot tell, per format and evidence, most sessions first. */
export function unknownWhy(body: LogsBody): string {
  const why: string[] = [];
  for (const u of body.totals.unknownBy) {
    const n = `${u.count} session${u.count === 1 ? '' : 's'}`;
    if (u.format === 'exchange2003') why.push(`Exchange 2003 (IIS SMTP) logs STARTTLS and its 220 but never whether the handshake then succeeded: a message that went out in clear text looks the same (${n}).`);
    else if (u.format === 'exchange-tracking') why.push(`A message-tracking log says nothing about TLS (${n}).`);
    else if (u.format === 'exchange') why.push(`These Exchange protocol log sessions end before anything about TLS (${n}).`);
    else if (u.format === 'postfix') why.push(`Postfix writes TLS lines only at smtp_tls_loglevel / smtpd_tls_loglevel 1 or more, and these sessions have none${u.evidence === 'none' ? ' (nor the "disconnect from" command counters of Postfix 3.0 and later)' : ''} (${n}).`);
    else if (u.format === 'exim') why.push(`Exim's lines for these sessions carry no TLS field (X=): rejected or cut off before a message (${n}).`);
    else why.push(`Sendmail's lines for these sessions say nothing about STARTTLS: rejected or cut off before a message (${n}).`);
  }
  return why.join(' ') || 'The sessions ended before their log said anything about TLS.';
}

const OLD = new Set(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.0', 'TLSv1.1']);

function inputsNamed(body: LogsBody, pred: (i: LogsBody['inputs'][number]) => boolean): string {
  return fewOf(body.inputs.filter(pred).map((i) => i.name), 3);
}

export const logsCheck: Check<LogsCheckInput> = {
  name: 'logs',
  assess({ body }) {
    const out: Finding[] = [];
    const t = body.totals;
    const c = t.counts;
    const total = t.sessions;
    const unrecognised = body.inputs.filter((i) => i.format === null && i.problem === null && i.lines > 0);
    if (unrecognised.length) out.push(makeFinding('logs.unrecognised', { inputs: inputsNamed(body, (i) => unrecognised.includes(i)) }));
    const reason = body.failures[0]?.explained?.meaning.split(/(?<=\.)\s/)[0] ?? body.failures[0]?.reason ?? 'the log gives no reason';
    if (c['failed-then-clear'] > 0) out.push(makeFinding('logs.clear-fallback', { count: c['failed-then-clear'], total, where: where(body, ['failed-then-clear']), reason }));
    if (c.failed > 0) out.push(makeFinding('logs.tls-failed', { count: c.failed, total, where: where(body, ['failed']), reason }));
    if (c.clear > 0) out.push(makeFinding('logs.cleartext', { count: c.clear, total, share: pct(c.clear, total - c.unknown), where: where(body, ['clear']) }));
    const old = Object.entries(t.protocols).filter(([p]) => OLD.has(p));
    if (old.length) {
      const n = old.reduce((a, [, k]) => a + k, 0);
      const oldRows = body.domains.filter((r) => r.protocols.some((p) => OLD.has(p))).map((r) => r.name);
      out.push(makeFinding('logs.old-protocol', { count: n, protocols: old.map(([p]) => p).join(', '), where: fewOf(oldRows, 3) || 'see the sessions' }));
    }
    // Some sessions the log cannot tell about beside others it can: a note. None it can tell about: we cannot judge.
    if (c.unknown > 0 && c.unknown === total) out.push(makeFinding('logs.tls-unknown-all', { total, why: unknownWhy(body) }));
    else if (c.unknown > 0) out.push(makeFinding('logs.tls-unknown', { count: c.unknown, total, why: unknownWhy(body) }));
    const notLogged = body.inputs.filter((i) => i.notes.some((n) => n.id.startsWith('postfix-') && n.id.includes('loglevel')));
    if (notLogged.length) out.push(makeFinding('logs.tls-not-logged', { inputs: inputsNamed(body, (i) => notLogged.includes(i)), detail: notLogged[0]?.notes.find((n) => n.id.includes('loglevel'))?.detail ?? '' }));
    const trackingOnly = body.inputs.filter((i) => i.notes.some((n) => n.id === 'exchange-protocol-logging-off'));
    if (trackingOnly.length) out.push(makeFinding('logs.protocol-logging-off', { inputs: inputsNamed(body, (i) => trackingOnly.includes(i)), how: trackingOnly[0]?.notes.find((n) => n.id === 'exchange-protocol-logging-off')?.detail ?? '' }));
    const malformed = body.inputs.reduce((a, i) => a + i.malformed, 0);
    if (malformed > 0) {
      const first = body.inputs.find((i) => i.malformedExamples.length)?.malformedExamples[0];
      out.push(makeFinding('logs.malformed-lines', { count: malformed, inputs: inputsNamed(body, (i) => i.malformed > 0), example: first ? `line ${first.line}: ${first.text.slice(0, 160)}` : '' }));
    }
    if (total === 0 && !unrecognised.length) {
      const filtered = body.inputs.reduce((a, i) => a + i.filteredOut, 0);
      const local = body.inputs.reduce((a, i) => a + i.local, 0);
      const left = [filtered ? `${filtered} left out by the filters` : '', local ? `${local} with this machine itself, left out unless --include-local` : ''].filter(Boolean).join('; ');
      out.push(makeFinding('logs.no-sessions', { inputs: inputsNamed(body, () => true) || 'the input', filtered: left ? ` (${left})` : '' }));
    }
    const encrypted = c.verified + c.encrypted;
    if (c.encrypted > 0) out.push(makeFinding('logs.unverified', { count: c.encrypted, total: encrypted, where: where(body, ['encrypted']) }));
    if (total > 0 && encrypted > 0 && c.failed + c['failed-then-clear'] + c.clear === 0) out.push(makeFinding('logs.all-tls', { count: encrypted, verified: c.verified }));
    return out;
  },
};
