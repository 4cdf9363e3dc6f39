// The verdicts of the shared corpus's real Received chains, read in place (never copied), against
// judgements the project made by hand from the raw lines (issue 22, "any header from the corpus
// gives a correct hop table and TLS verdict"): which organisation received each message, its
// border hop, the hops that crossed between organisations, TLS per hop, the verdict and the
// weakest version. The judgements and the rules they apply live in
// test/fixtures/headers/corpus-expectations.json ('judgement' on each hand-checked chain, and
// 'judgedOnly' for the corpus's other chains). Where analyseMessage says otherwise, the chain
// lists a known disagreement: what the code says and why the judgement differs. Each of those is
// its own it.fails below (it passes while the code still disagrees, and fails the day the code
// agrees: then remove the entry), and the chain's other fields are held to the judgement as usual.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, type TestContext } from 'vitest';
import { embeddedMessages } from '../../../../src/jobs/headers/read-header.js';
import { analyseMessage } from '../../../../src/jobs/headers/run-headers.js';
import { skipWithout } from '../../../helpers/skip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CORPUS = join(process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus'), 'headers');
const EXPECTATIONS = join(ROOT, 'test/fixtures/headers/corpus-expectations.json');

type TlsState = 'tls' | 'clear' | 'unknown';
type Verdict = 'protected' | 'cleartext' | 'unknown' | 'no-internet-hop' | 'no-hops';

interface Judgement {
  organisation: string | null;
  border: number | null;
  crossing: number[];
  tls: TlsState[];
  verdict: Verdict;
  weakestVersion: string | null;
  note: string;
}

/** What the judge can be compared on (the note is for people). */
type Field = Exclude<keyof Judgement, 'note'>;
const FIELDS: readonly Field[] = ['organisation', 'border', 'crossing', 'tls', 'verdict', 'weakestVersion'];

interface Disagreement {
  field: Field;
  /** For a 'tls' disagreement: the hop (oldest = 1). */
  hop?: number;
  /** What analyseMessage says today. */
  code: unknown;
  why: string;
}

interface Judged {
  file: string;
  part: string;
  dialects: string[];
  received: number;
  judgement?: Judgement;
  knownDisagreements?: Disagreement[];
}

const data = JSON.parse(readFileSync(EXPECTATIONS, 'utf8')) as { chains: Judged[]; judgedOnly: Judged[] };
const judged = [...data.chains, ...data.judgedOnly].filter((c): c is Judged & { judgement: Judgement } => c.judgement !== undefined);

/** The verdict the judgement's own crossing hops and TLS states give (the rule of issue 22). */
function verdictFrom(j: Pick<Judgement, 'crossing' | 'tls'>): Verdict {
  if (j.tls.length === 0) return 'no-hops';
  const states = j.crossing.map((i) => j.tls[i - 1]);
  if (states.length === 0) return 'no-internet-hop';
  if (states.includes('clear')) return 'cleartext';
  if (states.includes('unknown')) return 'unknown';
  return 'protected';
}

