// Every kind of job the web UI runs (src/web/kinds/model.ts): POST /api/v1/jobs/<name>.
import { blocklistKind } from './blocklist.js';
import { certFileKind, certKind } from './cert.js';
import { checkKind } from './check.js';
import { enforceKind } from './enforce.js';
import { explainKind } from './explain.js';
import { headersKind } from './headers.js';
import { logsKind } from './logs.js';
import type { JobKind } from './model.js';
import { pcapKind } from './pcap.js';
import { postureKind } from './posture.js';
import { sendKind } from './send.js';
import { tlsrptKind } from './tlsrpt.js';

/** In the order the home page shows them. */
export const JOB_KINDS: readonly JobKind[] = [
  checkKind,
  certKind,
  certFileKind,
  enforceKind,
  sendKind,
  postureKind,
  tlsrptKind,
  blocklistKind,
  headersKind,
  explainKind,
  logsKind,
  pcapKind,
];

const BY_NAME: ReadonlyMap<string, JobKind> = new Map(JOB_KINDS.map((k) => [k.name, k]));

/** The kind of this name, or null (an unknown path segment: 404). */
export function kindNamed(name: string): JobKind | null {
  return BY_NAME.get(name) ?? null;
}
