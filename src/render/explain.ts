// `mxray explain`'s report as a Document: the answer first — for each recognised text what it
// means, whose side must act, the likely causes in order, the command that tells them apart and
// the fix per platform — then every line's codes decoded; the references in the details.
import type { BounceFacts, ExplainItem, ExplainReport, ExplainRule } from '../core/schema.js';
import { line, transcriptText, type Cell, type DetailSection, type Document, type DocumentOptions, type Line } from './document.js';
import { safe } from './style.js';

/** Items spelled out on the first screen; the rest are in the table and the details. */
const FIRST_SCREEN_ITEMS = 3;

const FAULT: Readonly<Record<ExplainRule['fault'], string>> = {
  receiver: 'the receiving server',
  sender: 'the sending server',
  either: 'either side (see the causes)',
  path: 'something on the path (a firewall)',
};

function codeText(item: ExplainItem): string {
  const root = item.root === null ? undefined : item.statuses[item.root];
  if (!root) return '-';
  return [root.reply === null ? '' : String(root.reply), root.code ?? ''].filter(Boolean).join(' ');
}

/** Where an item comes from: "Line 12", "bounce.eml line 12", "Recipient ann@partner.example". */
function whereOf(item: ExplainItem): string {
  if (item.recipient !== null) return `Recipient ${safe(item.recipient, 320)}`;
  const at = item.line === null ? 'Report' : `Line ${item.line}`;
  return item.file !== null ? `${safe(item.file, 200)} ${at.toLowerCase()}` : at;
}

function rowOf(item: ExplainItem): Cell[] {
  const main = item.rules.find((r) => !r.reason) ?? item.rules[0];
  return [
    { text: item.recipient !== null ? safe(item.recipient, 80) : item.line === null ? '-' : String(item.line) },
    { text: safe(codeText(item), 20) },
    { text: main ? safe(main.id, 60) : 'not recognised', ...(main ? {} : { verdict: 'inconclusive' as const }) },
    { text: main ? FAULT[main.fault] : '-' },
  ];
}

/** One rule as lines: meaning, fault, causes, the command, the fixes (references only with `refs`). */
function ruleLines(r: ExplainRule, depth: number, refs: boolean): Line[] {
  const out: Line[] = [line(depth, { bold: r.reason ? 'The reason it quotes: ' : 'Means: ' }, safe(r.meaning, 2000))];
  if (!r.reason) out.push(line(depth, { dim: 'Who acts: ' }, FAULT[r.fault]));
  r.causes.forEach((c, i) => out.push(line(depth, { dim: i === 0 ? 'Likely causes: ' : '               ' }, `${i + 1}. ${safe(c.cause, 1000)}`, c.findings.length ? { dim: ` (${c.findings.join(', ')})` } : '')));
  out.push(line(depth, { dim: 'Confirm: ' }, { bold: safe(r.confirm, 600) }));
  for (const [platform, steps] of Object.entries(r.fixes)) for (const s of steps) out.push(line(depth, { dim: `Fix (${safe(platform, 40)}): ` }, safe(s, 2000)));
  if (refs && r.refs.length) out.push(line(depth, { dim: 'References: ' }, safe(r.refs.join('; '), 1000)));
  return out;
}

const REPLY_CLASS: Readonly<Record<string, string>> = { '2': 'success', '4': 'try again later', '5': 'give up' };

/** A reply whose class its enhanced code contradicts ("451 5.7.3"): which one the sender follows. */
function mismatchNote(s: ExplainItem['statuses'][number]): string {
  const reply = String(s.reply);
  const enhanced = (s.code ?? '').charAt(0);
  return `The reply code ${reply} says ${REPLY_CLASS[reply.charAt(0)] ?? '?'}, its enhanced code ${safe(s.code ?? '', 20)} says ${REPLY_CLASS[enhanced] ?? '?'}: they must agree (RFC 2034 §4). Senders act on the reply code (RFC 5321 §4.2.1), so this message is ${reply.startsWith('4') ? 'retried until it expires in the queue' : 'returned at once'}.`;
}

function statusLines(item: ExplainItem, depth: number): Line[] {
  return item.statuses.flatMap((s, i) => [
    line(
      depth,
      { dim: i === item.root ? 'Root code: ' : 'Code: ' },
      safe([s.reply, s.code].filter((x) => x !== null).join(' '), 30),
      s.meaning ? ` — ${safe(s.meaning, 400)}` : s.code ? ' — not a registered detail' : '',
      s.tls ? { dim: ' (transport security)' } : '',
      s.words ? { dim: ` “${safe(s.words, 200)}”` } : '',
    ),
    ...(s.classMismatch ? [line(depth + 1, { bold: 'Note: ' }, mismatchNote(s))] : []),
  ]);
}

function itemSection(item: ExplainItem): DetailSection {
  return {
    heading: whereOf(item),
    lines: [line(0, { dim: safe(item.text, 600) }), ...statusLines(item, 0), ...item.rules.flatMap((r) => ruleLines(r, 0, true))],
  };
}

/** One bounce in a line: what it reports, and on how many recipients. */
function bounceLine(b: BounceFacts): Line {
  const counts = new Map<string, number>();
  for (const r of b.recipients) counts.set(r.action ?? 'no action given', (counts.get(r.action ?? 'no action given') ?? 0) + 1);
  const by = [...counts].map(([a, n]) => `${n} ${a}`).join(', ');
  const from = b.reportingMta ? ` from ${safe(b.reportingMta, 120)}` : '';
  const what = b.format === 'rfc3464' ? 'A delivery status notification' : b.format === 'text' ? 'A bounce' : b.format === 'exchange' ? 'An Exchange bounce' : b.format === 'postfix' ? 'A Postfix bounce' : 'An Exim bounce';
  return line(0, { bold: `${b.file !== null ? `${safe(b.file, 200)}: ` : ''}${what}${from}` }, b.subject ? { dim: ` “${safe(b.subject, 200)}”` } : '', `: ${b.recipients.length} recipient${b.recipients.length === 1 ? '' : 's'}${by ? ` (${by})` : ''}`);
}

