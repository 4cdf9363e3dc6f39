// Measures a domain's TLS policies: the `_mta-sts` and `_smtp._tls` TXT records (and `_tlsrpt`, the
// common misplacement, when the right name has none) and the MTA-STS policy over HTTPS — fetched
// even without a record, since a policy served without one is a trap of its own. Only measures:
// what the judge (checks/posture) reads is kept as answered, bounded.
import type { Resolver, TrustStore } from '../../core/context.js';
import { DnsError } from '../../core/errors.js';
import type { MtaSts, PostureSection, SeenPolicy, TlsRpt, TxtLookup } from '../../core/schema.js';
import type { Transcript } from '../../core/transcript.js';
import type { HttpFetcher } from '../../http/fetcher.js';
import { fetchPolicy } from './fetch-policy.js';

/** TXT records kept per name, strings per record, characters per string (the schema's bounds). */
const MAX_RECORDS = 64;
const MAX_STRINGS = 64;
const MAX_STRING = 4096;

/** The policies seen before, by domain: what real senders cache (`mta-sts.id-unchanged` needs it). */
export interface PolicyMemory {
  recall(domain: string): Promise<SeenPolicy | null>;
  remember(domain: string, seen: SeenPolicy): Promise<void>;
}

/** A TXT lookup as answered; NXDOMAIN and NODATA are "none", any other failure an error. */
export async function lookupTxt(resolver: Resolver, name: string): Promise<TxtLookup> {
  try {
    const records = (await resolver.txt(name)).slice(0, MAX_RECORDS).map((r) => r.slice(0, MAX_STRINGS).map((s) => s.slice(0, MAX_STRING)));
    return { name, status: records.length > 0 ? 'found' : 'none', error: records.length > 0 ? null : 'NODATA', records };
  } catch (err) {
    if (err instanceof DnsError) {
      const none = err.code === 'NXDOMAIN' || err.code === 'NODATA';
      return { name, status: none ? 'none' : 'error', error: err.code === 'OTHER' ? err.message.slice(0, 200) : err.code, records: [] };
    }
    throw err;
  }
}

export interface PostureProbeEdges {
  /** Already traced and limited by the caller. */
  resolver: Resolver;
  fetcher: HttpFetcher | null;
  transcript?: Transcript;
  signal?: AbortSignal;
  fetchTimeoutMs?: number;
  memory?: PolicyMemory | null;
  /** Verify the policy host's certificate with pki/ against this store (see fetchPolicy); absent: the fetcher does. */
  verify?: { trustStore: TrustStore; now: number };
}

/**
 * The fetcher for the policy: the caller's, else the defaults' — unless the caller brought a resolver
 * of its own without a fetcher: the defaults' fetcher would look names up through another resolver,
 * so nothing is fetched (`mta-sts.policy-not-fetched`).
 */
export function policyFetcher(given: { fetcher?: HttpFetcher | null; resolver?: unknown }, defaults: () => { fetcher?: HttpFetcher }): HttpFetcher | null {
  if (given.fetcher !== undefined) return given.fetcher;
  return given.resolver ? null : (defaults().fetcher ?? null);
}

/** The facts of MTA-STS and TLS-RPT (judged fields empty; block lists are looked up apart). */
export async function probePosture(domain: string, edges: PostureProbeEdges): Promise<PostureSection> {
  const { resolver } = edges;
  const [stsRecord, rptRecord, policy, previous] = await Promise.all([
    lookupTxt(resolver, `_mta-sts.${domain}`),
    lookupTxt(resolver, `_smtp._tls.${domain}`),
    fetchPolicy(domain, {
      fetcher: edges.fetcher,
      resolver,
      ...(edges.transcript ? { transcript: edges.transcript } : {}),
      ...(edges.signal ? { signal: edges.signal } : {}),
      ...(edges.fetchTimeoutMs ? { timeoutMs: edges.fetchTimeoutMs } : {}),
      ...(edges.verify ? { verify: edges.verify } : {}),
    }),
    edges.memory ? edges.memory.recall(domain).catch(() => null) : Promise.resolve(null),
  ]);
  const misplaced = rptRecord.status === 'none' ? await lookupTxt(resolver, `_tlsrpt.${domain}`) : null;
  const mtaSts: MtaSts = { record: stsRecord, policy, previous, id: null, parsed: null, coverage: [], effect: 'not-published' };
  const tlsRpt: TlsRpt = { record: rptRecord, misplaced, rua: [] };
  return { mtaSts, tlsRpt, dnsbl: null };
}

/** What to remember of a judged policy: a valid one with an id, kept under that id until the id changes. */
export async function rememberPolicy(memory: PolicyMemory | null | undefined, domain: string, mtaSts: MtaSts, now: number): Promise<void> {
  if (!memory || mtaSts.id === null || mtaSts.parsed === null || mtaSts.policy.sha256 === null) return;
  if (mtaSts.effect === 'broken' || mtaSts.effect === 'not-published') return;
  // The first policy seen under an id stays: a later change under the same id is what senders never see.
  if (mtaSts.previous?.id === mtaSts.id) return;
  await memory.remember(domain, { id: mtaSts.id, sha256: mtaSts.policy.sha256, seenAt: new Date(now).toISOString(), mode: mtaSts.parsed.mode, maxAge: mtaSts.parsed.maxAge, mx: mtaSts.parsed.mx });
}
