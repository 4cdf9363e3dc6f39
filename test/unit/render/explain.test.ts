// explainDocument (render/explain.ts), in process, on reports runExplain makes from real texts: an
// Exchange NDR's wrapped reply (451 wrapping 451 5.7.3), Postfix log lines, an unrecognised reply,
// nothing at all, files, and the bounce fixtures of test/fixtures/bounces (one recipient and many).
// Checked field by field: the title and subject, the verdict's word and its reason (the first
// sentence of the main rule, "(and N more recognised …)", the recipient first), the note, the lines
// under the verdict (where each item comes from, the root code, the class-mismatch note, the rule's
// meaning, who acts, the causes numbered, the command, the fixes; references only in the details),
// the summary table, the details, a bounce's own lines, and the options. A few branches that no rule
// of today's catalogue reaches (a status without a meaning, a rule without references) are checked on
// a report as a saved JSON file could hold it: explainDocument renders those too (mxray render).
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import type { ExplainItem, ExplainReport, ExplainRule } from '../../../src/core/schema.js';
import { runExplain } from '../../../src/jobs/explain/run-explain.js';
import { plainParts, type Document, type Line } from '../../../src/render/document.js';
import { explainDocument } from '../../../src/render/explain.js';
import { textOf } from '../../../src/render/text.js';
import { CERT, EXCHANGE, exchangeNdr, explainFiles, explainText, fixture, NOT_OFFERED, UNKNOWN } from '../../helpers/explain.js';


const text = (t: string, source: 'argument' | 'stdin' = 'argument'): Promise<ExplainReport> => explainText(t, source);
const files = explainFiles;

/** Each line as plain text, two spaces per depth. */
const plain = (lines: readonly Line[]): string[] => lines.map((l) => `${'  '.repeat(l.depth)}${plainParts(l.parts)}`);
const section = (doc: Document, heading: string): string[] => {
  const s = doc.details?.sections.find((x) => x.heading === heading);
  if (!s) throw new Error(`no section ${heading} among ${doc.details?.sections.map((x) => x.heading).join(', ')}`);
  return plain(s.lines);
};
const item = (r: ExplainReport, i = 0): ExplainItem => r.body.items[i] as ExplainItem;
const rule = (r: ExplainReport, i = 0, j = 0): ExplainRule => item(r, i).rules[j] as ExplainRule;

const EXCHANGE_FIRST = 'An Exchange receive connector that requires TLS got a mail command without STARTTLS first.';
const STARTTLS_FIRST = 'The receiving server accepts mail only over TLS (RFC 3207 §4: it answers every command but NOOP, EHLO, STARTTLS and QUIT with 530), and the sender sent a mail command without STARTTLS first.';

const MEANING_451 = 'Persistent transient failure: the sender keeps the message and tries again — Network and routing status (reaching the next system) — Other or undefined network or routing status';
const MEANING_573 = 'Permanent failure: the sender gives up and returns the message — Security or policy status — Security conversion required but not possible';
const MISMATCH_451 =
  'Note: The reply code 451 says try again later, its enhanced code 5.7.3 says give up: they must agree (RFC 2034 §4). Senders act on the reply code (RFC 5321 §4.2.1), so this message is retried until it expires in the queue.';

interface Rcpt {
  to: string;
  action?: string;
  status?: string;
  remote?: string;
  diag?: string;
}
/** A pasted RFC 3464 delivery-status part. */
const dsn = (mta: string, rcpts: Rcpt[]): string =>
  [
    `Reporting-MTA: dns; ${mta}`,
    ...rcpts.flatMap((r) => [
      '',
      `Final-Recipient: rfc822; ${r.to}`,
      ...(r.action ? [`Action: ${r.action}`] : []),
      ...(r.status ? [`Status: ${r.status}`] : []),
      ...(r.remote ? [`Remote-MTA: dns; ${r.remote}`] : []),
      ...(r.diag ? [`Diagnostic-Code: smtp; ${r.diag}`] : []),
    ]),
  ].join('\n');

