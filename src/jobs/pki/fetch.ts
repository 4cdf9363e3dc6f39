// What certificates make a job fetch over HTTP: missing issuer certificates from AIA caIssuers URLs
// (chain repair, as Windows does and OpenSSL-based MTAs do not), CRLs and OCSP answers. Shared by
// every job that judges certificates (`mxray cert`, the receiver test). Every URL comes from a
// certificate, so every one is hostile: the injected fetcher bounds address, size and time, and
// each answer is checked (pki/revocation.ts) before anything is concluded from it. A lookup that
// could not be made is recorded as such — never as "not revoked".
//
// Lookups run concurrently and each URL is fetched once per run (FetchCache): four MX hosts with
// one certificate make one CRL and one OCSP request.
import { createHash } from 'node:crypto';
import type { TrustStore } from '../../core/context.js';
import { MxrayError } from '../../core/errors.js';
import type { AiaFetch, CertRevocation, PkiFetches, RevocationLookup } from '../../core/schema.js';
import type { Transcript } from '../../core/transcript.js';
import type { HttpFetcher } from '../../http/fetcher.js';
import { readCertDetails } from '../../pki/cert-details.js';
import { describeCertificate, displayName } from '../../pki/certificate.js';
import { CertFileError, readCertFile } from '../../pki/files.js';
import { checkCrl, checkOcspResponse, ocspRequest } from '../../pki/revocation.js';
import { repairChain } from '../../pki/verify.js';

/** Most issuer certificates fetched for one chain (a real chain misses one, rarely two). */
export const MAX_AIA_FETCHES = 4;
/** Most URLs of each kind looked up per certificate (real certificates name one or two). */
export const MAX_URLS_PER_KIND = 2;
/** Size caps: an issuer certificate (or a PKCS#7 bundle), a CRL (big CAs publish several MiB), an OCSP answer. */
export const MAX_AIA_BYTES = 256 * 1024;
export const MAX_CRL_BYTES = 16 * 1024 * 1024;
export const MAX_OCSP_BYTES = 64 * 1024;
/** Time for one fetch (Windows waits 15 s for a CRL by default). */
export const DEFAULT_FETCH_TIMEOUT_MS = 15_000;

type Answer = { ok: true; body: Buffer } | { ok: false; detail: string };

/** One fetch per URL (and request body) per run, shared by every host and certificate of the run. */
export class FetchCache {
  private readonly answers = new Map<string, Promise<Answer>>();
  /** How many fetches were actually made (for tests and the bench). */
  made = 0;

  get(key: string, fetch: () => Promise<Answer>): Promise<Answer> {
    let answer = this.answers.get(key);
    if (!answer) {
      this.made++;
      answer = fetch();
      this.answers.set(key, answer);
    }
    return answer;
  }
}

export interface PkiFetchContext {
  fetcher: HttpFetcher;
  trustStore: TrustStore;
  /** The judging time (epoch ms). */
  now: number;
  /** CRL and OCSP lookups (false: --no-revocation; AIA repair still runs). */
  revocation: boolean;
  cache: FetchCache;
  transcript: Transcript;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Told of every request actually made (not those answered from the cache): for progress. */
  onFetch?: (url: string) => void;
}

