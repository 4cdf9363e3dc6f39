// Which mail software answers: the fingerprints of kb/software.ts held against the greeting, the
// EHLO reply's first line, the host name and the EHLO keywords. Pure and total: the inputs are
// hostile server text, so each is cut to a bounded length, control characters become spaces, and
// nothing here throws. It never guesses: two products with equal evidence give no answer.
import { SOFTWARE, type RemediationKey, type SoftwareConfidence, type SoftwareEntry, type SoftwareFingerprint, type SoftwareId } from '../kb/software.js';

export interface SoftwareInput {
  /** The greeting text (the banner's lines, with or without their reply codes). */
  banner: string | null;
  /** The EHLO reply's first line, after the announced name. */
  ehloText: string | null;
  /** The MX host name (or the name the server announced). */
  host: string | null;
  /** The EHLO keywords. */
  extensions: readonly string[];
}

export interface SoftwareMatch {
  id: SoftwareId;
  name: string;
  remediationKey: RemediationKey | null;
  confidence: SoftwareConfidence;
  /** The short reason, from the strongest trace: 'banner says "ESMTP Postfix"'. */
  evidence: string;
}

/** How much of each text is looked at. */
export const MAX_TEXT = 512;
const MAX_KEYWORDS = 100;
const MAX_KEYWORD = 64;
const MAX_QUOTE = 80;

const RANK: Readonly<Record<SoftwareConfidence, number>> = { low: 1, medium: 2, high: 3 };

/** The first MAX_TEXT characters, control characters (C0, DEL, C1) as spaces, trimmed; null for anything not a string. */
function boundedText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  return value.slice(0, MAX_TEXT).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
}

/** A banner that is mostly asterisks (Cisco ASA ESMTP inspection): it says nothing about the software. */
function isMasked(text: string): boolean {
  const stars = text.split('*').length - 1;
  return stars >= 5 && stars >= text.replace(/\s/g, '').length * 0.6;
}

const HOST_NAME = /^[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?$/;

/** A host name in the form the `host` fingerprints expect (lower case, no trailing dot), or null. */
function hostName(text: string | null): string | null {
  if (text === null) return null;
  const name = text.toLowerCase().replace(/\.$/, '');
  return HOST_NAME.test(name) ? name : null;
}

/** The first word of the greeting after its reply code: the name the server announces. */
function announcedName(banner: string | null): string | null {
  if (banner === null) return null;
  const word = banner.replace(/^\d{3}[ -]/, '').split(' ', 1)[0] ?? '';
  return hostName(word);
}

interface Prepared {
  banner: string | null;
  ehlo: string | null;
  hosts: readonly string[];
  keywords: ReadonlySet<string>;
}

function prepare(input: SoftwareInput): Prepared {
  const raw = (input ?? {}) as Partial<Record<keyof SoftwareInput, unknown>>;
  const bannerText = boundedText(raw.banner);
  const banner = bannerText !== null && !isMasked(bannerText) ? bannerText : null;
  const hosts = [hostName(boundedText(raw.host)), announcedName(banner)].filter((h): h is string => h !== null);
  const keywords = new Set<string>();
  if (Array.isArray(raw.extensions)) {
    for (const k of (raw.extensions as unknown[]).slice(0, MAX_KEYWORDS)) {
      // "AUTH=LOGIN" and "SIZE 10485760" name the keywords AUTH and SIZE.
      const keyword = typeof k === 'string' ? k.slice(0, MAX_KEYWORD).trim().split(/[\s=]/, 1)[0]!.toUpperCase() : '';
      if (keyword) keywords.add(keyword);
    }
  }
  return { banner, ehlo: boundedText(raw.ehloText), hosts, keywords };
}

const quote = (s: string): string => `"${s.trim().slice(0, MAX_QUOTE)}"`;

/** The evidence a fingerprint finds in the input, or null when it does not match. */
function evidenceOf(fp: SoftwareFingerprint, p: Prepared): string | null {
  switch (fp.field) {
    case 'banner':
    case 'ehlo': {
      const text = fp.field === 'banner' ? p.banner : p.ehlo;
      const m = text === null ? null : fp.pattern.exec(text);
      return m ? `${fp.field === 'banner' ? 'banner' : 'EHLO reply'} says ${quote(m[0])}` : null;
    }
    case 'host': {
      const name = p.hosts.find((h) => fp.pattern.test(h));
      return name === undefined ? null : `host name ${quote(name)}`;
    }
    case 'extensions': {
      const offered = fp.keywords.filter((k) => p.keywords.has(k));
      if (offered.length < fp.atLeast) return null;
      if (fp.noneOf?.some((k) => p.keywords.has(k))) return null;
      if (fp.onlyFrom && [...p.keywords].some((k) => !fp.onlyFrom!.includes(k))) return null;
      return `EHLO offers ${offered.join(', ')}`;
    }
  }
}

interface Candidate {
  entry: SoftwareEntry;
  /** The strongest matching fingerprint's confidence and evidence. */
  confidence: SoftwareConfidence;
  evidence: string;
  /** How many fingerprints match. */
  count: number;
}

function candidateOf(entry: SoftwareEntry, p: Prepared): Candidate | null {
  let best: Candidate | null = null;
  for (const fp of entry.fingerprints) {
    const evidence = evidenceOf(fp, p);
    if (evidence === null) continue;
    if (best === null) best = { entry, confidence: fp.confidence, evidence, count: 1 };
    else {
      best.count++;
      if (RANK[fp.confidence] > RANK[best.confidence]) Object.assign(best, { confidence: fp.confidence, evidence });
    }
  }
  return best;
}

/**
 * The software the traces point at: the highest confidence wins; at equal confidence, the one
 * with more matching fingerprints; still tied, null. Software another match `refines` (Exchange
 * Online over Exchange) steps aside first.
 */
export function identifySoftware(input: SoftwareInput): SoftwareMatch | null {
  const p = prepare(input);
  const found = SOFTWARE.map((e) => candidateOf(e, p)).filter((c): c is Candidate => c !== null);
  const refined = new Set(found.flatMap((c) => c.entry.refines ?? []));
  const ranked = found.filter((c) => !refined.has(c.entry.id)).sort((a, b) => RANK[b.confidence] - RANK[a.confidence] || b.count - a.count);
  const [first, second] = ranked;
  if (!first || (second && second.confidence === first.confidence && second.count === first.count)) return null;
  const { id, name, remediationKey } = first.entry;
  return { id, name, remediationKey, confidence: first.confidence, evidence: first.evidence };
}
