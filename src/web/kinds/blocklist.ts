// The block list lookup (`mxray blocklist`) as a web job: is this address, or each MX address of
// this domain, on a DNS block list? The CLI's options as JSON.
import { Type } from '@sinclair/typebox';
import { runBlocklist } from '../../jobs/blocklist/check-blocklist.js';
import { normalizeZone } from '../../jobs/blocklist/lookup-dnsbl.js';
import { DEFAULT_DNSBL_ZONES } from '../../kb/dnsbl-zones.js';
import { edgeProblem } from './shared.js';
import { EDGE_PARAMS, type JobKind } from './model.js';
import { zonesParam } from './posture.js';

const Params = Type.Object(
  {
    target: Type.String({ minLength: 1, maxLength: 300, description: 'an IPv4 or IPv6 address, or a mail domain (its MX addresses are looked up)' }),
    zones: Type.Optional(zonesParam('ask these block lists (their DNS zones); replaces the default lists unless dnsblDefault')),
    dnsblDefault: Type.Optional(Type.Boolean({ description: 'ask the default lists too (the default when no zones are given)' })),
    ...EDGE_PARAMS,
  },
  { additionalProperties: false },
);

export const blocklistKind: JobKind<typeof Params> = {
  name: 'blocklist',
  title: 'Block list lookup',
  params: Params,
  rerunnable: true,
  targetOf: (p) => p.target.slice(0, 500),
  publicProblem: edgeProblem,
  async run(p, { edges, signal, events }) {
    // Zones are checked before any query: a bad one is a usage error.
    const given = (p.zones ?? []).map(normalizeZone);
    const zones = [...new Set([...(p.dnsblDefault || given.length === 0 ? DEFAULT_DNSBL_ZONES : []), ...given])];
    return runBlocklist(
      { target: p.target, zones, clock: edges.clock, resolver: edges.lookupResolver ?? edges.resolver, scheduler: edges.scheduler, signal, events },
      () => ({ clock: edges.clock, resolver: edges.lookupResolver ?? edges.resolver, connector: edges.connector, trustStore: edges.trustStore, helo: edges.helo, scheduler: edges.scheduler }),
    );
  },
};
