// Judges a domain's posture facts: the MTA-STS record and policy against the MX hosts, the TLS-RPT
// record, and (when looked up) the block lists. Pure: the same facts always give the same findings
// and the same judged fields (id, parsed policy, coverage, effect, rua) — what `mxray report
// --rejudge` and the receiver test rely on.
import type { DnsFacts, Finding, MtaSts, PolicyFetch, PostureSection, SeenPolicy, TlsRpt, TranscriptEvent, TxtLookup } from '../../core/schema.js';
import { judgeDnsbl } from '../dnsbl/index.js';
import { makeFinding, type Facts, type FindingId } from '../../kb/index.js';
import { matchMx, mxName, nearMiss, parsePolicy, type ParsedPolicy } from './policy.js';
import { selectMtaStsRecord, selectTlsRptRecord, someOf } from './records.js';
import { fewOf } from '../words.js';

/** RFC 8461 §3.2 expects max_age "in the range of weeks or greater"; below a day is flagged. */
export const SHORT_MAX_AGE_SECONDS = 86_400;

/** RFC 8461 §3.3 suggests senders read at most 64 KiB of policy. */
export const POLICY_MAX_BYTES = 65_536;

export interface PostureJudgement {
  section: PostureSection;
  findings: Finding[];
  /** The parsed policy, problems and hints included (null: none fetched). */
  policy: ParsedPolicy | null;
}

const finding = (id: FindingId, facts: Facts, hosts: string[] = []): Finding => makeFinding(id, facts, [], hosts);

/** The MX host names senders deliver to (a null MX or none: empty). */
export function mxHosts(dns: DnsFacts): string[] {
  // A null MX's "." (RFC 7505) is no host.
  return [...new Set(dns.mx.filter((m) => !m.isIpLiteral).map((m) => mxName(m.exchange)))].filter((name) => name !== '');
}

/** Whether the MX hosts are known: a lookup that failed leaves them unknown (never "none"). */
export function mxKnown(dns: DnsFacts): boolean {
  return !['servfail', 'timeout', 'error'].includes(dns.status);
}

/** What a certificate failure of the policy host is, in words. */
const CERT_WORDS: Readonly<Record<string, string>> = {
  'cert-untrusted': 'not trusted',
  'cert-name-mismatch': `not valid for the policy host's name`,
  'cert-expired': 'expired',
  'cert-not-yet-valid': 'not valid yet',
};


function quoted(records: readonly { text: string }[]): string {
  return records.map((r) => `"${r.text.slice(0, 120)}"`).join(', ');
}

/** Is the Content-Type text/plain (parameters allowed, case-insensitive, RFC 8461 §3.3)? */
export function isTextPlain(contentType: string | null): boolean {
  if (contentType === null) return false;
  return /^text\/plain[ \t]*(;.*)?$/i.test(contentType.trim());
}

