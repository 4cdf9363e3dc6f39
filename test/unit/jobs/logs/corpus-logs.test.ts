// The Postfix, Exim and Sendmail parsers over the shared corpus of real logs (read in place, never
// copied): the sniffers pick each file's format, no line throws, and what the parsers count agrees
// with counts taken from the raw text by simple independent matching.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { LogSessionSchema } from '../../../../src/core/logs-schema.js';
import type { LogFormatModule, LogSession, ParserSink } from '../../../../src/jobs/logs/model.js';
import { eximModule } from '../../../../src/jobs/logs/exim.js';
import { postfixModule } from '../../../../src/jobs/logs/postfix.js';
import { sendmailModule } from '../../../../src/jobs/logs/sendmail.js';
import { skipWithout } from '../../../helpers/skip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CORPUS = join(process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus'), 'logs');
const MODULES: LogFormatModule[] = [postfixModule, eximModule, sendmailModule];

type S = Omit<LogSession, 'file'>;

function files(prefix: string): string[] {
  if (!existsSync(CORPUS)) return [];
  return readdirSync(CORPUS)
    .filter((f) => f.startsWith(prefix) && statSync(join(CORPUS, f)).isFile())
    .map((f) => join(CORPUS, f));
}

function textLines(path: string): string[] {
  return readFileSync(path, 'latin1').split(/\r?\n/);
}

/** The runner's `--format auto`: the sum of sniff over the first 200 non-empty lines. */
function detect(lines: string[]): string {
  const sample = lines.filter((l) => l.length > 0).slice(0, 200);
  let best = '';
  let bestScore = 0;
  for (const m of MODULES) {
    const score = sample.reduce((sum, l) => sum + m.sniff(l), 0);
    if (score > bestScore) {
      best = m.format;
      bestScore = score;
    }
  }
  return best;
}

function parse(module: LogFormatModule, lines: string[]): { sessions: S[]; uses: Map<string, number> } {
  const sessions: S[] = [];
  const sink: ParserSink = { session: (s) => sessions.push(structuredClone(s)), note: () => undefined };
  const p = module.create(sink, { year: 2026, offsetMinutes: 0 });
  const uses = new Map<string, number>();
  lines.forEach((l, i) => {
    if (l.length === 0) return;
    let u = '';
    expect(() => (u = p.line(l, i + 1)), l).not.toThrow();
    uses.set(u, (uses.get(u) ?? 0) + 1);
  });
  expect(() => p.end()).not.toThrow();
  for (const s of sessions) expect(Value.Check(LogSessionSchema, { ...s, file: 'x' }), JSON.stringify(s)).toBe(true);
  return { sessions, uses };
}

const comments = (lines: string[]): number => lines.filter((l) => l.startsWith('#')).length;

describe('corpus: Postfix', () => {
  it('syslog files: detected as postfix; inbound sessions = disconnects; outbound messages = (pid, queue id) pairs of deliveries', (ctx) => {
    const list = files('postfix-');
    if (list.length === 0) skipWithout(ctx, 'corpus', `no Postfix logs at ${CORPUS} (set MXRAY_CORPUS to the corpus folder)`);
    for (const f of list) {
      const lines = textLines(f);
      expect(detect(lines), f).toBe('postfix');
      const { sessions, uses } = parse(postfixModule, lines);
      expect(uses.get('malformed') ?? 0, f).toBe(comments(lines));
      const disconnects = lines.filter((l) => /postfix[^ ]*\/smtpd\[\d+\]: disconnect from /.test(l)).length;
      expect(sessions.filter((s) => s.direction === 'inbound' && !s.incomplete).length, f).toBe(disconnects);
      const pairs = new Set<string>();
      for (const l of lines) {
        const m = /postfix[^ ]*\/smtp\[(\d+)\]: ([0-9A-Za-z]+): to=<[^>]*>, (?:orig_to=<[^>]*>, )?relay=[^,\s]*\[([^\]/]+)\]/.exec(l);
        if (m !== null) pairs.add(`${m[1]} ${m[2]}`);
      }
      expect(sessions.filter((s) => s.direction === 'outbound').reduce((n, s) => n + s.messages, 0), f).toBe(pairs.size);
      const tlsLines = lines.filter((l) => l.includes(' TLS connection established ')).length;
      expect(sessions.filter((s) => s.tls.protocol !== null).length, f).toBe(tlsLines);
      // every sender qmgr names for a received queue id is among its session's domains
      for (const s of sessions.filter((x) => x.direction === 'inbound')) {
        for (const q of s.queueIds) {
          const from = lines.map((l) => new RegExp(`qmgr\\[\\d+\\]: ${q}: from=<[^>@]*@([^>]+)>`).exec(l)).find((m) => m !== null);
          if (from) expect(s.domains, `${f} ${q}`).toContain(from[1]!.toLowerCase());
        }
      }
    }
  });

  it('grok test lines (message parts in YAML): TLS lines, deliveries and counters as the text says', (ctx) => {
    const dir = join(CORPUS, 'postfix-whyscream-grok-tests');
    if (!existsSync(dir)) skipWithout(ctx, 'corpus', `no ${dir} (set MXRAY_CORPUS to the corpus folder)`);
    // each file's data under its own process, with the program its name says
    const lines: string[] = [];
    const counters: string[] = [];
    let pid = 100;
    for (const name of readdirSync(dir).sort()) {
      const m = /^data: "?(.*?)"?$/m.exec(readFileSync(join(dir, name), 'latin1'));
      if (m === null) continue;
      const data = m[1]!;
      pid++;
      const program = /^(smtp|qmgr|lmtp|bounce|error)_/.exec(name)?.[1];
      if (program !== undefined) lines.push(`Nov 30 04:00:00 corpus postfix/${program}[${pid}]: ${data}`);
      else if (name.startsWith('command_counter_data')) {
        counters.push(data);
        lines.push(`Nov 30 04:00:00 corpus postfix/smtpd[${pid}]: disconnect from client.example.net[192.0.2.${pid % 250}] ${data}`);
      }
    }
    expect(detect(lines)).toBe('postfix');
    const { sessions, uses } = parse(postfixModule, lines);
    expect(uses.get('malformed') ?? 0).toBe(0);
    const tlsLines = lines.filter((l) => l.includes(' TLS connection established to ')).length;
    expect(sessions.filter((s) => s.direction === 'outbound' && s.tls.negotiated === true).length).toBe(tlsLines);
    const deliveries = lines.filter((l) => /postfix\/smtp\[\d+\]: \w+: to=<.*relay=[^,\s]*\[[0-9a-fA-F.:]+\]/.test(l)).length;
    expect(sessions.filter((s) => s.direction === 'outbound' && s.messages > 0).length).toBe(deliveries);
    const inbound = sessions.filter((s) => s.direction === 'inbound');
    expect(inbound).toHaveLength(counters.length);
    for (const [i, c] of counters.entries()) {
      const st = /starttls=(\d+)(?:\/(\d+))?/.exec(c);
      const s = inbound[i]!;
      expect(s.evidence).toBe('counters');
      expect(s.tls.attempted, c).toBe(st !== null);
      expect(s.tls.negotiated, c).toBe(st !== null && Number(st[1]) > 0);
    }
  });
});