describe('explainDocument: one recognised line (an Exchange NDR wrapping the receiver’s reply)', () => {
  it('the head: title, subject, the verdict’s word, the first sentence of the meaning, the counts', async () => {
    const r = await text(EXCHANGE);
    const doc = explainDocument(r);
    expect(doc.title).toBe('mxray explain');
    expect(doc.subject).toBe('the text given (1 line)');
    expect(doc.shortSubject).toBe(EXCHANGE);
    expect(doc.startedAt).toBe('1970-01-01T00:00:00.000Z');
    expect(doc.durationMs).toBe(0);
    expect(doc.meta).toEqual([]);
    expect(doc.verdict).toBe('not-applicable');
    expect(doc.verdictWord).toBe('EXPLAINED');
    // "first. The sender may never …": the reason stops at the first sentence.
    expect(rule(r).meaning.startsWith(`${EXCHANGE_FIRST} The sender`)).toBe(true);
    expect(doc.reason).toBe(EXCHANGE_FIRST);
    expect(doc.verdictNote).toBe('1 recognised, 0 with codes only');
    expect(doc.summary).toBeNull();
    expect(doc.findings).toEqual([]);
    expect(doc.transcript).toBeNull();
    expect(doc.explain).toBe(false);
    expect(doc.detailsHint).toBe('every line in full, with each code’s registry meaning and the references');
  });

  it('under the verdict: where, the root code with its class-mismatch note, meaning, who acts, causes numbered, the command, each platform’s fixes — no references', async () => {
    const r = await text(EXCHANGE);
    const x = rule(r);
    expect(x.id).toBe('exchange.starttls-required');
    expect(x.causes.map((c) => c.findings)).toEqual([['starttls.not-offered'], ['policy.requires-tls'], ['starttls.masked']]);
    expect(Object.keys(x.fixes)).toEqual(['exchange', 'exchange-online']);
    const c = x.causes.map((k) => k.cause);
    const [f1, f2] = x.fixes.exchange as string[];
    const [f3] = x.fixes['exchange-online'] as string[];
    expect(plain(explainDocument(r).context)).toEqual([
      `Line 1: ${EXCHANGE}`,
      `  Root code: 451 5.7.3 — ${MEANING_573} (transport security) “STARTTLS is required to send mail.”`,
      `    ${MISMATCH_451}`,
      `  Means: ${x.meaning}`,
      '  Who acts: either side (see the causes)',
      `  Likely causes: 1. ${c[0]} (starttls.not-offered)`,
      `                 2. ${c[1]} (policy.requires-tls)`,
      `                 3. ${c[2]} (starttls.masked)`,
      '  Confirm: mxray check {domain} --dnsbl',
      `  Fix (exchange): ${f1}`,
      `  Fix (exchange): ${f2}`,
      `  Fix (exchange-online): ${f3}`,
    ]);
  });

  it('the details: every code (the outer one as "Code:", the root as "Root code:"), then the rule with its references', async () => {
    const r = await text(EXCHANGE);
    const doc = explainDocument(r);
    expect(doc.details?.heading).toBe('Every line in full');
    expect(doc.details?.sections.map((s) => s.heading)).toEqual(['Line 1']);
    const lines = section(doc, 'Line 1');
    expect(lines.slice(0, 4)).toEqual([
      EXCHANGE,
      `Code: 451 4.4.0 — ${MEANING_451} “Primary target IP address responded with:”`,
      `Root code: 451 5.7.3 — ${MEANING_573} (transport security) “STARTTLS is required to send mail.”`,
      `  ${MISMATCH_451}`,
    ]);
    expect(lines[4]).toBe(`Means: ${rule(r).meaning}`);
    expect(lines.at(-1)).toBe(`References: ${rule(r).refs.join('; ')}`);
    expect(rule(r).refs.length).toBeGreaterThan(1);
    expect(plain(doc.context).some((l) => l.includes('References:'))).toBe(false);
  });
});

