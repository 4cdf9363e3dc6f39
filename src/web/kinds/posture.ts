// The policies of a mail domain (`mxray posture`) as a web job: MTA-STS, TLS-RPT, DANE and block
// lists, without probing any server's TLS. The CLI's options as JSON; the policies seen are not
// kept between runs here (the CLI's --no-store: the server has no policy memory to share).
import { Type } from '@sinclair/typebox';
import { runPosture } from '../../jobs/posture/check-posture.js';
import { DEFAULT_MAX_MX } from '../../jobs/receiver/check-receiver.js';
import { DEFAULT_DNSBL_ZONES } from '../../kb/dnsbl-zones.js';
import { normalizeZone } from '../../jobs/blocklist/lookup-dnsbl.js';
import { edgeProblem } from './shared.js';
import { EDGE_PARAMS, type JobKind } from './model.js';

/** Block list zones as a parameter: DNS names, checked again by the job. */
export const zonesParam = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_.-]+$' }), { maxItems: 64, description });

const Params = Type.Object(
  {
    domain: Type.String({ minLength: 1, maxLength: 320, description: 'mail domain (or user@domain)' }),
    maxMx: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    dnsbl: Type.Optional(zonesParam('ask these block lists about the MX addresses (replaces the default lists unless dnsblDefault)')),
    dnsblDefault: Type.Optional(Type.Boolean({ description: 'ask the default lists too (the default when no dnsbl is given)' })),
    blocklists: Type.Optional(Type.Boolean({ description: 'false: ask no block list (default true)' })),
    timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 120, description: 'time-out for the MTA-STS policy fetch, seconds (DNS time-outs are the server’s)' })),
    ...EDGE_PARAMS,
  },
  { additionalProperties: false },
);

export const postureKind: JobKind<typeof Params> = {
  name: 'posture',
  title: 'Posture (MTA-STS, TLS-RPT, DANE, block lists)',
  params: Params,
  rerunnable: true,
  targetOf: (p) => p.domain.slice(0, 500),
  publicProblem: edgeProblem,
  async run(p, { edges, signal, events }) {
    const given = (p.dnsbl ?? []).map(normalizeZone);
    const zones = p.blocklists === false ? false : [...new Set([...(p.dnsblDefault || given.length === 0 ? DEFAULT_DNSBL_ZONES : []), ...given])];
    return runPosture(
      {
        target: p.domain,
        maxMx: p.maxMx ?? DEFAULT_MAX_MX,
        memory: null,
        dnsbl: zones,
        ...(p.timeout ? { fetchTimeoutMs: Math.round(p.timeout * 1000) } : {}),
        clock: edges.clock,
        resolver: edges.lookupResolver ?? edges.resolver,
        fetcher: edges.fetcher,
        trustStore: edges.trustStore,
        dnssec: edges.dnssec,
        signal,
        events,
      },
      () => ({ clock: edges.clock, resolver: edges.lookupResolver ?? edges.resolver, fetcher: edges.fetcher, trustStore: edges.trustStore, ...(edges.dnssec ? { dnssec: edges.dnssec } : {}) }),
    );
  },
};
