// The MTA-STS policy fetch (RFC 8461 §3.3): GET https://mta-sts.<domain>/.well-known/mta-sts.txt
// through the injected HTTP fetcher, and what came back recorded as facts (PolicyFetch) for the
// posture job to judge. This only measures: whether the answer is a usable policy (status 200,
// text/plain, its contents) is the judge's business.
//
// The fetcher does the hard parts: names through the injected Resolver, HTTPS verified against the
// injected trust store with SNI and the name check on the URL's host — so a policy host that is a
// CNAME must still present a certificate for mta-sts.<domain> (§3.3) — a size cap and a deadline.
// Redirects are never followed (§3.3): a 3xx is an answer, recorded with its Location.
// The CNAME chain of the policy host is looked up alongside, for the report only.
import { createHash } from 'node:crypto';
import { DnsError, MxrayError, UsageError } from '../../core/errors.js';
import { verifyChain } from '../../pki/verify.js';
import type { Resolver, TrustStore } from '../../core/context.js';
import type { PolicyFetch } from '../../core/schema.js';
import { normalizeDomainName } from '../../core/target.js';
import type { Transcript } from '../../core/transcript.js';
import type { HttpFetcher } from '../../http/fetcher.js';

/** RFC 8461 §3.3: senders may refuse a policy larger than 64 KiB. */
export const MAX_POLICY_BYTES = 64 * 1024;
/** Time for the whole fetch (DNS, connect, TLS, answer) unless the caller says otherwise. */
export const DEFAULT_POLICY_TIMEOUT_MS = 15_000;
/** CNAME links followed from mta-sts.<domain> (for the report; the fetcher's own lookup follows them itself). */
export const MAX_CNAME_LINKS = 8;
/** Bounds of the header values kept (the schema's). */
export const MAX_CONTENT_TYPE = 1024;
export const MAX_LOCATION = 2048;

export interface FetchPolicyEdges {
  /** null: nothing is fetched (the result is 'skipped'). */
  fetcher: HttpFetcher | null;
  resolver: Resolver;
  transcript?: Transcript;
  signal?: AbortSignal;
  /** Time for the fetch; default DEFAULT_POLICY_TIMEOUT_MS. */
  timeoutMs?: number;
  /**
   * Verify the policy host's certificate here, with pki/verify.ts against this store at `now` (the
   * fetcher then only hands over the chain: the same verifier as the MX certificates, and no roots
   * loaded into OpenSSL). Absent: the fetcher verifies against its own store.
   */
  verify?: { trustStore: TrustStore; now: number };
}

/** Why a policy host's certificate fails, as the fetcher would name it (null: it passes). */
export function certificateFailure(chain: Buffer[], host: string, verify: NonNullable<FetchPolicyEdges['verify']>): MxrayError | null {
  const v = verifyChain({ chain, trustStore: verify.trustStore, now: verify.now, name: host, domain: null });
  const why = (detail: string, words: string) => new MxrayError('tls-handshake-error', `the certificate of ${host} ${words}`, detail);
  if (!v.trusted) return why('cert-untrusted', `is not trusted: ${v.trustReason ?? v.trustFailure}`);
  if (!v.timeValid) return v.daysLeft > 0 ? why('cert-not-yet-valid', 'is not valid yet') : why('cert-expired', 'has expired');
  if (v.nameMatches !== true) return why('cert-name-mismatch', `does not name ${host}`);
  return null;
}

const WELL_KNOWN = '/.well-known/mta-sts.txt';

/** A header value as received, cut to `max` characters. */
function bounded(value: string | undefined, max: number): string | null {
  if (value === undefined) return null;
  return value.length > max ? value.slice(0, max) : value;
}

function empty(url: string): PolicyFetch {
  return { url, status: 'failed', cname: [], address: null, httpStatus: null, contentType: null, location: null, bytes: null, body: null, sha256: null, error: null };
}