/** A bounced recipient, as one line: its address, action, status and the server that answered. */
function recipientLine(r: BounceFacts['recipients'][number]): Line {
  const parts = [r.action ?? 'action not given', r.status, r.remoteMta ? `at ${safe(r.remoteMta, 120)}` : null].filter((x): x is string => x !== null);
  return line(0, { bold: `Recipient ${safe(r.address, 320)}: ` }, safe(parts.join(', '), 300));
}

function reasonOf(report: ExplainReport): string {
  const { items, unrecognised } = report.body;
  const recognised = items.filter((i) => i.rules.length > 0);
  const total = Math.max(report.body.recognised, recognised.length);
  if (recognised.length === 0) {
    const bounced = report.body.bounces.reduce((n, b) => n + b.recipients.length, 0);
    if (bounced) return `A bounce for ${bounced} recipient${bounced === 1 ? '' : 's'}; no rule recognises ${bounced === 1 ? 'its diagnostic' : 'their diagnostics'}${items.length ? ' (the codes are decoded below)' : ''}`;
    return items.length ? `No rule recognises this text; ${items.length === 1 ? 'its codes are' : 'the codes of each line are'} decoded below` : 'No SMTP reply, status code or known error text found';
  }
  const first = recognised[0] as ExplainItem;
  const main = first.rules.find((r) => !r.reason) ?? (first.rules[0] as ExplainRule);
  const unit = report.body.bounces.length ? 'diagnostic' : 'line';
  const more = total > 1 ? ` (and ${total - 1} more recognised ${unit}${total > 2 ? 's' : ''}${unrecognised ? `, ${unrecognised} not recognised` : ''})` : '';
  const who = first.recipient !== null ? `${first.recipient}: ` : '';
  // The first sentence ("e.g. 18" does not end one).
  return safe(`${who}${main.meaning.split(/(?<=[a-z)]\.) (?=[A-Z])/)[0]}${more}`, 400);
}

export function explainDocument(report: ExplainReport, options: DocumentOptions = {}): Document {
  const verbose = options.verbose === true;
  const { body } = report;
  const recognised = body.items.filter((i) => i.rules.length > 0);
  const context: Line[] = [];
  // A bounce: recipient by recipient, the failed ones with their explanation.
  let shown = 0;
  const inBounce = new Set<number>();
  const said = new Set<string>();
  for (const b of body.bounces) {
    context.push(bounceLine(b));
    for (const r of b.recipients) {
      if (r.item !== null) inBounce.add(r.item);
      if (shown >= FIRST_SCREEN_ITEMS * 2) continue;
      shown++;
      context.push(recipientLine(r));
      const item = r.item === null ? undefined : body.items[r.item];
      if (!item) continue;
      // Many recipients, one diagnostic: explained once.
      const signature = `${item.text}\u0000${item.rules.map((x) => x.id).join(',')}`;
      if (said.has(signature)) {
        context.push(line(1, { dim: 'the same diagnostic as above' }));
        continue;
      }
      said.add(signature);
      context.push(line(1, { dim: safe(item.text, 200) }));
      const root = item.root === null ? undefined : item.statuses[item.root];
      if (root) context.push(...statusLines({ ...item, statuses: [root], root: 0 }, 1));
      for (const rule of item.rules) context.push(...ruleLines(rule, 1, false));
    }
  }
  const rest = (recognised.length ? recognised : body.items).filter((item) => !inBounce.has(body.items.indexOf(item)));
  for (const item of rest.slice(0, Math.max(0, FIRST_SCREEN_ITEMS - shown))) {
    context.push(line(0, { bold: `${whereOf(item)}: ` }, { dim: safe(item.text, 200) }));
    const root = item.root === null ? undefined : item.statuses[item.root];
    if (root) context.push(...statusLines({ ...item, statuses: [root], root: 0 }, 1));
    for (const r of item.rules) context.push(...ruleLines(r, 1, false));
  }
  if (body.omitted) context.push(line(0, { dim: `${body.omitted} more lines left out (mxray keeps 5000 explained lines and reads the first 1,000,000 lines of a text)` }));
  const source = body.input.source === 'file' ? body.input.names.join(', ') : body.input.source === 'stdin' ? 'standard input' : 'the text given';
  return {
    title: 'mxray explain',
    subject: safe(`${source} (${body.input.lines} line${body.input.lines === 1 ? '' : 's'})`, 300),
    shortSubject: safe(report.target, 120),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [],
    verdict: report.verdict,
    verdictWord: recognised.length ? 'EXPLAINED' : 'NOT RECOGNISED',
    reason: reasonOf(report),
    verdictNote: `${Math.max(body.recognised, recognised.length)} recognised, ${body.unrecognised} with codes only`,
    context,
    summary: body.items.length > 1 ? { header: [body.bounces.length ? 'Line or recipient' : 'Line', 'Code', 'Recognised as', 'Who acts'], rows: body.items.slice(0, 200).map(rowOf) } : null,
    findings: [],
    details: options.brief && !verbose ? null : { heading: 'Every line in full', sections: body.items.slice(0, 500).map(itemSection) },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
    detailsHint: 'every line in full, with each code’s registry meaning and the references',
  };
}