describe('corpus: Exim', () => {
  it('detected as exim; arrivals = "<=" lines with H=; deliveries = "=>" lines with H=; rejects seen', (ctx) => {
    const list = files('exim-');
    if (list.length === 0) skipWithout(ctx, 'corpus', `no Exim logs at ${CORPUS} (set MXRAY_CORPUS to the corpus folder)`);
    for (const f of list) {
      const lines = textLines(f);
      expect(detect(lines), f).toBe('exim');
      const { sessions, uses } = parse(eximModule, lines);
      expect(uses.get('malformed') ?? 0, f).toBe(comments(lines));
      const arrivals = lines.filter((l) => /^\S+ \S+ (?:\[\d+\] )?\S{16,23} <= .* H=/.test(l)).length;
      expect(sessions.filter((s) => s.direction === 'inbound' && s.queueIds.length === 1).length, f).toBe(arrivals);
      const sent = lines.filter((l) => /^\S+ \S+ (?:\[\d+\] )?\S{16,23} => .* H=/.test(l));
      const outbound = sessions.filter((s) => s.direction === 'outbound' && s.lines.some((x) => x.text.includes(' => ')));
      expect(outbound.length, f).toBe(sent.length);
      // a delivery line with X= is a TLS session, one without is clear text
      expect(outbound.filter((s) => s.tls.negotiated === true).length, f).toBe(sent.filter((l) => / X=\S/.test(l)).length);
      const rejects = new Set(lines.filter((l) => /^\S+ \S+ (?:\[\d+\] )?H=.* rejected /.test(l)).map((l) => /\[(\d+)\] H=.*?\[([^\]]+)\]/.exec(l)?.slice(1).join(' ') ?? /H=.*?\[([^\]]+)\]/.exec(l)![1]));
      expect(sessions.filter((s) => s.status === 'rejected').length, f).toBe(rejects.size);
    }
  });
});

describe('corpus: Sendmail', () => {
  it('detected as sendmail; rejects and "did not issue MAIL" connections as the text says', (ctx) => {
    const list = files('sendmail-');
    if (list.length === 0) skipWithout(ctx, 'corpus', `no Sendmail logs at ${CORPUS} (set MXRAY_CORPUS to the corpus folder)`);
    for (const f of list) {
      const lines = textLines(f);
      expect(detect(lines), f).toBe('sendmail');
      const { sessions, uses } = parse(sendmailModule, lines);
      expect(uses.get('malformed') ?? 0, f).toBe(comments(lines));
      // rejecting rule sets, one session per process (a process may reject several recipients)
      const rejecting = new Set(lines.filter((l) => /ruleset=check_\w+, .*reject=/.test(l)).map((l) => / (\S+) (\S+\[\d+\]): /.exec(l)!.slice(1).join(' ')));
      expect(sessions.filter((s) => s.status === 'rejected').length, f).toBe(rejecting.size);
      const noMail = lines.filter((l) => l.includes(' did not issue MAIL/EXPN/VRFY/ETRN during connection to '));
      const closed = sessions.filter((s) => s.lines.some((x) => x.text.includes(' did not issue MAIL/')));
      expect(closed.length, f).toBe(noMail.length);
      for (const s of closed) expect(s.remoteIp, JSON.stringify(s.lines)).not.toBeNull();
      // a daemon child serves one connection: its messages are one session, one message per from= line
      const froms = lines.filter((l) => /: from=<[^>]*>, .*daemon=\S+, relay=.*\[/.test(l));
      const received = sessions.filter((s) => s.direction === 'inbound' && s.messages > 0);
      expect(received.reduce((n, s) => n + s.messages, 0), f).toBe(froms.length);
      expect(received.length, f).toBe(new Set(froms.map((l) => / (\S+\[\d+\]): .*relay=.*\[([^\]]+)\]/.exec(l)!.slice(1).join(' '))).size);
    }
  });
});
