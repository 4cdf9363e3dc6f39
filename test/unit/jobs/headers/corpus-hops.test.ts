// The real Received chains of the shared corpus, read in place (never copied), against the
// expectations the project wrote and checked by hand in test/fixtures/headers/corpus-expectations.json
// (issue 22, item 6): every field of every hop, oldest first. Then every Received field of every
// corpus message — top-level and returned inside a bounce — is held to the parser's promises: no
// internal error, no from.ip that is not an address, no host with spaces or parentheses, and a date
// whenever the value ends in something date-like after a ';'.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, type TestContext } from 'vitest';
import { embeddedMessages, fieldsNamed, readHeaderBlock } from '../../../../src/jobs/headers/read-header.js';
import { isIpAddress, parseReceived, type ReceivedHop } from '../../../../src/jobs/headers/received.js';
import { skipWithout } from '../../../helpers/skip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CORPUS = join(process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus'), 'headers');
const EXPECTATIONS = join(ROOT, 'test/fixtures/headers/corpus-expectations.json');

interface ExpectedHop {
  helo: string | null; reverse: string | null; ip: string | null; by: string | null; with: string | null;
  tls: boolean | null; tlsVersion: string | null; cipher: string | null; date: string | null; software: string | null;
}
interface Chain { file: string; part: string; dialects: string[]; received: number; checked: string; hops: ExpectedHop[] }

const chains = (JSON.parse(readFileSync(EXPECTATIONS, 'utf8')) as { chains: Chain[] }).chains;

function corpusFiles(ctx: TestContext): string[] {
  try {
    return readdirSync(CORPUS).filter((f) => f.endsWith('.eml')).sort();
  } catch {
    return skipWithout(ctx, 'corpus', `no header corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
  }
}

/** The text of one chain: the message itself, or its Nth returned message. */
function chainText(text: string, part: string): string | undefined {
  if (part === 'top') return text;
  const n = Number(part.slice('embedded:'.length));
  return embeddedMessages(text)[n];
}

/** The hop as the expectations write it. */
function flat(h: ReceivedHop): ExpectedHop {
  return {
    helo: h.from?.helo ?? null, reverse: h.from?.reverse ?? null, ip: h.from?.ip ?? null, by: h.by, with: h.with,
    tls: h.protocol?.tls ?? null, tlsVersion: h.tls?.version ?? null, cipher: h.tls?.cipher ?? null,
    date: h.date?.epochMs == null ? null : new Date(h.date.epochMs).toISOString(), software: h.software,
  };
}

const MONTHS = new Set(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']);

/** Whether the text after the last ';' looks like a date: a month name and a time of day. */
function looksLikeDate(value: string): boolean {
  const semi = value.lastIndexOf(';');
  if (semi < 0) return false;
  const words = value.slice(semi + 1).split(/[\s,]+/);
  return words.some((w) => MONTHS.has(w.toLowerCase())) && words.some((w) => /^\d{1,2}:\d{2}(:\d{2})?$/.test(w));
}

function hasSpaceOrParen(s: string): boolean {
  return /[\s()]/.test(s);
}

describe('the expectations file itself', () => {
  it('covers at least 30 chains of at least 25 files, 5 returned messages, and 8 dialects', () => {
    expect(chains.length).toBeGreaterThanOrEqual(30);
    expect(new Set(chains.map((c) => c.file)).size).toBeGreaterThanOrEqual(25);
    expect(chains.filter((c) => c.part !== 'top').length).toBeGreaterThanOrEqual(5);
    const dialects = new Set(chains.flatMap((c) => c.dialects));
    for (const d of ['postfix', 'exim', 'exchange-onprem', 'exchange-online', 'gmail', 'sendmail', 'qmail', 'opensmtpd', 'iis', 'domino', 'courier', 'yahoo']) expect(dialects, d).toContain(d);
    for (const c of chains) {
      expect(c.hops.length, c.file).toBe(c.received);
      expect(c.checked.length, c.file).toBeGreaterThan(40);
    }
  });
});

describe('hand-checked hops of the corpus, read in place', () => {
  for (const chain of chains) {
    it(`${chain.file} ${chain.part} (${chain.dialects.join(', ')})`, (ctx) => {
      if (!corpusFiles(ctx).includes(chain.file)) return skipWithout(ctx, 'corpus', `${chain.file} is not in the corpus at ${CORPUS}`);
      const text = chainText(readFileSync(join(CORPUS, chain.file), 'latin1'), chain.part);
      expect(text, `${chain.part} of ${chain.file}`).toBeDefined();
      const fields = fieldsNamed(readHeaderBlock(text!), 'received');
      expect(fields.length).toBe(chain.received);
      const hops = [...fields].reverse().map((f) => flat(parseReceived(f.value)));
      hops.forEach((h, i) => expect(h, `hop ${i} (oldest first): ${[...fields].reverse()[i]!.value.slice(0, 80)}`).toEqual(chain.hops[i]));
    });
  }
});

describe('every Received field of every corpus message', () => {
  it('parses without an internal error, with only addresses as from.ip, hosts without spaces or parentheses, and a date wherever one is written', (ctx) => {
    let fields = 0;
    let chainsRead = 0;
    let dated = 0;
    for (const name of corpusFiles(ctx)) {
      const text = readFileSync(join(CORPUS, name), 'latin1');
      for (const message of [text, ...embeddedMessages(text)]) {
        chainsRead++;
        for (const f of fieldsNamed(readHeaderBlock(message), 'received')) {
          fields++;
          const h = parseReceived(f.value);
          const where = `${name}: ${f.value.slice(0, 100)}`;
          expect(h.notes, where).not.toContain('internal error while reading this field');
          if (h.from?.ip != null) expect(isIpAddress(h.from.ip), where).toBe(true);
          for (const host of [h.from?.helo, h.from?.reverse, h.by]) if (host != null) expect(hasSpaceOrParen(host), `${where} → "${host}"`).toBe(false);
          if (looksLikeDate(f.value)) {
            expect(h.date?.epochMs, `${where} → ${h.date?.note ?? 'no date'}`).not.toBeNull();
            dated++;
          }
        }
      }
    }
    expect(chainsRead).toBeGreaterThan(90);
    expect(fields).toBeGreaterThan(250);
    expect(dated).toBeGreaterThan(250);
  });

  it('mailauth\'s one-per-MTA headers too', (ctx) => {
    if (!corpusFiles(ctx).length) return;
    let entries: { header: string }[];
    try {
      entries = JSON.parse(readFileSync(join(CORPUS, 'mailauth-received-mta-formats.json'), 'utf8')) as { header: string }[];
    } catch {
      return skipWithout(ctx, 'corpus', 'no mailauth-received-mta-formats.json in the corpus');
    }
    expect(entries.length).toBeGreaterThan(10);
    for (const e of entries) {
      const h = parseReceived(e.header.replace(/^Received:/i, ''));
      if (h.from?.ip != null) expect(isIpAddress(h.from.ip), e.header).toBe(true);
      for (const host of [h.from?.helo, h.from?.reverse, h.by]) if (host != null) expect(hasSpaceOrParen(host), e.header).toBe(false);
      expect(h.date?.epochMs, e.header).not.toBeNull();
    }
  });
});