/** An http(s) URL we fetch; ldap: and file: URLs (Active Directory CAs publish ldap: CRLs) are listed, not fetched. */
function fetchable(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** A failed fetch in words an administrator can act on. */
function failureText(err: unknown): string {
  if (err instanceof MxrayError) {
    const d = err.detail ?? '';
    switch (err.code) {
      case 'dns-error':
        return `the name does not resolve (${d || 'DNS error'})`;
      case 'connection-refused':
        return `connection refused (${d || 'refused'})`;
      case 'connection-timeout':
      case 'io-timeout':
        return 'no answer in time';
      case 'blocked-target':
        return `not fetched: ${err.message}`;
      case 'protocol-error':
        return d === 'too-large' ? 'the answer is larger than mxray accepts' : `a broken HTTP answer (${d || err.message})`;
      case 'tls-handshake-error':
        return `the HTTPS handshake failed (${d || err.message})`;
      default:
        return err.message;
    }
  }
  return err instanceof Error ? err.message : String(err);
}

async function fetchOnce(
  ctx: PkiFetchContext,
  conn: string,
  request: { url: string; method?: 'GET' | 'POST'; body?: Buffer; contentType?: string; maxBytes: number },
): Promise<Answer> {
  const key = `${request.method ?? 'GET'} ${request.url} ${request.body ? createHash('sha256').update(request.body).digest('hex') : ''}`;
  return ctx.cache.get(key, async () => {
    ctx.onFetch?.(request.url);
    ctx.transcript.record(conn, 'send', `${request.method ?? 'GET'} ${request.url}`);
    try {
      const result = await ctx.fetcher.fetch({
        url: request.url,
        method: request.method ?? 'GET',
        ...(request.body ? { body: request.body } : {}),
        ...(request.contentType ? { headers: { 'content-type': request.contentType } } : {}),
        maxBytes: request.maxBytes,
        timeoutMs: ctx.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      ctx.transcript.record(conn, 'recv', `HTTP ${result.status}, ${result.body.length} bytes from ${request.url}`);
      if (result.status !== 200) return { ok: false, detail: `HTTP ${result.status}` };
      return { ok: true, body: result.body };
    } catch (err) {
      const detail = failureText(err);
      ctx.transcript.record(conn, 'error', `${request.url}: ${detail}`);
      return { ok: false, detail };
    }
  });
}

/** Certificates from an AIA answer: one DER certificate, or a PKCS#7 bundle (what CAs publish as .p7c). */
async function certificatesOf(body: Buffer, url: string): Promise<{ certificates: Buffer[]; detail: string | null }> {
  try {
    const contents = await readCertFile(body, { name: url });
    return { certificates: contents.certificates.slice(0, 8), detail: null };
  } catch (err) {
    if (err instanceof CertFileError) return { certificates: [], detail: 'the answer is not a certificate (DER or PKCS#7)' };
    throw err;
  }
}

/** Fetches missing issuers (AIA) until the path is complete, nothing more can be fetched, or the cap is reached. */
async function repairByAia(chain: Buffer[], ctx: PkiFetchContext, conn: string): Promise<{ fetches: AiaFetch[]; fetched: Buffer[] }> {
  const fetches: AiaFetch[] = [];
  const fetched: Buffer[] = [];
  const tried = new Set<string>();
  for (let round = 0; round < MAX_AIA_FETCHES; round++) {
    const { missingIssuerOf } = repairChain({ chain, trustStore: ctx.trustStore, now: ctx.now }, fetched);
    if (!missingIssuerOf) break;
    const url = readCertDetails(missingIssuerOf).caIssuers.find((u) => fetchable(u) && !tried.has(u));
    if (url === undefined) break;
    tried.add(url);
    const answer = await fetchOnce(ctx, conn, { url, maxBytes: MAX_AIA_BYTES });
    if (!answer.ok) {
      fetches.push({ url, ok: false, detail: answer.detail, certificates: [] });
      continue;
    }
    const { certificates, detail } = await certificatesOf(answer.body, url);
    fetches.push({ url, ok: certificates.length > 0, detail, certificates: certificates.map((c) => c.toString('base64')) });
    fetched.push(...certificates);
  }
  return { fetches, fetched };
}

const noAnswer = (method: RevocationLookup['method'], url: string | null, status: 'unreachable' | 'invalid', detail: string): RevocationLookup => ({
  method,
  url,
  status,
  detail,
  revokedAt: null,
  reason: null,
  thisUpdate: null,
  nextUpdate: null,
});

/** Every revocation lookup for one certificate (its issuer is the next on the path), concurrently. */
async function lookups(cert: Buffer, issuer: Buffer, stapled: Buffer | null, ctx: PkiFetchContext, conn: string): Promise<RevocationLookup[]> {
  const details = readCertDetails(cert);
  const work: Promise<RevocationLookup>[] = [];
  if (stapled) {
    work.push(Promise.resolve({ method: 'stapled-ocsp' as const, url: null, ...checkOcspResponse(stapled, cert, issuer, ctx.now) }));
  }
  for (const url of details.crl.filter(fetchable).slice(0, MAX_URLS_PER_KIND)) {
    work.push(
      fetchOnce(ctx, conn, { url, maxBytes: MAX_CRL_BYTES }).then(async (answer) =>
        answer.ok ? { method: 'crl' as const, url, ...(await checkCrl(answer.body, cert, issuer, ctx.now)) } : noAnswer('crl', url, 'unreachable', answer.detail),
      ),
    );
  }
  const ocspUrls = details.ocsp.filter(fetchable).slice(0, MAX_URLS_PER_KIND);
  if (ocspUrls.length > 0) {
    const request = ocspRequest(cert, issuer);
    for (const url of ocspUrls) {
      if (request === null) {
        work.push(Promise.resolve(noAnswer('ocsp', url, 'invalid', 'no OCSP request can be made for this certificate: the certificate above it on the path does not pass as its issuer (a keyUsage without keyCertSign, say), or its serial or its issuer cannot be read')));
        continue;
      }
      work.push(
        fetchOnce(ctx, conn, { url, method: 'POST', body: request, contentType: 'application/ocsp-request', maxBytes: MAX_OCSP_BYTES }).then(async (answer) =>
          answer.ok ? { method: 'ocsp' as const, url, ...checkOcspResponse(answer.body, cert, issuer, ctx.now) } : noAnswer('ocsp', url, 'unreachable', answer.detail),
        ),
      );
    }
  }
  return Promise.all(work);
}

/**
 * Fetches what one chain (DER, as the server sent it or as given in files) needs: missing issuers
 * from AIA URLs, then (with `ctx.revocation`) the revocation status of every certificate on the
 * path that has an issuer on it — the trust anchor itself is not checked. `stapled` is the OCSP
 * response the server stapled, if any. `conn` names the transcript's connection for the fetches.
 */
export async function fetchForChain(chain: Buffer[], stapled: Buffer | null, ctx: PkiFetchContext, conn: string): Promise<PkiFetches> {
  const { fetches, fetched } = await repairByAia(chain, ctx, conn);
  const revocation: CertRevocation[] = [];
  if (ctx.revocation) {
    const { pathDer } = repairChain({ chain, trustStore: ctx.trustStore, now: ctx.now }, fetched);
    const checked = await Promise.all(
      pathDer.slice(0, -1).map(async (cert, index): Promise<CertRevocation> => {
        const details = readCertDetails(cert);
        const info = describeCertificate(cert, 'sent');
        return {
          index,
          subject: displayName(info),
          sha256: info.sha256,
          crlUrls: details.crl.slice(0, 16),
          ocspUrls: details.ocsp.slice(0, 16),
          mustStaple: details.mustStaple,
          lookups: await lookups(cert, pathDer[index + 1] as Buffer, index === 0 ? stapled : null, ctx, conn),
        };
      }),
    );
    revocation.push(...checked);
  }
  return { aia: fetches, revocation };
}