describe('explainDocument: log lines', () => {
  it('two recognised lines: the first one’s meaning "(and 1 more recognised line)", both spelled out, a table with line numbers and who acts', async () => {
    const r = await text(`${NOT_OFFERED}\n${CERT}`, 'stdin');
    const doc = explainDocument(r);
    expect(doc.subject).toBe('standard input (2 lines)');
    expect(doc.shortSubject).toBe('-');
    // One sentence: "(4.7.4)" and "policy map)," end none.
    expect(doc.reason).toBe(`${rule(r).meaning} (and 1 more recognised line)`);
    expect(doc.verdictNote).toBe('2 recognised, 0 with codes only');
    expect(doc.summary).toEqual({
      header: ['Line', 'Code', 'Recognised as', 'Who acts'],
      rows: [
        [{ text: '1' }, { text: '-' }, { text: 'postfix.tls-required-not-offered' }, { text: 'either side (see the causes)' }],
        [{ text: '2' }, { text: '-' }, { text: 'postfix.certificate-verification-failed' }, { text: 'the receiving server' }],
      ],
    });
    const ctx = plain(doc.context);
    expect(ctx.filter((l) => !l.startsWith(' '))).toEqual([`Line 1: ${NOT_OFFERED}`, `Line 2: ${CERT}`]);
    // No codes on these lines: no "Root code".
    expect(ctx.some((l) => l.includes('Root code'))).toBe(false);
    expect(ctx).toContain('  Confirm: mxray check mx.partner.example');
    expect(ctx).toContain('  Confirm: mxray cert mx.other.example');
    // A cause shown by several findings names them all.
    expect(ctx).toContain(`  Likely causes: 1. ${rule(r, 1).causes[0]?.cause} (cert.self-signed, cert.untrusted-root)`);
  });

  it('a library’s reason quoted in a line: "The reason it quotes:", no "Who acts" of its own, its causes numbered from 1', async () => {
    const r = await text(CERT);
    expect(item(r).rules.map((x) => [x.id, x.reason])).toEqual([
      ['postfix.certificate-verification-failed', false],
      ['openssl.local-issuer', true],
    ]);
    const quoted = rule(r, 0, 1);
    const ctx = plain(explainDocument(r).context);
    const at = ctx.indexOf(`  The reason it quotes: ${quoted.meaning}`);
    expect(at).toBeGreaterThan(0);
    expect(ctx[at + 1]).toBe(`  Likely causes: 1. ${quoted.causes[0]?.cause} (cert.chain-incomplete)`);
    expect(ctx[at + 2]).toBe(`                 2. ${quoted.causes[1]?.cause} (cert.untrusted-root)`);
    expect(ctx.filter((l) => l.startsWith('  Who acts: '))).toEqual(['  Who acts: the receiving server']);
    expect(ctx.filter((l) => l.startsWith('  Means: '))).toHaveLength(1);
    // The reason is the main rule's, not the quoted one's.
    expect(explainDocument(r).reason.startsWith('Postfix logs why OpenSSL refused')).toBe(true);
  });

  it('a line only a quoted reason recognises: that rule is its main one (the table names it, the reason is its meaning)', async () => {
    const r = await text('unable to get local issuer certificate\n421 mx.partner.example Service not available');
    expect(item(r).rules.map((x) => [x.id, x.reason])).toEqual([['openssl.local-issuer', true]]);
    const doc = explainDocument(r);
    expect(doc.summary?.rows[0]).toEqual([{ text: '1' }, { text: '-' }, { text: 'openssl.local-issuer' }, { text: 'the receiving server' }]);
    // One recognised line: no "(and … more)", whatever else there is.
    expect(doc.reason).toBe(rule(r).meaning);
  });

  it('three and four recognised lines: "(and N more recognised lines)", at most three spelled out under the verdict', async () => {
    const three = explainDocument(await text([NOT_OFFERED, CERT, NOT_OFFERED].join('\n')));
    expect(three.reason.endsWith(' (and 2 more recognised lines)')).toBe(true);
    const four = explainDocument(await text([NOT_OFFERED, CERT, NOT_OFFERED, CERT].join('\n')));
    expect(four.reason.endsWith(' (and 3 more recognised lines)')).toBe(true);
    expect(plain(four.context).filter((l) => /^Line \d/.test(l))).toEqual([`Line 1: ${NOT_OFFERED}`, `Line 2: ${CERT}`, `Line 3: ${NOT_OFFERED}`]);
    expect(four.summary?.rows.map((row) => row[0]?.text)).toEqual(['1', '2', '3', '4']);
    expect(four.details?.sections.map((s) => s.heading)).toEqual(['Line 1', 'Line 2', 'Line 3', 'Line 4']);
  });

  it('recognised and unrecognised lines: only the recognised ones under the verdict; the reason counts the others; the table says "not recognised"', async () => {
    const r = await text([UNKNOWN, NOT_OFFERED, '', CERT].join('\n'));
    const doc = explainDocument(r);
    expect(doc.subject).toBe('the text given (4 lines)');
    expect(doc.reason).toBe(`${rule(r, 1).meaning} (and 1 more recognised line, 1 not recognised)`);
    expect(doc.verdictNote).toBe('2 recognised, 1 with codes only');
    expect(plain(doc.context).filter((l) => /^Line \d/.test(l))).toEqual([`Line 2: ${NOT_OFFERED}`, `Line 4: ${CERT}`]);
    expect(doc.summary?.rows[0]).toEqual([{ text: '1' }, { text: '550 5.1.1' }, { text: 'not recognised', verdict: 'inconclusive' }, { text: '-' }]);
    expect(doc.summary?.rows[1]?.[2]).toEqual({ text: 'postfix.tls-required-not-offered' });
    expect(doc.details?.sections.map((s) => s.heading)).toEqual(['Line 1', 'Line 2', 'Line 4']);
  });

  it('lines given as files: "x.log line 2" where they come from, the files named in the subject', async () => {
    const r = await files(['x.log', `${UNKNOWN}\n${NOT_OFFERED}\n`], ['y.log', CERT]);
    const doc = explainDocument(r);
    expect(doc.subject).toBe('x.log, y.log (3 lines)');
    expect(doc.shortSubject).toBe('x.log y.log');
    expect(plain(doc.context).filter((l) => !l.startsWith(' '))).toEqual([`x.log line 2: ${NOT_OFFERED}`, `y.log line 1: ${CERT}`]);
    expect(doc.details?.sections.map((s) => s.heading)).toEqual(['x.log line 1', 'x.log line 2', 'y.log line 1']);
    expect(doc.summary?.header[0]).toBe('Line');
  });
});