/** The policy a sender gets from the fetch, or why it gets none (a finding). */
function fetchedPolicy(domain: string, fetch: PolicyFetch, announced: boolean, findings: Finding[]): ParsedPolicy | null {
  const url = fetch.url;
  if (fetch.status !== 'fetched') {
    if (!announced) return null;
    if (fetch.status === 'skipped') {
      findings.push(finding('mta-sts.policy-not-fetched', { domain, url, why: fetch.error?.message ?? 'not fetched' }));
      return null;
    }
    const e = fetch.error;
    // Stopped by our own deadline or abort: nothing is known of the policy host.
    if (e?.detail === 'aborted') {
      findings.push(finding('mta-sts.policy-not-fetched', { domain, url, why: 'mxray stopped the fetch (its deadline, or the run was stopped)' }));
      return null;
    }
    if (e?.detail === 'too-large') findings.push(finding('mta-sts.policy-too-large', { domain, limit: POLICY_MAX_BYTES }));
    else if (e?.code === 'tls-handshake-error' && e.detail !== 'handshake-failed') {
      findings.push(
        finding('mta-sts.policy-cert-invalid', {
          domain,
          url,
          detail: e.detail,
          what: CERT_WORDS[e.detail ?? ''] ?? 'rejected',
          message: e.message,
          cname: fetch.cname.length ? `mta-sts.${domain} → ${fetch.cname.join(' → ')}` : 'not a CNAME here',
        }),
      );
    } else findings.push(finding('mta-sts.policy-unreachable', { domain, url, status: e ? `${e.code}${e.detail ? `, ${e.detail}` : ''}` : 'no answer', message: e?.message ?? 'no answer' }));
    return null;
  }
  const status = fetch.httpStatus ?? 0;
  if (status >= 300 && status < 400) {
    if (announced) findings.push(finding('mta-sts.policy-redirect', { domain, url, httpStatus: status, location: fetch.location ?? 'none' }));
    return null;
  }
  if (status !== 200) {
    if (announced) findings.push(finding('mta-sts.txt-without-policy', { domain, url, httpStatus: status }));
    return null;
  }
  if (fetch.body === null) return null;
  const policy = parsePolicy(fetch.body);
  if (!announced) return policy;
  if (!isTextPlain(fetch.contentType)) findings.push(finding('mta-sts.bad-content-type', { domain, contentType: fetch.contentType ?? 'no Content-Type' }));
  if (policy.problems.length > 0) {
    findings.push(finding('mta-sts.policy-invalid', { domain, problems: someOf(policy.problems), hints: policy.hints.length ? `${someOf(policy.hints, 4)}.` : '' }));
  }
  return policy;
}

/** Did the policy come across as senders accept it (no finding against the fetch or the text)? */
function usable(policy: ParsedPolicy | null, fetch: PolicyFetch): policy is ParsedPolicy {
  return policy !== null && policy.problems.length === 0 && isTextPlain(fetch.contentType);
}

function lookupFailed(lookup: TxtLookup): boolean {
  return lookup.status === 'error';
}

interface MtaStsContext {
  domain: string;
  mx: string[];
  /** false: the MX lookup failed, coverage is not judged. */
  mxKnown: boolean;
  resolver: string;
  tlsRptNote: string;
}

