// TLS-RPT aggregate reports (`mxray tlsrpt`) as an upload job: one file — a JSON report, a gzip of
// one, a mail or an mbox — recognised by its content exactly as `mxray tlsrpt <file>` reads it
// (jobs/tlsrpt detects gzip by its magic bytes and expands it within its bound).
import { Type } from '@sinclair/typebox';
import { runTlsRpt } from '../../jobs/tlsrpt/check-tlsrpt.js';
import { uploadBytes, uploadName } from './shared.js';
import type { JobKind } from './model.js';

export const TLSRPT_UPLOAD_MAX_BYTES = 64 * 1024 * 1024;

const Params = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 255, description: 'the file name shown' })),
  },
  { additionalProperties: false },
);

export const tlsrptKind: JobKind<typeof Params> = {
  name: 'tlsrpt',
  title: 'TLS-RPT reports',
  params: Params,
  upload: { maxBytes: TLSRPT_UPLOAD_MAX_BYTES },
  rerunnable: false,
  targetOf: (p) => (p.name ?? 'TLS-RPT upload').slice(0, 500),
  async run(p, { edges, upload }) {
    const name = uploadName(upload, p.name);
    const bytes = await uploadBytes(upload, TLSRPT_UPLOAD_MAX_BYTES);
    return runTlsRpt({ inputs: [{ name, bytes }], target: name, clock: edges.clock }, () => ({ clock: edges.clock }));
  },
};
