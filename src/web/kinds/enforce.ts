// The enforce test (`mxray enforce`) as a web job: does each MX address refuse mail without TLS?
// The CLI's options as JSON; nothing is ever delivered, no credential sent.
import { Type } from '@sinclair/typebox';
import { UsageError } from '../../core/errors.js';
import { runEnforceCheck } from '../../jobs/enforce/check-enforce.js';
import { DEFAULT_MAX_MX } from '../../jobs/receiver/check-receiver.js';
import { EDGE_PARAMS, type JobKind } from './model.js';
import { edgeProblem, SECONDS, timeLimits } from './shared.js';

const Params = Type.Object(
  {
    target: Type.Optional(Type.String({ maxLength: 300, description: 'domain | user@domain | host:port | IPv4 | [IPv6] | [IPv6]:port' })),
    host: Type.Optional(Type.String({ maxLength: 255, description: 'test this server directly (the target, if given, still names the mail domain)' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    families: Type.Optional(Type.Union([Type.Literal('both'), Type.Literal('ipv4'), Type.Literal('ipv6')])),
    maxMx: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    helo: Type.Optional(Type.String({ maxLength: 255 })),
    from: Type.Optional(Type.String({ maxLength: 320, description: 'MAIL FROM of both sessions' })),
    rcpt: Type.Optional(Type.String({ maxLength: 320, description: 'RCPT TO of both sessions (needed for a server or IP target)' })),
    throughData: Type.Optional(Type.Boolean({ description: 'also DATA, dropped at its 354 (nothing is delivered)' })),
    timeout: SECONDS('time-out for every phase, seconds', 120),
    greetingTimeout: SECONDS('how long to wait for the banner, seconds', 300),
    deadline: SECONDS('the most the whole test may take, seconds', 600),
    ...EDGE_PARAMS,
  },
  { additionalProperties: false },
);

export const enforceKind: JobKind<typeof Params> = {
  name: 'enforce',
  title: 'Enforce test',
  params: Params,
  rerunnable: true,
  targetOf: (p) => (p.target ?? p.host ?? '').slice(0, 500),
  publicProblem: edgeProblem,
  async run(p, { edges, signal, events }) {
    if (!p.target && !p.host) throw new UsageError('say what to test: a domain, user@domain, host:port or an IP address');
    return runEnforceCheck(
      {
        target: p.target ?? null,
        host: p.host ?? null,
        port: p.port ?? null,
        helo: p.helo ?? edges.helo,
        from: p.from ?? null,
        rcpt: p.rcpt ?? null,
        throughData: p.throughData ?? false,
        maxMx: p.maxMx ?? DEFAULT_MAX_MX,
        families: { v4: p.families !== 'ipv6', v6: p.families !== 'ipv4' },
        limits: timeLimits(p),
        hostMap: edges.hostMap,
        clock: edges.clock,
        resolver: edges.resolver,
        connector: edges.connector,
        scheduler: edges.scheduler,
        signal,
        events,
      },
      () => ({ clock: edges.clock, resolver: edges.resolver, connector: edges.connector, trustStore: edges.trustStore, helo: edges.helo, scheduler: edges.scheduler }),
    );
  },
};