function judgeMtaSts(facts: MtaSts, ctx: MtaStsContext, findings: Finding[]): { mtaSts: MtaSts; policy: ParsedPolicy | null } {
  const { domain } = ctx;
  const record = facts.record;
  const out: MtaSts = { ...facts, id: null, parsed: null, coverage: [], effect: 'not-published' };
  if (lookupFailed(record)) {
    findings.push(finding('mta-sts.lookup-failed', { domain, name: record.name, error: record.error ?? 'no answer', resolver: ctx.resolver }));
    out.effect = 'broken';
    return { mtaSts: out, policy: null };
  }
  const selection = selectMtaStsRecord(record.records);
  let announced = false;
  if (selection.ours.length > 1) {
    findings.push(finding('mta-sts.multiple-records', { domain, count: selection.ours.length, records: quoted(selection.ours) }));
  } else if (selection.record !== null) {
    if (selection.record.problems.length > 0) {
      findings.push(finding('mta-sts.bad-record', { domain, record: selection.record.text.slice(0, 200), problem: someOf(selection.record.problems) }));
    } else {
      announced = true;
      out.id = selection.record.id;
    }
  } else {
    for (const miss of selection.nearMisses.slice(0, 3)) findings.push(finding('mta-sts.record-near-miss', { domain, record: miss.text.slice(0, 200) }));
  }
  const recordPresent = selection.ours.length > 0 || selection.nearMisses.length > 0;

  const policy = fetchedPolicy(domain, facts.policy, announced, findings);
  out.parsed = policy ? { version: policy.version, mode: policy.mode, maxAge: policy.maxAge, mx: policy.mx, lineEndings: policy.lineEndings } : null;

  if (!announced) {
    // No valid record: senders never fetch the policy. One served anyway is a trap (cached copies live on).
    if (usable(policy, facts.policy) && policy.mode !== 'none') {
      const prev = facts.previous;
      findings.push(
        finding('mta-sts.policy-without-record', {
          domain,
          mode: policy.mode,
          previous: prev
            ? `mxray saw it published under id ${prev.id} at ${prev.seenAt}${prev.maxAge !== null ? `: senders that fetched it then keep it for its max_age of ${prev.maxAge} seconds from their last fetch` : ''}.`
            : '',
        }),
      );
    }
    if (!recordPresent) findings.push(finding('mta-sts.not-published', { domain, resolver: ctx.resolver }));
    out.effect = recordPresent ? 'broken' : 'not-published';
    return { mtaSts: out, policy };
  }
  if (!usable(policy, facts.policy)) {
    out.effect = 'broken';
    return { mtaSts: out, policy };
  }

  // A valid policy. Changed under the same id (what senders read of it, not a byte of layout)?
  const prev = facts.previous;
  if (prev && out.id !== null && prev.id === out.id && changedSince(prev, policy, facts.policy.sha256)) {
    findings.push(finding('mta-sts.id-unchanged', { domain, id: out.id, seenAt: prev.seenAt, maxAge: prev.maxAge ?? policy.maxAge }));
  }
  const mode = policy.mode ?? 'none';
  out.effect = mode === 'enforce' ? 'enforced' : mode;
  if (mode === 'none') {
    findings.push(finding('mta-sts.mode-none', { domain }));
    return { mtaSts: out, policy };
  }
  // A short max_age is right while testing; it weakens only an enforced policy.
  if (mode === 'enforce' && policy.maxAge !== null && policy.maxAge < SHORT_MAX_AGE_SECONDS) findings.push(finding('mta-sts.max-age-short', { domain, maxAge: policy.maxAge }));
  if (mode === 'testing') findings.push(finding('mta-sts.testing', { domain, tlsRpt: ctx.tlsRptNote }));

  // The MX lookup failed: which hosts the policy must cover is not known, and nothing is claimed.
  if (!ctx.mxKnown) return { mtaSts: out, policy };
  out.coverage = ctx.mx.map((mx) => ({ mx, pattern: matchMx(mx, policy.mx) }));
  const missed = out.coverage.filter((c) => c.pattern === null).map((c) => c.mx);
  if (missed.length) {
    const hints = missed.map((mx) => nearMiss(mx, policy.mx)).filter((h): h is string => h !== null);
    const one = missed.length === 1;
    findings.push(
      finding(
        'mta-sts.mx-not-covered',
        {
          domain,
          mx: fewOf(missed),
          is: one ? 'is' : 'are',
          patterns: fewOf(policy.mx, 5),
          mode,
          hint: hints.length ? `${someOf(hints, 3)} ` : '',
          effect:
            mode === 'enforce'
              ? `In mode enforce, MTA-STS senders do not deliver to ${one ? 'this host' : 'these hosts'}.`
              : `In mode testing, senders deliver and report the failure; in mode enforce they would not deliver to ${one ? 'this host' : 'these hosts'}.`,
        },
        missed,
      ),
    );
  }
  const used = new Set(out.coverage.map((c) => c.pattern));
  if (ctx.mx.length > 0) for (const p of policy.mx.filter((p) => !used.has(p)).slice(0, 10)) findings.push(finding('mta-sts.pattern-unused', { domain, pattern: p }));

  if (missed.length === 0) {
    findings.push(
      finding('mta-sts.ok', {
        domain,
        mode,
        id: out.id,
        maxAge: policy.maxAge,
        covered: ctx.mx.length === 0 ? 'no MX host (the domain has none)' : ctx.mx.length === 1 ? 'its MX host' : `all ${ctx.mx.length} MX hosts`,
        resolver: ctx.resolver,
      }),
    );
  }
  return { mtaSts: out, policy };
}

/**
 * Did the policy change in what senders read of it since it was seen? With the patterns kept, the
 * mode, max_age and the set of patterns are compared (a change of line ends or order is none);
 * from an older memory without them, the bytes.
 */
function changedSince(prev: SeenPolicy, policy: ParsedPolicy, sha256: string | null): boolean {
  if (prev.mx === undefined) return sha256 !== null && prev.sha256 !== sha256;
  const a = new Set(prev.mx);
  const b = new Set(policy.mx);
  return prev.mode !== policy.mode || prev.maxAge !== policy.maxAge || a.size !== b.size || [...a].some((p) => !b.has(p));
}