describe('explainDocument: codes no rule recognises, and nothing at all', () => {
  it('one line with codes only: NOT RECOGNISED, "its codes are decoded below", the code spelled out under the verdict', async () => {
    const r = await text(UNKNOWN);
    const doc = explainDocument(r);
    expect(doc.verdict).toBe('inconclusive');
    expect(doc.verdictWord).toBe('NOT RECOGNISED');
    expect(doc.reason).toBe('No rule recognises this text; its codes are decoded below');
    expect(doc.verdictNote).toBe('0 recognised, 1 with codes only');
    expect(plain(doc.context)).toEqual([
      `Line 1: ${UNKNOWN}`,
      '  Root code: 550 5.1.1 — Permanent failure: the sender gives up and returns the message — Addressing status (the sender or recipient address) — Bad destination mailbox address “<a@b.example>: Recipient address rejected”',
    ]);
    expect(doc.summary).toBeNull();
    expect(section(doc, 'Line 1')).toEqual([UNKNOWN, plain(doc.context)[1]?.trimStart()]);
  });

  it('several lines with codes only: "the codes of each line are decoded below", each under the verdict (three at most), the table all "not recognised"', async () => {
    const lines = [UNKNOWN, '421 mx.partner.example Service not available', 'Status: 5.7.3', '550 4.7.1 Client host rejected'];
    const doc = explainDocument(await text(lines.join('\n')));
    expect(doc.reason).toBe('No rule recognises this text; the codes of each line are decoded below');
    expect(plain(doc.context).filter((l) => /^Line/.test(l))).toEqual(lines.slice(0, 3).map((l, i) => `Line ${i + 1}: ${l}`));
    expect(doc.summary?.rows).toEqual([
      [{ text: '1' }, { text: '550 5.1.1' }, { text: 'not recognised', verdict: 'inconclusive' }, { text: '-' }],
      [{ text: '2' }, { text: '421' }, { text: 'not recognised', verdict: 'inconclusive' }, { text: '-' }],
      [{ text: '3' }, { text: '5.7.3' }, { text: 'not recognised', verdict: 'inconclusive' }, { text: '-' }],
      [{ text: '4' }, { text: '550 4.7.1' }, { text: 'not recognised', verdict: 'inconclusive' }, { text: '-' }],
    ]);
  });

  it('a status code of its own, a reply without one, and no words after a code: each line says only what there is', async () => {
    const doc = explainDocument(await text('Status: 5.7.3\n421 mx.partner.example Service not available\n451 4.7.0'));
    expect(section(doc, 'Line 1')).toEqual(['Status: 5.7.3', `Root code: 5.7.3 — ${MEANING_573} (transport security)`]);
    expect(section(doc, 'Line 2')).toEqual(['421 mx.partner.example Service not available', 'Root code: 421 “mx.partner.example Service not available”']);
    expect(section(doc, 'Line 3')).toEqual([
      '451 4.7.0',
      'Root code: 451 4.7.0 — Persistent transient failure: the sender keeps the message and tries again — Security or policy status — Other or undefined security status (transport security)',
    ]);
  });

  it('a 5xx reply with a 4.x.x code: the note says the message is returned at once; a 3xx reply’s class has no word', async () => {
    const doc = explainDocument(await text('550 4.7.1 Client host rejected\n354 5.0.0 go ahead'));
    expect(section(doc, 'Line 1')[2]).toBe(
      '  Note: The reply code 550 says give up, its enhanced code 4.7.1 says try again later: they must agree (RFC 2034 §4). Senders act on the reply code (RFC 5321 §4.2.1), so this message is returned at once.',
    );
    expect(section(doc, 'Line 2')[2]).toBe(
      '  Note: The reply code 354 says ?, its enhanced code 5.0.0 says give up: they must agree (RFC 2034 §4). Senders act on the reply code (RFC 5321 §4.2.1), so this message is returned at once.',
    );
  });

  it('nothing with a code or a known text: "No SMTP reply, status code or known error text found", nothing else', async () => {
    const doc = explainDocument(await text('hello\nworld'));
    expect(doc.verdictWord).toBe('NOT RECOGNISED');
    expect(doc.reason).toBe('No SMTP reply, status code or known error text found');
    expect(doc.verdictNote).toBe('0 recognised, 0 with codes only');
    expect(doc.subject).toBe('the text given (2 lines)');
    expect(doc.context).toEqual([]);
    expect(doc.summary).toBeNull();
    expect(doc.details).toEqual({ heading: 'Every line in full', sections: [] });
  });
});