let files: string[] | undefined;
function corpusFiles(ctx: TestContext): string[] {
  if (files) return files;
  try {
    files = readdirSync(CORPUS).filter((f) => f.endsWith('.eml'));
    return files;
  } catch {
    return skipWithout(ctx, 'corpus', `no header corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
  }
}

/** The message of one chain: the file itself, or its Nth returned message. */
function chainText(ctx: TestContext, c: Judged): string {
  if (!corpusFiles(ctx).includes(c.file)) return skipWithout(ctx, 'corpus', `${c.file} is not in the corpus at ${CORPUS}`);
  const text = readFileSync(join(CORPUS, c.file), 'latin1');
  if (c.part === 'top') return text;
  const inner = embeddedMessages(text)[Number(c.part.slice('embedded:'.length))];
  expect(inner, `${c.part} of ${c.file}`).toBeDefined();
  return inner!;
}

/** What analyseMessage decides, in the judgement's terms. */
function decided(text: string, name: string): Omit<Judgement, 'note'> {
  const { message } = analyseMessage(text, name);
  return {
    organisation: message.organisation.names[0] ?? null,
    border: message.border?.hop ?? null,
    crossing: message.hops.filter((h) => h.crossing).map((h) => h.index),
    tls: message.hops.map((h) => h.tls),
    verdict: message.tls.verdict,
    weakestVersion: message.tls.weakestVersion,
  };
}

const label = (c: Judged): string => `${c.file} ${c.part}`;
const where = (d: Disagreement): string => (d.hop === undefined ? d.field : `${d.field} of hop ${d.hop}`);

describe('the hand-made judgements themselves', () => {
  it('cover at least 30 chains across at least 8 dialects, every hand-checked chain included', () => {
    expect(judged.length).toBeGreaterThanOrEqual(30);
    expect(new Set(judged.flatMap((c) => c.dialects)).size).toBeGreaterThanOrEqual(8);
    for (const c of data.chains) expect(c.judgement, label(c)).toBeDefined();
    expect(new Set(judged.map(label)).size, 'one judgement per chain').toBe(judged.length);
  });

  it('are consistent: one TLS state per Received line, hops in range, the verdict that their crossing hops give, a note that says how', () => {
    for (const c of judged) {
      const j = c.judgement;
      expect(j.tls.length, label(c)).toBe(c.received);
      if (j.border !== null) expect(j.border >= 1 && j.border <= c.received, label(c)).toBe(true);
      expect([...j.crossing].sort((a, b) => a - b), label(c)).toEqual(j.crossing);
      expect(new Set(j.crossing).size, label(c)).toBe(j.crossing.length);
      for (const i of j.crossing) expect(i >= 1 && i <= c.received, label(c)).toBe(true);
      expect(j.verdict, label(c)).toBe(verdictFrom(j));
      if (j.verdict === 'no-internet-hop' || j.verdict === 'no-hops') expect(j.weakestVersion, label(c)).toBeNull();
      expect(j.note.length, label(c)).toBeGreaterThan(40);
      for (const d of c.knownDisagreements ?? []) {
        expect(FIELDS, `${label(c)}: ${d.field}`).toContain(d.field);
        expect(d.hop !== undefined, `${label(c)}: a tls disagreement names its hop, no other does`).toBe(d.field === 'tls');
        expect(d.why.length, label(c)).toBeGreaterThan(40);
        expect(d.code, `${label(c)} ${where(d)}: the code's value differs from the judgement`).not.toEqual(d.hop === undefined ? j[d.field] : j.tls[d.hop - 1]);
      }
    }
  });
});

describe('analyseMessage agrees with the hand-made judgement (known disagreements aside)', () => {
  for (const c of judged) {
    it(`${label(c)} (${c.dialects.join(', ')}): ${c.judgement.verdict}`, (ctx) => {
      const got = decided(chainText(ctx, c), c.file);
      const j = c.judgement;
      const known = c.knownDisagreements ?? [];
      const note = `${label(c)}: ${j.note}`;
      expect(got.tls.length, note).toBe(c.received);
      for (const field of FIELDS) {
        const d = known.find((k) => k.field === field && k.hop === undefined);
        if (d !== undefined) {
          // Still the disagreement recorded (if this fails, the code changed: see the it.fails below).
          expect(got[field], `${label(c)}: known disagreement on ${field} no longer as recorded`).toEqual(d.code);
        } else if (field === 'tls') {
          j.tls.forEach((state, i) => {
            const dh = known.find((k) => k.field === 'tls' && k.hop === i + 1);
            expect(got.tls[i], `${note} (TLS of hop ${i + 1}${dh ? ', known disagreement no longer as recorded' : ''})`).toBe(dh ? dh.code : state);
          });
        } else {
          expect(got[field], `${note} (${field})`).toEqual(j[field]);
        }
      }
    });
  }
});

describe('known disagreements: the judgement the code does not meet yet (each passes while the code disagrees)', () => {
  for (const c of judged) {
    for (const d of c.knownDisagreements ?? []) {
      it.fails(`${label(c)}, ${where(d)}: judged ${JSON.stringify(d.hop === undefined ? c.judgement[d.field] : c.judgement.tls[d.hop - 1])}, code says ${JSON.stringify(d.code)}`, (ctx) => {
        const got = decided(chainText(ctx, c), c.file);
        if (d.hop === undefined) expect(got[d.field], d.why).toEqual(c.judgement[d.field]);
        else expect(got.tls[d.hop - 1], d.why).toBe(c.judgement.tls[d.hop - 1]);
      });
    }
  }
});