/**
 * The CNAME chain from `host`: each alias target in turn, at most MAX_CNAME_LINKS. It ends quietly
 * where a name is no alias (NODATA) or does not exist (NXDOMAIN); a loop ends it with the name seen
 * again as the last entry, so a reader can tell it. Any other DNS outcome ends it with a note. A
 * rejection that is no DnsError is a broken resolver: our bug, thrown.
 */
async function cnameChain(host: string, resolver: Resolver, note: (text: string) => void, signal: AbortSignal | undefined): Promise<string[]> {
  const chain: string[] = [];
  const seen = new Set([host]);
  let name = host;
  while (signal?.aborted !== true) {
    let targets: string[];
    try {
      targets = await resolver.cname(name);
    } catch (err) {
      if (!(err instanceof DnsError)) throw err;
      if (err.code !== 'NODATA' && err.code !== 'NXDOMAIN') note(`CNAME lookup of ${name}: ${err.code}; the alias chain is not followed further`);
      break;
    }
    const next = targets[0];
    if (next === undefined) break;
    if (chain.length === MAX_CNAME_LINKS) {
      note(`${host}: more than ${MAX_CNAME_LINKS} CNAME links; the rest is not followed`);
      break;
    }
    chain.push(next);
    if (seen.has(next)) {
      note(`${host}: the CNAME chain loops back to ${next}`);
      break;
    }
    seen.add(next);
    name = next;
  }
  return chain;
}

/** `work`, or [] as soon as `signal` aborts (the chain is for the report only; an abort must not wait on DNS). */
function untilAborted(work: Promise<string[]>, signal: AbortSignal | undefined): Promise<string[]> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve([]);
  }
  return new Promise<string[]>((resolve, reject) => {
    const onAbort = () => resolve([]);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The body as UTF-8 text, and whether the bytes were UTF-8 at all (otherwise U+FFFD stands in for the bad bytes). */
function decodeUtf8(bytes: Buffer): { text: string; valid: boolean } {
  // ignoreBOM: a byte-order mark stays in the text, where the judge can see it.
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), valid: true };
  } catch {
    return { text: new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes), valid: false };
  }
}

/** The policy host mta-sts.<domain>, or why there is none: invalid-input 'non-ascii' or 'bad-domain'. */
function policyHost(domain: string): { host: string; refusal: null } | { host: null; refusal: MxrayError } {
  const refuse = (message: string, detail: string) => ({ host: null, refusal: new MxrayError('invalid-input', `${message}; nothing fetched`, detail) });
  // eslint-disable-next-line no-control-regex -- anything beyond ASCII
  if (/[^\x00-\x7f]/.test(domain)) return refuse('the domain is not in ASCII: give an internationalised domain as A-labels (xn--…)', 'non-ascii');
  let name: string;
  try {
    name = normalizeDomainName(domain, 'mail domain');
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return refuse(err.message, 'bad-domain');
  }
  // mta-sts.<domain> must itself be a name (253 characters at most).
  const host = `mta-sts.${name}`;
  if (host.length > 253) return refuse('the domain is too long for mta-sts.<domain> to be a DNS name', 'bad-domain');
  return { host, refusal: null };
}

/**
 * Fetches the MTA-STS policy of `domain` (a mail domain in ASCII: IDNs already as A-labels) and
 * records what happened. Never throws for anything the network or the domain does: 'failed' with
 * the fetcher's code, detail and message. Throws only for our own bugs (an exception that is no
 * MxrayError, or an internal-error one).
 *
 * `bytes` and `sha256` are those of the body bytes as received, for every answer (any status);
 * `body` is the UTF-8 text of a 2xx body. A body that is not valid UTF-8 keeps its decoded text with
 * U+FFFD in it; the transcript says so, and the sha256 of `body` re-encoded then differs from `sha256`.
 */