describe('explainDocument: bounces', () => {
  it('a DSN with three recipients, none recognised: the bounce in a line with its counts, each recipient with its diagnostic and root code', async () => {
    const r = await files(['dsn-pasted.txt', fixture('dsn-pasted.txt')]);
    const doc = explainDocument(r);
    expect(doc.reason).toBe('A bounce for 3 recipients; no rule recognises their diagnostics (the codes are decoded below)');
    expect(doc.verdictNote).toBe('0 recognised, 3 with codes only');
    const ctx = plain(doc.context);
    expect(ctx.filter((l) => !l.startsWith(' '))).toEqual([
      'dsn-pasted.txt: A delivery status notification from gw.sender.example: 3 recipients (2 failed, 1 delayed)',
      'Recipient kim@partner.example: failed, 5.7.10, at mx1.partner.example',
      'Recipient lou@partner.example: failed, 5.1.1, at 192.0.2.31',
      'Recipient max@slow.example: delayed, 4.4.1, at mx.slow.example',
    ]);
    const lou = ctx.indexOf('Recipient lou@partner.example: failed, 5.1.1, at 192.0.2.31');
    expect(ctx.slice(lou + 1, lou + 3)).toEqual([
      '  550 5.1.1 <lou@partner.example>: Recipient address rejected: User unknown',
      '  Root code: 550 5.1.1 — Permanent failure: the sender gives up and returns the message — Addressing status (the sender or recipient address) — Bad destination mailbox address “<lou@partner.example>: Recipient address rejected: User unknown”',
    ]);
    expect(doc.summary?.header).toEqual(['Line or recipient', 'Code', 'Recognised as', 'Who acts']);
    expect(doc.summary?.rows.map((row) => row.map((c) => c.text))).toEqual([
      ['kim@partner.example', '550 5.7.10', 'not recognised', '-'],
      ['lou@partner.example', '550 5.1.1', 'not recognised', '-'],
      ['max@slow.example', '421 4.4.1', 'not recognised', '-'],
    ]);
    expect(doc.details?.sections.map((s) => s.heading)).toEqual(['Recipient kim@partner.example', 'Recipient lou@partner.example', 'Recipient max@slow.example']);
  });

  it('one recognised recipient: the reason starts with the address; its rule under it, without references; not repeated as a line', async () => {
    const r = await files(['exchange-online.eml', fixture('exchange-online.eml')]);
    const doc = explainDocument(r);
    expect(doc.reason).toBe(`kai@partner.example: ${EXCHANGE_FIRST}`);
    const ctx = plain(doc.context);
    expect(ctx[0]).toBe('exchange-online.eml: A delivery status notification from AM0PR01MB1234.eur01.exo.example.net “Undeliverable: Contract draft”: 1 recipient (1 failed)');
    expect(ctx[1]).toBe('Recipient kai@partner.example: failed, 5.7.3, at mx.partner.example');
    expect(ctx[2]).toBe('  550 5.7.3 STARTTLS is required to send mail [LastAttemptedServerName=mx.partner.example] [LastAttemptedIP=192.0.2.77:25]');
    expect(ctx[3]).toBe(`  Root code: 550 5.7.3 — ${MEANING_573} (transport security) “STARTTLS is required to send mail”`);
    expect(ctx[4]).toBe(`  Means: ${rule(r).meaning}`);
    expect(ctx).toContain('  Confirm: mxray check partner.example --dnsbl');
    expect(ctx.filter((l) => l.startsWith('Recipient kai@partner.example'))).toHaveLength(1);
    expect(ctx.some((l) => l.includes('References:'))).toBe(false);
    expect(section(doc, 'Recipient kai@partner.example').at(-1)).toBe(`References: ${rule(r).refs.join('; ')}`);
    expect(doc.summary).toBeNull();
  });

  it('each dialect has its words: Exchange, Postfix, Exim, another MTA’s text; a reporting server and a subject only when known', async () => {
    const first = async (name: string) => plain(explainDocument(await files([name, fixture(name)])).context)[0];
    expect(await first('exchange-pasted.txt')).toBe('exchange-pasted.txt: An Exchange bounce from MBX01.corp.sender.example: 2 recipients (2 failed)');
    expect(await first('exchange-html-only.eml')).toBe('exchange-html-only.eml: An Exchange bounce from EX02.corp.sender.example “Undeliverable: Quarterly figures”: 2 recipients (2 failed)');
    expect(await first('postfix-pasted.txt')).toBe('postfix-pasted.txt: A Postfix bounce from smtp-out.sender.example: 1 recipient (1 failed)');
    expect(await first('exim-pasted.txt')).toBe('exim-pasted.txt: An Exim bounce: 2 recipients (2 failed)');
    expect(await first('qmail-text.eml')).toBe('qmail-text.eml: A bounce “failure notice”: 2 recipients (2 failed)');
    expect(await first('postfix-delayed.eml')).toBe('postfix-delayed.eml: A delivery status notification from relay.sender.example “Delayed Mail (still being retried)”: 1 recipient (1 delayed)');
    // Pasted, not a file: no name first.
    expect(plain(explainDocument(await text(fixture('postfix-pasted.txt'), 'stdin')).context)[0]).toBe('A Postfix bounce from smtp-out.sender.example: 1 recipient (1 failed)');
  });

  it('a recipient without a status, without a server, without a diagnostic: its line says what there is, and nothing under it', async () => {
    const exim = plain(explainDocument(await files(['exim-pasted.txt', fixture('exim-pasted.txt')])).context);
    expect(exim.at(-1)).toBe('Recipient eli@partner.example: failed, at mx.partner.example');
    const qmail = plain(explainDocument(await files(['qmail-text.eml', fixture('qmail-text.eml')])).context);
    expect(qmail).toContain('Recipient zoe@partner.example: failed, 5.7.1');
    expect(qmail.at(-1)).toBe('Recipient yan@partner.example: failed, 5.1.2');
  });

  it('two recipients, one recognised: the table says "Line or recipient"; the recognised one is not repeated under the verdict', async () => {
    const r = await files(['exchange-pasted.txt', fixture('exchange-pasted.txt')]);
    const doc = explainDocument(r);
    expect(doc.reason).toBe(`jo@partner.example: ${EXCHANGE_FIRST}`);
    expect(doc.verdictNote).toBe('1 recognised, 1 with codes only');
    const ctx = plain(doc.context);
    expect(ctx.filter((l) => l.startsWith('Recipient jo@partner.example'))).toEqual(['Recipient jo@partner.example: failed, 5.7.3, at mx-a.partner.example']);
    expect(ctx.filter((l) => !l.startsWith(' '))).toHaveLength(3);
    expect(ctx).toContain(`    ${MISMATCH_451}`);
    expect(doc.summary?.rows.map((row) => row.map((c) => c.text))).toEqual([
      ['jo@partner.example', '451 5.7.3', 'exchange.starttls-required', 'either side (see the causes)'],
      ['pat@partner.example', '550 5.4.1', 'not recognised', '-'],
    ]);
  });

  it('several recognised diagnostics: "(and N more recognised diagnostics, M not recognised)"; one diagnostic for many recipients is explained once', async () => {
    const starttls = '530 5.7.0 Must issue a STARTTLS command first';
    const notOffered = 'TLS is required, but was not offered by host mx.partner.example[192.0.2.25]';
    const two = await text(
      dsn('gw.sender.example', [
        { to: 'ann@partner.example', action: 'failed', status: '5.7.0', diag: starttls },
        { to: 'bob@partner.example', action: 'delayed', status: '4.7.4', diag: notOffered },
      ]),
    );
    expect(explainDocument(two).reason).toBe(`ann@partner.example: ${STARTTLS_FIRST} (and 1 more recognised diagnostic)`);
    const many = await text(
      dsn('gw.sender.example', [
        { to: 'ann@partner.example', action: 'failed', status: '5.7.0', diag: starttls },
        { to: 'bob@partner.example', action: 'failed', status: '5.7.0', diag: starttls },
        { to: 'cy@partner.example', action: 'delayed', status: '4.7.4', diag: notOffered },
        { to: 'di@partner.example', action: 'failed', status: '5.1.1', diag: '550 5.1.1 User unknown' },
      ]),
    );
    const doc = explainDocument(many);
    expect(doc.reason.endsWith(' (and 2 more recognised diagnostics, 1 not recognised)')).toBe(true);
    expect(doc.reason.startsWith('ann@partner.example: ')).toBe(true);
    const ctx = plain(doc.context);
    expect(ctx[0]).toBe('A delivery status notification from gw.sender.example: 4 recipients (3 failed, 1 delayed)');
    const bob = ctx.indexOf('Recipient bob@partner.example: failed, 5.7.0');
    expect(ctx[bob + 1]).toBe('  the same diagnostic as above');
    expect(ctx[bob + 2]).toBe('Recipient cy@partner.example: delayed, 4.7.4');
    expect(ctx.filter((l) => l === `  ${starttls}`)).toHaveLength(1);
    expect(ctx.filter((l) => l.startsWith('  Means: '))).toHaveLength(2);
  });

  it('more than six recipients: six under the verdict, every one in the table', async () => {
    const rcpts = Array.from({ length: 8 }, (_, i) => ({ to: `u${i}@partner.example`, action: 'failed', status: '5.1.1', diag: `550 5.1.1 <u${i}@partner.example> User unknown` }));
    const doc = explainDocument(await text(dsn('gw.sender.example', rcpts)));
    const ctx = plain(doc.context);
    expect(ctx[0]).toBe('A delivery status notification from gw.sender.example: 8 recipients (8 failed)');
    expect(ctx.filter((l) => l.startsWith('Recipient '))).toEqual(rcpts.slice(0, 6).map((x) => `Recipient ${x.to}: failed, 5.1.1`));
    expect(doc.summary?.rows.map((row) => row[0]?.text)).toEqual(rcpts.map((x) => x.to));
  });

  it('the report’s own diagnostic (no recipient’s words): "Report" when it names no recipient, shown while the first screen has room', async () => {
    const admin = exchangeNdr;
    const two = await text(admin(['ann@partner.example', 'bob@partner.example']));
    expect(two.body.items.map((i) => [i.recipient, i.line])).toEqual([[null, null]]);
    const doc = explainDocument(two);
    expect(doc.reason).toBe(EXCHANGE_FIRST);
    const ctx = plain(doc.context);
    expect(ctx.filter((l) => !l.startsWith(' '))).toEqual([
      'An Exchange bounce from MBX01.corp.sender.example: 2 recipients (2 failed)',
      'Recipient ann@partner.example: failed',
      'Recipient bob@partner.example: failed',
      `Report: Remote Server returned '${EXCHANGE}'`,
    ]);
    expect(doc.details?.sections.map((s) => s.heading)).toEqual(['Report']);
    expect(doc.summary).toBeNull();
    // With the recipients' own diagnostics: a row of its own, no line number.
    const withOwn = [
      'Delivery has failed to these recipients or groups:',
      '',
      'ann@partner.example',
      'bob@partner.example',
      '',
      'Diagnostic information for administrators:',
      '',
      'Generating server: MBX01.corp.sender.example',
      `Remote Server returned '${EXCHANGE}'`,
      ...['ann@partner.example', 'bob@partner.example'].flatMap((a) => ['', a, 'mx.partner.example', "Remote Server returned '550 5.1.1 User unknown'"]),
    ].join('\n');
    expect(explainDocument(await text(withOwn)).summary?.rows.map((row) => row.map((c) => c.text))).toEqual([
      ['ann@partner.example', '550 5.1.1', 'not recognised', '-'],
      ['bob@partner.example', '550 5.1.1', 'not recognised', '-'],
      ['-', '451 5.7.3', 'exchange.starttls-required', 'either side (see the causes)'],
    ]);
    // In a file: "<file> report".
    const inFile = explainDocument(await files(['ndr.txt', admin(['ann@partner.example', 'bob@partner.example'])]));
    expect(inFile.details?.sections.map((s) => s.heading)).toEqual(['ndr.txt report']);
    // Three recipients fill the first screen: the report's diagnostic waits for the details.
    const three = explainDocument(await text(admin(['ann@partner.example', 'bob@partner.example', 'cy@partner.example'])));
    expect(plain(three.context).filter((l) => !l.startsWith(' '))).toHaveLength(4);
    expect(plain(three.context).some((l) => l.startsWith('Report'))).toBe(false);
  });

  it('the report’s own diagnostic with one recipient: it is that recipient’s', async () => {
    const ndr = [
      'Delivery has failed to these recipients or groups:',
      '',
      'ann@partner.example',
      '',
      'Diagnostic information for administrators:',
      '',
      'Generating server: MBX01.corp.sender.example',
      `Remote Server returned '${EXCHANGE}'`,
      '',
      'ann@partner.example',
      'mx.partner.example',
      "Remote Server returned '550 5.1.1 User unknown'",
    ].join('\n');
    const doc = explainDocument(await text(ndr));
    const ctx = plain(doc.context);
    expect(ctx.filter((l) => !l.startsWith(' '))).toEqual([
      'An Exchange bounce from MBX01.corp.sender.example: 1 recipient (1 failed)',
      'Recipient ann@partner.example: failed, 5.1.1, at mx.partner.example',
      `Recipient ann@partner.example: Remote Server returned '${EXCHANGE}'`,
    ]);
    expect(doc.summary?.rows.map((row) => row.map((c) => c.text))).toEqual([
      ['ann@partner.example', '550 5.1.1', 'not recognised', '-'],
      ['ann@partner.example', '451 5.7.3', 'exchange.starttls-required', 'either side (see the causes)'],
    ]);
  });
});

