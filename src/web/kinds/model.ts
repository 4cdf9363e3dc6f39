// What one kind of job the web UI runs is, to the server (src/web/app.ts, jobs.ts): its request
// schema (TypeBox: validation and the OpenAPI document come from it), what public mode forbids in
// it, and how it runs one request with the edges the server hands it. One file per kind in this
// folder, listed in ./index.ts. A kind never builds an edge, never reads a file, never writes to
// the store: the server does all three.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Clock, Connector, DnssecResolver, HostMapping, Resolver, TrustStore } from '../../core/context.js';
import type { EventSink } from '../../core/events.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { Report } from '../../core/schema.js';
import type { HttpFetcher } from '../../http/fetcher.js';

/** The edges a job runs with: the server's (the system's, the demo lab's, or guarded in public mode). */
export interface WebEdges {
  clock: Clock;
  resolver: Resolver;
  /**
   * For lookups whose answers are data and never connected to (block lists answer "listed" with an
   * address in 127.0.0.0/8): the unguarded resolver in public mode; absent: `resolver`.
   */
  lookupResolver?: Resolver;
  /** DNSSEC-aware resolver for DANE, or null (no DANE). */
  dnssec: DnssecResolver | null;
  connector: Connector;
  trustStore: TrustStore;
  fetcher: HttpFetcher;
  scheduler: Scheduler;
  /** The EHLO name. */
  helo: string;
  /** The server's host map (--connect of `mxray serve`, the demo lab's MX names → ports). */
  hostMap: ReadonlyMap<string, HostMapping>;
}

/** Everything one run gets besides its parameters. */
export interface JobContext {
  edges: WebEdges;
  signal: AbortSignal;
  /** Progress and transcript events: the job page's live stream. Hand it to the job as `events`. */
  events: EventSink;
  /** `mxray serve --public`: the parameters already passed `publicProblem`; the edges are guarded. */
  publicMode: boolean;
  /**
   * The uploaded input of an upload kind, streamed as it arrives (never written to disk); already
   * capped at the kind's `upload.maxBytes` by the server (it fails the stream past it). Null for other kinds.
   */
  upload: { name: string; chunks: AsyncIterable<Buffer> } | null;
}

export interface JobKind<S extends TSchema = TSchema> {
  /** The path segment: POST /api/v1/jobs/<name>. */
  name: string;
  /** For pages and the OpenAPI document: "Receiver test". */
  title: string;
  /** The request's parameters: a JSON body, or for an upload kind the query string (strings only: use Type.String with patterns, converted in `run`). */
  params: S;
  /** An upload kind takes its input as the request body (application/octet-stream), at most maxBytes. */
  upload?: { maxBytes: number };
  /** What the report will be about, before it exists (History's target for a running job). At most 500 characters. */
  targetOf(params: Static<S>): string;
  /**
   * Why public mode refuses these parameters (`resolver`, `connect`, `replyVia`, `count` …), one
   * line, or null. The address guard on the edges is the server's; this is about options only.
   */
  publicProblem?(params: Static<S>): string | null;
  /** Whether History may run it again from its parameters (false for uploads: the input is not kept). */
  rerunnable: boolean;
  /** Runs one request. Bad parameters the schema cannot express: throw UsageError (one line, 400). */
  run(params: Static<S>, context: JobContext): Promise<Report>;
}

/**
 * Parameters every kind that reaches servers takes (spread them into its `params`): the server, not
 * the kind, builds the edges they ask for (a resolver at that address, a host map). Refused in
 * public mode by the server.
 */
export const EDGE_PARAMS = {
  /** "IP[:PORT]" of a DNS server for every query (--resolver). */
  resolver: Type.Optional(Type.String({ maxLength: 60, description: 'send every DNS query to this server (IP[:PORT]); not in public mode' })),
  /** "HOST=IP[:PORT]" entries (--connect). */
  connect: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 100, description: 'connect to this address for this host name (HOST=IP[:PORT]); not in public mode' })),
};