export async function fetchPolicy(domain: string, edges: FetchPolicyEdges): Promise<PolicyFetch> {
  const { host, refusal } = policyHost(domain);
  const url = host === null ? '' : `https://${host}${WELL_KNOWN}`;
  const conn = `${host ?? 'mta-sts'}/https`;
  const record = (kind: 'note' | 'error', text: string) => edges.transcript?.record(conn, kind, text);
  const result = empty(url);

  if (refusal !== null || host === null) {
    record('note', `MTA-STS policy not fetched: ${refusal?.message}`);
    return { ...result, status: 'skipped', error: refusal && { code: refusal.code, detail: refusal.detail, message: refusal.message } };
  }
  if (edges.fetcher === null) {
    const message = `nothing fetched: no HTTP fetcher was given, so ${url} was not asked`;
    record('note', `MTA-STS policy not fetched: ${message}`);
    return { ...result, status: 'skipped', error: { code: 'invalid-input', detail: 'no-fetcher', message } };
  }

  record('note', `GET ${url}`);
  // Once this call has returned, late DNS answers write nothing more.
  let open = true;
  const chain = untilAborted(
    cnameChain(host, edges.resolver, (text) => open && record('note', text), edges.signal),
    edges.signal,
  );
  const fetched = edges.fetcher
    .fetch({
      url,
      maxBytes: MAX_POLICY_BYTES,
      followRedirects: 0,
      timeoutMs: edges.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS,
      headers: { accept: 'text/plain' },
      ...(edges.signal ? { signal: edges.signal } : {}),
      ...(edges.verify ? { tlsVerify: 'caller' as const } : {}),
    })
    .then((answer) => {
      // Verified here: a certificate that fails is a failed fetch, as if the fetcher had refused it.
      const refused = edges.verify ? certificateFailure(answer.peerChain ?? [], host, edges.verify) : null;
      if (refused) throw refused;
      return answer;
    })
    .then(
      (answer) => ({ answer, error: null }),
      (error: unknown) => ({ answer: null, error }),
    );
  let cname: string[];
  let outcome: Awaited<typeof fetched>;
  try {
    [cname, outcome] = await Promise.all([chain, fetched]);
  } finally {
    open = false;
  }
  if (cname.length > 0) record('note', `${host} is an alias: CNAME ${cname.join(' → ')}`);

  const { answer, error } = outcome;
  if (answer === null) {
    if (!(error instanceof MxrayError) || error.code === 'internal-error') {
      record('error', 'the fetch failed on an internal error of mxray');
      throw error;
    }
    record('error', `no policy: ${error.code}${error.detail === null ? '' : ` (${error.detail})`}: ${error.message}`);
    return { ...result, cname, error: { code: error.code, detail: error.detail, message: error.message } };
  }
  if (answer.body.length > MAX_POLICY_BYTES) {
    // The fetcher broke its contract (maxBytes): our bug, and the report's bound must hold.
    throw new MxrayError('internal-error', `the HTTP fetcher returned ${answer.body.length} bytes, more than the ${MAX_POLICY_BYTES} asked for`, 'bug');
  }

  const contentType = bounded(answer.headers['content-type'], MAX_CONTENT_TYPE);
  const redirect = answer.status >= 300 && answer.status < 400;
  const location = redirect ? bounded(answer.headers.location, MAX_LOCATION) : null;
  const bytes = answer.body.length;
  const ok = answer.status >= 200 && answer.status < 300;
  record('note', `HTTP ${answer.status}, ${contentType ?? 'no Content-Type'}, ${bytes} bytes from ${answer.address}`);
  if (redirect) {
    record('note', location === null ? `redirect ${answer.status} without a Location; not followed (RFC 8461 §3.3)` : `redirect ${answer.status} to ${location}; not followed (RFC 8461 §3.3)`);
  }
  let body: string | null = null;
  if (ok) {
    const decoded = decodeUtf8(answer.body);
    body = decoded.text;
    if (!decoded.valid) record('note', 'the body is not valid UTF-8: the text keeps U+FFFD for the bad bytes; its size and SHA-256 are those of the bytes received');
  }
  return {
    ...result,
    status: 'fetched',
    cname,
    address: answer.address,
    httpStatus: answer.status,
    contentType,
    location,
    bytes,
    body,
    sha256: createHash('sha256').update(answer.body).digest('hex'),
  };
}