describe('explainDocument: bounds and options', () => {
  it('past 5000 items: the reason and the note count all recognised lines, the left-out ones are said, the table stops at 200 rows and the details at 500', async () => {
    const r = await text(Array.from({ length: 5003 }, (_, i) => (i % 2 ? CERT : NOT_OFFERED)).join('\n'));
    expect(r.body.items).toHaveLength(5000);
    const doc = explainDocument(r);
    expect(doc.reason.endsWith(' (and 5002 more recognised lines)')).toBe(true);
    expect(doc.verdictNote).toBe('5003 recognised, 0 with codes only');
    expect(plain(doc.context).at(-1)).toBe('3 more lines left out (mxray keeps 5000 explained lines and reads the first 1,000,000 lines of a text)');
    expect(doc.summary?.rows).toHaveLength(200);
    expect(doc.details?.sections).toHaveLength(500);
  });

  it('nothing left out: no such line', async () => {
    const doc = explainDocument(await text(NOT_OFFERED));
    expect(plain(doc.context).some((l) => l.includes('left out'))).toBe(false);
  });

  it('brief leaves the details out (verbose puts them back); verbose adds the transcript and explains; explain alone explains', async () => {
    const r = await text(EXCHANGE);
    const plainDoc = explainDocument(r);
    expect(plainDoc.details).not.toBeNull();
    expect(plainDoc.explain).toBe(false);
    expect(explainDocument(r, { brief: true }).details).toBeNull();
    const verbose = explainDocument(r, { brief: true, verbose: true });
    expect(verbose.details?.sections.map((s) => s.heading)).toEqual(['Line 1']);
    expect(verbose.transcript).toBe('');
    expect(verbose.explain).toBe(true);
    const explain = explainDocument(r, { explain: true });
    expect(explain.explain).toBe(true);
    expect(explain.transcript).toBeNull();
    expect(explainDocument(r, { verbose: false, explain: false }).explain).toBe(false);
  });

  it('through the text back end: the verdict’s word and reason first, the table, the details', async () => {
    const out = textOf(explainDocument(await text(`${NOT_OFFERED}\n${CERT}`)), undefined, 200);
    const lines = out.split('\n');
    expect(lines[0]).toBe('mxray explain — the text given (2 lines) — 1970-01-01 00:00 UTC, 0.00 s');
    expect(lines[1]?.startsWith('EXPLAINED — The Postfix client was told')).toBe(true);
    expect(out).toContain('Every line in full');
    expect(lines.filter((l) => /^Line [12]$/.test(l))).toEqual(['Line 1', 'Line 2']);
  });
});

