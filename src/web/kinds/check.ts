// The receiver test (`mxray check`) as a web job: the same options, as JSON.
import { Type } from '@sinclair/typebox';
import { UsageError } from '../../core/errors.js';
import { DEFAULT_MAX_MX, runReceiverCheck } from '../../jobs/receiver/check-receiver.js';
import { EDGE_PARAMS, type JobKind } from './model.js';

const Params = Type.Object(
  {
    target: Type.Optional(Type.String({ maxLength: 300, description: 'domain | user@domain | host:port | IPv4 | [IPv6] | [IPv6]:port' })),
    host: Type.Optional(Type.String({ maxLength: 255, description: 'test this server directly (the MX lookup is skipped)' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    tlsOnConnect: Type.Optional(Type.Boolean()),
    families: Type.Optional(Type.Union([Type.Literal('both'), Type.Literal('ipv4'), Type.Literal('ipv6')])),
    first: Type.Optional(Type.Boolean({ description: 'only the primary MX host' })),
    maxMx: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    helo: Type.Optional(Type.String({ maxLength: 255 })),
    from: Type.Optional(Type.String({ maxLength: 320 })),
    rcpt: Type.Optional(Type.String({ maxLength: 320 })),
    warnDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    expectThumbprint: Type.Optional(Type.String({ maxLength: 200 })),
    quick: Type.Optional(Type.Boolean({ description: 'skip the extra handshake without SNI and the cleartext session' })),
    revocation: Type.Optional(Type.Boolean({ description: 'CRL and OCSP lookups (default true)' })),
    posture: Type.Optional(Type.Boolean({ description: 'MTA-STS, TLS-RPT and DANE lookups (default true)' })),
    ...EDGE_PARAMS,
  },
  { additionalProperties: false },
);

export const checkKind: JobKind<typeof Params> = {
  name: 'check',
  title: 'Receiver test',
  params: Params,
  rerunnable: true,
  targetOf: (p) => (p.target ?? p.host ?? '').slice(0, 500),
  run(p, { edges, signal, events }) {
    if (!p.target && !p.host) throw new UsageError('say what to test: a domain, user@domain, host:port or an IP address');
    return runReceiverCheck(
      {
        target: p.target ?? null,
        host: p.host ?? null,
        port: p.port ?? null,
        ...(p.tlsOnConnect ? { tlsOnConnect: true } : {}),
        helo: p.helo ?? edges.helo,
        from: p.from ?? null,
        rcpt: p.rcpt ?? null,
        first: p.first ?? false,
        maxMx: p.maxMx ?? DEFAULT_MAX_MX,
        families: { v4: p.families !== 'ipv6', v6: p.families !== 'ipv4' },
        ...(p.warnDays ? { warnDays: p.warnDays } : {}),
        expectThumbprint: p.expectThumbprint ?? null,
        extras: !p.quick,
        hostMap: edges.hostMap,
        clock: edges.clock,
        resolver: edges.resolver,
        connector: edges.connector,
        trustStore: edges.trustStore,
        fetcher: edges.fetcher,
        dnssec: edges.dnssec,
        scheduler: edges.scheduler,
        revocation: p.revocation ?? true,
        posture: p.posture ?? true,
        memory: null,
        signal,
        events,
      },
      // Every edge is given above; the defaults are the same ones, should the job ask.
      () => ({ clock: edges.clock, resolver: edges.resolver, connector: edges.connector, trustStore: edges.trustStore, helo: edges.helo, scheduler: edges.scheduler, fetcher: edges.fetcher, ...(edges.dnssec ? { dnssec: edges.dnssec } : {}) }),
    );
  },
};
