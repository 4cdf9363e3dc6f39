// The OpenAPI 3.1 document of /api/v1, made from the same TypeBox schemas the server validates
// requests with (each job kind's parameters) and the Report schema every report follows: the
// document cannot drift from what the server accepts and answers.
import { ReportSchema } from '../core/schema.js';
import { VERSION } from '../core/version.js';
import type { JobKind } from './kinds/model.js';

type Json = Record<string, unknown>;

/** A TypeBox schema as plain JSON Schema (TypeBox's symbols dropped, $id kept out of components). */
function plain(schema: unknown): Json {
  const { $id: _id, ...rest } = JSON.parse(JSON.stringify(schema)) as Json;
  return rest;
}

const error = { description: 'refused, with the reason in one line', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const job = { description: 'the job', content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } };

export function openApiDocument(kinds: readonly JobKind[]): Json {
  const paths: Json = {};
  for (const kind of kinds) {
    const params = plain(kind.params);
    const operation: Json = {
      operationId: `run_${kind.name.replace(/-/g, '_')}`,
      summary: `Start a job: ${kind.title}`,
      tags: ['jobs'],
      responses: {
        '200': { ...job, description: 'the job, finished within ?wait' },
        '202': { ...job, description: 'the job, running: follow its events' },
        '400': error,
        '403': error,
        '413': error,
        '429': error,
      },
    };
    if (kind.upload) {
      const props = (params.properties ?? {}) as Record<string, Json>;
      operation.parameters = [
        ...Object.entries(props).map(([name, schema]) => ({ name, in: 'query', required: ((params.required as string[] | undefined) ?? []).includes(name), schema })),
        { name: 'wait', in: 'query', required: false, schema: { type: 'integer', minimum: 0, maximum: 30 } },
      ];
      operation.requestBody = { required: true, description: `the file, at most ${kind.upload.maxBytes} bytes`, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };
    } else {
      operation.parameters = [{ name: 'wait', in: 'query', required: false, schema: { type: 'integer', minimum: 0, maximum: 30 } }];
      operation.requestBody = { required: true, content: { 'application/json': { schema: params } } };
    }
    paths[`/api/v1/jobs/${kind.name}`] = { post: operation };
  }
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' } };
  Object.assign(paths, {
    '/api/v1/jobs/{id}': {
      get: { operationId: 'getJob', tags: ['jobs'], parameters: [id], responses: { '200': job, '404': error } },
      delete: { operationId: 'cancelJob', tags: ['jobs'], parameters: [id], responses: { '204': { description: 'cancelled' }, '404': error } },
    },
    '/api/v1/jobs/{id}/events': {
      get: {
        operationId: 'jobEvents',
        tags: ['jobs'],
        summary: 'The job\'s events as Server-Sent Events: status, progress, transcript, then done or failed. Resumes after Last-Event-ID; a ": ping" comment every 15 s.',
        parameters: [id, { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } }],
        responses: { '200': { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, '404': error },
      },
    },
    '/api/v1/reports': {
      get: {
        operationId: 'searchReports',
        tags: ['reports'],
        summary: 'History: stored reports, newest first',
        parameters: ['q', 'kind', 'verdict', 'since', 'until', 'before'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string', maxLength: 200 } })).concat([{ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } as never }]),
        responses: { '200': { description: 'a page of reports', content: { 'application/json': { schema: { $ref: '#/components/schemas/ReportList' } } } }, '401': error, '403': error },
      },
    },
    '/api/v1/reports/{id}': {
      get: { operationId: 'getReport', tags: ['reports'], parameters: [id], responses: { '200': { description: 'the report', content: { 'application/json': { schema: { $ref: '#/components/schemas/Report' } } } }, '404': error } },
      delete: { operationId: 'deleteReport', tags: ['reports'], parameters: [id], responses: { '204': { description: 'deleted' }, '404': error } },
    },
    '/api/v1/reports/{id}/view': { get: { operationId: 'viewReport', tags: ['reports'], parameters: [id], responses: { '200': { description: 'meta, the previous run and the report as an HTML fragment' }, '404': error } } },
    '/api/v1/reports/{id}/rerun': { post: { operationId: 'rerunReport', tags: ['reports'], parameters: [id], responses: { '202': job, '404': error, '409': error } } },
    '/api/v1/reports/{id}/compare/{other}': { get: { operationId: 'compareReports', tags: ['reports'], parameters: [id, { ...id, name: 'other' }], responses: { '200': { description: 'what changed between the two runs' }, '404': error } } },
    '/api/v1/certificates': { get: { operationId: 'certificates', tags: ['reports'], summary: 'The newest certificate of every host seen, soonest expiry first', responses: { '200': { description: 'timeline points' } } } },
    '/api/v1/session': { get: { operationId: 'session', tags: ['session'], responses: { '200': { description: 'who is signed in, the CSRF token, what this server offers' } } } },
    '/api/v1/login': { post: { operationId: 'login', tags: ['session'], requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { user: { type: 'string' }, password: { type: 'string' } }, required: ['user', 'password'] } } } }, responses: { '200': { description: 'signed in (cookie set)' }, '401': error, '429': error } } },
    '/api/v1/logout': { post: { operationId: 'logout', tags: ['session'], responses: { '204': { description: 'signed out' } } } },
    '/api/v1/health': { get: { operationId: 'health', tags: ['session'], responses: { '200': { description: 'the server runs' } } } },
  });
  return {
    openapi: '3.1.0',
    info: { title: 'mxray', version: VERSION, description: 'Every mxray job over HTTP: start a job, follow its events, read and search the reports.' },
    servers: [{ url: '/' }],
    security: [{}, { bearer: [] }, { cookie: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token of the --auth file' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'mxray_session', description: 'after POST /api/v1/login; unsafe methods also need X-CSRF-Token' },
      },
      schemas: {
        Report: plain(ReportSchema),
        Error: { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] },
        Job: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            kind: { type: 'string', enum: kinds.map((k) => k.name) },
            target: { type: 'string' },
            status: { type: 'string', enum: ['running', 'done', 'failed', 'cancelled'] },
            startedAt: { type: 'string', format: 'date-time' },
            finishedAt: { type: ['string', 'null'], format: 'date-time' },
            reportId: { type: ['string', 'null'] },
            verdict: { type: ['string', 'null'] },
            error: { type: ['string', 'null'] },
            events: { type: 'string' },
            job: { type: 'string' },
          },
          required: ['id', 'kind', 'status'],
        },
        ReportList: { type: 'object', properties: { reports: { type: 'array', items: { type: 'object' } }, total: { type: 'integer' }, next: { type: ['string', 'null'] } } },
      },
    },
  };
}