describe('explainDocument: what a saved report may hold that today’s catalogue does not make', () => {
  it('the main rule is the first that is not a quoted reason, wherever it sits', async () => {
    const r = structuredClone(await text(CERT));
    item(r).rules.reverse();
    const doc = explainDocument(r);
    expect(doc.summary).toBeNull();
    expect(doc.reason.startsWith('Postfix logs why OpenSSL refused')).toBe(true);
    const r2 = structuredClone(await text(`${CERT}\n${UNKNOWN}`));
    item(r2).rules.reverse();
    expect(explainDocument(r2).summary?.rows[0]?.[2]).toEqual({ text: 'postfix.certificate-verification-failed' });
  });

  it('a code without a meaning: "not a registered detail"; a cause without findings: no brackets; a rule without references: no line for them', async () => {
    const r = structuredClone(await text(EXCHANGE));
    const it0 = item(r);
    (it0.statuses[0] as ExplainItem['statuses'][number]).meaning = null;
    const x = rule(r);
    (x.causes[0] as ExplainRule['causes'][number]).findings = [];
    x.refs = [];
    const doc = explainDocument(r);
    const lines = section(doc, 'Line 1');
    expect(lines[1]).toBe('Code: 451 4.4.0 — not a registered detail “Primary target IP address responded with:”');
    expect(lines).toContain(`Likely causes: 1. ${x.causes[0]?.cause}`);
    expect(lines.some((l) => l.startsWith('References'))).toBe(false);
    expect(lines.at(-1)?.startsWith('Fix (exchange-online): ')).toBe(true);
  });

  it('recipients whose action is not given: counted as "no action given", their line says "action not given"', async () => {
    const r = structuredClone(await files(['dsn-pasted.txt', fixture('dsn-pasted.txt')]));
    const b = r.body.bounces[0];
    if (!b) throw new Error('no bounce');
    for (const x of b.recipients.slice(0, 2)) x.action = null;
    const ctx = plain(explainDocument(r).context);
    expect(ctx[0]).toBe('dsn-pasted.txt: A delivery status notification from gw.sender.example: 3 recipients (2 no action given, 1 delayed)');
    expect(ctx[1]).toBe('Recipient kim@partner.example: action not given, 5.7.10, at mx1.partner.example');
  });

  it('a bounce with no recipient left: "0 recipients", no counts', async () => {
    const r = structuredClone(await files(['dsn-pasted.txt', fixture('dsn-pasted.txt')]));
    const b = r.body.bounces[0];
    if (!b) throw new Error('no bounce');
    b.recipients = [];
    expect(plain(explainDocument(r).context)[0]).toBe('dsn-pasted.txt: A delivery status notification from gw.sender.example: 0 recipients');
  });
});

describe('explainDocument: a bounce whose diagnostic has neither a code nor a known text', () => {
  it('says it is a bounce, for how many recipients, and that no rule recognises the diagnostic', async () => {
    const r = await runExplain({ input: { source: 'stdin', parts: [{ name: null, text: '<ann@partner.example>: host mx.partner.example[192.0.2.25] said: mailbox unavailable (in reply to RCPT TO command)' }] }, clock: fixedClock(0) });
    expect(r.body.bounces.map((b) => b.recipients.length)).toEqual([1]);
    expect(explainDocument(r).reason).toBe('A bounce for 1 recipient; no rule recognises its diagnostic');
  });
});