function judgeTlsRpt(facts: TlsRpt, domain: string, resolver: string, mtaStsPublished: boolean, findings: Finding[]): TlsRpt {
  const out: TlsRpt = { ...facts, rua: [] };
  const record = facts.record;
  if (lookupFailed(record)) {
    findings.push(finding('tls-rpt.lookup-failed', { domain, name: record.name, error: record.error ?? 'no answer', resolver }));
    return out;
  }
  const selection = selectTlsRptRecord(record.records);
  if (selection.ours.length > 1) {
    findings.push(finding('tls-rpt.multiple-records', { domain, count: selection.ours.length, records: quoted(selection.ours) }));
    return out;
  }
  if (selection.record !== null) {
    if (selection.record.problems.length > 0) {
      findings.push(finding('tls-rpt.bad-record', { domain, record: selection.record.text.slice(0, 200), problem: someOf(selection.record.problems) }));
    } else {
      out.rua = selection.record.rua.slice(0, 64);
      findings.push(finding('tls-rpt.ok', { domain, rua: fewOf(out.rua), resolver }));
      if (selection.record.unusable.length) findings.push(finding('tls-rpt.uri-unusable', { domain, problems: someOf(selection.record.unusable, 3), rua: fewOf(out.rua) }));
    }
    return out;
  }
  for (const miss of selection.nearMisses.slice(0, 3)) findings.push(finding('tls-rpt.record-near-miss', { domain, record: miss.text.slice(0, 200) }));
  if (selection.nearMisses.length > 0) return out;
  const misplaced = facts.misplaced ? selectTlsRptRecord(facts.misplaced.records) : null;
  if (facts.misplaced && misplaced && misplaced.ours.length > 0) {
    findings.push(finding('tls-rpt.misplaced', { domain, name: facts.misplaced.name, record: (misplaced.ours[0]?.text ?? '').slice(0, 200) }));
    return out;
  }
  findings.push(
    finding('tls-rpt.not-published', {
      domain,
      why: mtaStsPublished ? 'The domain publishes MTA-STS: without TLS-RPT its mode testing tells nobody anything, and failures in mode enforce go unseen.' : '',
    }),
  );
  return out;
}

export interface PostureFacts {
  domain: string;
  dns: DnsFacts;
  posture: PostureSection;
  /** The run's transcript, for the block list findings' evidence. */
  transcript?: readonly TranscriptEvent[];
}

/** Judges MTA-STS and TLS-RPT, and the block lists when they were asked (checks/dnsbl). */
export function judgePosture(facts: PostureFacts): PostureJudgement {
  const { domain, dns } = facts;
  const findings: Finding[] = [];
  const resolver = dns.resolver;
  const tlsRptFindings: Finding[] = [];
  const mtaStsPresent = facts.posture.mtaSts.record.status === 'found' && selectMtaStsRecord(facts.posture.mtaSts.record.records).ours.length > 0;
  const tlsRpt = judgeTlsRpt(facts.posture.tlsRpt, domain, resolver, mtaStsPresent, tlsRptFindings);
  const tlsRptNote =
    tlsRpt.rua.length > 0
      ? `reports go to ${fewOf(tlsRpt.rua)}`
      : tlsRpt.record.status === 'error'
        ? 'but whether the domain publishes a TLS-RPT record could not be looked up'
        : 'but this domain publishes no valid TLS-RPT record, so nobody receives them';
  const { mtaSts, policy } = judgeMtaSts(facts.posture.mtaSts, { domain, mx: mxHosts(dns), mxKnown: mxKnown(dns), resolver, tlsRptNote }, findings);
  const dnsbl = facts.posture.dnsbl ? judgeDnsbl(facts.posture.dnsbl, facts.transcript) : [];
  return { section: { ...facts.posture, mtaSts, tlsRpt }, findings: [...findings, ...tlsRptFindings, ...dnsbl], policy };
}
